// SPDX-License-Identifier: MIT
/*
 * The shared libraries a dynamically linked program needs, found the way
 * ld.so finds them without a cache (PT_INTERP, DT_NEEDED, DT_RUNPATH), so a
 * scheduler binary can run in the guest's initramfs.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <schedcheck/vm.h>

#define MAX_PHDRS 256u
#define MAX_DYN 4096u
#define MAX_NEEDED 64u
#define NAME_MAX_ 256u

static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
};

struct elf_info {
	char interp[PATH_MAX];
	char needed[MAX_NEEDED][NAME_MAX_];
	size_t n_needed;
	char runpath[1024];
};

static int read_str(int fd, uint64_t off, char *out, size_t len)
{
	ssize_t n = pread(fd, out, len - 1, (off_t)off);

	if (n <= 0)
		return -ENOEXEC;
	out[n] = '\0';
	if (strnlen(out, (size_t)n) == (size_t)n)
		return -ENOEXEC; /* no terminator within reach */
	return 0;
}

static int parse_elf(const char *path, struct elf_info *info, struct sc_error *err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
	uint64_t dyn_off = 0, dyn_size = 0, strtab = 0, strtab_off = 0;
	uint64_t need_off[MAX_NEEDED], run_off = UINT64_MAX;
	size_t n_need = 0, i, k;
	bool have_dyn = false, have_strtab = false;
	int fd, r = 0;

	memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		sc_error_set(err, "%s: %s", path, strerror(errno));
		return r;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum > MAX_PHDRS ||
	    pread(fd, ph, eh.e_phnum * sizeof(Elf64_Phdr), (off_t)eh.e_phoff) !=
		    (ssize_t)(eh.e_phnum * sizeof(Elf64_Phdr))) {
		sc_error_set(err, "%s: not a 64-bit little-endian ELF file", path);
		close(fd);
		return -ENOEXEC;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP &&
		    read_str(fd, ph[i].p_offset, info->interp, sizeof(info->interp)) < 0) {
			sc_error_set(err, "%s: bad PT_INTERP", path);
			r = -ENOEXEC;
			goto out;
		}
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn_off = ph[i].p_offset;
			dyn_size = ph[i].p_filesz;
			have_dyn = true;
		}
	}
	if (!have_dyn)
		goto out; /* static */
	for (i = 0; i < dyn_size / sizeof(Elf64_Dyn) && i < MAX_DYN; i++) {
		Elf64_Dyn d;

		if (pread(fd, &d, sizeof(d), (off_t)(dyn_off + i * sizeof(d))) !=
		    (ssize_t)sizeof(d))
			break;
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_NEEDED && n_need < MAX_NEEDED)
			need_off[n_need++] = d.d_un.d_val;
		else if (d.d_tag == DT_STRTAB) {
			strtab = d.d_un.d_ptr;
			have_strtab = true;
		} else if (d.d_tag == DT_RUNPATH || (d.d_tag == DT_RPATH && run_off == UINT64_MAX))
			run_off = d.d_un.d_val;
	}
	if (!have_strtab) {
		if (n_need)
			r = -ENOEXEC;
		goto out;
	}
	/* DT_STRTAB is an address: map it to a file offset through PT_LOAD. */
	for (i = 0, k = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && strtab >= ph[i].p_vaddr &&
		    strtab < ph[i].p_vaddr + ph[i].p_filesz) {
			strtab_off = strtab - ph[i].p_vaddr + ph[i].p_offset;
			k = 1;
			break;
		}
	}
	if (!k) {
		sc_error_set(err, "%s: DT_STRTAB outside every PT_LOAD", path);
		r = -ENOEXEC;
		goto out;
	}
	for (i = 0; i < n_need; i++) {
		if (read_str(fd, strtab_off + need_off[i], info->needed[info->n_needed],
			     NAME_MAX_) < 0) {
			sc_error_set(err, "%s: bad DT_NEEDED string", path);
			r = -ENOEXEC;
			goto out;
		}
		info->n_needed++;
	}
	if (run_off != UINT64_MAX)
		read_str(fd, strtab_off + run_off, info->runpath, sizeof(info->runpath));
out:
	close(fd);
	return r;
}

static bool have_guest(const struct sc_vm_elf_dep *deps, size_t n, const char *guest)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(deps[i].guest, guest))
			return true;
	return false;
}

/* Looks for `name` in one directory; fills *dep on success. */
static bool try_dir(const char *sysroot, const char *dir, const char *name,
		    struct sc_vm_elf_dep *dep)
{
	char p[PATH_MAX * 2];

	if (snprintf(p, sizeof(p), "%s%s/%s", sysroot, dir, name) >= (int)sizeof(p) ||
	    access(p, R_OK) != 0 || !realpath(p, dep->host))
		return false;
	while (*dir == '/')
		dir++;
	if (!*dir)
		while (*name == '/')
			name++;
	return snprintf(dep->guest, sizeof(dep->guest), "%s%s%s", dir, *dir ? "/" : "", name) <
	       (int)sizeof(dep->guest);
}

static bool resolve(const char *sysroot, const char *origin, const char *runpath, const char *name,
		    struct sc_vm_elf_dep *dep)
{
	char rp[1024], *tok, *save = NULL, dir[PATH_MAX];
	size_t i;

	if (strchr(name, '/'))
		return try_dir(sysroot, "", name, dep);
	snprintf(rp, sizeof(rp), "%s", runpath);
	for (tok = strtok_r(rp, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (!strncmp(tok, "$ORIGIN", 7))
			snprintf(dir, sizeof(dir), "%s%s", origin, tok + 7);
		else
			snprintf(dir, sizeof(dir), "%s", tok);
		if (try_dir(sysroot, dir, name, dep))
			return true;
	}
	for (i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		if (try_dir(sysroot, default_dirs[i], name, dep))
			return true;
	return false;
}

int sc_vm_elf_deps(const char *path, const char *sysroot, struct sc_vm_elf_dep *deps, size_t max,
		   size_t *n, struct sc_error *err)
{
	struct elf_info *info;
	struct sc_vm_elf_dep d;
	char origin[PATH_MAX], *slash;
	size_t cnt = 0, next = 0, i;
	const char *cur = path;
	int r;

	if (!sysroot)
		sysroot = "";
	info = malloc(sizeof(*info));
	if (!info) {
		sc_error_set(err, "out of memory");
		return -ENOMEM;
	}
	/* Breadth first: the program, then every library found, once each. */
	for (;;) {
		r = parse_elf(cur, info, err);
		if (r < 0)
			goto out;
		if (cur == path && info->interp[0]) {
			memset(&d, 0, sizeof(d));
			if (!try_dir(sysroot, "", info->interp, &d)) {
				sc_error_set(err, "%s: its interpreter %s is not on this host",
					     path, info->interp);
				r = -ENOENT;
				goto out;
			}
			if (cnt >= max) {
				r = -E2BIG;
				goto out;
			}
			deps[cnt++] = d;
		}
		snprintf(origin, sizeof(origin), "%s", cur);
		slash = strrchr(origin, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < info->n_needed; i++) {
			memset(&d, 0, sizeof(d));
			if (!resolve(sysroot, origin, info->runpath, info->needed[i], &d)) {
				sc_error_set(err, "%s needs %s, which is not on this host", cur,
					     info->needed[i]);
				r = -ENOENT;
				goto out;
			}
			if (have_guest(deps, cnt, d.guest))
				continue;
			if (cnt >= max) {
				sc_error_set(err, "%s: more than %zu shared libraries", path, max);
				r = -E2BIG;
				goto out;
			}
			deps[cnt++] = d;
		}
		/* The next library not yet parsed. */
		if (next >= cnt)
			break;
		cur = deps[next++].host;
	}
	*n = cnt;
	r = 0;
out:
	free(info);
	return r;
}
