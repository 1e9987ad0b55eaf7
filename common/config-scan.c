/* SPDX-License-Identifier: MIT */
/* config-scan.c: the line scan of recharged.conf (as iniparser 4.1 reads it) and the error list. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "config-scan.h"
#include "config.h"
#include "names.h"

#define CUR_NONE (-1)   /* before any section */
#define CUR_BROKEN (-2) /* after a broken header: its keys are not checked */

bool scan_is_space(char c) {
        /* isspace() in the C locale, as iniparser sees it, whatever the locale */
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

char *scan_strip(char *s) {
        size_t n;

        while (scan_is_space(*s))
                s++;
        n = strlen(s);
        while (n > 0 && scan_is_space(s[n - 1]))
                s[--n] = 0;
        return s;
}

char *scan_lowercase(char *s) {
        for (char *c = s; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                        *c += 'a' - 'A';
        return s;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
        size_t need;

        if (s[0] < 0x80)
                return 1;
        if (s[0] < 0xc2 || s[0] > 0xf4)
                return 0;
        need = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
        if (n < need)
                return 0;
        for (size_t i = 1; i < need; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) || /* overlong, surrogates */
            (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))   /* overlong, > U+10FFFF */
                return 0;
        return need;
}

bool utf8_valid(const char *s, size_t n) {
        for (size_t i = 0, l; i < n; i += l) {
                l = utf8_seq((const unsigned char *) s + i, n - i);
                if (l == 0)
                        return false;
        }
        return true;
}

const char *quote(char buf[static QUOTE_MAX], const char *s) {
        size_t o = 0, i = 0;

        while (s[i] && i < 64) {
                unsigned char c = s[i];
                size_t l = utf8_seq((const unsigned char *) s + i, strnlen(s + i, 4));
                if (c < 0x20 || c == 0x7f || l == 0) {
                        o += snprintf(buf + o, QUOTE_MAX - o, "\\x%02x", c);
                        i++;
                } else {
                        memcpy(buf + o, s + i, l);
                        o += l;
                        i += l;
                }
        }
        if (s[i]) {
                memcpy(buf + o, "…", strlen("…"));
                o += strlen("…");
        }
        buf[o] = 0;
        return buf;
}

unsigned levenshtein(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        unsigned row[65];

        if (la > 64 || lb > 64)
                return UINT_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                unsigned diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned up = row[j];
                        row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] != b[j - 1]));
                        diag = up;
                }
        }
        return row[lb];
}

/* ---- the error list ---- */

void scan_error(Parser *p, unsigned line, unsigned flags, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        Problem *n;
        va_list ap;
        char *t;
        int r;

        if (p->n_problems >= PROBLEMS_MAX) {
                p->n_dropped++;
                return;
        }
        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0) {
                p->oom = true;
                return;
        }
        if (line > 0 && !(flags & SCAN_NO_LINE))
                r = asprintf(&t, "%s:%u: %s", p->name, line, m);
        else
                r = asprintf(&t, "%s: %s", p->name, m);
        n = r < 0 ? NULL : realloc(p->problems, (p->n_problems + 1) * sizeof(Problem));
        if (!n) {
                if (r >= 0)
                        free(t);
                p->oom = true;
                return;
        }
        p->problems = n;
        p->problems[p->n_problems] = (Problem) {
                .line = line,
                .after = flags & SCAN_NO_LINE,
                .seq = p->n_problems,
                .text = t,
        };
        p->n_problems++;
}

static int cmp_problem(const void *x, const void *y) {
        const Problem *a = x, *b = y;

        if (a->line != b->line)
                return a->line < b->line ? -1 : 1;
        if (a->after != b->after)
                return a->after ? 1 : -1;
        return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int scan_take_errors(Parser *p, char ***ret) {
        char **l;

        qsort(p->problems, p->n_problems, sizeof(Problem), cmp_problem);
        l = calloc(p->n_problems + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_problems; i++)
                l[i] = TAKE_PTR(p->problems[i].text);
        if (p->n_dropped > 0 &&
            asprintf(&l[p->n_problems], "%s: too many problems, only the first %d are shown", p->name,
                     PROBLEMS_MAX) < 0) {
                l[p->n_problems] = NULL;
                strv_free(l);
                return -ENOMEM;
        }
        if (ret)
                *ret = l;
        else
                strv_free(l);
        return 0;
}

void parser_done(Parser *p) {
        while (p->strings) {
                StringBlock *next = p->strings->next;
                free(p->strings);
                p->strings = next;
        }
        free(p->sections);
        free(p->by_name);
        for (size_t i = 0; i < p->n_problems; i++)
                free(p->problems[i].text);
        free(p->problems);
}

#define STRING_BLOCK_SIZE 16384

/* A copy of s that lives until parser_done(); NULL on ENOMEM. */
static char *scan_strdup(Parser *p, const char *s) {
        size_t n = strlen(s) + 1;
        StringBlock *b = p->strings;

        if (!b || b->size - b->used < n) {
                size_t size = MAX((size_t) STRING_BLOCK_SIZE, n);
                b = malloc(offsetof(StringBlock, data) + size);
                if (!b)
                        return NULL;
                *b = (StringBlock) { .next = p->strings, .size = size };
                p->strings = b;
        }
        b->used += n;
        return memcpy(b->data + b->used - n, s, n);
}

/* ---- sections by name ---- */

static size_t name_hash(const char *s, size_t n) {
        size_t h = 14695981039346656037ULL; /* FNV-1a */
        for (size_t i = 0; i < n; i++)
                h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
        return h;
}

long scan_find_section(const Parser *p, const char *name, size_t n) {
        if (p->by_name_size == 0)
                return -1;
        for (size_t h = name_hash(name, n) & (p->by_name_size - 1);; h = (h + 1) & (p->by_name_size - 1)) {
                size_t i = p->by_name[h];
                if (i == 0)
                        return -1;
                if (strncmp(p->sections[i - 1].name, name, n) == 0 && p->sections[i - 1].name[n] == 0)
                        return (long) i - 1;
        }
}

static void by_name_put(size_t *t, size_t size, const char *name, size_t i) {
        size_t h = name_hash(name, strlen(name)) & (size - 1);
        while (t[h] != 0)
                h = (h + 1) & (size - 1);
        t[h] = i + 1;
}

/* Room for one more section: the array grows by doubling and the name table stays at most half
 * full, so adding the n-th section costs the same as the first. */
static int sections_grow(Parser *p) {
        if (p->n_sections >= p->cap_sections) {
                size_t cap = p->cap_sections ? p->cap_sections * 2 : 16;
                Section *s = realloc(p->sections, cap * sizeof(Section));
                if (!s)
                        return -ENOMEM;
                p->sections = s;
                p->cap_sections = cap;
        }
        if (2 * (p->n_sections + 1) > p->by_name_size) {
                size_t size = p->by_name_size ? p->by_name_size * 2 : 32;
                size_t *t = calloc(size, sizeof(size_t));
                if (!t)
                        return -ENOMEM;
                for (size_t i = 0; i < p->n_sections; i++)
                        by_name_put(t, size, p->sections[i].name, i);
                free(p->by_name);
                p->by_name = t;
                p->by_name_size = size;
        }
        return 0;
}

/* ---- the scan ---- */

/* Letters, digits, '_' and '-' only (strspn() with that set costs more than the whole line). */
static bool is_section_name(const char *s) {
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
                      *s == '-'))
                        return false;
        return true;
}

static void section_header(Parser *p, char *name, unsigned line, long *cur) {
        char q[QUOTE_MAX];
        size_t n = strlen(name);
        Section *s;

        *cur = CUR_BROKEN;
        if (n == 0) {
                scan_error(p, line, 0, "'[]' has no section name");
                return;
        }
        if (!is_section_name(name)) {
                scan_error(p, line, 0, "'[%s]' is not a valid section name, use letters, digits, '_' and '-'",
                           quote(q, name));
                return;
        }
        scan_lowercase(name);
        if (n >= RECHARGED_ENTRY_NAME_MAX) {
                scan_error(p, line, 0, "[%s]: the name is longer than %d characters", quote(q, name),
                           RECHARGED_ENTRY_NAME_MAX - 1);
                return;
        }
        long dup = scan_find_section(p, name, n);
        if (dup >= 0) {
                scan_error(p, line, 0, "[%s]: duplicate section, first on line %u", name, p->sections[dup].line);
                *cur = dup; /* as iniparser does: its keys join the first one's */
                return;
        }
        SectionKind kind = section_kind_from_name(name);
        if (kind == SECTION_ENTRY && p->n_entries >= RECHARGED_ENTRIES_MAX) {
                scan_error(p, line, 0, "[%s]: too many entries, at most %d (the rest of the file was not checked)",
                           name, RECHARGED_ENTRIES_MAX);
                p->n_entries++; /* stops the scan */
                return;
        }

        if (sections_grow(p) < 0) {
                p->oom = true;
                return;
        }
        s = &p->sections[p->n_sections];
        *s = (Section) {
                .name = scan_strdup(p, name),
                .line = line,
                .last_line = line,
                .offset = p->line_offset,
                .general = kind == SECTION_GENERAL,
                .kind = kind,
                .skip = kind == SECTION_SHARE || kind == SECTION_PARTNER,
        };
        if (!s->name) {
                p->oom = true;
                return;
        }
        by_name_put(p->by_name, p->by_name_size, s->name, p->n_sections);
        if (kind == SECTION_ENTRY)
                p->n_entries++;
        *cur = p->n_sections++;
}

/* The value as iniparser reads it, in place; NULL (reported) where iniparser would lose text.
 * Errors name "[section] key". */
static char *scan_value(Parser *p, const char *sec, const char *key, char *v, unsigned line) {
        char q[QUOTE_MAX], k[QUOTE_MAX];

        if (v[0] == '"' || v[0] == '\'') {
                char *close = strchr(v + 1, v[0]), *after;
                if (!close) {
                        scan_error(p, line, 0, "[%s] %s: the quote %c in '%s' is not closed", sec, quote(k, key), v[0],
                                   quote(q, v));
                        return NULL;
                }
                for (after = close + 1; scan_is_space(*after); after++)
                        ;
                if (*after && *after != ';' && *after != '#') {
                        scan_error(p, line, 0, "[%s] %s: text after the closing quote: '%s'", sec, quote(k, key),
                                   quote(q, after));
                        return NULL;
                }
                *close = 0;
                return v + 1;
        }
        for (char *c = v; *c; c++)
                if (*c == ';' || *c == '#') {
                        if (c > v && !scan_is_space(c[-1])) {
                                scan_error(p, line, 0,
                                           "[%s] %s: '%c' in '%s' would start a comment and cut the value short; "
                                           "put the value in quotes (\"…\") to keep it",
                                           sec, quote(k, key), *c, quote(q, v));
                                return NULL;
                        }
                        *c = 0;
                        break;
                }
        return scan_strip(v);
}

static void unknown_key(Parser *p, const Section *s, const char *key, unsigned line) {
        ConfigKey k = config_key_from_string(key);
        const char *best = NULL;
        unsigned best_d = 3;
        char q[QUOTE_MAX];

        if (s->kind == SECTION_SHARE || s->kind == SECTION_PARTNER) {
                for (ConfigKey i = 0; i < _KEY_MAX; i++)
                        if (config_key_allowed(i, s->kind) && levenshtein(key, config_key_to_string(i)) < best_d) {
                                best_d = levenshtein(key, config_key_to_string(i));
                                best = config_key_to_string(i);
                        }
                if (best && best_d < strlen(key))
                        scan_error(p, line, 0, "[%s] %s: unknown key, did you mean '%s'?", s->name, quote(q, key), best);
                else
                        scan_error(p, line, 0, "[%s] %s: unknown key", s->name, quote(q, key));
                return;
        }
        if (k > KEY_GENERAL_LAST && k <= KEY_AT && s->general) {
                scan_error(p, line, 0, "[%s] %s: belongs in an entry, not in [general]", s->name, key);
                return;
        }
        if (k >= 0 && k <= KEY_GENERAL_LAST) {
                scan_error(p, line, 0, "[%s] %s: belongs in [general]", s->name, key);
                return;
        }
        if (k >= 0) {
                scan_error(p, line, 0, "[%s] %s: belongs in [%s]", s->name, key,
                           config_key_allowed(k, SECTION_SHARE) ? "share" : "partner");
                return;
        }
        for (ConfigKey i = s->general ? 0 : KEY_GENERAL_LAST + 1; i <= (s->general ? KEY_GENERAL_LAST : KEY_AT); i++) {
                unsigned d = levenshtein(key, config_key_to_string(i));
                if (d < best_d && d < strlen(key)) {
                        best_d = d;
                        best = config_key_to_string(i);
                }
        }
        if (best)
                scan_error(p, line, 0, "[%s] %s: unknown key, did you mean '%s'?", s->name, quote(q, key), best);
        else
                scan_error(p, line, 0, "[%s] %s: unknown key", s->name, quote(q, key));
}

/* One logical line (continuations joined); too_long: only its first CONFIG_LINE_MAX bytes are here. */
static void scan_line(Parser *p, char *line, unsigned lineno, long *cur, size_t too_long) {
        char q[QUOTE_MAX], *s = scan_strip(line), *eq, *key, *v = NULL;
        size_t n = strlen(s);
        Section *sec;
        ConfigKey k;

        if (too_long)
                scan_error(p, lineno, 0, "line is too long (%zu bytes, at most %d)", too_long, CONFIG_LINE_MAX);
        if (n == 0 || s[0] == '#' || s[0] == ';')
                return;
        if (s[0] == '[') {
                char *close = strchr(s, ']');
                if (too_long)
                        *cur = CUR_BROKEN;
                else if (s[n - 1] == ']') {
                        s[n - 1] = 0;
                        section_header(p, scan_strip(s + 1), lineno, cur);
                } else {
                        *cur = CUR_BROKEN;
                        if (!close)
                                scan_error(p, lineno, 0, "'%s' lacks the closing ']'", quote(q, s));
                        else if (*scan_strip(close + 1) == ';' || *scan_strip(close + 1) == '#')
                                scan_error(p, lineno, 0, "a comment after a section header must go on a line of its own");
                        else
                                scan_error(p, lineno, 0, "text after the section header: '%s'", quote(q, scan_strip(close + 1)));
                }
                return;
        }

        eq = strchr(s, '=');
        if (!eq) {
                if (!too_long)
                        scan_error(p, lineno, 0, "'%s' is not 'key = value', a [section] or a comment", quote(q, s));
                return;
        }
        *eq = 0;
        key = scan_lowercase(scan_strip(s));
        if (!key[0]) {
                scan_error(p, lineno, 0, "'=' without a key name before it");
                return;
        }
        if (*cur == CUR_NONE) {
                scan_error(p, lineno, 0, "'%s' is outside any section; put it under [general] or an entry", quote(q, key));
                return;
        }
        if (*cur == CUR_BROKEN)
                return;
        sec = &p->sections[*cur];
        sec->last_line = lineno;

        if (!too_long) {
                char *e = eq + 1;
                while (scan_is_space(*e))
                        e++;
                v = scan_value(p, sec->name, key, e, lineno);
        }

        k = config_key_from_string(key);
        if (k < 0 || !config_key_allowed(k, sec->kind)) {
                unknown_key(p, sec, key, lineno);
                return;
        }
        if (sec->key_line[k] > 0) {
                scan_error(p, lineno, 0, "[%s] %s: duplicate key, first set on line %u", sec->name, quote(q, key),
                           sec->key_line[k]);
                return;
        }
        sec->key_line[k] = lineno;
        if (v) { /* else reported: the key is there, its value is not checked */
                sec->value[k] = scan_strdup(p, v);
                if (!sec->value[k])
                        p->oom = true;
        }
}

void scan_text(Parser *p, const char *text, size_t len) {
        char buf[CONFIG_LINE_MAX + 1];
        unsigned lineno = 0, first = 0;
        long cur = CUR_NONE;
        size_t last = 0; /* bytes of a line continued with '\' held in buf */
        bool continued = false;

        for (const char *s = text, *end = text + len; s < end; ) {
                const char *nl = memchr(s, '\n', end - s);
                size_t n = nl ? (size_t) (nl - s) : (size_t) (end - s), total = last + n;

                if (p->n_dropped > 0 || p->n_entries > RECHARGED_ENTRIES_MAX || p->oom)
                        return;
                lineno++;
                if (!continued) {
                        first = lineno;
                        p->line_offset = (size_t) (s - text);
                }
                memcpy(buf + last, s, MIN(n, CONFIG_LINE_MAX - last));
                s = nl ? nl + 1 : end;
                if (total > CONFIG_LINE_MAX) {
                        buf[CONFIG_LINE_MAX] = 0;
                        last = 0;
                        continued = false;
                        scan_line(p, buf, first, &cur, total);
                        continue;
                }
                /* iniparser: blanks at the end go, then a '\' joins the next line in its place */
                while (total > 0 && scan_is_space(buf[total - 1]))
                        total--;
                buf[total] = 0;
                if (total > 0 && buf[total - 1] == '\\') {
                        last = total - 1;
                        continued = true;
                        continue;
                }
                last = 0;
                continued = false;
                scan_line(p, buf, first, &cur, 0);
        }
        if (continued)
                scan_error(p, first, 0, "the line ends with '\\' but no line follows");

        /* A section that has no type and is a near miss of [general] is a misspelt [general]. */
        for (size_t i = 0; i < p->n_sections; i++) {
                Section *sec = &p->sections[i];
                if (!sec->general && sec->key_line[KEY_TYPE] == 0 && levenshtein(sec->name, "general") <= 2) {
                        scan_error(p, sec->line, 0, "[%s]: unknown section, did you mean [general]?", sec->name);
                        sec->skip = true;
                }
        }
}
