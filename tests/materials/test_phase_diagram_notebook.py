"""notebooks/phase_diagram.ipynb runs under papermill with its defaults and reports the stable
set pymatgen finds on the same shipped entries."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

NOTEBOOK_BUDGET_S = 120.0


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_with_defaults(repo_root: Path, tmp_path: Path) -> None:
    from ai4s_lab.pipelines.runner import run_notebook

    started = time.perf_counter()
    result = run_notebook(repo_root / "notebooks" / "phase_diagram.ipynb", output_dir=tmp_path)
    elapsed = time.perf_counter() - started
    assert result.ok, result.error
    assert elapsed < NOTEBOOK_BUDGET_S, f"the notebook took {elapsed:.0f} s"
    recorded = json.loads(result.manifest.read_text())["recorded"]

    pytest.importorskip("pymatgen.analysis.phase_diagram")
    from tests.materials._oracle import build_both, load_real

    _, theirs, _ = build_both(load_real(repo_root.parent / "shared" / "data", "Li-P-S.json.gz"))
    expected = sorted(e.composition.reduced_formula for e in theirs.stable_entries)
    assert recorded["stable_formulas"] == expected
    assert recorded["n_metastable"] > 0
    assert result.report is not None and result.report.stat().st_size > 100_000
