/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TIME_WAIT experiments (timewait.c): the namespace's settings and
 * state, and what main.c, stats.c and sysctl.c call.
 */
#ifndef _TCP_LAB_TIMEWAIT_H
#define _TCP_LAB_TIMEWAIT_H

#include <linux/types.h>
#include <linux/workqueue.h>

struct lab_tw_peers;
struct net;
struct seq_file;
struct tcp_lab_net;

struct tcp_lab_tw_net {
	/* net.tcp_lab.tw_*, read by the hook for every packet */
	int observe;			/* 0/1 */
	int rst_policy;			/* 0 kernel, 1 drop RSTs (RFC 1337) */
	int recycle;			/* 0/1 */
	int recycle_max_peers;		/* entries */
	int recycle_expiry_s;		/* seconds */
	int timeout_ms;			/* ms, 0 = kernel's 60 s */
	/* Changed only under tcp_lab_net.mutex. */
	bool hooks_on;
	struct lab_tw_peers __rcu *peers;
	struct delayed_work reaper;
	/* The sweep's own (reaper's): where it goes on, whether parked. */
	unsigned long last_run;		/* jiffies; read by the sysctl */
	unsigned int cursor;
	unsigned int pass_left;
	bool parked;
	int park_count;
	unsigned long park_timeout;
	unsigned long park_since;
};

void tcp_lab_tw_init(struct tcp_lab_net *ln);
void tcp_lab_tw_exit(struct tcp_lab_net *ln);
void tcp_lab_tw_show(struct seq_file *seq, struct net *net);

/*
 * After a write of the setting, under tcp_lab_net.mutex: hooks and peer
 * table follow tw_observe, tw_rst_policy and tw_recycle; a new
 * tw_recycle_max_peers starts a new table; the sweep follows tw_timeout_ms.
 */
int tcp_lab_tw_apply(struct tcp_lab_net *ln);
int tcp_lab_tw_apply_peers(struct tcp_lab_net *ln);
int tcp_lab_tw_apply_timeout(struct tcp_lab_net *ln);
/* The most tw_recycle_max_peers this namespace may have. */
int tcp_lab_tw_peers_limit(const struct tcp_lab_net *ln);

#endif /* _TCP_LAB_TIMEWAIT_H */
