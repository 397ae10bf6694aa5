# SPDX-License-Identifier: GPL-2.0
"""What the sampling measures (cpu, ss, sampled) do alike with their
agent, the process that samples inside a namespace."""


def stop(proc):
    """Ask the agent to end (it writes what it holds); kill it if it has
    not within 5 s."""
    proc.terminate()
    try:
        proc.wait(5)
    except Exception:
        proc.kill()
        proc.wait()
