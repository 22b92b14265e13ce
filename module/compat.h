/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels shmdev supports (6.1 and 6.12 are
 * tested), kept in this one file.
 */
#ifndef _SHMDEV_COMPAT_H
#define _SHMDEV_COMPAT_H

#include <linux/compiler.h>
#include <linux/mm.h>
#include <linux/version.h>

#ifndef __counted_by
#define __counted_by(member)
#endif

/* vm_flags became read-only behind helpers in 6.3. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
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

#endif /* _SHMDEV_COMPAT_H */
