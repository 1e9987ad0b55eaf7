/* SPDX-License-Identifier: MIT */
/* state-text.c: the state file's text kept between saves (StateText), so that a save formats
 * what changed and copies the rest. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "macro.h"
#include "state.h"
#include "state-internal.h"

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

/* One entry's records as last formatted, with the fields they were formatted from: a save
 * compares those (a few words) and formats again only the entries whose fields differ, so it
 * cannot miss a change, whoever made it. */
typedef struct StateTextEntry {
        usec_t done, shown;
        size_t n_overrides;
        size_t length;                   /* of its text */
        Override overrides[];            /* n_overrides of them, then the text and a NUL */
} StateTextEntry;

/* An active or welcome record as last formatted, by its place in the list, with a copy of what
 * it was formatted from (compared whole: the strings too). */
typedef struct StateTextRecord {
        bool set;
        StateActive from;
        char *text;
        size_t length;
} StateTextRecord;

typedef struct StateTextRecords {
        StateTextRecord *v;
        size_t n;                        /* as many as the list had at the last save */
} StateTextRecords;

struct StateText {
        const Config *config;            /* whose entries these are, by index */
        bool names_ok;                   /* state_verify() would accept any subset of its names */
        StateTextEntry **entries;        /* NULL: nothing formatted, right for an empty overlay */
        size_t n_entries;
        StateTextRecords active, welcome;
};

static void text_record_done(StateTextRecord *r) {
        state_active_done(&r->from);
        free(r->text);
        *r = (StateTextRecord) {};
}

static void text_records_done(StateTextRecords *rs) {
        for (size_t k = 0; k < rs->n; k++)
                text_record_done(&rs->v[k]);
        free(rs->v);
        *rs = (StateTextRecords) {};
}

StateText *state_text_free(StateText *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_entries; i++)
                free(t->entries[i]);
        free(t->entries);
        text_records_done(&t->active);
        text_records_done(&t->welcome);
        free(t);
        return NULL;
}

/* What state_verify() checks of the entries' names, for all of c's at once: then it holds for
 * every subset a save writes. The config's entries are sorted by name, case-insensitively, and
 * unique; should they ever not be, saves take the whole path, which refuses what it must. */
static bool config_names_ok(const Config *c) {
        if (c->n_entries > STATE_ENTRIES_MAX)
                return false;
        for (size_t i = 0; i < c->n_entries; i++) {
                if (!state_string_ok(c->entries[i].name, false))
                        return false;
                if (i > 0 && strcasecmp(c->entries[i - 1].name, c->entries[i].name) >= 0)
                        return false;
        }
        return true;
}

static int state_text_new(const Config *c, StateText **ret) {
        StateText *t;

        t = calloc(1, sizeof(StateText));
        if (!t)
                return -ENOMEM;
        t->entries = calloc(MAX(c->n_entries, (size_t) 1), sizeof(StateTextEntry *));
        if (!t->entries) {
                free(t);
                return -ENOMEM;
        }
        t->n_entries = c->n_entries;
        t->config = c;
        t->names_ok = config_names_ok(c);
        *ret = t;
        return 0;
}

/* Whether e (NULL: nothing written) says what eo would be written as. */
static bool text_entry_current(const StateTextEntry *e, const EntryOverlay *eo, size_t n_overrides) {
        if (!e)
                return !state_entry_worth_keeping(eo);
        return e->done == eo->done && e->shown == eo->shown && e->n_overrides == n_overrides &&
               (n_overrides == 0 || memcmp(e->overrides, eo->overrides, n_overrides * sizeof(Override)) == 0);
}

/* A kept entry of the records text[0, length) formatted from eo. */
static int text_entry_new(const EntryOverlay *eo, size_t n_overrides, const char *text, size_t length,
                          StateTextEntry **ret) {
        size_t at = offsetof(StateTextEntry, overrides) + n_overrides * sizeof(Override);
        StateTextEntry *e;

        e = malloc(at + length + 1);
        if (!e)
                return -ENOMEM;
        e->done = eo->done;
        e->shown = eo->shown;
        e->n_overrides = n_overrides;
        if (n_overrides > 0)
                memcpy(e->overrides, eo->overrides, n_overrides * sizeof(Override));
        e->length = length;
        memcpy((char *) e + at, text, length);
        ((char *) e)[at + length] = '\0';
        *ret = e;
        return 0;
}

static const char *text_entry_text(const StateTextEntry *e) {
        return (const char *) (e->overrides + e->n_overrides);
}

static bool same_string(const char *a, const char *b) {
        return a == b || (a && b && streq(a, b));
}

/* Whether kept record k says what a would be written as. */
static bool text_record_current(const StateTextRecords *rs, size_t k, const StateActive *a) {
        const StateActive *b;

        if (k >= rs->n || !rs->v[k].set)
                return false;
        b = &rs->v[k].from;
        return a->manual == b->manual && a->of == b->of && a->start == b->start && a->end == b->end &&
               a->began == b->began && a->note == b->note && a->away == b->away && same_string(a->entry, b->entry) &&
               same_string(a->message, b->message) && same_string(a->digest, b->digest);
}

/* Where the records formatted in this save are in its stream: (which, where it ends) pairs. */
typedef struct Spans {
        size_t *v;
        size_t n, allocated;
} Spans;

static void spans_done(Spans *s) {
        free(s->v);
}

static int spans_add(Spans *s, size_t which, size_t end) {
        if (s->n + 2 > s->allocated) {
                size_t k = MAX(s->allocated * 2, (size_t) 8);
                size_t *v = reallocarray(s->v, k, sizeof(size_t));
                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->allocated = k;
        }
        s->v[s->n++] = which;
        s->v[s->n++] = end;
        return 0;
}

/* Formats into f the records of v that kept ones do not say already, noting where each ends;
 * *bytes grows by the size of all of v's records. */
static int records_format(FILE *f, size_t *size, const char *record, const StateTextRecords *rs,
                          const StateActive *v, size_t n, Spans *s, size_t *bytes) {
        int r;

        for (size_t k = 0; k < n; k++) {
                size_t before = *size;

                if (text_record_current(rs, k, &v[k])) {
                        *bytes += rs->v[k].length;
                        continue;
                }
                state_format_active(f, record, &v[k]);
                if (fflush(f) != 0) /* *size is where this record ends */
                        return -ENOMEM;
                r = spans_add(s, k, *size);
                if (r < 0)
                        return r;
                *bytes += *size - before;
        }
        return 0;
}

/* Keeps what records_format() formatted, from buf + at on, for v's n records. Each kept record
 * is right for the copy it holds, so a failure half-way leaves them right, only not all new. */
static int records_keep(StateTextRecords *rs, const StateActive *v, size_t n, const char *buf, size_t at,
                        const Spans *s) {
        int r;

        if (n != rs->n) {
                StateTextRecord *w;

                for (size_t k = n; k < rs->n; k++)
                        text_record_done(&rs->v[k]);
                if (n == 0) {
                        free(rs->v);
                        rs->v = NULL;
                        rs->n = 0;
                } else {
                        w = reallocarray(rs->v, n, sizeof(StateTextRecord));
                        if (!w) {
                                rs->n = MIN(rs->n, n);
                                return -ENOMEM;
                        }
                        for (size_t k = rs->n; k < n; k++)
                                w[k] = (StateTextRecord) {};
                        rs->v = w;
                        rs->n = n;
                }
        }
        for (size_t j = 0; j < s->n; j += 2) {
                size_t k = s->v[j], end = s->v[j + 1];
                StateTextRecord n_rec = { .set = true, .length = end - at };
                StateActive *copy = NULL;

                n_rec.text = strndup(buf + at, end - at);
                r = n_rec.text ? state_active_copy(&v[k], 1, &copy) : -ENOMEM;
                if (r < 0) {
                        free(n_rec.text);
                        return r;
                }
                n_rec.from = *copy;
                free(copy);
                text_record_done(&rs->v[k]);
                rs->v[k] = n_rec;
                at = end;
        }
        return 0;
}

static char *records_copy(char *p, const StateTextRecords *rs) {
        for (size_t k = 0; k < rs->n; k++)
                p = mempcpy(p, rs->v[k].text, rs->v[k].length);
        return p;
}

/* The whole path: rest's records with the entries from o, as state_from_overlay() makes them. */
int state_text_format_whole(const State *rest, const Config *c, const Overlay *o, char **ret_text) {
        State s = *rest;
        int r;

        s.entries = NULL;
        s.n_entries = 0;
        r = state_from_overlay(&s, c, o);
        if (r >= 0)
                r = state_format(&s, ret_text);
        for (size_t i = 0; i < s.n_entries; i++)
                free(s.entries[i].name);
        free(s.entries);
        return r;
}

int state_text_format(StateText **t, const State *rest, const Config *c, const Overlay *o, char **ret_text) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(spans_done) Spans entries = {}, active = {}, welcome = {};
        size_t size = 0, head, silence, silence_end, away, away_end, n = 0, at;
        char *text, *p;
        State probe;
        int r;

        if (rest->n_entries > 0 || o->n_entries != c->n_entries || (c->n_entries > 0 && !o->entries))
                return -EINVAL;

        /* Another config (a Reload) says other names at the same indexes: all again. */
        if (!*t || (*t)->config != c || (*t)->n_entries != c->n_entries) {
                StateText *fresh;

                r = state_text_new(c, &fresh);
                if (r < 0)
                        return r;
                state_text_free(*t);
                *t = fresh;
        }
        if (!(*t)->names_ok)
                return state_text_format_whole(rest, c, o, ret_text);

        /* The rest with what state_from_overlay() takes from o besides the entries; and what
         * state_format() refuses of it (the entries' part was checked above, by their names). */
        probe = *rest;
        probe.paused_since = o->paused_since;
        probe.paused_until = o->paused_until;
        probe.manual_since = o->manual_since;
        probe.manual_until = o->manual_until;
        probe.hold_since = o->away_since;
        probe.hold_until = o->away_until;
        r = state_verify(&probe);
        if (r < 0)
                return r;

        /* One stream for all that is formatted (a stream costs more than a few lines), in the
         * file's order: the head, the entries that changed, the silence records, the active
         * records that changed, the away record, the welcome records that changed. */
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        state_format_head(f, &probe);
        if (fflush(f) != 0)
                return -ENOMEM;
        head = size;
        for (size_t i = 0; i < c->n_entries; i++) {
                const EntryOverlay *eo = &o->entries[i];
                size_t k = MIN(eo->n_overrides, (size_t) OVERRIDES_MAX), before = size;

                if (text_entry_current((*t)->entries[i], eo, k)) {
                        n += (*t)->entries[i] ? (*t)->entries[i]->length : 0;
                        continue;
                }
                if (state_entry_worth_keeping(eo))
                        state_format_entry(f, c->entries[i].name, eo, k);
                if (fflush(f) != 0) /* size is where this entry's records end */
                        return -ENOMEM;
                r = spans_add(&entries, i, size);
                if (r < 0)
                        return r;
                n += size - before;
        }
        silence = size;
        state_format_silence(f, &probe);
        if (fflush(f) != 0)
                return -ENOMEM;
        silence_end = size;
        r = records_format(f, &size, "active", &(*t)->active, probe.active, probe.n_active, &active, &n);
        if (r < 0)
                return r;
        away = size;
        state_format_away(f, &probe);
        if (fflush(f) != 0)
                return -ENOMEM;
        away_end = size;
        r = records_format(f, &size, "welcome", &(*t)->welcome, probe.welcome, probe.n_welcome, &welcome, &n);
        if (r < 0)
                return r;
        r = state_memstream_finish(&f);
        if (r < 0)
                return r;

        at = head;
        for (size_t j = 0; j < entries.n; j += 2) {
                size_t i = entries.v[j], end = entries.v[j + 1];
                const EntryOverlay *eo = &o->entries[i];
                StateTextEntry *e = NULL;

                if (end > at) {
                        r = text_entry_new(eo, MIN(eo->n_overrides, (size_t) OVERRIDES_MAX), buf + at, end - at, &e);
                        if (r < 0)
                                return r;
                }
                free((*t)->entries[i]);
                (*t)->entries[i] = e;
                at = end;
        }
        r = records_keep(&(*t)->active, probe.active, probe.n_active, buf, silence_end, &active);
        if (r >= 0)
                r = records_keep(&(*t)->welcome, probe.welcome, probe.n_welcome, buf, away_end, &welcome);
        if (r < 0)
                return r;

        text = malloc(head + n + (silence_end - silence) + (away_end - away) + 1);
        if (!text)
                return -ENOMEM;
        p = mempcpy(text, buf, head);
        for (size_t i = 0; i < c->n_entries; i++) {
                const StateTextEntry *e = (*t)->entries[i];
                if (e)
                        p = mempcpy(p, text_entry_text(e), e->length);
        }
        p = mempcpy(p, buf + silence, silence_end - silence);
        p = records_copy(p, &(*t)->active);
        p = mempcpy(p, buf + away, away_end - away);
        p = records_copy(p, &(*t)->welcome);
        *p = '\0';
        *ret_text = text;
        return 0;
}
