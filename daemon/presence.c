/* SPDX-License-Identifier: MIT */
/* presence.c: the person's presence at the screen from logind: their session found once, its
 * LockedHint, IdleHint/IdleSinceHint and Lock/Unlock followed, each change told to the manager. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"
#include "presence.h"

#define LOGIND_SERVICE "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"
#define LOGIND_SESSION "org.freedesktop.login1.Session"
#define LOGIND_USER "org.freedesktop.login1.User"

static const char * const presence_table[_PRESENCE_MAX] = {
        [PRESENCE_UNKNOWN] = "unknown",
        [PRESENCE_ACTIVE] = "active",
        [PRESENCE_IDLE] = "idle",
        [PRESENCE_LOCKED] = "locked",
};

const char *presence_to_string(Presence p) {
        if (p < 0 || p >= _PRESENCE_MAX)
                return NULL;
        return presence_table[p];
}

Presence presence_from_string(const char *s) {
        if (!s)
                return _PRESENCE_INVALID;
        for (Presence p = 0; p < _PRESENCE_MAX; p++)
                if (streq(presence_table[p], s))
                        return p;
        return _PRESENCE_INVALID;
}

struct PresenceWatch {
        Manager *manager;
        char *session;           /* the session's object path */
        sd_bus_slot *props_slot, *lock_slot, *unlock_slot, *get_slot;
        sd_bus_slot *find_slot;  /* the call to logind that looks for the session, until answered */
        int find_step;           /* FindStep: which one it is */
        bool locked, idle;
        usec_t idle_since;       /* CLOCK_REALTIME µs, 0 unknown */
};

PresenceWatch *presence_watch_free(PresenceWatch *w) {
        if (!w)
                return NULL;
        sd_bus_slot_unref(w->props_slot);
        sd_bus_slot_unref(w->lock_slot);
        sd_bus_slot_unref(w->unlock_slot);
        sd_bus_slot_unref(w->get_slot);
        sd_bus_slot_unref(w->find_slot);
        free(w->session);
        free(w);
        return NULL;
}

static void tell(PresenceWatch *w) {
        Presence p = w->locked ? PRESENCE_LOCKED : w->idle ? PRESENCE_IDLE : PRESENCE_ACTIVE;
        usec_t now = manager_clock();

        /* The idle hint says since when; a lock is taken as of now (LockedHint has no time). */
        manager_set_presence(w->manager, p, p == PRESENCE_IDLE ? w->idle_since : now, now);
}

/* Reads an a{sv} of the session's properties; *ret_interesting: it named one we follow. */
static int read_properties(PresenceWatch *w, sd_bus_message *msg, bool *ret_interesting) {
        bool interesting = false;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *name;
                int b;

                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        return r;
                if (streq(name, "LockedHint") || streq(name, "IdleHint")) {
                        r = sd_bus_message_read(msg, "v", "b", &b);
                        if (r < 0)
                                return r;
                        if (streq(name, "LockedHint"))
                                w->locked = b;
                        else
                                w->idle = b;
                        interesting = true;
                } else if (streq(name, "IdleSinceHint")) {
                        r = sd_bus_message_read(msg, "v", "t", &w->idle_since);
                        if (r < 0)
                                return r;
                        interesting = true;
                } else {
                        r = sd_bus_message_skip(msg, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        *ret_interesting = interesting;
        return 0;
}

static int on_get_all(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PresenceWatch *w = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        bool interesting;
        int r;

        w->get_slot = sd_bus_slot_unref(w->get_slot);
        if (e) {
                log_debug("Cannot read the session's idle and lock hints, ignoring: %s", e->message ?: e->name);
                return 0;
        }
        r = read_properties(w, reply, &interesting);
        if (r < 0)
                return log_debug_errno(r, "Cannot read the session's idle and lock hints, ignoring: %m"), 0;
        tell(w);
        return 0;
}

static int refresh(PresenceWatch *w) {
        w->get_slot = sd_bus_slot_unref(w->get_slot);
        return sd_bus_call_method_async(w->manager->system_bus, &w->get_slot, LOGIND_SERVICE, w->session,
                                        "org.freedesktop.DBus.Properties", "GetAll", on_get_all, w, "s",
                                        LOGIND_SESSION);
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        PresenceWatch *w = userdata;
        const char *iface;
        bool interesting = false, invalidated = false;
        int r;

        r = sd_bus_message_read(msg, "s", &iface);
        if (r < 0 || !streq(iface, LOGIND_SESSION))
                return 0;
        r = read_properties(w, msg, &interesting);
        if (r >= 0)
                r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r >= 0) {
                const char *name;
                while ((r = sd_bus_message_read(msg, "s", &name)) > 0)
                        if (streq(name, "LockedHint") || streq(name, "IdleHint") || streq(name, "IdleSinceHint"))
                                invalidated = true;
        }
        if (r < 0)
                return log_debug_errno(r, "Cannot read the session's PropertiesChanged, ignoring: %m"), 0;
        if (invalidated) {
                /* Only the names came: read the values. */
                r = refresh(w);
                if (r < 0)
                        log_debug_errno(r, "Cannot read the session's idle and lock hints, ignoring: %m");
                return 0;
        }
        if (interesting)
                tell(w);
        return 0;
}

/* Lock and Unlock ask the screen locker to act; LockedHint follows when it did. Taken at their
 * word, so a desktop that sends them without setting the hint is followed too. */
static int on_lock(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        PresenceWatch *w = userdata;

        w->locked = streq_ptr(sd_bus_message_get_member(msg), "Lock");
        if (!w->locked)
                w->idle = false;
        tell(w);
        return 0;
}

/* Finding the session takes up to four calls to logind (GetSession, GetSessionByPID, GetUser,
 * the user's Display). They are asynchronous, one after the other: the daemon answers its own
 * callers meanwhile, and logind's answers (or its absence) are told to the manager when they come.
 * Until then the presence is what the last run left, as it was while the calls were synchronous
 * and before the session's hints (always asynchronous) came. */
typedef enum FindStep {
        FIND_BY_ID,              /* GetSession(XDG_SESSION_ID) */
        FIND_BY_PID,             /* GetSessionByPID(our pid) */
        FIND_USER,               /* GetUser(our uid) */
        FIND_DISPLAY,            /* the user's Display property */
} FindStep;

static int find_next(PresenceWatch *w, FindStep step, const char *user_path);
static int on_find_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused);

static int call_async(PresenceWatch *w, const char *path, const char *iface, const char *method, const char *types,
                      ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus *bus = w->manager->system_bus;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, LOGIND_SERVICE, path, iface, method);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(call, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        w->find_slot = sd_bus_slot_unref(w->find_slot);
        return sd_bus_call_async(bus, &w->find_slot, call, on_find_reply, w, 5 * USEC_PER_SEC);
}

/* No session to follow: said once at debug level; the manager hears "unknown", which releases
 * what a previous run held for an absent person. */
static void give_up(PresenceWatch *w) {
        w->find_slot = sd_bus_slot_unref(w->find_slot);
        manager_set_presence(w->manager, PRESENCE_UNKNOWN, 0, manager_clock());
}

static void follow(PresenceWatch *w, const char *path) {
        sd_bus *bus = w->manager->system_bus;
        int r;

        w->find_slot = sd_bus_slot_unref(w->find_slot);
        w->session = strdup(path);
        if (!w->session) {
                log_oom();
                return give_up(w);
        }
        r = sd_bus_match_signal_async(bus, &w->props_slot, LOGIND_SERVICE, w->session, "org.freedesktop.DBus.Properties",
                                      "PropertiesChanged", on_properties_changed, NULL, w);
        if (r >= 0)
                r = sd_bus_match_signal_async(bus, &w->lock_slot, LOGIND_SERVICE, w->session, LOGIND_SESSION, "Lock",
                                              on_lock, NULL, w);
        if (r >= 0)
                r = sd_bus_match_signal_async(bus, &w->unlock_slot, LOGIND_SERVICE, w->session, LOGIND_SESSION, "Unlock",
                                              on_lock, NULL, w);
        if (r >= 0)
                r = refresh(w);
        if (r < 0) {
                log_debug_errno(r, "Cannot follow session %s in logind, ignoring: %m", w->session);
                w->props_slot = sd_bus_slot_unref(w->props_slot);
                w->lock_slot = sd_bus_slot_unref(w->lock_slot);
                w->unlock_slot = sd_bus_slot_unref(w->unlock_slot);
                return give_up(w);
        }
        log_debug("Following the idle and lock hints of session %s.", w->session);
}

static int on_find_reply(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        PresenceWatch *w = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        FindStep step = w->find_step;
        const char *path = NULL, *id = NULL;
        int r;

        if (e) {
                switch (step) {
                case FIND_BY_ID:
                        log_debug("logind knows no session '%s' (XDG_SESSION_ID): %s", getenv("XDG_SESSION_ID") ?: "",
                                  e->message ?: e->name);
                        r = find_next(w, FIND_BY_PID, NULL);
                        break;
                case FIND_BY_PID:
                        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                            sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                                log_debug("No logind on the system bus: whether the person is at the screen is unknown.");
                                give_up(w);
                                return 0;
                        }
                        r = find_next(w, FIND_USER, NULL);
                        break;
                default:
                        r = -sd_bus_error_get_errno(e);
                        break;
                }
        } else if (step == FIND_DISPLAY) {
                r = sd_bus_message_enter_container(reply, 'v', "(so)");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "(so)", &id, &path);
                if (r >= 0 && (!path || streq(path, "/")))
                        r = -ENXIO; /* no graphical session */
                if (r >= 0)
                        follow(w, path);
        } else {
                r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0 && step == FIND_USER)
                        r = find_next(w, FIND_DISPLAY, path);
                else if (r >= 0)
                        follow(w, path);
        }
        if (r < 0) {
                log_debug_errno(r, "No session of ours found in logind, whether the person is at the screen is "
                                   "unknown: %m");
                give_up(w);
        }
        return 0;
}

static int find_next(PresenceWatch *w, FindStep step, const char *user_path) {
        w->find_step = step;
        switch (step) {
        case FIND_BY_ID:
                return call_async(w, LOGIND_PATH, LOGIND_MANAGER, "GetSession", "s", getenv("XDG_SESSION_ID"));
        case FIND_BY_PID:
                return call_async(w, LOGIND_PATH, LOGIND_MANAGER, "GetSessionByPID", "u", (uint32_t) getpid());
        case FIND_USER:
                return call_async(w, LOGIND_PATH, LOGIND_MANAGER, "GetUser", "u", (uint32_t) getuid());
        case FIND_DISPLAY:
                return call_async(w, user_path, "org.freedesktop.DBus.Properties", "Get", "ss", LOGIND_USER, "Display");
        }
        return -EINVAL;
}

int presence_watch_start(Manager *m, PresenceWatch **ret) {
        const char *id = getenv("XDG_SESSION_ID");
        PresenceWatch *w;
        int r;

        *ret = NULL;
        if (!m->system_bus) {
                log_debug("No system bus: whether the person is at the screen is unknown.");
                manager_set_presence(m, PRESENCE_UNKNOWN, 0, manager_clock());
                return 0;
        }

        w = calloc(1, sizeof(PresenceWatch));
        if (!w)
                return log_oom();
        w->manager = m;
        r = find_next(w, id && *id ? FIND_BY_ID : FIND_BY_PID, NULL);
        if (r < 0) {
                log_debug_errno(r, "Cannot ask logind for our session, whether the person is at the screen is unknown: %m");
                presence_watch_free(w);
                manager_set_presence(m, PRESENCE_UNKNOWN, 0, manager_clock());
                return 0;
        }
        *ret = w;
        return 0;
}
