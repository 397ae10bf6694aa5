// SPDX-License-Identifier: GPL-2.0
/*
 * tcplab-churn: short TCP connections as fast as they go, the client closing
 * first so that the client holds the TIME_WAIT sockets; and (-l) the server
 * it talks to.
 *
 * A Python client spread from 956 to 2379 conn/s between runs, which hid
 * what the TIME_WAIT hooks cost. This client is one blocking loop (socket,
 * connect, send, optionally read the echo, close) so nothing but the kernel
 * sets its pace. It cycles through every ADDR x PORT given: each 4-tuple is
 * TIME_WAIT for 60 s after use, and one destination offers only the local
 * port range (28k ports by default), so the caller gives enough destinations
 * (or widens net.ipv4.ip_local_port_range) for rate x (runs' length + 60 s).
 * Running out shows up as EADDRNOTAVAIL in "failures"; a full TIME_WAIT
 * table (net.ipv4.tcp_max_tw_buckets: half the established hash, 8192 in a
 * 2 GiB guest) as a non-zero "tw_overflow", meaning sockets were closed
 * without TIME_WAIT.
 *
 * Protocol: the request is -m bytes; if its first byte is 'E' the server
 * echoes it and the client reads it all back before closing (a close with
 * unread data would send a RST and skip TIME_WAIT). The server closes when
 * it reads the client's FIN.
 *
 * Client: one JSON object on stdout at the end. Server: one JSON object per
 * line: {"ready":...} once listening, a snapshot on SIGUSR1, a last one on
 * SIGTERM/SIGINT or after -t. Errors on stderr; exit 1 runtime, 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "tcplab-churn"
#include "tool.h"

#define MAX_DST 1024
#define NERR 512		/* errno values counted one by one */

static struct {
	int serve;
	int naddr;
	int port_lo, port_hi;
	double secs;
	int msg;
	int echo;
	int interval_ms;
	int timeout_ms;
	int cpu;
} o = { .msg = 32, .interval_ms = 1000, .timeout_ms = 2000, .cpu = -1 };

static struct sockaddr_storage addr[MAX_DST];	/* -d or -a, port unset */
static socklen_t alen[MAX_DST];

/* Every connection's times in microseconds, for percentiles at the end. */
struct lat {
	float *us;
	size_t n, cap;
};

static struct lat lat_connect, lat_conn;

static void usage(const char *msg)
{
	tool_usage(msg,
"usage: tcplab-churn -d ADDR[,ADDR...] -p PORT[-PORT] [-t SECONDS] [-m BYTES]\n"
"                    [-e] [-i MS] [-T MS] [-c CPU]\n"
"       tcplab-churn -l [-a ADDR[,ADDR...]] -p PORT[-PORT] [-t SECONDS] [-c CPU]\n"
"  -d  server addresses (IPv4 and/or IPv6); the client cycles through\n"
"      every address x port, so each 4-tuple is reused as late as possible\n"
"  -t  client: run time (default 3 s); server: exit after this (default never)\n"
"  -m  request size in bytes (default 32)   -e  have it echoed and read it\n"
"  -i  report completions per interval of MS ms (default 1000; 0: none)\n"
"  -T  per-connection timeout in ms (default 2000)\n"
"  -l  serve (also --serve): listen on every ADDR (default 0.0.0.0) x port\n"
"  -c  pin to this CPU\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void lat_add(struct lat *l, double s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		float *us = realloc(l->us, cap * sizeof(*us));

		if (!us)
			die("realloc");
		l->us = us;
		l->cap = cap;
	}
	l->us[l->n++] = s * 1e6;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* "NAME":{"p50":..,"p90":..,"p99":..,"max":..} in microseconds. */
static void lat_print(const char *name, struct lat *l)
{
	static const int pct[] = { 50, 90, 99 };
	size_t i;

	printf("\"%s\":{", name);
	if (!l->n) {
		printf("},");
		return;
	}
	qsort(l->us, l->n, sizeof(*l->us), cmp_float);
	for (i = 0; i < ARRAY_SIZE(pct); i++)
		printf("\"p%d\":%.1f,", pct[i], l->us[(l->n - 1) * pct[i] / 100]);
	printf("\"max\":%.1f},", l->us[l->n - 1]);
}

static void set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static void parse_addrs(const char *arg)
{
	char *list = strdup(arg), *tok, *save = NULL;

	if (!list)
		die("strdup");
	/* A copy: strtok_r() on argv would change what ps shows. */
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct sockaddr_in *s4 = (void *)&addr[o.naddr];
		struct sockaddr_in6 *s6 = (void *)&addr[o.naddr];

		if (o.naddr == MAX_DST)
			usage("too many addresses");
		if (inet_pton(AF_INET, tok, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			alen[o.naddr++] = sizeof(*s4);
		} else if (inet_pton(AF_INET6, tok, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			alen[o.naddr++] = sizeof(*s6);
		} else {
			usage("bad address");
		}
	}
	free(list);
}

/* A TcpExt counter of this namespace, -1 if there is none. */
static long long tcpext(const char *name)
{
	char names[4096], vals[4096];
	FILE *f = fopen("/proc/net/netstat", "r");
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		char *sn, *sv, *n, *x;

		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &sn);
		x = strtok_r(vals, " \n", &sv);
		while (n && x) {
			if (!strcmp(n, name))
				v = atoll(x);
			n = strtok_r(NULL, " \n", &sn);
			x = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return v;
}

static const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "short_reply";

	return s ? s : "unknown";
}

/* One connection; 0 on success, else the errno of the step that failed. */
static int one(struct sockaddr_storage *ss, socklen_t len, const char *req)
{
	struct timeval tv = { o.timeout_ms / 1000, o.timeout_ms % 1000 * 1000 };
	char buf[65536];
	int fd, got = 0, e = 0;
	double t;
	ssize_t n;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	/* Bounds a lost SYN or reply; connect() then fails with EINPROGRESS. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t = now_s();
	if (connect(fd, (struct sockaddr *)ss, len)) {
		e = errno;
		goto out;
	}
	lat_add(&lat_connect, now_s() - t);
	if (o.msg) {
		n = write(fd, req, o.msg);
		if (n != o.msg) {
			e = n < 0 ? errno : EIO;
			goto out;
		}
	}
	while (o.echo && got < o.msg) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			e = n < 0 ? errno : 0;
			if (!e)
				e = -1;
			goto out;
		}
		got += n;
	}
out:
	close(fd);
	return e;
}

static int client(void)
{
	static long long fails[NERR + 1];
	double t0, t, end, last, max_lat = 0, c0, w0, w;
	long long ok = 0, failed = 0, *ivals = NULL, tw0, tw1, slow = 0;
	int nival = 0, i, d = 0, ndst, port, e;
	char *req;

	if (!o.naddr)
		usage("-d is required");
	ndst = o.naddr * (o.port_hi - o.port_lo + 1);
	req = malloc(o.msg + 1);
	if (!req)
		die("malloc");
	memset(req, 'x', o.msg + 1);
	req[0] = o.echo ? 'E' : 'N';
	if (o.interval_ms) {
		nival = (int)(o.secs * 1000 / o.interval_ms);
		ivals = calloc(nival + 1, sizeof(*ivals));
		if (!ivals)
			die("calloc");
	}
	/* TIME_WAIT sockets not created because tcp_max_tw_buckets was hit. */
	tw0 = tcpext("TCPTimeWaitOverflow");
	c0 = cpu_s();
	w0 = runq_wait_s();
	t0 = last = now_s();
	end = t0 + o.secs;
	/* Addresses vary fastest, then ports: each destination takes an
	 * equal share, so the local ports held in TIME_WAIT towards any one
	 * stay a small part of the range and connect()'s search stays short.
	 */
	for (t = t0; t < end; d = (d + 1) % ndst) {
		struct sockaddr_storage *ss = &addr[d % o.naddr];

		port = o.port_lo + d / o.naddr;
		set_port(ss, port);
		e = one(ss, alen[d % o.naddr], req);
		t = now_s();
		if (t - last > max_lat)
			max_lat = t - last;
		/* A lost segment's retransmission: 200 ms and more. */
		if (t - last > 0.1)
			slow++;
		if (!e)
			lat_add(&lat_conn, t - last);
		last = t;
		if (e) {
			failed++;
			fails[e > 0 && e < NERR ? e : e < 0 ? 0 : NERR]++;
			continue;
		}
		ok++;
		if (nival && (int)((t - t0) * 1000 / o.interval_ms) < nival)
			ivals[(int)((t - t0) * 1000 / o.interval_ms)]++;
	}
	tw1 = tcpext("TCPTimeWaitOverflow");
	w = w0 < 0 ? -1 : runq_wait_s() - w0;

	printf("{\"tool\":\"tcplab-churn\",\"mode\":\"client\",\"destinations\":%d,"
	       "\"completed\":%lld,\"failed\":%lld,\"duration_s\":%.6f,"
	       "\"conn_per_s\":%.1f,\"max_conn_ms\":%.3f,\"cpu_busy\":%.3f,"
	       "\"runq_wait_s\":%.3f,\"conn_per_run_s\":%.1f,"
	       "\"tw_overflow\":%lld,\"failures\":{",
	       ndst, ok, failed, t - t0, ok / (t - t0), max_lat * 1000,
	       (cpu_s() - c0) / (t - t0), w, ok / (t - t0 - (w > 0 ? w : 0)),
	       tw0 < 0 || tw1 < 0 ? -1 : tw1 - tw0);
	for (i = 0, e = 0; i <= NERR; i++) {
		if (!fails[i])
			continue;
		printf("%s\"%s\":%lld", e++ ? "," : "",
		       i == NERR ? "other" : errname(i), fails[i]);
	}
	printf("},");
	lat_print("connect_us", &lat_connect);
	lat_print("conn_us", &lat_conn);
	printf("\"over_100ms\":%lld,\"interval_ms\":%d,\"intervals\":[",
	       slow, o.interval_ms);
	for (i = 0; i < nival; i++)
		printf("%s%lld", i ? "," : "", ivals[i]);
	printf("]}\n");
	return 0;
}

/* Set by the handler, read by the loop: the signal-safe kind of flag. */
static volatile sig_atomic_t got_usr1, got_term;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static struct {
	long long accepted, closed, errors, echoed, max_ready, ovf0;
	double t0, c0, w0;
} st;

static void server_stats(const char *event)
{
	double wall = now_s() - st.t0;
	long long ovf = tcpext("ListenOverflows");

	printf("{\"tool\":\"tcplab-churn\",\"mode\":\"server\",\"event\":\"%s\","
	       "\"accepted\":%lld,\"closed\":%lld,\"errors\":%lld,\"echoed\":%lld,"
	       "\"max_ready\":%lld,\"listen_overflows\":%lld,\"wall_s\":%.3f,"
	       "\"cpu_busy\":%.3f,\"runq_wait_s\":%.3f}\n",
	       event, st.accepted, st.closed, st.errors, st.echoed, st.max_ready,
	       ovf < 0 || st.ovf0 < 0 ? -1 : ovf - st.ovf0,
	       wall, wall > 0 ? (cpu_s() - st.c0) / wall : 0,
	       st.w0 < 0 ? -1 : runq_wait_s() - st.w0);
	fflush(stdout);
}

/*
 * One thread, level-triggered epoll. A listener's fd number is marked in the
 * event data's high bit. Per-connection state is one byte indexed by fd: 0
 * nothing read yet, 'E' echo, 'N' no echo.
 */
static int server(void)
{
	struct epoll_event ev, evs[256];
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	struct rlimit rl;
	static char buf[65536];
	unsigned char *state;
	int ep, i, a, p, one_ = 1, n;
	double deadline;

	if (!o.naddr) {
		struct sockaddr_in *s4 = (void *)&addr[0];

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		alen[o.naddr++] = sizeof(*s4);
	}
	/* As many connections as the system allows, not the soft 1024. */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	state = calloc(rl.rlim_cur, 1);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!state || ep < 0)
		die("setup");
	for (a = 0; a < o.naddr; a++) {
		for (p = o.port_lo; p <= o.port_hi; p++) {
			int fd = socket(addr[a].ss_family,
					SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

			if (fd < 0)
				die("socket");
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one_, sizeof(one_));
			if (addr[a].ss_family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one_, sizeof(one_));
			set_port(&addr[a], p);
			if (bind(fd, (struct sockaddr *)&addr[a], alen[a]) ||
			    listen(fd, 4096))
				die("bind/listen");
			ev = (struct epoll_event){ EPOLLIN, { .u64 = (1ULL << 63) | fd } };
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
				die("epoll_ctl");
		}
	}
	/* The signals are let in only inside epoll_pwait(): one arriving
	 * while events are handled would otherwise wait for the next event,
	 * and a snapshot asked for after the last connection never come.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	st.t0 = now_s();
	st.c0 = cpu_s();
	st.w0 = runq_wait_s();
	/* SYNs dropped because an accept queue was full: a server that did
	 * not keep up (the whole namespace's, so run it alone there).
	 */
	st.ovf0 = tcpext("ListenOverflows");
	deadline = o.secs ? st.t0 + o.secs : 0;
	printf("{\"tool\":\"tcplab-churn\",\"mode\":\"server\",\"event\":\"ready\","
	       "\"listeners\":%d}\n", o.naddr * (o.port_hi - o.port_lo + 1));
	fflush(stdout);

	while (!got_term && (!deadline || now_s() < deadline)) {
		n = epoll_pwait(ep, evs, 256, deadline ? 100 : -1, &waitmask);
		if (got_usr1) {
			got_usr1 = 0;
			server_stats("snapshot");
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		if (n > st.max_ready)
			st.max_ready = n;
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.u64 & 0x7fffffff;
			ssize_t r;

			if (evs[i].data.u64 >> 63) {
				int c;

				while ((c = accept4(fd, NULL, NULL,
						    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					st.accepted++;
					state[c] = 0;
					ev = (struct epoll_event){ EPOLLIN, { .u64 = c } };
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev))
						die("epoll_ctl");
				}
				if (errno == EMFILE || errno == ENFILE)
					die("accept4");
				if (errno != EAGAIN && errno != ECONNABORTED)
					st.errors++;
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r > 0) {
				if (!state[fd])
					state[fd] = buf[0] == 'E' ? 'E' : 'N';
				if (state[fd] != 'E')
					continue;
				if (write(fd, buf, r) == r) {
					st.echoed++;
					continue;
				}
			}
			/* EOF: the client closed first; close in turn. A
			 * read or echo error closes too, and is counted.
			 */
			if (r == 0)
				st.closed++;
			else
				st.errors++;
			close(fd);
		}
	}
	server_stats("exit");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "serve", no_argument, NULL, 'l' }, { 0 }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "ld:a:p:t:m:ei:T:c:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.serve = 1;
			break;
		case 'd':
		case 'a':
			parse_addrs(optarg);
			break;
		case 'p':
			o.port_lo = strtol(optarg, &end, 10);
			o.port_hi = *end == '-' ? strtol(end + 1, &end, 10) : o.port_lo;
			if (*end || o.port_lo < 1 || o.port_hi > 65535 ||
			    o.port_hi < o.port_lo)
				usage("bad port range");
			break;
		case 't':
			o.secs = strtod(optarg, &end);
			if (*end || o.secs <= 0)
				usage("bad duration");
			break;
		case 'm':
			o.msg = strtol(optarg, &end, 10);
			if (*end || o.msg < 0 || o.msg > 65536)
				usage("bad message size");
			break;
		case 'e':
			o.echo = 1;
			break;
		case 'i':
			o.interval_ms = strtol(optarg, &end, 10);
			if (*end || o.interval_ms < 0)
				usage("bad interval");
			break;
		case 'T':
			o.timeout_ms = strtol(optarg, &end, 10);
			if (*end || o.timeout_ms < 1)
				usage("bad timeout");
			break;
		case 'c':
			o.cpu = parse_cpu(optarg);
			if (o.cpu < 0)
				usage("bad cpu");
			break;
		default:
			usage(NULL);
		}
	}
	if (optind != argc || !o.port_lo)
		usage("-p is required");
	if (o.echo && !o.msg)
		usage("-e needs a request (-m > 0)");
	pin_cpu(o.cpu);
	if (o.serve)
		return server();
	if (!o.secs)
		o.secs = 3;
	return client();
}
