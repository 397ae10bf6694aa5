// SPDX-License-Identifier: GPL-2.0
/*
 * tcplab-flood: TCP SYNs (or bogus ACKs) at a fixed rate from random source
 * addresses and ports, through an AF_PACKET socket on one interface.
 *
 * The point is a load whose rate is known: hping3 offered anything from
 * 9.7k to 22k SYN/s when asked for one rate, so a benchmark measured the
 * generator. Here a token bucket paced on CLOCK_MONOTONIC decides how many
 * packets are due; if the sender cannot send them in time it says so in its
 * result (kept_up false, offered_pps) instead of quietly sending fewer.
 *
 * One JSON object on stdout at the end; diagnostics on stderr; exit 0 when
 * the run happened (even if it fell behind), 1 on a runtime error, 2 on a
 * usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "tcplab-flood"
#include "tool.h"

#define BATCH 64		/* messages per sendmmsg() */
#define MAX_WAKEUPS 4000	/* a second, by default; see the pacing loop */
#define FRAME_MAX 128

enum kind { SYN, ACK };

static struct {
	const char *ifname;
	int family;
	uint8_t dst[16], src[16];	/* network order */
	int src_plen;
	uint16_t dport;
	enum kind kind;
	int opts;			/* Linux-like TCP options or none */
	double rate;			/* packets/s, 0 = as fast as possible */
	double secs;
	uint64_t count;
	uint64_t burst;
	uint64_t wakeups;		/* at most this many a second */
	int cpu;
	int qdisc;			/* through the interface's qdisc */
	uint8_t dmac[6];
	int have_dmac;
	uint64_t seed;
} o = { .kind = SYN, .opts = 1, .cpu = -1, .wakeups = MAX_WAKEUPS };

static void usage(const char *msg)
{
	tool_usage(msg,
"usage: tcplab-flood -i IF -d DST -p PORT -s SRC/PLEN [-k syn|ack] [-r PPS]\n"
"                    [-t SECONDS | -n COUNT] [-o linux|none] [-m MAC]\n"
"                    [-b BURST] [-w WAKEUPS] [-c CPU] [-q] [-S SEED]\n"
"  -s  random sources are drawn from this prefix (IPv4 or IPv6, as DST);\n"
"      the receiver must route it back via one neighbour (ip route add\n"
"      SRC/PLEN via ADDR), else it resolves every source on its own\n"
"  -r  rate in packets/s (default 1000); 0: as fast as possible\n"
"  -t  duration (default 1 s); -n COUNT instead: COUNT packets at the rate\n"
"  -o  SYN options: linux (MSS, SACK_PERM, TS, WS; ACKs carry TS) or none\n"
"  -m  destination MAC; default: the one the kernel uses for DST\n"
"  -b  token bucket depth in packets (default 100 ms worth, at least 64)\n"
"  -w  wake at most this often a second (default 4000): above that rate\n"
"      each wakeup sends rate/WAKEUPS packets back to back\n"
"  -c  pin to this CPU\n"
"  -q  through the interface's qdisc (default: straight to the driver)\n");
}

/* xorshift64*: fast, and good enough to spread addresses and ports. */
static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (b[0] << 8) | b[1];
	if (len)
		sum += b[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static int l3len(void) { return o.family == AF_INET ? 20 : 40; }

static int tcp_optlen(void)
{
	if (!o.opts)
		return 0;
	/* What Linux puts on a SYN, in its order; on an ACK, NOP NOP TS. */
	return o.kind == SYN ? 20 : 12;
}

/* The parts of a frame that stay the same from packet to packet. */
static int build_template(uint8_t *f, const uint8_t *smac)
{
	uint8_t *ip = f + 14, *th = ip + l3len(), *op = th + 20;
	int tlen = 20 + tcp_optlen();

	memcpy(f, o.dmac, 6);
	memcpy(f + 6, smac, 6);
	if (o.family == AF_INET) {
		put16(f + 12, ETH_P_IP);
		ip[0] = 0x45;
		put16(ip + 2, 20 + tlen);
		put16(ip + 6, 0x4000);		/* DF, as Linux sends */
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 16, o.dst, 4);
	} else {
		put16(f + 12, ETH_P_IPV6);
		ip[0] = 0x60;
		put16(ip + 4, tlen);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 24, o.dst, 16);
	}
	put16(th + 2, o.dport);
	th[12] = (tlen / 4) << 4;
	th[13] = o.kind == SYN ? 0x02 : 0x10;
	put16(th + 14, o.kind == SYN ? 64240 : 502);
	if (o.opts && o.kind == SYN) {
		static const uint8_t syn_opts[20] = {
			2, 4, 0x05, 0xb4,	/* MSS 1460 */
			4, 2,			/* SACK permitted */
			8, 10, 0, 0, 0, 0, 0, 0, 0, 0,	/* TS val, ecr 0 */
			1, 3, 3, 7,		/* NOP, window scale 7 */
		};
		memcpy(op, syn_opts, sizeof(syn_opts));
	} else if (o.opts) {
		static const uint8_t ack_opts[12] = { 1, 1, 8, 10 };

		memcpy(op, ack_opts, sizeof(ack_opts));
	}
	return 14 + l3len() + tlen;
}

/* Fill in what varies: source, port, sequence numbers, timestamps, sums. */
static void randomize(uint8_t *f, int len)
{
	uint8_t *ip = f + 14, *th = ip + l3len();
	int alen = o.family == AF_INET ? 4 : 16, tlen = len - 14 - l3len(), i;
	uint8_t *src = ip + (o.family == AF_INET ? 12 : 8);
	uint64_t r = rnd(), r2 = rnd();
	uint32_t sum;

	for (i = 0; i < alen; i++) {
		int keep = o.src_plen - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : 0xff << (8 - keep);

		if (i % 8 == 0 && i)
			r = rnd();
		src[i] = (o.src[i] & mask) | ((r >> (i % 8 * 8)) & ~mask);
	}
	put16(th, 1024 + r2 % 64512);
	put32(th + 4, r2 >> 16);
	if (o.kind == ACK)
		put32(th + 8, rnd());
	if (o.opts && o.kind == SYN) {
		put32(th + 28, rnd());
	} else if (o.opts) {
		r = rnd();
		put32(th + 24, r);
		put32(th + 28, r >> 32);
	}
	if (o.family == AF_INET) {
		put16(ip + 4, r2 >> 48);
		ip[10] = ip[11] = 0;
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	}
	th[16] = th[17] = 0;
	sum = csum_add(0, src, 2 * alen);	/* src and dst are adjacent */
	sum += IPPROTO_TCP + tlen;
	sum = csum_add(sum, th, tlen);
	put16(th + 16, csum_fold(sum));
}

/*
 * The destination MAC the kernel itself would use (DST's, or its
 * gateway's): send a UDP datagram to DST's discard port and read the
 * Ethernet header off our own outgoing copy. Works for ARP and ND alike,
 * and waits while the kernel resolves.
 */
static void resolve_dmac(int ifindex)
{
	struct sockaddr_storage ss = { 0 };
	int cap, udp, tries;
	uint8_t buf[256];

	cap = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (cap < 0)
		die("packet socket");
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex };
	if (bind(cap, (struct sockaddr *)&ll, sizeof(ll)))
		die("bind packet socket");
	struct timeval tv = { 0, 100000 };

	setsockopt(cap, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	udp = socket(o.family, SOCK_DGRAM, 0);
	if (udp < 0)
		die("udp socket");
	if (setsockopt(udp, SOL_SOCKET, SO_BINDTODEVICE, o.ifname,
		       strlen(o.ifname)))
		die("SO_BINDTODEVICE");
	if (o.family == AF_INET) {
		struct sockaddr_in *s = (void *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(9);
		memcpy(&s->sin_addr, o.dst, 4);
	} else {
		struct sockaddr_in6 *s = (void *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(9);
		memcpy(&s->sin6_addr, o.dst, 16);
	}
	if (connect(udp, (struct sockaddr *)&ss, sizeof(ss)))
		die("connect udp to DST");
	for (tries = 0; tries < 30; tries++) {
		if (tries % 5 == 0 && send(udp, "", 1, 0) < 0)
			die("send udp to DST");
		for (;;) {
			socklen_t sl = sizeof(ll);
			ssize_t n = recvfrom(cap, buf, sizeof(buf), 0,
					     (struct sockaddr *)&ll, &sl);
			int v4 = o.family == AF_INET;
			uint8_t *ip = buf + 14;

			if (n < 0)
				break;
			if (ll.sll_pkttype != PACKET_OUTGOING ||
			    n < 14 + (v4 ? 28 : 48) ||
			    ntohs(*(uint16_t *)(buf + 12)) !=
			    (v4 ? ETH_P_IP : ETH_P_IPV6) ||
			    ip[v4 ? 9 : 6] != IPPROTO_UDP ||
			    memcmp(ip + (v4 ? 16 : 24), o.dst, v4 ? 4 : 16) ||
			    ntohs(*(uint16_t *)(ip + (v4 ? 22 : 42))) != 9)
				continue;
			memcpy(o.dmac, buf, 6);
			close(cap);
			close(udp);
			return;
		}
	}
	fprintf(stderr, "tcplab-flood: no link-layer address for the destination on %s within 3 s (give -m)\n",
		o.ifname);
	exit(1);
}

/* This namespace's counters for IF from /proc/net/dev (sysfs may belong to
 * another namespace when entered with nsenter). Returns -1 if not found.
 */
static int if_counters(uint64_t *tx, uint64_t *txdrop)
{
	char line[512], name[IFNAMSIZ + 2];
	unsigned long long v[16];
	FILE *f = fopen("/proc/net/dev", "r");
	int ret = -1;

	if (!f)
		return -1;
	snprintf(name, sizeof(name), "%s:", o.ifname);
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");

		if (strncmp(p, name, strlen(name)))
			continue;
		if (sscanf(p + strlen(name),
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			   &v[8], &v[9], &v[10], &v[11]) == 12) {
			*tx = v[9];
			*txdrop = v[11];
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

static int parse_addr(const char *s, uint8_t *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a) == 1)
		return AF_INET6;
	return 0;
}

static void parse_args(int argc, char **argv)
{
	const char *dst = NULL, *src = NULL;
	char sbuf[64], *slash, *end;
	int c, fam;

	o.rate = 1000;
	while ((c = getopt(argc, argv, "i:d:p:s:k:r:t:n:o:m:b:w:c:qS:h")) != -1) {
		switch (c) {
		case 'i':
			o.ifname = optarg;
			break;
		case 'd':
			dst = optarg;
			break;
		case 'p':
			o.dport = strtoul(optarg, &end, 10);
			if (*end || !o.dport)
				usage("bad port");
			break;
		case 's':
			src = optarg;
			break;
		case 'k':
			if (!strcmp(optarg, "syn"))
				o.kind = SYN;
			else if (!strcmp(optarg, "ack"))
				o.kind = ACK;
			else
				usage("kind is syn or ack");
			break;
		case 'r':
			o.rate = strtod(optarg, &end);
			if (*end || o.rate < 0 || o.rate > 1e8)
				usage("bad rate");
			break;
		case 't':
			o.secs = strtod(optarg, &end);
			if (*end || o.secs <= 0 || o.secs > 86400)
				usage("bad duration");
			break;
		case 'n':
			o.count = strtoull(optarg, &end, 10);
			if (*end || !o.count)
				usage("bad count");
			break;
		case 'o':
			if (strcmp(optarg, "linux") && strcmp(optarg, "none"))
				usage("options are linux or none");
			o.opts = !strcmp(optarg, "linux");
			break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
				   &o.dmac[0], &o.dmac[1], &o.dmac[2],
				   &o.dmac[3], &o.dmac[4], &o.dmac[5]) != 6)
				usage("bad MAC");
			o.have_dmac = 1;
			break;
		case 'b':
			o.burst = strtoull(optarg, &end, 10);
			if (*end || !o.burst)
				usage("bad burst");
			break;
		case 'w':
			o.wakeups = strtoull(optarg, &end, 10);
			if (*end || !o.wakeups || o.wakeups > 1000000)
				usage("bad wakeups");
			break;
		case 'c':
			o.cpu = parse_cpu(optarg);
			if (o.cpu < 0)
				usage("bad cpu");
			break;
		case 'q':
			o.qdisc = 1;
			break;
		case 'S':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage(NULL);
		}
	}
	if (optind != argc || !o.ifname || !dst || !src || !o.dport)
		usage("-i, -d, -p and -s are required");
	if (o.secs && o.count)
		usage("-t or -n, not both");
	if (o.count && !o.rate)
		usage("-n needs a rate");
	if (!o.secs && !o.count)
		o.secs = 1;
	o.family = parse_addr(dst, o.dst);
	if (!o.family)
		usage("bad destination address");
	snprintf(sbuf, sizeof(sbuf), "%s", src);
	slash = strchr(sbuf, '/');
	if (!slash)
		usage("source is ADDR/PLEN");
	*slash = 0;
	fam = parse_addr(sbuf, o.src);
	o.src_plen = strtol(slash + 1, &end, 10);
	if (fam != o.family || *end ||
	    o.src_plen < 0 || o.src_plen > (fam == AF_INET ? 32 : 128))
		usage("bad source prefix (same family as the destination)");
}

static uint64_t t0, mrate;	/* start; rate in packets per 1000 s */

/* When the k-th packet of the run falls due. */
static uint64_t at_ns(uint64_t k)
{
	return t0 + (__uint128_t)k * 1000000000000ULL / mrate;
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME_MAX];
	static struct iovec iov[BATCH];
	static struct mmsghdr msgs[BATCH];
	uint64_t asked, issued = 0, sent = 0, drops = 0, lost = 0, wakeups = 0;
	uint64_t max_late = 0;
	uint64_t tx0 = 0, txd0 = 0, tx1 = 0, txd1 = 0, t, stop_ns, quantum;
	struct ifreq ifr = { 0 };
	struct sockaddr_ll ll;
	struct rusage ru;
	int fd, len, i, have_tx, kept_up, sndbuf = 8 << 20, one = 1;
	double elapsed, span, achieved, offered, w0;

	parse_args(argc, argv);
	pin_cpu(o.cpu);
	/* A sender that waits for its CPU behind the clients and the lab's
	 * own processes falls behind its schedule; it sleeps between
	 * batches, so the others still get the rest. Best effort.
	 */
	if (o.cpu >= 0)
		setpriority(PRIO_PROCESS, 0, -20);
	/* The default 50 us slack would stretch every short sleep. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (!o.seed && getrandom(&o.seed, sizeof(o.seed), 0) != sizeof(o.seed))
		die("getrandom");
	rng = o.seed | 1;

	ll = (struct sockaddr_ll){ .sll_family = AF_PACKET,
		.sll_ifindex = if_nametoindex(o.ifname) };
	if (!ll.sll_ifindex)
		die(o.ifname);
	/* Protocol 0: a send-only socket, so no copy of every frame on the
	 * interface is queued to it.
	 */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("packet socket");
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)))
		die("bind packet socket");
	/* Frames queued on another CPU (a veth peer under RPS) stay charged
	 * to this socket until processed; with the default send buffer the
	 * sender blocks and the victim paces the flood. A flood is not
	 * flow-controlled: with room for more than a backlog holds, the
	 * receiver's overload shows as refused frames (xmit_drops) instead.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	/* Straight to the driver: a flood needs no qdisc, and no copy to
	 * the interface's packet taps. But a veth whose peer's backlog is
	 * full refuses the frame, and sendmmsg() then stops at it: once the
	 * receiver saturates, that is a system call or two per refused
	 * frame, and the sender falls behind for the receiver's overload.
	 * Through a qdisc (-q; the interface needs one, not noqueue) a
	 * refusal ends in the qdisc and the batch goes on.
	 */
	if (!o.qdisc)
		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			   sizeof(one));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o.ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	if (ifr.ifr_hwaddr.sa_family != 1 /* ARPHRD_ETHER */) {
		fprintf(stderr, "tcplab-flood: %s is not an Ethernet device\n", o.ifname);
		return 1;
	}
	if (!o.have_dmac)
		resolve_dmac(ll.sll_ifindex);
	ll.sll_protocol = htons(o.family == AF_INET ? ETH_P_IP : ETH_P_IPV6);

	len = build_template(frames[0], (uint8_t *)ifr.ifr_hwaddr.sa_data);
	for (i = 0; i < BATCH; i++) {
		memcpy(frames[i], frames[0], len);
		iov[i] = (struct iovec){ frames[i], len };
		msgs[i].msg_hdr = (struct msghdr){ .msg_name = &ll,
			.msg_namelen = sizeof(ll), .msg_iov = &iov[i],
			.msg_iovlen = 1 };
	}

	if (o.rate)
		asked = o.count ? o.count : (uint64_t)(o.rate * o.secs + 0.5);
	else
		asked = UINT64_MAX;
	/* Deep enough to ride out a preemption on a busy host (gaps of 5-25 ms
	 * were seen on the 2-CPU development VM next to a TCG guest): the
	 * due packets then go out late, in a burst, rather than not at all.
	 * Longer stalls lose packets, and the result counts them.
	 */
	if (!o.burst)
		o.burst = o.rate / 10 > 64 ? o.rate / 10 : 64;
	/* Wake at most o.wakeups times a second, each wakeup sending what
	 * fell due meanwhile: a wakeup is a timer interrupt, a context switch
	 * and two system calls. Waking up to 20000 times a second took about
	 * half the sender's CPU (24000 pps: 1.0 s of CPU in 3 s, 0.55 s at
	 * 4000 wakeups), CPU a flood benchmark shares with its clients.
	 */
	quantum = o.rate / o.wakeups > 1 ? o.rate / o.wakeups : 1;
	have_tx = if_counters(&tx0, &txd0) == 0;

	w0 = runq_wait_s();
	t0 = now_ns();
	mrate = o.rate * 1000;
	stop_ns = o.rate ? 0 : (uint64_t)(o.secs * 1e9);
	while (issued < asked) {
		uint64_t due, n;

		t = now_ns();
		if (o.rate) {
			due = (__uint128_t)(t - t0) * mrate / 1000000000000ULL;
			if (due > asked)
				due = asked;
			if (due <= issued) {
				/* Sleep until QUANTUM more packets are due. */
				uint64_t k = issued + quantum, at;
				struct timespec ts;

				at = at_ns(k < asked ? k : asked);
				ts.tv_sec = at / 1000000000ULL;
				ts.tv_nsec = at % 1000000000ULL;
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
				wakeups++;
				continue;
			}
			n = due - issued;
			/* How long the oldest due packet waited. */
			if (t - at_ns(issued + 1) > max_late)
				max_late = t - at_ns(issued + 1);
			if (n > o.burst) {
				lost += n - o.burst;
				issued += n - o.burst;
				n = o.burst;
			}
		} else {
			if (t - t0 >= stop_ns)
				break;
			n = BATCH;
		}
		while (n) {
			int k = n > BATCH ? BATCH : n, r;

			for (i = 0; i < k; i++)
				randomize(frames[i], len);
			r = sendmmsg(fd, msgs, k, 0);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r < 0 && errno != ENOBUFS)
				die("sendmmsg");
			if (r < 0)
				r = 0;
			sent += r;
			/* Short: the device refused message r (the peer's
			 * backlog was full). Not retried, since what the
			 * interface cannot take is part of the result; and
			 * the error sendmmsg() parked on the socket is
			 * cleared, or the next call would fail with it.
			 */
			if (r < k) {
				int e;
				socklen_t el = sizeof(e);

				getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
				drops++;
				r++;
			}
			issued += r;
			n -= r;
		}
	}
	t = now_ns();
	if (have_tx)
		have_tx = if_counters(&tx1, &txd1) == 0;
	getrusage(RUSAGE_SELF, &ru);

	/* The rate over the run's nominal length (the last packet falls due
	 * at its end): a stall near the end makes a late burst, as one in the
	 * middle would, not a lower rate. max_late_us shows both.
	 */
	elapsed = (t - t0) / 1e9;
	span = o.rate ? asked / o.rate : elapsed;
	achieved = sent / span;
	/* The sender kept pace if it offered what fell due; frames the
	 * device refused are the receiver's overload, not the sender's.
	 */
	offered = (sent + drops) / span;
	kept_up = !o.rate || offered >= 0.98 * o.rate;
	printf("{\"tool\":\"tcplab-flood\",\"kind\":\"%s\",\"family\":%d,"
	       "\"ifname\":\"%s\",\"rate\":%.0f,\"asked\":%llu,\"sent\":%llu,"
	       "\"xmit_drops\":%llu,\"lost_tokens\":%llu,\"duration_s\":%.6f,"
	       "\"offered_pps\":%.1f,\"achieved_pps\":%.1f,\"kept_up\":%s,",
	       o.kind == SYN ? "syn" : "ack", o.family == AF_INET ? 4 : 6,
	       o.ifname, o.rate, o.rate ? (unsigned long long)asked : 0ULL,
	       (unsigned long long)sent, (unsigned long long)drops,
	       (unsigned long long)lost, elapsed, offered, achieved,
	       kept_up ? "true" : "false");
	if (have_tx)
		printf("\"tx_packets\":%llu,\"tx_dropped\":%llu,",
		       (unsigned long long)(tx1 - tx0),
		       (unsigned long long)(txd1 - txd0));
	printf("\"max_late_us\":%llu,\"wakeups\":%llu,\"runq_wait_s\":%.3f,"
	       "\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,\"seed\":%llu}\n",
	       (unsigned long long)(max_late / 1000), (unsigned long long)wakeups,
	       w0 < 0 ? -1 : runq_wait_s() - w0,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	       (unsigned long long)o.seed);
	if (!kept_up)
		fprintf(stderr, "tcplab-flood: fell behind: offered %.0f pps of %.0f asked\n",
			offered, o.rate);
	return 0;
}
