// SPDX-License-Identifier: MIT
/*
 * Finding things on the host: the cache directory, a kernel to boot (a
 * documented search order) and the static schedcheck the guest runs.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <schedcheck/vm.h>

int sc_vm_cache_dir(char *buf, size_t len)
{
	const char *env = getenv("SCHEDCHECK_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/var/cache/schedcheck");
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/schedcheck", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/schedcheck", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Appends "; what" to the list of places tried. */
static void tried(char *buf, size_t len, const char *what)
{
	size_t used = strlen(buf);

	if (used + 3 < len && snprintf(buf + used, len - used, "%s%s", used ? "; " : "", what) < 0)
		buf[used] = '\0';
}

/* Version-aware name comparison (strverscmp), newest last. */
static int cmp_ver(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* The newest <cache>/kernels/<pkg>/boot/vmlinuz-*. */
static int newest_cached(const char *cache, char *out, size_t len)
{
	char dir[PATH_MAX], boot[PATH_MAX], *names[256];
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;
	int r = -ENOENT;

	if (snprintf(dir, sizeof(dir), "%s/kernels", cache) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while ((e = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		if (e->d_name[0] == '.')
			continue;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_ver);
	for (i = n; i-- > 0 && r < 0;) {
		DIR *bd;

		if (snprintf(boot, sizeof(boot), "%s/%s/boot", dir, names[i]) >= (int)sizeof(boot))
			continue;
		bd = opendir(boot);
		if (!bd)
			continue;
		while ((e = readdir(bd))) {
			if (strncmp(e->d_name, "vmlinuz-", 8))
				continue;
			if (snprintf(out, len, "%s/%s", boot, e->d_name) < (int)len &&
			    is_file(out)) {
				r = 0;
				break;
			}
		}
		closedir(bd);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return r;
}

int sc_vm_find_kernel(const char *explicit, char *out, size_t len, struct sc_error *err)
{
	return sc_vm_find_kernel_for(explicit, false, out, len, err);
}

int sc_vm_find_kernel_for(const char *explicit, bool want_sched_ext, char *out, size_t len,
			  struct sc_error *err)
{
	char places[1024] = "", cache[PATH_MAX], p[PATH_MAX];
	const char *env = getenv("SCHEDCHECK_KERNEL");
	struct utsname u;

	if (explicit) {
		if (is_file(explicit) && snprintf(out, len, "%s", explicit) < (int)len)
			return 0;
		sc_error_set(err, "kernel %s: not a readable file", explicit);
		return -ENOENT;
	}
	if (env && *env) {
		if (is_file(env) && snprintf(out, len, "%s", env) < (int)len)
			return 0;
		sc_error_set(err, "$SCHEDCHECK_KERNEL=%s: not a readable file", env);
		return -ENOENT;
	}
	tried(places, sizeof(places), "--kernel (not given); $SCHEDCHECK_KERNEL (unset)");
	if (want_sched_ext && sc_vm_cache_dir(cache, sizeof(cache)) == 0) {
		struct sc_vm_kbuild_entry e;

		/* A scheduler needs a sched_ext kernel: the ones built here first. */
		if (sc_vm_kbuild_newest(cache, &e) == 0 &&
		    snprintf(out, len, "%s", e.bzimage) < (int)len)
			return 0;
		if (snprintf(p, sizeof(p), "%s/" SC_VM_KBUILD_SUBDIR "/*/bzImage", cache) <
		    (int)sizeof(p))
			tried(places, sizeof(places), p);
	}
	if (sc_vm_cache_dir(cache, sizeof(cache)) == 0) {
		if (newest_cached(cache, out, len) == 0)
			return 0;
		if (snprintf(p, sizeof(p), "%s/kernels/*/boot/vmlinuz-*", cache) < (int)sizeof(p))
			tried(places, sizeof(places), p);
	}
	if (uname(&u) == 0) {
		snprintf(p, sizeof(p), "/boot/vmlinuz-%s", u.release);
		if (is_file(p) && access(p, R_OK) == 0 && snprintf(out, len, "%s", p) < (int)len)
			return 0;
		tried(places, sizeof(places), p);
	}
	sc_error_set(err,
		     "no kernel found (tried %s); pass --kernel or run "
		     "scripts/fetch-test-kernel.sh",
		     places);
	return -ENOENT;
}

int sc_vm_elf_is_static(const char *path, bool *is_static, struct sc_error *err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned i;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		sc_error_set(err, "%s: %s", path, strerror(errno));
		return r;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phnum > 4096) {
		sc_error_set(err, "%s: not a 64-bit ELF file", path);
		close(fd);
		return -ENOEXEC;
	}
	*is_static = true;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph)) {
			sc_error_set(err, "%s: truncated program headers", path);
			r = -ENOEXEC;
			break;
		}
		if (ph.p_type == PT_INTERP)
			*is_static = false;
	}
	close(fd);
	return r;
}

static int check_static(const char *path, char *out, size_t len, struct sc_error *err)
{
	bool st = false;
	int r = sc_vm_elf_is_static(path, &st, err);

	if (r < 0)
		return r;
	if (!st) {
		sc_error_set(err,
			     "%s is dynamically linked; the guest needs a static schedcheck (see "
			     "docs/vm.md: meson setup build-static ...)",
			     path);
		return -ENOEXEC;
	}
	if (snprintf(out, len, "%s", path) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int sc_vm_find_guest_binary(const char *explicit, const char *self, char *out, size_t len,
			    struct sc_error *err)
{
	const char *env = getenv("SCHEDCHECK_GUEST_BIN");
	char dir[PATH_MAX], p[PATH_MAX], *slash;
	bool st = false;

	if (explicit)
		return check_static(explicit, out, len, err);
	if (env && *env)
		return check_static(env, out, len, err);
	if (self && sc_vm_elf_is_static(self, &st, NULL) == 0 && st)
		return check_static(self, out, len, err);
	if (self && snprintf(dir, sizeof(dir), "%s", self) < (int)sizeof(dir) &&
	    (slash = strrchr(dir, '/'))) {
		*slash = '\0';
		if (snprintf(p, sizeof(p), "%s/schedcheck-static", dir) < (int)sizeof(p) &&
		    is_file(p))
			return check_static(p, out, len, err);
		if (snprintf(p, sizeof(p), "%s/../build-static/schedcheck", dir) < (int)sizeof(p) &&
		    is_file(p))
			return check_static(p, out, len, err);
	}
	sc_error_set(err,
		     "no static schedcheck for the guest: pass --guest-binary, set "
		     "$SCHEDCHECK_GUEST_BIN, or build one (docs/vm.md: meson setup build-static "
		     "-Ddefault_library=static -Dprefer_static=true -Dc_link_args=-static)");
	return -ENOENT;
}
