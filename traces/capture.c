// SPDX-License-Identifier: GPL-2.0
/*
 * traces/capture.c - `kmbench trace capture`: record the allocation
 * tracepoints of the running kernel.
 *
 * How a capture runs:
 *
 *	1. check root and tracefs (exit 69 with a fix when either is missing);
 *	2. create a tracefs instance "kmbench-PID" of our own (libtracefs), so
 *	   the global buffer and other tracers are not disturbed; remove stale
 *	   kmbench instances whose process is gone;
 *	3. set the per-CPU buffer size, hash-ptr off (where the kernel has the
 *	   option), our own pid in set_event_notrace_pid, enable the events;
 *	4. start the command (held on a pipe until tracing is on), turn tracing
 *	   on, read the instance's trace_pipe as it fills into a spool file;
 *	5. stop when the command exits, after --duration, or on SIGINT/SIGTERM;
 *	   turn tracing off, drain trace_pipe, read per_cpu/cpuN/stats for the
 *	   overrun and dropped-event counts (lost events, reported loudly);
 *	6. write the output (atomically; `-` = stdout; .zst compressed): the
 *	   `# kmbench-meta: key=value` lines, then the spooled event lines;
 *	   destroy the instance.
 *
 * Lines come from trace_pipe, i.e. exactly the kernel's ftrace text format
 * (`comm-pid [cpu] flags ts: event: fields`), merged in timestamp order by
 * the kernel.  When the kernel drops events it writes a
 * `CPU:N [LOST M EVENTS]` line into the stream; those are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "kmt/capture.h"

#if HAVE_ZSTD
#include <zstd.h>
#endif
#if HAVE_TRACEFS
#include <tracefs.h>
#include "capture_raw.h"
#endif

static const char capture_usage[] =
"usage: kmbench trace capture [-o FILE] [--events LIST] [--duration S]\n"
"           [--buffer-kb N] [--follow] [--pid PID,...] [--raw]\n"
"           [--zstd-level N] [-q]\n"
"           [-- CMD ARGS...]\n"
"\n"
"Record the allocation tracepoints of the running kernel (needs root and\n"
"tracefs) while CMD runs, for S seconds, or until Ctrl-C.\n"
"\n"
"  -o, --output FILE   output file (default kmbench.trace); '-' = stdout\n"
"                      (then CMD's stdout goes to stderr);\n"
"                      a name ending in .zst is compressed with zstd\n"
"  -e, --events LIST   comma-separated groups and events (default kmem):\n"
"                        kmem     kmalloc kfree kmem_cache_alloc/free,\n"
"                                 mm_page_alloc/free/free_batched\n"
"                        vmalloc  alloc_vmap_area free_vmap_area_noflush\n"
"                                 purge_vmap_area_lazy\n"
"                        percpu   percpu_alloc_percpu percpu_free_percpu\n"
"                        vm       mmap munmap brk mprotect mremap syscalls\n"
"                                 (enter+exit), page_fault_user, sched\n"
"                                 fork/exec/exit, exit_mmap, rss_stat\n"
"                        SYSTEM:EVENT  any other tracepoint\n"
"  -d, --duration S    stop after S seconds (with CMD: whichever is first)\n"
"  -b, --buffer-kb N   ring buffer per CPU in KiB (default 32768)\n"
"      --zstd-level N  compression level for .zst output (default 9)\n"
"  -f, --follow        only events of CMD and its descendants (default:\n"
"                      every task on the system)\n"
"  -p, --pid PID[,PID] only events of these running processes and their\n"
"                      new children\n"
"  -r, --raw           copy the binary ring-buffer pages while tracing and\n"
"                      format them afterwards (libtraceevent): fewer lost\n"
"                      events on a busy machine\n"
"  -q, --quiet         no summary on stderr\n"
"  -h, --help          this help\n"
"\n"
"The output starts with '# kmbench-meta: key=value' lines (kernel, cpus,\n"
"page_size, hostname, events, start_time, hashed_ptrs, lost_events_cpuN,\n"
"command, ...), then one ftrace text line per event.  Lost events are\n"
"counted per CPU from the ring buffer's statistics and reported.\n"
"KMBENCH_TRACEFS=DIR uses another tracefs mount point.\n";

#if !HAVE_TRACEFS

int trace_capture_main(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(capture_usage, stdout);
			return KMB_EX_OK;
		}
	}
	kmb_warn("trace capture: kmbench was built without libtracefs; "
		 "install libtracefs-dev and libtraceevent-dev (the ./kmbench "
		 "launcher does it as root) and rebuild");
	return KMB_EX_UNAVAILABLE;
}

#else /* HAVE_TRACEFS */

#define CAPTURE_DEFAULT_BUFFER_KB	32768
#define CAPTURE_READ_CHUNK		(1u << 20)
#define CAPTURE_POLL_MS			100
#define CAPTURE_DRAIN_MAX		(2u << 20)

struct capture_event {
	const char *system;
	const char *name;
	bool old;		/* a variant of older kernels: absent is fine */
};

struct capture_group {
	const char *name;
	const struct capture_event *events;
};

static const struct capture_event capture_kmem[] = {
	{ "kmem", "kmalloc", false },
	{ "kmem", "kmalloc_node", true },
	{ "kmem", "kmem_cache_alloc", false },
	{ "kmem", "kmem_cache_alloc_node", true },
	{ "kmem", "kfree", false },
	{ "kmem", "kmem_cache_free", false },
	{ "kmem", "mm_page_alloc", false },
	{ "kmem", "mm_page_free", false },
	{ "kmem", "mm_page_free_batched", false },
	{ "kmem", "mm_page_free_direct", true },
	{ "kmem", "mm_pagevec_free", true },
	{ NULL, NULL, false },
};

static const struct capture_event capture_vmalloc[] = {
	{ "vmalloc", "alloc_vmap_area", false },
	{ "vmalloc", "free_vmap_area_noflush", false },
	{ "vmalloc", "purge_vmap_area_lazy", false },
	{ NULL, NULL, false },
};

static const struct capture_event capture_percpu[] = {
	{ "percpu", "percpu_alloc_percpu", false },
	{ "percpu", "percpu_free_percpu", false },
	{ NULL, NULL, false },
};

static const struct capture_event capture_vm[] = {
	{ "syscalls", "sys_enter_mmap", false },
	{ "syscalls", "sys_exit_mmap", false },
	{ "syscalls", "sys_enter_munmap", false },
	{ "syscalls", "sys_exit_munmap", false },
	{ "syscalls", "sys_enter_brk", false },
	{ "syscalls", "sys_exit_brk", false },
	{ "syscalls", "sys_enter_mprotect", false },
	{ "syscalls", "sys_exit_mprotect", false },
	{ "syscalls", "sys_enter_mremap", false },
	{ "syscalls", "sys_exit_mremap", false },
	{ "exceptions", "page_fault_user", false },
	{ "sched", "sched_process_fork", false },
	{ "sched", "sched_process_exec", false },
	{ "sched", "sched_process_exit", false },
	{ "mmap", "exit_mmap", false },
	{ "kmem", "rss_stat", false },
	{ NULL, NULL, false },
};

static const struct capture_group capture_groups[] = {
	{ "kmem", capture_kmem },
	{ "vmalloc", capture_vmalloc },
	{ "percpu", capture_percpu },
	{ "vm", capture_vm },
	{ NULL, NULL },
};

struct capture_opts {
	const char *output;
	const char *events;
	double duration;	/* seconds; 0 = no limit */
	uint64_t buffer_kb;
	int zstd_level;
	bool quiet;
	bool follow;		/* only CMD's process tree */
	bool raw;		/* binary pages, formatted afterwards */
	const char *pids;	/* --pid: "PID,PID,..." to follow */
	char **cmd;		/* NULL-terminated, or NULL */
};

struct capture {
	struct capture_opts opt;
	struct tracefs_instance *inst;
	char *enabled;		/* "sys:ev,sys:ev,..." */
	size_t enabled_len;
	int nr_cpus;
	uint64_t *lost;		/* per CPU: overrun + dropped */
	uint64_t lost_total;
	uint64_t lines;
	uint64_t bytes;
	bool hashed;
	bool hash_known;
	char start_time[64];
	double wall_s;
	pid_t child;
	int child_status;	/* -1 = none, else wait status */
	FILE *spool;
	struct kmb_atomic_file af;	/* the output, unless stdout */
};

static volatile sig_atomic_t capture_stop;

static void capture_on_signal(int sig)
{
	capture_stop = sig;
}

/* ---- argument parsing -------------------------------------------------- */

static const struct capture_group *capture_find_group(const char *name)
{
	for (const struct capture_group *g = capture_groups; g->name; g++)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

/* Check --events LIST: groups or SYSTEM:EVENT names; false after a message */
static bool capture_check_events(const char *list)
{
	char *copy = kmb_xstrdup(list), *save = NULL;
	bool ok = *list != '\0';

	for (char *tok = strtok_r(copy, ",", &save); tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (colon) {
			ok = colon > tok && colon[1] && !strchr(tok, '/') &&
			     !strchr(colon + 1, '/') && !strchr(colon + 1, ':');
			if (!ok)
				kmb_warn("trace capture: bad event '%s' (want "
					 "SYSTEM:EVENT)", tok);
		} else if (!capture_find_group(tok)) {
			kmb_warn("trace capture: unknown event group '%s' "
				 "(kmem, vmalloc, percpu, vm, or SYSTEM:EVENT)",
				 tok);
			ok = false;
		}
	}
	if (!*list)
		kmb_warn("trace capture: --events wants a list");
	free(copy);
	return ok;
}

/* --pid LIST: running processes, comma-separated; false after a message */
static bool capture_check_pids(const char *list)
{
	const char *p = list;

	do {
		char *end;
		long pid = strtol(p, &end, 10);

		if (end == p || pid <= 0 || pid > INT_MAX ||
		    (*end && *end != ',')) {
			kmb_warn("trace capture: --pid wants PID[,PID...], not "
				 "'%s'", list);
			return false;
		}
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			kmb_warn("trace capture: --pid: no process %ld", pid);
			return false;
		}
		p = *end ? end + 1 : end;
	} while (*p);
	return true;
}

static int capture_parse(int argc, char **argv, struct capture_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "events", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "buffer-kb", required_argument, NULL, 'b' },
		{ "zstd-level", required_argument, NULL, 'z' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "follow", no_argument, NULL, 'f' },
		{ "raw", no_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	o->output = "kmbench.trace";
	o->events = "kmem";
	o->buffer_kb = CAPTURE_DEFAULT_BUFFER_KB;
	o->zstd_level = 9;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:e:d:b:frp:qh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'e':
			if (!capture_check_events(optarg))
				return KMB_EX_USAGE;
			o->events = optarg;
			break;
		case 'd':
			if (!kmb_parse_double(optarg, &o->duration) ||
			    !(o->duration > 0) || o->duration > 1e7) {
				kmb_warn("trace capture: --duration wants "
					 "seconds > 0, not '%s'", optarg);
				return KMB_EX_USAGE;
			}
			break;
		case 'b':
			if (!kmb_parse_u64(optarg, &v, false) || v < 4 ||
			    v > (1u << 24)) {
				kmb_warn("trace capture: --buffer-kb wants "
					 "4..16777216, not '%s'", optarg);
				return KMB_EX_USAGE;
			}
			o->buffer_kb = v;
			break;
		case 'z':
			if (!kmb_parse_u64(optarg, &v, false) || v < 1 ||
			    v > 22) {
				kmb_warn("trace capture: --zstd-level wants "
					 "1..22, not '%s'", optarg);
				return KMB_EX_USAGE;
			}
			o->zstd_level = (int)v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'r':
			o->raw = true;
			break;
		case 'p':
			if (!capture_check_pids(optarg))
				return KMB_EX_USAGE;
			o->pids = optarg;
			break;
		case 'h':
			fputs(capture_usage, stdout);
			return -1;
		default:
			kmb_warn("trace capture: unknown or incomplete option "
				 "'%s' (see --help)", argv[optind - 1]);
			return KMB_EX_USAGE;
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0 &&
		    argv[optind][0] == '-') {
			kmb_warn("trace capture: unexpected '%s'",
				 argv[optind]);
			return KMB_EX_USAGE;
		}
		o->cmd = argv + optind;
	}
	if (o->follow && !o->cmd) {
		kmb_warn("trace capture: --follow needs a command after --");
		return KMB_EX_USAGE;
	}
	return 0;
}

/* Is @name an executable (PATH search when it has no slash)? */
static bool capture_cmd_exists(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		/* an empty PATH element is the current directory */
		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n,
				     n ? path : ".", name) < sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		if (!end)
			break;
		path = end + 1;
	}
	return false;
}

/* ---- tracefs set-up ---------------------------------------------------- */

/* Check root and a usable tracefs; 0 or an exit code after a message. */
static int capture_check_access(void)
{
	const char *env = getenv("KMBENCH_TRACEFS");
	const char *dir;
	char path[PATH_MAX];
	struct stat st;

	if (env && *env) {
		if (tracefs_set_tracing_dir((char *)env) < 0) {
			kmb_warn("trace capture: cannot use KMBENCH_TRACEFS=%s",
				 env);
			return KMB_EX_UNAVAILABLE;
		}
		dir = env;
	} else {
		/* mounts tracefs at /sys/kernel/tracing when it can */
		dir = tracefs_tracing_dir();
	}
	if (geteuid() != 0) {
		kmb_warn("trace capture: needs root: the kernel's tracing "
			 "files are writable by root only; run as root "
			 "(e.g. sudo ./kmbench trace capture ...)");
		return KMB_EX_UNAVAILABLE;
	}
	snprintf(path, sizeof(path), "%s/instances", dir ? dir : "");
	if (!dir || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		kmb_warn("trace capture: no tracefs found%s%s: mount it with "
			 "'mount -t tracefs nodev /sys/kernel/tracing' (kernel "
			 "with CONFIG_FTRACE and trace instances) and run as "
			 "root", dir ? " at " : "", dir ? dir : "");
		return KMB_EX_UNAVAILABLE;
	}
	return 0;
}

/* Remove kmbench-PID instances left by captures that were killed. */
static int capture_reap_one(const char *name, void *arg)
{
	struct tracefs_instance *inst;
	char *end;
	long pid;

	if (strncmp(name, "kmbench-", 8) != 0)
		return 0;
	pid = strtol(name + 8, &end, 10);
	if (*end || pid <= 0 || pid == getpid() ||
	    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return 0;
	inst = tracefs_instance_alloc(NULL, name);
	if (inst) {
		tracefs_instance_destroy(inst);
		tracefs_instance_free(inst);
	}
	return 0;
}

static void capture_add_enabled(struct capture *c, const char *sys,
				const char *ev)
{
	size_t n = strlen(sys) + strlen(ev) + 2;
	char name[256];

	/* listed once, even when named twice (kmem,kmem:kmalloc) */
	snprintf(name, sizeof(name), "%s:%s", sys, ev);
	for (const char *p = c->enabled; p && (p = strstr(p, name));
	     p += strlen(name))
		if ((p == c->enabled || p[-1] == ',') &&
		    (p[strlen(name)] == ',' || !p[strlen(name)]))
			return;
	c->enabled = kmb_xrealloc(c->enabled, c->enabled_len + n + 1);
	c->enabled_len += sprintf(c->enabled + c->enabled_len, "%s%s:%s",
				  c->enabled_len ? "," : "", sys, ev);
}

static int capture_enable_one(struct capture *c, const char *sys,
			      const char *ev, bool old)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "events/%s/%s", sys, ev);
	if (!tracefs_dir_exists(c->inst, rel)) {
		if (!old)
			kmb_warn("trace capture: warning: this kernel has no "
				 "event %s:%s; skipped", sys, ev);
		return 0;
	}
	/*
	 * Our own pid is in set_event_notrace_pid too, but the kernel applies
	 * the pid lists through per-CPU flags updated at context switches,
	 * and events of ours slip through while they settle.  An event filter
	 * is evaluated on every event with its real pid.
	 */
	snprintf(rel, sizeof(rel), "events/%s/%s/filter", sys, ev);
	if (tracefs_file_exists(c->inst, rel)) {
		char filter[64];

		snprintf(filter, sizeof(filter), "common_pid != %ld",
			 (long)getpid());
		tracefs_instance_file_write(c->inst, rel, filter);
	}
	if (tracefs_event_enable(c->inst, sys, ev) < 0) {
		kmb_warn("trace capture: cannot enable %s:%s: %s", sys, ev,
			 strerror(errno));
		return KMB_EX_UNAVAILABLE;
	}
	capture_add_enabled(c, sys, ev);
	return 0;
}

static int capture_enable_events(struct capture *c)
{
	char *list = kmb_xstrdup(c->opt.events);
	char *save = NULL;
	int ret = 0;

	/* the list was checked by capture_check_events() */
	for (char *tok = strtok_r(list, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		const struct capture_group *g;
		char *colon = strchr(tok, ':');

		if (colon) {
			*colon = '\0';
			ret = capture_enable_one(c, tok, colon + 1, false);
			continue;
		}
		g = capture_find_group(tok);
		for (const struct capture_event *e = g->events;
		     e->name && !ret; e++)
			ret = capture_enable_one(c, e->system, e->name, e->old);
	}
	free(list);
	if (!ret && !c->enabled_len) {
		kmb_warn("trace capture: none of the events '%s' exists on "
			 "this kernel", c->opt.events);
		ret = KMB_EX_UNAVAILABLE;
	}
	return ret;
}

/* Turn the trace option hash-ptr off where the kernel has it. */
static void capture_unhash_ptrs(struct capture *c)
{
	long long v;

	if (!tracefs_file_exists(c->inst, "options/hash-ptr")) {
		/* kernels before 5.12 always hash %p in trace output */
		c->hashed = true;
		c->hash_known = false;
		return;
	}
	tracefs_instance_file_write(c->inst, "options/hash-ptr", "0");
	c->hash_known = tracefs_instance_file_read_number(c->inst,
		"options/hash-ptr", &v) == 0;
	c->hashed = !c->hash_known || v != 0;
}

static int capture_setup(struct capture *c)
{
	char name[64], pid[32];
	int ret;

	tracefs_instances_walk(capture_reap_one, NULL);
	snprintf(name, sizeof(name), "kmbench-%ld", (long)getpid());
	c->inst = tracefs_instance_create(name);
	if (!c->inst) {
		kmb_warn("trace capture: cannot create the tracefs instance "
			 "%s: %s (does this kernel support instances, and is "
			 "tracefs writable?)", name, strerror(errno));
		return KMB_EX_UNAVAILABLE;
	}
	tracefs_trace_off(c->inst);
	if (tracefs_instance_set_buffer_size(c->inst, c->opt.buffer_kb,
					     -1) < 0)
		kmb_warn("trace capture: warning: cannot set the buffer size "
			 "to %llu KiB per CPU: %s",
			 (unsigned long long)c->opt.buffer_kb, strerror(errno));
	capture_unhash_ptrs(c);
	/* our own reads of trace_pipe allocate too: leave them out */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (tracefs_file_exists(c->inst, "set_event_notrace_pid"))
		tracefs_instance_file_write(c->inst, "set_event_notrace_pid",
					    pid);
	ret = capture_enable_events(c);
	return ret;
}

static void capture_teardown(struct capture *c)
{
	if (!c->inst)
		return;
	tracefs_trace_off(c->inst);
	tracefs_event_disable(c->inst, NULL, NULL);
	if (tracefs_instance_destroy(c->inst) < 0)
		kmb_warn("trace capture: warning: cannot remove the tracefs "
			 "instance %s: %s", tracefs_instance_get_name(c->inst),
			 strerror(errno));
	tracefs_instance_free(c->inst);
	c->inst = NULL;
}

/* Parse "overrun: N" and "dropped events: N" from per_cpu/cpuN/stats. */
static void capture_read_lost(struct capture *c)
{
	c->lost = kmb_xcalloc((size_t)c->nr_cpus, sizeof(*c->lost));
	for (int cpu = 0; cpu < c->nr_cpus; cpu++) {
		char rel[64];
		char *s, *line, *save = NULL;

		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/stats", cpu);
		s = tracefs_instance_file_read(c->inst, rel, NULL);
		if (!s)
			continue;
		for (line = strtok_r(s, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned long long v;

			if (sscanf(line, "overrun: %llu", &v) == 1 ||
			    sscanf(line, "dropped events: %llu", &v) == 1)
				c->lost[cpu] += v;
		}
		free(s);
		c->lost_total += c->lost[cpu];
	}
}

/* ---- the capture loop -------------------------------------------------- */

/*
 * Fork @cmd, held until a byte arrives on *@go_fd.  With the trace going to
 * stdout (@stdout_busy), the command's stdout goes to stderr instead.
 */
static pid_t capture_spawn(char **cmd, int *go_fd, bool stdout_busy)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char b;

		close(p[1]);
		/* wait until tracing is on (EOF = the capture gave up) */
		if (read(p[0], &b, 1) != 1)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (stdout_busy && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(cmd[0], cmd);
		fprintf(stderr, "kmbench: trace capture: cannot run %s: %s\n",
			cmd[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go_fd = p[1];
	return pid;
}

/*
 * Read what trace_pipe has now into the spool, at most @max bytes (on a busy
 * machine the pipe never runs dry; the caller must get to check its stop
 * conditions); 0, -1 on a read error, -2 on a spool write error.
 */
static int capture_drain(struct capture *c, int fd, char *buf, uint64_t max,
			 uint64_t deadline)
{
	for (uint64_t done = 0; done < max;) {
		ssize_t n = read(fd, buf, CAPTURE_READ_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -1;
		}
		if (n == 0)
			return 0;
		for (char *p = buf; (p = memchr(p, '\n', buf + n - p)); p++)
			c->lines++;
		c->bytes += (uint64_t)n;
		done += (uint64_t)n;
		if (fwrite(buf, 1, (size_t)n, c->spool) != (size_t)n)
			return -2;
		if (deadline && kmb_now_ns() >= deadline)
			break;
	}
	return 0;
}

/*
 * --follow: events of the command's process tree only.  The child waits on
 * the go pipe until this is set, so its descendants inherit the filter
 * (event-fork).  Kernel work done for it in other tasks (kworkers, RCU
 * callbacks in softirqs that interrupt other tasks) is left out.
 */
static int capture_follow(struct capture *c)
{
	char pids[4096];
	int n = 0;

	if (c->opt.follow)
		n = snprintf(pids, sizeof(pids), "%ld ", (long)c->child);
	/* set_event_pid takes blank-separated pids */
	for (const char *p = c->opt.pids; p && *p && n < (int)sizeof(pids) - 1;
	     p++)
		pids[n++] = *p == ',' ? ' ' : *p;
	pids[n] = '\0';
	if (tracefs_instance_file_write(c->inst, "options/event-fork",
					"1") < 0 ||
	    tracefs_instance_file_write(c->inst, "set_event_pid", pids) < 0) {
		kmb_warn("trace capture: cannot set set_event_pid (%s) or "
			 "options/event-fork: %s", pids, strerror(errno));
		return -1;
	}
	return 0;
}

/* Once a second, on a terminal only: how long and how much so far. */
static void capture_progress(struct capture *c, struct capture_raw *raw,
			     uint64_t t0, uint64_t *shown)
{
	uint64_t now = kmb_now_ns();
	uint64_t bytes = raw ? capture_raw_spooled(raw) : c->bytes;

	if (c->opt.quiet || now - t0 < (*shown + 1) * 1000000000ull ||
	    !isatty(STDERR_FILENO))
		return;
	*shown = (now - t0) / 1000000000ull;
	fprintf(stderr, "\r%s: trace capture: %llu s, %.1f MiB %s (Ctrl-C "
		"stops)  ", kmb_progname, (unsigned long long)*shown,
		(double)bytes / (1 << 20), raw ? "of pages" : "of text");
}

static int capture_run(struct capture *c)
{
	struct sigaction sa = { .sa_handler = capture_on_signal };
	struct sigaction old_int, old_term;
	char *buf = kmb_xmalloc(CAPTURE_READ_CHUNK);
	struct capture_raw *raw = NULL;
	uint64_t shown = 0;
	int fd, go_fd = -1, ret = 0;
	uint64_t t0, deadline = 0;
	time_t now;
	struct tm tm;

	if (c->opt.raw) {
		raw = capture_raw_open(c->inst, c->nr_cpus);
		fd = raw ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
	} else {
		fd = tracefs_instance_file_open(c->inst, "trace_pipe",
						O_RDONLY | O_NONBLOCK);
	}
	if (fd < 0) {
		capture_raw_close(raw);
		kmb_warn("trace capture: cannot open %s: %s",
			 c->opt.raw ? "trace_pipe_raw" : "trace_pipe",
			 strerror(errno));
		free(buf);
		return KMB_EX_UNAVAILABLE;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	capture_stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (c->opt.cmd) {
		c->child = capture_spawn(c->opt.cmd, &go_fd,
					 !strcmp(c->opt.output, "-"));
		if (c->child < 0) {
			kmb_warn("trace capture: cannot start %s: %s",
				 c->opt.cmd[0], strerror(errno));
			ret = KMB_EX_SOFTWARE;
			goto out;
		}
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(c->start_time, sizeof(c->start_time), "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
	t0 = kmb_now_ns();
	if (c->opt.duration > 0)
		deadline = t0 + (uint64_t)(c->opt.duration * 1e9);
	if ((c->opt.follow || c->opt.pids) && capture_follow(c) < 0) {
		ret = KMB_EX_UNAVAILABLE;
		goto out;
	}
	if (tracefs_trace_on(c->inst) < 0) {
		kmb_warn("trace capture: cannot turn tracing on: %s",
			 strerror(errno));
		ret = KMB_EX_UNAVAILABLE;
		goto out;
	}
	if (go_fd >= 0) {
		if (write(go_fd, "g", 1) != 1)
			kmb_warn("trace capture: cannot start the command");
		close(go_fd);
		go_fd = -1;
	}

	while (!capture_stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int status;

		if (raw) {
			poll(NULL, 0, CAPTURE_POLL_MS / 2);
			ret = capture_raw_drain(raw, CAPTURE_DRAIN_MAX,
						deadline, 0);
		} else {
			poll(&pfd, 1, CAPTURE_POLL_MS);
			ret = capture_drain(c, fd, buf, CAPTURE_DRAIN_MAX,
					    deadline);
		}
		if (ret)
			break;
		if (c->child > 0 &&
		    waitpid(c->child, &status, WNOHANG) == c->child) {
			c->child_status = status;
			c->child = 0;
			break;
		}
		if (deadline && kmb_now_ns() >= deadline)
			break;
		capture_progress(c, raw, t0, &shown);
	}
	tracefs_trace_off(c->inst);
	c->wall_s = (double)(kmb_now_ns() - t0) / 1e9;
	if (shown)
		fputc('\n', stderr);
	if (!ret && raw) {	/* full pages, then the partial ones */
		ret = capture_raw_drain(raw, UINT64_MAX, 0, 0);
		if (!ret)
			ret = capture_raw_drain(raw, UINT64_MAX, 0, 1);
		if (!ret && capture_raw_format(raw, c->spool, &c->lines,
					       &c->bytes) < 0)
			ret = KMB_EX_SOFTWARE;
	} else if (!ret) {	/* tracing is off: this ends */
		ret = capture_drain(c, fd, buf, UINT64_MAX, 0);
	}
	if (ret == -1) {
		kmb_warn("trace capture: reading %s failed: %s",
			 raw ? "trace_pipe_raw" : "trace_pipe",
			 strerror(errno));
		ret = KMB_EX_SOFTWARE;
	} else if (ret == -2) {
		kmb_warn("trace capture: cannot write the spool file: %s",
			 strerror(errno));
		ret = KMB_EX_IOERR;
	}
out:
	if (go_fd >= 0)
		close(go_fd);	/* the child sees EOF and exits */
	if (c->child > 0) {
		int status;

		if (capture_stop || ret)
			kill(c->child, capture_stop ? capture_stop : SIGTERM);
		if (waitpid(c->child, &status, 0) == c->child)
			c->child_status = status;
		c->child = 0;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	close(fd);
	capture_raw_close(raw);
	free(buf);
	return ret;
}

/* ---- output ------------------------------------------------------------ */

struct capture_out {
	FILE *fp;
#if HAVE_ZSTD
	ZSTD_CCtx *zc;
	void *zbuf;
	size_t zcap;
#endif
	bool failed;
};

static void capture_out_write(struct capture_out *o, const void *p, size_t n,
			      bool end)
{
#if HAVE_ZSTD
	if (o->zc) {
		ZSTD_inBuffer in = { p, n, 0 };
		ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
		size_t left;

		do {
			ZSTD_outBuffer out = { o->zbuf, o->zcap, 0 };

			left = ZSTD_compressStream2(o->zc, &out, &in, mode);
			if (ZSTD_isError(left)) {
				kmb_warn("trace capture: zstd: %s",
					 ZSTD_getErrorName(left));
				o->failed = true;
				return;
			}
			if (fwrite(o->zbuf, 1, out.pos, o->fp) != out.pos)
				o->failed = true;
		} while (end ? left != 0 : in.pos < in.size);
		return;
	}
#endif
	if (n && fwrite(p, 1, n, o->fp) != n)
		o->failed = true;
}

static void capture_meta(struct capture_out *o, const char *key,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void capture_meta(struct capture_out *o, const char *key,
			 const char *fmt, ...)
{
	char line[4096];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), KMT_META_PREFIX "%s=", key);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	/* one line per key: no newlines inside a value */
	for (int i = (int)strlen(KMT_META_PREFIX); i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	capture_out_write(o, line, (size_t)n, false);
}

static void capture_write_meta(struct capture *c, struct capture_out *o)
{
	struct utsname u;
	char host[256] = "unknown", cmd[2048] = "";
	size_t n = 0;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	for (char **a = c->opt.cmd; a && *a && n < sizeof(cmd) - 1; a++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s",
				      n ? " " : "", *a);
	if (n >= sizeof(cmd))
		n = sizeof(cmd) - 1;

	capture_meta(o, "format", "ftrace-text");
	capture_meta(o, "tool", "kmbench %s trace capture", KMBENCH_VERSION);
	capture_meta(o, "kernel", "%s", u.release);
	capture_meta(o, "machine", "%s", u.machine);
	capture_meta(o, "cpus", "%d", c->nr_cpus);
	capture_meta(o, "page_size", "%ld", sysconf(_SC_PAGESIZE));
	capture_meta(o, "hostname", "%s", host);
	capture_meta(o, "events", "%s", c->enabled);
	capture_meta(o, "start_time", "%s", c->start_time);
	capture_meta(o, "duration_s", "%.3f", c->wall_s);
	capture_meta(o, "hashed_ptrs", "%s", c->hashed ? "yes" : "no");
	if (!c->hash_known)
		capture_meta(o, "hashed_ptrs_note", "%s",
			     "this kernel has no hash-ptr trace option");
	capture_meta(o, "trace_clock", "local");
	capture_meta(o, "reader", "%s", c->opt.raw ?
		     "trace_pipe_raw, formatted by libtraceevent" :
		     "trace_pipe (the kernel's text)");
	capture_meta(o, "buffer_kb_per_cpu", "%llu",
		     (unsigned long long)c->opt.buffer_kb);
	capture_meta(o, "excluded_pids", "%ld (the capture itself)",
		     (long)getpid());
	if (c->opt.pids)
		capture_meta(o, "filter", "the process trees of pids %s%s "
			     "(set_event_pid, event-fork)", c->opt.pids,
			     c->opt.follow ? " and of the command" : "");
	else
		capture_meta(o, "filter", "%s", c->opt.follow ?
			     "the command's process tree (set_event_pid, "
			     "event-fork)" : "none (system-wide)");
	capture_meta(o, "event_lines", "%llu", (unsigned long long)c->lines);
	capture_meta(o, "lost_events", "%llu",
		     (unsigned long long)c->lost_total);
	for (int cpu = 0; cpu < c->nr_cpus; cpu++) {
		char key[32];

		snprintf(key, sizeof(key), "lost_events_cpu%d", cpu);
		capture_meta(o, key, "%llu", (unsigned long long)c->lost[cpu]);
	}
	capture_meta(o, "command", "%.*s", (int)n, cmd);
	if (c->child_status >= 0) {
		if (WIFEXITED(c->child_status))
			capture_meta(o, "command_exit", "%d",
				     WEXITSTATUS(c->child_status));
		else if (WIFSIGNALED(c->child_status))
			capture_meta(o, "command_exit", "signal %d",
				     WTERMSIG(c->child_status));
	}
}

static bool capture_is_zst(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".zst");
}

/* Open the output before capturing, so a bad path fails at once. */
static int capture_open_output(struct capture *c)
{
	int ret;

	if (!strcmp(c->opt.output, "-"))
		return 0;
	ret = kmb_atomic_open(&c->af, c->opt.output);
	if (ret < 0) {
		kmb_warn("trace capture: cannot write %s: %s", c->opt.output,
			 strerror(-ret));
		return KMB_EX_IOERR;
	}
	return 0;
}

static int capture_write(struct capture *c)
{
	struct kmb_atomic_file *af = &c->af;
	struct capture_out o = { 0 };
	bool to_stdout = !strcmp(c->opt.output, "-");
	char *buf;
	size_t n;
	int ret;

	o.fp = to_stdout ? stdout : af->fp;
#if HAVE_ZSTD
	if (!to_stdout && capture_is_zst(c->opt.output)) {
		o.zc = ZSTD_createCCtx();
		o.zcap = ZSTD_CStreamOutSize();
		o.zbuf = kmb_xmalloc(o.zcap);
		ZSTD_CCtx_setParameter(o.zc, ZSTD_c_compressionLevel,
				       c->opt.zstd_level);
		ZSTD_CCtx_setParameter(o.zc, ZSTD_c_checksumFlag, 1);
		ZSTD_CCtx_setPledgedSrcSize(o.zc, ZSTD_CONTENTSIZE_UNKNOWN);
	}
#endif
	capture_write_meta(c, &o);
	buf = kmb_xmalloc(CAPTURE_READ_CHUNK);
	rewind(c->spool);
	while ((n = fread(buf, 1, CAPTURE_READ_CHUNK, c->spool)) > 0)
		capture_out_write(&o, buf, n, false);
	if (ferror(c->spool))
		o.failed = true;
	capture_out_write(&o, "", 0, true);
	free(buf);
#if HAVE_ZSTD
	ZSTD_freeCCtx(o.zc);
	free(o.zbuf);
#endif
	if (to_stdout) {
		if (fflush(stdout) != 0 || o.failed) {
			kmb_warn("trace capture: cannot write to stdout");
			return KMB_EX_IOERR;
		}
		return 0;
	}
	if (o.failed) {
		kmb_atomic_abort(af);
		kmb_warn("trace capture: cannot write %s", c->opt.output);
		return KMB_EX_IOERR;
	}
	ret = kmb_atomic_commit(af);
	if (ret < 0) {
		kmb_warn("trace capture: cannot write %s: %s", c->opt.output,
			 strerror(-ret));
		return KMB_EX_IOERR;
	}
	return 0;
}

static void capture_report(struct capture *c)
{
	if (c->lost_total) {
		kmb_warn("trace capture: WARNING: %llu events were LOST "
			 "(ring buffer full); the trace is incomplete:",
			 (unsigned long long)c->lost_total);
		for (int cpu = 0; cpu < c->nr_cpus; cpu++)
			if (c->lost[cpu])
				kmb_warn("trace capture:   CPU %d lost %llu "
					 "events", cpu,
					 (unsigned long long)c->lost[cpu]);
		kmb_warn("trace capture: %s, a larger --buffer-kb or fewer "
			 "events may help", c->opt.raw ? "--follow" : "--raw");
	}
	if (!c->opt.quiet)
		kmb_warn("trace capture: %llu lines (%.1f MiB of text) in "
			 "%.2f s, %llu events lost -> %s",
			 (unsigned long long)c->lines,
			 (double)c->bytes / (1 << 20), c->wall_s,
			 (unsigned long long)c->lost_total,
			 strcmp(c->opt.output, "-") ? c->opt.output
						    : "stdout");
	if (c->child_status >= 0 && WIFEXITED(c->child_status) &&
	    WEXITSTATUS(c->child_status) != 0)
		kmb_warn("trace capture: note: the command exited with "
			 "status %d", WEXITSTATUS(c->child_status));
}

int trace_capture_main(int argc, char **argv)
{
	struct capture c = { .child_status = -1 };
	int ret;

	ret = capture_parse(argc, argv, &c.opt);
	if (ret)
		return ret < 0 ? KMB_EX_OK : ret;
	if (capture_is_zst(c.opt.output) && !HAVE_ZSTD) {
		kmb_warn("trace capture: kmbench was built without libzstd: "
			 "install libzstd-dev and rebuild, or drop the .zst "
			 "suffix");
		return KMB_EX_UNAVAILABLE;
	}
	if (c.opt.cmd && !capture_cmd_exists(c.opt.cmd[0])) {
		kmb_warn("trace capture: command not found: %s",
			 c.opt.cmd[0]);
		return KMB_EX_USAGE;
	}
	ret = capture_check_access();
	if (ret)
		return ret;
	c.nr_cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (c.nr_cpus < 1)
		c.nr_cpus = 1;
	c.spool = tmpfile();
	if (!c.spool) {
		kmb_warn("trace capture: cannot create a spool file in the "
			 "temporary directory: %s", strerror(errno));
		return KMB_EX_IOERR;
	}
	ret = capture_open_output(&c);
	if (ret) {
		fclose(c.spool);
		return ret;
	}
	/* the command inherits neither */
	fcntl(fileno(c.spool), F_SETFD, FD_CLOEXEC);
	if (c.af.fp)
		fcntl(fileno(c.af.fp), F_SETFD, FD_CLOEXEC);
	ret = capture_setup(&c);
	if (!ret)
		ret = capture_run(&c);
	if (c.inst)
		capture_read_lost(&c);
	capture_teardown(&c);
	if (!ret) {
		ret = capture_write(&c);
		if (!ret)
			capture_report(&c);
	} else if (c.af.fp) {
		kmb_atomic_abort(&c.af);
	}
	fclose(c.spool);
	free(c.lost);
	free(c.enabled);
	return ret;
}

#endif /* HAVE_TRACEFS */
