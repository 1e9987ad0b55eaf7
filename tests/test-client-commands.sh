#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-commands.sh: every rechargectl command against the real daemon: what it changes,
# its exit status, refusals in plain words; list, agenda and stats in both formats; reload and
# check-config with the daemon's own messages.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000
base=$(date +%s)
cat >"$CONF" <<EOF
[general]
heads-up = 0

[far]
type = recharge
start = $(hms $((base + 4 * 3600)))
duration = 30min
message = Far away

[ping]
type = selfcare
at = $(hms $((base + 3)))
message = Drink water
EOF
cp "$CONF" "$T/good.conf"

daemon_start || exit 1
monitor_start || diag "no monitor"

# no D-Bus words in what people read
plain() { [[ $ERR != *org.freedesktop* && $ERR != *org.recharged* && $ERR != *GDBus* ]]; }

# ---- on / off / extend ----
ctl_is 0 "on 30min -m" on 30min -m "Quiet time"
is "$(prop Mode)/$(prop Source)/$(prop Message)" "recharging/manual/Quiet time" "a manual recharge with its message"
until=$(prop Until)
d=$((until / S - $(date +%s)))
[ "$d" -ge 1795 ] && [ "$d" -le 1800 ]
ok $? "until is 30 min from now ($d s)"
ctl_is 0 "extend 10min" extend 10min
is "$(prop Until)" "$((until + 600 * S))" "extend moved the end by 10 min exactly"
ctl_is 0 "off" off
is "$(prop Mode)" "available" "off ended it"
ctl_is 1 "off when nothing is on" off
is "$ERR" "Nothing is recharging right now." "the daemon's message, as it is"
plain
ok $? "no D-Bus jargon in the refusal"
ctl_is 1 "extend when nothing is on" extend 5min
plain
ok $? "extend refusal in plain words"

# on until HH:MM: the next such local time (tomorrow when it has passed)
hm=$(date -d "@$((base + 7200))" +%H:%M)
want=$(date -d "$hm" +%s)
[ "$want" -le "$(date +%s)" ] && want=$((want + 86400))
ctl_is 0 "on until $hm" on until "$hm"
is "$(($(prop Until) / S))" "$want" "until HH:MM ends at that local time"
past=$(date -d "@$(($(date +%s) - 120))" +%H:%M)
want=$(date -d "$past" +%s)
# (just after midnight, "two minutes ago" is 23:58, and today's 23:58 is still to come)
[ "$want" -le "$(date +%s)" ] && want=$((want + 86400))
ctl_is 0 "on until a time that has passed" on until "$past" -m "overnight"
is "$(($(prop Until) / S))" "$want" "a passed HH:MM means tomorrow's"
ctl_is 0 "off again" off
ctl_is 1 "a message over 1024 bytes: the daemon refuses" on -m "$(head -c 1100 /dev/zero | tr '\0' x)"
ctl_is 1 "a span over a year" on 400d
is "$ERR" "The duration is too long: at most a year (366 days) is accepted." "the daemon's reason, in days"

# ---- skip / snooze / done ----
next=$(eprop far NextStart)
ctl_is 0 "skip far" skip far
is "$(eprop far NextStart)" "$((next + 86400 * S))" "skip moved far's next start a day on"
ctl_is 1 "skip an unknown entry" skip nope
is "$ERR" "There is no entry 'nope' in the schedule; 'rechargectl list' shows them." "no such entry, in the CLI's words"
ctl_is 0 "snooze ping 10min" snooze ping 10min
ctl_is 1 "snooze an unknown entry" snooze nope 10min
ctl_is 1 "done on a block" done far
plain
ok $? "done refusal in plain words"
ctl_is 0 "resume the skipped one? no: skip again is fine" skip far
ctl_is 0 "reset far: the mistaken skips are undone" reset far
is "$(eprop far NextStart)" "$next" "…far's next start is the schedule's again"
grep -q "^Reset far: its next occurrence is " <<<"$OUT"
ok $? "…and the line says when it now is"
ctl_is 1 "reset with nothing to undo" reset far
ctl_is 1 "reset an unknown entry" reset nope

# a reminder that fires, then done
cat >"$CONF" <<EOF
[general]
heads-up = 0

[far]
type = recharge
start = $(hms $((base + 4 * 3600)))
duration = 30min
message = Far away

[sip]
type = selfcare
at = $(hms $(($(date +%s) + 2)))
message = Drink water
EOF
mark
ctl_is 0 "reload a good config" reload
wait_signal ReminderDue 10 >/dev/null
ok $? "the reminder fired"
ctl_is 0 "done after it fired" done sip

# ---- pause / resume ----
ctl_is 0 "pause 1h" pause 1h
pu=$(prop PausedUntil)
d=$((pu / S - $(date +%s)))
[ "$d" -ge 3595 ] && [ "$d" -le 3600 ]
ok $? "paused for an hour ($d s)"
is "$(prop Mode)" "paused" "mode paused"
ctl_is 0 "resume" resume
is "$(prop PausedUntil)" "0" "resumed"
ctl_is 0 "pause until HH:MM" pause until "$hm"
want=$(date -d "$hm" +%s)
[ "$want" -le "$(date +%s)" ] && want=$((want + 86400))
is "$(($(prop PausedUntil) / S))" "$want" "paused until that local time"
ctl_is 0 "pause (until resume)" pause
is "$(prop PausedUntil)" "18446744073709551615" "paused until Resume"
ctl_is 0 "resume" resume

# ---- list ----
ctl_is 0 "list" list
is "$(head -1 <<<"$OUT" | tr -s ' ')" "NAME TYPE NEXT MESSAGE" "list header"
grep -Eq '^far +recharge +.*Far away$' <<<"$OUT"
ok $? "list: far's row"
grep -Eq '^sip +selfcare +.*Drink water$' <<<"$OUT"
ok $? "list: sip's row"
ctl_is 0 "list --names" list --names
is "$(echo $OUT)" "far sip" "list --names: one a line"
ctl_is 0 "list --json" list --json
is "$(jq -r 'map(.name) | join(",")' <<<"$OUT")" "far,sip" "list JSON names"
is "$(jq -r '.[0].next_start_usec' <<<"$OUT")" "$(eprop far NextStart)" "list JSON next_start_usec = NextStart"
is "$(jq -r '.[0] | [.type, .enabled, .message] | join("/")' <<<"$OUT")" "recharge/true/Far away" "list JSON fields"

# ---- agenda ----
ctl_is 0 "agenda --days 7" agenda --days 7
grep -Eq '^  [0-9]{2}:[0-9]{2}–[0-9]{2}:[0-9]{2} +far +Far away$' <<<"$OUT"
ok $? "agenda: far's block with start–end and message"
grep -Eq '^  [0-9]{2}:[0-9]{2} +sip +Drink water$' <<<"$OUT"
ok $? "agenda: the reminder with its time"
grep -Eq '^[A-Z][a-z]{2} [ 0-9]{2} [A-Z][a-z]{2}' <<<"$OUT"
ok $? "agenda: day headings"
ctl_is 0 "agenda --json" agenda --json --days 2
jq -e 'type == "array"' >/dev/null <<<"$OUT"
ok $? "agenda JSON is an array"
from=$(jq -r '.[0].time_usec' <<<"$OUT")
last=$(jq -r '.[-1].time_usec' <<<"$OUT")
mine=$(jq -c 'map([.entry, .event, .time_usec])' <<<"$OUT")
theirs=$(call Upcoming tt "$from" "$((last + 1))" | jq -c '.[0] | map([.[0], .[2], .[3]])')
is "$mine" "$theirs" "agenda JSON = the daemon's Upcoming over the same range"
ctl_is 2 "agenda --days 0" agenda --days 0

# ---- stats ----
ctl_is 0 "stats" stats
grep -Eq '^  Recharge time  .* kept of .* planned' <<<"$OUT"
ok $? "stats: planned vs kept"
grep -Eq '^  Blocks +[0-9]+ completed, [0-9]+ stopped early, [0-9]+ skipped, [0-9]+ missed$' <<<"$OUT"
ok $? "stats: counts"
grep -Eq '^  Streak +[0-9]+ days?$' <<<"$OUT"
ok $? "stats: streak"
manual=$(call GetStats t 0 | jq '.[0].Manual.data')
grep -Eq "^  Manual +$manual recharges?, " <<<"$OUT"
ok $? "stats: the manual recharges on a line of their own ($manual), apart from the blocks"
is "$(grep -cE '^  [A-Z][a-z]{2} [ 0-9]{2} [A-Z][a-z]{2}  ' <<<"$OUT")" "8" "stats chart: a row per day the 7 days touch"
ctl_is 0 "stats --json --since 1d" stats --json --since 1d
j=$OUT
since=$(jq -r .since_usec <<<"$j")
d=$(call GetStats t "$since" | jq -c '.[0] | map_values(.data) | [.Planned, .Kept, .Completed, .Stopped, .RemindersDone, .RemindersMissed, .Manual, .ManualKept]')
is "$(jq -c '[.planned_usec, .kept_usec, .completed, .stopped, .reminders_done, .reminders_missed, .manual, .manual_kept_usec]' <<<"$j")" "$d" "stats JSON = GetStats"
[ "$(call GetStats t "$since" | jq '.[0].ManualKept.data')" -gt 0 ]
ok $? "the manual recharges were counted, apart from the blocks"
is "$(jq -r '[.days[].kept_usec] | add' <<<"$j")" "$(jq -r .kept_usec <<<"$j")" "the days add up to the total"
is "$(jq -r '.reminders_done' <<<"$j")" "1" "the done reminder counted"
ctl_is 2 "stats --since nonsense" stats --since soon

# What arrived during dnd recharges (the digest's "arrived" lines): a line when there is any,
# the count in the JSON; never anything but counts.
ctl_is 0 "stats before anything arrived" stats
! grep -q 'While recharging' <<<"$OUT"
ok $? "stats: no 'While recharging' line when nothing arrived"
is "$(call GetStats t 0 | jq '.[0].Arrived.data')" "0" "GetStats: Arrived 0"
t=$((($(date +%s) - 60) * S))
printf '%s arrived - "Signal" 0 3 0\n%s arrived - "Mail" 0 2 0\n' "$t" "$t" >>"$T/state/recharged/history"
ctl_is 0 "stats after five arrived" stats
grep -Eq '^  While recharging: 5 notifications held$' <<<"$OUT"
ok $? "stats: While recharging: 5 notifications held"
ctl_is 0 "stats --json after five arrived" stats --json
is "$(jq .arrived <<<"$OUT")" "5" "stats JSON: arrived 5"
is "$(call GetStats t 0 | jq '.[0].Arrived.data')" "5" "GetStats: Arrived 5"
is "$(jq '[.days[].arrived] | add' <<<"$OUT")" "5" "stats JSON: the days say when they arrived"

# One bus call for the figures and the chart, whatever the span (each day was a call before).
calls_of_stats() {
        local end=$((424242 + RANDOM)) deadline=$(($(date +%s%N) + 10000000000))
        mark
        ctl stats "$@" >/dev/null
        call GetStats t "$end" >/dev/null
        # (Not jq -e: jq 1.6 exits 4 when the last input yields nothing, the reply after the call
        # here, so the wait always ran to its 10 s deadline.)
        until tail -n "+$((MARK + 1))" "$T/monitor.json" | grep '^{.*}$' |
                jq -c "select(.member == \"GetStats\" and .payload.data[0] == $end)" | grep -q .; do
                [ "$(date +%s%N)" -lt "$deadline" ] || break
                sleep 0.05
        done
        tail -n "+$((MARK + 1))" "$T/monitor.json" | grep '^{.*}$' |
                jq -s "[.[] | select(.type == \"method_call\" and .member == \"GetStats\" and .payload.data[0] != $end)] | length"
}
is "$(calls_of_stats --since 40d)" 1 "stats --since 40d: one GetStats call (the monitor started above)"
is "$(calls_of_stats --json)" 1 "stats --json: one GetStats call"

# ---- reload and check-config ----
next_before=$(prop NextEntry)/$(prop NextEventTime)
printf '[general]\nheads-up = soon\n\n[x]\ntype = recharge\nstart = 25:00\nduration = 1h\n' >"$CONF"
ctl_is 1 "reload a bad config" reload
reload_err=$ERR
grep -q "recharged.conf:2: " <<<"$ERR"
ok $? "reload: FILE:LINE: message"
plain
ok $? "reload refusal without D-Bus words"
is "$(prop NextEntry)/$(prop NextEventTime)" "$next_before" "the running schedule stays"
ctl_is 1 "check-config on the same bad file" check-config
is "$ERR" "$reload_err" "check-config says what the daemon says"
ctl_is 0 "check-config on a good file" check-config "$T/good.conf"
is "$OUT" "$T/good.conf: valid, 2 entries." "check-config: valid"
ctl_is 1 "check-config on a missing file" check-config "$T/missing.conf"
# valid but likely not meant: warnings, still exit 0
mkdir -m 0775 "$T/shared"
printf '[general]\non-start = echo hi\n\n[n]\ntype = recharge\nstart = 22:00\nend = 22:00\n' >"$T/shared/w.conf"
chmod 0664 "$T/shared/w.conf"
ctl_is 0 "check-config on a group-writable file with hooks (a umask of 002)" check-config "$T/shared/w.conf"
is "$OUT" "$T/shared/w.conf: valid, 1 entry." "check-config: valid"
is "$ERR" "warning: $T/shared/w.conf: on-start and on-end will not run: the file or its folder is writable by others than its owner; run: chmod go-w '$T/shared/w.conf' and its folder
warning: $T/shared/w.conf: [n] start and end are both 22:00: a block of 24 hours; for a shorter one give another end, or a duration" \
        "check-config: a warning line for the hooks that will be refused, one for start = end"
printf '\357\273\277[general]\nheads-up = 5min\n\n[x]\ntype = selfcare\nat = 10:00\n' >"$T/bom.conf"
ctl_is 0 "check-config on a file with a UTF-8 byte-order mark" check-config "$T/bom.conf"
: >"$T/empty.conf"
ctl_is 0 "check-config on an empty file" check-config "$T/empty.conf"
is "$ERR" "warning: $T/empty.conf: no entries: nothing is scheduled (without a file, recharged would use its built-in default schedule)" \
        "check-config: an empty file is said"
cp "$T/good.conf" "$CONF"
ctl_is 0 "reload the good file back" reload
daemon_stop
ctl_is 0 "check-config without a daemon" check-config
is "$OUT" "$CONF: valid, 2 entries." "check-config finds \$XDG_CONFIG_HOME's file"
rm "$CONF"
ctl_is 0 "check-config with no config at all" check-config
is "$OUT" "No recharged.conf found; recharged uses its built-in default schedule." "check-config: the built-in default"

# every command that needs the daemon says it is not there, exit 1
for c in "on" "off" "extend 5min" "skip x" "snooze x 5min" "done x" "pause" "resume" "list" "agenda" "stats" \
        "reload" "export"; do
        ctl_is 1 "'$c' without a daemon" $c
        is "$ERR" "recharged is not running; start it with: systemctl --user start recharged" "'$c': the one line"
done

tap_done
