"""The molecules core stays light and free of Jupyter packages."""

from __future__ import annotations

import subprocess
import sys

JUPYTER = ("ipywidgets", "anywidget", "plotly", "py3Dmol", "IPython", "nglview", "papermill")


def test_core_imports_no_jupyter_and_no_rdkit_until_used() -> None:
    code = (
        "import sys\n"
        "import ai4s_lab.molecules as m\n"
        "assert 'rdkit' not in sys.modules, 'import ai4s_lab.molecules loaded RDKit'\n"
        "for name in m.__all__: getattr(m, name)\n"
        "from ai4s_lab.molecules import (conformers, depict, filters, fingerprints, io, models,\n"
        "    physchem, similarity, standardization, _popcount)\n"
        f"bad = [n for n in {JUPYTER!r} if n in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
