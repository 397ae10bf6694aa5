// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_lab: a TCP laboratory in a module.
 *
 * Every feature is configured per network namespace (net.tcp_lab.*) and
 * counted per namespace (/proc/net/tcp_lab), so one machine can host an
 * experiment and its control side by side in two namespaces.
 */
#include <linux/module.h>
#include <tcp_lab/tcp_lab.h>

unsigned int tcp_lab_net_id __read_mostly;

static int __net_init tcp_lab_net_init(struct net *net)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(net);
	int err;

	write_pnet(&ln->net, net);
	mutex_init(&ln->mutex);
	err = tcp_lab_stats_init(net, ln);
	if (err)
		return err;
	tcp_lab_tw_init(ln);

	/* Before the sysctls: syncookie_ports reads its bitmap through them. */
	err = tcp_lab_syncookie_init(ln);
	if (err)
		goto err_stats;

	err = tcp_lab_sysctl_init(net, ln);
	if (err)
		goto err_syncookie;
	return 0;

err_syncookie:
	tcp_lab_syncookie_exit(ln);
err_stats:
	tcp_lab_stats_exit(net, ln);
	return err;
}

static void __net_exit tcp_lab_net_exit(struct net *net)
{
	struct tcp_lab_net *ln = tcp_lab_pernet(net);

	tcp_lab_sysctl_exit(ln);
	/* After the sysctls (no writer left to add hooks), before the counters. */
	tcp_lab_syncookie_exit(ln);
	/* After the sysctls, which turn it on; before the counters it uses. */
	tcp_lab_tw_exit(ln);
	tcp_lab_stats_exit(net, ln);
}

static struct pernet_operations tcp_lab_net_ops = {
	.init	= tcp_lab_net_init,
	.exit	= tcp_lab_net_exit,
	.id	= &tcp_lab_net_id,
	.size	= sizeof(struct tcp_lab_net),
};

static int __init tcp_lab_init(void)
{
	int err;

	err = register_pernet_subsys(&tcp_lab_net_ops);
	if (err)
		return err;

	/* Congestion control last: a socket may pick it as soon as it exists. */
	err = tcp_lab_reno_register();
	if (err)
		goto err_pernet;
	err = tcp_lab_cubic_register();
	if (err)
		goto err_reno;
	return 0;

err_reno:
	tcp_lab_reno_unregister();
err_pernet:
	unregister_pernet_subsys(&tcp_lab_net_ops);
	return err;
}

static void __exit tcp_lab_exit(void)
{
	tcp_lab_cubic_unregister();
	tcp_lab_reno_unregister();
	unregister_pernet_subsys(&tcp_lab_net_ops);
	/* The peer tables' RCU callbacks are our code: let them finish. */
	rcu_barrier();
}

module_init(tcp_lab_init);
module_exit(tcp_lab_exit);

MODULE_DESCRIPTION("TCP laboratory: congestion control, SYN cookie and TIME_WAIT experiments");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("tcplab developers");
MODULE_VERSION("0.1.0");
MODULE_ALIAS("tcp_lab_reno");
MODULE_ALIAS("tcp_lab_cubic");
