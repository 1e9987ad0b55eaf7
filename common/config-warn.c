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

typedef struct BlockStart {
        int64_t start; /* seconds since local midnight */
        size_t k;      /* in blocks[] */
} BlockStart;

static int cmp_block_start(const void *x, const void *y) {
        const BlockStart *a = x, *b = y;
        return a->start < b->start ? -1 : a->start > b->start ? 1 : a->k < b->k ? -1 : a->k > b->k;
}

typedef struct Pair {
        size_t i, j; /* in blocks[], i < j */
} Pair;

static int cmp_pair(const void *x, const void *y) {
        const Pair *a = x, *b = y;
        return a->i < b->i ? -1 : a->i > b->i ? 1 : a->j < b->j ? -1 : a->j > b->j;
}

/* The pairs of blocks that overlap as times of day (one starts within the other, on a clock face
 * of 24 hours), in entry order, each once: a sweep over the starts sorted, so the work is what
 * overlaps (which is what is printed), not every pair of blocks. */
static int overlap_candidates(const Config *c, const size_t *blocks, size_t n, Pair **ret, size_t *ret_n) {
        _cleanup_free_ BlockStart *by = malloc(MAX(n, (size_t) 1) * sizeof(BlockStart));
        Pair *v = NULL;
        size_t m = 0, cap = 0;

        if (!by)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                by[k] = (BlockStart) { c->entries[blocks[k]].start, k };
        qsort(by, n, sizeof(BlockStart), cmp_block_start);
        for (size_t p = 0; p < n; p++) {
                const Entry *a = &c->entries[blocks[by[p].k]];
                int64_t len = block_length(a);

                /* the blocks that start within a, from a's own start on (same start first), around
                 * the clock at most once */
                for (size_t q = 1; q < n; q++) {
                        const BlockStart *b = &by[(p + q) % n];
                        if ((b->start - by[p].start + 86400) % 86400 >= len)
                                break;
                        if (m >= cap) {
                                Pair *nv = realloc(v, (cap = MAX(cap * 2, (size_t) 64)) * sizeof(Pair));
                                if (!nv) {
                                        free(v);
                                        return -ENOMEM;
                                }
                                v = nv;
                        }
                        v[m++] = (Pair) { MIN(by[p].k, b->k), MAX(by[p].k, b->k) };
                }
        }
        if (m > 1)
                qsort(v, m, sizeof(Pair), cmp_pair);
        size_t u = 0;
        for (size_t k = 0; k < m; k++) /* a pair each starting within the other comes twice */
                if (u == 0 || cmp_pair(&v[u - 1], &v[k]) != 0)
                        v[u++] = v[k];
        *ret = v;
        *ret_n = u;
        return 0;
}

static int warn_overlaps(const Config *c, const char *name, Lines *l) {
        char a1[CLOCK_MAX], a2[CLOCK_MAX], b1[CLOCK_MAX], b2[CLOCK_MAX];
        _cleanup_free_ size_t *blocks = NULL; /* the enabled recharge entries, in their order */
        _cleanup_free_ Pair *pairs = NULL;
        size_t n = 0, n_pairs = 0;
        int r;

        blocks = malloc(MAX(c->n_entries, (size_t) 1) * sizeof(size_t));
        if (!blocks)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_entries; i++)
                if (c->entries[i].type == ENTRY_RECHARGE && c->entries[i].enabled)
                        blocks[n++] = i;
        r = overlap_candidates(c, blocks, n, &pairs, &n_pairs);
        if (r < 0)
                return r;

        for (size_t k = 0; k < n_pairs; k++) {
                const Entry *a = &c->entries[blocks[pairs[k].i]], *b = &c->entries[blocks[pairs[k].j]];
                int day = -1;

                /* Each on the week's timeline from Monday 00:00, compared modulo a week. */
                for (int da = 0; da < 7 && day < 0; da++) {
                        if (!(a->days & (1 << da)))
                                continue;
                        int64_t sa = (int64_t) da * 86400 + a->start, ea = sa + block_length(a);
                        for (int db = 0; db < 7 && day < 0; db++) {
                                if (!(b->days & (1 << db)))
                                        continue;
                                for (int64_t w = -WEEK; w <= WEEK && day < 0; w += WEEK) {
                                        int64_t sb = (int64_t) db * 86400 + b->start + w, eb = sb + block_length(b);
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
