/* SPDX-License-Identifier: MIT */
/* manager.h: the daemon's state machine: config, zone, engine and overlay, what is on, and the
 * one path every change takes: validate → pure change → sync(now) → one save → one change set
 * handed to the listeners. Time always comes in as an argument: the clock is read by the callers
 * at the boundary (timer, method handler, notification action), so tests drive it in-process.
 * Method handlers and notification actions read it through manager_now(m) (m->clock: CLOCK_REALTIME
 * in the daemon), so an in-process test of a listener that acts gives it the test's instant. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "engine.h"
#include "history.h"
#include "mode.h"
#include "presence.h"
#include "state.h"
#include "status-props.h"
#include "tz.h"

/* What the root object shows: a snapshot taken after every change, so every reader (property,
 * GetStatus, PropertiesChanged) sees the same values. */
typedef struct ManagerStatus {
        Mode mode;
        bool dnd;
        const char *source;      /* "schedule", "manual", "" (static strings) */
        char *entry;
        usec_t since, until;
        char *message;
        char *status_text;
        char *next_entry;
        const char *next_event;  /* event_kind_to_string() or "" */
        usec_t next_event_time;
        usec_t paused_until;
        const char *time_zone;   /* the zone's name, owned by the Tz */
        const char *presence;    /* "active", "idle", "locked", "unknown" (static) */
} ManagerStatus;

/* The time-dependent properties of an entry object, cached to emit PropertiesChanged. */
typedef struct EntryLive {
        bool active;
        usec_t next_start, next_end;
} EntryLive;

/* What happened, in time order, for whoever listens. */
typedef enum ManagerEventKind {
        MANAGER_EVENT_RECHARGE_STARTED,
        MANAGER_EVENT_RECHARGE_ENDED,
        MANAGER_EVENT_RECHARGE_CHANGED,  /* its end moved (Extend) */
        MANAGER_EVENT_HEADS_UP,
        MANAGER_EVENT_REMINDER_DUE,
        MANAGER_EVENT_WELCOME_BACK,      /* the person is back, and a block ended while they were
                                          * away: its end notification, worded for the return. A
                                          * kind of its own, not a second RECHARGE_ENDED, so the
                                          * on-end hook and the RechargeEnded signal stay once. */
        _MANAGER_EVENT_MAX,
} ManagerEventKind;

typedef struct ManagerEvent {
        ManagerEventKind kind;
        bool manual;
        const char *source;      /* "schedule" / "manual" (recharges) */
        char entry[RECHARGED_ENTRY_NAME_MAX + 1]; /* entry name, "" for manual */
        char *message;           /* the recharge's or the entry's message (owned by the change) */
        const char *how;         /* RECHARGE_ENDED: "completed" or "stopped" */
        usec_t of;               /* the occurrence's identity (planned start / due time), 0 manual */
        usec_t start;            /* recharges: since; HEADS_UP: when the block starts; REMINDER: due */
        usec_t until;            /* recharges, HEADS_UP: the (planned) end, 0 open-ended */
        bool dnd;                /* recharges: with do-not-disturb */
        bool late;               /* STARTED/ENDED: not at its time (restart, resume, clock jump) */
        bool held;               /* REMINDER_DUE: released at the end of a dnd recharge or the return */
        bool recharging;         /* ENDED: another recharge goes on; HEADS_UP: one is on now */
        uint32_t note;           /* ENDED/CHANGED/WELCOME_BACK: the start notification's id, 0 unknown */
        bool away;               /* ENDED: the person was away from the screen (locked or idle):
                                  * no nudge now, a WELCOME_BACK follows when they return */
        usec_t away_time;        /* ENDED/WELCOME_BACK: how long they were away during it */
        char *digest;            /* ENDED: "Signal 3 · Mail 5", what other apps sent during the dnd
                                  * recharges that just ended, "" none (owned by the change) */
} ManagerEvent;

typedef struct ManagerLiveChange {
        size_t index;
        EntryLive old;           /* the new one is Manager.entry_live[index] */
} ManagerLiveChange;

/* One change, as the listeners get it: every event in time order, then what it changed. */
typedef struct ManagerChange {
        usec_t now;
        ManagerEvent *events;
        size_t n_events;
        uint64_t status_mask;    /* a bit per StatusProperty */
        ManagerLiveChange *live;
        size_t n_live;
        const Config *old_config; /* a reload: the schedule before (entries added, removed, changed) */
        ActionKind action;       /* what a caller asked, _ACTION_INVALID for time passing */
        char action_entry[RECHARGED_ENTRY_NAME_MAX + 1];
        HistoryEvent *history;   /* lines to append, written once after the save */
        size_t n_history;
} ManagerChange;

typedef struct Manager Manager;

typedef struct LiveDue {
        usec_t at;
        size_t index;
} LiveDue;
typedef void (*ManagerListenFunc)(Manager *m, const ManagerChange *c, void *userdata);

/* Listeners hear a change in this order, whatever order they were added in. */
typedef enum ManagerListener {
        LISTENER_TIMER,
        LISTENER_BUS,
        LISTENER_NOTIFY,
        LISTENER_SILENCE,
        LISTENER_HOOKS,
        LISTENER_TEST,
        _LISTENER_MAX,
} ManagerListener;

/* A recharge we announced as started and not yet as ended: the state's record. */
typedef StateActive ActiveRecharge;

/* The per-entry bus objects need a stable pointer back to the manager and the index. */
typedef struct EntryObject {
        Manager *manager;
        size_t index;
} EntryObject;

typedef struct Action {
        ActionKind kind;
        const char *entry;       /* entry name as given */
        usec_t duration;
        const char *message;
} Action;

/* StartNow is accepted from the heads-up on, and at least this long before the start. */
#define START_NOW_AHEAD_MIN USEC_PER_HOUR
/* After a long sleep or a clock jump, what passed is recorded as missed this far back at most. */
#define CATCH_UP_MAX (7 * USEC_PER_DAY)
/* An event this late was slept through or jumped over: recorded, not shown. */
#define LATE_MAX (60 * USEC_PER_SEC)
/* History lines kept in memory while the history cannot be written. */
#define HISTORY_PENDING_MAX 4096
/* The digest keeps this many app names, each cut to this many bytes. */
#define DIGEST_APPS_MAX 16
#define DIGEST_APP_MAX 32
/* Extends add up to at most this past the recharge's start. */
#define RECHARGE_LENGTH_MAX RECHARGED_DURATION_MAX

struct Manager {
        usec_t (*clock)(void);   /* manager_clock (CLOCK_REALTIME); a test sets its own */
        sd_event *event;
        sd_bus *bus;
        sd_bus *system_bus;
        sd_bus_slot *sleep_slot;
        PresenceWatch *presence_watch;

        sd_event_source *timer;
        sd_event_source *clock_watch;
        int clock_fd;
        sd_event_source *tz_watch;
        sd_event_source *sig_term, *sig_int, *sig_hup;

        char *config_override;   /* --config */
        Config *config;
        Tz *tz;
        Engine *engine;
        Overlay overlay;
        char *manual_message;
        ActiveRecharge *active;
        size_t n_active;
        StateSilence silence[STATE_SILENCE_MAX]; /* what silencing changed on servers */
        size_t n_silence;
        usec_t processed_to;     /* events before this instant are handled */
        usec_t processed_mark;   /* what the state file says of it: moved when events are handled */
        char *saved;             /* the state file's text as last written, NULL before */
        StateText *state_text;   /* its records kept formatted: a save formats what changed */
        unsigned saves;          /* how often it was written: one save per change, tests check */
        struct BeginSave *begin_save; /* a start-up's save that nobody hears of, while the loop answers */
        HistoryEvent *history_pending; /* lines a failed append left, written with the next */
        size_t n_history_pending;
        bool history_failed;     /* said once until an append works again */

        char *state_dir, *state_path, *history_path;
        HistorySummary *history_summary; /* the history by day, for GetStats (NULL until read) */
        sd_event_source *history_build;  /* reads it in pieces while idle, after start-up */
        /* GetStats calls that came while the history still had more than a piece to read: they
         * are answered when the read ends (the loop serves others meanwhile). */
        sd_bus_message **stats_waiting;
        size_t n_stats_waiting;
        void (*stats_answer)(Manager *m); /* the bus answers them; set by the bus listener */

        ManagerStatus status;
        bool published;          /* a first snapshot was taken */
        EntryLive *entry_live;
        /* When each entry's live state can next change by time alone, earliest first (a heap):
         * a boundary looks at those entries only, while the engine's answers stay the same
         * (live_generation). live_all: look at every entry at the next publish. */
        LiveDue *live_due;
        size_t n_live_due;
        usec_t *live_next;       /* per entry, its latest instant in live_due (older ones are stale) */
        uint64_t live_generation;
        usec_t live_at;
        bool live_all;
        EntryObject *entry_objects;
        usec_t wakeup;           /* when the timer should fire next, 0 never */

        Presence presence;       /* as logind last said, PRESENCE_UNKNOWN before */
        usec_t away_since;       /* away from the screen since (the hint's time), 0 not away */
        ActiveRecharge *welcome; /* blocks that ended while away: greeted at the return */
        size_t n_welcome;

        /* Other apps' notifications during dnd recharges, by app name: counts only, in memory. */
        struct {
                char app[DIGEST_APP_MAX + 1];
                uint32_t count;
        } digest[DIGEST_APPS_MAX];
        size_t n_digest;
        uint32_t digest_other;   /* apps beyond DIGEST_APPS_MAX */
        struct Digest *digest_watch;

        struct {
                ManagerListenFunc func;
                void *userdata;
        } listeners[_LISTENER_MAX];
        /* Our own notifications wait while silencing changes a server that must not draw
         * meanwhile (manager_hold_notifications()); notify_resume sends what waited. */
        bool notify_held;
        void (*notify_resume)(void *userdata);
        void *notify_resume_data;
        usec_t notify_sent;      /* CLOCK_MONOTONIC: our last Notify or CloseNotification (silencing) */
};

int manager_new(const char *config_override, Manager **ret);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}

/* Loads the config for the first time; -EINVAL with the lines logged on a bad file. */
int manager_load_config(Manager *m);
/* Reads the state file and brings everything in line with now: what passed while not running
 * is recorded (missed, or shown when only just due), what is on carries on. One save. */
int manager_begin(Manager *m, usec_t now);
/* Sets up the timers, signals and watches, connects the bus, then manager_begin() (daemon). */
int manager_start(Manager *m);

/* CLOCK_REALTIME, for the callers at the boundary. */
usec_t manager_clock(void);
/* The instant a handler at the boundary acts at: m->clock, which is manager_clock() but in a test. */
static inline usec_t manager_now(const Manager *m) {
        return m->clock();
}

/* The one path of every state change. On failure the state is exactly as before and error
 * (may be NULL) says why in words a person understands. */
int manager_act(Manager *m, const Action *a, usec_t now, sd_bus_error *error);
/* Time passed (the timer, a clock change, a resume): handles what fell due up to now. */
void manager_tick(Manager *m, usec_t now, bool clock_changed);
/* The session's presence changed (logind): p since `since` (when the idle began; 0 or later than
 * now: now). Going away holds the reminders that fall due; coming back (active, or unknown: we
 * can no longer tell) releases them, once each, and greets what ended meanwhile. */
void manager_set_presence(Manager *m, Presence p, usec_t since, usec_t now);
/* Another application sent a notification (the digest's monitor): counted by app name while a
 * dnd recharge is on and `digest` is on; nothing is saved or announced until the recharge ends. */
void manager_count_notification(Manager *m, const char *app);
/* Re-reads the config; a bad or missing file changes nothing (error: InvalidConfig). */
int manager_reload(Manager *m, usec_t now, sd_bus_error *error);
/* The local time zone changed: tz is taken. */
int manager_set_zone(Manager *m, Tz *tz, usec_t now);
/* Saves the state now if it differs from the file (SIGTERM). */
int manager_save(Manager *m);

/* The notifier learned the id of a recharge's start notification: kept in the state, so the end
 * replaces it after a restart too. */
void manager_set_note(Manager *m, bool manual, const char *entry, usec_t of, uint32_t id);
/* Silencing records what it changed on a server (before: the value to put back), or drops the
 * record (before NULL). Saved before it returns: ≥ 0 only once on disk. */
int manager_set_silence(Manager *m, const char *server, const char *before);
const char *manager_get_silence(const Manager *m, const char *server);

/* Silencing holds our own notifications back while it changes a server that must not draw
 * meanwhile (mako), and lets them go when it is done: the notifier then sends them in order. */
void manager_hold_notifications(Manager *m, bool hold);

int manager_add_listener(Manager *m, ManagerListener slot, ManagerListenFunc func, void *userdata);
void manager_remove_listener(Manager *m, ManagerListener slot);

/* Entry helpers for the bus. */
int manager_entry_by_name(Manager *m, const char *name, sd_bus_error *error);
int manager_entry_live(Manager *m, size_t i, usec_t now, EntryLive *ret);
/* The stats of [since, now], from the history's per-day summary (read on first, if needed). */
int manager_stats(Manager *m, usec_t since, usec_t now, Stats *ret);
/* The last (at most) max_days local days of [since, now], oldest first (*ret malloc'ed). */
int manager_stats_days(Manager *m, usec_t since, usec_t now, size_t max_days, HistoryDay **ret, size_t *ret_n);
/* Starts reading the history's summary in pieces while the loop is idle (after start-up). */
void manager_stats_prepare(Manager *m);
/* Reads at most one piece of what the history has beyond the summary: 1 when the summary is
 * caught up (GetStats can be answered now), 0 when more is left (reading it goes on while the
 * loop is idle, and stats_answer is called at the end), or a negative errno. */
int manager_stats_ready(Manager *m);
/* Keeps a GetStats call until the history is read; -EBUSY when too many already wait. */
int manager_stats_wait(Manager *m, sd_bus_message *call);
#define MANAGER_STATS_WAITING_MAX 64
char *manager_format_local(const Manager *m, usec_t t); /* "HH:MM" local, "" for 0 */

/* Internal to manager*.c. */
/* What a change may undo when the save fails: everything sync and the pure changes touch. */
typedef struct ManagerSnapshot {
        Overlay overlay;
        char *manual_message;
        ActiveRecharge *active, *welcome;
        size_t n_active, n_welcome;
        usec_t processed_to, processed_mark;
} ManagerSnapshot;
int manager_snapshot_take(Manager *m, ManagerSnapshot *ret);
void manager_snapshot_restore(Manager *m, ManagerSnapshot *s);
void manager_snapshot_done(ManagerSnapshot *s);
/* Appends the change's history lines (and any an earlier failure left waiting). */
int manager_history_write(Manager *m, ManagerChange *c);
/* Handles what fell due before now (not at now): ahead of a change that applies at now. */
void manager_catch_up(Manager *m, usec_t now, ManagerChange *c);
/* Ends what is no longer on (a change ended it: "stopped"), starts what is on, says what moved. */
void manager_reconcile(Manager *m, ManagerChange *c, usec_t now);
/* Handles everything due up to now, ends and starts what the engine says, once each. */
void manager_sync(Manager *m, usec_t now, ManagerChange *c);
void manager_publish(Manager *m, usec_t now, ManagerChange *c);
void manager_emit(Manager *m, ManagerChange *c);
void manager_change_done(ManagerChange *c);
void manager_status_done(ManagerStatus *s); /* frees the strings, keeps the rest */
int manager_commit(Manager *m);
/* The state file's text for what the manager holds now, as manager_commit() writes it: from the
 * entries' kept records, or (whole) built and formatted from scratch; the two are equal. */
int manager_state_text(Manager *m, bool whole, char **ret_text);
void manager_record(ManagerChange *c, HistoryKind kind, usec_t time, bool manual, const char *entry, usec_t of,
                    usec_t planned, usec_t kept);
/* The person is back at now: the away time goes to what is on, the welcomes out, the hold ends. */
void manager_come_back(Manager *m, ManagerChange *c, usec_t now);

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
