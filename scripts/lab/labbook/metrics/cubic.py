# SPDX-License-Identifier: GPL-2.0
"""cubic_epochs: CUBIC's window curve after each loss, against RFC 9438's
W(t) = C (t - K)^3 + W_max, K = cbrt((W_max - cwnd_epoch) / C).

  [[metric]]
  kind = "cubic_epochs"
  name = "cubic"
  flow = "cubic"
  c = 0.4                   # the model's constants: what the algorithm
  beta = 0.7                # is configured with
  fast_convergence = true

For each fast recovery: W = cwnd before it; W_max = W, or W (1 + beta) / 2
when fast convergence applies (W below the previous W_max); the epoch
starts when the recovery ends, at cwnd_epoch; K as above. CUBIC aims one
RTT ahead, so the measured cwnd is compared with W(t + minRTT).

Values (NAME.), medians over the epochs that lasted at least 0.8 K and
in which the kernel undid no reduction (that resets cwnd mid-curve):
  beta      ssthresh / cwnd before (every fast recovery)
  epochs    epochs analysed
  wmax      W_max of those epochs (segments)
  k_pred_s  K from the formula
  k_meas_s  K fitted to the samples: the K (W_max and C held) whose
            curve is closest to the measured cwnd. (Not the time cwnd
            reaches W_max: the curve is flat there, a second either side)
  k_err     |k_meas - k_pred| / k_pred
  fit_err   RMS of (cwnd - W(t + minRTT)) / W_max over [0, min(end, 1.5 K)]
  regain_s  time from a loss until cwnd was back at 95 % of W_max, the
            window CUBIC heads back to (every fast recovery)
Table NAME.model (t, cwnd): the model curve of each analysed epoch.
Marks NAME: loss lines, "K" lines, the epochs as spans.
"""
import math

from ..plugin import Metric, Outputs
from ..registry import register
from ..schema import Field
from . import _cwnd
from .reno import flow_series_check

VALUES = ('beta', 'epochs', 'wmax', 'k_pred_s', 'k_meas_s', 'k_err', 'fit_err',
          'regain_s')


@register('metric', 'cubic_epochs')
class CubicEpochs(Metric):
    DOC = 'CUBIC epochs against the RFC 9438 curve: beta, K, fit'
    PRODUCES = ('values NAME.' + ', NAME.'.join(VALUES) +
                '; table NAME.model; marks NAME')
    KEYS = {
        'flow': Field('str', 'the flow analysed', required=True),
        'series': Field('str', 'table to read (default trace.FLOW)'),
        'c': Field('number', 'the model\'s C (segments/s^3)', default=0.4,
                   minimum=0.001),
        'beta': Field('number', 'the model\'s beta', default=0.7,
                      minimum=0.01, maximum=0.99),
        'fast_convergence': Field('bool', 'the model applies fast '
                                  'convergence', default=True),
    }

    def check(self):
        flow_series_check(self)

    def outputs(self):
        return Outputs(values=['%s.%s' % (self.name, v) for v in VALUES],
                       tables={self.name + '.model': ['t', 'cwnd']},
                       marks=[self.name])

    def compute(self, data):
        s = _cwnd.series(data, self.series)
        n = self.name
        if not s:
            data.note('%s: no samples in %s' % (n, self.series))
            return
        C, beta = self.item['c'], self.item['beta']
        reds = _cwnd.reductions(s)
        undos = [r.t for r in _cwnd.reductions(s, undone=True) if r.undone]
        fr = [r for r in reds if r.kind == 'fast']
        data.add_value(n + '.beta', _cwnd.median(r.beta for r in fr))
        rtts = [x[3] for x in s if x[3] > 0]
        rtt_min = min(rtts) if rtts else 0.0
        wmax_prev = 0.0
        rows, ks, kms, errs, fits, wmaxes, regains = [], [], [], [], [], [], []
        for k, r in enumerate(reds):
            if r.kind == 'timeout':
                wmax_prev = 0.0
            if r.kind != 'fast':
                continue
            W = r.cwnd_before
            # Whole segments, as the kernel and the module keep it: a
            # fractional W_max would call a loss at 114 "below" 114.8.
            if self.item['fast_convergence'] and W < wmax_prev:
                wmax = int(W * (1 + beta) / 2)
            else:
                wmax = W
            wmax_prev = wmax
            data.add_mark(n, r.t, 'loss at cwnd %d' % r.cwnd_before)
            regains.append(_cwnd.regain(s, r, of=wmax))
            if r.end_i is None:
                continue
            t_ep, c_ep = s[r.end_i][0], s[r.end_i][1]
            K = math.copysign(abs((wmax - c_ep) / C) ** (1 / 3), wmax - c_ep)
            K = max(K, 0.0)
            end = r.next_t if r.next_t is not None else s[-1][0]
            if end - t_ep < 0.8 * K or K <= 0:
                continue
            if any(t_ep < u < end for u in undos):
                # the kernel undid a reduction inside it: cwnd and
                # ssthresh were set back mid-epoch, not by the curve
                continue
            data.add_mark(n, t_ep, 'epoch: W_max %d, K %.2f s' % (wmax, K),
                          min(end, t_ep + 1.5 * K), 'epoch')
            data.add_mark(n, t_ep + K, 'K')
            pts = [(t - t_ep, c) for t, c, _, _ in s[r.end_i:]
                   if t < end and t - t_ep <= 1.5 * K]

            def rms(k):
                return math.sqrt(sum((c - (C * (x + rtt_min - k) ** 3 + wmax)) ** 2
                                     for x, c in pts) / len(pts))
            if len(pts) < 5:
                continue
            fits.append(rms(K) / wmax)
            # K measured: the K that puts the curve closest to the
            # samples (W_max and C held). Reaching W_max says little:
            # the curve is flat there for a second either side of K.
            best = min((rms(K * f / 100), f) for f in range(30, 201))
            kms.append(K * best[1] / 100)
            errs.append(abs(best[1] / 100 - 1))
            steps = 60
            span = min(end - t_ep, 1.5 * K)
            for i in range(steps + 1):
                x = span * i / steps
                rows.append([round(t_ep + x, 4),
                             round(C * (x + rtt_min - K) ** 3 + wmax, 2)])
            rows.append([round(t_ep + span, 4), None])
            ks.append(K)
            wmaxes.append(wmax)
        data.add_table(n + '.model', ['t', 'cwnd'], rows)
        data.add_value(n + '.epochs', len(ks))
        data.add_value(n + '.wmax', _cwnd.median(wmaxes))
        data.add_value(n + '.k_pred_s', _cwnd.median(ks))
        data.add_value(n + '.k_meas_s', _cwnd.median(kms))
        data.add_value(n + '.k_err', _cwnd.median(errs))
        data.add_value(n + '.fit_err', _cwnd.median(fits))
        data.add_value(n + '.regain_s', _cwnd.median(regains))
