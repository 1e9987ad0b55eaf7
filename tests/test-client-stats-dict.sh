#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-stats-dict.sh: rechargectl stats reads GetStats' a{sv} through the one dictionary
# walker: keys it does not know and a known key of another type are skipped, a day's Date is
# read, and Days beyond the chart's 31 are read past (not left inside the array). The answer
# comes from a stand-in (python3-dbusmock) that says what a newer or odd daemon could.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

/usr/bin/python3 -m dbusmock "$BUS" "$OBJ" "$IFACE" >"$T/mock.log" 2>&1 &
MOCK=$!
EXTRA_PIDS="$EXTRA_PIDS $MOCK"
gdbus wait --session "$BUS" --timeout 20 >/dev/null 2>&1
ok $? "the stand-in is on the bus"

# 40 days from 2026-01-01, day i with Planned = i minutes; the window's own figures; an unknown
# key of each kind; Kept as a string (another type: skipped, so 0).
code='
days = dbus.Array([dbus.Dictionary({"Date": dbus.String("2026-01-%02d" % (i + 1) if i < 31 else "2026-02-%02d" % (i - 30)),
                                    "Planned": dbus.UInt64(i * 60000000, variant_level=1),
                                    "Kept": dbus.UInt64(i * 30000000, variant_level=1),
                                    "Completed": dbus.UInt32(i, variant_level=1),
                                    "Later": dbus.Array([dbus.String("x")], signature="s", variant_level=1)},
                                   signature="sv") for i in range(40)], signature="a{sv}")
ret = dbus.Dictionary({"Since": dbus.UInt64(1767225600000000, variant_level=1),
                       "Planned": dbus.UInt64(7200000000, variant_level=1),
                       "Kept": dbus.String("not a number", variant_level=1),
                       "Completed": dbus.UInt32(3, variant_level=1),
                       "Future": dbus.Dictionary({"a": dbus.Int32(1)}, signature="si", variant_level=1),
                       "Days": dbus.Array(days, signature="a{sv}", variant_level=1),
                       "Streak": dbus.UInt32(5, variant_level=1)}, signature="sv")
'
gdbus call --session -d "$BUS" -o "$OBJ" -m org.freedesktop.DBus.Mock.AddMethod "$IFACE" GetStats t 'a{sv}' "$code" >/dev/null
ok $? "GetStats added to the stand-in"

ctl_is 0 "stats --json against it" stats --json
is "$(jq -r '[.planned_usec, .kept_usec, .completed, .streak] | join(" ")' <<<"$OUT")" "7200000000 0 3 5" \
        "the window's figures; Kept of another type skipped; Streak after Days still read"
is "$(jq -r '.days | length' <<<"$OUT")" "31" "the chart's 31 days kept, the rest read past"
is "$(jq -r '.days[0].date + " " + (.days[0].planned_usec | tostring) + " " + .days[30].date + " " + (.days[30].completed | tostring)' <<<"$OUT")" \
        "2026-01-01 0 2026-01-31 30" "each day with its Date and figures, unknown keys skipped"
ctl_is 0 "stats (the chart) against it" stats
tap_done
