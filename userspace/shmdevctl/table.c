// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl - tables as lsipc prints them: chosen columns (-o), aligned
 * text, --raw (one space between cells, spaces escaped as \x20),
 * --json, --noheadings.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

#define MAX_COLS 32

struct table {
	const struct col *cols;
	size_t ncols;
	size_t sel[MAX_COLS];	/* indexes into cols, in output order */
	size_t nsel;
	char **cells;		/* nrows * nsel strings (NULL: no value) */
	size_t nrows, cap;
	enum table_mode mode;
	bool headings;
	const char *json_name;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(EXIT_FAILURE);
	}
	return p;
}

static size_t find_col(const struct col *cols, size_t ncols, const char *name,
		       size_t len)
{
	size_t i;

	for (i = 0; i < ncols; i++)
		if (strlen(cols[i].name) == len &&
		    !strncasecmp(cols[i].name, name, len))
			return i;
	return ncols;
}

static void add_cols(struct table *t, const char *spec)
{
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i = find_col(t->cols, t->ncols, p, len);

		if (len) {
			if (i == t->ncols)
				usage_error("unknown column '%.*s' (--help "
					    "lists the columns)", (int)len, p);
			if (t->nsel == MAX_COLS)
				usage_error("too many columns");
			t->sel[t->nsel++] = i;
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

struct table *table_new(const struct col *cols, size_t ncols,
			const char *spec, const char *deflt)
{
	struct table *t = xrealloc(NULL, sizeof(*t));

	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
	t->headings = true;
	if (!spec || *spec == '+')
		add_cols(t, deflt);
	if (spec)
		add_cols(t, *spec == '+' ? spec + 1 : spec);
	if (!t->nsel)
		usage_error("no columns chosen");
	return t;
}

void table_set_mode(struct table *t, enum table_mode mode, bool headings,
		    const char *json_name)
{
	t->mode = mode;
	t->headings = headings;
	t->json_name = json_name;
}

bool table_has(const struct table *t, const char *colname)
{
	size_t i;

	for (i = 0; i < t->nsel; i++)
		if (!strcmp(t->cols[t->sel[i]].name, colname))
			return true;
	return false;
}

void table_new_row(struct table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = xrealloc(t->cells,
				    t->cap * t->nsel * sizeof(*t->cells));
	}
	memset(&t->cells[t->nrows * t->nsel], 0, t->nsel * sizeof(*t->cells));
	t->nrows++;
}

void table_cell(struct table *t, const char *colname, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (!t->nrows)
		return;
	for (i = 0; i < t->nsel; i++) {
		char **cell = &t->cells[(t->nrows - 1) * t->nsel + i];

		if (strcmp(t->cols[t->sel[i]].name, colname))
			continue;
		free(*cell);
		va_start(ap, fmt);
		if (vasprintf(cell, fmt, ap) < 0) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(EXIT_FAILURE);
		}
		va_end(ap);
	}
}

static const char *cell(const struct table *t, size_t row, size_t i)
{
	const char *s = t->cells[row * t->nsel + i];

	return s && *s ? s : NULL;
}

/* A JSON number: digits with at most one '.', nothing else. */
static bool is_number(const char *s)
{
	bool dot = false;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s == '.' && !dot)
			dot = true;
		else if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

static void print_json(const struct table *t)
{
	size_t r, i;

	printf("{\n   \"%s\": [", t->json_name);
	for (r = 0; r < t->nrows; r++) {
		printf("%s\n      {", r ? "," : "");
		for (i = 0; i < t->nsel; i++) {
			const struct col *c = &t->cols[t->sel[i]];
			const char *s = cell(t, r, i);
			char *lower = strdup(c->name), *p;

			for (p = lower; p && *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ?
					    *p - 'A' + 'a' : *p);
			printf("%s\"%s\": ", i ? ", " : "", lower ? lower : "");
			free(lower);
			if (!s)
				printf("null");
			else if (c->type == COL_NUM && is_number(s))
				printf("%s", s);
			else
				json_str(s, strlen(s));
		}
		printf("}");
	}
	printf("%s]\n}\n", t->nrows ? "\n   " : "");
}

static void print_raw_cell(const char *s)
{
	if (!s) {
		/* lsipc --raw prints nothing for no value; keep a field. */
		fputs("-", stdout);
		return;
	}
	for (; *s; s++) {
		if (*s == ' ' || *s == '\\' || (unsigned char)*s < 0x20)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
}

void table_print(struct table *t)
{
	size_t w[MAX_COLS], r, i;

	if (t->mode == TABLE_JSON) {
		print_json(t);
		return;
	}
	if (t->mode == TABLE_RAW) {
		if (t->headings)
			for (i = 0; i < t->nsel; i++)
				printf("%s%s", i ? " " : "",
				       t->cols[t->sel[i]].name);
		if (t->headings)
			putchar('\n');
		for (r = 0; r < t->nrows; r++) {
			for (i = 0; i < t->nsel; i++) {
				if (i)
					putchar(' ');
				print_raw_cell(cell(t, r, i));
			}
			putchar('\n');
		}
		return;
	}
	for (i = 0; i < t->nsel; i++) {
		w[i] = t->headings ? strlen(t->cols[t->sel[i]].name) : 1;
		for (r = 0; r < t->nrows; r++) {
			const char *s = cell(t, r, i);
			size_t l = s ? strlen(s) : 1;

			if (l > w[i])
				w[i] = l;
		}
	}
	for (r = t->headings ? 0 : 1; r <= t->nrows; r++) {
		for (i = 0; i < t->nsel; i++) {
			const char *s = r ? cell(t, r - 1, i) :
					    t->cols[t->sel[i]].name;
			bool last = i + 1 == t->nsel;
			int width = (int)w[i];

			if (!s)
				s = "-";
			if (i)
				putchar(' ');
			if (t->cols[t->sel[i]].type == COL_NUM)
				printf("%*s", width, s);
			else if (last)
				fputs(s, stdout);
			else
				printf("%-*s", width, s);
		}
		putchar('\n');
	}
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->nsel; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void print_columns(const struct col *cols, size_t ncols)
{
	size_t i;

	for (i = 0; i < ncols; i++)
		printf("  %-12s %s\n", cols[i].name, cols[i].help);
}
