# SPDX-License-Identifier: MIT
# silence.sh: the notification servers of the silencing tests: dunst and xfce4-notifyd under
# Xvfb, mako and swaync under a headless sway run as an unprivileged user (and screenshots of
# it), dbusmock servers; and waiting for a server's state. Source it after daemon.sh; call
# test_setup first.

NOTIFICATIONS=org.freedesktop.Notifications
NOBODY=65534

# A config that silences, and nothing scheduled: the tests recharge by hand (Recharge, Stop).
silence_conf() {
        cat >"$CONF" <<EOF
[general]
heads-up = 0
reconnect = no
silence-notifications = ${1:-yes}

[later]
type = recharge
start = 23:59:59
duration = 1s
enabled = no
EOF
}

# wait_until SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds (0) or time is up (1).
wait_until() {
        local deadline
        deadline=$(deadline_in "$1"); shift
        until "$@" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# settle: before checking that something did NOT happen, give the daemon's asynchronous calls
# (answered in milliseconds) time to have happened if they were wrongly made.
settle() { sleep 0.5; }

# log_count PATTERN: how many lines of the daemon's log match (grep -E).
log_count() { grep -cE "$1" "$LOG"; }
# wait_log is daemon.sh's: it reads only what came after the last log_mark (or a truncation).

# The notification server has a name on the bus.
server_up() { busctl --user status "$NOTIFICATIONS" >/dev/null 2>&1; }
wait_server() {
        wait_until 15 server_up || { diag "no notification server came up"; return 1; }
}

# ---- X servers under Xvfb: dunst, xfce4-notifyd ----

# xvfb_start: Xvfb on a free display (once), exported as DISPLAY.
xvfb_start() {
        [ -z "$XVFB_PID" ] || return 0
        Xvfb -displayfd 8 -nolisten tcp -screen 0 640x480x24 8>"$T/display" 2>"$T/xvfb.log" &
        XVFB_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $XVFB_PID"
        wait_until 10 test -s "$T/display" || { diag "Xvfb did not start"; return 1; }
        export DISPLAY=":$(head -1 "$T/display")"
}

# dunst_start: Xvfb on a free display and dunst on it, with the test's XDG tree (default rules).
dunst_start() {
        xvfb_start || return 1
        dunst >>"$T/dunst.log" 2>&1 &
        DUNST_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $DUNST_PID"
        wait_server
}

dunst_stop() {
        kill "$DUNST_PID" 2>/dev/null
        { wait "$DUNST_PID"; } 2>/dev/null
        wait_until 10 sh -c "! busctl --user status $NOTIFICATIONS"
}

# dunst_paused: "true" or "false", from org.dunstproject.cmd0's property.
dunst_paused() {
        busctl --user get-property "$NOTIFICATIONS" /org/freedesktop/Notifications org.dunstproject.cmd0 paused |
                sed 's/^b //'
}
dunst_set_paused() {
        busctl --user set-property "$NOTIFICATIONS" /org/freedesktop/Notifications org.dunstproject.cmd0 paused b "$1"
}
dunst_is() { [ "$(dunst_paused)" = "$1" ]; }

# ---- a headless sway as an unprivileged user, on the test's bus ----

# The test's bus refuses other users; this one, started instead, lets the compositor's user in.
shared_bus_start() {
        sed "s|@SERVICEDIR@|$T/services|; s|@BUSTYPE@|session|; s|<allow own=\"\\*\"/>|&<allow user=\"*\"/>|" \
                "$top_srcdir/tests/session.conf" >"$T/shared.conf"
        local out
        out=$(dbus-daemon --config-file="$T/shared.conf" --fork --print-address=1 --print-pid=1 2>>"$T/bus.log") || return 1
        BUS_PIDS="$BUS_PIDS $(echo "$out" | sed -n 2p)"
        export DBUS_SESSION_BUS_ADDRESS="$(echo "$out" | sed -n 1p)"
}

# as_nobody COMMAND... &: runs COMMAND as uid 65534 in the compositor's environment; only in
# the background, where the exec makes $! the command's own pid (so cleanup stops it).
as_nobody() {
        exec setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups env -i PATH=/usr/bin:/bin \
                HOME="$T/nobody" XDG_RUNTIME_DIR="$T/nobody/run" XDG_CONFIG_HOME="$T/nobody/config" \
                DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" WAYLAND_DISPLAY="$WAYLAND_DISPLAY" \
                GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GDK_BACKEND=wayland \
                WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman "$@"
}

# sway_start: why it cannot run goes to $SWAY_WHY (and it returns 1).
sway_start() {
        SWAY_WHY=
        command -v sway >/dev/null || { SWAY_WHY="sway is not installed"; return 1; }
        command -v setpriv >/dev/null || { SWAY_WHY="setpriv is not installed"; return 1; }
        shared_bus_start || { SWAY_WHY="cannot start a bus the compositor's user may join"; return 1; }
        chmod 0711 "$T"
        mkdir -p "$T/nobody/run" "$T/nobody/config"
        chmod 0700 "$T/nobody/run"
        echo 'output HEADLESS-1 resolution 800x600' >"$T/nobody/sway.conf"
        chown -R $NOBODY:$NOBODY "$T/nobody"
        WAYLAND_DISPLAY= as_nobody sway -c "$T/nobody/sway.conf" >"$T/sway.log" 2>&1 &
        SWAY_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $SWAY_PID"
        if ! wait_until 15 sh -c "ls '$T/nobody/run' | grep -q '^wayland-[0-9]*\$'"; then
                SWAY_WHY="sway did not start headless: $(tail -1 "$T/sway.log")"
                return 1
        fi
        export WAYLAND_DISPLAY=$(ls "$T/nobody/run" | grep '^wayland-[0-9]*$' | head -1)
}

# nobody_start NAME COMMAND...: a client of the compositor, as the compositor's user; its pid
# is in $LAST_PID.
nobody_start() {
        local name=$1; shift
        as_nobody "$@" >>"$T/$name.log" 2>&1 &
        LAST_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $LAST_PID"
}

# screenshot RRGGBB...: one screenshot of the output (grim, through wlr-screencopy, as the
# compositor's user): how many of its pixels have each colour, into $T/shot ("RRGGBB COUNT" a
# line). Fails when grim does, so that a failed capture never counts as nothing drawn.
screenshot() {
        ( as_nobody grim -t ppm - ) 2>>"$T/grim.log" |
                /usr/bin/python3 "$top_srcdir/tests/lib/ppm-colours.py" "$@" >"$T/shot"
}
# pixels RRGGBB: how many pixels of that colour the last screenshot had.
pixels() { sed -n "s/^$1 //p" "$T/shot"; }

# ---- dbusmock ----

# mock_start TEMPLATE [PARAMETERS]: a dbusmock server from a template (a name of dbusmock's or a
# file), logging calls to $T/mock.log; its pid is in $MOCK_PID.
mock_start() {
        /usr/bin/python3 -m dbusmock --template "$1" ${2:+-p "$2"} -l "$T/mock.log" >>"$T/mock.out" 2>&1 &
        MOCK_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $MOCK_PID"
        wait_server
}
