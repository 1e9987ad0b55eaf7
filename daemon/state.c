/* SPDX-License-Identifier: MIT */
/* state.c: the state file (its text format, parser and atomic save) and its mapping to the engine's overlay;
 * state-text.c keeps its text between saves. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "macro.h"
#include "state.h"
#include "state-internal.h"
#include "text-record.h"

/*
 * The file, one record a line, tokens separated by blanks, times in decimal microseconds since
 * the epoch (18446744073709551615 is USEC_INFINITY), strings quoted as text_quote() writes them:
 *
 *   recharged-state 1
 *   processed <until>
 *   paused <since> <until>
 *   manual <since> <until> "<message>"
 *   entry "<name>" done <of>
 *   override "<name>" <of> <start> <end>
 *   silence "<server>" "<before>"
 *   active manual|schedule "<entry>" <of> <start> <end> <began> <note> "<message>" <away>
 *   away <since> <hold-since> <hold-until>
 *   welcome manual|schedule "<entry>" <of> <start> <end> <began> <note> "<message>" <away> "<digest>"
 *
 * Version 2 added `shown <of>` at the end of an entry line (the reminder shown last) and the
 * active records; a version 1 file is read as one without them. Version 3 added the away time
 * at the end of an active line (a version 2 line is read as away 0), the away record (at most
 * once: the person is away from the screen since, and the span that holds reminders) and the
 * welcome records (blocks that ended while the person was away, greeted when they return).
 * The version line comes first and exactly once; processed, paused and manual at most once; every entry of
 * the State has an `entry` line (done 0 when none), its overrides follow it and must name an
 * entry declared before. Blank lines are allowed; every line, the last too, ends with a newline
 * (a missing one means the file was cut). Anything else, an unknown record kind included, is
 * -EBADMSG: a later format that adds records says so with a new version number.
 */

#define STATE_VERSION 3

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static void unlink_and_freep(char **p) {
        if (*p) {
                int saved = errno;
                (void) unlink(*p);
                errno = saved;
                free(*p);
        }
}

static bool word_is(const char *w, size_t n, const char *literal) {
        return strlen(literal) == n && memcmp(w, literal, n) == 0;
}

void state_active_done(StateActive *a) {
        free(a->entry);
        free(a->message);
        free(a->digest);
        *a = (StateActive) {};
}

int state_active_copy(const StateActive *v, size_t n, StateActive **ret) {
        StateActive *c;

        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        c = calloc(n, sizeof(StateActive));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                c[i] = v[i];
                c[i].entry = strdup(v[i].entry ?: "");
                c[i].message = strdup(v[i].message ?: "");
                c[i].digest = v[i].digest ? strdup(v[i].digest) : NULL;
                if (!c[i].entry || !c[i].message || (v[i].digest && !c[i].digest)) {
                        for (size_t k = 0; k <= i; k++)
                                state_active_done(&c[k]);
                        free(c);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

State *state_free(State *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_active; i++)
                state_active_done(&s->active[i]);
        free(s->active);
        for (size_t i = 0; i < s->n_welcome; i++)
                state_active_done(&s->welcome[i]);
        free(s->welcome);
        free(s->manual_message);
        for (size_t i = 0; i < s->n_entries; i++)
                free(s->entries[i].name);
        free(s->entries);
        for (size_t i = 0; i < s->n_silence; i++) {
                free(s->silence[i].server);
                free(s->silence[i].before);
        }
        free(s);
        return NULL;
}

static int strcasecmp_ptr(const void *a, const void *b) {
        return strcasecmp(*(const char * const *) a, *(const char * const *) b);
}

/* Entry names must be unique the way config_find_entry() compares them (case-insensitively),
 * else two records would land on one entry. */
static int check_names_unique(const StateEntry *entries, size_t n) {
        _cleanup_free_ const char **names = NULL;

        if (n < 2)
                return 0;
        names = malloc(n * sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                names[i] = entries[i].name;
        qsort(names, n, sizeof(char *), strcasecmp_ptr);
        for (size_t i = 1; i < n; i++)
                if (strcasecmp(names[i - 1], names[i]) == 0)
                        return -EBADMSG;
        return 0;
}

bool state_string_ok(const char *s, bool may_be_empty) {
        return s && (may_be_empty || *s) && strlen(s) <= STATE_STRING_MAX;
}

/* What state_format() writes, state_parse() must read back; refuse here what it would refuse. */
int state_verify(const State *s) {
        int r;

        if (s->n_entries > STATE_ENTRIES_MAX || s->n_silence > STATE_SILENCE_MAX || s->n_active > STATE_ACTIVE_MAX ||
            s->n_welcome > STATE_ACTIVE_MAX)
                return -EINVAL;
        for (size_t i = 0; i < s->n_active; i++)
                if (!state_string_ok(s->active[i].entry, s->active[i].manual) || !state_string_ok(s->active[i].message, true) ||
                    s->active[i].manual != !*s->active[i].entry)
                        return -EINVAL;
        for (size_t i = 0; i < s->n_welcome; i++)
                if (!state_string_ok(s->welcome[i].entry, s->welcome[i].manual) || !state_string_ok(s->welcome[i].message, true) ||
                    (s->welcome[i].digest && !state_string_ok(s->welcome[i].digest, true)) ||
                    s->welcome[i].manual != !*s->welcome[i].entry)
                        return -EINVAL;
        if (s->n_entries > 0 && !s->entries)
                return -EINVAL;
        if (s->manual_message && !state_string_ok(s->manual_message, true))
                return -EINVAL;
        for (size_t i = 0; i < s->n_entries; i++)
                if (!state_string_ok(s->entries[i].name, false) || s->entries[i].overlay.n_overrides > OVERRIDES_MAX)
                        return -EINVAL;
        for (size_t i = 0; i < s->n_silence; i++)
                if (!state_string_ok(s->silence[i].server, false) || !state_string_ok(s->silence[i].before, true))
                        return -EINVAL;

        r = check_names_unique(s->entries, s->n_entries);
        if (r == -EBADMSG)
                return -EINVAL;
        return r;
}

void state_format_active(FILE *f, const char *record, const StateActive *a) {
        fprintf(f, "%s %s ", record, a->manual ? "manual" : "schedule");
        (void) text_quote(f, a->entry);
        fprintf(f, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu32 " ", a->of, a->start, a->end,
                a->began, a->note);
        (void) text_quote(f, a->message);
        fprintf(f, " %" PRIu64, a->away);
        /* Only a welcome record says what arrived: its end notification is still to come. */
        if (streq(record, "welcome")) {
                fputc(' ', f);
                (void) text_quote(f, a->digest ?: "");
        }
        fputc('\n', f);
}

/* The records before the entries' (version, processed, paused, manual). */
void state_format_head(FILE *f, const State *s) {
        fprintf(f, "recharged-state %d\n", STATE_VERSION);
        if (s->processed != 0)
                fprintf(f, "processed %" PRIu64 "\n", s->processed);
        if (s->paused_since != 0 || s->paused_until != 0)
                fprintf(f, "paused %" PRIu64 " %" PRIu64 "\n", s->paused_since, s->paused_until);
        if (s->manual_since != 0 || s->manual_until != 0 || s->manual_message) {
                fprintf(f, "manual %" PRIu64 " %" PRIu64 " ", s->manual_since, s->manual_until);
                (void) text_quote(f, s->manual_message ?: "");
                fputc('\n', f);
        }
}

/* One entry's records: its entry line and its overrides. StateText keeps these between saves,
 * so this is the only writer of them. */
void state_format_entry(FILE *f, const char *name, const EntryOverlay *eo, size_t n_overrides) {
        fputs("entry ", f);
        (void) text_quote(f, name);
        fprintf(f, " done %" PRIu64 " shown %" PRIu64 "\n", eo->done, eo->shown);
        for (size_t k = 0; k < n_overrides; k++) {
                const Override *v = &eo->overrides[k];

                fputs("override ", f);
                (void) text_quote(f, name);
                fprintf(f, " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", v->of, v->start, v->end);
        }
}

/* The records after the entries' (silence, active, away, welcome). */
void state_format_silence(FILE *f, const State *s) {
        for (size_t i = 0; i < s->n_silence; i++) {
                fputs("silence ", f);
                (void) text_quote(f, s->silence[i].server);
                fputc(' ', f);
                (void) text_quote(f, s->silence[i].before);
                fputc('\n', f);
        }
}

void state_format_away(FILE *f, const State *s) {
        if (s->away_since != 0 || s->hold_since != 0 || s->hold_until != 0)
                fprintf(f, "away %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", s->away_since, s->hold_since, s->hold_until);
}

static void format_tail(FILE *f, const State *s) {
        state_format_silence(f, s);
        for (size_t i = 0; i < s->n_active; i++)
                state_format_active(f, "active", &s->active[i]);
        state_format_away(f, s);
        for (size_t i = 0; i < s->n_welcome; i++)
                state_format_active(f, "welcome", &s->welcome[i]);
}

/* Closes a memory stream, whose buffer is only complete after fclose(). */
int state_memstream_finish(FILE **f) {
        bool failed = ferror(*f);

        if (fclose(TAKE_PTR(*f)) != 0 || failed)
                return -ENOMEM;
        return 0;
}

int state_format(const State *s, char **ret_text) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        size_t size = 0;
        int r;

        r = state_verify(s);
        if (r < 0)
                return r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        state_format_head(f, s);
        for (size_t i = 0; i < s->n_entries; i++)
                state_format_entry(f, s->entries[i].name, &s->entries[i].overlay,
                             MIN(s->entries[i].overlay.n_overrides, (size_t) OVERRIDES_MAX));
        format_tail(f, s);

        r = state_memstream_finish(&f);
        if (r < 0)
                return r;

        *ret_text = TAKE_PTR(buf);
        return 0;
}

static StateEntry *state_find_entry(State *s, const char *name) {
        /* The writer puts overrides right after their entry: try the last one first. */
        if (s->n_entries > 0 && streq(s->entries[s->n_entries - 1].name, name))
                return &s->entries[s->n_entries - 1];
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].name, name))
                        return &s->entries[i];
        return NULL;
}

/* "<name> <u64>": a number after the word that names it. */
static int read_named_u64(const char **p, const char *name, uint64_t *ret) {
        const char *word;
        size_t len;
        int r;

        r = text_read_word(p, &word, &len);
        if (r < 0)
                return r;
        if (!word_is(word, len, name))
                return -EBADMSG;
        return text_read_u64(p, ret);
}

typedef struct ParseContext {
        State *state;
        unsigned version;
        size_t allocated, allocated_active, allocated_welcome;
        bool have_processed, have_paused, have_manual, have_away;
} ParseContext;

/* An active or welcome record after its first word, appended to *v. */
static int parse_active(ParseContext *ctx, const char **p, bool welcome, StateActive **v, size_t *n,
                        size_t *allocated) {
        _cleanup_(state_active_done) StateActive a = {};
        const char *word;
        uint64_t note;
        size_t len;
        int r;

        r = text_read_word(p, &word, &len);
        if (r < 0)
                return r;
        if (word_is(word, len, "manual"))
                a.manual = true;
        else if (!word_is(word, len, "schedule"))
                return -EBADMSG;
        r = text_read_string(p, STATE_STRING_MAX, &a.entry);
        if (r < 0)
                return r;
        if (a.manual != !*a.entry)
                return -EBADMSG;
        r = text_read_u64(p, &a.of);
        if (r >= 0)
                r = text_read_u64(p, &a.start);
        if (r >= 0)
                r = text_read_u64(p, &a.end);
        if (r >= 0)
                r = text_read_u64(p, &a.began);
        if (r >= 0)
                r = text_read_u64(p, &note);
        if (r >= 0 && note > UINT32_MAX)
                r = -EBADMSG;
        if (r >= 0)
                r = text_read_string(p, STATE_STRING_MAX, &a.message);
        if (r >= 0 && ctx->version >= 3)
                r = text_read_u64(p, &a.away);
        if (r >= 0 && welcome)
                r = text_read_string(p, STATE_STRING_MAX, &a.digest);
        if (r < 0)
                return r;
        if (a.digest && !*a.digest) {
                free(a.digest);
                a.digest = NULL;
        }
        a.note = (uint32_t) note;
        if (*n >= STATE_ACTIVE_MAX)
                return -EBADMSG;
        if (*n >= *allocated) {
                size_t k = MAX(*allocated * 2, (size_t) 4);
                StateActive *w = reallocarray(*v, k, sizeof(StateActive));
                if (!w)
                        return -ENOMEM;
                *v = w;
                *allocated = k;
        }
        (*v)[(*n)++] = a;
        a = (StateActive) {};
        return 0;
}

static int parse_record(ParseContext *ctx, const char *p) {
        State *s = ctx->state;
        const char *word;
        size_t len;
        int r;

        r = text_read_word(&p, &word, &len);
        if (r < 0)
                return r;

        if (word_is(word, len, "processed")) {
                if (ctx->have_processed)
                        return -EBADMSG;
                ctx->have_processed = true;
                r = text_read_u64(&p, &s->processed);
                if (r < 0)
                        return r;

        } else if (word_is(word, len, "paused")) {
                if (ctx->have_paused)
                        return -EBADMSG;
                ctx->have_paused = true;
                r = text_read_u64(&p, &s->paused_since);
                if (r < 0)
                        return r;
                r = text_read_u64(&p, &s->paused_until);
                if (r < 0)
                        return r;

        } else if (word_is(word, len, "manual")) {
                if (ctx->have_manual)
                        return -EBADMSG;
                ctx->have_manual = true;
                r = text_read_u64(&p, &s->manual_since);
                if (r < 0)
                        return r;
                r = text_read_u64(&p, &s->manual_until);
                if (r < 0)
                        return r;
                r = text_read_string(&p, STATE_STRING_MAX, &s->manual_message);
                if (r < 0)
                        return r;

        } else if (word_is(word, len, "entry")) {
                _cleanup_free_ char *name = NULL;
                usec_t done, shown = 0;

                r = text_read_string(&p, STATE_STRING_MAX, &name);
                if (r < 0)
                        return r;
                if (!*name)
                        return -EBADMSG;
                r = read_named_u64(&p, "done", &done);
                if (r < 0)
                        return r;
                if (ctx->version >= 2) {
                        r = read_named_u64(&p, "shown", &shown);
                        if (r < 0)
                                return r;
                }
                r = text_read_end(&p);
                if (r < 0)
                        return r;

                if (s->n_entries >= STATE_ENTRIES_MAX)
                        return -EBADMSG;
                if (s->n_entries >= ctx->allocated) {
                        size_t a = MAX(ctx->allocated * 2, (size_t) 16);
                        StateEntry *n = reallocarray(s->entries, a, sizeof(StateEntry));
                        if (!n)
                                return -ENOMEM;
                        s->entries = n;
                        ctx->allocated = a;
                }
                s->entries[s->n_entries++] = (StateEntry) {
                        .name = TAKE_PTR(name),
                        .overlay.done = done,
                        .overlay.shown = shown,
                };

        } else if (word_is(word, len, "override")) {
                _cleanup_free_ char *name = NULL;
                StateEntry *e;
                Override v;

                r = text_read_string(&p, STATE_STRING_MAX, &name);
                if (r < 0)
                        return r;
                r = text_read_u64(&p, &v.of);
                if (r < 0)
                        return r;
                r = text_read_u64(&p, &v.start);
                if (r < 0)
                        return r;
                r = text_read_u64(&p, &v.end);
                if (r < 0)
                        return r;
                r = text_read_end(&p);
                if (r < 0)
                        return r;

                e = state_find_entry(s, name);
                if (!e || e->overlay.n_overrides >= OVERRIDES_MAX)
                        return -EBADMSG;
                e->overlay.overrides[e->overlay.n_overrides++] = v;

        } else if (word_is(word, len, "silence")) {
                _cleanup_free_ char *server = NULL, *before = NULL;

                r = text_read_string(&p, STATE_STRING_MAX, &server);
                if (r < 0)
                        return r;
                if (!*server)
                        return -EBADMSG;
                r = text_read_string(&p, STATE_STRING_MAX, &before);
                if (r < 0)
                        return r;
                if (s->n_silence >= STATE_SILENCE_MAX)
                        return -EBADMSG;
                s->silence[s->n_silence++] = (StateSilence) {
                        .server = TAKE_PTR(server),
                        .before = TAKE_PTR(before),
                };

        } else if (word_is(word, len, "active") && ctx->version >= 2) {
                r = parse_active(ctx, &p, false, &s->active, &s->n_active, &ctx->allocated_active);
                if (r < 0)
                        return r;

        } else if (word_is(word, len, "welcome") && ctx->version >= 3) {
                r = parse_active(ctx, &p, true, &s->welcome, &s->n_welcome, &ctx->allocated_welcome);
                if (r < 0)
                        return r;

        } else if (word_is(word, len, "away") && ctx->version >= 3) {
                if (ctx->have_away)
                        return -EBADMSG;
                ctx->have_away = true;
                r = text_read_u64(&p, &s->away_since);
                if (r >= 0)
                        r = text_read_u64(&p, &s->hold_since);
                if (r >= 0)
                        r = text_read_u64(&p, &s->hold_until);
                if (r < 0)
                        return r;

        } else
                return -EBADMSG;

        return text_read_end(&p);
}

/* The version of the file (1 to STATE_VERSION), or -EBADMSG. */
static int parse_version(const char *p) {
        const char *word;
        uint64_t v;
        size_t len;
        int r;

        r = text_read_word(&p, &word, &len);
        if (r < 0)
                return r;
        if (!word_is(word, len, "recharged-state"))
                return -EBADMSG;
        r = text_read_u64(&p, &v);
        if (r < 0)
                return r;
        if (v < 1 || v > STATE_VERSION)
                return -EBADMSG;
        r = text_read_end(&p);
        if (r < 0)
                return r;
        return (int) v;
}

int state_parse(const char *text, State **ret) {
        _cleanup_(state_freep) State *s = NULL;
        ParseContext ctx = {};
        bool first = true;
        int r;

        s = calloc(1, sizeof(State));
        if (!s)
                return -ENOMEM;
        ctx.state = s;

        for (const char *line = text; *line;) {
                const char *nl = strchr(line, '\n'), *p = line;

                if (!nl)
                        return -EBADMSG;

                if (first) {
                        r = parse_version(line);
                        if (r > 0)
                                ctx.version = (unsigned) r;
                        first = false;
                } else if (text_read_end(&p) >= 0)
                        r = 0; /* a blank line */
                else
                        r = parse_record(&ctx, line);
                if (r < 0)
                        return r;

                line = nl + 1;
        }
        if (first)
                return -EBADMSG;

        r = check_names_unique(s->entries, s->n_entries);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

int state_load(const char *path, State **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        /* Bounded and never blocking: a FIFO or device here is refused as it is (its errno says
         * what it is), not read. A regular file over the limit is damaged. */
        r = read_file_bounded(path, STATE_FILE_MAX, &buf, &n, NULL);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        if (memchr(buf, '\0', n))
                return -EBADMSG;

        return state_parse(buf, ret);
}

static int path_dirname(const char *path, char **ret) {
        const char *slash = strrchr(path, '/');
        char *d;

        if (!slash)
                d = strdup(".");
        else if (slash == path)
                d = strdup("/");
        else
                d = strndup(path, slash - path);
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 0;
}

static int path_basename(const char *path, const char **ret) {
        const char *slash = strrchr(path, '/');
        const char *b = slash ? slash + 1 : path;

        if (!*b)
                return -EINVAL;
        *ret = b;
        return 0;
}

static int mkdir_p(const char *dir, mode_t mode) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (stat(dir, &st) >= 0 && S_ISDIR(st.st_mode))
                return 0;

        p = strdup(dir);
        if (!p)
                return -ENOMEM;
        for (char *i = p + 1;; i++) {
                char c = *i;

                if (c != '/' && c != '\0')
                        continue;
                *i = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *i = c;
                if (c == '\0')
                        return 0;
        }
}

int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = path_dirname(path, &dir);
        if (r < 0)
                return r;
        return mkdir_p(dir, mode);
}

static int write_all(int fd, const char *buf, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, buf, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                buf += k;
                n -= (size_t) k;
        }
        return 0;
}

static int open_temporary(const char *path, char **ret_tmp) {
        _cleanup_free_ char *dir = NULL;
        const char *base;
        int r;

        r = path_dirname(path, &dir);
        if (r < 0)
                return r;
        r = path_basename(path, &base);
        if (r < 0)
                return r;

        /* systemd's naming: ".#<name><16 hex>" beside the target; O_EXCL makes a clash a retry. */
        for (unsigned attempt = 0; attempt < 16; attempt++) {
                _cleanup_free_ char *tmp = NULL;
                uint64_t rnd;
                int fd;

                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                        rnd = (uint64_t) getpid() << 32 ^ (uint64_t) (uintptr_t) &rnd ^ attempt;
                if (asprintf(&tmp, "%s/.#%s%016" PRIx64, dir, base, rnd) < 0)
                        return -ENOMEM;

                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
                if (fd >= 0) {
                        *ret_tmp = TAKE_PTR(tmp);
                        return fd;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

int state_save(const char *path, const State *s) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = state_format(s, &text);
        if (r < 0)
                return r;
        return state_save_text(path, text);
}

int state_save_text(const char *path, const char *text) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_(unlink_and_freep) char *tmp = NULL;
        _cleanup_close_ int dfd = -1, fd = -1;
        int r;

        r = path_dirname(path, &dir);
        if (r < 0)
                return r;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        /* Opened before the rename, so nothing after it can fail for lack of a descriptor. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;

        fd = open_temporary(path, &tmp);
        if (fd < 0)
                return fd;

        r = write_all(fd, text, strlen(text));
        if (r < 0)
                return r;
        if (fsync(fd) < 0)
                return -errno;
        if (close(TAKE_FD(fd)) < 0)
                return -errno;

        if (rename(tmp, path) < 0)
                return -errno;
        /* Renamed: nothing left to unlink. */
        free(TAKE_PTR(tmp));

        /* The rename is only durable once the folder is synced. Some file systems cannot sync a
         * folder (EINVAL); the file is in place there, which is the best they offer. */
        if (fsync(dfd) < 0 && errno != EINVAL)
                return -errno;
        return 0;
}

int state_dir_lock(const char *dir, int *ret_fd, pid_t *ret_holder) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        bool writable = true;
        char pid[32];
        int r, n;

        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/lock", dir) < 0)
                return -ENOMEM;
        /* O_NOFOLLOW|O_NONBLOCK: a symlink or FIFO planted here is refused, never followed. */
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0600);
        if (fd < 0 && (errno == EROFS || errno == EACCES)) {
                /* A read-only folder: flock() needs no write access to a lock file already there. */
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
                writable = false;
        }
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                r = -errno;
                if (r == -EWOULDBLOCK && ret_holder) {
                        ssize_t k = pread(fd, pid, sizeof pid - 1, 0);
                        pid[MAX(k, (ssize_t) 0)] = '\0';
                        *ret_holder = (pid_t) strtol(pid, NULL, 10);
                }
                return r == -EWOULDBLOCK ? -EBUSY : r;
        }
        /* Who holds it, for the next one's message; the lock, not this text, is what counts. */
        n = snprintf(pid, sizeof pid, "%d\n", (int) getpid());
        if (writable && ftruncate(fd, 0) >= 0)
                (void) !pwrite(fd, pid, (size_t) n, 0);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* open_temporary()'s names: ".#" + base + 16 lower-case hex digits. */
static bool is_temporary_of(const char *name, const char *base) {
        size_t bl = strlen(base);

        if (strncmp(name, ".#", 2) != 0 || strncmp(name + 2, base, bl) != 0)
                return false;
        name += 2 + bl;
        if (strlen(name) != 16)
                return false;
        return strspn(name, "0123456789abcdef") == 16;
}

int state_remove_stale_temporaries(const char *path, unsigned *ret_removed) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        const char *base;
        unsigned removed = 0;
        struct dirent *de;
        int r, ret = 0;

        r = path_dirname(path, &dir);
        if (r < 0)
                return r;
        r = path_basename(path, &base);
        if (r < 0)
                return r;
        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                if (ret_removed)
                        *ret_removed = 0;
                return 0;
        }

        /* Only what a save killed mid-way leaves: a regular file of ours named like its temp. */
        while ((errno = 0, de = readdir(d))) {
                struct stat st;

                if (!is_temporary_of(de->d_name, base))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
                    st.st_uid != geteuid())
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
                        if (errno != ENOENT && ret == 0)
                                ret = -errno;
                        continue;
                }
                removed++;
        }
        if (errno != 0 && ret == 0)
                ret = -errno;
        if (ret_removed)
                *ret_removed = removed;
        return ret;
}

int state_check_file(const char *path) {
        struct stat st;

        /* Followed: a symlink to our file is fine, a symlink to a FIFO is not. */
        if (stat(path, &st) < 0)
                return -errno;
        return file_refuse_type(st.st_mode);
}

int state_move_aside(const char *path, usec_t now, char **ret_newpath) {
        _cleanup_free_ char *n = NULL;

        if (asprintf(&n, "%s.bad-%" PRIu64, path, now / USEC_PER_SEC) < 0)
                return -ENOMEM;

        /* Never overwrite an earlier damaged copy: it may be the one worth looking at. */
        if (renameat2(AT_FDCWD, path, AT_FDCWD, n, RENAME_NOREPLACE) < 0) {
                if (errno != EINVAL && errno != ENOSYS)
                        return -errno;
                if (rename(path, n) < 0)
                        return -errno;
        }

        if (ret_newpath)
                *ret_newpath = TAKE_PTR(n);
        return 0;
}

int state_to_overlay(const State *s, const Config *c, Overlay *o, char ***ret_dropped) {
        _cleanup_strv_free_ char **dropped = NULL;
        int r;

        if (o->n_entries != c->n_entries || (c->n_entries > 0 && !o->entries))
                return -EINVAL;

        /* The only step that can fail comes first, so *o is untouched on failure. */
        for (size_t i = 0; i < s->n_entries; i++) {
                r = config_find_entry(c, s->entries[i].name);
                if (r >= 0)
                        continue;
                if (r != -ENOENT)
                        return r;
                r = strv_extend(&dropped, s->entries[i].name);
                if (r < 0)
                        return r;
        }

        if (o->n_entries > 0) /* a config without entries has no array at all */
                memset(o->entries, 0, sizeof(EntryOverlay) * o->n_entries);
        for (size_t i = 0; i < s->n_entries; i++) {
                EntryOverlay *eo;

                r = config_find_entry(c, s->entries[i].name);
                if (r < 0)
                        continue;
                eo = &o->entries[r];
                *eo = s->entries[i].overlay;
                eo->n_overrides = MIN(eo->n_overrides, (size_t) OVERRIDES_MAX);
        }
        o->paused_since = s->paused_since;
        o->paused_until = s->paused_until;
        o->manual_since = s->manual_since;
        o->manual_until = s->manual_until;
        o->away_since = s->hold_since;
        o->away_until = s->hold_until;

        if (ret_dropped)
                *ret_dropped = TAKE_PTR(dropped);
        return 0;
}

bool state_entry_worth_keeping(const EntryOverlay *eo) {
        return eo->n_overrides > 0 || eo->done != 0 || eo->shown != 0;
}

int state_from_overlay(State *s, const Config *c, const Overlay *o) {
        StateEntry *entries = NULL;
        size_t n = 0;

        if (o->n_entries != c->n_entries || (c->n_entries > 0 && !o->entries))
                return -EINVAL;

        for (size_t i = 0; i < o->n_entries; i++)
                if (state_entry_worth_keeping(&o->entries[i]))
                        n++;
        if (n > 0) {
                entries = calloc(n, sizeof(StateEntry));
                if (!entries)
                        return -ENOMEM;
        }

        n = 0;
        for (size_t i = 0; i < o->n_entries; i++) {
                if (!state_entry_worth_keeping(&o->entries[i]))
                        continue;
                entries[n].name = strdup(c->entries[i].name);
                if (!entries[n].name) {
                        for (size_t k = 0; k < n; k++)
                                free(entries[k].name);
                        free(entries);
                        return -ENOMEM;
                }
                entries[n].overlay = o->entries[i];
                entries[n].overlay.n_overrides = MIN(entries[n].overlay.n_overrides, (size_t) OVERRIDES_MAX);
                n++;
        }

        for (size_t i = 0; i < s->n_entries; i++)
                free(s->entries[i].name);
        free(s->entries);
        s->entries = entries;
        s->n_entries = n;

        s->paused_since = o->paused_since;
        s->paused_until = o->paused_until;
        s->manual_since = o->manual_since;
        s->manual_until = o->manual_until;
        s->hold_since = o->away_since;
        s->hold_until = o->away_until;
        return 0;
}
