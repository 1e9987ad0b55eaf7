/* SPDX-License-Identifier: MIT */
/* test-partner-command.c: password-command as a child on sd-event (share/command.c): the first
 * line, a failure, no output, a command killed at its time limit, and the loop free meanwhile. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "macro.h"
#include "tap.h"

typedef struct Result {
        int r;
        char line[256];
        bool done;
        unsigned ticks; /* timer ticks seen while the command ran: the loop was free */
} Result;

static void on_done(int r, const char *line, void *userdata) {
        Result *res = userdata;
        res->r = r;
        snprintf(res->line, sizeof res->line, "%s", line ?: "");
        res->done = true;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Result *res = userdata;
        res->ticks++;
        return sd_event_source_set_time_relative(s, 20 * USEC_PER_MSEC) < 0 ? -EIO :
               sd_event_source_set_enabled(s, SD_EVENT_ON);
}

static Result run(const char *command, usec_t timeout) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        sd_event_source *tick = NULL;
        Result res = { .r = 1 };

        if (sd_event_new(&e) < 0 || command_start(e, command, timeout, on_done, &res, NULL) < 0)
                return res;
        (void) sd_event_add_time_relative(e, &tick, CLOCK_MONOTONIC, 20 * USEC_PER_MSEC, 1, on_tick, &res);
        (void) sd_event_source_set_enabled(tick, SD_EVENT_ON);
        while (!res.done && sd_event_run(e, 10 * USEC_PER_SEC) >= 0)
                ;
        sd_event_source_disable_unref(tick);
        return res;
}

int main(void) {
        static const struct {
                const char *command;
                usec_t timeout;
                int r;
                const char *line;
        } cases[] = {
                { "printf 'pw-1\\nsecond line\\n'", 5 * USEC_PER_SEC, 0, "pw-1" },
                { "printf 'no-newline'", 5 * USEC_PER_SEC, 0, "no-newline" },
                { "printf 'crlf\\r\\n'", 5 * USEC_PER_SEC, 0, "crlf" },
                { "exit 3", 5 * USEC_PER_SEC, -EPROTO, "" },
                { "echo pw; exit 1", 5 * USEC_PER_SEC, -EPROTO, "" },
                { "true", 5 * USEC_PER_SEC, -ENODATA, "" },
                { "sleep 0.3; echo late", 5 * USEC_PER_SEC, 0, "late" },
                { "sleep 29.75; true", 300 * USEC_PER_MSEC, -ETIME, "" }, /* "; true": sh forks sleep */
                { "read x; echo \"[$x]\"", 5 * USEC_PER_SEC, 0, "[]" }, /* stdin is /dev/null */
        };
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                Result res = run(cases[i].command, cases[i].timeout);
                clock_gettime(CLOCK_MONOTONIC, &b);
                long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
                ok(res.done && res.r == cases[i].r && streq(res.line, cases[i].line), "'%s': r=%d line='%s'", cases[i].command,
                   res.r, res.line);
                if (streq(cases[i].command, "sleep 29.75; true")) {
                        ok(ms < 5000 && res.ticks >= 5, "…killed at its limit (%ld ms), the loop ran meanwhile (%u ticks)", ms,
                           res.ticks);
                        /* The shell's child went with it: nothing of the group is left. */
                        ok(system("! pgrep -f '^sleep 29[.]75$' >/dev/null") == 0, "…and the sleep it started is gone");
                }
                if (streq(cases[i].command, "sleep 0.3; echo late"))
                        ok(res.ticks >= 5, "…the loop ran while it slept (%u ticks)", res.ticks);
        }
        return tap_done();
}
