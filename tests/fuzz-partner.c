/* SPDX-License-Identifier: MIT */
/* fuzz-partner.c: libFuzzer target: a partner's feed, as recharged-share receives it from the
 * network (a downloaded .ics, or a CalDAV REPORT's multistatus answer unwrapped and joined the way
 * share/partner.c joins it), read into busy blocks. Beyond "no crash", what the reader promises:
 * only its documented errors; every block has start < end, in whole seconds, overlaps the window;
 * the blocks are sorted without duplicates and no more than PARTNER_BLOCKS_MAX; the same input
 * read twice gives the same answer; a narrower window gives the wider one's blocks that overlap it;
 * a SUMMARY match only narrows; partner_now() over the blocks says what they say.
 *
 * Input: six bytes of parameters, then the text.
 *   [0] bits 0–1: 0, 1 a feed, 2 a multistatus answer, 3 a feed read with a match;
 *       bits 2–4: the reader's zone (floating times)
 *   [1,2] the window's start, signed, in 3-hour steps from 2026-01-01 (about ±22 years)
 *   [3] its length in 6-hour steps (0: an empty window)
 *   [4], [5] sub-second and second offsets of the start and the end, so rounding shows */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caldav.h"
#include "macro.h"
#include "partner-parse.h"

#define BASE_USEC ((usec_t) 1767225600 * USEC_PER_SEC) /* 2026-01-01T00:00:00Z */

static const char *const zones[] = {
        "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", /* half-hour DST */
        "Asia/Kathmandu",                                                  /* +05:45 */
        "Pacific/Apia",                                                    /* skipped a whole day */
        "America/Santiago", "Europe/Dublin",                               /* negative DST */
};

/* libical warns on stderr about what it skips ("Encountered END before BEGIN"), a line per
 * input: our own findings go to a copy of stderr, and libical's stdio stream to /dev/null. The
 * sanitizers write to the descriptor, which stays. */
static FILE *err;

static void quiet_libical(void) {
        FILE *null;

        if (err)
                return;
        err = fdopen(dup(STDERR_FILENO), "w");
        null = fopen("/dev/null", "w");
        if (!err || !null)
                abort();
        setvbuf(err, NULL, _IONBF, 0);
        stderr = null;
}

static const Tz *zone(unsigned i) {
        static Tz *loaded[ELEMENTSOF(zones)];

        i %= ELEMENTSOF(zones);
        if (!loaded[i] && tz_load(zones[i], &loaded[i]) < 0) {
                fprintf(err, "fuzz-partner: no zone %s in the zone database\n", zones[i]);
                abort();
        }
        return loaded[i];
}

typedef struct Result {
        int r;
        PartnerBlock *v;
        size_t n;
} Result;

static void check(bool ok, const char *what, const Result *x) {
        if (ok)
                return;
        fprintf(err, "fuzz-partner: %s (r=%d n=%zu)\n", what, x->r, x->n);
        for (size_t i = 0; i < x->n && i < 20; i++)
                fprintf(err, "  %llu-%llu\n", (unsigned long long) x->v[i].start, (unsigned long long) x->v[i].end);
        abort();
}

static Result parse(const char *text, size_t len, const char *match, const Tz *local, usec_t from, usec_t to) {
        Result x = {};

        x.r = partner_parse(text, len, match, local, from, to, &x.v, &x.n);
        if (x.r < 0) {
                x.v = NULL;
                x.n = 0;
        }
        check(x.r == 0 || x.r == -EBADMSG || x.r == -E2BIG || x.r == -ENOMEM ||
              (x.r == -EFBIG && len > PARTNER_FEED_MAX), "an error partner_parse() does not document", &x);
        if (x.r < 0)
                return x;
        check(x.n <= PARTNER_BLOCKS_MAX, "more blocks than PARTNER_BLOCKS_MAX", &x);
        check(x.n == 0 || x.v, "blocks without their array", &x);
        for (size_t i = 0; i < x.n; i++) {
                const PartnerBlock *b = &x.v[i];

                check(b->start < b->end, "a block that does not end after it starts", &x);
                check(b->start % USEC_PER_SEC == 0 && b->end % USEC_PER_SEC == 0, "a block not in whole seconds", &x);
                check(b->end > from && b->start < to, "a block outside the window", &x);
                if (i > 0)
                        check(x.v[i - 1].start < b->start || (x.v[i - 1].start == b->start && x.v[i - 1].end < b->end),
                              "blocks not sorted, or a duplicate", &x);
        }
        return x;
}

static bool same(const Result *a, const Result *b) {
        return a->r == b->r && a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof *a->v) == 0);
}

/* b holds exactly the blocks of a that overlap [from, to). */
static bool restricted(const Result *a, const Result *b, usec_t from, usec_t to) {
        size_t k = 0;

        for (size_t i = 0; i < a->n; i++) {
                if (a->v[i].end <= from || a->v[i].start >= to)
                        continue;
                if (k >= b->n || a->v[i].start != b->v[k].start || a->v[i].end != b->v[k].end)
                        return false;
                k++;
        }
        return k == b->n;
}

/* Every block of b is one of a (both sorted). */
static bool subset(const Result *a, const Result *b) {
        size_t i = 0;

        for (size_t k = 0; k < b->n; k++) {
                while (i < a->n && (a->v[i].start < b->v[k].start ||
                                    (a->v[i].start == b->v[k].start && a->v[i].end < b->v[k].end)))
                        i++;
                if (i == a->n || a->v[i].start != b->v[k].start || a->v[i].end != b->v[k].end)
                        return false;
        }
        return true;
}

/* partner_now() against a plain reading of the sorted blocks. */
static void check_now(const Result *x, usec_t now) {
        PartnerNow p = partner_now(x->v, x->n, now);
        bool on = false;

        for (size_t i = 0; i < x->n; i++)
                on = on || (x->v[i].start <= now && now < x->v[i].end);
        check(on == (p.until != 0), "partner_now: on a block or not, wrongly", x);
        if (on) {
                check(p.since <= now && now < p.until, "partner_now: the block on now is not on now", x);
                /* until is free: no block holds it */
                for (size_t i = 0; i < x->n; i++)
                        check(!(x->v[i].start <= p.until && p.until < x->v[i].end), "partner_now: until is not free", x);
        }
        if (p.next_start) {
                check(p.next_start < p.next_end, "partner_now: the next block is empty", x);
                check(p.next_start > (on ? p.until : now), "partner_now: the next block is not after now", x);
                for (size_t i = 0; i < x->n; i++)
                        check(!(x->v[i].start <= p.next_end && p.next_end < x->v[i].end), "partner_now: next_end is not free", x);
        } else
                for (size_t i = 0; i < x->n; i++)
                        check(x->v[i].start <= (on ? p.until : now), "partner_now: a later block is not named", x);
}

/* A 207 answer as share/partner.c turns it into one text (caldav_resources_join()). */
static char *unwrap(const char *xml, size_t *ret_len) {
        CaldavResource *res = NULL;
        size_t n = 0;
        char *text;

        if (caldav_multistatus_parse(xml, &res, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!res[i].href)
                        abort(); /* a resource is a <response> with an href */
        text = caldav_resources_join(res, n, ret_len);
        caldav_resources_free(res, n);
        return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *raw = NULL, *unwrapped = NULL;
        const char *text, *match = NULL;
        usec_t from, to, qf, qt;
        const Tz *local;
        size_t len;
        int form;

        quiet_libical();
        if (size < 6)
                return 0;
        form = data[0] & 3;
        local = zone(data[0] >> 2 & 7);
        from = BASE_USEC + (usec_t) ((int64_t) (int16_t) (data[1] << 8 | data[2]) * 3 * 3600) * USEC_PER_SEC +
               (usec_t) data[4] * 997003;
        to = from + (usec_t) data[3] * 6 * 3600 * USEC_PER_SEC + (usec_t) data[5] * 1000003;
        if (data[3] == 0)
                to = from;

        raw = malloc(size - 6 + 1);
        if (!raw)
                return 0;
        memcpy(raw, data + 6, size - 6);
        raw[size - 6] = 0;
        text = raw;
        len = size - 6;
        if (form == 2) {
                /* share/partner.c reads the body as a C string */
                unwrapped = unwrap(raw, &len);
                if (!unwrapped)
                        return 0;
                text = unwrapped;
        } else if (form == 3)
                match = "alone";

        Result a = parse(text, len, match, local, from, to);
        Result b = parse(text, len, match, local, from, to);
        check(same(&a, &b), "the same feed read twice gives different blocks", &a);

        /* The middle half of the window: the same blocks, those that overlap it. */
        qf = from + (to - from) / 4;
        qt = to - (to - from) / 4;
        Result c = parse(text, len, match, local, qf, qt);
        if (a.r == 0 && c.r == 0)
                check(restricted(&a, &c, qf, qt), "a narrower window does not give the wider one's blocks", &c);
        if (a.r == 0)
                check(c.r == 0 || c.r == -ENOMEM, "a narrower window fails where the wider one did not", &c);

        if (match) {
                /* Without the match: every block it found is there too. */
                Result d = parse(text, len, NULL, local, from, to);
                if (d.r == 0 && a.r == 0)
                        check(subset(&d, &a), "a match adds a block", &a);
                if (d.r == 0)
                        check(a.r == 0 || a.r == -ENOMEM, "a match fails where no match did not", &a);
                free(d.v);
        }

        if (a.r == 0) {
                check_now(&a, from);
                check_now(&a, qf);
                for (size_t i = 0; i < a.n && i < 8; i++) {
                        check_now(&a, a.v[i].start);
                        check_now(&a, a.v[i].end);
                        check_now(&a, a.v[i].end - 1);
                }
        }
        free(a.v);
        free(b.v);
        free(c.v);
        return 0;
}
