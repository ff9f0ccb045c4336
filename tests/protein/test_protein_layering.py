"""The science core stays free of Jupyter and RDKit (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ["nglview", "py3Dmol", "ipywidgets", "anywidget", "plotly", "IPython", "rdkit"]


def test_protein_core_imports_no_jupyter_packages() -> None:
    code = (
        "import sys, ai4s_lab.protein as p\n"
        "p.load_structure(p.example_file('1l2y.pdb'))\n"
        f"print([m for m in {FORBIDDEN!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
