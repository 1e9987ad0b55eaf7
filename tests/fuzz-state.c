/* SPDX-License-Identifier: MIT */
/* fuzz-state.c: libFuzzer target: any bytes as a state file; what parses must format, re-parse to
 * the same State and format to the same text, and survive the trip through an Overlay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/config.h" /* not the autoconf config.h of the build tree */
#include "macro.h"
#include "state.h"

static bool same_string(const char *a, const char *b) {
        return (!a && !b) || (a && b && streq(a, b));
}

static bool same_state(const State *a, const State *b) {
        if (a->processed != b->processed || a->paused_since != b->paused_since ||
            a->paused_until != b->paused_until || a->manual_since != b->manual_since ||
            a->manual_until != b->manual_until || a->n_entries != b->n_entries ||
            a->n_silence != b->n_silence)
                return false;
        /* The writer writes an empty message for a manual record without one. */
        if (!same_string(a->manual_message ?: "", b->manual_message ?: ""))
                return false;
        for (size_t i = 0; i < a->n_entries; i++) {
                const EntryOverlay *x = &a->entries[i].overlay, *y = &b->entries[i].overlay;

                if (!streq(a->entries[i].name, b->entries[i].name) || x->done != y->done ||
                    x->n_overrides != y->n_overrides)
                        return false;
                for (size_t k = 0; k < x->n_overrides; k++)
                        if (x->overrides[k].of != y->overrides[k].of ||
                            x->overrides[k].start != y->overrides[k].start ||
                            x->overrides[k].end != y->overrides[k].end)
                                return false;
        }
        for (size_t i = 0; i < a->n_silence; i++)
                if (!streq(a->silence[i].server, b->silence[i].server) ||
                    !streq(a->silence[i].before, b->silence[i].before))
                        return false;
        return true;
}

/* A small schedule whose entry names the seeds use, for the Overlay round trip. */
static const char schedule[] =
        "[morning]\ntype = recharge\nstart = 07:00\nduration = 45min\n"
        "[water]\ntype = selfcare\nevery = 1h\nbetween = 09:00-17:00\n"
        "[walk]\ntype = selfcare\nat = 12:30\n";

static void overlay_round_trip(const State *s) {
        static Config *c = NULL;
        _cleanup_strv_free_ char **dropped = NULL;
        _cleanup_(state_freep) State *back = NULL;
        _cleanup_free_ EntryOverlay *eo = NULL;
        _cleanup_free_ char *text = NULL;
        Overlay o;
        int r;

        if (!c) {
                _cleanup_strv_free_ char **errors = NULL;
                if (config_load_string(schedule, strlen(schedule), "fuzz.conf", &c, &errors) < 0)
                        abort();
        }
        eo = calloc(c->n_entries, sizeof(EntryOverlay));
        if (!eo)
                return;
        o = (Overlay) { .entries = eo, .n_entries = c->n_entries };
        r = state_to_overlay(s, c, &o, &dropped);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                abort();
        back = calloc(1, sizeof(State));
        if (!back)
                return;
        r = state_from_overlay(back, c, &o);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                abort();
        /* What came from a valid state makes a valid one: it formats and parses back. */
        r = state_format(back, &text);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                abort();
        State *again = NULL;
        r = state_parse(text, &again);
        if (r == -ENOMEM)
                return;
        if (r < 0 || !same_state(back, again))
                abort();
        state_free(again);

        /* The text a save makes from records kept since the inputs before (the same config) is
         * what formatting it whole makes, or the same refusal. */
        static StateText *kept = NULL;
        _cleanup_free_ char *k = NULL, *w = NULL;
        State rest = *s, whole;
        int rk, rw;

        rest.entries = NULL;
        rest.n_entries = 0;
        whole = rest;
        whole.entries = back->entries;
        whole.n_entries = back->n_entries;
        whole.paused_since = back->paused_since;
        whole.paused_until = back->paused_until;
        whole.manual_since = back->manual_since;
        whole.manual_until = back->manual_until;
        whole.hold_since = back->hold_since;
        whole.hold_until = back->hold_until;
        rk = state_text_format(&kept, &rest, c, &o, &k);
        rw = state_format(&whole, &w);
        if (rk == -ENOMEM || rw == -ENOMEM) {
                kept = state_text_free(kept); /* half-kept records are right, but start clean */
                return;
        }
        if (rk != rw || (rk >= 0 && !streq(k, w)))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(state_freep) State *s = NULL, *s2 = NULL;
        _cleanup_free_ char *text = NULL, *t1 = NULL, *t2 = NULL;
        int r;

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        r = state_parse(text, &s);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                /* a damaged file is -EBADMSG, nothing else (state.h) */
                if (r != -EBADMSG || s)
                        abort();
                return 0;
        }

        /* Everything the reader accepts the writer writes, and reads back unchanged. */
        r = state_format(s, &t1);
        if (r == -ENOMEM)
                return 0;
        if (r < 0)
                abort();
        r = state_parse(t1, &s2);
        if (r == -ENOMEM)
                return 0;
        if (r < 0 || !same_state(s, s2))
                abort();
        r = state_format(s2, &t2);
        if (r == -ENOMEM)
                return 0;
        if (r < 0 || !streq(t1, t2))
                abort();

        overlay_round_trip(s);
        return 0;
}
