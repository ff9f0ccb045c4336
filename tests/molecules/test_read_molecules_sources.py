"""read_molecules on DataFrames and Series, headers with digits, CXSMILES in SMILES files, empty
SD records and ``ids`` given with a file; RDKit's own parse is the oracle of each molecule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rdkit import Chem

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.molecules import read_molecules

RACEMATE = "C[C@H](F)Cl |&1:1|"


def _canonical(smiles: str) -> str:
    return Chem.MolToSmiles(Chem.MolFromSmiles(smiles))


def _cx(smiles: str) -> str:
    """RDKit's CXSMILES with the enhanced stereo only."""
    fields = Chem.CXSmilesFields.CX_ENHANCEDSTEREO
    return Chem.MolToCXSmiles(Chem.MolFromSmiles(smiles), Chem.SmilesWriteParams(), fields)


def test_a_dataframe_is_read_as_a_table_not_as_its_column_names() -> None:
    frame = pd.DataFrame(
        {
            "Compound ID": ["a", "b", "c"],
            "SMILES": ["OCC", "c1ccccc1O", "C1CC"],
            "pIC50": [5.0, 6.5, 7],
        }
    )
    result = read_molecules(frame, standardize=False)
    assert result.smiles == [_canonical("OCC"), _canonical("c1ccccc1O")]
    assert result.ids == ["a", "b"] and result.source == "<DataFrame>"
    assert list(result.data["pIC50"]) == [5.0, 6.5]  # other columns kept, as from a CSV
    assert list(result.errors["row"]) == [3]


def test_a_dataframe_column_of_molecules_is_found_and_a_labelled_index_gives_ids() -> None:
    mols = [Chem.MolFromSmiles(s) for s in ("CCO", "CCN")]
    frame = pd.DataFrame({"name": ["x", "y"], "structure": mols}).set_index("name")
    result = read_molecules(frame, standardize=False)
    assert result.ids == ["x", "y"] and result.smiles == [_canonical("CCO"), _canonical("CCN")]
    filtered = pd.DataFrame({"smi": ["CCO", "CCN", "CCC"]}).iloc[[0, 2]]  # labels 0 and 2
    assert read_molecules(filtered, standardize=False).ids == ["0", "2"]
    plain = pd.DataFrame({"smi": ["CCO", "CCN"], "id": ["p", "q"]})
    assert read_molecules(plain, standardize=False).ids == ["p", "q"]
    assert read_molecules(plain[["smi"]], standardize=False).ids == ["1", "2"]
    with pytest.raises(ParameterError, match=r"no column 'smiles'.*\['smi', 'id'\]"):
        read_molecules(plain, smiles_column="smiles")
    with pytest.raises(ParameterError, match="has no SMILES column"):
        read_molecules(pd.DataFrame({"a": [1, 2]}))


def test_a_series_is_read_item_by_item_with_its_labels_as_ids() -> None:
    series = pd.Series(["CCO", None, "c1ccccc1"], index=["e", "n", "b"])
    result = read_molecules(series, standardize=False)
    assert result.ids == ["e", "b"] and result.smiles == [_canonical("CCO"), "c1ccccc1"]
    assert result.errors.loc[0, "reason"] == "empty SMILES"
    assert read_molecules(pd.Series(["CCO", "CCN"]), standardize=False).ids == ["1", "2"]
    with pytest.raises(ParameterError, match="smiles_column='smiles': a Series"):
        read_molecules(series, smiles_column="smiles")


def test_ids_with_a_file_point_to_id_column(tmp_path: Path) -> None:
    path = tmp_path / "a.smi"
    path.write_text("CCO ethanol\nCCN ethylamine\n")
    with pytest.raises(ParameterError, match="id_column="):
        read_molecules(path, ids=["x", "y"])
    with pytest.raises(InputError, match="ids has 1 entries"):
        read_molecules(["CCO", "CCN"], ids=["x"])


@pytest.mark.parametrize(
    "header", ["Name,Mol1,Activity", "Name,Structure2D,pIC50", ",Mol1,Activity"]
)
def test_a_header_whose_smiles_column_name_has_digits_is_a_header(
    tmp_path: Path, header: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"{header}\nx,CCO,1\ny,c1ccccc1N,2\n")
    result = read_molecules(path, standardize=False)
    assert result.smiles == [_canonical("CCO"), _canonical("c1ccccc1N")]
    assert result.errors.empty
    assert list(result.data.columns[-2:]) == [c or "Unnamed: 0" for c in header.split(",")][::2]


def test_a_bad_first_molecule_of_a_headerless_table_is_still_a_reported_row(
    tmp_path: Path,
) -> None:
    for text in ("C1CC,a,1\nCCO,b,2\nCCN,c,3\n", "C1CC,mol1\nCCO,mol2\nCCN,mol3\n"):
        path = tmp_path / "t.csv"
        path.write_text(text)
        result = read_molecules(path, standardize=False)
        assert result.smiles == ["CCO", "CCN"]
        assert list(result.errors["row"]) == [1] and result.errors.loc[0, "input"] == "C1CC"


@pytest.mark.parametrize(
    "text",
    [f"{RACEMATE} rac-1\nCCO ethanol\n", f"{RACEMATE}\trac-1\nCCO\tethanol\n",
     f"smiles name\n{RACEMATE} rac-1\nCCO ethanol\n"],
    ids=["spaces", "tabs", "header"],
)  # fmt: skip
@pytest.mark.parametrize("standardize", [False, True])
def test_cxsmiles_in_a_smiles_file_keeps_its_enhanced_stereo(
    tmp_path: Path, text: str, standardize: bool
) -> None:
    path = tmp_path / "rac.smi"
    path.write_text(text)
    result = read_molecules(path, standardize=standardize)
    assert result.ids == ["rac-1", "ethanol"]
    groups = result.mols[0].GetStereoGroups()
    assert len(groups) == 1 and groups[0].GetGroupType() == Chem.StereoGroupType.STEREO_AND
    assert result.smiles == [_cx(RACEMATE), "CCO"]  # the racemate is not one enantiomer
    assert Chem.MolFromSmiles(result.smiles[0]).GetStereoGroups()[0].GetGroupType() == (
        Chem.StereoGroupType.STEREO_AND
    )


@pytest.mark.parametrize("standardize", [False, True])
def test_an_sd_record_without_atoms_is_a_reported_row(tmp_path: Path, standardize: bool) -> None:
    empty = Chem.Mol()
    empty.SetProp("_Name", "nothing")
    ethanol = Chem.MolFromSmiles("CCO")
    path = tmp_path / "e.sdf"
    path.write_text(Chem.MolToMolBlock(empty) + "$$$$\n" + Chem.MolToMolBlock(ethanol) + "$$$$\n")
    result = read_molecules(path, standardize=standardize)
    assert result.smiles == ["CCO"]
    assert result.errors.to_dict("records") == [
        {"row": 1, "input": "nothing", "reason": "the SD record has no atoms"}
    ]
