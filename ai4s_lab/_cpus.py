"""How many CPUs this process may really use.

``os.cpu_count()`` and ``psutil.cpu_count()`` report the host's CPUs; a container limited by a
CPU affinity mask or a cgroup CPU quota has fewer. Starting one worker per host CPU there
oversubscribes the quota many times over.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def usable_cpus(cgroup_root: Path = CGROUP_ROOT) -> int:
    """CPUs available to this process: the affinity mask, capped by a cgroup (v1 or v2) CPU
    quota rounded up; at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        count = os.cpu_count() or 1
    quota = _cgroup_quota(cgroup_root)
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def _cgroup_quota(root: Path) -> float | None:
    """The CPU quota in CPUs (quota / period) of this process's cgroup, or None if unlimited."""
    limits = []
    for folder in _cgroup_folders(root):
        v2 = _read_words(folder / "cpu.max")
        if v2 and len(v2) == 2 and v2[0] != "max" and float(v2[1]) > 0:
            limits.append(float(v2[0]) / float(v2[1]))
        quota = _read_words(folder / "cpu.cfs_quota_us")
        period = _read_words(folder / "cpu.cfs_period_us")
        if quota and period and float(quota[0]) > 0 and float(period[0]) > 0:
            limits.append(float(quota[0]) / float(period[0]))
    return min(limits) if limits else None


def _cgroup_folders(root: Path) -> list[Path]:
    """The cgroup folders that may hold this process's CPU limit: the root of the (possibly
    namespaced) hierarchy, the v1 ``cpu`` controller, and this process's own cgroup."""
    folders = [root, root / "cpu", root / "cpu,cpuacct"]
    for line in (_read_text(Path("/proc/self/cgroup")) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3 or parts[2] in ("", "/"):
            continue
        relative = parts[2].lstrip("/")
        if parts[0] == "0":  # v2
            folders.append(root / relative)
        elif "cpu" in parts[1].split(","):
            folders.extend([root / "cpu" / relative, root / "cpu,cpuacct" / relative])
    return folders


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None


def _read_words(path: Path) -> list[str] | None:
    text = _read_text(path)
    if text is None:
        return None
    words = text.split()
    try:
        [float(w) for w in words if w != "max"]
    except ValueError:
        return None
    return words or None
