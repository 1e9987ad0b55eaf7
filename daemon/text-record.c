/* SPDX-License-Identifier: MIT */
/* text-record.c: writing and reading the tokens of the state and history files' lines. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "text-record.h"

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool is_eol(char c) {
        return c == '\n' || c == '\0';
}

static void skip_blanks(const char **p) {
        while (is_blank(**p))
                (*p)++;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EBADMSG;
}

int text_quote(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *i = (const unsigned char *) s; *i; i++)
                switch (*i) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*i < 0x20 || *i == 0x7f)
                                fprintf(f, "\\x%02x", *i);
                        else
                                fputc(*i, f);
                }
        fputc('"', f);
        return ferror(f) ? -ENOMEM : 0;
}

int text_read_word(const char **p, const char **ret_word, size_t *ret_len) {
        const char *i;

        skip_blanks(p);
        i = *p;
        while (!is_eol(*i) && !is_blank(*i))
                i++;
        if (i == *p)
                return -EBADMSG;

        *ret_word = *p;
        *ret_len = i - *p;
        *p = i;
        return 0;
}

int text_read_u64(const char **p, uint64_t *ret) {
        const char *w, *i = *p;
        uint64_t v = 0;
        size_t n;
        int r;

        r = text_read_word(&i, &w, &n);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n; k++) {
                if (w[k] < '0' || w[k] > '9')
                        return -EBADMSG;
                if (v > (UINT64_MAX - (uint64_t) (w[k] - '0')) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (w[k] - '0');
        }

        *ret = v;
        *p = i;
        return 0;
}

int text_read_string(const char **p, size_t max, char **ret) {
        _cleanup_free_ char *buf = NULL;
        const char *i;
        size_t n = 0;
        char *shrunk;

        skip_blanks(p);
        i = *p;
        if (*i != '"')
                return -EBADMSG;

        buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;

        for (i++; *i != '"'; i++) {
                unsigned char c = *i;

                if (c == '\\') {
                        int hi, lo;

                        switch (*++i) {
                        case '\\':
                        case '"':
                                c = *i;
                                break;
                        case 'n':
                                c = '\n';
                                break;
                        case 't':
                                c = '\t';
                                break;
                        case 'x':
                                hi = unhex(i[1]);
                                if (hi < 0)
                                        return -EBADMSG;
                                lo = unhex(i[2]);
                                if (lo < 0)
                                        return -EBADMSG;
                                c = (unsigned char) (hi << 4 | lo);
                                if (c == 0)
                                        return -EBADMSG;
                                i += 2;
                                break;
                        default: /* an unknown escape, or the line ends after the backslash */
                                return -EBADMSG;
                        }
                } else if (c < 0x20 || c == 0x7f) /* the line ended inside the quotes, or a raw control byte */
                        return -EBADMSG;

                if (n >= max)
                        return -EBADMSG;
                buf[n++] = (char) c;
        }
        i++;
        /* A token ends at a blank or at the end of the line: "a"b is not two tokens. */
        if (!is_eol(*i) && !is_blank(*i))
                return -EBADMSG;

        buf[n] = '\0';
        shrunk = realloc(buf, n + 1);
        if (shrunk)
                buf = shrunk;
        *ret = TAKE_PTR(buf);
        *p = i;
        return 0;
}

int text_read_end(const char **p) {
        skip_blanks(p);
        return is_eol(**p) ? 0 : -EBADMSG;
}

