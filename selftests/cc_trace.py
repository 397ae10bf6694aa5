#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Check lab_reno / lab_cubic behaviour from a tcp_lab:lab_cc trace (the text
# of tracefs' "trace" file). Prints KTAP diagnostics ("# ...") and one
# "name ok|fail" verdict line per check, for the calling shell test.
#
#   cc_trace.py reno FILE BETA
#   cc_trace.py cubic FILE BETA C
#   cc_trace.py hystart FILE
#   cc_trace.py undo FILE
#   cc_trace.py ssexit FILE
import re
import sys

LINE = re.compile(r'\s(\d+\.\d+): lab_cc: src=(\S+) dst=(\S+) algo=(\S+) '
                  r'event=(\S+) phase=(\S+) cwnd=(\d+) ssthresh=(\d+) '
                  r'srtt_us=(\d+) w_max=(\d+) k_ms=(\d+) epoch_ms=(\d+) '
                  r'min_rtt_us=(\d+)(?: w_est=(\d+))?(?: ss_exit=(\S+))?')

# What ended slow start before a loss did (the ss_exit field).
HYSTART_EXITS = ('css', 'ack_train', 'delay')


def events(path):
    """The events of the busiest connection, in order."""
    flows = {}
    with open(path, errors='replace') as f:
        for line in f:
            m = LINE.search(line)
            if not m:
                continue
            e = {'t': float(m.group(1)), 'flow': (m.group(2), m.group(3)),
                 'algo': m.group(4), 'event': m.group(5),
                 'phase': m.group(6)}
            for i, k in enumerate(('cwnd', 'ssthresh', 'srtt_us', 'w_max',
                                   'k_ms', 'epoch_ms', 'min_rtt_us')):
                e[k] = int(m.group(7 + i))
            e['w_est'] = int(m.group(14)) if m.group(14) else None
            e['ss_exit'] = m.group(15)
            flows.setdefault(e['flow'], []).append(e)
    if not flows:
        return []
    return max(flows.values(), key=len)


def diag(msg):
    print('# ' + msg)


def verdict(name, ok):
    print('%s %s' % (name, 'ok' if ok else 'fail'))
    return ok


def reductions(ev, beta):
    """(cwnd at loss, ssthresh set, loss event, next event) for every loss
    with a next event: a loss event shows the state it found, the next
    event (even another loss) the ssthresh and W_max it left."""
    return [(e['cwnd'], nxt['ssthresh'], e, nxt)
            for e, nxt in zip(ev, ev[1:]) if e['event'] == 'loss']


def check_reduction(ev, beta, name):
    red = reductions(ev, beta)
    bad = [(w, s) for w, s, _, _ in red
           if abs(s - max(w * beta // 1024, 2)) > 1]
    diag('%s: %d reductions, cwnd->ssthresh %s' %
         (name, len(red), ' '.join('%d->%d' % (w, s) for w, s, _, _ in red[:8])))
    return verdict(name, len(red) >= 1 and not bad)


def reno(path, beta):
    ev = events(path)
    diag('events: %d' % len(ev))
    check_reduction(ev, beta, 'reno_ssthresh_is_beta_cwnd')
    # Congestion avoidance: from each point where cwnd >= ssthresh until the
    # next loss, cwnd should grow by one segment per smoothed RTT.
    rates = []
    seg = []
    for e in ev + [{'event': 'loss'}]:
        if e['event'] == 'ack' and e['phase'] == 'ca' and \
           e['cwnd'] >= e['ssthresh']:
            seg.append(e)
            continue
        if e['event'] == 'loss' and len(seg) > 2:
            a, b = seg[0], seg[-1]
            rtts = (b['t'] - a['t']) * 1e6 / max(b['srtt_us'], 1)
            if rtts >= 10:
                rates.append((b['cwnd'] - a['cwnd']) / rtts)
        if e['event'] == 'loss':
            seg = []
    diag('reno avoidance growth, segments per RTT: %s' %
         ' '.join('%.2f' % r for r in rates[:10]))
    if rates:
        med = sorted(rates)[len(rates) // 2]
        return verdict('reno_avoidance_1_segment_per_rtt', 0.5 <= med <= 1.5)
    return verdict('reno_avoidance_1_segment_per_rtt', False)


def cubic_w(c, k_ms, w_max, t_ms):
    d = (t_ms - k_ms) / 1000.0
    return c / 1024.0 * d * d * d + w_max


def cubic(path, beta, c):
    ev = events(path)
    diag('events: %d' % len(ev))
    check_reduction(ev, beta, 'cubic_ssthresh_is_beta_w')

    # Fast convergence: the W_max a loss leaves behind.
    fc_seen = fc_bad = plain_bad = 0
    for w, _, e, later in reductions(ev, beta):
        if later['event'] == 'undo':
            continue        # the undo event shows the restored W_max
        old, new = e['w_max'], later['w_max']
        if w < old:
            fc_seen += 1
            if abs(new - w * (1024 + beta) // 2048) > 1:
                fc_bad += 1
                diag('fast convergence: loss at %d below W_max %d left W_max %d '
                     '(next event %s at %.3f)' % (w, old, new, later['event'],
                                                   later['t']))
        elif new != w:
            plain_bad += 1
            diag('loss at %d above W_max %d left W_max %d (next event %s)' %
                 (w, old, new, later['event']))
    diag('fast convergence losses %d (wrong %d), others wrong %d' %
         (fc_seen, fc_bad, plain_bad))
    verdict('cubic_fast_convergence_w_max', fc_seen >= 1 and not fc_bad
            and not plain_bad)

    # The curve: in each epoch, cwnd tracks C(t-K)^3 + W_max. cwnd lags the
    # target by about an RTT, so compare with W one srtt earlier.
    before = after = 0
    errs = []
    for e in ev:
        if e['event'] != 'ack' or e['phase'] != 'ca' or not e['epoch_ms'] \
           or e['k_ms'] == 0 or e['cwnd'] < e['ssthresh']:
            continue
        t = e['epoch_ms']
        model = cubic_w(c, e['k_ms'], e['w_max'], t)
        errs.append(abs(e['cwnd'] - model) / max(model, 1))
        if t < e['k_ms'] * 0.8 and e['cwnd'] < e['w_max']:
            before += 1
        if t > e['k_ms'] * 1.2 and e['cwnd'] > e['w_max']:
            after += 1
    errs.sort()
    p50 = errs[len(errs) // 2] if errs else 1
    p90 = errs[int(len(errs) * 0.9)] if errs else 1
    diag('curve samples %d: concave %d, convex %d, |cwnd-W(t)|/W p50 %.3f p90 %.3f' %
         (len(errs), before, after, p50, p90))
    verdict('cubic_follows_w_t', len(errs) >= 20 and p50 <= 0.10 and p90 <= 0.25)
    verdict('cubic_concave_then_convex', before >= 5 and after >= 5)


def real_losses(ev):
    """Loss events not undone later (the kernel found them spurious)."""
    out = []
    for e in ev:
        if e['event'] == 'loss':
            out.append(e)
        elif e['event'] == 'undo' and out:
            out.pop()
    return out


def hystart(path):
    ev = events(path)
    undone = sum(1 for e in ev if e['event'] == 'undo')
    if undone:
        diag('%d spurious reductions undone, not counted as losses' % undone)
    first_loss = next(iter(real_losses(ev)), None)
    # The exit HyStart made (a trace without the ss_exit field: any).
    exit_ = next((e for e in ev if e['event'] == 'ss_exit' and
                  e['ss_exit'] in (None,) + HYSTART_EXITS), None)
    css = [e for e in ev if e['event'] == 'css_enter']
    diag('css entered at cwnd %s' % ' '.join(str(e['cwnd']) for e in css))
    diag('css entries %d, ss exit at %s, first loss at %s' % (
        len(css),
        '%.3f cwnd %d' % (exit_['t'], exit_['cwnd']) if exit_ else 'never',
        '%.3f cwnd %d phase %s' % (first_loss['t'], first_loss['cwnd'],
                                    first_loss['phase'])
        if first_loss else 'never'))
    print('ss_exit %d' % (1 if exit_ else 0))
    print('loss_in_ss %d' % (1 if first_loss and first_loss['phase'] != 'ca'
                            and (not exit_ or first_loss['t'] < exit_['t'])
                            else 0))
    print('exit_before_loss %d' % (1 if exit_ and (not first_loss or
                                   exit_['t'] < first_loss['t']) else 0))


def undo(path):
    """After an undone reduction the Reno-friendly estimate W_est is what
    it was before it (RFC 9438, 4.9), not started again from nothing: the
    first avoidance ACK after each undo has W_est at least half of cwnd."""
    ev = events(path)
    undos = [i for i, e in enumerate(ev) if e['event'] == 'undo']
    checked = bad = 0
    for i in undos:
        nxt = next((e for e in ev[i + 1:] if e['event'] == 'ack'
                    and e['phase'] == 'ca'), None)
        if nxt is None or nxt['w_est'] is None:
            continue
        checked += 1
        diag('undo at %.3f: next avoidance ACK cwnd %d w_est %d' % (
            ev[i]['t'], nxt['cwnd'], nxt['w_est']))
        if nxt['w_est'] * 2 < nxt['cwnd']:
            bad += 1
    diag('%d undo events, %d followed by avoidance, %d with W_est lost' % (
        len(undos), checked, bad))
    verdict('cubic_undo_keeps_reno_estimate', checked >= 1 and not bad)


def ssexit(path):
    """How the first slow start ended: the ss_exit events (one per
    connection, one more each time an undo reopened slow start), the last
    one's reason, and whether HyStart (either kind) ended it before any
    loss that was not undone."""
    ev = events(path)
    exits = [i for i, e in enumerate(ev) if e['event'] == 'ss_exit']
    losses = real_losses(ev)
    first_loss = ev.index(losses[0]) if losses else None
    hs = next((i for i in exits if ev[i]['ss_exit'] in HYSTART_EXITS), None)
    css = sum(1 for e in ev if e['event'] == 'css_enter')
    diag('events %d, css entries %d, undos %d' %
         (len(ev), css, sum(1 for e in ev if e['event'] == 'undo')))
    for i in exits:
        x = ev[i]
        diag('slow start ended at %.3f by %s, cwnd %d ssthresh %d, '
             'min_rtt_us %d srtt_us %d' % (x['t'], x['ss_exit'], x['cwnd'],
                                            x['ssthresh'], x['min_rtt_us'],
                                            x['srtt_us']))
    if first_loss is not None:
        e = ev[first_loss]
        diag('first loss not undone at %.3f, cwnd %d, phase %s' %
             (e['t'], e['cwnd'], e['phase']))
    print('reason %s' % (ev[exits[-1]]['ss_exit'] if exits else 'none'))
    print('exits %d' % len(exits))
    print('exit_cwnd %d' % (ev[hs if hs is not None else exits[0]]['cwnd']
                            if exits else 0))
    print('css_entries %d' % css)
    print('hystart_exit_before_loss %d' %
          (1 if hs is not None and (first_loss is None or hs < first_loss)
           else 0))


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'reno':
        reno(sys.argv[2], int(sys.argv[3]))
    elif cmd == 'cubic':
        cubic(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == 'hystart':
        hystart(sys.argv[2])
    elif cmd == 'undo':
        undo(sys.argv[2])
    elif cmd == 'ssexit':
        ssexit(sys.argv[2])
    else:
        sys.exit('unknown command')
