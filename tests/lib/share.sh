# SPDX-License-Identifier: MIT
# share.sh: what the recharged-share tests need beside daemon.sh: a real Radicale on loopback
# (a free port, htpasswd authentication, a calendar made with MKCALENDAR), recharged-share on
# the test's bus, an independent reader of the calendar and what recharged says should be on it.
# Source it after daemon.sh and call test_setup first.

SHARE=${SHARE:-$top_builddir/share/recharged-share}
SBUS=org.recharged.Share1
SOBJ=/org/recharged/Share1
SIFACE=org.recharged.Share1
SHARE_PID=
RADICALE_PID=
CAL_USER=alex
CAL_PASSWORD=s3cret-Pw-$$

share_cleanup() {
        # For a failure's post-mortem: SHARE_KEEP_LOG=FILE keeps recharged-share's log.
        [ -n "${SHARE_KEEP_LOG:-}" ] && cp "$T/share.log" "$SHARE_KEEP_LOG" 2>/dev/null
        [ -n "${SHARE_PID:-}" ] && kill "$SHARE_PID" 2>/dev/null
        [ -n "${RADICALE_PID:-}" ] && kill "$RADICALE_PID" 2>/dev/null
        cleanup
}

# A TCP port nobody listens on now (the kernel picks it).
free_port() {
        /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# radicale_start [PORT]: Radicale on 127.0.0.1 (a free port unless given), storage in $T/radicale;
# waits until it answers. CAL is the calendar's URL (not created yet).
radicale_start() {
        [ -n "${1:-}" ] && RADICALE_PORT=$1
        [ -n "${RADICALE_PORT:-}" ] || RADICALE_PORT=$(free_port)
        # RADICALE_USERS: more "user:password" lines; RADICALE_RIGHTS: authenticated lets every
        # user read every calendar (a calendar shared with a partner).
        { printf '%s:%s\n' "$CAL_USER" "$CAL_PASSWORD"; printf '%s\n' ${RADICALE_USERS:-}; } >"$T/users"
        # --auth-delay=0: Radicale sleeps about a second before each 401, to slow down a guesser;
        # the tests' wrong passwords are meant.
        /usr/bin/python3 -m radicale --storage-filesystem-folder="$T/radicale" --auth-type=htpasswd \
                --auth-htpasswd-filename="$T/users" --auth-htpasswd-encryption=plain --auth-delay=0 \
                --rights-type="${RADICALE_RIGHTS:-owner_only}" --server-hosts="127.0.0.1:$RADICALE_PORT" \
                --logging-level=warning 2>>"$T/radicale.log" &
        RADICALE_PID=$!
        CAL="http://127.0.0.1:$RADICALE_PORT/$CAL_USER/recharge/"
        # Radicale has no readiness signal: ask until it answers (bounded: 10 s).
        local i
        for i in $(seq 200); do
                curl -s -o /dev/null -u "$CAL_USER:$CAL_PASSWORD" "http://127.0.0.1:$RADICALE_PORT/" && return 0
                kill -0 "$RADICALE_PID" 2>/dev/null || break
                sleep 0.1
        done
        diag "radicale did not come up: $(cat "$T/radicale.log")"
        return 1
}

radicale_stop() {
        kill "$RADICALE_PID" 2>/dev/null
        wait "$RADICALE_PID" 2>/dev/null
        RADICALE_PID=
}

# The calendar collection, made the way a calendar app makes it.
mkcalendar() {
        local code
        code=$(curl -s -o /dev/null -w '%{http_code}' -u "$CAL_USER:$CAL_PASSWORD" -X MKCALENDAR "$CAL")
        [ "$code" = 201 ] || { diag "MKCALENDAR $CAL: HTTP $code"; return 1; }
}

# The password comes from a command, as a person would keep it in a keyring.
share_config() {
        local show=${1:-title} extra=${2:-}
        printf '%s\n' "$CAL_PASSWORD" >"$T/password"
        chmod 600 "$T/password"
        cat <<EOC
[share]
calendar = $CAL
user = $CAL_USER
password-command = cat $T/password
show = $show
days = ${SHARE_DAYS:-2}
$extra
EOC
}

# share_start: recharged-share in the background; waits for its bus name.
share_start() {
        ${SHARE_BIN:-$SHARE} --verbose --config "$CONF" 2>>"$T/share.log" &
        SHARE_PID=$!
        if ! gdbus wait --session "$SBUS" --timeout 10 >/dev/null 2>&1 || ! kill -0 "$SHARE_PID" 2>/dev/null; then
                diag "recharged-share did not come up; its log:"
                diag "$(cat "$T/share.log")"
                return 1
        fi
}

share_stop() {
        kill "-${1:-TERM}" "$SHARE_PID" 2>/dev/null
        { wait "$SHARE_PID"; } 2>/dev/null
        SHARE_STATUS=$?
        SHARE_PID=
}

# sprop NAME: a property of the share object, the value only.
sprop() {
        busctl --user get-property "$SBUS" "$SOBJ" "$SIFACE" "$1" --json=short 2>/dev/null | jq -r '.data'
}

# sprops NAME...: the share object's properties NAME... in one call, one a line, the type letter
# and the value as busctl prints them ('s "idle"', 't 1796…'): exact for 64-bit numbers.
sprops() {
        busctl --user get-property "$SBUS" "$SOBJ" "$SIFACE" "$@" 2>/dev/null
}

# SHARE_POLL: the seconds between two looks at the share object's properties in the waits below.
# One busctl call a look (a few ms of CPU); a look right after each change would need a monitor
# started before the action, and a monitor started after it misses a change that came between
# (the old `timeout 1 gdbus monitor` then waited a whole second, in most waits of the tests).
SHARE_POLL=${SHARE_POLL:-0.05}

# wait_synced_after T: waits (at most ${2:-20} s) until State is idle with LastSync after T (µs).
# Returns 1 on time-out.
wait_synced_after() {
        local after=$1 limit=${2:-20} end st ls
        end=$(($(date +%s) + limit))
        while :; do
                { read -r _ st; read -r _ ls; } < <(sprops State LastSync)
                st=${st//\"/}
                [ "$st" = idle ] && [ "${ls:-0}" -gt "$after" ] && return 0
                [ "$(date +%s)" -lt "$end" ] || break
                sleep "$SHARE_POLL"
        done
        diag "not synced after $after: State=$st LastSync=$ls LastError=$(sprop LastError)"
        return 1
}

# wait_state STATE [LIMIT]: waits until the share object's State is STATE.
wait_state() {
        local want=$1 limit=${2:-20} end st
        end=$(($(date +%s) + limit))
        while :; do
                st=$(sprop State)
                [ "$st" = "$want" ] && return 0
                [ "$(date +%s)" -lt "$end" ] || break
                sleep "$SHARE_POLL"
        done
        diag "State is '$st', not '$want'; LastError=$(sprop LastError)"
        return 1
}

# The calendar as an independent client reads it (caldav-read.py), one line per event.
calendar_read() {
        /usr/bin/python3 "$top_srcdir/tests/lib/caldav-read.py" "$CAL" "$CAL_USER" "$CAL_PASSWORD" "${CAL_CA:-}"
}

# What recharged says should be there for DAYS days from now: "UID START END" lines of the
# blocks (and the one on now), computed from Upcoming and GetStatus by this script alone.
expected_blocks() {
        local now to
        now=$(now_us)
        to=$((now + (${SHARE_DAYS:-2} + 1) * 86400000000))
        # Upcoming answers at most a year (366 days).
        [ "$to" -le $((now + 366 * 86400000000)) ] || to=$((now + 366 * 86400000000))
        {
                busctl --user --json=short call "$BUS" "$OBJ" "$IFACE" GetStatus
                echo
                busctl --user --json=short call "$BUS" "$OBJ" "$IFACE" Upcoming tt "$now" "$to"
                echo
        } | /usr/bin/python3 -c '
import json, sys, datetime
now, days = int(sys.argv[1]), int(sys.argv[2])
st, up = [json.loads(l) for l in sys.stdin if l.strip()]
st = {k: v["data"] for k, v in st["data"][0].items()}
ev = up["data"][0]
horizon = now + days * 86400 * 10**6
def stamp(us): return datetime.datetime.utcfromtimestamp(us // 10**6).strftime("%Y%m%dT%H%M%SZ")
out = {}
for i, (entry, typ, event, t) in enumerate(ev):
    if event != "start" or typ != "recharge" or t >= horizon:
        continue
    end = next((e[3] for e in ev[i+1:] if e[0] == entry and e[2] == "end" and e[3] > t), None)
    if end is not None:
        out["recharged-block-%s-%s" % (entry, stamp(t))] = (t // 10**6, end // 10**6)
if st["Mode"] == "recharging" and st["Until"]:
    kind = "block-" + st["Entry"] if st["Source"] == "schedule" and st["Entry"] else "manual"
    out["recharged-%s-%s" % (kind, stamp(st["Since"]))] = (st["Since"] // 10**6, st["Until"] // 10**6)
for uid in sorted(out):
    print(uid, *out[uid])
' "$now" "${SHARE_DAYS:-2}"
}

# The calendar's events that are not over, as "UID START END" (what expected_blocks prints).
calendar_blocks() {
        local now
        now=$(date +%s)
        calendar_read | awk -v now="$now" '$3 > now { print $1, $2, $3 }'
}

# tls_start: a test CA, a certificate for 127.0.0.1 signed by it, and a second Radicale that
# speaks only HTTPS with it (storage in $T/radicale-tls). Sets TLS_CAL and TLS_CA.
tls_start() {
        local port d=$T/tls
        mkdir -p "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=recharged test CA" \
                -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || return 1
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" \
                2>/dev/null || return 1
        printf 'subjectAltName=IP:127.0.0.1\n' >"$d/ext"
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
                -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null || return 1
        port=$(free_port)
        /usr/bin/python3 -m radicale --storage-filesystem-folder="$T/radicale-tls" --auth-type=htpasswd \
                --auth-htpasswd-filename="$T/users" --auth-htpasswd-encryption=plain --auth-delay=0 \
                --rights-type=owner_only --server-hosts="127.0.0.1:$port" --logging-level=warning \
                --server-ssl=True --server-certificate="$d/server.pem" --server-key="$d/server.key" \
                2>>"$T/radicale-tls.log" &
        EXTRA_PIDS="$EXTRA_PIDS $!"
        TLS_CA=$d/ca.pem
        TLS_CAL="https://127.0.0.1:$port/$CAL_USER/recharge/"
        local i
        for i in $(seq 200); do
                curl -s -o /dev/null --cacert "$TLS_CA" "https://127.0.0.1:$port/" && break
                sleep 0.1
        done
        [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_CA" -u "$CAL_USER:$CAL_PASSWORD" \
                -X MKCALENDAR "$TLS_CAL")" = 201 ]
}

# ---- following a partner ([partner]) ----

# spropt NAME: a t or u property of the share object, exact (jq would round 64-bit numbers).
spropt() {
        busctl --user get-property "$SBUS" "$SOBJ" "$SIFACE" "$1" 2>/dev/null | cut -d' ' -f2
}

# partner_refresh: reads the partner's calendar now (RefreshPartner).
partner_refresh() {
        busctl --user call "$SBUS" "$SOBJ" "$SIFACE" RefreshPartner >/dev/null
}

# wait_partner_updated_after T [LIMIT]: waits until PartnerUpdated is after T (µs).
wait_partner_updated_after() {
        local after=$1 limit=${2:-20} end u
        end=$(($(date +%s) + limit))
        while :; do
                u=$(spropt PartnerUpdated)
                [ "${u:-0}" -gt "$after" ] && return 0
                [ "$(date +%s)" -lt "$end" ] || break
                sleep "$SHARE_POLL"
        done
        diag "PartnerUpdated is $u, not after $after"
        return 1
}

# share_log_mark / wait_share_log REGEX [LIMIT]: a line in recharged-share's log after the mark.
share_log_mark() { SHARE_LOG_MARK=$(wc -l <"$T/share.log" 2>/dev/null || echo 0); }
wait_share_log() {
        local end=$(($(date +%s) + ${2:-20}))
        while [ "$(date +%s)" -lt "$end" ]; do
                tail -n "+$((${SHARE_LOG_MARK:-0} + 1))" "$T/share.log" | grep -Eq -- "$1" && return 0
                sleep "$SHARE_POLL"
        done
        diag "no line like '$1' in recharged-share's log after the mark:"
        diag "$(tail -n "+$((${SHARE_LOG_MARK:-0} + 1))" "$T/share.log")"
        return 1
}

# partner_at FILE: "NEXT_START NEXT_END MODE" as recharged-share should have them now (µs),
# from partner-expect.py's blocks of FILE: the first block that starts after now, joined with
# the blocks that overlap or touch it (as recharged-share joins them), and "recharging" while
# a block covers now.
partner_at() {
        local now
        now=$(date +%s)
        /usr/bin/python3 "$top_srcdir/tests/lib/partner-expect.py" "$1" "$now" |
                awk -v now="$now" '
                        $1 <= now && $2 > now { if (!ce || $1 <= ce) ce = ($2 > ce ? $2 : ce); next }
                        $1 > now && ce && $1 <= ce { ce = ($2 > ce ? $2 : ce); next }
                        $1 > now && !s { s = $1; e = $2; next }
                        s && $1 <= e { if ($2 > e) e = $2; next }
                        END { printf "%d000000 %d000000 %s\n", s, e, (ce ? "recharging" : "available") }'
}

# partner_is FILE MSG [UPDATED]: PartnerNextStart, PartnerNextEnd and PartnerMode (and
# PartnerUpdated, when UPDATED is given) are partner_at FILE's (and UPDATED). The feed is
# anchored at now, so a block may start or end while the properties are read: partner_at is
# asked before and after, and either answer is right (its blocks are minutes apart).
partner_is() {
        local before got after
        before="$(partner_at "$1")${3:+ $3}"
        got="$(spropt PartnerNextStart) $(spropt PartnerNextEnd) $(sprop PartnerMode)${3:+ $(spropt PartnerUpdated)}"
        after="$(partner_at "$1")${3:+ $3}"
        [ "$got" = "$after" ] && before=$after
        is "$got" "$before" "$2"
}
