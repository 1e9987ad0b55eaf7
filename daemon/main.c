/* SPDX-License-Identifier: MIT */
/* main.c: recharged's entry point: arguments, start-up, the main loop, exit status. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "hooks.h"
#include "log.h"
#include "loop.h"
#include "manager.h"
#include "notify.h"
#include "silence.h"

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
