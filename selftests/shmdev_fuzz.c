// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev_fuzz: a structure-aware fuzzer of the /dev/shmdev ABI with an
 * oracle.
 *
 * Every call is built from the uapi (uapi/linux/shmdev.h): valid, boundary
 * and invalid sizes, channel numbers, flag bits, reserved and output
 * fields, names with every byte value, unknown commands, wrong type and
 * direction bits, argument sizes below and above the struct with zero and
 * non-zero tails, bad pointers; mixed with mmap, munmap, mremap, mprotect,
 * fork, poll, open and close on random files.  A model of the regions,
 * files and mappings the fuzzer made predicts each result: a success, or
 * the set of errnos the ABI documents for what is wrong with the call.
 * Anything else (an undocumented errno, a success on invalid input, a
 * wrong output field) is a failure, printed with the seed and iteration.
 * Invariants are checked every few hundred operations and at the end:
 * LIST against the model, sysfs regions/bytes_in_use, INFO's nr_attached
 * and nr_mappings against the model and /proc/self/maps, region contents.
 *
 * Environment:
 *   SHMDEV_FUZZ_SEED=N        replay a run (the seed is printed first)
 *   SHMDEV_STRESS_SECONDS=N   time budget of the random phase (default 10)
 *   SHMDEV_FUZZ_ITERATIONS=N  operation cap (default 5000000)
 *
 * The module limits are lowered for the run (restored afterwards) so
 * that max_region_bytes +-1 and ENOSPC are reached with little memory.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stddef.h>
#include <sys/resource.h>

#include "shmdev_common.h"

#define FZ_FILES	24
#define FZ_REGIONS	512
#define FZ_MAPS		48
#define FZ_MARKS	16
#define FZ_MAX_BYTES	(32ULL << 20)	/* budget of region memory */
#define FZ_BIGBUF	(16384 + 4096)	/* _IOC_SIZE is at most 16383 */
#define FZ_NR_CMDS	14		/* command numbers 0x00-0x0d */

typedef unsigned __int128 emask_t;
#define EM(e)		((emask_t)1 << (e))

/* ------------------------------------------------------------------ */
/* PRNG (splitmix64): one seed replays a run. */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* ------------------------------------------------------------------ */
/* The model. */

struct fz_region {
	bool used;
	bool destroyed;
	char name[SHMDEV_NAME_MAX];
	__u64 id;
	__u64 size;
	__u32 nch;
	__u32 mode;
	__u64 seq[SHMDEV_MAX_CHANNELS];
	int nmarks;
	struct { __u64 off, val; } marks[FZ_MARKS];
};

struct fz_file {
	bool used;
	int fd;			/* -1 once closed (mappings may keep it) */
	int oflags;		/* O_RDWR, O_RDONLY or O_WRONLY */
	int region;		/* index in regions, -1 if unattached */
	bool rdonly;
	int nmaps;
	__u64 acked[SHMDEV_MAX_CHANNELS];
};

struct fz_map {
	bool used;
	char *addr;
	size_t len;
	int file;
	int region;
	__u64 off;		/* byte offset in the region */
	int prot;
	bool shared;
	bool cow_dirty;		/* private map written: skip content checks */
};

static struct fz_region regions[FZ_REGIONS];
static struct fz_file files[FZ_FILES];
static struct fz_map maps[FZ_MAPS];
static int nregions;
static long psz;
static long long base_regions, base_bytes, base_list;
static long long saved_max_region, saved_max_total, saved_max_regions;
static __u64 cur_max_region, cur_max_total;
static __u64 base_ids[1024];
static __u32 nbase_ids;

/* A region that existed before the fuzzer started: never touch it. */
static bool is_base_id(__u64 id)
{
	__u32 i;

	for (i = 0; i < nbase_ids; i++)
		if (base_ids[i] == id)
			return true;
	return false;
}
static unsigned int cur_max_regions;

/* Statistics and failure reporting. */
static uint64_t seed;
static uint64_t iter, calls, failures;
static const char *phase = "";
static unsigned char *bigbuf;	/* FZ_BIGBUF bytes, then a PROT_NONE page */
static unsigned char *guard;	/* the PROT_NONE page */

#define FZ_LOG(fmt, ...) do {						\
	printf("# " fmt "\n", ##__VA_ARGS__);				\
	fflush(stdout);							\
} while (0)

#define FZ_FAIL(fmt, ...) do {						\
	failures++;							\
	if (failures <= 20)						\
		FZ_LOG("FUZZ FAILURE seed=%" PRIu64 " phase=%s iteration=%"	\
		       PRIu64 ": " fmt, seed, phase, iter, ##__VA_ARGS__);	\
} while (0)

static const char *ename(int e)
{
	static char buf[32];

	if (e == 0)
		return "success";
	snprintf(buf, sizeof(buf), "%s(%d)", strerrorname_np(e) ?: "?", e);
	return buf;
}

static void mask_str(emask_t m, bool ok, char *buf, size_t len)
{
	size_t n = 0;
	int e;

	buf[0] = 0;
	if (ok)
		n += snprintf(buf + n, len - n, "success ");
	for (e = 1; e < 128 && n < len; e++)
		if (m & EM(e))
			n += snprintf(buf + n, len - n, "%s ", strerrorname_np(e) ?: "?");
}

/*
 * The oracle: @got is 0 or a positive errno; @allowed the errnos the ABI
 * permits here; @ok whether success is permitted.  Returns true when the
 * result is acceptable.
 */
static bool expect(const char *what, int got, emask_t allowed, bool ok)
{
	char buf[256];

	calls++;
	if (got == 0 ? ok : (got < 128 && (allowed & EM(got))))
		return true;
	mask_str(allowed, ok, buf, sizeof(buf));
	FZ_FAIL("%s returned %s, expected one of: %s", what, ename(got), buf);
	return false;
}

/* ------------------------------------------------------------------ */
/* Model helpers. */

static bool region_mem_alive(int r)
{
	int i;

	if (!regions[r].used)
		return false;
	if (!regions[r].destroyed)
		return true;
	for (i = 0; i < FZ_FILES; i++)
		if (files[i].used && files[i].region == r)
			return true;
	return false;
}

/* Drop model regions whose memory is gone (destroyed, nothing attached). */
static void region_gc(void)
{
	int r;

	for (r = 0; r < nregions; r++)
		if (regions[r].used && !region_mem_alive(r))
			regions[r].used = false;
}

static int live_count(void)
{
	int r, n = 0;

	for (r = 0; r < nregions; r++)
		n += regions[r].used && !regions[r].destroyed;
	return n;
}

static void model_totals(long long *nreg, long long *bytes)
{
	int r;

	*nreg = base_regions;
	*bytes = base_bytes;
	for (r = 0; r < nregions; r++) {
		if (region_mem_alive(r)) {
			(*nreg)++;
			*bytes += regions[r].size;
		}
	}
}

static int find_live_name(const char *name)
{
	int r;

	for (r = 0; r < nregions; r++)
		if (regions[r].used && !regions[r].destroyed &&
		    !memcmp(regions[r].name, name, SHMDEV_NAME_MAX))
			return r;
	return -1;
}

static int find_live_id(__u64 id)
{
	int r;

	for (r = 0; r < nregions; r++)
		if (regions[r].used && !regions[r].destroyed && regions[r].id == id)
			return r;
	return -1;
}

static int random_region(bool live_only)
{
	int r, tries;

	for (tries = 0; tries < 8 && nregions; tries++) {
		r = rnd(nregions);
		if (regions[r].used && (!live_only || !regions[r].destroyed))
			return r;
	}
	return -1;
}

static void file_release_check(int f)
{
	if (files[f].used && files[f].fd < 0 && files[f].nmaps == 0) {
		files[f].used = false;
		region_gc();
	}
}

/* A region's memory is being validated: are mark offsets in the map? */
static bool map_covers(const struct fz_map *m, __u64 off)
{
	return off >= m->off && off + 8 <= m->off + m->len;
}

/* ------------------------------------------------------------------ */
/* Argument generators. */

static __u64 special_u64(void)
{
	static const __u64 v[] = {
		0, 1, 2, 7, 8, 63, 64, 65, 0x7fffffffULL, 0x80000000ULL,
		0xffffffffULL, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
	};

	if (chance(70))
		return v[rnd(sizeof(v) / sizeof(v[0]))];
	return rnd64() >> rnd(64);
}

static __u32 special_u32(void)
{
	return chance(50) ? (__u32)special_u64() : (__u32)rnd64();
}

/* A size for CREATE around the interesting boundaries. */
static __u64 gen_size(void)
{
	__u64 max = cur_max_region;

	switch (rnd(14)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return psz - 1;
	case 3: return psz;
	case 4: return psz + 1;
	case 5: return max - 1;
	case 6: return max;
	case 7: return max + 1;
	case 8: return max - psz + 1;
	case 9: return ~0ULL;
	case 10: return ~0ULL - psz + 2;
	case 11: return 0x7fffffffffffffffULL - rnd(2 * psz);
	case 12: return special_u64();
	default: return 1 + rnd(8 * psz);
	}
}

static __u32 gen_channel(__u32 nch)
{
	switch (rnd(8)) {
	case 0: return 0;
	case 1: return nch ? nch - 1 : 0;
	case 2: return nch;
	case 3: return 63;
	case 4: return 64;
	case 5: return ~0U;
	case 6: return special_u32();
	default: return nch ? rnd(nch) : 0;
	}
}

static bool name_valid(const char *n)
{
	size_t len = strnlen(n, SHMDEV_NAME_MAX), i;

	if (len == 0 || len == SHMDEV_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = n[i];

		if (c < 0x21 || c > 0x7e || c == '/')
			return false;
	}
	for (i = len; i < SHMDEV_NAME_MAX; i++)
		if (n[i])
			return false;
	return true;
}

static char valid_char(void)
{
	char c;

	do
		c = 0x21 + rnd(0x7e - 0x21 + 1);
	while (c == '/');
	return c;
}

/* A fresh valid name in the fuzzer's namespace "fz<seed-ish>-...". */
static void gen_new_name(char *n)
{
	static unsigned int ctr;
	size_t len, i;
	int p;

	memset(n, 0, SHMDEV_NAME_MAX);
	p = snprintf(n, SHMDEV_NAME_MAX, "fz%d-%u-", (int)getpid(), ctr++);
	len = p + rnd(SHMDEV_NAME_MAX - p);	/* up to 63 bytes */
	for (i = p; i < len; i++)
		n[i] = valid_char();
}

/* A name: an existing one, a fresh valid one, or one of the invalid kinds. */
static void gen_name(char *n)
{
	size_t len, i;
	int r;

	memset(n, 0, SHMDEV_NAME_MAX);
	switch (rnd(12)) {
	case 0: case 1: case 2: case 3:
		r = random_region(false);
		if (r >= 0) {
			memcpy(n, regions[r].name, SHMDEV_NAME_MAX);
			return;
		}
		gen_new_name(n);
		return;
	case 4: case 5: case 6:
		gen_new_name(n);
		return;
	case 7:		/* empty */
		return;
	case 8:		/* unterminated: 64 non-NUL bytes */
		for (i = 0; i < SHMDEV_NAME_MAX; i++)
			n[i] = chance(90) ? valid_char() : (char)(1 + rnd(255));
		return;
	case 9:		/* garbage after the NUL */
		gen_new_name(n);
		len = strlen(n);
		if (len < SHMDEV_NAME_MAX - 1)
			n[len + 1 + rnd(SHMDEV_NAME_MAX - len - 1)] = 1 + rnd(255);
		return;
	default:	/* any byte value somewhere */
		gen_new_name(n);
		len = strlen(n);
		n[rnd(len)] = 1 + rnd(255);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Raw ioctl with a chosen command encoding and argument placement. */

enum arg_kind { ARG_OK, ARG_NULL, ARG_UNMAPPED, ARG_KERNEL, ARG_STRADDLE };

struct call {
	unsigned int cmd;	/* the real command */
	size_t usize;		/* size encoded in the command */
	bool nonzero_tail;
	enum arg_kind ak;
	unsigned char *arg;	/* where the struct was placed */
};

static int raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

/*
 * Place @k (ksize bytes) in bigbuf so that it ends at the guard page (or
 * straddles it), encode the size, and issue the ioctl.  Returns the
 * errno (0 on success) and copies the output back into @k.  *dispatch_err
 * gets the errnos the dispatcher must fail with by itself (0 when the
 * handler decides): EFAULT for an unreadable argument, E2BIG for non-zero
 * bytes past the struct (either, when both apply).
 */
static int do_call(int fd, unsigned int cmd, void *k, struct call *c,
		   emask_t *dispatch_err)
{
	size_t ksize = _IOC_SIZE(cmd);
	unsigned long enc;
	unsigned char *p;
	void *argp;
	int ret;

	c->cmd = cmd;
	c->usize = ksize;
	c->nonzero_tail = false;
	c->ak = ARG_OK;
	*dispatch_err = 0;
	if (chance(8)) {
		c->usize = ksize + 1 + rnd(chance(50) ? 64 : 16383 - ksize);
		c->nonzero_tail = chance(50);
	}
	if (chance(3))
		c->ak = 1 + rnd(4);

	p = guard - c->usize;
	if (c->ak == ARG_STRADDLE)
		p += 1 + rnd(c->usize);
	c->arg = p;
	if (p < guard)
		memset(p, 0, guard - p);
	memcpy(p, k, (size_t)(guard - p) < ksize ? (size_t)(guard - p) : ksize);
	if (c->nonzero_tail && p + ksize < guard)
		p[ksize + rnd(guard - p - ksize)] = 1 + rnd(255);
	else
		c->nonzero_tail = false;

	enc = (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
	      ((unsigned long)c->usize << _IOC_SIZESHIFT);
	switch (c->ak) {
	case ARG_NULL: argp = NULL; break;
	case ARG_UNMAPPED:
		/* Inside the PROT_NONE page: the tail must not reach past it. */
		argp = guard + (c->usize < (size_t)psz ? rnd(psz - c->usize) : 0);
		break;
	case ARG_KERNEL: argp = (void *)(0xffff888000000000ULL + rnd64() % (1ULL << 40)); break;
	default: argp = p; break;
	}
	if (c->ak != ARG_OK)
		*dispatch_err = EM(EFAULT) | (c->nonzero_tail ? EM(E2BIG) : 0);
	else if (c->nonzero_tail)
		*dispatch_err = EM(E2BIG);
	ret = raw_ioctl(fd, enc, argp);
	if (c->ak == ARG_OK || c->ak == ARG_STRADDLE)
		memcpy(k, p, (size_t)(guard - p) < ksize ? (size_t)(guard - p) : ksize);
	return ret;
}

/*
 * Check a call's result.  When the dispatcher must fail (bad pointer or
 * non-zero tail), only that errno is acceptable.  Returns true when the
 * handler ran with the intended argument (so outputs can be checked).
 */
static bool judge(const char *what, int got, emask_t dispatch_err, emask_t allowed,
		  bool ok)
{
	if (dispatch_err) {
		expect(what, got, dispatch_err, false);
		return false;
	}
	return expect(what, got, allowed, ok) && got == 0;
}

/* ------------------------------------------------------------------ */
/* Files. */

static int pick_file(void)
{
	int i, tries;

	for (tries = 0; tries < 16; tries++) {
		i = rnd(FZ_FILES);
		if (files[i].used && files[i].fd >= 0)
			return i;
	}
	return -1;
}

static int open_file(void)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDONLY, O_WRONLY };
	int i, fd, m = modes[rnd(6)];

	for (i = 0; i < FZ_FILES; i++)
		if (!files[i].used)
			break;
	if (i == FZ_FILES)
		return -1;
	fd = open(SHMDEV_DEV, m | O_CLOEXEC | (chance(20) ? O_NONBLOCK : 0));
	calls++;
	if (fd < 0) {
		FZ_FAIL("open(" SHMDEV_DEV ") failed: %s", ename(errno));
		return -1;
	}
	memset(&files[i], 0, sizeof(files[i]));
	files[i].used = true;
	files[i].fd = fd;
	files[i].oflags = m;
	files[i].region = -1;
	return i;
}

static void close_file(int f)
{
	expect("close", close(files[f].fd) ? errno : 0, 0, true);
	files[f].fd = -1;
	file_release_check(f);
}

static bool file_writable(int f)
{
	return files[f].oflags != O_RDONLY;
}

static void file_attach(int f, int r, bool rdonly)
{
	files[f].region = r;
	files[f].rdonly = rdonly;
	memcpy(files[f].acked, regions[r].seq, sizeof(files[f].acked));
}

/* A file descriptor for an ioctl: mostly a model file, sometimes junk. */
static int pick_fd(int *f)
{
	static int devnull = -1;

	*f = pick_file();
	if (*f >= 0 && chance(97))
		return files[*f].fd;
	*f = -1;
	switch (rnd(3)) {
	case 0: return -1;
	case 1: return 1000 + rnd(1000);	/* not open */
	default:
		if (devnull < 0)
			devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		return devnull;
	}
}

/* ------------------------------------------------------------------ */
/* The commands. */

static void fz_api(int fd, int f)
{
	struct shmdev_api a;
	struct call c;
	int ret;
	emask_t de;
	bool bad;

	memset(&a, 0, sizeof(a));
	if (chance(20))
		((unsigned char *)&a)[rnd(sizeof(a))] = 1 + rnd(255);
	bad = memcmp(&a, &(struct shmdev_api){0}, sizeof(a)) != 0;
	ret = do_call(fd, SHMDEV_IOC_API, &a, &c, &de);
	if (f < 0) {
		expect("API on a foreign fd", ret, EM(EBADF) | EM(ENOTTY) | EM(EFAULT) | EM(E2BIG), false);
		return;
	}
	if (!judge("API", ret, de, EM(EINVAL), !bad))
		return;
	if (a.version != SHMDEV_API_VERSION || a.max_channels != SHMDEV_MAX_CHANNELS ||
	    a.page_size != psz || a.max_region_size != cur_max_region ||
	    a.create_flags != SHMDEV_CREATE_FLAGS_MASK ||
	    a.attach_flags != SHMDEV_ATTACH_FLAGS_MASK ||
	    a.wait_flags != SHMDEV_WAIT_FLAGS_MASK || a.ioctls != 0x3fff ||
	    a.huge_page_size != 2u << 20 || a.flags ||
	    a.ctl_offset != SHMDEV_CTL_OFFSET || a.ctl_size != (__u32)psz ||
	    a.ctl_channel_size != sizeof(struct shmdev_ctl_channel))
		FZ_FAIL("API output wrong: version %u ioctls %#llx max_region %llu (want %llu) page %u",
			a.version, (unsigned long long)a.ioctls,
			(unsigned long long)a.max_region_size,
			(unsigned long long)cur_max_region, a.page_size);
}

static void fz_create(int fd, int f)
{
	struct shmdev_create k;
	emask_t viol = 0, state = 0;
	__u64 aligned;
	struct call c;
	int ret, r = -1, slot;
	emask_t de;
	bool ok, open_flag;
	long long nreg, bytes;

	memset(&k, 0, sizeof(k));
	k.size = chance(60) ? 1 + rnd(4 * psz) : gen_size();
	k.nr_channels = chance(70) ? 1 + rnd(SHMDEV_MAX_CHANNELS) : gen_channel(64);
	k.mode = chance(80) ? 0600 : special_u32();
	k.flags = chance(40) ? SHMDEV_CREATE_OPEN : chance(80) ? 0 : special_u32();
	/* Not modelled here (sizes round to 2 MiB): shmdev_huge_test covers it. */
	if (!(k.flags & ~SHMDEV_CREATE_FLAGS_MASK))
		k.flags &= ~SHMDEV_CREATE_HUGE;
	if (chance(3))
		k.result_flags = special_u32() | 1;
	if (chance(3))
		k.id = special_u64() | 1;
	if (chance(70))
		gen_new_name(k.name);
	else
		gen_name(k.name);
	open_flag = k.flags & SHMDEV_CREATE_OPEN;

	if ((k.flags & ~SHMDEV_CREATE_FLAGS_MASK) || k.result_flags || k.id)
		viol |= EM(EINVAL);
	if (!name_valid(k.name))
		viol |= EM(EINVAL);
	if (!k.size || !k.nr_channels || k.nr_channels > 64 || (k.mode & ~0777))
		viol |= EM(EINVAL);
	aligned = (k.size + psz - 1) & ~(__u64)(psz - 1);
	if (k.size > 0x7fffffffffffffffULL || aligned > cur_max_region)
		viol |= EM(E2BIG);
	if (f >= 0 && !file_writable(f))
		state |= EM(EBADF);
	if (f >= 0 && files[f].region >= 0)
		state |= EM(EBUSY);

	ok = !viol && !state;
	if (ok) {
		r = find_live_name(k.name);
		if (r >= 0 && !open_flag) {
			state |= EM(EEXIST);
		} else if (r >= 0) {
			if (aligned > regions[r].size || k.nr_channels > regions[r].nch)
				viol |= EM(EINVAL);
		} else {
			model_totals(&nreg, &bytes);
			if (nreg >= cur_max_regions || bytes + aligned > cur_max_total)
				state |= EM(ENOSPC);
			if (nregions >= FZ_REGIONS || aligned > FZ_MAX_BYTES)
				return;		/* model full: do not create */
		}
		ok = !viol && !state;
	}

	ret = do_call(fd, SHMDEV_IOC_CREATE, &k, &c, &de);
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("CREATE on a foreign fd succeeded");
		return;
	}
	if (!judge("CREATE", ret, de, viol | state, ok))
		return;

	if (r >= 0) {
		if (k.id != regions[r].id || k.result_flags != 0)
			FZ_FAIL("CREATE|OPEN of %s: id %llu (want %llu) result_flags %#x",
				k.name, (unsigned long long)k.id,
				(unsigned long long)regions[r].id, k.result_flags);
		file_attach(f, r, false);
		return;
	}
	if (k.result_flags != SHMDEV_CREATE_RESULT_NEW)
		FZ_FAIL("CREATE of a new region: result_flags %#x", k.result_flags);
	for (slot = 0; slot < nregions; slot++)
		if (!regions[slot].used)
			break;
	if (slot == nregions)
		nregions++;
	memset(&regions[slot], 0, sizeof(regions[slot]));
	regions[slot].used = true;
	memcpy(regions[slot].name, k.name, SHMDEV_NAME_MAX);
	regions[slot].id = k.id;
	regions[slot].size = aligned;
	regions[slot].nch = k.nr_channels;
	regions[slot].mode = k.mode;
	file_attach(f, slot, false);
}

/* Fill a by-name-or-id selector; returns the violations and the target. */
static emask_t gen_selector(char *name, __u64 *id, __u32 *flags, __u32 by_id_bit,
			    int *target, bool for_destroy)
{
	emask_t viol = 0;
	int r;

	*target = -1;
	memset(name, 0, SHMDEV_NAME_MAX);
	*id = 0;
	if (chance(50)) {
		*flags |= by_id_bit;
		r = random_region(false);
		switch (rnd(6)) {
		case 0: *id = special_u64(); break;
		case 1: *id = r >= 0 ? regions[r].id + 1 + rnd(3) : 0; break;
		default: *id = r >= 0 ? regions[r].id : special_u64(); break;
		}
		if (chance(5))
			gen_name(name);
		if (memcmp(name, (char[SHMDEV_NAME_MAX]){0}, SHMDEV_NAME_MAX))
			viol |= EM(EINVAL);
		/* Never touch somebody else's region. */
		if (for_destroy && is_base_id(*id))
			*id = 0;
		*target = find_live_id(*id);
	} else {
		gen_name(name);
		if (chance(4))
			*id = special_u64() | 1;
		if (*id || !name_valid(name))
			viol |= EM(EINVAL);
		*target = find_live_name(name);
	}
	return viol;
}

/*
 * What the kernel sees decides: random flags may have set the by-id bit
 * on a selector built by name, and the other way round.
 */
static emask_t selector_viol(const char *name, __u64 id, bool by_id, int *target)
{
	if (by_id) {
		*target = find_live_id(id);
		return memcmp(name, (char[SHMDEV_NAME_MAX]){0}, SHMDEV_NAME_MAX) ?
		       EM(EINVAL) : 0;
	}
	*target = find_live_name(name);
	return id || !name_valid(name) ? EM(EINVAL) : 0;
}

static void fz_attach(int fd, int f)
{
	struct shmdev_attach k;
	emask_t viol = 0, state = 0;
	struct call c;
	int ret, r;
	emask_t de;
	bool write;

	memset(&k, 0, sizeof(k));
	k.flags = chance(30) ? SHMDEV_ATTACH_RDONLY : 0;
	if (chance(5))
		k.flags |= special_u32();
	if (chance(4))
		k.__pad = special_u32() | 1;
	gen_selector(k.name, &k.id, &k.flags, SHMDEV_ATTACH_BY_ID, &r, false);
	viol = selector_viol(k.name, k.id, k.flags & SHMDEV_ATTACH_BY_ID, &r);
	if ((k.flags & ~SHMDEV_ATTACH_FLAGS_MASK) || k.__pad)
		viol |= EM(EINVAL);
	write = !(k.flags & SHMDEV_ATTACH_RDONLY);
	if (f >= 0) {
		if (write && !file_writable(f))
			state |= EM(EBADF);
		if (files[f].region >= 0)
			state |= EM(EBUSY);
		if (r < 0)
			state |= EM(ENOENT);
	}
	/* Regions that are not ours may be found by a random id: skip those. */
	if (r < 0 && (k.flags & SHMDEV_ATTACH_BY_ID) && is_base_id(k.id))
		return;

	ret = do_call(fd, SHMDEV_IOC_ATTACH, &k, &c, &de);
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("ATTACH on a foreign fd succeeded");
		return;
	}
	if (!judge("ATTACH", ret, de, viol | state, !viol && !state))
		return;
	if (k.id != regions[r].id)
		FZ_FAIL("ATTACH: id %llu, want %llu", (unsigned long long)k.id,
			(unsigned long long)regions[r].id);
	file_attach(f, r, !write);
}

static void check_info(const struct shmdev_info *k, int r, int f, bool by_id)
{
	const struct fz_region *g = &regions[r];
	__u32 want_flags = 0, i;

	if (g->destroyed)
		want_flags |= SHMDEV_REGION_DESTROYED;
	if (!by_id && files[f].rdonly)
		want_flags |= SHMDEV_REGION_RDONLY;
	if (k->id != g->id || k->size != g->size || k->nr_channels != g->nch ||
	    k->region_flags != want_flags || k->mode != g->mode ||
	    memcmp(k->name, g->name, SHMDEV_NAME_MAX) || k->uid != geteuid() ||
	    k->cuid != geteuid())
		FZ_FAIL("INFO of region %llu (%s): id %llu size %llu nch %u flags %#x mode %o",
			(unsigned long long)g->id, g->name, (unsigned long long)k->id,
			(unsigned long long)k->size, k->nr_channels, k->region_flags, k->mode);
	for (i = 0; i < SHMDEV_MAX_CHANNELS; i++) {
		__u64 want = i < g->nch ? g->seq[i] : 0;

		if (k->seq[i] != want) {
			FZ_FAIL("INFO of region %llu: seq[%u] = %llu, want %llu",
				(unsigned long long)g->id, i,
				(unsigned long long)k->seq[i], (unsigned long long)want);
			break;
		}
	}
}

static void fz_info(int fd, int f)
{
	struct shmdev_info k;
	emask_t viol = 0, state = 0;
	struct call c;
	int ret, r = -1;
	emask_t de;
	bool by_id;

	memset(&k, 0, sizeof(k));
	by_id = chance(50);
	if (by_id) {
		k.flags = SHMDEV_INFO_BY_ID;
		r = random_region(false);
		k.id = r >= 0 && chance(80) ? regions[r].id : special_u64();
		r = find_live_id(k.id);
		if (r < 0 && is_base_id(k.id))
			return;		/* not ours */
		if (r < 0)
			state |= EM(ENOENT);
	} else {
		if (chance(5))
			k.id = special_u64() | 1;
		if (k.id)
			viol |= EM(EINVAL);
		if (f >= 0 && files[f].region < 0)
			state |= EM(ENXIO);
		if (f >= 0)
			r = files[f].region;
	}
	if (chance(5))
		k.flags |= special_u32() & ~SHMDEV_INFO_FLAGS_MASK;
	if (k.flags & ~SHMDEV_INFO_FLAGS_MASK)
		viol |= EM(EINVAL);
	if (chance(5)) {
		size_t o = offsetof(struct shmdev_info, region_flags);

		((unsigned char *)&k)[o + rnd(sizeof(k) - o)] = 1 + rnd(255);
		viol |= EM(EINVAL);
	}

	ret = do_call(fd, SHMDEV_IOC_INFO, &k, &c, &de);
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("INFO on a foreign fd succeeded");
		return;
	}
	if (!judge("INFO", ret, de, viol | state, !viol && !state))
		return;
	check_info(&k, r, f, by_id);
}

static void fz_destroy(int fd, int f)
{
	struct shmdev_destroy k;
	emask_t viol = 0, state = 0;
	struct call c;
	int ret, r;
	emask_t de;

	memset(&k, 0, sizeof(k));
	if (chance(5))
		k.flags = special_u32();
	if (chance(4))
		k.__pad = special_u32() | 1;
	gen_selector(k.name, &k.id, &k.flags, SHMDEV_DESTROY_BY_ID, &r, true);
	viol = selector_viol(k.name, k.id, k.flags & SHMDEV_DESTROY_BY_ID, &r);
	if ((k.flags & ~SHMDEV_DESTROY_FLAGS_MASK) || k.__pad)
		viol |= EM(EINVAL);
	if (r < 0)
		state |= EM(ENOENT);
	if ((k.flags & SHMDEV_DESTROY_BY_ID) && is_base_id(k.id))
		return;
	if (!viol && !state && chance(50))
		return;		/* keep regions around for a while */

	ret = do_call(fd, SHMDEV_IOC_DESTROY, &k, &c, &de);
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("DESTROY on a foreign fd succeeded");
		return;
	}
	/* DESTROY is _IOW: an oversized struct is still read. */
	if (!judge("DESTROY", ret, de, viol | state, !viol && !state))
		return;
	regions[r].destroyed = true;
	region_gc();
}

/* Is [p, p + len) readable and writable user memory in this process? */
static bool span_ok(const unsigned char *p, size_t len, const unsigned char *buf,
		    size_t buflen)
{
	return p >= buf && p + len <= buf + buflen;
}

static void fz_list(int fd, int f)
{
	struct shmdev_list k;
	__u64 *ids = (__u64 *)bigbuf;
	emask_t viol = 0;
	size_t room = (guard - bigbuf) / 8;
	unsigned char *ptr;
	struct call c;
	int ret, i, want;
	emask_t de;
	__u32 n;

	memset(&k, 0, sizeof(k));
	want = base_list + live_count();
	switch (rnd(6)) {
	case 0: k.capacity = 0; break;
	case 1: k.capacity = want; break;
	case 2: k.capacity = want ? want - 1 : 0; break;
	case 3: k.capacity = want + 1; break;
	case 4: k.capacity = special_u32(); break;
	default: k.capacity = rnd(room); break;
	}
	switch (rnd(8)) {
	case 0: ptr = NULL; break;
	case 1: ptr = guard; break;		/* PROT_NONE */
	case 2: ptr = (unsigned char *)0xffff888000001000ULL; break;
	case 3: ptr = guard - 8 * rnd(want + 1); break;	/* may run into the guard */
	default: ptr = (unsigned char *)ids; break;
	}
	k.ids_ptr = (__u64)(uintptr_t)ptr;
	if (chance(4)) {
		k.count = special_u32() | 1;
		viol |= EM(EINVAL);
	}
	/* The struct lives in bigbuf too: keep the id array away from it. */
	if (ptr == (unsigned char *)ids && k.capacity > room - 16)
		k.capacity = room - 16;
	n = k.capacity < (__u32)want ? k.capacity : (__u32)want;
	if (!viol && n && !span_ok(ptr, 8ULL * n, bigbuf, guard - bigbuf))
		viol |= EM(EFAULT);
	if (f >= 0 && files[f].fd >= 0 && ptr == (unsigned char *)ids) {
		/* Call directly: do_call would clobber the id array. */
		ret = ioctl(fd, SHMDEV_IOC_LIST, &k) ? errno : 0;
		de = 0;
		memset(&c, 0, sizeof(c));
	} else {
		ret = do_call(fd, SHMDEV_IOC_LIST, &k, &c, &de);
	}
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("LIST on a foreign fd succeeded");
		return;
	}
	if (!judge("LIST", ret, de, viol, !viol))
		return;
	if (k.count != (__u32)want) {
		FZ_FAIL("LIST count %u, model says %d", k.count, want);
		return;
	}
	if (ptr != (unsigned char *)ids)
		return;
	for (i = 1; i < (int)n; i++)
		if (ids[i] <= ids[i - 1])
			FZ_FAIL("LIST ids not increasing at %d", i);
}

static void fz_notify(int fd, int f)
{
	struct shmdev_notify k;
	emask_t viol = 0, state = 0;
	struct call c;
	int ret, r = f >= 0 ? files[f].region : -1;
	emask_t de;

	memset(&k, 0, sizeof(k));
	k.channel = gen_channel(r >= 0 ? regions[r].nch : 1);
	if (chance(4))
		k.flags = special_u32() | 1;
	if (chance(4))
		k.seq = special_u64() | 1;
	if (k.flags || k.seq)
		viol |= EM(EINVAL);
	if (f >= 0 && r < 0)
		state |= EM(ENXIO);
	if (r >= 0 && k.channel >= regions[r].nch)
		viol |= EM(EINVAL);

	ret = do_call(fd, SHMDEV_IOC_NOTIFY, &k, &c, &de);
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("NOTIFY on a foreign fd succeeded");
		return;
	}
	if (!judge("NOTIFY", ret, de, viol | state, !viol && !state))
		return;
	if (k.seq != regions[r].seq[k.channel] + 1)
		FZ_FAIL("NOTIFY returned seq %llu, want %llu",
			(unsigned long long)k.seq,
			(unsigned long long)regions[r].seq[k.channel] + 1);
	regions[r].seq[k.channel] = k.seq;
}

static void fz_wait(int fd, int f)
{
	struct shmdev_wait k;
	emask_t viol = 0, state = 0;
	struct call c;
	int ret, r = f >= 0 ? files[f].region : -1;
	emask_t de;
	bool differs, forever;
	__u64 cur = 0;

	memset(&k, 0, sizeof(k));
	k.channel = gen_channel(r >= 0 ? regions[r].nch : 1);
	if (chance(30))
		k.flags = SHMDEV_WAIT_ABSTIME;
	if (chance(4))
		k.flags |= special_u32();
	if (k.flags & ~SHMDEV_WAIT_FLAGS_MASK)
		viol |= EM(EINVAL);
	if (f >= 0 && r < 0)
		state |= EM(ENXIO);
	if (r >= 0 && k.channel >= regions[r].nch)
		viol |= EM(EINVAL);
	if (r >= 0 && k.channel < regions[r].nch)
		cur = regions[r].seq[k.channel];
	differs = chance(50);
	k.seq = differs ? (chance(50) ? cur + 1 + rnd(5) : special_u64()) : cur;
	if (k.seq == cur)
		differs = false;
	if (differs || viol || state || r < 0) {
		k.timeout_ns = chance(30) ? SHMDEV_WAIT_FOREVER : special_u64();
	} else if (k.flags & SHMDEV_WAIT_ABSTIME) {
		__u64 now = now_ns();
		static const __u64 past[] = { 0, 1 };

		k.timeout_ns = chance(50) ? past[rnd(2)] : now - rnd(1000000);
		if (chance(10))
			k.timeout_ns = now + 50000;
	} else {
		k.timeout_ns = chance(50) ? 0 : rnd(50000);
	}
	forever = (k.timeout_ns > 1000000000ULL && !(k.flags & SHMDEV_WAIT_ABSTIME)) ||
		  ((k.flags & SHMDEV_WAIT_ABSTIME) && k.timeout_ns > now_ns() + 1000000000ULL);
	/* Never risk an endless sleep: a wait that would block must be bounded. */
	if (!differs && forever && !viol && !state && r >= 0)
		return;

	ret = do_call(fd, SHMDEV_IOC_WAIT, &k, &c, &de);
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("WAIT on a foreign fd succeeded");
		return;
	}
	if (de) {
		judge("WAIT", ret, de, 0, false);
		return;
	}
	if (viol || state) {
		expect("WAIT", ret, viol | state, false);
		return;
	}
	if (differs) {
		if (expect("WAIT (seq differs)", ret, 0, true) && k.seq != cur)
			FZ_FAIL("WAIT returned seq %llu, want %llu",
				(unsigned long long)k.seq, (unsigned long long)cur);
	} else {
		if (expect("WAIT (seq equal, bounded)", ret, EM(ETIMEDOUT), false) &&
		    k.seq != cur)
			FZ_FAIL("WAIT/ETIMEDOUT returned seq %llu, want %llu",
				(unsigned long long)k.seq, (unsigned long long)cur);
	}
}

static __u64 pending_of(int f)
{
	int r = files[f].region;
	__u64 p = 0;
	__u32 i;

	for (i = 0; i < regions[r].nch; i++)
		if (regions[r].seq[i] != files[f].acked[i])
			p |= 1ULL << i;
	return p;
}

static void fz_ack(int fd, int f)
{
	struct shmdev_ack k;
	emask_t viol = 0, state = 0;
	struct call c;
	int ret, r = f >= 0 ? files[f].region : -1;
	emask_t de;
	__u64 mask = 0, want = 0;
	__u32 i;

	if (r >= 0)
		mask = regions[r].nch == 64 ? ~0ULL : (1ULL << regions[r].nch) - 1;
	memset(&k, 0, sizeof(k));
	switch (rnd(5)) {
	case 0: k.channels = mask; break;
	case 1: k.channels = 0; break;
	case 2: k.channels = special_u64(); break;
	case 3: k.channels = mask + 1; break;
	default: k.channels = rnd64() & mask; break;
	}
	if (chance(4)) {
		k.pending = special_u64() | 1;
		viol |= EM(EINVAL);
	}
	if (f >= 0 && r < 0)
		state |= EM(ENXIO);
	if (r >= 0 && (k.channels & ~mask))
		viol |= EM(EINVAL);
	if (r >= 0)
		want = pending_of(f);

	ret = do_call(fd, SHMDEV_IOC_ACK, &k, &c, &de);
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("ACK on a foreign fd succeeded");
		return;
	}
	if (!judge("ACK", ret, de, viol | state, !viol && !state))
		return;
	if (k.pending != want)
		FZ_FAIL("ACK pending %#llx, want %#llx", (unsigned long long)k.pending,
			(unsigned long long)want);
	for (i = 0; i < regions[r].nch; i++)
		if (k.channels & (1ULL << i))
			files[f].acked[i] = regions[r].seq[i];
}

static void fz_poll(void)
{
	int f = pick_file(), ret;
	struct pollfd p;
	short want;

	if (f < 0)
		return;
	p.fd = files[f].fd;
	p.events = POLLIN | POLLOUT;
	p.revents = 0;
	ret = poll(&p, 1, 0);
	calls++;
	if (ret < 0) {
		FZ_FAIL("poll: %s", ename(errno));
		return;
	}
	if (files[f].region < 0)
		want = POLLERR;
	else
		want = pending_of(f) ? POLLIN : 0;
	if ((p.revents & (POLLIN | POLLERR | POLLOUT)) != want)
		FZ_FAIL("poll revents %#x, want %#x", p.revents, want);
}

/* Unknown numbers, wrong type byte, wrong direction, short sizes. */
static void fz_badcmd(int fd, int f)
{
	static const unsigned char generic_types[] = { 0x00, 'T', 'f', 'X', 0x94, 0x15 };
	unsigned int nr, type, dir, size, cmd, kcmd;
	static const unsigned int cmds[] = {
		SHMDEV_IOC_API, SHMDEV_IOC_CREATE, SHMDEV_IOC_ATTACH, SHMDEV_IOC_INFO,
		SHMDEV_IOC_DESTROY, SHMDEV_IOC_LIST, SHMDEV_IOC_NOTIFY, SHMDEV_IOC_WAIT,
		SHMDEV_IOC_ACK, SHMDEV_IOC_MAP, SHMDEV_IOC_WAITV,
		SHMDEV_IOC_POLL_MASK,
	};
	size_t i;
	int ret;

	/* POST and WAKE (_IO, no struct) are left to the dispatch sweep. */
	kcmd = cmds[rnd(sizeof(cmds) / sizeof(cmds[0]))];
	nr = _IOC_NR(kcmd);
	type = SHMDEV_IOC_MAGIC;
	dir = _IOC_DIR(kcmd);
	size = _IOC_SIZE(kcmd);
	switch (rnd(4)) {
	case 0:
		nr = FZ_NR_CMDS + rnd(256 - FZ_NR_CMDS);
		break;
	case 1:
		do {
			type = rnd(256);
			for (i = 0; i < sizeof(generic_types); i++)
				if (type == generic_types[i])
					type = SHMDEV_IOC_MAGIC;
		} while (type == SHMDEV_IOC_MAGIC);
		break;
	case 2:
		do
			dir = rnd(4);
		while (dir == _IOC_DIR(kcmd));
		break;
	default:
		/* API and INFO still take their earlier versions' sizes. */
		do
			size = rnd(_IOC_SIZE(kcmd));
		while ((kcmd == SHMDEV_IOC_API && (size == SHMDEV_API_SIZE_VER0 ||
						   size == SHMDEV_API_SIZE_VER1)) ||
		       (kcmd == SHMDEV_IOC_INFO && size == SHMDEV_INFO_SIZE_VER0));
		break;
	}
	cmd = _IOC(dir, type, nr, size);
	memset(bigbuf, 0, FZ_BIGBUF);
	ret = ioctl(fd, cmd, chance(80) ? (void *)bigbuf : (void *)guard) ? errno : 0;
	if (f < 0) {
		if (ret == 0)
			FZ_FAIL("ioctl %#x on a foreign fd succeeded", cmd);
		return;
	}
	expect("malformed command", ret, EM(ENOTTY), false);
}

/* ------------------------------------------------------------------ */
/* Memory operations. */

static int free_map_slot(void)
{
	int i;

	for (i = 0; i < FZ_MAPS; i++)
		if (!maps[i].used)
			return i;
	return -1;
}

static void verify_map(int m)
{
	struct fz_map *mp = &maps[m];
	struct fz_region *g = &regions[mp->region];
	int i;

	if (!(mp->prot & PROT_READ) || mp->cow_dirty)
		return;
	for (i = 0; i < g->nmarks; i++) {
		__u64 off = g->marks[i].off, got;

		if (!map_covers(mp, off))
			continue;
		got = *(volatile __u64 *)(mp->addr + (off - mp->off));
		if (got != g->marks[i].val)
			FZ_FAIL("region %llu offset %llu reads %#llx through %p, want %#llx",
				(unsigned long long)g->id, (unsigned long long)off,
				(unsigned long long)got, mp->addr,
				(unsigned long long)g->marks[i].val);
	}
}

static void set_mark(int r, __u64 off, __u64 val)
{
	struct fz_region *g = &regions[r];
	int i;

	for (i = 0; i < g->nmarks; i++)
		if (g->marks[i].off == off)
			break;
	if (i == g->nmarks) {
		if (g->nmarks < FZ_MARKS)
			g->nmarks++;
		else
			i = rnd(FZ_MARKS);
	}
	g->marks[i].off = off;
	g->marks[i].val = val;
}

static void fz_mmap(void)
{
	int f = pick_file(), m = free_map_slot(), r, prot, flags, ret;
	emask_t viol = 0;
	__u64 off, len, size = 0;
	bool shared;
	void *p;

	if (f < 0 || m < 0)
		return;
	r = files[f].region;
	if (r >= 0)
		size = regions[r].size;
	switch (rnd(6)) {
	case 0: off = 0; break;
	case 1: off = size ? rnd(size / psz) * psz : 0; break;
	case 2: off = size; break;
	case 3: off = 1 + rnd(psz - 1); break;
	case 4: off = special_u64() & ~(__u64)(psz - 1); break;
	default: off = 0; break;
	}
	/* The control page has its own tests (shmdev_fastpath_test). */
	if (off == SHMDEV_CTL_OFFSET)
		off = 0;
	switch (rnd(6)) {
	case 0: len = 0; break;
	case 1: len = size + psz; break;
	case 2: len = special_u64(); break;
	case 3: len = psz; break;
	default: len = size > off ? size - off : (__u64)psz; break;
	}
	if (len > (1ULL << 40) && off + len > size)
		return;	/* huge lengths: only ENOMEM, and they eat address space */
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE };
	prot = prots[rnd(4)];
	shared = chance(75);
	flags = shared ? MAP_SHARED : MAP_PRIVATE;
	if (chance(20))
		flags |= MAP_POPULATE;

	if (len == 0 || (off & (psz - 1)))
		viol |= EM(EINVAL);
	if (r < 0)
		viol |= EM(ENXIO);
	if (off > 0x7fffffffffffffffULL || len > 0x7fffffffffffffffULL)
		viol |= EM(EINVAL) | EM(EOVERFLOW) | EM(ENOMEM);
	if (r >= 0 && (off >= size || len > size - off))
		viol |= EM(ENXIO) | EM(EOVERFLOW) | EM(ENOMEM) | EM(EINVAL);
	if (files[f].oflags == O_WRONLY)
		viol |= EM(EACCES);
	if (shared && (prot & PROT_WRITE) &&
	    (files[f].oflags == O_RDONLY || files[f].rdonly))
		viol |= EM(EACCES);

	p = mmap(NULL, len, prot, flags, files[f].fd, off);
	ret = p == MAP_FAILED ? errno : 0;
	if (!expect("mmap", ret, viol, !viol) || ret) {
		if (!ret)
			munmap(p, len);
		return;
	}
	maps[m] = (struct fz_map){ .used = true, .addr = p,
				   .len = (len + psz - 1) & ~(__u64)(psz - 1),
				   .file = f, .region = r, .off = off, .prot = prot,
				   .shared = shared,
				   /* populating a private writable map copies every page */
				   .cow_dirty = !shared && (prot & PROT_WRITE) &&
						(flags & MAP_POPULATE) };
	files[f].nmaps++;
	verify_map(m);
}

static void fz_touch(void)
{
	int m = rnd(FZ_MAPS);
	struct fz_map *mp = &maps[m];
	__u64 off, val;

	if (!mp->used)
		return;
	if (!(mp->prot & PROT_WRITE) || (mp->prot & PROT_READ) == 0) {
		verify_map(m);
		return;
	}
	off = mp->off + (rnd(mp->len / 8) * 8);
	val = rnd64();
	*(volatile __u64 *)(mp->addr + (off - mp->off)) = val;
	if (mp->shared) {
		set_mark(mp->region, off, val);
	} else {
		mp->cow_dirty = true;
	}
	verify_map(m);
}

static void drop_map(int m)
{
	int f = maps[m].file;

	maps[m].used = false;
	files[f].nmaps--;
	file_release_check(f);
}

static void fz_munmap(void)
{
	int m = rnd(FZ_MAPS), n;
	struct fz_map *mp = &maps[m];
	size_t cut;

	if (!mp->used)
		return;
	if (mp->len > (size_t)psz && chance(40)) {
		/* Cut a head or a tail. */
		cut = (1 + rnd(mp->len / psz - 1)) * psz;
		if (chance(50)) {
			expect("munmap head", munmap(mp->addr, cut) ? errno : 0, 0, true);
			mp->addr += cut;
			mp->off += cut;
			mp->len -= cut;
		} else {
			expect("munmap tail", munmap(mp->addr + mp->len - cut, cut) ? errno : 0,
			       0, true);
			mp->len -= cut;
		}
		return;
	}
	if (mp->len > 2 * (size_t)psz && chance(30) && (n = free_map_slot()) >= 0) {
		/* Punch a page out of the middle: two mappings remain. */
		cut = (1 + rnd(mp->len / psz - 2)) * psz;
		expect("munmap middle", munmap(mp->addr + cut, psz) ? errno : 0, 0, true);
		maps[n] = *mp;
		maps[n].addr = mp->addr + cut + psz;
		maps[n].off = mp->off + cut + psz;
		maps[n].len = mp->len - cut - psz;
		mp->len = cut;
		files[mp->file].nmaps++;
		return;
	}
	expect("munmap", munmap(mp->addr, mp->len) ? errno : 0, 0, true);
	drop_map(m);
}

static void fz_mprotect(void)
{
	int m = rnd(FZ_MAPS), prot, f;
	struct fz_map *mp = &maps[m];
	bool bad;

	if (!mp->used)
		return;
	f = mp->file;
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE, PROT_WRITE };
	prot = prots[rnd(4)];
	bad = mp->shared && (prot & PROT_WRITE) &&
	      (files[f].rdonly || files[f].oflags == O_RDONLY);
	if (expect("mprotect", mprotect(mp->addr, mp->len, prot) ? errno : 0,
		   EM(EACCES), !bad) && !bad)
		mp->prot = prot;
	verify_map(m);
}

static void fz_mremap(void)
{
	int m = rnd(FZ_MAPS), n;
	struct fz_map *mp = &maps[m];
	void *p, *dst;
	size_t nl;

	if (!mp->used)
		return;
	switch (rnd(4)) {
	case 0:		/* grow: never allowed past what mmap checked */
		nl = mp->len + psz * (1 + rnd(4));
		p = mremap(mp->addr, mp->len, nl, chance(50) ? MREMAP_MAYMOVE : 0);
		if (p != MAP_FAILED) {
			FZ_FAIL("mremap grew a shmdev mapping from %zu to %zu bytes",
				mp->len, nl);
			munmap(p, nl);
			drop_map(m);
			return;
		}
		expect("mremap grow", errno, EM(EFAULT) | EM(ENOMEM) | EM(EINVAL), false);
		return;
	case 1:		/* shrink in place */
		if (mp->len <= (size_t)psz)
			return;
		nl = mp->len - psz * (1 + rnd(mp->len / psz - 1));
		p = mremap(mp->addr, mp->len, nl, 0);
		if (expect("mremap shrink", p == MAP_FAILED ? errno : 0, 0, true))
			mp->len = nl;
		return;
	default:	/* move, maybe keeping the old range (DONTUNMAP) */
		dst = mmap(NULL, mp->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst == MAP_FAILED)
			return;
		n = free_map_slot();
		if (chance(30) && n >= 0) {
			p = mremap(mp->addr, mp->len, mp->len,
				   MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, dst);
			if (p == MAP_FAILED) {
				/* Refused for shared/special mappings on some kernels. */
				expect("mremap DONTUNMAP", errno, EM(EINVAL), false);
				munmap(dst, mp->len);
				return;
			}
			calls++;
			maps[n] = *mp;
			maps[n].addr = p;
			files[mp->file].nmaps++;
			verify_map(n);
			verify_map(m);
			return;
		}
		p = mremap(mp->addr, mp->len, mp->len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		if (!expect("mremap move", p == MAP_FAILED ? errno : 0, 0, true)) {
			munmap(dst, mp->len);
			return;
		}
		mp->addr = p;
		verify_map(m);
		return;
	}
}

/*
 * fork: the child reads and writes the inherited mappings, notifies on
 * inherited files and closes them; the parent checks the writes and
 * accounts the notifications after reaping it.
 */
static void fz_fork(void)
{
	int m, f, status, i, nmark = 0;
	struct { int r; __u64 off, val; } wrote[4];
	__u64 notified[FZ_FILES];
	pid_t pid;
	int pfd[2];

	memset(notified, 0, sizeof(notified));
	/* Plan in the parent so the model knows what the child does. */
	for (i = 0; i < 4; i++) {
		m = rnd(FZ_MAPS);
		if (!maps[m].used || !maps[m].shared || maps[m].prot != (PROT_READ | PROT_WRITE))
			continue;
		wrote[nmark].r = maps[m].region;
		wrote[nmark].off = maps[m].off + rnd(maps[m].len / 8) * 8;
		wrote[nmark].val = rnd64() | 1;
		nmark++;
	}
	for (f = 0; f < FZ_FILES; f++)
		if (files[f].used && files[f].fd >= 0 && files[f].region >= 0 && chance(30))
			notified[f] = 1 + rnd(3);
	if (pipe(pfd))
		return;
	pid = fork();
	calls++;
	if (pid < 0) {
		FZ_FAIL("fork: %s", ename(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		int bad = 0;

		close(pfd[0]);
		for (i = 0; i < nmark; i++) {
			for (m = 0; m < FZ_MAPS; m++) {
				if (maps[m].used && maps[m].shared &&
				    maps[m].region == wrote[i].r &&
				    maps[m].prot == (PROT_READ | PROT_WRITE) &&
				    map_covers(&maps[m], wrote[i].off)) {
					*(volatile __u64 *)(maps[m].addr +
						(wrote[i].off - maps[m].off)) = wrote[i].val;
					break;
				}
			}
		}
		for (f = 0; f < FZ_FILES; f++) {
			__u64 j;

			for (j = 0; j < notified[f]; j++)
				if (sd_notify(files[f].fd, 0, NULL))
					bad = 1;
			if (files[f].used && files[f].fd >= 0 && chance(50))
				close(files[f].fd);
		}
		for (m = 0; m < FZ_MAPS; m++)
			if (maps[m].used && chance(30))
				munmap(maps[m].addr, maps[m].len);
		_exit(bad ? 3 : 0);
	}
	close(pfd[1]);
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		FZ_FAIL("fork child failed (status %#x)", status);
		return;
	}
	for (i = 0; i < nmark; i++)
		set_mark(wrote[i].r, wrote[i].off, wrote[i].val);
	for (f = 0; f < FZ_FILES; f++)
		if (notified[f])
			regions[files[f].region].seq[0] += notified[f];
	for (m = 0; m < FZ_MAPS; m++)
		if (maps[m].used)
			verify_map(m);
}

/* Occasionally move the limits (root may write the parameters). */
static void fz_retune(void)
{
	long long nreg, bytes;

	model_totals(&nreg, &bytes);
	if (chance(50)) {
		cur_max_region = psz * (1 + rnd((4 << 20) / psz));
		if (sd_set_param("max_region_bytes", cur_max_region))
			FZ_FAIL("cannot set max_region_bytes");
	} else {
		cur_max_regions = nreg + rnd(24);
		if (sd_set_param("max_regions", cur_max_regions))
			FZ_FAIL("cannot set max_regions");
	}
}

/* ------------------------------------------------------------------ */
/* Invariants. */

static int maps_vma_count(int r)
{
	char line[512];
	FILE *fp = fopen("/proc/self/maps", "r");
	int n = 0, m;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		for (m = 0; m < FZ_MAPS; m++) {
			if (maps[m].used && maps[m].region == r &&
			    s >= (unsigned long)maps[m].addr &&
			    s < (unsigned long)maps[m].addr + maps[m].len) {
				n++;
				break;
			}
		}
	}
	fclose(fp);
	return n;
}

static void check_invariants(int fd)
{
	long long nreg, bytes, got_reg, got_bytes;
	struct shmdev_info info;
	int r, f, m, attached, vmas, ret;
	long cnt;

	region_gc();
	cnt = sd_list_count(fd);
	calls++;
	if (cnt != base_list + live_count())
		FZ_FAIL("invariant: LIST count %ld, model %lld", cnt, base_list + live_count());
	model_totals(&nreg, &bytes);
	got_reg = sysfs_settle(sd_regions, nreg);
	got_bytes = sysfs_settle(sd_bytes_in_use, bytes);
	if (got_reg != nreg || got_bytes != bytes)
		FZ_FAIL("invariant: sysfs regions %lld bytes_in_use %lld, model %lld %lld",
			got_reg, got_bytes, nreg, bytes);
	for (r = 0; r < nregions; r++) {
		if (!regions[r].used || regions[r].destroyed)
			continue;
		ret = sd_info_id(fd, regions[r].id, &info);
		calls++;
		if (ret) {
			FZ_FAIL("invariant: INFO of live region %llu: %s",
				(unsigned long long)regions[r].id, ename(-ret));
			continue;
		}
		/* A closed file's mappings hold the region, not the file. */
		attached = 0;
		for (f = 0; f < FZ_FILES; f++)
			attached += files[f].used && files[f].fd >= 0 &&
				    files[f].region == r;
		vmas = maps_vma_count(r);
		if ((int)info.nr_attached != attached || (int)info.nr_mappings != vmas)
			FZ_FAIL("invariant: region %llu nr_attached %u (model %d) nr_mappings %u (VMAs in maps %d)",
				(unsigned long long)regions[r].id, info.nr_attached,
				attached, info.nr_mappings, vmas);
		check_info(&info, r, -1, true);
	}
	for (m = 0; m < FZ_MAPS; m++)
		if (maps[m].used)
			verify_map(m);
}

/* ------------------------------------------------------------------ */
/* Set-up, clean-up. */

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static int fz_setup(void)
{
	int fd;

	psz = page_size();
	bigbuf = mmap(NULL, FZ_BIGBUF + psz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bigbuf == MAP_FAILED)
		return -1;
	/* FZ_BIGBUF is page aligned: the guard page follows it. */
	guard = bigbuf + FZ_BIGBUF;
	if (mprotect(guard, psz, PROT_NONE))
		return -1;
	memset(regions, 0, sizeof(regions));
	memset(files, 0, sizeof(files));
	memset(maps, 0, sizeof(maps));
	nregions = 0;
	base_regions = sd_regions();
	base_bytes = sd_bytes_in_use();
	fd = shmdev_open(O_RDWR);
	if (fd < 0)
		return -1;
	base_list = sd_list_count(fd);
	nbase_ids = 0;
	if (base_list > 0 && !sd_list(fd, base_ids, 1024, &nbase_ids) && nbase_ids > 1024)
		nbase_ids = 1024;
	close(fd);
	saved_max_region = sd_param("max_region_bytes");
	saved_max_total = sd_param("max_total_bytes");
	saved_max_regions = sd_param("max_regions");
	if (base_regions < 0 || base_bytes < 0 || base_list < 0 ||
	    saved_max_region < 0 || saved_max_total < 0 || saved_max_regions < 0)
		return -1;
	cur_max_region = (2 << 20) + psz * rnd(16);
	cur_max_total = base_bytes + FZ_MAX_BYTES;
	cur_max_regions = base_regions + 48;
	if (sd_set_param("max_region_bytes", cur_max_region) ||
	    sd_set_param("max_total_bytes", cur_max_total) ||
	    sd_set_param("max_regions", cur_max_regions))
		return -1;
	return 0;
}

static void fz_cleanup(void)
{
	int m, f, r, fd;

	for (m = 0; m < FZ_MAPS; m++)
		if (maps[m].used) {
			munmap(maps[m].addr, maps[m].len);
			maps[m].used = false;
		}
	for (f = 0; f < FZ_FILES; f++)
		if (files[f].used) {
			if (files[f].fd >= 0)
				close(files[f].fd);
			files[f].used = false;
		}
	fd = shmdev_open(O_RDWR);
	for (r = 0; r < nregions; r++)
		if (regions[r].used && !regions[r].destroyed && fd >= 0) {
			if (sd_destroy_id(fd, regions[r].id))
				FZ_FAIL("clean-up: DESTROY %llu failed",
					(unsigned long long)regions[r].id);
			regions[r].destroyed = true;
		}
	region_gc();
	if (fd >= 0)
		close(fd);
	sd_set_param("max_region_bytes", saved_max_region);
	sd_set_param("max_total_bytes", saved_max_total);
	sd_set_param("max_regions", saved_max_regions);
	munmap(bigbuf, FZ_BIGBUF + psz);
}

static void fz_step(void)
{
	int f, fd;

	switch (rnd(40)) {
	case 0: case 1:
		open_file();
		return;
	case 2:
		f = pick_file();
		if (f >= 0 && chance(50))
			close_file(f);
		return;
	case 3: case 4: case 5:
		fz_mmap();
		return;
	case 6: case 7: fz_touch(); return;
	case 8: fz_munmap(); return;
	case 9: fz_mprotect(); return;
	case 10: fz_mremap(); return;
	case 11:
		if (chance(10))
			fz_fork();
		return;
	case 12: fz_poll(); return;
	case 13:
		if (chance(5))
			fz_retune();
		return;
	default:
		break;
	}
	fd = pick_fd(&f);
	switch (rnd(22)) {
	case 0: fz_api(fd, f); break;
	case 1: case 2: case 3: case 4: fz_create(fd, f); break;
	case 5: case 6: case 7: fz_attach(fd, f); break;
	case 8: case 9: fz_info(fd, f); break;
	case 10: case 11: fz_destroy(fd, f); break;
	case 12: fz_list(fd, f); break;
	case 13: case 14: fz_notify(fd, f); break;
	case 15: case 16: fz_wait(fd, f); break;
	case 17: fz_ack(fd, f); break;
	default: fz_badcmd(fd, f); break;
	}
}

FIXTURE(fuzz) {
	int fd;
	long long saved[3];	/* shared with the parent for the teardown */
};

FIXTURE_SETUP(fuzz)
{
	seed = env_u64("SHMDEV_FUZZ_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	rng_state = seed;
	FZ_LOG("fuzz: seed=%" PRIu64 " (replay with SHMDEV_FUZZ_SEED=%" PRIu64 ")", seed, seed);
	iter = calls = failures = 0;
	self->saved[0] = sd_param("max_region_bytes");
	self->saved[1] = sd_param("max_total_bytes");
	self->saved[2] = sd_param("max_regions");
	ASSERT_EQ(0, fz_setup());
	self->fd = shmdev_open(O_RDWR);
	ASSERT_GE(self->fd, 0);
}

/*
 * In the harness parent (the fd opened in the child goes with it): restore
 * the module limits even if the test body died.
 */
FIXTURE_TEARDOWN_PARENT(fuzz)
{
	if (self->saved[0] > 0 && self->saved[1] > 0 && self->saved[2] > 0) {
		sd_set_param("max_region_bytes", self->saved[0]);
		sd_set_param("max_total_bytes", self->saved[1]);
		sd_set_param("max_regions", self->saved[2]);
	}
}

/*
 * Every command encoding on an attached and an unattached file: all 256
 * numbers with every direction, the real sizes, -1, +8 with zero and
 * non-zero tails and the largest size; each result must be ENOTTY,
 * E2BIG, EINVAL (all-zero arguments are invalid for most commands) or a
 * documented success.
 */
TEST_F_TIMEOUT(fuzz, dispatch_sweep, 300)
{
	unsigned int nr, dir, s, cmd, known;
	static const unsigned int cmds[] = {
		SHMDEV_IOC_API, SHMDEV_IOC_CREATE, SHMDEV_IOC_ATTACH, SHMDEV_IOC_INFO,
		SHMDEV_IOC_DESTROY, SHMDEV_IOC_LIST, SHMDEV_IOC_NOTIFY, SHMDEV_IOC_WAIT,
		SHMDEV_IOC_ACK, SHMDEV_IOC_MAP, SHMDEV_IOC_POST, SHMDEV_IOC_WAKE,
		SHMDEV_IOC_WAITV, SHMDEV_IOC_POLL_MASK,
	};
	char name[SHMDEV_NAME_MAX];
	int fds[2], i, ret;

	phase = "dispatch_sweep";
	shmdev_name(name, "fzsweep");
	fds[0] = shmdev_open(O_RDWR);
	fds[1] = sd_new_region(name, psz, 2, 0600, NULL);
	ASSERT_GE(fds[0], 0);
	ASSERT_GE(fds[1], 0);
	for (i = 0; i < 2; i++) {
		for (nr = 0; nr < 256; nr++) {
			for (dir = 0; dir < 4; dir++) {
				known = nr < FZ_NR_CMDS ? cmds[nr] : 0;
				for (s = 0; s < 6; s++) {
					unsigned int ks = known ? _IOC_SIZE(known) : 64;
					/* POST and WAKE (_IO): no ks - 1 */
					unsigned int size[] = { ks, ks ? ks - 1 : 1, ks + 8, ks + 8, 0, 16383 };
					emask_t allowed = EM(ENOTTY);
					bool ok = false;

					iter++;
					cmd = _IOC(dir, SHMDEV_IOC_MAGIC, nr, size[s]);
					memset(bigbuf, 0, FZ_BIGBUF);
					if (s == 3)
						bigbuf[ks + 3] = 0x5a;
					if (known && !ks) {
						/*
						 * POST and WAKE take only their exact
						 * command, and bigbuf's address as the
						 * channel: out of range.
						 */
						if (cmd == known)
							allowed = i ? EM(EINVAL) : EM(ENXIO);
					} else if (known && dir == _IOC_DIR(known) && size[s] >= ks) {
						if (s == 3) {
							allowed = EM(E2BIG);
						} else {
							/*
							 * Zero arguments: API succeeds, CREATE
							 * ATTACH DESTROY are invalid, INFO
							 * ENXIO/succeeds, LIST succeeds,
							 * NOTIFY/WAIT/ACK ENXIO or succeed
							 * (WAIT: seq 0, timeout 0 on a
							 * fresh channel times out).
							 */
							allowed = EM(EINVAL) | EM(ENXIO) | EM(ETIMEDOUT);
							ok = nr == 0 || nr == 3 || nr == 5 || nr == 6 ||
							     nr == 8;
							if (nr == 1 || nr == 2 || nr == 4)
								allowed = EM(EINVAL);
							if (i == 0 && nr >= 6 && nr <= 8)
								allowed = EM(ENXIO), ok = false;
							/* MAP: record sizes 0 are invalid */
							if (nr == 9)
								allowed = EM(EINVAL), ok = false;
							if (i == 0 && nr == 3)
								allowed = EM(ENXIO), ok = false;
							/* NOTIFY (nr 6) ran first: seq 0 differs */
							if (i == 1 && nr == 7)
								allowed = 0, ok = true;
							/* WAITV: the empty mask comes first */
							if (nr == 12)
								allowed = EM(EINVAL), ok = false;
							/* POLL_MASK: mask 0 is allowed */
							if (nr == 13)
								allowed = i ? 0 : EM(ENXIO), ok = i;
						}
					}
					ret = ioctl(fds[i], cmd, bigbuf) ? errno : 0;
					if (!expect("sweep", ret, allowed, ok))
						TH_LOG("cmd %#x (nr %u dir %u size %u) on %s file",
						       cmd, nr, dir, size[s],
						       i ? "an attached" : "an unattached");
				}
			}
		}
	}
	sd_destroy_name(fds[0], name);
	close(fds[0]);
	close(fds[1]);
	FZ_LOG("fuzz: dispatch sweep: %" PRIu64 " commands, %" PRIu64 " failures",
	       iter, failures);
	fz_cleanup();
	EXPECT_EQ(0ULL, (unsigned long long)failures);
}

/*
 * The random phase: SHMDEV_STRESS_SECONDS of generated operations, with
 * the invariants checked every 256 operations and at the end, then
 * everything is destroyed and the counters must be back at the baseline.
 */
TEST_F_TIMEOUT(fuzz, random_ops, 900)
{
	uint64_t secs = env_u64("SHMDEV_STRESS_SECONDS", 10);
	uint64_t cap = env_u64("SHMDEV_FUZZ_ITERATIONS", 5000000);
	uint64_t t0 = now_ns(), deadline = t0 + secs * 1000000000ULL, t1;
	long long r1, b1;
	int i;

	phase = "random_ops";
	for (i = 0; i < 4; i++)
		open_file();
	for (iter = 0; iter < cap; iter++) {
		if ((iter & 255) == 0) {
			check_invariants(self->fd);
			if (now_ns() >= deadline)
				break;
		}
		fz_step();
		if (failures > 200)
			break;
	}
	check_invariants(self->fd);
	fz_cleanup();
	r1 = sysfs_settle(sd_regions, base_regions);
	b1 = sysfs_settle(sd_bytes_in_use, base_bytes);
	if (r1 != base_regions || b1 != base_bytes)
		FZ_FAIL("after clean-up: regions %lld bytes %lld, baseline %lld %lld",
			r1, b1, base_regions, base_bytes);
	if (sd_list_count(self->fd) != base_list)
		FZ_FAIL("after clean-up: LIST count %ld, baseline %lld",
			sd_list_count(self->fd), base_list);
	t1 = now_ns();
	FZ_LOG("fuzz: seed=%" PRIu64 " iterations=%" PRIu64 " calls=%" PRIu64
	       " seconds=%.1f calls_per_second=%.0f failures=%" PRIu64,
	       seed, iter, calls, (t1 - t0) / 1e9, calls / ((t1 - t0) / 1e9), failures);
	EXPECT_EQ(0ULL, (unsigned long long)failures);
}

SHMDEV_HARNESS_MAIN
