"""Molecules given unsanitized (``sanitize=False``, hand-built ``RWMol``) and SMARTS query
molecules: RDKit's own sanitized molecule is the oracle."""

from __future__ import annotations

import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import (
    apply_filters,
    descriptors,
    morgan_fingerprints,
    read_molecules,
    shared_substructure,
)

BENZOIC_ACID = "OC(=O)c1ccccc1"


def test_descriptors_of_an_unsanitized_molecule_are_rdkits_of_the_sanitized_one() -> None:
    unsanitized = Chem.MolFromSmiles(BENZOIC_ACID, sanitize=False)
    oracle = descriptors([Chem.MolFromSmiles(BENZOIC_ACID)]).iloc[0]
    got = descriptors([unsanitized]).iloc[0]
    assert got.to_dict() == pytest.approx(oracle.to_dict())
    assert got["aromatic_rings"] == 1  # RDKit's count for benzoic acid


def test_fingerprints_of_a_hand_built_molecule_are_rdkits() -> None:
    rw = Chem.RWMol()  # ethanol, never sanitized
    for element in (6, 6, 8):
        rw.AddAtom(Chem.Atom(element))
    rw.AddBond(0, 1, Chem.BondType.SINGLE)
    rw.AddBond(1, 2, Chem.BondType.SINGLE)
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    expected = generator.GetFingerprint(Chem.MolFromSmiles("CCO"))
    got = morgan_fingerprints([rw]).to_rdkit(0)
    assert DataStructs.TanimotoSimilarity(got, expected) == 1.0


def test_an_unsanitizable_molecule_is_a_typed_error_and_a_bad_row() -> None:
    broken = Chem.MolFromSmiles("c1cccc1", sanitize=False)  # RDKit cannot kekulize it
    assert Chem.MolFromSmiles("c1cccc1") is None
    with pytest.raises(InputError, match="kekulize"):
        morgan_fingerprints([broken])
    with pytest.raises(InputError, match="kekulize"):
        apply_filters([broken], "pains")
    result = read_molecules([broken, "CCO"], standardize=False)
    assert result.smiles == ["CCO"]
    assert list(result.errors["row"]) == [1]
    assert "kekulize" in result.errors.loc[0, "reason"]


@pytest.mark.parametrize("standardize", [True, False])
def test_a_smarts_query_is_no_molecule(standardize: bool) -> None:
    query = Chem.MolFromSmarts("c1ccccc1[C,N]")
    result = read_molecules([query, "CCO"], standardize=standardize)
    assert result.smiles == ["CCO"]
    assert "query molecule" in result.errors.loc[0, "reason"]
    for function in (descriptors, morgan_fingerprints):
        with pytest.raises(InputError, match="query molecule"):
            function([query])


def test_a_smarts_query_still_matches_in_shared_substructure() -> None:
    query = Chem.MolFromSmarts("c1ccccc1[OH1,NH2]")
    mol = Chem.MolFromSmiles("Oc1ccccc1C")
    assert sorted(shared_substructure(query, mol)) == sorted(mol.GetSubstructMatch(query))
