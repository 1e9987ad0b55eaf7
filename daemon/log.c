/* SPDX-License-Identifier: MIT */
/* log.c: log lines to stderr with sd-daemon priority prefixes (the journal reads them). */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static int max_level = LOG_INFO;
static FILE *stream;

void log_set_stream(FILE *f) {
        stream = f;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

int log_internal(int level, int error, const char *format, ...) {
        char buf[4096];
        va_list ap;
        FILE *f = stream ?: stderr;
        int saved = errno;

        if (error < 0)
                error = -error;
        if (error != 0)
                errno = error;

        va_start(ap, format);
        (void) vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);

        /* One prefixed line per line of text, so a multi-line message (config errors) keeps its
         * priority in the journal. */
        for (const char *p = buf;;) {
                size_t n = strcspn(p, "\n");
                fprintf(f, "<%d>%.*s\n", level & LOG_PRIMASK, (int) n, p);
                if (p[n] == '\0' || p[n + 1] == '\0')
                        break;
                p += n + 1;
        }
        fflush(f);

        errno = saved;
        return -error;
}
