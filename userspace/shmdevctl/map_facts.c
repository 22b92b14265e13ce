// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map - what follows from a snapshot: who maps the region, which
 * of its pages every mapper shares, and the snapshot page by page.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "map.h"

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_FAILURE);
	}
	return p;
}

bool map_raw(const struct mapsnap *s)
{
	return s->pt.hdr.result_flags & SHMDEV_MAP_RESULT_RAW;
}

/* Processes with at least one VMA (the kernel reports them in pid order). */
uint32_t map_nr_mappers(const struct mapsnap *s)
{
	uint32_t i, n = 0;

	for (i = 0; i < s->pt.hdr.nr_vmas; i++)
		if (!i || s->pt.vmas[i].pid != s->pt.vmas[i - 1].pid)
			n++;
	return n;
}

/* A run's pages that lie inside the region (a record cannot be trusted). */
static uint64_t run_pages(const struct shmdev_map_run *r, uint64_t region_pages)
{
	if (r->pgoff >= region_pages)
		return 0;
	return r->nr_pages < region_pages - r->pgoff ? r->nr_pages :
						      region_pages - r->pgoff;
}

bool *map_shared_all(const struct mapsnap *s)
{
	const struct shmdev_pagetable *pt = &s->pt;
	uint64_t np = pt->hdr.region_pages, p;
	uint32_t *count = xcalloc(np, sizeof(*count));
	uint32_t *seen = xcalloc(np, sizeof(*seen));	/* last pid + 1 */
	uint32_t mappers = map_nr_mappers(s), v, i;
	bool *all = xcalloc(np, sizeof(*all));

	for (v = 0; v < pt->hdr.nr_vmas; v++) {
		const struct shmdev_map_vma *vma = &pt->vmas[v];

		for (i = 0; i < vma->nr_runs; i++) {
			const struct shmdev_map_run *r;

			if ((uint64_t)vma->first_run + i >= pt->hdr.nr_runs)
				break;
			r = &pt->runs[vma->first_run + i];
			if (r->kind != SHMDEV_PAGE_REGION)
				continue;
			for (p = r->pgoff; p < r->pgoff + run_pages(r, np); p++) {
				if (seen[p] == vma->pid + 1)
					continue;	/* mapped twice by one pid */
				seen[p] = vma->pid + 1;
				count[p]++;
			}
		}
	}
	for (p = 0; p < np; p++)
		all[p] = mappers > 1 && count[p] == mappers;
	free(count);
	free(seen);
	return all;
}

bool map_run_shared(const struct shmdev_map_run *r, const bool *all,
		    uint64_t region_pages)
{
	uint64_t p, n = run_pages(r, region_pages);

	if (r->kind != SHMDEV_PAGE_REGION || !n)
		return false;
	for (p = r->pgoff; p < r->pgoff + n; p++)
		if (!all[p])
			return false;
	return true;
}

struct mappage *map_pages(const struct mapsnap *s, size_t *n)
{
	const struct shmdev_pagetable *pt = &s->pt;
	size_t total = 0, k = 0;
	struct mappage *pg;
	uint32_t v, i;
	uint64_t j;

	for (v = 0; v < pt->hdr.nr_vmas; v++)
		total += (size_t)((pt->vmas[v].end - pt->vmas[v].start) /
				  (pt->hdr.page_size ? pt->hdr.page_size : 4096));
	pg = xcalloc(total, sizeof(*pg));
	for (v = 0; v < pt->hdr.nr_vmas; v++) {
		const struct shmdev_map_vma *vma = &pt->vmas[v];

		for (i = 0; i < vma->nr_runs; i++) {
			const struct shmdev_map_run *r;

			if ((uint64_t)vma->first_run + i >= pt->hdr.nr_runs)
				break;
			r = &pt->runs[vma->first_run + i];
			for (j = 0; j < r->nr_pages && k < total; j++, k++) {
				pg[k].pid = vma->pid;
				pg[k].vma_flags = vma->vma_flags;
				pg[k].addr = r->addr + j * pt->hdr.page_size;
				pg[k].pgoff = r->pgoff + j;
				pg[k].pfn = r->pfn ? r->pfn + j : 0;
				pg[k].level = r->level;
				pg[k].bits = r->bits;
				pg[k].kind = r->kind;
				pg[k].why = r->why_pte;
			}
		}
	}
	*n = k;
	return pg;
}

void map_snap_free(struct mapsnap *s)
{
	shmdev_pagetable_free(&s->pt);
}
