"""notebooks/protein_explorer.ipynb runs with its defaults and its report shows the structure
offline (3Dmol.js inlined, no CDN)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


@pytest.mark.notebook
@pytest.mark.slow
def test_protein_explorer_runs_and_reports_offline(showcase_run: Path) -> None:
    run = showcase_run / "protein_explorer"
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["status"] == "succeeded", manifest["error"]
    elapsed = manifest["duration_s"]
    assert elapsed < 120, f"the notebook took {elapsed:.0f} s (budget 120 s)"
    recorded = manifest["recorded"]
    assert recorded["n_residues"] == 837
    assert recorded["mean_plddt"] == pytest.approx(80.82, abs=0.01)  # MANIFEST value
    assert 0.3 < recorded["median_tm_score"] <= 1.0
    html = (run / "protein_explorer.html").read_text()
    assert "data:text/javascript;base64," in html  # 3Dmol.js inlined
    assert "3dmolviewer_" in html and "ATOM" in html
    assert not re.search(r"https?://cdn[^\"']*3[dD]mol", html)
