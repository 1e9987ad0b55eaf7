/* SPDX-License-Identifier: MIT */
/* bench-engine.c: how the pure core's cost grows with the schedule: range() over a year, next()
 * calls per second, and curves over 10, 100, 1000 and 4096 entries of config parse, every entry's
 * next occurrence (what a boundary and ListEntries do), a week of events (Upcoming) and the
 * count estimate; each as time per entry and its ratio to 10 entries, so linear reads 1.0x.
 * Not a test: prints figures. `bench-engine ZONE curves` prints only the curves;
 * `bench-engine ZONE parse N` parses the curves' config of N entries once, for callgrind
 * (`--toggle-collect=config_load_string`: its instructions over N are the cost per entry);
 * `bench-engine ZONE boundary [N…]` drives the real manager in-process through six hours of
 * boundaries at each size and prints the CPU per boundary (run it under `valgrind --tool=callgrind
 * --toggle-collect=manager_tick` for instructions: divide by the boundaries it prints). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
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

/* Best of reps runs of one step, in seconds. */
#define BEST_OF(reps, best, ...)                                        \
        do {                                                            \
                best = 1e9;                                             \
                for (unsigned _r = 0; _r < (reps); _r++) {              \
                        double _t0 = now_sec();                         \
                        __VA_ARGS__;                                         \
                        double _dt = now_sec() - _t0;                   \
                        best = _dt < best ? _dt : best;                 \
                }                                                       \
        } while (0)

static int curves(const Tz *tz) {
        static const unsigned sizes[] = { 10, 100, 1000, 4096 };
        const usec_t now = 1767225600ULL * USEC_PER_SEC + 9 * USEC_PER_HOUR + 7 * USEC_PER_MINUTE; /* a Thursday */
        double base[4] = {};

        printf("\ncurves: µs per entry (ratio to 10 entries; 1.0x is linear)\n");
        printf("%8s %22s %22s %22s %22s\n", "entries", "config parse", "entry_next, all", "range, one week", "count estimate");
        for (size_t s = 0; s < ELEMENTSOF(sizes); s++) {
                unsigned n = sizes[s];
                _cleanup_free_ char *text = make_config(n);
                Config *c = NULL;
                Engine *e = NULL;
                double t[4];
                unsigned reps = n >= 1000 ? 3 : 20;
                int r = 0;

                BEST_OF(reps, t[0], {
                        _cleanup_strv_free_ char **errors = NULL;
                        config_free(c);
                        c = NULL;
                        r = config_load_string(text, strlen(text), "bench.conf", &c, &errors);
                });
                if (r < 0 || engine_new(c, tz, &e) < 0) {
                        fprintf(stderr, "bad bench config\n");
                        return 1;
                }
                BEST_OF(reps, t[1], {
                        for (size_t i = 0; i < c->n_entries; i++) {
                                usec_t a, b;
                                (void) engine_entry_next(e, NULL, i, now, &a, &b);
                        }
                });
                BEST_OF(reps, t[2], {
                        Event *v = NULL;
                        size_t k;
                        (void) engine_range(e, NULL, now, now + USEC_PER_WEEK, &v, &k);
                        free(v);
                });
                BEST_OF(reps * 100, t[3], { (void) engine_count_estimate(e, now, now + USEC_PER_WEEK); });
                printf("%8u", n);
                for (int k = 0; k < 4; k++) {
                        double per = t[k] * 1e6 / n;
                        if (s == 0)
                                base[k] = per;
                        printf(" %10.3f (%6.2fx) ", per, per / base[k]);
                }
                printf("\n");
                engine_free(e);
                config_free(c);
        }
        return 0;
}


static double cpu_sec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t boundary_events;

/* A boundary where one event alone fires: what a boundary costs beyond its own events. */
#define LONE_ENTRY "[zz-lone]\ntype = recharge\nstart = 12:34:56\nduration = 1s\ndnd = no\n"

static __attribute__((noinline)) void lone_tick(Manager *m, usec_t t) {
        manager_tick(m, t, false);
}

static void count_events(Manager *m, const ManagerChange *c, void *userdata) {
        boundary_events += c->n_events;
}

/* What the daemon's timer does at each boundary (manager_tick: sync, save, publish, emit), with
 * the clock passed in, over six hours of a weekday; the state goes to a private folder (tmpfs
 * when there is one, so that the disk does not set the pace). */
static int boundary(int argc, char **argv) {
        static const unsigned default_sizes[] = { 10, 100, 1000, 4096 };
        const usec_t start = 1767225600ULL * USEC_PER_SEC + 8 * USEC_PER_HOUR + 7 * USEC_PER_MINUTE; /* a Thursday */
        const usec_t span = 6 * USEC_PER_HOUR;
        char template[] = "/dev/shm/bench-boundary-XXXXXX";
        char template_tmp[] = "/tmp/bench-boundary-XXXXXX";
        double base = 0, lone_base = 0;
        char *dir;

        dir = mkdtemp(template) ?: mkdtemp(template_tmp);
        if (!dir)
                return 1;
        setenv("XDG_STATE_HOME", dir, 1);
        log_set_max_level(LOG_WARNING);
        printf("boundaries over 6 h of a weekday, the real manager in-process (tick = what the timer does)\n");
        printf("%8s %10s %10s %14s %12s %10s %18s %10s\n", "entries", "ticks", "events", "µs CPU/tick", "µs/event", "ratio",
               "µs CPU, lone tick", "ratio");
        for (int a = 0; a < (argc > 0 ? argc : (int) ELEMENTSOF(default_sizes)); a++) {
                unsigned n = argc > 0 ? (unsigned) atoi(argv[a]) : default_sizes[a];
                _cleanup_free_ char *text = make_config(n - 1); /* and the lone entry */
                char path[256], state[256];
                double lone = 0;
                size_t n_lone = 0;
                Manager *m = NULL;
                size_t ticks = 0;
                FILE *f;

                snprintf(path, sizeof path, "%s/recharged.conf", dir);
                f = fopen(path, "we");

                if (!f)
                        return 1;
                snprintf(state, sizeof state, "%s/recharged/state", dir);
                fputs(text, f);
                fputs(LONE_ENTRY, f);
                fclose(f);
                (void) unlink(state);
                if (manager_new(path, &m) < 0 || manager_load_config(m) < 0 ||
                    manager_add_listener(m, LISTENER_TEST, count_events, NULL) < 0 || manager_begin(m, start) < 0) {
                        fprintf(stderr, "bad bench config\n");
                        return 1;
                }
                boundary_events = 0;
                double t0 = cpu_sec();
                while (m->wakeup != 0 && m->wakeup <= start + span) {
                        /* The lone entry's heads-up, start and end are at seconds no other
                         * entry uses. */
                        if (m->wakeup / USEC_PER_SEC % 60 == 56 || m->wakeup / USEC_PER_SEC % 60 == 57) {
                                double l0 = cpu_sec();
                                lone_tick(m, m->wakeup);
                                lone += cpu_sec() - l0;
                                n_lone++;
                        } else
                                manager_tick(m, m->wakeup, false);
                        ticks++;
                }
                double dt = cpu_sec() - t0;
                lone = n_lone ? lone * 1e6 / n_lone : 0;
                double per = ticks ? dt * 1e6 / ticks : 0;
                if (base == 0)
                        base = per;
                if (lone_base == 0)
                        lone_base = lone;
                printf("%8u %10zu %10zu %14.1f %12.1f %9.2fx %18.1f %9.2fx\n", n, ticks, boundary_events, per,
                       boundary_events ? dt * 1e6 / boundary_events : 0, per / base, lone, lone / lone_base);
                manager_free(m);
        }
        /* Ours alone, made by mkdtemp above: the state, the history, the config. */
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : 1;
}

/* Issue 17's costs that grew with the schedule, one noinline function each, so callgrind
 * (`--toggle-collect='op_*'`) gives each its inclusive instructions: a start (fresh, then a
 * restart on that state), a lone boundary, a boundary inside a dnd span, the first boundary of a
 * day, every action and a Reset, a forced state save, a Reload, a zone change. */
#define ACTIONS_EXTRA                                                                           \
        "[zz-dnd]\ntype = recharge\nstart = 14:00\nduration = 1h\ndnd = yes\n"                  \
        "[zz-in-dnd]\ntype = recharge\nstart = 14:34:56\nduration = 1s\ndnd = no\n"             \
        "[zz-late]\ntype = recharge\nstart = 16:00\nduration = 30min\ndnd = no\n"               \
        "[zz-midnight]\ntype = selfcare\nat = 00:00:07\n"                                   \
        "[zz-lone]\ntype = recharge\nstart = 13:12:34\nduration = 1s\ndnd = no\n"
#define ACTIONS_EXTRA_N 5

static double op_cpu[32];
static const char *op_name[32];
static size_t n_ops;

#define OP(name, body)                                                                          \
        static __attribute__((noinline)) void op_##name(Manager *m, usec_t t) {                 \
                double _c0 = cpu_sec();                                                         \
                body;                                                                           \
                op_cpu[n_ops] = cpu_sec() - _c0;                                                \
                op_name[n_ops++] = #name;                                                       \
        }

static int act(Manager *m, ActionKind kind, const char *entry, usec_t d, usec_t t) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_act(m, &(Action) { .kind = kind, .entry = entry, .duration = d, .message = "bench" }, t, &error);
        if (r < 0)
                fprintf(stderr, "%s refused: %s\n", action_to_string(kind), error.message);
        sd_bus_error_free(&error);
        return r;
}

OP(begin, (void) manager_begin(m, t))
OP(restart, (void) manager_begin(m, t))
OP(in_dnd, manager_tick(m, t, false))
OP(day_first, manager_tick(m, t, false))
OP(recharge, (void) act(m, ACTION_RECHARGE, NULL, 20 * USEC_PER_MINUTE, t))
OP(extend, (void) act(m, ACTION_EXTEND, NULL, 10 * USEC_PER_MINUTE, t))
OP(stop, (void) act(m, ACTION_STOP, NULL, 0, t))
OP(skip, (void) act(m, ACTION_SKIP, "e0000", 0, t))
OP(snooze, (void) act(m, ACTION_SNOOZE, "e0001", 10 * USEC_PER_MINUTE, t))
OP(start_now, (void) act(m, ACTION_START_NOW, "zz-late", 0, t))
OP(done, (void) act(m, ACTION_DONE, "e0004", 0, t))
OP(pause, (void) act(m, ACTION_PAUSE, NULL, USEC_PER_HOUR, t))
OP(resume, (void) act(m, ACTION_RESUME, NULL, 0, t))
OP(reload, (void) manager_reload(m, t, NULL))
OP(lone, manager_tick(m, t, false))
OP(reset, (void) act(m, ACTION_RESET, "e0000", 0, t))
/* A save whose text differs from the last one (forgotten here): the text, the write, the syncs. */
OP(save, { free(m->saved); m->saved = NULL; (void) manager_save(m); })

static Tz *zone_next;
OP(zone, (void) manager_set_zone(m, TAKE_PTR(zone_next), t))

/* Ticks until t (not measured). */
static void run_to(Manager *m, usec_t t) {
        while (m->wakeup != 0 && m->wakeup <= t)
                manager_tick(m, m->wakeup, false);
}

static int actions(int argc, char **argv) {
        static const unsigned default_sizes[] = { 10, 100, 1000, 4096 };
        const usec_t day = 1767225600ULL * USEC_PER_SEC - USEC_PER_HOUR; /* Thursday 00:00 in Berlin */
        char template[] = "/dev/shm/bench-actions-XXXXXX";
        char template_tmp[] = "/tmp/bench-actions-XXXXXX";
        double base[32] = {};
        char *dir;

        dir = mkdtemp(template) ?: mkdtemp(template_tmp);
        if (!dir)
                return 1;
        setenv("XDG_STATE_HOME", dir, 1);
        setenv("TZ", "Europe/Berlin", 1); /* the manager's zone, whatever this machine's */
        log_set_max_level(LOG_WARNING);
        printf("µs CPU per call, the real manager in-process (ratio to the first size)\n");
        for (int a = 0; a < (argc > 0 ? argc : (int) ELEMENTSOF(default_sizes)); a++) {
                unsigned n = argc > 0 ? (unsigned) atoi(argv[a]) : default_sizes[a];
                _cleanup_free_ char *text = make_config(n - ACTIONS_EXTRA_N);
                char path[256], state[256];
                Manager *m = NULL;
                usec_t t;
                FILE *f;

                snprintf(path, sizeof path, "%s/recharged.conf", dir);
                snprintf(state, sizeof state, "%s/recharged/state", dir);
                f = fopen(path, "we");
                if (!f)
                        return 1;
                fputs(text, f);
                fputs(ACTIONS_EXTRA, f);
                fclose(f);
                (void) unlink(state);
                n_ops = 0;

                /* A fresh start at 08:07, the morning's ticks, then a restart on that state. */
                t = day + 8 * USEC_PER_HOUR + 7 * USEC_PER_MINUTE;
                if (manager_new(path, &m) < 0 || manager_load_config(m) < 0)
                        return 1;
                op_begin(m, t);
                run_to(m, day + 12 * USEC_PER_HOUR);
                manager_free(m);
                m = NULL;
                t = day + 12 * USEC_PER_HOUR;
                if (manager_new(path, &m) < 0 || manager_load_config(m) < 0)
                        return 1;
                op_restart(m, t);

                /* zz-lone's start at 13:12:34, a second no other entry uses. */
                t = day + 13 * USEC_PER_HOUR + 12 * USEC_PER_MINUTE + 34 * USEC_PER_SEC;
                run_to(m, t - 1);
                op_lone(m, t);

                /* zz-in-dnd's start, inside zz-dnd's span. */
                t = day + 14 * USEC_PER_HOUR + 34 * USEC_PER_MINUTE + 56 * USEC_PER_SEC;
                run_to(m, t - 1);
                op_in_dnd(m, t);

                /* The actions at 15:30. */
                t = day + 15 * USEC_PER_HOUR + 30 * USEC_PER_MINUTE;
                run_to(m, t);
                op_recharge(m, t + 1 * USEC_PER_SEC);
                op_extend(m, t + 2 * USEC_PER_SEC);
                op_stop(m, t + 3 * USEC_PER_SEC);
                op_skip(m, t + 4 * USEC_PER_SEC);
                op_snooze(m, t + 5 * USEC_PER_SEC);
                op_start_now(m, t + 6 * USEC_PER_SEC);
                op_done(m, t + 7 * USEC_PER_SEC);
                op_reset(m, t + 7 * USEC_PER_SEC); /* e0000's skip undone */
                op_pause(m, t + 8 * USEC_PER_SEC);
                op_resume(m, t + 9 * USEC_PER_SEC);
                op_save(m, t + 9 * USEC_PER_SEC); /* the whole state written, as a save does */
                op_reload(m, t + 10 * USEC_PER_SEC);

                /* The first boundary of the next day: zz-midnight at 00:00:07. */
                t = day + USEC_PER_DAY + 7 * USEC_PER_SEC;
                run_to(m, t - 1);
                op_day_first(m, t);

                /* The zone changes a second later (every instant moves). */
                if (tz_load("Europe/London", &zone_next) < 0)
                        return 1;
                op_zone(m, t + USEC_PER_SEC);

                if (a == 0) {
                        printf("%8s", "entries");
                        for (size_t k = 0; k < n_ops; k++)
                                printf(" %18s", op_name[k]);
                        printf("\n");
                }
                printf("%8u", n);
                for (size_t k = 0; k < n_ops; k++) {
                        double us = op_cpu[k] * 1e6;
                        if (a == 0)
                                base[k] = us;
                        printf(" %9.1f (%5.1fx)", us, base[k] > 0 ? us / base[k] : 0);
                }
                printf("\n");
                manager_free(m);
        }
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
        const char *zone = argc > 1 ? argv[1] : "Europe/Berlin";
        Tz *tz = NULL;
        if (tz_load(zone, &tz) < 0) {
                fprintf(stderr, "cannot load %s\n", zone);
                return 1;
        }
        if (argc > 3 && streq(argv[2], "parse")) {
                _cleanup_free_ char *text = make_config((unsigned) atoi(argv[3]));
                _cleanup_strv_free_ char **errors = NULL;
                Config *c = NULL;
                int r = config_load_string(text, strlen(text), "bench.conf", &c, &errors);
                if (r < 0)
                        fprintf(stderr, "bad bench config\n");
                printf("%zu entries parsed\n", r < 0 ? 0 : c->n_entries);
                config_free(c);
                tz_free(tz);
                return r < 0;
        }
        if (argc > 2 && streq(argv[2], "boundary")) {
                int r = boundary(argc - 3, argv + 3);
                tz_free(tz);
                return r;
        }
        if (argc > 2 && streq(argv[2], "actions")) {
                int r = actions(argc - 3, argv + 3);
                tz_free(tz);
                return r;
        }
        if (argc > 2 && streq(argv[2], "curves")) {
                int r = curves(tz);
                tz_free(tz);
                return r;
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
        int r = curves(tz);
        tz_free(tz);
        return r;
}
