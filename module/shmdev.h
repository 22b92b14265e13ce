/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev internal interfaces.
 *
 * Objects and who keeps them alive:
 *
 *   struct shmdev_file    one per open /dev/shmdev file (file->private_data).
 *                         Holds, once attached, one reference on its region
 *                         file.
 *   region file           one per attach (backing.c, shmdev_backing_file()):
 *                         a file on the region's inode, read-only for a
 *                         read-only attach.  Holds one reference on the
 *                         region and, through f_op->owner, on the module.
 *                         mmap() of /dev/shmdev makes it the VMA's vm_file, so
 *                         every mapping keeps the region and module alive.
 *   struct shmdev_region  a named region.  References: one from the registry
 *                         while the name exists (dropped by DESTROY or module
 *                         exit), one per region file.  The registry pins no
 *                         module: rmmod frees regions nobody uses.
 *   region->inode         a pseudo-filesystem inode whose page cache holds the
 *                         region's folios; emptied when the region is freed.
 *                         No PTE can point at a folio by then: every region
 *                         file, hence every mapping, is gone.
 *
 * Lock order (outermost first):
 *   shmdev_file.lock  ->  shmdev_registry_lock  ->  shmdev_account_lock
 *   shmdev_file.ack_lock  ->  region->poll_wq.lock   (poll links the file)
 *   region->poll_wq.lock  ->  shmdev_file.poll_wq.lock
 *                         (NOTIFY's wakeup is forwarded to each polled file)
 * shmdev_file.ack_lock is taken under no other lock of the module.  mmap_lock
 * is never taken under any of them: no copy_*_user while holding them (the
 * ioctl dispatcher copies in before and out after the handler).
 */
#ifndef _SHMDEV_H
#define _SHMDEV_H

#include <linux/bitops.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include <linux/shmdev.h>

#include "compat.h"

/**
 * struct shmdev_channel - the kernel's half of a notification channel
 * @wq: tasks in WAIT or WAITV on this channel.
 *
 * The other half, the sequence and the waiter count, is in the region's
 * control page (shmdev_seq(), shmdev_waiters()).
 */
struct shmdev_channel {
	wait_queue_head_t wq;
};

/**
 * struct shmdev_wait_slot - one channel a WAIT or WAITV sleeps on
 * @entry: the sleeper's entry on the channel's wait queue.
 * @expected: the sequence the caller has seen.
 * @channel: a valid channel index.
 */
struct shmdev_wait_slot {
	struct wait_queue_entry entry;
	u64 expected;
	u32 channel;
};

/**
 * struct shmdev_region - a named shared-memory region
 * @ref: see the top of this file.
 * @id: registry key; never reused while the module is loaded.
 * @name: NUL-terminated, zero-padded.
 * @name_node: entry in the name hash, or in the claims while being created;
 *	under shmdev_registry_lock.
 * @destroyed: the name is gone; under shmdev_registry_lock (read locklessly
 *	for INFO, where a stale answer is harmless).
 * @size: bytes, a multiple of PAGE_SIZE << @order.
 * @nr_pages: @size in pages; the bound checked at mmap and in the fault path.
 * @order: order of the region's folios: 0, or SHMDEV_HUGE_ORDER for a
 *	region created with %SHMDEV_CREATE_HUGE.
 * @inode: owner of the page cache holding the region's memory.
 * @user_ns: the user namespace whose callers can find the region (a
 *	reference); owner ids are reported through the caller's namespace.
 * @user: the accounting entry charged for @size (account.c).
 * @uid: owner uid.  Immutable, as are @gid, @cuid, @cgid and @mode.
 * @cuid: creator uid.
 * @gid: owner gid.
 * @cgid: creator gid.
 * @mode: permission bits (0777 mask).
 * @nr_attached: files attached now.
 * @nr_mappings: VMAs mapping the region now.
 * @cpid: the creating thread group (a reference).  Immutable, as is @ctime.
 * @ctime: creation time, seconds since the Epoch.
 * @stamp_lock: protects @lpid, @atime and @dtime.
 * @lpid: the thread group that last attached or detached a file (a
 *	reference).
 * @atime: when a file was last attached.
 * @dtime: when an attached file was last released, or 0.
 * @poll_wq: the @poll_link entries of the attached files that have been
 *	polled, woken by a NOTIFY that finds waiters; each passes the wakeup
 *	on to its file's poll queue if the file selects the channel.
 * @ctl: the control page (ctl.c): the channels' sequences and waiter
 *	counts, mapped into userspace; freed with the region.
 * @nr_channels: number of entries in @channels.
 * @channels: the notification channels.
 */
struct shmdev_region {
	refcount_t ref;
	u64 id;
	char name[SHMDEV_NAME_MAX];
	struct hlist_node name_node;
	bool destroyed;
	u64 size;
	pgoff_t nr_pages;
	unsigned int order;
	struct inode *inode;
	struct user_namespace *user_ns;
	struct shmdev_user *user;
	kuid_t uid;
	kuid_t cuid;
	kgid_t gid;
	kgid_t cgid;
	umode_t mode;
	atomic_t nr_attached;
	atomic_t nr_mappings;
	struct pid *cpid;
	time64_t ctime;
	spinlock_t stamp_lock;		/* protects @lpid, @atime, @dtime */
	struct pid *lpid;
	time64_t atime;
	time64_t dtime;
	wait_queue_head_t poll_wq;
	struct shmdev_ctl_page *ctl;
	u32 nr_channels;
	struct shmdev_channel channels[];
};

/**
 * struct shmdev_file - per open file state
 * @lock: serialises CREATE and ATTACH on this file.
 * @region_file: the attach's region file; written before @region is
 *	published, read after shmdev_file_region() returned non-NULL.
 * @region: the attached region or NULL; set once under @lock with release
 *	semantics and never changed again, so readers use smp_load_acquire()
 *	without a lock (see shmdev_file_region()).
 * @rdonly: attached read-only; written before @region is published.
 * @writable: the file was opened for writing.
 * @ack_lock: protects @acked, @poll_channels and @poll_linked.
 * @acked: per channel of the region, the sequence this file has
 *	acknowledged (poll()); allocated at attach.
 * @poll_channels: the channels that make the file readable (POLL_MASK);
 *	written under @ack_lock, read locklessly by the poll forwarding.
 * @poll_wq: poll()/select()/epoll waiters on this file.  They queue here
 *	whether or not the file is attached yet: epoll queues once, at
 *	EPOLL_CTL_ADD, and must still hear of NOTIFYs after a later ATTACH.
 * @poll_link: forwards the region's NOTIFY wakeups to @poll_wq
 *	(notify.c); on the region's poll_wq from the file's first poll
 *	after ATTACH until release, so that files nobody polls cost
 *	NOTIFY nothing.
 * @poll_linked: @poll_link is on the region's poll_wq, and the file is
 *	counted as a waiter of each channel of @poll_channels.
 */
struct shmdev_file {
	struct mutex lock;		/* serialises CREATE, ATTACH */
	struct file *region_file;
	struct shmdev_region *region;
	bool rdonly;
	bool writable;
	spinlock_t ack_lock;	/* protects @acked, @poll_channels, @poll_linked */
	u64 *acked;
	u64 poll_channels;
	wait_queue_head_t poll_wq;
	wait_queue_entry_t poll_link;
	bool poll_linked;
};

/* A channel's sequence, in the control page. */
static inline atomic64_t *shmdev_seq(const struct shmdev_region *region,
				     u32 channel)
{
	return (atomic64_t *)&region->ctl->channel[channel].seq;
}

/* A channel's waiter count, in the control page. */
static inline atomic_t *shmdev_waiters(const struct shmdev_region *region,
				       u32 channel)
{
	return (atomic_t *)&region->ctl->channel[channel].waiters;
}

static inline u64 shmdev_channel_mask(const struct shmdev_region *region)
{
	return region->nr_channels == 64 ? ~0ULL :
					   BIT_ULL(region->nr_channels) - 1;
}

static inline struct shmdev_region *shmdev_file_region(struct shmdev_file *sf)
{
	/* Pairs with smp_store_release() in shmdev_file_attach(). */
	return smp_load_acquire(&sf->region);
}

/*
 * Huge regions are made of folios that one PMD entry maps.  Not
 * HPAGE_PMD_ORDER: that is defined only where transparent huge pages are.
 */
#define SHMDEV_HUGE_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define SHMDEV_HUGE_SIZE	(PAGE_SIZE << SHMDEV_HUGE_ORDER)

/* Module parameters (main.c). */
extern unsigned long shmdev_max_region_bytes;
extern unsigned long shmdev_max_total_bytes;
extern unsigned int shmdev_max_regions;
extern unsigned long shmdev_max_user_bytes;

/* account.c: module-wide and per-user limits. */
struct shmdev_user;
struct shmdev_user *shmdev_charge(u64 size);
void shmdev_uncharge(struct shmdev_user *user, u64 size);
u64 shmdev_bytes_in_use(void);
unsigned int shmdev_regions_alive(void);

/* region.c: registry, lifetime, permissions, limits. */
struct shmdev_region_args {
	const char *name;
	u64 size;
	u32 nr_channels;
	umode_t mode;
	unsigned int order;
};

struct file *shmdev_region_get(const struct shmdev_region_args *args,
			       bool open, bool *created);
struct shmdev_region *shmdev_region_find(const char *name, u64 id);
int shmdev_region_permission(const struct shmdev_region *region, bool write);
int shmdev_region_destroy(const char *name, u64 id);
void shmdev_region_put(struct shmdev_region *region);
u32 shmdev_region_list(u64 *ids, u32 capacity);
void shmdev_region_stamp(struct shmdev_region *region, bool attach);
void shmdev_region_destroy_all(void);

/* file.c: file operations, attaching files to regions. */
extern const struct file_operations shmdev_fops;
void shmdev_file_attach(struct shmdev_file *sf, struct file *rfile,
			u64 *acked);

/* ctl.c: the control page. */
int shmdev_ctl_alloc(struct shmdev_region *region);
void shmdev_ctl_free(struct shmdev_region *region);
int shmdev_ctl_mmap(struct shmdev_region *region, struct vm_area_struct *vma);

/* backing.c: page-cache memory of a region and its mappings. */
int shmdev_backing_init(void);
void shmdev_backing_exit(void);
struct inode *shmdev_backing_alloc(u64 size, unsigned int order);
void shmdev_backing_release(struct inode *inode);
struct file *shmdev_backing_file(struct shmdev_region *region, bool rdonly);
int shmdev_backing_mmap(struct file *rfile, struct vm_area_struct *vma);
bool shmdev_backing_vma_maps(struct vm_area_struct *vma,
			     const struct shmdev_region *region);
unsigned long shmdev_backing_get_unmapped_area(struct file *rfile,
					       unsigned long addr,
					       unsigned long len,
					       unsigned long pgoff,
					       unsigned long flags);

/* notify.c: channels. */
void shmdev_channels_init(struct shmdev_region *region);
void shmdev_channel_wake(struct shmdev_region *region, u32 channel);
u64 shmdev_channel_notify(struct shmdev_region *region, u32 channel);
int shmdev_channels_wait(struct shmdev_region *region,
			 struct shmdev_wait_slot *slots, u32 n, u64 timeout_ns,
			 bool abstime, u64 *advanced);
int shmdev_channel_wait(struct shmdev_region *region, u32 channel,
			u64 expected, u64 timeout_ns, bool abstime, u64 *seq);

/* poll.c: poll(), ACK and POLL_MASK. */
void shmdev_file_poll_init(struct shmdev_file *sf);
u64 *shmdev_acked_alloc(u32 nr_channels);
void shmdev_file_ack_init(struct shmdev_file *sf, struct shmdev_region *region,
			  u64 *acked);
void shmdev_file_poll_attached(struct shmdev_file *sf);
void shmdev_file_poll_release(struct shmdev_file *sf,
			      struct shmdev_region *region);
u64 shmdev_file_ack(struct shmdev_file *sf, struct shmdev_region *region,
		    u64 channels);
u64 shmdev_file_poll_mask(struct shmdev_file *sf, struct shmdev_region *region,
			  u64 channels);
__poll_t shmdev_file_poll(struct shmdev_file *sf, struct file *file,
			  poll_table *pt);

/* ptwalk.c: one VMA's page-table entries, read by hand. */

/* Pages reported to the callback at a time: one PTE table's worth. */
#define SHMDEV_PTWALK_BATCH	PTRS_PER_PTE

/**
 * struct shmdev_pt_page - one page as the page tables map it
 * @addr: its address.
 * @entry: the raw leaf entry (PTE or PMD), zero if none.
 * @table: the raw PGD, P4D, PUD and PMD entries above it, as far as the
 *	walk got (zero below an empty level).
 * @pfn: the frame, zero if none.
 * @index: its index at each level, PGD to PTE.
 * @level: %SHMDEV_LEVEL_*.
 * @kind: %SHMDEV_PAGE_*.
 * @order: the folio's order.
 * @bits: %SHMDEV_BIT_* decoded from @entry.
 * @refcount: the folio's reference count.
 * @mapcount: the page's mapcount, or the folio's (see compat.h).
 */
struct shmdev_pt_page {
	unsigned long addr;
	u64 entry;
	u64 table[4];
	u64 pfn;
	u16 index[5];
	u8 level;
	u8 kind;
	u16 order;
	u32 bits;
	u32 refcount;
	s32 mapcount;
};

/**
 * struct shmdev_ptwalk - a walk of [@start, @end) of one VMA
 * @vma: the VMA; its mm's mmap lock is held for reading.
 * @start: first address, page aligned.
 * @end: end address, page aligned, at most @vma's end.
 * @mapping: the region's page cache, to tell its folios from others.
 * @pages: room for %SHMDEV_PTWALK_BATCH pages.
 * @fn: consumes @pages[0..@nr); called with no page-table lock held.
 */
struct shmdev_ptwalk {
	struct vm_area_struct *vma;
	unsigned long start;
	unsigned long end;
	struct address_space *mapping;
	struct shmdev_pt_page *pages;
	void (*fn)(struct shmdev_ptwalk *w, unsigned long nr);
};

void shmdev_ptwalk(struct shmdev_ptwalk *w);
u64 shmdev_entry_flags(u64 entry);

/* mapinfo.c: SHMDEV_IOC_MAP. */
int shmdev_map_snapshot(struct shmdev_region *region, struct shmdev_map *arg);

/* ioctl.c */
long shmdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _SHMDEV_H */
