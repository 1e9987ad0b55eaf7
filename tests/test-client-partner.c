/* SPDX-License-Identifier: MIT */
/* test-client-partner.c: the partner's line and the sharing problem line (output-share.c) over a
 * fixed clock and zone: every mode, day words across midnight and DST, staleness, escaping, and
 * when watch must refresh. */
#include <stdlib.h>

#include "macro.h"
#include "output.h"
#include "tap.h"

#undef MIN
#define MIN USEC_PER_MINUTE
#define HOUR USEC_PER_HOUR
#define DAY USEC_PER_DAY

static Tz *berlin;

static usec_t at(int y, unsigned m, unsigned d, int hh, int mm) {
        return (usec_t) tz_from_local(berlin, days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60) * USEC_PER_SEC;
}

static void share_set(ShareStatus *s, const char *state, const char *error, usec_t last_sync, const char *name,
                      const char *mode, usec_t until, usec_t start, usec_t end, usec_t updated) {
        share_status_done(s);
        share_status_init(s);
        s->online = true;
        status_set_string(&s->state, state);
        status_set_string(&s->last_error, error);
        s->last_sync = last_sync;
        status_set_string(&s->partner_name, name);
        status_set_string(&s->partner_mode, mode);
        s->partner_until = until;
        s->partner_next_start = start;
        s->partner_next_end = end;
        s->partner_updated = updated;
}

static void test_partner_text(void) {
        /* Saturday 24 Oct 2026, 21:10 in Berlin; summer time ends the next night at 03:00. */
        usec_t now = at(2026, 10, 24, 21, 10);
        OutputContext c = { .tz = berlin, .now = now };
        static const struct {
                const char *mode;
                int64_t until, start, end, updated; /* minutes from now; 0: none */
                bool escape;
                const char *name, *want;
        } cases[] = {
                { "recharging", 35, 0, 0, -1, false, "Sam", "Sam recharging until 21:45" },
                { "recharging", 0, 0, 0, -1, false, "Sam", "Sam recharging" },
                { "recharging", 3 * 60 + 50, 0, 0, -1, false, "Sam", "Sam recharging until tomorrow 01:00" },
                { "available", 0, 50, 110, -1, false, "Sam", "Sam's alone time: today 22:00–23:00" },
                /* across midnight: the end's day said */
                { "available", 0, 140, 230, -1, false, "Sam", "Sam's alone time: today 23:30–tomorrow 01:00" },
                /* across the DST change: 02:30 summer time, 90 min later it is 03:00 winter time */
                { "available", 0, 5 * 60 + 20, 6 * 60 + 50, -1, false, "Sam",
                  "Sam's alone time: tomorrow 02:30–03:00" },
                { "available", 0, 3 * DAY / MIN, 3 * DAY / MIN + 60, -1, false, "Sam",
                  "Sam's alone time: Tue 20:10–21:10" }, /* 72 h on, an hour back */
                { "available", 0, 10 * DAY / MIN, 10 * DAY / MIN + 60, -1, false, "Sam",
                  "Sam's alone time: 2026-11-03 20:10–21:10" },
                { "available", 0, 50, 0, -1, false, "Sam", "Sam's alone time: today 22:00" },
                { "available", 0, 0, 0, -1, false, "Sam", "Sam available, no alone time planned" },
                { "unknown", 0, 0, 0, 0, false, "Sam", "Sam's alone time: not known (their calendar has not been read yet)" },
                { "", 0, 0, 0, 0, false, "Sam", "Sam's alone time: not known (their calendar has not been read yet)" },
                /* stale: whole hours, whole days from two days on */
                { "recharging", 35, 0, 0, -59, false, "Sam", "Sam recharging until 21:45" },
                { "recharging", 35, 0, 0, -60, false, "Sam", "Sam recharging until 21:45 (last read 1h ago)" },
                { "recharging", 35, 0, 0, -(3 * 60 + 59), false, "Sam", "Sam recharging until 21:45 (last read 3h ago)" },
                { "unknown", 0, 0, 0, -(47 * 60), false, "Sam", "Sam's alone time: not known (last read 47h ago)" },
                { "unknown", 0, 0, 0, -(3 * 24 * 60 + 5), false, "Sam", "Sam's alone time: not known (last read 3d ago)" },
                /* text from the partner's calendar */
                { "recharging", 0, 0, 0, -1, true, "Sam\033[2J\n", "Sam\\x1b[2J\\n recharging" },
                { "recharging", 0, 0, 0, -1, false, "Sam\033[2J\n", "Sam\033[2J\n recharging" },
                { "recharging", 0, 0, 0, -1, true, "Zoë", "Zoë recharging" },
        };
        ShareStatus s = {};
        share_status_init(&s);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
#define T(m) ((m) ? now + (usec_t) ((m) * (int64_t) MIN) : 0)
                share_set(&s, "idle", "", 0, cases[i].name, cases[i].mode, T(cases[i].until), T(cases[i].start),
                          T(cases[i].end), T(cases[i].updated));
#undef T
                char *got = partner_text(&s, &c, cases[i].escape);
                is_str(got, cases[i].want, "partner %zu (%s, %s)", i, cases[i].mode, cases[i].escape ? "escaped" : "raw");
                free(got);
        }

        /* nobody followed, or recharged-share absent: no line */
        share_set(&s, "idle", "", 0, "", "recharging", 0, 0, 0, now);
        ok(!partner_text(&s, &c, true), "no partner name: no line");
        share_set(&s, "idle", "", 0, "Sam", "recharging", 0, 0, 0, now);
        s.online = false;
        ok(!partner_text(&s, &c, true), "recharged-share did not answer: no line");
        share_status_done(&s);
}

static void test_share_problem(void) {
        usec_t now = at(2026, 12, 7, 10, 30);
        OutputContext c = { .tz = berlin, .now = now };
        static const struct {
                const char *state, *error;
                int64_t last_sync; /* minutes from now; 0 none */
                const char *want;   /* NULL: no line */
        } cases[] = {
                { "idle", "", -5, NULL },
                { "syncing", "", -5, NULL },
                { "disabled", "", 0, NULL },
                { "disabled", "an old error", 0, NULL },
                { "idle", "no calendar at https://x/", -5, "no calendar at https://x/" },
                { "offline", "could not resolve cal.example.org", -10,
                  "offline: could not resolve cal.example.org; last up to date 10:20 (10 min ago); it tries again by itself" },
                { "offline", "", 0,
                  "offline: the calendar server cannot be reached; not up to date yet; it tries again by itself" },
                { "offline", "timeout", -(26 * 60),
                  "offline: timeout; last up to date 2026-12-06 08:30 (26h ago); it tries again by itself" },
                { "refused", "the server refused user 'alex'", -5,
                  "refused: the server refused user 'alex'; fix that, then run: rechargectl share sync" },
                { "refused", "", 0,
                  "refused: the calendar server turned the calendar down; fix that, then run: rechargectl share sync" },
                { "idle", "a\033]0;b", 0, "a\\x1b]0;b" },
        };
        ShareStatus s = {};
        share_status_init(&s);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                share_set(&s, cases[i].state, cases[i].error,
                          cases[i].last_sync ? now + (usec_t) (cases[i].last_sync * (int64_t) MIN) : 0, "", "", 0, 0,
                          0, 0);
                char *got = share_problem_text(&s, &c, true);
                if (cases[i].want)
                        is_str(got, cases[i].want, "sharing %zu: %s", i, cases[i].want);
                else
                        ok(!got, "sharing %zu (%s, '%s'): no line", i, cases[i].state, cases[i].error);
                free(got);
        }
        share_set(&s, "offline", "x", 0, "", "", 0, 0, 0, 0);
        s.online = false;
        ok(!share_problem_text(&s, &c, true), "recharged-share did not answer: no line");
        share_status_done(&s);
}

static void test_refresh(void) {
        usec_t now = at(2026, 10, 24, 21, 10), midnight = at(2026, 10, 25, 0, 0);
        OutputContext c = { .tz = berlin, .now = now };
        static const struct {
                int64_t updated; /* minutes from now */
                usec_t want_from_now; /* 0: midnight */
        } cases[] = {
                { -1, 59 * MIN },            /* turns stale in 59 min */
                { -60, 60 * MIN },           /* "1h ago" becomes "2h ago" */
                { -90, 30 * MIN },
                { -(47 * 60 + 30), 30 * MIN }, /* "47h" becomes "2d" */
                { -(2 * 24 * 60), 0 },       /* "2d" for a day: midnight comes first */
        };
        ShareStatus s = {};
        share_status_init(&s);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                share_set(&s, "idle", "", 0, "Sam", "available", 0, 0, 0,
                          now + (usec_t) (cases[i].updated * (int64_t) MIN));
                usec_t want = cases[i].want_from_now ? now + cases[i].want_from_now : midnight;
                is_int((int64_t) partner_next_refresh(&s, &c), (int64_t) want, "refresh %zu", i);
        }
        share_set(&s, "idle", "", 0, "Sam", "unknown", 0, 0, 0, 0);
        is_int((int64_t) partner_next_refresh(&s, &c), (int64_t) midnight, "never read: at midnight only");
        share_set(&s, "idle", "", 0, "", "unknown", 0, 0, 0, 0);
        is_int((int64_t) partner_next_refresh(&s, &c), 0, "no partner: never");
        share_status_done(&s);
}

static void test_json(void) {
        usec_t now = at(2026, 12, 7, 10, 30);
        OutputContext c = { .tz = berlin, .now = now };
        ShareStatus s = {};
        char *buf = NULL;
        size_t n = 0;
        FILE *f;

        share_status_init(&s);
        f = open_memstream(&buf, &n);
        json_share(f, &s, &c);
        json_partner(f, &s, &c);
        fclose(f);
        is_str(buf, ",\"share\":null,\"partner\":null", "JSON: absent");
        free(buf);

        share_set(&s, "offline", "x\"y", now - 10 * MIN, "Sam", "recharging", now + 35 * MIN, 0, 0, now - 2 * HOUR);
        s.published = 3;
        f = open_memstream(&buf, &n);
        json_share(f, &s, &c);
        json_partner(f, &s, &c);
        fclose(f);
        is_str(buf,
               ",\"share\":{\"state\":\"offline\",\"last_sync\":\"2026-12-07T10:20:00+01:00\",\"last_sync_usec\":1796635200000000,"
               "\"last_error\":\"x\\\"y\",\"published\":3},\"partner\":{\"name\":\"Sam\",\"mode\":\"recharging\","
               "\"until\":\"2026-12-07T11:05:00+01:00\",\"until_usec\":1796637900000000,\"next_start\":null,"
               "\"next_start_usec\":null,\"next_end\":null,\"next_end_usec\":null,"
               "\"updated\":\"2026-12-07T08:30:00+01:00\",\"updated_usec\":1796628600000000,\"stale\":true,"
               "\"text\":\"Sam recharging until 11:05 (last read 2h ago)\"}",
               "JSON: share and partner");
        free(buf);
        share_status_done(&s);
}

int main(void) {
        if (tz_load("Europe/Berlin", &berlin) < 0) {
                printf("Bail out! no Europe/Berlin zone\n");
                return 1;
        }
        test_partner_text();
        test_share_problem();
        test_refresh();
        test_json();
        tz_free(berlin);
        return tap_done();
}
