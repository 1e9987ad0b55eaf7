#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-watch.sh: rechargectl watch: a line per change, one per minute of a countdown,
# asleep in between, through a daemon restart, and a clean end on SIGINT, SIGTERM and SIGPIPE;
# started before the session bus (offline, then the status once it comes), and its loss.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup
# No local midnight inside the test (the idle watch wakes up at one): daemon and clients where
# it is about noon. What midnight changes is seen in a zone of its own below.
export TZ=$(noon_tz)

hms() { date -d "@$1" +%H:%M:%S; }
cat >"$CONF" <<EOF
[general]
heads-up = 0

[later]
type = recharge
start = $(hms $(($(date +%s) + 5 * 3600)))
duration = 30min
message = Later on
EOF

# wait_lines FILE N [SECONDS]: until FILE has at least N lines.
wait_lines() {
        local i
        for i in $(seq $((${3:-10} * 20))); do
                [ "$(wc -l <"$1")" -ge "$2" ] && return 0
                sleep 0.05
        done
        diag "$1 has $(wc -l <"$1") lines, wanted $2:"
        diag "$(cat "$1")"
        return 1
}

daemon_start || exit 1

"$RECHARGECTL" watch >"$T/human.out" 2>"$T/human.err" &
HUMAN=$!
"$RECHARGECTL" watch --json >"$T/json.out" 2>"$T/json.err" &
JSON=$!
"$RECHARGECTL" watch --waybar >"$T/waybar.out" 2>"$T/waybar.err" &
WAYBAR=$!
EXTRA_PIDS="$HUMAN $JSON $WAYBAR"

wait_lines "$T/human.out" 1
ok $? "watch prints the status at once"
grep -Eq "^available, next: later starts ([A-Z][a-z]{2} )?$(date -d "@$(($(prop NextEventTime) / 1000000))" +%H:%M)\$" "$T/human.out"
ok $? "the first line: available and what is next ($(head -1 "$T/human.out"))"
wait_lines "$T/json.out" 1
is "$(head -1 "$T/json.out" | jq -r .mode)" "available" "watch --json: the first object"
wait_lines "$T/waybar.out" 1
is "$(head -1 "$T/waybar.out" | jq -r .class)" "available" "watch --waybar: the first object"

# Asleep while nothing changes: no wake-ups at all.
sleep 0.3
cs() { sed -n 's/^voluntary_ctxt_switches:\s*//p' "/proc/$1/status"; }
before=$(cs $HUMAN)
sleep 2
is "$(cs $HUMAN)" "$before" "idle: no wake-ups in 2 s (no polling)"
is "$(wc -l <"$T/human.out")" "1" "idle: no new lines"

# At the local midnight the line's day words change: "Tue 04:00" becomes "04:00". A watch in a
# zone whose midnight is 6 s away: "later" (5 h ahead) is tomorrow there, then today.
: >"$T/mid.out"
TZ=$(midnight_tz 6) "$RECHARGECTL" watch >"$T/mid.out" 2>"$T/mid.err" &
MID=$!
EXTRA_PIDS="$EXTRA_PIDS $MID"
wait_lines "$T/mid.out" 1
grep -Eq '^available, next: later starts [A-Z][a-z]{2} [0-9]{2}:[0-9]{2}$' "$T/mid.out"
ok $? "before midnight: the next block is named with its day ($(head -1 "$T/mid.out"))"
wait_lines "$T/mid.out" 2 20
grep -Eq '^available, next: later starts [0-9]{2}:[0-9]{2}$' <<<"$(sed -n 2p "$T/mid.out")"
ok $? "at midnight, with no event: a new line, the same block today ($(sed -n 2p "$T/mid.out"))"
is "$(sed -n 1p "$T/mid.out" | sed 's/ [A-Z][a-z][a-z] / /')" "$(sed -n 2p "$T/mid.out")" "…and nothing else changed"
kill "$MID"
wait "$MID" 2>/dev/null

# A change: one line each.
ctl on 62s -m "Tea"
wait_lines "$T/human.out" 2
grep -Eq '^recharging until ([A-Z][a-z]{2} )?[0-9]{2}:[0-9]{2} \(in 2 min\): Tea$' <<<"$(sed -n 2p "$T/human.out")"
ok $? "a recharge: one line, with the countdown ($(sed -n 2p "$T/human.out"))"
wait_lines "$T/json.out" 2
is "$(sed -n 2p "$T/json.out" | jq -r '[.mode, .message] | join("/")')" "recharging/Tea" "watch --json: the change"
is "$(sed -n 2p "$T/json.out" | jq -r .until_usec)" "$(prop Until)" "watch --json: until_usec"
wait_lines "$T/waybar.out" 2
is "$(sed -n 2p "$T/waybar.out" | jq -r .class)" "recharging" "watch --waybar: class recharging"

# The countdown: 62 s left shows "2 min"; two seconds later it shows "1 min", with no event.
wait_lines "$T/human.out" 3 5
grep -Eq '^recharging until ([A-Z][a-z]{2} )?[0-9]{2}:[0-9]{2} \(in 1 min\): Tea$' <<<"$(sed -n 3p "$T/human.out")"
ok $? "the countdown line when the minutes change ($(sed -n 3p "$T/human.out"))"
s2=$(stat -c %Y "$T/human.out")

ctl off
wait_lines "$T/human.out" 4
grep -q '^available' <<<"$(sed -n 4p "$T/human.out")"
ok $? "off: back to available"
# No countdown shown: the minute timer is off again.
n=$(wc -l <"$T/human.out")
before=$(cs $HUMAN)
sleep 2
is "$(wc -l <"$T/human.out")/$(cs $HUMAN)" "$n/$before" "no countdown: no timer, no wake-ups"

# Every JSON line parses, and each says something new.
jq -e . "$T/json.out" "$T/waybar.out" >/dev/null
ok $? "every line of --json and --waybar is JSON"
is "$(uniq -d "$T/human.out" | wc -l)" "0" "no line repeats the one before"

# The daemon restarts under watch.
lines=$(wc -l <"$T/waybar.out")
daemon_stop
wait_lines "$T/waybar.out" $((lines + 1))
is "$(tail -1 "$T/waybar.out" | jq -r .class)" "offline" "daemon gone: waybar offline"
wait_lines "$T/human.out" $((n + 1))
is "$(tail -1 "$T/human.out")" "offline: recharged is not running" "daemon gone: human line"
kill -0 $HUMAN 2>/dev/null && kill -0 $JSON 2>/dev/null && kill -0 $WAYBAR 2>/dev/null
ok $? "watch keeps running without the daemon"
daemon_start || exit 1
wait_lines "$T/waybar.out" $((lines + 2))
is "$(tail -1 "$T/waybar.out" | jq -r .class)" "available" "daemon back: waybar available again"
wait_lines "$T/json.out" 4
is "$(tail -1 "$T/json.out" | jq -r .mode)" "available" "daemon back: JSON again"
ctl on 10min
wait_lines "$T/json.out" 5
is "$(tail -1 "$T/json.out" | jq -r .mode)" "recharging" "changes after the restart still arrive"
ctl off

# Clean ends.
kill -INT $HUMAN
wait $HUMAN
is "$?" "0" "SIGINT: exit 0"
kill -TERM $JSON
wait $JSON
is "$?" "0" "SIGTERM: exit 0"
is "$(cat "$T/human.err" "$T/json.err")" "" "nothing on stderr"

# A reader that leaves: the next write (or the pipe's error) ends watch cleanly.
start=$(date +%s%N)
timeout 10 bash -c '"$0" watch | head -n 1 >/dev/null; exit "${PIPESTATUS[0]}"' "$RECHARGECTL"
st=$?
is "$st" "0" "watch | head -1: exits 0 when the reader is gone"
[ $((($(date +%s%N) - start) / 1000000)) -lt 5000 ]
ok $? "…at once, without waiting for a change"

# ---- no session bus yet (a bar started before it): the offline line at once, then the status ----
daemon_stop
mkdir "$T/later"
later="unix:path=$T/later/bus"
nobus_watch() { # NAME ARGS...: watch on a bus that is not there yet, into $T/nb.NAME(.err)
        local name=$1
        shift
        DBUS_SESSION_BUS_ADDRESS="$later" "$RECHARGECTL" watch "$@" >"$T/nb.$name" 2>"$T/nb.$name.err" &
        EXTRA_PIDS="$EXTRA_PIDS $!"
}
nobus_watch fmt --format='%mode%'
NB_FMT=$!
nobus_watch way --waybar
NB_WAY=$!
nobus_watch human
NB_HUMAN=$!
wait_lines "$T/nb.fmt" 1 && wait_lines "$T/nb.way" 1 && wait_lines "$T/nb.human" 1
is "$(cat "$T/nb.fmt")" "offline" "no session bus: --format prints the offline line at once (%mode% is offline)"
is "$(jq -r '.class + "/" + .tooltip' "$T/nb.way")" "offline/the session bus is not running; waiting for it to start" \
        "no session bus: --waybar's offline object says why"
is "$(cat "$T/nb.human")/$(cat "$T/nb.human.err")" \
        "offline: recharged is not running/the session bus is not running; waiting for it to start" \
        "no session bus: the human line, and why on stderr"
kill -0 "$NB_FMT" && kill -0 "$NB_WAY" && kill -0 "$NB_HUMAN"
ok $? "…and each goes on waiting"
# The bus comes, at that address, then recharged on it: the status, with nothing restarted.
sed "s|@SERVICEDIR@|$T/services|; s|@BUSTYPE@|session|" "$top_srcdir/tests/session.conf" >"$T/later.conf"
later_bus() {
        local pid
        pid=$(dbus-daemon --config-file="$T/later.conf" --address="$later" --fork --print-pid=1 2>>"$T/bus.log") || return 1
        BUS_PIDS="$BUS_PIDS $pid"
        LATER_PID=$pid
}
later_bus || { echo "Bail out! cannot start dbus-daemon at $later"; exit 99; }
export DBUS_SESSION_BUS_ADDRESS="$later"
daemon_start || exit 1
wait_lines "$T/nb.fmt" 2
is "$(sed -n 2p "$T/nb.fmt")" "available" "the bus and recharged came: --format prints the status"
# --waybar may say first, in its tooltip, that recharged is not there yet (a line of its own)
for _ in $(seq 400); do [ "$(tail -1 "$T/nb.way" | jq -r .class)" = available ] && break; sleep 0.05; done
is "$(tail -1 "$T/nb.way" | jq -r .class)" "available" "…and --waybar's object"
# The bus goes away (the session ends): offline again, and out, so that no watch outlives it.
kill "$LATER_PID"
wait_lines "$T/nb.fmt" 3
is "$(sed -n 3p "$T/nb.fmt")" "offline" "the session bus went away: offline again"
wait "$NB_FMT"
is "$?" "1" "…and watch ends (exit 1)"
wait "$NB_HUMAN"
is "$(tail -1 "$T/nb.human.err")" "Lost the connection to the session bus." "…saying so"
kill "$NB_WAY" 2>/dev/null
daemon_stop
# No address at all to wait on: the offline line (a bar colours it), why, exit 1.
out=$(env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR "$RECHARGECTL" watch --format='%mode%' 2>"$T/noaddr.err")
is "$?/$out" "1/offline" "no bus address at all: the offline line, exit 1"
is "$(cat "$T/noaddr.err")" "recharged is not running; start it with: systemctl --user start recharged" "…and why"

tap_done
