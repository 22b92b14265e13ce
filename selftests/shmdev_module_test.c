// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev module lifetime tests (run LAST: they unload the module).
 *
 * delete_module(O_NONBLOCK) must fail while a /dev/shmdev file is open or
 * while only a mapping of a region remains; it must succeed once nothing
 * is open or mapped, even with live (never destroyed) regions, which the
 * module frees.  finit_module() of $SHMDEV_KO (default
 * /lib/modules/shmdev.ko) then brings back an empty module.  The module
 * is reloaded after every test and at exit whatever happened.
 */
#define _GNU_SOURCE
#include "shmdev_common.h"


static int unload_module(void)
{
	return syscall(SYS_delete_module, "shmdev", O_NONBLOCK) ? -errno : 0;
}

/* delete_module's answers for a module still in use, across kernel versions. */
static bool is_busy_errno(int err)
{
	return err == -EBUSY || err == -EAGAIN || err == -EWOULDBLOCK;
}

FIXTURE(module) {
	char name[SHMDEV_NAME_MAX];
};

FIXTURE_SETUP(module)
{
	if (access(ko_path(), R_OK))
		SKIP(return, "%s not readable: cannot reload, not unloading", ko_path());
	if (!path_exists(SYS_MODULE_DIR))
		SKIP(return, "shmdev is not a loaded module (built in?)");
	shmdev_name(self->name, "mod");
}

/* In the harness parent: runs even if the test crashed; reloads the module. */
FIXTURE_TEARDOWN_PARENT(module)
{
	int fd;

	if (ensure_loaded())
		fprintf(stderr, "# could not reload %s\n", ko_path());
	fd = shmdev_open(O_RDWR);
	if (fd >= 0) {
		sd_destroy_name(fd, self->name);
		close(fd);
	}
}

/* delete_module fails (EBUSY/EWOULDBLOCK) while a /dev/shmdev file is open; the module keeps working. */
TEST_F(module, unload_busy_while_fd_open)
{
	struct shmdev_api api = { 0 };
	int fd = shmdev_open(O_RDWR);
	int ret;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_create(fd, self->name, page_size(), 1, 0600, NULL));
	ret = unload_module();
	EXPECT_TRUE(is_busy_errno(ret)) TH_LOG("delete_module returned %d", ret);
	EXPECT_TRUE(path_exists(SYS_MODULE_DIR));
	EXPECT_TRUE(path_exists(SHMDEV_DEV));
	EXPECT_EQ(0, ret_errno(ioctl(fd, SHMDEV_IOC_API, &api)));
	EXPECT_EQ((__u32)SHMDEV_API_VERSION, api.version);
	EXPECT_EQ(0, sd_destroy_name(fd, self->name));
	close(fd);

	/* an unattached open file pins the module just the same */
	fd = shmdev_open(O_RDONLY);
	ASSERT_GE(fd, 0);
	ret = unload_module();
	EXPECT_TRUE(is_busy_errno(ret)) TH_LOG("delete_module returned %d", ret);
	EXPECT_TRUE(path_exists(SYS_MODULE_DIR));
	close(fd);
}

/* delete_module fails while only a mapping remains (fd closed); the mapping keeps its data. */
TEST_F(module, unload_busy_while_only_mapped)
{
	int fd = shmdev_open(O_RDWR);
	size_t len = 2 * page_size();
	char *p;
	int ret;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_create(fd, self->name, len, 1, 0600, NULL));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pattern(p, len, 77);
	ASSERT_EQ(0, sd_destroy_name(fd, self->name));
	ASSERT_EQ(0, close(fd));

	ret = unload_module();
	EXPECT_TRUE(is_busy_errno(ret)) TH_LOG("delete_module returned %d", ret);
	EXPECT_TRUE(path_exists(SYS_MODULE_DIR));
	EXPECT_EQ(-1, check_pattern(p, len, 77));
	fill_pattern(p, len, 78);
	EXPECT_EQ(-1, check_pattern(p, len, 78));
	EXPECT_EQ(1, sd_regions() >= 1);
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * With no file and no mapping left, delete_module succeeds although
 * regions were never destroyed; /dev/shmdev disappears; finit_module
 * reloads the module, which starts empty and works.
 */
TEST_F(module, unload_with_live_regions_and_reload)
{
	char other[SHMDEV_NAME_MAX];
	struct shmdev_info info;
	int fd, ret = 0, i;
	__u64 id;

	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_create(fd, self->name, 3 * page_size(), 2, 0600, NULL));
	close(fd);
	shmdev_name(other, "mod2");
	fd = sd_new_region(other, page_size(), 1, 0644, NULL);
	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_GE(sd_regions(), 2);

	/* files closed by exited test processes are released at exit; allow a short grace */
	for (i = 0; i < 20; i++) {
		ret = unload_module();
		if (!is_busy_errno(ret))
			break;
		usleep(100000);
	}
	ASSERT_EQ(0, ret);
	EXPECT_TRUE(wait_path(SYS_MODULE_DIR, false, 2000));
	EXPECT_TRUE(wait_path(SHMDEV_DEV, false, 2000));

	ASSERT_EQ(0, load_module()) TH_LOG("finit_module(%s)", ko_path());
	ASSERT_TRUE(wait_path(SHMDEV_DEV, true, 5000));
	EXPECT_TRUE(path_exists(SYS_MODULE_DIR));

	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, sd_list_count(fd));
	EXPECT_EQ(0, sd_regions());
	EXPECT_EQ(0, sd_bytes_in_use());
	EXPECT_EQ(-ENOENT, sd_attach_name(fd, other, 0, NULL));
	EXPECT_EQ(1LL << 30, sd_param("max_region_bytes"));
	EXPECT_EQ(2LL << 30, sd_param("max_total_bytes"));
	EXPECT_EQ(1024, sd_param("max_regions"));

	ASSERT_EQ(0, sd_create(fd, self->name, page_size(), 1, 0600, &id));
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ(id, info.id);
	EXPECT_EQ(1, sd_list_count(fd));
	EXPECT_EQ(1, sd_regions());
	EXPECT_EQ(page_size(), sd_bytes_in_use());
	EXPECT_EQ(0, sd_destroy_id(fd, id));
	close(fd);
}

/*
 * rmmod racing the last unmap.  __fput() lets the module go (fops_put of
 * the region file) a few steps before it drops the region file's mount
 * (mntput); the module's exit must wait for that mntput, or the mount's
 * teardown reads the module's filesystem type after the module is freed.
 * Here a child holds the only mapping and exits while the parent retries
 * delete_module without pause, so that the unload starts as early as the
 * kernel allows.  The window is a few instructions, which the module's
 * own exit work (misc_deregister() first) mostly outlasts: the module
 * without the wait passed this test too on 6.12 and 6.12-debug, so it
 * guards the unload path's outcome (every unload succeeds, data intact,
 * the reloaded module empty), not the race itself, whose fix is argued
 * in backing.c.
 */
TEST_F(module, unload_races_last_unmap)
{
	size_t len = 4 * page_size();
	int round, fd, go[2], ret;
	char *p;
	pid_t pid;

	for (round = 0; round < 64; round++) {
		ASSERT_EQ(0, ensure_loaded());
		fd = sd_new_region(self->name, len, 1, 0600, NULL);
		ASSERT_GE(fd, 0);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		fill_pattern(p, len, round);
		ASSERT_EQ(0, close(fd));
		ASSERT_EQ(0, pipe(go));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			char c;

			close(go[1]);
			/* the child's mapping is the region's last user */
			_exit(read(go[0], &c, 1) == 1 &&
			      check_pattern(p, len, round) == -1 ? 0 : 1);
		}
		close(go[0]);
		ASSERT_EQ(0, munmap(p, len));
		ASSERT_EQ(1, write(go[1], "x", 1));
		close(go[1]);
		do
			ret = unload_module();
		while (is_busy_errno(ret));
		ASSERT_EQ(0, ret) TH_LOG("round %d: delete_module returned %d", round, ret);
		ASSERT_EQ(0, reap(pid)) TH_LOG("round %d", round);
	}
	ASSERT_EQ(0, ensure_loaded());
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, sd_list_count(fd));
	EXPECT_EQ(0, sd_regions());
	close(fd);
}

static pid_t main_pid;

static void reload_at_exit(void)
{
	if (getpid() == main_pid && access(ko_path(), R_OK) == 0 && ensure_loaded())
		fprintf(stderr, "# shmdev could not be reloaded from %s\n", ko_path());
}

int main(int argc, char **argv)
{
	shmdev_require_device(argc, argv);
	main_pid = getpid();
	atexit(reload_at_exit);
	return test_harness_run(argc, argv);
}
