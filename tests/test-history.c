/* SPDX-License-Identifier: MIT */
/* test-history.c: the history log: kinds, line format and parser, appending, and the stats. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "tz.h"
#include "macro.h"
#include "files.h"
#include "tap.h"

#define MIN_ (USEC_PER_MINUTE)
/* Day n of the epoch (UTC) at h:m. */
#define T(day, h, m) ((usec_t) (day) * USEC_PER_DAY + (usec_t) (h) * USEC_PER_HOUR + (usec_t) (m) * MIN_)

static void test_kinds(void) {
        static const char * const names[_HISTORY_KIND_MAX] = {
                "started", "completed", "stopped", "skipped", "missed",
                "reminder-shown", "reminder-done", "reminder-missed", "away", "arrived",
        };

        for (HistoryKind k = 0; k < _HISTORY_KIND_MAX; k++) {
                is_str(history_kind_to_string(k), names[k], "kind %d to string", k);
                is_int(history_kind_from_string(names[k]), k, "'%s' from string", names[k]);
        }
        ok(!history_kind_to_string(_HISTORY_KIND_MAX) && !history_kind_to_string(-1), "no name out of range");
        is_int(history_kind_from_string("Started"), -EINVAL, "kinds are case-sensitive");
        is_int(history_kind_from_string(""), -EINVAL, "'' is no kind");
        is_int(history_kind_from_string(NULL), -EINVAL, "NULL is no kind");
}

static bool event_equal(const HistoryEvent *a, const HistoryEvent *b) {
        return a->time == b->time && a->kind == b->kind && streq(a->source, b->source) &&
               streq(a->entry, b->entry) && a->of == b->of && a->planned == b->planned && a->kept == b->kept;
}

static void test_lines(void) {
        static const struct {
                HistoryEvent ev;
                const char *line;
        } table[] = {
                { { 1700000000000000, HISTORY_STARTED, "schedule", "morning", 1700000000000000, 2700000000, 0 },
                  "1700000000000000 started schedule \"morning\" 1700000000000000 2700000000 0\n" },
                { { 1700002700000000, HISTORY_COMPLETED, "schedule", "morning", 1700000000000000, 2700000000, 2700000000 },
                  "1700002700000000 completed schedule \"morning\" 1700000000000000 2700000000 2700000000\n" },
                { { 1700001000000000, HISTORY_STOPPED, "manual", "", 0, 0, 1000000000 },
                  "1700001000000000 stopped manual \"\" 0 0 1000000000\n" },
                { { 5, HISTORY_SKIPPED, "schedule", "evening", 86400000000, 3600000000, 0 },
                  "5 skipped schedule \"evening\" 86400000000 3600000000 0\n" },
                { { 6, HISTORY_MISSED, "schedule", "a_b-c", 7, 8, 0 },
                  "6 missed schedule \"a_b-c\" 7 8 0\n" },
                { { 7, HISTORY_REMINDER_SHOWN, "", "stretch", 7, 0, 0 },
                  "7 reminder-shown - \"stretch\" 7 0 0\n" },
                { { 8, HISTORY_REMINDER_DONE, "", "stretch", 7, 0, 0 },
                  "8 reminder-done - \"stretch\" 7 0 0\n" },
                { { 9, HISTORY_ARRIVED, "", "Signal", 0, 3, 0 },
                  "9 arrived - \"Signal\" 0 3 0\n" },
                { { 10, HISTORY_ARRIVED, "", "", 0, 2, 0 },
                  "10 arrived - \"\" 0 2 0\n" },
                { { UINT64_MAX, HISTORY_REMINDER_MISSED, "", "q\"\\\n\t\x01", UINT64_MAX, UINT64_MAX, UINT64_MAX },
                  "18446744073709551615 reminder-missed - \"q\\\"\\\\\\n\\t\\x01\" 18446744073709551615 "
                  "18446744073709551615 18446744073709551615\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_free_ char *line = NULL;
                HistoryEvent back = {}, back2 = {};
                const char *kind = history_kind_to_string(table[i].ev.kind);

                is_int(history_format_line(&table[i].ev, &line), 0, "format %s", kind);
                is_str(line, table[i].line, "…the expected line");
                is_int(history_parse_line(table[i].line, &back), 0, "parse it back");
                ok(event_equal(&table[i].ev, &back), "…the same event");
                /* Without its newline too, as a caller that split lines passes it. */
                line[strlen(line) - 1] = '\0';
                is_int(history_parse_line(line, &back2), 0, "…and without the newline");
                ok(event_equal(&table[i].ev, &back2), "…the same event");
        }

        /* The longest entry name: 63 bytes, all escaped. */
        {
                HistoryEvent ev = { .time = 1, .kind = HISTORY_STARTED }, back = {};
                _cleanup_free_ char *line = NULL;

                memset(ev.entry, '\x01', sizeof(ev.entry) - 1);
                is_int(history_format_line(&ev, &line), 0, "a 63-byte name of control bytes");
                ok(line && strlen(line) <= HISTORY_LINE_MAX, "…fits in HISTORY_LINE_MAX");
                is_int(history_parse_line(line, &back), 0, "…parses");
                ok(event_equal(&ev, &back), "…the same event");
        }
}

static void test_bad_lines(void) {
        static const char * const bad[] = {
                "",
                "\n",
                "garbage\n",
                "1 started schedule \"m\" 1 2\n",              /* a field short */
                "1 started schedule \"m\" 1 2 3 4\n",          /* one too many */
                "1 begun schedule \"m\" 1 2 3\n",              /* unknown kind */
                "1 Started schedule \"m\" 1 2 3\n",
                "x started schedule \"m\" 1 2 3\n",
                "-1 started schedule \"m\" 1 2 3\n",
                "18446744073709551616 started schedule \"m\" 1 2 3\n",
                "1 started Schedule \"m\" 1 2 3\n",            /* source: [a-z0-9_] */
                "1 started verylongsourcename \"m\" 1 2 3\n",  /* 17 bytes */
                "1 started schedule m 1 2 3\n",                /* not quoted */
                "1 started schedule \"m 1 2 3\n",              /* unterminated */
                "1 started schedule \"m\\q\" 1 2 3\n",
                "1 started schedule \"m\x01\" 1 2 3\n",
                "1 started schedule \"0123456789012345678901234567890123456789012345678901234567890123\" 1 2 3\n",
                "1 started schedule \"m\" 1 2 3\n2 started schedule \"m\" 1 2 3\n", /* two lines */
                "1 started schedule \"m\" 1 2 x\n",
                "1 started schedule \"m\"1 2 3\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                HistoryEvent ev = { .time = 42 };
                is_int(history_parse_line(bad[i], &ev), -EBADMSG, "bad line %zu refused", i);
                is_int(ev.time, 42, "…the event is untouched");
        }

        /* What the parser would refuse, the formatter does not write. */
        {
                HistoryEvent kind = { .kind = _HISTORY_KIND_MAX }, source = { .source = "Sched" },
                             unterminated = { .kind = HISTORY_STARTED };
                _cleanup_free_ char *line = NULL;

                memset(unterminated.entry, 'a', sizeof(unterminated.entry));
                is_int(history_format_line(&kind, &line), -EINVAL, "format refuses an unknown kind");
                is_int(history_format_line(&source, &line), -EINVAL, "format refuses a bad source");
                is_int(history_format_line(&unterminated, &line), -EINVAL, "format refuses an unterminated entry");
                ok(!line, "…and returns nothing");
        }
}

static void test_append(const char *tmp) {
        _cleanup_free_ char *dir = path_join(tmp, "state/recharged"), *path = path_join(dir, "history");
        _cleanup_free_ char *text = NULL;
        HistoryEvent a = { T(1, 7, 0), HISTORY_STARTED, "schedule", "morning", T(1, 7, 0), 45 * MIN_, 0 };
        HistoryEvent b = { T(1, 7, 45), HISTORY_COMPLETED, "schedule", "morning", T(1, 7, 0), 45 * MIN_, 45 * MIN_ };
        HistoryEvent bad = { .kind = -1 };
        struct stat st;
        Stats s;

        is_int(history_append(path, &a), 0, "append creates the folder and the file");
        is_int(stat(path, &st) >= 0 ? (int) (st.st_mode & 07777) : -1, 0600, "…the file is 0600");
        is_int(stat(dir, &st) >= 0 ? (int) (st.st_mode & 07777) : -1, 0700, "…the folder is 0700");
        is_int(history_append(path, &b), 0, "append a second line");
        text = read_all(path);
        is_str(text, "111600000000 started schedule \"morning\" 111600000000 2700000000 0\n"
                     "114300000000 completed schedule \"morning\" 111600000000 2700000000 2700000000\n",
               "…one line each, in order");
        is_int(history_append(path, &bad), -EINVAL, "a bad event is refused");

        /* A last line cut by a crash: the next append starts on a fresh line, so only the cut
         * line is lost. */
        {
                FILE *f = fopen(path, "ae");
                fputs("114400000000 completed sched", f);
                fclose(f);
        }
        is_int(history_append(path, &b), 0, "append after a cut last line");
        text = (free(text), read_all(path));
        ok(text && strstr(text, "completed sched\n114300000000 completed schedule"), "…starts on a new line");
        is_int(history_stats(path, 0, T(2, 0, 0), NULL, NULL, &s), 0, "stats of it");
        is_int(s.completed, 2, "…both completions counted, the cut line not");
        is_int(s.kept, 90 * MIN_, "…kept");
}

/* A user-supplied day function, here UTC: t / 86400e6. */
static int64_t utc_day(usec_t t, void *userdata) {
        (*(unsigned *) userdata)++;
        return (int64_t) (t / USEC_PER_DAY);
}

#define EV(t, kind, source, entry, of, planned, kept)                                               \
        fprintf(f, "%" PRIu64 " %s %s \"%s\" %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", (usec_t) (t), kind, \
                source, entry, (usec_t) (of), (usec_t) (planned), (usec_t) (kept))

static void write_history(const char *path) {
        FILE *f = fopen(path, "we");

        /* Day 99: before the window; it would break a streak reaching back so far. */
        EV(T(99, 7, 0), "started", "schedule", "morning", T(99, 7, 0), 45 * MIN_, 0);
        EV(T(99, 7, 10), "stopped", "schedule", "morning", T(99, 7, 0), 45 * MIN_, 10 * MIN_);
        /* Day 100: kept. */
        EV(T(100, 7, 0), "started", "schedule", "morning", T(100, 7, 0), 45 * MIN_, 0);
        EV(T(100, 7, 45), "completed", "schedule", "morning", T(100, 7, 0), 45 * MIN_, 45 * MIN_);
        /* Day 101: stopped early: this ends the streak. */
        EV(T(101, 7, 0), "started", "schedule", "morning", T(101, 7, 0), 45 * MIN_, 0);
        EV(T(101, 7, 20), "stopped", "schedule", "morning", T(101, 7, 0), 45 * MIN_, 20 * MIN_);
        fputs("garbage\n", f);
        fputs("\n", f);
        /* Day 102: kept. */
        EV(T(102, 7, 0), "started", "schedule", "morning", T(102, 7, 0), 45 * MIN_, 0);
        EV(T(102, 7, 45), "completed", "schedule", "morning", T(102, 7, 0), 45 * MIN_, 45 * MIN_);
        fputs("1 exploded schedule \"morning\" 1 2 3\n", f);
        /* Day 103: no block, a reminder: neither breaks nor extends. */
        EV(T(103, 9, 0), "reminder-shown", "-", "stretch", T(103, 9, 0), 0, 0);
        EV(T(103, 9, 5), "reminder-done", "-", "stretch", T(103, 9, 0), 0, 0);
        /* Day 104: two blocks kept, and a manual recharge (counted apart: Manual, ManualKept). */
        EV(T(104, 7, 0), "started", "schedule", "morning", T(104, 7, 0), 45 * MIN_, 0);
        EV(T(104, 7, 45), "completed", "schedule", "morning", T(104, 7, 0), 45 * MIN_, 45 * MIN_);
        /* Away from the screen 38 of its 45 min (planned: its kept time; kept: the away time). */
        EV(T(104, 7, 45), "away", "schedule", "morning", T(104, 7, 0), 45 * MIN_, 38 * MIN_);
        EV(T(104, 12, 0), "started", "schedule", "lunch", T(104, 12, 0), 60 * MIN_, 0);
        EV(T(104, 13, 0), "completed", "schedule", "lunch", T(104, 12, 0), 60 * MIN_, 60 * MIN_);
        EV(T(104, 15, 0), "started", "manual", "", 0, 30 * MIN_, 0);
        EV(T(104, 15, 30), "completed", "manual", "", 0, 30 * MIN_, 30 * MIN_);
        EV(T(104, 15, 30), "away", "manual", "", 0, 30 * MIN_, 30 * MIN_); /* manual: not a block's */
        /* An overlong line and one with a NUL byte: skipped. */
        fputs("1 completed schedule \"", f);
        for (int i = 0; i < 3000; i++)
                fputc('x', f);
        fputs("\" 1 1 1\n", f);
        fwrite("1 completed schedule \"a\0\" 1 1 1\n", 1, 32, f);
        /* Day 105: no block; but day 107's block is skipped ahead of time: it counts on day 107. */
        EV(T(105, 20, 0), "skipped", "schedule", "morning", T(107, 7, 0), 45 * MIN_, 0);
        /* Day 106, today: one kept, one still in progress (recorded: only its start). */
        EV(T(106, 7, 0), "started", "schedule", "morning", T(106, 7, 0), 45 * MIN_, 0);
        EV(T(106, 7, 45), "completed", "schedule", "morning", T(106, 7, 0), 45 * MIN_, 45 * MIN_);
        EV(T(106, 7, 45), "away", "schedule", "morning", T(106, 7, 0), 45 * MIN_, 10 * MIN_);
        EV(T(106, 12, 0), "started", "schedule", "lunch", T(106, 12, 0), 60 * MIN_, 0);
        EV(T(106, 13, 0), "reminder-missed", "-", "stretch", T(106, 13, 0), 0, 0);
        /* Day 107: after the window. */
        EV(T(107, 7, 0), "started", "schedule", "evening", T(107, 7, 0), 99 * MIN_, 0);
        /* A last line cut by a crash. */
        fprintf(f, "%" PRIu64 " completed manual \"\" 0 0 99999999", (usec_t) T(106, 14, 0));
        fclose(f);
}

static void test_stats(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "history"), *missing = path_join(tmp, "none");
        static const struct {
                const char *what;
                usec_t since, until;
                Stats want;
        } table[] = {
                /* The skip of day 107's block, made on day 105, counts on day 107: not yet. */
                { "days 100-106", T(100, 0, 0), T(107, 0, 0),
                  { .planned = 345 * MIN_, .kept = 260 * MIN_, .completed = 5, .stopped = 1, .manual = 1,
                    .manual_kept = 30 * MIN_, .reminders_shown = 1, .reminders_done = 1, .reminders_missed = 1,
                    .away = 48 * MIN_, .away_of = 90 * MIN_, .streak = 3 } },
                { "days 104-106: the streak does not depend on since", T(104, 0, 0), T(107, 0, 0),
                  { .planned = 210 * MIN_, .kept = 150 * MIN_, .completed = 3, .manual = 1, .manual_kept = 30 * MIN_,
                    .reminders_missed = 1, .away = 48 * MIN_, .away_of = 90 * MIN_, .streak = 3 } },
                { "until the end of day 102", T(100, 0, 0), T(103, 0, 0),
                  { .planned = 135 * MIN_, .kept = 110 * MIN_, .completed = 2, .stopped = 1, .streak = 1 } },
                { "until day 101, 07:30: the stopped day is today", T(100, 0, 0), T(101, 7, 30),
                  { .planned = 90 * MIN_, .kept = 65 * MIN_, .completed = 1, .stopped = 1, .streak = 0 } },
                { "until day 101, 07:10: today still in progress", T(100, 0, 0), T(101, 7, 10),
                  { .planned = 90 * MIN_, .kept = 45 * MIN_, .completed = 1, .streak = 2 } },
                { "until the end of day 103: a day without blocks is stepped over", T(103, 0, 0), T(104, 0, 0),
                  { .reminders_shown = 1, .reminders_done = 1, .streak = 1 } },
                { "an empty window", T(104, 0, 0), T(104, 0, 0), { .streak = 1 } },
                { "the whole file", 0, UINT64_MAX,
                  { .planned = 534 * MIN_, .kept = 270 * MIN_, .completed = 5, .stopped = 2, .skipped = 1, .manual = 1,
                    .manual_kept = 30 * MIN_, .reminders_shown = 1, .reminders_done = 1, .reminders_missed = 1,
                    .away = 48 * MIN_, .away_of = 90 * MIN_, .streak = 0 } }, /* today is far ahead */
        };

        write_history(path);
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const Stats *w = &table[i].want;
                unsigned calls = 0;
                Stats s;

                diag("%s", table[i].what);
                is_int(history_stats(path, table[i].since, table[i].until, utc_day, &calls, &s), 0, "stats: %s",
                       table[i].what);
                ok(s.since == table[i].since && s.until == table[i].until, "…since and until");
                is_int(s.planned / MIN_, w->planned / MIN_, "…planned minutes");
                is_int(s.kept / MIN_, w->kept / MIN_, "…kept minutes");
                is_int(s.completed, w->completed, "…completed");
                is_int(s.stopped, w->stopped, "…stopped");
                is_int(s.skipped, w->skipped, "…skipped");
                is_int(s.missed, w->missed, "…missed");
                is_int(s.reminders_shown, w->reminders_shown, "…reminders shown");
                is_int(s.reminders_done, w->reminders_done, "…reminders done");
                is_int(s.reminders_missed, w->reminders_missed, "…reminders missed");
                is_int(s.manual, w->manual, "…manual recharges, apart from blocks");
                is_int(s.manual_kept / MIN_, w->manual_kept / MIN_, "…their minutes");
                is_int(s.streak, w->streak, "…streak");
                is_int(s.away / MIN_, w->away / MIN_, "…away minutes");
                is_int(s.away_of / MIN_, w->away_of / MIN_, "…of block minutes");
                ok(calls > 0, "…local_day_of was asked");
        }

        {
                Stats s, t;
                is_int(history_stats(path, T(100, 0, 0), T(107, 0, 0), NULL, NULL, &s), 0, "local_day_of NULL: UTC days");
                is_int(history_stats(path, T(100, 0, 0), T(107, 0, 0), utc_day, &(unsigned) { 0 }, &t), 0, "…and with it");
                ok(memcmp(&s, &t, sizeof(s)) == 0, "…the same stats");
        }

        {
                Stats s = { .completed = 7 };
                is_int(history_stats(missing, 0, T(1, 0, 0), NULL, NULL, &s), 0, "a missing file is empty");
                ok(s.completed == 0 && s.planned == 0 && s.streak == 0, "…all zero");
                is_int(history_stats(path, 2, 1, NULL, NULL, &s), -EINVAL, "until before since: -EINVAL");
                is_int(history_stats(path, 0, 0, NULL, NULL, &s), -EINVAL, "until 0: -EINVAL");
                is_int(history_stats(tmp, 0, 1, NULL, NULL, &s), -EISDIR, "a folder: -EISDIR");
        }
}

static void test_streak_edges(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "streak");
        static const struct {
                const char *what;
                int days_back;           /* the one completed block, this many days before today */
                const char *also;        /* another kind today, or NULL */
                uint32_t want;
        } table[] = {
                { "a block kept today", 0, NULL, 1 },
                { "a block kept 300 days ago, nothing since", 300, NULL, 1 },
                { "a block kept 365 days ago: the last day looked at", 365, NULL, 1 },
                { "a block kept 366 days ago: too far back", 366, NULL, 0 },
                { "kept yesterday, missed today", 1, "missed", 0 },
                { "kept yesterday, skipped today", 1, "skipped", 0 },
                { "kept yesterday, stopped today", 1, "stopped", 0 },
                { "kept yesterday, completed today", 1, "completed", 2 },
                { "kept yesterday, started today", 1, "started", 2 },
        };
        const int64_t today = 20000;

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                FILE *f = fopen(path, "we");
                usec_t of = T(today - table[i].days_back, 7, 0);
                Stats s;

                EV(of + 45 * MIN_, "completed", "schedule", "morning", of, 45 * MIN_, 45 * MIN_);
                if (table[i].also)
                        EV(T(today, 9, 0), table[i].also, "schedule", "lunch", T(today, 8, 0), 45 * MIN_, 0);
                fclose(f);
                is_int(history_stats(path, 0, T(today + 1, 0, 0), NULL, NULL, &s), 0, "%s", table[i].what);
                is_int(s.streak, table[i].want, "…streak");
        }
}

/* The streak and the strength from days, written oldest first: K kept, x broken, . nothing planned. */
static void test_streak_table(void) {
        static const struct {
                const char *days;
                unsigned allowance;
                uint32_t streak, strength;
                const char *what;
        } table[] = {
                { "KKKKK", 0, 5, 234, "five kept days" },
                { "KKKKKKKKKKKKK", 0, 13, 500, "13 kept days from nothing: half strength (the half-life)" },
                { "KKKKKKKKKKKKKxxxxxxxxxxxxx", 0, 0, 250, "…then 13 broken: half of that again" },
                { "KKKKKKKKKKKKKxxxxxxxxxxxxx", 30, 13, 500, "…all excused: streak and strength frozen" },
                { "KKxKK", 0, 2, 187, "a broken day ends the streak and lowers the strength" },
                { "KKxKK", 1, 4, 192, "within the allowance: frozen, not broken; the strength goes on" },
                { "KxKxK", 1, 1, 143, "one excused per 30 days: the second broken day ends it" },
                { "KxKxKxK", 2, 1, 185, "two per 30 days: the third ends it" },
                { ".K..K.", 0, 2, 101, "days with nothing planned neither count nor break it" },
                { "x", 0, 0, 0, "only a broken day" },
                { "x", 1, 0, 0, "only an excused day: nothing kept yet" },
                { "xKKKKKKKKKKKKKKKKKKKKKKKKKKKKKxK", 1, 30, 798, "broken days 30 days apart: each excused" },
                { "xKKKKKKKKKKKKKKKKKKKKKKKKKKKKxK", 1, 1, 749, "29 days apart: the second is not" },
                { "", 0, 0, 0, "no days" },
        };
        uint8_t days[HISTORY_STREAK_DAYS + 40];

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                size_t n = strlen(table[i].days);
                uint32_t streak = 99, strength = 99;

                for (size_t k = 0; k < n; k++) {
                        char c = table[i].days[n - 1 - k];
                        days[k] = c == 'K' ? HISTORY_DAY_PLANNED : c == 'x' ? HISTORY_DAY_PLANNED | HISTORY_DAY_BROKEN : 0;
                }
                history_streak(days, n, table[i].allowance, &streak, &strength);
                is_int(streak, table[i].streak, "streak: %s (%s, allowance %u)", table[i].what, table[i].days,
                       table[i].allowance);
                is_int(strength, table[i].strength, "…strength %u per mille", table[i].strength);
        }
        /* Longer than the walk: it stops at HISTORY_STREAK_DAYS, and the strength tends to 100 %. */
        memset(days, HISTORY_DAY_PLANNED, sizeof days);
        {
                uint32_t streak, strength;
                history_streak(days, sizeof days, 0, &streak, &strength);
                is_int(streak, HISTORY_STREAK_DAYS, "a year of kept days: the walk stops at %d days", HISTORY_STREAK_DAYS);
                is_int(strength, 1000, "…strength 100 %%");
        }
}

/* What arrived during dnd recharges: the counts of the lines whose time is in the window, by
 * the time they were written (an end, not a block's planned start); other kinds untouched. */
static void test_arrived(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "history-arrived");
        static const struct {
                usec_t since, until;
                uint32_t arrived;
                const char *what;
        } table[] = {
                { 0, T(3, 0, 0), 3 + 2 + 4 + 1, "every line" },
                { T(2, 0, 0), T(3, 0, 0), 4 + 1, "the second day's only (the end's time counts)" },
                { 0, T(1, 10, 0), 0, "before any end: none" },
                { 0, T(1, 11, 0), 0, "until is exclusive" },
                { 0, T(1, 11, 0) + 1, 3 + 2, "…one µs later: the first end's" },
        };
        FILE *f = fopen(path, "we");

        if (!f)
                abort();
        EV(T(1, 10, 0), "started", "schedule", "a", T(1, 10, 0), 60 * MIN_, 0);
        EV(T(1, 11, 0), "completed", "schedule", "a", T(1, 10, 0), 60 * MIN_, 60 * MIN_);
        EV(T(1, 11, 0), "arrived", "-", "Signal", 0, 3, 0);
        EV(T(1, 11, 0), "arrived", "-", "Mail", 0, 2, 0);
        EV(T(2, 10, 0), "started", "manual", "", 0, 0, 0);
        EV(T(2, 10, 30), "stopped", "manual", "", 0, 0, 30 * MIN_);
        EV(T(2, 10, 30), "arrived", "-", "Signal", 0, 4, 0);
        EV(T(2, 10, 30), "arrived", "-", "", 0, 1, 0);
        fclose(f);
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                Stats s;

                is_int(history_stats(path, table[i].since, table[i].until, NULL, NULL, &s), 0, "arrived: %s",
                       table[i].what);
                is_int(s.arrived, table[i].arrived, "…%u notifications", table[i].arrived);
        }
        {
                Stats s;
                is_int(history_stats(path, 0, T(3, 0, 0), NULL, NULL, &s), 0, "the whole file");
                ok(s.completed == 1 && s.manual == 1 && s.kept == 60 * MIN_ && s.manual_kept == 30 * MIN_ && s.streak == 1,
                   "…the arrived lines change no other figure");
        }
        /* A count beyond 32 bits saturates instead of wrapping. */
        f = fopen(path, "we");
        if (!f)
                abort();
        EV(T(1, 11, 0), "arrived", "-", "Flood", 0, UINT64_MAX, 0);
        EV(T(1, 11, 0), "arrived", "-", "Mail", 0, 2, 0);
        fclose(f);
        {
                Stats s;
                is_int(history_stats(path, 0, T(3, 0, 0), NULL, NULL, &s), 0, "a huge count");
                is_int(s.arrived, UINT32_MAX, "…saturates at UINT32_MAX");
        }
}

/* Whether a block keeps its day: completion, or away from the screen for a share of it. */
static void test_block_kept(void) {
        static const struct {
                HistoryKind outcome;
                usec_t planned, away;
                unsigned share;
                bool kept;
                const char *what;
        } table[] = {
                { HISTORY_COMPLETED, 45 * MIN_, 0, 0, true, "completed: kept, share 0" },
                { HISTORY_COMPLETED, 45 * MIN_, 0, 80, true, "completed: kept, whatever the away time" },
                { HISTORY_STOPPED, 45 * MIN_, 40 * MIN_, 80, true, "stopped, 40 of 45 min away, share 80 %: kept" },
                { HISTORY_STOPPED, 45 * MIN_, 30 * MIN_, 80, false, "stopped, 30 of 45 min away, share 80 %: not" },
                { HISTORY_STOPPED, 45 * MIN_, 45 * MIN_, 0, false, "share 0: a stop never keeps, even all away" },
                { HISTORY_STOPPED, 45 * MIN_, 36 * MIN_, 80, true, "exactly 80 %: kept (at least)" },
                { HISTORY_STOPPED, 45 * MIN_, 36 * MIN_ - 1, 80, false, "a µs under 80 %: not" },
                { HISTORY_STOPPED, 45 * MIN_, 45 * MIN_, 100, true, "share 100 %: all of it away" },
                { HISTORY_STOPPED, 45 * MIN_, 45 * MIN_ - 1, 100, false, "…a µs less: not" },
                { HISTORY_STOPPED, 0, 10 * MIN_, 80, false, "no planned length: not" },
                { HISTORY_STOPPED, USEC_INFINITY, USEC_INFINITY, 80, true, "huge lengths do not overflow" },
                { HISTORY_SKIPPED, 45 * MIN_, 45 * MIN_, 80, false, "skipped: never" },
                { HISTORY_MISSED, 45 * MIN_, 45 * MIN_, 80, false, "missed: never" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                is_int(history_block_kept(table[i].outcome, table[i].planned, table[i].away, table[i].share),
                       table[i].kept, "block kept: %s", table[i].what);
}

/* The away share through the history file: the stopped line and its away line, as the daemon
 * writes them, on day 101 after a kept day 100. */
static void test_away_share(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "history-away");
        static const struct {
                unsigned share;
                int away_min;             /* -1: no away line (logind could not tell) */
                bool other_between;       /* another line between the stop and its away line */
                uint32_t streak;
                const char *what;
        } table[] = {
                { 80, 40, false, 2, "40 of 45 min away, share 80 %: the day is kept" },
                { 80, 30, false, 0, "30 of 45 min away: broken" },
                { 0, 45, false, 0, "share 0: a stop breaks the day, even all away" },
                { 80, -1, false, 0, "no away line: broken" },
                { 80, 40, true, 0, "an away line that is not the next line belongs to no stop" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                HistoryRules rules = { .away_share = table[i].share };
                usec_t of = T(101, 7, 0);
                FILE *f = fopen(path, "we");
                Stats s;

                if (!f)
                        abort();
                EV(T(100, 7, 45), "completed", "schedule", "morning", T(100, 7, 0), 45 * MIN_, 45 * MIN_);
                EV(of, "started", "schedule", "morning", of, 45 * MIN_, 0);
                EV(of + 44 * MIN_, "stopped", "schedule", "morning", of, 45 * MIN_, 44 * MIN_);
                if (table[i].other_between)
                        EV(of + 44 * MIN_, "reminder-shown", "-", "stretch", of + 44 * MIN_, 0, 0);
                if (table[i].away_min >= 0)
                        EV(of + 44 * MIN_, "away", "schedule", "morning", of, 44 * MIN_,
                           (usec_t) table[i].away_min * MIN_);
                fclose(f);
                is_int(history_stats_with(path, 0, T(102, 0, 0), &rules, NULL, NULL, &s), 0, "away share: %s",
                       table[i].what);
                is_int(s.streak, table[i].streak, "…streak %u", table[i].streak);
                ok(s.stopped == 1 && s.completed == 1, "…still counted as stopped, not completed");
        }
        /* A stopped block of another day in between does not take the first one's away line. */
        {
                HistoryRules rules = { .away_share = 80 };
                FILE *f = fopen(path, "we");
                Stats s;

                if (!f)
                        abort();
                EV(T(100, 7, 44), "stopped", "schedule", "morning", T(100, 7, 0), 45 * MIN_, 44 * MIN_);
                EV(T(100, 7, 44), "away", "schedule", "evening", T(100, 7, 0), 44 * MIN_, 44 * MIN_);
                EV(T(101, 7, 44), "stopped", "schedule", "morning", T(101, 7, 0), 45 * MIN_, 44 * MIN_);
                EV(T(101, 7, 44), "away", "schedule", "morning", T(101, 7, 0), 44 * MIN_, 44 * MIN_);
                fclose(f);
                is_int(history_stats_with(path, 0, T(102, 0, 0), &rules, NULL, NULL, &s), 0,
                       "away share: the away line of another entry");
                is_int(s.streak, 1, "…keeps nothing: day 100 broken, day 101 kept");
                is_int(history_stats_with(path, 0, T(102, 0, 0), NULL, NULL, NULL, &s), 0, "…no rules");
                is_int(s.streak, 0, "…streak 0");
        }
}

static const Tz *berlin;
static int64_t berlin_day(usec_t t, void *userdata) {
        return local_day(tz_to_local(berlin, (int64_t) (t / USEC_PER_SEC)));
}
/* Berlin wall-clock time of 2026-MM-DD as µs. */
static usec_t B(unsigned mo, unsigned d, int h, int mi) {
        return (usec_t) tz_from_local(berlin, days_from_civil(2026, mo, d) * 86400 + h * 3600 + mi * 60) * USEC_PER_SEC;
}

/* Blocks just after midnight and just before it, on the days the clocks change: each belongs to
 * its local day, which a UTC day would get wrong on both sides. */
static void test_streak_dst(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "history-dst");
        static const struct {
                unsigned mo, until_day;
                unsigned allowance;
                uint32_t streak, strength;
                const char *what;
        } table[] = {
                { 3, 30, 0, 1, 99, "spring (29 March, 23 h): the broken late block is the 29th's, not the 30th's" },
                { 3, 30, 1, 2, 101, "…excused: 28th and 30th kept, the 29th frozen" },
                { 10, 26, 0, 1, 99, "autumn (25 October, 25 h): the same" },
                { 10, 26, 1, 2, 101, "…excused" },
        };
        Tz *tz = NULL;

        if (!ok(tz_load("Europe/Berlin", &tz) >= 0, "load Europe/Berlin"))
                return;
        berlin = tz;
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                unsigned mo = table[i].mo, d = table[i].until_day;
                FILE *f = fopen(path, "we");
                Stats s;

                if (!f)
                        abort();
                /* Day d−2: kept at 00:30. Day d−1 (the change): kept at 00:30, skipped at 23:30.
                 * Day d: kept at 00:30. */
                EV(B(mo, d - 2, 0, 45), "completed", "schedule", "night", B(mo, d - 2, 0, 30), 15 * MIN_, 15 * MIN_);
                EV(B(mo, d - 1, 0, 45), "completed", "schedule", "night", B(mo, d - 1, 0, 30), 15 * MIN_, 15 * MIN_);
                EV(B(mo, d - 1, 20, 0), "skipped", "schedule", "late", B(mo, d - 1, 23, 30), 15 * MIN_, 0);
                EV(B(mo, d, 0, 45), "completed", "schedule", "night", B(mo, d, 0, 30), 15 * MIN_, 15 * MIN_);
                fclose(f);
                is_int(history_stats_allowing(path, 0, B(mo, d, 12, 0), table[i].allowance, berlin_day, NULL, &s), 0,
                       "stats: %s", table[i].what);
                is_int(s.streak, table[i].streak, "…streak %u", table[i].streak);
                is_int(s.strength, table[i].strength, "…strength %u per mille", table[i].strength);
        }
        tz_free(tz);
}


/* ---- the per-day summary against the whole read: the same figures, always ---- */

static uint64_t rng_state;
static uint64_t rnd(void) {
        /* xorshift64*: a fixed seed, the same histories on every run */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 2685821657736338717ULL;
}
static uint64_t rnd_below(uint64_t n) {
        return n ? rnd() % n : 0;
}

static bool stats_sums_equal(const Stats *a, const Stats *b) {
        return a->planned == b->planned && a->kept == b->kept && a->completed == b->completed &&
               a->stopped == b->stopped && a->skipped == b->skipped && a->missed == b->missed &&
               a->manual == b->manual && a->manual_kept == b->manual_kept &&
               a->reminders_shown == b->reminders_shown && a->reminders_done == b->reminders_done &&
               a->reminders_missed == b->reminders_missed && a->away == b->away && a->away_of == b->away_of &&
               a->arrived == b->arrived;
}
static bool stats_equal(const Stats *a, const Stats *b) {
        return stats_sums_equal(a, b) && a->since == b->since && a->until == b->until && a->streak == b->streak &&
               a->strength == b->strength;
}
static void stats_diag(const char *what, const Stats *s) {
        diag("%s: planned %" PRIu64 " kept %" PRIu64 " c/s/sk/m %u/%u/%u/%u manual %u/%" PRIu64
             " rem %u/%u/%u away %" PRIu64 "/%" PRIu64 " arrived %u streak %u strength %u", what, s->planned, s->kept,
             s->completed, s->stopped, s->skipped, s->missed, s->manual, s->manual_kept, s->reminders_shown,
             s->reminders_done, s->reminders_missed, s->away, s->away_of, s->arrived, s->streak, s->strength);
}

static usec_t berlin_day_start(int64_t day) {
        return (usec_t) tz_from_local(berlin, day * 86400) * USEC_PER_SEC;
}

/* What `rechargectl stats` charted before: each day the difference of two cumulative answers;
 * 0 when they cannot be compared (saturated sums), 1 with *ret set. */
static int days_reference(const char *path, usec_t since, usec_t until, const HistoryRules *rules, int64_t day,
                          Stats *ret) {
        usec_t b = MAX(berlin_day_start(day), since), e = berlin_day_start(day + 1);
        Stats cum, next = {};
        int r;

        if (b >= until) {
                *ret = (Stats) {};
                return 1;
        }
        r = history_stats_with(path, b, until, rules, berlin_day, NULL, &cum);
        if (r >= 0 && e < until)
                r = history_stats_with(path, e, until, rules, berlin_day, NULL, &next);
        if (r < 0)
                return r;
        /* A saturated sum says "at least this much": a difference of two says nothing. */
        if (cum.planned == USEC_INFINITY || cum.kept == USEC_INFINITY || cum.manual_kept == USEC_INFINITY ||
            cum.away == USEC_INFINITY || cum.away_of == USEC_INFINITY)
                return 0;
        *ret = (Stats) {
                .planned = cum.planned - next.planned, .kept = cum.kept - next.kept,
                .manual_kept = cum.manual_kept - next.manual_kept, .away = cum.away - next.away,
                .away_of = cum.away_of - next.away_of, .completed = cum.completed - next.completed,
                .stopped = cum.stopped - next.stopped, .skipped = cum.skipped - next.skipped,
                .missed = cum.missed - next.missed, .manual = cum.manual - next.manual,
                .reminders_shown = cum.reminders_shown - next.reminders_shown,
                .reminders_done = cum.reminders_done - next.reminders_done,
                .reminders_missed = cum.reminders_missed - next.reminders_missed, .arrived = cum.arrived - next.arrived,
        };
        return 1;
}

static unsigned days_compared;

/* Compares the summary with the whole read for one window; true when all agree. */
static bool compare_window(HistorySummary *sum, const char *path, usec_t since, usec_t until,
                           const HistoryRules *rules, bool check_days) {
        _cleanup_free_ HistoryDay *days = NULL;
        Stats a, b;
        size_t n = 0;

        int ra = history_stats_with(path, since, until, rules, berlin_day, NULL, &a);
        int rb = history_summary_stats(sum, path, since, until, rules, &b);
        if (ra < 0 || rb < 0) {
                diag("window %" PRIu64 "–%" PRIu64 ": whole read %d, summary %d", since, until, ra, rb);
                return false;
        }
        if (!stats_equal(&a, &b)) {
                diag("window %" PRIu64 "–%" PRIu64 ", allowance %u, away share %u", since, until,
                     rules ? rules->allowance : 0, rules ? rules->away_share : 0);
                stats_diag("whole read", &a);
                stats_diag("summary   ", &b);
                return false;
        }
        if (!check_days)
                return true;
        /* Sums only: arrived may saturate differently in a difference, so keep its counts small. */
        if (history_summary_days(sum, path, since, until, rules, 31, &days, &n) < 0) {
                diag("history_summary_days failed");
                return false;
        }
        for (size_t i = 0; i < n; i++) {
                Stats ref;
                int r = days_reference(path, since, until, rules, days[i].day, &ref);

                if (r < 0)
                        return false;
                days_compared += r;
                if (r > 0 && !stats_sums_equal(&ref, &days[i].stats)) {
                        diag("day %" PRId64 " of window %" PRIu64 "–%" PRIu64, days[i].day, since, until);
                        stats_diag("difference of two reads", &ref);
                        stats_diag("summary's day          ", &days[i].stats);
                        return false;
                }
        }
        return true;
}

static int summary_read_all(HistorySummary *sum, const char *path, uint64_t piece) {
        int r;

        /* Piece by piece, as the daemon reads it at start-up. */
        while ((r = history_summary_refresh(sum, path, piece)) == 0)
                ;
        return r;
}

static const char *const rnd_kinds[] = { "started", "completed", "stopped", "skipped", "missed", "reminder-shown",
                                         "reminder-done", "reminder-missed", "away", "arrived" };
static const char *const rnd_sources[] = { "schedule", "schedule", "schedule", "schedule", "manual", "-" };
static const char *const rnd_entries[] = { "a", "b", "" };

static usec_t rnd_length(void) {
        uint64_t x = rnd_below(100);
        return x == 0 ? USEC_INFINITY - rnd_below(10) : x < 3 ? 0 : rnd_below(3 * USEC_PER_HOUR);
}

/* n random lines from *t on: mostly forward, the clock sometimes back, skips ahead, catch-ups,
 * stopped blocks with and without their away line, and lines no reader takes. */
static void write_random(FILE *f, usec_t *t, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const char *kind = rnd_kinds[rnd_below(ELEMENTSOF(rnd_kinds))];
                const char *source = rnd_sources[rnd_below(ELEMENTSOF(rnd_sources))];
                const char *entry = rnd_entries[rnd_below(ELEMENTSOF(rnd_entries))];
                uint64_t x = rnd_below(100), planned = rnd_length(), kept = rnd_length();
                usec_t of;

                *t += rnd_below(8 * USEC_PER_HOUR);
                if (x < 3)
                        *t -= MIN(*t, rnd_below(3 * USEC_PER_DAY)); /* the clock went back */
                x = rnd_below(100);
                of = x < 10 ? 0 : x < 15 ? *t + rnd_below(14 * USEC_PER_DAY) : x < 20 ? *t - rnd_below(8 * USEC_PER_DAY)
                                                                                     : *t - rnd_below(2 * USEC_PER_HOUR);
                if (streq(kind, "arrived"))
                        planned = rnd_below(20);
                EV(*t, kind, source, entry, of, planned, kept);
                if (streq(kind, "stopped") && rnd_below(100) < 60) {
                        /* Its away line, mostly matching, an away share either side of what it needs. */
                        x = rnd_below(100);
                        EV(*t, "away", x < 5 ? "manual" : source, x < 10 ? "b" : entry, x < 15 ? of + 1 : of,
                           rnd_length(), rnd_below(100) < 5 ? USEC_INFINITY : rnd_below(planned / 50 + 1) * 60);
                }
                x = rnd_below(200);
                if (x == 0)
                        fputs("garbage\n", f);
                else if (x == 1) {
                        fputs("1 completed schedule \"", f);
                        for (int k = 0; k < 1100; k++)
                                fputc('x', f);
                        fputs("\" 1 1 1\n", f);
                } else if (x == 2)
                        fwrite("1 completed schedule \"a\0\" 1 1 1\n", 1, 32, f);
                else if (x == 3)
                        fputs("\n", f);
        }
}

static void test_summary_random(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "history-random");
        const unsigned histories = 300;
        unsigned bad = 0, windows = 0;

        rng_state = 0x9e3779b97f4a7c15ULL;
        for (unsigned h = 0; h < histories; h++) {
                HistorySummary *sum = NULL;
                usec_t start = berlin_day_start(20000 + (int64_t) rnd_below(400)) + rnd_below(USEC_PER_DAY), t = start;
                HistoryRules rules = { .allowance = (unsigned) rnd_below(4), .away_share = (unsigned) rnd_below(130) };
                FILE *f = fopen(path, "we");
                bool cut = rnd_below(3) == 0, fine = true;

                if (!f || history_summary_new(berlin_day, NULL, &sum) < 0) {
                        ok(false, "random history %u: set up", h);
                        return;
                }
                write_random(f, &t, rnd_below(h < 20 ? 30 : 400));
                if (cut)
                        fprintf(f, "%" PRIu64 " completed manual \"\" 0 0 7", t);
                fclose(f);
                if (summary_read_all(sum, path, 1 + rnd_below(5000)) < 0)
                        fine = false;
                for (unsigned w = 0; fine && w < 8; w++) {
                        usec_t until = start + rnd_below(t - start + 3 * USEC_PER_DAY) + 1;
                        usec_t since = rnd_below(8) == 0 ? 0 : until - MIN(until, rnd_below(45 * USEC_PER_DAY));
                        if (since > 0 && rnd_below(4) == 0)
                                since = berlin_day_start(berlin_day(since, NULL)); /* --since DATE */
                        windows++;
                        fine = compare_window(sum, path, since, until, &rules, w == 0);
                }

                /* Appended to, then read on from where it stopped: still the same. */
                f = fopen(path, "ae");
                if (f) {
                        write_random(f, &t, rnd_below(60));
                        fclose(f);
                }
                if (fine && summary_read_all(sum, path, 1 + rnd_below(5000)) < 0)
                        fine = false;
                for (unsigned w = 0; fine && w < 4; w++) {
                        usec_t until = start + rnd_below(t - start + 3 * USEC_PER_DAY) + 1;
                        windows++;
                        fine = compare_window(sum, path, until - MIN(until, rnd_below(400 * USEC_PER_DAY)), until,
                                              &rules, false);
                }
                if (!fine)
                        bad++;
                history_summary_free(sum);
                if (!fine && bad <= 3)
                        ok(false, "random history %u agrees with the whole read", h);
        }
        ok(bad == 0, "%u random histories, %u windows: the summary and the whole read agree on every figure, and on "
                     "every day of the chart (%u days compared)", histories, windows, days_compared);
        ok(days_compared > 1000, "…enough days were comparable");
}

/* Hand-made cases, each with the window it is about; compared with the whole read. */
static void test_summary_table(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "history"), *other = path_join(tmp, "history-table");
        const usec_t D = berlin_day_start(20500);
        static const struct {
                int h_since, h_until;
                HistoryRules rules;
                const char *what;
        } windows[] = {
                { -24 * 8, 1, {}, "a week: first day cut, today's later block skipped ahead" },
                { 0, 12, { .away_share = 50 }, "from midnight: the stopped block kept by its away line" },
                { 0, 11, { .away_share = 50 }, "until between a stopped block and a line recorded later" },
                { -24 * 400, 30, { .allowance = 1 }, "more than a year, past tomorrow" },
                { 5, 6, {}, "one hour" },
                { 7, 7, {}, "an empty window" },
        };
        HistorySummary *sum = NULL;
        FILE *f;

        write_history(path);
        ok(history_summary_new(NULL, NULL, &sum) >= 0 && summary_read_all(sum, path, 7) == 1,
           "the summary reads the hand-made history seven bytes at a time");
        for (usec_t since = T(99, 0, 0); since < T(107, 0, 0); since += 5 * USEC_PER_HOUR)
                for (usec_t until = since + 1; until < T(108, 12, 0); until += 7 * USEC_PER_HOUR) {
                        Stats a, b;
                        history_stats_with(path, since, until, &(HistoryRules) { .away_share = 30 }, NULL, NULL, &a);
                        history_summary_stats(sum, path, since, until, &(HistoryRules) { .away_share = 30 }, &b);
                        if (!stats_equal(&a, &b)) {
                                ok(false, "hand-made history, %" PRIu64 "–%" PRIu64, since, until);
                                goto done;
                        }
                }
        ok(true, "hand-made history: every window 5 h apart agrees");
done:
        sum = history_summary_free(sum);

        f = fopen(other, "we");
        /* Today is D: a block kept yesterday and one stopped today that its away line keeps at 50 %,
         * a line recorded at 11:30 (the clock went back after it) between the stopped block and its away
         * line, and a block later today skipped ahead of time. */
        EV(D - 20 * USEC_PER_HOUR, "started", "schedule", "a", D - 20 * USEC_PER_HOUR, 60 * MIN_, 0);
        EV(D - 19 * USEC_PER_HOUR, "completed", "schedule", "a", D - 20 * USEC_PER_HOUR, 60 * MIN_, 60 * MIN_);
        EV(D + 1 * USEC_PER_HOUR, "skipped", "schedule", "b", D + 20 * USEC_PER_HOUR, 30 * MIN_, 0);
        EV(D + 9 * USEC_PER_HOUR, "started", "schedule", "a", D + 9 * USEC_PER_HOUR, 60 * MIN_, 0);
        EV(D + 9 * USEC_PER_HOUR + 10 * MIN_, "stopped", "schedule", "a", D + 9 * USEC_PER_HOUR, 60 * MIN_, 10 * MIN_);
        EV(D + 11 * USEC_PER_HOUR + 30 * MIN_, "reminder-shown", "-", "r", D + 11 * USEC_PER_HOUR, 0, 0);
        EV(D + 9 * USEC_PER_HOUR + 10 * MIN_, "away", "schedule", "a", D + 9 * USEC_PER_HOUR, 10 * MIN_, 40 * MIN_);
        EV(D + 10 * USEC_PER_HOUR, "arrived", "-", "Mail", 0, 4, 0);
        fclose(f);
        ok(history_summary_new(berlin_day, NULL, &sum) >= 0 && summary_read_all(sum, other, 4096) == 1, "read it");
        for (size_t i = 0; i < ELEMENTSOF(windows); i++) {
                usec_t since = D + (usec_t) ((int64_t) windows[i].h_since * (int64_t) USEC_PER_HOUR);
                usec_t until = D + (usec_t) ((int64_t) windows[i].h_until * (int64_t) USEC_PER_HOUR) + 1;
                ok(compare_window(sum, other, since, until, &windows[i].rules, true), "%s", windows[i].what);
        }
        sum = history_summary_free(sum);
}

/* The summary follows the file: appended lines are read on, a cut or rewritten file from the start. */
static void test_summary_follows(const char *tmp) {
        _cleanup_free_ char *path = path_join(tmp, "history-follow");
        HistorySummary *sum = NULL;
        Stats s;
        FILE *f;

        ok(history_summary_new(NULL, NULL, &sum) >= 0, "a summary");
        is_int(history_summary_refresh(sum, path, 1 << 20), 1, "a missing history: nothing to read");
        is_int(history_summary_stats(sum, path, 0, T(3, 0, 0), NULL, &s), 0, "…its stats");
        is_int(s.manual, 0, "…are empty");

        f = fopen(path, "we");
        EV(T(1, 10, 0), "started", "manual", "", 0, 0, 0);
        fprintf(f, "%" PRIu64 " started manual \"\" 0 0", (usec_t) T(1, 11, 0)); /* no newline yet */
        fclose(f);
        is_int(history_summary_refresh(sum, path, 1 << 20), 1, "read up to a cut line");
        history_summary_stats(sum, path, 0, T(3, 0, 0), NULL, &s);
        is_int(s.manual, 1, "…which is not counted yet");
        f = fopen(path, "ae");
        fputs(" 0\n", f);
        EV(T(1, 12, 0), "started", "manual", "", 0, 0, 0);
        fclose(f);
        is_int(history_summary_refresh(sum, path, 10), 0, "ten bytes of what was appended: more to read");
        is_int(history_summary_refresh(sum, path, 1 << 20), 1, "…the rest");
        history_summary_stats(sum, path, 0, T(3, 0, 0), NULL, &s);
        is_int(s.manual, 3, "the cut line, once whole, and the next are counted");

        f = fopen(path, "we");
        EV(T(1, 10, 0), "started", "manual", "", 0, 0, 0);
        fclose(f);
        history_summary_refresh(sum, path, 1 << 20);
        history_summary_stats(sum, path, 0, T(3, 0, 0), NULL, &s);
        is_int(s.manual, 1, "a file cut short is read again from the start");

        f = fopen(path, "we");
        EV(T(1, 10, 0), "completed", "manual", "", 0, 0, 1 * USEC_PER_SEC);
        fclose(f);
        history_summary_refresh(sum, path, 1 << 20);
        f = fopen(path, "we");
        /* Rewritten with the same first line but for its last bytes, and grown. */
        EV(T(1, 10, 0), "completed", "manual", "", 0, 0, 9 * USEC_PER_SEC);
        EV(T(1, 10, 0), "completed", "manual", "", 0, 0, 9 * USEC_PER_SEC);
        fclose(f);
        history_summary_refresh(sum, path, 1 << 20);
        history_summary_stats(sum, path, 0, T(3, 0, 0), NULL, &s);
        is_int(s.manual_kept, 18 * USEC_PER_SEC, "a file rewritten in place and grown is read again from the start");

        is_int(history_summary_refresh(sum, tmp, 1 << 20), -EISDIR, "a folder: -EISDIR");
        if (mkfifo(path, 0600) == 0 || (unlink(path) == 0 && mkfifo(path, 0600) == 0))
                is_int(history_summary_refresh(sum, path, 1 << 20), -EBADFD, "a FIFO: refused, not waited on");
        is_int(history_summary_stats(sum, path, 2, 1, NULL, &s), -EINVAL, "until before since: -EINVAL");
        history_summary_free(sum);
}

int main(void) {
        char tmp[] = "/tmp/test-history-XXXXXX";

        umask(022);
        if (!mkdtemp(tmp))
                return 99;

        test_kinds();
        test_lines();
        test_bad_lines();
        test_append(tmp);
        test_stats(tmp);
        test_streak_edges(tmp);
        test_streak_table();
        test_streak_dst(tmp);
        test_arrived(tmp);
        test_block_kept();
        test_away_share(tmp);
        test_summary_follows(tmp);
        {
                Tz *tz = NULL;

                if (ok(tz_load("Europe/Berlin", &tz) >= 0, "load Europe/Berlin for the summary")) {
                        berlin = tz;
                        test_summary_table(tmp);
                        test_summary_random(tmp);
                        berlin = NULL;
                        tz_free(tz);
                }
        }

        {
                char *cmd;
                if (asprintf(&cmd, "rm -rf '%s'", tmp) >= 0) {
                        (void) system(cmd);
                        free(cmd);
                }
        }
        return tap_done();
}
