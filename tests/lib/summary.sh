#!/bin/sh
# SPDX-License-Identifier: MIT
# summary.sh: reads Automake's test-suite.log and prints "N passed, N failed[, N skipped]".
# When something failed, the failing cases (and the diagnostic line under each) come first, at
# most 16 lines, so that a CI log cut to its tail still names them.
log=${1:-test-suite.log}
if [ ! -f "$log" ]; then
        echo "0 passed, 1 failed"
        exit 1
fi
awk '
/^(FAIL|ERROR|XPASS): / { if (shown < 16) print "  " $0; shown++; diag = 2; next }
diag > 0 && /^#/        { if (shown < 16) print "    " $0; shown++; diag--; next }
                        { diag = 0 }
END { if (shown > 16) print "  (" shown - 16 " more lines in " FILENAME ")" }
' "$log"
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
