#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-reload.sh: Reload() and SIGHUP with good and bad files: entry objects come and go
# with InterfacesAdded/Removed, changed rules emit PropertiesChanged, a bad file changes nothing,
# state naming a removed entry is dropped, a recharge whose entry is gone ends.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
# Clock times hours from now: no block or reminder of these configs falls due while the test runs,
# whatever the hour (rel H: the whole hour H hours ahead, "HH:MM").
hour0=$(( $(date +%s) / 3600 * 3600 )) # once: the same answer for the config and the checks
rel() { date -u -d "@$(( hour0 + $1 * 3600 + ${2:-0} * 60 ))" +%H:%M; }
S=1000000
base=$(date +%s)
on=$((base - 60))

cat >"$CONF" <<EOF
[general]
heads-up = 0

[keep]
type = recharge
start = $(rel 6)
duration = 30min
message = Old words

[gone]
type = recharge
start = $(rel 5)
duration = 10min

[now-on]
type = recharge
start = $(hms $on)
duration = 1h
message = On right now

[tea]
type = selfcare
at = $(rel 10)
message = Tea
EOF
daemon_start || { tap_done; exit 1; }
monitor_start
is "$(prop Mode) $(prop Entry)" "recharging now-on" "a block in progress at start-up is on"
call Skip s gone >/dev/null
grep -q '"gone"' "$STATE"
ok $? "a skip of 'gone' is in the state file"
call Recharge ts $((3600 * S)) "Manual stays" >/dev/null

# ---- a good Reload ----
cp "$CONF" "$T/v1.conf"
cat >"$CONF" <<EOF
[general]
heads-up = 0

[keep]
type = recharge
start = $(rel 6 15)
duration = 30min
message = New words

[added]
type = selfcare
every = 2h
between = $(rel 7)-$(rel 19)
message = Move

[tea]
type = selfcare
at = $(rel 10)
message = Tea
EOF
mark
call Reload >/dev/null
ok $? "Reload() with a good file is accepted"
a=$(wait_for '.member == "InterfacesAdded"' 3)
is "$(echo "$a" | jq -r '.data[0]')" "$(entry_path added)" "InterfacesAdded for the new entry's object"
is "$(echo "$a" | jq -r ".data[1][\"$EIFACE\"].Every.data")" 7200000000 "…with its Entry properties"
[ "$(echo "$a" | jq -r ".data[1][\"$EIFACE\"].NextStart.data")" -gt "$(now_us)" ]
ok $? "…its NextStart already current"
is "$(signals_since_mark | jq -c "select(.member == \"PropertiesChanged\" and .path == \"$(entry_path added)\")" | wc -l)" 0 \
   "…so no PropertiesChanged follows for it"
removed=$(signals_since_mark | jq -r 'select(.member == "InterfacesRemoved") | .data[0]' | sort | tr '\n' ' ')
is "$removed" "$(entry_path gone) $(entry_path now-on) " "InterfacesRemoved for each entry that is gone"
is "$(signals_since_mark | jq -c "select(.member == \"InterfacesRemoved\") | .data[1]" | sort -u)" "[\"$EIFACE\"]" \
   "…naming the Entry interface"
ch=$(signals_since_mark | jq -r "select(.member == \"PropertiesChanged\" and .path == \"$(entry_path keep)\") | .data[1] | keys[]" | sort -u | tr '\n' ' ')
is "$ch" "Message NextEnd NextStart Start " "PropertiesChanged on a changed entry names what changed"
is "$(signals_since_mark | jq -c "select(.path == \"$(entry_path tea)\")" | wc -l)" 0 "an unchanged entry emits nothing"
is "$(eprop keep Message) $(eprop keep Start)" "New words $(rel 6 15):00" "the changed entry reads as the new file says"
is "$(call ListEntries | jq -r '.[0] | map(.[0]) | join(" ")')" "added keep tea" "ListEntries shows the new schedule"
is "$(signals_since_mark | jq -c 'select(.member == "RechargeEnded") | .data')" '["schedule","now-on","stopped"]' \
   "the block whose entry is gone ends (stopped)"
is "$(prop Mode) $(prop Source) $(prop Message)" "recharging manual Manual stays" "the manual recharge carries over"
grep -q "Entry 'gone' is gone from the configuration" "$LOG"
ok $? "the skip of a removed entry is dropped with a log line"
! grep -q '"gone"' "$STATE"
ok $? "…and it is gone from the state file"

# ---- a bad Reload ----
cp "$CONF" "$T/v2.conf"
cat >"$CONF" <<'EOF'
[keep]
type = recharge
start = 31:00
duration = 30min

[broken]
type = holiday
EOF
mark
before=$(call ListEntries)
st_before=$(status_json)
is "$(call_error Reload)" org.recharged.Recharged1.Error.InvalidConfig "Reload() with a bad file: InvalidConfig"
grep -q "$CONF:3: " "$T/error" && grep -q "$CONF:7: " "$T/error"
ok $? "the error message holds the FILE:LINE: line of every problem"
is "$(call ListEntries)" "$before" "the running schedule stays"
is "$(status_json)" "$st_before" "the status stays"
is "$(signals_since_mark | wc -l)" 0 "no signal at all"

# ---- SIGHUP ----
mark
: >"$LOG"
kill -HUP "$DAEMON_PID"
WAIT_FLOOR=0 wait_for '.member == "PropertiesChanged" or .member == "InterfacesAdded"' 2 >/dev/null
[ $? -ne 0 ]
ok $? "SIGHUP with a bad file changes nothing on the bus"
for i in $(seq 400); do grep -q "$CONF:7: " "$LOG" && break; sleep 0.05; done
grep -q "^<4>$CONF:3: " "$LOG" && grep -q "^<4>$CONF:7: " "$LOG"
ok $? "SIGHUP with a bad file: the FILE:LINE: lines go to the log"
kill -0 "$DAEMON_PID"
ok $? "the daemon keeps running"

cp "$T/v2.conf" "$CONF"
cat >>"$CONF" <<EOF

[hup]
type = selfcare
at = $(rel 12)
EOF
mark
kill -HUP "$DAEMON_PID"
a=$(wait_for '.member == "InterfacesAdded"' 5)
is "$(echo "$a" | jq -r '.data[0]')" "$(entry_path hup)" "SIGHUP with a good file: the new entry appears"
is "$(eprop hup At)" "[\"$(rel 12):00\"]" "…with its rule"
daemon_stop

# ---- the config file gone at reload (a daemon started without --config, as the unit does) ----
# It was found in $XDG_CONFIG_HOME; a reload without it must not switch to the built-in
# schedule and drop the answered skips. (Hours ahead: a block on now is not what Skip skips.)
printf '[walk]\ntype = recharge\nstart = %s\nduration = 1h\n' "$(rel 6)" >"$CONF"
"$RECHARGED" --verbose 2>>"$LOG" &
DAEMON_PID=$!
gdbus wait --session "$BUS" --timeout 10 >/dev/null 2>&1
call Skip s walk >/dev/null
skipped=$(eprop walk NextStart)
is "$skipped" "$(( (hour0 + 6 * 3600 + 86400) * S ))" "the skip took: walk's next start is a day later"
mv "$CONF" "$CONF.away"
is "$(call_error Reload)" org.recharged.Recharged1.Error.InvalidConfig "a reload with the file gone is refused"
grep -q "the file is gone" "$T/error"
ok $? "…saying the file is gone"
is "$(busctl --user tree "$BUS" --list | grep -c "^$OBJ/entry/")" 1 "…the running schedule stays (not the built-in default)"
is "$(eprop walk NextStart)" "$skipped" "…and so does the skip"
mv "$CONF.away" "$CONF"
daemon_stop
tap_done
