/* SPDX-License-Identifier: MIT */
/* statefile.h: recharged-share's files under $XDG_STATE_HOME/recharged. */
#pragma once

#include <stddef.h>

/* $XDG_STATE_HOME/recharged/NAME (default ~/.local/state/…); -ENXIO without either variable. */
int state_path(const char *name, char **ret);
/* Makes the folders above path (0700). */
int mkdir_parents(const char *path);
/* Writes len bytes of text to path atomically: a temp file beside it, fsync, rename. */
int write_atomic(const char *path, const char *text, size_t len);
