/* SPDX-License-Identifier: MIT */
/* manager-events.c: what happens as time passes: due events handled (or recorded as missed),
 * recharges announced and ended, history written, the status published, the timer re-armed. */
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "manager.h"

/* An event this late was slept through or jumped over: record it, do not show it. */
#define LATE_MAX (60 * USEC_PER_SEC)

const char * const status_property_names[_PROP_MAX] = {
        [PROP_MODE] = "Mode",
        [PROP_DO_NOT_DISTURB] = "DoNotDisturb",
        [PROP_SOURCE] = "Source",
        [PROP_ENTRY] = "Entry",
        [PROP_SINCE] = "Since",
        [PROP_UNTIL] = "Until",
        [PROP_MESSAGE] = "Message",
        [PROP_STATUS_TEXT] = "StatusText",
        [PROP_NEXT_ENTRY] = "NextEntry",
        [PROP_NEXT_EVENT] = "NextEvent",
        [PROP_NEXT_EVENT_TIME] = "NextEventTime",
        [PROP_PAUSED_UNTIL] = "PausedUntil",
};

int manager_add_listener(Manager *m, ManagerEventFunc func, void *userdata) {
        if (m->n_listeners >= MANAGER_LISTENERS_MAX)
                return -ENOSPC;
        m->listeners[m->n_listeners].func = func;
        m->listeners[m->n_listeners].userdata = userdata;
        m->n_listeners++;
        return 0;
}

static void manager_dispatch(Manager *m, const ManagerEvent *ev) {
        for (size_t i = 0; i < m->n_listeners; i++)
                m->listeners[i].func(m, ev, m->listeners[i].userdata);
}

static const char *entry_name(const Manager *m, int i) {
        if (i < 0 || (size_t) i >= m->config->n_entries)
                return "";
        return m->config->entries[i].name;
}

void manager_record(Manager *m, HistoryKind kind, usec_t time, bool manual, const char *entry, usec_t of,
                    usec_t planned, usec_t kept) {
        HistoryEvent ev = {
                .time = time,
                .kind = kind,
                .of = of,
                .planned = planned,
                .kept = kept,
        };
        int r;

        if (kind <= HISTORY_MISSED)
                snprintf(ev.source, sizeof ev.source, "%s", manual ? "manual" : "schedule");
        snprintf(ev.entry, sizeof ev.entry, "%s", entry ?: "");

        r = history_append(m->history_path, &ev);
        if (r < 0)
                log_warning_errno(r, "Failed to append to history '%s', ignoring: %m", m->history_path);
}

static const char *recharge_message(const Manager *m, const ActiveRecharge *a) {
        int i;

        if (a->manual)
                return m->manual_message ?: "";
        i = config_find_entry(m->config, a->entry);
        return i >= 0 ? m->config->entries[i].message : "";
}

static bool recharge_dnd(const Manager *m, const ActiveRecharge *a) {
        int i;

        if (a->manual)
                return true;
        i = config_find_entry(m->config, a->entry);
        return i >= 0 && m->config->entries[i].dnd;
}

static ActiveRecharge *active_find(Manager *m, bool manual, const char *entry, usec_t of) {
        for (size_t k = 0; k < m->n_active; k++) {
                ActiveRecharge *a = &m->active[k];
                if (a->manual != manual)
                        continue;
                if (manual ? a->start == of : (a->of == of && streq(a->entry, entry)))
                        return a;
        }
        return NULL;
}

static void announce_started(Manager *m, const ActiveRecharge *in, usec_t now, bool late) {
        ActiveRecharge *a;
        ActiveRecharge *v;

        if (m->n_active >= ACTIVE_MAX)
                return;
        v = realloc(m->active, sizeof(ActiveRecharge) * (m->n_active + 1));
        if (!v) {
                log_oom();
                return;
        }
        m->active = v;
        a = &m->active[m->n_active++];
        *a = *in;
        a->began = late ? now : a->start;

        log_info("Recharge started: %s%s%s%s.", a->manual ? "manual" : "'", a->entry, a->manual ? "" : "'",
                 late ? " (late: it began while asleep or before a clock change)" : "");
        manager_record(m, HISTORY_STARTED, a->began, a->manual, a->entry, a->manual ? 0 : a->of,
                       a->end > a->start ? a->end - a->start : 0, 0);
        manager_dispatch(m, &(ManagerEvent) {
                .kind = MANAGER_EVENT_RECHARGE_STARTED,
                .source = a->manual ? "manual" : "schedule",
                .entry = a->entry,
                .message = recharge_message(m, a),
                .start = a->start,
                .until = a->end,
                .dnd = recharge_dnd(m, a),
                .late = late,
        });
}

static void announce_ended(Manager *m, ActiveRecharge *a, usec_t when, bool completed) {
        ActiveRecharge copy = *a;

        /* Drop it first, so listeners see the set as it is after the end. */
        *a = m->active[--m->n_active];

        log_info("Recharge ended (%s): %s%s%s.", completed ? "completed" : "stopped",
                 copy.manual ? "manual" : "'", copy.entry, copy.manual ? "" : "'");
        manager_record(m, completed ? HISTORY_COMPLETED : HISTORY_STOPPED, when, copy.manual, copy.entry,
                       copy.manual ? 0 : copy.of, copy.end > copy.start ? copy.end - copy.start : 0,
                       when > copy.began ? when - copy.began : 0);
        manager_dispatch(m, &(ManagerEvent) {
                .kind = MANAGER_EVENT_RECHARGE_ENDED,
                .source = copy.manual ? "manual" : "schedule",
                .entry = copy.entry,
                .message = recharge_message(m, &copy),
                .how = completed ? "completed" : "stopped",
                .start = copy.start,
                .until = copy.end,
        });
}

/* The planned start of the occurrence of block i that stands at start s (moved or not). */
static usec_t block_of(Manager *m, size_t i, usec_t s) {
        _cleanup_free_ Event *v = NULL;
        size_t n = 0;

        if (engine_range(m->engine, &m->overlay, s, s + 1, &v, &n) >= 0)
                for (size_t k = 0; k < n; k++)
                        if (v[k].kind == EVENT_START && v[k].entry == (int) i)
                                return v[k].of;
        return s;
}

/* Every recharge that is on at now, as the engine sees it. */
static int recharges_on(Manager *m, usec_t now, ActiveRecharge **ret, size_t *ret_n) {
        _cleanup_free_ ActiveRecharge *v = NULL;
        EngineStatus st;
        size_t n = 0;
        int r;

        r = engine_at(m->engine, &m->overlay, now, &st);
        if (r < 0)
                return r;

        v = calloc(m->config->n_entries + 1, sizeof(ActiveRecharge));
        if (!v)
                return -ENOMEM;

        if (st.recharging) {
                const Overlay *o = &m->overlay;

                if (o->manual_since != 0 && o->manual_since <= now && (o->manual_until == 0 || now < o->manual_until))
                        v[n++] = (ActiveRecharge) {
                                .manual = true,
                                .start = o->manual_since,
                                .end = o->manual_until,
                        };

                for (size_t i = 0; st.n_blocks > 0 && i < m->config->n_entries; i++) {
                        const Entry *e = &m->config->entries[i];
                        usec_t s, t;

                        if (e->type != ENTRY_RECHARGE || !e->enabled)
                                continue;
                        if (engine_entry_next(m->engine, o, i, now, &s, &t) < 0)
                                continue;
                        if (s > now || now >= t)
                                continue;
                        ActiveRecharge *a = &v[n++];
                        *a = (ActiveRecharge) { .of = block_of(m, i, s), .start = s, .end = t };
                        snprintf(a->entry, sizeof a->entry, "%s", e->name);
                }
        }

        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* Whether history says this recharge was announced already (a restart in the middle of it). */
static bool history_has_start(Manager *m, const ActiveRecharge *a) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        bool found = false;

        f = fopen(m->history_path, "re");
        if (!f)
                return false;
        while (getline(&line, &size, f) > 0) {
                HistoryEvent ev;
                if (history_parse_line(line, &ev) < 0)
                        continue;
                if (a->manual ? !streq(ev.source, "manual") : !streq(ev.entry, a->entry))
                        continue;
                if (a->manual ? (ev.time < a->start || ev.time - a->start > USEC_PER_SEC) : ev.of != a->of)
                        continue;
                if (ev.kind == HISTORY_STARTED)
                        found = true;
                else if (ev.kind == HISTORY_COMPLETED || ev.kind == HISTORY_STOPPED)
                        found = false;
        }
        return found;
}

/* Makes what we announced match what is on: ends what is no longer on (completed if its end has
 * come, else stopped), starts what is on and was not announced. A user's change, a reload, a
 * restart or a clock jump all come down to this. */
void manager_reconcile(Manager *m, usec_t now, bool startup) {
        _cleanup_free_ ActiveRecharge *on = NULL;
        size_t n_on = 0;
        int r;

        r = recharges_on(m, now, &on, &n_on);
        if (r < 0) {
                log_warning_errno(r, "Failed to compute what is on, ignoring: %m");
                return;
        }

        for (size_t k = m->n_active; k > 0; k--) {
                ActiveRecharge *a = &m->active[k - 1];
                bool still = false;

                for (size_t j = 0; j < n_on && !still; j++)
                        if (on[j].manual == a->manual &&
                            (a->manual ? on[j].start == a->start : (on[j].of == a->of && streq(on[j].entry, a->entry)))) {
                                a->start = on[j].start;
                                a->end = on[j].end; /* extended */
                                still = true;
                        }
                if (!still)
                        announce_ended(m, a, now, a->end != 0 && now >= a->end);
        }

        for (size_t j = 0; j < n_on; j++) {
                if (active_find(m, on[j].manual, on[j].entry, on[j].manual ? on[j].start : on[j].of))
                        continue;
                if (startup && history_has_start(m, &on[j])) {
                        /* Announced before the restart: carry on quietly. */
                        if (m->n_active < ACTIVE_MAX) {
                                ActiveRecharge *v = realloc(m->active, sizeof(ActiveRecharge) * (m->n_active + 1));
                                if (!v) {
                                        log_oom();
                                        continue;
                                }
                                m->active = v;
                                m->active[m->n_active] = on[j];
                                m->active[m->n_active++].began = on[j].start;
                        }
                        continue;
                }
                announce_started(m, &on[j], now, now - on[j].start > LATE_MAX);
        }
}

/* At start-up: what passed entirely while the daemon was not running (since the state file's
 * `processed`, at most a week back) goes to the history as missed, shown to nobody. A block
 * still on is reconcile's. */
#define OFF_LOOKBACK (7 * USEC_PER_DAY)
void manager_record_missed_while_off(Manager *m, usec_t now) {
        _cleanup_free_ Event *v = NULL;
        usec_t from;
        size_t n = 0, missed = 0;
        int r;

        if (!m->state || m->state->processed == 0 || m->state->processed >= now)
                return;
        from = MAX(m->state->processed, now > OFF_LOOKBACK ? now - OFF_LOOKBACK : 0);
        r = engine_range(m->engine, &m->overlay, from, now, &v, &n);
        if (r < 0) {
                log_warning_errno(r, "Failed to compute what passed while not running, ignoring: %m");
                return;
        }
        for (size_t k = 0; k < n; k++) {
                const Event *ev = &v[k];
                const char *name = entry_name(m, ev->entry);

                if (ev->entry == ENTRY_MANUAL || now - ev->time <= LATE_MAX)
                        continue;
                if (ev->kind == EVENT_START && ev->end != 0 && ev->end <= now) {
                        manager_record(m, HISTORY_MISSED, ev->time, false, name, ev->of, ev->end - ev->start, 0);
                        missed++;
                } else if (ev->kind == EVENT_REMINDER) {
                        manager_record(m, HISTORY_REMINDER_MISSED, ev->time, false, name, ev->of, 0, 0);
                        missed++;
                }
        }
        if (missed > 0)
                log_info("%zu blocks and reminders passed while recharged was not running: recorded as missed.", missed);
        /* Move the mark at once, so that another restart does not record them again. */
        m->processed_to = now;
        (void) manager_save(m);
}

/* Handles the events in [m->processed_to, to). */
void manager_process(Manager *m, usec_t to, usec_t now) {
        _cleanup_free_ Event *v = NULL;
        bool manual_ended = false;
        size_t n = 0;
        int r;

        if (to <= m->processed_to) {
                /* The clock went back: what lies ahead now is ahead again. */
                m->processed_to = to;
                return;
        }

        r = engine_range(m->engine, &m->overlay, m->processed_to, to, &v, &n);
        if (r < 0) {
                log_warning_errno(r, "Failed to compute the schedule's events, ignoring: %m");
                return;
        }
        m->processed_to = to;

        for (size_t k = 0; k < n; k++) {
                const Event *ev = &v[k];
                bool late = now > ev->time && now - ev->time > LATE_MAX;
                bool manual = ev->entry == ENTRY_MANUAL;
                const char *name = entry_name(m, ev->entry);
                ActiveRecharge *a;

                switch (ev->kind) {
                case EVENT_START:
                        if (active_find(m, manual, name, manual ? ev->start : ev->of))
                                break;
                        if (late && ev->end != 0 && ev->end <= now) {
                                log_info("Missed '%s': it began and ended while asleep or across a clock change.", name);
                                manager_record(m, HISTORY_MISSED, ev->time, manual, name, ev->of, ev->end - ev->start, 0);
                                break;
                        }
                        ActiveRecharge in = { .manual = manual, .of = ev->of, .start = ev->start, .end = ev->end };
                        snprintf(in.entry, sizeof in.entry, "%s", manual ? "" : name);
                        announce_started(m, &in, now, late);
                        break;

                case EVENT_END:
                        a = active_find(m, manual, manual ? "" : name, manual ? ev->start : ev->of);
                        if (!a)
                                break;
                        announce_ended(m, a, late ? now : ev->time, true);
                        manual_ended = manual_ended || manual;
                        break;

                case EVENT_HEADS_UP:
                        if (late) {
                                log_debug("Heads-up for '%s' passed while asleep, not shown.", name);
                                break;
                        }
                        log_info("Heads-up: '%s' starts soon.", name);
                        manager_dispatch(m, &(ManagerEvent) {
                                .kind = MANAGER_EVENT_HEADS_UP,
                                .source = "schedule",
                                .entry = name,
                                .message = ev->entry >= 0 ? m->config->entries[ev->entry].message : "",
                                .start = ev->start,
                                .until = ev->end,
                        });
                        break;

                case EVENT_REMINDER:
                        if (late) {
                                log_info("Missed reminder '%s': it was due while asleep or across a clock change.", name);
                                manager_record(m, HISTORY_REMINDER_MISSED, ev->time, false, name, ev->of, 0, 0);
                                break;
                        }
                        log_info("Reminder due: '%s'%s.", name, ev->held ? " (held through a recharge)" : "");
                        manager_record(m, HISTORY_REMINDER_SHOWN, ev->time, false, name, ev->of, 0, 0);
                        manager_dispatch(m, &(ManagerEvent) {
                                .kind = MANAGER_EVENT_REMINDER_DUE,
                                .entry = name,
                                .message = ev->entry >= 0 ? m->config->entries[ev->entry].message : "",
                                .start = ev->time,
                        });
                        break;

                default:
                        break;
                }
        }

        if (manual_ended)
                manager_expire(m, now);
        /* Remember how far we got, so a start after a crash or shutdown knows what it missed. */
        if (n > 0)
                (void) manager_save(m);
}

/* "HH:MM" in local time, "" for 0. */
char *manager_format_local(const Manager *m, usec_t t) {
        char *s;
        int64_t local, sec;

        if (t == 0)
                return strdup("");
        local = tz_to_local(m->tz, (int64_t) (t / USEC_PER_SEC));
        sec = local - local_day(local) * 86400;
        if (asprintf(&s, "%02d:%02d", (int) (sec / 3600), (int) (sec / 60 % 60)) < 0)
                return NULL;
        return s;
}

/* Time left, rounded up to whole minutes, so the text never says "0min" while on. */
static void format_left(usec_t now, usec_t until, char buf[static SPAN_MAX]) {
        usec_t left;

        buf[0] = '\0';
        if (until == 0 || until <= now)
                return;
        left = (until - now + USEC_PER_MINUTE - 1) / USEC_PER_MINUTE * USEC_PER_MINUTE;
        span_format(left, buf);
}

static void status_done(ManagerStatus *s) {
        free(s->entry);
        free(s->message);
        free(s->status_text);
        free(s->next_entry);
        *s = (ManagerStatus) {};
}

static int status_compute(Manager *m, usec_t now, ManagerStatus *ret) {
        ManagerStatus s = { .source = "", .next_event = "" };
        EngineStatus st;
        Event next;
        int r;

        r = engine_at(m->engine, &m->overlay, now, &st);
        if (r < 0)
                return r;

        s.mode = st.recharging ? MODE_RECHARGING : st.paused ? MODE_PAUSED : MODE_AVAILABLE;
        s.dnd = st.recharging && st.dnd;
        if (st.recharging) {
                s.source = st.manual ? "manual" : "schedule";
                s.since = st.since;
                s.until = st.until;
        }
        s.entry = strdup(st.recharging && !st.manual ? entry_name(m, st.entry) : "");
        s.message = strdup(!st.recharging ? "" : st.manual ? (m->manual_message ?: "") : m->config->entries[st.entry].message);
        if (!s.entry || !s.message)
                goto oom;

        if (st.recharging) {
                _cleanup_free_ char *until = NULL, *since = NULL;
                char left[SPAN_MAX];

                until = manager_format_local(m, s.until);
                since = manager_format_local(m, s.since);
                if (!until || !since)
                        goto oom;
                format_left(now, s.until, left);
                s.status_text = status_expand(m->config->status ?: "", &(StatusVars) {
                        .until = until,
                        .since = since,
                        .left = left,
                        .message = s.message,
                        .entry = s.entry,
                });
        } else
                s.status_text = strdup("");
        if (!s.status_text)
                goto oom;

        r = engine_next(m->engine, &m->overlay, now, &next);
        if (r >= 0) {
                s.next_entry = strdup(entry_name(m, next.entry));
                s.next_event = event_kind_to_string(next.kind);
                s.next_event_time = next.time;
        } else {
                if (r != -ENOENT)
                        log_warning_errno(r, "Failed to compute the next event, ignoring: %m");
                s.next_entry = strdup("");
        }
        if (!s.next_entry)
                goto oom;

        s.paused_until = st.paused ? m->overlay.paused_until : 0;
        *ret = s;
        return 0;
oom:
        status_done(&s);
        return -ENOMEM;
}

static unsigned status_diff(const ManagerStatus *a, const ManagerStatus *b) {
        unsigned mask = 0;

#define DIFF(p, cond) mask |= (cond) ? 1u << (p) : 0
        DIFF(PROP_MODE, a->mode != b->mode);
        DIFF(PROP_DO_NOT_DISTURB, a->dnd != b->dnd);
        DIFF(PROP_SOURCE, !streq_ptr(a->source, b->source));
        DIFF(PROP_ENTRY, !streq_ptr(a->entry, b->entry));
        DIFF(PROP_SINCE, a->since != b->since);
        DIFF(PROP_UNTIL, a->until != b->until);
        DIFF(PROP_MESSAGE, !streq_ptr(a->message, b->message));
        DIFF(PROP_STATUS_TEXT, !streq_ptr(a->status_text, b->status_text));
        DIFF(PROP_NEXT_ENTRY, !streq_ptr(a->next_entry, b->next_entry));
        DIFF(PROP_NEXT_EVENT, !streq_ptr(a->next_event, b->next_event));
        DIFF(PROP_NEXT_EVENT_TIME, a->next_event_time != b->next_event_time);
        DIFF(PROP_PAUSED_UNTIL, a->paused_until != b->paused_until);
#undef DIFF
        return mask;
}

int manager_entry_live(Manager *m, size_t i, usec_t now, EntryLive *ret) {
        usec_t s = 0, e = 0;
        int r;

        *ret = (EntryLive) {};
        if (i >= m->config->n_entries)
                return -EINVAL;
        r = engine_entry_next(m->engine, &m->overlay, i, now, &s, &e);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        ret->next_start = s;
        ret->next_end = e;
        ret->active = m->config->entries[i].type == ENTRY_RECHARGE && s <= now && now < e;
        return 0;
}

/* When the status text will read differently without any event: %left% counts down. */
static usec_t status_text_refresh(const Manager *m, usec_t now) {
        usec_t left;

        if (!m->config->status || !strstr(m->config->status, "%left%"))
                return 0;
        if (m->status.mode != MODE_RECHARGING || m->status.until <= now)
                return 0;
        left = m->status.until - now;
        return now + (left % USEC_PER_MINUTE ?: USEC_PER_MINUTE);
}

static void arm_timer(Manager *m, usec_t now) {
        usec_t next = m->status.next_event_time;
        usec_t t;
        int r;

        /* The pause and the manual recharge end without an engine event of their own. */
        if (m->overlay.paused_since != 0 && m->overlay.paused_until != USEC_INFINITY && m->overlay.paused_until > now)
                next = next ? MIN(next, m->overlay.paused_until) : m->overlay.paused_until;
        if (m->overlay.manual_since != 0 && m->overlay.manual_until > now)
                next = next ? MIN(next, m->overlay.manual_until) : m->overlay.manual_until;
        t = status_text_refresh(m, now);
        if (t != 0)
                next = next ? MIN(next, t) : t;

        if (next == 0) {
                log_debug("Nothing due: the timer is off.");
                (void) sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
                return;
        }

        /* The timer runs on the real clock; the test offset (0 outside tests) maps to it. */
        t = (usec_t) ((int64_t) next - m->clock_offset);
        r = sd_event_source_set_time(m->timer, t);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "Failed to arm the timer: %m");
        else
                log_debug("Next wake-up in %.3f s.", (double) (next - now) / USEC_PER_SEC);
}

/* Takes a new snapshot, emits PropertiesChanged for what differs, re-arms the timer. */
void manager_publish(Manager *m, usec_t now) {
        ManagerStatus s;
        unsigned mask;
        int r;

        r = status_compute(m, now, &s);
        if (r < 0) {
                log_error_errno(r, "Failed to compute the status: %m");
                return;
        }
        mask = status_diff(&m->status, &s);
        status_done(&m->status);
        m->status = s;
        /* The first snapshot is what everyone reads first: nothing "changed" yet. */
        if (mask != 0 && m->published)
                bus_emit_status_changed(m, mask);

        for (size_t i = 0; i < m->config->n_entries; i++) {
                EntryLive l;

                if (manager_entry_live(m, i, now, &l) < 0)
                        continue;
                if (memcmp(&l, &m->entry_live[i], sizeof l) == 0)
                        continue;
                if (m->published)
                        bus_emit_entry_live_changed(m, i, &m->entry_live[i], &l);
                m->entry_live[i] = l;
        }
        m->published = true;

        arm_timer(m, now);
}

void manager_recompute(Manager *m, bool clock_changed) {
        usec_t now = manager_now(m);

        if (clock_changed)
                log_info("The clock changed or the system woke up: catching up with the schedule.");
        manager_process(m, now + 1, now);
        manager_expire(m, now);
        manager_reconcile(m, now, false);
        manager_publish(m, now);
}
