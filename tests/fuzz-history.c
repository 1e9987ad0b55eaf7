/* SPDX-License-Identifier: MIT */
/* fuzz-history.c: libFuzzer target: any bytes as a history file. Each line that parses must
 * format and re-parse to the same event; each event the writer accepts must read back; and the
 * stats reader must count exactly the valid lines a plain reading finds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "history.h"
#include "macro.h"

static bool same_event(const HistoryEvent *a, const HistoryEvent *b) {
        return a->time == b->time && a->kind == b->kind && streq(a->source, b->source) &&
               streq(a->entry, b->entry) && a->of == b->of && a->planned == b->planned &&
               a->kept == b->kept;
}

/* What the writer writes, the reader reads back, and writes again the same. */
static void check_written(const HistoryEvent *ev) {
        _cleanup_free_ char *l1 = NULL, *l2 = NULL;
        HistoryEvent back;
        int r;

        r = history_format_line(ev, &l1);
        if (r < 0)
                return;
        if (strlen(l1) > HISTORY_LINE_MAX || l1[strlen(l1) - 1] != '\n' || strchr(l1, '\n')[1] != '\0')
                abort();
        if (history_parse_line(l1, &back) < 0 || !same_event(ev, &back))
                abort();
        if (history_format_line(&back, &l2) < 0 || !streq(l1, l2))
                abort();
}

static void check_line(const char *line) {
        HistoryEvent ev, raw = {};
        int r;

        r = history_parse_line(line, &ev);
        if (r < 0) {
                if (r != -EBADMSG && r != -ENOMEM)
                        abort();
        } else {
                /* the reader's output is the writer's input: it must be accepted */
                _cleanup_free_ char *l = NULL;
                if (history_format_line(&ev, &l) < 0)
                        abort();
                check_written(&ev);
        }

        /* The line's bytes as the fields of an event, to reach what the reader cannot build. */
        size_t n = strlen(line);
        raw.time = n;
        raw.kind = n > 0 ? (HistoryKind) ((unsigned char) line[0] % (_HISTORY_KIND_MAX + 1)) : 0;
        memcpy(raw.source, line, MIN(n, sizeof(raw.source) - 1));
        if (n > 1)
                memcpy(raw.entry, line + 1, MIN(n - 1, sizeof(raw.entry) - 1));
        raw.of = n * 3;
        check_written(&raw);
        memset(raw.source, 0, sizeof(raw.source));
        check_written(&raw);
}

typedef struct Counts {
        unsigned completed, stopped, skipped, missed, manual, shown, done, reminders_missed;
} Counts;

/* history.h: an event counts in [since, until) by its time, but a scheduled one (any source but
 * "manual") by its occurrence's planned start when it has one; only lines recorded before until
 * are read at all. */
static void count(Counts *c, const HistoryEvent *ev, usec_t since, usec_t until) {
        bool manual = streq(ev->source, "manual");
        usec_t t = !manual && ev->of != 0 ? ev->of : ev->time;

        if (ev->time >= until || t < since || t >= until)
                return;
        switch (ev->kind) {
        case HISTORY_STARTED:
                c->manual += manual;
                break;
        case HISTORY_COMPLETED:
                c->completed += !manual;
                break;
        case HISTORY_STOPPED:
                c->stopped += !manual;
                break;
        case HISTORY_SKIPPED:
                c->skipped++;
                break;
        case HISTORY_MISSED:
                c->missed++;
                break;
        case HISTORY_REMINDER_SHOWN:
                c->shown++;
                break;
        case HISTORY_REMINDER_DONE:
                c->done++;
                break;
        case HISTORY_REMINDER_MISSED:
                c->reminders_missed++;
                break;
        case HISTORY_AWAY:
        case HISTORY_ARRIVED:
                /* Away time and the digest's counts: none of the counts compared below (the
                 * default rules keep no stopped block for its away time). */
                break;
        default:
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static int fd = -1;
        static char path[64];
        _cleanup_free_ char *text = NULL;
        usec_t max_time = 0, mid;
        Counts all = {}, late = {};
        Stats st;
        int r;

        if (fd < 0) {
                fd = memfd_create("fuzz-history", MFD_CLOEXEC);
                if (fd < 0)
                        abort();
                snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        }
        if (ftruncate(fd, 0) < 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t) size))
                abort();

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        /* Line by line as the stats reader sees them: only complete lines (a last one without its
         * newline is cut), without NUL bytes. */
        HistoryEvent *evs = calloc(size / 2 + 1, sizeof(HistoryEvent));
        size_t n_evs = 0;
        if (!evs)
                return 0;
        for (size_t i = 0; i < size;) {
                const char *nl = memchr(text + i, '\n', size - i);
                size_t len = nl ? (size_t) (nl - (text + i)) : size - i;
                bool has_nul = memchr(text + i, '\0', len) != NULL;
                char *line = strndup(text + i, len);

                if (!line)
                        break;
                check_line(line);
                if (nl && !has_nul && history_parse_line(line, &evs[n_evs]) >= 0) {
                        max_time = MAX(max_time, evs[n_evs].time);
                        n_evs++;
                }
                free(line);
                i += len + 1;
        }

        /* The stats of the whole file, and of its later half, against our own count. */
        if (max_time >= USEC_INFINITY - 1)
                max_time = USEC_INFINITY - 2;
        mid = max_time / 2;
        for (size_t k = 0; k < n_evs; k++) {
                count(&all, &evs[k], 0, max_time + 1);
                count(&late, &evs[k], mid, max_time + 1);
        }
        free(evs);

        for (int w = 0; w < 2; w++) {
                const Counts *c = w == 0 ? &all : &late;
                r = history_stats(path, w == 0 ? 0 : mid, max_time + 1, NULL, NULL, &st);
                if (r == -ENOMEM)
                        return 0;
                if (r < 0)
                        abort();
                if (st.completed != c->completed || st.stopped != c->stopped ||
                    st.skipped != c->skipped || st.missed != c->missed || st.manual != c->manual ||
                    st.reminders_shown != c->shown || st.reminders_done != c->done ||
                    st.reminders_missed != c->reminders_missed || st.streak > HISTORY_STREAK_DAYS)
                        abort();
        }
        return 0;
}
