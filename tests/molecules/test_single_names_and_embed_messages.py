"""One descriptor or filter named by a string, and what embed_conformer's timeout and errors say."""

from __future__ import annotations

import pytest
from rdkit import Chem
from rdkit.Chem import AllChem, Descriptors

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules import apply_filters, descriptors, embed_conformer


def test_one_descriptor_name_is_one_name_not_its_characters() -> None:
    table = descriptors(["CCO", "c1ccccc1"], "MW")
    assert list(table.columns) == ["MW"]
    expected = [Descriptors.MolWt(Chem.MolFromSmiles(s)) for s in ("CCO", "c1ccccc1")]
    assert table["MW"].tolist() == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ParameterError, match=r"unknown descriptor\(s\) \['mw'\]"):
        descriptors(["CCO"], "mw")


def test_one_filter_name_is_one_name_not_its_characters() -> None:
    result = apply_filters(["CCO"], "lipinski")
    assert list(result.columns) == ["pass_lipinski", "passes", "reasons"]
    assert bool(result.loc[0, "passes"])
    assert list(apply_filters(["CCO"], "PAINS").columns) == ["pass_pains", "passes", "reasons"]
    with pytest.raises(ParameterError, match=r"unknown filter\(s\) \['lipinsky'\]"):
        apply_filters(["CCO"], "lipinsky")


def test_embed_timeout_is_documented_as_no_wall_clock_limit() -> None:
    doc = embed_conformer.__doc__ or ""
    assert "EmbedParameters.timeout" in doc and "not a wall-clock" in " ".join(doc.split())


def test_a_failed_embedding_shows_a_long_smiles_shortened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AllChem, "EmbedMolecule", lambda mol, params: -1)
    long = "C" * 200
    with pytest.raises(InputError, match="could not embed") as err:
        embed_conformer(long)
    message = str(err.value)
    assert "'" + "C" * 60 + "…'" in message and "C" * 61 not in message
    with pytest.raises(InputError, match=r"could not embed 'CCO'"):
        embed_conformer("CCO")
