/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tcplab-flood and tcplab-churn share: the error and usage exits, the run-queue wait
 * that says how much other load disturbed a run, and pinning to one CPU.
 * Each tool is one .c file that defines TOOL_NAME before including this.
 */
#ifndef TCPLAB_TOOL_H
#define TCPLAB_TOOL_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void die(const char *what)
{
	fprintf(stderr, TOOL_NAME ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Usage errors exit 2, after the reason (if any) and the usage text. */
static inline void tool_usage(const char *msg, const char *text)
{
	if (msg)
		fprintf(stderr, TOOL_NAME ": %s\n", msg);
	fputs(text, stderr);
	exit(2);
}

/*
 * Time this thread spent runnable but waiting for a CPU (schedstat's
 * second field), -1 if unknown: other load on the machine, which makes a
 * run's rate say little about the kernel path it measures.
 */
static inline double runq_wait_s(void)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	unsigned long long run, wait;
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? wait / 1e9 : -1;
}

/* -c CPU: a number below CPU_SETSIZE, or -1 on a bad one. */
static inline int parse_cpu(const char *arg)
{
	char *end;
	long cpu = strtol(arg, &end, 10);

	return *end || cpu < 0 || cpu >= CPU_SETSIZE ? -1 : (int)cpu;
}

static inline void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

#endif
