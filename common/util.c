/* SPDX-License-Identifier: MIT */
/* util.c: string vectors, text made safe to show. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

static int strv_push(char ***l, char *s) {
        size_t n = strv_length(*l);
        char **c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c)
                return -ENOMEM;
        c[n] = s;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *s) {
        char *d = strdup(s);
        if (!d)
                return -ENOMEM;
        int r = strv_push(l, d);
        if (r < 0)
                free(d);
        return r;
}

int strv_extendf(char ***l, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = strv_push(l, s);
        if (r < 0)
                free(s);
        return r;
}

/* UTF-8 sequence length from its first byte; 0 for a byte that cannot start one. */
static size_t utf8_lead_len(unsigned char c) {
        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                return 2;
        if (c >= 0xe0 && c <= 0xef)
                return 3;
        if (c >= 0xf0 && c <= 0xf4)
                return 4;
        return 0;
}

char *text_escape_cut(const char *s, size_t max) {
        size_t n = 0, cap = max * 4 + 4;
        char *out = malloc(cap + 1);

        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p;) {
                size_t len = utf8_lead_len(*p), ok = len;

                for (size_t k = 1; k < len; k++)
                        if ((p[k] & 0xc0) != 0x80) {
                                ok = 0;
                                break;
                        }
                if (ok == 0 || (len == 1 && (*p < 0x20 || *p == 0x7f)) ||
                    (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
                        /* Not text, or a control: shown as bytes, never sent to a terminal raw. */
                        if (n + 4 > max)
                                break;
                        n += (size_t) snprintf(out + n, cap + 1 - n, "\\x%02x", *p);
                        p++;
                        continue;
                }
                if (n + len > max)
                        break; /* cut before a character, never inside one */
                memcpy(out + n, p, len);
                n += len;
                p += len;
        }
        out[n] = '\0';
        return out;
}
