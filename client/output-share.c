/* SPDX-License-Identifier: MIT */
/* output-share.c: recharged-share's state and the partner's alone time in rechargectl's formats,
 * pure over ShareStatus and the clock (the verbs and output.c call these). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "output.h"

int share_status_init(ShareStatus *s) {
        *s = (ShareStatus) {};
        char **fields[] = { &s->state, &s->last_error, &s->partner_name, &s->partner_mode };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (status_set_string(fields[i], "") < 0) {
                        share_status_done(s);
                        return -ENOMEM;
                }
        return 0;
}

void share_status_done(ShareStatus *s) {
        free(s->state);
        free(s->last_error);
        free(s->partner_name);
        free(s->partner_mode);
        *s = (ShareStatus) {};
}

static int64_t day_of(const OutputContext *c, usec_t t) {
        return local_day(tz_to_local(c->tz, (int64_t) (t / USEC_PER_SEC)));
}

char *format_day_word(const OutputContext *c, usec_t t, char buf[static TIME_TEXT_MAX]) {
        int64_t day, today, y;
        unsigned m, d;

        buf[0] = '\0';
        if (t == 0 || t == USEC_INFINITY)
                return buf;
        day = day_of(c, t);
        today = day_of(c, c->now);
        if (day == today)
                snprintf(buf, TIME_TEXT_MAX, "today");
        else if (day == today + 1)
                snprintf(buf, TIME_TEXT_MAX, "tomorrow");
        else if (day > today && day < today + 7)
                snprintf(buf, TIME_TEXT_MAX, "%s", weekday_to_string(weekday_from_days(day)));
        else {
                civil_from_days(day, &y, &m, &d);
                snprintf(buf, TIME_TEXT_MAX, "%04" PRId64 "-%02u-%02u", y, m, d);
        }
        return buf;
}

/* The age of a stale copy, in whole hours (whole days from two days on): it changes rarely, so a
 * bar that follows it wakes once an hour, not once a minute. */
static usec_t age_unit(usec_t age) {
        return age >= 2 * USEC_PER_DAY ? USEC_PER_DAY : USEC_PER_HOUR;
}

static bool partner_stale(const ShareStatus *s, usec_t now) {
        return s->partner_updated != 0 && now > s->partner_updated && now - s->partner_updated >= PARTNER_STALE_USEC;
}

char *partner_text(const ShareStatus *s, const OutputContext *c, bool escape) {
        char day[TIME_TEXT_MAX], clock[TIME_TEXT_MAX], day2[TIME_TEXT_MAX], clock2[TIME_TEXT_MAX];
        char *buf = NULL, *e;
        size_t n = 0;
        FILE *f;

        if (!share_has_partner(s))
                return NULL;
        f = open_memstream(&buf, &n);
        if (!f)
                return NULL;
        if (streq(s->partner_mode, "recharging")) {
                fprintf(f, "%s recharging", s->partner_name);
                if (s->partner_until != 0 && s->partner_until != USEC_INFINITY) {
                        format_day_word(c, s->partner_until, day);
                        format_clock(c->tz, s->partner_until, clock);
                        if (streq(day, "today"))
                                fprintf(f, " until %s", clock);
                        else
                                fprintf(f, " until %s %s", day, clock);
                }
        } else if (streq(s->partner_mode, "available") && s->partner_next_start != 0) {
                format_day_word(c, s->partner_next_start, day);
                format_clock(c->tz, s->partner_next_start, clock);
                fprintf(f, "%s's alone time: %s %s", s->partner_name, day, clock);
                if (s->partner_next_end > s->partner_next_start && s->partner_next_end != USEC_INFINITY) {
                        format_day_word(c, s->partner_next_end, day2);
                        format_clock(c->tz, s->partner_next_end, clock2);
                        /* the end's day only when it is another: "today 23:30–tomorrow 00:30" */
                        if (streq(day, day2))
                                fprintf(f, "–%s", clock2);
                        else
                                fprintf(f, "–%s %s", day2, clock2);
                }
        } else if (streq(s->partner_mode, "available"))
                fprintf(f, "%s available, no alone time planned", s->partner_name);
        else
                fprintf(f, "%s's alone time: not known", s->partner_name);

        if (s->partner_updated == 0 && !streq(s->partner_mode, "recharging") && !streq(s->partner_mode, "available"))
                fputs(" (their calendar has not been read yet)", f);
        else if (partner_stale(s, c->now)) {
                usec_t age = c->now - s->partner_updated, unit = age_unit(age);
                fprintf(f, " (last read %" PRIu64 "%s ago)", (uint64_t) (age / unit), unit == USEC_PER_DAY ? "d" : "h");
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        if (!escape)
                return buf;
        e = text_escape(buf);
        free(buf);
        return e;
}

char *share_problem_text(const ShareStatus *s, const OutputContext *c, bool escape) {
        char t[TIME_TEXT_MAX], rel[TIME_TEXT_MAX];
        _cleanup_free_ char *since = NULL;
        char *text = NULL, *e;
        int r;

        if (!s->online || streq(s->state, "disabled"))
                return NULL;
        if (s->last_sync != 0)
                r = asprintf(&since, "last up to date %s (%s)", format_local_time(c, s->last_sync, t),
                             format_relative(c->now, s->last_sync, rel));
        else
                r = asprintf(&since, "not up to date yet");
        if (r < 0)
                return NULL;
        if (streq(s->state, "offline"))
                r = asprintf(&text, "offline: %s; %s; it tries again by itself",
                             *s->last_error ? s->last_error : "the calendar server cannot be reached", since);
        else if (streq(s->state, "refused"))
                r = asprintf(&text, "refused: %s; fix that, then run: rechargectl share sync",
                             *s->last_error ? s->last_error : "the calendar server turned the calendar down");
        else if (*s->last_error)
                r = asprintf(&text, "%s", s->last_error);
        else
                return NULL;
        if (r < 0)
                return NULL;
        if (!escape)
                return text;
        e = text_escape(text);
        free(text);
        return e;
}

void json_share(FILE *f, const ShareStatus *s, const OutputContext *c) {
        if (!s->online) {
                fputs(",\"share\":null", f);
                return;
        }
        fputs(",\"share\":{\"state\":", f);
        json_string(f, s->state);
        json_time(f, c->tz, "last_sync", s->last_sync);
        fputs(",\"last_error\":", f);
        json_string(f, s->last_error);
        fprintf(f, ",\"published\":%" PRIu32 "}", s->published);
}

void json_partner(FILE *f, const ShareStatus *s, const OutputContext *c) {
        _cleanup_free_ char *text = NULL;

        if (!share_has_partner(s)) {
                fputs(",\"partner\":null", f);
                return;
        }
        text = partner_text(s, c, false);
        fputs(",\"partner\":{\"name\":", f);
        json_string(f, s->partner_name);
        fputs(",\"mode\":", f);
        json_string(f, *s->partner_mode ? s->partner_mode : "unknown");
        json_time(f, c->tz, "until", s->partner_until);
        json_time(f, c->tz, "next_start", s->partner_next_start);
        json_time(f, c->tz, "next_end", s->partner_next_end);
        json_time(f, c->tz, "updated", s->partner_updated);
        fprintf(f, ",\"stale\":%s,\"text\":", partner_stale(s, c->now) ? "true" : "false");
        json_string(f, text ?: "");
        fputc('}', f);
}

usec_t partner_next_refresh(const ShareStatus *s, const OutputContext *c) {
        usec_t next, age;

        if (!share_has_partner(s))
                return 0;
        /* "tomorrow 07:00" becomes "today 07:00" at the local midnight */
        next = output_next_midnight(c);
        if (s->partner_updated != 0 && s->partner_updated <= c->now) {
                usec_t at;
                age = c->now - s->partner_updated;
                if (age < PARTNER_STALE_USEC)
                        at = s->partner_updated + PARTNER_STALE_USEC;
                else
                        at = s->partner_updated + (age / age_unit(age) + 1) * age_unit(age);
                next = next ? MIN(next, at) : at;
        }
        return next;
}
