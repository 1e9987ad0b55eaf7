/* SPDX-License-Identifier: MIT */
/* test-silence.c: silencing (daemon/silence*.c) and the notifier in-process, on a private bus with
 * a recording server that says it is mako (tests/lib/inproc.h): mako 1.7 crashes when its modes
 * change while it draws, so our own notifications must reach it only after a change of modes is
 * done, at a recharge's start and at its end, whatever mako takes to answer; nothing else waits.
 * The real mako under sway: test-silence-mako.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inproc.h"
#include "log.h"
#include "notify.h"
#include "silence.h"
#include "tap.h"

typedef struct World {
        Manager *m;
        Notifier *notifier;
        Silence *silence;
        InprocServer *server;
        size_t mark;             /* calls before it are not looked at */
} World;

/* modes: mako's modes, NULL for a server silencing does not know. */
static World world_new(const char *conf, const char *modes, usec_t now) {
        World w = {};

        w.m = inproc_manager_new(conf);
        w.server = inproc_server_new("body actions");
        if (modes)
                inproc_server_be_mako(w.server, modes);
        if (notifier_new(w.m, &w.notifier) < 0 || silence_new(w.m, &w.silence) < 0)
                abort();
        /* The order is tested here; the wait between changes, on real time, in test_settle(). */
        silence_set_settle(w.silence, 0);
        inproc_begin(w.m, now);
        inproc_settle(w.server);
        return w;
}

static void world_free(World *w) {
        w->silence = silence_free(w->silence);
        w->notifier = notifier_free(w->notifier);
        w->server = inproc_server_free(w->server);
        inproc_manager_free(w->m);
        w->m = NULL;
}

/* The calls since the last mark, in the order the server got them: "ListModes SetModes(a,b)
 * Notify(summary)", and a new mark. */
static char *calls(World *w) {
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        const InprocCall *c;

        if (!f)
                abort();
        for (; (c = inproc_server_call(w->server, NULL, w->mark)); w->mark++) {
                fprintf(f, "%s%s", ftell(f) > 0 ? " " : "", c->method);
                if (streq(c->method, "SetModes"))
                        fprintf(f, "(%s)", c->body);
                else if (streq(c->method, "Notify"))
                        fprintf(f, "(%s)", c->summary);
        }
        fclose(f);
        return out;
}

static bool no_held(void *data) {
        return inproc_server_held(data) == 0;
}

static const char conf[] = "[general]\nheads-up = 0\n\n[x]\ntype = selfcare\nat = 23:00\n";

static void test_order(void) {
        World w = world_new(conf, "default,work", inproc_at("10:00"));
        _cleanup_free_ char *begun = calls(&w);

        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Quiet");
        inproc_server_wait(w.server, "Notify", 1);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities GetServerInformation ListModes SetModes(default,work,do-not-disturb) "
                            "Notify(Recharging: Quiet)",
                       "a start: mako's modes change first, our start notification comes after");
        }
        inproc_act(w.m, inproc_at("10:20"), ACTION_STOP, NULL, 0, NULL);
        inproc_server_wait(w.server, "Notify", 2);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities ListModes SetModes(default,work) Notify(Time to reconnect)",
                       "an end: do-not-disturb is taken out first, the end notification comes after");
        }
        is_int(inproc_server_call(w.server, "Notify", 1)->replaces_id, inproc_server_call(w.server, "Notify", 0)->id,
               "…and the end replaces the start");

        is_str(begun, "", "nothing was sent at a start without a recharge");
        world_free(&w);
}

/* A block with a reminder inside: the reminder is held while the block lasts and released at its
 * end, after the modes, with the end notification. */
static void test_block(void) {
        World w = world_new("[general]\nheads-up = 5min\n\n[b]\ntype = recharge\nstart = 22:50\nend = 23:10\n\n"
                            "[x]\ntype = selfcare\nat = 23:00\n",
                            "default", inproc_at("22:00"));

        free(calls(&w));
        inproc_advance(w.m, w.server, inproc_at("22:45"));
        inproc_server_wait(w.server, "Notify", 1);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities Notify(Recharge soon: b)", "the heads-up goes at once: no change of modes");
        }
        inproc_advance(w.m, w.server, inproc_at("23:05"));
        {
                _cleanup_free_ char *got = calls(&w);
                /* The heads-up is closed as its moment has passed: closing redraws too. */
                is_str(got, "GetCapabilities GetServerInformation ListModes SetModes(default,do-not-disturb) "
                            "CloseNotification Notify(Recharging: b)",
                       "the block's start: the modes first, then the heads-up closed and the start shown; the "
                       "reminder at 23:00 is held");
        }
        inproc_advance(w.m, w.server, inproc_at("23:15"));
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities GetCapabilities ListModes SetModes(default) Notify(Time to reconnect) "
                            "Notify(x)",
                       "the block's end: the modes first, then the end and the released reminder, in order");
        }
        world_free(&w);
}

/* mako slow to answer SetModes: our notification waits for its answer, however long. */
static void test_slow_mako(void) {
        World w = world_new(conf, "default", inproc_at("10:00"));

        inproc_server_answer(w.server, INPROC_HOLD);
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Slow");
        inproc_server_wait(w.server, "SetModes", 1);
        inproc_settle(w.server);
        is_int(inproc_server_held(w.server), 1, "mako holds SetModes unanswered");
        is_int(inproc_server_count(w.server, "Notify"), 0, "…and no notification of ours reaches it meanwhile");
        is_int(inproc_server_count(w.server, "GetCapabilities"), 1, "…though the notifier asked its capabilities");
        free(calls(&w));
        inproc_server_release(w.server);
        inproc_server_wait(w.server, "Notify", 1);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "Notify(Recharging: Slow)", "once mako answers, the start notification goes");
        }
        ok(inproc_log_wait("Holding other apps' notifications on mako", 1), "…and the hold is logged");

        inproc_server_answer(w.server, INPROC_HOLD);
        inproc_act(w.m, inproc_at("10:10"), ACTION_STOP, NULL, 0, NULL);
        inproc_server_wait(w.server, "SetModes", 2);
        inproc_settle(w.server);
        is_int(inproc_server_count(w.server, "Notify"), 1, "at the end, too, nothing is sent while SetModes waits");
        inproc_server_release(w.server);
        inproc_server_wait(w.server, "Notify", 2);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities ListModes SetModes(default) Notify(Time to reconnect)",
                       "…then the end notification goes");
        }
        (void) inproc_run(no_held, w.server, "the held calls answered");
        world_free(&w);
}

/* Recharge and Stop at once: the release follows the hold without a gap, and our two
 * notifications wait for both. */
static void test_hold_then_release(void) {
        World w = world_new(conf, "default", inproc_at("10:00"));

        free(calls(&w));
        inproc_server_answer(w.server, INPROC_HOLD);
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Brief");
        inproc_server_wait(w.server, "SetModes", 1);
        inproc_act(w.m, inproc_at("10:00"), ACTION_STOP, NULL, 0, NULL);
        inproc_settle(w.server);
        is_int(inproc_server_count(w.server, "Notify"), 0, "a stop while the hold waits: nothing sent yet");
        inproc_server_answer(w.server, INPROC_ANSWER);
        inproc_server_release(w.server);
        inproc_server_wait(w.server, "Notify", 2);
        {
                _cleanup_free_ char *got = calls(&w);
                /* The end asks its capabilities once the start's id is known, to replace it. */
                is_str(got, "GetCapabilities GetServerInformation ListModes SetModes(default,do-not-disturb) "
                            "ListModes SetModes(default) Notify(Recharging: Brief) GetCapabilities "
                            "Notify(Time to reconnect)",
                       "the hold, then the release at once, then both notifications in order");
        }
        world_free(&w);
}

/* A server silencing does not know: our notifications wait for nothing but the question. */
static void test_other_server(void) {
        World w = world_new(conf, NULL, inproc_at("10:00"));

        free(calls(&w));
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Elsewhere");
        inproc_server_wait(w.server, "Notify", 1);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities GetServerInformation Notify(Recharging: Elsewhere)",
                       "an unknown server: the start goes once silencing knows there is nothing to do");
        }
        inproc_act(w.m, inproc_at("10:10"), ACTION_STOP, NULL, 0, NULL);
        inproc_server_wait(w.server, "Notify", 2);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities Notify(Time to reconnect)", "…and the end at once");
        }
        world_free(&w);
}

/* mako leaves while SetModes waits: the hold fails, and our notification still goes. */
static void test_mako_leaves(void) {
        World w = world_new(conf, "default", inproc_at("10:00"));

        inproc_server_answer(w.server, INPROC_HOLD);
        inproc_log_mark();
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Gone");
        inproc_server_wait(w.server, "SetModes", 1);
        w.server = inproc_server_free(w.server);
        ok(inproc_log_wait("Failed to hold the notifications of mako", 1), "mako leaves mid-change: said");
        ok(inproc_log_wait("the start notification is not shown", 1),
           "…and the start notification is sent anyway: the bus says no server is there");
        world_free(&w);
}

static usec_t monotonic(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* A recharge stopped right after it began: mako is given MAKO_SETTLE_USEC after our start
 * notification before its modes change again, and the end waits for that too. */
static void test_settle(void) {
        World w = world_new(conf, "default", inproc_at("10:00"));
        usec_t t0;

        silence_set_settle(w.silence, MAKO_SETTLE_USEC);
        free(calls(&w));
        inproc_log_mark();
        t0 = monotonic();
        inproc_act(w.m, inproc_at("10:00"), ACTION_RECHARGE, NULL, USEC_PER_HOUR, "Short");
        inproc_server_wait(w.server, "Notify", 1);
        inproc_act(w.m, inproc_at("10:00"), ACTION_STOP, NULL, 0, NULL);
        ok(inproc_log_wait("Changing mako's modes in ", 1), "a stop right after the start: the change waits (logged)");
        inproc_server_wait(w.server, "Notify", 2);
        {
                _cleanup_free_ char *got = calls(&w);
                is_str(got, "GetCapabilities GetServerInformation ListModes SetModes(default,do-not-disturb) "
                            "Notify(Recharging: Short) GetCapabilities ListModes SetModes(default) "
                            "Notify(Time to reconnect)",
                       "…and the order stays: the modes, then ours");
        }
        ok(monotonic() - t0 >= MAKO_SETTLE_USEC, "…the release came at least %.1f s after the start",
           (double) MAKO_SETTLE_USEC / USEC_PER_SEC);
        world_free(&w);
}

int main(void) {
        inproc_setup();

        test_order();
        test_block();
        test_slow_mako();
        test_hold_then_release();
        test_other_server();
        test_mako_leaves();
        test_settle();
        return tap_done();
}
