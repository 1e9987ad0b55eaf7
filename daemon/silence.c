/* SPDX-License-Identifier: MIT */
/* silence.c: holds other apps' notifications on the running notification server while a recharge
 * with dnd is on, and puts back exactly what was there before, from the state file after a
 * crash: the records, the calls, what to do when. The servers' own calls: silence-servers.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "silence.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <gio/gio.h>

/* A server that does not answer within this is given up on; nothing waits for it meanwhile. */
#define CALL_TIMEOUT_USEC (5 * USEC_PER_SEC)
/* How long the exit waits for the servers to be put back. */
#define EXIT_TIMEOUT_USEC (2 * USEC_PER_SEC)

static void silence_update(Silence *s);

const ServerInfo server_table[_SERVER_MAX] = {
        [SERVER_DUNST] = { "dunst", "dunst" },
        [SERVER_MAKO] = { "mako", "mako" },
        [SERVER_SWAYNC] = { "SwayNotificationCenter", "swaync" },
        [SERVER_KDE] = { "Plasma", "kde" },
        [SERVER_GNOME] = { "gnome-shell", "gnome" },
        [SERVER_XFCE] = { "Xfce Notify Daemon", "xfce" },
};

static Server server_from_reported(const char *name) {
        for (int k = 0; k < _SERVER_MAX; k++)
                if (streq(server_table[k].reported, name))
                        return (Server) k;
        return _SERVER_INVALID;
}

static Server server_from_record(const char *name) {
        for (int k = 0; k < _SERVER_MAX; k++)
                if (streq(server_table[k].record, name))
                        return (Server) k;
        return _SERVER_INVALID;
}

/* ---- the records in the state file: what a server was before we changed it ---- */

const char *silence_record_get(Silence *s, Server k) {
        return manager_get_silence(s->manager, server_table[k].record);
}

/* Written to disk (by the manager, the one writer of the state) before the server is changed, so
 * a crash can be undone at the next start. The first record of a server stays. */
static int record_put(Silence *s, Server k, const char *before) {
        return manager_set_silence(s->manager, server_table[k].record, before);
}

static void record_drop_name(Silence *s, const char *name) {
        int r;

        r = manager_set_silence(s->manager, name, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to drop the record of '%s' from the state, the next start tries again: %m", name);
}

static void record_drop(Silence *s, Server k) {
        record_drop_name(s, server_table[k].record);
}

/* "key value" as the records write it. */
bool silence_record_parse(const char *before, const char *key, const char **ret_value) {
        size_t n = strlen(key);

        if (!before || strncmp(before, key, n) != 0 || before[n] != ' ')
                return false;
        *ret_value = before + n + 1;
        return true;
}

/* ---- calls: one at a time, asynchronous, with a timeout, never starting a server ---- */

static int send_call(Silence *s, sd_bus_message *m, bool activate, sd_bus_message_handler_t handler) {
        int r;

        /* Silencing a notification server that is not running is pointless; starting one for it is
         * wrong. Only a settings store may be started (silence_call_activating()). */
        r = sd_bus_message_set_auto_start(m, activate);
        if (r < 0)
                return r;
        s->call = sd_bus_slot_unref(s->call);
        return sd_bus_call_async(s->manager->bus, &s->call, m, handler, s, CALL_TIMEOUT_USEC);
}

int silence_send(Silence *s, sd_bus_message *m, sd_bus_message_handler_t handler) {
        return send_call(s, m, false, handler);
}

static int call_v(Silence *s, bool activate, const char *dest, const char *path, const char *iface,
                  const char *member, sd_bus_message_handler_t handler, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(s->manager->bus, &m, dest, path, iface, member);
        if (r < 0)
                return r;
        if (types) {
                r = sd_bus_message_appendv(m, types, ap);
                if (r < 0)
                        return r;
        }
        return send_call(s, m, activate, handler);
}

int silence_call(Silence *s, const char *dest, const char *path, const char *iface, const char *member,
                 sd_bus_message_handler_t handler, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = call_v(s, false, dest, path, iface, member, handler, types, ap);
        va_end(ap);
        return r;
}

int silence_call_activating(Silence *s, const char *dest, const char *path, const char *iface, const char *member,
                            sd_bus_message_handler_t handler, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = call_v(s, true, dest, path, iface, member, handler, types, ap);
        va_end(ap);
        return r;
}

int silence_get_property(Silence *s, const char *path, const char *iface, const char *prop,
                        sd_bus_message_handler_t handler) {
        return silence_call(s, NOTIFICATIONS_NAME, path, "org.freedesktop.DBus.Properties", "Get", handler, "ss", iface, prop);
}

/* The reply's error, logged as "what: message" at the given level; NULL when it succeeded. */
const sd_bus_error *silence_reply_error(sd_bus_message *reply) {
        return sd_bus_message_is_method_error(reply, NULL) ? sd_bus_message_get_error(reply) : NULL;
}

static bool error_is_silence(const sd_bus_error *e) {
        /* No answer at all: the server may or may not have done it. */
        return sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT, SD_BUS_ERROR_DISCONNECTED);
}

/* ---- our own notifications wait while mako's modes change ---- */

/* mako crashes when its modes change while it draws (silence-servers.c): while we ask which
 * server runs (it may be mako) or change mako, the notifier keeps our own notifications back,
 * and sends them once we are done. Other servers are not kept waiting for. */
static void gate_sync(Silence *s) {
        manager_hold_notifications(s->manager, s->busy && (s->job == SERVER_MAKO || s->job == _SERVER_INVALID));
}

/* ---- the end of a hold or a release ---- */

void silence_job_end(Silence *s) {
        s->busy = false;
        free(s->before);
        s->before = NULL;
        s->call = sd_bus_slot_unref(s->call);
        silence_update(s);
        /* Not before: a release that follows a hold at once keeps them waiting on. */
        gate_sync(s);
}

void silence_hold_done(Silence *s, const sd_bus_error *e) {
        const char *name = server_table[s->job].reported;

        if (e) {
                log_warning("Failed to hold the notifications of %s, ignoring: %s", name, e->message ?: e->name);
                /* What we recorded is put back by silence_update(): the server is not ours. */
        } else {
                s->held = s->job;
                log_info("Holding other apps' notifications on %s while recharging.", name);
        }
        silence_job_end(s);
}

/* Already quiet before us (the user's own pause): hold it as it is, and put nothing back. */
void silence_hold_as_is(Silence *s, const char *how) {
        s->held = s->job;
        if (silence_record_get(s, s->job))
                log_info("Holding other apps' notifications on %s while recharging.", server_table[s->job].reported);
        else
                log_info("%s was %s already: leaving it so, and so afterwards.", server_table[s->job].reported, how);
        silence_job_end(s);
}

/* Records before, then changes the server; false (and the job ended) if it cannot be recorded. */
bool silence_hold_record(Silence *s, const char *before) {
        int r;

        r = record_put(s, s->job, before);
        if (r >= 0)
                return true;
        log_warning_errno(r, "Not holding the notifications of %s: cannot record what it was before (%m), "
                             "so it could not be put back after a crash.", server_table[s->job].reported);
        silence_job_end(s);
        return false;
}

int silence_on_hold_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        silence_hold_done(userdata, silence_reply_error(reply));
        return 0;
}

void silence_release_done(Silence *s, const sd_bus_error *e) {
        const char *name = server_table[s->job].reported;

        if (s->held == s->job)
                s->held = _SERVER_INVALID;
        if (s->job == SERVER_KDE)
                s->kde_cookie = 0;
        if (e && error_is_silence(e)) {
                /* Keep the record: the next start, or the server's next owner, gets it. */
                log_warning("%s did not answer when putting its notifications back: %s. Trying again when it "
                            "restarts or at recharged's next start.", name, e->message ?: e->name);
                s->stuck = true;
        } else {
                if (e)
                        log_warning("Failed to put the notifications of %s back, ignoring: %s", name,
                                    e->message ?: e->name);
                else
                        log_info("Notifications on %s are back as they were.", name);
                record_drop(s, s->job);
        }
        silence_job_end(s);
}

int silence_on_release_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        silence_release_done(userdata, silence_reply_error(reply));
        return 0;
}

void silence_job_failed(Silence *s, int r, bool releasing) {
        sd_bus_error e = SD_BUS_ERROR_NULL;

        (void) sd_bus_error_set_errno(&e, r);
        if (releasing)
                silence_release_done(s, &e);
        else
                silence_hold_done(s, &e);
        sd_bus_error_free(&e);
}

static void hold(Silence *s, Server k) {
        int r;

        s->busy = true;
        s->job = k;
        gate_sync(s);
        r = silence_server_hold(s, k);
        if (r < 0)
                silence_job_failed(s, r, false);
}

static void release(Silence *s, Server k) {
        const char *before = silence_record_get(s, k);
        int r;

        s->busy = true;
        s->job = k;
        gate_sync(s);
        s->before = before ? strdup(before) : NULL;
        if (before && !s->before)
                return silence_job_failed(s, -ENOMEM, true);
        r = silence_server_release(s, k);
        if (r == -EBADMSG)
                log_warning("The state file's record of %s ('%s') makes no sense, dropping it.",
                            server_table[k].reported, before ?: "");
        if (r < 0)
                silence_job_failed(s, r, true);
}

/* Whether to say that nothing is silenced: once a recharge, however often the server changes. */
static bool say_nothing(Silence *s) {
        bool first = !s->said_nothing;

        s->said_nothing = true;
        return first;
}

static int on_server_information(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        const char *name;
        Server k;
        int r;

        s->call = sd_bus_slot_unref(s->call);
        s->busy = false;
        if (e && sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                /* notify.c already says once that there is no server; no line per recharge here. */
                if (say_nothing(s))
                        log_debug("No notification server is running: nothing to silence while recharging.");
        } else if (e)
                log_warning("Cannot tell which notification server runs (%s): other apps' notifications are not held.",
                            e->message ?: e->name);
        else if ((r = sd_bus_message_read(reply, "s", &name)) < 0)
                log_warning_errno(r, "Cannot read the notification server's name, other apps' notifications are not held: %m");
        else if ((k = server_from_reported(name)) < 0) {
                if (say_nothing(s))
                        log_info("The notification server '%s' is not one recharged knows how to silence (dunst, mako, "
                                 "SwayNotificationCenter, Plasma, gnome-shell, Xfce Notify Daemon): other apps' "
                                 "notifications are not held.",
                                 name);
        } else {
                log_debug("The notification server is %s.", name);
                hold(s, k);
                return 0;
        }
        silence_update(s);
        gate_sync(s);
        return 0;
}

static void detect(Silence *s) {
        int r;

        s->detected = true;
        s->busy = true;
        s->job = _SERVER_INVALID; /* not known yet */
        gate_sync(s);
        r = silence_call(s, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "GetServerInformation",
                 on_server_information, NULL);
        if (r < 0) {
                log_warning_errno(r, "Failed to ask which notification server runs, ignoring: %m");
                s->busy = false;
                gate_sync(s);
        }
}

/* Makes the servers match what is wanted, one step at a time; each step's end calls it again. */
static void silence_update(Silence *s) {
        Manager *m = s->manager;
        bool want;

        if (s->busy)
                return;
        if (s->server_changed) {
                /* Whatever the old owner held went with it; records stay for the new one. */
                s->server_changed = s->stuck = s->detected = false;
                s->held = _SERVER_INVALID;
                s->kde_cookie = 0;
        }

        want = !s->stopping && m->config && m->config->silence_notifications && m->status.dnd;
        if (!want) {
                s->detected = s->said_nothing = false;
                if (s->held >= 0) {
                        if (s->held == SERVER_KDE || silence_record_get(s, s->held))
                                return release(s, s->held);
                        s->held = _SERVER_INVALID; /* quiet before us: stays as the user had it */
                }
        } else if (!s->detected)
                return detect(s);

        /* What we changed on servers we do not hold now: a crash's leftovers, a server replaced. */
        if (s->stuck)
                return;
        for (size_t i = 0; i < m->n_silence; i++) {
                Server k = server_from_record(m->silence[i].server);

                if (k < 0) {
                        _cleanup_free_ char *name = strdup(m->silence[i].server);
                        if (!name)
                                return (void) log_oom();
                        log_warning("The state file names a notification server recharged does not know ('%s'): "
                                    "dropping that record.", name);
                        record_drop_name(s, name);
                        return silence_update(s);
                }
                if (k != s->held)
                        return release(s, k);
        }
}

/* Told by the manager, after each change, whether a dnd recharge is on. */
static void on_manager_change(Manager *m, const ManagerChange *c, void *userdata) {
        silence_update(userdata);
}

static int on_owner_changed(sd_bus_message *message, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(message, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        log_debug("%s changed hands ('%s' → '%s').", name, old_owner, new_owner);
        s->server_changed = true;
        silence_update(s);
        return 0;
}

static usec_t now_monotonic(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* Before the bus is flushed and closed: put back what we hold, waiting a little for the answers. */
static int on_loop_exit(sd_event_source *es, void *userdata) {
        Silence *s = userdata;
        sd_bus *bus = s->manager->bus;
        usec_t deadline = now_monotonic() + EXIT_TIMEOUT_USEC;
        int r;

        s->stopping = true;
        s->server_changed = false;
        if (s->settle && sd_event_source_get_enabled(s->settle, NULL) > 0) {
                usec_t when;

                /* The wait is there for the server's sake (mako 1.7 crashes when its modes change
                 * while it draws): even on the way out, let it pass, answering what comes
                 * meanwhile. It is at most MAKO_SETTLE_USEC. */
                if (sd_event_source_get_time(s->settle, &when) >= 0)
                        for (usec_t n = now_monotonic(); n < when && bus; n = now_monotonic()) {
                                r = sd_bus_process(bus, NULL);
                                if (r < 0)
                                        break;
                                if (r == 0 && sd_bus_wait(bus, when - n) < 0)
                                        break;
                        }
                deadline = now_monotonic() + EXIT_TIMEOUT_USEC;
                /* A hold not begun yet puts nothing back; a release not begun yet is made again
                 * below. */
                s->settle = sd_event_source_disable_unref(s->settle);
                s->busy = false;
                free(s->before);
                s->before = NULL;
        }
        silence_update(s);
        while (s->busy && bus) {
                usec_t n = now_monotonic();

                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                if (r > 0)
                        continue;
                if (n >= deadline)
                        break;
                r = sd_bus_wait(bus, deadline - n);
                if (r < 0)
                        break;
        }
        if (s->busy)
                log_warning("Exiting before every notification server was put back: the next start does it.");
        g_settings_sync(); /* dconf writes in the background */
        return 0;
}

void silence_set_settle(Silence *s, usec_t usec) {
        s->mako_settle = usec;
}

Silence *silence_free(Silence *s) {
        if (!s)
                return NULL;
        manager_remove_listener(s->manager, LISTENER_SILENCE);
        /* Not manager_hold_notifications(): nothing is sent while the daemon is taken down. */
        s->manager->notify_held = false;
        sd_event_source_disable_unref(s->exit);
        sd_event_source_disable_unref(s->settle);
        sd_bus_slot_unref(s->owner_watch);
        sd_bus_slot_unref(s->call);
        free(s->before);
        if (s->gnome)
                g_object_unref(s->gnome);
        free(s);
        return NULL;
}

int silence_new(Manager *m, Silence **ret) {
        _cleanup_(silence_freep) Silence *s = NULL;
        int r;

        s = calloc(1, sizeof(Silence));
        if (!s)
                return log_oom();
        s->manager = m;
        s->held = s->job = _SERVER_INVALID;
        s->mako_settle = MAKO_SETTLE_USEC;

        r = manager_add_listener(m, LISTENER_SILENCE, on_manager_change, s);
        if (r >= 0)
                r = sd_event_add_exit(m->event, &s->exit, on_loop_exit, s);
        if (r < 0)
                return log_error_errno(r, "Failed to set up silencing notifications: %m");
        /* Before sd-bus flushes and the GLib loop quits (both at later priorities). */
        (void) sd_event_source_set_priority(s->exit, SD_EVENT_PRIORITY_IMPORTANT);

        r = sd_bus_add_match_async(m->bus, &s->owner_watch,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                   "arg0='" NOTIFICATIONS_NAME "'",
                                   on_owner_changed, NULL, s);
        if (r < 0)
                log_warning_errno(r, "Cannot watch for a notification server that starts later, ignoring: %m");

        silence_update(s);
        *ret = TAKE_PTR(s);
        return 0;
}
