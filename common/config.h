/* SPDX-License-Identifier: MIT */
/* config.h: recharged.conf: where it is found, how it is read and validated, and the parsed
 * schedule that both recharged and rechargectl (check-config) work from. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timeparse.h"

typedef enum EntryType {
        ENTRY_RECHARGE,
        ENTRY_SELFCARE,
        _ENTRY_TYPE_MAX,
        _ENTRY_TYPE_INVALID = -EINVAL,
} EntryType;
const char *entry_type_to_string(EntryType t);
EntryType entry_type_from_string(const char *s);

#define ENTRY_AT_MAX 64 /* times in one `at` list */

typedef struct Entry {
        char *name;          /* [a-z0-9_-]+, lower case, unique */
        EntryType type;
        weekdays_t days;     /* never empty */
        char *message;       /* valid UTF-8, at most RECHARGED_MESSAGE_MAX bytes, may be "" */
        bool enabled;

        /* ENTRY_RECHARGE */
        uint32_t start;      /* seconds since local midnight */
        bool has_end;        /* `end` given: a wall-clock end (next day when not after start) */
        uint32_t end;        /* seconds since local midnight, when has_end */
        usec_t duration;     /* when !has_end: real-time length, 1s ≤ duration ≤ 24h */
        bool dnd;

        /* ENTRY_SELFCARE: either every + between, or an at list */
        usec_t every;        /* 0 when `at` is used; whole seconds, ≥ 1min */
        uint32_t between_start, between_end; /* window; end before start means it ends next day */
        uint32_t at[ENTRY_AT_MAX]; /* sorted, no duplicates */
        size_t n_at;
} Entry;

/* [share]: what recharged-share publishes to a CalDAV calendar. */
typedef enum ShareShow {
        SHARE_SHOW_BUSY,     /* "Busy" only */
        SHARE_SHOW_TITLE,    /* "Alone time" */
        SHARE_SHOW_MESSAGE,  /* the entry's message too */
        _SHARE_SHOW_MAX,
        _SHARE_SHOW_INVALID = -EINVAL,
} ShareShow;
const char *share_show_to_string(ShareShow s);
ShareShow share_show_from_string(const char *s);

#define SHARE_DAYS_DEFAULT 14
#define SHARE_DAYS_MAX 366
#define SHARE_TIMEOUT_DEFAULT (30 * USEC_PER_SEC)

typedef struct ShareConfig {
        bool enabled;           /* a [share] section is there */
        char *calendar;         /* http(s) URL of the collection, ending in '/' */
        char *user;             /* NULL: none */
        char *password_command; /* NULL: no password; run through /bin/sh -c */
        char *ca_file;          /* NULL: the system's CAs */
        ShareShow show;
        unsigned days;
        bool reminders;
        usec_t timeout;         /* one HTTP request's limit */
} ShareConfig;

/* [partner]: whose calendar recharged-share follows. */
typedef struct PartnerConfig {
        bool enabled;
        char *name;             /* NULL: "Your partner" is said */
        char *calendar;         /* https:// or loopback http:// (CalDAV when it ends in '/', else an .ics), or file:/// */
        char *user;
        char *password_command;
        char *ca_file;
        char *match;            /* NULL: every busy event */
        usec_t heads_up;        /* 0 = none */
        usec_t refresh;
        usec_t timeout;         /* one HTTP request's limit */
        bool reconnect;         /* a notification when the partner's block ends */
} PartnerConfig;

typedef struct Config {
        char *path;          /* the file it came from, NULL for the built-in default */
        usec_t heads_up;     /* 0 = never */
        bool reconnect;
        bool silence_notifications;
        char *status;        /* template with %until% %message% %entry% %since% %left% */
        char *on_start;      /* hook commands, NULL when unset or empty */
        char *on_end;
        usec_t hook_timeout; /* a hook still running after this is killed */
        unsigned allowance;  /* broken days per 30 that freeze the streak instead of ending it */
        bool digest;         /* count other apps' notifications during a dnd recharge */
        unsigned away_share; /* percent: a block stopped early with at least this share of its
                              * planned length away from the screen is kept; 0 = only completion */
        bool hooks_allowed;  /* false when the file is writable by others than its owner */
        ShareConfig share;
        PartnerConfig partner;
        Entry *entries;      /* sorted by name, so an index order is name order */
        size_t n_entries;
} Config;

#define CONFIG_FILE_MAX (1024 * 1024) /* bytes; a larger file is refused */
#define CONFIG_LINE_MAX 1022          /* bytes in a line (joined with '\\'), iniparser 4.1's limit */
#define CONFIG_HOOK_TIMEOUT_DEFAULT (30 * USEC_PER_SEC)
#define CONFIG_ALLOWANCE_MAX 30
#define CONFIG_STATUS_DEFAULT "Recharging%[ until %until%]%[ — %message%]"

/* For tests and the fuzzer: a second reader run on each text the scan accepted, which abort()s
 * where it reads a value differently (config_ini_check: iniparser, the reference). NULL, the
 * default, in the programs: they do not link iniparser at all. */
struct Parser;
extern int (*config_check_iniparser)(struct Parser *p, const char *text, size_t len);

/* The built-in default schedule, as config text parsed by the same code. */
extern const char config_default_text[];

/* Where the config lives: override if given (even if missing: that is an error later), else
 * $XDG_CONFIG_HOME/recharged/recharged.conf (default ~/.config/…) if it exists, else the first
 * recharged/recharged.conf in $XDG_CONFIG_DIRS (default /etc/xdg) that exists. *ret is NULL when
 * none exists: use the built-in default. Returns 0 or -ENOMEM. */
int config_find(const char *override, char **ret);

/* Reads and validates a file. On success returns 0 and a complete Config. On a bad file returns
 * -EINVAL and *ret_errors holds one line per problem ("FILE:LINE: message" or
 * "FILE: [section] key: message"), every problem found; nothing else is returned. Other
 * negative errno for failures that are not the file's content (-ENOMEM); an unreadable or
 * missing file is reported as an error line too (-EINVAL). */
int config_load_file(const char *path, Config **ret, char ***ret_errors);
/* The same for text in memory; name stands for FILE in the error lines. */
int config_load_string(const char *text, size_t len, const char *name, Config **ret, char ***ret_errors);
/* The built-in default (never fails but for -ENOMEM). */
int config_load_default(Config **ret);

Config *config_free(Config *c);
static inline void config_freep(Config **c) {
        config_free(*c);
}

/* Index of the entry with this name (case-insensitive), or -ENOENT. */
int config_find_entry(const Config *c, const char *name);

/* Expands a status template: %until% %since% (HH:MM local, "" when 0), %left% (a span rounded
 * to minutes, "" when open-ended), %message%, %entry%. Unknown placeholders are refused by the
 * loader, so here they are copied as they are. Returns a new string or NULL on ENOMEM. */
typedef struct StatusVars {
        const char *until, *since, *left, *message, *entry;
} StatusVars;
char *status_expand(const char *template, const StatusVars *v);
