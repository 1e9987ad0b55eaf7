/* SPDX-License-Identifier: MIT */
/* engine.h: the schedule engine: schedule + user overlay + instant → what is on, what comes next.
 * Pure: no I/O, no globals, no clock reads; the time zone and the instant are passed in. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "tz.h"

/* The order is the tie order for events at the same instant: end before start before heads-up
 * before reminder, then by entry (index order is name order; the manual recharge, -1, first). */
typedef enum EventKind {
        EVENT_END,
        EVENT_START,
        EVENT_HEADS_UP,
        EVENT_REMINDER,
        _EVENT_KIND_MAX,
        _EVENT_KIND_INVALID = -EINVAL,
} EventKind;
const char *event_kind_to_string(EventKind k); /* "end", "start", "heads-up", "reminder" */
EventKind event_kind_from_string(const char *s);

#define ENTRY_MANUAL (-1)

typedef struct Event {
        usec_t time;         /* when it happens */
        EventKind kind;
        int entry;           /* index into Config.entries, or ENTRY_MANUAL */
        usec_t of;           /* the occurrence's identity: its planned start (blocks) or planned
                              * due time (reminders), before any override */
        usec_t start, end;   /* blocks: the occurrence as it now stands; end 0 = open-ended
                              * (manual); reminders: start = time shown, end = 0 */
        bool held;           /* a reminder released at the end of a dnd recharge */
} Event;

/* The order of events: by time, then the tie order (kind, entry), then the occurrence. Two
 * events equal in it are the same event twice. */
static inline int event_cmp(const Event *x, const Event *y) {
        if (x->time != y->time)
                return x->time < y->time ? -1 : 1;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        if (x->entry != y->entry)
                return x->entry < y->entry ? -1 : 1;
        return x->of < y->of ? -1 : x->of > y->of;
}

/* What the user changed about one occurrence: snoozed, started early, stopped, extended, or
 * skipped. Kept per entry; the daemon prunes the ones wholly in the past. */
#define OVERRIDES_MAX 8
typedef struct Override {
        usec_t of;           /* planned start / planned due time of the occurrence */
        usec_t start;        /* its start / due time now; 0 = skipped */
        usec_t end;          /* blocks: its end now */
} Override;

typedef struct EntryOverlay {
        Override overrides[OVERRIDES_MAX];
        size_t n_overrides;
        usec_t done;         /* reminders: `of` of the last one marked done, 0 none */
        usec_t shown;        /* reminders: `of` of the last one really shown (or held and
                              * released), 0 none: only that one can be marked done */
} EntryOverlay;

typedef struct Overlay {
        EntryOverlay *entries;   /* one per Config entry (same index), owned by the caller */
        size_t n_entries;
        usec_t paused_since;     /* 0: not paused */
        usec_t paused_until;     /* USEC_INFINITY: until Resume */
        usec_t manual_since;     /* 0: no manual recharge */
        usec_t manual_until;     /* 0: until Stop */
        usec_t away_since;       /* 0: the person is at the screen (or we cannot tell); else
                                  * reminders due from here on are held like in a dnd recharge */
        usec_t away_until;       /* 0: still away; else when they came back (the held ones are
                                  * released then) */
} Overlay;

typedef struct Engine Engine;

/* Precomputes what the engine needs from a validated Config and a zone. Both must outlive the
 * Engine (it keeps pointers, copies nothing big). */
int engine_new(const Config *c, const Tz *tz, Engine **ret);
Engine *engine_free(Engine *e);
static inline void engine_freep(Engine **e) {
        engine_free(*e);
}

/* Every event with from ≤ time < to, in order. *ret is malloc'd (NULL when none). Ranges split
 * cleanly: range(a, c) is range(a, b) followed by range(b, c). -EINVAL when to < from. */
int engine_range(const Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n);

/* About how many events range(from, to) holds, without computing them: the events each weekday
 * plans (starts, ends, heads-ups, reminders of enabled entries), whole days exactly and the two
 * partial days in proportion, rounded up. It does not see overrides, pauses, the manual recharge
 * or reminders collapsed by holding, so it can be off by those. Constant time for any range. */
uint64_t engine_count_estimate(const Engine *e, usec_t from, usec_t to);

/* The first event with time > after (strictly). -ENOENT when nothing happens within 400 days. */
int engine_next(const Engine *e, const Overlay *o, usec_t after, Event *ret);

/* What is on at instant t. */
typedef struct EngineStatus {
        bool recharging;     /* a scheduled block or a manual recharge is on */
        bool dnd;            /* …with dnd on (manual recharges always have it) */
        bool paused;         /* the schedule is paused at t */
        bool manual;         /* the recharge that counts is the manual one */
        int entry;           /* the block that counts, ENTRY_MANUAL when manual or none */
        usec_t since, until; /* of the recharge that counts; until 0 = open-ended */
        usec_t block_of;     /* identity of that block occurrence (its planned start) */
        size_t n_blocks;     /* how many blocks are on */
        size_t n_held;       /* entries with reminders held, waiting for the end */
} EngineStatus;
/* A manual recharge inside a block keeps the later of the two ends: the one that ends later (an
 * open-ended one is latest) is the one that counts; ties go to the scheduled block. */
int engine_at(const Engine *e, const Overlay *o, usec_t t, EngineStatus *ret);

/* An entry's current-or-next occurrence: a block still on at now, else the next one; a
 * reminder's next due time after now (end 0). -ENOENT when it never comes (disabled). */
int engine_entry_next(const Engine *e, const Overlay *o, size_t entry, usec_t now, usec_t *ret_start, usec_t *ret_end);

/* engine_entry_next() with the occurrence's identity too (ret_of: its planned start, before any
 * override), for one entry's work: finding it among a range of every entry's events cost a
 * whole schedule's occurrences per block. Any ret_* may be NULL. */
int engine_entry_occurrence(const Engine *e, const Overlay *o, size_t entry, usec_t now, usec_t *ret_start,
                            usec_t *ret_end, usec_t *ret_of);

/* The answers of engine_range(), engine_next(), engine_at() and engine_entry_occurrence(),
 * exactly, kept from one call to the next while what they depend on stays the same (the
 * overrides, the pause, the manual recharge, the away span; not `shown` or `done`): a day of
 * every entry's events and blocks is computed once and sliced, and an entry's occurrence is
 * computed again only when its overrides change or the instant passes it. A boundary then costs
 * what fired, not the schedule's size. The engine keeps the memo (its answers do not change),
 * hence the Engine without const. */
int engine_cached_range(Engine *e, const Overlay *o, usec_t from, usec_t to, Event **ret, size_t *ret_n);
int engine_cached_next(Engine *e, const Overlay *o, usec_t after, Event *ret);
int engine_cached_at(Engine *e, const Overlay *o, usec_t t, EngineStatus *ret);
/* engine_cached_at() without n_held (0): what the manager asks at every boundary and action. */
int engine_cached_status(Engine *e, const Overlay *o, usec_t t, EngineStatus *ret);
/* How often the whole-schedule part was built whole, and patched for a few entries' overrides
 * (tests and benches check that an action costs what it changed). */
void engine_cached_counts(const Engine *e, uint64_t *ret_builds, uint64_t *ret_patches);
int engine_cached_entry_occurrence(Engine *e, const Overlay *o, size_t entry, usec_t now, usec_t *ret_start,
                                   usec_t *ret_end, usec_t *ret_of);
/* The entries (by index, ascending, once each) with a block on at t as engine_at() counts
 * them: a superset of those whose engine_entry_occurrence() at t is on (one block on may be
 * another of the entry's occurrences). -EOPNOTSUPP: an instant it does not serve. */
int engine_cached_blocks_on(Engine *e, const Overlay *o, usec_t t, int **ret, size_t *ret_n);
/* A number that changes whenever the cached answers had to be computed again (the overlay
 * changed, or t left the day they were computed for): while it stays, every entry's occurrence
 * changes only when engine_cached_entry_until() says. -EOPNOTSUPP: an instant it does not serve. */
int engine_cached_generation(Engine *e, const Overlay *o, usec_t t, uint64_t *ret);
/* The entries whose engine_cached_entry_occurrence() may answer otherwise than at generation
 * *gen (engine_cached_generation()) because the overlay changed under them: their overrides
 * (an action), or the pause (then every entry): 1 and those entries (*ret malloc'ed, maybe
 * repeated), or 0 when it cannot say which (every entry, then). Brings the cache up to t first;
 * *gen gets the current generation. An entry's occurrence reads nothing else of the overlay: a
 * manual recharge, the person away or a new day computed change no entry's. */
int engine_cached_changed(Engine *e, const Overlay *o, usec_t t, uint64_t *gen, size_t **ret, size_t *ret_n);
/* Until when the entry's last engine_cached_entry_occurrence() answer holds, the overlay staying
 * the same (0: none kept). */
usec_t engine_cached_entry_until(const Engine *e, size_t i);

/* State changes, pure: they edit *o and nothing else, or fail and leave it untouched.
 * ret_when (may be NULL) gets the instant affected. */

/* Skips the entry's next occurrence (a block's next start after now, a reminder's next due
 * time). -ENOENT: none. -ENOSPC: too many overrides for this entry. */
int engine_skip(const Engine *e, Overlay *o, size_t entry, usec_t now, usec_t *ret_when);
/* Blocks: the next start after now moves d later, with its end. Reminders: the one shown last
 * (EntryOverlay.shown), if shown within the last hour and not done, comes back at now + d; else
 * the next one moves d later. Moved, never duplicated. */
int engine_snooze(const Engine *e, Overlay *o, size_t entry, usec_t now, usec_t d, usec_t *ret_when);
/* "Start now" from a heads-up: the entry's next block starts at now and keeps its length. Only
 * when that start is at most `ahead` away: -ERANGE otherwise (ret_when: that start). */
int engine_start_now(const Engine *e, Overlay *o, size_t entry, usec_t now, usec_t ahead, usec_t *ret_when);
/* Ends whatever is on at now: the manual recharge and every block in progress (which stays
 * ended until its next occurrence). -ESRCH: nothing is on. */
int engine_stop(const Engine *e, Overlay *o, usec_t now);
/* Lengthens what counts at now by d (an open-ended recharge cannot be lengthened:
 * -EOPNOTSUPP). -ESRCH: nothing is on. -ERANGE: the new end would pass USEC_INFINITY.
 * ret_until: the new end. */
int engine_extend(const Engine *e, Overlay *o, usec_t now, usec_t d, usec_t *ret_until);
/* engine_extend() with engine_at(now)'s answer given (n_held unused): the manager's cached one. */
int engine_extend_at(const Engine *e, Overlay *o, const EngineStatus *s, usec_t now, usec_t d, usec_t *ret_until);
/* Records that the reminder shown last of a selfcare entry (EntryOverlay.shown) was acted on.
 * -EINVAL: not a selfcare entry. -ENOENT: none was shown in the last days. -EALREADY: that one
 * is marked done already. */
int engine_done(const Engine *e, Overlay *o, size_t entry, usec_t now, usec_t *ret_when);
/* Undoes the entry's pending skips, snoozes and early starts: occurrences still to come go back
 * to the schedule. -ENOENT: nothing pending. */
int engine_reset(Overlay *o, size_t entry, usec_t now);
/* A manual recharge from now, for d (0: until Stop); one already on is replaced. */
void engine_recharge(Overlay *o, usec_t now, usec_t d);
/* Pauses the schedule from now for d (0: until Resume); a pause on is made to end then. */
void engine_pause(Overlay *o, usec_t now, usec_t d);
/* Ends the pause. -ESRCH: not paused. */
int engine_resume(Overlay *o);
/* Expiry: drops overrides that can no longer matter at now (wholly in the past by more than a
 * day), and the pause and the manual recharge once their end has come. */
void engine_prune(const Engine *e, Overlay *o, usec_t now);
