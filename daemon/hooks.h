/* SPDX-License-Identifier: MIT */
/* hooks.h: the config's on-start and on-end commands, run detached with the event in their
 * environment, never holding up the loop. */
#pragma once

#include "manager.h"

typedef struct Hooks Hooks;

/* Hooks running at once; more wait, in order, up to HOOKS_QUEUED_MAX (then each one refused is
 * logged). A burst of starts and ends within a time limit stays far below 8 + 32. */
#define HOOKS_RUNNING_MAX 8
#define HOOKS_QUEUED_MAX 32
/* Lines of a hook's output copied to our log; the rest is read and dropped. */
#define HOOK_OUTPUT_LINES_MAX 50
/* Bytes of one line of output in the log; longer lines are cut. */
#define HOOK_LINE_MAX 512

/* Listens to m's recharge start, change and end and runs the config's hooks for them; a hook
 * still running after the config's hook-timeout is killed, with every process it started (setsid
 * too). */
int hooks_new(Manager *m, Hooks **ret);
/* Stops watching the hooks still running; they go on in their own session. */
Hooks *hooks_free(Hooks *h);
static inline void hooks_freep(Hooks **h) {
        hooks_free(*h);
}
