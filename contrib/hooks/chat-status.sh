#!/bin/sh
# SPDX-License-Identifier: MIT
# chat-status.sh: a recharged hook that tells your chat (or anything else) that you are away
# recharging, and back afterwards, so the people around you can see it.
#
# In ~/.config/recharged/recharged.conf:
#
#   [general]
#   on-start = CHAT_STATUS_COMMAND="$HOME/bin/set-my-status" sh /path/to/chat-status.sh
#   on-end   = CHAT_STATUS_COMMAND="$HOME/bin/set-my-status" sh /path/to/chat-status.sh
#
# CHAT_STATUS_COMMAND is run with two arguments: "away" or "available", and a text such as
# "Recharging until 07:45". It is split into words (so "purple-remote setstatus" works) but
# never evaluated by a shell; the text is passed as one argument, never as shell code, because
# the message may come from anyone on the session bus. Set CHAT_STATUS_SHARE_MESSAGE=yes to add
# the recharge's message to the text ("Recharging until 07:45 — A long walk").
#
# recharged sets: RECHARGED_EVENT (start | changed | end), RECHARGED_ENTRY, RECHARGED_SOURCE
# (schedule | manual), RECHARGED_UNTIL (epoch seconds, 0: open-ended), RECHARGED_MESSAGE.
set -eu

if [ -z "${CHAT_STATUS_COMMAND:-}" ]; then
        echo "chat-status.sh: set CHAT_STATUS_COMMAND to the command that sets your status" >&2
        exit 2
fi

case "${RECHARGED_EVENT:-}" in
start | changed)
        state=away
        until=${RECHARGED_UNTIL:-0}
        case "$until" in
        '' | *[!0-9]*) until=0 ;;
        esac
        if [ "$until" != 0 ]; then
                text="Recharging until $(date -d "@$until" +%H:%M)"
        else
                text="Recharging"
        fi
        if [ "${CHAT_STATUS_SHARE_MESSAGE:-no}" = yes ] && [ -n "${RECHARGED_MESSAGE:-}" ]; then
                text="$text — $RECHARGED_MESSAGE"
        fi
        ;;
end)
        state=available
        text=""
        ;;
*)
        echo "chat-status.sh: run me as recharged's on-start or on-end hook (RECHARGED_EVENT is '${RECHARGED_EVENT:-}')" >&2
        exit 2
        ;;
esac

# Word splitting of the user's own command is wanted here; globbing is not.
set -f
# shellcheck disable=SC2086
exec $CHAT_STATUS_COMMAND "$state" "$text"
