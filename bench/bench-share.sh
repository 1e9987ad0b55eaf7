#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-share.sh: recharged-share's costs against a real Radicale on loopback: the time to
# publish DAYS (14) days of the built-in default schedule to an empty calendar, and to check an
# unchanged one after a restart (a REPORT and no writes); its idle wake-ups (strace) and
# voluntary context switches over IDLE_SECONDS (60); its PSS beside recharged's.
# Not a test: prints figures. Run from the build directory: ../bench/bench-share.sh
set -u
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../tests/lib/share.sh
. "$top_srcdir/tests/lib/share.sh"

IDLE_SECONDS=${IDLE_SECONDS:-60}
export SHARE_DAYS=${DAYS:-14}

test_setup
trap share_cleanup EXIT
radicale_start || exit 1
mkcalendar || exit 1
{ "$top_builddir/tools/print-default-config"; share_config title; } >"$CONF"
chmod 600 "$CONF"
daemon_start || exit 1

pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
ms_since() { echo $((($(sprop LastSync) - $1) / 1000)); }

t=$(now_us)
share_start || exit 1
wait_synced_after "$t" 120 || exit 1
n=$(sprop Published)
echo "publish $SHARE_DAYS days of the default schedule ($n events, empty calendar): $(ms_since "$t") ms"
echo "  per event: $(( $(ms_since "$t") * 1000 / (n > 0 ? n : 1) )) µs (PUT with If-None-Match: *, Radicale on 127.0.0.1)"

share_stop
t=$(now_us)
share_start || exit 1
wait_synced_after "$t" 120 || exit 1
echo "restart with the calendar up to date (REPORT, no writes): $(ms_since "$t") ms"

echo "PSS: recharged-share $(pss_kb "$SHARE_PID") kB, recharged $(pss_kb "$DAEMON_PID") kB"

v0=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$SHARE_PID/status")
if command -v strace >/dev/null; then
        timeout -s INT "$IDLE_SECONDS" strace -f -c -p "$SHARE_PID" -o "$T/strace" 2>/dev/null
        calls=$(awk '/total$/ { print $4 }' "$T/strace")
        echo "idle $IDLE_SECONDS s: ${calls:-0} system calls (strace -c)"
        [ -s "$T/strace" ] && sed 's/^/  /' "$T/strace"
else
        sleep "$IDLE_SECONDS"
fi
v1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$SHARE_PID/status")
echo "idle $IDLE_SECONDS s: $((v1 - v0)) voluntary context switches (wake-ups)"
