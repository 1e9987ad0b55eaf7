/* SPDX-License-Identifier: MIT */
/* digest.c: a monitor connection on the session bus that sees other applications' Notify calls
 * and passes on only their app name (the first argument): the summary and body are never read. */
#include <stdlib.h>

#include "digest.h"
#include "log.h"
#include "manager.h"

struct Digest {
        Manager *manager;
        sd_bus *bus;             /* NULL once the bus refused to let us monitor */
        sd_bus_slot *filter;
        sd_bus_slot *become;     /* the BecomeMonitor call, until answered */
};

Digest *digest_free(Digest *d) {
        if (!d)
                return NULL;
        sd_bus_slot_unref(d->become);
        sd_bus_slot_unref(d->filter);
        sd_bus_flush_close_unref(d->bus);
        free(d);
        return NULL;
}

static int on_message(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Digest *d = userdata;
        const char *app = NULL;
        uint8_t type = 0;

        /* A monitor sees copies: never answered, whatever they are. */
        if (sd_bus_message_get_type(msg, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_CALL ||
            !sd_bus_message_is_method_call(msg, "org.freedesktop.Notifications", "Notify"))
                return 1;
        if (sd_bus_message_read(msg, "s", &app) < 0)
                return 1;
        manager_count_notification(d->manager, app);
        return 1;
}

/* The bus's answer to BecomeMonitor: from here on the connection only listens. */
static int on_become_monitor(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        Digest *d = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        d->become = sd_bus_slot_unref(d->become);
        if (e) {
                log_info("No digest of what arrived while recharging: the session bus refuses to let us monitor "
                         "notifications (%s).", e->message ?: e->name ?: "refused");
                /* Closed from the loop's next turn: not while sd-bus still dispatches this reply. */
                d->bus = sd_bus_flush_close_unref(d->bus);
                return 0;
        }
        /* sd-bus must answer none of what it sees from now on (the filter already takes all). */
        (void) sd_bus_set_monitor(d->bus, true);
        log_debug("Counting other applications' notifications during dnd recharges (digest = yes).");
        return 0;
}

/* Asynchronous: the connection's authentication, Hello and BecomeMonitor go on while the daemon
 * answers its first calls, instead of three round trips to the bus before it. Until the bus has
 * answered, no other application's Notify is seen (as before the name was ours, when the setup
 * was synchronous and came after it). */
int digest_start(Manager *m, Digest **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Digest *d = NULL;
        int r;

        *ret = NULL;
        if (!m->config->digest)
                return 0;

        r = sd_bus_open_user_with_description(&bus, "recharged-digest");
        if (r < 0)
                return log_info_errno(r, "No digest of what arrived while recharging: cannot connect to the session "
                                         "bus a second time: %m"), 0;
        d = calloc(1, sizeof(Digest));
        if (!d)
                return log_oom();
        d->manager = m;
        d->bus = TAKE_PTR(bus);
        /* The filter sees every message that is no reply of ours: nothing is ever answered. */
        r = sd_bus_add_filter(d->bus, &d->filter, on_message, d);
        if (r >= 0)
                r = sd_bus_call_method_async(d->bus, &d->become, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus.Monitoring", "BecomeMonitor", on_become_monitor, d,
                                             "asu", 1,
                                             "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                                             (uint32_t) 0);
        if (r >= 0)
                r = sd_bus_attach_event(d->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                digest_free(d);
                return log_info_errno(r, "No digest of what arrived while recharging: %m"), 0;
        }
        *ret = d;
        return 0;
}

void digest_apply(Manager *m) {
        if (!m->bus)
                return;
        if (m->config->digest && !m->digest_watch)
                (void) digest_start(m, &m->digest_watch);
        else if (!m->config->digest && m->digest_watch) {
                m->digest_watch = digest_free(m->digest_watch);
                m->n_digest = 0;
                m->digest_other = 0;
                log_debug("No longer counting other applications' notifications (digest = no).");
        }
}
