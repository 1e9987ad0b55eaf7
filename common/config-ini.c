/* SPDX-License-Identifier: MIT */
/* config-ini.c: iniparser 4.1 reads the text our scan read, and every value must come out alike. */
#include <errno.h>
#include <stdarg.h>
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

#include "config-ini.h"
#include "config.h"
#include "macro.h"

/* iniparser's error callback has no user data: its messages are collected here, during one load. */
static char **ini_messages;

_printf_(1, 2) static int ini_collect(const char *fmt, ...) {
        va_list ap;
        char *m;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0)
                return 0;
        m[strcspn(m, "\n")] = 0;
        r = strv_extend(&ini_messages, m);
        free(m);
        return 0;
}

/* iniparser reads only from a path: hand it the very text we scanned, through a memfd (fd, made
 * on the first call and reused). */
static int ini_load(int *fd, const char *text, size_t len, dictionary **ret) {
        char path[64];

        if (*fd < 0) {
                *fd = memfd_create("recharged.conf", MFD_CLOEXEC);
                if (*fd < 0)
                        return -errno;
        } else if (ftruncate(*fd, 0) < 0)
                return -errno;
        for (size_t done = 0; done < len;) {
                ssize_t n = pwrite(*fd, text + done, len - done, (off_t) done);
                if (n < 0)
                        return -errno;
                done += n;
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", *fd);
        ini_messages = strv_free(ini_messages);
        iniparser_set_error_callback(ini_collect);
        *ret = iniparser_load(path);
        iniparser_set_error_callback(NULL);
        return 0;
}

_Noreturn static void disagree(const Section *s, ConfigKey k, const char *v) {
        fprintf(stderr, "config: [%s] %s: scanned '%s', iniparser '%s'\n", s->name, config_key_to_string(k),
                s->value[k] ?: "(none)", v ?: "(none)");
        abort();
}

/* Compares iniparser's values with the scanned ones. The dictionary is walked once, in its own
 * order: a lookup per key is a linear scan in iniparser 4.1. */
static void compare_values(const Parser *p, dictionary *d, uint32_t *seen) {
        for (ssize_t j = 0; j < d->size; j++) {
                const char *key = d->key[j], *colon;
                ConfigKey k;
                long i;

                /* Empty slots, and "section" entries (no value) that stand for the headers. */
                if (!key || !d->val[j] || !(colon = strchr(key, ':')))
                        continue;
                i = scan_find_section(p, key, colon - key);
                k = config_key_from_string(colon + 1);
                if (i < 0 || k < 0 || !p->sections[i].key_line[k])
                        continue; /* not one we scanned: what we scanned decides what is there */
                seen[i] |= 1u << k;
                if (!p->sections[i].value[k] || !streq(d->val[j], p->sections[i].value[k]))
                        disagree(&p->sections[i], k, d->val[j]);
        }
}

/* Sections per iniparser load. iniparser 4.1 adds each key after a scan of every key before it,
 * so one load of a whole file of 4096 entries is quadratic; loads of at most this many sections
 * cost the same each, whatever the file's size. The text is cut where a section's header line
 * begins (never inside a line continued with '\\'), and a file our scan accepted has no section
 * twice, so iniparser reads every piece exactly as it reads the whole. */
#define INI_CHUNK_SECTIONS 64

int config_ini_check(Parser *p, const char *text, size_t len) {
        _cleanup_free_ uint32_t *seen = NULL; /* per section, a bit per key iniparser has */
        _cleanup_close_ int fd = -1;
        int r;

        _Static_assert(_KEY_MAX <= 32, "a bit per key");
        seen = calloc(MAX(p->n_sections, 1u), sizeof(uint32_t));
        if (!seen)
                return -ENOMEM;

        for (size_t i = 0; i == 0 || i < p->n_sections; i += INI_CHUNK_SECTIONS) {
                size_t a = i == 0 ? 0 : p->sections[i].offset;
                size_t b = i + INI_CHUNK_SECTIONS < p->n_sections ? p->sections[i + INI_CHUNK_SECTIONS].offset : len;
                dictionary *d = NULL;

                r = ini_load(&fd, text + a, b - a, &d);
                if (r < 0)
                        return r;
                if (!d) {
                        /* Our scan accepted what iniparser refused: say what it said. */
                        fprintf(stderr, "config: iniparser refused what the scan accepted (bytes %zu–%zu):\n", a, b);
                        for (char **m = ini_messages; m && *m; m++)
                                fprintf(stderr, "  %s\n", *m);
                        abort();
                }
                compare_values(p, d, seen);
                iniparser_freedict(d);
        }
        ini_messages = strv_free(ini_messages);

        /* Scanned keys that iniparser does not have. */
        for (size_t i = 0; i < p->n_sections; i++)
                for (ConfigKey k = 0; k < _KEY_MAX; k++)
                        if (p->sections[i].key_line[k] && !(seen[i] & (1u << k)))
                                disagree(&p->sections[i], k, NULL);
        return 0;
}
