// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev regions: the name registry, lifetimes, permissions and limits.
 *
 * A region is findable (by name and by id) from CREATE until DESTROY, and
 * only from the user namespace it was created in (as SysV keys are per
 * IPC namespace; a module cannot hold an IPC namespace); the registry
 * holds one reference for that time.  Attached files hold one
 * each.  The memory goes when the last reference does, as with IPC_RMID.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "shmdev.h"

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

/* Caller holds shmdev_registry_lock. */
static struct shmdev_region *shmdev_lookup_name(const struct user_namespace *ns,
						const char *name)
{
	struct shmdev_region *region;

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
 * Caller holds shmdev_registry_lock.
 */
static struct shmdev_region *shmdev_lookup(const char *name, u64 id)
{
	struct user_namespace *ns = current_user_ns();
	struct shmdev_region *region;

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
	refcount_set(&region->ref, 1);
	strscpy_pad(region->name, args->name, sizeof(region->name));
	region->size = args->size;
	region->nr_pages = args->size >> PAGE_SHIFT;
	region->uid = current_euid();
	region->cuid = region->uid;
	region->gid = current_egid();
	region->cgid = region->gid;
	region->mode = args->mode;
	region->user_ns = get_user_ns(current_user_ns());
	atomic_set(&region->nr_attached, 0);
	atomic_set(&region->nr_mappings, 0);
	region->nr_channels = args->nr_channels;
	shmdev_channels_init(region);
	return region;
}

/* Caller holds shmdev_registry_lock. */
static bool shmdev_claimed(const struct shmdev_region *region)
{
	struct shmdev_region *other;

	hlist_for_each_entry(other, &shmdev_claims, name_node)
		if (other->user_ns == region->user_ns &&
		    !strcmp(other->name, region->name))
			return true;
	return false;
}

/* Claim region->name; -EEXIST if it exists, or wait for another claim. */
static int shmdev_claim(struct shmdev_region *region)
{
	unsigned long gen;
	int err;

	for (;;) {
		mutex_lock(&shmdev_registry_lock);
		gen = shmdev_claims_gen;
		err = 0;
		if (shmdev_lookup_name(region->user_ns, region->name))
			err = -EEXIST;
		else if (shmdev_claimed(region))
			err = -EAGAIN;
		else
			hlist_add_head(&region->name_node, &shmdev_claims);
		mutex_unlock(&shmdev_registry_lock);
		if (err != -EAGAIN)
			return err;
		if (wait_event_killable(shmdev_claims_wq,
					READ_ONCE(shmdev_claims_gen) != gen))
			return -EINTR;
	}
}

/* Caller holds shmdev_registry_lock. */
static void shmdev_unclaim(struct shmdev_region *region)
{
	hlist_del_init(&region->name_node);
	WRITE_ONCE(shmdev_claims_gen, shmdev_claims_gen + 1);
	wake_up_all(&shmdev_claims_wq);
}

/*
 * Insert a claimed region into the registry; the caller holds
 * shmdev_registry_lock and ends the claim.
 */
static int shmdev_publish(struct shmdev_region *region)
{
	int err;

	/* Ids index an xarray: unsigned long is 64 bits where it matters. */
	if (shmdev_next_id > ULONG_MAX)
		return -ENOSPC;
	err = xa_insert(&shmdev_ids, shmdev_next_id, region, GFP_KERNEL);
	if (err)
		return err == -EBUSY ? -EEXIST : err;
	region->id = shmdev_next_id++;
	hash_add(shmdev_names, &region->name_node,
		 shmdev_name_hash(region->user_ns, region->name));
	return 0;
}

/**
 * shmdev_region_create() - create a named region
 * @args: validated name, page-aligned size, channel count and mode.
 * @out: the region, with one reference for the caller.
 *
 * The name is claimed first: a concurrent CREATE of it waits for this one.
 * The region becomes findable only after its memory is allocated, so a
 * failure leaves nothing behind.
 *
 * Return: 0, -ENOSPC (module limits), -ENOMEM (per-user limits, memory
 * cgroup or no memory), -EPERM (RLIMIT_MEMLOCK is 0), -EINTR (fatal signal
 * while allocating or waiting) or -EEXIST (the name exists, perhaps created
 * meanwhile).
 */
int shmdev_region_create(const struct shmdev_region_args *args,
			 struct shmdev_region **out)
{
	struct shmdev_region *region;
	struct shmdev_user *user;
	struct inode *inode;
	int err;

	region = shmdev_region_alloc(args);
	if (!region)
		return -ENOMEM;

	err = shmdev_claim(region);
	if (err)
		goto err_free_region;

	user = shmdev_charge(args->size);
	if (IS_ERR(user)) {
		err = PTR_ERR(user);
		goto err_unclaim;
	}
	region->user = user;

	inode = shmdev_backing_alloc(args->size);
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto err_uncharge;
	}
	region->inode = inode;

	mutex_lock(&shmdev_registry_lock);
	shmdev_unclaim(region);
	err = shmdev_publish(region);
	if (!err)
		refcount_inc(&region->ref);	/* the registry's */
	mutex_unlock(&shmdev_registry_lock);
	if (err)
		goto err_put_inode;

	*out = region;
	return 0;

err_put_inode:
	iput(inode);
err_uncharge:
	shmdev_uncharge(user, args->size);
err_unclaim:
	mutex_lock(&shmdev_registry_lock);
	if (!hlist_unhashed(&region->name_node))
		shmdev_unclaim(region);
	mutex_unlock(&shmdev_registry_lock);
err_free_region:
	put_user_ns(region->user_ns);
	kfree(region);
	return err;
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

/* Caller holds shmdev_registry_lock; returns the registry's reference. */
static struct shmdev_region *shmdev_unpublish(struct shmdev_region *region)
{
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

	if (!err)
		shmdev_region_put(region);
	return err;
}

static void shmdev_region_free(struct shmdev_region *region)
{
	/* Truncates the page cache: no mapping exists any more. */
	iput(region->inode);
	shmdev_uncharge(region->user, region->size);
	put_user_ns(region->user_ns);
	kfree(region);
}

void shmdev_region_put(struct shmdev_region *region)
{
	if (refcount_dec_and_test(&region->ref))
		shmdev_region_free(region);
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
