// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map --diff / --watch - what changed between two snapshots,
 * page by page, then merged into ranges: entries made or removed, frames
 * replaced (copy-on-write, MADV_DONTNEED), levels changed (a PMD split),
 * and bits set or cleared (accessed, dirty, soft-dirty, RW).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "map.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct change {
	const struct mappage *old, *now;	/* first page; NULL: absent */
	uint64_t pages;
	char what[200];
};

static const struct col diff_cols[] = {
	{ "PID", COL_NUM, "process" },
	{ "ADDRESS", COL_STR, "first virtual address" },
	{ "PAGES", COL_NUM, "pages" },
	{ "PGOFF", COL_NUM, "region page" },
	{ "PFN", COL_STR, "frame before -> now" },
	{ "CHANGE", COL_STR, "what changed" },
};

static bool mapped(const struct mappage *p)
{
	return p && p->level != SHMDEV_LEVEL_NONE;
}

static void bits_delta(uint32_t old, uint32_t now, char *buf, size_t len)
{
	char add[96], del[96];
	size_t off = 0;
	char *tok, *save;

	buf[0] = '\0';
	map_bits_str(now & ~old, false, add, sizeof(add));
	map_bits_str(old & ~now, false, del, sizeof(del));
	for (tok = strtok_r(add, ",", &save); tok && strcmp(tok, "-");
	     tok = strtok_r(NULL, ",", &save))
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
					" +%s", tok);
	for (tok = strtok_r(del, ",", &save); tok && strcmp(tok, "-");
	     tok = strtok_r(NULL, ",", &save))
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
					" -%s", tok);
}

/* What happened to one page; "" when nothing did. */
static void describe(const struct mappage *o, const struct mappage *n,
		     char *buf, size_t len)
{
	char b[96];

	buf[0] = '\0';
	if (!o) {
		snprintf(buf, len, "new VMA page%s%s", mapped(n) ? ", mapped by " : "",
			 mapped(n) ? map_level_name(n->level) : "");
	} else if (!n) {
		snprintf(buf, len, "VMA gone (munmap or exit)");
	} else if (!mapped(o) && mapped(n)) {
		snprintf(buf, len, "new entry: %s, %s, %s",
			 map_level_name(n->level), map_kind_name(n->kind),
			 map_bits_str(n->bits, false, b, sizeof(b)));
	} else if (mapped(o) && !mapped(n)) {
		snprintf(buf, len, "entry removed (zapped)");
	} else if (mapped(o)) {
		size_t off = 0;

		if (o->kind == SHMDEV_PAGE_REGION && n->kind == SHMDEV_PAGE_ANON_COPY)
			off += (size_t)snprintf(buf + off, len - off,
						"copy-on-write: now an anonymous copy;");
		else if (o->kind == SHMDEV_PAGE_ANON_COPY && n->kind == SHMDEV_PAGE_REGION)
			off += (size_t)snprintf(buf + off, len - off,
						"back to the region's frame;");
		else if (o->pfn != n->pfn)
			off += (size_t)snprintf(buf + off, len - off,
						"frame changed;");
		if (o->level == SHMDEV_LEVEL_PMD && n->level == SHMDEV_LEVEL_PTE &&
		    off < len)
			off += (size_t)snprintf(buf + off, len - off,
						" PMD split into PTEs%s%s%s;",
						n->why ? " (" : "",
						n->why ? map_why_name(n->why) : "",
						n->why ? ")" : "");
		else if (o->level != n->level && off < len)
			off += (size_t)snprintf(buf + off, len - off, " %s -> %s;",
						map_level_name(o->level),
						map_level_name(n->level));
		if (o->bits != n->bits && off < len) {
			bits_delta(o->bits, n->bits, b, sizeof(b));
			off += (size_t)snprintf(buf + off, len - off, " bits%s", b);
		}
		(void)off;
	}
	/* Drop a leading blank and a trailing ';'. */
	if (buf[0] == ' ')
		memmove(buf, buf + 1, strlen(buf));
	if (buf[0] && buf[strlen(buf) - 1] == ';')
		buf[strlen(buf) - 1] = '\0';
}

static int key_cmp(const struct mappage *a, const struct mappage *b)
{
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return 0;
}

static uint64_t pfn_of(const struct mappage *p)
{
	return p ? p->pfn : 0;
}

/* Does page (o, n) continue change @c (same what, next address, next frames)? */
static bool continues(const struct change *c, const struct mappage *o,
		      const struct mappage *n, const char *what, uint64_t psz)
{
	const struct mappage *f = c->old ? c->old : c->now;
	const struct mappage *p = o ? o : n;

	return c->pages && !strcmp(c->what, what) && !c->old == !o &&
	       !c->now == !n && f->pid == p->pid &&
	       p->addr == f->addr + c->pages * psz &&
	       (!pfn_of(o) || pfn_of(o) == pfn_of(c->old) + c->pages) &&
	       (!pfn_of(n) || pfn_of(n) == pfn_of(c->now) + c->pages);
}

static void pfn_cell(struct table *t, const struct change *c)
{
	uint64_t a = pfn_of(c->old), b = pfn_of(c->now);

	if (!a && !b)
		return;
	if (a == b)
		table_cell(t, "PFN", "0x%" PRIx64, a);
	else if (!a)
		table_cell(t, "PFN", "-> 0x%" PRIx64, b);
	else if (!b)
		table_cell(t, "PFN", "0x%" PRIx64 " ->", a);
	else
		table_cell(t, "PFN", "0x%" PRIx64 " -> 0x%" PRIx64, a, b);
}

static void emit(struct table *t, const struct change *c, size_t *count)
{
	const struct mappage *p = c->now ? c->now : c->old;

	if (!c->pages || !c->what[0])
		return;
	(*count)++;
	table_new_row(t);
	table_cell(t, "PID", "%u", p->pid);
	table_cell(t, "ADDRESS", "0x%" PRIx64, p->addr);
	table_cell(t, "PAGES", "%" PRIu64, c->pages);
	table_cell(t, "PGOFF", "%" PRIu64, p->pgoff);
	pfn_cell(t, c);
	table_cell(t, "CHANGE", "%s", c->what);
}

size_t map_print_diff(const struct mapsnap *old, const struct mapsnap *now)
{
	size_t na, nb, i = 0, j = 0, count = 0;
	struct mappage *a = map_pages(old, &na), *b = map_pages(now, &nb);
	uint64_t psz = now->pt.hdr.page_size ? now->pt.hdr.page_size : 4096;
	struct table *t = table_new(diff_cols, ARRAY_SIZE(diff_cols), NULL,
				    "PID,ADDRESS,PAGES,PGOFF,PFN,CHANGE");
	struct change c = { 0 };
	char what[200];

	while (i < na || j < nb) {
		int k = i == na ? 1 : j == nb ? -1 : key_cmp(&a[i], &b[j]);
		const struct mappage *o = k <= 0 ? &a[i++] : NULL;
		const struct mappage *n = k >= 0 ? &b[j++] : NULL;

		describe(o, n, what, sizeof(what));
		if (continues(&c, o, n, what, psz)) {
			c.pages++;
			continue;
		}
		emit(t, &c, &count);
		c.old = o;
		c.now = n;
		c.pages = 1;
		snprintf(c.what, sizeof(c.what), "%s", what);
	}
	emit(t, &c, &count);
	if (count)
		table_print(t);
	else
		printf("no change\n");
	table_free(t);
	free(a);
	free(b);
	return count;
}
