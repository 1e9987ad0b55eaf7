/* SPDX-License-Identifier: MIT */
/* test-share-plan.c: recharged-share's pure parts: UIDs, summaries, what the calendar should hold,
 * the requests that make it so, the map file, events through libical, the multistatus reader. */
#include <stdio.h>

#include "caldav.h"
#include "macro.h"
#include "plan.h"
#include "tap.h"

#define T0 ((usec_t) 1796601600 * USEC_PER_SEC) /* 2026-12-07 00:00:00 UTC */
#define H USEC_PER_HOUR
#define M USEC_PER_MINUTE

static void test_uid(void) {
        static const struct {
                OccurrenceKind kind;
                const char *entry;
                usec_t start;
                const char *uid; /* NULL: refused */
        } cases[] = {
                { OCC_BLOCK, "morning", T0 + 7 * H, "recharged-block-morning-20261207T070000Z" },
                { OCC_MANUAL, NULL, T0 + 90 * M + 7 * USEC_PER_SEC, "recharged-manual-20261207T013007Z" },
                { OCC_REMINDER, "stretch", T0, "recharged-reminder-stretch-20261207T000000Z" },
                { OCC_BLOCK, "a-b_c9", T0 + 999999, "recharged-block-a-b_c9-20261207T000000Z" },
                { OCC_BLOCK, "", T0, NULL },
                { OCC_BLOCK, "Bad/Name", T0, NULL },
                { OCC_REMINDER, NULL, T0, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char uid[PLAN_UID_MAX];
                int r = plan_uid(cases[i].kind, cases[i].entry, cases[i].start, uid);
                if (!cases[i].uid) {
                        ok(r == -EINVAL, "uid of '%s' is refused", cases[i].entry ?: "(null)");
                        continue;
                }
                is_str(r >= 0 ? uid : NULL, cases[i].uid, "uid %zu", i);
                OccurrenceKind k;
                usec_t start;
                ok(plan_uid_parse(uid, &k, &start) >= 0 && k == cases[i].kind &&
                   start == cases[i].start - cases[i].start % USEC_PER_SEC, "uid %zu reads back", i);
        }
        static const char *const bad[] = {
                "recharged-block-20261207T070000Z", "recharged-manual-x-20261207T070000Z", "other-block-a-20261207T070000Z",
                "recharged-block-a-20261207T0700000", "recharged-nope-a-20261207T070000Z", "recharged-block-A!-20261207T070000Z",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(plan_uid_parse(bad[i], NULL, NULL) == -EINVAL, "'%s' is not one of ours", bad[i]);
}

static void test_summary(void) {
        static const struct {
                ShareShow show;
                OccurrenceKind kind;
                const char *message, *want;
        } cases[] = {
                { SHARE_SHOW_BUSY, OCC_BLOCK, "Coffee", "Busy" },
                { SHARE_SHOW_BUSY, OCC_REMINDER, "Stretch", "Busy" },
                { SHARE_SHOW_TITLE, OCC_BLOCK, "Coffee", "Alone time" },
                { SHARE_SHOW_TITLE, OCC_MANUAL, NULL, "Alone time" },
                { SHARE_SHOW_TITLE, OCC_REMINDER, "x", "Self-care" },
                { SHARE_SHOW_MESSAGE, OCC_BLOCK, "Coffee, alone", "Alone time: Coffee, alone" },
                { SHARE_SHOW_MESSAGE, OCC_BLOCK, "two\nlines\t", "Alone time: two lines " },
                { SHARE_SHOW_MESSAGE, OCC_MANUAL, "", "Alone time" },
                { SHARE_SHOW_MESSAGE, OCC_REMINDER, "Stretch", "Self-care: Stretch" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = plan_summary(cases[i].show, cases[i].kind, cases[i].message);
                is_str(s, cases[i].want, "summary %zu (%s)", i, share_show_to_string(cases[i].show));
        }
}

static const char *msg(const char *entry, void *userdata) {
        return streq(entry, "a") ? "Tea" : NULL;
}

/* One line per occurrence: "uid start-end summary" with times as hours after T0. */
static char *dump(const Occurrence *v, size_t n) {
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s %g-%g %s", i ? "; " : "", v[i].uid, (double) (v[i].start - T0) / H,
                        (double) (v[i].end - T0) / H, v[i].summary);
        fclose(f);
        return s;
}

static void test_wanted(void) {
        ShareConfig cfg = { .enabled = true, .show = SHARE_SHOW_MESSAGE, .days = 1 };
        const PlanEvent ev[] = {
                { "a", "recharge", "end", T0 + 1 * H },        /* the current one's end */
                { "a", "recharge", "heads-up", T0 + 7 * H },
                { "a", "recharge", "start", T0 + 8 * H },
                { "r", "selfcare", "reminder", T0 + 9 * H },
                { "a", "recharge", "end", T0 + 9 * H },
                { "b", "recharge", "start", T0 + 23 * H },     /* ends after the horizon: still shown */
                { "b", "recharge", "end", T0 + 25 * H },
                { "a", "recharge", "start", T0 + 32 * H },     /* after the horizon */
                { "a", "recharge", "end", T0 + 33 * H },
                { "c", "recharge", "start", T0 + 20 * H },     /* its end was not asked for */
        };
        PlanStatus st = { .recharging = true, .source = "schedule", .entry = "a", .message = "Tea",
                          .since = T0, .until = T0 + 90 * M };
        Occurrence *v;
        size_t n;
        char *d;

        ok(plan_wanted(&cfg, &st, ev, ELEMENTSOF(ev), msg, NULL, T0 + 30 * M, &v, &n) >= 0, "wanted: computed");
        is_str(d = dump(v, n),
               "recharged-block-a-20261207T000000Z 0-1.5 Alone time: Tea; "
               "recharged-block-a-20261207T080000Z 8-9 Alone time: Tea; "
               "recharged-block-b-20261207T230000Z 23-25 Alone time",
               "wanted: the current block with its extended end, the blocks before the horizon");
        free(d);
        occurrences_free(v, n);

        cfg.reminders = true;
        cfg.show = SHARE_SHOW_BUSY;
        st = (PlanStatus) { .recharging = true, .source = "manual", .entry = "", .since = T0 + 10 * M, .until = 0 };
        ok(plan_wanted(&cfg, &st, ev, ELEMENTSOF(ev), msg, NULL, T0 + 30 * M, &v, &n) >= 0, "wanted: computed");
        is_str(d = dump(v, n),
               "recharged-block-a-20261207T080000Z 8-9 Busy; "
               "recharged-block-b-20261207T230000Z 23-25 Busy; "
               "recharged-manual-20261207T001000Z 0.166667-1.16667 Busy; "
               "recharged-reminder-r-20261207T090000Z 9-9 Busy",
               "wanted: an open-ended manual recharge shown an hour from its start, reminders when asked");
        free(d);
        occurrences_free(v, n);
}

static void test_open_ended(void) {
        static const struct { usec_t since, now, end; } cases[] = {
                { T0, T0, T0 + H },
                { T0, T0 + 29 * M, T0 + H },
                { T0, T0 + 31 * M, T0 + 2 * H },   /* less than half an hour left: the next step */
                { T0, T0 + 5 * H, T0 + 6 * H },
                { T0 + 500000, T0 + 10 * M, T0 + H }, /* whole seconds */
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                ok(plan_open_ended_end(cases[i].since, cases[i].now) == cases[i].end, "open-ended end %zu", i);
}

static Occurrence occ(OccurrenceKind k, const char *entry, usec_t start, usec_t end, const char *summary, const char *etag) {
        Occurrence o = { .kind = k, .start = start, .end = end, .summary = strdup(summary),
                         .etag = etag ? strdup(etag) : NULL };
        (void) plan_uid(k, entry, start, o.uid);
        return o;
}

static void test_diff(void) {
        Occurrence pub[] = {
                occ(OCC_BLOCK, "a", T0 - 2 * H, T0 - H, "Alone time", "\"1\""),  /* over: kept */
                occ(OCC_BLOCK, "a", T0, T0 + H, "Alone time", "\"2\""),           /* on, stopped: ends now */
                occ(OCC_BLOCK, "a", T0 + 8 * H, T0 + 9 * H, "Alone time", "\"3\""), /* same: nothing */
                occ(OCC_BLOCK, "b", T0 + 5 * H, T0 + 6 * H, "Alone time", "\"4\""), /* skipped: deleted */
                occ(OCC_BLOCK, "c", T0 + 5 * H, T0 + 6 * H, "Alone time", "\"5\""), /* extended: updated */
                occ(OCC_REMINDER, "r", T0 - H, T0 - H, "Self-care", "\"6\""),     /* past reminder: kept */
        };
        Occurrence want[] = {
                occ(OCC_BLOCK, "a", T0 + 8 * H, T0 + 9 * H, "Alone time", NULL),
                occ(OCC_BLOCK, "c", T0 + 5 * H, T0 + 7 * H, "Alone time", NULL),
                occ(OCC_BLOCK, "d", T0 + 2 * H, T0 + 3 * H, "Alone time", NULL),  /* new: created */
        };
        size_t np = ELEMENTSOF(pub), nw = ELEMENTSOF(want);
        PlanOp *ops;
        size_t n;
        char *s = NULL;
        size_t len = 0;
        FILE *f;

        plan_sort(pub, &np);
        plan_sort(want, &nw);
        ok(plan_diff(pub, np, want, nw, T0 + 30 * M + 500000, &ops, &n) >= 0, "diff: computed");
        f = open_memstream(&s, &len);
        for (size_t i = 0; i < n; i++) {
                const char *uid = ops[i].want.uid;
                if (ops[i].kind != PLAN_CREATE && !streq(uid, pub[ops[i].published].uid))
                        uid = "(the index and the uid differ)";
                fprintf(f, "%s%s %s", i ? "; " : "",
                        ops[i].kind == PLAN_CREATE ? "create" : ops[i].kind == PLAN_UPDATE ? "update" : "delete", uid);
                if (ops[i].kind != PLAN_DELETE)
                        fprintf(f, " %g-%g", (double) (ops[i].want.start - T0) / H, (double) (ops[i].want.end - T0) / M);
        }
        fclose(f);
        is_str(s,
               "update recharged-block-a-20261207T000000Z 0-30; "
               "delete recharged-block-b-20261207T050000Z; "
               "update recharged-block-c-20261207T050000Z 5-420; "
               "create recharged-block-d-20261207T020000Z 2-180",
               "diff: stopped ends at now (whole seconds), skipped deleted, moved updated, new created, past kept");
        free(s);
        plan_ops_free(ops, n);

        /* The map round-trips, etags and summaries included. */
        char *text;
        Occurrence *back;
        size_t nb;
        ok(plan_map_format(pub, np, &text) >= 0, "map: formatted");
        ok(plan_map_parse(text, &back, &nb) >= 0 && nb == np, "map: parsed all %zu lines", np);
        bool same = true;
        for (size_t i = 0; i < np && i < nb; i++)
                same = same && occurrence_same(&pub[i], &back[i]) && streq_ptr(pub[i].etag, back[i].etag);
        ok(same, "map: every line reads back the same");
        occurrences_free(back, nb);
        free(text);
        ok(plan_map_parse("# c\nnot a line\nrecharged-block-a-20261207T000000Z\t-\t5\t4\tblock\tx\n"
                          "recharged-block-a-20261207T000000Z\t\"e\"\t1796601600\t1796605200\tmanual\tx\n", &back, &nb) >= 0 &&
           nb == 0, "map: broken lines (end before start, kind unlike its uid) are dropped");
        occurrences_free(back, nb);

        for (size_t i = 0; i < np; i++)
                occurrence_done(&pub[i]);
        for (size_t i = 0; i < nw; i++)
                occurrence_done(&want[i]);
}

static void test_ical(void) {
        Occurrence o = occ(OCC_BLOCK, "a", T0 + 8 * H, T0 + 9 * H, "Alone time: Tea; a, b\\c", NULL), back = {};
        _cleanup_free_ char *text = caldav_event_text(&o, T0);

        ok(text && strstr(text, "CLASS:PRIVATE") && strstr(text, "TRANSP:OPAQUE") &&
           strstr(text, "DTSTART:20261207T080000Z") && strstr(text, "DTEND:20261207T090000Z") &&
           strstr(text, "UID:recharged-block-a-20261207T080000Z"), "ical: private, opaque, UTC times, the uid");
        ok(text && strstr(text, "SUMMARY:Alone time: Tea\\; a\\, b\\\\c"), "ical: the summary escaped by RFC 5545");
        ok(text && caldav_event_parse(text, &back) >= 0 && occurrence_same(&o, &back), "ical: reads back the same");
        occurrence_done(&back);
        occurrence_done(&o);

        o = occ(OCC_REMINDER, "r", T0, T0, "Self-care", NULL);
        free(text);
        text = caldav_event_text(&o, T0);
        ok(text && strstr(text, "TRANSP:TRANSPARENT") && !strstr(text, "DTEND"), "ical: a reminder is a moment, transparent");
        occurrence_done(&o);
        ok(caldav_event_parse("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:someone-else\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", &back) ==
           -EINVAL, "ical: an event that is not ours is refused");
}

static void test_multistatus(void) {
        const char *xml =
                "<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
                "<response><href>/alex/recharge/recharged-block-a-20261207T080000Z.ics</href><propstat><prop>"
                "<getetag>\"abc\"</getetag><C:calendar-data>BEGIN:VCALENDAR\nSUMMARY:a &amp; b &lt;c&gt;&#13;\nEND:VCALENDAR\n</C:calendar-data>"
                "</prop><status>HTTP/1.1 200 OK</status></propstat></response>"
                "<D:response xmlns:D=\"DAV:\"><D:href>/x/other.ics</D:href><D:propstat><D:prop><D:getetag/>"
                "<C:calendar-data><![CDATA[BEGIN:<x>]]></C:calendar-data></D:prop></D:propstat></D:response>"
                "<response><propstat/></response></multistatus>";
        CaldavResource *v;
        size_t n;

        ok(caldav_multistatus_parse(xml, &v, &n) >= 0 && n == 2, "multistatus: two responses with an href");
        if (n == 2) {
                is_str(v[0].href, "/alex/recharge/recharged-block-a-20261207T080000Z.ics", "multistatus: href");
                is_str(v[0].etag, "\"abc\"", "multistatus: etag");
                is_str(v[0].data, "BEGIN:VCALENDAR\nSUMMARY:a & b <c>\r\nEND:VCALENDAR\n", "multistatus: data unescaped");
                ok(!v[1].etag, "multistatus: an empty etag is none");
                is_str(v[1].data, "BEGIN:<x>", "multistatus: CDATA");
                _cleanup_free_ char *u = caldav_href_uid(v[0].href);
                is_str(u, "recharged-block-a-20261207T080000Z", "href → uid");
        }
        caldav_resources_free(v, n);
        ok(!caldav_href_uid("/a/b/") && !caldav_href_uid("x.ics.bak"), "href without a .ics name has no uid");

        /* Found by fuzz-partner: a <response> opened inside one never closed leaked what had been
         * read of the first (LeakSanitizer sees it in the sanitizer build). */
        ok(caldav_multistatus_parse("<multistatus><response><href>/a.ics</href><getetag>\"1\"</getetag>"
                                    "<calendar-data>BEGIN:VCALENDAR</calendar-data>"
                                    "<response><href>/b.ics</href></response></multistatus>", &v, &n) >= 0 && n == 1,
           "multistatus: a response inside an unclosed one: the inner one only");
        if (n == 1)
                ok(streq(v[0].href, "/b.ics") && !v[0].etag && !v[0].data, "multistatus: …with nothing of the outer one");
        caldav_resources_free(v, n);
}

static void test_errors(void) {
        static const struct {
                CURLcode code;
                long status;
                const char *want;
        } cases[] = {
                { CURLE_OK, 401, "the server refused user 'alex' (HTTP 401)" },
                { CURLE_OK, 403, "the server refused user 'alex' (HTTP 403)" },
                { CURLE_OK, 404, "no calendar at https://h/c/ (HTTP 404): create it in your calendar app or check the path" },
                { CURLE_OK, 503, "the server at https://h/c/ failed (HTTP 503)" },
                { CURLE_COULDNT_RESOLVE_HOST, 0, "cannot find the host of https://h/c/ (DNS)" },
                { CURLE_COULDNT_CONNECT, 0, "cannot connect to https://h/c/" },
                { CURLE_OPERATION_TIMEDOUT, 0, "https://h/c/ did not answer in time" },
                { CURLE_PEER_FAILED_VERIFICATION, 0, "TLS failed with https://h/c/" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *t = caldav_error_text(cases[i].code, cases[i].status, "", "https://h/c/", "alex", "share");
                ok(t && strncmp(t, cases[i].want, strlen(cases[i].want)) == 0, "error %zu: %s", i, t);
        }
}

static void test_tables(void) {
        for (int i = 0; i < _OCC_KIND_MAX; i++)
                ok(occurrence_kind_from_string(occurrence_kind_to_string(i)) == i, "kind %d round-trips", i);
        for (int i = 0; i < _SHARE_SHOW_MAX; i++)
                ok(share_show_from_string(share_show_to_string(i)) == i, "show %d round-trips", i);
        ok(occurrence_kind_from_string("x") == _OCC_KIND_INVALID && share_show_from_string("x") == _SHARE_SHOW_INVALID,
           "unknown names are refused");
}

int main(void) {
        test_uid();
        test_summary();
        test_wanted();
        test_open_ended();
        test_diff();
        test_ical();
        test_multistatus();
        test_errors();
        test_tables();
        return tap_done();
}
