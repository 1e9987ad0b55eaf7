/* SPDX-License-Identifier: MIT */
/* share.c: keeps the calendar equal to what recharged says, through recharged's public D-Bus API
 * and CalDAV. One sync at a time: (a REPORT when the map may be wrong) → GetStatus, Upcoming and
 * the entries from recharged → the plan → one request after the other → save. Changes that
 * arrive meanwhile mark it dirty and start another sync after it. */
#include <assert.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "caldav.h"
#include "command.h"
#include "partner.h"
#include "statefile.h"
#include "log.h"
#include "names.h"
#include "share.h"

static const char *const state_table[_SHARE_STATE_MAX] = {
        [SHARE_DISABLED] = "disabled",
        [SHARE_IDLE] = "idle",
        [SHARE_SYNCING] = "syncing",
        [SHARE_OFFLINE] = "offline",
        [SHARE_REFUSED] = "refused",
};

const char *share_state_to_string(ShareState v) {
        return v >= 0 && v < _SHARE_STATE_MAX ? state_table[v] : NULL;
}

ShareState share_state_from_string(const char *v) {
        if (v)
                for (int i = 0; i < _SHARE_STATE_MAX; i++)
                        if (streq(v, state_table[i]))
                                return i;
        return _SHARE_STATE_INVALID;
}

typedef struct EntryMessage {
        char *name, *message;
} EntryMessage;

struct Share {
        sd_event *event;
        sd_bus *bus;
        Http *http;
        char *config_override;
        Config *config;
        char *password;        /* from password-command; wiped when freed */
        Command *password_command; /* running: no sync until it has answered */
        Partner *partner;
        char *map_path;

        Occurrence *published; /* sorted by uid */
        size_t n_published;

        ShareState state;
        usec_t last_sync;
        char *last_error;
        char *logged_error;    /* the last error logged: each is said once until a sync succeeds */

        sd_event_source *debounce, *retry, *horizon;
        usec_t backoff;

        bool syncing, dirty, need_reconcile, refused_for_good;
        unsigned reconcile_rounds;

        /* the sync in progress */
        unsigned pending;
        bool fetch_failed;
        char *st_source, *st_entry, *st_message;
        PlanStatus status;
        PlanEvent *events;
        size_t n_events;
        char **event_strings;   /* owns the strings events point at */
        EntryMessage *messages;
        size_t n_messages;
        PlanOp *ops;
        size_t n_ops, op;
        usec_t sync_now;
};

static char *mfree_str(char *p) {
        free(p);
        return NULL;
}

static usec_t now_realtime(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* ---- the object: State, LastSync, LastError, Published ---- */

static void set_state(Share *s, ShareState state, const char *error) {
        const char *changed[4] = {};
        size_t n = 0;

        if (s->state != state) {
                s->state = state;
                changed[n++] = "State";
        }
        if (error && !streq_ptr(error, s->last_error)) {
                char *e = strdup(error);
                if (e) {
                        free(s->last_error);
                        s->last_error = e;
                        changed[n++] = "LastError";
                }
        }
        if (n > 0 && s->bus)
                (void) sd_bus_emit_properties_changed(s->bus, SHARE_OBJECT_PATH, SHARE_INTERFACE, changed[0],
                                                      n > 1 ? changed[1] : NULL, NULL);
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Share *s = userdata;

        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", share_state_to_string(s->state));
        if (streq(property, "LastSync"))
                return sd_bus_message_append(reply, "t", (uint64_t) s->last_sync);
        if (streq(property, "LastError"))
                return sd_bus_message_append(reply, "s", s->last_error ?: "");
        if (streq(property, "Published"))
                return sd_bus_message_append(reply, "u", (uint32_t) s->n_published);
        return partner_property(s->partner, property, reply);
}

static void sync_soon(Share *s);

static int method_sync(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Share *s = userdata;

        if (s->state == SHARE_DISABLED)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "Sharing is off: the config has no [share] section.");
        /* Asked by hand: a refused or offline state is tried again now. */
        s->refused_for_good = false;
        s->backoff = 0;
        sync_soon(s);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_refresh_partner(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Share *s = userdata;

        if (!s->config->partner.enabled)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "No partner is followed: the config has no [partner] section.");
        partner_refresh(s->partner);
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable share_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastSync", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Published", "u", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PartnerName", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PartnerMode", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PartnerUntil", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PartnerNextStart", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PartnerNextEnd", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PartnerUpdated", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Sync", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_sync, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RefreshPartner", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_refresh_partner,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("PartnerStarted", SD_BUS_ARGS("t", since, "t", until), 0),
        SD_BUS_SIGNAL_WITH_ARGS("PartnerEnded", SD_BUS_ARGS("t", since, "t", until), 0),
        SD_BUS_VTABLE_END,
};

/* ---- the map of what is published ---- */

int share_save(Share *s) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!s->map_path || !s->config || !s->config->share.enabled)
                return 0;
        r = plan_map_format(s->published, s->n_published, &text);
        if (r < 0)
                return r;
        r = write_atomic(s->map_path, text, strlen(text));
        if (r < 0)
                return log_warning_errno(r, "Failed to write '%s', ignoring (a reconcile at start finds the events again): %m",
                                         s->map_path);
        return 0;
}

static void map_load(Share *s) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        size_t len = 0, cap = 0;
        int r;

        fd = open(s->map_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                if (errno != ENOENT)
                        log_warning_errno(-errno, "Failed to open '%s', ignoring: %m", s->map_path);
                return;
        }
        for (;;) {
                if (len + 4096 + 1 > cap) {
                        char *t = realloc(text, cap = cap * 2 + 8192);
                        if (!t)
                                return (void) log_oom();
                        text = t;
                }
                ssize_t n = read(fd, text + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return (void) log_warning_errno(-errno, "Failed to read '%s', ignoring: %m", s->map_path);
                }
                if (n == 0)
                        break;
                len += n;
        }
        text[len] = 0;
        occurrences_free(s->published, s->n_published);
        s->published = NULL;
        s->n_published = 0;
        r = plan_map_parse(text, &s->published, &s->n_published);
        if (r < 0)
                log_oom();
}

static void published_replace(Share *s, Occurrence *v, size_t n) {
        occurrences_free(s->published, s->n_published);
        s->published = v;
        s->n_published = n;
}

/* ---- the password ---- */

static void password_wipe(Share *s) {
        if (s->password) {
                explicit_bzero(s->password, strlen(s->password));
                free(s->password);
                s->password = NULL;
        }
}

/* ---- following recharged ---- */

static void fetch_reset(Share *s) {
        free(s->st_source);
        free(s->st_entry);
        free(s->st_message);
        s->st_source = s->st_entry = s->st_message = NULL;
        s->status = (PlanStatus) {};
        free(s->events);
        s->events = NULL;
        s->n_events = 0;
        s->event_strings = strv_free(s->event_strings);
        for (size_t i = 0; i < s->n_messages; i++) {
                free(s->messages[i].name);
                free(s->messages[i].message);
        }
        free(s->messages);
        s->messages = NULL;
        s->n_messages = 0;
        plan_ops_free(s->ops, s->n_ops);
        s->ops = NULL;
        s->n_ops = s->op = 0;
}

static void sync_start(Share *s);

static int on_debounce(sd_event_source *es, uint64_t usec, void *userdata) {
        sync_start(userdata);
        return 0;
}

/* A change: a sync shortly, once for a burst of changes. */
static void sync_soon(Share *s) {
        int r;

        if (!s->config->share.enabled)
                return;
        if (s->syncing) {
                s->dirty = true;
                return;
        }
        r = sd_event_source_set_time_relative(s->debounce, SHARE_DEBOUNCE_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->debounce, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the sync timer, ignoring: %m");
}

static int on_recharged_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Share *s = userdata;
        const char *member = sd_bus_message_get_member(m);

        /* These say something is near or due; what is published does not change with them. */
        if (streq_ptr(member, "HeadsUp") || streq_ptr(member, "ReminderDue"))
                return 0;
        log_debug("recharged: %s, syncing soon.", member ?: "?");
        if (s->state == SHARE_REFUSED && s->refused_for_good)
                return 0; /* the config must change first */
        sync_soon(s);
        return 0;
}

static int on_name_owner(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Share *s = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0)
                return 0;
        if (new && new[0]) {
                log_debug("recharged is on the bus, syncing.");
                sync_soon(s);
        }
        return 0;
}

static void sync_fail(Share *s, const char *text, ShareState state);
static void ops_run(Share *s);

static const char *message_of(const char *entry, void *userdata) {
        Share *s = userdata;
        for (size_t i = 0; i < s->n_messages; i++)
                if (streq(s->messages[i].name, entry))
                        return s->messages[i].message;
        return NULL;
}

static void fetch_done(Share *s) {
        Occurrence *wanted = NULL;
        size_t n_wanted = 0;
        int r;

        if (s->fetch_failed) {
                sync_fail(s, "recharged is not running: waiting for it", SHARE_OFFLINE);
                return;
        }
        r = plan_wanted(&s->config->share, &s->status, s->events, s->n_events, message_of, s, s->sync_now,
                        &wanted, &n_wanted);
        if (r >= 0)
                r = plan_diff(s->published, s->n_published, wanted, n_wanted, s->sync_now, &s->ops, &s->n_ops);
        occurrences_free(wanted, n_wanted);
        if (r < 0) {
                log_oom();
                sync_fail(s, "out of memory", SHARE_OFFLINE);
                return;
        }
        log_debug("Sync: %zu change(s) to send.", s->n_ops);
        s->op = 0;
        ops_run(s);
}

static void fetch_one_done(Share *s) {
        assert(s->pending > 0);
        if (--s->pending == 0)
                fetch_done(s);
}

static int read_string_dup(sd_bus_message *m, char **ret) {
        const char *v;
        int r = sd_bus_message_read(m, "s", &v);
        if (r < 0)
                return r;
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

static int on_status(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Share *s = userdata;
        const char *mode = NULL;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                log_debug("GetStatus failed: %s", sd_bus_message_get_error(m)->message);
                s->fetch_failed = true;
                goto finish;
        }
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        break;
                if (streq(key, "Mode")) {
                        r = sd_bus_message_enter_container(m, 'v', "s");
                        if (r >= 0)
                                r = sd_bus_message_read(m, "s", &mode);
                        if (r >= 0)
                                s->status.recharging = streq(mode, "recharging");
                } else if (streq(key, "Source") || streq(key, "Entry") || streq(key, "Message")) {
                        char **f = streq(key, "Source") ? &s->st_source : streq(key, "Entry") ? &s->st_entry : &s->st_message;
                        r = sd_bus_message_enter_container(m, 'v', "s");
                        if (r >= 0) {
                                free(*f);
                                r = read_string_dup(m, f);
                        }
                } else if (streq(key, "Since") || streq(key, "Until")) {
                        uint64_t t;
                        r = sd_bus_message_enter_container(m, 'v', "t");
                        if (r >= 0)
                                r = sd_bus_message_read(m, "t", &t);
                        if (r >= 0)
                                *(streq(key, "Since") ? &s->status.since : &s->status.until) = t;
                } else {
                        r = sd_bus_message_skip(m, "v");
                        if (r >= 0)
                                r = 1; /* no container to leave */
                        if (r >= 0 && (r = sd_bus_message_exit_container(m)) >= 0)
                                continue;
                        break;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m); /* v */
                if (r >= 0)
                        r = sd_bus_message_exit_container(m); /* e */
        }
        if (r < 0) {
                log_warning_errno(r, "Failed to read recharged's GetStatus answer: %m");
                s->fetch_failed = true;
        }
        s->status.source = s->st_source;
        s->status.entry = s->st_entry;
        s->status.message = s->st_message;
finish:
        fetch_one_done(s);
        return 0;
}

static int on_upcoming(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Share *s = userdata;
        const char *entry, *type, *event;
        uint64_t t;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                log_debug("Upcoming failed: %s", sd_bus_message_get_error(m)->message);
                s->fetch_failed = true;
                goto finish;
        }
        r = sd_bus_message_enter_container(m, 'a', "(ssst)");
        while (r >= 0 && (r = sd_bus_message_read(m, "(ssst)", &entry, &type, &event, &t)) > 0) {
                PlanEvent *v = realloc(s->events, (s->n_events + 1) * sizeof *v);
                if (!v || strv_extend(&s->event_strings, entry) < 0 || strv_extend(&s->event_strings, type) < 0 ||
                    strv_extend(&s->event_strings, event) < 0) {
                        if (v)
                                s->events = v;
                        r = -ENOMEM;
                        break;
                }
                s->events = v;
                s->n_events++;
        }
        if (r < 0) {
                log_warning_errno(r, "Failed to read recharged's Upcoming answer: %m");
                s->fetch_failed = true;
                goto finish;
        }
        /* The strings are in place now: point the events at them. */
        for (size_t i = 0; i < s->n_events; i++)
                s->events[i].entry = s->event_strings[3 * i], s->events[i].type = s->event_strings[3 * i + 1],
                s->events[i].event = s->event_strings[3 * i + 2];
        /* …and the times, read again: the strings were copied in the first pass. */
        r = sd_bus_message_rewind(m, true);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "(ssst)");
        for (size_t i = 0; r >= 0 && i < s->n_events; i++) {
                r = sd_bus_message_read(m, "(ssst)", &entry, &type, &event, &t);
                if (r > 0)
                        s->events[i].time = t;
        }
        if (r < 0) {
                log_warning_errno(r, "Failed to read recharged's Upcoming answer: %m");
                s->fetch_failed = true;
        }
finish:
        fetch_one_done(s);
        return 0;
}

/* The entries' messages, from the ObjectManager: show = message needs them. */
static int on_objects(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Share *s = userdata;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                s->fetch_failed = true;
                goto finish;
        }
        r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
                const char *path, *iface;
                _cleanup_free_ char *name = NULL, *message = NULL;

                r = sd_bus_message_read(m, "o", &path);
                if (r >= 0)
                        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
                while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                        r = sd_bus_message_read(m, "s", &iface);
                        if (r >= 0 && streq(iface, RECHARGED_ENTRY_INTERFACE)) {
                                r = sd_bus_message_enter_container(m, 'a', "{sv}");
                                while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                                        const char *key, *v;
                                        r = sd_bus_message_read(m, "s", &key);
                                        if (r >= 0 && (streq(key, "Name") || streq(key, "Message"))) {
                                                r = sd_bus_message_read(m, "v", "s", &v);
                                                if (r >= 0) {
                                                        char **f = streq(key, "Name") ? &name : &message;
                                                        free(*f);
                                                        *f = strdup(v);
                                                        if (!*f)
                                                                r = -ENOMEM;
                                                }
                                        } else if (r >= 0)
                                                r = sd_bus_message_skip(m, "v");
                                        if (r >= 0)
                                                r = sd_bus_message_exit_container(m);
                                }
                                if (r >= 0)
                                        r = sd_bus_message_exit_container(m);
                        } else if (r >= 0)
                                r = sd_bus_message_skip(m, "a{sv}");
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m); /* a{sa{sv}} */
                if (r >= 0)
                        r = sd_bus_message_exit_container(m); /* e */
                if (r >= 0 && name && message) {
                        EntryMessage *v = realloc(s->messages, (s->n_messages + 1) * sizeof *v);
                        if (!v) {
                                r = -ENOMEM;
                                break;
                        }
                        s->messages = v;
                        v[s->n_messages++] = (EntryMessage) { TAKE_PTR(name), TAKE_PTR(message) };
                }
        }
        if (r < 0) {
                log_warning_errno(r, "Failed to read recharged's entries: %m");
                s->fetch_failed = true;
        }
finish:
        fetch_one_done(s);
        return 0;
}

static void fetch_start(Share *s) {
        usec_t to;
        int r;

        fetch_reset(s);
        s->fetch_failed = false;
        s->sync_now = now_realtime();
        /* A block that starts before the horizon may end up to a day after it. */
        to = s->sync_now + MIN(((usec_t) s->config->share.days + 1) * USEC_PER_DAY, (usec_t) RECHARGED_DURATION_MAX);
        s->pending = 3;
        r = sd_bus_call_method_async(s->bus, NULL, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE,
                                     "GetStatus", on_status, s, NULL);
        if (r < 0)
                s->fetch_failed = true, s->pending--;
        r = sd_bus_call_method_async(s->bus, NULL, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE,
                                     "Upcoming", on_upcoming, s, "tt", (uint64_t) s->sync_now, (uint64_t) to);
        if (r < 0)
                s->fetch_failed = true, s->pending--;
        r = sd_bus_call_method_async(s->bus, NULL, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH,
                                     "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", on_objects, s, NULL);
        if (r < 0)
                s->fetch_failed = true, s->pending--;
        if (s->pending == 0)
                fetch_done(s);
}

/* ---- the calendar ---- */

static HttpCredentials credentials(Share *s) {
        return (HttpCredentials) {
                .user = s->config->share.user,
                .password = s->password,
                .ca_file = s->config->share.ca_file,
                .timeout_usec = s->config->share.timeout,
        };
}

static char *resource_url(Share *s, const char *uid) {
        char *u;
        return asprintf(&u, "%s%s.ics", s->config->share.calendar, uid) < 0 ? NULL : u;
}

/* The failure of a request, in words; whether it is worth retrying decides the state. */
static void request_failed(Share *s, CURLcode code, long status, const char *curl_error) {
        _cleanup_free_ char *text = caldav_error_text(code, status, curl_error, s->config->share.calendar,
                                                      s->config->share.user, "share");
        bool refused = code == CURLE_OK && (status == 401 || status == 403 || status == 404 || status == 409 ||
                                            (status >= 400 && status < 500 && status != 408 && status != 429));

        sync_fail(s, text ?: "out of memory", refused ? SHARE_REFUSED : SHARE_OFFLINE);
}

static void sync_restart_reconcile(Share *s) {
        s->need_reconcile = true;
        if (++s->reconcile_rounds > SHARE_RECONCILE_MAX) {
                sync_fail(s, "the calendar keeps changing while we write to it; trying again later", SHARE_OFFLINE);
                return;
        }
        s->syncing = false;
        sync_start(s);
}

static int published_put(Share *s, const Occurrence *o, const char *etag) {
        Occurrence c = *o;
        ssize_t i;

        c.summary = strdup(o->summary ?: "");
        c.etag = etag ? strdup(etag) : NULL;
        if (!c.summary || (etag && !c.etag)) {
                occurrence_done(&c);
                return -ENOMEM;
        }
        i = plan_find(s->published, s->n_published, o->uid);
        if (i >= 0) {
                occurrence_done(&s->published[i]);
                s->published[i] = c;
                return 0;
        }
        Occurrence *v = realloc(s->published, (s->n_published + 1) * sizeof *v);
        if (!v) {
                occurrence_done(&c);
                return -ENOMEM;
        }
        s->published = v;
        v[s->n_published++] = c;
        plan_sort(s->published, &s->n_published);
        return 0;
}

static void published_remove(Share *s, const char *uid) {
        ssize_t i = plan_find(s->published, s->n_published, uid);

        if (i < 0)
                return;
        occurrence_done(&s->published[i]);
        memmove(&s->published[i], &s->published[i + 1], (s->n_published - i - 1) * sizeof *s->published);
        s->n_published--;
}

static void on_op_done(HttpRequest *req, CURLcode code, long status, void *userdata) {
        Share *s = userdata;
        PlanOp *op = &s->ops[s->op];
        const char *uid = op->want.uid;
        int r = 0;

        if (code != CURLE_OK) {
                request_failed(s, code, status, http_request_error(req));
                return;
        }
        if (status == 412) {
                /* Someone else changed it, or a sync we did not finish made it: read the truth. */
                log_debug("%s: precondition failed, reconciling.", uid);
                sync_restart_reconcile(s);
                return;
        }
        if (status == 404 && op->kind != PLAN_CREATE) {
                /* Gone already (deleted by another client): a delete is done, an update is read again. */
                if (op->kind == PLAN_DELETE)
                        published_remove(s, uid);
                else {
                        sync_restart_reconcile(s);
                        return;
                }
        } else if (status < 200 || status >= 300) {
                request_failed(s, code, status, NULL);
                return;
        } else if (op->kind == PLAN_DELETE)
                published_remove(s, uid);
        else
                /* No ETag in the answer: the next change of it goes through a reconcile. */
                r = published_put(s, &op->want, http_request_etag(req));
        if (r < 0) {
                log_oom();
                sync_fail(s, "out of memory", SHARE_OFFLINE);
                return;
        }
        s->op++;
        ops_run(s);
}

static void sync_done(Share *s);

static void ops_run(Share *s) {
        _cleanup_free_ char *url = NULL, *body = NULL, *if_match = NULL;
        const char *headers[4] = {};
        PlanOp *op;
        const Occurrence *pub;
        int r;

        if (s->op >= s->n_ops) {
                sync_done(s);
                return;
        }
        op = &s->ops[s->op];
        /* By uid: each answer changes the published list, so indexes from the plan go stale. */
        if (op->kind != PLAN_CREATE) {
                ssize_t i = plan_find(s->published, s->n_published, op->want.uid);
                if (i < 0) {
                        sync_restart_reconcile(s);
                        return;
                }
                pub = &s->published[i];
        } else
                pub = NULL;
        if (pub && !pub->etag) {
                /* Published without a known ETag: only a reconcile can tell what is there. */
                sync_restart_reconcile(s);
                return;
        }
        url = resource_url(s, op->want.uid);
        if (!url)
                goto oom;
        if (pub && asprintf(&if_match, "If-Match: %s", pub->etag) < 0)
                goto oom;
        body = op->kind == PLAN_DELETE ? NULL : caldav_event_text(&op->want, s->sync_now);
        if (op->kind != PLAN_DELETE && !body)
                goto oom;
        headers[0] = op->kind == PLAN_CREATE ? "If-None-Match: *" : if_match;
        headers[1] = body ? "Content-Type: text/calendar; charset=utf-8" : NULL;
        log_debug("%s %s (%s)", body ? "PUT" : "DELETE", url,
                  op->kind == PLAN_CREATE ? "create" : op->kind == PLAN_UPDATE ? "update" : "delete");
        HttpCredentials cred = credentials(s);
        r = http_start(s->http, body ? "PUT" : "DELETE", url, headers, body, &cred, on_op_done, s, NULL);
        if (r < 0)
                goto oom;
        return;
oom:
        log_oom();
        sync_fail(s, "out of memory", SHARE_OFFLINE);
}

static void on_report_done(HttpRequest *req, CURLcode code, long status, void *userdata) {
        Share *s = userdata;
        CaldavResource *res = NULL;
        Occurrence *v = NULL;
        size_t n_res = 0, n = 0;
        int r;

        if (code != CURLE_OK || status != 207) {
                request_failed(s, code, status, http_request_error(req));
                return;
        }
        r = caldav_multistatus_parse(http_request_body(req), &res, &n_res);
        if (r < 0)
                goto oom;
        v = calloc(MAX(n_res, 1u), sizeof *v);
        if (!v)
                goto oom;
        for (size_t i = 0; i < n_res; i++) {
                _cleanup_free_ char *uid = caldav_href_uid(res[i].href);
                Occurrence o = {};
                usec_t start;

                /* Only what we named: the collection may hold anyone's events. */
                if (!uid || plan_uid_parse(uid, &o.kind, &start) < 0)
                        continue;
                if (!res[i].data || caldav_event_parse(res[i].data, &o) < 0 || !streq(o.uid, uid)) {
                        /* Unreadable, or edited into something else: published as nothing known, so the
                         * plan rewrites or deletes it. */
                        occurrence_done(&o);
                        o = (Occurrence) { .start = start, .end = start };
                        snprintf(o.uid, sizeof o.uid, "%s", uid);
                        (void) plan_uid_parse(uid, &o.kind, NULL);
                }
                if (res[i].etag && !(o.etag = strdup(res[i].etag))) {
                        occurrence_done(&o);
                        goto oom;
                }
                v[n++] = o;
        }
        caldav_resources_free(res, n_res);
        res = NULL;
        plan_sort(v, &n);
        log_debug("Reconciled: %zu event(s) of ours on the calendar (the map had %zu).", n, s->n_published);
        published_replace(s, v, n);
        s->need_reconcile = false;
        (void) share_save(s);
        fetch_start(s);
        return;
oom:
        caldav_resources_free(res, n_res);
        occurrences_free(v, n);
        log_oom();
        sync_fail(s, "out of memory", SHARE_OFFLINE);
}

static void report_start(Share *s) {
        _cleanup_free_ char *body = NULL;
        const char *headers[] = { "Depth: 1", "Content-Type: application/xml; charset=utf-8", NULL };
        HttpCredentials cred = credentials(s);
        int r;

        /* From a day back: what ended before that is history the map no longer needs. */
        body = caldav_report_body(now_realtime() - USEC_PER_DAY);
        if (!body) {
                log_oom();
                sync_fail(s, "out of memory", SHARE_OFFLINE);
                return;
        }
        log_debug("REPORT %s", s->config->share.calendar);
        r = http_start(s->http, "REPORT", s->config->share.calendar, headers, body, &cred, on_report_done, s, NULL);
        if (r < 0) {
                log_oom();
                sync_fail(s, "out of memory", SHARE_OFFLINE);
        }
}

static void sync_start(Share *s) {
        if (!s->config->share.enabled)
                return;
        if (s->syncing) {
                s->dirty = true;
                return;
        }
        if (s->state == SHARE_REFUSED && s->refused_for_good)
                return;
        if (s->password_command)
                return; /* its answer starts the sync */
        s->syncing = true;
        s->dirty = false;
        (void) sd_event_source_set_enabled(s->debounce, SD_EVENT_OFF);
        set_state(s, SHARE_SYNCING, NULL);
        if (s->need_reconcile)
                report_start(s);
        else
                fetch_start(s);
}

/* Forgets what ended more than a day ago: it stays on the calendar, but nothing will change it. */
static void published_prune(Share *s, usec_t now) {
        size_t k = 0;

        for (size_t i = 0; i < s->n_published; i++)
                if (s->published[i].end + USEC_PER_DAY < now)
                        occurrence_done(&s->published[i]);
                else
                        s->published[k++] = s->published[i];
        s->n_published = k;
}

static void sync_done(Share *s) {
        usec_t next;
        int r;

        published_prune(s, s->sync_now);
        (void) share_save(s);
        s->syncing = false;
        if (s->dirty) {
                /* recharged changed while we wrote: the calendar does not match it yet, so this
                 * is no LastSync; go on at once, still syncing. */
                fetch_reset(s);
                s->dirty = false;
                sync_start(s);
                return;
        }
        s->backoff = 0;
        s->reconcile_rounds = 0;
        s->last_sync = now_realtime();
        (void) sd_event_source_set_enabled(s->retry, SD_EVENT_OFF);
        if (s->logged_error) {
                log_info("Calendar %s is up to date again.", s->config->share.calendar);
                s->logged_error = mfree_str(s->logged_error);
        }
        set_state(s, SHARE_IDLE, "");
        if (s->bus)
                (void) sd_bus_emit_properties_changed(s->bus, SHARE_OBJECT_PATH, SHARE_INTERFACE, "LastSync",
                                                      "Published", NULL);
        log_debug("Sync done: %zu event(s) published.", s->n_published);

        /* The next sync without a change: the horizon moves on; an open-ended recharge is
         * renewed before what is shown of it runs out. */
        next = s->sync_now + SHARE_HORIZON_USEC;
        if (s->status.recharging && s->status.until == 0)
                next = MIN(next, plan_open_ended_end(s->status.since, s->sync_now) - PLAN_OPEN_ENDED_USEC / 2 + USEC_PER_SEC);
        r = sd_event_source_set_time(s->horizon, next);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->horizon, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the horizon timer, ignoring: %m");
        fetch_reset(s);
}

static void sync_fail(Share *s, const char *text, ShareState state) {
        int r;

        http_cancel_all(s->http);
        (void) share_save(s);
        s->syncing = false;
        fetch_reset(s);
        /* Each error is said once, however often it comes back, until a sync succeeds. */
        if (!streq_ptr(text, s->logged_error)) {
                log_error("Cannot publish to the calendar: %s.", text);
                free(s->logged_error);
                s->logged_error = strdup(text);
        } else
                log_debug("Still: %s.", text);
        set_state(s, state, text);

        if (state == SHARE_REFUSED) {
                /* Retrying cannot help until the config, the server or the calendar changes: a
                 * change from recharged or Sync() tries once more, no timer. */
                s->backoff = 0;
                (void) sd_event_source_set_enabled(s->retry, SD_EVENT_OFF);
                s->dirty = false;
                return;
        }
        if (streq(text, "recharged is not running: waiting for it")) {
                s->dirty = false;
                return; /* its name appearing on the bus starts the next sync */
        }
        s->backoff = s->backoff == 0 ? SHARE_RETRY_FIRST_USEC : MIN(s->backoff * 2, SHARE_RETRY_CAP_USEC);
        r = sd_event_source_set_time_relative(s->retry, s->backoff);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->retry, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the retry timer, ignoring: %m");
        log_debug("Retrying in %llu s.", (unsigned long long) (s->backoff / USEC_PER_SEC));
        /* Changes made meanwhile go with the retry. */
        s->dirty = false;
}

static int on_retry(sd_event_source *es, uint64_t usec, void *userdata) {
        sync_start(userdata);
        return 0;
}

static int on_horizon(sd_event_source *es, uint64_t usec, void *userdata) {
        sync_start(userdata);
        return 0;
}

/* ---- set-up ---- */

int share_new(sd_event *event, const char *config_path, Share **ret) {
        _cleanup_(share_freep) Share *s = NULL;
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->state = SHARE_DISABLED;
        if (config_path && !(s->config_override = strdup(config_path)))
                return -ENOMEM;
        r = http_new(event, &s->http);
        if (r < 0)
                return r;
        r = partner_new(event, &s->partner);
        if (r < 0)
                return r;
        r = state_path("share", &s->map_path);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(event, &s->debounce, CLOCK_MONOTONIC, SHARE_DEBOUNCE_USEC, 1, on_debounce, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->debounce, SD_EVENT_OFF);
        r = sd_event_add_time_relative(event, &s->retry, CLOCK_MONOTONIC, SHARE_RETRY_FIRST_USEC, 1, on_retry, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->retry, SD_EVENT_OFF);
        /* Realtime: the horizon is a date, it must follow suspend and clock changes. */
        r = sd_event_add_time(event, &s->horizon, CLOCK_REALTIME, UINT64_MAX, USEC_PER_MINUTE, on_horizon, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->horizon, SD_EVENT_OFF);
        *ret = TAKE_PTR(s);
        return 0;
}

Share *share_free(Share *s) {
        if (!s)
                return NULL;
        s->partner = partner_free(s->partner);
        s->password_command = command_free(s->password_command);
        http_free(s->http);
        fetch_reset(s);
        occurrences_free(s->published, s->n_published);
        password_wipe(s);
        sd_event_source_disable_unref(s->debounce);
        sd_event_source_disable_unref(s->retry);
        sd_event_source_disable_unref(s->horizon);
        sd_bus_flush_close_unref(s->bus);
        sd_event_unref(s->event);
        config_free(s->config);
        free(s->config_override);
        free(s->map_path);
        free(s->last_error);
        free(s->logged_error);
        free(s);
        return NULL;
}

/* password-command's answer: the password, or sharing refused until the config changes. */
static void on_password(int r, const char *line, void *userdata) {
        Share *s = userdata;

        s->password_command = NULL; /* it frees itself */
        if (r < 0) {
                s->refused_for_good = true;
                log_error("password-command in [share] %s.",
                          r == -ETIME ? "did not finish in 30 s" :
                          r == -ENODATA ? "printed no password" :
                          r == -EPROTO ? "failed" : "could not be run");
                set_state(s, SHARE_REFUSED, "password-command failed");
                return;
        }
        s->password = strdup(line);
        if (!s->password) {
                log_oom();
                return;
        }
        sync_soon(s);
}

int share_load_config(Share *s) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = config_find(s->config_override, &path);
        if (r < 0)
                return log_oom();
        r = path ? config_load_file(path, &c, &errors) : config_load_default(&c);
        if (r == -EINVAL) {
                for (char **e = errors; e && *e; e++)
                        log_error("%s", *e);
                return -EINVAL;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to load the config: %m");

        http_cancel_all(s->http);
        s->password_command = command_free(s->password_command);
        s->syncing = false;
        s->refused_for_good = false;
        s->backoff = 0;
        (void) sd_event_source_set_enabled(s->retry, SD_EVENT_OFF);
        password_wipe(s);
        config_free(s->config);
        s->config = TAKE_PTR(c);
        /* The partner is followed with or without [share]. */
        partner_configure(s->partner, &s->config->partner, s->config->hooks_allowed);

        if (!s->config->share.enabled) {
                log_info("No [share] section in %s: nothing to publish.", path ?: "the built-in default");
                set_state(s, SHARE_DISABLED, "");
                return 0;
        }
        set_state(s, SHARE_IDLE, NULL);
        if (s->config->share.password_command) {
                if (!s->config->hooks_allowed) {
                        s->refused_for_good = true;
                        log_error("%s is writable by others than you, or its folder is: password-command refused. "
                                  "Fix with chmod go-w.", path);
                        set_state(s, SHARE_REFUSED, "the config is writable by others: password-command refused");
                        return 0;
                }
                r = command_start(s->event, s->config->share.password_command, PASSWORD_COMMAND_TIMEOUT_USEC,
                                  on_password, s, &s->password_command);
                if (r < 0) {
                        s->refused_for_good = true;
                        log_error_errno(r, "password-command in [share] could not be run: %m");
                        set_state(s, SHARE_REFUSED, "password-command failed");
                        return 0;
                }
        }
        /* A new config may name another calendar or show more: check what is there. */
        s->need_reconcile = true;
        s->reconcile_rounds = 0;
        return 0;
}

int share_connect(Share *s) {
        int r;

        r = sd_bus_open_user(&s->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the user bus: %m");
        partner_set_bus(s->partner, s->bus, SHARE_OBJECT_PATH, SHARE_INTERFACE);
        r = sd_bus_add_object_vtable(s->bus, NULL, SHARE_OBJECT_PATH, SHARE_INTERFACE, share_vtable, s);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object: %m");
        r = sd_bus_match_signal_async(s->bus, NULL, RECHARGED_BUS_NAME, NULL, NULL, NULL, on_recharged_signal, NULL, s);
        if (r < 0)
                return log_error_errno(r, "Failed to follow recharged: %m");
        r = sd_bus_add_match_async(s->bus, NULL,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" RECHARGED_BUS_NAME "'",
                                   on_name_owner, NULL, s);
        if (r < 0)
                return log_error_errno(r, "Failed to follow recharged: %m");
        r = sd_bus_request_name(s->bus, SHARE_BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Failed to own %s: is recharged-share already running?", SHARE_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to own %s: %m", SHARE_BUS_NAME);
        r = sd_bus_attach_event(s->bus, s->event, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the loop: %m");
        return 0;
}

void share_start(Share *s) {
        partner_refresh(s->partner);
        if (!s->config->share.enabled || (s->state == SHARE_REFUSED && s->refused_for_good))
                return;
        map_load(s);
        sync_soon(s);
}
