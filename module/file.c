// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/shmdev: one open file, at most one region.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "shmdev.h"

static int shmdev_open(struct inode *inode, struct file *file)
{
	struct shmdev_file *sf;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	mutex_init(&sf->lock);
	shmdev_file_poll_init(sf);
	sf->writable = file->f_mode & FMODE_WRITE;
	file->private_data = sf;
	return nonseekable_open(inode, file);
}

/* Runs once the last mapping of the file is gone, too (vm_file). */
static int shmdev_release(struct inode *inode, struct file *file)
{
	struct shmdev_file *sf = file->private_data;
	struct shmdev_region *region = sf->region;

	if (region) {
		shmdev_file_poll_release(sf, region);
		atomic_dec(&region->nr_attached);
		shmdev_region_put(region);
	}
	mutex_destroy(&sf->lock);
	kfree(sf);
	return 0;
}

/**
 * shmdev_file_attach() - attach a file to a region, for good
 * @sf: the file's state; the caller holds @sf->lock and found it unattached.
 * @file: the file.
 * @region: the region; the caller's reference passes to the file.
 * @rdonly: attach read-only.
 */
void shmdev_file_attach(struct shmdev_file *sf, struct file *file,
			struct shmdev_region *region, bool rdonly)
{
	lockdep_assert_held(&sf->lock);

	sf->rdonly = rdonly;
	shmdev_file_ack_init(sf, region);
	atomic_inc(&region->nr_attached);
	/*
	 * mmap_region() reads f_mapping before and after ->mmap.  No mmap of
	 * this file gets that far before the region is published:
	 * shmdev_get_unmapped_area() refuses it first.  So every mapping sees
	 * the final f_mapping, and the page cache's writable-mapping count
	 * stays balanced.
	 */
	file->f_mapping = region->inode->i_mapping;
	/* Publish; pairs with smp_load_acquire() in shmdev_file_region(). */
	smp_store_release(&sf->region, region);
	shmdev_file_poll_attached(sf);
}

static unsigned long shmdev_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags)
{
	if (!shmdev_file_region(file->private_data))
		return -ENXIO;
	return shmdev_default_unmapped_area(file, addr, len, pgoff, flags);
}

static int shmdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shmdev_file *sf = file->private_data;
	struct shmdev_region *region = shmdev_file_region(sf);

	if (!region)
		return -ENXIO;
	return shmdev_backing_mmap(region, sf->rdonly, vma);
}

static __poll_t shmdev_poll(struct file *file, poll_table *pt)
{
	return shmdev_file_poll(file->private_data, file, pt);
}

const struct file_operations shmdev_fops = {
	.owner = THIS_MODULE,
	.open = shmdev_open,
	.release = shmdev_release,
	.mmap = shmdev_mmap,
	.get_unmapped_area = shmdev_get_unmapped_area,
	.poll = shmdev_poll,
	/* msync(MS_SYNC) succeeds, as on tmpfs: there is nothing to write back. */
	.fsync = noop_fsync,
	.unlocked_ioctl = shmdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
