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
        sd_event_source *later;  /* opens the connection at the loop's first idle turn */
};

Digest *digest_free(Digest *d) {
        if (!d)
                return NULL;
        sd_event_source_disable_unref(d->later);
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
                /* As a refusal at start-up always was: no digest until a reload asks again. sd-bus
                 * holds its own reference to the connection while it dispatches this reply. */
                if (d->manager->digest_watch == d)
                        d->manager->digest_watch = digest_free(d);
                return 0;
        }
        /* sd-bus must answer none of what it sees from now on (the filter already takes all). */
        (void) sd_bus_set_monitor(d->bus, true);
        log_debug("Counting other applications' notifications during dnd recharges (digest = yes).");
        return 0;
}

/* Asynchronous: the connection's authentication, Hello and BecomeMonitor go on while the daemon
 * answers its calls. Until the bus has answered, no other application's Notify is seen. */
static int digest_connect(Digest *d) {
        int r;

        r = sd_bus_open_user_with_description(&d->bus, "recharged-digest");
        if (r < 0)
                return log_info_errno(r, "No digest of what arrived while recharging: cannot connect to the session "
                                         "bus a second time: %m");
        /* The filter sees every message that is no reply of ours: nothing is ever answered. */
        r = sd_bus_add_filter(d->bus, &d->filter, on_message, d);
        if (r >= 0)
                r = sd_bus_call_method_async(d->bus, &d->become, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus.Monitoring", "BecomeMonitor", on_become_monitor, d,
                                             "asu", 1,
                                             "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                                             (uint32_t) 0);
        if (r >= 0)
                r = sd_bus_attach_event(d->bus, d->manager->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_info_errno(r, "No digest of what arrived while recharging: %m");
        return 0;
}

static int on_later(sd_event_source *s, void *userdata) {
        Digest *d = userdata;
        Manager *m = d->manager;

        d->later = sd_event_source_disable_unref(d->later);
        if (digest_connect(d) < 0 && m->digest_watch == d)
                m->digest_watch = digest_free(d); /* said; a reload tries again */
        return 0;
}

/* The connection is opened at the loop's first idle turn, not before the loop answers: a second
 * connection's authentication, Hello and BecomeMonitor are the bus's work too, and at start-up
 * they came before the first answer (measured: as much again as the rest of the start-up at 16
 * entries). Nothing is counted outside a dnd recharge, so a monitor that starts a few
 * milliseconds later sees what it is there for. */
int digest_start(Manager *m, Digest **ret) {
        Digest *d;
        int r;

        *ret = NULL;
        if (!m->config->digest)
                return 0;

        d = calloc(1, sizeof(Digest));
        if (!d)
                return log_oom();
        d->manager = m;
        r = sd_event_add_defer(m->event, &d->later, on_later, d);
        if (r >= 0)
                r = sd_event_source_set_priority(d->later, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                (void) sd_event_source_set_description(d->later, "digest-connect");
        else if (digest_connect(d) < 0) { /* no idle turn to wait for: at once */
                digest_free(d);
                return 0;
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
