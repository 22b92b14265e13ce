// SPDX-License-Identifier: GPL-2.0
/*
 * producer - send COUNT messages to "consumer" through a shmdev region.
 *
 *	usage: producer NAME [COUNT]      (COUNT defaults to 5)
 *
 * Run "consumer NAME" in another process (before or after this one).
 * For each message the producer
 *	1. waits until the slot is free (channel 1, "space free"),
 *	2. writes the message into the shared slot,
 *	3. marks the slot full and NOTIFYs channel 0 ("data ready").
 * See msgbox.h for the layout and the lost-wakeup-free wait.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgbox.h"

int main(int argc, char **argv)
{
	struct shmdev_ctl ctl = { .page = NULL };
	struct shmdev_region r;
	struct msgbox *box;
	unsigned long count = 5, i;
	char *end;

	if (argc < 2 || argc > 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s NAME [COUNT]\n", argv[0]);
		return 2;
	}
	if (argc == 3) {
		count = strtoul(argv[2], &end, 10);
		if (*end || !count || argv[2][0] == '-') {
			fprintf(stderr, "%s: invalid count '%s'\n", argv[0],
				argv[2]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);	/* lines appear as they happen */

	/* Create the region, or open it if the consumer created it first. */
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

	for (i = 1; i <= count; i++) {
		/* 1. Wait for the consumer to empty the slot. */
		if (msgbox_wait_for(&ctl, box, MSGBOX_CH_SPACE, 0) < 0)
			goto fail;

		/* 2. The slot is ours until we set "full": fill it. */
		box->number = i;
		box->last = (i == count);
		snprintf(box->text, sizeof(box->text), "hello %lu", i);
		box->len = (uint32_t)strlen(box->text);

		printf("producer: sent #%lu \"%s\"\n", i, box->text);

		/*
		 * 3. Publish.  "release" makes the writes above visible to a
		 * consumer that sees full == 1 with an "acquire" load.  Then
		 * wake it up.  From here on the slot belongs to the consumer.
		 */
		atomic_store_explicit(&box->full, 1, memory_order_release);
		if (shmdev_ctl_notify(&ctl, MSGBOX_CH_DATA, NULL) < 0)
			goto fail;
	}

	/* Wait until the last message was taken, so nothing is left behind. */
	if (msgbox_wait_for(&ctl, box, MSGBOX_CH_SPACE, 0) < 0)
		goto fail;
	printf("producer: done, %lu message(s) delivered\n", count);
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
