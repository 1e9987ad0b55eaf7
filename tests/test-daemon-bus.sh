#!/bin/bash
# SPDX-License-Identifier: MIT
# test-daemon-bus.sh: recharged on a private bus: command line, every property and method's
# shape, the entry objects, the installed XML against introspection, every refusal.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

# ---- the command line ----
out=$("$RECHARGED" --help); st=$?
is "$st" 0 "--help exits 0"
case $out in *--config=FILE*--verbose*) ok 0 "--help lists --config and --verbose" ;; *) ok 1 "--help lists --config and --verbose" ;; esac
version=$("$RECHARGED" --version)
is "${version%% *}" recharged "--version names the program"
"$RECHARGED" --bogus 2>/dev/null
is "$?" 2 "an unknown option is bad usage (2)"

cat >"$T/bad.conf" <<'EOF'
[general]
heads-up = soon

[walk]
type = recharge
start = 25:00
duration = 1h
EOF
"$RECHARGED" --config "$T/bad.conf" 2>"$T/bad.err"
is "$?" 78 "a bad config at start-up exits 78 (EX_CONFIG)"
is "$(grep -c "$T/bad.conf:[0-9]*: " "$T/bad.err")" 2 "every problem is one FILE:LINE: line on stderr"
grep -q "^<3>$T/bad.conf:2: " "$T/bad.err"
ok $? "error lines carry the sd-daemon error prefix and the line of the key"
"$RECHARGED" --config "$T/missing.conf" 2>/dev/null
is "$?" 78 "a missing --config file exits 78"

# ---- a running daemon ----
# Every time of day is hours from now, so nothing starts, ends or falls due while the test runs,
# whatever the day and hour it runs at: base is the next whole hour at least an hour ahead.
base=$(( ($(date +%s) / 3600 + 2) * 3600 ))
hhmm() { date -u -d "@$((base + $1))" +%H:%M; }
base_sec=$(( base % 86400 ))
cat >"$CONF" <<EOF
[general]
heads-up = 10min
status = Away until %until%: %message%

[focus]
type = recharge
days = Mon..Fri
start = $(hhmm 0)
end = $(hhmm 2700)
message = Coffee, alone

[late-walk]
type = recharge
days = Sat,Sun
start = $(hhmm 7200)
duration = 1h
dnd = no
message = Walk

[stretch]
type = selfcare
days = daily
every = 90min
between = $(hhmm 10800)-$(hhmm 43200)
message = Stand up

[friend]
type = selfcare
days = Sun
at = $(hhmm 46800), $(hhmm 52200)
message = Call a friend

[off]
type = selfcare
at = 12:00
enabled = no
message = Never
EOF
daemon_start || { tap_done; exit 1; }
monitor_start

is "$(prop Mode)" available "Mode is available at start"
is "$(prop DoNotDisturb)" false "DoNotDisturb is false"
is "$(prop Source)" "" "Source is empty"
is "$(prop Entry)" "" "Entry is empty"
is "$(prop Since)" 0 "Since is 0"
is "$(prop Until)" 0 "Until is 0"
is "$(prop Message)" "" "Message is empty"
is "$(prop StatusText)" "" "StatusText is empty while available"
is "$(prop PausedUntil)" 0 "PausedUntil is 0"
is "$(prop TimeZone)" UTC "TimeZone is the daemon's zone (TZ=UTC here)"
is "$(prop Presence)" unknown "Presence is unknown without logind"
is "recharged $(prop Version)" "$version" "Version is the package version, as --version says"
next=$(prop NextEventTime)
[ "$next" -gt "$(now_us)" ]
ok $? "NextEventTime is in the future"
case "$(prop NextEvent)" in heads-up|start|end|reminder) ok 0 "NextEvent is an event kind" ;; *) ok 1 "NextEvent is an event kind" ;; esac

# The next event is the one Upcoming reports at NextEventTime.
up=$(call Upcoming tt "$next" $((next + 1)))
is "$(echo "$up" | jq -r '.[0] | map(select(.[3] == '"$next"')) | .[0][0]')" "$(prop NextEntry)" "Upcoming at NextEventTime names NextEntry"
is "$(echo "$up" | jq -r '.[0] | map(select(.[3] == '"$next"')) | .[0][2]')" "$(prop NextEvent)" "Upcoming at NextEventTime names NextEvent"

st=$(status_json)
is "$(echo "$st" | jq -r 'keys | sort | join(" ")')" \
   "DoNotDisturb Entry Message Mode NextEntry NextEvent NextEventTime PausedUntil Presence Since Source StatusText TimeZone Until Version" \
   "GetStatus returns every property"
same=0
for p in Mode DoNotDisturb Source Entry Since Until Message StatusText NextEntry NextEvent NextEventTime PausedUntil TimeZone Presence Version; do
        [ "$(echo "$st" | jq -r ".$p")" = "$(prop $p)" ] || { same=1; diag "GetStatus $p differs"; }
done
ok $same "GetStatus values equal the properties"

# ---- introspection ----
busctl --user introspect --xml-interface "$BUS" "$OBJ" >"$T/root.xml" &&
busctl --user introspect --xml-interface "$BUS" "$(entry_path focus)" >"$T/entry.xml"
ok $? "the root and an entry object introspect"
/usr/bin/python3 "$top_srcdir/tests/lib/introspect-filter.py" "$T/root.xml" "$T/entry.xml" >"$T/live.xml"
diff -u "$top_srcdir/dbus/org.recharged.Recharged1.xml" "$T/live.xml" >"$T/xml.diff"
ok $? "the installed dbus/org.recharged.Recharged1.xml equals what the daemon introspects" || diag "$(cat "$T/xml.diff")"
grep -q 'interface name="org.freedesktop.DBus.ObjectManager"' "$T/root.xml"
ok $? "the root object implements org.freedesktop.DBus.ObjectManager"
grep -q '<property name="Version" type="s" access="read">' "$T/root.xml" &&
grep -A1 '<property name="Version"' "$T/root.xml" | grep -q 'value="const"'
ok $? "Version is const"
is "$(grep -c 'EmitsChangedSignal" value="const"' "$T/root.xml")" 1 "every other root property emits PropertiesChanged (only Version is const)"

# ---- entry objects ----
paths=$(busctl --user tree "$BUS" --list | grep "^$OBJ/entry/" | sort | tr '\n' ' ')
is "$paths" "$OBJ/entry/focus $OBJ/entry/friend $OBJ/entry/late_2dwalk $OBJ/entry/off $OBJ/entry/stretch " \
   "one object per entry, names escaped with sd_bus_path_encode"
managed=$(busctl --user call "$BUS" "$OBJ" org.freedesktop.DBus.ObjectManager GetManagedObjects --json=short |
          jq -r ".data[0] | to_entries | map(select(.value[\"$EIFACE\"])) | map(.value[\"$EIFACE\"].Name.data) | sort | join(\" \")")
is "$managed" "focus friend late-walk off stretch" "GetManagedObjects lists every entry with its Entry interface"

is "$(eprop focus Name)" focus "Entry Name"
is "$(eprop focus Type)" recharge "Entry Type of a block"
is "$(eprop focus Message)" "Coffee, alone" "Entry Message"
is "$(eprop focus Days)" "Mon..Fri" "Entry Days, canonical"
is "$(eprop focus Enabled)" true "Entry Enabled"
is "$(eprop focus Active)" false "Entry Active"
is "$(eprop focus Start)" "$(hhmm 0):00" "Entry Start as HH:MM:SS"
is "$(eprop focus End)" "$(hhmm 2700):00" "Entry End as HH:MM:SS"
is "$(eprop focus Duration)" 0 "Entry Duration is 0 when End is given"
is "$(eprop focus Dnd)" true "Entry Dnd defaults to yes"
is "$(eprop focus Every)" 0 "Entry Every is 0 for a block"
is "$(eprop focus Between)" "" "Entry Between is empty for a block"
is "$(eprop focus At)" "[]" "Entry At is empty for a block"
is "$(eprop late-walk Duration)" 3600000000 "Entry Duration in µs"
is "$(eprop late-walk End)" "" "Entry End is empty when Duration is given"
is "$(eprop late-walk Dnd)" false "Entry Dnd = no"
is "$(eprop late-walk Days)" "Sat,Sun" "Entry Days of two days"
is "$(eprop stretch Type)" selfcare "Entry Type of a reminder"
is "$(eprop stretch Every)" 5400000000 "Entry Every in µs"
is "$(eprop stretch Between)" "$(hhmm 10800):00-$(hhmm 43200):00" "Entry Between"
is "$(eprop stretch Start)" "" "Entry Start is empty for a reminder"
is "$(eprop stretch Days)" daily "Entry Days daily"
# (in the day's order: 13 h and 14.5 h from base fall either side of midnight when base is 10:00)
at_want=$(printf '%s:00\n' "$(hhmm 46800)" "$(hhmm 52200)" | sort | jq -R . | jq -sc .)
is "$(eprop friend At)" "$at_want" "Entry At lists the times"
is "$(eprop friend NextEnd)" 0 "a reminder's NextEnd is 0"
is "$(eprop off Enabled)" false "a disabled entry is listed with Enabled false"
is "$(eprop off NextStart)" 0 "a disabled entry has no NextStart"
ns=$(eprop focus NextStart); ne=$(eprop focus NextEnd)
is "$((ne - ns))" 2700000000 "a block's NextEnd - NextStart is its length"
is "$(( (ns / 1000000) % 86400 ))" "$base_sec" "NextStart is at the configured local time (TZ=UTC)"

list=$(call ListEntries)
is "$(echo "$list" | jq -r '.[0] | map(.[0]) | join(" ")')" "focus friend late-walk off stretch" "ListEntries lists every entry by name"
is "$(echo "$list" | jq -c '.[0][] | select(.[0] == "focus") | .[1:4]')" '["recharge","Coffee, alone",true]' "ListEntries: type, message, enabled"
is "$(echo "$list" | jq -c '.[0][] | select(.[0] == "focus") | .[4:6]')" "[$ns,$ne]" "ListEntries: next start and end as the entry object says"

day=86400000000
now=$(now_us)
ev=$(call Upcoming tt "$now" $((now + 7 * day)))
is "$(echo "$ev" | jq '[.[0][] | select(.[0] == "focus" and .[2] == "start")] | length')" 5 "Upcoming: a Mon..Fri block starts 5 times a week"
is "$(echo "$ev" | jq '[.[0][] | select(.[0] == "focus" and .[2] == "heads-up")] | length')" 5 "Upcoming: with a heads-up each"
is "$(echo "$ev" | jq '[.[0][] | select(.[0] == "stretch")] | length')" 49 "Upcoming: every 90min over nine hours is 7 reminders a day"
is "$(echo "$ev" | jq -r '[.[0][] | select(.[0] == "friend")][0][1:3] | join(" ")')" "selfcare reminder" "Upcoming: type and event of a reminder"
is "$(echo "$ev" | jq '[.[0][] | .[3]] | . == sort')" true "Upcoming: events in time order"
is "$(echo "$ev" | jq '[.[0][] | select(.[0] == "off")] | length')" 0 "Upcoming: a disabled entry never fires"

stats=$(busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short | jq -c '.data[0] | map_values(.data)')
is "$(echo "$stats" | jq -r 'keys | sort | join(" ")')" "Arrived Away AwayOf Completed Days Kept Manual ManualKept Missed Planned RemindersDone RemindersMissed RemindersShown Since Skipped Stopped Streak Strength Until" "GetStats returns every figure"
is "$(echo "$stats" | jq -c '[.Completed, .Stopped, .Skipped, .Missed, .RemindersDone, .RemindersMissed, .Manual, .ManualKept]')" "[0,0,0,0,0,0,0,0]" "GetStats is all zero on a fresh history"

# ---- refusals: each one leaves the state exactly as it was ----
before=$(status_json)
[ -e "$STATE" ] && cp "$STATE" "$T/state.before"
mark
big=$(head -c 1025 /dev/zero | tr '\0' x)
year=$((366 * day))
is "$(call_error Skip nosuch)" org.recharged.Recharged1.Error.NoSuchEntry "Skip of an unknown entry: NoSuchEntry"
grep -q "no entry 'nosuch'" "$T/error"
ok $? "the NoSuchEntry message names the entry"
is "$(call_error Snooze nosuch 600000000)" org.recharged.Recharged1.Error.NoSuchEntry "Snooze of an unknown entry: NoSuchEntry"
is "$(call_error Done nosuch)" org.recharged.Recharged1.Error.NoSuchEntry "Done of an unknown entry: NoSuchEntry"
is "$(call_error StartNow nosuch)" org.recharged.Recharged1.Error.NoSuchEntry "StartNow of an unknown entry: NoSuchEntry"
is "$(call_error Stop)" org.recharged.Recharged1.Error.NotRecharging "Stop with nothing on: NotRecharging"
is "$(call_error Extend 600000000)" org.recharged.Recharged1.Error.NotRecharging "Extend with nothing on: NotRecharging"
is "$(call_error Recharge $((year + 1)) "''")" org.freedesktop.DBus.Error.InvalidArgs "Recharge over a year: InvalidArgs"
grep -q "at most a year" "$T/error"
ok $? "the message says the limit"
is "$(call_error Recharge 60000000 "'$big'")" org.freedesktop.DBus.Error.InvalidArgs "a message over 1024 bytes: InvalidArgs"
is "$(call_error Recharge 60000000 "'two\\nlines'")" org.freedesktop.DBus.Error.InvalidArgs "a message with a newline: InvalidArgs"
grep -q "control characters" "$T/error"
ok $? "…the message says why"
is "$(call_error Recharge 60000000 "'title\\u001b]0;pwned\\u0007'")" org.freedesktop.DBus.Error.InvalidArgs "a message with a terminal escape: InvalidArgs"
is "$(call_error Recharge 60000000 "'c1\\u009b2J'")" org.freedesktop.DBus.Error.InvalidArgs "a message with a C1 control (CSI): InvalidArgs"
is "$(call_error Pause $((year + 1)))" org.freedesktop.DBus.Error.InvalidArgs "Pause over a year: InvalidArgs"
is "$(call_error Snooze stretch $((year + 1)))" org.freedesktop.DBus.Error.InvalidArgs "Snooze over a year: InvalidArgs"
is "$(call_error Snooze focus 0)" org.freedesktop.DBus.Error.InvalidArgs "Snooze of 0: InvalidArgs"
is "$(call_error Done focus)" org.freedesktop.DBus.Error.InvalidArgs "Done on a recharge block: InvalidArgs"
is "$(call_error StartNow stretch)" org.freedesktop.DBus.Error.InvalidArgs "StartNow of a reminder: InvalidArgs"
is "$(call_error Skip off)" org.freedesktop.DBus.Error.InvalidArgs "Skip of a disabled entry: InvalidArgs"
is "$(call_error Upcoming 2000000 1000000)" org.freedesktop.DBus.Error.InvalidArgs "Upcoming with to before from: InvalidArgs"
is "$(call_error Upcoming 1000000 $((1000000 + year + 1)))" org.freedesktop.DBus.Error.InvalidArgs "Upcoming over a year: InvalidArgs"
is "$(call_error GetStats $(( $(now_us) + day )))" org.freedesktop.DBus.Error.InvalidArgs "GetStats since the future: InvalidArgs"
is "$(status_json)" "$before" "after every refused call the status is as it was"
if [ -e "$T/state.before" ]; then cmp -s "$STATE" "$T/state.before"; else [ ! -e "$STATE" ]; fi
ok $? "after every refused call the state file is as it was"
is "$(count_signals PropertiesChanged)" 0 "refused calls change no property"

# A year exactly is accepted.
is "$(call_error Pause $year)" "" "Pause of exactly a year is accepted"
call Resume >/dev/null

# ---- Upcoming on a dense schedule is bounded ----
cat >>"$CONF" <<'EOF2'

[dense]
type = selfcare
every = 1min
between = 00:00-23:59
EOF2
call Reload >/dev/null
now=$(now_us)
is "$(call_error Upcoming "$now" $((now + year - day)))" org.freedesktop.DBus.Error.LimitsExceeded \
   "Upcoming over more than 100000 events is refused: LimitsExceeded"
n=$(call Upcoming tt "$now" $((now + day)) | jq '[.[0][] | select(.[0] == "dense")] | length')
# 1440 a day, less those held (and merged into one) while the dnd block 'focus' is on.
[ "$n" -gt 1300 ] && [ "$n" -le 1440 ]
ok $? "a day of it is answered ($n reminders)"

# ---- a second instance ----
"$RECHARGED" --config "$CONF" 2>"$T/second.err"
st=$?
[ "$st" -ne 0 ]
ok $? "a second instance exits non-zero ($st)"
is "$(grep -c . "$T/second.err")" 1 "it says so in one line"
grep -q "already running?" "$T/second.err"
ok $? "the line says 'already running?'"
is "$(prop Mode)" available "the first instance is unaffected"

# ---- SIGTERM ----
daemon_stop TERM
is "$DAEMON_STATUS" 0 "SIGTERM: exit status 0"
grep -q "SIGTERM" "$LOG"
ok $? "SIGTERM is logged"

tap_done
