/* SPDX-License-Identifier: MIT */
/* http.c: libcurl's multi interface on sd-event. curl tells us which sockets to watch and when
 * its timer is due (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION); we turn those into sd-event
 * io and time sources and hand events back with curl_multi_socket_action(). systemd's
 * src/import/curl-util.c is the model of this glue. */
#include <stdio.h>
#include <strings.h>

#include "http.h"

#define HTTP_BODY_MAX (16 * 1024 * 1024) /* an answer larger than this is cut off: an error */

struct Http {
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        HttpRequest *requests; /* in flight, a list */
};

struct HttpRequest {
        Http *http;
        HttpRequest *next, *prev;
        CURL *easy;
        struct curl_slist *headers;
        char *body;
        char *answer;
        size_t answer_len, answer_cap, answer_max;
        bool too_large;
        char *etag;
        char error[CURL_ERROR_SIZE];
        http_done_t done;
        void *userdata;
};

static void request_free(HttpRequest *r) {
        if (!r)
                return;
        if (r->easy) {
                curl_multi_remove_handle(r->http->multi, r->easy);
                curl_easy_cleanup(r->easy);
        }
        curl_slist_free_all(r->headers);
        free(r->body);
        free(r->answer);
        free(r->etag);
        free(r);
}

static void request_unlink(HttpRequest *r) {
        if (r->prev)
                r->prev->next = r->next;
        else
                r->http->requests = r->next;
        if (r->next)
                r->next->prev = r->prev;
        r->next = r->prev = NULL;
}

/* Every transfer curl says is over: its callback, then it goes. */
static void check_done(Http *h) {
        CURLMsg *msg;
        int left;

        while ((msg = curl_multi_info_read(h->multi, &left))) {
                HttpRequest *r = NULL;
                long status = 0;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &r) != CURLE_OK || !r)
                        continue;
                (void) curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
                request_unlink(r);
                CURLcode code = msg->data.result;
                if (r->too_large) /* the write callback stopped it: curl says only "write error" */
                        code = CURLE_FILESIZE_EXCEEDED;
                r->done(r, code, status, r->userdata);
                request_free(r);
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Http *h = userdata;
        int action = 0, running;

        if (revents & (EPOLLIN | EPOLLHUP))
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & EPOLLERR)
                action |= CURL_CSELECT_ERR;
        (void) curl_multi_socket_action(h->multi, fd, action, &running);
        check_done(h);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Http *h = userdata;
        int running;

        (void) curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_done(h);
        return 0;
}

/* curl: watch this socket for these events (or no more). The io source rides on the socket as
 * curl's per-socket pointer. */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userdata, void *socketp) {
        Http *h = userdata;
        sd_event_source *io = socketp;
        uint32_t events = 0;
        int r;

        if (what == CURL_POLL_REMOVE) {
                if (io) {
                        sd_event_source_disable_unref(io);
                        curl_multi_assign(h->multi, fd, NULL);
                }
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;
        if (io) {
                if (sd_event_source_set_io_events(io, events) < 0 ||
                    sd_event_source_set_enabled(io, SD_EVENT_ON) < 0)
                        return -1;
                return 0;
        }
        r = sd_event_add_io(h->event, &io, fd, events, on_io, h);
        if (r < 0)
                return -1;
        (void) sd_event_source_set_description(io, "curl-io");
        if (curl_multi_assign(h->multi, fd, io) != CURLM_OK) {
                sd_event_source_disable_unref(io);
                return -1;
        }
        return 0;
}

/* curl: call back in timeout_ms (-1: no timer). */
static int timer_cb(CURLM *multi, long timeout_ms, void *userdata) {
        Http *h = userdata;
        uint64_t now;
        int r;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(h->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        r = sd_event_now(h->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return -1;
        r = sd_event_source_set_time(h->timer, now + (uint64_t) timeout_ms * 1000);
        if (r < 0)
                return -1;
        return sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
}

int http_new(sd_event *event, Http **ret) {
        Http *h;
        int r;

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -EIO;
        h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;
        h->event = sd_event_ref(event);
        h->multi = curl_multi_init();
        if (!h->multi) {
                http_free(h);
                return -ENOMEM;
        }
        /* accuracy 1: the default accuracy would add up to 250 ms to every curl timeout */
        r = sd_event_add_time(event, &h->timer, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, h);
        if (r < 0) {
                http_free(h);
                return r;
        }
        (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(h->timer, "curl-timer");
        if (curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
            curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
            curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
            curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK) {
                http_free(h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

void http_cancel_all(Http *h) {
        while (h && h->requests) {
                HttpRequest *r = h->requests;
                request_unlink(r);
                request_free(r);
        }
}

Http *http_free(Http *h) {
        if (!h)
                return NULL;
        http_cancel_all(h);
        if (h->multi)
                curl_multi_cleanup(h->multi);
        sd_event_source_disable_unref(h->timer);
        sd_event_unref(h->event);
        free(h);
        return NULL;
}

static size_t write_cb(char *data, size_t size, size_t n, void *userdata) {
        HttpRequest *r = userdata;
        size_t len = size * n;
        char *a;

        if (r->answer_len + len > r->answer_max) {
                r->too_large = true;
                return 0; /* curl stops the transfer */
        }
        /* Doubling: a feed read in 16 KiB pieces is not copied over and over. */
        if (r->answer_len + len + 1 > r->answer_cap) {
                size_t cap = MAX(r->answer_cap * 2, r->answer_len + len + 1);
                cap = MIN(MAX(cap, (size_t) 16384), r->answer_max + 1);
                a = realloc(r->answer, cap);
                if (!a)
                        return 0;
                r->answer = a;
                r->answer_cap = cap;
        }
        a = r->answer;
        memcpy(a + r->answer_len, data, len);
        r->answer_len += len;
        a[r->answer_len] = 0;
        return len;
}

static size_t header_cb(char *data, size_t size, size_t n, void *userdata) {
        HttpRequest *r = userdata;
        size_t len = size * n;

        if (len > 5 && strncasecmp(data, "ETag:", 5) == 0) {
                const char *v = data + 5;
                size_t l = len - 5;
                while (l > 0 && (*v == ' ' || *v == '\t'))
                        v++, l--;
                while (l > 0 && (v[l - 1] == '\r' || v[l - 1] == '\n' || v[l - 1] == ' '))
                        l--;
                free(r->etag);
                r->etag = strndup(v, l);
        }
        return len;
}

int http_start(Http *h, const char *method, const char *url, const char *const *headers, const char *body,
               const HttpCredentials *cred, http_done_t done, void *userdata, HttpRequest **ret) {
        HttpRequest *r;
        long timeout_ms = cred && cred->timeout_usec ? (long) (cred->timeout_usec / 1000) : 30000;

        r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        r->http = h;
        r->done = done;
        r->userdata = userdata;
        r->answer_max = cred && cred->body_max ? MIN(cred->body_max, (size_t) HTTP_BODY_MAX) : HTTP_BODY_MAX;
        r->easy = curl_easy_init();
        if (!r->easy)
                goto oom;
        for (const char *const *i = headers; i && *i; i++) {
                struct curl_slist *l = curl_slist_append(r->headers, *i);
                if (!l)
                        goto oom;
                r->headers = l;
        }
        if (body) {
                r->body = strdup(body);
                if (!r->body)
                        goto oom;
        }
        if (curl_easy_setopt(r->easy, CURLOPT_URL, url) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, header_cb) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->error) != CURLE_OK ||
            /* A server that takes the connection and never answers must not hold a sync forever. */
            curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, MIN(timeout_ms, 10000L)) != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            /* Refused before a byte of the body when the server says its length. */
            curl_easy_setopt(r->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) r->answer_max) != CURLE_OK ||
            /* Only the protocols a calendar URL may name, also after a redirect. */
            curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "recharged-share/" PACKAGE_VERSION) != CURLE_OK)
                goto oom;
        if (r->body && (curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body) != CURLE_OK ||
                        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long) strlen(r->body)) != CURLE_OK))
                goto oom;
        if (streq(method, "HEAD") && curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L) != CURLE_OK)
                goto oom;
        if (cred && cred->user) {
                /* In memory only: never in the URL, the environment or a command line. */
                if (curl_easy_setopt(r->easy, CURLOPT_USERNAME, cred->user) != CURLE_OK ||
                    curl_easy_setopt(r->easy, CURLOPT_PASSWORD, cred->password ?: "") != CURLE_OK ||
                    curl_easy_setopt(r->easy, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC) != CURLE_OK)
                        goto oom;
        }
        if (cred && cred->ca_file && curl_easy_setopt(r->easy, CURLOPT_CAINFO, cred->ca_file) != CURLE_OK)
                goto oom;
        if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK)
                goto oom;
        r->next = h->requests;
        if (h->requests)
                h->requests->prev = r;
        h->requests = r;
        if (ret)
                *ret = r;
        return 0;
oom:
        request_free(r);
        return -ENOMEM;
}

const char *http_request_body(const HttpRequest *r) {
        return r->answer ?: "";
}

const char *http_request_etag(const HttpRequest *r) {
        return r->etag;
}

const char *http_request_error(const HttpRequest *r) {
        return r->error;
}
