#!/bin/bash
# SPDX-License-Identifier: MIT
# test-systemd-user.sh: the built unit under a real systemd user manager, in a mount namespace of
# its own: Type=dbus, the sandbox recharged(8) describes, reload, restart on a crash but not on a
# bad config, a clean stop, and D-Bus activation through the manager.
. "$top_srcdir/tests/lib/tap.sh"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# Everything below mounts: do it in a mount namespace of our own, so nothing shows outside.
if [ -z "$RECHARGED_SYSD_NS" ]; then
        [ -x /lib/systemd/systemd ] || skip_all "no /lib/systemd/systemd (Debian: systemd)"
        [ -e /usr/lib/systemd/user/dbus.socket ] || skip_all "no user dbus.socket (Debian: dbus-user-session)"
        unshare -m true 2>/dev/null || skip_all "cannot make a mount namespace here (needs root)"
        RECHARGED_SYSD_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
fi

. "$top_srcdir/tests/lib/daemon.sh"
test_setup
# The default schedule's blocks must not fall inside this test, whatever the hour.
export TZ=$(quiet_tz)

# ---- the machine the manager sees ----
# systemd decides it was booted with systemd by /run/systemd/system.
mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system || skip_all "cannot mount a tmpfs on /run/systemd"
mount -t tmpfs -o mode=0700 tmpfs "$XDG_RUNTIME_DIR"
# A home outside /tmp: the unit leaves /tmp writable, and a home under it would be too.
mount -t tmpfs -o mode=0755 tmpfs /home
export HOME=/home/recharged-test
export XDG_CONFIG_HOME=$HOME/.config XDG_STATE_HOME=$HOME/.local/state XDG_DATA_HOME=$HOME/.local/share
unset XDG_CONFIG_DIRS
mkdir -p "$HOME" "$XDG_CONFIG_HOME/recharged" "$XDG_CONFIG_HOME/systemd/user/dbus.service.d" "$HOME/.local/bin"
CONF=$XDG_CONFIG_HOME/recharged/recharged.conf
STATE_DIR=$XDG_STATE_HOME/recharged
LOG=$T/manager.log
export DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG_RUNTIME_DIR/bus"

# The session bus is the manager's own dbus.socket, as at a login (dbus-user-session), but with
# the tests' bus config: its only service folder is the test's, so no notification server on this
# machine is ever activated. The daemon's log goes to the manager's (there is no journal here).
sed "s|@SERVICEDIR@|$T/services|; s|@BUSTYPE@|session|" "$top_srcdir/tests/session.conf" >"$T/user-bus.conf"
cat >"$XDG_CONFIG_HOME/systemd/user/dbus.service.d/test.conf" <<EOF
[Service]
ExecStart=
ExecStart=/usr/bin/dbus-daemon --config-file=$T/user-bus.conf --address=systemd: --nofork --nopidfile --systemd-activation
EOF
# The built unit and activation file; the daemon is not installed, so ExecStart/Exec name the
# build tree's.
UNIT=$XDG_CONFIG_HOME/systemd/user/recharged.service
sed "s|^ExecStart=.*|ExecStart=$RECHARGED|" "$top_builddir/systemd/recharged.service" >"$UNIT"
sed "s|^Exec=.*|Exec=$RECHARGED|" "$top_builddir/dbus/org.recharged.Recharged1.service" \
        >"$T/services/org.recharged.Recharged1.service"

# The manager in a cgroup of its own: a user manager that is not under user@.service puts its
# units under its own cgroup, which would otherwise be the machine's /init.scope, shared with
# any other manager a parallel run starts.
CG_NAME=recharged-test.${T##*.}
CG_DIRS=
for h in systemd unified; do
        d=/sys/fs/cgroup/$h
        [ -d "$d" ] || continue
        mkdir "$d/$CG_NAME" 2>/dev/null || skip_all "cannot make a cgroup in $d"
        CG_DIRS="$CG_DIRS $d/$CG_NAME"
done
[ -n "$CG_DIRS" ] || skip_all "no name=systemd or unified cgroup hierarchy under /sys/fs/cgroup"

MANAGER_PID=
manager_cleanup() {
        local d deadline
        if [ -n "$MANAGER_PID" ] && kill -0 "$MANAGER_PID" 2>/dev/null; then
                systemctl --user exit 2>/dev/null
                deadline=$(($(date +%s) + 20))
                while kill -0 "$MANAGER_PID" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
        fi
        # Whatever is left in the manager's cgroups (it if it hung, a unit's leftovers).
        for d in $CG_DIRS; do
                find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
        done
        [ -n "$MANAGER_PID" ] && wait "$MANAGER_PID" 2>/dev/null
        # Depth first; also what the manager made in the controllers' hierarchies.
        for d in $CG_DIRS /sys/fs/cgroup/*/"$CG_NAME"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        umount "$XDG_RUNTIME_DIR" /home /run/systemd 2>/dev/null
        cleanup
}
trap manager_cleanup EXIT

# wait_until SECONDS COMMAND...: polls COMMAND until it succeeds or the deadline passes.
wait_until() {
        local deadline=$(($(date +%s%N) + $1 * 1000000000)); shift
        until "$@" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.05
        done
}
sc() { systemctl --user "$@"; }
show() { sc show -P "$1" recharged.service; }
running() { case $(sc is-system-running 2>/dev/null) in running | degraded) return 0 ;; esac; return 1; }
is_state() { [ "$(show ActiveState)/$(show SubState)" = "$1" ]; }
owner_is() { [ "$(busctl --user status "$BUS" 2>/dev/null | sed -n 's/^PID=//p')" = "$1" ]; }

(
        for d in $CG_DIRS; do echo "$BASHPID" >"$d/cgroup.procs" || exit 1; done
        exec /lib/systemd/systemd --user --log-target=console \
                --default-standard-output=inherit --default-standard-error=inherit
) >>"$LOG" 2>&1 </dev/null &
MANAGER_PID=$!
if ! wait_until 30 running; then
        echo "# $(sc is-system-running 2>&1)"
        diag "$(tail -20 "$LOG")"
        skip_all "systemd --user does not come up here"
fi

# ---- what this machine lets the manager apply ----
# Each sandbox option of the unit, alone, on /bin/true. One the manager cannot set up here (a
# container's /proc or /sys) fails every start with 226/NAMESPACE; it is turned off by a drop-in
# and its check skipped, so the rest is still tested.
mkdir -p "$UNIT.d"
NOT_HERE=
for opt in $(sed -n 's/^\(Protect[A-Za-z]*\|NoNewPrivileges\|Restrict[A-Za-z]*\|LockPersonality\|SystemCallArchitectures\)=.*/\1/p' "$UNIT" | sort -u); do
        val=$(sed -n "s/^$opt=//p" "$UNIT" | tail -1)
        if ! systemd-run --user --wait -q -p "$opt=$val" /bin/true >/dev/null 2>&1; then
                NOT_HERE="$NOT_HERE $opt"
                off=no; [ "$opt" = SystemCallArchitectures ] && off=
                printf '[Service]\n%s=%s\n' "$opt" "$off" >"$UNIT.d/not-here-$opt.conf"
        fi
done
for opt in $NOT_HERE; do
        skip "the manager cannot apply $opt= on this machine (a /bin/true with it alone fails to start: 226/NAMESPACE)" \
             "$opt= applies under the real manager"
done

# ---- start: Type=dbus, the bus name, GetStatus ----
cat >"$HOME/.local/bin/hook" <<EOF
#!/bin/sh
echo hook >$HOME/outside
echo hook >$STATE_DIR/hook
echo hook >$XDG_RUNTIME_DIR/hook
echo hook >$T/hook
echo hook done
EOF
chmod 0755 "$HOME/.local/bin/hook"
cp "$top_builddir/recharged.conf.example" "$CONF"
sed -i "s|^\[general\]|&\non-start = $HOME/.local/bin/hook|" "$CONF"
grep -q '^on-start' "$CONF" || diag "the example config has no [general]: no hook set"

t0=$(date +%s%N)
sc start recharged.service 2>"$T/start.err"
is "$?" "0" "systemctl --user start recharged succeeds"
is "$(show ActiveState)/$(show SubState)" "active/running" "the unit is active (running)"
pid=$(show MainPID)
owner_is "$pid"
is "$?" "0" "its main process owns $BUS (Type=dbus is satisfied by the name, not by the fork)"
is "$(status_json | jq -r .Mode)" "available" "GetStatus answers"
[ "$(show ActiveState)" = active ] || diag "$(sc status --no-pager -n0 recharged.service 2>&1)"
diag "start took $((($(date +%s%N) - t0) / 1000000)) ms"

# ---- the sandbox ----
call Recharge ts 600000000 "under the manager" >/dev/null
is "$?" "0" "a Recharge call succeeds"
wait_until 10 test -s "$STATE_DIR/state"
is "$?" "0" "the state file is written in ~/.local/state/recharged (the unit's ReadWritePaths)"
wait_log "hook done" 15
is "$?" "0" "the on-start hook ran"
grep -q "$HOME/outside: Read-only file system" "$LOG"
is "$?" "0" "a hook cannot write to the home folder outside the state folder (Read-only file system)"
[ -e "$HOME/outside" ]
is "$?" "1" "and nothing was written there"
is "$([ -e "$STATE_DIR/hook" ] && echo state) $([ -e "$XDG_RUNTIME_DIR/hook" ] && echo runtime) $([ -e "$T/hook" ] && echo tmp)" \
   "state runtime tmp" "a hook can write to the state folder, the runtime folder and /tmp"
grep "hook\|Read-only" "$LOG" | sed 's/^/# log: /'

# ---- reload ----
printf '\n[reloaded]\ntype = selfcare\nat = %s\nmessage = Reloaded\n' "$(clock_in 7200)" >>"$CONF"
sc reload recharged.service
is "$?" "0" "systemctl --user reload recharged succeeds"
has_reloaded() { call ListEntries | jq -e '[.[0][][0]] | index("reloaded")'; }
wait_until 10 has_reloaded
is "$?" "0" "the reload re-read the config (the new entry is on the bus)"
grep -q "Schedule reloaded from $CONF" "$LOG"
is "$?" "0" "and the daemon logged it"
is "$(show MainPID)" "$pid" "the same process (a reload is not a restart)"

# ---- a crash: restarted, the state kept ----
kill -9 "$pid"
new_pid() { p=$(show MainPID); [ "$p" != 0 ] && [ "$p" != "$pid" ] && is_state active/running && owner_is "$p"; }
wait_until 20 new_pid
is "$?" "0" "after kill -9 the manager restarts it (Restart=on-failure) and it owns the name again"
is "$(show NRestarts)" "1" "one restart"
is "$(status_json | jq -r '.Mode + " " + .Message')" "recharging under the manager" "the recharge survived the crash"
pid=$(show MainPID)

# ---- a bad config: exit status 78, no restart loop ----
cp "$CONF" "$T/good.conf"
echo "heads-up = soon" >>"$CONF"
sc restart recharged.service 2>"$T/restart.err"
is "$?" "1" "systemctl --user restart with a bad config fails"
# With a restart scheduled the unit would be activating/auto-restart; failed/failed means none.
wait_until 10 is_state failed/failed
is "$?" "0" "the unit is failed, with no restart scheduled (RestartPreventExitStatus=78)"
is "$(show ExecMainStatus)" "78" "the daemon exited with status 78 (EX_CONFIG)"
is "$(show NRestarts)" "0" "no automatic restart was made"
status=$(sc status --no-pager recharged.service 2>&1)
case $status in
*"Active: failed"*"status=78"*) ok 0 "systemctl --user status shows it failed, status=78" ;;
*) ok 1 "systemctl --user status shows it failed, status=78"; diag "$status" ;;
esac
grep -q "$CONF:.*heads-up" "$LOG"
is "$?" "0" "the log names the bad line"

# rechargectl with the unit failed on a bad config: at once, one line, the cause and what to do.
first_error=$("$RECHARGECTL" check-config 2>&1 | head -1)
t0=$(date +%s%N)
out=$("$RECHARGECTL" status 2>&1)
st=$?; ms=$((($(date +%s%N) - t0) / 1000000))
is "$st" "1" "rechargectl status with the unit failed: exit 1"
is "$out" "recharged failed to start: its configuration does not pass check-config: $first_error — fix it, then run: systemctl --user restart recharged" \
   "one line: failed to start, the config's first error, the next step"
[ "$ms" -lt 4000 ]; ok $? "at once ($ms ms), not after an activation timeout"
t0=$(date +%s%N)
out=$("$RECHARGECTL" --waybar 2>/dev/null)
st=$?; ms=$((($(date +%s%N) - t0) / 1000000))
is "$st/$(jq -r .class <<<"$out")" "0/offline" "rechargectl --waybar: the offline object, exit 0"
[ "$ms" -lt 4000 ]; ok $? "--waybar at once ($ms ms)"
# A unit failed for another reason than the config: its exit status, and where to look.
cp "$T/good.conf" "$T/ok.conf"
printf '[Service]\nExecStart=\nExecStart=/bin/sh -c "exit 3"\n' >"$UNIT.d/fail.conf"
cp "$T/good.conf" "$CONF"
sc daemon-reload
sc restart recharged.service 2>/dev/null
wait_until 10 is_state failed/failed
t0=$(date +%s%N)
out=$("$RECHARGECTL" status 2>&1)
st=$?; ms=$((($(date +%s%N) - t0) / 1000000))
is "$st" "1" "a unit failed with exit status 3, good config: exit 1"
is "$out" "recharged failed to start (recharged.service: exit status 3); see: systemctl --user status recharged" \
   "one line: failed to start, its exit status, and where to look"
# Activating it again would fail the same way, and the manager does not tell the bus: no call.
[ "$ms" -lt 4000 ]; ok $? "at once ($ms ms), not after the 5 s status timeout"
rm "$UNIT.d/fail.conf"
sc daemon-reload
sc reset-failed recharged.service

# ---- stop: a clean exit ----
cp "$T/good.conf" "$CONF"
sc start recharged.service
is "$?" "0" "with the config fixed, it starts again"
sc stop recharged.service
is "$?" "0" "systemctl --user stop succeeds"
is "$(show ActiveState)/$(show Result)" "inactive/success" "the unit is inactive, result success"
is "$(show ExecMainStatus)" "0" "the daemon exited with status 0"
wait_until 10 sh -c "! busctl --user status $BUS"
is "$?" "0" "the bus name is gone"

# ---- D-Bus activation goes through the manager (SystemdService=) ----
out=$(busctl --user --auto-start=yes get-property "$BUS" "$OBJ" "$IFACE" Mode 2>&1)
is "$out" 's "recharging"' "a call to the stopped daemon is answered (and the recharge is still on)"
is "$(show ActiveState)/$(show SubState)" "active/running" "by recharged.service, which the bus asked the manager to start"
sc stop recharged.service

if grep -q "ERROR: \(Address\|Leak\)Sanitizer\|runtime error:" "$LOG"; then
        ok 1 "no sanitizer report in the log"
        diag "$(grep -A20 "Sanitizer\|runtime error" "$LOG")"
else
        ok 0 "no sanitizer report in the log"
fi

tap_done
