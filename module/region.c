// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev regions: the name registry, lifetimes, permissions and limits.
 *
 * A region is findable (by name and by id) from CREATE until DESTROY, and
 * only from the user namespace it was created in (as SysV keys are per
 * IPC namespace; a module cannot hold an IPC namespace); the registry
 * holds one reference for that time.  Each attach's region file (backing.c)
 * holds one, and mappings hold such a file.  The memory goes when the last
 * reference does, as with IPC_RMID.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "shmdev.h"
#include "trace.h"

/*
 * shmdev_registry_lock protects shmdev_ids, shmdev_names, shmdev_next_id,
 * region->destroyed and region->name_node.  It is never held across
 * copy_*_user().
 */
static DEFINE_MUTEX(shmdev_registry_lock);
static DEFINE_XARRAY(shmdev_ids);		/* live (named) regions by id */
static DEFINE_HASHTABLE(shmdev_names, 8);	/* the same, by name */
static u64 shmdev_next_id = 1;

/*
 * Names being created: claimed before the region is charged and its memory
 * allocated, so that a concurrent CREATE of the same name waits for the
 * outcome (and then opens the region or takes the name) instead of being
 * refused by the limits the first creator is holding.  A claim lives on
 * shmdev_claims through region->name_node; shmdev_claims_gen counts ended
 * claims, for waiters on shmdev_claims_wq.  Under shmdev_registry_lock.
 */
static HLIST_HEAD(shmdev_claims);
static unsigned long shmdev_claims_gen;
static DECLARE_WAIT_QUEUE_HEAD(shmdev_claims_wq);

/* Names are per user namespace: the namespace salts the hash. */
static u32 shmdev_name_hash(const struct user_namespace *ns, const char *name)
{
	return full_name_hash(ns, name, strlen(name));
}

static struct shmdev_region *shmdev_lookup_name(const struct user_namespace *ns,
						const char *name)
{
	struct shmdev_region *region;

	lockdep_assert_held(&shmdev_registry_lock);
	hash_for_each_possible(shmdev_names, region, name_node,
			       shmdev_name_hash(ns, name))
		if (region->user_ns == ns && !strcmp(region->name, name))
			return region;
	return NULL;
}

/*
 * Find a live region of the caller's user namespace.  Comparing namespace
 * pointers is safe: a region holds a reference on its namespace, so that
 * pointer cannot be reused by another namespace while the region exists.
 */
static struct shmdev_region *shmdev_lookup(const char *name, u64 id)
{
	struct user_namespace *ns = current_user_ns();
	struct shmdev_region *region;

	lockdep_assert_held(&shmdev_registry_lock);
	if (name)
		return shmdev_lookup_name(ns, name);
	if (id > ULONG_MAX)
		return NULL;
	region = xa_load(&shmdev_ids, id);
	return region && region->user_ns == ns ? region : NULL;
}

static struct shmdev_region *shmdev_region_alloc(const struct shmdev_region_args *args)
{
	struct shmdev_region *region;

	region = kzalloc(struct_size(region, channels, args->nr_channels),
			 GFP_KERNEL_ACCOUNT);
	if (!region)
		return NULL;
	if (shmdev_ctl_alloc(region)) {
		kfree(region);
		return NULL;
	}
	refcount_set(&region->ref, 1);
	strscpy_pad(region->name, args->name, sizeof(region->name));
	region->size = args->size;
	region->nr_pages = args->size >> PAGE_SHIFT;
	region->order = args->order;
	region->uid = current_euid();
	region->cuid = region->uid;
	region->gid = current_egid();
	region->cgid = region->gid;
	region->mode = args->mode;
	region->user_ns = get_user_ns(current_user_ns());
	atomic_set(&region->nr_attached, 0);
	atomic_set(&region->nr_mappings, 0);
	region->cpid = get_pid(task_tgid(current));
	region->ctime = ktime_get_real_seconds();
	spin_lock_init(&region->stamp_lock);
	region->lpid = get_pid(region->cpid);
	region->atime = region->ctime;
	region->nr_channels = args->nr_channels;
	shmdev_channels_init(region);
	return region;
}

/* Undo shmdev_region_alloc(). */
static void shmdev_region_kfree(struct shmdev_region *region)
{
	put_pid(region->lpid);
	put_pid(region->cpid);
	put_user_ns(region->user_ns);
	shmdev_ctl_free(region);
	kfree(region);
}

static bool shmdev_claimed(const struct shmdev_region *region)
{
	struct shmdev_region *other;

	lockdep_assert_held(&shmdev_registry_lock);
	hlist_for_each_entry(other, &shmdev_claims, name_node)
		if (other->user_ns == region->user_ns &&
		    !strcmp(other->name, region->name))
			return true;
	return false;
}

/*
 * Find region->name, or claim it for @region and give @region its id.
 * With @existing, a region found is returned there with a reference;
 * without, finding one fails with -EEXIST.  A claim in progress is waited
 * for, and the lookup made again.
 */
static int shmdev_find_or_claim(struct shmdev_region *region,
				struct shmdev_region **existing)
{
	struct shmdev_region *found;
	unsigned long gen;
	int err;

	for (;;) {
		mutex_lock(&shmdev_registry_lock);
		gen = shmdev_claims_gen;
		err = 0;
		found = shmdev_lookup_name(region->user_ns, region->name);
		if (found && existing) {
			refcount_inc(&found->ref);
			*existing = found;
		} else if (found) {
			err = -EEXIST;
		} else if (shmdev_claimed(region)) {
			err = -EAGAIN;
		} else if (shmdev_next_id > ULONG_MAX) {
			/* Ids index an xarray: unsigned long is 64 bits where it matters. */
			err = -ENOSPC;
		} else {
			/* Taken now so that the region's file can show it. */
			region->id = shmdev_next_id++;
			hlist_add_head(&region->name_node, &shmdev_claims);
		}
		mutex_unlock(&shmdev_registry_lock);
		if (err != -EAGAIN)
			return err;
		if (wait_event_killable(shmdev_claims_wq,
					READ_ONCE(shmdev_claims_gen) != gen))
			return -EINTR;
	}
}

static void shmdev_unclaim(struct shmdev_region *region)
{
	lockdep_assert_held(&shmdev_registry_lock);
	hlist_del_init(&region->name_node);
	WRITE_ONCE(shmdev_claims_gen, shmdev_claims_gen + 1);
	wake_up_all(&shmdev_claims_wq);
}

/* Insert a claimed region into the registry; the caller ends the claim. */
static int shmdev_publish(struct shmdev_region *region)
{
	int err;

	lockdep_assert_held(&shmdev_registry_lock);
	err = xa_insert(&shmdev_ids, region->id, region, GFP_KERNEL);
	if (err)
		return err == -EBUSY ? -EEXIST : err;
	hash_add(shmdev_names, &region->name_node,
		 shmdev_name_hash(region->user_ns, region->name));
	return 0;
}

/* Give a claimed region its memory and charge it; -errno on failure. */
static int shmdev_region_populate(struct shmdev_region *region)
{
	struct shmdev_user *user;
	struct inode *inode;

	user = shmdev_charge(region->size);
	if (IS_ERR(user))
		return PTR_ERR(user);
	inode = shmdev_backing_alloc(region->size, region->order);
	if (IS_ERR(inode)) {
		shmdev_uncharge(user, region->size);
		return PTR_ERR(inode);
	}
	region->user = user;
	region->inode = inode;
	return 0;
}

/*
 * Make a new region that shmdev_find_or_claim() claimed for @region, and
 * the creator's file on it.  The region becomes findable last, so that a
 * failure leaves nothing behind.
 */
static struct file *shmdev_region_create(struct shmdev_region *region)
{
	struct file *file;
	int err;

	err = shmdev_region_populate(region);
	if (err)
		goto err_unclaim;

	file = shmdev_backing_file(region, false);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto err_unpopulate;
	}

	mutex_lock(&shmdev_registry_lock);
	shmdev_unclaim(region);
	err = shmdev_publish(region);
	if (!err)
		refcount_inc(&region->ref);	/* the registry's */
	mutex_unlock(&shmdev_registry_lock);
	if (err) {
		/* The file's release frees the region, as for any last put. */
		fput(file);
		return ERR_PTR(err);
	}
	trace_shmdev_create(region->id, region->size, region->order,
			    region->nr_channels);
	return file;

err_unpopulate:
	shmdev_backing_release(region->inode);
	shmdev_uncharge(region->user, region->size);
err_unclaim:
	mutex_lock(&shmdev_registry_lock);
	shmdev_unclaim(region);
	mutex_unlock(&shmdev_registry_lock);
	shmdev_region_kfree(region);
	return ERR_PTR(err);
}

/* CREATE|OPEN found the name: the caller asks for a read-write attach. */
static int shmdev_open_existing(struct shmdev_region *region,
				const struct shmdev_region_args *args)
{
	if (args->size > region->size || args->nr_channels > region->nr_channels)
		return -EINVAL;
	return shmdev_region_permission(region, true);
}

/**
 * shmdev_region_get() - create a region, or with @open find it, for CREATE
 * @args: validated name, page-aligned size, channel count and mode.
 * @open: open an existing region of that name instead of failing.
 * @created: set to whether a new region was made.
 *
 * Finding the name and claiming it are one step under the registry lock:
 * a concurrent CREATE of the name waits for this one's outcome, and never
 * allocates a large region only to find the name taken.
 *
 * Return: a read-write region file holding a reference on the region
 * (shmdev_file_attach() takes it), or an ERR_PTR: -ENOSPC (module
 * limits), -ENOMEM (per-user limits, memory cgroup or no memory), -EPERM
 * (RLIMIT_MEMLOCK is 0), -EINTR (fatal signal while allocating or
 * waiting), -EEXIST (the name exists and !@open), or for an existing region
 * -EINVAL (larger than it) or -EACCES.
 */
struct file *shmdev_region_get(const struct shmdev_region_args *args,
			       bool open, bool *created)
{
	struct shmdev_region *region, *existing = NULL;
	struct file *file;
	int err;

	region = shmdev_region_alloc(args);
	if (!region)
		return ERR_PTR(-ENOMEM);

	err = shmdev_find_or_claim(region, open ? &existing : NULL);
	if (err || existing) {
		shmdev_region_kfree(region);
		if (err)
			return ERR_PTR(err);
		*created = false;
		err = shmdev_open_existing(existing, args);
		file = err ? ERR_PTR(err) : shmdev_backing_file(existing, false);
		if (IS_ERR(file))
			shmdev_region_put(existing);
		return file;
	}
	*created = true;
	return shmdev_region_create(region);
}

/**
 * shmdev_region_find() - look a live region of the caller's namespace up
 * @name: the name, or NULL to look up by @id.
 * @id: the id, used when @name is NULL.
 *
 * Return: the region with a reference for the caller, or NULL.
 */
struct shmdev_region *shmdev_region_find(const char *name, u64 id)
{
	struct shmdev_region *region;

	mutex_lock(&shmdev_registry_lock);
	region = shmdev_lookup(name, id);
	if (region)
		refcount_inc(&region->ref);
	mutex_unlock(&shmdev_registry_lock);
	return region;
}

/**
 * shmdev_region_permission() - may the caller attach?
 * @region: the region.
 * @write: a read-write attach is asked for (else read-only).
 *
 * The checks of SysV IPC's ipcperms(): owner or creator uid, then owner or
 * creator group, then other; CAP_IPC_OWNER in the region's user namespace
 * overrides.
 *
 * Return: 0 or -EACCES.
 */
int shmdev_region_permission(const struct shmdev_region *region, bool write)
{
	kuid_t euid = current_euid();
	umode_t granted = region->mode;
	umode_t requested = write ? 06 : 04;

	if (uid_eq(euid, region->cuid) || uid_eq(euid, region->uid))
		granted >>= 6;
	else if (in_group_p(region->cgid) || in_group_p(region->gid))
		granted >>= 3;

	if ((requested & ~granted & 07) &&
	    !ns_capable(region->user_ns, CAP_IPC_OWNER))
		return -EACCES;
	return 0;
}

/* IPC_RMID's rule: the owner, the creator, or CAP_SYS_ADMIN in the namespace. */
static bool shmdev_may_destroy(const struct shmdev_region *region)
{
	kuid_t euid = current_euid();

	return uid_eq(euid, region->uid) || uid_eq(euid, region->cuid) ||
	       ns_capable(region->user_ns, CAP_SYS_ADMIN);
}

/* Returns the registry's reference. */
static struct shmdev_region *shmdev_unpublish(struct shmdev_region *region)
{
	lockdep_assert_held(&shmdev_registry_lock);
	WRITE_ONCE(region->destroyed, true);
	xa_erase(&shmdev_ids, region->id);
	hash_del(&region->name_node);
	return region;
}

/**
 * shmdev_region_destroy() - remove a region's name
 * @name: the name, or NULL to select by @id.
 * @id: the id, used when @name is NULL.
 *
 * The name and id stop resolving at once; the memory stays while files
 * are attached or mappings exist.
 *
 * Return: 0, -ENOENT or -EPERM.
 */
int shmdev_region_destroy(const char *name, u64 id)
{
	struct shmdev_region *region;
	int err = 0;

	mutex_lock(&shmdev_registry_lock);
	region = shmdev_lookup(name, id);
	if (!region)
		err = -ENOENT;
	else if (!shmdev_may_destroy(region))
		err = -EPERM;
	else
		shmdev_unpublish(region);
	mutex_unlock(&shmdev_registry_lock);

	if (!err) {
		trace_shmdev_destroy(region->id, region->size);
		shmdev_region_put(region);
	}
	return err;
}

/* No file of the region is left, hence no mapping either. */
static void shmdev_region_free(struct shmdev_region *region)
{
	trace_shmdev_free(region->id, region->size);
	shmdev_backing_release(region->inode);
	shmdev_uncharge(region->user, region->size);
	shmdev_region_kfree(region);
}

void shmdev_region_put(struct shmdev_region *region)
{
	if (refcount_dec_and_test(&region->ref))
		shmdev_region_free(region);
}

/**
 * shmdev_region_stamp() - record who attached or detached a file, and when
 * @region: the region.
 * @attach: a file was attached (else an attached file was released).
 *
 * As shmat() and shmdt() set shm_lpid and shm_atime or shm_dtime.
 */
void shmdev_region_stamp(struct shmdev_region *region, bool attach)
{
	struct pid *pid = get_pid(task_tgid(current));
	time64_t now = ktime_get_real_seconds();

	spin_lock(&region->stamp_lock);
	swap(region->lpid, pid);
	if (attach)
		region->atime = now;
	else
		region->dtime = now;
	spin_unlock(&region->stamp_lock);
	put_pid(pid);		/* the previous one */
}

/**
 * shmdev_region_list() - ids of the caller namespace's live regions, in order
 * @ids: where to store up to @capacity ids.
 * @capacity: room in @ids.
 *
 * Return: the number of live regions, which may exceed @capacity.
 */
u32 shmdev_region_list(u64 *ids, u32 capacity)
{
	struct user_namespace *ns = current_user_ns();
	struct shmdev_region *region;
	unsigned long index;
	u32 count = 0;

	mutex_lock(&shmdev_registry_lock);
	xa_for_each(&shmdev_ids, index, region) {
		if (region->user_ns != ns)
			continue;
		if (count < capacity)
			ids[count] = index;
		count++;
	}
	mutex_unlock(&shmdev_registry_lock);
	return count;
}

/* Module exit: no file is open, so this frees every region. */
void shmdev_region_destroy_all(void)
{
	struct shmdev_region *region;
	unsigned long index;

	mutex_lock(&shmdev_registry_lock);
	xa_for_each(&shmdev_ids, index, region) {
		shmdev_unpublish(region);
		shmdev_region_put(region);
	}
	mutex_unlock(&shmdev_registry_lock);
}
