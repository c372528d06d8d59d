#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A full disk, plain and zstd-compressed: netrec records a paced transfer of
# random bytes (which zstd cannot shrink) into a 640 KiB tmpfs (mounted in
# netrec's own mount namespace, which `ip netns exec` makes) until the
# device is full. It must stop with a message and exit 1, leave a file
# that ends with a whole block (every reader reads it to the end), and the
# counts on its standard error must equal what the file holds.
. "$(dirname "$0")/lib.sh"
e2e_init zstd

mkdir "$WORK/mnt"
for ext in "" .zst; do
	say "== ${ext:-plain}"
	server "$NSB" "$B4" 8200 nr-sink --reply 100
	swait=$SRV_WAIT
	err=$WORK/full$ext.err
	ip netns exec "$NSA" timeout 60 bash -c 'mount -t tmpfs -o size=640k tmpfs "$1" || exit 99
		"$2" -o "$1/full.pcapng$3" 2>"$4" &
		nr=$!
		for i in $(seq 100); do [ -s "$1/full.pcapng$3" ] && break; sleep 0.1; done
		sleep 1
		{ exec 3<>"/dev/tcp/$6/8200" &&
		  for i in $(seq 300); do head -c 8192 /dev/urandom >&3 || break; sleep 0.01;
			kill -0 $nr 2>/dev/null || break; done
		  exec 3>&-; } 2>/dev/null
		for i in $(seq 100); do kill -0 $nr 2>/dev/null || break; sleep 0.1; done
		kill -TERM $nr 2>/dev/null
		wait $nr
		rc=$?
		cp "$1/full.pcapng$3" "$5/"
		exit $rc' sh "$WORK/mnt" "$NETREC" "$ext" "$err" "$WORK" "$B4"
	st=$?
	kill "$swait" 2>/dev/null
	f=$WORK/full.pcapng$ext
	say "netrec exited with $st after $(stat -c %s "$f") bytes; its stderr:"
	sed 's/^/  | /' "$err"
	[ "$st" != 99 ] || skip "cannot mount a tmpfs in the test's mount namespace"
	[ "$st" = 1 ] || fail "netrec exited with $st on a full disk, want 1"
	grep -q 'no space left' "$err" || fail "netrec does not say the disk is full"
	last=$(dump "$f" | tail -1)
	say "nrdump: $last"
	case $last in *status=ok*) ;; *) fail "our reader does not read $f to the end: $last" ;; esac
	rd=(tshark -r "$f" -q)
	[ -n "$ext" ] && rd=(bash -o pipefail -c 'zstd -dc "$1" | tshark -r - -q' sh "$f")
	terr=$("${rd[@]}" 2>&1 >/dev/null | grep -v '^Running as user')
	[ -z "$terr" ] || fail "tshark on $f: $terr"
	sp=$(sed -n 's/.*: \([0-9]*\) packets written.*/\1/p' "$err")
	se=$(sed -n 's/.* \([0-9]*\) events written.*/\1/p' "$err")
	fp=$(dump "$f" | grep -c '^pkt ')
	fe=$(dump "$f" | grep -c '^ev ')
	say "summary: $sp packets, $se events; the file: $fp packets, $fe events"
	[ -n "$sp" ] && [ "$sp" = "$fp" ] && [ "$se" = "$fe" ] ||
		fail "${ext:-plain}: the counts on stderr differ from what the file holds"
	[ "$fp" -gt 100 ] || fail "${ext:-plain}: only $fp packets before the disk was full"
done
e2e_finish
