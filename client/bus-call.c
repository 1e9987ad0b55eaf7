/* SPDX-License-Identifier: MIT */
/* bus-call.c: connect, call, explain refusals in plain words, and read replies into structs. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bus-call.h"
#include "macro.h"
#include "names.h"
#include "status-props.h"

/* The connection bus_open() made: explaining an activation failure asks the user manager on it. */
static sd_bus *the_bus;
static usec_t the_timeout = RECHARGECTL_CHANGE_TIMEOUT;

int bus_open(sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_user(&bus);
        if (r < 0)
                return BUS_OFFLINE;
        the_bus = bus;
        *ret = bus;
        return 0;
}

/* The session bus's address as sd_bus_open_user() finds it: $DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus (escaped as D-Bus addresses are). */
static int user_bus_address(char **ret) {
        const char *e = getenv("DBUS_SESSION_BUS_ADDRESS"), *dir;
        char *a, *p;

        if (e && *e)
                return (*ret = strdup(e)) ? 0 : -ENOMEM;
        dir = getenv("XDG_RUNTIME_DIR");
        if (!dir || *dir != '/')
                return -ENOMEDIUM;
        a = malloc(strlen("unix:path=") + 3 * strlen(dir) + strlen("/bus") + 1);
        if (!a)
                return -ENOMEM;
        p = stpcpy(a, "unix:path=");
        for (const char *c = dir; *c; c++)
                if (strchr("-_/.\\*", *c) || (*c >= '0' && *c <= '9') || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z'))
                        *p++ = *c;
                else
                        p += sprintf(p, "%%%02x", (unsigned char) *c);
        strcpy(p, "/bus");
        *ret = a;
        return 0;
}

int bus_open_waiting(sd_bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *address = NULL;
        int r;

        r = user_bus_address(&address);
        if (r < 0)
                return r;
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        /* A socket that is not there yet (or not listening) is waited for with inotify. */
        if (r >= 0)
                r = sd_bus_set_watch_bind(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        the_bus = bus;
        *ret = TAKE_PTR(bus);
        return 0;
}

void bus_set_timeout(sd_bus *bus, usec_t timeout) {
        /* Every call on this connection, D-Bus activation included, waits at most this long. */
        if (sd_bus_set_method_call_timeout(bus, timeout) >= 0)
                the_timeout = timeout;
}

bool bus_error_is_offline(const sd_bus_error *e, int r) {
        if (sd_bus_error_is_set(e))
                return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                              SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_NO_REPLY,
                                              SD_BUS_ERROR_TIMEOUT, "org.freedesktop.DBus.Error.TimedOut") ||
                       strncmp(e->name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0 ||
                       strncmp(e->name, "org.freedesktop.systemd1.", 25) == 0;
        return r == BUS_OFFLINE || r == -ECONNREFUSED || r == -ECONNRESET || r == -ENOTCONN || r == -ENOENT ||
               r == -ENOMEDIUM || r == -ETIMEDOUT;
}

/* The first error line of the config recharged would read, or NULL when it passes check-config
 * (or there is none: the built-in default always does). */
char *bus_config_problem(void) {
        _cleanup_(config_freep) Config *config = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = config_find(NULL, &path);
        if (r < 0 || !path)
                return NULL;
        r = config_load_file(path, &config, &errors);
        if (r == -EINVAL && errors && errors[0])
                return strdup(errors[0]);
        return NULL;
}

/* recharged.service's state under the user manager: "failed" and the exit status, or false when
 * there is no manager on this bus or the unit is not failed. Never activates anything. */
static bool unit_failed(sd_bus *bus, uint32_t *ret_status) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *state = NULL;
        const char *path;
        uint32_t status = 0;
        int r;

        if (!bus)
                return false;
        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "GetUnit");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "recharged.service");
        if (r >= 0)
                r = sd_bus_call(bus, m, 2 * USEC_PER_SEC, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return false;
        r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Unit",
                                       "ActiveState", &error, &state);
        if (r < 0 || !streq(state, "failed"))
                return false;
        (void) sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path,
                                           "org.freedesktop.systemd1.Service", "ExecMainStatus", &error, 'i',
                                           &status);
        *ret_status = status;
        return true;
}

char *bus_offline_reason(const sd_bus_error *e, int r) {
        _cleanup_free_ char *config = bus_config_problem();
        char *text = NULL;
        uint32_t status = 0;
        bool timeout = r == -ETIMEDOUT ||
                       sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT, "org.freedesktop.DBus.Error.TimedOut");
        bool spawn = sd_bus_error_is_set(e) && (strncmp(e->name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0 ||
                                                strncmp(e->name, "org.freedesktop.systemd1.", 25) == 0);
        bool failed = unit_failed(the_bus, &status);

        /* What stops it first, then the one thing to do next. A bad config is the usual cause,
         * and the daemon's own answer to it (exit status 78) is the same as check-config's. */
        if (config)
                (void) asprintf(&text, "recharged %s: its configuration does not pass check-config: %s — fix it, "
                                "then run: systemctl --user restart recharged",
                                failed || spawn ? "failed to start" : timeout ? "did not answer" : "is not running",
                                config);
        else if (failed)
                (void) asprintf(&text, "recharged failed to start (recharged.service: exit status %u); "
                                "see: systemctl --user status recharged",
                                status);
        else if (spawn)
                (void) asprintf(&text, "recharged could not be started by the bus (%s); "
                                "see: systemctl --user status recharged",
                                e->message && *e->message ? e->message : e->name);
        else if (timeout)
                (void) asprintf(&text, "recharged did not answer within %llu s; see: systemctl --user status recharged",
                                (unsigned long long) (the_timeout / USEC_PER_SEC));
        else
                text = strdup(NOT_RUNNING_TEXT);
        return text;
}

int bus_name_has_owner(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r, has = 0;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", RECHARGED_BUS_NAME);
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &has);
        return r < 0 ? r : has;
}

/* Whether recharged, not running, may be started: activating it with a config it refuses (exit
 * status 78) can only fail, and the user manager does not pass a failed start on to the bus (the
 * call would wait for its timeout). A unit that failed for another reason is not retried either,
 * but one that failed on a config that has been fixed since is. */
bool bus_may_start(sd_bus *bus) {
        _cleanup_free_ char *config = bus_config_problem();
        uint32_t status = 0;

        return !config && (!unit_failed(bus, &status) || status == 78);
}

int bus_check_startable(sd_bus *bus, char **ret_reason) {
        if (bus_name_has_owner(bus) != 0)
                return 0; /* running, or the bus cannot say: the call itself will tell */
        if (bus_may_start(bus))
                return 0;
        *ret_reason = bus_offline_reason(NULL, BUS_OFFLINE);
        return BUS_OFFLINE;
}

/* ---- calls sent now, answered later ---- */

static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        BusCall *c = userdata;

        c->reply = sd_bus_message_ref(reply);
        c->slot = sd_bus_slot_unref(c->slot);
        return 0;
}

static int call_send(sd_bus *bus, sd_bus_message *m, usec_t timeout, bool probe, BusCall *c) {
        int r;

        *c = (BusCall) { .timeout = timeout };
        /* A call to recharged goes out without auto-start: when recharged runs (a status bar's
         * case) that costs nothing, where asking the bus whether it runs first was a round trip of
         * its own. Only when the bus answers that nobody owns the name is it decided whether
         * recharged may be started, and the call sent again, asking for it. */
        if (probe && streq_ptr(sd_bus_message_get_destination(m), RECHARGED_BUS_NAME) &&
            sd_bus_message_get_auto_start(m) > 0) {
                r = sd_bus_message_set_auto_start(m, false);
                if (r < 0)
                        return r;
                c->may_start = true;
        }
        r = sd_bus_call_async(bus, &c->slot, m, on_call_reply, c, timeout);
        if (r < 0)
                return r;
        c->call = sd_bus_message_ref(m);
        return 0;
}

int bus_call_send(sd_bus *bus, sd_bus_message *m, usec_t timeout, BusCall *c) {
        return call_send(bus, m, timeout, true, c);
}

/* The bus itself answered that nobody owns the name (and the call did not ask for a start). */
bool bus_reply_is_no_owner(sd_bus_message *reply) {
        return sd_bus_message_is_method_error(reply, SD_BUS_ERROR_NAME_HAS_NO_OWNER) > 0 &&
               streq_ptr(sd_bus_message_get_sender(reply), "org.freedesktop.DBus");
}

/* The same call again, this time letting the bus start recharged. */
static int bus_call_resend_starting(sd_bus *bus, BusCall *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        usec_t timeout = c->timeout;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, sd_bus_message_get_destination(c->call),
                                           sd_bus_message_get_path(c->call), sd_bus_message_get_interface(c->call),
                                           sd_bus_message_get_member(c->call));
        if (r >= 0)
                r = sd_bus_message_rewind(c->call, true);
        if (r >= 0)
                r = sd_bus_message_copy(m, c->call, true);
        if (r < 0)
                return r;
        bus_call_done(c);
        return call_send(bus, m, timeout, false, c);
}

int bus_call_wait(sd_bus *bus, BusCall *c, sd_bus_error *error, sd_bus_message **ret_reply) {
        const sd_bus_error *e;
        int r;

        for (;;) {
                while (!c->reply) {
                        r = sd_bus_process(bus, NULL);
                        if (r < 0)
                                return r;
                        /* a timeout's callback can run in a sd_bus_process() that returns 0 */
                        if (r > 0 || c->reply)
                                continue;
                        r = sd_bus_wait(bus, UINT64_MAX);
                        if (r < 0 && r != -EINTR)
                                return r;
                }
                if (!c->may_start || !bus_reply_is_no_owner(c->reply) || !bus_may_start(bus))
                        break;
                r = bus_call_resend_starting(bus, c);
                if (r < 0)
                        return r;
        }
        e = sd_bus_message_get_error(c->reply);
        if (e) {
                r = sd_bus_error_copy(error, e);
                return r < 0 ? r : -sd_bus_message_get_errno(c->reply) ?: -EIO;
        }
        if (ret_reply)
                *ret_reply = sd_bus_message_ref(c->reply);
        return 1;
}

int bus_call_message(sd_bus *bus, sd_bus_message *m, sd_bus_error *error, sd_bus_message **ret_reply) {
        _cleanup_(bus_call_done) BusCall c = {};
        int r;

        r = bus_call_send(bus, m, 0, &c);
        if (r < 0)
                return r;
        return bus_call_wait(bus, &c, error, ret_reply);
}

void bus_call_done(BusCall *c) {
        c->slot = sd_bus_slot_unref(c->slot);
        c->call = sd_bus_message_unref(c->call);
        c->reply = sd_bus_message_unref(c->reply);
}

static const struct {
        const char *api, *cli;
} api_words[] = {
        /* What a program reads in the daemon's messages, and what a person at the shell does. */
        { " (ListEntries shows them)", "; 'rechargectl list' shows them" },
        { "(it lasts until Stop)", "(it lasts until 'rechargectl off')" },
        { "Resume first.", "Run 'rechargectl resume' first." },
        { "For a recharge now, use Recharge.", "For a recharge now: rechargectl on." },
        { "Snooze needs a duration above 0.", "Snooze for a span above 0." },
        { "Extend needs a duration above 0.", "Extend by a span above 0." },
};

char *bus_error_text(const sd_bus_error *e) {
        _cleanup_free_ char *text = NULL;
        char *p;

        if (!e || !e->message || !*e->message)
                return strdup(e && e->name ? e->name : "Unknown error");
        text = strdup(e->message);
        if (!text)
                return NULL;
        /* "at most a year (31622400000000 µs)": the µs figure is for programs. */
        p = strstr(text, " µs)");
        if (p) {
                char *open = p;
                while (open > text && *open != '(')
                        open--;
                if (*open == '(' && open > text && open[-1] == ' ')
                        memmove(open - 1, p + strlen(" µs)"), strlen(p + strlen(" µs)")) + 1);
        }
        for (size_t i = 0; i < ELEMENTSOF(api_words); i++) {
                p = strstr(text, api_words[i].api);
                if (p) {
                        char *n = NULL;
                        if (asprintf(&n, "%.*s%s%s", (int) (p - text), text, api_words[i].cli,
                                     p + strlen(api_words[i].api)) < 0)
                                return NULL;
                        free(text);
                        text = n;
                }
        }
        return TAKE_PTR(text);
}

int bus_log_error(const sd_bus_error *e, int r) {
        if (bus_error_is_offline(e, r)) {
                _cleanup_free_ char *why = bus_offline_reason(e, r);
                fprintf(stderr, "%s\n", why ?: NOT_RUNNING_TEXT);
                return BUS_OFFLINE;
        }
        /* The daemon's message is a sentence for programs too; ours is the CLI's. */
        if (sd_bus_error_is_set(e)) {
                _cleanup_free_ char *text = bus_error_text(e);
                fprintf(stderr, "%s\n", text ?: e->message ?: e->name);
        } else
                fprintf(stderr, "Failed to talk to recharged: %s\n", strerror(r < 0 ? -r : r));
        return r < 0 ? r : -EIO;
}

static int bus_vcall(sd_bus *bus, const char *method, sd_bus_error *error, sd_bus_message **ret_reply,
                     const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH,
                                           RECHARGED_INTERFACE, method);
        if (r < 0)
                return r;
        if (types) {
                r = sd_bus_message_appendv(m, types, ap);
                if (r < 0)
                        return r;
        }
        return bus_call_message(bus, m, error, ret_reply);
}

int bus_call_quiet(sd_bus *bus, const char *method, sd_bus_error *error, sd_bus_message **ret_reply,
                   const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = bus_vcall(bus, method, error, ret_reply, types, ap);
        va_end(ap);
        return r;
}

int bus_call(sd_bus *bus, const char *method, sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = bus_vcall(bus, method, &error, ret_reply, types, ap);
        va_end(ap);
        if (r < 0)
                return bus_log_error(&error, r);
        return r;
}

/* ---- status ---- */

/* Where each property of status-props.h's table goes: names and types are the table's. */
static const size_t status_offsets[_PROP_MAX] = {
        [PROP_MODE] = offsetof(Status, mode),
        [PROP_DO_NOT_DISTURB] = offsetof(Status, dnd),
        [PROP_SOURCE] = offsetof(Status, source),
        [PROP_ENTRY] = offsetof(Status, entry),
        [PROP_SINCE] = offsetof(Status, since),
        [PROP_UNTIL] = offsetof(Status, until),
        [PROP_MESSAGE] = offsetof(Status, message),
        [PROP_STATUS_TEXT] = offsetof(Status, status_text),
        [PROP_NEXT_ENTRY] = offsetof(Status, next_entry),
        [PROP_NEXT_EVENT] = offsetof(Status, next_event),
        [PROP_NEXT_EVENT_TIME] = offsetof(Status, next_event_time),
        [PROP_PAUSED_UNTIL] = offsetof(Status, paused_until),
        [PROP_TIME_ZONE] = offsetof(Status, time_zone),
        [PROP_PRESENCE] = offsetof(Status, presence),
};

/* One variant of the given basic type into p. sd_bus_message_read()'s signature strings cost a
 * parse per call; entering the variant with its contents checks the type once (-ENXIO, nothing
 * read, when it differs). */
static int read_variant(sd_bus_message *m, char type, void *p) {
        const char contents[2] = { type, '\0' };
        const char *str;
        int b, r;

        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        switch (type) {
        case 's':
                r = sd_bus_message_read_basic(m, 's', &str);
                if (r >= 0)
                        r = status_set_string(p, str);
                break;
        case 'b':
                r = sd_bus_message_read_basic(m, 'b', &b);
                if (r >= 0)
                        *(bool *) p = b;
                break;
        default:
                r = sd_bus_message_read_basic(m, type, p);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int bus_read_variant(sd_bus_message *m, char type, void *p) {
        int r;

        r = read_variant(m, type, p);
        if (r == -ENXIO)
                return sd_bus_message_skip(m, "v"); /* a type we do not know: skipped */
        return r;
}

static int read_field(sd_bus_message *m, Status *s, const char *key) {
        if (streq(key, "Version"))
                return bus_read_variant(m, 's', &s->version);
        for (StatusProperty p = 0; p < _PROP_MAX; p++) {
                const StatusPropertyInfo *info = &status_property_info[p];

                if (streq(info->name, key))
                        return bus_read_variant(m, info->type[0], (uint8_t *) s + status_offsets[p]);
        }
        return sd_bus_message_skip(m, "v");
}

int bus_read_dict(sd_bus_message *m, int (*field)(sd_bus_message *m, const char *key, void *userdata),
                  void *userdata) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r >= 0)
                        r = field(m, key, userdata);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int status_field(sd_bus_message *m, const char *key, void *userdata) {
        return read_field(m, userdata, key);
}

int status_read(sd_bus_message *m, Status *s) {
        return bus_read_dict(m, status_field, s);
}

int bus_get_status_send(sd_bus *bus, BusCall *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH,
                                           RECHARGED_INTERFACE, "GetStatus");
        if (r < 0)
                return r;
        return bus_call_send(bus, m, 0, c);
}

int bus_get_status_finish(sd_bus *bus, BusCall *c, Status *s, char **ret_offline_reason) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = bus_call_wait(bus, c, &error, &reply);
        if (r < 0) {
                if (ret_offline_reason && bus_error_is_offline(&error, r)) {
                        *ret_offline_reason = bus_offline_reason(&error, r);
                        return BUS_OFFLINE;
                }
                return bus_log_error(&error, r);
        }
        r = status_read(reply, s);
        if (r < 0) {
                fprintf(stderr, "Failed to read recharged's status: %s\n", strerror(-r));
                return r;
        }
        s->online = true;
        return 0;
}

int bus_get_status(sd_bus *bus, Status *s, char **ret_offline_reason) {
        _cleanup_(bus_call_done) BusCall c = {};
        int r;

        r = bus_get_status_send(bus, &c);
        if (r < 0)
                return bus_log_error(NULL, r);
        return bus_get_status_finish(bus, &c, s, ret_offline_reason);
}

/* ---- entries ---- */

void entries_free(Entry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].name);
                free(e[i].message);
        }
        free(e);
}

static int read_clock(const char *s, bool *has, uint32_t *ret) {
        *has = s && *s;
        if (!*has)
                return 0;
        return clock_parse(s, ret);
}

static int entry_read_property(sd_bus_message *m, const char *key, Entry *e) {
        const char *s;
        bool has;
        int b, r;

        if (streq(key, "Name") || streq(key, "Message")) {
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                return status_set_string(streq(key, "Name") ? &e->name : &e->message, s);
        }
        if (streq(key, "Type") || streq(key, "Days") || streq(key, "Start") || streq(key, "End") ||
            streq(key, "Between")) {
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                if (streq(key, "Type")) {
                        e->type = entry_type_from_string(s);
                        return e->type < 0 ? -EBADMSG : 0;
                }
                if (streq(key, "Days"))
                        return weekdays_parse(s, &e->days) < 0 ? -EBADMSG : 0;
                if (streq(key, "Start"))
                        return read_clock(s, &has, &e->start) < 0 ? -EBADMSG : 0;
                if (streq(key, "End"))
                        return read_clock(s, &e->has_end, &e->end) < 0 ? -EBADMSG : 0;
                /* Between: "HH:MM:SS-HH:MM:SS" */
                if (!*s)
                        return 0;
                const char *dash = strchr(s, '-');
                char a[16];
                if (!dash || (size_t) (dash - s) >= sizeof a)
                        return -EBADMSG;
                memcpy(a, s, dash - s);
                a[dash - s] = '\0';
                if (clock_parse(a, &e->between_start) < 0 || clock_parse(dash + 1, &e->between_end) < 0)
                        return -EBADMSG;
                return 0;
        }
        if (streq(key, "Enabled") || streq(key, "Dnd")) {
                r = sd_bus_message_read(m, "v", "b", &b);
                if (r < 0)
                        return r;
                *(streq(key, "Enabled") ? &e->enabled : &e->dnd) = b;
                return 0;
        }
        if (streq(key, "Duration") || streq(key, "Every"))
                return sd_bus_message_read(m, "v", "t", streq(key, "Duration") ? &e->duration : &e->every);
        if (streq(key, "At")) {
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(m, 'a', "s");
                if (r < 0)
                        return r;
                while ((r = sd_bus_message_read(m, "s", &s)) > 0) {
                        if (e->n_at >= ENTRY_AT_MAX)
                                return -E2BIG;
                        if (clock_parse(s, &e->at[e->n_at++]) < 0)
                                return -EBADMSG;
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }
        return sd_bus_message_skip(m, "v");
}

static int entry_read_interfaces(sd_bus_message *m, Entry *e, bool *ret_found) {
        int r;

        *ret_found = false;
        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *iface;

                r = sd_bus_message_read(m, "s", &iface);
                if (r < 0)
                        return r;
                if (!streq(iface, RECHARGED_ENTRY_INTERFACE))
                        r = sd_bus_message_skip(m, "a{sv}");
                else {
                        *ret_found = true;
                        r = sd_bus_message_enter_container(m, 'a', "{sv}");
                        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                                const char *key;
                                r = sd_bus_message_read(m, "s", &key);
                                if (r >= 0)
                                        r = entry_read_property(m, key, e);
                                if (r >= 0)
                                        r = sd_bus_message_exit_container(m);
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int entry_cmp(const void *a, const void *b) {
        return strcmp(((const Entry *) a)->name, ((const Entry *) b)->name);
}

int bus_get_entries(sd_bus *bus, Entry **ret, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        Entry *v = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, RECHARGED_BUS_NAME, RECHARGED_OBJECT_PATH,
                                           "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
        if (r >= 0)
                r = bus_call_message(bus, m, &error, &reply);
        if (r < 0)
                return bus_log_error(&error, r);

        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                Entry e = { .enabled = true, .days = WEEKDAYS_ALL };
                const char *path;
                bool found;

                r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        r = entry_read_interfaces(reply, &e, &found);
                if (r >= 0 && found && e.name && n < RECHARGED_ENTRIES_MAX) {
                        Entry *nv = realloc(v, sizeof(Entry) * (n + 1));
                        if (!nv)
                                r = -ENOMEM;
                        else {
                                v = nv;
                                v[n++] = e;
                                e = (Entry) {};
                        }
                }
                free(e.name);
                free(e.message);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0) {
                entries_free(v, n);
                fprintf(stderr, "Failed to read recharged's entries: %s\n", strerror(-r));
                return r;
        }
        if (n > 0)
                qsort(v, n, sizeof(Entry), entry_cmp);
        for (size_t i = 0; i < n; i++)
                if (!v[i].message && status_set_string(&v[i].message, "") < 0) {
                        entries_free(v, n);
                        return -ENOMEM;
                }
        *ret = v;
        *ret_n = n;
        return 0;
}
