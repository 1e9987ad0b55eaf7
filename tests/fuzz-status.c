/* SPDX-License-Identifier: MIT */
/* fuzz-status.c: libFuzzer target: any text as a status template, through the daemon's expander
 * (status_expand) and rechargectl's --format one (template_expand). Values are inserted as they
 * are, never expanded again; text without '%' is copied; and where a template names only the
 * placeholders both know, both give the same text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "fuzz-input.h"
#include "macro.h"
#include "output.h"

/* Values with '%' in them: expanding them again would show. */
#define V_MESSAGE "m%until%"
#define V_ENTRY "e%%"

static size_t count(const char *s, const char *what) {
        size_t n = 0;
        for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
                n++;
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static Tz *tz = NULL;
        static Status s;
        _cleanup_free_ char *t = NULL, *a = NULL, *b = NULL;
        char until[TIME_TEXT_MAX], since[TIME_TEXT_MAX], left[SPAN_MAX];
        FuzzInput in = { data, size };
        OutputContext c;
        size_t len;

        if (!tz) {
                if (tz_load("Europe/Berlin", &tz) < 0 || status_init(&s) < 0)
                        abort();
                s.online = true;
                if (status_set_string(&s.mode, "recharging") < 0 ||
                    status_set_string(&s.source, "schedule") < 0 ||
                    status_set_string(&s.entry, V_ENTRY) < 0 ||
                    status_set_string(&s.message, V_MESSAGE) < 0 ||
                    status_set_string(&s.status_text, "s%left%") < 0 ||
                    status_set_string(&s.next_entry, "n%") < 0 ||
                    status_set_string(&s.next_event, "end") < 0)
                        abort();
        }

        /* The template, then (after a NUL) the instants, so that times vary too. */
        t = fuzz_text(&in, &len);
        if (!t)
                return 0;
        c = (OutputContext) { .tz = tz, .now = 1700000000ULL * USEC_PER_SEC + fuzz_uint(&in, 4) * USEC_PER_SEC };
        s.since = fuzz_uint(&in, 1) == 1 ? 0 : c.now - fuzz_uint(&in, 3) * USEC_PER_SEC;
        s.until = fuzz_uint(&in, 1) == 1 ? 0 : c.now + fuzz_uint(&in, 3) * USEC_PER_SEC;
        s.next_event_time = s.until;

        StatusVars v = {
                .until = format_clock(tz, s.until, until),
                .since = format_clock(tz, s.since, since),
                .left = format_left(c.now, s.until, left),
                .message = V_MESSAGE,
                .entry = V_ENTRY,
        };
        a = status_expand(t, &v);
        b = template_expand(t, &s, &c);
        if (!a || !b)
                return 0;

        if (!strchr(t, '%') && (!streq(a, t) || !streq(b, t)))
                abort();
        /* Text between placeholders is kept: what is not '%' is never dropped, so the output
         * has at least as many of each non-'%' byte as the template has outside placeholders;
         * checked cheaply on a template made of text and "%%" only. */
        if (!strstr(t, "%%%") && count(t, "%") == 2 * count(t, "%%") &&
            (strlen(a) != len - count(t, "%%") || strlen(b) != len - count(t, "%%")))
                abort();
        /* A template that is one placeholder gives its value, unexpanded. */
        if (streq(t, "%message%") && (!streq(a, V_MESSAGE) || !streq(b, V_MESSAGE)))
                abort();
        /* The client's own placeholders are the only difference between the two. */
        if (!strstr(t, "mode") && !strstr(t, "status") && !strstr(t, "next") && !strstr(t, "percentage") &&
            !streq(a, b))
                abort();

        /* Without values, the daemon's expander leaves only the text around placeholders. */
        free(status_expand(t, NULL));
        return 0;
}
