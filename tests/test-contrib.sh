#!/bin/bash
# SPDX-License-Identifier: MIT
# test-contrib.sh: the recipes in contrib/ work: the waybar, polybar and i3blocks snippets' own
# commands run against a daemon on a private bus and their output is what the bar reads; every
# line of the busctl cheat sheet succeeds; the chat-status hook passes the right arguments and
# never runs the message; and what waybar and i3blocks (in swaybar) really draw under a headless
# sway, and polybar under Xvfb, for available, recharging and offline.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup
# The default schedule's blocks must not fall inside this test, whatever the hour.
export TZ=$(quiet_tz)

C="$top_srcdir/contrib"
CTL="$top_builddir/client/rechargectl"
MODES="available recharging paused offline"
cp "$top_builddir/recharged.conf.example" "$CONF"
daemon_start || { tap_done; exit 1; }

# The snippets call "rechargectl" by name, as an installed one would be found.
mkdir -p "$T/bin"
[ -x "$CTL" ] && ln -s "$CTL" "$T/bin/rechargectl"
export PATH="$T/bin:$PATH"

# run_watch NAME COMMAND: runs a snippet's (never-ending) command through sh, as the bars do,
# prints its first line; then starts a 30-minute recharge, prints its next line, stops it.
# Lines are in $T/NAME.out.
lines() { wc -l <"$T/$1.out"; }
wait_lines() { # NAME N
        local i
        for i in $(seq 400); do
                [ "$(lines "$1")" -ge "$2" ] && return 0
                sleep 0.05
        done
        return 1
}
run_watch() {
        local name=$1 cmd=$2 pid
        : >"$T/$name.out"
        sh -c "$cmd" >"$T/$name.out" 2>"$T/$name.err" &
        pid=$!
        wait_lines "$name" 1
        call Recharge ts 1800000000 "Bar test" >/dev/null
        wait_lines "$name" 2
        call Stop >/dev/null
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        sed -n 1,2p "$T/$name.out"
}

# ---- waybar ----
waybar_json=$(grep -v '^[[:space:]]*//' "$C/waybar/config.jsonc")
mod=$(echo "$waybar_json" | jq -c '."custom/recharged"')
[ -n "$mod" ] && [ "$mod" != null ]
ok $? "waybar: the snippet is JSON once its // comments are gone, with a custom/recharged module"
is "$(echo "$mod" | jq -r '."return-type"')" "json" "waybar: the module reads JSON"
is "$(echo "$mod" | jq -r '."format-icons" | keys | sort | join(" ")')" "$(echo $MODES | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
   "waybar: an icon for each mode (alt)"
for m in $MODES; do
        grep -q "^#custom-recharged\.$m {" "$C/waybar/style.css"
        ok $? "waybar: style.css styles the class '$m'"
done
exec_cmd=$(echo "$mod" | jq -r '.exec')
if [ -x "$CTL" ]; then
        out=$(run_watch waybar "$exec_cmd")
        first=$(echo "$out" | sed -n 1p)
        second=$(echo "$out" | sed -n 2p)
        is "$(echo "$first" | jq -r '[.class, .alt, (.text | length > 0), (.tooltip | type), (.percentage | type)] | join(" ")')" \
           "available available true string number" "waybar: '$exec_cmd' prints text, alt, tooltip, class, percentage"
        is "$(echo "$second" | jq -r '.class')" "recharging" "waybar: a recharge shows at once as class recharging"
        while IFS= read -r cmd; do
                sh -c "$cmd" >/dev/null 2>"$T/click.err"
                ok $? "waybar: the click command '$cmd' works"
        done < <(echo "$mod" | jq -r '."on-click", ."on-click-right", ."on-click-middle"')
        call Resume >/dev/null 2>&1
        call Stop >/dev/null 2>&1
else
        skip "client/rechargectl is not built" "waybar: '$exec_cmd' prints what waybar reads"
fi

# ---- polybar and i3blocks: a --format template, one line per change ----
poly_cmd=$(sed -n 's/^exec = //p' "$C/polybar/recharged.ini")
is "$(sed -n 's/^tail = //p' "$C/polybar/recharged.ini")" "true" "polybar: tail = true, so each line of watch is shown"
blocks_cmd=$(sed -n 's/^command=//p' "$C/i3blocks/recharged.conf")
is "$(sed -n 's/^interval=//p' "$C/i3blocks/recharged.conf")" "persist" "i3blocks: interval=persist, so each line of watch is shown"
for bar in polybar:"$poly_cmd" i3blocks:"$blocks_cmd"; do
        name=${bar%%:*} cmd=${bar#*:}
        if [ -x "$CTL" ]; then
                out=$(run_watch "$name" "$cmd")
                first=$(echo "$out" | sed -n 1p)
                second=$(echo "$out" | sed -n 2p)
                if [ "$name" = i3blocks ]; then
                        is "$(jq -r .color <<<"$first")/$(jq -r .color <<<"$second")" "#a3be8c/#b48ead" \
                                "i3blocks: each line a JSON object with the mode's colour, as waybar's classes"
                        first=$(jq -r .full_text <<<"$first") second=$(jq -r .full_text <<<"$second")
                else
                        is "$(sed -n 's/^%{F\(#[0-9a-f]*\)}☾ .*%{F-}$/\1/p' <<<"$first")/$(sed -n 's/^%{F\(#[0-9a-f]*\)}☾ .*%{F-}$/\1/p' <<<"$second")" \
                                "#a3be8c/#b48ead" "polybar: each line the icon and text in the mode's colour (%{F…}), as waybar's classes"
                        first=$(sed 's/^%{F#[0-9a-f]*}☾ \(.*\)%{F-}$/\1/' <<<"$first") second=$(sed 's/^%{F#[0-9a-f]*}☾ \(.*\)%{F-}$/\1/' <<<"$second")
                fi
                is "$first" "available" "$name: '$cmd' prints the mode, and no trailing blank"
                case "$second" in
                "recharging 30min" | "recharging 29min") ok 0 "$name: a recharge shows at once, with the time left" ;;
                *) ok 1 "$name: a recharge shows at once, with the time left"; diag "got '$second'" ;;
                esac
        else
                skip "client/rechargectl is not built" "$name: '$cmd' prints the mode and the time left"
        fi
done
if [ -x "$CTL" ]; then
        for cmd in "$(sed -n 's/^click-left = //p' "$C/polybar/recharged.ini")" \
                   "$(sed -n 's/^click-right = //p' "$C/polybar/recharged.ini")" \
                   "$(sed -n 's/^click-middle = //p' "$C/polybar/recharged.ini")"; do
                sh -c "$cmd" >/dev/null 2>"$T/click.err"
                ok $? "polybar: the click command '$cmd' works"
        done
        call Resume >/dev/null 2>&1
fi

# ---- the busctl cheat sheet: every "$ " line, in order, against the default schedule ----
n=0
while IFS= read -r line; do
        cmd=${line#\$ }
        n=$((n + 1))
        case "$cmd" in
        *" monitor "*)
                # Never ends by itself: it must be monitoring (busctl says so once it is) and still
                # running then, not failed.
                : >"$T/monitor-cmd.err"
                sh -c "exec $cmd" >/dev/null 2>"$T/monitor-cmd.err" &
                mpid=$!
                for _ in $(seq 200); do
                        grep -q Monitoring "$T/monitor-cmd.err" && break
                        kill -0 "$mpid" 2>/dev/null || break
                        sleep 0.05
                done
                kill -0 "$mpid" 2>/dev/null
                is "$?" "0" "cheat sheet: '$cmd' runs until stopped"
                kill "$mpid" 2>/dev/null
                wait "$mpid" 2>/dev/null
                ;;
        *)
                out=$(sh -c "$cmd" 2>&1)
                st=$?
                is "$st" "0" "cheat sheet: '$cmd'"
                [ "$st" = 0 ] || diag "$out"
                ;;
        esac
done < <(awk '/^## busctl cheat sheet/{on=1} on && /^```/{inb=!inb; next} on && inb && /^\$ /' "$C/README.md")
[ "$n" -ge 15 ]
ok $? "the cheat sheet has its commands ($n)"

# ---- the hook ----
HOOK="$C/hooks/chat-status.sh"
cat >"$T/bin/set-status" <<'SH'
#!/bin/sh
printf '%s\n' "$#" "$@" >"$SET_STATUS_OUT"
SH
chmod +x "$T/bin/set-status"
export SET_STATUS_OUT="$T/set-status.out"
until=$(date -d '2030-01-02 07:45' +%s)
env -i PATH="$PATH" TZ="$TZ" SET_STATUS_OUT="$SET_STATUS_OUT" CHAT_STATUS_COMMAND="set-status" \
        RECHARGED_EVENT=start RECHARGED_ENTRY=morning RECHARGED_SOURCE=schedule RECHARGED_UNTIL="$until" \
        RECHARGED_MESSAGE='$(touch '"$T"'/pwned); `touch '"$T"'/pwned`' sh "$HOOK"
is "$?:$(tr '\n' '|' <"$SET_STATUS_OUT")" "0:2|away|Recharging until 07:45|" "hook: start sets 'away' with the end time"
later=$(date -d '2030-01-02 08:15' +%s)
env -i PATH="$PATH" TZ="$TZ" SET_STATUS_OUT="$SET_STATUS_OUT" CHAT_STATUS_COMMAND="set-status" \
        RECHARGED_EVENT=changed RECHARGED_ENTRY=morning RECHARGED_SOURCE=schedule RECHARGED_UNTIL="$later" sh "$HOOK"
is "$?:$(tr '\n' '|' <"$SET_STATUS_OUT")" "0:2|away|Recharging until 08:15|" "hook: an extended recharge (changed) updates the end time"
env -i PATH="$PATH" TZ="$TZ" SET_STATUS_OUT="$SET_STATUS_OUT" CHAT_STATUS_COMMAND="set-status" CHAT_STATUS_SHARE_MESSAGE=yes \
        RECHARGED_EVENT=start RECHARGED_ENTRY= RECHARGED_SOURCE=manual RECHARGED_UNTIL=0 \
        RECHARGED_MESSAGE='$(touch '"$T"'/pwned); `touch '"$T"'/pwned` *' sh "$HOOK"
is "$(tr '\n' '|' <"$SET_STATUS_OUT")" '2|away|Recharging — $(touch '"$T"'/pwned); `touch '"$T"'/pwned` *|' \
   "hook: an open-ended recharge; a shared message is passed as text, one argument"
[ ! -e "$T/pwned" ]
ok $? "hook: the message is never run"
env -i PATH="$PATH" TZ="$TZ" SET_STATUS_OUT="$SET_STATUS_OUT" CHAT_STATUS_COMMAND="set-status --account work" \
        RECHARGED_EVENT=end RECHARGED_SOURCE=schedule sh "$HOOK"
is "$(tr '\n' '|' <"$SET_STATUS_OUT")" "4|--account|work|available||" "hook: end sets 'available'; the command may carry its own arguments"
env -i PATH="$PATH" TZ="$TZ" RECHARGED_EVENT=start sh "$HOOK" 2>/dev/null
is "$?" "2" "hook: without CHAT_STATUS_COMMAND it says so and fails"
env -i PATH="$PATH" TZ="$TZ" CHAT_STATUS_COMMAND=set-status sh "$HOOK" 2>/dev/null
is "$?" "2" "hook: outside recharged (no RECHARGED_EVENT) it says so and fails"

# ---- on screen: waybar and i3blocks under a headless sway, what they draw per mode (grim) ----
. "$top_srcdir/tests/lib/silence.sh"
if ! command -v waybar >/dev/null || ! command -v grim >/dev/null || [ ! -x "$CTL" ]; then
        skip "waybar, grim or client/rechargectl is missing (apt-get install waybar grim)" "waybar and i3blocks on screen (6 tests)"
else
        daemon_stop
        if ! sway_start; then
                skip "$SWAY_WHY" "waybar and i3blocks on screen (6 tests)"
        else
                daemon_start || { tap_done; exit 1; }
                # The recipe as a user merges it: the module and its styles in a bar of their own,
                # on black; the font is what Debian installs with waybar (fonts-dejavu-core).
                mkdir -p "$T/nobody/bin" "$T/nobody/config/waybar"
                cp "$CTL" "$T/nobody/bin/rechargectl" # a copy: the build tree may be closed to nobody (a clone in mktemp -d)
                { echo '{ "layer": "top", "position": "top", "height": 30, "modules-left": ["custom/recharged"], "custom/recharged":'
                  echo "$mod"; echo '}'; } >"$T/nobody/config/waybar/config"
                { echo 'window#waybar { background: #000000; font-family: "DejaVu Sans"; font-size: 16px; }'
                  cat "$C/waybar/style.css"; } >"$T/nobody/config/waybar/style.css"
                chown -R $NOBODY:$NOBODY "$T/nobody"
                nobody_start waybar env PATH="$T/nobody/bin:/usr/bin:/bin" waybar
                WAYBAR_PID=$LAST_PID
                # drawn COLOUR MIN: a screenshot has at least MIN pixels of COLOUR (the mode's
                # class colour: text for available and offline, the background when recharging)
                drawn() { screenshot "$1" && [ "$(pixels "$1")" -ge "$2" ]; }
                wait_until 20 drawn a3be8c 20
                ok $? "waybar draws the module in the colour of 'available' ($(pixels a3be8c) pixels)"
                call Recharge ts 1800000000 "Bar test" >/dev/null
                # a box behind 'Recharging until HH:MM' is some 200x30 pixels
                wait_until 20 drawn b48ead 3000
                ok $? "…'recharging' at once, on its background ($(pixels b48ead) pixels)"
                daemon_stop
                # restart-interval = 5: watch prints the offline object and waybar shows it
                wait_until 20 drawn bf616a 20
                ok $? "…and 'offline' when the daemon is gone ($(pixels bf616a) pixels)"

                # i3blocks, as sway's own bar runs it (swaybar speaks i3bar's protocol)
                if command -v i3blocks >/dev/null; then
                        kill "$WAYBAR_PID"
                        cp "$C/i3blocks/recharged.conf" "$T/nobody/i3blocks.conf"
                        printf 'bar {\n position top\n font pango:DejaVu Sans Bold 20\n status_command env PATH=%s i3blocks -c %s\n}\n' \
                                "$T/nobody/bin:/usr/bin:/bin" "$T/nobody/i3blocks.conf" >>"$T/nobody/sway.conf"
                        chown -R $NOBODY:$NOBODY "$T/nobody"
                        daemon_start || { tap_done; exit 1; }
                        call Stop >/dev/null 2>&1 # the recharge above is still on (the state file)
                        ( as_nobody swaymsg -s "$(ls "$T"/nobody/run/sway-ipc.*.sock | head -1)" reload ) >/dev/null 2>&1
                        wait_until 20 drawn a3be8c 20
                        ok $? "i3blocks under swaybar draws 'available' in its colour ($(pixels a3be8c) pixels)"
                        call Recharge ts 1800000000 "Bar test" >/dev/null
                        wait_until 20 drawn b48ead 20
                        ok $? "…'recharging 30min' at once ($(pixels b48ead) pixels)"
                        daemon_stop
                        wait_until 20 drawn bf616a 20
                        ok $? "…and 'offline' when the daemon is gone ($(pixels bf616a) pixels)"
                else
                        skip "i3blocks is not installed (apt-get install i3blocks)" "i3blocks on screen (3 tests)"
                fi
        fi
fi

# ---- on screen: polybar (X11 only) under Xvfb, the recipe included as a user includes it ----
# Xvfb -fbdir keeps its frame buffer in a file (XWD): what the screen shows at any moment.
if ! command -v polybar >/dev/null || ! command -v Xvfb >/dev/null || [ ! -x "$CTL" ]; then
        skip "polybar, Xvfb or client/rechargectl is missing (apt-get install polybar xvfb)" "polybar on screen (8 tests)"
else
        [ -n "$DAEMON_PID" ] || daemon_start || { tap_done; exit 1; }
        call Stop >/dev/null 2>&1 # a recharge of the sections above may still be on (the state file)
        call Resume >/dev/null 2>&1
        mkdir -p "$T/xfb"
        Xvfb -displayfd 8 -nolisten tcp -screen 0 800x60x24 -fbdir "$T/xfb" 8>"$T/xfb/display" 2>"$T/xfb/xvfb.log" &
        EXTRA_PIDS="$EXTRA_PIDS $!"
        if ! wait_until 20 test -s "$T/xfb/display"; then
                skip "Xvfb did not start: $(tail -1 "$T/xfb/xvfb.log")" "polybar on screen (8 tests)"
        else
                # A bar of the user's own, on black, in the font Debian installs with polybar
                # (fontconfig's fonts-dejavu-core); no IPC.
                printf '%s\n' "include-file = $C/polybar/recharged.ini" "" "[bar/test]" "width = 100%" \
                        "height = 30" "background = #000000" "foreground = #ffffff" \
                        "font-0 = DejaVu Sans:size=16;4" "modules-left = recharged" "enable-ipc = false" \
                        >"$T/polybar.ini"
                # xshot RRGGBB...: the screen now, the pixels of each colour into $T/shot (as
                # screenshot does: a misread image fails, never counts as nothing drawn).
                xshot() {
                        /usr/bin/python3 "$top_srcdir/tests/lib/xwd-to-ppm.py" "$T/xfb/Xvfb_screen0" |
                                /usr/bin/python3 "$top_srcdir/tests/lib/ppm-colours.py" "$@" >"$T/shot"
                }
                # shows COLOUR: the bar has at least 20 pixels of that mode's colour and none of
                # the other modes' (the text of the mode before is gone).
                POLY_COLOURS="a3be8c b48ead bf616a ebcb8b"
                shows() {
                        local c
                        xshot $POLY_COLOURS || return 1
                        [ "$(pixels "$1")" -ge 20 ] || return 1
                        for c in $POLY_COLOURS; do
                                [ "$c" = "$1" ] || [ "$(pixels "$c")" = 0 ] || return 1
                        done
                }
                DISPLAY=":$(head -1 "$T/xfb/display")" polybar -c "$T/polybar.ini" test >"$T/polybar.log" 2>&1 &
                main_bar=$!
                EXTRA_PIDS="$EXTRA_PIDS $main_bar"
                wait_until 20 shows a3be8c
                ok $? "polybar draws 'available' in its colour ($(pixels a3be8c) pixels)" || diag "$(cat "$T/polybar.log")"
                call Recharge ts 1800000000 "Bar test" >/dev/null
                wait_until 20 shows b48ead
                ok $? "…'recharging 30min' at once ($(pixels b48ead) pixels)"
                call Stop >/dev/null
                call Pause t 3600000000 >/dev/null
                wait_until 20 shows ebcb8b
                ok $? "…'paused' ($(pixels ebcb8b) pixels)"
                daemon_stop
                wait_until 20 shows bf616a
                ok $? "…and 'offline' when the daemon is gone ($(pixels bf616a) pixels)"
                # polybar warns when no font of the bar has a character (the icon would be missing)
                ! grep -i 'unmatched character' "$T/polybar.log"
                ok $? "polybar: every character of the module is in the bar's font (no 'unmatched character')"
                # A bar started before its session bus: not on screen here. That check failed 4 runs
                # in 14 (no red within 20 s, cause not found); the line it draws, the offline line
                # and then the status once the bus comes, is tested in test-client-watch.sh.
        fi
fi

tap_done
