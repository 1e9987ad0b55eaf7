/* SPDX-License-Identifier: MIT */
/* presence.h: whether the person is at the screen, from logind's view of their session
 * (LockedHint, IdleHint/IdleSinceHint, Lock/Unlock), told to the manager as it changes. */
#pragma once

#include <errno.h>

typedef enum Presence {
        PRESENCE_UNKNOWN,        /* no logind, no session found, or not told yet */
        PRESENCE_ACTIVE,
        PRESENCE_IDLE,
        PRESENCE_LOCKED,
        _PRESENCE_MAX,
        _PRESENCE_INVALID = -EINVAL,
} Presence;
const char *presence_to_string(Presence p); /* "unknown", "active", "idle", "locked" */
Presence presence_from_string(const char *s);

static inline int presence_is_away(Presence p) {
        return p == PRESENCE_IDLE || p == PRESENCE_LOCKED;
}

typedef struct Manager Manager;
typedef struct PresenceWatch PresenceWatch;

/* Finds the session on m->system_bus and follows it, telling manager_set_presence(). The calls
 * to logind are asynchronous: this returns at once, and the loop answers callers meanwhile.
 * Without a system bus (at once), logind or a session (when logind says so): one debug line, and
 * the manager is told "unknown" (which releases what a previous run held for an absent person). */
int presence_watch_start(Manager *m, PresenceWatch **ret);
PresenceWatch *presence_watch_free(PresenceWatch *w);
