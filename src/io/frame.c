// SPDX-License-Identifier: MIT
/*
 * Wire frames (include/schedcheck/frame.h): the header codec with zlib's
 * crc32(), the hostile-input incremental decoder, and the typed payloads of
 * VM mode, written and read with the io layer's strict JSON helpers.
 */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <schedcheck/frame.h>

#include "json-internal.h"

/* The small JSON payloads nest one level (phase metrics); a little slack. */
#define FRAME_JSON_MAX_DEPTH 8

static const char *const frame_type_names[] = {
#define SC_X_(id, val, name) [SC_FRAME_##id] = name,
	SC_FRAME_TYPES(SC_X_)
#undef SC_X_
};

const char *sc_frame_type_name(uint32_t type)
{
	if (type >= sizeof(frame_type_names) / sizeof(frame_type_names[0]))
		return NULL;
	return frame_type_names[type];
}

bool sc_frame_type_known(uint32_t type)
{
	return sc_frame_type_name(type) != NULL;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* crc32 over the first 8 header bytes, then the payload (zlib takes uInt lengths). */
static uint32_t frame_crc(const uint8_t *hdr8, const uint8_t *payload, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, hdr8, 8);
	if (len)
		crc = crc32(crc, payload, (uInt)len);
	return (uint32_t)crc;
}

int sc_frame_header_encode(uint32_t type, const void *payload, size_t len,
			   uint8_t hdr[SC_FRAME_HEADER_SIZE])
{
	if (!sc_frame_type_known(type))
		return -EINVAL;
	if (len > SC_FRAME_MAX_PAYLOAD)
		return -E2BIG;
	if (len && !payload)
		return -EINVAL;
	put_le32(hdr, type);
	put_le32(hdr + 4, (uint32_t)len);
	put_le32(hdr + 8, frame_crc(hdr, payload, len));
	return 0;
}

int sc_frame_encode(uint32_t type, const void *payload, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t hdr[SC_FRAME_HEADER_SIZE];
	uint8_t *buf;
	int r;

	r = sc_frame_header_encode(type, payload, len, hdr);
	if (r < 0)
		return r;
	buf = malloc(SC_FRAME_HEADER_SIZE + len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, hdr, SC_FRAME_HEADER_SIZE);
	if (len)
		memcpy(buf + SC_FRAME_HEADER_SIZE, payload, len);
	*out = buf;
	*out_len = SC_FRAME_HEADER_SIZE + len;
	return 0;
}

/* ---- decoding ------------------------------------------------------------ */

void sc_frame_init(struct sc_frame *f)
{
	memset(f, 0, sizeof(*f));
}

void sc_frame_release(struct sc_frame *f)
{
	if (!f)
		return;
	free(f->payload);
	sc_frame_init(f);
}

void sc_frame_decoder_init(struct sc_frame_decoder *d, uint32_t max_payload)
{
	memset(d, 0, sizeof(*d));
	if (!max_payload || max_payload > SC_FRAME_MAX_PAYLOAD)
		max_payload = SC_FRAME_MAX_PAYLOAD;
	d->max_payload = max_payload;
}

void sc_frame_decoder_release(struct sc_frame_decoder *d)
{
	if (!d)
		return;
	free(d->payload);
	d->payload = NULL;
	d->payload_have = 0;
	d->hdr_have = 0;
}

/* Records the first error; it sticks. */
static int decoder_fail(struct sc_frame_decoder *d, int rc, struct sc_error *err)
{
	d->error = rc;
	free(d->payload);
	d->payload = NULL;
	d->payload_have = 0;
	if (err)
		*err = d->last_error;
	return rc;
}

/* Validates a complete header; allocates the payload buffer. */
static int decoder_take_header(struct sc_frame_decoder *d, struct sc_error *err)
{
	d->type = get_le32(d->hdr);
	d->len = get_le32(d->hdr + 4);
	d->crc = get_le32(d->hdr + 8);
	if (!sc_frame_type_known(d->type)) {
		sc_error_set(&d->last_error,
			     "frame at stream offset %llu: unknown frame type %u (0x%08x)",
			     (unsigned long long)d->frame_offset, d->type, d->type);
		return decoder_fail(d, -EBADMSG, err);
	}
	if (d->len > d->max_payload) {
		sc_error_set(&d->last_error,
			     "frame at stream offset %llu (%s): payload length %u exceeds the "
			     "limit of %u bytes",
			     (unsigned long long)d->frame_offset, sc_frame_type_name(d->type),
			     d->len, d->max_payload);
		return decoder_fail(d, -EBADMSG, err);
	}
	d->payload_have = 0;
	d->payload = NULL;
	if (d->len) {
		d->payload = malloc(d->len);
		if (!d->payload) {
			sc_error_set(&d->last_error,
				     "frame at stream offset %llu: out of memory for %u bytes",
				     (unsigned long long)d->frame_offset, d->len);
			return decoder_fail(d, -ENOMEM, err);
		}
	}
	return 0;
}

int sc_frame_decoder_feed(struct sc_frame_decoder *d, const void *buf, size_t len, size_t *consumed,
			  struct sc_frame *out, struct sc_error *err)
{
	const uint8_t *p = buf;
	size_t used = 0;
	int r;

	*consumed = 0;
	if (d->error) {
		if (err)
			*err = d->last_error;
		return d->error;
	}
	if (len && !buf)
		return -EINVAL;
	for (;;) {
		if (d->hdr_have < SC_FRAME_HEADER_SIZE) {
			size_t take = SC_FRAME_HEADER_SIZE - d->hdr_have;

			if (used == len)
				break;
			if (d->hdr_have == 0)
				d->frame_offset = d->offset;
			if (take > len - used)
				take = len - used;
			memcpy(d->hdr + d->hdr_have, p + used, take);
			d->hdr_have += take;
			used += take;
			d->offset += take;
			if (d->hdr_have < SC_FRAME_HEADER_SIZE)
				break;
			r = decoder_take_header(d, err);
			if (r < 0) {
				*consumed = used;
				return r;
			}
		}
		if (d->payload_have < d->len) {
			size_t take = d->len - d->payload_have;

			if (used == len)
				break;
			if (take > len - used)
				take = len - used;
			memcpy(d->payload + d->payload_have, p + used, take);
			d->payload_have += take;
			used += take;
			d->offset += take;
			if (d->payload_have < d->len)
				break;
		}
		/* Header and payload complete. */
		if (frame_crc(d->hdr, d->payload, d->len) != d->crc) {
			sc_error_set(&d->last_error,
				     "frame at stream offset %llu (%s, %u bytes): CRC32 mismatch "
				     "(header says 0x%08x, payload gives 0x%08x)",
				     (unsigned long long)d->frame_offset,
				     sc_frame_type_name(d->type), d->len, d->crc,
				     frame_crc(d->hdr, d->payload, d->len));
			*consumed = used;
			return decoder_fail(d, -EBADMSG, err);
		}
		out->type = d->type;
		out->len = d->len;
		out->payload = d->payload;
		out->offset = d->frame_offset;
		d->payload = NULL;
		d->payload_have = 0;
		d->hdr_have = 0;
		d->len = 0;
		d->frames++;
		*consumed = used;
		return 1;
	}
	*consumed = used;
	return 0;
}

int sc_frame_decoder_finish(struct sc_frame_decoder *d, struct sc_error *err)
{
	if (d->error) {
		if (err)
			*err = d->last_error;
		return d->error;
	}
	if (d->hdr_have == 0)
		return 0;
	if (d->hdr_have < SC_FRAME_HEADER_SIZE)
		sc_error_set(&d->last_error,
			     "stream ended inside the header of the frame at offset %llu (%zu of "
			     "%u header bytes)",
			     (unsigned long long)d->frame_offset, d->hdr_have,
			     SC_FRAME_HEADER_SIZE);
	else
		sc_error_set(&d->last_error,
			     "stream ended inside the frame at offset %llu (%s: %zu of %u payload "
			     "bytes)",
			     (unsigned long long)d->frame_offset, sc_frame_type_name(d->type),
			     d->payload_have, d->len);
	return decoder_fail(d, -EBADMSG, err);
}

/* ---- typed payloads: writing ------------------------------------------ */

struct jdoc {
	struct sc_jwriter w;
	locale_t old;
	struct json_object *root;
};

static int jdoc_begin(struct jdoc *d)
{
	memset(d, 0, sizeof(*d));
	sc_jpath_init(&d->w.path);
	d->w.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!d->w.c_locale)
		return -ENOMEM;
	d->old = uselocale(d->w.c_locale);
	d->root = sc_jw_object(&d->w);
	return d->root ? 0 : -ENOMEM;
}

/* Serialises and frees the document; a NUL follows the text. */
static int jdoc_end(struct jdoc *d, char **out, size_t *len)
{
	const char *text;
	size_t n = 0;
	char *copy;
	int r = d->w.rc;

	uselocale(d->old);
	freelocale(d->w.c_locale);
	if (r == 0 && !d->root)
		r = -ENOMEM;
	if (r == 0) {
		text = json_object_to_json_string_length(d->root, JSON_C_TO_STRING_NOSLASHESCAPE,
							 &n);
		if (!text)
			r = -ENOMEM;
		else if (n > SC_FRAME_MAX_PAYLOAD)
			r = -E2BIG;
		else if (!(copy = malloc(n + 1)))
			r = -ENOMEM;
		else {
			memcpy(copy, text, n);
			copy[n] = '\0';
			*out = copy;
			*len = n;
		}
	}
	json_object_put(d->root);
	return r;
}

int sc_frame_hello_encode(const struct sc_frame_hello *h, char **out, size_t *len)
{
	struct jdoc d;
	int r = jdoc_begin(&d);

	if (r == 0) {
		sc_jw_put(&d.w, d.root, "protocol", sc_jw_u64(&d.w, h->protocol), true);
		sc_jw_put(&d.w, d.root, "schedcheck_version",
			  sc_jw_str(&d.w, h->schedcheck_version), true);
	}
	return jdoc_end(&d, out, len);
}

int sc_frame_progress_encode(const struct sc_frame_progress *p, char **out, size_t *len)
{
	struct jdoc d;
	int r;

	if (!memchr(p->phase, '\0', sizeof(p->phase)))
		return -EINVAL;
	r = jdoc_begin(&d);
	if (r == 0) {
		sc_jw_put(&d.w, d.root, "phase", sc_jw_str(&d.w, p->phase), true);
		sc_jw_put(&d.w, d.root, "elapsed_ms", sc_jw_u64(&d.w, p->elapsed_ms), true);
		sc_jw_put(&d.w, d.root, "total_ms", sc_jw_u64(&d.w, p->total_ms), true);
	}
	return jdoc_end(&d, out, len);
}

int sc_frame_phase_encode(const struct sc_frame_phase *p, char **out, size_t *len)
{
	struct json_object *m;
	struct jdoc d;
	size_t i;
	int r;

	if (p->metrics.len > SC_FRAME_MAX_PHASE_METRICS)
		return -E2BIG;
	r = jdoc_begin(&d);
	if (r == 0) {
		sc_jw_put(&d.w, d.root, "step_index", sc_jw_u64(&d.w, p->step_index), true);
		sc_jw_put(&d.w, d.root, "start_ms", sc_jw_u64(&d.w, p->start_ms), true);
		sc_jw_put(&d.w, d.root, "end_ms", sc_jw_u64(&d.w, p->end_ms), true);
		sc_jw_put(&d.w, d.root, "sample_count", sc_jw_u64(&d.w, p->sample_count), true);
		m = sc_jw_object(&d.w);
		for (i = 0; m && i < p->metrics.len; i++)
			sc_jw_put(&d.w, m, p->metrics.e[i].name,
				  sc_jw_f64(&d.w, p->metrics.e[i].value), false);
		sc_jw_put(&d.w, d.root, "metrics", m, true);
	}
	return jdoc_end(&d, out, len);
}

int sc_frame_end_encode(const struct sc_frame_end *e, char **out, size_t *len)
{
	struct jdoc d;
	int r = jdoc_begin(&d);

	if (r == 0) {
		sc_jw_put(&d.w, d.root, "status", sc_jw_i64(&d.w, e->status), true);
		sc_jw_put(&d.w, d.root, "interrupted", sc_jw_bool(&d.w, e->interrupted), true);
		sc_jw_put(&d.w, d.root, "error", sc_jw_str(&d.w, e->error), true);
	}
	return jdoc_end(&d, out, len);
}

static int sidecar_payload(const struct sc_sidecar *s, char **out, size_t *len)
{
	size_t n = 0;
	int r;

	r = sc_sidecar_to_json(s, false, out, &n);
	if (r < 0)
		return r;
	if (n > SC_FRAME_MAX_PAYLOAD) {
		free(*out);
		*out = NULL;
		return -E2BIG;
	}
	*len = n;
	return 0;
}

int sc_frame_carrier_encode(uint16_t step_index, const char *cgroup,
			    const struct sc_phase_cgroup_stats *stats, char **out, size_t *len)
{
	struct sc_cgroup_carrier carrier;
	struct sc_phase_bucket bucket;
	struct sc_sidecar s;
	int r;

	if (!cgroup)
		return -EINVAL;
	r = sc_phase_bucket_init(&bucket, step_index);
	if (r < 0)
		return r;
	bucket.start_ms = UINT64_MAX;
	bucket.end_ms = 0;
	/* A borrowed view: the carrier map points at the caller's data. */
	carrier.name = (char *)cgroup;
	carrier.stats = *stats;
	bucket.per_cgroup.e = &carrier;
	bucket.per_cgroup.len = 1;
	bucket.per_cgroup.cap = 1;
	sc_sidecar_init(&s);
	s.result.stats.phases = &bucket;
	s.result.stats.n_phases = 1;
	r = sidecar_payload(&s, out, len);
	bucket.per_cgroup.e = NULL;
	bucket.per_cgroup.len = bucket.per_cgroup.cap = 0;
	sc_phase_bucket_release(&bucket);
	return r;
}

int sc_frame_result_encode(const struct sc_sidecar *s, char **out, size_t *len)
{
	struct sc_sidecar view;

	if (s->n_runs != 1)
		return -EINVAL;
	/* A shallow view without the phases; nothing is copied or freed. */
	view = *s;
	view.result.stats.phases = NULL;
	view.result.stats.n_phases = 0;
	return sidecar_payload(&view, out, len);
}

/* ---- typed payloads: reading -------------------------------------------- */

static int jparse(const void *payload, size_t len, const char *what, struct json_object **root,
		  struct sc_error *err)
{
	int r;

	if (len > SC_FRAME_MAX_PAYLOAD) {
		sc_error_set(err, "%s payload of %zu bytes exceeds the frame limit", what, len);
		return -E2BIG;
	}
	r = sc_json_parse_strict(payload, len, FRAME_JSON_MAX_DEPTH, root, err);
	if (r < 0)
		sc_error_prefix(err, "%s payload", what);
	return r;
}

static void jreader_init(struct sc_jreader *r, struct sc_error *err)
{
	sc_jpath_init(&r->path);
	r->err = err;
}

int sc_frame_hello_decode(const void *payload, size_t len, struct sc_frame_hello *out,
			  struct sc_error *err)
{
	static const char *const names[] = { "protocol", "schedcheck_version" };
	struct json_object *root = NULL, *v[2];
	struct sc_jreader rd;
	uint64_t proto = 0;
	char *version = NULL;
	size_t saved;
	int r;

	r = jparse(payload, len, "hello", &root, err);
	if (r < 0)
		return r;
	jreader_init(&rd, err);
	r = sc_jr_fields(&rd, root, names, 2, v);
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "protocol");
		r = sc_jr_u64(&rd, v[0], UINT32_MAX, &proto);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "schedcheck_version");
		r = sc_jr_str(&rd, v[1], false, &version);
		sc_jpath_pop(&rd.path, saved);
	}
	json_object_put(root);
	if (r < 0) {
		sc_error_prefix(err, "hello frame");
		return r;
	}
	out->protocol = (uint32_t)proto;
	out->schedcheck_version = version;
	return 0;
}

int sc_frame_progress_decode(const void *payload, size_t len, struct sc_frame_progress *out,
			     struct sc_error *err)
{
	static const char *const names[] = { "phase", "elapsed_ms", "total_ms" };
	struct json_object *root = NULL, *v[3];
	struct sc_frame_progress tmp;
	struct sc_jreader rd;
	char *phase = NULL;
	size_t saved;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	r = jparse(payload, len, "progress", &root, err);
	if (r < 0)
		return r;
	jreader_init(&rd, err);
	r = sc_jr_fields(&rd, root, names, 3, v);
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "phase");
		r = sc_jr_str(&rd, v[0], false, &phase);
		if (r == 0 && strlen(phase) >= sizeof(tmp.phase))
			r = sc_jr_fail(&rd, -EINVAL, "longer than %zu bytes",
				       sizeof(tmp.phase) - 1);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "elapsed_ms");
		r = sc_jr_u64(&rd, v[1], UINT64_MAX, &tmp.elapsed_ms);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "total_ms");
		r = sc_jr_u64(&rd, v[2], UINT64_MAX, &tmp.total_ms);
		sc_jpath_pop(&rd.path, saved);
	}
	json_object_put(root);
	if (r == 0)
		memcpy(tmp.phase, phase, strlen(phase) + 1);
	free(phase);
	if (r < 0) {
		sc_error_prefix(err, "progress frame");
		return r;
	}
	*out = tmp;
	return 0;
}

int sc_frame_phase_decode(const void *payload, size_t len, struct sc_frame_phase *out,
			  struct sc_error *err)
{
	static const char *const names[] = { "step_index", "start_ms", "end_ms", "sample_count",
					     "metrics" };
	struct json_object *root = NULL, *v[5];
	struct sc_frame_phase tmp;
	struct sc_jreader rd;
	uint64_t step = 0;
	size_t saved, n;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	r = jparse(payload, len, "phase", &root, err);
	if (r < 0)
		return r;
	jreader_init(&rd, err);
	r = sc_jr_fields(&rd, root, names, 5, v);
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "step_index");
		r = sc_jr_u64(&rd, v[0], UINT16_MAX, &step);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "start_ms");
		r = sc_jr_u64(&rd, v[1], UINT64_MAX, &tmp.start_ms);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "end_ms");
		r = sc_jr_u64(&rd, v[2], UINT64_MAX, &tmp.end_ms);
		if (r == 0 && tmp.end_ms < tmp.start_ms)
			r = sc_jr_fail(&rd, -EINVAL, "%llu is before start_ms %llu",
				       (unsigned long long)tmp.end_ms,
				       (unsigned long long)tmp.start_ms);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "sample_count");
		r = sc_jr_u64(&rd, v[3], UINT64_MAX, &tmp.sample_count);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "metrics");
		r = sc_jr_object(&rd, v[4], &n);
		if (r == 0 && n > SC_FRAME_MAX_PHASE_METRICS)
			r = sc_jr_fail(&rd, -E2BIG, "%zu metrics, more than the limit of %u", n,
				       SC_FRAME_MAX_PHASE_METRICS);
		if (r == 0) {
			json_object_object_foreach(v[4], key, val)
			{
				size_t s2 = sc_jpath_push_key(&rd.path, key);
				double x = 0;

				r = sc_jr_key(&rd, key);
				if (r == 0)
					r = sc_jr_f64(&rd, val, &x);
				if (r == 0)
					r = sc_metric_map_set(&tmp.metrics, key, x);
				sc_jpath_pop(&rd.path, s2);
				if (r < 0)
					break;
			}
		}
		sc_jpath_pop(&rd.path, saved);
	}
	json_object_put(root);
	if (r < 0) {
		sc_metric_map_release(&tmp.metrics);
		if (r == -ENOMEM)
			sc_error_set(err, "out of memory");
		sc_error_prefix(err, "phase frame");
		return r;
	}
	tmp.step_index = (uint16_t)step;
	*out = tmp;
	return 0;
}

int sc_frame_end_decode(const void *payload, size_t len, struct sc_frame_end *out,
			struct sc_error *err)
{
	static const char *const names[] = { "status", "interrupted", "error" };
	struct json_object *root = NULL, *v[3];
	struct sc_frame_end tmp;
	struct sc_jreader rd;
	size_t saved;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	r = jparse(payload, len, "end", &root, err);
	if (r < 0)
		return r;
	jreader_init(&rd, err);
	r = sc_jr_fields(&rd, root, names, 3, v);
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "status");
		r = sc_jr_i64(&rd, v[0], &tmp.status);
		if (r == 0 && (tmp.status > 0 || tmp.status < -4095))
			r = sc_jr_fail(&rd, -EINVAL, "%lld is neither 0 nor a -errno",
				       (long long)tmp.status);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "interrupted");
		r = sc_jr_bool(&rd, v[1], &tmp.interrupted);
		sc_jpath_pop(&rd.path, saved);
	}
	if (r == 0) {
		saved = sc_jpath_push_key(&rd.path, "error");
		r = sc_jr_str(&rd, v[2], true, &tmp.error);
		sc_jpath_pop(&rd.path, saved);
	}
	json_object_put(root);
	if (r < 0) {
		free(tmp.error);
		sc_error_prefix(err, "end frame");
		return r;
	}
	*out = tmp;
	return 0;
}

int sc_frame_log_decode(const void *payload, size_t len, char **out, struct sc_error *err)
{
	char *s;

	if (len > SC_FRAME_MAX_TEXT) {
		sc_error_set(err, "log frame: %zu bytes, more than the limit of %u", len,
			     SC_FRAME_MAX_TEXT);
		return -E2BIG;
	}
	if (len && memchr(payload, '\0', len)) {
		sc_error_set(err, "log frame: NUL byte in the text");
		return -EINVAL;
	}
	s = malloc(len + 1);
	if (!s) {
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	if (len)
		memcpy(s, payload, len);
	s[len] = '\0';
	if (!sc_utf8_valid(s, len)) {
		free(s);
		sc_error_set(err, "log frame: text is not valid UTF-8");
		return -EINVAL;
	}
	*out = s;
	return 0;
}

/* True when the result holds nothing but (possibly) phases. */
static bool result_is_empty_but_phases(const struct sc_assert_result *r)
{
	const struct sc_scenario_stats *s = &r->stats;

	return !r->n_outcomes && !r->n_passes && !r->measurements.len && !r->n_info_notes &&
	       !s->n_cgroups && !s->total_workers && !s->total_cpus && !s->total_migrations &&
	       !s->total_iterations && !s->worst_spread.present && !s->worst_gap_ms &&
	       !s->worst_gap_cpu && !s->ext_metrics.len;
}

int sc_frame_carrier_decode(const void *payload, size_t len, struct sc_phase_bucket *out,
			    struct sc_error *err)
{
	struct sc_sidecar s;
	struct sc_phase_bucket *b;
	const char *why = NULL;
	int r;

	r = sc_sidecar_from_json(payload, len, &s, err);
	if (r < 0) {
		sc_error_prefix(err, "carrier frame");
		return r;
	}
	b = s.result.stats.phases;
	if (s.n_runs)
		why = "holds runs";
	else if (s.result.stats.n_phases != 1)
		why = "does not hold exactly one phase";
	else if (b->start_ms != UINT64_MAX || b->end_ms != 0)
		why = "phase window is not the merge-neutral (UINT64_MAX, 0)";
	else if (b->sample_count || b->metrics.len)
		why = "phase carries samples or metrics (a carrier carries only per_cgroup)";
	else if (b->per_cgroup.len != 1)
		why = "phase does not hold exactly one per-cgroup carrier";
	else if (!result_is_empty_but_phases(&s.result))
		why = "holds more than one carrier bucket";
	if (why) {
		sc_error_set(err, "carrier frame: %s", why);
		sc_sidecar_release(&s);
		return -EINVAL;
	}
	*out = *b;
	/* The bucket moved out; leave an empty, releasable sidecar. */
	free(s.result.stats.phases);
	s.result.stats.phases = NULL;
	s.result.stats.n_phases = 0;
	sc_sidecar_release(&s);
	return 0;
}

int sc_frame_result_decode(const void *payload, size_t len, struct sc_sidecar *out,
			   struct sc_error *err)
{
	struct sc_sidecar s;
	int r;

	r = sc_sidecar_from_json(payload, len, &s, err);
	if (r < 0) {
		sc_error_prefix(err, "result frame");
		return r;
	}
	if (s.n_runs != 1 || s.result.stats.n_phases) {
		sc_error_set(err,
			     "result frame: must hold exactly one run and no phases (has %zu "
			     "runs, %zu phases)",
			     s.n_runs, s.result.stats.n_phases);
		sc_sidecar_release(&s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

void sc_frame_hello_release(struct sc_frame_hello *h)
{
	if (!h)
		return;
	free(h->schedcheck_version);
	h->schedcheck_version = NULL;
}

void sc_frame_phase_release(struct sc_frame_phase *p)
{
	if (!p)
		return;
	sc_metric_map_release(&p->metrics);
}

void sc_frame_end_release(struct sc_frame_end *e)
{
	if (!e)
		return;
	free(e->error);
	e->error = NULL;
}
