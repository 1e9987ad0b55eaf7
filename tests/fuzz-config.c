/* SPDX-License-Identifier: MIT */
/* fuzz-config.c: libFuzzer target: any bytes through config_load_string, then everything freed. */
#include <stdio.h>

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "config-ini.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **errors = NULL;
        Config *c = NULL;
        int r;

        /* our scan and iniparser must read every value alike: abort() where they do not */
        config_check_iniparser = config_ini_check;

        r = config_load_string((const char *) data, size, "fuzz.conf", &c, &errors);
        if (r == 0) {
                /* a loaded config is complete and keeps the promises config.h makes */
                if (!c || errors || !c->status)
                        abort();
                for (size_t i = 0; i < c->n_entries; i++) {
                        const Entry *e = &c->entries[i];
                        if (!e->name || !e->message || e->days == 0 || e->n_at > ENTRY_AT_MAX ||
                            (i > 0 && strcmp(c->entries[i - 1].name, e->name) >= 0) ||
                            config_find_entry(c, e->name) != (int) i)
                                abort();
                }
                free(status_expand(c->status, &(StatusVars) { .until = "12:00", .message = "m" }));
        } else if (r == -EINVAL) {
                if (c || !errors || !errors[0])
                        abort();
                for (char **l = errors; *l; l++)
                        if (strncmp(*l, "fuzz.conf:", 10) != 0 || strchr(*l, '\n'))
                                abort();
        } else if (r != -ENOMEM)
                abort();
        config_free(c);
        return 0;
}
