/* SPDX-License-Identifier: MIT */
/* test-client-format.c: rechargectl's output formats over a fixed status, clock and zone. */
#include <stdlib.h>

#include "macro.h"
#include "output.h"
#include "status-template.h"
#include "tap.h"

#undef MIN
#define MIN USEC_PER_MINUTE
#define SEC USEC_PER_SEC

static Tz *berlin;

/* A local Berlin wall time as µs since the epoch. */
static usec_t at(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
        return (usec_t) tz_from_local(berlin, days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss) * SEC;
}

static char *render(void (*fn)(FILE *, const Status *, const OutputContext *), const Status *s,
                    const OutputContext *c) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        fn(f, s, c);
        fclose(f);
        return buf;
}

static void recharging(Status *s) {
        status_init(s);
        s->online = true;
        status_set_string(&s->mode, "recharging");
        s->dnd = true;
        status_set_string(&s->source, "schedule");
        status_set_string(&s->entry, "morning");
        s->since = at(2026, 11, 24, 7, 0, 0);
        s->until = at(2026, 11, 24, 7, 45, 0);
        status_set_string(&s->message, "Coffee, \"alone\"\tno screens");
        status_set_string(&s->status_text, "Recharging until 07:45");
        status_set_string(&s->next_entry, "morning");
        status_set_string(&s->next_event, "end");
        s->next_event_time = s->until;
        status_set_string(&s->time_zone, "Europe/Berlin");
        status_set_string(&s->presence, "locked");
        status_set_string(&s->version, "0.1.0");
}

static void test_times(void) {
        OutputContext c = { .tz = berlin, .now = at(2026, 11, 24, 7, 13, 0) };
        char buf[TIME_TEXT_MAX], span[SPAN_MAX];
        static const struct {
                int64_t delta; /* seconds from now */
                const char *relative;
        } rel[] = {
                { 32 * 60, "in 32 min" },
                { 31 * 60 + 1, "in 32 min" }, /* rounded up, as %left% */
                { 30, "in 1 min" },
                { 0, "now" },
                { -59, "now" },
                { -13 * 60, "13 min ago" },
                { 3600 + 5 * 60, "in 1h 5min" },
                { 2 * 3600, "in 2h" },
                { 2 * 86400 + 3 * 3600, "in 2d 3h" },
                { 3 * 86400, "in 3d" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rel); i++)
                is_str(format_relative(c.now, (usec_t) ((int64_t) c.now + rel[i].delta * (int64_t) SEC), buf),
                       rel[i].relative, "format_relative %+" PRId64 "s", rel[i].delta);

        is_str(format_local_time(&c, at(2026, 11, 24, 7, 45, 0), buf), "07:45", "local time today: clock only");
        is_str(format_local_time(&c, at(2026, 11, 25, 7, 0, 0), buf), "Wed 07:00", "tomorrow: weekday");
        is_str(format_local_time(&c, at(2026, 11, 30, 23, 59, 0), buf), "Mon 23:59", "six days on: weekday");
        is_str(format_local_time(&c, at(2026, 12, 1, 7, 0, 0), buf), "2026-12-01 07:00", "a week on: the date");
        is_str(format_local_time(&c, 0, buf), "", "no time: empty");

        is_str(format_iso8601(berlin, at(2026, 11, 24, 7, 45, 0), buf), "2026-11-24T07:45:00+01:00", "ISO winter");
        is_str(format_iso8601(berlin, at(2026, 7, 1, 12, 0, 30), buf), "2026-07-01T12:00:30+02:00", "ISO summer");
        {
                _cleanup_(tz_freep) Tz *ny = NULL, *kolkata = NULL, *odd = NULL;
                tz_load("America/New_York", &ny);
                tz_load("Asia/Kolkata", &kolkata);
                tz_new_fixed(-(3600 + 30 * 60 + 15), NULL, &odd);
                is_str(format_iso8601(ny, 1795590000 * SEC, buf), "2026-11-25T02:00:00-05:00", "ISO negative offset");
                is_str(format_iso8601(kolkata, 1795590000 * SEC, buf), "2026-11-25T12:30:00+05:30", "ISO half hour");
                is_str(format_iso8601(odd, 0, buf), "1969-12-31T22:29:45-01:30:15", "ISO offset with seconds");
        }

        is_str(format_left(c.now, c.now + 32 * MIN, span), "32min", "left: whole minutes");
        is_str(format_left(c.now, c.now + 31 * MIN + 1, span), "32min", "left: rounded up");
        is_str(format_left(c.now, c.now + 65 * MIN, span), "1h 5min", "left: hours");
        is_str(format_left(c.now, 0, span), "", "left: open-ended");
        is_str(format_left(c.now, USEC_INFINITY, span), "", "left: infinity");
        is_str(format_left(c.now, c.now - 1, span), "", "left: past");
}

static void test_countdown(void) {
        Status s;
        usec_t now = at(2026, 11, 24, 7, 13, 0);

        recharging(&s);
        ok(status_counts_down(&s, now), "a block with an end counts down");
        is_int((int64_t) status_next_refresh(&s, now), (int64_t) (now + MIN), "on a whole minute: refresh in a minute");
        is_int((int64_t) status_next_refresh(&s, now + 20 * SEC), (int64_t) (now + MIN),
               "mid-minute: refresh when the minutes shown change");
        is_int(status_percentage(&s, now), 28, "percentage: 13 of 45 min");
        is_int(status_percentage(&s, s.until + 1), 100, "percentage: past the end");
        s.until = 0;
        ok(!status_counts_down(&s, now), "open-ended: no countdown");
        is_int(status_percentage(&s, now), 0, "percentage: open-ended is 0");
        status_set_string(&s.mode, "paused");
        s.paused_until = USEC_INFINITY;
        ok(!status_counts_down(&s, now), "paused until resumed: no countdown");
        s.paused_until = now + 90 * SEC;
        ok(status_counts_down(&s, now), "paused with an end: counts down");
        is_int((int64_t) status_next_refresh(&s, now), (int64_t) (now + 30 * SEC), "pause: next whole minute left");
        status_set_string(&s.mode, "available");
        ok(!status_counts_down(&s, now), "available: no countdown");
        is_int((int64_t) status_next_refresh(&s, now), 0, "available: no refresh");
        s.online = false;
        ok(!status_counts_down(&s, now), "offline: no countdown");
        status_done(&s);
}

static void test_formats(void) {
        OutputContext c = { .tz = berlin, .now = at(2026, 11, 24, 7, 13, 0) };
        _cleanup_free_ char *json = NULL, *waybar = NULL, *line = NULL, *human = NULL, *offline = NULL,
                            *offline_json = NULL, *avail = NULL;
        Status s;

        recharging(&s);
        json = render(output_json, &s, &c);
        is_str(json,
               "{\"mode\":\"recharging\",\"do_not_disturb\":true,\"source\":\"schedule\",\"entry\":\"morning\","
               "\"since\":\"2026-11-24T07:00:00+01:00\",\"since_usec\":1795500000000000,"
               "\"until\":\"2026-11-24T07:45:00+01:00\",\"until_usec\":1795502700000000,"
               "\"left_usec\":1920000000,\"percentage\":28,"
               "\"message\":\"Coffee, \\\"alone\\\"\\tno screens\",\"status_text\":\"Recharging until 07:45\","
               "\"next_entry\":\"morning\",\"next_event\":\"end\",\"next_time\":\"2026-11-24T07:45:00+01:00\","
               "\"next_time_usec\":1795502700000000,\"paused_until\":null,\"paused_until_usec\":null,"
               "\"time_zone\":\"Europe/Berlin\",\"presence\":\"locked\",\"version\":\"0.1.0\",\"share\":null,\"partner\":null}\n",
               "JSON: every key, times twice, escapes");

        waybar = render(output_waybar, &s, &c);
        is_str(waybar,
               "{\"text\":\"Recharging until 07:45\",\"alt\":\"recharging\",\"tooltip\":\"Recharging until 07:45\\n"
               "Until 07:45 (in 32 min)\\nNext: morning ends 07:45 (in 32 min)\",\"class\":\"recharging\","
               "\"percentage\":28}\n",
               "waybar: text, alt, tooltip, class, percentage");

        line = render(output_human_line, &s, &c);
        is_str(line, "recharging until 07:45 (in 32 min) [morning]: Coffee, \"alone\"\tno screens\n", "human line");

        human = render(output_human, &s, &c);
        ok(human && strstr(human, "   Until: 07:45 (in 32 min)\n") != NULL, "human: until with relative time");
        ok(human && strstr(human, "    Mode: recharging, do not disturb\n") != NULL, "human: mode, aligned");
        ok(human && !strchr(human, '\033'), "human: no colour unless asked");
        {
                _cleanup_free_ char *colored = NULL;
                c.color = true;
                colored = render(output_human, &s, &c);
                c.color = false;
                ok(colored && strstr(colored, "\033[1;35mrecharging\033[0m"), "human: colour when asked");
        }

        s.online = false;
        offline = render(output_waybar, &s, &c);
        is_str(offline,
               "{\"text\":\"Offline\",\"alt\":\"offline\",\"tooltip\":\"recharged is not running; start it with: "
               "systemctl --user start recharged\",\"class\":\"offline\",\"percentage\":0}\n",
               "waybar offline object");
        offline_json = render(output_json, &s, &c);
        ok(offline_json && strncmp(offline_json, "{\"mode\":\"offline\"", 17) == 0, "JSON offline: mode offline");
        status_done(&s);

        status_init(&s);
        s.online = true;
        status_set_string(&s.mode, "available");
        status_set_string(&s.next_entry, "morning");
        status_set_string(&s.next_event, "heads-up");
        s.next_event_time = at(2026, 11, 25, 6, 50, 0);
        avail = render(output_human_line, &s, &c);
        is_str(avail, "available, next: heads-up for morning Wed 06:50\n", "human line, available: no countdown");
        status_done(&s);
}

static void test_template(void) {
        OutputContext c = { .tz = berlin, .now = at(2026, 11, 24, 7, 13, 0) };
        static const struct {
                const char *template, *expected;
        } cases[] = {
                { "%mode%", "recharging" },
                { "until %until% (%left%)", "until 07:45 (32min)" },
                { "%since%-%until% %entry%", "07:00-07:45 morning" },
                { "%next% %next-event% %next-time%", "morning end 07:45" },
                { "%status%", "Recharging until 07:45" },
                { "%percentage%%%", "28%" },
                { "%unknown% %mode%", "%unknown% recharging" },
                { "%[%mode% ]", "recharging " },
                { "%[until %until%] left", "until 07:45 left" },
                { "x%[ [%entry%%]]y", "x [morning]y" },
                { "100%", "100%" },
                { "%", "%" },
                { "%%", "%" },
                { "a%b%mode%", "a%brecharging" },
                { "", "" },
        };
        Status s;

        recharging(&s);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = output_template_expand(cases[i].template, &s, &c);
                is_str(got, cases[i].expected, "template '%s'", cases[i].template);
        }
        status_set_string(&s.mode, "available");
        s.until = s.since = 0;
        {
                _cleanup_free_ char *got = output_template_expand("[%until%][%left%]", &s, &c);
                is_str(got, "[][]", "template: empty times when available");
        }
        {
                _cleanup_free_ char *got = output_template_expand("%mode%%[ until %until%]%[ (%left%)]", &s, &c);
                is_str(got, "available", "template: segments with an empty value are left out");
        }
        /* Others' text never reaches the terminal raw: a message with a newline, an OSC that would
         * set the title, a screen clear, a C1 control and a byte that is not UTF-8. */
        status_set_string(&s.message, "a\nb\033]0;owned\007\033[2J\xc2\x9b\xff\tok");
        {
                _cleanup_free_ char *got = output_template_expand("%message%", &s, &c);
                is_str(got, "a\\nb\\x1b]0;owned\\x07\\x1b[2J\\u009b\\xff\tok", "template: controls escaped");
        }
        status_done(&s);
}

static void test_template_check(void) {
        static const struct {
                const char *template;
                int problems;
                const char *first;
        } cases[] = {
                { "%mode% %until% %%", 0, NULL },
                { "%[ until %until%]%[ — %message%]", 0, NULL },
                { "%[no placeholder]", 0, NULL },
                { "%[a %]b]", 0, NULL },
                { "]%mode%]", 0, NULL },
                { "%mdoe%", 1, "unknown placeholder '%mdoe%', use %mode% %until% %since% %left% %message% %entry% "
                               "%status% %next% %next-event% %next-time% %percentage% %partner%, or %% for a literal %" },
                { "%[ until %until%", 1, "'%[ until %until%' has no closing ']'" },
                { "%[a %[b] c]", 1, "a '%[' inside another in '%[b] c]': segments do not nest" },
                { "50% off", 1, "a lone '%' in '% off'; write %% for a literal %" },
                { "%a% %b%", 2, "unknown placeholder '%a%', use %mode% %until% %since% %left% %message% %entry% "
                                "%status% %next% %next-event% %next-time% %percentage% %partner%, or %% for a literal %" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **problems = NULL;
                int r = template_check(cases[i].template, output_placeholders, &problems);
                is_int(r, cases[i].problems, "template_check('%s'): %d problems", cases[i].template, cases[i].problems);
                if (cases[i].first)
                        is_str(problems ? problems[0] : NULL, cases[i].first, "template_check('%s'): the first",
                               cases[i].template);
        }
}

static void test_escape(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "", "" },
                { "plain — Ünïcödé", "plain — Ünïcödé" },
                { "tab\tstays", "tab\tstays" },
                { "line\nbreak\r", "line\\nbreak\\r" },
                { "\033]0;title\007", "\\x1b]0;title\\x07" },
                { "\033[2J", "\\x1b[2J" },
                { "del\x7f", "del\\x7f" },
                { "c1 \xc2\x85 \xc2\x9b", "c1 \\u0085 \\u009b" },
                { "bad \xff \xc3\x28 \xe2\x82", "bad \\xff \\xc3( \\xe2\\x82" },
                { "overlong \xc0\xaf", "overlong \\xc0\\xaf" },
                { "surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80" },
                { "back\\slash", "back\\slash" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = text_escape(cases[i].in);
                is_str(got, cases[i].out, "text_escape case %zu", i);
        }
}

static void test_json_string(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "", "\"\"" },
                { "plain", "\"plain\"" },
                { "a\"b\\c", "\"a\\\"b\\\\c\"" },
                { "line\nbreak\r", "\"line\\nbreak\\r\"" },
                { "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
                { "Ünïcödé —", "\"Ünïcödé —\"" },
                { "c1\xc2\x85", "\"c1\\u0085\"" },
                { "not utf-8 \xff\xc3(", "\"not utf-8 \\ufffd\\ufffd(\"" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *buf = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&buf, &n);
                json_string(f, cases[i].in);
                fclose(f);
                is_str(buf, cases[i].out, "json_string case %zu", i);
                free(buf);
        }
}

static void test_durations(void) {
        static const struct {
                usec_t d;
                const char *want;
        } table[] = {
                { 0, "0 min" },
                { 40 * USEC_PER_SEC, "40 s" },          /* a 40-second block was not "0 min" */
                { 59 * USEC_PER_SEC, "59 s" },
                { USEC_PER_MINUTE, "1 min" },
                { 90 * USEC_PER_SEC, "1 min" },          /* whole minutes, rounded down */
                { 45 * USEC_PER_MINUTE, "45 min" },
                { 60 * USEC_PER_MINUTE, "1h" },
                { 95 * USEC_PER_MINUTE, "1h 35min" },
                { 50 * USEC_PER_HOUR, "2d 2h" },
        };
        char buf[TIME_TEXT_MAX];

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                is_str(format_duration(table[i].d, buf), table[i].want, "duration %" PRIu64 " µs", table[i].d);
}

/* The next local midnight, where a watched line's day words change; against python's zoneinfo
 * (the first instant of the next local day), across DST changes at and around midnight. */
static void test_midnight(void) {
        static const struct {
                const char *zone;
                int64_t now, want;
                const char *what;
        } cases[] = {
                { "Europe/Berlin", 1796652000, 1796684400, "an ordinary afternoon" },
                { "Europe/Berlin", 1774744200, 1774821600, "the spring-forward night: the day is 23 hours" },
                { "Europe/Berlin", 1792879199, 1792879200, "a second before midnight, the night the clocks go back" },
                { "America/Havana", 1772931600, 1772946000, "Havana skips its midnight: 01:00 is the day's first instant" },
                { "America/Santiago", 1775350800, 1775361600, "Santiago repeats the hour before midnight" },
                { "UTC", 1796601600, 1796688000, "at midnight exactly: the next one" },
                { "Asia/Kolkata", 1796668140, 1796668200, "a half-hour zone, a minute before" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(tz_freep) Tz *tz = NULL;
                OutputContext c = {};

                if (tz_load(cases[i].zone, &tz) < 0) {
                        ok(false, "the zone %s loads (tzdata)", cases[i].zone);
                        continue;
                }
                c.tz = tz;
                c.now = (usec_t) cases[i].now * SEC;
                is_int((int64_t) output_next_midnight(&c), cases[i].want * (int64_t) SEC, "next midnight, %s: %s",
                       cases[i].zone, cases[i].what);
        }
}

int main(void) {
        if (tz_load("Europe/Berlin", &berlin) < 0) {
                printf("1..0 # SKIP no Europe/Berlin zone\n");
                return 0;
        }
        test_times();
        test_durations();
        test_countdown();
        test_formats();
        test_template();
        test_template_check();
        test_escape();
        test_json_string();
        test_midnight();
        tz_free(berlin);
        return tap_done();
}
