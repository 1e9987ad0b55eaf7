/* SPDX-License-Identifier: MIT */
/* test-loop.c: sd-event inside GLib's main loop (daemon/loop.c): timers fire on time, a busy GLib
 * source of higher priority (which makes GLib skip check() and leaves sd-event ARMED) wedges
 * nothing, sd_event_exit() ends g_main_loop_run() with its code, and a failing sd-event ends the
 * loop with the error instead of spinning. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "tap.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <glib.h>

#define ROUNDS 50

static unsigned fired, glib_ticks;
static uint64_t worst_late;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int on_time(sd_event_source *s, uint64_t usec, void *userdata) {
        uint64_t now = now_usec();

        if (now - usec > worst_late)
                worst_late = now - usec;
        if (++fired == ROUNDS)
                return sd_event_exit(sd_event_source_get_event(s), 42);
        (void) sd_event_source_set_time(s, now + 2000);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int other_exit_ran;
static int on_other_exit(sd_event_source *s, void *userdata) {
        other_exit_ran++;
        return 0;
}

static gboolean on_glib_tick(gpointer userdata) {
        glib_ticks++;
        return G_SOURCE_CONTINUE;
}

static bool guard_fired;
static gboolean on_guard(gpointer userdata) {
        guard_fired = true;
        /* An exit is handled before any wait: it ends even a spinning loop. */
        (void) sd_event_exit(userdata, 99);
        return G_SOURCE_REMOVE;
}

static int on_never(sd_event_source *s, uint64_t usec, void *userdata) {
        return 0;
}

/* sd-event's epoll fd replaced by a regular file: poll() says it is always ready and every
 * sd_event_wait() fails with EINVAL, the shape of a loop that can no longer run (seen under a
 * faked clock). The loop must end with the error, not spin. */
static void test_failing_loop(void) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        sd_event_source *t = NULL;
        FILE *f;
        guint guard;
        int r;

        r = sd_event_new(&e);
        ok(r >= 0, "failing loop: sd_event_new");
        r = sd_event_add_time(e, &t, CLOCK_MONOTONIC, now_usec() + 3600 * 1000000ULL, 1, on_never, NULL);
        ok(r >= 0, "failing loop: a timer an hour ahead");
        f = tmpfile();
        ok(f && dup2(fileno(f), sd_event_get_fd(e)) >= 0, "failing loop: the epoll fd is now a plain file");
        /* Should the loop spin after all, this ends the test instead of hanging it. */
        guard = g_timeout_add_seconds(20, on_guard, e);

        r = loop_run(e);
        ok(r == -EINVAL, "a failing sd_event_wait() ends the loop with its error (got %d)", r);
        ok(!guard_fired, "…at once, not after the guard's 20 s");
        if (!guard_fired)
                g_source_remove(guard);
        sd_event_source_unref(t);
        if (f)
                fclose(f);
}

int main(void) {
        sd_event *e = NULL;
        sd_event_source *t = NULL;
        guint tick;
        int r;

        r = sd_event_new(&e);
        ok(r >= 0, "sd_event_new");
        r = sd_event_add_time(e, &t, CLOCK_MONOTONIC, now_usec() + 2000, 1, on_time, NULL);
        ok(r >= 0, "a 2 ms sd-event timer");
        r = sd_event_add_exit(e, NULL, on_other_exit, NULL);
        ok(r >= 0, "another exit handler, as sd-bus adds one");
        /* Ready about as often as the sd-event timer, and always first when both are. */
        tick = g_timeout_add_full(G_PRIORITY_HIGH, 1, on_glib_tick, NULL, NULL);

        r = loop_run(e);
        ok(r == 42, "sd_event_exit(42) ends the GLib loop with 42 (got %d)", r);
        ok(fired == ROUNDS, "every sd-event timer fired (%u of %d)", fired, ROUNDS);
        ok(glib_ticks > 0, "the GLib source ran alongside (%u times)", glib_ticks);
        /* A wedge holds a timer up for good (the loop never ends); how late each one is on a loaded
         * machine or under valgrind (0.2 s seen) is the machine's business, not this test's. */
        ok(worst_late < 5000000, "no sd-event timer was held up (worst %llu µs late)", (unsigned long long) worst_late);
        ok(other_exit_ran == 1, "the other exit handler ran before the loop quit");

        g_source_remove(tick);
        sd_event_source_unref(t);
        sd_event_unref(e);

        test_failing_loop();
        return tap_done();
}
