#!/bin/bash
# SPDX-License-Identifier: MIT
# test-presence.sh: the session's presence from logind (python3-dbusmock's logind template on a
# private system bus): the Presence property follows LockedHint and IdleHint, a reminder due while
# locked is shown once at the unlock, a block that ends while idle is greeted once at the
# return with its away time in the history; without logind the daemon runs as before. The
# rules themselves (what is held, dropped, greeted) are tested in-process: tests/test-manager.c.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

# ---- no system bus (test_setup's default), then a system bus without logind ----
printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
daemon_start || { tap_done; exit 1; }
wait_log "^<7>No system bus: whether the person is at the screen is unknown" 10 && ! grep -q "^<[0-4]>" "$LOG"
ok $? "without a system bus: said at debug level, nothing louder"
is "$(prop Presence)" "unknown" "…and Presence is unknown"
daemon_stop

if ! /usr/bin/python3 -c 'import dbusmock' 2>/dev/null || ! bus_start system; then
        for i in $(seq 25); do skip "python3-dbusmock or a private system bus is not available" "presence"; done
        tap_done
        exit 0
fi
export DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS"
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
wait_log "^<7>No logind on the system bus" 10 && ! grep -q "^<[0-4]>" "$LOG"
ok $? "a system bus without logind: said at debug level, nothing louder"
is "$(prop Presence)" "unknown" "…and Presence is unknown"
daemon_stop

/usr/bin/python3 -m dbusmock --system --template logind >"$T/logind.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
gdbus wait --system org.freedesktop.login1 --timeout 10 || { echo "Bail out! the logind mock did not start"; exit 99; }
SESSION=$(gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 \
        -m org.freedesktop.DBus.Mock.AddSession c1 seat0 "$(id -u)" tester true | sed "s/^('\(.*\)',)$/\1/")
export XDG_SESSION_ID=c1
session_call() { gdbus call --system -d org.freedesktop.login1 -o "$SESSION" -m "$@" >/dev/null; }
set_idle() {
        session_call org.freedesktop.DBus.Mock.UpdateProperties org.freedesktop.login1.Session \
                "{'IdleHint': <$1>, 'IdleSinceHint': <uint64 $(now_us)>}"
}
# Waits until the wall clock is past epoch second $1: the daemon has nothing to do then (what
# falls due is held), so this waits for time itself, not for the daemon.
wait_clock_past() { while [ "$(date +%s)" -le "$1" ]; do sleep 0.1; done; }

notify_mock_start || { echo "Bail out! the mock notification server did not start"; exit 99; }
monitor_start || { echo "Bail out! busctl monitor did not start"; exit 99; }

# The instants the checks depend on are armed by a Reload once the slow set-up (the daemon, its
# logind session, the lock) is done: a cold or loaded machine then cannot push the set-up past them.
# at_in N: "HH:MM:SS" N seconds from now (UTC, like the test's TZ).
at_in() { date -u -d "@$(($(date +%s) + $1))" +%H:%M:%S; }
# arm SECONDS: rewrites the config's one time (at = or start =) to SECONDS from now and reloads;
# the instant is in $DUE.
arm() {
        DUE=$(($(date +%s) + $1))
        sed -i "s/^\(at\|start\) = .*/\1 = $(date -u -d "@$DUE" +%H:%M:%S)/" "$CONF"
        call Reload >/dev/null
}

# ---- locked over a reminder: held, shown once at the unlock ----
cat >"$CONF" <<EOF
[general]
heads-up = 0

[stretch]
type = selfcare
at = $(at_in 7200)
message = Stand up
EOF
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
wait_log "The session is active" 10
is "$(prop Presence)" "active" "with logind and our session (XDG_SESSION_ID): Presence is active"
mark
session_call org.freedesktop.login1.Session.SetLockedHint true
wait_prop Presence '"locked"'
ok $? "LockedHint true: PropertiesChanged says Presence is locked"
arm 2
wait_clock_past "$DUE"
is "$(count_signals ReminderDue)" 0 "a reminder due while locked is not shown"
mark
session_call org.freedesktop.login1.Session.SetLockedHint false
wait_prop Presence '"active"'
ok $? "LockedHint false: Presence is active again"
wait_count ReminderDue 1
ok $? "…and the held reminder is shown at the unlock"
is "$(notify_calls | jq -r 'select(.summary == "Stand up") | .summary' | wc -l)" 1 "…once (one notification)"
daemon_stop

# ---- idle across a block: the end waits for the return, the away time is recorded ----
cat >"$CONF" <<EOF
[general]
heads-up = 0

[pause]
type = recharge
start = $(at_in 7200)
duration = 2s
message = Look away
EOF
: >"$HISTORY"
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
wait_log "The session is active" 10
mark
set_idle true
wait_prop Presence '"idle"'
ok $? "IdleHint true: Presence is idle"
arm 2
log_mark
wait_log "Recharge ended \(completed\): 'pause' while the person was away" 10
ok $? "the block ends on time while the person is idle"
is "$(notify_calls | jq -r 'select(.summary == "Time to reconnect")' | wc -l)" 0 "…with no nudge to an empty screen"
log_mark
set_idle false
wait_log "Welcome back: 'pause' ended" 10
ok $? "back: one welcome back"
for i in $(seq 400); do notify_calls | grep -q '"summary":"Welcome back"' && break; sleep 0.05; done
body=$(notify_calls | jq -r 'select(.summary == "Welcome back") | .body')
case $body in *"'Look away' ended at"*"while you were away."*) r=0 ;; *) r=1 ;; esac
ok $r "…as a notification worded for the return ($body)"
away=$(awk '$2 == "away" { print $7 }' "$HISTORY")
is "$away" 2000000 "the history records the away time of the block: idle all through its 2 s"
ctl stats --json
is "$(echo "$OUT" | jq '[.away_usec, .away_of_usec, ([.days[].away_usec] | add)] | map(tostring) | join(" ")' -r)" \
        "$away 2000000 $away" "rechargectl stats --json: away_usec of away_of_usec, in total and per day"
ctl stats
echo "$OUT" | grep -q "^  Away           away from the screen 0 of 0 min$"
ok $? "rechargectl stats: 'away from the screen N of M min'"
daemon_stop

# ---- no XDG_SESSION_ID: the session is found through logind's other calls (GetSessionByPID,
# which the mock lacks, then GetUser and the user's Display), one asynchronous call after another ----
unset XDG_SESSION_ID
# This dbusmock's GetUser fails on its own uint32 and its UpdateProperties on a struct: a
# GetUser that works, and the property set with Set.
gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 -m org.freedesktop.DBus.Mock.AddMethod \
        org.freedesktop.login1.Manager GetUser u o "ret = '/org/freedesktop/login1/user/%d' % args[0]" >/dev/null
user_display() {
        gdbus call --system -d org.freedesktop.login1 -o "/org/freedesktop/login1/user/$(id -u)" \
                -m org.freedesktop.DBus.Properties.Set org.freedesktop.login1.User Display "<$1>" >/dev/null
}
user_display "('c1', objectpath '$SESSION')"
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
wait_log "Following the idle and lock hints of session $SESSION" 10
ok $? "without XDG_SESSION_ID: the session is found through the user's Display"
wait_log "The session is active" 10
is "$(prop Presence)" "active" "…and followed: Presence is active"
daemon_stop
user_display "('', objectpath '/')"
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
wait_log "^<7>No session of ours found in logind" 10 && ! grep -q "^<[0-4]>" "$LOG"
ok $? "a user without a graphical session: said at debug level, nothing louder"
is "$(prop Presence)" "unknown" "…and Presence is unknown"
daemon_stop

# ---- a logind that takes its time: the daemon answers meanwhile (issue 17, start-up) ----
# GetSession blocks the mock until $T/go exists. Synchronous look-ups held every call until
# logind answered or their 5 s timeout passed (and logged it); now GetStatus is answered while
# the look-up is still waiting, and the session is followed once logind answers.
bus_start system || { echo "Bail out! cannot start a second system bus"; exit 99; }
export DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS"
/usr/bin/python3 -m dbusmock --system --template logind >"$T/logind2.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
gdbus wait --system org.freedesktop.login1 --timeout 10 || { echo "Bail out! the second logind mock did not start"; exit 99; }
SESSION=$(gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 \
        -m org.freedesktop.DBus.Mock.AddSession c2 seat0 "$(id -u)" tester true | sed "s/^('\(.*\)',)$/\1/")
gdbus call --system -d org.freedesktop.login1 -o /org/freedesktop/login1 -m org.freedesktop.DBus.Mock.AddMethod \
        org.freedesktop.login1.Manager GetSession s o \
        "import os, time
while not os.path.exists('$T/go'): time.sleep(0.05)
ret = '$SESSION'" >/dev/null
export XDG_SESSION_ID=c2
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
status=$(status_json)
ok $? "logind has not answered yet: GetStatus is answered all the same"
is "$(echo "$status" | jq -r .Presence)" "unknown" "…with Presence unknown until logind says"
! grep -q "logind knows no session\|No session of ours\|Following the idle" "$LOG"
ok $? "…and the look-up is still waiting (nothing said of it yet)"
touch "$T/go"
wait_log "Following the idle and lock hints of session $SESSION" 10
ok $? "once logind answers, the session is followed"
wait_log "The session is active" 10
is "$(prop Presence)" "active" "…and Presence is active"
daemon_stop

tap_done
