#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-share.sh: rechargectl's side of recharged-share (org.recharged.Share1): `status`
# in every format with each State and partner, `share` and `share sync`, `watch` following
# Share1 as it changes, leaves and comes back; and no line, no delay when it is absent or stuck.
# The real recharged on a private bus; Share1 is tests/lib/share1_mock.py, a dbusmock template
# faithful to share/share.c and the contract's partner properties.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

SNAME=org.recharged.Share1
SOBJ=/org/recharged/Share1
NOT_RUNNING="recharged-share is not running; start it with: systemctl --user start recharged-share"
SHARE_MOCK_PID=

# Words that name a day depend on the day, and the expectations below are computed a moment
# before rechargectl runs: daemon and client in a zone where it is about noon now, so that no
# local midnight falls inside the test at any hour it runs (in UTC the test used to wait for
# midnight to pass when it began less than two minutes before, and hoped to end within two).
off=$(noon_offset)
export TZ="<NOON>$((-off))"
LOCAL_OFF=$((off * 3600))   # local time = UTC + LOCAL_OFF

printf '[general]\nheads-up = 0\n' >"$CONF"
daemon_start || exit 1

# share_mock_start [PARAMETERS-JSON]: the Share1 stand-in; waits for its name.
share_mock_start() {
        /usr/bin/python3 -m dbusmock --template "$top_srcdir/tests/lib/share1_mock.py" -p "${1:-{\}}" \
                -l "$T/share-mock.log" >>"$T/share-mock.out" 2>&1 &
        SHARE_MOCK_PID=$!
        EXTRA_PIDS="$EXTRA_PIDS $SHARE_MOCK_PID"
        gdbus wait --session "$SNAME" --timeout 10 >/dev/null 2>&1
}
share_mock_stop() {
        kill -CONT "$SHARE_MOCK_PID" 2>/dev/null
        kill "$SHARE_MOCK_PID" 2>/dev/null
        wait "$SHARE_MOCK_PID" 2>/dev/null
        SHARE_MOCK_PID=
        local i
        for i in $(seq 400); do
                busctl --user status "$SNAME" >/dev/null 2>&1 || return 0
                sleep 0.05
        done
}
# drive GVARIANT-DICT: sets Share1's properties (one PropertiesChanged), as recharged-share would.
drive() {
        gdbus call --session -d "$SNAME" -o "$SOBJ" -m org.recharged.Share1.Mock.Drive "$1" >/dev/null
}
# The neutral state every case starts from.
RESET="'State': <'idle'>, 'LastError': <''>, 'LastSync': <uint64 0>, 'Published': <uint32 0>, \
'PartnerName': <''>, 'PartnerMode': <'unknown'>, 'PartnerUntil': <uint64 0>, \
'PartnerNextStart': <uint64 0>, 'PartnerNextEnd': <uint64 0>, 'PartnerUpdated': <uint64 0>"
us() { echo $((($(date +%s) + $1) * 1000000)); } # µs since the epoch, N seconds from now

# What rechargectl writes for a time, computed here from the clock (in the noon zone): HH:MM, the day
# words of the partner's line (format_day_word) and of other times (format_local_time).
hm() { date -d "@$1" +%H:%M; }
dayword() {
        local d=$(( ($1 + LOCAL_OFF) / 86400 )) today=$(( ($(date +%s) + LOCAL_OFF) / 86400 ))
        if [ "$d" = "$today" ]; then echo today
        elif [ "$d" = $((today + 1)) ]; then echo tomorrow
        elif [ "$d" -gt "$today" ] && [ "$d" -lt $((today + 7)) ]; then date -d "@$1" +%a
        else date -d "@$1" +%F; fi
}
localtime() {
        local w; w=$(dayword "$1")
        case $w in
        today) hm "$1" ;;
        tomorrow) echo "$(date -d "@$1" +%a) $(hm "$1")" ;;
        *-*) echo "$w $(hm "$1")" ;;
        *) echo "$w $(hm "$1")" ;;
        esac
}
# "until 21:45" or "until tomorrow 01:00"
until_words() { local w; w=$(dayword "$1"); if [ "$w" = today ]; then echo "until $(hm "$1")"; else echo "until $w $(hm "$1")"; fi; }
span_words() { # "today 21:00–22:00", the end's day only when it is another
        local a b; a=$(dayword "$1"); b=$(dayword "$2")
        if [ "$a" = "$b" ]; then echo "$a $(hm "$1")–$(hm "$2")"; else echo "$a $(hm "$1")–$b $(hm "$2")"; fi
}

BASE=$'    Mode: available\n    Next: nothing planned'

# ---- Share1 absent: no line, no key, no delay ----
ctl_is 0 "status, Share1 absent"
is "$OUT" "$BASE" "absent: no extra line"
ctl_is 0 "status --json, Share1 absent" --json
is "$(jq -c '[.share, .partner]' <<<"$OUT")" "[null,null]" "absent: share and partner are null"
ctl_is 0 "status --waybar, Share1 absent" --waybar
is "$(jq -r .tooltip <<<"$OUT")" "Available" "absent: the tooltip as before"
ctl_is 0 "--format with %partner%, Share1 absent" --format='%mode%%[ · %partner%]'
is "$OUT" "available" "absent: %partner% is empty and its segment left out"
ctl_is 1 "share, Share1 absent" share
is "$ERR/$OUT" "$NOT_RUNNING/" "absent: one line that says so and how to start it"
ctl_is 1 "share sync, Share1 absent" share sync
is "$ERR" "$NOT_RUNNING" "absent: share sync says the same"

# ms_status N: the median wall time of N `rechargectl status` runs, in ms.
ms_status() {
        local i t0 all=""
        for i in $(seq "$1"); do
                t0=$(date +%s%N)
                "$RECHARGECTL" >/dev/null 2>&1
                all="$all $((($(date +%s%N) - t0) / 1000000))"
        done
        echo "$all" | tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n "$((($1 + 1) / 2))p"
}
ABSENT_MS=$(ms_status 11)

# ---- Share1 present: each State ----
share_mock_start || { echo "Bail out! the Share1 mock did not start"; exit 1; }
PRESENT_MS=$(ms_status 11)
diag "status, median of 11: Share1 absent ${ABSENT_MS} ms, present ${PRESENT_MS} ms"
[ "$ABSENT_MS" -lt 400 ]
ok $? "absent: status does not wait for Share1 (median ${ABSENT_MS} ms, the limit is 500)"

# check_status CASE WANT-EXTRA-LINES: status' human lines after the base ones.
check_status() {
        ctl status
        is "$RC/$OUT" "0/$BASE${2:+$'\n'}$2" "$1: status"
}

drive "{$RESET}"
check_status "idle" ""
ctl --json
is "$(jq -c '.share | [.state, .last_sync, .last_error, .published]' <<<"$OUT")" '["idle",null,"",0]' "idle: JSON share"
is "$(jq -c .partner <<<"$OUT")" "null" "idle, no partner: JSON partner null"
ctl --waybar
is "$(jq -r .tooltip <<<"$OUT")" "Available" "idle: no tooltip line"

drive "{$RESET, 'State': <'syncing'>}"
check_status "syncing" ""

drive "{$RESET, 'State': <'disabled'>}"
check_status "disabled (not configured)" ""
is "$(jq -r .share.state <<<"$("$RECHARGECTL" --json)")" "disabled" "disabled: JSON share.state"
ctl_is 1 "share, not configured" share
is "$ERR" "Sharing is not set up: recharged.conf has no [share] or [partner] section; add one (see recharged-share(8)), then run: systemctl --user reload recharged-share" \
        "not configured: one line and the next step"
ctl_is 1 "share sync, not configured" share sync
is "$ERR" "Sharing is off: the config has no [share] section. Add a [share] section (see recharged-share(8)), then run: systemctl --user reload recharged-share" \
        "share sync refused: recharged-share's words and the next step"

sync=$(($(date +%s) - 600))
drive "{$RESET, 'State': <'offline'>, 'LastError': <'could not connect to cal.example.org'>, 'LastSync': <uint64 ${sync}000000>, 'Published': <uint32 12>}"
OFFLINE_LINE=" Sharing: offline: could not connect to cal.example.org; last up to date $(localtime $sync) (10 min ago); it tries again by itself"
check_status "offline" "$OFFLINE_LINE"
ctl --json
is "$(jq -c '.share | [.state, .last_sync_usec, .last_error, .published]' <<<"$OUT")" \
        "[\"offline\",${sync}000000,\"could not connect to cal.example.org\",12]" "offline: JSON share"
is "$(date -d "$(jq -r .share.last_sync <<<"$OUT")" +%s)" "$sync" "offline: JSON last_sync is the same instant"
ctl --waybar
is "$(jq -r .tooltip <<<"$OUT")" "Available"$'\n'"Sharing:${OFFLINE_LINE# Sharing:}" "offline: the tooltip's last line"
ctl share
is "$RC/$OUT" "0/  Sharing: offline; the calendar server cannot be reached, it tries again by itself
Last sync: $(date -d "@$sync" '+%a %-d %b %H:%M') (10 min ago)
Published: 12 events
    Error: could not connect to cal.example.org" "share: offline, in words"

drive "{$RESET, 'State': <'refused'>, 'LastError': <\"the server refused user 'alex'\">}"
check_status "refused" " Sharing: refused: the server refused user 'alex'; fix that, then run: rechargectl share sync"
drive "{$RESET, 'State': <'idle'>, 'LastError': <'no calendar at http://127.0.0.1/alex/recharge/'>}"
check_status "idle with a LastError" " Sharing: no calendar at http://127.0.0.1/alex/recharge/"
drive "{$RESET, 'State': <'idle'>, 'LastError': <'bad\\u001b[31m news'>}"
check_status "LastError with a control character" ' Sharing: bad\x1b[31m news'

# ---- the partner ----
# check_partner CASE WANT-PHRASE MODE STALE: every format says the same phrase.
check_partner() {
        check_status "$1" " Partner: $2"
        ctl --json
        is "$(jq -c '.partner | [.name, .mode, .stale, .text]' <<<"$OUT")" \
                "$(jq -nc --arg t "$2" --arg m "$3" "[\"Sam\", \$m, $4, \$t]")" "$1: JSON partner"
        ctl --waybar
        is "$(jq -r .tooltip <<<"$OUT")" "Available"$'\n'"Partner: $2" "$1: waybar tooltip"
        ctl --format='%mode%%[ · %partner%]'
        is "$OUT" "available · $2" "$1: %partner%"
}

fresh=$(us -60)
until=$(($(date +%s) + 45 * 60))
drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'recharging'>, 'PartnerUntil': <uint64 ${until}000000>, 'PartnerUpdated': <uint64 $fresh>}"
check_partner "partner recharging" "Sam recharging $(until_words $until)" recharging false
is "$(jq -r .partner.until_usec <<<"$("$RECHARGECTL" --json)")" "${until}000000" "partner recharging: JSON until_usec"

drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'recharging'>, 'PartnerUpdated': <uint64 $fresh>}"
check_partner "partner recharging, no end" "Sam recharging" recharging false

a=$(($(date +%s) + 2 * 3600)); b=$((a + 3600))
drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'available'>, 'PartnerNextStart': <uint64 ${a}000000>, 'PartnerNextEnd': <uint64 ${b}000000>, 'PartnerUpdated': <uint64 $fresh>}"
check_partner "partner's next block" "Sam's alone time: $(span_words $a $b)" available false
is "$(jq -c '.partner | [.next_start_usec, .next_end_usec, .updated_usec]' <<<"$("$RECHARGECTL" --json)")" \
        "[${a}000000,${b}000000,$fresh]" "partner's next block: JSON times"

a=$(($(date +%s) + 86400 + 3600)); b=$((a + 1800))
drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'available'>, 'PartnerNextStart': <uint64 ${a}000000>, 'PartnerNextEnd': <uint64 ${b}000000>, 'PartnerUpdated': <uint64 $fresh>}"
check_partner "partner's block tomorrow or later" "Sam's alone time: $(span_words $a $b)" available false

# A block that crosses midnight, whatever the hour now: from 23:30 of the next day.
a=$(( (($(date +%s) + LOCAL_OFF) / 86400 + 1) * 86400 + 23 * 3600 + 1800 - LOCAL_OFF )); b=$((a + 3600))
drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'available'>, 'PartnerNextStart': <uint64 ${a}000000>, 'PartnerNextEnd': <uint64 ${b}000000>, 'PartnerUpdated': <uint64 $fresh>}"
check_partner "partner's block across midnight" "Sam's alone time: tomorrow 23:30–$(dayword $b) 00:30" available false

drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'available'>, 'PartnerUpdated': <uint64 $fresh>}"
check_partner "partner, nothing planned" "Sam available, no alone time planned" available false

drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'unknown'>}"
check_partner "partner's calendar never read" "Sam's alone time: not known (their calendar has not been read yet)" unknown false

stale=$(us $((-3 * 3600 - 60)))
drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'recharging'>, 'PartnerUntil': <uint64 ${until}000000>, 'PartnerUpdated': <uint64 $stale>}"
check_partner "a stale copy" "Sam recharging $(until_words $until) (last read 3h ago)" recharging true
stale=$(us $((-3 * 86400)))
drive "{$RESET, 'PartnerName': <'Sam'>, 'PartnerMode': <'unknown'>, 'PartnerUpdated': <uint64 $stale>}"
check_partner "an old copy, mode unknown" "Sam's alone time: not known (last read 3d ago)" unknown true

# Both: the partner first, then the sharing problem.
drive "{$RESET, 'State': <'offline'>, 'LastError': <'could not connect to cal.example.org'>, 'LastSync': <uint64 ${sync}000000>, 'Published': <uint32 12>, 'PartnerName': <'Sam'>, 'PartnerMode': <'recharging'>, 'PartnerUntil': <uint64 ${until}000000>, 'PartnerUpdated': <uint64 $fresh>}"
check_status "partner and sharing offline" " Partner: Sam recharging $(until_words $until)
$OFFLINE_LINE"
ctl share
is "$RC/$OUT" "0/  Sharing: offline; the calendar server cannot be reached, it tries again by itself
Last sync: $(date -d "@$sync" '+%a %-d %b %H:%M') (10 min ago)
Published: 12 events
    Error: could not connect to cal.example.org
  Partner: Sam recharging $(until_words $until)
     Read: $(date -d "@$((fresh / 1000000))" '+%a %-d %b %H:%M') (1 min ago)" "share: with the partner"
ctl share --json
is "$(jq -c '[.share.state, .share.published, .partner.name, .partner.until_usec]' <<<"$OUT")" \
        "[\"offline\",12,\"Sam\",${until}000000]" "share --json: the same objects as status --json"

# Only a partner: publishing off, following on: no "not set up".
drive "{$RESET, 'State': <'disabled'>, 'PartnerName': <'Sam'>, 'PartnerMode': <'available'>, 'PartnerUpdated': <uint64 $fresh>}"
ctl share
is "$RC/$(head -1 <<<"$OUT")" "0/  Sharing: off; recharged.conf has no [share] section" "share: publishing off, a partner followed"

# Text from the partner's calendar cannot drive the terminal.
drive "{$RESET, 'PartnerName': <'Sam\\u001b]0;x'>, 'PartnerMode': <'available'>, 'PartnerUpdated': <uint64 $fresh>}"
check_status "a name with controls" ' Partner: Sam\x1b]0;x available, no alone time planned'
is "$(jq -r .partner.name <<<"$("$RECHARGECTL" --json)")" $'Sam\e]0;x' "JSON: the name as it is (JSON escapes it)"

# ---- share sync ----
sync_calls() { busctl --user call "$SNAME" "$SOBJ" org.freedesktop.DBus.Mock GetMethodCalls s Sync --json=short | jq '.data[0] | length'; }
drive "{$RESET}"
before=$(sync_calls)
ctl_is 0 "share sync" share sync
is "$OUT" "Syncing with the calendar now; 'rechargectl share' shows how it went." "share sync: says what it did"
is "$(sync_calls)" "$((before + 1))" "share sync: Sync() called once"
ctl_is 0 "share sync -q" share sync -q
is "$OUT" "" "-q: nothing printed"
ctl_is 2 "share with another word" share now
ctl_is 2 "share sync --json" share sync --json

# ---- an older recharged-share, without the partner properties ----
share_mock_stop
share_mock_start '{"partner": false, "State": "offline", "LastError": "could not connect"}'
ctl --json
is "$(jq -c '[.share.state, .partner]' <<<"$OUT")" '["offline",null]' "no partner properties: share shown, partner null"
check_status "no partner properties" " Sharing: offline: could not connect; not up to date yet; it tries again by itself"

# ---- Share1 stuck: rechargectl waits 500 ms at most, then goes on without it ----
kill -STOP "$SHARE_MOCK_PID"
# share waits its 5 s beside status and --waybar, not after them.
"$RECHARGECTL" share >"$T/stuck-share.out" 2>"$T/stuck-share.err" &
stuck_share=$!
t0=$(date +%s%N)
ctl status
STUCK_MS=$((($(date +%s%N) - t0) / 1000000))
diag "status with Share1 stopped (SIGSTOP): ${STUCK_MS} ms"
is "$RC/$OUT" "0/$BASE" "stuck: status shows recharged's part, exit 0"
[ "$STUCK_MS" -lt 4000 ]
ok $? "stuck: status gave up on Share1 in ${STUCK_MS} ms"
ctl --waybar
is "$RC/$(jq -r .class <<<"$OUT")" "0/available" "stuck: waybar still answers"
wait "$stuck_share"
is "$?/$(cat "$T/stuck-share.err")" "1/recharged-share did not answer within 5 s; see: systemctl --user status recharged-share" \
        "stuck: share says it did not answer"
kill -CONT "$SHARE_MOCK_PID"
share_mock_stop

# ---- watch follows Share1 ----
share_mock_start
"$RECHARGECTL" watch >"$T/human.out" 2>"$T/human.err" &
HUMAN=$!
"$RECHARGECTL" watch --json >"$T/json.out" 2>"$T/json.err" &
JSON=$!
EXTRA_PIDS="$EXTRA_PIDS $HUMAN $JSON"

# wait_line FILE N [SECONDS]: until FILE has N lines; prints line N.
wait_line() {
        local i
        for i in $(seq $((${3:-10} * 20))); do
                if [ "$(wc -l <"$1")" -ge "$2" ]; then
                        sed -n "${2}p" "$1"
                        return 0
                fi
                sleep 0.05
        done
        diag "$1 has $(wc -l <"$1") lines, wanted $2:" "$(cat "$1")"
        return 1
}
is "$(wait_line "$T/human.out" 1)" "available" "watch: the first line"
wait_line "$T/json.out" 1 >/dev/null
n=$(wc -l <"$T/human.out"); nj=$(wc -l <"$T/json.out")

drive "{'PartnerName': <'Sam'>, 'PartnerMode': <'recharging'>, 'PartnerUntil': <uint64 ${until}000000>, 'PartnerUpdated': <uint64 $(us -60)>}"
is "$(wait_line "$T/human.out" $((n + 1)))" "available; Sam recharging $(until_words $until)" "watch: Share1's change is a line"
is "$(wait_line "$T/json.out" $((nj + 1)) | jq -c '[.partner.mode, .partner.until_usec]')" "[\"recharging\",${until}000000]" \
        "watch --json: the partner object"
n=$((n + 1)); nj=$((nj + 1))

drive "{'State': <'refused'>, 'LastError': <\"the server refused user 'alex'\">}"
is "$(wait_line "$T/human.out" $((n + 1)))" "available; Sam recharging $(until_words $until); sharing refused: the server refused user 'alex'; fix that, then run: rechargectl share sync" \
        "watch: a sharing problem joins the line"
n=$((n + 1))

# recharged-share leaves: its words go; it comes back: they return.
share_mock_stop
is "$(wait_line "$T/human.out" $((n + 1)))" "available" "watch: Share1 gone, back to recharged's part"
n=$((n + 1))
kill -0 "$HUMAN" 2>/dev/null && kill -0 "$JSON" 2>/dev/null
ok $? "watch keeps running when Share1 leaves"
share_mock_start '{"PartnerName": "Sam", "PartnerMode": "available"}'
is "$(wait_line "$T/human.out" $((n + 1)))" "available; Sam available, no alone time planned" "watch: Share1 back, read again"
n=$((n + 1))
drive "{'PartnerMode': <'recharging'>, 'PartnerUntil': <uint64 ${until}000000>, 'PartnerUpdated': <uint64 $(us -60)>}"
is "$(wait_line "$T/human.out" $((n + 1)))" "available; Sam recharging $(until_words $until)" "watch: changes after Share1's return arrive"
n=$((n + 1))

# recharged's own changes still arrive, the partner kept beside them.
ctl on 10min -q
line=$(wait_line "$T/human.out" $((n + 1)))
[[ $line == "recharging until "*"(in 10 min); Sam recharging $(until_words $until)" ]]
ok $? "watch: recharged's change keeps the partner ($line)"
ctl off -q
is "$(cat "$T/human.err" "$T/json.err")" "" "watch: nothing on stderr"
jq -e . "$T/json.out" >/dev/null
ok $? "watch --json: every line is JSON"
kill -TERM "$HUMAN"; wait "$HUMAN"
is "$?" "0" "watch: SIGTERM, exit 0"

# ---- shell completion knows the verb ----
complete_words() { # complete_words WORDS...: bash's COMPREPLY for the last word, sorted, one line
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMPREPLY=()
        _rechargectl
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
. "$top_srcdir/shell-completion/bash/rechargectl"
is "$(complete_words rechargectl sh)" "share" "bash: share is a command"
is "$(complete_words rechargectl share "")" "sync" "bash: share's one argument"
is "$(complete_words rechargectl share sync "")" "" "bash: nothing after sync"
is "$(complete_words rechargectl share --j)" "--json" "bash: share --json"
if command -v fish >/dev/null; then
        got=$(HOME=$T/home XDG_CONFIG_HOME=$T/fish-config XDG_DATA_HOME=$T/fish-data fish --no-config \
                -c "source '$top_srcdir/shell-completion/fish/rechargectl.fish'; complete -C 'rechargectl share '" 2>/dev/null |
                cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')
        is "$got" "sync" "fish: share's one argument"
fi

diag "figures: status median ${ABSENT_MS} ms with Share1 absent, ${PRESENT_MS} ms present, ${STUCK_MS} ms stuck"
tap_done
