/* SPDX-License-Identifier: MIT */
/*
 * Wire frames between a guest and the host: a 12-byte header (type, length,
 * CRC32, all little-endian u32) and a payload of at most 16 MiB; an encoder,
 * an incremental decoder that treats every byte as hostile, and the typed
 * payloads of VM mode (docs/vm.md, "The channel").
 */
#ifndef SCHEDCHECK_FRAME_H
#define SCHEDCHECK_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/containers.h>
#include <schedcheck/error.h>
#include <schedcheck/sidecar.h>
#include <schedcheck/stats.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Layout of one frame:
 *
 *   offset 0  u32 type     (one of SC_FRAME_TYPES; anything else is refused)
 *   offset 4  u32 length   (payload bytes, <= SC_FRAME_MAX_PAYLOAD)
 *   offset 8  u32 crc32    (zlib crc32 over bytes 0..8 of the header, then
 *                           the payload: a flipped type or length is caught)
 *   offset 12 payload
 */
#define SC_FRAME_HEADER_SIZE 12u
#define SC_FRAME_MAX_PAYLOAD (16u * 1024 * 1024)
/* Version of the payload formats below; HELLO carries it. */
#define SC_FRAME_PROTOCOL_VERSION 1u

/*
 * Frame types: (id, wire value, name). Payloads:
 *   HELLO     JSON {"protocol": u32, "schedcheck_version": str}
 *   PROGRESS  JSON {"phase": str, "elapsed_ms": u64, "total_ms": u64}
 *   LOG       UTF-8 text (a guest-side message), <= SC_FRAME_MAX_TEXT bytes
 *   PHASE     JSON phase boundary {"step_index", "start_ms", "end_ms",
 *             "sample_count", "metrics": {name: f64}}
 *   CARRIER   a sidecar document whose only content is one phase bucket with
 *             the merge-neutral window (UINT64_MAX, 0) and one per-cgroup
 *             carrier (one frame per phase and cgroup keeps frames small)
 *   RESULT    a sidecar document: one run (the guest's conditions) and the
 *             whole result with its phases left out (they came as PHASE and
 *             CARRIER frames)
 *   END       JSON {"status": i64 (0 or -errno), "interrupted": bool,
 *             "error": str|null}; the last frame of a stream
 */
#define SC_FRAME_TYPES(X)          \
	X(HELLO, 1, "hello")       \
	X(PROGRESS, 2, "progress") \
	X(LOG, 3, "log")           \
	X(PHASE, 4, "phase")       \
	X(CARRIER, 5, "carrier")   \
	X(RESULT, 6, "result")     \
	X(END, 7, "end")

enum sc_frame_type {
#define SC_X_(id, val, name) SC_FRAME_##id = val,
	SC_FRAME_TYPES(SC_X_)
#undef SC_X_
		SC_FRAME_TYPE_MAX
};

/* "hello", ...; NULL for a value that is not a known type. */
const char *sc_frame_type_name(uint32_t type);
bool sc_frame_type_known(uint32_t type);

/* ------------------------------------------------------------------------ */
/* Encoding                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Fills the 12-byte header for `payload` (len bytes) of `type`: lets a
 * writer send header and payload with writev() without copying. -EINVAL for
 * an unknown type, -E2BIG for a payload over SC_FRAME_MAX_PAYLOAD.
 */
int sc_frame_header_encode(uint32_t type, const void *payload, size_t len,
			   uint8_t hdr[SC_FRAME_HEADER_SIZE]);

/*
 * Encodes one whole frame into *out (malloc'ed, caller frees; *out_len =
 * 12 + len). Same errors as sc_frame_header_encode, plus -ENOMEM.
 */
int sc_frame_encode(uint32_t type, const void *payload, size_t len, uint8_t **out, size_t *out_len);

/* ------------------------------------------------------------------------ */
/* Decoding                                                                  */
/* ------------------------------------------------------------------------ */

/* One decoded frame; `payload` is owned (free with sc_frame_release). */
struct sc_frame {
	uint32_t type;
	uint32_t len;
	uint8_t *payload; /* NULL when len == 0 */
	uint64_t offset;  /* stream offset of the frame's first header byte */
};

void sc_frame_init(struct sc_frame *f);
void sc_frame_release(struct sc_frame *f);

/*
 * The incremental decoder: bytes may arrive split anywhere. Nothing in the
 * stream is trusted: the type must be known, the length within
 * `max_payload`, the CRC must match. The first error is sticky (the stream
 * cannot be resynchronised safely) and every later call returns it.
 */
struct sc_frame_decoder {
	uint8_t hdr[SC_FRAME_HEADER_SIZE];
	size_t hdr_have;
	uint32_t type, len, crc;
	uint8_t *payload;
	size_t payload_have;
	uint64_t offset;       /* bytes consumed so far */
	uint64_t frame_offset; /* where the frame being assembled starts */
	uint64_t frames;       /* complete frames delivered */
	uint32_t max_payload;
	int error; /* sticky: 0 or the first -errno */
	struct sc_error last_error;
};

/* `max_payload` 0 means SC_FRAME_MAX_PAYLOAD; larger values are clamped to it. */
void sc_frame_decoder_init(struct sc_frame_decoder *d, uint32_t max_payload);
void sc_frame_decoder_release(struct sc_frame_decoder *d);

/*
 * Consumes bytes from buf[0..len) until one frame is complete or the input
 * is used up; *consumed says how many were taken. Returns 1 with *out filled
 * (payload moved in) when a frame is complete, 0 when more bytes are needed,
 * or -EBADMSG (unknown type, oversized length, CRC mismatch) / -ENOMEM with
 * `err` naming the stream offset of the bad frame. Callers loop while bytes
 * remain.
 */
int sc_frame_decoder_feed(struct sc_frame_decoder *d, const void *buf, size_t len, size_t *consumed,
			  struct sc_frame *out, struct sc_error *err);

/*
 * Call at end of stream: 0 when it ended between frames, -EBADMSG naming
 * the offset and how much of the frame arrived when it ended inside one,
 * or the sticky error.
 */
int sc_frame_decoder_finish(struct sc_frame_decoder *d, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Typed payloads                                                            */
/* ------------------------------------------------------------------------ */

#define SC_FRAME_MAX_TEXT (64u * 1024)
#define SC_FRAME_PHASE_LABEL_MAX 64u
/* Metrics a PHASE frame may carry. */
#define SC_FRAME_MAX_PHASE_METRICS 4096u

struct sc_frame_hello {
	uint32_t protocol;
	char *schedcheck_version; /* owned */
};

struct sc_frame_progress {
	char phase[SC_FRAME_PHASE_LABEL_MAX];
	uint64_t elapsed_ms;
	uint64_t total_ms;
};

/* A phase boundary as the guest saw it (its window and monitor metrics). */
struct sc_frame_phase {
	uint16_t step_index;
	uint64_t start_ms;
	uint64_t end_ms;
	uint64_t sample_count;
	struct sc_metric_map metrics;
};

struct sc_frame_end {
	int64_t status; /* 0 or -errno of the guest's run */
	bool interrupted;
	char *error; /* owned, may be NULL */
};

void sc_frame_hello_release(struct sc_frame_hello *h);
void sc_frame_phase_release(struct sc_frame_phase *p);
void sc_frame_end_release(struct sc_frame_end *e);

/*
 * Encoders return a malloc'ed payload (not NUL-terminated in meaning, but a
 * NUL follows it for convenience) in *out / *len; -ENOMEM, -EINVAL, -E2BIG
 * when the payload would not fit in a frame.
 */
int sc_frame_hello_encode(const struct sc_frame_hello *h, char **out, size_t *len);
int sc_frame_progress_encode(const struct sc_frame_progress *p, char **out, size_t *len);
int sc_frame_phase_encode(const struct sc_frame_phase *p, char **out, size_t *len);
int sc_frame_end_encode(const struct sc_frame_end *e, char **out, size_t *len);
/* The per-phase carrier of `cgroup` in the bucket of `step_index`. */
int sc_frame_carrier_encode(uint16_t step_index, const char *cgroup,
			    const struct sc_phase_cgroup_stats *stats, char **out, size_t *len);
/* `s` with its phases left out; `s` must hold exactly one run (-EINVAL). */
int sc_frame_result_encode(const struct sc_sidecar *s, char **out, size_t *len);

/*
 * Decoders validate strictly (unknown or missing keys, wrong types, out of
 * range values, limits) and fill *out only on success; -EINVAL / -ENOMEM
 * with `err` naming the field.
 */
int sc_frame_hello_decode(const void *payload, size_t len, struct sc_frame_hello *out,
			  struct sc_error *err);
int sc_frame_progress_decode(const void *payload, size_t len, struct sc_frame_progress *out,
			     struct sc_error *err);
int sc_frame_phase_decode(const void *payload, size_t len, struct sc_frame_phase *out,
			  struct sc_error *err);
int sc_frame_end_decode(const void *payload, size_t len, struct sc_frame_end *out,
			struct sc_error *err);
/* Validates UTF-8 and the length; *out is a malloc'ed NUL-terminated copy. */
int sc_frame_log_decode(const void *payload, size_t len, char **out, struct sc_error *err);
/*
 * A guest carrier bucket: exactly one phase with the (UINT64_MAX, 0) window,
 * no samples, no metrics and one carrier; nothing else in the document.
 * *out is initialised and filled only on success.
 */
int sc_frame_carrier_decode(const void *payload, size_t len, struct sc_phase_bucket *out,
			    struct sc_error *err);
/* A guest result: exactly one run and no phases. */
int sc_frame_result_decode(const void *payload, size_t len, struct sc_sidecar *out,
			   struct sc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_FRAME_H */
