/* SPDX-License-Identifier: MIT */
/* tz.h: time zones without globals: TZif files and POSIX TZ rules, civil-date arithmetic, and the
 * exact local-time rules recharged promises (gaps move forward, folds take the first). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Tz Tz;

/* Loads a zone. name: NULL or "" means the process's zone ($TZ if set, else /etc/localtime, else
 * UTC); "Europe/Berlin" or ":Europe/Berlin" (looked up under $TZDIR or /usr/share/zoneinfo);
 * an absolute path to a TZif file; or a POSIX TZ string ("UTC0", "EST5EDT,M3.2.0,M11.1.0").
 * Errors: -ENOENT (no such zone), -EBADMSG (damaged file or bad rule), -ENOMEM.
 * Also -EINVAL: a name with a ".." component is refused rather than looked up. */
int tz_load(const char *name, Tz **ret);
/* A zone with a fixed offset (seconds east of UTC) and the given abbreviation.
 * NULL makes one like "+0530"; -EINVAL for an offset beyond ±25:59:59 or a bad abbreviation. */
int tz_new_fixed(int32_t offset, const char *abbrev, Tz **ret);
Tz *tz_free(Tz *tz);
static inline void tz_freep(Tz **tz) {
        tz_free(*tz);
}

/* The name it was loaded by ("Europe/Berlin", "UTC", the POSIX string, …). */
const char *tz_name(const Tz *tz);

/* Seconds east of UTC in force at instant t (seconds since the epoch). Fast: binary search over
 * transitions, then the POSIX rule past the last one. Pure: no I/O, no globals. */
int32_t tz_offset(const Tz *tz, int64_t t);
/* The abbreviation in force at t ("CET", "CEST", "+0530"). */
const char *tz_abbrev(const Tz *tz, int64_t t);

/* The first instant after t at which the offset may change; false when it never does. */
bool tz_next_change(const Tz *tz, int64_t t, int64_t *ret);

/* Local civil time, as seconds since 1970-01-01T00:00:00 on the local wall clock. */
static inline int64_t tz_to_local(const Tz *tz, int64_t t) {
        return t + tz_offset(tz, t);
}
/* The instant for a local civil time. A time that does not exist (spring forward) moves
 * forward by the gap (02:30 in a 02:00→03:00 gap is 03:30); one that happens twice (fall back)
 * means the first. */
int64_t tz_from_local(const Tz *tz, int64_t local);

/* Proleptic Gregorian calendar arithmetic (pure, any year). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);       /* days since 1970-01-01 */
void civil_from_days(int64_t days, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d);
/* 0 = Monday … 6 = Sunday for days since 1970-01-01 (a Thursday). */
static inline int weekday_from_days(int64_t days) {
        int64_t w = (days + 3) % 7;
        return (int) (w < 0 ? w + 7 : w);
}
/* Floor division of a local time into its day number and seconds into that day. */
static inline int64_t local_day(int64_t local) {
        return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}
