#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-actions.sh: Skip, Snooze, StartNow, Pause/Resume and Done on a live schedule: what
# each changes, what fires and what does not.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000
INF=18446744073709551615

write_conf() {
start=$((base + 5))
later=$((base + 3600))
cat >"$CONF" <<EOF
[general]
heads-up = 0

[skipped]
type = recharge
start = $(hms $start)
duration = 2s
message = Not today

[snoozed]
type = recharge
start = $(hms $start)
duration = 2s
message = A bit later

[later]
type = recharge
start = $(hms $later)
duration = 30min
dnd = no
message = Later on

[ping]
type = selfcare
at = $(hms $((base + 3)))
message = Drink water
EOF
}
monitor_start
daemon_start_armed write_conf || { tap_done; exit 1; }
mark

# ---- Skip and Snooze, both due at the same instant ----
call Skip s skipped >/dev/null
ok $? "Skip(skipped) is accepted"
is "$(eprop skipped NextStart)" $(((start + 86400) * S)) "the skipped entry's NextStart is tomorrow's"
grep -q " skipped schedule \"skipped\" $((start * S)) 2000000 " "$HISTORY"
ok $? "history: skipped, with the occurrence and its planned length"
call Snooze st snoozed $((3 * S)) >/dev/null
ok $? "Snooze(snoozed, 3 s) is accepted"
is "$(eprop snoozed NextStart) $(eprop snoozed NextEnd)" "$(((start + 3) * S)) $(((start + 5) * S))" \
   "the snoozed entry moved 3 s later, end and all"
grep -q '^override "snoozed"' "$STATE" && grep -q '^override "skipped"' "$STATE"
ok $? "the state file has both overrides (saved before the calls returned)"

r=$(wait_for '.member == "ReminderDue"' 8)
is "$(echo "$r" | jq -c .data)" '["ping","Drink water"]' "ReminderDue(entry, message) fires for a reminder"
call Done s ping >/dev/null
ok $? "Done(ping) after it was shown is accepted"
grep -q " reminder-done .*\"ping\"" "$HISTORY"
ok $? "history: reminder done"
is "$(busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short | jq '.data[0].RemindersDone.data')" 1 \
   "GetStats counts the reminder done"

s=$(wait_for '.member == "RechargeStarted"' 12)
is "$(echo "$s" | jq -c '.data[0:3]')" "[\"schedule\",\"snoozed\",$(((start + 5) * S))]" "the snoozed block starts, with its moved end"
[ "$(echo "$s" | jq .ts)" -ge $(((start + 3) * S)) ]
ok $? "…at its snoozed time, not before"
is "$(prop Since)" $(((start + 3) * S)) "Since is the snoozed start"
wait_for '.member == "RechargeEnded"' 6 >/dev/null
ok $? "the snoozed block ends"
is "$(signals_since_mark | jq -r 'select(.member == "RechargeStarted") | .data[1]' | tr '\n' ' ')" "snoozed " \
   "the skipped block never started"

# ---- StartNow ----
mark
t0=$(now_us)
call StartNow s later >/dev/null
ok $? "StartNow(later) is accepted"
s=$(wait_for '.member == "RechargeStarted"' 3)
is "$(echo "$s" | jq -c '.data[0:2]')" '["schedule","later"]' "it starts now"
since=$(prop Since)
[ "$since" -ge "$t0" ] && [ "$since" -le "$(now_us)" ]
ok $? "Since is the moment of the call"
is "$(echo "$s" | jq '.data[2]')" $((since + 1800 * S)) "…and keeps its length (30 min), not its planned end"
is "$(prop DoNotDisturb)" false "a block with dnd = no: DoNotDisturb false"
call Stop >/dev/null

# ---- Pause and Resume ----
mark
call Pause t 0 >/dev/null
ok $? "Pause(0) is accepted"
is "$(prop Mode)" paused "Mode is paused"
is "$(prop PausedUntil)" "$INF" "PausedUntil is UINT64_MAX until Resume"
grep -q "^paused [0-9]* $INF" "$STATE"
ok $? "the pause is in the state file"
call Recharge ts 0 "Manual while paused" >/dev/null
is "$(prop Mode)" recharging "a manual recharge still works while paused"
call Stop >/dev/null
is "$(prop Mode)" paused "…and after it, still paused"
call Resume >/dev/null
ok $? "Resume is accepted"
is "$(prop Mode) $(prop PausedUntil)" "available 0" "Mode available, PausedUntil 0 after Resume"
call Resume >/dev/null
ok $? "Resume when not paused is harmless"

mark
t0=$(now_us)
call Pause t $((2 * S)) >/dev/null
pu=$(prop PausedUntil)
[ "$pu" -ge $((t0 + 2 * S)) ] && [ "$pu" -le $(($(now_us) + 2 * S)) ]
ok $? "Pause(2 s): PausedUntil is 2 s from the call"
wait_prop Mode '"available"' 5
ok $? "the pause ends by itself (PropertiesChanged Mode = available)"
is "$(prop PausedUntil)" 0 "PausedUntil is 0 again"

# A block due while paused does not start.
daemon_stop
base=$(date +%s)
start=$((base + 3))
cat >"$CONF" <<EOF
[paused-out]
type = recharge
start = $(hms $start)
duration = 1s
EOF
daemon_start || { tap_done; exit 1; }
call Pause t $((5 * S)) >/dev/null
mark
WAIT_FLOOR=0 wait_for '.member == "RechargeStarted"' 4 >/dev/null
[ $? -ne 0 ]
ok $? "a block due during a pause does not start"
daemon_stop

# A status text with %left% counts down by itself (and only while it can change).
cat >"$CONF" <<'EOF'
[general]
status = Back in %left%: %message%
EOF
daemon_start || { tap_done; exit 1; }
call Recharge ts $((61 * S)) "Nap" >/dev/null
is "$(prop StatusText)" "Back in 2min: Nap" "%left% rounds up to whole minutes"
mark
wait_prop StatusText '"Back in 1min: Nap"' 4
ok $? "…and counts down when the minute turns, with PropertiesChanged"
call Stop >/dev/null
daemon_stop

tap_done
