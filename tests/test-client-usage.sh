#!/bin/bash
# SPDX-License-Identifier: MIT
# test-client-usage.sh: rechargectl's help, version and bad usage of every command: exit 2 with
# a one-line hint, before any bus traffic (no daemon runs here).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
test_setup

ctl_is 0 "--help" --help
grep -q '^rechargectl \[OPTIONS\] \[COMMAND\]' <<<"$OUT"
ok $? "--help: the synopsis"
usage=$OUT
for c in status watch on off extend skip snooze done pause resume list agenda stats reload check-config export help; do
        grep -Eq "^  $c( |$)" <<<"$usage"
        ok $? "--help lists '$c'"
        ctl help "$c"
        is "$RC/$(head -1 <<<"$OUT" | cut -d' ' -f1-2)" "0/rechargectl $c" "help $c"
done
ctl_is 0 "-h" -h
ctl_is 0 "help" help
ctl_is 0 "--version" --version
is "$OUT" "rechargectl $(sed -n 's/^AC_INIT(\[recharged\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")" "--version prints the package version"

# Each bad usage: exit 2, one line on stderr, nothing on stdout.
bad() {
        local what=$1; shift
        ctl "$@"
        is "$RC" 2 "$what: exit 2"
        is "$(wc -l <<<"$ERR")/$OUT" "1/" "$what: one line on stderr, nothing on stdout"
        [[ $ERR == rechargectl:*"Try 'rechargectl "* ]]
        ok $? "$what: a hint to help ('$ERR')"
}
bad "unknown command" frobnicate
bad "unknown option" --frob
bad "unknown short option" -x
bad "--format without a value" --format
bad "--days without a value" agenda --days
bad "--json with a value" --json=yes
bad "status with an argument" status now
bad "two output formats" --json --waybar
bad "--format with --json" --format=%mode% --json
bad "watch with an argument" watch now
bad "on with junk" on soon
bad "on with a zero span" on 0
bad "on with two spans" on 1h 2h
bad "on until without a time" on until
bad "on until with a bad time" on until 25:00
bad "on until with junk" on until 7am
bad "on -m without text" on -m
bad "on with --json" on --json
bad "off with an argument" off now
bad "extend without a span" extend
bad "extend with junk" extend lots
bad "extend with a negative span" extend -- -5min
bad "skip without an entry" skip
bad "skip with two entries" skip a b
bad "snooze without a span" snooze morning
bad "snooze with a bad span" snooze morning soon
bad "snooze with nothing" snooze
bad "done without an entry" done
bad "pause with junk" pause forever
bad "pause until with junk" pause until noon
bad "resume with an argument" resume now
bad "list with an argument" list all
bad "list --days" list --days 3
bad "agenda --days 0" agenda --days 0
bad "agenda --days junk" agenda --days soon
bad "agenda --days negative" agenda --days -3
bad "agenda with an argument" agenda tomorrow
bad "stats --since junk" stats --since lately
bad "stats --days" stats --days 3
bad "reload with an argument" reload now
bad "check-config with two files" check-config a b
bad "export with an argument" export now
bad "export --json" export --json
bad "help for an unknown command" help frob
bad "help with two commands" help on off
bad "--waybar on list" list --waybar
bad "--names on status" --names

# libiniparser is not linked (a status bar would pay for loading it at every refresh), and
# check-config still reads a config without it.
needed=$(LC_ALL=C readelf -d "$RECHARGECTL" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
case $needed in
*libsystemd*) ok 0 "readelf reads rechargectl's libraries ($needed)" ;;
*) ok 1 "readelf reads rechargectl's libraries ($needed)" ;;
esac
case $needed in
*iniparser*) ok 1 "libiniparser is not among them" ;;
*) ok 0 "libiniparser is not among them" ;;
esac
printf '[general]\nheads-up = soon\n' >"$T/bad.conf"
ctl_is 1 "check-config on a bad config" check-config "$T/bad.conf"
is "$ERR" "$T/bad.conf:2: [general] heads-up: 'soon' is not a number, expected a time span such as 45min" \
        "…says what is wrong"
printf '[general]\nheads-up = 5min\n\n[x]\ntype = selfcare\nat = 10:00\n' >"$T/good.conf"
ctl_is 0 "check-config on a good config" check-config "$T/good.conf"
is "$OUT" "$T/good.conf: valid, 1 entry." "…says it is valid"

tap_done
