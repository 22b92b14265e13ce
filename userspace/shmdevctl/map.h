/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdevctl map - declarations shared by map*.c and json.c: one snapshot
 * of SHMDEV_IOC_MAP (from the kernel, or read back from --json output)
 * and the ways of printing it.
 */
#ifndef SHMDEVCTL_MAP_H
#define SHMDEVCTL_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shmdev.h"

/* The "schema" member of --json output; bumped on incompatible change. */
#define MAP_JSON_SCHEMA 1

struct mapsnap {
	struct shmdev_pagetable pt;
	char name[SHMDEV_NAME_MAX];
};

/* One page of one VMA, for --diff (runs expanded). */
struct mappage {
	uint64_t addr;
	uint64_t pgoff;
	uint64_t pfn;
	uint32_t pid;
	uint32_t level;
	uint32_t bits;
	uint32_t kind;
	uint32_t why;
	uint32_t vma_flags;
};

/* Names (map_names.c). */
const char *map_level_name(uint32_t level);
const char *map_level_lower(uint32_t level);
const char *map_kind_name(uint32_t kind);
const char *map_why_name(uint32_t why);
const char *map_why_text(uint32_t why);
/* "P,RW,U,A,D" for @bits (or "-"); @lower: "present,rw,..." for JSON. */
const char *map_bits_str(uint32_t bits, bool lower, char *buf, size_t len);
const char *map_vma_flags_str(uint32_t flags, char *buf, size_t len);
/* Inverse of the names above (-1 / 0 bits when unknown), for --diff. */
int map_level_parse(const char *s);
int map_kind_parse(const char *s);
int map_why_parse(const char *s);
uint32_t map_bit_parse(const char *s);
uint32_t map_vma_flag_parse(const char *s);

/* Facts derived from a snapshot (map_facts.c). */
bool map_raw(const struct mapsnap *s);
uint32_t map_nr_mappers(const struct mapsnap *s);
/*
 * Per region page: true when every mapping process maps that page of
 * the region itself (kind region).  malloc()ed, region_pages entries.
 */
bool *map_shared_all(const struct mapsnap *s);
bool map_run_shared(const struct shmdev_map_run *r, const bool *all,
		    uint64_t region_pages);
/* Every page of @s, in pid then address order; malloc()ed. */
struct mappage *map_pages(const struct mapsnap *s, size_t *n);

/* Output (map_text.c, map_json.c, map_svg.c, map_diff.c). */
void map_print_text(const struct mapsnap *s, bool verbose);
void map_print_json(const struct mapsnap *s, FILE *f);
int map_write_svg(const struct mapsnap *s, const char *path);
/* Print the changes from @old to @now; returns how many were found. */
size_t map_print_diff(const struct mapsnap *old, const struct mapsnap *now);

/* Read --json output back (map_load.c); -1 with a message on failure. */
int map_load_json(const char *path, struct mapsnap *out);
void map_snap_free(struct mapsnap *s);

#endif /* SHMDEVCTL_MAP_H */
