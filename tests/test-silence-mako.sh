#!/bin/bash
# SPDX-License-Identifier: MIT
# test-silence-mako.sh: the real mako (Debian's 1.7.1: ListModes/SetModes) under a headless sway
# run as uid 65534: do-not-disturb is added while a recharge with dnd lasts and only it is taken
# out afterwards, the user's own modes (set before or during) kept; kill -9 is undone at start.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"
test_setup
S=1000000

if ! command -v mako >/dev/null; then
        skip "mako is not installed (apt-get install mako-notifier)" "mako round trip"
        tap_done
        exit
fi
if ! sway_start; then
        skip "$SWAY_WHY" "mako round trip (mako needs a Wayland compositor)"
        tap_done
        exit
fi
mkdir -p "$T/nobody/config/mako"
printf '[mode=do-not-disturb]\ninvisible=1\n' >"$T/nobody/config/mako/config"
chown -R $NOBODY:$NOBODY "$T/nobody/config"
nobody_start mako mako
wait_server || { echo "Bail out! mako did not start; $(tail -3 "$T/mako.log")"; exit 1; }
diag "mako $(dpkg-query -W -f '${Version}' mako-notifier 2>/dev/null) under $(sway --version)"

mako() { busctl --user call "$NOTIFICATIONS" /fr/emersion/Mako fr.emersion.Mako "$@"; }
modes() { mako ListModes --json=short | jq -r '.data[0] | join(",")'; }
modes_are() { [ "$(modes)" = "$1" ]; }
no_record() { ! grep -q '^silence ' "$STATE"; }

silence_conf
daemon_start || { tap_done; exit 1; }

# ---- the user's modes before and during: kept ----
mako SetModes as 2 default work
is "$(modes)" "default,work" "the user put mako in mode 'work' before the recharge"
call Recharge ts 0 "" >/dev/null
wait_until 10 modes_are "default,work,do-not-disturb"
ok $? "a recharge with dnd adds do-not-disturb and keeps the user's modes"
grep -q '^silence "mako" "modes default,work"$' "$STATE"
ok $? "the modes before are in the state file: $(grep '^silence' "$STATE")"
mako SetModes as 4 default work do-not-disturb focus
call Stop >/dev/null
wait_until 10 modes_are "default,work,focus"
ok $? "Stop takes out just do-not-disturb; 'focus', set during the recharge, stays"
wait_until 5 no_record
ok $? "…and drops the record"

# ---- do-not-disturb by hand before: still there after ----
mako SetModes as 2 default do-not-disturb
call Recharge ts 0 "" >/dev/null
wait_log "mako was in mode 'do-not-disturb' already"
ok $? "do-not-disturb set by the user is noticed and left alone"
call Stop >/dev/null
wait_log "Recharge ended"
settle
is "$(modes)" "default,do-not-disturb" "after the recharge mako is still in do-not-disturb, as the user left it"
no_record
ok $? "nothing was recorded, since nothing was changed"

# ---- kill -9 during a recharge: the next start takes do-not-disturb out ----
mako SetModes as 1 default
call Recharge ts $((3 * S)) "" >/dev/null
wait_until 10 modes_are "default,do-not-disturb"
ok $? "a 3 s recharge adds do-not-disturb"
daemon_stop KILL
mako SetModes as 3 default do-not-disturb late
sleep 3
daemon_start || { tap_done; exit 1; }
wait_until 10 modes_are "default,late"
ok $? "the next start, after the recharge's end, takes out do-not-disturb and keeps 'late'"
wait_until 5 no_record
ok $? "…and drops the record"

# ---- and again, from a clean start ----
call Recharge ts 0 "" >/dev/null
wait_until 10 modes_are "default,late,do-not-disturb"
call Stop >/dev/null
wait_until 10 modes_are "default,late"
ok $? "a second round trip works the same"

daemon_stop TERM
is "$DAEMON_STATUS" 0 "the daemon exits 0"
tap_done
