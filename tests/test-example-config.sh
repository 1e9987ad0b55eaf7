#!/bin/bash
# SPDX-License-Identifier: MIT
# test-example-config.sh: the installed recharged.conf.example is the built-in default: the daemon
# reading it as its config file has the same schedule, entry for entry and rule for rule, as the
# daemon with no config file at all.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

EXAMPLE="$top_builddir/recharged.conf.example"

[ -s "$EXAMPLE" ]
ok $? "recharged.conf.example is built and not empty"
is "$(head -1 "$EXAMPLE")" "# recharged.conf: the schedule of recharged(8), see recharged.conf(5)." \
   "it starts with the header of the built-in default"

# A description of the running schedule: every entry object's properties but the next times.
schedule() {
        local e p
        for e in $(call ListEntries | jq -r '.[0][][0]'); do
                p=$(entry_path "$e")
                busctl --user call "$BUS" "$p" org.freedesktop.DBus.Properties GetAll s "$EIFACE" --json=short |
                        jq -c '.data[0] | map_values(.data) | del(.NextStart, .NextEnd, .Active)'
        done
}

# The built-in default: no file anywhere (XDG_CONFIG_DIRS points nowhere).
"$RECHARGED" 2>>"$LOG" &
DAEMON_PID=$!
gdbus wait --session "$BUS" --timeout 10 >/dev/null 2>&1
builtin=$(schedule)
daemon_stop
grep -q "built-in default" "$LOG"
ok $? "with no config file the daemon says it uses the built-in default"

cp "$EXAMPLE" "$CONF"
daemon_start || { tap_done; exit 1; }
example=$(schedule)
daemon_stop
is "$DAEMON_STATUS" "0" "the daemon accepts the example as its config file"
is "$(echo "$example" | wc -l)" "4" "the example has the default's four entries"
is "$example" "$builtin" "every entry of the example equals the built-in default's, rule for rule"

# The example's hooks are comments: loading it as a user file must not turn them on.
is "$(grep -c '^on-start\|^on-end' "$EXAMPLE")" "0" "the example sets no hooks"

if [ -x "$top_builddir/client/rechargectl" ]; then
        out=$("$top_builddir/client/rechargectl" check-config "$EXAMPLE" 2>&1)
        is "$?" "0" "rechargectl check-config accepts the example"
else
        skip "client/rechargectl is not built" "rechargectl check-config accepts the example"
fi

tap_done
