"""Which metal bonds cleanup breaks: salts by default, RDKit's full disconnection on request."""

from __future__ import annotations

from typing import Any

import pytest
from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from ai4s_lab.errors import ParameterError
from ai4s_lab.molecules import StandardizeOptions, standardize
from ai4s_lab.molecules.standardization import standardize_many

# groups 1 and 2: the metals the default disconnects
_SALT_METALS = {3, 11, 19, 37, 55, 87, 4, 12, 20, 38, 56, 88}
_NON_METALS = {1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 33, 34, 35, 36, 52, 53, 54, 85, 86}
CISPLATIN = "N[Pt](N)(Cl)Cl"
CARBOPLATIN = "O=C1O[Pt](N)(N)OC(=O)C12CCC2"
FERROCENE = "[Fe](C1C=CC=C1)C1C=CC=C1"


def _smiles(mol: Any) -> str:
    return Chem.MolToSmiles(mol)


def _rdkit_parent(smiles: str) -> str:
    """RDKit's own cleanup and largest organic fragment: the oracle for ``metals="all"``."""
    cleaned = rdMolStandardize.Cleanup(Chem.MolFromSmiles(smiles))
    return _smiles(rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(cleaned))


def test_without_transition_metals_the_default_is_rdkits_cleanup(nci_library: Any) -> None:
    """On NCI compounds with no metal other than an alkali or alkaline-earth one (every one
    with such a metal, a third of the others), the default cleanup is exactly RDKit's."""
    cleanup_only = {"largest_fragment": False, "neutralize": False, "canonical_tautomer": False}
    ours = StandardizeOptions(**cleanup_only)  # type: ignore[arg-type]
    chosen = []
    with_salt_metal = 0
    for k, mol in enumerate(nci_library.mols):
        numbers = {atom.GetAtomicNum() for atom in mol.GetAtoms()}
        if numbers - _NON_METALS - _SALT_METALS:
            continue
        if numbers & _SALT_METALS:
            with_salt_metal += 1
        elif k % 3:  # every third of the others keeps the test short
            continue
        chosen.append(mol)
    results = standardize_many(chosen, ours)
    for mol, (result, reason) in zip(chosen, results, strict=True):
        assert not reason
        assert _smiles(result) == _smiles(rdMolStandardize.Cleanup(mol))
    compared = len(chosen)
    assert compared > 1600 and with_salt_metal >= 2  # NCI holds two sodium salts


@pytest.mark.parametrize("smiles", [CISPLATIN, CARBOPLATIN, FERROCENE])
def test_coordination_complexes_stay_whole_by_default(smiles: str) -> None:
    given = Chem.MolFromSmiles(smiles)
    kept = standardize(smiles)
    assert kept.GetNumHeavyAtoms() == given.GetNumHeavyAtoms()
    assert _smiles(kept) == _smiles(given)  # nothing to normalize in these
    # RDKit's disconnection keeps a ligand only, without the metal
    everything = standardize(smiles, StandardizeOptions(metals="all"))
    assert _smiles(everything) == _smiles(
        standardize(_rdkit_parent(smiles), StandardizeOptions(cleanup=False))
    )
    assert not any(atom.GetSymbol() in ("Pt", "Fe") for atom in everything.GetAtoms())


@pytest.mark.parametrize(
    ("smiles", "parent"),
    [
        ("O=C(O[Na])c1ccccc1", "O=C(O)c1ccccc1"),  # a salt drawn with an O–Na bond
        ("CCO[Ca]OCC", "CCO"),
        ("[O-]c1ccccc1.[K+]", "Oc1ccccc1"),
    ],
)
def test_salts_of_alkali_and_alkaline_earth_metals_are_split(smiles: str, parent: str) -> None:
    assert _smiles(standardize(smiles)) == parent
    assert _smiles(standardize(smiles, StandardizeOptions(metals="all"))) == parent


def test_metals_none_breaks_no_bond() -> None:
    kept = standardize("O=C(O[Na])c1ccccc1", StandardizeOptions(metals="none"))
    assert "Na" in _smiles(kept)


def test_bad_mode_and_options_saved_before_the_mode_existed() -> None:
    with pytest.raises(ParameterError, match=r"metals='some'.*salts, all, none"):
        StandardizeOptions(metals="some")
    assert StandardizeOptions().as_dict()["metals"] == "salts"
    # files written before `metals` was an option were standardized with RDKit's cleanup
    old = {"cleanup": True, "largest_fragment": True, "neutralize": True,
           "canonical_tautomer": True, "keep_stereo": True}  # fmt: skip
    assert StandardizeOptions.from_dict(old) == StandardizeOptions(metals="all")
    options = StandardizeOptions(metals="none", keep_stereo=False)
    assert StandardizeOptions.from_dict(options.as_dict()) == options
