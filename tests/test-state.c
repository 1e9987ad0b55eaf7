/* SPDX-License-Identifier: MIT */
/* test-state.c: the state file: format, parser, atomic save and load, move aside, overlay mapping. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "macro.h"
#include "state.h"
#include "files.h"
#include "tap.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void) {
        /* xorshift64*: seeded, so a failure can be replayed */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545f4914f6cdd1dULL;
}

static usec_t rnd_time(void) {
        switch (rnd() % 5) {
        case 0:
                return 0;
        case 1:
                return USEC_INFINITY;
        case 2:
                return rnd() % 1000;
        default:
                return rnd();
        }
}

/* Any bytes but NUL, sometimes long, sometimes at the limit (max); never containing `avoid`. */
static char *rnd_string(size_t min, size_t max, char avoid) {
        size_t n;
        char *s;

        switch (rnd() % 10) {
        case 0:
                n = max;
                break;
        case 1:
                n = rnd() % max;
                break;
        default:
                n = rnd() % 24;
        }
        n = MIN(MAX(n, min), max);
        s = malloc(n + 1);
        if (!s)
                abort();
        for (size_t i = 0; i < n; i++) {
                char c;
                do
                        c = (char) (1 + rnd() % 255);
                while (c == avoid);
                s[i] = c;
        }
        s[n] = '\0';
        return s;
}

static State *rnd_state(void) {
        State *s = calloc(1, sizeof(State));

        if (!s)
                abort();
        if (rnd() % 2)
                s->processed = rnd_time();
        if (rnd() % 2) {
                s->paused_since = rnd_time();
                s->paused_until = rnd_time();
        }
        if (rnd() % 2) {
                s->manual_since = rnd_time();
                s->manual_until = rnd_time();
                s->manual_message = rnd_string(0, STATE_STRING_MAX, 0);
        }
        s->n_entries = rnd() % 3 == 0 ? 0 : rnd() % 12;
        s->entries = calloc(MAX(s->n_entries, (size_t) 1), sizeof(StateEntry));
        for (size_t i = 0; i < s->n_entries; i++) {
                StateEntry *e = &s->entries[i];
                _cleanup_free_ char *tail = rnd_string(0, STATE_STRING_MAX - 8, ':');

                /* "<i>:" keeps names unique even case-insensitively. */
                if (asprintf(&e->name, "%zu:%s", i, tail) < 0)
                        abort();
                e->overlay.done = rnd() % 2 ? 0 : rnd_time();
                e->overlay.shown = rnd() % 2 ? 0 : rnd_time();
                e->overlay.n_overrides = rnd() % (OVERRIDES_MAX + 1);
                for (size_t k = 0; k < e->overlay.n_overrides; k++)
                        e->overlay.overrides[k] = (Override) { rnd_time(), rnd_time(), rnd_time() };
        }
        s->n_silence = rnd() % (STATE_SILENCE_MAX + 1);
        for (size_t i = 0; i < s->n_silence; i++) {
                s->silence[i].server = rnd_string(1, STATE_STRING_MAX, 0);
                s->silence[i].before = rnd_string(0, STATE_STRING_MAX, 0);
        }
        s->n_active = rnd() % 4;
        s->active = calloc(MAX(s->n_active, (size_t) 1), sizeof(StateActive));
        for (size_t i = 0; i < s->n_active; i++) {
                StateActive *a = &s->active[i];

                a->manual = rnd() % 2;
                a->entry = a->manual ? strdup("") : rnd_string(1, STATE_STRING_MAX, 0);
                a->of = rnd_time();
                a->start = rnd_time();
                a->end = rnd_time();
                a->began = rnd_time();
                a->note = (uint32_t) rnd();
                a->message = rnd_string(0, STATE_STRING_MAX, 0);
                a->away = rnd() % 2 ? rnd_time() : 0;
        }
        if (rnd() % 2) {
                s->away_since = rnd_time();
                s->hold_since = rnd_time();
                s->hold_until = rnd() % 2 ? rnd_time() : 0;
        }
        s->n_welcome = rnd() % 3;
        s->welcome = calloc(MAX(s->n_welcome, (size_t) 1), sizeof(StateActive));
        for (size_t i = 0; i < s->n_welcome; i++) {
                StateActive *a = &s->welcome[i];

                a->manual = rnd() % 2;
                a->entry = a->manual ? strdup("") : rnd_string(1, STATE_STRING_MAX, 0);
                a->of = rnd_time();
                a->start = rnd_time();
                a->end = rnd_time();
                a->note = (uint32_t) rnd();
                a->message = rnd_string(0, STATE_STRING_MAX, 0);
                a->away = rnd_time();
                a->digest = rnd() % 2 ? rnd_string(1, STATE_STRING_MAX, 0) : NULL;
        }
        return s;
}

static bool state_equal(const State *a, const State *b) {
        if (a->processed != b->processed || a->paused_since != b->paused_since || a->paused_until != b->paused_until ||
            a->manual_since != b->manual_since || a->manual_until != b->manual_until ||
            !streq_ptr(a->manual_message, b->manual_message) || a->n_entries != b->n_entries ||
            a->n_silence != b->n_silence || a->n_active != b->n_active || a->n_welcome != b->n_welcome ||
            a->away_since != b->away_since || a->hold_since != b->hold_since || a->hold_until != b->hold_until)
                return false;
        for (size_t i = 0; i < a->n_active + a->n_welcome; i++) {
                const StateActive *x = i < a->n_active ? &a->active[i] : &a->welcome[i - a->n_active];
                const StateActive *y = i < a->n_active ? &b->active[i] : &b->welcome[i - a->n_active];

                if (x->manual != y->manual || !streq(x->entry, y->entry) || x->of != y->of || x->start != y->start ||
                    x->end != y->end || x->began != y->began || x->note != y->note || !streq(x->message, y->message) ||
                    x->away != y->away || !streq_ptr(x->digest, y->digest))
                        return false;
        }
        for (size_t i = 0; i < a->n_entries; i++) {
                const EntryOverlay *x = &a->entries[i].overlay, *y = &b->entries[i].overlay;

                if (!streq(a->entries[i].name, b->entries[i].name) || x->done != y->done || x->shown != y->shown ||
                    x->n_overrides != y->n_overrides)
                        return false;
                for (size_t k = 0; k < x->n_overrides; k++)
                        if (x->overrides[k].of != y->overrides[k].of || x->overrides[k].start != y->overrides[k].start ||
                            x->overrides[k].end != y->overrides[k].end)
                                return false;
        }
        for (size_t i = 0; i < a->n_silence; i++)
                if (!streq(a->silence[i].server, b->silence[i].server) ||
                    !streq(a->silence[i].before, b->silence[i].before))
                        return false;
        return true;
}

static void test_round_trip(void) {
        unsigned failed = 0, n = 500;

        for (unsigned i = 0; i < n; i++) {
                _cleanup_(state_freep) State *s = rnd_state(), *back = NULL;
                _cleanup_free_ char *text = NULL, *again = NULL;
                int r;

                r = state_format(s, &text);
                if (r >= 0)
                        r = state_parse(text, &back);
                if (r >= 0)
                        r = state_format(back, &again);
                if (r < 0 || !state_equal(s, back) || !streq(text, again)) {
                        if (failed++ == 0)
                                diag("random state %u: r=%d", i, r);
                }
        }
        is_int(failed, 0, "format → parse → format round trip of %u random states", n);
}

static void test_known_text(void) {
        StateEntry entries[] = {
                {
                        .name = (char *) "morning",
                        .overlay = {
                                .overrides = {
                                        { 1700006400000000, 0, 0 },
                                        { 1700092800000000, 1700093400000000, 1700096100000000 },
                                },
                                .n_overrides = 2,
                        },
                },
                { .name = (char *) "stretch", .overlay.done = 1700010000000000, .overlay.shown = 1700010000000000 },
        };
        StateActive active[] = {
                { .manual = false, .entry = (char *) "morning", .of = 1700006400000000, .start = 1700006400000000,
                  .end = 1700009100000000, .began = 1700006460000000, .note = 42, .message = (char *) "Coffee",
                  .away = 600000000 },
                { .manual = true, .entry = (char *) "", .start = 1700000100000000, .message = (char *) "Tea" },
        };
        StateActive welcome[] = {
                { .entry = (char *) "evening", .of = 1700000000000000, .start = 1700000000000000,
                  .end = 1700003600000000, .began = 1700000000000000, .note = 7, .message = (char *) "Read",
                  .away = 1200000000, .digest = (char *) "Signal 3 · Mail 2" },
        };
        State s = {
                .processed = 1699999999000000,
                .paused_since = 1700000000000000,
                .paused_until = USEC_INFINITY,
                .manual_since = 1700000100000000,
                .manual_until = 0,
                .manual_message = (char *) "Tea \"alone\"\n\tback at 5\\6\x01\x7f caf\xc3\xa9",
                .entries = entries,
                .n_entries = ELEMENTSOF(entries),
                .silence = { { (char *) "dunst", (char *) "0" }, { (char *) "mako", (char *) "default\tdo-not-disturb" } },
                .n_silence = 2,
                .active = active,
                .n_active = ELEMENTSOF(active),
                .away_since = 1700002400000000,
                .hold_since = 1700002400000001,
                .welcome = welcome,
                .n_welcome = ELEMENTSOF(welcome),
        };
        const char *want =
                "recharged-state 3\n"
                "processed 1699999999000000\n"
                "paused 1700000000000000 18446744073709551615\n"
                "manual 1700000100000000 0 \"Tea \\\"alone\\\"\\n\\tback at 5\\\\6\\x01\\x7f caf\xc3\xa9\"\n"
                "entry \"morning\" done 0 shown 0\n"
                "override \"morning\" 1700006400000000 0 0\n"
                "override \"morning\" 1700092800000000 1700093400000000 1700096100000000\n"
                "entry \"stretch\" done 1700010000000000 shown 1700010000000000\n"
                "silence \"dunst\" \"0\"\n"
                "silence \"mako\" \"default\\tdo-not-disturb\"\n"
                "active schedule \"morning\" 1700006400000000 1700006400000000 1700009100000000 1700006460000000 42 \"Coffee\" 600000000\n"
                "active manual \"\" 0 1700000100000000 0 0 0 \"Tea\" 0\n"
                "away 1700002400000000 1700002400000001 0\n"
                "welcome schedule \"evening\" 1700000000000000 1700000000000000 1700003600000000 1700000000000000 7 \"Read\" 1200000000 \"Signal 3 · Mail 2\"\n";
        _cleanup_free_ char *text = NULL;
        _cleanup_(state_freep) State *back = NULL;
        State empty = {};

        is_int(state_format(&s, &text), 0, "format a known state");
        is_str(text, want, "a known state has the expected text");
        is_int(state_parse(want, &back), 0, "parse the expected text");
        ok(back && state_equal(&s, back), "…back to the same state");

        text = (free(text), NULL);
        is_int(state_format(&empty, &text), 0, "format an empty state");
        is_str(text, "recharged-state 3\n", "an empty state is only the version line");

        /* A file of version 2 (before the away time, the away and welcome records) is still read. */
        _cleanup_(state_freep) State *v2 = NULL;
        is_int(state_parse("recharged-state 2\nactive schedule \"a\" 5 5 9 5 0 \"m\"\n", &v2), 0,
               "a version 2 file is read");
        ok(v2 && v2->n_active == 1 && v2->active[0].away == 0 && v2->away_since == 0 && v2->n_welcome == 0,
           "…as one with no away time, nobody away and nothing to greet");

        /* A file of version 1 (before `shown` and the active records) is still read. */
        _cleanup_(state_freep) State *old = NULL;
        is_int(state_parse("recharged-state 1\nentry \"stretch\" done 5\nmanual 1 0 \"x\"\n", &old), 0,
               "a version 1 file is read");
        ok(old && old->n_entries == 1 && old->entries[0].overlay.done == 5 && old->entries[0].overlay.shown == 0 &&
                   old->n_active == 0, "…as one without shown reminders or active records");
}

static char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix) {
        size_t lp = strlen(prefix), lu = strlen(unit), ls = strlen(suffix);
        char *s = malloc(lp + lu * n + ls + 1), *p = s;

        if (!s)
                abort();
        p = mempcpy(p, prefix, lp);
        for (size_t i = 0; i < n; i++)
                p = mempcpy(p, unit, lu);
        p = mempcpy(p, suffix, ls);
        *p = '\0';
        return s;
}

/* The format is one of this file's literals, passed through. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *many_lines(const char *fmt, size_t n) {
        char *s = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&s, &size);

        if (!f)
                abort();
        fputs("recharged-state 1\n", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, fmt, i);
        fclose(f);
        return s;
}
#pragma GCC diagnostic pop

#define V "recharged-state 1\n"

/* The start of a test input, printable on one TAP line. */
static const char *shown(const char *s) {
        static char buf[256];
        size_t n = 0;

        if (strncmp(s, V, strlen(V)) == 0 && s[strlen(V)]) {
                n = snprintf(buf, sizeof(buf), "V ");
                s += strlen(V);
        }
        for (const unsigned char *i = (const unsigned char *) s; *i && n < 60; i++)
                n += snprintf(buf + n, sizeof(buf) - n, *i < 0x20 || *i == 0x7f ? "\\x%02x" : "%c", *i);
        buf[n] = '\0';
        return buf;
}

static void test_malformed(void) {
        static const char * const bad[] = {
                "",
                "recharged-state 1",                       /* no newline: cut */
                V "paused 1 2",                            /* last line cut */
                "recharged-state 4\n",                     /* a later version */
                "recharged-state 2\naway 1 2 0\n",         /* away records came with version 3 */
                "recharged-state 2\nwelcome schedule \"a\" 0 1 0 0 0 \"m\"\n", /* …and welcome ones */
                "recharged-state 3\nactive schedule \"a\" 0 1 0 0 0 \"m\"\n",   /* version 3 needs the away time */
                "recharged-state 3\naway 1 2 0\naway 1 2 0\n",                   /* away at most once */
                "recharged-state 3\naway 1 2\n",
                "recharged-state 3\nwelcome manual \"x\" 0 1 0 0 0 \"m\" 0 \"\"\n",  /* a manual one names no entry */
                "recharged-state 3\nwelcome schedule \"a\" 0 1 0 0 0 \"m\" 0\n",    /* no digest */
                "recharged-state 0\n",
                V "active manual \"\" 0 1 0 0 0 \"x\"\n",   /* active records came with version 2 */
                V "entry \"a\" done 0 shown 1\n",          /* …and so did shown */
                "recharged-state 2\nentry \"a\" done 0\n",  /* version 2 needs shown */
                "recharged-state 2\nactive manual \"x\" 0 1 0 0 0 \"m\"\n",  /* a manual one names no entry */
                "recharged-state 2\nactive schedule \"\" 0 1 0 0 0 \"m\"\n", /* a block does */
                "recharged-state 2\nactive sometimes \"a\" 0 1 0 0 0 \"m\"\n",
                "recharged-state 2\nactive schedule \"a\" 0 1 0 0 4294967296 \"m\"\n", /* id over 32 bits */
                "recharged-state 2\nactive schedule \"a\" 0 1 0 0 1\n",  /* no message */
                "recharged-state\n",
                "recharged-state 1 x\n",
                "recharged-state 01x\n",
                "Recharged-State 1\n",
                "\n" V,                                    /* version not first */
                "paused 1 2\n",                            /* no version line */
                V "paused 1\n",                            /* missing field */
                V "paused 1 2 3\n",                        /* one too many */
                V "paused 1 x\n",
                V "paused -1 2\n",
                V "paused +1 2\n",
                V "paused 1.5 2\n",
                V "paused 18446744073709551616 2\n",       /* 2^64 */
                V "paused 99999999999999999999 2\n",
                V "paused 1 2\npaused 1 2\n",              /* twice */
                V "processed 1\nprocessed 2\n",            /* twice */
                V "processed\n",
                V "processed x\n",
                V "manual 1 2\n",
                V "manual 1 2 abc\n",                      /* not quoted */
                V "manual 1 2 \"abc\n",                    /* unterminated */
                V "manual 1 2 \"abc\\\n",                  /* a backslash at the end of the line */
                V "manual 1 2 \"a\\q\"\n",                 /* unknown escape */
                V "manual 1 2 \"a\\x4\"\n",                /* short \x */
                V "manual 1 2 \"a\\xzz\"\n",
                V "manual 1 2 \"a\\x00\"\n",               /* NUL */
                V "manual 1 2 \"a\x01" "b\"\n",            /* raw control byte */
                V "manual 1 2 \"a\tb\"\n",                 /* raw tab */
                V "manual 1 2 \"a\"b\n",                   /* junk after the quote */
                V "manual 1 2 \"a\" \"b\"\n",
                V "manual 1 2 \"a\"\nmanual 1 2 \"b\"\n",  /* twice */
                V "frobnicate 1\n",                        /* unknown record */
                V "# a comment\n",
                V "entry \"\" done 0\n",                   /* empty name */
                V "entry \"a\" 0\n",
                V "entry \"a\" finished 0\n",
                V "entry a done 0\n",
                V "entry \"a\" done\n",
                V "entry \"a\" done 0\nentry \"a\" done 0\n",       /* duplicate */
                V "entry \"a\" done 0\nentry \"A\" done 0\n",       /* duplicate for config_find_entry() */
                V "override \"a\" 1 2 3\n",                          /* no such entry */
                V "entry \"a\" done 0\noverride \"a\" 1 2\n",
                V "entry \"a\" done 0\noverride \"b\" 1 2 3\n",
                V "entry \"a\" done 0\noverride \"A\" 1 2 3\n",
                V "silence \"dunst\"\n",
                V "silence \"\" \"x\"\n",
                V "silence dunst \"x\"\n",
        };
        _cleanup_free_ char *long_string = repeat(V "manual 1 2 \"", "x", STATE_STRING_MAX + 1, "\"\n");
        _cleanup_free_ char *long_escaped = repeat(V "manual 1 2 \"", "\\n", STATE_STRING_MAX + 1, "\"\n");
        _cleanup_free_ char *overrides = many_lines("override \"a\" %zu 2 3\n", OVERRIDES_MAX + 1);
        _cleanup_free_ char *silences = many_lines("silence \"s%zu\" \"x\"\n", STATE_SILENCE_MAX + 1);
        _cleanup_free_ char *entries = many_lines("entry \"e%zu\" done 0\n", STATE_ENTRIES_MAX + 1);
        _cleanup_free_ char *overrides_ok = NULL;
        const char *generated[] = { long_string, long_escaped, NULL, silences, entries };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(state_freep) State *s = NULL;
                is_int(state_parse(bad[i], &s), -EBADMSG, "malformed %zu refused: '%s'", i, shown(bad[i]));
        }

        /* OVERRIDES_MAX + 1 overrides, after their entry line. */
        if (asprintf(&overrides_ok, V "entry \"a\" done 0\n%s", overrides + strlen(V)) < 0)
                abort();
        generated[2] = overrides_ok;
        for (size_t i = 0; i < ELEMENTSOF(generated); i++) {
                _cleanup_(state_freep) State *s = NULL;
                is_int(state_parse(generated[i], &s), -EBADMSG, "over a limit refused: case %zu", i);
        }
}

static void test_accepted(void) {
        /* What a person editing the file may do, and values at the limits. */
        _cleanup_free_ char *long_string = repeat(V "manual 1 2 \"", "\\x41", STATE_STRING_MAX, "\"\n");
        _cleanup_free_ char *entries = many_lines("entry \"e%zu\" done 0\n", STATE_ENTRIES_MAX);
        _cleanup_free_ char *eight = NULL, *overrides = many_lines("override \"a\" %zu 2 3\n", OVERRIDES_MAX);
        const struct {
                const char *text;
                const char *what;
        } good[] = {
                { V, "only the version" },
                { V "\n\n", "blank lines" },
                { "  recharged-state\t1  \n", "blanks around tokens" },
                { V "paused   1\t\t2 \n", "runs of blanks" },
                { V "paused 007 0\n", "leading zeros" },
                { V "paused 18446744073709551615 18446744073709551615\n", "the largest number" },
                { V "manual 1 0 \"\"\n", "an empty message" },
                { V "manual 1 0 \"\\x41\\x7F\\xff\"\n", "hex escapes in any case" },
                { V "entry \"a\" done 0\nentry \"b\" done 0\noverride \"a\" 1 2 3\n", "an override after a later entry" },
                { long_string, "a string at the limit" },
                { entries, "STATE_ENTRIES_MAX entries" },
                { NULL, "OVERRIDES_MAX overrides" },
        };
        _cleanup_(state_freep) State *s = NULL;

        if (asprintf(&eight, V "entry \"a\" done 0\n%s", overrides + strlen(V)) < 0)
                abort();
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_(state_freep) State *t = NULL;
                is_int(state_parse(good[i].text ?: eight, &t), 0, "accepted: %s", good[i].what);
        }

        is_int(state_parse(V "manual 1 0 \"\\x41\\x7F\\xff\"\n", &s), 0, "parse hex escapes");
        is_str(s ? s->manual_message : NULL, "A\x7f\xff", "…decoded");
}

static void test_format_refuses(void) {
        StateEntry dup[] = { { .name = (char *) "a" }, { .name = (char *) "A" } };
        StateEntry noname[] = { { .name = NULL } };
        StateEntry empty[] = { { .name = (char *) "" } };
        StateEntry nine[] = { { .name = (char *) "a", .overlay.n_overrides = OVERRIDES_MAX + 1 } };
        _cleanup_free_ char *long_message = repeat("", "x", STATE_STRING_MAX + 1, "");
        const State bad[] = {
                { .entries = dup, .n_entries = 2 },
                { .entries = noname, .n_entries = 1 },
                { .entries = empty, .n_entries = 1 },
                { .entries = nine, .n_entries = 1 },
                { .manual_message = long_message },
                { .n_silence = 1, .silence = { { NULL, (char *) "x" } } },
                { .n_silence = 1, .silence = { { (char *) "dunst", NULL } } },
                { .n_silence = STATE_SILENCE_MAX + 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *text = NULL;
                is_int(state_format(&bad[i], &text), -EINVAL, "format refuses what parse would refuse: case %zu", i);
                ok(!text, "…and returns nothing");
        }
}

static void write_file(const char *path, const char *text, size_t n) {
        FILE *f = fopen(path, "we");
        if (!f || fwrite(text, 1, n, f) != n || fclose(f) != 0)
                abort();
}

/* Names in a folder, sorted, comma-separated, without . and .. */
static char *list_dir(const char *dir) {
        struct dirent **l;
        char *s = NULL;
        size_t size = 0;
        FILE *f;
        int n = scandir(dir, &l, NULL, alphasort);

        if (n < 0)
                return strdup("(error)");
        f = open_memstream(&s, &size);
        for (int i = 0; i < n; i++) {
                if (!streq(l[i]->d_name, ".") && !streq(l[i]->d_name, ".."))
                        fprintf(f, "%s%s", size > 0 || ftell(f) > 0 ? "," : "", l[i]->d_name);
                free(l[i]);
        }
        free(l);
        fclose(f);
        return s;
}

static mode_t mode_of(const char *path) {
        struct stat st;
        return stat(path, &st) < 0 ? (mode_t) -1 : st.st_mode & 07777;
}

static void test_save_load(const char *tmp) {
        _cleanup_free_ char *base = path_join(tmp, "home/.local/state/recharged");
        _cleanup_free_ char *path = path_join(base, "state");
        _cleanup_free_ char *text = NULL, *listing = NULL, *on_disk = NULL;
        _cleanup_(state_freep) State *s = rnd_state(), *t = rnd_state(), *back = NULL;
        int r;

        is_int(state_load(path, &back), -ENOENT, "load: a missing file is -ENOENT");

        is_int(state_save(path, s), 0, "save creates the missing folders");
        is_int(mode_of(base), 0700, "…the folder is 0700");
        is_int(mode_of(path), 0600, "…the file is 0600");
        is_int(state_load(path, &back), 0, "load what was saved");
        ok(back && state_equal(s, back), "…it is the same state");
        back = state_free(back);
        listing = list_dir(base);
        is_str(listing, "state", "no temporary file is left behind");

        is_int(state_save(path, t), 0, "save over an existing file");
        is_int(state_load(path, &back), 0, "…load it");
        ok(back && state_equal(t, back), "…it is the new state");
        back = state_free(back);
        listing = (free(listing), list_dir(base));
        is_str(listing, "state", "…and still no temporary file");

        /* A write that fails halfway: the file size limit stands in for a full disk (root is
         * held to it, unlike to permissions). */
        {
                _cleanup_(state_freep) State *big = calloc(1, sizeof(State));
                struct rlimit old, small = { .rlim_cur = 64 };

                big->manual_since = 1;
                big->manual_message = repeat("", "y", 4000, "");
                on_disk = read_all(path);
                (void) signal(SIGXFSZ, SIG_IGN);
                getrlimit(RLIMIT_FSIZE, &old);
                small.rlim_max = old.rlim_max;
                setrlimit(RLIMIT_FSIZE, &small);
                r = state_save(path, big);
                setrlimit(RLIMIT_FSIZE, &old);
                is_int(r, -EFBIG, "a write that fails returns its errno");
                text = read_all(path);
                is_str(text, on_disk, "…the old file is untouched");
                listing = (free(listing), list_dir(base));
                is_str(listing, "state", "…the temporary file is removed");
        }

        /* A rename that fails: the target is a folder. */
        {
                _cleanup_free_ char *d = path_join(tmp, "isdir"), *dstate = path_join(d, "state"),
                                    *sub = path_join(dstate, "x");
                _cleanup_free_ char *l = NULL;

                mkdir(d, 0700);
                mkdir(dstate, 0700);
                mkdir(sub, 0700);
                is_int(state_save(dstate, s), -EISDIR, "a rename that fails returns its errno");
                l = list_dir(d);
                is_str(l, "state", "…the temporary file is removed");
                is_int(state_load(dstate, &back), -EISDIR, "load of a folder is -EISDIR");
        }

        /* A folder that cannot be made: its path is a file. Tests run as root, who passes a
         * chmod 0500 folder, and cannot make a read-only mount here; a folder under /proc is
         * the read-only place root cannot write either. -EACCES is checked when not root. */
        {
                _cleanup_free_ char *file = path_join(tmp, "file"), *under = path_join(file, "state");

                write_file(file, "x", 1);
                r = state_save(under, s);
                ok(r == -ENOTDIR || r == -EEXIST, "a folder path that is a file: %d", r);
                text = (free(text), read_all(file));
                is_str(text, "x", "…the file is untouched");

                r = state_save("/proc/recharged-test/state", s);
                ok(r < 0, "a folder under /proc cannot be made: %d", r);
                r = state_save("/proc/self/state", s);
                ok(r < 0, "a file in /proc cannot be made: %d", r);
        }
        if (geteuid() != 0) {
                _cleanup_free_ char *ro = path_join(tmp, "ro"), *rostate = path_join(ro, "state");

                mkdir(ro, 0700);
                is_int(state_save(rostate, s), 0, "save in a folder…");
                chmod(ro, 0500);
                is_int(state_save(rostate, t), -EACCES, "…that became read-only: -EACCES");
                is_int(state_load(rostate, &back), 0, "…the old file is intact");
                ok(back && state_equal(s, back), "…and unchanged");
                back = state_free(back);
                chmod(ro, 0700);
        } else
                ok(true, "read-only folder # SKIP root bypasses permissions");

        /* Damaged files. */
        {
                static const char with_nul[] = "recharged-state 1\n\0paused 1 2\n";
                _cleanup_free_ char *damaged = path_join(tmp, "damaged"), *big = NULL;

                write_file(damaged, with_nul, sizeof(with_nul) - 1);
                is_int(state_load(damaged, &back), -EBADMSG, "load: a NUL byte is -EBADMSG");
                write_file(damaged, "recharged-state 1\npaused 1 2", 28);
                is_int(state_load(damaged, &back), -EBADMSG, "load: a cut file is -EBADMSG");
                big = repeat(V, "\n", STATE_FILE_MAX, "");
                write_file(damaged, big, strlen(big));
                is_int(state_load(damaged, &back), -EBADMSG, "load: a file over STATE_FILE_MAX is -EBADMSG");
        }
}

static void test_move_aside(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "aside"), *moved = NULL, *again = NULL, *text = NULL;
        _cleanup_(state_freep) State *s = NULL;
        usec_t now = 1700000000123456;

        write_file(path, "garbage\n", 8);
        is_int(state_load(path, &s), -EBADMSG, "a damaged file");
        is_int(state_move_aside(path, now, &moved), 0, "is moved aside");
        _cleanup_free_ char *want = NULL;
        if (asprintf(&want, "%s.bad-1700000000", path) < 0)
                abort();
        is_str(moved, want, "…to <path>.bad-<epoch seconds>");
        is_int(state_load(path, &s), -ENOENT, "…the path is free");
        text = read_all(want);
        is_str(text, "garbage\n", "…the damaged content is kept");

        write_file(path, "other\n", 6);
        is_int(state_move_aside(path, now, &again), -EEXIST, "an earlier copy of the same second is not overwritten");
        text = (free(text), read_all(want));
        is_str(text, "garbage\n", "…it is intact");
        is_int(state_move_aside(path, now + USEC_PER_SEC, NULL), 0, "ret_newpath may be NULL");
        is_int(state_move_aside(path, now, NULL), -ENOENT, "nothing to move: -ENOENT");
}

static bool entry_overlay_equal(const EntryOverlay *a, const EntryOverlay *b) {
        if (a->done != b->done || a->n_overrides != b->n_overrides)
                return false;
        for (size_t k = 0; k < a->n_overrides; k++)
                if (a->overrides[k].of != b->overrides[k].of || a->overrides[k].start != b->overrides[k].start ||
                    a->overrides[k].end != b->overrides[k].end)
                        return false;
        return true;
}

static void test_overlay(void) {
        static const char conf[] =
                "[morning]\ntype = recharge\nstart = 07:00\nend = 07:45\n"
                "[stretch]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n"
                "[friend]\ntype = selfcare\nat = 17:00\n";
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        const EntryOverlay morning = {
                .overrides = { { 100, 0, 0 }, { 200, 250, 300 } },
                .n_overrides = 2,
        };
        const EntryOverlay stretch = { .done = 12345 };
        StateEntry entries[] = {
                { .name = (char *) "gone", .overlay = { .done = 1 } },
                { .name = (char *) "morning", .overlay = morning },
                { .name = (char *) "Stretch", .overlay = stretch },
                { .name = (char *) "old", .overlay = { .n_overrides = 1 } },
        };
        State s = {
                .paused_since = 10, .paused_until = USEC_INFINITY,
                .manual_since = 20, .manual_until = 30,
                .manual_message = (char *) "kept",
                .entries = entries, .n_entries = ELEMENTSOF(entries),
        };
        EntryOverlay eo[3], zero = {};
        Overlay o = { .entries = eo, .n_entries = ELEMENTSOF(eo) }, wrong = { .entries = eo, .n_entries = 2 };
        _cleanup_strv_free_ char **dropped = NULL;

        if (!ok(config_load_string(conf, strlen(conf), "test.conf", &c, &errors) >= 0 && c->n_entries == 3,
                "a config of three entries, sorted: friend, morning, stretch"))
                return;

        memset(eo, 0xab, sizeof(eo));
        is_int(state_to_overlay(&s, c, &o, &dropped), 0, "state → overlay");
        ok(entry_overlay_equal(&eo[0], &zero), "…an entry without state is zeroed");
        ok(entry_overlay_equal(&eo[1], &morning), "…overrides land on their entry by name");
        ok(entry_overlay_equal(&eo[2], &stretch), "…names match case-insensitively");
        is_int(strv_length(dropped), 2, "…two unknown entries dropped");
        is_str(dropped ? dropped[0] : NULL, "gone", "…'gone'");
        is_str(dropped && dropped[1] ? dropped[1] : NULL, "old", "…'old'");
        ok(o.paused_since == 10 && o.paused_until == USEC_INFINITY && o.manual_since == 20 && o.manual_until == 30,
           "…pause and manual times copied");
        is_int(state_to_overlay(&s, c, &o, NULL), 0, "ret_dropped may be NULL");
        is_int(state_to_overlay(&s, c, &wrong, NULL), -EINVAL, "an overlay of another size is refused");
        {
                /* A config with no entries at all has no overlay array (found by UBSan in the daemon). */
                _cleanup_(config_freep) Config *empty = NULL;
                _cleanup_strv_free_ char **errs = NULL, **gone = NULL;
                Overlay none = {};
                if (config_load_string("[general]\n", 10, "empty.conf", &empty, &errs) >= 0) {
                        is_int(state_to_overlay(&s, empty, &none, &gone), 0, "state → overlay of a config without entries");
                        is_int(strv_length(gone), 4, "…every entry of the state dropped");
                }
        }

        /* Back: only entries with something to keep; message and silence stay. */
        {
                _cleanup_(state_freep) State *t = calloc(1, sizeof(State));

                t->manual_message = strdup("still here");
                t->silence[0] = (StateSilence) { strdup("dunst"), strdup("1") };
                t->n_silence = 1;
                t->entries = calloc(1, sizeof(StateEntry));
                t->entries[0].name = strdup("stale");
                t->n_entries = 1;
                o.paused_since = 0;
                o.paused_until = 0;
                o.manual_until = 99;

                is_int(state_from_overlay(t, c, &o), 0, "overlay → state");
                is_int(t->n_entries, 2, "…entries with nothing to keep are left out");
                is_str(t->entries[0].name, "morning", "…first 'morning'");
                is_str(t->entries[1].name, "stretch", "…then 'stretch', the config's name");
                ok(entry_overlay_equal(&t->entries[0].overlay, &morning) &&
                   entry_overlay_equal(&t->entries[1].overlay, &stretch), "…with their overlays");
                ok(t->paused_since == 0 && t->paused_until == 0 && t->manual_since == 20 && t->manual_until == 99,
                   "…times copied");
                is_str(t->manual_message, "still here", "…the message stays");
                ok(t->n_silence == 1 && streq(t->silence[0].server, "dunst"), "…silence stays");
                is_int(state_from_overlay(t, c, &wrong), -EINVAL, "an overlay of another size is refused");

                /* And round: the saved state gives the same overlay back. */
                EntryOverlay eo2[3];
                Overlay o2 = { .entries = eo2, .n_entries = ELEMENTSOF(eo2) };
                _cleanup_strv_free_ char **none = NULL;

                is_int(state_to_overlay(t, c, &o2, &none), 0, "state → overlay → state → overlay");
                ok(entry_overlay_equal(&eo2[0], &eo[0]) && entry_overlay_equal(&eo2[1], &eo[1]) &&
                   entry_overlay_equal(&eo2[2], &eo[2]), "…the same overlay");
                is_int(strv_length(none), 0, "…nothing dropped");
        }
}

/* Issue 16 items 1, 7, 9: the state folder's lock, the temp files a kill -9 mid-save leaves, and
 * what is not a file at the state path. */
static void test_state_dir(const char *tmp) {
        _cleanup_free_ char *dir = path_join(tmp, "sd/recharged"), *path = path_join(dir, "state"),
                            *lock = path_join(dir, "lock"), *listing = NULL, *fifo = path_join(tmp, "fifo");
        _cleanup_(state_freep) State *back = NULL;
        static const struct {
                const char *name;
                bool removed;
        } temps[] = {
                { ".#state0123456789abcdef", true },
                { ".#statefedcba9876543210", true },
                { ".#state0123456789ABCDEF", false }, /* state_save writes lower case */
                { ".#state0123456789abcde", false },  /* 15 digits */
                { ".#state0123456789abcdef0", false },
                { ".#history0123456789abcdef", false },
                { ".#stat0123456789abcdef", false },
                { "#state0123456789abcdef", false },
                { "state.bad-1234", false },
        };
        int fd = -1, fd2 = -1;
        unsigned removed = 99;
        pid_t holder = -1;

        /* The lock: created with its folder, exclusive, says who holds it. */
        is_int(state_dir_lock(dir, &fd, &holder), 0, "state_dir_lock takes the lock, making the folder");
        is_int(mode_of(dir), 0700, "…the folder is 0700");
        is_int(mode_of(lock), 0600, "…the lock file is 0600");
        is_int(holder, -1, "…the holder is untouched on success");
        is_int(state_dir_lock(dir, &fd2, &holder), -EBUSY, "a second lock on the folder: -EBUSY");
        is_int(holder, getpid(), "…naming the pid that holds it");
        is_int(fd2, -1, "…and no fd");
        fd = safe_close(fd);
        is_int(state_dir_lock(dir, &fd2, NULL), 0, "once closed, the lock can be taken again");
        fd2 = safe_close(fd2);
        {
                _cleanup_free_ char *d2 = path_join(tmp, "sd2"), *l2 = path_join(d2, "lock");
                mkdir(d2, 0700);
                if (symlink(fifo, l2) < 0)
                        abort();
                is_int(state_dir_lock(d2, &fd2, NULL), -ELOOP, "a symlink planted as the lock file is not followed");
        }

        /* Stale temp files: only the names state_save uses, only regular files. */
        is_int(state_remove_stale_temporaries("/nonexistent/recharged/state", &removed), 0,
               "stale temps in a folder not there yet: nothing to do");
        is_int(removed, 0, "…0 removed");
        for (size_t i = 0; i < ELEMENTSOF(temps); i++) {
                _cleanup_free_ char *p = path_join(dir, temps[i].name);
                write_file(p, "x", 1);
        }
        {
                _cleanup_free_ char *d = path_join(dir, ".#stateaaaaaaaaaaaaaaaa"),
                                    *l = path_join(dir, ".#statebbbbbbbbbbbbbbbb");
                if (mkdir(d, 0700) < 0 || symlink(path, l) < 0)
                        abort();
        }
        write_file(path, V, strlen(V));
        is_int(state_remove_stale_temporaries(path, &removed), 0, "stale temps removed");
        is_int(removed, 2, "…two of them");
        for (size_t i = 0; i < ELEMENTSOF(temps); i++) {
                _cleanup_free_ char *p = path_join(dir, temps[i].name);
                ok((access(p, F_OK) < 0) == temps[i].removed, "…'%s' %s", temps[i].name,
                   temps[i].removed ? "removed" : "kept");
        }
        listing = list_dir(dir);
        ok(strstr(listing, ".#stateaaaaaaaaaaaaaaaa") && strstr(listing, ".#statebbbbbbbbbbbbbbbb") &&
           strstr(listing, "lock,") && strstr(listing, "state"),
           "…a folder and a symlink of that name are kept, and so are the lock and the state (%s)", listing);
        is_int(state_remove_stale_temporaries(path, NULL), 0, "ret_removed may be NULL");

        /* What is not a file at the state path: refused at once, a FIFO never read. */
        if (mkfifo(fifo, 0600) < 0)
                abort();
        is_int(state_load(fifo, &back), -ESPIPE, "state_load of a FIFO: -ESPIPE at once, no hang");
        is_int(state_load("/dev/null", &back), -ENODEV, "state_load of /dev/null: -ENODEV");
        const struct {
                const char *path;
                int r;
        } checks[] = {
                { path, 0 }, { fifo, -ESPIPE }, { "/dev/null", -ENODEV }, { dir, -EISDIR },
                { "/nonexistent/state", -ENOENT },
        };
        for (size_t i = 0; i < ELEMENTSOF(checks); i++)
                is_int(state_check_file(checks[i].path), checks[i].r, "state_check_file('%s')", checks[i].path);
}

/* One random change to what a save writes: an entry's fields (often one that is there already,
 * or its overrides in place, their count the same), the pause, or the records around them. */
static void text_step(Overlay *o, State **rest) {
        EntryOverlay *eo = o->n_entries > 0 ? &o->entries[rnd() % o->n_entries] : NULL;
        usec_t t = rnd() % 4 ? 1700000000000000ULL + rnd() % 1000 * 60000000ULL : rnd_time();

        StateActive *a = (*rest)->n_active > 0 ? &(*rest)->active[rnd() % (*rest)->n_active] : NULL;

        switch (eo ? rnd() % 12 : 7 + rnd() % 5) {
        case 0:
                eo->shown = t;
                break;
        case 1:
                eo->done = eo->shown;
                break;
        case 2:
                if (eo->n_overrides < OVERRIDES_MAX)
                        eo->overrides[eo->n_overrides++] = (Override) { t, t + 1, t + 2 };
                break;
        case 3:
                if (eo->n_overrides > 0)
                        eo->overrides[rnd() % eo->n_overrides].start = t; /* a snooze again */
                break;
        case 4:
                if (eo->n_overrides > 0)
                        eo->overrides[rnd() % eo->n_overrides].end += 1; /* an Extend */
                break;
        case 5:
                eo->n_overrides = eo->n_overrides > 0 ? eo->n_overrides - 1 : 0; /* pruned */
                break;
        case 6:
                *eo = (EntryOverlay) {};
                break;
        case 7:
                o->paused_since = rnd() % 2 ? t : 0;
                o->paused_until = o->paused_since ? USEC_INFINITY : 0;
                o->manual_since = rnd() % 3 ? 0 : t;
                o->manual_until = o->manual_since ? t + 1 : 0;
                o->away_since = rnd() % 3 ? 0 : t;
                break;
        case 8:
                /* One active record changes in place: its notification, its away time. */
                if (a) {
                        a->note = (uint32_t) rnd();
                        a->away = rnd() % 2 ? a->away : t;
                }
                break;
        case 9:
                /* One ends, in the middle: the rest move up a place. */
                if (a) {
                        size_t k = (size_t) (a - (*rest)->active);
                        state_active_done(a);
                        memmove(a, a + 1, ((*rest)->n_active - k - 1) * sizeof(StateActive));
                        (*rest)->n_active--;
                }
                break;
        case 10:
                /* A welcome record's digest comes or goes. */
                if ((*rest)->n_welcome > 0) {
                        StateActive *w = &(*rest)->welcome[rnd() % (*rest)->n_welcome];
                        free(w->digest);
                        w->digest = rnd() % 2 ? strdup("Mail 2") : NULL;
                }
                break;
        default: {
                State *n = rnd_state();

                for (size_t i = 0; i < n->n_entries; i++)
                        free(n->entries[i].name);
                n->n_entries = 0;
                state_free(*rest);
                *rest = n;
        }
        }
}

static void test_text(void) {
        static const char *confs[] = {
                ("[alpha]\ntype = selfcare\nat = 10:00\n[beta]\ntype = selfcare\nat = 10:00\n"
                 "[gamma]\ntype = recharge\nstart = 21:00\nend = 22:00\n[delta]\ntype = selfcare\nat = 11:00\n"
                 "[eps]\ntype = selfcare\nat = 12:00\n"),
                ("[aa]\ntype = selfcare\nat = 10:00\n[alpha]\ntype = selfcare\nat = 10:00\n"
                 "[beta]\ntype = selfcare\nat = 10:00\n[eps]\ntype = selfcare\nat = 12:00\n"),
                "[general]\n",
        };
        _cleanup_(state_text_freep) StateText *t = NULL;
        _cleanup_(state_freep) State *rest = calloc(1, sizeof(State));
        unsigned steps = 0, bad = 0;
        Config *c[ELEMENTSOF(confs)] = {};
        EntryOverlay eo[8] = {};
        Overlay o = {};
        size_t at = 0;
        int r;

        for (size_t k = 0; k < ELEMENTSOF(confs); k++) {
                _cleanup_strv_free_ char **errors = NULL;
                if (config_load_string(confs[k], strlen(confs[k]), "test.conf", &c[k], &errors) < 0)
                        abort();
        }

        /* Random changes, the config changed now and then: the same records at the same
         * indexes under other names must not stay. */
        o = (Overlay) { .entries = c[0]->n_entries ? eo : NULL, .n_entries = c[0]->n_entries };
        for (unsigned i = 0; i < 3000; i++, steps++) {
                _cleanup_free_ char *kept = NULL, *whole = NULL;
                int rk, rw;

                if (rnd() % 50 == 0) {
                        /* A Reload: the overlay carried over by name, as the manager does. */
                        size_t next = (at + 1 + rnd() % (ELEMENTSOF(confs) - 1)) % ELEMENTSOF(confs);
                        _cleanup_(state_freep) State *s = calloc(1, sizeof(State));
                        EntryOverlay neo[8] = {};
                        Overlay no = { .entries = c[next]->n_entries ? neo : NULL, .n_entries = c[next]->n_entries };

                        if (state_from_overlay(s, c[at], &o) < 0 || state_to_overlay(s, c[next], &no, NULL) < 0)
                                abort();
                        memcpy(eo, neo, sizeof eo);
                        no.entries = c[next]->n_entries ? eo : NULL;
                        o = no;
                        at = next;
                }
                text_step(&o, &rest);
                rk = state_text_format(&t, rest, c[at], &o, &kept);
                rw = state_text_format_whole(rest, c[at], &o, &whole);
                if (rk != rw || (rk >= 0 && !streq(kept, whole))) {
                        if (++bad < 3)
                                diag("step %u: %d vs %d", i, rk, rw);
                }
        }
        ok(bad == 0 && steps == 3000, "state_text_format() equals a fresh format after %u random changes and config "
           "changes", steps);

        /* What it refuses. */
        {
                _cleanup_free_ char *text = NULL;
                State with_entries = { .n_entries = 1, .entries = &(StateEntry) { .name = (char *) "alpha" } };
                Overlay wrong = { .entries = eo, .n_entries = 1 };
                State bad_silence = { .n_silence = 1, .silence = { { .server = (char *) "", .before = (char *) "x" } } };
                Overlay none = { .entries = eo, .n_entries = c[0]->n_entries };

                memset(eo, 0, sizeof eo);
                is_int(state_text_format(&t, &with_entries, c[0], &none, &text), -EINVAL, "a rest with entries: refused");
                is_int(state_text_format(&t, rest, c[0], &wrong, &text), -EINVAL, "an overlay of another size: refused");
                is_int(state_text_format(&t, &bad_silence, c[0], &none, &text), -EINVAL,
                       "a rest state_format() refuses: refused the same");
                ok(!text, "…and no text");
        }

        /* A config that is not sorted and unique (the parser makes none; names changed by hand):
         * the whole path, which refuses two entries of one name. */
        {
                _cleanup_free_ char *kept = NULL, *whole = NULL;
                State empty = {};
                Entry swap = c[0]->entries[0];
                Overlay all = { .entries = eo, .n_entries = c[0]->n_entries };

                c[0]->entries[0] = c[0]->entries[1];
                c[0]->entries[1] = swap;
                for (size_t i = 0; i < c[0]->n_entries; i++)
                        eo[i] = (EntryOverlay) { .shown = 1000 + i };
                r = state_text_format(&t, &empty, c[0], &all, &kept);
                is_int(r, 0, "names out of order: formatted");
                is_int(state_text_format_whole(&empty, c[0], &all, &whole), 0, "…as a fresh format is");
                is_str(kept, whole, "…the same text, in the config's order");
                /* "alpha" becomes "beta": two of one name. */
                free(kept);
                kept = NULL;
                strcpy(c[0]->entries[1].name, "beta");
                state_text_free(t);
                t = NULL;
                is_int(state_text_format(&t, &empty, c[0], &all, &kept), -EINVAL, "two entries of one name: refused");
                strcpy(c[0]->entries[1].name, "alpha");
        }

        for (size_t k = 0; k < ELEMENTSOF(confs); k++)
                config_free(c[k]);
}

int main(void) {
        char tmp[] = "/tmp/test-state-XXXXXX";
        const char *seed = getenv("TEST_SEED");

        if (seed)
                rng_state = strtoull(seed, NULL, 0) ?: 1;
        diag("seed 0x%" PRIx64 " (TEST_SEED to replay)", rng_state);
        umask(022);
        if (!mkdtemp(tmp))
                return 99;

        test_round_trip();
        test_known_text();
        test_malformed();
        test_accepted();
        test_format_refuses();
        test_save_load(tmp);
        test_move_aside(tmp);
        test_state_dir(tmp);
        test_overlay();
        test_text();

        {
                char *cmd;
                if (asprintf(&cmd, "rm -rf '%s'", tmp) >= 0) {
                        (void) system(cmd);
                        free(cmd);
                }
        }
        return tap_done();
}
