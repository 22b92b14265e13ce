// SPDX-License-Identifier: GPL-2.0
/*
 * Walking one VMA's page tables by hand, for SHMDEV_IOC_MAP.
 *
 * The kernel's page-table walkers (walk_page_range() and friends) are not
 * exported to modules, so this reads the tables level by level, as
 * mm/pagewalk.c and fs/proc/task_mmu.c do, and only reads: nothing is
 * faulted in, no entry is changed, no accessed or dirty bit is cleared.
 *
 * The caller holds the mmap lock for reading, which keeps the VMA and
 * the upper levels (PGD to PMD table) in place.  A PMD entry can still
 * change under it (a fault installs a leaf or a PTE table, khugepaged or
 * a split replaces one, and from 6.5 on a PTE table can be freed, after
 * an RCU grace period, under the read lock alone), so each PMD range is
 * read under the lock that serialises its changes: pmd_lock() for a leaf,
 * the PTE table's lock for a table, taken within rcu_read_lock() and
 * followed by a re-check that the PMD still points at that table, as
 * pte_offset_map_lock() does.  Entries are copied out under that lock;
 * the folio behind each is described there too, so no page reference is
 * taken.  The callback then runs with no page-table lock held.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include "shmdev.h"

/* Hardware and software bits of a leaf entry, in SHMDEV_BIT_* terms. */
#ifdef CONFIG_X86_64
static u32 shmdev_decode_bits(u64 val, bool pmd_leaf)
{
	static const struct { u64 hw; u32 bit; } map[] = {
		{ _PAGE_PRESENT, SHMDEV_BIT_PRESENT },
		{ _PAGE_RW, SHMDEV_BIT_RW },
		{ _PAGE_USER, SHMDEV_BIT_USER },
		{ _PAGE_PWT, SHMDEV_BIT_PWT },
		{ _PAGE_PCD, SHMDEV_BIT_PCD },
		{ _PAGE_ACCESSED, SHMDEV_BIT_ACCESSED },
		{ _PAGE_DIRTY, SHMDEV_BIT_DIRTY },
		{ _PAGE_GLOBAL, SHMDEV_BIT_GLOBAL },
		{ _PAGE_NX, SHMDEV_BIT_NX },
		/* Zero where the kernel is built without them. */
		{ _PAGE_SOFT_DIRTY, SHMDEV_BIT_SOFT_DIRTY },
		{ SHMDEV_PAGE_UFFD, SHMDEV_BIT_UFFD_WP },
		{ _PAGE_SPECIAL, SHMDEV_BIT_SPECIAL },
	};
	u32 bits = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].hw && (val & map[i].hw))
			bits |= map[i].bit;
	/* Bit 7 is PSE in a PMD leaf, PAT in a PTE; a leaf's PAT is bit 12. */
	if (pmd_leaf) {
		if (val & _PAGE_PSE)
			bits |= SHMDEV_BIT_PSE;
		if (val & _PAGE_PAT_LARGE)
			bits |= SHMDEV_BIT_PAT;
	} else if (val & _PAGE_PAT) {
		bits |= SHMDEV_BIT_PAT;
	}
	return bits;
}

/* The entry without its frame: what pages of one run have in common. */
u64 shmdev_entry_flags(u64 entry)
{
	return entry & ~PTE_PFN_MASK;
}
#else
/* Elsewhere, only what the generic accessors tell. */
static u32 shmdev_decode_bits(u64 val, bool pmd_leaf)
{
	return 0;
}

u64 shmdev_entry_flags(u64 entry)
{
	return 0;
}
#endif

/* The folio behind a present leaf, read under the lock that maps it. */
static void shmdev_describe_page(struct shmdev_ptwalk *w,
				 struct shmdev_pt_page *pg, unsigned long pfn)
{
	struct folio *folio;
	struct page *page;

	pg->pfn = pfn;
	if ((pg->bits & SHMDEV_BIT_SPECIAL) || !pfn_valid(pfn))
		return;
	page = pfn_to_page(pfn);
	folio = page_folio(page);
	pg->order = folio_order(folio);
	pg->refcount = folio_ref_count(folio);
	pg->mapcount = shmdev_page_mapcount(page, folio);
	if (folio_test_anon(folio))
		pg->kind = SHMDEV_PAGE_ANON_COPY;
	else if (READ_ONCE(folio->mapping) == w->mapping)
		pg->kind = SHMDEV_PAGE_REGION;
	else
		pg->kind = SHMDEV_PAGE_OTHER;
}

static void shmdev_fill_index(struct shmdev_pt_page *pg, unsigned long addr)
{
	pg->index[0] = pgd_index(addr);
	pg->index[1] = p4d_index(addr);
	pg->index[2] = pud_index(addr);
	pg->index[3] = pmd_index(addr);
	pg->index[4] = pte_index(addr);
}

/* Pages [@addr, @end) that no leaf maps, with the tables seen so far. */
static void shmdev_walk_none(struct shmdev_ptwalk *w, unsigned long addr,
			     unsigned long end, const u64 *table)
{
	unsigned long n = 0;

	while (addr < end) {
		struct shmdev_pt_page *pg = &w->pages[n];

		memset(pg, 0, sizeof(*pg));
		memcpy(pg->table, table, sizeof(pg->table));
		pg->addr = addr;
		shmdev_fill_index(pg, addr);
		addr += PAGE_SIZE;
		if (++n == SHMDEV_PTWALK_BATCH || addr >= end) {
			w->fn(w, n);
			n = 0;
		}
	}
}

/* Under the PMD lock: one leaf's pages in [@addr, @end). */
static unsigned long shmdev_walk_leaf(struct shmdev_ptwalk *w, pmd_t pmd,
				      unsigned long addr, unsigned long end,
				      const u64 *table)
{
	unsigned long n = 0;

	for (; addr < end; addr += PAGE_SIZE, n++) {
		struct shmdev_pt_page *pg = &w->pages[n];

		memset(pg, 0, sizeof(*pg));
		memcpy(pg->table, table, sizeof(pg->table));
		pg->table[3] = pmd_val(pmd);
		pg->addr = addr;
		pg->entry = pmd_val(pmd);
		pg->level = SHMDEV_LEVEL_PMD;
		pg->bits = shmdev_decode_bits(pg->entry, true);
		shmdev_fill_index(pg, addr);
		shmdev_describe_page(w, pg, pmd_pfn(pmd) +
				     ((addr & ~PMD_MASK) >> PAGE_SHIFT));
	}
	return n;
}

/* Under the PTE table's lock: its entries for [@addr, @end). */
static unsigned long shmdev_walk_ptes(struct shmdev_ptwalk *w, pte_t *ptep,
				      pmd_t pmd, unsigned long addr,
				      unsigned long end, const u64 *table)
{
	unsigned long n = 0;

	for (; addr < end; addr += PAGE_SIZE, ptep++, n++) {
		struct shmdev_pt_page *pg = &w->pages[n];
		pte_t pte = ptep_get(ptep);

		memset(pg, 0, sizeof(*pg));
		memcpy(pg->table, table, sizeof(pg->table));
		pg->table[3] = pmd_val(pmd);
		pg->addr = addr;
		shmdev_fill_index(pg, addr);
		/* Swap and migration entries map nothing now. */
		if (!pte_present(pte))
			continue;
		pg->entry = pte_val(pte);
		pg->level = SHMDEV_LEVEL_PTE;
		pg->bits = shmdev_decode_bits(pg->entry, false);
		shmdev_describe_page(w, pg, pte_pfn(pte));
	}
	return n;
}

/*
 * One PMD range, [@addr, @end) within it.  Returns false if the PMD
 * changed between the lockless look and the locked one: read it again.
 */
static bool shmdev_walk_pmd(struct shmdev_ptwalk *w, pmd_t *pmdp,
			    unsigned long addr, unsigned long end, u64 *table)
{
	struct mm_struct *mm = w->vma->vm_mm;
	spinlock_t *ptl;	/* the PMD's lock, or the PTE table's */
	unsigned long n;
	pte_t *ptep;
	pmd_t pmd;

	pmd = shmdev_pmdp_get_lockless(pmdp);
	table[3] = pmd_val(pmd);
	if (pmd_none(pmd) || !pmd_present(pmd)) {
		shmdev_walk_none(w, addr, end, table);
		return true;
	}

	if (pmd_leaf(pmd)) {
		ptl = pmd_lock(mm, pmdp);
		pmd = *pmdp;
		if (!pmd_present(pmd) || !pmd_leaf(pmd)) {
			spin_unlock(ptl);
			return false;
		}
		n = shmdev_walk_leaf(w, pmd, addr, end, table);
		spin_unlock(ptl);
		w->fn(w, n);
		return true;
	}

	/* The table is freed only after a grace period (6.5 and later). */
	rcu_read_lock();
	ptep = pte_offset_kernel(&pmd, addr);
	ptl = pte_lockptr(mm, &pmd);
	spin_lock(ptl);
	if (!pmd_same(pmd, shmdev_pmdp_get_lockless(pmdp))) {
		spin_unlock(ptl);
		rcu_read_unlock();
		return false;
	}
	n = shmdev_walk_ptes(w, ptep, pmd, addr, end, table);
	spin_unlock(ptl);
	rcu_read_unlock();
	w->fn(w, n);
	return true;
}

/*
 * An upper-level entry that points at no table: its range maps nothing.
 * (A file mapping has no PUD leaves; pud_bad() counts one as bad.)
 */
static bool shmdev_walk_upper(struct shmdev_ptwalk *w, bool empty, u64 val,
			      unsigned long addr, unsigned long end,
			      u64 *table, int slot)
{
	table[slot] = val;
	if (empty)
		shmdev_walk_none(w, addr, end, table);
	return !empty;
}

static void shmdev_walk_pud(struct shmdev_ptwalk *w, p4d_t *p4dp,
			    unsigned long addr, unsigned long end, u64 *table)
{
	unsigned long next;
	pmd_t *pmdp;
	pud_t *pudp;
	pud_t pud;

	for (; addr < end; addr = next) {
		next = pud_addr_end(addr, end);
		pudp = pud_offset(p4dp, addr);
		pud = READ_ONCE(*pudp);
		if (!shmdev_walk_upper(w, pud_none(pud) || pud_bad(pud),
				       pud_val(pud), addr, next, table, 2))
			continue;
		for (; addr < next; addr = pmd_addr_end(addr, next)) {
			pmdp = pmd_offset(pudp, addr);
			while (!shmdev_walk_pmd(w, pmdp, addr,
						pmd_addr_end(addr, next), table))
				cond_resched();
			cond_resched();
		}
	}
}

static void shmdev_walk_p4d(struct shmdev_ptwalk *w, pgd_t *pgdp,
			    unsigned long addr, unsigned long end, u64 *table)
{
	unsigned long next;
	p4d_t *p4dp;
	p4d_t p4d;

	for (; addr < end; addr = next) {
		next = p4d_addr_end(addr, end);
		p4dp = p4d_offset(pgdp, addr);
		p4d = READ_ONCE(*p4dp);
		if (shmdev_walk_upper(w, p4d_none(p4d) || p4d_bad(p4d),
				      p4d_val(p4d), addr, next, table, 1))
			shmdev_walk_pud(w, p4dp, addr, next, table);
	}
}

/**
 * shmdev_ptwalk() - report every page of [@w->start, @w->end)
 * @w: the walk: the VMA, the range (page aligned, within the VMA), the
 *	region's mapping (to tell its folios from copies), a buffer of
 *	%SHMDEV_PTWALK_BATCH pages and the callback that consumes them.
 *
 * Calls @w->fn with up to %SHMDEV_PTWALK_BATCH consecutive pages at a
 * time, in address order, never under a page-table lock and never
 * across a PMD boundary.  Pages not mapped at any level are reported with
 * %SHMDEV_LEVEL_NONE.
 *
 * Context: process, the VMA's mmap lock held for reading; sleeps.
 */
void shmdev_ptwalk(struct shmdev_ptwalk *w)
{
	struct mm_struct *mm = w->vma->vm_mm;
	unsigned long addr, next;
	u64 table[4];
	pgd_t *pgdp;
	pgd_t pgd;

	mmap_assert_locked(mm);

	for (addr = w->start; addr < w->end; addr = next) {
		memset(table, 0, sizeof(table));
		next = pgd_addr_end(addr, w->end);
		pgdp = pgd_offset(mm, addr);
		pgd = READ_ONCE(*pgdp);
		if (shmdev_walk_upper(w, pgd_none(pgd) || pgd_bad(pgd),
				      pgd_val(pgd), addr, next, table, 0))
			shmdev_walk_p4d(w, pgdp, addr, next, table);
	}
}
