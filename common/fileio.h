/* SPDX-License-Identifier: MIT */
/* fileio.h: reading a file we did not write (config, state) without hanging on a FIFO, taking a
 * terminal or reading a device forever, and checking that a file could only be ours. */
#pragma once

#include <stddef.h>
#include <sys/stat.h>

/* Reads path whole, at most max bytes, into a NUL-terminated buffer (*ret_len excludes the NUL;
 * ret_st may be NULL, else gets the fstat of what was read). Never blocks on a FIFO, never makes
 * a terminal ours. Anything but a regular file is refused without reading it, with an errno that
 * file_refusal_to_string() names: -EISDIR (directory), -ESPIPE (FIFO), -ENODEV (character
 * device), -ENOTBLK (block device), -ENXIO (socket: open() says so itself), -EBADFD (other).
 * -EFBIG when the file has more than max bytes. Other errors are open()'s and read()'s. */
int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len, struct stat *ret_st);

/* 0 for a regular file, else the refusal errno read_file_bounded() gives for that type. */
int file_refuse_type(mode_t mode);

/* "is a directory", "is a FIFO"… for the refusals of read_file_bounded(), NULL for other errors. */
const char *file_refusal_to_string(int r);

/* Whether someone other than us (or root) could have written or replaced the file at path: its
 * resolved target must be ours and not writable by group or others, and so must every folder
 * from the target's up to home (when the target is below home) or to /, and the folder holding
 * path itself. A folder above the file's own may be group- or world-writable if it is sticky
 * and root's (like /tmp): nobody else can rename what we own inside it. Returns 0 when private,
 * -EPERM when not (*ret_culprit, if not NULL, names the file or folder at fault), or an error. */
int path_check_private(const char *path, const char *home, char **ret_culprit);
