/* SPDX-License-Identifier: MIT */
/* ical.h: the schedule as iCalendar (RFC 5545): one recurring VEVENT per rule, and a VTIMEZONE
 * built from our own zone code, so a partner's calendar shows the same local times. Pure. */
#pragma once

#include <stdio.h>

#include "config.h"
#include "tz.h"

typedef struct IcalOptions {
        const Tz *tz;
        const char *tzid;    /* the zone's name in the file ("Europe/Berlin") */
        usec_t now;          /* DTSTAMP, and the recurrences start on now's local day */
        unsigned days;       /* 0: recurrences never end; else they end after this many days */
        bool no_reminders;   /* blocks only (the reminders are in by default) */
        const char *prodid_version;
} IcalOptions;

/* Writes a whole VCALENDAR with CRLF line ends, lines folded at 75 octets. Disabled entries are
 * left out (they never fire); reminders are moments (DURATION:PT0S). Returns 0, or a negative
 * errno when the stream fails. */
int ical_write(FILE *f, const Entry *entries, size_t n_entries, const IcalOptions *o);

/* Pieces, for the tests. */
/* One content line: escaped already, folded here, CRLF appended. */
void ical_line(FILE *f, const char *line);
/* TEXT value escaping (backslash, ';', ',', newline); a new string or NULL. */
char *ical_escape(const char *s);
/* The VTIMEZONE for [from, to) (seconds since the epoch). */
void ical_vtimezone(FILE *f, const Tz *tz, const char *tzid, int64_t from, int64_t to, bool open_ended);
