/* SPDX-License-Identifier: MIT */
/* share-status.h: what recharged-share (org.recharged.Share1) says, as one plain struct: the
 * sharing state and the partner's alone time. Filled from the bus by share-bus.c. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "timeparse.h"

#define SHARE1_BUS_NAME "org.recharged.Share1"
#define SHARE1_OBJECT_PATH "/org/recharged/Share1"
#define SHARE1_INTERFACE "org.recharged.Share1"

/* A partner's copy older than this is shown with its age: four refreshes at the default 15 min. */
#define PARTNER_STALE_USEC USEC_PER_HOUR

/* The properties of org.recharged.Share1. online is false when recharged-share did not answer
 * (not running, or too slow): then nothing of it is shown. Strings are owned, never NULL once
 * share_status_init() ran; "" when recharged-share does not have the property. */
typedef struct ShareStatus {
        bool online;
        char *state;           /* "idle", "syncing", "offline", "refused", "disabled" */
        usec_t last_sync;      /* when the calendar last matched the schedule, 0 never */
        char *last_error;
        uint32_t published;
        char *partner_name;    /* "" when no partner is followed */
        char *partner_mode;    /* "recharging", "available", "unknown" */
        usec_t partner_until;  /* end of the partner's current block, 0 none */
        usec_t partner_next_start, partner_next_end;
        usec_t partner_updated; /* last good read of the partner's calendar, 0 never */
} ShareStatus;

int share_status_init(ShareStatus *s); /* strings "", online false; -ENOMEM */
void share_status_done(ShareStatus *s);

/* Whether a partner is followed (and so shown). */
static inline bool share_has_partner(const ShareStatus *s) {
        return s->online && s->partner_name && *s->partner_name;
}
