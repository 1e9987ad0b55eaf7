/* SPDX-License-Identifier: MIT */
/* bench-bus.c: measuring tools for bench/bench-daemon.sh: call round trips over one sd-bus
 * connection (several methods interleaved, so drift hits them alike), a method's latency and the
 * daemon's CPU per call, how late boundary signals arrive, exec → name owned → first answered
 * call, and a command's wall time. Prints figures. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static bool streq_ptr(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static bool streq_member(sd_bus_message *m, const char *member) {
        return streq_ptr(sd_bus_message_get_member(m), member);
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static void print_stats(const char *what, uint64_t *v, size_t n, const char *unit, double div) {
        qsort(v, n, sizeof(uint64_t), cmp_u64);
        printf("%s: n=%zu median=%.1f%s p99=%.1f%s max=%.1f%s\n", what, n, v[n / 2] / div, unit, v[n * 99 / 100] / div, unit,
               v[n - 1] / div, unit);
}

static double median_of(uint64_t *v, size_t n) {
        qsort(v, n, sizeof(uint64_t), cmp_u64);
        return (double) v[n / 2];
}

/* calls N DEST PATH IFACE METHOD [DEST PATH IFACE METHOD…]: N round trips of each, taken in
 * turn (A B A B …) so that a drift of the machine hits all alike; median and p99 in µs, and
 * each median as a ratio to the first's. */
static int cmd_calls(int argc, char **argv) {
        sd_bus *bus = NULL;
        size_t n, m;
        uint64_t **v;
        double *med;
        int r;

        if (argc < 6 || (argc - 2) % 4 != 0)
                return 2;
        n = strtoul(argv[1], NULL, 10);
        m = (size_t) (argc - 2) / 4;
        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "bus: %s\n", strerror(-r));
                return 1;
        }
        v = calloc(m, sizeof(uint64_t *));
        med = calloc(m, sizeof(double));
        for (size_t k = 0; k < m; k++)
                v[k] = calloc(n, sizeof(uint64_t));
        for (size_t i = 0; i < n + 100; i++)
                for (size_t k = 0; k < m; k++) {
                        char **a = argv + 2 + 4 * k;
                        sd_bus_message *reply = NULL;
                        sd_bus_error error = SD_BUS_ERROR_NULL;
                        uint64_t t0 = now_ns(CLOCK_MONOTONIC);
                        r = sd_bus_call_method(bus, a[0], a[1], a[2], a[3], &error, &reply, "");
                        uint64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
                        if (r < 0) {
                                fprintf(stderr, "%s: %s\n", a[3], error.message ? error.message : strerror(-r));
                                return 1;
                        }
                        sd_bus_message_unref(reply);
                        sd_bus_error_free(&error);
                        if (i >= 100) /* the first ones warm caches up */
                                v[k][i - 100] = dt;
                }
        for (size_t k = 0; k < m; k++) {
                print_stats(argv[2 + 4 * k + 3], v[k], n, "µs", 1000.0);
                med[k] = median_of(v[k], n);
        }
        for (size_t k = 1; k < m; k++)
                printf("%s / %s: median %.2fx\n", argv[2 + 4 * k + 3], argv[5], med[k] / med[0]);
        for (size_t k = 0; k < m; k++)
                free(v[k]);
        free(v);
        free(med);
        sd_bus_flush_close_unref(bus);
        return 0;
}

/* The CPU time a process has used, in ns (the first field of /proc/PID/schedstat). */
static uint64_t cpu_ns(pid_t pid) {
        char path[64];
        unsigned long long t = 0;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/schedstat", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        if (fscanf(f, "%llu", &t) != 1)
                t = 0;
        fclose(f);
        return t;
}

/* method N PID METHOD [FROM_OFFSET_S TO_OFFSET_S]: N calls of one org.recharged.Recharged1 method
 * (with "tt" = now + offsets, in seconds, when given); median and p99 latency in ms, and the
 * daemon's CPU per call from its schedstat. Refusals count as answers (and are counted). */
static int cmd_method(int argc, char **argv) {
        sd_bus *bus = NULL;
        size_t n, refused = 0;
        uint64_t *v, c0, c1;
        pid_t pid;
        int r;

        if (argc != 4 && argc != 6)
                return 2;
        n = strtoul(argv[1], NULL, 10);
        pid = (pid_t) strtol(argv[2], NULL, 10);
        if (sd_bus_open_user(&bus) < 0)
                return 1;
        v = calloc(n, sizeof(uint64_t));
        c0 = cpu_ns(pid);
        for (size_t i = 0; i < n; i++) {
                sd_bus_message *reply = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;
                uint64_t t0 = now_ns(CLOCK_MONOTONIC);
                if (argc == 6) {
                        uint64_t now = now_ns(CLOCK_REALTIME) / 1000;
                        r = sd_bus_call_method(bus, "org.recharged.Recharged1", "/org/recharged/Recharged1",
                                               "org.recharged.Recharged1", argv[3], &error, &reply, "tt",
                                               now + strtoull(argv[4], NULL, 10) * 1000000ULL,
                                               now + strtoull(argv[5], NULL, 10) * 1000000ULL);
                } else
                        r = sd_bus_call_method(bus, "org.recharged.Recharged1", "/org/recharged/Recharged1",
                                               "org.recharged.Recharged1", argv[3], &error, &reply, "");
                v[i] = now_ns(CLOCK_MONOTONIC) - t0;
                if (r < 0) {
                        if (!error.name || strstr(error.name, "NoReply") || strstr(error.name, "ServiceUnknown")) {
                                fprintf(stderr, "%s: %s\n", argv[3], error.message ?: strerror(-r));
                                return 1;
                        }
                        refused++;
                }
                sd_bus_message_unref(reply);
                sd_bus_error_free(&error);
        }
        c1 = cpu_ns(pid);
        /* Sorted before the p99 is read (it was read in the same call's arguments, unordered). */
        qsort(v, n, sizeof(uint64_t), cmp_u64);
        printf("%s: n=%zu refused=%zu median=%.3fms p99=%.3fms cpu=%.3fms/call\n", argv[3], n, refused,
               v[n / 2] / 1e6, v[n * 99 / 100] / 1e6, (c1 - c0) / 1e6 / n);
        free(v);
        sd_bus_flush_close_unref(bus);
        return 0;
}

/* run N CMD…: CMD N times; the best and median wall time in ms (its output goes nowhere). */
static int cmd_run(int argc, char **argv) {
        size_t n;
        uint64_t *v;

        if (argc < 3)
                return 2;
        n = strtoul(argv[1], NULL, 10);
        v = calloc(n, sizeof(uint64_t));
        for (size_t i = 0; i < n; i++) {
                uint64_t t0 = now_ns(CLOCK_MONOTONIC);
                int status;
                pid_t pid = fork();
                if (pid == 0) {
                        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                        dup2(null, 1);
                        dup2(null, 2);
                        execvp(argv[2], argv + 2);
                        _exit(127);
                }
                waitpid(pid, &status, 0);
                v[i] = now_ns(CLOCK_MONOTONIC) - t0;
        }
        qsort(v, n, sizeof(uint64_t), cmp_u64);
        printf("run: n=%zu best=%.2fms median=%.2fms\n", n, v[0] / 1e6, v[n / 2] / 1e6);
        free(v);
        return 0;
}

/* Boundaries are matched in order, starts with starts and ends with ends: the k-th
 * RechargeStarted belongs to the k-th start, however late it comes. (Matching each signal to the
 * closest boundary before it hid lateness of a second or more behind the next boundary.) */
static int64_t *late_v;
static size_t late_n, late_want;
static uint64_t *starts, *ends;
static size_t n_starts, n_ends, got_starts, got_ends;

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int64_t now = (int64_t) (now_ns(CLOCK_REALTIME) / 1000);
        bool start = streq_member(m, "RechargeStarted");
        uint64_t want;

        if (start ? got_starts >= n_starts : got_ends >= n_ends)
                return 0;
        want = start ? starts[got_starts++] : ends[got_ends++];
        if (late_n < late_want)
                late_v[late_n++] = now - (int64_t) want;
        return 0;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
        return x < y ? -1 : x > y;
}

/* boundaries N S1 E1 S2 E2 …: waits for N RechargeStarted/RechargeEnded signals (or until 10 s
 * past the last boundary) and says how late each came after its own boundary (epoch µs). */
static int cmd_boundaries(int argc, char **argv) {
        sd_bus *bus = NULL;
        uint64_t last = 0;
        int r;

        if (argc < 3)
                return 2;
        late_want = strtoul(argv[1], NULL, 10);
        starts = calloc(argc, sizeof(uint64_t));
        ends = calloc(argc, sizeof(uint64_t));
        for (int i = 2; i < argc; i++) {
                uint64_t t = strtoull(argv[i], NULL, 10);
                if ((i - 2) % 2 == 0)
                        starts[n_starts++] = t;
                else
                        ends[n_ends++] = t;
                last = t > last ? t : last;
        }
        late_v = calloc(late_want, sizeof(int64_t));

        r = sd_bus_open_user(&bus);
        if (r < 0)
                return 1;
        sd_bus_match_signal(bus, NULL, "org.recharged.Recharged1", "/org/recharged/Recharged1", "org.recharged.Recharged1",
                            "RechargeStarted", on_signal, NULL);
        sd_bus_match_signal(bus, NULL, "org.recharged.Recharged1", "/org/recharged/Recharged1", "org.recharged.Recharged1",
                            "RechargeEnded", on_signal, NULL);
        printf("ready\n");
        fflush(stdout);
        while (late_n < late_want && now_ns(CLOCK_REALTIME) / 1000 < last + 10000000ULL) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r == 0)
                        sd_bus_wait(bus, 1000000ULL);
        }
        if (late_n < late_want)
                printf("boundary signals missing: %zu of %zu never came (10 s after the last boundary)\n",
                       late_want - late_n, late_want);
        if (late_n == 0)
                return 1;
        qsort(late_v, late_n, sizeof(int64_t), cmp_i64);
        printf("boundary lateness: n=%zu median=%.2fms p99=%.2fms max=%.2fms\n", late_n, late_v[late_n / 2] / 1000.0,
               late_v[late_n * 99 / 100] / 1000.0, late_v[late_n - 1] / 1000.0);
        return 0;
}

static int on_owner(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name, *old, *new;
        if (sd_bus_message_read(m, "sss", &name, &old, &new) >= 0 && new[0] && streq_ptr(name, "org.recharged.Recharged1"))
                *(uint64_t *) userdata = now_ns(CLOCK_MONOTONIC);
        return 0;
}

/* startup CMD…: exec → org.recharged.Recharged1 owned → the first GetStatus answered, in ms. The
 * call is sent the moment the name is seen, so it waits for whatever the daemon still does then. */
static int cmd_startup(int argc, char **argv) {
        sd_bus *bus = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t owned = 0, answered, t0;
        pid_t pid;
        int r;

        if (argc < 2 || sd_bus_open_user(&bus) < 0)
                return 2;
        sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                            on_owner, &owned);
        /* Make sure the match is in place before the child starts. */
        sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", NULL, NULL, "");
        t0 = now_ns(CLOCK_MONOTONIC);
        pid = fork();
        if (pid == 0) {
                execvp(argv[1], argv + 1);
                _exit(127);
        }
        while (!owned) {
                if (now_ns(CLOCK_MONOTONIC) - t0 > 60000000000ULL || waitpid(pid, NULL, WNOHANG) == pid) {
                        fprintf(stderr, "startup: the daemon did not take its name\n");
                        kill(pid, SIGTERM);
                        waitpid(pid, NULL, 0);
                        return 1;
                }
                if (sd_bus_process(bus, NULL) == 0)
                        sd_bus_wait(bus, 100000ULL);
        }
        r = sd_bus_call_method(bus, "org.recharged.Recharged1", "/org/recharged/Recharged1", "org.recharged.Recharged1",
                               "GetStatus", &error, NULL, "");
        answered = now_ns(CLOCK_MONOTONIC);
        if (r < 0)
                fprintf(stderr, "startup: GetStatus: %s\n", error.message ?: strerror(-r));
        sd_bus_error_free(&error);
        printf("startup: exec to name owned %.2f ms, to first GetStatus answered %.2f ms\n", (owned - t0) / 1e6,
               (answered - t0) / 1e6);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return r < 0;
}

int main(int argc, char **argv) {
        if (argc > 1 && strcmp(argv[1], "calls") == 0)
                return cmd_calls(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "boundaries") == 0)
                return cmd_boundaries(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "startup") == 0)
                return cmd_startup(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "method") == 0)
                return cmd_method(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "run") == 0)
                return cmd_run(argc - 1, argv + 1);
        fprintf(stderr, "usage: bench-bus calls N DEST PATH IFACE METHOD [DEST PATH IFACE METHOD…] | boundaries N S1 E1 … |\n"
                        "       startup CMD… | method N PID METHOD [FROM_S TO_S] | run N CMD…\n");
        return 2;
}
