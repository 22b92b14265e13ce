/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgbox.h - the layout shared by producer.c and consumer.c.
 *
 * The region holds one message slot ("mailbox").  Its "full" flag says
 * whose turn it is:
 *
 *	full == 0: the slot is free, the producer may write a message;
 *	full == 1: a message waits, the consumer may read it.
 *
 * The flag lives in shared memory; the kernel only provides the sleeping
 * and waking, through two notification channels, used through the
 * region's control page (shmdev_ctl_*() in shmdev.h): a notify with
 * nobody asleep, and a wait whose channel has already moved, make no
 * system call at all:
 *
 *	channel 0 (MSGBOX_CH_DATA):  "data ready",  notified by the producer
 *	channel 1 (MSGBOX_CH_SPACE): "space free",  notified by the consumer
 *
 * Both programs create-or-open the region, so either may start first: a
 * new region is zero-filled, i.e. starts with an empty slot.
 */
#ifndef MSGBOX_H
#define MSGBOX_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "shmdev.h"

#define MSGBOX_CH_DATA		0
#define MSGBOX_CH_SPACE		1
#define MSGBOX_CHANNELS		2
#define MSGBOX_TEXT_MAX		200

struct msgbox {
	atomic_uint full;		/* 0: slot free, 1: message waiting */
	uint32_t last;			/* 1: no more messages after this one */
	uint64_t number;		/* message number, from 1 */
	uint32_t len;			/* bytes used in text[] */
	char text[MSGBOX_TEXT_MAX];
};

/*
 * Sleep until box->full == want, without ever missing a wakeup.
 *
 * The order of the three steps is what makes it race-free:
 *   1. read the channel's sequence number;
 *   2. check the condition in shared memory;
 *   3. WAIT "until the sequence differs from what I read in step 1".
 * If the other side changes the flag and notifies anywhere after step 1,
 * the sequence has already moved, so step 3 returns at once instead of
 * sleeping forever.  (Reading the flag first and the sequence second
 * would open exactly that window.)
 */
static inline int msgbox_wait_for(struct shmdev_ctl *ctl, struct msgbox *box,
				  uint32_t channel, unsigned int want)
{
	uint64_t seq = shmdev_ctl_seq(ctl, channel);		/* step 1 */

	/* "acquire" pairs with the other side's "release" store. */
	while (atomic_load_explicit(&box->full,
				    memory_order_acquire) != want) {	/* step 2 */
		/*
		 * Step 3: returns at once, without a system call, if the
		 * sequence has moved; it hands back the new one.
		 */
		if (shmdev_ctl_wait(ctl, channel, seq, SHMDEV_WAIT_FOREVER, 0,
				    &seq) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

#endif /* MSGBOX_H */
