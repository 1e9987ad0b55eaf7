#!/bin/bash
# SPDX-License-Identifier: MIT
# test-service-files.sh: the built systemd unit and D-Bus activation file say what DESIGN.md and
# recharged(8) promise, systemd-analyze verify finds nothing in the unit, and the state folder the
# unit makes writable is the one the daemon writes.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup
# The default schedule's blocks must not fall inside this test, whatever the hour.
export TZ=$(quiet_tz)

UNIT="$top_builddir/systemd/recharged.service"
ACT="$top_builddir/dbus/org.recharged.Recharged1.service"

# value FILE KEY: the values of KEY= in FILE, one a line, in order.
value() { sed -n "s/^$2=//p" "$1"; }

# ---- the unit ----
is "$(value "$UNIT" Type)" "dbus" "unit: Type=dbus"
is "$(value "$UNIT" BusName)" "org.recharged.Recharged1" "unit: BusName is the daemon's bus name"
is "$(value "$UNIT" ExecStart)" "$bindir/recharged" "unit: ExecStart is the configured bindir's recharged"
is "$(value "$UNIT" ExecReload)" '/bin/kill -HUP $MAINPID' "unit: reload sends SIGHUP"
is "$(value "$UNIT" Restart)" "on-failure" "unit: Restart=on-failure"
is "$(value "$UNIT" RestartPreventExitStatus)" "78" "unit: no restart loop on a bad config (EX_CONFIG)"
is "$(value "$UNIT" PartOf) $(value "$UNIT" After) $(value "$UNIT" WantedBy)" \
   "graphical-session.target graphical-session.target graphical-session.target" \
   "unit: started with the graphical session and stopped with it"
is "$(value "$UNIT" NoNewPrivileges) $(value "$UNIT" ProtectSystem) $(value "$UNIT" ProtectHome)" "yes strict read-only" \
   "unit: NoNewPrivileges, ProtectSystem=strict, ProtectHome=read-only"
if grep -q '@[a-z_]*@' "$UNIT" "$ACT"; then
        ok 1 "no @placeholder@ is left in the built files"
        diag "$(grep -n '@[a-z_]*@' "$UNIT" "$ACT")"
else
        ok 0 "no @placeholder@ is left in the built files"
fi

# ---- the activation file ----
is "$(sed -n 1p "$ACT" | cut -c1)$(grep -c '^\[D-BUS Service\]$' "$ACT")" "#1" "activation: one [D-BUS Service] section"
is "$(value "$ACT" Name)" "org.recharged.Recharged1" "activation: Name"
is "$(value "$ACT" Exec)" "$bindir/recharged" "activation: Exec is the configured bindir's recharged"
is "$(value "$ACT" SystemdService)" "recharged.service" "activation: SystemdService=recharged.service"
is "$(basename "$ACT")" "$(value "$ACT" Name).service" "activation: the file is named after the bus name"

# ---- the state folder the sandbox leaves writable is where the daemon writes ----
# %h is the home folder; the daemon's default is $HOME/.local/state/recharged.
rw=$(value "$UNIT" ReadWritePaths | tr ' ' '\n' | sed 's/^-//' | grep '^%h/' | head -1)
pre=$(value "$UNIT" ExecStartPre)
is "$rw" "%h/.local/state/recharged" "unit: the state folder is writable"
is "$pre" "+/bin/mkdir -p $rw" "unit: the state folder is made before the read-only view is set up"
(
        unset XDG_STATE_HOME
        cp "$top_builddir/recharged.conf.example" "$CONF"
        daemon_start && call Recharge ts 60000000 "state path check" >/dev/null
        daemon_stop
)
state_dir=${rw/\%h/$HOME}
if [ -f "$state_dir/state" ]; then
        ok 0 "the daemon, without XDG_STATE_HOME, keeps its state in the unit's writable folder"
else
        ok 1 "the daemon, without XDG_STATE_HOME, keeps its state in the unit's writable folder"
        diag "$(find "$T" -name state -type f)"
fi

# ---- the daemon lives with the unit's view of the home folder ----
# ProtectSystem=strict makes the home folder read-only but for ReadWritePaths=. Emulated with a
# mount namespace: everything the daemon writes must be in the state folder.
if unshare -m true 2>/dev/null; then ns="unshare -m"; elif unshare -Urm true 2>/dev/null; then ns="unshare -Urm"; else ns=; fi
if [ -z "$ns" ]; then
        skip "no mount namespaces here" "with a read-only home but the state folder, the daemon saves what it answered"
else
        rm -rf "$state_dir"
        mkdir -p "$state_dir" # what ExecStartPre does
        (
                unset XDG_STATE_HOME
                $ns sh -c 'mount --bind "$HOME" "$HOME" && mount -o remount,bind,ro "$HOME" &&
                        mount --bind "$1" "$1" && mount -o remount,bind,rw "$1" &&
                        exec "$2" --verbose --config "$3"' sh "$state_dir" "$RECHARGED" "$CONF" 2>>"$LOG" &
                DAEMON_PID=$!
                gdbus wait --session "$BUS" --timeout 10 >/dev/null 2>&1
                call Recharge ts 60000000 "sandboxed" >/dev/null && call Stop >/dev/null && call Skip s morning >/dev/null
                echo "calls:$?" >"$T/sandbox.out"
                daemon_stop
                echo "exit:$DAEMON_STATUS" >>"$T/sandbox.out"
        )
        is "$(tr '\n' ' ' <"$T/sandbox.out")$(grep -c '^override "morning"' "$state_dir/state" 2>/dev/null)" "calls:0 exit:0 1" \
           "with a read-only home but the state folder, the daemon saves what it answered"
        grep -q "Read-only file system" "$LOG"
        is "$?" "1" "and writes nothing elsewhere (no 'Read-only file system' in its log)"
fi

# ---- systemd-analyze verify ----
if ! command -v systemd-analyze >/dev/null; then
        skip "systemd-analyze is not installed (Debian: systemd)" "systemd-analyze verify finds nothing in the unit"
else
        # It needs a runtime folder, an ExecStart that exists (the built daemon stands in for the
        # installed one), no man page lookups; warnings do not change its exit status, so the
        # output must be empty. It reads every unit of the search path, and the machine's other
        # units (two notification servers claiming one bus name) would speak up too: so the
        # search path is a folder of our unit and, linked from the system's user unit folders,
        # just the units verify says it is missing (dbus.socket, basic.target, the session
        # target). A unit missing there too stays reported.
        mkdir -p "$T/units"
        sed "s|^ExecStart=.*|ExecStart=$RECHARGED|" "$UNIT" >"$T/units/recharged.service"
        user_unit_dirs="/etc/systemd/user /usr/local/lib/systemd/user /usr/lib/systemd/user /lib/systemd/user"
        verify() { SYSTEMD_UNIT_PATH="$T/units" systemd-analyze --user verify --man=no "$1" 2>&1; }
        for _ in $(seq 20); do
                missing=$(verify "$T/units/recharged.service" | sed -n 's/.*Unit \([^ ]*\) not found\./\1/p' | head -1)
                [ -n "$missing" ] || break
                for d in $user_unit_dirs; do
                        [ -e "$d/$missing" ] && { ln -s "$d/$missing" "$T/units/$missing"; break; }
                done
                [ -e "$T/units/$missing" ] || break
        done
        out=$(verify "$T/units/recharged.service")
        st=$?
        is "$st:$out" "0:" "systemd-analyze verify finds nothing in the unit"
        # The check has teeth: a misspelt key is reported (alone: two units would share a bus name).
        sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$T/units/recharged.service" >"$T/units/bad.service"
        rm "$T/units/recharged.service"
        out=$(verify "$T/units/bad.service")
        case "$out" in
        *NoNewPrivilege*) ok 0 "systemd-analyze verify reports a misspelt key (the check works here)" ;;
        *) ok 1 "systemd-analyze verify reports a misspelt key (the check works here)"; diag "$out" ;;
        esac
fi

tap_done
