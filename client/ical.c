/* SPDX-License-Identifier: MIT */
/* ical.c: rechargectl export: the schedule's rules as RFC 5545 VEVENTs with RRULEs and a VTIMEZONE. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ical.h"
#include "macro.h"

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

static void byday(weekdays_t days, int shift, char buf[static 32]) {
        buf[0] = '\0';
        for (int w = 0; w < 7; w++)
                if (days & (1u << w)) {
                        if (buf[0])
                                strcat(buf, ",");
                        strcat(buf, ical_days[(w + shift) % 7]);
                }
}

/* The first local day ≥ day whose weekday (shifted) is in the set. */
static int64_t first_day(weekdays_t days, int shift, int64_t day) {
        for (int k = 0; k < 7; k++)
                if (days & (1u << ((weekday_from_days(day + k) - shift + 7) % 7)))
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

static void vevent(FILE *f, const Entry *e, const IcalOptions *o, const char *uid, int64_t today, int64_t until,
                   uint32_t tod, int shift) {
        _cleanup_free_ char *name = ical_escape(e->name), *msg = ical_escape(e->message), *tzid = ical_escape(o->tzid);
        char stamp[21], start[20], end[20], days[32], dur[32];
        bool block = e->type == ENTRY_RECHARGE;
        int64_t day = first_day(e->days, shift, today);

        ical_line(f, "BEGIN:VEVENT");
        ical_linef(f, "UID:%s", uid);
        ical_linef(f, "DTSTAMP:%s", utc_stamp((int64_t) (o->now / USEC_PER_SEC), stamp));
        ical_linef(f, "DTSTART;TZID=%s:%s", tzid ?: "", local_stamp(day * 86400 + tod, start));
        if (block && e->has_end)
                ical_linef(f, "DTEND;TZID=%s:%s", tzid ?: "",
                           local_stamp((day + (e->end <= e->start)) * 86400 + e->end, end));
        else if (block)
                /* a real-time length: RFC 5545's time durations are exact, as `duration =` is */
                ical_linef(f, "DURATION:%s", duration_text(e->duration, dur));
        else
                /* a reminder is a moment: without a length, calendars (khal) show an hour */
                ical_line(f, "DURATION:PT0S");
        byday(e->days, shift, days);
        if (until)
                ical_linef(f, "RRULE:FREQ=WEEKLY;BYDAY=%s;UNTIL=%s", days, utc_stamp(until, stamp));
        else
                ical_linef(f, "RRULE:FREQ=WEEKLY;BYDAY=%s", days);
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
        ical_line(f, "END:VEVENT");
}

static void entry_events(FILE *f, const Entry *e, const IcalOptions *o, int64_t today, int64_t until) {
        _cleanup_free_ char *uid = NULL;
        uint32_t times[ENTRY_AT_MAX];
        _cleanup_free_ uint32_t *many = NULL;
        const uint32_t *t = times;
        size_t n = 0;

        if (e->type == ENTRY_RECHARGE) {
                if (asprintf(&uid, "%s@recharged", e->name) >= 0)
                        vevent(f, e, o, uid, today, until, e->start, 0);
                return;
        }
        if (e->every == 0) {
                memcpy(times, e->at, sizeof(uint32_t) * e->n_at);
                n = e->n_at;
        } else {
                /* as the engine: from the window's start, every `every`, up to its end inclusive;
                 * past midnight when the window runs over it */
                uint32_t step = (uint32_t) (e->every / USEC_PER_SEC), last = e->between_end;
                if (step == 0)
                        return;
                if (last <= e->between_start)
                        last += 86400;
                n = (last - e->between_start) / step + 1;
                many = malloc(sizeof(uint32_t) * n);
                if (!many)
                        return;
                for (size_t k = 0; k < n; k++)
                        many[k] = e->between_start + (uint32_t) k * step;
                t = many;
        }
        for (size_t k = 0; k < n; k++) {
                char clock[CLOCK_MAX];
                int shift = (int) (t[k] / 86400);
                uint32_t tod = t[k] % 86400;

                free(uid);
                uid = NULL;
                /* one rule per clock time; a single one keeps the plain UID */
                if (n == 1)
                        (void) asprintf(&uid, "%s@recharged", e->name);
                else {
                        clock_format(tod, clock);
                        /* "stretch-0900@recharged", "stretch-2330-1@recharged" past midnight */
                        (void) asprintf(&uid, "%s-%.2s%.2s%s%s%s@recharged", e->name, clock, clock + 3,
                                        tod % 60 ? clock + 6 : "", shift ? "-" : "", shift ? "1" : "");
                }
                if (!uid)
                        continue;
                vevent(f, e, o, uid, today, until, tod, shift);
        }
}

int ical_write(FILE *f, const Entry *entries, size_t n_entries, const IcalOptions *o) {
        int64_t now = (int64_t) (o->now / USEC_PER_SEC), today = local_day(tz_to_local(o->tz, now));
        int64_t from = tz_from_local(o->tz, today * 86400), until = 0, to;

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
        for (size_t i = 0; i < n_entries; i++)
                if (entries[i].enabled && (entries[i].type == ENTRY_RECHARGE || !o->no_reminders))
                        entry_events(f, &entries[i], o, today, until);
        ical_line(f, "END:VCALENDAR");
        if (fflush(f) != 0 || ferror(f))
                return -errno ?: -EIO;
        return 0;
}
