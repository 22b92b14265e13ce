// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map --svg FILE - a picture of the snapshot, plain SVG written
 * by hand: on the left each process's VMAs with their runs of pages, on
 * the right the region's pages and frames (anonymous copies below them),
 * and between them one ribbon per band of entries, coloured and labelled
 * by the page-table level that maps it.  Runs next to each other with
 * the same level and kind are drawn as one band, so that a 64 MiB region
 * of 32 PMD leaves stays as readable as a few pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "map.h"

#define W		1000
#define TOP		70
#define AVAIL		720.0
#define LX		20	/* left boxes */
#define LW		300
#define RX		640	/* region bar */
#define RW		120
#define VGAP		34	/* between VMAs, for their captions */
#define MINH		2.0

struct band {
	uint64_t addr, pgoff, pages, pfn;
	uint32_t level, kind, why, entries;
	bool all;
};

struct svg {
	FILE *f;
	const struct mapsnap *s;
	double unit;		/* pixels per page */
	double anon_y;		/* next free place for anonymous copies */
	double anon_top;
	const bool *all;
	int pass;		/* 0: the ribbons, 1: boxes and text over them */
};

static const char *ribbon_colour(uint32_t level, uint32_t kind)
{
	if (kind == SHMDEV_PAGE_ANON_COPY)
		return "#f2b0b1";
	return level == SHMDEV_LEVEL_PMD ? "#f9cc9f" : "#b5c8dd";
}

static const char *level_colour(uint32_t level, uint32_t kind)
{
	if (kind == SHMDEV_PAGE_ANON_COPY)
		return "#e15759";
	return level == SHMDEV_LEVEL_PMD ? "#f28e2b" :
	       level == SHMDEV_LEVEL_PTE ? "#4e79a7" : "#d8d4d0";
}

static void xml_text(FILE *f, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			fputc((unsigned char)s[i] < 0x20 ||
			      (unsigned char)s[i] >= 0x7f ? '?' : s[i], f);
		}
	}
}

static double hgt(const struct svg *g, uint64_t pages)
{
	double h = (double)pages * g->unit;

	return h < MINH ? MINH : h;
}

static uint64_t vma_pages(const struct mapsnap *s, const struct shmdev_map_vma *v)
{
	return (v->end - v->start) / s->pt.hdr.page_size;
}

/* Runs of VMA @v merged into bands; returns the number written to @b. */
static size_t bands_of(const struct svg *g, const struct shmdev_map_vma *v,
		       struct band *b)
{
	const struct shmdev_pagetable *pt = &g->s->pt;
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < v->nr_runs && (uint64_t)v->first_run + i < pt->hdr.nr_runs; i++) {
		const struct shmdev_map_run *r = &pt->runs[v->first_run + i];
		bool all = map_run_shared(r, g->all, pt->hdr.region_pages);
		struct band *l = n ? &b[n - 1] : NULL;

		if (l && l->level == r->level && l->kind == r->kind &&
		    l->why == r->why_pte && l->all == all &&
		    l->pgoff + l->pages == r->pgoff) {
			l->pages += r->nr_pages;
			l->entries += r->level == SHMDEV_LEVEL_PMD ? 1 :
				      (uint32_t)r->nr_pages;
			continue;
		}
		b[n] = (struct band){ r->addr, r->pgoff, r->nr_pages, r->pfn,
				      r->level, r->kind, r->why_pte,
				      r->level == SHMDEV_LEVEL_PMD ? 1 :
				      (uint32_t)r->nr_pages, all };
		n++;
	}
	return n;
}

static void ribbon(struct svg *g, double ly, double lh, double ry, double rh,
		   const struct band *b)
{
	double lx = LX + LW, rx = RX, mx = (lx + rx) / 2;
	const char *what = b->level == SHMDEV_LEVEL_PMD ? "PMD" : "PTE";

	if (g->pass == 0) {
		fprintf(g->f, "<path d=\"M%.1f,%.2f C%.1f,%.2f %.1f,%.2f %.1f,%.2f "
			"L%.1f,%.2f C%.1f,%.2f %.1f,%.2f %.1f,%.2f Z\" fill=\"%s\" "
			"fill-opacity=\"0.6\" stroke=\"%s\" stroke-width=\"0.7\"/>\n",
			lx, ly, mx, ly, mx, ry, rx, ry, rx, ry + rh, mx, ry + rh,
			mx, ly + lh, lx, ly + lh, ribbon_colour(b->level, b->kind),
			level_colour(b->level, b->kind));
		return;
	}
	fprintf(g->f, "<text x=\"%.1f\" y=\"%.2f\" font-size=\"10\" "
		"text-anchor=\"middle\">%s \u00d7%u</text>\n", mx,
		(ly + lh / 2 + ry + rh / 2) / 2 + 3, what, b->entries);
}

/* An anonymous copy: its own box under the region bar. */
static void anon_box(struct svg *g, const struct band *b, double ly, double lh)
{
	double h = hgt(g, b->pages);

	if (h < 14)
		h = 14;
	ribbon(g, ly, lh, g->anon_y, h, b);
	if (g->pass == 0) {
		g->anon_y += h + 6;
		return;
	}
	fprintf(g->f, "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" height=\"%.2f\" "
		"fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\"/>\n", RX,
		g->anon_y, RW, h, level_colour(b->level, b->kind));
	fprintf(g->f, "<text x=\"%d\" y=\"%.2f\" font-size=\"10\">anon copy of "
		"page %" PRIu64, RX + RW + 6, g->anon_y + 11, b->pgoff);
	if (map_raw(g->s))
		fprintf(g->f, ", pfn 0x%" PRIx64, b->pfn);
	fprintf(g->f, "</text>\n");
	g->anon_y += h + 6;
}

static void band_box(struct svg *g, const struct band *b, double y, double h)
{
	fprintf(g->f, "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" height=\"%.2f\" "
		"fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\">"
		"<title>0x%" PRIx64 ": %" PRIu64 " pages, %s%s%s</title></rect>\n",
		LX, y, LW, h, level_colour(b->level, b->kind), b->addr, b->pages,
		map_level_name(b->level), b->why ? ", why PTE: " : "",
		b->why ? map_why_name(b->why) : "");
	if (h >= 12)
		fprintf(g->f, "<text x=\"%d\" y=\"%.2f\" font-size=\"10\">"
			"0x%" PRIx64 " %s%s%s%s</text>\n", LX + 4, y + h / 2 + 3,
			b->addr, map_level_name(b->level),
			b->kind == SHMDEV_PAGE_ANON_COPY ? " anon" : "",
			b->why ? " why: " : "", b->why ? map_why_name(b->why) : "");
	if (b->all && h >= 12)
		fprintf(g->f, "<text x=\"%d\" y=\"%.2f\" font-size=\"10\" "
			"text-anchor=\"end\">* all</text>\n", LX + LW - 4,
			y + h / 2 + 3);
}

/* One VMA at @y; returns the y below it. */
static double draw_vma(struct svg *g, const struct shmdev_map_vma *v, double y)
{
	struct band *b = calloc(v->nr_runs ? v->nr_runs : 1, sizeof(*b));
	char comm[sizeof(v->comm) + 1], flags[160], sz[32];
	size_t n, i;

	if (!b)
		return y;
	memcpy(comm, v->comm, sizeof(v->comm));
	comm[sizeof(v->comm)] = '\0';
	if (g->pass)
		fprintf(g->f, "<text x=\"%d\" y=\"%.2f\" font-size=\"12\" "
			"font-weight=\"bold\">pid %u (", LX, y - 6, v->pid);
	if (g->pass) {
		xml_text(g->f, comm, sizeof(comm));
		fprintf(g->f, ") 0x%" PRIx64 " %s %s</text>\n", (uint64_t)v->start,
			exact_size(v->end - v->start, sz, sizeof(sz)),
			map_vma_flags_str(v->vma_flags, flags, sizeof(flags)));
	}
	n = bands_of(g, v, b);
	for (i = 0; i < n; i++) {
		double h = hgt(g, b[i].pages);

		if (g->pass)
			band_box(g, &b[i], y, h);
		if (b[i].level != SHMDEV_LEVEL_NONE && b[i].kind == SHMDEV_PAGE_ANON_COPY)
			anon_box(g, &b[i], y, h);
		else if (b[i].level != SHMDEV_LEVEL_NONE)
			ribbon(g, y, h, TOP + (double)b[i].pgoff * g->unit,
			       hgt(g, b[i].pages), &b[i]);
		y += h;
	}
	free(b);
	return y + VGAP;
}

/* Dashed lines between the huge pages of the region bar, where visible. */
static void huge_lines(struct svg *g)
{
	const struct shmdev_map *h = &g->s->pt.hdr;
	uint64_t per = h->huge_page_size / h->page_size, p;

	if (!h->huge_page_size || per < 2 || h->region_pages % per ||
	    (double)per * g->unit < 6)
		return;
	for (p = per; p < h->region_pages; p += per)
		fprintf(g->f, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" "
			"y2=\"%.2f\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>\n",
			RX - 6, TOP + (double)p * g->unit, RX + RW + 6,
			TOP + (double)p * g->unit);
}

/* The region's pages: frames where known, grouped while contiguous. */
static void draw_region(struct svg *g)
{
	const struct shmdev_pagetable *pt = &g->s->pt;
	uint64_t np = pt->hdr.region_pages, p, q;
	uint64_t *pfn = calloc(np ? np : 1, sizeof(*pfn));
	uint32_t i;
	uint64_t j;

	g->anon_y = g->anon_top = TOP + hgt(g, np) + 30;
	if (!pfn || !g->pass) {
		free(pfn);
		return;
	}
	for (i = 0; i < pt->hdr.nr_runs; i++) {
		const struct shmdev_map_run *r = &pt->runs[i];

		if (r->kind != SHMDEV_PAGE_REGION || !r->pfn)
			continue;
		for (j = 0; j < r->nr_pages && r->pgoff + j < np; j++)
			pfn[r->pgoff + j] = r->pfn + j;
	}
	fprintf(g->f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" "
		"font-weight=\"bold\">the region's pages%s</text>\n", RX, TOP - 6,
		map_raw(g->s) ? " and frames" : " (PFNs hidden)");
	for (p = 0; p < np; p = q) {
		double y = TOP + (double)p * g->unit, h;

		for (q = p + 1; q < np && (pfn[q] ? pfn[q] == pfn[q - 1] + 1 :
					   !pfn[q - 1]); q++)
			;
		h = hgt(g, q - p);
		fprintf(g->f, "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" "
			"height=\"%.2f\" fill=\"#eeeeee\" stroke=\"#333\" "
			"stroke-width=\"0.5\"/>\n", RX, y, RW, h);
		if (h < 12)
			continue;
		fprintf(g->f, "<text x=\"%d\" y=\"%.2f\" font-size=\"10\">"
			"page %" PRIu64, RX + RW + 6, y + (h < 24 ? h / 2 + 3 : 11), p);
		if (q - p > 1)
			fprintf(g->f, "-%" PRIu64, q - 1);
		if (pfn[p])
			fprintf(g->f, ": pfn 0x%" PRIx64 "%s", pfn[p],
				q - p > 1 ? "..." : "");
		fprintf(g->f, "</text>\n");
	}
	huge_lines(g);
	free(pfn);
}

static double layout_unit(const struct mapsnap *s)
{
	uint64_t left = 0, right = s->pt.hdr.region_pages, most;
	uint32_t i;
	double u;

	for (i = 0; i < s->pt.hdr.nr_vmas; i++)
		left += vma_pages(s, &s->pt.vmas[i]);
	most = left > right ? left : right;
	u = most ? AVAIL / (double)most : 24;
	return u > 24 ? 24 : u;
}

static void legend(FILE *f, double y)
{
	static const struct { const char *what; uint32_t level, kind; } l[] = {
		{ "PTE: one 4 KiB entry per page", SHMDEV_LEVEL_PTE, SHMDEV_PAGE_REGION },
		{ "PMD: one leaf entry per 2 MiB", SHMDEV_LEVEL_PMD, SHMDEV_PAGE_REGION },
		{ "anonymous copy (MAP_PRIVATE write)", SHMDEV_LEVEL_PTE, SHMDEV_PAGE_ANON_COPY },
		{ "not mapped", SHMDEV_LEVEL_NONE, SHMDEV_PAGE_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		fprintf(f, "<rect x=\"%zu\" y=\"%.2f\" width=\"14\" height=\"10\" "
			"fill=\"%s\"/>\n", LX + i * 230, y,
			level_colour(l[i].level, l[i].kind));
		fprintf(f, "<text x=\"%zu\" y=\"%.2f\" font-size=\"10\">%s</text>\n",
			LX + i * 230 + 18, y + 9, l[i].what);
	}
}

static void draw(struct svg *g, double *bottom)
{
	const struct mapsnap *s = g->s;
	double y = TOP;
	uint32_t i;

	for (g->pass = 0; g->pass < 2; g->pass++) {
		y = TOP;
		draw_region(g);
		for (i = 0; i < s->pt.hdr.nr_vmas; i++)
			y = draw_vma(g, &s->pt.vmas[i], y);
	}
	*bottom = y > g->anon_y ? y : g->anon_y;
}

int map_write_svg(const struct mapsnap *s, const char *path)
{
	struct svg g = { NULL, s, layout_unit(s), 0, 0, NULL, 0 };
	char *body = NULL, sz[32];
	size_t bodylen = 0;
	double bottom;
	bool *all = map_shared_all(s);
	FILE *out;

	g.all = all;
	g.f = open_memstream(&body, &bodylen);
	if (!g.f) {
		free(all);
		return fail(OP_SVG, "map: writing the SVG", path);
	}
	draw(&g, &bottom);
	fclose(g.f);
	free(all);
	out = fopen(path, "we");
	if (!out) {
		free(body);
		return fail(OP_SVG, "map: cannot write", path);
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
		"font-family=\"sans-serif\">\n<rect width=\"100%%\" "
		"height=\"100%%\" fill=\"white\"/>\n", W, bottom + 30, W,
		bottom + 30);
	fprintf(out, "<text x=\"%d\" y=\"24\" font-size=\"15\" "
		"font-weight=\"bold\">region %" PRIu64 " '", LX,
		(uint64_t)s->pt.hdr.id);
	xml_text(out, s->name, sizeof(s->name));
	fprintf(out, "': %s in %u process%s; left: virtual addresses, right: "
		"the region's pages</text>\n",
		exact_size(s->pt.hdr.region_pages * s->pt.hdr.page_size, sz,
			   sizeof(sz)), map_nr_mappers(s),
		map_nr_mappers(s) == 1 ? "" : "es");
	fwrite(body, 1, bodylen, out);
	legend(out, bottom);
	fprintf(out, "</svg>\n");
	free(body);
	if (fclose(out))
		return fail(OP_SVG, "map: cannot write", path);
	return 0;
}
