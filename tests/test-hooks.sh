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
setsid)
        # Escapes its process group twice: a child in a session of its own, and an orphan (its
        # parent gone at once) in another.
        setsid sleep 1000 &
        echo $! >"$HOOK_OUT/setsid.child"
        sh -c 'setsid sleep 1001 & echo $! >"$HOOK_OUT/setsid.orphan"'
        echo $$ >"$HOOK_OUT/setsid.pid"
        wait
        ;;
gate)
        # Held until the test opens the gate, so that the burst is all there at once.
        while [ ! -e "$HOOK_OUT/gate" ]; do sleep 0.05; done
        : >"$HOOK_OUT/ran.$RECHARGED_EVENT.$$"
        exit 0
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

write_conf() {
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
}
daemon_start_armed write_conf || { tap_done; exit 1; }

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
[ "$ms" -lt 1500 ]
ok $? "GetStatus answers while it hangs (slowest of 5: $ms ms)"
call Stop >/dev/null
ok $? "Stop is answered while it hangs"
wait_log "Hook on-start \('$T/hook.sh'\) still ran after 2 s: killed [0-9]+ process" 6
ok $? "after the time limit it is killed, and the log says so"
line=$(log_since_mark | grep -E -m1 "Hook on-start .* still ran after 2 s")
echo "$line" | grep -q "$child_pid sleep"
ok $? "…naming what it killed: the sleep it started ($child_pid)" || diag "$line"
for i in $(seq 400); do [ ! -e "/proc/$hang_pid" ] && gone "$child_pid" && break; sleep 0.05; done
[ ! -e "/proc/$hang_pid" ]
ok $? "the hook's shell is gone, reaped"
gone "$child_pid"
ok $? "…and the process it started too (its whole group)"
wait_log "Hook on-end .* still ran after 2 s" 6 >/dev/null

# ---- a hook whose children leave its session (setsid), one of them orphaned ----
echo setsid >"$HOOK_OUT/mode"
log_mark
call Recharge ts $((3600 * S)) "setsid" >/dev/null
wait_file "$HOOK_OUT/setsid.pid" 5
ok $? "a hook that starts setsid children is running"
sid_child=$(cat "$HOOK_OUT/setsid.child")
sid_orphan=$(cat "$HOOK_OUT/setsid.orphan")
hook_sid=$(log_since_mark | sed -n 's/.*Running hook on-start (pid \([0-9]*\)).*/\1/p' | head -1)
[ "$(cut -d' ' -f6 /proc/$sid_child/stat)" != "$hook_sid" ] && [ "$(cut -d' ' -f6 /proc/$sid_orphan/stat)" != "$hook_sid" ]
ok $? "…they left the hook's session"
wait_log_after_mark "Hook on-start .* still ran after 2 s: killed" 6
ok $? "at the time limit the log says what was killed"
line=$(log_since_mark | grep -E -m1 "Hook on-start .* still ran after 2 s: killed")
for i in $(seq 400); do gone "$sid_child" && gone "$sid_orphan" && break; sleep 0.05; done
gone "$sid_child"
ok $? "…the child in a session of its own is gone too"
gone "$sid_orphan"
ok $? "…and the orphan in another session"
echo "$line" | grep -q "$sid_child sleep" && echo "$line" | grep -q "$sid_orphan sleep"
ok $? "…and the log names both" || diag "$line"
log_mark
call Stop >/dev/null
wait_log_after_mark "Hook on-end .* still ran after 2 s" 6
for i in $(seq 400); do gone "$(cat "$HOOK_OUT/setsid.orphan")" && break; sleep 0.05; done
rm -f "$HOOK_OUT"/setsid.*

# ---- a burst: more hooks than may run at once wait their turn ----
# With a time limit the gated hooks cannot reach, whatever the machine's load.
sed -i 's/^hook-timeout = 2s$/hook-timeout = 60s/' "$CONF"
call Reload >/dev/null
echo gate >"$HOOK_OUT/mode"
log_mark
for i in 1 2 3 4 5; do
        call Recharge ts $((3600 * S)) "burst $i" >/dev/null
        call Stop >/dev/null
done
wait_log_after_mark "Hook on-end waits: 8 hooks are running already \(2 waiting\)" 10 >/dev/null
ok $? "a burst of 10 hooks: the two beyond the 8 running wait, and the log says so"
is "$(ls "$HOOK_OUT" | grep -c '^ran\.')" 0 "…while the 8 are held"
: >"$HOOK_OUT/gate"
for i in $(seq 400); do [ "$(ls "$HOOK_OUT" | grep -c '^ran\.')" -ge 10 ] && break; sleep 0.05; done
is "$(ls "$HOOK_OUT" | grep -c '^ran\.start\.') $(ls "$HOOK_OUT" | grep -c '^ran\.end\.')" "5 5" \
   "…once the gate opens, all 10 ran: 5 on-start, 5 on-end"
log_since_mark | grep -q "Not running hook"
[ $? -ne 0 ]
ok $? "…none was dropped"
rm -f "$HOOK_OUT"/ran.* "$HOOK_OUT/gate" "$HOOK_OUT/mode"
sed -i 's/^hook-timeout = 60s$/hook-timeout = 2s/' "$CONF"
call Reload >/dev/null

# ---- a hook that floods its output ----
echo flood >"$HOOK_OUT/mode"
log_mark
lines_before=$(wc -l <"$LOG")
call Recharge ts $((3600 * S)) "flood" >/dev/null
wait_log "Hook on-start printed more than 50 lines" 5
ok $? "a flooding hook: the log says the rest is not logged"
ms=$(max_call_ms 5)
[ "$ms" -lt 1500 ]
ok $? "GetStatus answers during the flood (slowest of 5: $ms ms)"
wait_log "Hook on-start .* still ran after 2 s" 6
ok $? "the flooding hook is killed at the time limit"
is "$(tail -n "+$lines_before" "$LOG" | grep -c "Hook on-start: flood line")" 50 "only 50 of its lines reach the log"
log_mark
call Stop >/dev/null
wait_log_after_mark "Hook on-end .* still ran after 2 s" 6 >/dev/null
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

# A config that is a symlink into a folder anyone can write: the file is ours and 0644, the
# symlink's folder is private, but the file can be replaced through its folder.
# refused_after_reload DESCRIPTION CULPRIT: one Recharge and Stop, both hooks refused naming CULPRIT.
refused_after_reload() {
        rm -f "$HOOK_OUT"/start.* "$HOOK_OUT"/end.*
        call Reload >/dev/null
        log_mark
        call Recharge ts $((3600 * S)) "refused" >/dev/null
        wait_log_after_mark "Not running hook on-start: '$CONF' can be written or replaced by others than you \(through '$2'\)" 3 >/dev/null
        ok $? "$1: hooks are refused, naming '$2'"
        call Stop >/dev/null
        wait_log_after_mark "Not running hook on-end" 3 >/dev/null
        [ ! -e "$HOOK_OUT/start.done" ] && [ ! -e "$HOOK_OUT/end.done" ]
        ok $? "…and they did not run"
}
cp "$CONF" "$T/conf.private"
mkdir -m 0777 "$T/anyone"
chmod 0777 "$T/anyone"
mv "$CONF" "$T/anyone/recharged.conf"
ln -s "$T/anyone/recharged.conf" "$CONF"
refused_after_reload "a config symlinked into a 0777 folder" "$T/anyone"

mkdir -m 1777 "$T/sticky"
chmod 1777 "$T/sticky"
mv "$T/anyone/recharged.conf" "$T/sticky/recharged.conf"
ln -sf "$T/sticky/recharged.conf" "$CONF"
refused_after_reload "a config symlinked into a sticky 1777 folder (like /tmp)" "$T/sticky"

# A private file in a private folder, below a folder anyone can write (not sticky).
mkdir -m 0700 "$T/anyone/mine"
mv "$T/sticky/recharged.conf" "$T/anyone/mine/recharged.conf"
ln -sf "$T/anyone/mine/recharged.conf" "$CONF"
refused_after_reload "a config in a private folder below a 0777 one" "$T/anyone"

# The config folder's parent writable by all: the config folder itself can be swapped.
rm "$CONF"
cp "$T/conf.private" "$CONF"
chmod 0777 "$T/config"
refused_after_reload "the folder above the config's writable by all" "$T/config"
chmod 0755 "$T/config"

call Reload >/dev/null
call Recharge ts $((3600 * S)) "allowed again" >/dev/null
wait_file "$HOOK_OUT/start.done" 5
ok $? "made private again, hooks run after a reload"
call Stop >/dev/null
wait_file "$HOOK_OUT/end.done" 5

daemon_stop
is "$DAEMON_STATUS" 0 "the daemon exits cleanly"
tap_done
