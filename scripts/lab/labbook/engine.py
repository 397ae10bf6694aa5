# SPDX-License-Identifier: GPL-2.0
"""The engine: run experiments, each repetition of each variant in a
process of its own, and judge them.

The supervisor (this process) forks one child per run. The child builds
the namespaces, applies the sysctls, starts measurements and workloads,
waits, collects, computes the metrics and saves everything as text in
its run directory. The supervisor waits for it no longer than the
experiment's timeout: a run that hangs is killed with its whole process
group, its namespaces are deleted, and it is reported as an error. The
supervisor also deletes the namespaces after every run and on any exit
(signals included), so nothing is left behind.

Output, for `tcplab-lab run ... --out DIR`:

    DIR/book.json                 the run: kernel, time, experiments
    DIR/NAME/result.json          per experiment: spec summary, variants,
                                  values (medians over reps), verdicts
    DIR/NAME/vV.rR/               per run: values.json, marks.json,
                                  notes.json, tables/*.csv, commands.txt,
                                  run.json (status, error, wall time),
                                  log.txt; raw/ (agent output, trace text)
"""
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

from . import netns, spec, sysctl, units
from . import verdict as V
from .data import RunData
from .tracefs import Tracer

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEAD = 0.5      # seconds between telling the (ready) clients and t0
SETUP_ALLOWANCE = 20.0


class RunError(Exception):
    pass


class Ctx:
    """What a plug-in sees of the running experiment."""

    def __init__(self, exp, rundir, tracer, prefix, logf):
        self.exp = exp
        self.rundir = rundir
        self.rawdir = os.path.join(rundir, 'raw')
        os.makedirs(self.rawdir, exist_ok=True)
        self.tracer = tracer
        self._logf = logf
        self.net = netns.Net(prefix, self.log)
        self.data = RunData()
        self.t0 = None
        self.module_loaded = os.path.isdir('/proc/sys/net/tcp_lab')
        self._trace_on = False

    def log(self, text):
        self._logf.write('%.3f %s\n' % (time.monotonic(), text))
        self._logf.flush()

    def raw_path(self, name):
        return os.path.join(self.rawdir, name)

    def agent(self, name, package='workloads'):
        """argv running plug-in module labbook.PACKAGE.NAME as an agent."""
        return [sys.executable, '-m', 'labbook.%s.%s' % (package, name)]

    def wait_ready(self, proc, what, timeout=30.0):
        """Wait for an agent's "ready" line on its stdout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([proc.stdout], [], [], 0.2)
            if r:
                line = proc.stdout.readline()
                if line.strip() == 'ready':
                    return
                if not line:
                    break
            if proc.poll() is not None:
                break
        err = netns.Net.errors(proc) if proc.poll() is not None else ''
        raise RunError('%s did not start: %s' % (what, err or
                                                 'no "ready" in %gs' % timeout))

    def require_algorithm(self, algo):
        path = '/proc/sys/net/ipv4/tcp_available_congestion_control'

        def avail():
            with open(path) as f:
                return f.read().split()
        if algo in avail():
            return
        try:
            subprocess.run([netns.tool('modprobe'), 'tcp_' + algo],
                           capture_output=True, timeout=20)
        except (netns.ToolMissing, subprocess.TimeoutExpired):
            pass
        if algo not in avail():
            why = ''
            if algo.startswith('lab_') and not self.module_loaded:
                why = ' (the tcp_lab module is not loaded)'
            raise RunError('congestion control %r is not available on this '
                           'kernel%s; available: %s' % (algo, why,
                                                        ' '.join(avail())))

    # tracing, shared by the measurements of a run
    def tracer_has(self, event):
        return self.tracer is not None and event in self.tracer.enabled

    def trace_filter(self, event, expr):
        self.tracer.set_filter(event, expr)

    def trace_start(self):
        if not self._trace_on:
            self.tracer.start(self.trace_file())
            self._trace_on = True

    def trace_stop(self):
        if self._trace_on:
            self.tracer.stop()
            self._trace_on = False

    def trace_file(self):
        return self.raw_path('trace.txt')

    def trace_lost(self):
        return self.tracer.lost_events() if self.tracer else 0


# ------------------------------------------------------------- one run

def _events(ctx, stop):
    """Apply the [[event]] path changes on schedule (a thread)."""
    exp = ctx.exp
    plan = []
    for e in exp.events:
        plan.append((e['at'], e['direction'], e['change'], 'at t0 + %s' %
                     units.fmt_time(e['at'])))
        if e['duration']:
            plan.append((e['at'] + e['duration'], e['direction'], None,
                         'at t0 + %s: restore' % units.fmt_time(e['at'] + e['duration'])))
    plan.sort(key=lambda p: p[0])
    for at, direction, change, what in plan:
        while True:
            left = ctx.t0 + at - time.monotonic()
            if left <= 0 or stop.is_set():
                break
            time.sleep(min(left, 0.05))
        if stop.is_set():
            return
        ctx.net.commands.append('# ' + what)
        try:
            exp.topology.path_change(ctx, direction, change)
            ctx.log('event %s done' % what)
        except Exception as e:      # reported in the run, not lost
            ctx.data.note('event %s failed: %s' % (what, e))
            ctx.events_failed = True


def run_one(exp, rundir, tracer, prefix):
    """The child's work: one run of one variant. Never raises."""
    os.makedirs(rundir, exist_ok=True)
    logf = open(os.path.join(rundir, 'log.txt'), 'w')
    started = time.monotonic()
    ctx = Ctx(exp, rundir, tracer, prefix, logf)
    ctx.events_failed = False
    status, error = 'ok', None
    measures = []
    try:
        # Refuse before building anything: the running kernel's sysctls.
        for node, table in exp.sysctl.items():
            for name, value in table.items():
                try:
                    sysctl.check(name, value, 'live')
                except ValueError as e:
                    raise RunError('sysctl.%s.%s: %s' % (node, name, e)) from None
        ctx.net.commands.append('export PYTHONPATH=%s   # the lab engine\'s '
                                'agents' % LAB_DIR)
        exp.topology.build(ctx)
        nodes = exp.topology.nodes()
        for node, table in exp.sysctl.items():
            for name, value in table.items():
                for n in (nodes if node == 'all' else [node]):
                    ctx.net.sysctl(n, name, sysctl.value_text(value))
        # Servers and clients up and waiting first: starting a Python
        # agent takes a second or more under TCG, so launching at t0
        # would start every flow late by that much.
        for w in exp.workloads:
            w.prepare(ctx)
        for m in exp.measures:
            try:
                m.start(ctx)
                measures.append(m)
            except Exception as e:
                if not m.item['optional']:
                    raise RunError('measure %s (%s): %s' % (m.kind, m.key, e)) from None
                ctx.data.note('%s skipped: %s' % (m.kind, e))
        ctx.t0 = time.monotonic() + LEAD
        ctx.log('t0 = %.6f' % ctx.t0)
        for w in exp.workloads:
            w.start(ctx, ctx.t0)
        stop = threading.Event()
        ev = threading.Thread(target=_events, args=(ctx, stop), daemon=True)
        ev.start()
        deadline = ctx.t0 + exp.end_time() + 30
        errors = []
        for w in exp.workloads:
            try:
                w.finish(ctx, deadline)
            except Exception as e:
                errors.append('flow %s: %s' % (w.name, e))
        stop.set()
        ev.join(10)
        ctx.trace_stop()
        for m in measures:
            m.stop(ctx)
        for m in measures:
            try:
                m.collect(ctx)
            except Exception as e:
                errors.append('measure %s: %s' % (m.kind, e))
                ctx.log(traceback.format_exc())
        if errors:
            raise RunError('; '.join(errors))
        if ctx.events_failed:
            raise RunError('a path event failed (see notes)')
        for m in exp.metrics:
            try:
                m.compute(ctx.data)
            except Exception as e:
                ctx.data.note('metric %s (%s) failed: %s' % (m.name, m.kind, e))
                ctx.log(traceback.format_exc())
    except Exception as e:
        status = 'error'
        error = str(e) or e.__class__.__name__
        ctx.log(traceback.format_exc())
    finally:
        try:
            ctx.trace_stop()
        except Exception:
            pass
        try:
            ctx.net.cleanup()
        except Exception as e:
            ctx.log('cleanup: %s' % e)
    ctx.data.save(rundir)
    with open(os.path.join(rundir, 'commands.txt'), 'w') as f:
        f.write('\n'.join(ctx.net.commands) + '\n')
    with open(os.path.join(rundir, 'run.json'), 'w') as f:
        json.dump({'status': status, 'error': error,
                   'wall_s': round(time.monotonic() - started, 2)}, f)
        f.write('\n')
    logf.close()


# ---------------------------------------------------------- supervisor

class _Pins:
    """Keep the receive path's static branches still for the whole run
    (see selftests/lib.sh pin_static_keys): a socket that wants packet
    timestamps, and an nft table at every hook point in a namespace of
    its own, so that experiments that add packet sockets or netfilter
    rules do not flip them (a live code patch that TCG can trip over);
    and an RPS map on that namespace's lo, for experiments that steer
    receive processing to a CPU."""

    def __init__(self, prefix):
        self.ns = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET,
                             getattr(socket, 'SO_TIMESTAMPNS', 35), 1)
        try:
            ip, nft = netns.tool('ip'), netns.tool('nft')
        except netns.ToolMissing:
            return
        # Not PREFIX-*: the namespaces every run leaves are deleted by
        # that name after each run, and the pins must outlive them.
        self.ns = prefix + 'pin'
        subprocess.run([ip, 'netns', 'add', self.ns], capture_output=True)
        chains = ''.join('chain pin_%s { type filter hook %s priority 0; }\n' %
                         (h, h) for h in ('prerouting', 'input', 'forward',
                                          'output', 'postrouting'))
        subprocess.run([ip, 'netns', 'exec', self.ns, nft, '-f', '-'],
                       input='table inet pin {\n%s}\n' % chains, text=True,
                       capture_output=True)
        # RPS's static key: on while any device has an RPS map, so an
        # experiment that steers a node's receive processing to a CPU
        # (measure cpu, rps) does not switch it on and off.
        subprocess.run([ip, 'netns', 'exec', self.ns, 'sh', '-c',
                        'echo 1 > /sys/class/net/lo/queues/rx-0/rps_cpus'],
                       capture_output=True)
        self._warm(ip)

    WARM = '''
import socket
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        ls = socket.socket(fam)
        ls.bind((addr, 0))
        ls.listen(8)
        c = socket.create_connection((addr, ls.getsockname()[1]), timeout=5)
        a, _ = ls.accept()
        c.sendall(b"x")
        a.recv(1)
        for s in (c, a, ls):
            s.close()
    except OSError:
        pass
'''

    def _warm(self, ip):
        """One connection per family over the pin namespace's lo, its SYN
        answered with a cookie (tcp_syncookies=2): the kernel's
        initialise-once secrets (the established hash's, the sequence
        numbers', the SYN cookies') are made on first use, and each then
        patches its static key away from a work item: let that happen
        here, with nothing else running, not in the middle of the first
        experiment's traffic (under TCG a CPU running the site being
        patched has died of an int3 in inet_ehashfn)."""
        subprocess.run([ip, 'netns', 'exec', self.ns, 'sh', '-c',
                        'echo 2 > /proc/sys/net/ipv4/tcp_syncookies'],
                       capture_output=True)
        subprocess.run([ip, 'netns', 'exec', self.ns, sys.executable, '-c',
                        self.WARM], capture_output=True, timeout=30)
        time.sleep(1.0)

    def close(self):
        if self.ns:
            subprocess.run([netns.tool('ip'), 'netns', 'del', self.ns],
                           capture_output=True)
        self.sock.close()


def _kill_child(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _fork_run(exp, rundir, tracer, prefix, timeout, on_child):
    """Run one repetition in a child; returns its run.json."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.setpgid(0, 0)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            run_one(exp, rundir, tracer, prefix)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    on_child(pid)
    end = time.monotonic() + timeout
    timed_out = False
    while True:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > end:
            timed_out = True
            _kill_child(pid)
            break
        time.sleep(0.2)
    on_child(None)
    # Whatever it left: background agents, namespaces.
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    netns.delete_prefix(prefix)
    rj = os.path.join(rundir, 'run.json')
    if timed_out:
        r = {'status': 'error', 'error': 'timed out after %ds: killed' % timeout,
             'wall_s': timeout}
        os.makedirs(rundir, exist_ok=True)
        with open(rj, 'w') as f:
            json.dump(r, f)
            f.write('\n')
        return r
    try:
        with open(rj) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {'status': 'error', 'error': 'the run died without a result '
                '(exit status %d)' % st, 'wall_s': None}


def _summary(s):
    """What the page needs to show an experiment's setup."""
    e = s.variants[0]
    return {
        'name': s.name, 'file': s.file, 'title': e.meta['title'],
        'claim': e.meta['claim'], 'source': e.meta['source'],
        'kernels': e.meta['kernels'], 'notes': e.meta['notes'],
        'expect': e.meta['expect'], 'tags': e.meta['tags'],
        'reps': s.reps, 'shape': e.topology.kind,
    }


def _variant_setup(e):
    """The setup as the file wrote it (its own units), for the page."""
    flows = []
    raw = e.raw.get('flow', [])
    raw = [raw] if isinstance(raw, dict) else raw
    for w, r in zip(e.workloads, raw):
        flows.append({'name': w.name, 'kind': w.kind, 'from': w.src, 'to': w.dst,
                      'item': {k: v for k, v in r.items()
                               if k not in ('kind', 'name', 'from', 'to')}})
    events = e.raw.get('event', [])
    events = [events] if isinstance(events, dict) else events
    return {
        'path': spec.describe_path(e.path),
        'sysctl': e.sysctl,
        'flows': flows,
        'events': [dict(ev) for ev in events],
        'diagram': e.topology.diagram(),
    }


def _write_book(out, book, t_start):
    book['wall_s'] = round(time.monotonic() - t_start, 1)
    with open(os.path.join(out, 'book.json'), 'w') as f:
        json.dump(book, f, indent=1)
        f.write('\n')


def run_book(sets, out, log=print, keep_raw=True, on_done=None):
    """Run every ExperimentSet; write DIR/NAME/result.json and
    DIR/book.json; return (results, ok) where ok means every experiment
    ended as it expected. on_done(name) is called as each experiment's
    directory is complete (book.json is rewritten before each call), so
    a caller can ship results as they come."""
    os.makedirs(out, exist_ok=True)
    os.environ['PYTHONPATH'] = LAB_DIR + (
        ':' + os.environ['PYTHONPATH'] if os.environ.get('PYTHONPATH') else '')
    prefix = 'tl%d' % os.getpid()
    current = {'pid': None}
    tracing = {'tracer': None, 'failed': False}
    pins = None

    def on_signal(signum, frame):
        raise KeyboardInterrupt('signal %d' % signum)
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    results = []
    ok = True
    t_start = time.monotonic()
    book = {'kernel': os.uname().release, 'host': socket.gethostname(),
            'started': time.strftime('%Y-%m-%d %H:%M:%S %Z'),
            'module': os.path.isdir('/proc/sys/net/tcp_lab'),
            'experiments': []}
    try:
        pins = _Pins(prefix)
        for s in sets:
            # Each set's events are enabled before it runs, and stay
            # enabled (see tracefs.py): a set that runs before any that
            # traces (one that removes the module, say) runs untraced.
            tracer = _tracer_for(s, tracing, log)
            res = _run_set(s, out, tracer, prefix, current, keep_raw)
            results.append(res)
            book['experiments'].append(s.name)
            ok &= res['outcome_ok']
            log(line(res))
            if on_done:
                _write_book(out, book, t_start)
                on_done(s.name)
    except KeyboardInterrupt as e:
        if current['pid']:
            _kill_child(current['pid'])
        log('# interrupted (%s): cleaning up' % e)
        ok = False
        raise
    finally:
        netns.delete_prefix(prefix)
        if tracing['tracer']:
            tracing['tracer'].close()
        if pins:
            pins.close()
        for s, h in old.items():
            signal.signal(s, h)
        _write_book(out, book, t_start)
    return results, ok


def _tracer_for(s, tracing, log):
    """The run's tracer with the events of set s enabled (made on first
    need); None when no measure of s traces or tracing is unavailable."""
    events = set()
    for e in s.variants:
        for m in e.measures:
            events.update(getattr(m, 'trace_events', lambda: [])())
    if not events or tracing['failed']:
        return tracing['tracer']
    try:
        if tracing['tracer'] is None:
            tracing['tracer'] = Tracer('tcplab-lab-%d' % os.getpid())
        t = tracing['tracer']
        for ev in sorted(events):
            if ev not in t.enabled and t.has_event(ev):
                t.enable(ev)
    except (RuntimeError, OSError) as e:
        log('# tracing unavailable: %s' % e)
        tracing['failed'] = True
        tracing['tracer'] = None
    return tracing['tracer']


MODULE = 'tcp_lab'


def module_loaded():
    return os.path.isdir('/sys/module/' + MODULE)


def set_module(want, tracer=None, timeout=30.0):
    """Load ($TCPLAB_KO, else modprobe) or remove the tcp_lab module.
    Removing waits for namespaces and sockets that still use it (a
    deleted namespace is cleaned up in the background). Events of the
    module enabled in `tracer` are disabled first (a module with enabled
    events cannot go) and not enabled again."""
    if want == 'keep' or (want == 'loaded') == module_loaded():
        return
    if want == 'loaded':
        ko = os.environ.get('TCPLAB_KO')
        argv = ([netns.tool('insmod'), ko] if ko else
                [netns.tool('modprobe'), MODULE])
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if p.returncode != 0 or not module_loaded():
            raise RunError('cannot load the module (%s): %s' % (
                ' '.join(argv), (p.stderr or p.stdout).strip()))
        return
    if tracer is not None:
        for ev in [e for e in tracer.enabled if e.startswith(MODULE + '/')]:
            tracer.disable(ev)
    end = time.monotonic() + timeout
    while True:
        p = subprocess.run([netns.tool('rmmod'), MODULE], capture_output=True,
                           text=True, timeout=60)
        if p.returncode == 0 or not module_loaded():
            return
        if time.monotonic() > end:
            raise RunError('cannot remove the module: %s' %
                           (p.stderr or p.stdout).strip())
        time.sleep(0.5)


def _williams_row(n, r):
    """Row r of a Williams design for n variants: over n rows (2n when n
    is odd, the second n the first reversed) every variant runs once in
    every position and right after every other variant equally often."""
    w = [0]
    for j in range(1, n):
        w.append((j + 1) // 2 if j % 2 else n - j // 2)
    row = [(r + x) % n for x in w]
    return row[::-1] if n % 2 and (r // n) % 2 else row


QUIET_WINDOW_S = 0.25
QUIET_IDLE = 0.85


def settle(limit):
    """Wait until every CPU was at least QUIET_IDLE idle in two windows in
    a row, or `limit` seconds have passed; returns the seconds waited."""
    from .measures import cpu
    t0 = time.monotonic()
    quiet = 0
    a = cpu.read_stat()
    while quiet < 2 and time.monotonic() - t0 < limit:
        time.sleep(QUIET_WINDOW_S)
        b = cpu.read_stat()
        fr = [cpu.fractions(a[c], b[c]) for c in b if c in a]
        busy = max((f[0] for f in fr if f), default=0.0)
        quiet = quiet + 1 if busy <= 1 - QUIET_IDLE else 0
        a = b
    return round(time.monotonic() - t0, 2)


def run_plan(nvariants, reps, n_last, order):
    """The order of the runs: [(variant index, repetition)]. "variant":
    each variant's repetitions together. "interleaved": repetition by
    repetition; the variants come in blocks of n_last (the values of the
    last dimension, which varies fastest), each block in the order of the
    next row of a Williams design, one row further on per block. A plain
    rotation kept each variant's predecessor fixed (the same one always
    ran just before it), and whatever a run leaves behind (a namespace
    still being torn down) fell on the same neighbour every time."""
    if order != 'interleaved':
        return [(v, r) for v in range(nvariants) for r in range(reps)]
    n_last = max(1, min(n_last, nvariants))
    plan = []
    for r in range(reps):
        for g in range(0, nvariants, n_last):
            block = list(range(g, min(g + n_last, nvariants)))
            row = _williams_row(len(block), r + g // n_last)
            plan += [(block[i], r) for i in row]
    return plan


def _judge_variant(e, d, runs):
    """The result of one variant from its runs' saved values."""
    rep_values = []
    for rj in runs:
        p = os.path.join(d, rj['dir'], 'values.json')
        if rj['status'] == 'ok' and os.path.exists(p):
            with open(p) as f:
                rep_values.append(json.load(f))
    values = V.aggregate(rep_values)
    if any(rj['status'] != 'ok' for rj in runs):
        verdicts = [{'claim': v['claim'], 'metric': v['metric'],
                     'status': V.ERROR, 'value': values.get(v['metric']),
                     'text': 'not judged: ' + '; '.join(
                         rj['error'] for rj in runs if rj['status'] != 'ok')}
                    for v in e.verdicts]
    else:
        verdicts = [V.judge(v, values) for v in e.verdicts]
    return {
        'params': e.params, 'runs': runs, 'values': values,
        'values_reps': rep_values, 'verdicts': verdicts,
        'status': V.overall([v['status'] for v in verdicts]),
        'setup': _variant_setup(e),
        'plots': [p.item for p in e.plots],
        'plot_kinds': [p.kind for p in e.plots],
    }


def _finish_set(s, d, res):
    res['status'] = V.overall([v['status'] for v in res['variants']])
    res['outcome_ok'] = res['status'] == s.variants[0].meta['expect']
    with open(os.path.join(d, 'result.json'), 'w') as f:
        json.dump(res, f, indent=1, default=str)
        f.write('\n')
    with open(os.path.join(d, 'experiment.json'), 'w') as f:
        f.write(spec.resolved_json(s) + '\n')
    return res


def rejudge(out, sets=()):
    """Compute the metrics and verdicts of a results directory again,
    from its saved tables, with today's analyzers and the experiment as
    saved with it (or as given in `sets`, by name). For developing
    analyzers without running anything again. -> results."""
    given = {s.name: s for s in sets}
    with open(os.path.join(out, 'book.json')) as f:
        book = json.load(f)
    results = []
    for name in book['experiments']:
        d = os.path.join(out, name)
        s = given.get(name)
        if s is None:
            s = spec.load(os.path.join(d, 'experiment.json'))
        with open(os.path.join(d, 'result.json')) as f:
            res = json.load(f)
        summary = _summary(s)
        summary['wall_s'] = res['wall_s']
        summary['variants'] = []
        for e, old in zip(s.variants, res['variants']):
            mine = {m.name for m in e.metrics}
            for rj in old['runs']:
                rd = os.path.join(d, rj['dir'])
                if rj['status'] != 'ok' or not os.path.isdir(rd):
                    continue
                data = RunData.load(rd)
                data.values = {k: v for k, v in data.values.items()
                               if k.split('.')[0] not in mine}
                data.tables = {k: v for k, v in data.tables.items()
                               if k.split('.')[0] not in mine}
                data.marks = {k: v for k, v in data.marks.items() if k not in mine}
                data.notes = [n for n in data.notes
                              if n.split(':')[0].split(' ')[-1] not in mine]
                for m in e.metrics:
                    try:
                        m.compute(data)
                    except Exception as ex:
                        data.note('metric %s (%s) failed: %s' % (m.name, m.kind, ex))
                data.save(rd)
            summary['variants'].append(_judge_variant(e, d, old['runs']))
        results.append(_finish_set(s, d, summary))
    return results


def _run_set(s, out, tracer, prefix, current, keep_raw):
    d = os.path.join(out, s.name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    t0 = time.monotonic()
    res = _summary(s)
    res['variants'] = []
    dims = spec.dimensions(s.raw)
    n_last = len(dims[-1][1]) if dims else 1
    plan = run_plan(len(s.variants), s.reps, n_last,
                    s.variants[0].meta['order'])
    runs = {vi: [None] * s.reps for vi in range(len(s.variants))}
    was_loaded = module_loaded()
    try:
        for seq, (vi, r) in enumerate(plan):
            e = s.variants[vi]
            rundir = os.path.join(d, 'v%d.r%d' % (vi + 1, r + 1))
            started = time.monotonic() - t0
            try:
                set_module(e.meta['module'], tracer)
            except (RunError, netns.ToolMissing, OSError,
                    subprocess.TimeoutExpired) as ex:
                os.makedirs(rundir, exist_ok=True)
                rj = {'status': 'error', 'error': str(ex), 'wall_s': 0}
            else:
                waited = settle(e.meta['settle']) if e.meta['settle'] else None
                timeout = int(e.timeout + SETUP_ALLOWANCE)
                rj = _fork_run(e, rundir, tracer, prefix, timeout,
                               lambda pid: current.__setitem__('pid', pid))
                if waited is not None:
                    rj['settle_s'] = waited
            rj['dir'] = os.path.relpath(rundir, d)
            rj['seq'] = seq + 1
            rj['started_s'] = round(started, 1)
            if not keep_raw:
                shutil.rmtree(os.path.join(rundir, 'raw'), ignore_errors=True)
            runs[vi][r] = rj
    finally:
        if s.variants[0].meta['module'] != 'keep' or any(
                e.meta['module'] != 'keep' for e in s.variants):
            try:
                set_module('loaded' if was_loaded else 'unloaded', tracer)
            except (RunError, netns.ToolMissing, OSError,
                    subprocess.TimeoutExpired) as ex:
                print('# could not restore the module: %s' % ex, flush=True)
    for vi, e in enumerate(s.variants):
        res['variants'].append(_judge_variant(e, d, runs[vi]))
    res['wall_s'] = round(time.monotonic() - t0, 1)
    return _finish_set(s, d, res)


def line(res):
    """The terminal's line for one experiment."""
    nums = []
    for v in res['variants']:
        for j in v['verdicts']:
            nums.append(('ok ' if j['status'] == V.HELD else
                         'FAIL ' if j['status'] == V.NOT_HELD else 'ERROR ') + j['text'])
    exp = ''
    if res['expect'] != V.HELD:
        exp = ' (expected: %s%s)' % (res['expect'],
                                      ', as expected' if res['outcome_ok'] else '')
    return '%-9s %-22s %5.0fs%s | %s' % (res['status'].upper().replace(' ', '-'),
                                         res['name'], res['wall_s'], exp,
                                         '; '.join(nums))
