/* SPDX-License-Identifier: MIT */
/* manager.h: the daemon's state machine: config, zone, engine and overlay, the one timer, clock
 * and sleep watches, persistence, and the one path every state change takes. */
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
#include "state.h"
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
} ManagerStatus;

/* Root properties in the order of the contract; a bit per property in a change mask. */
typedef enum StatusProperty {
        PROP_MODE,
        PROP_DO_NOT_DISTURB,
        PROP_SOURCE,
        PROP_ENTRY,
        PROP_SINCE,
        PROP_UNTIL,
        PROP_MESSAGE,
        PROP_STATUS_TEXT,
        PROP_NEXT_ENTRY,
        PROP_NEXT_EVENT,
        PROP_NEXT_EVENT_TIME,
        PROP_PAUSED_UNTIL,
        _PROP_MAX,
} StatusProperty;
extern const char * const status_property_names[_PROP_MAX];

/* The time-dependent properties of an entry object, cached to emit PropertiesChanged. */
typedef struct EntryLive {
        bool active;
        usec_t next_start, next_end;
} EntryLive;

/* What happened, for whoever listens: the bus signals today, notifications and hooks later. */
typedef enum ManagerEventKind {
        MANAGER_EVENT_RECHARGE_STARTED,
        MANAGER_EVENT_RECHARGE_ENDED,
        MANAGER_EVENT_HEADS_UP,
        MANAGER_EVENT_REMINDER_DUE,
        _MANAGER_EVENT_MAX,
} ManagerEventKind;

typedef struct ManagerEvent {
        ManagerEventKind kind;
        const char *source;      /* "schedule" / "manual" (recharges) */
        const char *entry;       /* entry name, "" for manual */
        const char *message;
        const char *how;         /* RECHARGE_ENDED: "completed" or "stopped" */
        usec_t start;            /* HEADS_UP: when the block starts; STARTED: since */
        usec_t until;            /* STARTED: planned end, 0 open-ended */
        bool dnd;                /* STARTED: with do-not-disturb */
        bool late;               /* STARTED: started after the planned time (resume, clock jump) */
} ManagerEvent;

typedef struct Manager Manager;
typedef void (*ManagerEventFunc)(Manager *m, const ManagerEvent *ev, void *userdata);
#define MANAGER_LISTENERS_MAX 8

/* A recharge we announced as started and not yet as ended. */
typedef struct ActiveRecharge {
        char entry[RECHARGED_ENTRY_NAME_MAX + 1]; /* "" for the manual one */
        bool manual;
        usec_t of, start, end;
        usec_t began;            /* when it really began for the user (late start: the moment) */
} ActiveRecharge;
#define ACTIVE_MAX (RECHARGED_ENTRIES_MAX + 1)

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

struct Manager {
        sd_event *event;
        sd_bus *bus;
        sd_bus *system_bus;
        sd_bus_slot *sleep_slot;

        sd_event_source *timer;
        sd_event_source *clock_watch;
        int clock_fd;
        sd_event_source *tz_watch;
        sd_event_source *sig_term, *sig_int, *sig_hup, *sig_usr1;

        char *config_override;   /* --config */
        Config *config;
        Tz *tz;
        Engine *engine;
        Overlay overlay;
        char *manual_message;
        State *state;            /* as last saved; keeps the silence records of issue 5 */

        char *state_dir, *state_path, *history_path;

        usec_t processed_to;     /* events before this instant are handled */
        ActiveRecharge *active;
        size_t n_active;

        ManagerStatus status;
        bool published;          /* a first snapshot was taken */
        EntryLive *entry_live;
        EntryObject *entry_objects;

        struct {
                ManagerEventFunc func;
                void *userdata;
        } listeners[MANAGER_LISTENERS_MAX];
        size_t n_listeners;

        int64_t clock_offset;    /* µs, test builds only (RECHARGED_TEST_CLOCK_FILE) */
};

int manager_new(const char *config_override, Manager **ret);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}

/* Loads the config for the first time; -EINVAL with the lines logged on a bad file. */
int manager_load_config(Manager *m);
/* Reads the state, sets up the timers, signals and watches, connects the bus. */
int manager_start(Manager *m);

/* The current instant: CLOCK_REALTIME (plus the test offset in test builds). */
usec_t manager_now(const Manager *m);

/* The one path of every state change. On failure the state is exactly as before and error
 * (may be NULL) says why in words a person understands. */
int manager_act(Manager *m, const Action *a, sd_bus_error *error);
/* Re-reads the config; a bad file changes nothing (error: InvalidConfig with the lines). */
int manager_reload(Manager *m, sd_bus_error *error);
/* Saves the state now (SIGTERM). */
int manager_save(Manager *m);

/* Brings everything up to date with the clock: handles due events, re-arms the timer, publishes
 * the status. clock_changed: the wall clock jumped or we resumed; events long past are missed. */
void manager_recompute(Manager *m, bool clock_changed);

int manager_add_listener(Manager *m, ManagerEventFunc func, void *userdata);

/* Entry helpers for the bus. */
int manager_entry_by_name(Manager *m, const char *name, sd_bus_error *error);
int manager_entry_live(Manager *m, size_t i, usec_t now, EntryLive *ret);
int manager_stats(Manager *m, usec_t since, Stats *ret);
char *manager_format_local(const Manager *m, usec_t t); /* "HH:MM" local, "" for 0 */

/* Internal to manager*.c. */
int manager_load_state(Manager *m);
/* Test builds: re-reads RECHARGED_TEST_CLOCK_FILE into clock_offset; a no-op otherwise. */
void manager_read_test_clock(Manager *m);
void manager_process(Manager *m, usec_t to, usec_t now);
void manager_record_missed_while_off(Manager *m, usec_t now);
void manager_reconcile(Manager *m, usec_t now, bool startup);
void manager_publish(Manager *m, usec_t now);
void manager_expire(Manager *m, usec_t now);
void manager_record(Manager *m, HistoryKind kind, usec_t time, bool manual, const char *entry, usec_t of,
                    usec_t planned, usec_t kept);

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
