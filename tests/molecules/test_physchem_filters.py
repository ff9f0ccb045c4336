"""Descriptors and filters on inputs as users pass them: SMILES strings, failed parses."""

from __future__ import annotations

import pandas as pd
import pytest
from rdkit import Chem
from rdkit.Chem import Crippen, Descriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import apply_filters, descriptors, read_molecules

SMILES = ["CC(=O)Oc1ccccc1C(=O)O", "O=C1C=CC(=O)C=C1", "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O"]


def test_descriptors_of_smiles_are_rdkits_values() -> None:
    table = descriptors(SMILES, ["MW", "logP"])
    mols = [Chem.MolFromSmiles(s) for s in SMILES]
    assert table["MW"].tolist() == [Descriptors.MolWt(m) for m in mols]
    assert table["logP"].tolist() == [Crippen.MolLogP(m) for m in mols]


def test_a_failed_parse_is_a_typed_error_naming_its_position() -> None:
    mols = [Chem.MolFromSmiles("CCO"), None]
    with pytest.raises(InputError, match=r"mols\[1\] is NoneType.*read_molecules"):
        descriptors(mols)
    with pytest.raises(InputError, match=r"mols\[1\] is NoneType"):
        apply_filters(mols)
    with pytest.raises(InputError, match=r"mols\[0\]: cannot parse SMILES 'C1CC'"):
        descriptors(["C1CC"])
    # in a list, the message points to the reader that keeps the good rows
    with pytest.raises(InputError, match=r"mols\[1\]: cannot parse.*read_molecules"):
        descriptors(["CCO", "C1CC", "CCN"])
    kept = read_molecules(["CCO", "C1CC", "CCN"])
    assert kept.data["row"].tolist() == [1, 3] and kept.errors["row"].tolist() == [2]


def test_filters_of_smiles_match_rdkits_catalog() -> None:
    params = FilterCatalogParams()
    params.AddCatalog(FilterCatalogParams.FilterCatalogs.PAINS)
    catalog = FilterCatalog(params)
    expected = [not catalog.HasMatch(Chem.MolFromSmiles(s)) for s in SMILES]
    table = apply_filters(SMILES, ["pains", "lipinski"])
    assert table["pass_pains"].tolist() == expected == [True, False, True]
    # the C30 acid: MW 452 g/mol ≤ 500 but logP > 5 is one violation, which Lipinski allows
    assert table["pass_lipinski"].tolist() == [True, True, True]


def test_a_descriptor_table_of_other_molecules_is_refused() -> None:
    table = descriptors(SMILES[:2])
    with pytest.raises(InputError, match="table has 2 rows for 3 molecules"):
        apply_filters(SMILES, ["lipinski"], table=table)


def test_a_nan_descriptor_breaks_the_rule_it_is_part_of() -> None:
    table = descriptors(SMILES[:1])
    table.loc[0, "MW"] = float("nan")
    table.loc[0, "logP"] = 6.0  # with the unknown MW: two rules that do not hold
    result = apply_filters(SMILES[:1], ["lipinski"], table=pd.DataFrame(table))
    assert not result.loc[0, "pass_lipinski"]
    assert "MW nan" in result.loc[0, "reasons"]
