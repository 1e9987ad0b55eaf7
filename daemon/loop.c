/* SPDX-License-Identifier: MIT */
/* loop.c: sd-event as a GSource on GLib's default main context (the sd_event_get_fd(3) pattern). */
#include "log.h"
#include "loop.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <glib.h>

typedef struct SdEventSource {
        GSource source;
        sd_event *event;
        gpointer tag;
        GMainLoop *loop;
        int error;               /* the first failure of sd-event itself, 0 none */
} SdEventSource;

/* sd-event failed to prepare, wait or dispatch: the loop cannot go on. As sd_event_loop() does,
 * the failure ends it, logged once: carrying on would poll a ready fd that no turn can clear,
 * at full CPU with a log line per turn (seen under a faked clock: a full disk). The caller
 * exits non-zero and systemd restarts us. */
static gboolean event_fail(SdEventSource *s, int r, const char *what) {
        if (s->error == 0) {
                s->error = r;
                log_error_errno(r, "The event loop failed to %s, exiting: %m", what);
        }
        g_main_loop_quit(s->loop);
        return FALSE;
}

static gboolean event_prepare(GSource *source, gint *timeout) {
        SdEventSource *s = (SdEventSource *) source;
        int r;

        *timeout = -1; /* sd-event's own timerfds wake its epoll fd */

        switch (sd_event_get_state(s->event)) {
        case SD_EVENT_ARMED:
                /* GLib skips check() when a higher-priority source was ready, leaving sd-event
                 * armed; preparing again would fail with -EBUSY. Poll it instead (as
                 * NetworkManager's nm-sd.c does). */
                r = sd_event_wait(s->event, 0);
                if (r < 0)
                        return event_fail(s, r, "wait");
                return r > 0;
        case SD_EVENT_PENDING:
                return TRUE;
        case SD_EVENT_INITIAL:
                r = sd_event_prepare(s->event);
                if (r < 0)
                        return event_fail(s, r, "prepare");
                return r > 0;
        default:
                return FALSE; /* finishing or finished: nothing more to do */
        }
}

static gboolean event_check(GSource *source) {
        SdEventSource *s = (SdEventSource *) source;
        int r;

        if (sd_event_get_state(s->event) != SD_EVENT_ARMED)
                return sd_event_get_state(s->event) == SD_EVENT_PENDING;
        r = sd_event_wait(s->event, 0);
        if (r < 0)
                return event_fail(s, r, "wait");
        return r > 0;
}

static gboolean event_dispatch(GSource *source, GSourceFunc callback, gpointer user_data) {
        SdEventSource *s = (SdEventSource *) source;
        int r;

        if (sd_event_get_state(s->event) != SD_EVENT_PENDING)
                return G_SOURCE_CONTINUE;
        r = sd_event_dispatch(s->event);
        if (r < 0)
                (void) event_fail(s, r, "dispatch");
        return G_SOURCE_CONTINUE;
}

static void event_finalize(GSource *source) {
        SdEventSource *s = (SdEventSource *) source;

        s->event = sd_event_unref(s->event);
}

static GSourceFuncs event_funcs = {
        .prepare = event_prepare,
        .check = event_check,
        .dispatch = event_dispatch,
        .finalize = event_finalize,
};

static int on_exit_quit(sd_event_source *source, void *userdata) {
        g_main_loop_quit(userdata);
        return 0;
}

int loop_run(sd_event *e) {
        g_autoptr(GMainLoop) loop = NULL;
        SdEventSource *s;
        sd_event_source *exit_source = NULL;
        int fd, r, code = 0;

        fd = sd_event_get_fd(e);
        if (fd < 0)
                return log_error_errno(fd, "Failed to get the event loop's fd: %m");

        loop = g_main_loop_new(NULL, FALSE);

        r = sd_event_add_exit(e, &exit_source, on_exit_quit, loop);
        if (r < 0)
                return log_error_errno(r, "Failed to add the exit handler: %m");
        /* Last of the exit handlers, so the others (sd-bus flushing its queue) run first. */
        (void) sd_event_source_set_priority(exit_source, SD_EVENT_PRIORITY_IDLE);

        s = (SdEventSource *) g_source_new(&event_funcs, sizeof(SdEventSource));
        s->event = sd_event_ref(e);
        s->loop = loop;
        s->tag = g_source_add_unix_fd(&s->source, fd, G_IO_IN);
        g_source_set_name(&s->source, "sd-event");
        /* Re-entrant: GLib then skips taking and releasing the context around each dispatch. */
        g_source_set_can_recurse(&s->source, TRUE);
        g_source_attach(&s->source, NULL);

        g_main_loop_run(loop);

        /* Exit handlers ran inside dispatch; the loop is finished now. */
        r = sd_event_get_exit_code(e, &code);
        if (r < 0)
                code = 0;
        if (s->error < 0)
                code = s->error;

        g_source_destroy(&s->source);
        g_source_unref(&s->source);
        sd_event_source_disable_unref(exit_source);
        return code;
}
