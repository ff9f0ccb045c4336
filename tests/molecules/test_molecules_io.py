"""Reading libraries: every row either becomes a molecule or an error with RDKit's reason."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from rdkit import Chem

from ai4s_lab.errors import DataFileError, InputError
from ai4s_lab.molecules import StandardizeOptions, read_molecules, standardize


def test_real_library_keeps_every_valid_row_and_reports_the_rest(
    nci_path: Path, nci_library: Any
) -> None:
    lines = [line for line in nci_path.read_text().splitlines() if line.strip()]
    assert len(nci_library) + len(nci_library.errors) == len(lines) == 4999
    # the independent count: what RDKit itself accepts line by line
    from rdkit import RDLogger

    RDLogger.DisableLog("rdApp.*")
    try:
        accepted = [i + 1 for i, line in enumerate(lines) if Chem.MolFromSmiles(line.split()[0])]
    finally:
        RDLogger.EnableLog("rdApp.*")
    assert list(nci_library.data["row"]) == accepted
    assert len(nci_library.errors) == 8
    first = nci_library.errors.iloc[0]
    assert first["row"] == 2098
    assert first["input"] == lines[2097].split()[0]
    assert "Explicit valence" in first["reason"]
    assert nci_library.ids[:3] == ["1", "2", "3"]


def test_mixed_list_reports_rows_with_reasons_and_no_stderr_spam(
    capfd: pytest.CaptureFixture[str],
) -> None:
    result = read_molecules(["CCO", "C1CC", "", "c1cccc1", "c1ccccc1O", "not a smiles"])
    assert result.smiles == ["CCO", "Oc1ccccc1"]
    assert list(result.data["row"]) == [1, 5]
    errors = result.errors.set_index("row")
    assert list(errors.index) == [2, 3, 4, 6]
    assert "unclosed ring" in errors.loc[2, "reason"]
    assert errors.loc[3, "reason"] == "empty SMILES"
    assert "kekulize" in errors.loc[4, "reason"]
    assert "Parse Error" in errors.loc[6, "reason"]
    assert capfd.readouterr().err == ""


def test_all_invalid_is_a_typed_error_naming_the_rows() -> None:
    with pytest.raises(DataFileError, match=r"row 1 'C1CC'.*unclosed ring"):
        read_molecules(["C1CC", "xyz"])
    with pytest.raises(InputError, match="empty"):
        read_molecules([])


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.smi"
    empty.write_text("\n\n")
    with pytest.raises(DataFileError, match="empty"):
        read_molecules(empty)
    with pytest.raises(DataFileError, match="no such file"):
        read_molecules(tmp_path / "absent.csv")
    with pytest.raises(DataFileError, match="unknown molecule file type"):
        read_molecules(tmp_path / "x.xlsx")


def test_wrong_column_names_the_columns_that_exist(shared_data: Path) -> None:
    path = shared_data / "molecules" / "delaney-processed.csv"
    with pytest.raises(DataFileError, match=r"no column 'SMILES_typo'.*'Compound ID'.*'smiles'"):
        read_molecules(path, smiles_column="SMILES_typo", standardize=False)


def test_csv_auto_detects_smiles_and_keeps_columns(shared_data: Path) -> None:
    path = shared_data / "molecules" / "delaney-processed.csv"
    esol = read_molecules(path, standardize=False)
    assert len(esol) == 1128 and esol.errors.empty
    assert esol.data.loc[0, "id"] == "Amigdalin"
    assert esol.data.loc[0, "measured log solubility in mols per litre"] == pytest.approx(-0.77)


def test_csv_header_only_and_bad_rows(tmp_path: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text("name,smiles\n")
    with pytest.raises(DataFileError, match="no data rows"):
        read_molecules(header_only)
    mixed = tmp_path / "mixed.csv.gz"
    mixed.write_bytes(gzip.compress(b"name,smiles,y\na,CCO,1\nb,C(C)(C)(C)(C)C,2\nc,,3\nd,CCN,4\n"))
    result = read_molecules(mixed, standardize=False)
    assert result.ids == ["a", "d"] and list(result.data["y"]) == [1, 4]
    assert list(result.errors["row"]) == [2, 3]
    assert "valence" in result.errors.loc[0, "reason"]


def test_sdf_with_a_broken_record(tmp_path: Path) -> None:
    good = Chem.MolFromSmiles("CCO")
    good.SetProp("_Name", "ethanol")
    good.SetProp("activity", "7.5")
    block = Chem.MolToMolBlock(good)
    pentavalent = Chem.MolFromSmiles("C(C)(C)(C)(C)C", sanitize=False)
    pentavalent.SetProp("_Name", "broken")
    bad = Chem.MolToMolBlock(pentavalent, kekulize=False)
    text = f"{block}>  <activity>\n7.5\n\n$$$$\n{bad}$$$$\n{block}$$$$\n"
    path = tmp_path / "lib.sdf"
    path.write_text(text)
    result = read_molecules(path, standardize=False)
    assert result.ids == ["ethanol", "ethanol"]
    assert list(result.data["row"]) == [1, 3]
    assert list(result.errors["row"]) == [2] and result.errors.loc[0, "input"] == "broken"
    assert "valence" in result.errors.loc[0, "reason"]
    assert result.data.loc[0, "activity"] == pytest.approx(7.5)


def test_standardization_steps_follow_rdkit() -> None:
    salt = "[Na+].CC(=O)[O-]"
    assert Chem.MolToSmiles(standardize(salt)) == "CC(=O)O"
    kept = standardize(salt, StandardizeOptions(largest_fragment=False, neutralize=False))
    assert "." in Chem.MolToSmiles(kept)
    result = read_molecules([salt, "Oc1ccccn1"])
    # the canonical tautomer of 2-hydroxypyridine per RDKit's TautomerEnumerator
    from rdkit.Chem.MolStandardize import rdMolStandardize

    expected = Chem.MolToSmiles(
        rdMolStandardize.TautomerEnumerator().Canonicalize(Chem.MolFromSmiles("Oc1ccccn1"))
    )
    assert result.smiles == ["CC(=O)O", expected]
    assert result.data["input"].tolist() == [salt, "Oc1ccccn1"]
    with pytest.raises(InputError, match="cannot parse"):
        standardize("C1CC")
