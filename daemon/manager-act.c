/* SPDX-License-Identifier: MIT */
/* manager-act.c: what a caller can ask of the manager (the bus methods, the notifications'
 * actions): validated, refused in words a person understands, applied as a pure change of the
 * overlay, then synced, saved once and announced once. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "manager.h"
#include "names.h"

/* After our headers: GLib #undefs and redefines MIN/MAX quietly, the reverse warns. */
#include <glib.h>

/* ---- actions ---- */

int manager_entry_by_name(Manager *m, const char *name, sd_bus_error *error) {
        _cleanup_free_ char *shown = NULL;
        int i;

        i = config_find_entry(m->config, name ?: "");
        if (i >= 0)
                return i;
        shown = text_escape_cut(name ?: "", RECHARGED_ENTRY_NAME_MAX);
        return sd_bus_error_setf(error, RECHARGED_ERROR_NO_SUCH_ENTRY,
                                 "There is no entry '%s' in the schedule (ListEntries shows them).", shown ?: "");
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
                                         "The %s is too long: at most a year (366 days) is accepted.", what);
        return 0;
}

static bool has_control(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
                        return true;
                /* C1 controls, U+0080…U+009F, are C2 80…C2 9F in UTF-8. */
                if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
                        return true;
        }
        return false;
}

/* Everything a call can be refused for that needs no change to try. */
static int validate(Manager *m, const Action *a, usec_t now, const Entry **ret_entry, int *ret_index,
                    sd_bus_error *error) {
        const Entry *e = NULL;
        int i = -1, r;

        if (a->kind == ACTION_SKIP || a->kind == ACTION_SNOOZE || a->kind == ACTION_START_NOW || a->kind == ACTION_DONE ||
            a->kind == ACTION_RESET) {
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
                if (has_control(msg))
                        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                "The message has control characters (a newline, an escape): "
                                                "only printable text and tabs are accepted.");
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

        *ret_entry = e;
        *ret_index = i;
        return 0;
}

static int refuse(Manager *m, const Action *a, const Entry *e, usec_t now, usec_t when, int r, sd_bus_error *error) {
        _cleanup_free_ char *at = NULL;

        switch (r) {
        case -ENOENT:
                if (a->kind == ACTION_RESET)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "'%s' has no skip, snooze or early start still to come: nothing to reset.",
                                                 e->name);
                if (a->kind == ACTION_DONE)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "No reminder of '%s' has been shown lately, so there is nothing to mark done.",
                                                 e->name);
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
        case -EALREADY:
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The last reminder of '%s' is marked done already.", e->name);
        case -ERANGE:
                at = manager_format_local(m, when);
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%s' starts at %s, more than %llu min from now: a block can be started early "
                                         "from its heads-up on. For a recharge now, use Recharge.",
                                         e->name, at ?: "?",
                                         (unsigned long long) (MAX(m->config->heads_up, START_NOW_AHEAD_MIN) / USEC_PER_MINUTE));
        case -ESRCH:
                if (a->kind == ACTION_RESUME)
                        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                "The schedule is not paused: nothing to resume.");
                return sd_bus_error_set(error, RECHARGED_ERROR_NOT_RECHARGING,
                                        a->kind == ACTION_EXTEND ? "Nothing is recharging right now, so there is nothing to extend."
                                                                 : "Nothing is recharging right now.");
        case -EOPNOTSUPP:
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "The current recharge has no end (it lasts until Stop): it cannot be extended.");
        case -EOVERFLOW:
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "The recharge would last more than a year: it cannot be extended that far.");
        case -ENOSPC:
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "'%s' already has %d changes pending: wait until some have passed.",
                                         e ? e->name : "", OVERRIDES_MAX);
        default:
                return sd_bus_error_set_errnof(error, r, "Failed to %s: %m", action_to_string(a->kind));
        }
}

/* The pure change of a on the overlay at now (and the manual message). */
static int apply(Manager *m, const Action *a, int i, usec_t now, usec_t *ret_when) {
        Overlay *o = &m->overlay;
        usec_t until;
        EngineStatus st;
        int r;

        switch (a->kind) {
        case ACTION_RECHARGE: {
                char *msg = strdup(a->message ?: "");
                if (!msg)
                        return -ENOMEM;
                engine_recharge(o, now, a->duration);
                free(m->manual_message);
                m->manual_message = msg;
                return 0;
        }
        case ACTION_STOP:
                return engine_stop(m->engine, o, now);
        case ACTION_EXTEND:
                /* The cached answer, once: engine_at() here and again in engine_extend() built
                 * every entry's blocks over days, twice, for one recharge's end. */
                r = engine_cached_status(m->engine, o, now, &st);
                if (r < 0)
                        return r;
                if (st.recharging && st.until != 0 && st.until + a->duration - st.since > RECHARGE_LENGTH_MAX)
                        return -EOVERFLOW;
                return engine_extend_at(m->engine, o, &st, now, a->duration, &until);
        case ACTION_SKIP:
                return engine_skip(m->engine, o, i, now, ret_when);
        case ACTION_SNOOZE:
                return engine_snooze(m->engine, o, i, now, a->duration, ret_when);
        case ACTION_START_NOW:
                return engine_start_now(m->engine, o, i, now, MAX(m->config->heads_up, START_NOW_AHEAD_MIN), ret_when);
        case ACTION_DONE:
                return engine_done(m->engine, o, i, now, ret_when);
        case ACTION_RESET:
                return engine_reset(o, i, now);
        case ACTION_PAUSE:
                engine_pause(o, now, a->duration);
                return 0;
        case ACTION_RESUME:
                return engine_resume(o);
        default:
                return -EOPNOTSUPP;
        }
}

int manager_act(Manager *m, const Action *a, usec_t now, sd_bus_error *error) {
        _cleanup_(manager_change_done) ManagerChange c = { .now = now, .action = a->kind };
        _cleanup_(manager_snapshot_done) ManagerSnapshot snap = {};
        const Entry *e = NULL;
        usec_t when = 0;
        int i = -1, r;

        r = validate(m, a, now, &e, &i, error);
        if (r < 0)
                return r;
        if (e)
                snprintf(c.action_entry, sizeof c.action_entry, "%s", e->name);

        r = manager_snapshot_take(m, &snap);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);

        /* The change applies to the present as the person sees it: what fell due before it first. */
        manager_catch_up(m, now, &c);
        r = apply(m, a, i, now, &when);
        if (r < 0) {
                manager_snapshot_restore(m, &snap);
                return refuse(m, a, e, now, when, r, error);
        }
        if (a->kind == ACTION_SKIP && e->type == ENTRY_RECHARGE)
                manager_record(&c, HISTORY_SKIPPED, now, false, e->name, when, planned_length(e), 0);
        else if (a->kind == ACTION_DONE)
                manager_record(&c, HISTORY_REMINDER_DONE, now, false, e->name, when, 0, 0);
        /* What the change itself ended was stopped, not completed: reconcile before the events
         * at this instant (a stop's end, the reminders it releases) are handled. */
        manager_reconcile(m, &c, now);
        manager_sync(m, now, &c);

        r = manager_commit(m);
        if (r < 0) {
                log_error_errno(r, "Failed to save the state to '%s': %m", m->state_path);
                manager_snapshot_restore(m, &snap);
                return sd_bus_error_set_errnof(error, r,
                                               "Cannot save the state to '%s': %m. Nothing was changed; "
                                               "check that the folder is writable and the disk is not full.",
                                               m->state_path);
        }
        /* What a call answers is in the stats too: a history that cannot be written fails the
         * call like a state that cannot be saved, and the state goes back to what it was. */
        r = manager_history_write(m, &c);
        if (r < 0) {
                m->n_history_pending -= MIN(m->n_history_pending, c.n_history);
                manager_snapshot_restore(m, &snap);
                if (manager_commit(m) < 0)
                        log_error("Failed to put the state back after the history failed: the next change saves it.");
                return sd_bus_error_set_errnof(error, r,
                                               "Cannot write the history '%s': %m. Nothing was changed; "
                                               "check that the folder is writable and the disk is not full.",
                                               m->history_path);
        }
        log_info("Applied and saved: %s%s%s%s.", action_to_string(a->kind), e ? " '" : "", e ? e->name : "", e ? "'" : "");
        manager_publish(m, now, &c);
        manager_emit(m, &c);
        return 0;
}
