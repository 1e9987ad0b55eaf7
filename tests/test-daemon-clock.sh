#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-clock.sh: the wiring of what tells the daemon that time moved: logind's
# PrepareForSleep on a private system bus (python3-dbusmock), a wall-clock change
# (TFD_TIMER_CANCEL_ON_SET, opt-in) and /etc/localtime changes. What the manager then does
# (a block in progress starts late, what passed is recorded as missed, a jump back ends nothing,
# a restart records what passed while off) is tested in-process with a clock passed in:
# tests/test-manager.c.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000

# No system bus: nothing above debug level about it.
printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
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

# ---- resume from suspend: PrepareForSleep(false) makes it catch up ----
if [ "$have_mock" = 1 ]; then
        base=$(date +%s)
        cat >"$CONF" <<EOF
[general]
heads-up = 0

[soon]
type = selfcare
at = $(hms $((base + 3600)))
EOF
        : >"$LOG"
        daemon_start || { tap_done; exit 1; }
        ! grep -q "No system bus" "$LOG"
        ok $? "with a system bus the daemon watches logind"
        # The match is added asynchronously: a signal sent before the bus answered it is not seen.
        wait_log "Following logind's PrepareForSleep" 10
        log_mark
        gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 \
                -m org.freedesktop.DBus.Mock.EmitSignal org.freedesktop.login1.Manager PrepareForSleep b '[<true>]' >/dev/null
        gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 \
                -m org.freedesktop.DBus.Mock.EmitSignal org.freedesktop.login1.Manager PrepareForSleep b '[<false>]' >/dev/null
        wait_log_after_mark "The clock changed or the system woke up" 5
        ok $? "on resume (PrepareForSleep false) the daemon catches up with the schedule"
        is "$(prop NextEventTime)" $(((base + 3600) * S)) "…and its next event is still the one ahead"
        daemon_stop
else
        for i in 1 2 3; do skip "python3-dbusmock or a system bus is not available" "resume from suspend"; done
fi

# ---- the real clock, set to its own value (opt-in) ----
if [ "${RECHARGED_TEST_SETTIME:-0}" = 1 ]; then
        daemon_start || { tap_done; exit 1; }
        : >"$LOG.settime"
        /usr/bin/python3 -c 'import time; t = time.clock_gettime_ns(time.CLOCK_REALTIME); time.clock_settime_ns(time.CLOCK_REALTIME, t)'
        for i in $(seq 400); do [ "$(grep -c "The clock changed" "$LOG")" -ge 2 ] && break; sleep 0.05; done
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
        monitor_start
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
