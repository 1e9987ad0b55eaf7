#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-clock.sh: wall-clock jumps, resume from suspend (logind's PrepareForSleep on a
# private system bus, python3-dbusmock) and time-zone changes: what passed entirely is recorded
# as missed and never shown, a block still in progress starts at once.
#
# The clock jumps come from daemon/recharged-test, a build with an injectable wall clock
# (RECHARGED_TEST_CLOCK_FILE holds an offset in seconds, re-read on SIGUSR1 as a clock change):
# a time namespace (unshare --time) moves only the monotonic and boot clocks, and libfaketime
# cannot make the kernel cancel a TFD_TIMER_CANCEL_ON_SET timer. With RECHARGED_TEST_SETTIME=1
# the test also sets the real clock to its own value, which cancels those timers system-wide
# (opt-in: it touches the machine's clock, if only by microseconds).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000
export RECHARGED_TEST_CLOCK_FILE="$T/offset"
jump() { # jump SECONDS: the daemon's clock runs that far ahead of the real one
        echo "$1" >"$RECHARGED_TEST_CLOCK_FILE"
        kill -USR1 "$DAEMON_PID"
}

# No system bus: nothing above debug level about it.
printf '[x]\ntype = selfcare\nat = 12:00\n' >"$CONF"
daemon_start || { tap_done; exit 1; }
grep -q "^<7>No system bus" "$LOG" && ! grep -q "^<[0-4]>" "$LOG"
ok $? "without a system bus the daemon runs and logs it at debug level only"
daemon_stop

# A private system bus with logind (python3-dbusmock).
have_mock=0
if /usr/bin/python3 -c 'import dbusmock' 2>/dev/null && bus_start system; then
        export DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS"
        /usr/bin/python3 -m dbusmock --system --template logind >"$T/logind.log" 2>&1 &
        EXTRA_PIDS="$EXTRA_PIDS $!"
        gdbus wait --system org.freedesktop.login1 --timeout 10 && have_mock=1
fi

base=$(date +%s)
cat >"$CONF" <<EOF
[general]
heads-up = 5s

[passed]
type = recharge
start = $(hms $((base + 30)))
duration = 10s
message = Slept through

[rem]
type = selfcare
at = $(hms $((base + 40)))
message = Missed me

[during]
type = recharge
start = $(hms $((base + 50)))
duration = 1h
dnd = no
message = Still on
EOF
echo 0 >"$RECHARGED_TEST_CLOCK_FILE"
DAEMON_BIN=$RECHARGED_TEST
: >"$LOG"
daemon_start || { tap_done; exit 1; }
monitor_start
is "$(prop NextEntry) $(prop NextEvent)" "passed heads-up" "before the jump the next event is the first heads-up"

# ---- a jump forward over a whole block and a reminder, into another block ----
mark
jump 120
s=$(wait_for '.member == "RechargeStarted"' 5)
is "$(echo "$s" | jq -c '.data[0:2]')" '["schedule","during"]' "after the jump the block still in progress starts at once"
is "$(prop Mode) $(prop Entry) $(prop Since)" "recharging during $(((base + 50) * S))" "…with its planned Since"
is "$(signals_since_mark | jq -r 'select(.member != "PropertiesChanged") | .member' | sort | tr '\n' ' ')" "RechargeStarted " \
   "no burst: nothing else is signalled (no heads-up, no start or end of the passed block, no reminder)"
grep -q " missed schedule \"passed\" $(((base + 30) * S)) 10000000 " "$HISTORY"
ok $? "history: the block that passed entirely is recorded as missed"
grep -q " reminder-missed .*\"rem\" $(((base + 40) * S)) " "$HISTORY"
ok $? "history: the reminder that passed is recorded as missed"
grep -q " started schedule \"during\" " "$HISTORY"
ok $? "history: the block in progress started"
grep -q "The clock changed or the system woke up" "$LOG"
ok $? "the log says why it caught up"
is "$(busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short | jq '.data[0].Missed.data')" 1 "GetStats counts the missed block"

# ---- resume from suspend ----
if [ "$have_mock" = 1 ]; then
        ! grep -q "No system bus" "$LOG"
        ok $? "with a system bus the daemon watches logind"
        mark
        echo 7300 >"$RECHARGED_TEST_CLOCK_FILE" # no SIGUSR1: only the resume tells it
        gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 \
                -m org.freedesktop.DBus.Mock.EmitSignal org.freedesktop.login1.Manager PrepareForSleep b '[<true>]' >/dev/null
        gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 \
                -m org.freedesktop.DBus.Mock.EmitSignal org.freedesktop.login1.Manager PrepareForSleep b '[<false>]' >/dev/null
        e=$(wait_for '.member == "RechargeEnded"' 5)
        is "$(echo "$e" | jq -c .data)" '["schedule","during","completed"]' "on resume (PrepareForSleep false) the block that ended while asleep ends"
        is "$(prop Mode)" available "Mode is available after the resume"
        next=$(prop NextEventTime)
        [ "$next" -gt $(( $(now_us) + 7300 * S )) ]
        ok $? "NextEventTime is recomputed from the new time"
else
        for i in 1 2 3 4; do skip "python3-dbusmock or a system bus is not available" "resume from suspend"; done
fi

# ---- a jump backwards ----
mark
jump 0
wait_prop NextEventTime $(((base + 25) * S)) 5
ok $? "after a jump back the passed block's heads-up is the next event again"
is "$(prop NextEntry) $(prop NextEvent)" "passed heads-up" "…NextEntry and NextEvent say so"
daemon_stop

# ---- what passes while the daemon is not running is recorded as missed at its next start ----
DAEMON_BIN=$RECHARGED_TEST
echo 0 >"$RECHARGED_TEST_CLOCK_FILE"
base=$(date +%s)
cat >"$CONF" <<EOF
[general]
heads-up = 0

[off-block]
type = recharge
start = $(hms $((base + 600)))
duration = 10min

[off-rem]
type = selfcare
at = $(hms $((base + 900)))
EOF
: >"$HISTORY"
daemon_start || { tap_done; exit 1; }
call Pause t $((3600 * S)) >/dev/null && call Resume >/dev/null # a call saves the state
grep -q "^processed [0-9]" "$STATE"
ok $? "the state file says how far the daemon got (processed)"
daemon_stop
echo 3600 >"$RECHARGED_TEST_CLOCK_FILE" # it comes back an hour later
daemon_start || { tap_done; exit 1; }
# The name is taken before the state is read: the log line comes after the records.
wait_log "passed while recharged was not running" 10
ok $? "the log says so"
grep -q " missed schedule \"off-block\" $(((base + 600) * S)) $((600 * S)) " "$HISTORY"
st=$?; ok $st "a block that began and ended while it was not running is recorded as missed"; [ $st = 0 ] || diag "$(cat "$HISTORY")"
grep -q " reminder-missed .*\"off-rem\" $(((base + 900) * S)) " "$HISTORY"
st=$?; ok $st "…and the reminder too"; [ $st = 0 ] || diag "$(cat "$HISTORY")"
daemon_stop
lines=$(wc -l <"$HISTORY")
daemon_start || { tap_done; exit 1; }
daemon_stop
is "$(wc -l <"$HISTORY")" "$lines" "a second restart records nothing again"
echo 0 >"$RECHARGED_TEST_CLOCK_FILE"
DAEMON_BIN=

# ---- the real clock, set to its own value (opt-in) ----
if [ "${RECHARGED_TEST_SETTIME:-0}" = 1 ]; then
        daemon_start || { tap_done; exit 1; }
        : >"$LOG.settime"
        /usr/bin/python3 -c 'import time; t = time.clock_gettime_ns(time.CLOCK_REALTIME); time.clock_settime_ns(time.CLOCK_REALTIME, t)'
        for i in $(seq 50); do grep -q "The clock changed" "$LOG" && break; sleep 0.05; done
        [ "$(grep -c "The clock changed" "$LOG")" -ge 2 ]
        ok $? "settime (TFD_TIMER_CANCEL_ON_SET) makes the daemon catch up"
        daemon_stop
else
        skip "set RECHARGED_TEST_SETTIME=1 to set the real clock" "settime makes the daemon catch up"
fi

# ---- /etc/localtime changes (a private /etc in a mount namespace, TZ unset) ----
if can_mount && command -v nsenter >/dev/null; then
        DAEMON_BIN="$T/etc-recharged"
        cat >"$DAEMON_BIN" <<EOF
#!/bin/sh
mount -t tmpfs tmpfs /etc || exit 99
ln -s /usr/share/zoneinfo/UTC /etc/localtime
exec env -u TZ "$RECHARGED" "\$@"
EOF
        chmod +x "$DAEMON_BIN"
        DAEMON_BIN="unshare -m $DAEMON_BIN"
        printf '[noon]\ntype = recharge\nstart = 12:00\nduration = 1h\n' >"$CONF"
        daemon_start || { tap_done; exit 1; }
        is "$(( $(eprop noon NextStart) / S % 86400 ))" 43200 "with /etc/localtime UTC the block starts at 12:00 UTC"
        mark
        nsenter -t "$DAEMON_PID" -m sh -c 'ln -s /usr/share/zoneinfo/Asia/Tokyo /etc/localtime.new && mv -T /etc/localtime.new /etc/localtime'
        wait_for ".member == \"PropertiesChanged\" and .path == \"$(entry_path noon)\"" 5 >/dev/null
        ok $? "a change of /etc/localtime is noticed (PropertiesChanged on the entry)"
        is "$(( $(eprop noon NextStart) / S % 86400 ))" 10800 "the block now starts at 12:00 Tokyo time, 03:00 UTC"
        grep -q "The time zone changed to" "$LOG"
        ok $? "the log says the zone changed"
        daemon_stop
else
        for i in 1 2 3 4; do skip "no mount namespace of our own (or no nsenter) here" "time-zone change"; done
fi

tap_done
