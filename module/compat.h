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
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/user_namespace.h>
#ifdef SHMDEV_HAVE_TASK_EXEC_STATE
#include <linux/sched/exec_state.h>
#endif

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

/*
 * A PMD entry read without its lock.  Only 32-bit PAE needs more than one
 * load; before the helper existed (6.1) a single READ_ONCE is what the
 * kernel's own lockless readers did on 64-bit.
 */
static inline pmd_t shmdev_pmdp_get_lockless(pmd_t *pmdp)
{
#ifdef SHMDEV_HAVE_PMDP_GET_LOCKLESS
	return pmdp_get_lockless(pmdp);
#else
	return READ_ONCE(*pmdp);
#endif
}

/*
 * A page's mapcount.  6.1 has page_mapcount(); later kernels dropped it
 * but keep the per-page count in page->_mapcount (PTE mappings of this
 * page, from -1) beside the folio's entire (PMD) mapcount, which is how
 * mm/internal.h's folio_precise_page_mapcount() adds it up; 6.15 and later
 * built with CONFIG_NO_PAGE_MAPCOUNT keep only the folio's count.
 * SHMDEV_PER_PAGE_MAPCOUNT says which one shmdev_page_mapcount() gives.
 */
#if defined(SHMDEV_HAVE_PAGE_MAPCOUNT)
#define SHMDEV_PER_PAGE_MAPCOUNT	true
static inline int shmdev_page_mapcount(struct page *page, struct folio *folio)
{
	return page_mapcount(page);
}
#elif !defined(CONFIG_NO_PAGE_MAPCOUNT)
#define SHMDEV_PER_PAGE_MAPCOUNT	true
static inline int shmdev_page_mapcount(struct page *page, struct folio *folio)
{
	int mapcount = atomic_read(&page->_mapcount) + 1;

	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return mapcount;
}
#else
#define SHMDEV_PER_PAGE_MAPCOUNT	false
static inline int shmdev_page_mapcount(struct page *page, struct folio *folio)
{
	return folio_mapcount(folio);
}
#endif

/*
 * x86's userfaultfd bit in a PTE: _PAGE_UFFD_WP until 7.x renamed it
 * _PAGE_UFFD (it now marks other userfaultfd modes too).  Both are macros
 * of the arch's pgtable_types.h, zero when the kernel lacks the feature.
 */
#if defined(_PAGE_UFFD_WP)
#define SHMDEV_PAGE_UFFD	_PAGE_UFFD_WP
#elif defined(_PAGE_UFFD)
#define SHMDEV_PAGE_UFFD	_PAGE_UFFD
#else
#define SHMDEV_PAGE_UFFD	0
#endif

/* PR_SET_THP_DISABLE: one flag bit, in a bitmap behind helpers from 7.x. */
static inline bool shmdev_mm_thp_disabled(struct mm_struct *mm)
{
#ifdef SHMDEV_HAVE_MMF_DISABLE_THP_COMPLETELY
	return mm_flags_test(MMF_DISABLE_THP_COMPLETELY, mm);
#else
	return test_bit(MMF_DISABLE_THP, &mm->flags);
#endif
}

/*
 * What ptrace's default rule reads besides credentials: whether the
 * process is dumpable by its owner (not after a setuid exec, nor with
 * PR_SET_DUMPABLE 0), and the user namespace in which CAP_SYS_PTRACE
 * overrides that.  Both lived in the mm until 7.x moved them to
 * task->exec_state.  Caller holds rcu_read_lock(); @task uses @mm.
 * Return: whether it is dumpable by its owner; *@ns is set either way.
 */
static inline bool shmdev_task_dumpable(struct task_struct *task,
					struct mm_struct *mm,
					struct user_namespace **ns)
{
#ifdef SHMDEV_HAVE_TASK_EXEC_STATE
	struct task_exec_state *es = rcu_dereference(task->exec_state);

	*ns = es ? es->user_ns : &init_user_ns;
	return es && es->dumpable == TASK_DUMPABLE_OWNER;
#else
	*ns = mm->user_ns;
	return get_dumpable(mm) == SUID_DUMP_USER;
#endif
}

#endif /* _SHMDEV_COMPAT_H */
