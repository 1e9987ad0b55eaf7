/* SPDX-License-Identifier: MIT */
/* bus.c: the D-Bus API of DESIGN.md: root properties, methods and signals, one object per entry,
 * the ObjectManager, and the connection that owns org.recharged.Recharged1. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "names.h"

/* Upcoming() answers at most this many events; a longer list asks for a shorter range. */
#define UPCOMING_MAX 100000
/* GetStats' Days: the chart of `rechargectl stats` shows as many. */
#define STATS_DAYS_MAX 31

/* ---- root properties: one table (status-props.h) for the vtable, GetStatus and the diff ---- */

static int append_status_property(sd_bus_message *reply, const Manager *m, StatusProperty p) {
        const ManagerStatus *s = &m->status;

        switch (p) {
        case PROP_MODE:
                return sd_bus_message_append(reply, "s", mode_to_string(s->mode));
        case PROP_DO_NOT_DISTURB:
                return sd_bus_message_append(reply, "b", s->dnd);
        case PROP_SOURCE:
                return sd_bus_message_append(reply, "s", s->source ?: "");
        case PROP_ENTRY:
                return sd_bus_message_append(reply, "s", s->entry ?: "");
        case PROP_SINCE:
                return sd_bus_message_append(reply, "t", s->since);
        case PROP_UNTIL:
                return sd_bus_message_append(reply, "t", s->until);
        case PROP_MESSAGE:
                return sd_bus_message_append(reply, "s", s->message ?: "");
        case PROP_STATUS_TEXT:
                return sd_bus_message_append(reply, "s", s->status_text ?: "");
        case PROP_NEXT_ENTRY:
                return sd_bus_message_append(reply, "s", s->next_entry ?: "");
        case PROP_NEXT_EVENT:
                return sd_bus_message_append(reply, "s", s->next_event ?: "");
        case PROP_NEXT_EVENT_TIME:
                return sd_bus_message_append(reply, "t", s->next_event_time);
        case PROP_PAUSED_UNTIL:
                return sd_bus_message_append(reply, "t", s->paused_until);
        case PROP_TIME_ZONE:
                return sd_bus_message_append(reply, "s", s->time_zone ?: "");
        case PROP_PRESENCE:
                return sd_bus_message_append(reply, "s", s->presence ?: "unknown");
        default:
                return -EINVAL;
        }
}

static int property_get_status(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        for (StatusProperty p = 0; p < _PROP_MAX; p++)
                if (streq(property, status_property_info[p].name))
                        return append_status_property(reply, m, p);
        return -ENOENT;
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

/* ---- entry properties ---- */

static int entry_property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        EntryObject *o = userdata;
        Manager *m = o->manager;
        const Entry *e = &m->config->entries[o->index];
        bool block = e->type == ENTRY_RECHARGE;
        char buf[CLOCK_MAX], buf2[CLOCK_MAX], days[WEEKDAYS_MAX];
        EntryLive l;
        int r;

        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", e->name);
        if (streq(property, "Type"))
                return sd_bus_message_append(reply, "s", entry_type_to_string(e->type));
        if (streq(property, "Message"))
                return sd_bus_message_append(reply, "s", e->message ?: "");
        if (streq(property, "Days"))
                return sd_bus_message_append(reply, "s", weekdays_format(e->days, days));
        if (streq(property, "Enabled"))
                return sd_bus_message_append(reply, "b", e->enabled);
        if (streq(property, "Active") || streq(property, "NextStart") || streq(property, "NextEnd")) {
                /* The cache is what PropertiesChanged said; it is current after every change. */
                l = m->entry_live[o->index];
                if (streq(property, "Active"))
                        return sd_bus_message_append(reply, "b", l.active);
                return sd_bus_message_append(reply, "t", streq(property, "NextStart") ? l.next_start : l.next_end);
        }
        if (streq(property, "Start"))
                return sd_bus_message_append(reply, "s", block ? clock_format(e->start, buf) : "");
        if (streq(property, "End"))
                return sd_bus_message_append(reply, "s", block && e->has_end ? clock_format(e->end, buf) : "");
        if (streq(property, "Duration"))
                return sd_bus_message_append(reply, "t", block && !e->has_end ? e->duration : (usec_t) 0);
        if (streq(property, "Every"))
                return sd_bus_message_append(reply, "t", block ? (usec_t) 0 : e->every);
        if (streq(property, "Between")) {
                _cleanup_free_ char *s = NULL;
                if (!block && e->every > 0 &&
                    asprintf(&s, "%s-%s", clock_format(e->between_start, buf), clock_format(e->between_end, buf2)) < 0)
                        return -ENOMEM;
                return sd_bus_message_append(reply, "s", s ?: "");
        }
        if (streq(property, "At")) {
                r = sd_bus_message_open_container(reply, 'a', "s");
                for (size_t k = 0; r >= 0 && !block && e->every == 0 && k < e->n_at; k++)
                        r = sd_bus_message_append(reply, "s", clock_format(e->at[k], buf));
                if (r < 0)
                        return r;
                return sd_bus_message_close_container(reply);
        }
        if (streq(property, "Dnd"))
                return sd_bus_message_append(reply, "b", block && e->dnd);
        return -ENOENT;
}

static int entry_path(const char *name, char **ret) {
        return sd_bus_path_encode(RECHARGED_ENTRY_PATH_PREFIX, name, ret);
}

static int entry_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                      sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        int r, i;

        r = sd_bus_path_decode(path, RECHARGED_ENTRY_PATH_PREFIX, &name);
        if (r <= 0)
                return 0;
        i = config_find_entry(m->config, name);
        if (i < 0 || !streq(m->config->entries[i].name, name))
                return 0;
        *found = &m->entry_objects[i];
        return 1;
}

static int entry_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        l = calloc(m->config->n_entries + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->config->n_entries; i++) {
                r = entry_path(m->config->entries[i].name, &l[i]);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}

/* ---- methods ---- */

static int act(sd_bus_message *message, Manager *m, const Action *a, sd_bus_error *error) {
        int r;

        r = manager_act(m, a, manager_now(m), error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

static int method_get_status(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        for (StatusProperty p = 0; r >= 0 && p < _PROP_MAX; p++) {
                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", status_property_info[p].name);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', status_property_info[p].type);
                if (r >= 0)
                        r = append_status_property(reply, m, p);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "Version", "s", PACKAGE_VERSION);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_recharge(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Action a = { .kind = ACTION_RECHARGE };
        int r;

        r = sd_bus_message_read(message, "ts", &a.duration, &a.message);
        if (r < 0)
                return r;
        return act(message, userdata, &a, error);
}

static int method_stop(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return act(message, userdata, &(Action) { .kind = ACTION_STOP }, error);
}

static int method_extend(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Action a = { .kind = ACTION_EXTEND };
        int r;

        r = sd_bus_message_read(message, "t", &a.duration);
        if (r < 0)
                return r;
        return act(message, userdata, &a, error);
}

static int method_entry_action(sd_bus_message *message, void *userdata, sd_bus_error *error, ActionKind kind) {
        Action a = { .kind = kind };
        int r;

        r = sd_bus_message_read(message, "s", &a.entry);
        if (r < 0)
                return r;
        return act(message, userdata, &a, error);
}

static int method_skip(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_entry_action(message, userdata, error, ACTION_SKIP);
}

static int method_done(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_entry_action(message, userdata, error, ACTION_DONE);
}

static int method_start_now(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_entry_action(message, userdata, error, ACTION_START_NOW);
}

static int method_reset(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_entry_action(message, userdata, error, ACTION_RESET);
}

static int method_snooze(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Action a = { .kind = ACTION_SNOOZE };
        int r;

        r = sd_bus_message_read(message, "st", &a.entry, &a.duration);
        if (r < 0)
                return r;
        return act(message, userdata, &a, error);
}

static int method_pause(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Action a = { .kind = ACTION_PAUSE };
        int r;

        r = sd_bus_message_read(message, "t", &a.duration);
        if (r < 0)
                return r;
        return act(message, userdata, &a, error);
}

static int method_resume(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return act(message, userdata, &(Action) { .kind = ACTION_RESUME }, error);
}

static int method_list_entries(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        usec_t now = manager_now(m);
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sssbtt)");
        for (size_t i = 0; r >= 0 && i < m->config->n_entries; i++) {
                const Entry *e = &m->config->entries[i];
                EntryLive l;

                r = manager_entry_live(m, i, now, &l);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(sssbtt)", e->name, entry_type_to_string(e->type),
                                                  e->message ?: "", e->enabled, l.next_start, l.next_end);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_upcoming(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        usec_t from, to;
        size_t total = 0;
        int r;

        r = sd_bus_message_read(message, "tt", &from, &to);
        if (r < 0)
                return r;
        if (from == 0)
                from = manager_now(m);
        if (to < from)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "The range ends before it begins: 'to' must not be before 'from'.");
        if (to - from > RECHARGED_DURATION_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "The range is longer than a year: ask for a shorter one.");
        /* Refused before any work: computing a year of a dense schedule only to refuse it cost
         * 45 ms, and a client repeating it kept the daemon busy for everyone. */
        if (engine_count_estimate(m->engine, from, to) > UPCOMING_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "The range holds more than %d events: ask for a shorter one.", UPCOMING_MAX);

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssst)");
        if (r < 0)
                return r;

        /* A week at a time, so a schedule dense with reminders is refused before it costs much
         * memory; ranges split cleanly, so the pieces add up to the whole. */
        for (usec_t a = from; a < to; a = a + MIN(to - a, USEC_PER_WEEK)) {
                _cleanup_free_ Event *v = NULL;
                usec_t b = a + MIN(to - a, USEC_PER_WEEK);
                size_t n = 0;

                r = engine_range(m->engine, &m->overlay, a, b, &v, &n);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to compute the events: %m");
                total += n;
                if (total > UPCOMING_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                 "The range holds more than %d events: ask for a shorter one.",
                                                 UPCOMING_MAX);
                for (size_t k = 0; k < n; k++) {
                        const Event *ev = &v[k];
                        bool manual = ev->entry == ENTRY_MANUAL;
                        const Entry *e = manual ? NULL : &m->config->entries[ev->entry];

                        r = sd_bus_message_append(reply, "(ssst)", manual ? "" : e->name,
                                                  manual ? "manual" : entry_type_to_string(e->type),
                                                  event_kind_to_string(ev->kind), ev->time);
                        if (r < 0)
                                return r;
                }
        }

        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_reload(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        int r;

        r = manager_reload(userdata, manager_now(userdata), error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

/* The figures of one day of GetStats' Days, as a{sv}: the same keys as the whole window's. */
static int append_day(sd_bus_message *reply, const Manager *m, const HistoryDay *d) {
        char date[16];
        int64_t y;
        unsigned mo, da;

        civil_from_days(d->day, &y, &mo, &da);
        snprintf(date, sizeof date, "%04" PRId64 "-%02u-%02u", y, mo, da);
        return sd_bus_message_append(reply, "a{sv}", 15,
                                     "Date", "s", date,
                                     "Start", "t", (usec_t) MAX(tz_from_local(m->tz, d->day * 86400), 0) * USEC_PER_SEC,
                                     "Planned", "t", d->stats.planned,
                                     "Kept", "t", d->stats.kept,
                                     "Completed", "u", d->stats.completed,
                                     "Stopped", "u", d->stats.stopped,
                                     "Skipped", "u", d->stats.skipped,
                                     "Missed", "u", d->stats.missed,
                                     "RemindersShown", "u", d->stats.reminders_shown,
                                     "RemindersDone", "u", d->stats.reminders_done,
                                     "RemindersMissed", "u", d->stats.reminders_missed,
                                     "ManualKept", "t", d->stats.manual_kept,
                                     "Away", "t", d->stats.away,
                                     "AwayOf", "t", d->stats.away_of,
                                     "Arrived", "u", d->stats.arrived);
}

/* GetStats' answer for [since, now], sent to call. */
static int stats_reply(Manager *m, sd_bus_message *message, usec_t since, usec_t now, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ HistoryDay *days = NULL;
        size_t n_days = 0;
        Stats s;
        int r;

        r = manager_stats(m, since, now, &s);
        if (r >= 0)
                r = manager_stats_days(m, since, now, STATS_DAYS_MAX, &days, &n_days);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the history '%s': %m", m->history_path);

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                          "Since", "t", s.since,
                                          "Until", "t", s.until,
                                          "Planned", "t", s.planned,
                                          "Kept", "t", s.kept,
                                          "Completed", "u", s.completed,
                                          "Stopped", "u", s.stopped,
                                          "Skipped", "u", s.skipped,
                                          "Missed", "u", s.missed,
                                          "RemindersShown", "u", s.reminders_shown,
                                          "RemindersDone", "u", s.reminders_done,
                                          "RemindersMissed", "u", s.reminders_missed,
                                          "Manual", "u", s.manual,
                                          "ManualKept", "t", s.manual_kept,
                                          "Streak", "u", s.streak,
                                          "Away", "t", s.away,
                                          "AwayOf", "t", s.away_of,
                                          "Strength", "u", s.strength,
                                          "Arrived", "u", s.arrived);
        /* Days: the last STATS_DAYS_MAX local days of the window, oldest first, so that a chart
         * needs no second call. */
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "Days");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "aa{sv}");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < n_days; i++)
                r = append_day(reply, m, &days[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_stats(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        usec_t since, now = manager_now(m);
        int r;

        r = sd_bus_message_read(message, "t", &since);
        if (r < 0)
                return r;
        if (since > now)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "'since' is in the future: there are no stats for it yet.");
        /* A history not read yet (start-up) or grown or replaced by more than a piece is read
         * while the loop is idle, and this call is answered at the end: no call waits on a read
         * of unbounded size, and the others are served meanwhile. */
        r = manager_stats_ready(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the history '%s': %m", m->history_path);
        if (r == 0) {
                r = manager_stats_wait(m, message);
                if (r == -EBUSY)
                        return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                "Too many GetStats calls are waiting for the history to be read: try again in a moment.");
                if (r < 0)
                        return r;
                return 1;
        }
        return stats_reply(m, message, since, now, error);
}

/* The history is read: the GetStats calls that waited for it get their answers. */
static void answer_waiting_stats(Manager *m) {
        sd_bus_message **l = m->stats_waiting;
        size_t n = m->n_stats_waiting;
        usec_t now = manager_now(m);

        m->stats_waiting = NULL;
        m->n_stats_waiting = 0;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                usec_t since = 0;
                int r;

                r = sd_bus_message_rewind(l[i], true);
                if (r >= 0)
                        r = sd_bus_message_read(l[i], "t", &since);
                if (r >= 0)
                        r = stats_reply(m, l[i], since, MAX(since, now), &error);
                if (r < 0 || sd_bus_error_is_set(&error))
                        (void) sd_bus_reply_method_errno(l[i], r < 0 ? r : -EIO, &error);
                sd_bus_message_unref(l[i]);
        }
        free(l);
}

/* ---- what changed goes out: signals in time order, then properties, then the entry objects ---- */

static void emit_event(Manager *m, const ManagerEvent *ev) {
        int r = 0;

        switch (ev->kind) {
        case MANAGER_EVENT_RECHARGE_STARTED:
                r = sd_bus_emit_signal(m->bus, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE, "RechargeStarted", "ssts",
                                       ev->source, ev->entry, ev->until, ev->message ?: "");
                break;
        case MANAGER_EVENT_RECHARGE_ENDED:
                r = sd_bus_emit_signal(m->bus, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE, "RechargeEnded", "sss",
                                       ev->source, ev->entry, ev->how);
                break;
        case MANAGER_EVENT_HEADS_UP:
                r = sd_bus_emit_signal(m->bus, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE, "HeadsUp", "st",
                                       ev->entry, ev->start);
                break;
        case MANAGER_EVENT_REMINDER_DUE:
                r = sd_bus_emit_signal(m->bus, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE, "ReminderDue", "ss",
                                       ev->entry, ev->message ?: "");
                break;
        default:
                break; /* a moved end shows as PropertiesChanged of Until */
        }
        if (r < 0)
                log_warning_errno(r, "Failed to emit a signal, ignoring: %m");
}

static void emit_status_changed(Manager *m, uint64_t mask) {
        const char *names[_PROP_MAX + 1];
        size_t n = 0;
        int r;

        for (StatusProperty p = 0; p < _PROP_MAX; p++)
                if (mask & (UINT64_C(1) << p))
                        names[n++] = status_property_info[p].name;
        names[n] = NULL;
        if (n == 0)
                return;
        r = sd_bus_emit_properties_changed_strv(m->bus, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE, (char **) names);
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged, ignoring: %m");
}

static void emit_entry_changed(Manager *m, const char *name, const char **names) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (!names[0])
                return;
        r = entry_path(name, &path);
        if (r >= 0)
                r = sd_bus_emit_properties_changed_strv(m->bus, path, RECHARGED_ENTRY_INTERFACE, (char **) names);
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged for entry '%s', ignoring: %m", name);
}

static void emit_entry_live_changed(Manager *m, const ManagerLiveChange *l) {
        const EntryLive *was = &l->old, *now = &m->entry_live[l->index];
        const char *names[4];
        size_t n = 0;

        if (was->active != now->active)
                names[n++] = "Active";
        if (was->next_start != now->next_start)
                names[n++] = "NextStart";
        if (was->next_end != now->next_end)
                names[n++] = "NextEnd";
        names[n] = NULL;
        emit_entry_changed(m, m->config->entries[l->index].name, names);
}

static void emit_entry_rule_changed(Manager *m, const Entry *a, size_t i) {
        const Entry *b = &m->config->entries[i];
        const char *names[16];
        size_t n = 0;

#define CHANGED(name, cond) if (cond) names[n++] = name
        CHANGED("Type", a->type != b->type);
        CHANGED("Message", !streq_ptr(a->message, b->message));
        CHANGED("Days", a->days != b->days);
        CHANGED("Enabled", a->enabled != b->enabled);
        CHANGED("Start", a->type != b->type || a->start != b->start);
        CHANGED("End", a->type != b->type || a->has_end != b->has_end || (b->has_end && a->end != b->end));
        CHANGED("Duration", a->type != b->type || a->has_end != b->has_end || a->duration != b->duration);
        CHANGED("Every", a->every != b->every);
        CHANGED("Between", a->every != b->every || a->between_start != b->between_start ||
                           a->between_end != b->between_end);
        CHANGED("At", a->n_at != b->n_at || memcmp(a->at, b->at, sizeof(uint32_t) * b->n_at) != 0);
        CHANGED("Dnd", a->type != b->type || a->dnd != b->dnd);
#undef CHANGED
        names[n] = NULL;
        emit_entry_changed(m, b->name, names);
}

static void emit_entry_interfaces(Manager *m, const char *name, bool added) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = entry_path(name, &path);
        if (r >= 0)
                r = added ? sd_bus_emit_interfaces_added(m->bus, path, RECHARGED_ENTRY_INTERFACE, NULL)
                          : sd_bus_emit_interfaces_removed(m->bus, path, RECHARGED_ENTRY_INTERFACE, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit %s, ignoring: %m", added ? "InterfacesAdded" : "InterfacesRemoved");
}

/* A reload: entries removed, added, changed. */
static void emit_entries_reloaded(Manager *m, const Config *old) {
        for (size_t i = 0; i < old->n_entries; i++)
                if (config_find_entry(m->config, old->entries[i].name) < 0)
                        emit_entry_interfaces(m, old->entries[i].name, false);
        for (size_t i = 0; i < m->config->n_entries; i++) {
                int j = config_find_entry(old, m->config->entries[i].name);
                if (j < 0)
                        emit_entry_interfaces(m, m->config->entries[i].name, true);
                else
                        emit_entry_rule_changed(m, &old->entries[j], i);
        }
}

static void on_manager_change(Manager *m, const ManagerChange *c, void *userdata) {
        if (!m->bus)
                return;
        for (size_t k = 0; k < c->n_events; k++)
                emit_event(m, &c->events[k]);
        emit_status_changed(m, c->status_mask);
        if (c->old_config)
                emit_entries_reloaded(m, c->old_config);
        for (size_t k = 0; k < c->n_live; k++)
                emit_entry_live_changed(m, &c->live[k]);
}

/* ---- vtables ---- */

#define STATUS_PROPERTY(e, name, sig) \
        SD_BUS_PROPERTY(name, sig, property_get_status, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        STATUS_PROPERTIES(STATUS_PROPERTY)
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),

        SD_BUS_METHOD_WITH_ARGS("GetStatus", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", status),
                                method_get_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Recharge", SD_BUS_ARGS("t", duration, "s", message), SD_BUS_NO_RESULT,
                                method_recharge, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Extend", SD_BUS_ARGS("t", duration), SD_BUS_NO_RESULT, method_extend,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Skip", SD_BUS_ARGS("s", entry), SD_BUS_NO_RESULT, method_skip,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Snooze", SD_BUS_ARGS("s", entry, "t", duration), SD_BUS_NO_RESULT,
                                method_snooze, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartNow", SD_BUS_ARGS("s", entry), SD_BUS_NO_RESULT, method_start_now,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Done", SD_BUS_ARGS("s", entry), SD_BUS_NO_RESULT, method_done,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Pause", SD_BUS_ARGS("t", duration), SD_BUS_NO_RESULT, method_pause,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Resume", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_resume,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reset", SD_BUS_ARGS("s", entry), SD_BUS_NO_RESULT, method_reset,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListEntries", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sssbtt)", entries),
                                method_list_entries, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Upcoming", SD_BUS_ARGS("t", from, "t", to), SD_BUS_RESULT("a(ssst)", events),
                                method_upcoming, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetStats", SD_BUS_ARGS("t", since), SD_BUS_RESULT("a{sv}", stats),
                                method_get_stats, SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS("RechargeStarted", SD_BUS_ARGS("s", source, "s", entry, "t", until, "s", message), 0),
        SD_BUS_SIGNAL_WITH_ARGS("RechargeEnded", SD_BUS_ARGS("s", source, "s", entry, "s", how), 0),
        SD_BUS_SIGNAL_WITH_ARGS("HeadsUp", SD_BUS_ARGS("s", entry, "t", start), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ReminderDue", SD_BUS_ARGS("s", entry, "s", message), 0),
        SD_BUS_VTABLE_END,
};

#define ENTRY_PROPERTY(name, sig, flags) SD_BUS_PROPERTY(name, sig, entry_property_get, 0, flags)
#define EC SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable entry_vtable[] = {
        SD_BUS_VTABLE_START(0),
        ENTRY_PROPERTY("Name", "s", SD_BUS_VTABLE_PROPERTY_CONST),
        ENTRY_PROPERTY("Type", "s", EC),
        ENTRY_PROPERTY("Message", "s", EC),
        ENTRY_PROPERTY("Days", "s", EC),
        ENTRY_PROPERTY("Enabled", "b", EC),
        ENTRY_PROPERTY("Active", "b", EC),
        ENTRY_PROPERTY("NextStart", "t", EC),
        ENTRY_PROPERTY("NextEnd", "t", EC),
        ENTRY_PROPERTY("Start", "s", EC),
        ENTRY_PROPERTY("End", "s", EC),
        ENTRY_PROPERTY("Duration", "t", EC),
        ENTRY_PROPERTY("Every", "t", EC),
        ENTRY_PROPERTY("Between", "s", EC),
        ENTRY_PROPERTY("At", "as", EC),
        ENTRY_PROPERTY("Dnd", "b", EC),
        SD_BUS_VTABLE_END,
};

static int on_bus_filter_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        if (sd_bus_message_is_signal(msg, "org.freedesktop.DBus.Local", "Disconnected"))
                log_error("Lost the connection to the session bus: exiting.");
        return 0;
}

int bus_setup(Manager *m) {
        int r;

        r = sd_bus_open_user_with_description(&m->bus, "recharged");
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the session bus: %m "
                                          "(is DBUS_SESSION_BUS_ADDRESS or XDG_RUNTIME_DIR set?)");

        r = sd_bus_add_object_vtable(m->bus, NULL, RECHARGED_OBJECT_PATH, RECHARGED_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the %s object: %m", RECHARGED_OBJECT_PATH);
        r = sd_bus_add_fallback_vtable(m->bus, NULL, RECHARGED_ENTRY_PATH_PREFIX, RECHARGED_ENTRY_INTERFACE,
                                       entry_vtable, entry_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the entry objects: %m");
        r = sd_bus_add_node_enumerator(m->bus, NULL, RECHARGED_ENTRY_PATH_PREFIX, entry_enumerate, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the entry enumerator: %m");
        r = sd_bus_add_object_manager(m->bus, NULL, RECHARGED_OBJECT_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object manager: %m");

        r = manager_add_listener(m, LISTENER_BUS, on_manager_change, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to listen for events: %m");
        m->stats_answer = answer_waiting_stats;

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        /* Losing the session bus ends the session: exit and let systemd decide, saying why (sd-bus
         * hands the filter its synthetic Disconnected before it exits). */
        (void) sd_bus_add_filter(m->bus, NULL, on_bus_filter_disconnected, m);
        (void) sd_bus_set_exit_on_disconnect(m->bus, true);
        return 0;
}

int bus_request_name(Manager *m) {
        int r;

        r = sd_bus_request_name(m->bus, RECHARGED_BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Another recharged already owns %s on this bus: already running?",
                                       RECHARGED_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name %s: %m", RECHARGED_BUS_NAME);
        return 0;
}

void bus_done(Manager *m) {
        m->bus = sd_bus_flush_close_unref(m->bus);
}
