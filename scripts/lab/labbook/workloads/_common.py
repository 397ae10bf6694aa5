# SPDX-License-Identifier: GPL-2.0
"""Small pieces shared by the connection workloads (churn, sessions,
stale_segment, rst_probe): their server port, and the agents' start."""
import json
import os
import sys
import time

from .. import netns

PORT_BASE = 6001
# scripts/lab: the C tools are built in scripts/tools
LAB_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def assign_port(w, base=PORT_BASE, per_dst=True):
    """w.port: the item's port, or `base` + the flow's index; refuse a
    port another flow of the file uses too, to the same node if
    `per_dst` (call from check())."""
    idx = w.exp.workloads.index(w) if w in w.exp.workloads else 0
    w.port = w.item['port'] or base + idx
    for o in w.exp.workloads:
        if o is w or getattr(o, 'port', None) != w.port:
            continue
        if not per_dst:
            w.fail('port', 'port %d used by two flows' % w.port)
        if o.dst == w.dst:
            w.fail('port', 'port %d used by two flows to %s' % (w.port, w.dst))


def wait_start():
    """Agent side: say "ready", then sleep until the monotonic time the
    engine writes on stdin. False if stdin closed first."""
    return sleep_until('stdin')


def sleep_until(start_at):
    """Agent side: sleep until `start_at`, a time.monotonic() (None: now),
    or "stdin": say "ready" and read that time from stdin (the engine
    sends it once every agent of the experiment is ready). False if
    stdin closed first."""
    if start_at == 'stdin':
        print('ready', flush=True)
        line = sys.stdin.readline()
        if not line:
            return False
        start_at = line
    delay = float(start_at or 0) - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    return True


def send_start(proc, when):
    proc.stdin.write('%.6f\n' % when)
    proc.stdin.flush()


def send_start_close(proc, when):
    """send_start() for an agent that reads nothing more: close stdin."""
    proc.stdin.write('%.6f\n' % when)
    proc.stdin.close()


class StdinStart:
    """Mix-in: start() for a workload whose agent, self.proc, waits for
    its start time (t0 + the item's start) on stdin. KEEP_STDIN: the
    agent reads more from stdin later, so it stays open."""
    KEEP_STDIN = False

    def start(self, ctx, t0):
        self.t0 = t0
        if self.KEEP_STDIN:
            send_start(self.proc, t0 + self.item['start'])
        else:
            send_start_close(self.proc, t0 + self.item['start'])


def wait_agent(ctx, w, proc, deadline, what='client'):
    """Wait for an agent until `deadline`; raise on a failure."""
    wait_deadline(w, proc, deadline, what)
    check_exit(ctx, w, proc, what)


def wait_deadline(w, proc, deadline, what='client', late=None):
    """Wait for an agent until `deadline`; kill it and raise if it is
    still running then (saying `late`, default "WHAT still running at
    the deadline")."""
    try:
        proc.wait(max(1.0, deadline - time.monotonic()))
    except Exception:
        proc.kill()
        proc.wait()
        raise RuntimeError('flow %s: %s' % (
            w.name, late or '%s still running at the deadline' % what)) \
            from None


def check_exit(ctx, w, proc, what='client'):
    """Raise if the (ended) agent exited non-zero, with its errors."""
    if proc.returncode != 0:
        raise RuntimeError('flow %s: %s exit %d: %s' % (
            w.name, what, proc.returncode, ctx.net.errors(proc)))


def route_get(net, node, addr):
    """(via, dev) of NODE's route to ADDR, or None if it has none."""
    p = net.run([net.ip, '-o', 'route', 'get', addr], node, check=False,
                record=False)
    if p.returncode != 0:
        return None
    w = p.stdout.split()
    if w and w[0] in ('blackhole', 'unreachable', 'prohibit'):
        return None
    return (w[w.index('via') + 1] if 'via' in w else None,
            w[w.index('dev') + 1] if 'dev' in w else None)


def out_dev(w, net, dst):
    """The interface flow w's source node sends to address `dst` on;
    raise if it has no route there."""
    r = route_get(net, w.src, dst)
    if r is None or r[1] is None:
        raise RuntimeError('flow %s: %s has no route to %s' %
                           (w.name, w.src, dst))
    return r[1]


def node_with_addr(net, nodes, addr, skip=None):
    """The first of `nodes` (but `skip`) that holds IPv4 `addr`, or None."""
    for n in nodes:
        if n == skip:
            continue
        out = net.run([net.ip, '-o', '-4', 'addr', 'show'], n,
                      record=False).stdout
        if ' %s/' % addr in out:
            return n
    return None


def tree_tool(name, explain=False):
    """Path of C tool `name`: installed (the VM's /usr/bin), or built in
    the tree (make -C scripts/tools) for runs on a development host.
    Raises netns.ToolMissing, saying where it looked if `explain`."""
    try:
        return netns.tool(name)
    except netns.ToolMissing:
        p = os.path.join(os.path.dirname(LAB_DIR), 'tools', name)
        if os.access(p, os.X_OK):
            return p
        if not explain:
            raise
        raise netns.ToolMissing('%s not found: not installed, and '
                                'not built in %s (make -C scripts/tools)' %
                                (name, os.path.dirname(p))) from None


def load(path):
    with open(path) as f:
        return json.load(f)
