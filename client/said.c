/* SPDX-License-Identifier: MIT */
/* said.c: the commands that change something, and the one line each says back: what the daemon
 * understood, read from its own answer after the call (GetStatus, ListEntries), in the user's
 * terms; and a warning where what happened is not what the words suggest. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bus-call.h"
#include "macro.h"
#include "names.h"
#include "rechargectl.h"

static int call(Ctl *c, const char *method, const char *types, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus;
        va_list ap;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &m, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE,
                                           method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = bus_call_message(bus, m, &error, NULL);
        if (r < 0)
                return bus_log_error(&error, r);
        return 0;
}

/* The status now; 0, or a negative errno after the reason was printed. */
static int status_now(Ctl *c, Status *s) {
        sd_bus *bus;
        int r;

        r = status_init(s);
        if (r < 0)
                return r;
        r = ctl_bus(c, &bus);
        if (r >= 0)
                r = bus_get_status(bus, s, NULL);
        if (r >= 0)
                r = ctl_tz(c);
        if (r < 0)
                status_done(s);
        return r;
}

/* One entry's line of ListEntries, the name as the daemon spells it. */
typedef struct EntryNow {
        char name[RECHARGED_ENTRY_NAME_MAX + 1];
        bool recharge, enabled;
        usec_t next_start, next_end;
} EntryNow;

static int entry_now(Ctl *c, const char *name, EntryNow *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListItem *v = NULL;
        size_t n = 0;
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        r = bus_call(bus, "ListEntries", &reply, NULL);
        if (r < 0)
                return r;
        r = list_read(reply, &v, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(v[i].name, name) == 0) {
                        *ret = (EntryNow) { .recharge = streq(v[i].type, "recharge"), .enabled = v[i].enabled,
                                            .next_start = v[i].next_start, .next_end = v[i].next_end };
                        snprintf(ret->name, sizeof ret->name, "%s", v[i].name);
                        return 1;
                }
        return 0;
}

static void say(const Ctl *c, const char *fmt, ...) _printf_(2, 3);
static void say(const Ctl *c, const char *fmt, ...) {
        va_list ap;

        if (c->quiet)
                return;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

/* " — MESSAGE" or "". */
static const char *dash_message(const char *m, char *buf, size_t size) {
        _cleanup_free_ char *e = text_escape(m);
        snprintf(buf, size, "%s%s", e && *e ? " — " : "", e ?: "");
        return buf;
}

/* "until 21:45 (45 min)", "until Tue 23:00 (23h 50min)", "until you stop it". */
static const char *until_text(const Ctl *c, usec_t until, const char *open_ended, char *buf, size_t size) {
        char t[TIME_TEXT_MAX], d[TIME_TEXT_MAX];

        if (until == 0 || until == USEC_INFINITY)
                snprintf(buf, size, "%s", open_ended);
        else
                snprintf(buf, size, "until %s (%s)", format_local_time(&c->out, until, t),
                         /* rounded up, as status's "in 45 min" */
                         until > c->out.now ? format_duration((until - c->out.now + USEC_PER_MINUTE - 1) /
                                                              USEC_PER_MINUTE * USEC_PER_MINUTE, d) : "now");
        return buf;
}

int said_recharging(Ctl *c, usec_t asked, const char *asked_message) {
        char u[3 * TIME_TEXT_MAX], msg[RECHARGED_MESSAGE_MAX * 4 + 8], t[TIME_TEXT_MAX];
        Status s;
        int r;

        r = status_now(c, &s);
        if (r < 0)
                return 0; /* it was done; only the telling failed, and that said why */
        if (!streq(s.mode, "recharging")) {
                say(c, "Not recharging: the recharge has already ended.");
                status_done(&s);
                return 0;
        }
        if (*s.entry) {
                _cleanup_free_ char *m = text_escape(s.message);
                say(c, "Recharging %s in block %s%s", until_text(c, s.until, "until you stop it", u, sizeof u), s.entry,
                    dash_message(s.message, msg, sizeof msg));
                /* Inside a block, the later end counts and the block keeps its message. */
                if (asked_message && (asked != 0 && s.until > c->out.now + asked + USEC_PER_SEC))
                        fprintf(stderr, "warning: you are inside block '%s', which goes on until %s: it keeps "
                                "that end and its message '%s'.\n",
                                s.entry, format_local_time(&c->out, s.until, t), m ?: "");
                else if (asked_message && *asked_message && !streq(asked_message, s.message))
                        fprintf(stderr, "warning: you are inside block '%s': it keeps its message '%s'.\n", s.entry,
                                m ?: "");
        } else
                say(c, "Recharging %s%s", until_text(c, s.until, "until you stop it", u, sizeof u),
                    dash_message(s.message, msg, sizeof msg));
        status_done(&s);
        return 0;
}

int verb_on(Ctl *c, int argc, char **argv) {
        usec_t d;
        int r;

        r = ctl_duration_args(c, argc - 1, argv + 1, &d);
        if (r != 0)
                return r;
        if (call(c, "Recharge", "ts", d, c->message ?: "") < 0)
                return EXIT_REFUSED;
        return said_recharging(c, d, c->message ?: "");
}

int verb_start(Ctl *c, int argc, char **argv) {
        if (call(c, "StartNow", "s", argv[1]) < 0)
                return EXIT_REFUSED;
        return said_recharging(c, 0, NULL);
}

int verb_off(Ctl *c, int argc, char **argv) {
        char t[TIME_TEXT_MAX];
        usec_t until = 0;
        Status s;

        if (status_now(c, &s) < 0)
                return EXIT_REFUSED;
        _cleanup_free_ char *entry = strdup(s.entry);
        until = s.until;
        status_done(&s);
        if (!entry)
                return EXIT_REFUSED;
        if (call(c, "Stop", NULL) < 0)
                return EXIT_REFUSED;
        if (*entry)
                say(c, "Ended block %s%s%s.", entry, until ? ", which was to last until " : "",
                    until ? format_local_time(&c->out, until, t) : "");
        else
                say(c, "Ended the recharge%s%s.", until ? ", which was to last until " : "",
                    until ? format_local_time(&c->out, until, t) : "");
        return 0;
}

int verb_extend(Ctl *c, int argc, char **argv) {
        char u[3 * TIME_TEXT_MAX], sp[SPAN_MAX];
        usec_t d;
        Status s;
        int r;

        r = ctl_span_arg(c, argv[1], false, &d);
        if (r != 0)
                return r;
        if (call(c, "Extend", "t", d) < 0)
                return EXIT_REFUSED;
        if (status_now(c, &s) < 0)
                return 0;
        say(c, "Recharging %s, %s longer", until_text(c, s.until, "until you stop it", u, sizeof u), span_format(d, sp));
        status_done(&s);
        return 0;
}

/* "Mon 7 Dec 06:30–07:15", "Mon 7 Dec 10:00". */
static const char *occurrence_text(const Ctl *c, const EntryNow *e, char *buf, size_t size) {
        char a[TIME_TEXT_MAX], b[TIME_TEXT_MAX];

        format_day_time(&c->out, e->next_start, a);
        if (e->recharge && e->next_end)
                snprintf(buf, size, "%s–%s", a, format_clock(c->out.tz, e->next_end, b));
        else
                snprintf(buf, size, "%s", a);
        return buf;
}

/* The entry's next occurrence that has not begun: the one Skip acts on (a block on now is not
 * it). 1 and its start (and a block's end), 0 when none within two weeks. */
static int next_occurrence(Ctl *c, const char *name, EntryNow *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *entry, *type, *event;
        usec_t t, from = c->out.now, to = c->out.now + 2 * USEC_PER_WEEK;
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        r = bus_call(bus, "Upcoming", &reply, "tt", from, to);
        if (r < 0)
                return r;
        e->next_start = e->next_end = 0;
        r = sd_bus_message_enter_container(reply, 'a', "(ssst)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssst)", &entry, &type, &event, &t)) > 0) {
                if (strcasecmp(entry, name) != 0)
                        continue;
                if (!e->next_start && (streq(event, "start") || streq(event, "reminder")) && t > from) {
                        e->next_start = t;
                        if (streq(event, "reminder"))
                                return 1;
                } else if (e->next_start && streq(event, "end")) {
                        e->next_end = t;
                        return 1;
                }
        }
        return r < 0 ? r : e->next_start != 0;
}

int verb_skip(Ctl *c, int argc, char **argv) {
        char when[3 * TIME_TEXT_MAX];
        EntryNow before;
        Status s;
        int r;

        if (status_now(c, &s) < 0)
                return EXIT_REFUSED;
        r = entry_now(c, argv[1], &before);
        if (r > 0)
                r = next_occurrence(c, before.name, &before);
        if (r < 0) {
                status_done(&s);
                return EXIT_REFUSED;
        }
        /* The one on now is not the "next occurrence": skip acts on the one after it. */
        if (streq(s.mode, "recharging") && strcasecmp(s.entry, argv[1]) == 0)
                fprintf(stderr, "warning: block '%s' is on now: skip skips its next occurrence, not this one "
                        "('rechargectl off' ends this one).\n", s.entry);
        status_done(&s);
        if (call(c, "Skip", "s", argv[1]) < 0)
                return EXIT_REFUSED;
        if (r > 0)
                say(c, "Skipped %s on %s.", before.name, occurrence_text(c, &before, when, sizeof when));
        else
                say(c, "Skipped the next occurrence of %s.", argv[1]);
        return 0;
}

int verb_reset(Ctl *c, int argc, char **argv) {
        char when[3 * TIME_TEXT_MAX];
        EntryNow after;
        int r;

        if (ctl_tz(c) < 0 || call(c, "Reset", "s", argv[1]) < 0)
                return EXIT_REFUSED;
        r = entry_now(c, argv[1], &after);
        if (r > 0 && after.next_start)
                say(c, "Reset %s: its next occurrence is %s, as the schedule says.", after.name,
                    occurrence_text(c, &after, when, sizeof when));
        else
                say(c, "Reset %s: its skips and snoozes still to come are undone.", argv[1]);
        return 0;
}

int verb_snooze(Ctl *c, int argc, char **argv) {
        char when[3 * TIME_TEXT_MAX], sp[SPAN_MAX];
        EntryNow after;
        usec_t d;
        int r;

        r = ctl_span_arg(c, argv[2], false, &d);
        if (r != 0)
                return r;
        if (call(c, "Snooze", "st", argv[1], d) < 0)
                return EXIT_REFUSED;
        if (ctl_tz(c) >= 0 && entry_now(c, argv[1], &after) > 0 && after.next_start)
                say(c, "Snoozed %s to %s (%s later).", after.name, occurrence_text(c, &after, when, sizeof when),
                    span_format(d, sp));
        else
                say(c, "Snoozed %s by %s.", argv[1], span_format(d, sp));
        return 0;
}

int verb_done(Ctl *c, int argc, char **argv) {
        EntryNow e;

        if (call(c, "Done", "s", argv[1]) < 0)
                return EXIT_REFUSED;
        say(c, "Marked %s done.", entry_now(c, argv[1], &e) > 0 ? e.name : argv[1]);
        return 0;
}

int verb_pause(Ctl *c, int argc, char **argv) {
        char u[3 * TIME_TEXT_MAX];
        usec_t d;
        Status s;
        int r;

        r = ctl_duration_args(c, argc - 1, argv + 1, &d);
        if (r != 0)
                return r;
        if (call(c, "Pause", "t", d) < 0)
                return EXIT_REFUSED;
        if (status_now(c, &s) < 0)
                return 0;
        say(c, "Schedule paused %s.", until_text(c, s.paused_until, "until you resume it", u, sizeof u));
        status_done(&s);
        return 0;
}

int verb_resume(Ctl *c, int argc, char **argv) {
        Status s;
        bool paused;

        if (status_now(c, &s) < 0)
                return EXIT_REFUSED;
        paused = streq(s.mode, "paused") || s.paused_until != 0;
        status_done(&s);
        if (!paused) {
                fprintf(stderr, "The schedule is not paused, so there is nothing to resume.\n");
                return EXIT_REFUSED;
        }
        if (call(c, "Resume", NULL) < 0)
                return EXIT_REFUSED;
        if (status_now(c, &s) < 0)
                return 0;
        if (!c->quiet) {
                fputs("Schedule resumed", stdout);
                if (*s.next_event && s.next_event_time) {
                        fputs("; next: ", stdout);
                        output_next_phrase(stdout, &s, &c->out, true);
                }
                fputs(".\n", stdout);
        }
        status_done(&s);
        return 0;
}

int verb_reload(Ctl *c, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListItem *v = NULL;
        size_t n = 0;
        sd_bus *bus;

        if (call(c, "Reload", NULL) < 0)
                return EXIT_REFUSED;
        if (ctl_bus(c, &bus) < 0 || bus_call(bus, "ListEntries", &reply, NULL) < 0 || list_read(reply, &v, &n) < 0)
                return 0;
        say(c, "Reloaded the configuration: %zu %s.", n, n == 1 ? "entry" : "entries");
        return 0;
}
