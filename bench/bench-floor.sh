#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-floor.sh: recharged against the floors of bench-bare (issue 17), each pair in one run:
#  1. start-up, exec to the first GetStatus answered: recharged with no config (the built-in
#     default schedule) and with 16, 256 and 4096 entries (bench-daemon.sh's mix), each a first
#     start (no state file), against two floors: a bare sd-bus server, and the same server linked
#     against recharged's libraries (bench-bare-stack: GLib, GIO, libnotify and theirs, what
#     loading them costs); ROUNDS rounds taking turns; medians and ratios to both;
#  2. boundary lateness: BOUNDARIES one-second blocks in recharged against a bare program with
#     one timer and one signal per boundary, the two runs back to back; median, p99, max and
#     the ratio of medians;
#  3. the status bar's client: `rechargectl status --waybar` and `rechargectl status` against the
#     smallest sd-bus client (bench-bare client: open the bus, get one property), and against an
#     older build given as BEFORE=path/to/rechargectl: bench-client-floor.sh, CLIENT_RUNS rounds.
# BEFORE_RECHARGED=another build's daemon: its start-ups too, in the same rounds (before/after).
# Not a test: prints figures. From the build folder: ../bench/bench-floor.sh (make bench-floor).
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-5}
BOUNDARIES=${BOUNDARIES:-20}
SIZES=${SIZES:-16 256 4096}
CLIENT_RUNS=${CLIENT_RUNS:-500}
BENCH=$top_builddir/bench/bench-bus
BARE=$top_builddir/bench/bench-bare
STACK=$top_builddir/bench/bench-bare-stack
for p in "$BENCH" "$BARE" "$STACK"; do
        [ -x "$p" ] || make -C "$top_builddir" "bench/${p##*/}" >/dev/null || exit 1
done
test_setup

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# shellcheck source=mix.sh
. "$top_srcdir/bench/mix.sh"
# mix_config N: the benches' mix of N entries (bench/mix.sh), all of them.
mix_config() {
        printf '[general]\nheads-up = 10min\n'
        mix_entries 0 "$1"
}

echo "== start-up to the first GetStatus answered, ms ($ROUNDS rounds, taking turns)"
for n in $SIZES; do mix_config "$n" >"$T/conf$n"; done
first_answer() { sed -n 's/.*first GetStatus answered \([0-9.]*\) ms/\1/p'; }
rm -f "$CONF" # no config file at all: the built-in default schedule
# A start-up with a block on announces it, and saves the state before anyone (a GetStatus too)
# hears of it: a disk sync before the first answer, by design. The built-in default has blocks at
# 07:00 and 21:00 on weekdays, the mix of 16 between 00:00 and 06:00: the start-ups run in a zone
# where it is 13:xx, so that nothing is on and the figures do not depend on the hour of the run
# (at 256 entries and more some block is always on, whatever the hour).
off=$(((13 - 10#$(date -u +%H) + 24) % 24))
[ "$off" -gt 12 ] && off=$((off - 24))
if [ "$off" -ge 0 ]; then STARTUP_TZ=Etc/GMT-$off; else STARTUP_TZ=Etc/GMT+$((-off)); fi
echo "  (recharged in TZ=$STARTUP_TZ, where it is $(TZ=$STARTUP_TZ date +%H:%M): nothing of the default or the 16 on)"
for ((k = 0; k < ROUNDS; k++)); do
        "$BENCH" startup "$BARE" server 2>/dev/null | first_answer >>"$T/start.bare"
        "$BENCH" startup "$STACK" server 2>/dev/null | first_answer >>"$T/start.stack"
        for d in ${BEFORE_RECHARGED:+before} after; do
                [ "$d" = before ] && bin=$BEFORE_RECHARGED || bin=$RECHARGED
                rm -f "$STATE" "$HISTORY"
                TZ=$STARTUP_TZ "$BENCH" startup "$bin" 2>>"$LOG" | first_answer >>"$T/start.$d.none"
                for n in $SIZES; do
                        rm -f "$STATE" "$HISTORY"
                        TZ=$STARTUP_TZ "$BENCH" startup "$bin" --config "$T/conf$n" 2>>"$LOG" |
                                first_answer >>"$T/start.$d.$n"
                done
        done
done
bare=$(median <"$T/start.bare")
stack=$(median <"$T/start.stack")
printf '  %-28s %8s ms\n' "bare sd-bus server" "$bare"
printf '  %-28s %8s ms  %sx the bare server\n' "…linked as recharged is" "$stack" "$(ratio "$stack" "$bare")"
for d in ${BEFORE_RECHARGED:+before} after; do
        for n in none $SIZES; do
                m=$(median <"$T/start.$d.$n")
                [ "$n" = none ] && what="no config" || what="$n entries"
                [ -n "${BEFORE_RECHARGED:-}" ] && what="$what, $d"
                printf '  %-28s %8s ms  %sx the bare server, %sx linked as recharged is\n' "recharged, $what" "$m" \
                        "$(ratio "$m" "$bare")" "$(ratio "$m" "$stack")"
        done
done

echo "== boundary lateness: $BOUNDARIES boundaries each, RechargeStarted/RechargeEnded"
# instants FIRST N: N one-second blocks two seconds apart from FIRST (epoch s), as epoch µs.
instants() { local i; for ((i = 0; i < $2; i++)); do echo "$((($1 + 2 * i) * 1000000)) $((($1 + 2 * i + 1) * 1000000))"; done; }
late() { sed -n 's/.*median=\([0-9.]*\)ms p99=\([0-9.]*\)ms max=\([0-9.]*\)ms.*/\1 \2 \3/p'; }
n=$((BOUNDARIES / 2))
first=$(($(date +%s) + 4))
# recharged_boundaries FIRST: the run against the daemon; "median p99 max".
recharged_boundaries() {
        local i
        { printf '[general]\nheads-up = 0\n'
          for ((i = 0; i < n; i++)); do
                printf '[b%02d]\ntype = recharge\nstart = %s\nduration = 1s\ndnd = no\n' "$i" "$(date -u -d "@$(($1 + 2 * i))" +%H:%M:%S)"
          done; } >"$CONF"
        rm -f "$STATE" "$HISTORY"
        TZ=UTC daemon_start || exit 1
        # shellcheck disable=SC2046
        "$BENCH" boundaries "$BOUNDARIES" $(instants "$1" "$n") | late
        daemon_stop
}
read -r r_med r_p99 r_max < <(recharged_boundaries "$first")
# The same with the state folder on tmpfs: what the disk's syncs (the state is saved before the
# world hears, the history after) add to the lateness, against the daemon's own work.
shm=
if [ -d /dev/shm ] && shm=$(mktemp -d /dev/shm/bench-floor.XXXXXX); then
        disk_state=$XDG_STATE_HOME
        export XDG_STATE_HOME=$shm
        STATE=$shm/recharged/state HISTORY=$shm/recharged/history
        read -r s_med s_p99 s_max < <(recharged_boundaries "$(($(date +%s) + 3))")
        export XDG_STATE_HOME=$disk_state
        STATE=$disk_state/recharged/state HISTORY=$disk_state/recharged/history
        rm -rf "$shm"
fi
first=$(($(date +%s) + 3))
# shellcheck disable=SC2046
"$BARE" boundaries $(instants "$first" "$n") &
bare_pid=$!
# shellcheck disable=SC2046
read -r b_med b_p99 b_max < <("$BENCH" boundaries "$BOUNDARIES" $(instants "$first" "$n") | late)
wait "$bare_pid"
printf '  %-28s median %6s ms  p99 %6s ms  max %6s ms\n' "bare timer and signal" "$b_med" "$b_p99" "$b_max"
printf '  %-28s median %6s ms  p99 %6s ms  max %6s ms  (median %sx the bare program)\n' "recharged" \
        "$r_med" "$r_p99" "$r_max" "$(ratio "$r_med" "$b_med")"
[ -n "$shm" ] && printf '  %-28s median %6s ms  p99 %6s ms  max %6s ms  (median %sx the bare program)\n' \
        "recharged, state on tmpfs" "$s_med" "$s_p99" "$s_max" "$(ratio "$s_med" "$b_med")"

echo "== the status bar's client"
# Its own private bus and daemon; BEFORE= and CLIENT_TZ= pass through.
"$top_srcdir/bench/bench-client-floor.sh" "$CLIENT_RUNS"
