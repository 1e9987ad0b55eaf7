#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-export.sh: `rechargectl export` (a year of the daemon's plan compared with the rules) at
# 10, 100, 1000 and 4096 entries of bench-daemon.sh's mix, with a skip, a snooze and a manual
# recharge in the plan: the client's CPU (user + system, best of ROUNDS) and the daemon's CPU for
# it; with BEFORE=path/to/another/rechargectl the other build in the same rounds, taking turns,
# and whether the two calendars are the same (DTSTAMP lines aside: they carry the second of the
# run). Not a test: prints figures. From the build folder: ../bench/bench-export.sh
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_builddir top_srcdir
# shellcheck source=../tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=../tests/lib/daemon.sh
. "$top_srcdir/tests/lib/daemon.sh"

SIZES=${SIZES:-10 100 1000 4096}
ROUNDS=${ROUNDS:-3}
RECHARGECTL=${RECHARGECTL:-$top_builddir/client/rechargectl}
BEFORE=${BEFORE:-}
test_setup

gen_config() {
        awk -v n="$1" -v b="$(date -u -d "@$(($(date +%s) + 3600))" +%H:%M:%S)" 'BEGIN {
                printf "[general]\nheads-up = 10min\n"
                printf "[e0000]\ntype = recharge\nstart = %s\nduration = 1s\ndnd = yes\n", b
                for (i = 1; i < n; i++) {
                        if (i % 3 == 0)
                                printf "[e%04d]\ntype = recharge\ndays = Mon..Fri\nstart = %02d:%02d\nduration = 45min\ndnd = no\n", i, int(i / 3) % 24, (i * 7) % 60
                        else if (i % 3 == 1)
                                printf "[e%04d]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n", i
                        else
                                printf "[e%04d]\ntype = selfcare\ndays = Sat,Sun\nat = 10:%02d, 17:30\n", i, i % 60
                }
        }'
}
cpu() { awk '{ print $1 }' "/proc/$DAEMON_PID/schedstat"; }
# run NAME BINARY: one export; its CPU (ms) appended to $T/NAME.cpu, the daemon's to $T/NAME.dcpu.
run() {
        local d0 d1
        d0=$(cpu)
        /usr/bin/time -f '%U %S' -o "$T/time" "$2" export >"$T/$1.ics" 2>>"$LOG"
        d1=$(cpu)
        awk '{ printf "%.0f\n", ($1 + $2) * 1000 }' "$T/time" >>"$T/$1.cpu"
        echo $(((d1 - d0) / 1000000)) >>"$T/$1.dcpu"
}
best() { sort -n "$1" | head -1; }

printf '%8s %10s %12s %14s' entries VEVENTs "client ms" "daemon ms"
[ -n "$BEFORE" ] && printf ' %18s %16s %6s' "before: client ms" "before: daemon" same
printf '\n'
for n in $SIZES; do
        gen_config "$n" >"$CONF"
        rm -f "$STATE" "$HISTORY" "$T"/*.cpu "$T"/*.dcpu
        daemon_start || exit 1
        busctl --user call "$BUS" "$OBJ" "$IFACE" Skip s e0003 >/dev/null
        busctl --user call "$BUS" "$OBJ" "$IFACE" Snooze st e0001 600000000 >/dev/null
        busctl --user call "$BUS" "$OBJ" "$IFACE" Recharge ts 1200000000 bench >/dev/null
        for _ in $(seq "$ROUNDS"); do
                run after "$RECHARGECTL"
                [ -n "$BEFORE" ] && run before "$BEFORE"
        done
        events=$(grep -c '^BEGIN:VEVENT' "$T/after.ics")
        printf '%8s %10s %12s %14s' "$n" "$events" "$(best "$T/after.cpu")" "$(best "$T/after.dcpu")"
        if [ -n "$BEFORE" ]; then
                same=no
                cmp -s <(grep -v '^DTSTAMP' "$T/after.ics") <(grep -v '^DTSTAMP' "$T/before.ics") && same=yes
                printf ' %18s %16s %6s' "$(best "$T/before.cpu")" "$(best "$T/before.dcpu")" "$same"
        fi
        printf '\n'
        daemon_stop
done
