// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev under allocation failure (fault injection).
 *
 * Needs a kernel with CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (/sys/kernel/debug/failslab and
 * /sys/kernel/debug/fail_page_alloc) and /proc/thread-self/fail-nth;
 * skips otherwise (the stock Debian kernels have none of them).
 *
 * Method (Documentation/fault-injection/fault-injection.rst): writing N
 * to /proc/thread-self/fail-nth makes the N-th fault-injection point that
 * *this task* reaches fail; reading it back gives 0 once the failure was
 * injected.  This is aimed at the test task by construction, so no other
 * process ever sees an injected failure.  As a second guard the global
 * attributes stay off for everybody (probability=0, task-filter=Y, and no
 * task has make-it-fail set by this test).  failslab/ignore-gfp-wait=N and
 * fail_page_alloc/ignore-gfp-wait=N, ignore-gfp-highmem=N, min-order=0
 * make GFP_KERNEL and GFP_HIGHUSER allocations (all of shmdev's) count as
 * injection points; verbose=0 keeps the log quiet.  Every knob is saved
 * first and restored by the harness parent, even after a crash.
 *
 * For each call, N = 1, 2, ... until the call completes without using the
 * N-th point (the sweep covers every allocation on the path): the call
 * either succeeds with its normal effect (perhaps after an allocation whose
 * failure the kernel absorbed, e.g. a kvmalloc() fallback), or fails with
 * ENOMEM and nothing changed: LIST count, sysfs regions and bytes_in_use,
 * the file's attach state, sequences, mapping counts, and the name is still
 * free (a CREATE of it without injection then succeeds).  EFAULT is
 * accepted only where copy_{from,to}_user can be made to fail, i.e. when
 * the kernel also has fail_usercopy (its points count in fail-nth too);
 * EINTR never (no signal is sent).  The number of injected failures is
 * printed per call and in total.
 */
#define _GNU_SOURCE
#include "shmdev_common.h"

#define DBG		"/sys/kernel/debug/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAX_NTH		400
#define BASE_PAGES	8

static const char *const knobs[] = {
	DBG "failslab/probability", DBG "failslab/interval",
	DBG "failslab/times", DBG "failslab/space", DBG "failslab/verbose",
	DBG "failslab/task-filter", DBG "failslab/ignore-gfp-wait",
	DBG "fail_page_alloc/probability", DBG "fail_page_alloc/interval",
	DBG "fail_page_alloc/times", DBG "fail_page_alloc/space",
	DBG "fail_page_alloc/verbose", DBG "fail_page_alloc/task-filter",
	DBG "fail_page_alloc/ignore-gfp-wait",
	DBG "fail_page_alloc/ignore-gfp-highmem",
	DBG "fail_page_alloc/min-order",
};
#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

static const char *const settings[][2] = {
	{ DBG "failslab/probability", "0" },
	{ DBG "failslab/task-filter", "Y" },
	{ DBG "failslab/verbose", "0" },
	{ DBG "failslab/ignore-gfp-wait", "N" },
	{ DBG "fail_page_alloc/probability", "0" },
	{ DBG "fail_page_alloc/task-filter", "Y" },
	{ DBG "fail_page_alloc/verbose", "0" },
	{ DBG "fail_page_alloc/ignore-gfp-wait", "N" },
	{ DBG "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ DBG "fail_page_alloc/min-order", "0" },
};

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

/* ---- fail-nth ---- */

static int nth_fd = -1;

static inline void inject_nth(int n)
{
	char b[16];
	int l = snprintf(b, sizeof(b), "%d", n);

	if (pwrite(nth_fd, b, l, 0) != l)
		abort();
}

/* Read what is left of the countdown (0: injected), then disarm. */
static inline int nth_left_disarm(void)
{
	char b[16] = { 0 };
	int left = -1;

	if (pread(nth_fd, b, sizeof(b) - 1, 0) > 0)
		left = atoi(b);
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		abort();
	return left;
}

/* ---- state snapshots ---- */

struct state {
	long list;
	long long regions, bytes;
};

static void snap(struct state *s)
{
	int fd = shmdev_open(O_RDONLY);

	s->list = fd >= 0 ? sd_list_count(fd) : -1;
	if (fd >= 0)
		close(fd);
	s->regions = sd_regions();
	s->bytes = sd_bytes_in_use();
}

static bool same_state(const struct state *a, const struct state *b)
{
	return a->list == b->list && a->regions == b->regions && a->bytes == b->bytes;
}

/* ---- the calls under test ---- */

struct ctx {
	char base[SHMDEV_NAME_MAX];	/* a region that lives through the test */
	__u64 base_id;
	char name[SHMDEV_NAME_MAX];	/* a name the calls create/destroy */
	int fd;				/* the fd the call works on */
	__u64 seq, aux;
	char *map;
	bool usercopy;			/* fail_usercopy exists: EFAULT possible */
	const char *why;		/* what went wrong */
};

struct fop {
	const char *name;
	/* outside injection: set up ctx; 0 or -errno */
	int (*prepare)(struct ctx *c);
	/* under injection: the call; 0 or -errno */
	int (*run)(struct ctx *c);
	/* outside injection: check the effect of a success (true = right) and clean up */
	bool (*check_ok)(struct ctx *c);
	/* outside injection: check that a failure changed nothing, and clean up */
	bool (*check_failed)(struct ctx *c, int err);
	unsigned long long injected, absorbed, points;
	bool complete;
};

static int attached_fd(struct ctx *c, bool rdonly)
{
	int fd = shmdev_open(O_RDWR);
	int ret;

	if (fd < 0)
		return -errno;
	ret = sd_attach_name(fd, c->base, rdonly ? SHMDEV_ATTACH_RDONLY : 0, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	c->fd = fd;
	return 0;
}

static bool unattached(int fd)
{
	struct shmdev_info info;

	return sd_info(fd, &info) == -ENXIO;
}

static __u32 base_attached(struct ctx *c)
{
	struct shmdev_info info;
	int fd = shmdev_open(O_RDONLY);

	if (fd < 0 || sd_info_id(fd, c->base_id, &info)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	return info.nr_attached;
}

/* A later CREATE of the name without injection succeeds: the name was free. */
static bool name_free(struct ctx *c)
{
	int fd = sd_new_region(c->name, page_size(), 1, 0600, NULL);

	if (fd < 0) {
		c->why = "the name is not free after the failure";
		return false;
	}
	sd_destroy_name(fd, c->name);
	close(fd);
	return true;
}

static void close_fd(struct ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* open(/dev/shmdev) */
static int open_prep(struct ctx *c)
{
	c->fd = -1;
	return 0;
}

static int open_run(struct ctx *c)
{
	c->fd = shmdev_open(O_RDWR);
	return c->fd < 0 ? -errno : 0;
}

static bool open_ok(struct ctx *c)
{
	bool ok = unattached(c->fd);

	close_fd(c);
	return ok;
}

static bool open_failed(struct ctx *c, int err)
{
	(void)c;
	(void)err;
	return true;
}

/* CREATE */
static int create_prep(struct ctx *c)
{
	c->fd = shmdev_open(O_RDWR);
	return c->fd < 0 ? -errno : 0;
}

static int create1_run(struct ctx *c)
{
	return sd_create(c->fd, c->name, page_size(), 1, 0600, &c->aux);
}

static int create64_run(struct ctx *c)
{
	return sd_create(c->fd, c->name, 64 * page_size(), 8, 0600, &c->aux);
}

static bool create_ok(struct ctx *c)
{
	struct shmdev_info info;
	bool ok = sd_info(c->fd, &info) == 0 && info.id == c->aux &&
		  !strcmp(info.name, c->name);
	char *p = mmap(NULL, info.size, PROT_READ, MAP_SHARED, c->fd, 0);

	if (p == MAP_FAILED) {
		ok = false;
	} else {
		size_t i;

		for (i = 0; i < info.size; i += page_size())
			ok &= p[i] == 0;	/* zeroed at CREATE */
		munmap(p, info.size);
	}
	if (!ok)
		c->why = "the created region is not right";
	sd_destroy_name(c->fd, c->name);
	close_fd(c);
	return ok;
}

static bool create_failed(struct ctx *c, int err)
{
	bool ok = unattached(c->fd);

	if (!ok && err == -EFAULT && c->usercopy) {
		/* the region was made; only copying the result out failed */
		ksft_print_msg("fault: CREATE gave EFAULT after creating (result copy-out injected)\n");
		sd_destroy_name(c->fd, c->name);
		close_fd(c);
		return true;
	}
	if (!ok)
		c->why = "the file is attached after a failed CREATE";
	close_fd(c);
	return ok && name_free(c);
}

/* ATTACH by name and by id */
static int attach_prep(struct ctx *c)
{
	c->aux = base_attached(c);
	return create_prep(c);
}

static int attach_name_run(struct ctx *c)
{
	return sd_attach_name(c->fd, c->base, 0, NULL);
}

static int attach_id_run(struct ctx *c)
{
	return sd_attach_id(c->fd, c->base_id, SHMDEV_ATTACH_RDONLY);
}

static bool attach_ok(struct ctx *c)
{
	struct shmdev_info info;
	bool ok = sd_info(c->fd, &info) == 0 && info.id == c->base_id &&
		  info.nr_attached == c->aux + 1;

	if (!ok)
		c->why = "INFO after ATTACH is not right";
	close_fd(c);
	return ok;
}

static bool attach_failed(struct ctx *c, int err)
{
	bool ok = unattached(c->fd) && base_attached(c) == c->aux;

	(void)err;
	if (!ok)
		c->why = "a failed ATTACH attached the file or changed nr_attached";
	close_fd(c);
	return ok;
}

/* INFO attached and by id */
static int info_prep(struct ctx *c)
{
	return attached_fd(c, true);
}

static int info_run(struct ctx *c)
{
	struct shmdev_info info;
	int ret = sd_info(c->fd, &info);

	c->aux = ret ? 0 : info.id;
	return ret;
}

static int info_id_run(struct ctx *c)
{
	struct shmdev_info info;
	int ret = sd_info_id(c->fd, c->base_id, &info);

	c->aux = ret ? 0 : info.id;
	return ret;
}

static bool info_ok(struct ctx *c)
{
	bool ok = c->aux == c->base_id;

	if (!ok)
		c->why = "INFO returned another id";
	close_fd(c);
	return ok;
}

static bool info_failed(struct ctx *c, int err)
{
	struct shmdev_info info;
	bool ok = sd_info(c->fd, &info) == 0 && info.id == c->base_id;

	(void)err;
	if (!ok)
		c->why = "the file lost its region after a failed INFO";
	close_fd(c);
	return ok;
}

/* LIST */
static int list_prep(struct ctx *c)
{
	c->fd = shmdev_open(O_RDONLY);
	c->aux = c->fd >= 0 ? (__u64)sd_list_count(c->fd) : 0;
	return c->fd < 0 ? -errno : 0;
}

static __u64 list_ids[64];

static int list_run(struct ctx *c)
{
	__u32 count = 0;
	int ret = sd_list(c->fd, list_ids, 64, &count);

	c->seq = count;
	return ret;
}

static bool list_ok(struct ctx *c)
{
	__u32 i;
	bool ok = c->seq == c->aux, found = false;

	for (i = 0; i < c->seq && i < 64; i++)
		found |= list_ids[i] == c->base_id;
	ok &= found;
	if (!ok)
		c->why = "LIST count or ids wrong";
	close_fd(c);
	return ok;
}

static bool list_failed(struct ctx *c, int err)
{
	(void)err;
	close_fd(c);
	return true;
}

/* DESTROY */
static int destroy_prep(struct ctx *c)
{
	int fd = sd_new_region(c->name, 2 * page_size(), 1, 0600, &c->aux);

	if (fd < 0)
		return fd;
	close(fd);
	c->fd = shmdev_open(O_RDONLY);
	return c->fd < 0 ? -errno : 0;
}

static int destroy_run(struct ctx *c)
{
	return sd_destroy_name(c->fd, c->name);
}

static bool destroy_ok(struct ctx *c)
{
	struct shmdev_info info;
	bool ok = sd_info_id(c->fd, c->aux, &info) == -ENOENT;

	if (!ok)
		c->why = "the region is still there after DESTROY";
	close_fd(c);
	return ok && name_free(c);
}

static bool destroy_failed(struct ctx *c, int err)
{
	struct shmdev_info info;
	bool ok = sd_info_id(c->fd, c->aux, &info) == 0 &&
		  !(info.region_flags & SHMDEV_REGION_DESTROYED);

	(void)err;
	if (!ok)
		c->why = "a failed DESTROY removed the region";
	sd_destroy_name(c->fd, c->name);
	close_fd(c);
	return ok;
}

/* NOTIFY, WAIT, ACK */
static __u64 seq0(struct ctx *c)
{
	struct shmdev_info info;

	return sd_info(c->fd, &info) ? ~0ULL : info.seq[0];
}

static int notify_prep(struct ctx *c)
{
	int ret = attached_fd(c, true);

	if (!ret)
		c->aux = seq0(c);
	return ret;
}

static int notify_run(struct ctx *c)
{
	return sd_notify(c->fd, 0, &c->seq);
}

static bool notify_ok(struct ctx *c)
{
	bool ok = c->seq == c->aux + 1 && seq0(c) == c->aux + 1;

	if (!ok)
		c->why = "NOTIFY did not advance the sequence by one";
	close_fd(c);
	return ok;
}

static bool notify_failed(struct ctx *c, int err)
{
	bool ok = seq0(c) == c->aux;

	(void)err;
	if (!ok)
		c->why = "a failed NOTIFY changed the sequence";
	close_fd(c);
	return ok;
}

static int wait_run(struct ctx *c)
{
	int ret;

	c->seq = c->aux;
	ret = sd_wait(c->fd, 0, 0, &c->seq, 1000000);
	return ret == -ETIMEDOUT ? 0 : ret;	/* timing out is the normal result */
}

static bool wait_ok(struct ctx *c)
{
	bool ok = c->seq == c->aux;

	if (!ok)
		c->why = "WAIT returned another sequence";
	close_fd(c);
	return ok;
}

static int ack_prep(struct ctx *c)
{
	int ret = attached_fd(c, true);

	if (!ret)
		ret = sd_notify(c->fd, 0, NULL);
	return ret;
}

static int ack_run(struct ctx *c)
{
	return sd_ack(c->fd, 1, &c->seq);
}

static bool ack_ok(struct ctx *c)
{
	__u64 pending = 0;
	bool ok = c->seq == 1 && sd_ack(c->fd, 1, &pending) == 0 && pending == 0;

	if (!ok)
		c->why = "ACK did not report and clear channel 0";
	close_fd(c);
	return ok;
}

static bool ack_failed(struct ctx *c, int err)
{
	__u64 pending = 0;
	bool ok = sd_ack(c->fd, 1, &pending) == 0 && pending == 1;

	(void)err;
	if (!ok)
		c->why = "a failed ACK acknowledged";
	close_fd(c);
	return ok;
}

/* mmap + touch every page (the base region holds a pattern) */
static __u32 base_mappings(struct ctx *c)
{
	struct shmdev_info info;

	return sd_info(c->fd, &info) ? ~0U : info.nr_mappings;
}

static int mmap_prep(struct ctx *c)
{
	int ret = attached_fd(c, false);

	if (!ret)
		c->aux = base_mappings(c);
	c->map = NULL;
	return ret;
}

static int mmap_run(struct ctx *c)
{
	size_t len = BASE_PAGES * page_size(), off;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	for (off = 0; off < len; off += page_size())
		(void)*(volatile char *)(p + off);	/* a failed fault is retried */
	c->map = p;
	return 0;
}

static bool mmap_ok(struct ctx *c)
{
	size_t len = BASE_PAGES * page_size();
	bool ok = check_pattern(c->map, len, 42) < 0 && base_mappings(c) == c->aux + 1;

	if (!ok)
		c->why = "mapping shows wrong data or nr_mappings";
	munmap(c->map, len);
	close_fd(c);
	return ok;
}

static bool mmap_failed(struct ctx *c, int err)
{
	bool ok = base_mappings(c) == c->aux;

	(void)err;
	if (!ok)
		c->why = "a failed mmap changed nr_mappings";
	close_fd(c);
	return ok;
}

static struct fop fops[] = {
	{ .name = "open", .prepare = open_prep, .run = open_run, .check_ok = open_ok, .check_failed = open_failed },
	{ .name = "CREATE 1 page", .prepare = create_prep, .run = create1_run, .check_ok = create_ok, .check_failed = create_failed },
	{ .name = "CREATE 64 pages", .prepare = create_prep, .run = create64_run, .check_ok = create_ok, .check_failed = create_failed },
	{ .name = "ATTACH by name", .prepare = attach_prep, .run = attach_name_run, .check_ok = attach_ok, .check_failed = attach_failed },
	{ .name = "ATTACH by id", .prepare = attach_prep, .run = attach_id_run, .check_ok = attach_ok, .check_failed = attach_failed },
	{ .name = "INFO", .prepare = info_prep, .run = info_run, .check_ok = info_ok, .check_failed = info_failed },
	{ .name = "INFO by id", .prepare = info_prep, .run = info_id_run, .check_ok = info_ok, .check_failed = info_failed },
	{ .name = "LIST", .prepare = list_prep, .run = list_run, .check_ok = list_ok, .check_failed = list_failed },
	{ .name = "DESTROY", .prepare = destroy_prep, .run = destroy_run, .check_ok = destroy_ok, .check_failed = destroy_failed },
	{ .name = "NOTIFY", .prepare = notify_prep, .run = notify_run, .check_ok = notify_ok, .check_failed = notify_failed },
	{ .name = "WAIT", .prepare = notify_prep, .run = wait_run, .check_ok = wait_ok, .check_failed = notify_failed },
	{ .name = "ACK", .prepare = ack_prep, .run = ack_run, .check_ok = ack_ok, .check_failed = ack_failed },
	{ .name = "mmap+touch", .prepare = mmap_prep, .run = mmap_run, .check_ok = mmap_ok, .check_failed = mmap_failed },
};
#define NR_FOPS (sizeof(fops) / sizeof(fops[0]))

FIXTURE(fault) {
	char saved[NR_KNOBS][32];
	bool have_saved;
	struct ctx c;
};

FIXTURE_SETUP(fault)
{
	unsigned int i;
	int ret;

	self->have_saved = false;
	if (access(DBG "failslab", F_OK) || access(DBG "fail_page_alloc", F_OK))
		SKIP(return, "no %sfailslab or %sfail_page_alloc (kernel without fault injection debugfs)",
		     DBG, DBG);
	if (access(FAIL_NTH, W_OK))
		SKIP(return, "no writable %s", FAIL_NTH);
	for (i = 0; i < NR_KNOBS; i++) {
		ret = read_str(knobs[i], self->saved[i], sizeof(self->saved[i]));
		if (ret)
			ksft_print_msg("cannot read %s: %d\n", knobs[i], ret);
		ASSERT_EQ(0, ret);
	}
	self->have_saved = true;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		ret = write_str(settings[i][0], settings[i][1]);
		if (ret)
			ksft_print_msg("cannot set %s: %d\n", settings[i][0], ret);
		ASSERT_EQ(0, ret);
	}
	nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_GE(nth_fd, 0);

	memset(&self->c, 0, sizeof(self->c));
	self->c.fd = -1;
	self->c.usercopy = access(DBG "fail_usercopy", F_OK) == 0;
	shmdev_name(self->c.base, "fault-base");
	shmdev_name(self->c.name, "fault");
}

/* In the harness parent: restore every fault-injection knob, drop the regions. */
FIXTURE_TEARDOWN_PARENT(fault)
{
	unsigned int i;

	if (self->have_saved)
		for (i = 0; i < NR_KNOBS; i++)
			if (write_str(knobs[i], self->saved[i]))
				fprintf(stderr, "# could not restore %s to %s\n",
					knobs[i], self->saved[i]);
	sd_cleanup_name(self->c.base);
	sd_cleanup_name(self->c.name);
}

/*
 * Every allocation on the path of open, CREATE (1 and 64 pages), ATTACH,
 * INFO, LIST, DESTROY, NOTIFY, WAIT, ACK and mmap+touch is failed in turn:
 * each call succeeds correctly or fails with ENOMEM (EFAULT only with
 * fail_usercopy) leaving counters, LIST, attach state and names unchanged.
 */
TEST_F_TIMEOUT(fault, every_allocation, 280)
{
	struct ctx *c = &self->c;
	unsigned long long total = 0;
	struct state before, after;
	unsigned int i;
	int base_fd, n, ret, left;
	char *p;

	base_fd = sd_new_region(c->base, BASE_PAGES * page_size(), 2, 0600, &c->base_id);
	ASSERT_GE(base_fd, 0);
	p = mmap(NULL, BASE_PAGES * page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, base_fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pattern(p, BASE_PAGES * page_size(), 42);
	munmap(p, BASE_PAGES * page_size());
	/* base_fd stays open: the base region lives through the test */

	for (i = 0; i < NR_FOPS; i++) {
		struct fop *f = &fops[i];

		for (n = 1; n <= MAX_NTH; n++) {
			c->why = NULL;
			ASSERT_EQ(0, f->prepare(c)) TH_LOG("%s: setup failed", f->name);
			snap(&before);
			inject_nth(n);
			ret = f->run(c);
			left = nth_left_disarm();
			snap(&after);

			if (left == 0)
				f->injected++;
			if (ret == 0) {
				if (left == 0)
					f->absorbed++;
				ASSERT_TRUE(f->check_ok(c))
					TH_LOG("%s, point %d: success but %s", f->name, n,
					       c->why ?: "wrong effect");
			} else {
				ASSERT_EQ(0, left)
					TH_LOG("%s failed with %d without an injected failure", f->name, ret);
				ASSERT_TRUE(ret == -ENOMEM || (ret == -EFAULT && c->usercopy))
					TH_LOG("%s, point %d: errno %d (%s)", f->name, n, -ret,
					       strerror(-ret));
				EXPECT_TRUE(same_state(&before, &after))
					TH_LOG("%s, point %d: failed but LIST %ld->%ld regions %lld->%lld bytes %lld->%lld",
					       f->name, n, before.list, after.list, before.regions,
					       after.regions, before.bytes, after.bytes);
				ASSERT_TRUE(f->check_failed(c, ret))
					TH_LOG("%s, point %d: %s", f->name, n, c->why ?: "state changed");
			}
			if (left != 0) {	/* the call used fewer than n points: done */
				f->points = n - 1;
				f->complete = true;
				break;
			}
		}
		if (!f->complete)
			f->points = MAX_NTH;
		total += f->injected - f->absorbed;
		ksft_print_msg("fault: %-16s %3llu injection points%s, %3llu failed the call (ENOMEM), %llu absorbed\n",
			       f->name, f->points, f->complete ? "" : "+ (sweep capped)",
			       f->injected - f->absorbed, f->absorbed);
	}
	ksft_print_msg("fault: %llu injected failures made a call fail, all cleanly\n", total);
	/* CREATE allocates (region, inode, pages): injection must have bitten there */
	EXPECT_GE(fops[1].injected - fops[1].absorbed, 2ULL);
	EXPECT_GE(fops[2].injected - fops[2].absorbed, 64ULL);

	ASSERT_EQ(0, sd_destroy_name(base_fd, c->base));
	close(base_fd);
}

TEST_HARNESS_MAIN
