#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-client-growth.sh: the client commands that read the whole schedule, `agenda`, `agenda
# --days 30` and `export` (a year of the daemon's plan compared with the rules), at 10, 100, 1000
# and 4096 entries of bench-daemon.sh's mix, with a skip, a snooze and a manual recharge in the
# plan: the client's CPU (user + system, best of ROUNDS) and the daemon's CPU for it; with
# BEFORE=path/to/another/rechargectl the other build in the same rounds, taking turns, and whether
# the two outputs are the same (export's DTSTAMP lines aside: they carry the second of the run).
# Not a test: prints figures. From the build folder: ../bench/bench-client-growth.sh
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-10 100 1000 4096}
ROUNDS=${ROUNDS:-3}
RECHARGECTL=${RECHARGECTL:-$top_builddir/client/rechargectl}
BEFORE=${BEFORE:-}
test_setup

# shellcheck source=mix.sh
. "$top_srcdir/bench/mix.sh"
cpu() { awk '{ print $1 }' "/proc/$DAEMON_PID/schedstat"; }
# run NAME BINARY ARGS…: one run; its CPU (ms) appended to $T/NAME.cpu, the daemon's to $T/NAME.dcpu.
run() {
        local d0 d1 name=$1 bin=$2
        shift 2
        d0=$(cpu)
        # the subshell's `times`, second line: its children's user and system CPU, to the ms
        ( "$bin" "$@" >"$T/$name.raw" 2>>"$LOG"; times >"$T/time" )
        d1=$(cpu)
        grep -v '^DTSTAMP' "$T/$name.raw" >"$T/$name.out"
        sed -n 2p "$T/time" | awk '{ for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.1f\n", t * 1000 }' >>"$T/$name.cpu"
        echo $(((d1 - d0) / 1000000)) >>"$T/$name.dcpu"
}
best() { sort -n "$1" | head -1; }

printf '%-18s %8s %8s %12s %14s' command entries lines "client ms" "daemon ms"
[ -n "$BEFORE" ] && printf ' %18s %16s %6s' "before: client ms" "before: daemon" same
printf '\n'
for n in $SIZES; do
        gen_config "$n" "$(($(date +%s) + 3600))" yes >"$CONF"
        rm -f "$STATE" "$HISTORY"
        daemon_start || exit 1
        busctl --user call "$BUS" "$OBJ" "$IFACE" Skip s e0003 >/dev/null
        busctl --user call "$BUS" "$OBJ" "$IFACE" Snooze st e0001 600000000 >/dev/null
        busctl --user call "$BUS" "$OBJ" "$IFACE" Recharge ts 1200000000 bench >/dev/null
        for cmd in agenda "agenda --days 30" "agenda --json" export; do
                rm -f "$T"/*.cpu "$T"/*.dcpu
                # shellcheck disable=SC2086 # the command's words
                for _ in $(seq "$ROUNDS"); do
                        run after "$RECHARGECTL" $cmd
                        [ -n "$BEFORE" ] && run before "$BEFORE" $cmd
                done
                printf '%-18s %8s %8s %12s %14s' "$cmd" "$n" "$(wc -l <"$T/after.out")" "$(best "$T/after.cpu")" \
                        "$(best "$T/after.dcpu")"
                if [ -n "$BEFORE" ]; then
                        same=no
                        cmp -s "$T/after.out" "$T/before.out" && same=yes
                        printf ' %18s %16s %6s' "$(best "$T/before.cpu")" "$(best "$T/before.dcpu")" "$same"
                fi
                printf '\n'
        done
        daemon_stop
done
