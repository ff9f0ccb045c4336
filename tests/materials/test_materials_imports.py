"""The science core imports no Jupyter package (ARCHITECTURE rule 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("plotly", "ipywidgets", "anywidget", "IPython", "papermill", "nglview")


def test_materials_core_imports_no_jupyter_package(repo_root: Path) -> None:
    code = (
        "import sys, ai4s_lab.materials as m\n"
        "pd = m.PhaseDiagram([m.Entry('Li', -1.9), m.Entry('O2', -9.8), m.Entry('Li2O', -14.3)])\n"
        "pd.to_frame(); m.composition_map(['Li', 'O', 'S'], lambda x: x[:, 0], 0.5)\n"
        f"bad = sorted({{n.split('.')[0] for n in sys.modules}} & set({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=repo_root, check=True
    )
    assert result.stdout.strip() == "", f"ai4s_lab.materials imported {result.stdout.strip()}"


def test_no_jupyter_import_statements_in_the_core_sources(repo_root: Path) -> None:
    for source in (repo_root / "ai4s_lab" / "materials").rglob("*.py"):
        text = source.read_text()
        for name in FORBIDDEN:
            assert f"import {name}" not in text and f"from {name}" not in text, source
