/* SPDX-License-Identifier: MIT */
/* macro.h: small helpers every file uses: cleanup attributes, ownership, array sizes. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _cleanup_(f) __attribute__((cleanup(f)))

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Hand a pointer on and forget it here, so the cleanup attribute does not free it. */
#define TAKE_PTR(p)                              \
        ({                                       \
                __typeof__(p) *_pp = &(p);       \
                __typeof__(p) _p = *_pp;         \
                *_pp = NULL;                     \
                _p;                              \
        })

#define TAKE_FD(fd)                              \
        ({                                       \
                int *_pfd = &(fd);               \
                int _fd = *_pfd;                 \
                *_pfd = -1;                      \
                _fd;                             \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -1;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
#define streq(a, b) (strcmp((a), (b)) == 0)

/* NULL-terminated string vectors. */
char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char * const *l);
/* Appends a copy of s; returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
/* Appends a formatted line; returns 0 or -ENOMEM. */
int strv_extendf(char ***l, const char *fmt, ...) _printf_(2, 3);

/* At most max bytes of s, with control characters and bytes that are not UTF-8 as "\xNN", cut on
 * a character boundary: safe to put in a log line or an error message. NULL on OOM. */
char *text_escape_cut(const char *s, size_t max);
