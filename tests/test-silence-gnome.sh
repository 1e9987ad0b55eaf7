#!/bin/bash
# SPDX-License-Identifier: MIT
# test-silence-gnome.sh: GNOME Shell. The real org.gnome.desktop.notifications schema from
# gsettings-desktop-schemas with GSettings' keyfile backend in the test's own XDG_CONFIG_HOME;
# the server is dbusmock's notification_daemon template answering GetServerInformation as
# gnome-shell does ("gnome-shell"). show-banners is false during the recharge and as before
# after it; a kill -9 is undone at the next start; without the schema nothing is changed.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"
test_setup
S=1000000
SCHEMA=org.gnome.desktop.notifications
export GSETTINGS_BACKEND=keyfile

if ! gsettings list-keys $SCHEMA 2>/dev/null | grep -qx show-banners; then
        skip "the schema $SCHEMA is not installed (apt-get install gsettings-desktop-schemas)" "GNOME round trip"
        tap_done
        exit
fi
banners() { gsettings get $SCHEMA show-banners; }
banners_are() { [ "$(banners)" = "$1" ]; }
no_record() { ! grep -q '^silence ' "$STATE"; }

silence_conf
mock_start notification_daemon || { echo "Bail out! the notification mock did not start"; exit 1; }
gdbus call --session -d "$NOTIFICATIONS" -o /org/freedesktop/Notifications -m org.freedesktop.DBus.Mock.AddMethod \
        "$NOTIFICATIONS" GetServerInformation '' ssss 'ret = ("gnome-shell", "GNOME", "43.9", "1.2")' >/dev/null
daemon_start || { tap_done; exit 1; }

is "$(banners)" true "banners are shown before the recharge (the schema's default)"
call Recharge ts 0 "" >/dev/null
wait_until 10 banners_are false
ok $? "a recharge with dnd sets show-banners to false"
grep -q '^silence "gnome" "show-banners true"$' "$STATE"
ok $? "what it was before is in the state file: $(grep '^silence' "$STATE")"
grep -q '^show-banners=false' "$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"
ok $? "…and GSettings wrote it to the keyfile backend in the test's XDG_CONFIG_HOME"
call Stop >/dev/null
wait_until 10 banners_are true
ok $? "Stop puts show-banners back to true"
wait_until 5 no_record
ok $? "…and drops the record"

gsettings set $SCHEMA show-banners false
call Recharge ts 0 "" >/dev/null
wait_log "gnome-shell was showing no banners already"
ok $? "banners turned off by the user are noticed and left alone"
call Stop >/dev/null
wait_log "Recharge ended"
settle
is "$(banners)" false "after the recharge show-banners is still false, as the user left it"
gsettings set $SCHEMA show-banners true

end=$(($(date +%s%N) + 3000000000))
call Recharge ts $((3 * S)) "" >/dev/null
wait_until 10 banners_are false
daemon_stop KILL
# Past the recharge's end, so that the next start has nothing left to hold.
past() { [ "$(date +%s%N)" -gt "$1" ]; }
wait_until 5 past "$end"
is "$(banners)" false "after kill -9 during a 3 s recharge, banners are still off"
daemon_start || { tap_done; exit 1; }
wait_until 10 banners_are true
ok $? "the next start, after the recharge's end, turns them back on from the state file"
daemon_stop TERM

# Without the schema (no data dirs that have it): nothing changes, one log line, DND still true.
: >"$LOG"
XDG_DATA_DIRS="$T/no-data" daemon_start || { tap_done; exit 1; }
call Recharge ts 0 "" >/dev/null
wait_log "schema $SCHEMA is not installed"
ok $? "without the schema it says so: $(grep -o 'GNOME Shell runs.*' "$LOG" | head -1)"
is "$(prop DoNotDisturb)/$(banners)" "true/true" "…changes nothing, and DoNotDisturb is still true"
no_record
ok $? "…and records nothing"
call Stop >/dev/null
daemon_stop TERM

tap_done
