"""The CPU count used for pytest workers and thread pools follows affinity and cgroup quotas."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ai4s_lab._cpus import usable_cpus

AFFINITY = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _write(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, AFFINITY),  # no cgroup files: the affinity mask
        ({"cpu.max": "max 100000\n"}, AFFINITY),  # v2, unlimited
        ({"cpu.max": "50000 100000\n"}, 1),  # v2, half a CPU rounds up to one
        ({"cpu.max": "100000 100000\n"}, 1),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, AFFINITY),
        ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),
        ({"cpu.max": "garbage here\n"}, AFFINITY),  # unreadable: ignored, not a crash
        ({"cpu.max": "100000 0\n"}, AFFINITY),
    ],
)
def test_quota_caps_the_affinity_count(
    tmp_path: Path, files: dict[str, str], expected: int
) -> None:
    for name, text in files.items():
        _write(tmp_path, name, text)
    assert usable_cpus(tmp_path) == expected


def test_a_large_quota_does_not_raise_the_count(tmp_path: Path) -> None:
    _write(tmp_path, "cpu.max", f"{100000 * (AFFINITY + 8)} 100000\n")
    assert usable_cpus(tmp_path) == AFFINITY


def test_this_machine() -> None:
    assert 1 <= usable_cpus() <= (os.cpu_count() or 1)
