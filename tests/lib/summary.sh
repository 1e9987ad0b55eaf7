#!/bin/sh
# SPDX-License-Identifier: MIT
# summary.sh: reads Automake's test-suite.log and prints "N passed, N failed[, N skipped]".
log=${1:-test-suite.log}
if [ ! -f "$log" ]; then
        echo "0 passed, 1 failed"
        exit 1
fi
awk '
/^# PASS: /  { pass = $3 }
/^# XFAIL: / { pass += $3 }
/^# SKIP: /  { skip = $3 }
/^# FAIL: /  { fail += $3 }
/^# XPASS: / { fail += $3 }
/^# ERROR: / { fail += $3 }
END {
        line = (pass + 0) " passed, " (fail + 0) " failed"
        if (skip > 0) line = line ", " skip " skipped"
        print line
}' "$log"
