// SPDX-License-Identifier: GPL-2.0
/*
 * bench/results_report.c - summary table, report.md and report.html (see
 * results_report.h).  The HTML needs nothing but the images beside it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jsonr.h"
#include "results.h"
#include "results_report.h"
#include "util.h"

static double median_of(struct res_db *db, const char *metric,
			const char *trace, const char *alloc, const char *mode)
{
	double *v, m;
	size_t n;

	if (res_values(db, metric, trace, alloc, mode, &v, &n))
		return NAN;
	m = stats_median(v, n);
	free(v);
	return m;
}

void plot_row_fill(struct res_db *db, struct plot_row *r, const char *trace,
		   const char *alloc, const char *mode, const char *baseline)
{
	double *v = NULL, *b = NULL, *f;
	size_t n = 0, nb = 0, nf;
	const char *p[3] = { trace, alloc, mode };

	memset(r, 0, sizeof(*r));
	snprintf(r->trace, sizeof(r->trace), "%s", trace);
	snprintf(r->alloc, sizeof(r->alloc), "%s", alloc);
	snprintf(r->mode, sizeof(r->mode), "%s", mode);
	if (res_values(db, "ns_per_event", trace, alloc, mode, &v, &n))
		n = 0;
	stats_summarize(v, n, &r->s);
	r->noisy = n > 1 && r->s.cv > STATS_NOISY_CV;
	if (res_values(db, "ns_per_event", trace, baseline, mode, &b, &nb))
		nb = 0;
	r->ratio = stats_ratio(v, n, b, nb, &r->rlo, &r->rhi);
	if (!res_query_doubles(db, "SELECT count(*) FROM cells WHERE trace ="
			       " ?1 AND allocator = ?2 AND mode = ?3 AND"
			       " status != 'ok'", p, 3, &f, &nf)) {
		r->failed = nf ? (size_t)f[0] : 0;
		free(f);
	}
	r->kmalloc_ns = median_of(db, "ops.kmalloc.ns.mean", trace, alloc,
				  mode);
	r->footprint_mib = median_of(db, "fragmentation.peak_footprint_bytes",
				     trace, alloc, mode) / 1048576.0;
	free(v);
	free(b);
}

static void fmt(char *buf, size_t len, double v, const char *f)
{
	if (isfinite(v))
		snprintf(buf, len, f, v);
	else
		snprintf(buf, len, "-");
}

/* The table cells of one row, as strings (shared by text, md, html). */
struct row_text {
	char n[32], med[32], ci[56], iqr[32], cv[32], ratio[64], kns[32],
	     fp[32], note[64];
};

static void row_text(const struct plot_row *r, const char *baseline,
		     struct row_text *t)
{
	char lo[24], hi[24];

	snprintf(t->n, sizeof(t->n), "%zu/%zu", r->s.n, r->s.n + r->failed);
	fmt(t->med, sizeof(t->med), r->s.median, "%.2f");
	fmt(lo, sizeof(lo), r->s.ci_lo, "%.2f");
	fmt(hi, sizeof(hi), r->s.ci_hi, "%.2f");
	snprintf(t->ci, sizeof(t->ci), "%s..%s", lo, hi);
	fmt(t->iqr, sizeof(t->iqr), r->s.iqr, "%.2f");
	fmt(t->cv, sizeof(t->cv), r->s.cv * 100, "%.1f");
	if (!strcmp(r->alloc, baseline) || !isfinite(r->ratio)) {
		snprintf(t->ratio, sizeof(t->ratio), "%s",
			 strcmp(r->alloc, baseline) || !r->s.n ? "-" :
			 "1 (baseline)");
	} else {
		fmt(lo, sizeof(lo), r->rlo, "%.3f");
		fmt(hi, sizeof(hi), r->rhi, "%.3f");
		snprintf(t->ratio, sizeof(t->ratio), "%.3f (%s..%s)",
			 r->ratio, lo, hi);
	}
	fmt(t->kns, sizeof(t->kns), r->kmalloc_ns, "%.1f");
	fmt(t->fp, sizeof(t->fp), r->footprint_mib, "%.2f");
	snprintf(t->note, sizeof(t->note), "%s%s%s", r->noisy ? "noisy" : "",
		 r->noisy && r->failed ? ", " : "",
		 r->failed ? "failed cells" : "");
}

static const char *const head[] = {
	"trace", "mode", "allocator", "ok/cells", "ns/event", "95% CI",
	"IQR", "CV %", "ratio", "kmalloc ns", "peak MiB", "note",
};
#define NCOLS (sizeof(head) / sizeof(head[0]))

static void row_cols(const struct plot_row *r, struct row_text *t,
		     const char **c)
{
	const char *v[NCOLS] = { r->trace, r->mode, r->alloc, t->n, t->med,
				 t->ci, t->iqr, t->cv, t->ratio, t->kns, t->fp,
				 t->note };

	memcpy(c, v, sizeof(v));
}

void plot_print_summary(FILE *fp, const struct plot_row *rows, size_t n,
			const char *baseline)
{
	int w[NCOLS];
	struct row_text t;
	const char *c[NCOLS];

	for (size_t k = 0; k < NCOLS; k++)
		w[k] = (int)strlen(head[k]);
	for (size_t i = 0; i < n; i++) {
		row_text(&rows[i], baseline, &t);
		row_cols(&rows[i], &t, c);
		for (size_t k = 0; k < NCOLS; k++)
			if ((int)strlen(c[k]) > w[k])
				w[k] = (int)strlen(c[k]);
	}
	fprintf(fp, "ns/event: median over repetitions, 95%% bootstrap CI;"
		" ratio: median ns/event over %s's on the same trace\n",
		baseline);
	for (size_t k = 0; k < NCOLS; k++)
		fprintf(fp, "%-*s%s", w[k], head[k], k + 1 < NCOLS ? "  " :
			"\n");
	for (size_t i = 0; i < n; i++) {
		row_text(&rows[i], baseline, &t);
		row_cols(&rows[i], &t, c);
		for (size_t k = 0; k < NCOLS; k++)
			fprintf(fp, k >= 3 && k <= 10 ? "%*s%s" : "%-*s%s",
				w[k], c[k], k + 1 < NCOLS ? "  " : "\n");
	}
}

struct plot_failed *plot_failed_cells(struct res_db *db, size_t *n)
{
	char **keys = NULL, **st = NULL, **msg = NULL;
	size_t nk = 0, ns = 0, nm = 0;
	struct plot_failed *f;
	static const char *where = " FROM cells WHERE status != 'ok' ORDER BY"
				   " key";
	char sql[3][160];

	snprintf(sql[0], sizeof(sql[0]), "SELECT key%s", where);
	snprintf(sql[1], sizeof(sql[1]), "SELECT status%s", where);
	snprintf(sql[2], sizeof(sql[2]), "SELECT rtrim(stderr_tail, char(10))"
		 "%s", where);
	*n = 0;
	if (res_query_strings(db, sql[0], NULL, 0, &keys, &nk) ||
	    res_query_strings(db, sql[1], NULL, 0, &st, &ns) ||
	    res_query_strings(db, sql[2], NULL, 0, &msg, &nm) ||
	    nk != ns || nk != nm) {
		res_free_strings(keys, nk);
		res_free_strings(st, ns);
		res_free_strings(msg, nm);
		return NULL;
	}
	f = kmb_xcalloc(nk + 1, sizeof(*f));
	for (size_t i = 0; i < nk; i++) {
		char *m = msg[i] ? msg[i] : kmb_xstrdup(""), *nl;

		nl = strrchr(m, '\n');
		f[i].key = keys[i];
		f[i].status = st[i];
		f[i].msg = kmb_xstrdup(nl ? nl + 1 : m);
		free(m);
	}
	free(keys);
	free(st);
	free(msg);
	*n = nk;
	return f;
}

void plot_free_failed(struct plot_failed *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		free(f[i].key);
		free(f[i].status);
		free(f[i].msg);
	}
	free(f);
}

/* Markdown and HTML writers share one walk over the report. */
struct out {
	FILE *fp;
	bool html;
};

static void esc(struct out *o, const char *s)
{
	for (; s && *s; s++) {
		if (o->html && *s == '<')
			fputs("&lt;", o->fp);
		else if (o->html && *s == '>')
			fputs("&gt;", o->fp);
		else if (o->html && *s == '&')
			fputs("&amp;", o->fp);
		else if (!o->html && (*s == '|' || *s == '*' || *s == '_'))
			fprintf(o->fp, "\\%c", *s);
		else if (*s == '\n')
			fputc(' ', o->fp);
		else
			fputc(*s, o->fp);
	}
}

static void heading(struct out *o, int level, const char *s)
{
	if (o->html) {
		fprintf(o->fp, "<h%d>", level);
		esc(o, s);
		fprintf(o->fp, "</h%d>\n", level);
	} else {
		fprintf(o->fp, "\n%.*s ", level, "###");
		esc(o, s);
		fputs("\n\n", o->fp);
	}
}

static void para(struct out *o, const char *s)
{
	fputs(o->html ? "<p>" : "", o->fp);
	esc(o, s);
	fputs(o->html ? "</p>\n" : "\n\n", o->fp);
}

static void table_row(struct out *o, const char *const *c, size_t n,
		      bool header)
{
	if (o->html) {
		fputs("<tr>", o->fp);
		for (size_t k = 0; k < n; k++) {
			fputs(header ? "<th>" : "<td>", o->fp);
			esc(o, c[k]);
			fputs(header ? "</th>" : "</td>", o->fp);
		}
		fputs("</tr>\n", o->fp);
		return;
	}
	fputc('|', o->fp);
	for (size_t k = 0; k < n; k++) {
		fputc(' ', o->fp);
		esc(o, c[k]);
		fputs(" |", o->fp);
	}
	fputc('\n', o->fp);
	if (header) {
		fputc('|', o->fp);
		for (size_t k = 0; k < n; k++)
			fputs(" --- |", o->fp);
		fputc('\n', o->fp);
	}
}

static void table_begin(struct out *o)
{
	fputs(o->html ? "<table>\n" : "", o->fp);
}

static void table_end(struct out *o)
{
	fputs(o->html ? "</table>\n" : "\n", o->fp);
}

/* The environment's scalars, one row each ("build.lto", ...). */
static void env_rows(struct out *o, const struct jv *v, const char *prefix)
{
	char key[256], val[512];

	for (size_t i = 0; v && v->type == JV_OBJ && i < v->n; i++) {
		const struct jv *x = v->items[i];
		const char *c[2] = { key, val };

		snprintf(key, sizeof(key), "%s%s", prefix, v->keys[i]);
		if (x->type == JV_OBJ) {
			char sub[260];

			snprintf(sub, sizeof(sub), "%s.", key);
			env_rows(o, x, sub);
			continue;
		}
		if (x->type == JV_STR)
			snprintf(val, sizeof(val), "%s", x->str);
		else if (x->type == JV_NUM)
			snprintf(val, sizeof(val), "%g", x->num);
		else if (x->type == JV_BOOL)
			snprintf(val, sizeof(val), "%s", x->b ? "yes" : "no");
		else
			snprintf(val, sizeof(val), "unknown");
		table_row(o, c, 2, false);
	}
}

static void build_sentence(const struct jv *env, char *buf, size_t len)
{
	const struct jv *b = jv_get(env, "build");
	const char *pgo = jv_str(jv_get(b, "pgo"), "off");

	snprintf(buf, len, "Produced by the kmbench build %s (%s, %s, LTO %s,"
		 " -march=native %s, PGO %s%s%s), git %s.",
		 jv_str(jv_get(b, "version"), "?"),
		 jv_str(jv_get(b, "compiler"), "?"),
		 jv_str(jv_get(b, "buildtype"), "?"),
		 jv_get(b, "lto") && jv_get(b, "lto")->b ? "on" : "off",
		 jv_get(b, "native") && jv_get(b, "native")->b ? "on" : "off",
		 !strcmp(pgo, "use") ? "on (profile-guided)" : pgo,
		 *jv_str(jv_get(b, "sanitize"), "none") &&
		 strcmp(jv_str(jv_get(b, "sanitize"), "none"), "none") ?
		 ", sanitizers " : "",
		 strcmp(jv_str(jv_get(b, "sanitize"), "none"), "none") ?
		 jv_str(jv_get(b, "sanitize"), "") : "",
		 jv_str(jv_get(b, "git"), "?"));
	if (jv_str(jv_get(env, "replay_build"), NULL))
		snprintf(buf + strlen(buf), len - strlen(buf), "  The cells"
			 " were replayed by %s: %s.",
			 jv_str(jv_get(env, "replay_program"), "?"),
			 jv_str(jv_get(env, "replay_build"), "?"));
}

static void write_plots(struct out *o, const struct plot_report *r)
{
	heading(o, 2, "Plots");
	for (int i = 0; i < r->nplots; i++) {
		const char *n = r->plots[i].name;

		heading(o, 3, r->plots[i].title);
		if (r->plots[i].missing) {
			char msg[512];

			snprintf(msg, sizeof(msg), "No plot: %s.",
				 r->plots[i].missing);
			para(o, msg);
			continue;
		}
		if (o->html)
			fprintf(o->fp, "<p><a href=\"plots/%s.svg\"><img src="
				"\"plots/%s.png\" alt=\"%s\"></a></p>\n", n, n,
				r->plots[i].title);
		else
			fprintf(o->fp, "![%s](plots/%s.png)\n\n(SVG:"
				" [plots/%s.svg](plots/%s.svg))\n\n",
				r->plots[i].title, n, n, n);
		para(o, r->plots[i].sentence);
	}
}

static void write_report(struct out *o, const struct plot_report *r,
			 const struct jv *env)
{
	char line[1024];
	struct row_text t;
	const char *c[NCOLS];
	size_t noisy = 0;

	if (o->html)
		fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		      "<title>kmbench report</title>\n<style>body{font-family:"
		      "sans-serif;max-width:1200px;margin:auto;padding:1em}"
		      "table{border-collapse:collapse;font-size:90%}td,th{"
		      "border:1px solid #bbb;padding:2px 6px}td{text-align:"
		      "right}td:nth-child(-n+3){text-align:left}img{max-width:"
		      "100%}</style></head><body>\n", o->fp);
	snprintf(line, sizeof(line), "kmbench report: %s", r->dir);
	heading(o, 1, line);
	build_sentence(env, line, sizeof(line));
	para(o, line);
	heading(o, 2, "Environment");
	table_begin(o);
	{
		const char *h[2] = { "what", "value" };

		table_row(o, h, 2, true);
	}
	env_rows(o, env, "");
	table_end(o);
	heading(o, 2, "Summary");
	snprintf(line, sizeof(line), "ns/event is the replay's wall time over"
		 " its events, median over the repetitions with a 95%%"
		 " bootstrap interval; ratio is that median over %s's on the"
		 " same trace and mode (below 1: faster than %s).  Groups whose"
		 " coefficient of variation is above %.0f%% are flagged noisy.",
		 r->baseline, r->baseline, STATS_NOISY_CV * 100);
	para(o, line);
	table_begin(o);
	table_row(o, head, NCOLS, true);
	for (size_t i = 0; i < r->nrows; i++) {
		row_text(&r->rows[i], r->baseline, &t);
		row_cols(&r->rows[i], &t, c);
		table_row(o, c, NCOLS, false);
		noisy += r->rows[i].noisy;
	}
	table_end(o);
	if (noisy) {
		snprintf(line, sizeof(line), "Noisy (CV above %.0f%%):",
			 STATS_NOISY_CV * 100);
		for (size_t i = 0; i < r->nrows; i++)
			if (r->rows[i].noisy)
				snprintf(line + strlen(line),
					 sizeof(line) - strlen(line),
					 " %s/%s/%s (%.1f%%)", r->rows[i].trace,
					 r->rows[i].alloc, r->rows[i].mode,
					 r->rows[i].s.cv * 100);
		para(o, line);
	} else {
		para(o, "No group is noisy.");
	}
	write_plots(o, r);
	if (r->nfailed) {
		const char *h[3] = { "cell", "status", "last line of stderr" };

		heading(o, 2, "Failed cells");
		table_begin(o);
		table_row(o, h, 3, true);
		for (size_t i = 0; i < r->nfailed; i++) {
			const char *f[3] = { r->failed[i].key,
					     r->failed[i].status,
					     r->failed[i].msg };

			table_row(o, f, 3, false);
		}
		table_end(o);
	}
	if (o->html)
		fputs("</body></html>\n", o->fp);
}

static int write_one(const struct plot_report *r, const struct jv *env,
		     const char *name, int kind)
{
	char path[4096];
	struct kmb_atomic_file af;
	struct out o;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	ret = kmb_atomic_open(&af, path);
	if (ret) {
		kmb_warn("%s: %s", path, strerror(-ret));
		return -1;
	}
	o.fp = af.fp;
	o.html = kind == 1;
	if (kind == 2)
		plot_print_summary(af.fp, r->rows, r->nrows, r->baseline);
	else
		write_report(&o, r, env);
	ret = kmb_atomic_commit(&af);
	if (ret)
		kmb_warn("%s: %s", path, strerror(-ret));
	return ret ? -1 : 0;
}

int plot_write_report(const struct plot_report *r)
{
	char err[128];
	struct jv *env = r->env_json ? jv_parse(r->env_json,
						strlen(r->env_json), err,
						sizeof(err)) : NULL;
	int ret = 0;

	ret |= write_one(r, env, "report.md", 0);
	ret |= write_one(r, env, "report.html", 1);
	ret |= write_one(r, env, "summary.txt", 2);
	jv_free(env);
	return ret;
}
