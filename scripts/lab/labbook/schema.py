# SPDX-License-Identifier: GPL-2.0
"""A small declarative schema for the tables of an experiment file.

Every plug-in describes the keys it accepts as a dict name -> Field; the
loader checks a table against it: unknown keys, missing required keys and
values that do not parse are refused with the key path and the reason.
Nothing here evaluates anything written in a file.
"""
from . import units


class SpecError(Exception):
    """A refused experiment file: where (file, key path) and why."""

    def __init__(self, key, reason, file=None):
        super().__init__(reason)
        self.key = key
        self.reason = reason
        self.file = file

    def __str__(self):
        where = self.file or '<experiment>'
        if self.key:
            return '%s: %s: %s' % (where, self.key, self.reason)
        return '%s: %s' % (where, self.reason)


def _str(v):
    if not isinstance(v, str):
        raise ValueError('%r is not a string' % (v,))
    return v


def _int(v):
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError('%r is not an integer' % (v,))
    return v


def _number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError('%r is not a number' % (v,))
    return float(v)


def _bool(v):
    if not isinstance(v, bool):
        raise ValueError('%r is not true or false' % (v,))
    return v


def _strlist(v):
    if isinstance(v, str):
        return [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError('%r is not a string or a list of strings' % (v,))
    return list(v)


def _scalar(v):
    if isinstance(v, (dict, list)):
        raise ValueError('%r is not a single value' % (v,))
    return v


def _table(v):
    if not isinstance(v, dict):
        raise ValueError('%r is not a table' % (v,))
    return v


PARSERS = {
    'str': _str, 'int': _int, 'number': _number, 'bool': _bool,
    'strlist': _strlist, 'scalar': _scalar, 'table': _table,
    'rate': units.rate, 'time': units.time, 'size': units.size,
    'percent': units.percent, 'buffer': units.buffer,
    'any': lambda v: v,
}


class Field:
    """One key of a table.

    kind: a name in PARSERS (the value is parsed into its normal form:
    seconds, bit/s, bytes, percent, (n, unit) for a buffer).
    choices: allowed values (after parsing). minimum/maximum: bounds on a
    number. check(value) -> None or raise ValueError, for anything else.
    doc: one line for the README's key reference (`tcplab-lab keys`).
    """

    def __init__(self, kind, doc='', required=False, default=None,
                 choices=None, minimum=None, maximum=None, check=None):
        if kind not in PARSERS:
            raise ValueError('unknown field kind %r' % kind)
        self.kind = kind
        self.doc = doc
        self.required = required
        self.default = default
        self.choices = choices
        self.minimum = minimum
        self.maximum = maximum
        self.check = check

    def parse(self, value):
        v = PARSERS[self.kind](value)
        if self.choices is not None and v not in self.choices:
            raise ValueError('%r is not one of %s' %
                             (value, ', '.join(map(repr, self.choices))))
        if self.minimum is not None and v < self.minimum:
            raise ValueError('%r is below the minimum %s' % (value, self.minimum))
        if self.maximum is not None and v > self.maximum:
            raise ValueError('%r is above the maximum %s' % (value, self.maximum))
        if self.check:
            self.check(v)
        return v


def validate(table, fields, path, extra_ok=()):
    """Check `table` (a dict from the file) against `fields`; return a new
    dict of parsed values with defaults filled in. `path` is the key path
    of the table ("path", "flow.0") for messages. Keys in extra_ok are
    left to the caller."""
    if not isinstance(table, dict):
        raise SpecError(path, 'must be a table, not %r' % (table,))
    out = {}
    for k, v in table.items():
        if k in extra_ok:
            continue
        f = fields.get(k)
        key = '%s.%s' % (path, k) if path else k
        if f is None:
            known = ', '.join(sorted(list(fields) + list(extra_ok)))
            raise SpecError(key, 'unknown key (known here: %s)' % known)
        try:
            out[k] = f.parse(v)
        except ValueError as e:
            raise SpecError(key, str(e)) from None
    for k, f in fields.items():
        if k not in out and k not in table:
            if f.required:
                key = '%s.%s' % (path, k) if path else k
                raise SpecError(key, 'missing (required)')
            out[k] = f.default
    return out


def describe(fields):
    """Lines "key (kind): doc" for documentation and `tcplab-lab keys`."""
    lines = []
    for k, f in fields.items():
        extra = ''
        if f.choices:
            extra = ' [%s]' % ', '.join(map(str, f.choices))
        req = ' (required)' if f.required else ''
        lines.append('%s (%s)%s%s: %s' % (k, f.kind, req, extra, f.doc))
    return lines
