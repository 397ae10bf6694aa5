# SPDX-License-Identifier: GPL-2.0
"""Small pieces shared by the connection workloads (churn, sessions,
stale_segment, rst_probe): their server port, and the agents' start."""
import json
import sys
import time

PORT_BASE = 6001


def assign_port(w):
    """w.port: the item's port, or PORT_BASE + the flow's index; refuse a
    port another flow of the file uses too (call from check())."""
    idx = w.exp.workloads.index(w) if w in w.exp.workloads else 0
    w.port = w.item['port'] or PORT_BASE + idx
    for o in w.exp.workloads:
        if o is not w and getattr(o, 'port', None) == w.port and \
           o.dst == w.dst:
            w.fail('port', 'port %d used by two flows to %s' % (w.port, w.dst))


def wait_start():
    """Agent side: say "ready", then sleep until the monotonic time the
    engine writes on stdin. False if stdin closed first."""
    print('ready', flush=True)
    line = sys.stdin.readline()
    if not line:
        return False
    left = float(line) - time.monotonic()
    if left > 0:
        time.sleep(left)
    return True


def send_start(proc, when):
    proc.stdin.write('%.6f\n' % when)
    proc.stdin.flush()


def wait_agent(ctx, w, proc, deadline, what='client'):
    """Wait for an agent until `deadline`; raise on a failure."""
    try:
        proc.wait(max(1.0, deadline - time.monotonic()))
    except Exception:
        proc.kill()
        proc.wait()
        raise RuntimeError('flow %s: %s still running at the deadline' %
                           (w.name, what)) from None
    if proc.returncode != 0:
        raise RuntimeError('flow %s: %s exit %d: %s' % (
            w.name, what, proc.returncode, ctx.net.errors(proc)))


def load(path):
    with open(path) as f:
        return json.load(f)
