/* SPDX-License-Identifier: MIT */
/* bench-client-turns.c: short-lived commands timed against each other in one run, for
 * bench-floor.sh's client section:
 *
 *   bench-client-turns N CMD [ARG…] [-- CMD [ARG…]]…
 *
 * N rounds; each round runs every command once, in turn, the order turning by one each round,
 * so that a burst of load from elsewhere, or the bus and the daemon still busy with the run
 * before, fall on all commands alike. Each run is timed alone, from spawn to reaped, with no shell
 * in between (a shell's fork costs more than the differences measured). Stdout goes to /dev/null;
 * a command that fails stops the bench. Per command: the median wall time, its ratio to the first
 * command's, the median of the per-round ratios, and the median CPU time (user + system from
 * wait4(), the run's own, exit included). The first command is the reference (the floor). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#define WARMUP 3
#define MAX_COMMANDS 16

extern char **environ;

static double now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
        qsort(v, n, sizeof(double), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
        char **cmds[MAX_COMMANDS];
        double *wall[MAX_COMMANDS], *cpu[MAX_COMMANDS], *ratio[MAX_COMMANDS];
        posix_spawn_file_actions_t actions;
        int rounds, n = 0;

        rounds = argc > 2 ? atoi(argv[1]) : 0;
        if (rounds <= 0) {
                fprintf(stderr, "usage: bench-client-turns ROUNDS CMD [ARG…] [-- CMD [ARG…]]…\n");
                return 2;
        }
        cmds[n++] = argv + 2;
        for (int i = 2; i < argc; i++)
                if (strcmp(argv[i], "--") == 0) {
                        if (n == MAX_COMMANDS || i + 1 == argc) {
                                fprintf(stderr, "bench-client-turns: at most %d commands, none empty\n", MAX_COMMANDS);
                                return 2;
                        }
                        argv[i] = NULL;
                        cmds[n++] = argv + i + 1;
                }
        for (int c = 0; c < n; c++) {
                wall[c] = calloc(rounds, sizeof(double));
                cpu[c] = calloc(rounds, sizeof(double));
                ratio[c] = calloc(rounds, sizeof(double));
                if (!wall[c] || !cpu[c] || !ratio[c])
                        return 1;
        }
        if (posix_spawn_file_actions_init(&actions) != 0 ||
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) != 0)
                return 1;

        /* A few rounds first, not counted: page cache, the daemon's first answers. */
        for (int k = 0; k < rounds + WARMUP; k++)
                for (int j = 0; j < n; j++) {
                        int c = (j + k) % n, status, r;
                        struct rusage ru;
                        double start, end;
                        pid_t pid;

                        start = now_us();
                        r = posix_spawn(&pid, cmds[c][0], &actions, NULL, cmds[c], environ);
                        if (r != 0) {
                                fprintf(stderr, "bench-client-turns: %s: %s\n", cmds[c][0], strerror(r));
                                return 1;
                        }
                        while (wait4(pid, &status, 0, &ru) < 0)
                                if (errno != EINTR)
                                        return 1;
                        end = now_us();
                        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                                fprintf(stderr, "bench-client-turns: %s failed\n", cmds[c][0]);
                                return 1;
                        }
                        if (k < WARMUP)
                                continue;
                        wall[c][k - WARMUP] = end - start;
                        cpu[c][k - WARMUP] = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
                                             ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
                }

        for (int c = 0; c < n; c++)
                for (int k = 0; k < rounds; k++)
                        ratio[c][k] = wall[c][k] / wall[0][k];
        /* One line per command: median µs, ratio of medians, median of the rounds' ratios, CPU µs. */
        double floor_median = 0;
        for (int c = 0; c < n; c++) {
                double m = median(wall[c], rounds);

                if (c == 0)
                        floor_median = m;
                printf("%.1f %.4f %.4f %.1f\n", m, m / floor_median, median(ratio[c], rounds),
                       median(cpu[c], rounds));
        }
        return 0;
}
