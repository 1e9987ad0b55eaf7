#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-syncs.sh: what one state-changing call costs the disk: for each action, the renames of the
# state file, fsync/fdatasync calls and history writes the daemon makes while answering it, from
# strace -c -f over that one call. Not a test: prints a table. Run from the build directory:
# ../bench/bench-syncs.sh; RECHARGED=/other/build/daemon/recharged measures another build.
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || { echo "needs strace" >&2; exit 2; }

test_setup
S=1000000
base=$(date +%s)
hms() { date -u -d "@$1" +%H:%M:%S; }
cat >"$CONF" <<EOF
[general]
heads-up = 1h

[block]
type = recharge
start = $(hms $((base + 1800)))
duration = 1h

[rem]
type = selfcare
at = $(hms $((base + 7200)))
EOF
daemon_start || exit 1

# one ACTION ARGS…: the call under strace; prints "renames fsyncs writes".
one() {
        local out="$T/strace.$1" st
        strace -f -c -e trace=rename,renameat,renameat2,fsync,fdatasync,write -p "$DAEMON_PID" -o "$out" 2>/dev/null &
        st=$!
        sleep 0.3 # strace attaches
        busctl --user call "$BUS" "$OBJ" "$IFACE" "$@" >/dev/null
        sleep 0.3
        kill -INT "$st"
        wait "$st" 2>/dev/null
        awk '$NF ~ /^rename/ { r += $4 } $NF == "fsync" || $NF == "fdatasync" { f += $4 } $NF == "write" { w += $4 }
             END { printf "%d %d %d\n", r, f, w }' "$out"
}

printf '%-12s %8s %8s %8s\n' call renames syncs writes
while read -r method sig args; do
        # shellcheck disable=SC2086
        read -r r f w < <(one "$method" $sig $args)
        printf '%-12s %8s %8s %8s\n' "$method" "$r" "$f" "$w"
done <<EOF
Recharge ts $((20 * 60 * S)) Tea
Extend t $((5 * 60 * S))
Stop
StartNow s block
Stop
Snooze st block $((10 * 60 * S))
Skip s block
Pause t 0
Resume
EOF
daemon_stop
