/* SPDX-License-Identifier: MIT */
/* partner-parse.c: a partner's iCalendar feed into busy blocks. libical parses and iterates the
 * rules on the wall clock of DTSTART; each instance becomes an instant here, through the zone
 * libical found (a VTIMEZONE in the feed), else our own zone code for a TZID it did not resolve,
 * else local time for floating times, so a weekly 21:00 stays 21:00 across DST. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "partner-parse.h"

/* How a DTSTART's wall clock becomes an instant: through libical's zone, ours, UTC or local. */
typedef struct Clock {
        icaltimezone *ical; /* a zone libical resolved (VTIMEZONE in the feed or built in) */
        Tz *own;            /* a TZID libical did not resolve, loaded by name */
        const Tz *local;    /* floating */
        bool utc;
} Clock;

static void clock_done(Clock *c) {
        c->own = tz_free(c->own);
}

static void clock_for(icalproperty *p, struct icaltimetype t, const Tz *local, Clock *ret) {
        icalparameter *tzid = p ? icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) : NULL;

        *ret = (Clock) { .local = local };
        if (icaltime_is_utc(t)) {
                ret->utc = true;
                return;
        }
        if (t.zone) {
                ret->ical = (icaltimezone *) t.zone;
                return;
        }
        /* A TZID without its VTIMEZONE (allowed in practice, as Google's feeds do): the name
         * is an Olson zone; one we do not know either is read as floating. */
        if (tzid && icalparameter_get_tzid(tzid) && tz_load(icalparameter_get_tzid(tzid), &ret->own) < 0)
                ret->own = NULL;
}

/* A wall-clock time on c's clock as seconds since the epoch. */
static int64_t clock_instant(const Clock *c, struct icaltimetype t) {
        int64_t local;

        if (c->utc)
                return (int64_t) icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
        if (c->ical)
                return (int64_t) icaltime_as_timet_with_zone(t, c->ical);
        local = days_from_civil(t.year, (unsigned) t.month, (unsigned) t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
        return tz_from_local(c->own ?: c->local, local);
}

/* The last second of 9999-12-31: no instant is read past it, so that µs never overflow. */
#define INSTANT_MAX INT64_C(253402300799)

/* Whether t is a date-time we can read. libical keeps what it parsed as it is ("DTEND:07654502T…"
 * is month 45) and its conversions index their tables by month: every field must be in range
 * before one reaches them (found by fuzz-partner). */
static bool time_ok(struct icaltimetype t) {
        if (icaltime_is_null_time(t) || icaltime_is_date(t) || !icaltime_is_valid_time(t))
                return false;
        return t.year >= 1 && t.year <= 9999 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
               t.day <= icaltime_days_in_month(t.month, t.year) && t.hour >= 0 && t.hour <= 23 &&
               t.minute >= 0 && t.minute <= 59 && t.second >= 0 && t.second <= 60;
}

/* A date-time property (DTSTART, RECURRENCE-ID, EXDATE…) of comp as an instant; false for a
 * DATE (all-day) or a missing or broken value. */
static bool time_instant(icalproperty *p, struct icaltimetype t, const Tz *local, int64_t *ret) {
        Clock c;

        if (!time_ok(t))
                return false;
        clock_for(p, t, local, &c);
        *ret = clock_instant(&c, t);
        clock_done(&c);
        return true;
}

static bool prop_instant(icalcomponent *comp, icalproperty *p, const Tz *local, int64_t *ret) {
        return p && time_instant(p, icalproperty_get_datetime_with_component(p, comp), local, ret);
}

typedef struct Override {
        char *uid;
        int64_t rid;
} Override;

typedef struct Parse {
        const char *match;
        const Tz *local;
        int64_t from, to; /* seconds */
        PartnerBlock *blocks;
        size_t n_blocks, n_events;
        Override *overrides;
        size_t n_overrides;
        unsigned iterations; /* of every rule so far */
        int error;
} Parse;

static void add_block(Parse *ps, int64_t start, int64_t end) {
        PartnerBlock *v;

        if (ps->error || end <= start || end <= ps->from || start >= ps->to || start < 0 || end > INSTANT_MAX)
                return;
        if (ps->n_blocks >= PARTNER_BLOCKS_MAX) {
                ps->error = -E2BIG;
                return;
        }
        v = realloc(ps->blocks, (ps->n_blocks + 1) * sizeof *v);
        if (!v) {
                ps->error = -ENOMEM;
                return;
        }
        ps->blocks = v;
        v[ps->n_blocks++] = (PartnerBlock) { (usec_t) start * USEC_PER_SEC, (usec_t) end * USEC_PER_SEC };
}

static int cmp_override(const void *a, const void *b) {
        const Override *x = a, *y = b;
        return x->rid < y->rid ? -1 : x->rid > y->rid ? 1 : 0;
}

static int cmp_int64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
        return x < y ? -1 : x > y ? 1 : 0;
}

/* ps->overrides is sorted by rid (collect_overrides()): a lookup per instance costs a search, not
 * a walk through every override of the feed. */
static bool overridden(const Parse *ps, const char *uid, int64_t t) {
        size_t a = 0, b = ps->n_overrides;

        while (a < b) {
                size_t m = a + (b - a) / 2;
                if (ps->overrides[m].rid < t)
                        a = m + 1;
                else
                        b = m;
        }
        for (; a < ps->n_overrides && ps->overrides[a].rid == t; a++)
                if (streq(ps->overrides[a].uid, uid))
                        return true;
        return false;
}

/* Whether an event counts: not all-day, not transparent, not cancelled, matching. An override
 * that does not count still hides the instance it replaces. */
static bool counts(const Parse *ps, icalcomponent *ev) {
        icalproperty *p = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);
        const char *summary;

        if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED)
                return false;
        if (p && icalproperty_get_transp(p) == ICAL_TRANSP_TRANSPARENT)
                return false;
        if (ps->match && ps->match[0]) {
                summary = icalcomponent_get_summary(ev);
                if (!summary || !strcasestr(summary, ps->match))
                        return false;
        }
        return true;
}

/* An event's EXDATEs, read once: as instants, and whole days (a DATE) as yyyymmdd, both sorted.
 * Read per instance instead, a rule's 100 000 instances times its event's EXDATEs (each a TZID
 * for libical to look up) took seconds for a feed of 456 bytes (found by fuzz-partner). */
typedef struct Exclusions {
        int64_t *at, *days;
        size_t n_at, n_days;
} Exclusions;

static void exclusions_done(Exclusions *x) {
        free(x->at);
        free(x->days);
        *x = (Exclusions) {};
}

static int exclusions_read(icalcomponent *ev, const Tz *local, Exclusions *ret) {
        size_t n = 0;

        *ret = (Exclusions) {};
        for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
             p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY))
                n++;
        if (n == 0)
                return 0;
        ret->at = malloc(n * sizeof(int64_t));
        ret->days = malloc(n * sizeof(int64_t));
        if (!ret->at || !ret->days) {
                exclusions_done(ret);
                return -ENOMEM;
        }
        for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
             p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
                struct icaltimetype x = icalproperty_get_datetime_with_component(p, ev);
                int64_t xt;

                if (icaltime_is_date(x))
                        ret->days[ret->n_days++] = (int64_t) x.year * 10000 + x.month * 100 + x.day;
                else if (time_instant(p, x, local, &xt))
                        ret->at[ret->n_at++] = xt;
        }
        qsort(ret->at, ret->n_at, sizeof(int64_t), cmp_int64);
        qsort(ret->days, ret->n_days, sizeof(int64_t), cmp_int64);
        return 0;
}

/* An instance that starts at wall on its clock, at t. A whole day excluded: the instances that
 * start on it, on their clock. */
static bool excluded(const Exclusions *x, struct icaltimetype wall, int64_t t) {
        int64_t day = (int64_t) wall.year * 10000 + wall.month * 100 + wall.day;

        return (x->n_at > 0 && bsearch(&t, x->at, x->n_at, sizeof(int64_t), cmp_int64)) ||
               (x->n_days > 0 && bsearch(&day, x->days, x->n_days, sizeof(int64_t), cmp_int64));
}

static void add_event(Parse *ps, icalcomponent *ev) {
        icalproperty *dtstart = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        icalproperty *rrule = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
        const char *uid = icalcomponent_get_uid(ev);
        struct icaltimetype start;
        int64_t s, e, length;
        Exclusions ex = {};
        Clock c;
        int r;

        if (!dtstart)
                return;
        start = icalproperty_get_datetime_with_component(dtstart, ev);
        /* All-day (a DATE) blocks nothing: a holiday is not alone time. */
        if (!time_ok(start))
                return;
        if (!counts(ps, ev))
                return;
        clock_for(dtstart, start, ps->local, &c);
        s = clock_instant(&c, start);
        if (icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY)) {
                if (!prop_instant(ev, icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY), ps->local, &e))
                        goto finish;
        } else if (icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)) {
                /* In 64 bits: icaldurationtype_as_int() sums weeks of seconds in an int. */
                struct icaldurationtype d = icalcomponent_get_duration(ev);
                int64_t l = (((int64_t) d.weeks * 7 + d.days) * 24 + d.hours) * 3600 + (int64_t) d.minutes * 60 + d.seconds;

                e = d.is_neg ? s - l : s + l;
        } else
                goto finish; /* a moment blocks nothing */
        /* Every instance lasts as long as the first, in real time (RFC 5545 3.8.5.3). */
        length = e - s;
        if (length <= 0)
                goto finish;

        if (icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY) || (!rrule &&
            !icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY))) {
                add_block(ps, s, e);
                goto finish;
        }
        r = exclusions_read(ev, ps->local, &ex);
        if (r < 0) {
                ps->error = r;
                goto finish;
        }
        if (!(uid && overridden(ps, uid, s)) && !excluded(&ex, start, s))
                add_block(ps, s, e);
        if (rrule) {
                struct icalrecurrencetype rule = icalproperty_get_rrule(rrule);
                icalrecur_iterator *it = icalrecur_iterator_new(rule, start);
                unsigned n = 0;

                if (!it)
                        goto finish; /* a rule libical cannot follow: the first instance only */
                for (struct icaltimetype t = icalrecur_iterator_next(it); !icaltime_is_null_time(t);
                     t = icalrecur_iterator_next(it)) {
                        int64_t ts;

                        if (++n > PARTNER_ITERATIONS_MAX || ps->error)
                                break;
                        if (++ps->iterations > PARTNER_FEED_ITERATIONS_MAX) {
                                ps->error = -E2BIG;
                                break;
                        }
                        if (!time_ok(t))
                                break; /* past year 9999 */
                        ts = clock_instant(&c, t);
                        if (ts >= ps->to)
                                break;
                        /* what add_block() would refuse, before the look-ups */
                        if (ts == s || ts < 0 || ts + length <= ps->from)
                                continue;
                        if ((uid && overridden(ps, uid, ts)) || excluded(&ex, t, ts))
                                continue;
                        add_block(ps, ts, ts + length);
                }
                icalrecur_iterator_free(it);
        }
        for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY); p;
             p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
                struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);
                int64_t ts;

                if (!time_ok(d.time))
                        continue; /* a PERIOD or a DATE: not a time this event starts */
                ts = clock_instant(&c, d.time);
                if (ts != s && !(uid && overridden(ps, uid, ts)) && !excluded(&ex, d.time, ts))
                        add_block(ps, ts, ts + length);
        }
finish:
        exclusions_done(&ex);
        clock_done(&c);
}

/* First pass: every RECURRENCE-ID, so that the instances they replace are skipped. */
static void collect_overrides(Parse *ps, icalcomponent *cal) {
        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev && !ps->error;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
                icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
                const char *uid = icalcomponent_get_uid(ev);
                Override *v;
                int64_t t;

                if (++ps->n_events > PARTNER_EVENTS_MAX) {
                        ps->error = -E2BIG;
                        return;
                }
                if (!p || !uid || !prop_instant(ev, p, ps->local, &t))
                        continue;
                v = realloc(ps->overrides, (ps->n_overrides + 1) * sizeof *v);
                if (!v || !(v[ps->n_overrides].uid = strdup(uid))) {
                        if (v)
                                ps->overrides = v;
                        ps->error = -ENOMEM;
                        return;
                }
                ps->overrides = v;
                v[ps->n_overrides++].rid = t;
        }
}

static int cmp_block(const void *a, const void *b) {
        const PartnerBlock *x = a, *y = b;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return x->end < y->end ? -1 : x->end > y->end ? 1 : 0;
}

/* A feed must be iCalendar and whole: it begins with BEGIN:VCALENDAR and its last line is
 * END:VCALENDAR. A cut download or an HTML error page served with 200 is refused here, before
 * libical (which is lenient) could read half a calendar as the whole truth. */
static bool looks_whole(const char *text, size_t len) {
        static const char begin[] = "BEGIN:VCALENDAR", end[] = "END:VCALENDAR";
        size_t i = 0, j = len;

        if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
                i = 3;
        while (i < len && strchr(" \t\r\n", text[i]))
                i++;
        while (j > i && strchr(" \t\r\n", text[j - 1]))
                j--;
        if (j - i < sizeof begin - 1 + sizeof end - 1 || strncasecmp(text + i, begin, sizeof begin - 1) != 0 ||
            strncasecmp(text + j - (sizeof end - 1), end, sizeof end - 1) != 0)
                return false;
        /* No NUL inside: libical reads a C string and would stop there. */
        return memchr(text, 0, len) == NULL;
}

static int parse_feed(const char *text, size_t len, const char *match, const Tz *local, usec_t from, usec_t to,
                      PartnerBlock **ret, size_t *ret_n) {
        Parse ps = { .match = match, .local = local, .from = (int64_t) (from / USEC_PER_SEC),
                     .to = (int64_t) ((to + USEC_PER_SEC - 1) / USEC_PER_SEC) };
        icalcomponent *root;
        size_t k = 0;
        bool any = false;

        if (len > PARTNER_FEED_MAX)
                return -EFBIG;
        if (!looks_whole(text, len))
                return -EBADMSG;
        icalerror_set_errors_are_fatal(0);
        root = icalparser_parse_string(text);
        if (!root)
                return -EBADMSG;
        /* Several VCALENDARs come back under an XROOT; one comes back as itself. */
        for (int pass = 0; pass < 2 && !ps.error; pass++) {
                icalcomponent *cal = icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT ? root :
                                     icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
                if (pass == 1 && ps.n_overrides > 1)
                        qsort(ps.overrides, ps.n_overrides, sizeof *ps.overrides, cmp_override);
                for (; cal && !ps.error; cal = cal == root ? NULL : icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT)) {
                        any = true;
                        if (pass == 0)
                                collect_overrides(&ps, cal);
                        else
                                for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
                                     ev && !ps.error; ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
                                        add_event(&ps, ev);
                }
        }
        icalcomponent_free(root);
        for (size_t i = 0; i < ps.n_overrides; i++)
                free(ps.overrides[i].uid);
        free(ps.overrides);
        if (!ps.error && !any)
                ps.error = -EBADMSG;
        if (ps.error) {
                free(ps.blocks);
                return ps.error;
        }
        if (ps.n_blocks > 1)
                qsort(ps.blocks, ps.n_blocks, sizeof *ps.blocks, cmp_block);
        for (size_t i = 0; i < ps.n_blocks; i++)
                if (k == 0 || cmp_block(&ps.blocks[k - 1], &ps.blocks[i]) != 0)
                        ps.blocks[k++] = ps.blocks[i];
        *ret = ps.blocks;
        *ret_n = k;
        return 0;
}

static ssize_t discard(void *cookie, const char *buf, size_t size) {
        return (ssize_t) size;
}

int partner_parse(const char *text, size_t len, const char *match, const Tz *local, usec_t from, usec_t to,
                  PartnerBlock **ret, size_t *ret_n) {
        /* libical writes a line to stderr for each thing it skips ("Encountered END before
         * BEGIN", with its own source file and line): from a feed off the network, that is our
         * log written by someone else, a line per bad line of the feed at every refresh. What
         * it skips is simply not read; the lines go nowhere while it runs. */
        FILE *saved = stderr, *sink = fopencookie(NULL, "w", (cookie_io_functions_t) { .write = discard });
        int r;

        if (sink) {
                fflush(stderr);
                stderr = sink;
        }
        r = parse_feed(text, len, match, local, from, to, ret, ret_n);
        if (sink) {
                stderr = saved;
                fclose(sink);
        }
        return r;
}

PartnerNow partner_now(const PartnerBlock *v, size_t n, usec_t now) {
        PartnerNow r = {};
        size_t i = 0;

        usec_t rs = 0, re = 0;

        /* The runs of overlapping or touching blocks that start by now; the last one, if it
         * is not over, is the block on now. */
        for (; i < n && v[i].start <= now; i++)
                if (re && v[i].start <= re)
                        re = MAX(re, v[i].end);
                else
                        rs = v[i].start, re = v[i].end;
        if (re > now)
                r.since = rs, r.until = re;
        for (; i < n; i++) {
                if (r.until && v[i].start <= r.until) {
                        r.until = MAX(r.until, v[i].end);
                        continue;
                }
                if (!r.next_start) {
                        r.next_start = v[i].start;
                        r.next_end = v[i].end;
                } else if (v[i].start <= r.next_end)
                        r.next_end = MAX(r.next_end, v[i].end);
                else
                        break;
        }
        return r;
}
