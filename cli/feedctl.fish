# feedctl.fish — fish completion for feedctl(1): the commands, their
# options, feed names (from the running daemon) and files where a command
# takes one. Mirrors cli/feedctl.bash.

function __feedctl_feeds
	feedctl feeds --json 2>/dev/null | string replace -rf '^ *"name": "([^"]*)",?$' '$1'
end

set -l cmds items read star new watch feeds feed status refresh reload hooks consumers reader log-level add remove rename import export help
complete -c feedctl -f
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -l socket -r -F -d "the daemon's socket"
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -l timeout -x -d 'seconds to wait'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -s V -l version -d 'print the version'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -s h -l help -d 'print the usage'

complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a items -d 'list stored items'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a read -d 'mark items read'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a star -d 'star items'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a new -d 'what CONSUMER has not seen'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a watch -d 'follow new items'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a feeds -d 'the feeds and their state'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a feed -d 'everything about a feed'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a status -d "the daemon's figures"
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a refresh -d 'fetch feeds now'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a reload -d 're-read feeds.conf'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a hooks -d 'parked hook deliveries'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a consumers -d 'consumers, positions, lags'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a reader -d 'Google Reader API tokens'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a log-level -d "the daemon's log level"
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a add -d 'add a feed to feeds.conf'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a remove -d 'remove a feed from feeds.conf'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a rename -d 'rename a feed, keeping its items'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a import -d 'add the feeds of an OPML file'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a export -d 'the feeds as OPML 2.0'
complete -c feedctl -n "not __fish_seen_subcommand_from $cmds" -a help -d "a command's options"

# Filters and formats of the listing commands.
set -l listing items new watch
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l feed -x -a '(__feedctl_feeds)' -d 'only this feed'
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l tag -x -d 'only feeds with this tag'
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l search -x -d 'items containing TEXT'
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l since -x -d 'published since DATE'
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l distinct -d 'one item per link'
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l skipped -d 'skipped items too'
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l unread -d 'items not marked read'
complete -c feedctl -n "__fish_seen_subcommand_from $listing" -l starred -d 'starred items'
complete -c feedctl -n "__fish_seen_subcommand_from read" -l unread -d 'mark unread'
complete -c feedctl -n "__fish_seen_subcommand_from star" -l unstar -d 'remove the star'
complete -c feedctl -n "__fish_seen_subcommand_from read star" -l json -d 'JSON'
complete -c feedctl -n "__fish_seen_subcommand_from items new" -l limit -x -d 'at most N items'
complete -c feedctl -n "__fish_seen_subcommand_from items new" -l ndjson -d 'one JSON object a line'
complete -c feedctl -n "__fish_seen_subcommand_from items new" -l tsv -d "sfeed's TSV"
complete -c feedctl -n "__fish_seen_subcommand_from items watch" -l after -x -d 'items after this id'
complete -c feedctl -n "__fish_seen_subcommand_from new" -l peek -d 'do not acknowledge'
complete -c feedctl -n "__fish_seen_subcommand_from new" -l from-now -d 'start at the newest item'
complete -c feedctl -n "__fish_seen_subcommand_from refresh" -l wait -d 'wait for the results'
complete -c feedctl -n "__fish_seen_subcommand_from consumers" -l delete -x -d 'forget a consumer'
complete -c feedctl -n "__fish_seen_subcommand_from reader" -a tokens -d 'list the login tokens'
complete -c feedctl -n "__fish_seen_subcommand_from reader" -l revoke -x -d 'end a token'
complete -c feedctl -n "__fish_seen_subcommand_from items new watch feeds feed status refresh reload consumers reader log-level" -l json -d 'JSON'

# Feed names, files, and the editing commands' options.
complete -c feedctl -n "__fish_seen_subcommand_from feed refresh remove rename" -a '(__feedctl_feeds)'
complete -c feedctl -n "__fish_seen_subcommand_from import" -F
complete -c feedctl -n "__fish_seen_subcommand_from log-level" -a 'err warning notice info debug'
complete -c feedctl -n "__fish_seen_subcommand_from hooks" -a 'retry (__feedctl_feeds)'
complete -c feedctl -n "__fish_seen_subcommand_from hooks" -l json -d 'JSON'
complete -c feedctl -n "__fish_seen_subcommand_from add remove rename import export" -l config -r -F -d 'the feeds.conf'
complete -c feedctl -n "__fish_seen_subcommand_from add" -l name -x -d "the feed's name"
complete -c feedctl -n "__fish_seen_subcommand_from add" -l tag -x -d 'a tag'
complete -c feedctl -n "__fish_seen_subcommand_from add" -l interval -x -d 'poll interval'
complete -c feedctl -n "__fish_seen_subcommand_from add import" -l allow-private -d 'allow a loopback or LAN address'
complete -c feedctl -n "__fish_seen_subcommand_from add import" -l file -x -d 'a drop-in of feeds.conf.d'
complete -c feedctl -n "__fish_seen_subcommand_from add" -l pick -x -d 'the Nth feed a page announces'
complete -c feedctl -n "__fish_seen_subcommand_from add" -l all -d 'every feed a page announces'
complete -c feedctl -n "__fish_seen_subcommand_from help" -a "$cmds"
complete -c feedctl -n "__fish_seen_subcommand_from $cmds" -l help -d "the command's options"
