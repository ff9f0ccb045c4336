"""Complexes written disconnected (as PubChem and ChEMBL store them) keep their metal, and a
deuterated molecule whose canonical tautomer RDKit cannot make valid keeps its row."""

from __future__ import annotations

import logging

import pytest
from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from ai4s_lab.molecules import StandardizeOptions, read_molecules, standardize
from ai4s_lab.molecules.standardization import OTHER_METALS

DISCONNECTED = {
    "cisplatin": "N.N.Cl[Pt]Cl",
    "cisplatin, ions": "N.N.[Cl-].[Cl-].[Pt+2]",
    "ferrocene": "[CH-]1C=CC=C1.[CH-]1C=CC=C1.[Fe+2]",
    "zinc acetate": "CC(=O)[O-].CC(=O)[O-].[Zn+2]",
}
SODIUM_SALTS = ["CC(=O)[O-].[Na+]", "[Na+].[O-]C(=O)c1ccccc1.O", "[Mg+2].[Cl-].[Cl-].CCN"]
DEUTERATED = ["[2H]OC(=O)C", "[2H]Oc1ccccn1"]


def _metals(mol: Chem.Mol) -> list[str]:
    return sorted(a.GetSymbol() for a in mol.GetAtoms() if a.GetAtomicNum() in OTHER_METALS)


@pytest.mark.parametrize("smiles", DISCONNECTED.values(), ids=DISCONNECTED.keys())
@pytest.mark.parametrize("metals", ["salts", "none"])
def test_a_disconnected_complex_keeps_its_metal_and_ligands(smiles: str, metals: str) -> None:
    given = Chem.MolFromSmiles(smiles)
    # RDKit's chooser alone keeps one ligand: the behaviour guarded against
    assert not _metals(rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(given))
    kept = standardize(smiles, StandardizeOptions(metals=metals))
    assert _metals(kept) == _metals(given) != []
    assert kept.GetNumHeavyAtoms() == given.GetNumHeavyAtoms()
    assert len(Chem.GetMolFrags(kept)) == len(Chem.GetMolFrags(given))


@pytest.mark.parametrize("smiles", DISCONNECTED.values(), ids=DISCONNECTED.keys())
def test_metals_all_is_still_rdkits_largest_fragment(smiles: str) -> None:
    only = StandardizeOptions(cleanup=False, neutralize=False, canonical_tautomer=False)
    options = StandardizeOptions(**{**only.as_dict(), "metals": "all"})  # type: ignore[arg-type]
    expected = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(
        Chem.MolFromSmiles(smiles)
    )
    assert Chem.MolToSmiles(standardize(smiles, options)) == Chem.MolToSmiles(expected)


@pytest.mark.parametrize("smiles", SODIUM_SALTS)
@pytest.mark.parametrize("metals", ["salts", "none", "all"])
def test_salts_of_group_1_and_2_metals_keep_rdkits_largest_fragment(
    smiles: str, metals: str
) -> None:
    options = StandardizeOptions(
        cleanup=False, neutralize=False, canonical_tautomer=False, metals=metals
    )
    expected = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(
        Chem.MolFromSmiles(smiles)
    )
    assert Chem.MolToSmiles(standardize(smiles, options)) == Chem.MolToSmiles(expected)


def test_deuterated_tautomer_rows_are_kept_without_the_tautomer_step(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for smiles in DEUTERATED:  # RDKit's canonical tautomer of these does not parse back
        tautomer = rdMolStandardize.TautomerEnumerator().Canonicalize(Chem.MolFromSmiles(smiles))
        assert Chem.MolFromSmiles(Chem.MolToSmiles(tautomer)) is None
    with caplog.at_level(logging.INFO, logger="ai4s_lab.molecules.standardization"):
        result = read_molecules(DEUTERATED)
    assert result.errors.empty and result.ids == ["1", "2"]
    # the form before the tautomer step: RDKit's ChargeParent (cleanup, fragment, uncharge)
    expected = [
        Chem.MolToSmiles(rdMolStandardize.ChargeParent(Chem.MolFromSmiles(s))) for s in DEUTERATED
    ]
    assert result.smiles == expected
    assert all(any(a.GetIsotope() == 2 for a in mol.GetAtoms()) for mol in result.mols)
    assert sum("canonical tautomer" in r.getMessage() for r in caplog.records) == 2
    assert Chem.MolToSmiles(standardize(DEUTERATED[0])) == expected[0]
