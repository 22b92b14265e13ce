// SPDX-License-Identifier: GPL-2.0
/*
 * SHMDEV_IOC_MAP: where a region sits in the page tables of every process
 * that maps it.
 *
 * A snapshot in three steps, so that no user memory is touched under a
 * page-table, i_mmap or mmap lock:
 *  1. under i_mmap_lock_read() of the region's mapping, note each mm that
 *     has a VMA of the region (with mmget_not_zero(), so that its page
 *     tables stay), then find the process of each mm and decide whether
 *     the caller may see it;
 *  2. per visible mm, in pid order: under mmap_read_lock(), find that mm's
 *     VMAs of the region again (they may have changed since step 1) and
 *     walk their entries (ptwalk.c) into kernel buffers as VMA records and
 *     runs of pages; unlock;
 *  3. copy that mm's records to the caller, and go on with the next mm.
 * So each process is consistent in itself; processes are read one after
 * another.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "shmdev.h"

/**
 * struct shmdev_map_mm - one address space mapping the region
 * @mm: the mm, with an mmget_not_zero() reference.
 * @pid: its process's tgid in the caller's pid namespace; 0 until found.
 * @visible: the caller may read that process's maps.
 * @nr_vmas: VMAs of the region seen in i_mmap (a first estimate).
 * @nr_pages: pages of those VMAs (likewise).
 * @comm: the process's name.
 */
struct shmdev_map_mm {
	struct mm_struct *mm;
	pid_t pid;
	bool visible;
	u32 nr_vmas;
	u64 nr_pages;
	char comm[TASK_COMM_LEN];
};

/**
 * struct shmdev_map_snap - state of one MAP call
 * @region: the region.
 * @arg: the caller's argument (kernel copy); counts accumulate in it.
 * @raw: the caller has CAP_SYS_ADMIN: frames, entries and counts shown.
 * @per_page: %SHMDEV_MAP_PER_PAGE.
 * @vma: the VMA being walked.
 * @vmas: this mm's VMA records; @vmas[i] is record @vma_base + i.
 * @vma_base: global index of @vmas[0].
 * @vma_room: records @vmas holds.
 * @runs: this mm's runs; @runs[i] is run @run_base + i.
 * @run_base: global index of @runs[0].
 * @run_room: runs @runs holds.
 * @cur: the run being built.
 * @cur_valid: @cur holds at least one page.
 * @cur_next_pfn: the frame that would extend @cur.
 * @cur_flags: shmdev_entry_flags() of @cur's entry.
 * @vma_runs: runs of @vma so far.
 * @walk: the page-table walk.
 */
struct shmdev_map_snap {
	struct shmdev_region *region;
	struct shmdev_map *arg;
	bool raw;
	bool per_page;
	struct vm_area_struct *vma;
	struct shmdev_map_vma *vmas;
	u32 vma_base;
	u32 vma_room;
	struct shmdev_map_run *runs;
	u32 run_base;
	u32 run_room;
	struct shmdev_map_run cur;
	bool cur_valid;
	u64 cur_next_pfn;
	u64 cur_flags;
	u32 vma_runs;
	struct shmdev_ptwalk walk;
};

/* ------------------------------------------------------------ who may see */

/*
 * May the caller read @task's /proc/PID/maps?  ptrace_may_access() is not
 * exported, so this is ptrace's default rule for PTRACE_MODE_READ with
 * the filesystem credentials (what /proc/PID/maps checks), made no wider:
 * the same thread group; or, when the process is dumpable by its owner,
 * fsuid and fsgid equal to each of its uids and gids; or CAP_SYS_PTRACE
 * both in the user namespace of its credentials and in that of its mm.
 * LSMs (Yama, SELinux, ...) can only narrow ptrace's rule, and they are
 * not consulted here; the rule stays within what they allow unmodified.
 */
static bool shmdev_may_read_maps(struct task_struct *task, struct mm_struct *mm)
{
	const struct cred *cred = current_cred();
	struct user_namespace *dump_ns;
	const struct cred *tcred;
	bool ids, dumpable;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "shmdev: tasks need RCU");
	if (same_thread_group(task, current))
		return true;
	tcred = __task_cred(task);
	ids = uid_eq(cred->fsuid, tcred->uid) &&
	      uid_eq(cred->fsuid, tcred->euid) &&
	      uid_eq(cred->fsuid, tcred->suid) &&
	      gid_eq(cred->fsgid, tcred->gid) &&
	      gid_eq(cred->fsgid, tcred->egid) &&
	      gid_eq(cred->fsgid, tcred->sgid);
	if (!ids && !ns_capable_noaudit(tcred->user_ns, CAP_SYS_PTRACE))
		return false;
	dumpable = shmdev_task_dumpable(task, mm, &dump_ns);
	return dumpable || ns_capable_noaudit(dump_ns, CAP_SYS_PTRACE);
}

/* The first thread of @p that has an mm (the leader may have exited). */
static struct task_struct *shmdev_task_with_mm(struct task_struct *p)
{
	struct task_struct *t;

	for_each_thread(p, t)
		if (READ_ONCE(t->mm))
			return t;
	return NULL;
}

/* Give each mm its process (tgid, name) and decide its visibility. */
static void shmdev_map_find_tasks(struct shmdev_map_mm *mms, unsigned int n)
{
	struct task_struct *p, *t;
	unsigned int i;

	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		t = shmdev_task_with_mm(p);
		if (!t)
			continue;
		for (i = 0; i < n; i++) {
			if (mms[i].pid || mms[i].mm != READ_ONCE(t->mm))
				continue;
			mms[i].pid = task_tgid_vnr(p);
			mms[i].visible = shmdev_may_read_maps(t, mms[i].mm);
			get_task_comm(mms[i].comm, t);
		}
	}
	rcu_read_unlock();
}

/* ------------------------------------------------------------- collecting */

static void shmdev_map_put_mms(struct shmdev_map_mm *mms, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (mms[i].mm)
			mmput(mms[i].mm);
	kvfree(mms);
}

/*
 * Under i_mmap_lock_read(): note the mms mapping the region in @mms (room
 * for @room).  Returns how many there are, which may exceed @room; no
 * allocation here, as reclaim may want the same lock.
 */
static unsigned int shmdev_map_scan(struct shmdev_region *region,
				    struct shmdev_map_mm *mms,
				    unsigned int room)
{
	struct address_space *mapping = region->inode->i_mapping;
	struct vm_area_struct *vma;
	struct rb_node *node;
	unsigned int n = 0, i;

	lockdep_assert_held(&mapping->i_mmap_rwsem);
	for (node = rb_first(&mapping->i_mmap.rb_root); node;
	     node = rb_next(node)) {
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		if (!shmdev_backing_vma_maps(vma, region))
			continue;
		for (i = 0; i < min(n, room); i++)
			if (mms[i].mm == vma->vm_mm)
				break;
		if (i < min(n, room)) {
			mms[i].nr_vmas++;
			mms[i].nr_pages += vma_pages(vma);
			continue;
		}
		if (n < room) {
			/* An exiting mm is about to lose its tables: skip it. */
			if (!mmget_not_zero(vma->vm_mm))
				continue;
			mms[n].mm = vma->vm_mm;
			mms[n].nr_vmas = 1;
			mms[n].nr_pages = vma_pages(vma);
		}
		n++;
	}
	return n;
}

static int shmdev_map_mm_cmp(const void *a, const void *b)
{
	const struct shmdev_map_mm *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/*
 * Step 1: the mms mapping @region whose process was found, sorted by pid,
 * each with a reference.  Returns their number or -ENOMEM.
 */
static int shmdev_map_collect(struct shmdev_region *region,
			      struct shmdev_map_mm **mmsp)
{
	struct address_space *mapping = region->inode->i_mapping;
	unsigned int room = atomic_read(&region->nr_mappings) + 4;
	struct shmdev_map_mm *mms;
	unsigned int n, i, kept;

	for (;;) {
		mms = kvcalloc(room, sizeof(*mms), GFP_KERNEL);
		if (!mms)
			return -ENOMEM;
		i_mmap_lock_read(mapping);
		n = shmdev_map_scan(region, mms, room);
		i_mmap_unlock_read(mapping);
		if (n <= room)
			break;
		/* mmput() may tear an mm down: never under the i_mmap lock. */
		shmdev_map_put_mms(mms, room);
		room = n + 4;
	}

	shmdev_map_find_tasks(mms, n);
	for (i = 0, kept = 0; i < n; i++) {
		if (!mms[i].pid) {	/* exited, or only a kernel thread's */
			mmput(mms[i].mm);
			continue;
		}
		mms[kept++] = mms[i];
	}
	sort(mms, kept, sizeof(*mms), shmdev_map_mm_cmp, NULL);
	*mmsp = mms;
	return kept;
}

/* ------------------------------------------------------------------- runs */

/* Why a huge region's page at @pg is not mapped by a PMD leaf. */
static u32 shmdev_why_pte(struct shmdev_map_snap *s,
			  const struct shmdev_pt_page *pg, bool copied)
{
	struct vm_area_struct *vma = s->vma;
	unsigned long haddr = pg->addr & PMD_MASK;

	if (!s->region->order || pg->level == SHMDEV_LEVEL_PMD)
		return SHMDEV_WHY_NONE;
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return SHMDEV_WHY_NO_THP;
	if (((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff) &
	    ((1UL << SHMDEV_HUGE_ORDER) - 1))
		return SHMDEV_WHY_MISALIGNED;
	if (haddr < vma->vm_start || vma->vm_end - haddr < PMD_SIZE)
		return SHMDEV_WHY_PARTIAL;
	if (vma->vm_flags & VM_NOHUGEPAGE)
		return SHMDEV_WHY_NOHUGEPAGE;
	if (shmdev_mm_thp_disabled(vma->vm_mm))
		return SHMDEV_WHY_THP_DISABLED;
	if (pg->level == SHMDEV_LEVEL_NONE)
		return SHMDEV_WHY_NOT_FAULTED;
	return copied ? SHMDEV_WHY_COPIED : SHMDEV_WHY_SPLIT;
}

/* Store the run being built, if there is room, and count it. */
static void shmdev_map_flush(struct shmdev_map_snap *s)
{
	u32 idx = s->arg->nr_runs;

	if (!s->cur_valid)
		return;
	if (idx >= s->run_base && idx - s->run_base < s->run_room)
		s->runs[idx - s->run_base] = s->cur;
	s->arg->nr_runs++;
	s->vma_runs++;
	s->cur_valid = false;
}

/* Can @pg, with @run its would-be run record, extend the current run? */
static bool shmdev_map_extends(struct shmdev_map_snap *s,
			       const struct shmdev_map_run *run,
			       const struct shmdev_pt_page *pg)
{
	const struct shmdev_map_run *cur = &s->cur;

	if (!s->cur_valid || s->per_page)
		return false;
	if (run->level != cur->level || run->bits != cur->bits ||
	    run->kind != cur->kind || run->why_pte != cur->why_pte ||
	    run->folio_order != cur->folio_order ||
	    run->folio_refcount != cur->folio_refcount ||
	    run->mapcount != cur->mapcount)
		return false;
	if (pg->level == SHMDEV_LEVEL_NONE)
		return true;
	if (shmdev_entry_flags(pg->entry) != s->cur_flags)
		return false;
	/* Without frames shown, run boundaries must not hint at them either. */
	return !s->raw || pg->pfn == s->cur_next_pfn;
}

static void shmdev_map_page(struct shmdev_map_snap *s,
			    const struct shmdev_pt_page *pg, bool copied)
{
	struct vm_area_struct *vma = s->vma;
	struct shmdev_map_run run = {
		.addr = pg->addr,
		.nr_pages = 1,
		.pgoff = vma->vm_pgoff + ((pg->addr - vma->vm_start) >> PAGE_SHIFT),
		.level = pg->level,
		.bits = pg->bits,
		.kind = pg->kind,
		.folio_order = pg->order,
	};

	memcpy(run.index, pg->index, sizeof(run.index));
	run.why_pte = shmdev_why_pte(s, pg, copied);
	if (s->raw) {
		run.pfn = pg->pfn;
		run.entry = pg->entry;
		memcpy(run.table, pg->table, sizeof(run.table));
		run.folio_refcount = pg->refcount;
		run.mapcount = pg->mapcount;
	}

	if (shmdev_map_extends(s, &run, pg)) {
		s->cur.nr_pages++;
		s->cur_next_pfn++;
		return;
	}
	shmdev_map_flush(s);
	s->cur = run;
	s->cur_valid = true;
	s->cur_next_pfn = pg->pfn + 1;
	s->cur_flags = shmdev_entry_flags(pg->entry);
}

/* The walk's callback: up to one PMD range's pages, no lock but mmap's. */
static void shmdev_map_batch(struct shmdev_ptwalk *w, unsigned long nr)
{
	struct shmdev_map_snap *s = container_of(w, struct shmdev_map_snap, walk);
	bool copied = false;
	unsigned long i;

	/* A copied page takes its whole PMD range to PTEs. */
	for (i = 0; i < nr; i++)
		if (w->pages[i].kind == SHMDEV_PAGE_ANON_COPY)
			copied = true;
	for (i = 0; i < nr; i++)
		shmdev_map_page(s, &w->pages[i], copied);
}

/* ------------------------------------------------------------ one process */

static u32 shmdev_vma_flags(struct vm_area_struct *vma)
{
	static const struct { unsigned long vm; u32 bit; } map[] = {
		{ VM_MAYSHARE, SHMDEV_VMA_SHARED },
		{ VM_READ, SHMDEV_VMA_READ },
		{ VM_WRITE, SHMDEV_VMA_WRITE },
		{ VM_EXEC, SHMDEV_VMA_EXEC },
		{ VM_MAYWRITE, SHMDEV_VMA_MAYWRITE },
		{ VM_NOHUGEPAGE, SHMDEV_VMA_NOHUGEPAGE },
		{ VM_HUGEPAGE, SHMDEV_VMA_HUGEPAGE },
	};
	u32 flags = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (vma->vm_flags & map[i].vm)
			flags |= map[i].bit;
	if (shmdev_mm_thp_disabled(vma->vm_mm))
		flags |= SHMDEV_VMA_THP_DISABLED;
	if (!(vma->vm_file->f_mode & FMODE_WRITE))
		flags |= SHMDEV_VMA_RDONLY_ATTACH;
	return flags;
}

/* Under the mmap lock: one VMA's record and runs. */
static void shmdev_map_vma(struct shmdev_map_snap *s, struct shmdev_map_mm *m,
			   struct vm_area_struct *vma)
{
	u32 idx = s->arg->nr_vmas++;
	struct shmdev_map_vma *rec;

	s->vma = vma;
	s->vma_runs = 0;
	s->walk.vma = vma;
	s->walk.start = vma->vm_start;
	s->walk.end = vma->vm_end;
	rec = idx - s->vma_base < s->vma_room ? &s->vmas[idx - s->vma_base] : NULL;
	if (rec) {
		memset(rec, 0, sizeof(*rec));
		rec->start = vma->vm_start;
		rec->end = vma->vm_end;
		rec->pgoff = vma->vm_pgoff;
		rec->pid = m->pid;
		rec->vma_flags = shmdev_vma_flags(vma);
		memcpy(rec->comm, m->comm, sizeof(rec->comm));
		rec->first_run = s->arg->nr_runs;
	}
	shmdev_ptwalk(&s->walk);
	shmdev_map_flush(s);
	if (rec)
		rec->nr_runs = s->vma_runs;
}

/* Under the mmap lock: the VMAs of the region, and at most how many runs. */
static void shmdev_map_count(struct shmdev_map_snap *s, struct mm_struct *mm,
			     u32 *nr_vmas, u64 *nr_pages)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);
	*nr_vmas = 0;
	*nr_pages = 0;
	for_each_vma(vmi, vma) {
		if (!shmdev_backing_vma_maps(vma, s->region))
			continue;
		(*nr_vmas)++;
		*nr_pages += vma_pages(vma);
	}
}

/* Buffers for one mm's records: as many as fit the caller's arrays. */
static int shmdev_map_buffers(struct shmdev_map_snap *s, u32 nr_vmas,
			      u64 nr_pages)
{
	const struct shmdev_map *arg = s->arg;
	u32 vmas_left = arg->vma_capacity - min(arg->nr_vmas, arg->vma_capacity);
	u32 runs_left = arg->run_capacity - min(arg->nr_runs, arg->run_capacity);
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;

	kvfree(s->vmas);
	kvfree(s->runs);
	s->vma_room = min(nr_vmas, vmas_left);
	s->run_room = min_t(u64, nr_pages, runs_left);
	s->vmas = kvmalloc_array(max(s->vma_room, 1U), sizeof(*s->vmas), gfp);
	s->runs = kvmalloc_array(max(s->run_room, 1U), sizeof(*s->runs), gfp);
	return s->vmas && s->runs ? 0 : -ENOMEM;
}

static bool shmdev_map_room_short(struct shmdev_map_snap *s, u32 nr_vmas,
				  u64 nr_pages)
{
	const struct shmdev_map *arg = s->arg;

	return (nr_vmas > s->vma_room &&
		s->vma_room < arg->vma_capacity - min(arg->nr_vmas, arg->vma_capacity)) ||
	       (nr_pages > s->run_room &&
		s->run_room < arg->run_capacity - min(arg->nr_runs, arg->run_capacity));
}

/* Under the mmap lock: every VMA of the region in @m's mm, in order. */
static void shmdev_map_walk_mm(struct shmdev_map_snap *s,
			       struct shmdev_map_mm *m)
{
	VMA_ITERATOR(vmi, m->mm, 0);
	struct vm_area_struct *vma;

	mmap_assert_locked(m->mm);
	s->vma_base = s->arg->nr_vmas;
	s->run_base = s->arg->nr_runs;
	for_each_vma(vmi, vma)
		if (shmdev_backing_vma_maps(vma, s->region))
			shmdev_map_vma(s, m, vma);
}

/*
 * Step 2 for one mm: its VMAs and runs into s->vmas and s->runs, under
 * its mmap lock.  The buffers are sized from step 1's estimate, and again
 * when the mm gained VMAs meanwhile (no allocation under the lock).
 */
static int shmdev_map_one_mm(struct shmdev_map_snap *s, struct shmdev_map_mm *m)
{
	struct mm_struct *mm = m->mm;
	u32 nr_vmas = m->nr_vmas;
	u64 nr_pages = m->nr_pages;
	int tries, err;

	for (tries = 0; ; tries++) {
		err = shmdev_map_buffers(s, nr_vmas, nr_pages);
		if (err)
			return err;
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		shmdev_map_count(s, mm, &nr_vmas, &nr_pages);
		/* Racing mmap()s could go on for ever: then report fewer. */
		if (tries == 3 || !shmdev_map_room_short(s, nr_vmas, nr_pages))
			break;
		mmap_read_unlock(mm);
	}

	shmdev_map_walk_mm(s, m);
	mmap_read_unlock(mm);
	return 0;
}

/* ---------------------------------------------------------------- copying */

/* Copy @n records of @ksize bytes to user records of @usize bytes. */
static int shmdev_map_copy(u64 uptr, u32 first, u32 usize, const void *recs,
			   size_t ksize, u32 n)
{
	char __user *dst = u64_to_user_ptr(uptr) + (u64)first * usize;
	size_t len = min_t(size_t, usize, ksize);
	u32 i;

	for (i = 0; i < n; i++, dst += usize) {
		if (copy_to_user(dst, (const char *)recs + i * ksize, len))
			return -EFAULT;
		if (usize > len && clear_user(dst + len, usize - len))
			return -EFAULT;
	}
	return 0;
}

/* Step 3: what this mm's walk stored. */
static int shmdev_map_copy_mm(struct shmdev_map_snap *s)
{
	const struct shmdev_map *arg = s->arg;
	u32 nv = min(arg->nr_vmas - s->vma_base, s->vma_room);
	u32 nr = min(arg->nr_runs - s->run_base, s->run_room);
	int err;

	err = shmdev_map_copy(arg->vmas_ptr, s->vma_base, arg->vma_size,
			      s->vmas, sizeof(*s->vmas), nv);
	if (err)
		return err;
	return shmdev_map_copy(arg->runs_ptr, s->run_base, arg->run_size,
			       s->runs, sizeof(*s->runs), nr);
}

static int shmdev_map_mms(struct shmdev_map_snap *s, struct shmdev_map_mm *mms,
			  unsigned int n)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		if (!mms[i].visible) {
			s->arg->nr_hidden += mms[i].nr_vmas;
			continue;
		}
		err = shmdev_map_one_mm(s, &mms[i]);
		if (!err)
			err = shmdev_map_copy_mm(s);
		if (err)
			return err;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

static void shmdev_map_result(struct shmdev_map_snap *s)
{
	struct shmdev_map *arg = s->arg;

	arg->id = s->region->id;
	if (s->raw)
		arg->result_flags |= SHMDEV_MAP_RESULT_RAW;
	if (arg->nr_vmas > arg->vma_capacity || arg->nr_runs > arg->run_capacity)
		arg->result_flags |= SHMDEV_MAP_RESULT_TRUNCATED;
	if (!SHMDEV_PER_PAGE_MAPCOUNT)
		arg->result_flags |= SHMDEV_MAP_RESULT_FOLIO_MAPCOUNT;
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		arg->result_flags |= SHMDEV_MAP_RESULT_NO_THP;
	else
		arg->huge_page_size = PMD_SIZE;
	if (IS_ENABLED(CONFIG_MEM_SOFT_DIRTY))
		arg->result_flags |= SHMDEV_MAP_RESULT_SOFT_DIRTY;
	arg->levels = pgtable_l5_enabled() ? 5 : 4;
	arg->region_pages = s->region->nr_pages;
	arg->page_size = PAGE_SIZE;
}

/**
 * shmdev_map_snapshot() - fill a validated MAP argument for @region
 * @region: the region, which the caller may see (a reference held).
 * @arg: the kernel copy of the argument, inputs checked, outputs zero.
 *
 * Writes the VMA records and runs to the caller's arrays.
 *
 * Return: 0, -ENOMEM, -EFAULT or -EINTR.
 */
int shmdev_map_snapshot(struct shmdev_region *region, struct shmdev_map *arg)
{
	struct shmdev_map_snap *s;
	struct shmdev_map_mm *mms;
	int n, err;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->walk.pages = kvmalloc_array(SHMDEV_PTWALK_BATCH,
				       sizeof(*s->walk.pages), GFP_KERNEL);
	if (!s->walk.pages) {
		err = -ENOMEM;
		goto out_free_snap;
	}
	s->region = region;
	s->arg = arg;
	s->raw = capable(CAP_SYS_ADMIN);
	s->per_page = arg->flags & SHMDEV_MAP_PER_PAGE;
	s->walk.mapping = region->inode->i_mapping;
	s->walk.fn = shmdev_map_batch;

	n = shmdev_map_collect(region, &mms);
	if (n < 0) {
		err = n;
		goto out_free_pages;
	}
	err = shmdev_map_mms(s, mms, n);
	shmdev_map_put_mms(mms, n);
	if (!err)
		shmdev_map_result(s);

	kvfree(s->vmas);
	kvfree(s->runs);
out_free_pages:
	kvfree(s->walk.pages);
out_free_snap:
	kfree(s);
	return err;
}
