/* SPDX-License-Identifier: MIT */
/* silence-servers.c: how each notification server is held and put back, one small section per
 * server, by the calls DESIGN.md names (read from the servers' sources). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "silence.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <gio/gio.h>

/* ---- dunst: org.dunstproject.cmd0, pauseLevel (u, ≥ 1.10) or paused (b, ≥ 1.5) ---- */

#define DUNST_PATH NOTIFICATIONS_PATH
#define DUNST_IFACE "org.dunstproject.cmd0"
#define DUNST_PAUSE_MAX 100U /* what paused = true means; only override_pause_level = 100 passes it */

static int dunst_set(Silence *s, const char *prop, const char *value, sd_bus_message_handler_t handler) {
        if (streq(prop, "pauseLevel"))
                return silence_call(s, NOTIFICATIONS_NAME, DUNST_PATH, "org.freedesktop.DBus.Properties", "Set", handler,
                            "ssv", DUNST_IFACE, prop, "u", (uint32_t) strtoul(value, NULL, 10));
        return silence_call(s, NOTIFICATIONS_NAME, DUNST_PATH, "org.freedesktop.DBus.Properties", "Set", handler,
                    "ssv", DUNST_IFACE, prop, "b", (int) streq(value, "true"));
}

static int on_dunst_paused(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        int b, r;

        if (e)
                return silence_hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "v", "b", &b);
        if (r < 0)
                return silence_job_failed(s, r, false), 0;
        if (b)
                return silence_hold_as_is(s, "paused"), 0;
        if (!silence_hold_record(s, "paused false"))
                return 0;
        r = dunst_set(s, "paused", "true", silence_on_hold_reply);
        if (r < 0)
                silence_job_failed(s, r, false);
        return 0;
}

static int on_dunst_level(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        char before[32];
        uint32_t level;
        int r;

        if (silence_reply_error(reply)) {
                /* Before 1.10: no pauseLevel, only paused. */
                r = silence_get_property(s, DUNST_PATH, DUNST_IFACE, "paused", on_dunst_paused);
                if (r < 0)
                        silence_job_failed(s, r, false);
                return 0;
        }
        r = sd_bus_message_read(reply, "v", "u", &level);
        if (r < 0)
                return silence_job_failed(s, r, false), 0;
        if (level >= DUNST_PAUSE_MAX)
                return silence_hold_as_is(s, "paused"), 0;
        snprintf(before, sizeof before, "pauseLevel %" PRIu32, level);
        if (!silence_hold_record(s, before))
                return 0;
        r = dunst_set(s, "pauseLevel", "100", silence_on_hold_reply);
        if (r < 0)
                silence_job_failed(s, r, false);
        return 0;
}

static int dunst_hold(Silence *s) {
        const char *before = silence_record_get(s, SERVER_DUNST), *v;

        /* Held before a crash or a restart of dunst: the record says what was there before us. */
        if (silence_record_parse(before, "pauseLevel", &v))
                return dunst_set(s, "pauseLevel", "100", silence_on_hold_reply);
        if (silence_record_parse(before, "paused", &v))
                return dunst_set(s, "paused", "true", silence_on_hold_reply);
        return silence_get_property(s, DUNST_PATH, DUNST_IFACE, "pauseLevel", on_dunst_level);
}

static int dunst_release(Silence *s) {
        const char *v;

        if (silence_record_parse(s->before, "pauseLevel", &v))
                return dunst_set(s, "pauseLevel", v, silence_on_release_reply);
        if (silence_record_parse(s->before, "paused", &v))
                return dunst_set(s, "paused", v, silence_on_release_reply);
        return -EBADMSG;
}

/* ---- mako: fr.emersion.Mako, ListModes + SetModes (≥ 1.7), SetMode (≤ 1.6) ---- */

#define MAKO_PATH "/fr/emersion/Mako"
#define MAKO_IFACE "fr.emersion.Mako"
#define MAKO_DND "do-not-disturb" /* only hides anything with a [mode=do-not-disturb] section */
/* mako before 1.9 frees its surfaces on every change of modes but not their frame callbacks
 * (upstream's "Destroy the frame callback in destroy_surface"): when the compositor's answer to
 * a frame drawn just before arrives, mako writes to freed memory and crashes. So:
 * - While a change of mako's modes is under way, our own notifications wait for it (silence.c
 *   holds them back through the manager; the notifier sends them when it is done): the start is
 *   drawn after do-not-disturb is on, the end after it is off.
 * - A change is made only MAKO_SETTLE_USEC after the last one we made and after our last
 *   notification or close: a recharge ended seconds after it began, or begun right after one
 *   ended. At the usual start and end (minutes apart) nothing waits.
 * The frame's answer comes when the compositor gets to draw: 1 s after our notification still
 * let mako 1.7.1 crash in 1 run of test-silence-mako out of 16 with four running at once beside
 * valgrind, 2 s in none of 32 (2026-12). */
static void mako_changed(Silence *s) {
        (void) sd_event_now(s->manager->event, CLOCK_MONOTONIC, &s->mako_changed);
}

static int mako_call(Silence *s, const char *member, sd_bus_message_handler_t handler, const char *types, const void *arg) {
        return silence_call(s, NOTIFICATIONS_NAME, MAKO_PATH, MAKO_IFACE, member, handler, types, arg);
}

static int mako_set_modes(Silence *s, char **modes, sd_bus_message_handler_t handler) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(s->manager->bus, &m, NOTIFICATIONS_NAME, MAKO_PATH, MAKO_IFACE, "SetModes");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, modes);
        if (r < 0)
                return r;
        mako_changed(s);
        return silence_send(s, m, handler);
}

static bool strv_has(char **l, const char *s) {
        for (; l && *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

static int on_mako_modes(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        _cleanup_strv_free_ char **modes = NULL;
        _cleanup_free_ char *before = NULL;
        size_t len = strlen("modes ") + 1;
        int r;

        if (e && sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                /* mako ≤ 1.6: one mode, no way to read it; "default" is what it starts with. */
                if (!silence_hold_record(s, "mode default"))
                        return 0;
                mako_changed(s);
                r = mako_call(s, "SetMode", silence_on_hold_reply, "s", MAKO_DND);
                if (r < 0)
                        silence_job_failed(s, r, false);
                return 0;
        }
        if (e)
                return silence_hold_done(s, e), 0;
        r = sd_bus_message_read_strv(reply, &modes);
        if (r < 0)
                return silence_job_failed(s, r, false), 0;
        if (strv_has(modes, MAKO_DND))
                return silence_hold_as_is(s, "in mode '" MAKO_DND "'"), 0;

        for (char **m = modes; m && *m; m++)
                len += strlen(*m) + 1;
        before = calloc(len, 1);
        if (!before)
                return silence_job_failed(s, -ENOMEM, false), 0;
        strcpy(before, "modes ");
        for (char **m = modes; m && *m; m++) {
                if (m != modes)
                        strcat(before, ",");
                strcat(before, *m);
        }
        if (!silence_hold_record(s, before))
                return 0;
        r = strv_extend(&modes, MAKO_DND);
        if (r >= 0)
                r = mako_set_modes(s, modes, silence_on_hold_reply);
        if (r < 0)
                silence_job_failed(s, r, false);
        return 0;
}

/* Takes out just our mode: the user's other modes, set before or during the recharge, stay. */
static int on_mako_release_modes(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        _cleanup_strv_free_ char **modes = NULL;
        size_t j = 0;
        int r;

        if (e)
                return silence_release_done(s, e), 0;
        r = sd_bus_message_read_strv(reply, &modes);
        if (r < 0)
                return silence_job_failed(s, r, true), 0;
        for (size_t i = 0; modes && modes[i]; i++) {
                if (streq(modes[i], MAKO_DND))
                        free(modes[i]);
                else
                        modes[j++] = modes[i];
        }
        if (modes)
                modes[j] = NULL;
        r = mako_set_modes(s, modes, silence_on_release_reply);
        if (r < 0)
                silence_job_failed(s, r, true);
        return 0;
}

static int mako_hold_now(Silence *s) {
        return mako_call(s, "ListModes", on_mako_modes, NULL, NULL);
}

static int mako_release_now(Silence *s) {
        const char *v;

        if (silence_record_parse(s->before, "mode", &v)) {
                mako_changed(s);
                return mako_call(s, "SetMode", silence_on_release_reply, "s", v);
        }
        return mako_call(s, "ListModes", on_mako_release_modes, NULL, NULL);
}

static int on_mako_hold_settled(sd_event_source *es, uint64_t usec, void *userdata) {
        Silence *s = userdata;
        int r;

        r = mako_hold_now(s);
        if (r < 0)
                silence_job_failed(s, r, false);
        return 0;
}

static int on_mako_release_settled(sd_event_source *es, uint64_t usec, void *userdata) {
        Silence *s = userdata;
        int r;

        r = mako_release_now(s);
        if (r < 0)
                silence_job_failed(s, r, true);
        return 0;
}

/* now() at once if mako has had s->mako_settle (MAKO_SETTLE_USEC) since our last change or
 * notification, else then() when it has (s->settle). */
static int mako_settled(Silence *s, int (*now)(Silence *s), sd_event_time_handler_t then) {
        usec_t t, ready = MAX(s->mako_changed, s->manager->notify_sent) + s->mako_settle;
        int r;

        r = sd_event_now(s->manager->event, CLOCK_MONOTONIC, &t);
        if (r < 0)
                return r;
        /* On the way out no loop is left to wait in (the exit waits out a wait already begun). */
        if (t >= ready || s->stopping)
                return now(s);
        log_debug("Changing mako's modes in %" PRIu64 " ms, when what it drew last has settled.",
                  (ready - t + 999) / 1000);
        s->settle = sd_event_source_disable_unref(s->settle);
        return sd_event_add_time(s->manager->event, &s->settle, CLOCK_MONOTONIC, ready, 1, then, s);
}

static int mako_hold(Silence *s) {
        return mako_settled(s, mako_hold_now, on_mako_hold_settled);
}

static int mako_release(Silence *s) {
        return mako_settled(s, mako_release_now, on_mako_release_settled);
}

/* ---- swaync: org.erikreider.swaync.cc, AddInhibitor (≥ 0.8) else SetDnd/GetDnd ---- */

#define SWAYNC_NAME "org.erikreider.swaync.cc"
#define SWAYNC_PATH "/org/erikreider/swaync/cc"
#define SWAYNC_IFACE "org.erikreider.swaync.cc"

static int swaync_call(Silence *s, const char *member, sd_bus_message_handler_t handler, const char *types, int arg) {
        if (types && streq(types, "s"))
                return silence_call(s, SWAYNC_NAME, SWAYNC_PATH, SWAYNC_IFACE, member, handler, types, APP_ID);
        return silence_call(s, SWAYNC_NAME, SWAYNC_PATH, SWAYNC_IFACE, member, handler, types, arg);
}

static int on_swaync_dnd(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        int b, r;

        if (e)
                return silence_hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "b", &b);
        if (r < 0)
                return silence_job_failed(s, r, false), 0;
        if (b)
                return silence_hold_as_is(s, "in do-not-disturb"), 0;
        if (!silence_hold_record(s, "dnd false"))
                return 0;
        r = swaync_call(s, "SetDnd", silence_on_hold_reply, "b", true);
        if (r < 0)
                silence_job_failed(s, r, false);
        return 0;
}

static int on_swaync_introspect(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        const char *xml;
        int r;

        if (e)
                return silence_hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "s", &xml);
        if (r < 0)
                return silence_job_failed(s, r, false), 0;
        if (strstr(xml, "\"AddInhibitor\"")) {
                /* Ours alone: the user's own DND and other inhibitors are left alone. */
                if (!silence_hold_record(s, "inhibitor " APP_ID))
                        return 0;
                r = swaync_call(s, "AddInhibitor", silence_on_hold_reply, "s", 0);
        } else
                r = swaync_call(s, "GetDnd", on_swaync_dnd, NULL, 0);
        if (r < 0)
                silence_job_failed(s, r, false);
        return 0;
}

static int swaync_hold(Silence *s) {
        return silence_call(s, SWAYNC_NAME, SWAYNC_PATH, "org.freedesktop.DBus.Introspectable", "Introspect",
                    on_swaync_introspect, NULL);
}

static int swaync_release(Silence *s) {
        const char *v;

        if (silence_record_parse(s->before, "inhibitor", &v))
                return swaync_call(s, "RemoveInhibitor", silence_on_release_reply, "s", 0);
        if (silence_record_parse(s->before, "dnd", &v))
                return swaync_call(s, "SetDnd", silence_on_release_reply, "b", streq(v, "true"));
        return -EBADMSG;
}

/* ---- KDE Plasma: org.freedesktop.Notifications.Inhibit → cookie, UnInhibit(cookie) ---- */

/* Nothing to record: Plasma ends the inhibition itself when we leave the bus. */
static int on_kde_inhibit(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        int r;

        if (e)
                return silence_hold_done(s, e), 0;
        r = sd_bus_message_read(reply, "u", &s->kde_cookie);
        if (r < 0)
                return silence_job_failed(s, r, false), 0;
        silence_hold_done(s, NULL);
        return 0;
}

static int kde_hold(Silence *s) {
        return silence_call(s, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "Inhibit", on_kde_inhibit,
                    "ssa{sv}", APP_ID, "Recharging", 0);
}

static int kde_release(Silence *s) {
        return silence_call(s, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "UnInhibit", silence_on_release_reply,
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
                silence_job_end(s);
                return 0;
        }
        if (!g_settings_get_boolean(g, GNOME_KEY))
                return silence_hold_as_is(s, "showing no banners"), 0;
        if (!silence_hold_record(s, GNOME_KEY " true"))
                return 0;
        if (!g_settings_set_boolean(g, GNOME_KEY, false))
                return silence_job_failed(s, -EPERM, false), 0;
        silence_hold_done(s, NULL);
        return 0;
}

static int gnome_release(Silence *s) {
        GSettings *g = gnome_settings(s);
        const char *v;

        if (!silence_record_parse(s->before, GNOME_KEY, &v))
                return -EBADMSG;
        if (!g)
                return -ENOENT;
        if (!g_settings_set_boolean(g, GNOME_KEY, streq(v, "true")))
                return -EPERM;
        silence_release_done(s, NULL);
        return 0;
}

/* ---- Xfce: xfconf channel xfce4-notifyd, /do-not-disturb (b), through xfconfd ---- */

#define XFCONF_NAME "org.xfce.Xfconf"
#define XFCONF_PATH "/org/xfce/Xfconf"
#define XFCONF_IFACE "org.xfce.Xfconf"
#define XFCONF_NOT_FOUND "org.xfce.Xfconf.Error.PropertyNotFound"
#define XFCE_CHANNEL "xfce4-notifyd"
#define XFCE_PROP "/do-not-disturb"
#define XFCE_KEY "do-not-disturb" /* records: "do-not-disturb false", "do-not-disturb absent" */

/* Unlike the notification servers, xfconfd may be started by these calls: it is the settings store
 * every xfconf client reaches by D-Bus activation (xfce4-notifyd had it started to read its
 * settings; it may be gone since, after a crash), and the setting outlives both it and the notification
 * server, in ~/.config/xfce4/xfconf. With auto-start off, a hold could fail for no reason the
 * user sees, and the restore after a crash, at a login before xfconfd is up, would drop the
 * record while do-not-disturb stays on for good: the one thing that must not happen. GSettings'
 * dconf is started the same way for GNOME. A hung activation ends at the call's timeout. */
static int xfce_get(Silence *s, sd_bus_message_handler_t handler) {
        return silence_call_activating(s, XFCONF_NAME, XFCONF_PATH, XFCONF_IFACE, "GetProperty", handler, "ss",
                                       XFCE_CHANNEL, XFCE_PROP);
}

static int xfce_set(Silence *s, bool dnd, sd_bus_message_handler_t handler) {
        return silence_call_activating(s, XFCONF_NAME, XFCONF_PATH, XFCONF_IFACE, "SetProperty", handler, "ssv",
                                       XFCE_CHANNEL, XFCE_PROP, "b", (int) dnd);
}

/* Removes it: xfce4-notifyd goes back to its default, as if we had never set it. */
static int xfce_reset(Silence *s, sd_bus_message_handler_t handler) {
        return silence_call_activating(s, XFCONF_NAME, XFCONF_PATH, XFCONF_IFACE, "ResetProperty", handler, "ssb",
                                       XFCE_CHANNEL, XFCE_PROP, (int) false);
}

/* Ends the job, with xfconfd named in the error: the notification server is not what failed. */
static void xfce_done(Silence *s, const sd_bus_error *e, bool releasing) {
        _cleanup_(sd_bus_error_free) sd_bus_error named = SD_BUS_ERROR_NULL;

        if (e) {
                /* The same name, so that no answer is still told from a refusal. */
                (void) sd_bus_error_setf(&named, e->name, "xfconfd (" XFCONF_NAME "): %s", e->message ?: e->name);
                e = &named;
        }
        if (releasing)
                silence_release_done(s, e);
        else
                silence_hold_done(s, e);
}

static int on_xfce_hold_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        xfce_done(userdata, silence_reply_error(reply), false);
        return 0;
}

static int on_xfce_release_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        const sd_bus_error *e = silence_reply_error(reply);

        /* Resetting what is already gone leaves it as it was before: done. */
        if (e && sd_bus_error_has_name(e, XFCONF_NOT_FOUND))
                e = NULL;
        xfce_done(userdata, e, true);
        return 0;
}

static int on_xfce_dnd(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Silence *s = userdata;
        const sd_bus_error *e = silence_reply_error(reply);
        const char *before;
        int b, r;

        if (e && sd_bus_error_has_name(e, XFCONF_NOT_FOUND))
                /* Never set: off, xfce4-notifyd's default. Afterwards it is removed again. */
                before = XFCE_KEY " absent";
        else if (e)
                return xfce_done(s, e, false), 0;
        else {
                r = sd_bus_message_read(reply, "v", "b", &b);
                if (r == -ENXIO) {
                        /* xfce4-notifyd reads any other type as off. We would have to put back a value of
                         * any type: leave the user's odd setting alone instead. */
                        _cleanup_(sd_bus_error_free) sd_bus_error x = SD_BUS_ERROR_NULL;

                        (void) sd_bus_error_set(&x, SD_BUS_ERROR_INVALID_ARGS,
                                                "xfconf's " XFCE_PROP " of channel " XFCE_CHANNEL " is not a boolean; "
                                                "remove it with 'xfconf-query -c " XFCE_CHANNEL " -p " XFCE_PROP " -r'");
                        return silence_hold_done(s, &x), 0;
                }
                if (r < 0)
                        return silence_job_failed(s, r, false), 0;
                if (b)
                        return silence_hold_as_is(s, "in do-not-disturb"), 0;
                before = XFCE_KEY " false";
        }
        if (!silence_hold_record(s, before))
                return 0;
        r = xfce_set(s, true, on_xfce_hold_reply);
        if (r < 0)
                silence_job_failed(s, r, false);
        return 0;
}

static int xfce_hold(Silence *s) {
        /* Held before a crash or a restart of the server: the record says what was there before us. */
        if (silence_record_get(s, SERVER_XFCE))
                return xfce_set(s, true, on_xfce_hold_reply);
        return xfce_get(s, on_xfce_dnd);
}

static int xfce_release(Silence *s) {
        const char *v;

        if (!silence_record_parse(s->before, XFCE_KEY, &v))
                return -EBADMSG;
        if (streq(v, "absent"))
                return xfce_reset(s, on_xfce_release_reply);
        if (streq(v, "false") || streq(v, "true"))
                return xfce_set(s, streq(v, "true"), on_xfce_release_reply);
        return -EBADMSG;
}

/* ---- what to do when ---- */

static int (* const hold_table[_SERVER_MAX])(Silence *s) = {
        [SERVER_DUNST] = dunst_hold,
        [SERVER_MAKO] = mako_hold,
        [SERVER_SWAYNC] = swaync_hold,
        [SERVER_KDE] = kde_hold,
        [SERVER_GNOME] = gnome_hold,
        [SERVER_XFCE] = xfce_hold,
};

static int (* const release_table[_SERVER_MAX])(Silence *s) = {
        [SERVER_DUNST] = dunst_release,
        [SERVER_MAKO] = mako_release,
        [SERVER_SWAYNC] = swaync_release,
        [SERVER_KDE] = kde_release,
        [SERVER_GNOME] = gnome_release,
        [SERVER_XFCE] = xfce_release,
};

int silence_server_hold(Silence *s, Server k) {
        return hold_table[k](s);
}

int silence_server_release(Silence *s, Server k) {
        return release_table[k](s);
}
