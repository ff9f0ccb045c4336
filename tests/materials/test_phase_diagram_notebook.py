"""notebooks/phase_diagram.ipynb runs under papermill with its defaults and reports the stable
set pymatgen finds on the same shipped entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK_BUDGET_S = 120.0


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_with_defaults(repo_root: Path, showcase_run: Path) -> None:
    run = showcase_run / "phase_diagram"
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["status"] == "succeeded", manifest["error"]
    elapsed = manifest["duration_s"]
    assert elapsed < NOTEBOOK_BUDGET_S, f"the notebook took {elapsed:.0f} s"
    recorded = manifest["recorded"]

    pytest.importorskip("pymatgen.analysis.phase_diagram")
    from tests.materials._oracle import build_both, load_real

    _, theirs, _ = build_both(load_real(repo_root.parent / "shared" / "data", "Li-P-S.json.gz"))
    expected = sorted(e.composition.reduced_formula for e in theirs.stable_entries)
    assert recorded["stable_formulas"] == expected
    assert recorded["n_metastable"] > 0
    assert (run / "phase_diagram.html").stat().st_size > 100_000
