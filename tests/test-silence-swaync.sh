#!/bin/bash
# SPDX-License-Identifier: MIT
# test-silence-swaync.sh: SwayNotificationCenter. Debian's real 0.7.3 (SetDnd/GetDnd, no
# inhibitors) under a headless sway as uid 65534: DND on while a recharge with dnd lasts, back as
# it was after, the user's own DND kept, kill -9 undone at start. Then the inhibitors of ≥ 0.8
# against tests/lib/swaync_cc.py (a dbusmock template mirroring swayncDaemon.vala): ours is
# added and removed, the user's DND and other inhibitors are never touched.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"
test_setup
S=1000000
CC=org.erikreider.swaync.cc
cc() { busctl --user call $CC /org/erikreider/swaync/cc $CC "$@"; }
dnd() { cc GetDnd | sed 's/^b //'; }
dnd_is() { [ "$(dnd)" = "$1" ]; }
no_record() { ! grep -q '^silence ' "$STATE"; }
silence_conf

# ---- the real swaync 0.7.3 ----
real_swaync() {
        if ! command -v swaync >/dev/null; then
                skip "swaync is not installed (apt-get install sway-notification-center)" "swaync 0.7.3 round trip"
                return
        fi
        if ! sway_start; then
                skip "$SWAY_WHY" "swaync 0.7.3 round trip (swaync needs a Wayland compositor)"
                return
        fi
        nobody_start swaync swaync
        SWAYNC_PID=$LAST_PID
        wait_server || { ok 1 "swaync did not start: $(tail -3 "$T/swaync.log")"; return; }
        wait_until 10 cc GetDnd || { ok 1 "swaync's control center is not on the bus"; return; }
        diag "swaync $(dpkg-query -W -f '${Version}' sway-notification-center 2>/dev/null) under $(sway --version)"
        daemon_start || return

        is "$(dnd)" false "swaync is not in DND before the recharge"
        call Recharge ts 0 "" >/dev/null
        wait_until 10 dnd_is true
        ok $? "a recharge with dnd turns swaync's DND on (SetDnd: 0.7.3 has no inhibitors)"
        grep -q '^silence "swaync" "dnd false"$' "$STATE"
        ok $? "what swaync was before is in the state file: $(grep '^silence' "$STATE")"
        call Stop >/dev/null
        wait_until 10 dnd_is false
        ok $? "Stop turns DND off again"
        wait_until 5 no_record
        ok $? "…and drops the record"

        cc SetDnd b true
        call Recharge ts 0 "" >/dev/null
        wait_log "SwayNotificationCenter was in do-not-disturb already"
        ok $? "DND set by the user is noticed and left alone"
        call Stop >/dev/null
        wait_log "Recharge ended"
        settle
        is "$(dnd)" true "after the recharge swaync is still in DND, as the user left it"
        cc SetDnd b false

        local end=$(($(date +%s%N) + 3000000000))
        call Recharge ts $((3 * S)) "" >/dev/null
        wait_until 10 dnd_is true
        daemon_stop KILL
        # Past the recharge's end, so that the next start has nothing left to hold.
        wait_until 5 sh -c "[ \$(date +%s%N) -gt $end ]"
        is "$(dnd)" true "after kill -9 during a 3 s recharge, DND is still on"
        daemon_start || return
        wait_until 10 dnd_is false
        ok $? "the next start, after the recharge's end, turns it off from the state file"
        daemon_stop TERM

        kill "$SWAYNC_PID" "$SWAY_PID" 2>/dev/null
        wait_until 10 sh -c "! busctl --user status $NOTIFICATIONS"
}
real_swaync

# ---- swaync ≥ 0.8: an inhibitor of our own (tests/lib/swaync_cc.py) ----
mock_start "$top_srcdir/tests/lib/swaync_cc.py" || { echo "Bail out! the swaync mock did not start"; exit 1; }
inhibitors() { cc NumberOfInhibitors | sed 's/^u //'; }
inhibitors_are() { [ "$(inhibitors)" = "$1" ]; }
: >"$LOG"
daemon_start || { tap_done; exit 1; }
cc AddInhibitor s org.example.presenter >/dev/null
call Recharge ts 0 "" >/dev/null
wait_until 10 inhibitors_are 2
ok $? "a recharge adds an inhibitor to swaync ≥ 0.8, beside the user's"
is "$(cc RemoveInhibitor s recharged)" "b true" "…and it is named 'recharged'"
cc AddInhibitor s recharged >/dev/null
grep -q '^silence "swaync" "inhibitor recharged"$' "$STATE"
ok $? "the state file says an inhibitor was added"
is "$(dnd)" false "…and the user's DND was not touched"
call Stop >/dev/null
wait_until 10 inhibitors_are 1
ok $? "Stop removes our inhibitor and only ours"
is "$(cc RemoveInhibitor s org.example.presenter)" "b true" "the user's inhibitor is still there"

call Recharge ts 0 "" >/dev/null
wait_until 10 inhibitors_are 1
daemon_stop KILL
daemon_start || { tap_done; exit 1; }
call Stop >/dev/null
wait_until 10 inhibitors_are 0
ok $? "after kill -9 and a restart, Stop removes the inhibitor that the crash left"
grep -q "RemoveInhibitor" "$T/mock.log"
ok $? "…by RemoveInhibitor (the mock's log)"

daemon_stop TERM
tap_done
