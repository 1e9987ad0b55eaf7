# SPDX-License-Identifier: MIT
# fish completion for rechargectl: commands, their options, and entry names asked from recharged.

set -l commands status watch is-recharging on start off extend skip reset snooze done pause resume list agenda stats reload check-config share export help

# __rechargectl_entries [recharge|selfcare]: every entry, or those of one type (list's TYPE column).
function __rechargectl_entries
    if set -q argv[1]
        rechargectl list 2>/dev/null | awk -v t=$argv[1] 'NR > 1 && $2 == t { print $1 }'
    else
        rechargectl list --names 2>/dev/null
    end
end

# How many words follow the command (options and their values left out).
function __rechargectl_nargs
    set -l words (commandline -opc)
    set -l n -1
    set -l skip 0
    for w in $words[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -m --message --days --since --format
                set skip 1
            case '-*'
            case '*'
                set n (math $n + 1)
        end
    end
    echo $n
end

complete -c rechargectl -f
complete -c rechargectl -s h -l help -d 'show the usage'
complete -c rechargectl -l version -d 'show the version'

complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a status -d 'what is on now (the default)'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a watch -d 'a line per change'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a is-recharging -d 'exit 0 while recharging, 1 if not'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a on -d 'recharge now'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a start -d 'start a block now'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a off -d 'end the current recharge'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a extend -d 'lengthen the current recharge'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a skip -d "skip a block's next occurrence"
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a reset -d "undo an entry's skips and snoozes still to come"
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a snooze -d "postpone an entry's next start or reminder"
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a done -d 'mark a self-care reminder as done'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a pause -d 'pause the whole schedule'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a resume -d 'resume the schedule'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a list -d 'the entries and when each is next'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a agenda -d 'what is planned, day by day'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a stats -d 'planned and kept time, counts, streak'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a reload -d 're-read the configuration'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a check-config -d 'validate a configuration'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a share -d "sharing with your calendar and your partner's"
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a export -d 'the schedule as iCalendar'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands" -a help -d 'help on a command'

complete -c rechargectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from status watch" -s j -l json -d 'JSON output'
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from status watch" -l waybar -d "waybar's custom-module JSON"
complete -c rechargectl -n "not __fish_seen_subcommand_from $commands; or __fish_seen_subcommand_from status watch" -l format -x -d 'a line from a template'
complete -c rechargectl -n "__fish_seen_subcommand_from list agenda stats share" -s j -l json -d 'JSON output'
complete -c rechargectl -n "__fish_seen_subcommand_from on" -s m -l message -x -d 'what the recharge is for'
complete -c rechargectl -n "__fish_seen_subcommand_from on start off extend skip reset snooze done pause resume reload share" -s q -l quiet -d 'do not say what was done'
complete -c rechargectl -n "__fish_seen_subcommand_from list" -l names -d 'entry names only'
complete -c rechargectl -n "__fish_seen_subcommand_from list" -s l -l long -d "each entry's rule too"
complete -c rechargectl -n "__fish_seen_subcommand_from agenda export" -l days -x -a '1 7 14 30 90 365' -d 'how many days'
complete -c rechargectl -n "__fish_seen_subcommand_from export" -l no-reminders -d 'blocks only'
complete -c rechargectl -n "__fish_seen_subcommand_from stats" -l since -x -a '1d 7d 2w 30d 1y' -d 'how far back, or YYYY-MM-DD'

# done is for reminders; skip and start are for blocks; snooze for either.
complete -c rechargectl -n "__fish_seen_subcommand_from done; and test (__rechargectl_nargs) = 0" -a '(__rechargectl_entries selfcare)'
complete -c rechargectl -n "__fish_seen_subcommand_from skip start; and test (__rechargectl_nargs) = 0" -a '(__rechargectl_entries recharge)'
complete -c rechargectl -n "__fish_seen_subcommand_from snooze reset; and test (__rechargectl_nargs) = 0" -a '(__rechargectl_entries)'
complete -c rechargectl -n "__fish_seen_subcommand_from snooze; and test (__rechargectl_nargs) = 1" -a '5min 10min 15min 30min 1h'
complete -c rechargectl -n "__fish_seen_subcommand_from on pause; and test (__rechargectl_nargs) = 0" -a 'until 15min 30min 45min 1h 2h'
complete -c rechargectl -n "__fish_seen_subcommand_from extend; and test (__rechargectl_nargs) = 0" -a '5min 10min 15min 30min 1h'
complete -c rechargectl -n "__fish_seen_subcommand_from check-config; and test (__rechargectl_nargs) = 0" -F
complete -c rechargectl -n "__fish_seen_subcommand_from share; and test (__rechargectl_nargs) = 0" -a sync -d 'publish now'
complete -c rechargectl -n "__fish_seen_subcommand_from help; and test (__rechargectl_nargs) = 0" -a "$commands"
