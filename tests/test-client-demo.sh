#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-demo.sh: tools/demo runs the built daemon and client on a bus of its own and prints
# clean lines: no journal priority prefixes, no dbus-daemon warning.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"

# In a zone where it is now 03:00-04:00: the default schedule's blocks are not on, whatever the hour.
out=$(cd "$top_builddir" && TZ=$(quiet_tz) "$top_srcdir/tools/demo" </dev/null 2>&1)
is "$?" "0" "tools/demo runs (exit 0)"
grep -q '^    Mode: available$' <<<"$out"
ok $? "it shows the status"
grep -q '^\$ rechargectl agenda --days 2$' <<<"$out"
ok $? "and the agenda"
is "$(grep -c '^<[0-7]>' <<<"$out")" "0" "no '<6>' priority prefixes"
is "$(grep -ci 'fd limit\|dbus-daemon\[' <<<"$out")" "0" "no dbus-daemon warning"
grep -q '^Ready: ' <<<"$out"
ok $? "the daemon's own line, clean"
tap_done
