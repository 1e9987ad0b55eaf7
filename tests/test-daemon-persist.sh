#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-persist.sh: what a method call answered survives kill -9; a damaged state file is
# moved aside; a read-only or full state folder refuses the call and damages nothing.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

S=1000000
INF=18446744073709551615
# Hours from now, whatever the hour the test runs at.
cat >"$CONF" <<EOF
[general]
heads-up = 0

[later]
type = recharge
start = $(date -u -d "@$(($(date +%s) + 3 * 3600))" +%H:%M)
duration = 1min
EOF

# ---- kill -9 right after the call returns ----
daemon_start || { tap_done; exit 1; }
call Recharge ts $((3600 * S)) "Reading, do not knock" >/dev/null
daemon_stop KILL
before_since=$(grep '^manual ' "$STATE" | cut -d' ' -f2)
grep -q '^manual [0-9]* [0-9]* "Reading, do not knock"$' "$STATE"
ok $? "the state file is text a person can read, with the manual recharge in it"
daemon_start || { tap_done; exit 1; }
is "$(prop Mode)/$(prop Source)/$(prop Message)" "recharging/manual/Reading, do not knock" "after kill -9 and a restart the manual recharge is still on"
is "$(prop Since)" "$before_since" "…with the same Since"
is "$(grep -c ' started manual ' "$HISTORY")" 1 "…and the restart did not record a second start"

call Stop >/dev/null
call Skip s later >/dev/null
skip_next=$(eprop later NextStart)
call Pause t 0 >/dev/null
daemon_stop KILL
daemon_start || { tap_done; exit 1; }
is "$(prop Mode) $(prop PausedUntil)" "paused $INF" "after kill -9 the pause is still on"
call Resume >/dev/null
is "$(eprop later NextStart)" "$skip_next" "after kill -9 the skip is still there"
daemon_stop KILL
daemon_start || { tap_done; exit 1; }
is "$(prop Mode)" available "after kill -9 the Resume is remembered too"

daemon_stop TERM
is "$DAEMON_STATUS" 0 "SIGTERM saves and exits 0"
[ -s "$STATE" ] && head -1 "$STATE" | grep -q '^recharged-state '
ok $? "the state file is whole after SIGTERM"
ls "$T/state/recharged/" | grep -q '\.tmp\|^\.#' && st=1 || st=0
ok $st "no temporary files are left behind"

# ---- a damaged state file ----
printf 'recharged-state 1\nmanual 12 banana\n' >"$STATE"
: >"$LOG"
daemon_start || { tap_done; exit 1; }
is "$(prop Mode)" available "with a damaged state file the daemon starts with an empty state"
aside=$(ls "$T/state/recharged/" | grep '^state\.bad-[0-9]*$')
[ -n "$aside" ]
ok $? "the damaged file was moved aside ($aside)"
is "$(cat "$T/state/recharged/$aside")" "$(printf 'recharged-state 1\nmanual 12 banana')" "…intact, for a person to look at"
is "$(grep -c "damaged" "$LOG")" 1 "one clear log line says so"
grep -q "^<3>.*$aside" "$LOG"
ok $? "…at error priority, naming where the file went"
call Pause t 0 >/dev/null
is "$(prop Mode)" paused "the daemon works and saves again"
daemon_stop

# ---- a truncated last history line ----
printf '%s' "$(tail -1 "$HISTORY" | head -c 20)" >>"$HISTORY"
daemon_start || { tap_done; exit 1; }
stats=$(busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short | jq -c '.data[0] | map_values(.data)')
is "$(echo "$stats" | jq .Manual)" 1 "a truncated last history line is ignored, the rest is kept"
call Recharge ts $((60 * S)) "" >/dev/null
call Stop >/dev/null
is "$(busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short | jq '.data[0].Manual.data')" 2 \
   "new history lines after a truncated one are read"
call Resume >/dev/null
daemon_stop

# ---- the state folder cannot be written ----
cp "$STATE" "$T/state.good"
# A folder in the way of the state folder: any user, root too, is refused.
mv "$T/state/recharged" "$T/state/recharged.real"
: >"$T/state/recharged"
: >"$LOG"
daemon_start || { tap_done; exit 1; }
before=$(status_json)
is "$(call_error Recharge "uint64 60000000" "'x'")" System.Error.ENOTDIR "a state folder that is not a folder: the call is refused"
grep -q "Cannot save the state to '$T/state/recharged/state': Not a directory. Nothing was changed" "$T/error"
ok $? "…with a message that says what failed and that nothing changed"
is "$(status_json)" "$before" "…and the daemon's state is exactly what it was"
daemon_stop
rm "$T/state/recharged"
mv "$T/state/recharged.real" "$T/state/recharged"

# A read-only folder: a read-only bind mount in a mount namespace of the daemon's own.
if can_mount; then
        dir="$T/state/recharged"
        DAEMON_BIN="$T/ro-recharged"
        cat >"$DAEMON_BIN" <<EOF
#!/bin/sh
mount --bind "$dir" "$dir" && mount -o remount,bind,ro "$dir" "$dir" || exit 99
exec "$RECHARGED" "\$@"
EOF
        chmod +x "$DAEMON_BIN"
        DAEMON_BIN="unshare -m $DAEMON_BIN"
        daemon_start || { tap_done; exit 1; }
        before=$(status_json)
        is "$(call_error Pause "uint64 60000000")" System.Error.EROFS "a read-only state folder: the call is refused"
        grep -q "Read-only file system. Nothing was changed" "$T/error"
        ok $? "…with an error that says so"
        is "$(status_json)" "$before" "…and the daemon's state is exactly what it was"
        cmp -s "$STATE" "$T/state.good"
        ok $? "…and the stored state is intact"
        grep -q "^<3>Failed to save the state to '.*': Read-only file system" "$LOG"
        ok $? "…and the log says so"
        daemon_stop

        # A full disk: a tiny tmpfs, filled up.
        cat >"$T/full-recharged" <<EOF
#!/bin/sh
mount -t tmpfs -o size=8k tmpfs "$dir" || exit 99
cp "$T/state.good" "$dir/state"
head -c 1M /dev/zero >"$dir/filler" 2>/dev/null
exec "$RECHARGED" "\$@"
EOF
        chmod +x "$T/full-recharged"
        DAEMON_BIN="unshare -m $T/full-recharged"
        daemon_start || { tap_done; exit 1; }
        before=$(status_json)
        is "$(call_error Recharge "uint64 60000000" "'$(head -c 1000 /dev/zero | tr '\0' y)'")" \
           System.Error.ENOSPC "a full disk: the call is refused"
        grep -q "No space left on device. Nothing was changed" "$T/error"
        ok $? "…with an error that says so"
        is "$(status_json)" "$before" "…and the daemon's state is exactly what it was"
        daemon_stop
        DAEMON_BIN=
else
        for i in 1 2 3 4 5 6 7 8; do skip "no mount namespace of our own here" "read-only and full state folder"; done
fi

tap_done
