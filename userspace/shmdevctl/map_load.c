// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map --diff - read a snapshot saved with --json back into the
 * form the ioctl gives (struct shmdev_pagetable), so that the two can be
 * compared page by page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "json.h"
#include "map.h"

#define MAX_JSON_BYTES (256u << 20)

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t n = 0, cap = 65536;
	char *buf = malloc(cap), *t;
	int err;

	if (!f || !buf) {
		int e = errno;

		if (f)
			fclose(f);
		free(buf);
		errno = e;
		return NULL;
	}
	for (;;) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (ferror(f) || n < cap - 1 || cap >= MAX_JSON_BYTES)
			break;
		t = realloc(buf, cap *= 2);
		if (!t)
			break;
		buf = t;
	}
	buf[n] = '\0';
	err = ferror(f) ? EIO : n >= MAX_JSON_BYTES - 1 ? EFBIG : 0;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	return buf;
}

static uint32_t names_mask(const struct jval *a, uint32_t (*parse)(const char *))
{
	uint32_t m = 0;
	size_t i;

	for (i = 0; a && a->type == J_ARR && i < a->n; i++)
		if (json_string(a->items[i]))
			m |= parse(json_string(a->items[i]));
	return m;
}

static const char *str(const struct jval *v)
{
	return json_string(v) ? json_string(v) : "";
}

static int load_run(const struct jval *j, struct shmdev_map_run *r)
{
	const struct jval *table = json_get(j, "table"), *index = json_get(j, "index");
	int level = map_level_parse(str(json_get(j, "level")));
	int kind = map_kind_parse(str(json_get(j, "kind")));
	int why = map_why_parse(json_string(json_get(j, "why_pte")));
	size_t i;

	if (level < 0 || kind < 0 || why < 0 || !json_get(j, "addr"))
		return -1;
	r->addr = json_u64(json_get(j, "addr"), 0);
	r->nr_pages = json_u64(json_get(j, "pages"), 0);
	r->pgoff = json_u64(json_get(j, "pgoff"), 0);
	r->pfn = json_u64(json_get(j, "pfn"), 0);
	r->entry = json_u64(json_get(j, "entry"), 0);
	for (i = 0; table && table->type == J_ARR && i < 4 && i < table->n; i++)
		r->table[i] = json_u64(table->items[i], 0);
	for (i = 0; index && index->type == J_ARR && i < 5 && i < index->n; i++)
		r->index[i] = (uint16_t)json_u64(index->items[i], 0);
	r->level = (uint32_t)level;
	r->kind = (uint32_t)kind;
	r->why_pte = (uint32_t)why;
	r->bits = names_mask(json_get(j, "bits"), map_bit_parse);
	r->folio_order = (uint16_t)json_u64(json_get(j, "folio_order"), 0);
	r->folio_refcount = (uint32_t)json_u64(json_get(j, "refcount"), 0);
	r->mapcount = (int32_t)json_u64(json_get(j, "mapcount"), 0);
	return 0;
}

/* Count the VMAs and runs under "processes" (-1 if malformed). */
static int count(const struct jval *procs, uint32_t *nv, uint32_t *nr)
{
	size_t p, v;

	*nv = *nr = 0;
	if (!procs || procs->type != J_ARR)
		return -1;
	for (p = 0; p < procs->n; p++) {
		const struct jval *vmas = json_get(procs->items[p], "vmas");

		if (!vmas || vmas->type != J_ARR)
			return -1;
		for (v = 0; v < vmas->n; v++) {
			const struct jval *runs = json_get(vmas->items[v], "runs");

			if (!runs || runs->type != J_ARR)
				return -1;
			(*nv)++;
			*nr += (uint32_t)runs->n;
		}
	}
	return 0;
}

static int load_vma(const struct jval *proc, const struct jval *j,
		    struct shmdev_pagetable *pt, uint32_t *vi, uint32_t *ri)
{
	struct shmdev_map_vma *v = &pt->vmas[(*vi)++];
	const struct jval *runs = json_get(j, "runs");
	const char *comm = json_string(json_get(proc, "comm"));
	size_t i;

	v->pid = (uint32_t)json_u64(json_get(proc, "pid"), 0);
	snprintf(v->comm, sizeof(v->comm), "%s", comm ? comm : "");
	v->start = json_u64(json_get(j, "start"), 0);
	v->end = json_u64(json_get(j, "end"), 0);
	v->pgoff = json_u64(json_get(j, "pgoff"), 0);
	v->vma_flags = names_mask(json_get(j, "flags"), map_vma_flag_parse);
	v->first_run = *ri;
	v->nr_runs = (uint32_t)runs->n;
	for (i = 0; i < runs->n; i++)
		if (load_run(runs->items[i], &pt->runs[(*ri)++]) < 0)
			return -1;
	return 0;
}

static int load_tree(const struct jval *root, struct mapsnap *out)
{
	const struct jval *region = json_get(root, "region");
	const struct jval *procs = json_get(root, "processes");
	struct shmdev_pagetable *pt = &out->pt;
	uint32_t nv, nr, vi = 0, ri = 0;
	const char *name = json_string(json_get(region, "name"));
	size_t p, v;

	if (json_u64(json_get(root, "schema"), 0) != MAP_JSON_SCHEMA || !region ||
	    count(procs, &nv, &nr) < 0)
		return -1;
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
	pt->hdr.id = json_u64(json_get(region, "id"), 0);
	pt->hdr.region_pages = json_u64(json_get(region, "pages"), 0);
	pt->hdr.page_size = (uint32_t)json_u64(json_get(region, "page_size"), 4096);
	pt->hdr.huge_page_size = json_u64(json_get(region, "huge_page_size"), 0);
	pt->hdr.levels = (uint32_t)json_u64(json_get(root, "levels"), 4);
	pt->hdr.nr_hidden = (uint32_t)json_u64(json_get(root, "hidden_vmas"), 0);
	if (json_bool(json_get(root, "raw")))
		pt->hdr.result_flags |= SHMDEV_MAP_RESULT_RAW;
	if (json_bool(json_get(root, "soft_dirty")))
		pt->hdr.result_flags |= SHMDEV_MAP_RESULT_SOFT_DIRTY;
	if (json_bool(json_get(root, "folio_mapcount")))
		pt->hdr.result_flags |= SHMDEV_MAP_RESULT_FOLIO_MAPCOUNT;
	if (json_bool(json_get(root, "no_thp")))
		pt->hdr.result_flags |= SHMDEV_MAP_RESULT_NO_THP;
	if (!pt->hdr.page_size)
		return -1;
	pt->vmas = calloc(nv ? nv : 1, sizeof(*pt->vmas));
	pt->runs = calloc(nr ? nr : 1, sizeof(*pt->runs));
	if (!pt->vmas || !pt->runs)
		return -1;
	pt->hdr.nr_vmas = nv;
	pt->hdr.nr_runs = nr;
	for (p = 0; p < procs->n; p++) {
		const struct jval *vmas = json_get(procs->items[p], "vmas");

		for (v = 0; v < vmas->n; v++)
			if (load_vma(procs->items[p], vmas->items[v], pt, &vi, &ri) < 0)
				return -1;
	}
	return 0;
}

int map_load_json(const char *path, struct mapsnap *out)
{
	char err[128];
	char *text = read_file(path);
	struct jval *root;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!text) {
		fprintf(stderr, "%s: map: cannot read '%s': %s\n", prog, path,
			strerror(errno));
		return -1;
	}
	root = json_parse(text, err, sizeof(err));
	free(text);
	if (!root) {
		fprintf(stderr, "%s: map: '%s' is not JSON (%s); save a snapshot "
			"with 'shmdevctl map --json NAME > FILE'\n", prog, path, err);
		return -1;
	}
	ret = load_tree(root, out);
	json_free(root);
	if (ret < 0) {
		map_snap_free(out);
		fprintf(stderr, "%s: map: '%s' is not a 'shmdevctl map --json' "
			"snapshot of schema %d\n", prog, path, MAP_JSON_SCHEMA);
	}
	return ret;
}
