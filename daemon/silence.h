/* SPDX-License-Identifier: MIT */
/* silence.h: holds other apps' notifications on the running notification server while a recharge
 * with dnd is on, and puts back what was there before, after a crash too. */
#pragma once

#include "manager.h"

typedef struct Silence Silence;

/* Follows the manager's DoNotDisturb (with silence-notifications = yes) from now on: holds the
 * server's notifications while it is true, puts them back when it is false, and first of all
 * puts back what a previous run left held (unless a recharge with dnd is still on: then that
 * hold is kept). Every call is asynchronous with a timeout. At the loop's exit it puts back what
 * it holds, waiting at most a couple of seconds. */
int silence_new(Manager *m, Silence **ret);
Silence *silence_free(Silence *s);
static inline void silence_freep(Silence **s) {
        silence_free(*s);
}
