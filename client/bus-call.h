/* SPDX-License-Identifier: MIT */
/* bus-call.h: rechargectl's side of the bus: connect, call a method and explain a refusal, read
 * GetStatus() and the entry objects into plain structs. */
#pragma once

#include <systemd/sd-bus.h>

#include "config.h"
#include "output.h"

#define NOT_RUNNING_TEXT "recharged is not running; start it with: systemctl --user start recharged"

/* Returned (after the one line has been printed, unless quiet) when recharged cannot be reached. */
#define BUS_OFFLINE (-EHOSTDOWN)

/* How long a call may take, D-Bus activation included. A status bar asks for the status every few
 * seconds and must never hang: status-like calls get the short one. */
#define RECHARGECTL_STATUS_TIMEOUT (5 * USEC_PER_SEC)
#define RECHARGECTL_CHANGE_TIMEOUT (25 * USEC_PER_SEC)

/* Opens the user bus; BUS_OFFLINE when there is none. Prints nothing. */
int bus_open(sd_bus **ret);
/* The same bus for a program that waits: a socket that does not exist yet (or does not listen) is
 * waited for (inotify; the calls sent meanwhile go out once connected). A negative errno when
 * there is no address to wait on ($DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR unset) or it is
 * not a socket in the file system. */
int bus_open_waiting(sd_bus **ret);
/* Every call on bus waits at most timeout. */
void bus_set_timeout(sd_bus *bus, usec_t timeout);

/* Whether recharged, not running, may be started (bus_check_startable()'s rules, without asking
 * whether it runs). */
bool bus_may_start(sd_bus *bus);
/* Whether reply is the bus's own NameHasNoOwner (a call sent without auto-start, nobody there). */
bool bus_reply_is_no_owner(sd_bus_message *reply);
/* Whether org.recharged.Recharged1 has an owner now: 1, 0, or a negative errno. */
int bus_name_has_owner(sd_bus *bus);
/* When recharged is not running and the config it would read does not pass check-config (so an
 * activation can only fail), BUS_OFFLINE and the one line that says so; else 0. */
int bus_check_startable(sd_bus *bus, char **ret_reason);
/* The one line that says why recharged cannot be reached and what to do next: a bad config (its
 * first error line), a failed unit, a failed activation, a timeout, or not running. */
char *bus_offline_reason(const sd_bus_error *e, int r);
/* The first error line of the config recharged would read; NULL when it passes check-config. */
char *bus_config_problem(void);
/* A refusal in the CLI's words: the daemon's message with the API's words replaced. */
char *bus_error_text(const sd_bus_error *e);

/* Whether an error means that nobody answers for org.recharged.Recharged1. */
bool bus_error_is_offline(const sd_bus_error *e, int r);

/* A call sent now and waited for later: calls sent together (the first right after bus_open(), with
 * the bus's Hello) go out in one write and share their round trip. A call to recharged is sent
 * without auto-start; when the bus answers that nobody owns the name, bus_call_wait() sends it
 * again asking for a start, unless that can only fail (bus_check_startable()'s rules). */
typedef struct BusCall {
        sd_bus_message *call;
        sd_bus_slot *slot;
        sd_bus_message *reply;
        usec_t timeout;
        bool may_start;
} BusCall;
/* Sends m (not yet sealed) with timeout (0: the connection's); c is set up here. */
int bus_call_send(sd_bus *bus, sd_bus_message *m, usec_t timeout, BusCall *c);
/* Waits for c's answer: 1 and the reply, or a negative errno and error filled. Prints nothing. */
int bus_call_wait(sd_bus *bus, BusCall *c, sd_bus_error *error, sd_bus_message **ret_reply);
void bus_call_done(BusCall *c);
/* Sends m and waits for its answer, as above. */
int bus_call_message(sd_bus *bus, sd_bus_message *m, sd_bus_error *error, sd_bus_message **ret_reply);

/* Calls a method on the root object. On failure prints the daemon's message (or the
 * not-running line) to stderr and returns a negative errno (BUS_OFFLINE when not running). */
int bus_call(sd_bus *bus, const char *method, sd_bus_message **ret_reply, const char *types, ...);
/* The same without printing; error gets the failure. */
int bus_call_quiet(sd_bus *bus, const char *method, sd_bus_error *error, sd_bus_message **ret_reply,
                   const char *types, ...);
/* Prints a failed call's error as bus_call() does; returns r (BUS_OFFLINE when not running). */
int bus_log_error(const sd_bus_error *e, int r);

/* Reads an a{sv} of status properties (GetStatus' reply, PropertiesChanged' changes) into s. */
/* Walks an a{sv} dictionary, calling field() with the message at each value (it must read or
 * skip it). */
int bus_read_dict(sd_bus_message *m, int (*field)(sd_bus_message *m, const char *key, void *userdata),
                  void *userdata);
int status_read(sd_bus_message *m, Status *s);
/* A variant holding the basic TYPE into p (a string is copied into the char * p points to); one of
 * another type is skipped. */
int bus_read_variant(sd_bus_message *m, char type, void *p);
/* GetStatus() into s (initialised by the caller). With ret_offline_reason, print nothing when
 * offline and return why there. */
int bus_get_status(sd_bus *bus, Status *s, char **ret_offline_reason);
/* The same in two halves, so that other calls can go out beside it. */
int bus_get_status_send(sd_bus *bus, BusCall *c);
int bus_get_status_finish(sd_bus *bus, BusCall *c, Status *s, char **ret_offline_reason);

/* ---- org.recharged.Share1 (share-bus.c) ---- */

/* What status and watch wait for recharged-share, at most: it is asked beside recharged, and a bar
 * must not wait on a helper that is stuck; `rechargectl share` waits as long as for recharged. */
#define SHARE_STATUS_TIMEOUT (500 * USEC_PER_MSEC)
#define SHARE_CALL_TIMEOUT RECHARGECTL_STATUS_TIMEOUT

/* Reads an a{sv} of Share1 properties (GetAll's reply, PropertiesChanged' changes) into s. */
int share_status_read(sd_bus_message *m, ShareStatus *s);
/* Properties.GetAll of Share1, never starting recharged-share, waiting at most timeout: 0 and
 * s->online, or a negative errno (error filled, nothing printed). */
int bus_get_share(sd_bus *bus, usec_t timeout, ShareStatus *s, sd_bus_error *error);
/* The same in two halves, so that it goes out beside recharged's GetStatus. */
int bus_get_share_send(sd_bus *bus, usec_t timeout, BusCall *c);
int bus_get_share_finish(sd_bus *bus, BusCall *c, ShareStatus *s, sd_bus_error *error);
/* The same, answered to callback. */
int bus_get_share_async(sd_bus *bus, sd_bus_slot **ret_slot, usec_t timeout, sd_bus_message_handler_t callback,
                        void *userdata);

/* Every entry object's rule, through ObjectManager.GetManagedObjects(), sorted by name. */
int bus_get_entries(sd_bus *bus, Entry **ret, size_t *ret_n);
void entries_free(Entry *e, size_t n);
