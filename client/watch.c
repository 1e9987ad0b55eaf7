/* SPDX-License-Identifier: MIT */
/* watch.c: rechargectl watch: a line per change from PropertiesChanged (recharged's and
 * recharged-share's), one a minute while a countdown is shown, through restarts of either
 * (NameOwnerChanged); never polls. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "bus-call.h"
#include "macro.h"
#include "names.h"
#include "rechargectl.h"

typedef struct Watch {
        Ctl *ctl;
        sd_event *event;
        sd_bus *bus;
        sd_event_source *timer;
        sd_bus_slot *get_slot;
        sd_bus_slot *share_slot;
        Status status;
        char *last;      /* the line printed last: the same state is not printed twice */
        char *reason;    /* why the last GetStatus found nobody */
        int exit_code;
} Watch;

static void watch_print(Watch *w) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        usec_t next;
        FILE *f;

        w->ctl->out.now = now_usec();
        f = open_memstream(&line, &n);
        if (!f)
                return;
        output_status(f, w->ctl->format, true, &w->status, &w->ctl->out);
        if (fclose(f) != 0 || !line)
                return;

        if (!w->last || !streq(w->last, line)) {
                if (fputs(line, stdout) < 0 || fflush(stdout) != 0) {
                        /* the reader went away (SIGPIPE is ignored): a clean end */
                        sd_event_exit(w->event, 0);
                        return;
                }
                free(w->last);
                w->last = TAKE_PTR(line);
        }

        /* Only while something counts down (or the partner's words age) does the clock alone
         * change the line. */
        next = status_next_refresh(&w->status, w->ctl->out.now);
        if (w->status.online) {
                usec_t p = partner_next_refresh(&w->status.share, &w->ctl->out);
                if (p != 0 && (next == 0 || p < next))
                        next = p;
        }
        if (next == 0) {
                (void) sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(w->timer, next);
        (void) sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        watch_print(userdata);
        return 0;
}

/* recharged's status is replaced whole; recharged-share's part, asked apart, stays. */
static void status_replace(Watch *w, Status *fresh) {
        ShareStatus share = w->status.share;

        w->status.share = fresh->share;
        fresh->share = share;
        status_done(&w->status);
        w->status = *fresh;
        *fresh = (Status) {};
}

static void set_offline(Watch *w) {
        Status fresh;

        if (status_init(&fresh) < 0)
                return;
        status_replace(w, &fresh);
        watch_print(w);
}

static int on_status(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        Status fresh;
        int r;

        w->get_slot = sd_bus_slot_unref(w->get_slot);
        if (e) {
                int err = -sd_bus_message_get_errno(reply);
                if (!bus_error_is_offline(e, err))
                        fprintf(stderr, "%s\n", e->message ?: e->name);
                else {
                        free(w->reason);
                        w->reason = bus_offline_reason(e, err);
                        w->ctl->out.offline_reason = w->reason;
                        if (w->reason && w->ctl->format != OUTPUT_WAYBAR)
                                fprintf(stderr, "%s\n", w->reason);
                }
                set_offline(w);
                return 0;
        }
        if (status_init(&fresh) < 0)
                return 0;
        r = status_read(reply, &fresh);
        if (r < 0) {
                fprintf(stderr, "Failed to read recharged's status: %s\n", strerror(-r));
                status_done(&fresh);
                return 0;
        }
        fresh.online = true;
        status_replace(w, &fresh);
        watch_print(w);
        return 0;
}

/* ---- recharged-share: its absence, its slowness or its errors only hide its lines ---- */

static void share_set(Watch *w, ShareStatus *fresh) {
        share_status_done(&w->status.share);
        w->status.share = *fresh;
        *fresh = (ShareStatus) {};
        /* Shown only beside recharged's status: before it arrives (or while recharged is away)
         * there is no line to add to. */
        if (w->status.online)
                watch_print(w);
}

static void share_gone(Watch *w) {
        ShareStatus none;

        if (share_status_init(&none) >= 0)
                share_set(w, &none);
}

static int on_share(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        ShareStatus fresh;

        w->share_slot = sd_bus_slot_unref(w->share_slot);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                share_gone(w);
                return 0;
        }
        if (share_status_init(&fresh) < 0)
                return 0;
        if (share_status_read(reply, &fresh) < 0) {
                share_status_done(&fresh);
                share_gone(w);
                return 0;
        }
        fresh.online = true;
        share_set(w, &fresh);
        return 0;
}

static int get_share(Watch *w) {
        w->share_slot = sd_bus_slot_unref(w->share_slot); /* a newer answer wins */
        return bus_get_share_async(w->bus, &w->share_slot, SHARE_STATUS_TIMEOUT, on_share, w);
}

static int on_share_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        const char *iface;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, SHARE1_INTERFACE))
                return 0;
        if (!w->status.share.online || w->share_slot) {
                /* not known yet, or an answer on its way: all of it, fresh */
                (void) get_share(w);
                return 0;
        }
        r = share_status_read(m, &w->status.share);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0 || sd_bus_message_at_end(m, false) == 0) {
                /* unreadable, or invalidated without values: ask for all of it */
                (void) get_share(w);
                return 0;
        }
        watch_print(w);
        return 0;
}

static int on_share_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || !streq(name, SHARE1_BUS_NAME))
                return 0;
        if (*new)
                (void) get_share(w);
        else {
                w->share_slot = sd_bus_slot_unref(w->share_slot);
                share_gone(w);
        }
        return 0;
}

static int get_status(Watch *w) {
        w->get_slot = sd_bus_slot_unref(w->get_slot); /* a newer answer wins */
        return sd_bus_call_method_async(w->bus, &w->get_slot, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH,
                                        RECHARGED_INTERFACE, "GetStatus", on_status, w, NULL);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        const char *iface;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, RECHARGED_INTERFACE))
                return 0;
        r = status_read(m, &w->status);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "s");
        if (r >= 0 && sd_bus_message_at_end(m, false) == 0) {
                /* invalidated without values: ask for all of it */
                (void) get_status(w);
                return 0;
        }
        if (r < 0) {
                (void) get_status(w);
                return 0;
        }
        w->status.online = true;
        watch_print(w);
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || !streq(name, RECHARGED_BUS_NAME))
                return 0;
        if (*new)
                (void) get_status(w); /* back: its status now */
        else
                set_offline(w);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        sd_event_exit(sd_event_source_get_event(s), 0);
        return 0;
}

static int on_stdout_error(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        /* the reading end of the pipe was closed: nobody is listening any more */
        sd_event_exit(sd_event_source_get_event(s), 0);
        return 0;
}

int verb_watch(Ctl *c, int argc, char **argv) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        Watch w = { .ctl = c };
        sigset_t mask;
        int r, code = 0;

        _cleanup_free_ char *reason = NULL;
        bool offline_now;

        r = bus_open(&w.bus);
        if (r < 0) {
                fprintf(stderr, "%s\n", NOT_RUNNING_TEXT);
                return EXIT_REFUSED;
        }
        c->bus = w.bus;
        bus_set_timeout(w.bus, RECHARGECTL_STATUS_TIMEOUT);
        /* A config recharged refuses: offline at once, and no activation until it comes by itself. */
        offline_now = bus_check_startable(w.bus, &reason) < 0;
        c->out.offline_reason = reason;
        r = ctl_tz(c);
        if (r < 0 || status_init(&w.status) < 0)
                return EXIT_REFUSED;
        c->out.color = c->format == OUTPUT_HUMAN && output_want_color();

        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&event);
        if (r < 0)
                goto fail;
        w.event = event;
        (void) sd_event_add_signal(event, NULL, SIGINT, on_signal, NULL);
        (void) sd_event_add_signal(event, NULL, SIGTERM, on_signal, NULL);
        (void) sd_event_add_signal(event, NULL, SIGHUP, on_signal, NULL);
        /* Works where stdout can be polled (a pipe, a socket); a file or a tty just never fires. */
        (void) sd_event_add_io(event, NULL, STDOUT_FILENO, 0, on_stdout_error, NULL);
        r = sd_event_add_time(event, &w.timer, CLOCK_REALTIME, 0, 1, on_timer, &w);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(w.timer, SD_EVENT_OFF);

        r = sd_bus_attach_event(w.bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto fail;
        r = sd_bus_set_exit_on_disconnect(w.bus, true);
        if (r < 0)
                goto fail;
        /* The matches first, then the status: no change can fall between the two. */
        r = sd_bus_add_match(w.bus, NULL,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" RECHARGED_BUS_NAME "'",
                             on_name_owner_changed, &w);
        if (r >= 0)
                r = sd_bus_add_match(w.bus, NULL,
                                     "type='signal',sender='" RECHARGED_BUS_NAME "',path='" RECHARGED_OBJECT_PATH "',"
                                     "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                     "arg0='" RECHARGED_INTERFACE "'",
                                     on_properties_changed, &w);
        if (r < 0)
                goto fail;
        /* recharged-share the same way; a failure here only costs its lines */
        if (sd_bus_add_match(w.bus, NULL,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" SHARE1_BUS_NAME "'",
                             on_share_owner_changed, &w) >= 0 &&
            sd_bus_add_match(w.bus, NULL,
                             "type='signal',sender='" SHARE1_BUS_NAME "',path='" SHARE1_OBJECT_PATH "',"
                             "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                             "arg0='" SHARE1_INTERFACE "'",
                             on_share_properties_changed, &w) >= 0)
                (void) get_share(&w);
        if (offline_now) {
                fprintf(stderr, "%s\n", reason);
                watch_print(&w);
        } else {
                /* A bar shows "offline" while an activation runs, not nothing. */
                if (c->format == OUTPUT_WAYBAR && bus_name_has_owner(w.bus) == 0)
                        watch_print(&w);
                r = get_status(&w);
                if (r < 0)
                        goto fail;
        }

        r = sd_event_loop(event);
        if (r < 0)
                goto fail;
        /* our own handlers end with 0; sd-bus ends the loop with 1 when the bus itself went away */
        if (r != 0) {
                fprintf(stderr, "Lost the connection to the session bus.\n");
                code = EXIT_REFUSED;
        }
        goto done;

fail:
        fprintf(stderr, "Failed to watch recharged: %s\n", strerror(-r));
        code = EXIT_REFUSED;
done:
        w.get_slot = sd_bus_slot_unref(w.get_slot);
        w.share_slot = sd_bus_slot_unref(w.share_slot);
        w.timer = sd_event_source_unref(w.timer);
        sd_bus_detach_event(w.bus);
        status_done(&w.status);
        free(w.last);
        free(w.reason);
        c->out.offline_reason = NULL;
        return code;
}
