/* SPDX-License-Identifier: MIT */
/* fuzz-status.c: libFuzzer target: any text as a status template (status-template.h's language),
 * through the shared expander and checker, the daemon's status_expand() and rechargectl's
 * --format expander. Text without '%' is copied; values are inserted as they are, never expanded
 * again; a template the checker passes leaves no '%' behind (unless it has "%%"); unknown
 * placeholders are copied; and where a template names only the placeholders both know, the
 * daemon and the client give the same text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "fuzz-input.h"
#include "macro.h"
#include "output.h"
#include "status-template.h"

/* Values with '%' in them: expanding them again would show. */
#define V_MESSAGE "m%until%"
#define V_ENTRY "e%%"

static const char *const daemon_names[] = { "until", "since", "left", "message", "entry", NULL };

/* Every daemon placeholder has a value without '%'; others are unknown. */
static const char *plain_lookup(const char *name, size_t n, void *userdata) {
        for (size_t i = 0; daemon_names[i]; i++)
                if (n == strlen(daemon_names[i]) && strncmp(name, daemon_names[i], n) == 0)
                        return userdata ? "" : "v";
        return NULL;
}

static const char *no_lookup(const char *name, size_t n, void *userdata) {
        return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static Tz *tz = NULL;
        static Status s;
        _cleanup_strv_free_ char **problems = NULL;
        _cleanup_free_ char *t = NULL, *a = NULL, *b = NULL, *p = NULL, *u = NULL, *e = NULL;
        char until[TIME_TEXT_MAX], since[TIME_TEXT_MAX], left[SPAN_MAX];
        FuzzInput in = { data, size };
        OutputContext c;
        size_t len;
        int r;

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

        /* The template, then (after a NUL) the instants, so that times (and empty values) vary. */
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
        b = output_template_expand(t, &s, &c);
        p = template_expand(t, plain_lookup, NULL);
        e = template_expand(t, plain_lookup, (void *) 1);
        u = template_expand(t, no_lookup, NULL);
        if (!a || !b || !p || !e || !u)
                return 0;
        free(status_expand(t, NULL));

        r = template_check(t, daemon_names, &problems);
        if (r < 0)
                return 0;
        if ((size_t) r != strv_length(problems))
                abort();

        if (!strchr(t, '%') && (!streq(a, t) || !streq(b, t) || !streq(p, t) || !streq(u, t)))
                abort();
        /* Unknown placeholders and lone '%' are copied: with no names known, and neither "%%"
         * nor a segment, the template comes out as it went in. */
        if (!strstr(t, "%%") && !strstr(t, "%[") && !streq(u, t))
                abort();
        /* A template the checker passes has its placeholders replaced and its segments resolved:
         * with values free of '%', nothing of the syntax is left but the "%%" it asked for. */
        if (r == 0 && !strstr(t, "%%") && (strchr(p, '%') || strchr(e, '%')))
                abort();
        /* A template that is one placeholder gives its value, unexpanded. */
        if (streq(t, "%message%") && (!streq(a, V_MESSAGE) || !streq(b, V_MESSAGE)))
                abort();
        /* The client's own placeholders are the only difference between the two (%partner% too,
         * since rechargectl reads recharged-share). */
        if (!strstr(t, "mode") && !strstr(t, "status") && !strstr(t, "next") && !strstr(t, "percentage") &&
            !strstr(t, "partner") && !streq(a, b))
                abort();
        return 0;
}
