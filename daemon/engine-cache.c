/* SPDX-License-Identifier: MIT */
/* engine-cache.c: engine_cached_*(): the engine's answers kept while the overlay stays the same,
 * so that a boundary costs what fired rather than the whole schedule. */
#include <stdlib.h>
#include <string.h>

#include "bucket-sort.h"
#include "engine-internal.h"
#include "macro.h"

/* How much of the schedule is computed at once: a day of events, sliced at each boundary until
 * the instants asked for leave it (or the overlay changes). */
#define WINDOW_USEC USEC_PER_DAY

/* Entries' changes remembered for engine_cached_changed(); more between two calls is "all". */
#define CHANGES_MAX 64

/* One entry's engine_entry_occurrence() at `from`, and until when it holds. */
typedef struct EntryMemo {
        bool set;
        int r;
        usec_t from, until;
        usec_t start, end, of;
        size_t n_overrides;
        Override overrides[OVERRIDES_MAX];
        usec_t paused_since, paused_until;
} EntryMemo;

struct EngineCache {
        /* The whole-schedule part, for instants of [w0, w1), computed with the overlay `seen`. */
        bool valid;
        Overlay seen;            /* its entries: a copy, n_entries of them */
        usec_t w0, w1;
        Event *events;           /* engine_range(w0, w1) */
        size_t n_events;
        Occ *blocks;             /* what engine_at() sees, by start; the manual recharge apart */
        size_t n_blocks;
        usec_t longest;          /* the longest block: blocks on at t started after t - longest */
        Occ manual;
        bool has_manual;
        Span *spans;
        size_t n_spans;

        uint64_t generation;     /* counts the builds and patches of the whole-schedule part */
        uint64_t builds, patches; /* how often it was built whole, and patched (tests, benches) */

        /* What changed of the overlay, for engine_cached_changed(): the entries whose overrides
         * changed, each with the generation that took it in; a change of the pause (every
         * entry's occurrences read it) or a full log is "everything" from all_gen on. */
        bool seen_set;
        uint64_t all_gen;
        struct {
                uint64_t gen;
                size_t entry;
        } log[CHANGES_MAX];
        size_t n_log;

        EntryMemo *memo;         /* one per entry */
        bool windows_set;        /* windows_change() at windows_now */
        usec_t windows_now, windows_until;
        size_t n_memo;
};

static void cache_drop(EngineCache *c) {
        free(c->events);
        free(c->blocks);
        free(c->spans);
        c->events = NULL;
        c->blocks = NULL;
        c->spans = NULL;
        c->n_events = c->n_blocks = c->n_spans = 0;
        c->valid = false;
}

EngineCache *engine_cache_free(EngineCache *c) {
        if (!c)
                return NULL;
        cache_drop(c);
        free(c->seen.entries);
        free(c->memo);
        free(c);
        return NULL;
}

static int cache_get(Engine *e, EngineCache **ret) {
        if (!e->cache) {
                EngineCache *c = calloc(1, sizeof(EngineCache));
                size_t n = e->config->n_entries;
                if (!c)
                        return -ENOMEM;
                c->memo = calloc(n ? n : 1, sizeof(EntryMemo));
                c->seen.entries = calloc(n ? n : 1, sizeof(EntryOverlay));
                if (!c->memo || !c->seen.entries) {
                        engine_cache_free(c);
                        return -ENOMEM;
                }
                c->n_memo = n;
                c->seen.n_entries = n;
                e->cache = c;
        }
        *ret = e->cache;
        return 0;
}

static size_t n_overrides(const Overlay *o, size_t i) {
        if (!o || !o->entries || i >= o->n_entries)
                return 0;
        return MIN(o->entries[i].n_overrides, (size_t) OVERRIDES_MAX);
}

static const Override *overrides(const Overlay *o, size_t i) {
        return n_overrides(o, i) > 0 ? o->entries[i].overrides : NULL;
}

static bool overrides_same(const Overlay *o, size_t i, size_t n, const Override *v) {
        return n_overrides(o, i) == n && (n == 0 || memcmp(overrides(o, i), v, n * sizeof(Override)) == 0);
}

/* Everything of the overlay that the engine's answers read: `shown` and `done` are not. Called
 * at every boundary over every entry, so it is kept to a compare of counts. */
static bool overlay_same(const EngineCache *c, const Overlay *o) {
        const Overlay none = {};
        size_t n = c->seen.n_entries;

        if (!o)
                o = &none;
        if (o->paused_since != c->seen.paused_since || o->paused_until != c->seen.paused_until ||
            o->manual_since != c->seen.manual_since || o->manual_until != c->seen.manual_until ||
            o->away_since != c->seen.away_since || o->away_until != c->seen.away_until)
                return false;
        if (!o->entries || o->n_entries < n) {
                for (size_t i = 0; i < n; i++)
                        if (!overrides_same(o, i, c->seen.entries[i].n_overrides, c->seen.entries[i].overrides))
                                return false;
                return true;
        }
        for (size_t i = 0; i < n; i++) {
                const EntryOverlay *a = &o->entries[i], *b = &c->seen.entries[i];
                if (a->n_overrides != b->n_overrides)
                        return false;
                if (a->n_overrides > 0 && !overrides_same(o, i, b->n_overrides, b->overrides))
                        return false;
        }
        return true;
}

/* Notes what of o differs from what the cache saw, for engine_cached_changed(): it is taken in
 * with the next generation (a patch or a build follows at once). */
static void changes_note(EngineCache *c, const Overlay *o) {
        uint64_t gen = c->generation + 1;
        size_t n = c->seen.n_entries;

        if (!c->seen_set || (o ? o->paused_since : 0) != c->seen.paused_since ||
            (o ? o->paused_until : 0) != c->seen.paused_until) {
                c->all_gen = gen;
                c->n_log = 0;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const EntryOverlay *b = &c->seen.entries[i];
                if (overrides_same(o, i, b->n_overrides, b->overrides))
                        continue;
                if (c->n_log >= CHANGES_MAX) {
                        c->all_gen = gen;
                        c->n_log = 0;
                        return;
                }
                c->log[c->n_log].gen = gen;
                c->log[c->n_log++].entry = i;
        }
}

static void overlay_remember(EngineCache *c, const Overlay *o) {
        c->seen.paused_since = o ? o->paused_since : 0;
        c->seen.paused_until = o ? o->paused_until : 0;
        c->seen.manual_since = o ? o->manual_since : 0;
        c->seen.manual_until = o ? o->manual_until : 0;
        c->seen.away_since = o ? o->away_since : 0;
        c->seen.away_until = o ? o->away_until : 0;
        for (size_t i = 0; i < c->seen.n_entries; i++) {
                EntryOverlay *eo = &c->seen.entries[i];
                eo->n_overrides = n_overrides(o, i);
                if (eo->n_overrides > 0)
                        memcpy(eo->overrides, overrides(o, i), eo->n_overrides * sizeof(Override));
        }
        c->seen_set = true;
}

static int cmp_start(const void *a, const void *b) {
        const Occ *x = a, *y = b;
        return x->start < y->start ? -1 : x->start > y->start;
}

/* Blocks by start (a build's are twelve days of every block entry); blocks starting together
 * keep no particular order (none is needed). */
#define OCC_START(x) ((x).start)
DEFINE_BUCKET_SORT(sort_occ, Occ, OCC_START, cmp_start)

static int sort_by_start(Occ *v, size_t n) {
        usec_t lo = USEC_INFINITY, hi = 0;

        for (size_t k = 0; k < n; k++) {
                lo = MIN(lo, v[k].start);
                hi = MAX(hi, v[k].start);
        }
        return sort_occ(v, n, lo, hi);
}

/* The whole-schedule part for instants of [w0, w0 + a day). */
static int cache_build(EngineCache *c, const Engine *e, const Overlay *o, usec_t w0) {
        OccBuf b = {};
        size_t w = 0;
        int r;

        cache_drop(c);
        c->generation++;
        c->builds++;
        c->w0 = w0;
        c->w1 = w0 + WINDOW_USEC;
        /* One build for both: the day's events and the blocks and spans engine_at() sees
         * (engine_range() then engine_window_blocks() built every entry's blocks twice). */
        r = engine_range_window(e, o, c->w0, c->w1, &c->events, &c->n_events, &b, &c->spans, &c->n_spans);
        if (r < 0) {
                free(b.v);
                cache_drop(c);
                return r;
        }
        c->has_manual = false;
        c->longest = 0;
        for (size_t k = 0; k < b.n; k++) {
                const Occ *occ = &b.v[k];
                if (occ->reminder)
                        continue;
                if (occ->entry == ENTRY_MANUAL) {
                        c->manual = *occ;
                        c->has_manual = true;
                        continue;
                }
                c->longest = MAX(c->longest, occ->end - occ->start);
                b.v[w++] = *occ;
        }
        r = sort_by_start(b.v, w);
        if (r < 0) {
                free(b.v);
                cache_drop(c);
                return r;
        }
        c->blocks = b.v;
        c->n_blocks = w;
        overlay_remember(c, o);
        c->valid = true;
        return 0;
}

/* At most this many entries' overrides changed at once are patched in; more is a rebuild. */
#define PATCH_MAX 8

static bool is_dnd(const Engine *e, size_t i) {
        for (size_t k = 0; k < e->n_dnd; k++)
                if (e->dnd[k] == i)
                        return true;
        return false;
}

/* The entries whose overrides differ from what the cache saw, when nothing else it reads
 * differs, none of them holds reminders (a dnd block: its span changes other entries' events)
 * and they are few: else false, and the whole-schedule part is built again. */
static bool overlay_changed_entries(const Engine *e, const EngineCache *c, const Overlay *o, size_t *ret,
                                    size_t *ret_n) {
        size_t n = c->seen.n_entries, k = 0;

        if (!o || !o->entries || o->n_entries < n)
                return false;
        if (o->paused_since != c->seen.paused_since || o->paused_until != c->seen.paused_until ||
            o->manual_since != c->seen.manual_since || o->manual_until != c->seen.manual_until ||
            o->away_since != c->seen.away_since || o->away_until != c->seen.away_until)
                return false;
        for (size_t i = 0; i < n; i++) {
                const EntryOverlay *b = &c->seen.entries[i];
                if (o->entries[i].n_overrides == b->n_overrides &&
                    (b->n_overrides == 0 || overrides_same(o, i, b->n_overrides, b->overrides)))
                        continue;
                if (k >= PATCH_MAX || is_dnd(e, i))
                        return false;
                ret[k++] = i;
        }
        *ret_n = k;
        return true;
}

/* Entry i's events and blocks in the day, again, the rest kept: engine_range() is every
 * entry's events, each entry's made alone and held by the same spans (i holds nothing), in one
 * total order; its blocks are each entry's alone too. So removing i's and merging its new ones
 * in gives what cache_build() would. On failure the cache is left as it was. */
static int cache_patch_entry(EngineCache *c, const Engine *e, const Overlay *o, size_t i) {
        _cleanup_free_ Event *add = NULL;
        OccBuf nb = {};
        Event *ev;
        Occ *bl;
        size_t n_add = 0, n_ev = 0, n_bl = 0, a = 0, w;
        int r;

        r = engine_range_entry(e, o, i, c->w0, c->w1, &add, &n_add);
        if (r >= 0 && e->config->entries[i].type == ENTRY_RECHARGE)
                r = engine_window_blocks_entry(e, o, i, c->w0, c->w1, &nb);
        if (r < 0) {
                free(nb.v);
                return r;
        }
        ev = malloc(sizeof(Event) * (c->n_events + n_add + 1));
        bl = malloc(sizeof(Occ) * (c->n_blocks + nb.n + 1));
        if (!ev || !bl) {
                free(ev);
                free(bl);
                free(nb.v);
                return -ENOMEM;
        }
        for (size_t k = 0; k < c->n_events; k++) {
                if (c->events[k].entry == (int) i)
                        continue;
                while (a < n_add && event_cmp(&add[a], &c->events[k]) < 0)
                        ev[n_ev++] = add[a++];
                ev[n_ev++] = c->events[k];
        }
        while (a < n_add)
                ev[n_ev++] = add[a++];

        /* The new blocks by start, then merged into the kept ones (also by start; the order of
         * blocks starting together does not matter to at_from_blocks()). */
        w = 0;
        for (size_t k = 0; k < nb.n; k++)
                if (!nb.v[k].reminder)
                        nb.v[w++] = nb.v[k];
        nb.n = w;
        if (nb.n > 1)
                qsort(nb.v, nb.n, sizeof(Occ), cmp_start);
        a = 0;
        c->longest = 0;
        for (size_t k = 0; k < c->n_blocks; k++) {
                if (c->blocks[k].entry == (int) i)
                        continue;
                while (a < nb.n && nb.v[a].start < c->blocks[k].start)
                        bl[n_bl++] = nb.v[a++];
                bl[n_bl++] = c->blocks[k];
        }
        while (a < nb.n)
                bl[n_bl++] = nb.v[a++];
        free(nb.v);
        for (size_t k = 0; k < n_bl; k++)
                c->longest = MAX(c->longest, bl[k].end - bl[k].start);

        free(c->events);
        c->events = ev;
        c->n_events = n_ev;
        free(c->blocks);
        c->blocks = bl;
        c->n_blocks = n_bl;

        EntryOverlay *seen = &c->seen.entries[i];
        seen->n_overrides = n_overrides(o, i);
        if (seen->n_overrides > 0)
                memcpy(seen->overrides, overrides(o, i), seen->n_overrides * sizeof(Override));
        return 0;
}

/* Makes the whole-schedule part serve instants [from, to) (to ≤ from + a day). */
static int cache_cover(Engine *e, const Overlay *o, usec_t from, usec_t to, EngineCache **ret) {
        size_t changed[PATCH_MAX], n_changed = 0;
        EngineCache *c;
        int r;

        r = cache_get(e, &c);
        if (r < 0)
                return r;
        bool same = c->seen_set && overlay_same(c, o);
        if (!same)
                changes_note(c, o);
        if (c->valid && from >= c->w0 && to <= c->w1 && !same) {
                /* An action on a few entries (skip, snooze, start now, extend of a block)
                 * costs those entries, not the schedule. */
                if (overlay_changed_entries(e, c, o, changed, &n_changed)) {
                        r = 0;
                        for (size_t k = 0; k < n_changed && r >= 0; k++)
                                r = cache_patch_entry(c, e, o, changed[k]);
                        if (r >= 0) {
                                c->generation++;
                                c->patches++;
                        }
                } else
                        r = -EAGAIN;
                if (r < 0)
                        c->valid = false; /* built again just below */
        }
        if (!c->valid || from < c->w0 || to > c->w1) {
                r = cache_build(c, e, o, from);
                if (r < 0)
                        return r;
        }
        *ret = c;
        return 0;
}

static bool fits(usec_t from, usec_t to) {
        return from < to && from < USEC_INFINITY - WINDOW_USEC && to - from <= WINDOW_USEC;
}

/* The first cached event with time ≥ t. */
static size_t first_at(const EngineCache *c, usec_t t) {
        size_t lo = 0, hi = c->n_events;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (c->events[mid].time < t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int engine_cached_range(Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n) {
        EngineCache *c;
        Event *v = NULL;
        size_t a, z;
        int r;

        /* Ranges split cleanly, so a slice of the day's events is range(from, to) itself. */
        if (!fits(from, to))
                return engine_range(e, o, from, to, ret, ret_n);
        r = cache_cover(e, o, from, to, &c);
        if (r < 0)
                return r;
        a = first_at(c, from);
        z = first_at(c, to);
        if (z > a) {
                v = malloc(sizeof(Event) * (z - a));
                if (!v)
                        return -ENOMEM;
                memcpy(v, c->events + a, sizeof(Event) * (z - a));
        }
        *ret = v;
        *ret_n = z - a;
        return 0;
}

int engine_cached_next(Engine *e, const Overlay *o, usec_t after, Event *ret) {
        EngineCache *c;
        size_t k;
        int r;

        if (!fits(after + 1, after + 2))
                return engine_next(e, o, after, ret);
        r = cache_cover(e, o, after + 1, after + 2, &c);
        if (r < 0)
                return r;
        /* The first event after `after` of range(after + 1, w1) is engine_next()'s, when there
         * is one: events are in one total order (event_cmp, engine.h). */
        k = first_at(c, after + 1);
        if (k >= c->n_events && c->w0 < after) {
                /* Nothing more in this day: the next day from here (from `after`, which the
                 * other questions at this instant ask for too), rather than a search of the
                 * whole schedule at every boundary until the instants leave this day. */
                r = cache_build(c, e, o, after);
                if (r < 0)
                        return r;
                k = first_at(c, after + 1);
        }
        if (k < c->n_events) {
                *ret = c->events[k];
                return 0;
        }
        return engine_next(e, o, after, ret);
}

/* engine_at() from the day's blocks, when the answer does not depend on the order they were
 * made in or on the reminders held: -EAGAIN otherwise. Blocks on at t are the same in any
 * window holding t; the span holding t is not (a chain of dnd blocks is cut where the window
 * begins), so held time is left to engine_at(). */
static int at_from_blocks(const EngineCache *c, const Engine *e, const Overlay *o, usec_t t, bool held,
                          EngineStatus *ret) {
        EngineStatus s = { .entry = ENTRY_MANUAL };
        const Occ *best = NULL;
        size_t lo = 0, hi = c->n_blocks;

        if (held && span_holding(c->spans, c->n_spans, t))
                return -EAGAIN;
        s.paused = in_pause(o, t);
        if (c->has_manual && c->manual.start <= t && t < c->manual.end) {
                s.dnd = true;
                best = &c->manual;
        }
        /* Blocks starting after t are not on; those starting before t - longest ended. */
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (c->blocks[mid].start <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t k = lo; k > 0; k--) {
                const Occ *occ = &c->blocks[k - 1];
                if (occ->start + c->longest <= t)
                        break;
                if (t >= occ->end)
                        continue;
                s.n_blocks++;
                if (e->config->entries[occ->entry].dnd)
                        s.dnd = true;
                /* Two of one entry ending together: engine_at() keeps the first it made. */
                if (best && best->entry == occ->entry && best->end == occ->end)
                        return -EAGAIN;
                if (!best || counts_over(occ, best))
                        best = occ;
        }
        if (best) {
                s.recharging = true;
                s.manual = best->entry == ENTRY_MANUAL;
                s.entry = best->entry;
                s.since = best->start;
                s.until = best->end == USEC_INFINITY ? 0 : best->end;
                s.block_of = s.manual ? 0 : best->of;
        }
        *ret = s;
        return 0;
}

static int cached_at(Engine *e, const Overlay *o, usec_t t, bool held, EngineStatus *ret) {
        EngineCache *c;
        int r;

        if (!fits(t, t + 1))
                r = -EAGAIN;
        else {
                r = cache_cover(e, o, t, t + 1, &c);
                if (r < 0)
                        return r;
                r = at_from_blocks(c, e, o, t, held, ret);
        }
        if (r == -EAGAIN) {
                r = engine_at(e, o, t, ret);
                if (r >= 0 && !held)
                        ret->n_held = 0;
        }
        return r;
}

int engine_cached_at(Engine *e, const Overlay *o, usec_t t, EngineStatus *ret) {
        return cached_at(e, o, t, true, ret);
}

int engine_cached_status(Engine *e, const Overlay *o, usec_t t, EngineStatus *ret) {
        /* Without n_held, a dnd span need not be followed back to where it began (a whole
         * window of every entry's reminders): inside one, as outside, the day's blocks say it. */
        return cached_at(e, o, t, false, ret);
}

void engine_cached_counts(const Engine *e, uint64_t *ret_builds, uint64_t *ret_patches) {
        *ret_builds = e->cache ? e->cache->builds : 0;
        *ret_patches = e->cache ? e->cache->patches : 0;
}

static int cmp_int(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;
        return x < y ? -1 : x > y;
}

int engine_cached_blocks_on(Engine *e, const Overlay *o, usec_t t, int **ret, size_t *ret_n) {
        _cleanup_free_ int *v = NULL;
        EngineCache *c;
        size_t lo = 0, hi, n = 0, w = 0;
        int r;

        if (!fits(t, t + 1))
                return -EOPNOTSUPP;
        r = cache_cover(e, o, t, t + 1, &c);
        if (r < 0)
                return r;
        hi = c->n_blocks;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (c->blocks[mid].start <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t k = lo; k > 0 && c->blocks[k - 1].start + c->longest > t; k--)
                n += t < c->blocks[k - 1].end;
        v = malloc(sizeof(int) * (n + 1));
        if (!v)
                return -ENOMEM;
        for (size_t k = lo; k > 0 && c->blocks[k - 1].start + c->longest > t; k--)
                if (t < c->blocks[k - 1].end)
                        v[w++] = c->blocks[k - 1].entry;
        if (w > 1)
                qsort(v, w, sizeof(int), cmp_int);
        n = 0;
        for (size_t k = 0; k < w; k++)
                if (n == 0 || v[n - 1] != v[k])
                        v[n++] = v[k];
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* The instant of local midnight that begins day d. */
static usec_t midnight(const Engine *e, int64_t d) {
        int64_t s = tz_from_local(e->tz, d * 86400);
        return s <= 0 ? 0 : (usec_t) s * USEC_PER_SEC;
}

/* The first instant after now at which one of engine_entry_occurrence()'s windows (now - a day
 * to now + 2, 4, 8, 16 days, by local day) covers other days: up to then the occurrences it
 * looks at are the same ones, and only `now` moves. */
static usec_t windows_change_compute(const Engine *e, usec_t now) {
        usec_t until = USEC_INFINITY;

        if (now > USEC_PER_DAY)
                until = midnight(e, day_of_instant(e, now - USEC_PER_DAY) + 1) + USEC_PER_DAY;
        for (usec_t span = 2 * USEC_PER_DAY; span <= 16 * USEC_PER_DAY; span *= 2) {
                usec_t m = midnight(e, day_of_instant(e, now + span) + 1);
                until = MIN(until, m > span ? m - span : 0);
        }
        return MAX(until, now + 1);
}

/* Every entry's memo at one instant asks the same: five zone look-ups once, not per entry. */
static usec_t windows_change(EngineCache *c, const Engine *e, usec_t now) {
        if (!c->windows_set || c->windows_now != now) {
                c->windows_until = windows_change_compute(e, now);
                c->windows_now = now;
                c->windows_set = true;
        }
        return c->windows_until;
}

int engine_cached_entry_occurrence(Engine *e, const Overlay *o, size_t i, usec_t now, usec_t *ret_start,
                                   usec_t *ret_end, usec_t *ret_of) {
        EngineCache *c;
        EntryMemo *m;
        int r;

        if (i >= e->config->n_entries)
                return -EINVAL;
        if (now >= USEC_INFINITY - 32 * USEC_PER_DAY)
                return engine_entry_occurrence(e, o, i, now, ret_start, ret_end, ret_of);
        r = cache_get(e, &c);
        if (r < 0)
                return r;
        m = &c->memo[i];

        /* An entry's occurrences read its own overrides and the pause, nothing else. */
        if (!m->set || now < m->from || now >= m->until || (o ? o->paused_since : 0) != m->paused_since ||
            (o ? o->paused_until : 0) != m->paused_until ||
            (m->n_overrides == 0 ? n_overrides(o, i) != 0 : !overrides_same(o, i, m->n_overrides, m->overrides))) {
                EntryMemo n = { .set = true, .from = now };

                n.r = engine_entry_occurrence(e, o, i, now, &n.start, &n.end, &n.of);
                if (n.r < 0 && n.r != -ENOENT)
                        return n.r;
                /* The answer is the first occurrence still ahead of now (a block: not yet
                 * ended) in the same windows: it stays until now passes it or a window moves. */
                n.until = windows_change(c, e, now);
                if (n.r >= 0) {
                        usec_t passes = e->config->entries[i].type == ENTRY_SELFCARE ? n.start : n.end;
                        n.until = MIN(n.until, passes);
                }
                if (!e->config->entries[i].enabled)
                        n.until = USEC_INFINITY;
                n.n_overrides = n_overrides(o, i);
                if (n.n_overrides > 0)
                        memcpy(n.overrides, overrides(o, i), n.n_overrides * sizeof(Override));
                n.paused_since = o ? o->paused_since : 0;
                n.paused_until = o ? o->paused_until : 0;
                *m = n;
        }
        if (m->r < 0)
                return m->r;
        if (ret_start)
                *ret_start = m->start;
        if (ret_end)
                *ret_end = m->end;
        if (ret_of)
                *ret_of = m->of;
        return 0;
}

int engine_cached_generation(Engine *e, const Overlay *o, usec_t t, uint64_t *ret) {
        EngineCache *c;
        int r;

        if (!fits(t, t + 1))
                return -EOPNOTSUPP;
        r = cache_cover(e, o, t, t + 1, &c);
        if (r < 0)
                return r;
        *ret = c->generation;
        return 0;
}

int engine_cached_changed(Engine *e, const Overlay *o, usec_t t, uint64_t *gen, size_t **ret, size_t *ret_n) {
        _cleanup_free_ size_t *v = NULL;
        EngineCache *c;
        size_t n = 0;
        uint64_t since = *gen;
        int r;

        if (!fits(t, t + 1))
                return -EOPNOTSUPP;
        r = cache_cover(e, o, t, t + 1, &c);
        if (r < 0)
                return r;
        *gen = c->generation;
        if (since < c->all_gen || since > c->generation)
                return 0;
        v = malloc(sizeof(size_t) * (c->n_log + 1));
        if (!v)
                return -ENOMEM;
        for (size_t k = 0; k < c->n_log; k++)
                if (c->log[k].gen > since)
                        v[n++] = c->log[k].entry;
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 1;
}

usec_t engine_cached_entry_until(const Engine *e, size_t i) {
        if (!e->cache || i >= e->cache->n_memo || !e->cache->memo[i].set)
                return 0;
        return e->cache->memo[i].until;
}
