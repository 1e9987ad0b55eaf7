/* SPDX-License-Identifier: MIT */
/* fileio.c: bounded reads of files others may have put in our way, and the private-path check
 * that guards what hooks run. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

int file_refuse_type(mode_t mode) {
        if (S_ISREG(mode))
                return 0;
        if (S_ISDIR(mode))
                return -EISDIR;
        if (S_ISFIFO(mode))
                return -ESPIPE;
        if (S_ISCHR(mode))
                return -ENODEV;
        if (S_ISBLK(mode))
                return -ENOTBLK;
        if (S_ISSOCK(mode))
                return -ENXIO;
        return -EBADFD;
}

const char *file_refusal_to_string(int r) {
        switch (r) {
        case -EISDIR:
                return "is a directory";
        case -ESPIPE:
                return "is a FIFO";
        case -ENODEV:
                return "is a character device";
        case -ENOTBLK:
                return "is a block device";
        case -ENXIO:
                return "is a socket";
        case -EBADFD:
                return "is not a regular file";
        default:
                return NULL;
        }
}

int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_len, struct stat *ret_st) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;
        int r;

        if (max >= SIZE_MAX - 2)
                return -EINVAL;
        /* O_NONBLOCK: a FIFO with no writer would block open() (and then read()) forever;
         * O_NOCTTY: a terminal must never become our controlling one. We look before reading. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        r = file_refuse_type(st.st_mode);
        if (r < 0)
                return r;
        if (st.st_size > 0 && (uintmax_t) st.st_size > max)
                return -EFBIG;

        /* One byte more than allowed, to see a file that grew past max since fstat(). */
        buf = malloc(max + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, max + 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max)
                        return -EFBIG;
        }
        buf[n] = '\0';

        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = n;
        if (ret_st)
                *ret_st = st;
        return 0;
}

/* dir is resolved (no symlinks, no "..", absolute). Walks from dir up to stop (resolved) when
 * dir is below it, else to /. */
static int check_folders(const char *dir, const char *stop, char **ret_culprit) {
        _cleanup_free_ char *p = strdup(dir);
        bool first = true, below_stop;
        size_t stop_len = stop ? strlen(stop) : 0;

        if (!p)
                return -ENOMEM;
        below_stop = stop && strncmp(p, stop, stop_len) == 0 &&
                     (p[stop_len] == '/' || p[stop_len] == '\0' || streq(stop, "/"));
        for (;;) {
                struct stat st;
                char *slash;

                if (stat(p, &st) < 0)
                        return -errno;
                if ((st.st_uid != geteuid() && st.st_uid != 0) ||
                        ((st.st_mode & (S_IWGRP | S_IWOTH)) && (first || !(st.st_mode & S_ISVTX)))) {
                        if (ret_culprit)
                                *ret_culprit = TAKE_PTR(p);
                        return -EPERM;
                }
                first = false;
                if (streq(p, "/") || (below_stop && streq(p, stop)))
                        return 0;
                slash = strrchr(p, '/');
                if (slash == p)
                        slash[1] = '\0';
                else
                        *slash = '\0';
        }
}

int path_check_private(const char *path, const char *home, char **ret_culprit) {
        _cleanup_free_ char *target = NULL, *stop = NULL, *dir = NULL, *link_dir = NULL, *copy = NULL;
        struct stat st;
        char *slash;
        int r;

        target = realpath(path, NULL);
        if (!target)
                return -errno;
        if (stat(target, &st) < 0)
                return -errno;
        if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                if (ret_culprit)
                        *ret_culprit = TAKE_PTR(target);
                return -EPERM;
        }
        if (home && *home)
                stop = realpath(home, NULL); /* no home, or none there: walk to / */

        dir = strdup(target);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        slash[slash == dir ? 1 : 0] = '\0';
        r = check_folders(dir, stop, ret_culprit);
        if (r < 0)
                return r;

        /* A symlink is replaced through the folder that holds it: that one must be private too. */
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        slash = strrchr(copy, '/');
        if (!slash)
                link_dir = realpath(".", NULL);
        else {
                slash[slash == copy ? 1 : 0] = '\0';
                link_dir = realpath(copy, NULL);
        }
        if (!link_dir)
                return -errno;
        if (streq(link_dir, dir))
                return 0;
        return check_folders(link_dir, stop, ret_culprit);
}
