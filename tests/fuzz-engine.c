/* SPDX-License-Identifier: MIT */
/* fuzz-engine.c: libFuzzer target for the schedule engine. The input is a config text (read by
 * the real loader), a NUL, then bytes that choose a zone, an instant, a few changes to the
 * overlay (the engine's own and raw overrides as a hand-edited state file may hold) and the
 * instants to look at. It checks what engine.h promises and abort()s where it does not hold:
 * events sorted, none twice (nor one occurrence's start, end… twice), inside their range; range(a, c) = range(a, b) + range(b, c);
 * engine_at() agrees with the blocks the range says are on; engine_next(t) is the first event
 * of the range after t; a change that fails leaves the overlay untouched; the cached day, after
 * more changes (patched in for a few entries, or built again), equals a fresh range, its status
 * engine_at()'s, and one entry's range its part of the whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "engine.h"
#include "engine-internal.h" /* engine_range_entry() */
#include "fuzz-input.h"
#include "macro.h"
#include "names.h"
#include "tz.h"

/* Zones with the awkward cases: DST at 2:00 and at midnight, a half-hour DST, a skipped day. */
static const char * const zone_names[] = {
        "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia",
        "Asia/Kolkata", "America/Santiago", "Europe/Dublin",
};
static Tz *zones[ELEMENTSOF(zone_names)];

/* Keep one run well under 10 ms: every range call builds about 13 days of occurrences. */
#define PER_DAY_MAX 300
/* Under ASan an allocation that fails aborts (allocator_may_return_null=0), so no call here can
 * return -ENOMEM: any error but the documented ones is a bug. */
#define OPS_MAX 12

static size_t per_day(const Config *c) {
        size_t n = 0;

        for (size_t i = 0; i < c->n_entries; i++) {
                const Entry *en = &c->entries[i];
                if (en->type == ENTRY_RECHARGE)
                        n++;
                else if (en->every == 0)
                        n += en->n_at;
                else {
                        uint32_t w = en->between_end > en->between_start ? en->between_end - en->between_start :
                                                                            86400 - en->between_start + en->between_end;
                        n += w / (en->every / USEC_PER_SEC) + 1;
                }
        }
        return n;
}

static bool same_event(const Event *x, const Event *y) {
        return x->time == y->time && x->kind == y->kind && x->entry == y->entry && x->of == y->of &&
               x->start == y->start && x->end == y->end && x->held == y->held;
}

static int cmp_identity(const void *a, const void *b) {
        const Event *x = a, *y = b;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        if (x->entry != y->entry)
                return x->entry < y->entry ? -1 : 1;
        return x->of < y->of ? -1 : x->of > y->of;
}

/* One occurrence starts, ends, is announced or reminds once in a range, whatever its time. */
static void check_once(const Event *v, size_t n) {
        _cleanup_free_ Event *c = NULL;

        if (n < 2)
                return;
        c = malloc(sizeof(Event) * n);
        if (!c)
                abort();
        memcpy(c, v, sizeof(Event) * n);
        qsort(c, n, sizeof(Event), cmp_identity);
        for (size_t k = 1; k < n; k++)
                if (cmp_identity(&c[k - 1], &c[k]) == 0)
                        abort();
}

static void range(const Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n) {
        int r = engine_range(e, o, from, to, ret, ret_n);

        if (r < 0)
                abort();
        for (size_t k = 0; k < *ret_n; k++) {
                const Event *ev = &(*ret)[k];
                if (ev->time < from || ev->time >= to || ev->kind < 0 || ev->kind >= _EVENT_KIND_MAX)
                        abort();
                if (k > 0 && event_cmp(&(*ret)[k - 1], ev) >= 0)
                        abort();
        }
        check_once(*ret, *ret_n);
}

typedef struct OverlayCopy {
        Overlay o;
        EntryOverlay eo[];
} OverlayCopy;

static bool overlay_same(const Overlay *a, const Overlay *b) {
        return a->paused_since == b->paused_since && a->paused_until == b->paused_until &&
               a->manual_since == b->manual_since && a->manual_until == b->manual_until &&
               (a->n_entries == 0 || memcmp(a->entries, b->entries, sizeof(EntryOverlay) * a->n_entries) == 0);
}

/* A raw override as a state file may carry it: on a real occurrence of the entry near now. */
static void raw_override(const Engine *e, Overlay *o, size_t entry, usec_t now, FuzzInput *in) {
        _cleanup_free_ Event *v = NULL;
        EntryOverlay *eo = &o->entries[entry];
        size_t n, pick = fuzz_uint(in, 1);
        int64_t shift = (int64_t) fuzz_uint(in, 2) - 32768;
        usec_t length = fuzz_uint(in, 2) * USEC_PER_MINUTE;
        const Event *found = NULL;

        if (eo->n_overrides >= OVERRIDES_MAX)
                return;
        range(e, o, now, now + 2 * USEC_PER_DAY, &v, &n);
        for (size_t k = 0; k < n && !found; k++)
                if ((size_t) v[k].entry == entry && (v[k].kind == EVENT_START || v[k].kind == EVENT_REMINDER) &&
                    pick-- == 0)
                        found = &v[k];
        if (!found)
                return;
        Override *ov = &eo->overrides[eo->n_overrides++];
        ov->of = found->of;
        ov->start = shift == -32768 ? 0 : (usec_t) ((int64_t) found->of + shift * (int64_t) USEC_PER_MINUTE);
        ov->end = ov->start + length;
        /* A damaged or hand-edited file holds any numbers at all: the extremes, too. */
        switch (fuzz_uint(in, 1)) {
        case 1:
                ov->end = USEC_INFINITY;
                break;
        case 2:
                ov->end = ov->start - length;
                break;
        case 3:
                ov->start = USEC_INFINITY - length;
                ov->end = USEC_INFINITY;
                break;
        case 4:
                ov->start = 1;
                break;
        }
}

static void apply(const Engine *e, Overlay *o, usec_t t0, FuzzInput *in, OverlayCopy *before) {
        size_t n = e ? o->n_entries : 0;
        unsigned op = fuzz_uint(in, 1) % 12;
        size_t entry = n > 0 ? fuzz_below(in, 1, n) : 0;
        usec_t now = t0 - USEC_PER_DAY + fuzz_below(in, 2, 4 * 1440) * USEC_PER_MINUTE;
        uint64_t dm = fuzz_uint(in, 2);
        /* up to 45 days, or the longest the bus takes (a year) */
        usec_t d = dm == 0xffff ? RECHARGED_DURATION_MAX : (dm + 1) * USEC_PER_MINUTE, when;
        int r = 0;

        if (n == 0 && (op <= 2 || op == 5 || op >= 10))
                return; /* changes to an entry, and there is none */
        before->o = *o;
        if (n > 0)
                memcpy(before->eo, o->entries, sizeof(EntryOverlay) * n);
        before->o.entries = before->eo;

        switch (op) {
        case 0:
                if (n > 0)
                        r = engine_skip(e, o, entry, now, &when);
                break;
        case 1:
                if (n > 0)
                        r = engine_snooze(e, o, entry, now, d, &when);
                break;
        case 2:
                if (n > 0)
                        r = engine_start_now(e, o, entry, now, d, &when);
                break;
        case 3:
                r = engine_stop(e, o, now);
                break;
        case 4:
                r = engine_extend(e, o, now, d, &when);
                break;
        case 5:
                if (n > 0)
                        r = engine_done(e, o, entry, now, &when);
                break;
        case 6:
                engine_prune(e, o, now);
                break;
        case 7: /* Pause, for a while or until Resume */
                engine_pause(o, now, dm & 1 ? d : 0);
                break;
        case 8:
                r = engine_resume(o);
                break;
        case 9: /* a manual recharge, for a while or until Stop; or ending at the end of time,
                 * as a state file may say after many Extends */
                if (dm == 0xfffe) {
                        o->manual_since = now;
                        o->manual_until = USEC_INFINITY - USEC_PER_HOUR;
                } else
                        engine_recharge(o, now, dm & 1 ? d : 0);
                break;
        case 10:
                if (n > 0)
                        raw_override(e, o, entry, now, in);
                break;
        case 11:
                r = engine_reset(o, entry, now);
                break;
        }
        /* A change that fails leaves the overlay as it was (engine.h). */
        if (r < 0 && !overlay_same(o, &before->o))
                abort();
        if (r < 0)
                return;

        /* What a change that succeeded promises about the instant it was made at. */
        EngineStatus st;
        if ((op == 2 || op == 3 || op == 4) && engine_at(e, o, now, &st) < 0)
                abort();
        switch (op) {
        case 2: /* the block starts now (unless now is in a pause, where blocks do not start) */
                if (!st.paused && (!st.recharging || st.n_blocks == 0))
                        abort();
                break;
        case 3: /* nothing is on any more */
                if (st.recharging)
                        abort();
                break;
        case 4: /* what counts goes on, to the new end */
                if (!st.recharging || st.until != when)
                        abort();
                break;
        }
}

static void check_at(const Engine *e, const Overlay *o, const Event *v, size_t n, usec_t a, usec_t t) {
        EngineStatus st;
        size_t covering = 0, blocks = 0;
        bool found = false;
        int r;

        r = engine_at(e, o, t, &st);
        if (r < 0)
                abort();
        /* The blocks the range shows on at t (each one's START is in it when it began after a). */
        for (size_t k = 0; k < n; k++) {
                const Event *ev = &v[k];
                if (ev->kind != EVENT_START || ev->time > t || (ev->end != 0 && ev->end <= t))
                        continue;
                covering++;
                if (ev->entry != ENTRY_MANUAL)
                        blocks++;
                if (st.recharging && ev->time == st.since && ev->entry == st.entry && ev->end == st.until &&
                    (st.manual || ev->of == st.block_of))
                        found = true;
        }
        if (covering > 0 && !st.recharging)
                abort();
        if (blocks > st.n_blocks)
                abort();
        if (st.recharging) {
                if (st.since > t || (st.until != 0 && st.until <= t))
                        abort();
                if (st.manual != (st.entry == ENTRY_MANUAL))
                        abort();
                /* What counts, when it began inside the range, is one of the range's starts. */
                if (st.since >= a && !found)
                        abort();
                if (!st.manual && st.n_blocks == 0)
                        abort();
        } else if (st.n_blocks != 0 || st.dnd)
                abort();
        if (st.paused != (o->paused_since != 0 && t >= o->paused_since && t < o->paused_until))
                abort();
}

/* A block entry's current-or-next occurrence is the one the range shows starting then. */
static void check_entry(const Engine *e, const Overlay *o, const Event *v, size_t n, size_t entry, usec_t t,
                        usec_t a, usec_t c) {
        usec_t start, end, of;
        int r;

        if (e == NULL || entry >= o->n_entries)
                return;
        r = engine_entry_occurrence(e, o, entry, t, &start, &end, &of);
        if (r == -ENOENT)
                return;
        if (r < 0)
                abort();
        if (end == 0 || start < a || start >= c)
                return; /* a reminder (shown later when held), or outside the range */
        /* Several occurrences of one entry may have been moved to one start: one of them. */
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
                found = v[k].kind == EVENT_START && (size_t) v[k].entry == entry && v[k].time == start &&
                        v[k].end == end && v[k].of == of;
        if (!found)
                abort();
        /* and it is the first of the entry's blocks still on after t */
        for (size_t k = 0; k < n; k++)
                if (v[k].kind == EVENT_START && (size_t) v[k].entry == entry && v[k].end > t && v[k].time < start)
                        abort();
}

static void check_next(const Engine *e, const Overlay *o, usec_t t, usec_t c) {
        _cleanup_free_ Event *v = NULL;
        Event next;
        size_t n;
        int r;

        range(e, o, t + 1, c, &v, &n);
        r = engine_next(e, o, t, &next);
        if (r < 0 && r != -ENOENT)
                abort();
        if (n > 0 ? r < 0 || !same_event(&next, &v[0]) : r == 0 && next.time < c)
                abort();
}

/* The cache kept across changes: warmed on [a, to), then changed, then asked again. */
static void check_cache(Engine *e, Overlay *o, usec_t t0, usec_t a, usec_t end, FuzzInput *in, OverlayCopy *before) {
        _cleanup_free_ Event *w = NULL, *x = NULL, *y = NULL;
        usec_t to = MIN(end, a + USEC_PER_DAY);
        size_t nw, nx, ny;
        EngineStatus s1, s2;

        if (engine_cached_range(e, o, a, to, &w, &nw) < 0)
                abort();
        for (size_t k = fuzz_below(in, 1, 4); k > 0; k--)
                apply(e, o, t0, in, before);
        if (engine_cached_range(e, o, a, to, &x, &nx) < 0 || engine_range(e, o, a, to, &y, &ny) < 0)
                abort();
        if (nx != ny)
                abort();
        for (size_t k = 0; k < nx; k++)
                if (!same_event(&x[k], &y[k]))
                        abort();

        usec_t t = a + fuzz_below(in, 4, (to - a) / USEC_PER_SEC) * USEC_PER_SEC;
        if (engine_cached_status(e, o, t, &s1) < 0 || engine_at(e, o, t, &s2) < 0)
                abort();
        if (s1.recharging != s2.recharging || s1.dnd != s2.dnd || s1.paused != s2.paused || s1.manual != s2.manual ||
            s1.entry != s2.entry || s1.since != s2.since || s1.until != s2.until || s1.block_of != s2.block_of ||
            s1.n_blocks != s2.n_blocks || s1.n_held != 0)
                abort();

        if (e->config->n_entries == 0)
                return;
        size_t j = fuzz_below(in, 1, e->config->n_entries), m = 0;
        _cleanup_free_ Event *z = NULL;
        size_t nz;
        if (engine_range_entry(e, o, j, a, to, &z, &nz) < 0)
                abort();
        for (size_t k = 0; k < ny; k++) {
                if (y[k].entry != (int) j)
                        continue;
                if (m >= nz || !same_event(&y[k], &z[m]))
                        abort();
                m++;
        }
        if (m != nz)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(engine_freep) Engine *e = NULL;
        _cleanup_free_ EntryOverlay *eo = NULL;
        _cleanup_free_ OverlayCopy *before = NULL;
        _cleanup_free_ Event *v = NULL, *v1 = NULL, *v2 = NULL;
        _cleanup_free_ char *text = NULL;
        FuzzInput in = { data, size };
        size_t len, n, n1, n2;
        Overlay o;

        if (!zones[0])
                for (size_t i = 0; i < ELEMENTSOF(zone_names); i++)
                        if (tz_load(zone_names[i], &zones[i]) < 0)
                                abort();

        text = fuzz_text(&in, &len);
        if (!text || config_load_string(text, len, "fuzz.conf", &c, &errors) < 0)
                return 0;
        if (per_day(c) > PER_DAY_MAX)
                return 0;

        const Tz *tz = zones[fuzz_below(&in, 1, ELEMENTSOF(zones))];
        /* 2020 … 2040, to the second */
        usec_t t0 = 1577836800ULL * USEC_PER_SEC + fuzz_below(&in, 4, 20ULL * 365 * 86400) * USEC_PER_SEC;

        if (engine_new(c, tz, &e) < 0)
                abort();
        eo = calloc(MAX(c->n_entries, (size_t) 1), sizeof(EntryOverlay));
        before = calloc(1, sizeof(OverlayCopy) + sizeof(EntryOverlay) * MAX(c->n_entries, (size_t) 1));
        if (!eo || !before)
                return 0;
        o = (Overlay) { .entries = eo, .n_entries = c->n_entries };

        for (size_t k = fuzz_below(&in, 1, OPS_MAX + 1); k > 0; k--)
                apply(e, &o, t0, &in, before);

        usec_t span = (fuzz_below(&in, 1, 72) + 1) * USEC_PER_HOUR;
        usec_t a = t0, end = t0 + span;
        usec_t b = a + fuzz_below(&in, 4, span / USEC_PER_SEC + 1) * USEC_PER_SEC;

        range(e, &o, a, end, &v, &n);
        range(e, &o, a, b, &v1, &n1);
        range(e, &o, b, end, &v2, &n2);
        if (n != n1 + n2)
                abort();
        for (size_t k = 0; k < n; k++)
                if (!same_event(&v[k], k < n1 ? &v1[k] : &v2[k - n1]))
                        abort();

        /* The instants to look at: some chosen, and every event's own instant and the one before. */
        for (int k = 0; k < 3; k++)
                check_at(e, &o, v, n, a, a + fuzz_below(&in, 4, span / USEC_PER_SEC) * USEC_PER_SEC);
        for (size_t k = 0; k < n && k < 8; k++) {
                check_at(e, &o, v, n, a, v[k].time);
                if (v[k].time > a)
                        check_at(e, &o, v, n, a, v[k].time - 1);
        }
        if (c->n_entries > 0)
                check_entry(e, &o, v, n, fuzz_below(&in, 1, c->n_entries),
                            a + fuzz_below(&in, 4, span / USEC_PER_SEC) * USEC_PER_SEC, a, end);
        check_next(e, &o, a + fuzz_below(&in, 4, span / USEC_PER_SEC) * USEC_PER_SEC, end);
        if (n > 0)
                check_next(e, &o, v[fuzz_below(&in, 1, n)].time, end);
        check_cache(e, &o, t0, a, end, &in, before);
        return 0;
}
