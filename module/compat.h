/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included ahead of every file of tcp_lab.ko (Kbuild: -include), the
 * way WireGuard's out-of-tree compat layer works: the .c files are written
 * for the newest kernel's API, and this header bends the older kernels we
 * build for to it. Each fix first includes the kernel header that declares
 * what it bends, so that header is read as the kernel wrote it, and only
 * then redefines a name. Tested: Debian 12's 6.1 and 6.12, and Debian
 * unstable's newest (7.2).
 */
#ifndef _TCP_LAB_COMPAT_H
#define _TCP_LAB_COMPAT_H

#include <linux/version.h>

/*
 * 6.18 dropped the struct inet_hashinfo argument of the TCP socket lookups
 * (DCCP, their other user, was gone): they take the namespace's TCP hash
 * themselves. Before, that is the hash of the namespace's death row, which
 * Debian's 6.1 and 6.12 embed in netns_ipv4.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>

#define __inet_lookup_established(net, ...)				\
	__inet_lookup_established(net, (net)->ipv4.tcp_death_row.hashinfo, \
				  __VA_ARGS__)
#define __inet_lookup_listener(net, ...)				\
	__inet_lookup_listener(net, (net)->ipv4.tcp_death_row.hashinfo,	\
			       __VA_ARGS__)
#if IS_ENABLED(CONFIG_IPV6)
#define __inet6_lookup_established(net, ...)				\
	__inet6_lookup_established(net, (net)->ipv4.tcp_death_row.hashinfo, \
				   __VA_ARGS__)
#define inet6_lookup_listener(net, ...)					\
	inet6_lookup_listener(net, (net)->ipv4.tcp_death_row.hashinfo,	\
			      __VA_ARGS__)
#endif
#endif

/*
 * Without IPv6 the kernel declares no IPv6 lookups; the module's IPv6 paths
 * sit behind IS_ENABLED(CONFIG_IPV6) and the compiler drops them, but they
 * must still compile.
 */
#if !IS_ENABLED(CONFIG_IPV6)
#include <linux/in6.h>
struct sk_buff;
struct net;
struct sock;

static inline struct sock *
__inet6_lookup_established(const struct net *net, const struct in6_addr *saddr,
			   __be16 sport, const struct in6_addr *daddr,
			   u16 hnum, int dif, int sdif)
{
	return NULL;
}

static inline struct sock *
inet6_lookup_listener(const struct net *net, struct sk_buff *skb, int doff,
		      const struct in6_addr *saddr, __be16 sport,
		      const struct in6_addr *daddr, unsigned short hnum,
		      int dif, int sdif)
{
	return NULL;
}
#endif

/*
 * 6.8 stopped passing the cookie to __cookie_v4_check() and
 * __cookie_v6_check(): they take it from the ACK's acknowledgment number.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#include <linux/netfilter_ipv6.h>
#include <net/tcp.h>

#define __cookie_v4_check(iph, th)					\
	__cookie_v4_check(iph, th, ntohl((th)->ack_seq) - 1)
#define __cookie_v6_check(iph, th)					\
	__cookie_v6_check(iph, th, ntohl((th)->ack_seq) - 1)
#endif

/*
 * 6.11 made the table a proc handler gets const, and the handler field of a
 * table wants such a handler. Before, handlers take a mutable table: the
 * kernel's own are called with ours cast back, and ours are stored cast to
 * the older type, which differs only in that qualifier.
 */
#include <linux/sysctl.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
#define proc_dointvec_minmax(table, ...)				\
	proc_dointvec_minmax((struct ctl_table *)(table), __VA_ARGS__)
#define proc_do_large_bitmap(table, ...)				\
	proc_do_large_bitmap((struct ctl_table *)(table), __VA_ARGS__)
#define TCP_LAB_PROC_HANDLER(fn)	((proc_handler *)(fn))
#else
#define TCP_LAB_PROC_HANDLER(fn)	(fn)
#endif

/* register_net_sysctl_sz() appeared in 6.6; before, the table's end tells. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
#include <net/net_namespace.h>

#define register_net_sysctl_sz(net, path, table, size)			\
	((void)(size), register_net_sysctl(net, path, table))
#endif

/*
 * 6.12 moved <asm/unaligned.h> to <linux/unaligned.h>. The TCP option
 * parser in include/tcp_lab/, which the unit tests compile too, takes
 * get_unaligned_be*() from here in the module.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

#endif /* _TCP_LAB_COMPAT_H */
