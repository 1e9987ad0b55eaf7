/* SPDX-License-Identifier: MIT */
/* manager-sources.c: what wakes the manager: the one timer, wall-clock changes, resume from
 * suspend, time-zone changes, signals; and the start-up that sets them up. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <time.h>

#include "bus.h"
#include "digest.h"
#include "log.h"
#include "manager.h"

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        manager_tick(userdata, manager_clock(), false);
        return 0;
}

/* After every change: the one timer goes to the manager's next wake-up. */
static void on_change(Manager *m, const ManagerChange *c, void *userdata) {
        int r;

        if (!m->timer)
                return;
        if (m->wakeup == 0) {
                log_debug("Nothing due: the timer is off.");
                (void) sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
                return;
        }
        r = sd_event_source_set_time(m->timer, m->wakeup);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "Failed to arm the timer: %m");
        else
                log_debug("Next wake-up in %.3f s.", m->wakeup > c->now ? (double) (m->wakeup - c->now) / USEC_PER_SEC : 0.0);
}

static int clock_watch_setup(Manager *m);

static int on_clock_change(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        /* The read fails with ECANCELED once the clock was set; a fresh fd watches the next. */
        m->clock_watch = sd_event_source_disable_unref(m->clock_watch);
        m->clock_fd = safe_close(m->clock_fd);
        (void) clock_watch_setup(m);
        manager_tick(m, manager_clock(), true);
        return 0;
}

static int clock_watch_setup(Manager *m) {
        struct itimerspec its = { .it_value.tv_sec = (time_t) INT64_MAX };
        int r;

        m->clock_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (m->clock_fd < 0)
                return log_warning_errno(-errno, "Failed to create a clock-change watch, ignoring: %m");
        if (timerfd_settime(m->clock_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0) {
                r = -errno;
                m->clock_fd = safe_close(m->clock_fd);
                return log_warning_errno(r, "Failed to watch for clock changes, ignoring: %m");
        }
        r = sd_event_add_io(m->event, &m->clock_watch, m->clock_fd, EPOLLIN, on_clock_change, m);
        if (r < 0)
                return log_warning_errno(r, "Failed to watch for clock changes, ignoring: %m");
        (void) sd_event_source_set_description(m->clock_watch, "clock-change");
        return 0;
}

static int on_etc_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;
        Tz *tz = NULL;
        int r;

        if (ev->len == 0 || !streq(ev->name, "localtime"))
                return 0;

        r = tz_load(NULL, &tz);
        if (r < 0) {
                /* Half-way through a replacement: the next event will have it whole. */
                log_debug_errno(r, "/etc/localtime changed but cannot be read yet: %m");
                return 0;
        }
        (void) manager_set_zone(m, tz, manager_clock());
        return 0;
}

static int on_prepare_for_sleep(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int b, r;

        r = sd_bus_message_read(message, "b", &b);
        if (r < 0)
                return log_debug_errno(r, "Failed to read PrepareForSleep, ignoring: %m"), 0;
        if (b)
                log_debug("The system is going to sleep.");
        else
                manager_tick(m, manager_clock(), true);
        return 0;
}

/* The match is in place from the bus's answer on: a resume before it goes unseen. */
static int on_sleep_match_installed(sd_bus_message *reply, void *userdata, sd_bus_error *unused) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e)
                log_debug("Cannot follow logind's PrepareForSleep (%s), not watching for suspend.", e->message ?: e->name);
        else
                log_debug("Following logind's PrepareForSleep: a resume makes the schedule catch up.");
        return 0;
}

static void sleep_watch_setup(Manager *m) {
        int r;

        r = sd_bus_open_system_with_description(&m->system_bus, "recharged-system");
        if (r < 0) {
                log_debug_errno(r, "No system bus, not watching for suspend: %m");
                return;
        }
        r = sd_bus_match_signal_async(m->system_bus, &m->sleep_slot, "org.freedesktop.login1",
                                      "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                      "PrepareForSleep", on_prepare_for_sleep, on_sleep_match_installed, m);
        if (r >= 0)
                r = sd_bus_attach_event(m->system_bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_debug_errno(r, "Cannot watch logind for suspend: %m");
                m->sleep_slot = sd_bus_slot_unref(m->sleep_slot);
                m->system_bus = sd_bus_flush_close_unref(m->system_bus);
        }
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received SIG%s: saving and exiting.", sigabbrev_np((int) si->ssi_signo));
        (void) manager_save(m);
        return sd_event_exit(m->event, 0);
}

static int on_hangup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("Received SIGHUP: reloading the configuration.");
        (void) manager_reload(userdata, manager_clock(), NULL);
        return 0;
}

int manager_start(Manager *m) {
        int r;

        r = sd_event_add_signal(m->event, &m->sig_term, SIGTERM, on_terminate, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sig_int, SIGINT, on_terminate, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sig_hup, SIGHUP, on_hangup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up signal handling: %m");

        r = sd_event_add_time(m->event, &m->timer, CLOCK_REALTIME, USEC_INFINITY, 1, on_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to create the timer: %m");
        (void) sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->timer, "next-event");
        r = manager_add_listener(m, LISTENER_TIMER, on_change, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to follow the schedule's changes: %m");

        (void) clock_watch_setup(m);
        if (!getenv("TZ")) {
                r = sd_event_add_inotify(m->event, &m->tz_watch, "/etc",
                                         IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB | IN_ONLYDIR,
                                         on_etc_change, m);
                if (r < 0)
                        log_debug_errno(r, "Cannot watch /etc/localtime for time-zone changes: %m");
        }
        sleep_watch_setup(m);

        /* The objects are there before the name is requested; the name comes before the state
         * is read, so a second instance stops without touching it. Calls wait in the socket
         * until the loop runs. */
        r = bus_setup(m);
        if (r < 0)
                return r;
        r = bus_request_name(m);
        if (r < 0)
                return r;

        r = manager_begin(m, manager_clock());
        if (r < 0)
                return r;
        (void) digest_start(m, &m->digest_watch);
        /* After the state is read: a person still away since the last run is looked up again. */
        return presence_watch_start(m, &m->presence_watch);
}
