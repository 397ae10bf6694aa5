# SPDX-License-Identifier: GPL-2.0
"""Where the time goes: `perf record -g` (the guest's perf, cpu-clock)
on some CPUs while a workload runs, and its report as table rows.
Shared by the workloads with a `profile` key (flood_steps, tcp_churn).
"""
import os
import re

from .. import netns

PERF_LINE = re.compile(r'^\s*([\d.]+)%\s+([\d.]+)%\s+(\S+)\s+\[\S\]\s+(.+?)\s*$')
COLUMNS = ['dso', 'symbol', 'children_pct', 'self_pct', 'busy_pct']
# Where an idle CPU's samples land (x86 halt), left out of busy_pct.
IDLE_SYMBOLS = {'pv_native_safe_halt', 'native_safe_halt', 'default_idle',
                'arch_cpu_idle', 'cpu_idle_poll', 'acpi_safe_halt',
                'intel_idle', 'mwait_idle'}
# perf report's symbol resolution, after the profiled run.
REPORT_S = 60


def parse_report(text):
    """`perf report --children --sort dso,sym -g none` lines
    '  12.50%  0.40%  [kernel.kallsyms]  [k] tcp_v4_rcv' as rows, with
    busy_pct: the inclusive share of the CPUs' busy samples (those not
    in the idle loop's halt), the one to compare between runs."""
    rows = []
    for line in text.splitlines():
        m = PERF_LINE.match(line)
        if m:
            rows.append([m.group(3).strip('[]'), m.group(4),
                         float(m.group(1)), float(m.group(2))])
    idle = sum(r[3] for r in rows if r[1] in IDLE_SYMBOLS)
    busy = 100.0 - idle
    out = []
    for r in rows:
        if r[1] in IDLE_SYMBOLS:
            continue
        # A frame around the idle loop (do_idle ...) holds its halt too.
        share = round(100.0 * r[2] / busy, 2) if 0 < r[2] <= busy else None
        out.append(r + [share])
    return out


class Profile:
    """perf record on `cpus` for `seconds`: the constructor returns once
    perf samples; run the workload, then rows() waits and reports."""

    def __init__(self, ctx, raw, cpus, seconds, comment):
        self.ctx, self.raw, self.seconds = ctx, raw, seconds
        self.data = raw + '.perf.data'
        self.perf = netns.tool('perf')
        # perf enables its events when its workload execs (seconds after
        # it starts, under TCG): the workload says "ready", then sleeps
        # through what is profiled.
        self.rec = ctx.net.spawn(
            [self.perf, 'record', '-q', '-e', 'cpu-clock', '-F', '999', '-g',
             '-C', ','.join(str(c) for c in cpus), '-o', self.data, '--',
             netns.busybox_ok('sh'), '-c', 'echo ready; exec sleep %g' %
             seconds], None, stdout=-1, errfile=raw + '.perf.err',
            comment=comment)
        ctx.wait_ready(self.rec, 'perf record', timeout=60)

    def rows(self):
        """Wait for perf record to end; the report's rows (the whole
        report kept as RAW.profile.txt)."""
        self.rec.communicate(timeout=self.seconds + 30)
        if self.rec.returncode != 0:
            raise RuntimeError('perf record exit %d: %s' % (
                self.rec.returncode, self.ctx.net.errors(self.rec)))
        rep = self.ctx.net.run([self.perf, 'report', '-i', self.data,
                                '--stdio', '--children', '--sort', 'dso,sym',
                                '-g', 'none', '--percent-limit', '0.5'], None,
                               record=False)
        with open(self.raw + '.profile.txt', 'w') as f:
            f.write(rep.stdout)
        os.unlink(self.data)
        return parse_report(rep.stdout)
