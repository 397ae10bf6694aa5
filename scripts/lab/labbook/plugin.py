# SPDX-License-Identifier: GPL-2.0
"""Base classes of the five plug-in concerns. A plug-in subclasses one,
registers it with registry.register(CATEGORY, KIND) and lives in its own
file under the concern's package. scripts/lab/README.md is the contract;
this file is its code.

Every plug-in instance stands for one entry of the experiment file (one
[[flow]], one [[measure]]...): `self.item` is that entry, parsed against
KEYS (plus the common keys the loader handles), and `self.exp` the whole
validated experiment (spec.Experiment).
"""
from .schema import SpecError


class Outputs:
    """What a plug-in will produce, declared before anything runs so that
    plots and verdicts naming something nobody produces are refused with
    the file. Names may end in ".*" (e.g. "nstat.sender.*": any counter).
    tables: name -> list of columns (None: not known in advance)."""

    def __init__(self, values=(), tables=None, marks=()):
        self.values = list(values)
        self.tables = dict(tables or {})
        self.marks = list(marks)

    def merge(self, other):
        self.values += other.values
        self.tables.update(other.tables)
        self.marks += other.marks
        return self


def _match(name, names):
    for n in names:
        if n == name or (n.endswith('.*') and name.startswith(n[:-1])):
            return True
    return False


class Plugin:
    KEYS = {}        # key -> schema.Field, besides the common keys
    DOC = ''         # what this kind does, for `tcplab-lab keys` and docs
    PRODUCES = ''    # what it adds to the results, for the same
    kind = None      # set by register()
    category = None

    def __init__(self, item, exp, key):
        self.item = item     # parsed entry
        self.exp = exp       # spec.Experiment
        self.key = key       # its key path in the file, e.g. "flow.1"

    def fail(self, subkey, reason):
        """Refuse the file: raise SpecError for self.key.subkey."""
        raise SpecError('%s.%s' % (self.key, subkey) if subkey else self.key,
                        reason)

    def check(self):
        """Cross-checks once the whole file is parsed (nodes exist, a flow
        named here is defined...). Raise with self.fail()."""

    def outputs(self):
        return Outputs()


class Topology(Plugin):
    """[topology] shape = KIND. Builds the namespaces and links.

    nodes(): the node names files may use ([sysctl.NODE], flow from/to).
    client/server: default flow ends. build(ctx): make everything, with
    ctx.net (netns.Net). address(node): the address others reach NODE at.
    path_change(ctx, direction, change): apply an [[event]]'s change dict
    (loss, delay, jitter, rate: parsed) to one direction, or restore it
    with change=None. diagram(): (nodes, links) for the page."""
    client = 'sender'
    server = 'receiver'

    def nodes(self):
        raise NotImplementedError

    def build(self, ctx):
        raise NotImplementedError

    def address(self, node):
        raise NotImplementedError

    def path_change(self, ctx, direction, change):
        raise NotImplementedError('this topology has no path events')

    def diagram(self):
        return ([(n, '') for n in self.nodes()], [])


class Workload(Plugin):
    """[[flow]] kind = KIND: traffic. Common keys handled by the loader:
    kind, name (default flowN), from, to (nodes; default the topology's
    client and server), start (time after t0).

    Lifecycle, all in the experiment's own process:
      prepare(ctx)       launch servers and clients; return once all are
                         up and the clients wait to be told when to go
                         (an agent takes a second or more to start under
                         TCG: launched at t0 it would start late)
      start(ctx, t0)     tell the clients to begin at t0 + start
                         (absolute time.monotonic() values; t0 is a
                         moment away)
      end_time()         seconds after t0 by which it should be done
      finish(ctx, deadline)  wait for it (never past `deadline`), then
                         put its results in ctx.data
    Output names start with "flow.NAME" by convention."""

    def prepare(self, ctx):
        pass

    def start(self, ctx, t0):
        raise NotImplementedError

    def end_time(self):
        raise NotImplementedError

    def finish(self, ctx, deadline):
        raise NotImplementedError


class Measure(Plugin):
    """[[measure]] kind = KIND: something recorded while the workloads run.
      start(ctx)    before the workloads start (ctx.t0 not yet known)
      stop(ctx)     after they finished (or the deadline passed)
      collect(ctx)  turn what was recorded into ctx.data values/tables
    A measurement whose source is missing (no module, no tracefs) records
    a note and produces nothing if its item says optional = true, and
    fails the run otherwise."""

    def start(self, ctx):
        pass

    def stop(self, ctx):
        pass

    def collect(self, ctx):
        pass


class Metric(Plugin):
    """[[metric]] kind = KIND, name = NAME: an analyzer. compute(data)
    reads tables and values of data (a RunData) and adds values (named
    "NAME.something"), tables and marks. It must not touch the system:
    it may run again later on saved data. A value it cannot compute is
    left out (a verdict on it then says "error", not "held")."""

    def compute(self, data):
        raise NotImplementedError


class Plot(Plugin):
    """[[plot]] kind = KIND: render(data) -> an <svg> string, drawn from
    saved data by the page (on the host, after the run). check() must
    refuse references to tables/marks no plug-in declares (use
    self.exp.outputs, an Outputs of everything)."""

    def render(self, data):
        raise NotImplementedError

    def has_data(self, data):
        """True if there is something to draw."""
        return True


def has_value(outputs, name):
    return _match(name, outputs.values)


def has_table(outputs, name):
    return name in outputs.tables or _match(name, list(outputs.tables))


def check_column(plugin, key, ref, table, col):
    """Refuse `ref` (at `key`) unless the file's outputs have `table` and,
    where its columns are known, column `col` in it."""
    outs = plugin.exp.outputs
    if not has_table(outs, table):
        plugin.fail(key, '%r: no table %r (tables: %s)' % (
            ref, table, ', '.join(sorted(outs.tables)) or 'none'))
    cols = outs.tables.get(table)
    if cols is not None and col not in cols:
        plugin.fail(key, '%r: table %s has no column %r (columns: '
                    '%s)' % (ref, table, col, ', '.join(cols)))


def has_mark(outputs, name):
    return _match(name, outputs.marks)
