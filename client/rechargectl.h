/* SPDX-License-Identifier: MIT */
/* rechargectl.h: what the verbs share: the parsed command line, the bus, the zone, exit codes. */
#pragma once

#include <systemd/sd-bus.h>

#include "config.h"
#include "output.h"
#include "tz.h"

enum {
        EXIT_REFUSED = 1, /* a refused call, recharged not running, a bad config (check-config) */
        EXIT_USAGE = 2,
};

typedef struct Ctl {
        OutputFormat format;
        const char *template;
        const char *message;
        bool message_set;
        unsigned days;
        bool days_set;
        usec_t since;
        int64_t since_day;  /* --since YYYY-MM-DD: the local day */
        bool since_day_set;
        bool long_list;     /* list --long */
        bool no_reminders;  /* export --no-reminders */
        bool names;
        bool quiet;         /* -q: no line saying what was done */
        const char *verb;
        bool status_like;   /* the verb only reads: the short call timeout */

        sd_bus *bus;
        Tz *tz;
        OutputContext out;
} Ctl;

/* The bus, opened on first use, with the verb's call timeout. When there is no bus: BUS_OFFLINE
 * and the reason (ctl_bus() prints it). Whether recharged may be started is the calls' business. */
int ctl_bus_quiet(Ctl *c, char **ret_reason);
/* The bus, opened on first use. Prints why recharged cannot be reached and returns BUS_OFFLINE. */
int ctl_bus(Ctl *c, sd_bus **ret);
/* The local zone, loaded on first use; fills c->out (now, colour). */
int ctl_tz(Ctl *c);
/* Prints "rechargectl: <text> Try 'rechargectl help VERB'." and returns EXIT_USAGE. */
int ctl_usage_error(const Ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps a negative errno from the bus helpers to an exit status (they printed the reason). */
static inline int ctl_exit(int r) {
        return r < 0 ? EXIT_REFUSED : 0;
}
usec_t now_usec(void);

/* Span arguments: a unit is required ("45" and "1h30" are refused: 45 s and 1 h 30 s are rarely
 * meant); 0 refused unless allow_zero. 0 or EXIT_USAGE after the hint was printed. */
int ctl_span_arg(const Ctl *c, const char *s, bool allow_zero, usec_t *ret);
/* [SPAN | until HH:MM] → a duration; 0 when no argument. Warns when HH:MM has passed today. */
int ctl_duration_args(Ctl *c, int argc, char **argv, usec_t *ret);

/* One line of ListEntries; the strings point into the reply. */
typedef struct ListItem {
        const char *name, *type, *message;
        int enabled;
        usec_t next_start, next_end;
} ListItem;
int list_read(sd_bus_message *reply, ListItem **ret, size_t *ret_n);

/* said.c: the commands that change something, each saying back what was done. */
int said_recharging(Ctl *c, usec_t asked, const char *asked_message);
int verb_on(Ctl *c, int argc, char **argv);
int verb_start(Ctl *c, int argc, char **argv);
int verb_off(Ctl *c, int argc, char **argv);
int verb_extend(Ctl *c, int argc, char **argv);
int verb_skip(Ctl *c, int argc, char **argv);
int verb_reset(Ctl *c, int argc, char **argv);
int verb_snooze(Ctl *c, int argc, char **argv);
int verb_done(Ctl *c, int argc, char **argv);
int verb_pause(Ctl *c, int argc, char **argv);
int verb_resume(Ctl *c, int argc, char **argv);
int verb_reload(Ctl *c, int argc, char **argv);

/* list --long's RULE: "Mon..Fri 21:30–22:30", "daily every 1h 09:00–17:00", … (new string). */
char *entry_rule_text(const Entry *e);
int verb_list(Ctl *c, int argc, char **argv);
int verb_agenda(Ctl *c, int argc, char **argv);
int verb_stats(Ctl *c, int argc, char **argv);
int verb_watch(Ctl *c, int argc, char **argv);
/* share-bus.c: rechargectl share [sync] */
int verb_share(Ctl *c, int argc, char **argv);
