#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-daemon.sh: recharged's running costs on a private bus: start-up, idle wake-ups and CPU,
# memory before and after 10 000 calls, GetStatus latency as a ratio to the bus's own GetId (and
# to Workrave's GetOperationMode when Workrave is installed), and how late boundary signals come.
# Not a test: prints figures. Run from the build directory: ../bench/bench-daemon.sh
# IDLE_SECONDS (default 60) and BOUNDARIES (default 50) shorten it.
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_builddir top_srcdir
# shellcheck source=../tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=../tests/lib/daemon.sh
. "$top_srcdir/tests/lib/daemon.sh"

BENCH=$top_builddir/bench/bench-bus
[ -x "$BENCH" ] || { echo "build it first: make bench/bench-bus" >&2; exit 2; }
IDLE_SECONDS=${IDLE_SECONDS:-60}
BOUNDARIES=${BOUNDARIES:-50}

test_setup
echo "== start-up (5 runs)"
printf '[general]\nheads-up = 10min\n' >"$CONF"
for _ in 1 2 3 4 5; do
        "$BENCH" startup "$RECHARGED" --config "$CONF" 2>>"$LOG"
done

echo "== idle ${IDLE_SECONDS}s, default schedule"
cp "$top_builddir/recharged.conf.example" "$CONF" 2>/dev/null || printf '[general]\n' >"$CONF"
daemon_start || exit 1
sleep 1
ctx() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { s += $2 } END { print s }' "/proc/$DAEMON_PID/status"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
c0=$(ctx) u0=$(cpu)
if command -v strace >/dev/null; then
        timeout "$IDLE_SECONDS" strace -f -c -o "$T/strace.txt" -p "$DAEMON_PID" 2>/dev/null
        syscalls=$(awk '/total/ { print $4 }' "$T/strace.txt")
else
        sleep "$IDLE_SECONDS"
        syscalls="(strace not installed)"
fi
c1=$(ctx) u1=$(cpu)
echo "context switches: $((c1 - c0)); CPU ticks: $((u1 - u0)); syscalls (strace -c): ${syscalls:-0}"

echo "== memory and GetStatus latency"
pss() { awk '/^Pss:/ { print $2 }' "/proc/$DAEMON_PID/smaps_rollup"; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
echo "after start: RSS $(rss) kB, PSS $(pss) kB"
"$BENCH" calls 10000 org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId | tee "$T/getid.txt"
"$BENCH" calls 10000 "$BUS" "$OBJ" "$IFACE" GetStatus | tee "$T/getstatus.txt"
echo "after 10 100 GetStatus calls: RSS $(rss) kB, PSS $(pss) kB"
"$BENCH" calls 10000 "$BUS" "$OBJ" "$IFACE" GetStatus >/dev/null
echo "after 20 200 GetStatus calls: RSS $(rss) kB, PSS $(pss) kB"
median() { sed -n 's/.*median=\([0-9.]*\).*/\1/p' "$1"; }
p99() { sed -n 's/.*p99=\([0-9.]*\).*/\1/p' "$1"; }
awk -v a="$(median "$T/getstatus.txt")" -v b="$(median "$T/getid.txt")" -v c="$(p99 "$T/getstatus.txt")" -v d="$(p99 "$T/getid.txt")" \
        'BEGIN { printf "GetStatus / GetId: median %.2fx, p99 %.2fx\n", a / b, c / d }'

if command -v workrave >/dev/null && command -v xvfb-run >/dev/null; then
        echo "== Workrave GetOperationMode, same bus, same run"
        xvfb-run -a workrave >"$T/workrave.log" 2>&1 &
        EXTRA_PIDS="$EXTRA_PIDS $!"
        if gdbus wait --session org.workrave.Workrave --timeout 30 >/dev/null 2>&1; then
                sleep 2
                "$BENCH" calls 10000 org.workrave.Workrave /org/workrave/Workrave/Core org.workrave.CoreInterface GetOperationMode |
                        tee "$T/workrave.txt"
                awk -v a="$(median "$T/workrave.txt")" -v b="$(median "$T/getid.txt")" -v c="$(median "$T/getstatus.txt")" \
                        'BEGIN { printf "GetOperationMode / GetId: median %.2fx; GetStatus / GetOperationMode: %.2fx\n", a / b, c / a }'
        else
                echo "workrave did not come up on the bus; skipped"
        fi
else
        echo "== Workrave not installed (apt-get install workrave): comparison skipped"
fi
daemon_stop

echo "== GetStatus while notifications go nowhere: no server, then a server that never answers"
# Each Recharge/Stop pair sends two notifications; the calls must not wait for them.
printf '[general]\nheads-up = 0\n' >"$CONF"
daemon_start || exit 1
churn() {
        for _ in $(seq 200); do
                busctl --user call "$BUS" "$OBJ" "$IFACE" Recharge ts 60000000 "bench" >/dev/null 2>&1
                busctl --user call "$BUS" "$OBJ" "$IFACE" Stop >/dev/null 2>&1
        done
}
churn & churn_pid=$!
"$BENCH" calls 3000 "$BUS" "$OBJ" "$IFACE" GetStatus | sed 's/^/no server: /' | tee "$T/none.txt"
wait "$churn_pid"
/usr/bin/python3 "$top_srcdir/tests/lib/notify-hang.py" >/dev/null 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
gdbus wait --session org.freedesktop.Notifications --timeout 10 >/dev/null 2>&1
churn & churn_pid=$!
"$BENCH" calls 3000 "$BUS" "$OBJ" "$IFACE" GetStatus | sed 's/^/stuck server: /' | tee "$T/stuck.txt"
wait "$churn_pid"
awk -v a="$(median "$T/stuck.txt")" -v b="$(median "$T/getstatus.txt")" -v c="$(median "$T/none.txt")" \
        'BEGIN { printf "median GetStatus, as a ratio to the idle daemon: no server %.2fx, stuck server %.2fx\n", c / b, a / b }'
daemon_stop

echo "== boundary accuracy: $BOUNDARIES boundaries"
# Blocks of one second, two seconds apart, starting a few seconds from now.
n=$((BOUNDARIES / 2))
first=$(($(date +%s) + 5))
: >"$CONF"
times=()
for i in $(seq 0 $((n - 1))); do
        s=$((first + 2 * i))
        printf '[b%02d]\ntype = recharge\nstart = %s\nduration = 1s\ndnd = no\n' "$i" "$(date -u -d "@$s" +%H:%M:%S)" >>"$CONF"
        times+=("$((s * 1000000))" "$(((s + 1) * 1000000))")
done
sed -i '1i [general]\nheads-up = 0' "$CONF"
daemon_start || exit 1
"$BENCH" boundaries "$((2 * n))" "${times[@]}"
daemon_stop
