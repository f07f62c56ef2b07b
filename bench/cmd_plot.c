// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_plot.c - `kmbench plot [RESULTS_DIR]`: the summary table, the
 * gnuplot plots (PNG and SVG) and report.html / report.md of a matrix run.
 *
 * For each plot, data is exported from matrix.db into RESULTS/plots/ (.dat),
 * the drawing script is copied from analysis/ (RESULTS/plots/NAME.body.gp)
 * and RESULTS/plots/NAME.gp loads it once per terminal, so the plots can
 * be re-rendered or restyled by hand with gnuplot alone.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "jsonr.h"
#include "results_report.h"
#include "results.h"
#include "stats.h"
#include "util.h"

#define MAX_PLOTS REPORT_MAX_PLOTS

struct plot_entry {
	const char *name, *title;
	char sentence[512];
	char reason[256];	/* why there is no plot, or "" */
};

struct plot_ctx {
	struct res_db *db;
	const char *dir;
	char plots[4096];
	char **traces, **allocs, **modes;
	size_t ntraces, nallocs, nmodes;
	const char *baseline;
	struct plot_entry e[MAX_PLOTS];
	int ne;
	struct plot_row *rows;
	size_t nrows;
	bool render;
};

static FILE *open_in(struct plot_ctx *pc, const char *name)
{
	char path[4200];
	FILE *fp;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", pc->plots, name) >=
	    sizeof(path)) {
		kmb_warn("%s/%s: path too long", pc->plots, name);
		return NULL;
	}
	fp = fopen(path, "w");
	if (!fp)
		kmb_warn("%s: %s", path, strerror(errno));
	return fp;
}

static int close_checked(FILE *fp, const char *name)
{
	if (fclose(fp) != 0) {
		kmb_warn("%s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Copy analysis/TEMPLATE to plots/NAME.body.gp. */
static int copy_template(struct plot_ctx *pc, const char *tmpl,
			 const char *name)
{
	char src[4096], dst[64], buf[4096];
	const char *adir = getenv("KMBENCH_ANALYSIS");
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof(src), "%s/%s",
		 adir && *adir ? adir : KMBENCH_SOURCE_ROOT "/analysis", tmpl);
	in = fopen(src, "r");
	if (!in) {
		kmb_warn("%s: %s", src, strerror(errno));
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s.body.gp", name);
	out = open_in(pc, dst);
	if (!out) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return close_checked(out, dst);
}

/* @s for inside a gnuplot '...' string (quotes doubled), in @buf. */
static const char *gp_quote(char *buf, size_t len, const char *s)
{
	size_t k = 0;

	for (; *s && k + 3 < len; s++) {
		if (*s == '\'')
			buf[k++] = '\'';
		buf[k++] = *s == '\n' ? ' ' : *s;
	}
	buf[k] = '\0';
	return buf;
}

/* plots/NAME.gp: @vars, then the body for PNG and again for SVG. */
static int write_script(struct plot_ctx *pc, const char *name,
			const char *tmpl, const char *vars, int w, int h)
{
	char file[64];
	FILE *fp;

	if (copy_template(pc, tmpl, name))
		return -1;
	snprintf(file, sizeof(file), "%s.gp", name);
	fp = open_in(pc, file);
	if (!fp)
		return -1;
	fprintf(fp, "# %s.gp - written by kmbench plot from analysis/%s;\n"
		"# run `gnuplot %s.gp` in this directory to redraw.\n%s"
		"set terminal pngcairo size %d,%d enhanced font 'Sans,10'\n"
		"set output '%s.png'\nload '%s.body.gp'\nreset\n%s"
		"set terminal svg size %d,%d dynamic enhanced font 'Sans,10'\n"
		"set output '%s.svg'\nload '%s.body.gp'\nset output\n",
		name, tmpl, name, vars, w, h, name, name, vars, w, h, name,
		name);
	return close_checked(fp, file);
}

/* Run gnuplot on plots/NAME.gp; 0 when both images exist and are not empty. */
static int render(struct plot_ctx *pc, const char *name, char *reason,
		  size_t rlen)
{
	char script[64], log[64], path[4200];
	pid_t pid;
	int status;

	snprintf(script, sizeof(script), "%s.gp", name);
	snprintf(log, sizeof(log), "%s.log", name);
	pid = fork();
	if (pid < 0) {
		snprintf(reason, rlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (chdir(pc->plots) == 0 &&
		    freopen(log, "w", stderr) && freopen("/dev/null", "w",
							 stdout))
			execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(reason, rlen, WIFEXITED(status) &&
			 WEXITSTATUS(status) == 127 ?
			 "gnuplot is not installed" :
			 "gnuplot failed: see plots/%s", log);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		FILE *fp;
		long size = 0;

		snprintf(path, sizeof(path), "%s/%s.%s", pc->plots, name,
			 i ? "svg" : "png");
		fp = fopen(path, "r");
		if (fp) {
			fseek(fp, 0, SEEK_END);
			size = ftell(fp);
			fclose(fp);
		}
		if (size <= 0) {
			snprintf(reason, rlen, "gnuplot wrote no %s: see"
				 " plots/%s", i ? "SVG" : "PNG", log);
			return -1;
		}
	}
	return 0;
}

static struct plot_entry *entry(struct plot_ctx *pc, const char *name,
				const char *title)
{
	struct plot_entry *e = &pc->e[pc->ne++];

	e->name = name;
	e->title = title;
	return e;
}

static void finish_plot(struct plot_ctx *pc, struct plot_entry *e,
			const char *tmpl, const char *vars, int w, int h)
{
	if (e->reason[0])
		return;
	if (write_script(pc, e->name, tmpl, vars, w, h)) {
		snprintf(e->reason, sizeof(e->reason), "cannot write the"
			 " script");
		return;
	}
	if (pc->render)
		render(pc, e->name, e->reason, sizeof(e->reason));
}

/* Median and 95% interval of @metric for one group, NaN when empty. */
static void group_stats(struct plot_ctx *pc, const char *metric,
			const char *trace, const char *alloc, const char *mode,
			struct stats_summary *s)
{
	double *v = NULL;
	size_t n = 0;

	if (res_values(pc->db, metric, trace, alloc, mode, &v, &n))
		n = 0;
	stats_summarize(v, n, s);
	free(v);
}

/*
 * A trace's name on an axis: without its format suffixes (.kmt, .txt,
 * .zst, .gz, .log), and the last PLOT_LABEL_MAX characters of long names.
 */
#define PLOT_LABEL_MAX 28

static void short_name(char *buf, size_t len, const char *trace)
{
	static const char *const ext[] = { ".zst", ".gz", ".kmt", ".txt",
					   ".dat", ".log", ".trace" };
	char tmp[512];
	size_t n;
	bool cut = true;

	snprintf(tmp, sizeof(tmp), "%s", trace);
	while (cut) {
		cut = false;
		n = strlen(tmp);
		for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
			size_t e = strlen(ext[i]);

			if (n > e + 1 && !strcmp(tmp + n - e, ext[i])) {
				tmp[n - e] = '\0';
				cut = true;
				break;
			}
		}
	}
	n = strlen(tmp);
	if (n > PLOT_LABEL_MAX)
		snprintf(buf, len, "...%s", tmp + n - PLOT_LABEL_MAX + 3);
	else
		snprintf(buf, len, "%.*s", PLOT_LABEL_MAX, tmp);
}

static void row_label(struct plot_ctx *pc, char *buf, size_t len,
		      const char *trace, const char *mode)
{
	char name[64];

	short_name(name, sizeof(name), trace);
	if (pc->nmodes > 1)
		snprintf(buf, len, "%s/%s", name, mode);
	else
		snprintf(buf, len, "%s", name);
}

/*
 * Bars of @metric: one group per trace (and mode), one series per
 * allocator in @allocs.  Returns the number of finite medians written.
 */
static int bars_data(struct plot_ctx *pc, const char *file,
		     const char *metric, char **allocs, size_t nallocs)
{
	FILE *fp = open_in(pc, file);
	struct stats_summary s;
	char label[512];
	int finite = 0;

	if (!fp)
		return -1;
	fprintf(fp, "group");
	for (size_t a = 0; a < nallocs; a++)
		fprintf(fp, " %s lo hi", allocs[a]);
	fputc('\n', fp);
	for (size_t t = 0; t < pc->ntraces; t++)
		for (size_t m = 0; m < pc->nmodes; m++) {
			row_label(pc, label, sizeof(label), pc->traces[t],
				  pc->modes[m]);
			fprintf(fp, "\"%s\"", label);
			for (size_t a = 0; a < nallocs; a++) {
				group_stats(pc, metric, pc->traces[t],
					    allocs[a], pc->modes[m], &s);
				fprintf(fp, " %.6g %.6g %.6g", s.median,
					s.ci_lo, s.ci_hi);
				finite += isfinite(s.median);
			}
			fputc('\n', fp);
		}
	return close_checked(fp, file) ? -1 : finite;
}

static void plot_bars(struct plot_ctx *pc, const char *name,
		      const char *title, const char *metric,
		      const char *ylabel, const char *sentence)
{
	struct plot_entry *e = entry(pc, name, title);
	char file[64], vars[1024];
	int n;

	snprintf(file, sizeof(file), "%s.dat", name);
	n = bars_data(pc, file, metric, pc->allocs, pc->nallocs);
	if (n <= 0) {
		if (!strncmp(metric, "hw_", 3))
			snprintf(e->reason, sizeof(e->reason), "no cell has"
				 " hardware counter readings (see"
				 " hardware_counters in the environment)");
		else
			snprintf(e->reason, sizeof(e->reason), "no cell"
				 " reports %s", metric);
		return;
	}
	snprintf(e->sentence, sizeof(e->sentence), "%s", sentence);
	snprintf(vars, sizeof(vars), "datafile = '%s'\nnseries = %zu\n"
		 "title_text = '%s'\nylabel_text = '%s'\n", file, pc->nallocs,
		 title, ylabel);
	finish_plot(pc, e, "bars.gp", vars, 1000, 560);
}

/* Operation kinds by total count, busiest first (at most @max). */
static size_t busiest_ops(struct plot_ctx *pc, char **ops, size_t max)
{
	char **names;
	size_t n, k = 0;

	if (res_query_strings(pc->db, "SELECT m.name FROM metrics m JOIN cells"
			      " c ON c.id = m.cell_id WHERE c.status = 'ok'"
			      " AND m.name LIKE 'ops.%.count' GROUP BY m.name"
			      " HAVING sum(m.value) > 0 ORDER BY sum(m.value)"
			      " DESC", NULL, 0, &names, &n))
		return 0;
	for (size_t i = 0; i < n && k < max; i++) {
		char *op = names[i] + 4, *dot = strchr(op, '.');

		if (!dot || strcmp(dot, ".count"))
			continue;	/* ops.X.by_class.Y.count */
		*dot = '\0';
		ops[k++] = kmb_xstrdup(op);
	}
	res_free_strings(names, n);
	return k;
}

/* Operation kinds plotted by `latency`: every kind present, busiest first. */
#define PLOT_MAX_OPS 64

static void plot_latency(struct plot_ctx *pc)
{
	static const char *const pct[] = { "p50", "p90", "p99", "p999",
					   "max" };
	struct plot_entry *e = entry(pc, "latency",
				     "Latency percentiles per operation");
	char *ops[PLOT_MAX_OPS], vars[4096], file[128], metric[160];
	size_t nops = busiest_ops(pc, ops, PLOT_MAX_OPS), used = 0;
	size_t npanels = 0, cols, rows;
	double lo = INFINITY, hi = 0;

	vars[0] = '\0';
	for (size_t o = 0; o < nops; o++) {
		double v[5][64];
		size_t na = pc->nallocs < 64 ? pc->nallocs : 64;
		int finite = 0;
		FILE *fp;

		for (size_t p = 0; p < 5; p++)
			for (size_t a = 0; a < na; a++) {
				struct stats_summary s;

				snprintf(metric, sizeof(metric), "ops.%s.ns.%s",
					 ops[o], pct[p]);
				group_stats(pc, metric, NULL, pc->allocs[a],
					    NULL, &s);
				v[p][a] = s.median > 0 ? s.median : NAN;
				if (!(s.median > 0))
					continue;
				finite++;
				lo = fmin(lo, s.median);
				hi = fmax(hi, s.median);
			}
		if (!finite)
			continue;	/* no panel without a single value */
		snprintf(file, sizeof(file), "lat_%s.dat", ops[o]);
		fp = open_in(pc, file);
		if (!fp)
			break;
		fprintf(fp, "pct");
		for (size_t a = 0; a < na; a++)
			fprintf(fp, " %s", pc->allocs[a]);
		fputc('\n', fp);
		for (size_t p = 0; p < 5; p++) {
			fprintf(fp, "%s", pct[p]);
			for (size_t a = 0; a < na; a++)
				fprintf(fp, " %.6g", v[p][a]);
			fputc('\n', fp);
		}
		if (close_checked(fp, file))
			break;
		if (used + strlen(ops[o]) + 2 >= sizeof(vars))
			break;
		used += (size_t)snprintf(vars + used, sizeof(vars) - used,
					 "%s%s", used ? " " : "", ops[o]);
		npanels++;
	}
	for (size_t o = 0; o < nops; o++)
		free(ops[o]);
	if (!npanels) {
		snprintf(e->reason, sizeof(e->reason), "no cell reports"
			 " operation latencies");
		return;
	}
	snprintf(e->sentence, sizeof(e->sentence), "Latency percentiles"
		 " (p50 to max, log scale) of every operation kind, busiest"
		 " first, per allocator: medians over all traces and"
		 " repetitions (a median of 0 ns, below the clock's"
		 " resolution, is left out); a flat line is a predictable"
		 " allocator, a steep one has a long tail.");
	/* A grid close to square; one y range for all panels, from the data
	 * (a decade boundary at least a factor 2 beyond the extremes). */
	cols = 1;
	while (cols * cols < npanels)
		cols++;
	rows = (npanels + cols - 1) / cols;
	lo = pow(10, floor(log10(lo) - log10(2)));
	hi = pow(10, ceil(log10(hi) + log10(2)));
	{
		char v2[4400];

		snprintf(v2, sizeof(v2), "ops = '%s'\nnalloc = %zu\n"
			 "nrows = %zu\nncols = %zu\nymin = %g\nymax = %g\n"
			 "title_text = 'Latency percentiles (ns, log scale)'\n",
			 vars, pc->nallocs < 64 ? pc->nallocs : 64, rows, cols,
			 lo, hi);
		finish_plot(pc, e, "latency.gp", v2,
			    cols > 2 ? (int)(cols * 400) : 1100,
			    rows > 2 ? (int)(rows * 300 + 40) : 760);
	}
}

/* The trace with the most timeline points (of its first repetition). */
static char *timeline_trace(struct plot_ctx *pc)
{
	char **v;
	size_t n;
	char *r = NULL;

	if (res_query_strings(pc->db, "SELECT c.trace FROM timelines t JOIN"
			      " cells c ON c.id = t.cell_id WHERE c.status ="
			      " 'ok' AND t.name = 'timeline.footprint_bytes'"
			      " GROUP BY c.trace ORDER BY count(*) DESC, c.trace"
			      " LIMIT 1", NULL, 0, &v, &n))
		return NULL;
	if (n) {
		r = v[0];
		v[0] = NULL;
	}
	res_free_strings(v, n);
	return r;
}

/* tl_ALLOC.dat for @trace: the first ok cell's timeline. */
static int timeline_data(struct plot_ctx *pc, const char *trace,
			 const char *alloc, bool *unusable)
{
	static const char *const cols[] = {
		"timeline.footprint_bytes", "timeline.live_bytes",
		"timeline.unusable_index_3", "timeline.unusable_index_9",
	};
	double *x = NULL, *y[4] = { NULL };
	size_t nx = 0, ny[4] = { 0 };
	char file[256];
	const char *cell_sql = "(SELECT id FROM cells WHERE status = 'ok' AND"
		" trace = ?1 AND allocator = ?2 ORDER BY key LIMIT 1)";
	char sql[512];
	FILE *fp;
	int ret = -1;
	const char *p[3] = { trace, alloc, NULL };

	snprintf(sql, sizeof(sql), "SELECT x FROM timelines WHERE cell_id = %s"
		 " AND name = 'timeline.footprint_bytes' ORDER BY idx",
		 cell_sql);
	if (res_query_doubles(pc->db, sql, p, 2, &x, &nx) || !nx)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT y FROM timelines WHERE cell_id = %s"
		 " AND name = ?3 ORDER BY idx", cell_sql);
	for (int c = 0; c < 4; c++) {
		p[2] = cols[c];
		if (res_query_doubles(pc->db, sql, p, 3, &y[c], &ny[c]))
			goto out;
	}
	snprintf(file, sizeof(file), "tl_%s.dat", alloc);
	fp = open_in(pc, file);
	if (!fp)
		goto out;
	fprintf(fp, "# %s on %s: event footprint live unusable3 unusable9\n",
		alloc, trace);
	for (size_t i = 0; i < nx; i++) {
		fprintf(fp, "%.17g", x[i]);
		for (int c = 0; c < 4; c++)
			fprintf(fp, " %.9g", i < ny[c] ? y[c][i] : NAN);
		*unusable |= ny[2] > i || ny[3] > i;
		fputc('\n', fp);
	}
	ret = close_checked(fp, file);
out:
	free(x);
	for (int c = 0; c < 4; c++)
		free(y[c]);
	return ret;
}

static void plot_timelines(struct plot_ctx *pc)
{
	struct plot_entry *fr = entry(pc, "fragmentation",
				      "Fragmentation over time");
	struct plot_entry *fp = entry(pc, "footprint",
				      "Memory footprint over time");
	char *trace = timeline_trace(pc), words[1024], vars[1600], q[512];
	char label[64];
	size_t used = 0;
	bool unusable = false;

	words[0] = '\0';
	for (size_t a = 0; trace && a < pc->nallocs; a++)
		if (!timeline_data(pc, trace, pc->allocs[a], &unusable))
			used += (size_t)snprintf(words + used,
						 sizeof(words) - used, "%s%s",
						 used ? " " : "",
						 pc->allocs[a]);
	if (!used) {
		snprintf(fr->reason, sizeof(fr->reason), "the replays recorded"
			 " no timeline (replay --timeline N)");
		memcpy(fp->reason, fr->reason, sizeof(fp->reason));
		free(trace);
		return;
	}
	short_name(label, sizeof(label), trace);
	snprintf(fr->sentence, sizeof(fr->sentence), "Along trace %s (first"
		 " repetition): %sfootprint over live bytes (1.0 = no"
		 " overhead).", trace, unusable ? "the buddy allocator's"
		 " unusable index for order-3 and order-9 requests (0 = every"
		 " free page usable, 1 = none), and " : "");
	snprintf(fp->sentence, sizeof(fp->sentence), "Memory each allocator"
		 " holds along trace %s (first repetition) against the bytes"
		 " the trace keeps live (dashed).", trace);
	snprintf(vars, sizeof(vars), "allocs = '%s'\nhas_unusable = %d\n"
		 "title_text = 'Fragmentation along %s'\n", words, unusable,
		 gp_quote(q, sizeof(q), label));
	finish_plot(pc, fr, "fragmentation.gp", vars, 1000, 760);
	snprintf(vars, sizeof(vars), "allocs = '%s'\ntitle_text = "
		 "'Memory footprint along %s'\n", words, q);
	finish_plot(pc, fp, "footprint.gp", vars, 1000, 560);
	free(trace);
}

/* Request counts per class of @op for each trace (first ok cell). */
static int hist_data(struct plot_ctx *pc, const char *file,
		     const char *const *ops, size_t nops, bool orders)
{
	char **classes;
	size_t ncl;
	FILE *fp;
	int finite = 0;
	char like[2][96];
	const char *p[4];

	for (size_t i = 0; i < 2; i++)
		snprintf(like[i], sizeof(like[i]), "ops.%s.by_class.%%.count",
			 ops[i < nops ? i : 0]);
	p[0] = like[0];
	p[1] = like[1];
	/* classes in numeric order ("order-3" sorts by its number) */
	if (res_query_strings(pc->db, "SELECT substr(name, instr(name,"
			      " 'by_class.') + 9, length(name) - instr(name,"
			      " 'by_class.') - 14) AS cls FROM metrics WHERE"
			      " (name LIKE ?1 OR name LIKE ?2) AND value > 0"
			      " GROUP BY cls ORDER BY cls = 'large',"
			      " CAST(replace(cls, 'order-', '') AS INTEGER)",
			      p, 2, &classes, &ncl))
		return -1;
	fp = open_in(pc, file);
	if (!fp) {
		res_free_strings(classes, ncl);
		return -1;
	}
	fprintf(fp, "class");
	for (size_t t = 0; t < pc->ntraces; t++) {
		char name[64];

		short_name(name, sizeof(name), pc->traces[t]);
		fprintf(fp, " \"%s\"", name);
	}
	fputc('\n', fp);
	for (size_t c = 0; c < ncl; c++) {
		fprintf(fp, "\"%s\"", classes[c] + (orders ? 6 : 0));
		for (size_t t = 0; t < pc->ntraces; t++) {
			double sum = 0, *v;
			size_t n;
			char name[2][160];
			int any = 0;

			for (size_t o = 0; o < nops; o++) {
				snprintf(name[o], sizeof(name[o]),
					 "ops.%s.by_class.%s.count", ops[o],
					 classes[c]);
				p[0] = name[o];
				p[1] = pc->traces[t];
				if (res_query_doubles(pc->db, "SELECT m.value"
						      " FROM cells c JOIN metrics"
						      " m ON m.cell_id = c.id"
						      " WHERE m.name = ?1 AND"
						      " c.trace = ?2 AND"
						      " c.status = 'ok' ORDER BY"
						      " c.key LIMIT 1", p, 2,
						      &v, &n))
					continue;
				if (n) {
					sum += v[0];
					any = 1;
				}
				free(v);
			}
			fprintf(fp, " %.17g", any && sum > 0 ? sum : NAN);
			finite += any && sum > 0;
		}
		fputc('\n', fp);
	}
	res_free_strings(classes, ncl);
	return close_checked(fp, file) ? -1 : finite;
}

static void plot_trace_hist(struct plot_ctx *pc)
{
	static const char *const slab_ops[] = { "kmalloc",
						"kmem_cache_alloc" };
	static const char *const page_ops[] = { "page_alloc" };
	struct plot_entry *e = entry(pc, "trace_hist",
				     "The traces' size classes and orders");
	char vars[256];
	int a = hist_data(pc, "hist_sizes.dat", slab_ops, 2, false);
	int b = hist_data(pc, "hist_orders.dat", page_ops, 1, true);

	if (a <= 0 && b <= 0) {
		snprintf(e->reason, sizeof(e->reason), "the replays report no"
			 " requests per size class (ops.*.by_class)");
		return;
	}
	snprintf(e->sentence, sizeof(e->sentence), "What each trace asks"
		 " for: %s%s%s (log scale).", a > 0 ? "slab requests by"
		 " kmalloc size class" : "", a > 0 && b > 0 ? " and " : "",
		 b > 0 ? "page allocations by order" : "");
	snprintf(vars, sizeof(vars), "ntraces = %zu\nhas_sizes = %d\n"
		 "has_orders = %d\ntitle_text = 'Requests per size class and"
		 " order'\n", pc->ntraces, a > 0, b > 0);
	finish_plot(pc, e, "trace_hist.gp", vars, 1100, 520);
}

static void plot_fidelity(struct plot_ctx *pc)
{
	struct plot_entry *e = entry(pc, "fidelity",
				     "kmm fidelity to the recorded kernel");
	char *series[2] = { "kmalloc class", "cache size" };
	char vars[512];
	FILE *fp = open_in(pc, "fidelity.dat");
	int finite = 0;
	char label[512];

	if (!fp)
		return;
	fprintf(fp, "group \"%s\" lo hi \"%s\" lo hi\n", series[0], series[1]);
	for (size_t t = 0; t < pc->ntraces; t++)
		for (size_t m = 0; m < pc->nmodes; m++) {
			struct stats_summary s;

			row_label(pc, label, sizeof(label), pc->traces[t],
				  pc->modes[m]);
			fprintf(fp, "\"%s\"", label);
			group_stats(pc, "fidelity_class_pct", pc->traces[t],
				    "kmm", pc->modes[m], &s);
			fprintf(fp, " %.6g %.6g %.6g", s.median, s.ci_lo,
				s.ci_hi);
			finite += isfinite(s.median);
			group_stats(pc, "fidelity_cache_pct", pc->traces[t],
				    "kmm", pc->modes[m], &s);
			fprintf(fp, " %.6g %.6g %.6g\n", s.median, s.ci_lo,
				s.ci_hi);
			finite += isfinite(s.median);
		}
	if (close_checked(fp, "fidelity.dat") || !finite) {
		snprintf(e->reason, sizeof(e->reason), "no kmm cell reports"
			 " fidelity (the traces record no kernel cache sizes)");
		return;
	}
	snprintf(e->sentence, sizeof(e->sentence), "How often kmm picks the"
		 " same kmalloc size class and slab object size as the"
		 " recorded kernel did, in percent of the requests whose"
		 " kernel choice the trace shows.");
	snprintf(vars, sizeof(vars), "datafile = 'fidelity.dat'\nnseries = 2\n"
		 "title_text = 'kmm agreement with the recorded kernel'\n"
		 "ylabel_text = 'percent of requests'\n");
	finish_plot(pc, e, "bars.gp", vars, 1000, 520);
}

/* Summary table */

static void summarize(struct plot_ctx *pc)
{
	size_t cap = pc->ntraces * pc->nmodes * pc->nallocs + 1;

	pc->rows = kmb_xcalloc(cap, sizeof(*pc->rows));
	for (size_t t = 0; t < pc->ntraces; t++)
		for (size_t m = 0; m < pc->nmodes; m++)
			for (size_t a = 0; a < pc->nallocs; a++)
				plot_row_fill(pc->db, &pc->rows[pc->nrows++],
					      pc->traces[t], pc->allocs[a],
					      pc->modes[m], pc->baseline);
}

static char *read_env(struct plot_ctx *pc)
{
	char **v;
	size_t n;
	char *r = NULL;

	if (res_query_strings(pc->db, "SELECT env_json FROM runs ORDER BY id"
			      " LIMIT 1", NULL, 0, &v, &n))
		return NULL;
	if (n) {
		r = v[0];
		v[0] = NULL;
	}
	res_free_strings(v, n);
	return r;
}

static int write_reports(struct plot_ctx *pc)
{
	char *env = read_env(pc);
	struct plot_report rep = {
		.dir = pc->dir, .env_json = env, .baseline = pc->baseline,
		.rows = pc->rows, .nrows = pc->nrows,
	};
	int ret;

	for (int i = 0; i < pc->ne; i++) {
		rep.plots[i].name = pc->e[i].name;
		rep.plots[i].title = pc->e[i].title;
		rep.plots[i].sentence = pc->e[i].sentence;
		rep.plots[i].missing = pc->e[i].reason[0] ? pc->e[i].reason :
				       NULL;
	}
	rep.nplots = pc->ne;
	rep.failed = plot_failed_cells(pc->db, &rep.nfailed);
	ret = plot_write_report(&rep);
	plot_free_failed((struct plot_failed *)rep.failed, rep.nfailed);
	free(env);
	return ret;
}

static void plot_usage(FILE *fp)
{
	fprintf(fp,
"usage: kmbench plot [--baseline ALLOC] [--no-render] [RESULTS_DIR]\n\n"
"Writes the summary table (summary.txt, also on stdout), gnuplot data and\n"
"scripts with PNG and SVG images (plots/), report.html and report.md for\n"
"a matrix run (default: results/latest, here or in the source tree).  Ratios are against --baseline\n"
"(default glibc, else the first allocator).  --no-render writes data and\n"
"scripts only.  The scripts come from analysis/ ($KMBENCH_ANALYSIS).\n");
}

int cmd_plot(int argc, char **argv)
{
	struct plot_ctx pc = { .render = true };
	const char *dir = NULL, *baseline = NULL;
	char path[4096];
	int ret = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			plot_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
			baseline = argv[++i];
		} else if (!strcmp(argv[i], "--no-render")) {
			pc.render = false;
		} else if (argv[i][0] == '-' || dir) {
			kmb_warn("plot: unexpected argument '%s'", argv[i]);
			plot_usage(stderr);
			return KMB_EX_USAGE;
		} else {
			dir = argv[i];
		}
	}
	pc.dir = dir ? dir : access("results/latest", F_OK) == 0 ?
		 "results/latest" : KMBENCH_SOURCE_ROOT "/results/latest";
	snprintf(path, sizeof(path), "%s/matrix.db", pc.dir);
	if (access(path, R_OK)) {
		kmb_warn("%s: %s (run kmbench matrix first)", path,
			 strerror(errno));
		return KMB_EX_DATAERR;
	}
	if (res_open(path, false, &pc.db))
		return KMB_EX_DATAERR;
	if (res_distinct(pc.db, "trace", &pc.traces, &pc.ntraces) ||
	    res_distinct(pc.db, "allocator", &pc.allocs, &pc.nallocs) ||
	    res_distinct(pc.db, "mode", &pc.modes, &pc.nmodes)) {
		ret = KMB_EX_DATAERR;
		goto out;
	}
	if (!pc.ntraces) {
		kmb_warn("%s: no cells", path);
		ret = KMB_EX_DATAERR;
		goto out;
	}
	pc.baseline = pc.allocs[0];
	for (size_t a = 0; a < pc.nallocs; a++)
		if (!strcmp(pc.allocs[a], baseline ? baseline : "glibc"))
			pc.baseline = pc.allocs[a];
	if (baseline && strcmp(pc.baseline, baseline))
		kmb_warn("plot: no allocator '%s' in this run; ratios are"
			 " against %s", baseline, pc.baseline);
	snprintf(pc.plots, sizeof(pc.plots), "%s/plots", pc.dir);
	if (kmb_mkdir_p(pc.plots, 0755)) {
		kmb_warn("%s: %s", pc.plots, strerror(errno));
		ret = KMB_EX_IOERR;
		goto out;
	}
	summarize(&pc);
	/* plots show the traces that have results */
	res_free_strings(pc.traces, pc.ntraces);
	if (res_query_strings(pc.db, "SELECT trace FROM cells WHERE status ="
			      " 'ok' GROUP BY trace ORDER BY min(id)", NULL, 0,
			      &pc.traces, &pc.ntraces)) {
		ret = KMB_EX_DATAERR;
		goto out;
	}
	plot_bars(&pc, "ns_per_event", "Replay time per event",
		  "ns_per_event", "ns per event (median, 95% CI)",
		  "Wall time of the replay divided by the events replayed, per"
		  " trace and allocator: bars are medians over the"
		  " repetitions, whiskers their 95% bootstrap interval; lower"
		  " is faster.");
	plot_latency(&pc);
	plot_timelines(&pc);
	plot_bars(&pc, "tlb", "TLB misses per 1000 accesses",
		  "tlb_misses_per_1k", "misses per 1000 accesses",
		  "TLB misses per 1000 memory accesses of the replay under the"
		  " software TLB model, per trace and allocator: how well"
		  " each allocator keeps the working set on few pages.");
	plot_bars(&pc, "tlb_hw", "Hardware dTLB load misses per 1000"
		  " instructions", "hw_dtlb_misses_per_1k_instr",
		  "misses per 1000 instructions",
		  "Data-TLB load misses the CPU counted during each replay per"
		  " 1000 instructions (perf events), per trace and allocator.");
	plot_trace_hist(&pc);
	plot_fidelity(&pc);
	ret = write_reports(&pc) ? KMB_EX_IOERR : 0;
	if (!ret) {
		plot_print_summary(stdout, pc.rows, pc.nrows, pc.baseline);
		for (int i = 0; i < pc.ne; i++)
			if (pc.e[i].reason[0])
				fprintf(stderr, "plot: no %s plot: %s\n",
					pc.e[i].name, pc.e[i].reason);
		printf("report: %s/report.html\n", pc.dir);
	}
out:
	free(pc.rows);
	res_free_strings(pc.traces, pc.ntraces);
	res_free_strings(pc.allocs, pc.nallocs);
	res_free_strings(pc.modes, pc.nmodes);
	res_close(pc.db);
	return ret;
}
