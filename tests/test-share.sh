#!/bin/bash
# SPDX-License-Identifier: MIT
# test-share.sh: recharged-share against a real Radicale on 127.0.0.1 (htpasswd, a calendar made
# with MKCALENDAR), the real recharged on a private bus, and an independent reader
# (tests/lib/caldav-read.py: a plain REPORT and python3-icalendar). The calendar must equal what
# recharged's Upcoming and GetStatus say, through skip, extend, stop, a manual recharge and a
# reload; show and reminders; a wrong password, a server that stops, one that never answers, a
# kill -9 in the middle of a sync, an event deleted by another client, a config others can write;
# and the password appears in no log, file, bus property or command line.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/share.sh"

for c in radicale curl; do
        command -v $c >/dev/null || { echo "1..0 # SKIP $c is not installed (tools/install-deps)"; exit 0; }
done
test_setup
trap share_cleanup EXIT

# ---- the manual says what the program does ----
M8="$top_srcdir/man/recharged-share.8.scd"
for o in $("$SHARE" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -Eq -- "^(\*-[a-z]\*, )?\*$o\*" "$M8"
        ok $? "option $o is in recharged-share.8"
done
for w in State LastSync LastError Published Sync SIGHUP SIGTERM disabled idle syncing offline refused; do
        grep -q "\*$w\*" "$M8"
        ok $? "'$w' is in recharged-share.8"
done
"$SHARE" --bogus >/dev/null 2>&1
is $? 2 "bad usage: exit 2"
# ---- the unit: systemd-analyze verify finds nothing (as tests/test-service-files.sh does it) ----
UNIT="$top_builddir/systemd/recharged-share.service"
grep -q "^ExecStart=$bindir/recharged-share\$" "$UNIT" && grep -q '^BusName=org.recharged.Share1$' "$UNIT" &&
        grep -q '^Type=dbus$' "$UNIT" && grep -q '^RestartPreventExitStatus=78$' "$UNIT"
ok $? "the unit: Type=dbus, the bus name, the installed ExecStart, no restart on a bad config"
if command -v systemd-analyze >/dev/null; then
        mkdir -p "$T/units"
        sed "s|^ExecStart=.*|ExecStart=$(realpath "$SHARE")|" "$UNIT" >"$T/units/recharged-share.service"
        verify() { SYSTEMD_UNIT_PATH="$T/units" systemd-analyze --user verify --man=no "$1" 2>&1; }
        for _ in $(seq 20); do
                missing=$(verify "$T/units/recharged-share.service" | sed -n 's/.*Unit \([^ ]*\) not found\./\1/p' | head -1)
                [ -n "$missing" ] || break
                for d in /etc/systemd/user /usr/local/lib/systemd/user /usr/lib/systemd/user /lib/systemd/user; do
                        [ -e "$d/$missing" ] && { ln -s "$d/$missing" "$T/units/$missing"; break; }
                done
                # recharged.service (Wants=, After=) is ours: the built one stands in.
                [ "$missing" = recharged.service ] && [ ! -e "$T/units/$missing" ] &&
                        sed "s|^ExecStart=.*|ExecStart=$(realpath "$RECHARGED")|" "$top_builddir/systemd/recharged.service" >"$T/units/$missing"
                [ -e "$T/units/$missing" ] || break
        done
        out=$(verify "$T/units/recharged-share.service")
        is "$?:$out" "0:" "systemd-analyze verify finds nothing in recharged-share.service"
else
        skip "systemd-analyze is not installed" "systemd-analyze verify finds nothing in recharged-share.service"
fi

printf '[share]\ncalendar = http://cal.example.org/x/\n' >"$T/bad.conf"
"$SHARE" --config "$T/bad.conf" 2>"$T/bad.log"
is $? 78 "a bad config: exit 78"
grep -q "bad.conf:2: \[share\] calendar: .*plain http:// to another machine" "$T/bad.log"
ok $? "the bad config is reported as FILE:LINE"

radicale_start || { echo "Bail out! radicale did not start"; exit 99; }
mkcalendar
ok $? "MKCALENDAR made the calendar"

# a: a block on now (started a minute ago, 20 minutes long); b: one in two hours; r: reminders.
# Their UIDs carry the UTC date of the occurrence: taken from the same instant as the clock time
# (a minute ago is yesterday just after midnight).
A_AT=$(($(date +%s) - 60))
A_START=$(date -d "@$A_AT" +%H:%M:%S)
write_conf() {
        local show=$1 extra=$2 bstart=${3:-$(clock_in 7200)}
        {
                cat <<EOC
[a]
type = recharge
start = $A_START
duration = 20min
message = Tea, alone
[b]
type = recharge
start = $bstart
duration = 30min
message = Long walk
[r]
type = selfcare
at = $(clock_in 3600)
message = Stretch
EOC
                share_config "$show" "$extra"
        } >"$CONF.tmp"
        chmod 600 "$CONF.tmp"
        mv "$CONF.tmp" "$CONF"
}
B_AT=$(($(date +%s) + 7200))
B_START=$(date -d "@$B_AT" +%H:%M:%S)
write_conf title "" "$B_START"
daemon_start || { echo "Bail out! recharged did not start"; exit 99; }

# same WHAT: the calendar's current and future events equal what recharged says.
same() {
        local want got cut
        want=$(expected_blocks)
        got=$(calendar_blocks)
        # recharged-share publishes what starts before its sync's start + days (share/plan.c);
        # expected_blocks' horizon is this test's now + days, seconds later (a year's Upcoming
        # takes a while): a block that starts in between is in want only. What starts in the
        # last ten minutes before the horizon is left out of both sides (each `same` follows a
        # sync begun less than ten minutes before).
        cut=$(($(date +%s) + ${SHARE_DAYS:-2} * 86400 - 600))
        want=$(awk -v cut="$cut" '$2 < cut' <<<"$want")
        got=$(awk -v cut="$cut" '$2 < cut' <<<"$got")
        [ -n "$want" ] && [ "$want" = "$got" ]
        ok $? "$1: the calendar equals recharged's Upcoming"
        [ "$want" = "$got" ] || diag "want:
$want
got:
$got"
}
# no_duplicates: each UID once, and each resource named by its UID.
no_duplicates() {
        local all dups
        all=$(calendar_read)
        dups=$(echo "$all" | awk '{ print $1 }' | sort | uniq -d)
        [ -z "$dups" ] && ! echo "$all" | awk -F'|' '{ split($1, a, " "); if ($4 != a[1] ".ics") bad = 1 } END { exit !bad }'
        ok $? "$1: no duplicates"
}
# sync_after ACTION...: runs a bus call on recharged and waits for the calendar to follow.
sync_after() {
        local t
        t=$(now_us)
        "$@" >/dev/null
        wait_synced_after "$t"
}

# ---- publish ----
t=$(now_us)
share_start || { echo "Bail out! recharged-share did not start"; exit 99; }
wait_synced_after "$t"
ok $? "the first sync ends idle with a LastSync"
same "first sync"
n=$(calendar_read | wc -l)
[ "$(sprop Published)" = "$n" ] && [ "$n" -ge 5 ]
ok $? "Published ($(sprop Published)) counts the events on the calendar ($n)"
! calendar_read | grep -v '^recharged-block-[^ ]* [0-9]* [0-9]* Alone time|PRIVATE|OPAQUE|' | grep -q .
ok $? "show = title: every event is 'Alone time', CLASS:PRIVATE, TRANSP:OPAQUE"
! calendar_read | grep -q reminder
ok $? "reminders stay private unless reminders = yes"
[ -z "$(sprop LastError)" ]
ok $? "LastError is empty"

B_UID="recharged-block-b-$(date -u -d "@$B_AT" +%Y%m%d)T${B_START//:/}Z"
calendar_read | grep -q "^$B_UID "
ok $? "b's next occurrence is on the calendar as $B_UID"

# ---- the schedule changes ----
sync_after call Skip s b
ok $? "after Skip: synced"
same "after Skip"
! calendar_read | grep -q "^$B_UID "
ok $? "the skipped occurrence is gone"

sync_after call Snooze st b 600000000
ok $? "after Snooze: synced"
same "after Snooze"

sync_after call Extend t 900000000
ok $? "after Extend: synced"
same "after Extend"

t_stop=$(date +%s)
sync_after call Stop
ok $? "after Stop: synced"
same "after Stop"
line=$(calendar_read | grep "^recharged-block-a-$(date -u -d "@$A_AT" +%Y%m%d)T${A_START//:/}Z ")
end=$(echo "$line" | awk '{ print $3 }')
[ -n "$end" ] && [ "$end" -ge $((t_stop - 1)) ] && [ "$end" -le $((t_stop + 5)) ]
ok $? "the stopped block stays on the calendar, ending when it was stopped ($line, stopped at $t_stop)"

sync_after call Recharge ts 1800000000 "Reading"
ok $? "after a manual recharge: synced"
same "manual recharge"
calendar_read | grep -q '^recharged-manual-'
ok $? "the manual recharge is on the calendar"

NEW_B=$(clock_in 10800)
write_conf title "" "$NEW_B"
sync_after call Reload
ok $? "after Reload with [b] moved: synced"
same "after Reload"
no_duplicates "after Reload"

# ---- what is shown ----
for show in busy message title; do
        write_conf "$show" "" "$NEW_B"
        t=$(now_us)
        kill -HUP "$SHARE_PID"
        wait_synced_after "$t"
        # Each event that is not over: "ENTRY SUMMARY", compared with what show allows.
        got=$(calendar_read | awk -v now="$(date +%s)" -F'|' '{ split($1, a, " "); if (a[3] > now) {
                sub(/^recharged-(block-)?/, "", a[1]); sub(/-[0-9]+T[0-9]+Z$/, "", a[1]);
                s = $1; sub(/^[^ ]* [0-9]* [0-9]* /, "", s); print a[1] " " s } }' | sort -u)
        case $show in
        busy) want=$'a Busy\nb Busy\nmanual Busy' ;;
        message) want=$'a Alone time: Tea, alone\nb Alone time: Long walk\nmanual Alone time: Reading' ;;
        title) want=$'a Alone time\nb Alone time\nmanual Alone time' ;;
        esac
        [ "$got" = "$(printf '%s\n' "$want" | sort)" ]
        ok $? "show = $show: the summaries say what show allows"
        [ "$got" = "$(printf '%s\n' "$want" | sort)" ] || diag "got: $got"
done

write_conf title "reminders = yes" "$NEW_B"
t=$(now_us)
kill -HUP "$SHARE_PID"
wait_synced_after "$t"
calendar_read | grep -q '^recharged-reminder-r-[^ ]* [0-9]* [0-9]* Self-care|PRIVATE|TRANSPARENT|'
ok $? "reminders = yes: the reminder is published, private and transparent"
write_conf title "" "$NEW_B"
t=$(now_us)
kill -HUP "$SHARE_PID"
wait_synced_after "$t"
! calendar_read | grep -q '^recharged-reminder-'
ok $? "reminders = no again: the reminder is deleted"

# ---- deleted by another client ----
victim=$(calendar_read | grep '^recharged-manual-' | awk '{ print $1 }')
curl -s -o /dev/null -u "$CAL_USER:$CAL_PASSWORD" -X DELETE "$CAL$victim.ics"
sync_after call Extend t 600000000
ok $? "after another client deleted the manual recharge and it was extended: synced"
same "an event deleted elsewhere is put back"
no_duplicates "after the delete elsewhere"

# ---- the server stops, then comes back ----
radicale_stop
t=$(now_us)
call Skip s b >/dev/null
wait_state offline 30
ok $? "the server stopped: State offline"
sprop LastError | grep -q "cannot connect to $CAL"
ok $? "LastError says it in words: $(sprop LastError)"
radicale_start "$RADICALE_PORT"
wait_synced_after "$t" 40
ok $? "the server is back: synced by the retry (back-off 5 s, 10 s, …)"
same "caught up after the server came back"
no_duplicates "after the server came back"

# ---- kill -9 in the middle of a sync ----
# Many events, so that a sync takes a while; killed once some have been written.
SHARE_DAYS=60 write_conf title "" "$NEW_B"
kill -HUP "$SHARE_PID"
for i in $(seq 1000); do
        # The collection's own folder: Radicale keeps deleted items' history elsewhere.
        [ "$(find "$T/radicale/collection-root/$CAL_USER/recharge" -maxdepth 1 -name 'recharged-*.ics' 2>/dev/null |
                wc -l)" -ge 25 ] && break
        sleep 0.02
done
share_stop KILL
before=$(calendar_read | wc -l)
[ "$before" -ge 20 ] && [ "$before" -lt 150 ]
ok $? "killed with -9 in the middle of a sync ($before events written)"
t=$(now_us)
share_start
wait_synced_after "$t" 60
ok $? "restarted: synced"
SHARE_DAYS=60 same "after kill -9 and restart"
no_duplicates "after kill -9 and restart"
SHARE_DAYS=2 write_conf title "" "$NEW_B"
t=$(now_us)
kill -HUP "$SHARE_PID"
wait_synced_after "$t" 60
same "back to two days: what lies beyond is deleted"

# ---- a wrong password: refused, said once, no retry storm ----
printf 'wrong\n' >"$T/password"
kill -HUP "$SHARE_PID"
wait_state refused 20
ok $? "a wrong password: State refused"
sprop LastError | grep -q "the server refused user 'alex'"
ok $? "LastError: $(sprop LastError)"
reqs_before=$(grep -c '^<7>\(REPORT\|PUT\|DELETE\)' "$T/share.log")
for i in 1 2 3; do
        call Extend t 60000000 >/dev/null
        # Changes come one after the other, as a person makes them: further apart than recharged-share's
        # debounce (SHARE_DEBOUNCE_USEC, 200 ms), so that each is a change of its own.
        sleep 0.3
done
# Sync() is the hand-made retry: its answer comes back refused again, which we wait for.
busctl --user call "$SBUS" "$SOBJ" "$SIFACE" Sync
wait_state refused 20
reqs=$(($(grep -c '^<7>\(REPORT\|PUT\|DELETE\)' "$T/share.log") - reqs_before))
[ "$reqs" -le 4 ]
ok $? "no retry storm: $reqs request(s) for 3 changes and a Sync()"
[ "$(grep -c '^<3>.*the server refused user' "$T/share.log")" = 1 ]
ok $? "the refusal is logged once"
printf '%s\n' "$CAL_PASSWORD" >"$T/password"
t=$(now_us)
kill -HUP "$SHARE_PID"
wait_synced_after "$t"
ok $? "the right password again: synced"
same "after the password was fixed"

# ---- a config others can write: password-command refused ----
chmod 666 "$CONF"
kill -HUP "$SHARE_PID"
wait_state refused 20
ok $? "a config writable by others: State refused"
sprop LastError | grep -q "writable by others"
ok $? "LastError says why: $(sprop LastError)"
chmod 600 "$CONF"
t=$(now_us)
kill -HUP "$SHARE_PID"
wait_synced_after "$t"
ok $? "private again: synced"

# ---- a server that takes the connection and never answers ----
base_ms=$(max_call_ms 20)
HANG_PORT=$(free_port)
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)   # accepted, read from never, answered never
' "$HANG_PORT" &
HANG_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $HANG_PID"
CAL_SAVED=$CAL
CAL="http://127.0.0.1:$HANG_PORT/$CAL_USER/recharge/"
# 2 s: long enough for the 20 calls below (about 0.6 s here), short because the test waits it out.
write_conf title "timeout = 2s" "$NEW_B"
CAL=$CAL_SAVED
kill -HUP "$SHARE_PID"
wait_state syncing 10
ok $? "a server that never answers: State syncing"
ms=$(max_call_ms 20)
# The same as before, within the noise of a shared machine (busctl's own start-up dominates).
[ "$ms" -le $((base_ms * 3 + 100)) ]
ok $? "recharged's GetStatus while recharged-share waits on the server: slowest of 20 calls $ms ms (before: $base_ms ms)"
wait_state offline 20
ok $? "the request timed out: State offline"
sprop LastError | grep -q "did not answer in time"
ok $? "LastError: $(sprop LastError)"
kill "$HANG_PID"

# ---- HTTPS with a test CA: verified, with ca-file; refused in words without it ----
if tls_start; then
        CAL_SAVED=$CAL
        CAL=$TLS_CAL
        write_conf title "" "$NEW_B"
        kill -HUP "$SHARE_PID"
        wait_state offline 20
        ok $? "HTTPS to a server whose CA is not trusted: State offline"
        sprop LastError | grep -q "^TLS failed with $TLS_CAL: .*set ca-file"
        ok $? "LastError names TLS and ca-file: $(sprop LastError)"
        write_conf title "ca-file = $TLS_CA" "$NEW_B"
        t=$(now_us)
        kill -HUP "$SHARE_PID"
        wait_synced_after "$t"
        ok $? "HTTPS with ca-file: synced"
        CAL_CA=$TLS_CA same "over HTTPS"
        CAL=$CAL_SAVED
else
        ok 1 "a test CA and an HTTPS Radicale (openssl, radicale --server-ssl)"
fi

# ---- a year in Europe/Berlin: both DST changes, blocks keep their wall-clock times ----
daemon_stop
{
        printf '[weekly]\ntype = recharge\ndays = Wed\nstart = 07:00\nend = 08:30\n'
        SHARE_DAYS=365 share_config title
} >"$CONF"
TZ=Europe/Berlin daemon_start
t=$(now_us)
kill -HUP "$SHARE_PID"
wait_synced_after "$t" 120
ok $? "a year of a weekly block in Europe/Berlin: synced"
SHARE_DAYS=365 same "a year in Europe/Berlin"
no_duplicates "a year in Europe/Berlin"
# Each one 07:00-08:30 Berlin time, which is 06:00Z in winter and 05:00Z in summer.
times=$(calendar_blocks | grep "^recharged-block-weekly-" | while read -r _ s e; do
        printf '%s-%s %s\n' "$(TZ=Europe/Berlin date -d "@$s" +%H:%M)" "$(TZ=Europe/Berlin date -d "@$e" +%H:%M)" \
                "$(date -u -d "@$s" +%H:%M)"
done | sort -u | tr '\n' ' ')
is "$times" "07:00-08:30 05:00 07:00-08:30 06:00 " "every block is 07:00-08:30 local, on both sides of DST"
daemon_stop
daemon_start

# ---- the password is nowhere ----
write_conf title "" "$NEW_B"
t=$(now_us)
kill -HUP "$SHARE_PID"
wait_synced_after "$t"
! grep -rqF -- "$CAL_PASSWORD" "$T/share.log" "$LOG" "$T/state"
ok $? "the password is in no log and no state file"
! busctl --user introspect "$SBUS" "$SOBJ" "$SIFACE" | grep -qF -- "$CAL_PASSWORD"
ok $? "the password is in no bus property"
! ps -eo args | grep -v grep | grep -qF -- "$CAL_PASSWORD"
ok $? "the password is on no command line"
! grep -qaF -- "$CAL_PASSWORD" "/proc/$SHARE_PID/environ"
ok $? "the password is not in recharged-share's environment"

share_stop
[ "$SHARE_STATUS" = 0 ]
ok $? "SIGTERM: exit 0"
# Under --enable-sanitizers, what ASan, LSan or UBSan found is in the log.
! grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/share.log"
ok $? "no sanitizer report in recharged-share's log"
tap_done
