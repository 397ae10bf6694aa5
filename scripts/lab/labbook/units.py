# SPDX-License-Identifier: GPL-2.0
"""Parsing of the quantities an experiment file holds: rates, times, sizes,
percentages and buffers. Every parser raises ValueError with a message a
person can act on; the spec loader adds the file and the key path."""
import re

_NUM = r'([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)'

_RATE_UNITS = {'bit': 1, 'kbit': 1e3, 'mbit': 1e6, 'gbit': 1e9,
               'bit/s': 1, 'kbit/s': 1e3, 'mbit/s': 1e6, 'gbit/s': 1e9}
_TIME_UNITS = {'ns': 1e-9, 'us': 1e-6, 'ms': 1e-3, 's': 1.0, 'min': 60.0}
_SIZE_UNITS = {'b': 1, 'kb': 1e3, 'mb': 1e6, 'gb': 1e9,
               'kib': 1024, 'mib': 1024 ** 2, 'gib': 1024 ** 3}


def _split(value, what, example):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('%r is not a %s (example: %s)' % (value, what, example))
    if isinstance(value, (int, float)):
        return float(value), ''
    m = re.fullmatch(r'\s*' + _NUM + r'\s*([A-Za-z/%]*)\s*', value)
    if not m:
        raise ValueError('%r is not a %s (example: %s)' % (value, what, example))
    return float(m.group(1)), m.group(2).lower()


def rate(value):
    """'10mbit' -> 10e6 (bit/s)."""
    n, u = _split(value, 'rate', '"10mbit"')
    if u in ('mbps', 'kbps', 'gbps', 'bps'):
        raise ValueError('%r: tc reads "%s" as bytes per second; write %s '
                         '(bits) or say bytes some other way' %
                         (value, u, u.replace('bps', 'bit')))
    if u == '':
        raise ValueError('%r: a rate needs a unit (kbit, mbit, gbit)' % (value,))
    if u not in _RATE_UNITS:
        raise ValueError('%r: unknown rate unit %r (kbit, mbit, gbit)' % (value, u))
    r = n * _RATE_UNITS[u]
    if r <= 0:
        raise ValueError('%r: a rate must be above zero' % (value,))
    return r


def time(value, allow_zero=True):
    """'40ms' -> 0.04 (seconds). A bare number is refused: 40 what?"""
    n, u = _split(value, 'time', '"40ms"')
    if u == '':
        raise ValueError('%r: a time needs a unit (us, ms, s, min)' % (value,))
    if u not in _TIME_UNITS:
        raise ValueError('%r: unknown time unit %r (us, ms, s, min)' % (value, u))
    t = n * _TIME_UNITS[u]
    if t < 0 or (t == 0 and not allow_zero):
        raise ValueError('%r: must be above zero' % (value,))
    return t


def size(value):
    """'10MB' -> 10e6 bytes; an integer is bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError('%r: a size cannot be negative' % (value,))
        return value
    n, u = _split(value, 'size', '"10MB" or 65536')
    if u not in _SIZE_UNITS and u != '':
        raise ValueError('%r: unknown size unit %r (B, KB, MB, GB, KiB, MiB, GiB)'
                         % (value, u))
    return int(n * _SIZE_UNITS.get(u, 1))


def percent(value):
    """'1%' -> 1.0 (percent). A bare number is refused: a fraction or a
    percentage?"""
    n, u = _split(value, 'percentage', '"0.5%"')
    if u != '%':
        raise ValueError('%r: write a percentage with %%, e.g. "0.5%%"' % (value,))
    if n > 100:
        raise ValueError('%r: above 100%%' % (value,))
    return n


def buffer(value):
    """A queue length: an integer number of packets, 'N packets', or
    'N bdp' (bandwidth-delay products of the path). Returns (n, unit)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ValueError('%r: a buffer holds at least one packet' % (value,))
        return (float(value), 'packets')
    n, u = _split(value, 'buffer', '100 (packets) or "2bdp"')
    if u in ('p', 'packet', 'packets', 'pkts'):
        u = 'packets'
    elif u != 'bdp':
        raise ValueError('%r: a buffer is a number of packets or "N bdp"' % (value,))
    if n <= 0:
        raise ValueError('%r: a buffer must be above zero' % (value,))
    return (n, u)


def fmt_rate(bps):
    for u, f in (('gbit', 1e9), ('mbit', 1e6), ('kbit', 1e3)):
        if bps >= f:
            return ('%g%s' % (bps / f, u))
    return '%gbit' % bps


def fmt_time(s):
    if s == 0:
        return '0'
    if s < 1e-3:
        return '%gus' % round(s * 1e6, 3)
    if s < 1:
        return '%gms' % round(s * 1e3, 3)
    return '%gs' % round(s, 3)
