/* SPDX-License-Identifier: MIT */
/* plan.h: what the calendar should hold, and what to send to make it so. Pure: the schedule, the
 * published map and the time come in as values; the requests to make come out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "timeparse.h"

typedef enum OccurrenceKind {
        OCC_BLOCK,    /* a scheduled recharge block */
        OCC_MANUAL,   /* a manual recharge */
        OCC_REMINDER, /* a self-care reminder (only with reminders = yes) */
        _OCC_KIND_MAX,
        _OCC_KIND_INVALID = -EINVAL,
} OccurrenceKind;
const char *occurrence_kind_to_string(OccurrenceKind k);
OccurrenceKind occurrence_kind_from_string(const char *s);

/* The longest UID: "recharged-reminder-" + an entry name + "-" + a UTC stamp. */
#define PLAN_UID_MAX 128

/* One event on the calendar, as published or as wanted. */
typedef struct Occurrence {
        char uid[PLAN_UID_MAX];  /* stable: kind, entry and planned start; also the resource name */
        OccurrenceKind kind;
        usec_t start, end;       /* whole seconds; end == start for a reminder */
        char *summary;           /* what show = allows, one line */
        char *etag;              /* as published; NULL when wanted, or not known */
} Occurrence;

void occurrence_done(Occurrence *o);
void occurrences_free(Occurrence *v, size_t n);

/* The UID of an occurrence: "recharged-block-ENTRY-YYYYMMDDTHHMMSSZ", "recharged-manual-…",
 * "recharged-reminder-ENTRY-…". Returns 0 or -EINVAL (an entry name that cannot be in one). */
int plan_uid(OccurrenceKind kind, const char *entry, usec_t start, char ret[static PLAN_UID_MAX]);
/* Reads a UID back: its kind and planned start. -EINVAL when it is not one of ours. */
int plan_uid_parse(const char *uid, OccurrenceKind *ret_kind, usec_t *ret_start);

/* The summary a partner sees for show: busy "Busy"; title "Alone time" ("Self-care" for a
 * reminder); message: the title and the message. NULL on ENOMEM. */
char *plan_summary(ShareShow show, OccurrenceKind kind, const char *message);

/* What recharged says, as the planner needs it. */
typedef struct PlanEvent {
        const char *entry, *type, *event; /* as Upcoming() returns them */
        usec_t time;
} PlanEvent;
typedef struct PlanStatus {
        bool recharging;
        const char *source, *entry, *message;
        usec_t since, until;
} PlanStatus;
typedef const char *(*plan_message_t)(const char *entry, void *userdata);

/* An open-ended manual recharge is shown in steps of this from its start, always at least half
 * a step ahead of now, so its end moves only when it is renewed (not at every sync). */
#define PLAN_OPEN_ENDED_USEC (60 * USEC_PER_MINUTE)
usec_t plan_open_ended_end(usec_t since, usec_t now);

/* The occurrences the calendar should hold at now: the recharge on now (from the status), each
 * block that starts before now + days (its end is the entry's next "end" in events), and the
 * reminders too when asked. Sorted by uid, no duplicates. */
int plan_wanted(const ShareConfig *cfg, const PlanStatus *status, const PlanEvent *events, size_t n_events,
                plan_message_t message_of, void *userdata, usec_t now, Occurrence **ret, size_t *ret_n);

typedef enum PlanOpKind {
        PLAN_CREATE, /* PUT with If-None-Match: * */
        PLAN_UPDATE, /* PUT with If-Match: the stored ETag */
        PLAN_DELETE, /* DELETE with If-Match */
        _PLAN_OP_MAX,
} PlanOpKind;

typedef struct PlanOp {
        PlanOpKind kind;
        size_t published; /* index into the published list given (UPDATE, DELETE), else SIZE_MAX */
        Occurrence want;  /* what to write (CREATE, UPDATE), a copy; for DELETE only its uid */
} PlanOp;

void plan_ops_free(PlanOp *v, size_t n);

/* What to send so that the calendar holds wanted. What is over as published (its end ≤ now) is
 * left as it is: the partner's calendar keeps what happened. What was on at now as published but
 * is not wanted any more ended early: it is updated to end at now. What lies ahead and is not
 * wanted is deleted. Both lists sorted by uid. */
int plan_diff(const Occurrence *published, size_t n_published, const Occurrence *wanted, size_t n_wanted,
              usec_t now, PlanOp **ret, size_t *ret_n);

/* Whether two occurrences would be written the same. */
bool occurrence_same(const Occurrence *a, const Occurrence *b);

/* The map of what is published, one line each: uid, etag, start, end, kind, summary, tab
 * separated. Parse: unreadable lines are dropped (a reconcile finds their events again). */
int plan_map_format(const Occurrence *v, size_t n, char **ret);
int plan_map_parse(const char *text, Occurrence **ret, size_t *ret_n);

/* Sorts by uid; the later of two with the same uid wins (the other is dropped). */
void plan_sort(Occurrence *v, size_t *n);
/* Index of uid in a sorted list, or -ENOENT. */
ssize_t plan_find(const Occurrence *v, size_t n, const char *uid);
