# feedctl.bash — bash completion for feedctl(1): its commands and options.
# (Placeholder from the systemd branch so that the install rule has a file;
# the client's own completion replaces it.)
_feedctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "items new watch feeds feed status refresh reload add remove import export --socket --timeout --version --help" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _feedctl feedctl
