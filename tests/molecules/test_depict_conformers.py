"""Depictions, the substructure shared with a query, and ETKDG + MMFF conformers."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import embed_conformer, mol_to_svg, shared_substructure


def test_shared_substructure_and_svg() -> None:
    aspirin = Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O")
    atoms = shared_substructure("c1ccccc1C(=O)O", aspirin)
    assert sorted(atoms) == sorted(aspirin.GetSubstructMatch(Chem.MolFromSmiles("c1ccccc1C(=O)O")))
    svg = mol_to_svg(aspirin, highlight_atoms=atoms, legend="aspirin")
    assert svg.startswith("<svg") and svg != mol_to_svg(aspirin, highlight_atoms=atoms)


def test_conformer_is_an_mmff_minimum() -> None:
    mol, energy = embed_conformer("CCOC(=O)c1ccccc1", seed=7)
    assert mol.GetNumConformers() == 1 and energy is not None
    props = AllChem.MMFFGetMoleculeProperties(mol)
    field = AllChem.MMFFGetMoleculeForceField(mol, props)
    assert field.CalcEnergy() == pytest.approx(energy)
    assert np.abs(np.asarray(field.CalcGrad())).max() < 0.05  # kcal/mol/Å: converged
    again, _ = embed_conformer("CCOC(=O)c1ccccc1", seed=7)
    np.testing.assert_allclose(
        again.GetConformer().GetPositions(), mol.GetConformer().GetPositions()
    )
    with pytest.raises(InputError, match="cannot parse"):
        embed_conformer("C1CC")


def test_non_molecules_are_typed_errors() -> None:
    with pytest.raises(InputError, match=r"mol is NoneType"):
        mol_to_svg(None)
    with pytest.raises(InputError, match=r"mol: cannot parse SMILES 'C1CC'"):
        mol_to_svg("C1CC")
    with pytest.raises(InputError, match=r"query: cannot parse SMILES"):
        shared_substructure("C1CC", "CCO")
    assert shared_substructure("", "CCO") == []
    with pytest.raises(InputError, match="empty SMILES"):
        embed_conformer("")
    with pytest.raises(InputError, match=r"mol is NoneType"):
        embed_conformer(None)
