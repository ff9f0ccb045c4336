"""Each showcase notebook checks its parameters in its first code cell: a bad value fails there,
before any heavy work, with one line that says what to use instead."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# one case a notebook (two for the playground's names and grids): each costs a kernel start
# and the notebook's imports, ~15 s on 2 cores
CASES = [
    ("pde_playground", {"equation": "kuramoto-sivashinsky", "n_grid": 64}, "n_grid >= 128"),
    ("pde_playground", {"equation": "darcy"}, "unknown equation name 'darcy'"),
    ("00_tour", {"modes": 16}, "use modes <= 12"),
    ("neural_operator", {"resolution": 16, "modes": 12}, "use resolution >= 20"),
    ("protein_explorer", {"trajectory_path": "md.xtc"}, "set trajectory_topology"),
    ("virtual_screening", {"filters": ["lipinski", "ghose"]}, "unknown ['ghose']"),
]


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "parameters", "message"), CASES, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in CASES]
)
def test_bad_parameters_fail_in_the_first_code_cell(
    name: str, parameters: dict[str, Any], message: str, tmp_path: Path, repo_root: Path
) -> None:
    from ai4s_lab.pipelines import run_notebook

    result = run_notebook(
        repo_root / "notebooks" / f"{name}.ipynb",
        parameters,
        output_dir=tmp_path,
        report=False,
        raise_on_error=False,
    )
    assert not result.ok
    assert message in str(result.error), result.error
    nb = json.loads(next(tmp_path.glob("*.ipynb")).read_text())
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    failed = [
        i
        for i, cell in enumerate(code)
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    ]
    # the parameters, papermill's injected parameters, then the checks
    assert failed == [2], (
        f"failed in code cell(s) {failed}, not in the first one after the parameters"
    )
