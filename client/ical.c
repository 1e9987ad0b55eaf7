/* SPDX-License-Identifier: MIT */
/* ical.c: rechargectl export: the schedule's rules as RFC 5545 VEVENTs with RRULEs and a VTIMEZONE. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ical.h"
#include "macro.h"
#include "timeparse.h"

#define ICAL_LINE_OCTETS 75
#define YEAR_SECONDS (366LL * 86400)
/* How far ahead a yearly zone rule is checked against the zone before it is written as RRULE. */
#define TZ_RULE_CHECK_YEARS 12
#define TZ_GROUPS_MAX 4

static const char *const ical_days[] = { "MO", "TU", "WE", "TH", "FR", "SA", "SU" };

void ical_line(FILE *f, const char *line) {
        size_t len = strlen(line), pos = 0, room = ICAL_LINE_OCTETS;

        while (len - pos > room) {
                size_t cut = pos + room;
                /* never split a UTF-8 sequence: back up over continuation bytes */
                while (cut > pos + 1 && ((unsigned char) line[cut] & 0xC0) == 0x80)
                        cut--;
                fwrite(line + pos, 1, cut - pos, f);
                fputs("\r\n ", f);
                pos = cut;
                room = ICAL_LINE_OCTETS - 1;
        }
        fputs(line + pos, f);
        fputs("\r\n", f);
}

static void ical_linef(FILE *f, const char *fmt, ...) _printf_(2, 3);
static void ical_linef(FILE *f, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                /* leaves the stream short; ical_write reports the error through ferror */
                fputs("\r\n", f);
                return;
        }
        ical_line(f, s);
}

char *ical_escape(const char *s) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        if (!f)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p; p++) {
                if (*p == '\\' || *p == ';' || *p == ',')
                        fputc('\\', f), fputc(*p, f);
                else if (*p == '\n')
                        fputs("\\n", f);
                else if (*p < 0x20 || *p == 0x7f)
                        ; /* not allowed in TEXT */
                else
                        fputc(*p, f);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* "20261124T074500" for a local civil time. */
static char *local_stamp(int64_t local, char buf[static 20]) {
        int64_t day = local_day(local), sec = local - day * 86400, y;
        unsigned m, d;

        civil_from_days(day, &y, &m, &d);
        snprintf(buf, 20, "%04" PRId64 "%02u%02uT%02d%02d%02d", y, m, d, (int) (sec / 3600), (int) (sec / 60 % 60),
                 (int) (sec % 60));
        return buf;
}

static char *utc_stamp(int64_t t, char buf[static 21]) {
        local_stamp(t, buf);
        strcat(buf, "Z");
        return buf;
}

static char *offset_text(int32_t off, char buf[static 12]) {
        int32_t a = off < 0 ? -off : off;

        if (a % 60)
                snprintf(buf, 12, "%c%02d%02d%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60, a % 60);
        else
                snprintf(buf, 12, "%c%02d%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
        return buf;
}

/* ---- VTIMEZONE ---- */

typedef struct Transition {
        int64_t t;
        int32_t from, to;
        const char *abbrev;
} Transition;

typedef struct Group {
        int32_t from, to;
        const char *abbrev;
        unsigned month;
        int wday;
        int64_t tod;
        int nth;             /* 1..5 from the start of the month, -1 the last */
        bool all_last, same_nth;
        size_t first, count; /* first transition (index), how many */
} Group;

static unsigned month_days(int64_t y, unsigned m) {
        int64_t a = days_from_civil(y, m, 1), b = m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1);
        return (unsigned) (b - a);
}

static size_t collect_transitions(const Tz *tz, int64_t from, int64_t to, Transition **ret) {
        Transition *v = NULL;
        size_t n = 0, cap = 0;
        int64_t t = from, next;

        while (tz_next_change(tz, t, &next) && next < to) {
                int32_t a = tz_offset(tz, next - 1), b = tz_offset(tz, next);
                const char *ab = tz_abbrev(tz, next);

                t = next;
                if (a == b && streq(tz_abbrev(tz, next - 1), ab))
                        continue;
                if (n >= cap) {
                        Transition *nv = realloc(v, sizeof(Transition) * (cap = cap ? cap * 2 : 32));
                        if (!nv)
                                break;
                        v = nv;
                }
                v[n++] = (Transition) { next, a, b, ab };
        }
        *ret = v;
        return n;
}

/* The instant a yearly rule gives in year y. */
static int64_t group_instant(const Group *g, int64_t y) {
        unsigned len = month_days(y, g->month), d;
        int64_t first = days_from_civil(y, g->month, 1);
        int w1 = weekday_from_days(first);

        d = 1 + (unsigned) ((g->wday - w1 + 7) % 7);
        if (g->nth < 0)
                while (d + 7 <= len)
                        d += 7;
        else
                d += 7 * (unsigned) (g->nth - 1);
        if (d > len)
                return INT64_MIN;
        return (first + d - 1) * 86400 + g->tod - g->from;
}

/* Finds at most TZ_GROUPS_MAX yearly rules ("last Sunday of March at 02:00") that give exactly
 * the transitions in v; false when the zone does not follow such rules. */
static bool find_yearly_rules(const Transition *v, size_t n, Group *groups, size_t *ret_n) {
        size_t ng = 0;

        for (size_t i = 0; i < n; i++) {
                int64_t local = v[i].t + v[i].from, day = local_day(local), y;
                unsigned m, d;
                Group *g = NULL;

                civil_from_days(day, &y, &m, &d);
                for (size_t k = 0; k < ng; k++)
                        if (groups[k].from == v[i].from && groups[k].to == v[i].to &&
                            streq(groups[k].abbrev, v[i].abbrev) && groups[k].month == m &&
                            groups[k].wday == weekday_from_days(day) && groups[k].tod == local - day * 86400)
                                g = &groups[k];
                if (!g) {
                        if (ng >= TZ_GROUPS_MAX)
                                return false;
                        g = &groups[ng++];
                        *g = (Group) { v[i].from, v[i].to, v[i].abbrev, m, weekday_from_days(day),
                                       local - day * 86400, (int) (d - 1) / 7 + 1, true, true, i, 0 };
                }
                if (d + 7 <= month_days(y, m))
                        g->all_last = false;
                if ((int) (d - 1) / 7 + 1 != g->nth)
                        g->same_nth = false;
                g->count++;
        }

        /* Each rule must give every transition of its group and no other, year after year. */
        for (size_t k = 0; k < ng; k++) {
                Group *g = &groups[k];
                int64_t y0, y1, yy;
                unsigned mm, dd;
                size_t seen = 0;

                if (g->all_last)
                        g->nth = -1;
                else if (!g->same_nth)
                        return false;
                civil_from_days(local_day(v[g->first].t + g->from), &y0, &mm, &dd);
                civil_from_days(local_day(v[n - 1].t), &y1, &mm, &dd);
                for (yy = y0; yy <= y1 + 1; yy++) {
                        int64_t t = group_instant(g, yy);
                        bool found = false;

                        if (t == INT64_MIN || t > v[n - 1].t)
                                continue;
                        for (size_t i = g->first; i < n && !found; i++)
                                found = v[i].t == t && v[i].from == g->from && v[i].to == g->to;
                        if (!found)
                                return false;
                        seen++;
                }
                if (seen != g->count || g->count < 2)
                        return false;
        }
        *ret_n = ng;
        return true;
}

static void vtimezone_component(FILE *f, int32_t from, int32_t to, const char *abbrev, int64_t t, const char *rrule) {
        char stamp[20], a[12], b[12];
        const char *kind = to > from ? "DAYLIGHT" : "STANDARD";

        ical_linef(f, "BEGIN:%s", kind);
        ical_linef(f, "DTSTART:%s", local_stamp(t + from, stamp));
        ical_linef(f, "TZOFFSETFROM:%s", offset_text(from, a));
        ical_linef(f, "TZOFFSETTO:%s", offset_text(to, b));
        if (rrule)
                ical_linef(f, "RRULE:%s", rrule);
        if (abbrev && *abbrev) {
                _cleanup_free_ char *e = ical_escape(abbrev);
                ical_linef(f, "TZNAME:%s", e ?: "");
        }
        ical_linef(f, "END:%s", kind);
}

void ical_vtimezone(FILE *f, const Tz *tz, const char *tzid, int64_t from, int64_t to, bool open_ended) {
        _cleanup_free_ Transition *v = NULL;
        _cleanup_free_ char *id = ical_escape(tzid);
        Group groups[TZ_GROUPS_MAX];
        int64_t lo = from - YEAR_SECONDS, hi;
        size_t n, ng;

        /* The rules are checked over a dozen years; where they hold, RRULEs serve for ever (and
         * for an open-ended export they have to). Else every transition in the range is listed. */
        hi = MAX(to, from + TZ_RULE_CHECK_YEARS * YEAR_SECONDS);
        n = collect_transitions(tz, lo, hi, &v);

        ical_line(f, "BEGIN:VTIMEZONE");
        ical_linef(f, "TZID:%s", id ?: "");
        if (n == 0) {
                int32_t off = tz_offset(tz, from);
                vtimezone_component(f, off, off, tz_abbrev(tz, from), lo, NULL);
        } else if (find_yearly_rules(v, n, groups, &ng)) {
                for (size_t k = 0; k < ng; k++) {
                        char rule[64];

                        snprintf(rule, sizeof rule, "FREQ=YEARLY;BYMONTH=%u;BYDAY=%d%s", groups[k].month,
                                 groups[k].nth, ical_days[groups[k].wday]);
                        vtimezone_component(f, groups[k].from, groups[k].to, groups[k].abbrev, v[groups[k].first].t,
                                            rule);
                }
        } else {
                /* Irregular: each change on its own, and the offset before the first one. */
                vtimezone_component(f, v[0].from, v[0].from, tz_abbrev(tz, v[0].t - 1), lo, NULL);
                for (size_t i = 0; i < n && (open_ended || v[i].t < to); i++)
                        vtimezone_component(f, v[i].from, v[i].to, v[i].abbrev, v[i].t, NULL);
        }
        ical_line(f, "END:VTIMEZONE");
}

/* ---- VEVENTs ---- */

/* One recurring VEVENT: the times of day hours × minutes × seconds on the entry's days, moved
 * on by `shift` days (times past the midnight of a window that runs over it). A reminder's
 * `every` times are grouped into as few of these as give exactly its times: `every = 5min` all
 * day is one VEVENT (BYHOUR × BYMINUTE), not 288. */
typedef struct Rule {
        int shift;
        uint32_t hours;          /* a bit per hour */
        uint64_t minutes, seconds;
        uint32_t first;          /* the earliest time of day: DTSTART's */
        unsigned n_times;
        char *uid;
} Rule;

/* A planned occurrence (the rules' own) and what the daemon's plan made of it. */
typedef enum OccFate {
        OCC_KEPT,
        OCC_SKIPPED,
        OCC_MOVED,
} OccFate;

typedef struct Occ {
        int64_t local;           /* its wall-clock start as the rule gives it: RECURRENCE-ID, EXDATE */
        int64_t start, end;      /* planned instants; end 0 for a reminder */
        int64_t now_start, now_end; /* OCC_MOVED: as it now stands; now_end 0 for a reminder */
        size_t rule;
        OccFate fate;
} Occ;

/* An occurrence as the daemon plans it: a block's start and end, a reminder's time. */
typedef struct Span {
        int64_t start, end;      /* end 0: a reminder, or a block whose end is past the plan */
        bool paired;
} Span;

static void byday(weekdays_t days, int shift, char buf[static 32]) {
        buf[0] = '\0';
        for (int w = 0; w < 7; w++)
                if (days & (1u << w)) {
                        if (buf[0])
                                strcat(buf, ",");
                        strcat(buf, ical_days[(w + shift) % 7]);
                }
}

static bool on_day(weekdays_t days, int shift, int64_t day) {
        return days & (1u << weekday_from_days(day - shift));
}

/* The first local day ≥ day whose weekday (shifted) is in the set. */
static int64_t first_day(weekdays_t days, int shift, int64_t day) {
        for (int k = 0; k < 7; k++)
                if (on_day(days, shift, day + k))
                        return day + k;
        return day;
}

static char *duration_text(usec_t d, char buf[static 32]) {
        uint64_t s = d / USEC_PER_SEC;
        int n = snprintf(buf, 32, "PT");

        if (s / 3600)
                n += snprintf(buf + n, 32 - n, "%" PRIu64 "H", s / 3600);
        if (s / 60 % 60)
                n += snprintf(buf + n, 32 - n, "%" PRIu64 "M", s / 60 % 60);
        if (s % 60 || s == 0)
                snprintf(buf + n, 32 - n, "%" PRIu64 "S", s % 60);
        return buf;
}

static void rules_free(Rule *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(r[i].uid);
        free(r);
}

/* The times of day of a rule, ascending; returns how many (at most 86400). */
static unsigned rule_times(const Rule *r, uint32_t *ret) {
        unsigned n = 0;

        for (int h = 0; h < 24; h++)
                if (r->hours & (1u << h))
                        for (int m = 0; m < 60; m++)
                                if (r->minutes & (1ull << m))
                                        for (int s = 0; s < 60; s++)
                                                if (r->seconds & (1ull << s))
                                                        ret[n++] = (uint32_t) (h * 3600 + m * 60 + s);
        return n;
}

static void mask_list(uint64_t mask, int max, char *buf, size_t size) {
        size_t n = 0;

        buf[0] = '\0';
        for (int k = 0; k < max && n < size; k++)
                if (mask & (1ull << k))
                        n += (size_t) snprintf(buf + n, size - n, "%s%d", n ? "," : "", k);
}

#define HOUR_WORDS ((3600 + 63) / 64)

/* The entry's times of day (a window over midnight gives times ≥ 86400), as the engine plans
 * them: from the window's start every `every` up to its end inclusive, or the `at` list. */
static int entry_times(const Entry *e, uint32_t **ret, size_t *ret_n) {
        uint32_t *t;
        size_t n;

        if (e->type == ENTRY_RECHARGE || e->every == 0) {
                n = e->type == ENTRY_RECHARGE ? 1 : e->n_at;
                t = malloc(sizeof(uint32_t) * MAX(n, 1u));
                if (!t)
                        return -ENOMEM;
                if (e->type == ENTRY_RECHARGE)
                        t[0] = e->start;
                else
                        memcpy(t, e->at, sizeof(uint32_t) * n);
        } else {
                uint32_t step = (uint32_t) (e->every / USEC_PER_SEC), last = e->between_end;

                if (step == 0)
                        return -EINVAL;
                if (last <= e->between_start)
                        last += 86400;
                n = (last - e->between_start) / step + 1;
                t = malloc(sizeof(uint32_t) * n);
                if (!t)
                        return -ENOMEM;
                for (size_t k = 0; k < n; k++)
                        t[k] = e->between_start + (uint32_t) k * step;
        }
        *ret = t;
        *ret_n = n;
        return 0;
}

/* Groups the times: hours (of one day shift) with the same set of times within the hour, then
 * within such a group the minutes with the same set of seconds. Each group is a product, so
 * BYHOUR × BYMINUTE × BYSECOND gives exactly its times and no other. */
static int entry_rules(const Entry *e, Rule **ret, size_t *ret_n) {
        _cleanup_free_ uint32_t *times = NULL;
        _cleanup_free_ uint64_t *bits = NULL;   /* [shift][hour][HOUR_WORDS] */
        Rule *rules = NULL;
        size_t n_times = 0, n = 0;
        int r;

        r = entry_times(e, &times, &n_times);
        if (r < 0)
                return r;
        bits = calloc(2 * 24 * HOUR_WORDS, sizeof(uint64_t));
        /* at most one rule per (shift, hour, minute) */
        rules = calloc(2 * 24 * 60, sizeof(Rule));
        if (!bits || !rules) {
                free(rules);
                return -ENOMEM;
        }
        for (size_t k = 0; k < n_times; k++) {
                uint32_t t = times[k], shift = MIN(t / 86400, 1u), tod = t % 86400, in = tod % 3600;
                bits[(shift * 24 + tod / 3600) * HOUR_WORDS + in / 64] |= 1ull << (in % 64);
        }

        for (int shift = 0; shift < 2; shift++) {
                size_t group_start = n;

                for (int h = 0; h < 24; h++) {
                        const uint64_t *hb = bits + (shift * 24 + h) * HOUR_WORDS;
                        bool any = false, joined = false;

                        for (int w = 0; w < HOUR_WORDS; w++)
                                any = any || hb[w];
                        if (!any)
                                continue;
                        /* an earlier hour with the same times: this hour joins its rules */
                        for (int h0 = 0; h0 < h && !joined; h0++) {
                                const uint64_t *b0 = bits + (shift * 24 + h0) * HOUR_WORDS;
                                if (memcmp(b0, hb, HOUR_WORDS * sizeof(uint64_t)) != 0)
                                        continue;
                                for (size_t i = group_start; i < n; i++)
                                        if (rules[i].hours & (1u << h0))
                                                rules[i].hours |= 1u << h;
                                joined = true;
                        }
                        if (joined)
                                continue;
                        size_t first_rule = n;
                        for (int m = 0; m < 60; m++) {
                                uint64_t secs = 0;
                                Rule *same = NULL;

                                for (int s = 0; s < 60; s++) {
                                        int in = m * 60 + s;
                                        if (hb[in / 64] & (1ull << (in % 64)))
                                                secs |= 1ull << s;
                                }
                                if (!secs)
                                        continue;
                                for (size_t i = first_rule; i < n && !same; i++)
                                        if (rules[i].seconds == secs)
                                                same = &rules[i];
                                if (same)
                                        same->minutes |= 1ull << m;
                                else
                                        rules[n++] = (Rule) { .shift = shift, .hours = 1u << h,
                                                              .minutes = 1ull << m, .seconds = secs };
                        }
                }
        }

        for (size_t i = 0; i < n; i++) {
                Rule *q = &rules[i];
                char clock[CLOCK_MAX];

                q->n_times = (unsigned) (__builtin_popcount(q->hours) * __builtin_popcountll(q->minutes) *
                                         __builtin_popcountll(q->seconds));
                q->first = (uint32_t) (__builtin_ctz(q->hours) * 3600 + __builtin_ctzll(q->minutes) * 60 +
                                       __builtin_ctzll(q->seconds));
                clock_format(q->first, clock);
                /* the plain name when one rule says it all; else the first time: "stretch-0900",
                 * "owl-0000-1" past midnight. Stable while the entry's rule stays the same. */
                if (n == 1)
                        r = asprintf(&q->uid, "%s@recharged", e->name);
                else
                        r = asprintf(&q->uid, "%s-%.2s%.2s%s%s%s@recharged", e->name, clock, clock + 3,
                                     q->first % 60 ? clock + 6 : "", q->shift ? "-" : "", q->shift ? "1" : "");
                if (r < 0) {
                        q->uid = NULL;
                        rules_free(rules, n);
                        return -ENOMEM;
                }
        }
        *ret = rules;
        *ret_n = n;
        return 0;
}

static void vevent_text(FILE *f, const Entry *e) {
        _cleanup_free_ char *name = ical_escape(e->name), *msg = ical_escape(e->message);
        bool block = e->type == ENTRY_RECHARGE;

        if (block)
                ical_linef(f, "SUMMARY:Recharging%s%s", msg && *msg ? ": " : "", msg && *msg ? msg : "");
        else
                ical_linef(f, "SUMMARY:%s", msg && *msg ? msg : name ?: "");
        ical_linef(f, "DESCRIPTION:recharged %s '%s'%s%s", block ? "block" : "self-care reminder", name ?: "",
                   msg && *msg ? ": " : "", msg ?: "");
        ical_linef(f, "CATEGORIES:%s", block ? "recharge" : "selfcare");
        /* the entry's name for programs (UIDs of reminders carry a time too) */
        ical_linef(f, "X-RECHARGED-ENTRY:%s", name ?: "");
        ical_linef(f, "TRANSP:%s", block ? "OPAQUE" : "TRANSPARENT");
}

/* A block's planned length, for DURATION where the end is not a wall-clock time. */
static void vevent_length(FILE *f, const Entry *e) {
        char dur[32];

        if (e->type == ENTRY_RECHARGE)
                /* a real-time length: RFC 5545's time durations are exact, as `duration =` is */
                ical_linef(f, "DURATION:%s", duration_text(e->duration, dur));
        else
                /* a reminder is a moment: without a length, calendars (khal) show an hour */
                ical_line(f, "DURATION:PT0S");
}

static void vevent_master(FILE *f, const Entry *e, const IcalOptions *o, const char *tzid, const Rule *q,
                          int64_t today, int64_t until, const Occ *occ, size_t n_occ, size_t rule) {
        char stamp[21], start[20], end[20], days[32], extra[512] = "";
        int64_t day = first_day(e->days, q->shift, today);

        ical_line(f, "BEGIN:VEVENT");
        ical_linef(f, "UID:%s", q->uid);
        ical_linef(f, "DTSTAMP:%s", utc_stamp((int64_t) (o->now / USEC_PER_SEC), stamp));
        ical_linef(f, "DTSTART;TZID=%s:%s", tzid, local_stamp(day * 86400 + q->first, start));
        if (e->type == ENTRY_RECHARGE && e->has_end)
                ical_linef(f, "DTEND;TZID=%s:%s", tzid, local_stamp((day + (e->end <= e->start)) * 86400 + e->end, end));
        else
                vevent_length(f, e);
        byday(e->days, q->shift, days);
        if (q->n_times > 1) {
                char h[80], m[200], s[200];

                mask_list(q->hours, 24, h, sizeof h);
                mask_list(q->minutes, 60, m, sizeof m);
                mask_list(q->seconds, 60, s, sizeof s);
                snprintf(extra, sizeof extra, ";BYHOUR=%s;BYMINUTE=%s%s%s", h, m,
                         __builtin_popcountll(q->seconds) > 1 ? ";BYSECOND=" : "",
                         __builtin_popcountll(q->seconds) > 1 ? s : "");
        }
        if (until)
                ical_linef(f, "RRULE:FREQ=WEEKLY;BYDAY=%s%s;UNTIL=%s", days, extra, utc_stamp(until, stamp));
        else
                ical_linef(f, "RRULE:FREQ=WEEKLY;BYDAY=%s%s", days, extra);
        /* what the person skipped, or what a pause or a snooze took away */
        for (size_t k = 0; k < n_occ; k++)
                if (occ[k].rule == rule && occ[k].fate == OCC_SKIPPED)
                        ical_linef(f, "EXDATE;TZID=%s:%s", tzid, local_stamp(occ[k].local, start));
        vevent_text(f, e);
        ical_line(f, "END:VEVENT");
}

/* The moved occurrence with its real times (UTC: a moved time can fall in the fold). */
static void vevent_override(FILE *f, const Entry *e, const IcalOptions *o, const char *tzid, const char *uid,
                            const Occ *x) {
        char stamp[21], a[21], b[21];

        ical_line(f, "BEGIN:VEVENT");
        ical_linef(f, "UID:%s", uid);
        ical_linef(f, "DTSTAMP:%s", utc_stamp((int64_t) (o->now / USEC_PER_SEC), stamp));
        ical_linef(f, "RECURRENCE-ID;TZID=%s:%s", tzid, local_stamp(x->local, a));
        ical_linef(f, "DTSTART:%s", utc_stamp(x->now_start, a));
        if (e->type == ENTRY_RECHARGE)
                ical_linef(f, "DTEND:%s", utc_stamp(x->now_end ?: x->now_start + (x->end - x->start), b));
        else
                ical_line(f, "DURATION:PT0S");
        vevent_text(f, e);
        ical_line(f, "END:VEVENT");
}

/* An occurrence the daemon plans and the rules do not give: on its own. */
static void vevent_single(FILE *f, const Entry *e, const IcalOptions *o, const Span *s) {
        char stamp[21], a[21], b[21];

        ical_line(f, "BEGIN:VEVENT");
        ical_linef(f, "UID:%s-%s@recharged", e->name, utc_stamp(s->start, a));
        ical_linef(f, "DTSTAMP:%s", utc_stamp((int64_t) (o->now / USEC_PER_SEC), stamp));
        ical_linef(f, "DTSTART:%s", a);
        if (e->type == ENTRY_RECHARGE && s->end)
                ical_linef(f, "DTEND:%s", utc_stamp(s->end, b));
        else
                vevent_length(f, e);
        vevent_text(f, e);
        ical_line(f, "END:VEVENT");
}

/* By start; of two at one instant (a time in the spring gap moves onto the one after it) the real
 * wall-clock time first, so that the one that does not exist is the one left out. */
static int cmp_occ(const void *a, const void *b) {
        const Occ *x = a, *y = b;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return x->local > y->local ? -1 : x->local < y->local;
}

static int cmp_span(const void *a, const void *b) {
        const Span *x = a, *y = b;
        return x->start < y->start ? -1 : x->start > y->start;
}

/* The rules' occurrences that start in [from, to) on days from `today` (the first day) on, sorted. */
static int plan_by_rules(const Entry *e, const Rule *rules, size_t n_rules, const Tz *tz, int64_t today,
                         int64_t from, int64_t to, Occ **ret, size_t *ret_n) {
        _cleanup_free_ uint32_t *tods = malloc(sizeof(uint32_t) * 86400);
        int64_t last = local_day(tz_to_local(tz, to)) + 1;
        Occ *v = NULL;
        size_t n = 0, cap = 0;

        if (!tods)
                return -ENOMEM;
        for (size_t i = 0; i < n_rules; i++) {
                unsigned nt = rule_times(&rules[i], tods);

                for (int64_t day = today; day <= last; day++) {
                        if (!on_day(e->days, rules[i].shift, day))
                                continue;
                        for (unsigned k = 0; k < nt; k++) {
                                int64_t local = day * 86400 + tods[k], start = tz_from_local(tz, local), end = 0;

                                if (start < from || start >= to)
                                        continue;
                                if (e->type == ENTRY_RECHARGE)
                                        end = e->has_end ? tz_from_local(tz, (day + (e->end <= e->start)) * 86400 + e->end)
                                                         : start + (int64_t) (e->duration / USEC_PER_SEC);
                                if (n >= cap) {
                                        Occ *nv = realloc(v, sizeof(Occ) * (cap = cap ? cap * 2 : 64));
                                        if (!nv) {
                                                free(v);
                                                return -ENOMEM;
                                        }
                                        v = nv;
                                }
                                v[n++] = (Occ) { .local = local, .start = start, .end = end, .rule = i };
                        }
                }
        }
        if (n > 1)
                qsort(v, n, sizeof(Occ), cmp_occ);
        *ret = v;
        *ret_n = n;
        return 0;
}

/* The plan's events grouped by entry, each group in time order, so that each entry reads its own:
 * every entry scanning the whole plan was entries × events (a year of 4096 entries: some 5 M
 * events, 20 G comparisons). */
typedef struct PlanIndex {
        size_t *order; /* indexes into o->plan: ICAL_MANUAL's first, then entry 0's, … */
        size_t *first; /* entry e's are order[first[e + 1]] up to order[first[e + 2]] */
        size_t n_entries;
} PlanIndex;

static void plan_index_done(PlanIndex *x) {
        free(x->order);
        free(x->first);
}

/* A counting sort by entry: stable, so each group keeps the plan's time order. Events of no
 * entry in the list (none are read so) are left out. */
static int plan_index(const IcalOptions *o, size_t n_entries, PlanIndex *ret) {
        PlanIndex x = { .n_entries = n_entries };

        x.first = calloc(n_entries + 2, sizeof(size_t));
        x.order = malloc(sizeof(size_t) * (o->n_plan + 1));
        if (!x.first || !x.order) {
                plan_index_done(&x);
                return -ENOMEM;
        }
        for (size_t k = 0; k < o->n_plan; k++)
                if (o->plan[k].entry >= ICAL_MANUAL && o->plan[k].entry < (int) n_entries)
                        x.first[o->plan[k].entry + 2]++;
        for (size_t e = 1; e < n_entries + 2; e++)
                x.first[e] += x.first[e - 1];
        /* first[g] is group g's cursor (g = entry + 1): once placed, it holds where g + 1 begins */
        for (size_t k = 0; k < o->n_plan; k++)
                if (o->plan[k].entry >= ICAL_MANUAL && o->plan[k].entry < (int) n_entries)
                        x.order[x.first[o->plan[k].entry + 1]++] = k;
        memmove(x.first + 1, x.first, sizeof(size_t) * (n_entries + 1));
        x.first[0] = 0;
        *ret = x;
        return 0;
}

/* The daemon's plan for one entry (ICAL_MANUAL too): a block's start paired with the next end,
 * first in first out; a start in [from, to) counts. An end with no start in the plan belongs to
 * one begun before it: its start is `since_before` when that is known, else it is left out. */
static int plan_by_daemon(const IcalOptions *o, const PlanIndex *x, int entry, int64_t from, int64_t to,
                          int64_t since_before, Span **ret, size_t *ret_n) {
        Span *v = NULL;
        size_t n = 0, cap = 0, open = 0;

        for (size_t j = x->first[entry + 1]; j < x->first[entry + 2]; j++) {
                const IcalEvent *ev = &o->plan[x->order[j]];
                int64_t t = (int64_t) (ev->time / USEC_PER_SEC), start = t, end = 0;

                if (ev->entry != entry)
                        continue;
                if (ev->kind == ICAL_END) {
                        while (open < n && v[open].end)
                                open++;
                        if (open < n) {
                                v[open++].end = t;
                                continue;
                        }
                        if (n > 0 || since_before <= 0 || since_before >= t)
                                continue;
                        start = since_before, end = t;
                }
                if (n >= cap) {
                        Span *nv = realloc(v, sizeof(Span) * (cap = cap ? cap * 2 : 16));
                        if (!nv) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = nv;
                }
                v[n++] = (Span) { .start = start, .end = end };
        }
        /* only what starts in range */
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
                if ((v[k].start >= from && v[k].start < to) || entry == ICAL_MANUAL)
                        v[m++] = v[k];
        if (m > 1)
                qsort(v, m, sizeof(Span), cmp_span);
        *ret = v;
        *ret_n = m;
        return 0;
}

/* The merged span of `holds` holding t, or NULL; spans [start, end), end 0 open-ended. */
static const Span *span_holding(const Span *v, size_t n, int64_t t) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (v[mid].start <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0 || (v[lo - 1].end && t >= v[lo - 1].end))
                return NULL;
        return &v[lo - 1];
}

/* holds are merged and in order, so their ends are too (an open-ended one, end 0, only last): a
 * search, not a scan per span (dnd blocks every day and reminders held by each made it
 * entries²). */
static bool span_ends_at(const Span *v, size_t n, int64_t t) {
        size_t lo = 0, hi = n > 0 && v[n - 1].end == 0 ? n - 1 : n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (v[mid].end < t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < n && v[lo].end == t;
}

/* Whether the daemon releases the entry's reminders held by a recharge that ends at t: its plan
 * has the entry's reminder at t, or t is open-ended or past the plan (then the rules tell). A
 * pause over t releases nothing: a person who paused during a dnd block gets none of what it
 * held, and the calendar must not keep them. */
static bool plan_releases_at(const IcalOptions *o, int entry, int64_t t) {
        size_t lo = 0, hi = o->n_plan;

        if (t == 0 || t >= (int64_t) (o->plan_to / USEC_PER_SEC) - 2 * 86400)
                return true;
        while (lo < hi) { /* the plan is in time order: its first event at t or later */
                size_t mid = (lo + hi) / 2;
                if ((int64_t) (o->plan[mid].time / USEC_PER_SEC) < t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (; lo < o->n_plan && (int64_t) (o->plan[lo].time / USEC_PER_SEC) == t; lo++)
                if (o->plan[lo].entry == entry && o->plan[lo].kind == ICAL_REMINDER)
                        return true;
        return false;
}

/* Which planned occurrences the daemon kept as they are, which it moved (snoozed, started early,
 * extended) and which it left out (skipped, paused): the same start is the same occurrence; a
 * remaining one of the daemon's takes the nearest remaining planned one; planned ones left over
 * were skipped. Spans left over (not paired) have no planned occurrence.
 *
 * A reminder due during a recharge with dnd is held to its end, as the daemon does, every day
 * the rules put one inside a block: that is the rules, not a change the person made, and written
 * out it was 24000 EXDATEs a year for `every = 5min` beside a 5-hour block. The calendar keeps
 * such a reminder at its planned time, and the release at the recharge's end is not an event
 * of its own. */
static void plan_diff(const IcalOptions *o, int entry, Occ *occ, size_t n_occ, Span *sp, size_t n_sp, const Span *holds,
                      size_t n_holds) {
        size_t i = 0, j = 0;

        for (size_t k = 0; k < n_occ; k++) {
                const Span *h = occ[k].end ? NULL : span_holding(holds, n_holds, occ[k].start);
                occ[k].fate = h && plan_releases_at(o, entry, h->end) ? OCC_KEPT : OCC_SKIPPED;
        }
        while (i < n_occ && j < n_sp) {
                if (occ[i].fate == OCC_KEPT)
                        i++;
                else if (occ[i].start < sp[j].start)
                        i++;
                else if (occ[i].start > sp[j].start)
                        j++;
                else {
                        bool same = !sp[j].end || !occ[i].end || sp[j].end == occ[i].end;
                        occ[i].fate = same ? OCC_KEPT : OCC_MOVED;
                        occ[i].now_start = sp[j].start;
                        occ[i].now_end = sp[j].end;
                        sp[j].paired = true;
                        i++, j++;
                }
        }
        for (j = 0; j < n_sp; j++)
                if (!sp[j].paired && !sp[j].end && span_ends_at(holds, n_holds, sp[j].start))
                        sp[j].paired = true; /* released at a recharge's end */
        for (j = 0; j < n_sp; j++) {
                size_t best = SIZE_MAX;
                int64_t best_d = INT64_MAX;

                if (sp[j].paired)
                        continue;
                for (i = 0; i < n_occ; i++) {
                        int64_t d = occ[i].start > sp[j].start ? occ[i].start - sp[j].start : sp[j].start - occ[i].start;
                        if (occ[i].fate == OCC_SKIPPED && d < best_d)
                                best = i, best_d = d;
                }
                if (best == SIZE_MAX)
                        continue;
                occ[best].fate = OCC_MOVED;
                occ[best].now_start = sp[j].start;
                occ[best].now_end = sp[j].end;
                sp[j].paired = true;
        }
}

static int entry_events(FILE *f, const Entry *e, int entry, const IcalOptions *o, const PlanIndex *x, const char *tzid,
                        int64_t today, int64_t from, int64_t until, const Span *holds, size_t n_holds) {
        _cleanup_free_ Occ *occ = NULL;
        _cleanup_free_ Span *sp = NULL;
        Rule *rules = NULL;
        size_t n_rules = 0, n_occ = 0, n_sp = 0;
        int r;

        r = entry_rules(e, &rules, &n_rules);
        if (r < 0)
                return r;
        if (o->plan) {
                int64_t to = until ? until + 1 : (int64_t) (o->plan_to / USEC_PER_SEC) - 2 * 86400;

                r = plan_by_rules(e, rules, n_rules, o->tz, today, from, to, &occ, &n_occ);
                if (r >= 0)
                        r = plan_by_daemon(o, x, entry, from, to, 0, &sp, &n_sp);
                if (r < 0) {
                        rules_free(rules, n_rules);
                        return r;
                }
                plan_diff(o, entry, occ, n_occ, sp, n_sp, holds, n_holds);
        }
        for (size_t i = 0; i < n_rules; i++) {
                vevent_master(f, e, o, tzid, &rules[i], today, until, occ, n_occ, i);
                for (size_t k = 0; k < n_occ; k++)
                        if (occ[k].rule == i && occ[k].fate == OCC_MOVED)
                                vevent_override(f, e, o, tzid, rules[i].uid, &occ[k]);
        }
        for (size_t k = 0; k < n_sp; k++)
                if (!sp[k].paired)
                        vevent_single(f, e, o, &sp[k]);
        rules_free(rules, n_rules);
        return 0;
}

/* The dnd recharges of the plan (blocks with dnd, the manual one), merged: touching ones too. */
static int plan_holds(const Entry *entries, size_t n_entries, const IcalOptions *o, const PlanIndex *x, Span **ret,
                      size_t *ret_n) {
        Span *v = NULL;
        size_t n = 0, m = 0;
        int r;

        for (int i = ICAL_MANUAL; i < (int) n_entries; i++) {
                _cleanup_free_ Span *sp = NULL;
                size_t k;

                if (i >= 0 && (entries[i].type != ENTRY_RECHARGE || !entries[i].dnd))
                        continue;
                /* A block already on when the plan begins shows only its end: it held what came
                 * before that too (since 1: any instant before the plan will do). */
                r = plan_by_daemon(o, x, i, INT64_MIN, INT64_MAX, i < 0 ? (int64_t) (o->manual_since / USEC_PER_SEC) : 1, &sp, &k);
                if (r < 0) {
                        free(v);
                        return r;
                }
                Span *nv = realloc(v, sizeof(Span) * (n + k + 1));
                if (!nv) {
                        free(v);
                        return -ENOMEM;
                }
                v = nv;
                if (k > 0) /* sp is NULL when none */
                        memcpy(v + n, sp, sizeof(Span) * k);
                n += k;
        }
        if (n > 1)
                qsort(v, n, sizeof(Span), cmp_span);
        for (size_t k = 0; k < n; k++) {
                if (m > 0 && (!v[m - 1].end || v[k].start <= v[m - 1].end)) {
                        if (v[m - 1].end)
                                v[m - 1].end = v[k].end ? MAX(v[m - 1].end, v[k].end) : 0;
                        continue;
                }
                v[m++] = v[k];
        }
        *ret = v;
        *ret_n = m;
        return 0;
}

/* The manual recharge: a one-off event with its real start and end. */
static int manual_events(FILE *f, const IcalOptions *o, const PlanIndex *x) {
        _cleanup_free_ Span *sp = NULL;
        _cleanup_free_ char *msg = ical_escape(o->manual_message);
        size_t n = 0;
        int r;

        r = plan_by_daemon(o, x, ICAL_MANUAL, 0, INT64_MAX, (int64_t) (o->manual_since / USEC_PER_SEC), &sp, &n);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n; k++) {
                char stamp[21], a[21], b[21];

                if (sp[k].start <= 0)
                        continue;
                ical_line(f, "BEGIN:VEVENT");
                ical_linef(f, "UID:manual-%s@recharged", utc_stamp(sp[k].start, a));
                ical_linef(f, "DTSTAMP:%s", utc_stamp((int64_t) (o->now / USEC_PER_SEC), stamp));
                ical_linef(f, "DTSTART:%s", a);
                /* open-ended (until 'off'): no end to give; the summary says so */
                if (sp[k].end)
                        ical_linef(f, "DTEND:%s", utc_stamp(sp[k].end, b));
                ical_linef(f, "SUMMARY:Recharging%s%s%s", msg && *msg ? ": " : "", msg ?: "",
                           sp[k].end ? "" : " (until further notice)");
                ical_line(f, "DESCRIPTION:recharged: a recharge started by hand");
                ical_line(f, "CATEGORIES:recharge");
                ical_line(f, "TRANSP:OPAQUE");
                ical_line(f, "END:VEVENT");
        }
        return 0;
}

int64_t ical_first_day(const Tz *tz, usec_t now) {
        return local_day(tz_to_local(tz, (int64_t) (now / USEC_PER_SEC))) - 1;
}

int ical_write(FILE *f, const Entry *entries, size_t n_entries, const IcalOptions *o) {
        int64_t now = (int64_t) (o->now / USEC_PER_SEC), today = local_day(tz_to_local(o->tz, now));
        int64_t first = ical_first_day(o->tz, o->now), from = tz_from_local(o->tz, first * 86400), until = 0, to;
        _cleanup_free_ char *tzid = ical_escape(o->tzid);
        _cleanup_free_ Span *holds = NULL;
        _cleanup_(plan_index_done) PlanIndex x = {};
        size_t n_holds = 0;
        int r = 0;

        if (o->days > 0) {
                to = tz_from_local(o->tz, (today + o->days) * 86400);
                until = to - 1;
        } else
                to = from + TZ_RULE_CHECK_YEARS * YEAR_SECONDS;

        ical_line(f, "BEGIN:VCALENDAR");
        ical_line(f, "VERSION:2.0");
        ical_linef(f, "PRODID:-//recharged//rechargectl %s//EN", o->prodid_version ?: "");
        ical_line(f, "CALSCALE:GREGORIAN");
        ical_line(f, "METHOD:PUBLISH");
        ical_line(f, "X-WR-CALNAME:recharged");
        ical_vtimezone(f, o->tz, o->tzid, from, to, o->days == 0);
        if (o->plan) {
                r = plan_index(o, n_entries, &x);
                if (r >= 0)
                        r = plan_holds(entries, n_entries, o, &x, &holds, &n_holds);
                if (r >= 0)
                        r = manual_events(f, o, &x);
        }
        /* paused until 'resume': nothing of the schedule will happen until then */
        for (size_t i = 0; i < n_entries && r >= 0 && !o->paused_indefinitely; i++)
                if (entries[i].enabled && (entries[i].type == ENTRY_RECHARGE || !o->no_reminders))
                        r = entry_events(f, &entries[i], (int) i, o, &x, tzid ?: "", first, from, until, holds,
                                         n_holds);
        ical_line(f, "END:VCALENDAR");
        if (r < 0)
                return r;
        if (fflush(f) != 0 || ferror(f))
                return -errno ?: -EIO;
        return 0;
}
