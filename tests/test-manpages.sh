#!/bin/bash
# SPDX-License-Identifier: MIT
# test-manpages.sh: the manuals cannot drift from the code: every config key the parser knows,
# every rechargectl command and option, every recharged option and every D-Bus member and error
# is documented; the built pages have no placeholder left.
. "$top_srcdir/tests/lib/tap.sh"

MAN="$top_srcdir/man"
CONF5="$MAN/recharged.conf.5.scd"
CTL1="$MAN/rechargectl.1.scd"
D8="$MAN/recharged.8.scd"
XML="$top_srcdir/dbus/org.recharged.Recharged1.xml"
CTL="$top_builddir/client/rechargectl"

# documented FILE PATTERN: whether FILE has a line matching the extended regexp PATTERN.
documented() { grep -Eq -- "$2" "$1"; }

# each WHAT FILE PATTERN-WITH-@ ITEMS...: one test per item, @ replaced by the item.
each() {
        local what=$1 file=$2 pat=$3 item; shift 3
        for item in "$@"; do
                documented "$file" "${pat//@/$item}"
                ok $? "$what '$item' is in $(basename "$file")"
        done
}

# ---- config keys: the parser's own table in common/config.c ----
keys=$(sed -n '/^static const char \*const key_names\[/,/^};/p' "$top_srcdir/common/config.c" |
        sed -n 's/.*\] = "\([a-z-]*\)",.*/\1/p')
n=$(echo "$keys" | wc -w)
[ "$n" -ge 10 ]
ok $? "found the parser's key table ($n keys)"
# A key is documented where it is defined: a line that starts with *key* =.
# shellcheck disable=SC2086
each "config key" "$CONF5" '^\*@\* = ' $keys
# The entry types and the status placeholders the parser accepts, too.
types=$(sed -n '/entry_type_table\[_ENTRY_TYPE_MAX\] = {/,/^};/p' "$top_srcdir/common/config.c" | sed -n 's/.*= "\([a-z]*\)",.*/\1/p')
# shellcheck disable=SC2086
each "entry type" "$CONF5" '\*type\* = .*\*@\*' $types
placeholders=$(sed -n 's/^static const char \*const placeholders\[\] = {\(.*\)};/\1/p' "$top_srcdir/common/config.c" | grep -o '"[a-z-]*"' | tr -d '"')
# shellcheck disable=SC2086
each "status placeholder" "$CONF5" '\*%@%\*' $placeholders

# ---- D-Bus: every member of both interfaces, and every error name ----
members=$(/usr/bin/python3 - "$XML" <<'PY'
import sys, xml.etree.ElementTree as ET
for iface in ET.parse(sys.argv[1]).getroot().iter("interface"):
    for m in iface:
        if m.tag in ("property", "method", "signal"):
            print(m.get("name"))
PY
)
n=$(echo "$members" | sort -u | wc -l)
[ "$n" -ge 30 ]
ok $? "read the members of the installed XML ($n names)"
# Documented as a term: *Name* first on a line (or in a list of properties on that line).
# shellcheck disable=SC2086
each "D-Bus member" "$D8" '^(\*[A-Za-z]+\* \([a-z{}()]+\), )*\*@\*' $(echo "$members" | sort -u)
errors=$(sed -n 's/^#define RECHARGED_ERROR_[A-Z_]* "\(.*\)"$/\1/p' "$top_srcdir/common/names.h")
# shellcheck disable=SC2086
each "D-Bus error" "$D8" '^\*@\*$' $errors
each "interface" "$D8" '@' org.recharged.Recharged1.Entry org.freedesktop.DBus.ObjectManager

# ---- recharged: every long option of --help, the signals, the exit statuses ----
opts=$("$top_builddir/daemon/recharged" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
# shellcheck disable=SC2086
each "recharged option" "$D8" '^(\*-[a-z]\*, )?\*@\*' $opts
each "signal" "$D8" '^\*@\*' SIGHUP SIGTERM
each "exit status" "$D8" '^\*@\*$' 0 1 2 78
# The environment of hooks (DESIGN.md's list).
each "hook variable" "$D8" '^\*@\*$' RECHARGED_EVENT RECHARGED_ENTRY RECHARGED_SOURCE RECHARGED_UNTIL RECHARGED_MESSAGE

# ---- rechargectl: the commands and options of the built client ----
if [ -x "$CTL" ]; then
        help=$("$CTL" --help 2>&1)
        # Commands: the client's verb table ({ "name", ... verb_... }), else the words that start
        # the lines of --help's command list.
        verbs=$(cat "$top_srcdir"/client/*.c | sed -n 's/^[[:space:]]*{ *"\([a-z-]*\)",.*verb_.*/\1/p' | sort -u)
        [ -n "$verbs" ] || verbs=$(echo "$help" | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u)
        n=$(echo "$verbs" | wc -w)
        [ "$n" -ge 10 ]
        ok $? "read rechargectl's commands ($n)"
        # shellcheck disable=SC2086
        each "rechargectl command" "$CTL1" '^\*@\*' $verbs
        copts=$(echo "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u)
        # shellcheck disable=SC2086
        each "rechargectl option" "$CTL1" '^(\*-[a-z]\*, )?\*@\*' $copts
else
        skip "client/rechargectl is not built" "rechargectl's commands and options are in rechargectl.1"
fi
# The JSON keys (documented in client/output.c's header comment) and the --format placeholders
# (its template_expand) are in the manual's tables.
out_c="$top_srcdir/client/output.c"
if [ -f "$out_c" ]; then
        jkeys=$(sed -n '/rechargectl status --json/,/\*\//p' "$out_c" | sed -n 's/^ \*   \([a-z_]*\(, [a-z_]*\)*\)  .*/\1/p' | tr -d ',')
        # shellcheck disable=SC2086
        each "JSON key" "$CTL1" '^\|  (.*, )?@(,|$)' $jkeys
        tkeys=$(sed -n '/^char \*template_expand/,/^}/p' "$out_c" | grep -o 'IS("[a-z-]*")' | sed 's/IS("\(.*\)")/\1/')
        # shellcheck disable=SC2086
        each "--format placeholder" "$CTL1" '^\|  (.*, )?%@%(,|$)' $tkeys
else
        skip "client/output.c is not there" "the JSON keys and --format placeholders are in rechargectl.1"
fi
# DESIGN.md's commands, in any case.
each "rechargectl command" "$CTL1" '^\*@\*' status watch on off extend skip snooze done pause resume \
        list agenda stats reload check-config export help

# ---- the built pages ----
if [ "${man_built:-no}" = yes ]; then
        for p in recharged.8 rechargectl.1 recharged.conf.5; do
                f="$top_builddir/man/$p"
                if [ -s "$f" ] && ! grep -q '@[a-z_]*@' "$f"; then
                        ok 0 "$p is built, with the configured places filled in"
                else
                        ok 1 "$p is built, with the configured places filled in"
                        [ -f "$f" ] && diag "$(grep -n '@[a-z_]*@' "$f")"
                fi
                if command -v man >/dev/null; then
                        # "can't break line" depends on how long the configured paths are
                        # (distcheck's are very long), not on the page.
                        w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null | grep -v "can't break line")
                        is "$w" "" "$p renders without warnings"
                fi
        done
else
        skip "configured without scdoc" "the manuals are built"
fi

tap_done
