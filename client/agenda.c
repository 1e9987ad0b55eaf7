/* SPDX-License-Identifier: MIT */
/* agenda.c: rechargectl list, agenda and stats: tables, a day-by-day agenda, and a per-day chart. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bus-call.h"
#include "macro.h"
#include "rechargectl.h"

/*
 * JSON (rechargectl(1) lists the same), times as in output.c: ISO 8601 with offset plus *_usec.
 *   list --json    [{name, type, message, enabled, next_start(_usec), next_end(_usec)}]
 *   agenda --json  [{entry, type, event, time(_usec)}], every event of Upcoming() in the range,
 *                  heads-ups included; event is "heads-up", "start", "end" or "reminder"
 *   stats --json   {planned_usec, kept_usec, since(_usec), until(_usec), completed, stopped,
 *                  skipped, missed, manual, manual_kept_usec, reminders_shown, reminders_done,
 *                  reminders_missed, streak, strength_permille (0–1000), away_usec,
 *                  away_of_usec, arrived (other apps' notifications held during dnd recharges),
 *                  days: [{date, planned_usec, kept_usec, completed, stopped, skipped, missed,
 *                          reminders_done, away_usec, away_of_usec, arrived}]} — days: the last 31 at most,
 *                  oldest first; away_usec of away_of_usec: time the screen was locked or idle
 *                  during blocks, of the kept time of the blocks logind could tell about
 */

#define STATS_DEFAULT_SPAN (7 * USEC_PER_DAY)
#define AGENDA_DEFAULT_DAYS 7
#define CHART_DAYS_MAX 31
#define CHART_WIDTH 24

/* "Wed 25 Nov" for a local day. */
static char *day_text(int64_t day, char buf[static 32]) {
        int64_t y;
        unsigned m, d;

        civil_from_days(day, &y, &m, &d);
        snprintf(buf, 32, "%s %2u %s", weekday_to_string(weekday_from_days(day)), d, month_name(m));
        return buf;
}

static char *date_text(int64_t day, char buf[static 16]) {
        int64_t y;
        unsigned m, d;

        civil_from_days(day, &y, &m, &d);
        snprintf(buf, 16, "%04" PRId64 "-%02u-%02u", y, m, d);
        return buf;
}

static int64_t day_of(const Ctl *c, usec_t t) {
        return local_day(tz_to_local(c->tz, (int64_t) (t / USEC_PER_SEC)));
}

/* ---- list ---- */

int list_read(sd_bus_message *reply, ListItem **ret, size_t *ret_n) {
        ListItem *v = NULL, it;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sssbtt)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sssbtt)", &it.name, &it.type, &it.message, &it.enabled,
                                                  &it.next_start, &it.next_end)) > 0) {
                ListItem *nv = realloc(v, sizeof(ListItem) * (n + 1));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                v[n++] = it;
        }
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* The NEXT column, one style for every row: "Mon 7 Dec 21:30–22:30", the end's day only when it is
 * another ("Sat 12 Dec 22:00–Sun 13 Dec 06:00"). */
static void list_next_text(const Ctl *c, const ListItem *it, char buf[static 2 * TIME_TEXT_MAX]) {
        char a[TIME_TEXT_MAX], b[TIME_TEXT_MAX];

        if (!it->enabled)
                snprintf(buf, 2 * TIME_TEXT_MAX, "disabled");
        else if (it->next_start == 0)
                snprintf(buf, 2 * TIME_TEXT_MAX, "-");
        else if (it->next_end == 0)
                snprintf(buf, 2 * TIME_TEXT_MAX, "%s", format_day_time(&c->out, it->next_start, a));
        else
                snprintf(buf, 2 * TIME_TEXT_MAX, "%s–%s", format_day_time(&c->out, it->next_start, a),
                         day_of(c, it->next_start) == day_of(c, it->next_end) ? format_clock(c->tz, it->next_end, b)
                                                                             : format_day_time(&c->out, it->next_end, b));
}

/* The RULE column of list --long: "Mon..Fri 21:30–22:30", "daily 07:00 +45min",
 * "daily every 1h 09:00–17:00", "Sat,Sun at 10:00, 15:30:30". Seconds where the config has them. */
char *entry_rule_text(const Entry *e) {
        char days[WEEKDAYS_MAX], a[CLOCK_MAX], b[CLOCK_MAX], sp[SPAN_MAX];
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fputs(weekdays_format(e->days, days), f);
        if (e->type == ENTRY_RECHARGE) {
                if (e->has_end)
                        fprintf(f, " %s–%s", clock_format_short(e->start, a), clock_format_short(e->end, b));
                else
                        fprintf(f, " %s +%s", clock_format_short(e->start, a), span_format(e->duration, sp));
        } else if (e->every)
                fprintf(f, " every %s %s–%s", span_format(e->every, sp), clock_format_short(e->between_start, a),
                        clock_format_short(e->between_end, b));
        else {
                fputs(" at", f);
                for (size_t i = 0; i < e->n_at; i++)
                        fprintf(f, "%s %s", i ? "," : "", clock_format_short(e->at[i], a));
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* Terminal columns of UTF-8 text: one a character (what our tables hold: names, "–", "…"). */
static size_t text_columns(const char *s) {
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                n += (*p & 0xc0) != 0x80;
        return n;
}

static void cell(const char *s, size_t width) {
        fputs(s, stdout);
        for (size_t n = text_columns(s); n < width; n++)
                fputc(' ', stdout);
        fputs("  ", stdout);
}

int verb_list(Ctl *c, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListItem *v = NULL;
        Entry *entries = NULL;
        size_t n, n_entries = 0, wname = 4, wtype = 4, wnext = 4, wrule = 4;
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return EXIT_REFUSED;
        r = bus_call(bus, "ListEntries", &reply, NULL);
        if (r < 0)
                return EXIT_REFUSED;
        r = list_read(reply, &v, &n);
        if (r < 0 || ctl_tz(c) < 0) {
                fprintf(stderr, "Failed to read the entries: %s\n", strerror(-r));
                return EXIT_REFUSED;
        }

        if (c->names) {
                for (size_t i = 0; i < n; i++) {
                        fputs_escaped(v[i].name, stdout);
                        fputc('\n', stdout);
                }
                return 0;
        }
        if (c->format == OUTPUT_JSON) {
                fputc('[', stdout);
                for (size_t i = 0; i < n; i++) {
                        fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
                        json_string(stdout, v[i].name);
                        fputs(",\"type\":", stdout);
                        json_string(stdout, v[i].type);
                        fputs(",\"message\":", stdout);
                        json_string(stdout, v[i].message);
                        printf(",\"enabled\":%s", v[i].enabled ? "true" : "false");
                        json_time(stdout, c->tz, "next_start", v[i].next_start);
                        json_time(stdout, c->tz, "next_end", v[i].next_end);
                        fputc('}', stdout);
                }
                fputs("]\n", stdout);
                return 0;
        }
        if (n == 0) {
                printf("No entries.\n");
                return 0;
        }
        if (c->long_list && bus_get_entries(bus, &entries, &n_entries) < 0)
                return EXIT_REFUSED;

        /* Every cell first, escaped, so the widths are those printed. */
        char **cells = calloc(n * 5, sizeof(char *));
        if (!cells) {
                entries_free(entries, n_entries);
                return EXIT_REFUSED;
        }
        for (size_t i = 0; i < n; i++) {
                char next[2 * TIME_TEXT_MAX];
                const Entry *e = NULL;

                list_next_text(c, &v[i], next);
                for (size_t k = 0; k < n_entries && !e; k++)
                        if (streq(entries[k].name, v[i].name))
                                e = &entries[k];
                cells[i * 5] = text_escape(v[i].name);
                cells[i * 5 + 1] = text_escape(v[i].type);
                cells[i * 5 + 2] = strdup(next);
                cells[i * 5 + 3] = c->long_list ? (e ? entry_rule_text(e) : strdup("?")) : strdup("");
                cells[i * 5 + 4] = text_escape(v[i].message);
                for (size_t k = 0; k < 5; k++)
                        if (!cells[i * 5 + k]) {
                                r = -ENOMEM;
                                goto finish;
                        }
                wname = MAX(wname, text_columns(cells[i * 5]));
                wtype = MAX(wtype, text_columns(cells[i * 5 + 1]));
                wnext = MAX(wnext, text_columns(cells[i * 5 + 2]));
                wrule = MAX(wrule, text_columns(cells[i * 5 + 3]));
        }
        cell("NAME", wname);
        cell("TYPE", wtype);
        cell("NEXT", wnext);
        if (c->long_list)
                cell("RULE", wrule);
        puts("MESSAGE");
        for (size_t i = 0; i < n; i++) {
                cell(cells[i * 5], wname);
                cell(cells[i * 5 + 1], wtype);
                cell(cells[i * 5 + 2], wnext);
                if (c->long_list)
                        cell(cells[i * 5 + 3], wrule);
                puts(cells[i * 5 + 4]);
        }
        r = 0;
finish:
        for (size_t i = 0; i < n * 5; i++)
                free(cells[i]);
        free(cells);
        entries_free(entries, n_entries);
        if (r < 0) {
                fprintf(stderr, "Failed to show the entries: %s\n", strerror(-r));
                return EXIT_REFUSED;
        }
        return 0;
}

/* ---- agenda ---- */

typedef struct Event {
        char *entry, *type, *event;
        usec_t time;
} Event;

static void events_free(Event *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].entry);
                free(v[i].type);
                free(v[i].event);
        }
        free(v);
}

/* Appends the events of one reply (copies: the reply goes before the agenda is printed). */
static int read_events(sd_bus_message *reply, Event **v, size_t *n) {
        const char *entry, *type, *event;
        usec_t t;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(ssst)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssst)", &entry, &type, &event, &t)) > 0) {
                Event *nv = *v;
                if ((*n & (*n - 1)) == 0) { /* at 0, 1, 2, 4, …: room for as many again */
                        nv = realloc(*v, sizeof(Event) * (*n ? 2 * *n : 1));
                        if (!nv)
                                return -ENOMEM;
                }
                *v = nv;
                nv[*n] = (Event) { .entry = strdup(entry), .type = strdup(type), .event = strdup(event), .time = t };
                (*n)++;
                if (!nv[*n - 1].entry || !nv[*n - 1].type || !nv[*n - 1].event)
                        return -ENOMEM;
        }
        return r;
}

/* Every event in [from, to), through as many Upcoming calls as the daemon's limits need: it
 * refuses a range over a year or one that holds over 100000 events. The pieces are half-open and
 * add up to the whole. */
#define UPCOMING_PAGE (180 * USEC_PER_DAY)
static int fetch_events(sd_bus *bus, usec_t from, usec_t to, Event **ret, size_t *ret_n) {
        Event *v = NULL;
        size_t n = 0;
        usec_t page = UPCOMING_PAGE;
        int r = 0;

        for (usec_t a = from; a < to;) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                usec_t b = a + MIN(to - a, page);

                r = bus_call_quiet(bus, "Upcoming", &error, &reply, "tt", a, b);
                if (r < 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_LIMITS_EXCEEDED) && page > USEC_PER_DAY) {
                        page /= 2; /* a dense schedule: smaller pieces */
                        continue;
                }
                if (r < 0) {
                        r = bus_log_error(&error, r);
                        break;
                }
                r = read_events(reply, &v, &n);
                if (r < 0)
                        break;
                a = b;
        }
        if (r < 0) {
                events_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int cmp_item_name(const void *a, const void *b) {
        return strcmp(((const ListItem *) a)->name, ((const ListItem *) b)->name);
}

static int cmp_name_item(const void *key, const void *b) {
        return strcmp(key, ((const ListItem *) b)->name);
}

/* l sorted by name (cmp_item_name). */
static const char *message_of(const ListItem *l, size_t n, const char *entry) {
        const ListItem *x = n > 0 ? bsearch(entry, l, n, sizeof(ListItem), cmp_name_item) : NULL;
        return x ? x->message : "";
}

typedef struct ByEntry {
        const char *entry;
        size_t i;
} ByEntry;

static int cmp_by_entry(const void *a, const void *b) {
        const ByEntry *x = a, *y = b;
        int c = strcmp(x->entry, y->entry);
        return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/* For each event: an end, whether a start of its entry comes before it; a start, the time of the
 * first end of its entry after it (0: none). Each entry's events in turn: scanning all the events
 * before an end and after a start was events² (a week of 4096 entries: 10 G instructions). */
static int pair_events(const Event *ev, size_t n, bool **ret_started, usec_t **ret_end) {
        _cleanup_free_ ByEntry *by = malloc(sizeof(ByEntry) * (n + 1));
        _cleanup_free_ bool *started = calloc(n + 1, sizeof(bool));
        _cleanup_free_ usec_t *end = calloc(n + 1, sizeof(usec_t));

        if (!by || !started || !end)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                by[i] = (ByEntry) { ev[i].entry, i };
        if (n > 1)
                qsort(by, n, sizeof(ByEntry), cmp_by_entry);
        for (size_t a = 0, b; a < n; a = b) {
                bool seen_start = false;
                usec_t next_end = 0;

                for (b = a; b < n && streq(by[b].entry, by[a].entry); b++) {
                        const Event *e = &ev[by[b].i];
                        if (streq(e->event, "end"))
                                started[by[b].i] = seen_start;
                        else if (streq(e->event, "start"))
                                seen_start = true;
                }
                for (size_t k = b; k > a; k--) {
                        const Event *e = &ev[by[k - 1].i];
                        if (streq(e->event, "end"))
                                next_end = e->time;
                        else if (streq(e->event, "start"))
                                end[by[k - 1].i] = next_end;
                }
        }
        *ret_started = TAKE_PTR(started);
        *ret_end = TAKE_PTR(end);
        return 0;
}

static int agenda_show(Ctl *c, sd_bus *bus, const Event *ev, size_t n, usec_t from, usec_t to, int64_t today,
                       unsigned days) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *list = NULL;
        _cleanup_free_ ListItem *items = NULL;
        _cleanup_free_ bool *started_before = NULL;
        _cleanup_free_ usec_t *end_after = NULL;
        int64_t last_day = INT64_MIN;
        size_t n_items = 0;
        int r = 0;

        if (c->format != OUTPUT_JSON) {
                r = bus_call(bus, "ListEntries", &list, NULL);
                if (r < 0)
                        return EXIT_REFUSED;
                r = list_read(list, &items, &n_items);
                if (r >= 0 && n_items > 1)
                        qsort(items, n_items, sizeof(ListItem), cmp_item_name);
                if (r >= 0)
                        r = pair_events(ev, n, &started_before, &end_after);
        }
        if (r < 0) {
                fprintf(stderr, "Failed to read the agenda: %s\n", strerror(-r));
                return EXIT_REFUSED;
        }

        if (c->format == OUTPUT_JSON) {
                bool first = true;
                fputc('[', stdout);
                for (size_t i = 0; i < n; i++) {
                        if (ev[i].time >= to)
                                continue;
                        fputs(first ? "{\"entry\":" : ",{\"entry\":", stdout);
                        first = false;
                        json_string(stdout, ev[i].entry);
                        fputs(",\"type\":", stdout);
                        json_string(stdout, ev[i].type);
                        fputs(",\"event\":", stdout);
                        json_string(stdout, ev[i].event);
                        json_time(stdout, c->tz, "time", ev[i].time);
                        fputc('}', stdout);
                }
                fputs("]\n", stdout);
                return 0;
        }

        bool any = false;
        for (size_t i = 0; i < n; i++) {
                char a[TIME_TEXT_MAX], b[TIME_TEXT_MAX], when[2 * TIME_TEXT_MAX + 8], dt[32];
                const char *entry = *ev[i].entry ? ev[i].entry : "manual";
                usec_t start = ev[i].time, end = 0;
                int64_t day;

                if (streq(ev[i].event, "end")) {
                        /* an end whose start is before the range: the block on now */
                        if (started_before[i] || ev[i].time >= to)
                                continue;
                        start = from;
                        end = ev[i].time;
                } else if (streq(ev[i].event, "start")) {
                        if (start >= to)
                                continue;
                        end = end_after[i];
                } else if (start >= to)
                        continue;

                day = day_of(c, start);
                if (day != last_day) {
                        printf("%s%s%s\n", any ? "\n" : "", day_text(day, dt),
                               day == today ? " (today)" : day == today + 1 ? " (tomorrow)" : "");
                        last_day = day;
                }
                any = true;
                if (streq(ev[i].event, "end"))
                        snprintf(when, sizeof when, "now–%s", format_clock(c->tz, end, b));
                else if (streq(ev[i].event, "start"))
                        snprintf(when, sizeof when, "%s–%s%s", format_clock(c->tz, start, a),
                                 end ? format_clock(c->tz, end, b) : "…",
                                 end && day_of(c, end) != day ? " +1d" : "");
                else
                        snprintf(when, sizeof when, "%s", format_clock(c->tz, start, a));
                /* the dash is one column but three bytes */
                _cleanup_free_ char *e = text_escape(entry), *m = NULL;
                if (streq(ev[i].event, "heads-up"))
                        m = strdup("heads-up");
                else
                        m = text_escape(message_of(items, n_items, ev[i].entry));
                printf("  %-*s  %-10s %s\n", 15 + (strstr(when, "–") ? 2 : 0) + (strstr(when, "…") ? 2 : 0), when,
                       e ?: "", m ?: "");
        }
        if (!any)
                printf("Nothing planned in the next %u day%s.\n", days, days == 1 ? "" : "s");
        return 0;
}

int verb_agenda(Ctl *c, int argc, char **argv) {
        unsigned days = c->days_set ? c->days : AGENDA_DEFAULT_DAYS;
        Event *ev = NULL;
        size_t n = 0;
        int64_t today;
        usec_t from, to;
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return EXIT_REFUSED;
        if (ctl_tz(c) < 0)
                return EXIT_REFUSED;
        from = c->out.now;
        today = day_of(c, from);
        to = (usec_t) tz_from_local(c->tz, (today + days) * 86400) * USEC_PER_SEC;

        /* Two days more, to find the ends of blocks that start inside the range. */
        r = fetch_events(bus, from, to + 2 * USEC_PER_DAY, &ev, &n);
        if (r < 0)
                return EXIT_REFUSED;
        r = agenda_show(c, bus, ev, n, from, to, today, days);
        events_free(ev, n);
        return r;
}

/* ---- stats ---- */

typedef struct Stats {
        usec_t since, until, planned, kept, manual_kept, away, away_of;
        uint32_t completed, stopped, skipped, missed, manual, reminders_shown, reminders_done, reminders_missed, streak,
                 strength, arrived;
} Stats;

static const struct {
        const char *name;
        char type;
        size_t offset;
} stats_fields[] = {
        { "Since", 't', offsetof(Stats, since) },
        { "Until", 't', offsetof(Stats, until) },
        { "Planned", 't', offsetof(Stats, planned) },
        { "Kept", 't', offsetof(Stats, kept) },
        { "Completed", 'u', offsetof(Stats, completed) },
        { "Stopped", 'u', offsetof(Stats, stopped) },
        { "Skipped", 'u', offsetof(Stats, skipped) },
        { "Missed", 'u', offsetof(Stats, missed) },
        { "RemindersShown", 'u', offsetof(Stats, reminders_shown) },
        { "RemindersDone", 'u', offsetof(Stats, reminders_done) },
        { "RemindersMissed", 'u', offsetof(Stats, reminders_missed) },
        { "Manual", 'u', offsetof(Stats, manual) },
        { "ManualKept", 't', offsetof(Stats, manual_kept) },
        { "Streak", 'u', offsetof(Stats, streak) },
        { "Away", 't', offsetof(Stats, away) },
        { "AwayOf", 't', offsetof(Stats, away_of) },
        { "Strength", 'u', offsetof(Stats, strength) },
        { "Arrived", 'u', offsetof(Stats, arrived) },
};

typedef struct DayStats {
        int64_t day;
        Stats s;
} DayStats;

/* Where one a{sv} of stats goes: the figures; for a day, its Date; for the window, its Days. */
typedef struct StatsDest {
        Stats *s;
        int64_t *day;
        DayStats **days;
        size_t *n_days;
} StatsDest;

static int stats_field(sd_bus_message *m, const char *key, void *userdata);

/* One a{sv} of stats: the keys of stats_fields, others skipped; a day's "Date" is YYYY-MM-DD. */
static int read_stats_dict(sd_bus_message *m, Stats *s, int64_t *ret_day) {
        return bus_read_dict(m, stats_field, &(StatsDest) { .s = s, .day = ret_day });
}

/* Days: an aa{sv}, a day each, the first CHART_DAYS_MAX kept. */
static int read_days(sd_bus_message *m, StatsDest *d) {
        int r;

        r = sd_bus_message_enter_container(m, 'v', "aa{sv}");
        if (r == -ENXIO)
                return sd_bus_message_skip(m, "v"); /* a type we do not know */
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "a{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_at_end(m, false)) == 0) {
                DayStats *v;

                if (*d->n_days >= CHART_DAYS_MAX) {
                        r = sd_bus_message_skip(m, "a{sv}");
                        if (r < 0)
                                return r;
                        continue;
                }
                v = reallocarray(*d->days, *d->n_days + 1, sizeof(DayStats));
                if (!v)
                        return -ENOMEM;
                *d->days = v;
                v[*d->n_days] = (DayStats) {};
                r = read_stats_dict(m, &v[*d->n_days].s, &v[*d->n_days].day);
                if (r < 0)
                        return r;
                (*d->n_days)++;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int stats_field(sd_bus_message *m, const char *key, void *userdata) {
        StatsDest *d = userdata;

        for (size_t i = 0; i < ELEMENTSOF(stats_fields); i++)
                if (streq(key, stats_fields[i].name))
                        return bus_read_variant(m, stats_fields[i].type, (uint8_t *) d->s + stats_fields[i].offset);
        if (d->day && streq(key, "Date")) {
                _cleanup_free_ char *date = NULL;
                int64_t y;
                unsigned mo, day;
                int r;

                r = bus_read_variant(m, 's', &date);
                if (r >= 0 && date && sscanf(date, "%" SCNd64 "-%u-%u", &y, &mo, &day) == 3)
                        *d->day = days_from_civil(y, mo, day);
                return r;
        }
        if (d->days && streq(key, "Days"))
                return read_days(m, d);
        return sd_bus_message_skip(m, "v");
}

/* One call: the window's figures and its last days (Days), which a daemon before them lacks. */
static int get_stats(sd_bus *bus, usec_t since, Stats *ret, DayStats **ret_days, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ DayStats *days = NULL;
        size_t n = 0;
        Stats s = {};
        int r;

        r = bus_call(bus, "GetStats", &reply, "t", since);
        if (r < 0)
                return r;
        r = bus_read_dict(reply, stats_field, &(StatsDest) { .s = &s, .days = &days, .n_days = &n });
        if (r < 0) {
                fprintf(stderr, "Failed to read the stats: %s\n", strerror(-r));
                return r;
        }
        *ret = s;
        *ret_days = TAKE_PTR(days);
        *ret_n = n;
        return 0;
}

/* A bar of CHART_WIDTH cells: kept in full blocks (eighths at the edge), the rest of planned in ░. */
static void chart_bar(FILE *f, usec_t kept, usec_t planned, usec_t scale) {
        static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
        unsigned k8 = scale ? (unsigned) (kept * CHART_WIDTH * 8 / scale) : 0;
        unsigned p = scale ? (unsigned) ((planned * CHART_WIDTH + scale - 1) / scale) : 0, cells = 0;

        for (unsigned i = 0; i < k8 / 8; i++, cells++)
                fputs("█", f);
        if (k8 % 8) {
                fputs(eighths[k8 % 8], f);
                cells++;
        }
        for (; cells < p; cells++)
                fputs("░", f);
        for (; cells < CHART_WIDTH; cells++)
                fputc(' ', f);
}

static void stats_json(const Ctl *c, const Stats *s, const DayStats *d, size_t nd) {
        char date[16];

        printf("{\"planned_usec\":%" PRIu64 ",\"kept_usec\":%" PRIu64, s->planned, s->kept);
        json_time(stdout, c->tz, "since", s->since);
        json_time(stdout, c->tz, "until", s->until);
        printf(",\"completed\":%u,\"stopped\":%u,\"skipped\":%u,\"missed\":%u,\"manual\":%u,\"manual_kept_usec\":%" PRIu64
               ",\"reminders_shown\":%u,\"reminders_done\":%u,\"reminders_missed\":%u,\"streak\":%u",
               s->completed, s->stopped, s->skipped, s->missed, s->manual, s->manual_kept, s->reminders_shown,
               s->reminders_done, s->reminders_missed, s->streak);
        printf(",\"strength_permille\":%u,\"away_usec\":%" PRIu64 ",\"away_of_usec\":%" PRIu64
               ",\"arrived\":%u,\"days\":[",
               s->strength, s->away, s->away_of, s->arrived);
        for (size_t i = 0; i < nd; i++)
                printf("%s{\"date\":\"%s\",\"planned_usec\":%" PRIu64 ",\"kept_usec\":%" PRIu64
                       ",\"completed\":%u,\"stopped\":%u,\"skipped\":%u,\"missed\":%u,\"reminders_done\":%u"
                       ",\"away_usec\":%" PRIu64 ",\"away_of_usec\":%" PRIu64 ",\"arrived\":%u}",
                       i ? "," : "", date_text(d[i].day, date), d[i].s.planned, d[i].s.kept, d[i].s.completed,
                       d[i].s.stopped, d[i].s.skipped, d[i].s.missed, d[i].s.reminders_done, d[i].s.away,
                       d[i].s.away_of, d[i].s.arrived);
        fputs("]}\n", stdout);
}

static void stats_human(const Ctl *c, usec_t span, const Stats *s, const DayStats *d, size_t nd) {
        char a[TIME_TEXT_MAX], b[TIME_TEXT_MAX], dt[32], sp[SPAN_MAX];
        usec_t scale = 0;

        printf("Since %s (%s)\n", format_local_time(&c->out, s->since, a), span_format(span, sp));
        printf("  Recharge time  %s kept of %s planned", format_duration(s->kept, a), format_duration(s->planned, b));
        /* Rounded down: never more kept than was. */
        if (s->planned)
                printf(" (%" PRIu64 "%%)", MIN(s->kept, s->planned) * 100 / s->planned);
        printf("\n  Blocks         %u completed, %u stopped early, %u skipped, %u missed\n", s->completed, s->stopped,
               s->skipped, s->missed);
        if (s->manual || s->manual_kept)
                printf("  Manual         %u recharge%s, %s\n", s->manual, s->manual == 1 ? "" : "s",
                       format_duration(s->manual_kept, a));
        printf("  Reminders      %u done of %u shown", s->reminders_done, s->reminders_shown);
        if (s->reminders_missed)
                printf(", %u missed", s->reminders_missed);
        putchar('\n');
        printf("  Streak         %u day%s\n", s->streak, s->streak == 1 ? "" : "s");
        printf("  Strength       %u %%\n", (s->strength + 5) / 10);
        /* Only where logind told the daemon: the figure is known for those blocks alone. */
        if (s->away_of > 0)
                printf("  Away           away from the screen %" PRIu64 " of %" PRIu64 " min\n",
                       (uint64_t) (s->away / USEC_PER_MINUTE), (uint64_t) (s->away_of / USEC_PER_MINUTE));
        /* Counts only: what other apps sent while a dnd recharge held it (the digest). */
        if (s->arrived > 0)
                printf("  While recharging: %u notification%s held\n", s->arrived, s->arrived == 1 ? "" : "s");

        if (nd == 0)
                return;
        for (size_t i = 0; i < nd; i++)
                scale = MAX(scale, MAX(d[i].s.kept, d[i].s.planned));
        printf("\n  %-10s  %-*s  kept / planned   (█ kept, ░ planned)\n", "", CHART_WIDTH, "");
        for (size_t i = 0; i < nd; i++) {
                printf("  %s  ", day_text(d[i].day, dt));
                chart_bar(stdout, d[i].s.kept, d[i].s.planned, scale);
                printf("  %s / %s", format_duration(d[i].s.kept, a), format_duration(d[i].s.planned, b));
                if (d[i].s.away_of > 0)
                        printf("  (away %" PRIu64 " of %" PRIu64 " min)", (uint64_t) (d[i].s.away / USEC_PER_MINUTE),
                               (uint64_t) (d[i].s.away_of / USEC_PER_MINUTE));
                if (d[i].s.arrived > 0)
                        printf("  (%u held)", d[i].s.arrived);
                putchar('\n');
        }
}

int verb_stats(Ctl *c, int argc, char **argv) {
        _cleanup_free_ DayStats *d = NULL;
        usec_t span = c->since ?: STATS_DEFAULT_SPAN, since;
        Stats total = {};
        size_t nd = 0;
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0 || ctl_tz(c) < 0)
                return EXIT_REFUSED;
        if (c->since_day_set) {
                int64_t t = tz_from_local(c->tz, c->since_day * 86400);
                if (t <= 0 || (usec_t) t * USEC_PER_SEC >= c->out.now) {
                        fprintf(stderr, "rechargectl: --since %s is in the future: there are no stats for it yet.\n",
                                date_text(c->since_day, (char[16]) {}));
                        return EXIT_USAGE;
                }
                since = (usec_t) t * USEC_PER_SEC;
                span = c->out.now - since;
        } else
                since = span >= c->out.now ? 1 : c->out.now - span;
        /* One call: the daemon sums its days itself (GetStats' Days, the last CHART_DAYS_MAX). */
        r = get_stats(bus, since, &total, &d, &nd);
        if (r < 0)
                return EXIT_REFUSED;

        if (c->format == OUTPUT_JSON)
                stats_json(c, &total, d, nd);
        else
                stats_human(c, span, &total, d, nd);
        return 0;
}
