// SPDX-License-Identifier: GPL-2.0
/*
 * bench/results.c - the SQLite results store (see results.h).
 *
 * Durability: the database runs in WAL mode with synchronous=FULL, and
 * every cell is one transaction, so a SIGKILL (or power loss) at any moment
 * leaves every committed cell intact and no partial one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "jsonr.h"
#include "results.h"
#include "util.h"

void res_cell_key(char *buf, size_t len, const char *trace, const char *alloc,
		  const char *mode, int rep)
{
	snprintf(buf, len, "%s|%s|%s|%d", trace, alloc, mode, rep);
}

void res_free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

#if HAVE_SQLITE
#include <sqlite3.h>

struct res_db {
	sqlite3 *db;
	char *path;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS runs ("
	" id INTEGER PRIMARY KEY, started TEXT, host TEXT, shard TEXT,"
	" env_json TEXT, config_json TEXT);"
	"CREATE TABLE IF NOT EXISTS cells ("
	" id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),"
	" key TEXT UNIQUE NOT NULL, trace TEXT, allocator TEXT, mode TEXT,"
	" rep INTEGER, status TEXT, exit_code INTEGER, wall_s REAL,"
	" pinned_cpu INTEGER, stderr_tail TEXT, json TEXT,"
	" hyperfine_json TEXT, finished TEXT);"
	"CREATE TABLE IF NOT EXISTS metrics ("
	" cell_id INTEGER REFERENCES cells(id), name TEXT, value REAL,"
	" PRIMARY KEY (cell_id, name));"
	"CREATE TABLE IF NOT EXISTS histograms ("
	" cell_id INTEGER REFERENCES cells(id), name TEXT, idx INTEGER,"
	" x REAL, y REAL, PRIMARY KEY (cell_id, name, idx));"
	"CREATE TABLE IF NOT EXISTS timelines ("
	" cell_id INTEGER REFERENCES cells(id), name TEXT, idx INTEGER,"
	" x REAL, y REAL, PRIMARY KEY (cell_id, name, idx));"
	"CREATE INDEX IF NOT EXISTS metrics_name ON metrics(name);";

static int db_error(struct res_db *db, const char *what)
{
	kmb_warn("%s: %s: %s", db->path, what, sqlite3_errmsg(db->db));
	return -1;
}

static int exec(struct res_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		kmb_warn("%s: %s", db->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *prepare(struct res_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(db, "prepare");
		return NULL;
	}
	return st;
}

int res_open(const char *path, bool create, struct res_db **out)
{
	struct res_db *db = kmb_xcalloc(1, sizeof(*db));
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	db->path = kmb_xstrdup(path);
	if (!create && access(path, F_OK) != 0) {
		kmb_warn("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK) {
		db_error(db, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db->db, 10000);
	if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"))
		goto fail;
	if (exec(db, schema))
		goto fail;
	*out = db;
	return 0;
fail:
	res_close(db);
	return -1;
}

void res_close(struct res_db *db)
{
	if (!db)
		return;
	if (db->db)
		sqlite3_close(db->db);
	free(db->path);
	free(db);
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int64_t res_run_add(struct res_db *db, const char *host, const char *shard,
		    const char *env_json, const char *config_json)
{
	sqlite3_stmt *st = prepare(db, "INSERT INTO runs (started, host,"
				   " shard, env_json, config_json)"
				   " VALUES (?, ?, ?, ?, ?)");
	char now[32];
	int64_t id = -1;

	if (!st)
		return -1;
	iso_now(now, sizeof(now));
	bind_text(st, 1, now);
	bind_text(st, 2, host);
	bind_text(st, 3, shard);
	bind_text(st, 4, env_json);
	bind_text(st, 5, config_json);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db->db);
	else
		db_error(db, "insert run");
	sqlite3_finalize(st);
	return id;
}

char *res_run_config(struct res_db *db)
{
	char **v;
	size_t n;
	char *r = NULL;

	if (res_query_strings(db, "SELECT config_json FROM runs ORDER BY id"
			      " LIMIT 1", NULL, 0, &v, &n))
		return NULL;
	if (n) {
		r = v[0];
		v[0] = NULL;
	}
	res_free_strings(v, n);
	return r;
}

long res_cell_count(struct res_db *db)
{
	double *v;
	size_t n;
	long r = -1;

	if (!res_query_doubles(db, "SELECT count(*) FROM cells", NULL, 0, &v,
			       &n)) {
		r = n ? (long)v[0] : 0;
		free(v);
	}
	return r;
}

bool res_cell_done(struct res_db *db, const char *key)
{
	sqlite3_stmt *st = prepare(db, "SELECT 1 FROM cells WHERE key = ?");
	bool done;

	if (!st)
		return false;
	bind_text(st, 1, key);
	done = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return done;
}

/* Walking a cell's JSON into metrics and series rows */
struct flatten {
	struct res_db *db;
	sqlite3_stmt *metric, *hist, *tl;
	int64_t cell;
	int err;
};

static bool is_histogram(const char *name)
{
	return strstr(name, "hist") || strstr(name, "sizes") ||
	       strstr(name, "orders") || strstr(name, "classes");
}

static void put_point(struct flatten *f, const char *name, int idx, double x,
		      double y)
{
	sqlite3_stmt *st = is_histogram(name) ? f->hist : f->tl;

	if (f->err)
		return;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, f->cell);
	bind_text(st, 2, name);
	sqlite3_bind_int(st, 3, idx);
	sqlite3_bind_double(st, 4, x);
	sqlite3_bind_double(st, 5, y);
	if (sqlite3_step(st) != SQLITE_DONE)
		f->err = db_error(f->db, "insert series point");
}

static void put_metric(struct flatten *f, const char *name, double v)
{
	if (f->err || !isfinite(v))
		return;
	sqlite3_reset(f->metric);
	sqlite3_bind_int64(f->metric, 1, f->cell);
	bind_text(f->metric, 2, name);
	sqlite3_bind_double(f->metric, 3, v);
	if (sqlite3_step(f->metric) != SQLITE_DONE)
		f->err = db_error(f->db, "insert metric");
}

static bool all_numbers(const struct jv *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->items[i]->type != JV_NUM)
			return false;
	return true;
}

/* First numeric member of an object (the x of a series point). */
static const struct jv *first_number(const struct jv *o, size_t *at)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->items[i]->type == JV_NUM) {
			*at = i;
			return o->items[i];
		}
	return NULL;
}

/*
 * Arrays become series: [y, ...] (x = index), [[x, y], ...], or
 * [{ "x-name": x, "a": y1, "b": y2 }, ...] (one series per member after
 * the first number, named PATH.MEMBER).
 */
static void flatten_array(struct flatten *f, const char *path,
			  const struct jv *a)
{
	char name[256];

	if (all_numbers(a)) {
		for (size_t i = 0; i < a->n; i++)
			put_point(f, path, (int)i, (double)i,
				  a->items[i]->num);
		return;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct jv *e = a->items[i];
		size_t xi;
		const struct jv *x;

		if (e->type == JV_ARR && e->n >= 2 && all_numbers(e)) {
			put_point(f, path, (int)i, e->items[0]->num,
				  e->items[1]->num);
			continue;
		}
		if (e->type != JV_OBJ || !(x = first_number(e, &xi)))
			continue;
		for (size_t k = xi + 1; k < e->n; k++) {
			if (e->items[k]->type != JV_NUM)
				continue;
			snprintf(name, sizeof(name), "%s.%s", path, e->keys[k]);
			put_point(f, name, (int)i, x->num, e->items[k]->num);
		}
	}
}

static void flatten(struct flatten *f, const char *path, const struct jv *v)
{
	char sub[256];

	switch (v->type) {
	case JV_NUM:
		put_metric(f, path, v->num);
		break;
	case JV_BOOL:
		put_metric(f, path, v->b);
		break;
	case JV_OBJ:
		for (size_t i = 0; i < v->n; i++) {
			snprintf(sub, sizeof(sub), "%s%s%s", path,
				 *path ? "." : "", v->keys[i]);
			flatten(f, sub, v->items[i]);
		}
		break;
	case JV_ARR:
		flatten_array(f, path, v);
		break;
	default:
		break;
	}
}

int res_cell_store(struct res_db *db, int64_t run_id,
		   const struct res_cell *c, const struct jv *doc)
{
	struct flatten f = { .db = db };
	sqlite3_stmt *st;
	char key[512], now[32];

	if (exec(db, "BEGIN IMMEDIATE"))
		return -1;
	st = prepare(db, "INSERT OR REPLACE INTO cells (run_id, key, trace,"
		     " allocator, mode, rep, status, exit_code, wall_s,"
		     " pinned_cpu, stderr_tail, json, hyperfine_json, finished)"
		     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!st)
		goto fail;
	res_cell_key(key, sizeof(key), c->trace, c->allocator, c->mode,
		     c->rep);
	iso_now(now, sizeof(now));
	sqlite3_bind_int64(st, 1, run_id);
	bind_text(st, 2, key);
	bind_text(st, 3, c->trace);
	bind_text(st, 4, c->allocator);
	bind_text(st, 5, c->mode);
	sqlite3_bind_int(st, 6, c->rep);
	bind_text(st, 7, c->status);
	sqlite3_bind_int(st, 8, c->exit_code);
	sqlite3_bind_double(st, 9, c->wall_s);
	sqlite3_bind_int(st, 10, c->pinned_cpu);
	bind_text(st, 11, c->stderr_tail);
	bind_text(st, 12, c->json);
	bind_text(st, 13, c->hyperfine_json);
	bind_text(st, 14, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_error(db, "insert cell");
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	f.cell = sqlite3_last_insert_rowid(db->db);
	if (doc) {
		f.metric = prepare(db, "INSERT OR REPLACE INTO metrics"
				   " VALUES (?, ?, ?)");
		f.hist = prepare(db, "INSERT OR REPLACE INTO histograms"
				 " VALUES (?, ?, ?, ?, ?)");
		f.tl = prepare(db, "INSERT OR REPLACE INTO timelines"
			       " VALUES (?, ?, ?, ?, ?)");
		if (!f.metric || !f.hist || !f.tl)
			f.err = -1;
		else
			flatten(&f, "", doc);
		sqlite3_finalize(f.metric);
		sqlite3_finalize(f.hist);
		sqlite3_finalize(f.tl);
		if (f.err)
			goto fail;
	}
	if (exec(db, "COMMIT"))
		goto fail;
	return 0;
fail:
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int bind_params(sqlite3_stmt *st, const char *const *params, int np)
{
	for (int i = 0; i < np; i++)
		bind_text(st, i + 1, params[i]);
	return 0;
}

int res_query_strings(struct res_db *db, const char *sql,
		      const char *const *params, int np, char ***out,
		      size_t *n)
{
	sqlite3_stmt *st = prepare(db, sql);
	size_t cap = 8;
	int rc;

	*n = 0;
	*out = NULL;
	if (!st)
		return -1;
	bind_params(st, params, np);
	*out = kmb_xmalloc(cap * sizeof(**out));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(st, 0);

		if (*n == cap)
			*out = kmb_xrealloc(*out, (cap *= 2) * sizeof(**out));
		(*out)[(*n)++] = s ? kmb_xstrdup((const char *)s) : NULL;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, "query");
	return 0;
}

int res_query_doubles(struct res_db *db, const char *sql,
		      const char *const *params, int np, double **out,
		      size_t *n)
{
	sqlite3_stmt *st = prepare(db, sql);
	size_t cap = 16;
	int rc;

	*n = 0;
	*out = NULL;
	if (!st)
		return -1;
	bind_params(st, params, np);
	*out = kmb_xmalloc(cap * sizeof(**out));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap)
			*out = kmb_xrealloc(*out, (cap *= 2) * sizeof(**out));
		(*out)[(*n)++] = sqlite3_column_type(st, 0) == SQLITE_NULL ?
				 NAN : sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, "query");
	return 0;
}

/* Copy one input database's runs and new cells into @db. */
static int merge_one(struct res_db *db, const char *in)
{
	sqlite3_stmt *st, *runs;
	double *dup;
	size_t ndup;
	int ret = -1;

	st = prepare(db, "ATTACH DATABASE ? AS src");
	if (!st)
		return -1;
	bind_text(st, 1, in);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_error(db, in);
	}
	sqlite3_finalize(st);
	if (res_query_doubles(db, "SELECT count(*) FROM src.cells WHERE key"
			      " IN (SELECT key FROM main.cells)", NULL, 0,
			      &dup, &ndup))
		goto detach;
	if (ndup && dup[0] > 0)
		kmb_warn("%s: %.0f cell(s) already merged from an earlier"
			 " input; keeping the first", in, dup[0]);
	free(dup);
	if (exec(db, "BEGIN IMMEDIATE"))
		goto detach;
	runs = prepare(db, "SELECT id FROM src.runs ORDER BY id");
	if (!runs)
		goto rollback;
	while (sqlite3_step(runs) == SQLITE_ROW) {
		sqlite3_int64 old = sqlite3_column_int64(runs, 0), new;
		static const char *const copy[] = {
			"INSERT INTO main.cells (run_id, key, trace, allocator,"
			" mode, rep, status, exit_code, wall_s, pinned_cpu,"
			" stderr_tail, json, hyperfine_json, finished)"
			" SELECT ?2, key, trace, allocator, mode, rep, status,"
			" exit_code, wall_s, pinned_cpu, stderr_tail, json,"
			" hyperfine_json, finished FROM src.cells"
			" WHERE run_id = ?1 AND key NOT IN"
			" (SELECT key FROM main.cells)",
			"INSERT INTO main.metrics SELECT m.id, s.name, s.value"
			" FROM src.metrics s JOIN src.cells c ON s.cell_id = c.id"
			" JOIN main.cells m ON m.key = c.key"
			" WHERE c.run_id = ?1 AND m.run_id = ?2",
			"INSERT INTO main.histograms SELECT m.id, s.name, s.idx,"
			" s.x, s.y FROM src.histograms s JOIN src.cells c"
			" ON s.cell_id = c.id JOIN main.cells m ON m.key = c.key"
			" WHERE c.run_id = ?1 AND m.run_id = ?2",
			"INSERT INTO main.timelines SELECT m.id, s.name, s.idx,"
			" s.x, s.y FROM src.timelines s JOIN src.cells c"
			" ON s.cell_id = c.id JOIN main.cells m ON m.key = c.key"
			" WHERE c.run_id = ?1 AND m.run_id = ?2",
		};

		st = prepare(db, "INSERT INTO main.runs (started, host, shard,"
			     " env_json, config_json) SELECT started, host, shard,"
			     " env_json, config_json FROM src.runs WHERE id = ?1");
		if (!st)
			goto rollback_runs;
		sqlite3_bind_int64(st, 1, old);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			db_error(db, "merge run");
			goto rollback_runs;
		}
		sqlite3_finalize(st);
		new = sqlite3_last_insert_rowid(db->db);
		for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
			st = prepare(db, copy[i]);
			if (!st)
				goto rollback_runs;
			sqlite3_bind_int64(st, 1, old);
			sqlite3_bind_int64(st, 2, new);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				db_error(db, "merge cells");
				goto rollback_runs;
			}
			sqlite3_finalize(st);
		}
	}
	sqlite3_finalize(runs);
	ret = exec(db, "COMMIT");
	if (ret)
		goto rollback;
	goto detach;
rollback_runs:
	sqlite3_finalize(runs);
rollback:
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	ret = -1;
detach:
	sqlite3_exec(db->db, "DETACH DATABASE src", NULL, NULL, NULL);
	return ret;
}

int res_merge(const char *out, char *const *in, int n)
{
	struct res_db *db;
	int ret = 0;

	if (access(out, F_OK) == 0) {
		kmb_warn("%s exists already; merge writes a new database",
			 out);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (access(in[i], R_OK) != 0) {
			kmb_warn("%s: %s", in[i], strerror(errno));
			return -1;
		}
	if (res_open(out, true, &db))
		return -1;
	for (int i = 0; i < n && !ret; i++)
		ret = merge_one(db, in[i]);
	res_close(db);
	if (ret)
		unlink(out);
	return ret;
}

#else /* !HAVE_SQLITE */

int res_open(const char *path, bool create, struct res_db **out)
{
	kmb_warn("%s: kmbench was built without SQLite (libsqlite3-dev)",
		 path);
	return -1;
}

void res_close(struct res_db *db)
{
}

int64_t res_run_add(struct res_db *db, const char *host, const char *shard,
		    const char *env_json, const char *config_json)
{
	return -1;
}

char *res_run_config(struct res_db *db)
{
	return NULL;
}

long res_cell_count(struct res_db *db)
{
	return -1;
}

bool res_cell_done(struct res_db *db, const char *key)
{
	return false;
}

int res_cell_store(struct res_db *db, int64_t run_id,
		   const struct res_cell *c, const struct jv *doc)
{
	return -1;
}

int res_merge(const char *out, char *const *in, int n)
{
	return res_open(out, false, NULL);
}

int res_query_strings(struct res_db *db, const char *sql,
		      const char *const *params, int np, char ***out,
		      size_t *n)
{
	return -1;
}

int res_query_doubles(struct res_db *db, const char *sql,
		      const char *const *params, int np, double **out,
		      size_t *n)
{
	return -1;
}

#endif /* HAVE_SQLITE */
