/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev-lab - the experiments of docs/page-tables.md.  Each experiment
 * sets up a region and its mappings step by step and pauses after each
 * step, so that the learner can look with 'shmdevctl map' meanwhile; a
 * pause ends with Enter (in the foreground) or 'shmdev-lab next'.
 */
#ifndef SHMDEV_LAB_H
#define SHMDEV_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmdev.h"

#define LAB_DIR		"/tmp/shmdev-lab"
#define KiB		1024UL
#define MiB		(1024UL * 1024UL)

struct experiment {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

__attribute__((noreturn, format(printf, 1, 2)))
void lab_die(const char *fmt, ...);

/* Start experiment @name (pid and step files in LAB_DIR). */
void lab_begin(const char *name);
/*
 * Print what was done and what to look at, then wait for Enter or
 * 'shmdev-lab next'.  Exits (cleaning up) on SIGINT or SIGTERM.
 */
__attribute__((format(printf, 1, 2)))
void lab_pause(const char *fmt, ...);

/* Create region @name (removed again at exit), attached; returns the fd. */
int lab_create(const char *name, size_t size, unsigned int flags, uint64_t *id);
/* Open /dev/shmdev and attach @name with @flags; returns the fd. */
int lab_attach(const char *name, unsigned int flags);
/* mmap() or die. */
void *lab_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
/* Read (and with @write, write) one byte of every page in [p, p + len). */
void lab_touch(void *p, size_t len, bool write);
size_t lab_page(void);
/* A child that is killed (and reaped) at exit. */
void lab_child(int pid);

int exp_share(int argc, char **argv);
int exp_share_peer(int argc, char **argv);
int exp_fault(int argc, char **argv);
int exp_fork(int argc, char **argv);
int exp_rdonly(int argc, char **argv);
int exp_private(int argc, char **argv);
int exp_huge(int argc, char **argv);
int exp_softdirty(int argc, char **argv);
int exp_destroy(int argc, char **argv);

#endif /* SHMDEV_LAB_H */
