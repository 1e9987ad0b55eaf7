/* SPDX-License-Identifier: MIT */
/* notify.h: desktop notifications for the schedule's events, with actions that change the state
 * through manager_act(), never blocking the loop. */
#pragma once

#include "manager.h"

typedef struct Notifier Notifier;

/* The freedesktop notification service we talk to. */
#define NOTIFY_BUS_NAME "org.freedesktop.Notifications"
#define NOTIFY_OBJECT_PATH "/org/freedesktop/Notifications"
#define NOTIFY_INTERFACE "org.freedesktop.Notifications"

/* How long a notification server may take to answer one call before we give up on it for that
 * event (the loop never waits for it). */
#define NOTIFY_CALL_TIMEOUT_USEC (5 * USEC_PER_SEC)
/* Calls in flight at once: a server that never answers cannot make us pile them up. */
#define NOTIFY_PENDING_MAX 16
/* Notifications whose actions we still answer (the oldest is forgotten first). */
#define NOTIFY_SHOWN_MAX 32
/* Recharges whose start notification the end replaces. */
#define NOTIFY_RECHARGES_MAX 8

#define NOTIFY_SNOOZE_USEC (10 * USEC_PER_MINUTE)
#define NOTIFY_EXTEND_USEC (15 * USEC_PER_MINUTE)

/* Listens to m's events and shows them; the notification server is looked for at every event,
 * so one that starts later is used from then on. */
int notifier_new(Manager *m, Notifier **ret);
/* How long one call may wait for the server (NOTIFY_CALL_TIMEOUT_USEC unless set): an in-process
 * test sees a server that never answers in milliseconds, through the same path. */
void notifier_set_call_timeout(Notifier *n, usec_t timeout);
Notifier *notifier_free(Notifier *n);
static inline void notifier_freep(Notifier **n) {
        notifier_free(*n);
}
