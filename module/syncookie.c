// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies in a netfilter hook.
 *
 * In a namespace where net.tcp_lab.syncookie_mode is on, a SYN to a port in
 * net.tcp_lab.syncookie_ports that a listener would take is answered here
 * with a SYN-ACK whose sequence number is the kernel's own SYN cookie, and
 * is consumed: the listener never allocates a request sock for it.
 *
 * Nothing is remembered. The returning ACK finds no socket and goes to the
 * listener, whose cookie_v4_check()/cookie_v6_check() rebuilds the
 * connection as for a cookie it sent itself. For that to work the SYN-ACK
 * offers exactly what the rebuild will assume: the options the namespace
 * allows, recorded in the low bits of the timestamp with the flow's
 * timestamp offset added, and the window scale the rebuild will compute; and
 * the listener is marked with tcp_synq_overflow(), without which it ignores
 * cookies.
 *
 * Before answering, the hook repeats what TCP checks between finding the
 * listener and its SYN queue (tcp_v4_rcv()/tcp_v6_rcv(), 6.1-6.18), so that
 * it never answers a SYN TCP would drop, which would give away a listener
 * hidden behind TTL security or IPsec: IP_MINTTL / IPV6_MINHOPCOUNT and the
 * inbound IPsec policy (TCP then drops the SYN), and a listener with TCP-MD5
 * or TCP-AO keys or a socket filter, whose verdict only TCP can give (the
 * SYN goes to it). The LSM's inet_conn_request hook is not asked here; it
 * is when the cookie returns (cookie_v4_check()).
 *
 * The listener is looked up as TCP looks it up, skb->data at the TCP
 * header with the header pulled into the linear area, so a reuseport BPF
 * program sees what it sees inside TCP. What remains different: the
 * lookup (and any reuseport or sk_lookup program) runs here at LOCAL_IN,
 * and again inside TCP for a segment the hook passes on, so a program
 * that keeps state sees such a segment twice.
 *
 * ACKs that would reach a listener are checked here first, counted, and
 * dropped when the cookie is bad if net.tcp_lab.syncookie_drop_invalid says
 * so. The kernel takes cookie ACKs only while net.ipv4.tcp_syncookies is
 * non-zero: while it is 0 the hook stands aside and counts the SYNs it lets
 * through, so a client never waits on a SYN-ACK nobody will honour.
 */
#include <linux/bitmap.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/inet6_hashtables.h>
#include <net/inet_ecn.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/secure_seq.h>
#include <net/tcp.h>
#include <tcp_lab/cookie_math.h>
#include <tcp_lab/tcp_lab.h>


/* Defaults of the kernel's listeners when a SYN has no MSS option. */
#define LAB_SC_MSS_DEFAULT_V4	TCP_MSS_DEFAULT
#define LAB_SC_MSS_DEFAULT_V6	(IPV6_MIN_MTU - sizeof(struct tcphdr) - \
				 sizeof(struct ipv6hdr))

/* One TCP segment under inspection. */
struct lab_sc_seg {
	struct net *net;
	struct tcp_lab_net *ln;
	struct sk_buff *skb;
	const struct nf_hook_state *state;
	const struct tcphdr *th;	/* header and options, linear in skb */
	unsigned int thoff;		/* from skb->data */
	unsigned int thlen;
	bool v6;
	bool v6_late_exthdrs;		/* see lab_sc_v6_late_exthdrs() */
	union {
		struct tcphdr th;
		u8 bytes[sizeof(struct tcphdr) + MAX_TCP_OPTION_SPACE];
	} buf;
};

/* What the SYN-ACK says, worked out before it is built. */
struct lab_sc_synack {
	u32 isn;			/* the cookie */
	u16 mss;			/* our MSS option */
	struct lab_cookie_offer offer;
	struct lab_window_out win;
	u32 tsval;
	u32 tsecr;
};

static void lab_sc_inc(const struct lab_sc_seg *s, enum tcp_lab_counter c)
{
	tcp_lab_inc(s->net, c);
}

static unsigned int lab_sc_pass(const struct lab_sc_seg *s,
				enum tcp_lab_counter why)
{
	lab_sc_inc(s, why);
	return NF_ACCEPT;
}

static bool lab_sc_protected(const struct tcp_lab_net *ln, __be16 port)
{
	return test_bit(ntohs(port), ln->sc.ports);
}

/* An established, TIME_WAIT or request sock already owns the 4-tuple. */
static bool lab_sc_owned(const struct lab_sc_seg *s)
{
	struct sk_buff *skb = s->skb;
	struct sock *sk;

	/* Early demux looked it up on the way in. */
	if (skb->sk)
		return true;

	if (IS_ENABLED(CONFIG_IPV6) && s->v6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		sk = __inet6_lookup_established(s->net, &ip6h->saddr,
						  s->th->source, &ip6h->daddr,
						  ntohs(s->th->dest),
						  inet6_iif(skb), inet6_sdif(skb));
	} else {
		const struct iphdr *iph = ip_hdr(skb);

		sk = __inet_lookup_established(s->net, iph->saddr,
						 s->th->source, iph->daddr,
						 ntohs(s->th->dest),
						 inet_iif(skb), inet_sdif(skb));
	}
	if (!sk)
		return false;
	sock_gen_put(sk);
	return true;
}

/*
 * The listener TCP would hand the segment to; RCU-protected, no reference.
 * As in tcp_v4_rcv(), skb->data sits at the TCP header during the lookup
 * and the header length is what a reuseport program skips to the payload.
 */
static struct sock *lab_sc_listener(const struct lab_sc_seg *s)
{
	struct sk_buff *skb = s->skb;
	struct sock *sk;

	__skb_pull(skb, s->thoff);
	if (IS_ENABLED(CONFIG_IPV6) && s->v6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		sk = inet6_lookup_listener(s->net, skb, s->thlen,
					       &ip6h->saddr, s->th->source,
					       &ip6h->daddr, ntohs(s->th->dest),
					       inet6_iif(skb), inet6_sdif(skb));
	} else {
		const struct iphdr *iph = ip_hdr(skb);

		sk = __inet_lookup_listener(s->net, skb, s->thlen,
					      iph->saddr, s->th->source,
					      iph->daddr, ntohs(s->th->dest),
					      inet_iif(skb), inet_sdif(skb));
	}
	__skb_push(skb, s->thoff);
	if (!sk || sk->sk_state != TCP_LISTEN)
		return NULL;
	return sk;
}

static bool lab_sc_has_keys(const struct sock *lsk)
{
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tcp_sk(lsk)->md5sig_info))
		return true;
#endif
#ifdef CONFIG_TCP_AO
	if (rcu_access_pointer(tcp_sk(lsk)->ao_info))
		return true;
#endif
	return false;
}

/*
 * Would TCP drop this SYN between the listener lookup and the SYN queue,
 * or is that its call alone? The reason to pass it on, or
 * TCP_LAB_NCOUNTERS to answer it. See the comment at the top.
 */
static enum tcp_lab_counter lab_sc_refused(const struct lab_sc_seg *s,
					   struct sock *lsk)
{
	struct sk_buff *skb = s->skb;

	if (IS_ENABLED(CONFIG_IPV6) && s->v6) {
#if IS_ENABLED(CONFIG_IPV6)
		if (ipv6_hdr(skb)->hop_limit <
		    READ_ONCE(inet6_sk(lsk)->min_hopcount))
			return TCP_LAB_SC_SYN_PASS_MINTTL;
		if (!xfrm6_policy_check(lsk, XFRM_POLICY_IN, skb))
			return TCP_LAB_SC_SYN_PASS_IPSEC;
#endif
	} else {
		if (ip_hdr(skb)->ttl < READ_ONCE(inet_sk(lsk)->min_ttl))
			return TCP_LAB_SC_SYN_PASS_MINTTL;
		if (!xfrm4_policy_check(lsk, XFRM_POLICY_IN, skb))
			return TCP_LAB_SC_SYN_PASS_IPSEC;
	}
	if (lab_sc_has_keys(lsk))
		return TCP_LAB_SC_SYN_PASS_KEYED;
	if (rcu_access_pointer(lsk->sk_filter))
		return TCP_LAB_SC_SYN_PASS_FILTER;
	return TCP_LAB_NCOUNTERS;
}

/* TCP itself drops SYNs to broadcast or multicast, or from mapped IPv4. */
static bool lab_sc_unicast(const struct lab_sc_seg *s)
{
	struct sk_buff *skb = s->skb;

	if (skb->pkt_type != PACKET_HOST)
		return false;
	if (IS_ENABLED(CONFIG_IPV6) && s->v6)
		return ipv6_unicast_destination(skb) &&
		       !ipv6_addr_v4mapped(&ipv6_hdr(skb)->saddr);
	return !(skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
}

static bool lab_sc_csum_ok(const struct lab_sc_seg *s)
{
	if (IS_ENABLED(CONFIG_IPV6) && s->v6)
		return !nf_ip6_checksum(s->skb, s->state->hook, s->thoff,
					IPPROTO_TCP);
	return !nf_ip_checksum(s->skb, s->state->hook, s->thoff, IPPROTO_TCP);
}

static u32 lab_sc_cookie(const struct lab_sc_seg *s, u16 *mss)
{
	if (IS_ENABLED(CONFIG_IPV6) && s->v6)
		return __cookie_v6_init_sequence(ipv6_hdr(s->skb), s->th, mss);
	return __cookie_v4_init_sequence(ip_hdr(s->skb), s->th, mss);
}

/* The MSS the cookie in this ACK encodes, 0 if it is not one of ours. */
static int lab_sc_cookie_check(const struct lab_sc_seg *s)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (s->v6)
		return __cookie_v6_check(ipv6_hdr(s->skb), s->th);
#endif
	return __cookie_v4_check(ip_hdr(s->skb), s->th);
}

/* The per-flow timestamp offset TCP gives this connection, seen from us. */
static u32 lab_sc_ts_off(const struct lab_sc_seg *s)
{
	if (IS_ENABLED(CONFIG_IPV6) && s->v6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(s->skb);

		return secure_tcpv6_seq_and_ts_off(s->net,
						   ip6h->daddr.s6_addr32,
						   ip6h->saddr.s6_addr32,
						   s->th->dest,
						   s->th->source).ts_off;
	}
	return secure_tcp_seq_and_ts_off(s->net, ip_hdr(s->skb)->daddr,
					 ip_hdr(s->skb)->saddr, s->th->dest,
					 s->th->source).ts_off;
}

static void lab_sc_cfg(const struct net *net, struct lab_cookie_cfg *cfg)
{
	cfg->timestamps = READ_ONCE(net->ipv4.sysctl_tcp_timestamps);
	cfg->sack = READ_ONCE(net->ipv4.sysctl_tcp_sack);
	cfg->window_scaling = READ_ONCE(net->ipv4.sysctl_tcp_window_scaling);
}

/*
 * Route back to the client the way the listener's SYN-ACK would go.
 * Mirrors inet_csk_route_req() and inet6_csk_route_req()
 * (net/ipv4/inet_connection_sock.c, net/ipv6/inet6_connection_sock.c,
 * 6.1-6.18), which route a request sock: the hook makes none.
 */
static struct dst_entry *lab_sc_route_v4(const struct lab_sc_seg *s,
					 struct sock *lsk)
{
	const struct iphdr *iph = ip_hdr(s->skb);
	struct flowi4 fl4;
	struct rtable *rt;

	flowi4_init_output(&fl4, inet_request_bound_dev_if(lsk, s->skb),
			   inet_request_mark(lsk, s->skb), ip_sock_rt_tos(lsk),
			   RT_SCOPE_UNIVERSE, IPPROTO_TCP,
			   inet_sk_flowi_flags(lsk), iph->saddr, iph->daddr,
			   s->th->source, s->th->dest, lsk->sk_uid);
	rt = ip_route_output_flow(s->net, &fl4, lsk);
	if (IS_ERR(rt))
		return ERR_CAST(rt);
	return &rt->dst;
}

static struct dst_entry *lab_sc_route_v6(const struct lab_sc_seg *s,
					 struct sock *lsk)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(s->skb);
	struct flowi6 fl6 = {};

	fl6.flowi6_proto = IPPROTO_TCP;
	fl6.daddr = ip6h->saddr;
	fl6.saddr = ip6h->daddr;
	fl6.fl6_dport = s->th->source;
	fl6.fl6_sport = s->th->dest;
	fl6.flowi6_oif = inet_request_bound_dev_if(lsk, s->skb);
	/* A link-local peer is only reachable where it came from. */
	if (!fl6.flowi6_oif &&
	    (ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL))
		fl6.flowi6_oif = inet6_iif(s->skb);
	fl6.flowi6_mark = inet_request_mark(lsk, s->skb);
	fl6.flowi6_uid = lsk->sk_uid;
	return ip6_dst_lookup_flow(s->net, lsk, &fl6, NULL);
}

/*
 * Everything the SYN-ACK says. The window scale and window are what the
 * listener will compute again from the same inputs when the cookie returns,
 * so both ends agree on how the window field is scaled.
 */
static void lab_sc_plan(const struct lab_sc_seg *s, struct sock *lsk,
			const struct lab_tcp_opts *syn, u16 cookie_mss,
			const struct dst_entry *dst, struct lab_sc_synack *a)
{
	const struct tcphdr *th = s->th;
	struct net *net = s->net;
	struct lab_window_in win = {};
	struct lab_cookie_cfg cfg;
	u8 dsfield;
	bool ecn;

	lab_sc_cfg(net, &cfg);
	/* An ECN-setup SYN (RFC 3168 6.1.1) the namespace or route accepts. */
	dsfield = s->v6 ? ipv6_get_dsfield(ipv6_hdr(s->skb)) :
			  ipv4_get_dsfield(ip_hdr(s->skb));
	ecn = th->ece && th->cwr &&
	      (INET_ECN_is_not_ect(dsfield) || th->res1) &&
	      (READ_ONCE(net->ipv4.sysctl_tcp_ecn) ||
	       dst_feature(dst, RTAX_FEATURE_ECN));
	a->offer = lab_cookie_offer_of(syn, &cfg, ecn);

	if (a->offer.ts) {
		u32 now_ms = div_u64(tcp_clock_ns(), NSEC_PER_MSEC);

		a->tsval = lab_cookie_tsval(now_ms,
					    lab_cookie_ts_bits(&a->offer)) +
			   lab_sc_ts_off(s);
		a->tsecr = syn->tsval;
	}

	a->mss = tcp_mss_clamp(tcp_sk(lsk), tcp_dst_advmss(dst));

	win.full_space = tcp_full_space(lsk);
	win.mss = cookie_mss;
	win.window_clamp = READ_ONCE(tcp_sk(lsk)->window_clamp) ? :
			   dst_metric(dst, RTAX_WINDOW);
	if ((lsk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    (win.window_clamp > (u32)win.full_space || !win.window_clamp))
		win.window_clamp = win.full_space;
	win.init_rcv_wnd = dst_metric(dst, RTAX_INITRWND);
	win.rmem_max = READ_ONCE(sysctl_rmem_max);
	win.tcp_rmem2 = READ_ONCE(net->ipv4.sysctl_tcp_rmem[2]);
	win.signed_windows =
		READ_ONCE(net->ipv4.sysctl_tcp_workaround_signed_windows);
	win.wscale_ok = a->offer.wscale_ok;
	a->win = lab_initial_window(&win);
}

/* The TCP part of the SYN-ACK, in a fresh skb with room for the rest. */
static struct sk_buff *lab_sc_build_tcp(const struct lab_sc_seg *s,
					const struct lab_sc_synack *a)
{
	u8 opts[LAB_SYNACK_MAX_OPTLEN];
	unsigned int optlen, len;
	struct sk_buff *nskb;
	struct tcphdr *th;

	optlen = lab_synack_opts_write(opts, a->mss, &a->offer, a->tsval,
				       a->tsecr, a->win.rcv_wscale);
	len = sizeof(*th) + optlen;
	nskb = alloc_skb(MAX_TCP_HEADER + len, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, MAX_TCP_HEADER);
	th = skb_put_zero(nskb, len);
	skb_reset_transport_header(nskb);
	th->source = s->th->dest;
	th->dest = s->th->source;
	th->seq = htonl(a->isn);
	th->ack_seq = htonl(ntohl(s->th->seq) + 1);
	th->doff = len / 4;
	th->syn = 1;
	th->ack = 1;
	th->ece = a->offer.ecn;
	th->window = htons(a->win.window);
	memcpy(th + 1, opts, optlen);
	/*
	 * A flow hash, random as tcp_conn_request() gives each request sock
	 * and tcp_make_synack() sets it (6.1-6.18): without one, RPS or XPS on
	 * the way out runs the flow dissector on every SYN-ACK.
	 */
	skb_set_hash(nskb, net_tx_rndhash(), PKT_HASH_TYPE_L4);
	return nskb;
}

/*
 * Send the SYN-ACK. Mirrors ip_build_and_send_pkt() and
 * ip6_xmit() as tcp_v4_send_synack() and tcp_v6_send_synack() call them
 * (6.1-6.18): those take the request sock's addresses and IP options.
 */
static void lab_sc_xmit_v4(const struct lab_sc_seg *s, struct sock *lsk,
			   struct sk_buff *nskb, struct dst_entry *dst)
{
	const struct iphdr *in = ip_hdr(s->skb);
	struct tcphdr *th = tcp_hdr(nskb);
	unsigned int len = nskb->len;
	struct iphdr *iph;

	iph = skb_push(nskb, sizeof(*iph));
	skb_reset_network_header(nskb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = ip_sock_rt_tos(lsk);
	/* DF with ID 0, as the kernel sends a listener's SYN-ACK. */
	iph->frag_off = htons(IP_DF);
	iph->id = 0;
	iph->ttl = ip4_dst_hoplimit(dst);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = in->daddr;
	iph->daddr = in->saddr;
	th->check = tcp_v4_check(len, iph->saddr, iph->daddr,
				 csum_partial(th, len, 0));
	nskb->protocol = htons(ETH_P_IP);
	nskb->mark = inet_request_mark(lsk, s->skb);
	skb_dst_set(nskb, dst);
	/* No conntrack entry for a connection that does not exist yet. */
	nf_ct_set(nskb, NULL, IP_CT_UNTRACKED);
	ip_local_out(s->net, NULL, nskb);
}

static void lab_sc_xmit_v6(const struct lab_sc_seg *s, struct sock *lsk,
			   struct sk_buff *nskb, struct dst_entry *dst)
{
	const struct ipv6hdr *in = ipv6_hdr(s->skb);
	struct tcphdr *th = tcp_hdr(nskb);
	unsigned int len = nskb->len;
	struct ipv6hdr *ip6h;

	ip6h = skb_push(nskb, sizeof(*ip6h));
	skb_reset_network_header(nskb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = IPPROTO_TCP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = in->daddr;
	ip6h->daddr = in->saddr;
	th->check = tcp_v6_check(len, &ip6h->saddr, &ip6h->daddr,
				 csum_partial(th, len, 0));
	nskb->protocol = htons(ETH_P_IPV6);
	nskb->mark = inet_request_mark(lsk, s->skb);
	skb_dst_set(nskb, dst);
	nf_ct_set(nskb, NULL, IP_CT_UNTRACKED);
	ip6_local_out(s->net, NULL, nskb);
}

/*
 * Answer the SYN with a cookie. Fails only before anything is sent (no
 * route, no memory), so the caller can still hand the SYN to the listener.
 */
static int lab_sc_send_synack(const struct lab_sc_seg *s, struct sock *lsk,
			      const struct lab_tcp_opts *syn)
{
	u16 dflt = s->v6 ? LAB_SC_MSS_DEFAULT_V6 : LAB_SC_MSS_DEFAULT_V4;
	struct lab_sc_synack a = {};
	struct dst_entry *dst;
	struct sk_buff *nskb;
	u16 mss;

	if (IS_ENABLED(CONFIG_IPV6) && s->v6)
		dst = lab_sc_route_v6(s, lsk);
	else
		dst = lab_sc_route_v4(s, lsk);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	/* Rounded down to the MSS the cookie can encode, as the kernel does. */
	mss = lab_syn_mss(syn->mss, READ_ONCE(tcp_sk(lsk)->rx_opt.user_mss),
			  dflt);
	a.isn = lab_sc_cookie(s, &mss);
	lab_sc_plan(s, lsk, syn, mss, dst, &a);

	nskb = lab_sc_build_tcp(s, &a);
	if (!nskb) {
		dst_release(dst);
		return -ENOMEM;
	}
	/* Without this mark the listener would refuse the returning cookie. */
	tcp_synq_overflow(lsk);

	if (IS_ENABLED(CONFIG_IPV6) && s->v6)
		lab_sc_xmit_v6(s, lsk, nskb, dst);
	else
		lab_sc_xmit_v4(s, lsk, nskb, dst);
	return 0;
}

/*
 * A segment that is ours: its header and options linear in the skb, as
 * TCP will have them (and as its listener lookup wants them), s->th
 * pointing there. Fails only without memory.
 */
static bool lab_sc_linearize(struct lab_sc_seg *s)
{
	if (!pskb_may_pull(s->skb, s->thoff + s->thlen))
		return false;
	s->th = (const struct tcphdr *)(s->skb->data + s->thoff);
	return true;
}

/* Mode 1: engage once the SYN queue holds threshold percent of its room. */
static bool lab_sc_under_pressure(const struct tcp_lab_net *ln,
				  const struct sock *lsk)
{
	u64 max = READ_ONCE(lsk->sk_max_ack_backlog);
	u64 qlen = inet_csk_reqsk_queue_len(lsk);

	return qlen * 100 >= max * READ_ONCE(ln->sc.threshold);
}

static unsigned int lab_sc_syn(struct lab_sc_seg *s, int mode)
{
	const struct tcphdr *th = s->th;
	enum tcp_lab_counter why;
	struct lab_tcp_opts opts;
	struct sock *lsk;

	lab_sc_inc(s, TCP_LAB_SC_SYN_SEEN);
	/* TCP discards these itself. */
	if (th->rst || th->fin)
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_MALFORMED);
	if (!lab_sc_protected(s->ln, th->dest))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_UNPROTECTED);
	if (!lab_sc_linearize(s))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_ERROR);
	th = s->th;
	if (!lab_sc_unicast(s))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_NOT_LOCAL);
	/*
	 * The stack may still drop or forward it: its call, not ours. Before
	 * the checksum, which covers the final destination a routing header
	 * has not put in place yet.
	 */
	if (s->v6_late_exthdrs)
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_EXTHDR);
	if (!lab_sc_csum_ok(s))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_MALFORMED);
	/*
	 * TCP would read the options up to the bad one and queue the SYN; no
	 * conforming stack sends this, and passing it would let a flood
	 * around the cookies.
	 */
	if (lab_tcp_parse_opts((const u8 *)(th + 1), s->thlen - sizeof(*th),
			       &opts)) {
		lab_sc_inc(s, TCP_LAB_SC_SYN_DROPPED);
		return NF_DROP;
	}
	/* Our SYN-ACK could not carry the signature the client expects. */
	if (opts.is_signed)
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_SIGNED);
	if (!READ_ONCE(s->net->ipv4.sysctl_tcp_syncookies))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_KERNEL_OFF);
	if (lab_sc_owned(s))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_EXISTING);
	lsk = lab_sc_listener(s);
	if (!lsk)
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_NO_LISTENER);
	why = lab_sc_refused(s, lsk);
	if (why != TCP_LAB_NCOUNTERS)
		return lab_sc_pass(s, why);
	if (mode == TCP_LAB_SYNCOOKIE_PRESSURE &&
	    !lab_sc_under_pressure(s->ln, lsk))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_BELOW_THRESHOLD);
	/* TCP drops SYNs while accept() lags, cookies or not; so do we. */
	if (sk_acceptq_is_full(lsk))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_ACCEPTQ_FULL);
	if (lab_sc_send_synack(s, lsk, &opts))
		return lab_sc_pass(s, TCP_LAB_SC_SYN_PASS_ERROR);

	lab_sc_inc(s, TCP_LAB_SC_SYNACK_SENT);
	consume_skb(s->skb);
	return NF_STOLEN;
}

/*
 * An ACK no socket owns, on its way to a listener: the third packet of a
 * cookie handshake, or something else the listener will answer with a
 * reset. Judge it as the listener will, so that valid means the listener
 * builds a connection from it.
 */
static unsigned int lab_sc_ack(struct lab_sc_seg *s)
{
	const struct tcphdr *th = s->th;
	struct lab_cookie_cfg cfg;
	struct lab_tcp_opts opts;
	struct sock *lsk;
	u32 ts_off = 0;
	bool valid;

	if (!lab_sc_protected(s->ln, th->dest) || s->v6_late_exthdrs ||
	    !lab_sc_linearize(s))
		return NF_ACCEPT;
	th = s->th;
	/* The listener takes no cookie now: not ours to judge. */
	if (!READ_ONCE(s->net->ipv4.sysctl_tcp_syncookies))
		return NF_ACCEPT;
	if (lab_sc_owned(s))
		return NF_ACCEPT;
	lsk = lab_sc_listener(s);
	if (!lsk)
		return NF_ACCEPT;
	if (!lab_sc_csum_ok(s)) {
		lab_sc_inc(s, TCP_LAB_SC_MALFORMED);
		return NF_ACCEPT;
	}

	/* Like TCP, use what parses before a bad option. */
	lab_tcp_parse_opts((const u8 *)(th + 1), s->thlen - sizeof(*th), &opts);
	lab_sc_cfg(s->net, &cfg);
	/* TCP reads no timestamp on a listener with timestamps off. */
	if (!cfg.timestamps)
		opts.has_ts = false;

	valid = !tcp_synq_no_recent_overflow(lsk) && lab_sc_cookie_check(s);
	if (valid && opts.has_ts && opts.tsecr)
		ts_off = lab_sc_ts_off(s);
	if (valid && lab_cookie_ts_acceptable(&opts, ts_off, &cfg)) {
		lab_sc_inc(s, TCP_LAB_SC_ACK_VALID);
		/* Else TCP counts a listen overflow and drops it. */
		if (!sk_acceptq_is_full(lsk))
			lab_sc_inc(s, TCP_LAB_SC_ESTABLISHED);
		return NF_ACCEPT;
	}

	lab_sc_inc(s, TCP_LAB_SC_ACK_INVALID);
	if (READ_ONCE(s->ln->sc.drop_invalid)) {
		lab_sc_inc(s, TCP_LAB_SC_ACK_INVALID_DROPPED);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

#if IS_ENABLED(CONFIG_IPV6)
/*
 * IPv6 reaches LOCAL_IN before reassembly. A SYN split into fragments
 * would reach the listener whole, around the hook; conforming stacks never
 * fragment a SYN, so such a first fragment is dropped. The rest pass.
 */
static unsigned int lab_sc_fragment(struct lab_sc_seg *s, __be16 frag_off)
{
	const struct tcphdr *th;

	lab_sc_inc(s, TCP_LAB_SC_FRAGMENTS);
	if (frag_off & htons(IP6_OFFSET))
		return NF_ACCEPT;
	th = skb_header_pointer(s->skb, s->thoff, sizeof(*th), &s->buf);
	if (!th || !th->syn || th->ack || !lab_sc_protected(s->ln, th->dest))
		return NF_ACCEPT;
	lab_sc_inc(s, TCP_LAB_SC_SYN_SEEN);
	lab_sc_inc(s, TCP_LAB_SC_SYN_DROPPED);
	return NF_DROP;
}
#endif

static unsigned int lab_sc_segment(struct lab_sc_seg *s, int mode)
{
	struct sk_buff *skb = s->skb;
	const struct tcphdr *th;

	th = skb_header_pointer(skb, s->thoff, sizeof(*th), &s->buf);
	if (!th) {
		const __be16 *ports;

		/* Too short to be TCP; TCP drops it. Count it if ours. */
		ports = skb_header_pointer(skb, s->thoff, 2 * sizeof(__be16),
					   &s->buf);
		if (ports && lab_sc_protected(s->ln, ports[1]))
			lab_sc_inc(s, TCP_LAB_SC_MALFORMED);
		return NF_ACCEPT;
	}
	s->thlen = th->doff * 4;
	if (s->thlen < sizeof(*th) || s->thlen > skb->len - s->thoff) {
		if (lab_sc_protected(s->ln, th->dest))
			lab_sc_inc(s, TCP_LAB_SC_MALFORMED);
		return NF_ACCEPT;
	}
	/* The fixed header only, until the segment turns out to be ours. */
	s->th = th;

	if (s->th->syn && !s->th->ack)
		return lab_sc_syn(s, mode);
	if (s->th->ack && !s->th->syn && !s->th->rst)
		return lab_sc_ack(s);
	return NF_ACCEPT;
}

static unsigned int lab_sc_hook_v4(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(state->net);
	int mode = READ_ONCE(ln->sc.mode);
	struct lab_sc_seg s;

	if (mode == TCP_LAB_SYNCOOKIE_OFF || ip_hdr(skb)->protocol != IPPROTO_TCP)
		return NF_ACCEPT;

	s.net = state->net;
	s.ln = ln;
	s.skb = skb;
	s.state = state;
	s.v6 = false;
	s.v6_late_exthdrs = false;
	s.thoff = skb_network_offset(skb) + ip_hdrlen(skb);
	return lab_sc_segment(&s, mode);
}

#if IS_ENABLED(CONFIG_IPV6)
/*
 * Hop-by-hop options are processed before PRE_ROUTING, and an atomic
 * fragment header (offset 0, no more fragments) only says so; any other
 * extension header (routing, destination options, AH) is processed after
 * LOCAL_IN, and the stack may then drop the packet (an unknown routing type
 * with segments left, SRH or RPL while they are off, a destination option
 * whose type says discard, AH without a matching SA) or forward it. Such a
 * SYN is left to the stack, and to the kernel's own cookies, rather than
 * answered here.
 */
static bool lab_sc_v6_late_exthdrs(const struct sk_buff *skb, int thoff)
{
	int start = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	int off = start;

	while (off < thoff) {
		const struct ipv6_opt_hdr *hp;
		struct ipv6_opt_hdr _hp;

		hp = skb_header_pointer(skb, off, sizeof(_hp), &_hp);
		if (!hp)
			return true;
		if (nexthdr == NEXTHDR_HOP && off == start)
			off += ipv6_optlen(hp);
		else if (nexthdr == NEXTHDR_FRAGMENT)
			off += sizeof(struct frag_hdr);
		else
			return true;
		nexthdr = hp->nexthdr;
	}
	return false;
}

static unsigned int lab_sc_hook_v6(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(state->net);
	int mode = READ_ONCE(ln->sc.mode);
	struct lab_sc_seg s;
	__be16 frag_off;
	u8 nexthdr;
	int thoff;

	if (mode == TCP_LAB_SYNCOOKIE_OFF)
		return NF_ACCEPT;

	nexthdr = ipv6_hdr(skb)->nexthdr;
	thoff = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
				 sizeof(struct ipv6hdr), &nexthdr, &frag_off);
	if (thoff < 0)
		return NF_ACCEPT;
	if (nexthdr == NEXTHDR_FRAGMENT) {
		/* A later fragment: is it a piece of TCP? */
		struct frag_hdr _fh;
		const struct frag_hdr *fh;

		fh = skb_header_pointer(skb, thoff, sizeof(_fh), &_fh);
		if (!fh || fh->nexthdr != IPPROTO_TCP)
			return NF_ACCEPT;
	} else if (nexthdr != IPPROTO_TCP) {
		return NF_ACCEPT;
	}

	s.net = state->net;
	s.ln = ln;
	s.skb = skb;
	s.state = state;
	s.v6 = true;
	s.thoff = thoff;
	if (frag_off)
		return lab_sc_fragment(&s, frag_off);
	s.v6_late_exthdrs = lab_sc_v6_late_exthdrs(skb, thoff);
	return lab_sc_segment(&s, mode);
}
#endif

/*
 * Where: see TCP_LAB_PRI_SYNCOOKIE_* in tcp_lab.h. Before conntrack
 * confirms the SYN's entry, which then dies with the consumed SYN instead
 * of filling the table.
 */
static const struct nf_hook_ops lab_sc_ops[] = {
	{
		.hook		= lab_sc_hook_v4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= TCP_LAB_PRI_SYNCOOKIE_V4,
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.hook		= lab_sc_hook_v6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= TCP_LAB_PRI_SYNCOOKIE_V6,
	},
#endif
};

/*
 * Hooks exist only in namespaces where the mode is on. sysctl.c writes the
 * new mode, then calls this: a hook being registered already finds the mode
 * on, and one about to go already sees it off, so no hook acts on a
 * half-made change.
 */
int tcp_lab_syncookie_apply(struct tcp_lab_net *ln)
{
	struct net *net = tcp_lab_net_of(ln);
	bool on = ln->sc.mode != TCP_LAB_SYNCOOKIE_OFF;
	int err;

	lockdep_assert_held(&ln->mutex);
	if (on && !ln->sc.hooked) {
		err = nf_register_net_hooks(net, lab_sc_ops,
					    ARRAY_SIZE(lab_sc_ops));
		if (err)
			return err;
		ln->sc.hooked = true;
		if (!READ_ONCE(net->ipv4.sysctl_tcp_syncookies))
			pr_notice_ratelimited("tcp_lab: net.ipv4.tcp_syncookies is 0 in this namespace: the SYN-cookie hook lets SYNs through until it is set\n");
	} else if (!on && ln->sc.hooked) {
		nf_unregister_net_hooks(net, lab_sc_ops, ARRAY_SIZE(lab_sc_ops));
		ln->sc.hooked = false;
	}
	return 0;
}

int tcp_lab_syncookie_init(struct tcp_lab_net *ln)
{
	/* Charged to the creator of the namespace, like the rest of it. */
	ln->sc.ports = bitmap_zalloc(TCP_LAB_NPORTS, GFP_KERNEL_ACCOUNT);
	return ln->sc.ports ? 0 : -ENOMEM;
}

/* The namespace's sysctls are gone: nothing turns the hooks on again. */
void tcp_lab_syncookie_exit(struct tcp_lab_net *ln)
{
	mutex_lock(&ln->mutex);
	WRITE_ONCE(ln->sc.mode, TCP_LAB_SYNCOOKIE_OFF);
	tcp_lab_syncookie_apply(ln);
	mutex_unlock(&ln->mutex);
	bitmap_free(ln->sc.ports);
}
