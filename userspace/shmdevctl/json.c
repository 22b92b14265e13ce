// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl - a small recursive-descent JSON reader.  Strings keep
 * \uXXXX escapes below 0x80 (what shmdevctl writes) and refuse others;
 * nesting is limited so a hostile file cannot exhaust the stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 32

struct parser {
	const char *p, *start;
	char *err;
	size_t errlen;
	bool failed;
};

static struct jval *parse_value(struct parser *ps, int depth);

static void *fail_at(struct parser *ps, const char *what)
{
	const char *q;
	int line = 1;

	if (ps->failed)
		return NULL;
	for (q = ps->start; q < ps->p; q++)
		line += *q == '\n';
	snprintf(ps->err, ps->errlen, "line %d: %s", line, what);
	ps->failed = true;
	return NULL;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static struct jval *new_val(enum jtype t)
{
	struct jval *v = calloc(1, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

static char *parse_str(struct parser *ps)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap), *t;

	if (!s)
		return fail_at(ps, "out of memory");
	ps->p++;	/* the opening quote */
	while (*ps->p != '"') {
		char c = *ps->p++;
		unsigned int u;

		if (!c || (unsigned char)c < 0x20) {
			free(s);
			return fail_at(ps, "unterminated string");
		}
		if (c == '\\') {
			c = *ps->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '"': case '\\': case '/': break;
			case 'u':
				if (strspn(ps->p, "0123456789abcdefABCDEF") < 4 ||
				    sscanf(ps->p, "%4x", &u) != 1 || u >= 0x80 || !u) {
					free(s);
					return fail_at(ps, "unsupported \\u escape");
				}
				ps->p += 4;
				c = (char)u;
				break;
			default:
				free(s);
				return fail_at(ps, "bad escape in string");
			}
		}
		if (n + 2 > cap) {
			t = realloc(s, cap *= 2);
			if (!t) {
				free(s);
				return fail_at(ps, "out of memory");
			}
			s = t;
		}
		s[n++] = c;
	}
	ps->p++;
	s[n] = '\0';
	return s;
}

static bool add_item(struct jval *v, struct jval *item, char *key)
{
	struct jval **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	char **keys;

	if (!items)
		return false;
	v->items = items;
	if (v->type == J_OBJ) {
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return false;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return true;
}

/* An array or object: '[' or '{' at ps->p. */
static struct jval *parse_list(struct parser *ps, int depth)
{
	bool obj = *ps->p == '{';
	char close = obj ? '}' : ']';
	struct jval *v = new_val(obj ? J_OBJ : J_ARR), *item;
	char *key = NULL;

	if (!v)
		return fail_at(ps, "out of memory");
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		skip_ws(ps);
		if (obj) {
			if (*ps->p != '"')
				goto bad;
			key = parse_str(ps);
			if (!key)
				goto bad;
			skip_ws(ps);
			if (*ps->p++ != ':')
				goto bad;
		}
		item = parse_value(ps, depth + 1);
		if (!item || !add_item(v, item, key)) {
			json_free(item);
			goto bad;
		}
		key = NULL;
		skip_ws(ps);
		if (*ps->p == close) {
			ps->p++;
			return v;
		}
		if (*ps->p++ != ',')
			goto bad;
	}
bad:
	free(key);
	json_free(v);
	return fail_at(ps, obj ? "bad object" : "bad array");
}

static struct jval *parse_word(struct parser *ps)
{
	static const struct { const char *w; enum jtype t; bool b; } words[] = {
		{ "null", J_NULL, false }, { "true", J_BOOL, true },
		{ "false", J_BOOL, false },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t len = strlen(words[i].w);
		struct jval *v;

		if (strncmp(ps->p, words[i].w, len))
			continue;
		v = new_val(words[i].t);
		if (!v)
			return fail_at(ps, "out of memory");
		v->b = words[i].b;
		ps->p += len;
		return v;
	}
	return fail_at(ps, "unexpected character");
}

static struct jval *parse_num(struct parser *ps)
{
	size_t len = strspn(ps->p, "-+0123456789.eE");
	struct jval *v = new_val(J_NUM);

	if (!v || !(v->s = strndup(ps->p, len))) {
		free(v);
		return fail_at(ps, "out of memory");
	}
	ps->p += len;
	return v;
}

static struct jval *parse_value(struct parser *ps, int depth)
{
	struct jval *v;

	if (depth > MAX_DEPTH)
		return fail_at(ps, "nested too deeply");
	skip_ws(ps);
	switch (*ps->p) {
	case '{':
	case '[':
		return parse_list(ps, depth);
	case '"':
		v = new_val(J_STR);
		if (!v)
			return fail_at(ps, "out of memory");
		v->s = parse_str(ps);
		if (!v->s) {
			free(v);
			return NULL;
		}
		return v;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_num(ps);
	default:
		return parse_word(ps);
	}
}

struct jval *json_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { text, text, err, errlen, false };
	struct jval *v = parse_value(&ps, 0);

	if (!v)
		return NULL;
	skip_ws(&ps);
	if (*ps.p) {
		json_free(v);
		return fail_at(&ps, "text after the JSON value");
	}
	return v;
}

void json_free(struct jval *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

const struct jval *json_get(const struct jval *o, const char *key)
{
	size_t i;

	if (!o || o->type != J_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return o->items[i];
	return NULL;
}

uint64_t json_u64(const struct jval *v, uint64_t dflt)
{
	unsigned long long x;
	char *end;

	if (!v || (v->type != J_NUM && v->type != J_STR) || !v->s)
		return dflt;
	errno = 0;
	x = v->s[0] == '-' ? (unsigned long long)strtoll(v->s, &end, 0) :
			     strtoull(v->s, &end, 0);
	return errno || *end ? dflt : (uint64_t)x;
}

bool json_bool(const struct jval *v)
{
	return v && v->type == J_BOOL && v->b;
}

const char *json_string(const struct jval *v)
{
	return v && v->type == J_STR ? v->s : NULL;
}
