// SPDX-License-Identifier: GPL-2.0
/*
 * What regions cost, and who may pay for them.
 *
 * Region memory is unevictable and no OOM kill frees it while anything
 * holds it, so it is limited three ways, all counted from CREATE until the
 * region is freed (a destroyed region still mapped still counts):
 *  - module-wide: bytes (max_total_bytes) and regions (max_regions) alive,
 *    past which CREATE fails with ENOSPC;
 *  - per user, keyed by the creator's effective kuid: bytes alive against
 *    max_user_bytes and, as SHM_LOCK does, the creator's RLIMIT_MEMLOCK:
 *    ENOMEM past either, EPERM when RLIMIT_MEMLOCK is 0.  CAP_IPC_LOCK (in
 *    the initial namespace, so that a container's root cannot lift it)
 *    exempts from the per-user limits; such regions are still counted.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "shmdev.h"

/**
 * struct shmdev_user - what one user's regions cost
 * @node: entry in shmdev_users.
 * @uid: the creator's effective uid.
 * @bytes: bytes of this user's regions alive; the entry is freed at zero.
 */
struct shmdev_user {
	struct hlist_node node;
	kuid_t uid;
	u64 bytes;
};

/* Protects everything below: a limit is checked and charged in one go. */
static DEFINE_MUTEX(shmdev_account_lock);
static DEFINE_HASHTABLE(shmdev_users, 6);
static u64 shmdev_bytes;
static unsigned int shmdev_nr_regions;

u64 shmdev_bytes_in_use(void)
{
	u64 bytes;

	mutex_lock(&shmdev_account_lock);
	bytes = shmdev_bytes;
	mutex_unlock(&shmdev_account_lock);
	return bytes;
}

unsigned int shmdev_regions_alive(void)
{
	return READ_ONCE(shmdev_nr_regions);
}

static struct shmdev_user *shmdev_user_find(kuid_t uid)
{
	struct shmdev_user *user;

	lockdep_assert_held(&shmdev_account_lock);
	hash_for_each_possible(shmdev_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

/*
 * CAP_IPC_LOCK is asked for only once a per-user limit would refuse, as
 * mm/mlock.c does: capable() audits every use of the privilege.
 */
static int shmdev_check_limits(const struct shmdev_user *user, u64 size,
			       unsigned long memlock, bool exempt)
{
	u64 user_bytes = user ? user->bytes : 0;

	lockdep_assert_held(&shmdev_account_lock);
	/* Sizes are at most MAX_LFS_FILESIZE: these sums cannot overflow. */
	if (shmdev_nr_regions >= READ_ONCE(shmdev_max_regions) ||
	    shmdev_bytes + size > READ_ONCE(shmdev_max_total_bytes))
		return -ENOSPC;
	if (exempt)
		return 0;
	if (user_bytes + size <= READ_ONCE(shmdev_max_user_bytes) &&
	    (memlock == RLIM_INFINITY || user_bytes + size <= memlock))
		return 0;
	return capable(CAP_IPC_LOCK) ? 0 : -ENOMEM;
}

/**
 * shmdev_charge() - count a new region of @size bytes against the limits
 * @size: bytes, non-zero.
 *
 * Return: the user charged (pass it to shmdev_uncharge()) or an ERR_PTR:
 * -ENOSPC (module limits), -ENOMEM (per-user limits or no memory), -EPERM
 * (RLIMIT_MEMLOCK is 0 and the caller lacks CAP_IPC_LOCK).
 */
struct shmdev_user *shmdev_charge(u64 size)
{
	unsigned long memlock = rlimit(RLIMIT_MEMLOCK);
	struct shmdev_user *user, *fresh;
	kuid_t uid = current_euid();
	bool exempt = false;
	int err;

	/* RLIMIT_MEMLOCK 0 refuses everyone but CAP_IPC_LOCK, who is exempt. */
	if (!memlock) {
		if (!capable(CAP_IPC_LOCK))
			return ERR_PTR(-EPERM);
		exempt = true;
	}

	/* Allocated before the lock, in case this user has no entry yet. */
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&shmdev_account_lock);
	user = shmdev_user_find(uid);
	err = shmdev_check_limits(user, size, memlock, exempt);
	if (err)
		goto out_unlock;
	if (!user) {
		user = fresh;
		fresh = NULL;
		user->uid = uid;
		hash_add(shmdev_users, &user->node, __kuid_val(uid));
	}
	user->bytes += size;
	shmdev_bytes += size;
	WRITE_ONCE(shmdev_nr_regions, shmdev_nr_regions + 1);
out_unlock:
	mutex_unlock(&shmdev_account_lock);
	kfree(fresh);
	return err ? ERR_PTR(err) : user;
}

/**
 * shmdev_uncharge() - a region of @size bytes charged to @user is gone
 * @user: from shmdev_charge().
 * @size: the size charged.
 */
void shmdev_uncharge(struct shmdev_user *user, u64 size)
{
	mutex_lock(&shmdev_account_lock);
	shmdev_bytes -= size;
	WRITE_ONCE(shmdev_nr_regions, shmdev_nr_regions - 1);
	user->bytes -= size;
	if (!user->bytes) {
		hash_del(&user->node);
		kfree(user);
	}
	mutex_unlock(&shmdev_account_lock);
}
