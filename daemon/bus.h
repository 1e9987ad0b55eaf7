/* SPDX-License-Identifier: MIT */
/* bus.h: recharged on the session bus: the root object, the entry objects, signals. */
#pragma once

#include "manager.h"

/* Opens the user bus, adds the objects, attaches to the loop. */
int bus_setup(Manager *m);
/* Requests the well-known name; -EEXIST (logged as "already running?") when someone has it. */
int bus_request_name(Manager *m);
void bus_done(Manager *m);
