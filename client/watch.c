/* SPDX-License-Identifier: MIT */
/* watch.c: rechargectl watch: a line per change from PropertiesChanged (recharged's and
 * recharged-share's), one a minute while a countdown is shown, through restarts of either
 * (NameOwnerChanged); never polls. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>

#include "bus-call.h"
#include "macro.h"
#include "names.h"
#include "rechargectl.h"

/* What watch says while there is no session bus to reach recharged on, and when it goes away. */
#define NO_BUS_TEXT "the session bus is not running; waiting for it to start"
#define LOST_BUS_TEXT "Lost the connection to the session bus."

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
        bool probing;    /* GetStatus sent without auto-start: nobody there means "may it start?" */
        int exit_code;
} Watch;

static int get_status(Watch *w, bool probe);
static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* Whether the connection waits for its socket to appear: sd-bus then hands out an inotify fd, not
 * the socket (sd_bus_is_ready() cannot tell this from an authentication under way). */
static bool bus_waits_for_socket(sd_bus *bus) {
        struct stat st;
        int fd = sd_bus_get_fd(bus);

        return fd >= 0 && fstat(fd, &st) >= 0 && !S_ISSOCK(st.st_mode);
}

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

        /* The clock alone changes the line while something counts down, when the partner's
         * words age, and at the local midnight ("Tue 04:00" becomes "04:00"). */
        next = status_next_refresh(&w->status, w->ctl->out.now);
        if (w->status.online) {
                usec_t p = partner_next_refresh(&w->status.share, &w->ctl->out);
                usec_t m = output_next_midnight(&w->ctl->out);

                if (p != 0 && (next == 0 || p < next))
                        next = p;
                if (m != 0 && (next == 0 || m < next))
                        next = m;
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
        if (w->probing && bus_reply_is_no_owner(reply) && bus_may_start(w->bus)) {
                /* not running, and nothing stops a start: a bar shows "offline" while the
                 * activation runs, not nothing */
                w->probing = false;
                if (w->ctl->format == OUTPUT_WAYBAR)
                        set_offline(w);
                if (get_status(w, false) < 0)
                        set_offline(w);
                return 0;
        }
        w->probing = false;
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

/* GetStatus; with probe, without auto-start, so that a recharged that cannot start (a config it
 * refuses, a failed unit) is not activated: on_status() decides when the bus says nobody is there. */
static int get_status(Watch *w, bool probe) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        w->get_slot = sd_bus_slot_unref(w->get_slot); /* a newer answer wins */
        r = sd_bus_message_new_method_call(w->bus, &m, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH,
                                           RECHARGED_INTERFACE, "GetStatus");
        if (r >= 0 && probe)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_call_async(w->bus, &w->get_slot, m, on_status, w, 0);
        if (r < 0)
                return r;
        w->probing = probe;
        return 0;
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
                (void) get_status(w, false);
                return 0;
        }
        if (r < 0) {
                (void) get_status(w, false);
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
                (void) get_status(w, false); /* back: its status now */
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

static void set_offline_reason(Watch *w, const char *reason) {
        char *copy = strdup(reason);

        if (copy) {
                free(w->reason);
                w->reason = copy;
                w->ctl->out.offline_reason = w->reason;
        }
        if (w->ctl->format != OUTPUT_WAYBAR)
                fprintf(stderr, "%s\n", reason);
        set_offline(w);
}

/* Connects (or waits for the bus to appear: nothing is sent until then, and every call below goes
 * out once it is there), subscribes, then asks for the status: no change can fall between the
 * matches and the status, as they reach the bus in that order. */
static int watch_connect(Watch *w) {
        int r;

        r = bus_open_waiting(&w->bus);
        if (r < 0)
                return r;
        w->ctl->bus = w->bus;
        bus_set_timeout(w->bus, RECHARGECTL_STATUS_TIMEOUT);
        r = sd_bus_attach_event(w->bus, w->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        r = sd_bus_add_filter(w->bus, NULL, on_bus_message, w);
        if (r < 0)
                return r;
        r = sd_bus_add_match_async(w->bus, NULL,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" RECHARGED_BUS_NAME "'",
                                   on_name_owner_changed, NULL, w);
        if (r >= 0)
                r = sd_bus_add_match_async(w->bus, NULL,
                                           "type='signal',sender='" RECHARGED_BUS_NAME "',path='" RECHARGED_OBJECT_PATH "',"
                                           "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                           "arg0='" RECHARGED_INTERFACE "'",
                                           on_properties_changed, NULL, w);
        if (r < 0)
                return r;
        /* recharged-share the same way; a failure here only costs its lines */
        if (sd_bus_add_match_async(w->bus, NULL,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" SHARE1_BUS_NAME "'",
                                   on_share_owner_changed, NULL, w) >= 0 &&
            sd_bus_add_match_async(w->bus, NULL,
                                   "type='signal',sender='" SHARE1_BUS_NAME "',path='" SHARE1_OBJECT_PATH "',"
                                   "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                   "arg0='" SHARE1_INTERFACE "'",
                                   on_share_properties_changed, NULL, w) >= 0)
                (void) get_share(w);
        return get_status(w, true);
}

static void watch_disconnect(Watch *w) {
        w->get_slot = sd_bus_slot_unref(w->get_slot);
        w->share_slot = sd_bus_slot_unref(w->share_slot);
        if (w->bus) {
                sd_bus_detach_event(w->bus);
                w->bus = sd_bus_flush_close_unref(w->bus);
        }
        w->ctl->bus = NULL;
}

/* The bus itself went away (sd-bus says so with a local Disconnected signal): the session is
 * ending, or its bus was restarted. The offline line, so that a bar shows it, and out: a watch
 * that waited on would outlive the session it belongs to, and a bar runs its script again. */
static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;

        if (!sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected"))
                return 0;
        set_offline_reason(w, LOST_BUS_TEXT);
        sd_event_exit(w->event, EXIT_REFUSED);
        return 0;
}

int verb_watch(Ctl *c, int argc, char **argv) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        Watch w = { .ctl = c };
        sigset_t mask;
        int r, code = 0;

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

        r = watch_connect(&w);
        if (r < 0) {
                /* No address to wait on, or no way to wait (inotify): the offline line (a bar
                 * colours it), why, and out. */
                _cleanup_free_ char *why = NULL;
                if (r != -ENOMEDIUM && asprintf(&why, "Failed to connect to the session bus: %s", strerror(-r)) < 0)
                        why = NULL;
                set_offline_reason(&w, why ?: NOT_RUNNING_TEXT);
                code = EXIT_REFUSED;
                goto done;
        }
        if (bus_waits_for_socket(w.bus))
                /* The bus is not there yet: offline until it comes, then the status by itself. */
                set_offline_reason(&w, NO_BUS_TEXT);

        r = sd_event_loop(event);
        if (r < 0)
                goto fail;
        code = r; /* 0 from our own handlers, EXIT_REFUSED when the bus went away */
        goto done;

fail:
        fprintf(stderr, "Failed to watch recharged: %s\n", strerror(-r));
        code = EXIT_REFUSED;
done:
        watch_disconnect(&w);
        w.timer = sd_event_source_unref(w.timer);
        status_done(&w.status);
        free(w.last);
        free(w.reason);
        c->out.offline_reason = NULL;
        return code;
}
