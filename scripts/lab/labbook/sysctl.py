# SPDX-License-Identifier: GPL-2.0
"""Which sysctls an experiment may set, and how their values are written.

Only net.ipv4.*, net.core.* and net.tcp_lab.* (the per-namespace knobs an
experiment is about). A name is checked

  live    against /proc/sys of the kernel that will run it (the engine,
          before it builds anything): the file must exist;
  static  when only validating (make lab checks on the host before the VM
          boots, where the module is not loaded): net.tcp_lab.* against
          the module's table below (names and ranges), net.ipv4/net.core
          against the host's /proc/sys when it has the name, else only the
          name's shape.

When the module gains a sysctl, add it to LAB_SYSCTLS (name: (min, max),
or None for a value that is not one integer).
"""
import os
import re

PREFIXES = ('net.ipv4.', 'net.core.', 'net.tcp_lab.')

# module/sysctl.c's table: name -> (min, max) or None (not an integer).
LAB_SYSCTLS = {
    'reno_beta': (1, 1023),
    'init_ssthresh': (0, 1048576),
    'cubic_beta': (1, 1023),
    'cubic_c': (1, 4096),
    'cubic_fast_convergence': (0, 1),
    'cubic_reno_friendly': (0, 1),
    'cubic_hystart': (0, 2),
    'cubic_hspp_min_rtt_thresh_us': (0, 65535),
    'cubic_hspp_max_rtt_thresh_us': (0, 65535),
    'cubic_hspp_rtt_divisor': (1, 255),
    'cubic_hspp_n_rtt_sample': (1, 255),
    'cubic_hspp_css_growth_divisor': (1, 255),
    'cubic_hspp_css_rounds': (1, 255),
    'syncookie_mode': (0, 2),
    'syncookie_ports': None,
    'syncookie_threshold': (1, 100),
    'syncookie_drop_invalid': (0, 1),
    'tw_observe': (0, 1),
    'tw_rst_policy': (0, 1),
    'tw_recycle': (0, 1),
    'tw_recycle_max_peers': (16, 65536),
    'tw_recycle_expiry_s': (1, 3600),
    'tw_timeout_ms': (0, 60000),
}

_NAME = re.compile(r'[a-z0-9_]+(\.[a-z0-9_\-]+)+')


def proc_path(name):
    return '/proc/sys/' + name.replace('.', '/')


def value_text(v):
    """The text written to /proc/sys for a value from the file."""
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, list):
        return ' '.join(str(x) for x in v)
    return str(v)


def check_value(v):
    if isinstance(v, (bool, int, str)):
        return
    if isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool)
                                   for x in v):
        return
    raise ValueError('%r: a sysctl value is an integer, a string or a list '
                     'of integers' % (v,))


def check(name, value, mode):
    """Raise ValueError(reason) if NAME=VALUE may not be set."""
    if not name.startswith(PREFIXES):
        raise ValueError('not allowed: an experiment sets only %s sysctls' %
                         ', '.join(p + '*' for p in PREFIXES))
    if not _NAME.fullmatch(name):
        raise ValueError('not a sysctl name')
    check_value(value)
    if mode == 'live':
        if not os.path.exists(proc_path(name)):
            why = 'unknown sysctl on this kernel (%s): no %s' % (
                os.uname().release, proc_path(name))
            if name.startswith('net.tcp_lab.') and \
               not os.path.isdir('/proc/sys/net/tcp_lab'):
                why += ' (the tcp_lab module is not loaded)'
            raise ValueError(why)
        return
    if name.startswith('net.tcp_lab.'):
        short = name[len('net.tcp_lab.'):]
        if short not in LAB_SYSCTLS:
            raise ValueError('unknown sysctl: tcp_lab has no %s (known: %s)' %
                             (short, ', '.join(sorted(LAB_SYSCTLS))))
        rng = LAB_SYSCTLS[short]
        if rng is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError('%r: %s takes an integer' % (value, name))
            if not rng[0] <= value <= rng[1]:
                raise ValueError('%r: outside %s\'s range %d..%d' %
                                 (value, name, rng[0], rng[1]))
        return
    if os.path.isdir('/proc/sys/net/ipv4') and not os.path.exists(proc_path(name)):
        raise ValueError('unknown sysctl: this host\'s kernel (%s) has no %s' %
                         (os.uname().release, proc_path(name)))
