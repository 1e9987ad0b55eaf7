#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-export.sh: rechargectl export read back by a real parser (python3-icalendar):
# every recurrence, expanded in the file's own VTIMEZONE, equals the daemon's Upcoming over most
# of a year (both DST changes, a block in the gap and the fold); stable UIDs; RFC 5545 lines.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

if ! /usr/bin/python3 -c 'import icalendar, dateutil, pytz' 2>/dev/null; then
        skip "python3-icalendar is not installed" "export round trip"
        tap_done
        exit
fi

# A zone with DST, so the VTIMEZONE and the wall-clock rules matter.
export TZ=Europe/Berlin
cat >"$CONF" <<'EOF'
[general]
heads-up = 0

[morning]
type = recharge
days = Mon..Fri
start = 07:00
end = 07:45
message = "Coffee, alone; no screens"

[night]
type = recharge
days = Fri,Sat
start = 23:00
end = 01:30
message = Night, mine
; with dnd the daemon holds owl's midnight reminder to 01:30; the calendar shows plans
dnd = no

[walk]
type = recharge
days = Sun
start = 10:00
duration = 1h 30min
message = A long walk, no phone

[late]
type = recharge
start = 02:30
duration = 30min
message = In the DST gap once a year, and twice in the fold

[stretch]
type = selfcare
days = Mon..Fri
every = 90min
between = 09:00-18:00
message = Stand up and stretch

[owl]
type = selfcare
days = Sat
every = 2h
between = 22:00-02:00
message = Owl check

[friend]
type = selfcare
days = Sun
at = 17:00, 20:30
message = Call a friend

[never]
type = recharge
start = 12:00
duration = 1h
enabled = no
message = Disabled
EOF
daemon_start || exit 1

from=$(now_us)
days=345
to=$((from + days * 86400 * 1000000))

ctl_is 0 "export --days 400" export --days 400
printf '%s\n' "$OUT" >"$T/bounded.ics"
"$RECHARGECTL" export >"$T/open.ics"
ok $? "export (open-ended)"

call Upcoming tt "$from" "$to" >"$T/upcoming.json"
n=$(jq '.[0] | length' "$T/upcoming.json")
[ "$n" -gt 1000 ]
ok $? "the daemon plans $n events in $days days"

out=$(/usr/bin/python3 "$top_srcdir/tests/lib/ical-check.py" "$T/open.ics" "$T/upcoming.json" "$from" "$to" Europe/Berlin)
ok $? "open-ended export: the parser's expansion equals Upcoming ($out)"
[ $? = 0 ] || diag "$out"
out=$(/usr/bin/python3 "$top_srcdir/tests/lib/ical-check.py" "$T/bounded.ics" "$T/upcoming.json" "$from" "$to" Europe/Berlin)
ok $? "--days 400 export: the same inside its range ($out)"
[ $? = 0 ] || diag "$out"

# --days bounds the rules: the same up to the third midnight, nothing after.
"$RECHARGECTL" export --days 3 >"$T/short.ics"
end3=$(date -d "$(date -d "+3 days" +%F) 00:00" +%s)000000
call Upcoming tt "$from" "$end3" >"$T/up3.json"
/usr/bin/python3 "$top_srcdir/tests/lib/ical-check.py" "$T/short.ics" "$T/up3.json" "$from" "$end3" >"$T/short.out"
ok $? "--days 3: the events up to the third midnight ($(cat "$T/short.out"))"
echo '[]' >"$T/none.json"
# (a block begun before that midnight may end after it: look from half a day later)
/usr/bin/python3 "$top_srcdir/tests/lib/ical-check.py" "$T/short.ics" "$T/none.json" "$((end3 + 12 * 3600000000))" \
        "$((end3 + 5 * 86400000000))" >"$T/none.out"
ok $? "--days 3: nothing after it ($(cat "$T/none.out"))"

# The file's shape.
is "$(LC_ALL=C awk '!/\r$/ { n++ } END { print n + 0 }' "$T/open.ics")" "0" "every line ends in CRLF"
is "$(LC_ALL=C awk '{ sub(/\r$/, "") } length($0) > 75 { n++ } END { print n + 0 }' "$T/open.ics")" "0" \
        "no line longer than 75 octets"
grep -q '^ ' "$T/open.ics"
ok $? "long lines are folded"
grep -q '^BEGIN:VTIMEZONE' "$T/open.ics" && grep -q '^TZID:Europe/Berlin' "$T/open.ics"
ok $? "a VTIMEZONE for the user's zone"
TZ=Asia/Tokyo "$RECHARGECTL" export >"$T/tokyo.ics"
grep -q '^TZID:Europe/Berlin' "$T/tokyo.ics" && ! grep -q 'Asia/Tokyo' "$T/tokyo.ics"
ok $? "with another TZ in the shell the times are still labelled with the daemon's zone (TimeZone)"
grep -q '^RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU' "$T/open.ics"
ok $? "the zone's DST rule as a yearly RRULE"
grep -q '^RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' "$T/open.ics"
ok $? "weekly RRULE with BYDAY"
! grep -q 'UNTIL=' "$T/open.ics"
ok $? "open-ended: no UNTIL"
grep -q 'UNTIL=' "$T/bounded.ics"
ok $? "--days: UNTIL"
! grep -q 'never@recharged' "$T/open.ics"
ok $? "a disabled entry is not exported"
grep -q 'SUMMARY:Recharging: Coffee\\, alone\\; no screens' "$T/open.ics"
ok $? "text is escaped"

# Stable UIDs: the same across exports and a daemon restart.
uids() { grep -a '^UID:' "$1" | tr -d '\r' | sort; }
grep -c '^UID:morning@recharged' "$T/open.ics" | grep -qx 1
ok $? "UID <entry>@recharged"
# Reminders are moments: a length of 0, so a calendar does not show an hour each.
reminder_lengths=$(awk '/^BEGIN:VEVENT/ { r = 0; d = "" } /^CATEGORIES:selfcare/ { r = 1 } /^DURATION:/ { d = $0 }
        /^END:VEVENT/ && r { print d }' "$T/open.ics" | tr -d '\r' | sort -u)
is "$reminder_lengths" "DURATION:PT0S" "every reminder has DURATION:PT0S"
ctl_is 0 "export --no-reminders" export --no-reminders
is "$(grep -c '^CATEGORIES:selfcare' <<<"$OUT")/$(grep -c '^CATEGORIES:recharge' <<<"$OUT")" \
   "0/$(grep -c '^CATEGORIES:recharge' "$T/open.ics")" "--no-reminders: no reminder, every block"
daemon_stop
daemon_start || exit 1
"$RECHARGECTL" export >"$T/again.ics"
is "$(uids "$T/again.ics")" "$(uids "$T/open.ics")" "UIDs are stable across exports and restarts"

ctl_is 2 "export --days 0" export --days 0
daemon_stop
ctl_is 1 "export without the daemon" export

tap_done
