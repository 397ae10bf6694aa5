// SPDX-License-Identifier: GPL-2.0
/*
 * net.tcp_lab.* sysctls, registered in every network namespace.
 *
 * The template below points .data into tcp_lab_defaults; each namespace gets
 * a copy whose .data is moved by the same offset into its own struct
 * tcp_lab_net, so one table describes the defaults, the bounds and where each
 * value lives. Every int setting starts at its default in a new namespace.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>
#include <tcp_lab/tcp_lab.h>
#include <tcp_lab/cubic_math.h>
#include <tcp_lab/hystart.h>


const struct tcp_lab_net tcp_lab_defaults = {
	.reno_beta	= LAB_BETA_SCALE / 2,	/* RFC 5681: halve on loss */
	.init_ssthresh	= 0,
	.cubic_beta	= 717,		/* RFC 9438: 0.7 */
	.cubic_c	= 410,		/* RFC 9438: 0.4 */
	.cubic_fast_convergence = 1,
	.cubic_reno_friendly = 1,
	.cubic_hystart	= LAB_HYSTART_HSPP,
	/* RFC 9406's values */
	.cubic_hspp_min_rtt_thresh_us	= LAB_HSPP_MIN_RTT_THRESH_US,
	.cubic_hspp_max_rtt_thresh_us	= LAB_HSPP_MAX_RTT_THRESH_US,
	.cubic_hspp_rtt_divisor		= LAB_HSPP_MIN_RTT_DIVISOR,
	.cubic_hspp_n_rtt_sample	= LAB_HSPP_N_RTT_SAMPLE,
	.cubic_hspp_css_growth_divisor	= LAB_HSPP_CSS_GROWTH_DIVISOR,
	.cubic_hspp_css_rounds		= LAB_HSPP_CSS_ROUNDS,
	.syncookie_mode		= TCP_LAB_SYNCOOKIE_OFF,
	.syncookie_threshold	= 50,
	.syncookie_drop_invalid	= 0,
	.tw_recycle_max_peers	= 4096,
	.tw_recycle_expiry_s	= 60,	/* TCP_PAWS_MSL, as the removed code */
};

/* proc_dointvec_minmax() takes non-const bounds on 6.1. */
static int lab_beta_min = 1;
static int lab_beta_max = LAB_BETA_SCALE - 1;
static int lab_zero;
static int lab_ssthresh_max = 1 << 20;
static int lab_one = 1;
static int lab_c_max = LAB_CUBIC_C_MAX;
static int lab_two = 2;
static int lab_hundred = 100;
static int lab_tw_peers_min = 16;
static int lab_tw_peers_max = 65536;
static int lab_tw_expiry_max = 3600;
static int lab_tw_timeout_max = 60000;
/* lab_cubic keeps these in u16 and u8: see struct lab_cubic. */
static int lab_hspp_thresh_max = LAB_HSPP_THRESH_US_MAX;
static int lab_hspp_divisor_max = LAB_HSPP_DIVISOR_MAX;
static int lab_hspp_samples_max = LAB_HSPP_N_RTT_SAMPLE_MAX;
static int lab_hspp_rounds_max = LAB_HSPP_CSS_ROUNDS_MAX;

#define LAB_INT_ENTRY(field, lo, hi) {					\
	.procname	= #field,					\
	.data		= (void *)&tcp_lab_defaults.field,		\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
	.extra1		= (lo),						\
	.extra2		= (hi),						\
}

/*
 * The hooks follow the mode: parse into a local copy, then let syncookie.c
 * register or unregister them before the new mode is visible.
 */
static int lab_syncookie_mode_sysctl(const struct ctl_table *table, int write,
				     void *buffer, size_t *lenp, loff_t *ppos)
{
	struct tcp_lab_net *ln = container_of(table->data, struct tcp_lab_net,
					      syncookie_mode);
	struct ctl_table tmp = *table;
	int mode = READ_ONCE(ln->syncookie_mode);
	int err;

	tmp.data = &mode;
	err = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	return tcp_lab_syncookie_set_mode(ln, mode);
}

/*
 * syncookie_ports, read: the list in full from any offset. The text can
 * pass a page (every other port: about 190 KiB), and proc_do_large_bitmap()
 * answers a read at a non-zero offset with nothing, so a reader taking it
 * in pieces got a list cut short, often in the middle of a number.
 */
static int lab_ports_read(const unsigned long *bitmap, char *buffer,
			  size_t *lenp, loff_t *ppos)
{
	loff_t want_lo = *ppos, want_hi = *ppos + *lenp, pos = 0;
	unsigned long a, b = 0;
	size_t done = 0;
	char tok[16];		/* ",65535-65535" */
	int n;

	for (;;) {
		a = find_next_bit(bitmap, TCP_LAB_NPORTS, b);
		if (a >= TCP_LAB_NPORTS) {
			n = scnprintf(tok, sizeof(tok), "\n");
		} else {
			b = find_next_zero_bit(bitmap, TCP_LAB_NPORTS, a + 1);
			if (b - 1 == a)
				n = scnprintf(tok, sizeof(tok), "%s%lu",
					      pos ? "," : "", a);
			else
				n = scnprintf(tok, sizeof(tok), "%s%lu-%lu",
					      pos ? "," : "", a, b - 1);
		}
		if (pos + n > want_lo && pos < want_hi) {
			loff_t lo = max(pos, want_lo);
			loff_t hi = min(pos + n, want_hi);

			memcpy(buffer + (lo - want_lo), tok + (lo - pos), hi - lo);
			done += hi - lo;
		}
		pos += n;
		if (a >= TCP_LAB_NPORTS || pos >= want_hi)
			break;
	}
	*lenp = done;
	*ppos += done;
	return 0;
}

/*
 * syncookie_ports, write: parsed by proc_do_large_bitmap() into a copy,
 * which replaces the list only if the write parsed. Writing into the live
 * bitmap, two writers at once could leave a mix of both lists, and the
 * hook could see a half-written one. As with the kernel's own port lists,
 * a write longer than a page is taken a page at a time (the short count
 * makes the writer send the rest, which adds to the list), and a list must
 * be written with one write(): stdio cuts it into pieces anywhere, and a
 * port cut in two becomes two ports.
 */
static int lab_ports_sysctl(const struct ctl_table *table, int write, void *buffer,
			    size_t *lenp, loff_t *ppos)
{
	struct tcp_lab_net *ln = container_of(table->data, struct tcp_lab_net,
					      syncookie_ports);
	unsigned long *live = ln->syncookie_ports;
	struct ctl_table tmp = *table;
	unsigned long *copy;
	int err;

	if (!write)
		return lab_ports_read(live, buffer, lenp, ppos);

	copy = bitmap_alloc(TCP_LAB_NPORTS, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	/* The namespace's writers, so that each write is whole. */
	mutex_lock(&ln->sc_mutex);
	/* A write continued at an offset adds to the list, as the kernel's. */
	bitmap_copy(copy, live, TCP_LAB_NPORTS);
	tmp.data = &copy;
	err = proc_do_large_bitmap(&tmp, write, buffer, lenp, ppos);
	if (!err)
		bitmap_copy(live, copy, TCP_LAB_NPORTS);
	mutex_unlock(&ln->sc_mutex);
	bitmap_free(copy);
	return err;
}

/* The same, for a value whose handler acts on the namespace when set. */
#define LAB_INT_HANDLER_ENTRY(field, handler, lo, hi) {			\
	.procname	= #field,					\
	.data		= (void *)&tcp_lab_defaults.field,		\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= TCP_LAB_PROC_HANDLER(handler),		\
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
	LAB_INT_ENTRY(cubic_hystart, &lab_zero, &lab_two),
	LAB_INT_ENTRY(cubic_hspp_min_rtt_thresh_us, &lab_zero,
		      &lab_hspp_thresh_max),
	LAB_INT_ENTRY(cubic_hspp_max_rtt_thresh_us, &lab_zero,
		      &lab_hspp_thresh_max),
	LAB_INT_ENTRY(cubic_hspp_rtt_divisor, &lab_one, &lab_hspp_divisor_max),
	LAB_INT_ENTRY(cubic_hspp_n_rtt_sample, &lab_one, &lab_hspp_samples_max),
	LAB_INT_ENTRY(cubic_hspp_css_growth_divisor, &lab_one,
		      &lab_hspp_divisor_max),
	LAB_INT_ENTRY(cubic_hspp_css_rounds, &lab_one, &lab_hspp_rounds_max),
	LAB_INT_HANDLER_ENTRY(syncookie_mode, lab_syncookie_mode_sysctl,
			      &lab_zero, &lab_two),
	/* .data holds the bitmap's address; maxlen counts bits */
	{
		.procname	= "syncookie_ports",
		.data		= (void *)&tcp_lab_defaults.syncookie_ports,
		.maxlen		= TCP_LAB_NPORTS,
		.mode		= 0644,
		.proc_handler	= TCP_LAB_PROC_HANDLER(lab_ports_sysctl),
	},
	LAB_INT_ENTRY(syncookie_threshold, &lab_one, &lab_hundred),
	LAB_INT_ENTRY(syncookie_drop_invalid, &lab_zero, &lab_one),
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

	/*
	 * One zeroed entry more than we register: kernels before 6.11 look
	 * for it at the end, later ones are told the size and never read it.
	 */
	table = kcalloc(LAB_NSYSCTL + 1, sizeof(*table), GFP_KERNEL_ACCOUNT);
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

	/*
	 * A namespace its owner made without init_net's root starts within
	 * init_net's table size (see tcp_lab_tw_peers_limit()).
	 */
	if (net->user_ns != &init_user_ns)
		ln->tw_recycle_max_peers = min(ln->tw_recycle_max_peers,
					       tcp_lab_tw_peers_limit(ln));

	ln->sysctl_hdr = register_net_sysctl_sz(net, "net/tcp_lab", table,
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
