// SPDX-License-Identifier: MIT
/*
 * The guest's initramfs: newc cpio archives written with libarchive
 * (optionally gzip), listed back for tests, and cached by the SHA-256
 * (nettle) of their inputs: a base archive plus the run's scenario appended.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <nettle/sha2.h>

#include <schedcheck/files.h>
#include <schedcheck/vm.h>

/* Bump when the layout of the base archive changes: old cache entries die. */
#define INITRAMFS_LAYOUT_VERSION "schedcheck-initramfs-2"

static const char *const compression_names[] = {
#define SC_X_(id, name) [SC_VM_INITRD_##id] = name,
	SC_VM_INITRAMFS_COMPRESSIONS(SC_X_)
#undef SC_X_
};

const char *sc_vm_initramfs_compression_name(enum sc_vm_initramfs_compression c)
{
	return (unsigned)c < SC_VM_INITRD_COMPRESSION_MAX ? compression_names[c] : "?";
}

int sc_vm_initramfs_compression_parse(const char *s, enum sc_vm_initramfs_compression *out)
{
	int i;

	for (i = 0; s && i < SC_VM_INITRD_COMPRESSION_MAX; i++) {
		if (!strcmp(s, compression_names[i])) {
			*out = (enum sc_vm_initramfs_compression)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Reads a whole regular file of at most `max` bytes. */
static int slurp(const char *path, uint64_t max, char **out, size_t *len)
{
	struct stat st;
	size_t have = 0;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			free(buf);
			goto out;
		}
		have += (size_t)n;
	}
	buf[have] = '\0';
	*out = buf;
	*len = have;
out:
	close(fd);
	return r;
}

static int add_entry(struct archive *a, const struct sc_vm_initramfs_entry *e, struct sc_error *err)
{
	struct archive_entry *ae;
	const char *path = e->path;
	char *data = NULL;
	const void *bytes = e->data;
	size_t len = e->len;
	int r = 0;

	while (*path == '/')
		path++;
	if (!*path || strlen(path) >= PATH_MAX) {
		sc_error_set(err, "initramfs: bad member path '%s'", e->path);
		return -EINVAL;
	}
	if (e->kind == SC_VM_ENTRY_FILE && e->src) {
		r = slurp(e->src, SC_VM_INITRAMFS_MAX_FILE, &data, &len);
		if (r < 0) {
			sc_error_set(err, "initramfs: %s (for %s): %s", e->src, path, strerror(-r));
			return r;
		}
		bytes = data;
	}
	ae = archive_entry_new();
	if (!ae) {
		free(data);
		sc_error_set(err, "initramfs: out of memory");
		return -ENOMEM;
	}
	archive_entry_set_pathname(ae, path);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, 0, 0);
	archive_entry_set_nlink(ae, e->kind == SC_VM_ENTRY_DIR ? 2 : 1);
	switch (e->kind) {
	case SC_VM_ENTRY_DIR:
		archive_entry_set_filetype(ae, AE_IFDIR);
		archive_entry_set_perm(ae, e->mode ? e->mode : 0755);
		archive_entry_set_size(ae, 0);
		break;
	case SC_VM_ENTRY_SYMLINK:
		archive_entry_set_filetype(ae, AE_IFLNK);
		archive_entry_set_perm(ae, 0777);
		archive_entry_set_symlink(ae, e->target);
		archive_entry_set_size(ae, 0);
		break;
	case SC_VM_ENTRY_FILE:
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
		archive_entry_set_size(ae, (la_int64_t)len);
		break;
	default:
		archive_entry_free(ae);
		free(data);
		sc_error_set(err, "initramfs: member %s has an unknown kind", path);
		return -EINVAL;
	}
	if (archive_write_header(a, ae) != ARCHIVE_OK) {
		sc_error_set(err, "initramfs: %s: %s", path, archive_error_string(a));
		r = -EIO;
	} else if (e->kind == SC_VM_ENTRY_FILE && len &&
		   archive_write_data(a, bytes, len) != (la_ssize_t)len) {
		sc_error_set(err, "initramfs: writing %s: %s", path, archive_error_string(a));
		r = -EIO;
	}
	archive_entry_free(ae);
	free(data);
	return r;
}

int sc_vm_initramfs_write(const struct sc_vm_initramfs_entry *entries, size_t n,
			  enum sc_vm_initramfs_compression comp, const char *path,
			  struct sc_error *err)
{
	char tmp[PATH_MAX];
	struct archive *a;
	size_t i;
	int fd, r = 0;

	if (n > SC_VM_INITRAMFS_MAX_ENTRIES) {
		sc_error_set(err, "initramfs: %zu members, more than the limit of %u", n,
			     SC_VM_INITRAMFS_MAX_ENTRIES);
		return -E2BIG;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		sc_error_set(err, "initramfs: path too long: %s", path);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		sc_error_set(err, "initramfs: creating %s: %s", tmp, strerror(errno));
		return r;
	}
	a = archive_write_new();
	if (!a) {
		close(fd);
		unlink(tmp);
		sc_error_set(err, "initramfs: out of memory");
		return -ENOMEM;
	}
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    (comp == SC_VM_INITRD_GZIP && archive_write_add_filter_gzip(a) != ARCHIVE_OK) ||
	    (comp != SC_VM_INITRD_GZIP && archive_write_add_filter_none(a) != ARCHIVE_OK) ||
	    /* No padding to 10 KiB blocks: the kernel reads the archive as it is. */
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		sc_error_set(err, "initramfs: %s: %s", path, archive_error_string(a));
		r = -EIO;
		goto out;
	}
	for (i = 0; i < n && r == 0; i++)
		r = add_entry(a, &entries[i], err);
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK) {
		sc_error_set(err, "initramfs: closing %s: %s", path, archive_error_string(a));
		r = -EIO;
	}
out:
	archive_write_free(a);
	if (r == 0 && fsync(fd) < 0 && errno != EINVAL) {
		r = -errno;
		sc_error_set(err, "initramfs: fsync %s: %s", tmp, strerror(errno));
	}
	close(fd);
	if (r == 0 && rename(tmp, path) < 0) {
		r = -errno;
		sc_error_set(err, "initramfs: rename to %s: %s", path, strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
	return r;
}

/* Lists one archive from memory; *used gets how far its trailer reaches. */
static int list_one(const char *path, const char *buf, size_t len, struct sc_argv *out,
		    struct sc_error *err)
{
	struct archive_entry *ae;
	struct archive *a;
	int r = 0, st;

	a = archive_read_new();
	if (!a) {
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_cpio(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		sc_error_set(err, "%s: %s", path, archive_error_string(a));
		archive_read_free(a);
		return -EIO;
	}
	while ((st = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		if (out->n >= SC_VM_INITRAMFS_MAX_ENTRIES * 2) {
			sc_error_set(err, "%s: too many members", path);
			r = -E2BIG;
			break;
		}
		r = sc_argv_push(out, archive_entry_pathname(ae));
		if (r < 0) {
			sc_error_set(err, "out of memory");
			break;
		}
	}
	if (r == 0 && st != ARCHIVE_EOF) {
		sc_error_set(err, "%s: %s", path, archive_error_string(a));
		r = -EIO;
	}
	archive_read_free(a);
	return r;
}

int sc_vm_initramfs_list(const char *path, struct sc_argv *out, struct sc_error *err)
{
	static const char trailer[] = "TRAILER!!!";
	size_t len = 0, off = 0;
	char *buf = NULL;
	int r;

	r = slurp(path, SC_VM_INITRAMFS_MAX_FILE, &buf, &len);
	if (r < 0) {
		sc_error_set(err, "%s: %s", path, strerror(-r));
		return r;
	}
	/*
	 * The kernel unpacks archives one after another; libarchive stops at
	 * the first trailer. Uncompressed newc members are found by their
	 * trailers (a compressed archive is listed up to its first one).
	 */
	while (off < len) {
		const char *t;

		r = list_one(path, buf + off, len - off, out, err);
		if (r < 0 || memcmp(buf + off, "070701", len - off < 6 ? len - off : 6))
			break;
		t = memmem(buf + off, len - off, trailer, sizeof(trailer));
		if (!t)
			break;
		off = (size_t)(t - buf) + sizeof(trailer);
		off = (off + 3) & ~(size_t)3;
		while (off < len && buf[off] == '\0')
			off++;
	}
	free(buf);
	return r;
}

/* ---- the cache ------------------------------------------------------------ */

static void hash_bytes(struct sha256_ctx *h, const char *tag, const void *data, size_t len)
{
	uint8_t n[8];
	uint64_t l = len;
	int i;

	/* Tag and length first: no two input lists hash alike by concatenation. */
	sha256_update(h, strlen(tag) + 1, (const uint8_t *)tag);
	for (i = 0; i < 8; i++)
		n[i] = (uint8_t)(l >> (8 * i));
	sha256_update(h, 8, n);
	if (len)
		sha256_update(h, len, data);
}

static int hash_file(struct sha256_ctx *h, const char *tag, const char *path, struct sc_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int r;

	r = slurp(path, SC_VM_INITRAMFS_MAX_FILE, &data, &len);
	if (r < 0) {
		sc_error_set(err, "initramfs: %s: %s", path, strerror(-r));
		return r;
	}
	hash_bytes(h, tag, data, len);
	free(data);
	return 0;
}

static void hex_digest(struct sha256_ctx *h, char out[2 * SHA256_DIGEST_SIZE + 1])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	int i;

	sha256_digest(h, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Busybox applets PID 1's helpers and a scheduler's scripts may want. */
static const char *const busybox_links[] = {
	"sh", "cat",  "echo", "ls",   "mount", "umount",  "mkdir", "sleep", "dmesg",  "poweroff",
	"ps", "kill", "grep", "head", "tail",  "taskset", "nproc", "uname", "insmod", "modprobe",
};

/* Whether `dir` is among the first `n` entries (a directory added already). */
static bool have_dir(const struct sc_vm_initramfs_entry *e, size_t n, const char *dir)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].kind == SC_VM_ENTRY_DIR && !strcmp(e[i].path, dir))
			return true;
	return false;
}

static int write_base(const struct sc_vm_initramfs_inputs *in, const struct sc_vm_elf_dep *deps,
		      size_t n_deps, const char *path, struct sc_error *err)
{
	static const char *const dirs[] = { "bin", "sbin",   "dev", "proc",	      "sys",
					    "tmp", "run",    "etc", "etc/schedcheck", "root",
					    "usr", "usr/bin" };
	/* 64 fixed entries, then per library its file and up to 4 parent directories. */
	enum { MAX_E = 64 + 5 * SC_VM_ELF_MAX_DEPS };
	struct sc_vm_initramfs_entry *e;
	char links[sizeof(busybox_links) / sizeof(busybox_links[0])][32];
	char(*pdirs)[PATH_MAX];
	size_t n = 0, i, np = 0;
	int r;

	e = calloc(MAX_E, sizeof(*e));
	pdirs = calloc(4 * SC_VM_ELF_MAX_DEPS, sizeof(*pdirs));
	if (!e || !pdirs) {
		free(e);
		free(pdirs);
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_DIR,
							 .path = dirs[i],
							 .mode = !strcmp(dirs[i], "tmp") ? 01777
											 : 0755 };
	e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_FILE,
						 .path = SC_VM_GUEST_BIN,
						 .mode = 0755,
						 .src = in->guest_binary };
	e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_SYMLINK,
						 .path = "init",
						 .target = SC_VM_GUEST_BIN };
	if (in->busybox) {
		e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_FILE,
							 .path = "bin/busybox",
							 .mode = 0755,
							 .src = in->busybox };
		for (i = 0; i < sizeof(busybox_links) / sizeof(busybox_links[0]); i++) {
			snprintf(links[i], sizeof(links[i]), "bin/%s", busybox_links[i]);
			e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_SYMLINK,
								 .path = links[i],
								 .target = "busybox" };
		}
	}
	if (in->scheduler)
		e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_FILE,
							 .path = SC_VM_GUEST_SCHEDULER,
							 .mode = 0755,
							 .src = in->scheduler };
	/* The scheduler's interpreter and libraries where ld.so looks for them. */
	for (i = 0; i < n_deps && i < SC_VM_ELF_MAX_DEPS; i++) {
		char *slash;
		size_t depth = 0;
		const char *g = deps[i].guest;

		for (slash = strchr(g, '/'); slash && depth < 4; slash = strchr(slash + 1, '/')) {
			if (np >= 4 * SC_VM_ELF_MAX_DEPS)
				break;
			snprintf(pdirs[np], PATH_MAX, "%.*s", (int)(slash - g), g);
			depth++;
			if (have_dir(e, n, pdirs[np]))
				continue;
			e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_DIR,
								 .path = pdirs[np++],
								 .mode = 0755 };
		}
		e[n++] = (struct sc_vm_initramfs_entry){
			.kind = SC_VM_ENTRY_FILE, .path = g, .mode = 0755, .src = deps[i].host
		};
	}
	r = sc_vm_initramfs_write(e, n, in->compression, path, err);
	free(e);
	free(pdirs);
	return r;
}

static int write_overlay(const struct sc_vm_initramfs_inputs *in, const char *path,
			 struct sc_error *err)
{
	struct sc_vm_initramfs_entry e[3];
	size_t n = 0;

	e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_FILE,
						 .path = SC_VM_GUEST_SCENARIO,
						 .mode = 0644,
						 .data = in->scenario_json,
						 .len = in->scenario_len };
	if (in->checks)
		e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_FILE,
							 .path = SC_VM_GUEST_CHECKS,
							 .mode = 0644,
							 .data = in->checks,
							 .len = strlen(in->checks) };
	if (in->scheduler_args)
		e[n++] = (struct sc_vm_initramfs_entry){ .kind = SC_VM_ENTRY_FILE,
							 .path = SC_VM_GUEST_SCHEDULER_ARGS,
							 .mode = 0644,
							 .data = in->scheduler_args,
							 .len = strlen(in->scheduler_args) };
	return sc_vm_initramfs_write(e, n, in->compression, path, err);
}

/* out = a ++ b, atomically. */
static int concat(const char *a, const char *b, const char *out, struct sc_error *err)
{
	const char *parts[2] = { a, b };
	char tmp[PATH_MAX], *data = NULL;
	size_t len = 0, off;
	int fd, r = 0, i;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", out, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		sc_error_set(err, "initramfs: creating %s: %s", tmp, strerror(errno));
		return r;
	}
	for (i = 0; i < 2 && r == 0; i++) {
		r = slurp(parts[i], SC_VM_INITRAMFS_MAX_FILE, &data, &len);
		if (r < 0) {
			sc_error_set(err, "initramfs: %s: %s", parts[i], strerror(-r));
			break;
		}
		for (off = 0; off < len;) {
			ssize_t w = write(fd, data + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r = w < 0 ? -errno : -EIO;
				sc_error_set(err, "initramfs: writing %s: %s", tmp, strerror(-r));
				break;
			}
			off += (size_t)w;
		}
		free(data);
		data = NULL;
	}
	close(fd);
	if (r == 0 && rename(tmp, out) < 0) {
		r = -errno;
		sc_error_set(err, "initramfs: rename to %s: %s", out, strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
	return r;
}

int sc_vm_initramfs_prepare(const struct sc_vm_initramfs_inputs *in, const char *cache_dir,
			    char *path, size_t path_len, bool *hit, struct sc_error *err)
{
	char dir[PATH_MAX], base[PATH_MAX], overlay[PATH_MAX], final[PATH_MAX];
	char base_hex[2 * SHA256_DIGEST_SIZE + 1], run_hex[2 * SHA256_DIGEST_SIZE + 1];
	const char *comp = sc_vm_initramfs_compression_name(in->compression);
	struct sha256_ctx h;
	struct sc_vm_elf_dep *deps = NULL;
	size_t n_deps = 0, i;
	int r;

	*hit = false;
	if (!in->guest_binary || !in->scenario_json) {
		sc_error_set(err, "initramfs: the guest binary and the scenario are needed");
		return -EINVAL;
	}
	if (snprintf(dir, sizeof(dir), "%s/initramfs", cache_dir) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	r = sc_mkdir_p(dir, 0755);
	if (r < 0) {
		sc_error_set(err, "initramfs cache %s: %s", dir, strerror(-r));
		return r;
	}

	sha256_init(&h);
	hash_bytes(&h, "layout", INITRAMFS_LAYOUT_VERSION, strlen(INITRAMFS_LAYOUT_VERSION));
	hash_bytes(&h, "compression", comp, strlen(comp));
	if ((r = hash_file(&h, "schedcheck", in->guest_binary, err)) < 0)
		return r;
	if (in->busybox && (r = hash_file(&h, "busybox", in->busybox, err)) < 0)
		return r;
	if (in->scheduler) {
		if ((r = hash_file(&h, "scheduler", in->scheduler, err)) < 0)
			return r;
		deps = calloc(SC_VM_ELF_MAX_DEPS, sizeof(*deps));
		if (!deps) {
			sc_error_set(err, "out of memory");
			return -ENOMEM;
		}
		r = sc_vm_elf_deps(in->scheduler, NULL, deps, SC_VM_ELF_MAX_DEPS, &n_deps, err);
		if (r < 0) {
			sc_error_prefix(err, "initramfs: the scheduler's libraries");
			free(deps);
			return r;
		}
		for (i = 0; i < n_deps; i++) {
			hash_bytes(&h, "lib", deps[i].guest, strlen(deps[i].guest));
			if ((r = hash_file(&h, "libdata", deps[i].host, err)) < 0) {
				free(deps);
				return r;
			}
		}
	}
	hex_digest(&h, base_hex);

	sha256_init(&h);
	hash_bytes(&h, "base", base_hex, strlen(base_hex));
	hash_bytes(&h, "scenario", in->scenario_json, in->scenario_len);
	hash_bytes(&h, "checks", in->checks ? in->checks : "", in->checks ? strlen(in->checks) : 0);
	if (in->scheduler_args)
		hash_bytes(&h, "scheduler_args", in->scheduler_args, strlen(in->scheduler_args));
	hex_digest(&h, run_hex);

	if (snprintf(base, sizeof(base), "%s/base-%s.cpio", dir, base_hex) >= (int)sizeof(base) ||
	    snprintf(overlay, sizeof(overlay), "%s/scenario-%s.cpio", dir, run_hex) >=
		    (int)sizeof(overlay) ||
	    snprintf(final, sizeof(final), "%s/run-%s.cpio", dir, run_hex) >= (int)sizeof(final) ||
	    strlen(final) >= path_len) {
		sc_error_set(err, "initramfs cache path too long: %s", dir);
		free(deps);
		return -ENAMETOOLONG;
	}
	if (access(final, R_OK) == 0) {
		*hit = true;
		snprintf(path, path_len, "%s", final);
		free(deps);
		return 0;
	}
	if (access(base, R_OK) != 0 && (r = write_base(in, deps, n_deps, base, err)) < 0) {
		free(deps);
		return r;
	}
	free(deps);
	r = write_overlay(in, overlay, err);
	if (r == 0)
		r = concat(base, overlay, final, err);
	unlink(overlay);
	if (r < 0)
		return r;
	snprintf(path, path_len, "%s", final);
	return 0;
}
