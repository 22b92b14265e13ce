// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev - see shmdev.h for the documentation of every function.
 *
 * Every ioctl structure is zeroed before use: the kernel rejects non-zero
 * padding, reserved and output-only fields with EINVAL.
 */
#define _GNU_SOURCE
#include "shmdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Without SHMDEV_VERSION (a build outside the Makefile) say so. */
#ifndef SHMDEV_VERSION
#define SHMDEV_VERSION "0-unknown"
#endif

const char *shmdev_version(void)
{
	return SHMDEV_VERSION;
}

int shmdev_open_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	/*
	 * No node (ENOENT), or a node with no driver behind it (ENXIO,
	 * ENODEV): report "no device", never ENOENT, which the region calls
	 * use for "no such region".
	 */
	if (fd < 0 && (errno == ENOENT || errno == ENXIO))
		errno = ENODEV;
	return fd;
}

int shmdev_open(int flags)
{
	return shmdev_open_path(SHMDEV_DEVICE_PATH, flags);
}

/*
 * Copy @name into a zeroed SHMDEV_NAME_MAX field.  Names the field cannot
 * hold (with their NUL) are refused here; every other rule (length >= 1,
 * printable ASCII, no '/') is left to the kernel, the one authority.
 */
static int copy_name(char dst[SHMDEV_NAME_MAX], const char *name)
{
	size_t len;

	if (!name) {
		errno = EINVAL;
		return -1;
	}
	len = strnlen(name, SHMDEV_NAME_MAX);
	if (len >= SHMDEV_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dst, name, len);	/* dst is already zero-filled */
	return 0;
}

int shmdev_api(int fd, struct shmdev_api *api)
{
	struct shmdev_api a;

	memset(&a, 0, sizeof(a));
	if (ioctl(fd, SHMDEV_IOC_API, &a) < 0)
		return -1;
	if (api)
		*api = a;
	return 0;
}

int shmdev_create(int fd, const char *name, uint64_t size,
		  unsigned int nr_channels, unsigned int mode,
		  unsigned int flags, uint64_t *id, bool *created)
{
	struct shmdev_create c;

	memset(&c, 0, sizeof(c));
	if (copy_name(c.name, name) < 0)
		return -1;
	c.size = size;
	c.nr_channels = nr_channels;
	c.flags = flags;
	c.mode = mode;
	if (ioctl(fd, SHMDEV_IOC_CREATE, &c) < 0)
		return -1;
	if (id)
		*id = c.id;
	if (created)
		*created = (c.result_flags & SHMDEV_CREATE_RESULT_NEW) != 0;
	return 0;
}

int shmdev_attach_name(int fd, const char *name, unsigned int flags,
		       uint64_t *id)
{
	struct shmdev_attach a;

	if (flags & SHMDEV_ATTACH_BY_ID) {
		errno = EINVAL;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	if (copy_name(a.name, name) < 0)
		return -1;
	a.flags = flags;
	if (ioctl(fd, SHMDEV_IOC_ATTACH, &a) < 0)
		return -1;
	if (id)
		*id = a.id;
	return 0;
}

int shmdev_attach_id(int fd, uint64_t id, unsigned int flags)
{
	struct shmdev_attach a;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.flags = flags | SHMDEV_ATTACH_BY_ID;
	return ioctl(fd, SHMDEV_IOC_ATTACH, &a) < 0 ? -1 : 0;
}

/* Copies @size bytes of the answer: what the caller's struct holds. */
static int do_info(int fd, uint32_t flags, uint64_t id,
		   struct shmdev_info *info, size_t size)
{
	struct shmdev_info i;

	memset(&i, 0, sizeof(i));
	i.flags = flags;
	i.id = id;
	if (ioctl(fd, SHMDEV_IOC_INFO, &i) < 0)
		return -1;
	if (info)
		memcpy(info, &i, size);
	return 0;
}

/*
 * struct shmdev_info grew (cpid, lpid and the times): programs linked
 * against LIBSHMDEV_1.0 pass the first version's struct and must not get
 * more, so they keep a version that copies only that much, as glibc keeps
 * old versions of a symbol.  A program linked now, or statically, gets
 * the LIBSHMDEV_1.1 ones.
 */
int shmdev_info_v0(int fd, struct shmdev_info *info);
int shmdev_info_id_v0(int fd, uint64_t id, struct shmdev_info *info);
int shmdev_info_v1(int fd, struct shmdev_info *info);
int shmdev_info_id_v1(int fd, uint64_t id, struct shmdev_info *info);

int shmdev_info_v0(int fd, struct shmdev_info *info)
{
	return do_info(fd, 0, 0, info, SHMDEV_INFO_SIZE_VER0);
}

int shmdev_info_id_v0(int fd, uint64_t id, struct shmdev_info *info)
{
	return do_info(fd, SHMDEV_INFO_BY_ID, id, info, SHMDEV_INFO_SIZE_VER0);
}

int shmdev_info_v1(int fd, struct shmdev_info *info)
{
	return do_info(fd, 0, 0, info, sizeof(*info));
}

int shmdev_info_id_v1(int fd, uint64_t id, struct shmdev_info *info)
{
	return do_info(fd, SHMDEV_INFO_BY_ID, id, info, sizeof(*info));
}

__asm__(".symver shmdev_info_v0, shmdev_info@LIBSHMDEV_1.0");
__asm__(".symver shmdev_info_id_v0, shmdev_info_id@LIBSHMDEV_1.0");
__asm__(".symver shmdev_info_v1, shmdev_info@@LIBSHMDEV_1.1");
__asm__(".symver shmdev_info_id_v1, shmdev_info_id@@LIBSHMDEV_1.1");

int shmdev_destroy_name(int fd, const char *name)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	if (copy_name(d.name, name) < 0)
		return -1;
	return ioctl(fd, SHMDEV_IOC_DESTROY, &d) < 0 ? -1 : 0;
}

int shmdev_destroy_id(int fd, uint64_t id)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.flags = SHMDEV_DESTROY_BY_ID;
	return ioctl(fd, SHMDEV_IOC_DESTROY, &d) < 0 ? -1 : 0;
}

int shmdev_list(int fd, uint64_t *ids, uint32_t capacity, uint32_t *count)
{
	struct shmdev_list l;

	memset(&l, 0, sizeof(l));
	l.ids_ptr = (uint64_t)(uintptr_t)ids;
	l.capacity = ids ? capacity : 0;
	if (ioctl(fd, SHMDEV_IOC_LIST, &l) < 0)
		return -1;
	if (count)
		*count = l.count;
	return 0;
}

int shmdev_list_all(int fd, uint64_t **ids, uint32_t *count)
{
	uint64_t *buf = NULL;
	uint32_t cap = 0, n;

	if (!ids || !count) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		if (shmdev_list(fd, buf, cap, &n) < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return -1;
		}
		if (n <= cap)
			break;
		/* More regions than room: grow with some slack and retry. */
		free(buf);
		cap = n > UINT32_MAX - 16 ? UINT32_MAX : n + 16;
		buf = malloc((size_t)cap * sizeof(*buf));
		if (!buf)
			return -1;	/* errno = ENOMEM */
	}
	if (n == 0) {
		free(buf);
		buf = NULL;
	}
	*ids = buf;
	*count = n;
	return 0;
}

/* One SHMDEV_IOC_MAP call with the arrays of @pt at capacities @nv, @nr. */
static int map_call(int fd, uint64_t id, unsigned int flags,
		    struct shmdev_pagetable *pt, uint32_t nv, uint32_t nr)
{
	struct shmdev_map *m = &pt->hdr;

	memset(m, 0, sizeof(*m));
	m->id = id;
	m->flags = flags;
	m->vmas_ptr = (uintptr_t)pt->vmas;
	m->runs_ptr = (uintptr_t)pt->runs;
	m->vma_size = sizeof(struct shmdev_map_vma);
	m->run_size = sizeof(struct shmdev_map_run);
	m->vma_capacity = nv;
	m->run_capacity = nr;
	return ioctl(fd, SHMDEV_IOC_MAP, m);
}

/* Room for @n records with some slack for what maps meanwhile. */
static uint32_t slack(uint32_t n)
{
	return n > UINT32_MAX / 2 - 64 ? UINT32_MAX / 2 : n + n / 4 + 16;
}

int shmdev_pagetable(int fd, uint64_t id, unsigned int flags,
		     struct shmdev_pagetable *out)
{
	uint32_t nv = 0, nr = 0;
	int tries, err;

	if (!out) {
		errno = EINVAL;
		return -1;
	}
	memset(out, 0, sizeof(*out));
	for (tries = 0; tries < 8; tries++) {
		if (map_call(fd, id, flags, out, nv, nr) < 0)
			break;
		if (out->hdr.nr_vmas <= nv && out->hdr.nr_runs <= nr &&
		    !(out->hdr.result_flags & SHMDEV_MAP_RESULT_TRUNCATED)) {
			if (!out->hdr.nr_vmas) {
				free(out->vmas);
				out->vmas = NULL;
			}
			if (!out->hdr.nr_runs) {
				free(out->runs);
				out->runs = NULL;
			}
			return 0;
		}
		nv = slack(out->hdr.nr_vmas > nv ? out->hdr.nr_vmas : nv);
		nr = slack(out->hdr.nr_runs > nr ? out->hdr.nr_runs : nr);
		shmdev_pagetable_free(out);
		out->vmas = calloc(nv, sizeof(*out->vmas));
		out->runs = calloc(nr, sizeof(*out->runs));
		if (!out->vmas || !out->runs) {
			shmdev_pagetable_free(out);
			errno = ENOMEM;
			return -1;
		}
	}
	err = tries == 8 ? EAGAIN : errno;
	shmdev_pagetable_free(out);
	errno = err;
	return -1;
}

void shmdev_pagetable_free(struct shmdev_pagetable *pt)
{
	if (!pt)
		return;
	free(pt->vmas);
	free(pt->runs);
	pt->vmas = NULL;
	pt->runs = NULL;
}

/* Set once a module answered POST with ENOTTY and then NOTIFY worked. */
static int shmdev_no_post;

/*
 * Without @seq the caller needs only the advance, which POST makes with
 * no argument struct to read in and write back: about a fifth of NOTIFY's
 * cost goes.  A module before 0.3.0 has no POST; it is asked once.
 */
static int shmdev_notify_post(int fd, uint32_t channel)
{
	int e = errno;

	if (__atomic_load_n(&shmdev_no_post, __ATOMIC_RELAXED))
		return 1;
	if (shmdev_post(fd, channel) == 0)
		return 0;
	if (errno != ENOTTY)
		return -1;
	errno = e;
	return 1;
}

int shmdev_notify(int fd, uint32_t channel, uint64_t *seq)
{
	struct shmdev_notify n;
	int r;

	if (!seq) {
		r = shmdev_notify_post(fd, channel);
		if (r <= 0)
			return r;
	}
	memset(&n, 0, sizeof(n));
	n.channel = channel;
	if (ioctl(fd, SHMDEV_IOC_NOTIFY, &n) < 0)
		return -1;
	if (seq)
		*seq = n.seq;
	else	/* POST said ENOTTY, NOTIFY worked: a module without POST */
		__atomic_store_n(&shmdev_no_post, 1, __ATOMIC_RELAXED);
	return 0;
}

int shmdev_wait(int fd, uint32_t channel, uint64_t expected,
		uint64_t timeout_ns, unsigned int flags, uint64_t *seq)
{
	struct shmdev_wait w;

	memset(&w, 0, sizeof(w));
	w.channel = channel;
	w.flags = flags;
	w.seq = expected;
	w.timeout_ns = timeout_ns;
	if (ioctl(fd, SHMDEV_IOC_WAIT, &w) < 0) {
		/* On a timeout the kernel still reports the current sequence. */
		if (errno == ETIMEDOUT && seq)
			*seq = w.seq;
		return -1;
	}
	if (seq)
		*seq = w.seq;
	return 0;
}

int shmdev_ack(int fd, uint64_t channels, uint64_t *pending)
{
	struct shmdev_ack a;

	memset(&a, 0, sizeof(a));
	a.channels = channels;
	if (ioctl(fd, SHMDEV_IOC_ACK, &a) < 0)
		return -1;
	if (pending)
		*pending = a.pending;
	return 0;
}

int shmdev_seq(int fd, uint32_t channel, uint64_t *seq)
{
	struct shmdev_info i;

	if (shmdev_info_v1(fd, &i) < 0)
		return -1;
	if (channel >= i.nr_channels || channel >= SHMDEV_MAX_CHANNELS) {
		errno = EINVAL;
		return -1;
	}
	if (seq)
		*seq = i.seq[channel];
	return 0;
}

void *shmdev_map(int fd, size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, 0);
}

int shmdev_pfn(const void *addr, uint64_t *pfn)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t entry;
	off_t off;
	ssize_t r;
	int fd, e;

	if (psz <= 0)
		return -1;
	/* One 64-bit entry per virtual page, indexed by page number. */
	off = (off_t)((uintptr_t)addr / (uintptr_t)psz * sizeof(entry));
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = pread(fd, &entry, sizeof(entry), off);
	e = errno;
	close(fd);
	if (r != (ssize_t)sizeof(entry)) {
		errno = r < 0 ? e : EIO;
		return -1;
	}
	if (!(entry & (1ULL << 63))) {		/* bit 63: page present */
		if (pfn)
			*pfn = 0;
		return 0;
	}
	if (pfn)
		*pfn = entry & ((1ULL << 55) - 1);	/* bits 0-54: PFN */
	return 1;
}

int shmdev_region_open(const char *name, uint64_t size,
		       unsigned int nr_channels, unsigned int mode,
		       unsigned int flags, struct shmdev_region *out)
{
	const unsigned int known = SHMDEV_REGION_O_CREAT |
				   SHMDEV_REGION_O_EXCL |
				   SHMDEV_REGION_O_RDONLY;
	bool rdonly = flags & SHMDEV_REGION_O_RDONLY;
	struct shmdev_region r = { .fd = -1 };
	struct shmdev_info info;
	void *addr;
	int e;

	if (!out || (flags & ~known) ||
	    ((flags & SHMDEV_REGION_O_CREAT) && rdonly) ||
	    ((flags & SHMDEV_REGION_O_EXCL) &&
	     !(flags & SHMDEV_REGION_O_CREAT))) {
		errno = EINVAL;
		return -1;
	}

	r.fd = shmdev_open(rdonly ? O_RDONLY : O_RDWR);
	if (r.fd < 0)
		return -1;

	if (flags & SHMDEV_REGION_O_CREAT) {
		unsigned int cflags = (flags & SHMDEV_REGION_O_EXCL) ?
				      0 : SHMDEV_CREATE_OPEN;

		if (shmdev_create(r.fd, name, size, nr_channels, mode, cflags,
				  &r.id, &r.created) < 0)
			goto fail;
	} else {
		if (shmdev_attach_name(r.fd, name,
				       rdonly ? SHMDEV_ATTACH_RDONLY : 0,
				       &r.id) < 0)
			goto fail;
	}

	/* An existing region may be larger than asked for: map all of it. */
	if (shmdev_info_v1(r.fd, &info) < 0)
		goto fail;
	if (info.size > SIZE_MAX) {
		errno = EOVERFLOW;
		goto fail;
	}
	r.size = (size_t)info.size;
	addr = shmdev_map(r.fd, r.size,
			  rdonly ? PROT_READ : PROT_READ | PROT_WRITE);
	if (addr == MAP_FAILED)
		goto fail;
	r.addr = addr;
	r.rdonly = rdonly;
	*out = r;
	return 0;

fail:
	e = errno;
	/* Do not leave behind a region that nobody will ever use. */
	if (r.created)
		shmdev_destroy_id(r.fd, r.id);
	close(r.fd);
	errno = e;
	return -1;
}

int shmdev_region_close(struct shmdev_region *r)
{
	int ret = 0, e = 0;

	if (!r) {
		errno = EINVAL;
		return -1;
	}
	if (r->addr && r->addr != MAP_FAILED && munmap(r->addr, r->size) < 0) {
		e = errno;
		ret = -1;
	}
	if (r->fd >= 0 && close(r->fd) < 0 && ret == 0) {
		e = errno;
		ret = -1;
	}
	r->addr = NULL;
	r->fd = -1;
	if (ret < 0)
		errno = e;
	return ret;
}

/* ---------------------------------------------------------------------
 * The control page (LIBSHMDEV_1.2)
 */

/*
 * What shmdev_ctl_unmap() unmaps: struct shmdev_ctl does not record the
 * length, and the kernel makes the control page exactly one page
 * (shmdev_ctl_map() refuses any other size), which munmap() rounds to.
 */
static size_t ctl_len(void)
{
	long psz = sysconf(_SC_PAGESIZE);

	if (psz < (long)sizeof(struct shmdev_ctl_page))
		return sizeof(struct shmdev_ctl_page);
	return (size_t)psz;
}

int shmdev_ctl_map(int fd, struct shmdev_ctl *ctl)
{
	struct shmdev_info info;
	struct shmdev_api api;
	int prot = PROT_READ | PROT_WRITE, fl;
	void *p;

	if (!ctl) {
		errno = EINVAL;
		return -1;
	}
	if (shmdev_api(fd, &api) < 0)
		return -1;
	/*
	 * A module before 0.3.0 leaves the new fields zero (it copies back
	 * only the struct it knows); a page laid out otherwise than
	 * struct shmdev_ctl_page cannot be read through it either.
	 */
	if (!api.ctl_offset || api.ctl_size != ctl_len() ||
	    api.ctl_channel_size != sizeof(struct shmdev_ctl_channel)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if ((uint64_t)(off_t)api.ctl_offset != api.ctl_offset) {
		errno = EOVERFLOW;	/* a 32-bit off_t: build with 64-bit offsets */
		return -1;
	}
	/* Needs an attached file: ENXIO here rather than from mmap(). */
	if (shmdev_info_v1(fd, &info) < 0)
		return -1;
	/* A shared writable mapping needs a file open for writing. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	if ((fl & O_ACCMODE) == O_RDONLY)
		prot = PROT_READ;
	p = mmap(NULL, api.ctl_size, prot, MAP_SHARED, fd,
		 (off_t)api.ctl_offset);
	if (p == MAP_FAILED)
		return -1;
	ctl->page = p;
	ctl->fd = fd;
	ctl->nr_channels = info.nr_channels;
	ctl->rdonly = !(prot & PROT_WRITE);
	return 0;
}

int shmdev_ctl_unmap(struct shmdev_ctl *ctl)
{
	if (!ctl || !ctl->page) {
		errno = EINVAL;
		return -1;
	}
	if (munmap(ctl->page, ctl_len()) < 0)
		return -1;
	ctl->page = NULL;
	return 0;
}

/* POST and WAKE take the channel index itself as the argument. */
int shmdev_post(int fd, uint32_t channel)
{
	return ioctl(fd, SHMDEV_IOC_POST, (unsigned long)channel) < 0 ? -1 : 0;
}

int shmdev_wake(int fd, uint32_t channel)
{
	return ioctl(fd, SHMDEV_IOC_WAKE, (unsigned long)channel) < 0 ? -1 : 0;
}

int shmdev_waitv(int fd, uint64_t channels, const uint64_t *seqs,
		 uint64_t timeout_ns, unsigned int flags, uint64_t *advanced)
{
	struct shmdev_waitv w;

	memset(&w, 0, sizeof(w));
	w.channels = channels;
	w.seqs_ptr = (uint64_t)(uintptr_t)seqs;
	w.timeout_ns = timeout_ns;
	w.flags = flags;
	if (ioctl(fd, SHMDEV_IOC_WAITV, &w) < 0) {
		/* As WAIT: the kernel still writes the result on a timeout. */
		if (errno == ETIMEDOUT && advanced)
			*advanced = w.advanced;
		return -1;
	}
	if (advanced)
		*advanced = w.advanced;
	return 0;
}

int shmdev_poll_mask(int fd, uint64_t channels, uint64_t *previous)
{
	struct shmdev_poll_mask m;

	memset(&m, 0, sizeof(m));
	m.channels = channels;
	if (ioctl(fd, SHMDEV_IOC_POLL_MASK, &m) < 0)
		return -1;
	if (previous)
		*previous = m.previous;
	return 0;
}
