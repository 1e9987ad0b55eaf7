/* SPDX-License-Identifier: MIT */
/* history.c: the append-only event log behind GetStats: its line format, appending, and the stats read from it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "macro.h"
#include "state.h"
#include "text-record.h"

static const char * const history_kind_table[_HISTORY_KIND_MAX] = {
        [HISTORY_STARTED] = "started",
        [HISTORY_COMPLETED] = "completed",
        [HISTORY_STOPPED] = "stopped",
        [HISTORY_SKIPPED] = "skipped",
        [HISTORY_MISSED] = "missed",
        [HISTORY_REMINDER_SHOWN] = "reminder-shown",
        [HISTORY_REMINDER_DONE] = "reminder-done",
        [HISTORY_REMINDER_MISSED] = "reminder-missed",
        [HISTORY_AWAY] = "away",
        [HISTORY_ARRIVED] = "arrived",
};

const char *history_kind_to_string(HistoryKind k) {
        if (k < 0 || k >= _HISTORY_KIND_MAX)
                return NULL;
        return history_kind_table[k];
}

HistoryKind history_kind_from_string(const char *s) {
        if (!s)
                return _HISTORY_KIND_INVALID;
        for (HistoryKind k = 0; k < _HISTORY_KIND_MAX; k++)
                if (streq(history_kind_table[k], s))
                        return k;
        return _HISTORY_KIND_INVALID;
}

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

static bool source_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool source_ok(const char *s, size_t n) {
        if (n >= sizeof(((HistoryEvent *) NULL)->source))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!source_char_ok(s[i]))
                        return false;
        return true;
}

int history_format_line(const HistoryEvent *ev, char **ret) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        const char *kind = history_kind_to_string(ev->kind);
        size_t size = 0, n;

        /* Refuse here what the reader would refuse, so no line is written only to be ignored. */
        if (!kind)
                return -EINVAL;
        n = strnlen(ev->source, sizeof(ev->source));
        if (!source_ok(ev->source, n))
                return -EINVAL;
        if (strnlen(ev->entry, sizeof(ev->entry)) >= sizeof(ev->entry))
                return -EINVAL;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "%" PRIu64 " %s %s ", ev->time, kind, n > 0 ? ev->source : "-");
        (void) text_quote(f, ev->entry);
        fprintf(f, " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", ev->of, ev->planned, ev->kept);
        if (ferror(f))
                return -ENOMEM;
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        if (size > HISTORY_LINE_MAX)
                return -EINVAL;

        *ret = TAKE_PTR(buf);
        return 0;
}

int history_parse_line(const char *line, HistoryEvent *ret) {
        _cleanup_free_ char *entry = NULL;
        HistoryEvent ev = {};
        const char *p = line, *word, *nl;
        char kind[32];
        size_t len;
        int r;

        /* One line only: a newline, if any, is its last byte. */
        nl = strchr(line, '\n');
        if (nl && nl[1] != '\0')
                return -EBADMSG;
        if ((nl ? (size_t) (nl - line) : strlen(line)) > HISTORY_LINE_MAX)
                return -EBADMSG;

        r = text_read_u64(&p, &ev.time);
        if (r < 0)
                return r;

        r = text_read_word(&p, &word, &len);
        if (r < 0)
                return r;
        if (len >= sizeof(kind))
                return -EBADMSG;
        memcpy(kind, word, len);
        kind[len] = '\0';
        ev.kind = history_kind_from_string(kind);
        if (ev.kind < 0)
                return -EBADMSG;

        r = text_read_word(&p, &word, &len);
        if (r < 0)
                return r;
        if (len == 1 && word[0] == '-')
                len = 0;
        else if (!source_ok(word, len))
                return -EBADMSG;
        memcpy(ev.source, word, len);
        ev.source[len] = '\0';

        r = text_read_string(&p, sizeof(ev.entry) - 1, &entry);
        if (r < 0)
                return r;
        strcpy(ev.entry, entry);

        r = text_read_u64(&p, &ev.of);
        if (r < 0)
                return r;
        r = text_read_u64(&p, &ev.planned);
        if (r < 0)
                return r;
        r = text_read_u64(&p, &ev.kept);
        if (r < 0)
                return r;
        r = text_read_end(&p);
        if (r < 0)
                return r;

        *ret = ev;
        return 0;
}

int history_append_many(const char *path, const HistoryEvent *v, size_t n) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t len = 0;
        struct stat st;
        ssize_t k;
        int r;

        if (n == 0)
                return 0;
        /* Room for a newline first and every line: each is at most HISTORY_LINE_MAX bytes. */
        buf = malloc(1 + n * (HISTORY_LINE_MAX + 1));
        if (!buf)
                return -ENOMEM;
        buf[len++] = '\n';
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *line = NULL;

                r = history_format_line(&v[i], &line);
                if (r < 0)
                        return r;
                memcpy(buf + len, line, strlen(line));
                len += strlen(line);
        }

        /* O_RDWR rather than O_WRONLY only to read the last byte back, below. */
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
        if (fd < 0 && errno == ENOENT) {
                r = mkdir_parents(path, 0700);
                if (r < 0)
                        return r;
                fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
        }
        if (fd < 0)
                return -errno;

        /* A crash or a full disk may have left a last line without its newline. Start on a fresh
         * line, or ours would be glued to it and both be lost. */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        bool fresh = true;
        if (st.st_size > 0) {
                char last;

                k = pread(fd, &last, 1, st.st_size - 1);
                if (k < 0)
                        return -errno;
                fresh = k != 1 || last == '\n';
        }

        /* One write() and one sync for the lot: with O_APPEND the lines land whole at the end,
         * or not at all but for a full disk, which the reader survives. */
        k = write(fd, buf + fresh, len - fresh);
        if (k < 0)
                return -errno;
        if ((size_t) k != len - fresh)
                return -EIO;
        if (fdatasync(fd) < 0)
                return -errno;
        if (close(TAKE_FD(fd)) < 0)
                return -errno;
        return 0;
}

int history_append(const char *path, const HistoryEvent *ev) {
        return history_append_many(path, ev, 1);
}

static usec_t add_saturated(usec_t a, usec_t b) {
        return a > USEC_INFINITY - b ? USEC_INFINITY : a + b;
}

#define DAY_PLANNED HISTORY_DAY_PLANNED
#define DAY_BROKEN HISTORY_DAY_BROKEN

typedef struct StatsContext {
        Stats stats;
        unsigned away_share;
        /* A scheduled block stopped early, waiting for its away line (which follows it at once)
         * to say whether it was kept all the same: its occurrence, entry and planned length. */
        bool pending;
        HistoryEvent stopped;
        int64_t today;
        uint8_t days[HISTORY_STREAK_DAYS]; /* [0] is today, [1] yesterday, … */
        int64_t (*local_day_of)(usec_t t, void *userdata);
        void *userdata;
        /* history_stats_day(): only what belongs to this one local day counts. */
        bool one_day;
        int64_t day;
} StatsContext;

static int64_t utc_day_of(usec_t t, _unused_ void *userdata) {
        return (int64_t) (t / USEC_PER_DAY);
}

static void mark_day(StatsContext *ctx, usec_t of, uint8_t flags) {
        int64_t d;

        if (of == 0)
                return;
        d = ctx->local_day_of(of, ctx->userdata);
        if (ctx->one_day && d != ctx->day)
                return;
        /* Blocks after today (skipped ahead of time) are not part of the streak yet. */
        if (d > ctx->today || ctx->today - d >= HISTORY_STREAK_DAYS)
                return;
        ctx->days[ctx->today - d] |= flags;
}

bool history_block_kept(HistoryKind outcome, usec_t planned, usec_t away, unsigned away_share) {
        if (outcome == HISTORY_COMPLETED)
                return true;
        if (outcome != HISTORY_STOPPED || away_share == 0 || planned == 0)
                return false;
        /* away / planned ≥ share / 100, without division; the share is at most 100, so
         * saturating the product only errs towards "not kept" for absurd lengths. */
        away_share = MIN(away_share, 100u);
        return (away > USEC_INFINITY / 100 ? USEC_INFINITY : away * 100) >=
               (planned > USEC_INFINITY / 100 ? USEC_INFINITY : planned * away_share);
}

/* The stopped block waiting for its away line did not get one that keeps it: its day is broken. */
static void flush_stopped(StatsContext *ctx) {
        if (!ctx->pending)
                return;
        mark_day(ctx, ctx->stopped.of, DAY_PLANNED | DAY_BROKEN);
        ctx->pending = false;
}

/* A scheduled block's outcome belongs to the occurrence (its planned start), on its own day: a
 * skip made today of next week's block counts next week, and not before that day has come. */
static usec_t when_of(const HistoryEvent *ev, bool scheduled) {
        return scheduled && ev->of != 0 ? ev->of : ev->time;
}

static void count_event(StatsContext *ctx, const HistoryEvent *ev) {
        Stats *st = &ctx->stats;
        bool scheduled = !streq(ev->source, "manual");
        usec_t t = when_of(ev, scheduled);
        bool in = t >= st->since && t < st->until &&
                  (!ctx->one_day || ctx->local_day_of(t, ctx->userdata) == ctx->day);

        /* A stopped block's away line is the very next one; anything else settles it. */
        if (ctx->pending) {
                if (ev->kind == HISTORY_AWAY && scheduled && streq(ev->source, ctx->stopped.source) &&
                    streq(ev->entry, ctx->stopped.entry) && ev->of == ctx->stopped.of) {
                        if (history_block_kept(HISTORY_STOPPED, ctx->stopped.planned, ev->kept, ctx->away_share)) {
                                mark_day(ctx, ctx->stopped.of, DAY_PLANNED);
                                ctx->pending = false;
                        }
                }
                flush_stopped(ctx);
        }

        /* For the streak, every event before `until` counts, in the window or not. */
        switch (ev->kind) {
        case HISTORY_STARTED:
                if (in && scheduled)
                        st->planned = add_saturated(st->planned, ev->planned);
                if (in && !scheduled)
                        st->manual++;
                if (scheduled)
                        mark_day(ctx, ev->of, DAY_PLANNED);
                break;
        case HISTORY_COMPLETED:
        case HISTORY_STOPPED:
                if (!scheduled) {
                        /* A manual recharge is not a block: only its time counts, apart. */
                        if (in)
                                st->manual_kept = add_saturated(st->manual_kept, ev->kept);
                        break;
                }
                if (in) {
                        if (ev->kind == HISTORY_COMPLETED)
                                st->completed++;
                        else
                                st->stopped++;
                        st->kept = add_saturated(st->kept, ev->kept);
                }
                if (ev->kind == HISTORY_STOPPED && ctx->away_share > 0) {
                        /* Kept or broken: its away line, next, tells. */
                        ctx->pending = true;
                        ctx->stopped = *ev;
                        mark_day(ctx, ev->of, DAY_PLANNED);
                } else
                        mark_day(ctx, ev->of, ev->kind == HISTORY_COMPLETED ? DAY_PLANNED : DAY_PLANNED | DAY_BROKEN);
                break;
        case HISTORY_SKIPPED:
        case HISTORY_MISSED:
                /* Only scheduled blocks can be skipped or missed, whatever the source says. */
                if (in) {
                        if (ev->kind == HISTORY_SKIPPED)
                                st->skipped++;
                        else
                                st->missed++;
                        st->planned = add_saturated(st->planned, ev->planned);
                }
                mark_day(ctx, ev->of, DAY_PLANNED | DAY_BROKEN);
                break;
        case HISTORY_REMINDER_SHOWN:
                if (in)
                        st->reminders_shown++;
                break;
        case HISTORY_REMINDER_DONE:
                if (in)
                        st->reminders_done++;
                break;
        case HISTORY_REMINDER_MISSED:
                if (in)
                        st->reminders_missed++;
                break;
        case HISTORY_AWAY:
                /* Scheduled blocks only, like Kept: "away from the screen 38 of 45 min". */
                if (in && scheduled) {
                        st->away = add_saturated(st->away, ev->kept);
                        st->away_of = add_saturated(st->away_of, ev->planned);
                }
                break;
        case HISTORY_ARRIVED:
                if (in)
                        st->arrived = (uint32_t) MIN((usec_t) st->arrived + MIN(ev->planned, (usec_t) UINT32_MAX),
                                                     (usec_t) UINT32_MAX);
                break;
        default:
                break;
        }
}

/*
 * The streak: walking back from today (the local day of until − 1), a day with at least one
 * scheduled block and none of them stopped, skipped or missed adds one; a day without scheduled
 * blocks is stepped over (it neither breaks nor extends the streak); so is a broken day within
 * the allowance; the first other broken day ends it. A block belongs to the local day of its
 * planned start (`of`), not of the time the event was recorded. Only what is recorded counts: a
 * block that started and has no ending yet (today's, in progress, or one cut short by a crash)
 * counts as kept. The walk looks back HISTORY_STREAK_DAYS days at most.
 */
#define ALLOWANCE_WINDOW_DAYS 30
/* 2^(−1/13): a kept or missed day weighs half as much 13 planned days later. */
#define STRENGTH_KEEP 0.94807751
void history_streak(const uint8_t *days, size_t n, unsigned allowance, uint32_t *ret_streak,
                    uint32_t *ret_strength) {
        bool excused[HISTORY_STREAK_DAYS] = {};
        uint32_t streak = 0;
        double strength = 0;

        n = MIN(n, (size_t) HISTORY_STREAK_DAYS);
        /* Excuses go to the first broken days in time order, so a day's excuse never depends on
         * what came after it: oldest first, at most `allowance` in any 30 days. */
        for (size_t i = n; i > 0; i--) {
                size_t d = i - 1, used = 0;

                if (!(days[d] & DAY_BROKEN))
                        continue;
                for (size_t j = d + 1; j < n && j < d + ALLOWANCE_WINDOW_DAYS; j++)
                        used += excused[j];
                excused[d] = used < allowance;
        }
        for (size_t i = n; i > 0; i--) {
                size_t d = i - 1;

                if (!(days[d] & DAY_PLANNED) || excused[d])
                        continue;
                strength = strength * STRENGTH_KEEP + (days[d] & DAY_BROKEN ? 0.0 : 1.0 - STRENGTH_KEEP);
        }
        for (size_t d = 0; d < n; d++) {
                if (excused[d])
                        continue;
                if (days[d] & DAY_BROKEN)
                        break;
                if (days[d] & DAY_PLANNED)
                        streak++;
        }
        if (ret_streak)
                *ret_streak = streak;
        if (ret_strength)
                *ret_strength = (uint32_t) (strength * 1000 + 0.5);
}

int history_stats(const char *path, usec_t since, usec_t until, int64_t (*local_day_of)(usec_t t, void *userdata),
                  void *userdata, Stats *ret) {
        return history_stats_allowing(path, since, until, 0, local_day_of, userdata, ret);
}

int history_stats_allowing(const char *path, usec_t since, usec_t until, unsigned allowance,
                           int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, Stats *ret) {
        return history_stats_with(path, since, until, &(HistoryRules) { .allowance = allowance }, local_day_of,
                                  userdata, ret);
}

/* Reads the lines of f from offset lo on (a line begins there) up to hi, and on past hi while a
 * stopped block of the day asked for waits for its away line; lines from until on are ignored.
 * Streaming with a fixed buffer: a file of any size, and a line of any length, costs no more memory
 * than one valid line. Overlong lines, lines with NUL bytes and a last line without its newline
 * (cut by a crash or a full disk) are skipped. */
static int read_lines(StatsContext *ctx, FILE *f, uint64_t lo, uint64_t hi) {
        char line[HISTORY_LINE_MAX + 1];
        uint64_t pos = lo;
        bool bad = false;
        size_t n = 0;

        if (lo > 0 && fseeko(f, (off_t) lo, SEEK_SET) < 0)
                return -errno;
        for (;;) {
                int c;
                HistoryEvent ev;

                if (pos >= hi && n == 0 && !bad &&
                    !(ctx->pending && (!ctx->one_day || ctx->local_day_of(ctx->stopped.of, ctx->userdata) == ctx->day)))
                        break;
                c = getc_unlocked(f);
                if (c == EOF)
                        break;
                pos++;
                if (c != '\n') {
                        if (c == '\0' || n >= HISTORY_LINE_MAX)
                                bad = true;
                        else
                                line[n++] = (char) c;
                        continue;
                }

                line[n] = '\0';
                if (!bad && history_parse_line(line, &ev) >= 0 && ev.time < ctx->stats.until)
                        count_event(ctx, &ev);
                n = 0;
                bad = false;
        }
        if (ferror(f))
                return errno > 0 ? -errno : -EIO;
        flush_stopped(ctx);
        return 0;
}

/* Opens the history for reading: missing is empty (*ret = NULL); only a regular file is read (a
 * FIFO or a device there must not hang us). */
static int open_history(const char *path, FILE **ret) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        FILE *f;

        *ret = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        f = fdopen(fd, "r");
        if (!f)
                return -errno;
        TAKE_FD(fd);
        *ret = f;
        return 0;
}

static int stats_context_init(StatsContext *ctx, usec_t since, usec_t until, const HistoryRules *rules,
                              int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata) {
        if (until == 0 || until < since)
                return -EINVAL;
        *ctx = (StatsContext) {
                .stats = { .since = since, .until = until },
                .away_share = rules ? rules->away_share : 0,
                .local_day_of = local_day_of ?: utc_day_of,
                .userdata = userdata,
        };
        ctx->today = ctx->local_day_of(until - 1, userdata);
        return 0;
}

int history_stats_with(const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                       int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, Stats *ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        unsigned allowance = rules ? rules->allowance : 0;
        StatsContext ctx;
        int r;

        r = stats_context_init(&ctx, since, until, rules, local_day_of, userdata);
        if (r < 0)
                return r;
        r = open_history(path, &f);
        if (r < 0)
                return r;
        if (f) {
                r = read_lines(&ctx, f, 0, UINT64_MAX);
                if (r < 0)
                        return r;
        }

        history_streak(ctx.days, HISTORY_STREAK_DAYS, allowance, &ctx.stats.streak, &ctx.stats.strength);
        *ret = ctx.stats;
        return 0;
}

int history_stats_day(const char *path, usec_t since, usec_t until, const HistoryRules *rules,
                      int64_t (*local_day_of)(usec_t t, void *userdata), void *userdata, int64_t day, uint64_t lo,
                      uint64_t hi, Stats *ret, uint8_t *ret_flags) {
        _cleanup_(fclosep) FILE *f = NULL;
        StatsContext ctx;
        int r;

        r = stats_context_init(&ctx, since, until, rules, local_day_of, userdata);
        if (r < 0)
                return r;
        ctx.one_day = true;
        ctx.day = day;
        r = open_history(path, &f);
        if (r < 0)
                return r;
        if (f) {
                r = read_lines(&ctx, f, lo, hi);
                if (r < 0)
                        return r;
        }
        *ret = ctx.stats;
        if (ret_flags)
                *ret_flags = day <= ctx.today && ctx.today - day < HISTORY_STREAK_DAYS ? ctx.days[ctx.today - day] : 0;
        return 0;
}
