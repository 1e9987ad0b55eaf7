/* SPDX-License-Identifier: MIT */
/* status-template.c: expanding and checking status templates (see status-template.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "config-scan.h"
#include "macro.h"
#include "status-template.h"

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

typedef enum TokenKind {
        TOKEN_TEXT,         /* plain text, len bytes */
        TOKEN_PERCENT,      /* "%%" */
        TOKEN_PLACEHOLDER,  /* "%name%": the name at p + 1, len - 2 bytes */
        TOKEN_LONE,         /* a '%' that starts nothing */
        TOKEN_OPEN,         /* "%[" */
        TOKEN_CLOSE,        /* "]" inside a segment */
        TOKEN_BRACKET,      /* "%]" inside a segment: a literal ']' */
} TokenKind;

/* The token at p; in_segment: whether ']' closes. Its length in *ret_len. */
static TokenKind token(const char *p, int in_segment, size_t *ret_len) {
        size_t n;

        if (p[0] == '%') {
                if (p[1] == '%')
                        return *ret_len = 2, TOKEN_PERCENT;
                if (p[1] == '[')
                        return *ret_len = 2, TOKEN_OPEN;
                if (p[1] == ']' && in_segment)
                        return *ret_len = 2, TOKEN_BRACKET;
                n = strspn(p + 1, NAME_CHARS);
                if (n > 0 && p[1 + n] == '%')
                        return *ret_len = n + 2, TOKEN_PLACEHOLDER;
                return *ret_len = 1, TOKEN_LONE;
        }
        if (p[0] == ']' && in_segment)
                return *ret_len = 1, TOKEN_CLOSE;
        n = strcspn(p, in_segment ? "%]" : "%");
        return *ret_len = n, TOKEN_TEXT;
}

char *template_expand(const char *t, TemplateLookup lookup, void *userdata) {
        char *buf = NULL, *seg = NULL;
        size_t size = 0, seg_size = 0;
        FILE *f, *out;
        int keep = 1;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        out = f;
        for (const char *p = t ?: ""; *p;) {
                size_t len;
                TokenKind k = token(p, out != f, &len);
                const char *v;

                switch (k) {
                case TOKEN_PERCENT:
                        fputc('%', out);
                        break;
                case TOKEN_BRACKET:
                        fputc(']', out);
                        break;
                case TOKEN_PLACEHOLDER:
                        v = lookup(p + 1, len - 2, userdata);
                        if (v) {
                                fputs(v, out);
                                if (!*v)
                                        keep = 0;
                        } else {
                                /* unknown: as it is; outside a segment its closing '%' may open a
                                 * known one, inside one "%]" would then read as a literal ']' */
                                if (out == f)
                                        len--;
                                fwrite(p, 1, len, out);
                        }
                        break;
                case TOKEN_OPEN:
                        if (out != f) {
                                fwrite(p, 1, len, out); /* segments do not nest */
                                break;
                        }
                        out = open_memstream(&seg, &seg_size);
                        if (!out) {
                                fclose(f);
                                free(buf);
                                return NULL;
                        }
                        keep = 1;
                        break;
                case TOKEN_CLOSE:
                        if (fclose(out) != 0) {
                                fclose(f);
                                free(buf);
                                return NULL;
                        }
                        out = f;
                        if (keep)
                                fputs(seg, f);
                        seg = mfree(seg);
                        break;
                default:
                        fwrite(p, 1, len, out);
                }
                p += len;
        }
        if (out != f) {
                /* an unclosed segment: its text as it was written, never silently lost */
                if (fclose(out) == 0)
                        fprintf(f, "%%[%s", seg);
                free(seg);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static bool known(const char *const *names, const char *name, size_t n) {
        for (const char *const *i = names; i && *i; i++)
                if (strlen(*i) == n && strncmp(*i, name, n) == 0)
                        return true;
        return false;
}

int template_check(const char *t, const char *const *names, char ***ret_problems) {
        _cleanup_strv_free_ char **problems = NULL;
        _cleanup_free_ char *list = NULL;
        const char *open = NULL;
        size_t list_len = 0;
        int r = 0;
        FILE *f;

        f = open_memstream(&list, &list_len);
        if (!f)
                return -ENOMEM;
        for (const char *const *i = names; i && *i; i++)
                fprintf(f, "%s%%%s%%", i == names ? "" : " ", *i);
        if (fclose(f) != 0)
                return -ENOMEM;

        for (const char *p = t ?: ""; *p && r >= 0;) {
                char q[QUOTE_MAX], name[QUOTE_MAX];
                size_t len;
                TokenKind k = token(p, open != NULL, &len);

                if (k == TOKEN_LONE)
                        r = strv_extendf(&problems, "a lone '%%' in '%s'; write %%%% for a literal %%", quote(q, p));
                else if (k == TOKEN_PLACEHOLDER && !known(names, p + 1, len - 2)) {
                        snprintf(name, sizeof name, "%.*s", (int) MIN(len, 64), p);
                        r = strv_extendf(&problems, "unknown placeholder '%s', use %s, or %%%% for a literal %%",
                                         quote(q, name), list);
                } else if (k == TOKEN_OPEN && open)
                        r = strv_extendf(&problems, "a '%%[' inside another in '%s': segments do not nest",
                                         quote(q, p));
                else if (k == TOKEN_OPEN)
                        open = p;
                else if (k == TOKEN_CLOSE)
                        open = NULL;
                p += len;
        }
        if (r >= 0 && open) {
                char q[QUOTE_MAX];
                r = strv_extendf(&problems, "'%s' has no closing ']'", quote(q, open));
        }
        if (r < 0)
                return r;
        r = (int) strv_length(problems);
        *ret_problems = TAKE_PTR(problems);
        return r;
}
