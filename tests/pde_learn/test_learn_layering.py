"""`ai4s_lab.pde.learn` is pure compute: no Jupyter, plotting or widget package is imported."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ["ipywidgets", "anywidget", "plotly", "IPython", "papermill", "tqdm.notebook"]


def test_import_learn_is_pure_compute() -> None:
    code = (
        "import json, sys; from ai4s_lab.pde import learn; "
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
