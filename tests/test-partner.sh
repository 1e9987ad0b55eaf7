#!/bin/bash
# SPDX-License-Identifier: MIT
# test-partner.sh: recharged-share following a partner's calendar ([partner]). The blocks it
# reads from feeds of other producers (python3-icalendar, rechargectl export) equal what
# python3-icalendar + dateutil compute over 60 days, on fixed dates across the DST changes of
# Europe/Berlin and America/New_York and from now; a file:// feed gives the heads-up, the start,
# the end and "Sam is back" at their instants (on python3-dbusmock's notification server); an
# .ics on a loopback HTTP server is read with If-None-Match (304 keeps the copy), and a
# malformed, a 100 MB, a refused (401) feed and a stopped server keep the last good copy, which
# also serves after a restart offline; a real Radicale serves a CalDAV collection;
# password-command never blocks the loop; the installed XML equals the live introspection.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/share.sh"

for c in radicale curl jq; do
        command -v $c >/dev/null || { echo "1..0 # SKIP $c is not installed (tools/install-deps)"; exit 0; }
done
/usr/bin/python3 -c 'import icalendar, dateutil' 2>/dev/null ||
        { echo "1..0 # SKIP python3-icalendar is not installed (tools/install-deps)"; exit 0; }
test_setup
trap share_cleanup EXIT
# Floating times are read on this clock, and the messages' HH:MM are in it.
export TZ=Europe/Berlin
FEED=$T/feed
mkdir -p "$FEED"
PY=/usr/bin/python3
LIB=$top_srcdir/tests/lib

# ---- the blocks of feeds from other producers equal an independent reader's ----
# From now, from 1 March 2026 (Berlin's change on 29 March and New York's on 8 March ahead) and
# from 1 October 2026 (25 October, 1 November).
for from in "$(date +%s)" 1772323200 1790812800; do
        $PY "$LIB/partner-feed.py" "$from" "$T/pf.ics"
        got=$("$SHARE" --print-blocks "$T/pf.ics" --from "$from")
        want=$($PY "$LIB/partner-expect.py" "$T/pf.ics" "$from")
        is "$got" "$want" "python3-icalendar's feed from $(date -u -d "@$from" +%F): the blocks equal dateutil's"
        [ "$(echo "$got" | wc -l)" -ge 40 ]
        ok $? "…and there are many of them ($(echo "$got" | wc -l))"
done
grep -q '^RECURRENCE-ID;TZID=Europe/Berlin' "$T/pf.ics" && grep -q '^EXDATE;TZID=Europe/Berlin' "$T/pf.ics" &&
        grep -q 'TZID=America/New_York' "$T/pf.ics" && grep -q '^TRANSP:TRANSPARENT' "$T/pf.ics" &&
        grep -q '^DTSTART;VALUE=DATE:' "$T/pf.ics" && grep -q '^STATUS:CANCELLED' "$T/pf.ics"
ok $? "the feed has what it is meant to test (RECURRENCE-ID, EXDATE, two zones, transparent, all-day, cancelled)"

# rechargectl export's own output: RRULEs with a VTIMEZONE of recharged's making.
cat >"$CONF" <<EOF
[evening]
type = recharge
days = Mon..Fri
start = 21:00
end = 22:15
[weekend]
type = recharge
days = Sat,Sun
start = 23:30
duration = 2h
EOF
daemon_start || { echo "Bail out! recharged did not start"; exit 99; }
"$top_builddir/client/rechargectl" export --days 60 >"$T/export.ics"
ok $? "rechargectl export"
from=$(date +%s)
got=$("$SHARE" --print-blocks "$T/export.ics" --from "$from")
want=$($PY "$LIB/partner-expect.py" "$T/export.ics" "$from")
is "$got" "$want" "rechargectl export's feed: the blocks equal dateutil's"
[ "$(echo "$got" | wc -l)" -ge 40 ]
ok $? "…and there are many of them ($(echo "$got" | wc -l))"
daemon_stop

printf '<html><body>Sign in</body></html>\n' >"$T/page.ics"
"$SHARE" --print-blocks "$T/page.ics" 2>"$T/err"
is "$?:$(cat "$T/err")" "1:recharged-share: '$T/page.ics' is refused: not a whole iCalendar file" "--print-blocks refuses an HTML page"
head -c 5000000 /dev/zero | tr '\0' x >"$T/big.ics"
"$SHARE" --print-blocks "$T/big.ics" 2>"$T/err"
is "$?:$(cat "$T/err")" "1:recharged-share: cannot read '$T/big.ics': larger than 4 MiB" "--print-blocks refuses a 5 MB file"
"$SHARE" --from 5 >/dev/null 2>&1
is $? 2 "--from without --print-blocks: bad usage"

# ---- a file:// feed: the properties, and each instant on time ----
ics_event() { # UID START END (seconds): one VEVENT in UTC
        printf 'BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Alone time\r\nDTSTART:%s\r\nDTEND:%s\r\nEND:VEVENT\r\n' \
                "$1" "$(date -u -d "@$2" +%Y%m%dT%H%M%SZ)" "$(date -u -d "@$3" +%Y%m%dT%H%M%SZ)"
}
ics() { printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n'; cat; printf 'END:VCALENDAR\r\n'; }
# The instants are armed after the slow set-up: the feed first has only a later block, the
# near one is written once recharged-share and the monitor are up.
L=$(($(date +%s) + 7200))
ics_event later "$L" $((L + 1800)) | ics >"$FEED/sam.ics"
cat >"$CONF" <<EOF
[partner]
name = Sam
calendar = file://$FEED/sam.ics
heads-up = 2s
reconnect = yes
refresh = 1h
EOF
notify_mock_start
share_start || { echo "Bail out! recharged-share did not start"; exit 99; }
BUS=$SBUS monitor_start
is "$(sprop PartnerName):$(sprop PartnerMode):$(spropt PartnerNextStart):$(spropt PartnerNextEnd)" \
        "Sam:available:${L}000000:$((L + 1800))000000" "the properties: name, available, the next block"
u=$(spropt PartnerUpdated)
[ "$u" -gt $((($(date +%s) - 30) * 1000000)) ]
ok $? "PartnerUpdated is when the file was read ($u)"
is "$(spropt PartnerUntil)" 0 "PartnerUntil is 0 while available"
is "$(sprop State)" disabled "no [share]: publishing is disabled, following goes on"
# S in 5 s, the heads-up (2 s) 3 s from now: 3 s for the refresh below (a tenth of that here).
S=$(($(date +%s) + 5))
E=$((S + 2))
{ ics_event soon "$S" "$E"; ics_event later "$L" $((L + 1800)); } | ics >"$FEED/sam.ics"
mark
partner_refresh
for _ in $(seq 200); do [ "$(spropt PartnerNextStart)" = "${S}000000" ] && break; sleep 0.1; done
is "$(spropt PartnerNextStart):$(spropt PartnerNextEnd)" "${S}000000:${E}000000" "RefreshPartner reads the file again"

# The instants, from the bus monitor's own timestamps: not early (0.5 s for the whole seconds
# a feed carries), and not seconds late; how late within that is the machine's business.
near() { local d=$(($1 - $2)); [ "$d" -ge -500000 ] && [ "$d" -lt 5000000 ]; }
calls() { tail -n "+$((MARK + 1))" "$T/monitor.json" | jq -c 'select(.type == "method_call" and .member == "Notify") | {summary: .payload.data[3], ts: .["timestamp-realtime"], app: .payload.data[0]}'; }
wait_calls() { local i; for i in $(seq 400); do [ "$(calls | wc -l)" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }
wait_calls 1
n=$(calls | sed -n 1p)
is "$(echo "$n" | jq -r .summary)" "Sam's alone time starts at $(date -d "@$S" +%H:%M), in 1 min" "the heads-up says whose, when and how soon"
is "$(echo "$n" | jq -r .app)" recharged-share "…sent as recharged-share"
near "$(echo "$n" | jq -r .ts)" $(((S - 2) * 1000000))
ok $? "…at the instant: 2 s before the start (sent $(echo "$n" | jq -r .ts), due $((S - 2))000000)"
m=$(wait_for '.member == "PartnerStarted"' 20)
is "$(echo "$m" | jq -c .data)" "[${S}000000,${E}000000]" "PartnerStarted(since, until)"
near "$(echo "$m" | jq -r .ts)" $((S * 1000000))
ok $? "…at the start"
is "$(sprop PartnerMode):$(spropt PartnerUntil):$(spropt PartnerNextStart)" "recharging:${E}000000:${L}000000" \
        "recharging until the end; the next block is the later one"
m=$(wait_for '.member == "PartnerEnded"' 20)
is "$(echo "$m" | jq -c .data)" "[${S}000000,${E}000000]" "PartnerEnded(since, until)"
near "$(echo "$m" | jq -r .ts)" $((E * 1000000))
ok $? "…at the end"
wait_calls 2
n=$(calls | sed -n 2p)
is "$(echo "$n" | jq -r .summary)" "Sam is back" "reconnect = yes: 'Sam is back'"
near "$(echo "$n" | jq -r .ts)" $((E * 1000000))
ok $? "…at the end"
is "$(sprop PartnerMode):$(spropt PartnerUntil)" "available:0" "available again"
changed=$(tail -n "+$((MARK + 1))" "$T/monitor.json" | jq -r 'select(.member == "PropertiesChanged") | .payload.data[1] | keys[]' | sort -u | tr '\n' ' ')
is "$changed" "PartnerMode PartnerNextEnd PartnerNextStart PartnerUntil PartnerUpdated " "PropertiesChanged named what changed"
is "$(calls | wc -l)" 2 "no other notification"

# ---- introspection: the installed XML is what the program says ----
busctl --user introspect --xml-interface "$SBUS" "$SOBJ" >"$T/share-live.xml"
$PY "$LIB/introspect-filter.py" "$T/share-live.xml" | sed '1,/^<node>/d' >"$T/share-live.body"
sed '1,/^<node>/d' "$top_srcdir/dbus/org.recharged.Share1.xml" >"$T/share-installed.body"
diff -u "$T/share-installed.body" "$T/share-live.body" >"$T/xml.diff"
ok $? "dbus/org.recharged.Share1.xml equals what recharged-share introspects" || diag "$(cat "$T/xml.diff")"
kill "$MONITOR_PID" 2>/dev/null
MONITOR_PID=
share_stop

# ---- an .ics on a loopback HTTP server: If-None-Match, 304, faults, the copy kept ----
$PY "$LIB/partner-feed.py" "$(date +%s)" "$FEED/feed.ics"
$PY "$LIB/partner-http.py" "$FEED" "$T/http.port" 2>>"$T/http.log" &
HTTP_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $HTTP_PID"
for _ in $(seq 100); do [ -s "$T/http.port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$T/http.port")/feed.ics"
printf 'pw-%s\n' $$ >"$T/password"
chmod 600 "$T/password"
cat >"$CONF" <<EOF
[partner]
name = Sam
calendar = $URL
user = alex
password-command = cat $T/password
heads-up = 0
refresh = 1h
EOF
share_start || { echo "Bail out! recharged-share did not start"; exit 99; }
wait_partner_updated_after 0
partner_is "$FEED/feed.ics" "over HTTP: the next block and the mode are python's"
is "$(cat "$FEED/requests")" "GET 200 -" "the first request asks for the whole feed"
ls "$XDG_STATE_HOME/recharged/partner.ics" >/dev/null 2>&1 && cmp -s "$XDG_STATE_HOME/recharged/partner.ics" "$FEED/feed.ics"
ok $? "the copy is kept in \$XDG_STATE_HOME/recharged/partner.ics"
u1=$(spropt PartnerUpdated)
partner_refresh
wait_partner_updated_after "$u1"
is "$(sed -n 2p "$FEED/requests" | cut -d' ' -f1,2)" "GET 304" "a refresh asks If-None-Match and gets 304 without a body"
partner_is "$FEED/feed.ics" "…the copy stays true"
grep -q "pw-$$" "$T/share.log" "$XDG_STATE_HOME/recharged/partner.meta"
is $? 1 "the password is in no log or file of ours"

faults() { # WHAT PATTERN: after a refresh that fails this way, the copy and the properties stay
        local u
        u=$(spropt PartnerUpdated)
        share_log_mark
        partner_refresh
        wait_share_log "$2"
        ok $? "$1: said in one line"
        partner_is "$FEED/feed.good" "$1: the last good copy still serves" "$u"
        cmp -s "$XDG_STATE_HOME/recharged/partner.ics" "$FEED/feed.good"
        ok $? "$1: the copy on disk is untouched"
}
cp "$FEED/feed.ics" "$FEED/feed.good"
printf '<html><body>Sign in</body></html>\n' >"$FEED/feed.ics"
faults "a malformed feed" "Cannot read Sam's calendar: what the server sent is not a whole iCalendar feed; using the copy from [0-9]+ s ago"
head -c 300 "$FEED/feed.good" >"$FEED/feed.ics"
faults "a feed cut short" "not a whole iCalendar feed"
echo huge >"$FEED/mode"
hwm0=$(awk '/^VmHWM/ { print $2 }' "/proc/$SHARE_PID/status")
faults "a 100 MB feed" "Cannot read Sam's calendar: the feed is larger than 4 MiB, refused"
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$SHARE_PID/status")
# The cap is 4 MiB; the buffer doubles up to it. 24 MiB leaves room for a sanitizer's own.
[ $((hwm - hwm0)) -lt 24576 ]
ok $? "…and its memory stayed small (peak RSS $hwm0 kB before, $hwm kB after)"
echo 401 >"$FEED/mode"
faults "credentials refused" "Cannot read Sam's calendar: the server refused user 'alex'"
rm -f "$FEED/mode"
kill "$HTTP_PID"
wait "$HTTP_PID" 2>/dev/null
faults "the server down" "Cannot read Sam's calendar: .*(connect|reach|refused the connection|not running).*using the copy from"
u_before=$(spropt PartnerUpdated)
share_stop
share_log_mark
share_start
wait_share_log "Sam's calendar: using the copy from [0-9]+ (s|min) ago until it is read again"
ok $? "a restart offline says the copy's age"
partner_is "$FEED/feed.good" "…and knows the partner from the copy"
u=$(spropt PartnerUpdated)
d=$((u_before - u))
[ "${d#-}" -lt 1000000 ]
ok $? "…PartnerUpdated is the copy's time ($u, before the restart $u_before)"
share_stop

# ---- password-command runs beside the loop, not in it ----
printf '#!/bin/sh\nsleep 3\ncat %s\n' "$T/password" >"$T/slow-password"
chmod 700 "$T/slow-password"
sed -i "s|^password-command = .*|password-command = $T/slow-password|" "$CONF"
share_start
t0=$(date +%s%N)
sprop PartnerName >/dev/null
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 1500 ]
ok $? "a slow password-command (3 s) does not hold up the bus ($(((t1 - t0) / 1000000)) ms for a property)"
share_stop

# ---- a CalDAV collection on a real Radicale ----
radicale_start || { echo "Bail out! radicale did not start"; exit 99; }
mkcalendar
ok $? "MKCALENDAR"
# One resource per UID, as calendar apps store them.
$PY - "$FEED/feed.good" "$T/res" <<'EOF'
import os, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
os.makedirs(sys.argv[2], exist_ok=True)
by_uid = {}
for ev in cal.walk("VEVENT"):
    by_uid.setdefault(str(ev["uid"]), []).append(ev)
for uid, evs in by_uid.items():
    c = icalendar.Calendar()
    c.add("prodid", "-//test//EN")
    c.add("version", "2.0")
    for ev in evs:
        c.add_component(ev)
    open(os.path.join(sys.argv[2], uid + ".ics"), "wb").write(c.to_ical())
EOF
put_ok=0
for f in "$T"/res/*.ics; do
        # No "Expect: 100-continue" (curl's default for an upload): Radicale never answers it, and
        # curl waited a second for each PUT before it sent the body anyway.
        code=$(curl -s -o /dev/null -w '%{http_code}' -u "$CAL_USER:$CAL_PASSWORD" -T "$f" -H 'Content-Type: text/calendar' \
                -H 'Expect:' "$CAL$(basename "$f")")
        [ "$code" = 201 ] || put_ok=1
done
ok $put_ok "the feed's events PUT one resource per UID"
printf '%s\n' "$CAL_PASSWORD" >"$T/password"
cat >"$CONF" <<EOF
[partner]
name = Sam
calendar = $CAL
user = $CAL_USER
password-command = cat $T/password
heads-up = 0
refresh = 1h
EOF
share_start
wait_partner_updated_after 0
partner_is "$FEED/feed.good" "CalDAV (REPORT with a time range): the next block and the mode are python's"
printf 'wrong\n' >"$T/password"
share_log_mark
kill -HUP "$SHARE_PID"
wait_share_log "Cannot read Sam's calendar: the server refused user '$CAL_USER'"
ok $? "CalDAV: a wrong password is said"
partner_is "$FEED/feed.good" "…and the copy still serves"
share_stop
is "$SHARE_STATUS" 0 "recharged-share exits 0 on SIGTERM"
grep -E "runtime error|AddressSanitizer|LeakSanitizer" "$T/share.log"
is $? 1 "no sanitizer report in recharged-share's log"

tap_done
