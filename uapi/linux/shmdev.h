/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shmdev: named shared-memory regions with kernel-mediated notification.
 *
 * Userspace opens /dev/shmdev, creates or attaches one region with an
 * ioctl, and mmap()s the file descriptor.  Every process mapping a region
 * sees the same physical page frames.  Each region also carries 1..64
 * notification channels (64-bit sequence counters with wait queues).
 *
 * Names and ids are scoped by user namespace: a region can be found only
 * by callers in the user namespace that created it, so after
 * unshare(CLONE_NEWUSER) a process sees none of its parent's regions and
 * may reuse their names.  Owner ids are reported through the caller's
 * namespace, and CAP_IPC_OWNER and CAP_SYS_ADMIN count in the region's.
 * An attached file keeps working wherever it is passed.
 *
 * ABI rules (Documentation/process/botching-up-ioctls.rst):
 *  - fixed-width fields only, explicit padding, every struct a multiple
 *    of 8 bytes, pointers passed as __u64;
 *  - every flag bit not defined below, every reserved/padding field and
 *    every output-only field must be zero on input, or the call fails
 *    with EINVAL and changes nothing;
 *  - unknown commands fail with ENOTTY;
 *  - an argument the kernel writes results into must be writable: if it
 *    is not, the call fails with EFAULT before it changes anything;
 *  - structs may grow at their end in later versions: the kernel accepts
 *    a larger struct if the bytes it does not know are zero (else E2BIG)
 *    and a smaller one only of a size published before (the *_SIZE_VER*
 *    constants; any other smaller size fails with ENOTTY).
 */
#ifndef _UAPI_LINUX_SHMDEV_H
#define _UAPI_LINUX_SHMDEV_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Version reported by SHMDEV_IOC_API. */
#define SHMDEV_API_VERSION	1

/* Size of a name field, including the NUL. */
#define SHMDEV_NAME_MAX		64

/* The most notification channels a region can have. */
#define SHMDEV_MAX_CHANNELS	64

/* A shmdev_wait.timeout_ns that never expires. */
#define SHMDEV_WAIT_FOREVER	(~(__u64)0)

/**
 * struct shmdev_api - what this module supports
 * @version: out: %SHMDEV_API_VERSION.
 * @flags: in: must be zero.
 * @ioctls: out: bit N set when the command with _IOC_NR() N is supported.
 * @create_flags: out: the %SHMDEV_CREATE_* flags supported.
 * @attach_flags: out: the %SHMDEV_ATTACH_* flags supported.
 * @wait_flags: out: the %SHMDEV_WAIT_* flags supported.
 * @max_region_size: out: the largest @size CREATE accepts now, in bytes:
 *	the max_region_bytes module parameter rounded down to a multiple of
 *	the page size, and never past %SHMDEV_CTL_OFFSET.
 * @max_channels: out: %SHMDEV_MAX_CHANNELS.
 * @page_size: out: the size regions are rounded up to (PAGE_SIZE).
 * @huge_page_size: out: the folio size of a %SHMDEV_CREATE_HUGE region,
 *	which its size is rounded up to (2 MiB on x86-64).  Added after the
 *	first version: a caller passing the first version's struct
 *	(%SHMDEV_API_SIZE_VER0 bytes) does not get it.
 * @ctl_offset: out: the mmap() offset of the control page (see DOC:
 *	control page), %SHMDEV_CTL_OFFSET; 0 from a module without one.
 *	Added in 0.3.0, as are the fields after it: a caller passing the
 *	0.2 struct (%SHMDEV_API_SIZE_VER1 bytes) does not get them.
 * @ctl_size: out: the length of the control page mapping, in bytes.
 * @ctl_channel_size: out: sizeof(struct shmdev_ctl_channel), the stride
 *	of the channels in the control page.
 *
 * All output fields must be zero on input.  A program written against
 * a later version tests the bits it needs and falls back when they are
 * absent.
 */
struct shmdev_api {
	__u32 version;
	__u32 flags;
	__u64 ioctls;
	__u64 create_flags;
	__u64 attach_flags;
	__u64 wait_flags;
	__u64 max_region_size;
	__u32 max_channels;
	__u32 page_size;
	__u64 huge_page_size;
	__u64 ctl_offset;
	__u32 ctl_size;
	__u32 ctl_channel_size;
};

/* Sizes of earlier published struct shmdev_api, which are still accepted. */
#define SHMDEV_API_SIZE_VER0	56
#define SHMDEV_API_SIZE_VER1	64

/* Open the region if the name exists (subject to permission) instead of EEXIST. */
#define SHMDEV_CREATE_OPEN		_BITUL(0)
/* Back a new region with huge folios (see DOC: huge regions). */
#define SHMDEV_CREATE_HUGE		_BITUL(1)
#define SHMDEV_CREATE_FLAGS_MASK	(SHMDEV_CREATE_OPEN | SHMDEV_CREATE_HUGE)

/* Set in @result_flags when CREATE made a new region (as opposed to opening one). */
#define SHMDEV_CREATE_RESULT_NEW	_BITUL(0)

/**
 * struct shmdev_create - create a named region and attach the file to it
 * @size: in: bytes, at least 1, rounded up to a multiple of the page size
 *	(of &shmdev_api.huge_page_size with %SHMDEV_CREATE_HUGE); the rounded
 *	size must not exceed max_region_bytes (E2BIG), so
 *	&shmdev_api.max_region_size is the largest size accepted.  With
 *	%SHMDEV_CREATE_OPEN and an existing region, must not exceed that
 *	region's size (EINVAL).
 * @nr_channels: in: notification channels, 1..%SHMDEV_MAX_CHANNELS.  With
 *	%SHMDEV_CREATE_OPEN and an existing region, must not exceed that
 *	region's channel count (EINVAL).
 * @flags: in: %SHMDEV_CREATE_* flags.
 * @mode: in: permission bits (0..0777), checked like SysV IPC's; ignored
 *	when an existing region is opened, as is %SHMDEV_CREATE_HUGE.
 * @result_flags: out: %SHMDEV_CREATE_RESULT_NEW if a region was created.
 * @id: out: the region's id, unique for the module's lifetime (never reused).
 * @name: in: 1 to 63 printable ASCII bytes (0x21..0x7e, no '/'), then a NUL;
 *	the bytes after the NUL must be zero.
 *
 * The file is attached read-write; it must be open for writing (EBADF)
 * and not attached already (EBUSY).  The region's owner and creator are
 * the caller's effective uid/gid.  Its memory is allocated, zeroed and charged
 * to the caller's memory cgroup now (ENOMEM, never an OOM kill), and
 * counted against the module limits (E2BIG for a rounded size past
 * max_region_bytes, ENOSPC when max_total_bytes or max_regions would be
 * exceeded) and the creator's per-user limits, as SHM_LOCK counts locked
 * SysV segments: the bytes of the regions alive that this effective uid
 * created may exceed neither max_user_bytes nor RLIMIT_MEMLOCK (ENOMEM),
 * and RLIMIT_MEMLOCK 0 refuses every CREATE that would make a new region
 * (EPERM); CAP_IPC_LOCK exempts.  %SHMDEV_CREATE_OPEN of an existing
 * region charges nothing and is not refused by the per-user limits.
 */
struct shmdev_create {
	__u64 size;
	__u32 nr_channels;
	__u32 flags;
	__u32 mode;
	__u32 result_flags;
	__u64 id;
	char name[SHMDEV_NAME_MAX];
};

/* Select the region by @id instead of by @name. */
#define SHMDEV_ATTACH_BY_ID		_BITUL(0)
/* Attach read-only: the region can never be mapped writable through this file. */
#define SHMDEV_ATTACH_RDONLY		_BITUL(1)
#define SHMDEV_ATTACH_FLAGS_MASK	(SHMDEV_ATTACH_BY_ID | SHMDEV_ATTACH_RDONLY)

/**
 * struct shmdev_attach - attach the file to an existing region
 * @id: in with %SHMDEV_ATTACH_BY_ID (and @name all zero); otherwise must
 *	be zero on input, and out: the id of the region found by name.
 * @flags: in: %SHMDEV_ATTACH_* flags.
 * @__pad: must be zero.
 * @name: in without %SHMDEV_ATTACH_BY_ID, same rules as at CREATE.
 *
 * Errors: ENOENT for a name or id that does not exist (or was destroyed),
 * EACCES when the caller lacks read (and, without %SHMDEV_ATTACH_RDONLY,
 * write) permission and CAP_IPC_OWNER, EBADF for a read-write attach on a
 * file not open for writing, EBUSY when the file is attached already.
 */
struct shmdev_attach {
	__u64 id;
	__u32 flags;
	__u32 __pad;
	char name[SHMDEV_NAME_MAX];
};

/* Describe the region with id @id rather than the one this file is attached to. */
#define SHMDEV_INFO_BY_ID		_BITUL(0)
#define SHMDEV_INFO_FLAGS_MASK		(SHMDEV_INFO_BY_ID)

/* In @region_flags: the region was destroyed; its name is gone. */
#define SHMDEV_REGION_DESTROYED		_BITUL(0)
/* In @region_flags: this file is attached read-only (attached region only). */
#define SHMDEV_REGION_RDONLY		_BITUL(1)
/* In @region_flags: the region was created with %SHMDEV_CREATE_HUGE. */
#define SHMDEV_REGION_HUGE		_BITUL(2)

/**
 * struct shmdev_info - describe a region
 * @id: in with %SHMDEV_INFO_BY_ID, else zero on input; out: the region id.
 * @flags: in: %SHMDEV_INFO_* flags.
 * @region_flags: out: %SHMDEV_REGION_* bits.
 * @size: out: size in bytes (a multiple of the page size).
 * @uid: out: owner uid.
 * @gid: out: owner gid.
 * @cuid: out: creator uid.
 * @cgid: out: creator gid.
 * @mode: out: permission bits.
 * @nr_channels: out: number of channels.
 * @nr_attached: out: open /dev/shmdev files attached to the region now (a
 *	closed file's mappings of the data count in @nr_mappings only; a
 *	mapping of the control page maps the /dev/shmdev file itself, so
 *	it keeps that file open and attached until it is unmapped).
 * @nr_mappings: out: VMAs mapping the region's data now (a split VMA
 *	counts twice; control-page mappings are not counted).
 * @name: out: the name, NUL-terminated and zero-padded.
 * @seq: out: each channel's sequence number; entries from @nr_channels
 *	on are zero.
 * @cpid: out: the process (thread group) that created the region, as the
 *	caller's pid namespace sees it; 0 if it cannot see it.  Added after
 *	the first version, as are the fields after it: a caller passing the
 *	first version's struct (%SHMDEV_INFO_SIZE_VER0 bytes) does not get
 *	them.
 * @lpid: out: the process that last attached a file to the region or
 *	closed an attached one (as shmat() and shmdt() set shm_lpid), in the
 *	caller's pid namespace; 0 if it cannot see it.
 * @ctime: out: when the region was created, in seconds since the Epoch.
 * @atime: out: when a file was last attached (CREATE attaches too).
 * @dtime: out: when an attached file was last released (closed, and
 *	unmapped if its control page was mapped), or 0 if none was.
 *
 * Without %SHMDEV_INFO_BY_ID the file must be attached (ENXIO).  By id,
 * any caller may read the metadata of any region, as ipcs(1) can for
 * SysV segments (ENOENT for an id that no longer exists or was destroyed;
 * a destroyed region is described only through a file attached to it,
 * with %SHMDEV_REGION_DESTROYED).  All input
 * fields other than @flags and @id must be zero.
 */
struct shmdev_info {
	__u64 id;
	__u32 flags;
	__u32 region_flags;
	__u64 size;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u32 nr_channels;
	__u32 nr_attached;
	__u32 nr_mappings;
	char name[SHMDEV_NAME_MAX];
	__u64 seq[SHMDEV_MAX_CHANNELS];
	__u32 cpid;
	__u32 lpid;
	__s64 ctime;
	__s64 atime;
	__s64 dtime;
};

/* Size of the first published struct shmdev_info, which is still accepted. */
#define SHMDEV_INFO_SIZE_VER0	632

/* Select the region by @id instead of by @name. */
#define SHMDEV_DESTROY_BY_ID		_BITUL(0)
#define SHMDEV_DESTROY_FLAGS_MASK	(SHMDEV_DESTROY_BY_ID)

/**
 * struct shmdev_destroy - remove a region's name (unlink)
 * @id: in with %SHMDEV_DESTROY_BY_ID (and @name all zero), else zero.
 * @flags: in: %SHMDEV_DESTROY_* flags.
 * @__pad: must be zero.
 * @name: in without %SHMDEV_DESTROY_BY_ID, same rules as at CREATE.
 *
 * The name disappears at once; the memory stays until the last attached
 * file is closed and the last mapping is gone, as with IPC_RMID and
 * shm_unlink().  Only the owner, the creator or a CAP_SYS_ADMIN caller
 * may destroy (EPERM); ENOENT if no such region.  The file need not be
 * attached.
 */
struct shmdev_destroy {
	__u64 id;
	__u32 flags;
	__u32 __pad;
	char name[SHMDEV_NAME_MAX];
};

/**
 * struct shmdev_list - enumerate the ids of live (not destroyed) regions
 * @ids_ptr: in: user pointer to an array of @capacity __u64, or 0.
 * @capacity: in: entries @ids_ptr can hold (0 to ask for the count only).
 * @count: out: number of live regions; when larger than @capacity, only
 *	the first @capacity ids (in increasing order) were written.
 *
 * Ids are written in increasing order.  The set may change as soon as
 * the call returns; %SHMDEV_IOC_INFO with %SHMDEV_INFO_BY_ID then gives
 * ENOENT for an id that went away.
 */
struct shmdev_list {
	__u64 ids_ptr;
	__u32 capacity;
	__u32 count;
};

/**
 * struct shmdev_notify - advance a channel and wake its waiters
 * @channel: in: channel index, below the region's channel count (EINVAL).
 * @flags: in: must be zero.
 * @seq: out: the channel's new sequence number.
 *
 * Any attached file may notify, read-only ones included (a consumer
 * signals "space free" back to its producer).
 */
struct shmdev_notify {
	__u32 channel;
	__u32 flags;
	__u64 seq;
};

/* @timeout_ns is an absolute CLOCK_MONOTONIC time rather than a duration. */
#define SHMDEV_WAIT_ABSTIME		_BITUL(0)
#define SHMDEV_WAIT_FLAGS_MASK		(SHMDEV_WAIT_ABSTIME)

/**
 * struct shmdev_wait - wait until a channel's sequence differs from @seq
 * @channel: in: channel index (EINVAL if out of range).
 * @flags: in: %SHMDEV_WAIT_* flags.
 * @seq: in: the sequence the caller has seen; out: the current sequence.
 * @timeout_ns: in: how long to wait in nanoseconds (%SHMDEV_WAIT_FOREVER:
 *	no limit; 0: do not sleep), or with %SHMDEV_WAIT_ABSTIME a
 *	CLOCK_MONOTONIC deadline.
 *
 * Returns 0 at once if the channel's sequence already differs from @seq,
 * so a notification that lands between reading the sequence and calling
 * WAIT is never lost.  Fails with ETIMEDOUT when the time runs out (and
 * still writes the current sequence to @seq, which is then the one the
 * caller passed: a notify that comes as the time runs out makes the wait
 * return 0 with the new sequence).  A signal makes a wait with
 * a finite relative timeout fail with EINTR, even after a handler
 * installed with SA_RESTART (a restart would start the timeout again); an
 * absolute wait, and one with %SHMDEV_WAIT_FOREVER, is restarted after
 * such a handler, which cannot extend an absolute deadline.  As for
 * epoll_wait() and the other calls signal(7) lists, a wait with a finite
 * relative timeout also fails with EINTR when its process is stopped by a
 * stop signal such as SIGSTOP and continued with SIGCONT, with no signal
 * handler installed; an absolute wait, and one with %SHMDEV_WAIT_FOREVER,
 * is then restarted and goes on waiting (an absolute one until the same
 * deadline).
 *
 * A wait is on the region, not on its name or the file descriptor.  A
 * DESTROY of the region while a thread sleeps in WAIT does not end the
 * wait: it sleeps on until a NOTIFY, through any file still attached to
 * the region, or its timeout.  Nor does close() of the file descriptor by
 * another thread: as in other system calls, WAIT holds its own reference
 * to the file, which stays attached until the call returns.
 */
struct shmdev_wait {
	__u32 channel;
	__u32 flags;
	__u64 seq;
	__u64 timeout_ns;
};

/**
 * struct shmdev_ack - acknowledge channels for poll()
 * @channels: in: mask of channels to acknowledge (bit N = channel N); bits
 *	at or above the region's channel count must be zero (EINVAL).
 * @pending: out: the channels, among all of the region's, that had
 *	advanced past this file's acknowledged sequence before this call.
 *
 * Each open file keeps one acknowledged sequence per channel, set to the
 * channel's sequence when the file attaches.  poll()/select()/epoll
 * report EPOLLIN while any channel's sequence differs from the file's
 * acknowledged one, and EPOLLERR on a file that is not attached.  A file
 * may be added to an epoll set before it attaches: from ATTACH on, the
 * region's NOTIFYs wake the set like any others.  ACK
 * records the current sequence of every channel in @channels; a NOTIFY
 * after that makes the file readable again, so no event falls between
 * acknowledging and waiting.
 */
struct shmdev_ack {
	__u64 channels;
	__u64 pending;
};

/**
 * struct shmdev_waitv - wait until any of several channels advances
 * @channels: in: mask of channels to wait on (bit N = channel N), not
 *	empty, no bit at or above the region's channel count (EINVAL).
 * @seqs_ptr: in: user pointer to an array of __u64 indexed by channel:
 *	entry N, read for every bit N of @channels, is the sequence the
 *	caller has seen on channel N.  The array needs (index of the highest
 *	bit of @channels) + 1 entries; it is only read (EFAULT).
 * @timeout_ns: in: as &shmdev_wait.timeout_ns.
 * @flags: in: %SHMDEV_WAIT_* flags.
 * @__pad: must be zero.
 * @advanced: out: the channels of @channels whose sequence differed from
 *	the caller's when the wait ended (zero with ETIMEDOUT, when it is
 *	still written).  Must be zero on input.
 *
 * Returns at once when a channel of @channels has already advanced, else
 * sleeps until a NOTIFY (or a fast-path notify that wakes) on one of
 * them, the timeout, or a signal, with the rules of %SHMDEV_IOC_WAIT.
 * Like futex_waitv() for futexes: one sleep on up to 64 channels.
 */
struct shmdev_waitv {
	__u64 channels;
	__u64 seqs_ptr;
	__u64 timeout_ns;
	__u32 flags;
	__u32 __pad;
	__u64 advanced;
};

/**
 * struct shmdev_poll_mask - choose the channels that make a file readable
 * @channels: in: mask of channels (bit N = channel N); bits at or above
 *	the region's channel count must be zero (EINVAL).  Zero is allowed:
 *	the file then never polls readable.
 * @previous: out: the mask before this call.  Must be zero on input.
 *
 * An attached file starts with all of its region's channels selected.
 * poll()/select()/epoll report EPOLLIN while a selected channel's
 * sequence differs from the file's acknowledged one; NOTIFYs on other
 * channels neither make it readable nor wake its pollers.  So a process
 * that notifies channel 0 and waits on channel 1 selects channel 1 only,
 * and its own NOTIFYs never wake it.  ACK is unchanged: it reports and
 * acknowledges any channel, selected or not.
 */
struct shmdev_poll_mask {
	__u64 channels;
	__u64 previous;
};

/**
 * struct shmdev_ctl_channel - one channel's words in the control page
 * @seq: the channel's sequence number, which INFO, WAIT and poll read.
 *	NOTIFY adds 1 to it; so may any process that maps the control page
 *	(the fast path), with an atomic add that is a full barrier.
 * @waiters: tasks sleeping in WAIT or WAITV on the channel, plus attached
 *	files that have been polled and select the channel (see
 *	&struct shmdev_poll_mask).  Written by the kernel only.
 * @__reserved: zero; room for later words.
 *
 * One 64-byte cache line per channel, so that notifiers of different
 * channels do not share a line.
 */
struct shmdev_ctl_channel {
	__u64 seq;
	__u32 waiters;
	__u32 __reserved[13];
};

/**
 * struct shmdev_ctl_page - the layout of a region's control page
 * @channel: one entry per channel; entries at or above the region's
 *	channel count are zero and unused.
 */
struct shmdev_ctl_page {
	struct shmdev_ctl_channel channel[SHMDEV_MAX_CHANNELS];
};

/* The mmap() offset of the control page; also in &shmdev_api.ctl_offset. */
#define SHMDEV_CTL_OFFSET	_BITULL(43)

/**
 * DOC: control page
 *
 * Each region has one page of channel state that userspace can map:
 * mmap(NULL, &shmdev_api.ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
 * &shmdev_api.ctl_offset) on an attached file.  It holds, for each
 * channel, the sequence number itself (not a copy) and the count of
 * recorded waiters (&struct shmdev_ctl_channel).  The length, rounded up
 * to pages as mmap() does, must be &shmdev_api.ctl_size and the mapping
 * MAP_SHARED (EINVAL); it is
 * never executable, never grows, and is shared across fork().  A
 * read-only attach may map it writable (it holds no region data, and a
 * read-only attach may NOTIFY anyway) if the file was opened for writing;
 * as for any file, one opened O_RDONLY maps it PROT_READ only, and then
 * notifies through the ioctls.  /proc/PID/maps shows it as /dev/shmdev.
 *
 * The fast path, which libshmdev's shmdev_ctl_*() functions implement:
 *
 *  - notify: atomically add 1 to @seq (a full barrier, e.g. a
 *    sequentially consistent fetch-add), then read @waiters; only if it is
 *    not zero call %SHMDEV_IOC_WAKE, which wakes without advancing.
 *  - try-wait: read @seq (acquire); if it differs from the sequence the
 *    caller has seen, the channel advanced: no system call.
 *  - wait: try-wait, then %SHMDEV_IOC_WAIT (or WAITV) with the seen
 *    sequence.  The kernel adds itself to @waiters and then issues a full
 *    barrier before it reads @seq again, so of a notifier and a waiter
 *    racing, either the notifier sees @waiters non-zero and wakes, or the
 *    waiter sees the new @seq and does not sleep: no wake-up is lost.
 *    poll() counts a polled file in @waiters the same way, so the fast
 *    path wakes epoll too.
 *
 * The words are shared by every process that maps the page.  The kernel
 * never trusts them for anything but the decision to sleep: a process that
 * writes garbage into them can cause spurious or missed wake-ups among the
 * region's users (who can all NOTIFY anyway), never a fault, a leak or an
 * access to memory outside the page.
 */

/**
 * DOC: mmap
 *
 * mmap() of an attached file maps the region: offset 0 is the region's
 * first byte.  The offset must be page aligned (huge page aligned for a
 * huge region, else EINVAL) and offset + length must
 * lie within the region (ENXIO otherwise).  A mapping never grows:
 * mremap() to a larger size fails with EFAULT, even where the region
 * would have room (VM_DONTEXPAND), and the fault path re-checks every
 * page against the region's size.
 * An unattached file cannot be mapped (ENXIO).
 *
 * The mapping belongs to the region, not to the /dev/shmdev descriptor:
 * closing the descriptor leaves it working, and /proc/PID/maps, smaps and
 * /proc/PID/map_files show it as "/shmdev:NAME (id N) (deleted)", with the
 * region's own inode number (" (deleted)" is what the kernel appends to
 * any file without a directory entry, as for memfd; it does not mean
 * DESTROY).  That file cannot be opened: open() of its map_files entry
 * fails with ENXIO in every mode.  MADV_REMOVE fails with EOPNOTSUPP on a
 * writable shared mapping (EACCES on others): regions have no holes.
 *
 * MAP_SHARED maps the region's own pages: every process sees the same
 * physical frames, fork() shares them, and process-shared futexes
 * (pthread mutexes, condition variables, sem_init(pshared=1)) work.
 * A file attached with %SHMDEV_ATTACH_RDONLY maps the region read-only: a
 * MAP_SHARED mapping with PROT_WRITE fails with EACCES and mprotect() can
 * never add write permission to one.  As with a file opened O_RDONLY, a
 * MAP_PRIVATE mapping of it may be writable: writes go to private copies
 * and the region is unchanged.
 *
 * MAP_PRIVATE gives a copy-on-write view: reads see the region, and the
 * first write to a page gives this process its own copy, which nobody
 * else sees; the region is unchanged.
 *
 * The memory is never swapped or dropped by reclaim; DESTROY and closing
 * files do not take it away from a process that still maps it.  So
 * mlock() is not needed, and it cannot lock these mappings: they are
 * special ones (VM_DONTEXPAND), which the kernel never marks VM_LOCKED.
 * mlock(), mlock2() even with MLOCK_ONFAULT, and mlockall(MCL_CURRENT)
 * even with MCL_ONFAULT map every page of such a mapping but lock none:
 * /proc/PID/smaps shows Locked: 0 kB for it and VmLck in /proc/PID/status
 * does not count it.  After mlockall(MCL_FUTURE), mmap() of a region
 * likewise maps every page and locks none.  MAP_POPULATE or
 * madvise(MADV_POPULATE_WRITE) maps every page up front.
 */

/**
 * DOC: huge regions
 *
 * CREATE with %SHMDEV_CREATE_HUGE backs the region with folios of
 * &shmdev_api.huge_page_size (2 MiB, order 9, on x86-64) taken from the
 * page allocator; no hugetlbfs pool is needed.  The size is rounded up to
 * that size and charged in whole folios.  When no such block can be had
 * the CREATE fails with ENOMEM: it never falls back to small pages.
 * Compacting memory (writing 1 to /proc/sys/vm/compact_memory) and trying
 * again may help.
 *
 * mmap() offsets of a huge region must be multiples of the huge page size
 * (EINVAL otherwise).  Where the kernel has transparent huge pages, a
 * mapping without MAP_FIXED is placed at an address aligned to it, and
 * faults then map each whole folio with one PMD entry (smaps:
 * FilePmdMapped).  Where that cannot be done, the same
 * folios are mapped with page-size PTEs and everything else works alike:
 * on kernels without transparent huge pages (PREEMPT_RT; MADV_NOHUGEPAGE
 * fails with EINVAL there), for a MAP_FIXED
 * address not aligned like the offset, for a range that does not cover a
 * whole folio, after MADV_NOHUGEPAGE or PR_SET_THP_DISABLE (6.12 honours
 * them here; 6.1 ignores them), and in a range whose
 * protection was changed for part of a folio (mprotect() splits the PMD).
 * The first write to a page of a MAP_PRIVATE mapping splits that PMD and
 * copies that one page.  The kernel never splits the folios themselves
 * from 6.10 on (nor without transparent huge pages); earlier ones cannot
 * be told not to, and a folio they split keeps its data and frames but is
 * mapped with PTEs from then on.
 */

/* Select the region by @id instead of the file's attached region. */
#define SHMDEV_MAP_BY_ID		_BITUL(0)
/* One record per page: do not merge pages into runs. */
#define SHMDEV_MAP_PER_PAGE		_BITUL(1)
#define SHMDEV_MAP_FLAGS_MASK		(SHMDEV_MAP_BY_ID | SHMDEV_MAP_PER_PAGE)

/* In @result_flags: @pfn, @entry and @table hold values (CAP_SYS_ADMIN). */
#define SHMDEV_MAP_RESULT_RAW		_BITUL(0)
/* In @result_flags: @nr_vmas or @nr_runs exceeded the capacity given. */
#define SHMDEV_MAP_RESULT_TRUNCATED	_BITUL(1)
/* In @result_flags: the kernel keeps no per-page mapcount (@mapcount is the folio's). */
#define SHMDEV_MAP_RESULT_FOLIO_MAPCOUNT	_BITUL(2)
/* In @result_flags: this kernel has no transparent huge pages: no PMD leaves. */
#define SHMDEV_MAP_RESULT_NO_THP	_BITUL(3)
/* In @result_flags: the kernel tracks soft-dirty (%SHMDEV_BIT_SOFT_DIRTY is meaningful). */
#define SHMDEV_MAP_RESULT_SOFT_DIRTY	_BITUL(4)

/* The largest @vma_size and @run_size accepted. */
#define SHMDEV_MAP_RECORD_MAX		4096

/**
 * struct shmdev_map - where a region sits in the page tables of every
 *	process that maps it
 * @id: in with %SHMDEV_MAP_BY_ID, else zero on input; out: the region id.
 * @flags: in: %SHMDEV_MAP_* flags.
 * @result_flags: out: %SHMDEV_MAP_RESULT_* bits.
 * @vmas_ptr: in: user pointer to an array of @vma_capacity records of
 *	@vma_size bytes each, or 0.
 * @runs_ptr: in: user pointer to an array of @run_capacity records of
 *	@run_size bytes each, or 0.
 * @vma_size: in: sizeof(struct shmdev_map_vma) as the caller knows it: a
 *	multiple of 8 from %SHMDEV_MAP_VMA_SIZE_VER0 to
 *	%SHMDEV_MAP_RECORD_MAX (else EINVAL).  A larger record than this
 *	kernel's gets zeroes past what it fills.
 * @run_size: in: sizeof(struct shmdev_map_run) as the caller knows it,
 *	with the same rules from %SHMDEV_MAP_RUN_SIZE_VER0.
 * @vma_capacity: in: records @vmas_ptr can hold (0: count only); non-zero
 *	with a zero @vmas_ptr is EINVAL.
 * @run_capacity: in: records @runs_ptr can hold (0: count only); likewise.
 * @nr_vmas: out: VMAs reported; when larger than @vma_capacity only the
 *	first @vma_capacity were written (%SHMDEV_MAP_RESULT_TRUNCATED).
 * @nr_runs: out: runs reported, likewise against @run_capacity.
 * @nr_hidden: out: VMAs of processes whose maps the caller may not read,
 *	counted but not described.
 * @levels: out: paging levels of the walk (4, or 5 with LA57; with 4 the
 *	P4D level is folded into the PGD: its entry repeats the PGD's and
 *	its index is 0).
 * @region_pages: out: the region's size in pages.
 * @page_size: out: PAGE_SIZE.
 * @__pad: must be zero.
 * @huge_page_size: out: the size of a PMD leaf (0 without THP).
 * @__reserved: must be zero.
 *
 * A read-only snapshot for study and debugging, taken per process: each
 * process's VMAs and entries are read under that process's mmap lock, so
 * they are consistent within the process, while different processes are
 * read one after another.  Nothing is changed: no page is faulted in and
 * no accessed or dirty bit is cleared.  Processes are reported in
 * increasing pid order and each process's VMAs in address order.
 *
 * Who may see what (never more than /proc/PID/maps and /proc/PID/pagemap
 * show the same caller):
 *  - the region: without %SHMDEV_MAP_BY_ID the file's attached region
 *    (ENXIO if none); by id, a live region of the caller's user namespace
 *    (ENOENT) that the file is attached to or that the caller may attach
 *    at least read-only (EACCES);
 *  - a process's VMAs and runs only if the caller may read that process's
 *    /proc/PID/maps.  Modules cannot ask ptrace, so the module applies
 *    ptrace's default rule for that read access, never wider: the
 *    caller's own process; or a process whose real, effective and saved
 *    uids and gids all equal the caller's filesystem uid and gid and that
 *    is dumpable (not after a setuid or setgid exec, nor with
 *    PR_SET_DUMPABLE 0); or any process when the caller has
 *    CAP_SYS_PTRACE in its user namespace (and, if it is not dumpable, in
 *    the namespace it was exec'd in).  Security modules, which can only
 *    refuse more, are not consulted.  The others' VMAs count in
 *    @nr_hidden;
 *  - frames, raw entries and counts only with CAP_SYS_ADMIN, as pagemap
 *    shows frames and /proc/kpagecount counts: without it @pfn, @entry,
 *    @table, @folio_refcount and @mapcount are zero, runs are merged
 *    without regard to frames, and %SHMDEV_MAP_RESULT_RAW is clear.
 *
 * All inputs but @flags, @id (with %SHMDEV_MAP_BY_ID), the pointers,
 * sizes and capacities must be zero (EINVAL), as must @id without
 * %SHMDEV_MAP_BY_ID.  The arrays are written as the processes are read;
 * a pointer that cannot be written fails the call with EFAULT.
 *
 * A second call with capacities from the first may find a different
 * number of records if processes mapped, faulted or unmapped in between.
 */
struct shmdev_map {
	__u64 id;
	__u32 flags;
	__u32 result_flags;
	__u64 vmas_ptr;
	__u64 runs_ptr;
	__u32 vma_size;
	__u32 run_size;
	__u32 vma_capacity;
	__u32 run_capacity;
	__u32 nr_vmas;
	__u32 nr_runs;
	__u32 nr_hidden;
	__u32 levels;
	__u64 region_pages;
	__u32 page_size;
	__u32 __pad;
	__u64 huge_page_size;
	__u64 __reserved[4];
};

/* In @vma_flags: the mapping is MAP_SHARED (VM_MAYSHARE). */
#define SHMDEV_VMA_SHARED		_BITUL(0)
#define SHMDEV_VMA_READ			_BITUL(1)
#define SHMDEV_VMA_WRITE		_BITUL(2)
#define SHMDEV_VMA_EXEC			_BITUL(3)
/* In @vma_flags: mprotect() may add write permission (VM_MAYWRITE). */
#define SHMDEV_VMA_MAYWRITE		_BITUL(4)
/* In @vma_flags: MADV_NOHUGEPAGE (VM_NOHUGEPAGE). */
#define SHMDEV_VMA_NOHUGEPAGE		_BITUL(5)
/* In @vma_flags: MADV_HUGEPAGE (VM_HUGEPAGE). */
#define SHMDEV_VMA_HUGEPAGE		_BITUL(6)
/* In @vma_flags: the process has PR_SET_THP_DISABLE. */
#define SHMDEV_VMA_THP_DISABLED		_BITUL(7)
/* In @vma_flags: the mapping was made through a read-only attach. */
#define SHMDEV_VMA_RDONLY_ATTACH	_BITUL(8)

/**
 * struct shmdev_map_vma - one VMA mapping the region
 * @start: out: first address.
 * @end: out: address after the last byte.
 * @pgoff: out: the region page at @start.
 * @pid: out: the process (thread group) id, in the caller's pid namespace.
 * @vma_flags: out: %SHMDEV_VMA_* bits.
 * @comm: out: the process's name, NUL-terminated.
 * @first_run: out: index of this VMA's first record in the runs array.
 * @nr_runs: out: its number of runs; together they cover [@start, @end).
 */
struct shmdev_map_vma {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 pid;
	__u32 vma_flags;
	char comm[16];
	__u32 first_run;
	__u32 nr_runs;
};

#define SHMDEV_MAP_VMA_SIZE_VER0	56

/* @level: nothing is mapped there (not yet faulted, or zapped). */
#define SHMDEV_LEVEL_NONE	0
/* @level: mapped by page table entries. */
#define SHMDEV_LEVEL_PTE	1
/* @level: mapped by one PMD leaf entry per huge page. */
#define SHMDEV_LEVEL_PMD	2

/* In @bits: decoded hardware bits of the leaf entry (x86-64 names). */
#define SHMDEV_BIT_PRESENT	_BITUL(0)
#define SHMDEV_BIT_RW		_BITUL(1)
#define SHMDEV_BIT_USER		_BITUL(2)
#define SHMDEV_BIT_PWT		_BITUL(3)
#define SHMDEV_BIT_PCD		_BITUL(4)
#define SHMDEV_BIT_ACCESSED	_BITUL(5)
#define SHMDEV_BIT_DIRTY	_BITUL(6)
#define SHMDEV_BIT_PSE		_BITUL(7)
#define SHMDEV_BIT_GLOBAL	_BITUL(8)
#define SHMDEV_BIT_NX		_BITUL(9)
#define SHMDEV_BIT_PAT		_BITUL(10)
/* In @bits: software bits the kernel keeps in the entry. */
#define SHMDEV_BIT_SOFT_DIRTY	_BITUL(16)
#define SHMDEV_BIT_UFFD_WP	_BITUL(17)
#define SHMDEV_BIT_SPECIAL	_BITUL(18)

/* @kind: no page (level %SHMDEV_LEVEL_NONE). */
#define SHMDEV_PAGE_NONE	0
/* @kind: the region's own page. */
#define SHMDEV_PAGE_REGION	1
/* @kind: an anonymous copy made by a write to a MAP_PRIVATE mapping. */
#define SHMDEV_PAGE_ANON_COPY	2
/* @kind: a page that is neither (not expected; reported rather than hidden). */
#define SHMDEV_PAGE_OTHER	3

/*
 * @why_pte: why a huge region's pages are not mapped by a PMD leaf here.
 * MISALIGNED: address and offset are not congruent modulo the huge page
 * size.  PARTIAL: the VMA covers only part of the huge page (a partial
 * mprotect() or munmap() split it).  SPLIT: the PMD was split for another
 * reason (the kernel's choice).
 */
#define SHMDEV_WHY_NONE		0	/* not applicable (PMD leaf, small region) */
#define SHMDEV_WHY_NOT_FAULTED	1	/* nothing mapped yet */
#define SHMDEV_WHY_NO_THP	2	/* the kernel has no transparent huge pages */
#define SHMDEV_WHY_MISALIGNED	3	/* see above */
#define SHMDEV_WHY_PARTIAL	4	/* see above */
#define SHMDEV_WHY_NOHUGEPAGE	5	/* MADV_NOHUGEPAGE on the VMA */
#define SHMDEV_WHY_THP_DISABLED	6	/* PR_SET_THP_DISABLE in the process */
#define SHMDEV_WHY_COPIED	7	/* a MAP_PRIVATE write copied pages of it */
#define SHMDEV_WHY_SPLIT	8	/* see above */

/**
 * struct shmdev_map_run - pages of one VMA with equal attributes
 * @addr: out: first address.
 * @nr_pages: out: pages (PAGE_SIZE each) in the run.
 * @pgoff: out: the region page at @addr.
 * @pfn: out: the frame of the first page; the run's frames are
 *	contiguous.  Zero without %SHMDEV_MAP_RESULT_RAW.
 * @entry: out: the raw leaf entry (PTE or PMD) of the first page; later
 *	pages' entries differ only in the frame.  Zero without
 *	%SHMDEV_MAP_RESULT_RAW or with level %SHMDEV_LEVEL_NONE.
 * @table: out: the raw PGD, P4D, PUD and PMD entries above the first page
 *	(for a PMD leaf, @table[3] equals @entry).  Zero without
 *	%SHMDEV_MAP_RESULT_RAW.
 * @index: out: the first page's index into the PGD, P4D, PUD, PMD and
 *	PTE tables (the PTE index of a PMD leaf is the page's place in it).
 * @level: out: %SHMDEV_LEVEL_*.
 * @bits: out: %SHMDEV_BIT_* decoded from the leaf entry.
 * @kind: out: %SHMDEV_PAGE_*.
 * @why_pte: out: %SHMDEV_WHY_* for a huge region's pages not mapped by a
 *	PMD leaf, else %SHMDEV_WHY_NONE.
 * @folio_order: out: the order of the folio of the first page.
 * @folio_refcount: out: that folio's reference count (zero without
 *	%SHMDEV_MAP_RESULT_RAW).
 * @mapcount: out: the first page's mapcount (PTE mappings of it plus PMD
 *	mappings of its folio), or the folio's where the kernel keeps no
 *	per-page count (%SHMDEV_MAP_RESULT_FOLIO_MAPCOUNT); zero without
 *	%SHMDEV_MAP_RESULT_RAW.
 * @__pad: zero.
 *
 * Consecutive pages merge into one run when their level, bits, kind,
 * why_pte, folio order, refcount and mapcount are equal, their entries
 * equal but for the frame, and (with %SHMDEV_MAP_RESULT_RAW) their frames
 * contiguous, unless %SHMDEV_MAP_PER_PAGE.  Runs never cross a VMA.
 * @why_pte is decided in this order, the first that applies: no THP,
 * misaligned, partial, no-huge-page advice, THP disabled, not faulted
 * (for a page with level %SHMDEV_LEVEL_NONE), copied (a page in the same
 * huge page's range is an anonymous copy), split.
 */
struct shmdev_map_run {
	__u64 addr;
	__u64 nr_pages;
	__u64 pgoff;
	__u64 pfn;
	__u64 entry;
	__u64 table[4];
	__u16 index[5];
	__u16 folio_order;
	__u32 level;
	__u32 bits;
	__u32 kind;
	__u32 why_pte;
	__u32 folio_refcount;
	__s32 mapcount;
	__u32 __pad;
};

#define SHMDEV_MAP_RUN_SIZE_VER0	112

/**
 * DOC: ioctls
 *
 * %SHMDEV_IOC_API: &struct shmdev_api, what the module supports.
 *
 * %SHMDEV_IOC_CREATE: &struct shmdev_create, create (or open) and attach.
 *
 * %SHMDEV_IOC_ATTACH: &struct shmdev_attach, attach by name or id.
 *
 * %SHMDEV_IOC_INFO: &struct shmdev_info, describe a region.
 *
 * %SHMDEV_IOC_DESTROY: &struct shmdev_destroy, unlink a region's name.
 *
 * %SHMDEV_IOC_LIST: &struct shmdev_list, enumerate region ids.
 *
 * %SHMDEV_IOC_NOTIFY: &struct shmdev_notify, advance a channel.
 *
 * %SHMDEV_IOC_WAIT: &struct shmdev_wait, wait for a channel to advance.
 *
 * %SHMDEV_IOC_ACK: &struct shmdev_ack, acknowledge channels for poll().
 *
 * %SHMDEV_IOC_MAP: &struct shmdev_map, a region's page-table entries in
 * every process that maps it.
 *
 * %SHMDEV_IOC_POST: the argument is a channel index, not a pointer:
 * advance that channel and wake its waiters, like NOTIFY without the
 * argument struct (the new sequence is in the control page).
 *
 * %SHMDEV_IOC_WAKE: the argument is a channel index: wake the channel's
 * waiters and pollers without advancing it, for a notifier that advanced
 * the sequence in the control page itself (DOC: control page).
 *
 * %SHMDEV_IOC_WAITV: &struct shmdev_waitv, wait on several channels.
 *
 * %SHMDEV_IOC_POLL_MASK: &struct shmdev_poll_mask, choose the channels
 * that make the file readable.
 *
 * Every ioctl returns 0 on success, or -1 with errno set.  NOTIFY, WAIT,
 * ACK, POST, WAKE, WAITV and POLL_MASK need an attached file (ENXIO); a
 * channel index at or above the region's channel count gives EINVAL.
 */

#define SHMDEV_IOC_MAGIC	0xB6

#define SHMDEV_IOC_API		_IOWR(SHMDEV_IOC_MAGIC, 0x00, struct shmdev_api)
#define SHMDEV_IOC_CREATE	_IOWR(SHMDEV_IOC_MAGIC, 0x01, struct shmdev_create)
#define SHMDEV_IOC_ATTACH	_IOWR(SHMDEV_IOC_MAGIC, 0x02, struct shmdev_attach)
#define SHMDEV_IOC_INFO		_IOWR(SHMDEV_IOC_MAGIC, 0x03, struct shmdev_info)
#define SHMDEV_IOC_DESTROY	_IOW(SHMDEV_IOC_MAGIC, 0x04, struct shmdev_destroy)
#define SHMDEV_IOC_LIST		_IOWR(SHMDEV_IOC_MAGIC, 0x05, struct shmdev_list)
#define SHMDEV_IOC_NOTIFY	_IOWR(SHMDEV_IOC_MAGIC, 0x06, struct shmdev_notify)
#define SHMDEV_IOC_WAIT		_IOWR(SHMDEV_IOC_MAGIC, 0x07, struct shmdev_wait)
#define SHMDEV_IOC_ACK		_IOWR(SHMDEV_IOC_MAGIC, 0x08, struct shmdev_ack)
#define SHMDEV_IOC_MAP		_IOWR(SHMDEV_IOC_MAGIC, 0x09, struct shmdev_map)
#define SHMDEV_IOC_POST		_IO(SHMDEV_IOC_MAGIC, 0x0a)
#define SHMDEV_IOC_WAKE		_IO(SHMDEV_IOC_MAGIC, 0x0b)
#define SHMDEV_IOC_WAITV	_IOWR(SHMDEV_IOC_MAGIC, 0x0c, struct shmdev_waitv)
#define SHMDEV_IOC_POLL_MASK	_IOWR(SHMDEV_IOC_MAGIC, 0x0d, struct shmdev_poll_mask)

#endif /* _UAPI_LINUX_SHMDEV_H */
