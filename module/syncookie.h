/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SYN-cookie hook (syncookie.c): the namespace's settings and state, and
 * what main.c and sysctl.c call.
 */
#ifndef _TCP_LAB_SYNCOOKIE_H
#define _TCP_LAB_SYNCOOKIE_H

#include <linux/types.h>

struct tcp_lab_net;

enum tcp_lab_syncookie_mode {
	TCP_LAB_SYNCOOKIE_OFF,
	TCP_LAB_SYNCOOKIE_PRESSURE,	/* when the SYN queue passes threshold */
	TCP_LAB_SYNCOOKIE_ALWAYS,
};

#define TCP_LAB_NPORTS	65536

/* net.tcp_lab.syncookie_*, read by the hook for every packet. */
struct tcp_lab_sc_net {
	int mode;		/* enum tcp_lab_syncookie_mode */
	int threshold;		/* percent of the listener's SYN queue */
	int drop_invalid;	/* drop ACKs with a bad cookie */
	unsigned long *ports;	/* bitmap of protected local ports */
	bool hooked;		/* hooks registered; under tcp_lab_net.mutex */
};

int tcp_lab_syncookie_init(struct tcp_lab_net *ln);
void tcp_lab_syncookie_exit(struct tcp_lab_net *ln);
/* Hooks follow sc.mode: after a write of it, under tcp_lab_net.mutex. */
int tcp_lab_syncookie_apply(struct tcp_lab_net *ln);

#endif /* _TCP_LAB_SYNCOOKIE_H */
