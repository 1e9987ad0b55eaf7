/* SPDX-License-Identifier: MIT */
/* rechargectl.c: the command line: options, the verbs table, usage text, the simple verbs. */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus-call.h"
#include "config.h"
#include "config-warn.h"
#include "ical.h"
#include "macro.h"
#include "names.h"
#include "rechargectl.h"
#include "status-template.h"

enum {
        OPT_JSON = 1 << 0,
        OPT_WAYBAR = 1 << 1,
        OPT_FORMAT = 1 << 2,
        OPT_MESSAGE = 1 << 3,
        OPT_DAYS = 1 << 4,
        OPT_SINCE = 1 << 5,
        OPT_NAMES = 1 << 6,
        OPT_QUIET = 1 << 7,
        OPT_LONG = 1 << 8,
        OPT_NO_REMINDERS = 1 << 9,
        OPT_OUTPUTS = OPT_JSON | OPT_WAYBAR | OPT_FORMAT,
};

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;
        unsigned options;
        int (*run)(Ctl *c, int argc, char **argv);
        const char *args;
        const char *help;
} Verb;

static const Verb *find_verb(const char *name);

#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define CLIENT_HAS_ASAN 1
#  endif
#endif
#ifndef CLIENT_HAS_ASAN
#  define CLIENT_HAS_ASAN 0
#endif

usec_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* Opens the bus with the verb's timeout; BUS_OFFLINE (and ret_reason) when recharged cannot be
 * reached and an activation can only fail. */
int ctl_bus_quiet(Ctl *c, char **ret_reason) {
        int r;

        if (c->bus)
                return 0;
        r = bus_open(&c->bus);
        if (r < 0) {
                *ret_reason = strdup(NOT_RUNNING_TEXT);
                return BUS_OFFLINE;
        }
        bus_set_timeout(c->bus, c->status_like ? RECHARGECTL_STATUS_TIMEOUT : RECHARGECTL_CHANGE_TIMEOUT);
        /* Whether recharged may be started is decided at the first call that finds it absent
         * (bus_call_wait()): asked here, it cost a round trip on every run. */
        return 0;
}

int ctl_bus(Ctl *c, sd_bus **ret) {
        _cleanup_free_ char *reason = NULL;
        int r;

        r = ctl_bus_quiet(c, &reason);
        if (r < 0) {
                fprintf(stderr, "%s\n", reason ?: NOT_RUNNING_TEXT);
                return r;
        }
        *ret = c->bus;
        return 0;
}

int ctl_tz(Ctl *c) {
        int r;

        if (!c->tz) {
                r = tz_load(NULL, &c->tz);
                if (r < 0) {
                        /* A broken zone setting should not hide the status: fall back to UTC. */
                        r = tz_load("UTC0", &c->tz);
                        if (r < 0)
                                return r;
                }
        }
        c->out.tz = c->tz;
        c->out.now = now_usec();
        c->out.template = c->template;
        return 0;
}

int ctl_usage_error(const Ctl *c, const char *fmt, ...) {
        va_list ap;

        fputs("rechargectl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (c->verb)
                fprintf(stderr, " Try 'rechargectl help %s'.\n", c->verb);
        else
                fputs(" Try 'rechargectl --help'.\n", stderr);
        return EXIT_USAGE;
}

/* ---- arguments ---- */

int ctl_span_arg(const Ctl *c, const char *s, bool allow_zero, usec_t *ret) {
        int r;

        /* A number without a unit is seconds to systemd.time(7), but "on 45" and "on 1h30" are
         * not meant as 45 s and 1 h 30 s: ask for the unit. */
        for (const char *p = s; *p;) {
                size_t n = strspn(p, "0123456789.");
                if (n == 0) {
                        p++;
                        continue;
                }
                const char *after = p + n + strspn(p + n, " \t");
                if (*after == '\0' || strchr("0123456789.", *after)) {
                        if (p == s && *after == '\0')
                                return ctl_usage_error(c, "'%s' has no unit: write %smin for minutes or %ss for seconds.", s,
                                                       s, s);
                        return ctl_usage_error(c, "In '%s', %.*s has no unit: write it like 1h 30min.", s, (int) n, p);
                }
                p += n;
        }
        r = span_parse(s, ret);
        if (r < 0)
                return ctl_usage_error(c, "'%s' is not a time span (%s); write it like 45min or 1h 30min.", s,
                                       parse_error_to_string(r));
        if (*ret == 0 && !allow_zero)
                return ctl_usage_error(c, "A span of 0 means nothing; give one above 0, like 10min.");
        return 0;
}

int ctl_duration_args(Ctl *c, int argc, char **argv, usec_t *ret) {
        uint32_t secs;
        int r;

        if (argc == 0) {
                *ret = 0;
                return 0;
        }
        if (streq(argv[0], "until")) {
                if (argc != 2)
                        return ctl_usage_error(c, "'until' needs one clock time, like 'until 07:45'.");
                r = clock_parse(argv[1], &secs);
                if (r < 0)
                        return ctl_usage_error(c, "'%s' is not a clock time (%s); write HH:MM.", argv[1],
                                               parse_error_to_string(r));
                r = ctl_tz(c);
                if (r < 0)
                        return EXIT_REFUSED;
                /* The next such local time: today's, or tomorrow's when it has passed. */
                int64_t now = (int64_t) (c->out.now / USEC_PER_SEC);
                int64_t today = local_day(tz_to_local(c->tz, now)), day, t;
                for (day = today;; day++) {
                        t = tz_from_local(c->tz, day * 86400 + secs);
                        if ((usec_t) t * USEC_PER_SEC > c->out.now)
                                break;
                }
                *ret = (usec_t) t * USEC_PER_SEC - c->out.now;
                if (day != today) {
                        char d[TIME_TEXT_MAX];
                        fprintf(stderr, "warning: %s has passed today: this lasts until tomorrow's, %s from now.\n",
                                argv[1], format_duration(*ret + USEC_PER_MINUTE / 2, d));
                }
                return 0;
        }
        if (argc != 1)
                return ctl_usage_error(c, "Too many arguments.");
        r = ctl_span_arg(c, argv[0], false, ret);
        if (r != 0)
                return r;
        return 0;
}

/* ---- verbs ---- */

static int verb_status(Ctl *c, int argc, char **argv) {
        _cleanup_(bus_call_done) BusCall status = {}, share = {};
        bool ask_share = false;
        Status s;
        int r;

        _cleanup_free_ char *reason = NULL;

        r = ctl_bus_quiet(c, &reason);
        if (r >= 0) {
                /* Both questions at once, with the bus's Hello: one round trip for all three. */
                r = bus_get_status_send(c->bus, &status);
                if (r < 0)
                        r = bus_log_error(NULL, r);
                /* recharged-share beside it, briefly: absent, off or too slow, it is just not shown */
                ask_share = r >= 0 && bus_get_share_send(c->bus, SHARE_STATUS_TIMEOUT, &share) >= 0;
        }
        /* What does not need the answer is done while it is on its way (the authentication, the bus
         * and recharged take a few hundred µs): read after the answer, the zone file was on the
         * path a status bar waits for (1.045x the smallest sd-bus client against 1.032-1.038x,
         * bench/README.md). ctl_tz() is called again for the output, which only reads the clock. */
        if (status_init(&s) < 0)
                return EXIT_REFUSED;
        if (r >= 0) {
                (void) ctl_tz(c);
                r = bus_get_status_finish(c->bus, &status, &s, c->format == OUTPUT_WAYBAR ? &reason : NULL);
                if (r >= 0) {
                        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                        if (!ask_share || bus_get_share_finish(c->bus, &share, &s.share, &error) < 0)
                                s.share.online = false;
                }
        }
        if (r == BUS_OFFLINE && c->format == OUTPUT_WAYBAR) {
                /* The bar keeps working: an "offline" object that says why, and success. */
                c->out.offline_reason = reason;
                output_waybar(stdout, &s, &c->out);
                status_done(&s);
                return 0;
        }
        if (r == BUS_OFFLINE && reason) /* ctl_bus_quiet()'s: nothing printed it yet */
                fprintf(stderr, "%s\n", reason);
        if (r >= 0 && ctl_tz(c) >= 0) {
                c->out.color = c->format == OUTPUT_HUMAN && output_want_color();
                output_status(stdout, c->format, false, &s, &c->out);
        }
        status_done(&s);
        return ctl_exit(r);
}

static int verb_is_recharging(Ctl *c, int argc, char **argv) {
        _cleanup_free_ char *reason = NULL;
        Status s;
        int r;

        /* Like systemctl is-active: the answer is the exit status, and nothing is printed. */
        if (status_init(&s) < 0)
                return EXIT_REFUSED;
        r = ctl_bus_quiet(c, &reason);
        if (r >= 0)
                r = bus_get_status(c->bus, &s, &reason);
        r = r >= 0 && streq(s.mode, "recharging") ? 0 : EXIT_REFUSED;
        status_done(&s);
        return r;
}

static int verb_check_config(Ctl *c, int argc, char **argv) {
        _cleanup_(config_freep) Config *config = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = config_find(argc > 1 ? argv[1] : NULL, &path);
        if (r < 0) {
                fprintf(stderr, "Failed to look for the configuration: %s\n", strerror(-r));
                return EXIT_REFUSED;
        }
        if (!path) {
                printf("No recharged.conf found; recharged uses its built-in default schedule.\n");
                return 0;
        }
        r = config_load_file(path, &config, &errors);
        if (r == -EINVAL) {
                for (char **e = errors; e && *e; e++)
                        fprintf(stderr, "%s\n", *e);
                return EXIT_REFUSED;
        }
        if (r < 0) {
                fprintf(stderr, "Failed to read '%s': %s\n", path, strerror(-r));
                return EXIT_REFUSED;
        }
        printf("%s: valid, %zu %s.\n", path, config->n_entries, config->n_entries == 1 ? "entry" : "entries");
        /* Valid, yet likely not what was meant: said, but still valid (exit 0). */
        _cleanup_strv_free_ char **warnings = NULL;
        r = ctl_tz(c);
        if (config_warnings(config, path, r >= 0 ? c->tz : NULL, now_usec(), &warnings) < 0)
                return EXIT_REFUSED;
        fflush(stdout);
        for (char **w = warnings; w && *w; w++)
                fprintf(stderr, "warning: %s\n", *w);
        return 0;
}

/* The zone's name for the calendar: $TZ, else what /etc/localtime links to, else UTC. */
static char *local_tzid(const Tz *tz) {
        const char *e = getenv("TZ"), *z;
        char link[PATH_MAX];
        ssize_t n;

        if (e && *e)
                return strdup(e[0] == ':' ? e + 1 : e);
        n = readlink("/etc/localtime", link, sizeof link - 1);
        if (n > 0) {
                link[n] = '\0';
                z = strstr(link, "zoneinfo/");
                if (z)
                        return strdup(z + strlen("zoneinfo/"));
        }
        return strdup(tz_name(tz) && *tz_name(tz) && tz_name(tz)[0] != '/' ? tz_name(tz) : "UTC");
}

/* The daemon's zone, from its TimeZone property: the entries' clock times are wall-clock times
 * there, whatever TZ this shell has. NULL (and the client's own zone) when it does not say. */
static int daemon_zone(sd_bus *bus, Tz **ret_tz, char **ret_name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *name = NULL;
        const char *zone;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH,
                                           "org.freedesktop.DBus.Properties", "Get");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", RECHARGED_INTERFACE, "TimeZone");
        if (r >= 0)
                r = bus_call_message(bus, m, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "v", "s", &zone);
        if (r >= 0 && !(name = strdup(zone)))
                r = -ENOMEM;
        if (r < 0 || !*name)
                return 0; /* an older daemon: the client's zone */
        r = tz_load(name, ret_tz);
        if (r < 0)
                return 0;
        *ret_name = TAKE_PTR(name);
        return 1;
}

/* How far an open-ended export compares the rules with the daemon's plan: a snooze or a pause
 * reaches at most a year ahead. */
#define EXPORT_PLAN_DAYS 366
#define EXPORT_PAGE (120 * USEC_PER_DAY)

static int cmp_entry_name(const void *a, const void *b) {
        return strcmp((*(const Entry *const *) a)->name, (*(const Entry *const *) b)->name);
}

static int cmp_name_entry(const void *key, const void *b) {
        return strcmp(key, (*(const Entry *const *) b)->name);
}

/* by_name: the entries sorted by name, so that an event finds its entry in log n (a year of 4096
 * entries is some 5 M events: a scan of the entries for each was 20 G comparisons). */
static int plan_event_read(sd_bus_message *reply, const Entry *entries, const Entry *const *by_name, size_t n,
                           IcalEvent *ret) {
        const char *entry, *type, *event;
        usec_t t;
        int r;

        r = sd_bus_message_read(reply, "(ssst)", &entry, &type, &event, &t);
        if (r <= 0)
                return r;
        *ret = (IcalEvent) { .entry = INT_MIN, .kind = streq(event, "start") ? ICAL_START
                                                     : streq(event, "end")   ? ICAL_END
                                                                             : ICAL_REMINDER,
                             .time = t };
        if (!streq(event, "start") && !streq(event, "end") && !streq(event, "reminder"))
                return 1; /* heads-ups are not in the calendar */
        if (streq(type, "manual"))
                ret->entry = ICAL_MANUAL;
        else {
                const Entry *const *p = n > 0 ? bsearch(entry, by_name, n, sizeof(Entry *), cmp_name_entry) : NULL;
                if (p)
                        ret->entry = (int) (*p - entries);
        }
        return 1;
}

/* The daemon's plan in [from, to), through as many Upcoming calls as its limits need (a year,
 * 100000 events). */
static int export_plan(sd_bus *bus, const Entry *entries, size_t n_entries, usec_t from, usec_t to,
                       IcalEvent **ret, size_t *ret_n) {
        _cleanup_free_ IcalEvent *v = NULL;
        _cleanup_free_ const Entry **by_name = NULL;
        size_t n = 0, cap = 0;
        usec_t page = EXPORT_PAGE;
        int r;

        by_name = malloc(sizeof(Entry *) * (n_entries + 1));
        if (!by_name)
                return -ENOMEM;
        for (size_t i = 0; i < n_entries; i++)
                by_name[i] = &entries[i];
        if (n_entries > 1)
                qsort(by_name, n_entries, sizeof(Entry *), cmp_entry_name);

        for (usec_t a = from; a < to;) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                usec_t b = a + MIN(to - a, page);

                r = bus_call_quiet(bus, "Upcoming", &error, &reply, "tt", a, b);
                if (r < 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_LIMITS_EXCEEDED) && page > USEC_PER_DAY) {
                        page /= 2; /* a schedule dense with reminders: smaller pieces */
                        continue;
                }
                if (r < 0)
                        return bus_log_error(&error, r);
                r = sd_bus_message_enter_container(reply, 'a', "(ssst)");
                if (r < 0)
                        return r;
                for (;;) {
                        IcalEvent ev;

                        r = plan_event_read(reply, entries, by_name, n_entries, &ev);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                break;
                        if (ev.entry == INT_MIN)
                                continue;
                        if (n >= cap) {
                                IcalEvent *nv = reallocarray(v, cap = cap ? cap * 2 : 256, sizeof(IcalEvent));
                                if (!nv)
                                        return -ENOMEM;
                                v = nv;
                        }
                        v[n++] = ev;
                }
                a = b;
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static int verb_export(Ctl *c, int argc, char **argv) {
        _cleanup_free_ char *tzid = NULL;
        _cleanup_(tz_freep) Tz *zone = NULL;
        _cleanup_free_ IcalEvent *plan = NULL;
        _cleanup_(status_done) Status s = {};
        Entry *entries = NULL;
        size_t n = 0, n_plan = 0;
        usec_t from = 0, plan_to = 0;
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return EXIT_REFUSED;
        r = status_init(&s);
        if (r >= 0)
                r = bus_get_status(bus, &s, NULL);
        if (r < 0)
                return EXIT_REFUSED;
        r = bus_get_entries(bus, &entries, &n);
        if (r < 0)
                return EXIT_REFUSED;
        r = ctl_tz(c);
        if (r >= 0 && daemon_zone(bus, &zone, &tzid) <= 0) {
                tzid = local_tzid(c->tz);
                r = tzid ? 0 : -ENOMEM;
        }
        if (r >= 0) {
                /* the plan from the calendar's first midnight, where its rules begin */
                const Tz *tz = zone ?: c->tz;
                int64_t first = ical_first_day(tz, c->out.now);

                from = (usec_t) tz_from_local(tz, first * 86400) * USEC_PER_SEC;
                /* first is yesterday: the range ends `days` after today's midnight, then two more */
                plan_to = (usec_t) tz_from_local(tz, (first + 1 + (c->days_set ? c->days : EXPORT_PLAN_DAYS) + 2) * 86400) *
                          USEC_PER_SEC;
                r = export_plan(bus, entries, n, from, plan_to, &plan, &n_plan);
                if (r < 0 && r != -ENOMEM) {
                        entries_free(entries, n);
                        return EXIT_REFUSED; /* said already */
                }
        }
        if (r >= 0)
                r = ical_write(stdout, entries, n,
                               &(IcalOptions) { .tz = zone ?: c->tz, .tzid = tzid, .now = c->out.now,
                                                .days = c->days_set ? c->days : 0,
                                                .no_reminders = c->no_reminders,
                                                .prodid_version = PACKAGE_VERSION,
                                                .plan = plan ?: (IcalEvent[1]) {}, .n_plan = n_plan, .plan_to = plan_to,
                                                .manual_since = streq(s.source, "manual") ? s.since : 0,
                                                .manual_message = streq(s.source, "manual") ? s.message : NULL,
                                                .paused_indefinitely = s.paused_until == USEC_INFINITY });
        if (s.paused_until == USEC_INFINITY && r >= 0)
                fprintf(stderr, "The schedule is paused until 'rechargectl resume': the calendar has none of its "
                                "blocks or reminders.\n");
        entries_free(entries, n);
        if (r < 0 && r != -EPIPE) {
                fprintf(stderr, "Failed to write the calendar: %s\n", strerror(-r));
                return EXIT_REFUSED;
        }
        return 0;
}

/* ---- usage, in one place ---- */

static const Verb verbs[] = {
        { "status", 0, 0, OPT_OUTPUTS, verb_status, "", "what is on now (the default command)" },
        { "watch", 0, 0, OPT_OUTPUTS, verb_watch, "", "a line per change, and per minute while counting down" },
        { "is-recharging", 0, 0, 0, verb_is_recharging, "", "exit 0 while recharging, 1 if not; prints nothing" },
        { "on", 0, 2, OPT_MESSAGE | OPT_QUIET, verb_on, "[SPAN | until HH:MM] [-m MESSAGE]",
          "recharge now: for SPAN, until HH:MM, or until 'off'" },
        { "start", 1, 1, OPT_QUIET, verb_start, "BLOCK", "start a block of the schedule now" },
        { "off", 0, 0, OPT_QUIET, verb_off, "", "end the current recharge (\"I'm back\")" },
        { "extend", 1, 1, OPT_QUIET, verb_extend, "SPAN", "lengthen the current recharge" },
        { "skip", 1, 1, OPT_QUIET, verb_skip, "ENTRY", "skip the entry's next occurrence" },
        { "reset", 1, 1, OPT_QUIET, verb_reset, "ENTRY", "undo the entry's skips and snoozes still to come" },
        { "snooze", 2, 2, OPT_QUIET, verb_snooze, "ENTRY SPAN", "postpone the entry's next start or reminder" },
        { "done", 1, 1, OPT_QUIET, verb_done, "REMINDER", "mark a self-care reminder as done" },
        { "pause", 0, 2, OPT_QUIET, verb_pause, "[SPAN | until HH:MM]", "pause the whole schedule (until 'resume')" },
        { "resume", 0, 0, OPT_QUIET, verb_resume, "", "resume the paused schedule" },
        { "list", 0, 0, OPT_JSON | OPT_NAMES | OPT_LONG, verb_list, "[--names | --long]",
          "the entries and when each is next" },
        { "agenda", 0, 0, OPT_JSON | OPT_DAYS, verb_agenda, "[--days N]", "what is planned, day by day (7 days)" },
        { "stats", 0, 0, OPT_JSON | OPT_SINCE, verb_stats, "[--since SPAN|DATE]",
          "planned and kept time, counts, streak, a chart per day (7d)" },
        { "reload", 0, 0, OPT_QUIET, verb_reload, "", "make recharged re-read its configuration" },
        { "check-config", 0, 1, 0, verb_check_config, "[FILE]", "validate a configuration, no daemon needed" },
        { "share", 0, 1, OPT_JSON | OPT_QUIET, verb_share, "[sync]",
          "sharing with your calendar and your partner's; 'sync': publish now" },
        { "export", 0, 0, OPT_DAYS | OPT_NO_REMINDERS, verb_export, "[--days N] [--no-reminders]", "the schedule as iCalendar (stdout), for a partner" },
        { "help", 0, 1, 0, NULL, "[COMMAND]", "this text, or one command's" },
};

static const struct {
        unsigned flag;
        const char *text;
} option_help[] = {
        { OPT_JSON, "  -j --json             JSON, keys as in rechargectl(1)" },
        { OPT_WAYBAR, "     --waybar           a JSON object for waybar's custom module" },
        { OPT_FORMAT, "     --format=TEMPLATE  a line from TEMPLATE: %mode% %until% %since% %left% %message%\n"
                      "                        %entry% %status% %next% %next-event% %next-time% %percentage%\n"
                      "                        %partner% %%" },
        { OPT_MESSAGE, "  -m --message=TEXT     what the recharge is for (shown to others)" },
        { OPT_DAYS, "     --days=N           how many days ahead (agenda: 7; export: no end)" },
        { OPT_SINCE, "     --since=SPAN|DATE  how far back (default 7d), or from a day (YYYY-MM-DD)" },
        { OPT_NAMES, "     --names            entry names only, one a line" },
        { OPT_LONG, "  -l --long             each entry's rule too (days, times, every, at)" },
        { OPT_QUIET, "  -q --quiet            do not say what was done" },
        { OPT_NO_REMINDERS, "     --no-reminders     blocks only (reminders are in by default)" },
};

static void help(void) {
        printf("rechargectl [OPTIONS] [COMMAND] [ARGS]\n\n"
               "Asks recharged what is on (alone time, self-care reminders) and tells it.\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                char head[64];
                snprintf(head, sizeof head, "%s %s", verbs[i].name, verbs[i].args);
                printf("  %-36s %s\n", head, verbs[i].help);
        }
        printf("\nOptions:\n"
               "  -h --help             this help\n"
               "     --version          the version\n");
        for (size_t i = 0; i < ELEMENTSOF(option_help); i++)
                printf("%s\n", option_help[i].text);
        printf("\nSPAN: 45min, 1h 30min, 2h, 1d (systemd.time(7)). HH:MM: local time, the next one to come.\n"
               "Exit status: 0 done, 1 refused or recharged (share: recharged-share) not running, 2 bad usage.\n"
               "See rechargectl(1).\n");
}

static void help_verb(const Verb *v) {
        printf("rechargectl %s %s\n  %s\n", v->name, v->args, v->help);
        if (v->options) {
                printf("\nOptions:\n");
                for (size_t i = 0; i < ELEMENTSOF(option_help); i++)
                        if (v->options & option_help[i].flag)
                                printf("%s\n", option_help[i].text);
        }
}

static const Verb *find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

static const char *option_name(unsigned flag) {
        return flag == OPT_JSON ? "--json" : flag == OPT_WAYBAR ? "--waybar" : flag == OPT_FORMAT ? "--format" :
               flag == OPT_MESSAGE ? "--message" : flag == OPT_DAYS ? "--days" : flag == OPT_SINCE ? "--since" :
               flag == OPT_QUIET ? "--quiet" : flag == OPT_LONG ? "--long" :
               flag == OPT_NO_REMINDERS ? "--no-reminders" : "--names";
}

/* The verbs that only read get the short call timeout: a bar or a script must never hang on them. */
static bool verb_only_reads(const char *name) {
        static const char *const readers[] = { "status", "watch", "list", "agenda", "stats", "export",
                                               "is-recharging" };
        for (size_t i = 0; i < ELEMENTSOF(readers); i++)
                if (streq(readers[i], name))
                        return true;
        return false;
}

static int parse_argv(Ctl *c, int argc, char **argv, unsigned *ret_given) {
        enum { ARG_VERSION = 0x100, ARG_WAYBAR, ARG_FORMAT, ARG_DAYS, ARG_SINCE, ARG_NAMES, ARG_NO_REMINDERS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, 'j' },
                { "waybar", no_argument, NULL, ARG_WAYBAR },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "message", required_argument, NULL, 'm' },
                { "days", required_argument, NULL, ARG_DAYS },
                { "since", required_argument, NULL, ARG_SINCE },
                { "names", no_argument, NULL, ARG_NAMES },
                { "quiet", no_argument, NULL, 'q' },
                { "long", no_argument, NULL, 'l' },
                { "no-reminders", no_argument, NULL, ARG_NO_REMINDERS },
                {},
        };
        unsigned given = 0;
        int o;

        opterr = 0;
        while ((o = getopt_long(argc, argv, ":hjm:ql", options, NULL)) >= 0)
                switch (o) {
                case 'h':
                        help();
                        return -1;
                case ARG_VERSION:
                        printf("rechargectl %s\n", PACKAGE_VERSION);
                        return -1;
                case 'j':
                        given |= OPT_JSON;
                        c->format = OUTPUT_JSON;
                        break;
                case ARG_WAYBAR:
                        given |= OPT_WAYBAR;
                        c->format = OUTPUT_WAYBAR;
                        break;
                case ARG_FORMAT: {
                        _cleanup_strv_free_ char **problems = NULL;
                        /* A typo would print itself on the bar for ever: refuse it, as the config does. */
                        int r = template_check(optarg, output_placeholders, &problems);
                        if (r < 0)
                                return EXIT_REFUSED;
                        if (r > 0)
                                return ctl_usage_error(c, "--format: %s.", problems[0]);
                        given |= OPT_FORMAT;
                        c->format = OUTPUT_TEMPLATE;
                        c->template = optarg;
                        break;
                }
                case 'm':
                        given |= OPT_MESSAGE;
                        c->message = optarg;
                        break;
                case ARG_DAYS: {
                        char *end;
                        unsigned long d;
                        errno = 0;
                        d = strtoul(optarg, &end, 10);
                        if (errno || end == optarg || *end || optarg[0] == '-' || d < 1 || d > 3660)
                                return ctl_usage_error(c, "--days takes a whole number of days from 1 to 3660, not '%s'.",
                                                       optarg);
                        given |= OPT_DAYS;
                        c->days = (unsigned) d;
                        c->days_set = true;
                        break;
                }
                case ARG_SINCE: {
                        int y, m, d, n = 0;
                        /* A day: from its local midnight. */
                        if (sscanf(optarg, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && optarg[n] == '\0' && n == 10) {
                                int64_t day = days_from_civil(y, (unsigned) m, (unsigned) d);
                                int64_t yy;
                                unsigned mm, dd;
                                civil_from_days(day, &yy, &mm, &dd);
                                if (m < 1 || m > 12 || yy != y || mm != (unsigned) m || dd != (unsigned) d)
                                        return ctl_usage_error(c, "'%s' is not a date; write YYYY-MM-DD.", optarg);
                                c->since_day = day;
                                c->since_day_set = true;
                        } else {
                                int r = ctl_span_arg(c, optarg, false, &c->since);
                                if (r != 0)
                                        return r;
                        }
                        given |= OPT_SINCE;
                        break;
                }
                case ARG_NAMES:
                        given |= OPT_NAMES;
                        c->names = true;
                        break;
                case 'q':
                        given |= OPT_QUIET;
                        c->quiet = true;
                        break;
                case ARG_NO_REMINDERS:
                        given |= OPT_NO_REMINDERS;
                        c->no_reminders = true;
                        break;
                case 'l':
                        given |= OPT_LONG;
                        c->long_list = true;
                        break;
                case ':':
                        return ctl_usage_error(c, "'%s' needs a value.", argv[optind - 1]);
                case '?':
                default:
                        if (optopt > 0 && optopt < 0x100 && strncmp(argv[optind - 1], "--", 2) != 0)
                                return ctl_usage_error(c, "Unknown option '-%c'.", optopt);
                        if (optopt)
                                return ctl_usage_error(c, "'%s' takes no value.", argv[optind - 1]);
                        return ctl_usage_error(c, "Unknown option '%s'.", argv[optind - 1]);
                }
        if (__builtin_popcount(given & OPT_OUTPUTS) > 1)
                return ctl_usage_error(c, "Choose one of --json, --waybar and --format.");
        *ret_given = given;
        return 0;
}

int main(int argc, char *argv[]) {
        Ctl c = { .format = OUTPUT_HUMAN };
        const Verb *v;
        unsigned given = 0;
        int r;

        r = parse_argv(&c, argc, argv, &given);
        if (r != 0)
                return r < 0 ? 0 : r;

        c.verb = optind < argc ? argv[optind] : "status";
        v = find_verb(c.verb);
        if (!v) {
                c.verb = NULL;
                return ctl_usage_error(&c, "Unknown command '%s'.", argv[optind]);
        }
        int n = optind < argc ? argc - optind - 1 : 0;
        char *status_argv[] = { (char *) "status", NULL };
        char **args = optind < argc ? argv + optind : status_argv;

        c.status_like = verb_only_reads(v->name);
        for (unsigned f = 1; f <= OPT_NO_REMINDERS; f <<= 1)
                if ((given & f) && !(v->options & f))
                        return ctl_usage_error(&c, "'%s' does not apply to '%s'.", option_name(f), v->name);
        if ((unsigned) n < v->min_args)
                return ctl_usage_error(&c, "'%s' needs %s.", v->name, v->args);
        if ((unsigned) n > v->max_args)
                return ctl_usage_error(&c, "'%s' takes %s%s, not '%s'.", v->name, v->max_args ? "only " : "no arguments",
                                       v->args, args[v->max_args + 1]);

        if (!v->run) { /* help */
                const Verb *h = n ? find_verb(args[1]) : NULL;
                if (n && !h) {
                        c.verb = NULL;
                        return ctl_usage_error(&c, "Unknown command '%s'.", args[1]);
                }
                if (h)
                        help_verb(h);
                else
                        help();
                return 0;
        }

        r = v->run(&c, n + 1, args);
        if (fflush(stdout) != 0 && errno != EPIPE && r == 0) {
                fprintf(stderr, "Failed to write the output: %m\n");
                r = EXIT_REFUSED;
        }
#if !defined(__SANITIZE_ADDRESS__) && !CLIENT_HAS_ASAN
        /* The run is over once what was sent is out: exit()'s teardown (every loaded library's
         * destructors, then freeing what the kernel frees anyway) was about 2 % of a status bar's
         * refresh (bench/README.md). Sanitizer builds tear down, so that a leak is still found. */
        if (c.bus)
                (void) sd_bus_flush(c.bus);
        _exit(r);
#endif
        if (c.bus)
                sd_bus_flush_close_unref(c.bus);
        tz_free(c.tz);
        return r;
}
