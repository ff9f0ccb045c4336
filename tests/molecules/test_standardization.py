"""Standardization against RDKit's own MolStandardize parents (the oracle): what comes out is a
molecule RDKit can write and read back."""

from __future__ import annotations

from typing import Any

import pytest
from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import StandardizeOptions, read_molecules, standardize
from ai4s_lab.molecules import standardization as standardization_module
from ai4s_lab.molecules.standardization import OTHER_METALS

#: aromatic carbanions (cyclopentadienide, its ferrocene salt, indenide, a substituted one), an
#: aromatic N anion and ordinary charged molecules
CHARGED = [
    "[cH-]1cccc1",
    "c1cc[cH-]c1",
    "[Fe+2].[cH-]1cccc1.[cH-]1cccc1",
    "C[c-]1cccc1",
    "c1ccc2[cH-]ccc2c1",
    "O=C([O-])c1cc[cH-]c1",
    "[n-]1cccc1",
    "CC(=O)[O-].[Na+]",
    "C[NH3+].[Cl-]",
    "[O-][N+](=O)c1ccccc1",
]

OPTIONS = [
    StandardizeOptions(),
    StandardizeOptions(canonical_tautomer=False),
    StandardizeOptions(cleanup=False, largest_fragment=False, canonical_tautomer=False),
]


@pytest.mark.parametrize("smiles", CHARGED)
def test_every_standardized_smiles_parses_back(smiles: str) -> None:
    for options in OPTIONS:
        written = Chem.MolToSmiles(standardize(smiles, options))
        assert Chem.MolFromSmiles(written) is not None, (smiles, options, written)


@pytest.mark.parametrize("smiles", CHARGED)
def test_neutralizing_gives_rdkits_charge_parent(smiles: str) -> None:
    """RDKit's ChargeParent (largest fragment, uncharge, clean up again) is the reference: a
    cyclopentadienide becomes cyclopentadiene, not an unreadable aromatic ring. A molecule with
    a transition metal (ferrocene written disconnected) is compared with ``metals="all"``,
    RDKit's behaviour: by default it keeps its metal and ligands (test_standardize_metals)."""
    expected = Chem.MolToSmiles(rdMolStandardize.ChargeParent(Chem.MolFromSmiles(smiles)))
    mol = Chem.MolFromSmiles(smiles)
    metals = "all" if any(a.GetAtomicNum() in OTHER_METALS for a in mol.GetAtoms()) else "salts"
    options = StandardizeOptions(canonical_tautomer=False, metals=metals)
    got = Chem.MolToSmiles(standardize(smiles, options))
    assert got == expected


def test_charged_molecules_of_a_real_library_standardize_to_valid_smiles(
    nci_library: Any,
) -> None:
    charged = [m for m in nci_library.mols if any(a.GetFormalCharge() for a in m.GetAtoms())]
    assert len(charged) > 100
    result = read_molecules(charged)
    assert len(result) + len(result.errors) == len(charged)
    assert all(Chem.MolFromSmiles(smiles) is not None for smiles in result.smiles)


def test_a_molecule_that_does_not_round_trip_is_a_reported_row_not_a_broken_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Were a step to leave an unreadable molecule (as the Uncharger alone does with an
    aromatic carbanion), the row is reported and the others are kept."""
    monkeypatch.setattr(
        standardization_module, "_neutralized", lambda uncharger, mol: uncharger.uncharge(mol)
    )
    assert (
        Chem.MolFromSmiles(
            Chem.MolToSmiles(
                rdMolStandardize.Uncharger().uncharge(Chem.MolFromSmiles("[cH-]1cccc1"))
            )
        )
        is None
    )  # the RDKit behaviour guarded against
    result = read_molecules(["[cH-]1cccc1", "CCO"])
    assert result.smiles == ["CCO"]
    assert list(result.errors["row"]) == [1]
    assert "cannot parse its SMILES back" in result.errors.loc[0, "reason"]
    with pytest.raises(InputError, match="cannot parse its SMILES back"):
        standardize("[cH-]1cccc1")
