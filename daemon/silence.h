/* SPDX-License-Identifier: MIT */
/* silence.h: holds other apps' notifications on the running notification server while a recharge
 * with dnd is on, and puts back what was there before, after a crash too. */
#pragma once

#include "manager.h"

typedef struct Silence Silence;

/* Follows the manager's DoNotDisturb (with silence-notifications = yes) from now on: holds the
 * server's notifications while it is true, puts them back when it is false, and first of all
 * puts back what a previous run left held (unless a recharge with dnd is still on: then that
 * hold is kept). Every call is asynchronous with a timeout. At the loop's exit it puts back what
 * it holds, waiting at most a couple of seconds. */
int silence_new(Manager *m, Silence **ret);
/* How long mako is given after our last change of its modes or our last notification before
 * the next change (silence-servers.c says why); tests shorten it. */
#define MAKO_SETTLE_USEC (2 * USEC_PER_SEC)
void silence_set_settle(Silence *s, usec_t usec);
Silence *silence_free(Silence *s);
static inline void silence_freep(Silence **s) {
        silence_free(*s);
}

/* Internal to silence*.c: silence.c decides what to do when, silence-servers.c how each server
 * is held and put back. */

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define APP_ID "recharged"

typedef enum Server {
        SERVER_DUNST,
        SERVER_MAKO,
        SERVER_SWAYNC,
        SERVER_KDE,
        SERVER_GNOME,
        SERVER_XFCE,
        _SERVER_MAX,
        _SERVER_INVALID = -EINVAL,
} Server;

typedef struct ServerInfo {
        const char *reported; /* the name GetServerInformation gives */
        const char *record;   /* the name in the state file */
} ServerInfo;
extern const ServerInfo server_table[_SERVER_MAX];

struct Silence {
        Manager *manager;
        sd_event_source *exit;
        sd_bus_slot *owner_watch;
        sd_bus_slot *call;       /* the one call in flight */
        sd_event_source *settle; /* or the one wait before a call (mako) */
        usec_t mako_changed;     /* CLOCK_MONOTONIC: when we last changed mako's modes */
        usec_t mako_settle;      /* MAKO_SETTLE_USEC (silence_set_settle()) */

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
        struct _GSettings *gnome; /* GSettings, made when first needed */
};

/* Starts holding (s->job = k) or putting back (s->before: the record) server k. Each ends, now
 * or from a reply, in silence_hold_done()/silence_hold_as_is() or silence_release_done(). */
int silence_server_hold(Silence *s, Server k);
int silence_server_release(Silence *s, Server k);

/* The state file's record of k: what it was before we changed it, "key value"; NULL if none. */
const char *silence_record_get(Silence *s, Server k);
bool silence_record_parse(const char *before, const char *key, const char **ret_value);
/* Records before (saved to disk) ahead of a change; false, with the job ended, if it cannot be. */
bool silence_hold_record(Silence *s, const char *before);

/* The one call in flight: never starts a server (auto-start off), times out. */
int silence_send(Silence *s, sd_bus_message *m, sd_bus_message_handler_t handler);
int silence_call(Silence *s, const char *dest, const char *path, const char *iface, const char *member,
                 sd_bus_message_handler_t handler, const char *types, ...);
/* The same with auto-start on: only for a settings store that is D-Bus activated by design and
 * keeps the setting when it is not running (xfconfd), never for a notification server. */
int silence_call_activating(Silence *s, const char *dest, const char *path, const char *iface, const char *member,
                            sd_bus_message_handler_t handler, const char *types, ...);
int silence_get_property(Silence *s, const char *path, const char *iface, const char *prop,
                         sd_bus_message_handler_t handler);
/* The reply's error, NULL when it succeeded. */
const sd_bus_error *silence_reply_error(sd_bus_message *reply);

/* Ends of a job; each goes on with what is left to do. */
void silence_hold_done(Silence *s, const sd_bus_error *e);
void silence_hold_as_is(Silence *s, const char *how);
void silence_release_done(Silence *s, const sd_bus_error *e);
void silence_job_failed(Silence *s, int r, bool releasing);
void silence_job_end(Silence *s);
/* Reply handlers that end the job with the reply's outcome. */
int silence_on_hold_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused);
int silence_on_release_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused);
