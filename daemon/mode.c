/* SPDX-License-Identifier: MIT */
/* mode.c: the name tables of mode.h. */
#include "macro.h"
#include "mode.h"

static const char * const mode_table[_MODE_MAX] = {
        [MODE_AVAILABLE] = "available",
        [MODE_RECHARGING] = "recharging",
        [MODE_PAUSED] = "paused",
};

const char *mode_to_string(Mode m) {
        if (m < 0 || m >= _MODE_MAX)
                return NULL;
        return mode_table[m];
}

Mode mode_from_string(const char *s) {
        for (int i = 0; s && i < _MODE_MAX; i++)
                if (streq(mode_table[i], s))
                        return (Mode) i;
        return _MODE_INVALID;
}

static const char * const action_table[_ACTION_MAX] = {
        [ACTION_RECHARGE] = "recharge",
        [ACTION_STOP] = "stop",
        [ACTION_EXTEND] = "extend",
        [ACTION_SKIP] = "skip",
        [ACTION_SNOOZE] = "snooze",
        [ACTION_START_NOW] = "start-now",
        [ACTION_DONE] = "done",
        [ACTION_PAUSE] = "pause",
        [ACTION_RESUME] = "resume",
        [ACTION_RESET] = "reset",
};

const char *action_to_string(ActionKind a) {
        if (a < 0 || a >= _ACTION_MAX)
                return NULL;
        return action_table[a];
}

ActionKind action_from_string(const char *s) {
        for (int i = 0; s && i < _ACTION_MAX; i++)
                if (streq(action_table[i], s))
                        return (ActionKind) i;
        return _ACTION_INVALID;
}
