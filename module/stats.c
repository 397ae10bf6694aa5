// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace counters: incremented per CPU without locks on the fast path,
 * summed when /proc/net/tcp_lab is read.
 */
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <tcp_lab/tcp_lab.h>

static const char * const tcp_lab_counter_names[] = {
	[TCP_LAB_CC_INIT]		= "cc_init",
	[TCP_LAB_CC_LOSS_REDUCTIONS]	= "cc_loss_reductions",
	[TCP_LAB_CC_UNDOS]		= "cc_undos",
	[TCP_LAB_TW_SYN]		= "tw_syn",
	[TCP_LAB_TW_RST]		= "tw_rst",
	[TCP_LAB_TW_FIN]		= "tw_fin",
	[TCP_LAB_TW_ACK]		= "tw_ack",
	[TCP_LAB_TW_DATA]		= "tw_data",
	[TCP_LAB_TW_FW2_SYN]		= "tw_fw2_syn",
	[TCP_LAB_TW_FW2_RST]		= "tw_fw2_rst",
	[TCP_LAB_TW_FW2_FIN]		= "tw_fw2_fin",
	[TCP_LAB_TW_FW2_ACK]		= "tw_fw2_ack",
	[TCP_LAB_TW_FW2_DATA]		= "tw_fw2_data",
	[TCP_LAB_TW_RST_DROPPED]	= "tw_rst_dropped",
	[TCP_LAB_TW_RECYCLE_DROPPED]	= "tw_recycle_dropped",
	[TCP_LAB_TW_RECYCLE_LEARNED]	= "tw_recycle_learned",
	[TCP_LAB_TW_RECYCLE_EVICTED]	= "tw_recycle_evicted",
	[TCP_LAB_TW_RECYCLE_FULL]	= "tw_recycle_full",
	[TCP_LAB_TW_TIMEOUT_KILLED]	= "tw_timeout_killed",
	[TCP_LAB_TW_CSUM_ERRORS]	= "tw_csum_errors",
};

static unsigned long tcp_lab_sum(const struct tcp_lab_net *ln, int c)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(ln->stats, cpu)->cnt[c]);
	return sum;
}

static int tcp_lab_stats_show(struct seq_file *seq, void *v)
{
	const struct tcp_lab_net *ln = tcp_lab_pernet(seq_file_single_net(seq));
	int c;

	for (c = 0; c < TCP_LAB_NCOUNTERS; c++)
		seq_printf(seq, "%s %lu\n", tcp_lab_counter_names[c],
			   tcp_lab_sum(ln, c));
	/* Gauges follow the counters. */
	tcp_lab_tw_show(seq, seq_file_single_net(seq));
	return 0;
}

int tcp_lab_stats_init(struct net *net, struct tcp_lab_net *ln)
{
	BUILD_BUG_ON(ARRAY_SIZE(tcp_lab_counter_names) != TCP_LAB_NCOUNTERS);

	ln->stats = alloc_percpu(struct tcp_lab_stats);
	if (!ln->stats)
		return -ENOMEM;

	if (!proc_create_net_single("tcp_lab", 0444, net->proc_net,
				    tcp_lab_stats_show, NULL)) {
		free_percpu(ln->stats);
		return -ENOMEM;
	}
	return 0;
}

void tcp_lab_stats_exit(struct net *net, struct tcp_lab_net *ln)
{
	remove_proc_entry("tcp_lab", net->proc_net);
	free_percpu(ln->stats);
}
