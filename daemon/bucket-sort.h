/* SPDX-License-Identifier: MIT */
/* bucket-sort.h: sorting by a time in about linear time, for what the engine generates: a
 * counting sort into as many buckets of time as items, then each bucket in order (insertion,
 * or qsort for a crowded one). A year of a 100-entry schedule is over 100 000 events, and twelve
 * days of 4096 blocks 11 000 blocks; a comparison sort of them was most of the work. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* Defines static int name(Type *v, size_t n, usec_t lo, usec_t hi): sorts v (n items) by cmp,
 * whose first key is KEY(item), a time in [lo, hi]; -ENOMEM, v unchanged, if out of memory. */
#define DEFINE_BUCKET_SORT(name, Type, KEY, cmp)                                                        \
        static int name(Type *v, size_t n, usec_t lo, usec_t hi) {                                      \
                usec_t width;                                                                           \
                size_t *count;                                                                          \
                Type *out;                                                                              \
                                                                                                        \
                if (n <= 32) {                                                                          \
                        if (n > 1)                                                                      \
                                qsort(v, n, sizeof(Type), cmp);                                         \
                        return 0;                                                                       \
                }                                                                                       \
                width = (hi - lo) / n + 1;                                                              \
                count = calloc(n + 1, sizeof(size_t));                                                  \
                out = malloc(sizeof(Type) * n);                                                         \
                if (!count || !out) {                                                                   \
                        free(count);                                                                    \
                        free(out);                                                                      \
                        return -ENOMEM;                                                                 \
                }                                                                                       \
                for (size_t k = 0; k < n; k++)                                                          \
                        count[(KEY(v[k]) - lo) / width + 1]++;                                          \
                for (size_t b = 1; b <= n; b++)                                                         \
                        count[b] += count[b - 1];                                                       \
                for (size_t k = 0; k < n; k++)                                                          \
                        out[count[(KEY(v[k]) - lo) / width]++] = v[k];                                  \
                /* count[b] is now the end of bucket b. */                                              \
                for (size_t b = 0, start = 0; b < n; start = count[b], b++) {                           \
                        size_t len = count[b] - start;                                                  \
                        Type *bucket = out + start;                                                     \
                        if (len > 16)                                                                   \
                                qsort(bucket, len, sizeof(Type), cmp);                                  \
                        else                                                                            \
                                for (size_t i = 1; i < len; i++) {                                      \
                                        Type x = bucket[i];                                             \
                                        size_t j = i;                                                   \
                                        for (; j > 0 && cmp(&bucket[j - 1], &x) > 0; j--)               \
                                                bucket[j] = bucket[j - 1];                              \
                                        bucket[j] = x;                                                  \
                                }                                                                       \
                }                                                                                       \
                memcpy(v, out, sizeof(Type) * n);                                                       \
                free(out);                                                                              \
                free(count);                                                                            \
                return 0;                                                                               \
        }
