/* SPDX-License-Identifier: MIT */
/* test-config.c: recharged.conf: accepted and refused forms, the bad-config corpus, finding the file. */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "config-ini.h"
#include "files.h"
#include "macro.h"
#include "names.h"
#include "tap.h"

/* ---- helpers ---- */

static char *joined(char **l) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        for (char **i = l; i && *i; i++)
                fprintf(f, "%s%s", i == l ? "" : "\n", *i);
        fclose(f);
        return s;
}

/* Every field of an entry, in one line, so a table row can say what it expects. */
static char *entry_dump(const Entry *e) {
        char b1[64], b2[64], b3[64], *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        fprintf(f, "%s %s %s '%s'%s", e->name, entry_type_to_string(e->type), weekdays_format(e->days, b1),
                e->message, e->enabled ? "" : " disabled");
        if (e->type == ENTRY_RECHARGE) {
                fprintf(f, " start=%s", clock_format_short(e->start, b1));
                if (e->has_end)
                        fprintf(f, " end=%s", clock_format_short(e->end, b1));
                else
                        fprintf(f, " duration=%s", span_format(e->duration, b1));
                fprintf(f, "%s", e->dnd ? " dnd" : "");
        } else {
                if (e->dnd)
                        fprintf(f, " dnd?!");
                if (e->every)
                        fprintf(f, " every=%s between=%s-%s", span_format(e->every, b1),
                                clock_format_short(e->between_start, b2), clock_format_short(e->between_end, b3));
                for (size_t i = 0; i < e->n_at; i++)
                        fprintf(f, "%s%s", i == 0 ? " at=" : ",", clock_format_short(e->at[i], b1));
        }
        fclose(f);
        return s;
}

static char *general_dump(const Config *c) {
        char b[SPAN_MAX], *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        fprintf(f, "heads-up=%s reconnect=%d silence=%d status='%s' on-start=%s on-end=%s",
                span_format(c->heads_up, b), c->reconnect, c->silence_notifications, c->status,
                c->on_start ?: "(none)", c->on_end ?: "(none)");
        fclose(f);
        return s;
}

static int load_str(const char *text, Config **c, char ***errors) {
        return config_load_string(text, strlen(text), "t.conf", c, errors);
}

/* An expected-output file, without its last newlines. */
static char *read_expected(const char *path) {
        size_t n;
        char *s = read_bytes(path, &n);

        while (n > 0 && s[n - 1] == '\n')
                s[--n] = 0;
        return s;
}

static void write_file(const char *path, const char *text, size_t len, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, text, len) != (ssize_t) len)
                diag("cannot write %s: %m", path);
        if (fd >= 0) {
                fchmod(fd, mode);
                close(fd);
        }
}

/* ---- accepted forms ---- */

static const struct {
        const char *text;
        const char *entry; /* entry_dump() of the entry named "x", or NULL */
        const char *general; /* general_dump(), or NULL */
} good[] = {
        { "", NULL,
          "heads-up=10min reconnect=1 silence=1 status='Recharging%[ until %until%]%[ — %message%]' on-start=(none) on-end=(none)" },
        { "[general]\nheads-up = 0\nreconnect = no\nsilence-notifications = off\n", NULL,
          "heads-up=0 reconnect=0 silence=0 status='Recharging%[ until %until%]%[ — %message%]' on-start=(none) on-end=(none)" },
        { "[general]\nheads-up = 1d\nreconnect = TRUE\nsilence-notifications = 0\nstatus =\n", NULL,
          "heads-up=1d reconnect=1 silence=0 status='' on-start=(none) on-end=(none)" },
        { "[general]\nheads-up = 1h 30min\nstatus = %entry%: %since%-%until%, %left% left (100%%) %message%\n", NULL,
          "heads-up=1h 30min reconnect=1 silence=1 status='%entry%: %since%-%until%, %left% left (100%%) %message%' on-start=(none) on-end=(none)" },
        { "[general]\nheads-up = 10min               ; warn this long before a recharge block (0 = never)\n"
          "on-start = notify-partner.sh   ; optional hooks, see \"Hooks\"\non-end =\n", NULL,
          "heads-up=10min reconnect=1 silence=1 status='Recharging%[ until %until%]%[ — %message%]' on-start=notify-partner.sh on-end=(none)" },
        { "[general]\non-start = \"echo 'a;b' # not a comment\"\non-end = logger end\n", NULL,
          "heads-up=10min reconnect=1 silence=1 status='Recharging%[ until %until%]%[ — %message%]' on-start=echo 'a;b' # not a comment on-end=logger end" },
        { "[general]\nHeads-Up=90s\n", NULL,
          "heads-up=1min 30s reconnect=1 silence=1 status='Recharging%[ until %until%]%[ — %message%]' on-start=(none) on-end=(none)" },
        /* recharge blocks */
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45\n", "x recharge daily 'x' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 21:00\nduration = 1h\n", "x recharge daily 'x' start=21:00 duration=1h dnd", NULL },
        { "[x]\ntype = recharge\nstart = 23:30\nend = 00:15\ndnd = no\n", "x recharge daily 'x' start=23:30 end=00:15", NULL },
        { "[x]\ntype = recharge\nstart = 12:00\nend = 12:00\n", "x recharge daily 'x' start=12:00 end=12:00 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 06:30:15\nduration = 1s\n", "x recharge daily 'x' start=06:30:15 duration=1s dnd", NULL },
        { "[x]\ntype = recharge\nstart = 00:00\nduration = 24h\n", "x recharge daily 'x' start=00:00 duration=1d dnd", NULL },
        { "[x]\ntype = recharge\nstart = 00:00\nduration = 1.5h\n", "x recharge daily 'x' start=00:00 duration=1h 30min dnd", NULL },
        { "[X]\nTYPE = Recharge\nStart = 07:00\nEND = 08:00\nDays = mon,WED..fri\nEnabled = No\n",
          "x recharge Mon,Wed..Fri 'x' disabled start=07:00 end=08:00 dnd", NULL },
        { "[x]\ntype=recharge\nstart=07:00\nend=07:45\ndays=Sat,Sun\nmessage=Coffee, alone, no screens\n",
          "x recharge Sat,Sun 'Coffee, alone, no screens' start=07:00 end=07:45 dnd", NULL },
        { "[x]\r\ntype = recharge\r\nstart = 07:00\r\nend = 07:45\r\ndays = *\r\n", "x recharge daily 'x' start=07:00 end=07:45 dnd", NULL },
        { "; a comment\n# another\n\n  [ x ]  \n\ttype = recharge ; a block\n start = 07:00 # early\nend = 07:45\n"
          "message = Tea   ; green\n", "x recharge daily 'Tea' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45\nmessage = \"  Tea; then # bed  \"\n",
          "x recharge daily '  Tea; then # bed  ' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45\nmessage = 'Say \"hi\"' ; greeting\n",
          "x recharge daily 'Say \"hi\"' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45\nmessage = \"\"\n", "x recharge daily '' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45\nmessage =\n", "x recharge daily '' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45\nmessage = Quiet, \\\n  please\n",
          "x recharge daily 'Quiet,   please' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45\nmessage = Ça va? Ünïcödé ☕ 🌙\n",
          "x recharge daily 'Ça va? Ünïcödé ☕ 🌙' start=07:00 end=07:45 dnd", NULL },
        { "[x]\ntype = recharge\nstart = 07:00\nend = 07:45", "x recharge daily 'x' start=07:00 end=07:45 dnd", NULL },
        /* self-care reminders */
        { "[x]\ntype = selfcare\nat = 17:00\n", "x selfcare daily 'x' at=17:00", NULL },
        { "[x]\ntype = selfcare\nat = 20:30, 17:00,08:00:30\ndays = Sun\n", "x selfcare Sun 'x' at=08:00:30,17:00,20:30", NULL },
        { "[x]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n",
          "x selfcare daily 'x' every=1h 30min between=09:00-18:00", NULL },
        { "[x]\ntype = selfcare\nevery = 1min\nbetween = 22:00 - 02:00\n",
          "x selfcare daily 'x' every=1min between=22:00-02:00", NULL },
        { "[x]\ntype = selfcare\nevery = 24h\nbetween = 09:00:30-18:00:00\nenabled = off\n",
          "x selfcare daily 'x' disabled every=1d between=09:00:30-18:00", NULL },
};

static void test_good(void) {
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *e = NULL;
                int r = load_str(good[i].text, &c, &errors);

                if (!is_int(r, 0, "good[%zu] loads", i)) {
                        _cleanup_free_ char *j = joined(errors);
                        diag("%s", j);
                        continue;
                }
                if (good[i].entry) {
                        int x = config_find_entry(c, "x");
                        if (x >= 0)
                                e = entry_dump(&c->entries[x]);
                        is_str(e, good[i].entry, "good[%zu] entry", i);
                }
                if (good[i].general) {
                        _cleanup_free_ char *g = general_dump(c);
                        is_str(g, good[i].general, "good[%zu] general", i);
                }
        }
}

/* ---- refused forms: every error line, exactly ---- */

#define R "[x]\ntype = recharge\nstart = 07:00\n"       /* lines 1-3 of a recharge block */
#define S "[x]\ntype = selfcare\n"                      /* lines 1-2 of a reminder */

static const struct {
        const char *text;
        const char *errors;
} bad[] = {
        { "[general]\nheads-up = 10 parsecs\n",
          "t.conf:2: [general] heads-up: '10 parsecs' has an unknown unit, expected a time span such as 45min" },
        { "[general]\nheads-up = 2d\n", "t.conf:2: [general] heads-up: '2d' is too long, at most 1d" },
        { "[general]\nheads-up = -5min\n",
          "t.conf:2: [general] heads-up: '-5min' is negative, expected a time span such as 45min" },
        { "[general]\nreconnect = maybe\n", "t.conf:2: [general] reconnect: 'maybe' is not a boolean, use yes or no" },
        { "[general]\nallowance = 31\n", "t.conf:2: [general] allowance: '31' is not a number of days from 0 to 30" },
        { "[general]\nallowance = -1\n", "t.conf:2: [general] allowance: '-1' is not a number of days from 0 to 30" },
        { "[general]\nallowance = 2 days\n",
          "t.conf:2: [general] allowance: '2 days' is not a number of days from 0 to 30" },
        { "[general]\naway-share = 101%\n", "t.conf:2: [general] away-share: '101%' is not a share from 0% to 100%" },
        { "[general]\naway-share = -5%\n", "t.conf:2: [general] away-share: '-5%' is not a share from 0% to 100%" },
        { "[general]\naway-share = 80 %\n", "t.conf:2: [general] away-share: '80 %' is not a share from 0% to 100%" },
        { "[general]\naway-share = 80%%\n", "t.conf:2: [general] away-share: '80%%' is not a share from 0% to 100%" },
        { "[general]\naway-share = 0.8\n", "t.conf:2: [general] away-share: '0.8' is not a share from 0% to 100%" },
        { "[general]\naway-share = %\n", "t.conf:2: [general] away-share: '%' is not a share from 0% to 100%" },
        { "[general]\nsilence-notifications =\n",
          "t.conf:2: [general] silence-notifications: '' is not a boolean, use yes or no" },
        { "[general]\nstatus = Back at %untill%\n",
          "t.conf:2: [general] status: unknown placeholder '%untill%', use %until% %since% %left% %message% %entry%, or %% for a literal %" },
        { "[general]\nstatus = 100% me\n",
          "t.conf:2: [general] status: a lone '%' in '% me'; write %% for a literal %" },
        { "[general]\nstatus = %a% and %b% then %\n",
          "t.conf:2: [general] status: unknown placeholder '%a%', use %until% %since% %left% %message% %entry%, or %% for a literal %\n"
          "t.conf:2: [general] status: unknown placeholder '%b%', use %until% %since% %left% %message% %entry%, or %% for a literal %\n"
          "t.conf:2: [general] status: a lone '%' in '%'; write %% for a literal %" },
        { "[general]\nstatus = 100% me until %until%, 50% off\n",
          "t.conf:2: [general] status: a lone '%' in '% me until %until%, 50% off'; write %% for a literal %\n"
          "t.conf:2: [general] status: a lone '%' in '% off'; write %% for a literal %" },
        { "[general]\nstatus = \"\xc3\x28\"\n", "t.conf:2: [general] status: is not valid UTF-8" },
        { "[general]\nstatus = Recharging%[ until %until%\n",
          "t.conf:2: [general] status: '%[ until %until%' has no closing ']'" },
        { "[general]\nstatus = %[a %[b] c]\n",
          "t.conf:2: [general] status: a '%[' inside another in '%[b] c]': segments do not nest" },
        { "[general]\nheads_up = 5min\n", "t.conf:2: [general] heads_up: unknown key, did you mean 'heads-up'?" },
        { "[general]\nstart = 07:00\n", "t.conf:2: [general] start: belongs in an entry, not in [general]" },
        { "[genral]\nheads-up = 5min\n",
          "t.conf:1: [genral]: unknown section, did you mean [general]?\n"
          "t.conf:2: [genral] heads-up: belongs in [general]" },
        { R "end = 08:00\nreconnect = no\n", "t.conf:5: [x] reconnect: belongs in [general]" },
        { "[x]\nstart = 07:00\n", "t.conf: [x] type: missing, an entry needs type = recharge or type = selfcare" },
        { "[x]\ntype = sometimes\n", "t.conf:2: [x] type: 'sometimes' is not an entry type, use recharge or selfcare" },
        { "[x]\ntype = recharge\nend = 08:00\n", "t.conf: [x] start: missing, a recharge block needs a start time" },
        { R, "t.conf: [x] end: missing, a recharge block needs an end or a duration" },
        { R "end = 08:00\nduration = 1h\n", "t.conf:5: [x] duration: 'end' is already set on line 4; use either end or duration" },
        { R "duration = 1h\nend = 08:00\n", "t.conf:5: [x] end: 'duration' is already set on line 4; use either end or duration" },
        { "[x]\ntype = recharge\nstart = 25:00\nend = 7:00\n",
          "t.conf:3: [x] start: '25:00' is out of range, expected a clock time HH:MM or HH:MM:SS\n"
          "t.conf:4: [x] end: '7:00' is not in the expected format, expected a clock time HH:MM or HH:MM:SS" },
        { R "duration = 0\n", "t.conf:4: [x] duration: '0' is too short, at least 1s" },
        { R "duration = 25h\n", "t.conf:4: [x] duration: '25h' is too long, at most 1d" },
        { R "duration = 1.5s\n", "t.conf:4: [x] duration: '1.5s' is not a whole number of seconds" },
        { R "duration = soon\n", "t.conf:4: [x] duration: 'soon' is not a number, expected a time span such as 45min" },
        { R "end = 08:00\ndnd = perhaps\n", "t.conf:5: [x] dnd: 'perhaps' is not a boolean, use yes or no" },
        { R "end = 08:00\nevery = 1h\nbetween = 09:00-10:00\nat = 12:00\n",
          "t.conf:5: [x] every: applies only to type = selfcare\n"
          "t.conf:6: [x] between: applies only to type = selfcare\n"
          "t.conf:7: [x] at: applies only to type = selfcare" },
        { S "at = 17:00\nstart = 07:00\nend = 08:00\nduration = 1h\ndnd = no\n",
          "t.conf:4: [x] start: applies only to type = recharge\n"
          "t.conf:5: [x] end: applies only to type = recharge\n"
          "t.conf:6: [x] duration: applies only to type = recharge\n"
          "t.conf:7: [x] dnd: applies only to type = recharge" },
        { S "at = 17:00\nevery = 1h\nbetween = 09:00-10:00\n",
          "t.conf:4: [x] every: 'at' is already set on line 3; use either at or every with between" },
        { S "every = 1h\n", "t.conf: [x] between: missing, 'every' needs a window such as between = 09:00-18:00" },
        { S "between = 09:00-18:00\n", "t.conf:3: [x] between: goes with 'every'; for fixed times use 'at' alone" },
        { S "at = 17:00\nbetween = 09:00-18:00\n", "t.conf:4: [x] between: goes with 'every'; for fixed times use 'at' alone" },
        { S, "t.conf: [x] at: missing, a selfcare reminder needs 'at' or 'every' with 'between'" },
        { S "every = 30s\nbetween = 09:00-18:00\n", "t.conf:3: [x] every: '30s' is too short, at least 1min" },
        { S "every = 2d\nbetween = 09:00-18:00\n", "t.conf:3: [x] every: '2d' is too long, at most 1d" },
        { S "every = 90.5s\nbetween = 09:00-18:00\n", "t.conf:3: [x] every: '90.5s' is not a whole number of seconds" },
        { S "every = 1h\nbetween = 09:00\n", "t.conf:4: [x] between: '09:00' is not a window, use HH:MM-HH:MM" },
        { S "every = 1h\nbetween = 09:00-09:00\n",
          "t.conf:4: [x] between: '09:00-09:00' is empty, its start and end are the same" },
        { S "every = 1h\nbetween = 9:00-25:00\n",
          "t.conf:4: [x] between: '9:00' is not in the expected format, expected a clock time HH:MM or HH:MM:SS" },
        { S "at = 17:00, 08:00,17:00\n", "t.conf:3: [x] at: 17:00 is listed twice" },
        { S "at = 17:00,,18:00\n", "t.conf:3: [x] at: '17:00,,18:00' has an empty item" },
        { S "at = 17:00,\n", "t.conf:3: [x] at: '17:00,' has an empty item" },
        { S "at =\n", "t.conf:3: [x] at: is empty, list clock times such as 17:00, 20:30" },
        { S "at = 17:00, 5pm, 24:00\n",
          "t.conf:3: [x] at: '5pm' is not in the expected format, expected a clock time HH:MM or HH:MM:SS\n"
          "t.conf:3: [x] at: '24:00' is out of range, expected a clock time HH:MM or HH:MM:SS" },
        { S "at = 17:00\ndays = Mo..Fr\n",
          "t.conf:4: [x] days: 'Mo..Fr' is not a day of the week, use e.g. Mon..Fri, Sat,Sun or daily" },
        { S "at = 17:00\ndays =\n", "t.conf:4: [x] days: '' is empty, use e.g. Mon..Fri, Sat,Sun or daily" },
        { S "at = 17:00\nenabled = 2\n", "t.conf:4: [x] enabled: '2' is not a boolean, use yes or no" },
        { R "duraton = 1h\n",
          "t.conf:4: [x] duraton: unknown key, did you mean 'duration'?\n"
          "t.conf: [x] end: missing, a recharge block needs an end or a duration" },
        { S "at = 17:00\ncolour = red\n", "t.conf:4: [x] colour: unknown key" },
        { R "start = 08:00\nend = 09:00\n", "t.conf:4: [x] start: duplicate key, first set on line 3" },
        { R "end = 08:00\n[y]\ntype = selfcare\nat = 12:00\n[x]\nmessage = again\n",
          "t.conf:8: [x]: duplicate section, first on line 1" },
        { "type = recharge\n[x]\ntype = selfcare\nat = 12:00\n",
          "t.conf:1: 'type' is outside any section; put it under [general] or an entry" },
        { "[my entry]\ntype = selfcare\n",
          "t.conf:1: '[my entry]' is not a valid section name, use letters, digits, '_' and '-'" },
        { "[]\ntype = selfcare\n", "t.conf:1: '[]' has no section name" },
        { "[a123456789b123456789c123456789d123456789e123456789f123456789abcd]\n",
          "t.conf:1: [a123456789b123456789c123456789d123456789e123456789f123456789abcd]: the name is longer than 63 characters" },
        { "[x\ntype = selfcare\n", "t.conf:1: '[x' lacks the closing ']'" },
        { "[x] ; my block\ntype = selfcare\n", "t.conf:1: a comment after a section header must go on a line of its own" },
        { "[x] y\n", "t.conf:1: text after the section header: 'y'" },
        { S "at = 17:00\njunk\n", "t.conf:4: 'junk' is not 'key = value', a [section] or a comment" },
        { S "at = 17:00\n= v\n", "t.conf:4: '=' without a key name before it" },
        { S "at = 17:00\nmessage = \"abc\n", "t.conf:4: [x] message: the quote \" in '\"abc' is not closed" },
        { S "at = 17:00\nmessage = 'tis the season\n", "t.conf:4: [x] message: the quote ' in ''tis the season' is not closed" },
        { S "at = 17:00\nmessage = \"Hi\" she said\n", "t.conf:4: [x] message: text after the closing quote: 'she said'" },
        { S "at = 17:00\nmessage = Tea;then bed\n",
          "t.conf:4: [x] message: ';' in 'Tea;then bed' would start a comment and cut the value short; put the value in quotes (\"…\") to keep it" },
        { S "at = 17:00\nmessage = Step#2\n",
          "t.conf:4: [x] message: '#' in 'Step#2' would start a comment and cut the value short; put the value in quotes (\"…\") to keep it" },
        { S "at = 17:00#x\n",
          "t.conf:3: [x] at: '#' in '17:00#x' would start a comment and cut the value short; put the value in quotes (\"…\") to keep it" },
        { S "at = 17:00\nmessage = caf\xe9\n", "t.conf:4: [x] message: is not valid UTF-8" },
        { S "at = 17:00\nmessage = \xed\xa0\x80 \xc0\xaf\n", "t.conf:4: [x] message: is not valid UTF-8" },
        { S "at = 17:00\nmessage = a\\\n", "t.conf:4: the line ends with '\\' but no line follows" },
        { S "at = 17:00\nmessage = \"a\x01\" b\n", "t.conf:4: [x] message: text after the closing quote: 'b'" },
        { S "at = 17:00\n\x01\x7f\xff\n", "t.conf:4: '\\x01\\x7f\\xff' is not 'key = value', a [section] or a comment" },
        /* everything wrong at once: every line reported, in order */
        { "top = 1\n[general]\nheads-up = forever\nreconect = yes\n[Morning]\ntype = recharge\nstart = 7\n"
          "start = 07:00\nevery = 1h\n[stretch]\ntype = selfcare\nat = 25:00\ndays = Funday\n[bad name]\nx = 1\n",
          "t.conf:1: 'top' is outside any section; put it under [general] or an entry\n"
          "t.conf:3: [general] heads-up: 'forever' is not a number, expected a time span such as 45min\n"
          "t.conf:4: [general] reconect: unknown key, did you mean 'reconnect'?\n"
          "t.conf:7: [morning] start: '7' is not in the expected format, expected a clock time HH:MM or HH:MM:SS\n"
          "t.conf:8: [morning] start: duplicate key, first set on line 7\n"
          "t.conf:9: [morning] every: applies only to type = selfcare\n"
          "t.conf: [morning] end: missing, a recharge block needs an end or a duration\n"
          "t.conf:12: [stretch] at: '25:00' is out of range, expected a clock time HH:MM or HH:MM:SS\n"
          "t.conf:13: [stretch] days: 'Funday' is not a day of the week, use e.g. Mon..Fri, Sat,Sun or daily\n"
          "t.conf:14: '[bad name]' is not a valid section name, use letters, digits, '_' and '-'" },
};

static void test_bad(void) {
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *j = NULL;
                int r = load_str(bad[i].text, &c, &errors);

                ok(r == -EINVAL && !c, "bad[%zu] refused", i);
                j = joined(errors);
                is_str(j, bad[i].errors, "bad[%zu] errors", i);
        }
}

static void test_limits(void) {
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *text = NULL, *j = NULL, *want = NULL;
        size_t n = 0;
        FILE *f;
        int r;

        /* a line over iniparser's limit is refused, not cut short; its key still counts as there */
        f = open_memstream(&text, &n);
        fprintf(f, "[x]\ntype = selfcare\nat = 17:00\nmessage = ");
        for (int i = 0; i < 1100; i++)
                fputc('a', f);
        fputs("\n", f);
        fclose(f);
        r = load_str(text, &c, &errors);
        j = joined(errors);
        is_str(j, "t.conf:4: line is too long (1110 bytes, at most 1022)", "a line over 1022 bytes");
        errors = strv_free(errors);
        free(j);
        free(text);

        /* the longest line allowed, with a message just fitting */
        f = open_memstream(&text, &n);
        fprintf(f, "[x]\ntype = selfcare\nat = 17:00\nmessage = ");
        for (int i = 0; i < CONFIG_LINE_MAX - 10; i++)
                fputc('b', f);
        fputs("\n", f);
        fclose(f);
        r = load_str(text, &c, &errors);
        is_int(r, 0, "a line of exactly 1022 bytes loads");
        if (c)
                is_int(strlen(c->entries[0].message), CONFIG_LINE_MAX - 10, "its message is whole");
        c = config_free(c);
        free(text);

        /* at most ENTRY_AT_MAX times */
        f = open_memstream(&text, &n);
        fprintf(f, "[x]\ntype = selfcare\nat = ");
        for (int i = 0; i <= ENTRY_AT_MAX; i++)
                fprintf(f, "%s%02d:%02d", i ? "," : "", i / 60, i % 60);
        fputs("\n", f);
        fclose(f);
        r = load_str(text, &c, &errors);
        j = joined(errors);
        is_str(j, "t.conf:3: [x] at: lists more than 64 times", "65 times in 'at'");
        errors = strv_free(errors);
        free(j);
        free(text);

        /* at most RECHARGED_ENTRIES_MAX entries */
        f = open_memstream(&text, &n);
        for (int i = 0; i <= RECHARGED_ENTRIES_MAX; i++)
                fprintf(f, "[e%04d]\ntype = selfcare\nat = 10:00\n", i);
        fclose(f);
        r = load_str(text, &c, &errors);
        j = joined(errors);
        if (asprintf(&want, "t.conf:%d: [e%04d]: too many entries, at most %d (the rest of the file was not checked)",
                     RECHARGED_ENTRIES_MAX * 3 + 1, RECHARGED_ENTRIES_MAX, RECHARGED_ENTRIES_MAX) < 0)
                abort();
        is_str(j, want, "4097 entries");
        errors = strv_free(errors);
        free(j);
        text[strlen(text) - strlen("[e4096]\ntype = selfcare\nat = 10:00\n")] = 0;
        r = load_str(text, &c, &errors);
        is_int(r, 0, "4096 entries load");
        if (c)
                is_str(c->entries[4095].name, "e4095", "sorted by name");
        c = config_free(c);
        free(text);

        /* a flood of problems is cut off, and says so */
        f = open_memstream(&text, &n);
        for (int i = 0; i < 400; i++)
                fputs("junk\n", f);
        fclose(f);
        r = load_str(text, &c, &errors);
        is_int(strv_length(errors), 257, "at most 256 problems and a last line");
        if (strv_length(errors) == 257)
                is_str(errors[256], "t.conf: too many problems, only the first 256 are shown", "the last line says so");
        errors = strv_free(errors);
        free(text);

        /* NUL bytes and size, from memory */
        r = config_load_string("[x]\0junk", 8, "mem", &c, &errors);
        j = joined(errors);
        is_str(j, "mem: contains NUL bytes, is it a text file?", "NUL bytes in a string");
        errors = strv_free(errors);
        free(j);
        text = calloc(1, CONFIG_FILE_MAX + 2);
        memset(text, '#', CONFIG_FILE_MAX + 1);
        r = config_load_string(text, CONFIG_FILE_MAX + 1, "mem", &c, &errors);
        j = joined(errors);
        is_str(j, "mem: is larger than 1 MiB", "over 1 MiB in a string");
        errors = strv_free(errors);
}

/* ---- big files: iniparser reads them in pieces, the scan finds sections by hash ---- */

typedef enum Fault {
        FAULT_NONE,
        FAULT_DUP_KEY,     /* a second `message` in section `at` */
        FAULT_DUP_SECTION, /* section `at` again, as the last section */
        FAULT_UNKNOWN_KEY, /* `mesage` in section `at` */
} Fault;

/* n sections in four forms (plain, quoted with ';' and '#', continued with '\\', a trailing
 * comment) and some recharges. *ret_line: the line of the fault, *ret_first: the line the error
 * refers back to (a duplicate key's first line). Section i alone, with the same text, is in *ret_alone when i == alone. */
static char *big_config(size_t n, Fault fault, size_t at, unsigned *ret_line, unsigned *ret_first, size_t alone,
                        char **ret_alone) {
        char *text = NULL, *one = NULL;
        size_t len = 0, one_len = 0;
        FILE *f = open_memstream(&text, &len);
        unsigned line = 2, msg = 0;

        fprintf(f, "# a big schedule\n");
        for (size_t i = 0; i < n; i++) {
                FILE *o = i == alone ? open_memstream(&one, &one_len) : NULL;
                char *sec = NULL;
                size_t sec_len = 0;
                FILE *g = open_memstream(&sec, &sec_len);

                fprintf(g, "[e%04zu]\n", i), line++;
                if (i % 5 == 0) {
                        fprintf(g, "type = recharge\nstart = %02zu:%02zu\nend = 23:59\ndnd = %s\n", i % 23, i % 60,
                                i % 2 ? "yes" : "no");
                        line += 4;
                } else {
                        fprintf(g, "type = selfcare\nat = %02zu:%02zu, 23:00\n", i % 23, i % 60);
                        line += 2;
                }
                msg = line;
                switch (i % 4) {
                case 0:
                        fprintf(g, "message = plain %zu\n", i), line++;
                        break;
                case 1:
                        fprintf(g, "message = \"quoted %zu ; not # a comment\"\n", i), line++;
                        break;
                case 2:
                        fprintf(g, "message = continued %zu \\\n   on the next line\n", i), line += 2;
                        break;
                default:
                        fprintf(g, "message = commented %zu ; this goes\n", i), line++;
                }
                if (i == at && fault == FAULT_DUP_KEY) {
                        *ret_first = msg, *ret_line = line;
                        fprintf(g, "message = again\n"), line++;
                }
                if (i == at && fault == FAULT_UNKNOWN_KEY) {
                        *ret_line = line;
                        fprintf(g, "mesage = typo\n"), line++;
                }
                fprintf(g, "\n"), line++;
                fclose(g);
                fputs(sec, f);
                if (o) {
                        fputs(sec, o);
                        fclose(o);
                }
                free(sec);
        }
        if (fault == FAULT_DUP_SECTION) {
                *ret_line = line;
                fprintf(f, "[e%04zu]\n", at);
        }
        fclose(f);
        if (ret_alone)
                *ret_alone = one;
        else
                free(one);
        return text;
}

/* The line of section i's header in big_config(n, FAULT_NONE, …): what comes before it. */
static unsigned big_header_line(size_t i) {
        unsigned line = 2;
        for (size_t k = 0; k < i; k++)
                line += 1 + (k % 5 == 0 ? 4 : 2) + (k % 4 == 2 ? 2 : 1) + 1;
        return line;
}

static void test_big(void) {
        static const struct {
                size_t n;
                Fault fault;
                size_t at;
        } cases[] = {
                { 200, FAULT_DUP_KEY, 0 },   { 200, FAULT_DUP_KEY, 63 },  { 200, FAULT_DUP_KEY, 64 },
                { 200, FAULT_DUP_KEY, 130 }, { 200, FAULT_DUP_KEY, 199 }, { 4096, FAULT_DUP_KEY, 4095 },
                { 200, FAULT_DUP_SECTION, 0 }, { 200, FAULT_DUP_SECTION, 64 }, { 4096, FAULT_DUP_SECTION, 4000 },
                { 200, FAULT_UNKNOWN_KEY, 64 }, { 4096, FAULT_UNKNOWN_KEY, 2050 },
        };
        static const size_t sizes[] = { 1, 63, 64, 65, 129, 200, 4096 };

        /* Clean files of every size around the piece size read each entry as it reads alone. */
        for (size_t s = 0; s < ELEMENTSOF(sizes); s++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_strv_free_ char **errors = NULL;
                size_t n = sizes[s], differ = 0, checked = 0;
                unsigned line, first;
                _cleanup_free_ char *text = big_config(n, FAULT_NONE, SIZE_MAX, &line, &first, SIZE_MAX, NULL);
                int r = load_str(text, &c, &errors);

                if (!is_int(r, 0, "%zu entries load", n)) {
                        _cleanup_free_ char *j = joined(errors);
                        diag("%s", j);
                        continue;
                }
                is_int(c->n_entries, n, "%zu entries: all there", n);
                for (size_t i = 0; i < n; i += (n > 300 ? 37 : 1)) {
                        _cleanup_(config_freep) Config *alone = NULL;
                        _cleanup_strv_free_ char **e2 = NULL;
                        _cleanup_free_ char *one = NULL, *full = NULL, *single = NULL;
                        free(big_config(n, FAULT_NONE, SIZE_MAX, &line, &first, i, &one));
                        if (load_str(one, &alone, &e2) < 0 || alone->n_entries != 1) {
                                differ++;
                                continue;
                        }
                        /* Entries are sorted by name, and the names sort as they were written. */
                        full = entry_dump(&c->entries[i]);
                        single = entry_dump(&alone->entries[0]);
                        if (!streq(full, single)) {
                                diag("entry %zu: '%s' in the big file, '%s' alone", i, full, single);
                                differ++;
                        }
                        checked++;
                }
                is_int(differ, 0, "%zu entries: %zu read as they read alone", n, checked);
        }
        {
                /* A continued value and a quoted one right at a piece boundary are whole. */
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_strv_free_ char **errors = NULL;
                unsigned line, first;
                _cleanup_free_ char *text = big_config(200, FAULT_NONE, SIZE_MAX, &line, &first, SIZE_MAX, NULL);
                if (load_str(text, &c, &errors) >= 0) {
                        is_str(c->entries[62].message, "continued 62    on the next line", "a continued value before a cut");
                        is_str(c->entries[65].message, "quoted 65 ; not # a comment", "a quoted value after a cut");
                        is_str(c->entries[127].message, "commented 127", "a comment after a value at a cut");
                        is_str(c->entries[128].message, "plain 128", "the first section of a piece");
                }
        }

        /* Errors anywhere in a big file name the right line and the right first line. */
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_free_ char *j = NULL, *want = NULL;
                unsigned line = 0, first = 0;
                _cleanup_free_ char *text = big_config(cases[k].n, cases[k].fault, cases[k].at, &line, &first, SIZE_MAX, NULL);
                int r = load_str(text, &c, &errors);

                switch (cases[k].fault) {
                case FAULT_DUP_KEY:
                        r = asprintf(&want, "t.conf:%u: [e%04zu] message: duplicate key, first set on line %u", line,
                                     cases[k].at, first);
                        break;
                case FAULT_DUP_SECTION:
                        r = asprintf(&want, "t.conf:%u: [e%04zu]: duplicate section, first on line %u", line, cases[k].at,
                                     big_header_line(cases[k].at));
                        break;
                default:
                        r = asprintf(&want, "t.conf:%u: [e%04zu] mesage: unknown key, did you mean 'message'?", line,
                                     cases[k].at);
                }
                if (r < 0)
                        abort();
                j = joined(errors);
                is_str(j, want, "%zu entries, fault %d in section %zu", cases[k].n, cases[k].fault, cases[k].at);
        }
}

/* ---- the corpus in tests/configs ---- */

static void test_corpus(void) {
        glob_t g = {};

        if (chdir(SRCDIR) < 0)
                diag("cannot chdir to %s: %m", SRCDIR);

        if (glob("tests/configs/bad/*.conf", 0, NULL, &g) != 0)
                g.gl_pathc = 0;
        ok(g.gl_pathc >= 30, "at least 30 bad configs (%zu)", g.gl_pathc);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *exp_path = NULL, *want = NULL, *got = NULL;
                const char *p = g.gl_pathv[i];
                int r;

                if (asprintf(&exp_path, "%.*s.expected", (int) (strlen(p) - 5), p) < 0)
                        abort();
                want = read_expected(exp_path);
                r = config_load_file(p, &c, &errors);
                got = joined(errors);
                ok(r == -EINVAL && want[0], "%s refused", p);
                is_str(got, want, "%s errors", p);
        }
        globfree(&g);

        if (glob("tests/configs/good/*.conf", 0, NULL, &g) != 0)
                g.gl_pathc = 0;
        ok(g.gl_pathc >= 3, "good configs (%zu)", g.gl_pathc);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                int r = config_load_file(g.gl_pathv[i], &c, &errors);
                if (!is_int(r, 0, "%s loads", g.gl_pathv[i])) {
                        _cleanup_free_ char *j = joined(errors);
                        diag("%s", j);
                }
                if (c)
                        is_str(c->path, g.gl_pathv[i], "%s: path kept", g.gl_pathv[i]);
        }
        globfree(&g);
}

/* Round trip: every field of every entry of a good config is as written there. */
static void test_round_trip(void) {
        static const char *const want[] = {
                "friend selfcare Sun 'Call a friend' at=17:00,20:30",
                "morning recharge Mon..Fri 'Coffee, alone, no screens' start=07:00 end=07:45 dnd",
                "stretch selfcare Mon..Fri 'Stand up and stretch' every=1h 30min between=09:00-18:00",
        };
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        int r;

        r = config_load_file("tests/configs/good/design.conf", &c, &errors);
        if (!is_int(r, 0, "the DESIGN.md example loads"))
                return;
        is_int(c->n_entries, ELEMENTSOF(want), "with 3 entries");
        for (size_t i = 0; i < MIN(c->n_entries, ELEMENTSOF(want)); i++) {
                _cleanup_free_ char *d = entry_dump(&c->entries[i]);
                is_str(d, want[i], "design.conf entry %zu", i);
        }
        is_int(c->heads_up, 10 * USEC_PER_MINUTE, "heads-up");
        ok(c->reconnect && c->silence_notifications, "reconnect, silence-notifications");
        is_str(c->status, "Recharging until %until% — %message%", "status");
        is_str(c->on_start, "notify-partner.sh", "on-start");
        ok(!c->on_end, "on-end empty is none");
        /* the raw fields, beside the dump */
        if (c->n_entries == 3) {
                const Entry *m = &c->entries[1], *s = &c->entries[2], *f = &c->entries[0];
                ok(m->type == ENTRY_RECHARGE && m->start == 7 * 3600 && m->has_end && m->end == 7 * 3600 + 45 * 60 &&
                   m->dnd && m->enabled && m->days == 0x1f && m->every == 0 && m->n_at == 0,
                   "morning, field by field");
                ok(s->type == ENTRY_SELFCARE && s->every == 90 * USEC_PER_MINUTE && s->between_start == 9 * 3600 &&
                   s->between_end == 18 * 3600 && !s->dnd && s->n_at == 0 && s->days == 0x1f,
                   "stretch, field by field");
                ok(f->type == ENTRY_SELFCARE && f->n_at == 2 && f->at[0] == 17 * 3600 && f->at[1] == 20 * 3600 + 1800 &&
                   f->every == 0 && f->days == 1 << WEEKDAY_SUN, "friend, field by field");
        }
}

static void test_default(void) {
        static const char *const want[] = {
                "evening recharge Mon..Fri 'An hour for yourself: read, walk, or do nothing at all' start=21:00 duration=1h dnd",
                "friend selfcare Sun 'Call a friend' at=17:00",
                "morning recharge Mon..Fri 'Coffee, alone, no screens' start=07:00 end=07:45 dnd",
                "stretch selfcare Mon..Fri 'Stand up and stretch' every=1h 30min between=09:00-18:00",
        };
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *g = NULL;
        int r;

        r = config_load_default(&c);
        if (!is_int(r, 0, "the built-in default loads"))
                return;
        ok(!c->path && c->hooks_allowed && !c->on_start && !c->on_end, "default: no path, no hooks");
        g = general_dump(c);
        is_str(g, "heads-up=10min reconnect=1 silence=1 status='Recharging%[ until %until%]%[ — %message%]' on-start=(none) on-end=(none)",
               "default [general]");
        is_int(c->n_entries, ELEMENTSOF(want), "default entries");
        for (size_t i = 0; i < MIN(c->n_entries, ELEMENTSOF(want)); i++) {
                _cleanup_free_ char *d = entry_dump(&c->entries[i]);
                is_str(d, want[i], "default entry %zu", i);
        }
        is_int(config_find_entry(c, "Morning"), 2, "config_find_entry is case-insensitive");
        is_int(config_find_entry(c, "stretch"), 3, "config_find_entry stretch");
        is_int(config_find_entry(c, "nope"), -ENOENT, "config_find_entry -ENOENT");
        is_int(config_find_entry(NULL, "x"), -ENOENT, "config_find_entry without a config");
}

/* ---- files: whole-file problems, hooks, finding ---- */

static char tmp[] = "/tmp/test-config.XXXXXX";

static char *in_tmp(const char *rel) {
        char *p;
        if (asprintf(&p, "%s/%s", tmp, rel) < 0)
                abort();
        return p;
}

static void check_file_error(const char *path, const char *want, const char *what) {
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *j = NULL, *w = NULL;
        int r = config_load_file(path, &c, &errors);

        if (asprintf(&w, "%s: %s", path, want) < 0)
                abort();
        j = joined(errors);
        ok(r == -EINVAL && !c, "%s refused", what);
        is_str(j, w, "%s error", what);
}

static void test_files(void) {
        _cleanup_free_ char *missing = in_tmp("missing.conf"), *bin = in_tmp("binary.conf"), *huge = in_tmp("huge.conf"),
                            *max = in_tmp("max.conf"), *dir = in_tmp("dir.conf"), *secret = in_tmp("secret.conf"),
                            *lines = in_tmp("long.conf");
        static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0";
        _cleanup_free_ char *big = malloc(CONFIG_FILE_MAX + 1);
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **errors = NULL;

        check_file_error(missing, "cannot open: No such file or directory", "a missing file");
        write_file(bin, elf, sizeof elf, 0644);
        check_file_error(bin, "contains NUL bytes, is it a text file?", "a binary file");
        mkdir(dir, 0755);
        check_file_error(dir, "is a directory, not a config file", "a directory");

        /* exactly 1 MiB of comments loads; one byte more is refused */
        memset(big, '#', CONFIG_FILE_MAX);
        for (size_t i = 1000; i < CONFIG_FILE_MAX; i += 1000)
                big[i] = '\n';
        big[CONFIG_FILE_MAX - 1] = '\n';
        write_file(max, big, CONFIG_FILE_MAX, 0644);
        is_int(config_load_file(max, &c, &errors), 0, "a file of exactly 1 MiB loads");
        c = config_free(c);
        big[CONFIG_FILE_MAX] = '\n';
        write_file(huge, big, CONFIG_FILE_MAX + 1, 0644);
        check_file_error(huge, "is larger than 1 MiB", "a file over 1 MiB");

        {
                static const char head[] = "[x]\ntype = selfcare\nat = 10:00\nmessage = ";
                _cleanup_free_ char *w = NULL, *j = NULL;

                memset(big, 'x', 2000);
                memcpy(big, head, strlen(head));
                write_file(lines, big, 2000, 0644);
                if (asprintf(&w, "%s:4: line is too long (%zu bytes, at most 1022)", lines, 2000 - strlen("[x]\ntype = selfcare\nat = 10:00\n")) < 0)
                        abort();
                errors = strv_free(errors);
                config_load_file(lines, &c, &errors);
                j = joined(errors);
                is_str(j, w, "a long line in a file");
        }

        /* unreadable: root reads anything, so try as nobody in a child */
        write_file(secret, "[general]\n", 10, 0000);
        if (geteuid() != 0)
                check_file_error(secret, "cannot open: Permission denied", "an unreadable file");
        else {
                int fd[2], status;
                char buf[512] = "";
                pid_t pid;

                if (pipe(fd) < 0)
                        abort();
                pid = fork();
                if (pid == 0) {
                        char **e = NULL;
                        close(fd[0]);
                        if (setgid(65534) < 0 || setuid(65534) < 0)
                                _exit(77);
                        config_load_file(secret, &c, &e);
                        if (e && e[0])
                                (void) !write(fd[1], e[0], strlen(e[0]));
                        _exit(0);
                }
                close(fd[1]);
                ssize_t n = read(fd[0], buf, sizeof buf - 1);
                buf[MAX(n, 0)] = 0;
                close(fd[0]);
                waitpid(pid, &status, 0);
                if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
                        ok(true, "an unreadable file # SKIP running as root and cannot become nobody");
                else {
                        _cleanup_free_ char *w = NULL;
                        if (asprintf(&w, "%s: cannot open: Permission denied", secret) < 0)
                                abort();
                        is_str(buf, w, "an unreadable file (as nobody)");
                }
        }
}

static void test_hooks_allowed(void) {
        _cleanup_free_ char *d = in_tmp("hooks"), *f = in_tmp("hooks/recharged.conf"), *od = in_tmp("open"),
                            *of = in_tmp("open/recharged.conf");
        const char *text = "[general]\non-start = echo hi\n";
        Config *c = NULL;

        mkdir(d, 0755);
        chmod(d, 0755);
        write_file(f, text, strlen(text), 0644);
        if (is_int(config_load_file(f, &c, NULL), 0, "hooks file loads")) {
                ok(c->hooks_allowed, "0644 in a 0755 folder: hooks allowed");
                is_str(c->on_start, "echo hi", "on-start read");
        }
        c = config_free(c);

        chmod(f, 0666);
        if (config_load_file(f, &c, NULL) == 0)
                ok(!c->hooks_allowed, "0666: hooks refused");
        c = config_free(c);

        chmod(f, 0664);
        if (config_load_file(f, &c, NULL) == 0)
                ok(!c->hooks_allowed, "0664: hooks refused");
        c = config_free(c);

        mkdir(od, 0777);
        chmod(od, 0777);
        write_file(of, text, strlen(text), 0644);
        if (config_load_file(of, &c, NULL) == 0)
                ok(!c->hooks_allowed, "0644 in a 0777 folder: hooks refused");
        c = config_free(c);

        chmod(f, 0644);
        if (geteuid() == 0 && chown(f, 65534, 65534) == 0) {
                if (config_load_file(f, &c, NULL) == 0)
                        ok(!c->hooks_allowed, "owned by another user: hooks refused");
                c = config_free(c);
        }

        if (config_load_string(text, strlen(text), "mem", &c, NULL) == 0)
                ok(c->hooks_allowed && !c->path, "from memory: hooks allowed, no path");
        c = config_free(c);
}

static void check_find(const char *override, const char *want_rel, const char *what) {
        _cleanup_free_ char *got = NULL, *want = want_rel ? in_tmp(want_rel) : NULL;
        int r = config_find(override, &got);
        is_int(r, 0, "config_find: %s: returns 0", what);
        is_str(got, want, "config_find: %s", what);
}

static void test_find(void) {
        _cleanup_free_ char *xh = in_tmp("xdg-home"), *h = in_tmp("home"), *d1 = in_tmp("d1"), *d2 = in_tmp("d2"),
                            *dirs = NULL, *f_xh = NULL, *f_h = NULL, *f_d1 = NULL, *f_d2 = NULL, *got = NULL;
        const char *names[] = { "xdg-home/recharged", "home/.config", "home/.config/recharged", "d1/recharged", "d2/recharged" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = NULL;
                p = in_tmp(i == 0 ? "xdg-home" : i <= 2 ? "home" : i == 3 ? "d1" : "d2");
                mkdir(p, 0755);
                free(p);
                p = in_tmp(names[i]);
                mkdir(p, 0755);
        }
        f_xh = in_tmp("xdg-home/recharged/recharged.conf");
        f_h = in_tmp("home/.config/recharged/recharged.conf");
        f_d1 = in_tmp("d1/recharged/recharged.conf");
        f_d2 = in_tmp("d2/recharged/recharged.conf");
        if (asprintf(&dirs, "relative/dir::%s:%s", d1, d2) < 0)
                abort();

        setenv("XDG_CONFIG_HOME", xh, 1);
        setenv("HOME", h, 1);
        setenv("XDG_CONFIG_DIRS", dirs, 1);
        check_find(NULL, NULL, "nothing anywhere");
        config_find("/no/such/file.conf", &got);
        is_str(got, "/no/such/file.conf", "config_find: an override is kept even if missing");

        write_file(f_d2, "", 0, 0644);
        check_find(NULL, "d2/recharged/recharged.conf", "the second of XDG_CONFIG_DIRS");
        write_file(f_d1, "", 0, 0644);
        check_find(NULL, "d1/recharged/recharged.conf", "the first of XDG_CONFIG_DIRS wins");
        write_file(f_h, "", 0, 0644);
        check_find(NULL, "d1/recharged/recharged.conf", "HOME is not used while XDG_CONFIG_HOME is set");
        write_file(f_xh, "", 0, 0644);
        check_find(NULL, "xdg-home/recharged/recharged.conf", "XDG_CONFIG_HOME first");
        unsetenv("XDG_CONFIG_HOME");
        check_find(NULL, "home/.config/recharged/recharged.conf", "~/.config without XDG_CONFIG_HOME");
        setenv("XDG_CONFIG_HOME", "relative", 1);
        check_find(NULL, "home/.config/recharged/recharged.conf", "a relative XDG_CONFIG_HOME is ignored");
        unlink(f_h);
        unsetenv("XDG_CONFIG_DIRS");
        {
                _cleanup_free_ char *p = NULL;
                bool etc = access("/etc/xdg/recharged/recharged.conf", F_OK) == 0;
                config_find(NULL, &p);
                is_str(p, etc ? "/etc/xdg/recharged/recharged.conf" : NULL, "XDG_CONFIG_DIRS defaults to /etc/xdg");
        }
}

/* ---- status_expand, entry types ---- */

static void test_status(void) {
        static const struct {
                const char *template, *want;
        } t[] = {
                { "Recharging until %until% — %message%", "Recharging until 18:00 — Reading" },
                { "%entry%: %since%-%until% (%left% left)", "evening: 17:00-18:00 (45min left)" },
                { "100%% me", "100% me" },
                { "%%%until%%%", "%18:00%" },
                { "%unknown% stays", "%unknown% stays" },
                { "a lone % stays", "a lone % stays" },
                { "%", "%" },
                { "%foo%until%", "%foo18:00" },
                { "50% off until %until%", "50% off until 18:00" },
                { "%unknown %until%", "%unknown 18:00" },
                { "", "" },
        };
        StatusVars v = { .until = "18:00", .since = "17:00", .left = "45min", .message = "Reading", .entry = "evening" };
        StatusVars empty = { .message = "m" };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *s = status_expand(t[i].template, &v);
                is_str(s, t[i].want, "status_expand('%s')", t[i].template);
        }
        {
                _cleanup_free_ char *s = status_expand("[%until%|%since%|%left%|%entry%|%message%]", &empty);
                is_str(s, "[||||m]", "status_expand: NULL variables are empty");
        }
        {
                _cleanup_free_ char *s = status_expand("x %until% y", NULL);
                is_str(s, "x  y", "status_expand: no variables at all");
        }

        /* The default, for every combination of an end and a message present or absent: no
         * "Recharging until  — " for an open-ended recharge without a message. */
        static const struct {
                const char *until, *message, *want;
        } d[] = {
                { "21:45", "Reading", "Recharging until 21:45 — Reading" },
                { "21:45", "", "Recharging until 21:45" },
                { "21:45", NULL, "Recharging until 21:45" },
                { "", "Reading", "Recharging — Reading" },
                { NULL, "Reading", "Recharging — Reading" },
                { "", "", "Recharging" },
                { NULL, NULL, "Recharging" },
        };
        for (size_t i = 0; i < ELEMENTSOF(d); i++) {
                _cleanup_free_ char *s = status_expand(CONFIG_STATUS_DEFAULT,
                                                       &(StatusVars) { .until = d[i].until, .message = d[i].message });
                is_str(s, d[i].want, "default status, until '%s', message '%s'", d[i].until ?: "(null)",
                       d[i].message ?: "(null)");
        }

        /* Segments: kept when every placeholder in them has a value. */
        static const struct {
                const char *template, *want;
        } g[] = {
                { "%[%until%-%left%]|", "18:00-45min|" },
                { "%[%until%-%since%]|", "|" },                  /* since is empty */
                { "%[no placeholder]", "no placeholder" },
                { "a%[ (%entry%%])]b", "a (evening])b" },          /* %] is a literal ] inside */
                { "]%[x]]", "]x]" },                               /* ] outside is itself */
                { "%[ %until% %[ %until%]", " 18:00 %[ 18:00" },   /* no nesting: the inner copied */
                { "%[ unclosed %until%", "%[ unclosed 18:00" },   /* never silently lost */
                { "%[%unknown%]", "%unknown%" },                   /* unknown is not empty */
                { "%[]", "" },
        };
        StatusVars w = { .until = "18:00", .left = "45min", .entry = "evening" };
        for (size_t i = 0; i < ELEMENTSOF(g); i++) {
                _cleanup_free_ char *s = status_expand(g[i].template, &w);
                is_str(s, g[i].want, "status_expand('%s')", g[i].template);
        }
}

static void test_entry_type(void) {
        for (EntryType t = 0; t < _ENTRY_TYPE_MAX; t++)
                is_int(entry_type_from_string(entry_type_to_string(t)), t, "entry type %d round trip", t);
        is_int(entry_type_from_string("nap"), _ENTRY_TYPE_INVALID, "unknown entry type");
        ok(!entry_type_to_string(_ENTRY_TYPE_MAX), "entry_type_to_string out of range");
}

/* [general] away-share: a percentage, with or without its sign; off (0) by default. */
static void test_away_share(void) {
        static const struct {
                const char *text;
                unsigned share;
        } table[] = {
                { "", 0 },
                { "[general]\naway-share = 80%\n", 80 },
                { "[general]\naway-share = 80\n", 80 },
                { "[general]\naway-share = 0%\n", 0 },
                { "[general]\naway-share = 100%\n", 100 },
                { "[general]\naway-share = 007\n", 7 },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_strv_free_ char **errors = NULL;
                _cleanup_(config_freep) Config *c = NULL;

                if (!is_int(load_str(table[i].text, &c, &errors), 0, "away-share[%zu] loads", i))
                        continue;
                is_int(c->away_share, table[i].share, "…away-share %u %%", table[i].share);
        }
}

int main(void) {
        config_check_iniparser = config_ini_check; /* our scan and iniparser must read every value alike */
        umask(022);
        if (!mkdtemp(tmp))
                abort();

        test_entry_type();
        test_away_share();
        test_good();
        test_bad();
        test_limits();
        test_big();
        test_status();
        test_files();
        test_hooks_allowed();
        test_find();
        test_corpus();
        test_round_trip();
        test_default();

        rm_rf(tmp);
        return tap_done();
}
