#!/bin/bash
# SPDX-License-Identifier: MIT
# test-silence-kde.sh: KDE Plasma, through tests/lib/plasma_notifications.py (a dbusmock template
# mirroring plasma-workspace's libnotificationmanager: Inhibit/UnInhibit/Inhibited, and the
# release of a caller's inhibitions when it leaves the bus). Inhibited during the recharge,
# released by UnInhibit after it, and by Plasma itself when recharged is killed.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"
test_setup

inhibited() {
        busctl --user get-property "$NOTIFICATIONS" /org/freedesktop/Notifications "$NOTIFICATIONS" Inhibited | sed 's/^b //'
}
inhibited_is() { [ "$(inhibited)" = "$1" ]; }
mock_has() { grep -qE "$1" "$T/mock.log"; }

silence_conf
mock_start "$top_srcdir/tests/lib/plasma_notifications.py" || { echo "Bail out! the Plasma mock did not start"; exit 1; }
daemon_start || { tap_done; exit 1; }

is "$(inhibited)" false "Plasma is not inhibited before the recharge"
call Recharge ts 0 "" >/dev/null
wait_until 10 inhibited_is true
ok $? "a recharge with dnd inhibits Plasma's notifications"
mock_has 'Inhibit "recharged" "Recharging"'
ok $? "…by Inhibit('recharged', 'Recharging', {}): $(grep -o 'Inhibit .*' "$T/mock.log" | head -1)"
grep -q '^silence ' "$STATE" && st=1 || st=0
ok $st "nothing is recorded for Plasma: it releases by itself when we leave the bus"
call Stop >/dev/null
wait_until 10 inhibited_is false
ok $? "Stop releases it"
mock_has '^[0-9.]+ UnInhibit 1$'
ok $? "…by UnInhibit with the cookie Inhibit gave (1)"

call Recharge ts 0 "" >/dev/null
wait_until 10 inhibited_is true
daemon_stop KILL
wait_until 10 inhibited_is false
ok $? "when recharged is killed during the recharge, Plasma releases the inhibition itself"
mock_has '^[0-9.]+ released 2 of :'
ok $? "…as the mock's NameOwnerChanged watch logged: $(grep -o 'released .*' "$T/mock.log")"

daemon_start || { tap_done; exit 1; }
wait_until 10 inhibited_is true
ok $? "restarted while the manual recharge is still on, it inhibits again"
daemon_stop TERM
is "$DAEMON_STATUS/$(inhibited)" "0/false" "SIGTERM releases it before exiting"
mock_has '^[0-9.]+ UnInhibit 3$'
ok $? "…by UnInhibit, not by leaving the bus"

tap_done
