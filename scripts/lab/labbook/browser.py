# SPDX-License-Identifier: GPL-2.0
"""The browser check: load a lab book page in headless Chromium (Debian's
`chromium`) and fail on

  - any console message (the page logs nothing when all is well; Chromium
    prints console messages and uncaught exceptions to stderr with
    --enable-logging=stderr, without telling errors from logs, so every
    one counts), or an error the page's own script caught;
  - the page's check script not having run;
  - a plot missing (a figure without its <svg>, fewer figures than the
    section declares) or empty (no series with at least two points, or
    drawn with no size);
  - a section without a verdict, or a page without any section.

The page's inline script (page.CHECK_JS) does the counting in the
browser, after layout, and writes it to <div id="labcheck" data-...>;
`--dump-dom` gives us the DOM after it ran. A screenshot of the whole
page is saved next to it (PAGE.png, or --screenshot).

--negative also proves the check can fail: a copy of the page with one
plot's <svg> removed must be refused.

Chromium runs with a fresh profile and everything that would reach the
network switched off; as root it needs --no-sandbox.
"""
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

FLAGS = ['--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--disable-default-apps', '--disable-extensions',
         '--disable-features=Translate,MediaRouter,OptimizationHints',
         '--no-default-browser-check', '--mute-audio', '--hide-scrollbars',
         '--enable-logging=stderr', '--v=0']


def chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        p = shutil.which(name)
        if p:
            return p
    return None


def _run(exe, page, extra, timeout):
    ud = tempfile.mkdtemp(prefix='tcplab-chromium-')
    argv = [exe] + FLAGS + ['--user-data-dir=' + ud] + extra + \
        ['file://' + os.path.abspath(page)]
    if os.geteuid() == 0:
        argv.insert(1, '--no-sandbox')
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, '', 'chromium timed out after %ds' % timeout
    finally:
        shutil.rmtree(ud, ignore_errors=True)


def console_lines(stderr):
    return [line for line in stderr.splitlines() if ':CONSOLE' in line]


def check(page, exe=None, timeout=120):
    """-> (ok, [lines], info dict)."""
    exe = exe or chromium()
    if not exe:
        return False, ['chromium not found (apt-get install chromium)'], {}
    rc, dom, err = _run(exe, page, ['--dump-dom', '--virtual-time-budget=5000'],
                        timeout)
    problems = []
    if rc != 0:
        problems.append('chromium exit %d: %s' % (rc, err.strip()[-300:]))
    for line in console_lines(err):
        msg = line.split('] ', 1)[-1]
        problems.append('console: ' + msg)
    m = re.search(r'<div id="labcheck"([^>]*)>', dom)
    info = {}
    if not m:
        problems.append('no labcheck element in the DOM: not a lab book page, '
                        'or chromium did not render it')
    else:
        for k, v in re.findall(r'data-([a-z]+)="([^"]*)"', m.group(1)):
            info[k] = html.unescape(v)
        if info.get('done') != '1':
            problems.append('the page\'s check script did not run')
        else:
            for k, what in (('missing', 'plot(s) missing'),
                            ('empty', 'plot(s) empty'),
                            ('noverdict', 'section(s) without a verdict'),
                            ('errors', 'script error(s)')):
                if int(info.get(k, '0') or 0):
                    problems.append('%s %s' % (info[k], what))
            if int(info.get('sections', '0')) == 0:
                problems.append('no experiment section')
            if info.get('problems'):
                problems.append('the page found: ' + info['problems'])
    return not problems, problems, info


def screenshot(page, png, height, exe=None, timeout=120):
    exe = exe or chromium()
    h = max(800, min(int(height) + 40, 30000))
    rc, _, err = _run(exe, page, ['--screenshot=' + os.path.abspath(png),
                                  '--window-size=1000,%d' % h], timeout)
    return rc == 0 and os.path.exists(png), err


def negative(page, exe=None):
    """A copy of the page with the first plot's <svg> taken out must
    fail the check. -> (ok, message)."""
    with open(page) as f:
        text = f.read()
    m = re.search(r'(<figure class="plot"[^>]*>\s*)(<svg .*?</svg>)', text, re.S)
    if not m:
        return False, 'negative test: the page has no plot to remove'
    d = tempfile.mkdtemp(prefix='tcplab-negative-')
    try:
        bad = os.path.join(d, 'index.html')
        with open(bad, 'w') as f:
            f.write(text[:m.start(2)] + text[m.end(2):])
        ok, problems, _ = check(bad, exe)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if ok:
        return False, 'negative test: a page with a plot removed PASSED the check'
    return True, 'negative test: a page with a plot removed is refused (%s)' % \
        '; '.join(problems)[:200]


def main(args):
    page = args.page
    exe = args.chromium or chromium()
    if not exe:
        print('browser-check: chromium not found (apt-get install chromium)',
              file=sys.stderr)
        return 1
    ok, problems, info = check(page, exe)
    for p in problems:
        print('browser-check: %s' % p)
    png = args.screenshot or os.path.splitext(page)[0] + '.png'
    shot, err = screenshot(page, png, info.get('height', '3000'), exe)
    if not shot:
        print('browser-check: no screenshot: %s' % err.strip()[-300:])
        ok = False
    rc = 0 if ok else 1
    print('browser-check: %s: %s plots drawn, %s sections; %s%s' % (
        page, info.get('plots', '?'), info.get('sections', '?'),
        'ok' if ok else 'FAILED', ', screenshot %s' % png if shot else ''))
    if args.negative:
        nok, msg = negative(page, exe)
        print('browser-check: %s' % msg)
        if not nok:
            rc = 1
    return rc
