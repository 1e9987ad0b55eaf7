# SPDX-License-Identifier: MIT
# tap.sh: TAP for the shell integration tests; source it, call ok/is, end with tap_done.
tap_n=0
tap_failed=0

ok() { # ok STATUS DESCRIPTION...
        local st=$1; shift
        tap_n=$((tap_n + 1))
        if [ "$st" = 0 ]; then
                echo "ok $tap_n - $*"
        else
                tap_failed=$((tap_failed + 1))
                echo "not ok $tap_n - $*"
        fi
}

is() { # is GOT WANT DESCRIPTION...
        local got=$1 want=$2; shift 2
        if [ "$got" = "$want" ]; then
                ok 0 "$@"
        else
                ok 1 "$@"
                printf '%s\n' "got:  '$got'" "want: '$want'" | sed 's/^/# /'
        fi
}

skip() { # skip REASON DESCRIPTION...
        local why=$1; shift
        tap_n=$((tap_n + 1))
        echo "ok $tap_n - $* # SKIP $why"
}

diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

tap_done() {
        echo "1..$tap_n"
        [ "$tap_failed" = 0 ]
}
