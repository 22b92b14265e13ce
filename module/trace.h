/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of shmdev (events/shmdev/ in tracefs), for watching regions
 * being made, mapped, faulted in and notified: trace-cmd record -e shmdev,
 * perf record -e 'shmdev:*', bpftrace -e 'tracepoint:shmdev:* { ... }'.
 * Addresses are user virtual addresses of the current process; no
 * physical address or kernel pointer is recorded.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM shmdev

#if !defined(_SHMDEV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SHMDEV_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>

TRACE_EVENT(shmdev_create,
	    TP_PROTO(u64 id, u64 size, unsigned int order, u32 nr_channels),
	    TP_ARGS(id, size, order, nr_channels),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, size)
			     __field(unsigned int, order)
			     __field(u32, nr_channels)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = id;
			   __entry->size = size;
			   __entry->order = order;
			   __entry->nr_channels = nr_channels;
			   __entry->pid = current->tgid;),
	    TP_printk("id=%llu size=%llu order=%u channels=%u pid=%d",
		      __entry->id, __entry->size, __entry->order,
		      __entry->nr_channels, __entry->pid)
);

TRACE_EVENT(shmdev_attach,
	    TP_PROTO(u64 id, bool rdonly),
	    TP_ARGS(id, rdonly),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(bool, rdonly)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = id;
			   __entry->rdonly = rdonly;
			   __entry->pid = current->tgid;),
	    TP_printk("id=%llu rdonly=%d pid=%d",
		      __entry->id, __entry->rdonly, __entry->pid)
);

TRACE_EVENT(shmdev_mmap,
	    TP_PROTO(u64 id, unsigned long start, unsigned long end,
		     unsigned long pgoff, bool shared, bool write),
	    TP_ARGS(id, start, end, pgoff, shared, write),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned long, pgoff)
			     __field(bool, shared)
			     __field(bool, write)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = id;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->pgoff = pgoff;
			   __entry->shared = shared;
			   __entry->write = write;
			   __entry->pid = current->tgid;),
	    TP_printk("id=%llu pid=%d va=0x%lx-0x%lx pgoff=%lu shared=%d write=%d",
		      __entry->id, __entry->pid, __entry->start, __entry->end,
		      __entry->pgoff, __entry->shared, __entry->write)
);

/*
 * A fault of one page, after filemap_fault() found it: the core installs
 * the entry (a PTE, or a PMD for a whole huge folio) only after this
 * returns, so the event records the request and filemap's answer.
 */
TRACE_EVENT(shmdev_fault,
	    TP_PROTO(u64 id, unsigned long address, unsigned long pgoff,
		     bool write, unsigned int ret),
	    TP_ARGS(id, address, pgoff, write, ret),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(unsigned long, address)
			     __field(unsigned long, pgoff)
			     __field(bool, write)
			     __field(unsigned int, ret)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = id;
			   __entry->address = address;
			   __entry->pgoff = pgoff;
			   __entry->write = write;
			   __entry->ret = ret;
			   __entry->pid = current->tgid;),
	    TP_printk("id=%llu pid=%d va=0x%lx pgoff=%lu write=%d ret=0x%x",
		      __entry->id, __entry->pid, __entry->address, __entry->pgoff,
		      __entry->write, __entry->ret)
);

/*
 * Fault-around (the kernel's, on a read fault; the module's write-around,
 * on a shared write fault): filemap_map_pages() has mapped what it could
 * of [start_pgoff, end_pgoff] around address; level is what the PMD holds
 * afterwards (1: a PTE table, 2: a PMD leaf, 0: nothing).
 */
TRACE_EVENT(shmdev_map_pages,
	    TP_PROTO(u64 id, unsigned long address, unsigned long start_pgoff,
		     unsigned long end_pgoff, unsigned int level, unsigned int ret),
	    TP_ARGS(id, address, start_pgoff, end_pgoff, level, ret),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(unsigned long, address)
			     __field(unsigned long, start_pgoff)
			     __field(unsigned long, end_pgoff)
			     __field(unsigned int, level)
			     __field(unsigned int, ret)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = id;
			   __entry->address = address;
			   __entry->start_pgoff = start_pgoff;
			   __entry->end_pgoff = end_pgoff;
			   __entry->level = level;
			   __entry->ret = ret;
			   __entry->pid = current->tgid;),
	    TP_printk("id=%llu pid=%d va=0x%lx pgoff=%lu-%lu level=%s ret=0x%x",
		      __entry->id, __entry->pid, __entry->address,
		      __entry->start_pgoff, __entry->end_pgoff,
		      __print_symbolic(__entry->level, { 0, "none" },
				       { 1, "pte" }, { 2, "pmd" }),
		      __entry->ret)
);

TRACE_EVENT(shmdev_notify,
	    TP_PROTO(u64 id, u32 channel, u64 seq),
	    TP_ARGS(id, channel, seq),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, seq)
			     __field(u32, channel)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = id;
			   __entry->seq = seq;
			   __entry->channel = channel;
			   __entry->pid = current->tgid;),
	    TP_printk("id=%llu pid=%d channel=%u seq=%llu",
		      __entry->id, __entry->pid, __entry->channel, __entry->seq)
);

/* The end of a WAIT: the sequence seen then, and the result. */
TRACE_EVENT(shmdev_wait,
	    TP_PROTO(u64 id, u32 channel, u64 expected, u64 seq, int ret),
	    TP_ARGS(id, channel, expected, seq, ret),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, expected)
			     __field(u64, seq)
			     __field(u32, channel)
			     __field(int, ret)
			     __field(pid_t, pid)),
	    TP_fast_assign(__entry->id = id;
			   __entry->expected = expected;
			   __entry->seq = seq;
			   __entry->channel = channel;
			   __entry->ret = ret;
			   __entry->pid = current->tgid;),
	    TP_printk("id=%llu pid=%d channel=%u expected=%llu seq=%llu ret=%d",
		      __entry->id, __entry->pid, __entry->channel,
		      __entry->expected, __entry->seq, __entry->ret)
);

DECLARE_EVENT_CLASS(shmdev_region_event,
		    TP_PROTO(u64 id, u64 size),
		    TP_ARGS(id, size),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u64, size)
				     __field(pid_t, pid)),
		    TP_fast_assign(__entry->id = id;
				   __entry->size = size;
				   __entry->pid = current->tgid;),
		    TP_printk("id=%llu size=%llu pid=%d",
			      __entry->id, __entry->size, __entry->pid)
);

/* DESTROY: the name goes. */
DEFINE_EVENT(shmdev_region_event, shmdev_destroy,
	     TP_PROTO(u64 id, u64 size),
	     TP_ARGS(id, size)
);

/* The last reference went: the memory is freed now. */
DEFINE_EVENT(shmdev_region_event, shmdev_free,
	     TP_PROTO(u64 id, u64 size),
	     TP_ARGS(id, size)
);

#endif /* _SHMDEV_TRACE_H */

/* An out-of-tree module: define_trace.h finds this file through -I. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
