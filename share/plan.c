/* SPDX-License-Identifier: MIT */
/* plan.c: the occurrences the calendar should hold, the requests that make it so, and the map of
 * what is published. Pure: no clock, no bus, no network. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "plan.h"

static const char *const kind_table[_OCC_KIND_MAX] = {
        [OCC_BLOCK] = "block",
        [OCC_MANUAL] = "manual",
        [OCC_REMINDER] = "reminder",
};

const char *occurrence_kind_to_string(OccurrenceKind k) {
        return k >= 0 && k < _OCC_KIND_MAX ? kind_table[k] : NULL;
}

OccurrenceKind occurrence_kind_from_string(const char *s) {
        if (s)
                for (int i = 0; i < _OCC_KIND_MAX; i++)
                        if (streq(s, kind_table[i]))
                                return i;
        return _OCC_KIND_INVALID;
}

void occurrence_done(Occurrence *o) {
        free(o->summary);
        free(o->etag);
        o->summary = o->etag = NULL;
}

void occurrences_free(Occurrence *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                occurrence_done(&v[i]);
        free(v);
}

#define STAMP_LEN 16 /* YYYYMMDDTHHMMSSZ */

int plan_uid(OccurrenceKind kind, const char *entry, usec_t start, char ret[static PLAN_UID_MAX]) {
        time_t t = (time_t) (start / USEC_PER_SEC);
        char stamp[STAMP_LEN + 1];
        struct tm tm;
        int n;

        if (kind < 0 || kind >= _OCC_KIND_MAX || !gmtime_r(&t, &tm))
                return -EINVAL;
        if (strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) != STAMP_LEN)
                return -EINVAL;
        if (kind == OCC_MANUAL)
                n = snprintf(ret, PLAN_UID_MAX, "recharged-manual-%s", stamp);
        else {
                /* Entry names are [a-z0-9_-]: safe in a UID and in a URL path as they are. */
                if (!entry || !entry[0] || strspn(entry, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(entry))
                        return -EINVAL;
                n = snprintf(ret, PLAN_UID_MAX, "recharged-%s-%s-%s", kind_table[kind], entry, stamp);
        }
        return n > 0 && n < PLAN_UID_MAX ? 0 : -EINVAL;
}

int plan_uid_parse(const char *uid, OccurrenceKind *ret_kind, usec_t *ret_start) {
        size_t n = strlen(uid);
        OccurrenceKind kind = _OCC_KIND_INVALID;
        struct tm tm = {};
        const char *s, *rest;
        time_t t;

        if (n >= PLAN_UID_MAX || strncmp(uid, "recharged-", 10) != 0 || n < 10 + STAMP_LEN + 1)
                return -EINVAL;
        rest = uid + 10;
        for (int i = 0; i < _OCC_KIND_MAX; i++) {
                size_t l = strlen(kind_table[i]);
                if (strncmp(rest, kind_table[i], l) == 0 && rest[l] == '-') {
                        kind = i;
                        rest += l + 1;
                        break;
                }
        }
        if (kind < 0)
                return -EINVAL;
        s = uid + n - STAMP_LEN;
        if (kind == OCC_MANUAL ? s != rest : (s < rest + 2 || s[-1] != '-'))
                return -EINVAL;
        if (kind != OCC_MANUAL &&
            strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789_-") < (size_t) (s - 1 - rest))
                return -EINVAL;
        if (!strptime(s, "%Y%m%dT%H%M%SZ", &tm) || s[STAMP_LEN - 1] != 'Z')
                return -EINVAL;
        t = timegm(&tm);
        if (t < 0)
                return -EINVAL;
        if (ret_kind)
                *ret_kind = kind;
        if (ret_start)
                *ret_start = (usec_t) t * USEC_PER_SEC;
        return 0;
}

/* One line of text: control characters (tabs and newlines too) become spaces. */
static char *one_line(const char *s) {
        char *c = strdup(s);
        if (c)
                for (char *i = c; *i; i++)
                        if ((unsigned char) *i < 0x20 || *i == 0x7f)
                                *i = ' ';
        return c;
}

char *plan_summary(ShareShow show, OccurrenceKind kind, const char *message) {
        const char *title = kind == OCC_REMINDER ? "Self-care" : "Alone time";
        _cleanup_free_ char *line = NULL;
        char *s;

        switch (show) {
        case SHARE_SHOW_BUSY:
                return strdup("Busy");
        case SHARE_SHOW_MESSAGE:
                if (message && message[0]) {
                        line = one_line(message);
                        if (!line || asprintf(&s, "%s: %s", title, line) < 0)
                                return NULL;
                        return s;
                }
                __attribute__((fallthrough));
        default:
                return strdup(title);
        }
}

static usec_t whole_seconds(usec_t t) {
        return t - t % USEC_PER_SEC;
}

static int cmp_uid(const void *a, const void *b) {
        return strcmp(((const Occurrence *) a)->uid, ((const Occurrence *) b)->uid);
}

void plan_sort(Occurrence *v, size_t *n) {
        size_t k = 0;

        /* A stable order for "the later one wins": mergesort would be stable, qsort is not, so
         * mark each with its position first. */
        for (size_t i = 0; i < *n; i++)
                for (size_t j = i + 1; j < *n; j++)
                        if (streq(v[i].uid, v[j].uid)) {
                                occurrence_done(&v[i]);
                                v[i].uid[0] = 0;
                                break;
                        }
        for (size_t i = 0; i < *n; i++)
                if (v[i].uid[0])
                        v[k++] = v[i];
        *n = k;
        if (k > 1)
                qsort(v, k, sizeof *v, cmp_uid);
}

ssize_t plan_find(const Occurrence *v, size_t n, const char *uid) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int d = strcmp(uid, v[mid].uid);
                if (d == 0)
                        return (ssize_t) mid;
                if (d < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -ENOENT;
}

typedef struct List {
        Occurrence *v;
        size_t n, cap;
} List;

static int list_add(List *l, OccurrenceKind kind, const char *entry, usec_t start, usec_t end, char *summary) {
        Occurrence *o;

        if (!summary)
                return -ENOMEM;
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                Occurrence *v = realloc(l->v, cap * sizeof *v);
                if (!v) {
                        free(summary);
                        return -ENOMEM;
                }
                l->v = v;
                l->cap = cap;
        }
        o = &l->v[l->n];
        *o = (Occurrence) { .kind = kind, .start = whole_seconds(start), .end = whole_seconds(end), .summary = summary };
        if (plan_uid(kind, entry, o->start, o->uid) < 0) {
                free(summary); /* not one we can name: not published */
                return 0;
        }
        l->n++;
        return 0;
}

usec_t plan_open_ended_end(usec_t since, usec_t now) {
        usec_t k = 1;

        since = whole_seconds(since);
        if (now + PLAN_OPEN_ENDED_USEC / 2 > since)
                k = MAX((now + PLAN_OPEN_ENDED_USEC / 2 - since + PLAN_OPEN_ENDED_USEC - 1) / PLAN_OPEN_ENDED_USEC, 1u);
        return since + k * PLAN_OPEN_ENDED_USEC;
}

int plan_wanted(const ShareConfig *cfg, const PlanStatus *status, const PlanEvent *events, size_t n_events,
                plan_message_t message_of, void *userdata, usec_t now, Occurrence **ret, size_t *ret_n) {
        usec_t horizon = now + (usec_t) cfg->days * USEC_PER_DAY;
        List l = {};
        int r = 0;

        for (size_t i = 0; i < n_events && r >= 0; i++) {
                const PlanEvent *e = &events[i];

                if (e->time >= horizon)
                        continue;
                if (streq(e->event, "start") && streq(e->type, "recharge")) {
                        const PlanEvent *end = NULL;
                        for (size_t j = i + 1; j < n_events && !end; j++)
                                if (streq(events[j].entry, e->entry) && streq(events[j].event, "end") &&
                                    events[j].time > e->time)
                                        end = &events[j];
                        if (!end)
                                continue; /* its end lies beyond what was asked: next time */
                        r = list_add(&l, OCC_BLOCK, e->entry, e->time, end->time,
                                     plan_summary(cfg->show, OCC_BLOCK, message_of ? message_of(e->entry, userdata) : NULL));
                } else if (cfg->reminders && streq(e->event, "reminder"))
                        r = list_add(&l, OCC_REMINDER, e->entry, e->time, e->time,
                                     plan_summary(cfg->show, OCC_REMINDER, message_of ? message_of(e->entry, userdata) : NULL));
        }

        /* The recharge that is on now comes last: where it and a listed block share a UID, what
         * the status says (an extended end) wins. */
        if (r >= 0 && status && status->recharging && status->since > 0) {
                bool block = streq_ptr(status->source, "schedule") && status->entry && status->entry[0];
                usec_t end = status->until;
                if (end == 0) {
                        /* Open-ended: shown for a while from now, renewed before it runs out. */
                        end = plan_open_ended_end(status->since, now);
                }
                if (end > status->since)
                        r = list_add(&l, block ? OCC_BLOCK : OCC_MANUAL, status->entry, status->since, end,
                                     plan_summary(cfg->show, block ? OCC_BLOCK : OCC_MANUAL, status->message));
        }
        if (r < 0) {
                occurrences_free(l.v, l.n);
                return r;
        }
        plan_sort(l.v, &l.n);
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

bool occurrence_same(const Occurrence *a, const Occurrence *b) {
        return streq(a->uid, b->uid) && a->kind == b->kind && a->start == b->start && a->end == b->end &&
               streq_ptr(a->summary, b->summary);
}

void plan_ops_free(PlanOp *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                occurrence_done(&v[i].want);
        free(v);
}

static int op_add(PlanOp **v, size_t *n, PlanOpKind kind, size_t published, const Occurrence *want, usec_t end) {
        PlanOp *a = realloc(*v, (*n + 1) * sizeof **v), *op;

        if (!a)
                return -ENOMEM;
        *v = a;
        op = &a[*n];
        *op = (PlanOp) { .kind = kind, .published = published };
        if (want) {
                op->want = *want;
                op->want.etag = NULL;
                op->want.end = end;
                op->want.summary = strdup(want->summary ?: "");
                if (!op->want.summary)
                        return -ENOMEM;
        }
        (*n)++;
        return 0;
}

int plan_diff(const Occurrence *published, size_t n_published, const Occurrence *wanted, size_t n_wanted,
              usec_t now, PlanOp **ret, size_t *ret_n) {
        PlanOp *ops = NULL;
        size_t n = 0, i = 0, j = 0;
        int r = 0;

        now = whole_seconds(now);
        while (r >= 0 && (i < n_published || j < n_wanted)) {
                int d = i == n_published ? 1 : j == n_wanted ? -1 : strcmp(published[i].uid, wanted[j].uid);

                if (d == 0) {
                        if (!occurrence_same(&published[i], &wanted[j]))
                                r = op_add(&ops, &n, PLAN_UPDATE, i, &wanted[j], wanted[j].end);
                        i++, j++;
                } else if (d > 0) {
                        r = op_add(&ops, &n, PLAN_CREATE, SIZE_MAX, &wanted[j], wanted[j].end);
                        j++;
                } else {
                        const Occurrence *p = &published[i];
                        if (p->end <= now)
                                ; /* over: the calendar keeps what happened */
                        else if (p->start < now && p->kind != OCC_REMINDER)
                                r = op_add(&ops, &n, PLAN_UPDATE, i, p, now); /* ended early */
                        else if ((r = op_add(&ops, &n, PLAN_DELETE, i, NULL, 0)) >= 0)
                                snprintf(ops[n - 1].want.uid, sizeof ops[n - 1].want.uid, "%s", p->uid);
                        i++;
                }
        }
        if (r < 0) {
                plan_ops_free(ops, n);
                return r;
        }
        *ret = ops;
        *ret_n = n;
        return 0;
}

int plan_map_format(const Occurrence *v, size_t n, char **ret) {
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);

        if (!f)
                return -ENOMEM;
        fputs("# recharged-share: what is published; uid, etag, start, end, kind, summary\n", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s\t%s\t%llu\t%llu\t%s\t%s\n", v[i].uid, v[i].etag ?: "-",
                        (unsigned long long) (v[i].start / USEC_PER_SEC), (unsigned long long) (v[i].end / USEC_PER_SEC),
                        occurrence_kind_to_string(v[i].kind), v[i].summary ?: "");
        if (fclose(f) != 0) {
                free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

int plan_map_parse(const char *text, Occurrence **ret, size_t *ret_n) {
        _cleanup_free_ char *copy = strdup(text);
        List l = {};
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[6];
                size_t k = 0;
                unsigned long long start, end;
                OccurrenceKind kind, uid_kind;
                usec_t uid_start;
                char *e1, *e2;

                if (line[0] == '#')
                        continue;
                for (char *c = line; k < 6; k++) {
                        f[k] = c;
                        if (k == 5)
                                break;
                        c = strchr(c, '\t');
                        if (!c)
                                break;
                        *c++ = 0;
                }
                if (k != 5)
                        continue;
                start = strtoull(f[2], &e1, 10);
                end = strtoull(f[3], &e2, 10);
                kind = occurrence_kind_from_string(f[4]);
                if (*e1 || *e2 || kind < 0 || end < start || plan_uid_parse(f[0], &uid_kind, &uid_start) < 0 ||
                    uid_kind != kind)
                        continue;
                if (list_add(&l, OCC_MANUAL, NULL, 0, 0, strdup(f[5])) < 0)
                        goto oom;
                Occurrence *o = &l.v[l.n - 1];
                snprintf(o->uid, sizeof o->uid, "%s", f[0]);
                o->kind = kind;
                o->start = start * USEC_PER_SEC;
                o->end = end * USEC_PER_SEC;
                if (!streq(f[1], "-") && !(o->etag = strdup(f[1])))
                        goto oom;
        }
        plan_sort(l.v, &l.n);
        *ret = l.v;
        *ret_n = l.n;
        return 0;
oom:
        occurrences_free(l.v, l.n);
        return -ENOMEM;
}
