/* SPDX-License-Identifier: MIT */
/* state.h: what the user told us that must survive a restart or kill -9 (manual recharge,
 * pause, skips, snoozes, stops, dones, what we changed on notification servers), as a small
 * text file written atomically. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "engine.h"
#include "names.h"
#include "timeparse.h"

#define STATE_ENTRIES_MAX RECHARGED_ENTRIES_MAX
#define STATE_SILENCE_MAX 8
#define STATE_STRING_MAX 4096                  /* bytes in one decoded string of the state file */
#define STATE_FILE_MAX (16U * 1024 * 1024)     /* a bigger file is damaged (-EBADMSG) */

/* One entry's overlay, by name, so it survives a reload that reorders or removes entries. */
typedef struct StateEntry {
        char *name;
        EntryOverlay overlay;
} StateEntry;

/* What we changed on a notification server, so the next start can put it back after a crash:
 * server ("dunst", "mako", "swaync", "gnome", "xfce"), and the value before as text. */
typedef struct StateSilence {
        char *server;
        char *before;
} StateSilence;

/* A recharge we announced as started and not yet as ended, with what its end needs: so a
 * restart neither starts it again nor loses its message or the notification its end replaces. */
typedef struct StateActive {
        bool manual;
        char *entry;                     /* "" for the manual one */
        usec_t of;                       /* the block's occurrence (its planned start), 0 manual */
        usec_t start, end;               /* as it stands; end 0: until Stop */
        usec_t began;                    /* when it really began for the user (a late start: then) */
        uint32_t note;                   /* our start notification's id, 0 none or unknown */
        char *message;
        usec_t away;                     /* how long the screen was locked or idle during it, up
                                          * to the last return (the open away span is not in it) */
        char *digest;                    /* welcome records: what arrived during it ("Signal 3 ·
                                          * Mail 5", app names and counts only), NULL none */
} StateActive;
#define STATE_ACTIVE_MAX (RECHARGED_ENTRIES_MAX + 1)

typedef struct State {
        usec_t processed;                /* every event before this was handled (0: unknown) */
        usec_t paused_since, paused_until;
        usec_t manual_since, manual_until;
        char *manual_message;            /* NULL when no manual recharge */
        StateEntry *entries;
        size_t n_entries;
        StateSilence silence[STATE_SILENCE_MAX];
        size_t n_silence;
        StateActive *active;
        size_t n_active;
        usec_t away_since;               /* the person is away from the screen since, 0 not */
        usec_t hold_since, hold_until;   /* Overlay.away_since and away_until */
        StateActive *welcome;            /* blocks that ended while the person was away: one */
        size_t n_welcome;                /* "welcome back" each when they return */
} State;

void state_active_done(StateActive *a);
/* A deep copy of n records into *ret (NULL when n is 0). */
int state_active_copy(const StateActive *v, size_t n, StateActive **ret);

State *state_free(State *s);
static inline void state_freep(State **s) {
        state_free(*s);
}

/* Text format, one record a line, "key value…" with C-style escapes in strings; a version
 * line first. Parse errors return -EBADMSG (the caller moves the file aside). */
int state_format(const State *s, char **ret_text);
int state_parse(const char *text, State **ret);

/* Loads path; -ENOENT when there is none (start empty), -EBADMSG when damaged. */
int state_load(const char *path, State **ret);
/* Writes atomically: temp file in the same folder, fsync, rename, fsync of the folder. On any
 * failure the old file is untouched and a negative errno is returned (-ENOSPC, -EROFS, -EACCES…). */
int state_save(const char *path, const State *s);
/* state_save() of what state_format() made: a caller that formatted it already (to see whether
 * anything changed) does not pay for it twice. */
int state_save_text(const char *path, const char *text);
/* Takes the state folder's lock ("<dir>/lock", flock, creating dir), so that two daemons (two
 * session buses, one home) never overwrite each other's state. *ret_fd holds it for as long as it
 * stays open. -EBUSY when another process holds it (*ret_holder, if not NULL, is the pid it wrote
 * there, 0 if unknown). */
int state_dir_lock(const char *dir, int *ret_fd, pid_t *ret_holder);
/* Removes the temp files a save killed mid-way left beside path (".#<name><16 hex>", regular,
 * ours); call it holding the lock, so no save is under way. Returns how many went in
 * *ret_removed (may be NULL), 0 or the first error. */
int state_remove_stale_temporaries(const char *path, unsigned *ret_removed);
/* 0 when path is a regular file (symlinks followed), the errno of fstat/stat when it cannot be
 * looked at (-ENOENT: none yet), or read_file_bounded()'s refusal errno for what it is instead. */
int state_check_file(const char *path);
/* Renames a damaged file to "<path>.bad-<epoch seconds>"; returns the new name. */
int state_move_aside(const char *path, usec_t now, char **ret_newpath);

/* Overlay <-> State by entry names: entries of the state that name no entry of c are dropped and
 * reported through ret_dropped (a strv, may be NULL). */
int state_to_overlay(const State *s, const Config *c, Overlay *o, char ***ret_dropped);
int state_from_overlay(State *s, const Config *c, const Overlay *o);

/* The state file's text kept between saves (state-text.c), for a writer that saves often while
 * little changes (the manager, at every boundary): each entry's records, and each active and
 * welcome record, stay formatted beside a copy of what they were formatted from; a save compares
 * those copies with what it is given (no dirty flag to forget), formats again only what differs
 * and copies the rest. The text is byte for byte what state_format() makes. */
typedef struct StateText StateText;
StateText *state_text_free(StateText *t);
static inline void state_text_freep(StateText **t) {
        state_text_free(*t);
}
/* The text of rest (a State without entries: processed, manual message, silence, active, away,
 * welcome) with what state_from_overlay() takes from overlay o over config c (the entries, the
 * pause, the manual times, the hold): what state_format() makes of that, or its refusal. *t is
 * created on first use and made again when c is another config than the one it was made for;
 * free it (and set it NULL) whenever c is freed, so that a new config at the same address is
 * not taken for the old. */
int state_text_format(StateText **t, const State *rest, const Config *c, const Overlay *o, char **ret_text);
/* The same text made from scratch, nothing kept: state_from_overlay() and state_format() of rest
 * with the entries from o. What state_text_format() falls back to, and what the tests hold it to. */
int state_text_format_whole(const State *rest, const Config *c, const Overlay *o, char **ret_text);

/* mkdir -p of the folder that holds path, creating what is missing with mode. */
int mkdir_parents(const char *path, mode_t mode);
