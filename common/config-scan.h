/* SPDX-License-Identifier: MIT */
/* config-scan.h: internal to config.c: the line scanner of recharged.conf and its error list. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define IN_SET(x, ...)                                                 \
        ({                                                             \
                bool _found = false;                                   \
                const int _set[] = { __VA_ARGS__ };                    \
                for (size_t _i = 0; _i < ELEMENTSOF(_set); _i++)       \
                        if ((x) == _set[_i])                           \
                                _found = true;                         \
                _found;                                                \
        })

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

typedef enum ConfigKey {
        /* [general] */
        KEY_HEADS_UP,
        KEY_RECONNECT,
        KEY_SILENCE,
        KEY_STATUS,
        KEY_ON_START,
        KEY_ON_END,
        KEY_HOOK_TIMEOUT,
        KEY_ALLOWANCE,
        KEY_DIGEST,
        KEY_AWAY_SHARE,
        /* entries */
        KEY_TYPE,
        KEY_DAYS,
        KEY_MESSAGE,
        KEY_ENABLED,
        KEY_START,
        KEY_END,
        KEY_DURATION,
        KEY_DND,
        KEY_EVERY,
        KEY_BETWEEN,
        KEY_AT,
        /* [share] and [partner] (recharged-share); they also take days, heads-up, message-free */
        KEY_CALENDAR,
        KEY_USER,
        KEY_PASSWORD_COMMAND,
        KEY_SHOW,
        KEY_REMINDERS,
        KEY_CA_FILE,
        KEY_TIMEOUT,
        KEY_NAME,
        KEY_MATCH,
        KEY_REFRESH,
        _KEY_MAX,
        _KEY_INVALID = -EINVAL,
} ConfigKey;
#define KEY_GENERAL_LAST KEY_AWAY_SHARE
const char *config_key_to_string(ConfigKey k);
ConfigKey config_key_from_string(const char *s);

/* What a section is: its name decides ("share" and "partner" are reserved, like "general"). */
typedef enum SectionKind {
        SECTION_ENTRY,
        SECTION_GENERAL,
        SECTION_SHARE,
        SECTION_PARTNER,
        _SECTION_KIND_MAX,
} SectionKind;
SectionKind section_kind_from_name(const char *name);
/* Whether key k may appear in a section of this kind. */
bool config_key_allowed(ConfigKey k, SectionKind kind);

typedef struct Section {
        char *name;                 /* lower case; in the parser's strings */
        unsigned line;              /* of its (first) header */
        unsigned last_line;         /* of its last key, where "missing" errors sort */
        size_t offset;              /* where its header line begins in the text */
        bool general;
        bool skip;                  /* not validated as an entry: a misspelt [general], [share], [partner] */
        SectionKind kind;
        unsigned key_line[_KEY_MAX]; /* 0 when the key is not there */
        char *value[_KEY_MAX];      /* in the parser's strings */
} Section;

typedef struct Problem {
        unsigned line, seq;
        bool after;                 /* sorts after the other problems on its line */
        char *text;
} Problem;

#define PROBLEMS_MAX 256

/* The scan's strings (section names, values) live in blocks freed all at once: a malloc() and a
 * free() for each was a fifth of a load. */
typedef struct StringBlock StringBlock;
struct StringBlock {
        StringBlock *next;
        size_t used, size;
        char data[];
};

typedef struct Parser {
        const char *name;           /* FILE in error lines */
        Section *sections;
        size_t n_sections, n_entries, cap_sections;
        /* Section names → index + 1 (0: empty slot), open addressing: finding a section by name
         * costs the same for the first and the 4096th, so the scan stays linear. */
        size_t *by_name;
        size_t by_name_size;        /* a power of two, at least twice n_sections */
        size_t line_offset;         /* where the logical line being scanned begins */
        StringBlock *strings;
        Problem *problems;
        size_t n_problems, n_dropped;
        bool oom;
} Parser;

void parser_done(Parser *p);

#define SCAN_NO_LINE 1u
/* Adds "NAME:LINE: …"; with line 0 or SCAN_NO_LINE "NAME: …", the latter sorting after the
 * problems on line `line`. */
void scan_error(Parser *p, unsigned line, unsigned flags, const char *fmt, ...) _printf_(4, 5);
/* The problems, sorted by line, as a strv. */
int scan_take_errors(Parser *p, char ***ret);

/* The index of the section named name (n bytes, lower case), or -1. */
long scan_find_section(const Parser *p, const char *name, size_t n);

/* Splits text into sections and keys, with the values as iniparser would read them. */
void scan_text(Parser *p, const char *text, size_t len);

/* Helpers for the validation. */
bool scan_is_space(char c);
char *scan_strip(char *s);    /* in place; returns s */
char *scan_lowercase(char *s);
bool utf8_valid(const char *s, size_t n);
/* User text for an error line: valid UTF-8, control bytes as \xNN, long text cut with "…". */
#define QUOTE_MAX 280
const char *quote(char buf[static QUOTE_MAX], const char *s);
unsigned levenshtein(const char *a, const char *b);
