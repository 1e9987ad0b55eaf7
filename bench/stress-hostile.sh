#!/bin/bash
# SPDX-License-Identifier: MIT
# stress-hostile.sh: CLIENTS hostile clients for SECONDS seconds against recharged on a private
# bus (every method with bad or extreme arguments: unknown and overlong multibyte entry names,
# control characters, year-long durations, the heaviest Upcoming ranges accepted and refused,
# Reload), while an honest client times GetStatus. Prints: calls made, the daemon's crashes, its
# RSS before, at its peak during each storm, and once the storm's last call is answered, round
# after round (growth from round to round would be a leak; a plateau is what one call holds), and
# an honest client's GetStatus over one connection of its own (bench-bus method: median and p99,
# 2000 calls) quiet and during the storm, as ratios.
# Not a test: prints figures. Run from the build folder:
# ../bench/stress-hostile.sh [CLIENTS] [SECONDS] [ROUNDS]
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CLIENTS=${1:-20}
SECONDS_=${2:-30}
ROUNDS=${3:-3}
BENCH_BUS=$top_builddir/bench/bench-bus
[ -x "$BENCH_BUS" ] || make -C "$top_builddir" bench/bench-bus >/dev/null || exit 1
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

hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status"; }
# The peak resident size counts from here (proc(5), clear_refs).
hwm_reset() { echo 5 >"/proc/$DAEMON_PID/clear_refs"; }
# After this answer, every call sent before it has been answered: one connection, in order.
settle() { busctl --user call "$BUS" "$OBJ" "$IFACE" GetStatus >/dev/null; }

# honest N: the honest client's GetStatus over one connection of its own: "median p99" in ms.
honest() {
        "$BENCH_BUS" method "$1" "$DAEMON_PID" GetStatus |
                sed -n 's/.*median=\([0-9.]*\)ms p99=\([0-9.]*\)ms.*/\1 \2/p'
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

settle
quiet=$(honest 2000)
rss0=$(rss)
echo "RSS before: $rss0 kB"
alive=yes
storm_all=
for round in $(seq "$ROUNDS"); do
        hwm_reset
        pids=
        for i in $(seq "$CLIENTS"); do hostile & pids="$pids $!"; done
        sleep 2
        storm_all="$storm_all$(honest 2000)
"
        sleep "$SECONDS_"
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null
        # shellcheck disable=SC2086
        wait $pids 2>/dev/null # not a bare wait: the daemon is a child too
        raw=$(rss)
        kill -0 "$DAEMON_PID" 2>/dev/null || { alive=no; break; }
        settle
        echo "round $round: RSS at the kill $raw kB, peak $(hwm) kB, after the last answer $(rss) kB"
done
calls=$(cat "$T"/calls.* 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
echo "hostile clients: $CLIENTS for ${SECONDS_}s x $ROUNDS rounds; calls: $calls; daemon still running: $alive"
read -r qm qp <<<"$quiet"
echo "$storm_all" | awk -v qm="$qm" -v qp="$qp" 'NF == 2 {
        printf "honest GetStatus (own connection, 2000 calls): quiet median %.3f ms p99 %.3f ms; ", qm, qp
        printf "storm median %.3f ms p99 %.3f ms (%.1fx, %.1fx)\n", $1, $2, $1 / qm, $2 / qp }'
daemon_stop
