/* SPDX-License-Identifier: MIT */
/* manager-sync.c: bringing the world in line with the engine at an instant: due events handled
 * (or recorded as missed) exactly once and in time order, recharges announced, changed and
 * ended, the status computed, and the one change set handed to the listeners. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "manager.h"

int manager_add_listener(Manager *m, ManagerListener slot, ManagerListenFunc func, void *userdata) {
        if (slot < 0 || slot >= _LISTENER_MAX || m->listeners[slot].func)
                return -EBUSY;
        m->listeners[slot].func = func;
        m->listeners[slot].userdata = userdata;
        return 0;
}

void manager_remove_listener(Manager *m, ManagerListener slot) {
        if (m && slot >= 0 && slot < _LISTENER_MAX)
                m->listeners[slot].func = NULL;
}

void manager_change_done(ManagerChange *c) {
        for (size_t k = 0; k < c->n_events; k++) {
                free(c->events[k].message);
                free(c->events[k].digest);
        }
        free(c->events);
        free(c->live);
        free(c->history);
        *c = (ManagerChange) {};
}

/* Bus, notifications, silencing, hooks: always in that order. */
void manager_emit(Manager *m, ManagerChange *c) {
        for (ManagerListener l = 0; l < _LISTENER_MAX; l++)
                if (m->listeners[l].func)
                        m->listeners[l].func(m, c, m->listeners[l].userdata);
}

static const char *entry_name(const Manager *m, int i) {
        if (i < 0 || (size_t) i >= m->config->n_entries)
                return "";
        return m->config->entries[i].name;
}

void manager_record(ManagerChange *c, HistoryKind kind, usec_t time, bool manual, const char *entry, usec_t of,
                    usec_t planned, usec_t kept) {
        HistoryEvent *v, *ev;

        v = reallocarray(c->history, c->n_history + 1, sizeof(HistoryEvent));
        if (!v) {
                log_oom();
                return;
        }
        c->history = v;
        ev = &v[c->n_history++];
        *ev = (HistoryEvent) {
                .time = time,
                .kind = kind,
                .of = of,
                .planned = planned,
                .kept = kept,
        };
        if (kind <= HISTORY_MISSED || kind == HISTORY_AWAY)
                snprintf(ev->source, sizeof ev->source, "%s", manual ? "manual" : "schedule");
        snprintf(ev->entry, sizeof ev->entry, "%s", entry ?: "");
}

static ManagerEvent *event_push(ManagerChange *c, ManagerEventKind kind, const char *entry, const char *message) {
        ManagerEvent *v, *ev;

        v = reallocarray(c->events, c->n_events + 1, sizeof(ManagerEvent));
        if (!v)
                return NULL;
        c->events = v;
        ev = &v[c->n_events];
        *ev = (ManagerEvent) { .kind = kind, .source = "schedule" };
        snprintf(ev->entry, sizeof ev->entry, "%s", entry ?: "");
        ev->message = strdup(message ?: "");
        if (!ev->message)
                return NULL;
        c->n_events++;
        return ev;
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

static void recharge_event(ManagerChange *c, ManagerEventKind kind, const Manager *m, const ActiveRecharge *a) {
        ManagerEvent *ev = event_push(c, kind, a->entry, a->message);

        if (!ev) {
                log_oom();
                return;
        }
        ev->manual = a->manual;
        ev->source = a->manual ? "manual" : "schedule";
        ev->of = a->of;
        ev->start = a->start;
        ev->until = a->end;
        ev->dnd = recharge_dnd(m, a);
        ev->note = a->note;
}

static void announce_started(Manager *m, ManagerChange *c, const ActiveRecharge *in, usec_t now, bool late) {
        ActiveRecharge *v, *a;

        if (m->n_active >= STATE_ACTIVE_MAX)
                return;
        v = reallocarray(m->active, m->n_active + 1, sizeof(ActiveRecharge));
        if (!v) {
                log_oom();
                return;
        }
        m->active = v;
        a = &m->active[m->n_active];
        *a = *in;
        a->began = late ? now : a->start;
        a->entry = strdup(in->entry ?: "");
        a->message = strdup(in->message ?: "");
        if (!a->entry || !a->message) {
                state_active_done(a);
                log_oom();
                return;
        }
        m->n_active++;

        log_info("Recharge started: %s%s%s%s.", a->manual ? "manual" : "'", a->entry, a->manual ? "" : "'",
                 late ? " (late: it began while asleep, stopped, or before a clock change)" : "");
        manager_record(c, HISTORY_STARTED, a->began, a->manual, a->entry, a->manual ? 0 : a->of,
                       a->end > a->start ? a->end - a->start : 0, 0);
        recharge_event(c, MANAGER_EVENT_RECHARGE_STARTED, m, a);
        c->events[c->n_events - 1].late = late;
}

static usec_t overlap(usec_t a0, usec_t a1, usec_t b0, usec_t b1) {
        usec_t lo = MAX(a0, b0), hi = MIN(a1, b1);
        return hi > lo ? hi - lo : 0;
}

/* How long the person was away from the screen during recharge a, up to t. */
static usec_t away_during(const Manager *m, const ActiveRecharge *a, usec_t t) {
        usec_t away = a->away;

        if (m->away_since != 0)
                away += overlap(m->away_since, t, a->began, t);
        return away;
}

/* Whether the person was away at t (as far as we were told by now). */
static bool away_at(const Manager *m, usec_t t) {
        return m->away_since != 0 && t >= m->away_since;
}

static bool any_dnd(const Manager *m) {
        for (size_t k = 0; k < m->n_active; k++)
                if (recharge_dnd(m, &m->active[k]))
                        return true;
        return false;
}

void manager_count_notification(Manager *m, const char *app) {
        _cleanup_free_ char *name = NULL;
        size_t k;

        if (!m->config->digest || !any_dnd(m))
                return;
        /* Ours are not news; the name is someone else's text: escaped and cut. */
        if (!app || !*app || streq(app, "recharged"))
                return;
        name = text_escape_cut(app, DIGEST_APP_MAX);
        if (!name)
                return (void) log_oom();
        for (k = 0; k < m->n_digest; k++)
                if (streq(m->digest[k].app, name))
                        break;
        if (k == m->n_digest) {
                if (k >= DIGEST_APPS_MAX) {
                        m->digest_other++;
                        return;
                }
                snprintf(m->digest[k].app, sizeof m->digest[k].app, "%s", name);
                m->digest[k].count = 0;
                m->n_digest++;
        }
        m->digest[k].count++;
        log_debug("Counted a notification of another application during the recharge (%zu %s so far).",
                  m->n_digest, m->n_digest == 1 ? "application" : "applications");
}

/* The counts go into the history with the end they belong to: one "arrived" line per app (""
 * for the others), counts and names only. */
static void digest_record(Manager *m, ManagerChange *c, usec_t when) {
        for (size_t k = 0; k < m->n_digest; k++)
                manager_record(c, HISTORY_ARRIVED, when, false, m->digest[k].app, 0, m->digest[k].count, 0);
        if (m->digest_other > 0)
                manager_record(c, HISTORY_ARRIVED, when, false, "", 0, m->digest_other, 0);
}

/* "Signal 3 · Mail 5 · others 2" in the order they first came, "" when none; counts reset. */
static char *digest_take(Manager *m) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        for (size_t k = 0; k < m->n_digest; k++)
                fprintf(f, "%s%s %" PRIu32, k ? " · " : "", m->digest[k].app, m->digest[k].count);
        if (m->digest_other > 0)
                fprintf(f, "%sothers %" PRIu32, m->n_digest ? " · " : "", m->digest_other);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        m->n_digest = 0;
        m->digest_other = 0;
        return buf;
}

/* Ends active recharge k at when. */
static void announce_ended(Manager *m, ManagerChange *c, size_t k, usec_t when, bool completed, bool late) {
        ActiveRecharge a = m->active[k];
        usec_t kept = when > a.began ? when - a.began : 0, away = MIN(away_during(m, &a, when), kept);
        /* A block that ran out while the person was away is greeted when they come back, rather
         * than with a nudge to an empty screen. A stop is someone's doing: they are there. */
        bool greet = completed && away_at(m, when) && m->n_welcome < STATE_ACTIVE_MAX;

        /* Drop it first, so listeners see the set as it is after the end. */
        m->active[k] = m->active[--m->n_active];

        log_info("Recharge ended (%s): %s%s%s%s.", completed ? "completed" : "stopped",
                 a.manual ? "manual" : "'", a.entry, a.manual ? "" : "'",
                 greet ? " while the person was away from the screen" : "");
        manager_record(c, completed ? HISTORY_COMPLETED : HISTORY_STOPPED, when, a.manual, a.entry,
                       a.manual ? 0 : a.of, a.end > a.start ? a.end - a.start : 0, kept);
        /* Away time is only known where logind tells us: no line where it cannot. */
        if (away > 0 || m->presence != PRESENCE_UNKNOWN)
                manager_record(c, HISTORY_AWAY, when, a.manual, a.entry, a.manual ? 0 : a.of, kept, away);
        recharge_event(c, MANAGER_EVENT_RECHARGE_ENDED, m, &a);
        if (c->n_events > 0 && c->events[c->n_events - 1].kind == MANAGER_EVENT_RECHARGE_ENDED) {
                ManagerEvent *ev = &c->events[c->n_events - 1];
                ev->how = completed ? "completed" : "stopped";
                ev->late = late;
                ev->recharging = m->n_active > 0;
                ev->away = greet;
                ev->away_time = away;
        }
        /* The digest goes with the end of the last dnd recharge: the one after which the
         * person reads what arrived. */
        if (c->n_events > 0 && c->events[c->n_events - 1].kind == MANAGER_EVENT_RECHARGE_ENDED && !any_dnd(m)) {
                digest_record(m, c, when);
                c->events[c->n_events - 1].digest = digest_take(m);
                if (!c->events[c->n_events - 1].digest)
                        log_oom();
        }
        if (greet) {
                ActiveRecharge *v = reallocarray(m->welcome, m->n_welcome + 1, sizeof(ActiveRecharge));
                if (v) {
                        const ManagerEvent *ev = c->n_events > 0 ? &c->events[c->n_events - 1] : NULL;
                        m->welcome = v;
                        a.end = when;
                        a.away = away;
                        /* What arrived is said at the return, with the welcome back. */
                        if (ev && ev->kind == MANAGER_EVENT_RECHARGE_ENDED && ev->digest && *ev->digest)
                                a.digest = strdup(ev->digest);
                        v[m->n_welcome++] = a; /* takes the strings */
                        return;
                }
                log_oom();
        }
        state_active_done(&a);
}

void manager_come_back(Manager *m, ManagerChange *c, usec_t now) {
        Overlay *o = &m->overlay;

        for (size_t k = 0; k < m->n_active; k++)
                m->active[k].away = away_during(m, &m->active[k], now);
        m->away_since = 0;
        /* The span that held reminders closes now: the next sync releases them at now. */
        if (o->away_since != 0 && o->away_until == 0) {
                if (o->away_since < now)
                        o->away_until = now;
                else
                        o->away_since = 0;
        }
        for (size_t k = 0; k < m->n_welcome; k++) {
                ActiveRecharge *a = &m->welcome[k];

                log_info("Welcome back: %s%s%s ended while the person was away.", a->manual ? "the manual recharge" : "'",
                         a->entry, a->manual ? "" : "'");
                recharge_event(c, MANAGER_EVENT_WELCOME_BACK, m, a);
                if (c->n_events > 0 && c->events[c->n_events - 1].kind == MANAGER_EVENT_WELCOME_BACK) {
                        ManagerEvent *ev = &c->events[c->n_events - 1];
                        ev->how = "completed";
                        ev->away_time = a->away;
                        ev->recharging = m->n_active > 0;
                        ev->digest = TAKE_PTR(a->digest);
                }
                state_active_done(a);
        }
        free(m->welcome);
        m->welcome = NULL;
        m->n_welcome = 0;
}

/* Adds entry i's block to v when it is on at now. */
static void block_on(Manager *m, size_t i, usec_t now, ActiveRecharge *v, size_t *n) {
        const Entry *e = &m->config->entries[i];
        usec_t s, t, of;

        if (e->type != ENTRY_RECHARGE || !e->enabled)
                return;
        if (engine_cached_entry_occurrence(m->engine, &m->overlay, i, now, &s, &t, &of) < 0)
                return;
        if (s > now || now >= t)
                return;
        v[(*n)++] = (ActiveRecharge) {
                .entry = (char *) e->name,
                .of = of,
                .start = s,
                .end = t,
                .message = (char *) (e->message ?: ""),
        };
}

/* Every recharge that is on at now, as the engine sees it. Entry names point into the config. */
static int recharges_on(Manager *m, usec_t now, ActiveRecharge **ret, size_t *ret_n) {
        _cleanup_free_ ActiveRecharge *v = NULL;
        _cleanup_free_ int *maybe = NULL;
        const Overlay *o = &m->overlay;
        EngineStatus st;
        size_t n = 0, n_maybe = 0;
        int r;

        r = engine_cached_status(m->engine, o, now, &st);
        if (r < 0)
                return r;
        /* Only the entries with a block on can be on: asking each entry of the schedule made
         * every boundary during a block cost the schedule's size. */
        if (st.n_blocks > 0) {
                r = engine_cached_blocks_on(m->engine, o, now, &maybe, &n_maybe);
                if (r == -EOPNOTSUPP)
                        maybe = NULL;
                else if (r < 0)
                        return r;
        }
        /* Room for the manual one and the blocks that can be on: with none on, one slot (a
         * zeroed array of the schedule's size at every boundary cost its size). */
        v = calloc((maybe ? n_maybe : st.n_blocks > 0 ? m->config->n_entries : 0) + 1, sizeof(ActiveRecharge));
        if (!v)
                return -ENOMEM;
        if (st.recharging) {
                if (o->manual_since != 0 && o->manual_since <= now && (o->manual_until == 0 || now < o->manual_until))
                        v[n++] = (ActiveRecharge) {
                                .manual = true,
                                .entry = (char *) "",
                                .start = o->manual_since,
                                .end = o->manual_until,
                                .message = m->manual_message ?: (char *) "",
                        };

                if (maybe)
                        for (size_t k = 0; k < n_maybe; k++)
                                block_on(m, (size_t) maybe[k], now, v, &n);
                else
                        for (size_t i = 0; st.n_blocks > 0 && i < m->config->n_entries; i++)
                                block_on(m, i, now, v, &n);
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* Makes what we announced match what is on: ends what is no longer on (completed if its end has
 * come, else stopped), says when an end moved, starts what is on and was not announced. */
void manager_reconcile(Manager *m, ManagerChange *c, usec_t now) {
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

                for (size_t j = 0; j < n_on && !still; j++) {
                        if (on[j].manual != a->manual ||
                            (a->manual ? on[j].start != a->start : (on[j].of != a->of || !streq(on[j].entry, a->entry))))
                                continue;
                        still = true;
                        if (on[j].end != a->end) {
                                a->end = on[j].end;
                                log_info("Recharge %s%s%s now ends later.", a->manual ? "manual" : "'", a->entry,
                                         a->manual ? "" : "'");
                                recharge_event(c, MANAGER_EVENT_RECHARGE_CHANGED, m, a);
                        }
                }
                if (still)
                        continue;
                if (now < a->start)
                        continue; /* the clock went back to before it began: it comes back on by itself */
                if (a->end != 0 && now >= a->end) {
                        /* Its end passed unseen (off, asleep, a jump): it completed then. */
                        usec_t when = a->end;
                        announce_ended(m, c, k - 1, when, true, now - when > LATE_MAX);
                } else
                        announce_ended(m, c, k - 1, now, false, false);
        }

        for (size_t j = 0; j < n_on; j++) {
                if (active_find(m, on[j].manual, on[j].entry, on[j].manual ? on[j].start : on[j].of))
                        continue;
                announce_started(m, c, &on[j], now, now - on[j].start > LATE_MAX);
        }
}

static void reminder_due(Manager *m, ManagerChange *c, const Event *ev) {
        const Entry *e = &m->config->entries[ev->entry];
        ManagerEvent *out;

        m->overlay.entries[ev->entry].shown = ev->of;
        log_info("Reminder due: '%s'%s.", e->name, ev->held ? " (held through a recharge or while away)" : "");
        manager_record(c, HISTORY_REMINDER_SHOWN, ev->time, false, e->name, ev->of, 0, 0);
        out = event_push(c, MANAGER_EVENT_REMINDER_DUE, e->name, e->message);
        if (!out) {
                log_oom();
                return;
        }
        out->of = ev->of;
        out->start = ev->time;
        out->held = ev->held;
}

/* What passed unseen (a forward jump, a sleep, the daemon off) is recorded, never replayed: over
 * today and the CATCH_UP_DAYS - 1 local days before it at most, and at most one missed line per
 * entry and local day, so a year's jump costs a few lines per entry, one save and one log line. */
#define CATCH_UP_DAYS 7

/* The instant of local midnight at the start of the local day holding t, moved by `days`. */
static usec_t local_midnight(const Manager *m, usec_t t, int64_t days) {
        int64_t local = tz_to_local(m->tz, (int64_t) (t / USEC_PER_SEC));
        int64_t s = tz_from_local(m->tz, (local_day(local) + days) * 86400);

        return s <= 0 ? 0 : (usec_t) s * USEC_PER_SEC;
}

typedef struct Passed {
        bool *missed_today;      /* per entry (and the manual one last): a line written this day */
        size_t events, lines;
} Passed;

/* Handles the events in [from, to), all within one local day: exactly once each, in time order. */
static int process_day(Manager *m, ManagerChange *c, usec_t from, usec_t to, usec_t now, Passed *p) {
        _cleanup_free_ Event *v = NULL;
        size_t n = 0;
        int r;

        r = engine_cached_range(m->engine, &m->overlay, from, to, &v, &n);
        if (r < 0)
                return r;
        if (p->missed_today)
                memset(p->missed_today, 0, (m->config->n_entries + 1) * sizeof(bool));
        /* The state file's mark moves with what was handled: time passing alone writes nothing. */
        if (n > 0)
                m->processed_mark = to;

        for (size_t k = 0; k < n; k++) {
                const Event *ev = &v[k];
                bool late = now > ev->time && now - ev->time > LATE_MAX;
                bool manual = ev->entry == ENTRY_MANUAL;
                const char *name = entry_name(m, ev->entry);
                bool *seen = NULL;
                ActiveRecharge *a;
                ManagerEvent *out;

                if (p->missed_today)
                        seen = &p->missed_today[manual || ev->entry < 0 || (size_t) ev->entry >= m->config->n_entries
                                                ? m->config->n_entries : (size_t) ev->entry];

                switch (ev->kind) {
                case EVENT_START:
                        if (active_find(m, manual, name, manual ? ev->start : ev->of))
                                break;
                        if (late && ev->end != 0 && ev->end <= now) {
                                /* Began and ended while asleep, stopped, or across a clock change. */
                                p->events++;
                                if (seen && *seen)
                                        break;
                                if (seen)
                                        *seen = true;
                                manager_record(c, HISTORY_MISSED, ev->time, manual, name, ev->of, ev->end - ev->start, 0);
                                p->lines++;
                                break;
                        }
                        announce_started(m, c, &(ActiveRecharge) {
                                .manual = manual,
                                .entry = (char *) (manual ? "" : name),
                                .of = manual ? 0 : ev->of,
                                .start = ev->start,
                                .end = ev->end,
                                .message = manual ? m->manual_message : m->config->entries[ev->entry].message,
                        }, now, late);
                        break;

                case EVENT_END:
                        a = active_find(m, manual, manual ? "" : name, manual ? ev->start : ev->of);
                        if (!a)
                                break;
                        announce_ended(m, c, (size_t) (a - m->active), ev->time, true, late);
                        break;

                case EVENT_HEADS_UP:
                        if (late)
                                break; /* passed while asleep: not shown */
                        if (away_at(m, ev->time)) {
                                /* Nobody at the screen to let the people around know; the block
                                 * still starts at its time. */
                                log_debug("Heads-up for '%s' not shown: the person is away from the screen.", name);
                                break;
                        }
                        log_info("Heads-up: '%s' starts soon.", name);
                        out = event_push(c, MANAGER_EVENT_HEADS_UP, name, m->config->entries[ev->entry].message);
                        if (!out) {
                                log_oom();
                                break;
                        }
                        out->of = ev->of;
                        out->start = ev->start;
                        out->until = ev->end;
                        out->recharging = m->n_active > 0;
                        break;

                case EVENT_REMINDER:
                        if (late) {
                                /* Due while asleep, stopped, or across a clock change. */
                                p->events++;
                                if (seen && *seen)
                                        break;
                                if (seen)
                                        *seen = true;
                                manager_record(c, HISTORY_REMINDER_MISSED, ev->time, false, name, ev->of, 0, 0);
                                p->lines++;
                                break;
                        }
                        reminder_due(m, c, ev);
                        break;

                default:
                        break;
                }
        }
        return 0;
}

/* Handles the events in [m->processed_to, to): exactly once each, in time order, a local day at
 * a time so that a long stretch never holds more than a day of events in memory. */
static void process(Manager *m, ManagerChange *c, usec_t to, usec_t now) {
        _cleanup_free_ bool *missed_today = NULL;
        usec_t floor, jumped = 0;
        Passed p = {};
        int r;

        if (to <= m->processed_to) {
                /* The clock went back: what lies ahead now is ahead again. */
                m->processed_to = to;
                return;
        }
        floor = local_midnight(m, to - 1, -(CATCH_UP_DAYS - 1));
        if (m->processed_to < floor) {
                jumped = to - m->processed_to;
                m->processed_to = floor;
        }
        if (to - m->processed_to > LATE_MAX) {
                /* A stretch that can hold missed events: one line per entry and day. */
                missed_today = calloc(m->config->n_entries + 1, sizeof(bool));
                if (!missed_today)
                        log_oom(); /* then every missed event gets its line, as before */
        }
        p.missed_today = missed_today;

        while (m->processed_to < to) {
                usec_t day_end = local_midnight(m, m->processed_to, 1);
                usec_t until = day_end > m->processed_to && day_end < to ? day_end : to;

                r = process_day(m, c, m->processed_to, until, now, &p);
                if (r < 0) {
                        log_warning_errno(r, "Failed to compute the schedule's events, ignoring: %m");
                        m->processed_to = to;
                        break;
                }
                m->processed_to = until;
        }

        if (jumped > 0)
                log_info("The clock moved %llu days at once (or the system slept, or recharged was off): of the %zu "
                         "%s in the last %d days, %zu recorded as missed, one per entry and day at most.",
                         (unsigned long long) (jumped / USEC_PER_DAY), p.events,
                         p.events == 1 ? "block or reminder" : "blocks and reminders", CATCH_UP_DAYS, p.lines);
        else if (p.events > 0)
                log_info("%zu %s passed while recharged was not running, the system slept, or the clock jumped: "
                         "%zu recorded as missed, one per entry and day at most.", p.events,
                         p.events == 1 ? "block or reminder" : "blocks and reminders", p.lines);
}

void manager_catch_up(Manager *m, usec_t now, ManagerChange *c) {
        if (now > m->processed_to)
                process(m, c, now, now);
}

/* The clock went back to before a manual recharge began: it began now, it did not end. */
static void clock_went_back(Manager *m, usec_t now) {
        Overlay *o = &m->overlay;

        if (o->manual_since == 0 || o->manual_since <= now)
                return;
        for (size_t k = 0; k < m->n_active; k++)
                if (m->active[k].manual && m->active[k].start == o->manual_since) {
                        m->active[k].start = now;
                        m->active[k].began = MIN(m->active[k].began, now);
                }
        o->manual_since = now;
}

void manager_sync(Manager *m, usec_t now, ManagerChange *c) {
        if (now < m->processed_to)
                clock_went_back(m, now);
        process(m, c, now + 1, now);
        /* A manual recharge or a pause whose end has come, and overrides long past, go. */
        if (m->overlay.paused_since != 0 && m->overlay.paused_until != USEC_INFINITY && m->overlay.paused_until <= now)
                log_info("The pause is over: the schedule runs again.");
        engine_prune(m->engine, &m->overlay, now);
        if (m->overlay.manual_since == 0 && m->manual_message) {
                free(m->manual_message);
                m->manual_message = NULL;
        }
        manager_reconcile(m, c, now);
}

/* ---- the status ---- */

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

static int status_compute(Manager *m, usec_t now, ManagerStatus *ret) {
        ManagerStatus s = { .source = "", .next_event = "", .time_zone = tz_name(m->tz),
                           .presence = presence_to_string(m->presence) };
        EngineStatus st;
        Event next;
        int r;

        r = engine_cached_status(m->engine, &m->overlay, now, &st);
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

        r = engine_cached_next(m->engine, &m->overlay, now, &next);
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

        /* Paused shows while a manual recharge is on too: both are true. */
        s.paused_until = st.paused ? m->overlay.paused_until : 0;
        *ret = s;
        return 0;
oom:
        manager_status_done(&s);
        return -ENOMEM;
}

void manager_status_done(ManagerStatus *s) {
        free(s->entry);
        free(s->message);
        free(s->status_text);
        free(s->next_entry);
        s->entry = s->message = s->status_text = s->next_entry = NULL;
}

static uint64_t status_diff(const ManagerStatus *a, const ManagerStatus *b) {
        uint64_t mask = 0;

#define DIFF(p, cond) mask |= (cond) ? UINT64_C(1) << (p) : 0
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
        DIFF(PROP_TIME_ZONE, !streq_ptr(a->time_zone, b->time_zone));
        DIFF(PROP_PRESENCE, !streq_ptr(a->presence, b->presence));
#undef DIFF
        return mask;
}

int manager_entry_live(Manager *m, size_t i, usec_t now, EntryLive *ret) {
        usec_t s = 0, e = 0;
        int r;

        *ret = (EntryLive) {};
        if (i >= m->config->n_entries)
                return -EINVAL;
        r = engine_cached_entry_occurrence(m->engine, &m->overlay, i, now, &s, &e, NULL);
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

static usec_t earliest(usec_t a, usec_t b) {
        if (a == 0)
                return b;
        if (b == 0)
                return a;
        return MIN(a, b);
}

/* When the timer should fire: the next event, the end of a pause or a manual recharge (they
 * end without an engine event of their own), the next change of %left%, and the next change of
 * an entry's live state: a reminder held by a dnd block has no event at its time, but its
 * NextStart moves on then. That one is at least a second ahead: an entry whose time cannot be
 * known is looked at again a microsecond on, and must not make the timer spin. */
static usec_t next_wakeup(const Manager *m, usec_t now) {
        usec_t next = m->status.next_event_time;

        if (m->overlay.paused_since != 0 && m->overlay.paused_until != USEC_INFINITY && m->overlay.paused_until > now)
                next = earliest(next, m->overlay.paused_until);
        if (m->overlay.manual_since != 0 && m->overlay.manual_until > now)
                next = earliest(next, m->overlay.manual_until);
        if (m->live_due && m->n_live_due > 0 && m->live_due[0].at > now)
                next = earliest(next, MAX(m->live_due[0].at, now + USEC_PER_SEC));
        return earliest(next, status_text_refresh(m, now));
}

static void heap_push(Manager *m, size_t i, usec_t at);

/* The heap of LiveDue, earliest first. An entry looked at again (an action on it) is pushed
 * again: its earlier item stays behind, stale (live_next says its instant), until popped. */
static void live_push(Manager *m, size_t i, usec_t at) {
        if (!m->live_due)
                return;
        m->live_next[i] = at;
        if (m->n_live_due >= m->config->n_entries + 1) {
                /* Full of stale items: built again from each entry's latest instant. */
                m->n_live_due = 0;
                for (size_t j = 0; j < m->config->n_entries; j++)
                        heap_push(m, j, m->live_next[j]);
                return;
        }
        heap_push(m, i, at);
}

static void heap_push(Manager *m, size_t i, usec_t at) {
        LiveDue *h = m->live_due;
        size_t k;

        k = m->n_live_due++;
        while (k > 0 && h[(k - 1) / 2].at > at) {
                h[k] = h[(k - 1) / 2];
                k = (k - 1) / 2;
        }
        h[k] = (LiveDue) { at, i };
}

static size_t live_pop(Manager *m) {
        LiveDue *h = m->live_due, last = h[--m->n_live_due];
        size_t top = h[0].index, k = 0, n = m->n_live_due;

        for (;;) {
                size_t a = 2 * k + 1, b = a + 1, j = k;
                usec_t at = last.at;
                if (a < n && h[a].at < at)
                        j = a, at = h[a].at;
                if (b < n && h[b].at < at)
                        j = b;
                if (j == k)
                        break;
                h[k] = h[j];
                k = j;
        }
        if (n > 0)
                h[k] = last;
        return top;
}

/* Entry i's live state at now, into the change when it differs; and when to look again. */
static void live_update(Manager *m, size_t i, usec_t now, ManagerChange *c) {
        EntryLive l;
        usec_t again;

        if (manager_entry_live(m, i, now, &l) < 0) {
                live_push(m, i, now + 1);
                return;
        }
        /* The occurrence holds until the engine says; a block turns active at its start. */
        again = engine_cached_entry_until(m->engine, i);
        if (again <= now)
                again = now + 1;
        if (l.next_start > now)
                again = MIN(again, l.next_start);
        live_push(m, i, again);
        if (memcmp(&l, &m->entry_live[i], sizeof l) == 0)
                return;
        if (m->published) {
                ManagerLiveChange *v = reallocarray(c->live, c->n_live + 1, sizeof(ManagerLiveChange));
                if (!v) {
                        log_oom();
                        return;
                }
                c->live = v;
                v[c->n_live++] = (ManagerLiveChange) { .index = i, .old = m->entry_live[i] };
        }
        m->entry_live[i] = l;
}

/* Takes a new snapshot into the change: which properties differ, which entries' live state. */
void manager_publish(Manager *m, usec_t now, ManagerChange *c) {
        ManagerStatus s;
        int r;

        r = status_compute(m, now, &s);
        if (r < 0) {
                log_error_errno(r, "Failed to compute the status: %m");
                return;
        }
        /* The first snapshot is what everyone reads first: nothing "changed" yet. */
        if (m->published)
                c->status_mask |= status_diff(&m->status, &s);
        manager_status_done(&m->status);
        m->status = s;

        /* Every entry when the engine cannot say which changed (a pause, a Reload, a zone, the
         * clock back); else the entries an action changed, and those whose time came. */
        _cleanup_free_ size_t *changed = NULL;
        size_t n_changed = 0;
        uint64_t gen = m->live_generation;
        int rg = engine_cached_changed(m->engine, &m->overlay, now, &gen, &changed, &n_changed);
        if (!m->published || m->live_all || now < m->live_at || rg <= 0 || !m->live_due) {
                LiveDue *h = reallocarray(m->live_due, m->config->n_entries + 1, sizeof(LiveDue));
                usec_t *next = h ? reallocarray(m->live_next, m->config->n_entries + 1, sizeof(usec_t)) : NULL;
                if (next)
                        m->live_next = next;
                if (!h || !next) {
                        log_oom();
                        free(h ?: m->live_due);
                        m->live_due = NULL; /* then every entry each time, as a last resort */
                } else
                        m->live_due = h;
                m->n_live_due = 0;
                for (size_t i = 0; i < m->config->n_entries; i++)
                        live_update(m, i, now, c);
        } else {
                for (size_t k = 0; k < n_changed; k++)
                        live_update(m, changed[k], now, c);
                while (m->n_live_due > 0 && m->live_due[0].at <= now) {
                        usec_t at = m->live_due[0].at;
                        size_t i = live_pop(m);
                        if (at == m->live_next[i])
                                live_update(m, i, now, c);
                }
        }
        m->live_all = rg < 0 || !m->live_due;
        m->live_generation = gen;
        m->live_at = now;
        m->published = true;
        m->wakeup = next_wakeup(m, now);
}
