#!/bin/bash
# SPDX-License-Identifier: MIT
# test-notify-daemon.sh: the notification wiring of the real daemon on a private session bus,
# end to end: a notification shown by a recording server (python3-dbusmock) and an action
# clicked there; no server at all, then one that comes; a server that holds our Notify. Every
# row, action and failure in detail is tests/test-notify.c (in-process, time passed in).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"

if ! /usr/bin/python3 -c 'import dbusmock' 2>/dev/null; then
        skip "python3-dbusmock is not installed" "notifications against a recording server"
        tap_done
        exit 0
fi
test_setup
S=1000000
# answered METHOD SIGNATURE ARGS...: the call's own exit status (call pipes through jq).
answered() { busctl --user call "$BUS" "$OBJ" "$IFACE" "$@" >/dev/null; }

printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"

# ---- no server at all: the daemon answers on, says so once ----
monitor_start
daemon_start || { tap_done; exit 1; }
log_mark
for i in 1 2; do
        call Recharge ts $((3600 * S)) "Alone $i" >/dev/null
        call Stop >/dev/null
done
wait_log "No notification server on the session bus" 5
ok $? "without a server the daemon says so"
answered GetStatus
ok $? "…and answers calls"
is "$(log_since_mark | grep -c "No notification server on the session bus")" 1 "…once, not once per event"

# ---- a server that comes later: shown, clicked, replaced ----
notify_mock_start
call Recharge ts $((3600 * S)) "Quiet hour" >/dev/null
c=$(notify_wait 1 5)
ok $? "a server that appears later is used at the next event"
is "$(echo "$c" | jq -c '[.app, .summary, .actions, .hints.urgency]')" \
   '["recharged","Recharging: Quiet hour",["extend","Extend 15 min","stop","End now"],2]' \
   "the start notification as the server got it"
start_id=$(echo "$c" | jq .id)
mark
notify_action "$start_id" stop
wait_prop Mode '"available"' 5
ok $? "End now clicked on the server ends the recharge"
is "$(wait_signal RechargeEnded 3)" '["manual","","stopped"]' "…as Stop does: RechargeEnded(stopped)"
c=$(notify_wait 2 5)
is "$(echo "$c" | jq -c '[.replaces, .summary]')" "[$start_id,\"Time to reconnect\"]" "the end replaces the start notification"
notify_mock_stop

# ---- a server that takes Notify and never answers: the loop does not wait for it ----
/usr/bin/python3 "$top_srcdir/tests/lib/notify-hang.py" >"$T/hang.log" 2>&1 &
HANG_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $HANG_PID"
gdbus wait --session "$NOTIFY_NAME" --timeout 10 >/dev/null 2>&1
call Recharge ts $((3600 * S)) "Into the void" >/dev/null
for i in $(seq 400); do grep -q "held Notify" "$T/hang.log" && break; sleep 0.05; done
grep -q "held Notify" "$T/hang.log"
ok $? "the stuck server has our Notify and does not answer it"
ms=$(max_call_ms 5)
[ "$ms" -lt 2500 ]
ok $? "GetStatus answers while the Notify waits (slowest of 5: $ms ms)"
answered Stop
ok $? "Stop is answered while it waits"
daemon_stop
is "$DAEMON_STATUS" 0 "the daemon exits cleanly with the call still pending"

tap_done
