/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdevctl - a small JSON reader (RFC 8259 values into a tree), enough
 * to read back shmdevctl's own --json output.
 */
#ifndef SHMDEVCTL_JSON_H
#define SHMDEVCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool b;
	char *s;		/* J_STR: the string; J_NUM: the number's text */
	struct jval **items;	/* J_ARR, J_OBJ: the values */
	char **keys;		/* J_OBJ: the member names */
	size_t n;
};

/* Parse @text; NULL with a message in @err (line and what) on error. */
struct jval *json_parse(const char *text, char *err, size_t errlen);
void json_free(struct jval *v);
/* The member @key of object @o (NULL if absent or @o no object). */
const struct jval *json_get(const struct jval *o, const char *key);
/* A number (or "0x..." string) as uint64_t; @dflt if absent or null. */
uint64_t json_u64(const struct jval *v, uint64_t dflt);
bool json_bool(const struct jval *v);
/* A string's value, or NULL. */
const char *json_string(const struct jval *v);

#endif /* SHMDEVCTL_JSON_H */
