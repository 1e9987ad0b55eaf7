#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-daemon.sh: recharged's running costs on a private bus: start-up, idle wake-ups and CPU,
# memory before and after 10 000 calls, GetStatus latency as a ratio to the bus's own GetId (and
# to Workrave's GetOperationMode when Workrave is installed), how late boundary signals come,
# curves over the schedule's size (10, 100, 1000, 4096 entries: check-config, start-up to the
# first answered call, Reload, ListEntries, Upcoming of a week, the CPU of one boundary), and an
# honest client's GetStatus while another repeats the heaviest Upcoming, accepted and refused.
# Not a test: prints figures. Run from the build directory: ../bench/bench-daemon.sh
# IDLE_SECONDS (default 60), BOUNDARIES (default 50) and CURVE_SIZES (default "10 100 1000 4096")
# shorten it, CURVES_ONLY=1 runs the curves alone; RECHARGED and RECHARGECTL measure other builds with this build's tools.
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BENCH=${BENCH:-$top_builddir/bench/bench-bus}
[ -x "$BENCH" ] || { echo "build it first: make bench/bench-bus" >&2; exit 2; }
IDLE_SECONDS=${IDLE_SECONDS:-60}
BOUNDARIES=${BOUNDARIES:-50}
CURVE_SIZES=${CURVE_SIZES:-10 100 1000 4096}

test_setup
# Everything this script starts in the background runs in a process group of its own (setsid),
# and the whole group goes at exit: xvfb-run's Xvfb and Workrave, the churn loops, the abusers.
GROUPS_STARTED=
bench_cleanup() {
        local g
        for g in $GROUPS_STARTED; do
                kill -- "-$g" 2>/dev/null
        done
        cleanup
}
trap bench_cleanup EXIT
# in_group CMD…: CMD in the background in a new process group; its id is in $GROUP.
in_group() {
        setsid "$@" &
        GROUP=$!
        GROUPS_STARTED="$GROUPS_STARTED $GROUP"
}
stop_group() {
        kill -- "-$1" 2>/dev/null
        wait "$1" 2>/dev/null
}
ctx() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { s += $2 } END { print s }' "/proc/$DAEMON_PID/status"; }
cpu() { awk '{ print $1 }' "/proc/$DAEMON_PID/schedstat"; }
# CURVES_ONLY=1: only the schedule-size curves (the sections before and after them are skipped).
if [ -z "${CURVES_ONLY:-}" ]; then
echo "== start-up (5 runs)"
printf '[general]\nheads-up = 10min\n' >"$CONF"
for _ in 1 2 3 4 5; do
        "$BENCH" startup "$RECHARGED" --config "$CONF" 2>>"$LOG"
done

echo "== idle ${IDLE_SECONDS}s, default schedule"
cp "$top_builddir/recharged.conf.example" "$CONF" 2>/dev/null || printf '[general]\n' >"$CONF"
daemon_start || exit 1
sleep 1
# Context switches and CPU over a window with nothing attached (strace's attaching is itself
# a handful of context switches), then the syscalls over a second window under strace.
c0=$(ctx) u0=$(cpu)
sleep "$IDLE_SECONDS"
c1=$(ctx) u1=$(cpu)
echo "context switches: $((c1 - c0)); CPU: $(((u1 - u0) / 1000)) µs over ${IDLE_SECONDS}s"
if command -v strace >/dev/null; then
        timeout "$IDLE_SECONDS" strace -f -c -o "$T/strace.txt" -p "$DAEMON_PID" 2>/dev/null
        # strace prints no total line when there was no syscall at all.
        sc=$(awk '/total/ { print $4 }' "$T/strace.txt")
        echo "syscalls over another ${IDLE_SECONDS}s (strace -c): ${sc:-0}"
else
        echo "syscalls: strace not installed"
fi

echo "== memory and GetStatus latency"
pss() { awk '/^Pss:/ { print $2 }' "/proc/$DAEMON_PID/smaps_rollup"; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
echo "after start: RSS $(rss) kB, PSS $(pss) kB"
# GetId and GetStatus in turn, so the ratio is of calls made side by side.
"$BENCH" calls 10000 org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId "$BUS" "$OBJ" "$IFACE" GetStatus |
        tee "$T/both.txt"
grep '^GetId:' "$T/both.txt" >"$T/getid.txt"
grep '^GetStatus:' "$T/both.txt" >"$T/getstatus.txt"
echo "after 10 100 GetStatus calls: RSS $(rss) kB, PSS $(pss) kB"
"$BENCH" calls 10000 "$BUS" "$OBJ" "$IFACE" GetStatus >/dev/null
echo "after 20 200 GetStatus calls: RSS $(rss) kB, PSS $(pss) kB"
median() { sed -n 's/.*median=\([0-9.]*\).*/\1/p' "$1"; }
p99() { sed -n 's/.*p99=\([0-9.]*\).*/\1/p' "$1"; }
awk -v a="$(median "$T/getstatus.txt")" -v b="$(median "$T/getid.txt")" -v c="$(p99 "$T/getstatus.txt")" -v d="$(p99 "$T/getid.txt")" \
        'BEGIN { printf "GetStatus / GetId: median %.2fx, p99 %.2fx\n", a / b, c / d }'

if command -v workrave >/dev/null && command -v xvfb-run >/dev/null; then
        echo "== Workrave GetOperationMode, same bus, same run"
        in_group xvfb-run -a workrave >"$T/workrave.log" 2>&1
        wr_group=$GROUP
        if gdbus wait --session org.workrave.Workrave --timeout 30 >/dev/null 2>&1; then
                sleep 2
                "$BENCH" calls 10000 org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId \
                        "$BUS" "$OBJ" "$IFACE" GetStatus \
                        org.workrave.Workrave /org/workrave/Workrave/Core org.workrave.CoreInterface GetOperationMode
        else
                echo "workrave did not come up on the bus; skipped"
        fi
        stop_group "$wr_group"
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
in_group /usr/bin/python3 "$top_srcdir/tests/lib/notify-hang.py" >/dev/null 2>&1
hang_group=$GROUP
gdbus wait --session org.freedesktop.Notifications --timeout 10 >/dev/null 2>&1
churn & churn_pid=$!
"$BENCH" calls 3000 "$BUS" "$OBJ" "$IFACE" GetStatus | sed 's/^/stuck server: /' | tee "$T/stuck.txt"
wait "$churn_pid"
stop_group "$hang_group"
awk -v a="$(median "$T/stuck.txt")" -v b="$(median "$T/getstatus.txt")" -v c="$(median "$T/none.txt")" \
        'BEGIN { printf "median GetStatus, as a ratio to the idle daemon: no server %.2fx, stuck server %.2fx\n", c / b, a / b }'
daemon_stop

echo "== boundary accuracy: $BOUNDARIES boundaries"
# Blocks of one second, two seconds apart, starting a few seconds from now; each signal is
# measured against its own boundary, so lateness of seconds shows as seconds.
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

fi

# shellcheck source=mix.sh
. "$top_srcdir/bench/mix.sh"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | head -1; }

echo "== schedule-size curves: $CURVE_SIZES entries"
declare -A R
for n in $CURVE_SIZES; do
        boundary=$(($(date +%s) + 3600)) # out of the way; moved close for the boundary below
        gen_config "$n" "$boundary" >"$CONF"
        R[check,$n]=$("$BENCH" run 5 "$RECHARGECTL" check-config "$CONF" | field best)
        best=
        for _ in 1 2 3; do
                rm -f "$STATE" "$HISTORY"
                v=$("$BENCH" startup "$RECHARGED" --config "$CONF" 2>>"$LOG" | sed -n 's/.*first GetStatus answered \([0-9.]*\) ms/\1/p')
                best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (a == "" || b < a) ? b : a }')
        done
        R[startup,$n]=$best
        rm -f "$STATE" "$HISTORY"
        daemon_start || exit 1
        out=$("$BENCH" method 20 "$DAEMON_PID" ListEntries)
        R[list,$n]=$(field median <<<"$out") R[listcpu,$n]=$(field cpu <<<"$out")
        out=$("$BENCH" method 20 "$DAEMON_PID" Upcoming 0 604800)
        R[week,$n]=$(field median <<<"$out") R[weekcpu,$n]=$(field cpu <<<"$out")
        out=$("$BENCH" method 5 "$DAEMON_PID" Reload)
        R[reload,$n]=$(field median <<<"$out") R[reloadcpu,$n]=$(field cpu <<<"$out")
        # One boundary: the block of entry 0 moved to a few seconds from now, then the daemon's
        # CPU from just before it starts to after it has ended (two boundaries), halved.
        boundary=$(($(date +%s) + 4))
        gen_config "$n" "$boundary" >"$CONF"
        busctl --user call "$BUS" "$OBJ" "$IFACE" Reload >/dev/null
        c0=$(cpu)
        out=$("$BENCH" boundaries 2 "$((boundary * 1000000))" "$(((boundary + 1) * 1000000))")
        sleep 0.5 # what the daemon does after the signal (saves, other listeners)
        c1=$(cpu)
        R[bcpu,$n]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) / 2e6 }')
        R[blate,$n]=$(field max <<<"$out")
        daemon_stop
done

# Each figure, its ratio to the 10-entry one per entry (1.0x: linear), and the growth exponent
# from 1000 to 4096 entries (1.0: linear, 2.0: quadratic; fixed costs pull it below 1).
printf '%-34s' "entries:"
for n in $CURVE_SIZES; do printf '%10s' "$n"; done
printf '%12s\n' "exp 1k→4k"
row() {
        local key=$1 what=$2 n first="" v
        printf '%-34s' "$what"
        for n in $CURVE_SIZES; do printf '%10s' "${R[$key,$n]}"; done
        if [ -n "${R[$key,1000]:-}" ] && [ -n "${R[$key,4096]:-}" ]; then
                awk -v a="${R[$key,1000]}" -v b="${R[$key,4096]}" 'BEGIN { if (a > 0 && b > 0) printf "%12.2f", log(b / a) / log(4.096) }'
        fi
        printf '\n%-34s' "  per entry, ratio to 10"
        for n in $CURVE_SIZES; do
                v=${R[$key,$n]}
                [ -z "$first" ] && first=$(awk -v v="$v" -v n="$n" 'BEGIN { print v / n }')
                awk -v v="$v" -v n="$n" -v f="$first" 'BEGIN { if (f > 0) printf "%9.2fx", v / n / f; else printf "%10s", "-" }'
        done
        printf '\n'
}
row check "check-config, ms (best of 5)"
row startup "start-up to first answer, ms"
row reload "Reload, ms"
row reloadcpu "Reload, daemon CPU ms"
row list "ListEntries, ms"
row listcpu "ListEntries, daemon CPU ms"
row week "Upcoming of a week, ms"
row weekcpu "Upcoming of a week, daemon CPU ms"
row bcpu "one boundary, daemon CPU ms"
row blate "boundary signal lateness, max ms"

[ -n "${CURVES_ONLY:-}" ] && exit 0
echo "== an honest client's GetStatus while another repeats the heaviest Upcoming (1000 entries)"
gen_config 1000 "$(($(date +%s) + 3600))" >"$CONF"
rm -f "$STATE" "$HISTORY"
daemon_start || exit 1
"$BENCH" calls 2000 "$BUS" "$OBJ" "$IFACE" GetStatus | sed 's/^/quiet: /' | tee "$T/quiet.txt"
# 28 days is about 91 000 events here, under the 100 000 cap: the heaviest call accepted.
for what in "accepted 0 2419200" "refused 0 31536000"; do
        set -- $what
        "$BENCH" method 20 "$DAEMON_PID" Upcoming "$2" "$3" | sed "s/^/$1, alone: /"
        in_group "$BENCH" method 1000000 "$DAEMON_PID" Upcoming "$2" "$3" >/dev/null 2>&1
        abuser=$GROUP
        sleep 1
        "$BENCH" calls 2000 "$BUS" "$OBJ" "$IFACE" GetStatus | sed "s/^/beside $1 Upcoming: /" | tee "$T/$1.txt"
        stop_group "$abuser"
        awk -v a="$(median "$T/$1.txt")" -v b="$(median "$T/quiet.txt")" -v c="$(p99 "$T/$1.txt")" -v d="$(p99 "$T/quiet.txt")" \
                'BEGIN { printf "GetStatus beside a client repeating the %s Upcoming / quiet: median %.2fx, p99 %.2fx\n", "'"$1"'", a / b, c / d }'
done
daemon_stop
