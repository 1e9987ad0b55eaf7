/* SPDX-License-Identifier: MIT */
/* files.h: small file helpers the C unit tests share (they abort on out-of-memory). */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline char *path_join(const char *a, const char *b) {
        char *p;
        if (asprintf(&p, "%s/%s", a, b) < 0)
                abort();
        return p;
}

/* The whole file, "" when empty, NULL when it cannot be opened. */
static inline char *read_all(const char *path) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = fopen(path, "re");

        if (!f)
                return NULL;
        if (getdelim(&s, &n, '\0', f) < 0) {
                free(s);
                s = strdup("");
        }
        fclose(f);
        return s;
}

/* The whole file with any NUL bytes in it, and its length; "" (0) when it cannot be opened. */
static inline char *read_bytes(const char *path, size_t *ret_len) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = fopen(path, "re"), *m = open_memstream(&s, &n);
        char buf[4096];
        size_t k;

        if (!m)
                abort();
        if (f) {
                while ((k = fread(buf, 1, sizeof buf, f)) > 0)
                        fwrite(buf, 1, k, m);
                fclose(f);
        }
        fclose(m);
        *ret_len = n;
        return s;
}

static inline int rm_rf_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st, (void) flag, (void) ftw;
        remove(path);
        return 0;
}

/* Removes a test's temporary tree, links not followed (a test folder may live on a tmpfs). */
static inline void rm_rf(const char *path) {
        nftw(path, rm_rf_one, 16, FTW_DEPTH | FTW_PHYS);
}
