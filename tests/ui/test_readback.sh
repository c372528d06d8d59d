#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netrec's tcpdump habits, on the committed samples:
#   - -V prints the version --version prints; -n is accepted;
#   - -r FILE prints netanalyze --packets' listing of FILE, byte for byte;
#   - -r FILE EXPRESSION lists exactly the packets tcpdump -r FILE EXPRESSION
#     prints (same times), for several expressions, on a netrec recording and
#     on tcpdump's own capture; a bad expression is exit 2 with nothing listed;
#   - -D lists this namespace's interfaces with their index (as
#     /sys/class/net says), and the network namespaces: this one by its inode
#     and, as root, one the test creates, by name and inode (inside it, its
#     interfaces only).
#   test_readback.sh NETREC NETANALYZE SAMPLES
set -u
nr=$1 na=$2 samples=$3
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is not installed (scripts/deps.sh test)"; exit 77; }
[ -x "$nr" ] || { echo "SKIP: netrec not built"; exit 77; }
w=$(mktemp -d /tmp/netrec-ui-rb.XXXXXX)
ns=""
cleanup() { [ -n "$ns" ] && ip netns delete "$ns" 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }

v=$("$nr" -V) vv=$("$nr" --version)
[ -n "$v" ] && [ "$v" = "$vv" ] && [ "${v#netrec }" = "$("$na" -V | sed 's/^netanalyze //')" ] &&
	ok "-V: $v" || fail "-V '$v', --version '$vv', netanalyze -V '$("$na" -V)'"

f=$samples/netrec-tcp.pcapng
"$nr" -r "$f" >"$w/r.out" 2>"$w/r.err" || fail "netrec -r: $(cat "$w/r.err")"
"$na" -q "$f" --packets >"$w/na.out" 2>/dev/null
[ -s "$w/r.out" ] && cmp -s "$w/r.out" "$w/na.out" && ok "-r: netanalyze --packets' listing ($(wc -l <"$w/r.out") lines)" ||
	fail "-r differs from netanalyze --packets: $(diff "$w/na.out" "$w/r.out" | head -5)"
"$nr" -n -r "$f" >"$w/rn.out" 2>/dev/null
cmp -s "$w/r.out" "$w/rn.out" && ok "-n accepted" || fail "-n changes the listing"
"$nr" -r "$f" -e | head -1 | grep -q ' if [^ ]* linktype 276 ' && ok "-e: details" || fail "-e shows no details"

# tcpdump's times of the packets an expression keeps, against ours
times_td() { TZ=UTC tcpdump -n -tttt --time-stamp-precision=nano -r "$1" "$2" 2>/dev/null | awk '{ print $2 }'; }
for f in "$samples/netrec-tcp.pcapng" "$samples/veth-tcp.pcap"; do
	for e in 'port 8080' 'icmp6' 'ip6 and tcp' 'tcp[tcpflags] & tcp-syn != 0' 'icmp or (tcp and port 9)'; do
		times_td "$f" "$e" >"$w/td"
		"$nr" -q -r "$f" "$e" 2>"$w/err" | awk '{ print $1 }' >"$w/nr"
		n=$(wc -l <"$w/td")
		if [ "$n" -gt 0 ] && cmp -s "$w/td" "$w/nr"; then
			ok "$(basename "$f") '$e': the $n packets tcpdump lists"
		else
			fail "$(basename "$f") '$e': $(wc -l <"$w/nr") lines, tcpdump lists $n: $(cat "$w/err") $(diff "$w/td" "$w/nr" | head -4)"
		fi
	done
done
out=$("$nr" -r "$samples/netrec-tcp.pcapng" 'port nonsense' 2>"$w/err")
rc=$?
[ "$rc" = 2 ] && [ -z "$out" ] && grep -q "invalid filter expression" "$w/err" && ok "a bad expression: exit 2, nothing listed" ||
	fail "a bad expression: exit $rc, stdout '$out', stderr $(cat "$w/err")"
"$nr" -r "$samples/netrec-tcp.pcapng" -o "$w/x.pcapng" >/dev/null 2>&1
[ $? = 2 ] && ok "-r with -o: usage error" || fail "-r with -o is not a usage error"

# -D
"$nr" -D >"$w/D" 2>&1 || fail "netrec -D: $(cat "$w/D")"
for i in /sys/class/net/*; do
	n=$(basename "$i") idx=$(cat "$i/ifindex")
	grep -q "^$idx\.$n \[" "$w/D" || fail "-D does not list $idx.$n"
done
self=$(stat -L -c %i /proc/self/ns/net)
grep -q "netns $self (this one)" "$w/D" && ok "-D: interfaces and this namespace ($self)" || fail "-D: no 'netns $self (this one)': $(cat "$w/D")"
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	ns=nrui-$$
	ip netns add "$ns" || fail "ip netns add"
	ino=$(stat -L -c %i "/run/netns/$ns")
	"$nr" -D | grep -q "netns $ino name $ns" && ok "-D: namespace $ns ($ino) listed by name" || fail "-D does not list netns $ino name $ns"
	inner=$(ip netns exec "$ns" "$nr" -D)
	printf '%s\n' "$inner" | grep -q "^1\.lo \[" && ! printf '%s\n' "$inner" | grep -q "^[0-9]*\.eth" &&
		printf '%s\n' "$inner" | grep -q "netns $ino (this one)" && ok "-D inside $ns: its lo only, itself as this one" ||
		fail "-D inside $ns: $inner"
else
	echo "not root: the namespace part of -D is checked in this namespace only"
fi
[ "$failed" = 0 ] && echo PASS
exit "$failed"
