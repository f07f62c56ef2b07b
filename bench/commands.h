/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/commands.h - the kmbench command table.
 *
 * Every command is a cmd_NAME(argc, argv) in a file of its own; argv[0] is
 * the command's name.  A command returns an exit code (util.h: KMB_EX_*).
 */
#ifndef KMB_COMMANDS_H
#define KMB_COMMANDS_H

#include <stdbool.h>

struct kmb_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *missing;	/* when fn is NULL: what is not built yet */
};

extern const struct kmb_command kmb_commands[];

/* Look a command up by name; NULL if there is none. */
const struct kmb_command *kmb_find_command(const char *name);

/* Run command @name with @argv (argv[0] == name); prints "not built yet". */
int kmb_run_command(int argc, char **argv);

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_frag(int argc, char **argv);

/* Sub-benchmarks of `kmbench bench` (one file each) */
int bench_vmalloc(bool json);
int bench_slab(bool json);
int bench_fault(bool json);
int bench_buddy(bool json);
int bench_percpu(bool json);
int cmd_matrix(int argc, char **argv);
int cmd_results(int argc, char **argv);
int cmd_slab_geometry(int argc, char **argv);

int cmd_replay(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_pgo(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif /* KMB_COMMANDS_H */
