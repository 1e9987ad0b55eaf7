#!/bin/bash
# SPDX-License-Identifier: MIT
# test-digest-dunst.sh: the digest with the real dunst under Xvfb. During a dnd recharge dunst is
# paused and holds what other applications send; recharged counts those notifications by app name
# (never their text) and the end notification dunst shows says "While you recharged: Signal 3 ·
# Mail 2"; the state, the history and the log hold no summary or body.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"

if ! command -v dunst >/dev/null || ! command -v dunstctl >/dev/null || ! command -v Xvfb >/dev/null ||
   ! command -v notify-send >/dev/null; then
        skip "dunst, Xvfb or notify-send is not installed" "the digest on dunst"
        tap_done
        exit 0
fi
test_setup

# silence_conf's, with the end notification on (reconnect): that is where the digest is said.
silence_conf
sed -i 's/^reconnect = no$/reconnect = yes/' "$CONF"
dunst_start || { echo "Bail out! dunst did not start"; exit 1; }
diag "$(dunst --version 2>&1 | head -1)"
daemon_start || { tap_done; exit 1; }
wait_log "Counting other applications' notifications" 10
ok $? "digest = yes (the default): the daemon monitors Notify calls"

call Recharge ts 0 "Tea" >/dev/null
wait_until 10 dunst_is true
ok $? "the recharge pauses dunst"
log_mark
# Each text its own: dunst stacks duplicates into one.
n=0
for app in Signal Mail Signal Signal Mail; do
        n=$((n + 1))
        notify-send -a "$app" "SECRET-SUMMARY-$app-$n" "SECRET-BODY-$app-$n"
done
counted() { [ "$(log_since_mark | grep -c "Counted a notification")" -ge 5 ]; }
wait_until 10 counted
ok $? "five notifications from other apps counted"
[ "$(dunstctl count waiting)" -ge 5 ]
ok $? "…while dunst holds them ($(dunstctl count waiting) waiting)"

call Stop >/dev/null
wait_until 10 dunst_is false
ok $? "Stop puts dunst back"
# dunst's history takes what was closed: close what it shows until ours is among them.
ours() {
        dunstctl close-all
        dunstctl history | jq -e '[.data[0][] | select(.appname.data == "recharged") | .body.data] |
                any(contains("While you recharged: Signal 3 · Mail 2"))'
}
wait_until 15 ours
ok $? "the end notification dunst showed says what arrived: $(dunstctl history |
        jq -c '[.data[0][] | select(.appname.data == "recharged") | .body.data]')"
is "$(dunstctl history | jq '[.data[0][] | select(.appname.data == "Signal" or .appname.data == "Mail")] | length')" 5 \
        "…and dunst showed the five themselves once the recharge was over"
is "$(sed -n 's/^[0-9]* arrived - \("[A-Za-z]*" 0 [0-9]*\) 0$/\1/p' "$HISTORY" | sort | tr '\n' ' ')" '"Mail" 0 2 "Signal" 0 3 ' \
        "the history has the counts by app: one arrived line each"
ctl stats --json
is "$(jq .arrived <<<"$OUT")" 5 "rechargectl stats: 5 arrived"
daemon_stop
! grep -rq SECRET "$T/state" "$LOG"
ok $? "no summary or body in the state, the history or the log"
tap_done
