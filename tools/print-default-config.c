/* SPDX-License-Identifier: MIT */
/* print-default-config: writes the built-in default schedule, the installed recharged.conf.example. */
#include <stdio.h>
#include <string.h>

#include "config.h"

int main(void) {
        size_t n = strlen(config_default_text);

        if (fwrite(config_default_text, 1, n, stdout) != n || fflush(stdout) != 0) {
                perror("print-default-config: Failed to write the default config");
                return 1;
        }
        return 0;
}
