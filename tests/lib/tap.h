/* SPDX-License-Identifier: MIT */
/* tap.h: a tiny TAP producer for the C unit tests; each ok()/is_*() is one test case. */
#pragma once

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_n, tap_failed;

__attribute__((format(printf, 2, 0))) static inline void tap_vok(bool pass, const char *fmt, va_list ap) {
        tap_n++;
        if (!pass)
                tap_failed++;
        printf("%sok %u - ", pass ? "" : "not ", tap_n);
        vprintf(fmt, ap);
        putchar('\n');
        fflush(stdout);
}

__attribute__((format(printf, 2, 3))) static inline bool ok(bool pass, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        tap_vok(pass, fmt, ap);
        va_end(ap);
        return pass;
}

__attribute__((format(printf, 1, 2))) static inline void diag(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("# ", stdout);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
}

__attribute__((format(printf, 3, 4))) static inline bool is_str(const char *got, const char *want, const char *fmt, ...) {
        bool pass = (got && want) ? strcmp(got, want) == 0 : got == want;
        va_list ap;
        va_start(ap, fmt);
        tap_vok(pass, fmt, ap);
        va_end(ap);
        if (!pass)
                diag("got '%s', want '%s'", got ? got : "(null)", want ? want : "(null)");
        return pass;
}

__attribute__((format(printf, 3, 4))) static inline bool is_int(int64_t got, int64_t want, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        tap_vok(got == want, fmt, ap);
        va_end(ap);
        if (got != want)
                diag("got %" PRId64 ", want %" PRId64, got, want);
        return got == want;
}

/* Prints the plan and returns the exit status: 0 when every case passed. */
static inline int tap_done(void) {
        printf("1..%u\n", tap_n);
        return tap_failed ? 1 : 0;
}
