/* SPDX-License-Identifier: MIT */
/* output.c: the status in rechargectl's formats; each format is its own function over Status. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "output.h"
#include "status-template.h"

/*
 * `rechargectl status --json` (and each line of `watch --json`): one object on one line.
 * The keys are stable; new ones may be added. Times come twice: as ISO 8601 with the local
 * offset ("2026-11-24T07:45:00+01:00") and as microseconds since the epoch (key + "_usec");
 * a time that is not set is null in both, an unending one is "infinity" and null.
 *
 *   mode               "available", "recharging", "paused"; "offline" (watch only) when the
 *                      daemon is not running
 *   do_not_disturb     true while recharging with dnd on
 *   source             "schedule", "manual" or ""
 *   entry              the block recharging now, "" when manual or none
 *   since, since_usec  when the current recharge began
 *   until, until_usec  when it ends (null: open-ended or none)
 *   left_usec          time left of the current recharge or pause (null: none or unending)
 *   percentage         percentage of the current recharge elapsed (0 when open-ended or none)
 *   message            the current recharge's message
 *   status_text        the one line to share, from the config's `status` template
 *   next_entry         the entry of the next event ("" when nothing is planned)
 *   next_event         "heads-up", "start", "end", "reminder" or ""
 *   next_time, next_time_usec   when
 *   paused_until, paused_until_usec   while paused ("infinity": until resumed), a manual
 *                      recharge during a pause included
 *   time_zone          the daemon's zone ("Europe/Berlin")
 *   presence           "active", "idle", "locked" or "unknown"
 *   version            the daemon's version
 *   share              recharged-share's state, null when it does not answer: state ("idle",
 *                      "syncing", "offline", "refused", "disabled"), last_sync(_usec),
 *                      last_error, published
 *   partner            the partner followed, null when none: name, mode ("recharging",
 *                      "available", "unknown"), until(_usec), next_start(_usec),
 *                      next_end(_usec), updated(_usec), stale (older than an hour), text
 */

static const char *const color_mode[] = {
        "\033[1;32m", /* available */
        "\033[1;35m", /* recharging */
        "\033[1;33m", /* paused */
        "\033[1;31m", /* offline */
};
#define COLOR_OFF "\033[0m"
#define COLOR_DIM "\033[2m"

int status_set_string(char **field, const char *v) {
        char *c = strdup(v ?: "");
        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

int status_init(Status *s) {
        *s = (Status) {};
        char **fields[] = { &s->mode, &s->source, &s->entry, &s->message, &s->status_text,
                            &s->next_entry, &s->next_event, &s->time_zone, &s->presence, &s->version };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (status_set_string(fields[i], "") < 0) {
                        status_done(s);
                        return -ENOMEM;
                }
        if (share_status_init(&s->share) < 0) {
                status_done(s);
                return -ENOMEM;
        }
        return 0;
}

void status_done(Status *s) {
        free(s->mode);
        free(s->source);
        free(s->entry);
        free(s->message);
        free(s->status_text);
        free(s->next_entry);
        free(s->next_event);
        free(s->time_zone);
        free(s->presence);
        free(s->version);
        share_status_done(&s->share);
        *s = (Status) {};
}

bool output_want_color(void) {
        const char *e = getenv("NO_COLOR"), *term = getenv("TERM");

        if (e && *e)
                return false;
        if (term && streq(term, "dumb"))
                return false;
        return isatty(STDOUT_FILENO) > 0;
}

static const char *mode_of(const Status *s) {
        return s->online ? s->mode : "offline";
}

static const char *mode_color(const Status *s) {
        const char *m = mode_of(s);
        return streq(m, "available") ? color_mode[0] :
               streq(m, "recharging") ? color_mode[1] :
               streq(m, "paused") ? color_mode[2] : color_mode[3];
}

/* ---- times ---- */

static int64_t local_of(const Tz *tz, usec_t t) {
        return tz_to_local(tz, (int64_t) (t / USEC_PER_SEC));
}

char *format_clock(const Tz *tz, usec_t t, char buf[static TIME_TEXT_MAX]) {
        int64_t l, sec;

        if (t == 0 || t == USEC_INFINITY) {
                buf[0] = '\0';
                return buf;
        }
        l = local_of(tz, t);
        sec = l - local_day(l) * 86400;
        snprintf(buf, TIME_TEXT_MAX, "%02d:%02d", (int) (sec / 3600), (int) (sec / 60 % 60));
        return buf;
}

char *format_local_time(const OutputContext *c, usec_t t, char buf[static TIME_TEXT_MAX]) {
        int64_t l = local_of(c->tz, t), day = local_day(l), today = local_day(local_of(c->tz, c->now));
        char clock[TIME_TEXT_MAX];
        int64_t y;
        unsigned m, d;

        if (t == 0 || t == USEC_INFINITY) {
                buf[0] = '\0';
                return buf;
        }
        format_clock(c->tz, t, clock);
        if (day == today)
                snprintf(buf, TIME_TEXT_MAX, "%.8s", clock);
        else if (day > today && day < today + 7)
                snprintf(buf, TIME_TEXT_MAX, "%.3s %.8s", weekday_to_string(weekday_from_days(day)), clock);
        else {
                civil_from_days(day, &y, &m, &d);
                snprintf(buf, TIME_TEXT_MAX, "%04" PRId64 "-%02u-%02u %.8s", y, m, d, clock);
        }
        return buf;
}

char *format_duration(usec_t d, char buf[static TIME_TEXT_MAX]) {
        uint64_t min = d / USEC_PER_MINUTE, h = min / 60, days = h / 24;

        if (days >= 2)
                snprintf(buf, TIME_TEXT_MAX, h % 24 ? "%" PRIu64 "d %" PRIu64 "h" : "%" PRIu64 "d", days, h % 24);
        else if (h > 0)
                snprintf(buf, TIME_TEXT_MAX, min % 60 ? "%" PRIu64 "h %" PRIu64 "min" : "%" PRIu64 "h", h, min % 60);
        else if (min == 0 && d > 0)
                /* Under a minute is not "0 min": a 40-second block was 40 s. */
                snprintf(buf, TIME_TEXT_MAX, "%" PRIu64 " s", (uint64_t) (d / USEC_PER_SEC));
        else
                snprintf(buf, TIME_TEXT_MAX, "%" PRIu64 " min", min);
        return buf;
}

char *format_relative(usec_t now, usec_t t, char buf[static TIME_TEXT_MAX]) {
        char d[TIME_TEXT_MAX];

        if (t > now) {
                usec_t up = (t - now + USEC_PER_MINUTE - 1) / USEC_PER_MINUTE * USEC_PER_MINUTE;
                snprintf(buf, TIME_TEXT_MAX, "in %s", format_duration(up, d));
        } else if (now - t < USEC_PER_MINUTE)
                snprintf(buf, TIME_TEXT_MAX, "now");
        else
                snprintf(buf, TIME_TEXT_MAX, "%s ago", format_duration(now - t, d));
        return buf;
}

char *format_iso8601(const Tz *tz, usec_t t, char buf[static TIME_TEXT_MAX]) {
        int64_t secs = (int64_t) (t / USEC_PER_SEC), l, day, sec, y;
        int32_t off = tz_offset(tz, secs);
        unsigned m, d;
        int32_t a;

        l = secs + off;
        day = local_day(l);
        sec = l - day * 86400;
        civil_from_days(day, &y, &m, &d);
        a = off < 0 ? -off : off;
        if (a % 60)
                snprintf(buf, TIME_TEXT_MAX, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%c%02d:%02d:%02d", y, m, d,
                         (int) (sec / 3600), (int) (sec / 60 % 60), (int) (sec % 60), off < 0 ? '-' : '+',
                         (int) (a / 3600), (int) (a / 60 % 60), (int) (a % 60));
        else
                snprintf(buf, TIME_TEXT_MAX, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", y, m, d,
                         (int) (sec / 3600), (int) (sec / 60 % 60), (int) (sec % 60), off < 0 ? '-' : '+',
                         (int) (a / 3600), (int) (a / 60 % 60));
        return buf;
}

char *format_left(usec_t now, usec_t t, char buf[static SPAN_MAX]) {
        buf[0] = '\0';
        if (t == 0 || t == USEC_INFINITY || t <= now)
                return buf;
        return span_format((t - now + USEC_PER_MINUTE - 1) / USEC_PER_MINUTE * USEC_PER_MINUTE, buf);
}

const char *month_name(unsigned m) {
        static const char *const names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        return m >= 1 && m <= 12 ? names[m - 1] : "?";
}

char *format_day_time(const OutputContext *c, usec_t t, char buf[static TIME_TEXT_MAX]) {
        int64_t day = local_day(local_of(c->tz, t)), y;
        char clock[TIME_TEXT_MAX];
        unsigned m, d;

        if (t == 0 || t == USEC_INFINITY) {
                buf[0] = '\0';
                return buf;
        }
        civil_from_days(day, &y, &m, &d);
        snprintf(buf, TIME_TEXT_MAX, "%.3s %u %.3s %.8s", weekday_to_string(weekday_from_days(day)), d,
                 month_name(m), format_clock(c->tz, t, clock));
        return buf;
}

/* ---- text from others: messages, entry names, status lines ---- */

/* Length of the valid UTF-8 sequence at p (1–4), 0 if invalid; *ret_cp gets the code point. */
static size_t utf8_seq(const unsigned char *p, uint32_t *ret_cp) {
        uint32_t cp;
        size_t n;

        if (p[0] < 0x80) {
                *ret_cp = p[0];
                return 1;
        }
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 2, cp = p[0] & 0x1f;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                n = 3, cp = p[0] & 0x0f;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                n = 4, cp = p[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (p[i] & 0x3f);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return n;
}

void fputs_escaped(const char *s, FILE *f) {
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p;) {
                uint32_t cp;
                size_t n = utf8_seq(p, &cp);

                if (n == 0) {
                        fprintf(f, "\\x%02x", *p);
                        p++;
                        continue;
                }
                if (cp == '\n')
                        fputs("\\n", f);
                else if (cp == '\r')
                        fputs("\\r", f);
                else if ((cp < 0x20 && cp != '\t') || cp == 0x7f)
                        fprintf(f, "\\x%02x", (unsigned) cp);
                else if (cp >= 0x80 && cp <= 0x9f)
                        fprintf(f, "\\u%04x", (unsigned) cp);
                else
                        fwrite(p, 1, n, f);
                p += n;
        }
}

char *text_escape(const char *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fputs_escaped(s, f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* ---- what counts down ---- */

static usec_t countdown_end(const Status *s) {
        if (!s->online)
                return 0;
        if (streq(s->mode, "recharging"))
                return s->until;
        if (streq(s->mode, "paused") && s->paused_until != USEC_INFINITY)
                return s->paused_until;
        return 0;
}

bool status_counts_down(const Status *s, usec_t now) {
        usec_t e = countdown_end(s);
        return e != 0 && e > now;
}

usec_t status_next_refresh(const Status *s, usec_t now) {
        usec_t e = countdown_end(s), left;

        if (e == 0 || e <= now)
                return 0;
        left = e - now;
        /* The minutes shown are rounded up: they change when the time left crosses a whole minute. */
        return now + (left % USEC_PER_MINUTE ?: USEC_PER_MINUTE);
}

usec_t output_next_midnight(const OutputContext *c) {
        int64_t day = local_day(local_of(c->tz, c->now));
        usec_t m = (usec_t) tz_from_local(c->tz, (day + 1) * 86400) * USEC_PER_SEC;

        return m > c->now ? m : 0;
}

unsigned status_percentage(const Status *s, usec_t now) {
        if (!s->online || !streq(s->mode, "recharging") || s->until == 0 || s->until <= s->since)
                return 0;
        if (now <= s->since)
                return 0;
        if (now >= s->until)
                return 100;
        return (unsigned) ((now - s->since) * 100 / (s->until - s->since));
}

/* ---- JSON ---- */

void json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p;) {
                uint32_t cp;
                size_t n = utf8_seq(p, &cp);

                if (n == 0) {
                        /* not UTF-8: JSON must be, so the replacement character */
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                switch (cp) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
                                fprintf(f, "\\u%04x", (unsigned) cp);
                        else
                                fwrite(p, 1, n, f);
                }
                p += n;
        }
        fputc('"', f);
}

void json_time(FILE *f, const Tz *tz, const char *key, usec_t t) {
        char buf[TIME_TEXT_MAX];

        if (t == 0)
                fprintf(f, ",\"%s\":null,\"%s_usec\":null", key, key);
        else if (t == USEC_INFINITY)
                fprintf(f, ",\"%s\":\"infinity\",\"%s_usec\":null", key, key);
        else
                fprintf(f, ",\"%s\":\"%s\",\"%s_usec\":%" PRIu64, key, format_iso8601(tz, t, buf), key, t);
}

void output_json(FILE *f, const Status *s, const OutputContext *c) {
        usec_t e = countdown_end(s);

        fputs("{\"mode\":", f);
        json_string(f, mode_of(s));
        fprintf(f, ",\"do_not_disturb\":%s,\"source\":", s->dnd ? "true" : "false");
        json_string(f, s->source);
        fputs(",\"entry\":", f);
        json_string(f, s->entry);
        json_time(f, c->tz, "since", s->since);
        json_time(f, c->tz, "until", s->until);
        if (e != 0 && e > c->now)
                fprintf(f, ",\"left_usec\":%" PRIu64, e - c->now);
        else
                fputs(",\"left_usec\":null", f);
        fprintf(f, ",\"percentage\":%u,\"message\":", status_percentage(s, c->now));
        json_string(f, s->message);
        fputs(",\"status_text\":", f);
        json_string(f, s->status_text);
        fputs(",\"next_entry\":", f);
        json_string(f, s->next_entry);
        fputs(",\"next_event\":", f);
        json_string(f, s->next_event);
        json_time(f, c->tz, "next_time", s->next_event_time);
        json_time(f, c->tz, "paused_until", s->paused_until);
        fputs(",\"time_zone\":", f);
        json_string(f, s->time_zone);
        fputs(",\"presence\":", f);
        json_string(f, *s->presence ? s->presence : "unknown");
        fputs(",\"version\":", f);
        json_string(f, s->version);
        json_share(f, &s->share, c);
        json_partner(f, &s->share, c);
        fputs("}\n", f);
}

/* ---- human ---- */

/* "morning starts Wed 07:00", "heads-up for morning 06:50", "stretch reminder 09:00". */
void output_next_phrase(FILE *f, const Status *s, const OutputContext *c, bool relative) {
        char t[TIME_TEXT_MAX], rel[TIME_TEXT_MAX];
        _cleanup_free_ char *entry = text_escape(*s->next_entry ? s->next_entry : "the manual recharge");
        _cleanup_free_ char *event = text_escape(s->next_event);

        format_local_time(c, s->next_event_time, t);
        if (streq(s->next_event, "heads-up"))
                fprintf(f, "heads-up for %s %s", entry ?: "", t);
        else if (streq(s->next_event, "start"))
                fprintf(f, "%s starts %s", entry ?: "", t);
        else if (streq(s->next_event, "end"))
                fprintf(f, "%s ends %s", entry ?: "", t);
        else if (streq(s->next_event, "reminder"))
                fprintf(f, "%s reminder %s", entry ?: "", t);
        else
                fprintf(f, "%s %s %s", entry ?: "", event ?: "", t);
        if (relative)
                fprintf(f, " (%s)", format_relative(c->now, s->next_event_time, rel));
}

static void label(FILE *f, const char *l) {
        fprintf(f, "%8s: ", l);
}

/* The partner, and sharing when it is not well: "Partner: …" and "Sharing: …", as lines of the
 * human format or (tooltip) as more lines of waybar's tooltip; nothing when there is nothing to say. */
static void output_share_lines(FILE *f, const Status *s, const OutputContext *c, bool tooltip) {
        _cleanup_free_ char *partner = partner_text(&s->share, c, true);
        _cleanup_free_ char *problem = share_problem_text(&s->share, c, true);

        if (partner) {
                if (tooltip)
                        fprintf(f, "\nPartner: %s", partner);
                else {
                        label(f, "Partner");
                        fprintf(f, "%s\n", partner);
                }
        }
        if (problem) {
                if (tooltip)
                        fprintf(f, "\nSharing: %s", problem);
                else {
                        label(f, "Sharing");
                        fprintf(f, "%s\n", problem);
                }
        }
}

void output_human(FILE *f, const Status *s, const OutputContext *c) {
        char t[TIME_TEXT_MAX], rel[TIME_TEXT_MAX];
        const char *on = c->color ? mode_color(s) : "", *off = c->color ? COLOR_OFF : "";

        if (!s->online) {
                fprintf(f, "recharged is not running; start it with: systemctl --user start recharged\n");
                return;
        }
        label(f, "Mode");
        fputs(on, f);
        fputs_escaped(s->mode, f);
        fputs(off, f);
        if (s->dnd)
                fputs(", do not disturb", f);
        fputc('\n', f);

        if (streq(s->mode, "recharging")) {
                label(f, "Source");
                fputs_escaped(*s->entry ? s->entry : s->source, f);
                if (*s->entry) {
                        fputs(" (", f);
                        fputs_escaped(s->source, f);
                        fputc(')', f);
                }
                fputc('\n', f);
                label(f, "Until");
                if (s->until)
                        fprintf(f, "%s (%s)\n", format_local_time(c, s->until, t), format_relative(c->now, s->until, rel));
                else
                        fputs("you stop it\n", f);
                label(f, "Since");
                fprintf(f, "%s (%s)\n", format_local_time(c, s->since, t), format_relative(c->now, s->since, rel));
                if (*s->message) {
                        label(f, "Message");
                        fputs_escaped(s->message, f);
                        fputc('\n', f);
                }
                if (*s->status_text) {
                        label(f, "Status");
                        fputs_escaped(s->status_text, f);
                        fputc('\n', f);
                }
                if (s->paused_until) {
                        /* A manual recharge during a pause: the pause is still there. */
                        label(f, "Paused");
                        if (s->paused_until == USEC_INFINITY)
                                fputs("the schedule, until you resume\n", f);
                        else
                                fprintf(f, "the schedule, until %s (%s)\n", format_local_time(c, s->paused_until, t),
                                        format_relative(c->now, s->paused_until, rel));
                }
        } else if (streq(s->mode, "paused")) {
                label(f, "Until");
                if (s->paused_until == USEC_INFINITY)
                        fputs("you resume\n", f);
                else
                        fprintf(f, "%s (%s)\n", format_local_time(c, s->paused_until, t),
                                format_relative(c->now, s->paused_until, rel));
        }
        label(f, "Next");
        if (*s->next_event && s->next_event_time) {
                output_next_phrase(f, s, c, true);
                fputc('\n', f);
        } else
                fputs("nothing planned\n", f);
        output_share_lines(f, s, c, false);
}

void output_human_line(FILE *f, const Status *s, const OutputContext *c) {
        char t[TIME_TEXT_MAX], rel[TIME_TEXT_MAX];
        const char *on = c->color ? mode_color(s) : "", *off = c->color ? COLOR_OFF : "";

        if (!s->online) {
                fprintf(f, "%soffline%s: recharged is not running\n", on, off);
                return;
        }
        fputs(on, f);
        fputs_escaped(s->mode, f);
        fputs(off, f);
        if (streq(s->mode, "recharging")) {
                if (s->until)
                        fprintf(f, " until %s (%s)", format_local_time(c, s->until, t),
                                format_relative(c->now, s->until, rel));
                else
                        fputs(" until you stop it", f);
                if (*s->entry) {
                        fputs(" [", f);
                        fputs_escaped(s->entry, f);
                        fputc(']', f);
                }
                if (*s->message) {
                        fputs(": ", f);
                        fputs_escaped(s->message, f);
                }
                if (s->paused_until)
                        fputs(" (schedule paused)", f);
        } else if (streq(s->mode, "paused")) {
                if (s->paused_until == USEC_INFINITY)
                        fputs(" until you resume", f);
                else
                        fprintf(f, " until %s (%s)", format_local_time(c, s->paused_until, t),
                                format_relative(c->now, s->paused_until, rel));
        } else if (*s->next_event && s->next_event_time) {
                fputs(", next: ", f);
                output_next_phrase(f, s, c, false);
        }
        /* one line for watch: the partner and a sharing problem after a ';' */
        _cleanup_free_ char *partner = partner_text(&s->share, c, true);
        _cleanup_free_ char *problem = share_problem_text(&s->share, c, true);
        if (partner)
                fprintf(f, "; %s", partner);
        if (problem)
                fprintf(f, "; sharing %s", problem);
        fputc('\n', f);
}

/* ---- waybar ---- */

void output_waybar(FILE *f, const Status *s, const OutputContext *c) {
        _cleanup_free_ char *text = NULL, *tooltip = NULL;
        char t[TIME_TEXT_MAX], rel[TIME_TEXT_MAX];
        size_t n = 0;
        FILE *tt;

        if (!s->online) {
                fputs("{\"text\":\"Offline\",\"alt\":\"offline\",\"tooltip\":", f);
                json_string(f, c->offline_reason ?: "recharged is not running; start it with: systemctl --user start recharged");
                fputs(",\"class\":\"offline\",\"percentage\":0}\n", f);
                return;
        }

        tt = open_memstream(&tooltip, &n);
        if (!tt)
                return;
        if (streq(s->mode, "recharging")) {
                if (s->until)
                        (void) asprintf(&text, "Recharging until %s", format_clock(c->tz, s->until, t));
                else
                        text = strdup("Recharging");
                /* one line each: a newline in a message would make a line of its own */
                if (*s->status_text || *s->message) {
                        fputs_escaped(*s->status_text ? s->status_text : s->message, tt);
                        fputc('\n', tt);
                }
                if (s->until)
                        fprintf(tt, "Until %s (%s)", format_local_time(c, s->until, t), format_relative(c->now, s->until, rel));
                else
                        fputs("Until you stop it", tt);
        } else if (streq(s->mode, "paused")) {
                if (s->paused_until != USEC_INFINITY) {
                        (void) asprintf(&text, "Paused until %s", format_clock(c->tz, s->paused_until, t));
                        fprintf(tt, "Schedule paused until %s (%s)", format_local_time(c, s->paused_until, t),
                                format_relative(c->now, s->paused_until, rel));
                } else {
                        text = strdup("Paused");
                        fputs("Schedule paused until you resume", tt);
                }
        } else {
                text = strdup("Available");
                fputs("Available", tt);
        }
        if (*s->next_event && s->next_event_time) {
                fputs("\nNext: ", tt);
                output_next_phrase(tt, s, c, true);
        }
        output_share_lines(tt, s, c, true);
        if (fclose(tt) != 0)
                return;

        fputs("{\"text\":", f);
        json_string(f, text ?: s->mode);
        fputs(",\"alt\":", f);
        json_string(f, s->mode);
        fputs(",\"tooltip\":", f);
        json_string(f, tooltip);
        fputs(",\"class\":", f);
        json_string(f, s->mode);
        fprintf(f, ",\"percentage\":%u}\n", status_percentage(s, c->now));
}

/* ---- --format=TEMPLATE ---- */

const char *const output_placeholders[] = { "mode", "until", "since", "left", "message", "entry", "status",
                                            "next", "next-event", "next-time", "percentage", "partner", NULL };

typedef struct Lookup {
        const Status *s;
        const OutputContext *c;
        char buf[TIME_TEXT_MAX + SPAN_MAX];
        char *escaped; /* the last text value, made safe for a terminal */
        char *partner;
} Lookup;

static const char *status_lookup(const char *name, size_t n, void *userdata) {
        Lookup *l = userdata;
        const Status *s = l->s;
        const OutputContext *c = l->c;
        const char *val = NULL;

#define IS(x) (n == strlen(x) && strncmp(name, x, n) == 0)
        if (IS("mode"))
                val = mode_of(s);
        else if (IS("until"))
                val = format_clock(c->tz, s->until, l->buf);
        else if (IS("since"))
                val = format_clock(c->tz, s->since, l->buf);
        else if (IS("left"))
                val = format_left(c->now, countdown_end(s), l->buf);
        else if (IS("message"))
                val = s->message;
        else if (IS("entry"))
                val = s->entry;
        else if (IS("status"))
                val = s->status_text;
        else if (IS("next"))
                val = s->next_entry;
        else if (IS("next-event"))
                val = s->next_event;
        else if (IS("next-time"))
                val = format_local_time(c, s->next_event_time, l->buf);
        else if (IS("percentage")) {
                snprintf(l->buf, sizeof l->buf, "%u", status_percentage(s, c->now));
                val = l->buf;
        } else if (IS("partner")) {
                /* escaped below with the rest; "" when none, so a %[ … ] segment drops it */
                free(l->partner);
                l->partner = partner_text(&s->share, c, false);
                val = l->partner ?: "";
        }
#undef IS
        if (!val)
                return NULL;
        /* Others' text (a message from any bus caller) can hold controls: never raw to a terminal
         * or a bar that reads lines. */
        free(l->escaped);
        l->escaped = text_escape(val);
        return l->escaped ?: "";
}

char *output_template_expand(const char *template, const Status *s, const OutputContext *c) {
        Lookup l = { .s = s, .c = c };
        char *r = template_expand(template, status_lookup, &l);
        free(l.escaped);
        free(l.partner);
        return r;
}

void output_template(FILE *f, const Status *s, const OutputContext *c) {
        _cleanup_free_ char *t = output_template_expand(c->template ?: "", s, c);
        fprintf(f, "%s\n", t ?: "");
}

void output_status(FILE *f, OutputFormat fmt, bool human_line, const Status *s, const OutputContext *c) {
        switch (fmt) {
        case OUTPUT_JSON:
                return output_json(f, s, c);
        case OUTPUT_WAYBAR:
                return output_waybar(f, s, c);
        case OUTPUT_TEMPLATE:
                return output_template(f, s, c);
        default:
                if (human_line)
                        return output_human_line(f, s, c);
                return output_human(f, s, c);
        }
}
