/* SPDX-License-Identifier: MIT */
/* mode.h: what the daemon is in, and what a caller can ask of it, as the names the bus, the log
 * and the state file use. */
#pragma once

#include <errno.h>

typedef enum Mode {
        MODE_AVAILABLE,
        MODE_RECHARGING,
        MODE_PAUSED,
        _MODE_MAX,
        _MODE_INVALID = -EINVAL,
} Mode;
const char *mode_to_string(Mode m);
Mode mode_from_string(const char *s);

/* A state change asked for by a bus method or a notification action. */
typedef enum ActionKind {
        ACTION_RECHARGE,         /* duration (0: until Stop), message */
        ACTION_STOP,
        ACTION_EXTEND,           /* duration */
        ACTION_SKIP,             /* entry */
        ACTION_SNOOZE,           /* entry, duration */
        ACTION_START_NOW,        /* entry */
        ACTION_DONE,             /* entry */
        ACTION_PAUSE,            /* duration (0: until Resume) */
        ACTION_RESUME,
        ACTION_RESET,            /* entry: its pending skips, snoozes and early starts undone */
        _ACTION_MAX,
        _ACTION_INVALID = -EINVAL,
} ActionKind;
const char *action_to_string(ActionKind a);
ActionKind action_from_string(const char *s);
