/* SPDX-License-Identifier: MIT */
/* test-hooks-inproc.c: the on-start and on-end hooks in-process, without a bus: a Manager from a
 * config file, the real hooks listener, the test's sd-event loop for the children, and the
 * schedule's instants passed in. The hooks are real processes: their environment per event, a
 * message full of shell metacharacters, the detached process, hooks that fail, hang, escape their
 * session or flood, the queue's limits, and a config others can write. Waits are bounded runs of
 * the loop until a log line or a file is there (the log goes to a file: log_set_stream()). */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "hooks.h"
#include "log.h"
#include "manager.h"
#include "tap.h"

/* 2026-11-23 00:00 UTC: the test's day (TZ=UTC). */
#define DAY0 ((usec_t) 1795392000 * USEC_PER_SEC)
#define AT(h, mi, s) (DAY0 + (usec_t) ((h) * 3600 + (mi) * 60 + (s)) * USEC_PER_SEC)

static char *tmp, *out_dir, *conf_dir, *conf_path, *log_path, *hook_path;
static Manager *m;
static Hooks *hooks;
static usec_t now;           /* the manager's clock: only ever moves forward */
static FILE *log_file;       /* where the daemon's log lines go */
static long log_mark_at;     /* bytes of the log before the mark */

static usec_t mono(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* ---- the log, in a file ---- */

static void log_mark(void) {
        struct stat st;

        fflush(log_file);
        log_mark_at = stat(log_path, &st) == 0 ? (long) st.st_size : 0;
}

/* What was logged since the mark (malloc'ed, never NULL). */
static char *log_since_mark(void) {
        _cleanup_free_ char *all = NULL;

        fflush(log_file);
        all = read_all(log_path);
        if (!all || (long) strlen(all) < log_mark_at)
                return strdup("");
        return strdup(all + log_mark_at);
}

static bool log_matches(const char *re) {
        _cleanup_free_ char *text = log_since_mark();
        regex_t r;
        bool found;

        if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0)
                abort();
        found = regexec(&r, text, 0, NULL, 0) == 0;
        regfree(&r);
        return found;
}

/* Lines since the mark that hold s. */
static unsigned log_count(const char *s) {
        _cleanup_free_ char *text = log_since_mark();
        unsigned n = 0;

        for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                n += strstr(line, s) != NULL;
        }
        return n;
}

/* The first line since the mark that holds s ("" if none). */
static char *log_line(const char *s) {
        _cleanup_free_ char *text = log_since_mark();

        for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                if (strstr(line, s))
                        return strdup(line);
        }
        return strdup("");
}

/* ---- waiting: the loop runs (children exit, output is read, time limits fire) until ---- */

typedef bool (*Pred)(const void *arg);

/* Runs the loop until pred(arg) holds, at most secs seconds; false (and what was logged) if not. */
static bool run_until(Pred pred, const void *arg, unsigned secs, const char *what) {
        usec_t end = mono() + secs * USEC_PER_SEC;

        for (;;) {
                if (pred(arg))
                        return true;
                if (mono() >= end)
                        break;
                (void) sd_event_run(m->event, 20 * USEC_PER_MSEC);
        }
        _cleanup_free_ char *text = log_since_mark();
        diag("waited %u s for %s; logged since the mark:\n%s", secs, what, text);
        return false;
}

static bool pred_log(const void *re) {
        return log_matches(re);
}

static bool wait_log(const char *re, unsigned secs) {
        return run_until(pred_log, re, secs, re);
}

static bool pred_file(const void *path) {
        return access(path, F_OK) == 0;
}

static bool wait_file(const char *name, unsigned secs) {
        _cleanup_free_ char *path = path_join(out_dir, name);

        return run_until(pred_file, path, secs, name);
}

/* A process that has ended: gone, or a zombie whose new parent (init) has yet to reap it. */
static bool pid_gone(pid_t pid) {
        char path[64];
        _cleanup_free_ char *stat = NULL;
        char *paren;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        stat = read_all(path);
        if (!stat)
                return true;
        paren = strrchr(stat, ')');
        return paren && paren[1] == ' ' && paren[2] == 'Z';
}

/* Our own child, waited for: not even a zombie. */
static bool pred_reaped(const void *pid) {
        return kill(*(const pid_t *) pid, 0) < 0 && errno == ESRCH;
}

static bool pred_gone(const void *pids) {
        for (const pid_t *p = pids; *p > 0; p++)
                if (!pid_gone(*p))
                        return false;
        return true;
}

/* ---- the hook's files ---- */

static char *out_file(const char *name) {
        _cleanup_free_ char *path = path_join(out_dir, name);
        char *s = read_all(path);

        return s ?: strdup("(missing)");
}

static bool out_exists(const char *name) {
        _cleanup_free_ char *path = path_join(out_dir, name);

        return access(path, F_OK) == 0;
}

static unsigned out_count(const char *prefix) {
        _cleanup_free_ char *cmd = NULL;
        FILE *p;
        unsigned n = 0;

        if (asprintf(&cmd, "ls '%s' | grep -c '^%s'", out_dir, prefix) < 0)
                abort();
        p = popen(cmd, "re");
        if (!p)
                abort();
        if (fscanf(p, "%u", &n) != 1)
                n = 0;
        pclose(p);
        return n;
}

static void out_clear(void) {
        _cleanup_free_ char *cmd = NULL;

        if (asprintf(&cmd, "rm -f '%s'/*", out_dir) < 0 || system(cmd) != 0)
                abort();
}

/* What the hook does is chosen by its event and message, "EVENT:MESSAGE". */
static const char hook_script[] =
        "#!/bin/sh\n"
        "out=$HOOK_OUT/$RECHARGED_EVENT\n"
        "case \"$RECHARGED_EVENT:$RECHARGED_MESSAGE\" in\n"
        "*:fail)\n"
        "        echo 'something went wrong' >&2\n"
        "        exit 3 ;;\n"
        "start:hang)\n"
        "        sleep 1000 &\n"
        "        echo \"$$ $!\" >\"$HOOK_OUT/hang.tmp\" && mv \"$HOOK_OUT/hang.tmp\" \"$HOOK_OUT/hang\"\n"
        "        wait ;;\n"
        "start:setsid)\n"
        /* Out of its process group twice: a child in a session of its own, and an orphan (its
         * parent gone at once) in another. */
        "        setsid sleep 1000 &\n"
        "        c=$!\n"
        "        sh -c 'setsid sleep 1001 & echo $! >\"$HOOK_OUT/setsid.orphan\"'\n"
        "        echo \"$$ $c $(cat \"$HOOK_OUT/setsid.orphan\")\" >\"$HOOK_OUT/setsid.tmp\"\n"
        "        mv \"$HOOK_OUT/setsid.tmp\" \"$HOOK_OUT/setsid\"\n"
        "        wait ;;\n"
        "start:flood)\n"
        "        exec yes 'flood line' ;;\n"
        "*:gate)\n"
        /* Held until the test lets go of its lock: the burst is all there at once. */
        "        flock -s \"$HOOK_OUT/../gate\" true\n"
        "        : >\"$HOOK_OUT/ran.$RECHARGED_EVENT.$$\"\n"
        "        exit 0 ;;\n"
        "esac\n"
        "printf '%s' \"$RECHARGED_MESSAGE\" >\"$out.msg\"\n"
        "env | grep '^RECHARGED_' | grep -v '^RECHARGED_MESSAGE=' | sort | tr '\\n' ' ' >\"$out.env\"\n"
        "readlink /proc/$$/fd/0 >\"$out.stdin\"\n"
        "for f in /proc/$$/fd/*; do readlink \"$f\"; done >\"$out.fds\"\n"
        "cut -d' ' -f6 /proc/$$/stat | tr -d '\\n' >\"$out.sid\"\n"
        "echo 'hook says hello'\n";

static void write_conf(const char *timeout) {
        FILE *f = fopen(conf_path, "we");

        if (!f)
                abort();
        fprintf(f,
                "[general]\nheads-up = 0\non-start = %s\non-end = %s\nhook-timeout = %s\n\n"
                "[blk]\ntype = recharge\nstart = 21:00:00\nduration = 2s\nmessage = Block message\n",
                hook_path, hook_path, timeout);
        fclose(f);
}

static void reload(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        now += USEC_PER_MINUTE;
        if (manager_reload(m, now, &e) < 0)
                abort();
}

/* What the timer would do: every wake-up due up to t. */
static void tick_until(usec_t t) {
        while (m->wakeup != 0 && m->wakeup <= t)
                manager_tick(m, m->wakeup, false);
        now = t;
}

/* A minute later: Recharge (an hour), Stop or Extend (ten minutes), as a method handler does. */
static int act(ActionKind kind, const char *message) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        usec_t d = kind == ACTION_RECHARGE ? USEC_PER_HOUR : kind == ACTION_EXTEND ? 10 * USEC_PER_MINUTE : 0;

        tick_until(now + USEC_PER_MINUTE);
        return manager_act(m, &(Action) { .kind = kind, .duration = d, .message = message }, now, &e);
}

static pid_t logged_pid(const char *name) {
        _cleanup_free_ char *needle = NULL, *line = NULL;
        const char *p;

        if (asprintf(&needle, "Running hook %s (pid ", name) < 0)
                abort();
        line = log_line(needle);
        p = strstr(line, needle);
        return p ? (pid_t) atoi(p + strlen(needle)) : 0;
}

/* ---- the cases ---- */

static void test_schedule(void) {
        _cleanup_free_ char *env = NULL, *msg = NULL, *in = NULL, *fds = NULL, *sid = NULL, *want = NULL;
        char mine[32];
        pid_t pid;

        log_mark();
        tick_until(AT(21, 0, 0));
        ok(wait_log("Hook on-start finished", 10), "on-start runs when the block starts");
        env = out_file("start.env");
        if (asprintf(&want, "RECHARGED_ENTRY=blk RECHARGED_EVENT=start RECHARGED_SOURCE=schedule RECHARGED_UNTIL=%llu ",
                     (unsigned long long) (AT(21, 0, 2) / USEC_PER_SEC)) < 0)
                abort();
        is_str(env, want, "on-start: entry, event, source and the planned end in epoch seconds (and none of "
                          "the daemon's own RECHARGED_*)");
        msg = out_file("start.msg");
        is_str(msg, "Block message", "on-start: RECHARGED_MESSAGE");

        in = out_file("start.stdin");
        is_str(in, "/dev/null\n", "the hook's stdin is /dev/null");
        fds = out_file("start.fds");
        if (!ok(!strstr(fds, "socket:") && !strstr(fds, "anon_inode:") && !strstr(fds, "test-hooks-inproc.log"),
                "the hook inherits none of the daemon's sockets, timers, event fds or its log"))
                diag("its fds: %s", fds);
        pid = logged_pid("on-start");
        sid = out_file("start.sid");
        snprintf(mine, sizeof mine, "%d", (int) pid);
        is_str(sid, mine, "the hook leads its own session");
        ok(getsid(0) != pid, "…not the daemon's");
        is_int(log_count("Hook on-start: hook says hello"), 1, "what the hook prints goes to the daemon's log");
        ok(pid > 0 && kill(pid, 0) < 0 && errno == ESRCH,
           "the finished hook was reaped (no zombie left)");

        log_mark();
        tick_until(AT(21, 0, 2));
        ok(wait_log("Hook on-end finished", 10), "on-end runs when the block ends");
        free(env);
        env = out_file("end.env");
        free(want);
        if (asprintf(&want, "RECHARGED_ENTRY=blk RECHARGED_EVENT=end RECHARGED_HOW=completed RECHARGED_SOURCE=schedule "
                     "RECHARGED_UNTIL=%llu ", (unsigned long long) (AT(21, 0, 2) / USEC_PER_SEC)) < 0)
                abort();
        is_str(env, want, "on-end: the same, with event end and how it ended");
        free(msg);
        msg = out_file("end.msg");
        is_str(msg, "Block message", "on-end: RECHARGED_MESSAGE");
}

static void test_manual_message(void) {
        _cleanup_free_ char *msg = NULL, *p1 = path_join(tmp, "pwned1"), *p2 = path_join(tmp, "pwned2"),
                            *p3 = path_join(tmp, "pwned3"), *got = NULL, *env = NULL, *want = NULL, *changed = NULL;
        unsigned long long until;

        out_clear();
        if (asprintf(&msg, "$(touch %s); `touch %s`; \"quotes\" 'single' \\\\ ;|& $HOME * ~ > %s\ttabbed", p1, p2, p3) < 0)
                abort();
        log_mark();
        is_int(act(ACTION_RECHARGE, msg), 0, "Recharge with a message full of shell metacharacters is accepted");
        until = (unsigned long long) ((now + USEC_PER_HOUR) / USEC_PER_SEC);
        ok(wait_log("Hook on-start finished", 10), "on-start runs for the manual recharge");
        got = out_file("start.msg");
        is_str(got, msg, "RECHARGED_MESSAGE is the message verbatim");
        ok(access(p1, F_OK) < 0 && access(p2, F_OK) < 0 && access(p3, F_OK) < 0, "…and nothing in it ran");
        env = out_file("start.env");
        if (asprintf(&want, "RECHARGED_ENTRY= RECHARGED_EVENT=start RECHARGED_SOURCE=manual RECHARGED_UNTIL=%llu ", until) < 0)
                abort();
        is_str(env, want, "manual on-start: no entry, source manual, its end");

        log_mark();
        is_int(act(ACTION_EXTEND, NULL), 0, "Extend");
        ok(wait_log("Hook on-start finished", 10), "Extend runs on-start again…");
        free(env);
        env = out_file("changed.env");
        if (asprintf(&changed, "RECHARGED_ENTRY= RECHARGED_EVENT=changed RECHARGED_SOURCE=manual RECHARGED_UNTIL=%llu ",
                     until + 600) < 0)
                abort();
        is_str(env, changed, "…with RECHARGED_EVENT=changed and the new end");
        free(got);
        got = out_file("changed.msg");
        is_str(got, msg, "…and the message");

        log_mark();
        is_int(act(ACTION_STOP, NULL), 0, "Stop");
        ok(wait_log("Hook on-end finished", 10), "on-end runs at the Stop");
        free(got);
        got = out_file("end.msg");
        is_str(got, msg, "on-end of the manual recharge has its message too");
        free(env);
        env = out_file("end.env");
        if (!ok(strstr(env, "RECHARGED_HOW=stopped ") != NULL, "…and says it was stopped"))
                diag("%s", env);
}

static void test_fail(void) {
        _cleanup_free_ char *re = NULL;

        log_mark();
        is_int(act(ACTION_RECHARGE, "fail"), 0, "Recharge with a hook that fails");
        if (asprintf(&re, "Hook on-start \\('%s'\\) failed with exit status 3\\.", hook_path) < 0)
                abort();
        ok(wait_log(re, 10), "a failing hook is logged with its exit status");
        is_int(log_count("Hook on-start: something went wrong"), 1, "…and its stderr is in the log");
        is_str(mode_to_string(m->status.mode), "recharging", "…and the recharge goes on");
        log_mark();
        act(ACTION_STOP, NULL);
        ok(wait_log("Hook on-end \\('.*'\\) failed with exit status 3", 10), "on-end fails the same way");
}

static void test_hang(void) {
        _cleanup_free_ char *re = NULL, *line = NULL, *ids = NULL, *name = NULL;
        int shell = 0, child = 0;
        pid_t sup, gone[3] = {};

        out_clear();
        log_mark();
        is_int(act(ACTION_RECHARGE, "hang"), 0, "Recharge with a hook that hangs");
        ok(wait_file("hang", 10), "a hanging hook is running");
        ids = out_file("hang");
        ok(sscanf(ids, "%d %d", &shell, &child) == 2, "…its shell and the sleep it started");
        sup = logged_pid("on-start");
        is_int(act(ACTION_STOP, NULL), 0, "Stop is handled while it hangs");
        ok(wait_log("Hook on-end finished", 10), "…and the on-end hook runs meanwhile");
        if (asprintf(&re, "Hook on-start \\('%s'\\) still ran after 1 s: killed [0-9]+ process", hook_path) < 0)
                abort();
        ok(wait_log(re, 10), "after the time limit it is killed, and the log says so");
        line = log_line("still ran after 1 s");
        if (asprintf(&name, "%d sleep", child) < 0)
                abort();
        if (!ok(strstr(line, name) != NULL, "…naming what it killed: the sleep it started"))
                diag("%s", line);
        gone[0] = shell;
        gone[1] = child;
        ok(run_until(pred_gone, gone, 10, "the hook's processes to end"), "the hook's shell and its sleep are gone");
        ok(run_until(pred_reaped, &sup, 10, "the hook's process to be reaped"),
           "…and the process we started was reaped (no zombie)");
}

static void test_setsid(void) {
        _cleanup_free_ char *ids = NULL, *line = NULL, *a = NULL, *b = NULL;
        int shell = 0, child = 0, orphan = 0;
        pid_t sup, gone[3] = {};

        out_clear();
        log_mark();
        is_int(act(ACTION_RECHARGE, "setsid"), 0, "Recharge with a hook that starts setsid children");
        ok(wait_file("setsid", 10), "…it is running");
        ids = out_file("setsid");
        ok(sscanf(ids, "%d %d %d", &shell, &child, &orphan) == 3, "…with a child and an orphan");
        sup = logged_pid("on-start");
        ok(getsid(child) != sup && getsid(orphan) != sup && getsid(child) > 0 && getsid(orphan) > 0,
           "…they left the hook's session");
        ok(wait_log("Hook on-start .* still ran after 1 s: killed", 10), "at the time limit the log says what was killed");
        gone[0] = child;
        gone[1] = orphan;
        ok(run_until(pred_gone, gone, 10, "the setsid children to end"),
           "the child in a session of its own and the orphan in another are gone too");
        line = log_line("still ran after 1 s: killed");
        if (asprintf(&a, "%d sleep", child) < 0 || asprintf(&b, "%d sleep", orphan) < 0)
                abort();
        if (!ok(strstr(line, a) && strstr(line, b), "…and the log names both"))
                diag("%s", line);
        log_mark();
        act(ACTION_STOP, NULL);
        ok(wait_log("Hook on-end finished", 10), "on-end runs at the Stop");
}

/* Every hook of the burst ran, and the loop saw each one's end. */
static bool pred_ran_40(const void *arg) {
        (void) arg;
        return out_count("ran\\.") >= 40 && log_count("Hook on-start finished.") + log_count("Hook on-end finished.") >= 40;
}

static void test_burst(void) {
        _cleanup_free_ char *gate = path_join(tmp, "gate");
        _cleanup_free_ char *refused = NULL;
        struct { const char *pattern; unsigned want; } counts[] = {
                { "ran.start.", 20 },
                { "ran.end.", 20 },
        };
        int fd;

        /* A time limit the held hooks cannot reach, whatever the machine's load. */
        write_conf("60s");
        reload();
        out_clear();
        fd = open(gate, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        ok(fd >= 0 && flock(fd, LOCK_EX) == 0, "the gate is held");

        log_mark();
        for (int i = 0; i < 5; i++) {
                act(ACTION_RECHARGE, "gate");
                act(ACTION_STOP, NULL);
        }
        ok(wait_log("Hook on-end waits: 8 hooks are running already \\(2 waiting\\)\\.", 10),
           "a burst of 10 hooks: the two beyond the 8 running wait, and the log says so");
        is_int(log_count("Not running hook"), 0, "…none was refused");
        is_int(out_count("ran\\."), 0, "…while the 8 are held");

        /* 8 run, 32 may wait: 16 more pairs make 42, and the last two are refused. */
        for (int i = 0; i < 16; i++) {
                act(ACTION_RECHARGE, "gate");
                act(ACTION_STOP, NULL);
        }
        if (asprintf(&refused, "Not running hook on-end ('%s'): 8 hooks are running and 32 more wait already.",
                     hook_path) < 0)
                abort();
        is_int(log_count(refused), 1, "42 hooks: the 2 beyond 8 running and 32 waiting are refused, each logged: on-end");
        is_int(log_count("Not running hook on-start"), 1, "…and on-start");
        is_int(log_count("8 hooks are running and 32 more wait already."), 2, "…no other");

        ok(flock(fd, LOCK_UN) == 0, "the gate opens");
        close(fd);
        ok(run_until(pred_ran_40, NULL, 30, "40 hooks to run and finish"), "…and all 40 that were kept run and finish");
        for (size_t i = 0; i < ELEMENTSOF(counts); i++)
                is_int(out_count(counts[i].pattern), counts[i].want, "…%u of them %s", counts[i].want, counts[i].pattern);
        /* Time for the loop to be seen serving others while the flood pours in, on a loaded machine. */
        write_conf("2s");
        reload();
}

static int on_probe(sd_event_source *s, uint64_t usec, void *userdata) {
        *(usec_t *) userdata = mono();
        return 0;
}

static bool pred_set(const void *t) {
        return *(const usec_t *) t != 0;
}

static void test_flood(void) {
        _cleanup_(sd_event_source_unrefp) sd_event_source *probe = NULL;
        usec_t armed, fired = 0;
        bool served;

        log_mark();
        is_int(act(ACTION_RECHARGE, "flood"), 0, "Recharge with a hook that floods its output");
        ok(wait_log("Hook on-start printed more than 50 lines: the rest is read and not logged\\.", 10),
           "a flooding hook: the log says the rest is not logged");
        /* What the bus would be: another source of the loop, due while the output pours in. */
        armed = mono();
        if (sd_event_add_time_relative(m->event, &probe, CLOCK_MONOTONIC, 1, 1, on_probe, &fired) < 0)
                abort();
        served = run_until(pred_set, &fired, 5, "a timer during the flood") && log_count("still ran after") == 0;
        ok(served, "the loop serves its other sources during the flood (a timer due at once: %llu ms), before the "
           "flood ends", (unsigned long long) (served ? (fired - armed) / USEC_PER_MSEC : 0));
        ok(wait_log("Hook on-start .* still ran after 2 s: killed [0-9]+ process(es)?: .*[0-9]+ yes\\.", 10),
           "the flooding hook is killed at the time limit");
        is_int(log_count("Hook on-start: flood line"), 50, "only 50 of its lines reach the log");
        log_mark();
        act(ACTION_STOP, NULL);
        ok(wait_log("Hook on-end finished", 10), "on-end runs at the Stop");
}

/* One Recharge and Stop: both hooks refused, the log naming why (regex), and neither ran. */
static void refused(const char *what, const char *re) {
        out_clear();
        reload();
        log_mark();
        act(ACTION_RECHARGE, "refused");
        ok(wait_log(re, 5), "%s: on-start is refused with a log line", what);
        act(ACTION_STOP, NULL);
        ok(wait_log("Not running hook on-end", 5), "…and on-end");
        /* Nothing was started that could still write its files. */
        is_int(log_count("Running hook"), 0, "…and they did not run");
        ok(!out_exists("start.msg") && !out_exists("end.msg"), "…no trace of them");
}

static void test_refused(void) {
        _cleanup_free_ char *writable = NULL, *anyone = path_join(tmp, "anyone"), *sticky = path_join(tmp, "sticky"),
                            *mine = path_join(anyone, "mine"), *private = path_join(tmp, "private.conf"),
                            *in_anyone = path_join(anyone, "recharged.conf"),
                            *in_sticky = path_join(sticky, "recharged.conf"), *in_mine = path_join(mine, "recharged.conf"),
                            *parent = path_join(tmp, "config");
        struct {
                const char *what, *target, *culprit;
        } links[] = {
                { "a config symlinked into a 0777 folder", in_anyone, anyone },
                { "a config symlinked into a sticky 1777 folder (like /tmp)", in_sticky, sticky },
                { "a config in a private folder below a 0777 one", in_mine, anyone },
        };

        if (asprintf(&writable, "Not running hook on-start: '%s' or its folder is writable by others than its owner",
                     conf_path) < 0)
                abort();
        chmod(conf_path, 0666);
        refused("a config file writable by others", writable);
        chmod(conf_path, 0644);
        chmod(conf_dir, 0777);
        refused("a config folder writable by others", writable);
        chmod(conf_dir, 0755);

        /* The file is ours and 0644, the symlink's folder private, but the file can be replaced
         * through its own folder, or one above it. */
        if (rename(conf_path, private) < 0 || mkdir(anyone, 0777) < 0 || chmod(anyone, 0777) < 0 ||
            mkdir(sticky, 01777) < 0 || chmod(sticky, 01777) < 0 || mkdir(mine, 0700) < 0)
                abort();
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                _cleanup_free_ char *cmd = NULL, *re = NULL;

                if (asprintf(&cmd, "cp '%s' '%s' && ln -sf '%s' '%s'", private, links[i].target, links[i].target,
                             conf_path) < 0 || system(cmd) != 0)
                        abort();
                if (asprintf(&re, "Not running hook on-start: '%s' can be written or replaced by others than you "
                             "\\(through '%s'\\)", conf_path, links[i].culprit) < 0)
                        abort();
                refused(links[i].what, re);
                unlink(conf_path);
                unlink(links[i].target);
        }

        /* The config folder's parent writable by all: the config folder itself can be swapped. */
        {
                _cleanup_free_ char *cmd = NULL, *re = NULL;

                if (asprintf(&cmd, "cp '%s' '%s'", private, conf_path) < 0 || system(cmd) != 0)
                        abort();
                chmod(parent, 0777);
                if (asprintf(&re, "Not running hook on-start: '%s' can be written or replaced by others than you "
                             "\\(through '%s'\\)", conf_path, parent) < 0)
                        abort();
                refused("the folder above the config's writable by all", re);
                chmod(parent, 0755);
        }

        out_clear();
        reload();
        log_mark();
        act(ACTION_RECHARGE, "allowed again");
        ok(wait_log("Hook on-start finished", 10), "made private again, hooks run after a reload");
        act(ACTION_STOP, NULL);
        ok(wait_log("Hook on-end finished", 10), "…both");
}

int main(void) {
        char template[] = "/dev/shm/test-hooks-inproc.XXXXXX", fallback[] = "/tmp/test-hooks-inproc.XXXXXX";
        _cleanup_free_ char *home = NULL, *state = NULL, *config = NULL;
        sigset_t mask;
        FILE *f;

        tmp = mkdtemp(template) ?: mkdtemp(fallback);
        if (!tmp)
                return 99;
        home = path_join(tmp, "home");
        state = path_join(tmp, "state");
        config = path_join(tmp, "config");
        conf_dir = path_join(config, "recharged");
        conf_path = path_join(conf_dir, "recharged.conf");
        out_dir = path_join(tmp, "out");
        log_path = path_join(tmp, "test-hooks-inproc.log");
        hook_path = path_join(tmp, "hook.sh");
        if (mkdir(home, 0700) < 0 || mkdir(config, 0755) < 0 || mkdir(conf_dir, 0755) < 0 || mkdir(out_dir, 0700) < 0)
                return 99;
        f = fopen(hook_path, "we");
        if (!f || fputs(hook_script, f) < 0 || fclose(f) != 0 || chmod(hook_path, 0755) < 0)
                return 99;

        setenv("HOME", home, 1);
        setenv("XDG_STATE_HOME", state, 1);
        setenv("TZ", "UTC", 1);
        setenv("HOOK_OUT", out_dir, 1);
        /* Ours replace these: a hook sees only its event's. */
        setenv("RECHARGED_ENTRY", "inherited", 1);
        setenv("RECHARGED_OTHER", "inherited", 1);

        /* As the daemon does, before any thread: sd-event's child sources need SIGCHLD blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return 99;

        /* The log into a file the cases read. */
        log_file = fopen(log_path, "we");
        if (!log_file)
                return 99;
        log_set_stream(log_file);
        log_set_max_level(LOG_DEBUG);

        write_conf("1s");
        if (manager_new(conf_path, &m) < 0 || manager_load_config(m) < 0 || hooks_new(m, &hooks) < 0)
                return 99;
        now = AT(20, 0, 0);
        if (manager_begin(m, now) < 0)
                return 99;
        /* The start-up's save runs on a thread: its end wakes the loop. */
        while (m->begin_save && sd_event_run(m->event, 10 * USEC_PER_SEC) > 0)
                ;

        test_schedule();
        test_manual_message();
        test_fail();
        test_hang();
        test_setsid();
        test_burst();
        test_flood();
        test_refused();

        hooks = hooks_free(hooks);
        m = manager_free(m);
        log_set_stream(NULL);
        fclose(log_file);
        if (tap_failed > 0)
                diag("the daemon's log is kept: %s", log_path);
        else
                rm_rf(tmp);
        free(out_dir);
        free(conf_dir);
        free(conf_path);
        free(log_path);
        free(hook_path);
        return tap_done();
}
