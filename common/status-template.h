/* SPDX-License-Identifier: MIT */
/* status-template.h: the status line's template language, one for the daemon's StatusText (the
 * config's `status`) and rechargectl --format: %name% placeholders, %% for a literal %, and
 * %[ … ] segments that are left out whole when a placeholder in them is empty. */
#pragma once

#include <stddef.h>

/* The value of the placeholder name (n bytes, not NUL-terminated): "" when it has none now, NULL
 * when the name is not one of the caller's. */
typedef const char *(*TemplateLookup)(const char *name, size_t n, void *userdata);

/* Expands t. "%[" opens a segment, its first "]" closes it ("%]" is a literal ']' inside it); the
 * segment's text is kept only when every placeholder in it has a value that is not empty. Unknown
 * placeholders, lone '%' and an unclosed "%[" (check first) are copied as they are. Returns a new
 * string, NULL on ENOMEM. */
char *template_expand(const char *t, TemplateLookup lookup, void *userdata);

/* Every problem in t, one sentence each (strv, NULL when none): an unknown placeholder (the known
 * names are listed), a lone '%', a segment without its ']', a segment inside another. Returns the
 * number of problems, or -ENOMEM. */
int template_check(const char *t, const char *const *names, char ***ret_problems);
