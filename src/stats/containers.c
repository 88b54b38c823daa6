// SPDX-License-Identifier: MIT
/*
 * Growable vectors, the sorted CPU set and the sorted metric map. Every size
 * computation is overflow-checked; on failure the container is unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schedcheck/containers.h>

/* Grows *buf (of elements `elem`) so that cap >= need. */
static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t ncap, bytes;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (__builtin_mul_overflow(ncap, 2, &ncap))
			return -EOVERFLOW;
	}
	if (__builtin_mul_overflow(ncap, elem, &bytes))
		return -EOVERFLOW;
	p = realloc(*buf, bytes);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = ncap;
	return 0;
}

int sc_u64_vec_reserve(struct sc_u64_vec *vec, size_t extra)
{
	size_t need;

	if (__builtin_add_overflow(vec->len, extra, &need))
		return -EOVERFLOW;
	return grow((void **)&vec->v, &vec->cap, need, sizeof(*vec->v));
}

int sc_u64_vec_push(struct sc_u64_vec *vec, uint64_t x)
{
	int r = sc_u64_vec_reserve(vec, 1);

	if (r < 0)
		return r;
	vec->v[vec->len++] = x;
	return 0;
}

int sc_u64_vec_append(struct sc_u64_vec *vec, const uint64_t *src, size_t n)
{
	int r;

	if (!n)
		return 0;
	r = sc_u64_vec_reserve(vec, n);
	if (r < 0)
		return r;
	memcpy(vec->v + vec->len, src, n * sizeof(*src));
	vec->len += n;
	return 0;
}

int sc_u64_vec_copy(struct sc_u64_vec *dst, const struct sc_u64_vec *src)
{
	struct sc_u64_vec tmp = { 0 };
	int r = sc_u64_vec_append(&tmp, src->v, src->len);

	if (r < 0)
		return r;
	*dst = tmp;
	return 0;
}

void sc_u64_vec_move(struct sc_u64_vec *dst, struct sc_u64_vec *src)
{
	sc_u64_vec_release(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void sc_u64_vec_release(struct sc_u64_vec *vec)
{
	if (!vec)
		return;
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

int sc_f64_vec_reserve(struct sc_f64_vec *vec, size_t extra)
{
	size_t need;

	if (__builtin_add_overflow(vec->len, extra, &need))
		return -EOVERFLOW;
	return grow((void **)&vec->v, &vec->cap, need, sizeof(*vec->v));
}

int sc_f64_vec_push(struct sc_f64_vec *vec, double x)
{
	int r = sc_f64_vec_reserve(vec, 1);

	if (r < 0)
		return r;
	vec->v[vec->len++] = x;
	return 0;
}

int sc_f64_vec_append(struct sc_f64_vec *vec, const double *src, size_t n)
{
	int r;

	if (!n)
		return 0;
	r = sc_f64_vec_reserve(vec, n);
	if (r < 0)
		return r;
	memcpy(vec->v + vec->len, src, n * sizeof(*src));
	vec->len += n;
	return 0;
}

int sc_f64_vec_copy(struct sc_f64_vec *dst, const struct sc_f64_vec *src)
{
	struct sc_f64_vec tmp = { 0 };
	int r = sc_f64_vec_append(&tmp, src->v, src->len);

	if (r < 0)
		return r;
	*dst = tmp;
	return 0;
}

void sc_f64_vec_release(struct sc_f64_vec *vec)
{
	if (!vec)
		return;
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

/* Index of the first element >= cpu. */
static size_t cpu_lower_bound(const struct sc_cpu_set *set, uint64_t cpu)
{
	size_t lo = 0, hi = set->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->cpus[mid] < cpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int sc_cpu_set_add(struct sc_cpu_set *set, uint64_t cpu)
{
	size_t i;
	int r;

	/* Fast path: workers add mostly ascending or repeated CPUs. */
	if (set->len && set->cpus[set->len - 1] == cpu)
		return 0;
	i = cpu_lower_bound(set, cpu);
	if (i < set->len && set->cpus[i] == cpu)
		return 0;
	r = grow((void **)&set->cpus, &set->cap, set->len + 1, sizeof(*set->cpus));
	if (r < 0)
		return r;
	memmove(set->cpus + i + 1, set->cpus + i, (set->len - i) * sizeof(*set->cpus));
	set->cpus[i] = cpu;
	set->len++;
	return 0;
}

bool sc_cpu_set_contains(const struct sc_cpu_set *set, uint64_t cpu)
{
	size_t i = cpu_lower_bound(set, cpu);

	return i < set->len && set->cpus[i] == cpu;
}

int sc_cpu_set_union(struct sc_cpu_set *dst, const struct sc_cpu_set *src)
{
	size_t i = 0, j = 0, k = 0, need;
	uint64_t *out;

	if (!src->len)
		return 0;
	if (__builtin_add_overflow(dst->len, src->len, &need) || need > SIZE_MAX / sizeof(*out))
		return -EOVERFLOW;
	out = malloc(need * sizeof(*out));
	if (!out)
		return -ENOMEM;
	while (i < dst->len || j < src->len) {
		uint64_t x;

		if (j >= src->len || (i < dst->len && dst->cpus[i] < src->cpus[j]))
			x = dst->cpus[i++];
		else if (i >= dst->len || src->cpus[j] < dst->cpus[i])
			x = src->cpus[j++];
		else {
			x = dst->cpus[i++];
			j++;
		}
		out[k++] = x;
	}
	free(dst->cpus);
	dst->cpus = out;
	dst->len = k;
	dst->cap = need;
	return 0;
}

int sc_cpu_set_copy(struct sc_cpu_set *dst, const struct sc_cpu_set *src)
{
	struct sc_cpu_set tmp = { 0 };
	int r = sc_cpu_set_union(&tmp, src);

	if (r < 0)
		return r;
	*dst = tmp;
	return 0;
}

bool sc_cpu_set_equal(const struct sc_cpu_set *a, const struct sc_cpu_set *b)
{
	return a->len == b->len &&
	       (!a->len || !memcmp(a->cpus, b->cpus, a->len * sizeof(*a->cpus)));
}

void sc_cpu_set_release(struct sc_cpu_set *set)
{
	if (!set)
		return;
	free(set->cpus);
	memset(set, 0, sizeof(*set));
}

/* Index of the first entry whose name is >= `name`. */
static size_t map_lower_bound(const struct sc_metric_map *map, const char *name)
{
	size_t lo = 0, hi = map->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(map->e[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int sc_metric_map_set(struct sc_metric_map *map, const char *name, double value)
{
	size_t i = map_lower_bound(map, name);
	char *copy;
	int r;

	if (i < map->len && !strcmp(map->e[i].name, name)) {
		map->e[i].value = value;
		return 0;
	}
	r = grow((void **)&map->e, &map->cap, map->len + 1, sizeof(*map->e));
	if (r < 0)
		return r;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	memmove(map->e + i + 1, map->e + i, (map->len - i) * sizeof(*map->e));
	map->e[i].name = copy;
	map->e[i].value = value;
	map->len++;
	return 0;
}

bool sc_metric_map_get(const struct sc_metric_map *map, const char *name, double *out)
{
	size_t i = map_lower_bound(map, name);

	if (i < map->len && !strcmp(map->e[i].name, name)) {
		if (out)
			*out = map->e[i].value;
		return true;
	}
	return false;
}

bool sc_metric_map_remove(struct sc_metric_map *map, const char *name)
{
	size_t i = map_lower_bound(map, name);

	if (i >= map->len || strcmp(map->e[i].name, name))
		return false;
	free(map->e[i].name);
	memmove(map->e + i, map->e + i + 1, (map->len - i - 1) * sizeof(*map->e));
	map->len--;
	return true;
}

int sc_metric_map_copy(struct sc_metric_map *dst, const struct sc_metric_map *src)
{
	struct sc_metric_map tmp = { 0 };
	size_t i;
	int r;

	r = grow((void **)&tmp.e, &tmp.cap, src->len, sizeof(*tmp.e));
	if (r < 0)
		return r;
	for (i = 0; i < src->len; i++) {
		tmp.e[i].name = strdup(src->e[i].name);
		if (!tmp.e[i].name) {
			sc_metric_map_release(&tmp);
			return -ENOMEM;
		}
		tmp.e[i].value = src->e[i].value;
		tmp.len++;
	}
	*dst = tmp;
	return 0;
}

void sc_metric_map_release(struct sc_metric_map *map)
{
	size_t i;

	if (!map)
		return;
	for (i = 0; i < map->len; i++)
		free(map->e[i].name);
	free(map->e);
	memset(map, 0, sizeof(*map));
}

char *sc_strdup_or_null(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d && err)
		*err = -ENOMEM;
	return d;
}

int sc_cpu_set_parse_list(const char *s, uint64_t max_id, struct sc_cpu_set *set)
{
	struct sc_cpu_set tmp = { 0 };
	const char *p = s;
	int r = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '\n') {
		unsigned long long a, b;
		char *end;

		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		a = strtoull(p, &end, 10);
		if (errno)
			goto range;
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			errno = 0;
			b = strtoull(p, &end, 10);
			if (errno)
				goto range;
			p = end;
			if (b < a)
				goto bad;
		}
		if (b > max_id)
			goto range;
		for (; a <= b; a++) {
			r = sc_cpu_set_add(&tmp, a);
			if (r < 0)
				goto fail;
			if (a == UINT64_MAX)
				break;
		}
		if (*p == ',') {
			p++;
			if (!*p || *p == '\n')
				goto bad;
		} else if (*p && *p != '\n' && *p != ' ' && *p != '\t') {
			goto bad;
		}
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (*p == '\n' && p[1])
		goto bad;
	*set = tmp;
	return 0;
bad:
	r = -EINVAL;
	goto fail;
range:
	r = -ERANGE;
fail:
	sc_cpu_set_release(&tmp);
	return r;
}

int sc_cpu_set_format_list(const struct sc_cpu_set *set, char *buf, size_t len)
{
	size_t i = 0, total = 0;

	if (len)
		buf[0] = '\0';
	while (i < set->len) {
		size_t j = i;
		int n;

		while (j + 1 < set->len && set->cpus[j + 1] == set->cpus[j] + 1)
			j++;
		if (j == i)
			n = snprintf(total < len ? buf + total : NULL,
				     total < len ? len - total : 0, "%s%llu", i ? "," : "",
				     (unsigned long long)set->cpus[i]);
		else
			n = snprintf(total < len ? buf + total : NULL,
				     total < len ? len - total : 0, "%s%llu-%llu", i ? "," : "",
				     (unsigned long long)set->cpus[i],
				     (unsigned long long)set->cpus[j]);
		if (n < 0)
			return n;
		total += (size_t)n;
		i = j + 1;
	}
	return (int)total;
}
