#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `netrec -o -` writes the pcapng stream to standard output: piped live into
# `tshark -r -`, tshark decodes every packet with its owner in the comment
# and shows the events; a copy of the stream (tee) is a valid file in its
# own right, with nothing but pcapng on standard output.
. "$(dirname "$0")/lib.sh"
e2e_init

PORT=8080
f=$WORK/stream.pcapng
exp=$WORK/stream.expect
tsh=$WORK/tshark.out
server "$NSB" "$B4" "$PORT" nr-server --reply 4000
swait=$SRV_WAIT

NR_ERR=$WORK/netrec.stderr
(
	set -o pipefail
	ip netns exec "$NSA" timeout -k 3 60 sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/netrec.pid" \
		"$NETREC" -o - 2>"$NR_ERR" | tee "$f" |
		timeout 70 tshark -r - -T fields -E separator=/t -e frame.number -e tcp.srcport \
			-e tcp.dstport -e frame.comment -e systemd_journal.message >"$tsh" 2>"$WORK/tshark.err"
) &
E2E_BG+=($!)
NR_WAITPID=$!
wait_file "$WORK/netrec.pid" 10 || die "netrec did not start"
NR_PID=$(cat "$WORK/netrec.pid")
say "netrec -o - | tee | tshark -r -: netrec pid $NR_PID"
nr_wait_ready "$f" "$NSB" "$A4"
client "$NSA" "$B4" "$PORT" nr-client --thread --send 3000
peer_wait "$CLI_WAIT" "client" || cat "$CLI_ERR"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "the pipeline netrec | tee | tshark ended with status $NR_STATUS"
read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
say "client pid $cpid tid $ctid port $cport"

# The pipeline ends when netrec closes its output.
[ -s "$tsh" ] || fail "tshark read nothing from the pipe: $(cat "$WORK/tshark.err")"
if grep -v '^Running as user' "$WORK/tshark.err" | grep -q .; then
	fail "tshark on the pipe: $(cat "$WORK/tshark.err")"
fi
nconn=$(awk -F'\t' -v p="$cport" '$2 == p || $3 == p' "$tsh" | wc -l)
ngood=$(awk -F'\t' -v p="$cport" '$2 == p || $3 == p' "$tsh" | cut -f4 | grep -c "^nr-client\\[$cpid/$ctid\\]")
say "attribution (live tshark): $ngood/$nconn packets"
[ "$nconn" -ge 6 ] && [ "$ngood" = "$nconn" ] || fail "live tshark: $ngood of $nconn packets attributed to nr-client[$cpid/$ctid]"
grep -q "SYN_SENT -> ESTABLISHED" "$tsh" || fail "live tshark shows no state event message"

check_readable "$f"
expect "$exp" "tcp/$A4/$cport" "$cpid" "$ctid" nr-client
attribution "$f" "$exp"
check_states "$f" "$A4" "$cport" "$B4" "$PORT" "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
e2e_finish
