/* SPDX-License-Identifier: MIT */
/* output.h: the status as rechargectl shows it (human, JSON, waybar, template), pure over one struct. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "share-status.h"
#include "timeparse.h"
#include "tz.h"

/* GetStatus() as one struct. online is false when the daemon could not be reached. Strings are
 * owned (never NULL once status_init() ran). */
typedef struct Status {
        bool online;
        char *mode;          /* "available", "recharging", "paused" */
        bool dnd;
        char *source;        /* "schedule", "manual", "" */
        char *entry;
        usec_t since, until; /* 0: none / open-ended */
        char *message;
        char *status_text;
        char *next_entry;
        char *next_event;    /* "heads-up", "start", "end", "reminder", "" */
        usec_t next_event_time;
        usec_t paused_until; /* USEC_INFINITY: until Resume */
        char *time_zone;     /* the daemon's zone, "" from an older daemon */
        char *presence;      /* "active", "idle", "locked", "unknown" */
        char *version;
        ShareStatus share;   /* recharged-share's view, asked apart (online false: not shown) */
} Status;

int status_init(Status *s);  /* every string "", online false; -ENOMEM */
void status_done(Status *s);
/* Replaces one string field by a copy of v. */
int status_set_string(char **field, const char *v);

typedef enum OutputFormat {
        OUTPUT_HUMAN,
        OUTPUT_JSON,
        OUTPUT_WAYBAR,
        OUTPUT_TEMPLATE,
        _OUTPUT_FORMAT_MAX,
        _OUTPUT_FORMAT_INVALID = -EINVAL,
} OutputFormat;

typedef struct OutputContext {
        const Tz *tz;            /* local times */
        usec_t now;
        bool color;              /* ANSI colour (a terminal and no NO_COLOR) */
        const char *template;    /* OUTPUT_TEMPLATE */
        const char *offline_reason; /* why recharged cannot be reached (waybar's tooltip), or NULL */
} OutputContext;

/* Whether stdout should get colour: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool output_want_color(void);

/* Times for people. "07:45" today, "Wed 07:45" within a week, else "2026-12-01 07:45". */
#define TIME_TEXT_MAX 48
char *format_local_time(const OutputContext *c, usec_t t, char buf[static TIME_TEXT_MAX]);
/* "HH:MM" local, "" for 0 (as the daemon's %until%). */
char *format_clock(const Tz *tz, usec_t t, char buf[static TIME_TEXT_MAX]);
/* "in 32 min", "in 1h 5min", "in 2d 3h", "5 min ago", "now". Future rounds up to minutes (as
 * %left% does), the past rounds down. */
char *format_relative(usec_t now, usec_t t, char buf[static TIME_TEXT_MAX]);
/* ISO 8601 with the offset in force: "2026-11-24T07:45:00+01:00". */
char *format_iso8601(const Tz *tz, usec_t t, char buf[static TIME_TEXT_MAX]);
/* Time left until t rounded up to whole minutes as a span ("32min", "1h 5min"), "" when t is 0,
 * infinite or past: what the daemon's %left% says. */
char *format_left(usec_t now, usec_t t, char buf[static SPAN_MAX]);
/* Rounded minutes for people: "45 min", "1h 30min", "2d 3h". */
char *format_duration(usec_t d, char buf[static TIME_TEXT_MAX]);

/* "Jan" for 1 … "Dec" for 12. */
const char *month_name(unsigned m);
/* "Mon 7 Dec 06:30", local. */
char *format_day_time(const OutputContext *c, usec_t t, char buf[static TIME_TEXT_MAX]);

/* A copy of s fit for a terminal line: C0 and C1 controls (but tab), DEL and bytes that are not
 * UTF-8 become \n, \r, \xHH or \u0085 escapes, so a message can neither break a line nor drive the
 * terminal. NULL on ENOMEM. */
char *text_escape(const char *s);
/* fputs(text_escape(s)). */
void fputs_escaped(const char *s, FILE *f);

/* "morning starts Wed 07:00 (in 2h)": the next event. */
void output_next_phrase(FILE *f, const Status *s, const OutputContext *c, bool relative);

/* JSON string with quotes and escapes; control characters as \u00XX. */
void json_string(FILE *f, const char *s);
/* "key": "ISO", "key_usec": N — null for 0, "infinity"/null for USEC_INFINITY. Leading comma. */
void json_time(FILE *f, const Tz *tz, const char *key, usec_t t);

/* Whether what is shown counts down (and so needs a refresh each minute): a recharge with an
 * end, or a pause with an end. */
bool status_counts_down(const Status *s, usec_t now);
/* The instant the countdown text next changes, 0 if none. */
usec_t status_next_refresh(const Status *s, usec_t now);
/* The next local midnight after c->now, when "Tue 04:00" becomes "04:00" and "tomorrow"
 * "today"; 0 if the zone has none ahead (never, in practice). */
usec_t output_next_midnight(const OutputContext *c);
/* Percentage of the current block elapsed, 0 when not recharging or open-ended. */
unsigned status_percentage(const Status *s, usec_t now);

/* The formats. Each writes the status and a final newline. */
void output_human(FILE *f, const Status *s, const OutputContext *c);      /* a few aligned lines */
void output_human_line(FILE *f, const Status *s, const OutputContext *c); /* one line, for watch */
void output_json(FILE *f, const Status *s, const OutputContext *c);       /* one object, one line */
void output_waybar(FILE *f, const Status *s, const OutputContext *c);     /* waybar's custom module */
void output_template(FILE *f, const Status *s, const OutputContext *c);   /* c->template expanded */
/* --format's placeholders (NULL-terminated), for template_check(). */
extern const char *const output_placeholders[];
/* Expands a --format template (status-template.h's language: %[ … ] segments too), values
 * escaped for a terminal; a new string or NULL on ENOMEM. */
char *output_template_expand(const char *template, const Status *s, const OutputContext *c);
/* ---- recharged-share in the formats (output-share.c) ---- */

/* "today", "tomorrow", "Wed" within a week, else "2026-12-20"; "" for 0. */
char *format_day_word(const OutputContext *c, usec_t t, char buf[static TIME_TEXT_MAX]);
/* The partner in a person's words: "Sam recharging until 21:45", "Sam's alone time: today
 * 21:00–22:00", with " (last read 3h ago)" when the copy is older than PARTNER_STALE_USEC. NULL
 * when no partner is followed (or ENOMEM). escape: made safe for a terminal (text_escape()). */
char *partner_text(const ShareStatus *s, const OutputContext *c, bool escape);
/* The one line when sharing is not well: "offline: …", "refused: …", or the last error; NULL
 * when it is well, off (disabled) or recharged-share did not answer. */
char *share_problem_text(const ShareStatus *s, const OutputContext *c, bool escape);
/* ,"share":{…} and ,"partner":{…}, each null when there is nothing to say (leading comma). */
void json_share(FILE *f, const ShareStatus *s, const OutputContext *c);
void json_partner(FILE *f, const ShareStatus *s, const OutputContext *c);
/* The instant the partner's text changes with the clock alone (the copy turns stale, its age
 * gains an hour, midnight turns "tomorrow" into "today"), 0 if never. */
usec_t partner_next_refresh(const ShareStatus *s, const OutputContext *c);

/* The one a command chooses; human_line picks output_human_line for the human format. */
void output_status(FILE *f, OutputFormat fmt, bool human_line, const Status *s, const OutputContext *c);
