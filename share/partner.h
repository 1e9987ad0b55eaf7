/* SPDX-License-Identifier: MIT */
/* partner.h: following a partner's calendar ([partner]): fetched on a refresh timer (CalDAV
 * REPORT, an .ics with If-None-Match, or file://), the last good copy kept on disk, the
 * partner's block on the bus (Partner* properties, PartnerStarted/PartnerEnded) and a heads-up
 * before it starts, a "back" when it ends. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"

typedef enum PartnerMode {
        PARTNER_UNKNOWN,     /* no partner, or no good copy of the calendar yet */
        PARTNER_AVAILABLE,
        PARTNER_RECHARGING,
        _PARTNER_MODE_MAX,
        _PARTNER_MODE_INVALID = -EINVAL,
} PartnerMode;
const char *partner_mode_to_string(PartnerMode m);
PartnerMode partner_mode_from_string(const char *s);

/* How far ahead the partner's calendar is read, and how far back (a block on now began before). */
#define PARTNER_HORIZON_USEC (60 * USEC_PER_DAY)
#define PARTNER_LOOKBACK_USEC USEC_PER_DAY

typedef struct Partner Partner;

int partner_new(sd_event *event, Partner **ret);
Partner *partner_free(Partner *p);

/* The bus the properties and signals go out on (NULL: none yet). */
void partner_set_bus(Partner *p, sd_bus *bus, const char *path, const char *interface);
/* A (new) config: c stays the caller's and must live until the next call. command_allowed is
 * false when the config is writable by others (password-command refused). Reads the last good
 * copy from disk when it is of the same calendar. */
void partner_configure(Partner *p, const PartnerConfig *c, bool command_allowed);
/* Reads the calendar now (the refresh timer then goes on from here). */
void partner_refresh(Partner *p);

/* The property getter for the Partner* properties; -ENOENT for another name. */
int partner_property(Partner *p, const char *property, sd_bus_message *reply);
