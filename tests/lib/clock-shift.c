/* SPDX-License-Identifier: MIT
 * clock-shift.c: an LD_PRELOAD library for running the tests at another instant (run-at.sh).
 * CLOCK_REALTIME, time(), gettimeofday(), timespec_get() and file times read SHIFT_SECONDS
 * away from the real ones; absolute realtime timers (timerfd, clock_nanosleep) and file times
 * written are shifted back, so sd-event sleeps as long as it means to. Monotonic and boottime
 * clocks are left alone. Every process of a run (bus, daemons, clients, python, date, jq)
 * inherits it and agrees on "now".
 *
 * Why not libfaketime (0.9.10, Debian 12): its "@" form restarts the clock in each new process
 * (a client started 5 s after the daemon sees the daemon's start instant), it fakes the
 * monotonic clock too, and its timerfd_settime() translation leaves recharged-share's bus
 * unanswered and makes TFD_TIMER_CANCEL_ON_SET fail with EINVAL.
 *
 * Built by run-at.sh with: cc -shared -fPIC -o clock-shift.so clock-shift.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

static long long shift_s;
static int inited;
static unsigned char rt_fd[65536];

static void init(void) {
        if (inited) return;
        const char *e = getenv("SHIFT_SECONDS");
        shift_s = e ? strtoll(e, NULL, 10) : 0;
        inited = 1;
}
static int is_rt(clockid_t c) {
        return c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE || c == CLOCK_REALTIME_ALARM || c == CLOCK_TAI;
}
int clock_gettime(clockid_t c, struct timespec *ts) {
        static int (*real)(clockid_t, struct timespec *);
        if (!real) real = dlsym(RTLD_NEXT, "clock_gettime");
        init();
        int r = real(c, ts);
        if (r == 0 && is_rt(c)) ts->tv_sec += shift_s;
        return r;
}
int __clock_gettime(clockid_t c, struct timespec *ts) { return clock_gettime(c, ts); }
int gettimeofday(struct timeval *tv, void *tz) {
        static int (*real)(struct timeval *, void *);
        if (!real) real = dlsym(RTLD_NEXT, "gettimeofday");
        init();
        int r = real(tv, tz);
        if (r == 0) tv->tv_sec += shift_s;
        return r;
}
time_t time(time_t *t) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (t) *t = ts.tv_sec;
        return ts.tv_sec;
}
int timespec_get(struct timespec *ts, int base) {
        if (base != TIME_UTC) return 0;
        clock_gettime(CLOCK_REALTIME, ts);
        return base;
}
int timerfd_create(clockid_t c, int flags) {
        static int (*real)(clockid_t, int);
        if (!real) real = dlsym(RTLD_NEXT, "timerfd_create");
        int fd = real(c, flags);
        if (fd >= 0 && fd < 65536) rt_fd[fd] = is_rt(c);
        return fd;
}
static void back(struct timespec *t) {
        /* a fake absolute instant to a real one; "never" (huge) stays huge */
        if (t->tv_sec == 0 && t->tv_nsec == 0) return;
        if (t->tv_sec > (long long) 1 << 40) return;
        t->tv_sec -= shift_s;
        if (t->tv_sec <= 0) { t->tv_sec = 0; t->tv_nsec = 1; }
}
int timerfd_settime(int fd, int flags, const struct itimerspec *n, struct itimerspec *o) {
        static int (*real)(int, int, const struct itimerspec *, struct itimerspec *);
        if (!real) real = dlsym(RTLD_NEXT, "timerfd_settime");
        init();
        if (n && (flags & TFD_TIMER_ABSTIME) && fd >= 0 && fd < 65536 && rt_fd[fd]) {
                struct itimerspec x = *n;
                back(&x.it_value);
                return real(fd, flags, &x, o);
        }
        return real(fd, flags, n, o);
}
int clock_nanosleep(clockid_t c, int flags, const struct timespec *req, struct timespec *rem) {
        static int (*real)(clockid_t, int, const struct timespec *, struct timespec *);
        if (!real) real = dlsym(RTLD_NEXT, "clock_nanosleep");
        init();
        if ((flags & TIMER_ABSTIME) && is_rt(c) && req) {
                struct timespec x = *req;
                back(&x);
                return real(c, flags, &x, rem);
        }
        return real(c, flags, req, rem);
}

/* File times: shifted like the clock, so that "the file's mtime" and "now" agree. */
static void sh_st(struct stat *st) {
        st->st_atim.tv_sec += shift_s; st->st_mtim.tv_sec += shift_s; st->st_ctim.tv_sec += shift_s;
}
#define WRAP_STAT(name, proto, args, stp) \
int name proto { \
        static int (*real) proto; \
        if (!real) real = dlsym(RTLD_NEXT, #name); \
        init(); \
        int r = real args; \
        if (r == 0) sh_st((struct stat *) (stp)); \
        return r; \
}
WRAP_STAT(stat, (const char *p, struct stat *s), (p, s), s)
WRAP_STAT(lstat, (const char *p, struct stat *s), (p, s), s)
WRAP_STAT(fstat, (int fd, struct stat *s), (fd, s), s)
WRAP_STAT(fstatat, (int d, const char *p, struct stat *s, int f), (d, p, s, f), s)
WRAP_STAT(stat64, (const char *p, struct stat64 *s), (p, s), s)
WRAP_STAT(lstat64, (const char *p, struct stat64 *s), (p, s), s)
WRAP_STAT(fstat64, (int fd, struct stat64 *s), (fd, s), s)
WRAP_STAT(fstatat64, (int d, const char *p, struct stat64 *s, int f), (d, p, s, f), s)
int statx(int d, const char *p, int f, unsigned int m, struct statx *s) {
        static int (*real)(int, const char *, int, unsigned int, struct statx *);
        if (!real) real = dlsym(RTLD_NEXT, "statx");
        init();
        int r = real(d, p, f, m, s);
        if (r == 0) {
                s->stx_atime.tv_sec += shift_s; s->stx_mtime.tv_sec += shift_s;
                s->stx_ctime.tv_sec += shift_s; s->stx_btime.tv_sec += shift_s;
        }
        return r;
}
static void back_times(const struct timespec *in, struct timespec *out) {
        for (int i = 0; i < 2; i++) {
                out[i] = in[i];
                if (in[i].tv_nsec != UTIME_NOW && in[i].tv_nsec != UTIME_OMIT) out[i].tv_sec -= shift_s;
        }
}
int utimensat(int d, const char *p, const struct timespec t[2], int f) {
        static int (*real)(int, const char *, const struct timespec *, int);
        if (!real) real = dlsym(RTLD_NEXT, "utimensat");
        init();
        if (!t) return real(d, p, t, f);
        struct timespec x[2]; back_times(t, x);
        return real(d, p, x, f);
}
int futimens(int fd, const struct timespec t[2]) {
        static int (*real)(int, const struct timespec *);
        if (!real) real = dlsym(RTLD_NEXT, "futimens");
        init();
        if (!t) return real(fd, t);
        struct timespec x[2]; back_times(t, x);
        return real(fd, x);
}
