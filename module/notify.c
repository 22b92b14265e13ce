// SPDX-License-Identifier: GPL-2.0
/*
 * Notification channels: a 64-bit sequence counter and a wait queue each.
 *
 * The sequence lives in the region's control page (ctl.c), where
 * userspace can read and advance it without a system call; beside it the
 * kernel publishes how many waiters the channel has: tasks asleep in WAIT
 * or WAITV, plus polled files that select the channel.  A notifier only
 * has to wake anybody when that count is not zero.
 *
 * No wakeup is lost.  A notifier advances the sequence with a fully
 * ordered atomic and then reads the waiter count; a waiter sets its task
 * state, adds itself to the count and the queue, and issues a full
 * barrier before it reads the sequence.  Of the two, one must see the other's write: either
 * the notifier sees the waiter and wakes the queue, where the waiter is
 * by then (a wake that takes the queue's lock before the waiter queued
 * makes the waiter's later read see the new sequence), or the waiter sees
 * the new sequence and does not sleep.  The fast path in userspace plays
 * the notifier's part with the same two steps, then SHMDEV_IOC_WAKE.  The
 * Promela model in selftests/model checks this under every interleaving.
 *
 * poll() works the same way through poll_wait() on the file's own poll
 * queue: a file's first poll after ATTACH links it to the region's poll
 * queue and counts it as a waiter on the channels it selects, and a wake
 * of a channel passes on to the linked files that select it.  A file has
 * its own queue because epoll queues on it only once, when the file is
 * added, and that may be before the file is attached to any region;
 * ATTACH wakes that queue, so such a poller polls again and the file gets
 * linked.
 */
#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "shmdev.h"
#include "trace.h"

void shmdev_channels_init(struct shmdev_region *region)
{
	u32 i;

	init_waitqueue_head(&region->poll_wq);
	for (i = 0; i < region->nr_channels; i++)
		init_waitqueue_head(&region->channels[i].wq);
}

/**
 * shmdev_channel_wake() - wake a channel's waiters and pollers
 * @region: the region.
 * @channel: a valid channel index.
 *
 * Wakes the tasks in WAIT and WAITV on @channel and the pollers of the
 * files that select it; does not advance the channel.
 */
void shmdev_channel_wake(struct shmdev_region *region, u32 channel)
{
	struct wait_queue_head *wq = &region->channels[channel].wq;

	/* The advance (by NOTIFY, or in userspace before WAKE) first. */
	smp_mb();
	/*
	 * A sleeper queues before its barrier and its read of the sequence
	 * (shmdev_slots_sleep()), as poll links the file before it reads
	 * (shmdev_file_poll()): a queue seen empty after the barrier above
	 * holds nobody who could miss the advance, and its lock is spared.
	 */
	if (waitqueue_active(wq))
		wake_up_interruptible_all(wq);
	/* The same for files; the key tells shmdev_poll_forward() the channel. */
	if (waitqueue_active(&region->poll_wq))
		__wake_up(&region->poll_wq, TASK_INTERRUPTIBLE, 0, &channel);
}

/**
 * shmdev_channel_notify() - advance a channel and wake its waiters
 * @region: the region.
 * @channel: a valid channel index.
 *
 * With nobody waiting this is one atomic add and one read: no lock.
 *
 * Return: the new sequence number.
 */
u64 shmdev_channel_notify(struct shmdev_region *region, u32 channel)
{
	/* Fully ordered: the add is visible before the count is read. */
	u64 seq = atomic64_inc_return(shmdev_seq(region, channel));

	if (atomic_read(shmdev_waiters(region, channel)))
		shmdev_channel_wake(region, channel);
	trace_shmdev_notify(region->id, channel, seq);
	return seq;
}

/* The deadline of a wait; false when it has none. */
static bool shmdev_wait_deadline(u64 timeout_ns, bool abstime, ktime_t *deadline)
{
	ktime_t t = ns_to_ktime(min_t(u64, timeout_ns, KTIME_MAX));

	if (abstime) {
		*deadline = t;
		return true;
	}
	if (timeout_ns == SHMDEV_WAIT_FOREVER)
		return false;
	*deadline = ktime_add_safe(ktime_get(), t);
	return true;
}

/* The channels among @slots whose sequence left the caller's. */
static u64 shmdev_slots_advanced(struct shmdev_region *region,
				 const struct shmdev_wait_slot *slots, u32 n)
{
	u64 advanced = 0;
	u32 i;

	for (i = 0; i < n; i++)
		if (atomic64_read(shmdev_seq(region, slots[i].channel)) !=
		    slots[i].expected)
			advanced |= BIT_ULL(slots[i].channel);
	return advanced;
}

/*
 * A sleeper's entry on a channel's queue is taken off the queue, and off
 * the channel's waiter count, by the wake itself, as futex_wake() dequeues
 * the waiters it wakes: a notifier that comes after the wake and before
 * the sleeper has run sees no waiter, and stays in userspace.  Runs under
 * the queue's lock.
 */
static int shmdev_slot_wake(struct wait_queue_entry *entry, unsigned int mode,
			    int sync, void *key)
{
	struct shmdev_wait_slot *slot = container_of(entry,
						     struct shmdev_wait_slot,
						     entry);
	int ret = default_wake_function(entry, mode, sync, key);

	list_del_init_careful(&entry->entry);
	atomic_dec(slot->waiters);
	return ret;
}

/*
 * @queued true: queue and count the caller on each slot's channel where
 * a wake took it off.  The caller's task state is set first: a wake after
 * this finds the caller on the queue and makes it runnable, so it cannot
 * sleep uncounted.  @queued false: take the caller off the queues and
 * counts where no wake did.
 */
static void shmdev_slots_queue(struct shmdev_region *region,
			       struct shmdev_wait_slot *slots, u32 n,
			       bool queued)
{
	struct wait_queue_head *wq;
	unsigned long flags;
	u32 i;

	for (i = 0; i < n; i++) {
		wq = &region->channels[slots[i].channel].wq;
		spin_lock_irqsave(&wq->lock, flags);
		if (list_empty(&slots[i].entry.entry) == queued) {
			if (queued) {
				atomic_inc(slots[i].waiters);
				__add_wait_queue(wq, &slots[i].entry);
			} else {
				list_del_init(&slots[i].entry.entry);
				atomic_dec(slots[i].waiters);
			}
		}
		spin_unlock_irqrestore(&wq->lock, flags);
	}
}

static void shmdev_slots_init(struct shmdev_region *region,
			      struct shmdev_wait_slot *slots, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		init_waitqueue_func_entry(&slots[i].entry, shmdev_slot_wake);
		slots[i].entry.private = current;
		INIT_LIST_HEAD(&slots[i].entry.entry);
		slots[i].waiters = shmdev_waiters(region, slots[i].channel);
	}
}

/* Sleep until a slot's channel advances, the deadline, or a signal. */
static int shmdev_slots_sleep(struct shmdev_region *region,
			      struct shmdev_wait_slot *slots, u32 n,
			      bool bounded, bool abstime, ktime_t deadline,
			      u64 *advanced)
{
	bool timed_out = false;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		shmdev_slots_queue(region, slots, n, true);
		/*
		 * The waiter counts raised above are visible before the
		 * sequences are read; the notifier's side is the other way
		 * round (shmdev_channel_notify() and the fast path).  A full
		 * smp_mb(): a lock release came after the last count.
		 */
		smp_mb();
		*advanced = shmdev_slots_advanced(region, slots, n);
		if (*advanced)
			return 0;
		if (timed_out)
			return -ETIMEDOUT;
		if (signal_pending(current))
			return (bounded && !abstime) ? -EINTR : -ERESTARTSYS;
		if (!bounded)
			schedule();
		else if (ktime_compare(ktime_get(), deadline) >= 0)
			timed_out = true;	/* 0 or past: do not sleep at all */
		else
			timed_out = !schedule_hrtimeout_range(&deadline,
							     current->timer_slack_ns,
							     HRTIMER_MODE_ABS);
	}
}

/**
 * shmdev_channels_wait() - wait until any of some channels advances
 * @region: the region.
 * @slots: one per channel waited on: a valid channel index and the
 *	sequence the caller has seen; the entries are the callee's.
 * @n: entries in @slots, at least 1.
 * @timeout_ns: relative timeout, %SHMDEV_WAIT_FOREVER, or with @abstime a
 *	CLOCK_MONOTONIC deadline.
 * @abstime: @timeout_ns is a deadline.
 * @advanced: out: the channels that had advanced when the wait ended.
 *
 * Returns without counting itself as a waiter when a channel has already
 * advanced: that is the common case, and costs one read per channel.
 * Else the caller counts as a waiter of each channel until a wake takes
 * it off that channel (and queues it again if it must sleep on) or the
 * wait ends.
 * A signal ends a wait with a relative timeout with -EINTR: restarting it
 * would start the timeout again.  Waits with a deadline, or none, can be
 * restarted (-ERESTARTSYS) without ever waiting longer than asked.
 *
 * Return: 0, -ETIMEDOUT, -EINTR or -ERESTARTSYS.
 */
int shmdev_channels_wait(struct shmdev_region *region,
			 struct shmdev_wait_slot *slots, u32 n, u64 timeout_ns,
			 bool abstime, u64 *advanced)
{
	ktime_t deadline = 0;
	bool bounded;
	int ret;

	*advanced = shmdev_slots_advanced(region, slots, n);
	if (*advanced)
		return 0;

	bounded = shmdev_wait_deadline(timeout_ns, abstime, &deadline);
	shmdev_slots_init(region, slots, n);
	ret = shmdev_slots_sleep(region, slots, n, bounded, abstime, deadline,
				 advanced);
	__set_current_state(TASK_RUNNING);
	shmdev_slots_queue(region, slots, n, false);
	return ret;
}

/**
 * shmdev_channel_wait() - wait for a channel's sequence to leave @expected
 * @region: the region.
 * @channel: a valid channel index.
 * @expected: the sequence the caller has seen.
 * @timeout_ns: as for shmdev_channels_wait().
 * @abstime: as for shmdev_channels_wait().
 * @seq: the sequence when the wait ended.
 *
 * Return: as shmdev_channels_wait().
 */
int shmdev_channel_wait(struct shmdev_region *region, u32 channel,
			u64 expected, u64 timeout_ns, bool abstime, u64 *seq)
{
	struct shmdev_wait_slot slot = {
		.channel = channel,
		.expected = expected,
	};
	u64 advanced;
	int ret;

	ret = shmdev_channels_wait(region, &slot, 1, timeout_ns, abstime,
				   &advanced);
	*seq = atomic64_read(shmdev_seq(region, channel));
	/*
	 * A notify between the last look and this read: the caller gets the
	 * new sequence, so it gets success with it, never ETIMEDOUT beside a
	 * sequence that moved.
	 */
	if (ret == -ETIMEDOUT && *seq != expected)
		ret = 0;
	trace_shmdev_wait(region->id, channel, expected, *seq, ret);
	return ret;
}
