/* SPDX-License-Identifier: MIT */
/* hooks.c: on-start and on-end: /bin/sh -c COMMAND in its own session under a small supervisor
 * that keeps every process it starts in one tree, the event in its environment (bus text never
 * reaches a command line), its output copied to our log a bounded number of lines, the whole tree
 * killed when it runs too long, more than HOOKS_RUNNING_MAX queued. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fileio.h"
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
        usec_t timeout;
} HookRun;

/* A hook that found every slot taken: it runs, with the environment of its event, when one
 * frees up. */
typedef struct HookJob {
        const char *name;
        char *command;
        char **envp;
} HookJob;

struct Hooks {
        Manager *manager;
        HookRun runs[HOOKS_RUNNING_MAX];
        HookJob queue[HOOKS_QUEUED_MAX];
        size_t n_queued;
};

static int hook_start(Hooks *h, const char *name, const char *command, char **envp);
static void start_queued(Hooks *h);

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
        Hooks *h;

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
        h = run->hooks;
        run_free(run);
        start_queued(h);
        return 0;
}

/* ---- the time limit: the whole tree, setsid or not ---- */

typedef struct Proc {
        pid_t pid, ppid;
        char state;
        char comm[17];
} Proc;

/* Every process there is, from /proc: pid, parent, state and name. */
static int list_processes(Proc **ret, size_t *ret_n) {
        _cleanup_free_ Proc *l = NULL;
        DIR *d;
        struct dirent *de;
        size_t n = 0, size = 0;

        d = opendir("/proc");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char path[300], buf[512], *close_paren;
                _cleanup_close_ int fd = -1;
                ssize_t k;
                Proc p = {};

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        continue;
                k = read(fd, buf, sizeof buf - 1);
                if (k <= 0)
                        continue;
                buf[k] = '\0';
                /* "pid (comm) state ppid …": comm may hold ')' and spaces, so from the last ')'. */
                close_paren = strrchr(buf, ')');
                if (!close_paren || sscanf(close_paren + 1, " %c %d", &p.state, &p.ppid) != 2)
                        continue;
                p.pid = (pid_t) atoi(buf);
                {
                        char *open_paren = strchr(buf, '(');
                        size_t len = open_paren ? (size_t) (close_paren - open_paren - 1) : 0;
                        memcpy(p.comm, open_paren ? open_paren + 1 : "", MIN(len, sizeof p.comm - 1));
                }
                if (n == size) {
                        Proc *m = reallocarray(l, size = size * 2 + 64, sizeof(Proc));
                        if (!m) {
                                closedir(d);
                                return -ENOMEM;
                        }
                        l = m;
                }
                l[n++] = p;
        }
        closedir(d);
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

static pid_t *new_pids(size_t n) {
        return calloc(n, sizeof(pid_t));
}

static bool pid_in(const pid_t *l, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (l[i] == pid)
                        return true;
        return false;
}

/* The supervisor is a child subreaper: whatever the hook starts, setsid and double forks included,
 * stays below it until the supervisor exits. So its tree, walked through the parent links, is all
 * the hook left. Each round stops what it finds (a stopped process cannot fork), until a round
 * finds nothing new; then all of it is killed. Returns how many were killed, with their names in
 * *ret_names ("1234 sleep, …"), the supervisor not counted. */
static int kill_tree(pid_t root, char **ret_names) {
        _cleanup_free_ pid_t *seen = NULL;
        _cleanup_free_ char *names = NULL;
        size_t n_seen = 1, size_names = 0;
        FILE *f;
        int r = 0;

        seen = new_pids(1);
        if (!seen)
                return -ENOMEM;
        seen[0] = root;
        (void) kill(root, SIGSTOP);
        f = open_memstream(&names, &size_names);
        if (!f)
                return -ENOMEM;
        for (int round = 0; round < 32; round++) {
                _cleanup_free_ Proc *procs = NULL;
                size_t n = 0, added = 0;
                pid_t *m;

                r = list_processes(&procs, &n);
                if (r < 0)
                        break;
                m = reallocarray(seen, n_seen + n, sizeof(pid_t));
                if (!m) {
                        r = -ENOMEM;
                        break;
                }
                seen = m;
                /* /proc lists no parent before its children: sweep until nothing joins. */
                for (bool grew = true; grew;) {
                        grew = false;
                        for (size_t i = 0; i < n; i++) {
                                if (procs[i].state == 'Z' || pid_in(seen, n_seen, procs[i].pid) ||
                                    !pid_in(seen, n_seen, procs[i].ppid))
                                        continue;
                                seen[n_seen++] = procs[i].pid;
                                (void) kill(procs[i].pid, SIGSTOP);
                                fprintf(f, "%s%d %s", n_seen > 2 ? ", " : "", (int) procs[i].pid, procs[i].comm);
                                grew = true;
                                added++;
                        }
                }
                if (added == 0)
                        break;
        }
        /* Children first, the supervisor last: nothing is re-parented away from it meanwhile. */
        for (size_t i = n_seen; i > 0; i--)
                (void) kill(seen[i - 1], SIGKILL);
        if (fclose(f) != 0)
                return -ENOMEM;
        if (r < 0 && n_seen == 1)
                return r;
        *ret_names = TAKE_PTR(names);
        return (int) n_seen - 1;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        HookRun *run = userdata;
        _cleanup_free_ char *names = NULL;
        unsigned long long secs = run->timeout / USEC_PER_SEC;
        int k;

        run->killed = true;
        k = kill_tree(run->pid, &names);
        /* Its session's process group too, should /proc be missing or have missed one. */
        (void) kill(-run->pid, SIGKILL);
        if (k < 0)
                log_warning_errno(k, "Hook %s ('%s') still ran after %llu s: killed its process group; "
                                     "could not look for the rest: %m", run->name, run->command, secs);
        else
                log_warning("Hook %s ('%s') still ran after %llu s: killed %d process%s: %s.", run->name,
                            run->command, secs, k, k == 1 ? "" : "es", k > 0 ? names : "none left");
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

/* In the child between fork and exec: async-signal-safe calls only (we may have threads). The
 * supervisor: its own session, a subreaper for everything the hook starts, passing the shell's
 * end on as its own. */
_Noreturn static void supervise_hook(const char *command, char **envp, int null_fd, int out_fd) {
        char *argv[] = { (char *) "sh", (char *) "-c", (char *) command, NULL };
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        struct rlimit no_core = {};
        sigset_t none;
        pid_t shell;

        /* We block the signals sd-event takes through signalfd; the hook gets a clean slate. */
        for (int sig = 1; sig < NSIG; sig++)
                (void) sigaction(sig, &dfl, NULL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        if (setsid() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                _exit(127);
        if (move_fd(null_fd, STDIN_FILENO) < 0 || move_fd(out_fd, STDOUT_FILENO) < 0 ||
            move_fd(out_fd, STDERR_FILENO) < 0)
                _exit(127);
        if (close_range(3, ~0U, 0) < 0)
                for (int fd = 3; fd < 65536; fd++)
                        (void) close(fd);

        shell = fork();
        if (shell < 0)
                _exit(127);
        if (shell == 0) {
                execve("/bin/sh", argv, envp);
                _exit(127);
        }
        /* The output pipe ends with the hook's processes, not with us. */
        (void) close(STDIN_FILENO);
        (void) close(STDOUT_FILENO);
        (void) close(STDERR_FILENO);
        for (;;) {
                int status;
                pid_t p = waitpid(-1, &status, 0);

                if (p < 0 && errno == EINTR)
                        continue;
                if (p < 0)
                        _exit(127);
                if (p != shell)
                        continue; /* an orphan of the hook's, reaped */
                if (WIFEXITED(status))
                        _exit(WEXITSTATUS(status));
                /* Die the way the shell died, so the daemon logs the same; without a core of us. */
                (void) setrlimit(RLIMIT_CORE, &no_core);
                (void) kill(getpid(), WTERMSIG(status));
                _exit(128 + WTERMSIG(status));
        }
}

static void job_done(HookJob *j) {
        free(j->command);
        strv_free(j->envp);
        *j = (HookJob) {};
}

/* Starts what waits, oldest first, while there is room. */
static void start_queued(Hooks *h) {
        while (h->n_queued > 0) {
                HookJob j = h->queue[0];
                size_t k;

                for (k = 0; k < HOOKS_RUNNING_MAX; k++)
                        if (!h->runs[k].used)
                                break;
                if (k == HOOKS_RUNNING_MAX)
                        return;
                memmove(h->queue, h->queue + 1, --h->n_queued * sizeof(HookJob));
                h->queue[h->n_queued] = (HookJob) {};
                (void) hook_start(h, j.name, j.command, j.envp);
                job_done(&j);
        }
}

/* Whether the config could only have been written by us: checked when a hook starts, on the file
 * as it is then. */
static bool config_private(Hooks *h, const char *name) {
        _cleanup_free_ char *culprit = NULL;
        const char *path = h->manager->config->path;
        int r;

        if (!path)
                return true; /* the built-in default: no hooks in it */
        r = path_check_private(path, getenv("HOME"), &culprit);
        if (r == -EPERM) {
                log_warning("Not running hook %s: '%s' can be written or replaced by others than you "
                            "(through '%s'), so someone else could have chosen the command. Make it private "
                            "(chmod go-w, owned by you; a folder of others or one writable by all, even "
                            "sticky like /tmp, cannot hold it) to allow hooks.", name, path, culprit);
                return false;
        }
        if (r < 0) {
                log_warning_errno(r, "Not running hook %s: cannot check who can write '%s': %m", name, path);
                return false;
        }
        return true;
}

static int hook_start(Hooks *h, const char *name, const char *command, char **envp) {
        _cleanup_close_ int null_fd = -1, out_r = -1, out_w = -1;
        sd_event *e = h->manager->event;
        HookRun *run = NULL;
        int fds[2], r;
        pid_t pid;

        if (!config_private(h, name))
                return -EPERM;

        for (size_t k = 0; k < HOOKS_RUNNING_MAX && !run; k++)
                if (!h->runs[k].used)
                        run = &h->runs[k];
        if (!run) {
                HookJob *j;

                if (h->n_queued >= HOOKS_QUEUED_MAX)
                        return log_warning_errno(-EBUSY, "Not running hook %s ('%s'): %d hooks are running "
                                                         "and %d more wait already.", name, command,
                                                 HOOKS_RUNNING_MAX, HOOKS_QUEUED_MAX);
                j = &h->queue[h->n_queued];
                *j = (HookJob) { .name = name };
                j->command = strdup(command);
                r = 0;
                for (char **v = envp; v && *v && r >= 0; v++)
                        r = strv_extend(&j->envp, *v);
                if (!j->command || r < 0) {
                        job_done(j);
                        return log_oom();
                }
                h->n_queued++;
                log_info("Hook %s waits: %d hooks are running already (%zu waiting).", name, HOOKS_RUNNING_MAX,
                         h->n_queued);
                return 0;
        }

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
                supervise_hook(command, envp, null_fd, out_w);

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
        /* The limit it started with, whatever a reload sets meanwhile. */
        run->timeout = h->manager->config->hook_timeout;
        r = sd_event_add_time_relative(e, &run->timer, CLOCK_MONOTONIC, run->timeout, 0, on_timeout, run);
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

static int hook_run(Hooks *h, const char *name, const char *command, const char *event, const ManagerEvent *ev) {
        _cleanup_strv_free_ char **envp = NULL;
        int r;

        r = build_env(ev, event, &envp);
        if (r < 0)
                return log_oom();
        return hook_start(h, name, command, envp);
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
        for (size_t k = 0; k < h->n_queued; k++)
                job_done(&h->queue[k]);
        free(h);
        return NULL;
}
