/* SPDX-License-Identifier: MIT */
/* config-warn.h: what check-config warns about in a config that is valid but will likely not do
 * what its writer meant: hooks that will be refused, overlapping blocks, a block a DST gap removes,
 * start = end, no entries at all. Pure: the zone and the time come in. */
#pragma once

#include "config.h"
#include "tz.h"

/* One sentence per warning in *ret (strv, NULL when none), each "FILE: [entry] what, and what to
 * do"; name stands for FILE. tz and now: the coming year's DST changes (tz NULL: none checked).
 * Returns the number of warnings or -ENOMEM. */
int config_warnings(const Config *c, const char *name, const Tz *tz, usec_t now, char ***ret);
