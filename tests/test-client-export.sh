#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-export.sh: rechargectl export read back by a real parser (python3-icalendar):
# every recurrence, expanded in the file's own VTIMEZONE, with its EXDATEs and RECURRENCE-ID
# overrides, equals the daemon's Upcoming: over most of a year (both DST changes, a block in the
# gap and the fold), and over 60 days from now and 60 days around the next DST change after
# skips, snoozes, an extended block, a pause and a manual recharge, in Europe/Berlin and
# America/New_York; stable UIDs; RFC 5545 lines. Times that matter are relative to now; the
# fixed ones (02:30, 23:00-01:30) may be on when the test runs, which the export covers (its
# rules begin the day before).
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
out=$(/usr/bin/python3 "$top_srcdir/tests/lib/ical-check.py" "$T/bounded.ics" "$T/upcoming.json" "$from" "$to" Europe/Berlin)
ok $? "--days 400 export: the same inside its range ($out)"

# --days bounds the rules: the same up to the third midnight, nothing after. Which midnight that
# is depends on the day the export ran: a local midnight between the export and the computation
# of end3 moves it by a day, so the export is made again when the day changed meanwhile (it
# can change only once).
third_midnight() { echo "$(date -d "$(date -d "+3 days" +%F) 00:00" +%s)000000"; }
for _ in 1 2; do
        end3=$(third_midnight)
        "$RECHARGECTL" export --days 3 >"$T/short.ics"
        [ "$(third_midnight)" = "$end3" ] && break
done
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

# ---- what the daemon plans differently: skips and snoozes (Berlin, the fixed-time schedule) ----
check() { # check DESCRIPTION FILE ZONE FROM_USEC TO_USEC [DND_BLOCKS]: the parser's expansion equals Upcoming
        # from two days before: a dnd block already on at FROM is seen from its start, so the
        # reminders it holds are known (a block lasts a day at most)
        call Upcoming tt "$(($4 - 2 * 86400000000))" "$5" >"$T/check.json"
        out=$(/usr/bin/python3 "$top_srcdir/tests/lib/ical-check.py" "$2" "$T/check.json" "$4" "$5" "$3" ${6:+"$6"})
        local st=$?
        ok $st "$1 ($out)"
        [ $st = 0 ] || diag "$out"
}
# the 60 days around the zone's next DST change (from now, when that is within 30 days)
dst_window() { # ZONE NOW_USEC: prints FROM_USEC TO_USEC
        /usr/bin/python3 - "$1" "$2" <<'PY'
import datetime, sys
import dateutil.tz
z, now = dateutil.tz.gettz(sys.argv[1]), int(sys.argv[2]) // 1000000
off = lambda t: datetime.datetime.fromtimestamp(t, z).utcoffset()
t = now
while off(t + 3600) == off(now):
    t += 3600
start = max(now, t - 30 * 86400)
print(start * 1000000, (start + 60 * 86400) * 1000000)
PY
}
call Skip s late >/dev/null && call Skip s stretch >/dev/null && call Snooze st night 1500000000 >/dev/null &&
        call Snooze st walk 3600000000 >/dev/null
ok $? "skipped 'late' and 'stretch', snoozed 'night' by 25 min and 'walk' by 1 h"
"$RECHARGECTL" export >"$T/berlin.ics"
ok $? "export after them"
from=$(now_us)
grep -q '^EXDATE;TZID=Europe/Berlin:' "$T/berlin.ics"
ok $? "a skipped occurrence is an EXDATE"
is "$(grep -c '^RECURRENCE-ID;TZID=Europe/Berlin:' "$T/berlin.ics")" 2 "each snoozed block is a RECURRENCE-ID override"
check "Berlin, 60 days from now: the calendar equals Upcoming" "$T/berlin.ics" Europe/Berlin "$from" \
        "$((from + 60 * 86400000000))"
read -r dfrom dto < <(dst_window Europe/Berlin "$from")
check "Berlin, 60 days around the next DST change ($(date -u -d "@$((dfrom / 1000000))" +%F))" "$T/berlin.ics" \
        Europe/Berlin "$dfrom" "$dto"
check "Berlin, 345 days" "$T/berlin.ics" Europe/Berlin "$from" "$to"
daemon_stop

# ---- New York: times relative to now, so the test means the same at any hour ----
export TZ=America/New_York
s0=$(date +%s)
minute() { echo $(((s0 + $1 * 60) / 60 * 60)); } # the minute N minutes from the test's start
at() { date -d "@$(minute "$1")" +%H:%M; }        # …as a local clock time for the config
local_stamp() { date -d "@$1" +%Y%m%dT%H%M%S; }
utc_stamp() { TZ=UTC date -d "@$1" +%Y%m%dT%H%M%SZ; }
# The instant a local clock time names: in the hour the clocks go back it is there twice, and it
# names the first (as in RFC 5545), an hour before the repeat. The test starts in that repeat one
# night a year (05:55-06:25 UTC), when 'now' and the others begin an hour earlier than N minutes
# from now would say.
first_of() {
        if [ "$(local_stamp $(($1 - 3600)))" = "$(local_stamp "$1")" ]; then echo $(($1 - 3600)); else echo "$1"; fi
}
cat >"$CONF" <<EOF
[general]
heads-up = 0

; in progress now: extended (without dnd, so that the ticks in the pause are not held anyway)
[now]
type = recharge
start = $(at -10)
duration = 4h
dnd = no
message = Begun ten minutes ago

; skipped
[soon]
type = recharge
start = $(at 300)
duration = 30min
message = Five hours from now

; snoozed
[later]
type = recharge
start = $(at 420)
end = $(at 465)
message = Seven hours from now

; in the spring gap, and the autumn fold; without dnd, so that the ticks under them are not held:
; the pause begins now, and at some hours it would begin inside one of them
[gap]
type = recharge
start = 02:30
duration = 30min
dnd = no
message = Gap

[fold]
type = recharge
start = 01:30
duration = 20min
dnd = no
message = Fold

; 288 a day: one VEVENT
[tick]
type = selfcare
every = 5min
between = 00:00-23:55
message = Tick

; 109 a weekday: two VEVENTs (09:00-17:55, and 18:00)
[stretch]
type = selfcare
days = Mon..Fri
every = 5min
between = 09:00-18:00
message = Stretch
EOF
daemon_start || exit 1
call Extend t 900000000 >/dev/null && call Skip s soon >/dev/null && call Snooze st later 1200000000 >/dev/null &&
        call Snooze st tick 420000000 >/dev/null
ok $? "extended 'now' by 15 min, skipped 'soon', snoozed 'later' by 20 min and the next tick by 7 min"
p0=$(date +%s) # the pause begins now, however long the set-up took
call Pause t 1800000000 >/dev/null
ok $? "paused for 30 min"
"$RECHARGECTL" export >"$T/ny.ics"
ok $? "export after them"
from=$(now_us)
check "New York, 60 days from now: the calendar equals Upcoming" "$T/ny.ics" America/New_York "$from" \
        "$((from + 60 * 86400000000))" soon,later
read -r dfrom dto < <(dst_window America/New_York "$from")
check "New York, 60 days around the next DST change ($(date -u -d "@$((dfrom / 1000000))" +%F))" "$T/ny.ics" \
        America/New_York "$dfrom" "$dto" soon,later

# The pieces, where a partner's calendar reads them.
unfolded=$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\r\n //g' "$T/ny.ics" | tr -d '\r')
vevent_of() { # UID: the VEVENTs with that UID, one line each, properties joined by '|'
        awk -v u="UID:$1" '/^BEGIN:VEVENT/ { v = "" } { v = v $0 "|" } /^END:VEVENT/ && index(v, "|" u "|") { print v }' <<<"$unfolded"
}
t=$(first_of "$(minute -10)")
vevent_of now@recharged | grep -q "|RECURRENCE-ID;TZID=America/New_York:$(local_stamp "$t")|DTSTART:$(utc_stamp "$t")|DTEND:$(utc_stamp $((t + 4 * 3600 + 900)))|"
ok $? "the extended block: an override with the later end"
vevent_of soon@recharged | grep -q "|EXDATE;TZID=America/New_York:$(local_stamp "$(minute 300)")|"
ok $? "the skipped block: an EXDATE at its planned time"
is "$(vevent_of later@recharged | grep -c 'RECURRENCE-ID')" 1 "the snoozed block: one override"
t=$(first_of "$(minute 420)")
vevent_of later@recharged | grep -q "|RECURRENCE-ID;TZID=America/New_York:$(local_stamp "$t")|DTSTART:$(utc_stamp $((t + 1200)))|DTEND:$(utc_stamp $(($(first_of "$(minute 465)") + 1200)))|"
ok $? "…for its planned time, with its new start and end"
is "$(vevent_of tick@recharged | grep -c '|RRULE:')" 1 "every = 5min all day: one recurring VEVENT, not 288"
vevent_of tick@recharged | grep -q '|RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55|'
ok $? "…FREQ=WEEKLY with BYHOUR x BYMINUTE"
# The pause's ticks by their local stamps, from their instants (New York's offsets are whole hours,
# so a tick is a multiple of 300 s), from a minute before the pause to a minute after it: a range of
# local stamps would take in the gap's 02:xx, or be empty over the fold, on the nights of the DST
# changes. Over the fold a clock time's tick is at its first instant only (in the schedule as in
# the calendar): the repeated hour has no ticks, and a pause there removes none. in_stamps: the
# lines of stdin that are one of them.
pause_stamps=$(for ((t = (p0 - 60 + 299) / 300 * 300; t <= p0 + 31 * 60; t += 300)); do
        [ "$(first_of "$t")" = "$t" ] && local_stamp "$t"; done)
in_stamps() { grep -Fx -f <(echo "$pause_stamps"); }
k=$(grep -c . <<<"$pause_stamps")
tick_exdates=$(vevent_of tick@recharged | tr '|' '\n' | sed -n 's/^EXDATE;TZID=America\/New_York://p')
n=$(in_stamps <<<"$tick_exdates" | wc -l)
[ "$n" -ge $((k > 2 ? k - 2 : 0)) ] && [ "$n" -le "$k" ]
ok $? "the ticks in the 30-min pause are EXDATEs ($n of $k ticks from a minute before it to one after: all but the minute's and the snoozed one)"
is "$(grep -c '^UID:stretch-' "$T/ny.ics")" 2 "every = 5min, 09:00-18:00: two recurring VEVENTs"
is "$(grep -c '^BEGIN:VEVENT' "$T/ny.ics")" \
   "$(($(grep -c '^RRULE:FREQ=WEEKLY' "$T/ny.ics") + $(grep -c '^RECURRENCE-ID' "$T/ny.ics")))" \
   "every VEVENT is a rule or an override of one"
# The ticks' EXDATEs are what the pause removed, and on the day of the spring gap the ticks of
# 02:00-02:55, which fall on 03:00-03:55 (the same ticks); a pause can cover 02:00-02:55 on any other
# night (the test runs at 06:30-07:00 UTC in winter): those count as the pause's. (The blocks' own
# EXDATEs, soon's skip, and a block's day of the spring gap when now + 5 h or 7 h is 02:xx, are in
# the comparisons with Upcoming above.)
in_pause=$(in_stamps <<<"$tick_exdates" | wc -l)
gap_ticks=$(grep -vFx -f <(echo "$pause_stamps") <<<"$tick_exdates" | grep -c 'T02[0-5][05]00$')
# None is meant to be before the pause, but the export writes the ticks that a dnd block already on
# at the start of its first day (yesterday 00:00) held: it does not see that block begin. That
# happens when 'soon' or 'later' ran over midnight two days ago (the test run at 16:15-17:00 or
# 18:30-19:00 New York time); those ticks are days before the pause's, and the calendar from now on
# is checked above. Said here, and left out of the count, so that the count means the same at any hour.
early=$(awk -v d="$(date -d "@$p0" +%Y%m%d)" 'substr($0, 1, 8) < d' <<<"$tick_exdates")
before=$(grep -c . <<<"$early")
[ "$before" = 0 ] || diag "EXDATEs before the pause (ticks held by a block in progress at the export's start):" $early
is "$(($(grep -c . <<<"$tick_exdates") - gap_ticks - before))" "$in_pause" \
   "reminders held by a dnd block are not written as EXDATEs (the calendar keeps them where planned)"
call Resume >/dev/null

# (longer than 'now', so it is the one that counts, and its message is on the bus)
call Recharge ts 18000000000 "Reading, alone" >/dev/null
ok $? "a manual recharge for 5 h"
"$RECHARGECTL" export >"$T/ny.ics"
from=$(now_us)
check "…then the calendar still equals Upcoming over 60 days" "$T/ny.ics" America/New_York "$from" \
        "$((from + 60 * 86400000000))" soon,later
unfolded=$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\r\n //g' "$T/ny.ics" | tr -d '\r')
manual=$(grep -a -o '^UID:manual-[0-9TZ]*@recharged' "$T/ny.ics" | cut -d: -f2)
[ -n "$manual" ] && vevent_of "$manual" | grep -q '|SUMMARY:Recharging: Reading\\, alone|'
ok $? "the manual recharge: a one-off event with its message"

call Pause t 0 >/dev/null
ctl_is 0 "export while paused until resume" export
! grep -q '^UID:\(now\|tick\|gap\)' <<<"$OUT" && grep -q '^UID:manual-' <<<"$OUT"
ok $? "paused until resume: no block or reminder of the schedule, the manual recharge still there"
grep -q "paused until 'rechargectl resume'" <<<"$ERR"
ok $? "…and it says so on stderr"
call Resume >/dev/null

ctl_is 2 "export --days 0" export --days 0
daemon_stop
ctl_is 1 "export without the daemon" export

tap_done
