# cg.bash: bash completion for the cg tools (cg-init, cg-ingest, cg-query, ...).
# Needs only bash itself; the bash-completion package, when present, loads it on demand.

# Options of each tool, as its --help lists them, and which of them take a value.
_cg_opts() {
	case $1 in
	cg-init) echo "-d --dir --shards --shard-dir --cache-mb -q --quiet -h --help -V --version" ;;
	cg-verify) echo "-d --dir --quick --metrics -q --quiet -h --help -V --version" ;;
	*) echo "-d --dir -h --help -V --version" ;;
	esac
}

# Completes the value of option $2 for tool $1; returns 1 when $2 takes no value.
_cg_value() {
	local cur=$3
	case $2 in
	-d | --dir)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	--shard-dir)
		if [[ $cur == *=* ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "${cur#*=}")
		fi ;;
	--metrics)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	--shards | --cache-mb) COMPREPLY=() ;;
	*) return 1 ;;
	esac
	return 0
}

# What the tool takes as plain arguments.
_cg_args() {
	local cur=$2
	compopt -o filenames 2>/dev/null
	case $1 in
	cg-init) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	cg-verify) COMPREPLY=() ;;
	*) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	esac
}

_cg() {
	local cmd=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]} prev=""
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	# "--dir=x": bash splits at '=' (COMP_WORDBREAKS), giving "--dir" "=" "x"
	if [[ $cur == = ]]; then
		cur="" prev=${COMP_WORDS[COMP_CWORD - 1]}
		[[ $prev == = ]] && prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	[[ $prev == -* ]] && _cg_value "$cmd" "$prev" "$cur" && return 0
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_cg_opts "$cmd")" -- "$cur")
	else
		_cg_args "$cmd" "$cur"
	fi
	return 0
}

complete -F _cg cg-init cg-ingest cg-query cg-verify cg-compact cg-backup cg-migrate
