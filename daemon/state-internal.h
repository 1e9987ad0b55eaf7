/* SPDX-License-Identifier: MIT */
/* state-internal.h: what state.c (the format) shares with state-text.c (the text kept between
 * saves), so that both write the same records the same way. Not for other modules. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "state.h"

/* A string state_parse() reads back: not NULL, not empty unless may_be_empty, not too long. */
bool state_string_ok(const char *s, bool may_be_empty);
/* What state_format() refuses: -EINVAL for what state_parse() would not read back. */
int state_verify(const State *s);
/* Whether an entry's overlay has anything for the file (an `entry` record). */
bool state_entry_worth_keeping(const EntryOverlay *eo);

/* The records, in the file's order: head (version, processed, paused, manual), each entry with
 * its overrides, silence, active, away, welcome. */
void state_format_head(FILE *f, const State *s);
void state_format_entry(FILE *f, const char *name, const EntryOverlay *eo, size_t n_overrides);
void state_format_silence(FILE *f, const State *s);
void state_format_active(FILE *f, const char *record, const StateActive *a);
void state_format_away(FILE *f, const State *s);
/* Closes a memory stream (its buffer is complete only then); -ENOMEM if any write failed. */
int state_memstream_finish(FILE **f);
