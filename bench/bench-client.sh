#!/bin/bash
# SPDX-License-Identifier: MIT
# bench-client.sh: what a status bar pays per refresh: `rechargectl status --waybar` against
# `busctl --user get-property` of one property and `dbus-send --print-reply` of GetStatus, in
# the same run, on a private bus with the real daemon; the ratios are the figures to quote.
# Also the peak RSS of one rechargectl run.
#
#   bench/bench-client.sh [RUNS]      (default 1000; run from the build tree or set top_builddir)
#
# With hyperfine (no shell in between, -N) the figures are its mean and median; without it, a
# plain loop with date +%s%N, the three commands taking turns in blocks of 50 so that machine
# load falls on all three alike.
runs=${1:-1000}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$RECHARGECTL" ] || { echo "no $RECHARGECTL: build first (make)" >&2; exit 1; }
test_setup
: >"$CONF" # the built-in default schedule
daemon_start || exit 1

ours=("$RECHARGECTL" status --waybar)
busctl_cmd=(busctl --user get-property "$BUS" "$OBJ" "$IFACE" Mode)
dbus_send_cmd=(dbus-send --session --print-reply --dest="$BUS" "$OBJ" "$IFACE.GetStatus")
for c in "${ours[*]}" "${busctl_cmd[*]}" "${dbus_send_cmd[*]}"; do
        $c >/dev/null || { echo "failed: $c" >&2; exit 1; }
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

if command -v hyperfine >/dev/null && [ -z "$BENCH_PLAIN" ]; then
        # Ten rounds, the commands taking turns, so that load from elsewhere falls on all alike;
        # then mean and median over every run of each command.
        rounds=10
        for ((k = 0; k < rounds; k++)); do
                hyperfine -N --style none --warmup 5 --runs $((runs / rounds)) --export-json "$T/h$k.json" \
                        "${ours[*]}" "${busctl_cmd[*]}" "${dbus_send_cmd[*]}" /bin/true >/dev/null 2>&1 ||
                        { echo "hyperfine failed" >&2; exit 1; }
        done
        read -r r_mean r_med b_mean b_med d_mean d_med t_mean t_med < <(jq -rs '
                def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
                [range(0; 4) as $i | [.[].results[$i].times[]] | ((add / length), med) * 1000000 | floor] | @tsv' "$T"/h*.json)
        how="hyperfine -N, $((runs / rounds * rounds)) runs each in $rounds rounds"
else
        # µs per run of COMMAND..., over n runs
        loop() {
                local n=$1 s e i; shift
                s=$(date +%s%N)
                for ((i = 0; i < n; i++)); do "$@" >/dev/null; done
                e=$(date +%s%N)
                echo $(((e - s) / 1000))
        }
        rt=0 bt=0 dt=0 tt=0
        for ((k = 0; k < runs / 50; k++)); do
                rt=$((rt + $(loop 50 "${ours[@]}")))
                bt=$((bt + $(loop 50 "${busctl_cmd[@]}")))
                dt=$((dt + $(loop 50 "${dbus_send_cmd[@]}")))
                tt=$((tt + $(loop 50 /bin/true)))
        done
        n=$((runs / 50 * 50))
        r_mean=$((rt / n)) b_mean=$((bt / n)) d_mean=$((dt / n)) t_mean=$((tt / n))
        r_med=$r_mean b_med=$b_mean d_med=$d_mean t_med=$t_mean
        how="plain loop, $n runs each (mean only)"
fi

# Peak RSS from GNU time (python's getrusage would count its own pages copied before exec).
peak() { if [ -x /usr/bin/time ]; then /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; else echo "?"; fi; }
rss=$(peak "${ours[@]}") rss_d=$(peak "${dbus_send_cmd[@]}") rss_b=$(peak "${busctl_cmd[@]}")

us() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
echo "rechargectl status --waybar vs the bus tools ($how; load $(cut -d' ' -f1 /proc/loadavg))"
printf '  %-36s mean %-10s median %s\n' "rechargectl status --waybar" "$(us "$r_mean")" "$(us "$r_med")"
printf '  %-36s mean %-10s median %s\n' "busctl --user get-property Mode" "$(us "$b_mean")" "$(us "$b_med")"
printf '  %-36s mean %-10s median %s\n' "dbus-send --print-reply GetStatus" "$(us "$d_mean")" "$(us "$d_med")"
printf '  %-36s mean %-10s median %s\n' "/bin/true (a process start)" "$(us "$t_mean")" "$(us "$t_med")"
echo "ratio to busctl:    mean $(ratio "$r_mean" "$b_mean")  median $(ratio "$r_med" "$b_med")   (target <= 0.5)"
echo "ratio to dbus-send: mean $(ratio "$r_mean" "$d_mean")  median $(ratio "$r_med" "$d_med")   (target <= 1.0)"
echo "peak RSS of one run: rechargectl ${rss} KiB, dbus-send ${rss_d} KiB, busctl ${rss_b} KiB"
