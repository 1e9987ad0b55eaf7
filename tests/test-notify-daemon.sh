#!/bin/bash
# SPDX-License-Identifier: MIT
# test-notify.sh: every row of DESIGN.md's notification table as a recording server sees it
# (python3-dbusmock's notification_daemon template): summary, body, actions, hints, replaces-id;
# each action clicked there changes the state as the bus method does; no actions for a server
# without the capability; no server, and a server that never answers: the daemon answers on.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"

if ! /usr/bin/python3 -c 'import dbusmock' 2>/dev/null; then
        skip "python3-dbusmock is not installed" "notifications against a recording server"
        tap_done
        exit 0
fi
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
hm() { date -u -d "@$1" +%H:%M; }
S=1000000
# call_id N: the id the mock gave the Nth notification.
call_id() { notify_calls | sed -n "${1}p" | jq .id; }

# ---- the four rows: reminder, heads-up, start, end ----
notify_mock_start || { echo "Bail out! the mock notification server did not start"; exit 99; }
write_conf1() {
start=$((base + 7))
cat >"$CONF" <<EOF
[general]
heads-up = 3s
reconnect = yes

[block]
type = recharge
start = $(hms $start)
duration = 3s
message = Coffee, alone & <quiet>

[ping]
type = selfcare
at = $(hms $((base + 3)))
message = Stand up and stretch
EOF
}
monitor_start
daemon_start_armed write_conf1 || { tap_done; exit 1; }
mark

c=$(notify_wait 1 8)
ok $? "a reminder is shown when it is due"
is "$(echo "$c" | jq -c '[.app, .replaces, .icon, .summary, .body]')" \
   '["recharged",0,"dialog-information","Stand up and stretch",""]' "reminder: app, replaces nothing, icon, the message as summary"
is "$(echo "$c" | jq -c .actions)" '["done","Done","snooze","Snooze 10 min"]' "reminder: actions Done · Snooze 10 min"
is "$(echo "$c" | jq -c '.hints')" '{"urgency":1,"category":"x-recharged.reminder","desktop-entry":"recharged","transient":true}' \
   "reminder: normal urgency, category, desktop-entry, transient"
is "$(echo "$c" | jq .expire)" -1 "reminder: the server's own timeout"

notify_action "$(echo "$c" | jq .id)" done
wait_log "Applied and saved: done 'ping'" 5
ok $? "clicking Done goes through the one path of state changes"
grep -q " reminder-done .*\"ping\"" "$HISTORY"
ok $? "…and is recorded in history as Done(ping) is"
is "$(busctl --user call "$BUS" "$OBJ" "$IFACE" GetStats t 0 --json=short | jq '.data[0].RemindersDone.data')" 1 \
   "GetStats counts the reminder done from the notification"
for i in $(seq 400); do [ "$(notify_mock_calls CloseNotification)" -ge 1 ] && break; sleep 0.05; done
is "$(busctl --user call "$NOTIFY_NAME" "$NOTIFY_PATH" org.freedesktop.DBus.Mock GetMethodCalls s CloseNotification --json=short |
      jq -c '[.data[0][][1][0].data]')" "[$(echo "$c" | jq .id)]" "a reminder marked done is closed (its buttons are answered)"

c=$(notify_wait 2 8)
ok $? "a heads-up is shown before the block"
is "$(echo "$c" | jq -c '[.app, .replaces, .icon, .summary]')" \
   '["recharged",0,"appointment-soon","Recharge soon: Coffee, alone & <quiet>"]' "heads-up: what, as the summary (no markup server: as it is)"
is "$(echo "$c" | jq -r .body)" "From $(hm $start) to $(hm $((start + 3))). Let the people around you know." \
   "heads-up: when, and the line that invites letting others know"
is "$(echo "$c" | jq -c .actions)" '["start-now","Start now","snooze","Snooze 10 min","skip","Skip this time"]' \
   "heads-up: actions Start now · Snooze 10 min · Skip this time"
is "$(echo "$c" | jq -c '.hints')" '{"urgency":1,"category":"x-recharged.heads-up","desktop-entry":"recharged"}' \
   "heads-up: normal urgency, category, desktop-entry, not transient"
e=$(echo "$c" | jq .expire)
[ "$e" -gt 0 ] && [ "$e" -le 3000 ]
ok $? "heads-up: expires when the block starts ($e ms)"

c=$(notify_wait 3 8)
ok $? "the block's start is shown"
start_id=$(echo "$c" | jq .id)
is "$(echo "$c" | jq -c '[.replaces, .icon, .summary, .body]')" \
   "[0,\"user-away\",\"Recharging: Coffee, alone & <quiet>\",\"Until $(hm $((start + 3))).\"]" "start: what, until when"
is "$(echo "$c" | jq -c .actions)" '["extend","Extend 15 min","stop","End now"]' "start: actions Extend 15 min · End now"
is "$(echo "$c" | jq -c '.hints')" '{"urgency":2,"category":"presence.offline","desktop-entry":"recharged"}' \
   "start: critical (it passes the silencing where the server lets it), presence.offline, not transient"

c=$(notify_wait 4 8)
ok $? "the block's end is shown"
is "$(echo "$c" | jq .replaces)" "$start_id" "end: replaces the start notification (same id)"
is "$(echo "$c" | jq -c '[.icon, .summary, .body]')" \
   "[\"user-available\",\"Time to reconnect\",\"'Coffee, alone & <quiet>' is over. Welcome back.\"]" "end: time to reconnect"
is "$(echo "$c" | jq -c '[.actions, .hints]')" \
   '[[],{"urgency":1,"category":"presence.online","desktop-entry":"recharged","transient":true}]' "end: no actions, transient"
daemon_stop
notify_mock_stop

# ---- the heads-up's actions, then the start's ----
notify_mock_start
write_conf2() {
start=$((base + 9))
cat >"$CONF" <<EOF
[general]
heads-up = 5s

[hn]
type = recharge
start = $(hms $start)
duration = 30min
message = Start me

[hk]
type = recharge
start = $(hms $start)
duration = 30min
message = Skip me

[hs]
type = recharge
start = $(hms $start)
duration = 30min
message = Snooze me
EOF
}
daemon_start_armed write_conf2 || { tap_done; exit 1; }
mark
notify_wait 3 10 >/dev/null
ok $? "three heads-ups are shown"
id_of() { notify_calls | jq -r "select(.summary == \"$1\") | .id" | tail -1; }

notify_action "$(id_of "Recharge soon: Snooze me")" snooze
wait_log "Applied and saved: snooze 'hs'" 5
ok $? "Snooze 10 min goes through the one path of state changes"
is "$(eprop hs NextStart) $(eprop hs NextEnd)" "$(((start + 600) * S)) $(((start + 600 + 1800) * S))" \
   "…and moves the block 10 min, as Snooze(hs, 10 min) does"
grep -q '^override "hs"' "$STATE"
ok $? "…saved in the state file"

notify_action "$(id_of "Recharge soon: Skip me")" skip
wait_log "Applied and saved: skip 'hk'" 5
ok $? "Skip this time goes through the one path of state changes"
is "$(eprop hk NextStart)" $(((start + 86400) * S)) "…and the next occurrence is tomorrow's, as Skip(hk) does"
grep -q " skipped schedule \"hk\" $((start * S)) 1800000000 " "$HISTORY"
ok $? "…recorded in history as a skip with the occurrence and its planned length"

notify_action "$(id_of "Recharge soon: Start me")" start-now
wait_prop Mode '"recharging"' 5
ok $? "Start now starts the block"
is "$(prop Entry) $(( $(prop Until) - $(prop Since) ))" "hn $((1800 * S))" "…as StartNow(hn) does: it keeps its length"

c=$(notify_wait 4 5)
ok $? "the started block's notification follows"
is "$(echo "$c" | jq -c '[.summary, .body, .actions]')" \
   "[\"Recharging: Start me\",\"Until $(hm $(( $(prop Until) / S ))).\",[\"extend\",\"Extend 15 min\",\"stop\",\"End now\"]]" \
   "start: what, until when, Extend 15 min · End now"
start_id=$(echo "$c" | jq .id)
for i in $(seq 400); do [ "$(notify_mock_calls CloseNotification)" -ge 3 ] && break; sleep 0.05; done
closed=$(busctl --user call "$NOTIFY_NAME" "$NOTIFY_PATH" org.freedesktop.DBus.Mock GetMethodCalls s CloseNotification --json=short |
         jq -c '[.data[0][][1][0].data] | sort')
is "$closed" "$(printf '%s\n' "$(id_of "Recharge soon: Snooze me")" "$(id_of "Recharge soon: Skip me")" \
                "$(id_of "Recharge soon: Start me")" | jq -s -c 'sort')" \
   "each heads-up is closed once its action was taken (snooze, skip, start now), once each"

until=$(prop Until)
notify_action "$start_id" extend
wait_prop Until $((until + 900 * S)) 5
ok $? "Extend 15 min lengthens the recharge by 15 min, as Extend(15 min) does"
c=$(notify_wait 5 5)
is "$(echo "$c" | jq -c '[.replaces, .summary, .body]')" \
   "[$start_id,\"Recharging: Start me\",\"Until $(hm $(( (until + 900 * S) / S ))).\"]" \
   "the start notification is updated in place with the new end"

# A signal that does not come from the notification server is not a click.
gdbus emit --session --object-path "$NOTIFY_PATH" --signal "$NOTIFY_NAME.ActionInvoked" "$start_id" stop >/dev/null
sleep 0.5
is "$(prop Mode)" recharging "an ActionInvoked sent by another program is ignored"

mark
notify_action "$start_id" stop
wait_prop Mode '"available"' 5
ok $? "End now ends the recharge"
is "$(wait_signal RechargeEnded 3)" '["schedule","hn","stopped"]' "…as Stop does: RechargeEnded(stopped)"
grep -q ' stopped schedule "hn" ' "$HISTORY"
ok $? "…recorded in history as stopped"
c=$(notify_wait 6 5)
is "$(echo "$c" | jq -c '[.replaces, .summary, .body]')" "[$start_id,\"Time to reconnect\",\"'Start me' is over. Welcome back.\"]" \
   "the end replaces the start notification"
daemon_stop
notify_mock_stop

# ---- overlapping blocks: one stretch of alone time ----
# b begins while a is on: b's heads-up is not shown; a's end closes its start notification with
# no nudge to reconnect; the nudge comes once, at b's end. The times are set by a Reload, so a
# slow start of the daemon cannot make them pass before it runs.
notify_mock_start
printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
daemon_start || { tap_done; exit 1; }
base=$(date +%s)
cat >"$CONF" <<EOF
[general]
heads-up = 1s

[a]
type = recharge
start = $(hms $((base + 4)))
duration = 6s
message = First

[b]
type = recharge
start = $(hms $((base + 6)))
duration = 6s
message = Second
EOF
call Reload >/dev/null
notify_wait 4 25 >/dev/null
ok $? "overlapping blocks: four notifications"
is "$(notify_calls | jq -r .summary | tr '\n' '|')" "Recharge soon: First|Recharging: First|Recharging: Second|Time to reconnect|" \
   "a's heads-up and start, b's start (no heads-up in the middle of a), one nudge at the end"
a_start=$(notify_calls | jq -r 'select(.summary == "Recharging: First") | .id')
b_start=$(notify_calls | jq -r 'select(.summary == "Recharging: Second") | .id')
is "$(notify_calls | jq -r 'select(.summary == "Time to reconnect") | .replaces')" "$b_start" "…the nudge replaces b's start"
for i in $(seq 400); do [ "$(notify_mock_calls CloseNotification)" -ge 2 ] && break; sleep 0.05; done
closed=$(busctl --user call "$NOTIFY_NAME" "$NOTIFY_PATH" org.freedesktop.DBus.Mock GetMethodCalls s CloseNotification --json=short |
         jq -c '[.data[0][][1][0].data]')
case $closed in *"$a_start"*) ok 0 "a's end closes its start notification ($closed)" ;; *) ok 1 "a's end closes its start notification ($closed)" ;; esac
daemon_stop
notify_mock_stop

# ---- reconnect = no: the start notification is closed at the end, nothing new shown ----
notify_mock_start
printf '[general]\nreconnect = no\n\n[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
daemon_start || { tap_done; exit 1; }
call Recharge ts $((3600 * S)) "Quiet hour" >/dev/null
c=$(notify_wait 1 5)
is "$(echo "$c" | jq -c '[.summary, .actions]')" '["Recharging: Quiet hour",["extend","Extend 15 min","stop","End now"]]' \
   "a manual recharge is shown with its message"
call Stop >/dev/null
for i in $(seq 400); do [ "$(notify_mock_calls CloseNotification)" -ge 1 ] && break; sleep 0.05; done
is "$(busctl --user call "$NOTIFY_NAME" "$NOTIFY_PATH" org.freedesktop.DBus.Mock GetMethodCalls s CloseNotification --json=short |
      jq -c '.data[0][0][1] | map(.data)')" "[$(echo "$c" | jq .id)]" "reconnect = no: the start notification is closed at the end"
is "$(notify_calls | wc -l)" 1 "…and no end notification is shown"
daemon_stop
notify_mock_stop

# ---- a server without the actions capability; one with body markup ----
notify_mock_start "body"
printf '[x]\ntype = selfcare\nat = %s\n' "$(clock_in 7200)" >"$CONF"
daemon_start || { tap_done; exit 1; }
call Recharge ts $((3600 * S)) "" >/dev/null
c=$(notify_wait 1 5)
is "$(echo "$c" | jq -c '[.summary, .actions]')" '["Recharging",[]]' "a server without the actions capability gets no actions"
call Stop >/dev/null
notify_mock_stop

notify_mock_start "body body-markup actions"
call Recharge ts $((3600 * S)) "Tea & <biscuits>" >/dev/null
call Stop >/dev/null
c=$(notify_wait 2 5)
is "$(echo "$c" | jq -r .body)" "&apos;Tea &amp; &lt;biscuits&gt;&apos; is over. Welcome back." \
   "a server with body markup gets the message escaped"

# ---- a restart in the middle of a recharge: its end still replaces its start ----
call Recharge ts $((3600 * S)) "Across a restart" >/dev/null
c=$(notify_wait 3 5)
rid=$(echo "$c" | jq .id)
for i in $(seq 400); do grep -q "^active manual \"\" 0 [0-9]* [0-9]* [0-9]* $rid \"Across a restart\" [0-9]*$" "$STATE" && break; sleep 0.05; done
grep -q "^active manual \"\" 0 [0-9]* [0-9]* [0-9]* $rid \"Across a restart\" [0-9]*$" "$STATE"
ok $? "the start notification's id and the message are kept in the state file"
daemon_stop KILL
daemon_start || { tap_done; exit 1; }
call Stop >/dev/null
c=$(notify_wait 4 5)
is "$(echo "$c" | jq -c '[.replaces, .summary]')" "[$rid,\"Time to reconnect\"]" \
   "after kill -9 and a restart the end replaces the start notification (none left stuck on screen)"
case $(echo "$c" | jq -r .body) in *"Across a restart"*) ok 0 "…and names what ended" ;; *) ok 1 "…and names what ended" ;; esac
notify_mock_stop

# Each phase below counts log lines of its own: the daemon has taken every answer (or error) of
# the server just stopped once it answers a call, and the log starts afresh (O_APPEND).
fresh_log() { call GetStatus >/dev/null; : >"$LOG"; }

# ---- no server at all: answers on, says so once, uses a server that comes later ----
fresh_log
for i in 1 2 3; do
        call Recharge ts $((3600 * S)) "Alone $i" >/dev/null
        call Stop >/dev/null
done
wait_log "No notification server on the session bus" 5
ok $? "without a server the daemon says so"
ms=$(max_call_ms 5)
[ "$ms" -lt 2500 ]
ok $? "…and GetStatus keeps answering (slowest of 5: $ms ms)"
is "$(grep -c "No notification server on the session bus" "$LOG")" 1 "…once, not once per event (6 events)"
kill -0 "$DAEMON_PID"
ok $? "…and keeps running"

notify_mock_start
call Recharge ts $((3600 * S)) "Server is back" >/dev/null
c=$(notify_wait 1 5)
is "$(echo "$c" | jq -r .summary)" "Recharging: Server is back" "a server that appears later is used at the next event"
grep -q "The notification server answers again" "$LOG"
ok $? "…and the log says it is back"
call Stop >/dev/null
notify_wait 2 5 >/dev/null   # the end's Notify reaches this server, not the one that follows
notify_mock_stop

# ---- a server that takes Notify and never answers ----
# hang_start N MESSAGE: a stuck server (notify-hang.py), its log in $T/hangN.log; waits until
# it holds the Notify of the recharge (MESSAGE) it starts.
hang_start() {
        /usr/bin/python3 "$top_srcdir/tests/lib/notify-hang.py" >"$T/hang$1.log" 2>&1 &
        HANG_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $HANG_PID"
        gdbus wait --session "$NOTIFY_NAME" --timeout 10 >/dev/null 2>&1
        call Recharge ts $((3600 * S)) "$2" >/dev/null
        for i in $(seq 400); do grep -q "held Notify" "$T/hang$1.log" && break; sleep 0.05; done
        grep -q "held Notify" "$T/hang$1.log"
}
fresh_log
hang_start 1 "Into the void"
ok $? "the stuck server has our Notify and does not answer it"
ms=$(max_call_ms 5)
[ "$ms" -lt 2500 ]
ok $? "GetStatus answers while the Notify waits (slowest of 5: $ms ms)"
call Stop >/dev/null
ok $? "Stop is answered while it waits"
wait_log "did not answer within 5 s" 8
ok $? "after the timeout the log says the server does not answer"
wait_log "Notification server still not answering" 8
ok $? "the next event's notification times out too"
is "$(grep -c "did not answer" "$LOG")" 1 "…and that is said once"
ms=$(max_call_ms 5)
[ "$ms" -lt 2500 ]
ok $? "GetStatus still answers at once ($ms ms)"

# ---- the stuck server goes away: a new kind of failure, said once more ----
kill "$HANG_PID"
for i in $(seq 400); do busctl --user status "$NOTIFY_NAME" >/dev/null 2>&1 || break; sleep 0.05; done
call Recharge ts $((3600 * S)) "Nobody now" >/dev/null
call Stop >/dev/null
absent_once() { [ "$(grep -c "No notification server on the session bus" "$LOG")" = 1 ]; }
for i in $(seq 400); do absent_once && break; sleep 0.05; done
call GetStatus >/dev/null   # what the Notify errors led to is logged before this answer
absent_once
ok $? "a server that hung and then left: 'no server' is said, once"
n=$(grep -c "did not answer" "$LOG")
is "$n" 1 "…and the hang was not said again"
[ "$n" = 1 ] || diag "$(grep -i "notification server" "$LOG")"

# ---- a server that leaves the bus while it holds our Notify: the bus's reason is said ----
hang_start 2 "Left holding it"
ok $? "another stuck server holds our Notify"
kill "$HANG_PID"
wait_log "did not answer \(Message recipient disconnected" 5
ok $? "it leaves the bus: the log gives the bus's reason, not a timeout: $(grep -o 'did not answer (.*)' "$LOG" | head -1)"
call Stop >/dev/null

# ---- a server whose answer to Notify has the wrong type: what was wrong is said ----
/usr/bin/python3 -m dbusmock "$NOTIFY_NAME" "$NOTIFY_PATH" "$NOTIFY_NAME" >>"$T/bad-mock.out" 2>&1 &
BAD_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $BAD_PID"
gdbus wait --session "$NOTIFY_NAME" --timeout 10 >/dev/null 2>&1
gdbus call --session -d "$NOTIFY_NAME" -o "$NOTIFY_PATH" -m org.freedesktop.DBus.Mock.AddMethod \
        "" GetCapabilities "" as "ret = ['body']" >/dev/null &&
gdbus call --session -d "$NOTIFY_NAME" -o "$NOTIFY_PATH" -m org.freedesktop.DBus.Mock.AddMethod \
        "" Notify "susssasa{sv}i" s "ret = 'not an id'" >/dev/null
ok $? "a server whose Notify answers a string is on the bus"
log_mark
call Recharge ts $((3600 * S)) "Wrong answer" >/dev/null
wait_log_after_mark "answered Notify with 's' where an id \('u'\) belongs" 5 >/dev/null
ok $? "its answer is logged as what was wrong: $(log_since_mark | grep -o "answered Notify.*" | head -1)"
log_since_mark | grep -q "No such device or address"
[ $? -ne 0 ]
ok $? "…not as 'No such device or address'"
is "$(prop Mode)" recharging "…and the recharge is on"
call Stop >/dev/null
kill "$BAD_PID"
for i in $(seq 400); do busctl --user status "$NOTIFY_NAME" >/dev/null 2>&1 || break; sleep 0.05; done

# ---- a Notify still unanswered at exit ----
hang_start 3 "Pending at exit"
ok $? "a third stuck server holds our Notify"
daemon_stop
is "$DAEMON_STATUS" 0 "the daemon exits cleanly with the call still pending"
kill "$HANG_PID"
for i in $(seq 400); do busctl --user status "$NOTIFY_NAME" >/dev/null 2>&1 || break; sleep 0.05; done

# ---- an end that comes before the start's Notify is answered still replaces that start ----
# A server that holds every Notify until SIGUSR1 makes the order certain: the start is held,
# Stop comes, the end waits for the start's id, then both are answered in order.
/usr/bin/python3 "$top_srcdir/tests/lib/notify-hang.py" --until-usr1 >"$T/hold.log" 2>&1 &
HOLD_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $HOLD_PID"
gdbus wait --session "$NOTIFY_NAME" --timeout 10 >/dev/null 2>&1
# A daemon of its own: nothing left on from the phases above.
rm -f "$STATE" "$HISTORY"
: >"$LOG"; log_mark
daemon_start || { tap_done; exit 1; }
call Recharge ts $((3600 * S)) "Back to back" >/dev/null
for i in $(seq 400); do grep -q "held Notify" "$T/hold.log" && break; sleep 0.05; done
grep -q "held Notify" "$T/hold.log"
ok $? "the start's Notify is held by the server"
call Stop >/dev/null
ok $? "Stop is answered while the start's Notify is held"
wait_log "The end notification waits for the start's to be answered"
ok $? "…the end notification waits for the start's id"
kill -USR1 "$HOLD_PID"
for i in $(seq 400); do [ "$(grep -c '^Notify ' "$T/hold.log")" -ge 2 ] && break; sleep 0.05; done
is "$(grep '^Notify ' "$T/hold.log" | tr '\n' '|')" "Notify 0 Recharging: Back to back|Notify 1 Time to reconnect|" \
   "…and once the start has its id (1), the end replaces it"
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
for i in $(seq 400); do busctl --user status "$NOTIFY_NAME" >/dev/null 2>&1 || break; sleep 0.05; done
daemon_stop

tap_done
