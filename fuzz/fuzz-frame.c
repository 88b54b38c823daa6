// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the guest frame stream: the decoder, every typed
 * payload and the host collector's fold, fed the input whole and split at
 * a point taken from the input. Seeds: fuzz/corpus/frame/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <schedcheck/vm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, size_t split)
{
	struct sc_vm_collector c;
	struct sc_sidecar out;
	struct sc_error err;

	sc_vm_collector_init(&c);
	if (sc_vm_collector_feed(&c, data, split, &err) == 0 &&
	    sc_vm_collector_feed(&c, data + split, size - split, &err) == 0 &&
	    sc_vm_collector_finish(&c, &out, &err) == 0)
		sc_sidecar_release(&out);
	sc_vm_collector_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t split;

	run(data, size, size);
	split = size ? (size_t)data[0] * 257u % (size + 1) : 0;
	run(data, size, split);
	return 0;
}
