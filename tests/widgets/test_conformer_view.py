"""ConformerView without a browser: a valid MMFF94-minimised conformer, offline HTML, grid link."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("py3Dmol")

from rdkit import Chem

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import read_molecules
from ai4s_lab.widgets import ConformerView, MoleculeGridView

AllChem: Any = pytest.importorskip("rdkit.Chem.AllChem")
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def _mmff(mol: Chem.Mol) -> Any:
    props = AllChem.MMFFGetMoleculeProperties(mol)
    return AllChem.MMFFGetMoleculeForceField(mol, props)


def test_conformer_is_a_minimised_mmff94_structure() -> None:
    view = ConformerView(ASPIRIN, seed=7)
    mol = view.mol
    assert mol.GetNumConformers() == 1
    assert view.state()["heavy_atoms"] == Chem.MolFromSmiles(ASPIRIN).GetNumHeavyAtoms() == 13
    assert mol.GetNumAtoms() == 21  # C9H8O4 with explicit hydrogens
    pos = mol.GetConformer().GetPositions()
    assert np.ptp(pos, axis=0).min() > 0.5  # really 3D, not a flat depiction
    field = _mmff(mol)
    # the energy reported is RDKit's MMFF94 energy of these coordinates ...
    assert view.energy == pytest.approx(field.CalcEnergy(), abs=1e-6)
    # ... at a minimum: the gradient vanishes and a further minimisation gains nothing
    assert np.abs(np.asarray(field.CalcGrad())).max() < 0.05
    before = field.CalcEnergy()
    field.Minimize(maxIts=2000)
    assert field.CalcEnergy() == pytest.approx(before, abs=1e-3)
    # and it is far below the unminimised ETKDG embedding of the same seed
    raw = Chem.AddHs(Chem.MolFromSmiles(ASPIRIN))
    params = AllChem.ETKDGv3()
    params.randomSeed = 7
    AllChem.EmbedMolecule(raw, params)
    assert view.energy < _mmff(raw).CalcEnergy() - 1.0
    # same seed, same coordinates
    np.testing.assert_allclose(
        ConformerView(ASPIRIN, seed=7).mol.GetConformer().GetPositions(), pos
    )


def test_html_inlines_3dmol_and_contains_the_molecule() -> None:
    view = ConformerView("c1ccccc1O")
    html = view.html()
    assert "data:text/javascript;base64," in html
    assert not re.search(r"https?://[^'\"\s]*(3dmol|3Dmol|cdn|unpkg|jsdelivr)", html)
    assert "V2000" in html  # the molfile with the 3D coordinates is in the page
    shown = view.outputs[0]["data"]["text/html"]
    assert "MMFF94" in shown and "data:text/javascript;base64," in shown
    no_h = ConformerView("c1ccccc1O", hydrogens=False).molblock
    assert Chem.MolFromMolBlock(no_h).GetNumAtoms() == 7


def test_follow_grid_shows_the_clicked_molecule() -> None:
    library = read_molecules(["CCO", ASPIRIN, "c1ccc2ccccc2c1"], standardize=False)
    grid = MoleculeGridView(library, page_size=3)
    view = ConformerView().follow(grid)
    assert view.mol is None and view.state() == {"molecule": None}
    grid.selected_rows = [1]  # what a click on the second card sends back
    assert view.state()["heavy_atoms"] == 13
    grid.selected_rows = [1, 2]
    assert view.state()["heavy_atoms"] == 10  # naphthalene, the molecule clicked last
    view.unfollow()
    grid.selected_rows = [0]
    assert view.state()["heavy_atoms"] == 10


def test_bad_input_is_a_typed_error() -> None:
    with pytest.raises(InputError, match="cannot parse"):
        ConformerView("not a smiles")
    with pytest.raises(InputError, match="style"):
        ConformerView("CCO", style="cartoon")
    with pytest.raises(InputError, match="show"):
        _ = ConformerView().molblock
    with pytest.raises(InputError, match="MoleculeGridView"):
        ConformerView().follow(object())
