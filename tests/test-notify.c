/* SPDX-License-Identifier: MIT */
/* test-notify.c: the notification listener (daemon/notify.c) in-process, against a recording
 * notification server on a private bus, with time passed in (tests/lib/inproc.h): every row of
 * DESIGN.md's notification table (summary, body, actions, hints, replaces-id, expiry), each
 * action clicked changing the state as its method does and closing the notification, servers
 * without actions or with markup, and servers that are absent, hang, leave or answer wrongly. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "inproc.h"
#include "log.h"
#include "notify.h"
#include "tap.h"

#define HEADS_UP_ACTIONS "start-now|Start now|snooze|Snooze 10 min|skip|Skip this time"
#define START_ACTIONS "extend|Extend 15 min|stop|End now"
#define REMINDER_ACTIONS "done|Done|snooze|Snooze 10 min"

/* A Manager on the test's bus with the real notifier, and a recording server. */
typedef struct World {
        Manager *m;
        Notifier *notifier;
        InprocServer *server;
} World;

static World world_new(const char *conf, const char *caps, usec_t now) {
        World w = {};

        w.m = inproc_manager_new(conf);
        if (notifier_new(w.m, &w.notifier) < 0)
                abort();
        if (caps)
                w.server = inproc_server_new(caps);
        inproc_begin(w.m, now);
        return w;
}

static void world_free(World *w) {
        w->notifier = notifier_free(w->notifier);
        w->server = inproc_server_free(w->server);
        inproc_manager_free(w->m);
        w->m = NULL;
}

/* The history's lines that contain s. */
static unsigned history_count(const char *s) {
        _cleanup_free_ char *path = path_join(inproc_dir, "state/recharged/history"), *all = read_all(path);
        unsigned n = 0;

        for (char *p = all, *nl; p && *p; p = nl + 1) {
                nl = strchr(p, '\n');
                if (!nl)
                        break;
                *nl = '\0';
                if (strstr(p, s))
                        n++;
        }
        return n;
}

static bool state_has(const char *s) {
        _cleanup_free_ char *path = path_join(inproc_dir, "state/recharged/state"), *all = read_all(path);
        return all && strstr(all, s);
}

static uint32_t reminders_done(Manager *m) {
        Stats st = {};

        if (manager_stats(m, 0, inproc_now, &st) < 0)
                return UINT32_MAX;
        return st.reminders_done;
}

/* The n-th Notify, or a failed check that says it never came. */
static const InprocCall *shown(World *w, size_t n, const char *what) {
        const InprocCall *c = inproc_server_wait(w->server, "Notify", n);

        ok(c, "%s is shown", what);
        return c;
}

/* The id of the last Notify with this summary, 0 none. */
static uint32_t id_of(World *w, const char *summary) {
        uint32_t id = 0;

        for (size_t k = 0; inproc_server_call(w->server, "Notify", k); k++)
                if (streq(inproc_server_call(w->server, "Notify", k)->summary, summary))
                        id = inproc_server_call(w->server, "Notify", k)->id;
        return id;
}

/* The ids CloseNotification was called with, in order, "1 2 3". */
static char *closed_ids(World *w) {
        char *out = calloc(1, 512);

        for (size_t k = 0; out && inproc_server_call(w->server, "CloseNotification", k); k++)
                snprintf(out + strlen(out), 512 - strlen(out), "%s%u", k ? " " : "",
                         inproc_server_call(w->server, "CloseNotification", k)->id);
        return out;
}

static EntryLive live_of(Manager *m, const char *entry) {
        EntryLive live = {};
        int i = manager_entry_by_name(m, entry, NULL);

        if (i < 0 || manager_entry_live(m, (size_t) i, inproc_now, &live) < 0)
                abort();
        return live;
}

/* The user clicks key on notification id at the instant t; the loop runs until the manager
 * has done what it set off (the log says "Applied and saved", or it refused). */
static bool click(World *w, usec_t t, uint32_t id, const char *key) {
        inproc_advance(w->m, w->server, t);
        inproc_log_mark();
        if (inproc_server_action(w->server, id, key) < 0)
                return false;
        return inproc_log_count("Applied and saved: ") == 1;
}

/* ---- the four rows: reminder, heads-up, start, end ---- */

typedef struct Row {
        const char *what;
        const char *at;          /* the instant the timer brings it */
        const char *icon, *summary, *body, *actions, *hints;
        int32_t expire;
        int replaces;            /* the row (1-based) whose notification this one replaces, 0 none */
} Row;

static const char rows_conf[] =
        "[general]\nheads-up = 10min\nreconnect = yes\n\n"
        "[block]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = Coffee, alone & <quiet>\n\n"
        "[ping]\ntype = selfcare\nat = 10:00\nmessage = Stand up and stretch\n";

static const Row rows[] = {
        { "reminder", "10:00", "dialog-information", "Stand up and stretch", "", REMINDER_ACTIONS,
          "urgency=1 category=x-recharged.reminder desktop-entry=recharged transient=1", -1, 0 },
        /* No markup capability: the message as it is. Gone when the block starts: 10 min. */
        { "heads-up", "20:50", "appointment-soon", "Recharge soon: Coffee, alone & <quiet>",
          "From 21:00 to 21:30. Let the people around you know.", HEADS_UP_ACTIONS,
          "urgency=1 category=x-recharged.heads-up desktop-entry=recharged", 600000, 0 },
        /* Critical: it passes the silencing where the server lets it. */
        { "start", "21:00", "user-away", "Recharging: Coffee, alone & <quiet>", "Until 21:30.", START_ACTIONS,
          "urgency=2 category=presence.offline desktop-entry=recharged", -1, 0 },
        { "end", "21:30", "user-available", "Time to reconnect", "'Coffee, alone & <quiet>' is over. Welcome back.", "",
          "urgency=1 category=presence.online desktop-entry=recharged transient=1", -1, 3 },
};

static void test_rows(void) {
        World w = world_new(rows_conf, "body actions", inproc_at("08:00"));
        uint32_t ids[ELEMENTSOF(rows)] = {};

        for (size_t k = 0; k < ELEMENTSOF(rows); k++) {
                const Row *r = &rows[k];
                const InprocCall *c;

                inproc_advance(w.m, w.server, inproc_at(r->at));
                c = shown(&w, k + 1, r->what);
                if (!c)
                        break;
                ids[k] = c->id;
                is_str(c->app, "recharged", "%s: the app's name", r->what);
                is_int(c->replaces_id, r->replaces ? ids[r->replaces - 1] : 0, "%s: replaces %s", r->what,
                       r->replaces ? rows[r->replaces - 1].what : "nothing");
                is_str(c->icon, r->icon, "%s: icon", r->what);
                is_str(c->summary, r->summary, "%s: summary", r->what);
                is_str(c->body, r->body, "%s: body", r->what);
                is_str(c->actions, r->actions, "%s: actions", r->what);
                is_str(c->hints, r->hints, "%s: urgency, category, desktop-entry, transient", r->what);
                is_int(c->expire, r->expire, "%s: expiry", r->what);
        }
        /* The heads-up is about the minutes before the start: it goes when the block begins. */
        inproc_settle(w.server);
        is_int(inproc_server_count(w.server, "CloseNotification"), 1, "one notification was closed…");
        if (inproc_server_call(w.server, "CloseNotification", 0))
                is_int(inproc_server_call(w.server, "CloseNotification", 0)->id, ids[1], "…the heads-up, at the start");
        is_int(inproc_server_count(w.server, "Notify"), 4, "four notifications in all");
        world_free(&w);
}

/* ---- each action clicked does what its method does, and closes its notification ---- */

static void test_reminder_done(void) {
        World w = world_new(rows_conf, "body actions", inproc_at("08:00"));
        const InprocCall *c;
        _cleanup_free_ char *closed = NULL;
        uint32_t id;

        inproc_advance(w.m, w.server, inproc_at("10:00"));
        c = shown(&w, 1, "the reminder");
        if (!c)
                return world_free(&w);
        id = c->id;
        ok(click(&w, inproc_at("10:01"), id, "done"), "clicking Done goes through the one path of state changes");
        is_int(history_count(" reminder-done "), 1, "…and is recorded in history as Done(ping) is");
        is_int(reminders_done(w.m), 1, "GetStats counts the reminder done from the notification");
        inproc_server_wait(w.server, "CloseNotification", 1);
        closed = closed_ids(&w);
        char want[16];
        snprintf(want, sizeof want, "%u", id);
        is_str(closed, want, "a reminder marked done is closed (its buttons are answered)");
        world_free(&w);
}

static const char actions_conf[] =
        "[general]\nheads-up = 10min\n\n"
        "[hn]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = Start me\n\n"
        "[hk]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = Skip me\n\n"
        "[hs]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = Snooze me\n";

static void test_actions(void) {
        World w = world_new(actions_conf, "body actions", inproc_at("20:00"));
        usec_t start = inproc_at("21:00");
        uint32_t hn, hk, hs, start_id;
        const InprocCall *c;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *stranger = NULL;
        InprocSignals *sg = inproc_signals_new();
        char want[256];

        inproc_advance(w.m, w.server, inproc_at("20:50"));
        ok(inproc_server_wait(w.server, "Notify", 3), "three heads-ups are shown");
        hn = id_of(&w, "Recharge soon: Start me");
        hk = id_of(&w, "Recharge soon: Skip me");
        hs = id_of(&w, "Recharge soon: Snooze me");
        free(inproc_signals_take(sg));

        ok(click(&w, inproc_at("20:51"), hs, "snooze"), "Snooze 10 min goes through the one path of state changes");
        is_int(live_of(w.m, "hs").next_start, start + 10 * USEC_PER_MINUTE, "…and moves the block 10 min…");
        is_int(live_of(w.m, "hs").next_end, start + 40 * USEC_PER_MINUTE, "…end and all, as Snooze(hs, 10 min) does");
        ok(state_has("override \"hs\""), "…saved in the state file");

        ok(click(&w, inproc_at("20:52"), hk, "skip"), "Skip this time goes through the one path of state changes");
        is_int(live_of(w.m, "hk").next_start, start + USEC_PER_DAY, "…and the next occurrence is tomorrow's, as Skip(hk) does");
        snprintf(want, sizeof want, " skipped schedule \"hk\" %llu 1800000000 ", (unsigned long long) start);
        is_int(history_count(want), 1, "…recorded in history as a skip with the occurrence and its planned length");

        ok(click(&w, inproc_at("20:53"), hn, "start-now"), "Start now goes through the one path of state changes");
        is_str(mode_to_string(w.m->status.mode), "recharging", "…and starts the block");
        is_str(w.m->status.entry, "hn", "…hn, as StartNow(hn) does");
        is_int(w.m->status.until - w.m->status.since, 30 * USEC_PER_MINUTE, "…keeping its length");
        {
                _cleanup_free_ char *sig = inproc_signals_take(sg);
                snprintf(want, sizeof want, "RechargeStarted schedule hn %llu Start me",
                         (unsigned long long) (inproc_at("20:53") + 30 * USEC_PER_MINUTE));
                ok(strstr(sig, want), "…RechargeStarted on the bus");
                if (!strstr(sig, want))
                        diag("heard: %s", sig);
        }

        c = shown(&w, 4, "the started block's notification");
        if (!c)
                return world_free(&w);
        start_id = c->id;
        is_str(c->summary, "Recharging: Start me", "start: what");
        is_str(c->body, "Until 21:23.", "start: until when");
        is_str(c->actions, START_ACTIONS, "start: Extend 15 min · End now");
        inproc_settle(w.server);
        {
                _cleanup_free_ char *closed = closed_ids(&w);
                snprintf(want, sizeof want, "%u %u %u", hs, hk, hn);
                is_str(closed, want, "each heads-up is closed once its action was taken (snooze, skip, start now), once each");
        }

        ok(click(&w, inproc_at("20:54"), start_id, "extend"), "Extend 15 min goes through the one path of state changes");
        is_int(w.m->status.until, inproc_at("21:38"), "…and lengthens the recharge by 15 min, as Extend(15 min) does");
        c = shown(&w, 5, "the extended start");
        if (c) {
                is_int(c->replaces_id, start_id, "the start notification is updated in place…");
                is_str(c->body, "Until 21:38.", "…with the new end");
                is_str(c->actions, START_ACTIONS, "…and its buttons");
        }

        /* A signal that does not come from the notification server is not a click. */
        stranger = inproc_bus_connect();
        inproc_log_mark();
        if (sd_bus_emit_signal(stranger, "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                               "ActionInvoked", "us", start_id, "stop") < 0)
                abort();
        inproc_ping(stranger, w.m);
        is_str(mode_to_string(w.m->status.mode), "recharging", "an ActionInvoked sent by another program is ignored");
        is_int(inproc_log_count("Notification action"), 0, "…and not taken for one");

        free(inproc_signals_take(sg));
        ok(click(&w, inproc_at("21:00"), start_id, "stop"), "End now goes through the one path of state changes");
        is_str(mode_to_string(w.m->status.mode), "available", "…and ends the recharge");
        {
                _cleanup_free_ char *sig = inproc_signals_take(sg);
                ok(sig && strstr(sig, "RechargeEnded schedule hn stopped"), "…as Stop does: RechargeEnded(stopped)");
        }
        is_int(history_count(" stopped schedule \"hn\" "), 1, "…recorded in history as stopped");
        c = shown(&w, 6, "the end");
        if (c) {
                is_int(c->replaces_id, start_id, "the end replaces the start notification");
                is_str(c->summary, "Time to reconnect", "end: summary");
                is_str(c->body, "'Start me' is over. Welcome back.", "end: body");
        }
        inproc_signals_free(sg);
        world_free(&w);
}

/* ---- overlapping blocks: one stretch of alone time ---- */

/* b begins while a is on: b's heads-up is not shown; a's end closes its start notification with
 * no nudge to reconnect; the nudge comes once, at b's end, replacing b's start. */
static void test_overlap(void) {
        World w = world_new("[general]\nheads-up = 10min\n\n"
                            "[a]\ntype = recharge\nstart = 21:00\nduration = 60min\nmessage = First\n\n"
                            "[b]\ntype = recharge\nstart = 21:30\nduration = 60min\nmessage = Second\n",
                            "body actions", inproc_at("20:00"));
        const InprocCall *c;
        char want[64];

        inproc_advance(w.m, w.server, inproc_at("23:00"));
        ok(inproc_server_wait(w.server, "Notify", 4), "overlapping blocks: four notifications");
        inproc_settle(w.server);
        {
                char got[512] = "";
                for (size_t k = 0; (c = inproc_server_call(w.server, "Notify", k)); k++)
                        snprintf(got + strlen(got), sizeof got - strlen(got), "%s|", c->summary);
                is_str(got, "Recharge soon: First|Recharging: First|Recharging: Second|Time to reconnect|",
                       "a's heads-up and start, b's start (no heads-up in the middle of a), one nudge at the end");
        }
        c = inproc_server_call(w.server, "Notify", 3);
        is_int(c ? c->replaces_id : 0, id_of(&w, "Recharging: Second"), "…the nudge replaces b's start");
        {
                _cleanup_free_ char *closed = closed_ids(&w);
                snprintf(want, sizeof want, "%u %u", id_of(&w, "Recharge soon: First"), id_of(&w, "Recharging: First"));
                is_str(closed, want, "a's start closes its heads-up; a's end closes its start notification");
        }
        world_free(&w);
}

/* ---- manual recharges; reconnect = no; servers without actions, with markup ---- */

static void test_manual_and_capabilities(void) {
        World w = world_new("[general]\nreconnect = no\n\n[x]\ntype = selfcare\nat = 23:00\n", "body actions",
                            inproc_at("10:00"));
        const InprocCall *c;
        char want[32];
        uint32_t id;

        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Quiet hour");
        c = shown(&w, 1, "a manual recharge");
        if (!c)
                return world_free(&w);
        id = c->id;
        is_str(c->summary, "Recharging: Quiet hour", "…with its message");
        is_str(c->body, "Until 11:00.", "…and its end");
        is_str(c->actions, START_ACTIONS, "…Extend 15 min · End now");
        inproc_act(w.m, inproc_at("10:05"), ACTION_STOP, NULL, 0, NULL);
        inproc_server_wait(w.server, "CloseNotification", 1);
        {
                _cleanup_free_ char *closed = closed_ids(&w);
                snprintf(want, sizeof want, "%u", id);
                is_str(closed, want, "reconnect = no: the start notification is closed at the end");
        }
        is_int(inproc_server_count(w.server, "Notify"), 1, "…and no end notification is shown");

        /* Open-ended: nothing to extend. */
        inproc_act(w.m, inproc_at("10:10"), ACTION_RECHARGE, NULL, 0, "");
        c = shown(&w, 2, "an open-ended manual recharge");
        if (c) {
                is_str(c->summary, "Recharging", "…without a message: no colon");
                is_str(c->body, "Until you end it.", "…until you end it");
                is_str(c->actions, "stop|End now", "…End now only: an open-ended recharge cannot be extended");
        }
        inproc_act(w.m, inproc_at("10:15"), ACTION_STOP, NULL, 0, NULL);
        inproc_settle(w.server);

        /* A server without the actions capability. */
        w.server = inproc_server_free(w.server);
        w.server = inproc_server_new("body");
        inproc_act(w.m, inproc_at("10:20"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "");
        c = shown(&w, 1, "a recharge on a server without actions");
        if (c) {
                is_str(c->summary, "Recharging", "…its summary");
                is_str(c->actions, "", "a server without the actions capability gets no actions");
        }
        inproc_act(w.m, inproc_at("10:25"), ACTION_STOP, NULL, 0, NULL);
        inproc_settle(w.server);
        world_free(&w);

        /* One with body markup: the message is escaped in the body, not in the summary. */
        w = world_new("[x]\ntype = selfcare\nat = 23:00\n", "body body-markup actions", inproc_at("10:00"));
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Tea & <biscuits>");
        inproc_act(w.m, inproc_at("10:30"), ACTION_STOP, NULL, 0, NULL);
        c = shown(&w, 2, "the end on a markup server");
        if (c) {
                is_str(c->body, "&apos;Tea &amp; &lt;biscuits&gt;&apos; is over. Welcome back.",
                       "a server with body markup gets the message escaped");
                is_str(inproc_server_call(w.server, "Notify", 0)->summary, "Recharging: Tea & <biscuits>",
                       "…and the summary as it is (the spec has no markup there)");
        }
        world_free(&w);
}

/* A start the user dismissed is not brought back by its end: that one comes anew. */
static void test_dismissed(void) {
        World w = world_new("[x]\ntype = selfcare\nat = 23:00\n", "body actions", inproc_at("10:00"));
        const InprocCall *c;

        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Dismissed");
        c = shown(&w, 1, "the start");
        if (!c)
                return world_free(&w);
        /* Reason 2: dismissed by the user. */
        is_int(inproc_server_closed(w.server, c->id, 2), 0, "the user dismisses it");
        inproc_act(w.m, inproc_at("10:10"), ACTION_STOP, NULL, 0, NULL);
        c = shown(&w, 2, "the end");
        if (c) {
                is_int(c->replaces_id, 0, "the end of a dismissed start is a new notification");
                is_str(c->summary, "Time to reconnect", "…the nudge to reconnect");
        }
        world_free(&w);
}

/* ---- a restart in the middle of a recharge: its end still replaces its start ---- */

static void test_restart(void) {
        const char *conf = "[x]\ntype = selfcare\nat = 23:00\n";
        World w = world_new(conf, "body actions", inproc_at("10:00"));
        const InprocCall *c;
        char want[128];
        uint32_t id;

        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Across a restart");
        c = shown(&w, 1, "the start before a restart");
        if (!c)
                return world_free(&w);
        id = c->id;
        snprintf(want, sizeof want, " %u \"Across a restart\"", id);
        ok(state_has(want), "the start notification's id and the message are kept in the state file");

        /* As kill -9 leaves it: what was saved at each change, and nothing at exit. */
        w.notifier = notifier_free(w.notifier);
        w.m = inproc_manager_restart(w.m, conf);
        if (notifier_new(w.m, &w.notifier) < 0)
                abort();
        inproc_begin(w.m, inproc_at("10:10"));
        is_str(mode_to_string(w.m->status.mode), "recharging", "after the restart the recharge goes on");
        inproc_act(w.m, inproc_at("10:20"), ACTION_STOP, NULL, 0, NULL);
        c = shown(&w, 2, "the end after a restart");
        if (c) {
                is_int(c->replaces_id, id, "after a restart the end replaces the start notification (none left stuck on screen)");
                is_str(c->body, "'Across a restart' is over. Welcome back.", "…and names what ended");
        }
        world_free(&w);
}

/* ---- away from the screen: held reminders, the welcome back ---- */

static void test_away(void) {
        World w = world_new("[general]\nheads-up = 0\n\n"
                            "[block]\ntype = recharge\nstart = 21:00\nduration = 30min\nmessage = Evening walk\n\n"
                            "[ping]\ntype = selfcare\nat = 21:40\nmessage = Drink water\n",
                            "body actions", inproc_at("20:00"));
        const InprocCall *c;
        uint32_t start_id;

        inproc_advance(w.m, w.server, inproc_at("21:00"));
        c = shown(&w, 1, "the block's start");
        if (!c)
                return world_free(&w);
        start_id = c->id;
        inproc_now = inproc_at("21:10");
        manager_set_presence(w.m, PRESENCE_LOCKED, inproc_at("21:10"), inproc_at("21:10"));
        inproc_advance(w.m, w.server, inproc_at("21:50"));
        inproc_settle(w.server);
        is_int(inproc_server_count(w.server, "Notify"), 1, "away: neither the end nor the reminder is shown");
        inproc_now = inproc_at("22:00");
        manager_set_presence(w.m, PRESENCE_ACTIVE, 0, inproc_at("22:00"));
        ok(inproc_server_wait(w.server, "Notify", 3), "back: two notifications");
        inproc_settle(w.server);
        c = inproc_server_call(w.server, "Notify", 1);
        if (c && streq(c->summary, "Welcome back")) {
                is_int(c->replaces_id, start_id, "the welcome back replaces the start notification");
                is_str(c->body, "'Evening walk' ended at 21:30 while you were away.", "…and says when it ended");
                is_str(c->actions, "", "…no actions");
        } else
                ok(false, "the welcome back comes first (got '%s')", c ? c->summary : "nothing");
        c = inproc_server_call(w.server, "Notify", 2);
        if (c) {
                is_str(c->summary, "Drink water", "the reminder held while away is shown at the return");
                is_str(c->actions, REMINDER_ACTIONS, "…with Done and Snooze");
        }
        is_int(inproc_server_count(w.server, "Notify"), 3, "…once each");
        world_free(&w);
}

/* ---- servers that are absent, hang, leave or answer wrongly: the manager answers on ---- */

/* GetStatus over the bus, from another program: answered while a notification waits. */
static bool status_answers(Manager *m) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = inproc_bus_connect();
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply =
                inproc_call(bus, "org.recharged.Recharged1", "/org/recharged/Recharged1", "org.recharged.Recharged1",
                            "GetStatus", NULL);

        return reply && !sd_bus_message_is_method_error(reply, NULL);
}

static void recharge_and_stop(World *w, usec_t t, const char *message) {
        inproc_act(w->m, t, ACTION_RECHARGE, NULL, USEC_PER_HOUR, message);
        inproc_act(w->m, t + USEC_PER_MINUTE, ACTION_STOP, NULL, 0, NULL);
}

static void test_no_server(void) {
        World w = world_new("[x]\ntype = selfcare\nat = 23:00\n", NULL, inproc_at("10:00"));
        const InprocCall *c;

        inproc_log_mark();
        for (int k = 0; k < 3; k++)
                recharge_and_stop(&w, inproc_at("10:00") + k * 10 * USEC_PER_MINUTE, "Alone");
        /* Six events, six GetCapabilities answered by the bus with "no such name". */
        ok(inproc_log_wait("No notification server on the session bus", 1), "without a server the manager says so");
        ok(inproc_log_wait("Notification server still not answering", 5), "…each of the six events tried");
        is_int(inproc_log_count("No notification server on the session bus"), 1, "…said once, not once per event");
        ok(status_answers(w.m), "…and GetStatus keeps being answered");

        w.server = inproc_server_new("body actions");
        inproc_act(w.m, inproc_at("11:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Server is back");
        c = shown(&w, 1, "a recharge once a server appeared");
        is_str(c ? c->summary : NULL, "Recharging: Server is back", "a server that appears later is used at the next event");
        is_int(inproc_log_count("The notification server answers again"), 1, "…and the log says it is back");
        world_free(&w);
}

static void test_hanging_servers(void) {
        World w = world_new("[x]\ntype = selfcare\nat = 23:00\n", "body actions", inproc_at("10:00"));
        InprocServer *hung;

        /* What takes 5 s with a daemon takes a quarter of a second here, through the same sd-bus
         * timeout: still far more than an answer takes, under valgrind too. */
        notifier_set_call_timeout(w.notifier, 250 * USEC_PER_MSEC);
        hung = w.server;
        inproc_server_answer(hung, INPROC_HOLD);
        inproc_log_mark();
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Into the void");
        ok(inproc_server_wait(hung, "Notify", 1) && inproc_server_held(hung) == 1,
           "the stuck server has our Notify and does not answer it");
        ok(status_answers(w.m), "GetStatus is answered while the Notify waits");
        is_int(inproc_act(w.m, inproc_at("10:05"), ACTION_STOP, NULL, 0, NULL), 0, "Stop is done while it waits");
        ok(inproc_log_wait("did not answer within 0.25 s", 1), "after the timeout the log says the server does not answer");
        ok(inproc_log_wait("Notification server still not answering", 1), "the next event's notification times out too");
        is_int(inproc_log_count("did not answer"), 1, "…and that is said once");
        ok(status_answers(w.m), "GetStatus is still answered");

        /* The stuck server goes away: a new kind of failure, said once more. */
        w.server = inproc_server_free(hung);
        recharge_and_stop(&w, inproc_at("10:10"), "Nobody now");
        ok(inproc_log_wait("No notification server on the session bus", 1), "a server that hung and then left: 'no server' is said");
        ok(inproc_log_wait("Notification server still not answering", 2), "…for both events");
        is_int(inproc_log_count("No notification server on the session bus"), 1, "…once");
        is_int(inproc_log_count("did not answer"), 1, "…and the hang is not said again");

        /* A server that leaves the bus while it holds our Notify: the bus's reason is said. */
        notifier_set_call_timeout(w.notifier, NOTIFY_CALL_TIMEOUT_USEC);
        w.server = inproc_server_new("body actions");
        inproc_server_answer(w.server, INPROC_HOLD);
        inproc_log_mark();
        inproc_act(w.m, inproc_at("10:20"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Left holding it");
        ok(inproc_server_wait(w.server, "Notify", 1) && inproc_server_held(w.server) == 1,
           "another stuck server holds our Notify");
        w.server = inproc_server_free(w.server);
        ok(inproc_log_wait("did not answer (Message recipient disconnected", 1),
           "it leaves the bus: the log gives the bus's reason, not a timeout");
        inproc_act(w.m, inproc_at("10:25"), ACTION_STOP, NULL, 0, NULL);

        /* A server whose answer to Notify has the wrong type: what was wrong is said. */
        w.server = inproc_server_new("body");
        inproc_server_answer(w.server, INPROC_WRONG_TYPE);
        inproc_log_mark();
        inproc_act(w.m, inproc_at("10:30"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Wrong answer");
        ok(inproc_log_wait("answered Notify with 's' where an id ('u') belongs", 1),
           "a Notify answered with a string is logged as what was wrong");
        is_int(inproc_log_count("No such device or address"), 0, "…not as 'No such device or address'");
        is_str(mode_to_string(w.m->status.mode), "recharging", "…and the recharge is on");
        inproc_act(w.m, inproc_at("10:35"), ACTION_STOP, NULL, 0, NULL);
        inproc_settle(w.server);
        w.server = inproc_server_free(w.server);

        /* A Notify still unanswered when the notifier goes (the daemon's exit). */
        w.server = inproc_server_new("body actions");
        inproc_server_answer(w.server, INPROC_HOLD);
        inproc_act(w.m, inproc_at("10:40"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Pending at exit");
        ok(inproc_server_wait(w.server, "Notify", 1) && inproc_server_held(w.server) == 1,
           "a third stuck server holds our Notify");
        w.notifier = notifier_free(w.notifier);
        /* Its answer comes after: nobody waits for it any more (ASan and valgrind watch this). */
        inproc_server_release(w.server);
        inproc_settle(w.server);
        ok(status_answers(w.m), "the notifier goes with the call pending, and its late answer is dropped");
        world_free(&w);
}

/* An end that comes before the start's Notify is answered still replaces that start. */
static void test_end_waits_for_start(void) {
        World w = world_new("[x]\ntype = selfcare\nat = 23:00\n", "body actions", inproc_at("10:00"));
        const InprocCall *c;

        inproc_server_answer(w.server, INPROC_HOLD);
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Back to back");
        ok(inproc_server_wait(w.server, "Notify", 1) && inproc_server_held(w.server) == 1,
           "the start's Notify is held by the server");
        inproc_log_mark();
        is_int(inproc_act(w.m, inproc_at("10:01"), ACTION_STOP, NULL, 0, NULL), 0, "Stop is done while it is held");
        is_int(inproc_log_count("The end notification waits for the start's to be answered"), 1,
               "…the end notification waits for the start's id");
        inproc_settle(w.server);
        is_int(inproc_server_count(w.server, "Notify"), 1, "…and is not sent meanwhile");
        inproc_server_release(w.server);
        c = inproc_server_wait(w.server, "Notify", 2);
        if (c) {
                is_str(inproc_server_call(w.server, "Notify", 0)->summary, "Recharging: Back to back", "the start came first");
                is_int(c->replaces_id, inproc_server_call(w.server, "Notify", 0)->id,
                       "once the start has its id, the end replaces it");
                is_str(c->summary, "Time to reconnect", "…the end");
        }
        world_free(&w);
}

int main(void) {
        inproc_setup();

        test_rows();
        test_reminder_done();
        test_actions();
        test_overlap();
        test_manual_and_capabilities();
        test_dismissed();
        test_restart();
        test_away();
        test_no_server();
        test_hanging_servers();
        test_end_waits_for_start();
        return tap_done();
}
