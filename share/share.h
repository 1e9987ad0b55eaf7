/* SPDX-License-Identifier: MIT */
/* share.h: recharged-share's state: the config, what is published, the sync with the calendar,
 * the org.recharged.Share1 object. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "http.h"
#include "plan.h"

#define SHARE_BUS_NAME "org.recharged.Share1"
#define SHARE_OBJECT_PATH "/org/recharged/Share1"
#define SHARE_INTERFACE "org.recharged.Share1"

typedef enum ShareState {
        SHARE_DISABLED,
        SHARE_IDLE,
        SHARE_SYNCING,
        SHARE_OFFLINE,
        SHARE_REFUSED,
        _SHARE_STATE_MAX,
        _SHARE_STATE_INVALID = -EINVAL,
} ShareState;
const char *share_state_to_string(ShareState s);
ShareState share_state_from_string(const char *s);

/* Retries while offline: the first after this, doubling each time, never more than the cap. */
#define SHARE_RETRY_FIRST_USEC (5 * USEC_PER_SEC)
#define SHARE_RETRY_CAP_USEC (15 * USEC_PER_MINUTE)
/* Changes that come together are sent together. */
#define SHARE_DEBOUNCE_USEC (200 * USEC_PER_MSEC)
/* The horizon moves forward this often even when nothing changes. */
#define SHARE_HORIZON_USEC USEC_PER_DAY
/* A precondition that fails again right after a reconcile: someone else keeps writing. */
#define SHARE_RECONCILE_MAX 3

typedef struct Share Share;

int share_new(sd_event *event, const char *config_path, Share **ret);
Share *share_free(Share *s);
static inline void share_freep(Share **s) {
        share_free(*s);
}

/* Reads the config (again): -EINVAL with the errors logged when it is bad. */
int share_load_config(Share *s);
/* Connects to the user bus, exports the object, follows recharged, owns the name. */
int share_connect(Share *s);
/* Starts: a reconcile with the calendar, then a sync. */
void share_start(Share *s);
/* Saves what is published. */
int share_save(Share *s);
