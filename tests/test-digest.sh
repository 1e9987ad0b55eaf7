#!/bin/bash
# SPDX-License-Identifier: MIT
# test-digest.sh: what other applications sent during a dnd recharge, counted by app name from a
# monitor connection (BecomeMonitor) on the session bus: the end notification says "While you
# recharged: Signal 3 · Mail 2"; no summary or body reaches the state, the history or the log;
# digest = no counts nothing, and a Reload turns it on and off. The counting rules are tested in-process: tests/test-manager.c.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup
S=1000000

notify_mock_start || { echo "Bail out! the mock notification server did not start"; exit 99; }

send() { notify-send -a "$1" "SECRET-SUMMARY-$1" "SECRET-BODY-$1"; }
# recharge_with APPS...: a manual recharge, one notification per app name during it, then Stop;
# prints the body of the end notification.
recharge_with() {
        local n before
        before=$(notify_calls | wc -l)
        call Recharge ts $((3600 * S)) "Tea" >/dev/null
        notify_wait $((before + 1)) >/dev/null
        log_mark
        for app in "$@"; do send "$app"; done
        if [ "$digest" = yes ]; then
                for n in $(seq 400); do
                        [ "$(tail -n "+$((LOG_MARK + 1))" "$LOG" | grep -c "Counted a notification")" -ge $# ] && break
                        sleep 0.05
                done
        fi
        before=$(notify_calls | wc -l)
        call Stop >/dev/null
        notify_wait $((before + 1)) | jq -r .body
}

printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
digest=yes
daemon_start || { tap_done; exit 1; }
wait_log "Counting other applications' notifications" 10
ok $? "digest = yes (the default): the daemon monitors Notify calls"
body=$(recharge_with Signal Mail Signal Signal Mail)
is "$body" "$(printf "'Tea' is over. Welcome back.\nWhile you recharged: Signal 3 · Mail 2")" \
        "the end notification says what arrived, by app"
send Late
body=$(recharge_with)
is "$body" "'Tea' is over. Welcome back." "outside a recharge nothing is counted, and each recharge starts afresh"
daemon_stop
! grep -rq SECRET "$T/state" "$LOG"
ok $? "no summary or body in the state, the history or the log"

printf '[general]\ndigest = no\n\n[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
digest=no
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
body=$(recharge_with Signal Mail)
is "$body" "'Tea' is over. Welcome back." "digest = no: no digest"
# The presence line comes after the digest's start, whatever it says.
wait_log "whether the person is at the screen|Following the idle" 10
! grep -q "Counting other applications\|Counted a notification" "$LOG"
ok $? "…and no monitor at all"

# The key is honoured on Reload, both ways, without a restart.
printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
log_mark
call Reload >/dev/null
wait_log "Counting other applications' notifications" 10
ok $? "reload with digest = yes: the monitor starts"
digest=yes
body=$(recharge_with Signal Mail Signal)
is "$body" "$(printf "'Tea' is over. Welcome back.\nWhile you recharged: Signal 2 · Mail 1")" \
        "…and the next recharge's end says what arrived"
printf '[general]\ndigest = no\n\n[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
log_mark
call Reload >/dev/null
wait_log "No longer counting other applications' notifications" 10
ok $? "reload with digest = no: the monitor stops"
digest=no
body=$(recharge_with Signal Mail)
is "$body" "'Tea' is over. Welcome back." "…and nothing is counted any more"
! log_since_mark | grep -q "Counted a notification"
ok $? "…not even in the log"
daemon_stop

# A bus that refuses to let us monitor: said once, the daemon carries on.
sed "s|@SERVICEDIR@|$T/services|; s|@BUSTYPE@|session|; s|<allow own=\"\\*\"/>|<allow own=\"*\"/><deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Monitoring\"/>|" \
        "$top_srcdir/tests/session.conf" >"$T/strict.conf"
out=$(dbus-daemon --config-file="$T/strict.conf" --fork --print-address=1 --print-pid=1 2>>"$T/bus.log")
BUS_PIDS="$BUS_PIDS $(echo "$out" | sed -n 2p)"
export DBUS_SESSION_BUS_ADDRESS=$(echo "$out" | sed -n 1p)
printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
# The monitor is asked for at the loop's first idle turn, its answer comes when it comes: the
# refusal is waited for itself (the presence line before it said nothing of its order).
wait_log "No digest of what arrived while recharging: the session bus refuses" 10
[ "$(grep -c "No digest of what arrived while recharging: the session bus refuses" "$LOG")" = 1 ] && ! grep -q "^<[0-4]>" "$LOG"
ok $? "a bus that refuses the monitor: said once, nothing louder"
is "$(prop Mode)" "available" "…and the daemon carries on"
daemon_stop

tap_done
