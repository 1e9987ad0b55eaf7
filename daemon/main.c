/* SPDX-License-Identifier: MIT */
/* main.c: recharged's entry point: arguments, start-up, the main loop, exit status. */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>

#include "fileio.h"
#include "hooks.h"
#include "log.h"
#include "loop.h"
#include "manager.h"
#include "notify.h"
#include "silence.h"
#include "state.h"

#define EXIT_CONFIG 78 /* EX_CONFIG */

static void help(void) {
        printf("Usage: recharged [OPTIONS]\n"
               "\n"
               "Keeps your recharge blocks and self-care reminders, and tells the session bus\n"
               "(org.recharged.Recharged1) whether you are recharging, until when, and what is next.\n"
               "\n"
               "  -c, --config=FILE  read FILE instead of $XDG_CONFIG_HOME/recharged/recharged.conf\n"
               "  -v, --verbose      log debug lines too\n"
               "  -h, --help         show this help\n"
               "      --version      show the version\n"
               "\n"
               "SIGHUP reloads the configuration; SIGTERM saves and exits. See recharged(8).\n");
}

/* Before anything reads or writes the state: the folder's lock, then what a kill -9 mid-save
 * left, then a look at the state file itself. */
static int take_state_dir(Manager *m, int *ret_lock) {
        const char *what;
        unsigned removed = 0;
        pid_t holder = 0;
        int r;

        r = state_dir_lock(m->state_dir, ret_lock, &holder);
        if (r == -EBUSY) {
                if (holder > 0)
                        log_error("Another recharged (pid %d) already keeps its state in '%s' (already "
                                  "running?): two would overwrite each other's answers. Stop it first, or give "
                                  "this one another XDG_STATE_HOME.", (int) holder, m->state_dir);
                else
                        log_error("Another recharged already keeps its state in '%s' (already running?): two "
                                  "would overwrite each other's answers. Stop it first, or give this one another "
                                  "XDG_STATE_HOME.", m->state_dir);
                return r;
        }
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                /* No lock file means no state file either (same folder): saves fail and say so, so
                 * no second daemon's answers can be overwritten. Run, as with any unwritable state. */
                log_warning_errno(r, "Failed to lock the state folder '%s', running without the lock: %m",
                                  m->state_dir);

        r = state_remove_stale_temporaries(m->state_path, &removed);
        if (r < 0)
                log_warning_errno(r, "Failed to remove stale temporary files in '%s', ignoring: %m", m->state_dir);
        if (removed > 0)
                log_info("Removed %u temporary file%s that an interrupted save left in '%s'.", removed,
                         removed == 1 ? "" : "s", m->state_dir);

        /* Not a file we wrote: reading it could hang (a FIFO) and saving would replace it. We stop
         * rather than start empty, so nothing the user told us is silently dropped. */
        r = state_check_file(m->state_path);
        what = file_refusal_to_string(r);
        if (what)
                return log_error_errno(r, "The state file '%s' %s, not a file recharged wrote: not starting. "
                                          "Remove it (or move it away), then start again.", m->state_path, what);
        return 0;
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        _cleanup_(manager_freep) Manager *m = NULL;
        /* After m: freed before it. */
        _cleanup_(notifier_freep) Notifier *notifier = NULL;
        _cleanup_(hooks_freep) Hooks *hooks = NULL;
        _cleanup_(silence_freep) Silence *silence = NULL;
        const char *config = NULL;
        /* Held until exit: the state folder is ours alone. */
        _cleanup_close_ int state_lock = -1;
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:vh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_VERSION:
                        printf("recharged %s\n", PACKAGE_VERSION);
                        return EXIT_SUCCESS;
                default:
                        fprintf(stderr, "Try 'recharged --help'.\n");
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "recharged takes no arguments ('%s'). Try 'recharged --help'.\n", argv[optind]);
                return 2;
        }

        /* A big answer (a month of Upcoming is megabytes) is mmapped and given back when freed.
         * glibc's default raises the mmap threshold to the largest block freed so far, so after
         * one such call the next ones came from the heap and stayed in it: a fixed threshold
         * (which turns that off) keeps the resident size at what is in use. */
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        mallopt(M_TRIM_THRESHOLD, 256 * 1024);

        /* sd-event takes these through a signalfd; block them before any thread exists. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD); /* hooks: sd-event child sources need it blocked */
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                log_error_errno(-errno, "Failed to block signals: %m");
                return EXIT_FAILURE;
        }

        r = manager_new(config, &m);
        if (r < 0)
                return EXIT_FAILURE;
        r = take_state_dir(m, &state_lock);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_load_config(m);
        if (r == -EINVAL)
                return EXIT_CONFIG;
        if (r < 0)
                return EXIT_FAILURE;
        /* Listening before the start, which may announce a recharge already on. */
        r = notifier_new(m, &notifier);
        if (r >= 0)
                r = hooks_new(m, &hooks);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_start(m);
        if (r < 0)
                return EXIT_FAILURE;
        /* After the start: it needs the bus, the saved state and the status. */
        r = silence_new(m, &silence);
        if (r < 0)
                return EXIT_FAILURE;

        r = loop_run(m->event);
        if (r < 0)
                return EXIT_FAILURE;
        log_debug("Exiting with status %d.", r);
        return r;
}
