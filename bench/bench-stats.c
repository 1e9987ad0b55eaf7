/* SPDX-License-Identifier: MIT */
/* bench-stats.c: what a GetStats costs as the history grows (1, 5, 10 years): the whole read it did
 * before (history_stats_with) against the per-day summary it uses now (a refresh, then
 * history_summary_stats), for a week and for everything, as µs per call and their ratio, in one
 * run; and what the summary costs once (reading it all) and holds. Not a test: prints figures.
 * `bench-stats [DIR [YEARS...]]` (default: a folder in /tmp, 1 5 10); `bench-stats write PATH YEARS`
 * writes YEARS of such a history up to an hour ago (bench-stats.sh's daemons read it). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "macro.h"
#include "tz.h"

static const Tz *zone;

static int64_t zone_day(usec_t t, _unused_ void *userdata) {
        return local_day(tz_to_local(zone, (int64_t) (t / USEC_PER_SEC)));
}

static double now_sec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A day of someone's use: two blocks (one stopped early, with its away line), six reminders
 * shown and four done, a skip now and then, what arrived during a dnd block: ~20 lines. */
static void write_years(const char *path, usec_t end, unsigned years) {
        FILE *f = fopen(path, "we");
        usec_t first = end - (usec_t) years * 365 * USEC_PER_DAY;

        if (!f)
                abort();
        for (usec_t day = first; day < end; day += USEC_PER_DAY) {
                usec_t b = day + 7 * USEC_PER_HOUR, e = day + 19 * USEC_PER_HOUR;
                unsigned n = (unsigned) (day / USEC_PER_DAY);

                fprintf(f, "%" PRIu64 " started schedule \"morning\" %" PRIu64 " 2700000000 0\n", b, b);
                fprintf(f, "%" PRIu64 " completed schedule \"morning\" %" PRIu64 " 2700000000 2700000000\n",
                        b + 2700 * USEC_PER_SEC, b);
                fprintf(f, "%" PRIu64 " away schedule \"morning\" %" PRIu64 " 2700000000 2280000000\n",
                        b + 2700 * USEC_PER_SEC, b);
                for (unsigned r = 0; r < 6; r++) {
                        usec_t t = day + (9 + r * 90 / 60) * USEC_PER_HOUR;
                        fprintf(f, "%" PRIu64 " reminder-shown - \"stretch\" %" PRIu64 " 0 0\n", t, t);
                        if (r % 3 != 2)
                                fprintf(f, "%" PRIu64 " reminder-done - \"stretch\" %" PRIu64 " 0 0\n", t + 60 * USEC_PER_SEC, t);
                }
                if (n % 9 == 0) {
                        fprintf(f, "%" PRIu64 " skipped schedule \"evening\" %" PRIu64 " 3600000000 0\n", (uint64_t) (e - USEC_PER_HOUR), e);
                        continue;
                }
                fprintf(f, "%" PRIu64 " started schedule \"evening\" %" PRIu64 " 3600000000 0\n", e, e);
                fprintf(f, "%" PRIu64 " stopped schedule \"evening\" %" PRIu64 " 3600000000 2400000000\n",
                        e + 2400 * USEC_PER_SEC, e);
                fprintf(f, "%" PRIu64 " away schedule \"evening\" %" PRIu64 " 2400000000 2000000000\n",
                        e + 2400 * USEC_PER_SEC, e);
                fprintf(f, "%" PRIu64 " arrived - \"Signal\" 0 3 0\n", e + 2400 * USEC_PER_SEC);
                fprintf(f, "%" PRIu64 " arrived - \"Mail\" 0 5 0\n", e + 2400 * USEC_PER_SEC);
        }
        fclose(f);
}

/* Median of k runs of as many calls as fill ~50 ms, in µs per call. */
static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

typedef struct Query {
        const char *path;
        HistorySummary *sum;
        usec_t since, until;
        bool summary;
} Query;

static void run_query(const Query *q) {
        HistoryRules rules = { .allowance = 2, .away_share = 80 };
        Stats s;

        if (q->summary) {
                if (history_summary_refresh(q->sum, q->path, UINT64_MAX) < 0 ||
                    history_summary_stats(q->sum, q->path, q->since, q->until, &rules, &s) < 0)
                        abort();
        } else if (history_stats_with(q->path, q->since, q->until, &rules, zone_day, NULL, &s) < 0)
                abort();
}

static double per_call_us(const Query *q) {
        double runs[7];

        for (size_t k = 0; k < ELEMENTSOF(runs); k++) {
                unsigned n = 0;
                double t0 = now_sec(), t;
                do {
                        run_query(q);
                        n++;
                        t = now_sec();
                } while (t - t0 < 0.05);
                runs[k] = (t - t0) / n * 1e6;
        }
        qsort(runs, ELEMENTSOF(runs), sizeof(double), cmp_double);
        return runs[ELEMENTSOF(runs) / 2];
}

int main(int argc, char **argv) {
        char tmp[] = "/tmp/bench-stats-XXXXXX";
        const char *dir = argc > 1 ? argv[1] : NULL;
        unsigned years_default[] = { 1, 5, 10 }, *years = years_default;
        size_t n_years = ELEMENTSOF(years_default);
        /* A fixed instant (a Monday noon, Berlin): the figures do not depend on the day it runs. */
        usec_t until = (usec_t) 1796900400 * USEC_PER_SEC;
        Tz *tz = NULL;

        if (argc == 4 && streq(argv[1], "write")) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                write_years(argv[2], (usec_t) ts.tv_sec * USEC_PER_SEC - USEC_PER_HOUR, (unsigned) atoi(argv[3]));
                return 0;
        }
        if (tz_load("Europe/Berlin", &tz) < 0)
                return 1;
        zone = tz;
        if (!dir) {
                if (!mkdtemp(tmp))
                        return 1;
                dir = tmp;
        }
        if (argc > 2) {
                n_years = (size_t) (argc - 2);
                years = calloc(n_years, sizeof(unsigned));
                for (size_t i = 0; i < n_years; i++)
                        years[i] = (unsigned) atoi(argv[i + 2]);
        }

        printf("GetStats' work (in-process; allowance 2, away-share 80 %%; Europe/Berlin), µs per call, median of 7:\n");
        printf("%5s %9s %9s | %10s %10s %8s | %10s %10s %8s | %9s %9s\n", "years", "lines", "MB", "week:whole",
               "summary", "ratio", "all:whole", "summary", "ratio", "build ms", "held KB");
        for (size_t i = 0; i < n_years; i++) {
                char path[256];
                HistorySummary *sum = NULL;
                struct stat st;
                unsigned long lines = 0;
                double t0, build, w_old, w_new, a_old, a_new;
                FILE *f;
                int c;

                snprintf(path, sizeof path, "%s/history-%uy", dir, years[i]);
                write_years(path, until - USEC_PER_HOUR, years[i]);
                if (stat(path, &st) < 0 || !(f = fopen(path, "re")))
                        return 1;
                while ((c = getc_unlocked(f)) != EOF)
                        lines += c == '\n';
                fclose(f);

                if (history_summary_new(zone_day, NULL, &sum) < 0)
                        return 1;
                t0 = now_sec();
                if (history_summary_refresh(sum, path, UINT64_MAX) != 1)
                        return 1;
                build = (now_sec() - t0) * 1e3;

                w_old = per_call_us(&(Query) { path, sum, until - 7 * USEC_PER_DAY, until, false });
                w_new = per_call_us(&(Query) { path, sum, until - 7 * USEC_PER_DAY, until, true });
                a_old = per_call_us(&(Query) { path, sum, 1, until, false });
                a_new = per_call_us(&(Query) { path, sum, 1, until, true });
                printf("%5u %9lu %9.1f | %10.0f %10.1f %7.0fx | %10.0f %10.1f %7.0fx | %9.1f %9.0f\n", years[i], lines,
                       st.st_size / 1e6, w_old, w_new, w_old / w_new, a_old, a_new, a_old / a_new, build,
                       history_summary_size(sum) / 1024.0);
                history_summary_free(sum);
                unlink(path);
        }
        if (dir == tmp)
                rmdir(tmp);
        tz_free(tz);
        return 0;
}
