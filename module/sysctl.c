// SPDX-License-Identifier: GPL-2.0
/*
 * net.tcp_lab.* sysctls, registered in every network namespace.
 *
 * The template below points .data into tcp_lab_defaults; each namespace gets
 * a kmemdup()'d copy whose .data is moved by the same offset into its own
 * struct tcp_lab_net, so one table describes both the defaults and the bounds.
 */
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <tcp_lab/tcp_lab.h>
#include <tcp_lab/reno_math.h>

#include "compat.h"

const struct tcp_lab_net tcp_lab_defaults = {
	.reno_beta	= LAB_BETA_SCALE / 2,	/* RFC 5681: halve on loss */
	.init_ssthresh	= 0,
	.tw_recycle_max_peers	= 4096,
	.tw_recycle_expiry_s	= 60,	/* TCP_PAWS_MSL, as the removed code */
};

/* proc_dointvec_minmax() takes non-const bounds on 6.1. */
static int lab_beta_min = 1;
static int lab_beta_max = LAB_BETA_SCALE - 1;
static int lab_zero;
static int lab_ssthresh_max = 1 << 20;
static int lab_one = 1;
static int lab_tw_peers_min = 16;
static int lab_tw_peers_max = 65536;
static int lab_tw_expiry_max = 3600;
static int lab_tw_timeout_max = 60000;

#define LAB_INT_ENTRY(field, lo, hi) {					\
	.procname	= #field,					\
	.data		= (void *)&tcp_lab_defaults.field,		\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
	.extra1		= (lo),						\
	.extra2		= (hi),						\
}

/* The same, for a value whose handler acts on the namespace when set. */
#define LAB_INT_HANDLER_ENTRY(field, handler, lo, hi) {			\
	.procname	= #field,					\
	.data		= (void *)&tcp_lab_defaults.field,		\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= handler,					\
	.extra1		= (lo),						\
	.extra2		= (hi),						\
}

static const struct ctl_table lab_sysctl_template[] = {
	LAB_INT_ENTRY(reno_beta, &lab_beta_min, &lab_beta_max),
	LAB_INT_ENTRY(init_ssthresh, &lab_zero, &lab_ssthresh_max),
	LAB_INT_HANDLER_ENTRY(tw_observe, tcp_lab_tw_observe_sysctl,
			      &lab_zero, &lab_one),
	LAB_INT_HANDLER_ENTRY(tw_rst_policy, tcp_lab_tw_rst_policy_sysctl,
			      &lab_zero, &lab_one),
	LAB_INT_HANDLER_ENTRY(tw_recycle, tcp_lab_tw_recycle_sysctl,
			      &lab_zero, &lab_one),
	LAB_INT_HANDLER_ENTRY(tw_recycle_max_peers, tcp_lab_tw_peers_sysctl,
			      &lab_tw_peers_min, &lab_tw_peers_max),
	LAB_INT_ENTRY(tw_recycle_expiry_s, &lab_one, &lab_tw_expiry_max),
	LAB_INT_HANDLER_ENTRY(tw_timeout_ms, tcp_lab_tw_timeout_sysctl,
			      &lab_zero, &lab_tw_timeout_max),
};

#define LAB_NSYSCTL ARRAY_SIZE(lab_sysctl_template)

int tcp_lab_sysctl_init(struct net *net, struct tcp_lab_net *ln)
{
	struct ctl_table *table;
	size_t i;

	/* The zeroed tail of kzalloc is the sentinel on kernels that want one. */
	table = kcalloc(LAB_NSYSCTL + LAB_SYSCTL_SENTINELS, sizeof(*table),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	memcpy(table, lab_sysctl_template, sizeof(lab_sysctl_template));

	for (i = 0; i < LAB_NSYSCTL; i++)
		table[i].data = (char *)ln +
				((char *)table[i].data - (char *)&tcp_lab_defaults);

	ln->sysctl_hdr = lab_register_net_sysctl(net, "net/tcp_lab", table,
						 LAB_NSYSCTL);
	if (!ln->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void tcp_lab_sysctl_exit(struct tcp_lab_net *ln)
{
	const struct ctl_table *table = ln->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(ln->sysctl_hdr);
	kfree(table);
}
