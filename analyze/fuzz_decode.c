/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the analyzer's header decoder (decode.c): the first
 * input byte picks one of the linktypes it knows, the rest is the captured
 * packet. Built with -Dfuzz=true (clang); the decoder must never read
 * outside the bytes it is given, whatever they are.
 */
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t linktypes[] = {
		LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LOOP,
		LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2,
	};
	struct pkt p;

	if (size < 1)
		return 0;
	decode_packet(linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))],
		      data + 1, size - 1, &p);
	return 0;
}
