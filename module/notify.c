// SPDX-License-Identifier: GPL-2.0
/*
 * Notification channels: a 64-bit sequence counter and a wait queue each.
 *
 * No wakeup is lost: a waiter queues itself (prepare_to_wait(), which
 * implies a full barrier) before it reads the sequence, and NOTIFY
 * increments the sequence (a fully ordered atomic) before it takes the
 * wait-queue lock to wake.  Either the waiter sees the new sequence, or
 * the notifier finds the waiter on the queue.  poll() works the same way
 * through poll_wait() on the file's own poll queue: NOTIFY wakes the
 * region's poll queue, which holds a link for each attached file that has
 * been polled, and each link wakes its file's queue.  A file has its own
 * queue because epoll queues on it only once, when the file is added, and
 * that may be before the file is attached to any region; ATTACH wakes
 * that queue, so such a poller polls again and the file gets linked.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "shmdev.h"
#include "trace.h"

void shmdev_channels_init(struct shmdev_region *region)
{
	u32 i;

	init_waitqueue_head(&region->poll_wq);
	for (i = 0; i < region->nr_channels; i++) {
		atomic64_set(&region->channels[i].seq, 0);
		init_waitqueue_head(&region->channels[i].wq);
	}
}

/**
 * shmdev_channel_notify() - advance a channel and wake its waiters
 * @region: the region.
 * @channel: a valid channel index.
 *
 * Return: the new sequence number.
 */
u64 shmdev_channel_notify(struct shmdev_region *region, u32 channel)
{
	struct shmdev_channel *ch = &region->channels[channel];
	u64 seq = atomic64_inc_return(&ch->seq);

	wake_up_interruptible_all(&ch->wq);
	wake_up_interruptible_poll(&region->poll_wq, EPOLLIN | EPOLLRDNORM);
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

/**
 * shmdev_channel_wait() - wait for a channel's sequence to leave @expected
 * @region: the region.
 * @channel: a valid channel index.
 * @expected: the sequence the caller has seen.
 * @timeout_ns: relative timeout, %SHMDEV_WAIT_FOREVER, or with @abstime a
 *	CLOCK_MONOTONIC deadline.
 * @abstime: @timeout_ns is a deadline.
 * @seq: the sequence when the wait ended.
 *
 * A signal ends a wait with a relative timeout with -EINTR: restarting it
 * would start the timeout again.  Waits with a deadline, or none, can be
 * restarted (-ERESTARTSYS) without ever waiting longer than asked.
 *
 * Return: 0, -ETIMEDOUT, -EINTR or -ERESTARTSYS.
 */
int shmdev_channel_wait(struct shmdev_region *region, u32 channel,
			u64 expected, u64 timeout_ns, bool abstime, u64 *seq)
{
	struct shmdev_channel *ch = &region->channels[channel];
	bool bounded, timed_out = false;
	ktime_t deadline;
	DEFINE_WAIT(wait);
	int ret;

	bounded = shmdev_wait_deadline(timeout_ns, abstime, &deadline);
	for (;;) {
		prepare_to_wait(&ch->wq, &wait, TASK_INTERRUPTIBLE);
		*seq = atomic64_read(&ch->seq);
		if (*seq != expected) {
			ret = 0;
			break;
		}
		if (timed_out) {
			ret = -ETIMEDOUT;
			break;
		}
		if (signal_pending(current)) {
			ret = (bounded && !abstime) ? -EINTR : -ERESTARTSYS;
			break;
		}
		if (!bounded)
			schedule();
		else if (ktime_compare(ktime_get(), deadline) >= 0)
			timed_out = true;	/* 0 or past: do not sleep at all */
		else
			timed_out = !schedule_hrtimeout_range(&deadline,
							     current->timer_slack_ns,
							     HRTIMER_MODE_ABS);
	}
	finish_wait(&ch->wq, &wait);
	trace_shmdev_wait(region->id, channel, expected, *seq, ret);
	return ret;
}

/* A region's NOTIFY wakeup, passed on to one attached file's pollers. */
static int shmdev_poll_forward(struct wait_queue_entry *link, unsigned int mode,
			       int sync, void *key)
{
	struct shmdev_file *sf = container_of(link, struct shmdev_file,
					      poll_link);

	wake_up_interruptible_poll(&sf->poll_wq, key_to_poll(key));
	return 0;
}

void shmdev_file_poll_init(struct shmdev_file *sf)
{
	spin_lock_init(&sf->ack_lock);
	init_waitqueue_head(&sf->poll_wq);
	init_waitqueue_func_entry(&sf->poll_link, shmdev_poll_forward);
}

/* A newly attached file has seen every event so far. */
void shmdev_file_ack_init(struct shmdev_file *sf, struct shmdev_region *region)
{
	u32 i;

	spin_lock(&sf->ack_lock);
	for (i = 0; i < region->nr_channels; i++)
		sf->acked[i] = atomic64_read(&region->channels[i].seq);
	spin_unlock(&sf->ack_lock);
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

/* The file is going away: no NOTIFY may reach it any more. */
void shmdev_file_poll_release(struct shmdev_file *sf,
			      struct shmdev_region *region)
{
	if (sf->poll_linked)
		remove_wait_queue(&region->poll_wq, &sf->poll_link);
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
	u64 pending = 0, cur;
	u32 i;

	spin_lock(&sf->ack_lock);
	for (i = 0; i < region->nr_channels; i++) {
		cur = atomic64_read(&region->channels[i].seq);
		if (cur != sf->acked[i])
			pending |= BIT_ULL(i);
		if (channels & BIT_ULL(i))
			sf->acked[i] = cur;
	}
	spin_unlock(&sf->ack_lock);
	return pending;
}

/* EPOLLIN while any channel differs from what this file acknowledged. */
__poll_t shmdev_file_poll(struct shmdev_file *sf, struct file *file,
			  poll_table *pt)
{
	struct shmdev_region *region;
	__poll_t mask = 0;
	u32 i;

	/* Queue first, then look: a NOTIFY after the look finds us queued. */
	poll_wait(file, &sf->poll_wq, pt);
	region = shmdev_file_region(sf);
	if (!region)
		return EPOLLERR;

	spin_lock(&sf->ack_lock);
	/*
	 * Link before reading the sequences: a NOTIFY after the reads then
	 * wakes this file's queue, where the caller is already queued.
	 */
	if (!sf->poll_linked) {
		add_wait_queue(&region->poll_wq, &sf->poll_link);
		sf->poll_linked = true;
	}
	for (i = 0; i < region->nr_channels; i++) {
		if (atomic64_read(&region->channels[i].seq) != sf->acked[i]) {
			mask = EPOLLIN | EPOLLRDNORM;
			break;
		}
	}
	spin_unlock(&sf->ack_lock);
	return mask;
}
