# SPDX-License-Identifier: GPL-2.0-only
# Shared harness of the end-to-end tests (sourced by each scenario script).
#
# Every scenario builds its own pair of network namespaces joined by a veth
# pair, with documentation addresses only:
#   $NSA  (interface va)  192.0.2.1/24  2001:db8::1/64   usually the client
#   $NSB  (interface vb)  192.0.2.2/24  2001:db8::2/64   usually the server
# runs netrec inside the namespace it records, checks the file with tshark
# (and tcpdump) and with nrdump (the project's own reader), and removes
# namespaces, processes and files on exit whatever happens (trap).
#
# Exit status: 0 pass, 1 fail, 77 skip (reason printed). Checks do not stop
# at the first failure: every figure is printed, then the script fails.
#
# Environment (set by meson; set them yourself to run a scenario by hand):
#   NETREC   the netrec binary        NRDUMP  tests/e2e/nrdump
#   TCPPEER  tests/e2e/tcppeer        E2E_KEEP=1 keeps the work directory
#   RAWSEND  tests/e2e/rawsend (the scenarios that send hand-built frames)
# This file only sets things up and checks; it never changes anything
# outside the namespaces and the work directory it creates.

# No pipefail: "... | grep -q" must not fail when grep's early exit makes
# the writer die of SIGPIPE.
set -u

E2E_NAME=${E2E_NAME:-$(basename "$0" .sh)}
B=${NETREC_BUILD_ROOT:-}
NETREC=${NETREC:-${B:+$B/record/netrec}}
NRDUMP=${NRDUMP:-${B:+$B/tests/e2e/nrdump}}
TCPPEER=${TCPPEER:-${B:+$B/tests/e2e/tcppeer}}
RAWSEND=${RAWSEND:-${B:+$B/tests/e2e/rawsend}}
NETANALYZE=${NETANALYZE:-${B:+$B/analyze/netanalyze}}

A4=192.0.2.1
B4=192.0.2.2
A6=2001:db8::1
B6=2001:db8::2
SENTINEL_PORT=9        # probe port (closed): see nr_wait_ready

E2E_FAILED=0
E2E_BG=()              # pids of background processes we started
NSA=""
NSB=""
WORK=""

say() { printf '%s\n' "$*"; }
skip() { say "SKIP: $E2E_NAME: $*"; exit 77; }
fail() { say "FAIL: $*"; E2E_FAILED=1; }
die() { say "FAIL: $*"; exit 1; }
ok() { say "ok: $*"; }

e2e_cleanup() {
	local rc=$? p ns
	trap - EXIT INT TERM
	for p in "${E2E_BG[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for ns in "$NSA" "$NSB"; do
		[ -n "$ns" ] || continue
		# Only our own processes can be in a namespace we created.
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns delete "$ns" 2>/dev/null
	done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			say "work directory kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit $rc
}

# e2e_reap_stale: remove what an earlier run left behind when it was killed
# before its cleanup could finish (SIGKILL from a test runner's timeout).
# Every name an e2e test gives a namespace or cgroup is nre2e-PID-..., PID
# being the test shell's; only those whose shell is gone are removed.
e2e_reap_stale() {
	local ns pid p cg root
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $ns in nre2e-[0-9]*-*) ;; *) continue ;; esac
		pid=${ns#nre2e-}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null && continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns delete "$ns" 2>/dev/null && say "removed $ns, left by an interrupted run"
	done
	root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$root" ] || return 0
	for cg in "$root"/nre2e-[0-9]*; do
		[ -d "$cg" ] || continue
		pid=${cg##*/nre2e-}
		kill -0 "$pid" 2>/dev/null && continue
		for p in $(cat $(find "$cg" -name cgroup.procs) 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null &&
			say "removed cgroup $cg, left by an interrupted run"
	done
	return 0
}

need_tool() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (scripts/deps.sh test installs it)"
	done
}

# e2e_init [tool...]: root, tools, binaries, work directory, namespaces.
e2e_init() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, BPF)"
	need_tool ip tshark tcpdump timeout awk "$@"
	[ -n "$NETREC" ] && [ -x "$NETREC" ] || skip "netrec binary not built (NETREC=$NETREC)"
	[ -n "$NRDUMP" ] && [ -x "$NRDUMP" ] || skip "nrdump not built (NRDUMP=$NRDUMP)"
	[ -n "$TCPPEER" ] && [ -x "$TCPPEER" ] || skip "tcppeer not built (TCPPEER=$TCPPEER)"
	trap e2e_cleanup EXIT
	trap 'exit 1' INT TERM
	WORK=$(mktemp -d "/tmp/netrec-e2e-$E2E_NAME.XXXXXX") || die "mktemp"
	e2e_reap_stale
	NSA=nre2e-$$-a
	NSB=nre2e-$$-b
	ip netns add "$NSA" || die "ip netns add $NSA"
	ip netns add "$NSB" || die "ip netns add $NSB"
	ip -n "$NSA" link add va type veth peer name vb netns "$NSB" || die "veth"
	ip -n "$NSA" link set lo up
	ip -n "$NSB" link set lo up
	ip -n "$NSA" addr add $A4/24 dev va
	ip -n "$NSB" addr add $B4/24 dev vb
	ip -n "$NSA" -6 addr add $A6/64 dev va nodad
	ip -n "$NSB" -6 addr add $B6/64 dev vb nodad
	ip -n "$NSA" link set va up || die "link up"
	ip -n "$NSB" link set vb up || die "link up"
	# Wait for the link (carrier) so the first packets are not lost.
	local i
	for i in $(seq 50); do
		probe_refused "$NSA" "$B4" && break
		sleep 0.1
	done
	say "namespaces $NSA ($A4, $A6) <-> $NSB ($B4, $B6); work $WORK"
}

# probe_refused NS ADDR: a connection attempt from NS to the closed probe
# port of ADDR is refused (so the path works).
probe_refused() {
	local out
	out=$(ip netns exec "$1" timeout 1 bash -c "exec 3<>/dev/tcp/$2/$SENTINEL_PORT" 2>&1)
	case $out in *refused*) return 0 ;; esac
	return 1
}

# Runs a command in a namespace in the background with a time limit; the
# command's own pid (not timeout's) is written to PIDFILE. $! is timeout's.
#   bg_run NS SECONDS PIDFILE OUTFILE ERRFILE CMD...
bg_run() {
	local ns=$1 secs=$2 pidf=$3 out=$4 err=$5; shift 5
	rm -f "$pidf"
	ip netns exec "$ns" timeout -k 3 "$secs" \
		sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >"$out" 2>"$err" &
	E2E_BG+=($!)
	BG_PID=$!
}

# netrec records every namespace by default when it runs in the initial
# one; elsewhere (a test run inside a container) --netns all asks for it.
DEFAULT=()
[ "$(readlink /proc/self/ns/net)" = "net:[4026531833]" ] || DEFAULT=(--netns all)

# host_start OUT [args]: netrec in the test's own namespace (as nr_start).
host_start() {
	local out=$1 pidf; shift
	NR_N=$((NR_N + 1))
	NR_ERR=$WORK/netrec$NR_N.stderr
	pidf=$WORK/netrec$NR_N.pid
	timeout -k 3 60 sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$NETREC" -o "$out" "$@" \
		>/dev/null 2>"$NR_ERR" &
	E2E_BG+=($!)
	NR_WAITPID=$!
	wait_file "$pidf" 10 || die "netrec did not start"
	NR_PID=$(cat "$pidf")
	say "netrec started in the test's namespace: pid $NR_PID: $NETREC -o $out $*"
}

# Waits (bounded) until a file exists and is not empty.
wait_file() {
	local f=$1 secs=${2:-10} i
	for i in $(seq $((secs * 20))); do
		[ -s "$f" ] && return 0
		sleep 0.05
	done
	return 1
}

# Waits (bounded) until FILE has a line matching REGEX.
wait_line() {
	local f=$1 re=$2 secs=${3:-10} i
	for i in $(seq $((secs * 20))); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ---- netrec ----------------------------------------------------------------
# nr_start NS OUT [netrec args...]: starts netrec in NS writing OUT (with -o,
# unless OUT is "" and the args carry their own output). Sets NR_PID
# (netrec's pid), NR_WAITPID (the timeout wrapper's pid, for wait) and
# NR_ERR (its stderr file).
NR_N=0
nr_start() {
	local ns=$1 out=$2; shift 2
	NR_N=$((NR_N + 1))
	NR_ERR=$WORK/netrec$NR_N.stderr
	local pidf=$WORK/netrec$NR_N.pid
	if [ -n "$out" ]; then
		bg_run "$ns" 120 "$pidf" "$WORK/netrec$NR_N.stdout" "$NR_ERR" "$NETREC" -o "$out" "$@"
	else
		bg_run "$ns" 120 "$pidf" "$WORK/netrec$NR_N.stdout" "$NR_ERR" "$NETREC" "$@"
	fi
	NR_WAITPID=$BG_PID
	wait_file "$pidf" 10 || die "netrec did not start"
	NR_PID=$(cat "$pidf")
	say "netrec started in $ns: pid $NR_PID: $NETREC ${out:+-o $out} $*"
}

# nr_wait_ready FILE PROBE_NS PROBE_ADDR: netrec says nothing when its
# programs are attached, so: wait until the file has its first blocks, then
# send probes (a connection attempt to a closed port of the recorded
# namespace, answered by a kernel RST) until one shows up in the file.
# A recording whose filter hides the probes gives up after 5 s (or
# SECONDS, the 4th argument) and goes on.
nr_wait_ready() {
	local f=$1 pns=$2 paddr=$3 secs=${4:-5} i
	wait_file "$f" 20 || { fail "netrec wrote nothing to $f within 20 s"; cat "$NR_ERR"; return 1; }
	for i in $(seq $((secs * 5))); do
		kill -0 "$NR_PID" 2>/dev/null || { fail "netrec exited early"; cat "$NR_ERR"; return 1; }
		ip netns exec "$pns" timeout 1 bash -c "exec 3<>/dev/tcp/$paddr/$SENTINEL_PORT" 2>/dev/null
		sleep 0.2
		if "$NRDUMP" "$f" 2>/dev/null | grep -qE "^pkt .* (sport|dport)=$SENTINEL_PORT "; then
			return 0
		fi
	done
	say "note: no probe seen in $f (filtered?); waited $secs s"
	return 0
}

# nr_stop [SIGNAL [SECONDS]]: signals netrec (TERM by default) and waits
# for it, 10 s unless told; NR_STATUS is its exit status.
nr_stop() {
	local sig=${1:-TERM} secs=${2:-10} i
	[ "${NR_SIGNALLED:-}" = "$NR_PID" ] || kill -"$sig" "$NR_PID" 2>/dev/null
	for i in $(seq $((secs * 20))); do
		kill -0 "$NR_WAITPID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$NR_WAITPID" 2>/dev/null; then
		fail "netrec did not exit within $secs s of SIG$sig"
		kill -KILL "$NR_PID" 2>/dev/null
	fi
	wait "$NR_WAITPID"
	NR_STATUS=$?
	say "netrec exited with status $NR_STATUS; its stderr:"
	sed 's/^/  | /' "$NR_ERR"
}

# ---- peers -----------------------------------------------------------------
# server NS ADDR PORT NAME [tcppeer options]: starts a tcppeer server under
# the command name NAME (a symlink, so that the comm is NAME) and waits
# until it listens. Sets SRV_PID, SRV_OUT. With PEER_CPU set, the peer
# (server or client) runs on that CPU only.
peer_bin() {
	local name=$1
	[ -e "$WORK/$name" ] || ln -s "$(readlink -f "$TCPPEER")" "$WORK/$name"
	printf '%s' "$WORK/$name"
}

server() {
	local ns=$1 addr=$2 port=$3 name=$4; shift 4
	SRV_OUT=$WORK/$name.$port.out
	bg_run "$ns" 60 "$WORK/$name.$port.pid" "$SRV_OUT" "$WORK/$name.$port.err" \
		${PEER_CPU:+taskset -c "$PEER_CPU"} "$(peer_bin "$name")" server "$addr" "$port" --timeout 50 "$@"
	wait_line "$SRV_OUT" '^listen ' 10 || die "server $name did not listen: $(cat "$WORK/$name.$port.err")"
	SRV_PID=$(kv pid <"$SRV_OUT" | head -1)
	SRV_WAIT=$BG_PID
}

# client NS ADDR PORT NAME [tcppeer options]: runs a tcppeer client in the
# background. Sets CLI_OUT, CLI_WAIT; wait for it with peer_wait.
client() {
	local ns=$1 addr=$2 port=$3 name=$4; shift 4
	CLI_OUT=$WORK/$name.c$port.out
	CLI_ERR=$WORK/$name.c$port.err
	bg_run "$ns" 60 "$WORK/$name.c$port.pid" "$CLI_OUT" "$CLI_ERR" \
		${PEER_CPU:+taskset -c "$PEER_CPU"} "$(peer_bin "$name")" client "$addr" "$port" --timeout 50 "$@"
	CLI_WAIT=$BG_PID
}

# run_ping NAME ARGS...: ping from $NSA (iputils); sets PING_PID.
run_ping() {
	local name=$1; shift
	bg_run "$NSA" 20 "$WORK/$name.pid" "$WORK/$name.out" "$WORK/$name.err" ping "$@"
	if ! wait "$BG_PID"; then
		fail "ping $* failed: $(cat "$WORK/$name.err")"
	fi
	PING_PID=$(cat "$WORK/$name.pid")
	say "ping $*: pid $PING_PID, $(grep -c 'bytes from' "$WORK/$name.out") replies"
}

# peer_wait PID WHAT: waits for a background peer; fails if it failed.
peer_wait() {
	local p=$1 what=$2
	if ! wait "$p"; then
		fail "$what failed"
		return 1
	fi
	return 0
}

# kv KEY: prints the value of key=value tokens of each input line.
kv() {
	awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); break } }'
}

# conn_ids OUT: "PID TID PORT" of a tcppeer client's connect line in OUT
# (its pid, the connecting thread and its local port), for
#   read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
conn_ids() {
	awk '$1 == "connect" {
		for (i = 2; i <= NF; i++) { split($i, kvp, "="); v[kvp[1]] = kvp[2] }
		sub(/.*:/, "", v["local"]); print v["pid"], v["tid"], v["local"]; exit
	}' "$1"
}

# ---- checks on the file ----------------------------------------------------
# dump FILE: nrdump output, cached in the work directory.
cachef() {
	mkdir -p "$WORK/cache"
	printf '%s/%s' "$WORK/cache" "$(printf '%s' "$1" | tr '/' '_')"
}
dump() {
	local f=$1 c
	c=$(cachef "$f")
	[ -f "$c.dump" ] && [ "$c.dump" -nt "$f" ] || "$NRDUMP" "$f" >"$c.dump" 2>"$c.dump.err"
	cat "$c.dump"
}

# check_readable FILE [empty-ok] [malformed-ok]: tshark opens it without
# warnings and decodes every packet (malformed-ok: packets built malformed on
# purpose are allowed; the caller checks them), tcpdump reads it, our reader
# reads it to the end, and all three count the same packets (at least one,
# unless empty-ok).
check_readable() {
	local f=$1 empty_ok=${2:-} malformed_ok=${3:-} tsh tcpd own err
	err=$(tshark -r "$f" -q 2>&1 >/dev/null | grep -v '^Running as user')
	if [ -n "$err" ]; then fail "tshark complains about $f: $err"; else ok "tshark reads $f"; fi
	tsh=$(tshark -r "$f" -Y 'ip || ipv6' 2>/dev/null | wc -l)
	local mal
	mal=$(tshark -r "$f" -Y '_ws.malformed' 2>/dev/null | wc -l)
	[ "$mal" = 0 ] || [ -n "$malformed_ok" ] || fail "tshark: $mal malformed packets in $f"
	local rd=(tcpdump -n -r "$f")
	# a compressed recording (zstd magic): tcpdump reads it decompressed
	if [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]; then
		rd=(bash -o pipefail -c 'zstd -dc "$1" | tcpdump -n -r -' sh "$f")
	fi
	if ! "${rd[@]}" >"$WORK/tcpdump.out" 2>"$WORK/tcpdump.err"; then
		fail "tcpdump cannot read $f: $(cat "$WORK/tcpdump.err")"
	fi
	tcpd=$(wc -l <"$WORK/tcpdump.out")
	own=$(dump "$f" | grep -c '^pkt ')
	if ! dump "$f" | tail -1 | grep -q '^end status=ok'; then
		fail "nrdump: $(dump "$f" | tail -1)"
	fi
	say "packets: tshark $tsh, tcpdump $tcpd, nrdump $own"
	[ "$tsh" = "$own" ] && [ "$tcpd" = "$own" ] || fail "packet counts differ in $f"
	[ "$own" -gt 0 ] || [ -n "$empty_ok" ] || fail "no packets in $f"
}

# expect FILE KEY PID TID COMM: one expected owner. KEY is one of
#   tcp/ADDR/PORT     TCP packets whose local end (the source of an outgoing
#                     packet, the destination of an incoming one) is ADDR:PORT
#   icmp/TYPE, icmp6/TYPE   ICMP packets of that type (8/0, 128/129: echo)
#   icmperr/PORT      ICMP errors quoting a packet sent from port PORT
# optionally prefixed by "out:" or "in:" to match one direction only (the
# directional key wins). PID "kernel": the packets must be labelled as made
# by the kernel. TID "-": the tid is not checked.
expect() {
	printf '%s %s %s %s\n' "$2" "$3" "$4" "$5" >>"$1"
}

# The awk shared by both attribution figures: reads the expectations, then
# records "dir fam proto src sport dst dport itype iid pid tid comm apid
# atid aflags owner qsport" (one per packet; "-" for absent), prints
# mismatches and the figures.
ATTR_AWK='
function key(   b) {
	if (proto == "tcp") {
		if (dir == "out") b = "tcp/" src "/" sport
		else if (dir == "in") b = "tcp/" dst "/" dport
		else {
			# no direction: counted (as wrong) if either end is expected
			if (("tcp/" src "/" sport) in ep || ("tcp/" dst "/" dport) in ep)
				return "nodir"
			return ""
		}
	} else if (proto == "icmp" || proto == "icmp6") {
		if (qsport != "" && qsport != "-1" && qsport != "-") b = "icmperr/" qsport
		else b = proto "/" itype
		if (dir != "in" && dir != "out")
			return ((b in ep) || ("in:" b) in ep || ("out:" b) in ep) ? "nodir" : ""
	} else
		return ""
	if ((dir ":" b) in ep) return dir ":" b
	return b
}
FNR == NR { ep[$1] = $2; et[$1] = $3; ec[$1] = $4; next }
{
	dir = $1; fam = $2; proto = $3; src = $4; sport = $5; dst = $6; dport = $7
	itype = $8; iid = $9; pid = $10; tid = $11; comm = $12
	apid = $13; atid = $14; aflags = $15; owner = $16; qsport = $17
	k = key()
	if (k == "nodir") {
		total++
		if (bad++ < 10) printf "  no direction (epb_flags): %s\n", $0
		next
	}
	if (k == "" || !(k in ep)) { other++; next }
	if (ep[k] == "kernel") {
		ktotal++
		good = (pid == "-" && (owner == "kernel" || owner == "-") && comm == "kernel")
		if (good) kgood++
		else if (kbad++ < 10) printf "  not labelled kernel (%s): %s\n", k, $0
		next
	}
	total++
	good = (pid == ep[k] && comm == ec[k])
	if (apid != "-" && (apid != ep[k] || int(aflags) % 2 != 1)) good = 0
	if (et[k] != "-" && (tid != et[k] || (atid != "-" && atid != et[k]))) good = 0
	if (good) ngood++
	else if (bad++ < 10) printf "  wrong owner (want %s: %s pid %s tid %s): %s\n", k, ec[k], ep[k], et[k], $0
}
END {
	printf "attribution%s: %d/%d packets (%.1f%%)\n", tag, ngood, total,
		total ? 100.0 * ngood / total : 0
	if (ktotal)
		printf "kernel-made%s: %d/%d packets labelled kernel (%.1f%%)\n", tag,
			kgood, ktotal, 100.0 * kgood / ktotal
	printf "not counted%s: %d packets with no expected owner\n", tag, other
	exit ((total == 0 && ktotal == 0) || ngood < total || kgood < ktotal) ? 1 : 0
}'

# attribution FILE EXPECTFILE: the figure from our reader and from tshark;
# both must reach 100% (every packet of every expected socket carries its
# owner; kernel-made ones are labelled kernel).
attribution() {
	local f=$1 exp=$2 rc=0 nann c
	c=$(cachef "$f")
	dump "$f" | awk '/^pkt /{
		delete v
		for (i = 2; i <= NF; i++) { split($i, kvp, "="); if (kvp[1] == "comment") break; v[kvp[1]] = substr($i, length(kvp[1]) + 2) }
		print v["dir"], v["fam"], v["proto"], v["src"], v["sport"], v["dst"], v["dport"], v["itype"], v["iid"], v["pid"], v["tid"], v["comm"], v["apid"], v["atid"], v["aflags"], v["owner"], v["qsport"]
	}' >"$c.attr"
	awk -v tag="" "$ATTR_AWK" "$exp" "$c.attr" || rc=1
	nann=$(awk '$16 == "none"' "$c.attr" | wc -l)
	if [ "$nann" != 0 ]; then
		say "packets without the netrec annotation (option 2989): $nann"
		rc=1
	fi
	# tshark: direction from epb_flags, owner from the comment ("comm[pid/tid] ...").
	tshark -r "$f" -Y 'ip || ipv6' -T fields -E separator=/t -E occurrence=f \
		-e frame.packet_flags_direction -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst \
		-e tcp.srcport -e tcp.dstport -e icmp.type -e icmpv6.type -e icmp.ident \
		-e icmpv6.echo.identifier -e udp.srcport -e frame.comment 2>/dev/null |
	awk -F'\t' '{
		dir = $1 == 1 ? "in" : ($1 == 2 ? "out" : "-")
		fam = $2 != "" ? 4 : 6
		src = $2 != "" ? $2 : $3; dst = $4 != "" ? $4 : $5
		proto = $8 != "" ? "icmp" : ($9 != "" ? "icmp6" : ($6 != "" ? "tcp" : "other"))
		itype = $8 != "" ? $8 : ($9 != "" ? $9 : -1)
		iid = $10 != "" ? $10 : ($11 != "" ? $11 : -1)
		qs = -1
		if ((proto == "icmp" && (itype == 3 || itype == 11 || itype == 12)) ||
		    (proto == "icmp6" && itype >= 1 && itype <= 4))
			qs = $12 != "" ? $12 : ($6 != "" ? $6 : -1)
		c = $13; comm = "-"; pid = "-"; tid = "-"
		if ((b = index(c, "[")) > 0) {
			comm = substr(c, 1, b - 1); r = substr(c, b + 1)
			split(r, pt, "[/\\]]"); pid = pt[1]; tid = pt[2]
		} else if (c != "") { split(c, w, " "); comm = w[1] }
		print dir, fam, proto, src, ($6 == "" ? -1 : $6), dst, ($7 == "" ? -1 : $7), itype, iid, pid, tid, comm, "-", "-", "-", "-", qs
	}' >"$c.tattr"
	awk -v tag=" (tshark)" "$ATTR_AWK" "$exp" "$c.tattr" || rc=1
	[ $rc = 0 ] || fail "attribution below target in $f"
	return $rc
}

# Kernel TCP events of one connection, in file order: the events that name
# its 4-tuple and every event carrying the same socket cookie (the first
# state change of a client, SYN_SENT, happens before its port is chosen).
#   events FILE LADDR LPORT RADDR RPORT  ->  nrdump "ev" lines
events() {
	dump "$1" | awk -v la="$2" -v lp="$3" -v ra="$4" -v rp="$5" '/^ev /{
		delete v
		for (i = 2; i <= NF; i++) { split($i, kvp, "="); if (kvp[1] == "msg") break; v[kvp[1]] = substr($i, length(kvp[1]) + 2) }
		line[NR] = $0; ck[NR] = v["cookie"]
		if (v["saddr"] == la && v["sport"] == lp && v["daddr"] == ra && v["dport"] == rp) {
			mine[NR] = 1
			if (v["cookie"] != "-" && v["cookie"] != "0") cookies[v["cookie"]] = 1
		}
	}
	END { for (i = 1; i <= NR; i++) if (i in line && (i in mine || ck[i] in cookies)) print line[i] }'
}

# state_seq FILE LADDR LPORT RADDR RPORT: the NEWSTATE of each state event, space-separated.
state_seq() {
	events "$@" | grep ' event=state ' | kv new | tr '\n' ' ' | sed 's/ $//'
}

# subseq "WANT..." "HAVE...": WANT appears in HAVE in this order (other
# states may sit between).
subseq() {
	local want=($1) have=($2) i=0 h
	for h in "${have[@]}"; do
		[ $i -lt ${#want[@]} ] && [ "$h" = "${want[$i]}" ] && i=$((i + 1))
	done
	[ $i = ${#want[@]} ]
}

# check_states FILE LADDR LPORT RADDR RPORT "WANT...": state events of that
# connection (local end first), in file order.
check_states() {
	local seq
	seq=$(state_seq "$1" "$2" "$3" "$4" "$5")
	say "states of $2:$3 > $4:$5: ${seq:-none}"
	if subseq "$6" "$seq"; then ok "states of $2:$3 include $6 in order"
	else fail "states of $2:$3: want $6 in this order, have: ${seq:-none}"; fi
}

# check_event_owner FILE LADDR LPORT RADDR RPORT PID COMM: every event of
# the connection names this process, and there is at least one.
check_event_owner() {
	local f=$1 pid=$6 comm=$7 all good
	all=$(events "$f" "$2" "$3" "$4" "$5" | wc -l)
	good=$(events "$f" "$2" "$3" "$4" "$5" | grep " pid=$pid " | grep -c " comm=$comm ")
	say "event attribution of $2:$3: $good/$all events name $comm[$pid]"
	[ "$all" -gt 0 ] && [ "$good" = "$all" ] || {
		fail "events of $2:$3 not all attributed to $comm[$pid]"
		events "$f" "$2" "$3" "$4" "$5" | grep -v " pid=$pid " | head -5 | sed 's/^/  /'
	}
}

# check_pkts FILE "TSHARK FILTER" PID COMM WHAT: tshark finds at least one
# such packet and every one carries the owner in its comment.
check_pkts() {
	local f=$1 flt=$2 pid=$3 comm=$4 what=$5 n good
	n=$(tshark -r "$f" -Y "$flt" -T fields -e frame.number 2>/dev/null | wc -l)
	good=$(tshark -r "$f" -Y "$flt" -T fields -e frame.comment 2>/dev/null |
		grep -c "^$comm\[$pid/")
	say "$what: $good/$n packets show $comm[$pid/...] (tshark -Y '$flt')"
	[ "$n" -gt 0 ] && [ "$good" = "$n" ] || fail "$what: $good of $n packets attributed to $comm[$pid]"
}

# check_time_order FILE: packets and events are written in time order.
check_time_order() {
	local bad
	bad=$(dump "$1" | awk '/^(pkt|ev) /{ t = ""; for (i = 2; i <= NF; i++) if ($i ~ /^ts=/) { t = substr($i, 4); break }
		if (t != "" && t != "-") { if (prev != "" && t + 0 < prev + 0) n++; prev = t } } END { print n + 0 }')
	say "records out of time order: $bad"
	[ "$bad" = 0 ] || fail "records of $1 are not in timestamp order"
}

# tshark's view of the events: messages of the journal records.
tshark_messages() {
	tshark -r "$1" -Y systemd_journal -T fields -e systemd_journal.message 2>/dev/null
}

# A reference capture: tcpdump on one interface of a namespace while netrec
# records, to check that netrec writes every packet tcpdump sees.
#   td_start NS IFACE OUT FILTER... ; ... ; td_stop
td_start() {
	local ns=$1 ifc=$2 out=$3; shift 3
	bg_run "$ns" 90 "$WORK/tcpdump.pid" /dev/null "$WORK/tcpdump.run.err" \
		tcpdump -i "$ifc" -n -U --immediate-mode -B 16384 -s 0 -w "$out" "$@"
	TD_WAIT=$BG_PID
	wait_line "$WORK/tcpdump.run.err" 'listening on' 10 || fail "tcpdump did not start"
}
td_stop() {
	sleep 0.5
	kill -INT "$(cat "$WORK/tcpdump.pid")" 2>/dev/null
	wait "$TD_WAIT"
	TD_DROPS=0
	grep -q '^0 packets dropped by kernel' "$WORK/tcpdump.run.err" || TD_DROPS=1
}

# same_segments NRFILE TDFILE "TSHARK FILTER" WHAT: both files hold the same
# TCP segments (ports, sequence and ack numbers, flags, length) for the
# filter; the reference (tcpdump's) must not be empty. When tcpdump itself
# dropped packets, only "netrec has every segment tcpdump has" is checked.
same_segments() {
	local a=$1 b=$2 flt=$3 what=$4 seg missing extra
	seg='-T fields -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.flags -e tcp.len'
	tshark -r "$a" -Y "$flt" $seg 2>/dev/null | sort >"$WORK/seg.netrec"
	tshark -r "$b" -Y "$flt" $seg 2>/dev/null | sort >"$WORK/seg.tcpdump"
	missing=$(comm -13 "$WORK/seg.netrec" "$WORK/seg.tcpdump" | wc -l)
	extra=$(comm -23 "$WORK/seg.netrec" "$WORK/seg.tcpdump" | wc -l)
	say "$what: netrec $(wc -l <"$WORK/seg.netrec") segments, tcpdump $(wc -l <"$WORK/seg.tcpdump"); missing from netrec's file $missing, not in tcpdump's $extra$([ "${TD_DROPS:-0}" = 1 ] && echo ' (tcpdump reported drops)')"
	[ -s "$WORK/seg.tcpdump" ] || fail "$what: the reference capture is empty"
	if [ "$missing" != 0 ]; then
		fail "$what: $missing segments tcpdump saw are not in netrec's file"
		comm -13 "$WORK/seg.netrec" "$WORK/seg.tcpdump" | head -5 | sed 's/^/  missing: /'
	fi
	if [ "$extra" != 0 ] && [ "${TD_DROPS:-0}" = 0 ]; then
		fail "$what: $extra segments in netrec's file that tcpdump did not see"
		comm -23 "$WORK/seg.netrec" "$WORK/seg.tcpdump" | head -5 | sed 's/^/  extra: /'
	fi
}

# test_packets FILE [IFACE]: one line per IP packet between the test's own
# addresses (both ends among 192.0.2.1/2 and 2001:db8::1/2), leaving out
# neighbour discovery and the readiness probes (port $SENTINEL_PORT), which
# come and go on their own: "l3len l3orig l3hash fam proto frag" of the
# packet from its network header on (nrdump's decode, not the annotations).
# IFACE: only packets recorded on that interface (pcapng files).
test_packets() {
	local f=$1 ifc=${2:-}
	"$NRDUMP" "$f" 2>/dev/null | awk -v ifc="$ifc" -v sp="$SENTINEL_PORT" '
	BEGIN { ours["192.0.2.1"]; ours["192.0.2.2"]; ours["2001:db8::1"]; ours["2001:db8::2"] }
	/^pkt / {
		delete v
		for (i = 2; i <= NF; i++) { split($i, kvp, "="); if (kvp[1] == "pid") break; v[kvp[1]] = substr($i, length(kvp[1]) + 2) }
		if (ifc != "" && v["if"] != ifc) next
		if (!(v["src"] in ours) || !(v["dst"] in ours)) next
		if (v["proto"] == "icmp6" && v["itype"] >= 133 && v["itype"] <= 137) next
		if (v["sport"] == sp || v["dport"] == sp) next
		print v["l3len"], v["l3orig"], v["l3hash"], v["fam"], v["proto"], v["frag"]
	}' | sort
}

# same_packets NRFILE TDFILE WHAT [IFACE [PREFIX]]: netrec's file holds
# exactly the test's packets tcpdump captured on the same interface in the
# same run: the same number, each with the same bytes and original length
# (PREFIX: compare the first PREFIX bytes of each packet, for packets
# tcpdump itself keeps only that much of).
same_packets() {
	local a=$1 b=$2 what=$3 ifc=${4:-} pre=${5:-} na nb missing extra
	test_packets "$a" "$ifc" >"$WORK/pk.netrec.all"
	test_packets "$b" >"$WORK/pk.tcpdump.all"
	if [ -n "$pre" ]; then
		NRDUMP_HASH_MAX=$pre test_packets "$a" "$ifc" | cut -d' ' -f2- | sort >"$WORK/pk.netrec"
		NRDUMP_HASH_MAX=$pre test_packets "$b" | cut -d' ' -f2- | sort >"$WORK/pk.tcpdump"
	else
		cp "$WORK/pk.netrec.all" "$WORK/pk.netrec"
		cp "$WORK/pk.tcpdump.all" "$WORK/pk.tcpdump"
	fi
	na=$(wc -l <"$WORK/pk.netrec")
	nb=$(wc -l <"$WORK/pk.tcpdump")
	missing=$(comm -13 "$WORK/pk.netrec" "$WORK/pk.tcpdump" | wc -l)
	extra=$(comm -23 "$WORK/pk.netrec" "$WORK/pk.tcpdump" | wc -l)
	say "$what: netrec $na packets ($(awk '{ s += $2 } END { print s + 0 }' "$WORK/pk.netrec.all") bytes), tcpdump $nb ($(awk '{ s += $2 } END { print s + 0 }' "$WORK/pk.tcpdump.all") bytes)${pre:+, compared on their first $pre bytes}; not in netrec's file $missing, not in tcpdump's $extra"
	[ "$nb" -gt 0 ] || fail "$what: the reference capture holds none of the test's packets"
	if [ "$missing" != 0 ] || [ "$extra" != 0 ]; then
		fail "$what: netrec's file and tcpdump's differ"
		comm -13 "$WORK/pk.netrec" "$WORK/pk.tcpdump" | head -5 | sed 's/^/  only tcpdump: /'
		comm -23 "$WORK/pk.netrec" "$WORK/pk.tcpdump" | head -5 | sed 's/^/  only netrec: /'
	fi
}

# stat_of FILE KEY: a field of the file's statistics block (nrdump "stats").
stat_of() {
	dump "$1" | awk -v k="$2" '/^stats /{ for (i = 2; i <= NF; i++) { split($i, kvp, "="); if (kvp[1] == k) v = kvp[2] } } END { print v + 0 }'
}

# mac_of NS IFACE: the interface's link-layer address.
mac_of() {
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# check_sequences FILE: in an unfiltered recording without drops, each
# CPU's sequence numbers over packets and events run on by one (§8: a gap
# would tell a reader that a record was lost), with no number used twice.
check_sequences() {
	local res
	res=$(dump "$1" | awk '/^(pkt|ev) /{
		c = ""; q = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^(comment|msg)=/) break
			if ($i ~ /^cpu=/) c = substr($i, 5)
			if ($i ~ /^seq=/) q = substr($i, 5)
		}
		if (c == "" || c == "-" || q == "" || q == "-") nocpu++
		else print c, q
	} END { if (nocpu) print "missing", nocpu }' | sort -k1,1n -k2,2n | awk '
		$1 == "missing" { miss = $2; next }
		{ if (seen && $1 == pc) { if ($2 == ps) dup++; else if ($2 != ps + 1) gap++ } else cpus++
		  seen = 1; pc = $1; ps = $2 }
		END { printf "%d %d %d %d", cpus, gap, dup, miss }')
	set -- $res
	say "sequence numbers: $1 CPUs, $2 gaps, $3 used twice, $4 records without cpu/seq"
	[ "$2" = 0 ] && [ "$3" = 0 ] && [ "$4" = 0 ] || fail "per-CPU sequence numbers are not consecutive and unique"
}

# tc_filters NS: number of tc filters on the ingress and egress hooks of
# every interface of NS (what a recorder may leave attached).
tc_filters() {
	local ns=$1 d n=0
	for d in $(ip -n "$ns" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
		n=$((n + $(ip netns exec "$ns" tc filter show dev "$d" ingress 2>/dev/null | grep -c .) ))
		n=$((n + $(ip netns exec "$ns" tc filter show dev "$d" egress 2>/dev/null | grep -c .) ))
	done
	echo "$n"
}

# refuse2 NS WHAT NEEDLE ARGS...: netrec with ARGS, run in namespace NS
# ("-": the test's own), must exit 2 with a message naming NEEDLE and leave
# no file behind.
refuse2() {
	local ns=$1 what=$2 needle=$3 st out=$WORK/refused.pcapng; shift 3
	local in=()
	[ "$ns" = - ] || in=(ip netns exec "$ns")
	"${in[@]}" timeout -k 2 15 "$NETREC" -o "$out" "$@" >/dev/null 2>"$WORK/refuse.err"
	st=$?
	say "$what: exit $st: $(head -2 "$WORK/refuse.err" | tr '\n' ' ')"
	[ "$st" = 2 ] || fail "$what: exit status $st, want 2"
	grep -qF -- "$needle" "$WORK/refuse.err" || fail "$what: the message does not name $needle"
	[ -e "$out" ] && fail "$what: $out was left behind"
	rm -f "$out"
}

# owned FILE IFACE PORT PID WHAT: every packet of the connection with
# port PORT recorded on interface IFACE (a whole connection's worth, at
# least 8) carries PID; prints the figure.
owned() {
	local f=$1 ifc=$2 port=$3 pid=$4 what=$5 n m
	dump "$f" | grep '^pkt ' | grep " if=$ifc " | grep -E "(sport|dport)=$port " >"$WORK/owned"
	n=$(wc -l <"$WORK/owned")
	m=$(grep -c " apid=$pid " "$WORK/owned")
	say "attribution on $ifc ($what, pid $pid): $m/$n packets"
	[ "$n" -ge 8 ] || fail "$ifc: $n packets of the connection, expected a whole connection"
	[ "$m" = "$n" ] || {
		fail "$ifc: $((n - m)) packets without $what's pid $pid"
		grep -v " apid=$pid " "$WORK/owned" | head -3 | sed 's/^/  /'
	}
}

e2e_finish() {
	if [ "$E2E_FAILED" = 0 ]; then
		say "PASS: $E2E_NAME"
		exit 0
	fi
	say "FAIL: $E2E_NAME"
	E2E_KEEP=1
	exit 1
}
