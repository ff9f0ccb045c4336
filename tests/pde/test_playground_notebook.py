"""notebooks/pde_playground.ipynb runs under papermill with its defaults in under 2 minutes."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.notebook
@pytest.mark.slow
def test_playground_runs_with_defaults(showcase_run: Path) -> None:
    from ai4s_lab.pipelines import read_manifest

    manifest = read_manifest(showcase_run / "pde_playground")
    elapsed = manifest["duration_s"]
    recorded = manifest["recorded"]
    assert manifest["status"] == "succeeded"
    assert recorded["equation"] == "navier-stokes"
    assert recorded["heat_mode_relative_error"] < 1e-10
    assert recorded["taylor_green_relative_error"] < 1e-8
    assert recorded["darcy_cg_iterations"] > 0
    assert elapsed < 120, f"the notebook took {elapsed:.0f} s"
