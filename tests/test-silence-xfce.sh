#!/bin/bash
# SPDX-License-Identifier: MIT
# test-silence-xfce.sh: Xfce. The real xfconfd (package xfconf), D-Bus activated from the test's
# own service folder with the test's XDG_CONFIG_HOME, and the real xfce4-notifyd under Xvfb (or,
# without it, dbusmock's notification_daemon template answering GetServerInformation as
# xfce4-notifyd does, "Xfce Notify Daemon"). xfconf's /do-not-disturb of channel xfce4-notifyd
# is true during the recharge and as before after it: false, true (the user's own) or absent; a
# kill -9 is undone at the next start, with xfconfd started for it; an xfconfd that is gone or
# hangs costs one log line while the daemon keeps answering.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"
test_setup
S=1000000
export XDG_CACHE_HOME="$T/cache" NO_AT_BRIDGE=1

XFCONF=org.xfce.Xfconf
XFCONF_PATH=/org/xfce/Xfconf
CHANNEL=xfce4-notifyd
XML="$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/$CHANNEL.xml"

# exec_of SERVICE-FILE GLOB: the program a D-Bus service file of the system starts, else the
# first file GLOB names; nothing if neither exists.
exec_of() {
        local f p
        for f in /usr/share/dbus-1/services/"$1" /usr/local/share/dbus-1/services/"$1"; do
                p=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$f" 2>/dev/null | head -1)
                [ -x "$p" ] && { echo "$p"; return; }
        done
        for p in $2; do
                [ -x "$p" ] && { echo "$p"; return; }
        done
}
XFCONFD=$(exec_of org.xfce.Xfconf.service "/usr/lib/*/xfce4/xfconf/xfconfd /usr/libexec/xfconfd /usr/lib/xfce4/xfconf/xfconfd")
NOTIFYD=$(exec_of org.xfce.xfce4-notifyd.Notifications.service "/usr/lib/*/xfce4/notifyd/xfce4-notifyd /usr/libexec/xfce4-notifyd")

if [ -z "$XFCONFD" ]; then
        skip "xfconfd is not installed (apt-get install xfconf)" "Xfce round trip"
        tap_done
        exit
fi

# ---- xfconfd, D-Bus activated on the test's bus ----

bus_call() { busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus "$@"; }
xfconf_activatable() { bus_call ListActivatableNames | grep -q "\"$XFCONF\""; }
xfconf_not_activatable() { ! xfconf_activatable; }
xfconf_up() { busctl --user status "$XFCONF" >/dev/null 2>&1; }
xfconf_down() { ! xfconf_up; }

# xfconf_service on|off: xfconfd can be D-Bus activated, or not; the bus is told at once.
xfconf_service() {
        if [ "$1" = on ]; then
                printf '[D-BUS Service]\nName=%s\nExec=%s\n' "$XFCONF" "$XFCONFD" >"$T/services/$XFCONF.service"
                bus_call ReloadConfig >/dev/null && wait_until 10 xfconf_activatable
        else
                rm -f "$T/services/$XFCONF.service"
                bus_call ReloadConfig >/dev/null && wait_until 10 xfconf_not_activatable
        fi
}

# The running xfconfd's pid (the bus started it), remembered so that cleanup ends it.
XFCONFD_PID=
xfconfd_pid() {
        XFCONFD_PID=$(bus_call GetConnectionUnixProcessID s "$XFCONF" | sed 's/^u //')
        EXTRA_PIDS="$EXTRA_PIDS $XFCONFD_PID"
}
# xfconfd_stop: ends it (it writes its files first) and waits until it has left the bus.
xfconfd_stop() {
        kill "$XFCONFD_PID"
        wait_until 10 xfconf_down
}
# A stopped xfconfd would not end at cleanup's SIGTERM.
trap '[ -n "$XFCONFD_PID" ] && kill -CONT "$XFCONFD_PID" 2>/dev/null; cleanup' EXIT

# xf_get: /do-not-disturb as xfconfd has it: true, false, absent (or the error). Starts xfconfd.
xf_get() {
        local out
        if out=$(gdbus call --session -d $XFCONF -o $XFCONF_PATH -m $XFCONF.GetProperty $CHANNEL /do-not-disturb 2>&1); then
                echo "$out" | sed 's/^(<\(.*\)>,)$/\1/'
        else
                case $out in
                *org.xfce.Xfconf.Error.PropertyNotFound*) echo absent ;;
                *) echo "error: $out" ;;
                esac
        fi
}
xf_is() { [ "$(xf_get)" = "$1" ]; }
# xf_set PROPERTY GVARIANT, xf_reset PROPERTY: what the user does with xfce4-notifyd-config.
xf_set() {
        gdbus call --session -d $XFCONF -o $XFCONF_PATH -m $XFCONF.SetProperty $CHANNEL "$1" "$2" >/dev/null
}
xf_reset() {
        gdbus call --session -d $XFCONF -o $XFCONF_PATH -m $XFCONF.ResetProperty $CHANNEL "$1" false >/dev/null
}
xml_has() { grep -q "name=\"do-not-disturb\" type=\"bool\" value=\"$1\"" "$XML"; }
no_record() { ! grep -q '^silence ' "$STATE"; }
# daemon_barrier: once recharged answers a call, what it did before (a dispatch and the silence
# step after it) has gone out on its connection ahead of the answer, so anything sent to xfconfd
# then reaches xfconfd before whatever we send it afterwards: what it did NOT do can be checked
# without a sleep.
daemon_barrier() { call GetStatus >/dev/null; }

xfconf_service on
ok $? "xfconfd ($XFCONFD) can be D-Bus activated on the test's bus"
xf_set /do-not-disturb '<false>'
wait_until 10 xfconf_up
ok $? "…and setting a property started it"
xfconfd_pid

# ---- the notification server: the real xfce4-notifyd under Xvfb if it is there ----

# mock_xfce_start: dbusmock's notification server, answering GetServerInformation as xfce4-notifyd.
mock_xfce_start() {
        mock_start notification_daemon || return 1
        gdbus call --session -d "$NOTIFICATIONS" -o /org/freedesktop/Notifications -m org.freedesktop.DBus.Mock.AddMethod \
                "$NOTIFICATIONS" GetServerInformation '' ssss 'ret = ("Xfce Notify Daemon", "Xfce", "0.7.3", "1.2")' >/dev/null
}

REAL=
NOTIFYD_PID=
silence_conf
if [ -n "$NOTIFYD" ] && command -v Xvfb >/dev/null && xvfb_start; then
        # Log what it holds in do-not-disturb (log-level 0): it shows that it got the setting.
        xf_set /notification-log '<true>'
        "$NOTIFYD" >>"$T/notifyd.log" 2>&1 &
        NOTIFYD_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $NOTIFYD_PID"
        wait_server || { echo "Bail out! xfce4-notifyd did not start: $(tail -1 "$T/notifyd.log")"; exit 1; }
        REAL=yes
else
        diag "no xfce4-notifyd under Xvfb (apt-get install xfce4-notifyd xvfb): dbusmock stands in for it"
        mock_xfce_start || { echo "Bail out! the notification mock did not start"; exit 1; }
fi
is "$(gdbus call --session -d "$NOTIFICATIONS" -o /org/freedesktop/Notifications \
        -m "$NOTIFICATIONS.GetServerInformation" | cut -d"'" -f2)" "Xfce Notify Daemon" \
        "the notification server calls itself 'Xfce Notify Daemon'${REAL:+ (the real xfce4-notifyd)}"
daemon_start || { tap_done; exit 1; }

# ---- false before: true during, false after ----
is "$(xf_get)" false "/do-not-disturb is false before the recharge"
call Recharge ts 0 "" >/dev/null
wait_until 10 xf_is true
ok $? "a recharge with dnd sets /do-not-disturb to true in xfconfd"
grep -q '^silence "xfce" "do-not-disturb false"$' "$STATE"
ok $? "what it was before is in the state file: $(grep '^silence' "$STATE")"
wait_log "Holding other apps' notifications on Xfce Notify Daemon"
ok $? "…and the log says so"
if [ -n "$REAL" ]; then
        notify-send -a other-app "Held during the recharge"
        wait_until 10 grep -q "Held during the recharge" "$XDG_CACHE_HOME/xfce4/notifyd/log"
        ok $? "xfce4-notifyd holds another app's notification: it is in its log of what it did not show"
else
        skip "xfce4-notifyd does not run here" "xfce4-notifyd holds another app's notification"
fi
call Stop >/dev/null
wait_until 10 xf_is false
ok $? "Stop puts /do-not-disturb back to false"
wait_until 5 no_record
ok $? "…and drops the record"
# xfconfd writes its file some seconds after a change, or as it ends: it is ended here (the next
# call starts it again) rather than waited for.
xfconfd_stop
xml_has false
ok $? "…and xfconfd keeps false in $(basename "$XML")"

# ---- true before (the user's own): left alone ----
xf_set /do-not-disturb '<true>'
xfconfd_pid
call Recharge ts 0 "" >/dev/null
wait_log "Xfce Notify Daemon was in do-not-disturb already: leaving it so"
ok $? "do-not-disturb turned on by the user is noticed and left alone"
no_record
ok $? "…nothing is recorded"
call Stop >/dev/null
daemon_barrier
is "$(xf_get)" true "after the recharge /do-not-disturb is still true, as the user left it"

# ---- absent before (never set): removed again after ----
xf_reset /do-not-disturb
is "$(xf_get)" absent "with /do-not-disturb reset, xfconfd has no such property"
call Recharge ts 0 "" >/dev/null
wait_until 10 xf_is true
ok $? "a recharge sets it to true"
grep -q '^silence "xfce" "do-not-disturb absent"$' "$STATE"
ok $? "…recording that it was absent: $(grep '^silence' "$STATE")"
call Stop >/dev/null
wait_until 10 xf_is absent
ok $? "Stop removes it again (ResetProperty), rather than setting false"
wait_until 5 no_record
ok $? "…and drops the record"

# ---- not a boolean (xfce4-notifyd reads it as off): left alone, one line ----
xf_set /do-not-disturb '<int32 1>'
: >"$LOG"
call Recharge ts 0 "" >/dev/null
wait_log "Failed to hold the notifications of Xfce Notify Daemon, ignoring: xfconf's /do-not-disturb .* is not a boolean"
ok $? "a /do-not-disturb that is not a boolean is named in the log: $(grep -o 'Failed to hold.*' "$LOG" | head -1)"
call Stop >/dev/null
daemon_barrier
is "$(xf_get)" 1 "…and left as it was, before and after the recharge"
no_record
ok $? "…nothing is recorded"

# ---- kill -9 while held: the next start puts it back, starting xfconfd for it ----
xf_set /do-not-disturb '<false>'
end=$(($(date +%s) + 2))
call Recharge ts $((2 * S)) "" >/dev/null
wait_until 10 xf_is true
daemon_stop KILL
is "$(xf_get)" true "after kill -9 during a 2 s recharge, /do-not-disturb is still true"
grep -q '^silence "xfce" "do-not-disturb false"$' "$STATE"
ok $? "…and the state file still says what it was before"
xfconfd_stop
ok $? "xfconfd ends (a session's end)"
wait_until 10 xml_has true
ok $? "…keeping true in its file: it outlives both recharged and xfconfd"
# Past the recharge's end, so that the next start has nothing left to hold.
past() { [ "$(date +%s)" -gt "$1" ]; }
wait_until 5 past "$end"
xfconf_down
ok $? "xfconfd is still not running when recharged starts again"
daemon_start || { tap_done; exit 1; }
wait_log "Notifications on Xfce Notify Daemon are back as they were"
ok $? "the next start, after the recharge's end, puts it back from the state file, starting xfconfd for it"
is "$(xf_get)" false "…/do-not-disturb is false again"
no_record
ok $? "…and the record is gone"
xfconfd_pid

# ---- xfconfd gone (not installed, not activatable): one line, the daemon goes on ----
xfconf_service off
ok $? "xfconfd can no longer be activated"
xfconfd_stop
: >"$LOG"
call Recharge ts 0 "" >/dev/null
wait_log "Failed to hold the notifications of Xfce Notify Daemon, ignoring: xfconfd \($XFCONF\)"
ok $? "without xfconfd it says so in one line: $(grep -o 'Failed to hold.*' "$LOG" | head -1)"
daemon_barrier
is "$(log_count "xfconfd|Holding|Failed to hold")" 1 "…only one"
is "$(prop Mode)/$(prop DoNotDisturb)" "recharging/true" "…the recharge goes on, DoNotDisturb true"
no_record
ok $? "…and nothing is recorded"
call Stop >/dev/null
kill -0 "$DAEMON_PID"
ok $? "the daemon still runs"

# ---- xfconfd hangs: calls to recharged stay fast, one line after the timeout ----
# A hung xfconfd hangs the real xfce4-notifyd too: its Notify reads and writes xfconf, and
# GetServerInformation waits behind it or not, as the two calls happen to arrive. A server that
# does not answer is test-silence-unknown's case; here only xfconfd hangs, so dbusmock stands in.
if [ -n "$REAL" ]; then
        kill "$NOTIFYD_PID"
        wait_until 10 sh -c "! busctl --user status $NOTIFICATIONS"
        mock_xfce_start || { echo "Bail out! the notification mock did not start"; exit 1; }
fi
xfconf_service on
xf_set /do-not-disturb '<false>'
xfconfd_pid
kill -STOP "$XFCONFD_PID"
: >"$LOG"
call Recharge ts 0 "" >/dev/null
slowest=$(max_call_ms 10)
[ "$slowest" -lt 1000 ]
ok $? "while xfconfd hangs, GetStatus answers (slowest of 10: ${slowest} ms, busctl included)"
wait_log "Failed to hold the notifications of Xfce Notify Daemon, ignoring: xfconfd \($XFCONF\)" 10
ok $? "after the 5 s timeout it says so: $(grep -o 'Failed to hold.*' "$LOG" | head -1)"
is "$(log_count "xfconfd|Holding|Failed to hold")" 1 "…in one line"
is "$(prop Mode)/$(prop DoNotDisturb)" "recharging/true" "…and the recharge goes on"
call Stop >/dev/null
kill -CONT "$XFCONFD_PID"

# ---- xfconfd hangs when putting back: the record stays for the next start ----
call Recharge ts 0 "" >/dev/null
wait_until 10 xf_is true
ok $? "with xfconfd answering again, a recharge holds"
kill -STOP "$XFCONFD_PID"
: >"$LOG"
call Stop >/dev/null
wait_log "Xfce Notify Daemon did not answer when putting its notifications back: xfconfd \($XFCONF\)" 10
ok $? "a release xfconfd does not answer is logged: $(grep -o 'did not answer.*' "$LOG" | head -1)"
grep -q '^silence "xfce" "do-not-disturb false"$' "$STATE"
ok $? "…and the record is kept"
daemon_stop TERM
is "$DAEMON_STATUS" 0 "the daemon exits 0"
kill -CONT "$XFCONFD_PID"
daemon_start || { tap_done; exit 1; }
wait_log "Notifications on Xfce Notify Daemon are back as they were"
ok $? "the next start puts it back"
is "$(xf_get)" false "…/do-not-disturb is false"
no_record
ok $? "…and the record is gone"
daemon_stop TERM

tap_done
