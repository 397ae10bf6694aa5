// SPDX-License-Identifier: GPL-2.0
/*
 * net.tcp_lab.* sysctls, registered in every network namespace.
 *
 * The template below points .data into tcp_lab_defaults; each namespace gets
 * a copy whose .data is moved by the same offset into its own struct
 * tcp_lab_net, so one table describes the defaults, the bounds and where each
 * value lives. Every int setting starts at its default in a new namespace.
 */
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <tcp_lab/tcp_lab.h>
#include <tcp_lab/cubic_math.h>

#include "compat.h"

const struct tcp_lab_net tcp_lab_defaults = {
	.reno_beta	= LAB_BETA_SCALE / 2,	/* RFC 5681: halve on loss */
	.init_ssthresh	= 0,
	.cubic_beta	= 717,		/* RFC 9438: 0.7 */
	.cubic_c	= 410,		/* RFC 9438: 0.4 */
	.cubic_fast_convergence = 1,
	.cubic_reno_friendly = 1,
	.cubic_hystart	= 1,
};

/* proc_dointvec_minmax() takes non-const bounds on 6.1. */
static int lab_beta_min = 1;
static int lab_beta_max = LAB_BETA_SCALE - 1;
static int lab_zero;
static int lab_ssthresh_max = 1 << 20;
static int lab_one = 1;
static int lab_c_max = LAB_CUBIC_C_MAX;

#define LAB_INT_ENTRY(field, lo, hi) {					\
	.procname	= #field,					\
	.data		= (void *)&tcp_lab_defaults.field,		\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
	.extra1		= (lo),						\
	.extra2		= (hi),						\
}

static const struct ctl_table lab_sysctl_template[] = {
	LAB_INT_ENTRY(reno_beta, &lab_beta_min, &lab_beta_max),
	LAB_INT_ENTRY(init_ssthresh, &lab_zero, &lab_ssthresh_max),
	LAB_INT_ENTRY(cubic_beta, &lab_beta_min, &lab_beta_max),
	LAB_INT_ENTRY(cubic_c, &lab_beta_min, &lab_c_max),
	LAB_INT_ENTRY(cubic_fast_convergence, &lab_zero, &lab_one),
	LAB_INT_ENTRY(cubic_reno_friendly, &lab_zero, &lab_one),
	LAB_INT_ENTRY(cubic_hystart, &lab_zero, &lab_one),
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

	for (i = 0; i < LAB_NSYSCTL; i++) {
		size_t off = (char *)table[i].data - (char *)&tcp_lab_defaults;

		table[i].data = (char *)ln + off;
		/* Plain int settings start at their default in every netns. */
		if (table[i].maxlen == sizeof(int))
			memcpy(table[i].data, (char *)&tcp_lab_defaults + off,
			       sizeof(int));
	}

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
