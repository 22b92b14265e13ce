// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev torture: the control page's protocol (docs/fastpath.md) under
 * load, for SHMDEV_TORTURE_SECONDS (default 120; the guest passes it on
 * from the host's environment).
 *
 * TORTURE_PRODUCERS forked producers each publish a message on a random
 * channel (a counter in the region, bumped before the notify) and advance
 * the channel by a random method: the fast notify (add in the control
 * page, WAKE only when the page counts waiters), NOTIFY or POST, pausing
 * now and then so that consumers get to sleep.  Six forked consumers,
 * each on its own attached file, follow channels: two with the fast wait
 * (try-wait in the page, else WAIT), two with WAIT alone, one with WAITV
 * on two channels, one with level-triggered epoll on the channels its
 * POLL_MASK selects, ACKing what it saw (and now and then deselecting and
 * selecting a channel again).  Each checks every sequence it
 * is shown: it moved forward, and the message counter already covers it.
 * Consumers pause now and then too, so that a channel's waiter count
 * keeps going from 0 to 1 and back (channel 2 has one consumer only):
 * the race the protocol must win is a notify that reads 0 while a waiter
 * is on its way to sleep.
 *
 * A lost wake-up is one a notify owed a consumer: the notify began after
 * the consumer settled on the sequence it waits to see move, and
 * returned (WAKE included), yet the consumer slept on.  In a storm the
 * next notify would hide it, so the producers stop for QUIET_MS after
 * every BURST_MS, and each producer records when each notify returned:
 * a wait that ends LATE_NS after the first such notify returned (woken by
 * a later one, or at a gap's end) counts as late, and one that times out
 * (TORTURE_WAIT_NS, long but finite) with its channel moved counts as
 * lost.  There must be none of either.  A late wake-up while the whole
 * guest stood still (the host did not run it: the parent's heartbeat,
 * every millisecond, shows a STALL_NS gap) is reported, not counted.  At the end the parent makes one
 * last notify per channel; every consumer must reach exactly that
 * sequence, every channel's sequence must equal its message count, and
 * with every consumer gone the page must count no waiters.
 *
 * The planted_bug variant proves that the test can see lost wake-ups:
 * for PLANTED_SECONDS, in shorter bursts (more gaps), its producers use
 * the fast notify only and leave out half the WAKEs it should make, and
 * the consumers must report some.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/prctl.h>

#include "shmdev_common.h"

#define NCH			4
#define TORTURE_PRODUCERS	3
#define SEC			1000000000ULL
#define TORTURE_WAIT_NS		(10 * SEC)
#define SLEPT_NS		200000ULL	/* a kernel wait this long slept */
#define BURST_MS		1000		/* the producers' storm, then */
#define QUIET_MS		1000		/* no notify: nothing heals a lost wake-up */
#define LATE_NS			(500 * 1000000ULL)
#define RING			16384		/* completion times kept per channel */
#define HB_RING			32768		/* heartbeats kept (1 ms apart) */
#define STALL_NS		(200 * 1000000ULL)
#define PLANTED_SECONDS		10
#define PLANTED_BURST_MS	200		/* more gaps, more chances to see it */
#define PLANTED_QUIET_MS	800
#define LOG_MAX			16

enum { BY_FAST, BY_NOTIFY, BY_POST, NR_BY };
enum { C_CTL, C_WAIT, C_WAITV, C_EPOLL };

static const struct consumer_spec {
	int kind;
	__u64 channels;
	const char *what;
} specs[] = {
	{ C_CTL, 1 << 0, "fast wait, channel 0" },
	{ C_CTL, 1 << 2, "fast wait, channel 2" },
	{ C_WAIT, 1 << 1, "WAIT, channel 1" },
	{ C_WAIT, 1 << 3, "WAIT, channel 3" },
	{ C_WAITV, 0x3, "WAITV, channels 0-1" },
	{ C_EPOLL, 0xa, "epoll, POLL_MASK channels 1,3" },
};

#define NCONS	ARRAY_SIZE(specs)

/* In the region itself: messages published, each before its notify. */
struct torture_data {
	__u64 posted[NCH];
};

struct consumer_stats {
	__u64 events;		/* sequences observed */
	__u64 fast;		/* waits answered in the page: no system call */
	__u64 kernel;		/* waits that entered the kernel */
	__u64 slept;		/* of those, how many took > SLEPT_NS */
	__u64 idle;		/* timeouts with the channel unmoved */
	__u64 lost;		/* timeouts with the channel moved: lost wake-ups */
	__u64 late;		/* woken LATE_NS after a notify returned: lost too */
	__u64 stalled;		/* as late, but the whole guest stood still */
	__u64 bad;		/* wrong results */
};

/* When notify number @ticket (plus 1; 0: being written) returned. */
struct done_rec {
	__u64 ticket;
	__u64 ns;
};

/* Bookkeeping every process shares (anonymous shared memory). */
struct torture_shared {
	__u64 started[NCH];	/* notifies begun (before the add) */
	__u64 completed[NCH];	/* notifies whose calls have returned */
	__u64 by[NR_BY];	/* notifies per method */
	__u64 wakes;		/* WAKE calls the fast notifies made */
	__u64 skipped;		/* WAKEs a planted bug left out */
	__u64 gaps;		/* quiet gaps */
	__u64 final[NCH];	/* the sequence every consumer must reach */
	int plant;		/* fast notifies skip half their WAKEs */
	int ready;		/* consumers set up */
	int quiet;		/* producers: pause */
	int stop;		/* producers: stop now */
	int finished;		/* final[] is set */
	struct done_rec done[NCH][RING];
	__u64 hb_n;		/* heartbeats so far */
	__u64 hb_max;		/* the longest time between two */
	__u64 hb[HB_RING];	/* when each was */
	__u32 nlog;
	struct consumer_stats cons[NCONS];
	char log[LOG_MAX][128];
};

FIXTURE(torture) {
	int fd;
	__u64 id;
	char name[SHMDEV_NAME_MAX];
	struct torture_shared *sh;
};

/* The storm, or a short one with a planted bug that must be caught. */
FIXTURE_VARIANT(torture) {
	bool plant;
};

FIXTURE_VARIANT_ADD(torture, storm) {
	.plant = false,
};

FIXTURE_VARIANT_ADD(torture, planted_bug) {
	.plant = true,
};

FIXTURE_SETUP(torture)
{
	shmdev_name(self->name, "tor");
	self->fd = sd_new_region(self->name, page_size(), NCH, 0600, &self->id);
	ASSERT_GE(self->fd, 0);
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	self->sh->plant = variant->plant;
}

FIXTURE_TEARDOWN_PARENT(torture)
{
	sd_cleanup_name(self->name);
}

/* What one process works with: its own attached file and mappings. */
struct actor {
	struct torture_shared *sh;
	int fd;
	struct shmdev_ctl_page *ctl;
	struct torture_data *data;
	struct consumer_stats *st;
	uint64_t rng;
	__u64 seen[NCH];
};

static uint64_t rnd(struct actor *a)
{
	/* xorshift64* */
	a->rng ^= a->rng >> 12;
	a->rng ^= a->rng << 25;
	a->rng ^= a->rng >> 27;
	return a->rng * 0x2545F4914F6CDD1DULL;
}

static __u64 ld(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void inc(__u64 *p)
{
	__atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}

static void logf_bad(struct actor *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct actor *a, const char *fmt, va_list ap)
{
	__u32 i = __atomic_fetch_add(&a->sh->nlog, 1, __ATOMIC_RELAXED);

	if (i < LOG_MAX)
		vsnprintf(a->sh->log[i], sizeof(a->sh->log[i]), fmt, ap);
}

/* Count in *@count and keep the first LOG_MAX descriptions. */
static void logf_count(struct actor *a, __u64 *count, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void logf_count(struct actor *a, __u64 *count, const char *fmt, ...)
{
	va_list ap;

	inc(count);
	va_start(ap, fmt);
	note(a, fmt, ap);
	va_end(ap);
}

/* A wrong result. */
static void logf_bad(struct actor *a, const char *fmt, ...)
{
	va_list ap;

	if (a->st)
		inc(&a->st->bad);
	va_start(ap, fmt);
	note(a, fmt, ap);
	va_end(ap);
}

/* Attach a new file to the region and map its data and control page. */
static int actor_open(struct actor *a, const char *name,
		      struct torture_shared *sh)
{
	memset(a, 0, sizeof(*a));
	a->sh = sh;
	a->rng = now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
	/* A test killed by the harness must not leave its children running. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	a->fd = shmdev_open(O_RDWR);
	if (a->fd < 0 || sd_attach_name(a->fd, name, 0, NULL))
		return -1;
	a->ctl = sd_ctl_map(a->fd);
	a->data = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
		       a->fd, 0);
	if (a->ctl == MAP_FAILED || a->data == MAP_FAILED)
		return -1;
	return 0;
}

/* ---------------------------------------------------------- producers */

/*
 * sd_fast_notify(), counting the WAKEs it makes; with the planted bug it
 * leaves out half of them, which the consumers must notice.
 */
static int fast_notify(struct actor *a, __u32 ch)
{
	__atomic_add_fetch(&a->ctl->channel[ch].seq, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&a->ctl->channel[ch].waiters, __ATOMIC_SEQ_CST))
		return 0;
	if (a->sh->plant && rnd(a) % 2) {
		inc(&a->sh->skipped);
		return 0;
	}
	inc(&a->sh->wakes);
	return sd_wake(a->fd, ch);
}

static int notify_by(struct actor *a, __u32 ch, int by)
{
	switch (by) {
	case BY_FAST:
		return fast_notify(a, ch);
	case BY_NOTIFY:
		return sd_notify(a->fd, ch, NULL);
	default:
		return sd_post(a->fd, ch);
	}
}

/* Mostly back to back, sometimes a breath, now and then a real pause. */
static void producer_pause(struct actor *a)
{
	unsigned int r = rnd(a) % 100;

	if (r < 70)
		return;
	usleep(r < 95 ? rnd(a) % 200 : 1000 + rnd(a) % 4000);
}

/* Notify @ticket of @ch has returned: when (for the late check). */
static void record_done(struct torture_shared *sh, __u32 ch, __u64 ticket)
{
	struct done_rec *r = &sh->done[ch][ticket % RING];

	__atomic_store_n(&r->ticket, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&r->ns, now_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&r->ticket, ticket + 1, __ATOMIC_RELEASE);
	inc(&sh->completed[ch]);
}

/* When notify @ticket of @ch returned; 0 if it has not (or is overwritten). */
static __u64 done_ns(struct torture_shared *sh, __u32 ch, __u64 ticket)
{
	struct done_rec *r = &sh->done[ch][ticket % RING];
	__u64 t1 = __atomic_load_n(&r->ticket, __ATOMIC_ACQUIRE);
	__u64 ns = __atomic_load_n(&r->ns, __ATOMIC_RELAXED);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (t1 != ticket + 1 || __atomic_load_n(&r->ticket, __ATOMIC_RELAXED) != t1)
		return 0;
	return ns;
}

/* Pause while the parent keeps a quiet gap; false once told to stop. */
static bool producer_go(struct torture_shared *sh)
{
	while (__atomic_load_n(&sh->quiet, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
		usleep(1000);
	return !__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE);
}

static int producer(const char *name, struct torture_shared *sh)
{
	struct actor a;
	__u64 ticket;
	__u32 ch;
	int by, ret;

	if (actor_open(&a, name, sh))
		return 2;
	while (producer_go(sh)) {
		ch = rnd(&a) % NCH;
		by = sh->plant ? BY_FAST : (int)(rnd(&a) % NR_BY);
		inc(&a.data->posted[ch]);	/* the message, before its notify */
		ticket = __atomic_fetch_add(&sh->started[ch], 1, __ATOMIC_SEQ_CST);
		ret = notify_by(&a, ch, by);
		if (ret) {
			logf_bad(&a, "producer %d: method %d, channel %u: %s", getpid(),
				 by, ch, strerror(-ret));
			return 3;
		}
		record_done(sh, ch, ticket);
		inc(&sh->by[by]);
		producer_pause(&a);
	}
	return 0;
}

/* ---------------------------------------------------------- consumers */

/* A sequence the consumer was shown on @ch: forward, and its message there. */
static void observe(struct actor *a, __u32 ch, __u64 s)
{
	__u64 posted = ld(&a->data->posted[ch]);

	if (s <= a->seen[ch])
		logf_bad(a, "channel %u: shown %llu after %llu", ch,
			 (unsigned long long)s, (unsigned long long)a->seen[ch]);
	if (posted < s)
		logf_bad(a, "channel %u: sequence %llu but only %llu messages",
			 ch, (unsigned long long)s, (unsigned long long)posted);
	a->seen[ch] = s;
	inc(&a->st->events);
}

static void snap_started(struct actor *a, __u64 snap[NCH])
{
	__u32 ch;

	for (ch = 0; ch < NCH; ch++)
		snap[ch] = ld(&a->sh->started[ch]);
}

/*
 * A wait on @channels timed out.  If one of them moved and a notify of it
 * that began after @snap (taken once the seen sequences were settled) has
 * returned, that notify's wake-up was lost: more notifies completed than
 * had begun before the snapshot.
 */
static void timed_out(struct actor *a, __u64 channels, const __u64 snap[NCH])
{
	__u64 s;
	__u32 ch;

	for (ch = 0; ch < NCH; ch++) {
		if (!(channels & (1ULL << ch)))
			continue;
		s = ld(&a->ctl->channel[ch].seq);
		if (s != a->seen[ch] && ld(&a->sh->completed[ch]) > snap[ch]) {
			logf_count(a, &a->st->lost,
				   "LOST WAKE-UP: channel %u at %llu, waited for %llu to move",
				   ch, (unsigned long long)s,
				   (unsigned long long)a->seen[ch]);
			return;
		}
	}
	inc(&a->st->idle);
}

/*
 * Did the guest stand still between @from and @to?  The parent beats
 * every millisecond during the storm; a gap of STALL_NS between beats
 * (the host did not run the guest, or nobody got a CPU) explains a late
 * wake-up without a lost one.  No beats at all there counts as a stall.
 */
static bool stalled(struct torture_shared *sh, __u64 from, __u64 to)
{
	__u64 n = __atomic_load_n(&sh->hb_n, __ATOMIC_ACQUIRE), i, t;
	__u64 later = to;

	for (i = n; i > 0 && n - i < HB_RING; i--) {
		t = __atomic_load_n(&sh->hb[(i - 1) % HB_RING], __ATOMIC_RELAXED);
		if (t > to)
			continue;
		if (later - t > STALL_NS)
			return true;
		if (t < from)
			return false;
		later = t;
	}
	return true;
}

/*
 * A wait on @channels ended at @t1.  The first notify of each that began
 * after @snap must have woken it (or kept it from sleeping) as it
 * returned: if it returned LATE_NS before, its wake-up was lost and a
 * later notify, or a quiet gap's end, woke the consumer instead.
 */
static void check_late(struct actor *a, __u64 channels, const __u64 snap[NCH],
		       __u64 t0, __u64 t1)
{
	__u64 d;
	__u32 ch;

	for (ch = 0; ch < NCH; ch++) {
		if (!(channels & (1ULL << ch)))
			continue;
		d = done_ns(a->sh, ch, snap[ch]);
		/* Returned before the wait began: the wait had to return at once. */
		if (d && d < t0)
			d = t0;
		if (d && t1 > d + LATE_NS) {
			bool still = stalled(a->sh, d, t1);

			logf_count(a, still ? &a->st->stalled : &a->st->late,
				   "%s: channel %u: notify %llu had returned %llu ms before",
				   still ? "late in a guest stall" : "LATE WAKE-UP",
				   ch, (unsigned long long)snap[ch],
				   (unsigned long long)((t1 - d) / 1000000));
			return;
		}
	}
}

/* The end of a kernel wait at @t1, begun at @t0. */
static void wait_ended(struct actor *a, __u64 t0, __u64 t1)
{
	inc(&a->st->kernel);
	if (t1 - t0 > SLEPT_NS)
		inc(&a->st->slept);
}

/* WAIT on @ch for a->seen[ch], timed; counts kernel waits and sleeps. */
static void kernel_wait(struct actor *a, __u32 ch, const __u64 snap[NCH])
{
	__u64 seq = a->seen[ch], t0 = now_ns(), t1;
	int ret = sd_wait(a->fd, ch, 0, &seq, TORTURE_WAIT_NS);

	t1 = now_ns();
	wait_ended(a, t0, t1);
	if (ret == 0)
		check_late(a, 1ULL << ch, snap, t0, t1);
	if (ret == -ETIMEDOUT)
		timed_out(a, 1ULL << ch, snap);
	else if (ret == 0 && seq != a->seen[ch])
		observe(a, ch, seq);
	else if (ret != -EINTR)
		logf_bad(a, "WAIT channel %u for %llu: %s, seq %llu", ch,
			 (unsigned long long)a->seen[ch], strerror(-ret),
			 (unsigned long long)seq);
}

/* shmdev_ctl_wait(): try the page first, enter the kernel only to sleep. */
static void step_ctl(struct actor *a, __u32 ch)
{
	__u64 snap[NCH], s = ld(&a->ctl->channel[ch].seq);

	if (s != a->seen[ch]) {
		inc(&a->st->fast);
		observe(a, ch, s);
		return;
	}
	snap_started(a, snap);
	kernel_wait(a, ch, snap);
}

static void step_wait(struct actor *a, __u32 ch)
{
	__u64 snap[NCH];

	snap_started(a, snap);
	kernel_wait(a, ch, snap);
}

/* The channels of @mask whose page sequence moved: observe them. */
static void observe_moved(struct actor *a, __u64 mask)
{
	__u64 s;
	__u32 ch;

	for (ch = 0; ch < NCH; ch++) {
		if (!(mask & (1ULL << ch)))
			continue;
		s = ld(&a->ctl->channel[ch].seq);
		if (s != a->seen[ch])
			observe(a, ch, s);
	}
}

static void step_waitv(struct actor *a, __u64 mask)
{
	__u64 snap[NCH], advanced = 0, t0, t1;
	int ret;

	snap_started(a, snap);
	t0 = now_ns();
	ret = sd_waitv(a->fd, mask, a->seen, TORTURE_WAIT_NS, &advanced);
	t1 = now_ns();
	wait_ended(a, t0, t1);
	if (ret == 0)
		check_late(a, mask, snap, t0, t1);
	if (ret == -ETIMEDOUT) {
		timed_out(a, mask, snap);
	} else if (ret == 0 && advanced && !(advanced & ~mask)) {
		observe_moved(a, advanced);
	} else if (ret != -EINTR) {
		logf_bad(a, "WAITV 0x%llx: %s, advanced 0x%llx",
			 (unsigned long long)mask, strerror(-ret),
			 (unsigned long long)advanced);
	}
}

/*
 * Deselect the mask's highest channel and select it again, as a consumer
 * that stops and resumes listening does: it moves the file's counts in
 * the page while notifiers run (they must be back to zero at the end).
 */
static void toggle_mask(struct actor *a, __u64 mask)
{
	__u64 less = mask & ~(1ULL << (63 - __builtin_clzll(mask)));
	__u64 prev1 = 0, prev2 = 0;
	int ret1 = sd_poll_mask(a->fd, less, &prev1);
	int ret2 = sd_poll_mask(a->fd, mask, &prev2);

	if (ret1 || ret2 || prev1 != mask || prev2 != less)
		logf_bad(a, "POLL_MASK 0x%llx, 0x%llx: %s, %s; previous 0x%llx, 0x%llx",
			 (unsigned long long)less, (unsigned long long)mask,
			 strerror(-ret1), strerror(-ret2),
			 (unsigned long long)prev1, (unsigned long long)prev2);
}

/* One epoll_wait(); on EPOLLIN, ACK and then read what moved. */
static void step_epoll(struct actor *a, int ep, __u64 mask)
{
	struct epoll_event ev;
	__u64 snap[NCH], pending = 0, t0, t1;
	int n, ret;

	snap_started(a, snap);
	t0 = now_ns();
	n = epoll_wait(ep, &ev, 1, TORTURE_WAIT_NS / 1000000);
	t1 = now_ns();
	wait_ended(a, t0, t1);
	if (n > 0)
		check_late(a, mask, snap, t0, t1);
	if (n == 0) {
		timed_out(a, mask, snap);
		return;
	}
	if (n < 0) {
		if (errno != EINTR)
			logf_bad(a, "epoll_wait: %s", strerror(errno));
		return;
	}
	/* ACK first: what moves after it makes the file readable again. */
	ret = sd_ack(a->fd, mask, &pending);
	if (ret || !(ev.events & EPOLLIN) || !(pending & mask))
		logf_bad(a, "epoll: events 0x%x, ACK %s, pending 0x%llx",
			 ev.events, strerror(-ret), (unsigned long long)pending);
	observe_moved(a, mask);
	if (rnd(a) % 32 == 0)
		toggle_mask(a, mask);
}

/* "Processing" a message: sometimes none, sometimes up to 100 us. */
static void consumer_pause(struct actor *a)
{
	if (rnd(a) % 2)
		usleep(rnd(a) % 100);
}

/* Finished: the parent's last notifies are all in, and we saw them. */
static bool consumer_done(struct actor *a, __u64 mask)
{
	__u32 ch;

	if (!__atomic_load_n(&a->sh->finished, __ATOMIC_ACQUIRE))
		return false;
	for (ch = 0; ch < NCH; ch++)
		if ((mask & (1ULL << ch)) && a->seen[ch] != ld(&a->sh->final[ch]))
			return false;
	return true;
}

static int epoll_setup(struct actor *a, __u64 mask)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || sd_poll_mask(a->fd, mask, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, a->fd, &ev))
		return -1;
	return ep;
}

static int consumer(const char *name, struct torture_shared *sh, int idx)
{
	const struct consumer_spec *sp = &specs[idx];
	__u32 ch = __builtin_ctzll(sp->channels);
	struct actor a;
	int ep = -1;

	if (actor_open(&a, name, sh))
		return 2;
	a.st = &sh->cons[idx];
	if (sp->kind == C_EPOLL) {
		ep = epoll_setup(&a, sp->channels);
		if (ep < 0)
			return 3;
	}
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!consumer_done(&a, sp->channels)) {
		switch (sp->kind) {
		case C_CTL:
			step_ctl(&a, ch);
			break;
		case C_WAIT:
			step_wait(&a, ch);
			break;
		case C_WAITV:
			step_waitv(&a, sp->channels);
			break;
		default:
			step_epoll(&a, ep, sp->channels);
		}
		consumer_pause(&a);
	}
	return 0;
}

/* ---------------------------------------------------------- the test */

static unsigned int torture_seconds(void)
{
	const char *s = getenv("SHMDEV_TORTURE_SECONDS");
	long v = s && *s ? strtol(s, NULL, 10) : 120;

	return v < 1 ? 1 : v > 3000 ? 3000 : (unsigned int)v;
}

static pid_t spawn(int (*fn)(const char *, struct torture_shared *, int),
		   const char *name, struct torture_shared *sh, int idx)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(name, sh, idx));
	return pid;
}

static int producer_fn(const char *name, struct torture_shared *sh, int idx)
{
	(void)idx;
	return producer(name, sh);
}

/* After the producers: one message and notify per channel, the last. */
static int last_notifies(int fd, struct torture_shared *sh,
			 struct shmdev_ctl_page *ctl, struct torture_data *data)
{
	__u32 ch;
	int ret;

	for (ch = 0; ch < NCH; ch++)
		sh->final[ch] = ld(&ctl->channel[ch].seq) + 1;
	__atomic_store_n(&sh->finished, 1, __ATOMIC_SEQ_CST);
	for (ch = 0; ch < NCH; ch++) {
		inc(&data->posted[ch]);
		ret = sd_notify(fd, ch, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

static void report(struct __test_metadata *_metadata,
		   const struct torture_shared *sh, unsigned int secs)
{
	const struct consumer_stats *c;
	__u32 i;

	TH_LOG("%u s, %llu messages: fast notify %llu (%llu without a system call, "
	       "%llu WAKE), NOTIFY %llu, POST %llu",
	       secs, (unsigned long long)(sh->by[0] + sh->by[1] + sh->by[2]),
	       (unsigned long long)sh->by[BY_FAST],
	       (unsigned long long)(sh->by[BY_FAST] - sh->wakes),
	       (unsigned long long)sh->wakes,
	       (unsigned long long)sh->by[BY_NOTIFY],
	       (unsigned long long)sh->by[BY_POST]);
	TH_LOG("%llu quiet gaps; WAKEs left out by the planted bug: %llu; "
	       "longest time between heartbeats %llu ms",
	       (unsigned long long)sh->gaps,
	       (unsigned long long)sh->skipped,
	       (unsigned long long)(sh->hb_max / 1000000));
	for (i = 0; i < NCONS; i++) {
		c = &sh->cons[i];
		TH_LOG("%-30s events %llu, in the page %llu, kernel waits %llu "
		       "(slept %llu), idle timeouts %llu, lost wake-ups %llu "
		       "(late %llu; late in a stall, not counted: %llu), bad %llu",
		       specs[i].what, (unsigned long long)c->events,
		       (unsigned long long)c->fast, (unsigned long long)c->kernel,
		       (unsigned long long)c->slept, (unsigned long long)c->idle,
		       (unsigned long long)c->lost, (unsigned long long)c->late,
		       (unsigned long long)c->stalled, (unsigned long long)c->bad);
	}
	for (i = 0; i < sh->nlog && i < LOG_MAX; i++)
		TH_LOG("%s", sh->log[i]);
}

/* Fork the consumers and wait until each has attached (and polled). */
static int start_consumers(const char *name, struct torture_shared *sh,
			   pid_t *pids)
{
	unsigned int i;

	for (i = 0; i < NCONS; i++) {
		pids[i] = spawn(consumer, name, sh, i);
		if (pids[i] < 0)
			return -1;
	}
	for (i = 0; i < 1000; i++) {
		if (__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) == (int)NCONS)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* The channels' final state: as many advances as messages, no waiter left. */
static void check_channels(struct __test_metadata *_metadata,
			   const struct shmdev_ctl_page *ctl,
			   const struct torture_data *data)
{
	unsigned int ch;

	for (ch = 0; ch < NCH; ch++) {
		EXPECT_EQ(data->posted[ch], ctl->channel[ch].seq)
			TH_LOG("channel %u", ch);
		/* Every sleeper and polled file has gone: nobody is counted. */
		EXPECT_EQ(0U, ctl->channel[ch].waiters) TH_LOG("channel %u", ch);
	}
}

/* Beat (see stalled()) for @ms milliseconds. */
static void beat(struct torture_shared *sh, unsigned int ms)
{
	__u64 end = now_ns() + ms * 1000000ULL, t, n;

	do {
		t = now_ns();
		n = sh->hb_n;
		if (n && t - sh->hb[(n - 1) % HB_RING] > sh->hb_max)
			sh->hb_max = t - sh->hb[(n - 1) % HB_RING];
		__atomic_store_n(&sh->hb[n % HB_RING], t, __ATOMIC_RELAXED);
		__atomic_store_n(&sh->hb_n, n + 1, __ATOMIC_RELEASE);
		usleep(1000);
	} while (t < end);
}

/* Storm for @secs, with a quiet gap after every burst. */
static void storm(struct torture_shared *sh, unsigned int secs,
		  unsigned int burst_ms, unsigned int quiet_ms)
{
	__u64 end = now_ns() + secs * SEC;

	while (now_ns() < end) {
		beat(sh, burst_ms);
		__atomic_store_n(&sh->quiet, 1, __ATOMIC_SEQ_CST);
		beat(sh, quiet_ms);
		__atomic_store_n(&sh->quiet, 0, __ATOMIC_SEQ_CST);
		inc(&sh->gaps);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
}

/*
 * The storm: no lost wake-up, no wrong sequence, every consumer at the
 * final sequence, sequences equal to messages, no waiter left counted.
 * With the planted bug (fast notifies that leave out half their WAKEs)
 * the same run must report lost wake-ups: the test can see them.
 */
TEST_F_TIMEOUT(torture, run, 3600)
{
	struct torture_shared *sh = self->sh;
	unsigned int secs = variant->plant ? PLANTED_SECONDS : torture_seconds();
	pid_t prod[TORTURE_PRODUCERS], cons[NCONS];
	struct shmdev_ctl_page *ctl = sd_ctl_map(self->fd);
	struct torture_data *data = mmap(NULL, page_size(),
					 PROT_READ | PROT_WRITE, MAP_SHARED,
					 self->fd, 0);
	__u64 lost = 0;
	unsigned int i;

	ASSERT_NE(MAP_FAILED, ctl) TH_LOG("control page: %s", strerror(errno));
	ASSERT_NE(MAP_FAILED, data);
	ASSERT_EQ(0, start_consumers(self->name, sh, cons))
		TH_LOG("consumers did not start");
	for (i = 0; i < TORTURE_PRODUCERS; i++) {
		prod[i] = spawn(producer_fn, self->name, sh, i);
		ASSERT_GT(prod[i], 0);
	}
	if (variant->plant)
		storm(sh, secs, PLANTED_BURST_MS, PLANTED_QUIET_MS);
	else
		storm(sh, secs, BURST_MS, QUIET_MS);
	for (i = 0; i < TORTURE_PRODUCERS; i++)
		EXPECT_EQ(0, reap(prod[i])) TH_LOG("producer %u", i);
	ASSERT_EQ(0, last_notifies(self->fd, sh, ctl, data));
	for (i = 0; i < NCONS; i++)
		EXPECT_EQ(0, reap(cons[i])) TH_LOG("consumer %u", i);
	report(_metadata, sh, secs);
	for (i = 0; i < NCONS; i++) {
		lost += sh->cons[i].lost + sh->cons[i].late;
		EXPECT_EQ(0ULL, sh->cons[i].bad) TH_LOG("consumer %u", i);
		EXPECT_LT((__u64)NCH, sh->cons[i].events) TH_LOG("consumer %u", i);
	}
	if (variant->plant) {
		EXPECT_LT(0ULL, lost) TH_LOG("the planted lost wake-ups went unseen");
	} else {
		EXPECT_EQ(0ULL, lost);
	}
	check_channels(_metadata, ctl, data);
}

SHMDEV_HARNESS_MAIN
