// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for testing shmdevctl's error messages on a host
 * without the module: open() of /dev/shmdev gives a descriptor of
 * /dev/null, every ioctl on it fails with errno $FAKE_ERRNO, and fopen()
 * of /sys/module/shmdev/... or /sys/class/misc/shmdev/... reads
 * $FAKE_SYSFS/... instead.  Without $FAKE_ERRNO, LIST and INFO by id
 * describe two made-up regions (for the table output).
 *
 * With $FAKE_MAP set, LIST and INFO add region 11 "lab" (4 pages) and
 * region 12 "hugelab" (4 MiB of 2 MiB folios), and SHMDEV_IOC_MAP
 * answers with a made-up snapshot of them: for "lab", pid 100 (writer)
 * and pid 200 (reader) share frames at different addresses, and 200
 * also has a MAP_PRIVATE mapping with an anonymous copy-on-write copy;
 * for "hugelab", pid 100 maps it with two PMD leaves and pid 300 at a
 * misaligned address with 512 PTEs per folio.  FAKE_MAP=hidden: as an
 * unprivileged caller sees it (no PFNs or raw entries, one hidden VMA);
 * FAKE_MAP=after: the same a little later (a new entry, a copy-on-write,
 * a dirty bit, a split PMD), for --diff.
 *
 * With $FAKE_CTL set, API reports a control page, mmap() of it gives an
 * anonymous shared page, and POST, WAKE, WAIT, WAITV and POLL_MASK act on
 * it as the kernel would for region "mailbox" (2 channels, no sleeping);
 * fake_calls[_IOC_NR(cmd)] counts the ioctls, for tests that check which
 * calls the library made; NOTIFY advances the page too.  FAKE_CTL=old:
 * API as a module before 0.3.0, which answers POST, WAKE, WAITV and
 * POLL_MASK with ENOTTY.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/shmdev.h>

static int fake_fd = -1;

/* The control page of FAKE_CTL, and the ioctls made, by _IOC_NR. */
static struct shmdev_ctl_page *fake_page;
static uint64_t fake_poll_mask = 3;
unsigned long fake_calls[32];

#define FAKE_CHANNELS 2

struct fake_run {
	uint64_t off, pages, pgoff, pfn;	/* off: page index in the VMA */
	uint32_t level, bits, kind, why, order, refs;
	int32_t maps;
};

struct fake_vma {
	uint32_t pid;
	const char *comm;
	uint64_t start, pages;
	uint32_t flags;
	struct fake_run runs[4];
	uint32_t nr_runs;
};

#define P_PTE (SHMDEV_BIT_PRESENT | SHMDEV_BIT_USER | SHMDEV_BIT_ACCESSED | SHMDEV_BIT_NX)
#define P_RW (P_PTE | SHMDEV_BIT_RW | SHMDEV_BIT_DIRTY | SHMDEV_BIT_SOFT_DIRTY)
#define P_PMD (P_RW | SHMDEV_BIT_PSE)
#define V_RW (SHMDEV_VMA_SHARED | SHMDEV_VMA_READ | SHMDEV_VMA_WRITE | SHMDEV_VMA_MAYWRITE)
#define V_RO (SHMDEV_VMA_SHARED | SHMDEV_VMA_READ | SHMDEV_VMA_RDONLY_ATTACH)
#define V_PRIV (SHMDEV_VMA_READ | SHMDEV_VMA_WRITE | SHMDEV_VMA_MAYWRITE)

static const struct fake_vma lab_before[] = {
	{ 100, "writer", 0x7f0000000000ULL, 4, V_RW, {
		{ 0, 2, 0, 0x1000, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, 0, 0, 3, 2 },
		{ 2, 2, 2, 0, SHMDEV_LEVEL_NONE, 0, SHMDEV_PAGE_NONE, 0, 0, 0, 0 } }, 2 },
	{ 200, "reader", 0x7d0000000000ULL, 4, V_PRIV, {
		{ 0, 1, 0, 0x9000, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_ANON_COPY, 0, 0, 1, 1 },
		{ 1, 1, 1, 0x1001, SHMDEV_LEVEL_PTE, P_PTE, SHMDEV_PAGE_REGION, 0, 0, 3, 3 },
		{ 2, 2, 2, 0, SHMDEV_LEVEL_NONE, 0, SHMDEV_PAGE_NONE, 0, 0, 0, 0 } }, 3 },
	{ 200, "reader", 0x7e0000000000ULL, 4, V_RO, {
		{ 0, 2, 0, 0x1000, SHMDEV_LEVEL_PTE, P_PTE, SHMDEV_PAGE_REGION, 0, 0, 3, 2 },
		{ 2, 2, 2, 0, SHMDEV_LEVEL_NONE, 0, SHMDEV_PAGE_NONE, 0, 0, 0, 0 } }, 2 },
};

static const struct fake_vma lab_after[] = {
	{ 100, "writer", 0x7f0000000000ULL, 4, V_RW, {
		{ 0, 3, 0, 0x1000, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, 0, 0, 3, 2 },
		{ 3, 1, 3, 0, SHMDEV_LEVEL_NONE, 0, SHMDEV_PAGE_NONE, 0, 0, 0, 0 } }, 2 },
	{ 200, "reader", 0x7d0000000000ULL, 4, V_PRIV, {
		{ 0, 2, 0, 0x9000, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_ANON_COPY, 0, 0, 1, 1 },
		{ 2, 2, 2, 0, SHMDEV_LEVEL_NONE, 0, SHMDEV_PAGE_NONE, 0, 0, 0, 0 } }, 2 },
	{ 200, "reader", 0x7e0000000000ULL, 4, V_RO, {
		{ 0, 2, 0, 0x1000, SHMDEV_LEVEL_PTE, P_PTE, SHMDEV_PAGE_REGION, 0, 0, 3, 2 },
		{ 2, 2, 2, 0, SHMDEV_LEVEL_NONE, 0, SHMDEV_PAGE_NONE, 0, 0, 0, 0 } }, 2 },
};

static const struct fake_vma huge_before[] = {
	{ 100, "writer", 0x7f0000200000ULL, 1024, V_RW, {
		{ 0, 512, 0, 0x40000, SHMDEV_LEVEL_PMD, P_PMD, SHMDEV_PAGE_REGION, 0, 9, 514, 2 },
		{ 512, 512, 512, 0x40200, SHMDEV_LEVEL_PMD, P_PMD, SHMDEV_PAGE_REGION, 0, 9, 514, 2 } }, 2 },
	{ 300, "misaligned", 0x7f0000601000ULL, 1024, V_RW, {
		{ 0, 512, 0, 0x40000, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, SHMDEV_WHY_MISALIGNED, 9, 514, 2 },
		{ 512, 512, 512, 0x40200, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, SHMDEV_WHY_MISALIGNED, 9, 514, 2 } }, 2 },
};

static const struct fake_vma huge_after[] = {
	{ 100, "writer", 0x7f0000200000ULL, 1024, V_RW, {
		{ 0, 512, 0, 0x40000, SHMDEV_LEVEL_PMD, P_PMD, SHMDEV_PAGE_REGION, 0, 9, 514, 2 },
		{ 512, 1, 512, 0x40200, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, SHMDEV_WHY_PARTIAL, 9, 514, 2 },
		{ 513, 511, 513, 0x40201, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, SHMDEV_WHY_PARTIAL, 9, 514, 2 } }, 3 },
	{ 300, "misaligned", 0x7f0000601000ULL, 1024, V_RW, {
		{ 0, 512, 0, 0x40000, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, SHMDEV_WHY_MISALIGNED, 9, 514, 2 },
		{ 512, 512, 512, 0x40200, SHMDEV_LEVEL_PTE, P_RW, SHMDEV_PAGE_REGION, SHMDEV_WHY_MISALIGNED, 9, 514, 2 } }, 2 },
};

static uint64_t fake_entry(uint64_t pfn, uint32_t bits)
{
	uint64_t e = pfn << 12;

	e |= bits & SHMDEV_BIT_PRESENT ? 0x1 : 0;
	e |= bits & SHMDEV_BIT_RW ? 0x2 : 0;
	e |= bits & SHMDEV_BIT_USER ? 0x4 : 0;
	e |= bits & SHMDEV_BIT_ACCESSED ? 0x20 : 0;
	e |= bits & SHMDEV_BIT_DIRTY ? 0x40 : 0;
	e |= bits & SHMDEV_BIT_PSE ? 0x80 : 0;
	e |= bits & SHMDEV_BIT_NX ? 1ULL << 63 : 0;
	return e;
}

/* Append one record (or one per page) of run @r of @v; returns the count. */
static uint32_t fake_records(const struct fake_vma *v, const struct fake_run *r,
			     int per_page, int raw, struct shmdev_map_run *out,
			     uint32_t at, uint32_t cap)
{
	uint64_t step = per_page ? 1 : r->pages, i;
	uint32_t n = 0;

	for (i = 0; i < r->pages; i += step, n++) {
		struct shmdev_map_run x;
		uint64_t a = v->start + (r->off + i) * 4096;

		if (at + n >= cap)
			continue;
		memset(&x, 0, sizeof(x));
		x.addr = a;
		x.nr_pages = step;
		x.pgoff = r->pgoff + i;
		x.level = r->level;
		x.bits = r->bits;
		x.kind = r->kind;
		x.why_pte = r->why;
		x.folio_order = (uint16_t)r->order;
		x.folio_refcount = raw ? r->refs : 0;
		x.mapcount = raw ? r->maps : 0;
		x.index[0] = (uint16_t)((a >> 39) & 511);
		x.index[2] = (uint16_t)((a >> 30) & 511);
		x.index[3] = (uint16_t)((a >> 21) & 511);
		x.index[4] = (uint16_t)((a >> 12) & 511);
		if (raw && r->level != SHMDEV_LEVEL_NONE) {
			x.pfn = r->pfn + i;
			x.entry = fake_entry(x.pfn, r->bits);
			x.table[0] = x.table[1] = 0x2a01067;
			x.table[2] = 0x2a02067;
			x.table[3] = r->level == SHMDEV_LEVEL_PMD ? x.entry : 0x2a03067;
		}
		out[at + n] = x;
	}
	return n;
}

static int fake_map(struct shmdev_map *m, const char *variant)
{
	int after = !strcmp(variant, "after"), hidden = !strcmp(variant, "hidden");
	int huge = m->id == 12, per_page = m->flags & SHMDEV_MAP_PER_PAGE;
	const struct fake_vma *vmas = huge ? (after ? huge_after : huge_before) :
					     (after ? lab_after : lab_before);
	uint32_t nv = huge ? 2 : 3, v, i, nr = 0;
	struct shmdev_map_vma *ov = (struct shmdev_map_vma *)(uintptr_t)m->vmas_ptr;
	struct shmdev_map_run *orun = (struct shmdev_map_run *)(uintptr_t)m->runs_ptr;

	if (m->id != 11 && m->id != 12) {
		errno = ENOENT;
		return -1;
	}
	if (m->vma_size != sizeof(*ov) || m->run_size != sizeof(*orun)) {
		errno = EINVAL;
		return -1;
	}
	for (v = 0; v < nv; v++) {
		struct shmdev_map_vma x;

		memset(&x, 0, sizeof(x));
		x.start = vmas[v].start;
		x.end = vmas[v].start + vmas[v].pages * 4096;
		x.pid = vmas[v].pid;
		x.vma_flags = vmas[v].flags;
		strcpy(x.comm, vmas[v].comm);
		x.first_run = nr;
		for (i = 0; i < vmas[v].nr_runs; i++)
			nr += fake_records(&vmas[v], &vmas[v].runs[i], per_page,
					   !hidden, orun, nr, m->run_capacity);
		x.nr_runs = nr - x.first_run;
		if (v < m->vma_capacity)
			ov[v] = x;
	}
	m->nr_vmas = nv;
	m->nr_runs = nr;
	m->result_flags = SHMDEV_MAP_RESULT_SOFT_DIRTY |
			  (hidden ? 0 : SHMDEV_MAP_RESULT_RAW);
	if (nv > m->vma_capacity || nr > m->run_capacity)
		m->result_flags |= SHMDEV_MAP_RESULT_TRUNCATED;
	m->nr_hidden = hidden;
	m->levels = 4;
	m->region_pages = huge ? 1024 : 4;
	m->page_size = 4096;
	m->huge_page_size = 2 << 20;
	return 0;
}

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!strcmp(path, "/dev/shmdev")) {
		/* The caller's access mode: shmdev_ctl_map() looks at it. */
		fake_fd = real_open("/dev/null", (flags & O_ACCMODE) | O_CLOEXEC);
		return fake_fd;
	}
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
	__attribute__((alias("open")));

static int fake_fail(int e)
{
	errno = e;
	return -1;
}

static int fake_api(struct shmdev_api *a, int old)
{
	a->version = SHMDEV_API_VERSION;
	a->ioctls = old ? 0x1ff : 0x3fff;
	a->max_channels = SHMDEV_MAX_CHANNELS;
	a->page_size = 4096;
	if (!old) {
		a->ctl_offset = SHMDEV_CTL_OFFSET;
		a->ctl_size = 4096;
		a->ctl_channel_size = sizeof(struct shmdev_ctl_channel);
	}
	return 0;
}

/* The channels of @mask that moved past the caller's @seqs. */
static int fake_waitv(struct shmdev_waitv *w)
{
	const uint64_t *seqs = (const uint64_t *)(uintptr_t)w->seqs_ptr;
	unsigned int c;

	if (!w->channels || w->channels >> FAKE_CHANNELS || w->flags ||
	    w->__pad || w->advanced)
		return fake_fail(EINVAL);
	if (!seqs)
		return fake_fail(EFAULT);
	for (c = 0; c < FAKE_CHANNELS; c++)
		if ((w->channels >> c & 1) &&
		    fake_page->channel[c].seq != seqs[c])
			w->advanced |= 1ULL << c;
	return w->advanced ? 0 : fake_fail(ETIMEDOUT);
}

/*
 * The region's control page, made on first use: a memfd, so that every
 * mmap() of the fake device maps the same page (under valgrind too).
 */
static int fake_memfd = -1;

static struct shmdev_ctl_page *fake_page_get(void)
{
	void *p;

	if (fake_page)
		return fake_page;
	fake_memfd = memfd_create("fake-shmdev-ctl", MFD_CLOEXEC);
	if (fake_memfd < 0 || ftruncate(fake_memfd, 4096) < 0)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fake_memfd, 0);
	fake_page = p == MAP_FAILED ? NULL : p;
	return fake_page;
}

/* The control-page ioctls of FAKE_CTL; 1 when @req is none of them. */
static int fake_ctl_ioctl(unsigned long req, void *arg)
{
	unsigned long ch = (unsigned long)arg;

	if (req == SHMDEV_IOC_API)
		return fake_api(arg, !strcmp(getenv("FAKE_CTL"), "old"));
	if (req == SHMDEV_IOC_ATTACH)
		return 0;	/* to "mailbox" */
	if (!strcmp(getenv("FAKE_CTL"), "old") &&
	    (req == SHMDEV_IOC_POST || req == SHMDEV_IOC_WAKE ||
	     req == SHMDEV_IOC_WAITV || req == SHMDEV_IOC_POLL_MASK))
		return fake_fail(ENOTTY);
	if (req != SHMDEV_IOC_POST && req != SHMDEV_IOC_WAKE &&
	    req != SHMDEV_IOC_WAIT && req != SHMDEV_IOC_WAITV &&
	    req != SHMDEV_IOC_POLL_MASK && req != SHMDEV_IOC_NOTIFY)
		return 1;
	if (!fake_page_get())
		return -1;
	if (req == SHMDEV_IOC_NOTIFY) {
		struct shmdev_notify *n = arg;

		if (n->channel >= FAKE_CHANNELS || n->flags || n->seq)
			return fake_fail(EINVAL);
		n->seq = __atomic_add_fetch(&fake_page->channel[n->channel].seq,
					    1, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (req == SHMDEV_IOC_WAITV)
		return fake_waitv(arg);
	if (req == SHMDEV_IOC_POLL_MASK) {
		struct shmdev_poll_mask *m = arg;

		if (m->previous || m->channels >> FAKE_CHANNELS)
			return fake_fail(EINVAL);
		m->previous = fake_poll_mask;
		fake_poll_mask = m->channels;
		return 0;
	}
	if (req == SHMDEV_IOC_WAIT) {
		struct shmdev_wait *w = arg;

		if (w->channel >= FAKE_CHANNELS)
			return fake_fail(EINVAL);
		w->seq = fake_page->channel[w->channel].seq;
		return 0;
	}
	if (ch >= FAKE_CHANNELS)
		return fake_fail(EINVAL);
	if (req == SHMDEV_IOC_POST)
		__atomic_add_fetch(&fake_page->channel[ch].seq, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real_mmap)(void *, size_t, int, int, int, off_t);

	if (!real_mmap)
		real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))
			    dlsym(RTLD_NEXT, "mmap");
	if (fd != fake_fd || fd < 0 || !getenv("FAKE_CTL"))
		return real_mmap(addr, len, prot, flags, fd, off);
	/* As the kernel: one page, shared, at exactly the offset. */
	if ((uint64_t)off != SHMDEV_CTL_OFFSET || len != 4096 ||
	    (flags & MAP_TYPE) != MAP_SHARED) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if ((prot & PROT_WRITE) && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY) {
		errno = EACCES;
		return MAP_FAILED;
	}
	if (!fake_page_get())
		return MAP_FAILED;
	/* Every map is a new view of the same page. */
	return real_mmap(addr, len, prot, flags, fake_memfd, 0);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real_ioctl)(int, unsigned long, ...);
	const char *e = getenv("FAKE_ERRNO");
	va_list ap;
	void *arg;

	if (!real_ioctl)
		real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == fake_fd && fd >= 0) {
		const char *map = getenv("FAKE_MAP");

		fake_calls[_IOC_NR(req) & 31]++;
		if (!e && getenv("FAKE_CTL")) {
			int r = fake_ctl_ioctl(req, arg);

			if (r <= 0)
				return r;
		}

		if (!e && req == SHMDEV_IOC_LIST) {
			static const uint64_t all[] = { 3, 7, 11, 12 };
			struct shmdev_list *l = arg;
			uint64_t *ids = (uint64_t *)(uintptr_t)l->ids_ptr;
			uint32_t n = map ? 4 : 2, k;

			for (k = 0; k < n && k < l->capacity; k++)
				ids[k] = all[k];
			l->count = n;
			return 0;
		}
		if (!e && map && req == SHMDEV_IOC_MAP)
			return fake_map(arg, map);
		if (!e && map && req == SHMDEV_IOC_INFO &&
		    (((struct shmdev_info *)arg)->id == 11 ||
		     ((struct shmdev_info *)arg)->id == 12)) {
			struct shmdev_info *i = arg;

			i->size = i->id == 12 ? 4 << 20 : 16384;
			i->mode = 0600;
			i->nr_channels = 1;
			i->nr_attached = 2;
			i->nr_mappings = i->id == 12 ? 2 : 3;
			strcpy(i->name, i->id == 12 ? "hugelab" : "lab");
			return 0;
		}
		if (!e && req == SHMDEV_IOC_INFO) {
			struct shmdev_info *i = arg;
			int big = i->id == 7;

			i->size = big ? 1610612736ULL : 8192;
			i->uid = i->cuid = 0;
			i->gid = i->cgid = 0;
			i->mode = big ? 0640 : 0600;
			i->nr_channels = big ? 64 : 2;
			i->nr_attached = big;
			i->nr_mappings = 2 * big;
			i->region_flags = big ? SHMDEV_REGION_DESTROYED : 0;
			strcpy(i->name, big ? "frames" : "mailbox");
			i->seq[0] = 42;
			i->cpid = 4242;
			i->lpid = 4343;
			i->ctime = 1700000000;
			i->atime = 1700000060;
			return 0;
		}
		errno = e ? atoi(e) : ENOTTY;
		return -1;
	}
	return real_ioctl(fd, req, arg);
}

FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real_fopen)(const char *, const char *);
	const char *root = getenv("FAKE_SYSFS");
	char buf[4096];

	if (!real_fopen)
		real_fopen = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	if (root && (!strncmp(path, "/sys/module/shmdev/", 19) ||
		     !strncmp(path, "/sys/class/misc/shmdev/", 23))) {
		snprintf(buf, sizeof(buf), "%s%s", root, path);
		return real_fopen(buf, mode);
	}
	return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
	__attribute__((alias("fopen")));
