#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-said.sh: each command that changes something says what was done in one line, from
# the daemon's answer (-q silences it); the surprising inputs are refused or warned; refusals are
# consistent.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

# Daemon and client in a zone where it is about noon now: the lines say "HH:MM" for today and
# "Ddd HH:MM" for another day, and the expected words are computed a moment before or after
# rechargectl runs, so no local midnight may fall inside the test (in UTC one did at 23:59).
NOON_TZ=$(noon_tz)
export TZ=$NOON_TZ
S=1000000
base=$(date +%s)
hms() { date -d "@$1" +%H:%M:%S; }
hm() { date -d "@$1" +%H:%M; }
# day_hm EPOCH: "Mon 7 Dec 06:30" as the client writes an occurrence
day_hm() { date -d "@$1" "+%a %-d %b %H:%M"; }
# local_time EPOCH: "HH:MM" today, "Ddd HH:MM" within a week (format_local_time)
local_time() {
        if [ "$(date -d "@$1" +%F)" = "$(date +%F)" ]; then date -d "@$1" +%H:%M; else date -d "@$1" "+%a %H:%M"; fi
}
now_start=$((base - 60))
cat >"$CONF" <<EOF
[general]
heads-up = 0

[now]
type = recharge
start = $(hms $now_start)
duration = 1h
message = Now block

[later]
type = recharge
start = $(hms $((base + 30 * 60)))
duration = 30min
message = Later on

[far]
type = recharge
start = $(hms $((base + 4 * 3600)))
duration = 30min
message = Far on

[ping]
type = selfcare
at = $(hms $((base + 2 * 3600)))
message = Drink water
EOF

# ---- refused before any call: no daemon needed ----
ctl_is 2 "on 45: a number without a unit" on 45
is "$ERR" "rechargectl: '45' has no unit: write 45min for minutes or 45s for seconds. Try 'rechargectl help on'." \
        "on 45: asks for the unit"
ctl_is 2 "on 1h30: a trailing number without a unit" on 1h30
is "$ERR" "rechargectl: In '1h30', 30 has no unit: write it like 1h 30min. Try 'rechargectl help on'." \
        "on 1h30: says which number"
ctl_is 2 "extend 0" extend 0s
ctl_is 2 "snooze x 0" snooze x 0min
ctl_is 2 "pause 0" pause 0min
ctl_is 2 "stats --since 0" stats --since 0s
ctl_is 2 "stats --since a date that does not exist" stats --since 2021-02-30
ctl_is 2 "stats --since a day to come" stats --since 2099-01-01
is "$ERR" "rechargectl: --since 2099-01-01 is in the future: there are no stats for it yet." "the day to come, said"

daemon_start || exit 1

# ---- the block on now ----
ctl_is 0 "is-recharging during a block" is-recharging
is "$OUT$ERR" "" "is-recharging prints nothing"
ctl_is 0 "on 10s -m short inside a block" on 10s -m short
block_end=$(($(prop Until) / S))
left=$(( (block_end - $(date +%s) + 59) / 60 ))
is "$OUT" "Recharging until $(local_time "$block_end") ($left min) in block now — Now block" \
        "the line says the block's end and message stay"
is "$ERR" "warning: you are inside block 'now', which goes on until $(local_time "$block_end"): it keeps that end and its message 'Now block'." \
        "and a warning says why"
ctl_is 0 "skip now during block now" skip now
is "$ERR" "warning: block 'now' is on now: skip skips its next occurrence, not this one ('rechargectl off' ends this one)." \
        "skip of the block on now: warned"
is "$OUT" "Skipped now on $(day_hm $((now_start + 86400)))–$(hm $((now_start + 86400 + 3600)))." \
        "the line names the occurrence skipped: tomorrow's, not this one"
is "$(call Upcoming tt "$(now_us)" "$(($(now_us) + 3 * 86400 * S))" |
       jq -r '[.[0][] | select(.[0] == "now" and .[2] == "start")][0][3]')" "$(((now_start + 2 * 86400) * S))" \
        "and that is the one the daemon skipped (the next start is the day after)"
ctl_is 0 "off" off
is "$OUT" "Ended block now, which was to last until $(local_time "$block_end")." "off: the block ended, and its end"
ctl_is 1 "off when nothing is on" off
is "$ERR" "Nothing is recharging right now." "off when nothing is on: refused"
ctl_is 1 "is-recharging when available" is-recharging
is "$OUT$ERR" "" "is-recharging prints nothing"

# ---- manual recharges ----
ctl_is 0 "on 45min -m Reading" on 45min -m Reading
until=$(($(prop Until) / S))
is "$OUT" "Recharging until $(local_time $until) (45 min) — Reading" "on: until when, how long, the message"
ctl_is 0 "extend 15min" extend 15min
is "$OUT" "Recharging until $(local_time $((until + 900))) (1h), 15min longer" "extend: the new end"
ctl_is 0 "off -q" off -q
is "$OUT" "" "-q: nothing said"
ctl_is 0 "on (open-ended)" on
is "$OUT" "Recharging until you stop it" "on without a span: until you stop it"
ctl_is 0 "off" off
# In the noon zone ten minutes ago is today at any hour of the run.
past=$(date -d "@$((base - 600))" +%H:%M)
ctl_is 0 "on until a time that passed 10 minutes ago" on until "$past"
case $OUT in
"Recharging until "[A-Z][a-z][a-z]" $past (23h "*"min)") ok 0 "the line says almost a day ($OUT)" ;;
*) ok 1 "the line says almost a day"; diag "$OUT" ;;
esac
case $ERR in
"warning: $past has passed today: this lasts until tomorrow's, 23h "*"min from now.") ok 0 "and a warning says tomorrow's" ;;
*) ok 1 "and a warning says tomorrow's"; diag "$ERR" ;;
esac
ctl_is 0 "off -q" off -q

# ---- start, snooze, pause, resume, reload ----
ctl_is 0 "start later" start later
later_end=$(($(prop Until) / S))
left=$(( (later_end - $(date +%s) + 59) / 60 ))
# as the client writes a duration: "45 min", "1h", "1h 5min"
dur() { if [ "$1" -ge 60 ]; then if [ $(($1 % 60)) = 0 ]; then echo "$(($1 / 60))h"; else echo "$(($1 / 60))h $(($1 % 60))min"; fi; else echo "$1 min"; fi; }
is "$OUT" "Recharging until $(local_time $later_end) ($(dur $left)) in block later — Later on" \
        "start: the block now, until its scheduled end, with its message"
ctl_is 0 "off -q" off -q
ctl_is 1 "start a reminder" start ping
ctl_is 1 "start a block hours away" start far
case $ERR in
*"For a recharge now: rechargectl on.") ok 0 "refused in the CLI's words ($ERR)" ;;
*) ok 1 "refused in the CLI's words"; diag "$ERR" ;;
esac
ping_next=$(call ListEntries | jq -r '.[0][] | select(.[0] == "ping") | .[4]')
ctl_is 0 "snooze ping 10min" snooze ping 10min
is "$OUT" "Snoozed ping to $(day_hm $((ping_next / S + 600))) (10min later)." "snooze: the new time"
ctl_is 1 "resume when not paused" resume
is "$ERR" "The schedule is not paused, so there is nothing to resume." "resume when not paused: refused"
ctl_is 0 "pause 1h" pause 1h
is "$OUT" "Schedule paused until $(local_time $(($(prop PausedUntil) / S))) (1h)." "pause: until when"
ctl_is 0 "pause (until resume)" pause
is "$OUT" "Schedule paused until you resume it." "pause without a span"
ctl_is 0 "resume" resume
case $OUT in
"Schedule resumed; next: "*) ok 0 "resume: and what is next ($OUT)" ;;
*) ok 1 "resume: and what is next"; diag "$OUT" ;;
esac
ctl_is 0 "reload" reload
is "$OUT" "Reloaded the configuration: 4 entries." "reload: how many entries"
ctl_is 0 "stats --since a date" stats --since "$(date -d yesterday +%F)"
grep -q "^Since " <<<"$OUT"
ok $? "stats --since YYYY-MM-DD: the stats from that day"

tap_done
