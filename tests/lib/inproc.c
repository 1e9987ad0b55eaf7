/* SPDX-License-Identifier: MIT */
/* inproc.c: the in-process world of inproc.h: a private dbus-daemon, a Manager on it with the
 * test's clock, and a recording notification server on the same loop. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "files.h"
#include "inproc.h"
#include "log.h"
#include "names.h"
#include "tap.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define INPROC_CALLS_MAX 512
#define INPROC_HELD_MAX 64

usec_t inproc_now;
char *inproc_dir;

static sd_event *loop;
static Manager *current;         /* the one manager at a time, the server's peer */
static pid_t bus_pid;
static FILE *log_file;
static long log_mark;

static _Noreturn void bail(const char *what, int r) {
        printf("Bail out! %s: %s\n", what, strerror(r < 0 ? -r : r));
        fflush(stdout);
        exit(99);
}

static usec_t mono(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static usec_t inproc_clock(void) {
        return inproc_now;
}

/* ---- the bus, the folder, the log ---- */

static void teardown(void) {
        if (bus_pid > 0) {
                kill(bus_pid, SIGTERM);
                (void) waitpid(bus_pid, NULL, 0);
        }
        if (log_file) {
                log_set_stream(NULL);
                fclose(log_file);
        }
        if (inproc_dir && !getenv("INPROC_KEEP"))
                rm_rf(inproc_dir);
        else if (inproc_dir)
                printf("# kept %s\n", inproc_dir);
        free(inproc_dir);
        sd_event_unref(loop);
}

/* dbus-daemon with the integration tests' config, its only service folder an empty one of ours
 * (nothing like dunst is ever auto-started); it prints its address on a pipe. */
static void bus_start(void) {
        _cleanup_free_ char *src = read_all(SRCDIR "/tests/session.conf"), *conf = NULL;
        _cleanup_free_ char *services = path_join(inproc_dir, "services"), *path = path_join(inproc_dir, "session.conf");
        char address[512], *p, *q;
        int fds[2];
        FILE *f;
        ssize_t n;

        if (!src)
                bail("cannot read tests/session.conf", errno);
        if (mkdir(services, 0755) < 0)
                bail("cannot make the service folder", errno);
        /* @BUSTYPE@ and @SERVICEDIR@ appear once each. */
        p = strstr(src, "@BUSTYPE@");
        q = strstr(src, "@SERVICEDIR@");
        if (!p || !q || p > q)
                bail("tests/session.conf has no @BUSTYPE@ before @SERVICEDIR@", EINVAL);
        *p = '\0';
        *q = '\0';
        if (asprintf(&conf, "%ssession%.*s%s%s", src, (int) (q - p - strlen("@BUSTYPE@")), p + strlen("@BUSTYPE@"),
                     services, q + strlen("@SERVICEDIR@")) < 0)
                bail("out of memory", ENOMEM);
        f = fopen(path, "we");
        if (!f || fputs(conf, f) < 0 || fclose(f) != 0)
                bail("cannot write the bus config", errno);

        if (pipe2(fds, O_CLOEXEC) < 0)
                bail("pipe", errno);
        bus_pid = fork();
        if (bus_pid < 0)
                bail("fork", errno);
        if (bus_pid == 0) {
                char conf_arg[1024];
                int null = open("/dev/null", O_WRONLY);

                /* "Failed to set fd limit" and the like are not the test's business. */
                if (null >= 0)
                        dup2(null, STDERR_FILENO);
                dup2(fds[1], 3);
                snprintf(conf_arg, sizeof conf_arg, "--config-file=%s", path);
                execlp("dbus-daemon", "dbus-daemon", conf_arg, "--nofork", "--print-address=3", (char *) NULL);
                _exit(127);
        }
        close(fds[1]);
        n = read(fds[0], address, sizeof address - 1);
        close(fds[0]);
        if (n <= 0)
                bail("dbus-daemon did not start (is it installed?)", n < 0 ? errno : EIO);
        address[n] = '\0';
        address[strcspn(address, "\n")] = '\0';
        setenv("DBUS_SESSION_BUS_ADDRESS", address, 1);
}

int inproc_setup(void) {
        char template[] = "/dev/shm/test-inproc.XXXXXX", fallback[] = "/tmp/test-inproc.XXXXXX";
        _cleanup_free_ char *state = NULL, *config = NULL, *logpath = NULL;
        const char *d;
        int r;

        /* A tmpfs where there is one: the state's fsyncs are not what is tested. */
        d = mkdtemp(template) ?: mkdtemp(fallback);
        if (!d)
                bail("mkdtemp", errno);
        inproc_dir = strdup(d);
        if (!inproc_dir)
                bail("out of memory", ENOMEM);
        atexit(teardown);

        state = path_join(inproc_dir, "state");
        config = path_join(inproc_dir, "config");
        setenv("XDG_STATE_HOME", state, 1);
        setenv("XDG_CONFIG_HOME", config, 1);
        setenv("XDG_CONFIG_DIRS", inproc_dir, 1);
        setenv("HOME", inproc_dir, 1);
        setenv("TZ", "UTC", 1);
        tzset();
        /* No logind, no digest monitor's system bus: nothing of the host's is used. */
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/inproc-no-system-bus", 1);

        logpath = path_join(inproc_dir, "log");
        log_file = fopen(logpath, "w+e");
        if (!log_file)
                bail("cannot open the log file", errno);
        log_set_stream(log_file);
        log_set_max_level(LOG_DEBUG);

        r = sd_event_default(&loop);
        if (r < 0)
                bail("sd_event_default", r);
        bus_start();
        return 0;
}

usec_t inproc_at(const char *s) {
        int h, mi, se = 0;

        if (sscanf(s, "%d:%d:%d", &h, &mi, &se) < 2)
                abort();
        return (usec_t) (days_from_civil(2026, 11, 23) * 86400 + h * 3600 + mi * 60 + se) * USEC_PER_SEC;
}

void inproc_log_mark(void) {
        fflush(log_file);
        log_mark = ftell(log_file);
}

unsigned inproc_log_count(const char *s) {
        char line[4096];
        unsigned n = 0;
        long end;

        fflush(log_file);
        end = ftell(log_file);
        if (fseek(log_file, log_mark, SEEK_SET) < 0)
                return 0;
        while (ftell(log_file) < end && fgets(line, sizeof line, log_file))
                if (strstr(line, s))
                        n++;
        (void) fseek(log_file, end, SEEK_SET);
        return n;
}

/* ---- the loop ---- */

typedef struct LogWait {
        const char *text;
        unsigned n;
} LogWait;

static bool log_reached(void *data) {
        LogWait *w = data;
        return inproc_log_count(w->text) >= w->n;
}

bool inproc_log_wait(const char *text, unsigned n) {
        LogWait w = { text, n };
        char what[256];

        snprintf(what, sizeof what, "%u log line(s) with '%s'", n, text);
        return inproc_run(log_reached, &w, what);
}

static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        *(sd_bus_message **) userdata = sd_bus_message_ref(reply);
        return 0;
}

static bool reply_came(void *data) {
        return *(sd_bus_message **) data;
}

sd_bus_message *inproc_call_message(sd_bus *bus, sd_bus_message *msg) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_async(bus, &slot, msg, on_call_reply, &reply, 0);
        if (r < 0)
                bail("cannot make a call", r);
        (void) inproc_run(reply_came, &reply, sd_bus_message_get_member(msg));
        return reply;
}

sd_bus_message *inproc_call(sd_bus *bus, const char *dest, const char *path, const char *iface, const char *member,
                            const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &msg, dest, path, iface, member);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
        }
        if (r < 0)
                bail("cannot make a call", r);
        return inproc_call_message(bus, msg);
}

bool inproc_run(bool (*cond)(void *data), void *data, const char *what) {
        usec_t deadline = mono() + INPROC_WAIT_USEC;

        while (!cond(data)) {
                int r;

                if (mono() > deadline) {
                        printf("# gave up after %llu s waiting for %s\n",
                               (unsigned long long) (INPROC_WAIT_USEC / USEC_PER_SEC), what);
                        return false;
                }
                r = sd_event_run(loop, 100 * USEC_PER_MSEC);
                if (r < 0)
                        bail("sd_event_run", r);
        }
        return true;
}

/* Nothing is owned by name any more (a connection closed a moment ago lets go of its names
 * when the bus has read its hang-up). Synchronous calls: only dbus-daemon answers them. */
static void wait_name_free(const char *name) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        usec_t deadline = mono() + INPROC_WAIT_USEC;
        int r;

        r = sd_bus_open_user(&bus);
        if (r < 0)
                bail("cannot connect to the test's bus", r);
        for (;;) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int has = 0;

                r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", NULL, &reply, "s", name);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "b", &has);
                if (r < 0)
                        bail("NameHasOwner", r);
                if (!has)
                        return;
                if (mono() > deadline)
                        bail(name, EBUSY);
        }
}

/* ---- the manager ---- */

Manager *inproc_manager_new(const char *conf) {
        _cleanup_free_ char *path = path_join(inproc_dir, "recharged.conf");
        Manager *m = NULL;
        FILE *f = fopen(path, "we");
        int r;

        if (!f || fputs(conf, f) < 0 || fclose(f) != 0)
                bail("cannot write the config", errno);
        r = manager_new(path, &m);
        if (r < 0)
                bail("manager_new", r);
        m->clock = inproc_clock;
        r = manager_load_config(m);
        if (r < 0)
                bail("the test's config does not load", r);
        wait_name_free(RECHARGED_BUS_NAME);
        r = bus_setup(m);
        if (r >= 0)
                r = bus_request_name(m);
        if (r < 0)
                bail("cannot put the manager on the bus", r);
        current = m;
        return m;
}

Manager *inproc_manager_restart(Manager *m, const char *conf) {
        manager_free(m);
        current = NULL;
        return inproc_manager_new(conf);
}

void inproc_begin(Manager *m, usec_t now) {
        int r;

        inproc_now = now;
        r = manager_begin(m, now);
        if (r < 0)
                bail("manager_begin", r);
        /* The start-up's save runs on a thread: its end wakes the loop. */
        while (m->begin_save && sd_event_run(m->event, 10 * USEC_PER_SEC) > 0)
                ;
        while (sd_event_run(m->event, 0) > 0)
                ;
}

void inproc_tick(Manager *m, usec_t t) {
        for (unsigned guard = 0; m->wakeup != 0 && m->wakeup <= t; guard++) {
                if (guard > 100000)
                        bail("the manager's wake-ups do not advance", ELOOP);
                inproc_now = m->wakeup;
                manager_tick(m, m->wakeup, false);
        }
        inproc_now = t;
}

void inproc_advance(Manager *m, InprocServer *s, usec_t t) {
        for (unsigned guard = 0; m->wakeup != 0 && m->wakeup <= t; guard++) {
                if (guard > 100000)
                        bail("the manager's wake-ups do not advance", ELOOP);
                inproc_now = m->wakeup;
                manager_tick(m, m->wakeup, false);
                if (s)
                        inproc_settle(s);
        }
        inproc_now = t;
}

int inproc_act(Manager *m, usec_t now, ActionKind kind, const char *entry, usec_t duration, const char *message) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        inproc_tick(m, now);
        r = manager_act(m, &(Action) { .kind = kind, .entry = entry, .duration = duration, .message = message },
                        now, &e);
        if (r < 0)
                printf("# %s refused: %s\n", action_to_string(kind), e.message ?: "");
        return r;
}

void inproc_manager_free(Manager *m) {
        _cleanup_free_ char *st = path_join(inproc_dir, "state/recharged/state");
        _cleanup_free_ char *hi = path_join(inproc_dir, "state/recharged/history");

        manager_free(m);
        current = NULL;
        (void) unlink(st);
        (void) unlink(hi);
        inproc_now = 0;
}

/* ---- the recording notification server ---- */

struct InprocServer {
        sd_bus *bus;
        char **caps;
        InprocAnswer answer;
        uint32_t next_id;
        InprocCall calls[INPROC_CALLS_MAX];
        size_t n_calls;
        struct {
                sd_bus_message *call;
                uint32_t id;     /* Notify's answer; 0 CloseNotification */
        } held[INPROC_HELD_MAX];
        size_t n_held;
        char **modes;            /* as mako: its modes (inproc_server_be_mako), NULL otherwise */
        sd_bus_slot *mako_slot;
};

static InprocCall *record(InprocServer *s, const char *method) {
        InprocCall *c;

        if (s->n_calls >= INPROC_CALLS_MAX)
                bail("the recording server is full", ENOBUFS);
        c = &s->calls[s->n_calls++];
        *c = (InprocCall) {};
        snprintf(c->method, sizeof c->method, "%s", method);
        return c;
}

static int reply_strv(sd_bus_message *msg, char **l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, l);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int method_get_capabilities(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        InprocServer *s = userdata;

        record(s, "GetCapabilities");
        return reply_strv(msg, s->caps);
}

static int method_get_server_information(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        InprocServer *s = userdata;

        record(s, "GetServerInformation");
        return sd_bus_reply_method_return(msg, "ssss", s->modes ? "mako" : "inproc", "recharged tests", "1", "1.2");
}

/* "key=value" for each hint, in the order sent. */
static int read_hints(sd_bus_message *msg, char **ret) {
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        const char *key;
        int r;

        if (!f)
                return -ENOMEM;
        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *contents;
                char type;

                r = sd_bus_message_read(msg, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(msg, &type, &contents);
                if (r < 0)
                        break;
                r = sd_bus_message_enter_container(msg, 'v', contents);
                if (r < 0)
                        break;
                fprintf(f, "%s%s=", ftell(f) > 0 ? " " : "", key);
                if (streq(contents, "y")) {
                        uint8_t v;
                        r = sd_bus_message_read(msg, "y", &v);
                        fprintf(f, "%u", v);
                } else if (streq(contents, "b")) {
                        int v;
                        r = sd_bus_message_read(msg, "b", &v);
                        fprintf(f, "%d", v);
                } else if (streq(contents, "s")) {
                        const char *v;
                        r = sd_bus_message_read(msg, "s", &v);
                        fprintf(f, "%s", v);
                } else if (streq(contents, "i")) {
                        int32_t v;
                        r = sd_bus_message_read(msg, "i", &v);
                        fprintf(f, "%d", v);
                } else {
                        fprintf(f, "(%s)", contents);
                        r = sd_bus_message_skip(msg, contents);
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        fclose(f);
        if (r < 0) {
                free(out);
                return r;
        }
        *ret = out;
        return 0;
}

static int hold(InprocServer *s, sd_bus_message *msg, uint32_t id) {
        if (s->n_held >= INPROC_HELD_MAX)
                bail("the recording server holds too many calls", ENOBUFS);
        s->held[s->n_held].call = sd_bus_message_ref(msg);
        s->held[s->n_held++].id = id;
        return 1; /* answered later, or never */
}

static int method_notify(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        InprocServer *s = userdata;
        const char *app, *icon, *summary, *body, *a;
        char *actions = NULL;
        size_t size = 0;
        InprocCall *c;
        FILE *f;
        int r;

        c = record(s, "Notify");
        r = sd_bus_message_read(msg, "susss", &app, &c->replaces_id, &icon, &summary, &body);
        if (r < 0)
                return r;
        c->app = strdup(app);
        c->icon = strdup(icon);
        c->summary = strdup(summary);
        c->body = strdup(body);
        f = open_memstream(&actions, &size);
        if (!f)
                return -ENOMEM;
        r = sd_bus_message_enter_container(msg, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(msg, "s", &a)) > 0)
                fprintf(f, "%s%s", ftell(f) > 0 ? "|" : "", a);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        fclose(f);
        c->actions = actions;
        if (r >= 0)
                r = read_hints(msg, &c->hints);
        if (r >= 0)
                r = sd_bus_message_read(msg, "i", &c->expire);
        if (r < 0)
                return r;
        /* As notification servers do: a known id is replaced, else a new one is given. */
        c->id = c->replaces_id ?: ++s->next_id;

        switch (s->answer) {
        case INPROC_HOLD:
                return hold(s, msg, c->id);
        case INPROC_WRONG_TYPE:
                return sd_bus_reply_method_return(msg, "s", "not an id");
        default:
                return sd_bus_reply_method_return(msg, "u", c->id);
        }
}

static int method_close_notification(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        InprocServer *s = userdata;
        InprocCall *c = record(s, "CloseNotification");
        int r;

        r = sd_bus_message_read(msg, "u", &c->id);
        if (r < 0)
                return r;
        if (s->answer == INPROC_HOLD)
                return hold(s, msg, 0);
        /* The spec: a closed notification is announced, reason 3 (closed by a call). */
        r = sd_bus_emit_signal(s->bus, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "NotificationClosed", "uu", c->id, 3);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

/* A plain object callback rather than a vtable: sd-bus would refuse to send the wrong type that
 * INPROC_WRONG_TYPE answers with. */
static int server_dispatch(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        static const struct {
                const char *member, *signature;
                sd_bus_message_handler_t handler;
        } methods[] = {
                { "GetCapabilities", "", method_get_capabilities },
                { "GetServerInformation", "", method_get_server_information },
                { "Notify", "susssasa{sv}i", method_notify },
                { "CloseNotification", "u", method_close_notification },
        };

        if (!sd_bus_message_is_method_call(msg, NOTIFICATIONS_NAME, NULL))
                return 0;
        for (size_t k = 0; k < ELEMENTSOF(methods); k++)
                if (sd_bus_message_is_method_call(msg, NULL, methods[k].member)) {
                        if (!sd_bus_message_has_signature(msg, methods[k].signature))
                                return sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_INVALID_ARGS, "Wrong arguments.");
                        int r = methods[k].handler(msg, userdata, error);
                        return r < 0 ? r : 1; /* 1: handled, answered now or later */
                }
        return 0;
}

/* ---- as mako: fr.emersion.Mako's ListModes and SetModes (mako ≥ 1.7) ---- */

static int method_list_modes(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        InprocServer *s = userdata;

        record(s, "ListModes");
        return reply_strv(msg, s->modes);
}

static int method_set_modes(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        InprocServer *s = userdata;
        InprocCall *c = record(s, "SetModes");
        char **modes = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        r = sd_bus_message_read_strv(msg, &modes);
        if (r < 0)
                return r;
        strv_free(s->modes);
        s->modes = modes;
        f = open_memstream(&c->body, &size);
        if (!f)
                return -ENOMEM;
        for (char **m = modes; m && *m; m++)
                fprintf(f, "%s%s", m == modes ? "" : ",", *m);
        fclose(f);
        if (s->answer == INPROC_HOLD)
                return hold(s, msg, 0);
        return sd_bus_reply_method_return(msg, NULL);
}

static const sd_bus_vtable mako_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ListModes", "", "as", method_list_modes, 0),
        SD_BUS_METHOD("SetModes", "as", "", method_set_modes, 0),
        SD_BUS_VTABLE_END
};

void inproc_server_be_mako(InprocServer *s, const char *modes) {
        _cleanup_free_ char *copy = strdup(modes);
        char *save = NULL;
        int r;

        if (!copy)
                bail("out of memory", ENOMEM);
        strv_free(s->modes);
        s->modes = NULL;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
                if (strv_extend(&s->modes, w) < 0)
                        bail("out of memory", ENOMEM);
        if (!s->modes && strv_extend(&s->modes, "default") < 0)
                bail("out of memory", ENOMEM);
        if (s->mako_slot)
                return;
        r = sd_bus_add_object_vtable(s->bus, &s->mako_slot, "/fr/emersion/Mako", "fr.emersion.Mako", mako_vtable, s);
        if (r < 0)
                bail("the recording server cannot be mako", r);
}

sd_bus *inproc_bus_connect(void) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_user(&bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus, loop, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                bail("cannot connect to the test's bus", r);
        return bus;
}

InprocServer *inproc_server_new(const char *caps) {
        InprocServer *s = calloc(1, sizeof(InprocServer));
        int r;

        if (!s)
                bail("out of memory", ENOMEM);
        {
                _cleanup_free_ char *copy = strdup(caps ?: "");
                char *save = NULL;

                if (!copy)
                        bail("out of memory", ENOMEM);
                for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                        if (strv_extend(&s->caps, w) < 0)
                                bail("out of memory", ENOMEM);
        }
        wait_name_free(NOTIFICATIONS_NAME);
        s->bus = inproc_bus_connect();
        r = sd_bus_add_object(s->bus, NULL, NOTIFICATIONS_PATH, server_dispatch, s);
        if (r >= 0)
                r = sd_bus_request_name(s->bus, NOTIFICATIONS_NAME, 0);
        if (r < 0)
                bail("the recording server cannot own its name", r);
        return s;
}

InprocServer *inproc_server_free(InprocServer *s) {
        if (!s)
                return NULL;
        for (size_t k = 0; k < s->n_held; k++)
                sd_bus_message_unref(s->held[k].call);
        sd_bus_slot_unref(s->mako_slot);
        sd_bus_flush_close_unref(s->bus);
        strv_free(s->modes);
        for (size_t k = 0; k < s->n_calls; k++) {
                InprocCall *c = &s->calls[k];
                free(c->app);
                free(c->icon);
                free(c->summary);
                free(c->body);
                free(c->actions);
                free(c->hints);
        }
        strv_free(s->caps);
        free(s);
        return NULL;
}

void inproc_server_answer(InprocServer *s, InprocAnswer how) {
        s->answer = how;
}

void inproc_server_release(InprocServer *s) {
        int r = 0;

        s->answer = INPROC_ANSWER;
        for (size_t k = 0; k < s->n_held; k++) {
                sd_bus_message *call = s->held[k].call;

                if (r >= 0)
                        r = s->held[k].id ? sd_bus_reply_method_return(call, "u", s->held[k].id)
                                          : sd_bus_reply_method_return(call, NULL);
                sd_bus_message_unref(call);
        }
        s->n_held = 0;
        if (r < 0)
                bail("cannot answer the held calls", r);
}

size_t inproc_server_held(InprocServer *s) {
        return s->n_held;
}

size_t inproc_server_count(InprocServer *s, const char *method) {
        size_t n = 0;

        for (size_t k = 0; k < s->n_calls; k++)
                if (!method || streq(s->calls[k].method, method))
                        n++;
        return n;
}

const InprocCall *inproc_server_call(InprocServer *s, const char *method, size_t k) {
        for (size_t i = 0; i < s->n_calls; i++)
                if (!method || streq(s->calls[i].method, method)) {
                        if (k == 0)
                                return &s->calls[i];
                        k--;
                }
        return NULL;
}

typedef struct CountWait {
        InprocServer *server;
        const char *method;
        size_t n;
} CountWait;

static bool count_reached(void *data) {
        CountWait *w = data;
        return inproc_server_count(w->server, w->method) >= w->n;
}

const InprocCall *inproc_server_wait(InprocServer *s, const char *method, size_t n) {
        CountWait w = { s, method, n };
        char what[96];

        snprintf(what, sizeof what, "%zu %s call(s) (%zu so far)", n, method ?: "", inproc_server_count(s, method));
        if (!inproc_run(count_reached, &w, what))
                return NULL;
        /* The manager has the answers too (a notification's id, before its actions can come). */
        inproc_settle(s);
        return inproc_server_call(s, method, n - 1);
}


static int on_pong(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        *(bool *) userdata = true;
        return 0;
}

static bool flag_set(void *data) {
        return *(bool *) data;
}

void inproc_ping(sd_bus *bus, Manager *m) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        const char *unique = NULL;
        bool pong = false;
        int r;

        if (!m)
                bail("no manager to ping", ENOTCONN);
        r = sd_bus_get_unique_name(m->bus, &unique);
        if (r >= 0)
                r = sd_bus_call_method_async(bus, &slot, unique, "/", "org.freedesktop.DBus.Peer", "Ping", on_pong,
                                             &pong, NULL);
        if (r < 0)
                bail("cannot ping the manager", r);
        if (!inproc_run(flag_set, &pong, "the manager's answer to a ping"))
                bail("the manager does not answer", ETIMEDOUT);
}

int inproc_server_action(InprocServer *s, uint32_t id, const char *key) {
        int r;

        r = sd_bus_emit_signal(s->bus, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "ActionInvoked", "us", id, key);
        if (r < 0)
                return r;
        inproc_ping(s->bus, current);
        return 0;
}

int inproc_server_closed(InprocServer *s, uint32_t id, uint32_t reason) {
        int r;

        r = sd_bus_emit_signal(s->bus, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "NotificationClosed", "uu", id, reason);
        if (r < 0)
                return r;
        inproc_ping(s->bus, current);
        return 0;
}

/* Each round trip lets one more step of a chain through (the change's GetCapabilities, its
 * answer's Notify, an end that waited for that Notify's id): until a round brings nothing. */
void inproc_settle(InprocServer *s) {
        for (unsigned guard = 0;; guard++) {
                size_t before = s->n_calls;

                if (guard > 64)
                        bail("the notifications do not settle", ELOOP);
                inproc_ping(s->bus, current);
                if (s->n_calls == before)
                        return;
        }
}

/* ---- the manager's signals, as another program hears them ---- */

struct InprocSignals {
        sd_bus *bus;
        char *text;              /* the lines heard since the last take, "" none */
};

static void format_basic(FILE *f, sd_bus_message *msg, char type) {
        union {
                const char *s;
                uint64_t t;
                uint32_t u;
                int b;
        } v;

        switch (type) {
        case 's':
        case 'o':
                if (sd_bus_message_read_basic(msg, type, &v.s) > 0)
                        fprintf(f, "%s", v.s);
                break;
        case 't':
                if (sd_bus_message_read_basic(msg, type, &v.t) > 0)
                        fprintf(f, "%llu", (unsigned long long) v.t);
                break;
        case 'u':
                if (sd_bus_message_read_basic(msg, type, &v.u) > 0)
                        fprintf(f, "%u", v.u);
                break;
        case 'b':
                if (sd_bus_message_read_basic(msg, type, &v.b) > 0)
                        fprintf(f, "%s", v.b ? "true" : "false");
                break;
        default:
                fprintf(f, "(%c)", type);
                (void) sd_bus_message_skip(msg, NULL);
        }
}

static int on_manager_signal(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        InprocSignals *sg = userdata;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        const char *contents;
        char type, *joined;
        FILE *f = open_memstream(&line, &size);

        if (!f)
                bail("out of memory", ENOMEM);
        fprintf(f, "%s", sd_bus_message_get_member(msg));
        if (sd_bus_message_is_signal(msg, "org.freedesktop.DBus.Properties", "PropertiesChanged")) {
                const char *iface, *name;

                if (sd_bus_message_read(msg, "s", &iface) < 0 || sd_bus_message_enter_container(msg, 'a', "{sv}") < 0)
                        goto done;
                while (sd_bus_message_enter_container(msg, 'e', "sv") > 0) {
                        if (sd_bus_message_read(msg, "s", &name) < 0 ||
                            sd_bus_message_peek_type(msg, NULL, &contents) < 0 ||
                            sd_bus_message_enter_container(msg, 'v', contents) < 0)
                                goto done;
                        fprintf(f, " %s=", name);
                        format_basic(f, msg, contents[0]);
                        (void) sd_bus_message_exit_container(msg);
                        (void) sd_bus_message_exit_container(msg);
                }
                goto done;
        }
        while (sd_bus_message_peek_type(msg, &type, &contents) > 0) {
                fputc(' ', f);
                format_basic(f, msg, type);
        }
done:
        fputc('\n', f);
        if (fclose(f) != 0)
                bail("out of memory", ENOMEM);
        if (asprintf(&joined, "%s%s", sg->text, line) < 0)
                bail("out of memory", ENOMEM);
        free(sg->text);
        sg->text = joined;
        return 0;
}

InprocSignals *inproc_signals_new(void) {
        InprocSignals *sg = calloc(1, sizeof(InprocSignals));
        int r;

        if (!sg)
                bail("out of memory", ENOMEM);
        sg->text = strdup("");
        if (!sg->text)
                bail("out of memory", ENOMEM);
        sg->bus = inproc_bus_connect();
        r = sd_bus_match_signal(sg->bus, NULL, "org.recharged.Recharged1", "/org/recharged/Recharged1", NULL, NULL,
                                on_manager_signal, sg);
        if (r < 0)
                bail("cannot listen for the manager's signals", r);
        /* The match is in place at the bus once a round trip through the manager is done. */
        inproc_ping(sg->bus, current);
        return sg;
}

InprocSignals *inproc_signals_free(InprocSignals *sg) {
        if (!sg)
                return NULL;
        sd_bus_flush_close_unref(sg->bus);
        free(sg->text);
        free(sg);
        return NULL;
}

char *inproc_signals_take(InprocSignals *sg) {
        char *out;

        inproc_ping(sg->bus, current);
        out = sg->text;
        sg->text = strdup("");
        if (!sg->text)
                bail("out of memory", ENOMEM);
        if (*out)
                out[strlen(out) - 1] = '\0';
        return out;
}
