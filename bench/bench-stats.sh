#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-stats.sh: GetStats over the bus and `rechargectl stats` as a person types it, with 1, 5 and
# 10 years of history, this build against another one (BEFORE_RECHARGED, BEFORE_RECHARGECTL: e.g.
# main's), both daemons running at once on buses of their own and called in turn, so the ratio is
# of one run. Run from the build folder. Not a test: prints figures. CALLS (default 20) per figure.
set -u
RECHARGED=${RECHARGED:-daemon/recharged}
RECHARGECTL=${RECHARGECTL:-client/rechargectl}
BEFORE_RECHARGED=${BEFORE_RECHARGED:-$RECHARGED}
BEFORE_RECHARGECTL=${BEFORE_RECHARGECTL:-$RECHARGECTL}
CALLS=${CALLS:-20}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/bench-stats.XXXXXX)
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

# start NAME BINARY: a private bus and a daemon on it, with its own state folder.
start() {
        local name=$1 bin=$2 out
        mkdir -p "$T/$name/state/recharged" "$T/$name/config/recharged" "$T/$name/services"
        sed "s|@SERVICEDIR@|$T/$name/services|; s|@BUSTYPE@|session|" "$srcdir/tests/session.conf" >"$T/$name/bus.conf"
        out=$(dbus-daemon --config-file="$T/$name/bus.conf" --fork --print-address=1 --print-pid=1) || exit 1
        PIDS="$PIDS $(echo "$out" | sed -n 2p)"
        echo "$out" | sed -n 1p >"$T/$name/address"
        printf '[general]\nallowance = 2\naway-share = 80\n\n[x]\ntype = selfcare\nat = 12:00\n' \
                >"$T/$name/config/recharged/recharged.conf"
        env DBUS_SESSION_BUS_ADDRESS="$(cat "$T/$name/address")" XDG_STATE_HOME="$T/$name/state" \
                XDG_CONFIG_HOME="$T/$name/config" DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/none" \
                "$bin" >"$T/$name/log" 2>&1 &
        PIDS="$PIDS $!"
        eval "PID_$name=$!"
}
on() { local name=$1; shift; env DBUS_SESSION_BUS_ADDRESS="$(cat "$T/$name/address")" "$@"; }
ready() { on "$1" busctl --user call org.recharged.Recharged1 /org/recharged/Recharged1 org.recharged.Recharged1 GetStats t 0 >/dev/null 2>&1; }
# ms NAME COMMAND...: the median wall time of CALLS runs, ms.
ms() {
        local name=$1 i t0; shift
        for i in $(seq "$CALLS"); do
                t0=$(date +%s%N)
                on "$name" "$@" >/dev/null || echo FAILED >&2
                echo $((($(date +%s%N) - t0) / 1000))
        done | sort -n | sed -n "$(((CALLS + 1) / 2))p" | awk '{ printf "%.2f", $1 / 1000 }'
}
week=$(($(date +%s%N) / 1000 - 7 * 86400 * 1000000))
call="busctl --user call org.recharged.Recharged1 /org/recharged/Recharged1 org.recharged.Recharged1 GetStats t"

printf '%5s %8s | %-24s | %-24s | %-26s | %-26s\n' years MB "GetStats week (ms) b/a" "GetStats all (ms) b/a" \
        "stats (ms) before/after" "stats --since 1y b/a"
for y in 1 5 10; do
        for name in before after; do
                rm -rf "${T:?}/$name"
                mkdir -p "$T/$name/state/recharged"
                bench/bench-stats write "$T/$name/state/recharged/history" "$y"
        done
        start before "$BEFORE_RECHARGED"
        start after "$RECHARGED"
        for name in before after; do
                for i in $(seq 200); do ready "$name" && break; sleep 0.05; done
        done
        mb=$(du -m "$T/after/state/recharged/history" | cut -f1)
        # In turn, so both see the same machine.
        bw=$(ms before $call "$week"); aw=$(ms after $call "$week")
        ba=$(ms before $call 1); aa=$(ms after $call 1)
        bs=$(ms before "$BEFORE_RECHARGECTL" stats); as=$(ms after "$RECHARGECTL" stats)
        by=$(ms before "$BEFORE_RECHARGECTL" stats --since 365d); ay=$(ms after "$RECHARGECTL" stats --since 365d)
        ratio() { awk -v b="$1" -v a="$2" 'BEGIN { printf "%.1fx", b / a }'; }
        printf '%5s %8s | %7s %7s %8s | %7s %7s %8s | %8s %7s %9s | %8s %7s %9s\n' "$y" "$mb" "$bw" "$aw" "$(ratio "$bw" "$aw")" \
                "$ba" "$aa" "$(ratio "$ba" "$aa")" "$bs" "$as" "$(ratio "$bs" "$as")" "$by" "$ay" "$(ratio "$by" "$ay")"
        for name in before after; do
                eval "kill \$PID_$name"
        done
        wait 2>/dev/null
done
