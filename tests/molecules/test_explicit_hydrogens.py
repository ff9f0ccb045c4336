"""Molecules with explicit hydrogen atoms (``AddHs``, SD files with hydrogens, embedded
conformers) get the fingerprint of their heavy-atom graph; RDKit's fingerprint of the same
molecule parsed from SMILES is the oracle."""

from __future__ import annotations

import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from ai4s_lab.molecules import apply_filters, descriptors, embed_conformer, morgan_fingerprints

PARACETAMOL = "CC(=O)Nc1ccc(O)cc1"


@pytest.mark.parametrize("counts", [False, True])
@pytest.mark.parametrize("smiles", [PARACETAMOL, "C[C@H](N)C(=O)O", "[2H]C([2H])([2H])Oc1ccccc1"])
def test_fingerprint_with_explicit_hydrogens_is_rdkits_of_the_smiles(
    smiles: str, counts: bool
) -> None:
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    plain = Chem.MolFromSmiles(smiles)
    make = generator.GetCountFingerprint if counts else generator.GetFingerprint
    got = morgan_fingerprints([Chem.AddHs(plain)], counts=counts).to_rdkit(0)
    assert DataStructs.TanimotoSimilarity(got, make(plain)) == 1.0


def test_an_embedded_conformer_has_the_fingerprint_of_its_smiles() -> None:
    with_hydrogens, _ = embed_conformer(PARACETAMOL, optimize=False)
    assert with_hydrogens.GetNumAtoms() > with_hydrogens.GetNumHeavyAtoms()
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    expected = generator.GetFingerprint(Chem.MolFromSmiles(PARACETAMOL))
    got = morgan_fingerprints([with_hydrogens]).to_rdkit(0)
    assert DataStructs.TanimotoSimilarity(got, expected) == 1.0


@pytest.mark.parametrize("smiles", ["CCCCSCC", "Nc1ccc2c(c1)C(=O)c1ccccc1C2=O", "OCCCCCCO"])
def test_descriptors_and_alerts_with_explicit_hydrogens_are_rdkits_of_the_smiles(
    smiles: str,
) -> None:
    from rdkit.Chem import FilterCatalog, rdMolDescriptors

    plain = Chem.MolFromSmiles(smiles)
    with_hydrogens = Chem.AddHs(plain)
    table = descriptors([with_hydrogens])
    assert table.loc[0, "rotatable_bonds"] == rdMolDescriptors.CalcNumRotatableBonds(plain)
    params = FilterCatalog.FilterCatalogParams()
    params.AddCatalog(FilterCatalog.FilterCatalogParams.FilterCatalogs.BRENK)
    catalog = FilterCatalog.FilterCatalog(params)
    alerts = sorted({entry.GetDescription() for entry in catalog.GetMatches(plain)})
    reasons = apply_filters([with_hydrogens], "brenk").loc[0, "reasons"]
    got = sorted(reasons.removeprefix("brenk: ").split(", ")) if reasons else []
    assert got == alerts


def test_hydrogens_rdkit_cannot_remove_are_an_error_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ai4s_lab.errors import InputError
    from ai4s_lab.molecules import _rdkit

    def refuse(mol: object) -> object:
        raise RuntimeError("Pre-condition Violation")

    with_h = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    monkeypatch.setattr(Chem, "RemoveHs", refuse)
    # keeping the hydrogens would give other fingerprint bits without a word
    with pytest.raises(InputError, match=r"cannot remove the explicit hydrogens of .*Pre-cond"):
        _rdkit.without_hydrogens(with_h)
