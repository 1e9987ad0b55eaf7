/* SPDX-License-Identifier: MIT */
/* config-warn.c: warnings for a valid config (see config-warn.h). */
#include <stdio.h>

#include "config-warn.h"
#include "macro.h"

#define WEEK (7 * 86400)

/* A block's length in seconds as the wall clock reads it (an end not after the start is the next
 * day's, so start = end is 24 hours). */
static int64_t block_length(const Entry *e) {
        if (!e->has_end)
                return (int64_t) (e->duration / USEC_PER_SEC);
        return e->end > e->start ? (int64_t) e->end - e->start : (int64_t) e->end + 86400 - e->start;
}

static int warn_overlaps(const Config *c, const char *name, char ***l) {
        char a1[CLOCK_MAX], a2[CLOCK_MAX], b1[CLOCK_MAX], b2[CLOCK_MAX];

        for (size_t i = 0; i < c->n_entries; i++)
                for (size_t j = i + 1; j < c->n_entries; j++) {
                        const Entry *a = &c->entries[i], *b = &c->entries[j];
                        int r, day = -1;

                        if (a->type != ENTRY_RECHARGE || b->type != ENTRY_RECHARGE || !a->enabled || !b->enabled)
                                continue;
                        /* Each on the week's timeline from Monday 00:00, compared modulo a week. */
                        for (int da = 0; da < 7 && day < 0; da++) {
                                if (!(a->days & (1 << da)))
                                        continue;
                                int64_t sa = (int64_t) da * 86400 + a->start, ea = sa + block_length(a);
                                for (int db = 0; db < 7 && day < 0; db++) {
                                        if (!(b->days & (1 << db)))
                                                continue;
                                        for (int64_t w = -WEEK; w <= WEEK && day < 0; w += WEEK) {
                                                int64_t sb = (int64_t) db * 86400 + b->start + w,
                                                        eb = sb + block_length(b);
                                                /* the day the overlap begins */
                                                if (sa < eb && sb < ea)
                                                        day = (int) ((MAX(sa, sb) % WEEK + WEEK) % WEEK / 86400);
                                        }
                                }
                        }
                        if (day < 0)
                                continue;
                        r = strv_extendf(l, "%s: [%s] and [%s] overlap on %s (%s–%s and %s–%s): the later "
                                         "start comes while the first is on; give one other days or times",
                                         name, a->name, b->name, weekday_to_string(day),
                                         clock_format_short(a->start, a1),
                                         clock_format_short((uint32_t) ((a->start + block_length(a)) % 86400), a2),
                                         clock_format_short(b->start, b1),
                                         clock_format_short((uint32_t) ((b->start + block_length(b)) % 86400), b2));
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* The first day of the coming year on which a DST change leaves the block no time at all (the
 * engine then leaves it out): its start in the spring-forward gap moves past its end. */
static int warn_dst(const Config *c, const char *name, const Tz *tz, usec_t now, char ***l) {
        int64_t t = (int64_t) (now / USEC_PER_SEC), until = t + 366 * 86400;

        while (tz_next_change(tz, t, &t) && t < until) {
                int64_t day = local_day(tz_to_local(tz, t));

                for (size_t i = 0; i < c->n_entries; i++) {
                        const Entry *e = &c->entries[i];
                        char d[CLOCK_MAX], x[CLOCK_MAX];
                        int r;

                        if (e->type != ENTRY_RECHARGE || !e->has_end || !e->enabled)
                                continue;
                        /* the block that starts on the day of the change, or the day before */
                        for (int64_t k = day - 1; k <= day; k++) {
                                if (!(e->days & (1 << weekday_from_days(k))))
                                        continue;
                                int64_t s = tz_from_local(tz, k * 86400 + e->start);
                                int64_t en = tz_from_local(tz, (k + (e->end <= e->start)) * 86400 + e->end);
                                if (en > s)
                                        continue;
                                int64_t y;
                                unsigned m, dd;
                                civil_from_days(k, &y, &m, &dd);
                                r = strv_extendf(l, "%s: [%s] %s–%s does not happen on %s %04lld-%02u-%02u: the "
                                                 "clocks spring forward over it (%s), so it has no time at all",
                                                 name, e->name, clock_format_short(e->start, d),
                                                 clock_format_short(e->end, x), weekday_to_string(weekday_from_days(k)),
                                                 (long long) y, m, dd, tz_abbrev(tz, t));
                                if (r < 0)
                                        return r;
                                break;
                        }
                }
                t++;
        }
        return 0;
}

int config_warnings(const Config *c, const char *name, const Tz *tz, usec_t now, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char a[CLOCK_MAX];
        int r = 0;

        if (c->n_entries == 0)
                r = strv_extendf(&l, "%s: no entries: nothing is scheduled (without a file, recharged would use "
                                 "its built-in default schedule)", name);
        if (r >= 0 && (c->on_start || c->on_end) && !c->hooks_allowed)
                r = strv_extendf(&l, "%s: on-start and on-end will not run: the file or its folder is writable "
                                 "by others than its owner; run: chmod go-w '%s' and its folder", name, name);
        for (size_t i = 0; r >= 0 && i < c->n_entries; i++) {
                const Entry *e = &c->entries[i];
                if (e->type == ENTRY_RECHARGE && e->has_end && e->start == e->end)
                        r = strv_extendf(&l, "%s: [%s] start and end are both %s: a block of 24 hours; for a "
                                         "shorter one give another end, or a duration",
                                         name, e->name, clock_format_short(e->start, a));
        }
        if (r >= 0)
                r = warn_overlaps(c, name, &l);
        if (r >= 0 && tz)
                r = warn_dst(c, name, tz, now, &l);
        if (r < 0)
                return r;
        r = (int) strv_length(l);
        *ret = TAKE_PTR(l);
        return r;
}
