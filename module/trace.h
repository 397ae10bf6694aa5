/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_lab:lab_cc fires on every congestion-window decision of lab_reno and
 * lab_cubic: each ACK that reaches the algorithm, each loss reduction, each
 * undo, each HyStart++ phase change and the end of the first slow start
 * (ss_exit, whatever ended it; the ss_exit field of every lab_cubic event
 * says what did). With the 4-tuple it is enough to draw cwnd, ssthresh and
 * W_max over time per connection:
 *
 *   echo 1 > /sys/kernel/tracing/events/tcp_lab/lab_cc/enable
 *   perf record -e tcp_lab:lab_cc -a
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tcp_lab

#if !defined(_TCP_LAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TCP_LAB_TRACE_H

#include <linux/tracepoint.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/tcp.h>
#include <trace/events/net_probe_common.h>
#include <tcp_lab/tcp_lab.h>

/*
 * The enums below reach the format file as their names; these tell tracefs
 * to put the values there, so that perf and libtraceevent can print them.
 */
TRACE_DEFINE_ENUM(TCP_LAB_ALGO_RENO);
TRACE_DEFINE_ENUM(TCP_LAB_ALGO_CUBIC);
TRACE_DEFINE_ENUM(LAB_EV_INIT);
TRACE_DEFINE_ENUM(LAB_EV_ACK);
TRACE_DEFINE_ENUM(LAB_EV_LOSS);
TRACE_DEFINE_ENUM(LAB_EV_UNDO);
TRACE_DEFINE_ENUM(LAB_EV_CSS_ENTER);
TRACE_DEFINE_ENUM(LAB_EV_CSS_RETURN);
TRACE_DEFINE_ENUM(LAB_EV_SS_EXIT);
TRACE_DEFINE_ENUM(LAB_EV_IDLE);
TRACE_DEFINE_ENUM(TCP_LAB_PHASE_SS);
TRACE_DEFINE_ENUM(TCP_LAB_PHASE_CSS);
TRACE_DEFINE_ENUM(TCP_LAB_PHASE_CA);
TRACE_DEFINE_ENUM(TCP_LAB_SS_EXIT_NONE);
TRACE_DEFINE_ENUM(TCP_LAB_SS_EXIT_LOSS);
TRACE_DEFINE_ENUM(TCP_LAB_SS_EXIT_RTO);
TRACE_DEFINE_ENUM(TCP_LAB_SS_EXIT_ACK_TRAIN);
TRACE_DEFINE_ENUM(TCP_LAB_SS_EXIT_DELAY);
TRACE_DEFINE_ENUM(TCP_LAB_SS_EXIT_CSS);
TRACE_DEFINE_ENUM(TCP_LAB_SS_EXIT_SSTHRESH);

#define lab_show_algo(a)						\
	__print_symbolic(a, { TCP_LAB_ALGO_RENO, "lab_reno" },		\
			    { TCP_LAB_ALGO_CUBIC, "lab_cubic" })

#define lab_show_event(e)						\
	__print_symbolic(e, { LAB_EV_INIT, "init" },			\
			    { LAB_EV_ACK, "ack" },			\
			    { LAB_EV_LOSS, "loss" },			\
			    { LAB_EV_UNDO, "undo" },			\
			    { LAB_EV_CSS_ENTER, "css_enter" },		\
			    { LAB_EV_CSS_RETURN, "css_return" },	\
			    { LAB_EV_SS_EXIT, "ss_exit" },		\
			    { LAB_EV_IDLE, "idle_restart" })

#define lab_show_phase(p)						\
	__print_symbolic(p, { TCP_LAB_PHASE_SS, "ss" },			\
			    { TCP_LAB_PHASE_CSS, "css" },		\
			    { TCP_LAB_PHASE_CA, "ca" })

#define lab_show_ss_exit(x)						\
	__print_symbolic(x, { TCP_LAB_SS_EXIT_NONE, "none" },		\
			    { TCP_LAB_SS_EXIT_LOSS, "loss" },		\
			    { TCP_LAB_SS_EXIT_RTO, "rto" },		\
			    { TCP_LAB_SS_EXIT_ACK_TRAIN, "ack_train" },	\
			    { TCP_LAB_SS_EXIT_DELAY, "delay" },		\
			    { TCP_LAB_SS_EXIT_CSS, "css" },		\
			    { TCP_LAB_SS_EXIT_SSTHRESH, "ssthresh" })

TRACE_EVENT(lab_cc,

	TP_PROTO(const struct sock *sk, const struct lab_cc_trace *t),

	TP_ARGS(sk, t),

	TP_STRUCT__entry(
		__array(__u8, saddr, sizeof(struct sockaddr_in6))
		__array(__u8, daddr, sizeof(struct sockaddr_in6))
		__field(__u8, algo)
		__field(__u8, event)
		__field(__u8, phase)
		__field(__u32, cwnd)
		__field(__u32, ssthresh)
		__field(__u32, srtt_us)
		__field(__u32, w_max)
		__field(__u32, k_ms)
		__field(__u32, epoch_ms)
		__field(__u32, min_rtt_us)
		__field(__u32, w_est)
		__field(__u8, ss_exit)
	),

	TP_fast_assign(
		const struct inet_sock *inet = inet_sk(sk);
		const struct tcp_sock *tp = tcp_sk(sk);

		memset(__entry->saddr, 0, sizeof(struct sockaddr_in6));
		memset(__entry->daddr, 0, sizeof(struct sockaddr_in6));
		TP_STORE_ADDR_PORTS(__entry, inet, sk);
		__entry->algo = t->algo;
		__entry->event = t->event;
		__entry->phase = t->phase;
		__entry->cwnd = tcp_snd_cwnd(tp);
		__entry->ssthresh = tp->snd_ssthresh;
		__entry->srtt_us = tp->srtt_us >> 3;
		__entry->w_max = t->w_max;
		__entry->k_ms = t->k_ms;
		__entry->epoch_ms = t->epoch_ms;
		__entry->min_rtt_us = t->min_rtt_us;
		__entry->w_est = t->w_est;
		__entry->ss_exit = t->ss_exit;
	),

	TP_printk("src=%pISpc dst=%pISpc algo=%s event=%s phase=%s cwnd=%u ssthresh=%u srtt_us=%u w_max=%u k_ms=%u epoch_ms=%u min_rtt_us=%u w_est=%u ss_exit=%s",
		  __entry->saddr, __entry->daddr,
		  lab_show_algo(__entry->algo), lab_show_event(__entry->event),
		  lab_show_phase(__entry->phase), __entry->cwnd,
		  __entry->ssthresh, __entry->srtt_us, __entry->w_max,
		  __entry->k_ms, __entry->epoch_ms, __entry->min_rtt_us,
		  __entry->w_est, lab_show_ss_exit(__entry->ss_exit))
);

#endif /* _TCP_LAB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
