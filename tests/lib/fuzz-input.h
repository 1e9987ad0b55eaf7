/* SPDX-License-Identifier: MIT */
/* fuzz-input.h: the fuzz targets' reader of their input bytes: numbers and choices taken from the
 * front, 0 once the input is used up, so every input is a valid (if short) program. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct FuzzInput {
        const uint8_t *p;
        size_t n;
} FuzzInput;

static inline uint64_t fuzz_uint(FuzzInput *in, size_t bytes) {
        uint64_t v = 0;

        for (size_t i = 0; i < bytes && in->n > 0; i++, in->p++, in->n--)
                v = v << 8 | *in->p;
        return v;
}

/* A value in [0, n) (n > 0). */
static inline uint64_t fuzz_below(FuzzInput *in, size_t bytes, uint64_t n) {
        return fuzz_uint(in, bytes) % n;
}

/* The text up to the first NUL (or all of it), as a new NUL-terminated string; the input moves
 * past the NUL. NULL on ENOMEM. */
static inline char *fuzz_text(FuzzInput *in, size_t *ret_len) {
        const uint8_t *z = memchr(in->p, 0, in->n);
        size_t len = z ? (size_t) (z - in->p) : in->n;
        char *s = malloc(len + 1);

        if (!s)
                return NULL;
        memcpy(s, in->p, len);
        s[len] = '\0';
        in->p += z ? len + 1 : len;
        in->n -= z ? len + 1 : len;
        if (ret_len)
                *ret_len = len;
        return s;
}
