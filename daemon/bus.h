/* SPDX-License-Identifier: MIT */
/* bus.h: recharged on the session bus: the root object, the entry objects, signals. */
#pragma once

#include "manager.h"

/* Opens the user bus, adds the objects, attaches to the loop. */
int bus_setup(Manager *m);
/* Requests the well-known name; -EEXIST (logged as "already running?") when someone has it. */
int bus_request_name(Manager *m);
void bus_done(Manager *m);

/* mask: a bit per StatusProperty. No-ops before the bus is set up. */
void bus_emit_status_changed(Manager *m, unsigned mask);
void bus_emit_entry_live_changed(Manager *m, size_t i, const EntryLive *old, const EntryLive *new);
void bus_emit_entry_added(Manager *m, size_t i);
void bus_emit_entry_removed(Manager *m, const char *name);
/* PropertiesChanged for what a reload changed about entry i (old: the same entry before). */
void bus_emit_entry_rule_changed(Manager *m, const Entry *old, size_t i);
