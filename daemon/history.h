/* SPDX-License-Identifier: MIT */
/* history.h: the append-only record of what happened (for stats), one event a line, and the
 * stats computed from it. */
#pragma once

#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "timeparse.h"

typedef enum HistoryKind {
        HISTORY_STARTED,         /* a recharge began (planned = its planned length, 0 open) */
        HISTORY_COMPLETED,       /* it ran to its end (kept = how long it lasted) */
        HISTORY_STOPPED,         /* it was ended early (kept = how long it lasted) */
        HISTORY_SKIPPED,         /* a block's occurrence was skipped (planned = its length) */
        HISTORY_MISSED,          /* a block passed entirely while we were asleep or off */
        HISTORY_REMINDER_SHOWN,
        HISTORY_REMINDER_DONE,
        HISTORY_REMINDER_MISSED,
        HISTORY_AWAY,            /* after a completed/stopped line, when the session's presence is
                                  * known: planned = how long that recharge lasted, kept = how long
                                  * of it the screen was locked or idle (a kind of its own, so a
                                  * reader that predates it skips the line and keeps the rest) */
        HISTORY_ARRIVED,         /* with the end of the last dnd recharge of a stretch: entry = an
                                  * app's name ("" for the apps beyond the digest's list),
                                  * planned = how many notifications it sent meanwhile (a count,
                                  * never their text); one line per app, source "-" */
        _HISTORY_KIND_MAX,
        _HISTORY_KIND_INVALID = -EINVAL,
} HistoryKind;
const char *history_kind_to_string(HistoryKind k);   /* "started", "completed", "stopped", … */
HistoryKind history_kind_from_string(const char *s);

typedef struct HistoryEvent {
        usec_t time;             /* when it was recorded */
        HistoryKind kind;
        char source[16];         /* "schedule" or "manual" ("" for reminders) */
        char entry[64];          /* entry name, "" for manual */
        usec_t of;               /* the occurrence's planned start / due time, 0 for manual */
        usec_t planned;          /* planned length (blocks), 0 unknown/open */
        usec_t kept;             /* real length (completed/stopped) */
} HistoryEvent;

/* One line, "\n"-terminated; a reader ignores a truncated last line:
 *   <time> <kind> <source> "<entry>" <of> <planned> <kept>
 * times and lengths in decimal microseconds, kind as history_kind_to_string(), source a bare
 * word of [a-z0-9_] ("-" when empty), entry quoted as in the state file. A line longer than
 * HISTORY_LINE_MAX bytes is never valid. history_parse_line() takes a line with or without its
 * newline; -EBADMSG when malformed. */
#define HISTORY_LINE_MAX 1024
int history_format_line(const HistoryEvent *ev, char **ret);
int history_parse_line(const char *line, HistoryEvent *ret);
/* Appends one line with O_APPEND and fdatasync; the file is created 0600. */
int history_append(const char *path, const HistoryEvent *ev);
/* Appends n lines with one write() and one fdatasync. */
int history_append_many(const char *path, const HistoryEvent *v, size_t n);

typedef struct Stats {
        usec_t since, until;
        usec_t planned;          /* planned time of blocks that began, were skipped or missed */
        usec_t kept;             /* time actually spent in scheduled blocks */
        uint32_t completed, stopped, skipped, missed; /* scheduled blocks only */
        uint32_t manual;         /* manual recharges begun */
        usec_t manual_kept;      /* time spent in manual recharges that ended */
        uint32_t reminders_shown, reminders_done, reminders_missed;
        usec_t away;             /* of the scheduled blocks that ended: time the screen was
                                  * locked or idle during them (where logind told us)… */
        usec_t away_of;          /* …of this much time of those blocks (their kept time) */
        uint32_t streak;         /* days in a row, back from `until`'s day, with every planned
                                  * block completed (and at least one planned); a broken day
                                  * within the allowance freezes it (history_streak()) */
        uint32_t strength;       /* 0–1000 (per mille): kept and missed days, smoothed */
        uint32_t arrived;        /* other apps' notifications held during dnd recharges */
} Stats;

/* A local day's blocks, for the streak and the strength. */
enum {
        HISTORY_DAY_PLANNED = 1 << 0, /* at least one scheduled block that day */
        HISTORY_DAY_BROKEN = 1 << 1,  /* a scheduled block that day was stopped, skipped or missed */
};
/* Pure: days[i] holds the flags of the day i days before today (days[0] is today), n days.
 * allowance: broken days excused per 30 days (the first ones, in time order: a broken day is
 * excused when fewer than `allowance` days were excused in the 29 days before it).
 * The streak: back from today, a planned day with nothing broken adds one, a day with nothing
 * planned or an excused one is stepped over, the first broken day not excused ends it.
 * The strength, in per mille: from the oldest day on, s ← s·k + v·(1 − k) with k = 2^(−1/13)
 * (half of it is the last 13 planned days), v = 1 for a kept day and 0 for a broken one not
 * excused; a day with nothing planned or an excused one leaves it unchanged (Loop Habit
 * Tracker's score, for a daily habit). Either ret_* may be NULL. */
void history_streak(const uint8_t *days, size_t n, unsigned allowance, uint32_t *ret_streak,
                    uint32_t *ret_strength);
/* Reads path (missing = empty) and counts events with since ≤ time < until, where the time of a
 * scheduled block's outcome is its occurrence's planned start (a skip of next week's block counts
 * next week). Days for the streak are local days given by local_day_of(). */
/* The streak looks at most HISTORY_STREAK_DAYS days back (today included), over every event
 * recorded before until, whatever since is: a streak is not shortened by the window asked for.
 * local_day_of may be NULL: UTC days. -EINVAL when until is 0 or before since. */
#define HISTORY_STREAK_DAYS 366
int history_stats(const char *path, usec_t since, usec_t until, int64_t (*local_day_of)(usec_t t, void *userdata),
                  void *userdata, Stats *ret);
/* history_stats() with an allowance for the streak and the strength (history_streak()). */
int history_stats_allowing(const char *path, usec_t since, usec_t until, unsigned allowance,
                           int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, Stats *ret);

/* Pure: whether a scheduled block with this outcome keeps its day. Completed: yes. Stopped
 * early: when away_share (percent, 1–100) is set and the screen was locked or idle during it
 * for at least away_share % of its planned length (planned > 0). Anything else: no. */
bool history_block_kept(HistoryKind outcome, usec_t planned, usec_t away, unsigned away_share);

/* The config's rules for the streak: [general] allowance and away-share. */
typedef struct HistoryRules {
        unsigned allowance;      /* broken days excused per 30 days */
        unsigned away_share;     /* percent, 0 = only a completed block keeps its day */
} HistoryRules;
/* history_stats() with the rules: a stopped block followed by its away line (the next line,
 * same source, entry and occurrence) is kept when history_block_kept() says so. rules may be
 * NULL (no allowance, no away share). */
int history_stats_with(const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                       int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, Stats *ret);

/* One local day's share of history_stats_with(): the lines from byte lo (a line's start) to hi of
 * path, and past hi while a stopped block of that day waits for its away line. Counts only the
 * events whose time (as history_stats() dates them) is on that day, in [since, until); ret_flags
 * (may be NULL) gets the day's HISTORY_DAY_* flags for the streak, as until sees them. */
int history_stats_day(const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                      int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, int64_t day, uint64_t lo,
                      uint64_t hi, Stats *ret, uint8_t *ret_flags);

/*
 * A summary of the history by local day, so that GetStats costs what `since` covers and not what
 * the history holds. It is built by reading the file once, in pieces of a bounded size, and kept
 * in step by reading only what was appended since (a line at most HISTORY_LINE_MAX bytes, so the
 * memory it needs is one line plus about 130 bytes per day that has events). A day whose figures
 * the summary cannot give exactly for the window asked (the first and the last day of it cut in
 * the middle, or lines recorded at or after `until` after the clock went back) is read again
 * from the file, from its first line to its last only. The history is append-only: a file that
 * shrank, was replaced, or whose last bytes read changed is read again from the start.
 */
typedef struct HistorySummary HistorySummary;
int history_summary_new(int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, HistorySummary **ret);
HistorySummary *history_summary_free(HistorySummary *s);
/* Forget everything (the local days changed: a new time zone): the next refresh reads it all. */
void history_summary_reset(HistorySummary *s);
/* Reads at most max_bytes of what path gained since the last refresh: 1 when it has read all
 * there is, 0 when there is more, < 0 on failure (-EISDIR, -EBADFD: not a regular file). */
int history_summary_refresh(HistorySummary *s, const char *path, uint64_t max_bytes);
/* history_stats_with() from the summary as it is: after a refresh that returned 1, the same
 * figures to the last bit. */
int history_summary_stats(HistorySummary *s, const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                          Stats *ret);
/* A local day's figures within [since, until): what `rechargectl stats` charts. */
typedef struct HistoryDay {
        int64_t day;             /* local day, days since 1970-01-01 */
        Stats stats;             /* since, until, streak and strength unused */
} HistoryDay;
/* The last (at most) max_days local days of [since, until), oldest first, as history_stats_with()
 * would count each day's own window; uses the summary as it is (refresh first). *ret_days is
 * malloc'ed. */
int history_summary_days(HistorySummary *s, const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                         size_t max_days, HistoryDay **ret_days, size_t *ret_n);
/* Memory the summary holds, in bytes (bench, tests). */
size_t history_summary_size(const HistorySummary *s);
