# SPDX-License-Identifier: GPL-2.0
"""What the engine's unit tests share: labbook on the import path, the
experiment and bench folders, writing a file, and a TestCase that loads
experiment text and expects refusals. Import it before labbook."""
import os
import sys
import tempfile
import unittest

LAB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if LAB not in sys.path:
    sys.path.insert(0, LAB)
EXP = os.path.join(LAB, 'experiments')
BENCH_DIR = os.path.join(LAB, 'bench')

from labbook import spec  # noqa: E402
from labbook.schema import SpecError  # noqa: E402


def write(d, name, text):
    p = os.path.join(d, name)
    with open(p, 'w') as f:
        f.write(text)
    return p


class FileCase(unittest.TestCase):
    """self.d: a fresh folder; experiment text is written to self.d/x.toml."""

    def setUp(self):
        self.d = tempfile.mkdtemp()

    def load_text(self, text):
        return spec.load(write(self.d, 'x.toml', text))

    def refusal(self, key, fn, *args, **kw):
        """fn(*args, **kw) must refuse the file at `key`; -> the error."""
        with self.assertRaises(SpecError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.key, key, str(cm.exception))
        return cm.exception

    def refused(self, text, key):
        return self.refusal(key, self.load_text, text)
