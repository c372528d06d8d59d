#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Each tool's man page documents exactly the options its --help lists: every
# option token of `TOOL --help` has an entry (a .TP/.TQ tag) in the page's
# OPTIONS section, and every tagged option is in --help. A new option needs
# both (docs: README "Manual"). The pages also format without groff warnings.
#   test_manpages.sh MANDIR NETANALYZE [NETREC]
set -u
mandir=$1 na=$2 nr=${3:-}
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# options in --help: every -x / --long-name token before the examples (which
# show other tools' options too: tshark -r)
help_opts() { "$1" --help 2>&1 | sed '/^[[:space:]]*\(EXAMPLES\|Examples\):/,$d' | grep -oE '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9-]*' |
	sed -E 's/^[^-]*//' | sort -u; }
# options tagged in the page: the line after each .TP (or a .TQ line) in OPTIONS
man_opts() {
	awk '/^\.SH /{ on = ($2 == "OPTIONS") } on && tag { print; tag = 0 } on && /^\.(TP|TQ)/ { tag = 1 }' "$1" |
		sed 's/\\-/-/g; s/\\f[BIRP]//g' | grep -oE '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9-]*' |
		sed -E 's/^[^-]*//' | sort -u
}

check() {
	local tool=$1 page=$2 missing extra
	[ -f "$page" ] || { fail "$page is missing"; return; }
	help_opts "$tool" >"$page.help"
	man_opts "$page" >"$page.tags"
	missing=$(comm -23 "$page.help" "$page.tags" | tr '\n' ' ')
	extra=$(comm -13 "$page.help" "$page.tags" | tr '\n' ' ')
	echo "$(basename "$page"): --help $(wc -l <"$page.help") options, page $(wc -l <"$page.tags")"
	[ -s "$page.help" ] || fail "$tool --help lists no options"
	[ -z "$missing" ] || fail "$(basename "$page") lacks options of $tool --help: $missing"
	[ -z "$extra" ] || fail "$(basename "$page") documents options $tool --help does not list: $extra"
	rm -f "$page.help" "$page.tags"
}

warn() {
	local page=$1 w
	command -v groff >/dev/null 2>&1 || { echo "groff not installed: formatting not checked"; return; }
	w=$(groff -man -t -ww -z "$page" 2>&1)
	[ -z "$w" ] || fail "groff warns on $(basename "$page"): $w"
}

check "$na" "$mandir/netanalyze.1"
warn "$mandir/netanalyze.1"
if [ -n "$nr" ] && [ -x "$nr" ]; then
	check "$nr" "$mandir/netrec.8"
else
	echo "netrec not built: its page is checked for formatting only"
fi
warn "$mandir/netrec.8"
warn "$mandir/netrec-format.5"
[ $failed = 0 ] && echo PASS
exit $failed
