#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-audit.sh: issue 17's growth audit of what the running daemon and the client do, in
# instructions (callgrind, so repeatable on a shared machine), at 10, 100, 1000 and 4096 entries
# of bench-daemon.sh's mix: `rechargectl check-config` (the whole process, and the lines it
# prints), the daemon's start-up to its first answer, then per call GetStatus, ListEntries,
# GetAll on one entry object, Upcoming over 1 and 30 days, GetStats, Reset, Reload, and the
# daemon's share of the client's `list`, `agenda`, `agenda --days 30` and `export`, each beside
# the client's own instructions. The daemon runs under callgrind; each operation is a window
# (callgrind_control --zero, K calls, --dump), so a figure is everything the daemon did for it:
# the bus, the loop, the handler. Prints one row per operation: the instructions per call at
# each size, the 4096/10 ratio and the exponent from 1000 to 4096 (1.0 linear, 2.0 quadratic).
# What runs in-process is bench-engine's (`actions`, `parse`); GetStats over the years is
# bench-stats'. Not a test: prints figures. From the build folder: ../bench/bench-audit.sh
# SIZES (default "10 100 1000 4096") and K (calls per window, default 3) change it.
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-10 100 1000 4096}
K=${K:-3}
RECHARGECTL=${RECHARGECTL:-$top_builddir/client/rechargectl}
command -v callgrind_control >/dev/null || { echo "needs valgrind (callgrind_control)" >&2; exit 2; }
test_setup

# The same mix as bench-daemon.sh's curves; entry 0 is a one-second block an hour away.
# shellcheck source=mix.sh
. "$top_srcdir/bench/mix.sh"

# The instructions a callgrind output file counts.
total() { awk '/^(totals|summary):/ { print $2; exit }' "$1"; }
# The file the last dump of the daemon wrote.
last_dump() { ls -t "$T/d.$1".* 2>/dev/null | head -1; }
bcall() { busctl --user --timeout=600 call "$BUS" "$@" >/dev/null 2>>"$T/calls.err"; }

declare -A R
# window NAME CALLS CMD…: CMD once, the daemon's instructions over it divided by CALLS.
window() {
        local name=$1 calls=$2
        shift 2
        callgrind_control --zero "$DAEMON_PID" >/dev/null
        "$@"
        callgrind_control --dump="$name" "$DAEMON_PID" >/dev/null
        R[$name,$n]=$(( $(total "$(last_dump "$n")") / calls ))
}
repeat() { local i; for i in $(seq "$K"); do "$@"; done; }
# client NAME ARGS…: the client under callgrind (its own instructions) in the daemon's window;
# `export` runs natively instead (a year of events: hours under callgrind at 4096 entries), its
# CPU in ms.
client() {
        local name=$1
        shift
        if [ "$name" = export ]; then
                /usr/bin/time -f '%U %S' -o "$T/time.$n" "$RECHARGECTL" "$@" >"$T/out.$name.$n" 2>>"$T/calls.err"
                R[c-$name,$n]=$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$T/time.$n")
        else
                valgrind -q --tool=callgrind --callgrind-out-file="$T/c.$name.$n" "$RECHARGECTL" "$@" >"$T/out.$name.$n" 2>>"$T/calls.err"
                R[c-$name,$n]=$(total "$T/c.$name.$n")
        fi
}

for n in $SIZES; do
        echo "== $n entries" >&2
        gen_config "$n" "$(($(date +%s) + 3600))" >"$CONF"
        valgrind -q --tool=callgrind --callgrind-out-file="$T/cc.$n" "$RECHARGECTL" check-config "$CONF" >"$T/check.$n" 2>&1
        R[check,$n]=$(total "$T/cc.$n")
        R[checklines,$n]=$(wc -l <"$T/check.$n")

        rm -f "$STATE" "$HISTORY"
        valgrind --tool=callgrind --callgrind-out-file="$T/d.$n" --dump-instr=no "$RECHARGED" --config "$CONF" 2>>"$LOG" &
        DAEMON_PID=$!
        gdbus wait --session "$BUS" --timeout 600 >/dev/null 2>&1 || { echo "no daemon at $n" >&2; exit 1; }
        bcall "$OBJ" "$IFACE" GetStatus
        callgrind_control --dump=startup "$DAEMON_PID" >/dev/null
        R[startup,$n]=$(total "$(last_dump "$n")")
        sleep 2 # the idle turn's work (the digest's monitor, the history summary's first read)

        window getstatus "$K" repeat bcall "$OBJ" "$IFACE" GetStatus
        window list "$K" repeat bcall "$OBJ" "$IFACE" ListEntries
        window getall "$K" repeat bcall "$OBJ/entry/e0001" org.freedesktop.DBus.Properties GetAll s "$EIFACE"
        now=$(($(date +%s) * 1000000))
        window up1 "$K" repeat bcall "$OBJ" "$IFACE" Upcoming tt "$now" "$((now + 86400000000))"
        window up30 "$K" repeat bcall "$OBJ" "$IFACE" Upcoming tt "$now" "$((now + 30 * 86400000000))"
        window stats "$K" repeat bcall "$OBJ" "$IFACE" GetStats t "$(( ($(date +%s) - 7 * 86400) * 1000000 ))"
        window skip "$K" repeat bcall "$OBJ" "$IFACE" Skip s e0001
        window reset 1 bcall "$OBJ" "$IFACE" Reset s e0001
        window reload 1 bcall "$OBJ" "$IFACE" Reload
        for c in list agenda agenda30 export; do
                case $c in
                agenda30) args=(agenda --days 30) ;;
                *) args=("$c") ;;
                esac
                window "d-$c" 1 client "$c" "${args[@]}"
                R[lines-$c,$n]=$(wc -l <"$T/out.$c.$n")
        done
        kill "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null
        DAEMON_PID=
        grep -q . "$T/calls.err" 2>/dev/null && { echo "-- refused or failed calls at $n:" >&2; sort "$T/calls.err" | uniq -c >&2; : >"$T/calls.err"; }
done

printf '%-42s' "instructions per call; entries:"
for n in $SIZES; do printf '%14s' "$n"; done
printf '%10s %8s\n' "4096/10" "exp"
row() {
        local key=$1 what=$2 n
        printf '%-42s' "$what"
        for n in $SIZES; do printf '%14s' "${R[$key,$n]:--}"; done
        awk -v a="${R[$key,10]:-0}" -v b="${R[$key,1000]:-0}" -v c="${R[$key,4096]:-0}" 'BEGIN {
                if (a > 0 && c > 0) printf "%9.1fx", c / a; else printf "%10s", "-"
                if (b > 0 && c > 0) printf " %8.2f", log(c / b) / log(4.096); else printf " %8s", "-"
        }'
        printf '\n'
}
row check "check-config (whole process)"
row checklines "  …lines it prints"
row startup "start-up to the first answer (daemon)"
row getstatus "GetStatus"
row list "ListEntries"
row getall "GetAll on one entry object"
row up1 "Upcoming, 1 day"
row up30 "Upcoming, 30 days"
row stats "GetStats, a week"
row skip "Skip (bus)"
row reset "Reset (bus), undoing it"
row reload "Reload (bus)"
for c in list agenda agenda30 export; do
        row "c-$c" "client: $c (the client$([ $c = export ] && echo ", CPU ms"))"
        row "d-$c" "client: $c (the daemon's share)"
        row "lines-$c" "  …lines it prints"
done
