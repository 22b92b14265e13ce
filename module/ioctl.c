// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface: argument validation and dispatch.
 *
 * Handlers see a kernel copy of the argument: the dispatcher copies it in
 * before and out after, so no handler touches user memory while holding a
 * lock (LIST, which writes an array, and WAITV, which reads one, do so with
 * no lock held).  Before a handler with side effects runs, the dispatcher
 * writes the argument back unchanged, so that an argument the caller
 * cannot write fails with EFAULT before CREATE, ATTACH, NOTIFY, ACK or
 * POLL_MASK has done anything that the caller could not learn of.
 *
 * POST and WAKE take their channel as the argument value: the cheapest
 * form an ioctl has, with no copy at all, for the paths that notify.
 */
#include <linux/bitops.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/nospec.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "shmdev.h"

static bool shmdev_all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/* 1..63 printable bytes other than '/', a NUL, then only NULs. */
static int shmdev_check_name(const char *name)
{
	size_t len = strnlen(name, SHMDEV_NAME_MAX);
	size_t i;

	if (len == 0 || len == SHMDEV_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c < 0x21 || c > 0x7e || c == '/')
			return -EINVAL;
	}
	if (!shmdev_all_zero(name + len, SHMDEV_NAME_MAX - len))
		return -EINVAL;
	return 0;
}

/*
 * ATTACH and DESTROY select a region by name (id must be zero) or by id
 * (name must be all zero).  *namep is NULL for a lookup by id.
 */
static int shmdev_check_selector(const char *name, u64 id, bool by_id,
				 const char **namep)
{
	if (by_id) {
		*namep = NULL;
		return shmdev_all_zero(name, SHMDEV_NAME_MAX) ? 0 : -EINVAL;
	}
	*namep = name;
	return id ? -EINVAL : shmdev_check_name(name);
}

/* The attached region; the file holds a reference for as long as it lives. */
static struct shmdev_region *shmdev_attached(struct file *file)
{
	return shmdev_file_region(file->private_data);
}

/* A valid channel index, clamped against speculation; -EINVAL if not. */
static int shmdev_check_channel(const struct shmdev_region *region, u32 *channel)
{
	if (*channel >= region->nr_channels)
		return -EINVAL;
	*channel = array_index_nospec(*channel, region->nr_channels);
	return 0;
}

static int shmdev_ioc_api(struct file *file, void *data);

static int shmdev_create_args(const struct shmdev_create *arg,
			      struct shmdev_region_args *args)
{
	u64 max = READ_ONCE(shmdev_max_region_bytes);
	bool huge = arg->flags & SHMDEV_CREATE_HUGE;
	u64 unit = huge ? SHMDEV_HUGE_SIZE : PAGE_SIZE;
	int err;

	if ((arg->flags & ~SHMDEV_CREATE_FLAGS_MASK) || arg->result_flags ||
	    arg->id)
		return -EINVAL;
	err = shmdev_check_name(arg->name);
	if (err)
		return err;
	if (!arg->size || !arg->nr_channels ||
	    arg->nr_channels > SHMDEV_MAX_CHANNELS || (arg->mode & ~0777))
		return -EINVAL;
	/*
	 * MAX_LFS_FILESIZE first, so that rounding up cannot overflow; no
	 * region reaches the control page's mmap() offset.
	 */
	if (arg->size > MAX_LFS_FILESIZE ||
	    round_up(arg->size, unit) > min_t(u64, max, SHMDEV_CTL_OFFSET))
		return -E2BIG;

	args->name = arg->name;
	args->size = round_up(arg->size, unit);
	args->nr_channels = arg->nr_channels;
	args->mode = arg->mode;
	args->order = huge ? SHMDEV_HUGE_ORDER : 0;
	return 0;
}

static int shmdev_ioc_create(struct file *file, void *data)
{
	struct shmdev_file *sf = file->private_data;
	struct shmdev_create *arg = data;
	struct shmdev_region_args args;
	struct shmdev_region *region;
	struct file *rfile;
	u64 *acked;
	bool created;
	int err;

	err = shmdev_create_args(arg, &args);
	if (err)
		return err;
	if (!sf->writable)
		return -EBADF;
	/* Before anything is created: a new region has this many channels. */
	acked = shmdev_acked_alloc(args.nr_channels);
	if (!acked)
		return -ENOMEM;

	/* A CREATE may hold it while it fills a large region: stay killable. */
	if (mutex_lock_killable(&sf->lock)) {
		err = -EINTR;
		goto out_free;
	}
	if (sf->region) {
		err = -EBUSY;
		goto out_unlock;
	}
	rfile = shmdev_region_get(&args, arg->flags & SHMDEV_CREATE_OPEN,
				  &created);
	if (IS_ERR(rfile)) {
		err = PTR_ERR(rfile);
		goto out_unlock;
	}
	region = rfile->private_data;
	if (region->nr_channels > args.nr_channels) {
		/* An existing region was opened: failing changes nothing. */
		kfree(acked);
		acked = shmdev_acked_alloc(region->nr_channels);
		if (!acked) {
			fput(rfile);
			err = -ENOMEM;
			goto out_unlock;
		}
	}

	shmdev_file_attach(sf, rfile, acked);
	acked = NULL;
	arg->id = region->id;
	arg->result_flags = created ? SHMDEV_CREATE_RESULT_NEW : 0;
out_unlock:
	mutex_unlock(&sf->lock);
out_free:
	kfree(acked);
	return err;
}

static int shmdev_ioc_attach(struct file *file, void *data)
{
	struct shmdev_file *sf = file->private_data;
	struct shmdev_attach *arg = data;
	struct shmdev_region *region;
	struct file *rfile;
	const char *name;
	u64 *acked = NULL;
	bool write;
	int err;

	if ((arg->flags & ~SHMDEV_ATTACH_FLAGS_MASK) || arg->__pad)
		return -EINVAL;
	err = shmdev_check_selector(arg->name, arg->id,
				    arg->flags & SHMDEV_ATTACH_BY_ID, &name);
	if (err)
		return err;
	write = !(arg->flags & SHMDEV_ATTACH_RDONLY);
	if (write && !sf->writable)
		return -EBADF;

	/* A CREATE may hold it while it fills a large region: stay killable. */
	if (mutex_lock_killable(&sf->lock))
		return -EINTR;
	if (sf->region) {
		err = -EBUSY;
		goto out_unlock;
	}
	region = shmdev_region_find(name, arg->id);
	if (!region) {
		err = -ENOENT;
		goto out_unlock;
	}
	err = shmdev_region_permission(region, write);
	if (err)
		goto out_put;
	acked = shmdev_acked_alloc(region->nr_channels);
	if (!acked) {
		err = -ENOMEM;
		goto out_put;
	}
	rfile = shmdev_backing_file(region, !write);
	if (IS_ERR(rfile)) {
		err = PTR_ERR(rfile);
		goto out_put;
	}

	shmdev_file_attach(sf, rfile, acked);
	arg->id = region->id;
	mutex_unlock(&sf->lock);
	return 0;

out_put:
	kfree(acked);
	shmdev_region_put(region);
out_unlock:
	mutex_unlock(&sf->lock);
	return err;
}

static void shmdev_fill_info(struct shmdev_info *arg,
			     struct shmdev_region *region)
{
	struct user_namespace *ns = current_user_ns();
	u32 i;

	arg->id = region->id;
	if (READ_ONCE(region->destroyed))
		arg->region_flags |= SHMDEV_REGION_DESTROYED;
	arg->size = region->size;
	arg->uid = from_kuid_munged(ns, region->uid);
	arg->gid = from_kgid_munged(ns, region->gid);
	arg->cuid = from_kuid_munged(ns, region->cuid);
	arg->cgid = from_kgid_munged(ns, region->cgid);
	if (region->order)
		arg->region_flags |= SHMDEV_REGION_HUGE;
	arg->mode = region->mode;
	arg->nr_channels = region->nr_channels;
	arg->nr_attached = atomic_read(&region->nr_attached);
	arg->nr_mappings = atomic_read(&region->nr_mappings);
	memcpy(arg->name, region->name, sizeof(arg->name));
	for (i = 0; i < region->nr_channels; i++)
		arg->seq[i] = atomic64_read(shmdev_seq(region, i));
	arg->cpid = pid_vnr(region->cpid);
	arg->ctime = region->ctime;
	spin_lock(&region->stamp_lock);
	arg->lpid = pid_vnr(region->lpid);
	arg->atime = region->atime;
	arg->dtime = region->dtime;
	spin_unlock(&region->stamp_lock);
}

static int shmdev_ioc_info(struct file *file, void *data)
{
	struct shmdev_file *sf = file->private_data;
	const size_t out = offsetof(struct shmdev_info, region_flags);
	struct shmdev_info *arg = data;
	struct shmdev_region *region;

	if ((arg->flags & ~SHMDEV_INFO_FLAGS_MASK) ||
	    !shmdev_all_zero((char *)arg + out, sizeof(*arg) - out))
		return -EINVAL;

	if (arg->flags & SHMDEV_INFO_BY_ID) {
		region = shmdev_region_find(NULL, arg->id);
		if (!region)
			return -ENOENT;
		shmdev_fill_info(arg, region);
		shmdev_region_put(region);
		return 0;
	}

	if (arg->id)
		return -EINVAL;
	region = shmdev_file_region(sf);
	if (!region)
		return -ENXIO;
	shmdev_fill_info(arg, region);
	if (sf->rdonly)
		arg->region_flags |= SHMDEV_REGION_RDONLY;
	return 0;
}

static int shmdev_ioc_destroy(struct file *file, void *data)
{
	struct shmdev_destroy *arg = data;
	const char *name;
	int err;

	if ((arg->flags & ~SHMDEV_DESTROY_FLAGS_MASK) || arg->__pad)
		return -EINVAL;
	err = shmdev_check_selector(arg->name, arg->id,
				    arg->flags & SHMDEV_DESTROY_BY_ID, &name);
	if (err)
		return err;
	return shmdev_region_destroy(name, arg->id);
}

static int shmdev_ioc_list(struct file *file, void *data)
{
	struct shmdev_list *arg = data;
	u32 want, count;
	u64 *ids;
	int err = 0;

	if (arg->count)
		return -EINVAL;

	/* Size the snapshot; retry if regions were created meanwhile. */
	want = min_t(u32, arg->capacity, shmdev_regions_alive());
	for (;;) {
		ids = kvmalloc_array(max(want, 1U), sizeof(*ids), GFP_KERNEL);
		if (!ids)
			return -ENOMEM;
		count = shmdev_region_list(ids, want);
		if (count <= want || want == arg->capacity)
			break;
		kvfree(ids);
		want = min(arg->capacity, count);
	}

	if (copy_to_user(u64_to_user_ptr(arg->ids_ptr), ids,
			 array_size(min(count, want), sizeof(*ids))))
		err = -EFAULT;
	kvfree(ids);
	arg->count = count;
	return err;
}

static int shmdev_ioc_notify(struct file *file, void *data)
{
	struct shmdev_region *region = shmdev_attached(file);
	struct shmdev_notify *arg = data;
	int err;

	if (arg->flags || arg->seq)
		return -EINVAL;
	if (!region)
		return -ENXIO;
	err = shmdev_check_channel(region, &arg->channel);
	if (err)
		return err;
	arg->seq = shmdev_channel_notify(region, arg->channel);
	return 0;
}

static int shmdev_ioc_wait(struct file *file, void *data)
{
	struct shmdev_region *region = shmdev_attached(file);
	struct shmdev_wait *arg = data;
	int err;

	if (arg->flags & ~SHMDEV_WAIT_FLAGS_MASK)
		return -EINVAL;
	if (!region)
		return -ENXIO;
	err = shmdev_check_channel(region, &arg->channel);
	if (err)
		return err;
	return shmdev_channel_wait(region, arg->channel, arg->seq,
				   arg->timeout_ns,
				   arg->flags & SHMDEV_WAIT_ABSTIME, &arg->seq);
}

/*
 * The attached region, for a command on the channels of @mask: ENXIO if
 * none, EINVAL for a bit past the region's channels.
 */
static struct shmdev_region *shmdev_mask_region(struct file *file, u64 mask)
{
	struct shmdev_region *region = shmdev_attached(file);

	if (!region)
		return ERR_PTR(-ENXIO);
	if (mask & ~shmdev_channel_mask(region))
		return ERR_PTR(-EINVAL);
	return region;
}

static int shmdev_ioc_ack(struct file *file, void *data)
{
	struct shmdev_ack *arg = data;
	struct shmdev_region *region;

	if (arg->pending)
		return -EINVAL;
	region = shmdev_mask_region(file, arg->channels);
	if (IS_ERR(region))
		return PTR_ERR(region);
	arg->pending = shmdev_file_ack(file->private_data, region,
				       arg->channels);
	return 0;
}

/*
 * POST and WAKE: the argument is the channel itself.  Returns the
 * attached region and the channel, checked and clamped against
 * speculation, or an ERR_PTR.
 */
static struct shmdev_region *shmdev_channel_arg(struct file *file,
						unsigned long arg, u32 *channel)
{
	struct shmdev_region *region = shmdev_attached(file);
	int err;

	if (!region)
		return ERR_PTR(-ENXIO);
	*channel = arg;
	if (*channel != arg)
		return ERR_PTR(-EINVAL);	/* past 32 bits */
	err = shmdev_check_channel(region, channel);
	return err ? ERR_PTR(err) : region;
}

/* POST: NOTIFY with the channel as the argument, and no struct. */
static int shmdev_ioc_post(struct file *file, unsigned long arg)
{
	struct shmdev_region *region;
	u32 channel;

	region = shmdev_channel_arg(file, arg, &channel);
	if (IS_ERR(region))
		return PTR_ERR(region);
	shmdev_channel_notify(region, channel);
	return 0;
}

/* WAKE: the fast path advanced the channel itself; wake, do not advance. */
static int shmdev_ioc_wake(struct file *file, unsigned long arg)
{
	struct shmdev_region *region;
	u32 channel;

	region = shmdev_channel_arg(file, arg, &channel);
	if (IS_ERR(region))
		return PTR_ERR(region);
	shmdev_channel_wake(region, channel);
	return 0;
}

/* One slot per channel of @channels, with the caller's sequences read in. */
static struct shmdev_wait_slot *shmdev_waitv_slots(u64 channels,
						   u64 seqs_ptr, u32 *n)
{
	const u64 __user *useqs = u64_to_user_ptr(seqs_ptr);
	struct shmdev_wait_slot *slots;
	u32 i = 0;

	*n = hweight64(channels);
	slots = kmalloc_array(*n, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return ERR_PTR(-ENOMEM);
	for (; channels; channels &= channels - 1, i++) {
		slots[i].channel = __ffs64(channels);
		if (get_user(slots[i].expected, useqs + slots[i].channel)) {
			kfree(slots);
			return ERR_PTR(-EFAULT);
		}
	}
	return slots;
}

static int shmdev_ioc_waitv(struct file *file, void *data)
{
	struct shmdev_waitv *arg = data;
	struct shmdev_wait_slot *slots;
	struct shmdev_region *region;
	u32 n;
	int err;

	if ((arg->flags & ~SHMDEV_WAIT_FLAGS_MASK) || arg->__pad ||
	    arg->advanced || !arg->channels)
		return -EINVAL;
	region = shmdev_mask_region(file, arg->channels);
	if (IS_ERR(region))
		return PTR_ERR(region);
	slots = shmdev_waitv_slots(arg->channels, arg->seqs_ptr, &n);
	if (IS_ERR(slots))
		return PTR_ERR(slots);
	err = shmdev_channels_wait(region, slots, n, arg->timeout_ns,
				   arg->flags & SHMDEV_WAIT_ABSTIME,
				   &arg->advanced);
	kfree(slots);
	return err;
}

static int shmdev_ioc_poll_mask(struct file *file, void *data)
{
	struct shmdev_poll_mask *arg = data;
	struct shmdev_region *region;

	if (arg->previous)
		return -EINVAL;
	region = shmdev_mask_region(file, arg->channels);
	if (IS_ERR(region))
		return PTR_ERR(region);
	arg->previous = shmdev_file_poll_mask(file->private_data, region,
					      arg->channels);
	return 0;
}

/* MAP's inputs: flags, the selector, and the arrays' shapes. */
static int shmdev_map_check(const struct shmdev_map *arg)
{
	const size_t out = offsetof(struct shmdev_map, nr_vmas);

	if ((arg->flags & ~SHMDEV_MAP_FLAGS_MASK) || arg->result_flags ||
	    !shmdev_all_zero((const char *)arg + out, sizeof(*arg) - out))
		return -EINVAL;
	if (!(arg->flags & SHMDEV_MAP_BY_ID) && arg->id)
		return -EINVAL;
	if (arg->vma_size < SHMDEV_MAP_VMA_SIZE_VER0 ||
	    arg->vma_size > SHMDEV_MAP_RECORD_MAX || arg->vma_size % 8 ||
	    arg->run_size < SHMDEV_MAP_RUN_SIZE_VER0 ||
	    arg->run_size > SHMDEV_MAP_RECORD_MAX || arg->run_size % 8)
		return -EINVAL;
	if ((arg->vma_capacity && !arg->vmas_ptr) ||
	    (arg->run_capacity && !arg->runs_ptr))
		return -EINVAL;
	return 0;
}

/*
 * The region MAP describes: the attached one, or by id one the caller is
 * attached to or may attach (read-only suffices).  Returns it with a
 * reference, or an ERR_PTR.
 */
static struct shmdev_region *shmdev_map_region(struct file *file,
					       const struct shmdev_map *arg)
{
	struct shmdev_region *attached = shmdev_attached(file);
	struct shmdev_region *region;
	int err;

	if (!(arg->flags & SHMDEV_MAP_BY_ID)) {
		if (!attached)
			return ERR_PTR(-ENXIO);
		refcount_inc(&attached->ref);
		return attached;
	}
	region = shmdev_region_find(NULL, arg->id);
	if (!region)
		return ERR_PTR(-ENOENT);
	if (region == attached)
		return region;
	err = shmdev_region_permission(region, false);
	if (err) {
		shmdev_region_put(region);
		return ERR_PTR(err);
	}
	return region;
}

static int shmdev_ioc_map(struct file *file, void *data)
{
	struct shmdev_map *arg = data;
	struct shmdev_region *region;
	int err;

	err = shmdev_map_check(arg);
	if (err)
		return err;
	region = shmdev_map_region(file, arg);
	if (IS_ERR(region))
		return PTR_ERR(region);
	err = shmdev_map_snapshot(region, arg);
	shmdev_region_put(region);
	return err;
}

/*
 * @fn: the handler of a command with an argument struct, which it sees
 *	as a kernel copy.
 * @fn_val: the handler of an _IO command, whose argument is a value.
 * @sizes: earlier published sizes of the argument, still accepted (zero:
 *	none); the handler sees zeroes past what was passed.
 * @probe: the command has side effects: check before that the result
 *	can be written back (see the top of this file).  Commands without
 *	any fail with EFAULT at the end just as well, and save the copy.
 */
struct shmdev_ioctl_desc {
	unsigned int cmd;
	int (*fn)(struct file *file, void *arg);
	int (*fn_val)(struct file *file, unsigned long arg);
	u16 sizes[2];
	bool probe;
};

static const struct shmdev_ioctl_desc shmdev_ioctls[] = {
	[_IOC_NR(SHMDEV_IOC_API)] = {
		SHMDEV_IOC_API, shmdev_ioc_api,
		.sizes = { SHMDEV_API_SIZE_VER0, SHMDEV_API_SIZE_VER1 } },
	[_IOC_NR(SHMDEV_IOC_CREATE)] = {
		SHMDEV_IOC_CREATE, shmdev_ioc_create, .probe = true },
	[_IOC_NR(SHMDEV_IOC_ATTACH)] = {
		SHMDEV_IOC_ATTACH, shmdev_ioc_attach, .probe = true },
	[_IOC_NR(SHMDEV_IOC_INFO)] = {
		SHMDEV_IOC_INFO, shmdev_ioc_info,
		.sizes = { SHMDEV_INFO_SIZE_VER0 } },
	[_IOC_NR(SHMDEV_IOC_DESTROY)] = {
		SHMDEV_IOC_DESTROY, shmdev_ioc_destroy },
	[_IOC_NR(SHMDEV_IOC_LIST)] = { SHMDEV_IOC_LIST, shmdev_ioc_list },
	[_IOC_NR(SHMDEV_IOC_NOTIFY)] = {
		SHMDEV_IOC_NOTIFY, shmdev_ioc_notify, .probe = true },
	[_IOC_NR(SHMDEV_IOC_WAIT)] = { SHMDEV_IOC_WAIT, shmdev_ioc_wait },
	[_IOC_NR(SHMDEV_IOC_ACK)] = {
		SHMDEV_IOC_ACK, shmdev_ioc_ack, .probe = true },
	[_IOC_NR(SHMDEV_IOC_MAP)] = { SHMDEV_IOC_MAP, shmdev_ioc_map },
	[_IOC_NR(SHMDEV_IOC_POST)] = {
		SHMDEV_IOC_POST, .fn_val = shmdev_ioc_post },
	[_IOC_NR(SHMDEV_IOC_WAKE)] = {
		SHMDEV_IOC_WAKE, .fn_val = shmdev_ioc_wake },
	[_IOC_NR(SHMDEV_IOC_WAITV)] = { SHMDEV_IOC_WAITV, shmdev_ioc_waitv },
	[_IOC_NR(SHMDEV_IOC_POLL_MASK)] = {
		SHMDEV_IOC_POLL_MASK, shmdev_ioc_poll_mask, .probe = true },
};

static int shmdev_ioc_api(struct file *file, void *data)
{
	struct shmdev_api *arg = data;
	size_t i;

	/* @flags is the only input, and must be zero, as must the outputs. */
	if (!shmdev_all_zero(arg, sizeof(*arg)))
		return -EINVAL;

	arg->version = SHMDEV_API_VERSION;
	for (i = 0; i < ARRAY_SIZE(shmdev_ioctls); i++)
		if (shmdev_ioctls[i].cmd)
			arg->ioctls |= BIT_ULL(i);
	arg->create_flags = SHMDEV_CREATE_FLAGS_MASK;
	arg->attach_flags = SHMDEV_ATTACH_FLAGS_MASK;
	arg->wait_flags = SHMDEV_WAIT_FLAGS_MASK;
	/* CREATE rounds sizes up to pages and then checks the limit. */
	arg->max_region_size = min_t(u64, SHMDEV_CTL_OFFSET,
				     round_down(READ_ONCE(shmdev_max_region_bytes),
						PAGE_SIZE));
	arg->max_channels = SHMDEV_MAX_CHANNELS;
	arg->page_size = PAGE_SIZE;
	arg->huge_page_size = SHMDEV_HUGE_SIZE;
	arg->ctl_offset = SHMDEV_CTL_OFFSET;
	arg->ctl_size = PAGE_SIZE;
	arg->ctl_channel_size = sizeof(struct shmdev_ctl_channel);
	return 0;
}

/*
 * Arguments up to this size are copied to the stack, larger ones (INFO)
 * to the heap, as dma-heap does: CREATE allocates and WAIT sleeps with
 * the argument copy live, so the stack copy is kept small.  The stack
 * copy is __uninitialized: kernels built to zero every stack variable
 * would otherwise clear all of it on every call, POST and WAKE included,
 * and the copy-in always writes the whole struct before anything reads it.
 */
#define SHMDEV_STACK_ARG	128

/*
 * The common case, an argument of exactly the size this module knows at
 * an 8-byte aligned address (every struct is whole 64-bit words), is read
 * and probed a word at a time in one user access window.  Two calls to
 * copy_from_user() and copy_to_user() cost more than the rest of a NOTIFY
 * or an ACK: a call, a speculation fence and a string copy each.
 */
static bool shmdev_words_ok(const void __user *uptr, size_t usize,
			    size_t ksize)
{
	return usize == ksize && ksize <= SHMDEV_STACK_ARG &&
	       IS_ALIGNED(ksize, sizeof(u64)) &&
	       IS_ALIGNED((unsigned long)uptr, sizeof(u64));
}

/* Read @len bytes in and, if @probe, write them back unchanged. */
static int shmdev_get_words(u64 *karg, u64 __user *uptr, size_t len,
			    bool probe)
{
	size_t i, n = len / sizeof(u64);

	if (!user_access_begin(uptr, len))
		return -EFAULT;
	for (i = 0; i < n; i++)
		unsafe_get_user(karg[i], &uptr[i], efault);
	for (i = 0; probe && i < n; i++)
		unsafe_put_user(karg[i], &uptr[i], efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static int shmdev_put_words(u64 __user *uptr, const u64 *karg, size_t len)
{
	size_t i, n = len / sizeof(u64);

	if (!user_write_access_begin(uptr, len))
		return -EFAULT;
	for (i = 0; i < n; i++)
		unsafe_put_user(karg[i], &uptr[i], efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/* Copy the argument in and, for a command with side effects, probe it. */
static int shmdev_ioctl_in(const struct shmdev_ioctl_desc *ioc,
			   unsigned int cmd, void *karg, size_t ksize,
			   void __user *uptr, bool words)
{
	/* What the caller passed, up to our struct: it gets no more back. */
	size_t usize = min_t(size_t, _IOC_SIZE(cmd), ksize);
	bool probe = ioc->probe && (_IOC_DIR(cmd) & _IOC_READ);
	int ret;

	if (words)
		return shmdev_get_words(karg, uptr, ksize, probe);

	/* Zero-fills past a first version's struct; E2BIG past ours. */
	ret = copy_struct_from_user(karg, ksize, uptr, _IOC_SIZE(cmd));
	if (ret)
		return ret;
	/*
	 * Probe the write-back with the caller's own bytes.  Only another
	 * thread unmapping or write-protecting the argument while the call
	 * runs can still make the final copy fail after the command took
	 * effect.
	 */
	if (probe && copy_to_user(uptr, karg, usize))
		return -EFAULT;
	return 0;
}

/* Copy the argument in, run the handler, copy the result out. */
static int shmdev_ioctl_call(struct file *file,
			     const struct shmdev_ioctl_desc *ioc,
			     unsigned int cmd, void *karg, size_t ksize,
			     void __user *uptr)
{
	size_t usize = min_t(size_t, _IOC_SIZE(cmd), ksize);
	bool words = shmdev_words_ok(uptr, _IOC_SIZE(cmd), ksize);
	int ret;

	ret = shmdev_ioctl_in(ioc, cmd, karg, ksize, uptr, words);
	if (ret)
		return ret;

	ret = ioc->fn(file, karg);

	/* WAIT and WAITV report with ETIMEDOUT too. */
	if ((ret != 0 && ret != -ETIMEDOUT) || !(_IOC_DIR(cmd) & _IOC_READ))
		return ret;
	if (words) {
		if (shmdev_put_words(uptr, karg, ksize))
			return -EFAULT;
	} else if (copy_to_user(uptr, karg, usize)) {
		return -EFAULT;
	}
	return ret;
}

/*
 * A command with an argument struct.  Its own function, so that POST and
 * WAKE, the hottest commands, carry neither its frame nor its stack
 * canary.
 */
static noinline_for_stack long
shmdev_ioctl_struct(struct file *file, const struct shmdev_ioctl_desc *ioc,
		    unsigned int cmd, void __user *uptr)
{
	u8 stack_karg[SHMDEV_STACK_ARG] __aligned(8) __uninitialized;
	size_t ksize = _IOC_SIZE(ioc->cmd);
	void *karg = stack_karg;
	int ret;

	if (ksize > sizeof(stack_karg)) {
		karg = kmalloc(ksize, GFP_KERNEL);
		if (!karg)
			return -ENOMEM;
	}
	ret = shmdev_ioctl_call(file, ioc, cmd, karg, ksize, uptr);
	if (karg != stack_karg)
		kfree(karg);
	return ret;
}

static bool shmdev_old_size(const struct shmdev_ioctl_desc *ioc, size_t size)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ioc->sizes); i++)
		if (ioc->sizes[i] && size == ioc->sizes[i])
			return true;
	return false;
}

/**
 * shmdev_ioctl() - dispatch an ioctl on /dev/shmdev
 * @file: the file.
 * @cmd: the command; its size field may exceed this module's struct (a
 *	newer uapi), and fall short of it only by being the size an earlier
 *	version published.
 * @uarg: user pointer to the argument.
 *
 * Return: the handler's result, -ENOTTY for a command this module does not
 * know, -E2BIG for non-zero bytes past the struct it knows, -EFAULT,
 * -ENOMEM.
 */
long shmdev_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	const struct shmdev_ioctl_desc *ioc;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != SHMDEV_IOC_MAGIC || nr >= ARRAY_SIZE(shmdev_ioctls))
		return -ENOTTY;
	ioc = &shmdev_ioctls[array_index_nospec(nr, ARRAY_SIZE(shmdev_ioctls))];
	if (ioc->fn_val)
		return cmd == ioc->cmd ? ioc->fn_val(file, uarg) : -ENOTTY;
	if (!ioc->fn || _IOC_DIR(cmd) != _IOC_DIR(ioc->cmd) ||
	    (_IOC_SIZE(cmd) < _IOC_SIZE(ioc->cmd) &&
	     !shmdev_old_size(ioc, _IOC_SIZE(cmd))))
		return -ENOTTY;
	return shmdev_ioctl_struct(file, ioc, cmd, (void __user *)uarg);
}
