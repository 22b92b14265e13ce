// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map --json - the snapshot as JSON, schema MAP_JSON_SCHEMA
 * (documented in shmdevctl(1) and docs/page-tables.md).  One run per line,
 * so that line tools can read it too; addresses and raw entries are hex
 * strings, everything countable a number, absent values null.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "map.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void json_strf(FILE *f, const char *s, size_t max)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ["a", "b"] from the comma-separated names of map_bits_str() etc. */
static void json_names(FILE *f, const char *list)
{
	const char *p = list;
	int n = 0;

	fputc('[', f);
	while (*p && strcmp(list, "-")) {
		size_t len = strcspn(p, ",");

		fprintf(f, "%s\"%.*s\"", n++ ? ", " : "", (int)len, p);
		p += len;
		if (*p == ',')
			p++;
	}
	fputc(']', f);
}

static void print_head(const struct mapsnap *s, FILE *f)
{
	const struct shmdev_map *h = &s->pt.hdr;

	fprintf(f, "{\n  \"schema\": %d,\n  \"region\": {\"id\": %" PRIu64
		", \"name\": ", MAP_JSON_SCHEMA, (uint64_t)h->id);
	json_strf(f, s->name, sizeof(s->name));
	fprintf(f, ", \"pages\": %" PRIu64 ", \"page_size\": %u"
		", \"huge_page_size\": %" PRIu64 "},\n", (uint64_t)h->region_pages,
		h->page_size, (uint64_t)h->huge_page_size);
	fprintf(f, "  \"levels\": %u,\n  \"raw\": %s,\n  \"folio_mapcount\": %s,\n"
		"  \"no_thp\": %s,\n  \"soft_dirty\": %s,\n  \"hidden_vmas\": %u,\n"
		"  \"mappers\": %u,\n",
		h->levels, map_raw(s) ? "true" : "false",
		h->result_flags & SHMDEV_MAP_RESULT_FOLIO_MAPCOUNT ? "true" : "false",
		h->result_flags & SHMDEV_MAP_RESULT_NO_THP ? "true" : "false",
		h->result_flags & SHMDEV_MAP_RESULT_SOFT_DIRTY ? "true" : "false",
		h->nr_hidden, map_nr_mappers(s));
}

static void print_run(const struct mapsnap *s, const struct shmdev_map_run *r,
		      const bool *all, FILE *f)
{
	bool mapped = r->level != SHMDEV_LEVEL_NONE, raw = map_raw(s) && mapped;
	uint64_t leaf = r->level == SHMDEV_LEVEL_PMD ? s->pt.hdr.huge_page_size :
			mapped ? s->pt.hdr.page_size : 0;
	char b[160];
	size_t i;

	fprintf(f, "{\"addr\": \"0x%" PRIx64 "\", \"pages\": %" PRIu64
		", \"pgoff\": %" PRIu64 ", \"level\": \"%s\", \"leaf_size\": %"
		PRIu64 ", \"pfn\": ", (uint64_t)r->addr, (uint64_t)r->nr_pages,
		(uint64_t)r->pgoff, map_level_lower(r->level), leaf);
	if (raw)
		fprintf(f, "%" PRIu64 ", \"entry\": \"0x%" PRIx64 "\", \"table\": [",
			(uint64_t)r->pfn, (uint64_t)r->entry);
	else
		fprintf(f, "null, \"entry\": null, \"table\": ");
	for (i = 0; raw && i < ARRAY_SIZE(r->table); i++)
		fprintf(f, "%s\"0x%" PRIx64 "\"", i ? ", " : "",
			(uint64_t)r->table[i]);
	fprintf(f, "%s, \"index\": [%u, %u, %u, %u, %u], \"bits\": ",
		raw ? "]" : "null", r->index[0], r->index[1], r->index[2],
		r->index[3], r->index[4]);
	json_names(f, map_bits_str(r->bits, true, b, sizeof(b)));
	fprintf(f, ", \"kind\": \"%s\", \"why_pte\": ", map_kind_name(r->kind));
	if (r->why_pte)
		fprintf(f, "\"%s\"", map_why_name(r->why_pte));
	else
		fprintf(f, "null");
	fprintf(f, ", \"folio_order\": %u, \"refcount\": ", r->folio_order);
	if (raw)
		fprintf(f, "%u, \"mapcount\": %d", r->folio_refcount, r->mapcount);
	else
		fprintf(f, "null, \"mapcount\": null");
	fprintf(f, ", \"shared_by_all\": %s}",
		map_run_shared(r, all, s->pt.hdr.region_pages) ? "true" : "false");
}

static void print_vma(const struct mapsnap *s, const struct shmdev_map_vma *v,
		      const bool *all, FILE *f)
{
	char b[160];
	uint32_t i;

	fprintf(f, "{\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64
		"\", \"pgoff\": %" PRIu64 ", \"pages\": %" PRIu64 ", \"flags\": ",
		(uint64_t)v->start, (uint64_t)v->end, (uint64_t)v->pgoff,
		(uint64_t)((v->end - v->start) / s->pt.hdr.page_size));
	json_names(f, map_vma_flags_str(v->vma_flags, b, sizeof(b)));
	fprintf(f, ", \"runs\": [");
	for (i = 0; i < v->nr_runs; i++) {
		if ((uint64_t)v->first_run + i >= s->pt.hdr.nr_runs)
			break;
		fprintf(f, "%s\n          ", i ? "," : "");
		print_run(s, &s->pt.runs[v->first_run + i], all, f);
	}
	fprintf(f, "%s]}", v->nr_runs ? "\n        " : "");
}

void map_print_json(const struct mapsnap *s, FILE *f)
{
	const struct shmdev_pagetable *pt = &s->pt;
	bool *all = map_shared_all(s);
	uint32_t v;

	print_head(s, f);
	fprintf(f, "  \"processes\": [");
	for (v = 0; v < pt->hdr.nr_vmas; v++) {
		const struct shmdev_map_vma *vma = &pt->vmas[v];
		bool first = !v || vma->pid != pt->vmas[v - 1].pid;
		bool last = v + 1 == pt->hdr.nr_vmas ||
			    pt->vmas[v + 1].pid != vma->pid;

		if (first) {
			fprintf(f, "%s\n    {\"pid\": %u, \"comm\": ",
				v ? "," : "", vma->pid);
			json_strf(f, vma->comm, sizeof(vma->comm));
			fprintf(f, ", \"vmas\": [");
		}
		fprintf(f, "%s\n        ", first ? "" : ",");
		print_vma(s, vma, all, f);
		if (last)
			fprintf(f, "\n      ]}");
	}
	fprintf(f, "%s]\n}\n", pt->hdr.nr_vmas ? "\n  " : "");
	free(all);
}
