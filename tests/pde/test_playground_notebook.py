"""notebooks/pde_playground.ipynb runs under papermill with its defaults in under 2 minutes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest


@pytest.mark.notebook
@pytest.mark.slow
def test_playground_runs_with_defaults(repo_root: Path, tmp_path: Path) -> None:
    from ai4s_lab.pipelines import read_manifest, run_notebook

    start = time.perf_counter()
    run_notebook(repo_root / "notebooks" / "pde_playground.ipynb", output_dir=tmp_path)
    elapsed = time.perf_counter() - start
    manifest = read_manifest(tmp_path)
    recorded = manifest["recorded"]
    assert manifest["status"] == "succeeded"
    assert recorded["equation"] == "navier-stokes"
    assert recorded["heat_mode_relative_error"] < 1e-10
    assert recorded["taylor_green_relative_error"] < 1e-8
    assert recorded["darcy_cg_iterations"] > 0
    assert elapsed < 120, f"the notebook took {elapsed:.0f} s"
