/* SPDX-License-Identifier: MIT */
/* test-partner-parse.c: a partner's feed read into busy blocks: rules with EXDATE and
 * RECURRENCE-ID across the DST changes of Europe/Berlin and America/New_York, a VTIMEZONE of the
 * feed's own, a TZID without one, floating times, across midnight, all-day, transparent,
 * cancelled, match, several calendars in one text, and the feeds that are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "partner-parse.h"
#include "tap.h"

#define CAL(body) "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" body "END:VCALENDAR\r\n"
#define EV(body) "BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n" body "END:VEVENT\r\n"

/* A zone of the feed's own, under a name no zone database has: only its VTIMEZONE says what it
 * is (the EU rules, +01/+02). */
#define VTZ_CUSTOM                                                                              \
        "BEGIN:VTIMEZONE\r\nTZID:Custom Central\r\n"                                           \
        "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" \
        "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"                            \
        "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"  \
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"

static usec_t stamp(const char *s) {
        unsigned y, mo, d, h, mi, se;
        if (sscanf(s, "%4u%2u%2uT%2u%2u%2uZ", &y, &mo, &d, &h, &mi, &se) != 6)
                abort();
        return (usec_t) (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * USEC_PER_SEC;
}

static void format_stamp(usec_t t, char *buf) {
        int64_t s = (int64_t) (t / USEC_PER_SEC), y;
        unsigned m, d;
        civil_from_days(s / 86400, &y, &m, &d);
        sprintf(buf, "%04d%02u%02uT%02d%02d%02dZ", (int) y, m, d, (int) (s % 86400 / 3600), (int) (s % 3600 / 60), (int) (s % 60));
}

/* The blocks as "START/END START/END …", or the error's name. */
static char *blocks_text(int r, const PartnerBlock *v, size_t n) {
        char *out = calloc(1, 40 * n + 32), a[24], b[24];
        if (r < 0) {
                sprintf(out, "%s", r == -EFBIG ? "EFBIG" : r == -EBADMSG ? "EBADMSG" : r == -E2BIG ? "E2BIG" : "other error");
                return out;
        }
        for (size_t i = 0; i < n; i++) {
                format_stamp(v[i].start, a);
                format_stamp(v[i].end, b);
                sprintf(out + strlen(out), "%s%s/%s", i ? " " : "", a, b);
        }
        return out;
}

static const struct {
        const char *name, *text, *match, *from, *to, *want;
} cases[] = {
        /* Every Monday 21:00–22:00 in Berlin from 16 March 2026: the clocks go forward on 29
         * March, so the UTC hour moves; 30 March excluded, 6 April moved to 22:00. */
        { "Berlin weekly across DST, EXDATE, RECURRENCE-ID",
          CAL(EV("UID:w1\r\nSUMMARY:Alone time\r\nDTSTART;TZID=Europe/Berlin:20260316T210000\r\n"
                 "DTEND;TZID=Europe/Berlin:20260316T220000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n"
                 "EXDATE;TZID=Europe/Berlin:20260330T210000\r\n")
              EV("UID:w1\r\nSUMMARY:Alone time\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260406T210000\r\n"
                 "DTSTART;TZID=Europe/Berlin:20260406T220000\r\nDTEND;TZID=Europe/Berlin:20260406T230000\r\n")),
          NULL, "20260316T000000Z", "20260415T000000Z",
          "20260316T200000Z/20260316T210000Z 20260323T200000Z/20260323T210000Z 20260406T200000Z/20260406T210000Z "
          "20260413T190000Z/20260413T200000Z" },
        /* Daily 07:00–08:00 in New York across its change on 8 March, five instances (COUNT). */
        { "New York daily across DST, COUNT",
          CAL(EV("UID:ny\r\nDTSTART;TZID=America/New_York:20260306T070000\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=5\r\n")),
          NULL, "20260301T000000Z", "20260401T000000Z",
          "20260306T120000Z/20260306T130000Z 20260307T120000Z/20260307T130000Z 20260308T110000Z/20260308T120000Z "
          "20260309T110000Z/20260309T120000Z 20260310T110000Z/20260310T120000Z" },
        /* New York in the autumn (1 November), an UNTIL in UTC, a day excluded as a DATE. */
        { "New York autumn, UNTIL, EXDATE as a DATE",
          CAL(EV("UID:ny2\r\nDTSTART;TZID=America/New_York:20261030T183000\r\nDTEND;TZID=America/New_York:20261030T193000\r\n"
                 "RRULE:FREQ=DAILY;UNTIL=20261102T235959Z\r\nEXDATE;VALUE=DATE:20261101\r\n")),
          NULL, "20261001T000000Z", "20261201T000000Z",
          "20261030T223000Z/20261030T233000Z 20261031T223000Z/20261031T233000Z 20261102T233000Z/20261103T003000Z" },
        /* Across midnight and the night the clocks go back in Berlin (25 October, 03:00 → 02:00):
         * 23:30 to 03:30 local is five hours. */
        { "across midnight and the autumn change",
          CAL(EV("UID:night\r\nDTSTART;TZID=Europe/Berlin:20261024T233000\r\nDTEND;TZID=Europe/Berlin:20261025T033000\r\n")),
          NULL, "20261020T000000Z", "20261030T000000Z", "20261024T213000Z/20261025T023000Z" },
        /* The feed's own VTIMEZONE under a name no zone database knows. */
        { "a VTIMEZONE of the feed's own",
          CAL(VTZ_CUSTOM EV("UID:c\r\nDTSTART;TZID=Custom Central:20260320T200000\r\nDTEND;TZID=Custom Central:20260320T210000\r\n"
                            "RRULE:FREQ=WEEKLY;COUNT=2\r\n")),
          NULL, "20260301T000000Z", "20260401T000000Z", "20260320T190000Z/20260320T200000Z 20260327T190000Z/20260327T200000Z" },
        /* Floating: the reader's own zone (Europe/Berlin here), summer and winter. */
        { "floating times are local",
          CAL(EV("UID:f1\r\nDTSTART:20260701T100000\r\nDTEND:20260701T110000\r\n")
              EV("UID:f2\r\nDTSTART:20261201T100000\r\nDTEND:20261201T110000\r\n")),
          NULL, "20260601T000000Z", "20270101T000000Z", "20260701T080000Z/20260701T090000Z 20261201T090000Z/20261201T100000Z" },
        { "UTC times",
          CAL(EV("UID:u\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T103000Z\r\n")),
          NULL, "20260601T000000Z", "20260801T000000Z", "20260701T100000Z/20260701T103000Z" },
        /* All-day, transparent, cancelled (a whole series, and one instance by its override), a
         * moment: none blocks. */
        { "all-day, transparent, cancelled, a moment",
          CAL(EV("UID:a\r\nDTSTART;VALUE=DATE:20260701\r\nDTEND;VALUE=DATE:20260702\r\n")
              EV("UID:t\r\nTRANSP:TRANSPARENT\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\n")
              EV("UID:x\r\nSTATUS:CANCELLED\r\nDTSTART:20260701T120000Z\r\nDTEND:20260701T130000Z\r\nRRULE:FREQ=DAILY\r\n")
              EV("UID:m\r\nDTSTART:20260701T140000Z\r\n")
              EV("UID:d\r\nDTSTART:20260701T150000Z\r\nDTEND:20260701T160000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n")
              EV("UID:d\r\nRECURRENCE-ID:20260702T150000Z\r\nSTATUS:CANCELLED\r\nDTSTART:20260702T150000Z\r\nDTEND:20260702T160000Z\r\n")
              EV("UID:o\r\nTRANSP:OPAQUE\r\nDTSTART:20260704T100000Z\r\nDTEND:20260704T110000Z\r\n")),
          NULL, "20260601T000000Z", "20260801T000000Z",
          "20260701T150000Z/20260701T160000Z 20260703T150000Z/20260703T160000Z 20260704T100000Z/20260704T110000Z" },
        { "match: only summaries that contain it, ignoring case",
          CAL(EV("UID:1\r\nSUMMARY:Sam's ALONE time\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\n")
              EV("UID:2\r\nSUMMARY:Dentist\r\nDTSTART:20260701T120000Z\r\nDTEND:20260701T130000Z\r\n")
              EV("UID:3\r\nDTSTART:20260701T140000Z\r\nDTEND:20260701T150000Z\r\n")),
          "alone", "20260601T000000Z", "20260801T000000Z", "20260701T100000Z/20260701T110000Z" },
        { "the window: what overlaps it, an old rule runs into it",
          CAL(EV("UID:old\r\nDTSTART:20000103T080000Z\r\nDTEND:20000103T090000Z\r\nRRULE:FREQ=DAILY\r\n")),
          NULL, "20260701T083000Z", "20260702T083000Z", "20260701T080000Z/20260701T090000Z 20260702T080000Z/20260702T090000Z" },
        { "several calendars in one text (a REPORT's resources), duplicates once",
          CAL(EV("UID:1\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\n"))
          CAL(EV("UID:2\r\nDTSTART:20260701T090000Z\r\nDTEND:20260701T093000Z\r\n"))
          CAL(EV("UID:1\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\n")),
          NULL, "20260601T000000Z", "20260801T000000Z", "20260701T090000Z/20260701T093000Z 20260701T100000Z/20260701T110000Z" },
        { "an RDATE beside the rule",
          CAL(EV("UID:r\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\nRDATE:20260710T120000Z\r\n")),
          NULL, "20260601T000000Z", "20260801T000000Z", "20260701T100000Z/20260701T110000Z 20260710T120000Z/20260710T130000Z" },
        { "an empty calendar", CAL(""), NULL, "20260601T000000Z", "20260801T000000Z", "" },
        /* Found by fuzz-partner: libical keeps a month 45 as it is, and its conversion made of it
         * an end some 500 000 years on, whose microseconds overflowed. */
        { "a DTEND with month 45 is not a time",
          CAL(EV("UID:1\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\n")
              EV("UID:2\r\nDTSTART:20260701T121615Z\r\nDTEND:07654502T130000Z\r\n")
              EV("UID:3\r\nDTSTART:20260701T140000Z\r\nDTEND:20260732T150000Z\r\n")
              EV("UID:4\r\nDTSTART:20260701T250000Z\r\nDTEND:20260701T260000Z\r\n")
              EV("UID:5\r\nDTSTART:20260701T160000Z\r\nDURATION:PT1H\r\nRDATE:20261302T160000Z\r\n"
                 "EXDATE:20260700T160000Z\r\n")),
          NULL, "20260601T000000Z", "20260801T000000Z", "20260701T100000Z/20260701T110000Z 20260701T160000Z/20260701T170000Z" },
        /* A DURATION past what an int holds in seconds (libical's icaldurationtype_as_int()
         * overflowed into a negative length), and one that runs past the year 9999. */
        { "long DURATIONs",
          CAL(EV("UID:1\r\nDTSTART:20260701T100000Z\r\nDURATION:P4000W\r\n")
              EV("UID:2\r\nDTSTART:20260702T100000Z\r\nDURATION:P99999999W\r\n")
              EV("UID:3\r\nDTSTART:99991231T230000Z\r\nDURATION:PT2H\r\n")),
          NULL, "20260601T000000Z", "99991231T000000Z", "20260701T100000Z/21030228T100000Z" },
        /* Refused. */
        { "cut short", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART:20260701T100000Z\r\n", NULL,
          "20260601T000000Z", "20260801T000000Z", "EBADMSG" },
        { "an HTML page", "<html><body>Log in</body></html>\n", NULL, "20260601T000000Z", "20260801T000000Z", "EBADMSG" },
        { "empty", "", NULL, "20260601T000000Z", "20260801T000000Z", "EBADMSG" },
        { "a rule that makes too many blocks",
          CAL(EV("UID:z\r\nDTSTART:20260701T000000Z\r\nDURATION:PT30S\r\nRRULE:FREQ=MINUTELY\r\n")),
          NULL, "20260701T000000Z", "20260801T000000Z", "E2BIG" },
};

static void test_cases(const Tz *local) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                PartnerBlock *v = NULL;
                size_t n = 0;
                int r = partner_parse(cases[i].text, strlen(cases[i].text), cases[i].match, local, stamp(cases[i].from),
                                      stamp(cases[i].to), &v, &n);
                _cleanup_free_ char *got = blocks_text(r, v, n);
                is_str(got, cases[i].want, "%s", cases[i].name);
                free(v);
        }
}

static void test_oversize(const Tz *local) {
        size_t len = PARTNER_FEED_MAX + 1;
        char *big = malloc(len + 1);
        PartnerBlock *v = NULL;
        size_t n = 0;

        /* A whole calendar, padded with comment-free folded text: refused by its size alone. */
        memset(big, 'x', len);
        memcpy(big, "BEGIN:VCALENDAR\r\n", 17);
        memcpy(big + len - 15, "END:VCALENDAR\r\n", 15);
        big[len] = 0;
        ok(partner_parse(big, len, NULL, local, 0, USEC_INFINITY / 2, &v, &n) == -EFBIG, "a feed over %u bytes is refused",
           PARTNER_FEED_MAX);
        free(big);
}

/* Found by fuzz-partner: each instance of a rule read every EXDATE of its event again, each a TZID
 * for libical to look up (a search of its zones and a file opened): a weekly rule since 1800 with
 * a block long enough to reach the window, times 2000 EXDATEs, took minutes. Read once per event
 * they take milliseconds; the bound is CPU time, generous enough for valgrind. */
static void test_many_exdates(const Tz *local) {
        const int64_t first = days_from_civil(1800, 1, 6) * 86400, week = 7 * 86400;
        const usec_t from = stamp("20260601T000000Z"), to = stamp("20260801T000000Z");
        size_t size = 4096 + 2000 * 64, len = 0, n = 0, want = 0;
        char *text = malloc(size);
        PartnerBlock *v = NULL;
        struct timespec a, b;
        double cpu;
        int r;

        len += snprintf(text + len, size - len, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:old\r\n"
                        "DTSTART:18000106T000000Z\r\nDTEND:20260701T000000Z\r\nRRULE:FREQ=WEEKLY\r\n"
                        /* one instance by its time, one by its day */
                        "EXDATE:20000103T000000Z\r\nEXDATE;VALUE=DATE:20100104\r\n");
        for (int i = 0; i < 2000; i++)
                len += snprintf(text + len, size - len, "EXDATE;TZID=Nowhere/Zone%d:20000101T123456\r\n", i);
        len += snprintf(text + len, size - len, "END:VEVENT\r\nEND:VCALENDAR\r\n");

        /* The instances from 1970 on (no block starts before) and before the window's end, but the two. */
        for (int64_t t = first; t < (int64_t) (to / USEC_PER_SEC); t += week)
                want += t >= 0;
        want -= 2;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
        r = partner_parse(text, len, NULL, local, from, to, &v, &n);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        cpu = (double) (b.tv_sec - a.tv_sec) + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
        ok(r == 0 && n == want, "a weekly rule since 1800 with 2000 EXDATEs: %zu blocks (want %zu)", n, want);
        ok(cpu < 20, "…read in %.2f s of CPU (each EXDATE once, not once per instance)", cpu);
        free(v);
        free(text);
}

/* Found in review: the limits multiplied. Rules that run every minute from 1970 each take the
 * 100000 iterations one rule may before they reach 2026, so a 4 MiB feed of 20000 of them was
 * more than an hour of CPU at every refresh (0.2 s each). The feed's rules together may take a
 * million steps: eleven such rules are refused, in about a second. */
static void test_iterations_budget(const Tz *local) {
        size_t size = 64 + 12 * 128, len = 0, n = 0;
        char *text = malloc(size);
        PartnerBlock *v = NULL;
        struct timespec a, b;
        double cpu;
        int r;

        len += snprintf(text + len, size - len, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
        for (int i = 0; i < 11; i++)
                len += snprintf(text + len, size - len, "BEGIN:VEVENT\r\nUID:m%d\r\nDTSTART:19700101T000000Z\r\n"
                                "DURATION:PT1M\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n", i);
        len += snprintf(text + len, size - len, "END:VCALENDAR\r\n");
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
        r = partner_parse(text, len, NULL, local, stamp("20260601T000000Z"), stamp("20260801T000000Z"), &v, &n);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        cpu = (double) (b.tv_sec - a.tv_sec) + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
        ok(r == -E2BIG, "eleven rules of 100000 steps each: over the feed's million, refused (r=%d)", r);
        diag("refused after %.2f s of CPU", cpu);
        free(v);
        free(text);
}

/* What libical skips it reports on stderr, a line each; read from the network, those lines must
 * not reach recharged-share's log. stderr is a file here for the length of one parse. */
static void test_libical_quiet(const Tz *local) {
        static const char text[] = CAL(EV("UID:q\r\nDTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\n")
                                       "END:VTODO\r\nEND:VALARM\r\n");
        FILE *f = tmpfile();
        int saved = dup(STDERR_FILENO);
        PartnerBlock *v = NULL;
        size_t n = 0;
        long size;
        int r;

        if (!f || saved < 0)
                abort();
        fflush(stderr);
        dup2(fileno(f), STDERR_FILENO);
        r = partner_parse(text, sizeof text - 1, NULL, local, stamp("20260601T000000Z"), stamp("20260801T000000Z"), &v, &n);
        fflush(stderr);
        size = lseek(fileno(f), 0, SEEK_END);
        fprintf(stderr, "after");
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        _cleanup_free_ char *got = blocks_text(r, v, n);
        is_str(got, "20260701T100000Z/20260701T110000Z", "a feed with stray ENDs: the event in it is read");
        ok(size == 0, "…and libical's complaints about the stray ENDs are not written to stderr (%ld bytes)", size);
        ok(lseek(fileno(f), 0, SEEK_END) == 5, "…and stderr is ours again after the parse");
        free(v);
        fclose(f);
}

static void test_now(void) {
        static const PartnerBlock v[] = {
                { 100, 200 }, { 200, 300 }, { 250, 280 }, { 500, 600 }, { 550, 700 }, { 900, 1000 },
        };
        static const struct {
                usec_t now;
                PartnerNow want;
        } now_cases[] = {
                { 50, { 0, 0, 100, 300 } },     /* the next block is joined with what touches it */
                { 100, { 100, 300, 500, 700 } },
                { 250, { 100, 300, 500, 700 } },
                { 300, { 0, 0, 500, 700 } },   /* an end is free */
                { 650, { 500, 700, 900, 1000 } },
                { 950, { 900, 1000, 0, 0 } },
                { 1000, { 0, 0, 0, 0 } },
        };
        for (size_t i = 0; i < ELEMENTSOF(now_cases); i++) {
                PartnerNow r = partner_now(v, ELEMENTSOF(v), now_cases[i].now);
                ok(r.since == now_cases[i].want.since && r.until == now_cases[i].want.until &&
                   r.next_start == now_cases[i].want.next_start && r.next_end == now_cases[i].want.next_end,
                   "partner_now at %llu: %llu-%llu next %llu-%llu", (unsigned long long) now_cases[i].now,
                   (unsigned long long) r.since, (unsigned long long) r.until, (unsigned long long) r.next_start,
                   (unsigned long long) r.next_end);
        }
        PartnerNow r = partner_now(NULL, 0, 5);
        ok(!r.since && !r.until && !r.next_start && !r.next_end, "partner_now of nothing");
}

int main(void) {
        _cleanup_(tz_freep) Tz *local = NULL;

        if (tz_load("Europe/Berlin", &local) < 0) {
                printf("Bail out! no Europe/Berlin in the zone database (tzdata)\n");
                return 1;
        }
        test_cases(local);
        test_oversize(local);
        test_many_exdates(local);
        test_iterations_budget(local);
        test_libical_quiet(local);
        test_now();
        return tap_done();
}
