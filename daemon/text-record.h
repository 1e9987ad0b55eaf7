/* SPDX-License-Identifier: MIT */
/* text-record.h: the line syntax of the state and history files: bare words, decimal numbers
 * and quoted strings, written and read back exactly. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The record syntax the state and history files share (history.c uses it too; both are text a
 * person can read). A line is blank-separated tokens: bare words, decimal numbers, and quoted
 * strings "…" with the escapes \\ \" \n \t and \xHH (any other byte below 0x20, and 0x7f, is
 * written as \xHH; a raw one inside quotes, \x00, an unknown escape or a missing closing quote is
 * refused). Each reader takes *p inside one line (ended by '\n' or NUL), skips blanks first, and
 * moves *p past what it read; all return -EBADMSG on malformed input, or -ENOMEM. */
int text_quote(FILE *f, const char *s);
int text_read_word(const char **p, const char **ret_word, size_t *ret_len);
int text_read_u64(const char **p, uint64_t *ret);
int text_read_string(const char **p, size_t max, char **ret);
int text_read_end(const char **p);

