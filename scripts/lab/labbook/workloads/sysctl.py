# SPDX-License-Identifier: GPL-2.0
"""sysctl: change sysctls of one node at a set time during the run, to
compare settings under the same traffic in one run (a defence turned on
in the middle of a flood, timestamps turned off between two transfers).

  [[flow]]
  kind = "sysctl"
  name = "cookies_on"
  to = "server"                 # the namespace written
  start = "8s"                  # when, after t0
  set = { "net.ipv4.tcp_syncookies" = 2, "net.tcp_lab.syncookie_mode" = 0 }

The same names and values as [sysctl.NODE] (net.ipv4.*, net.core.*,
net.tcp_lab.*), checked the same way before anything runs; written in
the order given. Connections take most settings when they start, so a
change meets the connections that begin after it. Nothing is restored
at the end: the namespaces go with the run.

Value flow.NAME.at_s: when the last value was written (after t0).
"""
import threading
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from .. import sysctl as lab_sysctl


def flat(d, prefix=''):
    """{"net": {"ipv4": {"x": 1}}} (dotted keys written bare) ->
    {"net.ipv4.x": 1}."""
    out = {}
    for k, v in d.items():
        p = prefix + '.' + k if prefix else k
        if isinstance(v, dict):
            out.update(flat(v, p))
        else:
            out[p] = v
    return out


@register('workload', 'sysctl')
class SetSysctl(Workload):
    DOC = ('change sysctls of one node (to) at its start time, e.g. a '
           'defence turned on in the middle of a flood')
    PRODUCES = 'value flow.NAME.at_s'
    KEYS = {
        'set': Field('table', 'sysctl name -> value, as in [sysctl.NODE]',
                     required=True),
    }

    def check(self):
        self.values = flat(self.item['set'])
        if not self.values:
            self.fail('set', 'sets nothing')
        for name, value in self.values.items():
            try:
                lab_sysctl.check(name, value, 'static')
            except ValueError as e:
                self.fail('set.' + name, str(e))

    def outputs(self):
        return Outputs(values=['flow.%s.at_s' % self.name])

    def end_time(self):
        return self.item['start']

    def prepare(self, ctx):
        for name, value in self.values.items():
            try:
                lab_sysctl.check(name, value, 'live')
            except ValueError as e:
                raise RuntimeError('flow %s: set.%s: %s' % (self.name, name, e))

    def start(self, ctx, t0):
        self.t0 = t0
        self.at = None
        self.error = None
        self.thread = threading.Thread(target=self._apply, args=(ctx,),
                                       daemon=True)
        self.thread.start()

    def _apply(self, ctx):
        left = self.t0 + self.item['start'] - time.monotonic()
        if left > 0:
            time.sleep(left)
        try:
            ctx.net.commands.append('# flow %s: at t0 + %gs' % (
                self.name, self.item['start']))
            for name, value in self.values.items():
                ctx.net.sysctl(self.dst, name, lab_sysctl.value_text(value))
            self.at = time.monotonic()
        except Exception as e:      # raised again by finish()
            self.error = e

    def finish(self, ctx, deadline):
        self.thread.join(max(1.0, deadline - time.monotonic()))
        if self.thread.is_alive():
            raise RuntimeError('flow %s: not applied by the deadline' %
                               self.name)
        if self.error is not None:
            raise RuntimeError('flow %s: %s' % (self.name, self.error))
        ctx.data.add_value('flow.%s.at_s' % self.name,
                           round(self.at - self.t0, 4))
