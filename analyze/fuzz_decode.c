/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the analyzer's header decoder (decode*.c): the first
 * two input bytes (big-endian) name the linktype, taken as is when the
 * decoder knows it and otherwise as an index into decode_linktypes() (so a
 * new linktype is fuzzed as soon as it is listed); the rest is the captured
 * packet. Seeds are written by the unit tests (NETANALYZE_FUZZ_SEEDS, see
 * tests/fuzz/README.md). The decoder must never read outside the bytes it is given,
 * whatever they are, and what it returns must keep decode.h's invariants
 * (checked here: a violation aborts, which libFuzzer reports as a crash).
 * Built with -Dfuzz=true (clang); tests/fuzz replays its corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint32_t *lts;
	size_t n = decode_linktypes(&lts);
	struct pkt p;
	char why[96];

	uint32_t lt;

	if (size < 2)
		return 0;
	lt = (uint32_t)data[0] << 8 | data[1];
	if (!decode_linktype_known(lt))
		lt = lts[lt % n];
	decode_packet(lt, data + 2, size - 2, &p);
	if (p.ntunnels < 0 || p.ntunnels > PKT_MAX_TUNNELS || p.undecoded >= PKT_UNDEC_COUNT ||
	    p.undecoded_at >= PKT_P_COUNT || p.sack_blocks < 0 || p.sack_blocks > 4 ||
	    (p.ipver != 0 && p.ipver != 4 && p.ipver != 6) || (p.undecoded && !p.dec_flags))
		abort();
	for (int i = 0; i < p.ntunnels; i++)
		if (p.tunnels[i].kind < PKT_P_MPLS || p.tunnels[i].kind >= PKT_P_COUNT)
			abort();
	decode_undecoded_str(&p, why, sizeof(why));
	return 0;
}
