/* SPDX-License-Identifier: MIT */
/* test-mode.c: the names of modes and actions, both ways. The bus, the log and the state file
 * show them, so a rename or a hole in a table is a break of the contract. */
#include <errno.h>

#include "macro.h"
#include "mode.h"
#include "tap.h"

static void test_modes(void) {
        /* DESIGN.md's Mode property values, in enum order. */
        static const char * const names[_MODE_MAX] = { "available", "recharging", "paused" };

        for (Mode m = 0; m < _MODE_MAX; m++) {
                is_str(mode_to_string(m), names[m], "mode %d to string", m);
                is_int(mode_from_string(names[m]), m, "'%s' from string", names[m]);
        }
        ok(!mode_to_string(_MODE_MAX) && !mode_to_string(-1), "no mode name out of range");
        is_int(mode_from_string("Recharging"), -EINVAL, "modes are case-sensitive");
        is_int(mode_from_string(""), -EINVAL, "'' is no mode");
        is_int(mode_from_string(NULL), -EINVAL, "NULL is no mode");
        is_int(mode_from_string("dnd"), -EINVAL, "'dnd' is no mode");
}

static void test_actions(void) {
        static const char * const names[_ACTION_MAX] = {
                "recharge", "stop", "extend", "skip", "snooze", "start-now", "done", "pause", "resume", "reset",
        };

        for (ActionKind a = 0; a < _ACTION_MAX; a++) {
                is_str(action_to_string(a), names[a], "action %d to string", a);
                is_int(action_from_string(names[a]), a, "'%s' from string", names[a]);
        }
        ok(!action_to_string(_ACTION_MAX) && !action_to_string(-1), "no action name out of range");
        is_int(action_from_string("start_now"), -EINVAL, "'start_now' is no action");
        is_int(action_from_string("Stop"), -EINVAL, "actions are case-sensitive");
        is_int(action_from_string(NULL), -EINVAL, "NULL is no action");
}

int main(void) {
        test_modes();
        test_actions();
        return tap_done();
}
