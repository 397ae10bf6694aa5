/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the files of tcp_lab.ko.
 */
#ifndef _TCP_LAB_H
#define _TCP_LAB_H

#include <linux/inet_diag.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sysctl.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <tcp_lab/cc_info.h>

/*
 * Counters shown in /proc/net/tcp_lab, one "name value" line each, in this
 * order (names in stats.c). Append only: scripts read them by name.
 */
enum tcp_lab_counter {
	TCP_LAB_CC_INIT,		/* connections started with a lab_ algorithm */
	TCP_LAB_CC_LOSS_REDUCTIONS,	/* ssthresh computed for a loss or ECN */
	TCP_LAB_CC_UNDOS,		/* reductions undone as spurious */
	TCP_LAB_HSPP_CSS_ENTRIES,	/* HyStart++: RTT rose, CSS entered */
	TCP_LAB_HSPP_CSS_RETURNS,	/* HyStart++: RTT fell back, SS again */
	TCP_LAB_HSPP_SS_EXITS,		/* HyStart++: CSS done, slow start over */
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
	TCP_LAB_SC_SYN_DROPPED,
	TCP_LAB_SC_ACK_VALID,
	TCP_LAB_SC_ACK_INVALID,
	TCP_LAB_SC_ACK_INVALID_DROPPED,
	TCP_LAB_SC_ESTABLISHED,
	TCP_LAB_SC_MALFORMED,
	TCP_LAB_SC_FRAGMENTS,
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
	TCP_LAB_SC_SYN_PASS_EXTHDR,	/* IPv6 SYN with late extension headers */
	TCP_LAB_TW_SWEEPS,		/* tw_timeout_ms sweep runs that scanned */
	TCP_LAB_TW_SWEEP_BUCKETS,	/* established-hash buckets they scanned */
	/* SYNs the SYN-cookie hook leaves to TCP, which drops or judges them */
	TCP_LAB_SC_SYN_PASS_MINTTL,	/* below IP_MINTTL / IPV6_MINHOPCOUNT */
	TCP_LAB_SC_SYN_PASS_IPSEC,	/* refused by the inbound IPsec policy */
	TCP_LAB_SC_SYN_PASS_KEYED,	/* listener with TCP-MD5 or TCP-AO keys */
	TCP_LAB_SC_SYN_PASS_FILTER,	/* listener with a socket filter */
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
	int cubic_beta;		/* 1/1024 units */
	int cubic_c;		/* 1/1024 units */
	int cubic_fast_convergence;
	int cubic_reno_friendly;
	int cubic_hystart;	/* enum lab_hystart_mode, initial slow start */
	/* HyStart++ (RFC 9406) constants */
	int cubic_hspp_min_rtt_thresh_us;
	int cubic_hspp_max_rtt_thresh_us;
	int cubic_hspp_rtt_divisor;
	int cubic_hspp_n_rtt_sample;
	int cubic_hspp_css_growth_divisor;
	int cubic_hspp_css_rounds;

	/* SYN-cookie hook (syncookie.c) */
	int syncookie_mode;		/* enum tcp_lab_syncookie_mode */
	int syncookie_threshold;	/* percent of the listener's SYN queue */
	int syncookie_drop_invalid;	/* drop ACKs with a bad cookie */
	unsigned long *syncookie_ports;	/* bitmap of protected local ports */
	struct mutex sc_mutex;		/* mode changes, port list writes */
	bool syncookie_hooked;		/* hooks registered; under sc_mutex */

	/* TIME_WAIT experiments (timewait.c) */
	int tw_observe;			/* 0/1 */
	int tw_rst_policy;		/* 0 kernel, 1 drop RSTs (RFC 1337) */
	int tw_recycle;			/* 0/1 */
	int tw_recycle_max_peers;	/* entries */
	int tw_recycle_expiry_s;	/* seconds */
	int tw_timeout_ms;		/* ms, 0 = kernel's 60 s */
	/* Changed only under tw_mutex. */
	struct mutex tw_mutex;
	bool tw_hooks_on;
	struct lab_tw_peers __rcu *tw_peers;
	struct delayed_work tw_reaper;
	/* The sweep's own (tw_reaper's): where it goes on, whether parked. */
	unsigned long tw_last_run;	/* jiffies; read by the sysctl */
	unsigned int tw_cursor;
	unsigned int tw_pass_left;
	bool tw_parked;
	int tw_park_count;
	unsigned long tw_park_timeout;
	unsigned long tw_park_since;
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

/* sysctl.c */
extern const struct tcp_lab_net tcp_lab_defaults;
int tcp_lab_sysctl_init(struct net *net, struct tcp_lab_net *ln);
void tcp_lab_sysctl_exit(struct tcp_lab_net *ln);

/* stats.c */
int tcp_lab_stats_init(struct net *net, struct tcp_lab_net *ln);
void tcp_lab_stats_exit(struct net *net, struct tcp_lab_net *ln);

/* What the algorithms tell the tcp_lab:lab_cc tracepoint (trace.h). */
enum lab_cc_event {
	LAB_EV_INIT,
	LAB_EV_ACK,
	LAB_EV_LOSS,
	LAB_EV_UNDO,
	LAB_EV_CSS_ENTER,
	LAB_EV_CSS_RETURN,
	LAB_EV_SS_EXIT,
	LAB_EV_IDLE,
};

struct lab_cc_trace {
	u8 algo;		/* enum tcp_lab_cc_algo */
	u8 event;		/* enum lab_cc_event */
	u8 phase;		/* enum tcp_lab_cc_phase */
	u8 ss_exit;		/* lab_cubic: enum tcp_lab_ss_exit */
	u32 w_max;
	u32 k_ms;
	u32 epoch_ms;
	u32 min_rtt_us;
	u32 w_est;		/* lab_cubic's Reno-friendly estimate */
};

/*
 * get_info(): both algorithms answer getsockopt(TCP_CC_INFO) and inet_diag's
 * VEGASINFO request with struct tcp_lab_cc_info; NULL when not asked.
 */
static inline struct tcp_lab_cc_info *
lab_cc_info_start(u32 ext, int *attr, union tcp_cc_info *info)
{
	struct tcp_lab_cc_info *li = (struct tcp_lab_cc_info *)info;

	BUILD_BUG_ON(sizeof(*li) > sizeof(*info));
	if (!(ext & (1 << (INET_DIAG_VEGASINFO - 1))))
		return NULL;
	memset(li, 0, sizeof(*li));
	*attr = INET_DIAG_VEGASINFO;
	return li;
}

/* cc_reno.c */
int tcp_lab_reno_register(void);
void tcp_lab_reno_unregister(void);

/* cc_cubic.c */
int tcp_lab_cubic_register(void);
void tcp_lab_cubic_unregister(void);
/* syncookie.c */
enum tcp_lab_syncookie_mode {
	TCP_LAB_SYNCOOKIE_OFF,
	TCP_LAB_SYNCOOKIE_PRESSURE,	/* when the SYN queue passes threshold */
	TCP_LAB_SYNCOOKIE_ALWAYS,
};

#define TCP_LAB_NPORTS	65536

int tcp_lab_syncookie_init(struct net *net, struct tcp_lab_net *ln);
void tcp_lab_syncookie_exit(struct tcp_lab_net *ln);
int tcp_lab_syncookie_set_mode(struct tcp_lab_net *ln, int mode);
/* timewait.c */
struct seq_file;
void tcp_lab_tw_net_init(struct tcp_lab_net *ln);
void tcp_lab_tw_net_exit(struct tcp_lab_net *ln);
void tcp_lab_tw_show(struct seq_file *seq, struct net *net);
int tcp_lab_tw_observe_sysctl(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos);
int tcp_lab_tw_rst_policy_sysctl(const struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos);
int tcp_lab_tw_recycle_sysctl(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos);
int tcp_lab_tw_peers_sysctl(const struct ctl_table *table, int write,
			    void *buffer, size_t *lenp, loff_t *ppos);
int tcp_lab_tw_peers_limit(const struct tcp_lab_net *ln);
int tcp_lab_tw_timeout_sysctl(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos);

#endif /* _TCP_LAB_H */
