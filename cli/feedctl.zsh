#compdef feedctl
# feedctl.zsh — zsh completion for feedctl(1), installed as _feedctl: the
# commands, their options, feed names (from the running daemon) and files
# where a command takes one. Mirrors cli/feedctl.bash.

_feedctl_feeds() {
	local -a names
	names=(${(f)"$(_call_program feeds feedctl ${_feedctl_global[@]} feeds --json 2>/dev/null |
		sed -n 's/^ *"name": "\([^"]*\)",*$/\1/p')"})
	_describe -t feeds 'feed' names
}

_feedctl() {
	local -a _feedctl_global
	local curcontext=$curcontext state line
	local -a commands filters
	commands=(
		'items:list stored items'
		'new:print what CONSUMER has not seen, then acknowledge it'
		'read:mark items read, or --unread'
		'star:star items, or --unstar'
		'watch:follow new items until interrupted'
		'feeds:list the feeds and their state'
		'feed:everything feedd knows about a feed'
		'status:the daemon'"'"'s figures'
		'refresh:fetch feeds now'
		'reload:re-read feeds.conf'
		'hooks:list parked hook deliveries, or retry them'
		'consumers:list the consumers, their positions and lags'
		'reader:the Google Reader API'"'"'s login tokens, or revoke one'
		'log-level:show or set the daemon'"'"'s log level'
		'add:check a feed (or find a site'"'"'s) and add it to feeds.conf'
		'remove:remove a feed from feeds.conf'
		'rename:rename a feed, keeping its items'
		'import:add the feeds of an OPML file'
		'export:print the feeds as OPML 2.0'
		'help:a command'"'"'s options'
	)
	filters=(
		'*--feed[only this feed]:feed:_feedctl_feeds'
		'--tag[only feeds with this tag]:tag:'
		'--search[items containing TEXT]:text:'
		'--since[items published since DATE]:date:'
		'--distinct[one item per link]'
		'--skipped[the items the filter rules skipped too]'
		'--unread[items not marked read]'
		'--starred[starred items]'
	)
	_arguments -C \
		'--socket[the daemon'"'"'s socket]:socket:_files' \
		'--timeout[seconds to wait for the daemon]:seconds:' \
		'(- *)'{-V,--version}'[print the version]' \
		'(- *)'{-h,--help}'[print the usage]' \
		'1:command:->command' \
		'*::argument:->args' && return
	case $state in
	command)
		_describe -t commands 'feedctl command' commands
		;;
	args)
		local i
		for ((i = 1; i < ${#words}; i++)); do
			[[ ${words[i]} == --socket ]] && _feedctl_global=(--socket ${words[i+1]})
		done
		local -a fmt
		fmt=('(--ndjson --tsv)--json[one JSON document]' '(--json --tsv)--ndjson[one JSON object a line]'
		     '(--json --ndjson)--tsv[sfeed'"'"'s TSV]')
		case ${words[1]} in
		items) _arguments $filters $fmt '--after[items after this id]:id:' '--limit[at most N items]:n:' '--help' ;;
		new) _arguments $filters $fmt '1:consumer:' '--limit[at most N items]:n:' '--peek[do not acknowledge]' \
			'--from-now[start at the newest item]' '--help' ;;
		watch) _arguments $filters '--after[items after this id]:id:' '--json[JSON lines]' '--help' ;;
		feeds|status|reload) _arguments '--json[one JSON document]' '--help' ;;
		consumers) _arguments '--delete[forget a consumer]:consumer:' '--json[one JSON document]' '--help' ;;
		reader) _arguments '1:what:(tokens)' '--revoke[end a token]:token number:' '--json[one JSON document]' '--help' ;;
		read) _arguments '*:item id:' '--unread[mark unread]' '--json[one JSON document]' '--help' ;;
		star) _arguments '*:item id:' '--unstar[remove the star]' '--json[one JSON document]' '--help' ;;
		log-level) _arguments '1:level:(err warning notice info debug)' '--json[one JSON document]' '--help' ;;
		feed) _arguments '1:feed:_feedctl_feeds' '--json[one JSON document]' '--help' ;;
		refresh) _arguments '*:feed:_feedctl_feeds' '--wait[wait for the results]' '--json[one JSON document]' '--help' ;;
		hooks) _arguments '1:retry or a feed:(retry)' '2:feed:_feedctl_feeds' '--json[one JSON document]' '--help' ;;
		add) _arguments '1:URL:_urls' '--name[the feed'"'"'s name]:name:' '*--tag[a tag]:tag:' \
			'--interval[poll interval]:duration:' '--file[a drop-in of feeds.conf.d]:name:' '--allow-private[allow a loopback or LAN address]' \
			'--config[the feeds.conf]:file:_files' \
			'(--all)--pick[the Nth feed a page announces]:number:' \
			'(--pick)--all[every feed a page announces]' '--help' ;;
		remove) _arguments '1:feed:_feedctl_feeds' '--config[the feeds.conf]:file:_files' '--help' ;;
		rename) _arguments '1:feed:_feedctl_feeds' '2:new name:' '--config[the feeds.conf]:file:_files' '--help' ;;
		import) _arguments '1:OPML file:_files -g "*.(opml|xml)"' '--file[a drop-in of feeds.conf.d]:name:' \
			'--allow-private[take allow_private = yes from the file]' \
			'--config[the feeds.conf]:file:_files' '--help' ;;
		export) _arguments '--config[the feeds.conf]:file:_files' '--help' ;;
		help) _describe -t commands 'feedctl command' commands ;;
		esac
		;;
	esac
}

_feedctl "$@"
