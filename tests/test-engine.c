/* SPDX-License-Identifier: MIT */
/* test-engine.c: the schedule engine: DST in several zones, ties, overrides, holding, and
 * properties over random schedules. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine-internal.h" /* gen_window(), for the brute-force oracle */
#include "engine.h"
#include "macro.h"
#include "tap.h"
#include "tz.h"

static Tz *zone(const char *name) {
        Tz *tz = NULL;
        if (tz_load(name, &tz) < 0) {
                fprintf(stderr, "cannot load zone %s\n", name);
                exit(2);
        }
        return tz;
}

static Config *cfg(const char *text) {
        _cleanup_strv_free_ char **errors = NULL;
        Config *c = NULL;
        if (config_load_string(text, strlen(text), "test.conf", &c, &errors) < 0) {
                for (char **e = errors; e && *e; e++)
                        fprintf(stderr, "%s\n", *e);
                fprintf(stderr, "config refused:\n%s\n", text);
                exit(2);
        }
        return c;
}

/* "YYYY-MM-DD HH:MM[:SS]" on tz's wall clock → instant (µs). */
static usec_t L(const Tz *tz, const char *s) {
        int y, mo, d, h, mi, se = 0;
        if (sscanf(s, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &se) < 5)
                abort();
        int64_t local = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
        return (usec_t) tz_from_local(tz, local) * USEC_PER_SEC;
}

static const char *fmt(const Tz *tz, usec_t t, char buf[static 32]) {
        int64_t local = tz_to_local(tz, (int64_t) (t / USEC_PER_SEC));
        int64_t day = local_day(local), y;
        unsigned m, d;
        int64_t sec = local - day * 86400;
        civil_from_days(day, &y, &m, &d);
        snprintf(buf, 32, "%04" PRId64 "-%02u-%02u %02d:%02d:%02d", y, m, d, (int) (sec / 3600),
                 (int) (sec / 60 % 60), (int) (sec % 60));
        return buf;
}

typedef struct Fixture {
        Tz *tz;
        Config *c;
        Engine *e;
        Overlay o;
} Fixture;

static void fx_init(Fixture *f, const char *zname, const char *text) {
        f->tz = zone(zname);
        f->c = cfg(text);
        if (engine_new(f->c, f->tz, &f->e) < 0)
                abort();
        f->o = (Overlay) { .n_entries = f->c->n_entries };
        f->o.entries = calloc(f->c->n_entries + 1, sizeof(EntryOverlay));
}

static void fx_done(Fixture *f) {
        engine_free(f->e);
        config_free(f->c);
        tz_free(f->tz);
        free(f->o.entries);
}

/* Events of [from, to) as "KIND entry HH:MM:SS" lines joined by "; " on the local clock. */
static char *events_str(Fixture *f, usec_t from, usec_t to) {
        _cleanup_free_ Event *v = NULL;
        size_t n = 0, len = 0;
        char *out = calloc(1, 1);
        if (engine_range(f->e, &f->o, from, to, &v, &n) < 0)
                abort();
        for (size_t k = 0; k < n; k++) {
                char b[32], line[128];
                const char *name = v[k].entry == ENTRY_MANUAL ? "manual" : f->c->entries[v[k].entry].name;
                snprintf(line, sizeof line, "%s%s %s %s%s", k ? "; " : "", event_kind_to_string(v[k].kind), name,
                         fmt(f->tz, v[k].time, b) + 11, v[k].held ? " held" : "");
                out = realloc(out, len + strlen(line) + 1);
                strcpy(out + len, line);
                len += strlen(line);
        }
        return out;
}

/* --- blocks across DST ------------------------------------------------------------------ */

static const struct {
        const char *zone, *rule, *day;
        const char *start, *end; /* local wall clock; NULL start: no block that day */
        int64_t seconds;         /* real length */
} block_cases[] = {
        /* Europe/Berlin: 2026-03-29 02:00→03:00, 2026-10-25 03:00→02:00 */
        { "Europe/Berlin", "start = 01:30\nend = 03:30", "2026-03-29", "2026-03-29 01:30:00", "2026-03-29 03:30:00", 3600 },
        { "Europe/Berlin", "start = 02:30\nend = 03:30", "2026-03-29", NULL, NULL, 0 },
        { "Europe/Berlin", "start = 02:30\nend = 04:00", "2026-03-29", "2026-03-29 03:30:00", "2026-03-29 04:00:00", 1800 },
        { "Europe/Berlin", "start = 01:30\nduration = 2h", "2026-03-29", "2026-03-29 01:30:00", "2026-03-29 04:30:00", 7200 },
        { "Europe/Berlin", "start = 23:00\nend = 01:00", "2026-03-28", "2026-03-28 23:00:00", "2026-03-29 01:00:00", 7200 },
        { "Europe/Berlin", "start = 23:00\nend = 04:00", "2026-03-28", "2026-03-28 23:00:00", "2026-03-29 04:00:00", 14400 },
        { "Europe/Berlin", "start = 02:30\nend = 03:30", "2026-10-25", "2026-10-25 02:30:00", "2026-10-25 03:30:00", 7200 },
        { "Europe/Berlin", "start = 01:00\nend = 04:00", "2026-10-25", "2026-10-25 01:00:00", "2026-10-25 04:00:00", 14400 },
        { "Europe/Berlin", "start = 02:30\nduration = 1h", "2026-10-25", "2026-10-25 02:30:00", "2026-10-25 02:30:00", 3600 },
        { "Europe/Berlin", "start = 07:00\nend = 07:45", "2026-03-30", "2026-03-30 07:00:00", "2026-03-30 07:45:00", 2700 },
        { "Europe/Berlin", "start = 07:00\nend = 07:45", "2026-10-24", "2026-10-24 07:00:00", "2026-10-24 07:45:00", 2700 },
        /* America/New_York: 2026-03-08 02:00→03:00, 2026-11-01 02:00→01:00 */
        { "America/New_York", "start = 02:15\nend = 03:15", "2026-03-08", NULL, NULL, 0 },
        { "America/New_York", "start = 01:00\nend = 04:00", "2026-03-08", "2026-03-08 01:00:00", "2026-03-08 04:00:00", 7200 },
        { "America/New_York", "start = 02:15\nend = 03:45", "2026-03-08", "2026-03-08 03:15:00", "2026-03-08 03:45:00", 1800 },
        { "America/New_York", "start = 01:30\nend = 02:30", "2026-11-01", "2026-11-01 01:30:00", "2026-11-01 02:30:00", 7200 },
        { "America/New_York", "start = 00:30\nduration = 90min", "2026-11-01", "2026-11-01 00:30:00", "2026-11-01 01:00:00", 5400 },
        { "America/New_York", "start = 22:00\nend = 06:00", "2026-10-31", "2026-10-31 22:00:00", "2026-11-01 06:00:00", 9 * 3600 },
        /* Australia/Lord_Howe: 2026-04-05 02:00→01:30, 2026-10-04 02:00→02:30 */
        { "Australia/Lord_Howe", "start = 01:45\nend = 02:15", "2026-04-05", "2026-04-05 01:45:00", "2026-04-05 02:15:00", 3600 },
        { "Australia/Lord_Howe", "start = 02:10\nend = 03:00", "2026-10-04", "2026-10-04 02:40:00", "2026-10-04 03:00:00", 1200 },
        { "Australia/Lord_Howe", "start = 01:00\nend = 03:00", "2026-10-04", "2026-10-04 01:00:00", "2026-10-04 03:00:00", 5400 },
        /* Pacific/Apia: 2012-04-01 04:00→03:00, 2012-09-30 03:00→04:00 */
        { "Pacific/Apia", "start = 03:30\nend = 04:30", "2012-04-01", "2012-04-01 03:30:00", "2012-04-01 04:30:00", 7200 },
        { "Pacific/Apia", "start = 02:00\nend = 05:00", "2012-09-30", "2012-09-30 02:00:00", "2012-09-30 05:00:00", 7200 },
        /* Asia/Kolkata: +05:30, no DST */
        { "Asia/Kolkata", "start = 07:00\nend = 07:45", "2026-03-29", "2026-03-29 07:00:00", "2026-03-29 07:45:00", 2700 },
        { "Asia/Kolkata", "start = 23:30\nend = 00:15", "2026-10-25", "2026-10-25 23:30:00", "2026-10-26 00:15:00", 2700 },
        /* America/Santiago: 2026-04-05 00:00→04-04 23:00, 2026-09-06 00:00→01:00 */
        { "America/Santiago", "start = 00:00\nend = 02:00", "2026-09-06", "2026-09-06 01:00:00", "2026-09-06 02:00:00", 3600 },
        { "America/Santiago", "start = 00:00\nend = 01:00", "2026-09-06", NULL, NULL, 0 },
        { "America/Santiago", "start = 23:30\nend = 00:30", "2026-09-05", "2026-09-05 23:30:00", "2026-09-06 01:30:00", 3600 },
        { "America/Santiago", "start = 23:30\nend = 00:30", "2026-04-04", "2026-04-04 23:30:00", "2026-04-05 00:30:00", 7200 },
        { "America/Santiago", "start = 07:00\nend = 08:00", "2026-09-06", "2026-09-06 07:00:00", "2026-09-06 08:00:00", 3600 },
        /* UTC, year boundary, leap day */
        { "UTC", "start = 23:00\nend = 01:00", "2026-12-31", "2026-12-31 23:00:00", "2027-01-01 01:00:00", 7200 },
        { "UTC", "start = 12:00\nend = 12:00", "2026-06-01", "2026-06-01 12:00:00", "2026-06-02 12:00:00", 86400 },
        { "UTC", "start = 08:00\nduration = 24h", "2026-06-01", "2026-06-01 08:00:00", "2026-06-02 08:00:00", 86400 },
};

/* A rule for a test's name: newlines as "; ". */
static const char *oneline(const char *rule) {
        static char buf[256];
        size_t k = 0;
        for (; *rule && k + 3 < sizeof buf; rule++) {
                if (*rule == '\n') {
                        buf[k++] = ';';
                        buf[k++] = ' ';
                } else
                        buf[k++] = *rule;
        }
        buf[k] = 0;
        return buf;
}

static void test_blocks(void) {
        for (size_t i = 0; i < ELEMENTSOF(block_cases); i++) {
                char text[512], day0[32], day1[32], b1[32], b2[32];
                Fixture f;
                snprintf(text, sizeof text, "[general]\nheads-up = 0\n[b]\ntype = recharge\n%s\n", block_cases[i].rule);
                fx_init(&f, block_cases[i].zone, text);
                snprintf(day0, sizeof day0, "%s 00:00", block_cases[i].day);
                usec_t from = L(f.tz, day0);
                snprintf(day1, sizeof day1, "%s 23:59:59", block_cases[i].day);
                usec_t to = L(f.tz, day1) + USEC_PER_SEC;

                _cleanup_free_ Event *v = NULL;
                size_t n;
                const Event *start = NULL;
                if (engine_range(f.e, NULL, from, to, &v, &n) < 0)
                        abort();
                for (size_t k = 0; k < n; k++)
                        if (v[k].kind == EVENT_START)
                                start = &v[k];

                if (!block_cases[i].start) {
                        ok(!start, "%s '%s' on %s: no block", block_cases[i].zone, oneline(block_cases[i].rule), block_cases[i].day);
                } else if (!start) {
                        ok(false, "%s '%s' on %s: a block", block_cases[i].zone, oneline(block_cases[i].rule), block_cases[i].day);
                } else {
                        char got[96], want[96];
                        snprintf(got, sizeof got, "%s – %s, %" PRId64 "s", fmt(f.tz, start->start, b1), fmt(f.tz, start->end, b2),
                                 (int64_t) ((start->end - start->start) / USEC_PER_SEC));
                        snprintf(want, sizeof want, "%s – %s, %" PRId64 "s", block_cases[i].start, block_cases[i].end,
                                 block_cases[i].seconds);
                        is_str(got, want, "%s '%s' on %s", block_cases[i].zone, oneline(block_cases[i].rule), block_cases[i].day);
                }
                fx_done(&f);
        }
}

/* --- reminders across DST --------------------------------------------------------------- */

static const struct {
        const char *zone, *rule, *day, *want;
} reminder_cases[] = {
        { "Europe/Berlin", "every = 30min\nbetween = 01:00-04:00", "2026-03-29",
          "01:00:00 01:30:00 03:00:00 03:30:00 04:00:00" },
        { "Europe/Berlin", "every = 30min\nbetween = 01:00-04:00", "2026-10-25",
          "01:00:00 01:30:00 02:00:00 02:30:00 03:00:00 03:30:00 04:00:00" },
        { "Europe/Berlin", "every = 90min\nbetween = 09:00-18:00", "2026-03-29",
          "09:00:00 10:30:00 12:00:00 13:30:00 15:00:00 16:30:00 18:00:00" },
        { "Europe/Berlin", "every = 90min\nbetween = 09:00-17:59", "2026-10-25",
          "09:00:00 10:30:00 12:00:00 13:30:00 15:00:00 16:30:00" },
        { "America/New_York", "at = 02:30, 01:30", "2026-11-01", "01:30:00 02:30:00" },
        { "America/New_York", "at = 02:30", "2026-03-08", "03:30:00" },
        { "Australia/Lord_Howe", "every = 15min\nbetween = 01:45-02:45", "2026-10-04",
          "01:45:00 02:30:00 02:45:00" },
        { "America/Santiago", "at = 00:00, 00:30, 12:00", "2026-09-06", "01:00:00 01:30:00 12:00:00" },
        { "Asia/Kolkata", "at = 17:00, 20:30", "2026-11-24", "17:00:00 20:30:00" },
        { "UTC", "every = 2h\nbetween = 22:00-02:00", "2026-11-24", "00:00:00 02:00:00 22:00:00" },
        { "UTC", "every = 7min\nbetween = 09:00-09:30", "2026-11-24", "09:00:00 09:07:00 09:14:00 09:21:00 09:28:00" },
};

static void test_reminders(void) {
        for (size_t i = 0; i < ELEMENTSOF(reminder_cases); i++) {
                char text[512], d0[32], d1[32], got[512] = "";
                Fixture f;
                snprintf(text, sizeof text, "[r]\ntype = selfcare\n%s\n", reminder_cases[i].rule);
                fx_init(&f, reminder_cases[i].zone, text);
                snprintf(d0, sizeof d0, "%s 00:00", reminder_cases[i].day);
                snprintf(d1, sizeof d1, "%s 23:59:59", reminder_cases[i].day);

                _cleanup_free_ Event *v = NULL;
                size_t n;
                if (engine_range(f.e, NULL, L(f.tz, d0), L(f.tz, d1) + USEC_PER_SEC, &v, &n) < 0)
                        abort();
                for (size_t k = 0; k < n; k++) {
                        char b[32];
                        if (k)
                                strcat(got, " ");
                        strcat(got, fmt(f.tz, v[k].time, b) + 11);
                }
                is_str(got, reminder_cases[i].want, "%s '%s' on %s", reminder_cases[i].zone, oneline(reminder_cases[i].rule),
                       reminder_cases[i].day);
                fx_done(&f);
        }
}

/* Berlin's fall-back day: the repeated 02:00 and 02:30 are the first ones, so 02:30 → 03:00 is
 * an hour and a half of real time. */
static void test_fold_is_first(void) {
        Fixture f;
        fx_init(&f, "Europe/Berlin", "[r]\ntype = selfcare\nat = 02:30, 03:00\n");
        _cleanup_free_ Event *v = NULL;
        size_t n;
        engine_range(f.e, NULL, L(f.tz, "2026-10-25 00:00"), L(f.tz, "2026-10-26 00:00"), &v, &n);
        ok(n == 2 && v[1].time - v[0].time == 90 * USEC_PER_MINUTE, "fall back: 02:30 is the first one");
        ok(n == 2 && v[0].time == 1792888200ULL * USEC_PER_SEC, "fall back: 02:30 CEST is 00:30Z");
        fx_done(&f);
}

/* Apia skipped 2011-12-30: a daily block happens once on the 31st, not twice. */
static void test_apia_skipped_day(void) {
        Fixture f;
        fx_init(&f, "Pacific/Apia", "[general]\nheads-up = 0\n[b]\ntype = recharge\nstart = 07:00\nend = 08:00\n");
        char *got = events_str(&f, L(f.tz, "2011-12-29 00:00"), L(f.tz, "2012-01-01 00:00"));
        is_str(got, "start b 07:00:00; end b 08:00:00; start b 07:00:00; end b 08:00:00",
               "Apia 2011-12-29..31: the block on the 29th and once on the 31st");
        free(got);
        fx_done(&f);

        fx_init(&f, "Pacific/Apia", "[general]\nheads-up = 0\n[b]\ntype = recharge\ndays = Fri\nstart = 07:00\nend = 08:00\n");
        _cleanup_free_ Event *v = NULL;
        size_t n;
        char b[32];
        engine_range(f.e, NULL, L(f.tz, "2011-12-29 00:00"), L(f.tz, "2012-01-01 00:00"), &v, &n);
        ok(n == 2 && streq(fmt(f.tz, v[0].time, b), "2011-12-31 07:00:00"),
           "Apia: Friday's block of the skipped Friday moves forward by the gap, to Saturday 07:00");
        fx_done(&f);
}

static void test_leap_and_days(void) {
        Fixture f;
        char b[32];
        fx_init(&f, "UTC", "[general]\nheads-up = 0\n[b]\ntype = recharge\ndays = Tue\nstart = 10:00\nend = 11:00\n");
        _cleanup_free_ Event *v = NULL;
        size_t n;
        engine_range(f.e, NULL, L(f.tz, "2028-02-27 00:00"), L(f.tz, "2028-03-07 00:00"), &v, &n);
        ok(n == 2 && streq(fmt(f.tz, v[0].time, b), "2028-02-29 10:00:00"), "a Tuesday block falls on leap day 2028-02-29");
        free(v);
        v = NULL;
        engine_range(f.e, NULL, L(f.tz, "2026-11-24 00:00"), L(f.tz, "2026-12-24 00:00"), &v, &n);
        bool all_tue = n == 10;
        for (size_t k = 0; k < n; k++)
                all_tue = all_tue && weekday_from_days((int64_t) (v[k].time / USEC_PER_SEC / 86400)) == WEEKDAY_TUE;
        ok(all_tue, "days = Tue: five blocks in 30 days, every one on a Tuesday");
        fx_done(&f);

        fx_init(&f, "Europe/Berlin", "[general]\nheads-up = 0\n[b]\ntype = recharge\ndays = Fri\nstart = 23:00\nend = 01:00\n");
        v = (free(v), NULL);
        engine_range(f.e, NULL, L(f.tz, "2026-11-27 00:00"), L(f.tz, "2026-11-29 00:00"), &v, &n);
        ok(n == 2 && streq(fmt(f.tz, v[0].time, b), "2026-11-27 23:00:00") && streq(fmt(f.tz, v[1].time, b), "2026-11-28 01:00:00"),
           "days = Fri with 23:00–01:00 runs Friday night into Saturday");
        fx_done(&f);

        fx_init(&f, "UTC", "[general]\nheads-up = 0\n[b]\ntype = recharge\nstart = 23:30\nend = 00:30\n");
        v = (free(v), NULL);
        engine_range(f.e, NULL, L(f.tz, "2026-12-31 12:00"), L(f.tz, "2027-01-01 12:00"), &v, &n);
        ok(n == 2 && streq(fmt(f.tz, v[1].time, b), "2027-01-01 00:30:00"), "a block over the year boundary ends in the new year");
        fx_done(&f);
}

/* --- ordering ------------------------------------------------------------------------- */

static void test_ties(void) {
        Fixture f;
        fx_init(&f, "UTC",
                "[general]\nheads-up = 10min\n"
                "[zz-a]\ntype = recharge\nstart = 07:00\nend = 08:00\ndnd = no\n"
                "[yy-b]\ntype = recharge\nstart = 08:00\nend = 09:00\ndnd = no\n"
                "[xx-c]\ntype = recharge\nstart = 08:10\nend = 08:20\ndnd = no\n"
                "[bb-r]\ntype = selfcare\nat = 08:00\n"
                "[aa-r]\ntype = selfcare\nat = 08:00\n");
        char *got = events_str(&f, L(f.tz, "2026-11-24 08:00"), L(f.tz, "2026-11-24 08:00:01"));
        is_str(got, "end zz-a 08:00:00; start yy-b 08:00:00; heads-up xx-c 08:00:00; reminder aa-r 08:00:00; reminder bb-r 08:00:00",
               "ties: end, start, heads-up, reminder, then by entry name");
        free(got);
        fx_done(&f);
}

/* --- overrides -------------------------------------------------------------------------- */

#define BLOCK_CONF "[general]\nheads-up = 10min\n[m]\ntype = recharge\nstart = 07:00\nend = 07:45\n"

static void test_skip(void) {
        Fixture f;
        usec_t when;
        fx_init(&f, "UTC", BLOCK_CONF);
        ok(engine_skip(f.e, &f.o, 0, L(f.tz, "2026-11-24 06:00"), &when) == 0 && when == L(f.tz, "2026-11-24 07:00"),
           "skip: the next occurrence is today's");
        char *got = events_str(&f, L(f.tz, "2026-11-24 00:00"), L(f.tz, "2026-11-26 00:00"));
        is_str(got, "heads-up m 06:50:00; start m 07:00:00; end m 07:45:00", "skip: today's block is gone, tomorrow's stays");
        free(got);
        ok(engine_skip(f.e, &f.o, 0, L(f.tz, "2026-11-24 06:00"), &when) == 0 && when == L(f.tz, "2026-11-25 07:00"),
           "skip again: skips the one after");
        fx_done(&f);

        fx_init(&f, "UTC", BLOCK_CONF);
        engine_skip(f.e, &f.o, 0, L(f.tz, "2026-11-24 07:10"), &when);
        ok(when == L(f.tz, "2026-11-25 07:00"), "skip during a block: skips the next one, not the one on");
        EngineStatus s;
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 07:10"), &s);
        ok(s.recharging && s.entry == 0, "skip during a block: the block on stays on");
        fx_done(&f);
}

static void test_snooze(void) {
        Fixture f;
        usec_t when;
        fx_init(&f, "UTC", BLOCK_CONF);
        ok(engine_snooze(f.e, &f.o, 0, L(f.tz, "2026-11-24 06:52"), 10 * USEC_PER_MINUTE, &when) == 0 &&
                   when == L(f.tz, "2026-11-24 07:10"),
           "snooze a block from its heads-up: starts 10 min later");
        char *got = events_str(&f, L(f.tz, "2026-11-24 06:52"), L(f.tz, "2026-11-24 12:00"));
        is_str(got, "heads-up m 07:00:00; start m 07:10:00; end m 07:55:00", "snooze: moved with its end, not duplicated");
        free(got);
        engine_snooze(f.e, &f.o, 0, L(f.tz, "2026-11-24 07:01"), 10 * USEC_PER_MINUTE, &when);
        ok(when == L(f.tz, "2026-11-24 07:20"), "snooze twice: adds up");
        fx_done(&f);

        fx_init(&f, "UTC", "[r]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n");
        ok(engine_snooze(f.e, &f.o, 0, L(f.tz, "2026-11-24 08:00"), 10 * USEC_PER_MINUTE, &when) == 0 &&
                   when == L(f.tz, "2026-11-24 09:10"),
           "snooze a reminder before any was shown: the next one moves");
        ok(engine_done(f.e, &f.o, 0, L(f.tz, "2026-11-24 09:11"), &when) == -ENOENT,
           "done before any reminder was shown to the person: -ENOENT");
        f.o.entries[0].shown = L(f.tz, "2026-11-24 09:00"); /* the manager says it showed the 09:00 one */
        engine_snooze(f.e, &f.o, 0, L(f.tz, "2026-11-24 09:11"), 10 * USEC_PER_MINUTE, &when);
        ok(when == L(f.tz, "2026-11-24 09:21"), "snooze the reminder just shown: it comes back in 10 min");
        got = events_str(&f, L(f.tz, "2026-11-24 09:12"), L(f.tz, "2026-11-24 12:01"));
        is_str(got, "reminder r 09:21:00; reminder r 10:30:00; reminder r 12:00:00", "snoozed reminder: moved, not duplicated");
        free(got);
        ok(engine_done(f.e, &f.o, 0, L(f.tz, "2026-11-24 09:25"), &when) == 0 && when == L(f.tz, "2026-11-24 09:00"),
           "done: marks the one shown last (by its planned time)");
        ok(engine_done(f.e, &f.o, 0, L(f.tz, "2026-11-24 09:25"), &when) == -EALREADY,
           "done twice on the same reminder: -EALREADY, counted once");
        engine_snooze(f.e, &f.o, 0, L(f.tz, "2026-11-24 09:26"), 10 * USEC_PER_MINUTE, &when);
        ok(when == L(f.tz, "2026-11-24 10:40"), "snooze after done: the next one moves");
        fx_done(&f);
}

/* Found by fuzz-engine: an end near the end of time (many Extends, or a state file) wrapped past
 * USEC_INFINITY to 1970 on Extend, which ended the recharge it was to lengthen; a block made
 * open-ended by a state file (end USEC_INFINITY, shown as until 0) got an end in 1970 the same way. */
static void test_extend_overflow(void) {
        Fixture f;
        EngineStatus s;
        Overlay before;
        EntryOverlay eo_before;
        usec_t until = 0, now;
        fx_init(&f, "UTC", BLOCK_CONF);
        now = L(f.tz, "2026-11-24 12:00");

        f.o.manual_since = now - USEC_PER_MINUTE;
        f.o.manual_until = USEC_INFINITY - USEC_PER_HOUR;
        before = f.o;
        ok(engine_extend(f.e, &f.o, now, 2 * USEC_PER_HOUR, &until) == -ERANGE &&
                   f.o.manual_until == before.manual_until && f.o.manual_since == before.manual_since,
           "extend past the end of time: -ERANGE, the manual recharge untouched");
        engine_at(f.e, &f.o, now, &s);
        ok(s.recharging && s.manual, "the refused extend leaves the manual recharge on");
        ok(engine_extend(f.e, &f.o, now, 30 * USEC_PER_MINUTE, &until) == 0 &&
                   until == USEC_INFINITY - 30 * USEC_PER_MINUTE,
           "an extend that fits is still taken");
        f.o.manual_since = f.o.manual_until = 0;

        /* The block at 07:00 as a state file may hold it: overridden to end at the end of time. */
        now = L(f.tz, "2026-11-24 07:10");
        f.o.entries[0].overrides[0] = (Override) { .of = L(f.tz, "2026-11-24 07:00"), .start = L(f.tz, "2026-11-24 07:00"),
                                                   .end = USEC_INFINITY };
        f.o.entries[0].n_overrides = 1;
        eo_before = f.o.entries[0];
        engine_at(f.e, &f.o, now, &s);
        ok(s.recharging && !s.manual && s.until == 0, "a block without an end is on, until 0");
        ok(engine_extend(f.e, &f.o, now, USEC_PER_HOUR, &until) == -EOPNOTSUPP &&
                   memcmp(&f.o.entries[0], &eo_before, sizeof eo_before) == 0,
           "a block without an end cannot be extended, and is untouched");
        f.o.entries[0].overrides[0].end = USEC_INFINITY - USEC_PER_MINUTE;
        eo_before = f.o.entries[0];
        ok(engine_extend(f.e, &f.o, now, USEC_PER_HOUR, &until) == -ERANGE &&
                   memcmp(&f.o.entries[0], &eo_before, sizeof eo_before) == 0,
           "a block extended past the end of time: -ERANGE, untouched");
        engine_at(f.e, &f.o, now, &s);
        ok(s.recharging && s.until == USEC_INFINITY - USEC_PER_MINUTE, "and it goes on as before");
        fx_done(&f);
}

/* Found by fuzz-engine: a state file may hold two overrides for one occurrence. The first one
 * counted, but the second made the occurrence a second time, and Stop (which edits the first)
 * could not end that one. The first override for an occurrence is the one, everywhere. */
static void test_duplicate_override(void) {
        Fixture f;
        EngineStatus s;
        fx_init(&f, "UTC", BLOCK_CONF);
        usec_t of = L(f.tz, "2026-11-24 07:00");

        f.o.entries[0].overrides[0] = (Override) { .of = of, .start = L(f.tz, "2026-11-24 07:05"),
                                                   .end = L(f.tz, "2026-11-24 07:40") };
        f.o.entries[0].overrides[1] = (Override) { .of = of, .start = L(f.tz, "2026-11-24 07:10"),
                                                   .end = L(f.tz, "2026-11-24 08:30") };
        f.o.entries[0].n_overrides = 2;
        char *got = events_str(&f, L(f.tz, "2026-11-24 06:00"), L(f.tz, "2026-11-24 12:00"));
        is_str(got, "heads-up m 06:55:00; start m 07:05:00; end m 07:40:00",
               "two overrides for one occurrence: the first counts, the occurrence happens once");
        free(got);
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 08:00"), &s);
        ok(!s.recharging, "the second override does not make it a second time");
        ok(engine_stop(f.e, &f.o, L(f.tz, "2026-11-24 07:20")) == 0, "stop it");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 07:20"), &s);
        ok(!s.recharging, "stop ends it");
        fx_done(&f);
}

static void test_stop_extend_manual(void) {
        Fixture f;
        EngineStatus s;
        usec_t until;
        fx_init(&f, "UTC", BLOCK_CONF);

        ok(engine_stop(f.e, &f.o, L(f.tz, "2026-11-24 06:00")) == -ESRCH, "stop with nothing on: -ESRCH");
        ok(engine_extend(f.e, &f.o, L(f.tz, "2026-11-24 06:00"), USEC_PER_MINUTE, NULL) == -ESRCH, "extend with nothing on: -ESRCH");
        ok(engine_extend(f.e, &f.o, L(f.tz, "2026-11-24 07:10"), 15 * USEC_PER_MINUTE, &until) == 0 &&
                   until == L(f.tz, "2026-11-24 08:00"),
           "extend a block by 15 min");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 07:50"), &s);
        ok(s.recharging && s.until == L(f.tz, "2026-11-24 08:00"), "extended block is on past its planned end");
        ok(engine_stop(f.e, &f.o, L(f.tz, "2026-11-24 07:20")) == 0, "stop the block");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 07:21"), &s);
        ok(!s.recharging, "a stopped block stays ended");
        char *got = events_str(&f, L(f.tz, "2026-11-24 07:00"), L(f.tz, "2026-11-25 07:01"));
        is_str(got, "start m 07:00:00; end m 07:20:00; heads-up m 06:50:00; start m 07:00:00",
               "stop: the end moves to the stop, the next occurrence is untouched");
        free(got);

        /* A manual recharge inside a block: the later end counts. */
        f.o.manual_since = L(f.tz, "2026-11-25 07:10");
        f.o.manual_until = L(f.tz, "2026-11-25 07:30");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-25 07:15"), &s);
        ok(s.recharging && !s.manual && s.entry == 0 && s.until == L(f.tz, "2026-11-25 07:45") && s.n_blocks == 1,
           "manual ending before the block: the block counts");
        f.o.manual_until = L(f.tz, "2026-11-25 08:30");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-25 07:15"), &s);
        ok(s.recharging && s.manual && s.until == L(f.tz, "2026-11-25 08:30"), "manual ending after the block: the manual counts");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-25 08:00"), &s);
        ok(s.recharging && s.manual && s.n_blocks == 0, "after the block's end the manual goes on");
        f.o.manual_until = 0;
        engine_at(f.e, &f.o, L(f.tz, "2026-11-25 07:15"), &s);
        ok(s.manual && s.until == 0, "an open-ended manual recharge counts");
        ok(engine_extend(f.e, &f.o, L(f.tz, "2026-11-25 07:15"), USEC_PER_MINUTE, NULL) == -EOPNOTSUPP,
           "an open-ended recharge cannot be extended");
        ok(engine_stop(f.e, &f.o, L(f.tz, "2026-11-25 07:20")) == 0 && f.o.manual_since == 0, "stop ends the manual recharge");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-25 07:21"), &s);
        ok(!s.recharging, "stop ends the block too");
        got = events_str(&f, L(f.tz, "2026-11-25 07:00"), L(f.tz, "2026-11-25 12:00"));
        is_str(got, "start m 07:00:00; end m 07:20:00", "stop during manual + block: both end");
        free(got);
        fx_done(&f);
}

static void test_start_now(void) {
        Fixture f;
        EngineStatus s;
        fx_init(&f, "UTC", BLOCK_CONF);
        usec_t when = 0;
        ok(engine_start_now(f.e, &f.o, 0, L(f.tz, "2026-11-24 05:59"), USEC_PER_HOUR, &when) == -ERANGE &&
                   when == L(f.tz, "2026-11-24 07:00"),
           "start now more than `ahead` before the block: -ERANGE, with the block's start");
        ok(f.o.entries[0].n_overrides == 0, "a refused start now changes nothing");
        ok(engine_start_now(f.e, &f.o, 0, L(f.tz, "2026-11-24 06:52"), USEC_PER_HOUR, NULL) == 0, "start now from a heads-up");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 06:52"), &s);
        ok(s.recharging && s.since == L(f.tz, "2026-11-24 06:52") && s.until == L(f.tz, "2026-11-24 07:37"),
           "start now: on at once, keeps its length (45 min)");
        ok(engine_start_now(f.e, &f.o, 0, L(f.tz, "2026-11-24 06:53"), USEC_PER_HOUR, NULL) == -ERANGE,
           "start now while it is on: the next one is a day away, refused");
        fx_done(&f);
}

static void test_pause(void) {
        Fixture f;
        EngineStatus s;
        fx_init(&f, "UTC", BLOCK_CONF "[r]\ntype = selfcare\nat = 07:30, 09:00, 12:00\n");
        f.o.paused_since = L(f.tz, "2026-11-24 08:00");
        f.o.paused_until = L(f.tz, "2026-11-25 08:00");
        char *got = events_str(&f, L(f.tz, "2026-11-24 07:00"), L(f.tz, "2026-11-25 12:01"));
        is_str(got, "start m 07:00:00; end m 07:45:00; reminder r 07:45:00 held; reminder r 09:00:00; reminder r 12:00:00",
               "paused: no block starts, no reminder fires; the schedule comes back after");
        free(got);
        engine_at(f.e, &f.o, L(f.tz, "2026-11-25 07:10"), &s);
        ok(!s.recharging && s.paused, "paused: a block due in the pause does not start");
        f.o.paused_since = L(f.tz, "2026-11-24 07:10");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 07:20"), &s);
        ok(s.recharging && s.paused, "a block on when the pause began goes on");
        f.o.paused_until = USEC_INFINITY;
        Event ev;
        ok(engine_next(f.e, &f.o, L(f.tz, "2026-11-24 07:50"), &ev) == -ENOENT, "paused until resume: nothing comes");
        f.o.manual_since = L(f.tz, "2026-11-24 10:00");
        f.o.manual_until = L(f.tz, "2026-11-24 11:00");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 10:30"), &s);
        ok(s.recharging && s.manual && s.paused, "a manual recharge works while paused");
        fx_done(&f);
}

/* The overlay-only changes, as a table: (overlay before, change at now) → overlay after. */
static void test_overlay_changes(void) {
        static const struct {
                const char *what;
                char op;                 /* 'r' recharge, 'p' pause, 'u' resume, 'x' expire (prune) */
                usec_t now, d;
                Overlay before, after;
                int ret;
        } table[] = {
                { "recharge for 20 min", 'r', 1000, 20, {}, { .manual_since = 1000, .manual_until = 1020 } },
                { "recharge until Stop", 'r', 1000, 0, {}, { .manual_since = 1000 } },
                { "recharge again replaces", 'r', 2000, 5, { .manual_since = 1000, .manual_until = 1020 },
                  { .manual_since = 2000, .manual_until = 2005 } },
                { "pause for 10", 'p', 1000, 10, {}, { .paused_since = 1000, .paused_until = 1010 } },
                { "pause until Resume", 'p', 1000, 0, {}, { .paused_since = 1000, .paused_until = USEC_INFINITY } },
                { "a longer pause keeps its start", 'p', 1005, 100, { .paused_since = 1000, .paused_until = 1010 },
                  { .paused_since = 1000, .paused_until = 1105 } },
                { "resume", 'u', 1005, 0, { .paused_since = 1000, .paused_until = 1010 }, {} },
                { "resume when not paused", 'u', 1005, 0, {}, {}, -ESRCH },
                { "expiry: a pause whose end came", 'x', 1010, 0, { .paused_since = 1000, .paused_until = 1010 }, {} },
                { "expiry: a pause not over yet", 'x', 1009, 0, { .paused_since = 1000, .paused_until = 1010 },
                  { .paused_since = 1000, .paused_until = 1010 } },
                { "expiry: an endless pause stays", 'x', UINT64_C(1) << 50, 0, { .paused_since = 1, .paused_until = USEC_INFINITY },
                  { .paused_since = 1, .paused_until = USEC_INFINITY } },
                { "expiry: a manual recharge whose end came", 'x', 1020, 0, { .manual_since = 1000, .manual_until = 1020 }, {} },
                { "expiry: an open-ended one stays", 'x', 5000, 0, { .manual_since = 1000 }, { .manual_since = 1000 } },
        };
        Fixture f;

        fx_init(&f, "UTC", BLOCK_CONF);
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                Overlay o = table[i].before;
                int r = 0;

                switch (table[i].op) {
                case 'r':
                        engine_recharge(&o, table[i].now, table[i].d);
                        break;
                case 'p':
                        engine_pause(&o, table[i].now, table[i].d);
                        break;
                case 'u':
                        r = engine_resume(&o);
                        break;
                default:
                        engine_prune(f.e, &o, table[i].now);
                        break;
                }
                ok(r == table[i].ret && o.manual_since == table[i].after.manual_since &&
                           o.manual_until == table[i].after.manual_until && o.paused_since == table[i].after.paused_since &&
                           o.paused_until == table[i].after.paused_until,
                   "%s", table[i].what);
        }
        fx_done(&f);
}

static void test_held(void) {
        Fixture f;
        EngineStatus s;
        fx_init(&f, "UTC",
                "[general]\nheads-up = 0\n[m]\ntype = recharge\nstart = 09:00\nend = 10:00\n"
                "[n]\ntype = recharge\nstart = 13:00\nend = 14:00\ndnd = no\n"
                "[r]\ntype = selfcare\nevery = 20min\nbetween = 08:40-10:20\n"
                "[s]\ntype = selfcare\nat = 09:30, 13:30\n");
        char *got = events_str(&f, L(f.tz, "2026-11-24 08:00"), L(f.tz, "2026-11-24 15:00"));
        is_str(got,
               "reminder r 08:40:00; start m 09:00:00; end m 10:00:00; reminder r 10:00:00 held; reminder s 10:00:00 held; "
               "reminder r 10:20:00; start n 13:00:00; reminder s 13:30:00; end n 14:00:00",
               "held through a dnd block: once each at its end; a dnd = no block holds nothing");
        free(got);
        /* A range that begins inside the block, after s's only reminder in it: the release still
         * falls in the range (the engine looks back to where the holding recharge began). */
        got = events_str(&f, L(f.tz, "2026-11-24 09:45"), L(f.tz, "2026-11-24 10:30"));
        is_str(got, "end m 10:00:00; reminder r 10:00:00 held; reminder s 10:00:00 held; reminder r 10:20:00",
               "a range from inside the block: a reminder held before the range is released in it");
        free(got);
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 09:35"), &s);
        ok(s.recharging && s.dnd && s.n_held == 2, "two entries have reminders held at 09:35");
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 13:35"), &s);
        ok(s.recharging && !s.dnd && s.n_held == 0, "dnd = no: nothing held");

        f.o.manual_since = L(f.tz, "2026-11-24 10:10");
        got = events_str(&f, L(f.tz, "2026-11-24 10:00"), L(f.tz, "2026-11-24 15:00"));
        is_str(got, "end m 10:00:00; reminder r 10:00:00 held; reminder s 10:00:00 held; start manual 10:10:00; start n 13:00:00; end n 14:00:00",
               "an open-ended manual recharge holds reminders until Stop");
        free(got);
        engine_at(f.e, &f.o, L(f.tz, "2026-11-24 14:00"), &s);
        ok(s.manual && s.n_held == 2, "held until Stop: counted");
        engine_stop(f.e, &f.o, L(f.tz, "2026-11-24 14:30"));
        got = events_str(&f, L(f.tz, "2026-11-24 14:00"), L(f.tz, "2026-11-24 15:00"));
        is_str(got, "end n 14:00:00", "after Stop the manual recharge is gone from the events");
        free(got);
        fx_done(&f);

        /* Held for days: a manual recharge from Tuesday to Thursday holds Tuesday's only reminder
         * of t; a range of Thursday alone still has its release (reminders are generated from
         * where the holding recharge began, not from the range's day). */
        fx_init(&f, "UTC", "[general]\nheads-up = 0\n[t]\ntype = selfcare\ndays = Tue\nat = 11:00\n"
                "[u]\ntype = selfcare\nat = 08:00\n");
        f.o.manual_since = L(f.tz, "2026-11-24 10:00");
        f.o.manual_until = L(f.tz, "2026-11-26 18:00");
        got = events_str(&f, L(f.tz, "2026-11-26 12:00"), L(f.tz, "2026-11-26 19:00"));
        is_str(got, "end manual 18:00:00; reminder t 18:00:00 held; reminder u 18:00:00 held",
               "a range two days into a recharge: what it held since its first day is released in it");
        free(got);
        engine_at(f.e, &f.o, L(f.tz, "2026-11-26 17:00"), &s);
        ok(s.manual && s.n_held == 2, "…and counted as held at 17:00 (%zu)", s.n_held);
        fx_done(&f);
}

static void test_errors(void) {
        Fixture f;
        _cleanup_free_ Event *v = NULL;
        size_t n;
        fx_init(&f, "UTC", "[r]\ntype = selfcare\nenabled = no\nat = 09:00\n[m]\ntype = recharge\nstart = 07:00\nend = 08:00\n");
        ok(engine_range(f.e, NULL, 10, 5, &v, &n) == -EINVAL, "range with to before from: -EINVAL");
        ok(engine_done(f.e, &f.o, 0, L(f.tz, "2026-11-24 10:00"), NULL) == -EINVAL, "done on a recharge entry: -EINVAL");
        ok(engine_skip(f.e, &f.o, 1, L(f.tz, "2026-11-24 10:00"), NULL) == -ENOENT, "skip a disabled entry: -ENOENT");
        usec_t s, e;
        ok(engine_entry_next(f.e, &f.o, 1, L(f.tz, "2026-11-24 10:00"), &s, &e) == -ENOENT, "a disabled entry has no next");
        ok(engine_entry_next(f.e, &f.o, 0, L(f.tz, "2026-11-24 07:30"), &s, &e) == 0 && s == L(f.tz, "2026-11-24 07:00"),
           "entry_next during a block: the block on");
        ok(engine_snooze(f.e, &f.o, 0, 1, 0, NULL) == -EINVAL, "snooze by 0: -EINVAL");
        for (int i = 0; i < OVERRIDES_MAX; i++)
                engine_skip(f.e, &f.o, 0, L(f.tz, "2026-11-24 10:00"), NULL);
        ok(engine_skip(f.e, &f.o, 0, L(f.tz, "2026-11-24 10:00"), NULL) == -ENOSPC, "too many skips: -ENOSPC");
        engine_prune(f.e, &f.o, L(f.tz, "2027-01-24 10:00"));
        ok(f.o.entries[0].n_overrides == 0, "prune drops overrides long past");
        for (EventKind k = 0; k < _EVENT_KIND_MAX; k++)
                ok(event_kind_from_string(event_kind_to_string(k)) == k, "event kind '%s' round trip", event_kind_to_string(k));
        ok(event_kind_from_string("later") == _EVENT_KIND_INVALID, "unknown event kind");
        fx_done(&f);
}

/* --- properties over random schedules --------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}
static unsigned rn(unsigned n) {
        return (unsigned) (rnd() % n);
}

static const char *zones[] = { "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia",
                               "Asia/Kolkata", "America/Santiago", "UTC" };

static void random_config(char *buf, size_t size) {
        size_t len = 0;
        unsigned n = 1 + rn(6);
        len += snprintf(buf + len, size - len, "[general]\nheads-up = %umin\n", rn(3) ? rn(31) : 0);
        for (unsigned i = 0; i < n; i++) {
                unsigned days = 1 + rn(127);
                char dl[64] = "";
                for (int d = 0; d < 7; d++)
                        if (days & (1u << d)) {
                                strcat(dl, dl[0] ? "," : "");
                                strcat(dl, weekday_to_string(d));
                        }
                if (rn(2)) {
                        len += snprintf(buf + len, size - len, "[e%u]\ntype = recharge\ndays = %s\nstart = %02u:%02u:%02u\ndnd = %s\n", i,
                                        dl, rn(24), rn(60), rn(2) ? 0 : rn(60), rn(3) ? "yes" : "no");
                        if (rn(2))
                                len += snprintf(buf + len, size - len, "end = %02u:%02u\n", rn(24), rn(60));
                        else
                                len += snprintf(buf + len, size - len, "duration = %umin\n", 1 + rn(12 * 60));
                } else if (rn(2)) {
                        unsigned a = rn(24 * 60), b = rn(24 * 60);
                        if (a == b)
                                b = (b + 1) % (24 * 60);
                        len += snprintf(buf + len, size - len,
                                        "[e%u]\ntype = selfcare\ndays = %s\nevery = %umin\nbetween = %02u:%02u-%02u:%02u\n", i, dl,
                                        10 + rn(170), a / 60, a % 60, b / 60, b % 60);
                } else {
                        unsigned a = rn(24 * 60), b = rn(24 * 60);
                        if (a == b)
                                b = (b + 7) % (24 * 60);
                        len += snprintf(buf + len, size - len, "[e%u]\ntype = selfcare\ndays = %s\nat = %02u:%02u, %02u:%02u\n", i, dl,
                                        a / 60, a % 60, b / 60, b % 60);
                }
        }
}

static bool event_eq(const Event *a, const Event *b) {
        return a->time == b->time && a->kind == b->kind && a->entry == b->entry && a->of == b->of && a->start == b->start &&
               a->end == b->end && a->held == b->held;
}

static void test_properties(void) {
        unsigned n_split = 0, n_next = 0, n_step = 0, n_at = 0, bad_split = 0, bad_next = 0, bad_step = 0, bad_at = 0;

        for (unsigned round = 0; round < 600; round++) {
                char text[4096];
                Fixture f;
                random_config(text, sizeof text);
                fx_init(&f, zones[round % ELEMENTSOF(zones)], text);

                /* 2020-01-01 .. 2030-01-01, some rounds on DST days of the zone. */
                usec_t base = 1577836800ULL * USEC_PER_SEC + (usec_t) rn(3650) * USEC_PER_DAY + rn(86400) * USEC_PER_SEC;

                /* Random user changes at random times, as the daemon would make them. */
                for (unsigned k = 0, m = rn(4); k < m; k++) {
                        usec_t when = base + rn(3 * 86400) * USEC_PER_SEC;
                        size_t i = rn((unsigned) f.c->n_entries);
                        switch (rn(5)) {
                        case 0: engine_skip(f.e, &f.o, i, when, NULL); break;
                        case 1: engine_snooze(f.e, &f.o, i, when, (1 + rn(120)) * USEC_PER_MINUTE, NULL); break;
                        case 2: engine_stop(f.e, &f.o, when); break;
                        case 3: engine_extend(f.e, &f.o, when, (1 + rn(60)) * USEC_PER_MINUTE, NULL); break;
                        case 4:
                                f.o.paused_since = when;
                                f.o.paused_until = when + rn(2 * 86400) * USEC_PER_SEC;
                                break;
                        }
                }
                if (rn(4) == 0) {
                        f.o.manual_since = base + rn(86400) * USEC_PER_SEC;
                        f.o.manual_until = rn(3) ? f.o.manual_since + (1 + rn(300)) * USEC_PER_MINUTE : 0;
                }

                usec_t a = base, c = base + (1 + rn(4 * 86400)) * USEC_PER_SEC, b = a + rnd() % (c - a);
                _cleanup_free_ Event *vac = NULL, *vab = NULL, *vbc = NULL;
                size_t nac, nab, nbc;
                engine_range(f.e, &f.o, a, c, &vac, &nac);
                engine_range(f.e, &f.o, a, b, &vab, &nab);
                engine_range(f.e, &f.o, b, c, &vbc, &nbc);
                n_split++;
                bool same = nac == nab + nbc;
                for (size_t k = 0; same && k < nab; k++)
                        same = event_eq(&vac[k], &vab[k]);
                for (size_t k = 0; same && k < nbc; k++)
                        same = event_eq(&vac[nab + k], &vbc[k]);
                if (!same) {
                        bad_split++;
                        if (bad_split < 3)
                                diag("split differs (%zu vs %zu+%zu):\n%s", nac, nab, nbc, text);
                }

                /* Stepping next() from a finds every distinct instant of range(a, c). */
                usec_t t = a - 1;
                size_t k = 0;
                bool step_ok = true;
                for (;;) {
                        Event ev;
                        if (engine_next(f.e, &f.o, t, &ev) < 0 || ev.time >= c) {
                                step_ok = step_ok && k == nac;
                                break;
                        }
                        n_next++;
                        if (ev.time <= t)
                                bad_next++;
                        if (k >= nac || !event_eq(&ev, &vac[k])) {
                                step_ok = false;
                                break;
                        }
                        while (k < nac && vac[k].time == ev.time)
                                k++;
                        t = ev.time;
                }
                n_step++;
                if (!step_ok) {
                        bad_step++;
                        if (bad_step < 3)
                                diag("stepping differs at %zu of %zu:\n%s", k, nac, text);
                }

                /* at(t) agrees with the start and end events before t. */
                for (unsigned q = 0; q < 20; q++) {
                        usec_t at = base + 3 * USEC_PER_DAY + rn(86400) * USEC_PER_SEC;
                        _cleanup_free_ Event *v = NULL;
                        size_t n;
                        EngineStatus s;
                        usec_t lo = at - 3 * USEC_PER_DAY;
                        if (f.o.manual_since != 0)
                                lo = MIN(lo, f.o.manual_since);
                        engine_range(f.e, &f.o, lo, at + 1, &v, &n);
                        engine_at(f.e, &f.o, at, &s);
                        size_t on = 0, on_blocks = 0;
                        for (size_t x = 0; x < n; x++) {
                                if (v[x].kind != EVENT_START)
                                        continue;
                                bool ended = false;
                                for (size_t y = x + 1; y < n; y++)
                                        if (v[y].kind == EVENT_END && v[y].entry == v[x].entry && v[y].of == v[x].of)
                                                ended = true;
                                if (!ended) {
                                        on++;
                                        on_blocks += v[x].entry != ENTRY_MANUAL;
                                }
                        }
                        n_at++;
                        if (s.recharging != (on > 0) || s.n_blocks != on_blocks) {
                                bad_at++;
                                if (bad_at < 3)
                                        diag("at() says %d/%zu, events say %zu/%zu:\n%s", s.recharging, s.n_blocks, on, on_blocks, text);
                        }
                }
                fx_done(&f);
        }
        ok(bad_split == 0, "range(a, c) == range(a, b) ++ range(b, c) over %u random schedules", n_split);
        ok(bad_next == 0, "next(t) is after t in %u calls", n_next);
        ok(bad_step == 0, "stepping next() finds every event of range() in %u schedules", n_step);
        ok(bad_at == 0, "at(t) agrees with the events before t at %u instants", n_at);
}

/* A long range over a big schedule is computed in pieces; it must equal the same range taken a
 * day at a time (which is never cut into pieces). */
static void test_chunked(void) {
        size_t size = 300 * 200, len = 0;
        char *text = malloc(size);
        Fixture f;

        len += snprintf(text + len, size - len, "[general]\nheads-up = 5min\n");
        for (unsigned i = 0; i < 250; i++) {
                if (i % 2)
                        len += snprintf(text + len, size - len, "[b%03u]\ntype = recharge\nstart = %02u:%02u\nend = %02u:%02u\n", i,
                                        (i * 5) % 24, (i * 7) % 60, (i * 5 + 2) % 24, (i * 11) % 60);
                else
                        len += snprintf(text + len, size - len, "[r%03u]\ntype = selfcare\nevery = %umin\nbetween = 08:%02u-20:00\n", i,
                                        45 + i % 90, i % 60);
        }
        fx_init(&f, "Europe/Berlin", text);
        usec_t from = L(f.tz, "2026-03-01 00:00"), to = L(f.tz, "2026-05-30 00:00");
        engine_skip(f.e, &f.o, 3, from + 10 * USEC_PER_DAY, NULL);
        engine_snooze(f.e, &f.o, 5, from + 40 * USEC_PER_DAY, 3 * USEC_PER_HOUR, NULL);
        f.o.paused_since = from + 60 * USEC_PER_DAY;
        f.o.paused_until = from + 62 * USEC_PER_DAY;

        _cleanup_free_ Event *all = NULL;
        size_t n_all, k = 0;
        bool same = engine_range(f.e, &f.o, from, to, &all, &n_all) >= 0 && n_all > 10000;
        for (usec_t a = from; same && a < to; a += USEC_PER_DAY) {
                _cleanup_free_ Event *v = NULL;
                size_t n;
                if (engine_range(f.e, &f.o, a, MIN(a + USEC_PER_DAY, to), &v, &n) < 0)
                        abort();
                for (size_t x = 0; same && x < n; x++, k++)
                        same = k < n_all && event_eq(&all[k], &v[x]);
        }
        ok(same && k == n_all, "90 days of 250 entries in pieces equal the same days one by one (%zu events)", n_all);
        fx_done(&f);
        free(text);
}

/* The entry's current-or-next occurrence the old way: every entry's occurrences generated, the
 * others thrown away. What engine_entry_next() must still answer, now that it generates one. */
static int entry_next_oracle(const Engine *e, const Overlay *o, size_t i, usec_t now, usec_t *ret_start, usec_t *ret_end) {
        if (!e->config->entries[i].enabled)
                return -ENOENT;
        for (usec_t span = 2 * USEC_PER_DAY; span <= 16 * USEC_PER_DAY; span *= 2) {
                OccBuf all = {};
                Occ *mine;
                size_t n = 0;
                if (gen_window(e, o, now > USEC_PER_DAY ? now - USEC_PER_DAY : 0, now + span, -1, &all) < 0)
                        abort();
                mine = malloc(sizeof(Occ) * (all.n + 1));
                for (size_t k = 0; k < all.n; k++)
                        if (all.v[k].entry == (int) i)
                                mine[n++] = all.v[k];
                free(all.v);
                qsort(mine, n, sizeof(Occ), cmp_held);
                for (size_t k = 0; k < n; k++) {
                        const Occ *occ = &mine[k];
                        if (occ->reminder ? occ->start > now : occ->end > now) {
                                *ret_start = occ->start;
                                *ret_end = occ->reminder ? 0 : occ->end;
                                free(mine);
                                return 0;
                        }
                }
                free(mine);
        }
        return -ENOENT;
}

static void test_entry_next_oracle(void) {
        unsigned n_calls = 0, bad = 0;

        for (unsigned round = 0; round < 400; round++) {
                char text[4096];
                Fixture f;
                random_config(text, sizeof text);
                fx_init(&f, zones[round % ELEMENTSOF(zones)], text);
                usec_t base = 1577836800ULL * USEC_PER_SEC + (usec_t) rn(3650) * USEC_PER_DAY + rn(86400) * USEC_PER_SEC;

                /* Overrides on some entries, so one entry's occurrences are not its neighbours'. */
                for (unsigned k = 0, m = rn(6); k < m; k++) {
                        usec_t when = base + rn(3 * 86400) * USEC_PER_SEC;
                        size_t i = rn((unsigned) f.c->n_entries);
                        switch (rn(4)) {
                        case 0: engine_skip(f.e, &f.o, i, when, NULL); break;
                        case 1: engine_snooze(f.e, &f.o, i, when, (1 + rn(600)) * USEC_PER_MINUTE, NULL); break;
                        case 2: engine_start_now(f.e, &f.o, i, when, USEC_INFINITY, NULL); break;
                        case 3: engine_extend(f.e, &f.o, when, (1 + rn(60)) * USEC_PER_MINUTE, NULL); break;
                        }
                }
                if (rn(5) == 0) {
                        f.o.paused_since = base + rn(86400) * USEC_PER_SEC;
                        f.o.paused_until = f.o.paused_since + rn(2 * 86400) * USEC_PER_SEC;
                }
                for (unsigned q = 0; q < 10; q++) {
                        usec_t now = base + rn(4 * 86400) * USEC_PER_SEC;
                        for (size_t i = 0; i < f.c->n_entries; i++) {
                                usec_t s1 = 1, e1 = 1, s2 = 2, e2 = 2;
                                int r1 = engine_entry_next(f.e, &f.o, i, now, &s1, &e1);
                                int r2 = entry_next_oracle(f.e, &f.o, i, now, &s2, &e2);
                                n_calls++;
                                /* …and the occurrence with its identity agrees, the identity
                                 * being the one range() gives its start. */
                                usec_t s3 = 3, e3 = 3, of = 3, want_of = s1;
                                int r3 = engine_entry_occurrence(f.e, &f.o, i, now, &s3, &e3, &of);
                                if (r1 >= 0 && e1 != 0 && s1 > 0) {
                                        _cleanup_free_ Event *v = NULL;
                                        size_t nv = 0;
                                        engine_range(f.e, &f.o, s1, s1 + 1, &v, &nv);
                                        for (size_t x = 0; x < nv; x++)
                                                if (v[x].kind == EVENT_START && v[x].entry == (int) i)
                                                        want_of = v[x].of;
                                }
                                if (r3 != r1 || (r1 >= 0 && (s3 != s1 || e3 != e1 || (e1 != 0 && of != want_of)))) {
                                        if (++bad < 3)
                                                diag("entry %zu at %" PRIu64 ": occurrence %d %" PRIu64 "-%" PRIu64 " of %" PRIu64
                                                     ", entry_next %d %" PRIu64 "-%" PRIu64 " of %" PRIu64 ":\n%s",
                                                     i, now, r3, s3, e3, of, r1, s1, e1, want_of, text);
                                }
                                if (r1 != r2 || (r1 >= 0 && (s1 != s2 || e1 != e2))) {
                                        if (++bad < 3)
                                                diag("entry %zu at %" PRIu64 ": %d %" PRIu64 "-%" PRIu64 ", oracle %d %" PRIu64
                                                     "-%" PRIu64 ":\n%s", i, now, r1, s1, e1, r2, s2, e2, text);
                                }
                        }
                }
                fx_done(&f);
        }
        ok(bad == 0, "entry_next() and entry_occurrence() of one entry equal the full generation's in %u calls", n_calls);
}

static bool status_eq(const EngineStatus *a, const EngineStatus *b) {
        return a->recharging == b->recharging && a->dnd == b->dnd && a->paused == b->paused && a->manual == b->manual &&
               a->entry == b->entry && a->since == b->since && a->until == b->until && a->block_of == b->block_of &&
               a->n_blocks == b->n_blocks && a->n_held == b->n_held;
}

/* engine_cached_*() keep answers from one call to the next; after any sequence of instants
 * (boundaries as the daemon's timer meets them, random steps, jumps back) and changes (every
 * action, a pause, a manual recharge, the person away, expiry, reminders shown), each must equal
 * the answer computed from scratch, across the DST changes of seven zones. */
static void test_cached(void) {
        unsigned n_steps = 0, bad = 0, n_dst = 0;
        uint64_t n_builds = 0, n_patches = 0;

        for (unsigned round = 0; round < 280; round++) {
                char text[4096];
                Fixture f;
                random_config(text, sizeof text);
                fx_init(&f, zones[round % ELEMENTSOF(zones)], text);
                usec_t now = 1577836800ULL * USEC_PER_SEC + (usec_t) rn(3650) * USEC_PER_DAY + rn(86400) * USEC_PER_SEC;
                int64_t change;
                /* Two rounds in three start a day or two before a change of offset. */
                if (rn(3) && tz_next_change(f.tz, (int64_t) (now / USEC_PER_SEC), &change)) {
                        now = (usec_t) change * USEC_PER_SEC - rn(2 * 86400) * USEC_PER_SEC;
                        n_dst++;
                }
                usec_t processed = now;

                for (unsigned step = 0; step < 60; step++) {
                        size_t i = rn((unsigned) f.c->n_entries);
                        Event next;

                        switch (rn(10)) {
                        case 0: engine_skip(f.e, &f.o, i, now, NULL); break;
                        case 1: engine_snooze(f.e, &f.o, i, now, (1 + rn(600)) * USEC_PER_MINUTE, NULL); break;
                        case 2: engine_start_now(f.e, &f.o, i, now, USEC_INFINITY, NULL); break;
                        case 3:
                                if (rn(2))
                                        engine_stop(f.e, &f.o, now);
                                else
                                        engine_extend(f.e, &f.o, now, (1 + rn(90)) * USEC_PER_MINUTE, NULL);
                                break;
                        case 4:
                                switch (rn(6)) {
                                case 0: engine_recharge(&f.o, now, rn(3) ? (1 + rn(300)) * USEC_PER_MINUTE : 0); break;
                                case 1: engine_pause(&f.o, now, rn(3) ? (1 + rn(600)) * USEC_PER_MINUTE : 0); break;
                                case 2: engine_resume(&f.o); break;
                                case 3: engine_reset(&f.o, i, now); break;
                                case 4:
                                        if (f.o.away_since == 0 || f.o.away_until != 0) {
                                                f.o.away_since = now;
                                                f.o.away_until = 0;
                                        } else
                                                f.o.away_until = now;
                                        break;
                                default: engine_done(f.e, &f.o, i, now, NULL); break;
                                }
                                break;
                        default:
                                break; /* time passes alone, most steps */
                        }

                        /* To the next boundary (as the timer does), a random step, or back. */
                        switch (rn(8)) {
                        case 0: now += rn(6 * 3600) * USEC_PER_SEC; break;
                        case 1: now = now > 3 * USEC_PER_HOUR ? now - rn(3 * 3600) * USEC_PER_SEC : now; break;
                        default:
                                if (engine_next(f.e, &f.o, now, &next) >= 0 && next.time - now < 3 * USEC_PER_DAY)
                                        now = next.time;
                                else
                                        now += USEC_PER_HOUR;
                        }
                        engine_prune(f.e, &f.o, now);
                        if (processed > now)
                                processed = now;

                        /* What the manager asks at a boundary: the events since the last one,
                         * what is on, the next event, every entry's occurrence. */
                        _cleanup_free_ Event *v1 = NULL, *v2 = NULL;
                        size_t n1 = 0, n2 = 0;
                        int r1 = engine_cached_range(f.e, &f.o, processed, now + 1, &v1, &n1);
                        int r2 = engine_range(f.e, &f.o, processed, now + 1, &v2, &n2);
                        bool same = r1 == r2 && n1 == n2;
                        for (size_t k = 0; same && k < n1; k++)
                                same = event_eq(&v1[k], &v2[k]);
                        for (size_t k = 0; k < n2; k++)
                                if (v2[k].kind == EVENT_REMINDER && v2[k].entry >= 0)
                                        f.o.entries[v2[k].entry].shown = v2[k].of; /* as the manager does */
                        processed = now + 1;

                        EngineStatus s1 = {}, s2 = {}, s3 = {};
                        r1 = engine_cached_at(f.e, &f.o, now, &s1);
                        r2 = engine_at(f.e, &f.o, now, &s2);
                        same = same && r1 == r2 && status_eq(&s1, &s2);
                        /* The manager's question: the same without n_held. */
                        r1 = engine_cached_status(f.e, &f.o, now, &s3);
                        s2.n_held = 0;
                        same = same && r1 == r2 && status_eq(&s3, &s2);

                        Event e1 = {}, e2 = {};
                        r1 = engine_cached_next(f.e, &f.o, now, &e1);
                        r2 = engine_next(f.e, &f.o, now, &e2);
                        same = same && r1 == r2 && (r1 < 0 || event_eq(&e1, &e2));

                        for (size_t j = 0; j < f.c->n_entries; j++) {
                                usec_t a1 = 1, b1 = 1, o1 = 1, a2 = 2, b2 = 2, o2 = 2;
                                r1 = engine_cached_entry_occurrence(f.e, &f.o, j, now, &a1, &b1, &o1);
                                r2 = engine_entry_occurrence(f.e, &f.o, j, now, &a2, &b2, &o2);
                                same = same && r1 == r2 && (r1 < 0 || (a1 == a2 && b1 == b2 && o1 == o2));
                        }
                        n_steps++;
                        if (!same && ++bad < 3)
                                diag("cached answers differ at step %u, %" PRIu64 " (round %u):\n%s", step, now, round, text);
                }
                uint64_t b, p;
                engine_cached_counts(f.e, &b, &p);
                n_builds += b;
                n_patches += p;
                fx_done(&f);
        }
        ok(bad == 0, "cached range, at, status, next and every entry's occurrence equal a fresh computation at %u "
           "instants (%u sequences beside a DST change)", n_steps, n_dst);
        /* Both ways of bringing the day up to date were taken, so both were compared. */
        ok(n_patches > 100 && n_builds > 100, "…with the day built whole %" PRIu64 " times and patched for an action's "
           "entries %" PRIu64 " times", n_builds, n_patches);
}

/* engine_range_entry(): one entry's part of engine_range(), exactly, whatever holds, pauses or
 * moves its occurrences (the dnd blocks of others, a manual recharge, the person away). */
static void test_range_entry(void) {
        unsigned n_calls = 0, bad = 0;

        for (unsigned round = 0; round < 300; round++) {
                char text[4096];
                Fixture f;
                random_config(text, sizeof text);
                fx_init(&f, zones[round % ELEMENTSOF(zones)], text);
                usec_t now = 1577836800ULL * USEC_PER_SEC + (usec_t) rn(3650) * USEC_PER_DAY + rn(86400) * USEC_PER_SEC;

                for (unsigned step = 0; step < 12; step++) {
                        size_t i = rn((unsigned) f.c->n_entries);
                        switch (rn(8)) {
                        case 0: engine_skip(f.e, &f.o, i, now, NULL); break;
                        case 1: engine_snooze(f.e, &f.o, i, now, (1 + rn(600)) * USEC_PER_MINUTE, NULL); break;
                        case 2: engine_start_now(f.e, &f.o, i, now, USEC_INFINITY, NULL); break;
                        case 3: engine_recharge(&f.o, now, rn(3) ? (1 + rn(300)) * USEC_PER_MINUTE : 0); break;
                        case 4: engine_pause(&f.o, now, (1 + rn(600)) * USEC_PER_MINUTE); break;
                        case 5:
                                f.o.away_since = now;
                                f.o.away_until = rn(2) ? now + rn(5 * 3600) * USEC_PER_SEC : 0;
                                break;
                        case 6: engine_stop(f.e, &f.o, now); break;
                        default: break;
                        }
                        now += rn(8 * 3600) * USEC_PER_SEC;

                        static const usec_t spans[] = { USEC_PER_HOUR, USEC_PER_DAY, 8 * USEC_PER_DAY };
                        usec_t from = now - rn(2 * 86400) * USEC_PER_SEC, to = from + spans[rn(3)];
                        _cleanup_free_ Event *all = NULL;
                        size_t n_all = 0;
                        if (engine_range(f.e, &f.o, from, to, &all, &n_all) < 0)
                                abort();
                        for (size_t j = 0; j < f.c->n_entries; j++) {
                                _cleanup_free_ Event *v = NULL;
                                size_t n = 0, k = 0;
                                bool same = engine_range_entry(f.e, &f.o, j, from, to, &v, &n) >= 0;
                                for (size_t x = 0; same && x < n_all; x++) {
                                        if (all[x].entry != (int) j)
                                                continue;
                                        same = k < n && event_eq(&all[x], &v[k]);
                                        k++;
                                }
                                same = same && k == n;
                                n_calls++;
                                if (!same && ++bad < 3)
                                        diag("entry %zu over [%" PRIu64 ", %" PRIu64 "): %zu events, the whole range has %zu of it:\n%s",
                                             j, from, to, n, k, text);
                        }
                }
                fx_done(&f);
        }
        ok(bad == 0, "engine_range_entry() is its entry's part of engine_range() in %u calls", n_calls);
}

/* Which changes patch the cached day and which build it again: a change that holds other
 * entries' reminders (a dnd block, a manual recharge, the person away) or drops them (a pause)
 * must build it again, or it goes stale; and each answer after either equals a fresh one. */
static void test_cache_patch(void) {
        Fixture f;
        usec_t now;
        uint64_t b0, p0, b, p;
        bool fresh = true;

        fx_init(&f, "Europe/Berlin",
                "[general]\nheads-up = 10min\n"
                "[calm]\ntype = recharge\nstart = 14:00\nduration = 1h\ndnd = yes\n"
                "[nodnd]\ntype = recharge\nstart = 15:30\nduration = 30min\ndnd = no\n"
                "[stretch]\ntype = selfcare\nevery = 20min\nbetween = 09:00-18:00\n");
        now = L(f.tz, "2026-11-24 13:00");

#define FRESH()                                                                                         \
        do {                                                                                            \
                _cleanup_free_ Event *v1 = NULL, *v2 = NULL;                                            \
                size_t n1 = 0, n2 = 0;                                                                  \
                EngineStatus s1, s2;                                                                    \
                engine_cached_range(f.e, &f.o, now, now + 6 * USEC_PER_HOUR, &v1, &n1);                 \
                engine_range(f.e, &f.o, now, now + 6 * USEC_PER_HOUR, &v2, &n2);                        \
                fresh = fresh && n1 == n2 && n1 > 0;                                                    \
                for (size_t k = 0; fresh && k < n1; k++)                                                \
                        fresh = event_eq(&v1[k], &v2[k]);                                               \
                engine_cached_at(f.e, &f.o, now, &s1);                                                  \
                engine_at(f.e, &f.o, now, &s2);                                                         \
                fresh = fresh && status_eq(&s1, &s2);                                                   \
        } while (0)
#define COUNTS_AFTER(what, builds, patches)                                                             \
        do {                                                                                            \
                engine_cached_counts(f.e, &b0, &p0);                                                    \
                what;                                                                                   \
                FRESH();                                                                                \
                engine_cached_counts(f.e, &b, &p);                                                      \
                ok(b - b0 == (builds) && p - p0 == (patches), "%s: %s (built %" PRIu64 ", patched %" PRIu64 ")", \
                   #what, (builds) ? "the day is built again" : "the day is patched", b - b0, p - p0);  \
        } while (0)

        FRESH();
        COUNTS_AFTER(engine_snooze(f.e, &f.o, 2, now, 15 * USEC_PER_MINUTE, NULL), 0, 1);
        COUNTS_AFTER(engine_skip(f.e, &f.o, 1, now, NULL), 0, 1);
        COUNTS_AFTER(engine_reset(&f.o, 1, now), 0, 1);
        COUNTS_AFTER(engine_done(f.e, &f.o, 2, now, NULL), 0, 0);
        COUNTS_AFTER(engine_skip(f.e, &f.o, 0, now, NULL), 1, 0);
        COUNTS_AFTER(engine_reset(&f.o, 0, now), 1, 0);
        COUNTS_AFTER(engine_recharge(&f.o, now, 20 * USEC_PER_MINUTE), 1, 0);
        COUNTS_AFTER(engine_stop(f.e, &f.o, now), 1, 0);
        COUNTS_AFTER(engine_pause(&f.o, now, USEC_PER_HOUR), 1, 0);
        COUNTS_AFTER(engine_resume(&f.o), 1, 0);
        COUNTS_AFTER(f.o.away_since = now, 1, 0);
        COUNTS_AFTER(f.o.away_until = now + USEC_PER_MINUTE, 1, 0);
        now = L(f.tz, "2026-11-24 14:45"); /* inside calm's dnd span; nodnd then ends after it */
        FRESH();
        COUNTS_AFTER(engine_start_now(f.e, &f.o, 1, now, USEC_PER_HOUR, NULL), 0, 1);
        COUNTS_AFTER(engine_extend(f.e, &f.o, now + 5 * USEC_PER_MINUTE, 10 * USEC_PER_MINUTE, NULL), 0, 1);
        COUNTS_AFTER(engine_snooze(f.e, &f.o, 2, now, 5 * USEC_PER_MINUTE, NULL), 0, 1);
        ok(fresh, "after each, the cached events and status equal a fresh computation");
#undef COUNTS_AFTER
#undef FRESH
        fx_done(&f);
}

/* engine_count_estimate(): each weekday's planned events, partial days in proportion. */
static const struct {
        const char *zone, *text, *from, *to;
        uint64_t want;
        const char *what;
} estimates[] = {
#define B "[general]\nheads-up = 10min\n[b]\ntype = recharge\ndays = Mon..Fri\nstart = 09:00\nduration = 1h\n"
        { "Europe/Berlin", B, "2026-03-02 00:00", "2026-03-09 00:00", 15, "a week of a weekday block: start, end, heads-up" },
        { "Europe/Berlin", B, "2026-03-07 00:00", "2026-03-09 00:00", 0, "its weekend: nothing" },
        { "Europe/Berlin", B, "2026-03-02 00:00", "2026-03-02 12:00", 2, "half a Monday: half its 3, rounded up" },
        { "Europe/Berlin", B, "2026-03-02 00:00", "2026-03-02 00:00", 0, "an empty range" },
        { "Europe/Berlin", B, "2026-03-09 00:00", "2026-03-02 00:00", 0, "a range backwards" },
        { "Europe/Berlin", B, "2026-01-05 00:00", "2027-01-04 00:00", 52 * 15, "52 weeks at once" },
        { "Europe/Berlin", B, "2026-01-05 00:00", "2026-01-15 00:00", 8 * 3, "a week and three days" },
#undef B
        { "Europe/Berlin", "[general]\nheads-up = 0\n[b]\ntype = recharge\nstart = 09:00\nend = 10:00\n",
          "2026-03-02 00:00", "2026-03-09 00:00", 14, "no heads-up: start and end" },
        { "Europe/Berlin", "[r]\ntype = selfcare\nevery = 30min\nbetween = 09:00-17:00\n", "2026-03-29 00:00",
          "2026-03-30 00:00", 17, "a 23-hour day has its 17 reminders" },
        { "America/New_York", "[r]\ntype = selfcare\nat = 10:00, 12:00, 20:00\n[s]\ntype = selfcare\nat = 11:00\nenabled = no\n",
          "2026-03-02 00:00", "2026-03-12 00:00", 30, "disabled entries count nothing" },
        { "UTC", "[r]\ntype = selfcare\ndays = Sat,Sun\nat = 10:00, 17:30\n", "2026-01-01 00:00", "2027-01-01 00:00", 104 * 2,
          "a year of weekend reminders" },
};

static void test_count_estimate(void) {
        for (size_t k = 0; k < ELEMENTSOF(estimates); k++) {
                Fixture f;
                fx_init(&f, estimates[k].zone, estimates[k].text);
                is_int(engine_count_estimate(f.e, L(f.tz, estimates[k].from), L(f.tz, estimates[k].to)), estimates[k].want,
                       "estimate: %s", estimates[k].what);
                fx_done(&f);
        }

        /* Without overrides or dnd, a whole-day range holds what it plans, give or take what
         * spills over its two ends (heads-ups of the next day, windows past midnight). */
        unsigned n = 0, bad = 0;
        for (unsigned round = 0; round < 300; round++) {
                char text[4096];
                Fixture f;
                random_config(text, sizeof text);
                for (char *d = strstr(text, "dnd = yes"); d; d = strstr(d, "dnd = yes"))
                        memcpy(d, "dnd = no ", 9);
                fx_init(&f, zones[round % ELEMENTSOF(zones)], text);
                int64_t day = 18262 + rn(3650); /* 2020-01-01 … */
                unsigned days = 1 + rn(60);
                usec_t from = (usec_t) tz_from_local(f.tz, day * 86400) * USEC_PER_SEC;
                usec_t to = (usec_t) tz_from_local(f.tz, (day + days) * 86400) * USEC_PER_SEC;
                _cleanup_free_ Event *v = NULL;
                size_t got;
                uint64_t est = engine_count_estimate(f.e, from, to), slack = 0;
                for (int w = 0; w < 7; w++)
                        slack = MAX(slack, f.e->events_on[w]);
                engine_range(f.e, NULL, from, to, &v, &got);
                n++;
                if (got > est + 2 * slack || est > got + 2 * slack) {
                        if (++bad < 3)
                                diag("%u days: estimate %" PRIu64 ", range %zu:\n%s", days, est, got, text);
                }
                fx_done(&f);
        }
        ok(bad == 0, "the estimate is within two days' events of range() in %u random schedules", n);
}

int main(void) {
        test_blocks();
        test_reminders();
        test_fold_is_first();
        test_apia_skipped_day();
        test_leap_and_days();
        test_ties();
        test_skip();
        test_snooze();
        test_stop_extend_manual();
        test_extend_overflow();
        test_duplicate_override();
        test_start_now();
        test_pause();
        test_overlay_changes();
        test_held();
        test_errors();
        test_properties();
        test_chunked();
        test_entry_next_oracle();
        test_cached();
        test_range_entry();
        test_cache_patch();
        test_count_estimate();
        return tap_done();
}
