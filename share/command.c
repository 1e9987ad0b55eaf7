/* SPDX-License-Identifier: MIT */
/* command.c: a child process on sd-event: its output through a pipe (io source), its exit
 * (child source) and a time limit (timer). The result is given once both the pipe is closed
 * or a line is in, and the child has exited, so nothing is left behind. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "macro.h"

#define COMMAND_OUTPUT_MAX 4096 /* a password longer than this is cut: a line is all we read */

struct Command {
        sd_event_source *io, *child, *timer;
        pid_t pid;
        int fd;
        char buf[COMMAND_OUTPUT_MAX];
        size_t len;
        bool read_done, exited, timed_out;
        int status; /* si_code/si_status folded: 0 = clean exit 0 */
        command_done_t done;
        void *userdata;
};

Command *command_free(Command *c) {
        if (!c)
                return NULL;
        c->io = sd_event_source_disable_unref(c->io);
        c->timer = sd_event_source_disable_unref(c->timer);
        if (c->child) {
                /* Still running: kill it; the child source reaps it when it is unreferenced. */
                if (!c->exited) {
                        (void) kill(-c->pid, SIGKILL);
                        (void) sd_event_source_set_child_process_own(c->child, true);
                }
                c->child = sd_event_source_disable_unref(c->child);
        }
        safe_close(c->fd);
        explicit_bzero(c->buf, sizeof c->buf);
        free(c);
        return NULL;
}

static void maybe_finish(Command *c) {
        int r;

        if (!c->exited || (!c->read_done && !c->timed_out))
                return;
        c->buf[MIN(c->len, sizeof c->buf - 1)] = 0;
        c->buf[strcspn(c->buf, "\r\n")] = 0;
        r = c->timed_out ? -ETIME : c->status != 0 ? -EPROTO : !c->buf[0] ? -ENODATA : 0;
        c->done(r, r == 0 ? c->buf : NULL, c->userdata);
        command_free(c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Command *c = userdata;
        ssize_t n = read(fd, c->buf + c->len, sizeof c->buf - 1 - c->len);

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n > 0)
                c->len += n;
        /* The first line is all we need; the rest is not read (the child may get SIGPIPE). */
        if (n <= 0 || memchr(c->buf, '\n', c->len) || c->len >= sizeof c->buf - 1) {
                c->read_done = true;
                c->io = sd_event_source_disable_unref(c->io);
                c->fd = safe_close(c->fd);
                maybe_finish(c);
        }
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Command *c = userdata;

        c->exited = true;
        c->status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
        /* The output may still be in the pipe: read what is there without waiting. */
        if (!c->read_done && c->fd >= 0) {
                for (;;) {
                        ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
                        if (n <= 0 || (c->len += n) >= sizeof c->buf - 1 || memchr(c->buf, '\n', c->len))
                                break;
                }
                c->read_done = true;
                c->io = sd_event_source_disable_unref(c->io);
                c->fd = safe_close(c->fd);
        }
        maybe_finish(c);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Command *c = userdata;

        c->timed_out = true;
        /* The whole group: a shell's children (a keyring helper, a sleep) go with it. The
         * leader is not reaped yet, so its group id is still ours. */
        if (!c->exited)
                (void) kill(-c->pid, SIGKILL);
        /* The child source reports its death and then we finish. */
        return 0;
}

int command_start(sd_event *event, const char *command, usec_t timeout, command_done_t done, void *userdata,
                  Command **ret) {
        _cleanup_(command_freep) Command *c = NULL;
        int pipefd[2], r;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->fd = -1;
        c->done = done;
        c->userdata = userdata;
        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        c->fd = pipefd[0];
        c->pid = fork();
        if (c->pid < 0) {
                r = -errno;
                safe_close(pipefd[1]);
                return r;
        }
        if (c->pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                sigset_t all;

                /* The parent blocks signals for signalfd; the command gets a clean slate. */
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                /* A group of its own, so that a time-out kills what it started too. */
                (void) setpgid(0, 0);
                signal(SIGPIPE, SIG_DFL);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(pipefd[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execl("/bin/sh", "sh", "-c", command, (char *) NULL);
                _exit(127);
        }
        safe_close(pipefd[1]);
        (void) setpgid(c->pid, c->pid); /* also here: whichever runs first */
        r = sd_event_add_child(event, &c->child, c->pid, WEXITED, on_child, c);
        if (r < 0) {
                (void) kill(c->pid, SIGKILL);
                (void) waitpid(c->pid, NULL, 0);
                return r;
        }
        (void) sd_event_source_set_description(c->child, "password-command");
        r = sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_io, c);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(event, &c->timer, CLOCK_MONOTONIC, timeout, USEC_PER_MSEC, on_timeout, c);
        if (r < 0)
                return r;
        if (ret)
                *ret = c;
        TAKE_PTR(c);
        return 0;
}
