#!/bin/bash
# SPDX-License-Identifier: MIT
# test-hooks.sh: on-start and on-end: the RECHARGED_* environment, a message full of shell
# metacharacters reaching the hook verbatim with nothing else run, a detached process (own
# session, /dev/null stdin, none of the daemon's fds), hooks that fail, hang or flood their
# output without holding up the bus, and hooks refused for a config others can write.
#
# The time limit is 30 s by default; the config's hook-timeout makes it 2 s here.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000
export HOOK_OUT="$T/hook-out"
mkdir -p "$HOOK_OUT"

# The hook: what it does is chosen by $HOOK_OUT/mode, so one daemon serves every case.
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
out=$HOOK_OUT/$RECHARGED_EVENT
case $(cat "$HOOK_OUT/mode" 2>/dev/null) in
hang)
        echo $$ >"$HOOK_OUT/hang.pid"
        sleep 1000 &
        echo $! >"$HOOK_OUT/hang.child"
        wait
        ;;
flood)
        exec yes "flood line"
        ;;
fail)
        echo "something went wrong" >&2
        exit 3
        ;;
esac
printf '%s' "$RECHARGED_MESSAGE" >"$out.msg"
env | grep '^RECHARGED_' | grep -v '^RECHARGED_MESSAGE=' | sort >"$out.env"
readlink /proc/$$/fd/0 >"$out.stdin"
for f in /proc/$$/fd/*; do readlink "$f"; done >"$out.fds"
cut -d' ' -f6 /proc/$$/stat >"$out.sid"
echo "hook says hello"
: >"$out.done"
EOF
chmod +x "$T/hook.sh"

# wait_file PATH [SECONDS]
wait_file() {
        local i
        for i in $(seq $((${2:-5} * 20))); do
                [ -e "$1" ] && return 0
                sleep 0.05
        done
        return 1
}
# gone PID: the process has ended (a zombie that only init has yet to reap counts as ended).
gone() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

base=$(date +%s)
block=$((base + 4))
cat >"$CONF" <<EOF
[general]
heads-up = 0
on-start = $T/hook.sh
on-end = $T/hook.sh
hook-timeout = 2s

[blk]
type = recharge
start = $(hms $block)
duration = 2s
message = Block message
EOF
chmod 0644 "$CONF"
daemon_start || { tap_done; exit 1; }

# ---- a scheduled block: the environment of both hooks ----
wait_file "$HOOK_OUT/start.done" 8
ok $? "on-start runs when the block starts"
is "$(cat "$HOOK_OUT/start.env" | tr '\n' ' ')" \
   "RECHARGED_ENTRY=blk RECHARGED_EVENT=start RECHARGED_SOURCE=schedule RECHARGED_UNTIL=$((block + 2)) " \
   "on-start: entry, event, source and the planned end in epoch seconds (and none of the daemon's own RECHARGED_*)"
is "$(cat "$HOOK_OUT/start.msg")" "Block message" "on-start: RECHARGED_MESSAGE"
wait_file "$HOOK_OUT/end.done" 6
ok $? "on-end runs when the block ends"
is "$(cat "$HOOK_OUT/end.env" | tr '\n' ' ')" \
   "RECHARGED_ENTRY=blk RECHARGED_EVENT=end RECHARGED_HOW=completed RECHARGED_SOURCE=schedule RECHARGED_UNTIL=$((block + 2)) " \
   "on-end: the same, with event end and how it ended"
is "$(cat "$HOOK_OUT/end.msg")" "Block message" "on-end: RECHARGED_MESSAGE"

# ---- detached ----
is "$(cat "$HOOK_OUT/start.stdin")" /dev/null "the hook's stdin is /dev/null"
is "$(grep -cE '^(socket|anon_inode):' "$HOOK_OUT/start.fds")" 0 \
   "the hook inherits none of the daemon's sockets, timers or event fds"
pid=$(sed -n 's/.*Running hook on-start (pid \([0-9]*\)).*/\1/p' "$LOG" | head -1)
is "$(cat "$HOOK_OUT/start.sid")" "$pid" "the hook leads its own session"
[ "$pid" != "$(cut -d' ' -f6 /proc/$DAEMON_PID/stat)" ]
ok $? "…not the daemon's"
grep -q "Hook on-start: hook says hello" "$LOG"
ok $? "what the hook prints goes to the daemon's log"
wait_log "Hook on-end finished" 3
[ ! -e "/proc/$pid" ]
ok $? "the finished hook was reaped (no zombie left)"

# ---- a message full of shell metacharacters, from the bus ----
rm -f "$HOOK_OUT"/*
msg='$(touch '"$T"'/pwned1); `touch '"$T"'/pwned2`; "quotes" '\''single'\'' \\ ;|& $HOME * ~ > '"$T"'/pwned3	tabbed'
call Recharge ts $((3600 * S)) "$msg" >/dev/null
ok $? "Recharge with a message full of shell metacharacters is accepted"
until_s=$(($(prop Until) / S))
wait_file "$HOOK_OUT/start.done" 5
ok $? "on-start runs for the manual recharge"
[ "$(cat "$HOOK_OUT/start.msg"; echo x)" = "${msg}x" ]
ok $? "RECHARGED_MESSAGE is the message verbatim"
[ ! -e "$T/pwned1" ] && [ ! -e "$T/pwned2" ] && [ ! -e "$T/pwned3" ]
ok $? "…and nothing in it ran"
is "$(cat "$HOOK_OUT/start.env" | tr '\n' ' ')" \
   "RECHARGED_ENTRY= RECHARGED_EVENT=start RECHARGED_SOURCE=manual RECHARGED_UNTIL=$until_s " \
   "manual on-start: no entry, source manual, its end"
call Extend t $((600 * S)) >/dev/null
wait_file "$HOOK_OUT/changed.done" 5
ok $? "Extend runs on-start again, with RECHARGED_EVENT=changed"
is "$(grep RECHARGED_UNTIL "$HOOK_OUT/changed.env")" "RECHARGED_UNTIL=$((until_s + 600))" "…and the new end"
[ "$(cat "$HOOK_OUT/changed.msg"; echo x)" = "${msg}x" ]
ok $? "…and the message"
call Stop >/dev/null
wait_file "$HOOK_OUT/end.done" 5
[ "$(cat "$HOOK_OUT/end.msg"; echo x)" = "${msg}x" ]
ok $? "on-end of the manual recharge has its message too"
is "$(grep -c RECHARGED_HOW=stopped "$HOOK_OUT/end.env")" 1 "…and says it was stopped"

# ---- a hook that fails ----
echo fail >"$HOOK_OUT/mode"
log_mark
call Recharge ts $((3600 * S)) "fail" >/dev/null
wait_log "Hook on-start \('$T/hook.sh'\) failed with exit status 3" 5
ok $? "a failing hook is logged with its exit status"
grep -q "Hook on-start: something went wrong" "$LOG"
ok $? "…and its stderr is in the log"
is "$(prop Mode)" recharging "…and the recharge goes on"
call Stop >/dev/null
wait_log "Hook on-end \('$T/hook.sh'\) failed" 5

# ---- a hook that hangs ----
echo hang >"$HOOK_OUT/mode"
log_mark
call Recharge ts $((3600 * S)) "hang" >/dev/null
wait_file "$HOOK_OUT/hang.child" 5
ok $? "a hanging hook is running"
hang_pid=$(cat "$HOOK_OUT/hang.pid")
child_pid=$(cat "$HOOK_OUT/hang.child")
ms=$(max_call_ms 5)
[ "$ms" -lt 1000 ]
ok $? "GetStatus answers while it hangs (slowest of 5: $ms ms)"
call Stop >/dev/null
ok $? "Stop is answered while it hangs"
wait_log "Hook on-start \('$T/hook.sh'\) still ran after 2 s: killed it" 6
ok $? "after the time limit it is killed, and the log says so"
for i in $(seq 60); do [ ! -e "/proc/$hang_pid" ] && gone "$child_pid" && break; sleep 0.05; done
[ ! -e "/proc/$hang_pid" ]
ok $? "the hook's shell is gone, reaped"
gone "$child_pid"
ok $? "…and the process it started too (its whole group)"
wait_log "Hook on-end .* still ran after 2 s" 6

# ---- a hook that floods its output ----
echo flood >"$HOOK_OUT/mode"
log_mark
lines_before=$(wc -l <"$LOG")
call Recharge ts $((3600 * S)) "flood" >/dev/null
wait_log "Hook on-start printed more than 50 lines" 5
ok $? "a flooding hook: the log says the rest is not logged"
ms=$(max_call_ms 5)
[ "$ms" -lt 1000 ]
ok $? "GetStatus answers during the flood (slowest of 5: $ms ms)"
wait_log "Hook on-start .* still ran after 2 s" 6
ok $? "the flooding hook is killed at the time limit"
is "$(tail -n "+$lines_before" "$LOG" | grep -c "Hook on-start: flood line")" 50 "only 50 of its lines reach the log"
call Stop >/dev/null
wait_log "Hook on-end .* still ran after 2 s" 6
rm -f "$HOOK_OUT/mode"

# ---- refused when others can write the config ----
rm -f "$HOOK_OUT"/start.* "$HOOK_OUT"/end.*
chmod 0666 "$CONF"
log_mark
call Reload >/dev/null
call Recharge ts $((3600 * S)) "refused" >/dev/null
wait_log "Not running hook on-start: '$CONF' or its folder is writable by others than its owner" 3
ok $? "a config file writable by others: hooks are refused with a log line"
call Stop >/dev/null
wait_log "Not running hook on-end" 3
[ ! -e "$HOOK_OUT/start.done" ] && [ ! -e "$HOOK_OUT/end.done" ]
ok $? "…and they did not run"

chmod 0644 "$CONF"
chmod 0777 "$(dirname "$CONF")"
call Reload >/dev/null
n=$(grep -c "Not running hook on-start" "$LOG")
log_mark
call Recharge ts $((3600 * S)) "refused" >/dev/null
call Stop >/dev/null
wait_log "Not running hook on-end" 3
is "$(grep -c "Not running hook on-start" "$LOG")" $((n + 1)) "a config folder writable by others: refused as well"

chmod 0755 "$(dirname "$CONF")"
call Reload >/dev/null
call Recharge ts $((3600 * S)) "allowed again" >/dev/null
wait_file "$HOOK_OUT/start.done" 5
ok $? "made private again, hooks run after a reload"
call Stop >/dev/null
wait_file "$HOOK_OUT/end.done" 5

daemon_stop
is "$DAEMON_STATUS" 0 "the daemon exits cleanly"
tap_done
