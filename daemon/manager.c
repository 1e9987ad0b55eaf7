/* SPDX-License-Identifier: MIT */
/* manager.c: the daemon's state: config, zone, engine and overlay, persistence, and the one path
 * of every change: validate → pure change → sync → one save → one change set out. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "log.h"
#include "digest.h"
#include "manager.h"
#include "names.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <glib.h>

usec_t manager_clock(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static void overlay_done(Overlay *o) {
        free(o->entries);
        *o = (Overlay) {};
}

static int overlay_new(size_t n, Overlay *ret) {
        *ret = (Overlay) { .n_entries = n };
        if (n == 0)
                return 0;
        ret->entries = calloc(n, sizeof(EntryOverlay));
        return ret->entries ? 0 : -ENOMEM;
}

static int overlay_copy(const Overlay *o, Overlay *ret) {
        Overlay c = *o;

        if (o->n_entries > 0) {
                c.entries = malloc(sizeof(EntryOverlay) * o->n_entries);
                if (!c.entries)
                        return -ENOMEM;
                memcpy(c.entries, o->entries, sizeof(EntryOverlay) * o->n_entries);
        }
        *ret = c;
        return 0;
}

static void active_free_all(ActiveRecharge *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                state_active_done(&v[i]);
        free(v);
}

static void begin_save_finish(Manager *m);

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        /* A start-up's save still running is waited for: its outcome goes into m->saved. */
        begin_save_finish(m);

        m->bus = sd_bus_flush_close_unref(m->bus);
        presence_watch_free(m->presence_watch);
        digest_free(m->digest_watch);
        sd_bus_slot_unref(m->sleep_slot);
        sd_bus_flush_close_unref(m->system_bus);
        sd_event_source_disable_unref(m->timer);
        sd_event_source_disable_unref(m->clock_watch);
        safe_close(m->clock_fd);
        sd_event_source_disable_unref(m->tz_watch);
        sd_event_source_disable_unref(m->sig_term);
        sd_event_source_disable_unref(m->sig_int);
        sd_event_source_disable_unref(m->sig_hup);
        sd_event_unref(m->event);

        manager_status_done(&m->status);
        free(m->entry_live);
        free(m->live_due);
        free(m->live_next);
        free(m->entry_objects);
        active_free_all(m->active, m->n_active);
        active_free_all(m->welcome, m->n_welcome);
        for (size_t i = 0; i < m->n_silence; i++) {
                free(m->silence[i].server);
                free(m->silence[i].before);
        }

        engine_free(m->engine);
        overlay_done(&m->overlay);
        config_free(m->config);
        tz_free(m->tz);
        free(m->manual_message);
        free(m->saved);
        state_text_free(m->state_text);
        free(m->history_pending);
        sd_event_source_disable_unref(m->history_build);
        for (size_t i = 0; i < m->n_stats_waiting; i++)
                sd_bus_message_unref(m->stats_waiting[i]);
        free(m->stats_waiting);
        history_summary_free(m->history_summary);

        free(m->config_override);
        free(m->state_dir);
        free(m->state_path);
        free(m->history_path);
        free(m);
        return NULL;
}

static int manager_paths(Manager *m) {
        const char *e = getenv("XDG_STATE_HOME");
        const char *home = getenv("HOME");

        if (e && e[0] == '/')
                m->state_dir = g_build_filename(e, "recharged", NULL);
        else if (home && home[0] == '/')
                m->state_dir = g_build_filename(home, ".local", "state", "recharged", NULL);
        else
                return log_error_errno(-ENXIO, "Neither $XDG_STATE_HOME nor $HOME is set to an absolute path: "
                                               "cannot tell where to keep the state.");
        m->state_path = g_build_filename(m->state_dir, "state", NULL);
        m->history_path = g_build_filename(m->state_dir, "history", NULL);
        return 0;
}

int manager_new(const char *config_override, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return log_oom();
        m->clock = manager_clock;
        m->clock_fd = -1;
        m->status.source = m->status.next_event = "";
        m->status.presence = "unknown";
        if (config_override) {
                m->config_override = strdup(config_override);
                if (!m->config_override)
                        return log_oom();
        }
        r = manager_paths(m);
        if (r < 0)
                return r;
        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to create the event loop: %m");

        *ret = TAKE_PTR(m);
        return 0;
}

/* Reads the config the way a start-up and a reload both do. */
static int load_config(Manager *m, Config **ret, char ***ret_errors) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = config_find(m->config_override, &path);
        if (r < 0)
                return r;
        if (!path)
                return config_load_default(ret);
        return config_load_file(path, ret, ret_errors);
}

static int load_tz(Tz **ret) {
        int r;

        r = tz_load(NULL, ret);
        if (r >= 0)
                return 0;
        log_warning_errno(r, "Failed to load the local time zone, using UTC: %m");
        return tz_new_fixed(0, "UTC", ret);
}

int manager_load_config(Manager *m) {
        _cleanup_strv_free_ char **errors = NULL;
        int r;

        r = load_config(m, &m->config, &errors);
        if (r == -EINVAL) {
                for (char **e = errors; e && *e; e++)
                        log_error("%s", *e);
                return -EINVAL;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to load the configuration: %m");
        log_debug("Schedule loaded from %s: %zu %s.", m->config->path ?: "the built-in default",
                  m->config->n_entries, m->config->n_entries == 1 ? "entry" : "entries");

        r = load_tz(&m->tz);
        if (r < 0)
                return log_error_errno(r, "Failed to set up a time zone: %m");
        r = engine_new(m->config, m->tz, &m->engine);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the schedule: %m");
        r = overlay_new(m->config->n_entries, &m->overlay);
        if (r < 0)
                return log_oom();
        m->entry_live = calloc(m->config->n_entries + 1, sizeof(EntryLive));
        m->entry_objects = calloc(m->config->n_entries + 1, sizeof(EntryObject));
        if (!m->entry_live || !m->entry_objects)
                return log_oom();
        for (size_t i = 0; i < m->config->n_entries; i++)
                m->entry_objects[i] = (EntryObject) { m, i };
        m->status.time_zone = tz_name(m->tz);
        return 0;
}

/* ---- the state file: one writer ---- */

/* A State that says what the manager holds now. */
static int state_build(Manager *m, State **ret) {
        _cleanup_(state_freep) State *s = NULL;
        int r;

        s = calloc(1, sizeof(State));
        if (!s)
                return -ENOMEM;
        for (size_t k = 0; k < m->n_silence; k++) {
                s->silence[k].server = strdup(m->silence[k].server);
                s->silence[k].before = strdup(m->silence[k].before);
                s->n_silence++;
                if (!s->silence[k].server || !s->silence[k].before)
                        return -ENOMEM;
        }
        r = state_from_overlay(s, m->config, &m->overlay);
        if (r < 0)
                return r;
        s->processed = m->processed_mark;
        if (m->overlay.manual_since != 0) {
                s->manual_message = strdup(m->manual_message ?: "");
                if (!s->manual_message)
                        return -ENOMEM;
        }
        r = state_active_copy(m->active, m->n_active, &s->active);
        if (r < 0)
                return r;
        s->n_active = m->n_active;
        r = state_active_copy(m->welcome, m->n_welcome, &s->welcome);
        if (r < 0)
                return r;
        s->n_welcome = m->n_welcome;
        s->away_since = m->away_since;
        *ret = TAKE_PTR(s);
        return 0;
}

int manager_state_text(Manager *m, bool whole, char **ret_text) {
        static char empty[] = "";
        State rest = {};
        int r;

        if (whole) {
                _cleanup_(state_freep) State *s = NULL;

                r = state_build(m, &s);
                if (r < 0)
                        return r;
                return state_format(s, ret_text);
        }

        /* What state_build() copies, borrowed (only read while the text is made); the overlay's
         * part is read from the overlay, as state_from_overlay() does. */
        for (size_t k = 0; k < m->n_silence; k++)
                rest.silence[k] = m->silence[k];
        rest.n_silence = m->n_silence;
        rest.processed = m->processed_mark;
        if (m->overlay.manual_since != 0)
                rest.manual_message = m->manual_message ?: empty;
        rest.active = m->active;
        rest.n_active = m->n_active;
        rest.welcome = m->welcome;
        rest.n_welcome = m->n_welcome;
        rest.away_since = m->away_since;
        return state_text_format(&m->state_text, &rest, m->config, &m->overlay, ret_text);
}

/* Writes the state if it differs from what the file holds: the one place that writes it. */
int manager_commit(Manager *m) {
        _cleanup_free_ char *text = NULL;
        int r;

        begin_save_finish(m); /* one save at a time, in order */
        r = manager_state_text(m, false, &text);
        if (r < 0)
                return r;
        if (m->saved && streq(m->saved, text))
                return 0;
        r = state_save_text(m->state_path, text);
        if (r < 0)
                return r;
        free(m->saved);
        m->saved = TAKE_PTR(text);
        m->saves++;
        return 1;
}

int manager_save(Manager *m) {
        int r;

        r = manager_commit(m);
        if (r < 0)
                return log_error_errno(r, "Failed to save the state to '%s': %m", m->state_path);
        return 0;
}


int manager_snapshot_take(Manager *m, ManagerSnapshot *ret) {
        ManagerSnapshot s = { .processed_to = m->processed_to, .processed_mark = m->processed_mark, .n_active = m->n_active,
                       .n_welcome = m->n_welcome };
        int r;

        r = overlay_copy(&m->overlay, &s.overlay);
        if (r < 0)
                return r;
        r = state_active_copy(m->active, m->n_active, &s.active);
        if (r >= 0)
                r = state_active_copy(m->welcome, m->n_welcome, &s.welcome);
        if (r < 0) {
                overlay_done(&s.overlay);
                active_free_all(s.active, s.n_active);
                return r;
        }
        if (m->manual_message) {
                s.manual_message = strdup(m->manual_message);
                if (!s.manual_message) {
                        overlay_done(&s.overlay);
                        active_free_all(s.active, s.n_active);
                        active_free_all(s.welcome, s.n_welcome);
                        return -ENOMEM;
                }
        }
        *ret = s;
        return 0;
}

void manager_snapshot_done(ManagerSnapshot *s) {
        overlay_done(&s->overlay);
        active_free_all(s->active, s->n_active);
        active_free_all(s->welcome, s->n_welcome);
        free(s->manual_message);
        *s = (ManagerSnapshot) {};
}

void manager_snapshot_restore(Manager *m, ManagerSnapshot *s) {
        overlay_done(&m->overlay);
        m->overlay = s->overlay;
        active_free_all(m->active, m->n_active);
        m->active = s->active;
        m->n_active = s->n_active;
        active_free_all(m->welcome, m->n_welcome);
        m->welcome = s->welcome;
        m->n_welcome = s->n_welcome;
        free(m->manual_message);
        m->manual_message = s->manual_message;
        m->processed_to = s->processed_to;
        m->processed_mark = s->processed_mark;
        *s = (ManagerSnapshot) {};
}

/* Appends the change's lines, after any an earlier failure left waiting. On failure the lines
 * wait in memory (a bounded number) for the next append, and the failure is logged once. */
int manager_history_write(Manager *m, ManagerChange *c) {
        HistoryEvent *v;
        size_t n;
        int r;

        if (c->n_history == 0 && m->n_history_pending == 0)
                return 0;
        n = m->n_history_pending + c->n_history;
        v = reallocarray(m->history_pending, MAX(n, (size_t) 1), sizeof(HistoryEvent));
        if (!v)
                return -ENOMEM;
        m->history_pending = v;
        memcpy(v + m->n_history_pending, c->history, c->n_history * sizeof(HistoryEvent));
        r = history_append_many(m->history_path, v, n);
        if (r >= 0) {
                if (m->history_failed)
                        log_info("The history '%s' can be written again: %zu waiting %s written.", m->history_path,
                                 m->n_history_pending, m->n_history_pending == 1 ? "line" : "lines");
                m->history_failed = false;
                m->n_history_pending = 0;
                return 0;
        }
        if (!m->history_failed)
                log_warning_errno(r, "Failed to append to the history '%s', keeping the lines to try again: %m",
                                  m->history_path);
        m->history_failed = true;
        /* Keep the newest: a disk that stays broken costs a bounded amount of memory. */
        if (n > HISTORY_PENDING_MAX) {
                memmove(v, v + (n - HISTORY_PENDING_MAX), HISTORY_PENDING_MAX * sizeof(HistoryEvent));
                n = HISTORY_PENDING_MAX;
        }
        m->n_history_pending = n;
        return r;
}

/* Time passing cannot be refused: a failed save is logged and tried again at the next change. */
static void finish(Manager *m, ManagerChange *c, usec_t now) {
        int r;

        r = manager_commit(m);
        if (r < 0)
                log_error_errno(r, "Failed to save the state to '%s', trying again at the next change: %m",
                                m->state_path);
        /* The world hears once the state is on disk; the history (stats) need not hold it up:
         * its lines are written right after, or wait for the next append if they cannot be. */
        manager_publish(m, now, c);
        manager_emit(m, c);
        (void) manager_history_write(m, c);
}

void manager_tick(Manager *m, usec_t now, bool clock_changed) {
        _cleanup_(manager_change_done) ManagerChange c = { .now = now, .action = _ACTION_INVALID };

        if (clock_changed)
                log_info("The clock changed or the system woke up: catching up with the schedule.");
        manager_sync(m, now, &c);
        finish(m, &c, now);
}

/* A start-up whose change announces nothing and records nothing (a first start's mark, entries
 * the config no longer has dropped from the record): no listener hears anything a crash would
 * take back, so nothing needs to wait for its two syncs. It is written at once, as before, but
 * on a thread of its own while the loop answers the first calls; any other save joins it first,
 * so saves stay in order and one at a time. */
typedef struct BeginSave {
        pthread_t thread;
        char *path;
        char *text;              /* what the file holds once written */
        int result;
        int efd;                 /* written by the thread when done */
        sd_event_source *done;
} BeginSave;

static void *begin_save_run(void *userdata) {
        BeginSave *b = userdata;

        b->result = state_save_text(b->path, b->text);
        (void) eventfd_write(b->efd, 1);
        return NULL;
}

static void begin_save_free(BeginSave *b) {
        sd_event_source_disable_unref(b->done);
        safe_close(b->efd);
        free(b->path);
        free(b->text);
        free(b);
}

/* Waits for the start-up's save if it still runs, and takes its outcome as any save's. */
static void begin_save_finish(Manager *m) {
        BeginSave *b = m->begin_save;

        if (!b)
                return;
        m->begin_save = NULL;
        (void) pthread_join(b->thread, NULL);
        if (b->result >= 0) {
                free(m->saved);
                m->saved = TAKE_PTR(b->text);
                m->saves++;
        } else
                log_error_errno(b->result, "Failed to save the state to '%s', trying again at the next change: %m",
                                m->state_path);
        begin_save_free(b);
}

static int on_begin_save_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        begin_save_finish(userdata);
        return 0;
}

static bool begin_save_start(Manager *m, const ManagerChange *c) {
        BeginSave *b;
        int r;

        if (c->n_events > 0 || c->n_history > 0 || m->n_history_pending > 0 || !m->event)
                return false;
        b = calloc(1, sizeof(BeginSave));
        if (!b)
                return false;
        b->efd = -1;
        r = manager_state_text(m, false, &b->text);
        if (r >= 0 && m->saved && streq(m->saved, b->text)) {
                begin_save_free(b); /* the file says it already */
                return true;
        }
        if (r >= 0) {
                b->path = strdup(m->state_path);
                b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                r = !b->path ? -ENOMEM : b->efd < 0 ? -errno : 0;
        }
        if (r >= 0)
                r = sd_event_add_io(m->event, &b->done, b->efd, EPOLLIN, on_begin_save_done, m);
        if (r >= 0)
                r = -pthread_create(&b->thread, NULL, begin_save_run, b);
        if (r < 0) {
                begin_save_free(b);
                return false; /* then at once, as any other change */
        }
        (void) sd_event_source_set_description(b->done, "start-up-save");
        m->begin_save = b;
        return true;
}

int manager_begin(Manager *m, usec_t now) {
        _cleanup_(manager_change_done) ManagerChange c = { .now = now, .action = _ACTION_INVALID };
        _cleanup_(state_freep) State *s = NULL;
        _cleanup_strv_free_ char **dropped = NULL;
        int r;

        r = state_load(m->state_path, &s);
        if (r == -ENOENT)
                log_debug("No state file yet at '%s': starting fresh.", m->state_path);
        else if (r == -ENOMEM)
                return log_oom();
        else if (r < 0) {
                _cleanup_free_ char *aside = NULL;
                int k = state_move_aside(m->state_path, now, &aside);
                if (k >= 0)
                        log_error_errno(r, "The state file '%s' is damaged or unreadable (%m): moved it to '%s' "
                                           "and starting with an empty state.", m->state_path, aside);
                else
                        log_error_errno(r, "The state file '%s' is damaged or unreadable (%m) and could not be "
                                           "moved aside: starting with an empty state.", m->state_path);
        } else {
                /* What the file says already: nothing to write until something changes. */
                r = state_format(s, &m->saved);
                if (r < 0)
                        return log_oom();
        }
        if (!s) {
                s = calloc(1, sizeof(State));
                if (!s)
                        return log_oom();
        }

        r = state_to_overlay(s, m->config, &m->overlay, &dropped);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the saved state: %m");
        for (char **d = dropped; d && *d; d++)
                log_info("The saved state names entry '%s', which the configuration no longer has: dropped.", *d);
        if (m->overlay.manual_since != 0) {
                m->manual_message = strdup(s->manual_message ?: "");
                if (!m->manual_message)
                        return log_oom();
        }
        for (size_t i = 0; i < s->n_silence; i++) {
                m->silence[i] = s->silence[i];
                s->silence[i] = (StateSilence) {};
        }
        m->n_silence = s->n_silence;
        s->n_silence = 0;
        /* Recharges announced before: an entry gone from the config ends at once (sync). */
        m->active = TAKE_PTR(s->active);
        m->n_active = s->n_active;
        s->n_active = 0;
        /* Away when the last run ended: still holding, until logind says otherwise (or cannot). */
        m->welcome = TAKE_PTR(s->welcome);
        m->n_welcome = s->n_welcome;
        s->n_welcome = 0;
        m->away_since = s->away_since;

        /* What passed while not running: from the mark the last run left, at most CATCH_UP_MAX. */
        if (s->processed != 0 && s->processed < now)
                m->processed_to = MAX(s->processed, now > CATCH_UP_MAX ? now - CATCH_UP_MAX : 0);
        else
                m->processed_to = now;
        /* A first start marks where this run began; a restart keeps the mark until an event moves it. */
        m->processed_mark = s->processed != 0 ? s->processed : now;

        manager_sync(m, now, &c);
        if (begin_save_start(m, &c)) {
                manager_publish(m, now, &c);
                manager_emit(m, &c);
        } else
                finish(m, &c, now);
        manager_stats_prepare(m);
        log_info("Ready: the schedule from %s, %zu %s, time zone %s.", m->config->path ?: "the built-in default",
                 m->config->n_entries, m->config->n_entries == 1 ? "entry" : "entries", tz_name(m->tz));
        return 0;
}

/* ---- presence ---- */

void manager_set_presence(Manager *m, Presence p, usec_t since, usec_t now) {
        _cleanup_(manager_change_done) ManagerChange c = { .now = now, .action = _ACTION_INVALID };
        bool was_away = m->away_since != 0 || (m->overlay.away_since != 0 && m->overlay.away_until == 0);
        bool away = presence_is_away(p);

        if (p < 0 || p >= _PRESENCE_MAX)
                return;
        if (p == m->presence && away == was_away)
                return;
        if (since == 0 || since > now)
                since = now;

        /* What fell due before the change happened with the presence as it was. */
        manager_catch_up(m, now, &c);
        log_info("The session is %s%s.", presence_to_string(p),
                 away && !was_away ? ": reminders wait until the person is back" : "");
        m->presence = p;
        if (away && !was_away) {
                m->away_since = since;
                /* Holding starts after what is handled already: a reminder shown is not held again. */
                m->overlay.away_since = MAX(since, m->processed_to);
                m->overlay.away_until = 0;
        } else if (!away && was_away)
                manager_come_back(m, &c, now);
        manager_sync(m, now, &c);
        finish(m, &c, now);
}

/* ---- reload and zone ---- */

static int join_errors(char **errors, char **ret) {
        size_t len = 0;
        char *text;

        for (char **e = errors; e && *e; e++)
                len += strlen(*e) + 1;
        text = calloc(len + 1, 1);
        if (!text)
                return -ENOMEM;
        for (char **e = errors; e && *e; e++) {
                if (e != errors)
                        strcat(text, "\n");
                strcat(text, *e);
        }
        *ret = text;
        return 0;
}

/* Swaps in config c and engine (the overlay is carried over by entry name). */
static int swap_schedule(Manager *m, Config **c, Tz **tz, Engine **engine, Overlay *o, EntryLive **live,
                         EntryObject **objects) {
        config_free(m->config);
        m->config = TAKE_PTR(*c);
        /* Its records were the old config's entries by index: a new config, at whatever address,
         * starts them again. */
        m->state_text = state_text_free(m->state_text);
        engine_free(m->engine);
        m->engine = TAKE_PTR(*engine);
        if (tz && *tz) {
                tz_free(m->tz);
                m->tz = TAKE_PTR(*tz);
                m->status.time_zone = tz_name(m->tz);
                history_summary_reset(m->history_summary); /* its days were the old zone's */
        }
        overlay_done(&m->overlay);
        m->overlay = *o;
        *o = (Overlay) {};
        free(m->entry_live);
        m->entry_live = TAKE_PTR(*live);
        m->live_all = true; /* another schedule: its entries' live state from scratch */
        free(m->entry_objects);
        m->entry_objects = TAKE_PTR(*objects);
        return 0;
}

int manager_reload(Manager *m, usec_t now, sd_bus_error *error) {
        _cleanup_(manager_change_done) ManagerChange c = { .now = now, .action = _ACTION_INVALID };
        _cleanup_(config_freep) Config *nc = NULL, *old = NULL;
        _cleanup_(tz_freep) Tz *tz = NULL;
        _cleanup_(engine_freep) Engine *engine = NULL;
        _cleanup_(overlay_done) Overlay o = {};
        _cleanup_(state_freep) State *s = NULL;
        _cleanup_strv_free_ char **errors = NULL, **dropped = NULL;
        _cleanup_free_ EntryLive *live = NULL;
        _cleanup_free_ EntryObject *objects = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        /* A file that was there at start and is gone now is a mistake, not a wish for the
         * built-in schedule: refused like a bad one, so the answered skips and snoozes stay. */
        r = config_find(m->config_override, &path);
        if (r >= 0 && !path && m->config->path) {
                log_warning("Reload refused, the running schedule stays: '%s' is gone.", m->config->path);
                return sd_bus_error_setf(error, RECHARGED_ERROR_INVALID_CONFIG,
                                         "%s: the file is gone; the running schedule stays.", m->config->path);
        }

        r = load_config(m, &nc, &errors);
        if (r == -EINVAL) {
                _cleanup_free_ char *text = NULL;

                log_warning("Reload refused, the running schedule stays:");
                for (char **e = errors; e && *e; e++)
                        log_warning("%s", *e);
                if (join_errors(errors, &text) < 0)
                        return sd_bus_error_set_errno(error, -ENOMEM);
                return sd_bus_error_set(error, RECHARGED_ERROR_INVALID_CONFIG, text);
        }
        if (r < 0) {
                log_warning_errno(r, "Reload refused, the running schedule stays: %m");
                return sd_bus_error_setf(error, RECHARGED_ERROR_INVALID_CONFIG,
                                         "%s: %s; the running schedule stays.",
                                         m->config_override ?: m->config->path ?: "the configuration", strerror(-r));
        }

        r = load_tz(&tz);
        if (r >= 0)
                r = engine_new(nc, tz, &engine);
        if (r >= 0)
                r = overlay_new(nc->n_entries, &o);
        if (r >= 0)
                r = state_build(m, &s);
        if (r >= 0)
                r = state_to_overlay(s, nc, &o, &dropped);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to apply the new configuration: %m");
        live = calloc(nc->n_entries + 1, sizeof(EntryLive));
        objects = calloc(nc->n_entries + 1, sizeof(EntryObject));
        if (!live || !objects)
                return sd_bus_error_set_errno(error, -ENOMEM);

        /* What was due under the old schedule happened before the reload. */
        manager_catch_up(m, now, &c);

        for (char **d = dropped; d && *d; d++)
                log_info("Entry '%s' is gone from the configuration: its skips and snoozes are dropped.", *d);
        for (size_t i = 0; i < nc->n_entries; i++) {
                int j = config_find_entry(m->config, nc->entries[i].name);
                objects[i] = (EntryObject) { m, i };
                if (j >= 0)
                        live[i] = m->entry_live[j]; /* so only real changes are signalled */
        }

        old = TAKE_PTR(m->config); /* kept until the listeners heard what changed */
        swap_schedule(m, &nc, &tz, &engine, &o, &live, &objects);
        c.old_config = old;

        /* New entries are announced with their current times, not zeros. */
        for (size_t i = 0; i < m->config->n_entries; i++)
                if (config_find_entry(old, m->config->entries[i].name) < 0)
                        (void) manager_entry_live(m, i, now, &m->entry_live[i]);

        log_info("Schedule reloaded from %s: %zu %s.", m->config->path ?: "the built-in default",
                 m->config->n_entries, m->config->n_entries == 1 ? "entry" : "entries");
        manager_sync(m, now, &c);
        finish(m, &c, now);
        digest_apply(m); /* digest = yes/no takes effect at once */
        return 0;
}

int manager_set_zone(Manager *m, Tz *tz, usec_t now) {
        _cleanup_(manager_change_done) ManagerChange c = { .now = now, .action = _ACTION_INVALID };
        _cleanup_(engine_freep) Engine *engine = NULL;
        int r;

        r = engine_new(m->config, tz, &engine);
        if (r < 0) {
                tz_free(tz);
                return log_warning_errno(r, "Failed to apply the new time zone, ignoring: %m");
        }
        /* What was due in the old zone happened before the change. */
        manager_catch_up(m, now, &c);
        log_info("The time zone changed to %s.", tz_name(tz));
        engine_free(m->engine);
        m->engine = TAKE_PTR(engine);
        m->live_all = true;
        tz_free(m->tz);
        m->tz = tz;
        history_summary_reset(m->history_summary); /* its days were the old zone's */
        m->status.time_zone = tz_name(m->tz);
        manager_sync(m, now, &c);
        finish(m, &c, now);
        return 0;
}

/* ---- what listeners tell the manager ---- */

void manager_set_note(Manager *m, bool manual, const char *entry, usec_t of, uint32_t id) {
        int r;

        for (size_t k = 0; k < m->n_active; k++) {
                ActiveRecharge *a = &m->active[k];
                if (a->manual != manual || !streq(a->entry, entry ?: "") || (!manual && a->of != of))
                        continue;
                if (a->note == id)
                        return;
                a->note = id;
                r = manager_commit(m);
                if (r < 0)
                        log_warning_errno(r, "Failed to save the notification id, ignoring: %m");
                return;
        }
}

const char *manager_get_silence(const Manager *m, const char *server) {
        for (size_t i = 0; i < m->n_silence; i++)
                if (streq(m->silence[i].server, server))
                        return m->silence[i].before;
        return NULL;
}

void manager_hold_notifications(Manager *m, bool hold) {
        bool was = m->notify_held;

        m->notify_held = hold;
        if (was && !hold && m->notify_resume)
                m->notify_resume(m->notify_resume_data);
}

int manager_set_silence(Manager *m, const char *server, const char *before) {
        StateSilence old = {};
        size_t i;
        int r;

        for (i = 0; i < m->n_silence; i++)
                if (streq(m->silence[i].server, server))
                        break;
        if (!before) {
                if (i == m->n_silence)
                        return 0;
                old = m->silence[i];
                memmove(&m->silence[i], &m->silence[i + 1], (m->n_silence - i - 1) * sizeof(StateSilence));
                m->n_silence--;
                r = manager_commit(m);
                if (r < 0) {
                        /* Keep the record: the next start puts the server back. */
                        memmove(&m->silence[i + 1], &m->silence[i], (m->n_silence - i) * sizeof(StateSilence));
                        m->silence[i] = old;
                        m->n_silence++;
                        return r;
                }
                free(old.server);
                free(old.before);
                return 0;
        }
        /* The first record of a server stays: it is what was there before us. */
        if (i < m->n_silence)
                return 0;
        if (m->n_silence >= STATE_SILENCE_MAX)
                return -ENOSPC;
        m->silence[i] = (StateSilence) { .server = strdup(server), .before = strdup(before) };
        m->n_silence++;
        if (!m->silence[i].server || !m->silence[i].before)
                r = -ENOMEM;
        else
                r = manager_commit(m);
        if (r < 0) {
                free(m->silence[i].server);
                free(m->silence[i].before);
                m->n_silence--;
                return r;
        }
        return 0;
}

/* ---- stats ---- */

static int64_t local_day_of(usec_t t, void *userdata) {
        Manager *m = userdata;
        return local_day(tz_to_local(m->tz, (int64_t) (t / USEC_PER_SEC)));
}

/* Read at most this much of the history per turn of the loop while building the summary, so a
 * call that comes meanwhile waits for one piece, not for the whole file. */
#define HISTORY_BUILD_PIECE (4u << 20)

static int summary_ready(Manager *m) {
        int r;

        if (!m->history_summary) {
                r = history_summary_new(local_day_of, m, &m->history_summary);
                if (r < 0)
                        return r;
        }
        /* What was appended since the last call: our own lines, a few hundred bytes. */
        r = history_summary_refresh(m->history_summary, m->history_path, UINT64_MAX);
        return r < 0 ? r : 0;
}

static int on_history_build(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        int r = 0;

        if (!m->history_summary)
                r = history_summary_new(local_day_of, m, &m->history_summary);
        if (r >= 0)
                r = history_summary_refresh(m->history_summary, m->history_path, HISTORY_BUILD_PIECE);
        if (r == 0)
                return 0; /* more to read: the next idle turn */
        if (r < 0)
                log_debug_errno(r, "Failed to read the history '%s' for stats, trying again at the next GetStats: %m",
                                m->history_path);
        else
                log_debug("Read the history '%s' for stats: %zu bytes held.", m->history_path,
                          history_summary_size(m->history_summary));
        m->history_build = sd_event_source_disable_unref(m->history_build);
        /* Those who waited get their answer (or the read's error) now. */
        if (m->n_stats_waiting > 0 && m->stats_answer)
                m->stats_answer(m);
        return 0;
}

int manager_stats_ready(Manager *m) {
        int r;

        if (!m->history_summary) {
                r = history_summary_new(local_day_of, m, &m->history_summary);
                if (r < 0)
                        return r;
        }
        /* While the idle reader is on, what is left is its to read; a call does not jump in. */
        if (m->history_build)
                return 0;
        r = history_summary_refresh(m->history_summary, m->history_path, HISTORY_BUILD_PIECE);
        if (r != 0)
                return r;
        /* More than a piece was appended or the file was replaced: the rest while idle. */
        manager_stats_prepare(m);
        return m->history_build ? 0 : -ENOMEM;
}

int manager_stats_wait(Manager *m, sd_bus_message *call) {
        sd_bus_message **l;

        if (m->n_stats_waiting >= MANAGER_STATS_WAITING_MAX)
                return -EBUSY;
        l = reallocarray(m->stats_waiting, m->n_stats_waiting + 1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        m->stats_waiting = l;
        m->stats_waiting[m->n_stats_waiting++] = sd_bus_message_ref(call);
        log_debug("GetStats waits for the history '%s' to be read (%zu waiting).", m->history_path,
                  m->n_stats_waiting);
        return 0;
}

void manager_stats_prepare(Manager *m) {
        int r;

        if (m->history_build || !m->event)
                return;
        r = sd_event_add_defer(m->event, &m->history_build, on_history_build, m);
        if (r >= 0)
                r = sd_event_source_set_priority(m->history_build, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->history_build, SD_EVENT_ON);
        if (r < 0) {
                m->history_build = sd_event_source_disable_unref(m->history_build);
                log_debug_errno(r, "Failed to read the history ahead of GetStats, reading it at the first: %m");
        }
}

int manager_stats(Manager *m, usec_t since, usec_t now, Stats *ret) {
        HistoryRules rules = { .allowance = m->config->allowance, .away_share = m->config->away_share };
        int r;

        r = summary_ready(m);
        if (r < 0)
                return r;
        return history_summary_stats(m->history_summary, m->history_path, since, now + 1, &rules, ret);
}

int manager_stats_days(Manager *m, usec_t since, usec_t now, size_t max_days, HistoryDay **ret, size_t *ret_n) {
        HistoryRules rules = { .allowance = m->config->allowance, .away_share = m->config->away_share };
        int r;

        r = summary_ready(m);
        if (r < 0)
                return r;
        return history_summary_days(m->history_summary, m->history_path, since, now + 1, &rules, max_days, ret, ret_n);
}
