#!/bin/bash
# SPDX-License-Identifier: MIT
# test-silence-dunst.sh: the real dunst under Xvfb is paused while a recharge with dnd lasts and
# put back as it was: paused by hand stays paused; after kill -9 the next start puts it back.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"
test_setup
S=1000000

if ! command -v dunst >/dev/null || ! command -v Xvfb >/dev/null; then
        skip "dunst or Xvfb is not installed" "dunst round trip"
        tap_done
        exit
fi
silence_conf
dunst_start || { echo "Bail out! dunst did not start"; exit 1; }
diag "$(dunst --version 2>&1 | head -1)"
daemon_start || { tap_done; exit 1; }
no_record() { ! grep -q '^silence ' "$STATE"; }

# ---- not paused before: paused during, not paused after ----
is "$(dunst_paused)" false "dunst is not paused before the recharge"
call Recharge ts 0 "Quiet time" >/dev/null
wait_until 10 dunst_is true
ok $? "a recharge with dnd pauses dunst"
grep -q '^silence "dunst" "paused false"$' "$STATE"
ok $? "what dunst was before is in the state file: $(grep '^silence' "$STATE")"
is "$(prop DoNotDisturb)" true "DoNotDisturb is true meanwhile"
call Stop >/dev/null
wait_until 10 dunst_is false
ok $? "Stop puts dunst back: not paused"
wait_until 5 no_record
ok $? "the state file no longer has a silence record"

# ---- paused by hand before: still paused after ----
dunst_set_paused true
call Recharge ts 0 "" >/dev/null
wait_log "dunst was paused already"
ok $? "a pause by hand is noticed and left alone"
call Stop >/dev/null
wait_log "Recharge ended"
is "$(dunst_paused)" true "after the recharge dunst is still paused, as the user left it"
no_record
ok $? "nothing was recorded, since nothing was changed"
dunst_set_paused false

# ---- kill -9 during a recharge: the next start puts dunst back ----
end=$(($(date +%s%N) + 3000000000))
call Recharge ts $((3 * S)) "" >/dev/null
wait_until 10 dunst_is true
ok $? "a 3 s recharge pauses dunst"
daemon_stop KILL
is "$(dunst_paused)" true "after kill -9 dunst is still paused (nobody put it back)"
# Past the recharge's end, so that the next start has nothing left to hold.
past() { [ "$(date +%s%N)" -gt "$1" ]; }
wait_until 5 past "$end"
daemon_start || { tap_done; exit 1; }
wait_until 10 dunst_is false
ok $? "the next start, after the recharge's end, puts dunst back from the state file"
wait_until 5 no_record
ok $? "…and drops the record"

# ---- kill -9, restart while the recharge is still on: it stays held, then is put back ----
call Recharge ts 0 "" >/dev/null
wait_until 10 dunst_is true
daemon_stop KILL
: >"$LOG"
daemon_start || { tap_done; exit 1; }
wait_log "Holding other apps' notifications on dunst"
ok $? "restarted during the recharge, it holds dunst again"
is "$(dunst_paused)" true "…and dunst stays paused"
call Stop >/dev/null
wait_until 10 dunst_is false
ok $? "Stop puts dunst back to what the record said: not paused"

# ---- SIGTERM during a recharge puts dunst back before exiting ----
call Recharge ts 0 "" >/dev/null
wait_until 10 dunst_is true
daemon_stop TERM
is "$DAEMON_STATUS/$(dunst_paused)" "0/false" "SIGTERM during a recharge puts dunst back and exits 0"
no_record
ok $? "…leaving no record behind"
: >"$LOG"
daemon_start || { tap_done; exit 1; }
wait_log "Holding other apps' notifications on dunst"
ok $? "the next start holds dunst again (the manual recharge is still on)"

# ---- dunst restarted during a recharge: held again ----
dunst_stop
dunst_start
wait_until 10 dunst_is true
ok $? "a dunst restarted during the recharge is paused again"
call Stop >/dev/null
wait_until 10 dunst_is false
ok $? "…and put back at the end"

# ---- no dnd, or silencing off: dunst is left alone ----
cat >>"$CONF" <<EOF

[open]
type = recharge
start = $(clock_in 1)
duration = 2s
dnd = no
EOF
log_mark
call Reload >/dev/null
wait_log "Recharge started"
ok $? "a block with dnd = no starts"
settle
is "$(prop DoNotDisturb)/$(dunst_paused)" "false/false" "…and dunst is not paused (DoNotDisturb false)"
wait_log "Recharge ended"

silence_conf no
call Reload >/dev/null
call Recharge ts 0 "" >/dev/null
wait_log "Recharge started: manual"
settle
is "$(prop DoNotDisturb)/$(dunst_paused)" "true/false" "with silence-notifications = no, dunst is left alone"
call Stop >/dev/null

daemon_stop TERM
tap_done
