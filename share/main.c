/* SPDX-License-Identifier: MIT */
/* main.c: recharged-share: publishes the recharge time recharged plans to a CalDAV calendar.
 * Options, signals, the loop. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "fileio.h"
#include "log.h"
#include "partner-parse.h"
#include "partner.h"
#include "share.h"

static const char *arg_config;
static const char *arg_print_blocks;
static long long arg_from = -1;

static void help(void) {
        printf("Usage: recharged-share [OPTIONS]\n"
               "Publishes the recharge blocks recharged plans to the CalDAV calendar named in the\n"
               "[share] section of recharged.conf, and keeps it true as the schedule changes.\n\n"
               "  -c, --config FILE   read FILE instead of recharged.conf's usual place\n"
               "  -v, --verbose       log every request and sync (debug)\n"
               "      --print-blocks FILE\n"
               "                      print the busy blocks an iCalendar FILE holds, as the partner\n"
               "                      follower reads them (one 'START END' a line, seconds since\n"
               "                      the epoch, from a day back to 60 days ahead), and exit\n"
               "      --from SECONDS  with --print-blocks: count from then instead of now\n"
               "  -h, --help          show this help\n"
               "      --version       show the version\n\n"
               "See recharged-share(8).\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_PRINT_BLOCKS, ARG_FROM };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "print-blocks", required_argument, NULL, ARG_PRINT_BLOCKS },
                { "from", required_argument, NULL, ARG_FROM },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "c:vh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_PRINT_BLOCKS:
                        arg_print_blocks = optarg;
                        break;
                case ARG_FROM: {
                        char *end;
                        errno = 0;
                        arg_from = strtoll(optarg, &end, 10);
                        if (errno || *end || end == optarg || arg_from < 0) {
                                fprintf(stderr, "recharged-share: --from '%s' is not seconds since the epoch\n", optarg);
                                return -EINVAL;
                        }
                        break;
                }
                case ARG_VERSION:
                        printf("recharged-share %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
        if (arg_from >= 0 && !arg_print_blocks) {
                fprintf(stderr, "recharged-share: --from goes with --print-blocks\n");
                return -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "recharged-share: unexpected argument '%s'; see --help\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int on_sighup(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        Share *s = userdata;

        log_info("Reloading the config.");
        if (share_load_config(s) < 0) {
                log_error("The config was refused; sharing goes on as before.");
                return 0;
        }
        share_start(s);
        return 0;
}

static int on_exit_signal(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(es), 0);
}

/* --print-blocks: the parser alone, on a file, for a person checking a feed and for the tests
 * that compare it with an independent reader. */
static int print_blocks(void) {
        _cleanup_(tz_freep) Tz *local = NULL;
        _cleanup_free_ char *text = NULL;
        PartnerBlock *v = NULL;
        size_t len, n = 0;
        usec_t from;
        int r;

        r = read_file_bounded(arg_print_blocks, PARTNER_FEED_MAX, &text, &len, NULL);
        if (r < 0) {
                fprintf(stderr, "recharged-share: cannot read '%s': %s\n", arg_print_blocks,
                        r == -EFBIG ? "larger than 4 MiB" : file_refusal_to_string(r) ?: strerror(-r));
                return 1;
        }
        r = tz_load(NULL, &local);
        if (r < 0)
                r = tz_load("UTC", &local);
        if (r < 0)
                return 1;
        if (arg_from >= 0)
                from = (usec_t) arg_from * USEC_PER_SEC;
        else {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                from = (usec_t) ts.tv_sec * USEC_PER_SEC;
        }
        r = partner_parse(text, len, NULL, local, from - PARTNER_LOOKBACK_USEC, from + PARTNER_HORIZON_USEC, &v, &n);
        if (r < 0) {
                fprintf(stderr, "recharged-share: '%s' is refused: %s\n", arg_print_blocks,
                        r == -EFBIG ? "larger than 4 MiB" : r == -E2BIG ? "too many events" :
                        r == -EBADMSG ? "not a whole iCalendar file" : strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < n; i++)
                printf("%llu %llu\n", (unsigned long long) (v[i].start / USEC_PER_SEC),
                       (unsigned long long) (v[i].end / USEC_PER_SEC));
        free(v);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(share_freep) Share *s = NULL;
        sigset_t mask;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (arg_print_blocks)
                return print_blocks();

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        /* password-command runs as a child watched by sd-event, which needs SIGCHLD blocked. */
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        /* curl writes to sockets a server may have closed. */
        signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m"), 1;
        r = share_new(event, arg_config, &s);
        if (r < 0)
                return log_error_errno(r, "Failed to set up: %m"), 1;
        r = share_load_config(s);
        if (r == -EINVAL)
                return 78; /* EX_CONFIG, as recharged: restarting will not fix it */
        if (r < 0)
                return 1;
        if (sd_event_add_signal(event, NULL, SIGTERM, on_exit_signal, NULL) < 0 ||
            sd_event_add_signal(event, NULL, SIGINT, on_exit_signal, NULL) < 0 ||
            sd_event_add_signal(event, NULL, SIGHUP, on_sighup, s) < 0)
                return log_error_errno(-errno, "Failed to add signal handlers: %m"), 1;
        r = share_connect(s);
        if (r < 0)
                return 1;
        share_start(s);

        r = sd_event_loop(event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), 1;
        (void) share_save(s);
        return 0;
}
