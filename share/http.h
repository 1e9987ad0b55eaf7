/* SPDX-License-Identifier: MIT */
/* http.h: libcurl's multi interface driven by sd-event, so no request ever blocks the loop. */
#pragma once

#include <curl/curl.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct Http Http;
typedef struct HttpRequest HttpRequest;

/* Called once per request when it is over: curl_code is CURLE_OK when an HTTP answer came (any
 * status), else the transfer's error (no connection, DNS, TLS, timeout). The request is freed
 * after the callback returns. */
typedef void (*http_done_t)(HttpRequest *req, CURLcode curl_code, long status, void *userdata);

int http_new(sd_event *event, Http **ret);
Http *http_free(Http *h);
static inline void http_freep(Http **h) {
        http_free(*h);
}

typedef struct HttpCredentials {
        const char *user;     /* NULL: none */
        const char *password; /* handed to curl in memory, never on a command line */
        const char *ca_file;  /* NULL: the system's CAs */
        uint64_t timeout_usec;
        size_t body_max;      /* an answer larger than this fails with CURLE_FILESIZE_EXCEEDED; 0: 16 MiB */
} HttpCredentials;

/* Starts a request: method, url, optional headers (NULL-terminated "Name: value" list) and body.
 * Returns 0 and, in ret (may be NULL), the request, owned by the Http until done. */
int http_start(Http *h, const char *method, const char *url, const char *const *headers, const char *body,
               const HttpCredentials *cred, http_done_t done, void *userdata, HttpRequest **ret);
/* Cancels every request in flight without calling their callbacks. */
void http_cancel_all(Http *h);

const char *http_request_body(const HttpRequest *r);  /* the answer, NUL-terminated, "" if none */
const char *http_request_etag(const HttpRequest *r);  /* the ETag header, NULL if none */
const char *http_request_error(const HttpRequest *r); /* curl's error text, "" if none */
