// SPDX-License-Identifier: GPL-2.0
/*
 * The control page: a region's channel words, mapped into userspace.
 *
 * The channel sequences live here, not in kernel-private memory, so that
 * a process can read them, and advance them, without a system call (the
 * fast path, DOC: control page in the uapi header).  The kernel keeps its
 * wait queues to itself and publishes in the page only a count of the
 * waiters, which tells a notifier whether it must enter the kernel.
 *
 * The page is mapped as io_uring maps its rings: remap_pfn_range() of
 * kernel memory at a fixed mmap() offset of the device file.  The VMA
 * keeps that /dev/shmdev file, hence its attach and the region, hence the
 * page, alive: the page is freed with the region, after the last VMA.
 */
#include <linux/gfp.h>
#include <linux/mm.h>

#include "shmdev.h"

int shmdev_ctl_alloc(struct shmdev_region *region)
{
	unsigned long addr = get_zeroed_page(GFP_KERNEL_ACCOUNT);

	if (!addr)
		return -ENOMEM;
	region->ctl = (struct shmdev_ctl_page *)addr;
	return 0;
}

void shmdev_ctl_free(struct shmdev_region *region)
{
	free_page((unsigned long)region->ctl);
}

/**
 * shmdev_ctl_mmap() - map a region's control page
 * @region: the region the file is attached to.
 * @vma: a VMA at offset %SHMDEV_CTL_OFFSET, where no region data ever is
 *	(other offsets past the region fail with ENXIO, as they always did).
 *
 * Return: 0, or -EINVAL for a mapping that is not exactly the page and
 * MAP_SHARED: a private copy would never see a notifier's add.
 * (VM_MAYSHARE, not VM_SHARED: the kernel clears the latter for a
 * MAP_SHARED mapping of a file not open for writing.)
 */
int shmdev_ctl_mmap(struct shmdev_region *region, struct vm_area_struct *vma)
{
	unsigned long pfn = page_to_pfn(virt_to_page(region->ctl));

	if (vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_MAYSHARE) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	/* Never executable; remap_pfn_range() adds VM_DONTEXPAND. */
	vm_flags_clear(vma, VM_MAYEXEC);
	return remap_pfn_range(vma, vma->vm_start, pfn, PAGE_SIZE,
			       vma->vm_page_prot);
}
