#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz-run.sh RUNS SRCDIR NAME [libFuzzer options and extra corpus folders…]: runs tests/fuzz-NAME
# for RUNS inputs from -seed=1 over its seeds, and prints the coverage it had once the seeds were
# read and at the end, so a fuzzer that reaches nothing shows in the output. New inputs go to
# fuzz-out/NAME (libFuzzer writes to its first folder), never to the seeds; the log to
# fuzz-out/NAME.log; a crash leaves its input in fuzz-out/ and the exit status non-zero.
set -u
runs=$1 srcdir=$2 name=$3
shift 3
out=fuzz-out/$name
mkdir -p "$out"
start=$(date +%s)
# The scratch folder first: libFuzzer adds what it finds to the first folder it is given, and
# extra folders among the arguments (tests/configs/…) must never be written to.
./tests/fuzz-"$name" "$out" "$srcdir/tests/fuzz-corpus/$name" -runs="$runs" -seed=1 \
        -artifact_prefix=fuzz-out/"$name"- "$@" >"$out.log" 2>&1
st=$?
secs=$(($(date +%s) - start))
# "#123 INITED cov: 692 ft: 1404 corp: …" and "#20000 DONE cov: 700 ft: 1500 corp: …"
cov() { sed -n "s/.*$1 *cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1 ft \2 corpus \3/p" "$out.log" | tail -n 1; }
if [ "$st" -ne 0 ]; then
        tail -n 40 "$out.log"
        echo "fuzz-$name: FAILED (exit $st) after ${secs}s, log in $out.log"
        exit 1
fi
echo "fuzz-$name: $runs runs in ${secs}s; seeds: $(cov INITED); end: $(cov DONE)"
