/* SPDX-License-Identifier: MIT */
/* config-ini.h: internal to config.c: iniparser 4.1 as the reference for the scan's values. */
#pragma once

#include <stddef.h>

#include "config-scan.h"

/* Reads text (which the scan in p accepted) with iniparser and abort()s where the two read a
 * value differently, saying which on stderr: for the tests and the fuzzer
 * (config_check_iniparser). 0, or a negative errno when iniparser could not be run. */
int config_ini_check(Parser *p, const char *text, size_t len);
