// SPDX-License-Identifier: GPL-2.0
/*
 * bench/matrix.c - the matrix runner (see matrix.h).
 *
 * A cell's life: fork; the child (killed with us: PR_SET_PDEATHSIG) runs
 * `PROG replay TRACE --alloc A --threads MODE --json` with stdout and stderr
 * on pipes; the parent reads both until exit or the timeout (then SIGKILL),
 * keeps the JSON and the last few KiB of stderr, writes the cell's JSON
 * file atomically, then commits the cell to the database in one
 * transaction.  A crash, timeout or bad JSON is a failed cell, not a failed
 * matrix.  After a SIGKILL of the runner, --resume finds every committed
 * cell and runs the rest; a cell whose file was written but whose
 * transaction did not commit simply runs again.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/perf_event.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "config.h"
#include "json.h"
#include "jsonr.h"
#include "matrix.h"
#include "results.h"
#include "util.h"

#define STDERR_TAIL 4096

const char *matrix_trace_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const char *const *matrix_default_allocators(void)
{
	static const char *list[8];
	size_t n = 0;

	if (list[0])
		return list;
	list[n++] = "kmm";
	list[n++] = "glibc";
	for (int i = 0; i < BASELINE_NR; i++)
		if (strcmp(baseline_names[i], "glibc") &&
		    baseline_available(baseline_names[i]))
			list[n++] = baseline_names[i];
	list[n] = NULL;
	return list;
}

/* A child process's output and end */
struct child_result {
	char *out;		/* stdout, NUL-terminated */
	size_t outlen;
	char err[STDERR_TAIL + 1];	/* last bytes of stderr */
	size_t errlen;
	int status;		/* waitpid status */
	bool timed_out;
	double wall_s;
};

/* Environment */

/* First line of @path without its newline, or NULL. */
static char *read_line(const char *path)
{
	char buf[512];
	FILE *fp = fopen(path, "r");
	char *r = NULL;

	if (!fp)
		return NULL;
	if (fgets(buf, sizeof(buf), fp)) {
		buf[strcspn(buf, "\n")] = '\0';
		r = kmb_xstrdup(buf);
	}
	fclose(fp);
	return r;
}

/* Output of a shell command (stdout, trailing newlines cut), or NULL. */
static char *command_output(const char *cmd)
{
	FILE *fp = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[1024];

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		buf = kmb_xrealloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	if (pclose(fp) != 0 || !buf) {
		free(buf);
		return NULL;
	}
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

static char *cpu_model(void)
{
	char line[512];
	FILE *fp = fopen("/proc/cpuinfo", "r");
	char *r = NULL;

	if (!fp)
		return NULL;
	while (!r && fgets(line, sizeof(line), fp)) {
		char *colon = strchr(line, ':');

		if (colon && !strncmp(line, "model name", 10)) {
			colon += 1 + (colon[1] == ' ');
			colon[strcspn(colon, "\n")] = '\0';
			r = kmb_xstrdup(colon);
		}
	}
	fclose(fp);
	return r;
}

/* "available", or "unavailable: <reason>" (static). */
static const char *hw_counters(void)
{
	static char msg[128];
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_HARDWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "unavailable: %s", strerror(errno));
		return msg;
	}
	close((int)fd);
	return "available";
}

static void kv_owned(struct json_writer *w, const char *k, char *v)
{
	json_kv_string(w, k, v);
	free(v);
}

static void env_libraries(struct json_writer *w)
{
	char *out = command_output("dpkg-query -W -f '${Package} ${Version}\\n'"
				   " libc6 'libjemalloc*' 'libtcmalloc*'"
				   " 'libgoogle-perftools*' 'libmimalloc*'"
				   " 'libsqlite3-0' 2>/dev/null");
	char *line, *save = NULL;

	json_key(w, "libraries");
	json_object_begin(w);
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp || !sp[1])
			continue;	/* known to dpkg, not installed */
		*sp = '\0';
		json_kv_string(w, line, sp + 1);
	}
	json_object_end(w);
	free(out);
}

static int run_child(char *const argv[], double timeout_s, int cpu,
		     struct child_result *r);

/* The program that replays the cells, and its build (its --version). */
static void env_replay(struct json_writer *w, const char *prog)
{
	char *argv[] = { (char *)prog, "--version", NULL };
	struct child_result r;

	json_kv_string(w, "replay_program", prog);
	if (run_child(argv, 30, -1, &r))
		return;
	r.out[strcspn(r.out, "\n")] = '\0';
	if (WIFEXITED(r.status) && !WEXITSTATUS(r.status) && *r.out)
		json_kv_string(w, "replay_build", r.out);
	free(r.out);
}

char *matrix_env_json(const char *replay_prog)
{
	struct json_writer w;
	struct utsname u;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	char *rev, *dirty;

	if (!fp)
		kmb_die(KMB_EX_SOFTWARE, "open_memstream: %s", strerror(errno));
	json_init(&w, fp, true);
	json_object_begin(&w);
	if (uname(&u) == 0) {
		json_kv_string(&w, "kernel", u.release);
		json_kv_string(&w, "machine", u.machine);
		json_kv_string(&w, "host", u.nodename);
	}
	kv_owned(&w, "cpu_model", cpu_model());
	json_kv_int(&w, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	kv_owned(&w, "governor", read_line("/sys/devices/system/cpu/cpu0/"
					  "cpufreq/scaling_governor"));
	kv_owned(&w, "thp", read_line("/sys/kernel/mm/transparent_hugepage/"
				      "enabled"));
	json_kv_string(&w, "hardware_counters", hw_counters());
	json_key(&w, "build");
	json_object_begin(&w);
	json_kv_string(&w, "compiler", KMBENCH_CC);
	json_kv_string(&w, "buildtype", KMBENCH_BUILD_TYPE);
	json_kv_bool(&w, "lto", KMBENCH_LTO);
	json_kv_bool(&w, "native", KMBENCH_NATIVE);
	json_kv_string(&w, "pgo", KMBENCH_PGO);
	json_kv_string(&w, "sanitize", KMBENCH_SANITIZE);
	json_kv_string(&w, "version", KMBENCH_VERSION);
	rev = command_output("git -C '" KMBENCH_SOURCE_ROOT "' rev-parse"
			     " --short=12 HEAD 2>/dev/null");
	dirty = command_output("git -C '" KMBENCH_SOURCE_ROOT "' status"
			       " --porcelain --untracked-files=no"
			       " 2>/dev/null");
	if (rev && dirty && *dirty) {
		rev = kmb_xrealloc(rev, strlen(rev) + 8);
		strcat(rev, "-dirty");
	}
	free(dirty);
	kv_owned(&w, "git", rev);
	json_object_end(&w);
	env_libraries(&w);
	if (replay_prog)
		env_replay(&w, replay_prog);
	json_object_end(&w);
	json_finish(&w);
	fclose(fp);
	return buf;
}

/* Configuration as JSON */

static void write_list(struct json_writer *w, const char *key, char **v,
		       size_t n)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		json_string(w, v[i]);
	json_array_end(w);
}

char *matrix_config_json(const struct matrix_config *cfg)
{
	struct json_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		kmb_die(KMB_EX_SOFTWARE, "open_memstream: %s", strerror(errno));
	json_init(&w, fp, false);
	json_object_begin(&w);
	write_list(&w, "traces", cfg->traces, cfg->ntraces);
	write_list(&w, "allocators", cfg->allocators, cfg->nallocators);
	write_list(&w, "modes", cfg->modes, cfg->nmodes);
	json_kv_int(&w, "reps", cfg->reps);
	json_kv_int(&w, "warmup", cfg->warmup);
	json_kv_double(&w, "timeout_s", cfg->timeout_s);
	json_kv_int(&w, "shard_i", cfg->shard_i);
	json_kv_int(&w, "shard_n", cfg->shard_n);
	json_kv_bool(&w, "hyperfine", cfg->hyperfine);
	json_kv_int(&w, "timeline", cfg->timeline);
	json_kv_string(&w, "touch", cfg->touch);
	json_object_end(&w);
	json_finish(&w);
	fclose(fp);
	return buf;
}

static int read_list(const struct jv *doc, const char *key, char ***v,
		     size_t *n)
{
	const struct jv *a = jv_get(doc, key);

	if (!a || a->type != JV_ARR)
		return -1;
	*v = kmb_xcalloc(a->n + 1, sizeof(**v));
	*n = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->items[i]->type != JV_STR)
			return -1;
		(*v)[(*n)++] = kmb_xstrdup(a->items[i]->str);
	}
	return 0;
}

int matrix_config_parse(const char *json, struct matrix_config *cfg)
{
	char err[128];
	struct jv *doc = jv_parse(json, strlen(json), err, sizeof(err));
	int ret = -1;

	if (!doc)
		return -1;
	if (read_list(doc, "traces", &cfg->traces, &cfg->ntraces) ||
	    read_list(doc, "allocators", &cfg->allocators,
		      &cfg->nallocators) ||
	    read_list(doc, "modes", &cfg->modes, &cfg->nmodes))
		goto out;
	cfg->reps = (int)jv_num(jv_get(doc, "reps"), 0);
	cfg->warmup = (int)jv_num(jv_get(doc, "warmup"), 0);
	cfg->timeout_s = jv_num(jv_get(doc, "timeout_s"), 600);
	cfg->shard_i = (int)jv_num(jv_get(doc, "shard_i"), 1);
	cfg->shard_n = (int)jv_num(jv_get(doc, "shard_n"), 1);
	cfg->hyperfine = jv_get(doc, "hyperfine") &&
			 jv_get(doc, "hyperfine")->b;
	cfg->timeline = (int)jv_num(jv_get(doc, "timeline"), 0);
	if (jv_str(jv_get(doc, "touch"), NULL))
		cfg->touch = kmb_xstrdup(jv_str(jv_get(doc, "touch"), NULL));
	ret = cfg->reps > 0 && cfg->shard_n > 0 ? 0 : -1;
out:
	jv_free(doc);
	return ret;
}

static void free_list(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void matrix_config_free(struct matrix_config *cfg)
{
	free_list(cfg->traces, cfg->ntraces);
	free_list(cfg->allocators, cfg->nallocators);
	free_list(cfg->modes, cfg->nmodes);
	free(cfg->out);
	free(cfg->touch);
	free(cfg->replay_prog);
	memset(cfg, 0, sizeof(*cfg));
}

int matrix_spawn(char *const argv[], const char *log)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

			if (fd < 0)
				_exit(127);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One child process */


static void keep_tail(struct child_result *r, const char *buf, size_t n)
{
	if (n >= STDERR_TAIL) {
		memcpy(r->err, buf + n - STDERR_TAIL, STDERR_TAIL);
		r->errlen = STDERR_TAIL;
	} else {
		size_t keep = r->errlen + n > STDERR_TAIL ?
			      STDERR_TAIL - n : r->errlen;

		memmove(r->err, r->err + r->errlen - keep, keep);
		memcpy(r->err + keep, buf, n);
		r->errlen = keep + n;
	}
	r->err[r->errlen] = '\0';
}

static void child_exec(char *const argv[], int outfd, int errfd, int cpu)
{
	setpgid(0, 0);	/* a timeout kills the cell's whole group */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(127);
	dup2(outfd, STDOUT_FILENO);
	dup2(errfd, STDERR_FILENO);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	execv(argv[0], argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Read both pipes until EOF on both; false when the deadline passed. */
static bool drain(struct child_result *r, int outfd, int errfd,
		  uint64_t deadline)
{
	struct pollfd pfd[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	size_t cap = 0;
	char buf[8192];

	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		uint64_t now = kmb_now_ns();
		int ms;

		if (now >= deadline)
			return false;
		ms = (int)((deadline - now) / 1000000) + 1;
		if (poll(pfd, 2, ms) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				pfd[i].fd = -1;
				continue;
			}
			if (i == 1) {
				keep_tail(r, buf, (size_t)n);
				continue;
			}
			if (r->outlen + (size_t)n + 1 > cap) {
				cap = (r->outlen + (size_t)n + 1) * 2;
				r->out = kmb_xrealloc(r->out, cap);
			}
			memcpy(r->out + r->outlen, buf, (size_t)n);
			r->outlen += (size_t)n;
			r->out[r->outlen] = '\0';
		}
	}
	return true;
}

static int run_child(char *const argv[], double timeout_s, int cpu,
		     struct child_result *r)
{
	int outp[2], errp[2];
	uint64_t t0 = kmb_now_ns();
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		kmb_warn("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		kmb_warn("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_exec(argv, outp[1], errp[1], cpu);
	setpgid(pid, pid);
	close(outp[1]);
	close(errp[1]);
	if (!drain(r, outp[0], errp[0], t0 + (uint64_t)(timeout_s * 1e9))) {
		r->timed_out = true;
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	close(outp[0]);
	close(errp[0]);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
	r->wall_s = (double)(kmb_now_ns() - t0) / 1e9;
	if (!r->out)
		r->out = kmb_xstrdup("");
	return 0;
}

/* The matrix */

struct cell {
	size_t trace, alloc, mode;
	int rep;
};

struct runner {
	struct matrix_config *cfg;
	struct res_db *db;
	int64_t run_id;
	bool tty;
	size_t done, total, failed;
	uint64_t t0;
	int pin_cpu;
};

/*
 * replay --timeline N for @cfg->timeline samples along @trace: N from the
 * trace's size (about 4 bytes per event in .kmt, 80 per line of text).
 */
static unsigned long timeline_every(const struct matrix_config *cfg,
				    const char *trace)
{
	struct stat st;
	const char *dot = strrchr(trace, '.');
	double per = dot && strstr(dot, "kmt") ? 4 : 80;
	double events;

	if (stat(trace, &st) || !S_ISREG(st.st_mode))
		return 1000;
	if (strstr(trace, ".kmt.") || strstr(trace, ".zst") ||
	    strstr(trace, ".gz"))
		per /= 4;	/* compressed */
	events = (double)st.st_size / per;
	return events / cfg->timeline > 1 ?
	       (unsigned long)(events / cfg->timeline) : 1;
}

static void replay_argv(struct runner *rn, const struct cell *c, char **argv,
			char *tl, size_t tlen)
{
	int n = 0;

	argv[n++] = rn->cfg->replay_prog;
	argv[n++] = "replay";
	argv[n++] = rn->cfg->traces[c->trace];
	argv[n++] = "--alloc";
	argv[n++] = rn->cfg->allocators[c->alloc];
	argv[n++] = "--threads";
	argv[n++] = rn->cfg->modes[c->mode];
	if (rn->cfg->timeline > 0) {
		snprintf(tl, tlen, "%lu", timeline_every(rn->cfg,
			 rn->cfg->traces[c->trace]));
		argv[n++] = "--timeline";
		argv[n++] = tl;
	}
	if (rn->cfg->touch) {
		argv[n++] = "--touch";
		argv[n++] = rn->cfg->touch;
	}
	argv[n++] = "--json";
	argv[n] = NULL;
}

/* CPU to pin single-threaded replays to: the last one we may use. */
static int pick_cpu(void)
{
	cpu_set_t set;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	return CPU_COUNT(&set) > 1 ? cpu : -1;
}

static int cell_cpu(struct runner *rn, const struct cell *c)
{
	return strcmp(rn->cfg->modes[c->mode], "1") ? -1 : rn->pin_cpu;
}

/* Shell-quote @argv into one command line for hyperfine. */
static char *shell_join(char *const *argv)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; argv[i]; i++)
		len += strlen(argv[i]) * 4 + 3;
	s = p = kmb_xmalloc(len);
	for (int i = 0; argv[i]; i++) {
		if (i)
			*p++ = ' ';
		*p++ = '\'';
		for (const char *q = argv[i]; *q; q++) {
			if (*q == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *q;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		buf = kmb_xrealloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	fclose(fp);
	return buf;
}

/* hyperfine's JSON for the whole replay command, or NULL. */
static char *hyperfine_cell(struct runner *rn, char *const *argv)
{
	char tmp[4096], *cmd = shell_join(argv), *json;
	char *hf[] = { "/usr/bin/env", "hyperfine", "-N", "--runs", "3",
		       "--style", "none", "--export-json", tmp, "--", cmd,
		       NULL };
	struct child_result r;

	snprintf(tmp, sizeof(tmp), "%s/hyperfine.tmp.json", rn->cfg->out);
	if (run_child(hf, rn->cfg->timeout_s * 4, -1, &r)) {
		free(cmd);
		return NULL;
	}
	json = WIFEXITED(r.status) && !WEXITSTATUS(r.status) ?
	       read_file(tmp) : NULL;
	if (!json)
		kmb_warn("hyperfine failed: %s", r.err);
	unlink(tmp);
	free(r.out);
	free(cmd);
	return json;
}

static void cell_file_name(char *buf, size_t len, const char *dir,
			   const char *key)
{
	size_t n = (size_t)snprintf(buf, len, "%s/cells/", dir);

	for (const char *k = key; *k && n + 6 < len; k++) {
		char ch = *k;

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && ch != '.' && ch != '-')
			ch = '_';
		buf[n++] = ch;
	}
	snprintf(buf + n, len - n, ".json");
}

/* The cell's record for its JSON file: the replay's JSON when it ran. */
static int write_cell_file(struct runner *rn, const char *key,
			   const struct res_cell *rc)
{
	char path[4096];
	struct kmb_atomic_file af;
	struct json_writer w;
	int ret;

	cell_file_name(path, sizeof(path), rn->cfg->out, key);
	if (rc->json && !strcmp(rc->status, RES_OK))
		ret = kmb_write_file_atomic(path, rc->json, strlen(rc->json));
	else if (!(ret = kmb_atomic_open(&af, path))) {
		json_init(&w, af.fp, true);
		json_object_begin(&w);
		json_kv_string(&w, "status", rc->status);
		json_kv_int(&w, "exit_code", rc->exit_code);
		json_kv_double(&w, "wall_s", rc->wall_s);
		json_kv_string(&w, "stderr_tail", rc->stderr_tail);
		json_object_end(&w);
		json_finish(&w);
		ret = kmb_atomic_commit(&af);
	}
	if (ret)
		kmb_warn("%s: %s", path, strerror(-ret));
	return ret;
}

static void progress(struct runner *rn, const struct cell *c,
		     const char *status, double wall_s)
{
	const struct matrix_config *cfg = rn->cfg;
	double el = (double)(kmb_now_ns() - rn->t0) / 1e9;
	double eta = rn->done ? el / (double)rn->done *
			 (double)(rn->total - rn->done) : NAN;
	const char *trace = matrix_trace_name(cfg->traces[c->trace]);
	char etas[32] = "?";

	if (isfinite(eta))
		snprintf(etas, sizeof(etas), "%dm%02ds", (int)eta / 60,
			 (int)eta % 60);
	if (!rn->tty) {
		fprintf(stderr, "matrix: [%zu/%zu] %s %s %s rep %d: %s"
			" (%.2f s)\n", rn->done, rn->total, trace,
			cfg->allocators[c->alloc], cfg->modes[c->mode],
			c->rep + 1, status, wall_s);
		return;
	}
	{
		int width = 24, fill = rn->total ?
			(int)((double)width * (double)rn->done /
			      (double)rn->total) : width;

		fprintf(stderr, "\r\033[K[%.*s%.*s] %zu/%zu ETA %s  %.30s %s"
			" %s #%d", fill, "########################",
			width - fill, "........................", rn->done,
			rn->total, etas, trace, cfg->allocators[c->alloc],
			cfg->modes[c->mode], c->rep + 1);
		if (rn->done == rn->total)
			fputc('\n', stderr);
	}
}

/* The last non-empty line of @s (in place). */
static const char *last_line(char *s)
{
	size_t n = strlen(s);
	char *nl;

	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	nl = strrchr(s, '\n');
	return nl ? nl + 1 : s;
}

static int run_cell(struct runner *rn, const struct cell *c)
{
	const struct matrix_config *cfg = rn->cfg;
	struct res_cell rc = { 0 };
	struct child_result r;
	char *argv[14], key[1024], err[160], tl[32];
	const char *trace = matrix_trace_name(cfg->traces[c->trace]);
	struct jv *doc = NULL;
	char *hf = NULL;
	int ret;

	replay_argv(rn, c, argv, tl, sizeof(tl));
	res_cell_key(key, sizeof(key), trace, cfg->allocators[c->alloc],
		     cfg->modes[c->mode], c->rep);
	if (run_child(argv, cfg->timeout_s, cell_cpu(rn, c), &r))
		return KMB_EX_SOFTWARE;
	rc.trace = trace;
	rc.allocator = cfg->allocators[c->alloc];
	rc.mode = cfg->modes[c->mode];
	rc.rep = c->rep;
	rc.wall_s = r.wall_s;
	rc.pinned_cpu = cell_cpu(rn, c);
	rc.stderr_tail = r.err;
	if (r.timed_out) {
		rc.status = RES_TIMEOUT;
		rc.exit_code = SIGKILL;
	} else if (WIFSIGNALED(r.status)) {
		rc.status = RES_CRASHED;
		rc.exit_code = WTERMSIG(r.status);
	} else if (WEXITSTATUS(r.status)) {
		rc.status = RES_FAILED;
		rc.exit_code = WEXITSTATUS(r.status);
	} else {
		doc = jv_parse(r.out, r.outlen, err, sizeof(err));
		if (!doc || doc->type != JV_OBJ || !jv_get(doc, "schema")) {
			rc.status = RES_BADJSON;
			const char *why = doc ? "no \"schema\" key" : err;
			const char *msg = "\nreplay printed no replay JSON: ";

			keep_tail(&r, msg, strlen(msg));
			keep_tail(&r, why, strlen(why));
			jv_free(doc);
			doc = NULL;
		} else {
			rc.status = RES_OK;
			rc.json = r.out;
		}
	}
	if (doc && cfg->hyperfine)
		hf = hyperfine_cell(rn, argv);
	rc.hyperfine_json = hf;
	ret = write_cell_file(rn, key, &rc);
	if (!ret)
		ret = res_cell_store(rn->db, rn->run_id, &rc, doc);
	rn->done++;
	if (strcmp(rc.status, RES_OK)) {
		rn->failed++;
		fprintf(stderr, "%smatrix: cell %s %s: %s\n",
			rn->tty ? "\r\033[K" : "", key, rc.status,
			last_line(r.err));
	}
	progress(rn, c, rc.status, rc.wall_s);
	jv_free(doc);
	free(hf);
	free(r.out);
	return ret ? KMB_EX_IOERR : 0;
}

static void run_warmups(struct runner *rn, const struct cell *c)
{
	struct child_result r;
	char *argv[14], tl[32];

	for (int i = 0; i < rn->cfg->warmup; i++) {
		replay_argv(rn, c, argv, tl, sizeof(tl));
		if (run_child(argv, rn->cfg->timeout_s, cell_cpu(rn, c), &r))
			return;
		free(r.out);
	}
}

/* Every cell in matrix order; @n gets the count. */
static struct cell *enumerate(const struct matrix_config *cfg, size_t *n)
{
	size_t total = (size_t)cfg->reps * cfg->ntraces * cfg->nmodes *
		       cfg->nallocators, k = 0;
	struct cell *v = kmb_xcalloc(total ? total : 1, sizeof(*v));

	for (int rep = 0; rep < cfg->reps; rep++)
		for (size_t t = 0; t < cfg->ntraces; t++)
			for (size_t m = 0; m < cfg->nmodes; m++)
				for (size_t a = 0; a < cfg->nallocators; a++)
					v[k++] = (struct cell){ t, a, m, rep };
	*n = total;
	return v;
}

static bool cell_pending(struct runner *rn, const struct cell *c)
{
	const struct matrix_config *cfg = rn->cfg;
	char key[1024];

	res_cell_key(key, sizeof(key), matrix_trace_name(cfg->traces[c->trace]),
		     cfg->allocators[c->alloc], cfg->modes[c->mode], c->rep);
	return !res_cell_done(rn->db, key);
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return kmb_xstrdup(buf);
}

static int open_store(struct runner *rn, bool resume)
{
	struct matrix_config *cfg = rn->cfg;
	char path[4096], shard[32];
	char *env, *conf, *host;
	long have;

	snprintf(path, sizeof(path), "%s/cells", cfg->out);
	if (kmb_mkdir_p(path, 0755)) {
		kmb_warn("%s: %s", path, strerror(errno));
		return KMB_EX_IOERR;
	}
	snprintf(path, sizeof(path), "%s/matrix.db", cfg->out);
	if (res_open(path, true, &rn->db))
		return KMB_EX_UNAVAILABLE;
	have = res_cell_count(rn->db);
	if (have > 0 && !resume) {
		kmb_warn("%s holds a matrix already: use --resume, or another"
			 " --out", cfg->out);
		return KMB_EX_USAGE;
	}
	env = matrix_env_json(cfg->replay_prog);
	conf = matrix_config_json(cfg);
	snprintf(path, sizeof(path), "%s/env.json", cfg->out);
	if (kmb_write_file_atomic(path, env, strlen(env)))
		kmb_warn("%s: cannot write", path);
	snprintf(shard, sizeof(shard), "%d/%d", cfg->shard_i, cfg->shard_n);
	host = command_output("uname -n");
	rn->run_id = res_run_add(rn->db, host, shard, env, conf);
	free(host);
	free(env);
	free(conf);
	return rn->run_id < 0 ? KMB_EX_IOERR : 0;
}

int matrix_run(struct matrix_config *cfg, bool resume)
{
	struct runner rn = { .cfg = cfg };
	struct cell *cells;
	size_t n, *mine, nmine = 0;
	const char *kill_after;
	bool *warm;
	int ret;

	if (!cfg->replay_prog && !(cfg->replay_prog = self_exe()))
		return KMB_EX_SOFTWARE;
	ret = open_store(&rn, resume);
	if (ret) {
		res_close(rn.db);
		return ret;
	}
	rn.tty = isatty(STDERR_FILENO);
	rn.pin_cpu = pick_cpu();
	cells = enumerate(cfg, &n);
	mine = kmb_xcalloc(n ? n : 1, sizeof(*mine));
	for (size_t i = 0; i < n; i++)
		if ((int)(i % (size_t)cfg->shard_n) == cfg->shard_i - 1 &&
		    cell_pending(&rn, &cells[i]))
			mine[nmine++] = i;
	rn.total = nmine;
	rn.t0 = kmb_now_ns();
	fprintf(stderr, "matrix: %zu cell(s) to run (%zu in the matrix"
		"%s), results in %s\n", nmine, n, cfg->shard_n > 1 ?
		", this shard's share" : "", cfg->out);
	warm = kmb_xcalloc(n ? n : 1, sizeof(*warm));
	kill_after = getenv("KMBENCH_MATRIX_KILL_AFTER");
	for (size_t k = 0; k < nmine && !ret; k++) {
		struct cell *c = &cells[mine[k]];
		size_t combo = (c->trace * cfg->nmodes + c->mode) *
			       cfg->nallocators + c->alloc;

		if (!warm[combo]) {
			warm[combo] = true;
			run_warmups(&rn, c);
		}
		if (cfg->budget_s > 0 && (double)(kmb_now_ns() - rn.t0) / 1e9 >
		    cfg->budget_s) {
			fprintf(stderr, "%smatrix: time budget of %.0f s spent:"
				" %zu cell(s) not run (go on with --resume"
				" --out %s)\n", rn.tty ? "\r\033[K" : "",
				cfg->budget_s, nmine - k, cfg->out);
			break;
		}
		ret = run_cell(&rn, c);
		/* test hook: die between two cells, as a SIGKILL would */
		if (kill_after && rn.done == strtoul(kill_after, NULL, 10))
			raise(SIGKILL);
	}
	if (!ret)
		fprintf(stderr, "matrix: %zu cell(s) ran, %zu failed\n",
			rn.done, rn.failed);
	free(warm);
	free(mine);
	free(cells);
	res_close(rn.db);
	return ret;
}
