/* SPDX-License-Identifier: MIT */
/* test-bus.c: the bus API (daemon/bus.c) in-process, on a private bus with time passed in
 * (tests/lib/inproc.h): Skip, Snooze, StartNow, Done, Pause and Resume called as a client calls
 * them on a live schedule, and what each changes, fires and does not fire as time goes by —
 * properties, signals, PropertiesChanged, the state file and the history — in milliseconds. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "inproc.h"
#include "tap.h"

#define BUS "org.recharged.Recharged1"
#define OBJ "/org/recharged/Recharged1"
#define IFACE "org.recharged.Recharged1"
#define EIFACE "org.recharged.Recharged1.Entry"

static sd_bus *client;

/* A method of the root object, called at the instant t: NULL when it was done, else the error. */
#define CALL(m, t, member, ...) call_at((m), (t), (member), __VA_ARGS__)
static char *call_at(Manager *m, usec_t t, const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        va_list ap;
        int r;

        inproc_advance(m, NULL, t);
        r = sd_bus_message_new_method_call(client, &msg, BUS, OBJ, IFACE, member);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
        }
        if (r < 0)
                abort();
        reply = inproc_call_message(client, msg);
        if (!reply)
                return strdup("no answer");
        if (sd_bus_message_is_method_error(reply, NULL))
                return strdup(sd_bus_message_get_error(reply)->message ?: "error");
        return NULL;
}

static bool done(char *error, const char *what) {
        bool pass = ok(!error, "%s", what);

        if (error)
                diag("%s", error);
        free(error);
        return pass;
}

/* A property as text: "recharging", "1795468980000000", "true". */
static char *prop(const char *path, const char *iface, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply =
                inproc_call(client, BUS, path, "org.freedesktop.DBus.Properties", "Get", "ss", iface, name);
        const char *contents;
        char *out = NULL;

        if (!reply || sd_bus_message_is_method_error(reply, NULL) ||
            sd_bus_message_peek_type(reply, NULL, &contents) < 0 ||
            sd_bus_message_enter_container(reply, 'v', contents) < 0)
                return strdup("(error)");
        switch (contents[0]) {
        case 's': {
                const char *s;
                if (sd_bus_message_read(reply, "s", &s) > 0)
                        out = strdup(s);
                break;
        }
        case 't': {
                uint64_t t;
                if (sd_bus_message_read(reply, "t", &t) > 0 && asprintf(&out, "%" PRIu64, t) < 0)
                        out = NULL;
                break;
        }
        case 'b': {
                int b;
                if (sd_bus_message_read(reply, "b", &b) > 0)
                        out = strdup(b ? "true" : "false");
                break;
        }
        }
        return out ?: strdup("(unreadable)");
}

static char *eprop(const char *entry, const char *name) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "/org/recharged/Recharged1/entry/%s", entry) < 0)
                abort();
        return prop(path, EIFACE, name);
}

static char *us(usec_t t) {
        char *s;

        if (asprintf(&s, "%llu", (unsigned long long) t) < 0)
                abort();
        return s;
}

#define IS_PROP(got_expr, want_expr, ...)                       \
        do {                                                    \
                _cleanup_free_ char *_g = (got_expr);           \
                _cleanup_free_ char *_w = (want_expr);          \
                is_str(_g, _w, __VA_ARGS__);                    \
        } while (0)

static unsigned file_count(const char *name, const char *s) {
        _cleanup_free_ char *path = path_join(inproc_dir, name), *all = read_all(path);
        unsigned n = 0;

        for (const char *p = all; p && (p = strstr(p, s)); p++)
                n++;
        return n;
}

/* GetStats(0)'s RemindersDone. */
static int64_t reminders_done(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply =
                inproc_call(client, BUS, OBJ, IFACE, "GetStats", "t", (uint64_t) 0);
        const char *key;

        if (!reply || sd_bus_message_is_method_error(reply, NULL) || sd_bus_message_enter_container(reply, 'a', "{sv}") < 0)
                return -1;
        while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                uint32_t v;

                if (sd_bus_message_read(reply, "s", &key) < 0)
                        return -1;
                if (streq(key, "RemindersDone"))
                        return sd_bus_message_read(reply, "v", "u", &v) > 0 ? (int64_t) v : -1;
                (void) sd_bus_message_skip(reply, "v");
                (void) sd_bus_message_exit_container(reply);
        }
        return -1;
}

static bool has(const char *text, const char *s) {
        return text && strstr(text, s);
}

/* ---- Skip and Snooze, both due at the same instant; Done; the snoozed block runs ---- */

static const char live_conf[] =
        "[general]\nheads-up = 0\n\n"
        "[skipped]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = Not today\n\n"
        "[snoozed]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = A bit later\n\n"
        "[later]\ntype = recharge\nstart = 23:00\nduration = 30min\ndnd = no\nmessage = Later on\n\n"
        "[ping]\ntype = selfcare\nat = 20:30\nmessage = Drink water\n";

static void test_skip_snooze_done(void) {
        Manager *m = inproc_manager_new(live_conf);
        usec_t start = inproc_at("21:00");
        InprocSignals *sg;
        char want[128];

        inproc_begin(m, inproc_at("20:00"));
        sg = inproc_signals_new();

        done(CALL(m, inproc_at("20:01"), "Skip", "s", "skipped"), "Skip(skipped) is done");
        IS_PROP(eprop("skipped", "NextStart"), us(start + USEC_PER_DAY), "the skipped entry's NextStart is tomorrow's");
        snprintf(want, sizeof want, " skipped schedule \"skipped\" %llu 1800000000 ", (unsigned long long) start);
        is_int(file_count("state/recharged/history", want), 1, "history: skipped, with the occurrence and its planned length");
        done(CALL(m, inproc_at("20:02"), "Snooze", "st", "snoozed", (uint64_t) (10 * USEC_PER_MINUTE)),
             "Snooze(snoozed, 10 min) is done");
        IS_PROP(eprop("snoozed", "NextStart"), us(start + 10 * USEC_PER_MINUTE), "the snoozed entry moved 10 min later…");
        IS_PROP(eprop("snoozed", "NextEnd"), us(start + 40 * USEC_PER_MINUTE), "…end and all");
        ok(file_count("state/recharged/state", "override \"snoozed\"") == 1 &&
           file_count("state/recharged/state", "override \"skipped\"") == 1,
           "the state file has both overrides (saved before the calls returned)");
        free(inproc_signals_take(sg));

        inproc_advance(m, NULL, inproc_at("20:30"));
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                ok(has(heard, "ReminderDue ping Drink water\n") || has(heard, "ReminderDue ping Drink water"),
                   "ReminderDue(entry, message) fires for a reminder, at its time");
        }
        done(CALL(m, inproc_at("20:31"), "Done", "s", "ping"), "Done(ping) after it was shown is done");
        is_int(file_count("state/recharged/history", " reminder-done "), 1, "history: reminder done");
        is_int(reminders_done(), 1, "GetStats counts the reminder done");
        free(inproc_signals_take(sg));

        inproc_advance(m, NULL, start + 10 * USEC_PER_MINUTE - 1);
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                ok(!has(heard, "RechargeStarted"), "nothing starts at the planned time: one is skipped, one snoozed");
        }
        inproc_advance(m, NULL, start + 10 * USEC_PER_MINUTE);
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                snprintf(want, sizeof want, "RechargeStarted schedule snoozed %llu A bit later",
                         (unsigned long long) (start + 40 * USEC_PER_MINUTE));
                ok(has(heard, want), "the snoozed block starts at its snoozed time, with its moved end");
                if (!has(heard, want))
                        diag("heard: %s", heard);
        }
        IS_PROP(prop(OBJ, IFACE, "Since"), us(start + 10 * USEC_PER_MINUTE), "Since is the snoozed start");
        inproc_advance(m, NULL, inproc_at("22:00"));
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                ok(has(heard, "RechargeEnded schedule snoozed completed"), "the snoozed block ends");
                ok(!has(heard, "RechargeStarted"), "the skipped block never started");
        }

        /* StartNow, an hour before the block: now, for its own length. */
        done(CALL(m, inproc_at("22:10"), "StartNow", "s", "later"), "StartNow(later) is done");
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                snprintf(want, sizeof want, "RechargeStarted schedule later %llu Later on",
                         (unsigned long long) inproc_at("22:40"));
                ok(has(heard, want), "it starts now and keeps its length (30 min), not its planned end");
        }
        IS_PROP(prop(OBJ, IFACE, "Since"), us(inproc_at("22:10")), "Since is the moment of the call");
        IS_PROP(prop(OBJ, IFACE, "DoNotDisturb"), strdup("false"), "a block with dnd = no: DoNotDisturb false");
        done(CALL(m, inproc_at("22:15"), "Stop", NULL), "Stop");
        inproc_signals_free(sg);
        inproc_manager_free(m);
}

/* ---- Pause and Resume ---- */

static void test_pause(void) {
        Manager *m = inproc_manager_new("[paused-out]\ntype = recharge\nstart = 21:00\nduration = 1min\n");
        InprocSignals *sg;
        char want[64];

        inproc_begin(m, inproc_at("20:00"));
        sg = inproc_signals_new();
        done(CALL(m, inproc_at("20:01"), "Pause", "t", (uint64_t) 0), "Pause(0) is done");
        IS_PROP(prop(OBJ, IFACE, "Mode"), strdup("paused"), "Mode is paused");
        IS_PROP(prop(OBJ, IFACE, "PausedUntil"), us(UINT64_MAX), "PausedUntil is UINT64_MAX until Resume");
        snprintf(want, sizeof want, " %llu", (unsigned long long) UINT64_MAX);
        ok(file_count("state/recharged/state", "paused ") == 1 && file_count("state/recharged/state", want) >= 1,
           "the pause is in the state file");
        done(CALL(m, inproc_at("20:02"), "Recharge", "ts", (uint64_t) 0, "Manual while paused"),
             "a manual recharge still works while paused");
        IS_PROP(prop(OBJ, IFACE, "Mode"), strdup("recharging"), "…Mode recharging");
        done(CALL(m, inproc_at("20:03"), "Stop", NULL), "Stop");
        IS_PROP(prop(OBJ, IFACE, "Mode"), strdup("paused"), "…and after it, still paused");
        done(CALL(m, inproc_at("20:04"), "Resume", NULL), "Resume is done");
        IS_PROP(prop(OBJ, IFACE, "Mode"), strdup("available"), "Mode available after Resume…");
        IS_PROP(prop(OBJ, IFACE, "PausedUntil"), strdup("0"), "…PausedUntil 0");
        /* The shell test took this for harmless: its check read jq's status, not the call's. */
        {
                _cleanup_free_ char *error = CALL(m, inproc_at("20:05"), "Resume", NULL);
                is_str(error, "The schedule is not paused: nothing to resume.",
                       "Resume when not paused is refused, saying why");
        }
        IS_PROP(prop(OBJ, IFACE, "Mode"), strdup("available"), "…and changes nothing");

        done(CALL(m, inproc_at("20:10"), "Pause", "t", (uint64_t) (2 * USEC_PER_MINUTE)), "Pause(2 min) is done");
        IS_PROP(prop(OBJ, IFACE, "PausedUntil"), us(inproc_at("20:12")), "PausedUntil is 2 min from the call");
        free(inproc_signals_take(sg));
        inproc_advance(m, NULL, inproc_at("20:12") - 1);
        IS_PROP(prop(OBJ, IFACE, "Mode"), strdup("paused"), "paused until then…");
        inproc_advance(m, NULL, inproc_at("20:12"));
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                ok(has(heard, "PropertiesChanged Mode=available"),
                   "…and the pause ends by itself (PropertiesChanged Mode = available)");
        }
        IS_PROP(prop(OBJ, IFACE, "PausedUntil"), strdup("0"), "PausedUntil is 0 again");

        /* A block due while paused does not start. */
        done(CALL(m, inproc_at("20:55"), "Pause", "t", (uint64_t) (10 * USEC_PER_MINUTE)), "Pause(10 min) over the block");
        free(inproc_signals_take(sg));
        inproc_advance(m, NULL, inproc_at("21:10"));
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                ok(!has(heard, "RechargeStarted"), "a block due during a pause does not start");
                ok(has(heard, "Mode=available"), "…and the pause ended after it");
        }
        inproc_signals_free(sg);
        inproc_manager_free(m);
}

/* A status text with %left% counts down by itself (and only while it can change). */
static void test_left_counts_down(void) {
        Manager *m = inproc_manager_new("[general]\nstatus = Back in %left%: %message%\n");
        InprocSignals *sg;

        inproc_begin(m, inproc_at("10:00"));
        sg = inproc_signals_new();
        done(CALL(m, inproc_at("10:00"), "Recharge", "ts", (uint64_t) (61 * USEC_PER_SEC), "Nap"), "Recharge(61 s)");
        IS_PROP(prop(OBJ, IFACE, "StatusText"), strdup("Back in 2min: Nap"), "%%left%% rounds up to whole minutes");
        free(inproc_signals_take(sg));
        inproc_advance(m, NULL, inproc_at("10:00:00") + USEC_PER_SEC - 1);
        IS_PROP(prop(OBJ, IFACE, "StatusText"), strdup("Back in 2min: Nap"), "…until the minute turns");
        inproc_advance(m, NULL, inproc_at("10:00:01"));
        {
                _cleanup_free_ char *heard = inproc_signals_take(sg);
                ok(has(heard, "StatusText=Back in 1min: Nap"), "…then counts down, with PropertiesChanged");
                if (!has(heard, "StatusText=Back in 1min: Nap"))
                        diag("heard: %s", heard);
        }
        inproc_signals_free(sg);
        inproc_manager_free(m);
}

int main(void) {
        inproc_setup();
        client = inproc_bus_connect();

        test_skip_snooze_done();
        test_pause();
        test_left_counts_down();

        client = sd_bus_flush_close_unref(client);
        return tap_done();
}
