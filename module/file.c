// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/shmdev: one open file, at most one region.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "shmdev.h"
#include "trace.h"

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

/*
 * Mappings hold the region file, not this one: the region outlives this
 * file for as long as they exist.
 */
static int shmdev_release(struct inode *inode, struct file *file)
{
	struct shmdev_file *sf = file->private_data;
	struct shmdev_region *region = sf->region;

	if (region) {
		shmdev_file_poll_release(sf, region);
		atomic_dec(&region->nr_attached);
		shmdev_region_stamp(region, false);
		fput(sf->region_file);	/* and with it the region reference */
	}
	mutex_destroy(&sf->lock);
	kfree(sf);
	return 0;
}

/**
 * shmdev_file_attach() - attach a file to a region, for good
 * @sf: the file's state, found unattached under @sf->lock.
 * @rfile: the attach's region file (shmdev_backing_file()); its reference,
 *	and the region reference it holds, pass to @sf.
 * @acked: from shmdev_acked_alloc() for the region's channel count; passes
 *	to @sf.
 */
void shmdev_file_attach(struct shmdev_file *sf, struct file *rfile,
			u64 *acked)
{
	struct shmdev_region *region = rfile->private_data;

	lockdep_assert_held(&sf->lock);

	sf->region_file = rfile;
	sf->rdonly = !(rfile->f_mode & FMODE_WRITE);
	shmdev_file_ack_init(sf, region, acked);
	atomic_inc(&region->nr_attached);
	shmdev_region_stamp(region, true);
	/* Publish; pairs with smp_load_acquire() in shmdev_file_region(). */
	smp_store_release(&sf->region, region);
	shmdev_file_poll_attached(sf);
	trace_shmdev_attach(region->id, sf->rdonly);
}

/* Where a mapping of the attached region goes; unattached files map nothing. */
static unsigned long shmdev_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags)
{
	struct shmdev_file *sf = file->private_data;

	if (!shmdev_file_region(sf))
		return -ENXIO;
	return shmdev_backing_get_unmapped_area(sf->region_file, addr, len,
						pgoff, flags);
}

/*
 * The control page at its offset (ctl.c); else the region, whose VMA
 * moves to the attach's region file (see backing.c).
 */
static int shmdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shmdev_file *sf = file->private_data;
	struct shmdev_region *region = shmdev_file_region(sf);

	if (!region)
		return -ENXIO;
	if (vma->vm_pgoff == SHMDEV_CTL_OFFSET >> PAGE_SHIFT)
		return shmdev_ctl_mmap(region, vma);
	return shmdev_backing_mmap(sf->region_file, vma);
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
