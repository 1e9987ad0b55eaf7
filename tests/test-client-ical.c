/* SPDX-License-Identifier: MIT */
/* test-client-ical.c: the iCalendar writer: folding, escaping, VTIMEZONEs from real zones, VEVENTs. */
#include <stdlib.h>

#include "config.h"
#include "ical.h"
#include "macro.h"
#include "tap.h"

static char *capture_line(const char *line) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        ical_line(f, line);
        fclose(f);
        return buf;
}

/* Every physical line ends in CRLF and has at most 75 octets; continuation lines never start in
 * the middle of a UTF-8 sequence. */
static bool lines_ok(const char *text, const char **ret_bad) {
        for (const char *p = text; *p;) {
                const char *crlf = strstr(p, "\r\n");
                if (!crlf || crlf - p > 75 || ((unsigned char) p[0] & 0xC0) == 0x80 ||
                    (p != text && p[0] == ' ' && ((unsigned char) p[1] & 0xC0) == 0x80)) {
                        *ret_bad = p;
                        return false;
                }
                p = crlf + 2;
        }
        return true;
}

static char *unfold(const char *text) {
        char *out = malloc(strlen(text) + 1), *o = out;
        for (const char *p = text; *p; p++) {
                if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
                        p += 2;
                        continue;
                }
                *o++ = *p;
        }
        *o = '\0';
        return out;
}

static void test_folding(void) {
        char line[400];
        const char *bad = NULL;

        memset(line, 'x', 200);
        memcpy(line, "SUMMARY:", 8);
        line[200] = '\0';
        {
                _cleanup_free_ char *got = capture_line(line), *u = unfold(got);
                ok(lines_ok(got, &bad), "200 octets fold into lines of at most 75");
                is_str(u, strcat(strcpy((char[404]) {}, line), "\r\n"), "unfolding gives the line back");
        }
        /* "ü" is two octets: whatever the offset, no sequence is split */
        for (int shift = 0; shift < 3; shift++) {
                int n = snprintf(line, sizeof line, "SUMMARY:%.*s", shift, "ab");
                for (int k = 0; k < 60; k++)
                        n += snprintf(line + n, sizeof line - n, "ü—");
                _cleanup_free_ char *got = capture_line(line), *u = unfold(got);
                ok(lines_ok(got, &bad), "UTF-8 folded whole (shift %d)", shift);
                ok(strncmp(u, line, strlen(line)) == 0, "UTF-8 unfolds to the same text (shift %d)", shift);
        }
        {
                _cleanup_free_ char *got = capture_line("SHORT:x");
                is_str(got, "SHORT:x\r\n", "a short line is left alone, CRLF added");
        }
        memset(line, 'y', 75);
        line[75] = '\0';
        {
                _cleanup_free_ char *got = capture_line(line);
                ok(got && strlen(got) == 77, "exactly 75 octets: no fold");
        }
}

static void test_escape(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain", "plain" },
                { "a, b; c", "a\\, b\\; c" },
                { "back\\slash", "back\\\\slash" },
                { "two\nlines", "two\\nlines" },
                { "bell\a", "bell" },
                { "", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = ical_escape(cases[i].in);
                is_str(got, cases[i].out, "ical_escape case %zu", i);
        }
}

static char *vtimezone(const char *zone, int64_t from) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        char *buf = NULL;
        size_t n = 0;
        FILE *f;

        if (tz_load(zone, &tz) < 0)
                return NULL;
        f = open_memstream(&buf, &n);
        ical_vtimezone(f, tz, zone, from, from + 7 * 86400, true);
        fclose(f);
        return buf;
}

static void test_vtimezone(void) {
        int64_t t2026 = days_from_civil(2026, 11, 24) * 86400;
        static const struct {
                const char *zone;
                const char *has[4];
                const char *has_not;
        } cases[] = {
                { "Europe/Berlin",
                  { "TZID:Europe/Berlin\r\n",
                    "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
                    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZNAME:CEST\r\n",
                    "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
                    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZNAME:CET\r\n" },
                  "RDATE" },
                { "America/New_York",
                  { "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n",
                    "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n" } },
                { "Australia/Lord_Howe",
                  { "TZOFFSETFROM:+1030\r\nTZOFFSETTO:+1100\r\n", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\n",
                    "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\n" } },
                { "UTC",
                  { "BEGIN:STANDARD\r\n", "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\n" },
                  "RRULE" },
                { "America/Sao_Paulo", /* no DST since 2019 */
                  { "TZOFFSETFROM:-0300\r\nTZOFFSETTO:-0300\r\n" },
                  "RRULE" },
                { "Africa/Casablanca", /* Ramadan changes: no yearly rule, every change listed */
                  { "BEGIN:VTIMEZONE\r\n", "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\n" },
                  "RRULE" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = vtimezone(cases[i].zone, t2026);
                const char *bad = NULL;

                if (!got) {
                        ok(true, "%s # SKIP zone not installed", cases[i].zone);
                        continue;
                }
                for (size_t k = 0; k < ELEMENTSOF(cases[i].has) && cases[i].has[k]; k++)
                        if (!ok(strstr(got, cases[i].has[k]) != NULL, "%s: has part %zu", cases[i].zone, k))
                                diag("%s", got);
                if (cases[i].has_not)
                        ok(!strstr(got, cases[i].has_not), "%s: no %s", cases[i].zone, cases[i].has_not);
                ok(lines_ok(got, &bad), "%s: lines well-formed", cases[i].zone);
        }
}

static const char schedule[] =
        "[general]\n"
        "[morning]\ntype = recharge\ndays = Mon..Fri\nstart = 07:00\nend = 07:45\nmessage = \"Coffee, alone; no screens\"\n"
        "[night]\ntype = recharge\ndays = Sat\nstart = 23:00\nend = 01:00\nmessage = Night owl\n"
        "[walk]\ntype = recharge\ndays = Sun\nstart = 10:00\nduration = 1h 30min\nmessage = A walk\n"
        "[stretch]\ntype = selfcare\ndays = Mon\nevery = 2h\nbetween = 22:00-02:00\nmessage = Stretch\n"
        "[friend]\ntype = selfcare\ndays = Sun\nat = 17:00\nmessage = Call a friend\n"
        "[off]\ntype = recharge\nstart = 05:00\nduration = 10min\nenabled = no\nmessage = Never\n";

static void test_write(void) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(tz_freep) Tz *tz = NULL;
        _cleanup_free_ char *buf = NULL;
        const char *bad = NULL;
        size_t n = 0;
        FILE *f;
        int r;

        r = config_load_string(schedule, strlen(schedule), "test.conf", &c, &errors);
        if (!is_int(r, 0, "the test schedule loads")) {
                for (char **e = errors; e && *e; e++)
                        diag("%s", *e);
                return;
        }
        tz_load("Europe/Berlin", &tz);
        /* Tuesday 2026-11-24 12:00 in Berlin */
        usec_t now = (usec_t) tz_from_local(tz, days_from_civil(2026, 11, 24) * 86400 + 12 * 3600) * USEC_PER_SEC;
        f = open_memstream(&buf, &n);
        r = ical_write(f, c->entries, c->n_entries,
                       &(IcalOptions) { .tz = tz, .tzid = "Europe/Berlin", .now = now, .days = 7, .prodid_version = "9" });
        fclose(f);
        is_int(r, 0, "ical_write succeeds");

        static const char *const has[] = {
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//recharged//rechargectl 9//EN\r\n",
                "BEGIN:VEVENT\r\nUID:morning@recharged\r\nDTSTAMP:20261124T110000Z\r\n"
                /* from the day before now's: a block begun yesterday and still on is in it */
                "DTSTART;TZID=Europe/Berlin:20261123T070000\r\nDTEND;TZID=Europe/Berlin:20261123T074500\r\n"
                "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261130T225959Z\r\n"
                "SUMMARY:Recharging: Coffee\\, alone\\; no screens\r\n",
                /* over midnight: the end is on the next day */
                "UID:night@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261128T230000\r\n"
                "DTEND;TZID=Europe/Berlin:20261129T010000\r\nRRULE:FREQ=WEEKLY;BYDAY=SA;",
                /* a real-time length */
                "DTSTART;TZID=Europe/Berlin:20261129T100000\r\nDURATION:PT1H30M\r\nRRULE:FREQ=WEEKLY;BYDAY=SU;",
                /* `every` over midnight: after midnight the weekday moves on */
                "UID:stretch-2200@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261123T220000\r\nDURATION:PT0S\r\n"
                "RRULE:FREQ=WEEKLY;BYDAY=MO;",
                /* 00:00 and 02:00 the next day: one rule, BYHOUR × BYMINUTE */
                "UID:stretch-0000-1@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261124T000000\r\nDURATION:PT0S\r\n"
                "RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=0,2;BYMINUTE=0;",
                "UID:friend@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261129T170000\r\n",
                "CATEGORIES:selfcare\r\nX-RECHARGED-ENTRY:friend\r\nTRANSP:TRANSPARENT\r\n",
                "END:VEVENT\r\nEND:VCALENDAR\r\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(has); i++)
                if (!ok(buf && strstr(buf, has[i]), "calendar has part %zu", i))
                        diag("%s", has[i]);
        ok(buf && !strstr(buf, "off@recharged"), "a disabled entry is left out");
        ok(buf && !strstr(buf, "UID:stretch-0000@recharged"), "past-midnight times get their own UID");
        ok(buf && !strstr(buf, "UID:stretch-0200-1@recharged"), "02:00 is in the 00:00 rule");
        ok(buf && lines_ok(buf, &bad), "every line CRLF, at most 75 octets");

        /* Open-ended: no UNTIL at all */
        free(buf);
        buf = NULL;
        f = open_memstream(&buf, &n);
        r = ical_write(f, c->entries, c->n_entries, &(IcalOptions) { .tz = tz, .tzid = "Europe/Berlin", .now = now });
        fclose(f);
        ok(r == 0 && buf && !strstr(buf, "UNTIL="), "without --days the rules never end");
}

static char *write_one(const char *conf, const Tz *tz, usec_t now, unsigned days, const IcalEvent *plan,
                       size_t n_plan, const IcalOptions *extra) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        char *buf = NULL;
        size_t n = 0;
        FILE *f;
        int r;

        r = config_load_string(conf, strlen(conf), "test.conf", &c, &errors);
        if (r < 0) {
                for (char **e = errors; e && *e; e++)
                        diag("%s", *e);
                return NULL;
        }
        IcalOptions o = extra ? *extra : (IcalOptions) {};
        o.tz = tz;
        o.tzid = "Europe/Berlin";
        o.now = now;
        o.days = days;
        o.plan = plan;
        o.n_plan = n_plan;
        if (plan)
                o.plan_to = (usec_t) (tz_from_local(tz, (local_day(tz_to_local(tz, (int64_t) (now / USEC_PER_SEC))) +
                                                     days + 2) * 86400)) * USEC_PER_SEC;
        f = open_memstream(&buf, &n);
        r = ical_write(f, c->entries, c->n_entries, &o);
        fclose(f);
        if (r < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static size_t count(const char *s, const char *what) {
        size_t n = 0;
        for (const char *p = s; p && (p = strstr(p, what)); p += strlen(what))
                n++;
        return n;
}

/* `every` and `at` times as few RRULEs as give exactly them (BYHOUR × BYMINUTE × BYSECOND). */
static void test_grouping(void) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        static const struct {
                const char *rule;
                size_t vevents;
                const char *has[3];
        } cases[] = {
                /* every five minutes all day: one rule, not 288 (00:00 next day is in it) */
                { "every = 5min\nbetween = 00:00-23:55\n", 1,
                  { "UID:r@recharged\r\n", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,"
                                            "12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55\r\n" } },
                /* the example: the window's end (inclusive) on its own */
                { "days = Mon..Fri\nevery = 5min\nbetween = 09:00-18:00\n", 2,
                  { "UID:r-0900@recharged\r\n", "BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10,11,12,13,14,15,16,17;BYMINUTE=0,5,",
                    "UID:r-1800@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261123T180000\r\n"
                    "DURATION:PT0S\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\n" } },
                { "every = 90min\nbetween = 09:00-18:00\n", 2,
                  { "UID:r-0900@recharged\r\n", "BYHOUR=9,12,15,18;BYMINUTE=0\r\n",
                    "UID:r-1030@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261123T103000\r\n" } },
                /* over midnight: the times after it on the next weekday */
                { "days = Sat\nevery = 2h\nbetween = 22:00-04:00\n", 2,
                  { "UID:r-2200@recharged\r\n", "UID:r-0000-1@recharged\r\n",
                    "RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=0,2,4;BYMINUTE=0\r\n" } },
                { "at = 08:00, 12:00, 19:00\n", 1, { "UID:r@recharged\r\n", "BYHOUR=8,12,19;BYMINUTE=0\r\n" } },
                { "at = 17:00, 20:30\n", 2, { "UID:r-1700@recharged\r\n", "UID:r-2030@recharged\r\n" } },
                /* seconds: 10:00:00, 10:01:30, 10:03:00, 10:04:30, 10:06:00 */
                { "every = 90s\nbetween = 10:00-10:06\n", 2,
                  { "UID:r-1000@recharged\r\n", "BYHOUR=10;BYMINUTE=0,3,6\r\n",
                    "UID:r-100130@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261123T100130\r\n" } },
                /* 10:00:00 … 10:03:03: no two share their seconds, one rule each, still exact */
                { "every = 61s\nbetween = 10:00-10:04\n", 4,
                  { "UID:r-1000@recharged\r\n", "UID:r-100303@recharged\r\nDTSTAMP:20261124T110000Z\r\n"
                                                 "DTSTART;TZID=Europe/Berlin:20261123T100303\r\nDURATION:PT0S\r\n"
                                                 "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU\r\n" } },
        };

        tz_load("Europe/Berlin", &tz);
        usec_t now = (usec_t) tz_from_local(tz, days_from_civil(2026, 11, 24) * 86400 + 12 * 3600) * USEC_PER_SEC;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char conf[256];
                const char *bad = NULL;

                snprintf(conf, sizeof conf, "[r]\ntype = selfcare\nmessage = m\n%s", cases[i].rule);
                _cleanup_free_ char *got = write_one(conf, tz, now, 0, NULL, 0, NULL);
                if (!ok(got, "grouping case %zu writes", i))
                        continue;
                if (!is_int((int) count(got, "BEGIN:VEVENT"), (int) cases[i].vevents, "grouping case %zu: VEVENTs", i))
                        diag("%s", got);
                for (size_t k = 0; k < ELEMENTSOF(cases[i].has) && cases[i].has[k]; k++) {
                        _cleanup_free_ char *u = unfold(got);
                        if (!ok(strstr(u, cases[i].has[k]), "grouping case %zu: part %zu", i, k))
                                diag("%s\nnot in:\n%s", cases[i].has[k], u);
                }
                ok(lines_ok(got, &bad), "grouping case %zu: lines well-formed", i);
        }
}

/* Where the daemon's plan differs from the rules. Tue 24 Nov 2026 12:00 in Berlin, 3 days. */
#define PLAN_MAX 8
static void test_plan(void) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        static const char conf[] =
                "[morning]\ntype = recharge\ndays = Mon..Fri\nstart = 07:00\nend = 07:45\nmessage = M\n"
                "[walk]\ntype = recharge\nstart = 18:00\nduration = 1h\nmessage = W\n";
        /* {entry, kind, day of November, HH, MM}; entry -1 the manual recharge */
        typedef struct { int entry; IcalKind kind; int day, h, m; } P;
        static const struct {
                const char *what;
                P plan[PLAN_MAX];
                usec_t manual_since_min; /* minutes after 11:00 on the 24th, 0: none */
                bool paused;
                const char *has[3];
                const char *has_not;
        } cases[] = {
                { "as planned",
                  { { 0, ICAL_START, 24, 7, 0 }, { 0, ICAL_END, 24, 7, 45 }, { 0, ICAL_START, 25, 7, 0 }, { 0, ICAL_END, 25, 7, 45 },
                    { 0, ICAL_START, 26, 7, 0 }, { 0, ICAL_END, 26, 7, 45 } },
                  0, false, { "UID:morning@recharged\r\n" }, "EXDATE;TZID=Europe/Berlin:20261124T070000" },
                { "skipped Wednesday's",
                  { { 0, ICAL_START, 24, 7, 0 }, { 0, ICAL_END, 24, 7, 45 }, { 0, ICAL_START, 26, 7, 0 }, { 0, ICAL_END, 26, 7, 45 } },
                  0, false, { "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261126T225959Z\r\nEXDATE;TZID=Europe/Berlin:20261123T070000\r\n"
                              /* Monday's, before the plan given here: left out too */
                              "EXDATE;TZID=Europe/Berlin:20261125T070000\r\n" },
                  "RECURRENCE-ID" },
                { "snoozed Wednesday's by 10 min",
                  { { 0, ICAL_START, 24, 7, 0 }, { 0, ICAL_END, 24, 7, 45 }, { 0, ICAL_START, 25, 7, 10 }, { 0, ICAL_END, 25, 7, 55 },
                    { 0, ICAL_START, 26, 7, 0 }, { 0, ICAL_END, 26, 7, 45 } },
                  0, false, { "UID:morning@recharged\r\nDTSTAMP:20261124T110000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261125T070000\r\n"
                              "DTSTART:20261125T061000Z\r\nDTEND:20261125T065500Z\r\nSUMMARY:Recharging: M\r\n" },
                  "EXDATE;TZID=Europe/Berlin:20261125T070000" },
                { "Thursday's started early and extended",
                  { { 0, ICAL_START, 24, 7, 0 }, { 0, ICAL_END, 24, 7, 45 }, { 0, ICAL_START, 25, 7, 0 }, { 0, ICAL_END, 25, 7, 45 },
                    { 0, ICAL_START, 26, 6, 50 }, { 0, ICAL_END, 26, 8, 30 } },
                  0, false, { "RECURRENCE-ID;TZID=Europe/Berlin:20261126T070000\r\nDTSTART:20261126T055000Z\r\nDTEND:20261126T073000Z\r\n" },
                  "EXDATE;TZID=Europe/Berlin:20261126T070000" },
                { "a walk extended (a duration block)",
                  { { 1, ICAL_START, 24, 18, 0 }, { 1, ICAL_END, 24, 19, 30 }, { 1, ICAL_START, 25, 18, 0 }, { 1, ICAL_END, 25, 19, 0 },
                    { 1, ICAL_START, 26, 18, 0 }, { 1, ICAL_END, 26, 19, 0 } },
                  0, false, { "UID:walk@recharged\r\nDTSTAMP:20261124T110000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261124T180000\r\n"
                              "DTSTART:20261124T170000Z\r\nDTEND:20261124T183000Z\r\n",
                              /* Tuesday's morning (before now, same day) is not in the plan: skipped */
                              "EXDATE;TZID=Europe/Berlin:20261124T070000\r\n" } },
                { "a manual recharge from 11:30 to 13:00",
                  { { -1, ICAL_START, 24, 11, 30 }, { -1, ICAL_END, 24, 13, 0 } },
                  0, false, { "BEGIN:VEVENT\r\nUID:manual-20261124T103000Z@recharged\r\nDTSTAMP:20261124T110000Z\r\n"
                              "DTSTART:20261124T103000Z\r\nDTEND:20261124T120000Z\r\nSUMMARY:Recharging: Reading\r\n" } },
                { "a manual recharge begun before the plan, until 13:00",
                  { { -1, ICAL_END, 24, 13, 0 } },
                  45, false, { "UID:manual-20261124T104500Z@recharged\r\n", "DTSTART:20261124T104500Z\r\nDTEND:20261124T120000Z\r\n" } },
                { "a manual recharge until 'off'",
                  { { -1, ICAL_START, 24, 11, 30 } },
                  0, false, { "DTSTART:20261124T103000Z\r\nSUMMARY:Recharging: Reading (until further notice)\r\n" }, "DTEND:20261124T1" },
                { "paused until Resume",
                  { { -1, ICAL_START, 24, 11, 30 }, { -1, ICAL_END, 24, 13, 0 } },
                  0, true, { "UID:manual-20261124T103000Z@recharged\r\n" }, "UID:morning@recharged" },
        };

        tz_load("Europe/Berlin", &tz);
        usec_t now = (usec_t) tz_from_local(tz, days_from_civil(2026, 11, 24) * 86400 + 12 * 3600) * USEC_PER_SEC;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                IcalEvent plan[PLAN_MAX];
                size_t n = 0;
                const char *bad = NULL;

                for (size_t k = 0; k < PLAN_MAX && cases[i].plan[k].day; k++) {
                        const P *p = &cases[i].plan[k];
                        int64_t t = tz_from_local(tz, days_from_civil(2026, 11, (unsigned) p->day) * 86400 + p->h * 3600 + p->m * 60);
                        plan[n++] = (IcalEvent) { p->entry, p->kind, (usec_t) t * USEC_PER_SEC };
                }
                IcalOptions extra = {
                        .manual_since = cases[i].manual_since_min ? now - USEC_PER_HOUR + cases[i].manual_since_min * USEC_PER_MINUTE : 0,
                        .manual_message = "Reading",
                        .paused_indefinitely = cases[i].paused,
                };
                _cleanup_free_ char *got = write_one(conf, tz, now, 3, plan, n, &extra);
                if (!ok(got, "%s: writes", cases[i].what))
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(cases[i].has) && cases[i].has[k]; k++)
                        if (!ok(strstr(got, cases[i].has[k]), "%s: part %zu", cases[i].what, k))
                                diag("%s\nnot in:\n%s", cases[i].has[k], got);
                if (cases[i].has_not && !ok(!strstr(got, cases[i].has_not), "%s: no %s", cases[i].what, cases[i].has_not))
                        diag("%s", got);
                ok(lines_ok(got, &bad), "%s: lines well-formed", cases[i].what);
        }
}

/* A reminder held by a dnd block is kept at its planned time when the daemon releases it at the
 * block's end; when a pause takes that release (the person paused during the block), the daemon
 * never shows it and the calendar says so with an EXDATE. Tue 24 Nov 2026 12:00 in Berlin. */
static void test_plan_held(void) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        static const char conf[] =
                "[quiet]\ntype = recharge\nstart = 14:00\nend = 15:00\nmessage = Q\n"
                "[tea]\ntype = selfcare\nat = 14:30\nmessage = T\n";
        static const struct {
                const char *what;
                bool released[3]; /* on the 24th, 25th, 26th (the 23rd is before the plan: an EXDATE) */
                bool begun_before;  /* the 24th's block was on when the plan began: only its end is in it */
        } cases[] = {
                { "released at each block's end", { true, true, true } },
                { "a pause over the 24th's end", { false, true, true } },
                { "a pause over the 25th's end", { true, false, true } },
                { "the 24th's block on when the plan begins", { true, true, true }, true },
        };

        tz_load("Europe/Berlin", &tz);
        usec_t now = (usec_t) tz_from_local(tz, days_from_civil(2026, 11, 24) * 86400 + 12 * 3600) * USEC_PER_SEC;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                IcalEvent plan[16];
                size_t n = 0;

                for (int d = 0; d < 3; d++) {
                        int64_t day = (days_from_civil(2026, 11, 24) + d) * 86400;
                        if (d > 0 || !cases[i].begun_before)
                                plan[n++] = (IcalEvent) { 0, ICAL_START, (usec_t) tz_from_local(tz, day + 14 * 3600) * USEC_PER_SEC };
                        plan[n++] = (IcalEvent) { 0, ICAL_END, (usec_t) tz_from_local(tz, day + 15 * 3600) * USEC_PER_SEC };
                        if (cases[i].released[d])
                                plan[n++] = (IcalEvent) { 1, ICAL_REMINDER, (usec_t) tz_from_local(tz, day + 15 * 3600) * USEC_PER_SEC };
                }
                _cleanup_free_ char *got = write_one(conf, tz, now, 3, plan, n, NULL);
                if (!ok(got, "%s: writes", cases[i].what))
                        continue;
                for (int d = 0; d < 3; d++) {
                        char exdate[64];
                        snprintf(exdate, sizeof exdate, "EXDATE;TZID=Europe/Berlin:202611%02dT143000\r\n", 24 + d);
                        if (!ok(!strstr(got, exdate) == cases[i].released[d], "%s: the %dth's tea is %s", cases[i].what, 24 + d,
                                cases[i].released[d] ? "kept where planned" : "an EXDATE (never shown)"))
                                diag("%s", got);
                }
                if (!ok(!strstr(got, "RECURRENCE-ID"), "%s: no release is taken for a moved tea", cases[i].what))
                        diag("%s", got);
        }
}

/* Each entry reads its own events of the plan, whatever the others': three entries' plans, each
 * with random skips and moves, interleaved in time as the daemon gives them, write what each
 * entry's plan alone writes (the calendar's head, then the entries' events in order). */
static void test_plan_entries(void) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        static const char *const sections[] = {
                "[a]\ntype = recharge\ndays = Mon..Fri\nstart = 07:00\nend = 07:45\ndnd = no\n",
                "[b]\ntype = recharge\nstart = 07:30\nduration = 1h\ndnd = no\n",
                "[c]\ntype = selfcare\nat = 07:40, 15:00\n",
        };
        static const struct { int h, m, len; } occ[] = { { 7, 0, 45 }, { 7, 30, 60 }, { 7, 40, 0 }, { 15, 0, 0 } };
        static const int occ_entry[] = { 0, 1, 2, 2 };
        size_t failed = 0, rounds = 200;

        tz_load("Europe/Berlin", &tz);
        usec_t now = (usec_t) tz_from_local(tz, days_from_civil(2026, 11, 24) * 86400 + 6 * 3600) * USEC_PER_SEC;
        srand(17);
        for (size_t round = 0; round < rounds; round++) {
                IcalEvent plan[64];
                size_t n = 0;

                for (unsigned day = 24; day <= 26; day++)
                        for (size_t k = 0; k < ELEMENTSOF(occ); k++) {
                                int what = rand() % 4; /* 0 skipped, 1 moved, else as planned */
                                int shift = what == 1 ? (rand() % 5 - 2) * 10 : 0;
                                int64_t t = tz_from_local(tz, days_from_civil(2026, 11, day) * 86400 + occ[k].h * 3600 +
                                                                      (occ[k].m + shift) * 60);
                                if (what == 0)
                                        continue;
                                if (occ[k].len == 0) {
                                        plan[n++] = (IcalEvent) { occ_entry[k], ICAL_REMINDER, (usec_t) t * USEC_PER_SEC };
                                        continue;
                                }
                                plan[n++] = (IcalEvent) { occ_entry[k], ICAL_START, (usec_t) t * USEC_PER_SEC };
                                plan[n++] = (IcalEvent) { occ_entry[k], ICAL_END, (usec_t) (t + occ[k].len * 60) * USEC_PER_SEC };
                        }
                /* in time order, as Upcoming gives them (insertion sort: stable) */
                for (size_t i = 1; i < n; i++)
                        for (size_t j = i; j > 0 && plan[j - 1].time > plan[j].time; j--) {
                                IcalEvent x = plan[j];
                                plan[j] = plan[j - 1];
                                plan[j - 1] = x;
                        }

                _cleanup_free_ char *conf = NULL, *whole = NULL, *expect = NULL;
                size_t conf_n = 0, expect_n = 0;
                FILE *c = open_memstream(&conf, &conf_n), *e = open_memstream(&expect, &expect_n);
                for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                        fputs(sections[i], c);
                fclose(c);
                whole = write_one(conf, tz, now, 3, plan, n, NULL);
                for (size_t i = 0; whole && i < ELEMENTSOF(sections); i++) {
                        IcalEvent own[64];
                        size_t m = 0;
                        for (size_t k = 0; k < n; k++)
                                if (plan[k].entry == (int) i)
                                        own[m++] = (IcalEvent) { 0, plan[k].kind, plan[k].time };
                        _cleanup_free_ char *alone = write_one(sections[i], tz, now, 3, own, m, NULL);
                        const char *body = alone ? strstr(alone, "BEGIN:VEVENT") : NULL;
                        const char *end = alone ? strstr(alone, "END:VCALENDAR") : NULL;
                        if (!body || !end)
                                break;
                        if (i == 0)
                                fwrite(alone, 1, (size_t) (body - alone), e);
                        fwrite(body, 1, (size_t) (end - body), e);
                }
                fputs("END:VCALENDAR\r\n", e);
                fclose(e);
                if (!whole || !streq(whole, expect)) {
                        if (failed++ == 0)
                                diag("round %zu:\n%s\nexpected:\n%s", round, whole ?: "(none)", expect);
                }
        }
        ok(failed == 0, "each entry's events of an interleaved plan, as its plan alone: %zu rounds, %zu differ", rounds,
           failed);
}

int main(void) {
        test_folding();
        test_escape();
        test_vtimezone();
        test_write();
        test_grouping();
        test_plan();
        test_plan_held();
        test_plan_entries();
        return tap_done();
}
