/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels tcp_lab builds for lives here, so the
 * .c files read as if written for one kernel. Tested: Debian 12's 6.1 and 6.12,
 * and Debian unstable's newest (7.2).
 */
#ifndef _TCP_LAB_COMPAT_H
#define _TCP_LAB_COMPAT_H

#include <linux/version.h>
#include <linux/sysctl.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/tcp.h>

/* 6.11 made the table argument of proc handlers const. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define lab_ctl_table const struct ctl_table
#else
#define lab_ctl_table struct ctl_table
#endif

/*
 * Before 6.11 a sysctl table ends with an empty sentinel entry; from 6.11 the
 * size is passed instead and an empty entry is rejected ("procname is null").
 * register_net_sysctl_sz() appeared in 6.6.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define LAB_SYSCTL_SENTINELS 0
#else
#define LAB_SYSCTL_SENTINELS 1
#endif

static inline struct ctl_table_header *
lab_register_net_sysctl(struct net *net, const char *path,
			struct ctl_table *table, size_t entries)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return register_net_sysctl_sz(net, path, table, entries);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/*
 * 6.8 stopped passing the cookie to __cookie_v4_check() and
 * __cookie_v6_check(): they take it from the ACK's acknowledgment number.
 */
static inline int lab_cookie_v4_check(const struct iphdr *iph,
				      const struct tcphdr *th)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return __cookie_v4_check(iph, th);
#else
	return __cookie_v4_check(iph, th, ntohl(th->ack_seq) - 1);
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
static inline int lab_cookie_v6_check(const struct ipv6hdr *iph,
				      const struct tcphdr *th)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return __cookie_v6_check(iph, th);
#else
	return __cookie_v6_check(iph, th, ntohl(th->ack_seq) - 1);
#endif
}
#endif

/*
 * The namespace's TIME_WAIT bookkeeping: the count in tw_refcount, the
 * established hash in hashinfo. Early 6.1 releases reached it through a
 * pointer; the tested 6.1 (Debian's 6.1.0-56, 6.1.192) embeds it in
 * netns_ipv4 as 6.12 does, so one accessor serves both. On a kernel with
 * the pointer this fails to build rather than misbehave.
 */
static inline struct inet_timewait_death_row *lab_tcp_death_row(struct net *net)
{
	return &net->ipv4.tcp_death_row;
}

/*
 * 6.18 dropped the struct inet_hashinfo argument of the TCP socket lookups
 * (DCCP, their other user, was gone): they take the namespace's TCP hash
 * themselves, the one lab_tcp_death_row() leads to before.
 */
static inline struct sock *
lab_inet_lookup_established(struct net *net, __be32 saddr, __be16 sport,
			    __be32 daddr, u16 hnum, int dif, int sdif)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return __inet_lookup_established(net, saddr, sport, daddr, hnum,
					 dif, sdif);
#else
	return __inet_lookup_established(net, lab_tcp_death_row(net)->hashinfo,
					 saddr, sport, daddr, hnum, dif, sdif);
#endif
}

static inline struct sock *
lab_inet_lookup_listener(struct net *net, struct sk_buff *skb, int doff,
			 __be32 saddr, __be16 sport, __be32 daddr,
			 unsigned short hnum, int dif, int sdif)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return __inet_lookup_listener(net, skb, doff, saddr, sport, daddr,
				      hnum, dif, sdif);
#else
	return __inet_lookup_listener(net, lab_tcp_death_row(net)->hashinfo,
				      skb, doff, saddr, sport, daddr, hnum,
				      dif, sdif);
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
static inline struct sock *
lab_inet6_lookup_established(struct net *net, const struct in6_addr *saddr,
			     __be16 sport, const struct in6_addr *daddr,
			     u16 hnum, int dif, int sdif)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return __inet6_lookup_established(net, saddr, sport, daddr, hnum,
					  dif, sdif);
#else
	return __inet6_lookup_established(net, lab_tcp_death_row(net)->hashinfo,
					  saddr, sport, daddr, hnum, dif, sdif);
#endif
}

static inline struct sock *
lab_inet6_lookup_listener(struct net *net, struct sk_buff *skb, int doff,
			  const struct in6_addr *saddr, __be16 sport,
			  const struct in6_addr *daddr, unsigned short hnum,
			  int dif, int sdif)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return inet6_lookup_listener(net, skb, doff, saddr, sport, daddr,
				     hnum, dif, sdif);
#else
	return inet6_lookup_listener(net, lab_tcp_death_row(net)->hashinfo,
				     skb, doff, saddr, sport, daddr, hnum,
				     dif, sdif);
#endif
}
#else
/*
 * Without IPv6 no segment is IPv6: callers test IS_ENABLED(CONFIG_IPV6)
 * first and the compiler drops the call, but the code around it must
 * still compile, and the kernel declares no inet6 lookups then.
 */
static inline struct sock *
lab_inet6_lookup_established(struct net *net, const struct in6_addr *saddr,
			     __be16 sport, const struct in6_addr *daddr,
			     u16 hnum, int dif, int sdif)
{
	return NULL;
}

static inline struct sock *
lab_inet6_lookup_listener(struct net *net, struct sk_buff *skb, int doff,
			  const struct in6_addr *saddr, __be16 sport,
			  const struct in6_addr *daddr, unsigned short hnum,
			  int dif, int sdif)
{
	return NULL;
}
#endif

#endif /* _TCP_LAB_COMPAT_H */
