# cg.bash: bash completion for the cg tools (cg-init, cg-ingest, cg-query, ...).
# Needs only bash itself; the bash-completion package, when present, loads it on demand.

_cg_edge_types="Contains Calls Uses Implements Depends"
_cg_kinds="crate module struct enum variant field union trait trait_alias function method impl
const static type_alias macro proc_macro assoc_type assoc_const primitive foreign_type extern_crate"
_cg_query_kinds="vertex find neighbors traverse path callers users implementors dependents export
workspaces at stats dump explain"

# Options of each tool, as its --help lists them.
_cg_opts() {
	local common="-d --dir -h --help -V --version"
	case $1 in
	cg-init) echo "$common --shards --shard-dir --cache-mb -q --quiet" ;;
	cg-ingest)
		echo "$common -w --workspace --doc-dir --lockfile --features --ndjson --unit --remove" \
			"--name --move-workspace --remove-workspace --watch --debounce-ms --retry-ms --rebuild-cmd" \
			"--bulk --keep-going --keep-synthetic --cache-mb --lenient --memory-mb -q --quiet" ;;
	cg-query)
		echo "$common -e --exit-status --strict --cache-vertices --warm --serve --idle --server --no-server" \
			"--name --match --prefix --kind --crate --file --out --in --both --type --depth" \
			"--max-visited --format --limit --id --workspace" ;;
	cg-verify) echo "$common --quick --metrics -q --quiet" ;;
	cg-compact) echo "$common --family --from --to --max-seconds --wait -q --quiet" ;;
	cg-backup) echo "$common --wait --id --keep -q --quiet" ;;
	cg-calls) echo "$common -w --workspace -r --report -j --threads --paths -q --quiet" ;;
	cg-migrate) echo "$common --to --reshard -n --dry-run --chunk -q --quiet" ;;
	cg-mcp) echo "$common --cache-vertices" ;;
	*) echo "$common" ;;
	esac
}

# Sets COMPREPLY to the words of list $1 that start with $2.
_cg_words() {
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

_cg_dirs() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$1")
}

_cg_files() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# Completes the value of option $2 (of tool $1); returns 1 when $2 takes no value.
_cg_value() {
	local opt=$2 cur=$3
	case $opt in
	-d | --dir | -w | --workspace | --doc-dir) _cg_dirs "$cur" ;;
	--lockfile | --metrics | -r | --report) _cg_files "$cur" ;;
	--shard-dir) [[ $cur == *=* ]] && _cg_dirs "${cur#*=}" ;;
	--type)
		# a comma-separated list: complete its last element
		local head="" last=$cur
		[[ $cur == *,* ]] && head=${cur%,*}, last=${cur##*,}
		mapfile -t COMPREPLY < <(compgen -P "$head" -W "$_cg_edge_types" -- "$last")
		compopt -o nospace 2>/dev/null ;;
	--kind) _cg_words "$_cg_kinds" "$cur" ;;
	--format) _cg_words "ndjson dot" "$cur" ;;
	--match) _cg_words "exact prefix substring fuzzy" "$cur" ;;
	--family) _cg_words "v e i m" "$cur" ;;
	-j | --threads | --id | --shards | --cache-mb | --cache-vertices | --unit | --remove | --features | --name | \
		--prefix | --crate | --file | --depth | --max-visited | --limit | --from | --to | \
		--max-seconds | --keep | --remove-workspace | --debounce-ms | --retry-ms | \
		--rebuild-cmd | --to | --reshard | --chunk | --memory-mb | --idle) COMPREPLY=() ;;
	*) return 1 ;;
	esac
	return 0
}

# The words before the one being completed that are not options or option values.
_cg_operands() {
	local i w skip=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((skip)); then
			skip=0
		elif [[ $w == = ]]; then
			skip=1
		elif [[ $w == -* ]]; then
			_cg_value "$1" "$w" "" >/dev/null 2>&1 && skip=1
		else
			echo "$w"
		fi
	done
}

# What the tool takes as plain arguments.
_cg_args() {
	local cmd=$1 cur=$2 n
	n=$(_cg_operands "$cmd" | wc -l)
	case $cmd in
	cg-init) _cg_dirs "$cur" ;;
	cg-ingest) _cg_files "$cur" ;;
	cg-query)
		# the query kind, or the kind after "export" and "explain"
		case $n:$(_cg_operands "$cmd" | head -n 1) in
		0:*) _cg_words "$_cg_query_kinds" "$cur" ;;
		1:export | 1:explain) _cg_words "$_cg_query_kinds" "$cur" ;;
		esac ;;
	cg-backup)
		if ((n == 0)); then _cg_words "create list verify restore purge" "$cur"
		else _cg_dirs "$cur"; fi ;;
	cg-verify | cg-compact | cg-calls | cg-migrate | cg-mcp) COMPREPLY=() ;;
	*) _cg_files "$cur" ;;
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
		_cg_words "$(_cg_opts "$cmd")" "$cur"
	else
		_cg_args "$cmd" "$cur"
	fi
	return 0
}

complete -F _cg cg-init cg-ingest cg-query cg-verify cg-compact cg-backup cg-calls cg-migrate cg-mcp
