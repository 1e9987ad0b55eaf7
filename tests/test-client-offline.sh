#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-offline.sh: rechargectl when recharged cannot start: on a bus without activation,
# on a bus whose activation fails (exit status 78) or hangs, and with a config that does not pass
# check-config. Each says why in one line and what to do; a bar never waits and always gets its
# offline object (exit 0).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# timed ARGS...: ctl, with the time it took in $MS.
timed() { local t0; t0=$(date +%s%N); ctl "$@"; MS=$(ms_since "$t0"); }

good_conf() { printf '[general]\nheads-up = 0\n\n[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"; }
bad_conf() { printf '[general]\nheads-up = soon\n\n[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"; }
FIRST_ERROR="$CONF:2: [general] heads-up: 'soon' is not a number, expected a time span such as 45min"
FIX="fix it, then run: systemctl --user restart recharged"

# ---- no activation on this bus ----
bad_conf
is "$("$RECHARGECTL" check-config 2>&1 | head -1)" "$FIRST_ERROR" "check-config's first error line (the one the client quotes)"
timed status
is "$RC" "1" "status with a bad config and no daemon: exit 1"
is "$ERR" "recharged is not running: its configuration does not pass check-config: $FIRST_ERROR — $FIX" \
        "one line: the cause (the config's first error) and the next step"
is "$OUT" "" "nothing on stdout"
timed status --waybar
is "$RC" "0" "--waybar: exit 0"
is "$(jq -r '[.class, .text] | join("/")' <<<"$OUT")" "offline/Offline" "--waybar: the offline object"
is "$(jq -r .tooltip <<<"$OUT")" "recharged is not running: its configuration does not pass check-config: $FIRST_ERROR — $FIX" \
        "--waybar: its tooltip says why"
[ "$MS" -lt 4000 ] ; ok $? "--waybar answers at once ($MS ms)"
for c in "on" "list" "agenda" "skip x"; do
        ctl_is 1 "'$c' with a bad config and no daemon" $c
        is "$ERR" "recharged is not running: its configuration does not pass check-config: $FIRST_ERROR — $FIX" "'$c': the same line"
done
good_conf
ctl_is 1 "a good config and no daemon"
is "$ERR" "recharged is not running; start it with: systemctl --user start recharged" "the not-running line"

# watch --waybar: the offline object at once, with no daemon and a bad config
bad_conf
"$RECHARGECTL" watch --waybar >"$T/watch.out" 2>"$T/watch.err" &
WATCH=$!
EXTRA_PIDS="$EXTRA_PIDS $WATCH"
t0=$(date +%s%N)
for _ in $(seq 1000); do [ -s "$T/watch.out" ] && break; sleep 0.02; done
MS=$(ms_since "$t0")
is "$(head -1 "$T/watch.out" | jq -r .class)" "offline" "watch --waybar: the offline object first"
[ "$MS" -lt 4000 ] ; ok $? "watch --waybar: at once ($MS ms)"
kill "$WATCH"; wait "$WATCH" 2>/dev/null

# ---- a bus whose activation fails: the Exec exits 78 ----
printf '[D-BUS Service]\nName=%s\nExec=/bin/sh -c "exit 78"\n' "$BUS" >"$T/services/$BUS.service"
good_conf
timed status
is "$RC" "1" "activation fails (exit 78), good config: exit 1"
case $ERR in
"recharged could not be started by the bus ("*"78"*"); see: systemctl --user status recharged")
        ok 0 "one line: the bus could not start it, with the status, and where to look" ;;
*) ok 1 "one line: the bus could not start it, with the status, and where to look"; diag "$ERR" ;;
esac
is "$(wc -l <<<"$ERR")" "1" "one line"
[ "$MS" -lt 4000 ] ; ok $? "without waiting for a timeout ($MS ms)"
timed --waybar
is "$RC/$(jq -r .class <<<"$OUT")" "0/offline" "--waybar: offline object, exit 0"
[ "$MS" -lt 4000 ] ; ok $? "--waybar: at once ($MS ms)"

# The real daemon as the Exec, with a bad config: it would exit 78; the client does not even try.
printf '[D-BUS Service]\nName=%s\nExec=%s --verbose\n' "$BUS" "$RECHARGED" >"$T/services/$BUS.service"
bad_conf
timed status
is "$RC" "1" "activatable daemon, bad config: exit 1"
is "$ERR" "recharged is not running: its configuration does not pass check-config: $FIRST_ERROR — $FIX" \
        "the config's first error and the next step"
[ "$MS" -lt 4000 ] ; ok $? "at once ($MS ms)"
busctl --user status "$BUS" >/dev/null 2>&1
is "$?" "1" "and nothing was started"
good_conf
ctl_is 0 "with the config fixed, the next call starts it" status --json
is "$(jq -r .mode <<<"$OUT")" "available" "and gets its status"
pid=$(busctl --user status "$BUS" 2>/dev/null | sed -n 's/^PID=//p')
[ -n "$pid" ] && EXTRA_PIDS="$EXTRA_PIDS $pid" && kill "$pid"
for _ in $(seq 400); do busctl --user status "$BUS" >/dev/null 2>&1 || break; sleep 0.05; done

# ---- an activation that never finishes: the status call gives up after 5 s ----
# The Exec notes its pid, so that the test ends it (and only it).
printf '#!/bin/sh\necho $$ >"%s/hang.pid"\nexec sleep 60\n' "$T" >"$T/hang"
chmod +x "$T/hang"
printf '[D-BUS Service]\nName=%s\nExec=%s/hang\n' "$BUS" "$T" >"$T/services/$BUS.service"
# status waits its 5 s beside --waybar's, not after them.
"$RECHARGECTL" status >"$T/status.out" 2>"$T/status.err" &
status_pid=$!
timed --waybar
is "$RC/$(jq -r .class <<<"$OUT")" "0/offline" "a hanging activation: --waybar offline, exit 0"
[ "$MS" -ge 4500 ] && [ "$MS" -lt 20000 ] ; ok $? "after the 5 s status timeout ($MS ms)"
is "$(jq -r .tooltip <<<"$OUT")" "recharged did not answer within 5 s; see: systemctl --user status recharged" \
        "its tooltip: no answer within 5 s"
wait "$status_pid"
is "$?/$(cat "$T/status.err")" "1/recharged did not answer within 5 s; see: systemctl --user status recharged" \
        "status: the same line, exit 1"
[ -s "$T/hang.pid" ] && kill "$(cat "$T/hang.pid")"

tap_done
