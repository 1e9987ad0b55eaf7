#!/bin/bash
# SPDX-License-Identifier: MIT
# test-bus-activation.sh: a call to org.recharged.Recharged1 on a bus whose service folder holds
# the built activation file (Exec pointed at the build tree's daemon) starts recharged, which
# answers it.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup
# The default schedule's blocks must not fall inside this test, whatever the hour: the bus starts
# the daemon with the bus's own environment, so the zone is given to the bus (as a session does).
export TZ=$(quiet_tz)
busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus UpdateActivationEnvironment \
        'a{ss}' 1 TZ "$TZ" || { echo "Bail out! cannot set the bus's activation environment"; exit 99; }

ACT="$top_builddir/dbus/org.recharged.Recharged1.service"
cp "$top_builddir/recharged.conf.example" "$CONF"

# The test variant differs from the installed file only in Exec: the daemon is not installed.
# The bus runs Exec itself (it was not started by systemd, so SystemdService= is not used).
sed "s|^Exec=.*|Exec=$RECHARGED --verbose|" "$ACT" >"$T/services/org.recharged.Recharged1.service"
is "$(diff "$ACT" "$T/services/org.recharged.Recharged1.service" | grep -c '^[<>]')" "2" \
   "the test's activation file differs from the built one in the Exec line only"

busctl --user status "$BUS" >/dev/null 2>&1
is "$?" "1" "before the call, nobody owns $BUS"
activatable=$(busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        ListActivatableNames --json=short | jq -r '.data[0][]' | grep -cx "$BUS")
is "$activatable" "1" "the bus lists $BUS as activatable"

# The first call starts the daemon (gdbus asks the bus to auto-start) and is answered by it.
out=$(timeout 20 gdbus call --session -d "$BUS" -o "$OBJ" -m "$IFACE.GetStatus" 2>&1)
st=$?
is "$st" "0" "GetStatus is answered by the activated daemon"
case "$out" in
*"'Mode': <'available'>"*) ok 0 "its answer says Mode = available" ;;
*) ok 1 "its answer says Mode = available"; diag "$out"; diag "$(cat "$T/bus.log")" ;;
esac
version=$("$RECHARGED" --version | cut -d' ' -f2)
is "$(prop Version)" "$version" "the daemon on the bus is the one built here ($version)"
pid=$(busctl --user status "$BUS" 2>/dev/null | sed -n 's/^PID=//p')
exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
is "$exe" "$(readlink -f "$RECHARGED")" "the bus started the Exec of the activation file"

# It came up with the activation environment: the private XDG tree, so the schedule of $CONF.
is "$(call ListEntries | jq -c '[.[0][][0]]')" '["evening","friend","morning","stretch"]' \
   "the activated daemon reads the user's config"

# busctl does not auto-start by default; with --auto-start=yes it does, after a restart too.
kill "$pid"
for _ in $(seq 400); do busctl --user status "$BUS" >/dev/null 2>&1 || break; sleep 0.05; done
busctl --user status "$BUS" >/dev/null 2>&1
is "$?" "1" "after SIGTERM the name is gone"
out=$(busctl --user --auto-start=yes get-property "$BUS" "$OBJ" "$IFACE" Mode 2>&1)
is "$out" 's "available"' "the next call starts it again"
pid=$(busctl --user status "$BUS" 2>/dev/null | sed -n 's/^PID=//p')
[ -n "$pid" ] && EXTRA_PIDS="$EXTRA_PIDS $pid"

tap_done
