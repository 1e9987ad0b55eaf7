#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-schedule.sh: the wiring of one real block, a few seconds ahead: its HeadsUp,
# RechargeStarted and RechargeEnded arrive on the bus on time with their arguments, the
# PropertiesChanged of the root and the entry object carry the new values, and the reminder the
# dnd block held comes after its end. What the manager decides at each boundary (the status
# values, which properties changed, the history and stats, a manual recharge inside a block,
# Extend, Stop, released reminders) is tested in-process with the instants passed in:
# tests/test-manager.c (test_block_boundaries, test_manual_in_block, test_stop_releases_held).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000
# on_time LATE_US: a signal came at its instant: never before it, and not a boundary or a minute
# later. How late within that is the machine's business (a loaded CI machine, a disk sync before
# the signal): bench/ measures it, a test must not.
on_time() { [ "$1" -ge 0 ] && [ "$1" -lt $((5 * S)) ]; }

# The heads-up 3 s after the Reload that arms the block, the start 2 s later, the end 2 s after
# that. Nothing is read live between the boundaries: every check reads the signals the monitor
# recorded, so a loaded machine only makes them later, never wrong.
write_block() {
start=$((base + 5))
cat >"$CONF" <<EOF
[general]
heads-up = 2s

[block]
type = recharge
start = $(hms $start)
duration = 2s
message = Quiet time

[water]
type = selfcare
at = $(hms $((start + 1)))
message = Drink water
EOF
}
monitor_start
mark
daemon_start_armed write_block || { tap_done; exit 1; }

is "$(prop NextEvent) $(prop NextEntry) $(prop NextEventTime)" "heads-up block $(((start - 2) * S))" \
   "the next event is the heads-up, 2 s before the block"
h=$(wait_for '.member == "HeadsUp"' 10)
is "$(echo "$h" | jq -c .data)" "[\"block\",$((start * S))]" "HeadsUp(entry, start) arrives"
late=$(( $(echo "$h" | jq .ts) - (start - 2) * S ))
on_time "$late"
ok $? "HeadsUp is on time (${late} µs after its instant)"

s=$(wait_for '.member == "RechargeStarted"' 10)
is "$(echo "$s" | jq -c .data)" "[\"schedule\",\"block\",$(((start + 2) * S)),\"Quiet time\"]" \
   "RechargeStarted(source, entry, until, message)"
late=$(( $(echo "$s" | jq .ts) - start * S ))
on_time "$late"
ok $? "RechargeStarted is on time (${late} µs after the configured instant)"

e=$(wait_for '.member == "RechargeEnded"' 15)
is "$(echo "$e" | jq -c .data)" '["schedule","block","completed"]' "RechargeEnded(source, entry, 'completed')"
late=$(( $(echo "$e" | jq .ts) - (start + 2) * S ))
on_time "$late"
ok $? "RechargeEnded is on time (${late} µs)"

# The root's PropertiesChanged between the start and the end, merged: the values of the block.
s_ts=$(echo "$s" | jq .ts)
e_ts=$(echo "$e" | jq .ts)
during=$(signals_since_mark | jq -s -c --argjson s "$s_ts" --argjson e "$e_ts" \
         "[.[] | select(.member == \"PropertiesChanged\" and .path == \"$OBJ\" and .ts >= \$s and .ts < \$e) | .data[1] | map_values(.data)] | add")
is "$(echo "$during" | jq -c '[.Mode, .Source, .Entry, .DoNotDisturb, .Message, .Since, .Until]')" \
   "[\"recharging\",\"schedule\",\"block\",true,\"Quiet time\",$((start * S)),$(((start + 2) * S))]" \
   "PropertiesChanged at the start: Mode, Source, Entry, DoNotDisturb, Message, Since, Until"
wait_prop Mode '"available"' 5
ok $? "PropertiesChanged at the end: Mode = available"
after=$(signals_since_mark | jq -s -c --argjson e "$e_ts" \
        "[.[] | select(.member == \"PropertiesChanged\" and .path == \"$OBJ\" and .ts >= \$e) | .data[1] | map_values(.data)] | add")
is "$(echo "$after" | jq -c '[.Source, .Entry, .Since, .Until, .DoNotDisturb]')" '["","",0,0,false]' \
   "…and the recharge properties cleared"
is "$(signals_since_mark | jq -c "select(.member == \"PropertiesChanged\" and .path == \"$(entry_path block)\") | .data[1].Active.data | select(. != null)" | tr '\n' ' ')" \
   "true false " "the entry object's PropertiesChanged: Active, then not"

r=$(wait_for '.member == "ReminderDue"' 5)
is "$(echo "$r" | jq -c .data)" '["water","Drink water"]' "the reminder due inside the dnd block comes at its end"
[ "$(echo "$r" | jq .ts)" -ge "$e_ts" ]
ok $? "…after the block ended, not at its own time"
is "$(count_signals ReminderDue)" 1 "…once"

daemon_stop
is "$DAEMON_STATUS" 0 "the daemon exits cleanly"
tap_done
