/* SPDX-License-Identifier: MIT */
/*
 * VM mode: CPU topologies and their qemu command line, the initramfs (built
 * with libarchive, cached by content hash), kernel discovery, the guest side
 * (mounts, virtio-serial port, result stream) and the host side (qemu
 * lifecycle, hostile frame collection, failure verdicts). docs/vm.md.
 */
#ifndef SCHEDCHECK_VM_H
#define SCHEDCHECK_VM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <schedcheck/error.h>
#include <schedcheck/frame.h>
#include <schedcheck/sidecar.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* A growable argv (NULL-terminated, every string owned)                     */
/* ------------------------------------------------------------------------ */

struct sc_argv {
	char **v; /* v[n] == NULL once anything was pushed */
	size_t n;
	size_t cap;
};

void sc_argv_init(struct sc_argv *a);
void sc_argv_release(struct sc_argv *a);
int sc_argv_push(struct sc_argv *a, const char *s);
int sc_argv_pushf(struct sc_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Index of the first element equal to `s`, or -1. */
long sc_argv_find(const struct sc_argv *a, const char *s);

/* ------------------------------------------------------------------------ */
/* Topology                                                                  */
/* ------------------------------------------------------------------------ */

#define SC_VM_MAX_NODES 8u
#define SC_VM_MAX_CPUS 64u
#define SC_VM_MAX_THREADS_PER_CORE 4u
/* SLIT distances: local and every remote pair. */
#define SC_VM_NUMA_LOCAL_DISTANCE 10u
#define SC_VM_NUMA_REMOTE_DISTANCE 20u

/*
 * NUMA nodes x LLCs per node x cores per LLC x threads per core. qemu has
 * no LLC knob on x86 and its guests see one L3 per socket (not per die), so
 * an LLC is a socket and a node groups L sockets:
 * -smp sockets=N*L,cores=C,threads=T plus -numa cpu,node-id=n,socket-id=s.
 */
struct sc_vm_topology {
	uint32_t nodes;
	uint32_t llcs_per_node;
	uint32_t cores_per_llc;
	uint32_t threads_per_core;
};

/* (id, name, N, L, C, T, summary) */
#define SC_VM_TOPOLOGY_PRESETS(X)                                                        \
	X(TINY_1LLC, "tiny-1llc", 1, 1, 2, 1, "2 CPUs, one node, one LLC")               \
	X(SMP4_1LLC, "smp4-1llc", 1, 1, 4, 1, "4 CPUs sharing one LLC")                  \
	X(SMT_1LLC, "smt-1llc", 1, 1, 2, 2, "2 cores x 2 SMT threads, one LLC")          \
	X(SMT_2LLC, "smt-2llc", 1, 2, 2, 2, "2 LLCs x 2 cores x 2 SMT threads (8 CPUs)") \
	X(ODD_3LLC, "odd-3llc", 1, 3, 1, 1, "3 LLCs of 1 CPU: an odd count")             \
	X(NUMA2_2LLC, "numa2-2llc", 2, 1, 2, 1, "2 nodes, one LLC of 2 cores each")      \
	X(NUMA2_4LLC, "numa2-4llc", 2, 2, 2, 1, "2 nodes x 2 LLCs x 2 cores (8 CPUs)")   \
	X(NUMA4_4LLC, "numa4-4llc", 4, 1, 2, 1, "4 nodes, one LLC of 2 cores each")

enum sc_vm_topology_preset_id {
#define SC_X_(id, name, n, l, c, t, summary) SC_VM_TOPO_##id,
	SC_VM_TOPOLOGY_PRESETS(SC_X_)
#undef SC_X_
		SC_VM_TOPO_PRESET_MAX
};

struct sc_vm_topology_preset {
	const char *name;
	const char *summary;
	struct sc_vm_topology topo;
};

/* The default topology of `schedcheck vm`. */
#define SC_VM_DEFAULT_TOPOLOGY "numa2-2llc"

const struct sc_vm_topology_preset *sc_vm_topology_preset_at(size_t i); /* NULL past the end */
const struct sc_vm_topology_preset *sc_vm_topology_preset_find(const char *name);

/*
 * A preset name or "N,L,C,T" (four decimal integers >= 1). Limits: at most
 * SC_VM_MAX_NODES nodes, SC_VM_MAX_THREADS_PER_CORE threads per core and
 * SC_VM_MAX_CPUS CPUs in all. -EINVAL with a message naming the field.
 */
int sc_vm_topology_parse(const char *spec, struct sc_vm_topology *out, struct sc_error *err);
int sc_vm_topology_validate(const struct sc_vm_topology *t, struct sc_error *err);
uint32_t sc_vm_topology_cpus(const struct sc_vm_topology *t);
/* "N,L,C,T"; returns snprintf's length. */
int sc_vm_topology_format(const struct sc_vm_topology *t, char *buf, size_t len);
/* The node of CPU `cpu` (qemu numbers CPUs socket-major). */
uint32_t sc_vm_topology_node_of(const struct sc_vm_topology *t, uint32_t cpu);

/* ------------------------------------------------------------------------ */
/* Acceleration                                                              */
/* ------------------------------------------------------------------------ */

#define SC_VM_ACCELS(X) X(AUTO, "auto") X(KVM, "kvm") X(TCG, "tcg")

enum sc_vm_accel {
#define SC_X_(id, name) SC_VM_ACCEL_##id,
	SC_VM_ACCELS(SC_X_)
#undef SC_X_
		SC_VM_ACCEL_MAX
};

const char *sc_vm_accel_name(enum sc_vm_accel a);
int sc_vm_accel_parse(const char *s, enum sc_vm_accel *out);

/*
 * Resolves AUTO without booting anything: KVM when `<root>/dev/kvm` can be
 * opened read-write and the module is not kvm_pvm (`<root>/sys/module/kvm_pvm`
 * absent: PVM cannot run stock kernels), TCG otherwise; `why` (may be NULL)
 * receives the reason. An explicit KVM/TCG is returned as is. `root` is "/"
 * outside tests.
 */
enum sc_vm_accel sc_vm_accel_resolve(enum sc_vm_accel want, const char *root, char *why,
				     size_t why_len);

/* ------------------------------------------------------------------------ */
/* The qemu command line                                                     */
/* ------------------------------------------------------------------------ */

/* The virtio-serial port name the guest looks for. */
#define SC_VM_PORT_NAME "org.schedcheck.frames"
#define SC_VM_MAX_MEMORY_MIB (64u * 1024)
#define SC_VM_MIN_MEMORY_MIB 128u

struct sc_vm_qemu_config {
	const char *qemu; /* NULL: "qemu-system-x86_64" */
	const char *kernel;
	const char *initrd;
	const char *console_log; /* serial console -> this file */
	const char *frames_path; /* the virtio-serial port -> this file */
	struct sc_vm_topology topo;
	uint64_t memory_mib;	/* rounded down to a multiple of the node count */
	enum sc_vm_accel accel; /* KVM or TCG (resolve AUTO first) */
	const char *append;	/* extra kernel command line, may be NULL */
};

/*
 * Builds the qemu argv: -nodefaults -nographic -no-reboot, the accelerator,
 * -smp / per-node memory backends / -numa node,cpu,dist, -kernel, -initrd,
 * -append (console=ttyS0, panic=-1, oops/hung-task/softlockup panics, init
 * = /bin/schedcheck guest), the console file and a virtio-serial port named
 * SC_VM_PORT_NAME backed by `frames_path`. `out` must be empty.
 */
int sc_vm_qemu_argv(const struct sc_vm_qemu_config *c, struct sc_argv *out, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Cache, kernel and guest binary discovery                                  */
/* ------------------------------------------------------------------------ */

/*
 * The cache directory: $SCHEDCHECK_CACHE_DIR, else /var/cache/schedcheck as
 * root, else $XDG_CACHE_HOME/schedcheck, else ~/.cache/schedcheck.
 * Not created here.
 */
int sc_vm_cache_dir(char *buf, size_t len);

/*
 * Finds a kernel image: `explicit` (--kernel) if given, else
 * $SCHEDCHECK_KERNEL, else the newest <cache>/kernels/<pkg>/boot/vmlinuz-*
 * (what scripts/fetch-test-kernel.sh unpacks), else /boot/vmlinuz-$(uname -r).
 * -ENOENT with every place tried in `err`.
 */
int sc_vm_find_kernel(const char *explicit, char *out, size_t len, struct sc_error *err);

/* Whether the ELF file at `path` is statically linked (no PT_INTERP). */
int sc_vm_elf_is_static(const char *path, bool *is_static, struct sc_error *err);

/*
 * Finds the static schedcheck for the guest: `explicit` if given, else
 * $SCHEDCHECK_GUEST_BIN, else `self` (/proc/self/exe) when it is static, else
 * schedcheck-static next to `self`, else build-static/schedcheck above it.
 * Must be a static ELF: -ENOEXEC otherwise, -ENOENT when none is found.
 */
int sc_vm_find_guest_binary(const char *explicit, const char *self, char *out, size_t len,
			    struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* The initramfs                                                             */
/* ------------------------------------------------------------------------ */

#define SC_VM_INITRAMFS_COMPRESSIONS(X) X(NONE, "none") X(GZIP, "gzip")

enum sc_vm_initramfs_compression {
#define SC_X_(id, name) SC_VM_INITRD_##id,
	SC_VM_INITRAMFS_COMPRESSIONS(SC_X_)
#undef SC_X_
		SC_VM_INITRD_COMPRESSION_MAX
};

const char *sc_vm_initramfs_compression_name(enum sc_vm_initramfs_compression c);
int sc_vm_initramfs_compression_parse(const char *s, enum sc_vm_initramfs_compression *out);

/* Paths inside the initramfs. */
#define SC_VM_GUEST_BIN "/bin/schedcheck"
#define SC_VM_GUEST_SCENARIO "/etc/schedcheck/scenario.json"
#define SC_VM_GUEST_CHECKS "/etc/schedcheck/checks"
#define SC_VM_GUEST_SCHEDULER "/bin/scheduler"
/* Limits on what goes in. */
#define SC_VM_INITRAMFS_MAX_ENTRIES 4096u
#define SC_VM_INITRAMFS_MAX_FILE (512ull * 1024 * 1024)

#define SC_VM_INITRAMFS_ENTRY_KINDS(X) X(DIR, "dir") X(FILE, "file") X(SYMLINK, "symlink")

enum sc_vm_initramfs_entry_kind {
#define SC_X_(id, name) SC_VM_ENTRY_##id,
	SC_VM_INITRAMFS_ENTRY_KINDS(SC_X_)
#undef SC_X_
		SC_VM_ENTRY_KIND_MAX
};

/* One member: a directory, a file (from `src` on disk or `data`), a symlink. */
struct sc_vm_initramfs_entry {
	enum sc_vm_initramfs_entry_kind kind;
	const char *path; /* inside the archive, no leading '/' needed */
	unsigned mode;	  /* permission bits */
	const char *src;  /* FILE: a host file, or NULL to use data/len */
	const void *data;
	size_t len;
	const char *target; /* SYMLINK */
};

/*
 * Writes a newc cpio of `entries` (in order; parent directories first) to
 * `path`, gzip-compressed or not, atomically (temp file + rename). Owner
 * root, mtime 0, so equal inputs give equal bytes. Errors name the entry.
 */
int sc_vm_initramfs_write(const struct sc_vm_initramfs_entry *entries, size_t n,
			  enum sc_vm_initramfs_compression comp, const char *path,
			  struct sc_error *err);

/* Lists the member paths of an archive (any format libarchive reads) into `out`. */
int sc_vm_initramfs_list(const char *path, struct sc_argv *out, struct sc_error *err);

/* What a run's initramfs holds. */
struct sc_vm_initramfs_inputs {
	const char *guest_binary; /* static schedcheck */
	const char *busybox;	  /* static busybox, NULL: none */
	const char *scheduler;	  /* scheduler binary, NULL: none */
	const char *scenario_json;
	size_t scenario_len;
	const char *checks; /* "key=value\n" lines, may be NULL */
	enum sc_vm_initramfs_compression compression;
	/* Issue 5: the scheduler's arguments, one per line (may be NULL). */
	const char *scheduler_args;
};

/*
 * Produces the run's initramfs in `cache_dir` (created if needed): a base
 * archive (schedcheck, busybox and its applet links, the scheduler and,
 * when it is dynamically linked, its interpreter and shared libraries found
 * by sc_vm_elf_deps at their host paths) keyed
 * by the SHA-256 of its inputs' contents, then the base with a small
 * archive of the scenario appended (the kernel unpacks concatenated
 * archives), keyed by both hashes. Either is reused when present. *path gets
 * the final file; *hit says whether it came from the cache unchanged.
 */
int sc_vm_initramfs_prepare(const struct sc_vm_initramfs_inputs *in, const char *cache_dir,
			    char *path, size_t path_len, bool *hit, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* The guest side                                                            */
/* ------------------------------------------------------------------------ */

/*
 * Mounts what a PID 1 needs under `root` ("/" in the guest): proc, sysfs,
 * devtmpfs, cgroup2 (then every available controller enabled in the root's
 * cgroup.subtree_control), debugfs, tracefs. Already-mounted targets are
 * fine (-EBUSY is ignored); a mount that fails otherwise is an error naming
 * it, except debugfs/tracefs, which are optional (reported in `warn`).
 */
int sc_vm_guest_mount_all(const char *root, char *warn, size_t warn_len, struct sc_error *err);

/* Writes "+ctrl" for every controller listed in cgroup.controllers of `cgroup_dir`. */
int sc_vm_guest_enable_controllers(const char *cgroup_dir, struct sc_error *err);

/*
 * Finds the /dev node of the virtio-serial port named `name` through
 * <sysfs>/class/virtio-ports/vport*p* /name (devtmpfs has no by-name links),
 * or /dev/virtio-ports/<name> when udev made one. `sysfs` is "/sys".
 */
int sc_vm_guest_find_port(const char *sysfs, const char *name, char *out, size_t len,
			  struct sc_error *err);

/*
 * The scheduler hook (issue 5): starts `path` (when not NULL) and waits up
 * to `timeout_ms` for <sysfs>/kernel/sched_ext/state to read "enabled".
 * -EOPNOTSUPP naming the file when the kernel has no sched_ext.
 */
int sc_vm_guest_start_scheduler(const char *path, const char *sysfs, uint64_t timeout_ms, int *pid,
				struct sc_error *err);

/* Writes one frame (header + payload, retried on EINTR / short writes). */
int sc_vm_send_frame(int fd, uint32_t type, const void *payload, size_t len);

/*
 * Streams a finished run: for every phase a PHASE frame and one CARRIER
 * frame per cgroup carrier, then RESULT (the rest), then END with `status`
 * (0 or -errno), `interrupted` and `error` (may be NULL).
 */
int sc_vm_guest_stream_result(int fd, const struct sc_sidecar *s, int status, bool interrupted,
			      const char *error, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* The host side: collecting a guest's stream                                */
/* ------------------------------------------------------------------------ */

#define SC_VM_MAX_STREAM_BYTES (1024ull * 1024 * 1024)
#define SC_VM_MAX_FRAMES (1u << 20)
/* Phase buckets per stream (BASELINE + every step). */
#define SC_VM_MAX_PHASES (1024u + 1)

/*
 * Folds a guest's stream into a result. Every protocol rule is checked:
 * HELLO first with our protocol version, PHASE step indices unique,
 * RESULT once, END last, nothing after END, limits on bytes, frames and
 * phases. The first error sticks.
 */
struct sc_vm_collector {
	struct sc_frame_decoder dec;
	uint64_t bytes;
	uint64_t frames;
	bool have_hello, have_result, have_end;
	struct sc_frame_hello hello;
	struct sc_frame_end end;
	struct sc_sidecar result;     /* from RESULT */
	struct sc_phase_bucket *host; /* from PHASE frames: windows + monitor metrics */
	size_t n_host;
	struct sc_phase_bucket *guest; /* from CARRIER frames */
	size_t n_guest;
	struct sc_frame_progress last_progress;
	bool have_progress;
	int error; /* sticky */
	struct sc_error last_error;
	/* Optional observers (may be NULL). */
	void (*on_progress)(void *ctx, const struct sc_frame_progress *p);
	void (*on_log)(void *ctx, const char *text);
	void *ctx;
};

void sc_vm_collector_init(struct sc_vm_collector *c);
void sc_vm_collector_release(struct sc_vm_collector *c);
/* Feeds stream bytes; 0, or the sticky -EBADMSG / -EPROTO / -E2BIG / -ENOMEM. */
int sc_vm_collector_feed(struct sc_vm_collector *c, const void *buf, size_t len,
			 struct sc_error *err);
/*
 * At end of stream: checks the stream ended cleanly (END seen, no partial
 * frame), folds the guest carriers into the host buckets
 * (sc_fold_guest_per_cgroup_into_host_buckets), re-derives the per-phase
 * metrics and moves the whole result into *out (initialised here).
 * -EPROTO naming what is missing otherwise.
 */
int sc_vm_collector_finish(struct sc_vm_collector *c, struct sc_sidecar *out, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* The host side: one VM run                                                 */
/* ------------------------------------------------------------------------ */

#define SC_VM_CONSOLE_TAIL_LINES 20u

/* How a VM run ended, as far as the host can tell. */
#define SC_VM_ENDS(X)                                  \
	X(OK, "ok") /* END frame and a clean stream */ \
	X(PANIC, "kernel panic")                       \
	X(OOPS, "kernel oops")                         \
	X(HUNG_TASK, "hung task")                      \
	X(SOFTLOCKUP, "soft lockup")                   \
	X(SCHED_EXT, "sched_ext error")                \
	X(TIMEOUT, "timeout")                          \
	X(BAD_STREAM, "corrupt result stream")         \
	X(NO_RESULT, "guest stopped without a result") \
	X(QEMU_FAILED, "qemu failed")                  \
	X(INTERRUPTED, "interrupted")

enum sc_vm_end {
#define SC_X_(id, name) SC_VM_END_##id,
	SC_VM_ENDS(SC_X_)
#undef SC_X_
		SC_VM_END_MAX
};

const char *sc_vm_end_name(enum sc_vm_end e);

/*
 * Scans a console log for the first sign of a kernel failure (panic, oops,
 * BUG, hung task, soft lockup, sched_ext error exit). Returns SC_VM_END_OK
 * when there is none; `line` (may be NULL) receives the matching line.
 */
enum sc_vm_end sc_vm_console_classify(const char *log, size_t len, char *line, size_t line_len);

/* The last `n` lines of `log` (at most `out_len` - 1 bytes, cut at the front). */
void sc_vm_console_tail(const char *log, size_t len, unsigned n, char *out, size_t out_len);

struct sc_vm_run_options {
	const char *qemu; /* NULL: qemu-system-x86_64 */
	const char *kernel;
	const char *initrd;
	const char *console_log; /* kept */
	const char *frames_path; /* kept (the raw stream, for post-mortems) */
	const char *qemu_log;	 /* qemu's own stderr; kept */
	struct sc_vm_topology topo;
	uint64_t memory_mib;
	enum sc_vm_accel accel; /* AUTO is resolved inside (and falls back to TCG) */
	const char *append;
	uint64_t timeout_ms;	 /* whole run, boot included */
	volatile int *stop_flag; /* set (SIGINT) to stop the guest; may be NULL */
	void (*on_progress)(void *ctx, const struct sc_frame_progress *p);
	void (*on_log)(void *ctx, const char *text);
	void (*on_status)(void *ctx, const char *what); /* "booting (tcg)", ... */
	void *ctx;
};

struct sc_vm_run_report {
	enum sc_vm_end end;
	enum sc_vm_accel accel; /* what was used in the end */
	char accel_why[256];
	bool kvm_fell_back;	 /* AUTO tried KVM and fell back to TCG */
	uint64_t wall_ms;	 /* qemu start to exit */
	uint64_t first_frame_ms; /* qemu start to the guest's HELLO (boot time) */
	int qemu_status;	 /* wait status */
	char reason[512];	 /* one sentence when end != OK */
	int64_t guest_status;	 /* the END frame's status: 0 or the guest's -errno */
	bool guest_interrupted;
	char guest_error[512];	 /* the END frame's error, "" when none */
	char console_tail[4096]; /* last console lines when end != OK */
};

void sc_vm_run_options_init(struct sc_vm_run_options *o);

/*
 * Boots the guest, collects its stream and always leaves a result in *out
 * (initialised here): the guest's, or one Fail outcome carrying the reason
 * and the console tail when the guest panicked, oopsed, hung, timed out,
 * sent a corrupt stream or stopped without a result. qemu runs with
 * PR_SET_PDEATHSIG and is killed and reaped on every path. Returns 0 when a
 * verdict was reached (even a Fail), -errno when qemu could not be started
 * at all (with `err`).
 */
int sc_vm_run(const struct sc_vm_run_options *o, struct sc_sidecar *out,
	      struct sc_vm_run_report *rep, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* sched_ext kernels and schedulers built here (docs/sched_ext.md)           */
/* ------------------------------------------------------------------------ */

/* Under the cache directory. */
#define SC_VM_KBUILD_SUBDIR "sched-ext-kernels"
/* Debian's linux-source-6.12 package. */
#define SC_VM_KBUILD_DEFAULT_SOURCE "/usr/src/linux-source-6.12.tar.xz"
/* The checked-in fragment's name (configs/ in the source tree). */
#define SC_VM_KBUILD_FRAGMENT_NAME "sched_ext.config"

struct sc_vm_kbuild_options {
	const char *source;    /* a kernel tree or a linux-source tarball; NULL: the default */
	const char *fragment;  /* the Kconfig fragment (required) */
	const char *cache_dir; /* required */
	unsigned jobs;	       /* make -j; 0: the online CPUs */
	bool force;	       /* rebuild even when the entry is complete */
	/* Observers, may be NULL: a step ("extracting ..."), every output line. */
	void (*on_step)(void *ctx, const char *step);
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
};

/* One cache entry: <cache>/sched-ext-kernels/<key>/. */
struct sc_vm_kbuild_entry {
	char key[96]; /* "<source label>-<16 hex>" */
	char dir[PATH_MAX];
	char bzimage[PATH_MAX]; /* <dir>/bzImage */
	char tree[PATH_MAX];	/* the configured kernel tree (sources) */
	char objtree[PATH_MAX]; /* where vmlinux and .config are */
	char source[PATH_MAX];	/* what it was built from */
	char release[96];	/* kernel release, e.g. 6.12.57 */
	char fragment[PATH_MAX];
	char fragment_sha256[65];
	uint64_t built_unix_s;
	uint64_t build_ms; /* wall time of the build that made it */
	bool complete;	   /* bzImage and the info file are there */
};

/*
 * The cache key of `o`: a label from the source's name plus the first 16 hex
 * digits of SHA-256 over the recipe version, the source's identity (a
 * tarball: real path, size, mtime; a tree: real path and its Makefile's
 * version) and the fragment's bytes. Fast: nothing is extracted or built.
 */
int sc_vm_kbuild_key(const struct sc_vm_kbuild_options *o, char *key, size_t len,
		     struct sc_error *err);

/*
 * Builds (or finds) the kernel of `o`: extracts a tarball into the entry
 * (or uses the tree with O=<entry>/build), make x86_64_defconfig, make
 * kvm_guest.config, merges the fragment (scripts/kconfig/merge_config.sh),
 * make olddefconfig, checks every `=y` of the fragment survived, make -jN
 * bzImage, copies the image and writes the info file last. A complete entry
 * is returned at once (*hit = true) unless `force`. An interrupted build is
 * resumed by the next call (make is incremental). One build per key at a
 * time (flock). The output goes to <entry>/build.log; errors name it.
 */
int sc_vm_kbuild(const struct sc_vm_kbuild_options *o, struct sc_vm_kbuild_entry *out, bool *hit,
		 struct sc_error *err);

/* Reads <dir>/info into *e (complete = the info and the image exist). */
int sc_vm_kbuild_read_entry(const char *dir, struct sc_vm_kbuild_entry *e);

/*
 * Every entry under <cache>/sched-ext-kernels (complete or not), newest
 * build first, into a malloc'ed array (*n may be 0). Caller frees *out.
 */
int sc_vm_kbuild_list(const char *cache_dir, struct sc_vm_kbuild_entry **out, size_t *n,
		      struct sc_error *err);

/* The newest complete entry; -ENOENT when there is none. */
int sc_vm_kbuild_newest(const char *cache_dir, struct sc_vm_kbuild_entry *out);

/* The entry whose bzImage is `kernel`; -ENOENT when it is not a cached one. */
int sc_vm_kbuild_entry_of(const char *cache_dir, const char *kernel,
			  struct sc_vm_kbuild_entry *out);

/* The example schedulers of tools/sched_ext. */
#define SC_VM_SCX_EXAMPLES "scx_simple scx_qmap scx_central scx_flatcg"

struct sc_vm_scx_build_options {
	const char *clang_suffix; /* "-16"; NULL: the newest clang-NN (>= 16) on PATH */
	unsigned jobs;		  /* 0: the online CPUs */
	bool force;
	void (*on_step)(void *ctx, const char *step);
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
};

/*
 * Builds the tree's tools/sched_ext schedulers against entry `e` (make -C
 * tools/sched_ext CC=clang-NN LLVM=-NN O=<entry>/scx VMLINUX_BTF=<vmlinux>,
 * the tree's own libbpf and bpftool) and copies them to <entry>/schedulers/.
 * `built` (may be NULL) receives the names copied, space-separated. Cached:
 * nothing is run when every example is there, unless `force`. A scheduler
 * that does not build is left out (named in `built`'s absence); none at all
 * is an error naming <entry>/scx-build.log.
 */
int sc_vm_kbuild_schedulers(const struct sc_vm_kbuild_entry *e,
			    const struct sc_vm_scx_build_options *o, char *built, size_t built_len,
			    bool *hit, struct sc_error *err);

/*
 * Resolves a scheduler given by name (no '/'): <entry>/schedulers/<name> of
 * the entry `kernel` belongs to, else of the newest entry. -ENOENT naming
 * the places tried.
 */
int sc_vm_kbuild_find_scheduler(const char *cache_dir, const char *kernel, const char *name,
				char *out, size_t len, struct sc_error *err);

/*
 * sc_vm_find_kernel with sched_ext in mind: when `want_sched_ext` and no
 * --kernel / $SCHEDCHECK_KERNEL, the newest complete
 * <cache>/sched-ext-kernels/<key>/bzImage comes first, then the usual order.
 */
int sc_vm_find_kernel_for(const char *explicit, bool want_sched_ext, char *out, size_t len,
			  struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Shared libraries of a dynamically linked program                          */
/* ------------------------------------------------------------------------ */

#define SC_VM_ELF_MAX_DEPS 64u

/* One file a program needs at run time, and where it goes in the guest. */
struct sc_vm_elf_dep {
	char host[PATH_MAX];  /* the file on this host (symlinks resolved) */
	char guest[PATH_MAX]; /* its path in the guest, no leading '/' */
};

/*
 * The ELF interpreter (PT_INTERP) and every DT_NEEDED library of `path`,
 * recursively, resolved like ld.so does without a cache: DT_RUNPATH /
 * DT_RPATH, then /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64,
 * /usr/lib64, /lib, /usr/lib. `sysroot` prefixes every lookup ("" or NULL
 * here). *n = 0 for a static program. -ENOENT naming a library not found.
 */
int sc_vm_elf_deps(const char *path, const char *sysroot, struct sc_vm_elf_dep *deps, size_t max,
		   size_t *n, struct sc_error *err);

/* ------------------------------------------------------------------------ */
/* Watching a sched_ext scheduler in the guest                               */
/* ------------------------------------------------------------------------ */

#define SC_VM_GUEST_SCHEDULER_ARGS "/etc/schedcheck/scheduler.args"
#define SC_VM_SCX_TAIL_LINES 12u
#define SC_VM_SCX_LINE_MAX 256u
#define SC_VM_SCX_MAX_ARGS 64u

struct sc_vm_scx_tail {
	char line[SC_VM_SCX_TAIL_LINES][SC_VM_SCX_LINE_MAX];
	unsigned n, next;
	char partial[SC_VM_SCX_LINE_MAX];
	size_t partial_len;
};

/*
 * A running scheduler: its process (stdout+stderr on a pipe), /dev/kmsg and
 * <sysfs>/kernel/sched_ext/state, polled without blocking. Everything is
 * fixed-size: no allocation after start, so polling is safe anywhere.
 */
struct sc_vm_scx_watch {
	int pid;	     /* -1 once reaped */
	int out_fd, kmsg_fd; /* -1 when closed / unavailable */
	char state_path[PATH_MAX];
	char ops_path[PATH_MAX];
	char ops[64]; /* root/ops when enabled, "" when unknown */
	uint64_t enabled_after_ms;
	bool enabled;		 /* it attached (state read "enabled") */
	bool failed;		 /* the scheduler went away or sched_ext left "enabled" */
	bool stopping;		 /* we stopped it: its exit is no failure */
	int exit_status;	 /* wait status, valid when pid == -1 */
	char reason[512];	 /* one sentence when failed */
	char kernel_reason[256]; /* "runnable task stall" from the disable line, "" none */
	char kernel_detail[256]; /* the line after it: "schedcheck[88] failed to run for 5.053s" */
	struct sc_vm_scx_tail sched_tail;  /* the scheduler's output */
	struct sc_vm_scx_tail kernel_tail; /* kernel lines mentioning sched_ext */
	/* New output lines of the scheduler, as they come; may be NULL. */
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
};

void sc_vm_scx_watch_init(struct sc_vm_scx_watch *w);

/*
 * Starts `argv[0]` with `argv` (its stdout and stderr on a pipe), follows
 * /dev/kmsg from now on and waits up to `timeout_ms` for the state to read
 * "enabled", then reads the ops name. -EOPNOTSUPP when the kernel has no
 * sched_ext; -ECHILD / -ETIMEDOUT with the reason and tails in *w (failed
 * set) when it did not attach. The watch must be closed on every path.
 */
int sc_vm_scx_watch_start(struct sc_vm_scx_watch *w, char *const argv[], const char *sysfs,
			  uint64_t timeout_ms, struct sc_error *err);

/*
 * Drains the scheduler's output and the kernel log and checks the state
 * and the process. Returns 1 when it found a failure just now (w->failed,
 * w->reason), 0 otherwise. Safe to call often (a few syscalls).
 */
int sc_vm_scx_watch_poll(struct sc_vm_scx_watch *w);

/*
 * Ends the scheduler (SIGINT, then SIGKILL after `grace_ms`), collects its
 * last output and the kernel's last lines, and closes the fds. A failure
 * seen before stays recorded; the exit we caused is not one.
 */
void sc_vm_scx_watch_close(struct sc_vm_scx_watch *w, uint64_t grace_ms);

/* The tail's lines, oldest first, '\n'-separated, into `out` ("" when none). */
void sc_vm_scx_tail_text(const struct sc_vm_scx_tail *t, char *out, size_t len);

/*
 * Whether `pattern` (POSIX extended regex) matches the failure: its reason,
 * the kernel's reason or any kept line. -EINVAL for a bad pattern.
 */
int sc_vm_scx_watch_matches(const struct sc_vm_scx_watch *w, const char *pattern, bool *match);

/*
 * Records what the watch saw into `r`: measurements vm.scheduler.ops,
 * vm.scheduler.enabled_ms, vm.scheduler.failed, vm.scheduler.reason and
 * vm.scheduler.kernel_reason; info notes with the scheduler's and the
 * kernel's last lines; and the outcome "scheduler":
 *   no expectation:  Fail naming the reason when it failed, else Pass;
 *   `expect_pattern`: Pass when it failed with a matching error (the
 *   checks' Fails, consequences of the provoked error, become info notes),
 *   Fail when it failed otherwise or did not fail at all.
 * -EINVAL for a bad pattern, -ENOMEM.
 */
int sc_vm_scx_watch_verdict(const struct sc_vm_scx_watch *w, const char *path,
			    const char *expect_pattern, struct sc_assert_result *r);

#ifdef __cplusplus
}
#endif

#endif /* SCHEDCHECK_VM_H */
