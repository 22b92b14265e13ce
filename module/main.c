// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: named shared-memory regions behind a misc device, /dev/shmdev.
 *
 * A process opens /dev/shmdev, creates or attaches a region with an
 * ioctl (uapi/linux/shmdev.h), and mmap()s the file.  Every process that
 * maps a region sees the same page frames; each region also has
 * notification channels with sequence counters, WAIT and poll().
 *
 * Files: main.c (module, limits, device), file.c (file operations),
 * ioctl.c (the ABI), region.c (registry and lifetimes), account.c
 * (limits), backing.c (the
 * memory and its mappings: the choice of backing is explained there),
 * notify.c (channels), compat.h (kernel version differences).
 */
#include <linux/device.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "shmdev.h"

unsigned long shmdev_max_region_bytes = SZ_1G;
module_param_named(max_region_bytes, shmdev_max_region_bytes, ulong, 0644);
MODULE_PARM_DESC(max_region_bytes,
		 "Largest region in bytes; CREATE fails with E2BIG past it (default 1 GiB)");

unsigned long shmdev_max_total_bytes = SZ_2G;
module_param_named(max_total_bytes, shmdev_max_total_bytes, ulong, 0644);
MODULE_PARM_DESC(max_total_bytes,
		 "Bytes of all regions alive, destroyed ones still mapped included; CREATE fails with ENOSPC past it (default 2 GiB)");

unsigned int shmdev_max_regions = 1024;
module_param_named(max_regions, shmdev_max_regions, uint, 0644);
MODULE_PARM_DESC(max_regions,
		 "Regions alive at once; CREATE fails with ENOSPC past it (default 1024)");

unsigned long shmdev_max_user_bytes = SZ_1G;
module_param_named(max_user_bytes, shmdev_max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Bytes of regions alive per creating user, within RLIMIT_MEMLOCK unless CAP_IPC_LOCK; CREATE fails with ENOMEM past it (default 1 GiB)");

static ssize_t bytes_in_use_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", shmdev_bytes_in_use());
}
static DEVICE_ATTR_RO(bytes_in_use);

static ssize_t regions_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", shmdev_regions_alive());
}
static DEVICE_ATTR_RO(regions);

static struct attribute *shmdev_attrs[] = {
	&dev_attr_bytes_in_use.attr,
	&dev_attr_regions.attr,
	NULL,
};
ATTRIBUTE_GROUPS(shmdev);

static struct miscdevice shmdev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "shmdev",
	.fops = &shmdev_fops,
	/* Anyone may open; each region's mode decides who may attach. */
	.mode = 0666,
	.groups = shmdev_groups,
};

static int __init shmdev_init(void)
{
	int err;

	err = shmdev_backing_init();
	if (err)
		return err;
	err = misc_register(&shmdev_misc);
	if (err)
		goto err_backing_exit;
	return 0;

err_backing_exit:
	shmdev_backing_exit();
	return err;
}

/* Only reached with no file open, hence no mapping either. */
static void __exit shmdev_exit(void)
{
	misc_deregister(&shmdev_misc);
	shmdev_region_destroy_all();
	shmdev_backing_exit();
}

module_init(shmdev_init);
module_exit(shmdev_exit);

MODULE_DESCRIPTION("Named shared-memory regions with notification channels");
MODULE_LICENSE("GPL");
MODULE_VERSION(SHMDEV_VERSION);
