/* SPDX-License-Identifier: MIT */
/* bench-bus.c: measuring tools for bench/bench-daemon.sh: call round trips over one sd-bus
 * connection, how late boundary signals arrive, and exec → bus name owned. Prints figures. */
#include <errno.h>
#include <inttypes.h>
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

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static void print_stats(const char *what, uint64_t *v, size_t n, const char *unit, double div) {
        qsort(v, n, sizeof(uint64_t), cmp_u64);
        printf("%s: n=%zu median=%.1f%s p99=%.1f%s max=%.1f%s\n", what, n, v[n / 2] / div, unit, v[n * 99 / 100] / div, unit,
               v[n - 1] / div, unit);
}

/* calls N DEST PATH IFACE METHOD: N round trips, median and p99 in µs. */
static int cmd_calls(int argc, char **argv) {
        sd_bus *bus = NULL;
        size_t n;
        uint64_t *v;
        int r;

        if (argc != 6)
                return 2;
        n = strtoul(argv[1], NULL, 10);
        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "bus: %s\n", strerror(-r));
                return 1;
        }
        v = calloc(n, sizeof(uint64_t));
        for (size_t i = 0; i < n + 100; i++) {
                sd_bus_message *reply = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;
                uint64_t t0 = now_ns(CLOCK_MONOTONIC);
                r = sd_bus_call_method(bus, argv[2], argv[3], argv[4], argv[5], &error, &reply, "");
                uint64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[5], error.message ? error.message : strerror(-r));
                        return 1;
                }
                sd_bus_message_unref(reply);
                sd_bus_error_free(&error);
                if (i >= 100) /* the first ones warm caches up */
                        v[i - 100] = dt;
        }
        print_stats(argv[5], v, n, "µs", 1000.0);
        free(v);
        sd_bus_flush_close_unref(bus);
        return 0;
}

static uint64_t *late_v;
static size_t late_n, late_want;
static uint64_t *expected;
static size_t n_expected;

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        uint64_t now = now_ns(CLOCK_REALTIME) / 1000, best = UINT64_MAX;
        /* Lateness against the closest configured boundary at or before the arrival. */
        for (size_t i = 0; i < n_expected; i++)
                if (expected[i] <= now && now - expected[i] < best)
                        best = now - expected[i];
        if (best != UINT64_MAX && late_n < late_want)
                late_v[late_n++] = best;
        return 0;
}

/* boundaries N T1 T2 …: waits for N RechargeStarted/RechargeEnded signals and says how late
 * each came after the closest boundary (epoch µs) before it. */
static int cmd_boundaries(int argc, char **argv) {
        sd_bus *bus = NULL;
        int r;

        if (argc < 3)
                return 2;
        late_want = strtoul(argv[1], NULL, 10);
        n_expected = (size_t) argc - 2;
        expected = calloc(n_expected, sizeof(uint64_t));
        for (size_t i = 0; i < n_expected; i++)
                expected[i] = strtoull(argv[i + 2], NULL, 10);
        late_v = calloc(late_want, sizeof(uint64_t));

        r = sd_bus_open_user(&bus);
        if (r < 0)
                return 1;
        sd_bus_match_signal(bus, NULL, "org.recharged.Recharged1", "/org/recharged/Recharged1", "org.recharged.Recharged1",
                            "RechargeStarted", on_signal, NULL);
        sd_bus_match_signal(bus, NULL, "org.recharged.Recharged1", "/org/recharged/Recharged1", "org.recharged.Recharged1",
                            "RechargeEnded", on_signal, NULL);
        printf("ready\n");
        fflush(stdout);
        while (late_n < late_want) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r == 0)
                        sd_bus_wait(bus, 120 * 1000000ULL);
        }
        print_stats("boundary lateness", late_v, late_n, "ms", 1000.0);
        return 0;
}

static int on_owner(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name, *old, *new;
        if (sd_bus_message_read(m, "sss", &name, &old, &new) >= 0 && new[0])
                *(uint64_t *) userdata = now_ns(CLOCK_MONOTONIC);
        return 0;
}

/* startup CMD…: exec → org.recharged.Recharged1 owned, in ms. */
static int cmd_startup(int argc, char **argv) {
        sd_bus *bus = NULL;
        uint64_t owned = 0, t0;
        pid_t pid;

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
                if (sd_bus_process(bus, NULL) == 0)
                        sd_bus_wait(bus, 10 * 1000000ULL);
        }
        printf("startup: exec to name owned %.2f ms\n", (owned - t0) / 1e6);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return 0;
}

int main(int argc, char **argv) {
        if (argc > 1 && strcmp(argv[1], "calls") == 0)
                return cmd_calls(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "boundaries") == 0)
                return cmd_boundaries(argc - 1, argv + 1);
        if (argc > 1 && strcmp(argv[1], "startup") == 0)
                return cmd_startup(argc - 1, argv + 1);
        fprintf(stderr, "usage: bench-bus calls N DEST PATH IFACE METHOD | boundaries N T… | startup CMD…\n");
        return 2;
}
