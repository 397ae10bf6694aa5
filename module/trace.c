// SPDX-License-Identifier: GPL-2.0
/* The module's tracepoints are instantiated here (trace.h). */
#include <tcp_lab/tcp_lab.h>

#define CREATE_TRACE_POINTS
#include "trace.h"
