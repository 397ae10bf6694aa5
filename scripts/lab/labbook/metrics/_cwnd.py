# SPDX-License-Identifier: GPL-2.0
"""Helpers the congestion-window analyzers share (not a plug-in: the
registry skips modules whose name starts with "_").

A series is a list of samples (t, cwnd, ssthresh, rtt_s), ssthresh 0
meaning "not set yet" (initial slow start), taken from a trace.FLOW table
(tcp_probe / lab_cc) or a flow.FLOW table (TCP_INFO samples).
"""
import statistics


def series(data, name):
    """Samples of table `name`, or None if it is missing or empty."""
    t = data.tables.get(name)
    if t is None or not len(t):
        return None
    rtt_col = 'srtt_ms' if t.has('srtt_ms') else 'rtt_ms'
    ts, cw, ss, rt = (t.col(c) for c in ('t', 'cwnd', 'ssthresh', rtt_col))
    out = []
    for a, b, c, d in zip(ts, cw, ss, rt):
        if a is None or b is None:
            continue
        out.append((float(a), int(b), int(c or 0), (d or 0) / 1000.0))
    return out or None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Reduction:
    """One loss response: ssthresh set to a new value, or cwnd collapsed
    to 1-2 segments (a timeout during a recovery leaves ssthresh as it
    was)."""

    def __init__(self, i, t, before, ssthresh):
        self.i = i                  # index of the first sample showing it
        self.t = t
        self.cwnd_before = before   # cwnd in the sample before
        self.ssthresh = ssthresh
        self.kind = 'fast'          # fast | timeout | exit
        self.undone = False         # found spurious: cwnd restored
        self.end_i = None           # first sample back at cwnd >= ssthresh
        self.t_end = None
        self.cwnd_min = None
        self.cwnd_end = None
        self.next_t = None          # time of the next reduction

    @property
    def beta(self):
        return self.ssthresh / self.cwnd_before if self.cwnd_before else None


def reductions(s, rto_window=1.0, undone=False):
    """The reductions in series s, classified: a timeout leaves cwnd at
    1-2 segments; an "exit" (HyStart and HyStart++ end slow start with
    ssthresh = cwnd, no loss) keeps cwnd; the rest are fast recoveries.
    Reductions the kernel undid (a spurious retransmission or timeout:
    cwnd jumps back up, or ssthresh returns to "not set") are left out
    unless undone=True."""
    out = []
    prev_ss = 0
    pending = False     # the last reduction has not brought cwnd down yet
    for i, (t, c, ss, _) in enumerate(s):
        if i == 0:
            prev_ss = ss
            continue
        before = s[i - 1][1]
        if ss == 0 and prev_ss:
            if out:
                out[-1].undone = True   # back to the initial slow start
            prev_ss = 0
            pending = False
            continue
        if ss and ss != prev_ss:
            if prev_ss and ss > prev_ss and c > before * 1.05 + 1:
                # ssthresh and cwnd restored together: an undo. (A higher
                # ssthresh alone is a loss above the last one.)
                if out:
                    out[-1].undone = True
                prev_ss = ss
                pending = False
                continue
            out.append(Reduction(i, t, before, ss))
            pending = True
        elif c <= 2 and before >= 4:
            r = Reduction(i, t, before, ss or prev_ss)
            r.kind = 'timeout'
            out.append(r)
            pending = True
        elif ss and ss == prev_ss and before >= ss and c < before and not pending:
            # cwnd fell in avoidance while ssthresh stayed: a loss whose
            # new ssthresh is the old one (0.7 x 126 and 0.7 x 127 are
            # both 88). Nothing else lowers cwnd in a bulk transfer.
            out.append(Reduction(i, t, before, ss))
            pending = True
        if pending and out and c <= out[-1].ssthresh + max(1, 0.02 * out[-1].ssthresh):
            pending = False
        prev_ss = ss or prev_ss
    for k, r in enumerate(out):
        stop = out[k + 1].i if k + 1 < len(out) else len(s)
        r.next_t = s[stop][0] if stop < len(s) else None
        # PRR brings cwnd down to ssthresh (or below it, with more
        # losses); the recovery is over when it is back at ssthresh.
        lo = None
        reached = False
        jump = max(4, 0.25 * r.cwnd_before)
        prev_c = r.cwnd_before
        for j in range(r.i, stop):
            t, c, ss, _ = s[j]
            if lo is None or c < lo:
                lo = c
            if r.end_i is None and c - prev_c >= jump and \
                    c > r.ssthresh + 1 and c >= 0.9 * r.cwnd_before:
                # cwnd restored at once, past the ssthresh it was
                # heading for (slow start stops there): an undo
                r.undone = True
            prev_c = c
            # (within a segment or 2 %: a sample can land just after the
            # first increase)
            if c <= r.ssthresh + max(1, 0.02 * r.ssthresh):
                reached = True
            if reached and c >= r.ssthresh and r.end_i is None:
                r.end_i, r.t_end, r.cwnd_end = j, t, c
            if r.end_i is not None and j > r.end_i + 2:
                break
        r.cwnd_min = lo
        early = [s[j][1] for j in range(r.i, stop) if s[j][0] - r.t <= rto_window]
        if early and min(early) <= 2:
            r.kind = 'timeout'
        elif r.cwnd_before and r.ssthresh >= 0.95 * r.cwnd_before and \
                (r.cwnd_min or 0) >= 0.95 * r.ssthresh:
            r.kind = 'exit'
    if not undone:
        out = [r for r in out if not r.undone]
        for k, r in enumerate(out):
            nxt = out[k + 1].i if k + 1 < len(out) else len(s)
            r.next_t = s[nxt][0] if nxt < len(s) else None
    return out


def growth_per_rtt(s, lo, hi, ratio=True, min_cwnd=4):
    """Median growth over one smoothed RTT for samples lo..hi-1: the
    factor cwnd(t + srtt) / cwnd(t) (ratio) or the difference."""
    vals = []
    j = lo
    for k in range(lo, hi):
        t, c, _, rtt = s[k]
        if c < min_cwnd or rtt <= 0:
            continue
        if j < k:
            j = k
        while j < hi and s[j][0] < t + rtt:
            j += 1
        if j >= hi:
            break
        vals.append(s[j][1] / c if ratio else s[j][1] - c)
    return median(vals)


def avoidance_runs(s, reds):
    """(lo, hi) index ranges where cwnd >= ssthresh > 0, outside any
    recovery: from a recovery's end to the next reduction."""
    runs = []
    for k, r in enumerate(reds):
        if r.end_i is None:
            continue
        stop = reds[k + 1].i - 1 if k + 1 < len(reds) else len(s)
        lo = r.end_i
        hi = lo
        while hi < stop and s[hi][1] >= s[hi][2] > 0:
            hi += 1
        if hi - lo >= 3:
            runs.append((lo, hi))
    return runs


def regain(s, r, frac=0.95, of=None):
    """Seconds from reduction r until cwnd is back at `frac` of its
    cwnd_before (or of `of`), or None if the next reduction comes first.
    (Not all of it: the next loss often comes just as cwnd gets there.)"""
    target = frac * (of if of is not None else r.cwnd_before)
    dipped = False
    for j in range(r.i, len(s)):
        if r.next_t is not None and s[j][0] >= r.next_t:
            return None
        if s[j][1] < target:
            dipped = True
        elif dipped:
            return s[j][0] - r.t
    return None
