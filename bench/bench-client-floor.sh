#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-client-floor.sh: the status bar's client against the floor for a client on sd-bus (issue
# 17, "The client"): `rechargectl status --waybar` and `rechargectl status` against bench-bare's
# client (sd_bus_open_user() and one sd_bus_get_property_string(): the smallest sd-bus client),
# on a private bus with the real daemon and the built-in default schedule.
#
#   bench/bench-client-floor.sh [ROUNDS]     (default 1000; from the build folder, or set top_builddir)
#
# bench-client-turns runs each command once per round, in turn, the order turning each round
# (no shell in between); per command the median wall time, its ratio to the floor's, the median of
# the rounds' ratios and the median CPU time. A difference of 1 % is about 15 µs here: read the
# ratios of one run, never figures from two runs, and repeat a run before believing 0.01.
#   BEFORE=path/to/rechargectl   an older build's two commands in the same rounds
#   CLIENT_TZ=zone               the clients' zone (default Europe/Berlin, a zone with rules and
#                                a 2 KB file; the daemon stays in the tests' UTC)
#   chrt -f 1 bench/bench-client-floor.sh   steadier on a loaded machine (as root)
# Not a test: prints figures.
rounds=${1:-1000}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
BARE=$top_builddir/bench/bench-bare
TURNS=$top_builddir/bench/bench-client-turns
RECHARGECTL=${RECHARGECTL:-$top_builddir/client/rechargectl}
for p in "$BARE" "$TURNS"; do
        [ -x "$p" ] || make -C "$top_builddir" "bench/${p##*/}" >/dev/null || exit 1
done
[ -x "$RECHARGECTL" ] || { echo "no $RECHARGECTL: build first (make)" >&2; exit 1; }
test_setup
: >"$CONF" # the built-in default schedule
daemon_start || exit 1

cmds=("$BARE" client -- "$RECHARGECTL" status --waybar -- "$RECHARGECTL" status)
names=("smallest sd-bus client" "rechargectl status --waybar" "rechargectl status")
if [ -n "${BEFORE:-}" ]; then
        cmds+=(-- "$BEFORE" status --waybar -- "$BEFORE" status)
        names+=("before: status --waybar" "before: status")
fi
zone=${CLIENT_TZ:-Europe/Berlin}
load=$(cut -d' ' -f1 /proc/loadavg)
out=$(TZ=$zone "$TURNS" "$rounds" "${cmds[@]}") || exit 1
daemon_stop

echo "the status bar's client against the smallest sd-bus client: $rounds rounds, one run of each in turn,"
echo "the order turning; medians (clients' TZ=$zone; load $load)"
printf '  %-30s %10s %8s %14s %10s\n' "" "wall" "× floor" "× (per round)" "CPU"
i=0
while read -r wall ratio round cpu; do
        printf '  %-30s %7.1f µs %8.3f %14.3f %7.1f µs\n' "${names[$i]}" "$wall" "$ratio" "$round" "$cpu"
        i=$((i + 1))
done <<<"$out"
