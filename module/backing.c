// SPDX-License-Identifier: GPL-2.0
/*
 * The memory behind a region, and how it is mapped.
 *
 * Choice of backing: each region owns an inode of a small pseudo
 * filesystem private to the module, and its memory is folios the module
 * allocates at CREATE and inserts into that inode's page cache, as ramfs
 * does.  Why not the alternatives:
 *  - vm_insert_page()/remap_pfn_range() pages have no page->mapping, so
 *    process-shared futexes (pthread mutexes, POSIX semaphores) fail on
 *    them, and rmap, fork and pagemap treat them as special;
 *  - a shmem file per region (SysV shm, ashmem) gets all of that too, but
 *    its pages can be swapped unless locked, and huge pages need a tmpfs
 *    mount with huge=; shmem chooses folio sizes itself.
 * Page-cache folios that the module allocates give futexes (keyed on the
 * inode), fork, rmap, /proc/PID/maps and pagemap their normal behaviour,
 * and the module decides the folio order: a later version can hold order-9
 * folios, which filemap_map_pages() maps with a single PMD entry.
 *
 * Pages are never reclaimed: the mapping is unevictable (ramfs, SHM_LOCK),
 * every folio is dirty and there is no writeback.  They are allocated
 * without __GFP_MOVABLE because they cannot be migrated (no migrate_folio),
 * and charged to the creator's memory cgroup by filemap_add_folio() (not
 * also with __GFP_ACCOUNT, which would charge twice).
 *
 * Each attach gets its own file on the region's inode (shmdev_backing_file(),
 * as shmat() makes one per attach), opened read-only for a read-only
 * attach.  /dev/shmdev's mmap hands the VMA to that file with
 * vma_set_file(), as dma_buf_mmap() does: a mapping holds the region file,
 * the region file holds the region and, through f_op->owner, the module.
 * /proc/PID/maps names the file by its dentry: "/shmdev:NAME (id N)".
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/userfaultfd_k.h>

#include "shmdev.h"
#include "trace.h"

#define SHMDEV_FS_MAGIC	0x73686d64	/* "shmd" */

/*
 * __GFP_RETRY_MAYFAIL: a CREATE past the memory cgroup's limit fails with
 * ENOMEM instead of OOM-killing the creator.
 */
#define SHMDEV_GFP	(GFP_HIGHUSER | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static struct vfsmount *shmdev_mnt;

static int shmdev_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, SHMDEV_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: a mount of a filesystem with an owner pins that module, and
 * this one is mounted for the module's whole life, while regions that only
 * the registry holds must not keep rmmod away.  The files on this mount
 * pin the module themselves (shmdev_region_fops.owner) until __fput()'s
 * fops_put(); what __fput() does after that (dput, iput, mntput) runs no
 * code and reads no data of this module: the dentries use the kernel's
 * pseudo-file operations (no d_op of ours), and shmdev_region_free() has
 * emptied the page cache and dropped the aops before the last file goes.
 * Only the mount's final mntput() reads shmdev_fs_type (->kill_sb, and
 * ->owner in put_filesystem()), and shmdev_backing_exit() makes sure that
 * is its own kern_unmount(), not a file's.
 */
static struct file_system_type shmdev_fs_type = {
	.name = "shmdev",
	.init_fs_context = shmdev_init_fs_context,
	.kill_sb = kill_anon_super,
};

/*
 * A region's folios never leave the page cache while it lives: they are
 * dirty and unevictable, and memory-failure handling cannot invalidate a
 * dirty folio without ->error_remove_folio, so a poisoned one stays and
 * the fault path reports it (SIGBUS).  Should a folio be missing anyway,
 * its data is gone: fail the fault (SIGBUS) rather than map zeroes.
 */
static int shmdev_read_folio(struct file *file, struct folio *folio)
{
	folio_unlock(folio);
	return -EIO;
}

static const struct address_space_operations shmdev_aops = {
	.read_folio = shmdev_read_folio,
	.dirty_folio = noop_dirty_folio,
};

/*
 * The one place folios are allocated.  An order-9 folio comes whole from
 * the buddy allocator (compacting if it must) or not at all: no fallback.
 */
static int shmdev_backing_fill(struct address_space *mapping, pgoff_t nr_pages,
			       unsigned int order)
{
	struct folio *folio;
	pgoff_t index;
	int err;

	for (index = 0; index < nr_pages; index += 1UL << order) {
		folio = shmdev_filemap_alloc_folio(SHMDEV_GFP | __GFP_ZERO, order);
		if (!folio)
			return -ENOMEM;
		__folio_mark_uptodate(folio);
		err = filemap_add_folio(mapping, folio, index, SHMDEV_GFP);
		if (err) {
			folio_put(folio);
			return err;
		}
		/* Dirty, never cleaned: invalidation and reclaim skip it. */
		folio_mark_dirty(folio);
		folio_unlock(folio);
		folio_put(folio);	/* the page cache holds its own */

		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/**
 * shmdev_backing_alloc() - an inode holding @size bytes of zeroed memory
 * @size: a non-zero multiple of PAGE_SIZE << @order.
 * @order: the order of every folio.
 *
 * Return: the inode (put it with iput()) or an ERR_PTR: -ENOMEM, or
 * -EINTR when a fatal signal interrupted the allocation.
 */
struct inode *shmdev_backing_alloc(u64 size, unsigned int order)
{
	struct address_space *mapping;
	struct inode *inode;
	int err;

	inode = new_inode(shmdev_mnt->mnt_sb);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IFREG | 0600;
	i_size_write(inode, size);

	mapping = inode->i_mapping;
	mapping->a_ops = &shmdev_aops;
	mapping_set_gfp_mask(mapping, SHMDEV_GFP);
	mapping_set_unevictable(mapping);
	/*
	 * Tell the page cache that this mapping holds large folios, so that
	 * the rest of mm (filemap_map_pages() mapping a PMD, truncation)
	 * expects them, and where the kernel can, that it holds no others.
	 */
	if (order)
		shmdev_mapping_set_order(mapping, order);

	err = shmdev_backing_fill(mapping, size >> PAGE_SHIFT, order);
	if (err) {
		iput(inode);	/* frees the folios added so far */
		return ERR_PTR(err);
	}
	return inode;
}

/**
 * shmdev_backing_release() - empty a region's page cache as it is freed
 * @inode: the region's inode, which no file or mapping uses any more.
 *
 * The last file's dentry still holds the inode, and its final iput() runs
 * after that file has dropped its module reference: leave it nothing to do
 * with this module's aops (see shmdev_fs_type).
 */
void shmdev_backing_release(struct inode *inode)
{
	truncate_inode_pages(inode->i_mapping, 0);
	inode->i_mapping->a_ops = &empty_aops;
	iput(inode);
}

static struct shmdev_region *shmdev_vma_region(struct vm_area_struct *vma)
{
	return vma->vm_private_data;
}

/* What the PMD of a fault-around holds now, for the tracepoint. */
static unsigned int shmdev_pmd_level(struct vm_fault *vmf)
{
	pmd_t pmd;

	if (!vmf->pmd)
		return SHMDEV_LEVEL_NONE;
	pmd = shmdev_pmdp_get_lockless(vmf->pmd);
	if (pmd_none(pmd) || !pmd_present(pmd))
		return SHMDEV_LEVEL_NONE;
	return pmd_leaf(pmd) ? SHMDEV_LEVEL_PMD : SHMDEV_LEVEL_PTE;
}

static vm_fault_t shmdev_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				   pgoff_t end_pgoff)
{
	struct shmdev_region *region = shmdev_vma_region(vmf->vma);
	pgoff_t nr_pages = region->nr_pages;
	vm_fault_t ret;

	if (start_pgoff >= nr_pages)
		return 0;
	end_pgoff = min(end_pgoff, nr_pages - 1);
	ret = filemap_map_pages(vmf, start_pgoff, end_pgoff);
	if (trace_shmdev_map_pages_enabled())
		trace_shmdev_map_pages(region->id, vmf->address, start_pgoff,
				       end_pgoff, shmdev_pmd_level(vmf),
				       (__force unsigned int)ret);
	return ret;
}

/*
 * Write-around: the kernel's fault-around (->map_pages) serves read
 * faults only, so a region first touched by writes took one fault per
 * page although CREATE has already made every page.  A write fault on a
 * shared writable mapping therefore maps the neighbours of the faulting
 * page as well, SHMDEV_WRITE_AROUND pages aligned (the default
 * fault_around_bytes), within the VMA, the PTE table and the region.
 */
#define SHMDEV_WRITE_AROUND	16UL

/*
 * Only where the neighbours are the region's own pages, mapped shared
 * with write permission: never a private mapping (its writes copy one
 * page each), a read-only one, a huge region (already one PMD per
 * fault), or a VMA userfaultfd watches (it must see every fault, as the
 * core's fault-around also respects).  The PTE table must exist or be
 * preallocated: __do_fault() preallocates it when the PMD is empty, and
 * filemap_map_pages() would otherwise install a NULL table on 6.1.
 */
static bool shmdev_want_write_around(struct vm_fault *vmf,
				     struct shmdev_region *region)
{
	struct vm_area_struct *vma = vmf->vma;

	if (!(vmf->flags & FAULT_FLAG_WRITE) || region->order)
		return false;
	if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) != (VM_SHARED | VM_WRITE))
		return false;
	if (userfaultfd_armed(vma))
		return false;
	return vmf->prealloc_pte ||
	       !pmd_none(shmdev_pmdp_get_lockless(vmf->pmd));
}

/*
 * Called with the faulting page's folio locked (filemap_fault() returned
 * VM_FAULT_LOCKED): filemap_map_pages() skips locked folios, so it maps
 * the neighbours only, and finish_fault() then maps the faulting page
 * itself as for any write fault.  FAULT_FLAG_WRITE is hidden for the
 * call so that the neighbours get exactly the entries a read fault-around
 * gives them: from vm_page_prot, writable here because nothing asks for
 * write notification, but clean, so soft-dirty and the dirty bit still
 * say which pages were written; where write notification is on
 * (soft-dirty tracking), they are read-only and their first write
 * faults as before.  filemap_map_pages() only fills empty PTEs and does
 * the rmap, mapcount and RSS accounting.
 */
static void shmdev_write_around(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long win = SHMDEV_WRITE_AROUND << PAGE_SHIFT;
	unsigned long addr = vmf->address & PAGE_MASK;
	unsigned long start, end;
	enum fault_flag flags = vmf->flags;

	start = max3(ALIGN_DOWN(addr, win), addr & PMD_MASK, vma->vm_start);
	end = min3(ALIGN_DOWN(addr, win) + win, (addr & PMD_MASK) + PMD_SIZE,
		   vma->vm_end);

	vmf->flags &= ~FAULT_FLAG_WRITE;
	shmdev_map_pages(vmf, vmf->pgoff - ((addr - start) >> PAGE_SHIFT),
			 vmf->pgoff + ((end - addr) >> PAGE_SHIFT) - 1);
	vmf->flags = flags;
	/* finish_fault() maps its own; leave no stale table pointer. */
	vmf->pte = NULL;
}

/*
 * The bound is checked again here, not only at mmap time: udmabuf's
 * CVE-2023-2008 was a fault past the object after the VMA changed.
 * shmdev_map_pages() keeps the write-around within it too.
 */
static vm_fault_t shmdev_fault(struct vm_fault *vmf)
{
	struct shmdev_region *region = shmdev_vma_region(vmf->vma);
	vm_fault_t ret;

	if (vmf->pgoff >= region->nr_pages)
		return VM_FAULT_SIGBUS;
	ret = filemap_fault(vmf);
	trace_shmdev_fault(region->id, vmf->address, vmf->pgoff,
			   vmf->flags & FAULT_FLAG_WRITE,
			   (__force unsigned int)ret);
	if ((ret & (VM_FAULT_LOCKED | VM_FAULT_ERROR | VM_FAULT_NOPAGE |
		    VM_FAULT_RETRY)) == VM_FAULT_LOCKED &&
	    shmdev_want_write_around(vmf, region))
		shmdev_write_around(vmf);
	return ret;
}

/* fork, VMA splits and mremap moves each make one more VMA. */
static void shmdev_vm_open(struct vm_area_struct *vma)
{
	atomic_inc(&shmdev_vma_region(vma)->nr_mappings);
}

static void shmdev_vm_close(struct vm_area_struct *vma)
{
	atomic_dec(&shmdev_vma_region(vma)->nr_mappings);
}

/*
 * No page_mkwrite: the memory needs no write notification, and without it
 * long-term write pins (io_uring fixed buffers, RDMA) work on 6.12.
 */
static const struct vm_operations_struct shmdev_vm_ops = {
	.open = shmdev_vm_open,
	.close = shmdev_vm_close,
	.fault = shmdev_fault,
	.map_pages = shmdev_map_pages,
};

/**
 * shmdev_backing_vma_maps() - is @vma a mapping of @region?
 * @vma: any VMA of a file on the region's inode, or any VMA at all.
 * @region: the region.
 *
 * Only VMAs that shmdev_backing_mmap() set up carry the module's vm_ops;
 * their vm_private_data is the region for their whole life.
 *
 * Return: whether @vma maps @region.
 */
bool shmdev_backing_vma_maps(struct vm_area_struct *vma,
			     const struct shmdev_region *region)
{
	return vma->vm_ops == &shmdev_vm_ops && vma->vm_private_data == region;
}

/**
 * shmdev_backing_mmap() - hand a new VMA of /dev/shmdev to a region file
 * @rfile: the attach's region file (shmdev_backing_file()), open read-only
 *	for a read-only attach.
 * @vma: the new VMA, whose vm_file is still the /dev/shmdev file.
 *
 * Return: 0, -ENXIO when the VMA reaches past the region, -EINVAL for an
 * offset inside a huge folio, or -EACCES for a writable shared mapping of
 * a read-only attach.
 */
int shmdev_backing_mmap(struct file *rfile, struct vm_area_struct *vma)
{
	struct shmdev_region *region = rfile->private_data;
	unsigned long nr_pages = vma_pages(vma);

	if (vma->vm_pgoff >= region->nr_pages ||
	    nr_pages > region->nr_pages - vma->vm_pgoff)
		return -ENXIO;
	/* A huge region maps whole folios from their first byte on. */
	if (!IS_ALIGNED(vma->vm_pgoff, 1UL << region->order))
		return -EINVAL;

	/*
	 * VM_MAYSHARE, not VM_SHARED: the latter is already cleared for a
	 * shared mapping of a file opened read-only.  Clearing VM_MAYWRITE
	 * makes mprotect(PROT_WRITE) and FOLL_FORCE writes fail later (the
	 * hole of ashmem's CVE-2011-1149).  A private mapping may be written:
	 * its writes go to copy-on-write anonymous pages, never the region.
	 */
	if (!(rfile->f_mode & FMODE_WRITE) && (vma->vm_flags & VM_MAYSHARE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	/* mremap() cannot grow the mapping past what was checked above. */
	vm_flags_set(vma, VM_DONTEXPAND);

	/*
	 * From here on the VMA belongs to the region file: faults find the
	 * region's page cache through its f_mapping, /proc/PID/maps shows
	 * its name, and the mapping keeps the region and the module alive.
	 */
	vma_set_file(vma, rfile);
	vma->vm_ops = &shmdev_vm_ops;
	vma->vm_private_data = region;
	shmdev_vm_open(vma);
	trace_shmdev_mmap(region->id, vma->vm_start, vma->vm_end, vma->vm_pgoff,
			  vma->vm_flags & VM_MAYSHARE, vma->vm_flags & VM_WRITE);
	return 0;
}

/**
 * shmdev_backing_get_unmapped_area() - where to map a region
 * @rfile: a region file.
 * @addr: the caller's hint.
 * @len: the length.
 * @pgoff: the offset in pages.
 * @flags: the mmap flags.
 *
 * Also the region file's own get_unmapped_area, which mremap() uses to
 * move a mapping.
 *
 * Return: an address or a negative errno.
 */
unsigned long shmdev_backing_get_unmapped_area(struct file *rfile,
					       unsigned long addr,
					       unsigned long len,
					       unsigned long pgoff,
					       unsigned long flags)
{
	return shmdev_default_unmapped_area(rfile, addr, len, pgoff, flags);
}

/* The attach's file goes: its reference on the region goes with it. */
static int shmdev_region_file_release(struct inode *inode, struct file *file)
{
	shmdev_region_put(file->private_data);
	return 0;
}

/*
 * Never opened by path: the inode keeps the kernel's default i_fop, whose
 * open fails with ENXIO, so /proc/PID/map_files cannot turn a read-only
 * mapping into a writable file (ashmem's CVE-2020-0009).  No fd of a
 * region file is ever installed; these operations serve its VMAs.
 */
static const struct file_operations shmdev_region_fops = {
	.owner = THIS_MODULE,
	.release = shmdev_region_file_release,
	.get_unmapped_area = shmdev_backing_get_unmapped_area,
	/* msync(MS_SYNC) succeeds, as on tmpfs: nothing to write back. */
	.fsync = noop_fsync,
	.llseek = noop_llseek,
};

/**
 * shmdev_backing_file() - a file for one attach of a region
 * @region: the region; the caller's reference passes to the file.
 * @rdonly: open the file read-only (a read-only attach).
 *
 * The dentry's name is what /proc/PID/maps, smaps and map_files show:
 * "shmdev:NAME (id N)", after a '/' and before the " (deleted)" that the
 * kernel adds for every file without a directory entry (as for memfd).
 *
 * Return: the file (fput() it) or an ERR_PTR; on error the caller keeps
 * its reference.
 */
struct file *shmdev_backing_file(struct shmdev_region *region, bool rdonly)
{
	char name[sizeof("shmdev: (id )") + SHMDEV_NAME_MAX + 20];
	struct file *file;

	snprintf(name, sizeof(name), "shmdev:%s (id %llu)", region->name,
		 region->id);
	/*
	 * alloc_file_pseudo() takes no module reference, but __fput() drops
	 * one for f_op->owner.  The caller runs an ioctl of /dev/shmdev,
	 * whose file pins the module, so a plain increment is safe.
	 */
	__module_get(THIS_MODULE);
	ihold(region->inode);
	file = alloc_file_pseudo(region->inode, shmdev_mnt, name,
				 rdonly ? O_RDONLY : O_RDWR, &shmdev_region_fops);
	if (IS_ERR(file)) {
		iput(region->inode);
		module_put(THIS_MODULE);
		return file;
	}
	file->private_data = region;
	return file;
}

int shmdev_backing_init(void)
{
	shmdev_mnt = kern_mount(&shmdev_fs_type);
	if (IS_ERR(shmdev_mnt))
		return PTR_ERR(shmdev_mnt);
	/* The caller's reference that may_umount_tree() allows for. */
	mntget(shmdev_mnt);
	return 0;
}

/*
 * rmmod can run between a closing file's fops_put(), which lets the module
 * go, and that file's mntput() a few steps later in __fput().  Were that
 * mntput() the mount's last, it would kill the superblock through
 * shmdev_fs_type after the module is freed.  So wait until the mount holds
 * only kern_mount()'s reference and ours, the two that may_umount_tree()
 * counts as idle.  The wait is short and ends: no new reference can be
 * taken, as every region file is made by an ioctl of /dev/shmdev, which
 * pins the module, and the stragglers are already inside __fput().
 */
void shmdev_backing_exit(void)
{
	while (!may_umount_tree(shmdev_mnt))
		schedule_timeout_uninterruptible(1);
	mntput(shmdev_mnt);
	kern_unmount(shmdev_mnt);
}
