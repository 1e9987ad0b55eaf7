/* SPDX-License-Identifier: MIT */
/* fuzz-history.c: libFuzzer target: any bytes as a history file. Each line that parses must
 * format and re-parse to the same event; each event the writer accepts must read back; the stats
 * reader must give exactly the figures a plain reading of the valid lines gives (every GetStats
 * figure but the streak and the strength, which are checked against the next reading); and the
 * per-day summary GetStats answers from, read in pieces, must give the whole read's figures to the
 * last bit, every one of them, and for each day of GetStats' Days a plain count of that day's
 * lines. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "history.h"
#include "macro.h"

static bool same_event(const HistoryEvent *a, const HistoryEvent *b) {
        return a->time == b->time && a->kind == b->kind && streq(a->source, b->source) &&
               streq(a->entry, b->entry) && a->of == b->of && a->planned == b->planned &&
               a->kept == b->kept;
}

/* What the writer writes, the reader reads back, and writes again the same. */
static void check_written(const HistoryEvent *ev) {
        _cleanup_free_ char *l1 = NULL, *l2 = NULL;
        HistoryEvent back;
        int r;

        r = history_format_line(ev, &l1);
        if (r < 0)
                return;
        if (strlen(l1) > HISTORY_LINE_MAX || l1[strlen(l1) - 1] != '\n' || strchr(l1, '\n')[1] != '\0')
                abort();
        if (history_parse_line(l1, &back) < 0 || !same_event(ev, &back))
                abort();
        if (history_format_line(&back, &l2) < 0 || !streq(l1, l2))
                abort();
}

static void check_line(const char *line) {
        HistoryEvent ev, raw = {};
        int r;

        r = history_parse_line(line, &ev);
        if (r < 0) {
                if (r != -EBADMSG && r != -ENOMEM)
                        abort();
        } else {
                /* the reader's output is the writer's input: it must be accepted */
                _cleanup_free_ char *l = NULL;
                if (history_format_line(&ev, &l) < 0)
                        abort();
                check_written(&ev);
        }

        /* The line's bytes as the fields of an event, to reach what the reader cannot build. */
        size_t n = strlen(line);
        raw.time = n;
        raw.kind = n > 0 ? (HistoryKind) ((unsigned char) line[0] % (_HISTORY_KIND_MAX + 1)) : 0;
        memcpy(raw.source, line, MIN(n, sizeof(raw.source) - 1));
        if (n > 1)
                memcpy(raw.entry, line + 1, MIN(n - 1, sizeof(raw.entry) - 1));
        raw.of = n * 3;
        check_written(&raw);
        memset(raw.source, 0, sizeof(raw.source));
        check_written(&raw);
}

typedef struct Counts {
        usec_t planned, kept, manual_kept, away, away_of;
        unsigned completed, stopped, skipped, missed, manual, shown, done, reminders_missed;
        uint32_t arrived;
} Counts;

static usec_t add_saturated(usec_t a, usec_t b) {
        return a > USEC_INFINITY - b ? USEC_INFINITY : a + b;
}

/* history.h: an event counts in [since, until) by its time, but a scheduled one (any source but
 * "manual") by its occurrence's planned start when it has one; only lines recorded before until
 * are read at all. */
static void count(Counts *c, const HistoryEvent *ev, usec_t since, usec_t until,
                  int64_t (*day_of)(usec_t t, void *userdata), int64_t day) {
        bool manual = streq(ev->source, "manual");
        usec_t t = !manual && ev->of != 0 ? ev->of : ev->time;

        if (ev->time >= until || t < since || t >= until)
                return;
        /* one day of GetStats' Days: the events whose local day (as dated above) is that day */
        if (day_of && day_of(t, NULL) != day)
                return;
        switch (ev->kind) {
        case HISTORY_STARTED:
                /* a scheduled block's planned time counts from its start line */
                if (manual)
                        c->manual++;
                else
                        c->planned = add_saturated(c->planned, ev->planned);
                break;
        case HISTORY_COMPLETED:
        case HISTORY_STOPPED:
                /* a manual recharge is no block: its time is ManualKept */
                if (manual)
                        c->manual_kept = add_saturated(c->manual_kept, ev->kept);
                else {
                        c->completed += ev->kind == HISTORY_COMPLETED;
                        c->stopped += ev->kind == HISTORY_STOPPED;
                        c->kept = add_saturated(c->kept, ev->kept);
                }
                break;
        case HISTORY_SKIPPED:
        case HISTORY_MISSED:
                /* whatever the source says */
                c->skipped += ev->kind == HISTORY_SKIPPED;
                c->missed += ev->kind == HISTORY_MISSED;
                c->planned = add_saturated(c->planned, ev->planned);
                break;
        case HISTORY_REMINDER_SHOWN:
                c->shown++;
                break;
        case HISTORY_REMINDER_DONE:
                c->done++;
                break;
        case HISTORY_REMINDER_MISSED:
                c->reminders_missed++;
                break;
        case HISTORY_AWAY:
                /* Away and AwayOf: scheduled blocks only */
                if (!manual) {
                        c->away = add_saturated(c->away, ev->kept);
                        c->away_of = add_saturated(c->away_of, ev->planned);
                }
                break;
        case HISTORY_ARRIVED:
                /* Arrived: a count per line, both saturated at UINT32_MAX */
                c->arrived = (uint32_t) MIN((uint64_t) c->arrived + MIN(ev->planned, (usec_t) UINT32_MAX),
                                            (uint64_t) UINT32_MAX);
                break;
        default:
                abort();
        }
}

static bool same_counts(const Stats *st, const Counts *c) {
        return st->planned == c->planned && st->kept == c->kept && st->manual_kept == c->manual_kept &&
               st->away == c->away && st->away_of == c->away_of && st->completed == c->completed &&
               st->stopped == c->stopped && st->skipped == c->skipped && st->missed == c->missed &&
               st->manual == c->manual && st->reminders_shown == c->shown && st->reminders_done == c->done &&
               st->reminders_missed == c->reminders_missed && st->arrived == c->arrived;
}

/* Every figure of GetStats (the window's; for a day of Days, since, until, streak and strength are
 * not used and must both be 0 there). */
static bool same_stats(const Stats *a, const Stats *b) {
        return a->since == b->since && a->until == b->until && a->planned == b->planned && a->kept == b->kept &&
               a->completed == b->completed && a->stopped == b->stopped && a->skipped == b->skipped &&
               a->missed == b->missed && a->manual == b->manual && a->manual_kept == b->manual_kept &&
               a->reminders_shown == b->reminders_shown && a->reminders_done == b->reminders_done &&
               a->reminders_missed == b->reminders_missed && a->away == b->away && a->away_of == b->away_of &&
               a->streak == b->streak && a->strength == b->strength && a->arrived == b->arrived;
}

static void report(const char *what, const Stats *a, const Stats *b) {
        const Stats *v[2] = { a, b };

        fprintf(stderr, "fuzz-history: %s\n", what);
        for (int i = 0; i < 2; i++)
                if (v[i])
                        fprintf(stderr,
                                "  since %" PRIu64 " until %" PRIu64 " planned %" PRIu64 " kept %" PRIu64 " completed %u "
                                "stopped %u skipped %u missed %u manual %u manual_kept %" PRIu64 " shown %u done %u "
                                "rmissed %u away %" PRIu64 " away_of %" PRIu64 " streak %u strength %u arrived %u\n",
                                v[i]->since, v[i]->until, v[i]->planned, v[i]->kept, v[i]->completed, v[i]->stopped,
                                v[i]->skipped, v[i]->missed, v[i]->manual, v[i]->manual_kept, v[i]->reminders_shown,
                                v[i]->reminders_done, v[i]->reminders_missed, v[i]->away, v[i]->away_of, v[i]->streak,
                                v[i]->strength, v[i]->arrived);
        abort();
}

static int64_t utc_day_of(usec_t t, _unused_ void *userdata) {
        return (int64_t) (t / USEC_PER_DAY);
}

/* A local day with a clock that changes: +01:00, and +02:00 in the odd five-day stretches, so that
 * local days are 23 and 25 hours long at the changes and step back at midnight, as a summer time
 * can. */
static int64_t toy_day_of(usec_t t, _unused_ void *userdata) {
        usec_t offset = (t / (5 * USEC_PER_DAY)) % 2 ? 2 * USEC_PER_HOUR : USEC_PER_HOUR;

        /* without wrapping near UINT64_MAX, as the daemon's tz_to_local() does not */
        return (int64_t) (t / USEC_PER_DAY + (t % USEC_PER_DAY + offset) / USEC_PER_DAY);
}

/* The summary, read in pieces of `piece` bytes, against the whole read (every figure) and a plain
 * count of the lines, for windows between the cuts (sorted); each of the (at most 31) days
 * GetStats' Days lists against a plain count of that day's lines. */
static void check_summary(const char *path, const HistoryEvent *evs, size_t n_evs, int64_t (*day_of)(usec_t, void *),
                          size_t piece, const usec_t *cuts, size_t n_cuts) {
        static const HistoryRules rules[] = { { 0, 0 }, { 2, 30 }, { 1, 100 }, { 0, 1 } };
        HistorySummary *sum = NULL;
        int r;

        if (history_summary_new(day_of, NULL, &sum) < 0)
                return;
        for (unsigned k = 0; (r = history_summary_refresh(sum, path, piece)) == 0; k++)
                if (k > HISTORY_LINE_MAX * 8)
                        abort(); /* a refresh that never gets to the end */
        if (r == -ENOMEM)
                goto finish;
        if (r != 1)
                abort();

        /* The windows from each cut to the last one, and between neighbours: every day cut in the
         * middle at either end, at a fraction of the cost of every pair. */
        for (size_t i = 0; i < n_cuts; i++)
                for (size_t j = i; j < n_cuts; j++) {
                        usec_t since = cuts[i], until = cuts[j];

                        if (j != n_cuts - 1 && j != i + 1)
                                continue;
                        const HistoryRules *rl = &rules[(i + j) % ELEMENTSOF(rules)];
                        _cleanup_free_ HistoryDay *days = NULL;
                        Stats whole, fast;
                        size_t n = 0;

                        if (until == 0)
                                continue;
                        r = history_stats_with(path, since, until, rl, day_of, NULL, &whole);
                        if (r == -ENOMEM)
                                goto finish;
                        if (r < 0)
                                abort();
                        r = history_summary_stats(sum, path, since, until, rl, &fast);
                        if (r == -ENOMEM)
                                goto finish;
                        if (r < 0)
                                abort();
                        if (!same_stats(&whole, &fast))
                                report("the summary's stats differ from the whole read's (whole, summary)", &whole, &fast);
                        if (whole.streak > HISTORY_STREAK_DAYS || whole.strength > 1000)
                                report("streak or strength out of range", &whole, NULL);
                        Counts c = {};
                        for (size_t k = 0; k < n_evs; k++)
                                count(&c, &evs[k], since, until, NULL, 0);
                        if (!same_counts(&fast, &c))
                                report("the summary's stats differ from a plain count of the lines", &fast, NULL);

                        r = history_summary_days(sum, path, since, until, rl, 31, &days, &n);
                        if (r == -ENOMEM)
                                goto finish;
                        if (r < 0 || n > 31)
                                abort();
                        for (size_t d = 0; d < n; d++) {
                                const Stats *x = &days[d].stats;
                                Counts one = {};

                                if (d > 0 && days[d].day != days[d - 1].day + 1)
                                        abort(); /* Days are consecutive, oldest first */
                                for (size_t k = 0; k < n_evs; k++)
                                        count(&one, &evs[k], since, until, day_of ?: utc_day_of, days[d].day);
                                if (!same_counts(x, &one) || x->since || x->until || x->streak || x->strength)
                                        report("a day of Days differs from a plain count of that day's lines", x, NULL);
                        }
                        if (n > 0 && days[n - 1].day != (day_of ?: utc_day_of)(until - 1, NULL))
                                abort(); /* the last day is until's */
                }
finish:
        history_summary_free(sum);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static int fd = -1;
        static char path[64];
        _cleanup_free_ char *text = NULL;
        usec_t max_time = 0, mid;
        Counts all = {}, late = {};
        Stats st;
        int r;

        if (fd < 0) {
                fd = memfd_create("fuzz-history", MFD_CLOEXEC);
                if (fd < 0)
                        abort();
                snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        }
        if (ftruncate(fd, 0) < 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t) size))
                abort();

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        /* Line by line as the stats reader sees them: only complete lines (a last one without its
         * newline is cut), without NUL bytes. */
        HistoryEvent *evs = calloc(size / 2 + 1, sizeof(HistoryEvent));
        size_t n_evs = 0;
        if (!evs)
                return 0;
        for (size_t i = 0; i < size;) {
                const char *nl = memchr(text + i, '\n', size - i);
                size_t len = nl ? (size_t) (nl - (text + i)) : size - i;
                bool has_nul = memchr(text + i, '\0', len) != NULL;
                char *line = strndup(text + i, len);

                if (!line)
                        break;
                check_line(line);
                if (nl && !has_nul && history_parse_line(line, &evs[n_evs]) >= 0) {
                        max_time = MAX(max_time, evs[n_evs].time);
                        n_evs++;
                }
                free(line);
                i += len + 1;
        }

        /* The stats of the whole file, and of its later half, against our own count. */
        if (max_time >= USEC_INFINITY - 1)
                max_time = USEC_INFINITY - 2;
        mid = max_time / 2;
        for (size_t k = 0; k < n_evs; k++) {
                count(&all, &evs[k], 0, max_time + 1, NULL, 0);
                count(&late, &evs[k], mid, max_time + 1, NULL, 0);
        }

        for (int w = 0; w < 2; w++) {
                const Counts *c = w == 0 ? &all : &late;
                r = history_stats(path, w == 0 ? 0 : mid, max_time + 1, NULL, NULL, &st);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0)
                        abort();
                if (st.since != (w == 0 ? 0 : mid) || st.until != max_time + 1 || !same_counts(&st, c) ||
                    st.streak > HISTORY_STREAK_DAYS || st.strength > 1000)
                        report("the stats differ from a plain count of the lines", &st, NULL);
        }

        /* The summary against the whole read, in windows cut at the events' own times and
         * occurrences (a day cut in the middle, lines recorded after until), UTC days or a clock
         * that changes, read in pieces from one byte to all at once. */
        usec_t cuts[6] = { 0, mid, max_time + 1 };
        size_t n_cuts = 3;
        if (n_evs > 0) {
                cuts[n_cuts++] = evs[0].time;
                cuts[n_cuts++] = evs[n_evs / 2].of ?: evs[n_evs / 2].time;
                cuts[n_cuts++] = evs[n_evs - 1].time + 1;
        }
        for (size_t i = 1; i < n_cuts; i++) /* sorted, for since ≤ until */
                for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                        usec_t x = cuts[j];
                        cuts[j] = cuts[j - 1];
                        cuts[j - 1] = x;
                }
        /* UTC days or the toy clock by the first byte's lowest bit (a digit's parity, usually);
         * a third of the inputs in one piece, the rest in pieces of 1 to 97 bytes. */
        check_summary(path, evs, n_evs, size > 0 && data[0] % 2 ? toy_day_of : NULL,
                      size % 3 == 0 ? UINT64_MAX : size % 97 + 1, cuts, n_cuts);
finish:
        free(evs);
        return 0;
}
