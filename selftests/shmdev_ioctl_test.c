// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev ioctl ABI tests: API query, create/attach/info/destroy/list happy
 * paths, and one test per validation rule of uapi/linux/shmdev.h.  Every
 * failing call is also checked to change nothing (LIST count and the
 * sysfs regions/bytes_in_use counters).
 */
#define _GNU_SOURCE
#include <stddef.h>

#include <sched.h>

#include "shmdev_common.h"

#define REGION_PAGES	2
#define REGION_CH	4

FIXTURE(ioctl) {
	int fd;		/* attached read-write to the fixture's region */
	int ufd;	/* open O_RDWR, never attached */
	__u64 id;
	char name[SHMDEV_NAME_MAX];
	long count0;
	long long regions0;
	long long bytes0;
};

FIXTURE_SETUP(ioctl)
{
	self->ufd = -1;
	self->fd = shmdev_open(O_RDWR);
	ASSERT_GE(self->fd, 0);
	self->ufd = shmdev_open(O_RDWR);
	ASSERT_GE(self->ufd, 0);
	shmdev_name(self->name, "io");
	ASSERT_EQ(0, sd_create(self->fd, self->name, REGION_PAGES * page_size(),
			       REGION_CH, 0600, &self->id));
	self->count0 = sd_list_count(self->ufd);
	ASSERT_GE(self->count0, 1);
	self->regions0 = sd_regions();
	ASSERT_GE(self->regions0, 1);
	self->bytes0 = sd_bytes_in_use();
	ASSERT_GE(self->bytes0, REGION_PAGES * page_size());
}

FIXTURE_TEARDOWN(ioctl)
{
	if (self->ufd >= 0) {
		sd_destroy_id(self->ufd, self->id);
		close(self->ufd);
	}
	if (self->fd >= 0)
		close(self->fd);
}

/* A failed call must leave the set of regions and the memory accounting alone. */
#define ASSERT_NOTHING_CHANGED() do {					\
	ASSERT_EQ(self->count0, sd_list_count(self->ufd));		\
	ASSERT_EQ(self->regions0, sd_regions());			\
	ASSERT_EQ(self->bytes0, sd_bytes_in_use());			\
} while (0)

/* Every single undefined bit of a 32-bit flags field, then ~0. */
static int bad_flags(__u32 mask, __u32 *out)
{
	int i, n = 0;

	for (i = 0; i < 32; i++)
		if (!(mask & (1U << i)))
			out[n++] = 1U << i;
	out[n++] = ~0U;
	return n;
}

/* Issue @cmd with its size replaced by @size; @buf must hold max(size, 1024). */
static int ioctl_sized(int fd, unsigned long cmd, size_t size, void *buf)
{
	unsigned long c = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);

	return ret_errno(ioctl(fd, c, buf));
}

/*
 * Copy @s (the header's struct, @base bytes) into a buffer @extra bytes
 * longer whose tail is zero except its last byte = @tail, issue @cmd with
 * that size, copy the known part back.
 */
static int ioctl_grown(int fd, unsigned long cmd, void *s, size_t extra,
		       unsigned char tail)
{
	size_t base = _IOC_SIZE(cmd);
	unsigned char buf[1024] __attribute__((aligned(8)));
	int ret;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, s, base);
	buf[base + extra - 1] = tail;
	ret = ioctl_sized(fd, cmd, base + extra, buf);
	memcpy(s, buf, base);
	return ret;
}

static const struct {
	const char *name;
	unsigned long cmd;
} all_cmds[] = {
	{ "API", SHMDEV_IOC_API },
	{ "CREATE", SHMDEV_IOC_CREATE },
	{ "ATTACH", SHMDEV_IOC_ATTACH },
	{ "INFO", SHMDEV_IOC_INFO },
	{ "DESTROY", SHMDEV_IOC_DESTROY },
	{ "LIST", SHMDEV_IOC_LIST },
	{ "NOTIFY", SHMDEV_IOC_NOTIFY },
	{ "WAIT", SHMDEV_IOC_WAIT },
	{ "ACK", SHMDEV_IOC_ACK },
	{ "WAITV", SHMDEV_IOC_WAITV },
	{ "POLL_MASK", SHMDEV_IOC_POLL_MASK },
};

static __u64 seq_of(int fd, __u32 ch)
{
	struct shmdev_info info;

	if (sd_info(fd, &info))
		return ~0ULL;
	return info.seq[ch];
}

/* ---------------------------------------------------------------- API */

/* SHMDEV_IOC_API reports version 1, exactly the 14 commands, the flag masks and limits. */
TEST_F(ioctl, api_reports_capabilities)
{
	struct shmdev_api api;

	memset(&api, 0, sizeof(api));
	ASSERT_EQ(0, ret_errno(ioctl(self->ufd, SHMDEV_IOC_API, &api)));
	EXPECT_EQ((__u32)SHMDEV_API_VERSION, api.version);
	EXPECT_EQ((1ULL << (_IOC_NR(SHMDEV_IOC_POLL_MASK) + 1)) - 1, api.ioctls);
	EXPECT_EQ(0x3fffULL, api.ioctls);
	EXPECT_EQ(SHMDEV_CREATE_FLAGS_MASK, api.create_flags);
	EXPECT_EQ(SHMDEV_ATTACH_FLAGS_MASK, api.attach_flags);
	EXPECT_EQ(SHMDEV_WAIT_FLAGS_MASK, api.wait_flags);
	EXPECT_EQ((__u64)(sd_param("max_region_bytes") / page_size() * page_size()),
		  api.max_region_size);
	EXPECT_EQ((__u32)SHMDEV_MAX_CHANNELS, api.max_channels);
	EXPECT_EQ((__u32)page_size(), api.page_size);
	EXPECT_EQ((__u64)(2u << 20), api.huge_page_size);
}

/* API with any non-zero output field on input fails with EINVAL. */
TEST_F(ioctl, api_nonzero_output_field_einval)
{
	static const size_t offs[] = {
		offsetof(struct shmdev_api, version),
		offsetof(struct shmdev_api, ioctls),
		offsetof(struct shmdev_api, create_flags),
		offsetof(struct shmdev_api, attach_flags),
		offsetof(struct shmdev_api, wait_flags),
		offsetof(struct shmdev_api, max_region_size),
		offsetof(struct shmdev_api, max_channels),
		offsetof(struct shmdev_api, page_size),
		offsetof(struct shmdev_api, huge_page_size),
		offsetof(struct shmdev_api, ctl_offset),
		offsetof(struct shmdev_api, ctl_size),
		offsetof(struct shmdev_api, ctl_channel_size),
	};
	struct shmdev_api api;
	size_t i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memset(&api, 0, sizeof(api));
		((unsigned char *)&api)[offs[i]] = 1;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_API, &api)))
			TH_LOG("api field at offset %zu", offs[i]);
	}
}

/* API reports the control page: at SHMDEV_CTL_OFFSET, one page, 64 bytes a channel. */
TEST_F(ioctl, api_reports_control_page)
{
	struct shmdev_api api;

	memset(&api, 0, sizeof(api));
	ASSERT_EQ(0, ret_errno(ioctl(self->ufd, SHMDEV_IOC_API, &api)));
	EXPECT_EQ(SHMDEV_CTL_OFFSET, api.ctl_offset);
	EXPECT_EQ((__u32)page_size(), api.ctl_size);
	EXPECT_EQ(64u, api.ctl_channel_size);
	EXPECT_EQ(sizeof(struct shmdev_ctl_channel), (size_t)api.ctl_channel_size);
	EXPECT_GE(api.ctl_size, sizeof(struct shmdev_ctl_page));
}

/* API takes each published struct size (56, 64, 80), fills it, and writes nothing past it. */
TEST_F(ioctl, api_every_published_size)
{
	static const size_t sizes[] = {
		SHMDEV_API_SIZE_VER0, SHMDEV_API_SIZE_VER1,
		sizeof(struct shmdev_api),
	};
	unsigned char buf[sizeof(struct shmdev_api) + 16] __attribute__((aligned(8)));
	struct shmdev_api api;
	size_t i, j;

	ASSERT_EQ(80u, sizeof(struct shmdev_api));
	memset(&api, 0, sizeof(api));
	ASSERT_EQ(0, ret_errno(ioctl(self->ufd, SHMDEV_IOC_API, &api)));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(buf, 0xee, sizeof(buf));
		memset(buf, 0, sizes[i]);
		EXPECT_EQ(0, ioctl_sized(self->ufd, SHMDEV_IOC_API, sizes[i], buf))
			TH_LOG("size %zu", sizes[i]);
		EXPECT_EQ(0, memcmp(buf, &api, sizes[i])) TH_LOG("size %zu", sizes[i]);
		for (j = sizes[i]; j < sizeof(buf); j++)
			ASSERT_EQ(0xee, buf[j]) TH_LOG("size %zu: byte %zu written", sizes[i], j);
	}
}

/* API with each unknown flag bit (and ~0) fails with EINVAL. */
TEST_F(ioctl, api_unknown_flags_einval)
{
	__u32 bad[33];
	int i, n = bad_flags(0, bad);
	struct shmdev_api api;

	for (i = 0; i < n; i++) {
		memset(&api, 0, sizeof(api));
		api.flags = bad[i];
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_API, &api)))
			TH_LOG("flags 0x%x", bad[i]);
	}
}

/* ------------------------------------------------------- happy paths */

/* CREATE reports NEW and an id; INFO on the attached fd describes the region exactly. */
TEST_F(ioctl, create_and_info_fields)
{
	struct shmdev_create c;
	struct shmdev_info info;
	char name[SHMDEV_NAME_MAX];
	int fd = shmdev_open(O_RDWR);
	size_t i;

	ASSERT_GE(fd, 0);
	shmdev_name(name, "info");
	/* one byte past a page: must be rounded up to two pages */
	ASSERT_EQ(0, sd_create_full(fd, name, page_size() + 1, 7, 0640, 0, &c));
	EXPECT_EQ(SHMDEV_CREATE_RESULT_NEW, c.result_flags);
	EXPECT_NE(self->id, c.id);

	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ(c.id, info.id);
	EXPECT_EQ(0U, info.region_flags);
	EXPECT_EQ((__u64)(2 * page_size()), info.size);
	EXPECT_EQ((__u32)getuid(), info.uid);
	EXPECT_EQ((__u32)getgid(), info.gid);
	EXPECT_EQ((__u32)getuid(), info.cuid);
	EXPECT_EQ((__u32)getgid(), info.cgid);
	EXPECT_EQ(0640U, info.mode);
	EXPECT_EQ(7U, info.nr_channels);
	EXPECT_EQ(1U, info.nr_attached);
	EXPECT_EQ(0U, info.nr_mappings);
	EXPECT_EQ(0, strcmp(name, info.name));
	for (i = strlen(name); i < SHMDEV_NAME_MAX; i++)
		EXPECT_EQ(0, info.name[i]) TH_LOG("name byte %zu not zero", i);
	for (i = 7; i < SHMDEV_MAX_CHANNELS; i++)
		EXPECT_EQ(0ULL, info.seq[i]) TH_LOG("seq[%zu]", i);
	EXPECT_EQ(self->count0 + 1, sd_list_count(fd));
	EXPECT_EQ(self->regions0 + 1, sd_regions());
	EXPECT_EQ(self->bytes0 + 2 * page_size(), sd_bytes_in_use());
	EXPECT_EQ(0, sd_destroy_id(fd, c.id));
	close(fd);
}

/*
 * cpid, lpid, ctime, atime and dtime follow shmat()/shmdt(): the creator
 * and creation time stay, each attach and each close of an attached file
 * moves lpid and atime or dtime.
 */
TEST_F(ioctl, info_pids_and_times)
{
	struct shmdev_info info;
	char name[SHMDEV_NAME_MAX];
	time_t t0 = time(NULL), t1;
	int fd, up[2], down[2];
	pid_t pid;
	__u64 id;
	char c;

	shmdev_name(name, "stamp");
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		fd = sd_new_region(name, page_size(), 1, 0600, NULL);
		/* tell the parent, then keep the file until it says so */
		if (fd < 0 || write(up[1], "c", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(0);	/* exit closes the attached file */
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, name, SHMDEV_ATTACH_RDONLY, &id));
	t1 = time(NULL);
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ((__u32)pid, info.cpid);
	EXPECT_EQ((__u32)getpid(), info.lpid);
	EXPECT_GE(info.ctime, (__s64)t0);
	EXPECT_LE(info.ctime, (__s64)t1);
	EXPECT_GE(info.atime, info.ctime);
	EXPECT_LE(info.atime, (__s64)t1);
	EXPECT_EQ(0, info.dtime);

	ASSERT_EQ(1, write(down[1], "x", 1));
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ((__u32)pid, info.cpid);
	EXPECT_EQ((__u32)pid, info.lpid) TH_LOG("the child's close sets lpid");
	EXPECT_GE(info.dtime, info.atime);
	EXPECT_LE(info.dtime, (__s64)time(NULL));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	EXPECT_EQ(0, sd_destroy_id(fd, id));
	close(fd);
}

/* A process in a new pid namespace sees 0 for a creator outside it. */
TEST_F(ioctl, info_cpid_outside_pid_namespace_zero)
{
	pid_t pid;

	if (unshare(CLONE_NEWPID))
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(errno));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct shmdev_info info;

		/* pid 1 of the new namespace; the region's creator is outside */
		if (sd_info_id(self->ufd, self->id, &info))
			_exit(2);
		_exit(getpid() == 1 && info.cpid == 0 && info.lpid == 0 ? 0 : 1);
	}
	EXPECT_EQ(0, reap(pid));
}

/* INFO still takes the first version's struct and writes nothing past it. */
TEST_F(ioctl, info_first_version_struct)
{
	unsigned char v0[SHMDEV_INFO_SIZE_VER0 + 8] __attribute__((aligned(8)));
	struct shmdev_info info;
	unsigned long cmd;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sd_info(self->fd, &info));
	memset(v0, 0xee, sizeof(v0));
	memset(v0, 0, SHMDEV_INFO_SIZE_VER0);
	cmd = _IOC(_IOC_READ | _IOC_WRITE, SHMDEV_IOC_MAGIC,
		   _IOC_NR(SHMDEV_IOC_INFO), SHMDEV_INFO_SIZE_VER0);
	ASSERT_EQ(0, ret_errno(ioctl(self->fd, cmd, v0)));
	EXPECT_EQ(0, memcmp(v0, &info, SHMDEV_INFO_SIZE_VER0));
	EXPECT_EQ(0xee, v0[SHMDEV_INFO_SIZE_VER0]);
}

/* The kernel writes no byte past the struct size encoded in the command. */
TEST_F(ioctl, info_writes_nothing_past_struct)
{
	unsigned char buf[sizeof(struct shmdev_info) + 64] __attribute__((aligned(8)));
	struct shmdev_info *info = (void *)buf;
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	memset(info, 0, sizeof(*info));
	ASSERT_EQ(0, ret_errno(ioctl(self->fd, SHMDEV_IOC_INFO, info)));
	EXPECT_EQ(self->id, info->id);
	for (i = sizeof(*info); i < sizeof(buf); i++)
		ASSERT_EQ(0xa5, buf[i]);
}

/* INFO's seq[] reflects NOTIFY per channel and is zero from nr_channels on. */
TEST_F(ioctl, info_seq_entries)
{
	struct shmdev_info before, after;
	int ch;

	ASSERT_EQ(0, sd_info(self->fd, &before));
	for (ch = 0; ch < REGION_CH; ch++) {
		int k;

		for (k = 0; k <= ch; k++)
			ASSERT_EQ(0, sd_notify(self->fd, ch, NULL));
	}
	ASSERT_EQ(0, sd_info_id(self->ufd, self->id, &after));
	for (ch = 0; ch < REGION_CH; ch++)
		EXPECT_EQ(before.seq[ch] + ch + 1, after.seq[ch]);
	for (ch = REGION_CH; ch < SHMDEV_MAX_CHANNELS; ch++)
		EXPECT_EQ(0ULL, after.seq[ch]);
}

/* INFO by id works on an unattached fd and matches the attached view. */
TEST_F(ioctl, info_by_id_unattached)
{
	struct shmdev_info a, b;

	ASSERT_EQ(0, sd_info(self->fd, &a));
	ASSERT_EQ(0, sd_info_id(self->ufd, self->id, &b));
	EXPECT_EQ(0, memcmp(&a, &b, offsetof(struct shmdev_info, flags)));
	EXPECT_EQ(a.region_flags, b.region_flags);
	EXPECT_EQ(0, memcmp(&a.size, &b.size,
			    sizeof(a) - offsetof(struct shmdev_info, size)));
}

/* ATTACH by name returns the id; by id works too; nr_attached counts open files. */
TEST_F(ioctl, attach_by_name_and_id)
{
	struct shmdev_info info;
	int a = shmdev_open(O_RDWR), b = shmdev_open(O_RDWR);
	__u64 id = 0;

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(0, sd_attach_name(a, self->name, 0, &id));
	EXPECT_EQ(self->id, id);
	ASSERT_EQ(0, sd_attach_id(b, self->id, 0));
	ASSERT_EQ(0, sd_info(b, &info));
	EXPECT_EQ(self->id, info.id);
	EXPECT_EQ(3U, info.nr_attached);
	EXPECT_EQ(0U, info.region_flags);
	close(a);
	ASSERT_EQ(0, sd_info(b, &info));
	EXPECT_EQ(2U, info.nr_attached);
	close(b);
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(1U, info.nr_attached);
	ASSERT_NOTHING_CHANGED();
}

/* A read-only attach (even on an O_RDONLY fd) is reported by REGION_RDONLY. */
TEST_F(ioctl, attach_rdonly_flag)
{
	struct shmdev_info info;
	int fd = shmdev_open(O_RDONLY);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, SHMDEV_ATTACH_RDONLY, NULL));
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ(SHMDEV_REGION_RDONLY, info.region_flags);
	/* the flag is per file: the creator's fd is read-write */
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(0U, info.region_flags);
	close(fd);
}

/* CREATE|OPEN on an existing name opens it (no NEW, same id, size not shrunk). */
TEST_F(ioctl, create_open_existing)
{
	struct shmdev_create c;
	struct shmdev_info info;
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_create_full(fd, self->name, 1, 1, 0666,
				    SHMDEV_CREATE_OPEN, &c));
	EXPECT_EQ(0U, c.result_flags);
	EXPECT_EQ(self->id, c.id);
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ(self->id, info.id);
	EXPECT_EQ((__u64)(REGION_PAGES * page_size()), info.size);
	EXPECT_EQ((__u32)REGION_CH, info.nr_channels);
	EXPECT_EQ(0600U, info.mode);	/* mode ignored when opening */
	EXPECT_EQ(0U, info.region_flags);
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* CREATE|OPEN on a new name creates it and reports NEW. */
TEST_F(ioctl, create_open_new)
{
	struct shmdev_create c;
	char name[SHMDEV_NAME_MAX];
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	shmdev_name(name, "open");
	ASSERT_EQ(0, sd_create_full(fd, name, page_size(), 1, 0600,
				    SHMDEV_CREATE_OPEN, &c));
	EXPECT_EQ(SHMDEV_CREATE_RESULT_NEW, c.result_flags);
	EXPECT_EQ(self->count0 + 1, sd_list_count(fd));
	EXPECT_EQ(0, sd_destroy_id(fd, c.id));
	close(fd);
}

/* CREATE|OPEN asking for more bytes than the existing region has: EINVAL. */
TEST_F(ioctl, create_open_larger_size_einval)
{
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, sd_create_full(fd, self->name,
					  REGION_PAGES * page_size() + 1,
					  1, 0600, SHMDEV_CREATE_OPEN, NULL));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* CREATE|OPEN asking for more channels than the existing region has: EINVAL. */
TEST_F(ioctl, create_open_more_channels_einval)
{
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, sd_create_full(fd, self->name, page_size(),
					  REGION_CH + 1, 0600,
					  SHMDEV_CREATE_OPEN, NULL));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* CREATE of an existing name without OPEN: EEXIST. */
TEST_F(ioctl, create_existing_eexist)
{
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EEXIST, sd_create(fd, self->name, page_size(), 1, 0600, NULL));
	/* the fd stayed unattached */
	EXPECT_EQ(-ENXIO, sd_notify(fd, 0, NULL));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* A 63-byte name (the maximum) and 64 channels (the maximum) are accepted. */
TEST_F(ioctl, create_max_name_and_channels)
{
	struct shmdev_info info;
	char name[SHMDEV_NAME_MAX];
	int fd = shmdev_open(O_RDWR);
	__u64 id;

	ASSERT_GE(fd, 0);
	memset(name, 0, sizeof(name));
	shmdev_name(name, "max");
	memset(name + strlen(name), 'x', SHMDEV_NAME_MAX - 1 - strlen(name));
	ASSERT_EQ(63U, strlen(name));
	ASSERT_EQ(0, sd_create(fd, name, page_size(), SHMDEV_MAX_CHANNELS,
			       0777, &id));
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ(0, memcmp(name, info.name, SHMDEV_NAME_MAX));
	EXPECT_EQ(64U, info.nr_channels);
	EXPECT_EQ(0777U, info.mode);
	EXPECT_EQ(0, sd_destroy_name(fd, name));
	close(fd);
}

/* DESTROY by name removes the name: LIST drops it, attach by name/id gives ENOENT. */
TEST_F(ioctl, destroy_by_name)
{
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_destroy_name(self->ufd, self->name));
	EXPECT_EQ(self->count0 - 1, sd_list_count(self->ufd));
	EXPECT_EQ(-ENOENT, sd_attach_name(fd, self->name, 0, NULL));
	EXPECT_EQ(-ENOENT, sd_attach_id(fd, self->id, 0));
	EXPECT_EQ(-ENOENT, sd_destroy_name(fd, self->name));
	EXPECT_EQ(-ENOENT, sd_destroy_id(fd, self->id));
	close(fd);
}

/* DESTROY by id; the still-attached fd's INFO shows REGION_DESTROYED. */
TEST_F(ioctl, destroy_by_id_sets_destroyed)
{
	struct shmdev_info info;

	ASSERT_EQ(0, sd_destroy_id(self->ufd, self->id));
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(self->id, info.id);
	EXPECT_EQ(SHMDEV_REGION_DESTROYED, info.region_flags & SHMDEV_REGION_DESTROYED);
	/* the memory stays until the fd is closed */
	EXPECT_EQ(self->count0 - 1, sd_list_count(self->ufd));
	EXPECT_EQ(self->regions0, sd_regions());
	EXPECT_EQ(self->bytes0, sd_bytes_in_use());
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(self->regions0 - 1, sysfs_settle(sd_regions, self->regions0 - 1));
	EXPECT_EQ(self->bytes0 - REGION_PAGES * page_size(),
		  sysfs_settle(sd_bytes_in_use, self->bytes0 - REGION_PAGES * page_size()));
}

/* A destroyed name can be created again and gets a new id. */
TEST_F(ioctl, destroyed_name_reusable_new_id)
{
	int fd = shmdev_open(O_RDWR);
	__u64 id;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_destroy_name(self->ufd, self->name));
	ASSERT_EQ(0, sd_create(fd, self->name, page_size(), 1, 0600, &id));
	EXPECT_NE(self->id, id);
	EXPECT_EQ(0, sd_destroy_id(fd, id));
	close(fd);
}

/* Ids are never reused, even after a region is fully freed. */
TEST_F(ioctl, ids_never_reused)
{
	__u64 ids[8];
	int i, j;

	ids[0] = self->id;
	for (i = 1; i < 8; i++) {
		char name[SHMDEV_NAME_MAX];
		int fd;

		shmdev_name(name, "reuse");
		fd = sd_new_region(name, page_size(), 1, 0600, &ids[i]);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, sd_destroy_id(fd, ids[i]));
		close(fd);
		for (j = 0; j < i; j++)
			ASSERT_NE(ids[j], ids[i]);
	}
	ASSERT_NOTHING_CHANGED();
}

/* LIST gives the live count and increasing ids; a short capacity writes only that many. */
TEST_F(ioctl, list_ids)
{
	__u64 made[3], all[1024], part[4];
	__u32 count = 0, cnt2 = 0, i, j, found = 0;
	int fds[3];

	for (i = 0; i < 3; i++) {
		char name[SHMDEV_NAME_MAX];

		shmdev_name(name, "list");
		fds[i] = sd_new_region(name, page_size(), 1, 0600, &made[i]);
		ASSERT_GE(fds[i], 0);
	}
	ASSERT_EQ(0, sd_list(self->ufd, all, 1024, &count));
	ASSERT_EQ((__u32)self->count0 + 3, count);
	for (i = 1; i < count; i++)
		ASSERT_LT(all[i - 1], all[i]);
	for (i = 0; i < count; i++)
		for (j = 0; j < 3; j++)
			found += all[i] == made[j];
	EXPECT_EQ(3U, found);

	/* capacity 2: count still complete, only the first two ids written */
	memset(part, 0xa5, sizeof(part));
	ASSERT_EQ(0, sd_list(self->ufd, part, 2, &cnt2));
	EXPECT_EQ(count, cnt2);
	EXPECT_EQ(all[0], part[0]);
	EXPECT_EQ(all[1], part[1]);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, part[2]);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, part[3]);

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, sd_destroy_id(fds[i], made[i]));
		close(fds[i]);
	}
	ASSERT_NOTHING_CHANGED();
}

/* LIST omits destroyed regions that are still held, sysfs regions still counts them. */
TEST_F(ioctl, list_excludes_destroyed)
{
	__u64 ids[1024];
	__u32 count, i;

	ASSERT_EQ(0, sd_destroy_id(self->ufd, self->id));
	ASSERT_EQ(0, sd_list(self->ufd, ids, 1024, &count));
	EXPECT_EQ((__u32)self->count0 - 1, count);
	for (i = 0; i < count && i < 1024; i++)
		EXPECT_NE(self->id, ids[i]);
	EXPECT_EQ(self->regions0, sd_regions());
}

/* ------------------------------------------------ name validation */

static void name_create_einval(struct __test_metadata *_metadata,
			       FIXTURE_DATA(ioctl) *self, const char name[64])
{
	struct shmdev_create c;
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	memset(&c, 0, sizeof(c));
	c.size = page_size();
	c.nr_channels = 1;
	c.mode = 0600;
	memcpy(c.name, name, SHMDEV_NAME_MAX);
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(fd, SHMDEV_IOC_CREATE, &c)));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* An empty name is rejected with EINVAL. */
TEST_F(ioctl, name_empty_einval)
{
	char name[64] = { 0 };

	name_create_einval(_metadata, self, name);
}

/* A name filling all 64 bytes without a NUL is rejected with EINVAL. */
TEST_F(ioctl, name_unterminated_einval)
{
	char name[64];

	memset(name, 'a', sizeof(name));
	name_create_einval(_metadata, self, name);
}

/* Bytes below 0x21 (space, control characters) are rejected with EINVAL. */
TEST_F(ioctl, name_byte_below_0x21_einval)
{
	static const char bad[] = { ' ', '\t', '\n', 0x01, 0x1f };
	size_t i;

	for (i = 0; i < sizeof(bad); i++) {
		char name[64] = "abc-def";

		name[3] = bad[i];
		name_create_einval(_metadata, self, name);
	}
}

/* Bytes above 0x7e (DEL, high bytes) are rejected with EINVAL. */
TEST_F(ioctl, name_byte_above_0x7e_einval)
{
	static const unsigned char bad[] = { 0x7f, 0x80, 0xc3, 0xff };
	size_t i;

	for (i = 0; i < sizeof(bad); i++) {
		char name[64] = "abc-def";

		name[3] = (char)bad[i];
		name_create_einval(_metadata, self, name);
	}
}

/* A '/' anywhere in the name is rejected with EINVAL. */
TEST_F(ioctl, name_slash_einval)
{
	char a[64] = "/abc", b[64] = "ab/c", c[64] = "abc/";

	name_create_einval(_metadata, self, a);
	name_create_einval(_metadata, self, b);
	name_create_einval(_metadata, self, c);
}

/* Non-zero bytes after the terminating NUL are rejected with EINVAL. */
TEST_F(ioctl, name_garbage_after_nul_einval)
{
	char a[64] = "abc", b[64] = "abc";

	a[4] = 'x';
	b[63] = 1;
	name_create_einval(_metadata, self, a);
	name_create_einval(_metadata, self, b);
}

/* ATTACH validates the name like CREATE: EINVAL, not ENOENT. */
TEST_F(ioctl, attach_invalid_name_einval)
{
	struct shmdev_attach a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "bad name");
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_ATTACH, &a)));
	memset(&a, 0, sizeof(a));
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_ATTACH, &a)));
	EXPECT_EQ(-ENXIO, sd_notify(self->ufd, 0, NULL));
	ASSERT_NOTHING_CHANGED();
}

/* DESTROY validates the name like CREATE: EINVAL, not ENOENT. */
TEST_F(ioctl, destroy_invalid_name_einval)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	strcpy(d.name, "a/b");
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_DESTROY, &d)));
	memset(&d, 0, sizeof(d));
	memcpy(d.name, self->name, strlen(self->name));
	d.name[strlen(self->name) + 1] = 'z';	/* garbage after the NUL */
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_DESTROY, &d)));
	ASSERT_NOTHING_CHANGED();
}

/* ------------------------------------------------ size / channels / mode */

static void create_expect(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ioctl) *self, __u64 size, __u32 nch,
			  __u32 mode, int want)
{
	char name[SHMDEV_NAME_MAX];
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	shmdev_name(name, "val");
	EXPECT_EQ(want, sd_create(fd, name, size, nch, mode, NULL))
		TH_LOG("size 0x%llx nr_channels %u mode 0%o",
		       (unsigned long long)size, nch, mode);
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* Size 0 is rejected with EINVAL. */
TEST_F(ioctl, size_zero_einval)
{
	create_expect(_metadata, self, 0, 1, 0600, -EINVAL);
}

/* One byte past max_region_bytes is rejected with E2BIG. */
TEST_F(ioctl, size_over_max_e2big)
{
	long long max = sd_param("max_region_bytes");

	ASSERT_GT(max, 0);
	create_expect(_metadata, self, max + 1, 1, 0600, -E2BIG);
	create_expect(_metadata, self, (__u64)max + page_size(), 1, 0600, -E2BIG);
}

/* UINT64_MAX is rejected with E2BIG. */
TEST_F(ioctl, size_u64_max_e2big)
{
	create_expect(_metadata, self, UINT64_MAX, 1, 0600, -E2BIG);
}

/* Sizes that overflow when rounded up to a page are rejected with E2BIG. */
TEST_F(ioctl, size_round_up_overflow_e2big)
{
	create_expect(_metadata, self, UINT64_MAX - page_size() + 2, 1, 0600, -E2BIG);
	create_expect(_metadata, self, (UINT64_MAX & ~(__u64)(page_size() - 1)) + 1,
		      1, 0600, -E2BIG);
	create_expect(_metadata, self, 1ULL << 63, 1, 0600, -E2BIG);
}

/* nr_channels 0 is rejected with EINVAL. */
TEST_F(ioctl, nr_channels_zero_einval)
{
	create_expect(_metadata, self, page_size(), 0, 0600, -EINVAL);
}

/* nr_channels above SHMDEV_MAX_CHANNELS is rejected with EINVAL. */
TEST_F(ioctl, nr_channels_over_max_einval)
{
	create_expect(_metadata, self, page_size(), SHMDEV_MAX_CHANNELS + 1, 0600, -EINVAL);
	create_expect(_metadata, self, page_size(), UINT32_MAX, 0600, -EINVAL);
}

/* mode bits outside 0777 (sticky, setgid, setuid, high bits) are rejected with EINVAL. */
TEST_F(ioctl, mode_extra_bits_einval)
{
	static const __u32 bad[] = { 01000, 02600, 04600, 010000, 0x80000000, ~0U };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		create_expect(_metadata, self, page_size(), 1, bad[i], -EINVAL);
}

/* ------------------------------------------------ flag sweeps */

/* CREATE with each unknown flag bit (and ~0) fails with EINVAL. */
TEST_F(ioctl, create_unknown_flags_einval)
{
	__u32 bad[33];
	int i, n = bad_flags(SHMDEV_CREATE_FLAGS_MASK, bad);

	for (i = 0; i < n; i++) {
		char name[SHMDEV_NAME_MAX];
		int fd = shmdev_open(O_RDWR);

		ASSERT_GE(fd, 0);
		shmdev_name(name, "flag");
		EXPECT_EQ(-EINVAL, sd_create_full(fd, name, page_size(), 1, 0600,
						  bad[i], NULL))
			TH_LOG("flags 0x%x", bad[i]);
		close(fd);
	}
	ASSERT_NOTHING_CHANGED();
}

/* ATTACH with each unknown flag bit (and ~0) fails with EINVAL. */
TEST_F(ioctl, attach_unknown_flags_einval)
{
	__u32 bad[33];
	int i, n = bad_flags(SHMDEV_ATTACH_FLAGS_MASK, bad);

	for (i = 0; i < n; i++) {
		int fd = shmdev_open(O_RDWR);

		ASSERT_GE(fd, 0);
		EXPECT_EQ(-EINVAL, sd_attach_name(fd, self->name, bad[i], NULL))
			TH_LOG("flags 0x%x", bad[i]);
		EXPECT_EQ(-ENXIO, sd_notify(fd, 0, NULL));
		close(fd);
	}
	ASSERT_NOTHING_CHANGED();
}

/* INFO with each unknown flag bit (and ~0) fails with EINVAL. */
TEST_F(ioctl, info_unknown_flags_einval)
{
	__u32 bad[33];
	int i, n = bad_flags(SHMDEV_INFO_FLAGS_MASK, bad);
	struct shmdev_info info;

	for (i = 0; i < n; i++) {
		memset(&info, 0, sizeof(info));
		info.flags = bad[i];
		if (bad[i] & SHMDEV_INFO_BY_ID)
			info.id = self->id;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_INFO, &info)))
			TH_LOG("flags 0x%x", bad[i]);
	}
}

/* DESTROY with each unknown flag bit (and ~0) fails with EINVAL and keeps the region. */
TEST_F(ioctl, destroy_unknown_flags_einval)
{
	__u32 bad[33];
	int i, n = bad_flags(SHMDEV_DESTROY_FLAGS_MASK, bad);
	struct shmdev_destroy d;

	for (i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		d.flags = bad[i];
		if (bad[i] & SHMDEV_DESTROY_BY_ID)
			d.id = self->id;
		else
			strcpy(d.name, self->name);
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_DESTROY, &d)))
			TH_LOG("flags 0x%x", bad[i]);
	}
	ASSERT_NOTHING_CHANGED();
}

/* NOTIFY with any non-zero flags fails with EINVAL and does not advance the channel. */
TEST_F(ioctl, notify_unknown_flags_einval)
{
	__u32 bad[33];
	int i, n = bad_flags(0, bad);
	__u64 seq = seq_of(self->fd, 0);
	struct shmdev_notify nt;

	for (i = 0; i < n; i++) {
		memset(&nt, 0, sizeof(nt));
		nt.flags = bad[i];
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_NOTIFY, &nt)))
			TH_LOG("flags 0x%x", bad[i]);
	}
	EXPECT_EQ(seq, seq_of(self->fd, 0));
}

/* WAIT with each unknown flag bit (and ~0) fails with EINVAL, not ETIMEDOUT. */
TEST_F(ioctl, wait_unknown_flags_einval)
{
	__u32 bad[33];
	int i, n = bad_flags(SHMDEV_WAIT_FLAGS_MASK, bad);
	struct shmdev_wait w;

	for (i = 0; i < n; i++) {
		memset(&w, 0, sizeof(w));
		w.flags = bad[i];
		w.seq = seq_of(self->fd, 0);
		w.timeout_ns = 0;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_WAIT, &w)))
			TH_LOG("flags 0x%x", bad[i]);
	}
}

/* ------------------------------------------ padding and output fields */

/* CREATE with a non-zero id (output) fails with EINVAL. */
TEST_F(ioctl, create_nonzero_id_einval)
{
	struct shmdev_create c;
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	memset(&c, 0, sizeof(c));
	c.size = page_size();
	c.nr_channels = 1;
	c.mode = 0600;
	c.id = 1;
	shmdev_name(c.name, "oid");
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(fd, SHMDEV_IOC_CREATE, &c)));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* CREATE with non-zero result_flags (output) fails with EINVAL. */
TEST_F(ioctl, create_nonzero_result_flags_einval)
{
	struct shmdev_create c;
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	memset(&c, 0, sizeof(c));
	c.size = page_size();
	c.nr_channels = 1;
	c.mode = 0600;
	c.result_flags = SHMDEV_CREATE_RESULT_NEW;
	shmdev_name(c.name, "orf");
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(fd, SHMDEV_IOC_CREATE, &c)));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* ATTACH by name with a non-zero id fails with EINVAL. */
TEST_F(ioctl, attach_by_name_nonzero_id_einval)
{
	struct shmdev_attach a;

	memset(&a, 0, sizeof(a));
	a.id = self->id;
	strcpy(a.name, self->name);
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_ATTACH, &a)));
	EXPECT_EQ(-ENXIO, sd_notify(self->ufd, 0, NULL));
	ASSERT_NOTHING_CHANGED();
}

/* ATTACH with non-zero __pad fails with EINVAL. */
TEST_F(ioctl, attach_nonzero_pad_einval)
{
	struct shmdev_attach a;

	memset(&a, 0, sizeof(a));
	a.__pad = 1;
	strcpy(a.name, self->name);
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_ATTACH, &a)));
	EXPECT_EQ(-ENXIO, sd_notify(self->ufd, 0, NULL));
}

/* ATTACH by id with a non-zero name fails with EINVAL. */
TEST_F(ioctl, attach_by_id_with_name_einval)
{
	struct shmdev_attach a;

	memset(&a, 0, sizeof(a));
	a.id = self->id;
	a.flags = SHMDEV_ATTACH_BY_ID;
	strcpy(a.name, self->name);
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_ATTACH, &a)));
	memset(&a, 0, sizeof(a));
	a.id = self->id;
	a.flags = SHMDEV_ATTACH_BY_ID;
	a.name[63] = 'x';
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_ATTACH, &a)));
	EXPECT_EQ(-ENXIO, sd_notify(self->ufd, 0, NULL));
}

/* DESTROY with non-zero __pad fails with EINVAL and keeps the region. */
TEST_F(ioctl, destroy_nonzero_pad_einval)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	d.__pad = 1;
	strcpy(d.name, self->name);
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_DESTROY, &d)));
	ASSERT_NOTHING_CHANGED();
}

/* DESTROY by name with a non-zero id fails with EINVAL and keeps the region. */
TEST_F(ioctl, destroy_by_name_nonzero_id_einval)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	d.id = self->id;
	strcpy(d.name, self->name);
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_DESTROY, &d)));
	ASSERT_NOTHING_CHANGED();
}

/* DESTROY by id with a non-zero name fails with EINVAL and keeps the region. */
TEST_F(ioctl, destroy_by_id_with_name_einval)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	d.id = self->id;
	d.flags = SHMDEV_DESTROY_BY_ID;
	strcpy(d.name, self->name);
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_DESTROY, &d)));
	ASSERT_NOTHING_CHANGED();
}

/* INFO without BY_ID but with a non-zero id fails with EINVAL. */
TEST_F(ioctl, info_nonzero_id_without_by_id_einval)
{
	struct shmdev_info info;

	memset(&info, 0, sizeof(info));
	info.id = self->id;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_INFO, &info)));
}

/* INFO with any non-zero output field (by id or attached) fails with EINVAL. */
TEST_F(ioctl, info_nonzero_output_field_einval)
{
	static const size_t offs[] = {
		offsetof(struct shmdev_info, region_flags),
		offsetof(struct shmdev_info, size),
		offsetof(struct shmdev_info, uid),
		offsetof(struct shmdev_info, gid),
		offsetof(struct shmdev_info, cuid),
		offsetof(struct shmdev_info, cgid),
		offsetof(struct shmdev_info, mode),
		offsetof(struct shmdev_info, nr_channels),
		offsetof(struct shmdev_info, nr_attached),
		offsetof(struct shmdev_info, nr_mappings),
		offsetof(struct shmdev_info, name),
		offsetof(struct shmdev_info, name) + SHMDEV_NAME_MAX - 1,
		offsetof(struct shmdev_info, seq),
		offsetof(struct shmdev_info, seq) + 8 * (SHMDEV_MAX_CHANNELS - 1) + 7,
		offsetof(struct shmdev_info, cpid),
		offsetof(struct shmdev_info, lpid),
		offsetof(struct shmdev_info, ctime),
		offsetof(struct shmdev_info, atime),
		offsetof(struct shmdev_info, dtime) + 7,
	};
	struct shmdev_info info;
	size_t i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memset(&info, 0, sizeof(info));
		((unsigned char *)&info)[offs[i]] = 1;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_INFO, &info)))
			TH_LOG("attached, offset %zu", offs[i]);
		memset(&info, 0, sizeof(info));
		info.id = self->id;
		info.flags = SHMDEV_INFO_BY_ID;
		((unsigned char *)&info)[offs[i]] = 1;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_INFO, &info)))
			TH_LOG("by id, offset %zu", offs[i]);
	}
}

/* LIST with a non-zero count (output) fails with EINVAL. */
TEST_F(ioctl, list_nonzero_count_einval)
{
	struct shmdev_list l;
	__u64 ids[4];

	memset(&l, 0, sizeof(l));
	l.count = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_LIST, &l)));
	memset(&l, 0, sizeof(l));
	l.ids_ptr = (uintptr_t)ids;
	l.capacity = 4;
	l.count = 0x80000000;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->ufd, SHMDEV_IOC_LIST, &l)));
}

/* LIST into an unmapped buffer fails with EFAULT (assumed; header is silent). */
TEST_F(ioctl, list_bad_pointer_efault)
{
	void *p = mmap(NULL, page_size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u32 count;

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, sd_list(self->ufd, p, 16, &count));
	munmap(p, page_size());
	ASSERT_NOTHING_CHANGED();
}

/* A read-only page holding a copy of @len bytes of @src, or MAP_FAILED. */
static void *readonly_copy(const void *src, size_t len)
{
	void *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return p;
	memcpy(p, src, len);
	if (mprotect(p, page_size(), PROT_READ)) {
		munmap(p, page_size());
		return MAP_FAILED;
	}
	return p;
}

/* CREATE whose argument cannot be written back: EFAULT, no region, file not attached. */
TEST_F(ioctl, create_unwritable_arg_efault_changes_nothing)
{
	char name[SHMDEV_NAME_MAX];
	struct shmdev_info info;
	struct shmdev_create c;
	void *p;

	shmdev_name(name, "rofault");
	memset(&c, 0, sizeof(c));
	c.size = page_size();
	c.nr_channels = 1;
	c.mode = 0600;
	copy_name(c.name, name);
	p = readonly_copy(&c, sizeof(c));
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(self->ufd, SHMDEV_IOC_CREATE, p)));
	munmap(p, page_size());
	ASSERT_NOTHING_CHANGED();
	EXPECT_EQ(-ENXIO, sd_info(self->ufd, &info));
	EXPECT_EQ(-ENOENT, sd_attach_name(self->ufd, name, 0, NULL));
}

/* ATTACH whose argument cannot be written back: EFAULT, the file stays unattached. */
TEST_F(ioctl, attach_unwritable_arg_efault_changes_nothing)
{
	struct shmdev_info info;
	struct shmdev_attach a;
	void *p;

	memset(&a, 0, sizeof(a));
	copy_name(a.name, self->name);
	p = readonly_copy(&a, sizeof(a));
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(self->ufd, SHMDEV_IOC_ATTACH, p)));
	munmap(p, page_size());
	EXPECT_EQ(-ENXIO, sd_info(self->ufd, &info));
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(1U, info.nr_attached);
}

/* NOTIFY whose argument cannot be written back: EFAULT, the sequence does not move. */
TEST_F(ioctl, notify_unwritable_arg_efault_changes_nothing)
{
	struct shmdev_notify n;
	struct shmdev_info info;
	void *p;

	memset(&n, 0, sizeof(n));
	n.channel = 1;
	p = readonly_copy(&n, sizeof(n));
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(self->fd, SHMDEV_IOC_NOTIFY, p)));
	munmap(p, page_size());
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(0ULL, info.seq[1]);
}

/*
 * Two pages: the first writable, the second read-only.  An argument of
 * @len bytes is placed so that its last @tail bytes lie in the second.
 */
static void *straddle(size_t len, size_t tail)
{
	char *p = mmap(NULL, 2 * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return p;
	if (mprotect(p + page_size(), page_size(), PROT_READ)) {
		munmap(p, 2 * page_size());
		return MAP_FAILED;
	}
	return p + page_size() - (len - tail);
}

/* NOTIFY at an address that is not 8-byte aligned works like any other. */
TEST_F(ioctl, notify_unaligned_arg)
{
	char buf[sizeof(struct shmdev_notify) + 8] __attribute__((aligned(8)));
	struct shmdev_notify n, *u = (void *)(buf + 4);
	__u64 seq = seq_of(self->fd, 1);

	memset(&n, 0, sizeof(n));
	n.channel = 1;
	memcpy(u, &n, sizeof(n));
	ASSERT_EQ(0, ioctl(self->fd, SHMDEV_IOC_NOTIFY, u));
	memcpy(&n, u, sizeof(n));
	EXPECT_EQ(seq + 1, n.seq);
	EXPECT_EQ(seq + 1, seq_of(self->fd, 1));
}

/* NOTIFY whose second word cannot be written: EFAULT, the sequence does not move. */
TEST_F(ioctl, notify_arg_half_unwritable_efault_changes_nothing)
{
	struct shmdev_notify n;
	__u64 seq = seq_of(self->fd, 1);
	char *p = straddle(sizeof(n), 8);

	ASSERT_NE(MAP_FAILED, (void *)p);
	memset(&n, 0, sizeof(n));
	n.channel = 1;
	memcpy(p, &n, 8);	/* the second word is zero already */
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(self->fd, SHMDEV_IOC_NOTIFY, p)));
	munmap(p + 8 - page_size(), 2 * page_size());
	EXPECT_EQ(seq, seq_of(self->fd, 1));
}

/* NOTIFY with a non-zero seq (output) fails with EINVAL and does not advance. */
TEST_F(ioctl, notify_nonzero_seq_einval)
{
	struct shmdev_notify nt;
	__u64 seq = seq_of(self->fd, 1);

	memset(&nt, 0, sizeof(nt));
	nt.channel = 1;
	nt.seq = seq + 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_NOTIFY, &nt)));
	EXPECT_EQ(seq, seq_of(self->fd, 1));
}

/* ACK with a non-zero pending (output) fails with EINVAL (header: output-only fields must be zero). */
TEST_F(ioctl, ack_nonzero_pending_einval)
{
	struct shmdev_ack a;

	memset(&a, 0, sizeof(a));
	a.channels = 1;
	a.pending = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_ACK, &a)));
}

/* ------------------------------------------------ POST, WAKE, WAITV, POLL_MASK */

static const unsigned long bad_channels[] = {
	REGION_CH, REGION_CH + 1, SHMDEV_MAX_CHANNELS, 1UL << 32, ~0UL,
};

/* POST of a channel at or past the region's count fails with EINVAL, advancing nothing. */
TEST_F(ioctl, post_bad_channel_einval)
{
	size_t i;
	__u32 c;

	for (i = 0; i < sizeof(bad_channels) / sizeof(bad_channels[0]); i++)
		EXPECT_EQ(-EINVAL, sd_post(self->fd, bad_channels[i]))
			TH_LOG("channel %#lx", bad_channels[i]);
	for (c = 0; c < REGION_CH; c++)
		EXPECT_EQ(0ULL, seq_of(self->fd, c));
}

/* WAKE of a channel at or past the region's count fails with EINVAL. */
TEST_F(ioctl, wake_bad_channel_einval)
{
	size_t i;

	for (i = 0; i < sizeof(bad_channels) / sizeof(bad_channels[0]); i++)
		EXPECT_EQ(-EINVAL, sd_wake(self->fd, bad_channels[i]))
			TH_LOG("channel %#lx", bad_channels[i]);
}

/* POST and WAKE encoded with a direction and a size are other commands: ENOTTY. */
TEST_F(ioctl, post_wake_with_struct_enotty)
{
	__u64 arg[8] = { 0 };

	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
		_IOW(SHMDEV_IOC_MAGIC, _IOC_NR(SHMDEV_IOC_POST), __u64), arg)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
		_IOWR(SHMDEV_IOC_MAGIC, _IOC_NR(SHMDEV_IOC_WAKE), __u64), arg)));
	EXPECT_EQ(0ULL, seq_of(self->fd, 0));
}

/* A raw WAITV with the given fields; 0 or -errno. */
static int waitv_raw(int fd, struct shmdev_waitv *w)
{
	return ret_errno(ioctl(fd, SHMDEV_IOC_WAITV, w));
}

/* WAITV with an empty channel mask fails with EINVAL. */
TEST_F(ioctl, waitv_empty_mask_einval)
{
	__u64 seqs[REGION_CH] = { 0 };

	EXPECT_EQ(-EINVAL, sd_waitv(self->fd, 0, seqs, 0, NULL));
}

/* WAITV with a mask bit at or past the region's channel count fails with EINVAL. */
TEST_F(ioctl, waitv_mask_past_channels_einval)
{
	__u64 seqs[SHMDEV_MAX_CHANNELS] = { 0 };

	EXPECT_EQ(-EINVAL, sd_waitv(self->fd, 1ULL << REGION_CH, seqs, 0, NULL));
	EXPECT_EQ(-EINVAL, sd_waitv(self->fd, 1 | 1ULL << 63, seqs, 0, NULL));
	EXPECT_EQ(-EINVAL, sd_waitv(self->fd, ~0ULL, seqs, 0, NULL));
}

/* WAITV with each unknown flag bit (and ~0) fails with EINVAL. */
TEST_F(ioctl, waitv_unknown_flags_einval)
{
	__u64 seqs[REGION_CH] = { 0 };
	struct shmdev_waitv w;
	__u32 bad[33];
	int i, n = bad_flags(SHMDEV_WAIT_FLAGS_MASK, bad);

	for (i = 0; i < n; i++) {
		memset(&w, 0, sizeof(w));
		w.channels = 1;
		w.seqs_ptr = (uintptr_t)seqs;
		w.flags = bad[i];
		EXPECT_EQ(-EINVAL, waitv_raw(self->fd, &w)) TH_LOG("flags 0x%x", bad[i]);
	}
}

/* WAITV with a non-zero __pad fails with EINVAL. */
TEST_F(ioctl, waitv_nonzero_pad_einval)
{
	__u64 seqs[REGION_CH] = { 0 };
	struct shmdev_waitv w;

	memset(&w, 0, sizeof(w));
	w.channels = 1;
	w.seqs_ptr = (uintptr_t)seqs;
	w.__pad = 1;
	EXPECT_EQ(-EINVAL, waitv_raw(self->fd, &w));
}

/* WAITV with a non-zero advanced (output) fails with EINVAL. */
TEST_F(ioctl, waitv_nonzero_advanced_einval)
{
	__u64 seqs[REGION_CH] = { 0 };
	struct shmdev_waitv w;

	memset(&w, 0, sizeof(w));
	w.channels = 1;
	w.seqs_ptr = (uintptr_t)seqs;
	w.advanced = 1;
	EXPECT_EQ(-EINVAL, waitv_raw(self->fd, &w));
}

/* WAITV with a seqs_ptr that is NULL, unmapped, or too short for the mask fails with EFAULT. */
TEST_F(ioctl, waitv_bad_seqs_ptr_efault)
{
	__u64 *p = mmap(NULL, 2 * page_size(), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u64 *last;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap((char *)p + page_size(), page_size()));
	EXPECT_EQ(-EFAULT, sd_waitv(self->fd, 1, NULL, 0, NULL));
	EXPECT_EQ(-EFAULT, sd_waitv(self->fd, 1, (__u64 *)((char *)p + page_size()),
				    0, NULL));
	/* Entry 0 is the page's last word: entry 1 (bit 1 of the mask) is not mapped. */
	last = (__u64 *)((char *)p + page_size()) - 1;
	*last = 0;
	EXPECT_EQ(-EFAULT, sd_waitv(self->fd, 3, last, 0, NULL));
	munmap(p, page_size());
}

/* POLL_MASK with a bit at or past the region's channel count fails with EINVAL, changing nothing. */
TEST_F(ioctl, poll_mask_bits_past_channels_einval)
{
	__u64 prev = 0;

	EXPECT_EQ(-EINVAL, sd_poll_mask(self->fd, 1ULL << REGION_CH, NULL));
	EXPECT_EQ(-EINVAL, sd_poll_mask(self->fd, ~0ULL, NULL));
	ASSERT_EQ(0, sd_poll_mask(self->fd, 1, &prev));
	EXPECT_EQ((1ULL << REGION_CH) - 1, prev);
}

/* POLL_MASK with a non-zero previous (output) fails with EINVAL. */
TEST_F(ioctl, poll_mask_nonzero_previous_einval)
{
	struct shmdev_poll_mask m;

	memset(&m, 0, sizeof(m));
	m.channels = 1;
	m.previous = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, SHMDEV_IOC_POLL_MASK, &m)));
}

/* ------------------------------------------------ fd state */

/* CREATE on an fd opened O_RDONLY fails with EBADF. */
TEST_F(ioctl, create_on_rdonly_fd_ebadf)
{
	char name[SHMDEV_NAME_MAX];
	int fd = shmdev_open(O_RDONLY);

	ASSERT_GE(fd, 0);
	shmdev_name(name, "ebadf");
	EXPECT_EQ(-EBADF, sd_create(fd, name, page_size(), 1, 0600, NULL));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* Read-write ATTACH on an fd opened O_RDONLY fails with EBADF. */
TEST_F(ioctl, attach_rw_on_rdonly_fd_ebadf)
{
	int fd = shmdev_open(O_RDONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBADF, sd_attach_name(fd, self->name, 0, NULL));
	EXPECT_EQ(-EBADF, sd_attach_id(fd, self->id, 0));
	/* still unattached: a read-only attach now succeeds */
	EXPECT_EQ(0, sd_attach_id(fd, self->id, SHMDEV_ATTACH_RDONLY));
	close(fd);
	ASSERT_NOTHING_CHANGED();
}

/* A second CREATE on an attached fd fails with EBUSY and creates nothing. */
TEST_F(ioctl, create_on_attached_ebusy)
{
	char name[SHMDEV_NAME_MAX];
	struct shmdev_info info;

	shmdev_name(name, "busy");
	EXPECT_EQ(-EBUSY, sd_create(self->fd, name, page_size(), 1, 0600, NULL));
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(self->id, info.id);
	ASSERT_NOTHING_CHANGED();
}

/* ATTACH on an attached fd fails with EBUSY and keeps the first attachment. */
TEST_F(ioctl, attach_on_attached_ebusy)
{
	char name[SHMDEV_NAME_MAX];
	struct shmdev_info info;
	__u64 id2;
	int fd2;

	shmdev_name(name, "busy2");
	fd2 = sd_new_region(name, page_size(), 1, 0600, &id2);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(-EBUSY, sd_attach_name(self->fd, name, 0, NULL));
	EXPECT_EQ(-EBUSY, sd_attach_id(self->fd, id2, 0));
	EXPECT_EQ(-EBUSY, sd_attach_id(self->fd, self->id, 0));
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(self->id, info.id);
	EXPECT_EQ(1U, info.nr_attached);
	EXPECT_EQ(0, sd_destroy_id(fd2, id2));
	close(fd2);
}

/* NOTIFY on an unattached fd fails with ENXIO. */
TEST_F(ioctl, notify_unattached_enxio)
{
	EXPECT_EQ(-ENXIO, sd_notify(self->ufd, 0, NULL));
}

/* WAIT on an unattached fd fails with ENXIO. */
TEST_F(ioctl, wait_unattached_enxio)
{
	__u64 seq = 0;

	EXPECT_EQ(-ENXIO, sd_wait(self->ufd, 0, 0, &seq, 0));
}

/* ACK on an unattached fd fails with ENXIO. */
TEST_F(ioctl, ack_unattached_enxio)
{
	EXPECT_EQ(-ENXIO, sd_ack(self->ufd, 1, NULL));
}

/* POST on an unattached fd fails with ENXIO. */
TEST_F(ioctl, post_unattached_enxio)
{
	EXPECT_EQ(-ENXIO, sd_post(self->ufd, 0));
}

/* WAKE on an unattached fd fails with ENXIO. */
TEST_F(ioctl, wake_unattached_enxio)
{
	EXPECT_EQ(-ENXIO, sd_wake(self->ufd, 0));
}

/* WAITV on an unattached fd fails with ENXIO. */
TEST_F(ioctl, waitv_unattached_enxio)
{
	__u64 seqs[1] = { 0 };

	EXPECT_EQ(-ENXIO, sd_waitv(self->ufd, 1, seqs, 0, NULL));
}

/* POLL_MASK on an unattached fd fails with ENXIO. */
TEST_F(ioctl, poll_mask_unattached_enxio)
{
	EXPECT_EQ(-ENXIO, sd_poll_mask(self->ufd, 1, NULL));
}

/* INFO without BY_ID on an unattached fd fails with ENXIO. */
TEST_F(ioctl, info_unattached_enxio)
{
	struct shmdev_info info;

	EXPECT_EQ(-ENXIO, sd_info(self->ufd, &info));
}

/* ------------------------------------------------ ENOENT */

/* ATTACH by a name that never existed fails with ENOENT. */
TEST_F(ioctl, attach_unknown_name_enoent)
{
	char name[SHMDEV_NAME_MAX];

	shmdev_name(name, "nope");
	EXPECT_EQ(-ENOENT, sd_attach_name(self->ufd, name, 0, NULL));
	ASSERT_NOTHING_CHANGED();
}

/* ATTACH / INFO / DESTROY by an id that was never handed out fail with ENOENT. */
TEST_F(ioctl, unknown_id_enoent)
{
	struct shmdev_info info;
	__u64 bogus = self->id + 1000000;

	EXPECT_EQ(-ENOENT, sd_attach_id(self->ufd, bogus, 0));
	EXPECT_EQ(-ENOENT, sd_info_id(self->ufd, bogus, &info));
	EXPECT_EQ(-ENOENT, sd_destroy_id(self->ufd, bogus));
	ASSERT_NOTHING_CHANGED();
}

/* DESTROY of an unknown name fails with ENOENT. */
TEST_F(ioctl, destroy_unknown_name_enoent)
{
	char name[SHMDEV_NAME_MAX];

	shmdev_name(name, "nope");
	EXPECT_EQ(-ENOENT, sd_destroy_name(self->ufd, name));
	ASSERT_NOTHING_CHANGED();
}

/* INFO by id of a destroyed and fully released region fails with ENOENT. */
TEST_F(ioctl, info_freed_id_enoent)
{
	struct shmdev_info info;

	ASSERT_EQ(0, sd_destroy_id(self->ufd, self->id));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-ENOENT, sd_info_id(self->ufd, self->id, &info));
}

/* ------------------------------------------------ command encoding */

/* An unknown command number fails with ENOTTY. */
TEST_F(ioctl, unknown_nr_enotty)
{
	unsigned char buf[1024] = { 0 };

	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
		_IOWR(SHMDEV_IOC_MAGIC, 0x09, struct shmdev_api), buf)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
		_IOWR(SHMDEV_IOC_MAGIC, 0xff, struct shmdev_api), buf)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd, _IO(SHMDEV_IOC_MAGIC, 0x20), 0)));
}

/* A known command number with another type byte fails with ENOTTY. */
TEST_F(ioctl, wrong_type_enotty)
{
	unsigned char buf[1024] = { 0 };
	size_t i;

	for (i = 0; i < sizeof(all_cmds) / sizeof(all_cmds[0]); i++) {
		unsigned long c = all_cmds[i].cmd;

		c = _IOC(_IOC_DIR(c), SHMDEV_IOC_MAGIC + 1, _IOC_NR(c), _IOC_SIZE(c));
		EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd, c, buf)))
			TH_LOG("%s", all_cmds[i].name);
	}
	ASSERT_NOTHING_CHANGED();
}

/* Each command with a struct smaller than the header's (and, for API, than its first version's) fails with ENOTTY. */
TEST_F(ioctl, smaller_struct_enotty)
{
	size_t i;

	for (i = 0; i < sizeof(all_cmds) / sizeof(all_cmds[0]); i++) {
		unsigned char buf[1024] __attribute__((aligned(8)));
		size_t sz = _IOC_SIZE(all_cmds[i].cmd);

		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(-ENOTTY, ioctl_sized(self->fd, all_cmds[i].cmd, sz - 1, buf))
			TH_LOG("%s size %zu", all_cmds[i].name, sz - 1);
		if (all_cmds[i].cmd == SHMDEV_IOC_API)
			sz = SHMDEV_API_SIZE_VER0;
		if (all_cmds[i].cmd == SHMDEV_IOC_INFO)
			sz = SHMDEV_INFO_SIZE_VER0;
		EXPECT_EQ(-ENOTTY, ioctl_sized(self->fd, all_cmds[i].cmd, sz - 8, buf))
			TH_LOG("%s size %zu", all_cmds[i].name, sz - 8);
		EXPECT_EQ(-ENOTTY, ioctl_sized(self->fd, all_cmds[i].cmd, 0, buf))
			TH_LOG("%s size 0", all_cmds[i].name);
	}
	ASSERT_NOTHING_CHANGED();
}

/* Each command accepts a larger struct whose extra bytes are zero. */
TEST_F(ioctl, larger_struct_zero_tail_ok)
{
	struct shmdev_api api = { 0 };
	struct shmdev_create c = { 0 };
	struct shmdev_attach a = { 0 };
	struct shmdev_info info = { 0 };
	struct shmdev_destroy d = { 0 };
	struct shmdev_list l = { 0 };
	struct shmdev_notify nt = { 0 };
	struct shmdev_wait w = { 0 };
	struct shmdev_ack ack = { 0 };
	__u64 seq = seq_of(self->fd, 0);
	int fd1 = shmdev_open(O_RDWR), fd2 = shmdev_open(O_RDWR);

	ASSERT_GE(fd1, 0);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, ioctl_grown(self->ufd, SHMDEV_IOC_API, &api, 64, 0));
	EXPECT_EQ((__u32)SHMDEV_API_VERSION, api.version);

	c.size = page_size();
	c.nr_channels = 1;
	c.mode = 0600;
	shmdev_name(c.name, "big");
	ASSERT_EQ(0, ioctl_grown(fd1, SHMDEV_IOC_CREATE, &c, 8, 0));
	EXPECT_EQ(SHMDEV_CREATE_RESULT_NEW, c.result_flags);

	strcpy(a.name, c.name);
	EXPECT_EQ(0, ioctl_grown(fd2, SHMDEV_IOC_ATTACH, &a, 8, 0));
	EXPECT_EQ(c.id, a.id);

	EXPECT_EQ(0, ioctl_grown(self->fd, SHMDEV_IOC_INFO, &info, 8, 0));
	EXPECT_EQ(self->id, info.id);

	l.capacity = 0;
	EXPECT_EQ(0, ioctl_grown(self->ufd, SHMDEV_IOC_LIST, &l, 8, 0));
	EXPECT_EQ((__u32)self->count0 + 1, l.count);

	EXPECT_EQ(0, ioctl_grown(self->fd, SHMDEV_IOC_NOTIFY, &nt, 8, 0));
	EXPECT_EQ(seq + 1, nt.seq);

	w.seq = seq;	/* stale: returns at once */
	EXPECT_EQ(0, ioctl_grown(self->fd, SHMDEV_IOC_WAIT, &w, 8, 0));
	EXPECT_EQ(seq + 1, w.seq);

	ack.channels = 1;
	EXPECT_EQ(0, ioctl_grown(self->fd, SHMDEV_IOC_ACK, &ack, 8, 0));
	EXPECT_EQ(1ULL, ack.pending);

	d.id = c.id;
	d.flags = SHMDEV_DESTROY_BY_ID;
	EXPECT_EQ(0, ioctl_grown(self->ufd, SHMDEV_IOC_DESTROY, &d, 8, 0));
	close(fd1);
	close(fd2);
	ASSERT_NOTHING_CHANGED();
}

/* Each command rejects a larger struct with a non-zero extra byte with E2BIG, changing nothing. */
TEST_F(ioctl, larger_struct_nonzero_tail_e2big)
{
	struct shmdev_api api = { 0 };
	struct shmdev_create c = { 0 };
	struct shmdev_attach a = { 0 };
	struct shmdev_info info = { 0 };
	struct shmdev_destroy d = { 0 };
	struct shmdev_list l = { 0 };
	struct shmdev_notify nt = { 0 };
	struct shmdev_wait w = { 0 };
	struct shmdev_ack ack = { 0 };
	struct shmdev_waitv waitv = { 0 };
	struct shmdev_poll_mask pm = { 0 };
	__u64 seq = seq_of(self->fd, 0);
	int fd1 = shmdev_open(O_RDWR);

	ASSERT_GE(fd1, 0);
	EXPECT_EQ(-E2BIG, ioctl_grown(self->ufd, SHMDEV_IOC_API, &api, 8, 1));

	c.size = page_size();
	c.nr_channels = 1;
	c.mode = 0600;
	shmdev_name(c.name, "big");
	EXPECT_EQ(-E2BIG, ioctl_grown(fd1, SHMDEV_IOC_CREATE, &c, 8, 1));

	strcpy(a.name, self->name);
	EXPECT_EQ(-E2BIG, ioctl_grown(fd1, SHMDEV_IOC_ATTACH, &a, 8, 0x80));
	EXPECT_EQ(-ENXIO, sd_notify(fd1, 0, NULL));

	EXPECT_EQ(-E2BIG, ioctl_grown(self->fd, SHMDEV_IOC_INFO, &info, 64, 1));
	EXPECT_EQ(-E2BIG, ioctl_grown(self->ufd, SHMDEV_IOC_LIST, &l, 8, 1));
	EXPECT_EQ(-E2BIG, ioctl_grown(self->fd, SHMDEV_IOC_NOTIFY, &nt, 8, 1));
	EXPECT_EQ(seq, seq_of(self->fd, 0));
	w.seq = seq;
	EXPECT_EQ(-E2BIG, ioctl_grown(self->fd, SHMDEV_IOC_WAIT, &w, 8, 1));
	ack.channels = 1;
	EXPECT_EQ(-E2BIG, ioctl_grown(self->fd, SHMDEV_IOC_ACK, &ack, 8, 1));
	strcpy(d.name, self->name);
	EXPECT_EQ(-E2BIG, ioctl_grown(self->ufd, SHMDEV_IOC_DESTROY, &d, 8, 1));
	waitv.channels = 1;
	waitv.seqs_ptr = (uintptr_t)&seq;
	EXPECT_EQ(-E2BIG, ioctl_grown(self->fd, SHMDEV_IOC_WAITV, &waitv, 8, 1));
	pm.channels = 1;
	EXPECT_EQ(-E2BIG, ioctl_grown(self->fd, SHMDEV_IOC_POLL_MASK, &pm, 8, 1));
	close(fd1);
	ASSERT_NOTHING_CHANGED();
}

/* ------------------------------------------------ module limits */

FIXTURE(limits) {
	int fd;
	long long max_region, max_total, max_regions;
	char names[4][SHMDEV_NAME_MAX];
};

FIXTURE_SETUP(limits)
{
	int i;

	self->max_region = sd_param("max_region_bytes");
	self->max_total = sd_param("max_total_bytes");
	self->max_regions = sd_param("max_regions");
	ASSERT_GT(self->max_region, 0);
	ASSERT_GT(self->max_total, 0);
	ASSERT_GT(self->max_regions, 0);
	for (i = 0; i < 4; i++)
		shmdev_name(self->names[i], "lim");
	self->fd = shmdev_open(O_RDWR);
	ASSERT_GE(self->fd, 0);
}

/* Runs in the harness parent: the limits are restored even after a crash. */
FIXTURE_TEARDOWN_PARENT(limits)
{
	int i;

	sd_set_param("max_region_bytes", self->max_region);
	sd_set_param("max_total_bytes", self->max_total);
	sd_set_param("max_regions", self->max_regions);
	for (i = 0; i < 4; i++)
		sd_cleanup_name(self->names[i]);
}

/* API's max_region_size follows the max_region_bytes parameter. */
TEST_F(limits, api_tracks_max_region_bytes)
{
	struct shmdev_api api = { 0 };

	ASSERT_EQ(0, sd_set_param("max_region_bytes", 8 * page_size()));
	ASSERT_EQ(0, ret_errno(ioctl(self->fd, SHMDEV_IOC_API, &api)));
	EXPECT_EQ((__u64)(8 * page_size()), api.max_region_size);
}

/*
 * max_region_bytes not a page multiple: API reports it rounded down, and
 * that size is accepted while the next byte (which rounds up past the
 * parameter) is E2BIG.
 */
TEST_F(limits, api_max_region_size_unaligned_parameter)
{
	struct shmdev_api api = { 0 };
	int fd;

	ASSERT_EQ(0, sd_set_param("max_region_bytes", 2 * page_size() + 1808));
	ASSERT_EQ(0, ret_errno(ioctl(self->fd, SHMDEV_IOC_API, &api)));
	EXPECT_EQ((__u64)(2 * page_size()), api.max_region_size);
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-E2BIG, sd_create(fd, self->names[0], api.max_region_size + 1, 1, 0600, NULL));
	EXPECT_EQ(0, sd_create(fd, self->names[0], api.max_region_size, 1, 0600, NULL));
	close(fd);
}

/* A region of exactly max_region_bytes is allowed, one byte more is E2BIG. */
TEST_F(limits, max_region_bytes_e2big)
{
	int fd;

	ASSERT_EQ(0, sd_set_param("max_region_bytes", 4 * page_size()));
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-E2BIG, sd_create(fd, self->names[0], 4 * page_size() + 1, 1, 0600, NULL));
	EXPECT_EQ(0, sd_create(fd, self->names[0], 4 * page_size(), 1, 0600, NULL));
	close(fd);
}

/* Creating past max_total_bytes fails with ENOSPC and allocates nothing. */
TEST_F(limits, max_total_bytes_enospc)
{
	long long used = sd_bytes_in_use();
	long long regions = sd_regions();
	int fd1, fd2;

	ASSERT_GE(used, 0);
	ASSERT_EQ(0, sd_set_param("max_total_bytes", used + 3 * page_size()));
	fd1 = sd_new_region(self->names[0], 2 * page_size(), 1, 0600, NULL);
	ASSERT_GE(fd1, 0);
	fd2 = shmdev_open(O_RDWR);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(-ENOSPC, sd_create(fd2, self->names[1], 2 * page_size(), 1, 0600, NULL));
	EXPECT_EQ(used + 2 * page_size(), sd_bytes_in_use());
	EXPECT_EQ(regions + 1, sd_regions());
	/* exactly filling the limit is allowed */
	EXPECT_EQ(0, sd_create(fd2, self->names[1], page_size(), 1, 0600, NULL));
	close(fd1);
	close(fd2);
}

/* Creating past max_regions fails with ENOSPC. */
TEST_F(limits, max_regions_enospc)
{
	long long regions = sd_regions();
	long count = sd_list_count(self->fd);
	int fd1, fd2;

	ASSERT_GE(regions, 0);
	ASSERT_EQ(0, sd_set_param("max_regions", regions + 1));
	fd1 = sd_new_region(self->names[0], page_size(), 1, 0600, NULL);
	ASSERT_GE(fd1, 0);
	fd2 = shmdev_open(O_RDWR);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(-ENOSPC, sd_create(fd2, self->names[1], page_size(), 1, 0600, NULL));
	EXPECT_EQ(regions + 1, sd_regions());
	EXPECT_EQ(count + 1, sd_list_count(fd2));
	close(fd1);
	close(fd2);
}

/* ------------------------------------------------ credentials */

struct perm_arg {
	char name[SHMDEV_NAME_MAX];
	__u64 id;
	__u32 flags;
};

static int child_attach(int fd, void *p)
{
	struct perm_arg *a = p;

	return -sd_attach_name(fd, a->name, a->flags, NULL);
}

static int child_destroy_name(int fd, void *p)
{
	return -sd_destroy_name(fd, ((struct perm_arg *)p)->name);
}

static int child_destroy_id(int fd, void *p)
{
	return -sd_destroy_id(fd, ((struct perm_arg *)p)->id);
}

static int child_create(int fd, void *p)
{
	struct perm_arg *a = p;

	return -sd_create_full(fd, a->name, page_size(), 1, 0600, a->flags, NULL);
}

static int child_create_destroy(int fd, void *p)
{
	struct perm_arg *a = p;
	int ret = sd_create(fd, a->name, page_size(), 1, 0600, NULL);

	return ret ? 100 : -sd_destroy_name(fd, a->name);
}

static int child_info_id(int fd, void *p)
{
	struct shmdev_info info;
	int ret = sd_info_id(fd, ((struct perm_arg *)p)->id, &info);

	if (ret)
		return -ret;
	return info.mode == 0600 ? 0 : 100;
}

/* The owner and creator are the caller's effective uid/gid; root may destroy another user's region. */
TEST_F(ioctl, owner_is_caller_euid)
{
	struct perm_arg a = { .flags = 0 };
	struct shmdev_info info;
	__u64 id;
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	shmdev_name(a.name, "own");
	ASSERT_EQ(0, run_as(UID_A, 0, child_create, &a));
	ASSERT_EQ(0, sd_attach_name(fd, a.name, 0, &id));
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ((__u32)UID_A, info.uid);
	EXPECT_EQ((__u32)UID_A, info.gid);
	EXPECT_EQ((__u32)UID_A, info.cuid);
	EXPECT_EQ((__u32)UID_A, info.cgid);
	/* CAP_SYS_ADMIN, neither owner nor creator */
	EXPECT_EQ(0, sd_destroy_id(fd, id));
	close(fd);
}

/* The owner may destroy its own region without privileges. */
TEST_F(ioctl, destroy_by_owner_ok)
{
	struct perm_arg a = { .flags = 0 };

	shmdev_name(a.name, "own2");
	EXPECT_EQ(0, run_as(UID_A, 0, child_create_destroy, &a));
	EXPECT_EQ(-ENOENT, sd_attach_name(self->ufd, a.name, 0, NULL));
	ASSERT_NOTHING_CHANGED();
}

/* DESTROY by a non-owner non-creator without CAP_SYS_ADMIN fails with EPERM (name and id). */
TEST_F(ioctl, destroy_non_owner_eperm)
{
	struct perm_arg a = { .id = self->id };

	strcpy(a.name, self->name);
	EXPECT_EQ(EPERM, run_as(UID_B, 0, child_destroy_name, &a));
	EXPECT_EQ(EPERM, run_as(UID_B, 0, child_destroy_id, &a));
	/* CAP_IPC_OWNER is not enough either */
	EXPECT_EQ(EPERM, run_as(UID_B, 1ULL << CAP_IPC_OWNER, child_destroy_id, &a));
	ASSERT_NOTHING_CHANGED();
}

/* ATTACH of a 0600 region by another uid fails with EACCES (read-write and read-only). */
TEST_F(ioctl, attach_other_uid_eacces)
{
	struct perm_arg a = { .flags = 0 };

	strcpy(a.name, self->name);
	EXPECT_EQ(EACCES, run_as(UID_B, 0, child_attach, &a));
	a.flags = SHMDEV_ATTACH_RDONLY;
	EXPECT_EQ(EACCES, run_as(UID_B, 0, child_attach, &a));
	ASSERT_NOTHING_CHANGED();
}

/* A 0644 region: others may attach read-only, read-write fails with EACCES. */
TEST_F(ioctl, attach_other_uid_read_only_mode)
{
	struct perm_arg a = { .flags = 0 };
	int fd;

	shmdev_name(a.name, "r644");
	fd = sd_new_region(a.name, page_size(), 1, 0644, NULL);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(EACCES, run_as(UID_B, 0, child_attach, &a));
	a.flags = SHMDEV_ATTACH_RDONLY;
	EXPECT_EQ(0, run_as(UID_B, 0, child_attach, &a));
	EXPECT_EQ(0, sd_destroy_name(fd, a.name));
	close(fd);
}

/* With CAP_IPC_OWNER another uid may attach a 0600 region read-write. */
TEST_F(ioctl, attach_cap_ipc_owner_ok)
{
	struct perm_arg a = { .flags = 0 };

	strcpy(a.name, self->name);
	EXPECT_EQ(0, run_as(UID_B, 1ULL << CAP_IPC_OWNER, child_attach, &a));
	ASSERT_NOTHING_CHANGED();
}

/* CREATE|OPEN of another user's 0600 region fails with EACCES (assumed errno). */
TEST_F(ioctl, create_open_other_uid_eacces)
{
	struct perm_arg a = { .flags = SHMDEV_CREATE_OPEN };

	strcpy(a.name, self->name);
	EXPECT_EQ(EACCES, run_as(UID_B, 0, child_create, &a));
	ASSERT_NOTHING_CHANGED();
}

/* INFO by id works for any caller, even without access to the region. */
TEST_F(ioctl, info_by_id_any_caller)
{
	struct perm_arg a = { .id = self->id };

	EXPECT_EQ(0, run_as(UID_B, 0, child_info_id, &a));
}

SHMDEV_HARNESS_MAIN
