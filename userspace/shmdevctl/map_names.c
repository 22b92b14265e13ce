// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map - names of the levels, page kinds, reasons, entry bits
 * and VMA flags of SHMDEV_IOC_MAP, both ways (print and --diff's read).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "map.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const levels[] = { "none", "PTE", "PMD" };
static const char *const levels_lower[] = { "none", "pte", "pmd" };
static const char *const kinds[] = { "none", "region", "anon", "other" };

/* Indexed by SHMDEV_WHY_*. */
static const struct {
	const char *name, *text;
} whys[] = {
	{ "-", "a PMD leaf, or a region of small pages" },
	{ "not-faulted", "nothing mapped there yet" },
	{ "no-thp", "this kernel has no transparent huge pages" },
	{ "misaligned", "address and offset not congruent modulo 2 MiB" },
	{ "partial", "the VMA covers only part of the huge page (mprotect or munmap split it)" },
	{ "nohugepage", "MADV_NOHUGEPAGE on the VMA" },
	{ "thp-disabled", "PR_SET_THP_DISABLE in the process" },
	{ "copied", "a MAP_PRIVATE write copied pages of it" },
	{ "split", "the kernel split the PMD for another reason" },
};

struct bitname {
	uint32_t bit;
	const char *name, *lower;
};

static const struct bitname bits[] = {
	{ SHMDEV_BIT_PRESENT, "P", "present" },
	{ SHMDEV_BIT_RW, "RW", "rw" },
	{ SHMDEV_BIT_USER, "U", "user" },
	{ SHMDEV_BIT_PWT, "PWT", "pwt" },
	{ SHMDEV_BIT_PCD, "PCD", "pcd" },
	{ SHMDEV_BIT_ACCESSED, "A", "accessed" },
	{ SHMDEV_BIT_DIRTY, "D", "dirty" },
	{ SHMDEV_BIT_PSE, "PSE", "pse" },
	{ SHMDEV_BIT_GLOBAL, "G", "global" },
	{ SHMDEV_BIT_NX, "NX", "nx" },
	{ SHMDEV_BIT_PAT, "PAT", "pat" },
	{ SHMDEV_BIT_SOFT_DIRTY, "SD", "soft-dirty" },
	{ SHMDEV_BIT_UFFD_WP, "UW", "uffd-wp" },
	{ SHMDEV_BIT_SPECIAL, "SP", "special" },
};

static const struct bitname vmaflags[] = {
	{ SHMDEV_VMA_SHARED, "shared", "shared" },
	{ SHMDEV_VMA_READ, "read", "read" },
	{ SHMDEV_VMA_WRITE, "write", "write" },
	{ SHMDEV_VMA_EXEC, "exec", "exec" },
	{ SHMDEV_VMA_MAYWRITE, "maywrite", "maywrite" },
	{ SHMDEV_VMA_NOHUGEPAGE, "nohugepage", "nohugepage" },
	{ SHMDEV_VMA_HUGEPAGE, "hugepage", "hugepage" },
	{ SHMDEV_VMA_THP_DISABLED, "thp-disabled", "thp-disabled" },
	{ SHMDEV_VMA_RDONLY_ATTACH, "rdonly-attach", "rdonly-attach" },
};

const char *map_level_name(uint32_t level)
{
	return level < ARRAY_SIZE(levels) ? levels[level] : "?";
}

const char *map_level_lower(uint32_t level)
{
	return level < ARRAY_SIZE(levels_lower) ? levels_lower[level] : "?";
}

const char *map_kind_name(uint32_t kind)
{
	return kind < ARRAY_SIZE(kinds) ? kinds[kind] : "?";
}

const char *map_why_name(uint32_t why)
{
	return why < ARRAY_SIZE(whys) ? whys[why].name : "?";
}

const char *map_why_text(uint32_t why)
{
	return why < ARRAY_SIZE(whys) ? whys[why].text : "unknown reason";
}

static const char *flags_str(const struct bitname *t, size_t n, uint32_t v,
			     bool lower, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		if (!(v & t[i].bit))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					off ? "," : "",
					lower ? t[i].lower : t[i].name);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

const char *map_bits_str(uint32_t v, bool lower, char *buf, size_t len)
{
	return flags_str(bits, ARRAY_SIZE(bits), v, lower, buf, len);
}

const char *map_vma_flags_str(uint32_t v, char *buf, size_t len)
{
	return flags_str(vmaflags, ARRAY_SIZE(vmaflags), v, true, buf, len);
}

static int find_name(const char *const *t, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i], s))
			return (int)i;
	return -1;
}

int map_level_parse(const char *s)
{
	return find_name(levels_lower, ARRAY_SIZE(levels_lower), s);
}

int map_kind_parse(const char *s)
{
	return find_name(kinds, ARRAY_SIZE(kinds), s);
}

int map_why_parse(const char *s)
{
	size_t i;

	if (!s)
		return SHMDEV_WHY_NONE;
	for (i = 0; i < ARRAY_SIZE(whys); i++)
		if (!strcmp(whys[i].name, s))
			return (int)i;
	return -1;
}

uint32_t map_bit_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if (!strcmp(bits[i].lower, s))
			return bits[i].bit;
	return 0;
}

uint32_t map_vma_flag_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmaflags); i++)
		if (!strcmp(vmaflags[i].lower, s))
			return vmaflags[i].bit;
	return 0;
}
