// SPDX-License-Identifier: GPL-2.0
/*
 * Built inside the Debian guest against the installed libshmdev-dev with
 * `cc region.c $(pkg-config --cflags --libs libshmdev)` (run.sh): creates
 * a region, writes a message into the mapping, and a child process
 * attaches by name and reads it through its own mapping.  Exits 0 when
 * the child saw the parent's bytes; on any error prints the call and
 * strerror (a non-member of the group shmdev gets "Permission denied").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <shmdev.h>

static const char msg[] = "written by the parent, read by the child";

static int child(const char *name)
{
	struct shmdev_region r;

	if (shmdev_region_open(name, 0, 0, 0, 0, &r) < 0) {
		printf("child: shmdev_region_open: %s\n", strerror(errno));
		return 1;
	}
	if (memcmp(r.addr, msg, sizeof(msg)) != 0) {
		printf("child: the region does not hold the parent's message\n");
		return 1;
	}
	printf("child: read \"%s\" from region %llu\n", (char *)r.addr,
	       (unsigned long long)r.id);
	shmdev_region_close(&r);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "deb-c";
	struct shmdev_region r;
	int status = 1;
	pid_t pid;

	printf("libshmdev %s\n", shmdev_version());
	if (shmdev_region_open(name, 65536, 1, 0600,
			       SHMDEV_REGION_O_CREAT | SHMDEV_REGION_O_EXCL, &r) < 0) {
		printf("shmdev_region_open: %s\n", strerror(errno));
		return 2;
	}
	memcpy(r.addr, msg, sizeof(msg));
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child(name));
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		perror("fork/waitpid");
	if (shmdev_destroy_name(r.fd, name) < 0)
		printf("shmdev_destroy_name: %s\n", strerror(errno));
	shmdev_region_close(&r);
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
