/* SPDX-License-Identifier: MIT */
/* config.c: finds, reads and validates recharged.conf into a Config, reporting every problem. */

/*
 * Error lines, sorted by line, one per problem:
 *   - "FILE:LINE: [section] key: …" for a key that is there (LINE is the key's line; for a value
 *     continued with '\' its first line), "FILE:LINE: [section]: …" for a section header, and
 *     "FILE:LINE: …" for a line that is not INI at all;
 *   - "FILE: [section] key: missing, …" for a required key that is absent: it has no line, and
 *     sorts after the other problems of its section;
 *   - "FILE: …" for whole-file problems (cannot open, a directory, NUL bytes, over 1 MiB).
 * At most PROBLEMS_MAX lines, then one that says how many more there were.
 *
 * Syntax. Our own scan reads the values exactly as iniparser 4.1 would (config-ini.c checks
 * that it does, in the tests and the fuzzer), and finds line numbers, duplicates and what
 * iniparser would accept silently. The scan mirrors iniparser: lines of at
 * most CONFIG_LINE_MAX bytes; blanks around everything are stripped; a line ending in '\' goes on
 * on the next line; '#' or ';' first on a line make it a comment; names are lower-cased. A value
 * in "…" or '…' is taken verbatim; in an unquoted value ';' or '#' starts a comment (so
 * "heads-up = 10min ; warn early" is 10min). Where
 * iniparser would quietly lose text we refuse instead: an unclosed quote, text after the closing
 * quote, a ';' or '#' glued to the text before it ("Tea;then bed" would become "Tea"), a comment
 * after a [section] (iniparser's syntax error).
 *
 * Defaults: heads-up 10min, reconnect and silence-notifications yes, status
 * CONFIG_STATUS_DEFAULT, no hooks; an entry's days daily, enabled and dnd yes, and its message its
 * own name (an empty one only when written: message = "").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "config.h"
#include "status-template.h"
#include "config-scan.h"
#include "fileio.h"
#include "macro.h"
#include "names.h"

int (*config_check_iniparser)(struct Parser *p, const char *text, size_t len) = NULL;

static const char *const entry_type_table[_ENTRY_TYPE_MAX] = {
        [ENTRY_RECHARGE] = "recharge",
        [ENTRY_SELFCARE] = "selfcare",
};

const char *entry_type_to_string(EntryType t) {
        if (t < 0 || t >= _ENTRY_TYPE_MAX)
                return NULL;
        return entry_type_table[t];
}

EntryType entry_type_from_string(const char *s) {
        if (s)
                for (int i = 0; i < _ENTRY_TYPE_MAX; i++)
                        if (streq(s, entry_type_table[i]))
                                return i;
        return _ENTRY_TYPE_INVALID;
}

/* ---- finding the file ---- */

static bool exists(const char *p) {
        struct stat st;
        return stat(p, &st) == 0;
}

int config_find(const char *override, char **ret) {
        const char *e;
        char *p = NULL;

        if (override) {
                p = strdup(override);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }

        /* XDG base directory spec: relative paths in these variables are ignored. */
        e = getenv("XDG_CONFIG_HOME");
        if (e && e[0] == '/') {
                if (asprintf(&p, "%s/recharged/recharged.conf", e) < 0)
                        return -ENOMEM;
        } else {
                e = getenv("HOME");
                if (e && e[0] == '/' && asprintf(&p, "%s/.config/recharged/recharged.conf", e) < 0)
                        return -ENOMEM;
        }
        if (p && exists(p)) {
                *ret = p;
                return 0;
        }
        free(p);

        e = getenv("XDG_CONFIG_DIRS");
        if (!e || !e[0])
                e = "/etc/xdg";
        for (const char *s = e; *s;) {
                size_t n = strcspn(s, ":");
                if (s[0] == '/') {
                        if (asprintf(&p, "%.*s/recharged/recharged.conf", (int) n, s) < 0)
                                return -ENOMEM;
                        if (exists(p)) {
                                *ret = p;
                                return 0;
                        }
                        p = mfree(p);
                }
                s += n;
                if (*s == ':')
                        s++;
        }
        *ret = NULL;
        return 0;
}

/* ---- validation of the scanned sections ---- */

static const char *const key_names[_KEY_MAX] = {
        [KEY_HEADS_UP] = "heads-up",
        [KEY_RECONNECT] = "reconnect",
        [KEY_SILENCE] = "silence-notifications",
        [KEY_STATUS] = "status",
        [KEY_ON_START] = "on-start",
        [KEY_ON_END] = "on-end",
        [KEY_HOOK_TIMEOUT] = "hook-timeout",
        [KEY_ALLOWANCE] = "allowance",
        [KEY_DIGEST] = "digest",
        [KEY_AWAY_SHARE] = "away-share",
        [KEY_TYPE] = "type",
        [KEY_DAYS] = "days",
        [KEY_MESSAGE] = "message",
        [KEY_ENABLED] = "enabled",
        [KEY_START] = "start",
        [KEY_END] = "end",
        [KEY_DURATION] = "duration",
        [KEY_DND] = "dnd",
        [KEY_EVERY] = "every",
        [KEY_BETWEEN] = "between",
        [KEY_AT] = "at",
        [KEY_CALENDAR] = "calendar",
        [KEY_USER] = "user",
        [KEY_PASSWORD_COMMAND] = "password-command",
        [KEY_SHOW] = "show",
        [KEY_REMINDERS] = "reminders",
        [KEY_CA_FILE] = "ca-file",
        [KEY_TIMEOUT] = "timeout",
        [KEY_NAME] = "name",
        [KEY_MATCH] = "match",
        [KEY_REFRESH] = "refresh",
};

const char *config_key_to_string(ConfigKey k) {
        return k >= 0 && k < _KEY_MAX ? key_names[k] : NULL;
}

ConfigKey config_key_from_string(const char *s) {
        /* Every key of every line comes through here: the first byte rules out all but a few
         * names before a whole comparison. */
        for (int k = 0; k < _KEY_MAX; k++)
                if (s[0] == key_names[k][0] && streq(s, key_names[k]))
                        return k;
        return _KEY_INVALID;
}

/* Reports a problem with a key that is there, at its line, with its value quoted where %s is. */
#define key_error(p, s, k, fmt, ...)                                                           \
        scan_error((p), (s)->key_line[k], 0, "[%s] %s: " fmt, (s)->name, key_names[k], ##__VA_ARGS__)
/* Reports a required key that is missing: no line, sorted after its section. */
#define missing(p, s, k, why) \
        scan_error((p), (s)->last_line, SCAN_NO_LINE, "[%s] %s: missing, %s", (s)->name, key_names[k], (why))

static bool has(const Section *s, ConfigKey k) {
        return s->key_line[k] > 0;
}

/* The first n bytes of s (at most size - 1 of them) as a string in buf: what
 * snprintf(buf, size, "%.*s", n, s) gives, without its cost on every value. */
static char *copy_prefix(char *buf, size_t size, const char *s, size_t n) {
        n = MIN(n, size - 1);
        memcpy(buf, s, n);
        buf[n] = 0;
        return buf;
}

/* s in buf when it fits whole; false when it is too long for it. */
static bool copy_short(char *buf, size_t size, const char *s) {
        size_t n = strnlen(s, size);

        if (n >= size)
                return false;
        memcpy(buf, s, n + 1);
        return true;
}

/* NULL when the key is not there, or its value could not be read (already reported). */
static const char *value_of(const Section *s, ConfigKey k) {
        return s->key_line[k] > 0 ? s->value[k] : NULL;
}

static void parse_bool_key(Parser *p, const Section *s, ConfigKey k, bool *b) {
        const char *v = value_of(s, k);
        char q[QUOTE_MAX];
        int r;

        if (!v)
                return;
        r = parse_boolean(v);
        if (r < 0)
                key_error(p, s, k, "'%s' is not a boolean, use yes or no", quote(q, v));
        else
                *b = r;
}

/* A span in [min, max]; whole seconds when asked. */
static int parse_span_key(Parser *p, const Section *s, ConfigKey k, usec_t min, usec_t max, bool whole,
                          usec_t *ret) {
        const char *v = value_of(s, k);
        char q[QUOTE_MAX], b[SPAN_MAX];
        usec_t u;
        int r;

        r = span_parse(v, &u);
        if (r < 0)
                key_error(p, s, k, "'%s' %s, expected a time span such as 45min", quote(q, v),
                          parse_error_to_string(r));
        else if (u < min)
                key_error(p, s, k, "'%s' is too short, at least %s", quote(q, v), span_format(min, b));
        else if (u > max)
                key_error(p, s, k, "'%s' is too long, at most %s", quote(q, v), span_format(max, b));
        else if (whole && u % USEC_PER_SEC != 0)
                key_error(p, s, k, "'%s' is not a whole number of seconds", quote(q, v));
        else {
                *ret = u;
                return 0;
        }
        return -EINVAL;
}

static int parse_clock_item(Parser *p, const Section *s, ConfigKey k, const char *v, uint32_t *ret) {
        char q[QUOTE_MAX];
        int r;

        r = clock_parse(v, ret);
        if (r < 0) {
                key_error(p, s, k, "'%s' %s, expected a clock time HH:MM or HH:MM:SS", quote(q, v),
                          parse_error_to_string(r));
                return -EINVAL;
        }
        return 0;
}

static int parse_text_key(Parser *p, const Section *s, ConfigKey k) {
        const char *v = value_of(s, k);
        size_t n = strlen(v);

        if (n > RECHARGED_MESSAGE_MAX)
                key_error(p, s, k, "is %zu bytes long, at most %d", n, RECHARGED_MESSAGE_MAX);
        else if (!utf8_valid(v, n))
                key_error(p, s, k, "is not valid UTF-8");
        else
                return 0;
        return -EINVAL;
}

/* The config's placeholders, in the order the messages list them. */
static const char *const placeholders[] = { "until", "since", "left", "message", "entry", NULL };

static void check_status(Parser *p, const Section *s) {
        _cleanup_strv_free_ char **problems = NULL;

        if (template_check(value_of(s, KEY_STATUS), placeholders, &problems) < 0) {
                p->oom = true;
                return;
        }
        for (char **i = problems; i && *i; i++)
                key_error(p, s, KEY_STATUS, "%s", *i);
}

static void validate_general(Parser *p, const Section *s, Config *c) {
        if (!s)
                return;
        if (value_of(s, KEY_HEADS_UP))
                (void) parse_span_key(p, s, KEY_HEADS_UP, 0, USEC_PER_DAY, false, &c->heads_up);
        if (value_of(s, KEY_HOOK_TIMEOUT))
                (void) parse_span_key(p, s, KEY_HOOK_TIMEOUT, USEC_PER_SEC, USEC_PER_HOUR, false, &c->hook_timeout);
        if (value_of(s, KEY_ALLOWANCE)) {
                const char *v = value_of(s, KEY_ALLOWANCE);
                char q[QUOTE_MAX];
                size_t n = strspn(v, "0123456789");
                if (n == 0 || v[n] || n > 2 || atoi(v) > CONFIG_ALLOWANCE_MAX)
                        key_error(p, s, KEY_ALLOWANCE, "'%s' is not a number of days from 0 to %d", quote(q, v),
                                  CONFIG_ALLOWANCE_MAX);
                else
                        c->allowance = (unsigned) atoi(v);
        }
        if (value_of(s, KEY_AWAY_SHARE)) {
                /* A percentage, with or without its sign: "80%", "80". */
                const char *v = value_of(s, KEY_AWAY_SHARE);
                char q[QUOTE_MAX];
                size_t n = strspn(v, "0123456789");
                if (n == 0 || n > 3 || (v[n] && !streq(v + n, "%")) || atoi(v) > 100)
                        key_error(p, s, KEY_AWAY_SHARE, "'%s' is not a share from 0%% to 100%%", quote(q, v));
                else
                        c->away_share = (unsigned) atoi(v);
        }
        parse_bool_key(p, s, KEY_RECONNECT, &c->reconnect);
        parse_bool_key(p, s, KEY_SILENCE, &c->silence_notifications);
        parse_bool_key(p, s, KEY_DIGEST, &c->digest);
        if (value_of(s, KEY_STATUS) && parse_text_key(p, s, KEY_STATUS) >= 0) {
                check_status(p, s);
                free(c->status);
                c->status = strdup(value_of(s, KEY_STATUS));
                if (!c->status)
                        p->oom = true;
        }
        for (ConfigKey k = KEY_ON_START; k <= KEY_ON_END; k++) {
                const char *v = value_of(s, k);
                if (v && v[0]) {
                        char **h = k == KEY_ON_START ? &c->on_start : &c->on_end;
                        *h = strdup(v);
                        if (!*h)
                                p->oom = true;
                }
        }
}

/* At most ENTRY_AT_MAX times, mostly two or three: qsort() cost more than the rest of the list. */
static void sort_u32(uint32_t *v, size_t n) {
        for (size_t i = 1; i < n; i++) {
                uint32_t x = v[i];
                size_t j = i;
                for (; j > 0 && v[j - 1] > x; j--)
                        v[j] = v[j - 1];
                v[j] = x;
        }
}

static void parse_at(Parser *p, const Section *s, Entry *e) {
        const char *v = value_of(s, KEY_AT);
        char q[QUOTE_MAX], item[64], b[CLOCK_MAX];
        size_t n = 0;

        for (const char *i = v;; i++) {
                size_t l = strcspn(i, ",");
                const char *a = i, *z = i + l;
                while (a < z && scan_is_space(*a))
                        a++;
                while (z > a && scan_is_space(z[-1]))
                        z--;
                if (a == z) {
                        if (v[0])
                                key_error(p, s, KEY_AT, "'%s' has an empty item", quote(q, v));
                        else
                                key_error(p, s, KEY_AT, "is empty, list clock times such as 17:00, 20:30");
                        return;
                }
                if (n == ENTRY_AT_MAX) {
                        key_error(p, s, KEY_AT, "lists more than %d times", ENTRY_AT_MAX);
                        return;
                }
                copy_prefix(item, sizeof item, a, z - a);
                if (parse_clock_item(p, s, KEY_AT, item, &e->at[n]) >= 0)
                        n++;
                i += l;
                if (!*i)
                        break;
        }
        sort_u32(e->at, n);
        for (size_t i = 1; i < n; i++)
                if (e->at[i] == e->at[i - 1])
                        key_error(p, s, KEY_AT, "%s is listed twice", clock_format_short(e->at[i], b));
        e->n_at = n;
}

static void parse_between(Parser *p, const Section *s, Entry *e) {
        const char *v = value_of(s, KEY_BETWEEN), *dash = strchr(v, '-');
        char q[QUOTE_MAX], a[64], z[64];

        if (!dash) {
                key_error(p, s, KEY_BETWEEN, "'%s' is not a window, use HH:MM-HH:MM", quote(q, v));
                return;
        }
        copy_prefix(a, sizeof a, v, dash - v);
        copy_prefix(z, sizeof z, dash + 1, strnlen(dash + 1, sizeof z - 1));
        scan_strip(a);
        scan_strip(z);
        if (parse_clock_item(p, s, KEY_BETWEEN, a, &e->between_start) < 0 ||
            parse_clock_item(p, s, KEY_BETWEEN, z, &e->between_end) < 0)
                return;
        if (e->between_start == e->between_end)
                key_error(p, s, KEY_BETWEEN, "'%s' is empty, its start and end are the same", quote(q, v));
}

/* Keys that belong to the other type; reported instead of being checked. */
static bool misplaced(Parser *p, const Section *s, EntryType t, ConfigKey k) {
        bool recharge_key = IN_SET(k, KEY_START, KEY_END, KEY_DURATION, KEY_DND);
        bool selfcare_key = IN_SET(k, KEY_EVERY, KEY_BETWEEN, KEY_AT);

        if (!has(s, k))
                return true; /* nothing to check */
        if (t == ENTRY_RECHARGE && selfcare_key)
                key_error(p, s, k, "applies only to type = selfcare");
        else if (t == ENTRY_SELFCARE && recharge_key)
                key_error(p, s, k, "applies only to type = recharge");
        else
                return !value_of(s, k); /* a value that could not be read is reported already */
        return true;
}

/* Exactly one of two keys: the later one is reported, naming the line of the first. */
static bool both(Parser *p, const Section *s, ConfigKey a, ConfigKey b, const char *hint) {
        if (!has(s, a) || !has(s, b))
                return false;
        if (s->key_line[a] > s->key_line[b]) {
                ConfigKey t = a;
                a = b;
                b = t;
        }
        key_error(p, s, b, "'%s' is already set on line %u; %s", key_names[a], s->key_line[a], hint);
        return true;
}

static void validate_entry(Parser *p, const Section *s, Entry *e) {
        char q[QUOTE_MAX];
        const char *v;
        int r;

        e->type = _ENTRY_TYPE_INVALID;
        e->days = WEEKDAYS_ALL;
        e->enabled = e->dnd = true;
        e->name = strdup(s->name);
        if (!e->name) {
                p->oom = true;
                return;
        }

        v = value_of(s, KEY_TYPE);
        if (!has(s, KEY_TYPE))
                missing(p, s, KEY_TYPE, "an entry needs type = recharge or type = selfcare");
        else if (v) {
                char lower[16];
                e->type = copy_short(lower, sizeof lower, v) ? entry_type_from_string(scan_lowercase(lower)) :
                                                               _ENTRY_TYPE_INVALID;
                if (e->type < 0)
                        key_error(p, s, KEY_TYPE, "'%s' is not an entry type, use recharge or selfcare", quote(q, v));
        }

        v = value_of(s, KEY_DAYS);
        if (v) {
                r = weekdays_parse(v, &e->days);
                if (r < 0)
                        key_error(p, s, KEY_DAYS, "'%s' %s, use e.g. Mon..Fri, Sat,Sun or daily", quote(q, v),
                                  parse_error_to_string(r));
        }

        v = value_of(s, KEY_MESSAGE);
        if (v && parse_text_key(p, s, KEY_MESSAGE) < 0)
                v = NULL;
        e->message = strdup(v ?: s->name); /* no message: the entry's name says what it is */
        if (!e->message)
                p->oom = true;
        parse_bool_key(p, s, KEY_ENABLED, &e->enabled);

        /* The value of each key there is checked, unless it belongs to the other type. */
        if (!misplaced(p, s, e->type, KEY_START))
                (void) parse_clock_item(p, s, KEY_START, value_of(s, KEY_START), &e->start);
        if (!misplaced(p, s, e->type, KEY_END) &&
            parse_clock_item(p, s, KEY_END, value_of(s, KEY_END), &e->end) >= 0)
                e->has_end = true;
        if (!misplaced(p, s, e->type, KEY_DURATION))
                (void) parse_span_key(p, s, KEY_DURATION, USEC_PER_SEC, USEC_PER_DAY, true, &e->duration);
        if (!misplaced(p, s, e->type, KEY_DND))
                parse_bool_key(p, s, KEY_DND, &e->dnd);
        if (!misplaced(p, s, e->type, KEY_EVERY))
                (void) parse_span_key(p, s, KEY_EVERY, USEC_PER_MINUTE, USEC_PER_DAY, true, &e->every);
        if (!misplaced(p, s, e->type, KEY_BETWEEN))
                parse_between(p, s, e);
        if (!misplaced(p, s, e->type, KEY_AT))
                parse_at(p, s, e);

        if (e->type == ENTRY_RECHARGE) {
                /* An end equal to start is a whole day: the block ends at the same wall-clock time the
                 * next day (as any end not after the start does), which a DST change makes 23h or 25h. */
                if (!has(s, KEY_START))
                        missing(p, s, KEY_START, "a recharge block needs a start time");
                if (!both(p, s, KEY_END, KEY_DURATION, "use either end or duration") &&
                    !has(s, KEY_END) && !has(s, KEY_DURATION))
                        missing(p, s, KEY_END, "a recharge block needs an end or a duration");
        } else if (e->type == ENTRY_SELFCARE) {
                e->dnd = false;
                if (both(p, s, KEY_AT, KEY_EVERY, "use either at or every with between"))
                        return;
                if (has(s, KEY_EVERY) && !has(s, KEY_BETWEEN))
                        missing(p, s, KEY_BETWEEN, "'every' needs a window such as between = 09:00-18:00");
                else if (has(s, KEY_BETWEEN) && !has(s, KEY_EVERY))
                        key_error(p, s, KEY_BETWEEN, "goes with 'every'; for fixed times use 'at' alone");
                else if (!has(s, KEY_AT) && !has(s, KEY_EVERY))
                        missing(p, s, KEY_AT, "a selfcare reminder needs 'at' or 'every' with 'between'");
        }
}

/* ---- [share] and [partner]: recharged-share's sections ----
 * Checked here so that recharged, rechargectl check-config and recharged-share refuse the same
 * files with the same lines. recharged itself ignores them. */

static const char *const share_show_table[_SHARE_SHOW_MAX] = {
        [SHARE_SHOW_BUSY] = "busy",
        [SHARE_SHOW_TITLE] = "title",
        [SHARE_SHOW_MESSAGE] = "message",
};

const char *share_show_to_string(ShareShow v) {
        return v >= 0 && v < _SHARE_SHOW_MAX ? share_show_table[v] : NULL;
}

ShareShow share_show_from_string(const char *v) {
        if (v)
                for (int i = 0; i < _SHARE_SHOW_MAX; i++)
                        if (streq(v, share_show_table[i]))
                                return i;
        return _SHARE_SHOW_INVALID;
}

SectionKind section_kind_from_name(const char *name) {
        return streq(name, "general") ? SECTION_GENERAL :
               streq(name, "share")   ? SECTION_SHARE :
               streq(name, "partner") ? SECTION_PARTNER : SECTION_ENTRY;
}

bool config_key_allowed(ConfigKey k, SectionKind kind) {
        switch (kind) {
        case SECTION_GENERAL:
                return k >= 0 && k <= KEY_GENERAL_LAST;
        case SECTION_ENTRY:
                return k > KEY_GENERAL_LAST && k <= KEY_AT;
        case SECTION_SHARE:
                return IN_SET(k, KEY_CALENDAR, KEY_USER, KEY_PASSWORD_COMMAND, KEY_CA_FILE, KEY_TIMEOUT,
                              KEY_SHOW, KEY_DAYS, KEY_REMINDERS);
        case SECTION_PARTNER:
                return IN_SET(k, KEY_CALENDAR, KEY_USER, KEY_PASSWORD_COMMAND, KEY_CA_FILE, KEY_TIMEOUT,
                              KEY_NAME, KEY_MATCH, KEY_HEADS_UP, KEY_REFRESH, KEY_RECONNECT);
        default:
                return false;
        }
}

/* Whether the host of an http(s) URL (from just after "://") is a loopback address: plain
 * http:// carries the password in clear, so it is allowed only where nothing leaves the machine. */
static bool url_host_is_loopback(const char *h) {
        char host[256];
        struct in6_addr a6;
        struct in_addr a4;
        size_t n;

        if (h[0] == '[') {
                n = strcspn(h + 1, "]");
                if (h[1 + n] != ']' || n >= sizeof host)
                        return false;
                memcpy(host, h + 1, n);
                host[n] = 0;
                return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
        }
        n = strcspn(h, ":/?#");
        if (n >= sizeof host)
                return false;
        memcpy(host, h, n);
        host[n] = 0;
        if (strcasecmp(host, "localhost") == 0)
                return true;
        return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* A calendar URL: https://, or http:// to loopback (file:// too where allowed); no user or
 * password in it (they would be logged and shown); a collection ends in '/'. */
static void parse_calendar_key(Parser *p, const Section *s, bool file_ok, char **ret) {
        const char *v = value_of(s, KEY_CALENDAR), *h;
        char q[QUOTE_MAX];
        bool collection = true;

        if (!v)
                return;
        if (strncasecmp(v, "https://", 8) == 0)
                h = v + 8;
        else if (strncasecmp(v, "http://", 7) == 0) {
                h = v + 7;
                if (!url_host_is_loopback(h)) {
                        key_error(p, s, KEY_CALENDAR,
                                  "'%s' is plain http:// to another machine, which would send the password in clear; use https://",
                                  quote(q, v));
                        return;
                }
        } else if (file_ok && strncasecmp(v, "file:///", 8) == 0) {
                h = v + 7;
                collection = false;
        } else {
                key_error(p, s, KEY_CALENDAR, "'%s' is not a calendar URL, use https://host/path/", quote(q, v));
                return;
        }
        if (collection && (!h[0] || h[0] == '/')) {
                key_error(p, s, KEY_CALENDAR, "'%s' names no host", quote(q, v));
                return;
        }
        if (memchr(h, '@', strcspn(h, "/"))) {
                key_error(p, s, KEY_CALENDAR, "'%s' has a user name in it; use the user and password-command keys",
                          quote(q, v));
                return;
        }
        if (strpbrk(v, " \t\"<>\\")) {
                key_error(p, s, KEY_CALENDAR, "'%s' has characters a URL cannot have", quote(q, v));
                return;
        }
        /* A collection without its '/' is the same collection: the resources go inside it. */
        if (collection && !file_ok && v[strlen(v) - 1] != '/') {
                if (asprintf(ret, "%s/", v) < 0)
                        p->oom = true;
        } else if (!(*ret = strdup(v)))
                p->oom = true;
}

static void take_text(Parser *p, const Section *s, ConfigKey k, bool absolute_path, char **ret) {
        const char *v = value_of(s, k);
        char q[QUOTE_MAX];

        if (!v || !v[0] || parse_text_key(p, s, k) < 0)
                return;
        if (absolute_path && v[0] != '/') {
                key_error(p, s, k, "'%s' is not an absolute path", quote(q, v));
                return;
        }
        if (!(*ret = strdup(v)))
                p->oom = true;
}

static void validate_share(Parser *p, const Section *s, ShareConfig *sh) {
        const char *v;
        char q[QUOTE_MAX];

        sh->enabled = true;
        if (!has(s, KEY_CALENDAR))
                missing(p, s, KEY_CALENDAR, "[share] needs the URL of a CalDAV calendar collection");
        parse_calendar_key(p, s, false, &sh->calendar);
        take_text(p, s, KEY_USER, false, &sh->user);
        take_text(p, s, KEY_PASSWORD_COMMAND, false, &sh->password_command);
        take_text(p, s, KEY_CA_FILE, true, &sh->ca_file);
        if ((v = value_of(s, KEY_SHOW))) {
                char lower[16];
                sh->show = copy_short(lower, sizeof lower, v) ? share_show_from_string(scan_lowercase(lower)) :
                                                                _SHARE_SHOW_INVALID;
                if (sh->show < 0)
                        key_error(p, s, KEY_SHOW, "'%s' is not what to show, use busy, title or message", quote(q, v));
        }
        if ((v = value_of(s, KEY_DAYS))) {
                char *end;
                unsigned long d;
                errno = 0;
                d = strtoul(v, &end, 10);
                if (!(v[0] >= '0' && v[0] <= '9') || *end || errno || d < 1 || d > SHARE_DAYS_MAX)
                        key_error(p, s, KEY_DAYS, "'%s' is not a number of days from 1 to %d", quote(q, v), SHARE_DAYS_MAX);
                else
                        sh->days = d;
        }
        parse_bool_key(p, s, KEY_REMINDERS, &sh->reminders);
        if (value_of(s, KEY_TIMEOUT))
                (void) parse_span_key(p, s, KEY_TIMEOUT, USEC_PER_SEC, 10 * USEC_PER_MINUTE, false, &sh->timeout);
}

static void validate_partner(Parser *p, const Section *s, PartnerConfig *pa) {
        pa->enabled = true;
        if (!has(s, KEY_CALENDAR))
                missing(p, s, KEY_CALENDAR, "[partner] needs the partner's calendar: CalDAV, an .ics URL or file://");
        parse_calendar_key(p, s, true, &pa->calendar);
        take_text(p, s, KEY_NAME, false, &pa->name);
        take_text(p, s, KEY_USER, false, &pa->user);
        take_text(p, s, KEY_PASSWORD_COMMAND, false, &pa->password_command);
        take_text(p, s, KEY_CA_FILE, true, &pa->ca_file);
        take_text(p, s, KEY_MATCH, false, &pa->match);
        if (value_of(s, KEY_HEADS_UP))
                (void) parse_span_key(p, s, KEY_HEADS_UP, 0, USEC_PER_DAY, false, &pa->heads_up);
        if (value_of(s, KEY_REFRESH))
                (void) parse_span_key(p, s, KEY_REFRESH, USEC_PER_MINUTE, USEC_PER_DAY, false, &pa->refresh);
        if (value_of(s, KEY_TIMEOUT))
                (void) parse_span_key(p, s, KEY_TIMEOUT, USEC_PER_SEC, 10 * USEC_PER_MINUTE, false, &pa->timeout);
        parse_bool_key(p, s, KEY_RECONNECT, &pa->reconnect);
}

static void validate_share_sections(Parser *p, Config *c) {
        c->share = (ShareConfig) { .show = SHARE_SHOW_TITLE, .days = SHARE_DAYS_DEFAULT, .timeout = SHARE_TIMEOUT_DEFAULT };
        c->partner = (PartnerConfig) { .heads_up = 10 * USEC_PER_MINUTE, .refresh = 15 * USEC_PER_MINUTE,
                                       .timeout = SHARE_TIMEOUT_DEFAULT };
        for (size_t i = 0; i < p->n_sections; i++)
                if (p->sections[i].kind == SECTION_SHARE)
                        validate_share(p, &p->sections[i], &c->share);
                else if (p->sections[i].kind == SECTION_PARTNER)
                        validate_partner(p, &p->sections[i], &c->partner);
}

static void share_config_done(Config *c) {
        free(c->share.calendar);
        free(c->share.user);
        free(c->share.password_command);
        free(c->share.ca_file);
        free(c->partner.name);
        free(c->partner.calendar);
        free(c->partner.user);
        free(c->partner.password_command);
        free(c->partner.ca_file);
        free(c->partner.match);
}

/* ---- end of [share] and [partner] ---- */

static int cmp_entry(const void *a, const void *b) {
        return strcmp(((const Entry *) a)->name, ((const Entry *) b)->name);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_entries; i++) {
                free(c->entries[i].name);
                free(c->entries[i].message);
        }
        free(c->entries);
        free(c->path);
        free(c->status);
        free(c->on_start);
        free(c->on_end);
        share_config_done(c);
        free(c);
        return NULL;
}

static int config_new(Config **ret) {
        Config *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->heads_up = 10 * USEC_PER_MINUTE;
        c->hook_timeout = CONFIG_HOOK_TIMEOUT_DEFAULT;
        c->reconnect = c->silence_notifications = c->digest = true;
        c->hooks_allowed = true;
        c->status = strdup(CONFIG_STATUS_DEFAULT);
        if (!c->status)
                return free(c), -ENOMEM;
        *ret = c;
        return 0;
}

/* ---- loading ---- */

static int load(const char *text, size_t len, const char *name, bool hooks_allowed, Config **ret,
                char ***ret_errors) {
        _cleanup_(parser_done) Parser p = { .name = name };
        _cleanup_(config_freep) Config *c = NULL;
        const Section *general = NULL;
        size_t n = 0;
        int r;

        r = config_new(&c);
        if (r < 0)
                return r;
        c->hooks_allowed = hooks_allowed;
        /* A UTF-8 byte-order mark (some Windows editors write one) is not part of line 1. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
                text += 3;
                len -= 3;
        }

        if (len > CONFIG_FILE_MAX)
                scan_error(&p, 0, 0, "is larger than 1 MiB");
        else if (memchr(text, 0, len))
                scan_error(&p, 0, 0, "contains NUL bytes, is it a text file?");
        else
                scan_text(&p, text, len);

        /* The values are the scan's own; iniparser reads the same text only to check that it
         * reads them alike (tests, the fuzzer): building its dictionary to read it back was two
         * thirds of the cost of a load. */
        if (config_check_iniparser && p.n_problems == 0 && !p.oom) {
                r = config_check_iniparser(&p, text, len);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < p.n_sections; i++) {
                if (p.sections[i].general)
                        general = &p.sections[i];
                else if (!p.sections[i].skip)
                        n++;
        }
        validate_general(&p, general, c);
        validate_share_sections(&p, c);

        c->entries = calloc(MAX(n, 1u), sizeof(Entry));
        if (!c->entries)
                return -ENOMEM;
        for (size_t i = 0; i < p.n_sections; i++)
                if (!p.sections[i].general && !p.sections[i].skip)
                        validate_entry(&p, &p.sections[i], &c->entries[c->n_entries++]);

        if (p.oom)
                return -ENOMEM;
        if (p.n_problems > 0) {
                r = scan_take_errors(&p, ret_errors);
                return r < 0 ? r : -EINVAL;
        }

        qsort(c->entries, c->n_entries, sizeof(Entry), cmp_entry);
        *ret = TAKE_PTR(c);
        if (ret_errors)
                *ret_errors = NULL;
        return 0;
}

int config_load_string(const char *text, size_t len, const char *name, Config **ret, char ***ret_errors) {
        return load(text, len, name, true, ret, ret_errors);
}

static int error_only(const char *name, char ***ret_errors, const char *fmt, ...) _printf_(3, 4);
static int error_only(const char *name, char ***ret_errors, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        char **l = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0 || strv_extendf(&l, "%s: %s", name, m) < 0)
                return -ENOMEM;
        if (ret_errors)
                *ret_errors = l;
        else
                strv_free(l);
        return -EINVAL;
}

/* Hooks run what this file says: refuse them when someone else could have written it. */
static bool file_is_private(const char *path, const struct stat *st) {
        _cleanup_free_ char *dir = strdup(path);
        struct stat ds;
        char *slash;

        if (st->st_uid != geteuid() || (st->st_mode & (S_IWGRP | S_IWOTH)))
                return false;
        if (!dir)
                return false;
        slash = strrchr(dir, '/');
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                slash[1] = 0;
        else
                *slash = 0;
        return stat(dir, &ds) == 0 && !(ds.st_mode & (S_IWGRP | S_IWOTH));
}

int config_load_file(const char *path, Config **ret, char ***ret_errors) {
        _cleanup_free_ char *text = NULL;
        Config *c = NULL;
        struct stat st;
        size_t len = 0;
        int r;

        /* Never blocks on a FIFO or a device at the path: they are refused, saying what they are. */
        r = read_file_bounded(path, CONFIG_FILE_MAX, &text, &len, &st);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG)
                return error_only(path, ret_errors, "is larger than 1 MiB");
        if (file_refusal_to_string(r))
                return error_only(path, ret_errors, "%s, not a config file", file_refusal_to_string(r));
        if (r < 0)
                return error_only(path, ret_errors, "cannot open: %s", strerror(-r));

        r = load(text, len, path, file_is_private(path, &st), &c, ret_errors);
        if (r < 0)
                return r;
        c->path = strdup(path);
        if (!c->path) {
                config_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int config_load_default(Config **ret) {
        _cleanup_strv_free_ char **errors = NULL;
        Config *c = NULL;
        int r;

        r = load(config_default_text, strlen(config_default_text), "built-in default", true, &c, &errors);
        if (r < 0)
                return r;
        /* The default text carries no hooks, but hooks only ever come from a user's own file. */
        c->on_start = mfree(c->on_start);
        c->on_end = mfree(c->on_end);
        *ret = c;
        return 0;
}

int config_find_entry(const Config *c, const char *name) {
        size_t lo = 0, hi = c ? c->n_entries : 0;

        if (!name)
                return -ENOENT;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int d = strcasecmp(name, c->entries[mid].name);
                if (d == 0)
                        return (int) mid;
                if (d < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -ENOENT;
}

static const char *status_lookup(const char *name, size_t n, void *userdata) {
        const StatusVars *v = userdata;
        const char *const values[] = { v->until, v->since, v->left, v->message, v->entry };

        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                if (strlen(placeholders[i]) == n && strncmp(placeholders[i], name, n) == 0)
                        return values[i] ?: "";
        return NULL;
}

char *status_expand(const char *template, const StatusVars *v) {
        static const StatusVars none = {};
        return template_expand(template ?: "", status_lookup, (void *) (v ?: &none));
}
