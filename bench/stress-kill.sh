#!/bin/bash
# SPDX-License-Identifier: MIT
# stress-kill.sh: does a restart, clean or kill -9, lose anything a method call had answered?
# ROUNDS times: recharged runs on a private bus while one client sends Recharge(…, "n") calls one
# after another (each answered one noted) and three others call GetStatus, ListEntries and
# Upcoming; after a random moment the daemon is killed with SIGKILL and started again, and its
# Message must be the last answered n (or the next one, answered by the daemon but not yet seen
# by the client). Also counts crashes (a daemon that died by itself) and stale temp files.
# Not a test: prints figures. Run from the build folder: ../bench/stress-kill.sh [ROUNDS]
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-200}
test_setup
cat >"$CONF" <<'EOF'
[evening]
type = recharge
start = 21:00
duration = 1h

[stretch]
type = selfcare
every = 30min
between = 00:00-23:30
EOF

writer() { # sends Recharge(n) forever; each answered n goes to $T/answered
        local n=0
        while :; do
                n=$((n + 1))
                busctl --user call "$BUS" "$OBJ" "$IFACE" Recharge ts 3600000000 "m$n" >/dev/null 2>&1 &&
                        echo "$n" >"$T/answered"
        done
}
noise() {
        while :; do
                busctl --user call "$BUS" "$OBJ" "$IFACE" "$@" >/dev/null 2>&1
        done
}

lost=0 crashed=0 answered_total=0 checked=0
for round in $(seq "$ROUNDS"); do
        : >"$T/answered"
        daemon_start >/dev/null 2>&1 || { crashed=$((crashed + 1)); continue; }
        writer & w=$!
        noise GetStatus & a=$!
        noise ListEntries & b=$!
        noise Upcoming tt 0 0 & c=$!
        sleep "0.$((RANDOM % 40 + 10))"
        kill -0 "$DAEMON_PID" 2>/dev/null || crashed=$((crashed + 1))
        kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null
        kill "$w" "$a" "$b" "$c" 2>/dev/null
        wait "$w" "$a" "$b" "$c" 2>/dev/null
        DAEMON_PID=
        for i in $(seq 100); do busctl --user status "$BUS" >/dev/null 2>&1 || break; sleep 0.02; done
        last=$(cat "$T/answered")
        daemon_start >/dev/null 2>&1 || { crashed=$((crashed + 1)); continue; }
        got=$(prop Message)
        if [ -n "$last" ]; then
                checked=$((checked + 1))
                answered_total=$((answered_total + last))
                case $got in
                "m$last" | "m$((last + 1))") ;;
                *) lost=$((lost + 1)); echo "round $round: answered m$last, after kill -9 the daemon says '$got'" ;;
                esac
        fi
        daemon_stop
done
temps=$(find "$T/state/recharged" -name '.#state*' | wc -l)
echo "rounds: $ROUNDS; rounds with an answered Recharge checked: $checked; answered Recharge calls: $answered_total"
echo "lost after kill -9: $lost; daemon died by itself: $crashed; stale temp files left: $temps"
