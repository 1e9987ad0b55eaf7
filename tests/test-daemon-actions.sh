#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-actions.sh: Skip, Snooze, StartNow, Pause and Resume called on the real daemon with
# its own clock: the wiring from the method to the schedule. What each does as time goes by (a
# snoozed block starting at its new time, a pause running out, %left% counting down, a block due
# during a pause) is tests/test-bus.c, in-process with time passed in.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000
INF=18446744073709551615
# accepted METHOD SIGNATURE ARGS...: the call's own exit status (call pipes through jq).
accepted() { busctl --user call "$BUS" "$OBJ" "$IFACE" "$@" >/dev/null; }

# Two hours ahead: nothing falls due while the test runs, whatever the machine's load; `later`
# half an hour ahead, where StartNow is allowed (from an hour before on).
start=$(($(date +%s) + 7200))
later=$(($(date +%s) + 1800))
cat >"$CONF" <<EOF2
[skipped]
type = recharge
start = $(hms $start)
duration = 30min

[snoozed]
type = recharge
start = $(hms $start)
duration = 30min

[later]
type = recharge
start = $(hms $later)
duration = 30min
dnd = no
EOF2
daemon_start || { tap_done; exit 1; }
monitor_start

accepted Skip s skipped
ok $? "Skip(skipped) is accepted"
is "$(eprop skipped NextStart)" $(((start + 86400) * S)) "the skipped entry's NextStart is tomorrow's"
accepted Snooze st snoozed $((600 * S))
ok $? "Snooze(snoozed, 10 min) is accepted"
is "$(eprop snoozed NextStart) $(eprop snoozed NextEnd)" "$(((start + 600) * S)) $(((start + 2400) * S))" \
   "the snoozed entry moved 10 min later, end and all"

mark
t0=$(now_us)
accepted StartNow s later
ok $? "StartNow(later) is accepted"
s=$(wait_for '.member == "RechargeStarted"' 3)
is "$(echo "$s" | jq -c '.data[0:2]')" '["schedule","later"]' "it starts now"
since=$(prop Since)
[ "$since" -ge "$t0" ] && [ "$since" -le "$(now_us)" ]
ok $? "Since is the daemon's clock at the call"
is "$(echo "$s" | jq '.data[2]')" $((since + 1800 * S)) "…and it keeps its length (30 min)"
call Stop >/dev/null

accepted Pause t 0
ok $? "Pause(0) is accepted"
is "$(prop Mode) $(prop PausedUntil)" "paused $INF" "Mode paused, PausedUntil UINT64_MAX until Resume"
accepted Resume
ok $? "Resume is accepted"
is "$(prop Mode) $(prop PausedUntil)" "available 0" "Mode available, PausedUntil 0 after Resume"
daemon_stop

tap_done
