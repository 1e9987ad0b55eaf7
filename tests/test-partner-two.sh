#!/bin/bash
# SPDX-License-Identifier: MIT
# test-partner-two.sh: two people on one machine. Alex and Sam each have a private session bus
# with their own recharged and recharged-share; one Radicale holds both calendars (each user
# may read the other's). Each publishes with [share] and follows the other with [partner]. Sam's
# block reaches Alex's bus, Alex's heads-up comes at its instant on a notification server, and
# Sam's extend, stop, skip and manual recharge reach Alex at the next read of the calendar.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/share.sh"

for c in radicale curl jq; do
        command -v $c >/dev/null || { echo "1..0 # SKIP $c is not installed (tools/install-deps)"; exit 0; }
done
test_setup
SAM_PIDS=
trap 'for p in $SAM_PIDS; do kill "$p" 2>/dev/null; done; share_cleanup' EXIT
RECHARGECTL=$top_builddir/client/rechargectl
SAM_PASSWORD=sam-pw-$$
RADICALE_USERS="sam:$SAM_PASSWORD" RADICALE_RIGHTS=authenticated radicale_start ||
        { echo "Bail out! radicale did not start"; exit 99; }
ALEX_CAL=$CAL
SAM_CAL="http://127.0.0.1:$RADICALE_PORT/sam/recharge/"
mkcalendar
code=$(curl -s -o /dev/null -w '%{http_code}' -u "sam:$SAM_PASSWORD" -X MKCALENDAR "$SAM_CAL")
is "$code" 201 "two calendars, one per person"

# Alex is the test's own bus and XDG tree (daemon.sh); Sam gets a second of each.
ALEX_BUS=$DBUS_SESSION_BUS_ADDRESS
bus_start session || { echo "Bail out! no second bus"; exit 99; }
SAM_BUS=$BUS_ADDRESS
S=$T/sam
mkdir -p "$S/config" "$S/state" "$S/home"
printf '%s\n' "$CAL_PASSWORD" >"$T/alex-password"
printf '%s\n' "$SAM_PASSWORD" >"$S/password"
chmod 600 "$T/alex-password" "$S/password"
as_sam() {
        DBUS_SESSION_BUS_ADDRESS=$SAM_BUS XDG_STATE_HOME=$S/state XDG_CONFIG_HOME=$S/config HOME=$S/home "$@"
}

# conf WHO ENTRIES: the config of one person: their entries, [share] to their calendar,
# [partner] following the other's.
conf() {
        local who=$1 entries=$2
        if [ "$who" = alex ]; then
                set -- "$ALEX_CAL" "$CAL_USER" "$T/alex-password" Sam "$SAM_CAL"
        else
                set -- "$SAM_CAL" sam "$S/password" Alex "$ALEX_CAL"
        fi
        cat <<EOF
$entries
[share]
calendar = $1
user = $2
password-command = cat $3
days = 1
[partner]
name = $4
calendar = $5
user = $2
password-command = cat $3
heads-up = 3s
reconnect = yes
refresh = 1h
EOF
}
SAM_CONF=$S/config/recharged.conf
# Sam has a block in 90 min, nothing near yet; Alex one in two hours. (recharged's own
# NextEventTime would be its heads-up: the starts are kept here.)
hms() { date -u -d "@$1" +%H:%M:%S; }
SAM_LATER=$(($(date +%s) + 5400))
ALEX_WALK=$(($(date +%s) + 7200))
conf sam "[later]
type = recharge
start = $(hms "$SAM_LATER")
duration = 30min" >"$SAM_CONF"
conf alex "[walk]
type = recharge
start = $(hms "$ALEX_WALK")
duration = 45min" >"$CONF"

daemon_start || { echo "Bail out! Alex's recharged did not start"; exit 99; }
notify_mock_start
share_start || { echo "Bail out! Alex's recharged-share did not start"; exit 99; }
# Started as themselves (not through a function), so $! is the program and the trap ends it.
DBUS_SESSION_BUS_ADDRESS=$SAM_BUS XDG_STATE_HOME=$S/state XDG_CONFIG_HOME=$S/config HOME=$S/home \
        "$RECHARGED" --config "$SAM_CONF" >/dev/null 2>>"$S/recharged.log" &
SAM_PIDS="$SAM_PIDS $!"
as_sam gdbus wait --session "$BUS" --timeout 20 >/dev/null 2>&1
DBUS_SESSION_BUS_ADDRESS=$SAM_BUS XDG_STATE_HOME=$S/state XDG_CONFIG_HOME=$S/config HOME=$S/home \
        "$SHARE" --verbose --config "$SAM_CONF" >/dev/null 2>>"$S/share.log" &
SAM_PIDS="$SAM_PIDS $!"
as_sam gdbus wait --session "$SBUS" --timeout 20 >/dev/null 2>&1
ok $? "Sam's recharged and recharged-share are up on Sam's bus"

# sam_synced_after T: Sam's calendar holds what Sam's recharged says (LastSync after T).
sam_synced_after() { as_sam wait_synced_after "$1" 20; }
# alex_reads: Alex's recharged-share reads Sam's calendar now, and waits for it.
alex_reads() {
        local u
        u=$(spropt PartnerUpdated)
        partner_refresh
        wait_partner_updated_after "${u:-0}"
}

# alex_until CMD...: Alex reads Sam's calendar again until CMD succeeds, or 20 s have passed. A
# sync of Sam's that ended after a change may have begun before it (one that the block's own
# start set off, still on its way when the change came): the sync after it carries the change.
alex_until() {
        local deadline
        deadline=$(deadline_in 20)
        until alex_reads; "$@"; do
                [ "$(date +%s%N)" -lt "$deadline" ] || return 1
                sleep 0.2
        done
}
sees() { [ "$(sprop PartnerMode):$(spropt PartnerUntil)" = "$1" ]; }
next_is() { [ "$(spropt PartnerNextStart)" = "$1" ]; }
next_is_not() { [ "$(spropt PartnerNextStart)" != "$1" ]; }

sam_synced_after 0
ok $? "Sam's blocks are published"
alex_reads
is "$(sprop PartnerName):$(sprop PartnerMode):$(spropt PartnerNextStart)" "Sam:available:${SAM_LATER}000000" \
        "Alex's bus: Sam is available, Sam's next block is the one Sam's recharged plans"
as_sam wait_synced_after 0 >/dev/null
sam_u=$(as_sam spropt PartnerUpdated)
as_sam partner_refresh
as_sam wait_partner_updated_after "$sam_u"
is "$(as_sam sprop PartnerName):$(as_sam spropt PartnerNextStart)" "Alex:${ALEX_WALK}000000" "…and Sam's bus knows Alex's next block"

# A block of Sam's near now, armed after the set-up: the heads-up (3 s before) on Alex's
# notification server at its instant, the start and the end on Alex's bus. In 13 s: 10 s for Sam's
# reload and sync and Alex's read before the heads-up is due (about 1.2 s of it here).
BUS=$SBUS monitor_start
t0=$(now_us)
NEAR=$(($(date +%s) + 13))
start=$(hms "$NEAR")
conf sam "[near]
type = recharge
start = $start
duration = 1min" >"$SAM_CONF"
as_sam "$RECHARGECTL" reload >/dev/null
sam_synced_after "$t0"
ok $? "Sam reloads with a block in 13 s; it is published"
alex_reads
near_s=$(spropt PartnerNextStart)
is "$near_s:$(spropt PartnerNextEnd)" "${NEAR}000000:$((NEAR + 60))000000" "Alex's bus has Sam's near block"
calls() { tail -n "+$((MARK + 1))" "$T/monitor.json" | jq -c 'select(.type == "method_call" and .member == "Notify") | {summary: .payload.data[3], ts: .["timestamp-realtime"]}'; }
wait_calls() { local i; for i in $(seq 400); do [ "$(calls | wc -l)" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }
wait_calls 1
n=$(calls | sed -n 1p)
is "$(echo "$n" | jq -r .summary)" "Sam's alone time starts at $(date -d "@$((near_s / 1000000))" +%H:%M), in 1 min" \
        "Alex's heads-up for Sam's block"
d=$(($(echo "$n" | jq -r .ts) - (near_s - 3000000)))
# Not early, and not seconds late: how late within that is the machine's business (bench/).
[ "$d" -ge -500000 ] && [ "$d" -lt 5000000 ]
ok $? "…3 s before it ($d µs from the instant)"
m=$(wait_for '.member == "PartnerStarted"' 60)
is "$(echo "$m" | jq -c '.data[0]')" "$near_s" "PartnerStarted on Alex's bus when Sam's block starts"
is "$(sprop PartnerMode)" recharging "Alex sees Sam recharging"

# Sam extends: the new end reaches Alex at the next read.
t0=$(now_us)
as_sam "$RECHARGECTL" extend 10min >/dev/null
sam_synced_after "$t0"
want=$(as_sam prop Until)
alex_until sees "recharging:$want"
is "$(sprop PartnerMode):$(spropt PartnerUntil)" "recharging:$want" "Sam extends by 10 min: Alex sees the new end"
# Sam stops: Alex sees Sam available, and "Sam is back".
t0=$(now_us)
as_sam "$RECHARGECTL" off >/dev/null
sam_synced_after "$t0"
alex_until sees "available:0"
is "$(sprop PartnerMode):$(spropt PartnerUntil)" "available:0" "Sam stops early: Alex sees Sam available"
wait_calls 2
is "$(calls | sed -n 2p | jq -r .summary)" "Sam is back" "…and gets 'Sam is back'"
# A manual recharge of Sam's appears when it starts.
t0=$(now_us)
as_sam "$RECHARGECTL" on 25min >/dev/null
sam_synced_after "$t0"
alex_until sees "recharging:$(($(as_sam prop Until) / 1000000))000000"
# Published times are whole seconds (iCalendar has no finer).
is "$(sprop PartnerMode):$(spropt PartnerUntil)" "recharging:$(($(as_sam prop Until) / 1000000))000000" "Sam's manual recharge reaches Alex"
# What Alex reads: rechargectl against the real recharged-share (the client's own tests use a
# stand-in of Share1).
sam_until=$(($(as_sam prop Until) / 1000000))
out=$("$RECHARGECTL" status 2>&1)
# (after 23:35 the end is "until tomorrow HH:MM")
case $out in *"Partner: Sam recharging until "*"$(date -d "@$sam_until" +%H:%M)"*) r=0 ;; *) r=1 ;; esac
ok $r "Alex's rechargectl status: 'Partner: Sam recharging until $(date -d "@$sam_until" +%H:%M)'"
[ $r = 0 ] || diag "$out"
is "$("$RECHARGECTL" status --json | jq -c '[.partner.name, .partner.mode, .partner.until_usec]')" \
        "[\"Sam\",\"recharging\",${sam_until}000000]" "…and its --json partner object"
as_sam "$RECHARGECTL" off >/dev/null
# Sam skips the next block: it leaves Alex's view.
t0=$(now_us)
conf sam "[later]
type = recharge
start = $(hms "$SAM_LATER")
duration = 30min" >"$SAM_CONF"
as_sam "$RECHARGECTL" reload >/dev/null
sam_synced_after "$t0"
alex_until next_is "${SAM_LATER}000000"
is "$(spropt PartnerNextStart)" "${SAM_LATER}000000" "Sam's later block is Alex's next"
skipped=$(spropt PartnerNextStart)
t0=$(now_us)
as_sam "$RECHARGECTL" skip later >/dev/null
sam_synced_after "$t0"
alex_until next_is_not "$skipped"
[ "$(spropt PartnerNextStart)" != "$skipped" ]
ok $? "Sam skips it: it leaves Alex's view (next now $(spropt PartnerNextStart))"
for f in "$T/share.log" "$S/share.log"; do
        grep -E "runtime error|AddressSanitizer|LeakSanitizer" "$f"
        is $? 1 "no sanitizer report in $(basename "$(dirname "$f")")'s recharged-share log"
done
tap_done
