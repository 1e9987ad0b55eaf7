# SPDX-License-Identifier: MIT
# mix.sh: the schedule the benches' curves share, sourced by bench-daemon.sh, bench-audit.sh and
# bench-client-growth.sh.
#
# gen_config N BOUNDARY_EPOCH_S [DND]: bench-engine's mix of N entries (a third weekday blocks,
# a third every-90-min reminders, a third weekend `at` reminders); entry 0 is a one-second block
# at the given instant, for the boundary, with dnd = DND (default no).
gen_config() {
        awk -v n="$1" -v b="$(date -u -d "@$2" +%H:%M:%S)" -v dnd="${3:-no}" 'BEGIN {
                printf "[general]\nheads-up = 10min\n"
                printf "[e0000]\ntype = recharge\nstart = %s\nduration = 1s\ndnd = %s\n", b, dnd
                for (i = 1; i < n; i++) {
                        if (i % 3 == 0)
                                printf "[e%04d]\ntype = recharge\ndays = Mon..Fri\nstart = %02d:%02d\nduration = 45min\ndnd = no\n", i, int(i / 3) % 24, (i * 7) % 60
                        else if (i % 3 == 1)
                                printf "[e%04d]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n", i
                        else
                                printf "[e%04d]\ntype = selfcare\ndays = Sat,Sun\nat = 10:%02d, 17:30\n", i, i % 60
                }
        }'
}
