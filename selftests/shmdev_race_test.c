// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev races under load.
 *
 * For SHMDEV_STRESS_SECONDS (default 10) RACE_WORKERS forked workers, each
 * with its own PRNG seeded from the printed seed (SHMDEV_RACE_SEED=N
 * replays a run), hammer RACE_NAMES names with every call the ABI has:
 * CREATE with and without SHMDEV_CREATE_OPEN, ATTACH by name and by id (rw
 * and read-only), DESTROY by name and id, INFO, LIST, NOTIFY, WAIT, ACK,
 * poll, mmap/munmap/mremap/mprotect/madvise, fork, open/close and
 * read/write/lseek on the file.  Each result is checked against the errors
 * the call may give in the worker's state (e.g. ATTACH by name: 0 or
 * ENOENT, a destroy may have won the race; INFO on an attached file: 0
 * only); any other errno, or a wrong value, is counted as unexpected and
 * fails the test.  Every name's region always has the same size and
 * channel count ((k + 1) pages and channels for name k), so EINVAL is
 * never a legitimate answer to a well-formed call.
 *
 * Meanwhile RACE_CHECKERS checker processes each own a region of their
 * own, fill it with a pattern and keep verifying it (through their
 * mapping, a fresh read-only attach, and after madvise DONTNEED, REMOVE,
 * PAGEOUT and COLD), rewrite it with a new pattern now and then, and count
 * their NOTIFYs: when the storm is over they verify once more, and the
 * channel's sequence must equal their count.
 *
 * After the storm every worker must have exited normally, LIST must show
 * none of the test's regions, and sysfs regions/bytes_in_use must be back
 * at their values from before the test.
 */
#define _GNU_SOURCE
#include <poll.h>
#include "shmdev_common.h"

#define RACE_WORKERS	8
#define RACE_CHECKERS	2
#define RACE_NAMES	4
#define RACE_SLOTS	4	/* open files per worker */
#define RACE_MAPS	6	/* mappings per worker */
#define RACE_LIST_CAP	64
#define CHECKER_PAGES	8
#define MAX_ERRNO_SLOT	160	/* errno histogram size; 159 = wrong result */
#define BAD_RESULT	159

enum race_op {
	OP_OPEN, OP_CLOSE, OP_CREATE, OP_CREATE_OPEN, OP_ATTACH_NAME,
	OP_ATTACH_ID, OP_ATTACH_BUSY, OP_DESTROY_NAME, OP_DESTROY_ID, OP_INFO,
	OP_INFO_ID, OP_LIST, OP_MMAP, OP_MMAP_BAD, OP_TOUCH, OP_MUNMAP,
	OP_MREMAP_SHRINK, OP_MREMAP_MOVE, OP_MREMAP_GROW, OP_MPROTECT,
	OP_MADV_DONTNEED, OP_MADV_REMOVE, OP_MADV_PAGEOUT, OP_MADV_COLD,
	OP_FORK, OP_NOTIFY, OP_WAIT, OP_POLL, OP_ACK, OP_READ, OP_WRITE,
	OP_LSEEK, OP_CHECK, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"open", "close", "create", "create_open", "attach_name", "attach_id",
	"attach_busy", "destroy_name", "destroy_id", "info", "info_id", "list",
	"mmap", "mmap_bad", "touch", "munmap", "mremap_shrink", "mremap_move",
	"mremap_grow", "mprotect", "madv_dontneed", "madv_remove",
	"madv_pageout", "madv_cold", "fork", "notify", "wait", "poll", "ack",
	"read", "write", "lseek", "checker_verify",
};

#define LOG_MAX 32

struct race_shared {
	uint64_t ok[NR_OPS];
	uint64_t unexpected[NR_OPS];
	uint64_t err[NR_OPS][MAX_ERRNO_SLOT];
	uint64_t ids[RACE_NAMES];		/* last id seen per name */
	uint64_t checker_verifies[RACE_CHECKERS];
	uint32_t nlog;
	struct {
		int who, op, err;
		char what[80];
	} log[LOG_MAX];
};

static struct race_shared *sh;
static char prefix[32];
static int who;			/* worker index, or 100 + checker index */
static uint64_t rng;
static long pg;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int rndn(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static void race_name(char *buf, unsigned int k)
{
	memset(buf, 0, SHMDEV_NAME_MAX);
	snprintf(buf, SHMDEV_NAME_MAX, "%sn%u", prefix, k);
}

static void log_bad(int op, int err, const char *what)
{
	uint32_t i = __atomic_fetch_add(&sh->nlog, 1, __ATOMIC_RELAXED);

	__atomic_fetch_add(&sh->unexpected[op], 1, __ATOMIC_RELAXED);
	if (i < LOG_MAX) {
		sh->log[i].who = who;
		sh->log[i].op = op;
		sh->log[i].err = err;
		snprintf(sh->log[i].what, sizeof(sh->log[i].what), "%s", what);
	}
}

/*
 * Account one result: @err is 0 or a positive errno; @allowed lists the
 * acceptable results (0 = success), terminated by -1.  Returns whether
 * the result was acceptable.
 */
static bool record(int op, int err, const int *allowed)
{
	int slot = err < MAX_ERRNO_SLOT ? err : BAD_RESULT;
	int i;

	for (i = 0; allowed[i] >= 0; i++) {
		if (allowed[i] == err) {
			if (err)
				__atomic_fetch_add(&sh->err[op][slot], 1, __ATOMIC_RELAXED);
			else
				__atomic_fetch_add(&sh->ok[op], 1, __ATOMIC_RELAXED);
			return true;
		}
	}
	__atomic_fetch_add(&sh->err[op][slot], 1, __ATOMIC_RELAXED);
	log_bad(op, err, strerror(err));
	return false;
}

#define RECORD(op, err, ...) record(op, err, (const int[]){ __VA_ARGS__, -1 })

/* A call succeeded but returned something wrong. */
static void bad_result(int op, const char *what)
{
	__atomic_fetch_add(&sh->err[op][BAD_RESULT], 1, __ATOMIC_RELAXED);
	log_bad(op, BAD_RESULT, what);
}

static int stress_seconds(void)
{
	const char *s = getenv("SHMDEV_STRESS_SECONDS");
	long v = s && *s ? strtol(s, NULL, 10) : 10;

	if (v < 1)
		v = 1;
	if (v > 180)
		v = 180;
	return (int)v;
}

/* ---- worker state ---- */

struct slot {
	int fd;			/* -1: empty */
	bool fd_rw;		/* opened O_RDWR */
	bool attached;
	bool rdonly;		/* attached read-only */
	unsigned int k;		/* name index when attached */
	uint64_t id;
	uint64_t seen;		/* last sequence seen on channel 0 */
};

struct map {
	char *addr;		/* NULL: empty */
	size_t len;
	bool shared;
	bool may_write;		/* PROT_WRITE can be (and may be) set */
	int prot;
};

static struct slot slots[RACE_SLOTS];
static struct map maps[RACE_MAPS];

static size_t name_pages(unsigned int k)
{
	return k + 1;
}

static uint32_t name_channels(unsigned int k)
{
	return k + 1;
}

/* Which of our names is @name; -1 if none. */
static int name_index(const char *name)
{
	char buf[SHMDEV_NAME_MAX];
	unsigned int k;

	for (k = 0; k < RACE_NAMES; k++) {
		race_name(buf, k);
		if (!strncmp(buf, name, SHMDEV_NAME_MAX))
			return (int)k;
	}
	return -1;
}

/* INFO on a freshly attached slot must agree with what we attached. */
static void check_attached_info(struct slot *s, int op)
{
	struct shmdev_info info;
	int ret = sd_info(s->fd, &info);

	if (!RECORD(OP_INFO, -ret, 0))
		return;
	if (info.id != s->id || name_index(info.name) != (int)s->k ||
	    info.size != name_pages(s->k) * pg ||
	    info.nr_channels != name_channels(s->k) ||
	    !!(info.region_flags & SHMDEV_REGION_RDONLY) != s->rdonly ||
	    info.nr_attached < 1)
		bad_result(op, "INFO disagrees with the attach");
	s->seen = info.seq[0];
}

static struct slot *pick_slot(void)
{
	return &slots[rndn(RACE_SLOTS)];
}

static struct map *free_map(void)
{
	int i;

	for (i = 0; i < RACE_MAPS; i++)
		if (!maps[i].addr)
			return &maps[i];
	return NULL;
}

static struct map *used_map(void)
{
	int i, start = rndn(RACE_MAPS);

	for (i = 0; i < RACE_MAPS; i++) {
		struct map *m = &maps[(start + i) % RACE_MAPS];

		if (m->addr)
			return m;
	}
	return NULL;
}

/* Read every page, and write one word per page when writable. */
static void touch_map(struct map *m)
{
	size_t off;

	for (off = 0; off < m->len; off += pg) {
		volatile uint64_t *p = (volatile uint64_t *)(m->addr + off);
		uint64_t v = *p;

		if (m->prot & PROT_WRITE)
			p[1 + rndn(8)] = v + 1;
	}
}

static void unmap_all(void)
{
	int i;

	for (i = 0; i < RACE_MAPS; i++) {
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
		maps[i].addr = NULL;
	}
}

static void close_slot(struct slot *s)
{
	if (s->fd >= 0)
		RECORD(OP_CLOSE, close(s->fd) ? errno : 0, 0);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static void op_open(struct slot *s)
{
	bool rw = rndn(5) != 0;
	int fd;

	if (s->fd >= 0)
		close_slot(s);
	fd = shmdev_open(rw ? O_RDWR : O_RDONLY);
	if (!RECORD(OP_OPEN, fd < 0 ? errno : 0, 0))
		return;
	s->fd = fd;
	s->fd_rw = rw;
}

static void op_create(struct slot *s, bool open_flag)
{
	int op = open_flag ? OP_CREATE_OPEN : OP_CREATE;
	char name[SHMDEV_NAME_MAX];
	struct shmdev_create c;
	unsigned int k = rndn(RACE_NAMES);
	int ret;

	if (s->fd < 0 || s->attached)
		return;
	race_name(name, k);
	ret = sd_create_full(s->fd, name, name_pages(k) * pg, name_channels(k),
			     0600, open_flag ? SHMDEV_CREATE_OPEN : 0, &c);
	if (!s->fd_rw) {
		RECORD(op, -ret, EBADF);
		return;
	}
	if (open_flag ? !RECORD(op, -ret, 0) : !RECORD(op, -ret, 0, EEXIST))
		return;
	if (ret)
		return;
	if (!open_flag && !(c.result_flags & SHMDEV_CREATE_RESULT_NEW))
		bad_result(op, "CREATE without OPEN did not report a new region");
	__atomic_store_n(&sh->ids[k], c.id, __ATOMIC_RELAXED);
	s->attached = true;
	s->rdonly = false;
	s->k = k;
	s->id = c.id;
	check_attached_info(s, op);
}

static void op_attach(struct slot *s, bool by_id)
{
	int op = by_id ? OP_ATTACH_ID : OP_ATTACH_NAME;
	bool rdonly = rndn(2);
	__u32 flags = rdonly ? SHMDEV_ATTACH_RDONLY : 0;
	char name[SHMDEV_NAME_MAX];
	unsigned int k = rndn(RACE_NAMES);
	__u64 id = 0;
	int ret;

	if (s->fd < 0 || s->attached)
		return;
	if (by_id) {
		id = __atomic_load_n(&sh->ids[k], __ATOMIC_RELAXED);
		if (!id)
			return;
		ret = sd_attach_id(s->fd, id, flags);
	} else {
		race_name(name, k);
		ret = sd_attach_name(s->fd, name, flags, &id);
	}
	if (!rdonly && !s->fd_rw) {
		RECORD(op, -ret, EBADF);
		return;
	}
	if (!RECORD(op, -ret, 0, ENOENT) || ret)
		return;
	s->attached = true;
	s->rdonly = rdonly;
	s->k = k;
	s->id = id;
	check_attached_info(s, op);
}

/* CREATE, OPEN and ATTACH on a file attached already: EBUSY, nothing changes. */
static void op_attach_busy(struct slot *s)
{
	char name[SHMDEV_NAME_MAX];
	unsigned int k = rndn(RACE_NAMES);
	int ret;

	if (s->fd < 0 || !s->attached || !s->fd_rw)
		return;
	race_name(name, k);
	switch (rndn(3)) {
	case 0:
		ret = sd_create_full(s->fd, name, name_pages(k) * pg,
				     name_channels(k), 0600, 0, NULL);
		break;
	case 1:
		ret = sd_create_full(s->fd, name, name_pages(k) * pg,
				     name_channels(k), 0600,
				     SHMDEV_CREATE_OPEN, NULL);
		break;
	default:
		ret = sd_attach_name(s->fd, name, SHMDEV_ATTACH_RDONLY, NULL);
		break;
	}
	/* CREATE without OPEN checks the name only after the busy check. */
	if (RECORD(OP_ATTACH_BUSY, -ret, EBUSY))
		check_attached_info(s, OP_ATTACH_BUSY);
}

static void op_destroy(bool by_id)
{
	int op = by_id ? OP_DESTROY_ID : OP_DESTROY_NAME;
	char name[SHMDEV_NAME_MAX];
	unsigned int k = rndn(RACE_NAMES);
	int fd = slots[0].fd >= 0 ? slots[0].fd : -1;
	bool own = fd < 0;
	int ret;

	if (own) {
		fd = shmdev_open(O_RDONLY);	/* DESTROY needs no attach, nor write */
		if (!RECORD(OP_OPEN, fd < 0 ? errno : 0, 0))
			return;
	}
	if (by_id) {
		__u64 id = __atomic_load_n(&sh->ids[k], __ATOMIC_RELAXED);

		ret = id ? sd_destroy_id(fd, id) : 0;
		if (id)
			RECORD(op, -ret, 0, ENOENT);
	} else {
		race_name(name, k);
		ret = sd_destroy_name(fd, name);
		RECORD(op, -ret, 0, ENOENT);
	}
	if (own)
		close(fd);
}

static void op_info(struct slot *s)
{
	struct shmdev_info info;
	int ret;

	if (s->fd < 0)
		return;
	ret = sd_info(s->fd, &info);
	if (!s->attached) {
		RECORD(OP_INFO, -ret, ENXIO);
		return;
	}
	if (RECORD(OP_INFO, -ret, 0) &&
	    (info.id != s->id || info.size != name_pages(s->k) * pg ||
	     info.nr_channels != name_channels(s->k) ||
	     name_index(info.name) != (int)s->k || info.nr_attached < 1))
		bad_result(OP_INFO, "INFO of an attached file changed");
}

static bool ours(const char *name)
{
	return !strncmp(name, prefix, strlen(prefix));
}

static void op_info_id(__u64 id)
{
	struct shmdev_info info;
	int fd = shmdev_open(O_RDONLY);
	int ret, k;

	if (!RECORD(OP_OPEN, fd < 0 ? errno : 0, 0))
		return;
	ret = sd_info_id(fd, id, &info);
	if (RECORD(OP_INFO_ID, -ret, 0, ENOENT) && !ret) {
		k = name_index(info.name);
		if (info.id != id)
			bad_result(OP_INFO_ID, "INFO by id: other id");
		else if (k >= 0 && (info.size != name_pages(k) * pg ||
				    info.nr_channels != name_channels(k)))
			bad_result(OP_INFO_ID, "INFO by id: wrong size/channels");
	}
	close(fd);
}

static long list_base;	/* LIST count before the test */

static void op_list(void)
{
	__u64 ids[RACE_LIST_CAP];
	int fd = shmdev_open(O_RDONLY);
	__u32 count = 0, i, n;
	int ret;

	if (!RECORD(OP_OPEN, fd < 0 ? errno : 0, 0))
		return;
	ret = sd_list(fd, ids, RACE_LIST_CAP, &count);
	close(fd);
	if (!RECORD(OP_LIST, -ret, 0) || ret)
		return;
	/* at most one live region per name, plus the checkers' */
	if (count > list_base + RACE_NAMES + RACE_CHECKERS) {
		bad_result(OP_LIST, "LIST counts more regions than can be alive");
		return;
	}
	n = count < RACE_LIST_CAP ? count : RACE_LIST_CAP;
	for (i = 1; i < n; i++) {
		if (ids[i] <= ids[i - 1]) {
			bad_result(OP_LIST, "LIST ids not increasing");
			return;
		}
	}
	if (n)
		op_info_id(ids[rndn(n)]);
}

static void op_mmap(struct slot *s)
{
	struct map *m = free_map();
	size_t npages, off, len;
	bool shared = rndn(4) != 0;
	bool ro_file, try_write;
	int prot, ret;
	char *p;

	if (s->fd < 0 || !m)
		return;
	if (!s->attached) {
		p = mmap(NULL, pg, PROT_READ, MAP_SHARED, s->fd, 0);
		ret = p == MAP_FAILED ? errno : 0;
		if (!ret)
			munmap(p, pg);
		RECORD(OP_MMAP_BAD, ret, ENXIO);
		return;
	}
	npages = name_pages(s->k);
	if (!rndn(8)) {
		/* one page past the region's end, or an offset at the end */
		if (rndn(2))
			p = mmap(NULL, (npages + 1) * pg, PROT_READ, MAP_SHARED, s->fd, 0);
		else
			p = mmap(NULL, pg, PROT_READ, MAP_SHARED, s->fd, npages * pg);
		ret = p == MAP_FAILED ? errno : 0;
		if (!ret)
			munmap(p, pg);
		RECORD(OP_MMAP_BAD, ret, ENXIO);
		return;
	}
	off = rndn(npages);
	len = (1 + rndn(npages - off)) * pg;
	ro_file = s->rdonly || !s->fd_rw;
	try_write = !ro_file || !shared || !rndn(4);
	prot = PROT_READ | (try_write ? PROT_WRITE : 0);
	p = mmap(NULL, len, prot, shared ? MAP_SHARED : MAP_PRIVATE, s->fd, off * pg);
	ret = p == MAP_FAILED ? errno : 0;
	if (shared && ro_file && try_write) {
		/* read-only attach or O_RDONLY file: no writable shared mapping */
		if (!ret)
			munmap(p, len);
		RECORD(OP_MMAP, ret, EACCES);
		return;
	}
	if (!RECORD(OP_MMAP, ret, 0) || ret)
		return;
	m->addr = p;
	m->len = len;
	m->shared = shared;
	m->may_write = !shared || !ro_file;
	m->prot = prot;
	touch_map(m);
	RECORD(OP_TOUCH, 0, 0);
}

static void op_munmap(struct map *m)
{
	int ret;

	if (m->len > (size_t)pg && rndn(2)) {
		/* split: drop the first page */
		ret = munmap(m->addr, pg) ? errno : 0;
		if (RECORD(OP_MUNMAP, ret, 0) && !ret) {
			m->addr += pg;
			m->len -= pg;
		}
		return;
	}
	ret = munmap(m->addr, m->len) ? errno : 0;
	if (RECORD(OP_MUNMAP, ret, 0) && !ret)
		m->addr = NULL;
}

static void op_mremap(struct map *m)
{
	char *p, *res;
	int ret;

	switch (rndn(3)) {
	case 0:
		if (m->len < 2 * (size_t)pg)
			return;
		p = mremap(m->addr, m->len, m->len - pg, 0);
		ret = p == MAP_FAILED ? errno : 0;
		if (RECORD(OP_MREMAP_SHRINK, ret, 0) && !ret) {
			if (p != m->addr)
				bad_result(OP_MREMAP_SHRINK, "shrink moved the mapping");
			m->addr = p;
			m->len -= pg;
		}
		break;
	case 1:
		res = mmap(NULL, m->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (res == MAP_FAILED)
			return;
		p = mremap(m->addr, m->len, m->len, MREMAP_MAYMOVE | MREMAP_FIXED, res);
		ret = p == MAP_FAILED ? errno : 0;
		if (RECORD(OP_MREMAP_MOVE, ret, 0) && !ret) {
			if (p != res)
				bad_result(OP_MREMAP_MOVE, "move went elsewhere");
			m->addr = p;
			touch_map(m);
			RECORD(OP_TOUCH, 0, 0);
		} else {
			munmap(res, m->len);
		}
		break;
	default:
		/* growth must fail (VM_DONTEXPAND) and leave the mapping as it was */
		p = mremap(m->addr, m->len, m->len + pg, MREMAP_MAYMOVE);
		ret = p == MAP_FAILED ? errno : 0;
		if (!ret) {
			m->addr = p;
			m->len += pg;
		}
		RECORD(OP_MREMAP_GROW, ret, EFAULT);
		if (ret) {
			touch_map(m);
			RECORD(OP_TOUCH, 0, 0);
		}
		break;
	}
}

static void op_mprotect(struct map *m)
{
	int ret;

	if (!m->may_write) {
		ret = mprotect(m->addr, m->len, PROT_READ | PROT_WRITE) ? errno : 0;
		if (!ret)
			m->prot |= PROT_WRITE;
		RECORD(OP_MPROTECT, ret, EACCES);
		return;
	}
	if (m->prot & PROT_WRITE) {
		ret = mprotect(m->addr, m->len, PROT_READ) ? errno : 0;
		if (RECORD(OP_MPROTECT, ret, 0) && !ret)
			m->prot = PROT_READ;
	} else {
		ret = mprotect(m->addr, m->len, PROT_READ | PROT_WRITE) ? errno : 0;
		if (RECORD(OP_MPROTECT, ret, 0) && !ret)
			m->prot = PROT_READ | PROT_WRITE;
	}
}

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/*
 * MADV_REMOVE punches a hole through the file, which a region file cannot
 * do: EOPNOTSUPP (vfs_fallocate() with no ->fallocate) for a shared
 * mapping the kernel deems writable, EACCES for any other (6.1 looks at
 * VM_WRITE, 6.12 at VM_MAYWRITE, so a shared PROT_READ mapping of a
 * read-write attach gives either); the data stays (the checkers verify
 * it).  MADV_COLD/PAGEOUT: EINVAL tolerated for kernels without them.
 */
static void op_madvise(struct map *m)
{
	int ret;

	switch (rndn(4)) {
	case 0:
		ret = madvise(m->addr, m->len, MADV_DONTNEED) ? errno : 0;
		RECORD(OP_MADV_DONTNEED, ret, 0);
		break;
	case 1:
		ret = madvise(m->addr, m->len, MADV_REMOVE) ? errno : 0;
		if (m->shared && (m->prot & PROT_WRITE))
			RECORD(OP_MADV_REMOVE, ret, EOPNOTSUPP);
		else if (m->shared && m->may_write)
			/* 6.1 checks VM_WRITE (EACCES), 6.12 VM_MAYWRITE */
			RECORD(OP_MADV_REMOVE, ret, EACCES, EOPNOTSUPP);
		else
			RECORD(OP_MADV_REMOVE, ret, EACCES);
		break;
	case 2:
		ret = madvise(m->addr, m->len, MADV_PAGEOUT) ? errno : 0;
		RECORD(OP_MADV_PAGEOUT, ret, 0, EINVAL);
		break;
	default:
		ret = madvise(m->addr, m->len, MADV_COLD) ? errno : 0;
		RECORD(OP_MADV_COLD, ret, 0, EINVAL);
		break;
	}
}

static void op_notify(struct slot *s)
{
	__u32 ch;
	__u64 seq = 0;
	int ret;

	if (s->fd < 0)
		return;
	if (!s->attached) {
		RECORD(OP_NOTIFY, -sd_notify(s->fd, 0, &seq), ENXIO);
		return;
	}
	if (!rndn(8)) {
		ch = name_channels(s->k);	/* one past the last channel */
		RECORD(OP_NOTIFY, -sd_notify(s->fd, ch, &seq), EINVAL);
		return;
	}
	ch = rndn(name_channels(s->k));
	ret = sd_notify(s->fd, ch, &seq);
	if (RECORD(OP_NOTIFY, -ret, 0) && !ret && seq == 0)
		bad_result(OP_NOTIFY, "NOTIFY returned sequence 0");
}

static void op_wait(struct slot *s)
{
	__u64 seq, want;
	int ret;

	if (s->fd < 0)
		return;
	if (!s->attached) {
		seq = 0;
		RECORD(OP_WAIT, -sd_wait(s->fd, 0, 0, &seq, 1000), ENXIO);
		return;
	}
	want = rndn(2) ? s->seen : 0;
	seq = want;
	ret = sd_wait(s->fd, 0, 0, &seq, rndn(2000000));
	if (!RECORD(OP_WAIT, -ret, 0, ETIMEDOUT))
		return;
	if (!ret && seq == want)
		bad_result(OP_WAIT, "WAIT returned 0 with the sequence unchanged");
	if (ret && seq != want)
		bad_result(OP_WAIT, "WAIT timed out with the sequence changed");
	s->seen = seq;
}

static void op_poll(struct slot *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	int ret;

	if (s->fd < 0)
		return;
	ret = poll(&pfd, 1, rndn(3));
	if (!RECORD(OP_POLL, ret < 0 ? errno : 0, 0) || ret < 0)
		return;
	if (!s->attached ? !(pfd.revents & POLLERR) :
	    (pfd.revents & ~(POLLIN | POLLRDNORM)) != 0)
		bad_result(OP_POLL, "poll: wrong revents");
}

static void op_ack(struct slot *s)
{
	__u64 mask, pending = 0;
	int ret;

	if (s->fd < 0)
		return;
	if (!s->attached) {
		RECORD(OP_ACK, -sd_ack(s->fd, 1, &pending), ENXIO);
		return;
	}
	mask = (1ULL << name_channels(s->k)) - 1;
	if (!rndn(8)) {
		RECORD(OP_ACK, -sd_ack(s->fd, mask + 1, &pending), EINVAL);
		return;
	}
	ret = sd_ack(s->fd, rnd() & mask, &pending);
	if (RECORD(OP_ACK, -ret, 0) && !ret && (pending & ~mask))
		bad_result(OP_ACK, "ACK: pending bit past the channels");
}

/* read and write: EINVAL (no read/write methods; EBADF writing an O_RDONLY file); lseek: ESPIPE. */
static void op_rw(struct slot *s)
{
	char buf[16] = { 0 };
	ssize_t n;

	if (s->fd < 0)
		return;
	switch (rndn(3)) {
	case 0:
		n = read(s->fd, buf, sizeof(buf));
		RECORD(OP_READ, n < 0 ? errno : 0, EINVAL);
		break;
	case 1:
		n = write(s->fd, buf, sizeof(buf));
		RECORD(OP_WRITE, n < 0 ? errno : 0, s->fd_rw ? EINVAL : EBADF);
		break;
	default:
		n = lseek(s->fd, rndn(3) * pg, rndn(3));
		RECORD(OP_LSEEK, n < 0 ? errno : 0, ESPIPE);
		break;
	}
}

static void child_ops(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		struct slot *s = pick_slot();
		struct map *m = used_map();

		switch (rndn(5)) {
		case 0:
			if (m) {
				touch_map(m);
				RECORD(OP_TOUCH, 0, 0);
			}
			break;
		case 1:
			op_notify(s);
			break;
		case 2:
			op_info(s);
			break;
		case 3:
			op_ack(s);
			break;
		default:
			if (m)
				op_munmap(m);
			break;
		}
	}
}

static void op_fork(void)
{
	int status;
	pid_t pid = fork();

	if (pid != 0 && (!RECORD(OP_FORK, pid < 0 ? errno : 0, 0) || pid < 0))
		return;
	if (pid == 0) {
		rnd();
		child_ops();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		bad_result(OP_FORK, "forked child did not exit cleanly");
}

static void worker(int idx, uint64_t seed, uint64_t deadline)
{
	int i;

	who = idx;
	rng = splitmix(seed + idx) | 1;
	for (i = 0; i < RACE_SLOTS; i++)
		slots[i].fd = -1;
	memset(maps, 0, sizeof(maps));

	while (now_ns() < deadline) {
		struct slot *s = pick_slot();
		struct map *m = used_map();
		unsigned int r = rndn(100);

		if (!m && r >= 52 && r < 73)
			continue;	/* a mapping op with no mapping */
		if (r < 6)
			op_open(s);
		else if (r < 9)
			close_slot(s);
		else if (r < 15)
			op_create(s, false);
		else if (r < 20)
			op_create(s, true);
		else if (r < 26)
			op_attach(s, false);
		else if (r < 30)
			op_attach(s, true);
		else if (r < 32)
			op_attach_busy(s);
		else if (r < 35)
			op_destroy(false);
		else if (r < 37)
			op_destroy(true);
		else if (r < 40)
			op_info(s);
		else if (r < 43)
			op_list();
		else if (r < 52)
			op_mmap(s);
		else if (r < 55) {
			touch_map(m);
			RECORD(OP_TOUCH, 0, 0);
		} else if (r < 60)
			op_munmap(m);
		else if (r < 65)
			op_mremap(m);
		else if (r < 68)
			op_mprotect(m);
		else if (r < 73)
			op_madvise(m);
		else if (r < 75)
			op_fork();
		else if (r < 80)
			op_notify(s);
		else if (r < 85)
			op_wait(s);
		else if (r < 89)
			op_poll(s);
		else if (r < 93)
			op_ack(s);
		else if (r < 97)
			op_rw(s);
		else
			close_slot(s);
	}
	unmap_all();
	for (i = 0; i < RACE_SLOTS; i++)
		close_slot(&slots[i]);
	_exit(0);
}

/* ---- checkers ---- */

static void checker_fail(const char *what)
{
	log_bad(OP_CHECK, BAD_RESULT, what);
}

/* Verify @len bytes at @p against @seed; log the first mismatch. */
static bool checker_verify(int idx, const void *p, size_t len, uint64_t seed,
			   const char *how)
{
	long off = check_pattern(p, len, seed);
	char what[80];

	if (off < 0) {
		sh->checker_verifies[idx]++;
		__atomic_fetch_add(&sh->ok[OP_CHECK], 1, __ATOMIC_RELAXED);
		return true;
	}
	snprintf(what, sizeof(what), "checker %d: data lost at %ld (%s)", idx, off, how);
	checker_fail(what);
	return false;
}

/* Attach read-only on a new file and verify through a fresh mapping. */
static bool checker_verify_fresh(int idx, const char *name, size_t len, uint64_t seed)
{
	int fd = shmdev_open(O_RDONLY);
	bool ok = false;
	void *p;

	if (fd < 0)
		return false;
	if (sd_attach_name(fd, name, SHMDEV_ATTACH_RDONLY, NULL) == 0) {
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			ok = checker_verify(idx, p, len, seed, "fresh read-only mapping");
			munmap(p, len);
		}
	}
	close(fd);
	if (!ok && !sh->unexpected[OP_CHECK])
		checker_fail("checker: cannot attach/map its own region");
	return ok;
}

static void checker(int idx, uint64_t seed, uint64_t deadline, int done_fd)
{
	char name[SHMDEV_NAME_MAX];
	size_t len = CHECKER_PAGES * pg;
	uint64_t gen = 0, notifies = 0, cseed;
	__u64 id = 0, ids[RACE_LIST_CAP];
	struct shmdev_info info;
	__u32 count, i;
	bool listed = false;
	char *p, c;
	int fd;

	who = 100 + idx;
	rng = splitmix(seed ^ (0xC0FFEEULL + idx)) | 1;
	memset(name, 0, sizeof(name));
	snprintf(name, sizeof(name), "%schk%d", prefix, idx);
	fd = sd_new_region(name, len, 1, 0600, &id);
	if (fd < 0) {
		checker_fail("checker: CREATE of its region failed");
		_exit(1);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		checker_fail("checker: mmap failed");
		_exit(1);
	}
	cseed = splitmix(seed + 1000 + idx);
	fill_pattern(p, len, cseed);

	while (now_ns() < deadline) {
		checker_verify(idx, p, len, cseed, "own mapping");
		switch (rndn(6)) {
		case 0:
			checker_verify_fresh(idx, name, len, cseed);
			break;
		case 1:
			madvise(p, len, MADV_DONTNEED);
			checker_verify(idx, p, len, cseed, "after MADV_DONTNEED");
			break;
		case 2:
			if (madvise(p, len, MADV_REMOVE) == 0)
				checker_fail("checker: MADV_REMOVE succeeded");
			checker_verify(idx, p, len, cseed, "after MADV_REMOVE");
			break;
		case 3:
			madvise(p, len, MADV_PAGEOUT);
			madvise(p, len, MADV_COLD);
			checker_verify(idx, p, len, cseed, "after MADV_PAGEOUT/COLD");
			break;
		case 4:
			cseed = splitmix(seed + 1000 + idx + 64 * ++gen);
			fill_pattern(p, len, cseed);
			checker_verify_fresh(idx, name, len, cseed);
			break;
		default:
			if (sd_notify(fd, 0, NULL) == 0)
				notifies++;
			else
				checker_fail("checker: NOTIFY failed");
			break;
		}
		usleep(1000 + rndn(4000));
	}

	/* The storm is over when the parent closes the pipe. */
	while (read(done_fd, &c, 1) > 0)
		;
	checker_verify(idx, p, len, cseed, "final, own mapping");
	checker_verify_fresh(idx, name, len, cseed);
	if (sd_info(fd, &info) || info.seq[0] != notifies || info.id != id ||
	    info.nr_attached != 1 || info.nr_mappings != 1 ||
	    (info.region_flags & SHMDEV_REGION_DESTROYED))
		checker_fail("checker: final INFO wrong (sequence, attach or mapping count)");
	if (sd_list(fd, ids, RACE_LIST_CAP, &count) == 0) {
		for (i = 0; i < count && i < RACE_LIST_CAP; i++)
			listed |= ids[i] == id;
	}
	if (!listed)
		checker_fail("checker: region missing from LIST");
	if (sd_destroy_id(fd, id))
		checker_fail("checker: DESTROY of its own region failed");
	munmap(p, len);
	close(fd);
	_exit(0);
}

/* ---- the test ---- */

FIXTURE(race) {
	long long bytes0, regions0;
};

FIXTURE_SETUP(race)
{
	int fd;

	if (access(SHMDEV_DEV, R_OK | W_OK))
		SKIP(return, "%s not usable", SHMDEV_DEV);
	pg = page_size();
	memset(prefix, 0, sizeof(prefix));
	snprintf(prefix, sizeof(prefix), "race-%d-", (int)getpid());
	self->bytes0 = sd_bytes_in_use();
	self->regions0 = sd_regions();
	fd = shmdev_open(O_RDONLY);
	ASSERT_GE(fd, 0);
	list_base = sd_list_count(fd);
	close(fd);
	ASSERT_GE(list_base, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
}

FIXTURE_TEARDOWN(race)
{
	char name[SHMDEV_NAME_MAX];
	unsigned int k;

	for (k = 0; k < RACE_NAMES; k++) {
		race_name(name, k);
		sd_cleanup_name(name);
	}
	for (k = 0; k < RACE_CHECKERS; k++) {
		memset(name, 0, sizeof(name));
		snprintf(name, sizeof(name), "%schk%u", prefix, k);
		sd_cleanup_name(name);
	}
}

/*
 * Workers race every call on a few names for SHMDEV_STRESS_SECONDS: only
 * documented errors, no crash, checkers lose no data or notification, and
 * afterwards no region of the test is left and sysfs counters are back.
 */
TEST_F_TIMEOUT(race, storm, 280)
{
	pid_t workers[RACE_WORKERS], checkers[RACE_CHECKERS];
	uint64_t seed, deadline, total_ok = 0, total_unexp = 0;
	const char *env = getenv("SHMDEV_RACE_SEED");
	int secs = stress_seconds(), status, done[2], i, op, e, left, fd;
	char name[SHMDEV_NAME_MAX];
	__u64 ids[RACE_LIST_CAP];
	struct shmdev_info info;
	bool died = false;
	__u32 count;
	uint64_t t0;

	seed = env && *env ? strtoull(env, NULL, 0) : (now_ns() ^ ((uint64_t)getpid() << 32));
	ksft_print_msg("race: seed %" PRIu64 " (SHMDEV_RACE_SEED=%" PRIu64 " replays), %d s, %d workers, %d names, %d checkers\n",
		       seed, seed, secs, RACE_WORKERS, RACE_NAMES, RACE_CHECKERS);
	ASSERT_EQ(0, pipe(done));
	t0 = now_ns();
	deadline = t0 + (uint64_t)secs * 1000000000ULL;

	for (i = 0; i < RACE_CHECKERS; i++) {
		checkers[i] = fork();
		ASSERT_GE(checkers[i], 0);
		if (checkers[i] == 0) {
			close(done[1]);
			checker(i, seed, deadline, done[0]);
		}
	}
	close(done[0]);
	for (i = 0; i < RACE_WORKERS; i++) {
		workers[i] = fork();
		ASSERT_GE(workers[i], 0);
		if (workers[i] == 0) {
			close(done[1]);
			worker(i, seed, deadline);
		}
	}

	/* Workers stop by themselves at the deadline; allow 60 s of grace. */
	left = RACE_WORKERS;
	while (left > 0) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			for (i = 0; i < RACE_WORKERS; i++) {
				if (workers[i] != pid)
					continue;
				workers[i] = 0;
				left--;
				if (!WIFEXITED(status) || WEXITSTATUS(status)) {
					died = true;
					TH_LOG("worker %d ended with status %#x", i, status);
				}
			}
			for (i = 0; i < RACE_CHECKERS; i++) {
				if (checkers[i] == pid) {
					checkers[i] = 0;
					TH_LOG("checker %d ended early, status %#x", i, status);
					died = true;
				}
			}
			continue;
		}
		if (now_ns() > deadline + 60000000000ULL) {
			TH_LOG("%d workers still running 60 s after the deadline: killed", left);
			for (i = 0; i < RACE_WORKERS; i++) {
				if (workers[i] > 0) {
					kill(workers[i], SIGKILL);
					waitpid(workers[i], &status, 0);
				}
			}
			died = true;
			break;
		}
		usleep(20000);
	}
	/* Storm over: the checkers verify once more and exit. */
	close(done[1]);
	for (i = 0; i < RACE_CHECKERS; i++) {
		if (checkers[i] <= 0)
			continue;
		if (waitpid(checkers[i], &status, 0) != checkers[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			TH_LOG("checker %d ended with status %#x", i, status);
			died = true;
		}
	}
	ksft_print_msg("race: storm took %.1f s\n", (now_ns() - t0) / 1e9);

	/* Destroy what the storm left under our names. */
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	for (i = 0; i < RACE_NAMES; i++) {
		int ret;

		race_name(name, i);
		ret = sd_destroy_name(fd, name);
		EXPECT_TRUE(ret == 0 || ret == -ENOENT) TH_LOG("DESTROY %s: %d", name, ret);
	}

	/* Report. */
	for (op = 0; op < NR_OPS; op++) {
		char errs[256] = "";
		size_t n = 0;

		for (e = 1; e < MAX_ERRNO_SLOT; e++) {
			if (!sh->err[op][e])
				continue;
			n += snprintf(errs + n, sizeof(errs) - n, " %s:%" PRIu64,
				      e == BAD_RESULT ? "WRONG" : strerrorname_np(e) ?: "?",
				      sh->err[op][e]);
			if (n >= sizeof(errs))
				break;
		}
		ksft_print_msg("race: %-15s ok %-8" PRIu64 " errors:%s%s\n", op_names[op],
			       sh->ok[op], errs[0] ? errs : " none",
			       sh->unexpected[op] ? "  <-- UNEXPECTED" : "");
		total_ok += sh->ok[op];
		total_unexp += sh->unexpected[op];
	}
	for (i = 0; i < RACE_CHECKERS; i++)
		ksft_print_msg("race: checker %d verified its region %" PRIu64 " times\n",
			       i, sh->checker_verifies[i]);
	for (i = 0; i < (int)sh->nlog && i < LOG_MAX; i++)
		TH_LOG("unexpected: %s %d, op %s: %s (errno %d)",
		       sh->log[i].who >= 100 ? "checker" : "worker",
		       sh->log[i].who % 100, op_names[sh->log[i].op],
		       sh->log[i].what, sh->log[i].err);
	ksft_print_msg("race: %" PRIu64 " calls as expected, %" PRIu64 " unexpected\n",
		       total_ok, total_unexp);

	EXPECT_FALSE(died);
	EXPECT_EQ(0UL, total_unexp);
	/* the storm really ran: each core call succeeded at least once */
	EXPECT_GT(sh->ok[OP_CREATE] + sh->ok[OP_CREATE_OPEN], 0UL);
	EXPECT_GT(sh->ok[OP_ATTACH_NAME], 0UL);
	EXPECT_GT(sh->ok[OP_DESTROY_NAME] + sh->ok[OP_DESTROY_ID], 0UL);
	EXPECT_GT(sh->ok[OP_MMAP], 0UL);
	EXPECT_GT(sh->ok[OP_NOTIFY], 0UL);
	EXPECT_GT(sh->ok[OP_FORK], 0UL);
	for (i = 0; i < RACE_CHECKERS; i++)
		EXPECT_GT(sh->checker_verifies[i], 2UL);

	/* No region of the test is left, and the counters are back. */
	ASSERT_EQ(0, sd_list(fd, ids, RACE_LIST_CAP, &count));
	for (i = 0; i < (int)count && i < RACE_LIST_CAP; i++) {
		if (sd_info_id(fd, ids[i], &info) == 0)
			EXPECT_FALSE(ours(info.name)) TH_LOG("region %s still listed", info.name);
	}
	EXPECT_EQ(list_base, (long)count);
	close(fd);
	EXPECT_EQ(self->regions0, sysfs_settle(sd_regions, self->regions0));
	EXPECT_EQ(self->bytes0, sysfs_settle(sd_bytes_in_use, self->bytes0));
	ksft_print_msg("race: sysfs regions %lld -> %lld, bytes_in_use %lld -> %lld\n",
		       self->regions0, sd_regions(), self->bytes0, sd_bytes_in_use());
}

TEST_HARNESS_MAIN
