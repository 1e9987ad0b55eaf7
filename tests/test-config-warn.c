/* SPDX-License-Identifier: MIT */
/* test-config-warn.c: check-config's warnings for valid configs, table-driven: each config text
 * with the warnings it must give (none for the ordinary ones), in a fixed zone and time. */
#include <stdlib.h>

#include "config-warn.h"
#include "macro.h"
#include "tap.h"

static Tz *berlin;

static usec_t at(int y, unsigned m, unsigned d, int hh, int mm) {
        return (usec_t) tz_from_local(berlin, days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60) * USEC_PER_SEC;
}

#define ONE "[a]\ntype = selfcare\nat = 10:00\n"

static void test_warnings(void) {
        static const struct {
                const char *text;
                bool private_file;
                const char *want; /* the warnings joined by '\n', "" for none */
        } t[] = {
                /* ordinary configs: nothing to say */
                { ONE, true, "" },
                { "[e]\ntype = recharge\nstart = 21:00\nend = 22:00\n"
                  "[m]\ntype = recharge\nstart = 07:00\nduration = 45min\n", true, "" },
                /* blocks that touch but do not overlap */
                { "[a]\ntype = recharge\nstart = 21:00\nend = 22:00\n"
                  "[b]\ntype = recharge\nstart = 22:00\nend = 23:00\n", true, "" },
                /* the same times on different days */
                { "[a]\ntype = recharge\ndays = Mon..Fri\nstart = 21:00\nend = 22:00\n"
                  "[b]\ntype = recharge\ndays = Sat,Sun\nstart = 21:00\nend = 22:00\n", true, "" },
                /* a disabled block does not overlap */
                { "[a]\ntype = recharge\nstart = 21:00\nend = 22:00\n"
                  "[b]\ntype = recharge\nstart = 21:30\nend = 23:00\nenabled = no\n", true, "" },

                /* an empty file, and one with only [general] */
                { "", true, "t.conf: no entries: nothing is scheduled (without a file, recharged would use its "
                            "built-in default schedule)" },
                { "[general]\nheads-up = 5min\n", true,
                  "t.conf: no entries: nothing is scheduled (without a file, recharged would use its built-in "
                  "default schedule)" },
                /* hooks in a file others can write: refused by the daemon, said here */
                { "[general]\non-start = notify-send hi\n" ONE, false,
                  "t.conf: on-start and on-end will not run: the file or its folder is writable by others than "
                  "its owner; run: chmod go-w 't.conf' and its folder" },
                { ONE, false, "" }, /* no hooks: nothing to refuse */
                /* start = end */
                { "[n]\ntype = recharge\nstart = 22:00\nend = 22:00\n", true,
                  "t.conf: [n] start and end are both 22:00: a block of 24 hours; for a shorter one give another "
                  "end, or a duration" },
                /* overlaps: same day, across midnight into the next day, across Sunday into Monday */
                { "[a]\ntype = recharge\nstart = 21:00\nend = 22:00\n"
                  "[b]\ntype = recharge\nstart = 21:30\nend = 23:00\n", true,
                  "t.conf: [a] and [b] overlap on Mon (21:00–22:00 and 21:30–23:00): the later start comes while "
                  "the first is on; give one other days or times" },
                { "[late]\ntype = recharge\ndays = Tue\nstart = 23:00\nend = 01:00\n"
                  "[early]\ntype = recharge\ndays = Wed\nstart = 00:30\nduration = 1h\n", true,
                  "t.conf: [early] and [late] overlap on Wed (00:30–01:30 and 23:00–01:00): the later start comes "
                  "while the first is on; give one other days or times" },
                { "[sun]\ntype = recharge\ndays = Sun\nstart = 23:00\nend = 02:00\n"
                  "[mon]\ntype = recharge\ndays = Mon\nstart = 01:00\nend = 03:00\n", true,
                  "t.conf: [mon] and [sun] overlap on Mon (01:00–03:00 and 23:00–02:00): the later start comes "
                  "while the first is on; give one other days or times" },
                /* DST: Berlin springs forward on Sun 2027-03-28, 02:00 → 03:00: 02:30–03:15 has no time */
                { "[dst]\ntype = recharge\ndays = Sun\nstart = 02:30\nend = 03:15\n", true,
                  "t.conf: [dst] 02:30–03:15 does not happen on Sun 2027-03-28: the clocks spring forward over it "
                  "(CEST), so it has no time at all" },
                /* in the gap but ending well after it: shorter that day, not gone */
                { "[dst]\ntype = recharge\ndays = Sun\nstart = 02:30\nend = 04:00\n", true, "" },
                /* a duration is real time: never removed */
                { "[dst]\ntype = recharge\ndays = Sun\nstart = 02:30\nduration = 30min\n", true, "" },
                /* on other days than the change's */
                { "[dst]\ntype = recharge\ndays = Mon..Sat\nstart = 02:30\nend = 03:15\n", true, "" },
        };
        usec_t now = at(2026, 12, 7, 12, 0);

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_strv_free_ char **errors = NULL, **w = NULL;
                _cleanup_free_ char *joined = NULL;
                size_t size = 0;
                int r;

                r = config_load_string(t[i].text, strlen(t[i].text), "t.conf", &c, &errors);
                if (!ok(r == 0, "case %zu loads", i)) {
                        for (char **e = errors; e && *e; e++)
                                printf("# %s\n", *e);
                        continue;
                }
                c->hooks_allowed = t[i].private_file;
                r = config_warnings(c, "t.conf", berlin, now, &w);
                FILE *f = open_memstream(&joined, &size);
                for (char **x = w; x && *x; x++)
                        fprintf(f, "%s%s", x == w ? "" : "\n", *x);
                fclose(f);
                is_int(r, (int) strv_length(w), "case %zu: the count is the lines", i);
                is_str(joined, t[i].want, "case %zu warnings", i);
        }
}

static void test_no_zone(void) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL, **w = NULL;
        const char *text = "[dst]\ntype = recharge\ndays = Sun\nstart = 02:30\nend = 03:15\n";

        ok(config_load_string(text, strlen(text), "t.conf", &c, &errors) == 0, "no zone: loads");
        is_int(config_warnings(c, "t.conf", NULL, 0, &w), 0, "no zone: no DST warning, nothing else");
}

static void test_bom(void) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        const char *text = "\xef\xbb\xbf[general]\nheads-up = 5min\n" ONE;

        ok(config_load_string(text, strlen(text), "t.conf", &c, &errors) == 0, "a UTF-8 BOM before [general] is skipped");
        ok(c && c->heads_up == 5 * USEC_PER_MINUTE && c->n_entries == 1, "and the file reads as without it");
        {
                _cleanup_(config_freep) Config *d = NULL;
                _cleanup_strv_free_ char **e = NULL;
                const char *bad = "\xef\xbb\xbf[general]\nheads-up = soon\n";
                ok(config_load_string(bad, strlen(bad), "t.conf", &d, &e) == -EINVAL, "BOM: errors still found");
                is_str(e ? e[0] : NULL,
                       "t.conf:2: [general] heads-up: 'soon' is not a number, expected a time span such as 45min",
                       "BOM: the line numbers are the file's");
        }
}

int main(void) {
        if (tz_load("Europe/Berlin", &berlin) < 0) {
                printf("1..0 # SKIP no Europe/Berlin zone\n");
                return 0;
        }
        test_warnings();
        test_no_zone();
        test_bom();
        tz_free(berlin);
        return tap_done();
}
