/* SPDX-License-Identifier: MIT */
/* test-manager.c: the daemon's state machine in-process, with the clock passed in: sequences of
 * (instant, action) → the events listeners hear, the status, the state file and the history,
 * in milliseconds and without a bus. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "manager.h"
#include "names.h"
#include "tap.h"

#include <glib.h>

static char *tmp;
static Tz *test_tz;
static char events[16384];

/* A local wall-clock time on the test's day, "HH:MM[:SS]", or "+N HH:MM[:SS]" N days later.
 * The test's day is Monday 2026-11-23 (Europe/Berlin, no DST change near). */
static usec_t at(const char *s) {
        int days = 0, h, mi, se = 0;

        if (s[0] == '+') {
                days = atoi(s + 1);
                s = strchr(s, ' ') + 1;
        }
        if (sscanf(s, "%d:%d:%d", &h, &mi, &se) < 2)
                abort();
        int64_t local = (days_from_civil(2026, 11, 23) + days) * 86400 + h * 3600 + mi * 60 + se;
        return (usec_t) tz_from_local(test_tz, local) * USEC_PER_SEC;
}

static void hms(usec_t t, char buf[static 16]) {
        int64_t local = tz_to_local(test_tz, (int64_t) (t / USEC_PER_SEC));
        int64_t sec = local - local_day(local) * 86400;
        snprintf(buf, 16, "%02d:%02d:%02d", (int) (sec / 3600), (int) (sec / 60 % 60), (int) (sec % 60));
}

static const char * const kind_names[_MANAGER_EVENT_MAX] = {
        [MANAGER_EVENT_RECHARGE_STARTED] = "start",
        [MANAGER_EVENT_RECHARGE_ENDED] = "end",
        [MANAGER_EVENT_RECHARGE_CHANGED] = "changed",
        [MANAGER_EVENT_HEADS_UP] = "heads-up",
        [MANAGER_EVENT_REMINDER_DUE] = "reminder",
        [MANAGER_EVENT_WELCOME_BACK] = "welcome-back",
};

/* Every event a listener hears, one line each: "HH:MM:SS kind entry[ how][ flags]". */
static void recorder(Manager *m, const ManagerChange *c, void *userdata) {
        for (size_t k = 0; k < c->n_events; k++) {
                const ManagerEvent *ev = &c->events[k];
                char t[16], line[256];

                hms(c->now, t);
                snprintf(line, sizeof line, "%s %s %s%s%s%s%s%s%s; ", t, kind_names[ev->kind],
                         ev->manual ? "(manual)" : ev->entry, ev->how ? " " : "", ev->how ?: "",
                         ev->late ? " late" : "", ev->held ? " held" : "", ev->recharging ? " recharging" : "",
                         ev->away ? " away" : "");
                strncat(events, line, sizeof events - strlen(events) - 1);
        }
}

/* What the listeners heard since the last call, and forget it. */
static char *heard(void) {
        char *s = strdup(events);
        size_t n = strlen(s);

        if (n >= 2 && s[n - 2] == ';')
                s[n - 2] = '\0';
        events[0] = '\0';
        return s;
}

/* manager_begin() alone: what is done before the loop first runs (and answers). */
static Manager *begin_only(const char *conf, usec_t now) {
        _cleanup_free_ char *path = path_join(tmp, "recharged.conf");
        Manager *m = NULL;
        FILE *f = fopen(path, "we");

        if (!f)
                abort();
        fputs(conf, f);
        fclose(f);
        if (manager_new(path, &m) < 0 || manager_load_config(m) < 0)
                abort();
        if (manager_add_listener(m, LISTENER_TEST, recorder, NULL) < 0)
                abort();
        if (manager_begin(m, now) < 0)
                abort();
        return m;
}

/* The loop's idle turns: what start-up left for them (the save of a start that announced
 * nothing, the history's read for stats) is done; the number of sources dispatched. */
static unsigned run_idle(Manager *m) {
        unsigned n = 0;

        /* The start-up's save runs on a thread: its end wakes the loop. */
        while (m->begin_save && sd_event_run(m->event, 10 * USEC_PER_SEC) > 0)
                n++;
        while (sd_event_run(m->event, 0) > 0)
                n++;
        return n;
}

/* A start as the daemon makes it: begin, then the loop until it would wait. */
static Manager *start(const char *conf, usec_t now) {
        Manager *m = begin_only(conf, now);

        run_idle(m);
        return m;
}

/* What the timer would do: every wake-up due up to t, then nothing until t. */
static void run_until(Manager *m, usec_t t) {
        for (unsigned guard = 0; m->wakeup != 0 && m->wakeup <= t; guard++) {
                if (guard > 100000)
                        abort();
                manager_tick(m, m->wakeup, false);
        }
}

static int act(Manager *m, usec_t now, ActionKind kind, const char *entry, usec_t d, const char *msg, char **ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        run_until(m, now);
        r = manager_act(m, &(Action) { .kind = kind, .entry = entry, .duration = d, .message = msg }, now, &e);
        if (ret_error)
                *ret_error = r < 0 && e.message ? strdup(e.message) : NULL;
        return r;
}

/* The history's lines since the last call, as "kind entry" pairs. */
static size_t history_seen;
static char *history_news(void) {
        _cleanup_free_ char *path = path_join(tmp, "state/recharged/history"), *all = read_all(path);
        char *out = calloc(1, 8192);
        size_t line = 0;

        for (char *p = all, *nl; p && *p; p = nl + 1, line++) {
                HistoryEvent ev;

                nl = strchr(p, '\n');
                if (!nl)
                        break;
                *nl = '\0';
                if (line < history_seen || history_parse_line(p, &ev) < 0)
                        continue;
                if (*out)
                        strcat(out, "; ");
                strcat(out, history_kind_to_string(ev.kind));
                strcat(out, " ");
                strcat(out, *ev.entry ? ev.entry : ev.source);
        }
        history_seen = line;
        return out;
}

static void reset_files(void) {
        _cleanup_free_ char *st = path_join(tmp, "state/recharged/state"), *hi = path_join(tmp, "state/recharged/history");

        unlink(st);
        unlink(hi);
        history_seen = 0;
        events[0] = '\0';
}

#define CHECK_HEARD(want, ...)                                  \
        do {                                                    \
                _cleanup_free_ char *_h = heard();              \
                is_str(_h, want, __VA_ARGS__);                  \
        } while (0)
#define CHECK_HISTORY(want, ...)                                \
        do {                                                    \
                _cleanup_free_ char *_h = history_news();       \
                is_str(_h, want, __VA_ARGS__);                  \
        } while (0)

static const char block_conf[] =
        "[general]\nheads-up = 10min\n\n"
        "[evening]\ntype = recharge\nstart = 21:00\nend = 22:00\nmessage = Read\n\n"
        "[stretch]\ntype = selfcare\nat = 10:00, 15:00\nmessage = Stand up\n";

static void test_a_day(void) {
        Manager *m;

        reset_files();
        m = start(block_conf, at("08:00"));
        CHECK_HEARD("", "nothing happens at start-up in the morning");
        is_int(m->wakeup, at("10:00"), "the timer is set for the first reminder");
        run_until(m, at("23:00"));
        CHECK_HEARD("10:00:00 reminder stretch; 15:00:00 reminder stretch; 20:50:00 heads-up evening; "
                    "21:00:00 start evening; 22:00:00 end evening completed",
                    "a day: each event once, in time order, at its time");
        CHECK_HISTORY("reminder-shown stretch; reminder-shown stretch; started evening; completed evening",
                      "…and the history has each once");
        is_str(mode_to_string(m->status.mode), "available", "available after the block");
        manager_free(m);
}

static void test_done(void) {
        Manager *m;
        char *err = NULL;
        Stats st;

        reset_files();
        m = start(block_conf, at("08:00"));
        is_int(act(m, at("09:00"), ACTION_DONE, "stretch", 0, NULL, &err), -EINVAL, "Done before any reminder was shown: refused");
        ok(err && strstr(err, "has been shown"), "…saying none was shown (%s)", err);
        free(err);
        is_int(act(m, at("10:05"), ACTION_DONE, "stretch", 0, NULL, NULL), 0, "Done after the 10:00 reminder was shown");
        is_int(act(m, at("10:06"), ACTION_DONE, "stretch", 0, NULL, &err), -EINVAL, "Done again on the same reminder: refused");
        ok(err && strstr(err, "done already"), "…saying it is done already (%s)", err);
        free(err);
        run_until(m, at("15:00"));
        is_int(act(m, at("15:01"), ACTION_DONE, "stretch", 0, NULL, NULL), 0, "the next one shown can be marked done");
        is_int(manager_stats(m, 0, at("16:00"), &st), 0, "stats");
        ok(st.reminders_shown == 2 && st.reminders_done == 2, "2 done of 2 shown, never more done than shown (%u of %u)",
           st.reminders_done, st.reminders_shown);
        manager_free(m);

        /* Shown ones only: a reminder that passed while the daemon was off was never shown. */
        reset_files();
        m = start(block_conf, at("08:00"));
        manager_free(m);
        m = start(block_conf, at("10:30"));
        CHECK_HISTORY("reminder-missed stretch", "a reminder due while not running is recorded as missed");
        is_int(act(m, at("10:31"), ACTION_DONE, "stretch", 0, NULL, NULL), -EINVAL, "…and cannot be marked done");
        manager_free(m);
}

static void test_start_now(void) {
        Manager *m;
        char *err = NULL;

        reset_files();
        m = start(block_conf, at("08:00"));
        is_int(act(m, at("12:00"), ACTION_START_NOW, "evening", 0, NULL, &err), -EINVAL,
               "StartNow nine hours before the block: refused");
        ok(err && strstr(err, "21:00"), "…naming when it starts (%s)", err);
        free(err);
        is_str(mode_to_string(m->status.mode), "available", "…nothing started");
        is_int(act(m, at("20:52"), ACTION_START_NOW, "evening", 0, NULL, NULL), 0, "StartNow from the heads-up on");
        CHECK_HEARD("10:00:00 reminder stretch; 15:00:00 reminder stretch; 20:50:00 heads-up evening; "
                    "20:52:00 start evening", "it starts at once");
        is_int(m->status.until - m->status.since, USEC_PER_HOUR, "…and keeps its own length (1 h)");
        run_until(m, at("23:00"));
        CHECK_HEARD("21:52:00 end evening completed", "it ends an hour later, completed");
        manager_free(m);
}

static void test_one_save_per_change(void) {
        Manager *m;
        unsigned before;

        reset_files();
        m = start(block_conf, at("08:00"));
        before = m->saves;
        is_int(act(m, at("08:01"), ACTION_RECHARGE, NULL, 20 * USEC_PER_MINUTE, "Tea", NULL), 0, "Recharge 20 min");
        is_int(m->saves - before, 1, "one state save for a Recharge");
        before = m->saves;
        is_int(act(m, at("08:02"), ACTION_EXTEND, NULL, 5 * USEC_PER_MINUTE, NULL, NULL), 0, "Extend");
        is_int(m->saves - before, 1, "one state save for an Extend");
        before = m->saves;
        is_int(act(m, at("08:03"), ACTION_STOP, NULL, 0, NULL, NULL), 0, "Stop");
        is_int(m->saves - before, 1, "one state save for a Stop");
        before = m->saves;
        ok(act(m, at("08:03"), ACTION_STOP, NULL, 0, NULL, NULL) < 0, "a refused Stop");
        is_int(m->saves - before, 0, "no save for a refused call");
        before = m->saves;
        manager_tick(m, at("08:04"), false);
        is_int(m->saves - before, 0, "no save when time passes and nothing is due");
        CHECK_HEARD("08:01:00 start (manual); 08:02:00 changed (manual); 08:03:00 end (manual) stopped",
                    "start, the moved end, the stop: each heard once");
        manager_free(m);

        /* A start-up with nothing new writes nothing. */
        m = start(block_conf, at("08:05"));
        is_int(m->saves, 0, "a restart that changes nothing writes no state");
        manager_free(m);
}

/* Issue 17: the first answer does not wait for a save that nobody hears of; it does for one they do. */
static void test_begin_save(void) {
        _cleanup_free_ char *path = path_join(tmp, "state/recharged/state");
        _cleanup_free_ char *text = NULL;
        char want[64];
        struct stat st;
        Manager *m;

        /* A first start: the state only gets its mark, nothing is announced. */
        reset_files();
        m = begin_only(block_conf, at("08:00"));
        ok(m->begin_save != NULL, "a first start: its save runs while the loop answers (the first answer does not wait)");
        is_int(m->saves, 0, "…and is not counted until it is done");
        ok(run_idle(m) >= 1, "the loop hears that it is done");
        is_int(m->saves, 1, "…one save");
        text = read_all(path);
        snprintf(want, sizeof want, "processed %" PRIu64 "\n", (uint64_t) at("08:00"));
        ok(text && strstr(text, want), "…with the first start's mark (processed %" PRIu64 ")", (uint64_t) at("08:00"));
        ok(m->begin_save == NULL, "…and nothing is left running");
        ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "…the state file as any save writes it");
        manager_free(m);

        /* A restart that changes nothing starts no save at all. */
        m = begin_only(block_conf, at("08:30"));
        ok(m->begin_save == NULL && m->saves == 0, "a restart that changes nothing: no save, not even on the side");
        manager_free(m);

        /* What passed while not running is announced: saved before anyone hears, as always. */
        reset_files();
        m = start(block_conf, at("09:59"));
        manager_free(m);
        m = begin_only(block_conf, at("10:00:40"));
        is_int(m->saves, 1, "a start that announces a reminder saves before the loop runs");
        ok(m->begin_save == NULL, "…and leaves nothing for later");
        CHECK_HEARD("10:00:40 reminder stretch", "…and the reminder was heard");
        run_idle(m);
        is_int(m->saves, 1, "…no second save at the idle turn");
        manager_free(m);

        /* A call before the idle turn saves everything with its own change; the idle save has
         * nothing left to write. */
        reset_files();
        m = begin_only(block_conf, at("08:00"));
        is_int(act(m, at("08:00"), ACTION_RECHARGE, NULL, 20 * USEC_PER_MINUTE, "Tea", NULL), 0,
               "a Recharge before the loop's first idle turn");
        is_int(m->saves, 2, "…waits for the start's save, then saves its own (in that order)");
        ok(m->begin_save == NULL, "…and nothing is left running");
        run_idle(m);
        is_int(m->saves, 2, "…and nothing more is written");
        manager_free(m);
        free(text);
        text = read_all(path);
        ok(text && strstr(text, want) && strstr(text, "Tea"), "the state file has the start's mark and the Recharge");

        /* Freed before the loop heard of the end (an exit right after start): it is waited for. */
        reset_files();
        m = begin_only(block_conf, at("08:00"));
        manager_free(m);
        free(text);
        text = read_all(path);
        ok(text && strstr(text, want), "an exit before the loop ran: the first start's mark is on disk");
        reset_files();
}

static void test_reset(void) {
        Manager *m;

        reset_files();
        m = start(block_conf, at("08:00"));
        ok(act(m, at("08:00"), ACTION_RESET, "evening", 0, NULL, NULL) < 0, "Reset with nothing pending: refused");
        act(m, at("08:00"), ACTION_SKIP, "evening", 0, NULL, NULL);
        is_int(m->entry_live[0].next_start, at("+1 21:00"), "a mistaken Skip of tonight's block");
        is_int(act(m, at("08:01"), ACTION_RESET, "evening", 0, NULL, NULL), 0, "Reset");
        is_int(m->entry_live[0].next_start, at("21:00"), "…tonight's block is back");
        act(m, at("08:02"), ACTION_SNOOZE, "stretch", 30 * USEC_PER_MINUTE, NULL, NULL);
        is_int(act(m, at("08:03"), ACTION_RESET, "stretch", 0, NULL, NULL), 0, "Reset of a snoozed reminder");
        run_until(m, at("10:40"));
        CHECK_HEARD("10:00:00 reminder stretch", "…it comes at its time again, once");
        act(m, at("20:52"), ACTION_START_NOW, "evening", 0, NULL, NULL);
        ok(act(m, at("20:53"), ACTION_RESET, "evening", 0, NULL, NULL) < 0, "a block started early and on now is not reset");
        is_str(mode_to_string(m->status.mode), "recharging", "…it goes on");
        manager_free(m);
}

static void test_stats(void) {
        Manager *m;
        Stats st;

        reset_files();
        m = start(block_conf, at("08:00"));
        is_int(act(m, at("08:00"), ACTION_SKIP, "evening", 0, NULL, NULL), 0, "Skip of tonight's block, this morning");
        is_int(act(m, at("08:01"), ACTION_SKIP, "evening", 0, NULL, NULL), 0, "…and of tomorrow's");
        is_int(manager_stats(m, at("00:00"), at("09:00"), &st), 0, "stats this morning");
        is_int(st.skipped, 0, "a skip counts on its block's day, when it comes: none yet");
        is_int(st.streak, 0, "…and the streak is not broken by them yet");
        is_int(act(m, at("09:00"), ACTION_RECHARGE, NULL, 40 * USEC_PER_SEC, "short", NULL), 0, "a 40 s manual recharge");
        run_until(m, at("09:01"));
        is_int(manager_stats(m, at("00:00"), at("23:59"), &st), 0, "stats tonight");
        is_int(st.skipped, 1, "tonight's skip counts tonight");
        is_int(st.completed + st.stopped, 0, "the manual recharge is no block: neither completed nor stopped");
        is_int(st.manual, 1, "…it is counted apart");
        is_int(st.manual_kept, 40 * USEC_PER_SEC, "…with its 40 s");
        is_int(st.planned, USEC_PER_HOUR, "planned: the skipped hour only");
        manager_free(m);
}

static void test_restart(void) {
        Manager *m;

        /* Just due when the daemon went away: shown at the restart, not lost. */
        reset_files();
        m = start(block_conf, at("09:59"));
        manager_free(m);
        m = start(block_conf, at("10:00:40"));
        CHECK_HEARD("10:00:40 reminder stretch", "a reminder due 40 s before the restart is shown");
        CHECK_HISTORY("reminder-shown stretch", "…and recorded as shown");
        manager_free(m);

        /* Long past: recorded as missed, shown to nobody. */
        m = start(block_conf, at("23:00"));
        CHECK_HEARD("", "what passed long ago is not shown as a burst");
        CHECK_HISTORY("reminder-missed stretch; missed evening", "…but recorded as missed");
        manager_free(m);

        /* A restart in the middle of a block: it goes on quietly, its end is heard with its message. */
        reset_files();
        m = start(block_conf, at("20:00"));
        run_until(m, at("21:10"));
        manager_set_note(m, false, "evening", at("21:00"), 77);
        free(heard());
        manager_free(m);
        m = start(block_conf, at("21:20"));
        CHECK_HEARD("", "after a restart during a block it is not started again");
        is_str(mode_to_string(m->status.mode), "recharging", "…it is still on");
        run_until(m, at("22:30"));
        ok(m->n_active == 0, "…and ends at its time");
        CHECK_HEARD("22:00:00 end evening completed", "the end is heard once");
        manager_free(m);

        /* The end carries what the start had: the manual message and the notification id. */
        reset_files();
        m = start(block_conf, at("12:00"));
        act(m, at("12:00"), ACTION_RECHARGE, NULL, 30 * USEC_PER_MINUTE, "Garden", NULL);
        manager_set_note(m, true, "", 0, 42);
        manager_free(m);
        events[0] = '\0';
        m = start(block_conf, at("12:10"));
        ok(m->n_active == 1 && m->active[0].note == 42 && streq(m->active[0].message, "Garden"),
           "the active recharge, its message and its notification id survive a restart");
        manager_free(m);
}

static void capture_end(Manager *m, const ManagerChange *c, void *userdata) {
        for (size_t k = 0; k < c->n_events; k++)
                if (c->events[k].kind == MANAGER_EVENT_RECHARGE_ENDED)
                        *(ManagerEvent *) userdata = c->events[k];
}

static void test_end_carries(void) {
        ManagerEvent end = {};
        Manager *m;

        reset_files();
        m = start(block_conf, at("12:00"));
        act(m, at("12:00"), ACTION_RECHARGE, NULL, 30 * USEC_PER_MINUTE, "Garden", NULL);
        manager_set_note(m, true, "", 0, 42);
        manager_free(m);
        m = start(block_conf, at("12:10"));
        manager_add_listener(m, LISTENER_HOOKS, capture_end, &end);
        run_until(m, at("13:00"));
        is_int(end.note, 42, "the end after a restart knows the start notification it replaces");
        is_str(end.how, "completed", "…and how it ended");
        ok(end.start == at("12:00") && end.until == at("12:30"), "…and its since and until");
        manager_free(m);
}

static void test_overlap(void) {
        static const char conf[] =
                "[general]\nheads-up = 10min\n\n"
                "[a]\ntype = recharge\nstart = 10:00\nend = 11:00\n\n"
                "[b]\ntype = recharge\nstart = 10:30\nend = 11:30\n";
        Manager *m;

        reset_files();
        m = start(conf, at("09:00"));
        run_until(m, at("12:00"));
        CHECK_HEARD("09:50:00 heads-up a; 10:00:00 start a; 10:20:00 heads-up b recharging; 10:30:00 start b; "
                    "11:00:00 end a completed recharging; 11:30:00 end b completed",
                    "overlapping blocks: b's heads-up and a's end say another recharge is on");
        manager_free(m);
}

static void test_pause_and_manual(void) {
        Manager *m;

        reset_files();
        m = start(block_conf, at("08:00"));
        act(m, at("08:00"), ACTION_PAUSE, NULL, 0, NULL, NULL);
        act(m, at("08:01"), ACTION_RECHARGE, NULL, 0, "", NULL);
        is_str(mode_to_string(m->status.mode), "recharging", "a manual recharge during a pause: recharging");
        is_int(m->status.paused_until, USEC_INFINITY, "…and the pause still shows (PausedUntil)");
        act(m, at("08:02"), ACTION_STOP, NULL, 0, NULL, NULL);
        is_str(mode_to_string(m->status.mode), "paused", "after Stop: paused again");
        is_int(act(m, at("08:03"), ACTION_RESUME, NULL, 0, NULL, NULL), 0, "Resume");
        is_int(act(m, at("08:04"), ACTION_RESUME, NULL, 0, NULL, NULL), -EINVAL, "Resume when not paused: refused");
        /* Extends add up to a year at most: no wrap-around of the end. */
        is_int(act(m, at("08:05"), ACTION_RECHARGE, NULL, RECHARGED_DURATION_MAX - USEC_PER_DAY, "", NULL), 0,
               "a recharge of a year less a day");
        ok(act(m, at("08:06"), ACTION_EXTEND, NULL, 2 * USEC_PER_DAY, NULL, NULL) < 0, "an Extend past a year: refused");
        is_int(m->status.until, at("08:05") + RECHARGED_DURATION_MAX - USEC_PER_DAY, "…the end is as it was");
        manager_free(m);
}

static void test_clock(void) {
        static const char conf[] =
                "[general]\nheads-up = 5min\n\n"
                "[passed]\ntype = recharge\nstart = 10:00\nduration = 10min\n\n"
                "[rem]\ntype = selfcare\nat = 10:20\n\n"
                "[during]\ntype = recharge\nstart = 10:30\nduration = 1h\n";
        Manager *m;

        reset_files();
        m = start(conf, at("09:00"));
        /* The clock jumps from 09:00 to 10:40 (or the machine slept). */
        manager_tick(m, at("10:40"), true);
        CHECK_HEARD("10:40:00 start during late", "a jump forward: the block in progress starts at once, late");
        CHECK_HISTORY("missed passed; reminder-missed rem; started during",
                      "…what passed entirely is recorded as missed, nothing else is heard");
        is_int(m->status.since, at("10:30"), "…with its planned Since");
        /* Back to 09:00: the block is not ended by the clock going back. */
        manager_tick(m, at("09:00"), true);
        CHECK_HEARD("", "a jump back ends nothing");
        is_int(m->status.next_event_time, at("09:55"), "…and the passed heads-up is the next event again");
        manager_free(m);

        /* A fresh manual recharge and the clock 30 s back: it goes on. */
        reset_files();
        m = start(conf, at("08:00"));
        act(m, at("08:00"), ACTION_RECHARGE, NULL, 30 * USEC_PER_MINUTE, "", NULL);
        manager_tick(m, at("07:59:30"), true);
        is_str(mode_to_string(m->status.mode), "recharging", "a jump back of 30 s during a manual recharge: still on");
        CHECK_HEARD("08:00:00 start (manual)", "…not ended and started again");
        CHECK_HISTORY("started manual", "…and the history has one start, no stop");
        manager_free(m);

        /* A year's jump: bounded work, a week recorded at most. */
        reset_files();
        m = start(conf, at("09:00"));
        manager_tick(m, at("+365 09:00"), true);
        _cleanup_free_ char *path = path_join(tmp, "state/recharged/history"), *all = read_all(path);
        size_t lines = 0;
        for (char *p = all; p && *p; p++)
                lines += *p == '\n';
        ok(lines > 0 && lines <= 7 * 3, "a 365-day jump records a week of missed events at most (%zu lines)", lines);
        manager_free(m);
}

static void test_reload_and_refusals(void) {
        Manager *m;
        char *err = NULL;

        reset_files();
        m = start(block_conf, at("08:00"));
        ok(act(m, at("08:00"), ACTION_SKIP, "nosuch\x1b[2J", 0, NULL, &err) < 0, "Skip of an unknown entry: refused");
        ok(err && !strchr(err, '\x1b') && strstr(err, "\\x1b"), "…the name's control characters are escaped (%s)", err);
        free(err);
        is_int(act(m, at("08:00"), ACTION_RECHARGE, NULL, 60 * USEC_PER_SEC, "two\nlines", NULL), -EINVAL,
               "a message with a newline is refused");
        _cleanup_free_ char *long_name = strdup("ééééééééééééééééééééééééééééééééééééééééééééééééé");
        ok(act(m, at("08:00"), ACTION_SKIP, long_name, 0, NULL, &err) < 0, "a long multibyte name gets an answer");
        ok(err && g_utf8_validate(err, -1, NULL), "…in valid UTF-8, cut on a character boundary");
        free(err);
        manager_free(m);
}

static void test_history_unwritable(void) {
        _cleanup_free_ char *hist = path_join(tmp, "state/recharged/history"), *st = path_join(tmp, "state/recharged/state");
        _cleanup_free_ char *before = NULL, *after = NULL;
        Manager *m;
        char *err = NULL;
        Stats stats;

        reset_files();
        m = start(block_conf, at("08:00"));
        act(m, at("08:00"), ACTION_PAUSE, NULL, USEC_PER_MINUTE, NULL, NULL); /* something in the state */
        run_until(m, at("08:02"));
        unlink(hist);
        if (mkdir(hist, 0700) < 0) /* a folder where the history goes: no line can be written */
                abort();
        before = read_all(st);
        ok(act(m, at("08:05"), ACTION_SKIP, "evening", 0, NULL, &err) < 0, "a Skip whose history line cannot be written fails");
        ok(err && strstr(err, "history"), "…saying so (%s)", err);
        free(err);
        after = read_all(st);
        is_str(after, before, "…and the state file is as it was");
        is_int(m->entry_live[0].next_start, at("21:00"), "…and tonight's block is not skipped");
        /* Time passing cannot be refused: what is due is shown, its lines wait in memory. */
        run_until(m, at("10:00"));
        CHECK_HEARD("10:00:00 reminder stretch", "a reminder falls due while the history is broken");
        rmdir(hist);
        run_until(m, at("15:00"));
        is_int(manager_stats(m, at("00:00"), at("16:00"), &stats), 0, "stats once the history can be written again");
        is_int(stats.reminders_shown, 2, "…both reminders are in it: the waiting line was written with the next");
        manager_free(m);
}

/* ---- presence: away from the screen ---- */

typedef struct PresenceStep {
        const char *at;          /* when logind tells it */
        Presence p;
        const char *since;       /* the idle hint's time, NULL: now */
} PresenceStep;

static uint64_t presence_masks;
static void mask_recorder(Manager *m, const ManagerChange *c, void *userdata) {
        presence_masks |= c->status_mask & (UINT64_C(1) << PROP_PRESENCE);
}

static void test_presence(void) {
        static const struct {
                const char *name;
                PresenceStep steps[4];
                const char *restart;     /* a restart at this time, after the steps before it */
                const char *until;
                const char *heard;
                const char *history;
                unsigned away_min;       /* Stats.away of the day */
        } cases[] = {
                { "locked over a reminder: held, shown once on unlock",
                  { { "09:55", PRESENCE_LOCKED }, { "10:30", PRESENCE_ACTIVE } }, NULL, "11:00",
                  "10:30:00 reminder stretch held", "reminder-shown stretch" },
                { "locked over two reminders of one entry: one shown at the return",
                  { { "09:00", PRESENCE_LOCKED }, { "16:00", PRESENCE_ACTIVE } }, NULL, "16:30",
                  "16:00:00 reminder stretch held", "reminder-shown stretch" },
                { "idle told late (since 09:58, at 10:04): the 10:00 reminder shown meanwhile is not shown again",
                  { { "10:04", PRESENCE_IDLE, "09:58" }, { "10:20", PRESENCE_ACTIVE } }, NULL, "10:30",
                  "10:00:00 reminder stretch", "reminder-shown stretch" },
                { "locked, then idle, then back: one span, one release",
                  { { "09:55", PRESENCE_LOCKED }, { "10:05", PRESENCE_IDLE }, { "10:10", PRESENCE_ACTIVE } }, NULL, "11:00",
                  "10:10:00 reminder stretch held", "reminder-shown stretch" },
                { "logind gone while locked (unknown): released, not held for ever",
                  { { "09:55", PRESENCE_LOCKED }, { "10:10", PRESENCE_UNKNOWN } }, NULL, "11:00",
                  "10:10:00 reminder stretch held", "reminder-shown stretch" },
                { "active all along: nothing changes",
                  { { "09:00", PRESENCE_ACTIVE } }, NULL, "11:00",
                  "10:00:00 reminder stretch", "reminder-shown stretch" },
                { "idle over the heads-up: dropped, the block still starts",
                  { { "20:45", PRESENCE_IDLE }, { "21:05", PRESENCE_ACTIVE } }, NULL, "21:10",
                  "21:00:00 start evening", "started evening" },
                { "locked over a block's end: the end is away, one welcome back at the return",
                  { { "21:30", PRESENCE_LOCKED }, { "22:20", PRESENCE_ACTIVE } }, NULL, "23:00",
                  "22:00:00 end evening completed away; 22:20:00 welcome-back evening completed",
                  "completed evening; away evening", 30 },
                { "a stop while away is the person's doing: no welcome back",
                  { { "21:30", PRESENCE_IDLE } }, NULL, "23:00",
                  "21:40:00 end evening stopped", "stopped evening; away evening", 10 },
                { "locked, restarted while away: the reminder is still held and shown once at the return",
                  { { "14:55", PRESENCE_LOCKED }, { "15:40", PRESENCE_ACTIVE } }, "15:30", "16:00",
                  "15:40:00 reminder stretch held", "reminder-shown stretch" },
                { "locked, restarted, the block ends while off: welcomed at the return",
                  { { "21:30", PRESENCE_LOCKED }, { "22:30", PRESENCE_ACTIVE } }, "21:45", "23:00",
                  "22:00:00 end evening completed away; 22:30:00 welcome-back evening completed",
                  "completed evening; away evening", 30 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Manager *m;
                unsigned saves;
                bool restarted = false;

                reset_files();
                m = start(block_conf, at("08:00"));
                /* What came before the case's first moment is not its business. */
                run_until(m, at(cases[i].steps[0].since ?: cases[i].steps[0].at));
                free(heard());
                free(history_news());
                for (size_t k = 0; k < ELEMENTSOF(cases[i].steps) && cases[i].steps[k].at; k++) {
                        const PresenceStep *st = &cases[i].steps[k];

                        if (cases[i].restart && !restarted && at(cases[i].restart) < at(st->at)) {
                                run_until(m, at(cases[i].restart));
                                manager_free(m);
                                m = start(block_conf, at(cases[i].restart));
                                restarted = true;
                        }
                        run_until(m, at(st->at));
                        saves = m->saves;
                        manager_set_presence(m, st->p, st->since ? at(st->since) : 0, at(st->at));
                        if (!streq(m->status.presence, presence_to_string(st->p)))
                                diag("%s: presence %s after step %zu", cases[i].name, m->status.presence, k);
                        if (m->saves - saves > 1)
                                diag("%s: %u saves for one presence change", cases[i].name, m->saves - saves);
                }
                if (strstr(cases[i].name, "stop while away"))
                        act(m, at("21:40"), ACTION_STOP, NULL, 0, NULL, NULL);
                run_until(m, at(cases[i].until));
                CHECK_HEARD(cases[i].heard, "%s: heard", cases[i].name);
                CHECK_HISTORY(cases[i].history, "%s: history", cases[i].name);
                {
                        Stats st;
                        is_int(manager_stats(m, at("00:00"), at(cases[i].until), &st), 0, "%s: stats", cases[i].name);
                        is_int(st.away, cases[i].away_min * USEC_PER_MINUTE, "%s: away %u min", cases[i].name,
                               cases[i].away_min);
                }
                manager_free(m);
        }
}

static void test_presence_status(void) {
        Manager *m;
        unsigned saves;

        reset_files();
        m = start(block_conf, at("08:00"));
        is_str(m->status.presence, "unknown", "Presence is unknown until logind says");
        manager_add_listener(m, LISTENER_HOOKS, mask_recorder, NULL);
        presence_masks = 0;
        saves = m->saves;
        manager_set_presence(m, PRESENCE_LOCKED, 0, at("09:00"));
        is_str(m->status.presence, "locked", "locked");
        ok(presence_masks != 0, "…announced as a change of Presence (PropertiesChanged)");
        is_int(m->saves - saves, 1, "…and saved once (the away span)");
        presence_masks = 0;
        saves = m->saves;
        manager_set_presence(m, PRESENCE_LOCKED, 0, at("09:01"));
        ok(presence_masks == 0 && m->saves == saves, "the same again: nothing announced, nothing saved");
        manager_set_presence(m, PRESENCE_ACTIVE, 0, at("09:30"));
        is_str(m->status.presence, "active", "active at the return");
        ok(m->overlay.away_since == 0 && m->away_since == 0, "…nothing held any more");
        manager_free(m);

        /* Names round-trip. */
        for (Presence p = 0; p < _PRESENCE_MAX; p++)
                is_int(presence_from_string(presence_to_string(p)), p, "presence %s round-trips", presence_to_string(p));
        is_int(presence_from_string("away"), _PRESENCE_INVALID, "an unknown presence name is refused");
}

/* The allowance from the config reaches the streak and the strength: kept, skipped, kept. */
static void test_allowance(void) {
        static const struct {
                const char *conf;
                uint32_t streak, strength;
                const char *what;
        } table[] = {
                { "[general]\nheads-up = 0\n\n[evening]\ntype = recharge\nstart = 21:00\nend = 22:00\n", 1, 99,
                  "no allowance: the skipped evening ends the streak" },
                { "[general]\nheads-up = 0\nallowance = 1\n\n[evening]\ntype = recharge\nstart = 21:00\nend = 22:00\n",
                  2, 101, "allowance = 1: the skipped evening freezes it" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                Manager *m;
                Stats st;

                reset_files();
                m = start(table[i].conf, at("08:00"));
                run_until(m, at("23:00"));
                act(m, at("+1 08:00"), ACTION_SKIP, "evening", 0, NULL, NULL);
                run_until(m, at("+2 23:00"));
                is_int(manager_stats(m, at("00:00"), at("+2 23:00"), &st), 0, "stats: %s", table[i].what);
                ok(st.completed == 2 && st.skipped == 1, "…2 kept, 1 skipped");
                is_int(st.streak, table[i].streak, "…streak %u", table[i].streak);
                is_int(st.strength, table[i].strength, "…strength %u per mille", table[i].strength);
                manager_free(m);
        }
}

/* away-share from the config reaches the streak: kept, a stopped evening mostly locked, kept. */
static void test_away_share(void) {
        static const struct {
                const char *general;
                const char *locked;       /* when the screen locks on the second evening */
                uint32_t streak;
                const char *what;
        } table[] = {
                { "", "21:05", 1, "no away-share: the stopped evening ends the streak" },
                { "away-share = 80%\n", "21:05", 3, "away-share = 80%: 53 of 60 min away keeps the day" },
                { "away-share = 80%\n", "21:30", 1, "away-share = 80%: 28 of 60 min away does not" },
                { "away-share = 0\n", "21:00", 1, "away-share = 0: a stop never keeps the day" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_free_ char *conf = NULL;
                Manager *m;
                Stats st;

                if (asprintf(&conf, "[general]\nheads-up = 0\n%s\n[evening]\ntype = recharge\nstart = 21:00\n"
                                    "end = 22:00\n", table[i].general) < 0)
                        abort();
                reset_files();
                m = start(conf, at("08:00"));
                manager_set_presence(m, PRESENCE_ACTIVE, 0, at("08:00"));
                run_until(m, at("+1 08:00"));
                {
                        char when[16];
                        snprintf(when, sizeof when, "+1 %s", table[i].locked);
                        run_until(m, at(when));
                        manager_set_presence(m, PRESENCE_LOCKED, 0, at(when));
                }
                act(m, at("+1 21:58"), ACTION_STOP, NULL, 0, NULL, NULL);
                manager_set_presence(m, PRESENCE_ACTIVE, 0, at("+1 21:58"));
                run_until(m, at("+2 23:00"));
                is_int(manager_stats(m, at("00:00"), at("+2 23:00"), &st), 0, "stats: %s", table[i].what);
                ok(st.completed == 2 && st.stopped == 1, "…2 completed, 1 stopped");
                is_int(st.streak, table[i].streak, "…streak %u", table[i].streak);
                manager_free(m);
        }
}

/* ---- the digest: other apps' notifications during a dnd recharge, by app name ---- */

static char digests[1024];
static void digest_recorder(Manager *m, const ManagerChange *c, void *userdata) {
        for (size_t k = 0; k < c->n_events; k++)
                if (c->events[k].kind == MANAGER_EVENT_RECHARGE_ENDED) {
                        strncat(digests, "[", sizeof digests - strlen(digests) - 1);
                        /* "-": none, another dnd recharge goes on. */
                        strncat(digests, c->events[k].digest ?: "-", sizeof digests - strlen(digests) - 1);
                        strncat(digests, "]", sizeof digests - strlen(digests) - 1);
                }
}

static char welcome_digest[256];
static void welcome_recorder(Manager *m, const ManagerChange *c, void *userdata) {
        for (size_t k = 0; k < c->n_events; k++)
                if (c->events[k].kind == MANAGER_EVENT_WELCOME_BACK)
                        snprintf(welcome_digest, sizeof welcome_digest, "%s", c->events[k].digest ?: "(none)");
}

/* A dnd block that ends while the person is away: what arrived comes with the welcome back,
 * across a restart too (the welcome record keeps it). */
static void test_digest_welcome(void) {
        static const char conf[] = "[general]\nheads-up = 0\n\n[a]\ntype = recharge\nstart = 10:00\nend = 11:00\n";
        Manager *m;

        for (int restart = 0; restart <= 1; restart++) {
                reset_files();
                welcome_digest[0] = '\0';
                m = start(conf, at("08:00"));
                run_until(m, at("10:20"));
                manager_set_presence(m, PRESENCE_LOCKED, 0, at("10:20"));
                manager_count_notification(m, "Signal");
                manager_count_notification(m, "Signal");
                run_until(m, at("11:10"));
                if (restart) {
                        manager_free(m);
                        m = start(conf, at("11:20"));
                }
                manager_add_listener(m, LISTENER_HOOKS, welcome_recorder, NULL);
                manager_set_presence(m, PRESENCE_ACTIVE, 0, at("11:30"));
                is_str(welcome_digest, "Signal 2", "the welcome back says what arrived%s", restart ? ", after a restart" : "");
                manager_free(m);
        }
        free(heard());
}

static void test_digest(void) {
        static const char dnd_conf[] =
                "[general]\nheads-up = 0\n%s\n"
                "[a]\ntype = recharge\nstart = 10:00\nend = 11:00\n\n"
                "[b]\ntype = recharge\nstart = 10:30\nend = 11:30\n\n"
                "[quiet]\ntype = recharge\nstart = 14:00\nend = 15:00\ndnd = no\n";
        static const struct {
                const char *general;
                const char *at;          /* when they arrive */
                const char *apps;        /* comma-separated app names, one notification each */
                const char *want;        /* the ends' digests, in order */
                const char *what;
        } table[] = {
                { "", "10:10", "Signal,Mail,Signal,Signal,Mail", "[-][Signal 3 · Mail 2]",
                  "during overlapping dnd blocks: counted by app, said once, at the last end" },
                { "", "09:00", "Signal,Mail", "[-][]", "before the recharge: not counted" },
                { "", "14:10", "Signal", "[-][][]", "during a block without dnd: not counted" },
                { "", "10:10", "recharged,Mail", "[-][Mail 1]", "our own notifications are not news" },
                { "digest = no\n", "10:10", "Signal,Mail", "[-][]", "digest = no: nothing counted" },
                { "", "10:10", "Evil\x1b[2J", "[-][Evil\\x1b[2J 1]", "an app name is someone else's text: escaped" },
                { "", "10:10", "a1,a2,a3,a4,a5,a6,a7,a8,a9,a10,a11,a12,a13,a14,a15,a16,a17,a18,a17",
                  "[-][a1 1 · a2 1 · a3 1 · a4 1 · a5 1 · a6 1 · a7 1 · a8 1 · a9 1 · a10 1 · a11 1 · a12 1 · a13 1 · "
                  "a14 1 · a15 1 · a16 1 · others 3]", "16 apps by name at most, the rest as others" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_free_ char *conf = NULL, *apps = strdup(table[i].apps);
                Manager *m;

                if (asprintf(&conf, dnd_conf, table[i].general) < 0 || !apps)
                        abort();
                reset_files();
                digests[0] = '\0';
                m = start(conf, at("08:00"));
                manager_add_listener(m, LISTENER_HOOKS, digest_recorder, NULL);
                run_until(m, at(table[i].at));
                for (char *p = apps, *sp; (p = strtok_r(p, ",", &sp)); p = NULL)
                        manager_count_notification(m, p);
                run_until(m, at(strstr(table[i].at, "14") ? "15:30" : "12:00"));
                is_str(digests, table[i].want, "digest: %s", table[i].what);
                manager_free(m);
        }
}

/* The "arrived" lines of the history since reset_files(), as "app count" pairs ("" others). */
static char *history_arrived(void) {
        _cleanup_free_ char *path = path_join(tmp, "state/recharged/history"), *all = read_all(path);
        char *out = calloc(1, 4096);

        for (char *p = all, *nl; out && p && *p; p = nl + 1) {
                HistoryEvent ev;

                nl = strchr(p, '\n');
                if (!nl)
                        break;
                *nl = '\0';
                if (history_parse_line(p, &ev) < 0 || ev.kind != HISTORY_ARRIVED)
                        continue;
                snprintf(out + strlen(out), 4096 - strlen(out), "%s%s %" PRIu64 "@%s", *out ? ", " : "",
                         *ev.entry ? ev.entry : "(others)", ev.planned, ev.time == at("11:30") ? "end" : "?");
        }
        return out;
}

/* The digest's counts go into the history with the end of the last dnd recharge, and into the
 * stats: counts and names only. */
static void test_digest_history(void) {
        static const char conf[] =
                "[general]\nheads-up = 0\n%s\n"
                "[a]\ntype = recharge\nstart = 10:00\nend = 11:00\n\n"
                "[b]\ntype = recharge\nstart = 10:30\nend = 11:30\n";
        static const struct {
                const char *general, *apps, *want;
                uint32_t arrived;
                const char *what;
        } table[] = {
                { "", "Signal,Mail,Signal,Signal,Mail", "Signal 3@end, Mail 2@end", 5,
                  "one line per app, at the last dnd end" },
                { "", "", "", 0, "nothing arrived: no line" },
                { "digest = no\n", "Signal,Mail", "", 0, "digest = no: no line" },
                { "", "a1,a2,a3,a4,a5,a6,a7,a8,a9,a10,a11,a12,a13,a14,a15,a16,a17,a18,a17",
                  "a1 1@end, a2 1@end, a3 1@end, a4 1@end, a5 1@end, a6 1@end, a7 1@end, a8 1@end, a9 1@end, "
                  "a10 1@end, a11 1@end, a12 1@end, a13 1@end, a14 1@end, a15 1@end, a16 1@end, (others) 3@end",
                  19, "beyond 16 apps: one line for the others" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_free_ char *c = NULL, *apps = strdup(table[i].apps), *got = NULL, *all = NULL,
                                    *hpath = path_join(tmp, "state/recharged/history");
                Manager *m;
                Stats st;

                if (asprintf(&c, conf, table[i].general) < 0 || !apps)
                        abort();
                reset_files();
                m = start(c, at("08:00"));
                run_until(m, at("10:40"));
                for (char *p = apps, *sp; (p = strtok_r(p, ",", &sp)); p = NULL)
                        manager_count_notification(m, p);
                run_until(m, at("12:00"));
                got = history_arrived();
                is_str(got, table[i].want, "digest history: %s", table[i].what);
                is_int(manager_stats(m, at("00:00"), at("12:00"), &st), 0, "…stats");
                is_int(st.arrived, table[i].arrived, "…Arrived %u", table[i].arrived);
                ok(st.completed == 2, "…both blocks still counted as completed");
                manager_free(m);
                all = read_all(hpath);
                ok(all && !strstr(all, "·"), "…the history holds no digest text, only lines");
        }
        /* Two stretches of dnd: each end carries its own counts; a window holds its own. */
        {
                static const char two[] = "[general]\nheads-up = 0\n\n"
                                          "[a]\ntype = recharge\nstart = 10:00\nend = 11:00\n\n"
                                          "[b]\ntype = recharge\nstart = 14:00\nend = 15:00\n";
                Manager *m;
                Stats st;

                reset_files();
                m = start(two, at("08:00"));
                run_until(m, at("10:10"));
                manager_count_notification(m, "Signal");
                run_until(m, at("14:10"));
                manager_count_notification(m, "Mail");
                manager_count_notification(m, "Mail");
                run_until(m, at("16:00"));
                is_int(manager_stats(m, at("00:00"), at("16:00"), &st), 0, "two dnd stretches");
                is_int(st.arrived, 3, "…Arrived counts both");
                is_int(manager_stats(m, at("12:00"), at("16:00"), &st), 0, "…the afternoon only");
                is_int(st.arrived, 2, "…Arrived 2");
                manager_free(m);
        }
}

/* ---- what a forward jump replays (issue 16 item 2) ---- */

/* Runs one tick with the log at info level going to a file; returns the lines logged. */
static size_t tick_logged(Manager *m, usec_t now, char **ret_log) {
        _cleanup_free_ char *path = path_join(tmp, "tick.log");
        int fd, saved;
        size_t lines = 0;
        char *all;

        fflush(stderr);
        saved = dup(STDERR_FILENO);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (saved < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0)
                abort();
        close(fd);
        log_set_max_level(LOG_INFO);
        manager_tick(m, now, true);
        log_set_max_level(LOG_WARNING);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        all = read_all(path);
        for (char *p = all; p && *p; p++)
                lines += *p == '\n';
        *ret_log = all;
        return lines;
}

static size_t count_words(const char *s, const char *word) {
        size_t n = 0;
        for (const char *p = s; (p = strstr(p, word)); p += strlen(word))
                n++;
        return n;
}

static void test_jump_bound(void) {
        /* 288 reminders a day and a daily block: a year's jump used to write 504 066 lines. */
        static const char conf[] =
                "[general]\nheads-up = 0\n\n"
                "[often]\ntype = selfcare\nevery = 5min\nbetween = 00:00-23:55\n\n"
                "[block]\ntype = recharge\nstart = 12:00\nend = 13:00\n";
        static const struct {
                const char *to;
                size_t reminder_lines, block_lines;
                const char *history, *heard, *passed, *desc;
        } cases[] = {
                { "10:02", 1, 0, "reminder-missed often", "", "12 blocks",
                  "a jump of 1 h: 12 reminders passed, one line for the entry and day" },
                { "+3 09:02", 4, 3,
                  "reminder-missed often; missed block; reminder-missed often; missed block; "
                  "reminder-missed often; missed block; reminder-missed often", "", "831 blocks",
                  "a jump of 3 days: one line per entry and local day" },
                { "+365 09:02", 7, 6, NULL, "", "1771 blocks",
                  "a jump of 365 days: today and the six days before, one line per entry and day" },
                { "+365 12:30", 7, 6, NULL, "12:30:00 start block late", "1806 blocks",
                  "a jump of 365 days into a block: it starts, late, and is not also missed" },
        };

        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                _cleanup_free_ char *log = NULL, *hist = NULL;
                unsigned saves;
                size_t logged;
                Manager *m;

                reset_files();
                m = start(conf, at("09:02"));
                CHECK_HEARD("", "%s: nothing at start", cases[k].desc);
                saves = m->saves;
                logged = tick_logged(m, at(cases[k].to), &log);
                hist = history_news();
                is_int(count_words(hist, "reminder-missed often"), cases[k].reminder_lines, "%s: reminder lines",
                       cases[k].desc);
                is_int(count_words(hist, "missed block"), cases[k].block_lines, "%s: block lines", cases[k].desc);
                is_int(count_words(hist, ";") + (*hist ? 1 : 0),
                       cases[k].reminder_lines + cases[k].block_lines + (*cases[k].heard ? 1 : 0),
                       "%s: no other history line", cases[k].desc);
                if (cases[k].history)
                        is_str(hist, cases[k].history, "%s: in time order", cases[k].desc);
                CHECK_HEARD(cases[k].heard, "%s: nothing passed is replayed to the listeners", cases[k].desc);
                is_int(m->saves - saves, 1, "%s: one save", cases[k].desc);
                /* The wake-up notice, what was missed, and the start of a block in progress. */
                is_int(logged, 2 + (*cases[k].heard ? 1 : 0), "%s: one log line for what passed (%s)", cases[k].desc, log);
                is_int(count_words(log, "recorded as missed"), 1, "%s: …which says what was recorded", cases[k].desc);
                /* Held reminders of the daily block collapse into one at its end, beside the planned 13:00. */
                ok(strstr(log, cases[k].passed), "%s: …and how many passed (%s)", cases[k].desc, cases[k].passed);
                manager_free(m);
        }
}

/* The live state the manager publishes (every entry's EntryLive, the status's mode and next
 * event) comes from the engine's cached answers and, between changes, only for the entries
 * whose time came: after random sequences of boundaries, random instants, jumps back, actions
 * and presence changes around both DST changes, each must equal a from-scratch computation. */
static uint64_t live_rng = 0x2545f4914f6cdd1dULL;
static unsigned live_rn(unsigned n) {
        live_rng ^= live_rng << 13;
        live_rng ^= live_rng >> 7;
        live_rng ^= live_rng << 17;
        return (unsigned) (live_rng % n);
}

static bool live_fresh(Manager *m, char *why, size_t size) {
        usec_t now = m->live_at;
        EngineStatus st;
        Event next;

        for (size_t i = 0; i < m->config->n_entries; i++) {
                EntryLive want = {};
                usec_t s = 0, e = 0;
                if (engine_entry_next(m->engine, &m->overlay, i, now, &s, &e) >= 0) {
                        want.next_start = s;
                        want.next_end = e;
                        want.active = m->config->entries[i].type == ENTRY_RECHARGE && s <= now && now < e;
                }
                if (memcmp(&want, &m->entry_live[i], sizeof want) != 0) {
                        snprintf(why, size, "entry %zu at %" PRIu64 ": %" PRIu64 "-%" PRIu64 " %d, fresh %" PRIu64 "-%" PRIu64 " %d",
                                 i, now, m->entry_live[i].next_start, m->entry_live[i].next_end, m->entry_live[i].active,
                                 want.next_start, want.next_end, want.active);
                        return false;
                }
        }
        if (engine_at(m->engine, &m->overlay, now, &st) < 0)
                return false;
        if ((m->status.mode == MODE_RECHARGING) != st.recharging || m->status.until != (st.recharging ? st.until : 0)) {
                snprintf(why, size, "status at %" PRIu64 ": mode %d until %" PRIu64 ", fresh %d %" PRIu64, now,
                         (int) m->status.mode, m->status.until, st.recharging, st.until);
                return false;
        }
        usec_t want_next = engine_next(m->engine, &m->overlay, now, &next) >= 0 ? next.time : 0;
        if (m->status.next_event_time != want_next) {
                snprintf(why, size, "next event at %" PRIu64 ": %" PRIu64 ", fresh %" PRIu64, now,
                         m->status.next_event_time, want_next);
                return false;
        }
        return true;
}

static void write_conf(const char *conf) {
        _cleanup_free_ char *path = path_join(tmp, "recharged.conf");
        FILE *f = fopen(path, "we");

        if (!f)
                abort();
        fputs(conf, f);
        fclose(f);
}

/* A random walk of what happens to a running daemon: actions on random entries, presence
 * changes, the clock going back, jumps and sleeps, and the timer. The wide walk also repeats a
 * Snooze or an Extend, Reloads to the other config, changes the zone and restarts. */
typedef struct Walk {
        Manager *m;
        usec_t now;
        bool wide;
        const char *const *confs; /* two configs, the wide walk reloads between them */
        unsigned conf;
        unsigned reloads, zones, restarts;
} Walk;

static void walk_act(Walk *w) {
        static const ActionKind kinds[] = { ACTION_RECHARGE, ACTION_STOP, ACTION_EXTEND, ACTION_SKIP, ACTION_SNOOZE,
                                            ACTION_START_NOW, ACTION_DONE, ACTION_PAUSE, ACTION_RESUME, ACTION_RESET };
        _cleanup_free_ char *err = NULL;
        ActionKind kind = kinds[live_rn(ELEMENTSOF(kinds))];
        char name[16];
        int r;

        snprintf(name, sizeof name, "%s", w->m->config->entries[live_rn((unsigned) w->m->config->n_entries)].name);
        w->now += live_rn(3600) * USEC_PER_SEC;
        r = act(w->m, w->now, kind, name, (1 + live_rn(120)) * USEC_PER_MINUTE, "x", &err);
        /* A snooze again, or a second Extend: an override that changes in place, their count the
         * same. */
        if (w->wide && r >= 0 && (kind == ACTION_SNOOZE || kind == ACTION_EXTEND) && live_rn(2)) {
                w->now += live_rn(60) * USEC_PER_SEC;
                (void) act(w->m, w->now, kind, name, (1 + live_rn(120)) * USEC_PER_MINUTE, "x", NULL);
        }
}

static void walk_step(Walk *w) {
        static const char *zones[] = { "Europe/Berlin", "America/New_York", "Asia/Kolkata" };
        unsigned what = live_rn(w->wide ? 40 : 20), acts = w->wide ? 8 : 3, presence = w->wide ? 10 : 4;

        if (what < acts)
                walk_act(w);
        else if (what < presence) {
                w->now += live_rn(1800) * USEC_PER_SEC;
                run_until(w->m, w->now);
                manager_set_presence(w->m, (Presence) live_rn(_PRESENCE_MAX), w->now, w->now);
        } else if (what == presence && w->now > USEC_PER_HOUR) {
                w->now -= live_rn(2 * 3600) * USEC_PER_SEC; /* the clock goes back */
                manager_tick(w->m, w->now, true);
        } else if (what == presence + 1) {
                /* a jump or the machine slept (wide: up to 30 h), or a tick between events */
                w->now += live_rn((w->wide ? 30 : 5) * 3600) * USEC_PER_SEC;
                manager_tick(w->m, w->now, w->wide || live_rn(2));
        } else if (w->wide && what == presence + 2) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                w->conf = 1 - w->conf;
                write_conf(w->confs[w->conf]);
                run_until(w->m, w->now);
                if (manager_reload(w->m, w->now, &e) < 0)
                        abort();
                w->reloads++;
        } else if (w->wide && what == presence + 3) {
                Tz *tz = NULL;
                if (tz_load(zones[live_rn(ELEMENTSOF(zones))], &tz) < 0)
                        abort();
                run_until(w->m, w->now);
                (void) manager_set_zone(w->m, tz, w->now);
                w->zones++;
        } else if (w->wide && what == presence + 4) {
                /* A restart, after a while off, in the zone of the machine. */
                manager_free(w->m);
                w->now += live_rn(3 * 3600) * USEC_PER_SEC;
                w->m = start(w->confs[w->conf], w->now);
                w->restarts++;
        } else if (w->m->wakeup != 0 && w->m->wakeup > w->now) {
                w->now = w->m->wakeup;
                manager_tick(w->m, w->now, false);
        } else {
                w->now += USEC_PER_HOUR;
                manager_tick(w->m, w->now, false);
        }
}

static void test_live_incremental(void) {
        static const char *conf =
                "[general]\nheads-up = 10min\n"
                "[a-night]\ntype = recharge\nstart = 01:30\nend = 03:30\n"
                "[b-morning]\ntype = recharge\ndays = Mon..Sat\nstart = 09:00\nduration = 45min\ndnd = no\n"
                "[c-evening]\ntype = recharge\nstart = 21:00\nend = 22:00\n"
                "[d-stretch]\ntype = selfcare\nevery = 25min\nbetween = 08:00-19:00\n"
                "[e-water]\ntype = selfcare\nat = 02:30, 10:10, 16:40\n"
                "[f-late]\ntype = selfcare\ndays = Fri..Sun\nevery = 50min\nbetween = 22:00-03:00\n"
                "[g-off]\ntype = selfcare\nat = 12:00\nenabled = no\n";
        static const int days[][3] = { { 2026, 3, 27 }, { 2026, 10, 23 }, { 2026, 11, 20 } };
        unsigned steps = 0, bad = 0;
        char why[256] = "";

        for (unsigned round = 0; round < 6; round++) {
                const int *d = days[round % ELEMENTSOF(days)];
                Walk w = { .now = (usec_t) tz_from_local(test_tz, days_from_civil(d[0], d[1], d[2]) * 86400 +
                                                                      live_rn(86400)) * USEC_PER_SEC };
                usec_t end = w.now + 4 * USEC_PER_DAY;

                reset_files();
                w.m = start(conf, w.now);
                while (w.now < end && steps < 100000) {
                        walk_step(&w);
                        steps++;
                        if (!live_fresh(w.m, why, sizeof why) && ++bad < 3)
                                diag("round %u step %u: %s", round, steps, why);
                }
                manager_free(w.m);
        }
        ok(bad == 0 && steps > 500, "entries' live state and the status equal a fresh computation after %u boundaries, "
           "actions, jumps and presence changes around both DST changes", steps);
}

/* Issue 17: an action looks again at the entries it changed (the engine says which), not at
 * every entry; a pause, or more changed at once than the engine keeps track of, at every one.
 * Each path must bring every changed entry's live state up to date and say so to the bus. */
static size_t live_heard[256], n_live_heard;

static void live_recorder(Manager *m, const ManagerChange *c, void *userdata) {
        for (size_t k = 0; k < c->n_live && n_live_heard < ELEMENTSOF(live_heard); k++)
                live_heard[n_live_heard++] = c->live[k].index;
}

/* Whether each of the 70 blocks a00…a69 was announced, and (active) is on or not. */
static bool heard_all_a(Manager *m, bool active) {
        unsigned n = 0;

        for (size_t k = 0; k < n_live_heard; k++) {
                const char *name = m->config->entries[live_heard[k]].name;
                if (name[0] == 'a' && m->entry_live[live_heard[k]].active == active)
                        n++;
        }
        return n == 70;
}

/* Found in review: a reminder held by a dnd block has no event at its time, so nothing woke the
 * manager then, and its NextStart on the bus stayed at the time just passed until the block's
 * end. The timer now fires when an entry's live state changes, held or not. */
static void test_live_held_reminder(void) {
        static const char conf[] =
                "[block]\ntype = recharge\nstart = 10:00\nend = 11:00\n"
                "[water]\ntype = selfcare\nat = 10:10, 16:40\n";
        _cleanup_free_ char *during = NULL, *after = NULL;
        Manager *m;
        int w;

        reset_files();
        m = start(conf, at("09:59"));
        w = config_find_entry(m->config, "water");
        if (w < 0)
                abort();
        run_until(m, at("10:05"));
        free(heard());
        ok(m->status.mode == MODE_RECHARGING, "held reminder: the block is on at 10:05");
        is_int((long long) m->entry_live[w].next_start, (long long) at("10:10"), "held reminder: NextStart 10:10 before it");
        is_int((long long) m->wakeup, (long long) at("10:10"), "held reminder: the timer is set for its time, though it is held");
        run_until(m, at("10:10"));
        is_int((long long) m->entry_live[w].next_start, (long long) at("16:40"), "held reminder: NextStart moves on at 10:10");
        during = heard();
        is_str(during, "", "held reminder: …and it is not shown then");
        run_until(m, at("11:00"));
        after = heard();
        ok(strstr(after, "reminder water held") != NULL, "held reminder: shown at the block's end (%s)", after);
        manager_free(m);
}

static void test_live_action_changes(void) {
        char conf[16384], why[256] = "";
        size_t len = 0, i_block, i_rem;
        unsigned bad = 0, n_steps = 0;
        usec_t now = at("08:00");
        Manager *m;
        int r;

        /* 70 blocks on together 09:00-10:00 (more than the engine lists one by one), 20 later
         * blocks, 40 reminders. */
        len += snprintf(conf + len, sizeof conf - len, "[general]\nheads-up = 5min\n");
        for (unsigned i = 0; i < 70; i++)
                len += snprintf(conf + len, sizeof conf - len, "[a%02u]\ntype = recharge\nstart = 09:00\nend = 10:00\ndnd = %s\n",
                                i, i % 10 ? "no" : "yes");
        for (unsigned i = 0; i < 20; i++)
                len += snprintf(conf + len, sizeof conf - len, "[b%02u]\ntype = recharge\nstart = %02u:%02u\nduration = 30min\ndnd = no\n",
                                i, 11 + i / 4, i % 4 * 15);
        for (unsigned i = 0; i < 40; i++)
                len += snprintf(conf + len, sizeof conf - len, "[c%02u]\ntype = selfcare\nevery = %umin\nbetween = 08:00-20:00\n",
                                i, 30 + i);
        reset_files();
        m = start(conf, now);
        manager_remove_listener(m, LISTENER_TEST);
        if (manager_add_listener(m, LISTENER_TEST, live_recorder, NULL) < 0)
                abort();
        i_block = (size_t) config_find_entry(m->config, "b05");
        i_rem = (size_t) config_find_entry(m->config, "c07");

        now += USEC_PER_MINUTE;
        n_live_heard = 0;
        r = act(m, now, ACTION_SKIP, "b05", 0, NULL, NULL);
        ok(r >= 0 && n_live_heard == 1 && live_heard[0] == i_block && m->entry_live[i_block].next_start == at("+1 12:15"),
           "Skip of one block: its live state moves to tomorrow, and it alone is announced (%zu)", n_live_heard);
        ok(live_fresh(m, why, sizeof why), "…every entry's live state equals a fresh one %s", why);

        now += USEC_PER_MINUTE;
        n_live_heard = 0;
        r = act(m, now, ACTION_SNOOZE, "c07", 10 * USEC_PER_MINUTE, NULL, NULL);
        ok(r >= 0 && n_live_heard == 1 && live_heard[0] == i_rem, "Snooze of one reminder: it alone is announced (%zu)",
           n_live_heard);
        ok(live_fresh(m, why, sizeof why), "…every entry's live state equals a fresh one %s", why);

        now += USEC_PER_MINUTE;
        n_live_heard = 0;
        r = act(m, now, ACTION_RECHARGE, NULL, 20 * USEC_PER_MINUTE, "x", NULL);
        ok(r >= 0 && n_live_heard == 0 && live_fresh(m, why, sizeof why),
           "a manual recharge changes no entry's live state (%zu announced) %s", n_live_heard, why);

        now += USEC_PER_MINUTE;
        n_live_heard = 0;
        r = act(m, now, ACTION_PAUSE, NULL, 4 * USEC_PER_HOUR, NULL, NULL);
        ok(r >= 0 && heard_all_a(m, false) && live_fresh(m, why, sizeof why),
           "a pause moves the next occurrence of every entry that has one in it: all announced (%zu) %s",
           n_live_heard, why);
        now += USEC_PER_MINUTE;
        n_live_heard = 0;
        r = act(m, now, ACTION_RESUME, NULL, 0, NULL, NULL);
        ok(r >= 0 && heard_all_a(m, false) && m->entry_live[config_find_entry(m->config, "a60")].next_start == at("09:00") &&
           live_fresh(m, why, sizeof why), "…and Resume moves them back (%zu) %s", n_live_heard, why);

        /* 70 blocks stopped at once: more entries changed than the engine lists. */
        now = at("09:30");
        run_until(m, now);
        ok(m->entry_live[0].active && m->entry_live[69].active, "70 blocks on at 09:30");
        n_live_heard = 0;
        r = act(m, now, ACTION_STOP, NULL, 0, NULL, NULL);
        ok(r >= 0 && heard_all_a(m, false) && live_fresh(m, why, sizeof why),
           "Stop of 70 blocks on at once: each one's live state is no longer active (%zu) %s", n_live_heard, why);

        /* Many actions one after another: the looked-at entries' earlier instants pile up in
         * the heap as stale items, which a full heap sheds. */
        for (unsigned step = 0; step < 400; step++) {
                static const ActionKind kinds[] = { ACTION_SKIP, ACTION_SNOOZE, ACTION_START_NOW, ACTION_RESET,
                                                    ACTION_DONE, ACTION_EXTEND };
                const char *name = m->config->entries[live_rn((unsigned) m->config->n_entries)].name;
                now += live_rn(600) * USEC_PER_SEC;
                (void) act(m, now, kinds[live_rn(ELEMENTSOF(kinds))], name, (1 + live_rn(60)) * USEC_PER_MINUTE, NULL, NULL);
                n_steps++;
                if (!live_fresh(m, why, sizeof why) && ++bad < 3)
                        diag("step %u: %s", step, why);
        }
        ok(bad == 0, "%u actions on random entries: every entry's live state equals a fresh one after each", n_steps);
        manager_free(m);
}

/* Issue 17: a save formats only the entries whose persisted fields changed and copies the rest
 * (StateText). After random sequences of boundaries, actions, presence changes, clock jumps,
 * Reloads to a config with other entries at the same indexes, zone changes and restarts, the
 * text it makes must equal state_build() + state_format() from scratch, and the file must hold
 * what was written last. */

static unsigned text_with_override, text_with_done;

static bool state_text_fresh(Manager *m, char *why, size_t size) {
        _cleanup_free_ char *kept = NULL, *whole = NULL, *path = path_join(tmp, "state/recharged/state");
        _cleanup_free_ char *file = NULL;
        int r;

        r = manager_state_text(m, false, &kept);
        if (r < 0) {
                snprintf(why, size, "kept text: %s", strerror(-r));
                return false;
        }
        r = manager_state_text(m, true, &whole);
        if (r < 0) {
                snprintf(why, size, "whole text: %s", strerror(-r));
                return false;
        }
        if (!streq(kept, whole)) {
                snprintf(why, size, "kept text differs from a fresh one (%zu vs %zu bytes)", strlen(kept), strlen(whole));
                return false;
        }
        text_with_override += !!strstr(whole, "\noverride ");
        text_with_done += !!strstr(whole, " done 1"); /* done times are 17 digits from 2001 on */
        if (!m->saved || !streq(m->saved, whole)) {
                snprintf(why, size, "what was written last is not what the manager holds");
                return false;
        }
        file = read_all(path);
        if (!file || !streq(file, m->saved)) {
                snprintf(why, size, "the file is not what was written last");
                return false;
        }
        return true;
}

static void test_state_text_incremental(void) {
        static const char *confs[] = {
                "[general]\nheads-up = 10min\n"
                "[a-night]\ntype = recharge\nstart = 01:30\nend = 03:30\n"
                "[b-morning]\ntype = recharge\ndays = Mon..Sat\nstart = 09:00\nduration = 45min\ndnd = no\n"
                "[c-evening]\ntype = recharge\nstart = 21:00\nend = 22:00\n"
                "[d-stretch]\ntype = selfcare\nevery = 25min\nbetween = 08:00-19:00\n"
                "[d-twin]\ntype = selfcare\nevery = 25min\nbetween = 08:00-19:00\n"
                "[e-water]\ntype = selfcare\nat = 02:30, 10:10, 16:40\n"
                "[f-late]\ntype = selfcare\ndays = Fri..Sun\nevery = 50min\nbetween = 22:00-03:00\n",
                /* Other entries at the same indexes: one gone, two new, one at another time, and
                 * the twins (whose records are often the same but for the name) one index on. */
                "[general]\nheads-up = 5min\n"
                "[a-night]\ntype = recharge\nstart = 01:30\nend = 03:30\n"
                "[aa-eyes]\ntype = selfcare\nevery = 20min\nbetween = 07:00-23:00\n"
                "[c-evening]\ntype = recharge\nstart = 20:30\nend = 22:00\n"
                "[d-new]\ntype = selfcare\nat = 12:00\n"
                "[d-stretch]\ntype = selfcare\nevery = 25min\nbetween = 08:00-19:00\n"
                "[d-twin]\ntype = selfcare\nevery = 25min\nbetween = 08:00-19:00\n"
                "[f-late]\ntype = selfcare\ndays = Fri..Sun\nevery = 50min\nbetween = 22:00-03:00\n",
        };
        unsigned steps = 0, bad = 0, reloads = 0, zones_changed = 0, restarts = 0;
        char why[256] = "";

        for (unsigned round = 0; round < 12; round++) {
                Walk w = { .wide = true, .confs = confs,
                           .now = (usec_t) tz_from_local(test_tz, days_from_civil(2026, 10, 20 + round) * 86400 +
                                                                      live_rn(86400)) * USEC_PER_SEC };
                usec_t end = w.now + 3 * USEC_PER_DAY;

                reset_files();
                w.m = start(confs[0], w.now);
                while (w.now < end && steps < 100000) {
                        walk_step(&w);
                        steps++;
                        if (!state_text_fresh(w.m, why, sizeof why) && ++bad < 3)
                                diag("round %u step %u: %s", round, steps, why);
                }
                reloads += w.reloads;
                zones_changed += w.zones;
                restarts += w.restarts;
                manager_free(w.m);
        }
        ok(bad == 0 && steps > 500 && reloads > 5 && zones_changed > 5 && restarts > 5 && text_with_override > 50 &&
           text_with_done > 50,
           "the state text a save makes from kept entry records equals a fresh state_build() + state_format(), "
           "and the file what was written, after %u steps (%u Reloads, %u zone changes, %u restarts; %u texts with "
           "overrides, %u with a reminder done)", steps, reloads, zones_changed, restarts, text_with_override,
           text_with_done);
}

/* ---- what a bus listener hears at a block's boundaries (test-daemon-schedule.sh keeps the bus) ---- */

/* Each status property's value as GetStatus would give it, to tell which ones a change changed. */
static void status_values(const ManagerStatus *st, char v[_PROP_MAX][160]) {
        snprintf(v[PROP_MODE], 160, "%s", mode_to_string(st->mode));
        snprintf(v[PROP_DO_NOT_DISTURB], 160, "%d", st->dnd);
        snprintf(v[PROP_SOURCE], 160, "%s", st->source ?: "");
        snprintf(v[PROP_ENTRY], 160, "%s", st->entry ?: "");
        snprintf(v[PROP_SINCE], 160, "%" PRIu64, st->since);
        snprintf(v[PROP_UNTIL], 160, "%" PRIu64, st->until);
        snprintf(v[PROP_MESSAGE], 160, "%s", st->message ?: "");
        snprintf(v[PROP_STATUS_TEXT], 160, "%s", st->status_text ?: "");
        snprintf(v[PROP_NEXT_ENTRY], 160, "%s", st->next_entry ?: "");
        snprintf(v[PROP_NEXT_EVENT], 160, "%s", st->next_event ?: "");
        snprintf(v[PROP_NEXT_EVENT_TIME], 160, "%" PRIu64, st->next_event_time);
        snprintf(v[PROP_PAUSED_UNTIL], 160, "%" PRIu64, st->paused_until);
        snprintf(v[PROP_TIME_ZONE], 160, "%s", st->time_zone ?: "");
        snprintf(v[PROP_PRESENCE], 160, "%s", st->presence ?: "");
}

static void mask_names(uint64_t mask, char out[static 512]) {
        out[0] = '\0';
        for (size_t p = 0; p < _PROP_MAX; p++)
                if (mask & (UINT64_C(1) << p)) {
                        strcat(out, *out ? " " : "");
                        strcat(out, status_property_info[p].name);
                }
}

/* The status values before a change, and what the listeners were told of it. */
static struct {
        char before[_PROP_MAX][160];
        uint64_t mask;
        bool entry_live[8];
        char args[1024];
} told;

static void tell_begin(Manager *m) {
        status_values(&m->status, told.before);
        told.mask = 0;
        memset(told.entry_live, 0, sizeof told.entry_live);
        told.args[0] = '\0';
}

/* The signals' arguments as the bus listener sends them: HeadsUp(entry, start),
 * RechargeStarted(source, entry, until, message), RechargeEnded(source, entry, how),
 * ReminderDue(entry, message); times as HH:MM:SS. */
static void teller(Manager *m, const ManagerChange *c, void *userdata) {
        told.mask |= c->status_mask;
        for (size_t k = 0; k < c->n_live; k++)
                if (c->live[k].index < ELEMENTSOF(told.entry_live))
                        told.entry_live[c->live[k].index] = true;
        for (size_t k = 0; k < c->n_events; k++) {
                const ManagerEvent *ev = &c->events[k];
                char a[16], b[16], line[256];

                hms(ev->start, a);
                hms(ev->until, b);
                if (ev->kind == MANAGER_EVENT_HEADS_UP)
                        snprintf(line, sizeof line, "HeadsUp(%s, %s)", ev->entry, a);
                else if (ev->kind == MANAGER_EVENT_RECHARGE_STARTED)
                        snprintf(line, sizeof line, "RechargeStarted(%s, %s, %s, %s)", ev->source, ev->entry,
                                 ev->until ? b : "0", ev->message ?: "");
                else if (ev->kind == MANAGER_EVENT_RECHARGE_ENDED)
                        snprintf(line, sizeof line, "RechargeEnded(%s, %s, %s)", ev->source, ev->entry, ev->how);
                else if (ev->kind == MANAGER_EVENT_REMINDER_DUE)
                        snprintf(line, sizeof line, "ReminderDue(%s, %s)", ev->entry, ev->message ?: "");
                else
                        snprintf(line, sizeof line, "%s(%s)", kind_names[ev->kind], ev->entry);
                strncat(told.args, *told.args ? "; " : "", sizeof told.args - strlen(told.args) - 1);
                strncat(told.args, line, sizeof told.args - strlen(told.args) - 1);
        }
}

/* PropertiesChanged names exactly the status properties whose values the change changed (and
 * some did). */
#define CHECK_TOLD_MASK(m, ...)                                                                 \
        do {                                                                                    \
                char _after[_PROP_MAX][160], _want[512], _got[512];                             \
                uint64_t _diff = 0;                                                             \
                status_values(&(m)->status, _after);                                            \
                for (size_t _p = 0; _p < _PROP_MAX; _p++)                                       \
                        if (strcmp(told.before[_p], _after[_p]) != 0)                           \
                                _diff |= UINT64_C(1) << _p;                                     \
                mask_names(_diff, _want);                                                       \
                mask_names(told.mask, _got);                                                    \
                if (!ok(_diff != 0 && streq(_got, _want), __VA_ARGS__))                         \
                        diag("told '%s', changed '%s'", _got, _want);                           \
        } while (0)

static int act_error(Manager *m, usec_t now, ActionKind kind, usec_t d, char **ret_name) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        run_until(m, now);
        r = manager_act(m, &(Action) { .kind = kind, .duration = d }, now, &e);
        *ret_name = strdup(r < 0 && e.name ? e.name : "");
        return r;
}

static void test_block_boundaries(void) {
        static const char conf[] =
                "[general]\nheads-up = 10min\nstatus = Away until %until%: %message%\n\n"
                "[block]\ntype = recharge\nstart = 21:00\nduration = 1h\nmessage = Quiet time\n\n"
                "[water]\ntype = selfcare\nat = 21:02\nmessage = Drink water\n";
        Manager *m;
        Stats st;

        reset_files();
        m = start(conf, at("20:00"));
        manager_add_listener(m, LISTENER_BUS, teller, NULL);
        ok(streq(m->status.next_event, "heads-up") && streq(m->status.next_entry, "block") &&
           m->status.next_event_time == at("20:50"), "the next event is the heads-up, 10 min before the block");

        tell_begin(m);
        run_until(m, at("20:55"));
        CHECK_HEARD("20:50:00 heads-up block", "the heads-up comes at its time");
        is_str(told.args, "HeadsUp(block, 21:00:00)", "HeadsUp(entry, start)");
        ok(streq(m->status.next_event, "start") && m->status.next_event_time == at("21:00"),
           "after the heads-up the next event is the start");
        CHECK_TOLD_MASK(m, "PropertiesChanged at the heads-up names exactly what changed");

        tell_begin(m);
        run_until(m, at("21:00"));
        CHECK_HEARD("21:00:00 start block", "the block starts at its time");
        is_str(told.args, "RechargeStarted(schedule, block, 22:00:00, Quiet time)",
               "RechargeStarted(source, entry, until, message)");
        ok(m->status.mode == MODE_RECHARGING && streq(m->status.source, "schedule") && streq(m->status.entry, "block") &&
           m->status.dnd && streq(m->status.message, "Quiet time"),
           "Mode, Source, Entry, DoNotDisturb, Message while the block is on");
        ok(m->status.since == at("21:00") && m->status.until == at("22:00"), "Since and Until are the block's exact instants");
        is_str(m->status.status_text, "Away until 22:00: Quiet time", "StatusText follows the template");
        ok(m->entry_live[0].active && told.entry_live[0], "the entry object is Active, and its change is told");
        CHECK_TOLD_MASK(m, "PropertiesChanged at the start names exactly the properties whose values changed");

        tell_begin(m);
        run_until(m, at("21:30"));
        CHECK_HEARD("", "a reminder due inside the dnd block is held");
        run_until(m, at("22:30"));
        CHECK_HEARD("22:00:00 end block completed; 22:00:00 reminder water held",
                    "at the block's end: the end, then the held reminder, once");
        is_str(told.args, "RechargeEnded(schedule, block, completed); ReminderDue(water, Drink water)",
               "RechargeEnded(source, entry, 'completed'), then ReminderDue(entry, message)");
        ok(m->status.mode == MODE_AVAILABLE && streq(m->status.source, "") && streq(m->status.entry ?: "", "") &&
           m->status.since == 0 && m->status.until == 0 && !m->status.dnd,
           "Mode is available and the recharge properties are cleared");
        ok(!m->entry_live[0].active && told.entry_live[0], "the entry object is no longer Active, and that is told");
        is_int(m->entry_live[0].next_start, at("+1 21:00"), "the block's NextStart is tomorrow's");
        CHECK_TOLD_MASK(m, "PropertiesChanged at the end names exactly what changed");
        CHECK_HISTORY("started block; completed block; reminder-shown water",
                      "history: started, completed, then the reminder shown at the end");
        is_int(manager_stats(m, at("00:00"), at("23:00"), &st), 0, "stats");
        ok(st.completed == 1 && st.planned == USEC_PER_HOUR && st.kept == USEC_PER_HOUR && st.reminders_shown == 1,
           "GetStats counts the completed block, its kept hour, and the reminder (%u, %" PRIu64 ", %" PRIu64 ", %u)",
           st.completed, st.planned, st.kept, st.reminders_shown);
        manager_remove_listener(m, LISTENER_BUS);
        manager_free(m);
}

static void test_manual_in_block(void) {
        static const char conf[] =
                "[general]\nheads-up = 0\n\n"
                "[block]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = Long quiet\n";
        _cleanup_free_ char *err = NULL;
        Manager *m;

        reset_files();
        m = start(conf, at("20:59"));
        manager_add_listener(m, LISTENER_BUS, teller, NULL);
        run_until(m, at("21:00"));
        CHECK_HEARD("21:00:00 start block", "the block starts");

        tell_begin(m);
        is_int(act(m, at("21:01"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Tea", NULL), 0,
               "Recharge(1 h, 'Tea') inside the block is accepted");
        is_str(told.args, "RechargeStarted(manual, , 22:01:00, Tea)", "RechargeStarted(manual, '', until, message)");
        ok(streq(m->status.source, "manual") && streq(m->status.entry ?: "", "") && streq(m->status.message, "Tea") &&
           m->status.until == at("22:01"), "the manual one ends later, so it counts: Source, Entry, Message, Until");
        CHECK_TOLD_MASK(m, "PropertiesChanged after Recharge names exactly what changed");

        tell_begin(m);
        is_int(act(m, at("21:02"), ACTION_EXTEND, NULL, 10 * USEC_PER_MINUTE, NULL, NULL), 0, "Extend(10 min) is accepted");
        is_int(m->status.until, at("22:11"), "Until moved 10 min later");
        ok(told.mask & (UINT64_C(1) << PROP_UNTIL), "Until is among the changed values");
        CHECK_TOLD_MASK(m, "PropertiesChanged after Extend names exactly what changed");

        tell_begin(m);
        free(heard());
        is_int(act(m, at("21:03"), ACTION_STOP, NULL, 0, NULL, NULL), 0, "Stop is accepted");
        CHECK_HEARD("21:03:00 end (manual) stopped recharging; 21:03:00 end block stopped",
                    "Stop ends both, each 'stopped'");
        is_str(told.args, "RechargeEnded(manual, , stopped); RechargeEnded(schedule, block, stopped)",
               "…RechargeEnded(source, entry, 'stopped') for each");
        ok(m->status.mode == MODE_AVAILABLE, "Mode is available after Stop");
        ok(!m->entry_live[0].active, "the stopped block stays ended");
        is_int(m->entry_live[0].next_start, at("+1 21:00"), "…until its next occurrence");
        ok(act_error(m, at("21:04"), ACTION_STOP, 0, &err) < 0, "Stop again: refused");
        is_str(err, RECHARGED_ERROR_NOT_RECHARGING, "…NotRecharging");
        CHECK_HISTORY("started block; started manual; stopped manual; stopped block", "history: both started, both stopped");

        tell_begin(m);
        is_int(act(m, at("21:05"), ACTION_RECHARGE, NULL, 2 * USEC_PER_MINUTE, "Short", NULL), 0, "a timed manual recharge");
        run_until(m, at("21:10"));
        CHECK_HEARD("21:05:00 start (manual); 21:07:00 end (manual) completed", "it ends by itself at its time: completed");
        ok(m->status.mode == MODE_AVAILABLE && streq(m->status.message ?: "", ""),
           "…Mode goes back to available and the manual message is gone");

        is_int(act(m, at("21:11"), ACTION_RECHARGE, NULL, 0, "Open", NULL), 0, "Recharge(0)");
        is_int(m->status.until, 0, "…is open-ended: Until = 0");
        free(err);
        ok(act_error(m, at("21:12"), ACTION_EXTEND, USEC_PER_MINUTE, &err) < 0, "Extend of an open-ended recharge is refused");
        is_str(err, SD_BUS_ERROR_NOT_SUPPORTED, "…NotSupported");
        manager_remove_listener(m, LISTENER_BUS);
        manager_free(m);
}

static void test_stop_releases_held(void) {
        static const char conf[] =
                "[general]\nheads-up = 0\n\n"
                "[held]\ntype = recharge\nstart = 21:00\nduration = 1h\n\n"
                "[sip]\ntype = selfcare\nat = 21:01\nmessage = Sip\n";
        Manager *m;

        reset_files();
        m = start(conf, at("20:59"));
        run_until(m, at("21:05"));
        CHECK_HEARD("21:00:00 start held", "the dnd block starts, and the reminder due inside it is held");
        is_int(act(m, at("21:05"), ACTION_STOP, NULL, 0, NULL, NULL), 0, "Stop");
        CHECK_HEARD("21:05:00 end held stopped; 21:05:00 reminder sip held", "Stop releases the held reminder at once");
        manager_free(m);
}

int main(void) {
        /* On a tmpfs where there is one: what is tested is what the manager writes and when, not
         * the disk; on ext4 the state's fsyncs took 10 of this test's 10.5 s. */
        char template[] = "/dev/shm/test-manager.XXXXXX", fallback[] = "/tmp/test-manager.XXXXXX";
        _cleanup_free_ char *state = NULL;

        tmp = mkdtemp(template) ?: mkdtemp(fallback);
        if (!tmp)
                return 99;
        state = path_join(tmp, "state");
        setenv("XDG_STATE_HOME", state, 1);
        setenv("TZ", "Europe/Berlin", 1);
        if (tz_load("Europe/Berlin", &test_tz) < 0)
                return 99;
        log_set_max_level(LOG_WARNING);

        test_a_day();
        test_done();
        test_start_now();
        test_one_save_per_change();
        test_begin_save();
        test_stats();
        test_reset();
        test_restart();
        test_end_carries();
        test_overlap();
        test_block_boundaries();
        test_manual_in_block();
        test_stop_releases_held();
        test_pause_and_manual();
        test_clock();
        test_reload_and_refusals();
        test_history_unwritable();
        test_presence();
        test_presence_status();
        test_allowance();
        test_away_share();
        test_digest();
        test_digest_welcome();
        test_digest_history();
        test_jump_bound();
        test_live_incremental();
        test_live_held_reminder();
        test_live_action_changes();
        test_state_text_incremental();

        tz_free(test_tz);
        reset_files();
        rm_rf(tmp);
        return tap_done();
}
