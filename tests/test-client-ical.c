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
                "DTSTART;TZID=Europe/Berlin:20261124T070000\r\nDTEND;TZID=Europe/Berlin:20261124T074500\r\n"
                "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261130T225959Z\r\n"
                "SUMMARY:Recharging: Coffee\\, alone\\; no screens\r\n",
                /* over midnight: the end is on the next day */
                "UID:night@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261128T230000\r\n"
                "DTEND;TZID=Europe/Berlin:20261129T010000\r\nRRULE:FREQ=WEEKLY;BYDAY=SA;",
                /* a real-time length */
                "DTSTART;TZID=Europe/Berlin:20261129T100000\r\nDURATION:PT1H30M\r\nRRULE:FREQ=WEEKLY;BYDAY=SU;",
                /* `every` over midnight: after midnight the weekday moves on */
                "UID:stretch-2200@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261130T220000\r\nDURATION:PT0S\r\n"
                "RRULE:FREQ=WEEKLY;BYDAY=MO;",
                "UID:stretch-0000-1@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261124T000000\r\nDURATION:PT0S\r\n"
                "RRULE:FREQ=WEEKLY;BYDAY=TU;",
                "UID:stretch-0200-1@recharged\r\n",
                "UID:friend@recharged\r\nDTSTAMP:20261124T110000Z\r\nDTSTART;TZID=Europe/Berlin:20261129T170000\r\n",
                "CATEGORIES:selfcare\r\nX-RECHARGED-ENTRY:friend\r\nTRANSP:TRANSPARENT\r\n",
                "END:VEVENT\r\nEND:VCALENDAR\r\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(has); i++)
                if (!ok(buf && strstr(buf, has[i]), "calendar has part %zu", i))
                        diag("%s", has[i]);
        ok(buf && !strstr(buf, "off@recharged"), "a disabled entry is left out");
        ok(buf && !strstr(buf, "UID:stretch-0000@recharged"), "past-midnight times get their own UID");
        ok(buf && lines_ok(buf, &bad), "every line CRLF, at most 75 octets");

        /* Open-ended: no UNTIL at all */
        free(buf);
        buf = NULL;
        f = open_memstream(&buf, &n);
        r = ical_write(f, c->entries, c->n_entries, &(IcalOptions) { .tz = tz, .tzid = "Europe/Berlin", .now = now });
        fclose(f);
        ok(r == 0 && buf && !strstr(buf, "UNTIL="), "without --days the rules never end");
}

int main(void) {
        test_folding();
        test_escape();
        test_vtimezone();
        test_write();
        return tap_done();
}
