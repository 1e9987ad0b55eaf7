/* SPDX-License-Identifier: MIT */
/* caldav.c: occurrences as iCalendar resources, the REPORT and its multistatus answer.
 *
 * The events are written with libical rather than with client/ical.c (rechargectl export):
 * that writer turns entries into RRULEs for a file, while here each occurrence is one resource
 * that must also be read back from the server, edited or not by another client. libical does
 * both directions, with the escaping and line folding of RFC 5545, and a server's or another
 * client's quirks (folded lines, DURATION instead of DTEND, TZIDs) are its problem, not ours. */
#include <libical/ical.h>
#include <stdio.h>
#include <string.h>

#include "caldav.h"
#include "macro.h"

static struct icaltimetype utc_time(usec_t t) {
        return icaltime_from_timet_with_zone((time_t) (t / USEC_PER_SEC), 0, icaltimezone_get_utc_timezone());
}

char *caldav_event_text(const Occurrence *o, usec_t dtstamp) {
        icalcomponent *cal, *ev;
        char *text, *s;

        ev = icalcomponent_vanew(ICAL_VEVENT_COMPONENT,
                                 icalproperty_new_uid(o->uid),
                                 icalproperty_new_dtstamp(utc_time(dtstamp)),
                                 icalproperty_new_dtstart(utc_time(o->start)),
                                 icalproperty_new_summary(o->summary ?: ""),
                                 /* What a partner's calendar may show beyond the summary: nothing. */
                                 icalproperty_new_class(ICAL_CLASS_PRIVATE),
                                 /* A block is busy time; a reminder is a moment, it blocks nothing. */
                                 icalproperty_new_transp(o->kind == OCC_REMINDER ? ICAL_TRANSP_TRANSPARENT
                                                                                 : ICAL_TRANSP_OPAQUE),
                                 (void *) 0);
        if (!ev)
                return NULL;
        if (o->end > o->start)
                icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(o->end)));
        icalcomponent_add_property(ev, icalproperty_new_categories(o->kind == OCC_REMINDER ? "Self-care" : "Alone time"));
        cal = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT,
                                  icalproperty_new_version("2.0"),
                                  icalproperty_new_prodid("-//recharged//recharged-share " PACKAGE_VERSION "//EN"),
                                  ev, (void *) 0);
        if (!cal) {
                icalcomponent_free(ev);
                return NULL;
        }
        s = icalcomponent_as_ical_string(cal); /* owned by libical's ring buffer */
        text = s ? strdup(s) : NULL;
        icalcomponent_free(cal);
        return text;
}

static usec_t to_usec(struct icaltimetype t) {
        time_t s;

        if (icaltime_is_null_time(t))
                return 0;
        s = icaltime_as_timet_with_zone(t, t.zone ?: icaltimezone_get_utc_timezone());
        return s < 0 ? 0 : (usec_t) s * USEC_PER_SEC;
}

int caldav_event_parse(const char *text, Occurrence *ret) {
        icalcomponent *cal, *ev;
        Occurrence o = {};
        const char *uid, *summary;
        int r = -EINVAL;

        cal = icalparser_parse_string(text);
        if (!cal)
                return -EINVAL;
        ev = icalcomponent_isa(cal) == ICAL_VEVENT_COMPONENT ? cal :
             icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
        if (!ev)
                goto finish;
        uid = icalcomponent_get_uid(ev);
        if (!uid || strlen(uid) >= sizeof o.uid || plan_uid_parse(uid, &o.kind, NULL) < 0)
                goto finish;
        snprintf(o.uid, sizeof o.uid, "%s", uid);
        o.start = to_usec(icalcomponent_get_dtstart(ev));
        o.end = to_usec(icalcomponent_get_dtend(ev)); /* libical adds DURATION for us */
        if (o.end < o.start)
                o.end = o.start;
        summary = icalcomponent_get_summary(ev);
        o.summary = strdup(summary ?: "");
        if (!o.summary) {
                r = -ENOMEM;
                goto finish;
        }
        *ret = o;
        r = 0;
finish:
        icalcomponent_free(cal);
        return r;
}

char *caldav_report_body(usec_t from) {
        time_t t = (time_t) (from / USEC_PER_SEC);
        char stamp[32], *s;
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
                return NULL;
        if (asprintf(&s,
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\n"
                     " <D:prop><D:getetag/><C:calendar-data/></D:prop>\n"
                     " <C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">\n"
                     "  <C:time-range start=\"%s\"/>\n"
                     " </C:comp-filter></C:comp-filter></C:filter>\n"
                     "</C:calendar-query>\n", stamp) < 0)
                return NULL;
        return s;
}

char *caldav_resources_join(const CaldavResource *v, size_t n, size_t *ret_len) {
        size_t len = 0;
        char *text;

        for (size_t i = 0; i < n; i++)
                len += v[i].data ? strlen(v[i].data) + 1 : 0;
        text = malloc(len + 1);
        if (!text)
                return NULL;
        len = 0;
        for (size_t i = 0; i < n; i++)
                if (v[i].data) {
                        size_t l = strlen(v[i].data);
                        memcpy(text + len, v[i].data, l);
                        len += l;
                        text[len++] = '\n';
                }
        text[len] = 0;
        *ret_len = len;
        return text;
}

void caldav_resources_free(CaldavResource *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].href);
                free(v[i].etag);
                free(v[i].data);
        }
        free(v);
}

/* XML text with its five entities, numeric references and CDATA sections resolved. */
static char *xml_text(const char *a, const char *z) {
        char *out = malloc(z - a + 1), *o = out;

        if (!out)
                return NULL;
        while (a < z) {
                if (strncmp(a, "<![CDATA[", 9) == 0) {
                        const char *e = strstr(a + 9, "]]>");
                        if (!e || e > z)
                                e = z;
                        memcpy(o, a + 9, e - (a + 9));
                        o += e - (a + 9);
                        a = e + 3 > z ? z : e + 3;
                        continue;
                }
                if (*a != '&') {
                        *o++ = *a++;
                        continue;
                }
                static const struct { const char *name; char c; } ents[] = {
                        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
                };
                bool done = false;
                for (size_t i = 0; i < ELEMENTSOF(ents) && !done; i++)
                        if (strncmp(a, ents[i].name, strlen(ents[i].name)) == 0) {
                                *o++ = ents[i].c;
                                a += strlen(ents[i].name);
                                done = true;
                        }
                if (!done && a[1] == '#') {
                        char *end;
                        unsigned long c = a[2] == 'x' ? strtoul(a + 3, &end, 16) : strtoul(a + 2, &end, 10);
                        if (*end == ';' && c > 0 && c < 0x80) {
                                *o++ = (char) c;
                                a = end + 1;
                                done = true;
                        }
                }
                if (!done)
                        *o++ = *a++;
        }
        *o = 0;
        return out;
}

/* The local name of the tag that starts at t (just after '<' or "</"), its length in *n. */
static const char *local_name(const char *t, size_t *n) {
        size_t l = strcspn(t, " \t\r\n/>");
        const char *colon = memchr(t, ':', l);

        if (colon) {
                *n = l - (colon + 1 - t);
                return colon + 1;
        }
        *n = l;
        return t;
}

static bool name_is(const char *name, size_t n, const char *want) {
        return strlen(want) == n && strncmp(name, want, n) == 0;
}

/* A tolerant reader of the one document shape we ask for: namespaces are told apart by their
 * local names only (href, getetag, calendar-data inside response), which is all a multistatus
 * of a calendar-query needs. */
int caldav_multistatus_parse(const char *xml, CaldavResource **ret, size_t *ret_n) {
        CaldavResource *v = NULL, cur = {};
        size_t n = 0;
        bool in_response = false;

        for (const char *p = strchr(xml, '<'); p; p = strchr(p, '<')) {
                bool closing = p[1] == '/';
                const char *name, *gt;
                size_t len;

                if (p[1] == '?' || p[1] == '!') {
                        p++;
                        continue;
                }
                name = local_name(p + 1 + closing, &len);
                gt = strchr(p, '>');
                if (!gt)
                        break;
                if (closing) {
                        if (name_is(name, len, "response") && in_response) {
                                in_response = false;
                                if (cur.href) {
                                        CaldavResource *a = realloc(v, (n + 1) * sizeof *v);
                                        if (!a)
                                                goto oom;
                                        v = a;
                                        v[n++] = cur;
                                } else {
                                        free(cur.etag);
                                        free(cur.data);
                                }
                                cur = (CaldavResource) {};
                        }
                        p = gt + 1;
                        continue;
                }
                if (name_is(name, len, "response")) {
                        /* A <response> inside one that was never closed: the unclosed one is
                         * dropped, and what was read of it freed (a server's answer must not
                         * make us leak on every poll). */
                        free(cur.href);
                        free(cur.etag);
                        free(cur.data);
                        in_response = true;
                        cur = (CaldavResource) {};
                } else if (in_response && gt[-1] != '/' &&
                           (name_is(name, len, "href") || name_is(name, len, "getetag") ||
                            name_is(name, len, "calendar-data"))) {
                        /* The text runs to the matching closing tag (CDATA may hold '<'). */
                        const char *a = gt + 1, *z = a;
                        for (;;) {
                                z = strchr(z, '<');
                                if (!z)
                                        break;
                                if (strncmp(z, "<![CDATA[", 9) == 0) {
                                        z = strstr(z, "]]>");
                                        if (!z)
                                                break;
                                        continue;
                                }
                                if (z[1] == '/')
                                        break;
                                z++;
                        }
                        if (!z)
                                break;
                        char **field = name_is(name, len, "href") ? &cur.href :
                                       name_is(name, len, "getetag") ? &cur.etag : &cur.data;
                        if (!*field) {
                                *field = xml_text(a, z);
                                if (!*field)
                                        goto oom;
                        }
                        p = z;
                        continue;
                }
                p = gt + 1;
        }
        free(cur.href);
        free(cur.etag);
        free(cur.data);
        *ret = v;
        *ret_n = n;
        return 0;
oom:
        free(cur.href);
        free(cur.etag);
        free(cur.data);
        caldav_resources_free(v, n);
        return -ENOMEM;
}

char *caldav_href_uid(const char *href) {
        const char *b = strrchr(href, '/');
        size_t n;

        b = b ? b + 1 : href;
        n = strlen(b);
        if (n <= 4 || strcmp(b + n - 4, ".ics") != 0)
                return NULL;
        return strndup(b, n - 4);
}

char *caldav_error_text(CURLcode code, long status, const char *curl_error, const char *url, const char *user,
                        const char *section) {
        char *s = NULL;
        int r;

        if (code == CURLE_OK) {
                if (status == 401 || status == 403)
                        r = asprintf(&s, "the server refused user '%s' (HTTP %ld): check user and password-command in [%s]",
                                     user ?: "", status, section);
                else if (status == 404 || status == 409)
                        r = asprintf(&s, "no calendar at %s (HTTP %ld): create it in your calendar app or check the path",
                                     url, status);
                else if (status >= 500)
                        r = asprintf(&s, "the server at %s failed (HTTP %ld), trying again later", url, status);
                else
                        r = asprintf(&s, "the server at %s answered HTTP %ld", url, status);
        } else if (code == CURLE_COULDNT_RESOLVE_HOST)
                r = asprintf(&s, "cannot find the host of %s (DNS): offline, or a typo in calendar?", url);
        else if (code == CURLE_COULDNT_CONNECT)
                r = asprintf(&s, "cannot connect to %s: offline, or the server is down", url);
        else if (code == CURLE_OPERATION_TIMEDOUT)
                r = asprintf(&s, "%s did not answer in time", url);
        else if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ||
                 code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM)
                r = asprintf(&s, "TLS failed with %s: %s; for a self-signed server set ca-file in [%s]", url,
                             curl_error && curl_error[0] ? curl_error : curl_easy_strerror(code), section);
        else
                r = asprintf(&s, "talking to %s failed: %s", url,
                             curl_error && curl_error[0] ? curl_error : curl_easy_strerror(code));
        return r < 0 ? NULL : s;
}
