// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_vm.c - `kmbench vm [SCRIPT|-]`: run a script of process memory
 * operations (mmap, brk, fork, writes, faults, reclaim...) on simulated
 * processes and print their /proc/PID/maps, status lines and fault counts.
 * For seeing the address-space code work, and for testing it end to end.
 *
 * A script is one command per line; '#' starts a comment.  Numbers take
 * K/M/G suffixes; an address may be a name assigned earlier (NAME = mmap
 * ...) plus or minus a number.  A simulated call that fails prints
 * "LINE: CALL: error ENAME (message)" and the script goes on; a line that
 * cannot be understood stops it with FILE:LINE: and exit code 65.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kmm/kmm.h"
#include "kmm/mm.h"
#include "kmm/slab.h"
#include "util.h"

#define VM_MAX_ARGS	12
#define VM_MAX_VARS	64
#define VM_MAX_FILES	32

static const char vm_usage[] =
"usage: kmbench vm [SCRIPT|-]\n"
"\n"
"Runs a script of process memory operations on simulated processes.\n"
"Commands (one per line; ADDR: a number or NAME[+-N]; sizes take K/M/G):\n"
"  mem SIZE                 simulated memory (first line only; default 256M)\n"
"  proc PID                 make PID the current process (new: exec'd)\n"
"  fork CHILD               the current process forks CHILD\n"
"  exec | exit              the current process execs / exits\n"
"  [NAME =] mmap ADDR LEN PROT FLAGS [PATH FILESIZE PGOFF]\n"
"                           PROT: r w x combined, or none; FLAGS: comma list\n"
"                           of private shared anonymous fixed\n"
"                           fixed_noreplace populate growsdown locked\n"
"  munmap ADDR LEN | mprotect ADDR LEN PROT | mlock ADDR LEN | munlock ADDR LEN\n"
"  [NAME =] mremap ADDR OLDLEN NEWLEN [maymove,fixed,dontunmap [NEWADDR]]\n"
"  [NAME =] brk ADDR        (brk 0 gives the current break)\n"
"  write ADDR TEXT          the rest of the line, as bytes\n"
"  read ADDR LEN            print the bytes (\\xNN for unprintable ones)\n"
"  touch ADDR LEN r|w|x     one access per page\n"
"  fault ADDR r|w|x         one handle_mm_fault(); prints its result\n"
"  reclaim N                swap out up to N anonymous pages\n"
"  premap on|off            map unknown fault addresses (trace replay)\n"
"  maps | status | faults | swap | print NAME\n";

struct vm_var {
	char name[32];
	unsigned long value;
};

struct vm_file {
	char *path;
	struct kmm_file *file;
};

struct vm_script {
	const char *fname;
	unsigned long line;
	int pid;			/* current process */
	struct vm_var vars[VM_MAX_VARS];
	int nr_vars;
	struct vm_file files[VM_MAX_FILES];
	int nr_files;
	bool started;			/* simulated memory is set up */
};

static int vm_bad(struct vm_script *s, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	kmb_input_error(s->fname, s->line, "%s", msg);
	return KMB_EX_DATAERR;
}

static bool vm_number(struct vm_script *s, const char *tok,
		      unsigned long *out)
{
	const char *op = strpbrk(tok, "+-");
	char name[32];
	uint64_t off = 0, v;
	size_t len;

	if (kmb_parse_u64(tok, &v, true)) {
		*out = v;
		return true;
	}
	len = op ? (size_t)(op - tok) : strlen(tok);
	if (!len || len >= sizeof(name))
		return false;
	memcpy(name, tok, len);
	name[len] = 0;
	if (op && !kmb_parse_u64(op + 1, &off, true))
		return false;
	for (int i = 0; i < s->nr_vars; i++) {
		if (!strcmp(s->vars[i].name, name)) {
			*out = op && *op == '-' ? s->vars[i].value - off :
			       s->vars[i].value + off;
			return true;
		}
	}
	return false;
}

static int vm_set_var(struct vm_script *s, const char *name,
		      unsigned long v)
{
	int i;

	for (i = 0; i < s->nr_vars; i++)
		if (!strcmp(s->vars[i].name, name))
			break;
	if (i == VM_MAX_VARS || strlen(name) >= sizeof(s->vars[0].name))
		return vm_bad(s, "too many names or too long: '%s'", name);
	if (i == s->nr_vars)
		s->nr_vars++;
	snprintf(s->vars[i].name, sizeof(s->vars[i].name), "%s", name);
	s->vars[i].value = v;
	return 0;
}

static bool vm_prot(const char *tok, unsigned long *prot)
{
	*prot = 0;
	if (!strcmp(tok, "none"))
		return true;
	for (const char *c = tok; *c; c++) {
		if (*c == 'r')
			*prot |= PROT_READ;
		else if (*c == 'w')
			*prot |= PROT_WRITE;
		else if (*c == 'x')
			*prot |= PROT_EXEC;
		else if (*c != '-')
			return false;
	}
	return true;
}

static const struct {
	const char *name;
	unsigned long flag;
} vm_flag_names[] = {
	{ "private", MAP_PRIVATE }, { "shared", MAP_SHARED },
	{ "anonymous", MAP_ANONYMOUS }, { "fixed", MAP_FIXED },
	{ "fixed_noreplace", MAP_FIXED_NOREPLACE },
	{ "populate", MAP_POPULATE }, { "growsdown", MAP_GROWSDOWN },
	{ "locked", MAP_LOCKED }, { "noreserve", MAP_NORESERVE },
	{ "maymove", MREMAP_MAYMOVE << 24 }, { "dontunmap",
	  MREMAP_DONTUNMAP << 24 }, { NULL, 0 },
};

/* Comma list of flag names; mremap's come back shifted by 24. */
static bool vm_flags(const char *tok, unsigned long *flags)
{
	char buf[256], *save = NULL, *w;

	*flags = 0;
	snprintf(buf, sizeof(buf), "%s", tok);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; vm_flag_names[i].name; i++)
			if (!strcmp(w, vm_flag_names[i].name))
				break;
		if (!vm_flag_names[i].name)
			return false;
		*flags |= vm_flag_names[i].flag;
	}
	return true;
}

static struct kmm_file *vm_file(struct vm_script *s, const char *path,
				unsigned long size)
{
	for (int i = 0; i < s->nr_files; i++)
		if (!strcmp(s->files[i].path, path))
			return s->files[i].file;
	if (s->nr_files == VM_MAX_FILES)
		return NULL;
	s->files[s->nr_files].path = kmb_xstrdup(path);
	s->files[s->nr_files].file = kmm_file_create(path, size);
	return s->files[s->nr_files++].file;
}

/* Print a failed call's errno; returns true when @ret was an error. */
static bool vm_report(struct vm_script *s, const char *call, long ret)
{
	if (ret >= 0 || ret < -MAX_ERRNO)
		return false;
	printf("%lu: %s: error %s (%s)\n", s->line, call,
	       strerrorname_np((int)-ret) ? strerrorname_np((int)-ret) : "?",
	       strerror((int)-ret));
	return true;
}

static int vm_start(struct vm_script *s, unsigned long mem)
{
	struct kmm_config cfg = { .mem_bytes = mem };

	if (kmm_mem_init(&cfg) || mm_subsys_init()) {
		kmb_warn("vm: cannot set up %lu bytes of simulated memory",
			 mem);
		return KMB_EX_SOFTWARE;
	}
	s->started = true;
	return 0;
}

static void vm_print_bytes(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
			putchar(b[i]);
		else
			printf("\\x%02x", b[i]);
	}
	putchar('\n');
}

static void vm_print_faults(struct mm_struct *mm)
{
	const struct mm_fault_stats *f = &mm->fault_stats;

	printf("pid %d: minor %lu major %lu cow %lu cow_reuse %lu zero %lu "
	       "stack_grow %lu segv_maperr %lu segv_accerr %lu oom %lu "
	       "premapped %lu\n", mm->pid, (unsigned long)f->minor,
	       (unsigned long)f->major, (unsigned long)f->cow,
	       (unsigned long)f->cow_reuse, (unsigned long)f->zero,
	       (unsigned long)f->stack_grow, (unsigned long)f->segv_maperr,
	       (unsigned long)f->segv_accerr, (unsigned long)f->oom,
	       (unsigned long)f->premapped);
}

static void vm_print_swap(void)
{
	struct mm_reclaim_stats r;

	mm_reclaim_get_stats(&r);
	printf("swap: used %lu of %lu slots, pswpout %lu pswpin %lu "
	       "swapcache hits %lu, pgscan %lu pgsteal %lu pgactivate %lu, "
	       "kswapd runs %lu, lru active %lu inactive %lu\n", r.swap_used,
	       r.swap_slots, (unsigned long)r.pswpout, (unsigned long)r.pswpin,
	       (unsigned long)r.swapcache_hits,
	       (unsigned long)r.pgscan, (unsigned long)r.pgsteal,
	       (unsigned long)r.pgactivate, (unsigned long)r.kswapd_runs,
	       r.nr_active, r.nr_inactive);
}

static unsigned int vm_access(const char *tok)
{
	if (!strcmp(tok, "w"))
		return FAULT_FLAG_WRITE | FAULT_FLAG_USER;
	if (!strcmp(tok, "x"))
		return FAULT_FLAG_INSTRUCTION | FAULT_FLAG_USER;
	if (!strcmp(tok, "r"))
		return FAULT_FLAG_USER;
	return ~0u;
}

/* A command whose arguments are numbers: @argv[1..n-1] into @v. */
static int vm_numbers(struct vm_script *s, char **argv, int argc,
		      int want, unsigned long *v)
{
	if (argc != want)
		return vm_bad(s, "'%s': wrong number of arguments", argv[0]);
	for (int i = 1; i < argc; i++)
		if (!vm_number(s, argv[i], &v[i - 1]))
			return vm_bad(s, "not a number or known name: '%s'",
				      argv[i]);
	return 0;
}

static int vm_mmap(struct vm_script *s, struct mm_struct *mm, char **argv,
		   int argc, unsigned long *ret)
{
	unsigned long v[2], prot, flags;
	uint64_t fsize = 0, pgoff = 0;
	struct kmm_file *file = NULL;

	if (argc != 5 && argc != 8)
		return vm_bad(s, "'%s': wrong number of arguments", argv[0]);
	if (!vm_number(s, argv[1], &v[0]) || !vm_number(s, argv[2], &v[1]))
		return vm_bad(s, "bad address or length in '%s'", argv[0]);
	if (!vm_prot(argv[3], &prot))
		return vm_bad(s, "bad protection '%s'", argv[3]);
	if (!vm_flags(argv[4], &flags) || (flags >> 24))
		return vm_bad(s, "bad mmap flags '%s'", argv[4]);
	if (argc == 8) {
		if (!kmb_parse_u64(argv[6], &fsize, true) ||
		    !kmb_parse_u64(argv[7], &pgoff, true))
			return vm_bad(s, "bad file size or offset for '%s'",
				      argv[5]);
		file = vm_file(s, argv[5], fsize);
		if (!file)
			return vm_bad(s, "too many files: '%s'", argv[5]);
	}
	*ret = do_mmap(mm, file, v[0], v[1], prot, flags, pgoff);
	return 0;
}

static int vm_mremap(struct vm_script *s, struct mm_struct *mm, char **argv,
		     int argc, unsigned long *ret)
{
	unsigned long v[3], flags = 0, new_addr = 0;

	if (argc < 4 || argc > 6)
		return vm_bad(s, "'%s': wrong number of arguments", argv[0]);
	for (int i = 0; i < 3; i++)
		if (!vm_number(s, argv[i + 1], &v[i]))
			return vm_bad(s, "not a number or known name: '%s'",
				      argv[i + 1]);
	if (argc >= 5) {
		if (!vm_flags(argv[4], &flags) ||
		    (flags & ((1UL << 24) - 1) & ~(unsigned long)MAP_FIXED))
			return vm_bad(s, "bad mremap flags '%s'", argv[4]);
		flags = (flags >> 24) | (flags & MAP_FIXED ? MREMAP_FIXED : 0);
	}
	if (argc == 6 && !vm_number(s, argv[5], &new_addr))
		return vm_bad(s, "not a number or known name: '%s'", argv[5]);
	*ret = do_mremap(mm, v[0], v[1], v[2], flags, new_addr);
	return 0;
}

/* Commands that take an address and length and return 0 or -errno. */
static int vm_range_op(struct vm_script *s, struct mm_struct *mm,
		       char **argv, int argc)
{
	unsigned long v[3], prot = 0;
	int err;

	if (!strcmp(argv[0], "mprotect")) {
		if (argc != 4 || !vm_prot(argv[3], &prot))
			return vm_bad(s, "usage: mprotect ADDR LEN PROT%s", "");
		argc--;
	}
	err = vm_numbers(s, argv, argc, 3, v);
	if (err)
		return err;
	if (!strcmp(argv[0], "munmap"))
		err = do_munmap(mm, v[0], v[1]);
	else if (!strcmp(argv[0], "mprotect"))
		err = do_mprotect(mm, v[0], v[1], prot);
	else
		err = do_mlock(mm, v[0], v[1], !strcmp(argv[0], "mlock"));
	vm_report(s, argv[0], err);
	return 0;
}

static int vm_access_op(struct vm_script *s, struct mm_struct *mm,
			char **argv, int argc, const char *rest)
{
	unsigned long v[2];
	unsigned char buf[4096];
	int err;

	if (!strcmp(argv[0], "write")) {
		if (argc < 3 || !vm_number(s, argv[1], &v[0]))
			return vm_bad(s, "usage: write ADDR TEXT%s", "");
		vm_report(s, "write", mm_write(mm, v[0], rest, strlen(rest)));
		return 0;
	}
	if (!strcmp(argv[0], "read")) {
		err = vm_numbers(s, argv, argc, 3, v);
		if (err)
			return err;
		if (v[1] > sizeof(buf))
			return vm_bad(s, "read: at most 4096 bytes%s", "");
		if (!vm_report(s, "read", mm_read(mm, v[0], buf, v[1])))
			vm_print_bytes(buf, v[1]);
		return 0;
	}
	/* touch ADDR LEN r|w|x */
	if (argc != 4 || vm_access(argv[3]) == ~0u)
		return vm_bad(s, "usage: touch ADDR LEN r|w|x%s", "");
	err = vm_numbers(s, argv, 3, 3, v);
	if (err)
		return err;
	for (unsigned long a = v[0] & PAGE_MASK; a < v[0] + v[1];
	     a += PAGE_SIZE) {
		unsigned char c = 0;

		err = strcmp(argv[3], "w") ? mm_read(mm, a, &c, 1) :
					     mm_write(mm, a, &c, 1);
		if (vm_report(s, "touch", err))
			break;
	}
	return 0;
}

static int vm_fault_op(struct vm_script *s, struct mm_struct *mm,
		       char **argv, int argc)
{
	unsigned long addr;
	vm_fault_t r;

	if (argc != 3 || !vm_number(s, argv[1], &addr) ||
	    vm_access(argv[2]) == ~0u)
		return vm_bad(s, "usage: fault ADDR r|w|x%s", "");
	r = handle_mm_fault(mm, addr, vm_access(argv[2]));
	printf("%lu: fault %#lx %s: %s\n", s->line, addr, argv[2],
	       r & VM_FAULT_SIGSEGV ? "SIGSEGV" : r & VM_FAULT_SIGBUS ?
	       "SIGBUS" : r & VM_FAULT_OOM ? "OOM" : r & VM_FAULT_MAJOR ?
	       "major" : r & VM_FAULT_NOPAGE ? "mapped already" : "minor");
	return 0;
}

/* Process commands: proc, fork, exec, exit. */
static int vm_proc_op(struct vm_script *s, char **argv, int argc)
{
	uint64_t pid = 0;

	if (!strcmp(argv[0], "exec") || !strcmp(argv[0], "exit")) {
		if (argc != 1)
			return vm_bad(s, "'%s' takes no arguments", argv[0]);
		if (!strcmp(argv[0], "exec"))
			vm_report(s, "exec", mm_task_exec(s->pid));
		else
			mm_task_exit(s->pid);
		return 0;
	}
	if (argc != 2 || !kmb_parse_u64(argv[1], &pid, false) ||
	    !pid || pid > 0x7fffffff)
		return vm_bad(s, "'%s' needs a pid", argv[0]);
	if (!strcmp(argv[0], "fork"))
		vm_report(s, "fork", mm_task_fork(s->pid, (int)pid));
	else
		s->pid = (int)pid;
	return 0;
}

static int vm_call(struct vm_script *s, char **argv, int argc,
		   const char *rest, const char *assign)
{
	struct mm_struct *mm = mm_task_get(s->pid);
	unsigned long ret = 0, v;
	const char *cmd = argv[0];
	int err = 0;

	if (!mm) {		/* the simulated machine is out of memory */
		vm_report(s, cmd, -ENOMEM);
		return 0;
	}
	if (!strcmp(cmd, "mmap")) {
		err = vm_mmap(s, mm, argv, argc, &ret);
	} else if (!strcmp(cmd, "mremap")) {
		err = vm_mremap(s, mm, argv, argc, &ret);
	} else if (!strcmp(cmd, "brk")) {
		err = vm_numbers(s, argv, argc, 2, &v);
		if (!err)
			ret = v ? do_brk(mm, v) : mm->brk;
	} else if (assign) {
		return vm_bad(s, "'%s' gives no value to assign", cmd);
	} else if (!strcmp(cmd, "munmap") || !strcmp(cmd, "mprotect") ||
		   !strcmp(cmd, "mlock") || !strcmp(cmd, "munlock")) {
		return vm_range_op(s, mm, argv, argc);
	} else if (!strcmp(cmd, "write") || !strcmp(cmd, "read") ||
		   !strcmp(cmd, "touch")) {
		return vm_access_op(s, mm, argv, argc, rest);
	} else if (!strcmp(cmd, "fault")) {
		return vm_fault_op(s, mm, argv, argc);
	} else if (!strcmp(cmd, "reclaim")) {
		err = vm_numbers(s, argv, argc, 2, &v);
		if (!err)
			printf("%lu: reclaimed %lu\n", s->line, mm_reclaim(v));
		return err;
	} else if (!strcmp(cmd, "premap") && argc == 2 &&
		   (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
		mm->premap_unknown = !strcmp(argv[1], "on");
		return 0;
	} else if (!strcmp(cmd, "maps") && argc == 1) {
		mm_show_maps(mm, stdout);
		return 0;
	} else if (!strcmp(cmd, "status") && argc == 1) {
		mm_show_status(mm, stdout);
		return 0;
	} else if (!strcmp(cmd, "faults") && argc == 1) {
		vm_print_faults(mm);
		return 0;
	} else if (!strcmp(cmd, "swap") && argc == 1) {
		vm_print_swap();
		return 0;
	} else if (!strcmp(cmd, "print") && argc == 2 &&
		   vm_number(s, argv[1], &v)) {
		printf("%s = %#lx\n", argv[1], v);
		return 0;
	} else {
		return vm_bad(s, "unknown command or arguments: '%s'", cmd);
	}
	if (err)
		return err;
	if (vm_report(s, cmd, (long)ret))
		return 0;
	return assign ? vm_set_var(s, assign, ret) : 0;
}

static int vm_line(struct vm_script *s, char *line)
{
	char *argv[VM_MAX_ARGS + 1], *p = line, *rest = NULL;
	const char *assign = NULL;
	int argc = 0;

	line[strcspn(line, "\n")] = 0;
	while (*p && argc <= VM_MAX_ARGS) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == 2 && !strcmp(argv[0], "write")) {
			rest = p;		/* the text, as it is */
			argv[argc++] = p;
			break;
		}
		argv[argc++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = 0;
	}
	if (!argc)
		return 0;
	if (argc > VM_MAX_ARGS)
		return vm_bad(s, "too many arguments%s", "");
	if (argc >= 3 && !strcmp(argv[1], "=")) {
		assign = argv[0];
		memmove(argv, argv + 2, (size_t)(argc - 2) * sizeof(*argv));
		argc -= 2;
	}
	if (!strcmp(argv[0], "mem")) {
		uint64_t mem;

		if (s->started || argc != 2 ||
		    !kmb_parse_u64(argv[1], &mem, true))
			return vm_bad(s, "'mem SIZE' must come first%s", "");
		return vm_start(s, mem);
	}
	if (!s->started) {
		int err = vm_start(s, 256UL << 20);

		if (err)
			return err;
	}
	if (!strcmp(argv[0], "proc") || !strcmp(argv[0], "fork") ||
	    !strcmp(argv[0], "exec") || !strcmp(argv[0], "exit"))
		return assign ? vm_bad(s, "'%s' gives no value", argv[0]) :
		       vm_proc_op(s, argv, argc);
	return vm_call(s, argv, argc, rest, assign);
}

static void vm_finish(struct vm_script *s)
{
	if (!s->started)
		return;
	mm_task_exit_all();
	for (int i = 0; i < s->nr_files; i++) {
		kmm_file_put(s->files[i].file);
		free(s->files[i].path);
	}
	mm_subsys_exit();
	kmem_cache_exit();
	kmm_mem_exit();
}

int cmd_vm(int argc, char **argv)
{
	struct vm_script s = { .fname = "-", .pid = 1 };
	char *line = NULL;
	size_t cap = 0;
	FILE *fp = stdin;
	int ret = 0;

	if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "--help") ||
				       !strcmp(argv[1], "-h")))) {
		fputs(vm_usage, argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : KMB_EX_USAGE;
	}
	if (argc == 2 && strcmp(argv[1], "-")) {
		s.fname = argv[1];
		fp = fopen(argv[1], "r");
		if (!fp) {
			kmb_warn("vm: %s: %s", argv[1], strerror(errno));
			return KMB_EX_DATAERR;
		}
	}
	while (!ret && getline(&line, &cap, fp) >= 0) {
		s.line++;
		ret = vm_line(&s, line);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	vm_finish(&s);
	if (fflush(stdout)) {
		kmb_warn("vm: cannot write the output");
		return KMB_EX_IOERR;
	}
	return ret;
}
