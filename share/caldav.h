/* SPDX-License-Identifier: MIT */
/* caldav.h: the CalDAV side, pure: an occurrence as an iCalendar resource and back, the REPORT
 * that lists the collection and the reading of its multistatus answer, errors in words. */
#pragma once

#include <curl/curl.h>

#include "plan.h"

/* The VCALENDAR with one VEVENT for o; dtstamp is when it is written. NULL on ENOMEM. */
char *caldav_event_text(const Occurrence *o, usec_t dtstamp);
/* Reads back what caldav_event_text() wrote (or another client left under our name): uid,
 * start, end and summary. -EINVAL when it is not one VEVENT of ours. */
int caldav_event_parse(const char *text, Occurrence *ret);

/* The body of a calendar-query REPORT for every VEVENT that ends after from. */
char *caldav_report_body(usec_t from);

typedef struct CaldavResource {
        char *href, *etag, *data; /* data: the calendar-data, NULL if none */
} CaldavResource;
void caldav_resources_free(CaldavResource *v, size_t n);
/* Reads a 207 Multi-Status answer: one resource per <response> with an href. */
int caldav_multistatus_parse(const char *xml, CaldavResource **ret, size_t *ret_n);
/* The resources' calendar-data one after the other, each followed by a newline: one text that
 * partner_parse() reads as several calendars. *ret_len is 0 when none has data. NULL on ENOMEM. */
char *caldav_resources_join(const CaldavResource *v, size_t n, size_t *ret_len);

/* The name of the resource an href points at ("…/NAME.ics" → NAME), or NULL. */
char *caldav_href_uid(const char *href);

/* A failure in words a person can act on, for an HTTP status (curl_code CURLE_OK) or a transfer
 * error. url and user are named in it, and section ("share", "partner") where a key is to be fixed.
 * NULL on ENOMEM. */
char *caldav_error_text(CURLcode curl_code, long status, const char *curl_error, const char *url, const char *user,
                        const char *section);
