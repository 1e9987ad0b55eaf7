/* SPDX-License-Identifier: MIT */
/* test-tz.c: TZif and POSIX rule reading, offsets, local-time resolution and civil dates,
 * checked against known transitions and against glibc's localtime_r(). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "macro.h"
#include "tap.h"
#include "tz.h"

typedef struct Civil {
        int64_t y;
        unsigned m, d;
        int h, mi, s;
} Civil;

/* Seconds since the epoch for a civil time; used both for UTC instants and for local times. */
static int64_t civil(Civil c) {
        return days_from_civil(c.y, c.m, c.d) * 86400 + c.h * 3600 + c.mi * 60 + c.s;
}

static const char *fmt_civil(int64_t t, char buf[static 64]) {
        int64_t y, day = local_day(t), sec = t - day * 86400;
        unsigned m, d;

        civil_from_days(day, &y, &m, &d);
        snprintf(buf, 64, "%04" PRId64 "-%02u-%02u %02d:%02d:%02d", y, m, d, (int) (sec / 3600),
                 (int) (sec / 60 % 60), (int) (sec % 60));
        return buf;
}

/* A fixed seed, so a failure can be reproduced. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);
static uint64_t rng(void) {
        uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}
static int64_t rng_range(int64_t lo, int64_t hi) {
        return lo + (int64_t) (rng() % (uint64_t) (hi - lo));
}

static char tmpdir[] = "/tmp/test-tz.XXXXXX";

static int write_file(const char *path, const void *data, size_t size) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (write(fd, data, size) != (ssize_t) size)
                return -EIO;
        return 0;
}

static int read_whole(const char *path, uint8_t *buf, size_t max, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, max);
        if (n < 0)
                return -errno;
        *ret_size = (size_t) n;
        return 0;
}

static const char *zones[] = {
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia",
        "Asia/Kolkata", "America/Santiago", "UTC",
};

/* ---- offsets either side of transitions; the rows come from zdump -v ---- */

static const struct {
        const char *zone;
        Civil utc;
        int32_t offset;
        const char *abbrev;
} offset_rows[] = {
        { "Europe/Berlin", { 1995, 3, 26, 0, 59, 59 }, 3600, "CET" },
        { "Europe/Berlin", { 1995, 3, 26, 1, 0, 0 }, 7200, "CEST" },
        { "Europe/Berlin", { 1995, 9, 24, 0, 59, 59 }, 7200, "CEST" },
        { "Europe/Berlin", { 1995, 9, 24, 1, 0, 0 }, 3600, "CET" },
        { "Europe/Berlin", { 2024, 3, 31, 0, 59, 59 }, 3600, "CET" },
        { "Europe/Berlin", { 2024, 3, 31, 1, 0, 0 }, 7200, "CEST" },
        { "Europe/Berlin", { 2024, 10, 27, 0, 59, 59 }, 7200, "CEST" },
        { "Europe/Berlin", { 2024, 10, 27, 1, 0, 0 }, 3600, "CET" },
        { "Europe/Berlin", { 2040, 3, 25, 0, 59, 59 }, 3600, "CET" },
        { "Europe/Berlin", { 2040, 3, 25, 1, 0, 0 }, 7200, "CEST" },
        { "Europe/Berlin", { 2040, 10, 28, 0, 59, 59 }, 7200, "CEST" },
        { "Europe/Berlin", { 2040, 10, 28, 1, 0, 0 }, 3600, "CET" },
        { "Europe/Berlin", { 2100, 3, 28, 0, 59, 59 }, 3600, "CET" },
        { "Europe/Berlin", { 2100, 3, 28, 1, 0, 0 }, 7200, "CEST" },
        { "Europe/Berlin", { 2100, 10, 31, 0, 59, 59 }, 7200, "CEST" },
        { "Europe/Berlin", { 2100, 10, 31, 1, 0, 0 }, 3600, "CET" },
        { "America/New_York", { 1995, 4, 2, 6, 59, 59 }, -18000, "EST" },
        { "America/New_York", { 1995, 4, 2, 7, 0, 0 }, -14400, "EDT" },
        { "America/New_York", { 1995, 10, 29, 5, 59, 59 }, -14400, "EDT" },
        { "America/New_York", { 1995, 10, 29, 6, 0, 0 }, -18000, "EST" },
        { "America/New_York", { 2024, 3, 10, 6, 59, 59 }, -18000, "EST" },
        { "America/New_York", { 2024, 3, 10, 7, 0, 0 }, -14400, "EDT" },
        { "America/New_York", { 2024, 11, 3, 5, 59, 59 }, -14400, "EDT" },
        { "America/New_York", { 2024, 11, 3, 6, 0, 0 }, -18000, "EST" },
        { "America/New_York", { 2040, 3, 11, 6, 59, 59 }, -18000, "EST" },
        { "America/New_York", { 2040, 3, 11, 7, 0, 0 }, -14400, "EDT" },
        { "America/New_York", { 2040, 11, 4, 5, 59, 59 }, -14400, "EDT" },
        { "America/New_York", { 2040, 11, 4, 6, 0, 0 }, -18000, "EST" },
        { "America/New_York", { 2100, 3, 14, 6, 59, 59 }, -18000, "EST" },
        { "America/New_York", { 2100, 3, 14, 7, 0, 0 }, -14400, "EDT" },
        { "America/New_York", { 2100, 11, 7, 5, 59, 59 }, -14400, "EDT" },
        { "America/New_York", { 2100, 11, 7, 6, 0, 0 }, -18000, "EST" },
        { "Australia/Lord_Howe", { 1995, 3, 4, 14, 59, 59 }, 39600, "+11" },
        { "Australia/Lord_Howe", { 1995, 3, 4, 15, 0, 0 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 1995, 10, 28, 15, 29, 59 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 1995, 10, 28, 15, 30, 0 }, 39600, "+11" },
        { "Australia/Lord_Howe", { 2024, 4, 6, 14, 59, 59 }, 39600, "+11" },
        { "Australia/Lord_Howe", { 2024, 4, 6, 15, 0, 0 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 2024, 10, 5, 15, 29, 59 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 2024, 10, 5, 15, 30, 0 }, 39600, "+11" },
        { "Australia/Lord_Howe", { 2040, 3, 31, 14, 59, 59 }, 39600, "+11" },
        { "Australia/Lord_Howe", { 2040, 3, 31, 15, 0, 0 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 2040, 10, 6, 15, 29, 59 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 2040, 10, 6, 15, 30, 0 }, 39600, "+11" },
        { "Australia/Lord_Howe", { 2100, 4, 3, 14, 59, 59 }, 39600, "+11" },
        { "Australia/Lord_Howe", { 2100, 4, 3, 15, 0, 0 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 2100, 10, 2, 15, 29, 59 }, 37800, "+1030" },
        { "Australia/Lord_Howe", { 2100, 10, 2, 15, 30, 0 }, 39600, "+11" },
        { "America/Santiago", { 1995, 3, 12, 2, 59, 59 }, -10800, "-03" },
        { "America/Santiago", { 1995, 3, 12, 3, 0, 0 }, -14400, "-04" },
        { "America/Santiago", { 1995, 10, 15, 3, 59, 59 }, -14400, "-04" },
        { "America/Santiago", { 1995, 10, 15, 4, 0, 0 }, -10800, "-03" },
        { "America/Santiago", { 2024, 4, 7, 2, 59, 59 }, -10800, "-03" },
        { "America/Santiago", { 2024, 4, 7, 3, 0, 0 }, -14400, "-04" },
        { "America/Santiago", { 2024, 9, 8, 3, 59, 59 }, -14400, "-04" },
        { "America/Santiago", { 2024, 9, 8, 4, 0, 0 }, -10800, "-03" },
        { "America/Santiago", { 2040, 4, 8, 2, 59, 59 }, -10800, "-03" },
        { "America/Santiago", { 2040, 4, 8, 3, 0, 0 }, -14400, "-04" },
        { "America/Santiago", { 2040, 9, 2, 3, 59, 59 }, -14400, "-04" },
        { "America/Santiago", { 2040, 9, 2, 4, 0, 0 }, -10800, "-03" },
        { "America/Santiago", { 2100, 4, 4, 2, 59, 59 }, -10800, "-03" },
        { "America/Santiago", { 2100, 4, 4, 3, 0, 0 }, -14400, "-04" },
        { "America/Santiago", { 2100, 9, 5, 3, 59, 59 }, -14400, "-04" },
        { "America/Santiago", { 2100, 9, 5, 4, 0, 0 }, -10800, "-03" },
        /* Apia skipped 2011-12-30 by moving from -10 (DST) to +14 (DST). */
        { "Pacific/Apia", { 2011, 12, 30, 9, 59, 59 }, -36000, "-10" },
        { "Pacific/Apia", { 2011, 12, 30, 10, 0, 0 }, 50400, "+14" },
        { "Pacific/Apia", { 2012, 3, 31, 13, 59, 59 }, 50400, "+14" },
        { "Pacific/Apia", { 2012, 3, 31, 14, 0, 0 }, 46800, "+13" },
        { "Pacific/Apia", { 2012, 9, 29, 13, 59, 59 }, 46800, "+13" },
        { "Pacific/Apia", { 2012, 9, 29, 14, 0, 0 }, 50400, "+14" },
        { "Pacific/Apia", { 2040, 1, 1, 0, 0, 0 }, 46800, "+13" },
        { "Pacific/Apia", { 2100, 7, 1, 0, 0, 0 }, 46800, "+13" },
        { "Asia/Kolkata", { 2024, 7, 1, 0, 0, 0 }, 19800, "IST" },
        { "Asia/Kolkata", { 2040, 3, 25, 1, 0, 0 }, 19800, "IST" },
        { "Asia/Kolkata", { 2100, 12, 31, 23, 59, 59 }, 19800, "IST" },
        { "UTC", { 1800, 1, 1, 0, 0, 0 }, 0, "UTC" },
        { "UTC", { 2024, 3, 31, 1, 0, 0 }, 0, "UTC" },
        { "UTC", { 2100, 10, 31, 1, 0, 0 }, 0, "UTC" },
        /* POSIX strings, including the RFC 8536 extensions. */
        { "UTC0", { 2024, 7, 1, 0, 0, 0 }, 0, "UTC" },
        { "<+0530>-5:30", { 2024, 7, 1, 0, 0, 0 }, 19800, "+0530" },
        { "EST5EDT,M3.2.0,M11.1.0", { 2024, 3, 10, 6, 59, 59 }, -18000, "EST" },
        { "EST5EDT,M3.2.0,M11.1.0", { 2024, 3, 10, 7, 0, 0 }, -14400, "EDT" },
        { "EST5EDT,M3.2.0,M11.1.0", { 2024, 11, 3, 5, 59, 59 }, -14400, "EDT" },
        { "EST5EDT,M3.2.0,M11.1.0", { 2024, 11, 3, 6, 0, 0 }, -18000, "EST" },
        { "CET-1CEST,M3.5.0,M10.5.0/3", { 1850, 3, 31, 0, 59, 59 }, 3600, "CET" },    /* before the table */
        { "CET-1CEST,M3.5.0,M10.5.0/3", { 1850, 3, 31, 1, 0, 0 }, 7200, "CEST" },
        { "CET-1CEST,M3.5.0,M10.5.0/3", { 2024, 10, 27, 0, 59, 59 }, 7200, "CEST" },
        { "CET-1CEST,M3.5.0,M10.5.0/3", { 2024, 10, 27, 1, 0, 0 }, 3600, "CET" },
        { "CET-1CEST,M3.5.0,M10.5.0/3", { 2500, 3, 28, 0, 59, 59 }, 3600, "CET" },    /* after it */
        { "CET-1CEST,M3.5.0,M10.5.0/3", { 2500, 3, 28, 1, 0, 0 }, 7200, "CEST" },
        { "CET-1CEST,M3.5.0,M10.5.0/3", { 12024, 10, 27, 0, 0, 0 }, 7200, "CEST" },  /* a Sunday, not the last */
        /* Jn never counts Feb 29: J60 is March 1 even in a leap year. */
        { "AAA0BBB,J60,J300", { 2024, 3, 1, 1, 59, 59 }, 0, "AAA" },
        { "AAA0BBB,J60,J300", { 2024, 3, 1, 2, 0, 0 }, 3600, "BBB" },
        { "AAA0BBB,J60,J300", { 2023, 3, 1, 2, 0, 0 }, 3600, "BBB" },
        /* n counts it: day 59 is Feb 29 in 2024 and March 1 in 2023. */
        { "AAA0BBB,59,299", { 2024, 2, 29, 2, 0, 0 }, 3600, "BBB" },
        { "AAA0BBB,59,299", { 2023, 2, 28, 23, 0, 0 }, 0, "AAA" },
        { "AAA0BBB,59,299", { 2023, 3, 1, 2, 0, 0 }, 3600, "BBB" },
        /* Negative and past-midnight times: the day before at 23:00, the day after at 01:00. */
        { "AAA0BBB,M3.5.0/-1,M10.5.0/25", { 2024, 3, 30, 22, 59, 59 }, 0, "AAA" },
        { "AAA0BBB,M3.5.0/-1,M10.5.0/25", { 2024, 3, 30, 23, 0, 0 }, 3600, "BBB" },
        { "AAA0BBB,M3.5.0/-1,M10.5.0/25", { 2024, 10, 27, 23, 59, 59 }, 3600, "BBB" },
        { "AAA0BBB,M3.5.0/-1,M10.5.0/25", { 2024, 10, 28, 0, 0, 0 }, 0, "AAA" },
        /* Permanent DST (RFC 8536 §3.3.1). */
        { "EST5EDT4,0/0,J365/25", { 2024, 1, 1, 5, 0, 0 }, -14400, "EDT" },
        { "EST5EDT4,0/0,J365/25", { 2024, 12, 31, 23, 0, 0 }, -14400, "EDT" },
        { "EST5EDT4,0/0,J365/25", { 2025, 1, 1, 4, 59, 59 }, -14400, "EDT" },
        { "EST5EDT4,0/0,J365/25", { 2300, 1, 1, 5, 0, 0 }, -14400, "EDT" },
        /* Southern hemisphere, DST across the new year. */
        { "<-04>4<-03>,M9.1.6/24,M4.1.6/24", { 2024, 9, 8, 3, 59, 59 }, -14400, "-04" },
        { "<-04>4<-03>,M9.1.6/24,M4.1.6/24", { 2024, 9, 8, 4, 0, 0 }, -10800, "-03" },
        { "<-04>4<-03>,M9.1.6/24,M4.1.6/24", { 2025, 1, 1, 0, 0, 0 }, -10800, "-03" },
        { "<-04>4<-03>,M9.1.6/24,M4.1.6/24", { 2024, 4, 7, 3, 0, 0 }, -14400, "-04" },
        /* DST offset other than an hour, and without a rule (the US default). */
        { "AAA-10:30BBB-11,M10.1.0,M4.1.0", { 2024, 10, 5, 15, 30, 0 }, 39600, "BBB" },
        { "EST5EDT", { 2024, 7, 1, 0, 0, 0 }, -14400, "EDT" },
        { "FOO5BAR", { 2024, 3, 10, 7, 0, 0 }, -14400, "BAR" },
};

static void test_offsets(void) {
        for (size_t i = 0; i < ELEMENTSOF(offset_rows); i++) {
                _cleanup_(tz_freep) Tz *tz = NULL;
                char buf[64];
                int64_t t = civil(offset_rows[i].utc);
                int r = tz_load(offset_rows[i].zone, &tz);

                if (r < 0) {
                        ok(false, "load %s: %s", offset_rows[i].zone, strerror(-r));
                        continue;
                }
                if (!ok(tz_offset(tz, t) == offset_rows[i].offset && streq(tz_abbrev(tz, t), offset_rows[i].abbrev),
                   "%s at %sZ: %d %s", offset_rows[i].zone, fmt_civil(t, buf), offset_rows[i].offset,
                   offset_rows[i].abbrev))
                        diag("got %d %s", tz_offset(tz, t), tz_abbrev(tz, t));
        }
}

/* ---- local time → instant ---- */

static const struct {
        const char *zone;
        Civil local;
        Civil utc;
        const char *why;
} local_rows[] = {
        { "Europe/Berlin", { 2024, 6, 15, 12, 0, 0 }, { 2024, 6, 15, 10, 0, 0 }, "summer" },
        { "Europe/Berlin", { 2024, 1, 15, 12, 0, 0 }, { 2024, 1, 15, 11, 0, 0 }, "winter" },
        { "Europe/Berlin", { 2024, 3, 31, 1, 59, 59 }, { 2024, 3, 31, 0, 59, 59 }, "before the gap" },
        { "Europe/Berlin", { 2024, 3, 31, 2, 0, 0 }, { 2024, 3, 31, 1, 0, 0 }, "gap start → 03:00" },
        { "Europe/Berlin", { 2024, 3, 31, 2, 30, 0 }, { 2024, 3, 31, 1, 30, 0 }, "gap → 03:30" },
        { "Europe/Berlin", { 2024, 3, 31, 3, 0, 0 }, { 2024, 3, 31, 1, 0, 0 }, "gap end" },
        { "Europe/Berlin", { 2024, 10, 27, 1, 59, 59 }, { 2024, 10, 26, 23, 59, 59 }, "before the fold" },
        { "Europe/Berlin", { 2024, 10, 27, 2, 0, 0 }, { 2024, 10, 27, 0, 0, 0 }, "fold start, first" },
        { "Europe/Berlin", { 2024, 10, 27, 2, 30, 0 }, { 2024, 10, 27, 0, 30, 0 }, "fold, first" },
        { "Europe/Berlin", { 2024, 10, 27, 2, 59, 59 }, { 2024, 10, 27, 0, 59, 59 }, "fold end, first" },
        { "Europe/Berlin", { 2024, 10, 27, 3, 0, 0 }, { 2024, 10, 27, 2, 0, 0 }, "after the fold" },
        { "Europe/Berlin", { 2040, 3, 25, 2, 30, 0 }, { 2040, 3, 25, 1, 30, 0 }, "footer gap" },
        { "Europe/Berlin", { 2040, 10, 28, 2, 30, 0 }, { 2040, 10, 28, 0, 30, 0 }, "footer fold" },
        { "Europe/Berlin", { 2100, 3, 28, 2, 15, 0 }, { 2100, 3, 28, 1, 15, 0 }, "2100 gap" },
        { "Europe/Berlin", { 2100, 10, 31, 2, 15, 0 }, { 2100, 10, 31, 0, 15, 0 }, "2100 fold" },
        { "Europe/Berlin", { 2300, 10, 26, 2, 15, 0 }, { 2300, 10, 26, 0, 15, 0 }, "2300 fold (on the fly)" },
        { "America/New_York", { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 14, 0, 0 }, "winter" },
        { "America/New_York", { 2024, 3, 10, 2, 30, 0 }, { 2024, 3, 10, 7, 30, 0 }, "gap → 03:30" },
        { "America/New_York", { 2024, 3, 10, 3, 0, 0 }, { 2024, 3, 10, 7, 0, 0 }, "gap end" },
        { "America/New_York", { 2024, 11, 3, 1, 0, 0 }, { 2024, 11, 3, 5, 0, 0 }, "fold start, first" },
        { "America/New_York", { 2024, 11, 3, 1, 30, 0 }, { 2024, 11, 3, 5, 30, 0 }, "fold, first" },
        { "America/New_York", { 2024, 11, 3, 2, 0, 0 }, { 2024, 11, 3, 7, 0, 0 }, "after the fold" },
        { "America/New_York", { 2040, 3, 11, 2, 0, 0 }, { 2040, 3, 11, 7, 0, 0 }, "footer gap" },
        { "America/New_York", { 2100, 11, 7, 1, 59, 59 }, { 2100, 11, 7, 5, 59, 59 }, "2100 fold" },
        { "Australia/Lord_Howe", { 2024, 10, 6, 1, 59, 59 }, { 2024, 10, 5, 15, 29, 59 }, "before the 30 min gap" },
        { "Australia/Lord_Howe", { 2024, 10, 6, 2, 0, 0 }, { 2024, 10, 5, 15, 30, 0 }, "gap start → 02:30" },
        { "Australia/Lord_Howe", { 2024, 10, 6, 2, 15, 0 }, { 2024, 10, 5, 15, 45, 0 }, "gap → 02:45" },
        { "Australia/Lord_Howe", { 2024, 10, 6, 2, 30, 0 }, { 2024, 10, 5, 15, 30, 0 }, "gap end" },
        { "Australia/Lord_Howe", { 2024, 4, 7, 1, 29, 59 }, { 2024, 4, 6, 14, 29, 59 }, "before the fold" },
        { "Australia/Lord_Howe", { 2024, 4, 7, 1, 45, 0 }, { 2024, 4, 6, 14, 45, 0 }, "30 min fold, first" },
        { "Australia/Lord_Howe", { 2024, 4, 7, 2, 0, 0 }, { 2024, 4, 6, 15, 30, 0 }, "after the fold" },
        { "Australia/Lord_Howe", { 2040, 10, 7, 2, 10, 0 }, { 2040, 10, 6, 15, 40, 0 }, "footer gap" },
        { "Australia/Lord_Howe", { 2100, 4, 4, 1, 45, 0 }, { 2100, 4, 3, 14, 45, 0 }, "2100 fold" },
        { "Pacific/Apia", { 2011, 12, 29, 23, 59, 59 }, { 2011, 12, 30, 9, 59, 59 }, "last second before the skip" },
        { "Pacific/Apia", { 2011, 12, 30, 0, 0, 0 }, { 2011, 12, 30, 10, 0, 0 }, "skipped day → Dec 31" },
        { "Pacific/Apia", { 2011, 12, 30, 12, 0, 0 }, { 2011, 12, 30, 22, 0, 0 }, "skipped noon → Dec 31 noon" },
        { "Pacific/Apia", { 2011, 12, 30, 23, 59, 59 }, { 2011, 12, 31, 9, 59, 59 }, "skipped day's end" },
        { "Pacific/Apia", { 2011, 12, 31, 0, 0, 0 }, { 2011, 12, 30, 10, 0, 0 }, "Dec 31 midnight" },
        { "Pacific/Apia", { 2011, 12, 31, 12, 0, 0 }, { 2011, 12, 30, 22, 0, 0 }, "Dec 31 noon" },
        { "Pacific/Apia", { 2012, 9, 30, 3, 30, 0 }, { 2012, 9, 29, 14, 30, 0 }, "DST gap → 04:30" },
        { "Pacific/Apia", { 2012, 4, 1, 3, 30, 0 }, { 2012, 3, 31, 13, 30, 0 }, "DST fold, first" },
        { "Pacific/Apia", { 2040, 6, 1, 12, 0, 0 }, { 2040, 5, 31, 23, 0, 0 }, "no DST any more" },
        { "Asia/Kolkata", { 2024, 7, 1, 9, 0, 0 }, { 2024, 7, 1, 3, 30, 0 }, "normal" },
        { "Asia/Kolkata", { 2100, 1, 1, 0, 0, 0 }, { 2099, 12, 31, 18, 30, 0 }, "2100" },
        { "America/Santiago", { 2024, 9, 7, 23, 59, 59 }, { 2024, 9, 8, 3, 59, 59 }, "before the midnight gap" },
        { "America/Santiago", { 2024, 9, 8, 0, 0, 0 }, { 2024, 9, 8, 4, 0, 0 }, "midnight missing → 01:00" },
        { "America/Santiago", { 2024, 9, 8, 0, 30, 0 }, { 2024, 9, 8, 4, 30, 0 }, "gap → 01:30" },
        { "America/Santiago", { 2024, 9, 8, 1, 0, 0 }, { 2024, 9, 8, 4, 0, 0 }, "gap end" },
        { "America/Santiago", { 2024, 4, 6, 22, 59, 59 }, { 2024, 4, 7, 1, 59, 59 }, "before the fold" },
        { "America/Santiago", { 2024, 4, 6, 23, 30, 0 }, { 2024, 4, 7, 2, 30, 0 }, "fold, first" },
        { "America/Santiago", { 2024, 4, 7, 0, 0, 0 }, { 2024, 4, 7, 4, 0, 0 }, "after the fold" },
        { "America/Santiago", { 2040, 9, 2, 0, 0, 0 }, { 2040, 9, 2, 4, 0, 0 }, "footer midnight gap" },
        { "America/Santiago", { 2100, 9, 5, 0, 15, 0 }, { 2100, 9, 5, 4, 15, 0 }, "2100 midnight gap" },
        { "America/Santiago", { 2100, 4, 3, 23, 15, 0 }, { 2100, 4, 4, 2, 15, 0 }, "2100 fold" },
        { "UTC", { 2024, 3, 31, 2, 30, 0 }, { 2024, 3, 31, 2, 30, 0 }, "UTC" },
        { "EST5EDT,M3.2.0,M11.1.0", { 2024, 3, 10, 2, 30, 0 }, { 2024, 3, 10, 7, 30, 0 }, "POSIX gap" },
        { "EST5EDT,M3.2.0,M11.1.0", { 2024, 11, 3, 1, 30, 0 }, { 2024, 11, 3, 5, 30, 0 }, "POSIX fold" },
        { "EST5EDT,M3.2.0,M11.1.0", { 1850, 11, 3, 1, 30, 0 }, { 1850, 11, 3, 5, 30, 0 }, "POSIX fold, 1850" },
};

static void test_from_local(void) {
        for (size_t i = 0; i < ELEMENTSOF(local_rows); i++) {
                _cleanup_(tz_freep) Tz *tz = NULL;
                char a[64], b[64], c[64];
                int64_t l = civil(local_rows[i].local), want = civil(local_rows[i].utc), got;

                if (tz_load(local_rows[i].zone, &tz) < 0) {
                        ok(false, "load %s", local_rows[i].zone);
                        continue;
                }
                got = tz_from_local(tz, l);
                if (!ok(got == want, "%s local %s → %sZ (%s)", local_rows[i].zone, fmt_civil(l, a), fmt_civil(want, b),
                   local_rows[i].why))
                        diag("got %sZ", fmt_civil(got, c));
        }
}

/* ---- glibc as the oracle ---- */

static bool glibc_matches(const Tz *tz, int64_t t, unsigned *mismatches) {
        struct tm tm;
        time_t tt = (time_t) t;

        if (!localtime_r(&tt, &tm))
                return true;    /* out of glibc's range; nothing to compare */
        if (tm.tm_gmtoff == tz_offset(tz, t) && streq(tm.tm_zone, tz_abbrev(tz, t)))
                return true;
        if ((*mismatches)++ < 5) {
                char buf[64];
                diag("at %sZ (%" PRId64 "): glibc %ld %s, we %d %s", fmt_civil(t, buf), t, tm.tm_gmtoff, tm.tm_zone,
                     tz_offset(tz, t), tz_abbrev(tz, t));
        }
        return false;
}

static void test_glibc(const char *zone, int64_t from_year) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        int64_t lo = days_from_civil(from_year, 1, 1) * 86400, hi = days_from_civil(2100, 12, 31) * 86400;
        int64_t wlo = days_from_civil(MAX(from_year, -9999), 1, 1) * 86400, whi = days_from_civil(9999, 12, 31) * 86400;
        unsigned mismatches = 0, n = 0;

        if (tz_load(zone, &tz) < 0) {
                ok(false, "load %s", zone);
                return;
        }
        setenv("TZ", zone, 1);
        tzset();

        /* Dense where the data is, sparse out to ±10000 years where the rule or LMT rules. */
        for (unsigned i = 0; i < 20000; i++, n++)
                glibc_matches(tz, rng_range(lo, hi), &mismatches);
        for (unsigned i = 0; i < 2000; i++, n++)
                glibc_matches(tz, rng_range(wlo, whi), &mismatches);
        /* Both sides of every transition in the sampled range. */
        for (int64_t t = lo, x; t < hi; t = x) {
                int32_t o = tz_offset(tz, t);
                /* Step by days to find the next change, then bisect to the second. */
                x = t + 86400;
                while (x < hi && tz_offset(tz, x) == o)
                        x += 86400;
                if (x >= hi)
                        break;
                for (int64_t a = x - 86400, b = x; b - a > 1;) {
                        int64_t mid = a + (b - a) / 2;
                        if (tz_offset(tz, mid) == o)
                                a = mid;
                        else
                                b = mid;
                        x = b;
                }
                glibc_matches(tz, x - 1, &mismatches);
                glibc_matches(tz, x, &mismatches);
                n += 2;
        }
        unsetenv("TZ");
        tzset();

        ok(mismatches == 0, "%s: offset and abbreviation equal glibc's at %u instants", zone, n);
}

/* Every instant maps back to itself or to an earlier instant with the same wall clock (a
 * fold); every local time resolves to an instant showing it, or a later one (a gap). */
static void test_round_trip(const char *zone) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        int64_t lo = days_from_civil(1900, 1, 1) * 86400, hi = days_from_civil(2200, 1, 1) * 86400;
        unsigned bad = 0;

        if (tz_load(zone, &tz) < 0) {
                ok(false, "load %s", zone);
                return;
        }
        for (unsigned i = 0; i < 20000; i++) {
                int64_t t = rng_range(lo, hi), l = tz_to_local(tz, t), r = tz_from_local(tz, l);
                int64_t l2 = rng_range(lo, hi), r2 = tz_from_local(tz, l2), shown = tz_to_local(tz, r2);

                if (tz_to_local(tz, r) != l || r > t || (r < t && tz_offset(tz, r) <= tz_offset(tz, t)))
                        bad++;
                /* In a gap, what is shown is later by exactly the jump. */
                if (shown < l2 || (shown > l2 && shown - l2 != tz_offset(tz, r2) - tz_offset(tz, r2 - (shown - l2) - 1)))
                        bad++;
                if (bad > 0 && bad < 3)
                        diag("t=%" PRId64 " l=%" PRId64 " r=%" PRId64 " l2=%" PRId64 " r2=%" PRId64, t, l, r, l2, r2);
        }
        ok(bad == 0, "%s: tz_from_local(tz_to_local(t)) is t or its earlier twin; gaps move forward", zone);
}

/* ---- civil dates ---- */

static void test_civil(void) {
        static const struct {
                int64_t y;
                unsigned m, d;
                int64_t days;
                int weekday;
        } rows[] = {
                { 1970, 1, 1, 0, 3 },
                { 1969, 12, 31, -1, 2 },
                { 2000, 2, 29, 11016, 1 },
                { 2000, 3, 1, 11017, 2 },
                { 1900, 3, 1, -25508, 3 },
                { 2026, 11, 24, 20781, 1 },             /* a Tuesday */
                { 2100, 2, 28, 47540, 6 },
                { 2100, 3, 1, 47541, 0 },               /* 2100 is no leap year */
                { -4713, 11, 24, -2440588, 0 },         /* Julian day 0, proleptic Gregorian */
                { 0, 3, 1, -719468, 2 },
                { 10000, 1, 1, 2932897, 5 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                int64_t y;
                unsigned m, d;

                civil_from_days(rows[i].days, &y, &m, &d);
                if (!ok(days_from_civil(rows[i].y, rows[i].m, rows[i].d) == rows[i].days && y == rows[i].y &&
                   m == rows[i].m && d == rows[i].d && weekday_from_days(rows[i].days) == rows[i].weekday,
                   "%04" PRId64 "-%02u-%02u is day %" PRId64 ", weekday %d", rows[i].y, rows[i].m, rows[i].d,
                   rows[i].days, rows[i].weekday))
                        diag("got day %" PRId64 " → %" PRId64 "-%u-%u weekday %d",
                             days_from_civil(rows[i].y, rows[i].m, rows[i].d), y, m, d,
                             weekday_from_days(rows[i].days));
        }

        /* Every day of ±30000 years follows the one before it. */
        {
                int64_t py;
                unsigned pm, pd, bad = 0;
                static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

                civil_from_days(-11000000 - 1, &py, &pm, &pd);
                for (int64_t day = -11000000; day <= 11000000; day++) {
                        int64_t y;
                        unsigned m, d, len = mdays[pm - 1] + (pm == 2 && py % 4 == 0 && (py % 100 != 0 || py % 400 == 0));

                        civil_from_days(day, &y, &m, &d);
                        if (!(pd < len ? (y == py && m == pm && d == pd + 1)
                                       : pm < 12 ? (y == py && m == pm + 1 && d == 1) : (y == py + 1 && m == 1 && d == 1)) ||
                            days_from_civil(y, m, d) != day)
                                bad++;
                        py = y, pm = m, pd = d;
                }
                ok(bad == 0, "civil_from_days and days_from_civil agree day by day over ±30000 years");
        }

        /* Far out, round trips still hold and nothing overflows (UBSan watches). */
        {
                unsigned bad = 0;
                for (unsigned i = 0; i < 100000; i++) {
                        int64_t day = (int64_t) (rng() >> 18) - (INT64_C(1) << 45), y;
                        unsigned m, d;
                        civil_from_days(day, &y, &m, &d);
                        if (days_from_civil(y, m, d) != day || m < 1 || m > 12 || d < 1 || d > 31)
                                bad++;
                }
                ok(bad == 0, "round trips for random days within ±2^45");
        }
        {
                int64_t y;
                unsigned m, d;
                civil_from_days(INT64_MAX, &y, &m, &d);
                civil_from_days(INT64_MIN, &y, &m, &d);
                ok(days_from_civil(2024, 13, 1) == days_from_civil(2025, 1, 1) &&
                   days_from_civil(2024, 0, 1) == days_from_civil(2023, 12, 1) &&
                   days_from_civil(2024, 2, 30) == days_from_civil(2024, 3, 1),
                   "months and days outside their range carry over");
        }
        is_int(local_day(-1), -1, "local_day(-1) is the day before the epoch");
        is_int(local_day(86399), 0, "local_day(86399) is the epoch's day");
}

/* ---- loading ---- */

static void test_fixed(void) {
        _cleanup_(tz_freep) Tz *a = NULL, *b = NULL, *c = NULL;
        Tz *d = NULL;

        ok(tz_new_fixed(19800, NULL, &a) == 0 && tz_offset(a, 0) == 19800 && streq(tz_abbrev(a, 0), "+0530") &&
           streq(tz_name(a), "+0530"), "fixed +05:30 is named +0530");
        ok(tz_new_fixed(-10800, NULL, &b) == 0 && streq(tz_abbrev(b, INT64_MAX), "-03") &&
           tz_from_local(b, 0) == 10800, "fixed -03 maps local midnight to 03:00Z");
        ok(tz_new_fixed(3600, "XYZ", &c) == 0 && streq(tz_name(c), "XYZ") && tz_offset(c, INT64_MIN) == 3600,
           "fixed with an abbreviation");
        is_int(tz_new_fixed(100000, NULL, &d), -EINVAL, "fixed offset beyond ±26 h refused");
        ok(tz_free(NULL) == NULL, "tz_free(NULL)");
}

static void test_env(void) {
        static const struct {
                const char *tz;         /* NULL: unset */
                const char *name;       /* what tz_load(NULL) should yield; NULL: any */
                int32_t offset;         /* in July 2024; 1: don't care */
        } rows[] = {
                { ":America/New_York", "America/New_York", -14400 },
                { "Europe/Berlin", "Europe/Berlin", 7200 },
                { "EST5EDT,M3.2.0,M11.1.0", "EST5EDT,M3.2.0,M11.1.0", -14400 },
                { "<+0530>-5:30", "<+0530>-5:30", 19800 },
                { "", NULL, 1 },                /* /etc/localtime or UTC */
                { NULL, NULL, 1 },
        };
        int64_t july = civil((Civil) { 2024, 7, 1, 12, 0, 0 });

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(tz_freep) Tz *tz = NULL, *tz2 = NULL;
                int r;

                if (rows[i].tz)
                        setenv("TZ", rows[i].tz, 1);
                else
                        unsetenv("TZ");
                r = tz_load(NULL, &tz);
                ok(r == 0 && tz_load("", &tz2) == 0 && (!rows[i].name || streq(tz_name(tz), rows[i].name)) &&
                   (rows[i].offset == 1 || tz_offset(tz, july) == rows[i].offset) &&
                   tz_offset(tz2, july) == tz_offset(tz, july),
                   "TZ=%s%s%s → %s", rows[i].tz ? "'" : "", rows[i].tz ?: "(unset)", rows[i].tz ? "'" : "",
                   rows[i].name ?: r == 0 ? tz_name(tz) : "?");
        }
        unsetenv("TZ");
}

static void test_tzdir(void) {
        _cleanup_(tz_freep) Tz *tz = NULL, *tz2 = NULL;
        char dir[256], path[300];
        static uint8_t buf[65536];
        size_t size;

        snprintf(dir, sizeof(dir), "%s/My", tmpdir);
        snprintf(path, sizeof(path), "%s/Zone", dir);
        if (mkdir(dir, 0755) < 0 || read_whole("/usr/share/zoneinfo/Europe/Berlin", buf, sizeof(buf), &size) < 0 ||
            write_file(path, buf, size) < 0) {
                ok(false, "setting up $TZDIR");
                return;
        }
        setenv("TZDIR", tmpdir, 1);
        ok(tz_load("My/Zone", &tz) == 0 && streq(tz_name(tz), "My/Zone") &&
           tz_offset(tz, civil((Civil) { 2024, 7, 1, 0, 0, 0 })) == 7200 &&
           tz_load("Europe/Berlin", &tz2) == -ENOENT,
           "$TZDIR is where names are looked up");
        unsetenv("TZDIR");
        ok(tz_load(path, &tz2) == 0 && streq(tz_name(tz2), path), "an absolute path is loaded as it is");
}

static void test_errors(void) {
        static const struct {
                const char *name;
                int error;
        } rows[] = {
                { "Nowhere/Atlantis", -ENOENT },
                { "Atlantis", -ENOENT },
                { "America", -ENOENT },                 /* a directory */
                { "Europe/Berlin/", -ENOENT },
                { "/nonexistent/zone", -ENOENT },
                { "Etc/GMT+99", -ENOENT },
                { "../../etc/passwd", -EINVAL },
                { "Europe/../UTC", -EINVAL },
                { "Europe/..", -EINVAL },
                { "/usr/share/zoneinfo/../zoneinfo/UTC", -EINVAL },
                { ":../UTC", -EINVAL },
                { "EST5EDT,M13.1.0,M11.1.0", -EBADMSG },
                { "EST5EDT,M3.2.0", -EBADMSG },
                { "EST5EDT,M3.6.0,M11.1.0", -EBADMSG },
                { "EST5EDT,M3.2.7,M11.1.0", -EBADMSG },
                { "EST5EDT,J0,J100", -EBADMSG },
                { "EST5EDT,J1,366", -EBADMSG },
                { "EST5EDT,M3.2.0/168,M11.1.0", -EBADMSG },
                { "EST25", -EBADMSG },
                { "EST5:60", -EBADMSG },
                { "EST5EDT,M3.2.0,M11.1.0x", -EBADMSG },
                { "<+05", -EBADMSG },
                { "<+5>-5", -EBADMSG },
                { "AB5", -EBADMSG },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Tz *tz = NULL;
                int r = tz_load(rows[i].name, &tz);

                is_int(r, rows[i].error, "'%s' is refused: %s", rows[i].name, strerror(-rows[i].error));
                ok(!tz || r == 0, "'%s': no zone is returned on failure", rows[i].name);
                tz_free(tz);
        }
}

/* ---- damaged and hand-made TZif files ---- */

typedef struct TzifSpec {
        char version;
        uint32_t n_times, n_types, n_chars;     /* as written in the header */
        int64_t times[4];
        uint8_t idx[4];
        struct {
                int32_t offset;
                uint8_t dst, abbrev;
        } types[4];
        const char *chars;
        const char *footer;
} TzifSpec;

static uint8_t *put32(uint8_t *p, uint32_t v) {
        *p++ = v >> 24, *p++ = v >> 16, *p++ = v >> 8, *p++ = v;
        return p;
}

static size_t tzif_build(const TzifSpec *s, uint8_t *buf) {
        uint8_t *p = buf;

        for (int pass = 0; pass < (s->version ? 2 : 1); pass++) {
                memcpy(p, "TZif", 4);
                p[4] = s->version;
                memset(p + 5, 0, 15);
                p += 20;
                p = put32(p, 0);
                p = put32(p, 0);
                p = put32(p, 0);
                p = put32(p, s->n_times);
                p = put32(p, s->n_types);
                p = put32(p, s->n_chars);
                for (size_t i = 0; i < MIN(s->n_times, 4u); i++) {
                        if (pass == 1)
                                p = put32(p, (uint64_t) s->times[i] >> 32);
                        p = put32(p, (uint32_t) s->times[i]);
                }
                for (size_t i = 0; i < MIN(s->n_times, 4u); i++)
                        *p++ = s->idx[i];
                for (size_t i = 0; i < MIN(s->n_types, 4u); i++) {
                        p = put32(p, (uint32_t) s->types[i].offset);
                        *p++ = s->types[i].dst;
                        *p++ = s->types[i].abbrev;
                }
                /* The header may claim more than is written: that is some of the damage. */
                memcpy(p, s->chars, MIN(s->n_chars, 8u));
                p += MIN(s->n_chars, 8u);
        }
        if (s->version) {
                *p++ = '\n';
                memcpy(p, s->footer, strlen(s->footer));
                p += strlen(s->footer);
                *p++ = '\n';
        }
        return (size_t) (p - buf);
}

/* A New York in miniature: LMT until 1883, then EST, then the footer. */
static const TzifSpec tzif_good = {
        .version = '2',
        .n_times = 1, .n_types = 2, .n_chars = 8,
        .times = { -2717650800 },
        .idx = { 1 },
        .types = { { -17762, 0, 0 }, { -18000, 0, 4 } },
        .chars = "LMT\0EST",
        .footer = "EST5EDT,M3.2.0,M11.1.0",
};

static int load_spec(const TzifSpec *s, Tz **ret) {
        static uint8_t buf[4096];
        char path[300];
        size_t size = tzif_build(s, buf);

        snprintf(path, sizeof(path), "%s/spec", tmpdir);
        if (write_file(path, buf, size) < 0)
                return -EIO;
        return tz_load(path, ret);
}

/* Applies the i-th kind of damage and says what it was; NULL past the last. */
static const char *damage(unsigned i, TzifSpec *s) {
        switch (i) {
        case 0: s->idx[0] = 2; return "type index out of range";
        case 1: s->types[1].abbrev = 8; return "abbreviation index out of range";
        case 2: s->chars = "LMT\0ESTX"; return "abbreviation without its NUL";
        case 3: s->types[0].dst = 2; return "isdst not 0 or 1";
        case 4: s->types[0].offset = INT32_MIN; return "offset INT32_MIN";
        case 5: s->types[0].offset = 26 * 3600; return "offset beyond 26 h";
        case 6: s->n_types = 0; return "no types";
        case 7: s->n_chars = 0; return "no abbreviation bytes";
        case 8: s->n_times = 2; s->times[1] = s->times[0]; return "transitions out of order";
        case 9: s->n_times = 0x7fffffff; return "timecnt past the end";
        case 10: s->n_types = 200; return "typecnt past the end";
        case 11: s->n_chars = 0xffffffff; return "charcnt past the end";
        case 12: s->footer = "garbage!"; return "bad footer";
        case 13: s->footer = "EST5EDT,M3.2.0,M11.9.0"; return "footer with a bad rule";
        case 14: s->version = '1'; return "version byte '1'";
        default: return NULL;
        }
}

static void test_tzif_specs(void) {
        int64_t july = civil((Civil) { 2024, 7, 1, 0, 0, 0 }), old = civil((Civil) { 1800, 1, 1, 0, 0, 0 });
        TzifSpec s;

        {
                _cleanup_(tz_freep) Tz *tz = NULL;
                ok(load_spec(&tzif_good, &tz) == 0 && tz_offset(tz, old) == -17762 && streq(tz_abbrev(tz, old), "LMT") &&
                   tz_offset(tz, july) == -14400 && streq(tz_abbrev(tz, july), "EDT") &&
                   tz_offset(tz, civil((Civil) { 1900, 7, 1, 0, 0, 0 })) == -14400,
                   "hand-made TZif: LMT before the first transition, the footer after it");
        }
        {
                _cleanup_(tz_freep) Tz *tz = NULL;
                s = tzif_good;
                s.version = 0;
                ok(load_spec(&s, &tz) == 0 && tz_offset(tz, july) == -18000,
                   "version 1 TZif: the last type stays in force");
        }
        {
                _cleanup_(tz_freep) Tz *tz = NULL;
                s = tzif_good;
                s.footer = "";
                ok(load_spec(&s, &tz) == 0 && tz_offset(tz, july) == -18000,
                   "empty footer: the last type stays in force");
        }
        {
                _cleanup_(tz_freep) Tz *tz = NULL;
                s = tzif_good;
                s.n_times = 0;
                ok(load_spec(&s, &tz) == 0 && tz_offset(tz, july) == -14400 && tz_offset(tz, old) == -18000,
                   "no transitions: the footer governs all time (RFC 8536 3.2)");
        }
        {
                _cleanup_(tz_freep) Tz *tz = NULL;
                s = tzif_good;
                s.version = '4';
                ok(load_spec(&s, &tz) == 0, "version 4 is read like 2 and 3");
        }

        for (unsigned i = 0;; i++) {
                Tz *tz = NULL;
                const char *what;

                s = tzif_good;
                what = damage(i, &s);
                if (!what)
                        break;
                is_int(load_spec(&s, &tz), -EBADMSG, "damaged TZif refused: %s", what);
                tz_free(tz);
        }
}

static void test_damaged_files(void) {
        static uint8_t orig[65536], buf[65536];
        char path[300];
        size_t size;
        unsigned wrong = 0, loaded = 0, n = 0;

        snprintf(path, sizeof(path), "%s/damaged", tmpdir);
        if (read_whole("/usr/share/zoneinfo/America/Santiago", orig, sizeof(orig), &size) < 0) {
                ok(false, "reading America/Santiago");
                return;
        }

        /* Every truncation loses something the file promised. */
        for (size_t len = 0; len < size; len++) {
                Tz *tz = NULL;
                int r;

                write_file(path, orig, len);
                r = tz_load(path, &tz);
                if (r != -EBADMSG) {
                        if (wrong++ < 3)
                                diag("truncated to %zu bytes: %d", len, r);
                }
                tz_free(tz);
        }
        ok(wrong == 0, "all %zu truncations of America/Santiago are refused with -EBADMSG", size);

        /* Random damage either loads or is refused, and never reads astray (ASan watches). */
        wrong = 0;
        for (unsigned i = 0; i < 3000; i++, n++) {
                _cleanup_(tz_freep) Tz *tz = NULL;
                unsigned k = 1 + rng() % 4;
                int r;

                memcpy(buf, orig, size);
                for (unsigned j = 0; j < k; j++) {
                        size_t at = rng() % size;
                        buf[at] = (i & 1) ? (uint8_t) rng() : buf[at] ^ (uint8_t) (1u << (rng() % 8));
                }
                write_file(path, buf, size);
                r = tz_load(path, &tz);
                if (r == 0) {
                        loaded++;
                        for (unsigned j = 0; j < 50; j++) {
                                int64_t t = (int64_t) rng();
                                int32_t o = tz_offset(tz, t);
                                (void) tz_abbrev(tz, t);
                                (void) tz_from_local(tz, t);
                                if (o < -93599 || o > 93599)
                                        wrong++;
                        }
                } else if (r != -EBADMSG)
                        wrong++;
        }
        ok(wrong == 0, "%u randomly damaged copies: %u loaded, the rest refused with -EBADMSG", n, loaded);
}

static void test_extremes(void) {
        _cleanup_(tz_freep) Tz *berlin = NULL, *posix = NULL;
        static const int64_t ts[] = { INT64_MIN, INT64_MIN + 1, -(INT64_C(1) << 60), -1, 0, INT64_C(1) << 60,
                                      INT64_MAX - 1, INT64_MAX };
        bool good = true;

        if (tz_load("Europe/Berlin", &berlin) < 0 || tz_load("CET-1CEST,M3.5.0,M10.5.0/3", &posix) < 0) {
                ok(false, "loading");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(ts); i++) {
                int32_t a = tz_offset(berlin, ts[i]), b = tz_offset(posix, ts[i]);
                (void) tz_from_local(berlin, ts[i]);
                (void) tz_from_local(posix, ts[i]);
                if ((ts[i] < 0 && ts[i] < -(INT64_C(1) << 40) && a != 3208) || (a != 3208 && a != 3600 && a != 7200) ||
                    (b != 3600 && b != 7200))
                        good = false;
        }
        ok(good, "instants at the ends of int64 give sane offsets without overflow");
}

/* Not a pass/fail case: a figure for the engine's budget, meaningful only without sanitizers. */
static void bench(const char *zone) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        struct timespec a, b, c;
        int64_t lo = civil((Civil) { 2020, 1, 1, 0, 0, 0 }), sum = 0;
        enum { N = 1000000 };

        if (tz_load(zone, &tz) < 0)
                return;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (unsigned i = 0; i < N; i++)
                sum += tz_offset(tz, lo + (int64_t) i * 631);   /* ~20 years in steps */
        clock_gettime(CLOCK_MONOTONIC, &b);
        for (unsigned i = 0; i < N; i++)
                sum += tz_from_local(tz, lo + (int64_t) i * 631);
        clock_gettime(CLOCK_MONOTONIC, &c);
        diag("%s: tz_offset %.0f ns/call, tz_from_local %.0f ns/call (checksum %" PRId64 ")", zone,
             ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N,
             ((c.tv_sec - b.tv_sec) * 1e9 + (c.tv_nsec - b.tv_nsec)) / N, sum);
}

int main(void) {
        char path[300];
        bool quick = getenv("TEST_TZ_QUICK");   /* fewer glibc samples, for valgrind */

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        unsetenv("TZDIR");
        unsetenv("TZ");

        test_civil();
        test_offsets();
        test_from_local();
        for (size_t i = 0; i < ELEMENTSOF(zones); i++) {
                test_glibc(zones[i], quick ? 2000 : 1900);
                test_round_trip(zones[i]);
        }
        /* glibc computes POSIX rules only from 1970 on. */
        test_glibc("EST5EDT,M3.2.0,M11.1.0", 1970);
        test_glibc("<-04>4<-03>,M9.1.6/24,M4.1.6/24", 1970);
        test_glibc("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 1970);
        test_round_trip("<-04>4<-03>,M9.1.6/24,M4.1.6/24");
        test_fixed();
        test_env();
        test_tzdir();
        test_errors();
        test_tzif_specs();
        test_damaged_files();
        test_extremes();
        for (size_t i = 0; i < ELEMENTSOF(zones); i++)
                bench(zones[i]);

        snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
        (void) system(path);
        return tap_done();
}
