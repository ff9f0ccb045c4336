"""notebooks/protein_explorer.ipynb runs with its defaults and its report shows the structure
offline (3Dmol.js inlined, no CDN)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.protein._complexes import two_chain_ubiquitin


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


@pytest.mark.notebook
@pytest.mark.slow
def test_protein_explorer_runs_on_users_files(
    tmp_path: Path, shared_data: Path, repo_root: Path
) -> None:
    """A reference numbered differently (a truncated, renumbered copy of the same chain) pairs
    with the structure by sequence with ``alignment="sequence"``: the coordinates are identical,
    so RMSD is 0 and TM-score and GDT-TS are 1; the structure is chain B of a two-chain
    complex (``chains="B"``), shifted 40 Å from chain A. A user's single-model PDB as
    ``trajectory_topology`` is read alone (it used to be paired with the shipped 1L2Y XTC, whose
    atom count differs): one frame, RMSD 0 to itself."""
    import gemmi

    from ai4s_lab.pipelines import run_notebook

    reference = gemmi.read_structure(str(shared_data / "protein" / "pdb1ubi.pdb"))
    reference.remove_ligands_and_waters()
    chain = reference[0][0]
    for _ in range(3):  # drop Met1-Ile3, then number from 104
        del chain[0]
    for residue in chain:
        residue.seqid.num += 100
    reference.setup_entities()
    reference_path = tmp_path / "ubiquitin_renumbered.pdb"
    reference.write_pdb(str(reference_path))

    complex_path = tmp_path / "ubiquitin_dimer.cif"
    complex_path.write_text(two_chain_ubiquitin().to_mmcif_string())

    result = run_notebook(
        repo_root / "notebooks" / "protein_explorer.ipynb",
        {
            "structure_path": str(complex_path),
            "chains": "B",
            "reference_path": str(reference_path),
            "alignment": "sequence",
            "trajectory_topology": str(shared_data / "protein" / "trpcage.pdb"),
        },
        output_dir=tmp_path / "run",
        report=False,
        raise_on_error=False,
    )
    assert result.ok, result.error
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["recorded"]["n_residues"] == 76  # chain B alone
    (scores,) = manifest["recorded"]["superposition_scores"]  # one row: one model
    assert scores["rmsd_A"] == pytest.approx(0.0, abs=1e-6)
    assert scores["tm_score"] == pytest.approx(1.0, abs=1e-9)
    assert scores["gdt_ts"] == pytest.approx(1.0, abs=1e-9)
    assert manifest["recorded"]["max_rmsd_A"] == pytest.approx(0.0, abs=1e-6)
