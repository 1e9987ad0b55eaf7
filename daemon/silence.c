/* SPDX-License-Identifier: MIT */
/* silence.c: holds other apps' notifications on the running notification server while a recharge
 * with dnd is on (one small section per server, by the calls DESIGN.md names), and puts back
 * exactly what was there before, from the state file after a crash. */
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

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define APP_ID "recharged"

typedef enum Server {
        SERVER_DUNST,
        SERVER_MAKO,
        SERVER_SWAYNC,
        SERVER_KDE,
        SERVER_GNOME,
        _SERVER_MAX,
        _SERVER_INVALID = -EINVAL,
} Server;

static const struct {
        const char *reported; /* the name GetServerInformation gives */
        const char *record;   /* the name in the state file */
} server_table[_SERVER_MAX] = {
        [SERVER_DUNST] = { "dunst", "dunst" },
        [SERVER_MAKO] = { "mako", "mako" },
        [SERVER_SWAYNC] = { "SwayNotificationCenter", "swaync" },
        [SERVER_KDE] = { "Plasma", "kde" },
        [SERVER_GNOME] = { "gnome-shell", "gnome" },
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

struct Silence {
        Manager *manager;
        sd_event_source *post, *exit;
        sd_bus_slot *owner_watch;
        sd_bus_slot *call;       /* the one call in flight */
        sd_event_source *settle; /* or the one wait before a call (mako) */

        bool busy;               /* a hold or release is under way */
        Server job;              /* the server it is for */
        char *before;            /* what the record says, for a release */

        Server held;             /* what we hold now, _SERVER_INVALID for nothing */
        bool detected;           /* we asked which server runs, for the recharge that is on */
        bool server_changed;     /* org.freedesktop.Notifications changed hands */
        bool stuck;              /* a release got no answer: try again when the server changes */
        bool stopping;           /* the daemon exits: put everything back */
        bool said_nothing;       /* "nothing to silence" was logged for this recharge */
        uint32_t kde_cookie;
        GSettings *gnome;
};

static void update(Silence *s);

/* ---- the records in the state file: what a server was before we changed it ---- */

static const char *record_get(Silence *s, Server k) {
        const State *st = s->manager->state;

        for (size_t i = 0; st && i < st->n_silence; i++)
                if (streq(st->silence[i].server, server_table[k].record))
                        return st->silence[i].before;
        return NULL;
}

static void record_remove_at(State *st, size_t i) {
        free(st->silence[i].server);
        free(st->silence[i].before);
        memmove(&st->silence[i], &st->silence[i + 1], (st->n_silence - i - 1) * sizeof(StateSilence));
        st->n_silence--;
}

/* Written to disk before the server is changed, so a crash can be undone at the next start. The
 * first record of a server stays: it is what was there before us. */
static int record_put(Silence *s, Server k, const char *before) {
        State *st = s->manager->state;
        int r;

        if (record_get(s, k))
                return 0;
        if (st->n_silence >= STATE_SILENCE_MAX)
                return -ENOSPC;
        st->silence[st->n_silence] = (StateSilence) {
                .server = strdup(server_table[k].record),
                .before = strdup(before),
        };
        st->n_silence++;
        if (!st->silence[st->n_silence - 1].server || !st->silence[st->n_silence - 1].before) {
                record_remove_at(st, st->n_silence - 1);
                return -ENOMEM;
        }
        r = manager_save(s->manager); /* on success m->state is a new State with the record */
        if (r < 0)
                record_remove_at(st, st->n_silence - 1);
        return r;
}

static void record_drop_name(Silence *s, const char *name) {
        State *st = s->manager->state;

        for (size_t i = 0; i < st->n_silence; i++)
                if (streq(st->silence[i].server, name)) {
                        record_remove_at(st, i);
                        (void) manager_save(s->manager); /* logs; the next start tries again */
                        return;
                }
}

static void record_drop(Silence *s, Server k) {
        record_drop_name(s, server_table[k].record);
}

/* "key value" as the records write it. */
static bool record_parse(const char *before, const char *key, const char **ret_value) {
        size_t n = strlen(key);

        if (!before || strncmp(before, key, n) != 0 || before[n] != ' ')
                return false;
        *ret_value = before + n + 1;
        return true;
}

/* ---- calls: one at a time, asynchronous, with a timeout, never starting a server ---- */

static int call(Silence *s, const char *dest, const char *path, const char *iface, const char *member,
                sd_bus_message_handler_t handler, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = s->manager->bus;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, dest, path, iface, member);
        if (r < 0)
                return r;
        /* Silencing a server that is not running is pointless; starting one for it is wrong. */
        r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        s->call = sd_bus_slot_unref(s->call);
        return sd_bus_call_async(bus, &s->call, m, handler, s, CALL_TIMEOUT_USEC);
}

static int get_property(Silence *s, const char *path, const char *iface, const char *prop,
                        sd_bus_message_handler_t handler) {
        return call(s, NOTIFICATIONS_NAME, path, "org.freedesktop.DBus.Properties", "Get", handler, "ss", iface, prop);
}

/* The reply's error, logged as "what: message" at the given level; NULL when it succeeded. */
static const sd_bus_error *reply_error(sd_bus_message *reply) {
        return sd_bus_message_is_method_error(reply, NULL) ? sd_bus_message_get_error(reply) : NULL;
}

static bool error_is_silence(const sd_bus_error *e) {
        /* No answer at all: the server may or may not have done it. */
        return sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT, SD_BUS_ERROR_DISCONNECTED);
}

/* ---- the end of a hold or a release ---- */

static void job_end(Silence *s) {
        s->busy = false;
        free(s->before);
        s->before = NULL;
        s->call = sd_bus_slot_unref(s->call);
        update(s);
}

static void hold_done(Silence *s, const sd_bus_error *e) {
        const char *name = server_table[s->job].reported;

        if (e) {
                log_warning("Failed to hold the notifications of %s, ignoring: %s", name, e->message ?: e->name);
                /* What we recorded is put back by update(): the server is not ours. */
        } else {
                s->held = s->job;
                log_info("Holding other apps' notifications on %s while recharging.", name);
        }
        job_end(s);
}

/* Already quiet before us (the user's own pause): hold it as it is, and put nothing back. */
static void hold_as_is(Silence *s, const char *how) {
        s->held = s->job;
        if (record_get(s, s->job))
                log_info("Holding other apps' notifications on %s while recharging.", server_table[s->job].reported);
        else
                log_info("%s was %s already: leaving it so, and so afterwards.", server_table[s->job].reported, how);
        job_end(s);
}

/* Records before, then changes the server; false (and the job ended) if it cannot be recorded. */
static bool hold_record(Silence *s, const char *before) {
        int r;

        r = record_put(s, s->job, before);
        if (r >= 0)
                return true;
        log_warning_errno(r, "Not holding the notifications of %s: cannot record what it was before (%m), "
                             "so it could not be put back after a crash.", server_table[s->job].reported);
        job_end(s);
        return false;
}

static int on_hold_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        hold_done(userdata, reply_error(reply));
        return 0;
}

static void release_done(Silence *s, const sd_bus_error *e) {
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
        job_end(s);
}

static int on_release_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        release_done(userdata, reply_error(reply));
        return 0;
}

static void job_failed(Silence *s, int r, bool releasing) {
        sd_bus_error e = SD_BUS_ERROR_NULL;

        (void) sd_bus_error_set_errno(&e, r);
        if (releasing)
                release_done(s, &e);
        else
                hold_done(s, &e);
        sd_bus_error_free(&e);
}

/* ---- dunst: org.dunstproject.cmd0, pauseLevel (u, ≥ 1.10) or paused (b, ≥ 1.5) ---- */

#define DUNST_PATH NOTIFICATIONS_PATH
#define DUNST_IFACE "org.dunstproject.cmd0"
#define DUNST_PAUSE_MAX 100U /* what paused = true means; only override_pause_level = 100 passes it */

static int dunst_set(Silence *s, const char *prop, const char *value, sd_bus_message_handler_t handler) {
        if (streq(prop, "pauseLevel"))
                return call(s, NOTIFICATIONS_NAME, DUNST_PATH, "org.freedesktop.DBus.Properties", "Set", handler,
                            "ssv", DUNST_IFACE, prop, "u", (uint32_t) strtoul(value, NULL, 10));
        return call(s, NOTIFICATIONS_NAME, DUNST_PATH, "org.freedesktop.DBus.Properties", "Set", handler,
                    "ssv", DUNST_IFACE, prop, "b", (int) streq(value, "true"));
}

static int on_dunst_paused(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = reply_error(reply);
        int b, r;

        if (e)
                return hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "v", "b", &b);
        if (r < 0)
                return job_failed(s, r, false), 0;
        if (b)
                return hold_as_is(s, "paused"), 0;
        if (!hold_record(s, "paused false"))
                return 0;
        r = dunst_set(s, "paused", "true", on_hold_reply);
        if (r < 0)
                job_failed(s, r, false);
        return 0;
}

static int on_dunst_level(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        char before[32];
        uint32_t level;
        int r;

        if (reply_error(reply)) {
                /* Before 1.10: no pauseLevel, only paused. */
                r = get_property(s, DUNST_PATH, DUNST_IFACE, "paused", on_dunst_paused);
                if (r < 0)
                        job_failed(s, r, false);
                return 0;
        }
        r = sd_bus_message_read(reply, "v", "u", &level);
        if (r < 0)
                return job_failed(s, r, false), 0;
        if (level >= DUNST_PAUSE_MAX)
                return hold_as_is(s, "paused"), 0;
        snprintf(before, sizeof before, "pauseLevel %" PRIu32, level);
        if (!hold_record(s, before))
                return 0;
        r = dunst_set(s, "pauseLevel", "100", on_hold_reply);
        if (r < 0)
                job_failed(s, r, false);
        return 0;
}

static int dunst_hold(Silence *s) {
        const char *before = record_get(s, SERVER_DUNST), *v;

        /* Held before a crash or a restart of dunst: the record says what was there before us. */
        if (record_parse(before, "pauseLevel", &v))
                return dunst_set(s, "pauseLevel", "100", on_hold_reply);
        if (record_parse(before, "paused", &v))
                return dunst_set(s, "paused", "true", on_hold_reply);
        return get_property(s, DUNST_PATH, DUNST_IFACE, "pauseLevel", on_dunst_level);
}

static int dunst_release(Silence *s) {
        const char *v;

        if (record_parse(s->before, "pauseLevel", &v))
                return dunst_set(s, "pauseLevel", v, on_release_reply);
        if (record_parse(s->before, "paused", &v))
                return dunst_set(s, "paused", v, on_release_reply);
        return -EBADMSG;
}

/* ---- mako: fr.emersion.Mako, ListModes + SetModes (≥ 1.7), SetMode (≤ 1.6) ---- */

#define MAKO_PATH "/fr/emersion/Mako"
#define MAKO_IFACE "fr.emersion.Mako"
#define MAKO_DND "do-not-disturb" /* only hides anything with a [mode=do-not-disturb] section */
/* mako 1.7.1 crashes when a mode hides a notification it has just begun to show (before the
 * compositor configured its surface): our own start notification is sent at this very moment.
 * Seen under sway 1.7 within 1 ms, never with 50 ms between them. */
#define MAKO_SETTLE_USEC (250 * USEC_PER_MSEC)

static int mako_call(Silence *s, const char *member, sd_bus_message_handler_t handler, const char *types, const void *arg) {
        return call(s, NOTIFICATIONS_NAME, MAKO_PATH, MAKO_IFACE, member, handler, types, arg);
}

static int mako_set_modes(Silence *s, char **modes, sd_bus_message_handler_t handler) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(s->manager->bus, &m, NOTIFICATIONS_NAME, MAKO_PATH, MAKO_IFACE, "SetModes");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, modes);
        if (r < 0)
                return r;
        s->call = sd_bus_slot_unref(s->call);
        return sd_bus_call_async(s->manager->bus, &s->call, m, handler, s, CALL_TIMEOUT_USEC);
}

static bool strv_has(char **l, const char *s) {
        for (; l && *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

static int on_mako_modes(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = reply_error(reply);
        _cleanup_strv_free_ char **modes = NULL;
        _cleanup_free_ char *before = NULL;
        size_t len = strlen("modes ") + 1;
        int r;

        if (e && sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                /* mako ≤ 1.6: one mode, no way to read it; "default" is what it starts with. */
                if (!hold_record(s, "mode default"))
                        return 0;
                r = mako_call(s, "SetMode", on_hold_reply, "s", MAKO_DND);
                if (r < 0)
                        job_failed(s, r, false);
                return 0;
        }
        if (e)
                return hold_done(s, e), 0;
        r = sd_bus_message_read_strv(reply, &modes);
        if (r < 0)
                return job_failed(s, r, false), 0;
        if (strv_has(modes, MAKO_DND))
                return hold_as_is(s, "in mode '" MAKO_DND "'"), 0;

        for (char **m = modes; m && *m; m++)
                len += strlen(*m) + 1;
        before = calloc(len, 1);
        if (!before)
                return job_failed(s, -ENOMEM, false), 0;
        strcpy(before, "modes ");
        for (char **m = modes; m && *m; m++) {
                if (m != modes)
                        strcat(before, ",");
                strcat(before, *m);
        }
        if (!hold_record(s, before))
                return 0;
        r = strv_extend(&modes, MAKO_DND);
        if (r >= 0)
                r = mako_set_modes(s, modes, on_hold_reply);
        if (r < 0)
                job_failed(s, r, false);
        return 0;
}

/* Takes out just our mode: the user's other modes, set before or during the recharge, stay. */
static int on_mako_release_modes(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = reply_error(reply);
        _cleanup_strv_free_ char **modes = NULL;
        size_t j = 0;
        int r;

        if (e)
                return release_done(s, e), 0;
        r = sd_bus_message_read_strv(reply, &modes);
        if (r < 0)
                return job_failed(s, r, true), 0;
        for (size_t i = 0; modes && modes[i]; i++) {
                if (streq(modes[i], MAKO_DND))
                        free(modes[i]);
                else
                        modes[j++] = modes[i];
        }
        if (modes)
                modes[j] = NULL;
        r = mako_set_modes(s, modes, on_release_reply);
        if (r < 0)
                job_failed(s, r, true);
        return 0;
}

static int on_mako_settled(sd_event_source *es, uint64_t usec, void *userdata) {
        Silence *s = userdata;
        int r;

        r = mako_call(s, "ListModes", on_mako_modes, NULL, NULL);
        if (r < 0)
                job_failed(s, r, false);
        return 0;
}

static int mako_hold(Silence *s) {
        s->settle = sd_event_source_disable_unref(s->settle);
        return sd_event_add_time_relative(s->manager->event, &s->settle, CLOCK_MONOTONIC, MAKO_SETTLE_USEC, 1,
                                          on_mako_settled, s);
}

static int mako_release(Silence *s) {
        const char *v;

        if (record_parse(s->before, "mode", &v))
                return mako_call(s, "SetMode", on_release_reply, "s", v);
        return mako_call(s, "ListModes", on_mako_release_modes, NULL, NULL);
}

/* ---- swaync: org.erikreider.swaync.cc, AddInhibitor (≥ 0.8) else SetDnd/GetDnd ---- */

#define SWAYNC_NAME "org.erikreider.swaync.cc"
#define SWAYNC_PATH "/org/erikreider/swaync/cc"
#define SWAYNC_IFACE "org.erikreider.swaync.cc"

static int swaync_call(Silence *s, const char *member, sd_bus_message_handler_t handler, const char *types, int arg) {
        if (types && streq(types, "s"))
                return call(s, SWAYNC_NAME, SWAYNC_PATH, SWAYNC_IFACE, member, handler, types, APP_ID);
        return call(s, SWAYNC_NAME, SWAYNC_PATH, SWAYNC_IFACE, member, handler, types, arg);
}

static int on_swaync_dnd(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = reply_error(reply);
        int b, r;

        if (e)
                return hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "b", &b);
        if (r < 0)
                return job_failed(s, r, false), 0;
        if (b)
                return hold_as_is(s, "in do-not-disturb"), 0;
        if (!hold_record(s, "dnd false"))
                return 0;
        r = swaync_call(s, "SetDnd", on_hold_reply, "b", true);
        if (r < 0)
                job_failed(s, r, false);
        return 0;
}

static int on_swaync_introspect(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = reply_error(reply);
        const char *xml;
        int r;

        if (e)
                return hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "s", &xml);
        if (r < 0)
                return job_failed(s, r, false), 0;
        if (strstr(xml, "\"AddInhibitor\"")) {
                /* Ours alone: the user's own DND and other inhibitors are left alone. */
                if (!hold_record(s, "inhibitor " APP_ID))
                        return 0;
                r = swaync_call(s, "AddInhibitor", on_hold_reply, "s", 0);
        } else
                r = swaync_call(s, "GetDnd", on_swaync_dnd, NULL, 0);
        if (r < 0)
                job_failed(s, r, false);
        return 0;
}

static int swaync_hold(Silence *s) {
        return call(s, SWAYNC_NAME, SWAYNC_PATH, "org.freedesktop.DBus.Introspectable", "Introspect",
                    on_swaync_introspect, NULL);
}

static int swaync_release(Silence *s) {
        const char *v;

        if (record_parse(s->before, "inhibitor", &v))
                return swaync_call(s, "RemoveInhibitor", on_release_reply, "s", 0);
        if (record_parse(s->before, "dnd", &v))
                return swaync_call(s, "SetDnd", on_release_reply, "b", streq(v, "true"));
        return -EBADMSG;
}

/* ---- KDE Plasma: org.freedesktop.Notifications.Inhibit → cookie, UnInhibit(cookie) ---- */

/* Nothing to record: Plasma ends the inhibition itself when we leave the bus. */
static int on_kde_inhibit(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = reply_error(reply);
        int r;

        if (e)
                return hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "u", &s->kde_cookie);
        if (r < 0)
                return job_failed(s, r, false), 0;
        hold_done(s, NULL);
        return 0;
}

static int kde_hold(Silence *s) {
        return call(s, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "Inhibit", on_kde_inhibit,
                    "ssa{sv}", APP_ID, "Recharging", 0);
}

static int kde_release(Silence *s) {
        return call(s, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "UnInhibit", on_release_reply,
                    "u", s->kde_cookie);
}

/* ---- GNOME Shell: GSettings org.gnome.desktop.notifications show-banners ---- */

#define GNOME_SCHEMA "org.gnome.desktop.notifications"
#define GNOME_KEY "show-banners"

static GSettings *gnome_settings(Silence *s) {
        GSettingsSchemaSource *source;
        g_autoptr(GSettingsSchema) schema = NULL;

        if (s->gnome)
                return s->gnome;
        source = g_settings_schema_source_get_default();
        if (source)
                schema = g_settings_schema_source_lookup(source, GNOME_SCHEMA, TRUE);
        if (!schema || !g_settings_schema_has_key(schema, GNOME_KEY))
                return NULL;
        s->gnome = g_settings_new_full(schema, NULL, NULL);
        return s->gnome;
}

/* Local and quick (dconf writes in the background): no call to wait for. */
static int gnome_hold(Silence *s) {
        GSettings *g = gnome_settings(s);

        if (!g) {
                log_warning("GNOME Shell runs, but the GSettings schema " GNOME_SCHEMA " is not installed: "
                            "other apps' notifications are not held.");
                s->job = _SERVER_INVALID;
                job_end(s);
                return 0;
        }
        if (!g_settings_get_boolean(g, GNOME_KEY))
                return hold_as_is(s, "showing no banners"), 0;
        if (!hold_record(s, GNOME_KEY " true"))
                return 0;
        if (!g_settings_set_boolean(g, GNOME_KEY, false))
                return job_failed(s, -EPERM, false), 0;
        hold_done(s, NULL);
        return 0;
}

static int gnome_release(Silence *s) {
        GSettings *g = gnome_settings(s);
        const char *v;

        if (!record_parse(s->before, GNOME_KEY, &v))
                return -EBADMSG;
        if (!g)
                return -ENOENT;
        if (!g_settings_set_boolean(g, GNOME_KEY, streq(v, "true")))
                return -EPERM;
        release_done(s, NULL);
        return 0;
}

/* ---- what to do when ---- */

static int (* const hold_table[_SERVER_MAX])(Silence *s) = {
        [SERVER_DUNST] = dunst_hold,
        [SERVER_MAKO] = mako_hold,
        [SERVER_SWAYNC] = swaync_hold,
        [SERVER_KDE] = kde_hold,
        [SERVER_GNOME] = gnome_hold,
};

static int (* const release_table[_SERVER_MAX])(Silence *s) = {
        [SERVER_DUNST] = dunst_release,
        [SERVER_MAKO] = mako_release,
        [SERVER_SWAYNC] = swaync_release,
        [SERVER_KDE] = kde_release,
        [SERVER_GNOME] = gnome_release,
};

static void hold(Silence *s, Server k) {
        int r;

        s->busy = true;
        s->job = k;
        r = hold_table[k](s);
        if (r < 0)
                job_failed(s, r, false);
}

static void release(Silence *s, Server k) {
        const char *before = record_get(s, k);
        int r;

        s->busy = true;
        s->job = k;
        s->before = before ? strdup(before) : NULL;
        if (before && !s->before)
                return job_failed(s, -ENOMEM, true);
        r = release_table[k](s);
        if (r == -EBADMSG)
                log_warning("The state file's record of %s ('%s') makes no sense, dropping it.",
                            server_table[k].reported, before ?: "");
        if (r < 0)
                job_failed(s, r, true);
}

/* Whether to say that nothing is silenced: once a recharge, however often the server changes. */
static bool say_nothing(Silence *s) {
        bool first = !s->said_nothing;

        s->said_nothing = true;
        return first;
}

static int on_server_information(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = reply_error(reply);
        const char *name;
        Server k;
        int r;

        s->call = sd_bus_slot_unref(s->call);
        s->busy = false;
        if (e && sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                if (say_nothing(s))
                        log_info("No notification server is running: nothing to silence while recharging.");
        } else if (e)
                log_warning("Cannot tell which notification server runs (%s): other apps' notifications are not held.",
                            e->message ?: e->name);
        else if ((r = sd_bus_message_read(reply, "s", &name)) < 0)
                log_warning_errno(r, "Cannot read the notification server's name, other apps' notifications are not held: %m");
        else if ((k = server_from_reported(name)) < 0) {
                if (say_nothing(s))
                        log_info("The notification server '%s' is not one recharged knows how to silence (dunst, mako, "
                                 "SwayNotificationCenter, Plasma, gnome-shell): other apps' notifications are not held.",
                                 name);
        } else {
                log_debug("The notification server is %s.", name);
                hold(s, k);
                return 0;
        }
        update(s);
        return 0;
}

static void detect(Silence *s) {
        int r;

        s->detected = true;
        s->busy = true;
        r = call(s, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "GetServerInformation",
                 on_server_information, NULL);
        if (r < 0) {
                log_warning_errno(r, "Failed to ask which notification server runs, ignoring: %m");
                s->busy = false;
        }
}

/* Makes the servers match what is wanted, one step at a time; each step's end calls it again. */
static void update(Silence *s) {
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
                        if (s->held == SERVER_KDE || record_get(s, s->held))
                                return release(s, s->held);
                        s->held = _SERVER_INVALID; /* quiet before us: stays as the user had it */
                }
        } else if (!s->detected)
                return detect(s);

        /* What we changed on servers we do not hold now: a crash's leftovers, a server replaced. */
        if (s->stuck || !m->state)
                return;
        for (size_t i = 0; i < m->state->n_silence; i++) {
                Server k = server_from_record(m->state->silence[i].server);

                if (k < 0) {
                        log_warning("The state file names a notification server recharged does not know ('%s'): "
                                    "dropping that record.", m->state->silence[i].server);
                        record_drop_name(s, m->state->silence[i].server);
                        return update(s);
                }
                if (k != s->held)
                        return release(s, k);
        }
}

static int on_post(sd_event_source *es, void *userdata) {
        update(userdata);
        return 0;
}

static int on_owner_changed(sd_bus_message *message, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(message, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        log_debug("%s changed hands ('%s' → '%s').", name, old_owner, new_owner);
        s->server_changed = true; /* update() runs after this dispatch */
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
                /* A hold not begun yet: nothing to put back. */
                s->settle = sd_event_source_disable_unref(s->settle);
                s->busy = false;
        }
        update(s);
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

Silence *silence_free(Silence *s) {
        if (!s)
                return NULL;
        sd_event_source_disable_unref(s->post);
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

        /* After every dispatch (a method call, the timer, a reload, a reply): cheap when idle. */
        r = sd_event_add_post(m->event, &s->post, on_post, s);
        if (r >= 0)
                r = sd_event_add_exit(m->event, &s->exit, on_loop_exit, s);
        if (r < 0)
                return log_error_errno(r, "Failed to set up silencing notifications: %m");
        (void) sd_event_source_set_description(s->post, "silence");
        /* Before sd-bus flushes and the GLib loop quits (both at later priorities). */
        (void) sd_event_source_set_priority(s->exit, SD_EVENT_PRIORITY_IMPORTANT);

        r = sd_bus_add_match_async(m->bus, &s->owner_watch,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                   "arg0='" NOTIFICATIONS_NAME "'",
                                   on_owner_changed, NULL, s);
        if (r < 0)
                log_warning_errno(r, "Cannot watch for a notification server that starts later, ignoring: %m");

        update(s);
        *ret = TAKE_PTR(s);
        return 0;
}
