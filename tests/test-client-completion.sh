#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-completion.sh: bash completion completes commands, options and entry names asked
# from the running daemon; zsh's file parses; both know every command --help lists.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

cat >"$CONF" <<'EOF2'
[general]
heads-up = 0

[morning]
type = recharge
start = 07:00
duration = 45min

[stretch]
type = selfcare
at = 10:00
EOF2
daemon_start || exit 1

# the completion asks `rechargectl list --names`: the one under test
mkdir -p "$T/bin"
ln -s "$RECHARGECTL" "$T/bin/rechargectl"
export PATH="$T/bin:$PATH"

. "$top_srcdir/shell-completion/bash/rechargectl"
complete_words() { # complete_words WORDS...: COMPREPLY for the last word, sorted, one line
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMPREPLY=()
        _rechargectl
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

commands=$("$RECHARGECTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
is "$(complete_words rechargectl "")" "$commands" "bash: every command --help lists"
is "$(complete_words rechargectl sn)" "snooze" "bash: a command from its start"
is "$(complete_words rechargectl skip "")" "morning" "bash: skip completes only blocks, from the daemon"
is "$(complete_words rechargectl start "")" "morning" "bash: start completes only blocks"
is "$(complete_words rechargectl done "")" "stretch" "bash: done completes only reminders"
is "$(complete_words rechargectl done st)" "stretch" "bash: done completes a reminder from its start"
is "$(complete_words rechargectl snooze "")" "morning stretch" "bash: snooze's first argument is an entry"
is "$(complete_words rechargectl snooze morning 1)" "10min 15min 1h" "bash: snooze's second argument is a span"
is "$(complete_words rechargectl --json skip m)" "morning" "bash: options before the command are skipped"
is "$(complete_words rechargectl status --w)" "--waybar" "bash: status options"
is "$(complete_words rechargectl agenda --d)" "--days=" "bash: agenda options"
is "$(complete_words rechargectl on -m "tea" un)" "until" "bash: an option's value is not the command"
is "$(complete_words rechargectl help ch)" "check-config" "bash: help completes commands"
is "$(complete_words rechargectl skip morning "")" "" "bash: nothing after skip's one entry"
is "$(complete_words rechargectl off --q)" "--quiet" "bash: --quiet for a command that changes something"

if command -v fish >/dev/null; then
        FISH_FILE=$top_srcdir/shell-completion/fish/rechargectl.fish
        fish -n "$FISH_FILE"
        ok $? "fish: the completion file parses"
        # fish_complete: what fish completes for a command line (names only, sorted, one line)
        fish_complete() {
                HOME=$T/home XDG_CONFIG_HOME=$T/fish-config XDG_DATA_HOME=$T/fish-data \
                        fish --no-config -c "source '$FISH_FILE'; complete -C '$1'" 2>/dev/null |
                        cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'
        }
        got=$(fish_complete "rechargectl ")
        is "$got" "$commands" "fish: every command --help lists"
        is "$(fish_complete "rechargectl skip ")" "morning" "fish: skip completes only blocks"
        is "$(fish_complete "rechargectl done ")" "stretch" "fish: done completes only reminders"
        is "$(fish_complete "rechargectl snooze ")" "morning stretch" "fish: snooze completes any entry"
        is "$(fish_complete "rechargectl snooze morning 1")" "10min 15min 1h" "fish: snooze's second argument is a span"
        is "$(fish_complete "rechargectl on -m tea un")" "until" "fish: an option's value is not an argument"
else
        for w in "parses" "every command" "skip" "done" "snooze" "snooze span" "option value"; do
                skip "fish is not installed" "fish: $w"
        done
fi

daemon_stop
is "$(complete_words rechargectl skip "")" "" "bash: no daemon, no entry names, no noise"

if command -v zsh >/dev/null; then
        zsh -n "$top_srcdir/shell-completion/zsh/_rechargectl"
        ok $? "zsh: the completion file parses"
        missing=
        for c in $commands; do
                grep -q "'$c:" "$top_srcdir/shell-completion/zsh/_rechargectl" || missing="$missing $c"
        done
        is "$missing" "" "zsh: every command is described"
else
        skip "zsh is not installed" "zsh: the completion file parses"
        skip "zsh is not installed" "zsh: every command is described"
fi

tap_done
