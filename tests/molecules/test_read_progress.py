"""``read_molecules(progress=...)``: a tqdm bar while a large library is read and standardized
(by default only once reading has taken 2 s); the molecules are the same either way."""

from __future__ import annotations

import pytest
from rdkit import Chem

from ai4s_lab.molecules import read_molecules

SMILES = ["CCO", "C1CC", "[Na+].CC(=O)[O-]"] * 20


def test_progress_bar_on_request_or_for_long_reads(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = read_molecules(SMILES)  # well under the 2 s after which the default shows a bar
    assert capsys.readouterr().err == ""
    assert read_molecules(SMILES, progress=False).smiles == quiet.smiles
    assert capsys.readouterr().err == ""
    shown = read_molecules(SMILES, progress=True)
    err = capsys.readouterr().err
    assert "reading and standardizing" in err and "60/60" in err
    assert shown.smiles == quiet.smiles
    # RDKit: 20 ethanol, 20 acetic acid (the sodium salt's parent), 20 unclosed rings
    assert sorted(set(shown.smiles)) == sorted(
        {Chem.CanonSmiles("CCO"), Chem.CanonSmiles("CC(=O)O")}
    )
    assert len(shown.errors) == 20
