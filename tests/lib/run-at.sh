#!/bin/sh
# SPDX-License-Identifier: MIT
# run-at.sh INSTANT [MAKE-ARGS...]: `make check-summary` (or MAKE-ARGS) in the build folder with
# every process's wall clock at INSTANT (UTC, "2026-11-30 23:58:30"), running on from there:
# to run the tests at an hour, a weekday, a DST night they would otherwise meet only by chance.
#   cd build && ../tests/lib/run-at.sh "2026-03-29 00:58:30" TESTS="tests/test-partner.sh"
# INSTANT may be in the future or the past. See clock-shift.c for what is shifted.
set -e
[ $# -ge 1 ] || { echo "usage: $0 INSTANT [MAKE-ARGS...]" >&2; exit 2; }
inst=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
lib=$(pwd)/tests/clock-shift.so
if [ ! -f "$lib" ] || [ "$here/clock-shift.c" -nt "$lib" ]; then
        mkdir -p tests
        ${CC:-cc} -O2 -shared -fPIC -o "$lib" "$here/clock-shift.c" -ldl
fi
target=$(date -u -d "$inst" +%s)
SHIFT_SECONDS=$((target - $(date +%s)))
LD_PRELOAD=$lib
export SHIFT_SECONDS LD_PRELOAD
[ $# -gt 0 ] || set -- check-summary
exec make -j2 "$@"
