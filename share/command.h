/* SPDX-License-Identifier: MIT */
/* command.h: password-command run as a child watched by sd-event (a pipe, a child source and a
 * time limit), so a slow keyring never blocks the loop. */
#pragma once

#include <systemd/sd-event.h>

#include "timeparse.h"

/* A keyring that has not answered in this time will not: the command is killed. */
#define PASSWORD_COMMAND_TIMEOUT_USEC (30 * USEC_PER_SEC)

typedef struct Command Command;

/* Called once: r is 0 and line the first line of the output (wiped and freed after the call),
 * or r is -ETIME (killed after the time limit), -EPROTO (a non-zero exit or a signal), -ENODATA
 * (nothing printed) or another negative errno. The Command is freed after the callback. */
typedef void (*command_done_t)(int r, const char *line, void *userdata);

/* Runs command through /bin/sh -c, stdin /dev/null, stdout to us, stderr inherited. SIGCHLD
 * must be blocked (sd-event's child sources need it). */
int command_start(sd_event *event, const char *command, usec_t timeout, command_done_t done, void *userdata,
                  Command **ret);
/* Kills the child (if it still runs), without the callback. */
Command *command_free(Command *c);
static inline void command_freep(Command **c) {
        command_free(*c);
}
