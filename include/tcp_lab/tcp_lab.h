/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core of tcp_lab.ko shared by its files: the per-namespace state, in
 * which each feature's own state (module/cc.h, syncookie.h, timewait.h) is
 * embedded, the counters, and the order of the netfilter hooks.
 */
#ifndef _TCP_LAB_H
#define _TCP_LAB_H

#include <linux/mutex.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "cc.h"
#include "syncookie.h"
#include "timewait.h"

/*
 * Counters shown in /proc/net/tcp_lab, one "name value" line each, grouped
 * by feature in this order (names in stats.c). Scripts read them by name.
 */
enum tcp_lab_counter {
	/* congestion control (cc_reno.c, cc_cubic.c) */
	TCP_LAB_CC_INIT,		/* connections started with a lab_ algorithm */
	TCP_LAB_CC_LOSS_REDUCTIONS,	/* ssthresh computed for a loss or ECN */
	TCP_LAB_CC_UNDOS,		/* reductions undone as spurious */
	TCP_LAB_HSPP_CSS_ENTRIES,	/* HyStart++: RTT rose, CSS entered */
	TCP_LAB_HSPP_CSS_RETURNS,	/* HyStart++: RTT fell back, SS again */
	TCP_LAB_HSPP_SS_EXITS,		/* HyStart++: CSS done, slow start over */
	/*
	 * lab_cubic: what ended a connection's first slow start, in enum
	 * tcp_lab_ss_exit order (cc_info.h), one count per connection.
	 */
	TCP_LAB_CUBIC_SS_EXIT_LOSS,
	TCP_LAB_CUBIC_SS_EXIT_RTO,
	TCP_LAB_CUBIC_SS_EXIT_ACK_TRAIN,
	TCP_LAB_CUBIC_SS_EXIT_DELAY,
	TCP_LAB_CUBIC_SS_EXIT_CSS,
	TCP_LAB_CUBIC_SS_EXIT_SSTHRESH,
	/* SYN-cookie hook (syncookie.c); README.md says what each one means */
	TCP_LAB_SC_SYN_SEEN,
	TCP_LAB_SC_SYNACK_SENT,
	TCP_LAB_SC_SYN_PASS_UNPROTECTED,
	TCP_LAB_SC_SYN_PASS_NOT_LOCAL,
	TCP_LAB_SC_SYN_PASS_MALFORMED,
	TCP_LAB_SC_SYN_PASS_SIGNED,
	TCP_LAB_SC_SYN_PASS_KERNEL_OFF,
	TCP_LAB_SC_SYN_PASS_EXISTING,
	TCP_LAB_SC_SYN_PASS_NO_LISTENER,
	TCP_LAB_SC_SYN_PASS_BELOW_THRESHOLD,
	TCP_LAB_SC_SYN_PASS_ACCEPTQ_FULL,
	TCP_LAB_SC_SYN_PASS_ERROR,
	TCP_LAB_SC_SYN_PASS_EXTHDR,	/* IPv6 SYN with late extension headers */
	/* SYNs left to TCP, which drops or judges them itself */
	TCP_LAB_SC_SYN_PASS_MINTTL,	/* below IP_MINTTL / IPV6_MINHOPCOUNT */
	TCP_LAB_SC_SYN_PASS_IPSEC,	/* refused by the inbound IPsec policy */
	TCP_LAB_SC_SYN_PASS_KEYED,	/* listener with TCP-MD5 or TCP-AO keys */
	TCP_LAB_SC_SYN_PASS_FILTER,	/* listener with a socket filter */
	TCP_LAB_SC_SYN_DROPPED,
	TCP_LAB_SC_ACK_VALID,
	TCP_LAB_SC_ACK_INVALID,
	TCP_LAB_SC_ACK_INVALID_DROPPED,
	TCP_LAB_SC_ESTABLISHED,
	TCP_LAB_SC_MALFORMED,
	TCP_LAB_SC_FRAGMENTS,
	/* TIME_WAIT experiments (timewait.c) */
	/* Segments reaching a TIME_WAIT socket, in enum lab_tw_kind order. */
	TCP_LAB_TW_SYN,
	TCP_LAB_TW_RST,
	TCP_LAB_TW_FIN,
	TCP_LAB_TW_ACK,
	TCP_LAB_TW_DATA,
	/* The same for timewait sockets in the FIN_WAIT2 substate. */
	TCP_LAB_TW_FW2_SYN,
	TCP_LAB_TW_FW2_RST,
	TCP_LAB_TW_FW2_FIN,
	TCP_LAB_TW_FW2_ACK,
	TCP_LAB_TW_FW2_DATA,
	TCP_LAB_TW_RST_DROPPED,		/* RSTs dropped by tw_rst_policy */
	TCP_LAB_TW_RECYCLE_DROPPED,	/* SYNs dropped by tw_recycle */
	TCP_LAB_TW_RECYCLE_LEARNED,	/* peer timestamps stored or raised */
	TCP_LAB_TW_RECYCLE_EVICTED,	/* peers forgotten to make room */
	TCP_LAB_TW_RECYCLE_FULL,	/* peers not remembered: no room */
	TCP_LAB_TW_TIMEOUT_KILLED,	/* TIME_WAIT ended by tw_timeout_ms */
	TCP_LAB_TW_SWEEPS,		/* tw_timeout_ms sweep runs that scanned */
	TCP_LAB_TW_SWEEP_BUCKETS,	/* established-hash buckets they scanned */
	TCP_LAB_TW_CSUM_ERRORS,		/* bad checksums, left to TCP */
	TCP_LAB_NCOUNTERS
};

struct tcp_lab_stats {
	unsigned long cnt[TCP_LAB_NCOUNTERS];
};

/*
 * Per network namespace state. The int fields of each feature's part are
 * the sysctls under net.tcp_lab.*: written from process context under
 * @mutex, read locklessly with READ_ONCE() where packets or ACKs are
 * handled. @mutex also guards what a write sets going (hooks, tables,
 * the sweep); no other namespace ever waits for it.
 */
struct tcp_lab_net {
	possible_net_t net;
	struct ctl_table_header *sysctl_hdr;
	struct tcp_lab_stats __percpu *stats;
	struct mutex mutex;
	struct tcp_lab_cc_net cc;
	struct tcp_lab_sc_net sc;
	struct tcp_lab_tw_net tw;
};

extern unsigned int tcp_lab_net_id;

static inline struct tcp_lab_net *tcp_lab_pernet(const struct net *net)
{
	return net_generic(net, tcp_lab_net_id);
}

static inline struct net *tcp_lab_net_of(const struct tcp_lab_net *ln)
{
	return read_pnet(&ln->net);
}

static inline void tcp_lab_inc(const struct net *net, enum tcp_lab_counter c)
{
	this_cpu_inc(tcp_lab_pernet(net)->stats->cnt[c]);
}

static inline void tcp_lab_add(const struct net *net, enum tcp_lab_counter c,
			       unsigned long n)
{
	this_cpu_add(tcp_lab_pernet(net)->stats->cnt[c], n);
}

/*
 * Where the hooks sit at LOCAL_IN: after the filter and security tables
 * and input SNAT (the administrator's rules have had their say, addresses
 * are the ones sockets see, IPv4 fragments are reassembled) and before
 * conntrack confirms an entry. The SYN-cookie hook comes first: a SYN it
 * answers with a cookie never reaches tw_recycle's check, as in the removed
 * code, where tcp_conn_request() (4.11 and before) ran the per-peer
 * timestamp check only when it was not sending a cookie. The TIME_WAIT hook
 * then sees what the SYN-cookie hook passed: segments for existing sockets
 * and the SYNs the stack will queue.
 */
#define TCP_LAB_PRI_SYNCOOKIE_V4	(NF_IP_PRI_NAT_SRC + 1)
#define TCP_LAB_PRI_SYNCOOKIE_V6	(NF_IP6_PRI_NAT_SRC + 1)
#define TCP_LAB_PRI_TIMEWAIT_V4		(NF_IP_PRI_NAT_SRC + 2)
#define TCP_LAB_PRI_TIMEWAIT_V6		(NF_IP6_PRI_NAT_SRC + 2)

/* sysctl.c */
int tcp_lab_sysctl_init(struct net *net, struct tcp_lab_net *ln);
void tcp_lab_sysctl_exit(struct tcp_lab_net *ln);

/* stats.c */
int tcp_lab_stats_init(struct net *net, struct tcp_lab_net *ln);
void tcp_lab_stats_exit(struct net *net, struct tcp_lab_net *ln);

#endif /* _TCP_LAB_H */
