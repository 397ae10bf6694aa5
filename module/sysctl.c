// SPDX-License-Identifier: GPL-2.0
/*
 * net.tcp_lab.* sysctls, registered in every network namespace.
 *
 * One table says everything about an int setting: its name, where it lives
 * in struct tcp_lab_net, its default and bounds, what its feature must set
 * going when it changes, and how far a namespace its owner made without
 * init_net's root may raise it. Every namespace gets the settings at their
 * defaults (not its creator's values), and every write goes through one
 * handler: checked, written and applied under the namespace's mutex, the
 * old value put back if the feature cannot follow.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <tcp_lab/tcp_lab.h>
#include <tcp_lab/cubic_math.h>
#include <tcp_lab/hystart.h>

struct lab_setting {
	const char *name;
	size_t offset;			/* of the int in struct tcp_lab_net */
	int dflt;
	const int *min, *max;
	/* NULL: the value is all there is to it */
	int (*apply)(struct tcp_lab_net *ln);
	/* NULL: nothing lower than max for anyone */
	int (*limit)(const struct tcp_lab_net *ln);
};

/* The bounds SYSCTL_ZERO and its siblings do not have. */
static const int lab_beta_max = LAB_BETA_SCALE - 1;
static const int lab_ssthresh_max = 1 << 20;
static const int lab_c_max = LAB_CUBIC_C_MAX;
static const int lab_tw_peers_min = 16;
static const int lab_tw_peers_max = 65536;
static const int lab_tw_expiry_max = 3600;
static const int lab_tw_timeout_max = 60000;
/* lab_cubic keeps these in u16 and u8: see struct lab_cubic. */
static const int lab_hspp_thresh_max = LAB_HSPP_THRESH_US_MAX;
static const int lab_hspp_divisor_max = LAB_HSPP_DIVISOR_MAX;
static const int lab_hspp_samples_max = LAB_HSPP_N_RTT_SAMPLE_MAX;
static const int lab_hspp_rounds_max = LAB_HSPP_CSS_ROUNDS_MAX;

#define LAB_SETTING(_name, _field, _dflt, _min, _max, _apply, _limit) {	\
	.name	= #_name,						\
	.offset	= offsetof(struct tcp_lab_net, _field),			\
	.dflt	= (_dflt),						\
	.min	= (_min),						\
	.max	= (_max),						\
	.apply	= (_apply),						\
	.limit	= (_limit),						\
}

static const struct lab_setting lab_settings[] = {
	/* RFC 5681: halve on loss */
	LAB_SETTING(reno_beta, cc.reno_beta, LAB_BETA_SCALE / 2,
		    SYSCTL_ONE, &lab_beta_max, NULL, NULL),
	LAB_SETTING(init_ssthresh, cc.init_ssthresh, 0,
		    SYSCTL_ZERO, &lab_ssthresh_max, NULL, NULL),
	/* RFC 9438: beta 0.7, C 0.4 */
	LAB_SETTING(cubic_beta, cc.cubic_beta, 717,
		    SYSCTL_ONE, &lab_beta_max, NULL, NULL),
	LAB_SETTING(cubic_c, cc.cubic_c, 410,
		    SYSCTL_ONE, &lab_c_max, NULL, NULL),
	LAB_SETTING(cubic_fast_convergence, cc.cubic_fast_convergence, 1,
		    SYSCTL_ZERO, SYSCTL_ONE, NULL, NULL),
	LAB_SETTING(cubic_reno_friendly, cc.cubic_reno_friendly, 1,
		    SYSCTL_ZERO, SYSCTL_ONE, NULL, NULL),
	LAB_SETTING(cubic_hystart, cc.cubic_hystart, LAB_HYSTART_HSPP,
		    SYSCTL_ZERO, SYSCTL_TWO, NULL, NULL),
	/* RFC 9406's values */
	LAB_SETTING(cubic_hspp_min_rtt_thresh_us,
		    cc.cubic_hspp_min_rtt_thresh_us, LAB_HSPP_MIN_RTT_THRESH_US,
		    SYSCTL_ZERO, &lab_hspp_thresh_max, NULL, NULL),
	LAB_SETTING(cubic_hspp_max_rtt_thresh_us,
		    cc.cubic_hspp_max_rtt_thresh_us, LAB_HSPP_MAX_RTT_THRESH_US,
		    SYSCTL_ZERO, &lab_hspp_thresh_max, NULL, NULL),
	LAB_SETTING(cubic_hspp_rtt_divisor, cc.cubic_hspp_rtt_divisor,
		    LAB_HSPP_MIN_RTT_DIVISOR,
		    SYSCTL_ONE, &lab_hspp_divisor_max, NULL, NULL),
	LAB_SETTING(cubic_hspp_n_rtt_sample, cc.cubic_hspp_n_rtt_sample,
		    LAB_HSPP_N_RTT_SAMPLE,
		    SYSCTL_ONE, &lab_hspp_samples_max, NULL, NULL),
	LAB_SETTING(cubic_hspp_css_growth_divisor,
		    cc.cubic_hspp_css_growth_divisor, LAB_HSPP_CSS_GROWTH_DIVISOR,
		    SYSCTL_ONE, &lab_hspp_divisor_max, NULL, NULL),
	LAB_SETTING(cubic_hspp_css_rounds, cc.cubic_hspp_css_rounds,
		    LAB_HSPP_CSS_ROUNDS,
		    SYSCTL_ONE, &lab_hspp_rounds_max, NULL, NULL),
	LAB_SETTING(syncookie_mode, sc.mode, TCP_LAB_SYNCOOKIE_OFF,
		    SYSCTL_ZERO, SYSCTL_TWO, tcp_lab_syncookie_apply, NULL),
	LAB_SETTING(syncookie_threshold, sc.threshold, 50,
		    SYSCTL_ONE, SYSCTL_ONE_HUNDRED, NULL, NULL),
	LAB_SETTING(syncookie_drop_invalid, sc.drop_invalid, 0,
		    SYSCTL_ZERO, SYSCTL_ONE, NULL, NULL),
	LAB_SETTING(tw_observe, tw.observe, 0,
		    SYSCTL_ZERO, SYSCTL_ONE, tcp_lab_tw_apply, NULL),
	LAB_SETTING(tw_rst_policy, tw.rst_policy, 0,
		    SYSCTL_ZERO, SYSCTL_ONE, tcp_lab_tw_apply, NULL),
	LAB_SETTING(tw_recycle, tw.recycle, 0,
		    SYSCTL_ZERO, SYSCTL_ONE, tcp_lab_tw_apply, NULL),
	LAB_SETTING(tw_recycle_max_peers, tw.recycle_max_peers, 4096,
		    &lab_tw_peers_min, &lab_tw_peers_max,
		    tcp_lab_tw_apply_peers, tcp_lab_tw_peers_limit),
	/* TCP_PAWS_MSL, as the removed code */
	LAB_SETTING(tw_recycle_expiry_s, tw.recycle_expiry_s, 60,
		    SYSCTL_ONE, &lab_tw_expiry_max, NULL, NULL),
	LAB_SETTING(tw_timeout_ms, tw.timeout_ms, 0,
		    SYSCTL_ZERO, &lab_tw_timeout_max,
		    tcp_lab_tw_apply_timeout, NULL),
};

#define LAB_NSETTINGS	ARRAY_SIZE(lab_settings)
/* The settings and syncookie_ports. */
#define LAB_NSYSCTL	(LAB_NSETTINGS + 1)

/*
 * Every int setting: .data points at the value, .extra1 at its
 * struct lab_setting, .extra2 at the namespace.
 */
static int lab_setting_sysctl(const struct ctl_table *table, int write,
			      void *buffer, size_t *lenp, loff_t *ppos)
{
	const struct lab_setting *set = table->extra1;
	struct tcp_lab_net *ln = table->extra2;
	struct ctl_table tmp = *table;
	int *field = table->data;
	int old, val, err;

	tmp.extra1 = (void *)set->min;
	tmp.extra2 = (void *)set->max;
	if (!write)
		return proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);

	mutex_lock(&ln->mutex);
	old = *field;
	val = old;
	tmp.data = &val;
	err = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	/* Within the bounds, but beyond what this namespace may have. */
	if (!err && val != old && set->limit && val > set->limit(ln))
		err = -EPERM;
	if (!err && val != old) {
		WRITE_ONCE(*field, val);
		err = set->apply ? set->apply(ln) : 0;
		if (err) {
			WRITE_ONCE(*field, old);
			set->apply(ln);
		}
	}
	mutex_unlock(&ln->mutex);
	return err;
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
static int lab_ports_sysctl(const struct ctl_table *table, int write,
			    void *buffer, size_t *lenp, loff_t *ppos)
{
	struct tcp_lab_net *ln = table->extra2;
	unsigned long *live = ln->sc.ports;
	struct ctl_table tmp = *table;
	unsigned long *copy;
	int err;

	if (!write)
		return lab_ports_read(live, buffer, lenp, ppos);

	copy = bitmap_alloc(TCP_LAB_NPORTS, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	/* The namespace's writers, so that each write is whole. */
	mutex_lock(&ln->mutex);
	/* A write continued at an offset adds to the list, as the kernel's. */
	bitmap_copy(copy, live, TCP_LAB_NPORTS);
	tmp.data = &copy;
	err = proc_do_large_bitmap(&tmp, write, buffer, lenp, ppos);
	if (!err)
		bitmap_copy(live, copy, TCP_LAB_NPORTS);
	mutex_unlock(&ln->mutex);
	bitmap_free(copy);
	return err;
}

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

	for (i = 0; i < LAB_NSETTINGS; i++) {
		const struct lab_setting *set = &lab_settings[i];
		int *field = (int *)((char *)ln + set->offset);

		*field = set->dflt;
		/*
		 * A namespace its owner made without init_net's root starts
		 * within what it may have (see tcp_lab_tw_peers_limit()).
		 */
		if (set->limit)
			*field = min(*field, set->limit(ln));
		table[i] = (struct ctl_table) {
			.procname	= set->name,
			.data		= field,
			.maxlen		= sizeof(int),
			.mode		= 0644,
			.proc_handler	= TCP_LAB_PROC_HANDLER(lab_setting_sysctl),
			.extra1		= (void *)set,
			.extra2		= ln,
		};
	}
	/* .data holds the bitmap's address; maxlen counts bits */
	table[i] = (struct ctl_table) {
		.procname	= "syncookie_ports",
		.data		= &ln->sc.ports,
		.maxlen		= TCP_LAB_NPORTS,
		.mode		= 0644,
		.proc_handler	= TCP_LAB_PROC_HANDLER(lab_ports_sysctl),
		.extra2		= ln,
	};

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
