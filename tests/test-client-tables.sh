#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-tables.sh: list (one time style per column, --long with each rule, seconds where
# the config has them), agenda (heads-ups, --days up to 3660 through paged Upcoming calls), and
# control characters in others' text escaped in every human output, valid in every JSON one.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

# Daemon and client in a zone where it is about noon: the night block (22:00–06:00) is never the
# one on now, whatever the hour of the run.
h=$(date -u +%H); off=$(( (12 - 10#$h + 24) % 24 )); [ $off -gt 12 ] && off=$((off - 24))
export TZ="<NOON>$((-off))"
S=1000000
base=$(date +%s)
hms() { date -d "@$1" +%H:%M:%S; }
day_hm() { date -d "@$1" "+%a %-d %b %H:%M"; }
precise=$((base + 3 * 3600))
precise=$((precise - precise % 60 + 30))   # HH:MM:30
ESC=$'\033'
C1=$'\302\233'
cat >"$CONF" <<EOF
[general]
heads-up = 10min

[night]
type = recharge
start = 22:00
end = 06:00
message = Night

[precise]
type = recharge
start = $(hms $precise)
duration = 45min
message = Precise

[stretch]
type = selfcare
days = Mon..Fri
every = 1h
between = 09:00-17:00
message = Stretch

[water]
type = selfcare
at = 15:30:15, 10:00
message = Drink${ESC}[2J water${C1} ok

[esc]
type = recharge
start = $(hms $((base - 60)))
duration = 1h
message = "Title${ESC}]0;owned${ESC}\\ and${ESC}[2J"
EOF
daemon_start || exit 1

D='[A-Z][a-z]{2} [0-9]{1,2} [A-Z][a-z]{2}'   # "Mon 7 Dec"
HM='[0-9]{2}:[0-9]{2}'

# ---- list: one style per column ----
ctl_is 0 "list" list
is "$(head -1 <<<"$OUT" | tr -s ' ')" "NAME TYPE NEXT MESSAGE" "list header"
grep -Eq "^night +recharge +$D $HM–($D )?$HM +Night\$" <<<"$OUT"
ok $? "night: 'Ddd D Mon HH:MM–' and the end's day only when it is another"
grep -Eq "^night +recharge +$D 22:00–$D 06:00 " <<<"$OUT"
ok $? "night: it ends the next day, so the end has its day"
end=$((precise + 45 * 60))
if [ "$(date -d "@$precise" +%F)" = "$(date -d "@$end" +%F)" ]; then want="$(day_hm $precise)–$(date -d "@$end" +%H:%M)"
else want="$(day_hm $precise)–$(day_hm $end)"; fi
grep -q "^precise  *recharge  *$want  *Precise\$" <<<"$OUT"
ok $? "precise: its next start and end ($want)"
grep -Eq "^stretch +selfcare +$D $HM +Stretch\$" <<<"$OUT"
ok $? "stretch: a reminder's time in the same style"
bad=$(awk 'NR > 1' <<<"$OUT" | grep -Ev "^[a-z]+ +(recharge|selfcare) +$D $HM(–($D )?$HM)? ")
is "$bad" "" "every NEXT cell in the one style"

# ---- list --long: the rule ----
ctl_is 0 "list --long" list --long
is "$(head -1 <<<"$OUT" | tr -s ' ')" "NAME TYPE NEXT RULE MESSAGE" "list --long header"
grep -Eq "^night +recharge +.* daily 22:00–06:00 +Night\$" <<<"$OUT"
ok $? "--long: a block with an end: days start–end"
grep -Eq "^precise +recharge +.* daily $(hms $precise) \\+45min +Precise\$" <<<"$OUT"
ok $? "--long: a block with a duration, its start with seconds ($(hms $precise))"
grep -Eq "^stretch +selfcare +.* Mon\\.\\.Fri every 1h 09:00–17:00 +Stretch\$" <<<"$OUT"
ok $? "--long: every SPAN between, on its days"
grep -Eq "^water +selfcare +.* daily at 10:00, 15:30:15 +Drink" <<<"$OUT"
ok $? "--long: at times in order, seconds where given"
ctl_is 2 "list --long --names is not a thing" list --long --json --names --waybar

# ---- control characters: escaped for people, valid JSON for programs ----
ctl_is 0 "list with control characters in a message" list
grep -qF 'Drink\x1b[2J water\u009b ok' <<<"$OUT"
ok $? "list: ESC and a C1 control escaped"
[[ $OUT != *$ESC* && $OUT != *$C1* ]]
ok $? "list: no raw control reaches the terminal"
ctl_is 0 "status during a block with a terminal escape in its message"
grep -qF 'Message: Title\x1b]0;owned\x1b\ and\x1b[2J' <<<"$OUT"
ok $? "status: the OSC and the screen clear escaped"
[[ $OUT != *$ESC* ]]
ok $? "status: no raw ESC"
ctl_is 0 "status --json" --json
is "$(jq -r .message <<<"$OUT")" "Title${ESC}]0;owned${ESC}\\ and${ESC}[2J" "JSON: valid, and the message as it is"
ctl_is 0 "status --waybar" --waybar
jq -e . >/dev/null <<<"$OUT"
ok $? "waybar: valid JSON"
ctl_is 0 "--format" --format='%message%'
is "$OUT" 'Title\x1b]0;owned\x1b\ and\x1b[2J' "--format: escaped"
"$RECHARGECTL" watch >"$T/watch.out" 2>/dev/null &
WATCH=$!
EXTRA_PIDS="$EXTRA_PIDS $WATCH"
# The first status is printed whole, in one write: wait for its end, then look.
for _ in $(seq 400); do [ -s "$T/watch.out" ] && [ "$(tail -c1 "$T/watch.out" | od -An -c | tr -d ' ')" = '\n' ] && break; sleep 0.05; done
kill "$WATCH"; wait "$WATCH" 2>/dev/null
is "$(wc -l <"$T/watch.out")" "1" "watch: one line per change, the message cannot break it"
grep -qF 'Title\x1b]0;owned' "$T/watch.out"
ok $? "watch: escaped"
ctl_is 0 "agenda" agenda --days 1
[[ $OUT != *$ESC* && $OUT != *$C1* ]]
ok $? "agenda: no raw control"

# ---- agenda: heads-ups, and the whole documented range ----
ctl_is 0 "agenda --days 2" agenda --days 2
grep -Eq "^  $HM +night +heads-up\$" <<<"$OUT"
ok $? "agenda: the heads-up before a block, as rechargectl(1) says"
grep -Eq "^  $HM–$HM \\+1d +night +Night\$" <<<"$OUT"
ok $? "agenda: a block into the next day"
ctl_is 0 "agenda --days 400 --json (over the daemon's one-year range)" agenda --days 400 --json
n=$(jq '[.[] | select(.entry == "night" and .event == "start")] | length' <<<"$OUT")
[ "$n" -ge 399 ] && [ "$n" -le 401 ]
ok $? "400 days of night's starts ($n), through more than one Upcoming call"
is "$(jq '[.[].time_usec] | . == sort' <<<"$OUT")" "true" "in order, no piece twice"
is "$(jq '[.[] | [.entry, .event, .time_usec]] | length == (unique | length)' <<<"$OUT")" "true" "no event twice"
t0=$(date +%s%N)
ctl_is 0 "agenda --days 3660 (the documented maximum)" agenda --days 3660
diag "agenda --days 3660 took $((($(date +%s%N) - t0) / 1000000)) ms"
last=$(grep -E '^[A-Z][a-z]{2} [ 0-9]{2} [A-Z][a-z]{2}' <<<"$OUT" | tail -1)
want=$(date -d "@$((base + 3659 * 86400))" "+%a %e %b")
is "${last:0:10}" "$want" "the last day shown is 3659 days from today"
ctl_is 2 "agenda --days 3661" agenda --days 3661

# ---- agenda: each start paired with the first end of its own entry ----
# Three blocks interleaved, one on now (only its end is ahead): the lines pair each start with its
# own entry's end, not the next end of any entry (the client pairs them per entry, in one pass).
now=$(date +%s)
hm() { date -d "@$1" +%H:%M; }
cat >"$CONF" <<EOF
[aa]
type = recharge
start = $(hms $((now - 600)))
duration = 1h
message = A

[bb]
type = recharge
start = $(hms $((now + 300)))
duration = 30min
message = B

[cc]
type = recharge
start = $(hms $((now + 420)))
duration = 10min
message = C
EOF
busctl --user call "$BUS" "$OBJ" "$IFACE" Reload >/dev/null
ctl_is 0 "agenda --days 1, three blocks interleaved" agenda --days 1
grep -Eq "^  now–$(hm $((now + 3000))) +aa +A\$" <<<"$OUT"
ok $? "agenda: the block on now, to its own end"
grep -Eq "^  $(hm $((now + 300)))–$(hm $((now + 2100))) +bb +B\$" <<<"$OUT"
ok $? "agenda: a block that starts before another's end, to its own end"
grep -Eq "^  $(hm $((now + 420)))–$(hm $((now + 1020))) +cc +C\$" <<<"$OUT"
ok $? "agenda: a block inside another, to its own end" || diag "$OUT"

tap_done
