/* SPDX-License-Identifier: MIT */
/* manager.c: the daemon's state: config, zone, engine and overlay, persistence, the one path of
 * every state change, and reload. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "log.h"
#include "manager.h"
#include "names.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <glib.h>

usec_t manager_now(const Manager *m) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ((int64_t) ts.tv_sec * (int64_t) USEC_PER_SEC + ts.tv_nsec / 1000 + m->clock_offset);
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

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        bus_done(m);
        sd_bus_slot_unref(m->sleep_slot);
        sd_bus_flush_close_unref(m->system_bus);
        sd_event_source_disable_unref(m->timer);
        sd_event_source_disable_unref(m->clock_watch);
        safe_close(m->clock_fd);
        sd_event_source_disable_unref(m->tz_watch);
        sd_event_source_disable_unref(m->sig_term);
        sd_event_source_disable_unref(m->sig_int);
        sd_event_source_disable_unref(m->sig_hup);
        sd_event_source_disable_unref(m->sig_usr1);
        sd_event_unref(m->event);

        free(m->status.entry);
        free(m->status.message);
        free(m->status.status_text);
        free(m->status.next_entry);
        free(m->entry_live);
        free(m->entry_objects);
        free(m->active);

        engine_free(m->engine);
        overlay_done(&m->overlay);
        config_free(m->config);
        tz_free(m->tz);
        free(m->manual_message);
        state_free(m->state);

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
        m->clock_fd = -1;
        m->status.source = m->status.next_event = "";
        if (config_override) {
                m->config_override = strdup(config_override);
                if (!m->config_override)
                        return log_oom();
        }
        r = manager_paths(m);
        if (r < 0)
                return r;
        manager_read_test_clock(m);
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
        log_debug("Schedule loaded from %s: %zu entries.", m->config->path ?: "the built-in default",
                  m->config->n_entries);

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
        return 0;
}

/* A State that says what overlay o and the manual message say, keeping the records we do not
 * own (what silencing changed on notification servers). */
static int state_build(Manager *m, const Config *c, const Overlay *o, const char *message, State **ret) {
        _cleanup_(state_freep) State *s = NULL;
        int r;

        s = calloc(1, sizeof(State));
        if (!s)
                return -ENOMEM;
        for (size_t k = 0; m->state && k < m->state->n_silence; k++) {
                s->silence[k].server = strdup(m->state->silence[k].server);
                s->silence[k].before = strdup(m->state->silence[k].before);
                s->n_silence++;
                if (!s->silence[k].server || !s->silence[k].before)
                        return -ENOMEM;
        }
        r = state_from_overlay(s, c, o);
        if (r < 0)
                return r;
        s->processed = m->processed_to;
        if (o->manual_since != 0) {
                s->manual_message = strdup(message ?: "");
                if (!s->manual_message)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

/* Writes o (and message) to the state file; only on success does it become the manager's. */
static int commit(Manager *m, Overlay *o, char **message, sd_bus_error *error) {
        _cleanup_(state_freep) State *s = NULL;
        int r;

        r = state_build(m, m->config, o, *message, &s);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to prepare the state: %m");
        r = state_save(m->state_path, s);
        if (r < 0) {
                log_error_errno(r, "Failed to save the state to '%s': %m", m->state_path);
                return sd_bus_error_set_errnof(error, r,
                                               "Cannot save the state to '%s': %m. Nothing was changed; "
                                               "check that the folder is writable and the disk is not full.",
                                               m->state_path);
        }

        state_free(m->state);
        m->state = TAKE_PTR(s);
        overlay_done(&m->overlay);
        m->overlay = *o;
        *o = (Overlay) {};
        free(m->manual_message);
        m->manual_message = TAKE_PTR(*message);
        return 0;
}

int manager_save(Manager *m) {
        _cleanup_(state_freep) State *s = NULL;
        int r;

        r = state_build(m, m->config, &m->overlay, m->manual_message, &s);
        if (r < 0)
                return log_error_errno(r, "Failed to prepare the state: %m");
        r = state_save(m->state_path, s);
        if (r < 0)
                return log_error_errno(r, "Failed to save the state to '%s': %m", m->state_path);
        state_free(m->state);
        m->state = TAKE_PTR(s);
        return 0;
}

/* A manual recharge or a pause whose end has come is cleared from the state. */
void manager_expire(Manager *m, usec_t now) {
        Overlay *o = &m->overlay;
        bool changed = false;

        if (o->manual_since != 0 && o->manual_until != 0 && o->manual_until <= now) {
                o->manual_since = o->manual_until = 0;
                free(m->manual_message);
                m->manual_message = NULL;
                changed = true;
        }
        if (o->paused_since != 0 && o->paused_until != USEC_INFINITY && o->paused_until <= now) {
                log_info("The pause is over: the schedule runs again.");
                o->paused_since = o->paused_until = 0;
                changed = true;
        }
        if (changed)
                (void) manager_save(m);
}

int manager_entry_by_name(Manager *m, const char *name, sd_bus_error *error) {
        int i;

        i = config_find_entry(m->config, name ?: "");
        if (i < 0)
                return sd_bus_error_setf(error, RECHARGED_ERROR_NO_SUCH_ENTRY,
                                         "There is no entry '%.64s' in the schedule (ListEntries shows them).",
                                         name ?: "");
        return i;
}

static usec_t planned_length(const Entry *e) {
        if (e->type != ENTRY_RECHARGE)
                return 0;
        if (!e->has_end)
                return e->duration;
        return (usec_t) ((e->end + (e->end <= e->start ? 86400 : 0)) - e->start) * USEC_PER_SEC;
}

static int check_duration(usec_t d, const char *what, sd_bus_error *error) {
        if (d > RECHARGED_DURATION_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The %s is too long: at most a year (%llu µs) is accepted.", what,
                                         (unsigned long long) RECHARGED_DURATION_MAX);
        return 0;
}

int manager_act(Manager *m, const Action *a, sd_bus_error *error) {
        _cleanup_(overlay_done) Overlay o = {};
        _cleanup_free_ char *message = NULL;
        usec_t now = manager_now(m), when = 0, until = 0;
        const Entry *e = NULL;
        int i = -1, r;

        /* Validate everything before anything changes. */
        if (a->kind == ACTION_SKIP || a->kind == ACTION_SNOOZE || a->kind == ACTION_START_NOW || a->kind == ACTION_DONE) {
                i = manager_entry_by_name(m, a->entry, error);
                if (i < 0)
                        return i;
                e = &m->config->entries[i];
        }
        r = check_duration(a->duration, a->kind == ACTION_PAUSE ? "pause" : a->kind == ACTION_SNOOZE ? "snooze" : "duration", error);
        if (r < 0)
                return r;
        if (a->kind == ACTION_RECHARGE) {
                const char *msg = a->message ?: "";
                if (strlen(msg) > RECHARGED_MESSAGE_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "The message is too long: %zu bytes, at most %d are accepted.",
                                                 strlen(msg), RECHARGED_MESSAGE_MAX);
                if (!g_utf8_validate(msg, -1, NULL))
                        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "The message is not valid UTF-8 text.");
        }
        if ((a->kind == ACTION_SNOOZE || a->kind == ACTION_EXTEND) && a->duration == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s needs a duration above 0.",
                                         a->kind == ACTION_SNOOZE ? "Snooze" : "Extend");
        if (a->kind == ACTION_DONE && e->type != ENTRY_SELFCARE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%s' is a recharge block, not a self-care reminder: only reminders can be marked done.",
                                         e->name);
        if (a->kind == ACTION_START_NOW && e->type != ENTRY_RECHARGE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%s' is a self-care reminder, not a recharge block: it cannot be started.", e->name);

        /* Catch up, so the change applies to the present as the user sees it. */
        manager_process(m, now, now);

        r = overlay_copy(&m->overlay, &o);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        if (m->manual_message) {
                message = strdup(m->manual_message);
                if (!message)
                        return sd_bus_error_set_errno(error, -ENOMEM);
        }

        switch (a->kind) {
        case ACTION_RECHARGE:
                o.manual_since = now;
                o.manual_until = a->duration > 0 ? now + a->duration : 0;
                free(message);
                message = strdup(a->message ?: "");
                if (!message)
                        return sd_bus_error_set_errno(error, -ENOMEM);
                break;

        case ACTION_STOP:
                r = engine_stop(m->engine, &o, now);
                if (r == -ESRCH)
                        return sd_bus_error_set(error, RECHARGED_ERROR_NOT_RECHARGING, "Nothing is recharging right now.");
                if (r < 0)
                        goto fail;
                break;

        case ACTION_EXTEND:
                r = engine_extend(m->engine, &o, now, a->duration, &until);
                if (r == -ESRCH)
                        return sd_bus_error_set(error, RECHARGED_ERROR_NOT_RECHARGING,
                                                "Nothing is recharging right now, so there is nothing to extend.");
                if (r == -EOPNOTSUPP)
                        return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                                "The current recharge has no end (it lasts until Stop): it cannot be extended.");
                if (r < 0)
                        goto fail;
                break;

        case ACTION_SKIP:
                r = engine_skip(m->engine, &o, i, now, &when);
                if (r < 0)
                        goto fail;
                break;

        case ACTION_SNOOZE:
                r = engine_snooze(m->engine, &o, i, now, a->duration, &when);
                if (r < 0)
                        goto fail;
                break;

        case ACTION_START_NOW:
                r = engine_start_now(m->engine, &o, i, now, &when);
                if (r < 0)
                        goto fail;
                break;

        case ACTION_DONE:
                r = engine_done(m->engine, &o, i, now, &when);
                if (r == -ENOENT)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "No reminder of '%s' has been shown lately, so there is nothing to mark done.",
                                                 e->name);
                if (r < 0)
                        goto fail;
                break;

        case ACTION_PAUSE:
                if (o.paused_since == 0 || o.paused_since > now)
                        o.paused_since = now;
                o.paused_until = a->duration > 0 ? now + a->duration : USEC_INFINITY;
                break;

        case ACTION_RESUME:
                o.paused_since = o.paused_until = 0;
                break;

        default:
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED, "Unknown action.");
        }

        engine_prune(m->engine, &o, now);
        if (o.manual_since == 0) {
                free(message);
                message = NULL;
        }

        r = commit(m, &o, &message, error);
        if (r < 0)
                return r;

        log_info("Applied and saved: %s%s%s%s.", action_to_string(a->kind), e ? " '" : "", e ? e->name : "", e ? "'" : "");
        if (a->kind == ACTION_SKIP && e->type == ENTRY_RECHARGE)
                manager_record(m, HISTORY_SKIPPED, now, false, e->name, when, planned_length(e), 0);
        else if (a->kind == ACTION_DONE)
                manager_record(m, HISTORY_REMINDER_DONE, now, false, e->name, when, 0, 0);

        /* Announce what the change started or ended, then what it released at this instant. */
        manager_reconcile(m, now, false);
        manager_process(m, now + 1, now);
        manager_publish(m, now);
        return 0;

fail:
        switch (r) {
        case -ENOENT:
                if (e && !e->enabled)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "'%s' is disabled in the configuration, so there is nothing to %s.",
                                                 e->name, action_to_string(a->kind));
                if (m->overlay.paused_since != 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "The schedule is paused, so '%s' has no coming occurrence to %s; "
                                                 "Resume first.", e ? e->name : "", action_to_string(a->kind));
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%s' has no coming occurrence, so there is nothing to %s.",
                                         e ? e->name : "", action_to_string(a->kind));
        case -ENOSPC:
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "'%s' already has %d changes pending: wait until some have passed.",
                                         e ? e->name : "", OVERRIDES_MAX);
        default:
                return sd_bus_error_set_errnof(error, r, "Failed to %s: %m", action_to_string(a->kind));
        }
}

static int64_t local_day_of(usec_t t, void *userdata) {
        Manager *m = userdata;
        return local_day(tz_to_local(m->tz, (int64_t) (t / USEC_PER_SEC)));
}

int manager_stats(Manager *m, usec_t since, Stats *ret) {
        return history_stats(m->history_path, since, manager_now(m) + 1, local_day_of, m, ret);
}

/* Emits what a reload changed about the entry objects: removed, added, changed. */
static void announce_entries(Manager *m, const Config *old) {
        for (size_t i = 0; old && i < old->n_entries; i++)
                if (config_find_entry(m->config, old->entries[i].name) < 0)
                        bus_emit_entry_removed(m, old->entries[i].name);
        for (size_t i = 0; i < m->config->n_entries; i++) {
                int j = old ? config_find_entry(old, m->config->entries[i].name) : -1;
                if (j < 0)
                        bus_emit_entry_added(m, i);
                else
                        bus_emit_entry_rule_changed(m, &old->entries[j], i);
        }
}

int manager_reload(Manager *m, sd_bus_error *error) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(tz_freep) Tz *tz = NULL;
        _cleanup_(engine_freep) Engine *engine = NULL;
        _cleanup_(overlay_done) Overlay o = {};
        _cleanup_(state_freep) State *s = NULL;
        _cleanup_strv_free_ char **errors = NULL, **dropped = NULL;
        _cleanup_free_ EntryLive *live = NULL;
        _cleanup_free_ EntryObject *objects = NULL;
        usec_t now = manager_now(m);
        int r;

        r = load_config(m, &c, &errors);
        if (r == -EINVAL) {
                _cleanup_free_ char *text = NULL;
                size_t len = 0;

                log_warning("Reload refused, the running schedule stays:");
                for (char **e = errors; e && *e; e++)
                        log_warning("%s", *e);
                for (char **e = errors; e && *e; e++)
                        len += strlen(*e) + 1;
                text = calloc(len + 1, 1);
                if (!text)
                        return sd_bus_error_set_errno(error, -ENOMEM);
                for (char **e = errors; e && *e; e++) {
                        if (e != errors)
                                strcat(text, "\n");
                        strcat(text, *e);
                }
                return sd_bus_error_set(error, RECHARGED_ERROR_INVALID_CONFIG, text);
        }
        if (r < 0) {
                log_warning_errno(r, "Reload failed, the running schedule stays: %m");
                return sd_bus_error_set_errnof(error, r, "Failed to load the configuration: %m");
        }

        r = load_tz(&tz);
        if (r >= 0)
                r = engine_new(c, tz, &engine);
        if (r >= 0)
                r = overlay_new(c->n_entries, &o);
        if (r >= 0)
                r = state_build(m, m->config, &m->overlay, m->manual_message, &s);
        if (r >= 0)
                r = state_to_overlay(s, c, &o, &dropped);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to apply the new configuration: %m");
        live = calloc(c->n_entries + 1, sizeof(EntryLive));
        objects = calloc(c->n_entries + 1, sizeof(EntryObject));
        if (!live || !objects)
                return sd_bus_error_set_errno(error, -ENOMEM);

        /* Catch up with the old schedule first: what was due before the reload happened. */
        manager_process(m, now, now);

        for (char **d = dropped; d && *d; d++)
                log_info("Entry '%s' is gone from the configuration: its skips and snoozes are dropped.", *d);

        for (size_t i = 0; i < c->n_entries; i++) {
                int j = config_find_entry(m->config, c->entries[i].name);
                objects[i] = (EntryObject) { m, i };
                if (j >= 0)
                        live[i] = m->entry_live[j]; /* so only real changes are signalled */
        }

        Config *old_config = TAKE_PTR(m->config);
        Engine *old_engine = TAKE_PTR(m->engine);
        Tz *old_tz = TAKE_PTR(m->tz);
        m->config = TAKE_PTR(c);
        m->engine = TAKE_PTR(engine);
        m->tz = TAKE_PTR(tz);
        overlay_done(&m->overlay);
        m->overlay = o;
        o = (Overlay) {};
        free(m->entry_live);
        m->entry_live = TAKE_PTR(live);
        free(m->entry_objects);
        m->entry_objects = TAKE_PTR(objects);

        /* New entries are announced with their current times, not zeros. */
        for (size_t i = 0; i < m->config->n_entries; i++)
                if (config_find_entry(old_config, m->config->entries[i].name) < 0)
                        (void) manager_entry_live(m, i, now, &m->entry_live[i]);
        announce_entries(m, old_config);
        engine_free(old_engine);
        config_free(old_config);
        tz_free(old_tz);

        if (dropped)
                (void) manager_save(m);

        log_info("Schedule reloaded from %s: %zu entries.", m->config->path ?: "the built-in default",
                 m->config->n_entries);
        manager_reconcile(m, now, false);
        m->processed_to = now; /* the new schedule's events at this instant are still to come */
        manager_process(m, now + 1, now);
        manager_publish(m, now);
        return 0;
}

int manager_load_state(Manager *m) {
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
                int k = state_move_aside(m->state_path, manager_now(m), &aside);
                if (k >= 0)
                        log_error_errno(r, "The state file '%s' is damaged or unreadable (%m): moved it to '%s' "
                                           "and starting with an empty state.", m->state_path, aside);
                else
                        log_error_errno(r, "The state file '%s' is damaged or unreadable (%m) and could not be "
                                           "moved aside: starting with an empty state.", m->state_path);
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
        m->state = TAKE_PTR(s);
        return 0;
}
