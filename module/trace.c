// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tracepoints are instantiated here, and the helper that puts a
 * socket's addresses in the sockaddr form %pISpc prints.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <tcp_lab/tcp_lab.h>

#define CREATE_TRACE_POINTS
#include "trace.h"

void lab_trace_store_addrs(const struct sock *sk, u8 *saddr, u8 *daddr)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)saddr;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)daddr;

	memset(saddr, 0, sizeof(*s6));
	memset(daddr, 0, sizeof(*d6));
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = inet->inet_sport;
		s6->sin6_addr = sk->sk_v6_rcv_saddr;
		d6->sin6_family = AF_INET6;
		d6->sin6_port = inet->inet_dport;
		d6->sin6_addr = sk->sk_v6_daddr;
		return;
	}
#endif
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)saddr;
		struct sockaddr_in *d4 = (struct sockaddr_in *)daddr;

		s4->sin_family = AF_INET;
		s4->sin_port = inet->inet_sport;
		s4->sin_addr.s_addr = inet->inet_saddr;
		d4->sin_family = AF_INET;
		d4->sin_port = inet->inet_dport;
		d4->sin_addr.s_addr = inet->inet_daddr;
	}
}
