# SPDX-License-Identifier: GPL-2.0
"""The tcplab lab book: experiments as files, one engine. See ../README.md."""
