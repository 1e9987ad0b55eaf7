/* SPDX-License-Identifier: MIT */
/* digest.h: what other applications sent while the person recharged, counted by app name from a
 * monitor connection on the session bus; never a summary or a body. */
#pragma once

typedef struct Manager Manager;
typedef struct Digest Digest;

/* With `digest = yes`: a second session-bus connection, opened at the loop's first idle turn
 * (not before the first answer), becomes a monitor of Notify calls and
 * tells manager_count_notification() each app name. A bus that refuses it is said once (info)
 * and the daemon carries on without a digest. */
int digest_start(Manager *m, Digest **ret);
Digest *digest_free(Digest *d);
/* After a reload: starts the monitor when `digest` is now on, closes it when now off (and drops
 * what the running recharge counted so far: the person asked for no digest). Daemon only: a
 * manager without a bus connection has nothing to monitor. */
void digest_apply(Manager *m);
