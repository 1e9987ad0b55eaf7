/* SPDX-License-Identifier: MIT */
/* engine-internal.h: what engine.c (occurrences, events) shares with engine-changes.c (the pure
 * state changes): the occurrence type and the window generator. Not for other modules. */
#pragma once

#include "engine.h"

/* Overrides older than this are dropped; done/snooze look this far back for the last reminder. */
#define KEEP_USEC (8 * USEC_PER_DAY)
/* Snoozing a selfcare entry brings back the reminder shown last if it came this recently (a
 * click on its notification); else it moves the next one. */
#define RECENT_USEC USEC_PER_HOUR

/* Reminder wall-clock times of one selfcare entry, as seconds from the start of its day
 * (past 86400 when an `every` window runs over midnight). */
typedef struct Times {
        uint32_t *v;
        size_t n;
} Times;

typedef struct EngineCache EngineCache;
typedef struct ZoneMemo ZoneMemo;

struct Engine {
        const Config *config;
        const Tz *tz;
        Times *times; /* one per entry, empty for recharge entries */
        size_t per_day; /* occurrences a day at most, all entries together */
        uint64_t events_on[7]; /* events planned on each weekday (0 = Monday), all entries */
        EngineCache *cache;    /* engine_cached_*(): answers kept while the overlay is the same */
        size_t *dnd;           /* the enabled recharge entries with dnd: the only ones that hold */
        size_t n_dnd;
        ZoneMemo *zone_memo;   /* the last few days' offsets (a memo of the zone: the engine stays pure) */
};

/* One occurrence as it now stands. end == USEC_INFINITY: open-ended (manual). */
typedef struct Occ {
        int entry;
        bool reminder;
        bool held;
        usec_t of, start, end;
} Occ;

typedef struct OccBuf {
        Occ *v;
        size_t n, cap;
} OccBuf;

int occ_push(OccBuf *b, const Occ *o);
/* Every occurrence of every enabled entry (or only entry `only` when ≥ 0) that bears on
 * [gs, ge), with the overrides applied; reminders not yet held. */
int gen_window(const Engine *e, const Overlay *o, usec_t gs, usec_t ge, int only, OccBuf *b);
/* Occurrences by entry, then start, then planned instant. */
int cmp_held(const void *a, const void *b);
/* Sorts v by cmp_held(), as qsort() would (glibc's is stable), skipping the sort when in order. */
void occ_sort_held(Occ *v, size_t n);

typedef struct Span {
        usec_t start, end;
} Span;

/* What engine-cache.c shares of engine_at()'s rules, so that its answers are engine_at()'s. */
int64_t day_of_instant(const Engine *e, usec_t t);
bool in_pause(const Overlay *o, usec_t t);
const Span *span_holding(const Span *v, size_t n, usec_t t);
bool counts_over(const Occ *a, const Occ *b);
/* The blocks (and the manual recharge) that engine_at() sees for any instant of [from, to),
 * as build() makes them, and their merged dnd spans (the away span included). */
int engine_window_blocks(const Engine *e, const Overlay *o, usec_t from, usec_t to, OccBuf *b, Span **ret_spans,
                         size_t *ret_n_spans);

/* The part of engine_range() that is entry i's events, exactly, at the cost of that entry and
 * the dnd entries (whose blocks hold its reminders), not of the whole schedule. */
int engine_range_entry(const Engine *e, const Overlay *o, size_t i, usec_t from, usec_t to, Event **ret,
                       size_t *ret_n);
/* engine_range() of a short range (at most 64 days) and engine_window_blocks() of the same
 * range from one build: *ret_blocks and *ret_spans are what the latter gives. */
int engine_range_window(const Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n,
                        OccBuf *ret_blocks, Span **ret_spans, size_t *ret_n_spans);
/* The part of engine_window_blocks()' occurrences that is entry i's (blocks only; appended to b). */
int engine_window_blocks_entry(const Engine *e, const Overlay *o, size_t i, usec_t from, usec_t to, OccBuf *b);

/* engine-cache.c's memo, owned by the Engine (made on first use, freed with it): a new schedule
 * or zone is a new Engine, so nothing computed for the old one can be served for the new. */
EngineCache *engine_cache_free(EngineCache *c);
