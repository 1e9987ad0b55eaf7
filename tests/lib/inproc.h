/* SPDX-License-Identifier: MIT */
/* inproc.h: the daemon's listeners tested in one process, on a real but private bus, with time
 * passed in: no daemon to start, no second to wait for.
 *
 * What a test gets:
 *   inproc_setup()            once, first: a private dbus-daemon (tests/session.conf, an empty
 *                             service folder, so nothing is auto-started), a temporary XDG tree,
 *                             TZ=UTC, DBUS_SESSION_BUS_ADDRESS; all removed at exit (but the
 *                             folder with INPROC_KEEP=1 in the environment, to look at after a
 *                             failure). The daemon's log (at debug level) goes to a file in it,
 *                             which inproc_log_* read.
 *   inproc_manager_new(conf)  the Manager (one at a time) for that config text, its clock at
 *                             inproc_now, connected to the bus with the bus listener and the
 *                             name, not yet begun: add your listener (notifier_new(),
 *                             hooks_new(), …), then
 *   inproc_begin(m, now)      manager_begin() at now, and the loop until the start-up is done.
 *   inproc_tick(m, t)         the timer's work: manager_tick() at every wake-up up to t, then
 *                             inproc_now = t (inproc_advance(): the server settles between
 *                             wake-ups). inproc_act(): manager_act() at an instant, as a method
 *                             handler calls it.
 *   inproc_run(cond, data, what)  runs the loop until cond(data); false (and a diagnostic) after
 *                             INPROC_WAIT_USEC of real time: a bound for a failing test, never a
 *                             wait that a passing one needs.
 *   InprocServer              a recording org.freedesktop.Notifications on its own connection
 *                             of the same loop: every call kept (inproc_server_call()), its
 *                             capabilities chosen, ActionInvoked / NotificationClosed sent on
 *                             demand, calls held unanswered until released or until it leaves.
 *   inproc_settle(s)          round trips from the server to the manager until nothing new
 *                             comes: whatever the last change set off (a GetCapabilities, then
 *                             its Notify) has reached the server, so "nothing more came" holds.
 *
 * Instants: inproc_at("HH:MM[:SS]") on the test's day, Monday 2026-11-23, in UTC. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"
#include "manager.h"

/* How long inproc_run() lets a condition take before it fails the test. */
#define INPROC_WAIT_USEC (20 * USEC_PER_SEC)

/* The instant the manager's clock (manager_now()) says: what a notification action acts at. */
extern usec_t inproc_now;
/* The test's temporary folder (config, state). */
extern char *inproc_dir;

typedef struct InprocServer InprocServer;

int inproc_setup(void);
usec_t inproc_at(const char *hhmmss);

Manager *inproc_manager_new(const char *conf);
void inproc_begin(Manager *m, usec_t now);
void inproc_tick(Manager *m, usec_t t);
/* inproc_tick(), letting the server (NULL: none) settle after each wake-up, as minutes between
 * events would: a notification's id is known before the next event comes. */
void inproc_advance(Manager *m, InprocServer *s, usec_t t);
int inproc_act(Manager *m, usec_t now, ActionKind kind, const char *entry, usec_t duration, const char *message);
/* Frees m and removes its state and history: the next manager starts afresh. */
void inproc_manager_free(Manager *m);
/* A restart as kill -9 leaves it: m freed without a save at exit, its files kept, and a new
 * Manager on them, not yet begun (remove m's listeners first; add them to the new one). */
Manager *inproc_manager_restart(Manager *m, const char *conf);

bool inproc_run(bool (*cond)(void *data), void *data, const char *what);

/* The log since the last inproc_log_mark(): the number of lines that contain s. */
void inproc_log_mark(void);
unsigned inproc_log_count(const char *s);
/* Runs the loop until n lines since the mark contain s; false after the bound. */
bool inproc_log_wait(const char *s, unsigned n);

typedef enum InprocAnswer {
        INPROC_ANSWER,           /* every call answered at once */
        INPROC_HOLD,             /* Notify, CloseNotification, SetModes kept unanswered (release, or leave) */
        INPROC_WRONG_TYPE,       /* Notify answered with a string where the id belongs */
} InprocAnswer;

typedef struct InprocCall {
        char method[24];         /* "Notify", "CloseNotification", "GetCapabilities", "GetServerInformation",
                                  * as mako "ListModes", "SetModes" */
        uint32_t id;             /* Notify: the id answered (replaces_id, or the next); Close: its argument */
        char *app, *icon, *summary, *body;
        uint32_t replaces_id;
        char *actions;           /* "key|Label|key|Label", "" for none */
        char *hints;             /* as sent, "urgency=1 category=… desktop-entry=recharged transient=1" */
        int32_t expire;
} InprocCall;

/* caps: space-separated capabilities, e.g. "body actions". Owns the name before it returns. Its
 * peer is the manager of the moment (one at a time: the last inproc_manager_new()). */
InprocServer *inproc_server_new(const char *caps);
/* Leaves the bus (unanswered calls get the bus's "recipient disconnected"); NULL is fine. */
InprocServer *inproc_server_free(InprocServer *s);
void inproc_server_answer(InprocServer *s, InprocAnswer how);
/* The server says it is mako from now on, and answers fr.emersion.Mako's ListModes and SetModes
 * (recorded, SetModes with the modes in body, "a,b"; held under INPROC_HOLD), its modes first
 * those of the comma-separated list. */
void inproc_server_be_mako(InprocServer *s, const char *modes);
/* Answers the held calls in the order they came; later ones are answered at once. */
void inproc_server_release(InprocServer *s);
size_t inproc_server_held(InprocServer *s);
/* Calls of method (NULL: all) so far, and the k-th of them (from 0; NULL past the end). */
size_t inproc_server_count(InprocServer *s, const char *method);
const InprocCall *inproc_server_call(InprocServer *s, const char *method, size_t k);
/* Runs the loop until the server has had n calls of method, then inproc_settle(): the n-th, or
 * NULL after the bound. */
const InprocCall *inproc_server_wait(InprocServer *s, const char *method, size_t n);
/* The user clicked action key of notification id; the notification was closed (reason). Both
 * return once the manager has handled the signal. */
int inproc_server_action(InprocServer *s, uint32_t id, const char *key);
int inproc_server_closed(InprocServer *s, uint32_t id, uint32_t reason);
void inproc_settle(InprocServer *s);

/* A connection of another program on the test's bus, on the loop (the caller unrefs it). */
sd_bus *inproc_bus_connect(void);
/* A method call from bus, the loop run until its answer: the reply or the error (unref it), or
 * NULL after the bound. types and what follows: its arguments, as sd_bus_message_append(). */
sd_bus_message *inproc_call(sd_bus *bus, const char *dest, const char *path, const char *iface, const char *member,
                            const char *types, ...);
sd_bus_message *inproc_call_message(sd_bus *bus, sd_bus_message *msg);
/* One round trip from bus to the manager's connection: whatever bus sent before is handled. */
void inproc_ping(sd_bus *bus, Manager *m);

/* The manager's signals on its root object, as another program hears them: one line each,
 * "Member arg …" (strings, numbers, booleans; other types as "(a)"), PropertiesChanged as
 * "PropertiesChanged Name=value …". */
typedef struct InprocSignals InprocSignals;
InprocSignals *inproc_signals_new(void);
InprocSignals *inproc_signals_free(InprocSignals *sg);
/* Every line heard since the last take (after a round trip: all the manager sent), forgotten. */
char *inproc_signals_take(InprocSignals *sg);
