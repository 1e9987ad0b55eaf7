/* SPDX-License-Identifier: MIT */
/* rechargectl.h: what the verbs share: the parsed command line, the bus, the zone, exit codes. */
#pragma once

#include <systemd/sd-bus.h>

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
        bool names;
        const char *verb;
        bool status_like;   /* the verb only reads: the short call timeout */

        sd_bus *bus;
        Tz *tz;
        OutputContext out;
} Ctl;

/* The bus, opened on first use, with the verb's call timeout. When recharged cannot be reached
 * and an activation can only fail: BUS_OFFLINE and the reason (ctl_bus() prints it). */
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

int verb_list(Ctl *c, int argc, char **argv);
int verb_agenda(Ctl *c, int argc, char **argv);
int verb_stats(Ctl *c, int argc, char **argv);
int verb_watch(Ctl *c, int argc, char **argv);
