#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-hostile.sh: strange things where our files live. A FIFO at the config path at
# start and at reload, a FIFO at the state path, a second daemon (another bus) on the same state
# folder, and the temp files a kill -9 mid-save leaves. Each is refused with one clear line, and
# nothing hangs: every start here is bounded by `timeout`.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

# A block hours from now, whatever the hour the test runs at: nothing is on while it runs.
cat >"$CONF" <<EOF2
[general]
heads-up = 0

[far]
type = recharge
start = $(date -u -d "@$(($(date +%s) + 3 * 3600))" +%H:%M)
duration = 30min
EOF2
cp "$CONF" "$T/good.conf"

# run_bounded SECONDS ARGS...: the daemon in the foreground, killed if it outlives SECONDS
# (status 124 from timeout means it hung); its exit status in $RC.
run_bounded() {
        local limit=$1; shift
        timeout -s KILL "$limit" "$RECHARGED" --verbose "$@" 2>>"$LOG"
        RC=$?
}

# ---- a FIFO at the config path at start ----
rm "$CONF"
mkfifo "$CONF"
: >"$LOG"
run_bounded 10 --config "$CONF"
is "$RC" 78 "a FIFO at the config path: start refused with EX_CONFIG (78), not a hang (137 would be)"
grep -q "^<3>$CONF: is a FIFO, not a config file" "$LOG"
ok $? "…with one error line that says what it is"
[ -p "$CONF" ]
ok $? "…and the FIFO is left where it was"

# The same without --config: the default path found by the XDG lookup.
: >"$LOG"
timeout -s KILL 10 "$RECHARGED" 2>>"$LOG"
is "$?" 78 "…found by the XDG lookup too"

# A terminal is a character device: never ours to read (nor to become our controlling one).
: >"$LOG"
run_bounded 10 --config /dev/ptmx
is "$RC" 78 "/dev/ptmx as the config: refused"
grep -q "/dev/ptmx: is a character device, not a config file" "$LOG"
ok $? "…said as a character device"

# ---- a FIFO at the config path at reload ----
rm "$CONF"
cp "$T/good.conf" "$CONF"
: >"$LOG"
daemon_start || { tap_done; exit 1; }
entries=$(call ListEntries)
st_before=$(status_json)
rm "$CONF"
mkfifo "$CONF"
t0=$(date +%s%N)
err=$(timeout -s KILL 10 gdbus call --session -d "$BUS" -o "$OBJ" -m "$IFACE.Reload" 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" -ne 0 ] && [ "$rc" -ne 137 ]
ok $? "Reload() with a FIFO at the config path is refused at once ($ms ms)"
echo "$err" | grep -q "InvalidConfig.*$CONF: is a FIFO, not a config file"
ok $? "…InvalidConfig, saying it is a FIFO" || diag "$err"
is "$(call ListEntries)" "$entries" "…the running schedule stays"
is "$(status_json)" "$st_before" "…and the status"
kill -HUP "$DAEMON_PID"
wait_log "$CONF: is a FIFO" 5
ms=$(max_call_ms 3)
[ "$ms" -lt 15000 ]
ok $? "SIGHUP with the FIFO: the daemon still answers (slowest GetStatus of 3: $ms ms)"
# Bounded: a daemon stuck opening the FIFO ignores SIGTERM, and the test must fail, not hang.
kill -TERM "$DAEMON_PID"
for i in $(seq 400); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$DAEMON_PID" 2>/dev/null; then
        ok 1 "…and SIGTERM ends it cleanly (still running 20 s after SIGTERM: killed)"
        daemon_stop KILL
else
        daemon_stop
        is "$DAEMON_STATUS" 0 "…and SIGTERM ends it cleanly"
fi
rm "$CONF"
cp "$T/good.conf" "$CONF"

# ---- a FIFO at the state path at start ----
mkdir -p "$(dirname "$STATE")"
rm -f "$STATE"
mkfifo "$STATE"
: >"$LOG"
run_bounded 10 --config "$CONF"
is "$RC" 1 "a FIFO at the state path: the start is refused (exit 1), no hang"
grep -q "^<3>The state file '$STATE' is a FIFO, not a file recharged wrote: not starting" "$LOG"
ok $? "…with one error line that says what it is and what to do"
[ -p "$STATE" ] && [ -z "$(ls "$(dirname "$STATE")" | grep bad)" ]
ok $? "…and the FIFO is left alone, not moved aside"
rm "$STATE"

# ---- stale temp files of an interrupted save ----
sdir=$(dirname "$STATE")
touch "$sdir/.#state0123456789abcdef" "$sdir/.#statefedcba9876543210"
touch "$sdir/.#state0123" "$sdir/.#history0123456789abcdef" "$sdir/keep-me"
mkfifo "$sdir/.#stateaaaaaaaaaaaaaaaa"
: >"$LOG"
daemon_start || { tap_done; exit 1; }
# Only what was planted is looked at: the running daemon's own saves make temp files too.
left=""
for f in .#state0123456789abcdef .#statefedcba9876543210 .#state0123 .#history0123456789abcdef keep-me \
         .#stateaaaaaaaaaaaaaaaa; do
        [ -e "$sdir/$f" ] && left="$left$f "
done
is "$left" ".#state0123 .#history0123456789abcdef keep-me .#stateaaaaaaaaaaaaaaaa " \
   "at start the temp files of an interrupted save are removed, nothing else"
grep -q "^<6>Removed 2 temporary files that an interrupted save left in '$sdir'" "$LOG"
ok $? "…and the log says how many"
rm -f "$sdir/.#stateaaaaaaaaaaaaaaaa"

# ---- a second daemon on another bus, the same state folder ----
call Pause t 60000000 >/dev/null
first_state=$(cat "$STATE")
first_pid=$DAEMON_PID
bus_start session || { echo "Bail out! cannot start a second dbus-daemon"; exit 99; }
: >"$T/second.log"
DBUS_SESSION_BUS_ADDRESS=$BUS_ADDRESS timeout -s KILL 10 "$RECHARGED" --config "$CONF" 2>"$T/second.log"
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 137 ]
ok $? "a second daemon on another bus with the same state folder refuses to start (exit $rc)"
grep -q "^<3>Another recharged (pid $first_pid) already keeps its state in '$sdir'" "$T/second.log"
ok $? "…with one clear line naming the one that runs" || diag "$(cat "$T/second.log")"
is "$(wc -l <"$T/second.log")" 1 "…and only that line"
is "$(cat "$STATE")" "$first_state" "…the first one's state is untouched"
is "$(prop Mode)" paused "…and the first one runs on"
daemon_stop

# Once the first is gone, the lock is free: a daemon starts on the same folder.
: >"$LOG"
daemon_start
ok $? "after the first one stopped, a new daemon takes the folder"
daemon_stop
is "$DAEMON_STATUS" 0 "…and exits cleanly"

# ---- losing the session bus: said at error level, exit 1 ----
bus_start session || { echo "Bail out! cannot start a third dbus-daemon"; exit 99; }
lost_bus_pid=${BUS_PIDS##* }
: >"$T/lost.log"
DBUS_SESSION_BUS_ADDRESS=$BUS_ADDRESS "$RECHARGED" --config "$CONF" 2>"$T/lost.log" &
lost_pid=$!
for i in $(seq 400); do
        DBUS_SESSION_BUS_ADDRESS=$BUS_ADDRESS busctl --user status "$BUS" >/dev/null 2>&1 && break
        sleep 0.05
done
kill "$lost_bus_pid"
for i in $(seq 400); do kill -0 "$lost_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$lost_pid" 2>/dev/null && kill -9 "$lost_pid"
wait "$lost_pid"
is "$?" 1 "the session bus goes away: the daemon exits 1"
grep -q "^<3>Lost the connection to the session bus: exiting." "$T/lost.log"
ok $? "…saying so at error level" || diag "$(cat "$T/lost.log")"

tap_done
