/* SPDX-License-Identifier: MIT */
/* test-config-ini.c: our scan of recharged.conf against iniparser 4.1, the reference: for tricky
 * lines, every config under tests/configs and the fuzz corpus, both must build the same dictionary. */
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#if HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#elif HAVE_INIPARSER_H
#include <iniparser.h>
#else
#error "iniparser.h not found"
#endif

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "config-scan.h"
#include "files.h"
#include "macro.h"
#include "tap.h"

static int quiet(const char *fmt, ...) {
        (void) fmt;
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "section" and "section:key=value" lines, sorted, one string; the dictionary's own words. */
static char *joined_sorted(char **l, size_t n) {
        char *s = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&s, &size);

        qsort(l, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s\n", l[i]);
        fclose(f);
        return s;
}

static void free_lines(char **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i]);
        free(l);
}

/* iniparser's dictionary of text; NULL when it refuses the text. */
static char *ini_dictionary(const char *text, size_t len) {
        char path[64], **l = NULL, *s;
        dictionary *d;
        size_t n = 0;
        int fd;

        fd = memfd_create("test.conf", MFD_CLOEXEC);
        if (fd < 0 || write(fd, text, len) != (ssize_t) len)
                abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        iniparser_set_error_callback(quiet);
        d = iniparser_load(path);
        iniparser_set_error_callback(NULL);
        close(fd);
        if (!d)
                return NULL;
        l = calloc(d->size + 1, sizeof(char *));
        for (ssize_t j = 0; j < d->size; j++) {
                if (!d->key[j])
                        continue;
                if (d->val[j] ? asprintf(&l[n], "%s=%s", d->key[j], d->val[j]) < 0 : !(l[n] = strdup(d->key[j])))
                        abort();
                n++;
        }
        iniparser_freedict(d);
        s = joined_sorted(l, n);
        free_lines(l, n);
        return s;
}

/* Our scan's dictionary, in iniparser's words; NULL when the scan refuses the text. */
static char *scan_dictionary(const char *text, size_t len) {
        _cleanup_(parser_done) Parser p = { .name = "test.conf" };
        char **l, *s;
        size_t n = 0;

        scan_text(&p, text, len);
        if (p.oom)
                abort();
        if (p.n_problems > 0)
                return NULL;
        l = calloc(p.n_sections * (_KEY_MAX + 1) + 1, sizeof(char *));
        for (size_t i = 0; i < p.n_sections; i++) {
                const Section *sec = &p.sections[i];
                if (!(l[n++] = strdup(sec->name)))
                        abort();
                for (ConfigKey k = 0; k < _KEY_MAX; k++)
                        if (sec->key_line[k] &&
                            asprintf(&l[n++], "%s:%s=%s", sec->name, config_key_to_string(k), sec->value[k]) < 0)
                                abort();
        }
        s = joined_sorted(l, n);
        free_lines(l, n);
        return s;
}

static unsigned compared, refused;

/* Whether the scan accepts text; where it does, iniparser must read the same dictionary. */
static bool same(const char *text, size_t len, const char *what) {
        _cleanup_free_ char *ours = NULL, *theirs = NULL;

        /* as load() does: a BOM is not text, and NUL bytes or over 1 MiB are refused unscanned */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
                text += 3;
                len -= 3;
        }
        if (len > CONFIG_FILE_MAX || memchr(text, 0, len)) {
                refused++;
                return false;
        }
        ours = scan_dictionary(text, len);
        if (!ours) {
                refused++;
                return false;
        }
        compared++;
        theirs = ini_dictionary(text, len);
        is_str(ours, theirs, "%s: the scan reads what iniparser reads", what);
        return true;
}

/* A line, inside an entry that is otherwise plain. */
#define ENTRY "[t]\ntype = selfcare\nat = 10:00\n"

static const struct {
        const char *text;
        bool accepted; /* by our scan; where it refuses, iniparser would have lost text */
} tricky[] = {
        /* whitespace and case */
        { ENTRY "message = plain\n", true },
        { ENTRY "message=tight\n", true },
        { ENTRY "   message   =   spaced out   \n", true },
        { ENTRY "\tmessage\t=\ttabs\t\n", true },
        { ENTRY "\v\fmessage = vertical tab and form feed\f\v\n", true },
        { ENTRY "MESSAGE = Upper Case Key, Value Kept\n", true },
        { ENTRY "MeSsAgE = mixed\n", true },
        { "[T]\nTYPE = SelfCare\nAT = 10:00\n", true },
        { "[  spaced  ]\ntype = recharge\nstart = 10:00\nduration = 1h\n", true },
        { ENTRY "message = crlf\r\n", true },
        { "[t]\r\ntype = selfcare\r\nat = 10:00\r\nmessage = all crlf\r\n", true },
        { ENTRY "message = no newline at the end", true },
        { ENTRY "message = inner   runs   of   blanks\n", true },
        { ENTRY "message = a=b=c\n", true },
        { ENTRY "message  ==  x\n", true },
        { ENTRY "message =\n", true },
        { ENTRY "message = \n", true },
        { ENTRY "message=\n", true },
        /* quotes */
        { ENTRY "message = \"quoted\"\n", true },
        { ENTRY "message = \"  blanks kept  \"\n", true },
        { ENTRY "message = \" \"\n", true },
        { ENTRY "message = \"\"\n", true },
        { ENTRY "message = ''\n", true },
        { ENTRY "message = 'single'\n", true },
        { ENTRY "message = \"it's\"\n", true },
        { ENTRY "message = 'say \"hi\"'\n", true },
        { ENTRY "message = \"a ; b # c\"\n", true },
        { ENTRY "message = 'a;b#c'\n", true },
        { ENTRY "message = \"q\" ; comment\n", true },
        { ENTRY "message = \"q\"# comment\n", true },
        { ENTRY "message = \"q\"   \n", true },
        { ENTRY "message = \"\" ; empty, then a comment\n", true },
        { ENTRY "message = mid\"quote\n", true },
        { ENTRY "message = mid'quote'\n", true },
        { ENTRY "message = \"unclosed\n", false },
        { ENTRY "message = 'unclosed\n", false },
        { ENTRY "message = \"a\" \"b\"\n", false },
        { ENTRY "message = \"a\"b\n", false },
        { ENTRY "message = \"\"x\n", false },
        /* inline comments */
        { ENTRY "message = value ; comment\n", true },
        { ENTRY "message = value # comment\n", true },
        { ENTRY "message = value\t;tab before\n", true },
        { ENTRY "message = ; only a comment\n", true },
        { ENTRY "message = # only a comment\n", true },
        { ENTRY "message = ;\n", true },
        { ENTRY "message = #\n", true },
        { ENTRY "message = glued;comment\n", false },
        { ENTRY "message = glued#comment\n", false },
        { ENTRY "# message = commented out\n", true },
        { ENTRY "; message = commented out\n", true },
        { ENTRY "   # indented comment\n", true },
        { "# [t]\n" ENTRY, true },
        /* continuation lines */
        { ENTRY "message = one \\\n  two\n", true },
        { ENTRY "message = one\\\ntwo\n", true },
        { ENTRY "message = one \\   \n  two\n", true },
        { ENTRY "message = a \\\n b \\\n c\n", true },
        { ENTRY "message = a \\\n# not a comment here\n", true },
        { ENTRY "message = a \\\n\n", true },
        { ENTRY "message = \"quoted \\\n across\"\n", true },
        { ENTRY "mess\\\nage = key split\n", true },
        { "[t\\\n]\ntype = selfcare\nat = 10:00\n", true },
        { ENTRY "message = \\\n", false },
        { ENTRY "message = trailing \\", false },
        /* sections, comments, blank lines */
        { "\n\n   \n" ENTRY "\n\n", true },
        { "[general]\n[t]\ntype = selfcare\nat = 10:00\n", true },
        { "[general]\nheads-up = 5min\nstatus = \"%until% ; %message%\"\n" ENTRY, true },
        { "[share]\ncalendar = https://example.org/cal/\nuser = 'me'\n", true },
        { "[partner]\ncalendar = file:///tmp/x.ics\nname = \"Sam ; B\"\n", true },
        { ENTRY "[t]\nmessage = a duplicate section\n", false },
        { ENTRY "message = a\nmessage = b\n", false },
        { "message = outside\n" ENTRY, false },
        { "[t] ; comment\ntype = selfcare\nat = 10:00\n", false },
        { "[t\ntype = selfcare\n", false },
        { "[]\n", false },
        { "[a b]\n", false },
        { "[a]b]\n", false },
        { ENTRY "no equals sign\n", false },
        { ENTRY " = no key\n", false },
        { ENTRY "unknown = key\n", false },
        /* bytes */
        { ENTRY "message = caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8c\xbf\n", true },
        { ENTRY "message = \x01\x02 control \x7f\n", true },
        { ENTRY "message = \xff\xfe not UTF-8\n", true },
        { "\xef\xbb\xbf" ENTRY, true },
};

static void test_tricky(void) {
        for (size_t i = 0; i < ELEMENTSOF(tricky); i++) {
                char what[32];
                snprintf(what, sizeof what, "tricky[%zu]", i);
                ok(same(tricky[i].text, strlen(tricky[i].text), what) == tricky[i].accepted, "%s: %s by the scan", what,
                   tricky[i].accepted ? "accepted" : "refused");
        }
}

/* Lines around CONFIG_LINE_MAX, iniparser's own limit, with and without a continuation. */
static void test_long(void) {
        for (int n = CONFIG_LINE_MAX - 2; n <= CONFIG_LINE_MAX + 2; n++) {
                _cleanup_free_ char *text = NULL, *cont = NULL;
                char what[64];
                int v = n - (int) strlen("message = ");

                if (asprintf(&text, ENTRY "message = %0*d\n", v, 7) < 0 ||
                    asprintf(&cont, ENTRY "message = %0*d\\\n%0*d\n", v / 2, 7, v - v / 2, 8) < 0)
                        abort();
                snprintf(what, sizeof what, "a line of %d bytes", n);
                ok(same(text, strlen(text), what) == (n <= CONFIG_LINE_MAX), "%s: %s", what,
                   n <= CONFIG_LINE_MAX ? "accepted" : "refused");
                snprintf(what, sizeof what, "a line of %d bytes, continued", n);
                same(cont, strlen(cont), what);
        }
}

static void test_files(const char *pattern, size_t at_least) {
        glob_t g = {};
        unsigned before = compared;

        if (glob(pattern, 0, NULL, &g) != 0)
                g.gl_pathc = 0;
        ok(g.gl_pathc >= at_least, "%s: at least %zu files (%zu)", pattern, at_least, g.gl_pathc);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                size_t len;
                _cleanup_free_ char *text = read_bytes(g.gl_pathv[i], &len);
                (void) same(text, len, g.gl_pathv[i]);
        }
        diag("%s: %u of %zu compared, the rest refused by the scan", pattern, compared - before, g.gl_pathc);
        globfree(&g);
}

int main(void) {
        const char *extra = getenv("CONFIG_INI_CORPUS");

        if (chdir(SRCDIR) < 0)
                diag("cannot chdir to %s: %m", SRCDIR);
        test_tricky();
        test_long();
        test_files("tests/configs/good/*.conf", 6);
        test_files("tests/configs/bad/*.conf", 30);
        test_files("tests/fuzz-corpus/config/*", 4);
        if (extra) {
                /* a corpus a fuzzer run grew, when asked: CONFIG_INI_CORPUS=DIR */
                _cleanup_free_ char *pattern = NULL;
                if (asprintf(&pattern, "%s/*", extra) < 0)
                        abort();
                test_files(pattern, 1);
        }
        diag("%u texts compared with iniparser, %u refused by the scan", compared, refused);
        ok(compared >= 100, "at least 100 texts compared (%u)", compared);
        return tap_done();
}
