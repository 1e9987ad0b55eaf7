#!/bin/bash
# SPDX-License-Identifier: MIT
# test-dunst.sh: recharged's notifications on the real dunst under Xvfb: shown with our app
# name and category, their actions offered in dunst's context menu and working from there (a
# dmenu stand-in picks one), the end replacing the start.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/silence.sh"

if ! command -v dunst >/dev/null || ! command -v dunstctl >/dev/null || ! command -v Xvfb >/dev/null; then
        skip "dunst or Xvfb is not installed" "recharged's notifications on dunst"
        tap_done
        exit 0
fi
test_setup

hms() { date -u -d "@$1" +%H:%M:%S; }
S=1000000

# dunst's context menu goes through dmenu: this one picks the line with $HOME/pick's label.
cat >"$T/pick.sh" <<'EOF'
#!/bin/sh
tee -a "$HOME/menu.txt" | grep -m1 -F "$(cat "$HOME/pick")"
EOF
chmod +x "$T/pick.sh"
mkdir -p "$XDG_CONFIG_HOME/dunst"
printf '[global]\n    dmenu = %s\n' "$T/pick.sh" >"$XDG_CONFIG_HOME/dunst/dunstrc"
dunst_start || { echo "Bail out! dunst did not start"; exit 1; }
diag "$(dunst --version 2>&1 | head -1)"

# pick LABEL: opens dunst's context menu and chooses LABEL's action.
pick() {
        printf '%s' "$1" >"$HOME/pick"
        : >"$HOME/menu.txt"
        dunstctl context
}
displayed() { [ "$(dunstctl count displayed)" -ge "$1" ]; }

# Silencing would pause dunst during the recharge; this test is about our own notifications.
write_conf() {
cat >"$CONF" <<EOF
[general]
silence-notifications = no

[stretch]
type = selfcare
at = $(hms $((base + 3)))
message = Stretch on dunst
EOF
}
daemon_start_armed write_conf || { tap_done; exit 1; }

# ---- a reminder, and Done from dunst's menu ----
wait_log "Notification [0-9]+ shown: reminder" 8
ok $? "dunst takes the reminder"
wait_until 5 displayed 1
ok $? "…and displays it"
pick "Done"
wait_log "Applied and saved: done 'stretch'" 5
ok $? "Done, chosen in dunst's context menu, marks the reminder done"
grep -q '^#Snooze 10 min (Stretch on dunst) ' "$HOME/menu.txt"
ok $? "…where Snooze 10 min is offered too"
grep -q " reminder-done .*\"stretch\"" "$HISTORY"
ok $? "…recorded as Done(stretch) is"

# ---- a recharge, ended from dunst's menu; the end replaces the start ----
call Recharge ts $((3600 * S)) "Dunst test" >/dev/null
wait_log "Notification [0-9]+ shown: start" 5
ok $? "dunst takes the start notification"
pick "End now"
wait_until 5 grep -q "End now" "$HOME/menu.txt"
id=$(sed -n 's/^#End now (Recharging: Dunst test) \[\([0-9]*\),stop\]$/\1/p' "$HOME/menu.txt")
[ -n "$id" ]
ok $? "dunst's menu offers End now for 'Recharging: Dunst test' (notification $id)"
grep -q '^#Extend 15 min (Recharging: Dunst test) ' "$HOME/menu.txt"
ok $? "…and Extend 15 min"
wait_until 5 sh -c "[ \"\$(busctl --user get-property $BUS $OBJ $IFACE Mode)\" = 's \"available\"' ]"
ok $? "End now, chosen in dunst's menu, ends the recharge"
wait_log "Notification $id shown: end 'Time to reconnect'" 5
ok $? "the end notification replaces the start one (dunst kept id $id)"

dunstctl close-all
wait_until 5 sh -c '[ "$(dunstctl count history)" -ge 2 ]'
h=$(dunstctl history | jq -c '.data[0][] | {id: .id.data, app: .appname.data, summary: .summary.data,
                                             body: .body.data, category: .category.data}')
is "$(echo "$h" | jq -c "select(.id == $id) | [.app, .summary, .body, .category]")" \
   "[\"recharged\",\"Time to reconnect\",\"'Dunst test' is over. Welcome back.\",\"presence.online\"]" \
   "dunst's history: the end, as recharged, under the start's id"
is "$(echo "$h" | jq -c 'select(.summary == "Stretch on dunst") | [.app, .category]')" '["recharged","x-recharged.reminder"]' \
   "dunst's history: the reminder, as recharged, with its category"
is "$(echo "$h" | jq -r 'select(.summary | startswith("Recharging")) | .id')" "" \
   "the start notification was replaced, not stacked"

daemon_stop
is "$DAEMON_STATUS" 0 "the daemon exits cleanly"
tap_done
