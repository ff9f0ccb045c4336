"""bench/gpu_check.sh, the one script a GPU session runs, rehearsed here on the CPU
(``--dry-run``: same steps, tiny sizes): device time is scarce, and a flag renamed in a bench
script or a test module that a bare GPU image cannot collect used to be found only there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("timeout") is None,
                    reason="needs bash and coreutils' timeout")  # fmt: skip
def test_gpu_check_rehearsal_passes_every_step(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON": sys.executable, "OUT": str(tmp_path)}
    run = subprocess.run(
        ["bash", "bench/gpu_check.sh", "--dry-run"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    logs = {path.name: path.read_text() for path in tmp_path.glob("*.txt")}
    for log in ("preflight.txt", "pytest-gpu.txt", "pde-bench.txt", "surrogates-bench.txt"):
        assert log in logs, sorted(logs)
        assert logs[log].rstrip().endswith("== exit 0"), logs[log][-2000:]
    assert " passed" in logs["pytest-gpu.txt"] or " skipped" in logs["pytest-gpu.txt"]
