/* SPDX-License-Identifier: MIT */
/* tz.c: TZif (RFC 8536) and POSIX TZ rule reading, offset lookups and civil-date arithmetic. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "macro.h"
#include "tz-internal.h"

#ifndef TZDIR_DEFAULT
#define TZDIR_DEFAULT "/usr/share/zoneinfo"
#endif

typedef struct TzType {
        int32_t offset;
        bool dst;
        const char *abbrev;
} TzType;

struct Tz {
        char *name;

        /* File transitions, then the rule's transitions up to TZ_TABLE_LAST_YEAR; strictly
         * increasing. idx[i] is the type in force from times[i] on. */
        int64_t *times;
        uint16_t *idx;
        size_t n_times;

        TzType *types;
        size_t n_types;
        size_t type_before;     /* in force before times[0] unless rule_before */
        char *chars;            /* the file's abbreviations */

        bool has_rule;
        TzRule rule;
        bool rule_before;       /* a rule-only zone: the rule also governs before times[0] */
        int64_t rule_after;     /* from here on the rule is computed on the fly */
};

/* ---- building zones ---- */

Tz *tz_free(Tz *tz) {
        if (!tz)
                return NULL;
        free(tz->name);
        free(tz->times);
        free(tz->idx);
        free(tz->types);
        free(tz->chars);
        free(tz);
        return NULL;
}

const char *tz_name(const Tz *tz) {
        return tz ? tz->name : NULL;
}

/* Appends the rule's types and its changes after `after` up to TZ_TABLE_LAST_YEAR to a zone
 * whose file part (times, idx, types) is filled in; the arrays must have room. */
static void tz_tabulate_rule(Tz *tz, int64_t after, int64_t first_year) {
        size_t std = tz->n_types, dst = tz->n_types + 1;

        tz->types[std] = (TzType) { tz->rule.std_offset, false, tz->rule.std_abbrev };
        tz->types[dst] = (TzType) { tz->rule.dst_offset, true, tz->rule.dst_abbrev };
        tz->n_types += 2;

        if (tz->rule.has_dst)
                for (int64_t y = first_year; y <= TZ_TABLE_LAST_YEAR; y++) {
                        RuleEvent ev[2];

                        rule_year(&tz->rule, y, ev);
                        for (size_t i = 0; i < 2; i++) {
                                if (ev[i].at <= after)
                                        continue;
                                /* A change at or before an earlier-listed one overrides it, as
                                 * in rule_dst_at(); keeps the table strictly increasing. */
                                while (tz->n_times > 0 && tz->times[tz->n_times - 1] >= ev[i].at &&
                                       tz->times[tz->n_times - 1] > after)
                                        tz->n_times--;
                                tz->times[tz->n_times] = ev[i].at;
                                tz->idx[tz->n_times] = (uint16_t) (ev[i].dst ? dst : std);
                                tz->n_times++;
                        }
                }

        tz->rule_after = MAX(sat_add(after, 1), days_from_civil(TZ_TABLE_LAST_YEAR, 7, 1) * 86400);
}

static size_t table_room(int64_t first_year) {
        return first_year > TZ_TABLE_LAST_YEAR ? 0 : 2 * (size_t) (TZ_TABLE_LAST_YEAR - first_year + 1);
}

/* A zone governed by a rule alone: a POSIX string, a fixed offset, or a TZif file without
 * transitions but with a footer. */
static int tz_new_rule(const char *name, const TzRule *rule, Tz **ret) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        size_t room = table_room(TZ_TABLE_FIRST_YEAR);

        tz = calloc(1, sizeof(Tz));
        if (!tz)
                return -ENOMEM;
        tz->name = strdup(name);
        tz->types = calloc(2, sizeof(TzType));
        tz->times = calloc(room, sizeof(int64_t));
        tz->idx = calloc(room, sizeof(uint16_t));
        if (!tz->name || !tz->types || !tz->times || !tz->idx)
                return -ENOMEM;

        tz->rule = *rule;
        tz->has_rule = true;
        tz->rule_before = true;
        tz_tabulate_rule(tz, INT64_MIN, TZ_TABLE_FIRST_YEAR);

        *ret = TAKE_PTR(tz);
        return 0;
}

int tz_new_fixed(int32_t offset, const char *abbrev, Tz **ret) {
        TzRule rule = {};
        int32_t a;

        if (offset < -TZ_OFFSET_MAX || offset > TZ_OFFSET_MAX)
                return -EINVAL;

        if (abbrev) {
                if (*abbrev == '\0' || strlen(abbrev) > TZ_ABBREV_MAX)
                        return -EINVAL;
                strcpy(rule.std_abbrev, abbrev);
        } else {
                /* The form tzdata uses for zones without a letter abbreviation: +0530, -03. */
                a = offset < 0 ? -offset : offset;
                if (a % 3600 == 0)
                        snprintf(rule.std_abbrev, sizeof(rule.std_abbrev), "%c%02d", offset < 0 ? '-' : '+',
                                 a / 3600);
                else
                        snprintf(rule.std_abbrev, sizeof(rule.std_abbrev), "%c%02d%02d",
                                 offset < 0 ? '-' : '+',
                                 a / 3600, a / 60 % 60);
        }
        rule.std_offset = rule.dst_offset = offset;

        return tz_new_rule(rule.std_abbrev, &rule, ret);
}

/* ---- TZif ---- */

typedef struct TzifHeader {
        uint8_t version;
        uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} TzifHeader;

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int64_t be_time(const uint8_t *p, size_t size) {
        if (size == 4)
                return (int32_t) be32(p);
        return (int64_t) ((uint64_t) be32(p) << 32 | be32(p + 4));
}

static int tzif_header(const uint8_t *p, size_t size, TzifHeader *ret) {
        if (size < 44 || memcmp(p, "TZif", 4) != 0)
                return -EBADMSG;
        *ret = (TzifHeader) {
                .version = p[4],
                .isutcnt = be32(p + 20),
                .isstdcnt = be32(p + 24),
                .leapcnt = be32(p + 28),
                .timecnt = be32(p + 32),
                .typecnt = be32(p + 36),
                .charcnt = be32(p + 40),
        };
        /* RFC 8536 §3.1: at least one type and one abbreviation byte; a type index is a byte;
         * the indicator arrays are either absent or one entry per type. */
        if (ret->typecnt == 0 || ret->typecnt > 256 || ret->charcnt == 0 ||
            (ret->isutcnt != 0 && ret->isutcnt != ret->typecnt) ||
            (ret->isstdcnt != 0 && ret->isstdcnt != ret->typecnt))
                return -EBADMSG;
        return 0;
}

static uint64_t tzif_body_size(const TzifHeader *h, size_t timesize) {
        /* Every count is below 2^32, so this sum cannot overflow 64 bits. */
        return (uint64_t) h->timecnt * (timesize + 1) + (uint64_t) h->typecnt * 6 + h->charcnt +
               (uint64_t) h->leapcnt * (timesize + 4) + h->isstdcnt + h->isutcnt;
}

/* Parses a TZif file held in memory; only its own bytes are ever read. */
static int tz_parse_tzif(const char *name, const uint8_t *data, size_t size, Tz **ret) {
        _cleanup_(tz_freep) Tz *tz = NULL;
        _cleanup_free_ char *footer = NULL;
        TzifHeader h;
        const uint8_t *p, *times, *idx, *types, *chars, *leaps, *isstd, *isut;
        size_t timesize = 4, off, room = 0;
        int64_t first_year = 0;
        int r;

        r = tzif_header(data, size, &h);
        if (r < 0)
                return r;
        if (h.version != 0 && h.version < '2')
                return -EBADMSG;
        off = 44;

        if (h.version != 0) {
                /* Version 2+: skip the 32-bit body; the 64-bit one after it is what counts. */
                if (tzif_body_size(&h, 4) > size - off)
                        return -EBADMSG;
                off += tzif_body_size(&h, 4);
                r = tzif_header(data + off, size - off, &h);
                if (r < 0)
                        return r;
                off += 44;
                timesize = 8;
        }
        if (tzif_body_size(&h, timesize) > size - off)
                return -EBADMSG;

        p = data + off;
        times = p;
        idx = times + (size_t) h.timecnt * timesize;
        types = idx + h.timecnt;
        chars = types + (size_t) h.typecnt * 6;
        leaps = chars + h.charcnt;
        isstd = leaps + (size_t) h.leapcnt * (timesize + 4);
        isut = isstd + h.isstdcnt;
        off += tzif_body_size(&h, timesize);

        if (timesize == 8) {
                /* The footer: a newline, a POSIX TZ string (maybe empty), a newline. */
                const uint8_t *nl;

                if (off >= size || data[off] != '\n')
                        return -EBADMSG;
                off++;
                nl = memchr(data + off, '\n', size - off);
                if (!nl || memchr(data + off, '\0', nl - (data + off)))
                        return -EBADMSG;
                footer = strndup((const char *) data + off, nl - (data + off));
                if (!footer)
                        return -ENOMEM;
        }

        tz = calloc(1, sizeof(Tz));
        if (!tz)
                return -ENOMEM;
        tz->rule_after = INT64_MAX;
        tz->name = strdup(name);
        if (!tz->name)
                return -ENOMEM;

        if (footer && *footer) {
                r = parse_posix(footer, &tz->rule);
                if (r < 0)
                        return r;
                tz->has_rule = true;
        }

        /* Types, then two more for the rule. */
        tz->chars = malloc((size_t) h.charcnt + 1);
        tz->types = calloc(h.typecnt + 2, sizeof(TzType));
        if (!tz->chars || !tz->types)
                return -ENOMEM;
        memcpy(tz->chars, chars, h.charcnt);
        tz->chars[h.charcnt] = '\0';
        for (size_t i = 0; i < h.typecnt; i++) {
                const uint8_t *t = types + i * 6;
                int32_t utoff = (int32_t) be32(t);

                if (utoff < -TZ_OFFSET_MAX || utoff > TZ_OFFSET_MAX || t[4] > 1 || t[5] >= h.charcnt ||
                    !memchr(chars + t[5], '\0', h.charcnt - t[5]))
                        return -EBADMSG;
                tz->types[i] = (TzType) { utoff, t[4], tz->chars + t[5] };
        }
        tz->n_types = h.typecnt;
        for (size_t i = 0; i < h.isstdcnt; i++)
                if (isstd[i] > 1 || (h.isutcnt > 0 && isut[i] > isstd[i]))
                        return -EBADMSG;
        for (size_t i = 0; i < h.isutcnt; i++)
                if (isut[i] > 1)
                        return -EBADMSG;

        if (h.timecnt == 0 && tz->has_rule) {
                /* RFC 8536 §3.2: without transitions the footer governs all time. */
                TzRule rule = tz->rule;
                return tz_new_rule(name, &rule, ret);
        }

        if (tz->has_rule && h.timecnt > 0) {
                int64_t last = be_time(times + (size_t) (h.timecnt - 1) * timesize, timesize);
                first_year = MAX(year_of(last) - 1, TZ_TABLE_FIRST_YEAR);
                room = table_room(first_year);
        }
        tz->times = calloc((size_t) h.timecnt + room + 1, sizeof(int64_t));
        tz->idx = calloc((size_t) h.timecnt + room + 1, sizeof(uint16_t));
        if (!tz->times || !tz->idx)
                return -ENOMEM;

        for (size_t i = 0; i < h.timecnt; i++) {
                int64_t t = be_time(times + i * timesize, timesize);

                /* "right/" zones count leap seconds in their time stamps; we work in POSIX time,
                 * so take off the correction in force at each. */
                for (size_t j = h.leapcnt; j > 0; j--) {
                        const uint8_t *l = leaps + (j - 1) * (timesize + 4);

                        if (be_time(l, timesize) <= t) {
                                t = sat_sub(t, (int32_t) be32(l + timesize));
                                break;
                        }
                }
                if (i > 0 && t <= tz->times[i - 1])
                        return -EBADMSG;
                if (idx[i] >= h.typecnt)
                        return -EBADMSG;
                tz->times[i] = t;
                tz->idx[i] = idx[i];
        }
        tz->n_times = h.timecnt;
        for (size_t j = 1; j < h.leapcnt; j++)
                if (be_time(leaps + j * (timesize + 4), timesize) <=
                    be_time(leaps + (j - 1) * (timesize + 4), timesize))
                        return -EBADMSG;

        /* Before the first transition: the first standard-time type, as glibc and tzcode do
         * (for files zic writes, that is type 0 as RFC 8536 says). */
        tz->type_before = 0;
        for (size_t i = 0; i < h.typecnt; i++)
                if (!tz->types[i].dst) {
                        tz->type_before = i;
                        break;
                }

        if (tz->has_rule)
                tz_tabulate_rule(tz, tz->times[tz->n_times - 1], first_year);

        *ret = TAKE_PTR(tz);
        return 0;
}

static int read_file_max(const char *path, uint8_t **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        size_t n = 0, cap;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG || errno == ELOOP)
                        return -ENOENT;
                return -errno;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -ENOENT;         /* "America" is a directory, not a zone */
        if (st.st_size > TZ_FILE_MAX)
                return -EBADMSG;

        /* One byte more than the file claims, so that growth under us shows as a full buffer. */
        cap = (size_t) st.st_size + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        while (n < cap) {
                ssize_t k = read(fd, buf + n, cap - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        if (n == cap)
                return -EBADMSG;        /* being rewritten; not a file we can trust */

        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static int tz_load_file(const char *path, const char *name, Tz **ret) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        r = read_file_max(path, &data, &size);
        if (r < 0)
                return r;
        return tz_parse_tzif(name, data, size, ret);
}

static int tz_load_localtime(Tz **ret) {
        char target[PATH_MAX];
        const char *name = "/etc/localtime", *z;
        ssize_t n;
        int r;

        /* Name the zone the way the administrator chose it, if /etc/localtime is the usual
         * symlink into the zoneinfo tree. */
        n = readlink("/etc/localtime", target, sizeof(target) - 1);
        if (n > 0) {
                target[n] = '\0';
                z = strstr(target, "zoneinfo/");
                if (z && z[strlen("zoneinfo/")] != '\0')
                        name = z + strlen("zoneinfo/");
        }

        r = tz_load_file("/etc/localtime", name, ret);
        if (r == -ENOENT)
                return tz_new_fixed(0, "UTC", ret);
        return r;
}

static bool has_dotdot(const char *name) {
        for (const char *p = name; p; p = strchr(p, '/')) {
                p += *p == '/';
                if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
                        return true;
        }
        return false;
}

int tz_load(const char *name, Tz **ret) {
        _cleanup_free_ char *path = NULL;
        const char *dir;
        TzRule rule;
        int r;

        if (!name || !*name) {
                name = getenv("TZ");
                if (!name || !*name)
                        return tz_load_localtime(ret);
        }
        if (name[0] == ':')
                name++;
        if (!*name)
                return tz_load_localtime(ret);
        if (has_dotdot(name))
                return -EINVAL;

        if (name[0] == '/')
                return tz_load_file(name, name, ret);

        dir = getenv("TZDIR");
        if (!dir || !*dir)
                dir = TZDIR_DEFAULT;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        r = tz_load_file(path, name, ret);
        if (r != -ENOENT)
                return r;

        r = parse_posix(name, &rule);
        if (r < 0)
                return looks_like_posix(name) ? r : -ENOENT;
        return tz_new_rule(name, &rule, ret);
}

/* ---- lookups ---- */

static void tz_find(const Tz *tz, int64_t t, int32_t *ret_offset, const char **ret_abbrev) {
        const TzType *type;
        size_t lo, hi;

        if ((tz->has_rule && t >= tz->rule_after) ||
            (tz->rule_before && (tz->n_times == 0 || t < tz->times[0]))) {
                bool dst = rule_dst_at(&tz->rule, t);
                *ret_offset = dst ? tz->rule.dst_offset : tz->rule.std_offset;
                *ret_abbrev = dst ? tz->rule.dst_abbrev : tz->rule.std_abbrev;
                return;
        }

        if (tz->n_times == 0 || t < tz->times[0])
                type = &tz->types[tz->type_before];
        else {
                /* The last transition at or before t. */
                lo = 0;
                hi = tz->n_times;
                while (hi - lo > 1) {
                        size_t mid = lo + (hi - lo) / 2;
                        if (tz->times[mid] <= t)
                                lo = mid;
                        else
                                hi = mid;
                }
                type = &tz->types[tz->idx[lo]];
        }
        *ret_offset = type->offset;
        *ret_abbrev = type->abbrev;
}

int32_t tz_offset(const Tz *tz, int64_t t) {
        const char *a;
        int32_t o;

        tz_find(tz, t, &o, &a);
        return o;
}

const char *tz_abbrev(const Tz *tz, int64_t t) {
        const char *a;
        int32_t o;

        tz_find(tz, t, &o, &a);
        return a;
}

/* The first instant after t at which the offset may change. */
bool tz_next_change(const Tz *tz, int64_t t, int64_t *ret) {
        size_t lo, hi;
        int64_t x;

        if (tz->has_rule && t >= tz->rule_after)
                return rule_next(&tz->rule, t, ret);

        if (tz->n_times == 0 || t < tz->times[0]) {
                if (tz->rule_before && rule_next(&tz->rule, t, &x) &&
                    (tz->n_times == 0 || x < tz->times[0])) {
                        *ret = x;
                        return true;
                }
                if (tz->n_times == 0)
                        return false;
                *ret = tz->times[0];
                return true;
        }

        /* The first transition after t. */
        lo = 0;
        hi = tz->n_times;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (tz->times[mid] <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < tz->n_times) {
                *ret = tz->times[lo];
                return true;
        }
        return tz->has_rule && rule_next(&tz->rule, t, ret);
}

int64_t tz_from_local(const Tz *tz, int64_t local) {
        /* Any instant showing `local` lies within the largest offset of it, so the offsets
         * that can matter are those in force somewhere in that window. */
        int64_t lo = sat_sub(local, TZ_OFFSET_MAX), hi = sat_add(local, TZ_OFFSET_MAX), at, best = INT64_MAX;
        int64_t changes[16];
        int32_t offsets[ELEMENTSOF(changes) + 1];
        size_t n = 0;

        offsets[0] = tz_offset(tz, lo);
        at = lo;
        while (n < ELEMENTSOF(changes) && tz_next_change(tz, at, &at) && at <= hi) {
                changes[n] = at;
                offsets[++n] = tz_offset(tz, at);
        }

        /* Every offset that maps some instant onto `local`; the earliest such instant wins,
         * which is the first pass through a repeated hour. */
        for (size_t i = 0; i <= n; i++) {
                int64_t t = sat_sub(local, offsets[i]);
                if (t < best && tz_offset(tz, t) == offsets[i])
                        best = t;
        }
        if (best != INT64_MAX)
                return best;

        /* A gap: the clock jumped over `local` at some change. Read it with the offset from
         * before the jump, which moves it forward by the jump's size. */
        for (size_t i = 0; i < n; i++)
                if (offsets[i + 1] > offsets[i] && sat_add(changes[i], offsets[i]) <= local &&
                    local < sat_add(changes[i], offsets[i + 1]))
                        return sat_sub(local, offsets[i]);

        /* Not reached for a consistent zone; answer something monotonic. */
        return sat_sub(local, offsets[0]);
}
