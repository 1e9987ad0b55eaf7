/* SPDX-License-Identifier: MIT */
/* tz-internal.h: what tz.c (zone files, lookups) shares with tz-rule.c (POSIX TZ rules, civil
 * dates): limits, the rule type and overflow-safe arithmetic. Not for other modules. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "tz.h"

/* Offsets beyond ±25:59:59 are not time zones (RFC 8536 §3.2 recommends [-89999, 93599]); the
 * bound also keeps tz_from_local()'s search window finite. */
#define TZ_OFFSET_MAX 93599
#define TZ_ABBREV_MAX 31
/* Zone files are a few KiB; anything much larger is not one, and we read it whole. */
#define TZ_FILE_MAX (1024 * 1024)
/* Rule transitions are tabulated up to this year so that lookups stay a binary search;
 * later instants compute the rule on the fly. */
#define TZ_TABLE_LAST_YEAR 2100
/* A rule-only zone is tabulated from this year on. */
#define TZ_TABLE_FIRST_YEAR 1900
/* Instants are clamped here before rule arithmetic so that no multiplication can overflow;
 * about 2.3e9 years, far past the ±10000 years we promise to be exact for. */
#define TZ_RULE_T_LIMIT (INT64_C(1) << 56)

typedef struct TzRuleDate {
        char kind;      /* 'J': Jn, 1…365 without Feb 29; 'D': n, 0…365 with it; 'M': Mm.w.d */
        int n, month, week, wday;
        int32_t time;   /* seconds after local midnight, in the time in force before the change */
} TzRuleDate;

typedef struct TzRule {
        int32_t std_offset;     /* seconds east, unlike the POSIX string */
        int32_t dst_offset;
        bool has_dst;
        char std_abbrev[TZ_ABBREV_MAX + 1];
        char dst_abbrev[TZ_ABBREV_MAX + 1];
        TzRuleDate start, end;
} TzRule;

typedef struct RuleEvent {
        int64_t at;
        bool dst;
} RuleEvent;

static inline int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline int64_t floor_mod(int64_t a, int64_t b) {
        int64_t m = a % b;
        return (m != 0 && (m < 0) != (b < 0)) ? m + b : m;
}

static inline int64_t sat_add(int64_t a, int64_t b) {
        int64_t r;
        if (__builtin_add_overflow(a, b, &r))
                return b > 0 ? INT64_MAX : INT64_MIN;
        return r;
}

static inline int64_t sat_sub(int64_t a, int64_t b) {
        int64_t r;
        if (__builtin_sub_overflow(a, b, &r))
                return b < 0 ? INT64_MAX : INT64_MIN;
        return r;
}

/* The civil year of instant t (UTC). */
int64_t year_of(int64_t t);
/* The rule's two changes in year y, in order. */
void rule_year(const TzRule *r, int64_t y, RuleEvent ev[static 2]);
bool rule_dst_at(const TzRule *r, int64_t t);
/* The first change of the rule after t. */
bool rule_next(const TzRule *r, int64_t t, int64_t *ret);
/* Parses a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"); -EBADMSG when it is not one. */
int parse_posix(const char *s, TzRule *ret);
/* Whether a name that is not a file was meant as a POSIX string. */
bool looks_like_posix(const char *name);
