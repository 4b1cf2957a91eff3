# feedctl.bash — bash completion for feedctl(1): commands, their options,
# feed names (from the running daemon) and files where a command takes one.
_feedctl_feeds()
{
	# Feed names from `feedctl feeds --json`, quietly nothing without a daemon.
	feedctl "${_feedctl_global[@]}" feeds --json 2>/dev/null |
		sed -n 's/^ *"name": "\([^"]*\)",*$/\1/p'
}

_feedctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local commands="items read star new watch feeds feed status refresh reload hooks consumers reader log-level add remove rename import export help"
	local filters="--feed --tag --search --since --distinct --skipped --unread --starred"
	# Find the command, remembering --socket for the name look-ups.
	local i cmd="" _feedctl_global=()
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--socket) _feedctl_global=(--socket "${words[i+1]}"); ((i++)) ;;
		--timeout) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done
	case $prev in
	--socket|--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--feed) COMPREPLY=($(compgen -W "$(_feedctl_feeds)" -- "$cur")); return ;;
	--tag|--search|--since|--after|--limit|--name|--interval|--timeout|--file|--pick) return ;;
	esac
	local opts
	case $cmd in
	"") COMPREPLY=($(compgen -W "$commands --socket --timeout --version --help" -- "$cur")); return ;;
	items) opts="$filters --after --limit --json --ndjson --tsv" ;;
	new) opts="$filters --limit --peek --from-now --json --ndjson --tsv" ;;
	watch) opts="$filters --after --json" ;;
	feeds|status|reload) opts="--json" ;;
	consumers) opts="--delete --json" ;;
	reader) opts="tokens --revoke --json" ;;
	read) opts="--unread --json" ;;
	star) opts="--unstar --json" ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
	log-level)
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "err warning notice info debug" -- "$cur"))
			return
		fi
		opts="--json" ;;
	feed|refresh)
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "$(_feedctl_feeds)" -- "$cur"))
			return
		fi
		opts="--json"
		[[ $cmd == refresh ]] && opts="--json --wait" ;;
	hooks)
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "retry $(_feedctl_feeds)" -- "$cur"))
			return
		fi
		opts="--json" ;;
	add) opts="--name --tag --interval --file --allow-private --config --pick --all" ;;
	remove|rename)
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "$(_feedctl_feeds)" -- "$cur"))
			return
		fi
		opts="--config" ;;
	import)
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi
		opts="--file --allow-private --config" ;;
	export) opts="--config" ;;
	esac
	COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
}
complete -F _feedctl feedctl
