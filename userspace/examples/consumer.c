// SPDX-License-Identifier: GPL-2.0
/*
 * consumer - receive and print messages sent by "producer".
 *
 *	usage: consumer NAME
 *
 * For each message the consumer
 *	1. waits until the slot is full (channel 0, "data ready"),
 *	2. copies the message out of the shared slot and prints it,
 *	3. marks the slot free and NOTIFYs channel 1 ("space free").
 * It stops after the message the producer marked as the last one.
 * See msgbox.h for the layout and the lost-wakeup-free wait.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "msgbox.h"

int main(int argc, char **argv)
{
	struct shmdev_ctl ctl = { .page = NULL };
	struct shmdev_region r;
	struct msgbox *box;
	char text[MSGBOX_TEXT_MAX + 1];
	uint64_t number;
	uint32_t len, last;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Create the region, or open it if the producer created it first. */
	if (shmdev_region_open(argv[1], sizeof(struct msgbox), MSGBOX_CHANNELS,
			       0600, SHMDEV_REGION_O_CREAT, &r) < 0) {
		fprintf(stderr, "%s: open region '%s': %s\n", argv[0], argv[1],
			strerror(errno));
		return 1;
	}
	box = r.addr;
	if (shmdev_ctl_map(r.fd, &ctl) < 0) {
		fprintf(stderr, "%s: map the control page of '%s': %s\n",
			argv[0], argv[1], strerror(errno));
		shmdev_region_close(&r);
		return 1;
	}

	do {
		/* 1. Sleep until the producer has filled the slot. */
		if (msgbox_wait_for(&ctl, box, MSGBOX_CH_DATA, 1) < 0)
			goto fail;

		/*
		 * 2. Copy the message out.  Never trust a length read from
		 * shared memory: another process could have written anything.
		 */
		number = box->number;
		last = box->last;
		len = box->len < MSGBOX_TEXT_MAX ? box->len : MSGBOX_TEXT_MAX;
		memcpy(text, box->text, len);
		text[len] = '\0';

		printf("consumer: got #%llu \"%s\"\n",
		       (unsigned long long)number, text);

		/* 3. Hand the slot back and wake the producer. */
		atomic_store_explicit(&box->full, 0, memory_order_release);
		if (shmdev_ctl_notify(&ctl, MSGBOX_CH_SPACE, NULL) < 0)
			goto fail;
	} while (!last);

	printf("consumer: done\n");
	shmdev_ctl_unmap(&ctl);
	shmdev_region_close(&r);
	return 0;

fail:
	fprintf(stderr, "%s: region '%s': %s\n", argv[0], argv[1],
		strerror(errno));
	shmdev_ctl_unmap(&ctl);
	shmdev_region_close(&r);
	return 1;
}
