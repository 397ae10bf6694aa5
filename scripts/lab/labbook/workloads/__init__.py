# SPDX-License-Identifier: GPL-2.0
"""workloads plug-ins: every module here registers its kinds (see ../registry.py)."""
