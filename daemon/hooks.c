/* SPDX-License-Identifier: MIT */
/* hooks.c: on-start and on-end: /bin/sh -c COMMAND in its own session, the event in its
 * environment (bus text never reaches a command line), its output copied to our log a bounded
 * number of lines, killed with its whole process group when it runs too long. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "hooks.h"
#include "log.h"

extern char **environ;

typedef struct HookRun {
        Hooks *hooks;
        bool used;
        pid_t pid;
        const char *name;        /* "on-start" / "on-end" */
        char *command;
        sd_event_source *child, *timer, *output;
        int fd;                  /* read end of its stdout and stderr */
        char line[HOOK_LINE_MAX + 1];
        size_t len;
        bool cut;                /* the current line is longer than HOOK_LINE_MAX */
        unsigned lines;
        bool killed;
} HookRun;

struct Hooks {
        Manager *manager;
        HookRun runs[HOOKS_RUNNING_MAX];
};

static void run_close_output(HookRun *run) {
        run->output = sd_event_source_disable_unref(run->output);
        run->fd = safe_close(run->fd);
}

static void run_free(HookRun *run) {
        sd_event_source_disable_unref(run->child);
        sd_event_source_disable_unref(run->timer);
        run_close_output(run);
        free(run->command);
        *run = (HookRun) { .fd = -1 };
}

/* ---- output ---- */

static void emit_line(HookRun *run) {
        run->line[run->len] = '\0';
        if (run->lines < HOOK_OUTPUT_LINES_MAX)
                log_info("Hook %s: %s%s", run->name, run->line, run->cut ? " […]" : "");
        else if (run->lines == HOOK_OUTPUT_LINES_MAX)
                log_info("Hook %s printed more than %d lines: the rest is read and not logged.", run->name,
                         HOOK_OUTPUT_LINES_MAX);
        if (run->lines <= HOOK_OUTPUT_LINES_MAX)
                run->lines++;
        run->len = 0;
        run->cut = false;
}

static void feed(HookRun *run, const char *p, size_t n) {
        while (n > 0) {
                const char *nl = memchr(p, '\n', n);
                size_t k = nl ? (size_t) (nl - p) : n;
                size_t room = HOOK_LINE_MAX - run->len;

                /* Past the logged lines only the newlines matter. */
                if (run->lines <= HOOK_OUTPUT_LINES_MAX) {
                        memcpy(run->line + run->len, p, MIN(k, room));
                        run->len += MIN(k, room);
                        run->cut = run->cut || k > room;
                }
                if (nl)
                        emit_line(run);
                p += k + (nl ? 1 : 0);
                n -= k + (nl ? 1 : 0);
        }
}

/* Reads what is there; at most 64 KiB a wake-up, so a flood never starves the bus. Returns
 * false at the end of the output. */
static bool drain(HookRun *run) {
        char buf[4096];

        for (int i = 0; i < 16; i++) {
                ssize_t k = read(run->fd, buf, sizeof buf);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return true;
                if (k <= 0) {
                        if (k < 0)
                                log_debug_errno(-errno, "Failed to read hook %s's output, ignoring: %m", run->name);
                        if (run->len > 0 || run->cut)
                                emit_line(run);
                        return false;
                }
                feed(run, buf, (size_t) k);
        }
        return true;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HookRun *run = userdata;

        if (!drain(run))
                run_close_output(run);
        return 0;
}

/* ---- the process ---- */

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        HookRun *run = userdata;

        /* What it printed last; whatever its own children print later is not ours to read. */
        if (run->fd >= 0 && !drain(run))
                run_close_output(run);
        if (run->len > 0)
                emit_line(run);

        if (si->si_code == CLD_EXITED && si->si_status == 0)
                log_debug("Hook %s finished.", run->name);
        else if (si->si_code == CLD_EXITED)
                log_warning("Hook %s ('%s') failed with exit status %d.", run->name, run->command, si->si_status);
        else if (!run->killed)
                log_warning("Hook %s ('%s') was killed by signal SIG%s.", run->name, run->command,
                            sigabbrev_np(si->si_status) ?: "?");
        run_free(run);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        HookRun *run = userdata;

        log_warning("Hook %s ('%s') still ran after %llu s: killed it and every process it started.", run->name,
                    run->command, (unsigned long long) (run->hooks->manager->config->hook_timeout / USEC_PER_SEC));
        run->killed = true;
        /* Its own session and process group (setsid): its children go with it. */
        if (kill(-run->pid, SIGKILL) < 0 && errno != ESRCH)
                log_warning_errno(-errno, "Failed to kill hook %s's processes: %m", run->name);
        return 0;
}

static int build_env(const ManagerEvent *ev, const char *event, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r = 0;

        /* Ours replace any RECHARGED_* the daemon inherited. */
        for (char **e = environ; e && *e && r >= 0; e++)
                if (strncmp(*e, "RECHARGED_", 10) != 0)
                        r = strv_extend(&l, *e);
        if (r >= 0)
                r = strv_extendf(&l, "RECHARGED_EVENT=%s", event);
        if (r >= 0)
                r = strv_extendf(&l, "RECHARGED_ENTRY=%s", ev->entry);
        if (r >= 0)
                r = strv_extendf(&l, "RECHARGED_SOURCE=%s", ev->source ?: "");
        if (r >= 0)
                r = strv_extendf(&l, "RECHARGED_UNTIL=%llu", (unsigned long long) (ev->until / USEC_PER_SEC));
        if (r >= 0)
                r = strv_extendf(&l, "RECHARGED_MESSAGE=%s", ev->message ?: "");
        if (r >= 0 && ev->how)
                r = strv_extendf(&l, "RECHARGED_HOW=%s", ev->how);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* In the child between fork and exec: async-signal-safe calls only. */
static int move_fd(int from, int to) {
        if (from == to)
                return fcntl(to, F_SETFD, 0);
        return dup2(from, to);
}

_Noreturn static void exec_hook(const char *command, char **envp, int null_fd, int out_fd) {
        char *argv[] = { (char *) "sh", (char *) "-c", (char *) command, NULL };
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigset_t none;

        /* We block the signals sd-event takes through signalfd; the hook gets a clean slate. */
        for (int sig = 1; sig < NSIG; sig++)
                (void) sigaction(sig, &dfl, NULL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        if (setsid() < 0)
                _exit(127);
        if (move_fd(null_fd, STDIN_FILENO) < 0 || move_fd(out_fd, STDOUT_FILENO) < 0 ||
            move_fd(out_fd, STDERR_FILENO) < 0)
                _exit(127);
        if (close_range(3, ~0U, 0) < 0)
                for (int fd = 3; fd < 65536; fd++)
                        (void) close(fd);
        execve("/bin/sh", argv, envp);
        _exit(127);
}

static int hook_run(Hooks *h, const char *name, const char *command, const char *event, const ManagerEvent *ev) {
        _cleanup_strv_free_ char **envp = NULL;
        _cleanup_close_ int null_fd = -1, out_r = -1, out_w = -1;
        sd_event *e = h->manager->event;
        HookRun *run = NULL;
        int fds[2], r;
        pid_t pid;

        for (size_t k = 0; k < HOOKS_RUNNING_MAX && !run; k++)
                if (!h->runs[k].used)
                        run = &h->runs[k];
        if (!run)
                return log_warning_errno(-EBUSY, "Not running hook %s: %d hooks are running already.", name,
                                         HOOKS_RUNNING_MAX);

        r = build_env(ev, event, &envp);
        if (r < 0)
                return log_oom();
        if (pipe2(fds, O_CLOEXEC) < 0)
                return log_warning_errno(-errno, "Failed to run hook %s: cannot make a pipe: %m", name);
        out_r = fds[0];
        out_w = fds[1];
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (null_fd < 0)
                return log_warning_errno(-errno, "Failed to run hook %s: cannot open /dev/null: %m", name);

        *run = (HookRun) { .hooks = h, .used = true, .name = name, .fd = -1 };
        run->command = strdup(command);
        if (!run->command) {
                run_free(run);
                return log_oom();
        }

        pid = fork();
        if (pid < 0) {
                r = -errno;
                run_free(run);
                return log_warning_errno(r, "Failed to run hook %s: cannot fork: %m", name);
        }
        if (pid == 0)
                exec_hook(command, envp, null_fd, out_w);

        run->pid = pid;
        run->fd = TAKE_FD(out_r);
        (void) fcntl(run->fd, F_SETFL, O_NONBLOCK);
        log_info("Running hook %s (pid %d): '%s'.", name, (int) pid, command);

        r = sd_event_add_child(e, &run->child, pid, WEXITED, on_child_exit, run);
        if (r < 0) {
                /* Without a watch it could run forever unseen: better not at all. */
                (void) kill(-pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                run_free(run);
                return log_warning_errno(r, "Failed to watch hook %s, killed it: %m", name);
        }
        (void) sd_event_source_set_description(run->child, "hook");
        r = sd_event_add_time_relative(e, &run->timer, CLOCK_MONOTONIC, h->manager->config->hook_timeout, 0, on_timeout, run);
        if (r < 0)
                log_warning_errno(r, "Failed to arm hook %s's time limit, ignoring: %m", name);
        r = sd_event_add_io(e, &run->output, run->fd, EPOLLIN, on_output, run);
        if (r >= 0)
                /* After the bus: a hook's output waits while a call is answered. */
                r = sd_event_source_set_priority(run->output, SD_EVENT_PRIORITY_IDLE);
        if (r < 0) {
                log_warning_errno(r, "Failed to read hook %s's output, ignoring it: %m", name);
                run_close_output(run);
        }
        return 0;
}

/* on-start hears a start and an end that moved (RECHARGED_EVENT=changed); on-end an end. */
static void on_event(Manager *m, Hooks *h, const ManagerEvent *ev) {
        const char *command, *name, *event;

        if (ev->kind == MANAGER_EVENT_RECHARGE_STARTED || ev->kind == MANAGER_EVENT_RECHARGE_CHANGED) {
                command = m->config->on_start;
                name = "on-start";
                event = ev->kind == MANAGER_EVENT_RECHARGE_STARTED ? "start" : "changed";
        } else if (ev->kind == MANAGER_EVENT_RECHARGE_ENDED) {
                command = m->config->on_end;
                name = "on-end";
                event = "end";
        } else
                return;
        if (!command || !*command)
                return;

        if (!m->config->hooks_allowed) {
                log_warning("Not running hook %s: '%s' or its folder is writable by others than its owner, so "
                            "someone else could have chosen the command. Make them private (chmod go-w) to "
                            "allow hooks.", name, m->config->path ?: "the configuration");
                return;
        }
        (void) hook_run(h, name, command, event, ev);
}

static void on_manager_change(Manager *m, const ManagerChange *c, void *userdata) {
        for (size_t k = 0; k < c->n_events; k++)
                on_event(m, userdata, &c->events[k]);
}

int hooks_new(Manager *m, Hooks **ret) {
        Hooks *h;
        int r;

        h = calloc(1, sizeof(Hooks));
        if (!h)
                return log_oom();
        h->manager = m;
        r = manager_add_listener(m, LISTENER_HOOKS, on_manager_change, h);
        if (r < 0) {
                free(h);
                return log_error_errno(r, "Failed to listen for the schedule's events: %m");
        }
        *ret = h;
        return 0;
}

Hooks *hooks_free(Hooks *h) {
        if (!h)
                return NULL;
        manager_remove_listener(h->manager, LISTENER_HOOKS);
        for (size_t k = 0; k < HOOKS_RUNNING_MAX; k++)
                if (h->runs[k].used)
                        run_free(&h->runs[k]);
        free(h);
        return NULL;
}
