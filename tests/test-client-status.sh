#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-status.sh: rechargectl status in every format (human, --json, --waybar, --format)
# against the real daemon, each mode, JSON read by jq; and what it does with no daemon.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
later=$(($(date +%s) + 3 * 3600))
cat >"$CONF" <<EOF
[general]
heads-up = 0
status = Back at %until% (%left%): %message%

[later]
type = recharge
start = $(hms $later)
duration = 30min
message = Later on
EOF

# ---- the daemon absent ----
ctl_is 1 "status without a daemon"
is "$ERR" "recharged is not running; start it with: systemctl --user start recharged" "one line, how to start it"
is "$OUT" "" "nothing on stdout"
ctl_is 0 "--waybar without a daemon still succeeds" status --waybar
is "$(jq -r .class <<<"$OUT")" "offline" "waybar class offline"
is "$(jq -c 'keys' <<<"$OUT")" '["alt","class","percentage","text","tooltip"]' "waybar object has exactly its five keys"
ctl_is 1 "--json without a daemon" status --json
ctl_is 1 "--format without a daemon" --format=%mode%
# no session bus at all (no address, no runtime dir with a bus socket)
nobus() { env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$T/nowhere" "$RECHARGECTL" "$@" 2>"$T/nobus.err"; }
out=$(nobus)
is "$?/$(cat "$T/nobus.err")/$out" "1/recharged is not running; start it with: systemctl --user start recharged/" \
        "no session bus at all: the same line, exit 1"
out=$(nobus --waybar)
is "$?/$(jq -r .class <<<"$out")" "0/offline" "no session bus: waybar offline"

daemon_start || exit 1

# ---- available ----
ctl_is 0 "status (default command)"
grep -q '^ *Mode: available$' <<<"$OUT"
ok $? "human: mode available"
grep -Eq '^ *Next: later starts ([A-Z][a-z]{2} )?[0-9]{2}:[0-9]{2} \(in (2h 5[0-9]min|3h)\)$' <<<"$OUT"
ok $? "human: next start with local time and relative time"
[[ $OUT != *$'\033'* ]]
ok $? "no colour when stdout is not a terminal"
ctl_is 0 "status --json" status --json
jq -e . >/dev/null <<<"$OUT"
ok $? "JSON parses"
daemon=$(status_json)
is "$(jq -r .mode <<<"$OUT")" "$(jq -r .Mode <<<"$daemon")" "JSON mode = daemon's Mode"
is "$(jq -r .next_entry <<<"$OUT")" "later" "JSON next_entry"
is "$(jq -r .next_time_usec <<<"$OUT")" "$(prop NextEventTime)" "JSON next_time_usec = NextEventTime"
is "$(date -d "$(jq -r .next_time <<<"$OUT")" +%s)000000" "$(prop NextEventTime)" "JSON ISO 8601 time is the same instant"
jq -r .next_time <<<"$OUT" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}$'
ok $? "ISO 8601 with an offset"
is "$(jq -c '[.until, .until_usec, .left_usec]' <<<"$OUT")" "[null,null,null]" "unset times are null"
is "$(jq -r .version <<<"$OUT")" "$(prop Version)" "JSON version"
ctl_is 0 "status --waybar" --waybar
is "$(jq -c '[.class, .alt, .percentage]' <<<"$OUT")" '["available","available",0]' "waybar available"
ctl_is 0 "status --format" --format='%mode%|%next%|%next-event%|%until%'
is "$OUT" "available|later|start|" "template placeholders, available"

# The client reads its own zone while GetStatus is on its way, whatever the daemon's (UTC here):
# the same instant in local words in zones with and without summer time, south and north (one of
# each pair is in summer time on any date), and with half-hour offsets.
next=$(($(prop NextEventTime) / 1000000))
for zone in Europe/Berlin America/New_York Australia/Sydney Australia/Lord_Howe Asia/Kolkata; do
        out=$(TZ=$zone "$RECHARGECTL" status --json)
        is "$(jq -r .next_time <<<"$out")" "$(TZ=$zone date -d "@$next" +%Y-%m-%dT%H:%M:%S%:z)" \
                "TZ=$zone: JSON next_time in the client's zone"
        out=$(TZ=$zone "$RECHARGECTL" status --waybar)
        clock=$(TZ=$zone date -d "@$next" +%H:%M)
        [[ $(jq -r .tooltip <<<"$out") == *"Next: later starts "*"$clock"* ]]
        ok $? "TZ=$zone: waybar's next start at $clock"
done

# Output that cannot be written is an error, as before the client ended with _exit().
"$RECHARGECTL" status --waybar >/dev/full 2>"$T/full.err"
is "$?/$(cat "$T/full.err")" "1/Failed to write the output: No space left on device" \
        "--waybar to a full device: exit 1 and why"

# ---- recharging ----
ctl_is 0 "on 45min" on 45min -m "Tea, alone"
ctl_is 0 "status while recharging"
grep -Eq '^ *Mode: recharging, do not disturb$' <<<"$OUT"
ok $? "human: recharging with dnd"
grep -Eq '^ *Until: ([A-Z][a-z]{2} )?[0-9]{2}:[0-9]{2} \(in 45 min\)$' <<<"$OUT"
ok $? "human: until with 'in 45 min'"
grep -q '^ *Message: Tea, alone$' <<<"$OUT"
ok $? "human: message"
ctl_is 0 "--json while recharging" --json
is "$(jq -r '[.mode, .source, .entry, .message] | join("/")' <<<"$OUT")" "recharging/manual//Tea, alone" "JSON mode, source, entry, message"
is "$(jq -r .until_usec <<<"$OUT")" "$(prop Until)" "JSON until_usec = Until"
is "$(jq -r .since_usec <<<"$OUT")" "$(prop Since)" "JSON since_usec = Since"
is "$(date -d "$(jq -r .until <<<"$OUT")" +%s)" "$(($(prop Until) / 1000000))" "JSON until ISO = Until"
left=$(jq -r .left_usec <<<"$OUT")
[ "$left" -gt $((44 * 60 * 1000000)) ] && [ "$left" -le $((45 * 60 * 1000000)) ]
ok $? "JSON left_usec about 45 min ($left)"
is "$(jq -r .status_text <<<"$OUT")" "$(prop StatusText)" "JSON status_text = StatusText"
is "$(jq -r .do_not_disturb <<<"$OUT")" "true" "JSON do_not_disturb"
ctl_is 0 "--waybar while recharging" --waybar
is "$(jq -r '[.class, .alt] | join("/")' <<<"$OUT")" "recharging/recharging" "waybar class and alt are the mode"
is "$(jq -r .text <<<"$OUT")" "Recharging until $(date -d "@$(($(prop Until) / 1000000))" +%H:%M)" "waybar text"
is "$(jq -r '.percentage | type' <<<"$OUT")" "number" "waybar percentage is a number"
jq -r .tooltip <<<"$OUT" | grep -q "Tea, alone"
ok $? "waybar tooltip has the message"
ctl_is 0 "--format while recharging" --format='%mode% until %until% (%left%): %message% [%entry%] %status%'
is "$OUT" "recharging until $(date -d "@$(($(prop Until) / 1000000))" +%H:%M) (45min): Tea, alone [] $(prop StatusText)" \
        "template: the config's placeholders and ours"

# ---- open-ended, then paused ----
ctl_is 0 "on (until off)" on
ctl_is 0 "--json open-ended" --json
is "$(jq -c '[.until, .left_usec, .percentage]' <<<"$OUT")" "[null,null,0]" "open-ended: no until, no left"
ctl_is 0 "human open-ended"
grep -q '^ *Until: you stop it$' <<<"$OUT"
ok $? "human: until you stop it"
ctl_is 0 "off" off
ctl_is 0 "pause 1h" pause 1h
ctl_is 0 "--json paused" --json
is "$(jq -r .mode <<<"$OUT")" "paused" "JSON mode paused"
is "$(jq -r .paused_until_usec <<<"$OUT")" "$(prop PausedUntil)" "JSON paused_until_usec"
ctl_is 0 "human paused"
grep -Eq '^ *Until: ([A-Z][a-z]{2} )?[0-9]{2}:[0-9]{2} \(in (59 min|1h)\)$' <<<"$OUT"
ok $? "human: paused until, relative"
ctl_is 0 "pause (until resume)" pause
ctl_is 0 "--json paused for ever" --json
is "$(jq -c '[.paused_until, .paused_until_usec]' <<<"$OUT")" '["infinity",null]' "paused until resume: infinity"
ctl_is 0 "--waybar paused" --waybar
is "$(jq -r '[.class, .text] | join("/")' <<<"$OUT")" "paused/Paused" "waybar paused"
ctl_is 0 "on during the pause" on 10min
ctl_is 0 "--json recharging during a pause" --json
is "$(jq -c '[.mode, .paused_until]' <<<"$OUT")" '["recharging","infinity"]' "JSON: recharging, and the pause still shows"
ctl_is 0 "human recharging during a pause"
grep -q '^ *Paused: the schedule, until you resume$' <<<"$OUT"
ok $? "human: the pause shows beside the recharge"
ctl_is 0 "off" off
ctl_is 0 "--json after off" --json
is "$(jq -r .mode <<<"$OUT")" paused "after off: paused again"
ctl_is 0 "resume" resume

# ---- colour ----
if command -v script >/dev/null; then
        out=$(NO_COLOR= script -qc "$RECHARGECTL" /dev/null | tr -d '\r')
        [[ $out == *$'\033['* ]]
        ok $? "colour on a terminal"
        out=$(NO_COLOR=1 script -qc "$RECHARGECTL" /dev/null | tr -d '\r')
        [[ $out != *$'\033['* ]]
        ok $? "no colour on a terminal with NO_COLOR set"
else
        skip "no script(1)" "colour on a terminal"
        skip "no script(1)" "NO_COLOR"
fi

# ---- the daemon goes away ----
daemon_stop
ctl_is 1 "status after the daemon left"
is "$ERR" "recharged is not running; start it with: systemctl --user start recharged" "the one line again"
ctl_is 0 "--waybar after the daemon left" --waybar
is "$(jq -r .class <<<"$OUT")" "offline" "waybar offline again"

tap_done
