# SPDX-License-Identifier: GPL-2.0
"""One private tracefs instance for a whole `tcplab-lab run`.

Events are enabled once, the first time an experiment asks for them, and
stay enabled until the run ends; between experiments only tracing_on
flips. Enabling or disabling an event patches kernel text (static keys),
and under QEMU's multi-threaded TCG a patch racing with another vCPU has
ended in "Oops: int3" (see selftests/lib.sh). For the same reason the
comm recording (a sched_switch probe) is switched off while we run.

The instance uses the "mono" clock, so event times are CLOCK_MONOTONIC
seconds: the same clock as time.monotonic() in the engine and the agents.
"""
import os
import threading
import time

BASES = ('/sys/kernel/tracing', '/sys/kernel/debug/tracing')


def base():
    for d in BASES:
        if os.path.isdir(os.path.join(d, 'instances')):
            return d
    return None


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)


class Tracer:
    def __init__(self, name):
        self.base = base()
        if self.base is None:
            raise RuntimeError('no tracefs (mount -t tracefs tracefs '
                               '/sys/kernel/tracing)')
        self.dir = os.path.join(self.base, 'instances', name)
        self.enabled = set()
        self.record_cmd = None
        rc = os.path.join(self.base, 'options', 'record-cmd')
        if os.path.exists(rc):
            with open(rc) as f:
                if f.read().strip() == '1':
                    _write(rc, '0')
                    self.record_cmd = rc
        if not os.path.isdir(self.dir):
            os.mkdir(self.dir)
        _write(os.path.join(self.dir, 'tracing_on'), '0')
        _write(os.path.join(self.dir, 'buffer_size_kb'), '8192')
        try:
            _write(os.path.join(self.dir, 'trace_clock'), 'mono')
        except OSError:
            pass
        self._reader = None

    def has_event(self, event):
        return os.path.isdir(os.path.join(self.dir, 'events', event))

    def enable(self, event):
        """Enable EVENT ("tcp/tcp_probe") for the rest of the run."""
        if event in self.enabled:
            return
        _write(os.path.join(self.dir, 'events', event, 'enable'), '1')
        self.enabled.add(event)

    def disable(self, event):
        """Disable EVENT again (before its module is removed)."""
        if event not in self.enabled:
            return
        try:
            _write(os.path.join(self.dir, 'events', event, 'enable'), '0')
        except OSError:
            pass
        self.enabled.discard(event)

    def set_filter(self, event, expr):
        _write(os.path.join(self.dir, 'events', event, 'filter'), expr or '0')

    def start(self, out_path):
        """Clear the buffer, switch tracing on and copy trace_pipe into
        out_path until stop()."""
        _write(os.path.join(self.dir, 'trace'), '')
        self._stop = threading.Event()
        self._out = open(out_path, 'wb')
        fd = os.open(os.path.join(self.dir, 'trace_pipe'),
                     os.O_RDONLY | os.O_NONBLOCK)
        self._fd = fd
        _write(os.path.join(self.dir, 'tracing_on'), '1')

        def pump():
            while True:
                try:
                    b = os.read(fd, 1 << 16)
                except BlockingIOError:
                    b = b''
                if b:
                    self._out.write(b)
                    continue
                if self._stop.is_set():
                    break
                time.sleep(0.1)
        self._reader = threading.Thread(target=pump, daemon=True)
        self._reader.start()

    def stop(self):
        if self._reader is None:
            return
        _write(os.path.join(self.dir, 'tracing_on'), '0')
        self._stop.set()
        self._reader.join(30)
        self._reader = None
        os.close(self._fd)
        self._out.close()

    def lost_events(self):
        """Events the ring buffer dropped (overrun), all CPUs."""
        n = 0
        d = os.path.join(self.dir, 'per_cpu')
        for cpu in os.listdir(d) if os.path.isdir(d) else ():
            try:
                with open(os.path.join(d, cpu, 'stats')) as f:
                    for line in f:
                        if line.startswith('overrun:'):
                            n += int(line.split()[1])
            except OSError:
                pass
        return n

    def close(self):
        """End of the run: disable what we enabled, remove the instance."""
        for e in self.enabled:
            try:
                _write(os.path.join(self.dir, 'events', e, 'enable'), '0')
            except OSError:
                pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass
        if self.record_cmd:
            _write(self.record_cmd, '1')
