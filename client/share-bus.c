/* SPDX-License-Identifier: MIT */
/* share-bus.c: rechargectl's side of org.recharged.Share1: read its properties (never starting it,
 * never waiting long) and the `share` verb: the sharing state in words, and `share sync`. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bus-call.h"
#include "macro.h"
#include "rechargectl.h"

#define SHARE_NOT_RUNNING_TEXT \
        "recharged-share is not running; start it with: systemctl --user start recharged-share"
#define SHARE_NOT_CONFIGURED_TEXT \
        "Sharing is not set up: recharged.conf has no [share] or [partner] section; add one (see " \
        "recharged-share(8)), then run: systemctl --user reload recharged-share"

/* The contract's properties (DESIGN.md, "Sharing"): where each goes and its type. A property of
 * another type is skipped, as one we do not know. */
static const struct {
        const char *name;
        char type;
        size_t offset;
} share_props[] = {
        { "State", 's', offsetof(ShareStatus, state) },
        { "LastSync", 't', offsetof(ShareStatus, last_sync) },
        { "LastError", 's', offsetof(ShareStatus, last_error) },
        { "Published", 'u', offsetof(ShareStatus, published) },
        { "PartnerName", 's', offsetof(ShareStatus, partner_name) },
        { "PartnerMode", 's', offsetof(ShareStatus, partner_mode) },
        { "PartnerUntil", 't', offsetof(ShareStatus, partner_until) },
        { "PartnerNextStart", 't', offsetof(ShareStatus, partner_next_start) },
        { "PartnerNextEnd", 't', offsetof(ShareStatus, partner_next_end) },
        { "PartnerUpdated", 't', offsetof(ShareStatus, partner_updated) },
};

static int share_read_field(sd_bus_message *m, ShareStatus *s, const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(share_props); i++)
                if (streq(share_props[i].name, key))
                        return bus_read_variant(m, share_props[i].type, (uint8_t *) s + share_props[i].offset);
        return sd_bus_message_skip(m, "v");
}

static int share_field(sd_bus_message *m, const char *key, void *userdata) {
        return share_read_field(m, userdata, key);
}

int share_status_read(sd_bus_message *m, ShareStatus *s) {
        return bus_read_dict(m, share_field, s);
}

static int share_getall_message(sd_bus *bus, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SHARE1_BUS_NAME, SHARE1_OBJECT_PATH,
                                           "org.freedesktop.DBus.Properties", "GetAll");
        /* Asking must never start it: a status bar polls, and sharing is a choice. */
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", SHARE1_INTERFACE);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

int bus_get_share_send(sd_bus *bus, usec_t timeout, BusCall *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = share_getall_message(bus, &m);
        if (r < 0)
                return r;
        return bus_call_send(bus, m, timeout, c);
}

int bus_get_share_finish(sd_bus *bus, BusCall *c, ShareStatus *s, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = bus_call_wait(bus, c, error, &reply);
        if (r >= 0)
                r = share_status_read(reply, s);
        if (r < 0)
                return r;
        s->online = true;
        return 0;
}

int bus_get_share(sd_bus *bus, usec_t timeout, ShareStatus *s, sd_bus_error *error) {
        _cleanup_(bus_call_done) BusCall c = {};
        int r;

        r = bus_get_share_send(bus, timeout, &c);
        if (r < 0)
                return r;
        return bus_get_share_finish(bus, &c, s, error);
}

int bus_get_share_async(sd_bus *bus, sd_bus_slot **ret_slot, usec_t timeout, sd_bus_message_handler_t callback,
                        void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = share_getall_message(bus, &m);
        if (r < 0)
                return r;
        return sd_bus_call_async(bus, ret_slot, m, callback, userdata, timeout);
}

/* ---- rechargectl share [sync] ---- */

/* Why a call to recharged-share failed, in one line with the next step. */
static void share_log_error(const sd_bus_error *e, int r, usec_t timeout) {
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
            (!sd_bus_error_is_set(e) && bus_error_is_offline(e, r) && r != -ETIMEDOUT))
                fprintf(stderr, "%s\n", SHARE_NOT_RUNNING_TEXT);
        else if (r == -ETIMEDOUT || sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT))
                fprintf(stderr, "recharged-share did not answer within %" PRIu64 " s; see: systemctl --user status "
                        "recharged-share\n", (uint64_t) (timeout / USEC_PER_SEC));
        else if (sd_bus_error_has_name(e, SD_BUS_ERROR_NOT_SUPPORTED))
                /* Sync() while sharing is off: its words, and what to do */
                fprintf(stderr, "%s Add a [share] section (see recharged-share(8)), then run: "
                        "systemctl --user reload recharged-share\n", e->message ?: "Sharing is off.");
        else if (sd_bus_error_is_set(e))
                fprintf(stderr, "recharged-share refused: %s\n", e->message ?: e->name);
        else
                fprintf(stderr, "Failed to talk to recharged-share: %s\n", strerror(r < 0 ? -r : r));
}

/* The state in a person's words: what it means, and what to do when something is. */
static const char *share_state_words(const char *state) {
        static const struct {
                const char *state, *words;
        } table[] = {
                { "idle", "on; the calendar shows your schedule" },
                { "syncing", "on; sending the changes to the calendar now" },
                { "offline", "offline; the calendar server cannot be reached, it tries again by itself" },
                { "refused", "refused; the server turned it down: fix the error below, then run: rechargectl "
                             "share sync" },
                { "disabled", "off; recharged.conf has no [share] section" },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(table[i].state, state))
                        return table[i].words;
        return NULL;
}

static void share_label(const char *l) {
        printf("%9s: ", l);
}

static void share_human(const ShareStatus *s, const OutputContext *c) {
        char t[TIME_TEXT_MAX], rel[TIME_TEXT_MAX];
        const char *words = share_state_words(s->state);

        share_label("Sharing");
        if (words)
                puts(words);
        else {
                fputs_escaped(*s->state ? s->state : "unknown", stdout);
                putchar('\n');
        }
        if (!streq(s->state, "disabled")) {
                share_label("Last sync");
                if (s->last_sync)
                        printf("%s (%s)\n", format_day_time(c, s->last_sync, t), format_relative(c->now, s->last_sync, rel));
                else
                        puts("not yet");
                share_label("Published");
                printf("%" PRIu32 " %s\n", s->published, s->published == 1 ? "event" : "events");
        }
        if (*s->last_error) {
                share_label("Error");
                fputs_escaped(s->last_error, stdout);
                putchar('\n');
        }
        if (share_has_partner(s)) {
                _cleanup_free_ char *partner = partner_text(s, c, true);
                share_label("Partner");
                printf("%s\n", partner ?: "");
                share_label("Read");
                if (s->partner_updated)
                        printf("%s (%s)\n", format_day_time(c, s->partner_updated, t),
                               format_relative(c->now, s->partner_updated, rel));
                else
                        puts("not yet");
        }
}

static int share_sync(Ctl *c, sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SHARE1_BUS_NAME, SHARE1_OBJECT_PATH, SHARE1_INTERFACE, "Sync");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_call(bus, m, SHARE_CALL_TIMEOUT, &error, NULL);
        if (r < 0) {
                share_log_error(&error, r, SHARE_CALL_TIMEOUT);
                return EXIT_REFUSED;
        }
        if (!c->quiet)
                printf("Syncing with the calendar now; 'rechargectl share' shows how it went.\n");
        return 0;
}

int verb_share(Ctl *c, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ShareStatus s;
        int r;

        if (argc > 1 && !streq(argv[1], "sync"))
                return ctl_usage_error(c, "'share' takes 'sync' or nothing, not '%s'.", argv[1]);
        if (argc > 1 && c->format != OUTPUT_HUMAN)
                return ctl_usage_error(c, "'--json' does not apply to 'share sync'.");
        if (!c->bus && bus_open(&c->bus) < 0) {
                fprintf(stderr, "%s\n", SHARE_NOT_RUNNING_TEXT);
                return EXIT_REFUSED;
        }
        if (argc > 1)
                return share_sync(c, c->bus);

        if (share_status_init(&s) < 0)
                return EXIT_REFUSED;
        r = bus_get_share(c->bus, SHARE_CALL_TIMEOUT, &s, &error);
        if (r < 0) {
                share_log_error(&error, r, SHARE_CALL_TIMEOUT);
                share_status_done(&s);
                return EXIT_REFUSED;
        }
        if (streq(s.state, "disabled") && !*s.partner_name) {
                /* running, but neither publishing nor following anyone */
                fprintf(stderr, "%s\n", SHARE_NOT_CONFIGURED_TEXT);
                share_status_done(&s);
                return EXIT_REFUSED;
        }
        r = ctl_tz(c);
        if (r >= 0 && c->format == OUTPUT_JSON) {
                /* the same objects as status --json has, without the leading comma */
                char *buf = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&buf, &n);
                if (f) {
                        json_share(f, &s, &c->out);
                        json_partner(f, &s, &c->out);
                        if (fclose(f) == 0)
                                printf("{%s}\n", buf + 1);
                        free(buf);
                }
        } else if (r >= 0)
                share_human(&s, &c->out);
        share_status_done(&s);
        return r < 0 ? EXIT_REFUSED : 0;
}
