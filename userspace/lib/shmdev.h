/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev - a thin C library over the /dev/shmdev ioctls.
 *
 * The kernel ABI is described in <linux/shmdev.h>; this library only
 * fills the ioctl structures correctly (zeroed input, names copied into
 * the fixed 64-byte fields) and unpacks the results.
 *
 * Conventions, for every function unless its comment says otherwise:
 *  - errno ENODEV means the device is missing (module not loaded, see
 *    shmdev_open()); ENOENT means the region named or numbered does not
 *    exist: the two are never confused;
 *  - returns 0 on success, or -1 with errno set (by the kernel, or by the
 *    library for the few checks it does itself, which are documented);
 *    errno is left untouched on success;
 *  - output pointers may be NULL when the caller does not need the value;
 *    outputs are only written on success;
 *  - no global state, no threads, no signal handlers; the only function
 *    that allocates memory is shmdev_list_all();
 *  - the file descriptors are plain descriptors of /dev/shmdev: one open
 *    file can be attached to one region at most (EBUSY otherwise), and
 *    closing it detaches.
 *
 * Build with:  cc prog.c $(pkg-config --cflags --libs libshmdev)
 * (from a build tree: cc -I<O>/include prog.c -L<O> -lshmdev).
 */
#ifndef LIBSHMDEV_SHMDEV_H
#define LIBSHMDEV_SHMDEV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/shmdev.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where the misc device lives. */
#define SHMDEV_DEVICE_PATH "/dev/shmdev"

/* ---------------------------------------------------------------------
 * Opening the device
 */

/**
 * shmdev_open() - open /dev/shmdev
 * @flags: open(2) flags: O_RDWR (needed to CREATE or to attach
 *	read-write) or O_RDONLY (enough for API, INFO by id, LIST, DESTROY,
 *	read-only attach, NOTIFY, WAIT and ACK), plus any others.
 *	O_CLOEXEC is always added; clear FD_CLOEXEC with fcntl(2) if the
 *	descriptor must survive execve().
 *
 * Errors: ENODEV when there is no shmdev device: the node does not exist
 * (open(2) said ENOENT: the module is not loaded, or udev has not created
 * the node) or exists without a driver behind it (ENXIO, ENODEV).  So
 * ENODEV always means "no device", and ENOENT from the calls that take a
 * region's name or id always means "no such region".  EACCES: the
 * caller may not open the node (see its group and mode).  Any other
 * errno is open(2)'s.
 *
 * Return: the new file descriptor, or -1 with errno set.
 */
int shmdev_open(int flags);

/**
 * shmdev_open_path() - like shmdev_open(), for a device node at @path
 * @path: the device node (e.g. inside a chroot or container).
 * @flags: as for shmdev_open().
 *
 * Return: the new file descriptor, or -1 with errno set as for
 * shmdev_open() (ENODEV when @path does not exist or has no driver).
 */
int shmdev_open_path(const char *path, int flags);

/**
 * shmdev_version() - the version of this library
 *
 * Return: a static string such as "0.1.0", the shmdev release the
 * library comes from (the module reports its own in
 * /sys/module/shmdev/version).
 */
const char *shmdev_version(void);

/* ---------------------------------------------------------------------
 * One wrapper per ioctl
 */

/**
 * shmdev_api() - ask the module what it supports (SHMDEV_IOC_API)
 * @fd: any /dev/shmdev descriptor, attached or not.
 * @api: out: filled by the kernel.
 */
int shmdev_api(int fd, struct shmdev_api *api);

/**
 * shmdev_create() - create (or open) a named region and attach @fd to it
 * @fd: an unattached descriptor opened O_RDWR (EBADF otherwise, EBUSY
 *	if already attached).
 * @name: 1 to 63 printable ASCII bytes, no '/'.  A name of 64 bytes or
 *	more fails with ENAMETOOLONG without calling the kernel; NULL fails
 *	with EINVAL; every other check is the kernel's.
 * @size: bytes, rounded up to the page size by the kernel.
 * @nr_channels: 1..SHMDEV_MAX_CHANNELS notification channels.
 * @mode: permission bits, 0..0777.
 * @flags: SHMDEV_CREATE_* flags (SHMDEV_CREATE_OPEN: open an existing
 *	region of that name instead of failing with EEXIST).
 * @id: out: the region's id.
 * @created: out: true if a new region was made, false if an existing one
 *	was opened (only possible with SHMDEV_CREATE_OPEN).
 *
 * Errors (from the kernel): EEXIST, EINVAL, E2BIG, ENOSPC, ENOMEM,
 * EACCES, EBADF, EBUSY; see <linux/shmdev.h>.
 */
int shmdev_create(int fd, const char *name, uint64_t size,
		  unsigned int nr_channels, unsigned int mode,
		  unsigned int flags, uint64_t *id, bool *created);

/**
 * shmdev_attach_name() - attach @fd to the existing region called @name
 * @fd: an unattached descriptor; opened O_RDWR unless @flags has
 *	SHMDEV_ATTACH_RDONLY.
 * @name: as for shmdev_create() (ENAMETOOLONG/EINVAL checked locally).
 * @flags: 0 or SHMDEV_ATTACH_RDONLY (SHMDEV_ATTACH_BY_ID is rejected
 *	with EINVAL: use shmdev_attach_id()).
 * @id: out: the region's id.
 *
 * Errors: ENOENT, EACCES, EBADF, EBUSY, EINVAL.
 */
int shmdev_attach_name(int fd, const char *name, unsigned int flags,
		       uint64_t *id);

/**
 * shmdev_attach_id() - attach @fd to the existing region with id @id
 * @fd: as for shmdev_attach_name().
 * @id: the region id.
 * @flags: 0 or SHMDEV_ATTACH_RDONLY (SHMDEV_ATTACH_BY_ID is added).
 *
 * Errors: ENOENT, EACCES, EBADF, EBUSY, EINVAL.
 */
int shmdev_attach_id(int fd, uint64_t id, unsigned int flags);

/**
 * shmdev_info() - describe the region @fd is attached to (ENXIO if none)
 * @fd: an attached descriptor.
 * @info: out: the description; info->seq[] holds each channel's sequence.
 */
int shmdev_info(int fd, struct shmdev_info *info);

/**
 * shmdev_info_id() - describe any region by id, without attaching
 * @fd: any descriptor, attached or not.
 * @id: the region id (ENOENT if it no longer exists).
 * @info: out: the description.
 */
int shmdev_info_id(int fd, uint64_t id, struct shmdev_info *info);

/**
 * shmdev_destroy_name() - remove a region's name (like shm_unlink())
 * @fd: any descriptor, attached or not.
 * @name: the region's name (ENAMETOOLONG/EINVAL checked locally).
 *
 * The memory lives on while files are attached or mappings exist.
 * Errors: ENOENT, EPERM.
 */
int shmdev_destroy_name(int fd, const char *name);

/**
 * shmdev_destroy_id() - remove the name of the region with id @id
 * @fd: any descriptor.
 * @id: the region id.
 */
int shmdev_destroy_id(int fd, uint64_t id);

/**
 * shmdev_list() - get the ids of the live regions, in increasing order
 * @fd: any descriptor.
 * @ids: out: room for @capacity ids (may be NULL when @capacity is 0).
 * @capacity: entries in @ids; 0 asks for the count only.
 * @count: out: the number of live regions; when it exceeds @capacity
 *	only the first @capacity ids were stored, so call again.
 */
int shmdev_list(int fd, uint64_t *ids, uint32_t capacity, uint32_t *count);

/**
 * shmdev_list_all() - like shmdev_list(), allocating a large enough array
 * @fd: any descriptor.
 * @ids: out: a malloc()ed array of *@count ids (NULL when *@count is 0),
 *	for the caller to free().
 * @count: out: the number of ids stored.
 *
 * Retries while regions are being created concurrently.  Errors: those
 * of the ioctl, ENOMEM, or EINVAL when @ids or @count is NULL.
 */
int shmdev_list_all(int fd, uint64_t **ids, uint32_t *count);

/**
 * shmdev_notify() - advance channel @channel and wake its waiters
 * @fd: an attached descriptor (read-only attaches may notify too).
 * @channel: the channel index (EINVAL if out of range).
 * @seq: out: the channel's new sequence number (may be NULL).
 *
 * With @seq NULL the call is SHMDEV_IOC_POST, which copies no struct
 * (NOTIFY on a module before 0.3.0, which has no POST).
 */
int shmdev_notify(int fd, uint32_t channel, uint64_t *seq);

/**
 * shmdev_wait() - sleep until channel @channel's sequence differs from @expected
 * @fd: an attached descriptor.
 * @channel: the channel index.
 * @expected: the sequence the caller has already seen (typically from
 *	shmdev_seq() or a previous shmdev_wait() taken *before* checking
 *	the shared-memory condition it waits for, so no wakeup is lost).
 * @timeout_ns: relative timeout in ns; SHMDEV_WAIT_FOREVER for none, 0 to
 *	only test; with SHMDEV_WAIT_ABSTIME in @flags, a CLOCK_MONOTONIC
 *	deadline in ns.
 * @flags: 0 or SHMDEV_WAIT_ABSTIME.
 * @seq: out: the current sequence.  Also written when the call fails
 *	with ETIMEDOUT.
 *
 * Returns 0 at once if the sequence already differs.  Errors: ETIMEDOUT,
 * EINTR (a signal arrived during a relative wait: the library does not
 * retry; re-read the sequence or retry with the same @expected), EINVAL,
 * ENXIO.
 */
int shmdev_wait(int fd, uint32_t channel, uint64_t expected,
		uint64_t timeout_ns, unsigned int flags, uint64_t *seq);

/**
 * shmdev_ack() - acknowledge channels for poll()
 * @fd: an attached descriptor.
 * @channels: mask of channels to acknowledge (bit N = channel N).
 * @pending: out: the channels that had advanced past this file's
 *	acknowledged sequence before the call.
 */
int shmdev_ack(int fd, uint64_t channels, uint64_t *pending);

/**
 * shmdev_seq() - read one channel's current sequence (via INFO)
 * @fd: an attached descriptor.
 * @channel: the channel index; EINVAL (set by the library) when it is
 *	not below the region's channel count.
 * @seq: out: the sequence.
 */
int shmdev_seq(int fd, uint32_t channel, uint64_t *seq);

/* ---------------------------------------------------------------------
 * Memory
 */

/**
 * shmdev_map() - map the region @fd is attached to, from offset 0
 * @fd: an attached descriptor.
 * @len: bytes to map, at most the region's size (ENXIO otherwise).
 * @prot: PROT_READ, or PROT_READ | PROT_WRITE (EACCES on a read-only
 *	attach).
 *
 * The mapping is MAP_SHARED: all processes see the same page frames.
 * Undo with munmap(addr, len).
 *
 * Return: the address, or MAP_FAILED with errno set by mmap(2).
 */
void *shmdev_map(int fd, size_t len, int prot);

/**
 * shmdev_pfn() - find the physical page frame behind a virtual address
 * @addr: any address in the calling process.
 * @pfn: out: the page frame number from /proc/self/pagemap (bits 0-54),
 *	or 0 when the page is not present.
 *
 * The kernel reports PFNs only to callers with CAP_SYS_ADMIN: for the
 * others a present page reads as PFN 0.  So a return of 1 with *@pfn == 0
 * means "present, frame number hidden", not "frame 0".
 *
 * Return: 1 if the page is present in RAM, 0 if not (not yet touched,
 * or swapped out), -1 with errno set on failure (opening or reading
 * /proc/self/pagemap; EIO on a short read).
 */
int shmdev_pfn(const void *addr, uint64_t *pfn);

/**
 * struct shmdev_pagetable - a snapshot of SHMDEV_IOC_MAP
 * @hdr: the ioctl's header (region id, result_flags, nr_vmas, nr_runs,
 *	nr_hidden, levels, region_pages, page_size, huge_page_size).
 * @vmas: malloc()ed, @hdr.nr_vmas records (NULL when there are none).
 * @runs: malloc()ed, @hdr.nr_runs records (NULL when there are none);
 *	VMA i owns runs [@vmas[i].first_run, + @vmas[i].nr_runs).
 */
struct shmdev_pagetable {
	struct shmdev_map hdr;
	struct shmdev_map_vma *vmas;
	struct shmdev_map_run *runs;
};

/**
 * shmdev_pagetable() - where a region sits in the page tables of every
 *	process that maps it (SHMDEV_IOC_MAP)
 * @fd: a descriptor attached to the region, or any descriptor with
 *	SHMDEV_MAP_BY_ID in @flags.
 * @id: the region id with SHMDEV_MAP_BY_ID, else 0.
 * @flags: SHMDEV_MAP_BY_ID, SHMDEV_MAP_PER_PAGE.
 * @out: out: the snapshot; release with shmdev_pagetable_free().
 *
 * Asks the kernel for the counts, then for the records, and asks again
 * (a few times) when processes mapped or faulted in between.  PFNs and
 * raw entries are filled only for CAP_SYS_ADMIN (SHMDEV_MAP_RESULT_RAW).
 *
 * Return: 0, or -1 with errno: those of the ioctl (EACCES, ENOENT, ENXIO,
 * ENOTTY from a module without MAP), ENOMEM, EINVAL (@out NULL), EAGAIN
 * when the mappings kept changing faster than the retries.
 */
int shmdev_pagetable(int fd, uint64_t id, unsigned int flags,
		     struct shmdev_pagetable *out);

/**
 * shmdev_pagetable_free() - free what shmdev_pagetable() allocated
 * @pt: the snapshot (its arrays are freed and set to NULL).
 */
void shmdev_pagetable_free(struct shmdev_pagetable *pt);

/* ---------------------------------------------------------------------
 * Convenience: open + create/attach + map in one call
 */

/* Flags of shmdev_region_open(), modelled on open(2)'s. */
#define SHMDEV_REGION_O_CREAT	(1U << 0)	/* create the region if missing */
#define SHMDEV_REGION_O_EXCL	(1U << 1)	/* with O_CREAT: fail (EEXIST) if it exists */
#define SHMDEV_REGION_O_RDONLY	(1U << 2)	/* attach read-only, map PROT_READ */

/**
 * struct shmdev_region - a region opened by shmdev_region_open()
 * @fd: the attached descriptor (use it for notify/wait/ack/info).
 * @id: the region id.
 * @size: the region's size in bytes (= length of the mapping).
 * @addr: the MAP_SHARED mapping of the whole region.
 * @created: true if this call created the region.
 * @rdonly: true if attached and mapped read-only.
 */
struct shmdev_region {
	int fd;
	uint64_t id;
	size_t size;
	void *addr;
	bool created;
	bool rdonly;
};

/**
 * shmdev_region_open() - open /dev/shmdev, create or attach, and map
 * @name: the region's name.
 * @size: with SHMDEV_REGION_O_CREAT, the size of a new region (an
 *	existing one must be at least that large, EINVAL otherwise);
 *	without it, ignored.
 * @nr_channels: with SHMDEV_REGION_O_CREAT, the channel count (an
 *	existing region must have at least as many); without it, ignored.
 * @mode: permission bits of a new region (e.g. 0600).
 * @flags: SHMDEV_REGION_O_* flags.  Without O_CREAT the region must
 *	exist (ENOENT); O_RDONLY cannot be combined with O_CREAT (EINVAL),
 *	because creating always attaches read-write; unknown bits: EINVAL.
 * @out: out: the region; the whole region is mapped, whatever @size.
 *
 * On failure nothing is left open or mapped (a region this call created
 * is destroyed again), and errno tells the first error: ENODEV when
 * /dev/shmdev is missing (module not loaded), ENOENT when the region does
 * not exist (without O_CREAT).  Release with
 * shmdev_region_close().
 */
int shmdev_region_open(const char *name, uint64_t size,
		       unsigned int nr_channels, unsigned int mode,
		       unsigned int flags, struct shmdev_region *out);

/**
 * shmdev_region_close() - unmap and close a region (does not destroy it)
 * @r: a region filled by shmdev_region_open(); reset to fd -1, addr NULL.
 *
 * Return: 0, or -1 with errno from the first of munmap()/close() to fail
 * (both are attempted).
 */
int shmdev_region_close(struct shmdev_region *r);

/* ---------------------------------------------------------------------
 * Signalling without system calls: the control page (LIBSHMDEV_1.2)
 *
 * The region's channel sequences live in a page every attached process
 * can map (DOC: control page in <linux/shmdev.h>).  A notify with nobody
 * waiting, and a wait whose channel has already advanced, then cost no
 * system call; the kernel is entered only to sleep or to wake a recorded
 * waiter or poller.  These calls mix freely with shmdev_notify(),
 * shmdev_wait(), poll() and epoll on the same region.
 */

/**
 * struct shmdev_ctl - a region's control page, mapped by shmdev_ctl_map()
 * @page: the mapping.
 * @fd: the attached descriptor it was mapped through (not owned: it
 *	must stay open while the calls below that enter the kernel are used).
 * @nr_channels: the region's channel count.
 * @rdonly: the page is mapped read-only (@fd was opened O_RDONLY), so
 *	shmdev_ctl_notify() advances channels with SHMDEV_IOC_POST.
 */
struct shmdev_ctl {
	struct shmdev_ctl_page *page;
	int fd;
	uint32_t nr_channels;
	bool rdonly;
};

/**
 * shmdev_ctl_map() - map the control page of the region @fd is attached to
 * @fd: an attached descriptor (read-only attaches too).
 * @ctl: out: the mapping; release with shmdev_ctl_unmap().
 *
 * Maps the page PROT_READ | PROT_WRITE, or PROT_READ alone when @fd was
 * opened O_RDONLY (then @ctl->rdonly is set).
 *
 * Errors: ENXIO (not attached), EOPNOTSUPP (a module older than 0.3.0,
 * without a control page), and those of mmap(2).
 */
int shmdev_ctl_map(int fd, struct shmdev_ctl *ctl);

/**
 * shmdev_ctl_unmap() - unmap a control page
 * @ctl: as filled by shmdev_ctl_map(); its page is set to NULL.
 */
int shmdev_ctl_unmap(struct shmdev_ctl *ctl);

/**
 * shmdev_post() - advance @channel and wake its waiters (SHMDEV_IOC_POST)
 * @fd: an attached descriptor.
 * @channel: the channel index.
 *
 * NOTIFY without the argument struct: cheaper, but it does not return
 * the new sequence (read it from the control page).
 */
int shmdev_post(int fd, uint32_t channel);

/**
 * shmdev_wake() - wake @channel's waiters without advancing it (SHMDEV_IOC_WAKE)
 * @fd: an attached descriptor.
 * @channel: the channel index.
 */
int shmdev_wake(int fd, uint32_t channel);

/**
 * shmdev_waitv() - sleep until any channel of @channels advances (SHMDEV_IOC_WAITV)
 * @fd: an attached descriptor.
 * @channels: mask of channels, not empty.
 * @seqs: the sequences seen, indexed by channel (entries for the bits of
 *	@channels are read).
 * @timeout_ns: as for shmdev_wait().
 * @flags: 0 or SHMDEV_WAIT_ABSTIME.
 * @advanced: out: the channels that had advanced when the wait ended;
 *	written with ETIMEDOUT too (then 0).
 */
int shmdev_waitv(int fd, uint64_t channels, const uint64_t *seqs,
		 uint64_t timeout_ns, unsigned int flags, uint64_t *advanced);

/**
 * shmdev_poll_mask() - choose the channels that make @fd poll readable
 * @fd: an attached descriptor.
 * @channels: the mask (0: never readable).
 * @previous: out: the mask before.
 */
int shmdev_poll_mask(int fd, uint64_t channels, uint64_t *previous);

/* The channel's words in the control page; NULL for a bad index. */
static inline struct shmdev_ctl_channel *
shmdev_ctl_channel(const struct shmdev_ctl *ctl, uint32_t channel)
{
	if (channel >= ctl->nr_channels)
		return NULL;
	return &ctl->page->channel[channel];
}

/**
 * shmdev_ctl_seq() - read a channel's sequence, without a system call
 * @ctl: a mapped control page.
 * @channel: the channel index (below ctl->nr_channels: not checked).
 *
 * An acquire load: data the notifier wrote before it advanced the
 * sequence is visible once the new sequence is seen.
 */
static inline uint64_t shmdev_ctl_seq(const struct shmdev_ctl *ctl,
				      uint32_t channel)
{
	return __atomic_load_n(&ctl->page->channel[channel].seq,
			       __ATOMIC_ACQUIRE);
}

/**
 * shmdev_ctl_notify() - advance a channel; enter the kernel only to wake
 * @ctl: a mapped control page.
 * @channel: the channel index (EINVAL, set here, when out of range).
 * @seq: out: the channel's new sequence (may be NULL).
 *
 * The add is sequentially consistent (a full barrier), so the read of
 * the waiter count cannot pass it: a waiter that the read misses has not
 * yet re-read the sequence in the kernel, and will see the new one.
 */
static inline int shmdev_ctl_notify(struct shmdev_ctl *ctl, uint32_t channel,
				    uint64_t *seq)
{
	struct shmdev_ctl_channel *ch = shmdev_ctl_channel(ctl, channel);
	uint64_t s;

	if (!ch) {
		errno = EINVAL;
		return -1;
	}
	if (ctl->rdonly) {
		if (shmdev_post(ctl->fd, channel))
			return -1;
		if (seq)
			*seq = shmdev_ctl_seq(ctl, channel);
		return 0;
	}
	s = __atomic_add_fetch(&ch->seq, 1, __ATOMIC_SEQ_CST);
	if (seq)
		*seq = s;
	if (__atomic_load_n(&ch->waiters, __ATOMIC_SEQ_CST))
		return shmdev_wake(ctl->fd, channel);
	return 0;
}

/**
 * shmdev_ctl_trywait() - has a channel moved past @expected?  No system call
 * @ctl: a mapped control page.
 * @channel: the channel index (EINVAL when out of range).
 * @expected: the sequence the caller has seen.
 * @seq: out: the current sequence (may be NULL); written only with 0.
 *
 * Return: 0 when the sequence differs from @expected, -1 with errno
 * EAGAIN when it does not.
 */
static inline int shmdev_ctl_trywait(const struct shmdev_ctl *ctl,
				     uint32_t channel, uint64_t expected,
				     uint64_t *seq)
{
	uint64_t s;

	if (channel >= ctl->nr_channels) {
		errno = EINVAL;
		return -1;
	}
	s = shmdev_ctl_seq(ctl, channel);
	if (s == expected) {
		errno = EAGAIN;
		return -1;
	}
	if (seq)
		*seq = s;
	return 0;
}

/**
 * shmdev_ctl_wait() - shmdev_wait() that sleeps only when it must
 * @ctl: a mapped control page.
 * @channel: the channel index.
 * @expected: the sequence the caller has seen.
 * @timeout_ns: as for shmdev_wait().
 * @flags: 0 or SHMDEV_WAIT_ABSTIME.
 * @seq: out: the current sequence (may be NULL); written with ETIMEDOUT.
 *
 * Returns at once, with no system call, when the sequence already
 * differs from @expected; otherwise it is shmdev_wait().
 */
static inline int shmdev_ctl_wait(struct shmdev_ctl *ctl, uint32_t channel,
				  uint64_t expected, uint64_t timeout_ns,
				  unsigned int flags, uint64_t *seq)
{
	int e = errno;

	/* As WAIT checks them, even when there is no need to sleep. */
	if (flags & ~SHMDEV_WAIT_FLAGS_MASK) {
		errno = EINVAL;
		return -1;
	}
	if (shmdev_ctl_trywait(ctl, channel, expected, seq) == 0)
		return 0;
	if (errno != EAGAIN)
		return -1;
	/* The library leaves errno alone on success: undo trywait's EAGAIN. */
	errno = e;
	return shmdev_wait(ctl->fd, channel, expected, timeout_ns, flags, seq);
}

#ifdef __cplusplus
}
#endif

#endif /* LIBSHMDEV_SHMDEV_H */
