/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels shmdev supports (6.1 and 6.12 are
 * tested), kept in this one file.  Kbuild detects features by looking at
 * the kernel's headers and defines SHMDEV_HAVE_* accordingly.
 */
#ifndef _SHMDEV_COMPAT_H
#define _SHMDEV_COMPAT_H

#include <linux/mm.h>

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

#endif /* _SHMDEV_COMPAT_H */
