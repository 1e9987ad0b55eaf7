/* SPDX-License-Identifier: MIT */
/* notify.c: desktop notifications for the schedule's events and their actions, over
 * asynchronous calls with a timeout, so no notification server can stall the daemon.
 *
 * Why the calls are ours and not libnotify's: notify_notification_show() and
 * notify_get_server_caps() are synchronous (GDBus's default 25 s timeout), and merely disposing
 * a NotifyNotification calls libnotify's _notify_get_proxy(), which creates its proxy and asks
 * GetServerInformation synchronously when it has none yet: with a server that never answers,
 * either would freeze every bus call of ours. libnotify 0.8.1 also sends actions whether or not
 * the server has the "actions" capability. So libnotify names the application (notify_init(),
 * notify_get_app_name()) and gives the urgency levels; the Notify, GetCapabilities and
 * CloseNotification calls go out on our sd-bus connection with a timeout, and we listen for
 * ActionInvoked and NotificationClosed ourselves (the notification spec, version 1.2). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "notify.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <glib.h>
#include <libnotify/notify.h>

typedef enum NotifyKind {
        NOTIFY_HEADS_UP,
        NOTIFY_START,
        NOTIFY_END,
        NOTIFY_REMINDER,
        NOTIFY_CLOSE,            /* CloseNotification of a start that no end replaces */
        _NOTIFY_KIND_MAX,
} NotifyKind;

/* How the server took our last call. Zero is the start: nothing said about it yet. */
typedef enum ServerHealth {
        SERVER_HEALTH_ANSWERS,
        SERVER_HEALTH_ABSENT,    /* nothing owns the name */
        SERVER_HEALTH_SILENT,    /* no answer within the timeout, or it left without one */
        SERVER_HEALTH_REFUSING,  /* an error of its own */
} ServerHealth;

/* Pairs of action key and label, as Notify takes them. */
static const char * const heads_up_actions[] = {
        "start-now", "Start now", "snooze", "Snooze 10 min", "skip", "Skip this time", NULL,
};
static const char * const start_actions[] = {
        "extend", "Extend 15 min", "stop", "End now", NULL,
};
static const char * const reminder_actions[] = {
        "done", "Done", "snooze", "Snooze 10 min", NULL,
};

/* What each kind looks like. Icons from the freedesktop icon naming spec; categories from the
 * notification spec where one fits, else our own "x-recharged.*" (dunst and mako rules can
 * match them). Transient (not kept in the server's history): the ones without a time in them,
 * whose moment has passed once they are seen. */
static const struct {
        const char *name;
        const char *icon;
        const char *category;
        bool transient;
} kind_info[_NOTIFY_KIND_MAX] = {
        [NOTIFY_HEADS_UP] = { "heads-up", "appointment-soon", "x-recharged.heads-up", false },
        [NOTIFY_START] = { "start", "user-away", "presence.offline", false },
        [NOTIFY_END] = { "end", "user-available", "presence.online", true },
        [NOTIFY_REMINDER] = { "reminder", "dialog-information", "x-recharged.reminder", true },
        [NOTIFY_CLOSE] = { "close" },
};

typedef struct Request Request;
typedef struct RechargeNote RechargeNote;

/* One notification on its way: GetCapabilities, then Notify (or CloseNotification). */
struct Request {
        Notifier *notifier;
        Request *prev, *next;    /* in flight */
        bool linked;
        sd_bus_slot *slot;
        NotifyKind kind;
        bool manual;
        char entry[RECHARGED_ENTRY_NAME_MAX + 1];
        char *summary, *body;
        NotifyUrgency urgency;
        int32_t expire_ms;       /* -1: the server's default */
        uint32_t replaces_id;
        const char * const *actions;
        RechargeNote *note;      /* START: the recharge whose end may replace it */
        Request *parked_next;    /* waiting for silencing (manager_hold_notifications()) */
        bool cap_actions, cap_markup; /* the server's capabilities, for a parked Notify */
};

/* A recharge we showed the start of: its end replaces that notification (same id). */
struct RechargeNote {
        bool used;
        bool manual;
        char entry[RECHARGED_ENTRY_NAME_MAX + 1];
        usec_t of;               /* the occurrence, for the manager's record of the id */
        uint32_t id;             /* the start notification, 0 while unknown or once closed */
        Request *start;          /* its Notify, still in flight */
        Request *end;            /* the end, waiting for that reply to learn the id */
};

/* A notification the server showed, to answer its actions. */
typedef struct Shown {
        uint32_t id;             /* 0: free */
        NotifyKind kind;
        bool manual;
        char entry[RECHARGED_ENTRY_NAME_MAX + 1];
} Shown;

struct Notifier {
        Manager *manager;
        sd_bus_slot *action_slot, *closed_slot;
        Request *pending;
        size_t n_pending;
        RechargeNote recharges[NOTIFY_RECHARGES_MAX];
        Shown shown[NOTIFY_SHOWN_MAX];
        size_t shown_next;
        char *owner;             /* the server's unique name, from its last answer */
        ServerHealth health;     /* how the last call went: each failure said once, quiet until it answers */
        usec_t call_timeout;     /* NOTIFY_CALL_TIMEOUT_USEC (notifier_set_call_timeout) */
        Request *parked, **parked_tail; /* in the order they were to be sent */
        sd_event_source *flush;  /* sends what is parked once the change is heard by all (on_flush) */
};

static int send_request(Notifier *n, Request *q);

static Request *request_free(Request *q) {
        if (!q)
                return NULL;
        sd_bus_slot_unref(q->slot);
        free(q->summary);
        free(q->body);
        free(q);
        return NULL;
}

static void request_unlink(Request *q) {
        Notifier *n = q->notifier;

        if (q->linked) {
                if (q->prev)
                        q->prev->next = q->next;
                else
                        n->pending = q->next;
                if (q->next)
                        q->next->prev = q->prev;
                n->n_pending--;
        }
        q->linked = false;
        q->prev = q->next = NULL;
        q->slot = sd_bus_slot_unref(q->slot);
}

static void request_link(Request *q) {
        Notifier *n = q->notifier;

        q->prev = NULL;
        q->next = n->pending;
        if (n->pending)
                n->pending->prev = q;
        n->pending = q;
        n->n_pending++;
        q->linked = true;
}

static int request_new(Notifier *n, NotifyKind kind, const ManagerEvent *ev, Request **ret) {
        Request *q;

        q = calloc(1, sizeof(Request));
        if (!q)
                return -ENOMEM;
        q->notifier = n;
        q->kind = kind;
        q->manual = ev && streq_ptr(ev->source, "manual");
        snprintf(q->entry, sizeof q->entry, "%s", ev ? ev->entry : "");
        q->urgency = NOTIFY_URGENCY_NORMAL;
        q->expire_ms = -1;
        *ret = q;
        return 0;
}

/* ---- the server answering, or not ---- */

static ServerHealth server_health_from_error(const sd_bus_error *e) {
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return SERVER_HEALTH_ABSENT;
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) || sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT))
                return SERVER_HEALTH_SILENT;
        return SERVER_HEALTH_REFUSING;
}

/* One warning per kind of failure: a server that is gone and then one that hangs are two things
 * to say, the same failure at every event is one. */
static void server_failed(Notifier *n, const char *what, const sd_bus_error *e) {
        ServerHealth f = server_health_from_error(e);

        if (n->health == f) {
                log_debug("Notification server still not answering (%s: %s).", e->name, e->message);
                return;
        }
        n->health = f;
        switch (f) {
        case SERVER_HEALTH_ABSENT:
                log_warning("No notification server on the session bus (nothing owns %s): the %s notification is not shown. "
                            "recharged keeps running and tries again at the next event.",
                            NOTIFY_BUS_NAME, what);
                break;
        case SERVER_HEALTH_SILENT:
                /* sd-bus's own timeout says "Method call timed out"; the bus says why otherwise
                 * (the server left the bus without answering). */
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) || streq_ptr(e->message, "Method call timed out"))
                        log_warning("The notification server did not answer within %.3g s: the %s notification is not shown. "
                                    "recharged keeps running and tries again at the next event.",
                                    (double) n->call_timeout / USEC_PER_SEC, what);
                else
                        log_warning("The notification server did not answer (%s): the %s notification is not shown. "
                                    "recharged keeps running and tries again at the next event.",
                                    e->message ?: e->name, what);
                break;
        default:
                log_warning("The notification server refused the %s notification (%s: %s). recharged tries again at the next event.",
                            what, e->name, e->message);
                break;
        }
}

static void server_answered(Notifier *n, sd_bus_message *reply) {
        const char *sender = sd_bus_message_get_sender(reply);

        if (n->health != SERVER_HEALTH_ANSWERS)
                log_info("The notification server answers again: notifications are shown from now on.");
        n->health = SERVER_HEALTH_ANSWERS;

        /* Ids belong to one server: a new one (a restart, another program) knows none of ours. */
        if (sender && !streq_ptr(sender, n->owner)) {
                char *s = strdup(sender);
                if (!s) {
                        log_oom();
                        return;
                }
                if (n->owner) {
                        log_debug("The notification server is now %s (was %s).", sender, n->owner);
                        memset(n->shown, 0, sizeof n->shown);
                        for (size_t k = 0; k < NOTIFY_RECHARGES_MAX; k++)
                                n->recharges[k].id = 0;
                }
                free(n->owner);
                n->owner = s;
        }
}

/* ---- what was shown ---- */

static Shown *shown_find(Notifier *n, uint32_t id) {
        if (id == 0)
                return NULL;
        for (size_t k = 0; k < NOTIFY_SHOWN_MAX; k++)
                if (n->shown[k].id == id)
                        return &n->shown[k];
        return NULL;
}

static void shown_add(Notifier *n, const Request *q, uint32_t id) {
        Shown *s = shown_find(n, id);

        if (!s) {
                s = &n->shown[n->shown_next];
                n->shown_next = (n->shown_next + 1) % NOTIFY_SHOWN_MAX;
        }
        *s = (Shown) { .id = id, .kind = q->kind, .manual = q->manual };
        snprintf(s->entry, sizeof s->entry, "%s", q->entry);
}

/* The recharge's note that still waits for its end (one whose end is already deferred, waiting
 * for its start's id, belongs to an earlier run of the same recharge). */
static RechargeNote *note_find(Notifier *n, bool manual, const char *entry) {
        for (size_t k = 0; k < NOTIFY_RECHARGES_MAX; k++) {
                RechargeNote *r = &n->recharges[k];
                if (r->used && !r->end && r->manual == manual && streq(r->entry, entry ?: ""))
                        return r;
        }
        return NULL;
}

static void note_free(RechargeNote *r) {
        if (r->start)
                r->start->note = NULL;
        request_free(r->end);
        *r = (RechargeNote) {};
}

static RechargeNote *note_new(Notifier *n, bool manual, const char *entry, usec_t of) {
        RechargeNote *r = note_find(n, manual, entry);

        /* Started again without having ended (cannot happen, but if it did): forget the old. */
        if (r)
                note_free(r);
        for (size_t k = 0; k < NOTIFY_RECHARGES_MAX; k++) {
                r = &n->recharges[k];
                if (r->used)
                        continue;
                *r = (RechargeNote) { .used = true, .manual = manual, .of = of };
                snprintf(r->entry, sizeof r->entry, "%s", entry ?: "");
                return r;
        }
        return NULL; /* more at once than we track: their ends come as new notifications */
}

/* The start's Notify is done (id 0: not shown): send the end that waited for it, if any. */
static void note_start_done(Notifier *n, RechargeNote *r, uint32_t id) {
        Request *end;

        r->start = NULL;
        r->id = id;
        /* Kept in the state: after a restart the end still replaces it. */
        if (id != 0)
                manager_set_note(n->manager, r->manual, r->entry, r->of, id);
        if (!r->end)
                return;
        end = TAKE_PTR(r->end);
        end->replaces_id = id;
        note_free(r);
        if (end->kind == NOTIFY_CLOSE && id == 0) {
                request_free(end);
                return;
        }
        (void) send_request(n, end);
}

/* ---- the calls ---- */

static void request_finished(Notifier *n, Request *q, uint32_t id) {
        if (q->note)
                note_start_done(n, q->note, id);
        request_unlink(q);
        request_free(q);
}

static int append_hints(sd_bus_message *msg, const Request *q) {
        int r;

        r = sd_bus_message_open_container(msg, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(msg, "{sv}", "urgency", "y", (uint8_t) q->urgency);
        if (r >= 0)
                r = sd_bus_message_append(msg, "{sv}", "category", "s", kind_info[q->kind].category);
        if (r >= 0)
                r = sd_bus_message_append(msg, "{sv}", "desktop-entry", "s", "recharged");
        if (r >= 0 && kind_info[q->kind].transient)
                r = sd_bus_message_append(msg, "{sv}", "transient", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        return r;
}

static int on_notify_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Request *q = userdata;
        Notifier *n = q->notifier;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t id = 0;
        int r;

        if (e) {
                server_failed(n, kind_info[q->kind].name, e);
                request_finished(n, q, 0);
                return 0;
        }
        server_answered(n, reply);
        if (q->kind != NOTIFY_CLOSE) {
                const char *sig = sd_bus_message_get_signature(reply, true);

                /* sd-bus says a wrong type as -ENXIO ("No such device or address"): say what came. */
                r = streq_ptr(sig, "u") ? sd_bus_message_read(reply, "u", &id) : -EBADMSG;
                if (r == -EBADMSG)
                        log_warning("The notification server answered Notify with '%s' where an id ('u') belongs, "
                                    "ignoring the answer.", sig ?: "");
                else if (r < 0)
                        log_warning_errno(r, "The notification server's answer to Notify is malformed, ignoring: %m");
                else {
                        log_debug("Notification %" PRIu32 " shown: %s '%s'.", id, kind_info[q->kind].name, q->summary);
                        if (q->actions)
                                shown_add(n, q, id);
                }
        }
        request_finished(n, q, id);
        return 0;
}

static int send_notify(Notifier *n, Request *q, bool actions, bool markup) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        g_autofree char *escaped = NULL;
        sd_bus *bus = n->manager->bus;
        int r;

        if (!actions)
                q->actions = NULL;
        if (markup) {
                escaped = g_markup_escape_text(q->body ?: "", -1);
                if (!escaped)
                        return -ENOMEM;
        }

        r = sd_bus_message_new_method_call(bus, &msg, NOTIFY_BUS_NAME, NOTIFY_OBJECT_PATH, NOTIFY_INTERFACE, "Notify");
        if (r >= 0)
                r = sd_bus_message_append(msg, "susss", notify_get_app_name() ?: "recharged", q->replaces_id,
                                          kind_info[q->kind].icon, q->summary ?: "", escaped ?: q->body ?: "");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "s");
        for (const char * const *a = q->actions; r >= 0 && a && *a; a++)
                r = sd_bus_message_append(msg, "s", *a);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = append_hints(msg, q);
        if (r >= 0)
                r = sd_bus_message_append(msg, "i", q->expire_ms);
        if (r >= 0)
                r = sd_bus_call_async(bus, &q->slot, msg, on_notify_reply, q, n->call_timeout);
        if (r >= 0)
                (void) sd_event_now(n->manager->event, CLOCK_MONOTONIC, &n->manager->notify_sent);
        return r;
}

static int send_close(Notifier *n, Request *q) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        sd_bus *bus = n->manager->bus;
        int r;

        r = sd_bus_message_new_method_call(bus, &msg, NOTIFY_BUS_NAME, NOTIFY_OBJECT_PATH, NOTIFY_INTERFACE,
                                           "CloseNotification");
        if (r >= 0)
                r = sd_bus_message_append(msg, "u", q->replaces_id);
        if (r >= 0)
                r = sd_bus_call_async(bus, &q->slot, msg, on_notify_reply, q, n->call_timeout);
        if (r >= 0)
                (void) sd_event_now(n->manager->event, CLOCK_MONOTONIC, &n->manager->notify_sent);
        return r;
}

/* Keeps q (linked, in flight for everyone else) until silencing lets it go: on_resume(). */
static void park(Notifier *n, Request *q, bool actions, bool markup) {
        q->cap_actions = actions;
        q->cap_markup = markup;
        q->parked_next = NULL;
        *n->parked_tail = q;
        n->parked_tail = &q->parked_next;
}

/* Silencing is done changing the server (or was not changing it): what waited goes, in order. */
static void on_resume(void *userdata) {
        Notifier *n = userdata;
        Request *q;
        int r;

        while (!n->manager->notify_held && (q = n->parked)) {
                n->parked = q->parked_next;
                if (!n->parked)
                        n->parked_tail = &n->parked;
                q->parked_next = NULL;
                r = q->kind == NOTIFY_CLOSE ? send_close(n, q) : send_notify(n, q, q->cap_actions, q->cap_markup);
                if (r < 0) {
                        log_warning_errno(r, "Failed to send the %s notification, ignoring: %m", kind_info[q->kind].name);
                        request_finished(n, q, 0);
                }
        }
}

static int on_flush(sd_event_source *es, void *userdata) {
        on_resume(userdata);
        return 0;
}

static int on_caps_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Request *q = userdata;
        Notifier *n = q->notifier;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        bool actions = false, markup = false;
        const char *cap;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);
        if (e) {
                server_failed(n, kind_info[q->kind].name, e);
                request_finished(n, q, 0);
                return 0;
        }

        r = sd_bus_message_enter_container(reply, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(reply, "s", &cap)) > 0) {
                actions = actions || streq(cap, "actions");
                markup = markup || streq(cap, "body-markup");
        }
        if (r < 0)
                log_debug_errno(r, "The notification server's capabilities are malformed, taking none: %m");

        if (n->manager->notify_held) {
                park(n, q, actions, markup);
                return 0;
        }
        r = send_notify(n, q, actions, markup);
        if (r < 0) {
                log_warning_errno(r, "Failed to send the %s notification, ignoring: %m", kind_info[q->kind].name);
                request_finished(n, q, 0);
        }
        return 0;
}

/* Sends q and takes it: GetCapabilities first (libnotify would send actions to a server without
 * the "actions" capability), then Notify from the answer. */
static int send_request(Notifier *n, Request *q) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        sd_bus *bus = n->manager->bus;
        int r;

        if (!bus) {
                r = -ENOTCONN;
                goto fail;
        }
        if (n->n_pending >= NOTIFY_PENDING_MAX) {
                log_debug("%zu notification calls are waiting for an answer already: the %s is not shown.",
                          n->n_pending, kind_info[q->kind].name);
                r = -EBUSY;
                goto fail;
        }

        if (q->kind == NOTIFY_CLOSE) {
                /* Sent once every listener has heard of the change: silencing may be about to
                 * change the server's modes (a Notify waits for its GetCapabilities anyway). */
                r = sd_event_source_set_enabled(n->flush, SD_EVENT_ONESHOT);
                if (r >= 0) {
                        request_link(q);
                        park(n, q, false, false);
                        return 0;
                }
        } else {
                r = sd_bus_message_new_method_call(bus, &msg, NOTIFY_BUS_NAME, NOTIFY_OBJECT_PATH, NOTIFY_INTERFACE,
                                                   "GetCapabilities");
                if (r >= 0)
                        r = sd_bus_call_async(bus, &q->slot, msg, on_caps_reply, q, n->call_timeout);
        }
        if (r < 0) {
                log_warning_errno(r, "Failed to send the %s notification, ignoring: %m", kind_info[q->kind].name);
                goto fail;
        }
        request_link(q);
        return 0;

fail:
        if (q->note)
                note_start_done(n, q->note, 0);
        request_free(q);
        return r;
}

/* ---- actions ---- */

static bool action_offered(NotifyKind kind, const char *key) {
        const char * const *list = kind == NOTIFY_HEADS_UP ? heads_up_actions :
                                   kind == NOTIFY_START ? start_actions :
                                   kind == NOTIFY_REMINDER ? reminder_actions : NULL;

        for (const char * const *a = list; a && *a; a += 2)
                if (streq(*a, key))
                        return true;
        return false;
}

static int on_action_invoked(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Notifier *n = userdata;
        const char *key;
        Shown *s, copy;
        Action a = {};
        uint32_t id;
        int r;

        r = sd_bus_message_read(msg, "us", &id, &key);
        if (r < 0)
                return log_debug_errno(r, "Malformed ActionInvoked, ignoring: %m"), 0;
        /* Only the server that showed our notification can say one of them was clicked. */
        if (!n->owner || !streq_ptr(sd_bus_message_get_sender(msg), n->owner))
                return 0;
        s = shown_find(n, id);
        if (!s)
                return 0;
        if (!action_offered(s->kind, key)) {
                log_debug("Notification %" PRIu32 ": unknown action '%s', ignoring.", id, key);
                return 0;
        }
        copy = *s;

        a.entry = copy.entry;
        if (streq(key, "start-now"))
                a.kind = ACTION_START_NOW;
        else if (streq(key, "skip"))
                a.kind = ACTION_SKIP;
        else if (streq(key, "done"))
                a.kind = ACTION_DONE;
        else if (streq(key, "stop"))
                a.kind = ACTION_STOP;
        else if (streq(key, "extend")) {
                a.kind = ACTION_EXTEND;
                a.duration = NOTIFY_EXTEND_USEC;
        } else {
                a.kind = ACTION_SNOOZE;
                a.duration = NOTIFY_SNOOZE_USEC;
        }

        log_info("Notification action '%s' on the %s of %s%s%s.", key, kind_info[copy.kind].name,
                 copy.manual ? "the manual recharge" : "'", copy.manual ? "" : copy.entry, copy.manual ? "" : "'");
        /* The same path as the bus methods: validated, saved, recorded and announced alike. */
        r = manager_act(n->manager, &a, manager_now(n->manager), &error);
        if (r < 0)
                log_warning("The notification's '%s' could not be done: %s", key,
                            error.message ?: "unknown error");
        return 0;
}

static int on_notification_closed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        uint32_t id, reason;
        Shown *s;
        int r;

        r = sd_bus_message_read(msg, "uu", &id, &reason);
        if (r < 0 || !n->owner || !streq_ptr(sd_bus_message_get_sender(msg), n->owner))
                return 0;
        s = shown_find(n, id);
        if (s)
                s->id = 0;
        /* A start the user dismissed is not brought back by its end: that one comes anew. */
        for (size_t k = 0; k < NOTIFY_RECHARGES_MAX; k++)
                if (n->recharges[k].used && n->recharges[k].id == id)
                        n->recharges[k].id = 0;
        return 0;
}

/* The signal matches, once the bus is there; they go out before any Notify on the same
 * connection, so no ActionInvoked can come before its match. */
static void watch_signals(Notifier *n) {
        sd_bus *bus = n->manager->bus;
        int r;

        if (!bus || n->action_slot)
                return;
        r = sd_bus_match_signal_async(bus, &n->action_slot, NOTIFY_BUS_NAME, NOTIFY_OBJECT_PATH, NOTIFY_INTERFACE,
                                      "ActionInvoked", on_action_invoked, NULL, n);
        if (r >= 0)
                r = sd_bus_match_signal_async(bus, &n->closed_slot, NOTIFY_BUS_NAME, NOTIFY_OBJECT_PATH,
                                              NOTIFY_INTERFACE, "NotificationClosed", on_notification_closed, NULL, n);
        if (r < 0) {
                log_warning_errno(r, "Failed to listen for notification actions, ignoring: %m");
                n->action_slot = sd_bus_slot_unref(n->action_slot);
                n->closed_slot = sd_bus_slot_unref(n->closed_slot);
        }
}

/* ---- the events ---- */

static bool isempty(const char *s) {
        return !s || !*s;
}

static const char *what_of(const ManagerEvent *ev) {
        if (!isempty(ev->message))
                return ev->message;
        return NULL;
}

static int build_heads_up(Notifier *n, const ManagerEvent *ev, usec_t now, Request *q) {
        Manager *m = n->manager;
        _cleanup_free_ char *from = manager_format_local(m, ev->start), *to = manager_format_local(m, ev->until);

        if (!from || !to)
                return -ENOMEM;
        if (asprintf(&q->summary, "Recharge soon: %s", what_of(ev) ?: ev->entry) < 0 ||
            asprintf(&q->body, "%s %s%s%s. Let the people around you know.", isempty(to) ? "At" : "From", from,
                     isempty(to) ? "" : " to ", to) < 0)
                return -ENOMEM;
        q->actions = heads_up_actions;
        /* It is about the minutes before the start: gone when the block begins. */
        if (ev->start > now)
                q->expire_ms = (int32_t) MIN((ev->start - now) / USEC_PER_MSEC, (usec_t) INT32_MAX);
        return 0;
}

static int build_start(Notifier *n, const ManagerEvent *ev, Request *q) {
        _cleanup_free_ char *until = manager_format_local(n->manager, ev->until);
        const char *what = what_of(ev) ?: (isempty(ev->entry) ? NULL : ev->entry);

        if (!until)
                return -ENOMEM;
        if ((what ? asprintf(&q->summary, "Recharging: %s", what) : asprintf(&q->summary, "Recharging")) < 0)
                return -ENOMEM;
        if ((ev->until ? asprintf(&q->body, "Until %s.", until) : asprintf(&q->body, "Until you end it.")) < 0)
                return -ENOMEM;
        /* An open-ended recharge cannot be extended. */
        q->actions = ev->until ? start_actions : start_actions + 2;
        /* Critical passes the silencing of KDE, GNOME, swaync and Xfce: the user still sees how to end it. */
        q->urgency = ev->dnd ? NOTIFY_URGENCY_CRITICAL : NOTIFY_URGENCY_NORMAL;
        return 0;
}

static int build_end(Notifier *n, const ManagerEvent *ev, Request *q) {
        const char *what = what_of(ev) ?: isempty(ev->entry) ? NULL : ev->entry;

        q->summary = strdup("Time to reconnect");
        if (!q->summary)
                return -ENOMEM;
        if ((what ? asprintf(&q->body, "'%s' is over. Welcome back.%s%s", what,
                             isempty(ev->digest) ? "" : "\nWhile you recharged: ", ev->digest ?: "")
                  : asprintf(&q->body, "Your recharge is over. Welcome back.%s%s",
                             isempty(ev->digest) ? "" : "\nWhile you recharged: ", ev->digest ?: "")) < 0)
                return -ENOMEM;
        return 0;
}

/* The end of a block that ran out while the person was away, said when they are back. */
static int build_welcome_back(Notifier *n, const ManagerEvent *ev, Request *q) {
        _cleanup_free_ char *at = manager_format_local(n->manager, ev->until);
        const char *what = what_of(ev) ?: isempty(ev->entry) ? NULL : ev->entry;

        if (!at)
                return -ENOMEM;
        q->summary = strdup("Welcome back");
        if (!q->summary)
                return -ENOMEM;
        if ((what ? asprintf(&q->body, "'%s' ended at %s while you were away.%s%s", what, at,
                             isempty(ev->digest) ? "" : "\nWhile you recharged: ", ev->digest ?: "")
                  : asprintf(&q->body, "Your recharge ended at %s while you were away.%s%s", at,
                             isempty(ev->digest) ? "" : "\nWhile you recharged: ", ev->digest ?: "")) < 0)
                return -ENOMEM;
        return 0;
}

static int build_reminder(Notifier *n, const ManagerEvent *ev, Request *q) {
        q->summary = strdup(what_of(ev) ?: ev->entry);
        q->body = strdup("");
        if (!q->summary || !q->body)
                return -ENOMEM;
        q->actions = reminder_actions;
        return 0;
}

/* Our own notification that is no longer true goes: a heads-up once its block began, a
 * reminder or heads-up once its action was taken (here or from the command line). */
static void close_shown(Notifier *n, const char *entry, NotifyKind kind) {
        for (size_t k = 0; k < NOTIFY_SHOWN_MAX; k++) {
                Shown *s = &n->shown[k];
                Request *q = NULL;

                if (s->id == 0 || s->kind != kind || !streq(s->entry, entry))
                        continue;
                if (request_new(n, NOTIFY_CLOSE, NULL, &q) < 0) {
                        log_oom();
                        return;
                }
                q->replaces_id = s->id;
                log_debug("Closing notification %" PRIu32 ": its moment has passed.", s->id);
                s->id = 0;
                (void) send_request(n, q);
        }
}

static void on_recharge_ended(Notifier *n, const ManagerEvent *ev) {
        RechargeNote *note = note_find(n, ev->manual, ev->entry);
        bool welcome = ev->kind == MANAGER_EVENT_WELCOME_BACK;
        /* The nudge to reconnect only when the person is really back: not while another
         * recharge goes on, not for an end long past (a restart, a wake-up); after being away
         * from the screen, once they return (WELCOME_BACK), however long ago it ended. */
        bool nudge = n->manager->config->reconnect && !ev->recharging && (welcome || !ev->late);
        Request *q = NULL;
        int r;

        if (ev->away) {
                /* Nobody is at the screen: the start notification stays until the welcome back
                 * replaces it. */
                log_debug("End of '%s' not shown: the person is away; welcomed back later.", ev->entry);
                return;
        }
        r = request_new(n, nudge ? NOTIFY_END : NOTIFY_CLOSE, ev, &q);
        if (r >= 0 && q->kind == NOTIFY_END)
                r = welcome ? build_welcome_back(n, ev, q) : build_end(n, ev, q);
        if (r < 0) {
                request_free(q);
                log_oom();
                return;
        }

        if (note && note->start) {
                /* The start's Notify is still in flight: its id is what this end replaces. */
                log_debug("The end notification waits for the start's to be answered.");
                request_free(note->end);
                note->end = q;
                return;
        }
        /* The id from this run (0 once the user dismissed it, or the server changed), else the
         * one the state kept across a restart. */
        q->replaces_id = note ? note->id : ev->note;
        if (note)
                note_free(note);
        if (q->kind == NOTIFY_CLOSE && q->replaces_id == 0) {
                request_free(q);
                return;
        }
        (void) send_request(n, q);
}

/* An end that moved: the start notification says the new one, in place. */
static void on_recharge_changed(Notifier *n, const ManagerEvent *ev) {
        RechargeNote *note = note_find(n, ev->manual, ev->entry);
        Request *q = NULL;
        int r;

        if (note && note->start)
                return; /* not shown yet: it will be, with the end it had; rare enough */
        r = request_new(n, NOTIFY_START, ev, &q);
        if (r >= 0)
                r = build_start(n, ev, q);
        if (r < 0) {
                request_free(q);
                log_oom();
                return;
        }
        q->replaces_id = note ? note->id : ev->note;
        if (!note) {
                /* Known only from the state (a restart): track it again, for the end. */
                q->note = note_new(n, ev->manual, ev->entry, ev->of);
                if (q->note)
                        q->note->start = q;
        }
        (void) send_request(n, q);
}

static void on_event(Notifier *n, const ManagerEvent *ev, usec_t now) {
        Request *q = NULL;
        int r;

        switch (ev->kind) {
        case MANAGER_EVENT_HEADS_UP:
                if (ev->recharging) {
                        /* "Let the people around you know" means nothing in the middle of a recharge. */
                        log_debug("Heads-up for '%s' not shown: a recharge is on.", ev->entry);
                        return;
                }
                r = request_new(n, NOTIFY_HEADS_UP, ev, &q);
                if (r >= 0)
                        r = build_heads_up(n, ev, now, q);
                break;
        case MANAGER_EVENT_RECHARGE_STARTED:
                if (!ev->manual)
                        close_shown(n, ev->entry, NOTIFY_HEADS_UP);
                r = request_new(n, NOTIFY_START, ev, &q);
                if (r >= 0)
                        r = build_start(n, ev, q);
                if (r >= 0) {
                        q->note = note_new(n, q->manual, ev->entry, ev->of);
                        if (q->note)
                                q->note->start = q;
                }
                break;
        case MANAGER_EVENT_RECHARGE_ENDED:
        case MANAGER_EVENT_WELCOME_BACK:
                on_recharge_ended(n, ev);
                return;
        case MANAGER_EVENT_RECHARGE_CHANGED:
                on_recharge_changed(n, ev);
                return;
        case MANAGER_EVENT_REMINDER_DUE:
                close_shown(n, ev->entry, NOTIFY_REMINDER); /* the one before, if still there */
                r = request_new(n, NOTIFY_REMINDER, ev, &q);
                if (r >= 0)
                        r = build_reminder(n, ev, q);
                break;
        default:
                return;
        }
        if (r < 0) {
                if (q && q->note)
                        note_free(q->note);
                request_free(q);
                log_oom();
                return;
        }
        (void) send_request(n, q);
}

static void on_manager_change(Manager *m, const ManagerChange *c, void *userdata) {
        Notifier *n = userdata;

        watch_signals(n);
        /* An action taken answers the notification it came from, wherever it was taken. */
        if (c->action == ACTION_DONE || c->action == ACTION_SNOOZE || c->action == ACTION_SKIP ||
            c->action == ACTION_START_NOW) {
                close_shown(n, c->action_entry, NOTIFY_REMINDER);
                close_shown(n, c->action_entry, NOTIFY_HEADS_UP);
        }
        for (size_t k = 0; k < c->n_events; k++)
                on_event(n, &c->events[k], c->now);
}

int notifier_new(Manager *m, Notifier **ret) {
        Notifier *n;
        int r;

        /* Only names the application: no D-Bus traffic happens here. */
        if (!notify_is_initted() && !notify_init("recharged"))
                return log_error_errno(-EIO, "Failed to initialise libnotify.");

        n = calloc(1, sizeof(Notifier));
        if (!n)
                return log_oom();
        n->manager = m;
        n->call_timeout = NOTIFY_CALL_TIMEOUT_USEC;
        n->parked_tail = &n->parked;
        r = sd_event_add_defer(m->event, &n->flush, on_flush, n);
        if (r >= 0)
                r = sd_event_source_set_enabled(n->flush, SD_EVENT_OFF);
        if (r >= 0)
                r = manager_add_listener(m, LISTENER_NOTIFY, on_manager_change, n);
        if (r < 0) {
                sd_event_source_disable_unref(n->flush);
                free(n);
                return log_error_errno(r, "Failed to listen for the schedule's events: %m");
        }
        m->notify_resume = on_resume;
        m->notify_resume_data = n;
        *ret = n;
        return 0;
}

void notifier_set_call_timeout(Notifier *n, usec_t timeout) {
        n->call_timeout = timeout;
}

Notifier *notifier_free(Notifier *n) {
        if (!n)
                return NULL;
        manager_remove_listener(n->manager, LISTENER_NOTIFY);
        n->manager->notify_resume = NULL;
        n->manager->notify_resume_data = NULL;
        for (size_t k = 0; k < NOTIFY_RECHARGES_MAX; k++)
                note_free(&n->recharges[k]);
        while (n->pending) {
                Request *q = n->pending;
                request_unlink(q);
                request_free(q);
        }
        sd_event_source_disable_unref(n->flush);
        sd_bus_slot_unref(n->action_slot);
        sd_bus_slot_unref(n->closed_slot);
        free(n->owner);
        free(n);
        if (notify_is_initted())
                notify_uninit();
        return NULL;
}
