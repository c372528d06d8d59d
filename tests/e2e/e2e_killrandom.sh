#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGKILL at random moments, 24 times (12 plain, 12 zstd-compressed), while
# pings and connection attempts keep the recording busy: every killed recording
# must be readable up to its last complete block, by our reader, by tshark
# (through zstd -dc for the compressed ones) and by tcpdump, which must all
# find the same packets in it; anything after that block may only be a
# block cut short. A SIGKILLed netrec prints no summary: what the file holds
# is checked against the readers instead. Kill times are drawn from bash's
# $RANDOM (printed, so that a failure can be replayed with E2E_SEED).
. "$(dirname "$0")/lib.sh"
e2e_init ping zstd

KILLS=${E2E_KILLS:-24}
RANDOM=${E2E_SEED:-$$}
say "seed ${E2E_SEED:-$$}"
# traffic for the whole test: pings and connection attempts (refused: a SYN
# and a reset each), in one bounded loop
ip netns exec "$NSA" timeout 600 bash -c 'while :; do
	ping -q -c 20 -i 0.01 "$0" >/dev/null 2>&1
	for i in 1 2 3 4 5; do { exec 3<>"/dev/tcp/$0/$1"; } 2>/dev/null; done
	done' "$B4" "$SENTINEL_PORT" &
gen=$!
E2E_BG+=("$gen")
for k in $(seq "$KILLS"); do
	ext=""
	[ $((k % 2)) = 0 ] && ext=.zst
	f=$WORK/k$k.pcapng$ext
	nr_start "$NSA" "$f"
	wait_file "$f" 20 || fail "netrec $k wrote nothing"
	ms=$((RANDOM % 2000 + 50))
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -KILL "$NR_PID"
	wait "$NR_WAITPID" 2>/dev/null
	size=$(stat -c %s "$f")
	last=$(dump "$f" | tail -1)
	own=$(dump "$f" | grep -c '^pkt ')
	case $last in
	*status=ok*) ;;
	*truncated*|*cut\ short*|*incomplete*|*zstd*) ;;
	*) fail "kill $k ($ext): our reader fails before the end: $last" ;;
	esac
	if [ -n "$ext" ]; then
		# everything libzstd decodes (zstd -dc drops the tail of a cut frame)
		zpre=$(dirname "$0")/zstd_prefix.py
		tsh=$(python3 "$zpre" "$f" | tshark -r - -Y 'ip || ipv6' 2>/dev/null | wc -l)
		terr=$(python3 "$zpre" "$f" | tshark -r - -q 2>&1 >/dev/null | grep -v '^Running as user')
		td=$(python3 "$zpre" "$f" | tcpdump -n -r - 2>/dev/null | wc -l)
	else
		tsh=$(tshark -r "$f" -Y 'ip || ipv6' 2>/dev/null | wc -l)
		terr=$(tshark -r "$f" -q 2>&1 >/dev/null | grep -v '^Running as user')
		td=$(tcpdump -n -r "$f" 2>/dev/null | wc -l)
	fi
	case $terr in ""|*"cut short in the middle"*) ;; *) fail "kill $k ($ext): tshark: $terr" ;; esac
	kill -0 "$gen" 2>/dev/null || fail "the traffic generator stopped"
	say "kill $k after ${ms} ms (${ext:-plain}): $size bytes; packets: nrdump $own, tshark $tsh, tcpdump $td; ${last%% records=*}"
	[ "$own" = "$tsh" ] && [ "$own" = "$td" ] || fail "kill $k: the readers find different packets"
	[ "$own" -gt 0 ] || [ "$ms" -lt 1000 ] || fail "kill $k: nothing recorded in ${ms} ms"
done
e2e_finish
