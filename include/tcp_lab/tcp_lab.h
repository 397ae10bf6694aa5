/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the files of tcp_lab.ko.
 */
#ifndef _TCP_LAB_H
#define _TCP_LAB_H

#include <linux/percpu.h>
#include <linux/sysctl.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/*
 * Counters shown in /proc/net/tcp_lab, one "name value" line each, in this
 * order (names in stats.c). Append only: scripts read them by name.
 */
enum tcp_lab_counter {
	TCP_LAB_CC_INIT,		/* connections started with a lab_ algorithm */
	TCP_LAB_CC_LOSS_REDUCTIONS,	/* ssthresh computed for a loss or ECN */
	TCP_LAB_CC_UNDOS,		/* reductions undone as spurious */
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
	TCP_LAB_TW_CSUM_ERRORS,		/* bad checksums, left to TCP */
	TCP_LAB_NCOUNTERS
};

struct tcp_lab_stats {
	unsigned long cnt[TCP_LAB_NCOUNTERS];
};

/*
 * Per network namespace state. The int fields are the sysctls under
 * net.tcp_lab.*: written from process context, read locklessly with
 * READ_ONCE() where packets or ACKs are handled.
 */
struct tcp_lab_net {
	possible_net_t net;		/* for sysctl handlers, which get only ln */
	struct ctl_table_header *sysctl_hdr;
	struct tcp_lab_stats __percpu *stats;

	int reno_beta;		/* 1/1024 units */
	int init_ssthresh;	/* segments, 0 = kernel default */

	/* TIME_WAIT experiments (timewait.c) */
	int tw_observe;			/* 0/1 */
	int tw_rst_policy;		/* 0 kernel, 1 drop RSTs (RFC 1337) */
	int tw_recycle;			/* 0/1 */
	int tw_recycle_max_peers;	/* entries */
	int tw_recycle_expiry_s;	/* seconds */
	int tw_timeout_ms;		/* ms, 0 = kernel's 60 s */
	/* Changed only under timewait.c's mutex. */
	bool tw_hooks_on;
	struct lab_tw_peers __rcu *tw_peers;
	struct delayed_work tw_reaper;
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

/* sysctl.c */
extern const struct tcp_lab_net tcp_lab_defaults;
int tcp_lab_sysctl_init(struct net *net, struct tcp_lab_net *ln);
void tcp_lab_sysctl_exit(struct tcp_lab_net *ln);

/* stats.c */
int tcp_lab_stats_init(struct net *net, struct tcp_lab_net *ln);
void tcp_lab_stats_exit(struct net *net, struct tcp_lab_net *ln);

/* cc_reno.c */
int tcp_lab_reno_register(void);
void tcp_lab_reno_unregister(void);

/* timewait.c */
struct seq_file;
void tcp_lab_tw_net_init(struct tcp_lab_net *ln);
void tcp_lab_tw_net_exit(struct tcp_lab_net *ln);
void tcp_lab_tw_show(struct seq_file *seq, struct net *net);
proc_handler tcp_lab_tw_observe_sysctl;
proc_handler tcp_lab_tw_rst_policy_sysctl;
proc_handler tcp_lab_tw_recycle_sysctl;
proc_handler tcp_lab_tw_peers_sysctl;
proc_handler tcp_lab_tw_timeout_sysctl;

#endif /* _TCP_LAB_H */
