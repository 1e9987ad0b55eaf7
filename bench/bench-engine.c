/* SPDX-License-Identifier: MIT */
/* bench-engine.c: how the engine's cost grows: range() over a year for 10, 100 and 1000 entries,
 * and next() calls per second. Not a test: prints figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "engine.h"
#include "macro.h"
#include "tz.h"

static double now_sec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A realistic mix: a third recharge blocks on weekdays, a third every-90-min reminders, a
 * third `at` reminders. */
static char *make_config(unsigned n) {
        size_t size = 256 + n * 160, len = 0;
        char *buf = malloc(size);
        len += snprintf(buf + len, size - len, "[general]\nheads-up = 10min\n");
        for (unsigned i = 0; i < n; i++) {
                switch (i % 3) {
                case 0:
                        len += snprintf(buf + len, size - len, "[e%04u]\ntype = recharge\ndays = Mon..Fri\nstart = %02u:%02u\nduration = 45min\ndnd = no\n",
                                        i, (i / 3) % 24, (i * 7) % 60);
                        break;
                case 1:
                        len += snprintf(buf + len, size - len, "[e%04u]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n", i);
                        break;
                default:
                        len += snprintf(buf + len, size - len, "[e%04u]\ntype = selfcare\ndays = Sat,Sun\nat = 10:%02u, 17:30\n", i, i % 60);
                }
        }
        return buf;
}

int main(int argc, char **argv) {
        const char *zone = argc > 1 ? argv[1] : "Europe/Berlin";
        Tz *tz = NULL;
        if (tz_load(zone, &tz) < 0) {
                fprintf(stderr, "cannot load %s\n", zone);
                return 1;
        }
        const usec_t from = 1767225600ULL * USEC_PER_SEC; /* 2026-01-01 */
        const usec_t to = from + 365 * USEC_PER_DAY;
        double base_ns = 0;

        printf("engine range() over one year, zone %s\n", zone);
        printf("%8s %10s %12s %12s %10s\n", "entries", "events", "ms/year", "ns/event", "ratio");
        for (unsigned n = 10; n <= 1000; n *= 10) {
                _cleanup_free_ char *text = make_config(n);
                _cleanup_strv_free_ char **errors = NULL;
                Config *c = NULL;
                Engine *e = NULL;
                if (config_load_string(text, strlen(text), "bench.conf", &c, &errors) < 0 || engine_new(c, tz, &e) < 0) {
                        fprintf(stderr, "bad bench config\n");
                        return 1;
                }
                size_t events = 0;
                unsigned reps = n >= 1000 ? 3 : n >= 100 ? 10 : 50;
                double best = 1e9;
                for (unsigned r = 0; r < reps; r++) {
                        Event *v = NULL;
                        double t0 = now_sec();
                        engine_range(e, NULL, from, to, &v, &events);
                        double dt = now_sec() - t0;
                        best = dt < best ? dt : best;
                        free(v);
                }
                double ns = best * 1e9 / (double) events;
                if (n == 10)
                        base_ns = ns;
                printf("%8u %10zu %12.2f %12.1f %9.2fx\n", n, events, best * 1e3, ns, ns / base_ns);

                if (n == 100) {
                        Event ev;
                        unsigned calls = 0;
                        usec_t t = from;
                        double t0 = now_sec();
                        while (now_sec() - t0 < 1.0) {
                                for (int k = 0; k < 100; k++) {
                                        if (engine_next(e, NULL, t, &ev) < 0)
                                                return 1;
                                        t = ev.time;
                                        calls++;
                                }
                        }
                        double dt = now_sec() - t0;
                        printf("next() with 100 entries: %.0f calls/s (%.1f µs/call)\n", calls / dt, dt * 1e6 / calls);
                }
                engine_free(e);
                config_free(c);
        }
        tz_free(tz);
        return 0;
}
