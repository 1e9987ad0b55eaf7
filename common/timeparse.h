/* SPDX-License-Identifier: MIT */
/* timeparse.h: what a user writes about time: spans (systemd.time(7)), clock times, weekday sets. */
#pragma once

#include <errno.h> /* the PARSE_* codes are errno values */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t usec_t;

#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MINUTE (60ULL * USEC_PER_SEC)
#define USEC_PER_HOUR (60ULL * USEC_PER_MINUTE)
#define USEC_PER_DAY (24ULL * USEC_PER_HOUR)
#define USEC_PER_WEEK (7ULL * USEC_PER_DAY)
#define USEC_PER_YEAR (365ULL * USEC_PER_DAY)

/* Parse errors. Each kind of mistake has its own code so callers and tests can tell them
 * apart; parse_error_to_string() gives the sentence for a user. */
enum {
        PARSE_EMPTY = -ENODATA,        /* "" or only blanks */
        PARSE_NEGATIVE = -EDOM,        /* "-5min" */
        PARSE_OVERFLOW = -ERANGE,      /* does not fit in 64-bit microseconds */
        PARSE_UNKNOWN_UNIT = -EBADMSG, /* "5 parsecs" */
        PARSE_TRAILING = -EINVAL,      /* "5min!" — junk after a valid value */
        PARSE_BAD_NUMBER = -ENOMSG,    /* no digits where a number belongs: "min", "1.", "." */
        PARSE_OUT_OF_RANGE = -EOVERFLOW, /* a clock field too big: "24:00", "07:60" */
        PARSE_BAD_FORMAT = -EILSEQ,    /* not the shape asked for: "7:5", "7am", "Mon...Fri" */
        PARSE_UNKNOWN_DAY = -ENOENT,   /* "Mo", "Funday" */
};
const char *parse_error_to_string(int r);

/* Spans: "90s", "45min", "1h 30min", "1h30min", "2h", "1d", "1w", "500ms", "250us", a bare
 * number is seconds, fractions "1.5h" allowed. Units as systemd.time(7): us usec µs, ms msec,
 * s sec second seconds, m min minute minutes, h hr hour hours, d day days, w week weeks,
 * M month months (30.44d), y year years (365.25d). */
int span_parse(const char *s, usec_t *ret);
/* Shortest exact form, largest units first, separated by spaces: "1h 30min", "0" for zero,
 * "infinity" for USEC_INFINITY. Returns buf. SPAN_MAX is enough for any value. */
#define SPAN_MAX 64
char *span_format(usec_t u, char buf[static SPAN_MAX]);

/* Clock times "HH:MM" or "HH:MM:SS", two digits each, 00:00:00–23:59:59. Seconds since
 * midnight. */
int clock_parse(const char *s, uint32_t *ret_seconds);
/* "HH:MM:SS". */
#define CLOCK_MAX 9
char *clock_format(uint32_t seconds, char buf[static CLOCK_MAX]);
/* "HH:MM" when seconds are zero, else "HH:MM:SS". */
char *clock_format_short(uint32_t seconds, char buf[static CLOCK_MAX]);

/* Weekday sets as a bit mask: bit 0 is Monday … bit 6 Sunday (ISO order). */
typedef uint8_t weekdays_t;
#define WEEKDAYS_ALL ((weekdays_t) 0x7f)
enum { WEEKDAY_MON, WEEKDAY_TUE, WEEKDAY_WED, WEEKDAY_THU, WEEKDAY_FRI, WEEKDAY_SAT, WEEKDAY_SUN };

/* "Mon..Fri", "Sat,Sun", "Mon,Wed..Fri", "Fri..Mon" (wraps), full or three-letter names in any
 * case, blanks around items allowed, "daily" or "*" for all. An empty set is PARSE_EMPTY. */
int weekdays_parse(const char *s, weekdays_t *ret);
/* Canonical text: "daily" for all seven, else runs of three or more as "A..B", others
 * comma-separated, starting from Monday ("Mon..Fri", "Sat,Sun", "Mon,Wed..Fri"); a run that
 * wraps past Sunday is written from its first day: Fri..Mon is "Mon,Fri..Sun". */
#define WEEKDAYS_MAX 32
char *weekdays_format(weekdays_t days, char buf[static WEEKDAYS_MAX]);
const char *weekday_to_string(int wday); /* 0 = "Mon" */

/* Booleans as in config files: yes/no, true/false, on/off, 1/0, any case. */
int parse_boolean(const char *s); /* 1, 0, or PARSE_* error */
