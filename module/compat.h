/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels shmdev supports (Debian's 6.1 to
 * the newest mainline and release candidate; see the README's kernel
 * table), kept in this one file.  Kbuild detects features by looking at
 * the kernel's headers and defines SHMDEV_HAVE_* accordingly.
 */
#ifndef _SHMDEV_COMPAT_H
#define _SHMDEV_COMPAT_H

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

/* vm_flags became read-only behind helpers in 6.3. */
#ifndef SHMDEV_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * The kernel's own choice of address for a file mapping: 2 MiB aligned
 * where transparent huge pages exist (not on PREEMPT_RT), else the mm's
 * default, which 6.9 moved from a hook in the mm to
 * mm_get_unmapped_area(mm, ...), and which later kernels (seen in 7.2)
 * take for the current mm without the argument.
 */
static inline unsigned long
shmdev_default_unmapped_area(struct file *file, unsigned long addr,
			     unsigned long len, unsigned long pgoff,
			     unsigned long flags)
{
#if defined(CONFIG_TRANSPARENT_HUGEPAGE)
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
#elif defined(SHMDEV_HAVE_MM_GET_UNMAPPED_AREA_MM)
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
#elif defined(SHMDEV_HAVE_MM_GET_UNMAPPED_AREA)
	return mm_get_unmapped_area(file, addr, len, pgoff, flags);
#else
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
#endif
}

/*
 * filemap_alloc_folio() gained a NUMA memory policy argument (seen first
 * in 7.2); NULL means the allocating task's policy, which is what the
 * two-argument form used.
 */
static inline struct folio *
shmdev_filemap_alloc_folio(gfp_t gfp, unsigned int order)
{
#ifdef SHMDEV_HAVE_FILEMAP_ALLOC_FOLIO_POLICY
	return filemap_alloc_folio(gfp, order, NULL);
#else
	return filemap_alloc_folio(gfp, order);
#endif
}

/*
 * A mapping that holds folios of @order only.  6.10 lets a mapping name a
 * minimum order too, and mm then never splits its folios below it (a
 * partial MADV_PAGEOUT would otherwise split a huge region's folio).
 * Before that, a mapping can only be said to take large folios.
 */
static inline void shmdev_mapping_set_order(struct address_space *mapping,
					    unsigned int order)
{
#ifdef SHMDEV_HAVE_FOLIO_ORDER_RANGE
	mapping_set_folio_order_range(mapping, order, order);
#else
	mapping_set_large_folios(mapping);
#endif
}

#endif /* _SHMDEV_COMPAT_H */
