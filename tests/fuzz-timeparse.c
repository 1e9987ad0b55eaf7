/* SPDX-License-Identifier: MIT */
/* fuzz-timeparse.c: libFuzzer target feeding any text to every time parser and checking round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeparse.h"

/* Only values a parser accepted are formatted again, and these must read back to the same
 * value, in the same canonical text: the config loader and the bus both rely on it. */
static void check_span(const char *s) {
        char a[SPAN_MAX], b[SPAN_MAX];
        usec_t u, v;

        if (span_parse(s, &u) < 0)
                return;
        span_format(u, a);
        if (strlen(a) >= SPAN_MAX || span_parse(a, &v) < 0 || v != u)
                abort();
        if (strcmp(span_format(v, b), a) != 0)
                abort();
}

static void check_clock(const char *s) {
        char buf[CLOCK_MAX];
        uint32_t t, v;

        if (clock_parse(s, &t) < 0)
                return;
        if (t >= 24 * 3600)
                abort();
        if (clock_parse(clock_format(t, buf), &v) < 0 || v != t)
                abort();
        if (clock_parse(clock_format_short(t, buf), &v) < 0 || v != t)
                abort();
}

static void check_weekdays(const char *s) {
        char buf[WEEKDAYS_MAX];
        weekdays_t d, v;

        if (weekdays_parse(s, &d) < 0)
                return;
        if (d == 0 || (d & ~WEEKDAYS_ALL))
                abort();
        if (weekdays_parse(weekdays_format(d, buf), &v) < 0 || v != d)
                abort();
}

static void check_error(int r) {
        /* Every code a parser returns must have a phrase of its own. */
        if (r < 0 && strcmp(parse_error_to_string(r), "is invalid") == 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s;
        usec_t u;
        uint32_t t;
        weekdays_t d;
        int r;

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        check_span(s);
        check_clock(s);
        check_weekdays(s);

        check_error(span_parse(s, &u));
        check_error(clock_parse(s, &t));
        check_error(weekdays_parse(s, &d));
        r = parse_boolean(s);
        if (r > 1)
                abort();
        check_error(r);

        /* The raw bytes as a value, too: every 64-bit span and 7-bit day set must round-trip. */
        if (size >= sizeof(u)) {
                char buf[SPAN_MAX];
                usec_t v;

                memcpy(&u, data, sizeof(u));
                if (span_parse(span_format(u, buf), &v) < 0 || v != u)
                        abort();
        }
        if (size >= 1 && (data[0] & WEEKDAYS_ALL)) {
                char buf[WEEKDAYS_MAX];
                weekdays_t v;

                if (weekdays_parse(weekdays_format(data[0] & WEEKDAYS_ALL, buf), &v) < 0 ||
                    v != (data[0] & WEEKDAYS_ALL))
                        abort();
        }

        free(s);
        return 0;
}
