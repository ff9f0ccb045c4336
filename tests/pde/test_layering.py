"""`import ai4s_lab.pde` loads no Jupyter, plotting or other-domain package."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = [
    "ipywidgets",
    "anywidget",
    "plotly",
    "IPython",
    "papermill",
    "gemmi",
    "rdkit",
    "nbformat",
    "tqdm.notebook",
    "matplotlib",
]


def test_import_pde_is_pure_compute() -> None:
    code = (
        "import json, sys; import ai4s_lab.pde as p; "
        "from ai4s_lab.pde import solve, initial; "
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
