#!/bin/bash
# SPDX-License-Identifier: MIT
# stress-hostile.sh: CLIENTS hostile clients for SECONDS seconds against recharged on a private
# bus (every method with bad or extreme arguments: unknown and overlong multibyte entry names,
# control characters, year-long durations, the heaviest Upcoming ranges accepted and refused,
# Reload), while an honest client times GetStatus. Prints: calls made, the daemon's crashes, its
# RSS before and after, and the honest client's median GetStatus with the storm against without.
# Not a test: prints figures. Run from the build folder: ../bench/stress-hostile.sh [CLIENTS] [SECONDS]
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_builddir top_srcdir
# shellcheck source=../tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=../tests/lib/daemon.sh
. "$top_srcdir/tests/lib/daemon.sh"

CLIENTS=${1:-20}
SECONDS_=${2:-30}
test_setup
cat >"$CONF" <<'EOF'
[evening]
type = recharge
start = 21:00
duration = 1h

[dense]
type = selfcare
every = 1min
between = 00:00-23:59
EOF
daemon_start || exit 1
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }

# median_ms N: the median of N GetStatus round trips, in ms (busctl's own start-up included).
median_ms() {
        local i t0 t1
        for i in $(seq "$1"); do
                t0=$(date +%s%N)
                busctl --user call "$BUS" "$OBJ" "$IFACE" GetStatus >/dev/null
                t1=$(date +%s%N)
                echo $(((t1 - t0) / 1000))
        done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'
}

year=31622400000000
long=$(printf 'é%.0s' $(seq 40))x
hostile() {
        local n=0
        while :; do
                case $((RANDOM % 12)) in
                0) busctl --user call "$BUS" "$OBJ" "$IFACE" Skip s "$long" ;;
                1) busctl --user call "$BUS" "$OBJ" "$IFACE" Snooze st "$(printf 'x\033[2J\n')" 1 ;;
                2) busctl --user call "$BUS" "$OBJ" "$IFACE" Recharge ts $((year + 1)) "" ;;
                3) busctl --user call "$BUS" "$OBJ" "$IFACE" Recharge ts 1 "$(printf 'a\nb')" ;;
                4) busctl --user call "$BUS" "$OBJ" "$IFACE" Upcoming tt 1 $((year + 1)) ;;
                5) busctl --user call "$BUS" "$OBJ" "$IFACE" Upcoming tt 1000000 $((1000000 + year)) ;;
                6) busctl --user call "$BUS" "$OBJ" "$IFACE" Upcoming tt 0 $(( $(date +%s) * 1000000 + 60 * 86400000000 )) ;;
                7) busctl --user call "$BUS" "$OBJ" "$IFACE" Extend t $year ;;
                8) busctl --user call "$BUS" "$OBJ" "$IFACE" Done s dense ;;
                9) busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 18446744073709551615 ;;
                10) busctl --user call "$BUS" "$OBJ" "$IFACE" Reload ;;
                11) busctl --user call "$BUS" "$OBJ" "$IFACE" StartNow s evening ;;
                esac >/dev/null 2>&1
                n=$((n + 1))
                echo "$n" >"$T/calls.$BASHPID"
        done
}

quiet=$(median_ms 200)
rss0=$(rss)
pids=
for i in $(seq "$CLIENTS"); do hostile & pids="$pids $!"; done
sleep 2
storm=$(median_ms 200)
sleep "$SECONDS_"
# shellcheck disable=SC2086
kill $pids 2>/dev/null
# shellcheck disable=SC2086
wait $pids 2>/dev/null # not a bare wait: the daemon is a child too
calls=$(cat "$T"/calls.* 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
alive=yes
kill -0 "$DAEMON_PID" 2>/dev/null || alive=no
rss1=$(rss)
echo "hostile clients: $CLIENTS for ${SECONDS_}s + the timing; calls: $calls; daemon still running: $alive"
echo "RSS: $rss0 kB before, $rss1 kB after"
echo "honest GetStatus (busctl, median of 200): $quiet ms quiet, $storm ms during the storm ($(echo "scale=2; $storm / $quiet" | bc)x)"
daemon_stop
