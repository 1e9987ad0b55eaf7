/* SPDX-License-Identifier: MIT */
/* config-warn.c: warnings for a valid config (see config-warn.h). */
#include <stdarg.h>
#include <stdio.h>

#include "config-warn.h"
#include "macro.h"

#define WEEK (7 * 86400)

/* The warnings so far, a strv that grows by doubling: strv_extendf() measures and reallocates
 * the whole list on each line, quadratic in the thousands of overlaps a big schedule can have. */
typedef struct Lines {
        char **l;
        size_t n, cap;
} Lines;

_printf_(2, 3) static int lines_add(Lines *w, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        if (w->n + 2 > w->cap) {
                size_t cap = MAX(w->cap * 2, (size_t) 16);
                char **l = realloc(w->l, cap * sizeof(char *));
                if (!l)
                        return -ENOMEM;
                w->l = l;
                w->cap = cap;
        }
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        w->l[w->n++] = s;
        w->l[w->n] = NULL;
        return 0;
}

/* A block's length in seconds as the wall clock reads it (an end not after the start is the next
 * day's, so start = end is 24 hours). */
static void lines_done(Lines *w) {
        strv_free(w->l);
}

static int64_t block_length(const Entry *e) {
        if (!e->has_end)
                return (int64_t) (e->duration / USEC_PER_SEC);
        return e->end > e->start ? (int64_t) e->end - e->start : (int64_t) e->end + 86400 - e->start;
}

static int warn_overlaps(const Config *c, const char *name, Lines *l) {
        char a1[CLOCK_MAX], a2[CLOCK_MAX], b1[CLOCK_MAX], b2[CLOCK_MAX];
        _cleanup_free_ size_t *blocks = NULL; /* the enabled recharge entries, in their order */
        size_t n = 0;

        blocks = malloc(MAX(c->n_entries, (size_t) 1) * sizeof(size_t));
        if (!blocks)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_entries; i++)
                if (c->entries[i].type == ENTRY_RECHARGE && c->entries[i].enabled)
                        blocks[n++] = i;

        /* Every pair of blocks, in entry order: still quadratic in the blocks (reminders no longer
         * count), but the pairs that overlap are what is printed. */
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                        const Entry *a = &c->entries[blocks[i]], *b = &c->entries[blocks[j]];
                        int r, day = -1;

                        /* Blocks that overlap on some day overlap as times of day: one starts
                         * within the other (on a clock face of 24 hours). Most pairs end here. */
                        if (((int64_t) b->start - a->start + 86400) % 86400 >= block_length(a) &&
                            ((int64_t) a->start - b->start + 86400) % 86400 >= block_length(b))
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
                        r = lines_add(l, "%s: [%s] and [%s] overlap on %s (%s–%s and %s–%s): the later "
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
static int warn_dst(const Config *c, const char *name, const Tz *tz, usec_t now, Lines *l) {
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
                                r = lines_add(l, "%s: [%s] %s–%s does not happen on %s %04lld-%02u-%02u: the "
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
        _cleanup_(lines_done) Lines l = {};
        char a[CLOCK_MAX];
        int r = 0;

        if (c->n_entries == 0)
                r = lines_add(&l, "%s: no entries: nothing is scheduled (without a file, recharged would use "
                                 "its built-in default schedule)", name);
        if (r >= 0 && (c->on_start || c->on_end) && !c->hooks_allowed)
                r = lines_add(&l, "%s: on-start and on-end will not run: the file or its folder is writable "
                                 "by others than its owner; run: chmod go-w '%s' and its folder", name, name);
        for (size_t i = 0; r >= 0 && i < c->n_entries; i++) {
                const Entry *e = &c->entries[i];
                if (e->type == ENTRY_RECHARGE && e->has_end && e->start == e->end)
                        r = lines_add(&l, "%s: [%s] start and end are both %s: a block of 24 hours; for a "
                                         "shorter one give another end, or a duration",
                                         name, e->name, clock_format_short(e->start, a));
        }
        if (r >= 0)
                r = warn_overlaps(c, name, &l);
        if (r >= 0 && tz)
                r = warn_dst(c, name, tz, now, &l);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l.l);
        return (int) l.n;
}
