/* SPDX-License-Identifier: MIT */
/* ical.h: the schedule as iCalendar (RFC 5545): recurring VEVENTs for the rules, with what the
 * daemon plans differently (skips, snoozes, pauses, a manual recharge) written as exceptions, and
 * a VTIMEZONE built from our own zone code, so a partner's calendar shows the same local times.
 * Pure. */
#pragma once

#include <stdio.h>

#include "config.h"
#include "tz.h"

/* One event of the daemon's plan (its Upcoming). */
typedef enum IcalKind {
        ICAL_START,
        ICAL_END,
        ICAL_REMINDER,
} IcalKind;

#define ICAL_MANUAL (-1)

typedef struct IcalEvent {
        int entry;           /* index into the entries, ICAL_MANUAL for the manual recharge */
        IcalKind kind;
        usec_t time;
} IcalEvent;

typedef struct IcalOptions {
        const Tz *tz;
        const char *tzid;    /* the zone's name in the file ("Europe/Berlin") */
        usec_t now;          /* DTSTAMP; the recurrences start the local day before now's */
        unsigned days;       /* 0: recurrences never end; else they end after this many days from
                              * now's local midnight */
        bool no_reminders;   /* blocks only (the reminders are in by default) */
        const char *prodid_version;

        /* The daemon's plan over [ical_first_day()'s midnight, plan_to), in time order. Where it
         * differs from the rules the calendar says so: a left-out occurrence as EXDATE, a moved
         * or lengthened one as a RECURRENCE-ID override with its real times, the manual recharge
         * as a one-off event. Compared up to plan_to minus two days (the end of the range with
         * `days`); the rules alone when NULL. */
        const IcalEvent *plan;
        size_t n_plan;
        usec_t plan_to;
        usec_t manual_since;        /* the manual recharge's start, when it began before the plan */
        const char *manual_message;
        bool paused_indefinitely;   /* paused until Resume: no blocks, no reminders */
} IcalOptions;

/* Writes a whole VCALENDAR with CRLF line ends, lines folded at 75 octets. Disabled entries are
 * left out (they never fire); reminders are moments (DURATION:PT0S), their times grouped into as
 * few RRULEs (BYHOUR × BYMINUTE × BYSECOND) as give them exactly. Returns 0, or a negative errno
 * (the stream failed, or out of memory). */
int ical_write(FILE *f, const Entry *entries, size_t n_entries, const IcalOptions *o);

/* The calendar's first local day (days since 1970-01-01): the day before now's, so that a block
 * begun yesterday and still on is in it. The plan is wanted from its midnight. */
int64_t ical_first_day(const Tz *tz, usec_t now);

/* Pieces, for the tests. */
/* One content line: escaped already, folded here, CRLF appended. */
void ical_line(FILE *f, const char *line);
/* TEXT value escaping (backslash, ';', ',', newline); a new string or NULL. */
char *ical_escape(const char *s);
/* The VTIMEZONE for [from, to) (seconds since the epoch). */
void ical_vtimezone(FILE *f, const Tz *tz, const char *tzid, int64_t from, int64_t to, bool open_ended);
