# SPDX-License-Identifier: GPL-2.0
"""README.md's key reference is what the engine knows: the part of
"### Every key" from the [experiment] table on is `tcplab-lab keys
--markdown`, so a key added to a plug-in and not documented fails here.
"""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


class ReadmeKeys(unittest.TestCase):
    def test_every_key_matches_the_engine(self):
        with open(os.path.join(TOP, 'README.md'), encoding='utf-8') as f:
            readme = f.read()
        head = readme.index('### Every key')
        start = readme.index('**`[experiment]`**', head)
        end = readme.index('\n## ', start)
        keys = subprocess.run(
            [sys.executable, os.path.join(TOP, 'scripts/lab/tcplab-lab'),
             'keys', '--markdown'],
            check=True, capture_output=True, text=True).stdout
        self.assertEqual(readme[start:end].strip(), keys.strip(),
                         'README.md "Every key" differs from '
                         '`tcplab-lab keys --markdown`: paste it in again')


if __name__ == '__main__':
    unittest.main()
