// SPDX-License-Identifier: MIT
/*
 * Unit tests of the wire frames and the VM channel: header codec, the
 * incremental decoder fed byte by byte, hostile input (unknown types,
 * oversize lengths, CRC, truncation), typed payloads, the guest-to-host
 * round trip through the collector, and the fuzz corpus replayed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include <schedcheck/frame.h>
#include <schedcheck/vm.h>

/* ---- helpers ----------------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len;
};

static void buf_add(struct buf *b, const void *data, size_t len)
{
	b->p = realloc(b->p, b->len + len + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void buf_frame(struct buf *b, uint32_t type, const void *payload, size_t len)
{
	uint8_t *f = NULL;
	size_t n = 0;

	assert_int_equal(sc_frame_encode(type, payload, len, &f, &n), 0);
	assert_int_equal(n, SC_FRAME_HEADER_SIZE + len);
	buf_add(b, f, n);
	free(f);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A raw header with a correct CRC over whatever type/len say. */
static void raw_frame(struct buf *b, uint32_t type, uint32_t len, const void *payload, size_t have)
{
	uint8_t h[12];
	uLong crc;

	put32(h, type);
	put32(h + 4, len);
	crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, h, 8);
	if (have)
		crc = crc32(crc, payload, (uInt)have);
	put32(h + 8, (uint32_t)crc);
	buf_add(b, h, 12);
	if (have)
		buf_add(b, payload, have);
}

/* Decodes a whole buffer, `chunk` bytes at a time; returns frames or -errno. */
static int decode_all(const uint8_t *p, size_t len, size_t chunk, struct sc_frame *out,
		      size_t max_out, size_t *n_out, struct sc_error *err)
{
	struct sc_frame_decoder d;
	size_t off = 0;
	int r = 0;

	*n_out = 0;
	sc_frame_decoder_init(&d, 0);
	while (off < len) {
		size_t take = len - off < chunk ? len - off : chunk, used = 0;

		while (take) {
			struct sc_frame f;

			sc_frame_init(&f);
			r = sc_frame_decoder_feed(&d, p + off, take, &used, &f, err);
			off += used;
			take -= used;
			if (r < 0)
				goto out;
			if (r == 1) {
				assert_true(*n_out < max_out);
				out[(*n_out)++] = f;
			}
			if (r == 0)
				break;
		}
	}
	r = sc_frame_decoder_finish(&d, err);
out:
	sc_frame_decoder_release(&d);
	return r;
}

/* ---- codec ----------------------------------------------------------------- */

static void test_header_layout(void **state)
{
	static const char payload[] = "abc";
	uint8_t *f = NULL;
	size_t n = 0;
	uLong crc;

	(void)state;
	assert_int_equal(sc_frame_encode(SC_FRAME_LOG, payload, 3, &f, &n), 0);
	assert_int_equal(n, 15);
	/* type 3, length 3, little-endian; CRC over type+length then payload. */
	assert_memory_equal(f, "\x03\x00\x00\x00\x03\x00\x00\x00", 8);
	crc = crc32(crc32(crc32(0L, Z_NULL, 0), f, 8), (const Bytef *)payload, 3);
	assert_int_equal(f[8] | f[9] << 8 | f[10] << 16 | (uint32_t)f[11] << 24, (uint32_t)crc);
	assert_memory_equal(f + 12, "abc", 3);
	free(f);
}

static void test_encode_refuses(void **state)
{
	uint8_t hdr[12], *f = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(sc_frame_header_encode(0, NULL, 0, hdr), -EINVAL);
	assert_int_equal(sc_frame_header_encode(99, NULL, 0, hdr), -EINVAL);
	assert_int_equal(sc_frame_header_encode(SC_FRAME_LOG, hdr, SC_FRAME_MAX_PAYLOAD + 1, hdr),
			 -E2BIG);
	assert_int_equal(sc_frame_encode(SC_FRAME_LOG, NULL, 5, &f, &n), -EINVAL);
	assert_null(f);
	assert_string_equal(sc_frame_type_name(SC_FRAME_CARRIER), "carrier");
	assert_null(sc_frame_type_name(0));
	assert_null(sc_frame_type_name(8));
	assert_null(sc_frame_type_name(UINT32_MAX));
}

static void test_decode_every_split(void **state)
{
	struct buf b = { 0 };
	struct sc_frame out[8];
	struct sc_error err;
	size_t n, chunk, i;

	(void)state;
	buf_frame(&b, SC_FRAME_LOG, "first", 5);
	buf_frame(&b, SC_FRAME_END, NULL, 0);
	buf_frame(&b, SC_FRAME_LOG, "third frame", 11);
	for (chunk = 1; chunk <= b.len; chunk++) {
		assert_int_equal(decode_all(b.p, b.len, chunk, out, 8, &n, &err), 0);
		assert_int_equal(n, 3);
		assert_int_equal(out[0].type, SC_FRAME_LOG);
		assert_int_equal(out[0].len, 5);
		assert_memory_equal(out[0].payload, "first", 5);
		assert_int_equal(out[0].offset, 0);
		assert_int_equal(out[1].type, SC_FRAME_END);
		assert_int_equal(out[1].len, 0);
		assert_null(out[1].payload);
		assert_int_equal(out[1].offset, 17);
		assert_memory_equal(out[2].payload, "third frame", 11);
		assert_int_equal(out[2].offset, 29);
		for (i = 0; i < n; i++)
			sc_frame_release(&out[i]);
	}
	free(b.p);
}

static void expect_error(const struct buf *b, int rc, const char *needle)
{
	struct sc_frame out[8];
	struct sc_error err;
	size_t n = 0, i, chunk;

	for (chunk = 1; chunk <= b->len; chunk += (chunk < 16 ? 1 : 97)) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(decode_all(b->p, b->len, chunk, out, 8, &n, &err), rc);
		if (!strstr(err.msg, needle))
			fail_msg("error '%s' does not mention '%s'", err.msg, needle);
		for (i = 0; i < n; i++)
			sc_frame_release(&out[i]);
	}
}

static void test_unknown_type_names_offset(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_frame(&b, SC_FRAME_LOG, "ok", 2);  /* 14 bytes */
	raw_frame(&b, 0x41414141, 2, "zz", 2); /* at offset 14 */
	expect_error(&b, -EBADMSG, "offset 14: unknown frame type 1094795585");
	free(b.p);
	b.p = NULL;
	b.len = 0;
	raw_frame(&b, 0, 0, NULL, 0);
	expect_error(&b, -EBADMSG, "offset 0: unknown frame type 0");
	free(b.p);
}

static void test_oversize_length(void **state)
{
	struct buf b = { 0 };
	struct sc_frame_decoder d;
	struct sc_frame f;
	struct sc_error err;
	size_t used;

	(void)state;
	raw_frame(&b, SC_FRAME_RESULT, SC_FRAME_MAX_PAYLOAD + 1, NULL, 0);
	expect_error(&b, -EBADMSG, "exceeds the limit of 16777216 bytes");
	/* A smaller per-decoder limit holds too, and the error sticks. */
	free(b.p);
	b.p = NULL;
	b.len = 0;
	raw_frame(&b, SC_FRAME_LOG, 100, NULL, 0);
	sc_frame_decoder_init(&d, 64);
	sc_frame_init(&f);
	assert_int_equal(sc_frame_decoder_feed(&d, b.p, b.len, &used, &f, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "limit of 64"));
	assert_int_equal(sc_frame_decoder_feed(&d, "x", 1, &used, &f, &err), -EBADMSG);
	assert_int_equal(used, 0);
	assert_int_equal(sc_frame_decoder_finish(&d, &err), -EBADMSG);
	sc_frame_decoder_release(&d);
	free(b.p);
}

static void test_crc_mismatch(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_frame(&b, SC_FRAME_LOG, "hello", 5);
	buf_frame(&b, SC_FRAME_LOG, "world", 5);
	b.p[17 + 12 + 2] ^= 0x01; /* a payload bit of the second frame */
	expect_error(&b, -EBADMSG, "offset 17 (log, 5 bytes): CRC32 mismatch");
	/* A flipped type that is still known: the CRC covers the header. */
	b.p[17 + 12 + 2] ^= 0x01;
	b.p[17] = SC_FRAME_END;
	expect_error(&b, -EBADMSG, "offset 17 (end, 5 bytes): CRC32 mismatch");
	free(b.p);
}

static void test_truncation(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_frame(&b, SC_FRAME_LOG, "hello", 5);
	buf_frame(&b, SC_FRAME_LOG, "world", 5);
	b.len -= 2;
	expect_error(&b, -EBADMSG, "ended inside the frame at offset 17 (log: 3 of 5 payload");
	b.len = 17 + 5;
	expect_error(&b, -EBADMSG, "inside the header of the frame at offset 17 (5 of 12");
	free(b.p);
}

/* ---- typed payloads -------------------------------------------------------- */

static void test_typed_round_trips(void **state)
{
	struct sc_frame_hello h = { SC_FRAME_PROTOCOL_VERSION, (char *)"0.1.0" }, h2;
	struct sc_frame_progress p, p2;
	struct sc_frame_phase ph, ph2;
	struct sc_frame_end e = { -5, true, (char *)"I/O \"error\"" }, e2;
	struct sc_error err;
	char *s = NULL;
	size_t len = 0;
	double v;

	(void)state;
	assert_int_equal(sc_frame_hello_encode(&h, &s, &len), 0);
	assert_int_equal(sc_frame_hello_decode(s, len, &h2, &err), 0);
	assert_int_equal(h2.protocol, 1);
	assert_string_equal(h2.schedcheck_version, "0.1.0");
	sc_frame_hello_release(&h2);
	free(s);

	memset(&p, 0, sizeof(p));
	snprintf(p.phase, sizeof(p.phase), "Step[3]");
	p.elapsed_ms = UINT64_MAX;
	p.total_ms = 7;
	assert_int_equal(sc_frame_progress_encode(&p, &s, &len), 0);
	assert_int_equal(sc_frame_progress_decode(s, len, &p2, &err), 0);
	assert_string_equal(p2.phase, "Step[3]");
	assert_true(p2.elapsed_ms == UINT64_MAX);
	free(s);

	memset(&ph, 0, sizeof(ph));
	ph.step_index = 65535;
	ph.start_ms = 10;
	ph.end_ms = 20;
	ph.sample_count = 3;
	assert_int_equal(sc_metric_map_set(&ph.metrics, "cpu_busy_pct", 0.1 + 0.2), 0);
	assert_int_equal(sc_frame_phase_encode(&ph, &s, &len), 0);
	assert_int_equal(sc_frame_phase_decode(s, len, &ph2, &err), 0);
	assert_int_equal(ph2.step_index, 65535);
	assert_int_equal(ph2.end_ms, 20);
	assert_true(sc_metric_map_get(&ph2.metrics, "cpu_busy_pct", &v));
	assert_true(v == 0.1 + 0.2); /* bit-exact */
	sc_frame_phase_release(&ph);
	sc_frame_phase_release(&ph2);
	free(s);

	assert_int_equal(sc_frame_end_encode(&e, &s, &len), 0);
	assert_int_equal(sc_frame_end_decode(s, len, &e2, &err), 0);
	assert_int_equal(e2.status, -5);
	assert_true(e2.interrupted);
	assert_string_equal(e2.error, "I/O \"error\"");
	sc_frame_end_release(&e2);
	free(s);
}

static void expect_payload_error(int rc, const char *msg, const char *needle)
{
	if (rc >= 0)
		fail_msg("accepted a bad payload (expected '%s')", needle);
	if (!strstr(msg, needle))
		fail_msg("error '%s' does not mention '%s'", msg, needle);
}

static void test_typed_hostile(void **state)
{
	struct sc_frame_hello h;
	struct sc_frame_progress p;
	struct sc_frame_phase ph;
	struct sc_frame_end e;
	struct sc_phase_bucket b;
	struct sc_sidecar sc;
	struct sc_error err;
	char *log = NULL;
	const char *t;

	(void)state;
#define TRY(fn, text, out, needle)                                                  \
	do {                                                                        \
		memset(&err, 0, sizeof(err));                                       \
		t = (text);                                                         \
		expect_payload_error(fn(t, strlen(t), out, &err), err.msg, needle); \
	} while (0)
	TRY(sc_frame_hello_decode, "{\"protocol\":1}", &h, "missing key \"schedcheck_version\"");
	TRY(sc_frame_hello_decode, "{\"protocol\":1,\"schedcheck_version\":\"x\",\"x\":1}", &h,
	    "unknown key");
	TRY(sc_frame_hello_decode, "{\"protocol\":-1,\"schedcheck_version\":\"x\"}", &h,
	    "protocol");
	TRY(sc_frame_hello_decode, "{\"protocol\":4294967296,\"schedcheck_version\":\"x\"}", &h,
	    "protocol");
	TRY(sc_frame_hello_decode, "[", &h, "hello payload");
	TRY(sc_frame_progress_decode,
	    "{\"phase\":\"0123456789012345678901234567890123456789012345678901234567890123\","
	    "\"elapsed_ms\":1,\"total_ms\":2}",
	    &p, "longer than 63 bytes");
	TRY(sc_frame_phase_decode,
	    "{\"step_index\":65536,\"start_ms\":0,\"end_ms\":0,\"sample_count\":0,\"metrics\":{}}",
	    &ph, "step_index");
	TRY(sc_frame_phase_decode,
	    "{\"step_index\":1,\"start_ms\":5,\"end_ms\":4,\"sample_count\":0,\"metrics\":{}}", &ph,
	    "end_ms: 4 is before start_ms 5");
	TRY(sc_frame_phase_decode,
	    "{\"step_index\":1,\"start_ms\":0,\"end_ms\":4,\"sample_count\":0,\"metrics\":{\"a\":"
	    "\"x\"}}",
	    &ph, "metrics.a");
	TRY(sc_frame_end_decode, "{\"status\":3,\"interrupted\":false,\"error\":null}", &e,
	    "neither 0 nor a -errno");
	TRY(sc_frame_end_decode, "{\"status\":0,\"interrupted\":0,\"error\":null}", &e,
	    "interrupted");
	TRY(sc_frame_carrier_decode, "{}", &b, "carrier frame");
	TRY(sc_frame_result_decode, "null", &sc, "result frame");
#undef TRY
	memset(&err, 0, sizeof(err));
	expect_payload_error(sc_frame_log_decode("a\0b", 3, &log, &err), err.msg, "NUL byte");
	expect_payload_error(sc_frame_log_decode("\xff\xfe", 2, &log, &err), err.msg, "UTF-8");
	assert_int_equal(sc_frame_log_decode("fine", 4, &log, &err), 0);
	assert_string_equal(log, "fine");
	free(log);
}

/* ---- the channel: guest stream -> host collector ------------------------- */

/* A result with two phases (carriers for two cgroups), outcomes and a run. */
static void make_result(struct sc_sidecar *s)
{
	struct sc_phase_bucket b;
	struct sc_phase_cgroup_stats c;
	struct sc_assert_detail d;
	struct sc_cgroup_stats cs;
	uint16_t step;
	int i;

	sc_sidecar_init(s);
	s->runs = calloc(1, sizeof(*s->runs));
	assert_non_null(s->runs);
	s->n_runs = 1;
	sc_run_info_init(&s->runs[0]);
	s->runs[0].kernel_release = strdup("6.12.0-guest");
	s->runs[0].nr_numa_nodes = 2;
	for (step = 0; step < 2; step++) {
		assert_int_equal(sc_phase_bucket_init(&b, step), 0);
		b.start_ms = step * 1000u;
		b.end_ms = step * 1000u + 900;
		b.sample_count = 9;
		assert_int_equal(sc_metric_map_set(&b.metrics, "cpu_busy_pct", 50.0 + step), 0);
		for (i = 0; i < 2; i++) {
			sc_phase_cgroup_stats_init(&c);
			c.num_workers = 2;
			c.total_iterations = 1000u * (step + 1) + (unsigned)i;
			c.total_cpu_time_ns = 5000000;
			assert_int_equal(sc_cpu_set_add(&c.cpus_used, (uint64_t)i), 0);
			assert_int_equal(sc_u64_vec_push(&c.wake_latencies_ns, 1000u + step), 0);
			assert_int_equal(sc_u64_vec_push(&c.wake_latencies_ns, UINT64_MAX), 0);
			c.wake_sample_total = 2;
			assert_int_equal(sc_u64_vec_push(&c.run_delays_ns, 7), 0);
			assert_int_equal(sc_u64_vec_push(&c.run_delays_ns, 9), 0);
			assert_int_equal(
				sc_carrier_map_put(&b.per_cgroup, i ? "beta" : "alpha", &c), 0);
			sc_phase_cgroup_stats_release(&c);
		}
		assert_int_equal(sc_derive_phase_metrics(&b), 0);
		assert_int_equal(sc_scenario_stats_put_phase(&s->result.stats, &b), 0);
	}
	sc_cgroup_stats_init(&cs);
	cs.cgroup_name = strdup("alpha");
	cs.num_workers = 2;
	assert_int_equal(sc_scenario_stats_add_cgroup(&s->result.stats, &cs), 0);
	sc_assert_detail_init(&d);
	assert_int_equal(sc_assert_detail_set(&d, "not_starved", "alpha", "max gap 3 ms"), 0);
	assert_int_equal(sc_assert_result_record_fail(&s->result, &d), 0);
	sc_assert_detail_release(&d);
}

static void stream_to_buf(const struct sc_sidecar *s, struct buf *b)
{
	struct sc_frame_hello h = { SC_FRAME_PROTOCOL_VERSION, (char *)"test" };
	struct sc_error err;
	char path[] = "/tmp/test-frame-XXXXXX", *payload = NULL;
	uint8_t chunk[4096];
	size_t len = 0;
	ssize_t n;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(sc_frame_hello_encode(&h, &payload, &len), 0);
	assert_int_equal(sc_vm_send_frame(fd, SC_FRAME_HELLO, payload, len), 0);
	free(payload);
	assert_int_equal(sc_vm_guest_stream_result(fd, s, 0, false, NULL, &err), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, (size_t)n);
	close(fd);
}

static int collect(const struct buf *b, size_t chunk, struct sc_sidecar *out, struct sc_error *err)
{
	struct sc_vm_collector c;
	size_t off;
	int r = 0;

	sc_vm_collector_init(&c);
	for (off = 0; off < b->len && r == 0; off += chunk)
		r = sc_vm_collector_feed(&c, b->p + off,
					 b->len - off < chunk ? b->len - off : chunk, err);
	if (r == 0)
		r = sc_vm_collector_finish(&c, out, err);
	sc_vm_collector_release(&c);
	return r;
}

static void test_channel_round_trip(void **state)
{
	struct sc_sidecar s, got;
	struct buf b = { 0 };
	struct sc_error err;
	const struct sc_phase_cgroup_stats *a;
	char *j1 = NULL, *j2 = NULL;
	size_t chunk;

	(void)state;
	make_result(&s);
	stream_to_buf(&s, &b);
	for (chunk = 1; chunk <= b.len; chunk = chunk * 3 + 1) {
		memset(&err, 0, sizeof(err));
		if (collect(&b, chunk, &got, &err) < 0)
			fail_msg("collector: %s", err.msg);
		/* The folded result is the guest's, phases and all. */
		assert_int_equal(got.n_runs, 1);
		assert_string_equal(got.runs[0].kernel_release, "6.12.0-guest");
		assert_int_equal(got.result.stats.n_phases, 2);
		assert_int_equal(got.result.stats.phases[1].start_ms, 1000);
		assert_int_equal(got.result.stats.phases[1].end_ms, 1900);
		assert_int_equal(got.result.stats.phases[1].sample_count, 9);
		a = sc_carrier_map_find(&got.result.stats.phases[1].per_cgroup, "beta");
		assert_non_null(a);
		assert_int_equal(a->total_iterations, 2001);
		assert_true(a->wake_latencies_ns.v[1] == UINT64_MAX);
		assert_true(sc_assert_result_is_fail(&got.result));
		assert_int_equal(sc_sidecar_to_json(&s, false, &j1, NULL), 0);
		assert_int_equal(sc_sidecar_to_json(&got, false, &j2, NULL), 0);
		assert_string_equal(j1, j2); /* lossless, byte for byte */
		free(j1);
		free(j2);
		sc_sidecar_release(&got);
	}
	sc_sidecar_release(&s);
	free(b.p);
}

static void expect_collect_error(const struct buf *b, const char *needle)
{
	struct sc_sidecar got;
	struct sc_error err;

	memset(&err, 0, sizeof(err));
	if (collect(b, 7, &got, &err) == 0) {
		sc_sidecar_release(&got);
		fail_msg("the collector accepted a bad stream (expected '%s')", needle);
	}
	if (!strstr(err.msg, needle))
		fail_msg("error '%s' does not mention '%s'", err.msg, needle);
}

static void test_channel_protocol(void **state)
{
	struct sc_frame_hello h = { SC_FRAME_PROTOCOL_VERSION, (char *)"t" };
	struct sc_sidecar s;
	struct buf good = { 0 }, b = { 0 };
	char *payload = NULL;
	size_t len = 0, first;

	(void)state;
	make_result(&s);
	stream_to_buf(&s, &good);
	sc_sidecar_release(&s);

	/* No hello first. */
	buf_frame(&b, SC_FRAME_LOG, "x", 1);
	expect_collect_error(&b, "must start with a hello frame");
	free(b.p);
	b = (struct buf){ 0 };
	/* A hello of another protocol. */
	h.protocol = 2;
	assert_int_equal(sc_frame_hello_encode(&h, &payload, &len), 0);
	buf_frame(&b, SC_FRAME_HELLO, payload, len);
	free(payload);
	expect_collect_error(&b, "protocol 2");
	free(b.p);
	b = (struct buf){ 0 };
	/* Anything after END. */
	buf_add(&b, good.p, good.len);
	buf_frame(&b, SC_FRAME_LOG, "late", 4);
	expect_collect_error(&b, "after the end frame");
	free(b.p);
	b = (struct buf){ 0 };
	/* Truncated: no END. */
	buf_add(&b, good.p, good.len - 20);
	expect_collect_error(&b, "stream ended inside the frame");
	free(b.p);
	b = (struct buf){ 0 };
	/* One corrupted byte anywhere past the hello is caught by the CRC or framing. */
	first = 12 + 50;
	buf_add(&b, good.p, good.len);
	b.p[first + 100] ^= 0x20;
	expect_collect_error(&b, "frame");
	free(b.p);
	b = (struct buf){ 0 };
	/* Empty stream. */
	expect_collect_error(&b, "without a hello frame");
	free(good.p);
}

/* ---- corpus ----------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_file(const char *dir, const char *name, const struct buf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	fclose(f);
}

/*
 * SC_WRITE_FRAME_CORPUS=DIR regenerates the seeds with the real encoder
 * (the seeds in fuzz/corpus/frame/ came from here).
 */
static void maybe_write_corpus(void)
{
	const char *dir = getenv("SC_WRITE_FRAME_CORPUS");
	struct sc_sidecar s;
	struct buf good = { 0 }, b = { 0 };

	if (!dir)
		return;
	make_result(&s);
	stream_to_buf(&s, &good);
	sc_sidecar_release(&s);
	write_file(dir, "good-stream.bin", &good);
	b = good;
	b.p = malloc(good.len);
	assert_non_null(b.p);
	memcpy(b.p, good.p, good.len);
	b.p[good.len / 2] ^= 0x01;
	write_file(dir, "bad-crc.bin", &b);
	b.len = good.len - 1;
	memcpy(b.p, good.p, good.len);
	write_file(dir, "bad-truncated.bin", &b);
	b.len = 0;
	raw_frame(&b, 0xdeadbeef, 0, NULL, 0);
	write_file(dir, "bad-unknown-type.bin", &b);
	free(b.p);
	b = (struct buf){ 0 };
	raw_frame(&b, SC_FRAME_RESULT, 0xffffffffu, NULL, 0);
	write_file(dir, "bad-oversize.bin", &b);
	free(b.p);
	b = (struct buf){ 0 };
	buf_add(&b, good.p, good.len);
	buf_frame(&b, SC_FRAME_LOG, "late", 4);
	write_file(dir, "bad-after-end.bin", &b);
	free(b.p);
	b = (struct buf){ 0 };
	buf_frame(&b, SC_FRAME_HELLO, "{\"protocol\":1,\"schedcheck_version\":\"x\"}", 40);
	buf_frame(&b, SC_FRAME_CARRIER, "{\"schema_version\":1}", 20);
	write_file(dir, "bad-carrier-json.bin", &b);
	free(b.p);
	b = (struct buf){ 0 };
	buf_frame(&b, SC_FRAME_HELLO, "{\"protocol\":1,\"schedcheck_version\":\"x\"}", 40);
	buf_frame(
		&b, SC_FRAME_PHASE,
		"{\"step_index\":0,\"start_ms\":0,\"end_ms\":1,\"sample_count\":0,\"metrics\":{}}",
		70);
	buf_frame(
		&b, SC_FRAME_PHASE,
		"{\"step_index\":0,\"start_ms\":0,\"end_ms\":1,\"sample_count\":0,\"metrics\":{}}",
		70);
	write_file(dir, "bad-duplicate-phase.bin", &b);
	free(b.p);
	b = (struct buf){ 0 };
	buf_frame(&b, SC_FRAME_LOG, "no hello", 8);
	write_file(dir, "bad-no-hello.bin", &b);
	free(b.p);
	free(good.p);
}

/* good-* must be collected into a result; bad-* must fail with a message. */
static void test_corpus_replay(void **state)
{
	const char *root = getenv("SC_SOURCE_ROOT");
	char dir[4096], path[4200], *names[512];
	size_t n = 0, i, good = 0, bad = 0;
	struct dirent *e;
	DIR *d;

	(void)state;
	if (!root)
		fail_msg("SC_SOURCE_ROOT is not set (run through meson test)");
	maybe_write_corpus();
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/frame", root);
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open the corpus %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) && n < 512) {
		if (e->d_name[0] == '.')
			continue;
		names[n] = strdup(e->d_name);
		assert_non_null(names[n]);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (i = 0; i < n; i++) {
		struct buf b = { 0 };
		struct sc_sidecar got;
		struct sc_error err;
		uint8_t chunk[65536];
		size_t k;
		int fd, r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		for (;;) {
			ssize_t m = read(fd, chunk, sizeof(chunk));

			assert_true(m >= 0);
			if (!m)
				break;
			buf_add(&b, chunk, (size_t)m);
		}
		close(fd);
		for (k = 1; k <= 4096; k *= 8) {
			memset(&err, 0, sizeof(err));
			r = collect(&b, k, &got, &err);
			if (!strncmp(names[i], "good-", 5)) {
				if (r < 0)
					fail_msg("%s: rejected: %s", names[i], err.msg);
				assert_true(got.result.stats.n_phases > 0);
				sc_sidecar_release(&got);
			} else {
				if (r == 0)
					fail_msg("%s: accepted a bad stream", names[i]);
				assert_true(err.msg[0] != '\0');
			}
		}
		if (!strncmp(names[i], "good-", 5))
			good++;
		else
			bad++;
		free(b.p);
		free(names[i]);
	}
	/* Never vacuous: the corpus has both kinds. */
	assert_true(good >= 1);
	assert_true(bad >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_every_split),
		cmocka_unit_test(test_unknown_type_names_offset),
		cmocka_unit_test(test_oversize_length),
		cmocka_unit_test(test_crc_mismatch),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_typed_round_trips),
		cmocka_unit_test(test_typed_hostile),
		cmocka_unit_test(test_channel_round_trip),
		cmocka_unit_test(test_channel_protocol),
		cmocka_unit_test(test_corpus_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
