# SPDX-License-Identifier: GPL-2.0
"""Plug-in registries: one per concern, filled by the modules of the
concern's package (labbook/topology/, workloads/, measures/, metrics/,
plots/). Every module there whose name does not start with "_" is imported;
a module registers its kinds with the decorator:

    from ..registry import register

    @register('workload', 'bulk')
    class Bulk(Workload):
        ...

A new kind is a new file (or a new class in a file of that concern);
nothing else has to change. See scripts/lab/README.md for the contract.
"""
import importlib
import pkgutil

CATEGORIES = {
    'topology': 'topology',
    'workload': 'workloads',
    'measure': 'measures',
    'metric': 'metrics',
    'plot': 'plots',
}

_REG = {c: {} for c in CATEGORIES}
_loaded = False


def register(category, kind):
    if category not in _REG:
        raise ValueError('unknown plug-in category %r' % category)

    def deco(cls):
        if kind in _REG[category]:
            raise ValueError('%s kind %r registered twice (%s and %s)' %
                             (category, kind, _REG[category][kind].__module__,
                              cls.__module__))
        cls.kind = kind
        cls.category = category
        _REG[category][kind] = cls
        return cls
    return deco


def load_all():
    global _loaded
    if _loaded:
        return
    _loaded = True
    for pkg in CATEGORIES.values():
        mod = importlib.import_module('labbook.' + pkg)
        for info in pkgutil.iter_modules(mod.__path__):
            if not info.name.startswith('_'):
                importlib.import_module('labbook.%s.%s' % (pkg, info.name))


def kinds(category):
    load_all()
    return _REG[category]


def get(category, kind):
    load_all()
    return _REG[category].get(kind)
