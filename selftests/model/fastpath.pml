/*
 * fastpath.pml - a Promela model of shmdev's control-page protocol
 * (docs/fastpath.md; DOC: control page in uapi/linux/shmdev.h).
 *
 * One channel.  Two notifiers advance it NOTIFIES times in all, each
 * time choosing the userspace fast notify (shmdev_ctl_notify(): atomic
 * add, read waiters, SHMDEV_IOC_WAKE only if non-zero) or the kernel's
 * NOTIFY/POST.  WAITERS consumers wait for every advance with the fast
 * wait (shmdev_ctl_wait(): try-wait, then SHMDEV_IOC_WAIT), and POLLERS
 * epoll consumers wait in epoll_wait() and ACK.  Nothing times out, so a
 * lost wake-up leaves a consumer asleep for ever while the notifiers have
 * finished: spin reports it as an invalid end state, and the assertions
 * at the ends say what each consumer must have seen.
 *
 * Memory: every statement is atomic and the interleaving is sequentially
 * consistent, which is what the full barriers in the code buy (each one
 * is named beside its step).  The reordering a missing barrier allows -
 * a load performed before an earlier store is visible (the store-load
 * reordering even x86 does) - is modelled by the BUG_* variants, which
 * move the load above the store.  scripts/model-check.sh checks that the
 * model passes and that every variant FAILS, so that the model cannot
 * become vacuous unnoticed.
 *
 *   BUG_WAIT_NO_MB    kernel WAIT re-reads seq before its waiters++ is
 *                     visible (no smp_mb, or the re-check moved before
 *                     the increment)
 *   BUG_NOTIFY_NO_MB  fast notify reads waiters before its add is
 *                     visible (a relaxed or release add)
 *   BUG_NO_RECHECK    kernel WAIT sleeps on its first look at seq,
 *                     without the re-read after queueing
 *   BUG_ARM_FIRST     kernel WAIT queues itself before it sets its task
 *                     state, so a wake in between is lost while it has
 *                     taken the task off the queue and the count
 *   BUG_POLL_LOOK_FIRST  poll reads seq before it links the file and
 *                     counts it in waiters
 *   BUG_MASK_LOOK_FIRST  (with POLL_MASK_LATE) POLL_MASK reads seq before
 *                     its store of the new mask is visible
 *
 * POLL_MASK_LATE: the epoll consumer's file starts with the channel
 * deselected (its first poll links it and counts nothing) and selects it
 * with SHMDEV_IOC_POLL_MASK while the notifiers run.
 *
 * The model abstracts: 64-bit sequences (bounded here: they never wrap
 * in practice), timeouts and signals (each only ends a wait early),
 * several channels and WAITV (one channel; WAITV is WAIT per selected
 * channel on one queue), and epoll's own locking (its ready list is one
 * flag, set by the callback and taken by epoll_wait(), as ep->lock
 * makes it).
 */

#ifndef NOTIFIES
#define NOTIFIES 3
#endif
#ifndef WAITERS
#define WAITERS 2
#endif
#ifndef POLLERS
#define POLLERS 1
#endif

#define RUNNING		0
#define SLEEPING	1

/* The control page's two words for the channel. */
byte seq;
byte waiters;

/* The channel's wait queue: who is on it, and each task's state. */
bool queued[WAITERS];
bit state[WAITERS];

/* The region's poll queue holds the file's link once it was polled. */
bool linked;
/* The file selects the channel (its POLL_MASK). */
#ifdef POLL_MASK_LATE
bool selected = false;
#else
bool selected = true;
#endif
/* The file's own poll queue holds epoll's entry (poll_wait()). */
bool ep_queued;
/* epoll's ready list: the file is on it. */
bool ep_ready;

/* Notifies claimed by the notifiers, so that they do NOTIFIES in all. */
byte claimed;

/*
 * wake_up_interruptible_all(&ch->wq): under the queue's lock, every
 * queued task becomes RUNNING (try_to_wake_up), and shmdev_slot_wake()
 * takes it off the queue and off waiters, as futex_wake() dequeues.  A
 * task that is not yet queued is not woken: it must see the new seq
 * when it re-reads.
 */
inline wake_channel()
{
	d_step {
		k = 0;
		do
		:: k < WAITERS ->
			if
			:: queued[k] ->
				state[k] = RUNNING;
				queued[k] = false;
				waiters--
			:: else -> skip
			fi;
			k++
		:: else -> break
		od
	}
}

/*
 * wake_up_interruptible_poll(&region->poll_wq): the file's link forwards
 * to the file's queue if the file selects the channel, and there
 * ep_poll_callback() puts the file on the ready list (and wakes
 * epoll_wait(), which the ep_ready guard models).
 */
inline wake_poll()
{
	atomic {
		if
		:: linked && selected && ep_queued -> ep_ready = true
		:: else -> skip
		fi
	}
}

/*
 * SHMDEV_IOC_WAKE, and NOTIFY's wake when waiters was non-zero:
 * shmdev_channel_wake() issues smp_mb() and then takes each queue's lock
 * only if waitqueue_active() sees the queue non-empty.  The look and the
 * wake are separate steps.  A sleeper queues before its full barrier and
 * its read of seq, and the file is linked before poll reads seq, so a
 * queue seen empty here belongs to a task or poll that will see the seq.
 */
inline wake_all()
{
	d_step {
		busy = false;
		k = 0;
		do
		:: k < WAITERS -> busy = busy || queued[k]; k++
		:: else -> break
		od
	};
	if
	:: busy -> wake_channel()
	:: else -> skip
	fi;
	if
	:: linked -> wake_poll()
	:: else -> skip
	fi
}

proctype notifier()
{
	byte w, k;
	bool busy;

	do
	:: atomic { claimed < NOTIFIES -> claimed++ };
		if
		:: /* fast notify: shmdev_ctl_notify() */
#ifdef BUG_NOTIFY_NO_MB
			w = waiters;	/* the load passed the add */
			seq++;
#else
			seq++;		/* __atomic_add_fetch SEQ_CST: full barrier */
			w = waiters;
#endif
			if
			:: w != 0 -> wake_all()	/* ioctl(SHMDEV_IOC_WAKE) */
			:: else -> skip		/* no system call */
			fi
		:: /* kernel NOTIFY or POST */
			seq++;		/* atomic64_inc_return: fully ordered */
			w = waiters;
			if
			:: w != 0 -> wake_all()
			:: else -> skip		/* no lock taken */
			fi
		fi
	:: else -> break
	od
}

/*
 * SHMDEV_IOC_WAIT(expected), as the kernel runs it for task @me
 * (shmdev_channels_wait()); returns the sequence it saw in @s.  Each
 * round sets the task state, then arms: queues and counts the task again
 * if a wake took it off (under the queue's lock), then smp_mb(), then
 * re-reads seq.
 */
inline kernel_wait(me, expected, s)
{
	s = seq;
	if
	:: s != expected -> skip	/* advanced already: no registration */
	:: else ->
		do
		:: skip;
#ifndef BUG_ARM_FIRST
			state[me] = SLEEPING;	/* set_current_state() */
#endif
#ifdef BUG_WAIT_NO_MB
			s = seq;		/* the re-read passed the count */
#endif
			atomic {		/* shmdev_slots_queue(true) */
				if
				:: !queued[me] ->
					queued[me] = true;
					waiters++
				:: else -> skip
				fi
			};
#ifdef BUG_ARM_FIRST
			state[me] = SLEEPING;	/* a wake before this is lost */
#endif
#ifndef BUG_WAIT_NO_MB
#ifndef BUG_NO_RECHECK
			s = seq;		/* after smp_mb() */
#endif
#endif
			if
			:: s != expected -> break
			:: else ->
				/* schedule(): sleeps until state is RUNNING */
				state[me] == RUNNING;
#if defined(BUG_WAIT_NO_MB) || defined(BUG_NO_RECHECK)
				s = seq		/* woken: look again */
#endif
			fi
		od;
		atomic {		/* shmdev_slots_queue(false) */
			state[me] = RUNNING;
			if
			:: queued[me] ->
				queued[me] = false;
				waiters--
			:: else -> skip
			fi
		}
	fi
}

/* A consumer: shmdev_ctl_wait() until it has seen every notify. */
proctype waiter(byte me)
{
	byte seen = 0, s;

	do
	:: seen == NOTIFIES -> break
	:: else ->
		s = seq;		/* try-wait: an acquire load */
		if
		:: s != seen -> seen = s	/* no system call */
		:: else ->
			kernel_wait(me, seen, s);
			assert(s != seen);
			seen = s
		fi
	od;
	assert(seq == NOTIFIES)
}

/*
 * A consumer on epoll, level-triggered, which ACKs what it saw.
 * EPOLL_CTL_ADD calls poll_wait() (epoll's entry goes on the file's
 * queue) and then the first ->poll, which links the file to the region's
 * poll queue and adds 1 to waiters for good.
 */
proctype poller()
{
	byte acked = 0, s;

	ep_queued = true;		/* poll_wait(): queue first */
#ifdef POLL_MASK_LATE
	linked = true;			/* first poll: nothing selected, nothing counted */
	/* SHMDEV_IOC_POLL_MASK selects the channel, under the file's lock */
#ifdef BUG_MASK_LOOK_FIRST
	waiters++;
	s = seq;			/* the read passed the mask's store */
	selected = true;
#else
	waiters++;			/* the count, */
	selected = true;		/* the mask, then smp_mb() */
	s = seq;
#endif
#elif defined(BUG_POLL_LOOK_FIRST)
	s = seq;			/* looked before being counted */
	linked = true;
	waiters++;
#else
	linked = true;			/* add_wait_queue(), under its lock */
	waiters++;			/* then smp_mb() before the reads */
	s = seq;
#endif
	if
	:: s != acked -> ep_ready = true	/* readable: on the ready list */
	:: else -> skip
	fi;
	do
	:: acked == NOTIFIES -> break
	:: else ->
		atomic { ep_ready -> ep_ready = false };	/* epoll_wait() */
		s = seq;			/* ep_send_events(): ->poll again */
		if
		:: s != acked ->		/* EPOLLIN reported */
			acked = seq;		/* SHMDEV_IOC_ACK */
			ep_ready = true		/* level-triggered: back on the list */
		:: else -> skip
		fi
	od;
	assert(seq == NOTIFIES)
}

init
{
	byte i;

	atomic {
		i = 0;
		do
		:: i < WAITERS -> run waiter(i); i++
		:: else -> break
		od;
		i = 0;
		do
		:: i < POLLERS -> run poller(); i++
		:: else -> break
		od;
		run notifier();
		run notifier()
	}
}
