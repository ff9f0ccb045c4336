"""notebooks/neural_operator.ipynb, run with tiny parameters: its speed-up line states the ratio
it measured in the right direction (a surrogate slower than the solver, common on a CPU at small
grids, used to be reported as "0x faster")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")  # a bare GPU machine (bench/gpu_check.sh) lacks it


@pytest.mark.notebook
@pytest.mark.slow
def test_speedup_line_matches_the_recorded_ratio(tmp_path: Path, repo_root: Path) -> None:
    from ai4s_lab.pipelines import run_notebook

    parameters = {"resolution": 16, "n_train": 8, "n_test": 4, "epochs": 1, "modes": 4, "width": 8}
    result = run_notebook(
        repo_root / "notebooks" / "neural_operator.ipynb",
        parameters,
        output_dir=tmp_path / "run",
        report=False,
        raise_on_error=False,
    )
    assert result.ok, result.error
    speedup = json.loads((tmp_path / "run" / "run.json").read_text())["recorded"]["speedup"]
    executed = nbformat.read(result.executed_notebook, as_version=4)
    printed = "".join(
        output.get("text", "")
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    match = re.search(r"the surrogate is ([0-9.]+)x (faster|slower)", printed)
    assert match, printed
    ratio, direction = float(match.group(1)), match.group(2)
    assert ratio >= 1.0
    expected = speedup if speedup >= 1 else 1 / speedup
    assert direction == ("faster" if speedup >= 1 else "slower")
    assert ratio == pytest.approx(expected, abs=0.051)
