#!/usr/bin/env bash
# Compares the analyzer's decoder with tshark on one capture: the same
# Wireshark field names printed by decode_dump (our decoder, read from
# struct pkt) and by tshark -T fields, line by line. A "?" from decode_dump
# is a value the decoder does not keep and matches anything.
#
# Usage: decode_vs_tshark.sh DECODE_DUMP FILE -a|-l FIELD...
# Exits 0 when every packet agrees, 1 with the differences printed.
set -euo pipefail
dump=$1 file=$2 mode=$3
shift 3
args=()
for f in "$@"; do args+=(-e "$f"); done
occ=a
[ "$mode" = -l ] && occ=l
ours=$(mktemp) theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
"$dump" "$mode" "$file" "$@" >"$ours"
tshark -n -o ip.defragment:FALSE -o ipv6.defragment:FALSE -o tcp.relative_sequence_numbers:FALSE -o tcp.analyze_sequence_numbers:FALSE \
	-r "$file" -T fields -E occurrence=$occ -E aggregator=, "${args[@]}" \
	>"$theirs" 2>/dev/null
awk -F'\t' -v names="$*" -v file="$file" '
	function same(a, b,   x, y, n, m, i) {
		if (a == b || a == "?") return 1
		n = split(a, x, ","); m = split(b, y, ",")
		if (n != m) return 0
		for (i = 1; i <= n; i++) if (x[i] != "?" && x[i] != y[i]) return 0
		return 1
	}
	BEGIN { split(names, name, " ") }
	NR == FNR { line[FNR] = $0; nours = FNR; next }
	{
		ntheirs = FNR
		split(line[FNR], o, "\t")
		for (i = 1; i <= NF || i in o; i++) {
			if (!same(o[i], $i)) {
				printf "%s frame %d %s: decoder \"%s\", tshark \"%s\"\n", file, FNR, name[i], o[i], $i
				bad++
			}
		}
		checked++
	}
	END {
		if (nours != ntheirs) { printf "%s: decoder saw %d packets, tshark %d\n", file, nours, ntheirs; bad++ }
		printf "%s: %d packets, %d fields each, %d differences\n", file, checked, length(name), bad + 0
		exit bad > 0
	}' "$ours" "$theirs"
