// SPDX-License-Identifier: MIT
/*
 * sched_ext kernels and their example schedulers, built from a kernel tree
 * or Debian's linux-source tarball with a checked-in Kconfig fragment and
 * cached by (source identity, fragment hash). docs/sched_ext.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include <schedcheck/files.h>
#include <schedcheck/vm.h>

/* Bump when the recipe changes: old entries are no longer found. */
#define KBUILD_RECIPE "schedcheck-kbuild-1: x86_64_defconfig kvm_guest.config merge olddefconfig"
#define KBUILD_INFO "info"
#define KBUILD_FRAGMENT_MAX (1024u * 1024)
#define LINE_MAX_ 1024u

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int read_all(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (have < (size_t)st.st_size) {
		n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 0;
}

static void hash_part(struct sha256_ctx *h, const char *tag, const void *data, size_t len)
{
	uint8_t n[8];
	uint64_t l = len;
	int i;

	sha256_update(h, strlen(tag) + 1, (const uint8_t *)tag);
	for (i = 0; i < 8; i++)
		n[i] = (uint8_t)(l >> (8 * i));
	sha256_update(h, 8, n);
	if (len)
		sha256_update(h, len, data);
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* "VERSION.PATCHLEVEL.SUBLEVEL[EXTRAVERSION]" from a tree's Makefile. */
static int tree_version(const char *tree, char *out, size_t len)
{
	char path[PATH_MAX], line[256], v[4][64] = { "", "", "", "" };
	static const char *const keys[] = { "VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION" };
	unsigned lines = 0, k;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/Makefile", tree) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && ++lines < 64) {
		for (k = 0; k < 4; k++) {
			size_t kl = strlen(keys[k]);
			char *p = line + kl;

			if (strncmp(line, keys[k], kl) || (*p != ' ' && *p != '='))
				continue;
			p = strchr(p, '=');
			if (!p)
				continue;
			for (p++; *p == ' ' || *p == '\t'; p++)
				;
			p[strcspn(p, " \t\r\n")] = '\0';
			snprintf(v[k], sizeof(v[k]), "%s", p);
		}
	}
	fclose(f);
	if (!v[0][0] || !v[1][0])
		return -ENOEXEC;
	snprintf(out, len, "%s.%s.%s%s", v[0], v[1], v[2][0] ? v[2] : "0", v[3]);
	return 0;
}

static bool is_tarball(const char *p)
{
	return strstr(p, ".tar") != NULL && is_file(p);
}

static const char *source_of(const struct sc_vm_kbuild_options *o)
{
	return o->source ? o->source : SC_VM_KBUILD_DEFAULT_SOURCE;
}

/* The label: the tarball's name without .tar.*, or the tree's directory name. */
static void source_label(const char *real, char *out, size_t len)
{
	const char *b = strrchr(real, '/');
	char *dot;
	size_t i;

	snprintf(out, len, "%s", b && b[1] ? b + 1 : real);
	dot = strstr(out, ".tar");
	if (dot)
		*dot = '\0';
	for (i = 0; out[i]; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= 'A' && out[i] <= 'Z') ||
		      (out[i] >= '0' && out[i] <= '9') || out[i] == '.' || out[i] == '_' ||
		      out[i] == '-'))
			out[i] = '_';
	if (strlen(out) > 48)
		out[48] = '\0';
}

static int compute_key(const struct sc_vm_kbuild_options *o, char *key, size_t len, char *frag_hex,
		       char *real, size_t real_len, struct sc_error *err)
{
	const char *src = source_of(o);
	char label[64], ident[PATH_MAX + 128], ver[96];
	uint8_t d[SHA256_DIGEST_SIZE];
	struct sha256_ctx h, fh;
	struct stat st;
	char *frag = NULL, dh[2 * SHA256_DIGEST_SIZE + 1];
	size_t flen = 0;
	int r;

	if (!o->fragment) {
		sc_error_set(err, "kernel build: no config fragment (--config FILE)");
		return -EINVAL;
	}
	if (!realpath(src, real) || strlen(real) >= real_len) {
		r = -errno;
		sc_error_set(err, "kernel source %s: %s%s", src, strerror(errno),
			     o->source ? ""
				       : " (Debian: apt-get install linux-source-6.12, or pass "
					 "--source DIR)");
		return r ? r : -ENOENT;
	}
	if (stat(real, &st) < 0) {
		r = -errno;
		sc_error_set(err, "kernel source %s: %s", real, strerror(errno));
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		if (tree_version(real, ver, sizeof(ver)) < 0) {
			sc_error_set(err, "kernel source %s: no kernel Makefile with VERSION there",
				     real);
			return -ENOENT;
		}
		snprintf(ident, sizeof(ident), "tree\n%s\n%s", real, ver);
	} else if (is_tarball(real)) {
		snprintf(ident, sizeof(ident), "tarball\n%s\n%lld\n%lld", real,
			 (long long)st.st_size, (long long)st.st_mtime);
	} else {
		sc_error_set(err, "kernel source %s: neither a directory nor a .tar.* file", real);
		return -EINVAL;
	}
	r = read_all(o->fragment, KBUILD_FRAGMENT_MAX, &frag, &flen);
	if (r < 0) {
		sc_error_set(err, "config fragment %s: %s", o->fragment, strerror(-r));
		return r;
	}
	sha256_init(&fh);
	sha256_update(&fh, flen, (const uint8_t *)frag);
	sha256_digest(&fh, sizeof(d), d);
	hex(d, sizeof(d), frag_hex);

	sha256_init(&h);
	hash_part(&h, "recipe", KBUILD_RECIPE, strlen(KBUILD_RECIPE));
	hash_part(&h, "source", ident, strlen(ident));
	hash_part(&h, "fragment", frag, flen);
	free(frag);
	sha256_digest(&h, sizeof(d), d);
	hex(d, sizeof(d), dh);
	source_label(real, label, sizeof(label));
	if (snprintf(key, len, "%s-%.16s", label, dh) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int sc_vm_kbuild_key(const struct sc_vm_kbuild_options *o, char *key, size_t len,
		     struct sc_error *err)
{
	char frag_hex[2 * SHA256_DIGEST_SIZE + 1], real[PATH_MAX];

	return compute_key(o, key, len, frag_hex, real, sizeof(real), err);
}

/* ---- the info file ---------------------------------------------------------- */

int sc_vm_kbuild_read_entry(const char *dir, struct sc_vm_kbuild_entry *e)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	const char *slash;
	FILE *f;

	memset(e, 0, sizeof(*e));
	if (snprintf(e->dir, sizeof(e->dir), "%s", dir) >= (int)sizeof(e->dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	snprintf(e->key, sizeof(e->key), "%s", slash ? slash + 1 : dir);
	snprintf(e->bzimage, sizeof(e->bzimage), "%.*s/bzImage", (int)sizeof(e->bzimage) - 9, dir);
	if (snprintf(path, sizeof(path), "%s/" KBUILD_INFO, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v;

		line[strcspn(line, "\n")] = '\0';
		if (!eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(line, "source"))
			snprintf(e->source, sizeof(e->source), "%s", v);
		else if (!strcmp(line, "release"))
			snprintf(e->release, sizeof(e->release), "%s", v);
		else if (!strcmp(line, "tree"))
			snprintf(e->tree, sizeof(e->tree), "%s", v);
		else if (!strcmp(line, "objtree"))
			snprintf(e->objtree, sizeof(e->objtree), "%s", v);
		else if (!strcmp(line, "fragment"))
			snprintf(e->fragment, sizeof(e->fragment), "%s", v);
		else if (!strcmp(line, "fragment_sha256"))
			snprintf(e->fragment_sha256, sizeof(e->fragment_sha256), "%s", v);
		else if (!strcmp(line, "built_unix_s"))
			e->built_unix_s = strtoull(v, NULL, 10);
		else if (!strcmp(line, "build_ms"))
			e->build_ms = strtoull(v, NULL, 10);
	}
	fclose(f);
	e->complete = is_file(e->bzimage) && e->tree[0] && e->objtree[0];
	return 0;
}

static int write_info(const struct sc_vm_kbuild_entry *e, struct sc_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	FILE *f;
	int r = 0;

	if (snprintf(path, sizeof(path), "%s/" KBUILD_INFO, e->dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		r = -errno;
		sc_error_set(err, "%s: %s", tmp, strerror(errno));
		return r;
	}
	fprintf(f,
		"source=%s\nrelease=%s\ntree=%s\nobjtree=%s\nfragment=%s\nfragment_sha256=%s\n"
		"built_unix_s=%llu\nbuild_ms=%llu\n",
		e->source, e->release, e->tree, e->objtree, e->fragment, e->fragment_sha256,
		(unsigned long long)e->built_unix_s, (unsigned long long)e->build_ms);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		r = -errno;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		sc_error_set(err, "%s: %s", path, strerror(-r));
		unlink(tmp);
	}
	return r;
}

/* ---- running the build's commands ----------------------------------------- */

struct runner {
	int log_fd;
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
};

/*
 * Runs argv in `cwd` with stdout+stderr into the log (and line by line to
 * on_line). Returns the exit status (0..255), or -errno.
 */
static int run_cmd(const struct runner *rn, const char *cwd, const char *const argv[])
{
	char buf[4096], line[LINE_MAX_];
	size_t ll = 0;
	int p[2], status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	{
		/* The command line first, as make prints it. */
		char cmd[1024];
		size_t o = 0, i;

		for (i = 0; argv[i] && o + 2 < sizeof(cmd); i++) {
			int n = snprintf(cmd + o, sizeof(cmd) - o, "%s%s", i ? " " : "$ ", argv[i]);

			if (n < 0)
				break;
			o += (size_t)n < sizeof(cmd) - o ? (size_t)n : sizeof(cmd) - o - 1;
		}
		if (rn->log_fd >= 0)
			dprintf(rn->log_fd, "%s   (in %s)\n", cmd, cwd);
	}
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		if (chdir(cwd) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof(buf)), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (rn->log_fd >= 0 && write(rn->log_fd, buf, (size_t)n) < 0) {
			/* A full disk shows in make's own failure. */
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || ll + 1 >= sizeof(line)) {
				line[ll] = '\0';
				if (rn->on_line)
					rn->on_line(rn->ctx, line);
				ll = 0;
				if (buf[i] == '\n')
					continue;
			}
			line[ll++] = buf[i];
		}
	}
	close(p[0]);
	if (ll && rn->on_line) {
		line[ll] = '\0';
		rn->on_line(rn->ctx, line);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void step(const struct sc_vm_kbuild_options *o, const char *what)
{
	if (o->on_step)
		o->on_step(o->ctx, what);
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static int cmd_failed(int r, const char *what, const char *log, struct sc_error *err)
{
	if (r < 0)
		sc_error_set(err, "%s: %s (log: %s)", what, strerror(-r), log);
	else
		sc_error_set(err, "%s failed with exit status %d (log: %s)", what, r, log);
	return r < 0 ? r : -EIO;
}

/* Every "CONFIG_X=y" of the fragment must be in the final .config. */
static int check_config(const char *fragment, const char *config, struct sc_error *err)
{
	char *frag = NULL, *cfg = NULL, *line, *save = NULL, missing[512] = "";
	size_t flen, clen, used = 0;
	int r, n = 0;

	r = read_all(fragment, KBUILD_FRAGMENT_MAX, &frag, &flen);
	if (r < 0)
		return r;
	r = read_all(config, 64u * 1024 * 1024, &cfg, &clen);
	if (r < 0) {
		free(frag);
		sc_error_set(err, "%s: %s", config, strerror(-r));
		return r;
	}
	for (line = strtok_r(frag, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char needle[256], *hit;
		size_t ln = strlen(line);

		if (strncmp(line, "CONFIG_", 7) || ln < 3 || strcmp(line + ln - 2, "=y") ||
		    snprintf(needle, sizeof(needle), "\n%s\n", line) >= (int)sizeof(needle))
			continue;
		hit = strstr(cfg, needle);
		if (!hit && !strncmp(cfg, needle + 1, strlen(needle + 1)))
			hit = cfg;
		if (hit)
			continue;
		n++;
		if (used + ln + 3 < sizeof(missing)) {
			int w = snprintf(missing + used, sizeof(missing) - used, "%s%.*s",
					 used ? ", " : "", (int)ln - 2, line);

			if (w > 0)
				used += (size_t)w;
		}
	}
	free(frag);
	free(cfg);
	if (n) {
		sc_error_set(err,
			     "%d option(s) of the fragment did not survive olddefconfig (missing "
			     "dependencies?): %s; see %s",
			     n, missing, config);
		return -EINVAL;
	}
	return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char tmp[PATH_MAX + 16], buf[65536];
	int in, out, r = 0;
	ssize_t n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", to) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			r = -errno ? -errno : -EIO;
			break;
		}
	}
	close(in);
	if (close(out) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, to) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int sc_vm_kbuild(const struct sc_vm_kbuild_options *o, struct sc_vm_kbuild_entry *out, bool *hit,
		 struct sc_error *err)
{
	char key[96], frag_hex[2 * SHA256_DIGEST_SIZE + 1], real[PATH_MAX], root[PATH_MAX];
	char dir[PATH_MAX], log[PATH_MAX + 16], lock[PATH_MAX + 16], frag_real[PATH_MAX];
	char tree[PATH_MAX], objtree[PATH_MAX], obj_arg[PATH_MAX + 8], jobs[32], msg[PATH_MAX + 64];
	char config[PATH_MAX + 16], image[PATH_MAX + 32];
	struct sc_vm_kbuild_entry e;
	struct runner rn;
	bool tarball;
	uint64_t t0 = mono_ms();
	int r, lock_fd = -1;

	*hit = false;
	if (!o->cache_dir) {
		sc_error_set(err, "kernel build: no cache directory");
		return -EINVAL;
	}
	r = compute_key(o, key, sizeof(key), frag_hex, real, sizeof(real), err);
	if (r < 0)
		return r;
	if (!realpath(o->fragment, frag_real))
		snprintf(frag_real, sizeof(frag_real), "%s", o->fragment);
	if (snprintf(root, sizeof(root), "%s/" SC_VM_KBUILD_SUBDIR, o->cache_dir) >=
		    (int)sizeof(root) ||
	    snprintf(dir, sizeof(dir), "%s/%s", root, key) >= (int)sizeof(dir) - 64)
		return -ENAMETOOLONG;
	if (!o->force && sc_vm_kbuild_read_entry(dir, &e) == 0 && e.complete) {
		*out = e;
		*hit = true;
		return 0;
	}
	r = sc_mkdir_p(dir, 0755);
	if (r < 0) {
		sc_error_set(err, "%s: %s", dir, strerror(-r));
		return r;
	}
	snprintf(lock, sizeof(lock), "%s/.lock", dir);
	lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0) {
		r = -errno;
		sc_error_set(err, "%s: %s", lock, strerror(errno));
		return r;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		step(o, "waiting for another build of the same kernel");
		while (flock(lock_fd, LOCK_EX) < 0 && errno == EINTR)
			;
		/* It may have finished it. */
		if (!o->force && sc_vm_kbuild_read_entry(dir, &e) == 0 && e.complete) {
			close(lock_fd);
			*out = e;
			*hit = true;
			return 0;
		}
	}
	snprintf(log, sizeof(log), "%s/build.log", dir);
	rn.log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (rn.log_fd < 0) {
		r = -errno;
		sc_error_set(err, "%s: %s", log, strerror(errno));
		goto out;
	}
	rn.on_line = o->on_line;
	rn.ctx = o->ctx;
	tarball = !is_dir(real);
	if (tarball) {
		/* Extracted once into <entry>/src; a resumed build reuses it. */
		snprintf(tree, sizeof(tree), "%.*s/src", (int)sizeof(tree) - 8, dir);
		snprintf(objtree, sizeof(objtree), "%s", tree);
		snprintf(msg, sizeof(msg), "%s/Makefile", tree);
		if (!is_file(msg)) {
			char xdir[PATH_MAX + 8];
			const char *const tar[] = { "tar", "-xf", real,
						    "-C",  xdir,  "--strip-components=1",
						    NULL };
			const char *const rm[] = { "rm", "-rf", xdir, NULL };

			snprintf(xdir, sizeof(xdir), "%s.tmp", tree);
			run_cmd(&rn, dir, rm);
			if ((r = sc_mkdir_p(xdir, 0755)) < 0) {
				sc_error_set(err, "%s: %s", xdir, strerror(-r));
				goto out;
			}
			snprintf(msg, sizeof(msg), "extracting %s", real);
			step(o, msg);
			r = run_cmd(&rn, dir, tar);
			if (r != 0) {
				r = cmd_failed(r, "tar", log, err);
				goto out;
			}
			if (rename(xdir, tree) < 0) {
				r = -errno;
				sc_error_set(err, "rename %s: %s", xdir, strerror(errno));
				goto out;
			}
		}
	} else {
		/* The user's tree stays untouched: objects go to <entry>/build. */
		snprintf(tree, sizeof(tree), "%s", real);
		snprintf(objtree, sizeof(objtree), "%.*s/build", (int)sizeof(objtree) - 8, dir);
		if ((r = sc_mkdir_p(objtree, 0755)) < 0) {
			sc_error_set(err, "%s: %s", objtree, strerror(-r));
			goto out;
		}
	}
	snprintf(obj_arg, sizeof(obj_arg), "O=%s", objtree);
	snprintf(jobs, sizeof(jobs), "-j%u", o->jobs ? o->jobs : online_cpus());
	snprintf(config, sizeof(config), "%s/.config", objtree);
	{
		char merge[PATH_MAX + 64];
		const char *const defc[] = { "make", obj_arg, "x86_64_defconfig", NULL };
		const char *const kvm[] = { "make", obj_arg, "kvm_guest.config", NULL };
		const char *const mrg[] = { merge, "-m", "-O", objtree, config, frag_real, NULL };
		const char *const old[] = { "make", obj_arg, "olddefconfig", NULL };

		snprintf(merge, sizeof(merge), "%s/scripts/kconfig/merge_config.sh", tree);
		step(o, "configuring: x86_64_defconfig + kvm_guest.config + fragment");
		if ((r = run_cmd(&rn, tree, defc)) != 0) {
			r = cmd_failed(r, "make x86_64_defconfig", log, err);
			goto out;
		}
		if ((r = run_cmd(&rn, tree, kvm)) != 0) {
			r = cmd_failed(r, "make kvm_guest.config", log, err);
			goto out;
		}
		if ((r = run_cmd(&rn, tree, mrg)) != 0) {
			r = cmd_failed(r, "merge_config.sh", log, err);
			goto out;
		}
		if ((r = run_cmd(&rn, tree, old)) != 0) {
			r = cmd_failed(r, "make olddefconfig", log, err);
			goto out;
		}
		if ((r = check_config(frag_real, config, err)) < 0)
			goto out;
	}
	{
		const char *const mk[] = { "make", obj_arg, jobs, "bzImage", NULL };

		snprintf(msg, sizeof(msg),
			 "building bzImage (make %s; about 11 min on 2 CPUs; log %.*s)", jobs,
			 (int)sizeof(msg) - 100, log);
		step(o, msg);
		if ((r = run_cmd(&rn, tree, mk)) != 0) {
			r = cmd_failed(r, "make bzImage", log, err);
			goto out;
		}
	}
	memset(&e, 0, sizeof(e));
	snprintf(e.key, sizeof(e.key), "%s", key);
	snprintf(e.dir, sizeof(e.dir), "%s", dir);
	snprintf(e.bzimage, sizeof(e.bzimage), "%.*s/bzImage", (int)sizeof(e.bzimage) - 16, dir);
	snprintf(e.tree, sizeof(e.tree), "%s", tree);
	snprintf(e.objtree, sizeof(e.objtree), "%s", objtree);
	snprintf(e.source, sizeof(e.source), "%s", real);
	snprintf(e.fragment, sizeof(e.fragment), "%s", frag_real);
	snprintf(e.fragment_sha256, sizeof(e.fragment_sha256), "%s", frag_hex);
	if (tree_version(tree, e.release, sizeof(e.release)) < 0)
		snprintf(e.release, sizeof(e.release), "unknown");
	snprintf(image, sizeof(image), "%s/arch/x86/boot/bzImage", objtree);
	if ((r = copy_file(image, e.bzimage, 0644)) < 0) {
		sc_error_set(err, "copying %s: %s", image, strerror(-r));
		goto out;
	}
	snprintf(msg, sizeof(msg), "%s/config", dir);
	copy_file(config, msg, 0644);
	e.built_unix_s = (uint64_t)time(NULL);
	e.build_ms = mono_ms() - t0;
	if ((r = write_info(&e, err)) < 0)
		goto out;
	e.complete = true;
	*out = e;
	r = 0;
out:
	if (rn.log_fd >= 0)
		close(rn.log_fd);
	close(lock_fd);
	return r;
}

/* ---- the cache ------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	const struct sc_vm_kbuild_entry *x = a, *y = b;

	if (x->built_unix_s != y->built_unix_s)
		return x->built_unix_s > y->built_unix_s ? -1 : 1;
	return strcmp(x->key, y->key);
}

int sc_vm_kbuild_list(const char *cache_dir, struct sc_vm_kbuild_entry **out, size_t *n,
		      struct sc_error *err)
{
	char root[PATH_MAX], dir[PATH_MAX];
	struct sc_vm_kbuild_entry *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	struct dirent *d;
	DIR *dd;

	*out = NULL;
	*n = 0;
	if (snprintf(root, sizeof(root), "%s/" SC_VM_KBUILD_SUBDIR, cache_dir) >= (int)sizeof(root))
		return -ENAMETOOLONG;
	dd = opendir(root);
	if (!dd)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dd))) {
		if (d->d_name[0] == '.')
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s", root, d->d_name) >= (int)sizeof(dir) ||
		    !is_dir(dir))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(dd);
				sc_error_set(err, "out of memory");
				return -ENOMEM;
			}
			v = nv;
		}
		if (sc_vm_kbuild_read_entry(dir, &v[cnt]) < 0) {
			/* No info yet: an unfinished (or running) build. */
			memset(&v[cnt], 0, sizeof(v[cnt]));
			snprintf(v[cnt].key, sizeof(v[cnt].key), "%.*s",
				 (int)sizeof(v[cnt].key) - 1, d->d_name);
			snprintf(v[cnt].dir, sizeof(v[cnt].dir), "%s", dir);
		}
		cnt++;
	}
	closedir(dd);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_entry);
	*out = v;
	*n = cnt;
	return 0;
}

int sc_vm_kbuild_newest(const char *cache_dir, struct sc_vm_kbuild_entry *out)
{
	struct sc_vm_kbuild_entry *v;
	size_t n, i;
	int r = sc_vm_kbuild_list(cache_dir, &v, &n, NULL);

	if (r < 0)
		return r;
	r = -ENOENT;
	for (i = 0; i < n; i++) {
		if (v[i].complete) {
			*out = v[i];
			r = 0;
			break;
		}
	}
	free(v);
	return r;
}

int sc_vm_kbuild_entry_of(const char *cache_dir, const char *kernel, struct sc_vm_kbuild_entry *out)
{
	char rk[PATH_MAX], re[PATH_MAX];
	struct sc_vm_kbuild_entry *v;
	size_t n, i;
	int r;

	if (!kernel || !realpath(kernel, rk))
		return -ENOENT;
	r = sc_vm_kbuild_list(cache_dir, &v, &n, NULL);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (i = 0; i < n; i++) {
		if (v[i].complete && realpath(v[i].bzimage, re) && !strcmp(re, rk)) {
			*out = v[i];
			r = 0;
			break;
		}
	}
	free(v);
	return r;
}

/* ---- the example schedulers ------------------------------------------------- */

static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char p[PATH_MAX];

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (snprintf(p, sizeof(p), "%.*s/%s", (int)n, path, name) < (int)sizeof(p) &&
		    access(p, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static bool all_examples(const char *dir)
{
	char names[] = SC_VM_SCX_EXAMPLES, *tok, *save = NULL, p[PATH_MAX];

	for (tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (snprintf(p, sizeof(p), "%s/%s", dir, tok) >= (int)sizeof(p) || !is_file(p))
			return false;
	return true;
}

int sc_vm_kbuild_schedulers(const struct sc_vm_kbuild_entry *e,
			    const struct sc_vm_scx_build_options *o, char *built, size_t built_len,
			    bool *hit, struct sc_error *err)
{
	char suffix[16], cc[32], llvm[32], obj[PATH_MAX + 8], btf[PATH_MAX + 32], jobs[32];
	char scx[PATH_MAX], log[PATH_MAX + 32], dest[PATH_MAX + 16], sdir[PATH_MAX];
	char names[] = SC_VM_SCX_EXAMPLES, *tok, *save = NULL, from[PATH_MAX * 2], to[PATH_MAX * 2];
	size_t used = 0;
	struct runner rn;
	int r, v, got = 0;

	*hit = false;
	if (built && built_len)
		built[0] = '\0';
	if (!e->complete) {
		sc_error_set(err, "kernel entry %s is not complete: run `schedcheck kernel build`",
			     e->dir);
		return -ENOENT;
	}
	snprintf(dest, sizeof(dest), "%s/schedulers", e->dir);
	if (!o->force && all_examples(dest)) {
		*hit = true;
		if (built)
			snprintf(built, built_len, "%s", SC_VM_SCX_EXAMPLES);
		return 0;
	}
	if (o->clang_suffix) {
		snprintf(suffix, sizeof(suffix), "%s", o->clang_suffix);
	} else {
		suffix[0] = '\0';
		for (v = 30; v >= 16; v--) {
			snprintf(cc, sizeof(cc), "clang-%d", v);
			if (on_path(cc)) {
				snprintf(suffix, sizeof(suffix), "-%d", v);
				break;
			}
		}
		if (!suffix[0]) {
			sc_error_set(err, "no clang-16 or newer on PATH (Debian: apt-get install "
					  "clang-16 llvm-16 lld-16); clang 14 is too old for "
					  "tools/sched_ext");
			return -ENOENT;
		}
	}
	snprintf(cc, sizeof(cc), "CC=clang%s", suffix);
	snprintf(llvm, sizeof(llvm), "LLVM=%s", suffix);
	snprintf(scx, sizeof(scx), "%.*s/scx", (int)sizeof(scx) - 8, e->dir);
	snprintf(obj, sizeof(obj), "O=%s", scx);
	snprintf(btf, sizeof(btf), "VMLINUX_BTF=%s/vmlinux", e->objtree);
	snprintf(jobs, sizeof(jobs), "-j%u", o->jobs ? o->jobs : online_cpus());
	snprintf(sdir, sizeof(sdir), "%.*s/tools/sched_ext", (int)sizeof(sdir) - 20, e->tree);
	snprintf(log, sizeof(log), "%s/scx-build.log", e->dir);
	if ((r = sc_mkdir_p(scx, 0755)) < 0 || (r = sc_mkdir_p(dest, 0755)) < 0) {
		sc_error_set(err, "%s: %s", e->dir, strerror(-r));
		return r;
	}
	rn.log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (rn.log_fd < 0) {
		r = -errno;
		sc_error_set(err, "%s: %s", log, strerror(errno));
		return r;
	}
	rn.on_line = o->on_line;
	rn.ctx = o->ctx;
	if (o->on_step) {
		char m[PATH_MAX + 64];

		snprintf(m, sizeof(m), "building tools/sched_ext with clang%s (log %.*s)", suffix,
			 (int)sizeof(m) - 64, log);
		o->on_step(o->ctx, m);
	}
	{
		/* -k: one example that does not build spoils no other. */
		const char *const mk[] = { "make", "-k", jobs, cc, llvm, obj, btf, NULL };

		r = run_cmd(&rn, sdir, mk);
	}
	close(rn.log_fd);
	for (tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		snprintf(from, sizeof(from), "%s/build/bin/%s", scx, tok);
		snprintf(to, sizeof(to), "%s/%s", dest, tok);
		if (!is_file(from) || copy_file(from, to, 0755) < 0)
			continue;
		got++;
		if (built && used + strlen(tok) + 2 < built_len) {
			int w = snprintf(built + used, built_len - used, "%s%s", used ? " " : "",
					 tok);

			if (w > 0)
				used += (size_t)w;
		}
	}
	if (!got) {
		sc_error_set(err, "no scheduler was built (make exit status %d); see %s", r, log);
		return -EIO;
	}
	return 0;
}

int sc_vm_kbuild_find_scheduler(const char *cache_dir, const char *kernel, const char *name,
				char *out, size_t len, struct sc_error *err)
{
	struct sc_vm_kbuild_entry e;
	char p[PATH_MAX * 2];

	if (strchr(name, '/') || !name[0]) {
		sc_error_set(err, "%s: not a scheduler name", name);
		return -EINVAL;
	}
	if (sc_vm_kbuild_entry_of(cache_dir, kernel, &e) == 0 ||
	    sc_vm_kbuild_newest(cache_dir, &e) == 0) {
		snprintf(p, sizeof(p), "%s/schedulers/%s", e.dir, name);
		if (is_file(p) && snprintf(out, len, "%s", p) < (int)len)
			return 0;
		sc_error_set(err,
			     "scheduler %s: not in %s/schedulers (run `schedcheck kernel "
			     "schedulers`, or pass a path)",
			     name, e.dir);
		return -ENOENT;
	}
	sc_error_set(err,
		     "scheduler %s: not a file, and no sched_ext kernel is cached in "
		     "%s/" SC_VM_KBUILD_SUBDIR
		     " (run `schedcheck kernel build` and `schedcheck kernel schedulers`)",
		     name, cache_dir);
	return -ENOENT;
}
