#!/bin/bash
# SPDX-License-Identifier: MIT
# test-hooks.sh: the hooks' wiring in the real daemon: on-start and on-end run at a real block's
# start and end with the RECHARGED_* environment and their output in the daemon's log, and a
# hanging hook does not hold up the bus. What hooks do in every case (a message full of shell
# metacharacters, the detached process, hooks that fail, hang, leave their session or flood
# their output, the queue, configs others can write) is tested in-process, with the schedule's
# instants passed in: tests/test-hooks-inproc.c.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000
export HOOK_OUT="$T/hook-out"
mkdir -p "$HOOK_OUT"

# The hook: hangs for a recharge whose message is "hang", else records what it was given.
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
out=$HOOK_OUT/$RECHARGED_EVENT
if [ "$RECHARGED_EVENT:$RECHARGED_MESSAGE" = start:hang ]; then
        sleep 1000 &
        echo $! >"$HOOK_OUT/hang.child"
        wait
fi
printf '%s' "$RECHARGED_MESSAGE" >"$out.msg"
env | grep '^RECHARGED_' | grep -v '^RECHARGED_MESSAGE=' | sort >"$out.env"
echo "hook says hello"
: >"$out.done"
EOF
chmod +x "$T/hook.sh"

# wait_file PATH [SECONDS]: the hook's own files (the daemon logs nothing when a hook finishes).
wait_file() {
        local i
        for i in $(seq $((${2:-5} * 20))); do
                [ -e "$1" ] && return 0
                sleep 0.05
        done
        return 1
}

write_conf() {
block=$((base + 3))
cat >"$CONF" <<EOF
[general]
heads-up = 0
on-start = $T/hook.sh
on-end = $T/hook.sh
hook-timeout = 1s

[blk]
type = recharge
start = $(hms $block)
duration = 2s
message = Block message
EOF
chmod 0644 "$CONF"
}
daemon_start_armed write_conf || { tap_done; exit 1; }

# ---- a scheduled block: both hooks, with their environment ----
wait_file "$HOOK_OUT/start.done" 8
ok $? "on-start runs when the block starts"
is "$(cat "$HOOK_OUT/start.env" | tr '\n' ' ')" \
   "RECHARGED_ENTRY=blk RECHARGED_EVENT=start RECHARGED_SOURCE=schedule RECHARGED_UNTIL=$((block + 2)) " \
   "on-start: entry, event, source and the planned end in epoch seconds"
is "$(cat "$HOOK_OUT/start.msg")" "Block message" "on-start: RECHARGED_MESSAGE"
wait_file "$HOOK_OUT/end.done" 6
ok $? "on-end runs when the block ends"
is "$(cat "$HOOK_OUT/end.env" | tr '\n' ' ')" \
   "RECHARGED_ENTRY=blk RECHARGED_EVENT=end RECHARGED_HOW=completed RECHARGED_SOURCE=schedule RECHARGED_UNTIL=$((block + 2)) " \
   "on-end: the same, with event end and how it ended"
is "$(cat "$HOOK_OUT/end.msg")" "Block message" "on-end: RECHARGED_MESSAGE"
wait_log "Hook on-start: hook says hello" 3
ok $? "what the hook prints goes to the daemon's log"

# ---- a hook that hangs does not hold up the bus ----
log_mark
call Recharge ts $((3600 * S)) "hang" >/dev/null
wait_file "$HOOK_OUT/hang.child" 5
ok $? "a hanging hook is running"
ms=$(max_call_ms 5)
[ "$ms" -lt 1500 ]
ok $? "GetStatus answers while it hangs (slowest of 5: $ms ms)"
call Stop >/dev/null
ok $? "Stop is answered while it hangs"
wait_log "Hook on-start \('$T/hook.sh'\) still ran after 1 s: killed [0-9]+ process.*$(cat "$HOOK_OUT/hang.child") sleep" 6
ok $? "at the time limit it is killed, with the sleep it started"

daemon_stop
is "$DAEMON_STATUS" 0 "the daemon exits cleanly"
tap_done
