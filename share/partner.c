/* SPDX-License-Identifier: MIT */
/* partner.c: follows a partner's calendar. One fetch at a time, on the refresh timer (the one
 * periodic wake-up, only with a [partner] section); what it reads is parsed by partner-parse.c,
 * kept on disk as the last good copy, and turned into where the partner is now. The instants
 * that matter (a heads-up, a start, an end) each get the one edge timer, set to the next of them:
 * nothing polls. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "caldav.h"
#include "command.h"
#include "fileio.h"
#include "http.h"
#include "log.h"
#include "partner-parse.h"
#include "partner.h"
#include "statefile.h"

static const char *const mode_table[_PARTNER_MODE_MAX] = {
        [PARTNER_UNKNOWN] = "unknown",
        [PARTNER_AVAILABLE] = "available",
        [PARTNER_RECHARGING] = "recharging",
};

const char *partner_mode_to_string(PartnerMode v) {
        return v >= 0 && v < _PARTNER_MODE_MAX ? mode_table[v] : NULL;
}

PartnerMode partner_mode_from_string(const char *v) {
        if (v)
                for (int i = 0; i < _PARTNER_MODE_MAX; i++)
                        if (streq(v, mode_table[i]))
                                return i;
        return _PARTNER_MODE_INVALID;
}

struct Partner {
        sd_event *event;
        Http *http;           /* its own: a failed publish cancels the share's requests, not ours */
        sd_bus *bus;
        const char *path, *interface;
        const PartnerConfig *cfg; /* NULL: no [partner] */
        bool command_allowed;
        Command *password_command;
        char *password;
        bool password_failed;
        Tz *local;            /* floating times are the reader's */

        char *cache_path, *meta_path;
        char *etag;           /* of the copy on disk, NULL if none */
        bool have_copy;
        usec_t updated;       /* the last good fetch, µs since the epoch */
        PartnerBlock *blocks;
        size_t n_blocks;
        bool fetching;
        char *logged_error;   /* each failure is logged once, until a fetch succeeds */

        /* what the bus shows */
        PartnerMode mode;
        usec_t since, until, next_start, next_end;
        usec_t headsup_sent;  /* the start a heads-up went out for */

        sd_event_source *refresh_timer, *edge_timer;
};

static void *mfree(void *m) {
        free(m);
        return NULL;
}

static usec_t now_realtime(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static const char *partner_name(const Partner *p) {
        return p->cfg && p->cfg->name ? p->cfg->name : "Your partner";
}

static bool is_file_url(const char *url) {
        return strncasecmp(url, "file://", 7) == 0;
}

static bool is_collection(const char *url) {
        return !is_file_url(url) && url[strlen(url) - 1] == '/';
}

/* "3 min", "2 h 5 min", "4 days": the age of the copy, for a person. */
static void format_age(usec_t age, char *buf, size_t size) {
        uint64_t m = age / USEC_PER_MINUTE;

        if (m < 1)
                snprintf(buf, size, "%llu s", (unsigned long long) (age / USEC_PER_SEC));
        else if (m < 60)
                snprintf(buf, size, "%llu min", (unsigned long long) m);
        else if (m < 48 * 60)
                snprintf(buf, size, "%llu h %llu min", (unsigned long long) (m / 60), (unsigned long long) (m % 60));
        else
                snprintf(buf, size, "%llu days", (unsigned long long) (m / (24 * 60)));
}

static void format_clock(usec_t t, char *buf, size_t size) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&s, &tm) || strftime(buf, size, "%H:%M", &tm) == 0)
                snprintf(buf, size, "?");
}

/* ---- notifications: org.freedesktop.Notifications, as recharged-share ---- */

static void notify(Partner *p, const char *summary, const char *body) {
        int r;

        if (!p->bus)
                return;
        log_info("%s", summary);
        r = sd_bus_call_method_async(p->bus, NULL, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                     "org.freedesktop.Notifications", "Notify", NULL, NULL, "susssasa{sv}i",
                                     "recharged-share", (uint32_t) 0, "", summary, body, 0, 0, (int32_t) -1);
        if (r < 0)
                log_warning_errno(r, "Failed to send a notification, ignoring: %m");
}

static void notify_heads_up(Partner *p, usec_t now) {
        char at[16], until[16], summary[256], body[128];
        uint64_t mins = (p->next_start - now + USEC_PER_MINUTE - 1) / USEC_PER_MINUTE;

        format_clock(p->next_start, at, sizeof at);
        format_clock(p->next_end, until, sizeof until);
        snprintf(summary, sizeof summary, "%s's alone time starts at %s, in %llu min", partner_name(p), at,
                 (unsigned long long) MAX(mins, 1u));
        snprintf(body, sizeof body, "Until %s.", until);
        notify(p, summary, body);
}

/* ---- where the partner is now ---- */

static void arm_edge(Partner *p, usec_t now) {
        usec_t next = USEC_INFINITY;
        int r;

        if (p->mode == PARTNER_RECHARGING && p->until > now)
                next = MIN(next, p->until);
        if (p->next_start > now) {
                next = MIN(next, p->next_start);
                if (p->cfg && p->cfg->heads_up && p->headsup_sent != p->next_start && p->next_start - p->cfg->heads_up > now)
                        next = MIN(next, p->next_start - p->cfg->heads_up);
        }
        if (next == USEC_INFINITY) {
                (void) sd_event_source_set_enabled(p->edge_timer, SD_EVENT_OFF);
                return;
        }
        r = sd_event_source_set_time(p->edge_timer, next);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->edge_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the partner's timer, ignoring: %m");
}

/* Works out the partner's state at now and announces what changed, in order: properties, the
 * end of a block, the start of one, a heads-up. */
static void update(Partner *p, usec_t now) {
        PartnerNow pn = {};
        PartnerMode mode = PARTNER_UNKNOWN;
        const char *changed[8];
        size_t n = 0;
        usec_t old_since = p->since, old_until = p->until;
        PartnerMode old_mode = p->mode;

        if (p->cfg && p->have_copy) {
                pn = partner_now(p->blocks, p->n_blocks, now);
                mode = pn.until ? PARTNER_RECHARGING : PARTNER_AVAILABLE;
        }
        if (p->mode != mode)
                changed[n++] = "PartnerMode";
        p->mode = mode;
        /* since is not a property: it travels with the signals only. */
        p->since = pn.since;
        if (p->until != pn.until)
                changed[n++] = "PartnerUntil";
        p->until = pn.until;
        if (p->next_start != pn.next_start)
                changed[n++] = "PartnerNextStart";
        p->next_start = pn.next_start;
        if (p->next_end != pn.next_end)
                changed[n++] = "PartnerNextEnd";
        p->next_end = pn.next_end;
        changed[n] = NULL;
        if (!p->bus)
                return; /* set-up, before the bus: partner_refresh() announces what is due */
        if (n > 0)
                (void) sd_bus_emit_properties_changed_strv(p->bus, p->path, p->interface, (char **) changed);

        if (old_mode == PARTNER_RECHARGING && (mode != PARTNER_RECHARGING || pn.since != old_since)) {
                log_debug("%s's block %llu–%llu is over.", partner_name(p), (unsigned long long) old_since,
                          (unsigned long long) old_until);
                if (p->bus)
                        (void) sd_bus_emit_signal(p->bus, p->path, p->interface, "PartnerEnded", "tt",
                                                  (uint64_t) old_since, (uint64_t) old_until);
                if (mode == PARTNER_AVAILABLE && p->cfg->reconnect) {
                        char summary[256], body[256];
                        snprintf(summary, sizeof summary, "%s is back", partner_name(p));
                        snprintf(body, sizeof body, "%s's alone time is over.", partner_name(p));
                        notify(p, summary, body);
                }
        }
        if (mode == PARTNER_RECHARGING && (old_mode != PARTNER_RECHARGING || pn.since != old_since)) {
                log_debug("%s's block began: until %llu.", partner_name(p), (unsigned long long) pn.until);
                if (p->bus)
                        (void) sd_bus_emit_signal(p->bus, p->path, p->interface, "PartnerStarted", "tt",
                                                  (uint64_t) pn.since, (uint64_t) pn.until);
        }
        /* The heads-up: once per block, from heads-up before it until it starts (a block that
         * appears inside that window, by a refresh, is announced at once). */
        if (p->cfg && p->cfg->heads_up && p->next_start > now && p->next_start - p->cfg->heads_up <= now &&
            p->headsup_sent != p->next_start) {
                p->headsup_sent = p->next_start;
                notify_heads_up(p, now);
        }
        arm_edge(p, now);
}

static int on_edge(sd_event_source *es, uint64_t usec, void *userdata) {
        update(userdata, now_realtime());
        return 0;
}

/* ---- the last good copy ---- */

static void blocks_replace(Partner *p, PartnerBlock *v, size_t n) {
        free(p->blocks);
        p->blocks = v;
        p->n_blocks = n;
}

static int parse_text(Partner *p, const char *text, size_t len, usec_t now) {
        PartnerBlock *v = NULL;
        size_t n = 0;
        int r;

        r = partner_parse(text, len, p->cfg->match, p->local, now - PARTNER_LOOKBACK_USEC, now + PARTNER_HORIZON_USEC, &v, &n);
        if (r < 0)
                return r;
        blocks_replace(p, v, n);
        return 0;
}

/* The meta file: the calendar's URL (a copy of another calendar is not this partner's) and the
 * ETag of the copy. */
static void cache_load(Partner *p, usec_t now) {
        _cleanup_free_ char *meta = NULL, *text = NULL;
        size_t len;
        struct stat st;
        char *nl;
        int r;

        if (!p->cache_path || read_file_bounded(p->meta_path, 64 * 1024, &meta, &len, NULL) < 0)
                return;
        nl = strchr(meta, '\n');
        if (!nl)
                return;
        *nl = 0;
        if (!streq(meta, p->cfg->calendar))
                return;
        r = read_file_bounded(p->cache_path, PARTNER_FEED_MAX, &text, &len, &st);
        if (r < 0)
                return;
        r = parse_text(p, text, len, now);
        if (r < 0) {
                log_warning_errno(r, "The copy of %s's calendar in '%s' cannot be read, ignoring: %m", partner_name(p),
                                  p->cache_path);
                return;
        }
        nl[1 + strcspn(nl + 1, "\n")] = 0;
        free(p->etag);
        p->etag = nl[1] ? strdup(nl + 1) : NULL;
        p->have_copy = true;
        p->updated = (usec_t) st.st_mtim.tv_sec * USEC_PER_SEC + (usec_t) st.st_mtim.tv_nsec / 1000;
        char age[64];
        format_age(now > p->updated ? now - p->updated : 0, age, sizeof age);
        log_info("%s's calendar: using the copy from %s ago until it is read again.", partner_name(p), age);
}

static int cache_save(Partner *p, const char *text, size_t len, const char *etag) {
        _cleanup_free_ char *meta = NULL;
        int r;

        if (!p->cache_path)
                return 0;
        if (asprintf(&meta, "%s\n%s\n", p->cfg->calendar, etag ?: "") < 0)
                return -ENOMEM;
        /* The copy first: a crash between the two leaves a meta that names the old ETag, which
         * only costs one full download. */
        r = write_atomic(p->cache_path, text, len);
        if (r >= 0)
                r = write_atomic(p->meta_path, meta, strlen(meta));
        return r;
}

/* ---- fetching ---- */

static void arm_refresh(Partner *p) {
        int r = sd_event_source_set_time_relative(p->refresh_timer, p->cfg->refresh);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->refresh_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the refresh timer, ignoring: %m");
}

static void fetch_failed(Partner *p, const char *text) {
        char age[64], line[1024];
        usec_t now = now_realtime();

        if (p->have_copy) {
                format_age(now > p->updated ? now - p->updated : 0, age, sizeof age);
                snprintf(line, sizeof line, "Cannot read %s's calendar: %s; using the copy from %s ago.", partner_name(p),
                         text, age);
        } else
                snprintf(line, sizeof line, "Cannot read %s's calendar: %s; %s's schedule is unknown until it can be read.",
                         partner_name(p), text, partner_name(p));
        /* Said once per kind of failure, not at every refresh (the age is left out of the
         * comparison, or every line would differ). */
        if (!streq_ptr(text, p->logged_error)) {
                log_error("%s", line);
                free(p->logged_error);
                p->logged_error = strdup(text);
        } else
                log_debug("%s", line);
}

static void fetch_succeeded(Partner *p, usec_t now) {
        p->have_copy = true;
        p->updated = now;
        if (p->logged_error) {
                log_info("%s's calendar can be read again.", partner_name(p));
                p->logged_error = mfree(p->logged_error);
        }
        if (p->bus)
                (void) sd_bus_emit_properties_changed(p->bus, p->path, p->interface, "PartnerUpdated", NULL);
        update(p, now);
}

/* A whole feed arrived: parsed, kept, shown; or refused, and the last good copy stays. */
static void take_feed(Partner *p, const char *text, size_t len, const char *etag) {
        usec_t now = now_realtime();
        char why[192];
        int r;

        r = parse_text(p, text, len, now);
        if (r < 0) {
                snprintf(why, sizeof why, "%s",
                         r == -EFBIG ? "the feed is larger than 4 MiB, refused" :
                         r == -E2BIG ? "the feed has more events than recharged-share reads (20000 events, 5000 blocks in 60 days, "
                                        "a million steps of its rules)" :
                         r == -EBADMSG ? "what the server sent is not a whole iCalendar feed" : "out of memory");
                fetch_failed(p, why);
                return;
        }
        r = cache_save(p, text, len, etag);
        if (r < 0)
                log_warning_errno(r, "Failed to keep a copy of %s's calendar in '%s', ignoring: %m", partner_name(p),
                                  p->cache_path);
        free(p->etag);
        p->etag = etag ? strdup(etag) : NULL;
        log_debug("%s's calendar read: %zu block(s) in the next 60 days.", partner_name(p), p->n_blocks);
        fetch_succeeded(p, now);
}

/* Not modified: the copy is still true; read it again for the window that moved on. */
static void take_not_modified(Partner *p) {
        _cleanup_free_ char *text = NULL;
        usec_t now = now_realtime();
        size_t len;

        if (read_file_bounded(p->cache_path, PARTNER_FEED_MAX, &text, &len, NULL) < 0 || parse_text(p, text, len, now) < 0) {
                /* The copy went away under us: ask again for the whole feed next time. */
                p->etag = mfree(p->etag);
                fetch_failed(p, "the copy on disk is gone; reading the whole feed at the next refresh");
                return;
        }
        (void) utimensat(AT_FDCWD, p->cache_path, NULL, 0);
        log_debug("%s's calendar: not modified.", partner_name(p));
        fetch_succeeded(p, now);
}

static void on_fetch_done(HttpRequest *req, CURLcode code, long status, void *userdata) {
        Partner *p = userdata;
        _cleanup_free_ char *err = NULL;

        p->fetching = false;
        arm_refresh(p);
        if (code == CURLE_FILESIZE_EXCEEDED) {
                fetch_failed(p, "the feed is larger than 4 MiB, refused");
                return;
        }
        if (code == CURLE_OK && status == 304 && p->etag) {
                take_not_modified(p);
                return;
        }
        if (code == CURLE_OK && status == 200 && !is_collection(p->cfg->calendar)) {
                const char *body = http_request_body(req);
                take_feed(p, body, strlen(body), http_request_etag(req));
                return;
        }
        if (code == CURLE_OK && status == 207 && is_collection(p->cfg->calendar)) {
                CaldavResource *res = NULL;
                size_t n_res = 0, len = 0;
                _cleanup_free_ char *text = NULL;

                if (caldav_multistatus_parse(http_request_body(req), &res, &n_res) < 0) {
                        fetch_failed(p, "the server's answer to REPORT cannot be read");
                        return;
                }
                text = caldav_resources_join(res, n_res, &len);
                caldav_resources_free(res, n_res);
                if (!text) {
                        fetch_failed(p, "out of memory");
                        return;
                }
                /* An empty collection is an empty calendar. */
                if (len == 0) {
                        free(text);
                        text = strdup("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//recharged//partner//EN\r\nEND:VCALENDAR\r\n");
                        if (!text) {
                                fetch_failed(p, "out of memory");
                                return;
                        }
                        len = strlen(text);
                }
                take_feed(p, text, len, NULL);
                return;
        }
        err = caldav_error_text(code, status, http_request_error(req), p->cfg->calendar, p->cfg->user, "partner");
        fetch_failed(p, err ?: "out of memory");
}

static void fetch(Partner *p) {
        const char *url;
        int r;

        if (!p->cfg || p->fetching)
                return;
        url = p->cfg->calendar;
        if (is_file_url(url)) {
                _cleanup_free_ char *text = NULL;
                char why[256];
                size_t len;

                /* A local file: read at once, bounded; it never blocks like a network would. */
                arm_refresh(p);
                r = read_file_bounded(url + 7, PARTNER_FEED_MAX, &text, &len, NULL);
                if (r < 0) {
                        snprintf(why, sizeof why, "%s: %s", url + 7,
                                 r == -EFBIG ? "larger than 4 MiB, refused" :
                                 file_refusal_to_string(r) ?: strerror(-r));
                        fetch_failed(p, why);
                        return;
                }
                take_feed(p, text, len, NULL);
                return;
        }
        if (p->password_command)
                return; /* its answer fetches */
        if (p->cfg->password_command && !p->password) {
                arm_refresh(p);
                fetch_failed(p, p->command_allowed ? "password-command in [partner] gave no password" :
                                "the config is writable by others: password-command refused");
                return;
        }

        HttpCredentials cred = {
                .user = p->cfg->user,
                .password = p->password,
                .ca_file = p->cfg->ca_file,
                .timeout_usec = p->cfg->timeout,
                /* The REPORT's XML wraps the feed: room for it, the feed itself is checked after. */
                .body_max = is_collection(url) ? 2 * PARTNER_FEED_MAX : PARTNER_FEED_MAX,
        };
        if (is_collection(url)) {
                usec_t now = now_realtime();
                _cleanup_free_ char *body = NULL;
                const char *headers[] = { "Depth: 1", "Content-Type: application/xml; charset=utf-8", NULL };
                char a[32], b[32];
                time_t ta = (time_t) ((now - PARTNER_LOOKBACK_USEC) / USEC_PER_SEC), tb = (time_t) ((now + PARTNER_HORIZON_USEC) / USEC_PER_SEC);
                struct tm tm;

                strftime(a, sizeof a, "%Y%m%dT%H%M%SZ", gmtime_r(&ta, &tm));
                strftime(b, sizeof b, "%Y%m%dT%H%M%SZ", gmtime_r(&tb, &tm));
                /* The events that overlap the window, whole (masters with their overrides): the
                 * expansion is ours, the same for every kind of feed. */
                if (asprintf(&body,
                             "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                             "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\n"
                             "<D:prop><D:getetag/><C:calendar-data/></D:prop>\n"
                             "<C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">\n"
                             "<C:time-range start=\"%s\" end=\"%s\"/>\n"
                             "</C:comp-filter></C:comp-filter></C:filter>\n"
                             "</C:calendar-query>\n", a, b) < 0) {
                        log_oom();
                        return;
                }
                log_debug("REPORT %s", url);
                r = http_start(p->http, "REPORT", url, headers, body, &cred, on_fetch_done, p, NULL);
        } else {
                _cleanup_free_ char *inm = NULL;
                const char *headers[] = { NULL, NULL };

                if (p->etag && p->have_copy && asprintf(&inm, "If-None-Match: %s", p->etag) >= 0)
                        headers[0] = inm;
                log_debug("GET %s%s", url, inm ? " (if changed)" : "");
                r = http_start(p->http, "GET", url, headers, NULL, &cred, on_fetch_done, p, NULL);
        }
        if (r < 0) {
                arm_refresh(p);
                log_error_errno(r, "Failed to start reading %s's calendar: %m", partner_name(p));
                return;
        }
        p->fetching = true;
}

static int on_refresh(sd_event_source *es, uint64_t usec, void *userdata) {
        fetch(userdata);
        return 0;
}

static void on_password(int r, const char *line, void *userdata) {
        Partner *p = userdata;

        p->password_command = NULL; /* it frees itself */
        if (r < 0) {
                log_error("password-command in [partner] %s.",
                          r == -ETIME ? "did not finish in 30 s" :
                          r == -ENODATA ? "printed no password" :
                          r == -EPROTO ? "failed" : "could not be run");
                p->password_failed = true;
                arm_refresh(p);
                return;
        }
        p->password = strdup(line);
        if (!p->password) {
                log_oom();
                return;
        }
        fetch(p);
}

/* ---- set-up ---- */

int partner_new(sd_event *event, Partner **ret) {
        Partner *p;
        int r;

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->event = sd_event_ref(event);
        r = http_new(event, &p->http);
        if (r < 0)
                goto fail;
        /* No files without a place for them: the partner is then known only while online. */
        if (state_path("partner.ics", &p->cache_path) >= 0 && state_path("partner.meta", &p->meta_path) < 0)
                p->cache_path = mfree(p->cache_path);
        r = sd_event_add_time_relative(event, &p->refresh_timer, CLOCK_BOOTTIME, USEC_PER_HOUR, USEC_PER_SEC, on_refresh, p);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(p->refresh_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(p->refresh_timer, "partner-refresh");
        /* Realtime, accuracy 1 µs: these are wall-clock instants a person waits for (0 would mean
         * sd-event's default slack of 250 ms). */
        r = sd_event_add_time(event, &p->edge_timer, CLOCK_REALTIME, UINT64_MAX, 1, on_edge, p);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(p->edge_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(p->edge_timer, "partner-edge");
        *ret = p;
        return 0;
fail:
        partner_free(p);
        return r;
}

static void partner_reset(Partner *p) {
        http_cancel_all(p->http);
        p->fetching = false;
        p->password_command = command_free(p->password_command);
        if (p->password) {
                explicit_bzero(p->password, strlen(p->password));
                p->password = mfree(p->password);
        }
        p->password_failed = false;
        blocks_replace(p, NULL, 0);
        p->have_copy = false;
        p->updated = 0;
        p->etag = mfree(p->etag);
        p->logged_error = mfree(p->logged_error);
        p->local = tz_free(p->local);
        (void) sd_event_source_set_enabled(p->refresh_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(p->edge_timer, SD_EVENT_OFF);
}

Partner *partner_free(Partner *p) {
        if (!p)
                return NULL;
        partner_reset(p);
        http_free(p->http);
        sd_event_source_disable_unref(p->refresh_timer);
        sd_event_source_disable_unref(p->edge_timer);
        sd_event_unref(p->event);
        free(p->cache_path);
        free(p->meta_path);
        free(p);
        return NULL;
}

void partner_set_bus(Partner *p, sd_bus *bus, const char *path, const char *interface) {
        p->bus = bus;
        p->path = path;
        p->interface = interface;
}

void partner_configure(Partner *p, const PartnerConfig *c, bool command_allowed) {
        usec_t now = now_realtime();
        int r;

        partner_reset(p);
        p->cfg = c && c->enabled ? c : NULL;
        p->command_allowed = command_allowed;
        if (p->bus)
                (void) sd_bus_emit_properties_changed(p->bus, p->path, p->interface, "PartnerName", "PartnerUpdated", NULL);
        if (!p->cfg) {
                update(p, now);
                return;
        }
        r = tz_load(NULL, &p->local);
        if (r < 0) {
                log_warning_errno(r, "Failed to load the local time zone, floating times are read as UTC: %m");
                (void) tz_load("UTC", &p->local);
        }
        cache_load(p, now);
        if (p->cfg->password_command && !is_file_url(p->cfg->calendar)) {
                if (!command_allowed)
                        log_error("The config is writable by others than you, or its folder is: password-command in [partner] "
                                  "refused. Fix with chmod go-w.");
                else {
                        r = command_start(p->event, p->cfg->password_command, PASSWORD_COMMAND_TIMEOUT_USEC, on_password, p,
                                          &p->password_command);
                        if (r < 0)
                                log_error_errno(r, "password-command in [partner] could not be run: %m");
                }
        }
        update(p, now);
}

void partner_refresh(Partner *p) {
        if (!p->cfg)
                return;
        /* What the copy says first (a heads-up due now is not held up by a slow server). */
        update(p, now_realtime());
        (void) sd_event_source_set_enabled(p->refresh_timer, SD_EVENT_OFF);
        fetch(p);
}

int partner_property(Partner *p, const char *property, sd_bus_message *reply) {
        if (streq(property, "PartnerName"))
                return sd_bus_message_append(reply, "s", p->cfg && p->cfg->name ? p->cfg->name : "");
        if (streq(property, "PartnerMode"))
                return sd_bus_message_append(reply, "s", partner_mode_to_string(p->mode));
        if (streq(property, "PartnerUntil"))
                return sd_bus_message_append(reply, "t", (uint64_t) p->until);
        if (streq(property, "PartnerNextStart"))
                return sd_bus_message_append(reply, "t", (uint64_t) p->next_start);
        if (streq(property, "PartnerNextEnd"))
                return sd_bus_message_append(reply, "t", (uint64_t) p->next_end);
        if (streq(property, "PartnerUpdated"))
                return sd_bus_message_append(reply, "t", (uint64_t) p->updated);
        return -ENOENT;
}
