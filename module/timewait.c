// SPDX-License-Identifier: GPL-2.0
/*
 * TIME_WAIT experiments, per network namespace, each off by default:
 *
 *  - tw_observe counts the segments that reach a TIME_WAIT socket, by kind,
 *    separately for timewait sockets still in the FIN_WAIT2 substate;
 *  - tw_rst_policy 1 drops every RST aimed at a TIME_WAIT socket, the
 *    protection RFC 1337 argues for;
 *  - tw_recycle emulates the per-peer timestamp check Linux removed in 4.12,
 *    to reproduce the breakage it caused behind NAT;
 *  - tw_timeout_ms ends this namespace's TIME_WAIT sockets early.
 *
 * The first three live in a netfilter hook at LOCAL_IN, registered in a
 * namespace only while one of them is on. The last is a delayed work that
 * walks the established hash, as the kernel itself does when it purges a
 * dying namespace's timewait sockets.
 *
 * That hash is usually the host's, shared by every namespace, so the
 * sweep's cost is bounded for namespaces a user namespace other than the
 * initial one owns (tenants): at most LAB_TW_TENANT_BUCKETS buckets a run,
 * resuming where the last run stopped, and runs at least
 * LAB_TW_TENANT_PERIOD_MS apart, whatever tw_timeout_ms says. Every sweep
 * parks once a full pass finds no socket in the TIME_WAIT substate (only
 * FIN_WAIT2 ones, which it never ends), until the namespace's timewait
 * count grows or LAB_TW_PARK_RECHECK_MS passes.
 */
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <tcp_lab/tcp_lab.h>
#include <tcp_lab/tcp_opts.h>
#include <tcp_lab/tw_math.h>

/* A tenant's sweep: buckets per run, and the shortest time between runs. */
#define LAB_TW_TENANT_BUCKETS	8192U
#define LAB_TW_TENANT_PERIOD_MS	250U
/* A parked sweep looks again at least this often. */
#define LAB_TW_PARK_RECHECK_MS	1000U
/*
 * A socket whose own timer fires within this is left to it: we then never
 * end (and count) one whose timer is running at the same moment.
 */
#define LAB_TW_TIMER_MARGIN	HZ

/*
 * tw_recycle's memory: the newest timestamp seen from each peer address on
 * connections going through TIME_WAIT. Readers (SYNs) walk a bucket under
 * RCU; writers (FINs) take the table's lock. At most @max entries: a new
 * peer replaces an expired or the oldest entry of its bucket, or is not
 * remembered. The table is replaced whole, never resized in place.
 */
struct lab_tw_peer {
	struct hlist_node node;
	struct in6_addr addr;	/* IPv4 peers v4-mapped */
	u32 tsval;		/* updated in place: READ_ONCE/WRITE_ONCE */
	u32 stamp;		/* seconds, when tsval was stored */
	struct rcu_head rcu;
};

struct lab_tw_peers {
	spinlock_t lock;
	unsigned int count;
	unsigned int max;
	u32 seed;
	u32 mask;
	/* Pays for the entries: whoever turned the table on (as BPF maps). */
	struct mem_cgroup *memcg;
	struct rcu_head rcu;
	struct hlist_head buckets[];
};

/* What the hook needs to know about a segment, whatever its family. */
struct lab_tw_seg {
	const struct tcphdr *th;
	struct in6_addr peer;	/* source address, IPv4 v4-mapped */
	unsigned int thoff;
	unsigned int payload;
	u8 family;
};

static u32 lab_tw_now(void)
{
	return (u32)ktime_get_seconds();
}

static struct lab_tw_peers *lab_tw_peers_alloc(unsigned int cap)
{
	unsigned int nbuckets = max(roundup_pow_of_two(cap) / 2, 8UL);
	struct lab_tw_peers *t;
	unsigned int i;

	/* Charged to the writer of the sysctl that asked for it. */
	t = kvzalloc(struct_size(t, buckets, nbuckets), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->memcg = get_mem_cgroup_from_mm(current->mm);
	spin_lock_init(&t->lock);
	t->max = cap;
	t->mask = nbuckets - 1;
	t->seed = get_random_u32();
	for (i = 0; i < nbuckets; i++)
		INIT_HLIST_HEAD(&t->buckets[i]);
	return t;
}

/*
 * Once no reader can see @t any more. An RCU callback, so that nobody
 * waits for a grace period holding the namespace's mutex; module exit
 * waits for the last one with rcu_barrier().
 */
static void lab_tw_peers_free_rcu(struct rcu_head *head)
{
	struct lab_tw_peers *t = container_of(head, struct lab_tw_peers, rcu);
	struct lab_tw_peer *p;
	struct hlist_node *tmp;
	unsigned int i;

	for (i = 0; i <= t->mask; i++)
		hlist_for_each_entry_safe(p, tmp, &t->buckets[i], node)
			kfree(p);
	mem_cgroup_put(t->memcg);
	kvfree(t);
}

static struct lab_tw_peers *lab_tw_peers_locked(struct tcp_lab_net *ln)
{
	return rcu_dereference_protected(ln->tw.peers,
					 lockdep_is_held(&ln->mutex));
}

/* Install an empty table of @cap peers (none if 0), freeing the old one. */
static int lab_tw_peers_reset(struct tcp_lab_net *ln, unsigned int cap)
{
	struct lab_tw_peers *t = NULL, *old;

	if (cap) {
		t = lab_tw_peers_alloc(cap);
		if (!t)
			return -ENOMEM;
	}
	old = rcu_replace_pointer(ln->tw.peers, t,
				  lockdep_is_held(&ln->mutex));
	if (old)
		call_rcu(&old->rcu, lab_tw_peers_free_rcu);
	return 0;
}

static struct hlist_head *lab_tw_bucket(struct lab_tw_peers *t,
					const struct in6_addr *addr)
{
	return &t->buckets[__ipv6_addr_jhash(addr, t->seed) & t->mask];
}

/*
 * kfree_rcu() runs no code of ours later, so nothing is left to wait for
 * (no rcu_barrier()) when the module goes.
 */
static void lab_tw_peer_del(struct lab_tw_peers *t, struct lab_tw_peer *p)
{
	hlist_del_rcu(&p->node);
	kfree_rcu(p, rcu);
	WRITE_ONCE(t->count, t->count - 1);	/* read by the gauge */
}

/* Remember @tsval from @addr, seen on a connection going through TIME_WAIT. */
static void lab_tw_learn(struct net *net, struct tcp_lab_net *ln,
			 const struct in6_addr *addr, u32 tsval)
{
	u32 window = READ_ONCE(ln->tw.recycle_expiry_s);
	struct lab_tw_peer *p, *oldest = NULL;
	struct mem_cgroup *old_memcg;
	struct lab_tw_peers *t;
	struct hlist_head *head;
	struct hlist_node *tmp;
	u32 now = lab_tw_now();

	t = rcu_dereference(ln->tw.peers);
	if (!t)
		return;
	head = lab_tw_bucket(t, addr);

	spin_lock_bh(&t->lock);
	hlist_for_each_entry_safe(p, tmp, head, node) {
		if (ipv6_addr_equal(&p->addr, addr)) {
			if (lab_tw_recycle_newer(p->tsval, p->stamp, now,
						 window, tsval)) {
				WRITE_ONCE(p->tsval, tsval);
				WRITE_ONCE(p->stamp, now);
				tcp_lab_inc(net, TCP_LAB_TW_RECYCLE_LEARNED);
			}
			goto unlock;
		}
		/* Expired entries go as soon as a writer passes by. */
		if (now - p->stamp >= window) {
			lab_tw_peer_del(t, p);
			continue;
		}
		if (!oldest || (s32)(p->stamp - oldest->stamp) < 0)
			oldest = p;
	}
	if (t->count >= t->max) {
		if (!oldest) {
			tcp_lab_inc(net, TCP_LAB_TW_RECYCLE_FULL);
			goto unlock;
		}
		lab_tw_peer_del(t, oldest);
		tcp_lab_inc(net, TCP_LAB_TW_RECYCLE_EVICTED);
	}
	old_memcg = set_active_memcg(t->memcg);
	p = kmalloc(sizeof(*p), GFP_ATOMIC | __GFP_NOWARN | __GFP_ACCOUNT);
	set_active_memcg(old_memcg);
	if (!p) {
		tcp_lab_inc(net, TCP_LAB_TW_RECYCLE_FULL);
		goto unlock;
	}
	p->addr = *addr;
	p->tsval = tsval;
	p->stamp = now;
	hlist_add_head_rcu(&p->node, head);
	WRITE_ONCE(t->count, t->count + 1);
	tcp_lab_inc(net, TCP_LAB_TW_RECYCLE_LEARNED);
unlock:
	spin_unlock_bh(&t->lock);
}

/* Would the removed tw_recycle have refused this SYN from @addr? */
static bool lab_tw_refuse(struct tcp_lab_net *ln, const struct in6_addr *addr,
			  bool saw_ts, u32 tsval)
{
	struct lab_tw_peers *t = rcu_dereference(ln->tw.peers);
	struct lab_tw_peer *p;

	if (!t)
		return false;
	hlist_for_each_entry_rcu(p, lab_tw_bucket(t, addr), node)
		if (ipv6_addr_equal(&p->addr, addr))
			return lab_tw_recycle_reject(READ_ONCE(p->tsval),
						     READ_ONCE(p->stamp),
						     lab_tw_now(),
						     READ_ONCE(ln->tw.recycle_expiry_s),
						     saw_ts, tsval);
	return false;
}

/* The segment's TSval, as TCP reads it (what parses before a bad option). */
static bool lab_tw_seg_tsval(const struct sk_buff *skb,
			     const struct lab_tw_seg *seg, u32 *tsval)
{
	unsigned int len = seg->th->doff * 4 - sizeof(struct tcphdr);
	u8 buf[MAX_TCP_OPTION_SPACE];
	struct lab_tcp_opts opts;
	const u8 *opt;

	if (!len)
		return false;
	opt = skb_header_pointer(skb, seg->thoff + sizeof(struct tcphdr),
				 len, buf);
	if (!opt)
		return false;
	lab_tcp_parse_opts(opt, len, &opts);
	*tsval = opts.tsval;
	return opts.has_ts;
}

/* Nothing is counted or acted on for a segment TCP would discard. */
static bool lab_tw_csum_ok(struct sk_buff *skb,
			   const struct nf_hook_state *state,
			   const struct lab_tw_seg *seg)
{
	if (likely(!nf_checksum(skb, state->hook, seg->thoff, IPPROTO_TCP,
				seg->family)))
		return true;
	tcp_lab_inc(state->net, TCP_LAB_TW_CSUM_ERRORS);
	net_dbg_ratelimited("tcp_lab: bad TCP checksum from %pI6c\n",
			    &seg->peer);
	return false;
}

/* The socket TCP would pick for @seg among established and timewait ones. */
static struct sock *lab_tw_lookup(struct net *net, struct sk_buff *skb,
				  const struct lab_tw_seg *seg)
{
	const struct tcphdr *th = seg->th;

	if (seg->family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);

		return __inet_lookup_established(net, iph->saddr,
						   th->source, iph->daddr,
						   ntohs(th->dest),
						   inet_iif(skb), inet_sdif(skb));
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		return __inet6_lookup_established(net, &ip6h->saddr,
						    th->source, &ip6h->daddr,
						    ntohs(th->dest),
						    inet6_iif(skb),
						    inet6_sdif(skb));
	}
#else
	return NULL;
#endif
}

static unsigned int lab_tw_at_timewait(struct sk_buff *skb,
				       const struct nf_hook_state *state,
				       const struct lab_tw_seg *seg,
				       struct inet_timewait_sock *tw)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(state->net);
	bool fw2 = READ_ONCE(tw->tw_substate) == TCP_FIN_WAIT2;
	const struct tcphdr *th = seg->th;
	int kind;
	u32 tsval;

	if (!lab_tw_csum_ok(skb, state, seg))
		return NF_ACCEPT;

	if (READ_ONCE(ln->tw.observe)) {
		kind = lab_tw_classify(th->syn, th->rst, th->fin, seg->payload);
		tcp_lab_inc(state->net, (fw2 ? (int)TCP_LAB_TW_FW2_SYN :
					       (int)TCP_LAB_TW_SYN) + kind);
	}
	/*
	 * The FIN that moves FIN_WAIT2 on to TIME_WAIT: learned only if TCP
	 * will take it (in sequence, no data, PAWS-sane), so that a spoofed
	 * FIN cannot plant a timestamp. A repeated FIN in TIME_WAIT teaches
	 * nothing new.
	 */
	if (th->fin && fw2 && READ_ONCE(ln->tw.recycle) && !seg->payload &&
	    lab_tw_seg_tsval(skb, seg, &tsval)) {
		const struct tcp_timewait_sock *tcptw = tcp_twsk((struct sock *)tw);

		if (lab_tw_fin_acceptable(ntohl(th->seq),
					  READ_ONCE(tcptw->tw_rcv_nxt), tsval,
					  READ_ONCE(tcptw->tw_ts_recent),
					  READ_ONCE(tcptw->tw_ts_recent_stamp)))
			lab_tw_learn(state->net, ln, &seg->peer, tsval);
	}

	/* RFC 1337 is about TIME_WAIT; a RST may still end FIN_WAIT2. */
	if (th->rst && !fw2 && READ_ONCE(ln->tw.rst_policy)) {
		tcp_lab_inc(state->net, TCP_LAB_TW_RST_DROPPED);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

/*
 * Will TCP take this FIN as the close of @tp's peer? In sequence, an ACK
 * within what was sent, PAWS-sane: TCP's own checks in tcp_rcv_state_process()
 * that a blind spoofer cannot pass. Read without the socket lock, as a
 * snapshot: a FIN that races with other segments may go unlearned.
 */
static bool lab_tw_fin_takes(const struct tcp_sock *tp,
			     const struct tcphdr *th, u32 tsval)
{
	u32 ack = ntohl(th->ack_seq);

	if (!th->ack || th->syn || th->rst ||
	    before(ack, READ_ONCE(tp->snd_una)) ||
	    after(ack, READ_ONCE(tp->snd_nxt)))
		return false;
	return lab_tw_fin_acceptable(ntohl(th->seq), READ_ONCE(tp->rcv_nxt),
				     tsval, READ_ONCE(tp->rx_opt.ts_recent),
				     READ_ONCE(tp->rx_opt.ts_recent_stamp));
}

/* tw_recycle for a segment that is not for a timewait socket. */
static unsigned int lab_tw_recycle(struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct lab_tw_seg *seg,
				   const struct sock *sk)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(state->net);
	const struct tcphdr *th = seg->th;
	bool saw_ts;
	u32 tsval = 0;

	if (th->fin) {
		/* The FIN that takes an active closer into TIME_WAIT. */
		if (sk && sk_fullsock(sk) &&
		    (1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2) &&
		    lab_tw_seg_tsval(skb, seg, &tsval) &&
		    lab_tw_fin_takes(tcp_sk(sk), th, tsval) &&
		    lab_tw_csum_ok(skb, state, seg))
			lab_tw_learn(state->net, ln, &seg->peer, tsval);
		return NF_ACCEPT;
	}

	/* A connection request: no socket but perhaps a listener. */
	if (!th->syn || th->ack || th->rst ||
	    (sk && sk->sk_state != TCP_LISTEN))
		return NF_ACCEPT;
	saw_ts = lab_tw_seg_tsval(skb, seg, &tsval);
	if (!lab_tw_refuse(ln, &seg->peer, saw_ts, tsval) ||
	    !lab_tw_csum_ok(skb, state, seg))
		return NF_ACCEPT;
	tcp_lab_inc(state->net, TCP_LAB_TW_RECYCLE_DROPPED);
	return NF_DROP;
}

static unsigned int lab_tw_segment(struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   struct lab_tw_seg *seg)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(state->net);
	const struct tcphdr *th = seg->th;
	bool recycle = READ_ONCE(ln->tw.recycle);
	unsigned int verdict = NF_ACCEPT;
	struct sock *sk = skb->sk;
	bool looked_up = false;

	if (th->doff < sizeof(*th) / 4 || seg->thoff + th->doff * 4 > skb->len)
		return NF_ACCEPT;
	/* Only these segments need to know their socket. */
	if (!READ_ONCE(ln->tw.observe) &&
	    !(th->rst && READ_ONCE(ln->tw.rst_policy)) &&
	    !((th->syn || th->fin) && recycle))
		return NF_ACCEPT;
	seg->payload = skb->len - seg->thoff - th->doff * 4;

	/* Early demux usually found it already; skb->sk holds a reference. */
	if (!sk) {
		sk = lab_tw_lookup(state->net, skb, seg);
		looked_up = true;
	}
	if (sk && sk->sk_state == TCP_TIME_WAIT)
		verdict = lab_tw_at_timewait(skb, state, seg, inet_twsk(sk));
	else if (recycle)
		verdict = lab_tw_recycle(skb, state, seg, sk);

	if (looked_up && sk)
		sock_gen_put(sk);
	return verdict;
}

static unsigned int lab_tw_hook4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct lab_tw_seg seg = { .family = AF_INET };
	struct tcphdr _th;

	if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph) ||
	    skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	seg.thoff = ip_hdrlen(skb);
	seg.th = skb_header_pointer(skb, seg.thoff, sizeof(_th), &_th);
	if (!seg.th)
		return NF_ACCEPT;
	ipv6_addr_set_v4mapped(iph->saddr, &seg.peer);
	return lab_tw_segment(skb, state, &seg);
}

#if IS_ENABLED(CONFIG_IPV6)
static unsigned int lab_tw_hook6(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct lab_tw_seg seg = { .family = AF_INET6 };
	unsigned int thoff = 0;
	struct tcphdr _th;
	int flags = 0;

	if (skb->pkt_type != PACKET_HOST ||
	    ipv6_find_hdr(skb, &thoff, IPPROTO_TCP, NULL, &flags) !=
	    IPPROTO_TCP || (flags & IP6_FH_F_FRAG))
		return NF_ACCEPT;
	seg.thoff = thoff;
	seg.th = skb_header_pointer(skb, seg.thoff, sizeof(_th), &_th);
	if (!seg.th)
		return NF_ACCEPT;
	seg.peer = ipv6_hdr(skb)->saddr;
	return lab_tw_segment(skb, state, &seg);
}
#endif

/* Where: see TCP_LAB_PRI_TIMEWAIT_* in tcp_lab.h. */
static const struct nf_hook_ops lab_tw_ops[] = {
	{
		.hook		= lab_tw_hook4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= TCP_LAB_PRI_TIMEWAIT_V4,
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.hook		= lab_tw_hook6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= TCP_LAB_PRI_TIMEWAIT_V6,
	},
#endif
};

/* TIME_WAIT and FIN_WAIT2 timewait sockets: tw_refcount holds one more. */
static int lab_tw_count(struct net *net)
{
	return refcount_read(&net->ipv4.tcp_death_row.tw_refcount) - 1;
}

static unsigned long lab_tw_timeout(const struct tcp_lab_net *ln)
{
	return msecs_to_jiffies(READ_ONCE(ln->tw.timeout_ms));
}

/* 0 or at least the kernel's own length: nothing to cut short. */
static bool lab_tw_timeout_on(unsigned long timeout)
{
	return timeout && timeout < TCP_TIMEWAIT_LEN;
}

/* A timewait socket of @net in the TIME_WAIT substate (the sweep's kind). */
static bool lab_tw_in_time_wait(const struct sock *sk, const struct net *net)
{
	const struct inet_timewait_sock *tw = inet_twsk(sk);

	return READ_ONCE(sk->sk_state) == TCP_TIME_WAIT &&
	       net_eq(twsk_net(tw), net) &&
	       READ_ONCE(tw->tw_substate) == TCP_TIME_WAIT;
}

static bool lab_tw_reapable(const struct sock *sk, unsigned long timeout)
{
	const struct inet_timewait_sock *tw = inet_twsk(sk);

	return timer_pending(&tw->tw_timer) &&
	       lab_tw_cut_short(READ_ONCE(tw->tw_timer.expires), jiffies,
				TCP_TIMEWAIT_LEN, timeout, LAB_TW_TIMER_MARGIN);
}

/*
 * End the sockets of @net in bucket @slot that have waited @timeout.
 * Returns how many TIME_WAIT sockets of @net it left standing. The walk
 * mirrors inet_twsk_purge() (net/ipv4/inet_timewait_sock.c, 6.1-6.18),
 * which ends every timewait socket of dying namespaces only.
 */
static unsigned int lab_tw_reap_bucket(struct net *net,
				       struct inet_hashinfo *hinfo,
				       unsigned int slot, unsigned long timeout)
{
	struct inet_ehash_bucket *head = &hinfo->ehash[slot];
	struct hlist_nulls_node *node;
	unsigned int left;
	struct sock *sk;

	if (hlist_nulls_empty(&head->chain))
		return 0;
restart:
	left = 0;
	rcu_read_lock();
	sk_nulls_for_each_rcu(sk, node, &head->chain) {
		if (!lab_tw_in_time_wait(sk, net))
			continue;
		if (!lab_tw_reapable(sk, timeout)) {
			left++;
			continue;
		}
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		/* Timewait socks are SLAB_TYPESAFE_BY_RCU: look again. */
		if (!lab_tw_in_time_wait(sk, net) ||
		    !lab_tw_reapable(sk, timeout)) {
			sock_gen_put(sk);
			rcu_read_unlock();
			goto restart;
		}
		rcu_read_unlock();
		/*
		 * Its timer is armed and LAB_TW_TIMER_MARGIN away, so this
		 * ends it; the ehash lock it takes wants BH off.
		 */
		local_bh_disable();
		inet_twsk_deschedule_put(inet_twsk(sk));
		local_bh_enable();
		tcp_lab_inc(net, TCP_LAB_TW_TIMEOUT_KILLED);
		cond_resched();
		goto restart;
	}
	/* Moved to another chain while we walked: walk again. */
	if (get_nulls_value(node) != slot) {
		rcu_read_unlock();
		goto restart;
	}
	rcu_read_unlock();
	return left;
}

static bool lab_tw_tenant(const struct tcp_lab_net *ln)
{
	return tcp_lab_net_of(ln)->user_ns != &init_user_ns;
}

static unsigned long lab_tw_period(const struct tcp_lab_net *ln,
				   unsigned long timeout)
{
	unsigned long period = max(timeout / 4, 1UL);

	if (lab_tw_tenant(ln))
		period = max(period, msecs_to_jiffies(LAB_TW_TENANT_PERIOD_MS));
	return period;
}

/*
 * Parked: the last full pass found no TIME_WAIT socket of ours. Stay so
 * while the namespace's timewait count has not grown and the recheck time
 * has not come; a FIN_WAIT2 timewait socket that turns TIME_WAIT in place
 * does not move the count, and waits for the recheck.
 */
static bool lab_tw_still_parked(struct tcp_lab_net *ln, int count,
				unsigned long timeout)
{
	if (!ln->tw.parked)
		return false;
	if (count <= ln->tw.park_count && timeout == ln->tw.park_timeout &&
	    time_before(jiffies, ln->tw.park_since +
			msecs_to_jiffies(LAB_TW_PARK_RECHECK_MS))) {
		ln->tw.park_count = count;
		return true;
	}
	ln->tw.parked = false;
	return false;
}

static void lab_tw_park(struct tcp_lab_net *ln, int count,
			unsigned long timeout)
{
	ln->tw.parked = true;
	ln->tw.park_count = count;
	ln->tw.park_timeout = timeout;
	ln->tw.park_since = jiffies;
}

/*
 * One run: the whole hash for init_net's own namespaces, at most
 * LAB_TW_TENANT_BUCKETS buckets from where the last run stopped for a
 * tenant's. The cursor and the park state are the work's alone.
 */
static void lab_tw_sweep(struct tcp_lab_net *ln, unsigned long timeout)
{
	struct net *net = tcp_lab_net_of(ln);
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	unsigned int budget = hinfo->ehash_mask + 1, n = 0, slot;
	int count = lab_tw_count(net);

	if (count <= 0 || lab_tw_still_parked(ln, count, timeout))
		return;
	if (lab_tw_tenant(ln))
		budget = min(budget, LAB_TW_TENANT_BUCKETS);
	if (ln->tw.cursor > hinfo->ehash_mask)
		ln->tw.cursor = 0;
	while (n < budget) {
		slot = ln->tw.cursor;
		ln->tw.pass_left += lab_tw_reap_bucket(net, hinfo, slot,
						       timeout);
		n++;
		if (slot == hinfo->ehash_mask) {
			/* A full pass: park if nothing is left to end. */
			if (!ln->tw.pass_left)
				lab_tw_park(ln, lab_tw_count(net), timeout);
			ln->tw.pass_left = 0;
			ln->tw.cursor = 0;
			break;
		}
		ln->tw.cursor = slot + 1;
		if (!(n & 1023))
			cond_resched();
	}
	tcp_lab_inc(net, TCP_LAB_TW_SWEEPS);
	tcp_lab_add(net, TCP_LAB_TW_SWEEP_BUCKETS, n);
}

static void lab_tw_reaper(struct work_struct *work)
{
	struct tcp_lab_net *ln = container_of(to_delayed_work(work),
					      struct tcp_lab_net, tw.reaper);
	unsigned long timeout = lab_tw_timeout(ln);

	if (!lab_tw_timeout_on(timeout))
		return;
	WRITE_ONCE(ln->tw.last_run, jiffies);
	lab_tw_sweep(ln, timeout);
	/* A socket lives at most a period (a quarter of the timeout) more. */
	queue_delayed_work(system_unbound_wq, &ln->tw.reaper,
			   lab_tw_period(ln, timeout));
}

/*
 * The most peers a namespace may remember. The table grows with the
 * traffic of anyone who can reach the namespace, and the owner of a user
 * namespace may make network namespaces and tune them without init_net's
 * root: in a namespace owned by any user namespace but the initial one,
 * tw_recycle_max_peers cannot be set above init_net's value, and a table
 * is never made larger than init_net's value at the time. Only init_net's
 * root can raise that.
 */
int tcp_lab_tw_peers_limit(const struct tcp_lab_net *ln)
{
	if (tcp_lab_net_of(ln)->user_ns == &init_user_ns)
		return INT_MAX;
	return READ_ONCE(tcp_lab_pernet(&init_net)->tw.recycle_max_peers);
}

static unsigned int lab_tw_peers_cap(const struct tcp_lab_net *ln)
{
	return min(ln->tw.recycle_max_peers, tcp_lab_tw_peers_limit(ln));
}

/* Bring hooks and peer table in line with the sysctls. */
int tcp_lab_tw_apply(struct tcp_lab_net *ln)
{
	bool hooks = ln->tw.observe || ln->tw.rst_policy || ln->tw.recycle;
	struct net *net = tcp_lab_net_of(ln);
	int err;

	lockdep_assert_held(&ln->mutex);
	/* The table exists before a hook can look for it... */
	if (ln->tw.recycle && !lab_tw_peers_locked(ln)) {
		err = lab_tw_peers_reset(ln, lab_tw_peers_cap(ln));
		if (err)
			return err;
	}
	if (hooks && !ln->tw.hooks_on) {
		err = nf_register_net_hooks(net, lab_tw_ops,
					    ARRAY_SIZE(lab_tw_ops));
		if (err)
			return err;
		ln->tw.hooks_on = true;
	} else if (!hooks && ln->tw.hooks_on) {
		nf_unregister_net_hooks(net, lab_tw_ops, ARRAY_SIZE(lab_tw_ops));
		ln->tw.hooks_on = false;
	}
	/* ...and goes once none can. */
	if (!ln->tw.recycle && lab_tw_peers_locked(ln))
		lab_tw_peers_reset(ln, 0);
	return 0;
}

int tcp_lab_tw_apply_peers(struct tcp_lab_net *ln)
{
	lockdep_assert_held(&ln->mutex);
	/* A new size starts a new, empty table. */
	if (!ln->tw.recycle)
		return 0;
	return lab_tw_peers_reset(ln, lab_tw_peers_cap(ln));
}

/*
 * Sweep soon after a change; for a tenant not sooner than its period
 * allows, so that rewriting the sysctl cannot make the sweep run faster.
 */
int tcp_lab_tw_apply_timeout(struct tcp_lab_net *ln)
{
	unsigned long next, delay = 0;

	lockdep_assert_held(&ln->mutex);
	if (!lab_tw_timeout_on(lab_tw_timeout(ln))) {
		cancel_delayed_work_sync(&ln->tw.reaper);
		return 0;
	}
	if (lab_tw_tenant(ln)) {
		next = READ_ONCE(ln->tw.last_run) +
		       msecs_to_jiffies(LAB_TW_TENANT_PERIOD_MS);
		if (time_before(jiffies, next))
			delay = next - jiffies;
	}
	mod_delayed_work(system_unbound_wq, &ln->tw.reaper, delay);
	return 0;
}

/* Gauges, after the counters in /proc/net/tcp_lab. */
void tcp_lab_tw_show(struct seq_file *seq, struct net *net)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(net);
	struct lab_tw_peers *t;
	unsigned int peers = 0;

	rcu_read_lock();
	t = rcu_dereference(ln->tw.peers);
	if (t)
		peers = READ_ONCE(t->count);
	rcu_read_unlock();
	seq_printf(seq, "tw_count %d\n", lab_tw_count(net));
	seq_printf(seq, "tw_recycle_peers %u\n", peers);
}

void tcp_lab_tw_init(struct tcp_lab_net *ln)
{
	/* The counters by kind are indexed by enum lab_tw_kind. */
	BUILD_BUG_ON(TCP_LAB_TW_DATA - TCP_LAB_TW_SYN != (int)LAB_TW_DATA ||
		     TCP_LAB_TW_FW2_DATA - TCP_LAB_TW_FW2_SYN != (int)LAB_TW_DATA);
	INIT_DELAYED_WORK(&ln->tw.reaper, lab_tw_reaper);
}

/*
 * The namespace's sysctls are gone, so nothing turns features on again.
 * Its timewait sockets stay the kernel's: TCP purges them itself later.
 */
void tcp_lab_tw_exit(struct tcp_lab_net *ln)
{
	cancel_delayed_work_sync(&ln->tw.reaper);
	mutex_lock(&ln->mutex);
	if (ln->tw.hooks_on) {
		nf_unregister_net_hooks(tcp_lab_net_of(ln), lab_tw_ops,
					ARRAY_SIZE(lab_tw_ops));
		ln->tw.hooks_on = false;
	}
	lab_tw_peers_reset(ln, 0);
	mutex_unlock(&ln->mutex);
}
