# SPDX-License-Identifier: GPL-2.0
"""Network namespaces and the commands run in them.

Every command goes through Net.run / Net.spawn: it is logged, given a
timeout, and (unless marked internal) recorded in the list of commands
the page shows to reproduce the experiment by hand in `make shell`.

Tools are called by full path: in the VM busybox provides applets with
the same names, and its `ip` cannot create veth pairs.
"""
import os
import shlex
import signal
import subprocess
import time

_SEARCH = ('/usr/sbin', '/usr/bin', '/sbin', '/bin')


class ToolMissing(Exception):
    pass


def tool(name):
    """The full path of a real (non-busybox) binary."""
    for d in _SEARCH:
        p = os.path.join(d, name)
        if os.path.exists(p) and os.access(p, os.X_OK) and \
           os.path.basename(os.path.realpath(p)) != 'busybox':
            return p
    raise ToolMissing('%s not found (looked in %s)' % (name, ', '.join(_SEARCH)))


def busybox_ok(name):
    """A binary that may also be a busybox applet (sysctl, cat)."""
    for d in _SEARCH:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise ToolMissing('%s not found' % name)


class CommandFailed(Exception):
    pass


class Net:
    """The namespaces of one experiment run, named PREFIX-NODE."""

    def __init__(self, prefix, log=None):
        self.prefix = prefix
        self.ns = {}           # node -> namespace name
        self.procs = []        # background Popen objects
        self.commands = []     # recorded for the page
        self.log = log or (lambda s: None)
        self.ip = tool('ip')
        self.tc = tool('tc')

    # -------------------------------------------------------- commands
    def _argv(self, argv, node):
        if node is None:
            return list(argv)
        return [self.ip, 'netns', 'exec', self.ns[node]] + list(argv)

    def record(self, argv, node=None, comment=None, background=False):
        if comment:
            self.commands.append('# ' + comment)
        self.commands.append(' '.join(shlex.quote(a) for a in
                                      self._argv(argv, node)) +
                             (' &' if background else ''))

    def run(self, argv, node=None, timeout=30, check=True, record=True,
            input=None):
        full = self._argv(argv, node)
        if record:
            self.record(argv, node)
            if input is not None:
                self.commands[-1] += " <<'EOF'\n" + input.rstrip('\n') + '\nEOF'
        self.log('$ ' + ' '.join(shlex.quote(a) for a in full))
        try:
            p = subprocess.run(full, input=input, capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CommandFailed('timed out after %gs: %s' %
                                (timeout, ' '.join(full))) from None
        if check and p.returncode != 0:
            raise CommandFailed('exit %d: %s: %s' % (
                p.returncode, ' '.join(full), (p.stderr or p.stdout).strip()))
        return p

    def spawn(self, argv, node=None, stdout=None, record=True, comment=None,
              display=None, foreground=False, stdin=None, errfile=None):
        """Start a background command; killed by cleanup(). `display`:
        the argv to show on the page instead (without the engine's own
        plumbing: output files, start times); shown with a "&" unless a
        person would run it in the foreground. stdout/stdin: -1 for a
        pipe. Its stderr goes to `errfile` (read it with errors(p)), so a
        chatty agent can never block on a full pipe."""
        full = self._argv(argv, node)
        if record:
            self.record(display or argv, node, comment, not foreground)
        self.log('$ ' + ' '.join(shlex.quote(a) for a in full) + ' &')
        err = open(errfile, 'w') if errfile else subprocess.DEVNULL
        p = subprocess.Popen(full, stdout=stdout or subprocess.DEVNULL,
                             stderr=err, text=True,
                             stdin=stdin or subprocess.DEVNULL)
        if errfile:
            err.close()
        p.errfile = errfile
        self.procs.append(p)
        return p

    @staticmethod
    def errors(p, tail=500):
        """The end of what a spawned command wrote to stderr."""
        if not getattr(p, 'errfile', None):
            return ''
        try:
            with open(p.errfile, errors='replace') as f:
                return f.read()[-tail:].strip()
        except OSError:
            return ''

    # ------------------------------------------------------ namespaces
    def add(self, node):
        name = '%s-%s' % (self.prefix, node)
        self.run([self.ip, 'netns', 'add', name])
        self.ns[node] = name
        self.run([self.ip, '-n', name, 'link', 'set', 'lo', 'up'])
        return name

    def nsname(self, node):
        return self.ns[node]

    def sysctl(self, node, name, text):
        """Write a sysctl in NODE's namespace ("all": every namespace)."""
        path = '/proc/sys/' + name.replace('.', '/')
        self.record(['sysctl', '-qw', '%s=%s' % (name, text)], node)
        self.run(['sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'sh', text, path],
                 node, record=False)

    def read(self, node, path):
        return self.run(['cat', path], node, record=False).stdout

    # --------------------------------------------------------- cleanup
    def stop_procs(self, grace=2.0):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        end = time.monotonic() + grace
        for p in self.procs:
            try:
                p.wait(max(0.05, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def cleanup(self):
        self.stop_procs()
        for node in list(self.ns):
            subprocess.run([self.ip, 'netns', 'del', self.ns[node]],
                           capture_output=True, timeout=30)
            del self.ns[node]


def leftover(prefix):
    """Namespaces named PREFIX-*, left by a run that was killed."""
    try:
        names = os.listdir('/run/netns')
    except FileNotFoundError:
        return []
    return [n for n in names if n.startswith(prefix + '-')]


def delete_prefix(prefix):
    ip = tool('ip')
    for n in leftover(prefix):
        # Processes still in it keep it alive; kill them first.
        p = subprocess.run([ip, 'netns', 'pids', n], capture_output=True,
                           text=True, timeout=10)
        for pid in p.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run([ip, 'netns', 'del', n], capture_output=True, timeout=30)
