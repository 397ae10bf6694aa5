// SPDX-License-Identifier: GPL-2.0
/*
 * struct tcp_lab_cc_info against what the kernel reports it as: it must fit
 * union tcp_cc_info, and the words include/tcp_lab/cc_info.h says keep
 * struct tcpvegas_info's meaning must sit where that struct has them.
 */
#include <stddef.h>
#include <linux/inet_diag.h>
#include <tcp_lab/cc_info.h>

#include "ktap.h"

#define SAME_OFFSET(ours, vegas) \
	(offsetof(struct tcp_lab_cc_info, ours) == \
	 offsetof(struct tcpvegas_info, vegas))

int main(void)
{
	ktap_plan(3);
	ktap_result(sizeof(struct tcp_lab_cc_info) <= sizeof(union tcp_cc_info),
		    "cc_info_fits_union_tcp_cc_info");
	ktap_result(SAME_OFFSET(algo, tcpv_enabled) &&
		    SAME_OFFSET(rtt_us, tcpv_rtt) &&
		    SAME_OFFSET(min_rtt_us, tcpv_minrtt),
		    "vegas_words_1_3_4_where_tcpvegas_info_has_them");
	/* The one documented difference: word 2 is the phase. */
	ktap_result(SAME_OFFSET(phase, tcpv_rttcnt),
		    "phase_is_in_tcpv_rttcnt_as_documented");
	return ktap_finish();
}
