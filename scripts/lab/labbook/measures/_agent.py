# SPDX-License-Identifier: GPL-2.0
"""What the plug-ins do alike with an agent or a server, a process that
runs inside a namespace until told to stop (cpu, ss, sampled, capture;
the conn and listener workloads' servers)."""


def stop(proc, timeout=5):
    """Ask it to end with SIGTERM (it writes what it holds); kill it if it
    has not within `timeout` s. -> False if it had to be killed."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except Exception:
        proc.kill()
        proc.wait()
        return False
    return True
