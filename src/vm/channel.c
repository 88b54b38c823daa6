// SPDX-License-Identifier: MIT
/*
 * The guest channel: the guest streams a finished run as PHASE, CARRIER,
 * RESULT and END frames; the host collector checks every protocol rule and
 * folds the guest carriers into host phase buckets built from the PHASE
 * boundaries (sc_fold_guest_per_cgroup_into_host_buckets).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <schedcheck/vm.h>

int sc_vm_send_frame(int fd, uint32_t type, const void *payload, size_t len)
{
	uint8_t hdr[SC_FRAME_HEADER_SIZE];
	struct iovec iov[2], *cur = iov;
	int cnt = len ? 2 : 1, r;

	r = sc_frame_header_encode(type, payload, len, hdr);
	if (r < 0)
		return r;
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	while (cnt) {
		ssize_t n = writev(fd, cur, cnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		/* A short write: skip what went out and go on with the rest. */
		while (cnt && (size_t)n >= cur->iov_len) {
			n -= (ssize_t)cur->iov_len;
			cur++;
			cnt--;
		}
		if (cnt) {
			cur->iov_base = (char *)cur->iov_base + n;
			cur->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Sends an encoded payload (when encoding worked, r == 0) and frees it. */
static int send_text(int fd, uint32_t type, int r, char *payload, size_t len)
{
	if (r < 0)
		return r;
	r = sc_vm_send_frame(fd, type, payload, len);
	free(payload);
	return r;
}

int sc_vm_guest_stream_result(int fd, const struct sc_sidecar *s, int status, bool interrupted,
			      const char *error, struct sc_error *err)
{
	const struct sc_scenario_stats *st = &s->result.stats;
	struct sc_frame_end end;
	char *payload = NULL;
	size_t i, k, len = 0;
	int r;

	for (i = 0; i < st->n_phases; i++) {
		const struct sc_phase_bucket *b = &st->phases[i];
		struct sc_frame_phase ph;

		ph.step_index = b->step_index;
		ph.start_ms = b->start_ms;
		ph.end_ms = b->end_ms < b->start_ms ? b->start_ms : b->end_ms;
		ph.sample_count = b->sample_count;
		ph.metrics = b->metrics; /* borrowed */
		r = sc_frame_phase_encode(&ph, &payload, &len);
		r = send_text(fd, SC_FRAME_PHASE, r, payload, len);
		if (r < 0) {
			sc_error_set(err, "sending phase %u: %s", b->step_index, strerror(-r));
			return r;
		}
		for (k = 0; k < b->per_cgroup.len; k++) {
			const struct sc_cgroup_carrier *c = &b->per_cgroup.e[k];

			r = sc_frame_carrier_encode(b->step_index, c->name, &c->stats, &payload,
						    &len);
			r = send_text(fd, SC_FRAME_CARRIER, r, payload, len);
			if (r < 0) {
				sc_error_set(err,
					     "sending the carrier of cgroup %s in phase %u: %s",
					     c->name, b->step_index, strerror(-r));
				return r;
			}
		}
	}
	r = sc_frame_result_encode(s, &payload, &len);
	r = send_text(fd, SC_FRAME_RESULT, r, payload, len);
	if (r < 0) {
		sc_error_set(err, "sending the result: %s", strerror(-r));
		return r;
	}
	end.status = status;
	end.interrupted = interrupted;
	end.error = (char *)error;
	r = sc_frame_end_encode(&end, &payload, &len);
	r = send_text(fd, SC_FRAME_END, r, payload, len);
	if (r < 0)
		sc_error_set(err, "sending the end frame: %s", strerror(-r));
	return r;
}

/* ---- the host collector ------------------------------------------------ */

void sc_vm_collector_init(struct sc_vm_collector *c)
{
	memset(c, 0, sizeof(*c));
	sc_frame_decoder_init(&c->dec, SC_FRAME_MAX_PAYLOAD);
	sc_sidecar_init(&c->result);
}

static void release_buckets(struct sc_phase_bucket *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sc_phase_bucket_release(&b[i]);
	free(b);
}

void sc_vm_collector_release(struct sc_vm_collector *c)
{
	if (!c)
		return;
	sc_frame_decoder_release(&c->dec);
	sc_frame_hello_release(&c->hello);
	sc_frame_end_release(&c->end);
	sc_sidecar_release(&c->result);
	release_buckets(c->host, c->n_host);
	release_buckets(c->guest, c->n_guest);
	c->host = c->guest = NULL;
	c->n_host = c->n_guest = 0;
}

static int collector_fail(struct sc_vm_collector *c, int rc, const struct sc_frame *f,
			  struct sc_error *err)
{
	if (f)
		sc_error_prefix(&c->last_error, "frame at stream offset %llu (%s)",
				(unsigned long long)f->offset, sc_frame_type_name(f->type));
	c->error = rc;
	if (err)
		*err = c->last_error;
	return rc;
}

static int push_bucket(struct sc_phase_bucket **arr, size_t *n, struct sc_phase_bucket *b)
{
	struct sc_phase_bucket *p;

	if (*n >= SIZE_MAX / sizeof(*p) - 1)
		return -EOVERFLOW;
	p = realloc(*arr, (*n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*arr = p;
	p[*n] = *b;
	(*n)++;
	return 0;
}

static int on_phase(struct sc_vm_collector *c, const struct sc_frame *f)
{
	struct sc_frame_phase ph;
	struct sc_phase_bucket b;
	size_t i;
	int r;

	r = sc_frame_phase_decode(f->payload, f->len, &ph, &c->last_error);
	if (r < 0)
		return r;
	for (i = 0; i < c->n_host; i++) {
		if (c->host[i].step_index == ph.step_index) {
			sc_error_set(&c->last_error, "phase %u announced twice", ph.step_index);
			sc_frame_phase_release(&ph);
			return -EPROTO;
		}
	}
	if (c->n_host >= SC_VM_MAX_PHASES) {
		sc_error_set(&c->last_error, "more than %u phases", SC_VM_MAX_PHASES);
		sc_frame_phase_release(&ph);
		return -E2BIG;
	}
	r = sc_phase_bucket_init(&b, ph.step_index);
	if (r < 0) {
		sc_frame_phase_release(&ph);
		return r;
	}
	/* The host's own bucket: the window and monitor metrics of the boundary. */
	b.start_ms = ph.start_ms;
	b.end_ms = ph.end_ms;
	b.sample_count = ph.sample_count;
	b.metrics = ph.metrics;
	memset(&ph.metrics, 0, sizeof(ph.metrics));
	r = push_bucket(&c->host, &c->n_host, &b);
	if (r < 0)
		sc_phase_bucket_release(&b);
	return r;
}

static int on_carrier(struct sc_vm_collector *c, const struct sc_frame *f)
{
	struct sc_phase_bucket b;
	int r;

	/* Bounded: one per cgroup per phase at most. */
	if (c->n_guest >= (size_t)SC_VM_MAX_PHASES * 256u) {
		sc_error_set(&c->last_error, "too many carrier frames");
		return -E2BIG;
	}
	r = sc_frame_carrier_decode(f->payload, f->len, &b, &c->last_error);
	if (r < 0)
		return r;
	r = push_bucket(&c->guest, &c->n_guest, &b);
	if (r < 0)
		sc_phase_bucket_release(&b);
	return r;
}

static int handle_frame(struct sc_vm_collector *c, const struct sc_frame *f)
{
	int r = 0;

	if (c->have_end) {
		sc_error_set(&c->last_error, "data after the end frame");
		return -EPROTO;
	}
	if (!c->have_hello && f->type != SC_FRAME_HELLO) {
		sc_error_set(&c->last_error, "the stream must start with a hello frame");
		return -EPROTO;
	}
	switch (f->type) {
	case SC_FRAME_HELLO:
		if (c->have_hello) {
			sc_error_set(&c->last_error, "a second hello frame");
			return -EPROTO;
		}
		r = sc_frame_hello_decode(f->payload, f->len, &c->hello, &c->last_error);
		if (r < 0)
			return r;
		c->have_hello = true;
		if (c->hello.protocol != SC_FRAME_PROTOCOL_VERSION) {
			sc_error_set(&c->last_error,
				     "guest speaks protocol %u, this schedcheck speaks %u (guest "
				     "schedcheck %s)",
				     c->hello.protocol, SC_FRAME_PROTOCOL_VERSION,
				     c->hello.schedcheck_version ? c->hello.schedcheck_version
								 : "?");
			return -EPROTO;
		}
		return 0;
	case SC_FRAME_PROGRESS: {
		struct sc_frame_progress p;

		r = sc_frame_progress_decode(f->payload, f->len, &p, &c->last_error);
		if (r < 0)
			return r;
		c->last_progress = p;
		c->have_progress = true;
		if (c->on_progress)
			c->on_progress(c->ctx, &p);
		return 0;
	}
	case SC_FRAME_LOG: {
		char *text = NULL;

		r = sc_frame_log_decode(f->payload, f->len, &text, &c->last_error);
		if (r < 0)
			return r;
		if (c->on_log)
			c->on_log(c->ctx, text);
		free(text);
		return 0;
	}
	case SC_FRAME_PHASE:
		if (c->have_result) {
			sc_error_set(&c->last_error, "phase frame after the result frame");
			return -EPROTO;
		}
		return on_phase(c, f);
	case SC_FRAME_CARRIER:
		if (c->have_result) {
			sc_error_set(&c->last_error, "carrier frame after the result frame");
			return -EPROTO;
		}
		return on_carrier(c, f);
	case SC_FRAME_RESULT:
		if (c->have_result) {
			sc_error_set(&c->last_error, "a second result frame");
			return -EPROTO;
		}
		r = sc_frame_result_decode(f->payload, f->len, &c->result, &c->last_error);
		if (r < 0)
			return r;
		c->have_result = true;
		return 0;
	case SC_FRAME_END:
		r = sc_frame_end_decode(f->payload, f->len, &c->end, &c->last_error);
		if (r < 0)
			return r;
		c->have_end = true;
		return 0;
	default:
		/* The decoder refuses unknown types; this is a programming error guard. */
		sc_error_set(&c->last_error, "unexpected frame type %u", f->type);
		return -EPROTO;
	}
}

int sc_vm_collector_feed(struct sc_vm_collector *c, const void *buf, size_t len,
			 struct sc_error *err)
{
	const uint8_t *p = buf;

	if (c->error) {
		if (err)
			*err = c->last_error;
		return c->error;
	}
	if (len > SC_VM_MAX_STREAM_BYTES - c->bytes) {
		sc_error_set(&c->last_error, "the guest sent more than %llu bytes",
			     (unsigned long long)SC_VM_MAX_STREAM_BYTES);
		return collector_fail(c, -E2BIG, NULL, err);
	}
	c->bytes += len;
	while (len) {
		struct sc_frame f;
		size_t used = 0;
		int r;

		sc_frame_init(&f);
		r = sc_frame_decoder_feed(&c->dec, p, len, &used, &f, &c->last_error);
		p += used;
		len -= used;
		if (r < 0)
			return collector_fail(c, r, NULL, err);
		if (r == 0)
			break;
		if (++c->frames > SC_VM_MAX_FRAMES) {
			sc_frame_release(&f);
			sc_error_set(&c->last_error, "more than %u frames", SC_VM_MAX_FRAMES);
			return collector_fail(c, -E2BIG, NULL, err);
		}
		r = handle_frame(c, &f);
		if (r < 0) {
			if (r == -ENOMEM)
				sc_error_set(&c->last_error, "out of memory");
			r = collector_fail(c, r, &f, err);
			sc_frame_release(&f);
			return r;
		}
		sc_frame_release(&f);
	}
	return 0;
}

int sc_vm_collector_finish(struct sc_vm_collector *c, struct sc_sidecar *out, struct sc_error *err)
{
	struct sc_phase_bucket *folded = NULL;
	size_t n = 0, i;
	int r;

	if (c->error) {
		if (err)
			*err = c->last_error;
		return c->error;
	}
	r = sc_frame_decoder_finish(&c->dec, &c->last_error);
	if (r < 0)
		return collector_fail(c, r, NULL, err);
	if (!c->have_result || !c->have_end) {
		sc_error_set(&c->last_error, "the stream ended after %llu frames without %s",
			     (unsigned long long)c->frames,
			     !c->have_hello    ? "a hello frame"
			     : !c->have_result ? "a result frame"
					       : "an end frame");
		return collector_fail(c, -EPROTO, NULL, err);
	}
	r = sc_fold_guest_per_cgroup_into_host_buckets(c->host, c->n_host, c->guest, c->n_guest,
						       &folded, &n);
	if (r == -EINVAL || r == -EOVERFLOW) {
		/* Validation failed before anything was consumed. */
		sc_error_set(&c->last_error, "folding the guest carriers: %s", strerror(-r));
		return collector_fail(c, r, NULL, err);
	}
	/* Past validation both inputs are consumed, on success and failure alike. */
	free(c->host);
	free(c->guest);
	c->host = c->guest = NULL;
	c->n_host = c->n_guest = 0;
	if (r < 0) {
		sc_error_set(&c->last_error, "folding the guest carriers: %s", strerror(-r));
		return collector_fail(c, r, NULL, err);
	}
	for (i = 0; i < n; i++) {
		if (r == 0)
			r = sc_derive_phase_metrics(&folded[i]);
		if (r == 0)
			r = sc_scenario_stats_put_phase(&c->result.result.stats, &folded[i]);
		/* Moved in on success; released (whatever is left) otherwise. */
		sc_phase_bucket_release(&folded[i]);
	}
	if (r < 0) {
		free(folded);
		sc_error_set(&c->last_error, "assembling the phases: %s", strerror(-r));
		return collector_fail(c, r, NULL, err);
	}
	free(folded);
	*out = c->result;
	sc_sidecar_init(&c->result);
	return 0;
}
