/* SPDX-License-Identifier: MIT */
/* test-fileio.c: read_file_bounded() on every kind of thing a path can name (a FIFO must not
 * hang us), its size bound, and path_check_private() on the folders above a file. */
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fileio.h"
#include "files.h"
#include "macro.h"
#include "tap.h"

static void write_file(const char *path, const char *text, size_t n) {
        FILE *f = fopen(path, "we");
        if (!f || fwrite(text, 1, n, f) != n || fclose(f) != 0)
                abort();
}

static void make_socket(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || strlen(path) >= sizeof sa.sun_path)
                abort();
        strcpy(sa.sun_path, path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                abort();
        /* Left open: the socket file stays a socket either way. */
}

static void test_read(const char *tmp) {
        _cleanup_free_ char *reg = path_join(tmp, "regular"), *empty = path_join(tmp, "empty"),
                            *fifo = path_join(tmp, "fifo"), *dir = path_join(tmp, "dir"),
                            *sock = path_join(tmp, "sock"), *missing = path_join(tmp, "missing"),
                            *link = path_join(tmp, "link-to-fifo");
        const struct {
                const char *what;
                const char *path;
                size_t max;
                int r;
                size_t len;
                const char *refusal;
        } cases[] = {
                { "a regular file", reg, 100, 0, 11, NULL },
                { "a regular file of exactly max bytes", reg, 11, 0, 11, NULL },
                { "a regular file one byte over max", reg, 10, -EFBIG, 0, NULL },
                { "an empty file", empty, 0, 0, 0, NULL },
                { "a FIFO without a writer (no hang)", fifo, 100, -ESPIPE, 0, "is a FIFO" },
                { "a symlink to a FIFO", link, 100, -ESPIPE, 0, "is a FIFO" },
                { "/dev/null", "/dev/null", 100, -ENODEV, 0, "is a character device" },
                { "/dev/zero (endless)", "/dev/zero", 100, -ENODEV, 0, "is a character device" },
                { "/dev/ptmx (a terminal)", "/dev/ptmx", 100, -ENODEV, 0, "is a character device" },
                { "a directory", dir, 100, -EISDIR, 0, "is a directory" },
                { "a socket", sock, 100, -ENXIO, 0, "is a socket" },
                { "a missing file", missing, 100, -ENOENT, 0, NULL },
                /* st_size 0 but content: the bound holds while reading, not only from fstat. */
                { "/proc/self/status over max", "/proc/self/status", 16, -EFBIG, 0, NULL },
        };

        write_file(reg, "hello world", 11);
        write_file(empty, "", 0);
        if (mkfifo(fifo, 0600) < 0 || mkdir(dir, 0700) < 0 || symlink(fifo, link) < 0)
                abort();
        make_socket(sock);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *buf = NULL;
                struct stat st = {};
                size_t len = 12345;
                int r;

                r = read_file_bounded(cases[i].path, cases[i].max, &buf, &len, &st);
                is_int(r, cases[i].r, "%s: %s", cases[i].what, r < 0 ? strerror(-r) : "read");
                if (cases[i].r == 0) {
                        ok(buf && len == cases[i].len && buf[len] == '\0', "…%zu bytes, NUL-terminated", len);
                        ok(S_ISREG(st.st_mode) && (size_t) st.st_size == len, "…and its stat");
                } else
                        ok(!buf && len == 12345, "…nothing returned");
                is_str(file_refusal_to_string(r), cases[i].refusal, "…said as '%s'",
                       cases[i].refusal ?: "(no refusal)");
        }

        {
                _cleanup_free_ char *buf = NULL;
                is_int(read_file_bounded(reg, 100, &buf, NULL, NULL), 0, "ret_len and ret_st may be NULL");
                is_str(buf, "hello world", "…the text");
        }
}

static void test_refuse_type(void) {
        const struct {
                mode_t mode;
                int r;
        } cases[] = {
                { S_IFREG, 0 }, { S_IFDIR, -EISDIR }, { S_IFIFO, -ESPIPE }, { S_IFCHR, -ENODEV },
                { S_IFBLK, -ENOTBLK }, { S_IFSOCK, -ENXIO }, { S_IFLNK, -EBADFD },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                is_int(file_refuse_type(cases[i].mode | 0644), cases[i].r, "file_refuse_type(0%o)",
                       (unsigned) cases[i].mode);
        is_str(file_refusal_to_string(-EBADFD), "is not a regular file", "-EBADFD said");
        is_str(file_refusal_to_string(-ENOENT), NULL, "-ENOENT is no refusal");
        is_str(file_refusal_to_string(0), NULL, "0 is no refusal");
}

static void mkdir_mode(const char *path, mode_t mode) {
        if (mkdir(path, mode) < 0 || chmod(path, mode) < 0)
                abort();
}

static void test_private(const char *tmp) {
        /* tmp is ours, 0700, below the sticky root-owned /tmp: an allowed ancestor. */
        _cleanup_free_ char *ok_dir = path_join(tmp, "p"), *ok_file = path_join(ok_dir, "conf"),
                            *ww = path_join(tmp, "ww"), *ww_file = path_join(ww, "conf"),
                            *sticky = path_join(tmp, "sticky"), *sticky_file = path_join(sticky, "conf"),
                            *sticky_deep = path_join(sticky, "mine"), *deep_file = path_join(sticky_deep, "conf"),
                            *ww_deep = path_join(ww, "mine"), *ww_deep_file = path_join(ww_deep, "conf"),
                            *link_ww = path_join(ok_dir, "link-ww"), *link_sticky = path_join(ok_dir, "link-sticky"),
                            *link_ok = path_join(ok_dir, "link-ok"), *link_in_ww = path_join(ww, "link-to-ok"),
                            *shared = path_join(ok_dir, "shared"), *foreign = path_join(ok_dir, "foreign"),
                            *home = path_join(ww, "home"), *home_dir = path_join(home, ".config"),
                            *home_file = path_join(home_dir, "conf"), *rel = NULL;
        const struct {
                const char *what;
                const char *path;
                const char *home;
                int r;
                const char *culprit;
        } cases[] = {
                { "0644 file in a 0755 folder", ok_file, NULL, 0, NULL },
                { "a symlink to it from the same folder", link_ok, NULL, 0, NULL },
                { "a 0664 file", shared, NULL, -EPERM, shared },
                { "a file of another user", foreign, NULL, -EPERM, foreign },
                { "a file in a 0777 folder", ww_file, NULL, -EPERM, ww },
                { "a file in a 1777 (sticky) folder", sticky_file, NULL, -EPERM, sticky },
                { "a private folder below a 1777 root folder", deep_file, NULL, 0, NULL },
                { "a private folder below a 0777 folder", ww_deep_file, NULL, -EPERM, ww },
                { "a symlink into a 0777 folder", link_ww, NULL, -EPERM, ww },
                { "a symlink into a 1777 folder", link_sticky, NULL, -EPERM, sticky },
                { "a symlink in a 0777 folder to a private file", link_in_ww, NULL, -EPERM, ww },
                { "below home, the walk stops at home", home_file, home, 0, NULL },
                { "the same without a home: the 0777 folder above is seen", home_file, NULL, -EPERM, ww },
                { "a home that is not above the file: walked to /", ww_deep_file, home, -EPERM, ww },
                { "a missing file", path_join(ok_dir, "missing"), NULL, -ENOENT, NULL },
        };

        mkdir_mode(ok_dir, 0755);
        write_file(ok_file, "x", 1);
        chmod(ok_file, 0644);
        write_file(shared, "x", 1);
        chmod(shared, 0664);
        write_file(foreign, "x", 1);
        chmod(foreign, 0644);
        mkdir_mode(ww, 0777);
        write_file(ww_file, "x", 1);
        mkdir_mode(sticky, 01777);
        write_file(sticky_file, "x", 1);
        mkdir_mode(sticky_deep, 0700);
        write_file(deep_file, "x", 1);
        mkdir_mode(ww_deep, 0700);
        write_file(ww_deep_file, "x", 1);
        mkdir_mode(home, 0755);
        mkdir_mode(home_dir, 0700);
        write_file(home_file, "x", 1);
        chmod(ok_file, 0644);
        chmod(ww_file, 0644);
        chmod(sticky_file, 0644);
        chmod(deep_file, 0644);
        chmod(ww_deep_file, 0644);
        chmod(home_file, 0644);
        if (symlink(ww_file, link_ww) < 0 || symlink(sticky_file, link_sticky) < 0 ||
            symlink(ok_file, link_ok) < 0 || symlink(ok_file, link_in_ww) < 0)
                abort();
        if (chmod(tmp, 0700) < 0)
                abort();

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *culprit = NULL;
                int r;

                if (cases[i].path == foreign && geteuid() != 0) {
                        ok(true, "%s # SKIP chown needs root", cases[i].what);
                        ok(true, "…culprit # SKIP");
                        continue;
                }
                if (cases[i].path == foreign && chown(foreign, 65534, 65534) < 0)
                        abort();
                r = path_check_private(cases[i].path, cases[i].home, &culprit);
                is_int(r, cases[i].r, "path_check_private: %s", cases[i].what);
                is_str(culprit, cases[i].culprit, "…names the culprit");
        }
        free((char *) cases[ELEMENTSOF(cases) - 1].path);

        /* A relative path: the symlink's folder is the working directory. */
        if (chdir(ok_dir) < 0)
                abort();
        is_int(path_check_private("link-ok", NULL, NULL), 0, "a relative path in a private folder");
        if (chdir(ww) < 0)
                abort();
        is_int(path_check_private("link-to-ok", NULL, &rel), -EPERM, "a relative path in a 0777 folder");
        is_str(rel, ww, "…names it");
        if (chdir("/") < 0)
                abort();
}

int main(void) {
        char tmp[] = "/tmp/test-fileio-XXXXXX";

        /* A read that blocks is the bug under test: fail rather than hang the suite. */
        alarm(30);
        umask(022);
        if (!mkdtemp(tmp))
                return 99;

        test_read(tmp);
        test_refuse_type();
        test_private(tmp);

        {
                char *cmd;
                if (asprintf(&cmd, "rm -rf '%s'", tmp) >= 0) {
                        (void) system(cmd);
                        free(cmd);
                }
        }
        return tap_done();
}
