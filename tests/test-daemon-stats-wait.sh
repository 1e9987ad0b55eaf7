#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-stats-wait.sh: a GetStats that comes while the history has more than one piece
# (4 MiB) left to read is not answered by a read of unbounded size: it waits, the loop reads the
# rest while idle and serves other calls, and the answer is then the one a full read gives.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup
# GetStats' streak counts back from today over 366 days: a local midnight between two of the answers
# compared below moves it (364 kept days, then 363). In this zone it is 03:00-04:00 now.
export TZ=$(quiet_tz)

S=1000000
# history DAYS: DAYS days of a kept morning block and twelve reminders (one of them done), the
# last day ending before now; about 1.2 kB a day.
history() {
        awk -v days="$1" -v now="$(date +%s)" 'BEGIN {
                day0 = now - (days + 1) * 86400
                for (d = 0; d < days; d++) {
                        t = day0 + d * 86400
                        printf "%d000000 started schedule \"morning\" %d000000 2700000000 0\n", t, t
                        printf "%d000000 completed schedule \"morning\" %d000000 2700000000 2700000000\n", t + 2700, t
                        for (i = 0; i < 12; i++) {
                                r = t + 3600 + i * 1800
                                printf "%d000000 reminder-shown - \"stretch\" %d000000 0 0\n", r, r
                        }
                        printf "%d000000 reminder-done - \"stretch\" %d000000 0 0\n", r + 60, r
                }
        }'
}
# stats: GetStats(0) without the figures that move with the clock (Until, and Days' own dates).
stats() {
        busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short |
                jq -c '.data[0] | map_values(.data) | del(.Until, .Days)'
}

printf '[general]\nheads-up = 0\n\n[morning]\ntype = recharge\nstart = %s\nduration = 45min\n\n[stretch]\ntype = selfcare\nat = %s\n' \
        "$(clock_in 7200)" "$(clock_in 9000)" >"$CONF"
mkdir -p "$(dirname "$HISTORY")"
history 30 >"$HISTORY"
daemon_start || { tap_done; exit 1; }
small=$(stats)
is "$(echo "$small" | jq -c '[.Completed, .RemindersShown, .RemindersDone]')" "[30,360,30]" \
   "a month of history: GetStats counts it"

# ---- a history replaced by one of 14 years (about 6 MiB): the call waits for the read ----
history 5000 >"$T/big"
size=$(stat -c %s "$T/big")
[ "$size" -gt $((4 * 1024 * 1024)) ]
ok $? "the new history is over one piece ($size bytes)"
mv "$T/big" "$HISTORY"
log_mark
busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short >"$T/w1.json" 2>&1 &
w1=$!
busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short >"$T/w2.json" 2>&1 &
w2=$!
wait_log "GetStats waits for the history '.*' to be read"
ok $? "GetStats waits for the history to be read instead of reading it all in the call"
busctl --user call "$BUS" "$OBJ" "$IFACE" GetStatus >/dev/null
ok $? "…GetStatus is answered meanwhile"
wait "$w1"
st1=$?
wait "$w2"
st2=$?
is "$st1/$st2" "0/0" "…and both waiting GetStats calls are answered"
got1=$(jq -c '.data[0] | map_values(.data) | del(.Until, .Days)' "$T/w1.json")
got2=$(jq -c '.data[0] | map_values(.data) | del(.Until, .Days)' "$T/w2.json")
is "$(echo "$got1" | jq -c '[.Completed, .RemindersShown, .RemindersDone]')" "[5000,60000,5000]" \
   "…with the whole new history counted"
is "$got2" "$got1" "…the same answer to both"
is "$(stats)" "$got1" "…the same as a GetStats once the read is over"

daemon_stop
is "$DAEMON_STATUS" 0 "…the daemon whose calls waited exits cleanly (under the sanitizers: nothing leaked)"

# The reference: a daemon that reads the same file from its start.
daemon_start || { tap_done; exit 1; }
is "$(stats)" "$got1" "…and the same as a daemon started on that history"
kill -0 "$DAEMON_PID"
ok $? "the daemon runs on"
daemon_stop
is "$DAEMON_STATUS" 0 "…and exits cleanly (under the sanitizers: no leak of a call that waited)"
tap_done
