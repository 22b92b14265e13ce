// SPDX-License-Identifier: GPL-2.0
/*
 * poll(), select() and epoll on an attached file, and the per-file state
 * behind them: the sequence each channel had when the file last
 * acknowledged it (ACK), and the channels that make it readable
 * (POLL_MASK).  notify.c explains why no event is lost.
 */
#include <linux/bitops.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "shmdev.h"

/*
 * A channel's wakeup, passed on to one linked file's pollers if the file
 * selects that channel.  Runs under the region's poll_wq.lock.
 */
static int shmdev_poll_forward(struct wait_queue_entry *link, unsigned int mode,
			       int sync, void *key)
{
	struct shmdev_file *sf = container_of(link, struct shmdev_file,
					      poll_link);
	u32 channel = *(u32 *)key;

	if (READ_ONCE(sf->poll_channels) & BIT_ULL(channel))
		wake_up_interruptible_poll(&sf->poll_wq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

void shmdev_file_poll_init(struct shmdev_file *sf)
{
	spin_lock_init(&sf->ack_lock);
	init_waitqueue_head(&sf->poll_wq);
	init_waitqueue_func_entry(&sf->poll_link, shmdev_poll_forward);
}

/* An acknowledgment array for a region of @nr_channels channels. */
u64 *shmdev_acked_alloc(u32 nr_channels)
{
	return kcalloc(nr_channels, sizeof(u64), GFP_KERNEL_ACCOUNT);
}

/**
 * shmdev_file_ack_init() - start a newly attached file's poll state
 * @sf: the file, not yet published as attached.
 * @region: its region.
 * @acked: from shmdev_acked_alloc(), for @region's channel count; @sf
 *	owns it from now on.
 *
 * The file has seen every event so far, and selects every channel.
 */
void shmdev_file_ack_init(struct shmdev_file *sf, struct shmdev_region *region,
			  u64 *acked)
{
	u32 i;

	for (i = 0; i < region->nr_channels; i++)
		acked[i] = atomic64_read(shmdev_seq(region, i));
	sf->acked = acked;
	sf->poll_channels = shmdev_channel_mask(region);
}

/*
 * The file was just attached (and published).  Whoever polled it before
 * got EPOLLERR and is not linked to the region: wake them so that they
 * poll again, which links the file (an edge-triggered or one-shot epoll
 * set would otherwise never hear of the region).
 */
void shmdev_file_poll_attached(struct shmdev_file *sf)
{
	wake_up_interruptible_poll(&sf->poll_wq, EPOLLIN | EPOLLRDNORM);
}

/* Count a linked file as a waiter of @channels, or stop (@delta -1). */
static void shmdev_poll_count(struct shmdev_region *region, u64 channels,
			      int delta)
{
	u32 i;

	for (; channels; channels &= channels - 1) {
		i = __ffs64(channels);
		atomic_add(delta, shmdev_waiters(region, i));
	}
}

/* The file is going away: no NOTIFY may reach it any more. */
void shmdev_file_poll_release(struct shmdev_file *sf,
			      struct shmdev_region *region)
{
	if (sf->poll_linked) {
		remove_wait_queue(&region->poll_wq, &sf->poll_link);
		shmdev_poll_count(region, sf->poll_channels, -1);
	}
	kfree(sf->acked);
}

/* The selected channels whose sequence left the acknowledged one. */
static u64 shmdev_file_pending(struct shmdev_file *sf,
			       struct shmdev_region *region, u64 channels)
{
	u64 pending = 0;
	u32 i;

	lockdep_assert_held(&sf->ack_lock);
	for (; channels; channels &= channels - 1) {
		i = __ffs64(channels);
		if (atomic64_read(shmdev_seq(region, i)) != sf->acked[i])
			pending |= BIT_ULL(i);
	}
	return pending;
}

/**
 * shmdev_file_ack() - acknowledge channels for poll()
 * @sf: the file.
 * @region: its region.
 * @channels: mask of valid channels to acknowledge.
 *
 * Return: the mask of channels that had advanced past the file's
 * acknowledged sequence before this call.
 */
u64 shmdev_file_ack(struct shmdev_file *sf, struct shmdev_region *region,
		    u64 channels)
{
	u64 pending, cur;
	u32 i;

	spin_lock(&sf->ack_lock);
	pending = shmdev_file_pending(sf, region, shmdev_channel_mask(region));
	for (; channels; channels &= channels - 1) {
		i = __ffs64(channels);
		cur = atomic64_read(shmdev_seq(region, i));
		sf->acked[i] = cur;
	}
	spin_unlock(&sf->ack_lock);
	return pending;
}

/**
 * shmdev_file_poll_mask() - choose the channels that make the file readable
 * @sf: the file.
 * @region: its region.
 * @channels: mask of valid channels.
 *
 * Return: the previous mask.
 */
u64 shmdev_file_poll_mask(struct shmdev_file *sf, struct shmdev_region *region,
			  u64 channels)
{
	u64 previous, pending;

	spin_lock(&sf->ack_lock);
	previous = sf->poll_channels;
	if (sf->poll_linked) {
		shmdev_poll_count(region, channels & ~previous, 1);
		shmdev_poll_count(region, previous & ~channels, -1);
		/* Count first, as poll does: then read the sequences. */
		smp_mb__after_atomic();
	}
	WRITE_ONCE(sf->poll_channels, channels);
	pending = shmdev_file_pending(sf, region, channels & ~previous);
	spin_unlock(&sf->ack_lock);
	/* A channel selected now may already be pending: tell the pollers. */
	if (pending)
		wake_up_interruptible_poll(&sf->poll_wq, EPOLLIN | EPOLLRDNORM);
	return previous;
}

/* EPOLLIN while a selected channel differs from what this file acknowledged. */
__poll_t shmdev_file_poll(struct shmdev_file *sf, struct file *file,
			  poll_table *pt)
{
	struct shmdev_region *region;
	u64 pending;

	/* Queue first, then look: a NOTIFY after the look finds us queued. */
	poll_wait(file, &sf->poll_wq, pt);
	region = shmdev_file_region(sf);
	if (!region)
		return EPOLLERR;

	spin_lock(&sf->ack_lock);
	/*
	 * Link and count before reading the sequences: a notifier that
	 * advances one after the reads then sees the count and wakes this
	 * file's queue, where the caller is already queued.
	 */
	if (!sf->poll_linked) {
		add_wait_queue(&region->poll_wq, &sf->poll_link);
		shmdev_poll_count(region, sf->poll_channels, 1);
		/* Pairs with the notifier's: add, full barrier, read count. */
		smp_mb__after_atomic();
		sf->poll_linked = true;
	}
	pending = shmdev_file_pending(sf, region, sf->poll_channels);
	spin_unlock(&sf->ack_lock);
	return pending ? EPOLLIN | EPOLLRDNORM : 0;
}
