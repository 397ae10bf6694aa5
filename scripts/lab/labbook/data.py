# SPDX-License-Identifier: GPL-2.0
"""What one run of an experiment produced, as text files.

    values   name -> number (or string): goodputs, counter deltas, metrics
    tables   name -> columns + rows, one CSV file each: series over time
    marks    name -> annotations for plots: {"t", "label"} lines and
             {"t", "t1", "label"} spans, in seconds from the run's t0
    notes    sentences the reader should see (a measurement unavailable...)

Saved in a directory as values.json, marks.json, notes.json and
tables/NAME.csv; loaded back the same way by the page and by tests.
"""
import csv
import json
import math
import os


class Table:
    def __init__(self, columns, rows=None):
        self.columns = list(columns)
        self.rows = rows if rows is not None else []

    def col(self, name):
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def has(self, name):
        return name in self.columns

    def dicts(self):
        return [dict(zip(self.columns, r)) for r in self.rows]

    def __len__(self):
        return len(self.rows)


def _num(s):
    if s == '':
        return None
    try:
        return int(s)
    except ValueError:
        try:
            return float(s)
        except ValueError:
            return s


def _cell(v):
    if v is None:
        return ''
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return ''
        return ('%.6f' % v).rstrip('0').rstrip('.') if v != int(v) else '%d' % v
    return str(v)


class RunData:
    def __init__(self):
        self.values = {}
        self.tables = {}
        self.marks = {}
        self.notes = []

    def add_value(self, name, v):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            v = None
        self.values[name] = v

    def add_table(self, name, columns, rows):
        self.tables[name] = Table(columns, rows)
        return self.tables[name]

    def add_mark(self, name, t, label, t1=None, style=None):
        m = {'t': round(t, 4), 'label': label}
        if t1 is not None:
            m['t1'] = round(t1, 4)
        if style:
            m['style'] = style
        self.marks.setdefault(name, []).append(m)

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def save(self, d):
        os.makedirs(os.path.join(d, 'tables'), exist_ok=True)
        for name, obj in (('values', self.values), ('marks', self.marks),
                          ('notes', self.notes)):
            with open(os.path.join(d, name + '.json'), 'w') as f:
                json.dump(obj, f, indent=1, sort_keys=True)
                f.write('\n')
        for name, t in self.tables.items():
            with open(os.path.join(d, 'tables', name + '.csv'), 'w',
                      newline='') as f:
                w = csv.writer(f, lineterminator='\n')
                w.writerow(t.columns)
                for r in t.rows:
                    w.writerow([_cell(v) for v in r])

    @classmethod
    def load(cls, d):
        self = cls()
        for name in ('values', 'marks', 'notes'):
            p = os.path.join(d, name + '.json')
            if os.path.exists(p):
                with open(p) as f:
                    setattr(self, name, json.load(f))
        td = os.path.join(d, 'tables')
        if os.path.isdir(td):
            for fn in sorted(os.listdir(td)):
                if not fn.endswith('.csv'):
                    continue
                with open(os.path.join(td, fn), newline='') as f:
                    r = csv.reader(f)
                    try:
                        cols = next(r)
                    except StopIteration:
                        continue
                    rows = [tuple(_num(c) for c in row) for row in r]
                self.tables[fn[:-4]] = Table(cols, rows)
        return self
