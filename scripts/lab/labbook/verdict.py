# SPDX-License-Identifier: GPL-2.0
"""Verdicts: declarative checks on named values.

    [[verdict]]
    claim = "fast recovery halves cwnd"
    metric = "reno.fr_beta"
    min = 0.45
    max = 0.55

    [[verdict]]
    claim = "HyStart++ leaves slow start losing far less"
    metric = "hystart.losses"
    below = "plain.losses"       # or a number
    factor = 0.25                # value < 0.25 x plain.losses

A value that was not measured makes the verdict "error", never "held".
"""
import statistics

HELD, NOT_HELD, ERROR = 'held', 'not held', 'error'


def _num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def fmt(x):
    if not _num(x):
        return str(x)
    if isinstance(x, int) or float(x).is_integer() and abs(x) >= 10:
        return '%d' % x
    a = abs(x)
    if a >= 100:
        return '%.0f' % x
    if a >= 10:
        return '%.1f' % x
    if a >= 0.01 or a == 0:
        return '%.3g' % x
    return '%.2e' % x


def judge(v, values):
    """-> dict(status, text, value, bounds) for verdict v on values."""
    name = v['metric']
    x = values.get(name)
    out = {'claim': v['claim'], 'metric': name, 'value': x}
    if not _num(x):
        out.update(status=ERROR, text='%s was not measured' % name)
        return out
    ok = True
    parts = []
    if v.get('min') is not None:
        ok &= x >= v['min']
        parts.append('>= %s' % fmt(v['min']))
    if v.get('max') is not None:
        ok &= x <= v['max']
        parts.append('<= %s' % fmt(v['max']))
    for k, op in (('below', '<'), ('above', '>')):
        o = v.get(k)
        if o is None:
            continue
        f = v.get('factor', 1.0)
        if isinstance(o, str):
            ov = values.get(o)
            if not _num(ov):
                out.update(status=ERROR, text='%s was not measured' % o)
                return out
            ref = f * ov
            desc = ('%s x %s (%s)' % (fmt(f), o, fmt(ov)) if f != 1 else
                    '%s (%s)' % (o, fmt(ov)))
        else:
            ref = f * o
            desc = fmt(ref)
        ok &= (x < ref) if op == '<' else (x > ref)
        parts.append('%s %s' % (op, desc))
        out['ref_' + k] = ref
    out['status'] = HELD if ok else NOT_HELD
    out['text'] = '%s = %s, wanted %s' % (name, fmt(x), ' and '.join(parts))
    return out


def aggregate(rep_values):
    """Median of each numeric value over repetitions; non-numbers from the
    first repetition that has them."""
    names = []
    for vals in rep_values:
        for k in vals:
            if k not in names:
                names.append(k)
    out = {}
    for k in names:
        xs = [vals[k] for vals in rep_values if _num(vals.get(k))]
        if xs:
            m = statistics.median(xs)
            out[k] = m
        else:
            out[k] = next((vals[k] for vals in rep_values if k in vals), None)
    return out


def overall(statuses):
    """A measured check that failed says the claim did not hold, even if
    another could not be measured; otherwise any error is an error."""
    if not statuses:
        return ERROR
    if NOT_HELD in statuses:
        return NOT_HELD
    return ERROR if ERROR in statuses else HELD
