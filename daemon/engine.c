/* SPDX-License-Identifier: MIT */
/* engine.c: the pure schedule engine: occurrences of each entry, the user's overrides on top,
 * reminders held through dnd recharges, and the events that follow. */
#include <stdlib.h>
#include <string.h>

#include "bucket-sort.h"
#include "engine-internal.h"
#include "macro.h"
#include "names.h"

/* How far before a range the engine looks for recharges that hold its reminders: a chain of
 * back-to-back dnd blocks longer than this releases its reminders as if it began here. */
#define LOOKBACK_USEC (9 * USEC_PER_DAY)
/* Blocks last at most a day and heads-up is at most a day, so events of occurrences planned
 * more than two days past a range cannot fall in it. */
#define LOOKAHEAD_USEC (2 * USEC_PER_DAY)
/* engine_next() gives up after this. */
#define HORIZON_USEC (400 * USEC_PER_DAY)

static const char * const event_kind_table[_EVENT_KIND_MAX] = {
        [EVENT_END] = "end",
        [EVENT_START] = "start",
        [EVENT_HEADS_UP] = "heads-up",
        [EVENT_REMINDER] = "reminder",
};

const char *event_kind_to_string(EventKind k) {
        if (k < 0 || k >= _EVENT_KIND_MAX)
                return NULL;
        return event_kind_table[k];
}

EventKind event_kind_from_string(const char *s) {
        if (!s)
                return _EVENT_KIND_INVALID;
        for (int i = 0; i < _EVENT_KIND_MAX; i++)
                if (streq(event_kind_table[i], s))
                        return (EventKind) i;
        return _EVENT_KIND_INVALID;
}


/* Days whose local times all have one offset need no zone lookups: most days of the year. */
typedef struct DayZone {
        int64_t first;          /* local day of zone[0] */
        size_t n;
        struct {
                int32_t offset;
                bool fixed;     /* no change of offset near this day */
        } *v;
} DayZone;

/* The last days' zone facts asked for, kept: one entry's occurrences at a time (every entry's
 * live state) asked for the same days' offsets once per entry. */
struct ZoneMemo {
        DayZone z;
};

int occ_push(OccBuf *b, const Occ *o) {
        if (b->n >= b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 256;
                Occ *v = realloc(b->v, cap * sizeof(Occ));
                if (!v)
                        return -ENOMEM;
                b->v = v;
                b->cap = cap;
        }
        b->v[b->n++] = *o;
        return 0;
}

Engine *engine_free(Engine *e) {
        if (!e)
                return NULL;
        if (e->times)
                for (size_t i = 0; i < e->config->n_entries; i++)
                        free(e->times[i].v);
        free(e->times);
        engine_cache_free(e->cache);
        free(e->dnd);
        if (e->zone_memo)
                free(e->zone_memo->z.v);
        free(e->zone_memo);
        free(e);
        return NULL;
}

static void add_events_on(Engine *e, const Entry *en, uint64_t n) {
        for (int w = 0; w < 7; w++)
                if (en->days & (1u << w))
                        e->events_on[w] += n;
}

int engine_new(const Config *c, const Tz *tz, Engine **ret) {
        _cleanup_(engine_freep) Engine *e = NULL;

        e = calloc(1, sizeof(Engine));
        if (!e)
                return -ENOMEM;
        e->config = c;
        e->tz = tz;
        e->times = calloc(c->n_entries ? c->n_entries : 1, sizeof(Times));
        e->dnd = calloc(c->n_entries ? c->n_entries : 1, sizeof(size_t));
        e->zone_memo = calloc(1, sizeof(ZoneMemo));
        if (!e->times || !e->dnd || !e->zone_memo)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_entries; i++)
                if (c->entries[i].type == ENTRY_RECHARGE && c->entries[i].enabled && c->entries[i].dnd)
                        e->dnd[e->n_dnd++] = i;

        for (size_t i = 0; i < c->n_entries; i++) {
                const Entry *en = &c->entries[i];
                Times *t = &e->times[i];

                if (en->type != ENTRY_SELFCARE) {
                        e->per_day++;
                        if (en->enabled)
                                add_events_on(e, en, c->heads_up > 0 ? 3 : 2);
                        continue;
                }
                if (en->every == 0) {
                        t->v = malloc(sizeof(uint32_t) * (en->n_at ? en->n_at : 1));
                        if (!t->v)
                                return -ENOMEM;
                        memcpy(t->v, en->at, sizeof(uint32_t) * en->n_at);
                        t->n = en->n_at;
                        e->per_day += t->n;
                        if (en->enabled)
                                add_events_on(e, en, t->n);
                        continue;
                }

                uint32_t step = (uint32_t) (en->every / USEC_PER_SEC);
                uint32_t last = en->between_end;
                if (last <= en->between_start)
                        last += 86400; /* the window runs over midnight */
                if (step == 0)
                        return -EINVAL;
                size_t n = (last - en->between_start) / step + 1;
                t->v = malloc(sizeof(uint32_t) * n);
                if (!t->v)
                        return -ENOMEM;
                for (size_t k = 0; k < n; k++)
                        t->v[k] = en->between_start + (uint32_t) k * step;
                t->n = n;
                e->per_day += n;
                if (en->enabled)
                        add_events_on(e, en, n);
        }

        *ret = TAKE_PTR(e);
        return 0;
}


/* Local times that a day's occurrences use reach two days past its midnight (a block's end, a
 * window over midnight); instants showing them lie within the largest offset of them. */
#define DAY_REACH (2 * 86400 + 26 * 3600)


static int dayzone_init(const Engine *e, int64_t dlo, int64_t dhi, DayZone *ret);

/* dayzone_init(), or the kept days when they cover [dlo, dhi]: *ret then borrows them
 * (ret->v must not be freed: *owned says). */
static int dayzone_get(const Engine *e, int64_t dlo, int64_t dhi, DayZone *ret, bool *owned) {
        ZoneMemo *zm = e->zone_memo;
        int r;

        if (zm && zm->z.v && dlo >= zm->z.first && dhi < zm->z.first + (int64_t) zm->z.n) {
                *ret = zm->z;
                *owned = false;
                return 0;
        }
        r = dayzone_init(e, dlo, dhi, ret);
        if (r < 0)
                return r;
        *owned = true;
        /* Small windows (one entry's, a day's) are the repeated ones; keep those. */
        if (zm && dhi - dlo <= 40) {
                free(zm->z.v);
                zm->z = *ret;
                *owned = false;
        }
        return 0;
}

static int dayzone_init(const Engine *e, int64_t dlo, int64_t dhi, DayZone *ret) {
        DayZone z = { .first = dlo, .n = (size_t) (dhi - dlo + 1) };

        z.v = malloc(sizeof(*z.v) * z.n);
        if (!z.v)
                return -ENOMEM;
        for (size_t k = 0; k < z.n; k++) {
                int64_t lo = (dlo + (int64_t) k) * 86400 - 26 * 3600, next;
                z.v[k].offset = tz_offset(e->tz, lo);
                z.v[k].fixed = !tz_next_change(e->tz, lo, &next) || next > lo + DAY_REACH;
        }
        *ret = z;
        return 0;
}

static usec_t instant_of_local(const Engine *e, const DayZone *z, int64_t day, int64_t local) {
        int64_t t;

        if (z && day >= z->first && day < z->first + (int64_t) z->n && z->v[day - z->first].fixed)
                t = local - z->v[day - z->first].offset;
        else
                t = tz_from_local(e->tz, local);
        return t <= 0 ? 0 : (usec_t) t * USEC_PER_SEC;
}

int64_t day_of_instant(const Engine *e, usec_t t) {
        return local_day(tz_to_local(e->tz, (int64_t) (t / USEC_PER_SEC)));
}

static bool entry_on_day(const Entry *en, int64_t day) {
        return en->days & (1u << weekday_from_days(day));
}

/* The planned occurrences of entry i on local day `day`, in order. */
static int gen_entry_day(const Engine *e, const DayZone *z, size_t i, int64_t day, OccBuf *b) {
        const Entry *en = &e->config->entries[i];
        int r;

        if (!entry_on_day(en, day))
                return 0;

        if (en->type == ENTRY_RECHARGE) {
                Occ o = { .entry = (int) i };
                o.start = instant_of_local(e, z, day, day * 86400 + en->start);
                if (en->has_end)
                        o.end = instant_of_local(e, z, day, (day + (en->end <= en->start)) * 86400 + en->end);
                else
                        o.end = o.start + en->duration;
                /* A wall-clock block that a DST change left with no time at all does not happen. */
                if (o.end <= o.start)
                        return 0;
                o.of = o.start;
                return occ_push(b, &o);
        }

        const Times *t = &e->times[i];
        usec_t prev = 0;
        for (size_t k = 0; k < t->n; k++) {
                Occ o = { .entry = (int) i, .reminder = true };
                o.start = o.of = instant_of_local(e, z, day, day * 86400 + t->v[k]);
                /* Two clock times in one spring-forward gap land on the same instant: once. */
                if (k > 0 && o.start == prev)
                        continue;
                prev = o.start;
                r = occ_push(b, &o);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const EntryOverlay *overlay_entry(const Overlay *o, size_t i) {
        if (!o || !o->entries || i >= o->n_entries)
                return NULL;
        return &o->entries[i];
}

static const Override *find_override(const EntryOverlay *eo, usec_t of) {
        if (!eo)
                return NULL;
        for (size_t k = 0; k < eo->n_overrides; k++)
                if (eo->overrides[k].of == of)
                        return &eo->overrides[k];
        return NULL;
}

/* Whether `of` is a planned occurrence of entry i; fills *ret with it. */
static int find_planned(const Engine *e, size_t i, usec_t of, Occ *ret) {
        OccBuf b = {};
        int64_t day = day_of_instant(e, of);
        int r = 0;

        /* A reminder of a window over midnight belongs to the day before its clock day. */
        for (int64_t d = day - 1; d <= day && r >= 0; d++)
                r = gen_entry_day(e, NULL, i, d, &b);
        if (r >= 0) {
                r = -ENOENT;
                for (size_t k = 0; k < b.n; k++)
                        if (b.v[k].of == of) {
                                *ret = b.v[k];
                                r = 0;
                                break;
                        }
        }
        free(b.v);
        return r;
}

bool in_pause(const Overlay *o, usec_t t) {
        return o && o->paused_since != 0 && t >= o->paused_since && t < o->paused_until;
}

/* Applies an override to a planned occurrence. False when it is skipped. */
static bool apply_override(const Override *ov, Occ *occ) {
        if (!ov)
                return true;
        if (ov->start == 0)
                return false;
        occ->start = ov->start;
        if (!occ->reminder)
                occ->end = ov->end;
        return true;
}

/* Keeps an occurrence as it now stands: blocks that now start in a pause, or that were cut to
 * nothing, do not happen. */
static bool keep_occ(const Overlay *o, const Occ *occ) {
        if (occ->reminder)
                return true;
        return occ->end > occ->start && !in_pause(o, occ->start);
}

/* Every occurrence of every enabled entry planned on the local days that [gs, ge) touches, with
 * the overrides applied, plus overridden occurrences planned outside those days. Reminders are
 * not yet held. */
static int gen_kinds(const Engine *e, const Overlay *o, usec_t block_gs, usec_t rem_gs, usec_t ge, int only,
                     OccBuf *b);

int gen_window(const Engine *e, const Overlay *o, usec_t gs, usec_t ge, int only, OccBuf *b) {
        return gen_kinds(e, o, gs, gs, ge, only, b);
}

/* gen_window() with blocks from block_gs on and reminders from rem_gs on (USEC_INFINITY: none
 * of that kind): a range needs blocks days back (the recharges that may hold its reminders) but
 * reminders only from where those recharges begin, and most entries of a schedule are
 * reminders. */
static int gen_kinds_of(const Engine *e, const Overlay *o, usec_t block_gs, usec_t rem_gs, usec_t ge, int only,
                        const size_t *list, size_t n_list, OccBuf *b);

static int gen_kinds(const Engine *e, const Overlay *o, usec_t block_gs, usec_t rem_gs, usec_t ge, int only,
                     OccBuf *b) {
        return gen_kinds_of(e, o, block_gs, rem_gs, ge, only, NULL, 0, b);
}

/* gen_kinds() of the entries list[0, n_list) (in that order) when list is not NULL. */
static int gen_kinds_of(const Engine *e, const Overlay *o, usec_t block_gs, usec_t rem_gs, usec_t ge, int only,
                        const size_t *list, size_t n_list, OccBuf *b) {
        int64_t dhi = day_of_instant(e, ge) + 1;
        int64_t block_dlo = block_gs == USEC_INFINITY ? INT64_MAX : day_of_instant(e, block_gs) - 1;
        int64_t rem_dlo = rem_gs == USEC_INFINITY ? INT64_MAX : day_of_instant(e, rem_gs) - 1;
        int64_t dlo = MIN(block_dlo, rem_dlo);
        DayZone z;
        int r;

        if (dlo > dhi)
                return 0;

        /* One entry's occurrences cost that entry's work: looping over all the others to skip
         * them made an entry's live state O(entries), and every entry's, at a boundary or in
         * ListEntries, O(entries²). */
        size_t lo = only >= 0 ? (size_t) only : 0;
        size_t hi = only >= 0 ? MIN((size_t) only + 1, e->config->n_entries) : e->config->n_entries;

        if (list) {
                lo = 0;
                hi = n_list;
        }
        if (lo >= hi)
                return 0;
        bool owned;
        r = dayzone_get(e, dlo, dhi, &z, &owned);
        if (r < 0)
                return r;
        for (size_t x = lo; x < hi && r >= 0; x++) {
                size_t i = list ? list[x] : x;
                const EntryOverlay *eo = overlay_entry(o, i);
                bool matched[OVERRIDES_MAX] = {};

                if (!e->config->entries[i].enabled)
                        continue;
                int64_t first = e->config->entries[i].type == ENTRY_SELFCARE ? rem_dlo : block_dlo;
                if (first == INT64_MAX)
                        continue; /* not of the kinds asked for, overrides included */

                usec_t last_of = 0;
                for (int64_t d = first; d <= dhi && r >= 0; d++) {
                        /* Generated straight into b, then filtered in place. */
                        size_t n0 = b->n, w = n0;
                        r = gen_entry_day(e, &z, i, d, b);
                        for (size_t k = n0; k < b->n && r >= 0; k++) {
                                Occ occ = b->v[k];
                                /* A skipped calendar day (Apia, 2011-12-30) moves forward onto the
                                 * next one: what lands on an instant already planned is the same
                                 * occurrence, once. Local→instant never goes backwards. */
                                if (occ.of <= last_of)
                                        continue;
                                last_of = occ.of;
                                const Override *ov = find_override(eo, occ.of);
                                if (ov)
                                        matched[ov - eo->overrides] = true;
                                if (apply_override(ov, &occ) && keep_occ(o, &occ))
                                        b->v[w++] = occ;
                        }
                        b->n = w;
                }

                /* Occurrences planned outside these days may have been moved into them. */
                for (size_t k = 0; eo && k < eo->n_overrides && r >= 0; k++) {
                        const Override *ov = &eo->overrides[k];
                        Occ occ;

                        /* A state file may hold two for one occurrence: the first one found is
                         * the one (find_override(), put_override()); a later one is no second
                         * occurrence. */
                        if (matched[k] || ov->start == 0 || find_override(eo, ov->of) != ov)
                                continue;
                        if (find_planned(e, i, ov->of, &occ) < 0)
                                continue; /* the config changed under it */
                        apply_override(ov, &occ);
                        if (keep_occ(o, &occ))
                                r = occ_push(b, &occ);
                }
        }

        if (owned)
                free(z.v);
        return r;
}

static int cmp_span(const void *a, const void *b) {
        const Span *x = a, *y = b;
        return x->start < y->start ? -1 : x->start > y->start;
}

/* The union of the dnd recharges among occs (and the manual one) and the time the person is
 * away from the screen, merged and in order. Spans that touch merge: a reminder due the instant
 * one ends and the next begins is still held.
 *
 * Away time holds reminders here, as a span of the overlay, rather than in a queue of the
 * manager: a span that opens when the screen locks and closes when the person is back is what
 * an open-ended manual recharge and its Stop already are, so the release at the return, one
 * reminder per entry, the Held flag, n_held and a restart in between (the span is in the state
 * file) all come from the one rule that is already tested, and the engine stays pure. */
static int dnd_spans(const Engine *e, const Overlay *o, const OccBuf *b, Span **ret, size_t *ret_n) {
        size_t n = 0, m = 0;
        Span *v;

        v = malloc(sizeof(Span) * (b->n + 2));
        if (!v)
                return -ENOMEM;
        if (o && o->away_since != 0 && (o->away_until == 0 || o->away_until > o->away_since))
                v[n++] = (Span) { o->away_since, o->away_until ?: USEC_INFINITY };
        for (size_t k = 0; k < b->n; k++) {
                const Occ *occ = &b->v[k];
                if (occ->reminder)
                        continue;
                if (occ->entry != ENTRY_MANUAL && !e->config->entries[occ->entry].dnd)
                        continue;
                v[n++] = (Span) { occ->start, occ->end };
        }
        if (n > 1)
                qsort(v, n, sizeof(Span), cmp_span);
        for (size_t k = 0; k < n; k++) {
                if (m > 0 && v[k].start <= v[m - 1].end) {
                        v[m - 1].end = MAX(v[m - 1].end, v[k].end);
                        continue;
                }
                v[m++] = v[k];
        }
        *ret = v;
        *ret_n = m;
        return 0;
}

/* The merged span holding t, or NULL. */
const Span *span_holding(const Span *v, size_t n, usec_t t) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (v[mid].start <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0 || t >= v[lo - 1].end)
                return NULL;
        return &v[lo - 1];
}

void occ_sort_held(Occ *v, size_t n) {
        /* One entry's occurrences come day by day, already in order, unless an override moved
         * one: checking costs a compare each, a sort (with its buffer) far more. */
        for (size_t k = 1; k < n; k++)
                if (cmp_held(&v[k - 1], &v[k]) > 0) {
                        qsort(v, n, sizeof(Occ), cmp_held);
                        return;
                }
}

int cmp_held(const void *a, const void *b) {
        const Occ *x = a, *y = b;
        if (x->entry != y->entry)
                return x->entry < y->entry ? -1 : 1;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return x->of < y->of ? -1 : x->of > y->of;
}

/* Builds the occurrences that bear on [from, to): blocks as they stand, the manual recharge,
 * and reminders at the instant they are shown (held ones moved to the end of their recharge,
 * one per entry per recharge, the ones in a pause dropped). */
static int build_of(const Engine *e, const Overlay *o, usec_t from, usec_t to, bool reminders, int only, OccBuf *b,
                    Span **ret_spans, size_t *ret_n_spans);

static int build(const Engine *e, const Overlay *o, usec_t from, usec_t to, bool reminders, OccBuf *b) {
        return build_of(e, o, from, to, reminders, -1, b, NULL, NULL);
}

/* The manual recharge as an occurrence; false when there is none. */
static bool manual_occ(const Overlay *o, Occ *ret) {
        if (!o || o->manual_since == 0)
                return false;
        *ret = (Occ) {
                .entry = ENTRY_MANUAL,
                .of = o->manual_since,
                .start = o->manual_since,
                .end = o->manual_until ? o->manual_until : USEC_INFINITY,
        };
        return ret->end > ret->start;
}

/* The dnd spans build() sees for [from, to), from the dnd entries' blocks alone (the others'
 * blocks hold nothing): what one entry's occurrences need, at the cost of those entries. */
static int dnd_spans_of(const Engine *e, const Overlay *o, usec_t gs, usec_t ge, Span **ret, size_t *ret_n) {
        OccBuf d = {};
        Occ m;
        int r;

        r = gen_kinds_of(e, o, gs, USEC_INFINITY, ge, -1, e->dnd, e->n_dnd, &d);
        if (r >= 0 && manual_occ(o, &m))
                r = occ_push(&d, &m);
        if (r >= 0)
                r = dnd_spans(e, o, &d, ret, ret_n);
        free(d.v);
        return r;
}

/* build(), or (only ≥ 0) the part of it that is entry `only`'s occurrences, held alike. */
static int build_of(const Engine *e, const Overlay *o, usec_t from, usec_t to, bool reminders, int only, OccBuf *b,
                    Span **ret_spans, size_t *ret_n_spans) {
        usec_t gs = from > LOOKBACK_USEC ? from - LOOKBACK_USEC : 0;
        usec_t ge = to < USEC_INFINITY - LOOKAHEAD_USEC ? to + LOOKAHEAD_USEC : USEC_INFINITY;
        _cleanup_free_ Span *spans = NULL;
        size_t n_spans, w = 0;
        int r;

        if (only >= 0) {
                if ((size_t) only >= e->config->n_entries)
                        return -EINVAL;
                r = gen_kinds(e, o, gs, USEC_INFINITY, ge, only, b);
                if (r >= 0)
                        r = dnd_spans_of(e, o, gs, ge, &spans, &n_spans);
                if (r < 0)
                        return r;
                goto reminders;
        }

        /* Room for every occurrence of the window at once, rather than growing step by step. */
        if (b->cap == 0 && ge != USEC_INFINITY) {
                size_t days = (ge - gs) / USEC_PER_DAY + 4;
                b->cap = days * e->per_day + OVERRIDES_MAX * e->config->n_entries + 2;
                b->v = malloc(sizeof(Occ) * b->cap);
                if (!b->v)
                        return -ENOMEM;
        }
        /* Blocks first: their dnd spans say how far back reminders can matter. */
        r = gen_kinds(e, o, gs, USEC_INFINITY, ge, -1, b);
        if (r < 0)
                return r;

        Occ m;
        if (manual_occ(o, &m)) {
                r = occ_push(b, &m);
                if (r < 0)
                        return r;
        }

        r = dnd_spans(e, o, b, &spans, &n_spans);
        if (r < 0)
                return r;

reminders:
        if (reminders) {
                /* A reminder before `from` shows in the range only if held by a span that ends in
                 * it (or later), and then it lies inside that span. Spans are merged and in order,
                 * so the first one ending at `from` or later begins first. */
                usec_t rem_gs = from;
                for (size_t k = 0; k < n_spans; k++)
                        if (spans[k].end >= from) {
                                rem_gs = MIN(rem_gs, spans[k].start);
                                break;
                        }
                r = gen_kinds(e, o, USEC_INFINITY, MAX(rem_gs, gs), ge, only, b);
                if (r < 0)
                        return r;
        }

        /* Hold reminders: a held one moves to the end of the recharge holding it (never, for one
         * held until Stop). Reminders go to a list of their own so that releases collapse: one
         * per entry per recharge, and none beside a planned one at the same instant. */
        Occ *rem = malloc(sizeof(Occ) * (b->n + 1));
        size_t n_rem = 0;
        if (!rem)
                return -ENOMEM;
        for (size_t k = 0; k < b->n; k++) {
                Occ occ = b->v[k];
                if (!occ.reminder) {
                        b->v[w++] = occ;
                        continue;
                }
                const Span *s = span_holding(spans, n_spans, occ.start);
                if (s) {
                        occ.start = s->end;
                        occ.held = true;
                }
                if (in_pause(o, occ.start))
                        continue;
                rem[n_rem++] = occ;
        }
        /* Usually in order already (entries in order, each one's days in order, holding never
         * reorders one entry's reminders); only overrides that moved one need a sort. */
        for (size_t k = 1; k < n_rem; k++)
                if (cmp_held(&rem[k - 1], &rem[k]) > 0) {
                        qsort(rem, n_rem, sizeof(Occ), cmp_held);
                        break;
                }
        for (size_t k = 0; k < n_rem; k++) {
                if (k + 1 < n_rem && rem[k + 1].entry == rem[k].entry && rem[k + 1].start == rem[k].start) {
                        /* The last one stands for the group; it was held if any was. */
                        rem[k + 1].held = rem[k + 1].held || rem[k].held;
                        continue;
                }
                b->v[w++] = rem[k];
        }
        free(rem);
        b->n = w;
        if (ret_spans) {
                *ret_spans = TAKE_PTR(spans);
                *ret_n_spans = n_spans;
        }
        return 0;
}

int engine_window_blocks(const Engine *e, const Overlay *o, usec_t from, usec_t to, OccBuf *b, Span **ret_spans,
                         size_t *ret_n_spans) {
        int r;

        r = build(e, o, from, to, false, b);
        if (r < 0)
                return r;
        return dnd_spans(e, o, b, ret_spans, ret_n_spans);
}

static int cmp_event(const void *a, const void *b) {
        return event_cmp(a, b);
}

/* Events of [from, to), by time, then kind, entry and occurrence. */
#define EVENT_TIME(x) ((x).time)
DEFINE_BUCKET_SORT(sort_events_in, Event, EVENT_TIME, cmp_event)

static int sort_events(Event *v, size_t n, usec_t from, usec_t to) {
        return sort_events_in(v, n, from, to > from ? to - 1 : from);
}

typedef struct EventBuf {
        Event *v;
        size_t n, cap;
} EventBuf;

static int ev_push(EventBuf *b, usec_t from, usec_t to, const Event *ev) {
        if (ev->time < from || ev->time >= to)
                return 0;
        if (b->n >= b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 256;
                Event *v = realloc(b->v, cap * sizeof(Event));
                if (!v)
                        return -ENOMEM;
                b->v = v;
                b->cap = cap;
        }
        b->v[b->n++] = *ev;
        return 0;
}

/* A long range over a big schedule is done in pieces: each piece's events fit in the caches
 * while they are sorted, and ranges split cleanly, so the pieces simply follow each other. */
#define CHUNK_USEC (32 * USEC_PER_DAY)
#define CHUNK_MIN_ENTRIES 200

static int range_chunked(const Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n) {
        Event *all = NULL;
        size_t n = 0;

        for (usec_t a = from; a < to;) {
                usec_t b = to - a > CHUNK_USEC ? a + CHUNK_USEC : to;
                _cleanup_free_ Event *v = NULL;
                size_t k;
                int r;

                r = engine_range(e, o, a, b, &v, &k);
                if (r >= 0 && k > 0) {
                        Event *x = realloc(all, sizeof(Event) * (n + k));
                        if (!x)
                                r = -ENOMEM;
                        else {
                                all = x;
                                memcpy(all + n, v, sizeof(Event) * k);
                                n += k;
                        }
                }
                if (r < 0) {
                        free(all);
                        return r;
                }
                a = b;
        }
        *ret = all;
        *ret_n = n;
        return 0;
}

static int range_of(const Engine *e, const Overlay *o, usec_t from, usec_t to, int only, Event **ret, size_t *ret_n,
                    OccBuf *ret_blocks, Span **ret_spans, size_t *ret_n_spans);

int engine_range(const Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n) {
        return range_of(e, o, from, to, -1, ret, ret_n, NULL, NULL, NULL);
}

int engine_range_window(const Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n,
                        OccBuf *ret_blocks, Span **ret_spans, size_t *ret_n_spans) {
        if (to - from > 2 * CHUNK_USEC)
                return -EINVAL; /* one build, not pieces */
        return range_of(e, o, from, to, -1, ret, ret_n, ret_blocks, ret_spans, ret_n_spans);
}

int engine_range_entry(const Engine *e, const Overlay *o, size_t i, usec_t from, usec_t to, Event **ret,
                       size_t *ret_n) {
        if (i >= e->config->n_entries)
                return -EINVAL;
        return range_of(e, o, from, to, (int) i, ret, ret_n, NULL, NULL, NULL);
}

int engine_window_blocks_entry(const Engine *e, const Overlay *o, size_t i, usec_t from, usec_t to, OccBuf *b) {
        usec_t gs = from > LOOKBACK_USEC ? from - LOOKBACK_USEC : 0;
        usec_t ge = to < USEC_INFINITY - LOOKAHEAD_USEC ? to + LOOKAHEAD_USEC : USEC_INFINITY;

        if (i >= e->config->n_entries)
                return -EINVAL;
        /* build()'s blocks are gen_kinds()'s, entry by entry, untouched by holding. */
        return gen_kinds(e, o, gs, USEC_INFINITY, ge, (int) i, b);
}

/* engine_range(), or (only ≥ 0) the part of it that is entry `only`'s events. */
static int range_of(const Engine *e, const Overlay *o, usec_t from, usec_t to, int only, Event **ret, size_t *ret_n,
                    OccBuf *ret_blocks, Span **ret_spans, size_t *ret_n_spans) {
        _cleanup_free_ Span *spans = NULL;
        size_t n_spans = 0;
        usec_t heads_up = e->config->heads_up;
        OccBuf b = {};
        EventBuf evs = {};
        int r;

        if (to < from)
                return -EINVAL;
        if (to == from) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }

        if (only < 0 && e->config->n_entries >= CHUNK_MIN_ENTRIES && to - from > 2 * CHUNK_USEC)
                return range_chunked(e, o, from, to, ret, ret_n);

        r = build_of(e, o, from, to, true, only, &b, ret_spans ? &spans : NULL, &n_spans);
        if (r >= 0 && b.n > 0) {
                /* At most three events an occurrence: no growing on the way. */
                evs.cap = b.n * 3;
                evs.v = malloc(sizeof(Event) * evs.cap);
                if (!evs.v)
                        r = -ENOMEM;
        }
        for (size_t k = 0; k < b.n && r >= 0; k++) {
                const Occ *occ = &b.v[k];
                usec_t end = occ->end == USEC_INFINITY ? 0 : occ->end;
                Event ev = { .entry = occ->entry, .of = occ->of, .start = occ->start, .end = end };

                if (occ->reminder) {
                        ev.kind = EVENT_REMINDER;
                        ev.time = occ->start;
                        ev.end = 0;
                        ev.held = occ->held;
                        r = ev_push(&evs, from, to, &ev);
                        continue;
                }

                ev.kind = EVENT_START;
                ev.time = occ->start;
                r = ev_push(&evs, from, to, &ev);
                if (r >= 0 && end != 0) {
                        ev.kind = EVENT_END;
                        ev.time = end;
                        r = ev_push(&evs, from, to, &ev);
                }
                if (r >= 0 && occ->entry != ENTRY_MANUAL && heads_up > 0 && occ->start > heads_up) {
                        ev.kind = EVENT_HEADS_UP;
                        ev.time = occ->start - heads_up;
                        r = ev_push(&evs, from, to, &ev);
                }
        }
        if (r >= 0 && ret_blocks) {
                /* What engine_window_blocks() would build again: the same blocks, untouched by
                 * holding, in the same order, and the same spans. */
                size_t w = 0;
                for (size_t k = 0; k < b.n; k++)
                        if (!b.v[k].reminder)
                                b.v[w++] = b.v[k];
                b.n = w;
                *ret_blocks = b;
                b = (OccBuf) {};
                *ret_spans = TAKE_PTR(spans);
                *ret_n_spans = n_spans;
        }
        free(b.v);
        if (r < 0) {
                free(evs.v);
                return r;
        }

        r = sort_events(evs.v, evs.n, from, to);
        if (r < 0) {
                if (ret_blocks) {
                        free(ret_blocks->v);
                        *ret_blocks = (OccBuf) {};
                        free(*ret_spans);
                        *ret_spans = NULL;
                }
                free(evs.v);
                return r;
        }
        *ret = evs.v;
        *ret_n = evs.n;
        return 0;
}

/* ev events planned on a day, of which `secs` seconds are in the range: in proportion, rounded up. */
static uint64_t part_of_day(uint64_t ev, int64_t secs) {
        return (ev * (uint64_t) secs + 86399) / 86400;
}

uint64_t engine_count_estimate(const Engine *e, usec_t from, usec_t to) {
        uint64_t week = 0, n = 0;

        if (to <= from)
                return 0;
        /* Local wall-clock seconds: a day is its planned occurrences, whatever its length. */
        int64_t a = tz_to_local(e->tz, (int64_t) (from / USEC_PER_SEC));
        int64_t b = tz_to_local(e->tz, (int64_t) ((to + USEC_PER_SEC - 1) / USEC_PER_SEC));
        int64_t da = local_day(a), db = local_day(b);

        if (b <= a)
                b = a + 1;
        if (da == db)
                return part_of_day(e->events_on[weekday_from_days(da)], b - a);

        for (int w = 0; w < 7; w++)
                week += e->events_on[w];
        n = part_of_day(e->events_on[weekday_from_days(da)], (da + 1) * 86400 - a);
        n += part_of_day(e->events_on[weekday_from_days(db)], b - db * 86400);
        /* Whole days between: whole weeks at once, then what is left of a week. */
        int64_t whole = db - da - 1;
        n += (uint64_t) (whole / 7) * week;
        for (int64_t d = da + 1 + whole / 7 * 7; d < db; d++)
                n += e->events_on[weekday_from_days(d)];
        return n;
}

int engine_next(const Engine *e, const Overlay *o, usec_t after, Event *ret) {
        if (after >= USEC_INFINITY - HORIZON_USEC)
                return -ENOENT;

        /* Most schedules have something within two days; widen the window only when not. */
        for (usec_t span = 2 * USEC_PER_DAY;; span = MIN(span * 4, HORIZON_USEC)) {
                _cleanup_free_ Event *v = NULL;
                size_t n;
                int r;

                r = engine_range(e, o, after + 1, after + 1 + span, &v, &n);
                if (r < 0)
                        return r;
                if (n > 0) {
                        *ret = v[0];
                        return 0;
                }
                if (span >= HORIZON_USEC)
                        return -ENOENT;
        }
}

int engine_entry_occurrence(const Engine *e, const Overlay *o, size_t i, usec_t now, usec_t *ret_start,
                            usec_t *ret_end, usec_t *ret_of) {
        if (i >= e->config->n_entries)
                return -EINVAL;
        if (!e->config->entries[i].enabled)
                return -ENOENT;

        /* The same windows and order as engine_entry_next(), so the two always agree. */
        for (usec_t span = 2 * USEC_PER_DAY; span <= 16 * USEC_PER_DAY; span *= 2) {
                OccBuf b = {};
                int r = gen_window(e, o, now > USEC_PER_DAY ? now - USEC_PER_DAY : 0, now + span, (int) i, &b);
                if (r < 0) {
                        free(b.v);
                        return r;
                }
                occ_sort_held(b.v, b.n);
                for (size_t k = 0; k < b.n; k++) {
                        const Occ *occ = &b.v[k];
                        if (occ->reminder ? occ->start <= now : occ->end <= now)
                                continue;
                        if (ret_start)
                                *ret_start = occ->start;
                        if (ret_end)
                                *ret_end = occ->reminder ? 0 : occ->end;
                        if (ret_of)
                                *ret_of = occ->of;
                        free(b.v);
                        return 0;
                }
                free(b.v);
        }
        return -ENOENT;
}

/* Whether recharge a counts over b: the later end wins (open-ended is latest); on a tie a
 * scheduled block wins over the manual recharge, then the first entry by name. */
bool counts_over(const Occ *a, const Occ *b) {
        if (a->end != b->end)
                return a->end > b->end;
        if ((a->entry == ENTRY_MANUAL) != (b->entry == ENTRY_MANUAL))
                return b->entry == ENTRY_MANUAL;
        return a->entry < b->entry;
}

int engine_at(const Engine *e, const Overlay *o, usec_t t, EngineStatus *ret) {
        _cleanup_free_ Span *spans = NULL;
        EngineStatus s = { .entry = ENTRY_MANUAL };
        OccBuf b = {};
        size_t n_spans;
        const Occ *best = NULL;
        int r;

        /* Only blocks and their spans count here (held reminders are counted below). */
        r = build(e, o, t, t + 1, false, &b);
        if (r < 0)
                goto finish;

        s.paused = in_pause(o, t);
        for (size_t k = 0; k < b.n; k++) {
                const Occ *occ = &b.v[k];
                if (occ->reminder || occ->start > t || t >= occ->end)
                        continue;
                if (occ->entry != ENTRY_MANUAL)
                        s.n_blocks++;
                if (occ->entry == ENTRY_MANUAL || e->config->entries[occ->entry].dnd)
                        s.dnd = true;
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

        /* Held reminders: released at the end of the recharge holding t, still ahead. */
        r = dnd_spans(e, o, &b, &spans, &n_spans);
        if (r < 0)
                goto finish;
        const Span *sp = span_holding(spans, n_spans, t);
        if (sp) {
                OccBuf all = {};
                int last = -2;

                r = gen_window(e, o, sp->start, t + 1, -1, &all);
                if (r >= 0)
                        occ_sort_held(all.v, all.n);
                for (size_t k = 0; k < all.n && r >= 0; k++) {
                        const Occ *occ = &all.v[k];
                        if (occ->reminder && occ->start >= sp->start && occ->start <= t && occ->entry != last) {
                                s.n_held++;
                                last = occ->entry;
                        }
                }
                free(all.v);
                if (r < 0)
                        goto finish;
        }
        *ret = s;
        r = 0;
finish:
        free(b.v);
        return r;
}

