/* SPDX-License-Identifier: MIT */
/* fuzz-manager.c: the bus methods' arguments and the passing of time, in-process: random
 * sequences of (time step, action with raw arguments, restart, clock jump) applied to the
 * manager through the same path a method handler takes, checking what it promises: every call
 * answered (ok or a refusal with a message), no recharge ended that was not started or started
 * twice, the state file reads back as what was saved, no more reminders done than shown. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"

static const char * const confs[] = {
        "[general]\nheads-up = 10min\n"
        "[a]\ntype = recharge\nstart = 10:00\nend = 11:00\nmessage = A\n"
        "[b]\ntype = recharge\nstart = 10:30\nduration = 1h\ndnd = no\n"
        "[r]\ntype = selfcare\nevery = 90min\nbetween = 09:00-18:00\n"
        "[s]\ntype = selfcare\nat = 10:15, 22:00\n"
        "[off]\ntype = selfcare\nat = 12:00\nenabled = no\n",
        "[general]\nheads-up = 0\n"
        "[night]\ntype = recharge\ndays = Mon,Wed\nstart = 23:30\nend = 00:30\n"
        "[m]\ntype = selfcare\nevery = 5min\nbetween = 23:00-01:00\n",
        "[general]\nheads-up = 2h\nstatus = %[%until% ]%[— %message%]\n"
        "[x]\ntype = recharge\nstart = 02:30\nduration = 30min\n"
        "[y]\ntype = recharge\nstart = 02:45\nduration = 10min\n",
};

static char *dir, *conf_path;
static int open_recharges;  /* started minus ended, as the listener heard them */
static bool broken, starting;

static void on_change(Manager *m, const ManagerChange *c, void *userdata) {
        for (size_t k = 0; k < c->n_events; k++) {
                if (c->events[k].kind == MANAGER_EVENT_RECHARGE_STARTED)
                        open_recharges++;
                else if (c->events[k].kind == MANAGER_EVENT_RECHARGE_ENDED)
                        open_recharges--;
        }
        /* No end without its start, never more on than the manager holds. */
        if (!starting && (open_recharges < 0 || (size_t) open_recharges != m->n_active))
                broken = true;
}

static Manager *start(size_t which, usec_t now) {
        Manager *m = NULL;
        FILE *f = fopen(conf_path, "we");

        if (!f)
                abort();
        fputs(confs[which], f);
        fclose(f);
        if (manager_new(conf_path, &m) < 0 || manager_load_config(m) < 0)
                abort();
        if (manager_add_listener(m, LISTENER_TEST, on_change, NULL) < 0)
                abort();
        /* A restart carries on what was on: the listener's count starts from the state. */
        starting = true;
        if (manager_begin(m, now) < 0)
                abort();
        starting = false;
        open_recharges = (int) m->n_active;
        /* Then the loop until it would wait, as the daemon: a start that announced nothing saves
         * on a thread, and m->saved says what the file holds once the loop has heard it is done
         * (check_state() compared them while it ran, and failed one run in thousands). */
        while (m->begin_save && sd_event_run(m->event, 10 * USEC_PER_SEC) > 0)
                ;
        while (sd_event_run(m->event, 0) > 0)
                ;
        return m;
}

static void check_state(Manager *m) {
        _cleanup_(state_freep) State *s = NULL;
        _cleanup_free_ char *text = NULL;

        if (!m->saved)
                return;
        if (state_load(m->state_path, &s) < 0 || state_format(s, &text) < 0 || strcmp(text, m->saved) != 0)
                abort(); /* what was saved is what a restart reads */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
        /* On tmpfs where there is one: every change is saved with fsync, cheap there. */
        char template[] = "/dev/shm/fuzz-manager.XXXXXX", fallback[] = "/tmp/fuzz-manager.XXXXXX";
        char *d = mkdtemp(template) ?: mkdtemp(fallback);

        dir = strdup(d ?: "");
        if (!dir || !*dir)
                abort();
        if (asprintf(&conf_path, "%s/recharged.conf", dir) < 0)
                abort();
        setenv("XDG_STATE_HOME", dir, 1);
        setenv("TZ", "Europe/Berlin", 1);
        log_set_max_level(LOG_EMERG);
        return 0;
}

static uint64_t take(const uint8_t **p, size_t *n, size_t bytes) {
        uint64_t v = 0;

        for (size_t i = 0; i < bytes && *n > 0; i++, (*p)++, (*n)--)
                v = v << 8 | **p;
        return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Mon 2026-03-23 08:00 Berlin, a week before the spring change. */
        usec_t now = UINT64_C(1774249200) * USEC_PER_SEC;
        _cleanup_free_ char *state = NULL, *history = NULL;
        size_t which;
        Manager *m;

        if (size < 1 || size > 4096)
                return 0;
        which = data[0] % (sizeof confs / sizeof confs[0]);
        data++, size--;
        if (asprintf(&state, "%s/recharged/state", dir) < 0 || asprintf(&history, "%s/recharged/history", dir) < 0)
                abort();
        unlink(state);
        unlink(history);
        broken = false;
        m = start(which, now);

        for (unsigned step = 0; size > 0 && step < 64; step++) {
                uint8_t op = (uint8_t) take(&data, &size, 1);
                usec_t d;

                switch (op % 8) {
                case 0: /* time passes: up to about 45 h, in minutes */
                        now += take(&data, &size, 1) * 11 * USEC_PER_MINUTE;
                        for (unsigned guard = 0; m->wakeup != 0 && m->wakeup <= now && guard < 10000; guard++)
                                manager_tick(m, m->wakeup, false);
                        manager_tick(m, now, false);
                        break;
                case 1: /* the clock jumps, either way */
                        d = take(&data, &size, 2) * USEC_PER_MINUTE;
                        now = op & 0x80 ? now + d * 7 : (now > d ? now - d : now);
                        manager_tick(m, now, true);
                        break;
                case 2: /* a restart, clean or not: the state file is all that carries over */
                        manager_free(m);
                        m = start(which, now);
                        break;
                default: {
                        /* A method call with the raw arguments a bus client could send. */
                        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                        char name[80] = "", msg[64] = "";
                        size_t len = (size_t) take(&data, &size, 1) % sizeof name;
                        Action a = { .kind = (ActionKind) (take(&data, &size, 1) % _ACTION_MAX) };
                        int r;

                        /* An entry by index (so most calls reach the change), or raw bytes. */
                        if (len < m->config->n_entries + 1 && m->config->n_entries > 0)
                                snprintf(name, sizeof name, "%s", m->config->entries[len % m->config->n_entries].name);
                        else
                                for (size_t i = 0; i < len && i < sizeof name - 1 && size > 0; i++)
                                        name[i] = (char) (take(&data, &size, 1) ?: 'x');
                        a.entry = name;
                        d = take(&data, &size, 3);
                        a.duration = op & 0x80 ? d * USEC_PER_MINUTE : d * USEC_PER_SEC * (op & 0x40 ? 3600 : 1);
                        for (size_t i = 0; i < (size_t) (op >> 3 & 7) * 8 && i < sizeof msg - 1 && size > 0; i++)
                                msg[i] = (char) (take(&data, &size, 1) ?: ' ');
                        a.message = msg;
                        r = manager_act(m, &a, now, &e);
                        /* Every refusal says why, in valid text. */
                        if (r < 0 && (!e.message || !*e.message))
                                abort();
                        break;
                }
                }
                if (broken)
                        abort();
                check_state(m);
        }

        /* Never more done than shown. */
        Stats st;
        if (manager_stats(m, 0, now, &st) >= 0 && st.reminders_done > st.reminders_shown)
                abort();
        manager_free(m);
        return 0;
}
