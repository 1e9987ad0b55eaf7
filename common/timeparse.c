/* SPDX-License-Identifier: MIT */
/* timeparse.c: parsing and formatting of spans, clock times, weekday sets and booleans. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "timeparse.h"

/* Our own character classes: the C library's depend on the locale, and a config file must mean
 * the same thing whatever LC_CTYPE the daemon was started with. */
static bool is_blank(char c) {
        return c != '\0' && strchr(" \t\n\r\v\f", c);
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char to_lower(char c) {
        return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool strneq_ascii_case(const char *a, size_t n, const char *b) {
        if (strlen(b) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (to_lower(a[i]) != to_lower(b[i]))
                        return false;
        return true;
}

static const char *skip_blanks(const char *p) {
        while (is_blank(*p))
                p++;
        return p;
}

/* The same, but never past e: items of a list are not NUL-terminated. */
static const char *skip_blanks_until(const char *p, const char *e) {
        while (p < e && is_blank(*p))
                p++;
        return p;
}

/* Every parser accepts blanks around the value: iniparser trims them already, but the bus and
 * the client hand us text that nobody trimmed. Returns the length of s without them. */
static size_t trim(const char **s) {
        const char *b = skip_blanks(*s);
        size_t n = strlen(b);

        while (n > 0 && is_blank(b[n - 1]))
                n--;
        *s = b;
        return n;
}

const char *parse_error_to_string(int r) {
        switch (r) {
        case PARSE_EMPTY:
                return "is empty";
        case PARSE_NEGATIVE:
                return "is negative";
        case PARSE_OVERFLOW:
                return "is too large";
        case PARSE_UNKNOWN_UNIT:
                return "has an unknown unit";
        case PARSE_TRAILING:
                return "has trailing characters";
        case PARSE_BAD_NUMBER:
                return "is not a number";
        case PARSE_OUT_OF_RANGE:
                return "is out of range";
        case PARSE_BAD_FORMAT:
                return "is not in the expected format";
        case PARSE_UNKNOWN_DAY:
                return "is not a day of the week";
        default:
                return "is invalid";
        }
}

/* ---- spans ---- */

static const struct {
        const char *name;
        usec_t usec;
} span_units[] = {
        { "us", 1 },
        { "usec", 1 },
        { "\xc2\xb5s", 1 }, /* U+00B5 MICRO SIGN */
        { "\xce\xbcs", 1 }, /* U+03BC GREEK SMALL LETTER MU, which keyboards often give instead */
        { "ms", USEC_PER_MSEC },
        { "msec", USEC_PER_MSEC },
        { "s", USEC_PER_SEC },
        { "sec", USEC_PER_SEC },
        { "second", USEC_PER_SEC },
        { "seconds", USEC_PER_SEC },
        { "m", USEC_PER_MINUTE },
        { "min", USEC_PER_MINUTE },
        { "minute", USEC_PER_MINUTE },
        { "minutes", USEC_PER_MINUTE },
        { "h", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR },
        { "hour", USEC_PER_HOUR },
        { "hours", USEC_PER_HOUR },
        { "d", USEC_PER_DAY },
        { "day", USEC_PER_DAY },
        { "days", USEC_PER_DAY },
        { "w", USEC_PER_WEEK },
        { "week", USEC_PER_WEEK },
        { "weeks", USEC_PER_WEEK },
        /* systemd.time(7): a month is 30.44 days and a year 365.25 days; both are whole seconds. */
        { "M", 2630016ULL * USEC_PER_SEC },
        { "month", 2630016ULL * USEC_PER_SEC },
        { "months", 2630016ULL * USEC_PER_SEC },
        { "y", 31557600ULL * USEC_PER_SEC },
        { "year", 31557600ULL * USEC_PER_SEC },
        { "years", 31557600ULL * USEC_PER_SEC },
};

/* Units are case-sensitive, as in systemd: "M" is a month, "m" a minute. */
static int span_unit_lookup(const char *u, size_t n, usec_t *ret) {
        for (size_t i = 0; i < ELEMENTSOF(span_units); i++)
                if (strlen(span_units[i].name) == n && memcmp(span_units[i].name, u, n) == 0) {
                        *ret = span_units[i].usec;
                        return 0;
                }
        return PARSE_UNKNOWN_UNIT;
}

/* A unit is a run of ASCII letters and non-ASCII bytes (for "µs"); anything else ends it. */
static bool is_unit_char(char c) {
        return is_alpha(c) || (unsigned char) c >= 0x80;
}

/* floor(0.DIGITS × mult), exact for any number of digits and free of overflow: Horner's rule from
 * the last digit, t ← ⌊(d·mult + t) / 10⌋, gives the same floor as exact arithmetic because
 * ⌊(a + ⌊x⌋)/10⌋ = ⌊(a + x)/10⌋ for integer a, and d·mult + t < 10·mult stays far below 2^64
 * for the largest unit (a year). */
static usec_t span_fraction(const char *digits, size_t n, usec_t mult) {
        usec_t t = 0;

        for (size_t i = n; i > 0; i--)
                t = ((usec_t) (digits[i - 1] - '0') * mult + t) / 10;
        return t;
}

/* One "NUMBER [blanks] [UNIT]" component at *p; advances *p past it. */
static int span_parse_one(const char **p, bool first, usec_t *ret) {
        const char *s = *p, *frac = NULL, *unit;
        size_t nfrac = 0;
        usec_t whole = 0, mult = USEC_PER_SEC, v;
        bool digits = false;
        int r;

        if (*s == '-')
                return PARSE_NEGATIVE;
        if (!is_digit(*s) && *s != '.')
                /* "min" or "1h min" lack a number; "5min!" has junk after a complete span. */
                return first || is_unit_char(*s) ? PARSE_BAD_NUMBER : PARSE_TRAILING;

        for (; is_digit(*s); s++) {
                digits = true;
                if (__builtin_mul_overflow(whole, 10, &whole) ||
                    __builtin_add_overflow(whole, (usec_t) (*s - '0'), &whole))
                        return PARSE_OVERFLOW;
        }
        if (*s == '.') {
                s++;
                frac = s;
                while (is_digit(*s))
                        s++;
                nfrac = s - frac;
                /* "1." and "." are not numbers; ".5" is, as in systemd. */
                if (nfrac == 0)
                        return PARSE_BAD_NUMBER;
                digits = true;
        }
        if (!digits)
                return PARSE_BAD_NUMBER;

        /* "5 min" is one component, as systemd reads it. */
        unit = skip_blanks(s);
        if (is_unit_char(*unit)) {
                const char *e = unit;

                while (is_unit_char(*e))
                        e++;
                r = span_unit_lookup(unit, e - unit, &mult);
                if (r < 0)
                        return r;
                s = e;
                /* After a unit the next component may follow at once, as in "1h30min". */
                if (*s != '\0' && !is_blank(*s) && !is_digit(*s) && *s != '.' && *s != '-')
                        return PARSE_TRAILING;
        } else if (*s != '\0' && !is_blank(*s))
                /* A bare number must stand alone: "5!" or "1.5.3". */
                return *s == '-' ? PARSE_NEGATIVE : PARSE_TRAILING;

        if (__builtin_mul_overflow(whole, mult, &v) ||
            __builtin_add_overflow(v, frac ? span_fraction(frac, nfrac, mult) : 0, &v))
                return PARSE_OVERFLOW;

        *p = s;
        *ret = v;
        return 0;
}

int span_parse(const char *s, usec_t *ret) {
        usec_t total = 0;
        size_t n;
        int r;

        if (!s)
                return PARSE_EMPTY;
        n = trim(&s);
        if (n == 0)
                return PARSE_EMPTY;
        /* span_format() writes USEC_INFINITY so; reading it back keeps every value round-trippable. */
        if (n == strlen("infinity") && strncmp(s, "infinity", n) == 0) {
                *ret = USEC_INFINITY;
                return 0;
        }

        for (const char *p = s;;) {
                usec_t v;

                p = skip_blanks(p);
                if (*p == '\0')
                        break;
                r = span_parse_one(&p, p == s, &v);
                if (r < 0)
                        return r;
                if (__builtin_add_overflow(total, v, &total))
                        return PARSE_OVERFLOW;
        }

        *ret = total;
        return 0;
}

char *span_format(usec_t u, char buf[static SPAN_MAX]) {
        /* Months and years are averages, so they would not give back the same microseconds. */
        static const struct {
                const char *name;
                usec_t usec;
        } units[] = {
                { "w", USEC_PER_WEEK },   { "d", USEC_PER_DAY },    { "h", USEC_PER_HOUR },
                { "min", USEC_PER_MINUTE }, { "s", USEC_PER_SEC }, { "ms", USEC_PER_MSEC },
                { "us", 1 },
        };
        size_t n = 0;

        if (u == USEC_INFINITY)
                return strcpy(buf, "infinity");
        if (u == 0)
                return strcpy(buf, "0");

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units) && u > 0; i++) {
                usec_t k = u / units[i].usec;

                if (k == 0)
                        continue;
                u %= units[i].usec;
                /* The longest output, "30500568w 6d 23h 59min 59s 999ms 999us", is 38 bytes. */
                n += snprintf(buf + n, SPAN_MAX - n, "%s%llu%s", n > 0 ? " " : "",
                              (unsigned long long) k, units[i].name);
        }
        return buf;
}

/* ---- clock times ---- */

static bool two_digits(const char *s, unsigned *ret) {
        if (!is_digit(s[0]) || !is_digit(s[1]))
                return false;
        *ret = (unsigned) (s[0] - '0') * 10 + (unsigned) (s[1] - '0');
        return true;
}

int clock_parse(const char *s, uint32_t *ret_seconds) {
        unsigned h, m, sec = 0;
        size_t n;

        if (!s)
                return PARSE_EMPTY;
        n = trim(&s);
        if (n == 0)
                return PARSE_EMPTY;

        /* The shape first, so "7:5" says "format" rather than something about its numbers. */
        if ((n != 5 && n != 8) || s[2] != ':' || !two_digits(s, &h) || !two_digits(s + 3, &m))
                return PARSE_BAD_FORMAT;
        if (n == 8 && (s[5] != ':' || !two_digits(s + 6, &sec)))
                return PARSE_BAD_FORMAT;

        /* No "24:00" and no leap second: a block that ends at midnight is written "00:00". */
        if (h > 23 || m > 59 || sec > 59)
                return PARSE_OUT_OF_RANGE;

        *ret_seconds = h * 3600 + m * 60 + sec;
        return 0;
}

char *clock_format(uint32_t seconds, char buf[static CLOCK_MAX]) {
        /* Callers only hold values below a day; folding the rest keeps the buffer big enough. */
        seconds %= 24 * 3600;
        snprintf(buf, CLOCK_MAX, "%02u:%02u:%02u", (unsigned) (seconds / 3600),
                 (unsigned) (seconds / 60 % 60), (unsigned) (seconds % 60));
        return buf;
}

char *clock_format_short(uint32_t seconds, char buf[static CLOCK_MAX]) {
        clock_format(seconds, buf);
        if (seconds % 60 == 0)
                buf[5] = '\0';
        return buf;
}

/* ---- weekdays ---- */

static const char *const weekday_names[7][2] = {
        { "Mon", "Monday" },   { "Tue", "Tuesday" },  { "Wed", "Wednesday" }, { "Thu", "Thursday" },
        { "Fri", "Friday" },   { "Sat", "Saturday" }, { "Sun", "Sunday" },
};

const char *weekday_to_string(int wday) {
        if (wday < 0 || wday >= 7)
                return NULL;
        return weekday_names[wday][0];
}

static int weekday_lookup(const char *s, size_t n) {
        for (int i = 0; i < 7; i++)
                if (strneq_ascii_case(s, n, weekday_names[i][0]) ||
                    strneq_ascii_case(s, n, weekday_names[i][1]))
                        return i;
        return PARSE_UNKNOWN_DAY;
}

/* One item, "Mon" or "Fri..Mon", in [s, s + n) with the blanks around it already gone. */
static int weekdays_parse_item(const char *s, size_t n, weekdays_t *days) {
        const char *e = s + n, *a = s, *b;
        size_t na, nb = 0;
        int first, last;

        while (s < e && is_alpha(*s))
                s++;
        na = s - a;
        s = skip_blanks_until(s, e);
        b = s;
        if (e - s >= 2 && s[0] == '.' && s[1] == '.') {
                b = s = skip_blanks_until(s + 2, e);
                while (s < e && is_alpha(*s))
                        s++;
                nb = s - b;
                if (nb == 0)
                        return PARSE_BAD_FORMAT; /* "Mon..", "Mon...Fri" */
        }
        if (na == 0 || s != e)
                return PARSE_BAD_FORMAT;

        first = weekday_lookup(a, na);
        if (first < 0)
                return first;
        last = first;
        if (nb > 0) {
                last = weekday_lookup(b, nb);
                if (last < 0)
                        return last;
        }

        for (int i = first;; i = (i + 1) % 7) {
                *days |= (weekdays_t) (1U << i);
                if (i == last)
                        break;
        }
        return 0;
}

int weekdays_parse(const char *s, weekdays_t *ret) {
        weekdays_t days = 0;
        size_t n;
        int r;

        if (!s)
                return PARSE_EMPTY;
        n = trim(&s);
        if (n == 0)
                return PARSE_EMPTY;
        /* "daily" and "*" stand alone; inside a list they would only hide a mistake. */
        if (strneq_ascii_case(s, n, "daily") || (n == 1 && *s == '*')) {
                *ret = WEEKDAYS_ALL;
                return 0;
        }

        for (const char *p = s, *end = s + n;;) {
                const char *comma = memchr(p, ',', end - p);
                const char *item_end = comma ? comma : end;
                const char *i = skip_blanks_until(p, item_end);
                size_t len = item_end - i;

                while (len > 0 && is_blank(i[len - 1]))
                        len--;
                if (len == 0)
                        return PARSE_BAD_FORMAT; /* ",Mon", "Mon,,Tue", "Mon," */
                r = weekdays_parse_item(i, len, &days);
                if (r < 0)
                        return r;
                if (!comma)
                        break;
                p = comma + 1;
        }

        *ret = days;
        return 0;
}

char *weekdays_format(weekdays_t days, char buf[static WEEKDAYS_MAX]) {
        size_t n = 0;

        days &= WEEKDAYS_ALL;
        buf[0] = '\0';
        if (days == WEEKDAYS_ALL)
                return strcpy(buf, "daily");

        /* Runs are cut at Sunday so the text always reads from Monday; the longest output,
         * "Mon,Wed,Fri,Sun", fits easily. */
        for (int i = 0; i < 7;) {
                int j = i;

                if (!(days & (1U << i))) {
                        i++;
                        continue;
                }
                while (j + 1 < 7 && (days & (1U << (j + 1))))
                        j++;
                if (j - i >= 2)
                        n += snprintf(buf + n, WEEKDAYS_MAX - n, "%s%s..%s", n > 0 ? "," : "",
                                      weekday_names[i][0], weekday_names[j][0]);
                else
                        for (int k = i; k <= j; k++)
                                n += snprintf(buf + n, WEEKDAYS_MAX - n, "%s%s", n > 0 ? "," : "",
                                              weekday_names[k][0]);
                i = j + 1;
        }
        return buf;
}

/* ---- booleans ---- */

int parse_boolean(const char *s) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };
        size_t n;

        if (!s)
                return PARSE_EMPTY;
        n = trim(&s);
        if (n == 0)
                return PARSE_EMPTY;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strneq_ascii_case(s, n, yes[i]))
                        return 1;
                if (strneq_ascii_case(s, n, no[i]))
                        return 0;
        }
        return PARSE_BAD_FORMAT;
}
