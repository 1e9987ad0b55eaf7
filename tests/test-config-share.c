/* SPDX-License-Identifier: MIT */
/* test-config-share.c: the [share] and [partner] sections: reserved names, their keys, defaults,
 * and the errors in FILE:LINE form. */
#include <stdio.h>

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "macro.h"
#include "tap.h"

static char *share_dump(const Config *c) {
        char b[SPAN_MAX], *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        fprintf(f, "enabled=%d calendar=%s user=%s cmd=%s ca=%s show=%s days=%u reminders=%d timeout=%s entries=%zu",
                c->share.enabled, c->share.calendar ?: "-", c->share.user ?: "-", c->share.password_command ?: "-",
                c->share.ca_file ?: "-", share_show_to_string(c->share.show), c->share.days, c->share.reminders,
                span_format(c->share.timeout, b), c->n_entries);
        fclose(f);
        return s;
}

static void test_good(void) {
        static const struct {
                const char *text, *want;
        } cases[] = {
                { "", "enabled=0 calendar=- user=- cmd=- ca=- show=title days=14 reminders=0 timeout=30s entries=0" },
                { "[share]\ncalendar = https://cal.example.org/alex/recharge/\n",
                  "enabled=1 calendar=https://cal.example.org/alex/recharge/ user=- cmd=- ca=- show=title days=14 reminders=0 timeout=30s entries=0" },
                { "[SHARE]\nCalendar = https://cal.example.org/alex/recharge\nuser = alex\n"
                  "password-command = secret-tool lookup service recharged user alex\nshow = Message\ndays = 30\n"
                  "reminders = yes\nca-file = /etc/ca.pem\ntimeout = 5s\n[a]\ntype = recharge\nstart = 07:00\nend = 08:00\n",
                  "enabled=1 calendar=https://cal.example.org/alex/recharge/ user=alex cmd=secret-tool lookup service recharged user alex "
                  "ca=/etc/ca.pem show=message days=30 reminders=1 timeout=5s entries=1" },
                { "[share]\ncalendar = http://127.0.0.1:5232/alex/c/\nshow = busy\n",
                  "enabled=1 calendar=http://127.0.0.1:5232/alex/c/ user=- cmd=- ca=- show=busy days=14 reminders=0 timeout=30s entries=0" },
                { "[share]\ncalendar = http://localhost/c/\n",
                  "enabled=1 calendar=http://localhost/c/ user=- cmd=- ca=- show=title days=14 reminders=0 timeout=30s entries=0" },
                { "[share]\ncalendar = http://[::1]:8080/c/\n",
                  "enabled=1 calendar=http://[::1]:8080/c/ user=- cmd=- ca=- show=title days=14 reminders=0 timeout=30s entries=0" },
                { "[share]\ncalendar = http://127.1.2.3/c/\n",
                  "enabled=1 calendar=http://127.1.2.3/c/ user=- cmd=- ca=- show=title days=14 reminders=0 timeout=30s entries=0" },
                /* [partner] is reserved too: not an entry. */
                { "[partner]\nname = Sam\ncalendar = file:///home/sam/cal.ics\nrefresh = 5min\nheads-up = 0\n",
                  "enabled=0 calendar=- user=- cmd=- ca=- show=title days=14 reminders=0 timeout=30s entries=0" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **errors = NULL;
                Config *c = NULL;
                int r = config_load_string(cases[i].text, strlen(cases[i].text), "t.conf", &c, &errors);
                if (!ok(r == 0, "good[%zu] loads", i)) {
                        for (char **e = errors; e && *e; e++)
                                diag("%s", *e);
                        continue;
                }
                _cleanup_free_ char *d = share_dump(c);
                is_str(d, cases[i].want, "good[%zu]", i);
                config_free(c);
        }
}

static void test_partner(void) {
        const char *text = "[partner]\nname = Sam\ncalendar = https://cal.example.org/sam/recharge.ics\nuser = alex\n"
                           "match = Alone\nheads-up = 5min\nrefresh = 1h\n";
        _cleanup_strv_free_ char **errors = NULL;
        Config *c = NULL;

        ok(config_load_string(text, strlen(text), "t.conf", &c, &errors) == 0, "[partner] loads");
        if (!c)
                return;
        ok(c->partner.enabled && streq_ptr(c->partner.name, "Sam") &&
           streq_ptr(c->partner.calendar, "https://cal.example.org/sam/recharge.ics") && streq_ptr(c->partner.match, "Alone") &&
           c->partner.heads_up == 5 * USEC_PER_MINUTE && c->partner.refresh == USEC_PER_HOUR,
           "[partner]: its keys, an .ics URL kept as it is");
        ok(!c->partner.reconnect && c->partner.timeout == SHARE_TIMEOUT_DEFAULT, "[partner]: reconnect no, timeout 30s by default");
        config_free(c);
        c = NULL;

        text = "[partner]\ncalendar = http://127.0.0.1:8/sam/\nreconnect = yes\ntimeout = 5s\nheads-up = 0\n";
        ok(config_load_string(text, strlen(text), "t.conf", &c, &errors) == 0, "[partner] with reconnect loads");
        if (!c)
                return;
        ok(c->partner.reconnect && c->partner.timeout == 5 * USEC_PER_SEC && c->partner.heads_up == 0 && !c->partner.name,
           "[partner]: reconnect = yes, timeout = 5s, heads-up = 0, no name");
        config_free(c);
        c = NULL;

        text = "[partner]\ncalendar = file:///x.ics\nreconnect = sometimes\n";
        strv_freep(&errors);
        ok(config_load_string(text, strlen(text), "t.conf", &c, &errors) == -EINVAL && errors &&
           streq_ptr(errors[0], "t.conf:3: [partner] reconnect: 'sometimes' is not a boolean, use yes or no"),
           "[partner] reconnect: a bad boolean is refused with its line");
        config_free(c);
}

static void test_bad(void) {
        static const struct {
                const char *text, *want; /* the error lines, joined with '\n' */
        } cases[] = {
                { "[share]\nuser = alex\n", "t.conf: [share] calendar: missing, [share] needs the URL of a CalDAV calendar collection" },
                { "[share]\ncalendar = http://cal.example.org/c/\n",
                  "t.conf:2: [share] calendar: 'http://cal.example.org/c/' is plain http:// to another machine, which would send the password in clear; use https://" },
                { "[share]\ncalendar = http://128.0.0.1/c/\n",
                  "t.conf:2: [share] calendar: 'http://128.0.0.1/c/' is plain http:// to another machine, which would send the password in clear; use https://" },
                { "[share]\ncalendar = http://localhost.evil.org/c/\n",
                  "t.conf:2: [share] calendar: 'http://localhost.evil.org/c/' is plain http:// to another machine, which would send the password in clear; use https://" },
                { "[share]\ncalendar = ftp://x/c/\n", "t.conf:2: [share] calendar: 'ftp://x/c/' is not a calendar URL, use https://host/path/" },
                { "[share]\ncalendar = file:///x/c.ics\n",
                  "t.conf:2: [share] calendar: 'file:///x/c.ics' is not a calendar URL, use https://host/path/" },
                { "[share]\ncalendar = https:///c/\n", "t.conf:2: [share] calendar: 'https:///c/' names no host" },
                { "[share]\ncalendar = https://alex:pw@h/c/\n",
                  "t.conf:2: [share] calendar: 'https://alex:pw@h/c/' has a user name in it; use the user and password-command keys" },
                { "[share]\ncalendar = https://h/c/\nshow = everything\ndays = 0\nreminders = maybe\nca-file = ca.pem\ntimeout = 0\n",
                  "t.conf:3: [share] show: 'everything' is not what to show, use busy, title or message\n"
                  "t.conf:4: [share] days: '0' is not a number of days from 1 to 366\n"
                  "t.conf:5: [share] reminders: 'maybe' is not a boolean, use yes or no\n"
                  "t.conf:6: [share] ca-file: 'ca.pem' is not an absolute path\n"
                  "t.conf:7: [share] timeout: '0' is too short, at least 1s" },
                { "[share]\ncalendar = https://h/c/\ndays = 015x\n", "t.conf:3: [share] days: '015x' is not a number of days from 1 to 366" },
                { "[share]\ncalendar = https://h/c/\nstart = 07:00\ncolour = red\ncalender = x\n",
                  "t.conf:3: [share] start: unknown key\nt.conf:4: [share] colour: unknown key\n"
                  "t.conf:5: [share] calender: unknown key, did you mean 'calendar'?" },
                { "[general]\ncalendar = https://h/c/\n[a]\ntype = recharge\nstart = 07:00\nduration = 1h\nshow = busy\nname = x\n",
                  "t.conf:2: [general] calendar: belongs in [share]\nt.conf:7: [a] show: belongs in [share]\nt.conf:8: [a] name: belongs in [partner]" },
                { "[partner]\nshow = busy\nrefresh = 10s\n",
                  "t.conf:2: [partner] show: unknown key\nt.conf:3: [partner] refresh: '10s' is too short, at least 1min\n"
                  "t.conf: [partner] calendar: missing, [partner] needs the partner's calendar: CalDAV, an .ics URL or file://" },
                { "[share]\ncalendar = https://h/c/\n[share]\nuser = x\n", "t.conf:3: [share]: duplicate section, first on line 1" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_free_ char *joined = NULL;
                Config *c = NULL;
                size_t n = 0;
                int r = config_load_string(cases[i].text, strlen(cases[i].text), "t.conf", &c, &errors);
                FILE *f = open_memstream(&joined, &n);
                for (char **e = errors; e && *e; e++)
                        fprintf(f, "%s%s", e == errors ? "" : "\n", *e);
                fclose(f);
                ok(r == -EINVAL && !c, "bad[%zu] refused", i);
                is_str(joined, cases[i].want, "bad[%zu] errors", i);
                config_free(c);
        }
}

int main(void) {
        test_good();
        test_partner();
        test_bad();
        return tap_done();
}
