/* SPDX-License-Identifier: MIT */
/* test-timeparse.c: table-driven tests of the span, clock, weekday and boolean parsers. */
#include <errno.h>
#include <inttypes.h>

#include "macro.h"
#include "tap.h"
#include "timeparse.h"

#define SEC USEC_PER_SEC
#define MINUTE USEC_PER_MINUTE
#define HOUR USEC_PER_HOUR
#define DAY USEC_PER_DAY
#define WEEK USEC_PER_WEEK

/* Quoted for the TAP line, so blanks and NULL are visible. */
static const char *q(const char *s, char *buf, size_t n) {
        if (!s)
                return "NULL";
        snprintf(buf, n, "'%s'", s);
        return buf;
}

static void test_span_parse(void) {
        static const struct {
                const char *input;
                int result;
                usec_t value;
        } cases[] = {
                /* The forms the issue and systemd.time(7) name. */
                { "90s", 0, 90 * SEC },
                { "45min", 0, 45 * MINUTE },
                { "1h 30min", 0, HOUR + 30 * MINUTE },
                { "1h30min", 0, HOUR + 30 * MINUTE },
                { "2h", 0, 2 * HOUR },
                { "1d", 0, DAY },
                { "1w", 0, WEEK },
                { "500ms", 0, 500 * USEC_PER_MSEC },
                { "250us", 0, 250 },
                { "5", 0, 5 * SEC },
                { "0", 0, 0 },
                { "0s", 0, 0 },
                { "007min", 0, 7 * MINUTE },
                { "1w 2d 3h 4min 5s 6ms 7us", 0, WEEK + 2 * DAY + 3 * HOUR + 4 * MINUTE + 5 * SEC + 6000 + 7 },
                { "1s500ms", 0, 1500 * USEC_PER_MSEC },
                { "1h 30", 0, HOUR + 30 * SEC },
                { "5 5", 0, 10 * SEC },
                { "2h 2h", 0, 4 * HOUR },
                /* Blanks between and around. */
                { " 1h ", 0, HOUR },
                { "\t1h\t30min\n", 0, HOUR + 30 * MINUTE },
                { "1h   30min", 0, HOUR + 30 * MINUTE },
                { "5 min", 0, 5 * MINUTE },
                { "1 h 30 min", 0, HOUR + 30 * MINUTE },
                /* Every unit name. */
                { "1us", 0, 1 },
                { "1usec", 0, 1 },
                { "1\xc2\xb5s", 0, 1 },
                { "1\xce\xbcs", 0, 1 },
                { "1ms", 0, 1000 },
                { "1msec", 0, 1000 },
                { "1s", 0, SEC },
                { "1sec", 0, SEC },
                { "1second", 0, SEC },
                { "2seconds", 0, 2 * SEC },
                { "1m", 0, MINUTE },
                { "1min", 0, MINUTE },
                { "1minute", 0, MINUTE },
                { "2minutes", 0, 2 * MINUTE },
                { "1h", 0, HOUR },
                { "1hr", 0, HOUR },
                { "1hour", 0, HOUR },
                { "2hours", 0, 2 * HOUR },
                { "1day", 0, DAY },
                { "2days", 0, 2 * DAY },
                { "1week", 0, WEEK },
                { "2weeks", 0, 2 * WEEK },
                { "1M", 0, 2630016 * SEC },
                { "1month", 0, 2630016 * SEC },
                { "2months", 0, 2 * 2630016 * SEC },
                { "1y", 0, 31557600 * SEC },
                { "1year", 0, 31557600 * SEC },
                { "2years", 0, 2 * 31557600 * SEC },
                /* Fractions: exact, rounded down to the microsecond. */
                { "1.5h", 0, HOUR + 30 * MINUTE },
                { "1.5", 0, 1500 * USEC_PER_MSEC },
                { ".5s", 0, 500 * USEC_PER_MSEC },
                { "0.5ms", 0, 500 },
                { "0.000001s", 0, 1 },
                { "0.0000009s", 0, 0 },
                { "1.123456789s", 0, 1123456 },
                { "1.5y", 0, 47336400 * SEC },
                { "0.25d", 0, 6 * HOUR },
                { "1.0000000000000000000000000000000000000001h", 0, HOUR },
                { "0.99999999999999999999999999999999999999h", 0, HOUR - 1 },
                { "1h.5min", 0, HOUR + 30 * SEC },
                /* span_format() writes USEC_INFINITY so. */
                { "infinity", 0, USEC_INFINITY },
                { " infinity ", 0, USEC_INFINITY },
                /* The 2^64 boundary. */
                { "18446744073709551615us", 0, UINT64_MAX },
                { "18446744073709551615", PARSE_OVERFLOW, 0 },
                { "18446744073709551616us", PARSE_OVERFLOW, 0 },
                { "99999999999999999999999999us", PARSE_OVERFLOW, 0 },
                { "18446744073709.551615s", 0, UINT64_MAX },
                { "18446744073709.5516159s", 0, UINT64_MAX },
                { "18446744073709.551616s", PARSE_OVERFLOW, 0 },
                { "18446744073709551614us 1us", 0, UINT64_MAX },
                { "18446744073709551615us 1us", PARSE_OVERFLOW, 0 },
                { "213503982d", 0, 213503982 * DAY },
                { "213503983d", PARSE_OVERFLOW, 0 },
                { "213503982334d", PARSE_OVERFLOW, 0 },
                { "30500568w", 0, 30500568 * WEEK },
                { "30500569w", PARSE_OVERFLOW, 0 },
                { "584542y", 0, 584542ULL * 31557600 * SEC },
                { "584543y", PARSE_OVERFLOW, 0 },
                { "584542.9y", PARSE_OVERFLOW, 0 },
                /* Rejected. */
                { NULL, PARSE_EMPTY, 0 },
                { "", PARSE_EMPTY, 0 },
                { "   ", PARSE_EMPTY, 0 },
                { "\t\n", PARSE_EMPTY, 0 },
                { "-5min", PARSE_NEGATIVE, 0 },
                { "-0", PARSE_NEGATIVE, 0 },
                { " -1", PARSE_NEGATIVE, 0 },
                { "1h -5min", PARSE_NEGATIVE, 0 },
                { "1h-5min", PARSE_NEGATIVE, 0 },
                { "5 parsecs", PARSE_UNKNOWN_UNIT, 0 },
                { "5x", PARSE_UNKNOWN_UNIT, 0 },
                { "5MIN", PARSE_UNKNOWN_UNIT, 0 },
                { "5mins", PARSE_UNKNOWN_UNIT, 0 },
                { "5 \xe2\x82\xac", PARSE_UNKNOWN_UNIT, 0 },
                { "1h 5x", PARSE_UNKNOWN_UNIT, 0 },
                { "5min!", PARSE_TRAILING, 0 },
                { "5!", PARSE_TRAILING, 0 },
                { "1.5.3", PARSE_TRAILING, 0 },
                { "5min ,", PARSE_TRAILING, 0 },
                { "5min,3s", PARSE_TRAILING, 0 },
                { "5s;", PARSE_TRAILING, 0 },
                { "min", PARSE_BAD_NUMBER, 0 },
                { "1.", PARSE_BAD_NUMBER, 0 },
                { ".", PARSE_BAD_NUMBER, 0 },
                { "1.h", PARSE_BAD_NUMBER, 0 },
                { "1h min", PARSE_BAD_NUMBER, 0 },
                { "!5", PARSE_BAD_NUMBER, 0 },
                { "+5", PARSE_BAD_NUMBER, 0 },
                { "Infinity", PARSE_BAD_NUMBER, 0 },
                { "infinityx", PARSE_BAD_NUMBER, 0 },
                { "1h infinity", PARSE_BAD_NUMBER, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                usec_t v = 0xdeadbeef;
                char b[128];
                int r = span_parse(cases[i].input, &v);

                if (cases[i].result < 0)
                        ok(r == cases[i].result && v == 0xdeadbeef, "span_parse(%s) fails with %d (%s)",
                           q(cases[i].input, b, sizeof b), cases[i].result,
                           parse_error_to_string(cases[i].result));
                else
                        ok(r == 0 && v == cases[i].value, "span_parse(%s) = %" PRIu64,
                           q(cases[i].input, b, sizeof b), cases[i].value);
                if (r != cases[i].result)
                        diag("got %d, want %d", r, cases[i].result);
                else if (r == 0 && v != cases[i].value)
                        diag("got %" PRIu64, v);
        }
}

static void test_span_format(void) {
        static const struct {
                usec_t input;
                const char *expected;
        } cases[] = {
                { 0, "0" },
                { 1, "1us" },
                { 999, "999us" },
                { 1000, "1ms" },
                { 1500 * USEC_PER_MSEC, "1s 500ms" },
                { 90 * SEC, "1min 30s" },
                { 45 * MINUTE, "45min" },
                { HOUR + 30 * MINUTE, "1h 30min" },
                { 2 * HOUR, "2h" },
                { DAY + 2 * HOUR, "1d 2h" },
                { WEEK, "1w" },
                { 8 * DAY, "1w 1d" },
                { WEEK + 2 * DAY + 3 * HOUR + 4 * MINUTE + 5 * SEC + 6000 + 7, "1w 2d 3h 4min 5s 6ms 7us" },
                { 2630016 * SEC, "4w 2d 10h 33min 36s" },
                { 31557600 * SEC, "52w 1d 6h" },
                { HOUR + 1, "1h 1us" },
                { UINT64_MAX - 1, "30500568w 6d 8h 1min 49s 551ms 614us" },
                { USEC_INFINITY, "infinity" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[SPAN_MAX];

                is_str(span_format(cases[i].input, buf), cases[i].expected, "span_format(%" PRIu64 ") = '%s'",
                       cases[i].input, cases[i].expected);
        }
}

/* Deterministic, so a failure can be reproduced; xorshift64* is enough for test values. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) {
        rnd_state ^= rnd_state >> 12;
        rnd_state ^= rnd_state << 25;
        rnd_state ^= rnd_state >> 27;
        return rnd_state * 0x2545f4914f6cdd1dULL;
}

static bool span_round_trips(usec_t u) {
        char buf[SPAN_MAX];
        usec_t v;

        span_format(u, buf);
        if (strlen(buf) >= SPAN_MAX || span_parse(buf, &v) < 0 || v != u) {
                diag("%" PRIu64 " → '%s' does not read back", u, buf);
                return false;
        }
        return true;
}

static void test_span_round_trip(void) {
        static const usec_t values[] = {
                0, 1, 999, 1000, 1001, SEC - 1, SEC, SEC + 1, MINUTE, HOUR - 1, HOUR, DAY, WEEK,
                WEEK - 1, 2630016 * SEC, 31557600 * SEC, 213503982 * DAY, 30500568 * WEEK,
                UINT64_MAX / 2, UINT64_MAX - 1, UINT64_MAX,
        };
        unsigned failed = 0, n = 0;

        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                ok(span_round_trips(values[i]), "span_parse(span_format(%" PRIu64 ")) round-trips", values[i]);

        /* Random values of every magnitude, and random sums of whole units, which is what users write. */
        for (unsigned i = 0; i < 100000; i++, n++) {
                uint64_t x = rnd();

                failed += !span_round_trips(x >> (x % 64));
        }
        ok(failed == 0, "%u random spans round-trip", n);

        failed = 0;
        for (unsigned i = 0; i < 10000; i++) {
                static const usec_t units[] = { 1, 1000, SEC, MINUTE, HOUR, DAY, WEEK };
                usec_t u = 0;

                for (size_t k = 0; k < ELEMENTSOF(units); k++)
                        if (rnd() % 2)
                                u += rnd() % 1000 * units[k];
                failed += !span_round_trips(u);
        }
        ok(failed == 0, "10000 random sums of units round-trip");

        /* And the text: what span_format() writes is what it writes again after a parse. */
        failed = 0;
        for (unsigned i = 0; i < 10000; i++) {
                char a[SPAN_MAX], b[SPAN_MAX];
                usec_t v = 0;
                uint64_t x = rnd();

                span_format(x >> (x % 64), a);
                if (span_parse(a, &v) < 0 || !streq(span_format(v, b), a))
                        failed++;
        }
        ok(failed == 0, "10000 random formatted spans are canonical");
}

static void test_clock_parse(void) {
        static const struct {
                const char *input;
                int result;
                uint32_t value;
        } cases[] = {
                { "00:00", 0, 0 },
                { "07:00", 0, 7 * 3600 },
                { "07:45", 0, 7 * 3600 + 45 * 60 },
                { "12:34:56", 0, 12 * 3600 + 34 * 60 + 56 },
                { "23:59", 0, 23 * 3600 + 59 * 60 },
                { "23:59:59", 0, 86399 },
                { "00:00:00", 0, 0 },
                { "07:00:00", 0, 7 * 3600 },
                /* Blanks around the value are trimmed. */
                { " 07:00", 0, 7 * 3600 },
                { "07:00 ", 0, 7 * 3600 },
                { "\t07:00:30\n", 0, 7 * 3600 + 30 },
                { "24:00", PARSE_OUT_OF_RANGE, 0 },
                { "24:00:00", PARSE_OUT_OF_RANGE, 0 },
                { "07:60", PARSE_OUT_OF_RANGE, 0 },
                { "07:00:60", PARSE_OUT_OF_RANGE, 0 },
                { "99:99:99", PARSE_OUT_OF_RANGE, 0 },
                { "7:5", PARSE_BAD_FORMAT, 0 },
                { "7:05", PARSE_BAD_FORMAT, 0 },
                { "07:5", PARSE_BAD_FORMAT, 0 },
                { "7am", PARSE_BAD_FORMAT, 0 },
                { "07:00am", PARSE_BAD_FORMAT, 0 },
                { "07:00:", PARSE_BAD_FORMAT, 0 },
                { "07:00:5", PARSE_BAD_FORMAT, 0 },
                { "07:00:00:00", PARSE_BAD_FORMAT, 0 },
                { "07 :00", PARSE_BAD_FORMAT, 0 },
                { "07: 00", PARSE_BAD_FORMAT, 0 },
                { "07-00", PARSE_BAD_FORMAT, 0 },
                { "07.00", PARSE_BAD_FORMAT, 0 },
                { "0700", PARSE_BAD_FORMAT, 0 },
                { "007:00", PARSE_BAD_FORMAT, 0 },
                { "07:0a", PARSE_BAD_FORMAT, 0 },
                { "-7:00", PARSE_BAD_FORMAT, 0 },
                { "+7:00", PARSE_BAD_FORMAT, 0 },
                { "07:00-08:00", PARSE_BAD_FORMAT, 0 },
                { "noon", PARSE_BAD_FORMAT, 0 },
                { NULL, PARSE_EMPTY, 0 },
                { "", PARSE_EMPTY, 0 },
                { "  ", PARSE_EMPTY, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint32_t v = 0xdeadbeef;
                char b[64];
                int r = clock_parse(cases[i].input, &v);

                if (cases[i].result < 0)
                        ok(r == cases[i].result && v == 0xdeadbeef, "clock_parse(%s) fails with %d (%s)",
                           q(cases[i].input, b, sizeof b), cases[i].result,
                           parse_error_to_string(cases[i].result));
                else
                        ok(r == 0 && v == cases[i].value, "clock_parse(%s) = %" PRIu32,
                           q(cases[i].input, b, sizeof b), cases[i].value);
                if (r != cases[i].result || (r == 0 && v != cases[i].value))
                        diag("got %d, %" PRIu32, r, v);
        }
}

static void test_clock_format(void) {
        static const struct {
                uint32_t input;
                const char *full, *brief;
        } cases[] = {
                { 0, "00:00:00", "00:00" },
                { 7 * 3600, "07:00:00", "07:00" },
                { 7 * 3600 + 45 * 60, "07:45:00", "07:45" },
                { 12 * 3600 + 34 * 60 + 56, "12:34:56", "12:34:56" },
                { 86399, "23:59:59", "23:59:59" },
                { 86400, "00:00:00", "00:00" },
                { UINT32_MAX, "06:28:15", "06:28:15" },
        };
        unsigned failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[CLOCK_MAX];

                is_str(clock_format(cases[i].input, buf), cases[i].full, "clock_format(%" PRIu32 ") = '%s'",
                       cases[i].input, cases[i].full);
                is_str(clock_format_short(cases[i].input, buf), cases[i].brief,
                       "clock_format_short(%" PRIu32 ") = '%s'", cases[i].input, cases[i].brief);
        }

        for (uint32_t s = 0; s < 86400; s++) {
                char buf[CLOCK_MAX];
                uint32_t a = UINT32_MAX, b = UINT32_MAX;

                if (clock_parse(clock_format(s, buf), &a) < 0 || clock_parse(clock_format_short(s, buf), &b) < 0 ||
                    a != s || b != s)
                        failed++;
        }
        ok(failed == 0, "all 86400 clock times round-trip through both formats");
}

static void test_weekdays_parse(void) {
        static const struct {
                const char *input;
                int result;
                weekdays_t value;
        } cases[] = {
                { "Mon..Fri", 0, 0x1f },
                { "Sat,Sun", 0, 0x60 },
                { "Mon,Wed..Fri", 0, 0x1d },
                { "Mon", 0, 0x01 },
                { "Tue", 0, 0x02 },
                { "Wed", 0, 0x04 },
                { "Thu", 0, 0x08 },
                { "Fri", 0, 0x10 },
                { "Sat", 0, 0x20 },
                { "Sun", 0, 0x40 },
                { "Monday", 0, 0x01 },
                { "Tuesday", 0, 0x02 },
                { "Wednesday", 0, 0x04 },
                { "Thursday", 0, 0x08 },
                { "Friday", 0, 0x10 },
                { "Saturday", 0, 0x20 },
                { "Sunday", 0, 0x40 },
                { "MONDAY", 0, 0x01 },
                { "mon", 0, 0x01 },
                { "mOn..fRI", 0, 0x1f },
                { "Wednesday..Friday", 0, 0x1c },
                { "tuesday..THU", 0, 0x0e },
                { " Mon , Tue ", 0, 0x03 },
                { "Mon .. Fri", 0, 0x1f },
                { "\tSat,\tSun\n", 0, 0x60 },
                { "Fri..Mon", 0, 0x71 },
                { "Sun..Sat", 0, 0x7f },
                { "Tue..Mon", 0, 0x7f },
                { "Sat..Sun", 0, 0x60 },
                { "Sun..Mon", 0, 0x41 },
                { "Mon..Mon", 0, 0x01 },
                { "Mon,Mon", 0, 0x01 },
                { "Mon..Wed,Tue..Thu", 0, 0x0f },
                { "Mon,Tue,Wed,Thu,Fri,Sat,Sun", 0, 0x7f },
                { "daily", 0, 0x7f },
                { "DAILY", 0, 0x7f },
                { "Daily", 0, 0x7f },
                { "*", 0, 0x7f },
                { " * ", 0, 0x7f },
                { "Mo", PARSE_UNKNOWN_DAY, 0 },
                { "Funday", PARSE_UNKNOWN_DAY, 0 },
                { "Mond", PARSE_UNKNOWN_DAY, 0 },
                { "Mon..Funday", PARSE_UNKNOWN_DAY, 0 },
                { "Mon,Tues", PARSE_UNKNOWN_DAY, 0 },
                { "Mon,daily", PARSE_UNKNOWN_DAY, 0 },
                { "weekdays", PARSE_UNKNOWN_DAY, 0 },
                { "Mon...Fri", PARSE_BAD_FORMAT, 0 },
                { "Mon..", PARSE_BAD_FORMAT, 0 },
                { "Mon.. ", PARSE_BAD_FORMAT, 0 },
                { "..Fri", PARSE_BAD_FORMAT, 0 },
                { "Mon.Fri", PARSE_BAD_FORMAT, 0 },
                { ",Mon", PARSE_BAD_FORMAT, 0 },
                { "Mon,,Tue", PARSE_BAD_FORMAT, 0 },
                { "Mon, ,Tue", PARSE_BAD_FORMAT, 0 },
                { "Mon,", PARSE_BAD_FORMAT, 0 },
                { ",", PARSE_BAD_FORMAT, 0 },
                { "Mon Tue", PARSE_BAD_FORMAT, 0 },
                { "Mon-Fri", PARSE_BAD_FORMAT, 0 },
                { "Mon..Tue..Wed", PARSE_BAD_FORMAT, 0 },
                { "Mon1", PARSE_BAD_FORMAT, 0 },
                { "1", PARSE_BAD_FORMAT, 0 },
                { "Mon,*", PARSE_BAD_FORMAT, 0 },
                { "**", PARSE_BAD_FORMAT, 0 },
                { "Mon;Tue", PARSE_BAD_FORMAT, 0 },
                { NULL, PARSE_EMPTY, 0 },
                { "", PARSE_EMPTY, 0 },
                { " \t ", PARSE_EMPTY, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                weekdays_t v = 0xaa;
                char b[64];
                int r = weekdays_parse(cases[i].input, &v);

                if (cases[i].result < 0)
                        ok(r == cases[i].result && v == 0xaa, "weekdays_parse(%s) fails with %d (%s)",
                           q(cases[i].input, b, sizeof b), cases[i].result,
                           parse_error_to_string(cases[i].result));
                else
                        ok(r == 0 && v == cases[i].value, "weekdays_parse(%s) = 0x%02x",
                           q(cases[i].input, b, sizeof b), cases[i].value);
                if (r != cases[i].result || (r == 0 && v != cases[i].value))
                        diag("got %d, 0x%02x", r, v);
        }
}

static void test_weekdays_format(void) {
        static const struct {
                weekdays_t input;
                const char *expected;
        } cases[] = {
                { 0x1f, "Mon..Fri" },
                { 0x60, "Sat,Sun" },
                { 0x1d, "Mon,Wed..Fri" },
                { 0x71, "Mon,Fri..Sun" },
                { 0x7f, "daily" },
                { 0x01, "Mon" },
                { 0x40, "Sun" },
                { 0x03, "Mon,Tue" },
                { 0x07, "Mon..Wed" },
                { 0x55, "Mon,Wed,Fri,Sun" },
                { 0x5b, "Mon,Tue,Thu,Fri,Sun" },
                { 0x3f, "Mon..Sat" },
                { 0x7e, "Tue..Sun" },
                { 0x77, "Mon..Wed,Fri..Sun" },
                { 0x00, "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[WEEKDAYS_MAX];

                is_str(weekdays_format(cases[i].input, buf), cases[i].expected, "weekdays_format(0x%02x) = '%s'",
                       cases[i].input, cases[i].expected);
        }

        for (unsigned d = 1; d <= WEEKDAYS_ALL; d++) {
                char buf[WEEKDAYS_MAX];
                weekdays_t v = 0;
                int r;

                weekdays_format((weekdays_t) d, buf);
                r = weekdays_parse(buf, &v);
                ok(r == 0 && v == d, "weekdays 0x%02x → '%s' round-trips", d, buf);
        }
}

static void test_weekday_to_string(void) {
        static const struct {
                int input;
                const char *expected;
        } cases[] = {
                { WEEKDAY_MON, "Mon" }, { WEEKDAY_TUE, "Tue" }, { WEEKDAY_WED, "Wed" }, { WEEKDAY_THU, "Thu" },
                { WEEKDAY_FRI, "Fri" }, { WEEKDAY_SAT, "Sat" }, { WEEKDAY_SUN, "Sun" }, { -1, NULL },
                { 7, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                is_str(weekday_to_string(cases[i].input), cases[i].expected, "weekday_to_string(%d) = %s",
                       cases[i].input, cases[i].expected ? cases[i].expected : "NULL");
}

static void test_parse_boolean(void) {
        static const struct {
                const char *input;
                int expected;
        } cases[] = {
                { "yes", 1 },   { "no", 0 },    { "true", 1 },  { "false", 0 },  { "on", 1 },
                { "off", 0 },   { "1", 1 },     { "0", 0 },     { "YES", 1 },    { "No", 0 },
                { "TRUE", 1 },  { "False", 0 }, { "On", 1 },    { "OFF", 0 },    { " yes ", 1 },
                { "\tno\n", 0 }, { "y", PARSE_BAD_FORMAT }, { "n", PARSE_BAD_FORMAT },
                { "yess", PARSE_BAD_FORMAT }, { "2", PARSE_BAD_FORMAT }, { "01", PARSE_BAD_FORMAT },
                { "enabled", PARSE_BAD_FORMAT }, { "yes no", PARSE_BAD_FORMAT }, { NULL, PARSE_EMPTY },
                { "", PARSE_EMPTY }, { "  ", PARSE_EMPTY },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char b[64];

                is_int(parse_boolean(cases[i].input), cases[i].expected, "parse_boolean(%s) = %d",
                       q(cases[i].input, b, sizeof b), cases[i].expected);
        }
}

static void test_parse_error_to_string(void) {
        static const struct {
                int input;
                const char *expected;
        } cases[] = {
                { PARSE_EMPTY, "is empty" },
                { PARSE_NEGATIVE, "is negative" },
                { PARSE_OVERFLOW, "is too large" },
                { PARSE_UNKNOWN_UNIT, "has an unknown unit" },
                { PARSE_TRAILING, "has trailing characters" },
                { PARSE_BAD_NUMBER, "is not a number" },
                { PARSE_OUT_OF_RANGE, "is out of range" },
                { PARSE_BAD_FORMAT, "is not in the expected format" },
                { PARSE_UNKNOWN_DAY, "is not a day of the week" },
                { 0, "is invalid" },
                { 1, "is invalid" },
                { -ENOMEM, "is invalid" },
        };
        /* The codes must stay distinct, or a caller could not tell the mistakes apart. */
        static const int codes[] = {
                PARSE_EMPTY,      PARSE_NEGATIVE,     PARSE_OVERFLOW,   PARSE_UNKNOWN_UNIT, PARSE_TRAILING,
                PARSE_BAD_NUMBER, PARSE_OUT_OF_RANGE, PARSE_BAD_FORMAT, PARSE_UNKNOWN_DAY,
        };
        bool distinct = true;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                is_str(parse_error_to_string(cases[i].input), cases[i].expected, "parse_error_to_string(%d) = '%s'",
                       cases[i].input, cases[i].expected);

        for (size_t i = 0; i < ELEMENTSOF(codes); i++)
                for (size_t j = i + 1; j < ELEMENTSOF(codes); j++)
                        distinct = distinct && codes[i] != codes[j] &&
                                   !streq(parse_error_to_string(codes[i]), parse_error_to_string(codes[j]));
        ok(distinct, "the %zu parse error codes and their phrases are distinct", ELEMENTSOF(codes));
}

int main(void) {
        test_span_parse();
        test_span_format();
        test_span_round_trip();
        test_clock_parse();
        test_clock_format();
        test_weekdays_parse();
        test_weekdays_format();
        test_weekday_to_string();
        test_parse_boolean();
        test_parse_error_to_string();
        return tap_done();
}
