/* SPDX-License-Identifier: MIT */
/* statefile.c: recharged-share's files under $XDG_STATE_HOME/recharged: where they are, and
 * written whole or not at all. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "statefile.h"

int state_path(const char *name, char **ret) {
        const char *e = getenv("XDG_STATE_HOME"), *h = getenv("HOME");

        if (e && e[0] == '/')
                return asprintf(ret, "%s/recharged/%s", e, name) < 0 ? -ENOMEM : 0;
        if (h && h[0] == '/')
                return asprintf(ret, "%s/.local/state/recharged/%s", h, name) < 0 ? -ENOMEM : 0;
        return -ENXIO;
}

int mkdir_parents(const char *path) {
        _cleanup_free_ char *d = strdup(path);

        if (!d)
                return -ENOMEM;
        for (char *p = strchr(d + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = 0;
                if (mkdir(d, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        return 0;
}

/* Atomically: a temp file beside it, fsync, rename. */
int write_atomic(const char *path, const char *text, size_t len) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        r = mkdir_parents(path);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < len;) {
                ssize_t n = write(fd, text + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                done += n;
        }
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;
fail:
        (void) unlink(tmp);
        return r;
}

