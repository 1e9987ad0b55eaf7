# SPDX-License-Identifier: MIT
# daemon.sh: what the integration tests share: a private session bus, a private XDG tree, the
# real recharged on it, property and call helpers, and waiting for signals without sleeps.
# Source it after tap.sh; call test_setup first. Everything is removed at exit.

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
RECHARGED=${RECHARGED:-$top_builddir/daemon/recharged}
BUS=org.recharged.Recharged1
OBJ=/org/recharged/Recharged1
IFACE=org.recharged.Recharged1
EIFACE=org.recharged.Recharged1.Entry

T=
DAEMON_PID=
MONITOR_PID=
BUS_PIDS=
EXTRA_PIDS=

cleanup() {
        local p
        for p in $MONITOR_PID $DAEMON_PID $EXTRA_PIDS $BUS_PIDS; do
                kill "$p" 2>/dev/null
        done
        wait 2>/dev/null
        [ -n "$T" ] && rm -rf "$T"
}

# Starts a private bus of TYPE (session or system); its address is in $BUS_ADDRESS.
bus_start() {
        local type=$1 out
        sed "s|@SERVICEDIR@|$T/services|; s|@BUSTYPE@|$type|" "$top_srcdir/tests/session.conf" >"$T/$type.conf"
        out=$(dbus-daemon --config-file="$T/$type.conf" --fork --print-address=1 --print-pid=1 2>>"$T/bus.log") || return 1
        BUS_PIDS="$BUS_PIDS $(echo "$out" | sed -n 2p)"
        BUS_ADDRESS=$(echo "$out" | sed -n 1p)
}

test_setup() {
        T=$(mktemp -d "${TMPDIR:-/tmp}/recharged-test.XXXXXX") || exit 99
        trap cleanup EXIT
        trap 'exit 1' INT TERM
        mkdir -p "$T/config/recharged" "$T/state" "$T/services" "$T/home"
        mkdir -m 0700 "$T/runtime"
        export XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" XDG_RUNTIME_DIR="$T/runtime" HOME="$T/home"
        export XDG_CONFIG_DIRS="$T/xdg-none"
        # Times in the configs are local: UTC makes them what `date -u` says.
        export TZ=UTC
        # No system bus unless a test starts one (no logind to watch).
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/no-system-bus"
        bus_start session || { echo "Bail out! cannot start dbus-daemon"; exit 99; }
        export DBUS_SESSION_BUS_ADDRESS="$BUS_ADDRESS"
        CONF="$T/config/recharged/recharged.conf"
        STATE="$T/state/recharged/state"
        HISTORY="$T/state/recharged/history"
        LOG="$T/daemon.log"
}

# WAIT_FLOOR: the seconds every wait for something that must come allows at least, whatever its
# call site says. The limit only bounds how long a failing test takes; a cold or loaded machine
# can take seconds over what is quick here. A wait that must run out (nothing may come) says
# WAIT_FLOOR=0 in front of it.
WAIT_FLOOR=${WAIT_FLOOR:-20}
# deadline_in SECONDS: the nanosecond deadline of a wait of SECONDS, with the floor.
deadline_in() {
        local s=$1
        [ "$s" -ge "$WAIT_FLOOR" ] || s=$WAIT_FLOOR
        echo $(($(date +%s%N) + s * 1000000000))
}

# Clock times N seconds from now, for configs: "HH:MM:SS" in the test's TZ.
clock_in() { date -d "@$(($(date +%s) + $1))" +%H:%M:%S; }

# quiet_tz: a zone (POSIX TZ, a whole-hour offset) in which it is now between 03:00 and 04:00.
# The built-in default schedule and recharged.conf.example have nothing between 22:00 and 07:00
# on any day, so a test of them that says `export TZ=$(quiet_tz)` finds the daemon available
# whatever the hour it runs (in UTC their 07:00 and 21:00 blocks fell inside such tests).
quiet_tz() {
        local k=$(( (27 - $(date -u +%-H)) % 24 ))
        [ "$k" -le 12 ] || k=$((k - 24))
        if [ "$k" -ge 0 ]; then echo "QUIET-$k"; else echo "QUIET+$((-k))"; fi
}
# noon_offset: the whole hours east of UTC (-11..12) of a zone in which it is now 12:xx;
# noon_tz: that zone (POSIX TZ). A test whose expected words name a day ("Tue 04:00",
# "tomorrow") and are computed a moment before or after the program runs says
# `export TZ=$(noon_tz)`: no local midnight falls inside it, whatever the hour it runs.
noon_offset() {
        local off=$(( (12 - 10#$(date -u +%H) + 24) % 24 ))
        [ "$off" -le 12 ] || off=$((off - 24))
        echo "$off"
}
noon_tz() { echo "<NOON>$((-$(noon_offset)))"; }
# midnight_tz SECONDS: a zone (POSIX TZ, its offset in seconds) in which local midnight comes
# SECONDS from now: to see what changes at midnight without waiting for one.
midnight_tz() {
        local off=$(( (86400 - $1 - $(date +%s) % 86400 + 86400) % 86400 ))
        [ "$off" -le 43200 ] || off=$((off - 86400))
        local sign=- a=$off
        [ "$off" -ge 0 ] || { sign=+; a=$((-off)); }
        printf '<MID>%s%d:%02d:%02d\n' "$sign" $((a / 3600)) $((a / 60 % 60)) $((a % 60))
}
# Microseconds since the epoch, now.
now_us() { echo $(($(date +%s%N) / 1000)); }

# daemon_start [ARGS...]: the daemon in the background with $CONF; waits for its bus name.
daemon_start() {
        # DAEMON_BIN may be a command with arguments (unshare -m …): split on purpose.
        ${DAEMON_BIN:-$RECHARGED} --verbose --config "$CONF" "$@" 2>>"$LOG" &
        DAEMON_PID=$!
        if ! gdbus wait --session "$BUS" --timeout 10 >/dev/null 2>&1 || ! kill -0 "$DAEMON_PID" 2>/dev/null; then
                diag "recharged did not come up; its log:"
                diag "$(cat "$LOG")"
                return 1
        fi
}

# daemon_start_armed WRITE-CONFIG [ARGS...]: for configs whose instants are a few seconds from
# $base. WRITE-CONFIG is a function that writes $CONF from $base. The daemon starts with the
# config written for a base two hours ahead (nothing falls due while it starts), then $base is
# set to now, the config written again and reloaded: the seconds the test counts on begin after
# the slow part (a cold cache or a loaded machine can make a start take seconds), and only one
# bus call stands between $base and the daemon knowing the instants.
daemon_start_armed() {
        local write=$1; shift
        base=$(($(date +%s) + 7200))
        "$write"
        daemon_start "$@" || return 1
        base=$(date +%s)
        "$write"
        busctl --user call "$BUS" "$OBJ" "$IFACE" Reload >/dev/null
}

# daemon_stop [SIGNAL]: stops it and waits; the exit status is in $DAEMON_STATUS.
daemon_stop() {
        kill "-${1:-TERM}" "$DAEMON_PID" 2>/dev/null
        { wait "$DAEMON_PID"; } 2>/dev/null
        DAEMON_STATUS=$?
        DAEMON_PID=
        # The name goes with the connection; wait until the bus has noticed.
        local i
        for i in $(seq 400); do
                busctl --user status "$BUS" >/dev/null 2>&1 || return 0
                sleep 0.05
        done
}

# prop NAME [PATH [INTERFACE]]: a property's value: numbers and booleans as busctl prints them
# (jq would round 64-bit numbers), strings unquoted, arrays as JSON.
prop() {
        local v
        v=$(busctl --user get-property "$BUS" "${2:-$OBJ}" "${3:-$IFACE}" "$1") || return 1
        case $v in
        "t "* | "u "* | "b "* | "i "* | "x "*) echo "${v#* }" ;;
        *) busctl --user get-property "$BUS" "${2:-$OBJ}" "${3:-$IFACE}" "$1" --json=short |
                   jq -r '.data | if type == "array" then tojson else . end' ;;
        esac
}
# entry_path NAME: the entry's object path, escaped as sd_bus_path_encode() does.
entry_path() {
        local name=$1 out="" c i
        for ((i = 0; i < ${#name}; i++)); do
                c=${name:i:1}
                case $c in
                [A-Za-z0-9]) out+=$c ;;
                *) out+=$(printf '_%02x' "'$c") ;;
                esac
        done
        echo "$OBJ/entry/$out"
}
eprop() { prop "$2" "$(entry_path "$1")" "$EIFACE"; }

# call METHOD SIGNATURE ARGS...: busctl's call, output as JSON data.
call() {
        local m=$1; shift
        busctl --user call "$BUS" "$OBJ" "$IFACE" "$m" "$@" --json=short | jq -c '.data'
}

# call_error METHOD GVARIANT-ARGS...: the D-Bus error name of a call that should fail (empty if
# it succeeded); the message is in $T/error.
call_error() {
        local m=$1; shift
        if gdbus call --session -d "$BUS" -o "$OBJ" -m "$IFACE.$m" "$@" >/dev/null 2>"$T/error"; then
                return 0
        fi
        sed -n 's/^Error: GDBus\.Error:\([^:]*\): .*/\1/p' "$T/error" | head -1
}

# The daemon's state as GetStatus reports it, as one JSON object of plain values.
status_json() {
        busctl --user call "$BUS" "$OBJ" "$IFACE" GetStatus --json=short | jq -c '.data[0] | map_values(.data)'
}

# can_mount: whether this test may make a mount namespace of its own and mount in it (root
# on a normal machine; not in an unprivileged container).
can_mount() {
        mkdir -p "$T/probe"
        unshare -m sh -c "mount -t tmpfs tmpfs '$T/probe'" 2>/dev/null
}

# ---- watching the bus ----

# Records every signal from the daemon (JSON, one a line) into $T/monitor.json.
monitor_start() {
        : >"$T/monitor.json"
        busctl --user monitor --json=short "$BUS" >"$T/monitor.json" 2>"$T/monitor.err" &
        MONITOR_PID=$!
        local i
        for i in $(seq 400); do
                grep -q "Monitoring" "$T/monitor.err" 2>/dev/null && return 0
                sleep 0.05
        done
        return 1
}

# Remembers how far the monitor log is, so waits look only at what comes after.
MARK=0
mark() { MARK=$(wc -l <"$T/monitor.json"); }

# signals_since_mark: the signals recorded after the mark, one JSON a line: {member, data}.
signals_since_mark() {
        tail -n "+$((MARK + 1))" "$T/monitor.json" | jq -c 'select(.type == "signal") | {path, member, data: .payload.data, ts: .["timestamp-realtime"]}'
}

# wait_for JQ-FILTER [SECONDS]: waits until a signal after the mark makes FILTER true.
# The filter sees {path, member, data, ts} (ts: when the bus saw it, µs). Prints the first match.
wait_for() {
        local filter=$1 limit=${2:-10} deadline m
        deadline=$(deadline_in "$limit")
        while :; do
                m=$(signals_since_mark | jq -c "select($filter)" 2>/dev/null | head -1)
                if [ -n "$m" ]; then
                        echo "$m"
                        return 0
                fi
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# wait_count MEMBER N [SECONDS]: waits until N signals named MEMBER came after the mark (the
# monitor writes its log a little after the bus delivered them).
wait_count() {
        local deadline
        deadline=$(deadline_in "${3:-10}")
        while [ "$(count_signals "$1")" -lt "$2" ]; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# wait_signal MEMBER [SECONDS]: the data of the next signal named MEMBER after the mark.
wait_signal() {
        wait_for ".member == \"$1\"" "${2:-10}" | jq -c '.data'
}

# wait_prop NAME VALUE [SECONDS]: waits for PropertiesChanged of the root object to say
# NAME = VALUE (VALUE as JSON: "\"recharging\"", true, 0).
wait_prop() {
        wait_for ".member == \"PropertiesChanged\" and .path == \"$OBJ\" and .data[1].$1.data == $2" "${3:-10}" >/dev/null
}

# changed_props: the names of root properties changed since the mark, sorted, space-separated.
changed_props() {
        signals_since_mark | jq -r "select(.member == \"PropertiesChanged\" and .path == \"$OBJ\") | .data[1] | keys[]" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# count_signals MEMBER: how many MEMBER signals since the mark.
count_signals() {
        signals_since_mark | jq -c "select(.member == \"$1\")" | wc -l
}

# ---- rechargectl (the client tests) ----

RECHARGECTL=${RECHARGECTL:-$top_builddir/client/rechargectl}

# ctl ARGS...: runs rechargectl; stdout in $OUT, stderr in $ERR, exit status in $RC.
ctl() {
        OUT=$("$RECHARGECTL" "$@" 2>"$T/ctl.err")
        RC=$?
        ERR=$(cat "$T/ctl.err")
}

# ctl_is WANT_RC DESCRIPTION ARGS...: one assertion: rechargectl ARGS exits with WANT_RC.
ctl_is() {
        local want=$1 what=$2; shift 2
        ctl "$@"
        is "$RC" "$want" "$what (exit $want)"
        [ "$RC" = "$want" ] || diag "stdout: $OUT" "stderr: $ERR"
}

# ---- a recording notification server (python3-dbusmock's notification_daemon template) ----

NOTIFY_MOCK_PID=
NOTIFY_NAME=org.freedesktop.Notifications
NOTIFY_PATH=/org/freedesktop/Notifications

# notify_mock_start [CAPABILITIES]: the mock on the test's bus (default "body actions"); waits for
# its name. Its call log is in $T/notify-mock.log.
notify_mock_start() {
        /usr/bin/python3 -m dbusmock --template notification_daemon \
                -p "{\"capabilities\": \"${1:-body actions}\"}" -l "$T/notify-mock.log" >>"$T/notify-mock.out" 2>&1 &
        NOTIFY_MOCK_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $NOTIFY_MOCK_PID"
        gdbus wait --session "$NOTIFY_NAME" --timeout 10 >/dev/null 2>&1
}

# notify_mock_stop: ends it and waits until the bus has let go of the name.
notify_mock_stop() {
        kill "$NOTIFY_MOCK_PID" 2>/dev/null
        wait "$NOTIFY_MOCK_PID" 2>/dev/null
        NOTIFY_MOCK_PID=
        local i
        for i in $(seq 400); do
                busctl --user status "$NOTIFY_NAME" >/dev/null 2>&1 || return 0
                sleep 0.05
        done
}

# notify_calls: every Notify the mock received, one JSON object a line:
# {id, app, replaces, icon, summary, body, actions, hints: {name: value}, expire}. The id is the
# one the mock answered: its next number for a new notification, else the one replaced.
notify_calls() {
        busctl --user call "$NOTIFY_NAME" "$NOTIFY_PATH" org.freedesktop.DBus.Mock GetMethodCalls s Notify --json=short |
                jq -c '[.data[0][] | .[1] | map(.data) | {app: .[0], replaces: .[1], icon: .[2], summary: .[3],
                       body: .[4], actions: .[5], hints: (.[6] | map_values(.data)), expire: .[7]}]
                       | reduce .[] as $c ({n: 0, out: []};
                           if $c.replaces == 0 then .n += 1 | .out += [{id: .n} + $c]
                           else .out += [{id: $c.replaces} + $c] end)
                       | .out[]'
}

# notify_mock_calls METHOD: how many times the mock was called with METHOD.
notify_mock_calls() {
        busctl --user call "$NOTIFY_NAME" "$NOTIFY_PATH" org.freedesktop.DBus.Mock GetMethodCalls s "$1" --json=short |
                jq '.data[0] | length'
}

# notify_wait COUNT [SECONDS]: waits until the mock has received COUNT Notify calls; prints the
# last of them.
notify_wait() {
        local want=$1 limit=${2:-10} deadline calls
        deadline=$(deadline_in "$limit")
        while :; do
                calls=$(notify_calls 2>/dev/null)
                if [ -n "$calls" ] && [ "$(echo "$calls" | wc -l)" -ge "$want" ]; then
                        echo "$calls" | sed -n "${want}p"
                        return 0
                fi
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# notify_action ID KEY: the mock says the user clicked action KEY of notification ID.
notify_action() {
        gdbus call --session -d "$NOTIFY_NAME" -o "$NOTIFY_PATH" -m org.freedesktop.DBus.Mock.EmitSignal \
                "$NOTIFY_NAME" ActionInvoked us "[<uint32 $1>, <'$2'>]" >/dev/null
}

# wait_log PATTERN [SECONDS]: waits until a line of the daemon's log written after the last log_mark
# matches PATTERN (grep -E).
wait_log() {
        local limit=${2:-10} deadline
        deadline=$(deadline_in "$limit")
        until tail -n "+$((${LOG_MARK:-0} + 1))" "$LOG" 2>/dev/null | grep -qE -- "$1"; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}

# log_mark: from now on wait_log reads only the lines written after this point, so a line an
# earlier step wrote never answers for a later one. test_setup and daemon_start set no mark:
# call it right before the action whose line you wait for.
log_mark() { LOG_MARK=$(wc -l <"$LOG" 2>/dev/null || echo 0); }
wait_log_after_mark() { wait_log "$@"; }

# max_call_ms COUNT: calls GetStatus COUNT times; prints the slowest in milliseconds.
max_call_ms() {
        local i t0 t1 ms max=0
        for i in $(seq "$1"); do
                t0=$(date +%s%N)
                busctl --user call "$BUS" "$OBJ" "$IFACE" GetStatus >/dev/null || { echo 99999; return; }
                t1=$(date +%s%N)
                ms=$(((t1 - t0) / 1000000))
                [ "$ms" -gt "$max" ] && max=$ms
        done
        echo "$max"
}

# log_since_mark: the daemon's log lines written after the last log_mark.
log_since_mark() { tail -n "+$((${LOG_MARK:-0} + 1))" "$LOG"; }
