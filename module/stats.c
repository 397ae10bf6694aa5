// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace counters: incremented per CPU without locks on the fast path,
 * summed when /proc/net/tcp_lab is read.
 */
#include <linux/capability.h>
#include <linux/nsproxy.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <tcp_lab/tcp_lab.h>

static const char * const tcp_lab_counter_names[] = {
	[TCP_LAB_CC_INIT]		= "cc_init",
	[TCP_LAB_CC_LOSS_REDUCTIONS]	= "cc_loss_reductions",
	[TCP_LAB_CC_UNDOS]		= "cc_undos",
	[TCP_LAB_HSPP_CSS_ENTRIES]	= "hystart_css_entries",
	[TCP_LAB_HSPP_CSS_RETURNS]	= "hystart_css_returns",
	[TCP_LAB_HSPP_SS_EXITS]		= "hystart_ss_exits",
	[TCP_LAB_SC_SYN_SEEN]		= "syncookie_syn_seen",
	[TCP_LAB_SC_SYNACK_SENT]	= "syncookie_synack_sent",
	[TCP_LAB_SC_SYN_PASS_UNPROTECTED] = "syncookie_syn_pass_unprotected",
	[TCP_LAB_SC_SYN_PASS_NOT_LOCAL]	= "syncookie_syn_pass_not_local",
	[TCP_LAB_SC_SYN_PASS_MALFORMED]	= "syncookie_syn_pass_malformed",
	[TCP_LAB_SC_SYN_PASS_SIGNED]	= "syncookie_syn_pass_signed",
	[TCP_LAB_SC_SYN_PASS_KERNEL_OFF] = "syncookie_syn_pass_kernel_off",
	[TCP_LAB_SC_SYN_PASS_EXISTING]	= "syncookie_syn_pass_existing",
	[TCP_LAB_SC_SYN_PASS_NO_LISTENER] = "syncookie_syn_pass_no_listener",
	[TCP_LAB_SC_SYN_PASS_BELOW_THRESHOLD] = "syncookie_syn_pass_below_threshold",
	[TCP_LAB_SC_SYN_PASS_ACCEPTQ_FULL] = "syncookie_syn_pass_acceptq_full",
	[TCP_LAB_SC_SYN_PASS_ERROR]	= "syncookie_syn_pass_error",
	[TCP_LAB_SC_SYN_DROPPED]	= "syncookie_syn_dropped",
	[TCP_LAB_SC_ACK_VALID]		= "syncookie_ack_valid",
	[TCP_LAB_SC_ACK_INVALID]	= "syncookie_ack_invalid",
	[TCP_LAB_SC_ACK_INVALID_DROPPED] = "syncookie_ack_invalid_dropped",
	[TCP_LAB_SC_ESTABLISHED]	= "syncookie_established",
	[TCP_LAB_SC_MALFORMED]		= "syncookie_malformed",
	[TCP_LAB_SC_FRAGMENTS]		= "syncookie_fragments",
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
	[TCP_LAB_SC_SYN_PASS_EXTHDR]	= "syncookie_syn_pass_exthdr",
	[TCP_LAB_TW_SWEEPS]		= "tw_sweeps",
	[TCP_LAB_TW_SWEEP_BUCKETS]	= "tw_sweep_buckets",
	[TCP_LAB_SC_SYN_PASS_MINTTL]	= "syncookie_syn_pass_minttl",
	[TCP_LAB_SC_SYN_PASS_IPSEC]	= "syncookie_syn_pass_ipsec",
	[TCP_LAB_SC_SYN_PASS_KEYED]	= "syncookie_syn_pass_keyed",
	[TCP_LAB_SC_SYN_PASS_FILTER]	= "syncookie_syn_pass_filter",
	[TCP_LAB_CUBIC_SS_EXIT_LOSS]	= "cubic_ss_exit_loss",
	[TCP_LAB_CUBIC_SS_EXIT_RTO]	= "cubic_ss_exit_rto",
	[TCP_LAB_CUBIC_SS_EXIT_ACK_TRAIN] = "cubic_ss_exit_ack_train",
	[TCP_LAB_CUBIC_SS_EXIT_DELAY]	= "cubic_ss_exit_delay",
	[TCP_LAB_CUBIC_SS_EXIT_CSS]	= "cubic_ss_exit_css",
	[TCP_LAB_CUBIC_SS_EXIT_SSTHRESH] = "cubic_ss_exit_ssthresh",
};

static unsigned long tcp_lab_sum(const struct tcp_lab_net *ln, int c)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(ln->stats, cpu)->cnt[c]);
	return sum;
}

/*
 * /proc/PID/net/tcp_lab shows PID's namespace to whoever may look at PID.
 * Only a reader inside that namespace, or one with CAP_NET_ADMIN over it
 * (its owner, or init_net's root), sees its counters: they tell what
 * traffic another namespace's owner is handling.
 */
static bool tcp_lab_stats_visible(struct seq_file *seq, struct net *net)
{
	return net_eq(current->nsproxy->net_ns, net) ||
	       file_ns_capable(seq->file, net->user_ns, CAP_NET_ADMIN);
}

static int tcp_lab_stats_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	const struct tcp_lab_net *ln = tcp_lab_pernet(net);
	int c;

	if (!tcp_lab_stats_visible(seq, net))
		return -EACCES;
	for (c = 0; c < TCP_LAB_NCOUNTERS; c++)
		seq_printf(seq, "%s %lu\n", tcp_lab_counter_names[c],
			   tcp_lab_sum(ln, c));
	/* Gauges follow the counters. */
	tcp_lab_tw_show(seq, net);
	return 0;
}

int tcp_lab_stats_init(struct net *net, struct tcp_lab_net *ln)
{
	BUILD_BUG_ON(ARRAY_SIZE(tcp_lab_counter_names) != TCP_LAB_NCOUNTERS);

	/* Charged, like the rest of the namespace, to whoever made it. */
	ln->stats = alloc_percpu_gfp(struct tcp_lab_stats, GFP_KERNEL_ACCOUNT);
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
