/* SPDX-License-Identifier: MIT */
/* partner-parse.h: a partner's iCalendar feed read into the busy blocks of a time window, pure:
 * text, the zone for floating times and the window in, sorted blocks out. libical reads the
 * text and expands the rules. */
#pragma once

#include <stddef.h>

#include "timeparse.h"
#include "tz.h"

/* A feed larger than this is refused before it is parsed: 4 MiB holds years of a busy
 * calendar (an event is about 300 bytes), and a 100 MB feed must not take the memory. */
#define PARTNER_FEED_MAX (4u * 1024 * 1024)
/* VEVENTs in one feed, blocks in one window, iterations of one rule, and of all the feed's
 * rules: the limits of the work a feed can make us do. The last is what bounds the time: the
 * others multiply (20000 rules of 100000 iterations each, about 2.5 µs an iteration, were more
 * than an hour of CPU at every refresh), and it still lets 100 daily rules run from 2000 to now. */
#define PARTNER_EVENTS_MAX 20000u
#define PARTNER_BLOCKS_MAX 5000u
#define PARTNER_ITERATIONS_MAX 100000u
#define PARTNER_FEED_ITERATIONS_MAX 1000000u

typedef struct PartnerBlock {
        usec_t start, end; /* µs since the epoch, start < end */
} PartnerBlock;

/* Reads the VCALENDARs in text (len bytes; several may follow each other, as a CalDAV REPORT's
 * resources do) and returns the busy blocks that overlap [from, to), sorted by start, exact
 * duplicates once. Recurrences (RRULE, RDATE) are expanded with EXDATE and RECURRENCE-ID
 * overrides; all-day, TRANSP:TRANSPARENT and STATUS:CANCELLED events are left out; with match
 * (non-NULL, non-empty) only events whose SUMMARY contains it, ignoring case. Floating times
 * are in local. Errors: -EFBIG over PARTNER_FEED_MAX, -EBADMSG not iCalendar or cut short,
 * -E2BIG over one of the limits, -ENOMEM. */
int partner_parse(const char *text, size_t len, const char *match, const Tz *local, usec_t from, usec_t to,
                  PartnerBlock **ret, size_t *ret_n);

/* Where the partner is at now, from sorted blocks: the block on now (overlapping and touching
 * blocks joined, so until is when the partner is free again) and the next one after it. Zero
 * when none. */
typedef struct PartnerNow {
        usec_t since, until;          /* the block on now */
        usec_t next_start, next_end;  /* the next block that starts after now (after until) */
} PartnerNow;
PartnerNow partner_now(const PartnerBlock *v, size_t n, usec_t now);
