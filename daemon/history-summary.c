/* SPDX-License-Identifier: MIT */
/* history-summary.c: the history summed by local day, read once and then only what was appended,
 * so that GetStats costs the days it asks about and not the years the history holds. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "macro.h"

/* What count_event() adds for the events of one day, when all of them are in the window. */
typedef struct DaySums {
        usec_t planned, kept, manual_kept, away, away_of;
        uint32_t completed, stopped, skipped, missed, manual, reminders_shown, reminders_done, reminders_missed;
        uint64_t arrived;        /* unsaturated: each line adds at most UINT32_MAX */
} DaySums;

#define KEEP_NONE 255

typedef struct DayRecord {
        int64_t day;
        bool counted;            /* events are dated on this day (min_when, max_when are set) */
        usec_t min_when, max_when;
        usec_t max_time;         /* the latest recording time of a line that bears on this day */
        uint64_t lo, hi;         /* the bytes of the file that hold every such line */
        DaySums sums;
        bool planned;            /* a scheduled block's occurrence is on this day */
        bool broken;             /* …skipped or missed */
        uint8_t keep;            /* of its blocks stopped early: the largest away share that keeps
                                  * them all (0: none keeps them), KEEP_NONE when there is none */
} DayRecord;

#define TAIL_CHECK 32
#define READ_CHUNK (64 * 1024)

struct HistorySummary {
        int64_t (*local_day_of)(usec_t t, void *userdata);
        void *userdata;

        DayRecord *days;         /* sorted by day */
        size_t n_days, n_alloc;

        bool have_file;
        dev_t dev;
        ino_t ino;
        uint64_t pos;            /* bytes read */
        uint64_t line_lo;        /* where the line being read began */
        char tail[TAIL_CHECK];   /* the last bytes before pos, to see a file rewritten in place */
        size_t n_tail;
        char line[HISTORY_LINE_MAX + 1];
        size_t n;
        bool bad;                /* the line being read is overlong or has a NUL byte */

        /* A scheduled block stopped early, its day and lines, waiting for the next line to say
         * whether the away share may keep it. */
        bool pending;
        HistoryEvent stopped;
        int64_t pending_day;
};

static int64_t utc_day_of(usec_t t, _unused_ void *userdata) {
        return (int64_t) (t / USEC_PER_DAY);
}

int history_summary_new(int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, HistorySummary **ret) {
        HistorySummary *s = calloc(1, sizeof(HistorySummary));

        if (!s)
                return -ENOMEM;
        s->local_day_of = local_day_of ?: utc_day_of;
        s->userdata = userdata;
        *ret = s;
        return 0;
}

void history_summary_reset(HistorySummary *s) {
        if (!s)
                return;
        free(s->days);
        *s = (HistorySummary) { .local_day_of = s->local_day_of, .userdata = s->userdata };
}

HistorySummary *history_summary_free(HistorySummary *s) {
        if (!s)
                return NULL;
        free(s->days);
        free(s);
        return NULL;
}

size_t history_summary_size(const HistorySummary *s) {
        return s ? sizeof(*s) + s->n_alloc * sizeof(DayRecord) : 0;
}

static usec_t add_saturated(usec_t a, usec_t b) {
        return a > USEC_INFINITY - b ? USEC_INFINITY : a + b;
}

/* The first record whose day is ≥ day. */
static size_t lower_bound(const HistorySummary *s, int64_t day) {
        size_t a = 0, b = s->n_days;

        /* Days come mostly in order: the last one first. */
        if (b > 0 && s->days[b - 1].day < day)
                return b;
        while (a < b) {
                size_t m = a + (b - a) / 2;
                if (s->days[m].day < day)
                        a = m + 1;
                else
                        b = m;
        }
        return a;
}

static DayRecord *record_get(HistorySummary *s, int64_t day, usec_t time, uint64_t lo, uint64_t hi) {
        size_t i = lower_bound(s, day);
        DayRecord *r;

        if (i == s->n_days || s->days[i].day != day) {
                if (s->n_days == s->n_alloc) {
                        size_t n = MAX(s->n_alloc * 2, (size_t) 64);
                        DayRecord *v = reallocarray(s->days, n, sizeof(DayRecord));
                        if (!v)
                                return NULL;
                        s->days = v;
                        s->n_alloc = n;
                }
                memmove(&s->days[i + 1], &s->days[i], (s->n_days - i) * sizeof(DayRecord));
                s->days[i] = (DayRecord) { .day = day, .lo = lo, .keep = KEEP_NONE };
                s->n_days++;
        }
        r = &s->days[i];
        r->max_time = MAX(r->max_time, time);
        r->lo = MIN(r->lo, lo);
        r->hi = MAX(r->hi, hi);
        return r;
}

/* The largest share (1–100) for which history_block_kept() keeps the stopped block, 0 for none:
 * kept under share X exactly when this is ≥ min(X, 100). */
static uint8_t keep_share(usec_t planned, usec_t away) {
        for (unsigned x = 100; x > 0; x--)
                if (history_block_kept(HISTORY_STOPPED, planned, away, x))
                        return (uint8_t) x;
        return 0;
}

static void sums_add_event(DaySums *d, const HistoryEvent *ev, bool scheduled) {
        switch (ev->kind) {
        case HISTORY_STARTED:
                if (scheduled)
                        d->planned = add_saturated(d->planned, ev->planned);
                else
                        d->manual++;
                break;
        case HISTORY_COMPLETED:
        case HISTORY_STOPPED:
                if (!scheduled) {
                        d->manual_kept = add_saturated(d->manual_kept, ev->kept);
                        break;
                }
                if (ev->kind == HISTORY_COMPLETED)
                        d->completed++;
                else
                        d->stopped++;
                d->kept = add_saturated(d->kept, ev->kept);
                break;
        case HISTORY_SKIPPED:
        case HISTORY_MISSED:
                if (ev->kind == HISTORY_SKIPPED)
                        d->skipped++;
                else
                        d->missed++;
                d->planned = add_saturated(d->planned, ev->planned);
                break;
        case HISTORY_REMINDER_SHOWN:
                d->reminders_shown++;
                break;
        case HISTORY_REMINDER_DONE:
                d->reminders_done++;
                break;
        case HISTORY_REMINDER_MISSED:
                d->reminders_missed++;
                break;
        case HISTORY_AWAY:
                if (scheduled) {
                        d->away = add_saturated(d->away, ev->kept);
                        d->away_of = add_saturated(d->away_of, ev->planned);
                }
                break;
        case HISTORY_ARRIVED:
                d->arrived += MIN(ev->planned, (usec_t) UINT32_MAX);
                break;
        default:
                break;
        }
}

static void stats_add_sums(Stats *st, const DaySums *d) {
        st->planned = add_saturated(st->planned, d->planned);
        st->kept = add_saturated(st->kept, d->kept);
        st->manual_kept = add_saturated(st->manual_kept, d->manual_kept);
        st->away = add_saturated(st->away, d->away);
        st->away_of = add_saturated(st->away_of, d->away_of);
        st->completed += d->completed;
        st->stopped += d->stopped;
        st->skipped += d->skipped;
        st->missed += d->missed;
        st->manual += d->manual;
        st->reminders_shown += d->reminders_shown;
        st->reminders_done += d->reminders_done;
        st->reminders_missed += d->reminders_missed;
        st->arrived = (uint32_t) MIN((uint64_t) st->arrived + MIN(d->arrived, (uint64_t) UINT32_MAX), (uint64_t) UINT32_MAX);
}

/* A day's figures read from the file: what the summary alone cannot say. */
static void stats_add_stats(Stats *st, const Stats *d) {
        DaySums x = {
                .planned = d->planned, .kept = d->kept, .manual_kept = d->manual_kept, .away = d->away,
                .away_of = d->away_of, .completed = d->completed, .stopped = d->stopped, .skipped = d->skipped,
                .missed = d->missed, .manual = d->manual, .reminders_shown = d->reminders_shown,
                .reminders_done = d->reminders_done, .reminders_missed = d->reminders_missed, .arrived = d->arrived,
        };
        stats_add_sums(st, &x);
}

/* One valid line, in file order, as count_event() would see it with no window and no until. */
static int summary_line(HistorySummary *s, const HistoryEvent *ev, uint64_t lo, uint64_t hi) {
        bool scheduled = !streq(ev->source, "manual");
        usec_t t = scheduled && ev->of != 0 ? ev->of : ev->time;
        DayRecord *r;

        if (s->pending) {
                uint8_t k = 0;

                /* The line after a stopped block bears on its day: it settles it. */
                r = record_get(s, s->pending_day, ev->time, lo, hi);
                if (!r)
                        return -ENOMEM;
                if (ev->kind == HISTORY_AWAY && scheduled && streq(ev->source, s->stopped.source) &&
                    streq(ev->entry, s->stopped.entry) && ev->of == s->stopped.of)
                        k = keep_share(s->stopped.planned, ev->kept);
                r->keep = MIN(r->keep, k);
                s->pending = false;
        }

        r = record_get(s, s->local_day_of(t, s->userdata), ev->time, lo, hi);
        if (!r)
                return -ENOMEM;
        if (!r->counted) {
                r->counted = true;
                r->min_when = r->max_when = t;
        }
        r->min_when = MIN(r->min_when, t);
        r->max_when = MAX(r->max_when, t);
        sums_add_event(&r->sums, ev, scheduled);

        /* The streak's marks go to the occurrence's day, as mark_day() puts them. */
        if (ev->of == 0)
                return 0;
        switch (ev->kind) {
        case HISTORY_STARTED:
        case HISTORY_COMPLETED:
        case HISTORY_STOPPED:
                if (!scheduled)
                        break;
                r = record_get(s, s->local_day_of(ev->of, s->userdata), ev->time, lo, hi);
                if (!r)
                        return -ENOMEM;
                r->planned = true;
                if (ev->kind == HISTORY_STOPPED) {
                        s->pending = true;
                        s->stopped = *ev;
                        s->pending_day = r->day;
                }
                break;
        case HISTORY_SKIPPED:
        case HISTORY_MISSED:
                r = record_get(s, s->local_day_of(ev->of, s->userdata), ev->time, lo, hi);
                if (!r)
                        return -ENOMEM;
                r->planned = r->broken = true;
                break;
        default:
                break;
        }
        return 0;
}

static int summary_bytes(HistorySummary *s, const char *buf, size_t len) {
        int r;

        while (len > 0) {
                const char *nl = memchr(buf, '\n', len);
                size_t k = nl ? (size_t) (nl - buf) : len;

                if (!s->bad) {
                        if (k > HISTORY_LINE_MAX - s->n || memchr(buf, '\0', k))
                                s->bad = true;
                        else {
                                memcpy(s->line + s->n, buf, k);
                                s->n += k;
                        }
                }
                s->pos += k;
                buf += k;
                len -= k;
                if (!nl)
                        break;

                s->pos++;
                buf++;
                len--;
                if (!s->bad) {
                        HistoryEvent ev;

                        s->line[s->n] = '\0';
                        if (history_parse_line(s->line, &ev) >= 0) {
                                r = summary_line(s, &ev, s->line_lo, s->pos);
                                if (r < 0)
                                        return r;
                        }
                }
                s->n = 0;
                s->bad = false;
                s->line_lo = s->pos;
        }
        return 0;
}

int history_summary_refresh(HistorySummary *s, const char *path, uint64_t max_bytes) {
        _cleanup_close_ int fd = -1;
        char buf[READ_CHUNK];
        uint64_t read_now = 0;
        struct stat st;
        ssize_t k;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno != ENOENT)
                        return -errno;
                history_summary_reset(s);
                return 1;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;

        /* Append-only: anything else (replaced, cut, rewritten) is read again from the start. */
        if (s->have_file && (s->dev != st.st_dev || s->ino != st.st_ino || (uint64_t) st.st_size < s->pos))
                history_summary_reset(s);
        if (s->n_tail > 0) {
                char t[TAIL_CHECK];

                k = pread(fd, t, s->n_tail, (off_t) (s->pos - s->n_tail));
                if (k < 0)
                        return -errno;
                if ((size_t) k != s->n_tail || memcmp(t, s->tail, s->n_tail) != 0)
                        history_summary_reset(s);
        }
        s->have_file = true;
        s->dev = st.st_dev;
        s->ino = st.st_ino;

        while (s->pos < (uint64_t) st.st_size && read_now < max_bytes) {
                size_t want = (size_t) MIN((uint64_t) sizeof(buf), MIN((uint64_t) st.st_size - s->pos, max_bytes - read_now));

                k = pread(fd, buf, want, (off_t) s->pos);
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                read_now += (uint64_t) k;
                r = summary_bytes(s, buf, (size_t) k);
                if (r < 0) {
                        history_summary_reset(s);
                        return r;
                }
                s->n_tail = (size_t) MIN((uint64_t) TAIL_CHECK, s->pos);
                if ((size_t) k >= s->n_tail)
                        memcpy(s->tail, buf + k - s->n_tail, s->n_tail);
                else {
                        k = pread(fd, s->tail, s->n_tail, (off_t) (s->pos - s->n_tail));
                        if (k < 0 || (size_t) k != s->n_tail) {
                                history_summary_reset(s);
                                return k < 0 ? -errno : -EIO;
                        }
                }
        }
        return s->pos >= (uint64_t) st.st_size;
}

/* Whether the summary can give this day's figures for [since, until) without reading the file. */
static bool record_clean(const DayRecord *r, usec_t since, usec_t until) {
        if (r->max_time >= until)
                return false; /* lines recorded after until: the clock went back */
        return !r->counted || r->max_when < since || r->min_when >= until ||
               (r->min_when >= since && r->max_when < until);
}

static bool record_in(const DayRecord *r, usec_t since, usec_t until) {
        return r->counted && r->max_when >= since && r->min_when < until;
}

static uint8_t record_flags(const HistorySummary *s, const DayRecord *r, unsigned away_share) {
        uint8_t f = 0;

        if (r->planned)
                f |= HISTORY_DAY_PLANNED;
        if (r->broken || (s->pending && s->pending_day == r->day))
                f |= HISTORY_DAY_BROKEN;
        if (r->keep != KEEP_NONE && (away_share == 0 || r->keep < MIN(away_share, 100u)))
                f |= HISTORY_DAY_BROKEN;
        return f;
}

int history_summary_stats(HistorySummary *s, const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                          Stats *ret) {
        uint8_t days[HISTORY_STREAK_DAYS] = {};
        unsigned away_share = rules ? rules->away_share : 0;
        Stats st = { .since = since, .until = until };
        int64_t today, first, last, from;
        int r;

        if (until == 0 || until < since)
                return -EINVAL;
        today = s->local_day_of(until - 1, s->userdata);
        first = s->local_day_of(since, s->userdata);
        /* A day either side: local days may step back around a change of offset at midnight. */
        from = MIN(first - 1, today - (HISTORY_STREAK_DAYS - 1));
        last = today + 1;

        for (size_t i = lower_bound(s, from); i < s->n_days && s->days[i].day <= last; i++) {
                const DayRecord *d = &s->days[i];
                bool streak_day = d->day <= today && today - d->day < HISTORY_STREAK_DAYS;

                if (!record_clean(d, since, until)) {
                        Stats x;
                        uint8_t f;

                        r = history_stats_day(path, since, until, rules, s->local_day_of, s->userdata, d->day, d->lo,
                                              d->hi, &x, &f);
                        if (r < 0)
                                return r;
                        stats_add_stats(&st, &x);
                        if (streak_day)
                                days[today - d->day] = f;
                        continue;
                }
                if (record_in(d, since, until))
                        stats_add_sums(&st, &d->sums);
                if (streak_day)
                        days[today - d->day] = record_flags(s, d, away_share);
        }

        history_streak(days, HISTORY_STREAK_DAYS, rules ? rules->allowance : 0, &st.streak, &st.strength);
        *ret = st;
        return 0;
}

int history_summary_days(HistorySummary *s, const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                         size_t max_days, HistoryDay **ret_days, size_t *ret_n) {
        _cleanup_free_ HistoryDay *v = NULL;
        int64_t today, first;
        size_t n, i;
        int r;

        if (until == 0 || until < since)
                return -EINVAL;
        today = s->local_day_of(until - 1, s->userdata);
        first = s->local_day_of(since, s->userdata);
        if (max_days == 0 || first > today) {
                *ret_days = NULL;
                *ret_n = 0;
                return 0;
        }
        first = MAX(first, today - (int64_t) max_days + 1);
        n = (size_t) (today - first + 1);
        v = calloc(n, sizeof(HistoryDay));
        if (!v)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                v[k].day = first + (int64_t) k;

        i = lower_bound(s, first);
        for (; i < s->n_days && s->days[i].day <= today; i++) {
                const DayRecord *d = &s->days[i];
                Stats *x = &v[d->day - first].stats;

                if (!record_clean(d, since, until)) {
                        r = history_stats_day(path, since, until, rules, s->local_day_of, s->userdata, d->day, d->lo,
                                              d->hi, x, NULL);
                        if (r < 0)
                                return r;
                } else if (record_in(d, since, until))
                        stats_add_sums(x, &d->sums);
                x->since = x->until = 0;
        }
        *ret_days = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}
