# SPDX-License-Identifier: MIT
# mix.sh: the schedule the benches' curves share, sourced by bench-daemon.sh, bench-audit.sh,
# bench-client-growth.sh and bench-floor.sh.
#
# mix_entries FROM N: entries FROM to N-1 of bench-engine's mix (a third weekday blocks, a third
# every-90-min reminders, a third weekend `at` reminders).
mix_entries() {
        awk -v from="$1" -v n="$2" 'BEGIN {
                for (i = from; i < n; i++) {
                        if (i % 3 == 0)
                                printf "[e%04d]\ntype = recharge\ndays = Mon..Fri\nstart = %02d:%02d\nduration = 45min\ndnd = no\n", i, int(i / 3) % 24, (i * 7) % 60
                        else if (i % 3 == 1)
                                printf "[e%04d]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n", i
                        else
                                printf "[e%04d]\ntype = selfcare\ndays = Sat,Sun\nat = 10:%02d, 17:30\n", i, i % 60
                }
        }'
}

# gen_config N BOUNDARY_EPOCH_S [DND]: the mix of N entries, but entry 0 is a one-second block at
# the given instant, for the boundary, with dnd = DND (default no).
gen_config() {
        printf '[general]\nheads-up = 10min\n[e0000]\ntype = recharge\nstart = %s\nduration = 1s\ndnd = %s\n' \
                "$(date -u -d "@$2" +%H:%M:%S)" "${3:-no}"
        mix_entries 1 "$1"
}
