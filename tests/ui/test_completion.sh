#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The bash completions of netrec and netanalyze, driven as bash drives them
# (COMP_WORDS, COMP_CWORD, then the function `complete -p` names): every
# option of --help completes; event names (docs/format.md §5.2), report and
# format names, interfaces and file names by extension complete.
#   test_completion.sh COMPLETION_DIR NETANALYZE [NETREC]
set -u
dir=$(cd "$1" && pwd) na=$2 nr=${3:-}
shopt -s lastpipe   # "comp ... | has ..." runs has in this shell
src=${NETREC_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d /tmp/netrec-ui-comp.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
mkdir -p "$work/bin" "$work/files/sub"
ln -s "$(readlink -f "$na")" "$work/bin/netanalyze"
[ -n "$nr" ] && [ -x "$nr" ] && ln -s "$(readlink -f "$nr")" "$work/bin/netrec"
touch "$work/files/"{a.pcapng,b.pcap,c.pcapng.zst,d.txt,e.db,f.sql,g.html}

# comp TOOL WORDS...: the completions of the last word (may be '')
comp() {
	local tool=$1; shift
	( cd "$work/files" && PATH=$work/bin:$PATH bash --norc -c '
		. "$1/$2"; shift 2
		complete -p "$0" >/dev/null || { echo "no complete -p for $0" >&2; exit 1; }
		fn=$(complete -p "$0" | sed -E "s/.*-F ([^ ]+).*/\1/")
		COMP_WORDS=("$0" "$@"); COMP_CWORD=$#; COMP_LINE="$0 $*"; COMP_POINT=${#COMP_LINE}
		"$fn" "$0" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' "$tool" "$dir" "$tool" "$@" ) | sort -u
}
has() { # has WHAT WANT... < completions
	local what=$1 w list; shift
	list=$(cat)
	for w in "$@"; do
		printf '%s\n' "$list" | grep -qxF -- "$w" || fail "$what: '$w' not offered (offered: $(echo $list))"
	done
}
hasnt() {
	local what=$1 w list; shift
	list=$(cat)
	for w in "$@"; do
		printf '%s\n' "$list" | grep -qxF -- "$w" && fail "$what: '$w' offered"
	done
}
opts() { "$1" --help 2>&1 | sed '/^[[:space:]]*\(EXAMPLES\|Examples\):/,$d' |
	grep -oE '(^|[^A-Za-z0-9-])--[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[^-]*//' | sort -u; }

echo "== netanalyze"
# shellcheck disable=SC2046
comp netanalyze --db x.db -- | has "netanalyze --<TAB>" $(opts "$na")
comp netanalyze --ht | has "netanalyze --ht<TAB>" --html
comp netanalyze --report '' | has "--report <TAB>" handshakes connections events retransmissions icmp processes packets lifecycle summary html
comp netanalyze --report '' | hasnt "--report <TAB>" connect-only accept-only failure-only event-type
# event names as docs/format.md §5.2 lists them
evs=$(sed -n '/^### §5.2/,/^### /p' "$src/docs/format.md" | grep -oE '^\| `[a-z_]+`( / `[a-z_]+`)?' | grep -oE '[a-z_]+')
comp netanalyze --event-type '' | has "--event-type <TAB>" $evs
comp netanalyze --event-type 'state,re' | has "--event-type state,re<TAB>" state,retransmit state,reset_sent state,reset_recv
comp netanalyze --format j | has "--format j<TAB>" json jsonl
comp netanalyze '' | has "capture files" a.pcapng b.pcap c.pcapng.zst sub
comp netanalyze '' | hasnt "capture files" d.txt e.db f.sql
comp netanalyze --db '' | has "--db" e.db
comp netanalyze --db '' | hasnt "--db" a.pcapng
comp netanalyze --sql-file '' | has "--sql-file" f.sql
comp netanalyze --html '' | has "--html" g.html

if [ -n "$nr" ] && [ -x "$nr" ]; then
	echo "== netrec"
	comp netrec -- | has "netrec --<TAB>" $(opts "$nr")
	comp netrec --ev | has "netrec --ev<TAB>" --events
	# event names as docs/format.md §5.2 lists them
	evs=$(sed -n '/^### §5.2/,/^### /p' "$src/docs/format.md" | grep -oE '^\| `[a-z_]+`( / `[a-z_]+`)?' | grep -oE '[a-z_]+')
	[ -n "$evs" ] || fail "no event names found in docs/format.md"
	comp netrec --events '' | has "--events <TAB>" $evs all
	comp netrec --events 'state,re' | has "--events state,re<TAB>" state,retransmit state,reset_sent state,reset_recv
	comp netrec -i '' | has "-i <TAB>" lo
	comp netrec -o '' | has "-o <TAB>" a.pcapng c.pcapng.zst -
	comp netrec -o '' | hasnt "-o <TAB>" d.txt
	comp netrec -r '' | has "-r <TAB>" a.pcapng b.pcap c.pcapng.zst sub
	comp netrec -r '' | hasnt "-r <TAB>" d.txt e.db
	comp netrec '' | has "filter expression" port host tcp
else
	echo "netrec not built: its completion is not checked"
fi
[ $failed = 0 ] && echo PASS
exit $failed
