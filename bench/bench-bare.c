/* SPDX-License-Identifier: MIT */
/* bench-bare.c: the floors recharged is measured against (bench/bench-floor.sh), each the least
 * a program on sd-bus can do for the same result:
 *   server              owns org.recharged.Recharged1 and answers GetStatus with a fixed a{sv}
 *                       of the same keys as recharged's: start-up to the first answer;
 *   boundaries S1 E1 …  owns the name and emits RechargeStarted at each S and RechargeEnded at each
 *                       E (epoch µs, CLOCK_REALTIME timers of 1 µs accuracy): boundary lateness;
 *   client              sd_bus_open_user() and one sd_bus_get_property_string() of Mode, printed:
 *                       the smallest client a status bar could run.
 * Prints nothing else and reads nothing: a floor, not a test. Built twice: bench-bare links
 * libsystemd only; bench-bare-stack is the same code linked against everything recharged links
 * (GLib, GIO, libnotify and what they pull in): 25 objects loaded against 10, the
 * floor for a daemon on recharged's stack. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define NAME "org.recharged.Recharged1"
#define PATH "/org/recharged/Recharged1"

static int get_status(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        /* The keys and types of recharged's GetStatus, with plausible values. */
        r = sd_bus_message_append(reply, "a{sv}", 14, "Mode", "s", "available", "DoNotDisturb", "b", 0,
                                  "Source", "s", "", "Entry", "s", "", "Since", "t", (uint64_t) 0, "Until", "t",
                                  (uint64_t) 0, "Message", "s", "", "StatusText", "s", "available",
                                  "NextEntry", "s", "evening", "NextEvent", "s", "start", "NextEventTime", "t",
                                  (uint64_t) 1796000000000000, "PausedUntil", "t", (uint64_t) 0,
                                  "TimeZone", "s", "Europe/Berlin", "Presence", "s", "active");
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int get_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", "available");
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("GetStatus", "", "a{sv}", get_status, 0),
        SD_BUS_PROPERTY("Mode", "s", get_mode, 0, 0),
        SD_BUS_VTABLE_END,
};

static size_t pending;
static sd_bus *bus;

static int on_boundary(sd_event_source *s, uint64_t usec, void *userdata) {
        const char *member = userdata;

        sd_bus_emit_signal(bus, PATH, NAME, member, "ssts", "schedule", "b", (uint64_t) 0, "");
        if (--pending == 0)
                sd_event_exit(sd_event_source_get_event(s), 0);
        return 0;
}

static int serve(int argc, char **argv, bool boundaries) {
        sd_event *event = NULL;
        int r;

        if (sd_event_default(&event) < 0 || sd_bus_open_user(&bus) < 0)
                return 1;
        if (sd_bus_attach_event(bus, event, 0) < 0 || sd_bus_add_object_vtable(bus, NULL, PATH, NAME, vtable, NULL) < 0)
                return 1;
        for (int i = 2; boundaries && i < argc; i++) {
                sd_event_source *s = NULL;
                r = sd_event_add_time(event, &s, CLOCK_REALTIME, strtoull(argv[i], NULL, 10), 1, on_boundary,
                                      (void *) ((i - 2) % 2 == 0 ? "RechargeStarted" : "RechargeEnded"));
                if (r < 0)
                        return 1;
                sd_event_source_set_floating(s, true);
                pending++;
        }
        if (sd_bus_request_name(bus, NAME, 0) < 0)
                return 1;
        r = sd_event_loop(event);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0;
}

static int client(void) {
        char *mode = NULL;

        if (sd_bus_open_user(&bus) < 0 || sd_bus_get_property_string(bus, NAME, PATH, NAME, "Mode", NULL, &mode) < 0)
                return 1;
        puts(mode);
        free(mode);
        sd_bus_flush_close_unref(bus);
        return 0;
}

int main(int argc, char **argv) {
        if (argc == 2 && strcmp(argv[1], "server") == 0)
                return serve(argc, argv, false);
        if (argc > 2 && strcmp(argv[1], "boundaries") == 0)
                return serve(argc, argv, true);
        if (argc == 2 && strcmp(argv[1], "client") == 0)
                return client();
        fprintf(stderr, "usage: bench-bare server | boundaries S1 E1 [S2 E2…] | client\n");
        return 2;
}
