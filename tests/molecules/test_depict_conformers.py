"""Depictions, the substructure shared with a query, and ETKDG + MMFF conformers."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from ai4s_lab.errors import InputError, ParameterError
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


def test_a_failed_embedding_start_is_tried_again_from_random_coordinates(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """ETKDG's eigenvector start fails on many large flexible molecules (a 40-residue peptide
    failed after 28 s); RDKit advises random coordinates: a failed start is retried so, and
    molecules of 100+ heavy atoms start so. The conformer's bonds have sane lengths."""
    from ai4s_lab.molecules import conformers

    starts: list[bool] = []
    embed = AllChem.EmbedMolecule

    def eigen_start_fails(mol, params):  # type: ignore[no-untyped-def]
        starts.append(bool(params.useRandomCoords))
        return -1 if not params.useRandomCoords else embed(mol, params)

    monkeypatch.setattr(AllChem, "EmbedMolecule", eigen_start_fails)
    mol, _ = conformers.embed_conformer("CC(=O)Oc1ccccc1C(=O)O", optimize=False)
    assert starts == [False, True]
    positions = mol.GetConformer().GetPositions()
    for bond in mol.GetBonds():
        length = np.linalg.norm(positions[bond.GetBeginAtomIdx()] - positions[bond.GetEndAtomIdx()])
        assert 0.9 < length < 1.7
    starts.clear()
    peptide = Chem.MolFromSequence("ACDEFGHIKLMNPQRSTVWY")  # 168 heavy atoms
    assert peptide.GetNumHeavyAtoms() >= conformers.RANDOM_START_FROM
    conformers.embed_conformer(peptide, optimize=False)
    assert starts == [True]
    with pytest.raises(ParameterError, match="timeout=0 must be a positive"):
        conformers.embed_conformer("CCO", timeout=0)
