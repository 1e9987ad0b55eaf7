#!/bin/bash
# SPDX-License-Identifier: MIT
# test-silence-unknown.sh: servers recharged cannot silence. dbusmock's notification_daemon
# template (it reports itself as "mock-notify"): nothing changed, one log line, DoNotDisturb
# still true. No server at all: the same. A server that never
# answers GetServerInformation: the daemon keeps answering bus calls meanwhile.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"
test_setup
silence_conf

# ---- no notification server at all ----
daemon_start || { tap_done; exit 1; }
call Recharge ts 0 "" >/dev/null
wait_log "No notification server is running: nothing to silence"
ok $? "with no notification server it says there is nothing to silence"
is "$(prop DoNotDisturb)" true "…DoNotDisturb is true all the same"
call Stop >/dev/null
daemon_stop TERM

# ---- a server of another name: nothing changed, one line ----
mock_start notification_daemon || { echo "Bail out! the notification mock did not start"; exit 1; }
: >"$LOG"
daemon_start || { tap_done; exit 1; }
call Recharge ts 0 "" >/dev/null
wait_log "The notification server 'mock-notify' is not one recharged knows how to silence"
ok $? "an unknown server is named in the log"
settle
is "$(log_count "not one recharged knows|Holding|Failed to hold")" 1 "…in exactly one line, and nothing is held"
is "$(prop DoNotDisturb)" true "DoNotDisturb is true for status bars all the same"
grep -q '^silence ' "$STATE" && st=1 || st=0
ok $st "nothing is recorded in the state file"
is "$(grep -cvE 'GetServerInformation|GetCapabilities|Notify|CloseNotification' "$T/mock.log")" 0 \
        "the server got no call but GetServerInformation and recharged's own notifications"
call Stop >/dev/null
daemon_stop TERM

# ---- a server that never answers: calls to recharged stay fast ----
gdbus call --session -d "$NOTIFICATIONS" -o /org/freedesktop/Notifications -m org.freedesktop.DBus.Mock.AddMethod \
        "$NOTIFICATIONS" GetServerInformation '' ssss 'import time; time.sleep(8); ret = ("late", "", "", "")' >/dev/null
: >"$LOG"
daemon_start || { tap_done; exit 1; }
call Recharge ts 0 "" >/dev/null
slowest=$(max_call_ms 10)
[ "$slowest" -lt 1000 ]
ok $? "while the server hangs, GetStatus answers (slowest of 10: ${slowest} ms, busctl included)"
wait_log "Cannot tell which notification server runs" 10
ok $? "after the 5 s timeout it says so: $(grep -o 'Cannot tell.*' "$LOG" | head -1)"
is "$(prop Mode)/$(prop DoNotDisturb)" "recharging/true" "…and the recharge goes on"
call Stop >/dev/null
daemon_stop TERM
is "$DAEMON_STATUS" 0 "the daemon exits 0"

tap_done
