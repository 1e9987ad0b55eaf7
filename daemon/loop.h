/* SPDX-License-Identifier: MIT */
/* loop.h: sd-event attached to GLib's default main context, so libnotify and sd-bus share one
 * thread and one poll. */
#pragma once

#include <systemd/sd-event.h>

/* Attaches e to GLib's default main context and runs a GMainLoop until sd_event_exit() is
 * called on e (an exit handler quits the GLib loop). Returns the exit code given to
 * sd_event_exit(), or a negative errno if the loop could not be set up or sd-event itself failed
 * while running (logged once; the loop ends there, as sd_event_loop() does). */
int loop_run(sd_event *e);
