// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map - the human-readable output: a heading for the region,
 * then per mapping process and VMA a table of its runs of pages (or with
 * -v of every page, with the walk through each page-table level).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "map.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct col run_cols[] = {
	{ "ADDRESS", COL_STR, "first virtual address" },
	{ "PAGES", COL_NUM, "pages in the run" },
	{ "PGOFF", COL_NUM, "region page at ADDRESS" },
	{ "LEVEL", COL_STR, "leaf level: PTE, PMD or none" },
	{ "SIZE", COL_STR, "what one leaf entry maps: 4K or 2M" },
	{ "PFN", COL_STR, "first physical frame (hex)" },
	{ "BITS", COL_STR, "entry bits" },
	{ "KIND", COL_STR, "region page or anonymous copy" },
	{ "WHY", COL_STR, "why PTEs map a huge region here" },
	{ "ORDER", COL_NUM, "folio order" },
	{ "REFS", COL_NUM, "folio refcount" },
	{ "MAPS", COL_NUM, "mapcount" },
	{ "ALL", COL_STR, "* if every mapper maps these region pages" },
	{ "WALK", COL_STR, "index (and raw entry) at each level" },
};

#define RUN_COLS "ADDRESS,PAGES,PGOFF,LEVEL,SIZE,PFN,BITS,KIND,WHY,ORDER,REFS,MAPS,ALL"
#define PAGE_COLS "ADDRESS,PGOFF,LEVEL,SIZE,PFN,BITS,KIND,WHY,ORDER,REFS,MAPS,ALL,WALK"

static void print_heading(const struct mapsnap *s)
{
	const struct shmdev_map *h = &s->pt.hdr;
	char a[32], b[32], c[32];

	printf("region %" PRIu64 " '%s': %s, %" PRIu64 " pages of %s",
	       (uint64_t)h->id, s->name,
	       exact_size(h->region_pages * h->page_size, a, sizeof(a)),
	       (uint64_t)h->region_pages, human_size(h->page_size, b, sizeof(b)));
	if (h->huge_page_size)
		printf(", PMD leaves map %s",
		       human_size(h->huge_page_size, c, sizeof(c)));
	printf("; %u-level page tables\n", h->levels);
	printf("%u process%s map%s it with %u VMA%s", map_nr_mappers(s),
	       map_nr_mappers(s) == 1 ? "" : "es",
	       map_nr_mappers(s) == 1 ? "s" : "", h->nr_vmas,
	       h->nr_vmas == 1 ? "" : "s");
	if (map_nr_mappers(s) > 1)
		printf("; ALL * marks region pages every one of them maps");
	putchar('\n');
	if (!map_raw(s))
		printf("PFNs, raw entries and counts hidden: they need "
		       "CAP_SYS_ADMIN (run as root), as /proc/PID/pagemap\n");
	if (h->nr_hidden)
		printf("%u VMA%s hidden: of processes whose /proc/PID/maps "
		       "you may not read\n", h->nr_hidden,
		       h->nr_hidden == 1 ? "" : "s");
	if (h->result_flags & SHMDEV_MAP_RESULT_FOLIO_MAPCOUNT)
		printf("MAPS is the folio's mapcount: this kernel keeps none "
		       "per page\n");
	if (!(h->result_flags & SHMDEV_MAP_RESULT_SOFT_DIRTY))
		printf("this kernel does not track soft-dirty: SD means "
		       "nothing here\n");
	if (h->result_flags & SHMDEV_MAP_RESULT_NO_THP)
		printf("this kernel has no transparent huge pages: no PMD "
		       "leaves\n");
}

static void print_vma_line(const struct mapsnap *s,
			   const struct shmdev_map_vma *v)
{
	char comm[sizeof(v->comm) + 1], a[32], f[160];

	memcpy(comm, v->comm, sizeof(v->comm));
	comm[sizeof(v->comm)] = '\0';
	printf("\npid %u (%s) 0x%" PRIx64 "-0x%" PRIx64 " %s pgoff %" PRIu64
	       " %s\n", v->pid, comm, (uint64_t)v->start, (uint64_t)v->end,
	       exact_size(v->end - v->start, a, sizeof(a)), (uint64_t)v->pgoff,
	       map_vma_flags_str(v->vma_flags, f, sizeof(f)));
	(void)s;
}

static const char *leaf_size(const struct mapsnap *s, uint32_t level,
			     char *buf, size_t len)
{
	if (level == SHMDEV_LEVEL_PTE)
		return human_size(s->pt.hdr.page_size, buf, len);
	if (level == SHMDEV_LEVEL_PMD)
		return human_size(s->pt.hdr.huge_page_size, buf, len);
	return "";
}

/* "PGD 255 0x...  P4D 0 ...  PMD 3 ...  PTE 17 0x..." */
static void walk_str(const struct mapsnap *s, const struct shmdev_map_run *r,
		     char *buf, size_t len)
{
	static const char *const names[] = { "PGD", "P4D", "PUD", "PMD", "PTE" };
	bool raw = map_raw(s);
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 5 && off < len; i++) {
		off += (size_t)snprintf(buf + off, len - off, "%s%s[%u]",
					i ? " " : "", names[i], r->index[i]);
		if (off >= len)
			break;
		if (i == 4 && r->level == SHMDEV_LEVEL_PMD)
			off += (size_t)snprintf(buf + off, len - off,
						"(in leaf)");
		else if (raw && i < 4 && r->level != SHMDEV_LEVEL_NONE)
			off += (size_t)snprintf(buf + off, len - off,
						"=%" PRIx64, (uint64_t)r->table[i]);
		else if (raw && i == 4 && r->level == SHMDEV_LEVEL_PTE)
			off += (size_t)snprintf(buf + off, len - off,
						"=%" PRIx64, (uint64_t)r->entry);
	}
}

static void run_row(struct table *t, const struct mapsnap *s,
		    const struct shmdev_map_run *r, const bool *all)
{
	char b[96], w[256];
	bool mapped = r->level != SHMDEV_LEVEL_NONE;

	table_new_row(t);
	table_cell(t, "ADDRESS", "0x%" PRIx64, (uint64_t)r->addr);
	table_cell(t, "PAGES", "%" PRIu64, (uint64_t)r->nr_pages);
	table_cell(t, "PGOFF", "%" PRIu64, (uint64_t)r->pgoff);
	table_cell(t, "LEVEL", "%s", map_level_name(r->level));
	table_cell(t, "SIZE", "%s", leaf_size(s, r->level, b, sizeof(b)));
	if (mapped)
		table_cell(t, "PFN", map_raw(s) ? "0x%" PRIx64 : "hidden",
			   (uint64_t)r->pfn);
	table_cell(t, "BITS", "%s", map_bits_str(r->bits, false, b, sizeof(b)));
	if (mapped) {
		table_cell(t, "KIND", "%s", map_kind_name(r->kind));
		table_cell(t, "ORDER", "%u", r->folio_order);
		if (map_raw(s)) {
			table_cell(t, "REFS", "%u", r->folio_refcount);
			table_cell(t, "MAPS", "%d", r->mapcount);
		}
	}
	if (r->why_pte)
		table_cell(t, "WHY", "%s", map_why_name(r->why_pte));
	if (map_run_shared(r, all, s->pt.hdr.region_pages))
		table_cell(t, "ALL", "*");
	if (table_has(t, "WALK")) {
		walk_str(s, r, w, sizeof(w));
		table_cell(t, "WALK", "%s", w);
	}
}

static void print_whys(const struct mapsnap *s)
{
	bool used[16] = { false }, first = true;
	uint32_t i;

	for (i = 0; i < s->pt.hdr.nr_runs; i++)
		if (s->pt.runs[i].why_pte < ARRAY_SIZE(used))
			used[s->pt.runs[i].why_pte] = true;
	for (i = 1; i < ARRAY_SIZE(used); i++)
		if (used[i]) {
			printf("%sWHY %s: %s\n", first ? "\n" : "",
			       map_why_name(i), map_why_text(i));
			first = false;
		}
}

void map_print_text(const struct mapsnap *s, bool verbose)
{
	const struct shmdev_pagetable *pt = &s->pt;
	bool *all = map_shared_all(s);
	uint32_t v, i;

	print_heading(s);
	for (v = 0; v < pt->hdr.nr_vmas; v++) {
		const struct shmdev_map_vma *vma = &pt->vmas[v];
		struct table *t = table_new(run_cols, ARRAY_SIZE(run_cols), NULL,
					    verbose ? PAGE_COLS : RUN_COLS);

		print_vma_line(s, vma);
		for (i = 0; i < vma->nr_runs; i++) {
			if ((uint64_t)vma->first_run + i >= pt->hdr.nr_runs)
				break;
			run_row(t, s, &pt->runs[vma->first_run + i], all);
		}
		table_print(t);
		table_free(t);
	}
	if (!pt->hdr.nr_vmas)
		printf("\nno process maps it%s\n",
		       pt->hdr.nr_hidden ? " that you may see" : "");
	print_whys(s);
	free(all);
}
