/* SPDX-License-Identifier: MIT */
/* engine-changes.c: the pure state changes on top of the schedule (skip, snooze, start now,
 * stop, extend, done, prune) and an entry's next occurrence. They edit the Overlay only. */
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "macro.h"

/* The entry's occurrences as they stand in [from, to), before holding, in order. */
static int entry_occs(const Engine *e, const Overlay *o, size_t i, usec_t from, usec_t to, OccBuf *b) {
        int r = gen_window(e, o, from, to, (int) i, b);
        if (r < 0)
                return r;
        occ_sort_held(b->v, b->n);
        return 0;
}

int engine_entry_next(const Engine *e, const Overlay *o, size_t i, usec_t now, usec_t *ret_start, usec_t *ret_end) {
        return engine_entry_occurrence(e, o, i, now, ret_start, ret_end, NULL);
}

/* The entry's first occurrence as it stands that starts (is due) after now. */
static int next_after(const Engine *e, const Overlay *o, size_t i, usec_t now, Occ *ret) {
        if (i >= e->config->n_entries)
                return -EINVAL;
        if (!e->config->entries[i].enabled)
                return -ENOENT;

        for (usec_t span = 2 * USEC_PER_DAY; span <= 16 * USEC_PER_DAY; span *= 2) {
                OccBuf b = {};
                int r = entry_occs(e, o, i, now > USEC_PER_DAY ? now - USEC_PER_DAY : 0, now + span, &b);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < b.n; k++)
                        if (b.v[k].start > now) {
                                *ret = b.v[k];
                                free(b.v);
                                return 0;
                        }
                free(b.v);
        }
        return -ENOENT;
}

/* Sets (or replaces) the override for occurrence `of`, dropping ones too old to matter first. */
static int put_override(EntryOverlay *eo, usec_t now, const Override *ov) {
        for (size_t k = 0; k < eo->n_overrides; k++)
                if (eo->overrides[k].of == ov->of) {
                        eo->overrides[k] = *ov;
                        return 0;
                }

        size_t w = 0;
        for (size_t k = 0; k < eo->n_overrides; k++) {
                const Override *x = &eo->overrides[k];
                usec_t latest = MAX(x->of, MAX(x->start, x->end));
                if (latest + KEEP_USEC < now)
                        continue;
                eo->overrides[w++] = *x;
        }
        eo->n_overrides = w;
        if (eo->n_overrides >= OVERRIDES_MAX)
                return -ENOSPC;
        eo->overrides[eo->n_overrides++] = *ov;
        return 0;
}

static EntryOverlay *overlay_entry_mut(Overlay *o, size_t i) {
        if (!o || !o->entries || i >= o->n_entries)
                return NULL;
        return &o->entries[i];
}

int engine_skip(const Engine *e, Overlay *o, size_t i, usec_t now, usec_t *ret_when) {
        EntryOverlay *eo = overlay_entry_mut(o, i);
        Occ occ;
        int r;

        if (!eo)
                return -EINVAL;
        r = next_after(e, o, i, now, &occ);
        if (r < 0)
                return r;
        r = put_override(eo, now, &(Override) { .of = occ.of });
        if (r < 0)
                return r;
        if (ret_when)
                *ret_when = occ.start;
        return 0;
}

/* The reminder of entry i shown last at or before now (as the events show it), if any. */
static int last_shown(const Engine *e, const Overlay *o, size_t i, usec_t now, Event *ret) {
        _cleanup_free_ Event *v = NULL;
        size_t n;
        int r;

        /* Entry i's own events: a range of every entry's cost a week of the whole schedule. */
        r = engine_range_entry(e, o, i, now > KEEP_USEC ? now - KEEP_USEC : 0, now + 1, &v, &n);
        if (r < 0)
                return r;
        for (size_t k = n; k > 0; k--)
                if (v[k - 1].kind == EVENT_REMINDER && v[k - 1].entry == (int) i) {
                        *ret = v[k - 1];
                        return 0;
                }
        return -ENOENT;
}

int engine_snooze(const Engine *e, Overlay *o, size_t i, usec_t now, usec_t d, usec_t *ret_when) {
        EntryOverlay *eo = overlay_entry_mut(o, i);
        Override ov;
        Occ occ;
        int r;

        if (!eo || d == 0)
                return -EINVAL;
        if (e->config->entries[i].type == ENTRY_SELFCARE) {
                Event last;
                if (last_shown(e, o, i, now, &last) >= 0 && last.of == eo->shown && last.of != eo->done &&
                    last.time + RECENT_USEC > now) {
                        ov = (Override) { .of = last.of, .start = now + d };
                        goto put;
                }
        }

        r = next_after(e, o, i, now, &occ);
        if (r < 0)
                return r;
        ov = (Override) { .of = occ.of, .start = occ.start + d, .end = occ.reminder ? 0 : occ.end + d };
put:
        r = put_override(eo, now, &ov);
        if (r < 0)
                return r;
        if (ret_when)
                *ret_when = ov.start;
        return 0;
}

int engine_start_now(const Engine *e, Overlay *o, size_t i, usec_t now, usec_t ahead, usec_t *ret_when) {
        EntryOverlay *eo = overlay_entry_mut(o, i);
        Occ occ;
        int r;

        if (!eo)
                return -EINVAL;
        if (e->config->entries[i].type != ENTRY_RECHARGE)
                return -EINVAL;
        r = next_after(e, o, i, now, &occ);
        if (r < 0)
                return r;
        if (ret_when)
                *ret_when = occ.start;
        /* Not a way to eat a block days away: that is what a manual recharge is for. */
        if (occ.start - now > ahead)
                return -ERANGE;
        /* The block keeps its own length, only earlier. */
        r = put_override(eo, now, &(Override) { .of = occ.of, .start = now, .end = now + (occ.end - occ.start) });
        if (r < 0)
                return r;
        return 0;
}

/* The blocks on at now, as they stand. */
static int blocks_on(const Engine *e, const Overlay *o, usec_t now, OccBuf *b) {
        OccBuf all = {};
        int r;

        r = gen_window(e, o, now > USEC_PER_DAY * 2 ? now - USEC_PER_DAY * 2 : 0, now + 1, -1, &all);
        for (size_t k = 0; k < all.n && r >= 0; k++) {
                const Occ *occ = &all.v[k];
                if (!occ->reminder && occ->start <= now && now < occ->end)
                        r = occ_push(b, occ);
        }
        free(all.v);
        return r;
}

int engine_stop(const Engine *e, Overlay *o, usec_t now) {
        _cleanup_free_ EntryOverlay *saved = NULL;
        Overlay before = *o;
        OccBuf b = {};
        bool any = false;
        int r;

        r = blocks_on(e, o, now, &b);
        if (r < 0)
                goto finish;

        /* Keep a copy so a failure half-way leaves *o as it was. */
        if (o->n_entries > 0) {
                saved = malloc(sizeof(EntryOverlay) * o->n_entries);
                if (!saved) {
                        r = -ENOMEM;
                        goto finish;
                }
                memcpy(saved, o->entries, sizeof(EntryOverlay) * o->n_entries);
        }

        if (o->manual_since != 0 && o->manual_since <= now && (o->manual_until == 0 || now < o->manual_until)) {
                o->manual_since = o->manual_until = 0;
                any = true;
        }
        for (size_t k = 0; k < b.n; k++) {
                const Occ *occ = &b.v[k];
                r = put_override(&o->entries[occ->entry], now,
                                 &(Override) { .of = occ->of, .start = occ->start, .end = now });
                if (r < 0) {
                        *o = before;
                        if (saved)
                                memcpy(o->entries, saved, sizeof(EntryOverlay) * o->n_entries);
                        goto finish;
                }
                any = true;
        }
        r = any ? 0 : -ESRCH;
finish:
        free(b.v);
        return r;
}

int engine_extend(const Engine *e, Overlay *o, usec_t now, usec_t d, usec_t *ret_until) {
        EngineStatus s;
        int r;

        if (d == 0)
                return -EINVAL;
        r = engine_at(e, o, now, &s);
        if (r < 0)
                return r;
        return engine_extend_at(e, o, &s, now, d, ret_until);
}

int engine_extend_at(const Engine *e, Overlay *o, const EngineStatus *st, usec_t now, usec_t d, usec_t *ret_until) {
        EngineStatus s = *st;
        int r;

        if (d == 0)
                return -EINVAL;
        if (!s.recharging)
                return -ESRCH;
        /* An end past USEC_INFINITY would wrap to 1970 and end the recharge it lengthens. */
        if (s.manual) {
                if (o->manual_until == 0)
                        return -EOPNOTSUPP;
                if (d >= USEC_INFINITY - o->manual_until)
                        return -ERANGE;
                o->manual_until += d;
                if (ret_until)
                        *ret_until = o->manual_until;
                return 0;
        }

        /* A block has an end, unless a state file says otherwise (until 0: USEC_INFINITY). */
        if (s.until == 0)
                return -EOPNOTSUPP;
        if (d >= USEC_INFINITY - s.until)
                return -ERANGE;
        r = put_override(&o->entries[s.entry], now, &(Override) { .of = s.block_of, .start = s.since, .end = s.until + d });
        if (r < 0)
                return r;
        if (ret_until)
                *ret_until = s.until + d;
        return 0;
}

int engine_done(const Engine *e, Overlay *o, size_t i, usec_t now, usec_t *ret_when) {
        EntryOverlay *eo = overlay_entry_mut(o, i);

        if (!eo)
                return -EINVAL;
        if (e->config->entries[i].type != ENTRY_SELFCARE)
                return -EINVAL;
        /* Only what the person was shown, and only once. */
        if (eo->shown == 0 || eo->shown + KEEP_USEC < now)
                return -ENOENT;
        if (eo->done == eo->shown)
                return -EALREADY;
        eo->done = eo->shown;
        if (ret_when)
                *ret_when = eo->shown;
        return 0;
}

int engine_reset(Overlay *o, size_t i, usec_t now) {
        EntryOverlay *eo = overlay_entry_mut(o, i);
        size_t w = 0;

        if (!eo)
                return -EINVAL;
        /* What is still to come goes back to the schedule: a skip of an occurrence ahead, a
         * snooze or an early start that has not begun. One on now or past stays as it was. */
        for (size_t k = 0; k < eo->n_overrides; k++) {
                const Override *x = &eo->overrides[k];
                if (x->start == 0 ? x->of > now : x->start > now)
                        continue;
                eo->overrides[w++] = *x;
        }
        if (w == eo->n_overrides)
                return -ENOENT;
        eo->n_overrides = w;
        return 0;
}

void engine_recharge(Overlay *o, usec_t now, usec_t d) {
        o->manual_since = now;
        o->manual_until = d > 0 ? now + d : 0;
}

void engine_pause(Overlay *o, usec_t now, usec_t d) {
        /* A pause made longer keeps when it began. */
        if (o->paused_since == 0 || o->paused_since > now)
                o->paused_since = now;
        o->paused_until = d > 0 ? now + d : USEC_INFINITY;
}

int engine_resume(Overlay *o) {
        if (o->paused_since == 0)
                return -ESRCH;
        o->paused_since = o->paused_until = 0;
        return 0;
}

void engine_prune(const Engine *e, Overlay *o, usec_t now) {
        for (size_t i = 0; o && o->entries && i < o->n_entries; i++) {
                EntryOverlay *eo = &o->entries[i];
                size_t w = 0;
                for (size_t k = 0; k < eo->n_overrides; k++) {
                        const Override *x = &eo->overrides[k];
                        if (MAX(x->of, MAX(x->start, x->end)) + KEEP_USEC < now)
                                continue;
                        eo->overrides[w++] = *x;
                }
                eo->n_overrides = w;
        }
        if (o && o->paused_since != 0 && o->paused_until != USEC_INFINITY && o->paused_until <= now)
                o->paused_since = o->paused_until = 0;
        if (o && o->manual_since != 0 && o->manual_until != 0 && o->manual_until <= now)
                o->manual_since = o->manual_until = 0;
        if (o && o->away_since != 0 && o->away_until != 0 && o->away_until <= now)
                o->away_since = o->away_until = 0;
}
