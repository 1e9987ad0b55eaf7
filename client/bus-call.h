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

/* Opens the user bus; BUS_OFFLINE when there is none. Prints nothing. */
int bus_open(sd_bus **ret);

/* Whether an error means that nobody answers for org.recharged.Recharged1. */
bool bus_error_is_offline(const sd_bus_error *e, int r);

/* Calls a method on the root object. On failure prints the daemon's message (or the
 * not-running line) to stderr and returns a negative errno (BUS_OFFLINE when not running). */
int bus_call(sd_bus *bus, const char *method, sd_bus_message **ret_reply, const char *types, ...);
/* The same without printing; error gets the failure. */
int bus_call_quiet(sd_bus *bus, const char *method, sd_bus_error *error, sd_bus_message **ret_reply,
                   const char *types, ...);
/* Prints a failed call's error as bus_call() does; returns r (BUS_OFFLINE when not running). */
int bus_log_error(const sd_bus_error *e, int r);

/* Reads an a{sv} of status properties (GetStatus' reply, PropertiesChanged' changes) into s. */
int status_read(sd_bus_message *m, Status *s);
/* GetStatus() into s (initialised by the caller). quiet: print nothing when offline. */
int bus_get_status(sd_bus *bus, Status *s, bool quiet);

/* Every entry object's rule, through ObjectManager.GetManagedObjects(), sorted by name. */
int bus_get_entries(sd_bus *bus, Entry **ret, size_t *ret_n);
void entries_free(Entry *e, size_t n);
