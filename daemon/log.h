/* SPDX-License-Identifier: MIT */
/* log.h: log lines to stderr with sd-daemon priority prefixes, systemd-style errno helpers. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

#include "macro.h"

/* LOG_INFO by default; LOG_DEBUG with --verbose. */
void log_set_max_level(int level);
int log_get_max_level(void);
/* Where the lines go: stderr (NULL), or a file an in-process test reads back. */
void log_set_stream(FILE *f);

/* Writes one line per "\n"-separated line of the message, each "<N>text". With error != 0,
 * errno is set to its absolute value while formatting, so "%m" names it. Returns -|error|. */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...)                                              \
        ({                                                                             \
                int _level = (level), _e = (error);                                    \
                _level <= log_get_max_level() ? log_internal(_level, _e, __VA_ARGS__)  \
                                              : -(_e < 0 ? -_e : _e);                  \
        })
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_notice_errno(error, ...) log_full_errno(LOG_NOTICE, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
