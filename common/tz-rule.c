/* SPDX-License-Identifier: MIT */
/* tz-rule.c: POSIX TZ rules (reading them, and when they change) and proleptic Gregorian
 * civil-date arithmetic, for tz.c. */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "tz-internal.h"

/* Howard Hinnant's days_from_civil: counting in 400-year eras starting on March 1 puts the leap
 * day last, so the day of the year follows from the month by one linear formula. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        int64_t era, yoe, doy, doe, r;

        /* Months outside 1…12 carry into the year, so callers may step months freely. */
        if (m == 0) {
                y = sat_sub(y, 1);
                m = 12;
        } else if (m > 12) {
                y = sat_add(y, (m - 1) / 12);
                m = (m - 1) % 12 + 1;
        }

        if (m <= 2)
                y = sat_sub(y, 1);
        era = floor_div(y, 400);
        yoe = y - era * 400;                                            /* [0, 399] */
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t) d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

        /* Saturate instead of overflowing for years no calendar needs. */
        if (__builtin_mul_overflow(era, 146097, &r))
                return era < 0 ? INT64_MIN : INT64_MAX;
        return sat_add(r, doe - 719468);
}

void civil_from_days(int64_t days, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d) {
        int64_t era, doe, yoe, doy, mp, y;
        unsigned m;

        /* Split before shifting the epoch to 0000-03-01 so that no int64 day count overflows. */
        era = floor_div(days, 146097);
        doe = floor_mod(days, 146097) + 719468;
        era += doe / 146097;
        doe %= 146097;                                                  /* [0, 146096] */

        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;    /* [0, 399] */
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  /* [0, 365] */
        mp = (5 * doy + 2) / 153;                                       /* [0, 11], from March */
        m = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
        y = era * 400 + yoe + (m <= 2);

        if (ret_y)
                *ret_y = y;
        if (ret_m)
                *ret_m = m;
        if (ret_d)
                *ret_d = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
}

static bool is_leap(int64_t y) {
        return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int64_t year_of(int64_t t) {
        int64_t y;
        civil_from_days(floor_div(t, 86400), &y, NULL, NULL);
        return y;
}

/* The day (since the epoch) on which a rule date falls in year y. */
static int64_t rule_day(int64_t y, const TzRuleDate *d) {
        int64_t jan1 = days_from_civil(y, 1, 1), first, last;
        int wd;

        switch (d->kind) {
        case 'J':
                return jan1 + d->n - 1 + (d->n >= 60 && is_leap(y));
        case 'D':
                return jan1 + d->n;
        default:
                first = days_from_civil(y, d->month, 1);
                last = days_from_civil(y, d->month + 1, 1) - 1;
                wd = (weekday_from_days(first) + 1) % 7;                /* 0 = Sunday, as POSIX */
                first += (d->wday - wd + 7) % 7 + (d->week - 1) * 7;
                /* Week 5 means the last such weekday, which may be the fourth. */
                while (first > last)
                        first -= 7;
                return first;
        }
}

/* The two changes of year y, earlier first. Each time is in the local time in force before it. */
void rule_year(const TzRule *r, int64_t y, RuleEvent ev[static 2]) {
        int64_t s = rule_day(y, &r->start) * 86400 + r->start.time - r->std_offset;
        int64_t e = rule_day(y, &r->end) * 86400 + r->end.time - r->dst_offset;

        if (s <= e) {
                ev[0] = (RuleEvent) { s, true };
                ev[1] = (RuleEvent) { e, false };
        } else {
                ev[0] = (RuleEvent) { e, false };
                ev[1] = (RuleEvent) { s, true };
        }
}

static int64_t rule_clamp(int64_t t) {
        return MAX(MIN(t, TZ_RULE_T_LIMIT), -TZ_RULE_T_LIMIT);
}

/* Whether DST is in force at t: the latest change at or before t decides. Changes of the
 * neighbouring years are looked at too, since a rule time may be up to ±167 h and so cross the
 * new year; on a tie the later change in rule order wins, which makes "permanent DST" strings
 * such as "EST5EDT4,0/0,J365/25" (RFC 8536 §3.3.1) stay in DST. */
bool rule_dst_at(const TzRule *r, int64_t t) {
        int64_t y, best = INT64_MIN;
        bool dst = false;

        if (!r->has_dst)
                return false;

        t = rule_clamp(t);
        y = year_of(t);
        for (int64_t yy = y - 2; yy <= y + 1; yy++) {
                RuleEvent ev[2];

                rule_year(r, yy, ev);
                for (size_t i = 0; i < 2; i++)
                        if (ev[i].at <= t && ev[i].at >= best) {
                                best = ev[i].at;
                                dst = ev[i].dst;
                        }
        }
        return dst;
}

/* The first rule change after t. */
bool rule_next(const TzRule *r, int64_t t, int64_t *ret) {
        int64_t y, best = INT64_MAX;
        bool found = false;

        if (!r->has_dst || t >= TZ_RULE_T_LIMIT)
                return false;

        y = year_of(rule_clamp(t));
        for (int64_t yy = y - 1; yy <= y + 2; yy++) {
                RuleEvent ev[2];

                rule_year(r, yy, ev);
                for (size_t i = 0; i < 2; i++)
                        if (ev[i].at > t && ev[i].at < best) {
                                best = ev[i].at;
                                found = true;
                        }
        }
        if (found)
                *ret = best;
        return found;
}

/* ---- POSIX TZ strings (POSIX.1-2017 §8.3 with the RFC 8536 §3.3.1 extensions) ---- */

static bool parse_number(const char **p, int max_digits, int max, int *ret) {
        int n = 0, digits = 0;

        while (**p >= '0' && **p <= '9' && digits < max_digits) {
                n = n * 10 + (**p - '0');
                (*p)++;
                digits++;
        }
        if (digits == 0 || n > max)
                return false;
        *ret = n;
        return true;
}

/* [+-]hh[:mm[:ss]], as seconds. */
static bool parse_hms(const char **p, int max_hours, int32_t *ret) {
        int sign = 1, h, m = 0, s = 0;

        if (**p == '+' || **p == '-') {
                sign = **p == '-' ? -1 : 1;
                (*p)++;
        }
        if (!parse_number(p, 3, max_hours, &h))
                return false;
        if (**p == ':') {
                (*p)++;
                if (!parse_number(p, 2, 59, &m))
                        return false;
                if (**p == ':') {
                        (*p)++;
                        if (!parse_number(p, 2, 59, &s))
                                return false;
                }
        }
        *ret = sign * (h * 3600 + m * 60 + s);
        return true;
}

static bool parse_abbrev(const char **p, char ret[static TZ_ABBREV_MAX + 1]) {
        const char *s = *p;
        size_t n = 0;

        if (*s == '<') {
                s++;
                while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
                       *s == '+' || *s == '-') {
                        if (n >= TZ_ABBREV_MAX)
                                return false;
                        ret[n++] = *s++;
                }
                if (*s != '>')
                        return false;
                s++;
        } else
                while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
                        if (n >= TZ_ABBREV_MAX)
                                return false;
                        ret[n++] = *s++;
                }
        if (n < 3)
                return false;
        ret[n] = '\0';
        *p = s;
        return true;
}

static bool parse_rule_date(const char **p, TzRuleDate *ret) {
        TzRuleDate d = { .time = 7200 };

        if (**p == 'J') {
                (*p)++;
                d.kind = 'J';
                if (!parse_number(p, 3, 365, &d.n) || d.n < 1)
                        return false;
        } else if (**p >= '0' && **p <= '9') {
                d.kind = 'D';
                if (!parse_number(p, 3, 365, &d.n))
                        return false;
        } else if (**p == 'M') {
                (*p)++;
                d.kind = 'M';
                if (!parse_number(p, 2, 12, &d.month) || d.month < 1 || **p != '.')
                        return false;
                (*p)++;
                if (!parse_number(p, 1, 5, &d.week) || d.week < 1 || **p != '.')
                        return false;
                (*p)++;
                if (!parse_number(p, 1, 6, &d.wday))
                        return false;
        } else
                return false;

        if (**p == '/') {
                (*p)++;
                if (!parse_hms(p, 167, &d.time))
                        return false;
        }
        *ret = d;
        return true;
}

int parse_posix(const char *s, TzRule *ret) {
        TzRule r = {};
        int32_t off;

        if (!parse_abbrev(&s, r.std_abbrev) || !parse_hms(&s, 24, &off))
                return -EBADMSG;
        r.std_offset = -off;
        r.dst_offset = r.std_offset;

        if (*s != '\0') {
                if (!parse_abbrev(&s, r.dst_abbrev))
                        return -EBADMSG;
                r.has_dst = true;
                r.dst_offset = r.std_offset + 3600;
                if (*s != ',' && *s != '\0') {
                        if (!parse_hms(&s, 24, &off))
                                return -EBADMSG;
                        r.dst_offset = -off;
                }
                if (*s == '\0')
                        /* No rule given: glibc and tzcode fall back to the US rules. */
                        s = ",M3.2.0,M11.1.0";
                if (*s++ != ',' || !parse_rule_date(&s, &r.start) || *s++ != ',' ||
                    !parse_rule_date(&s, &r.end) || *s != '\0')
                        return -EBADMSG;
        }
        *ret = r;
        return 0;
}

/* Whether a name that is not a file was meant as a POSIX string: one has an offset, and no '/'
 * before its rule part. Decides between "no such zone" and "bad rule". */
bool looks_like_posix(const char *name) {
        size_t head = strcspn(name, ",");
        return !memchr(name, '/', head) && strpbrk(name, "0123456789<");
}

