"""Reading libraries: every row either becomes a molecule or an error with RDKit's reason."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
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


# -- libraries as they come from other tools (not the repository's own files) ----------------


def _canonical(smiles: str) -> str:
    return str(Chem.MolToSmiles(Chem.MolFromSmiles(smiles)))


def test_identifiers_are_kept_as_written(tmp_path: Path) -> None:
    path = tmp_path / "plates.csv"
    path.write_text("id,smiles,y\n007,CCO,1.5\n1e3,CCN,2\n,CCC,3\n")
    result = read_molecules(path, standardize=False)
    # the text of the file, not a number parsed from it; a missing id is the row number
    assert result.ids == ["007", "1e3", "3"]
    assert list(result.data["y"]) == [1.5, 2.0, 3.0]


def test_semicolon_separated_chembl_export(tmp_path: Path) -> None:
    path = tmp_path / "chembl.csv"
    path.write_text(
        '"ChEMBL ID";"Name";"Smiles";"pChEMBL Value"\n'
        '"CHEMBL25";"ASPIRIN";"CC(=O)Oc1ccccc1C(=O)O";"5.2"\n'
        '"CHEMBL112";"ACETAMINOPHEN";"CC(=O)Nc1ccc(O)cc1";""\n'
    )
    result = read_molecules(path, standardize=False)
    assert result.ids == ["CHEMBL25", "CHEMBL112"]
    assert result.smiles == [_canonical("CC(=O)Oc1ccccc1C(=O)O"), _canonical("CC(=O)Nc1ccc(O)cc1")]
    assert result.data.loc[0, "pChEMBL Value"] == pytest.approx(5.2)
    assert np.isnan(result.data.loc[1, "pChEMBL Value"])


def test_windows_1252_file_is_decoded_not_mangled(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("name,smiles\ncaféine,Cn1cnc2c1c(=O)n(C)c(=O)n2C\n".encode("cp1252"))
    assert read_molecules(path, standardize=False).ids == ["caféine"]


def test_headerless_csv_with_comment_line_from_rdkit() -> None:
    from rdkit import RDConfig

    path = Path(RDConfig.RDDataDir) / "NCI" / "first_200.tpsa.csv"
    rows = [line.split(",") for line in path.read_text().splitlines() if line and line[0] != "#"]
    result = read_molecules(path, standardize=False)
    assert len(result) + len(result.errors) == len(rows) == 200
    assert result.smiles[0] == _canonical(rows[0][0])
    assert list(result.data["column_2"]) == [float(r[1]) for r in rows[: len(result)]]


def test_smiles_file_with_a_header_keeps_every_column(tmp_path: Path) -> None:
    for sep in ("\t", ",", " "):
        path = tmp_path / "actives.smi"
        path.write_text(sep.join(["SMILES", "Name", "pIC50"]) + "\n")
        with path.open("a") as handle:
            handle.write(sep.join(["c1ccccc1O", "phenol", "4.5"]) + "\n")
            handle.write(sep.join(["CCO", "ethanol", "3"]) + "\n")
        result = read_molecules(path, standardize=False)
        assert result.ids == ["phenol", "ethanol"], sep
        assert list(result.data["pIC50"]) == [4.5, 3.0], sep


def test_smiles_file_names_are_the_rest_of_the_line(tmp_path: Path) -> None:
    path = tmp_path / "names.smi"
    path.write_text("CC(=O)Oc1ccccc1C(=O)O acetylsalicylic acid\nCCO\tethanol, absolute\n")
    assert read_molecules(path, standardize=False).ids == [
        "acetylsalicylic acid",
        "ethanol, absolute",
    ]


def test_headerless_tab_separated_smiles_keep_their_extra_fields(tmp_path: Path) -> None:
    path = tmp_path / "activities.smi"
    path.write_text("CCO\tethanol\t-0.31\tactive\nc1ccccc1\tbenzene\t7\tinactive\n")
    result = read_molecules(path, standardize=False)
    assert result.ids == ["ethanol", "benzene"]
    assert list(result.data["column_3"]) == [-0.31, 7]
    assert list(result.data["column_4"]) == ["active", "inactive"]


def test_input_columns_never_overwrite_the_readers_columns(tmp_path: Path) -> None:
    path = tmp_path / "hts.csv"
    path.write_text(
        "row,col,smiles,std_smiles,input\nA,1,OCC,C(C)O,x\nB,2,C1=CC=CC=C1,c1ccccc1,y\n"
    )
    result = read_molecules(path, smiles_column="std_smiles", standardize=False)
    assert list(result.data["row"]) == [1, 2]
    assert result.smiles == [_canonical("CCO"), _canonical("c1ccccc1")]
    assert list(result.data["input"]) == ["C(C)O", "c1ccccc1"]
    assert list(result.data["row.1"]) == ["A", "B"]
    assert list(result.data["smiles.1"]) == ["OCC", "C1=CC=CC=C1"]
    assert list(result.data["input.1"]) == ["x", "y"]


def test_a_smiles_string_as_source_says_to_pass_a_list() -> None:
    with pytest.raises(InputError, match=r"pass a list.*\['c1ccccc1'\]"):
        read_molecules("c1ccccc1")


def test_largest_fragment_is_the_organic_one() -> None:
    from rdkit.Chem.MolStandardize import rdMolStandardize

    salt = "CC(C)N.OP(=O)(O)OP(=O)(O)O"  # isopropylamine pyrophosphate: the acid is larger
    options = StandardizeOptions(neutralize=False, canonical_tautomer=False)
    chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
    expected = chooser.choose(rdMolStandardize.Cleanup(Chem.MolFromSmiles(salt)))
    assert Chem.MolToSmiles(standardize(salt, options)) == Chem.MolToSmiles(expected) == "CC(C)N"


def test_standardized_3d_molecule_keeps_its_one_conformer(tmp_path: Path) -> None:
    from rdkit.Chem import AllChem

    mol = Chem.AddHs(Chem.MolFromSmiles("CC(=O)CC(=O)C"))
    AllChem.EmbedMolecule(mol, randomSeed=3)
    path = tmp_path / "one.sdf"
    path.write_text(Chem.MolToMolBlock(mol) + "$$$$\n")
    result = read_molecules(path)
    assert [m.GetNumConformers() for m in result.mols] == [1]


def test_sd_records_ending_in_spaces_and_text_identifiers(tmp_path: Path) -> None:
    blocks = []
    catalog = {0: "007", 2: "0027"}
    for i, smiles in enumerate(["CCO", "c1ccccc1O", "CCN"]):
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("_Name", f"mol {i}")
        if i in catalog:
            mol.SetProp("catalog", catalog[i])
        sd = Chem.MolToMolBlock(mol)
        if mol.HasProp("catalog"):
            sd += f">  <catalog>\n{mol.GetProp('catalog')}\n\n"
        blocks.append(sd + "$$$$  \n")  # spaces after the record separator
    path = tmp_path / "vendor.sdf"
    path.write_text("".join(blocks))
    result = read_molecules(path, id_column="catalog", standardize=False)
    assert len(result) == sum(line.strip() == "$$$$" for line in path.read_text().splitlines())
    # the field's text (RDKit alone would give the number 7); no field: the title
    assert result.ids == ["007", "mol 1", "0027"]
    with pytest.raises(DataFileError, match="no SD record has the field 'catlog'"):
        read_molecules(path, id_column="catlog", standardize=False)


def test_a_row_wider_than_the_header_is_reported_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "unquoted.csv"
    path.write_text("name,smiles,y\nbenzene, aromatic,c1ccccc1,1\nethanol,CCO,2\n")
    result = read_molecules(path, standardize=False)
    assert result.ids == ["ethanol"] and list(result.data["y"]) == [2.0]
    assert list(result.errors["row"]) == [1]
    assert "more fields than the header" in result.errors.loc[0, "reason"]


@pytest.mark.parametrize(
    "smiles",
    [
        "C[C@H](N)C(=O)O",  # L-alanine
        "C[C@@H](C(=O)O)c1ccc(CC(C)C)cc1",  # (S)-ibuprofen
        "C/C=C/C(=O)C",  # (E)-pent-3-en-2-one
    ],
)
def test_canonical_tautomer_keeps_the_stereo_of_the_input(smiles: str) -> None:
    from rdkit.Chem.MolStandardize import rdMolStandardize

    mol = Chem.MolFromSmiles(smiles)
    kept = standardize(mol)
    # the same canonical tautomer as RDKit's default, apart from stereo ...
    rdkit_default = rdMolStandardize.TautomerEnumerator().Canonicalize(mol)
    flat = Chem.MolToSmiles(kept, isomericSmiles=False)
    assert flat == Chem.MolToSmiles(rdkit_default, isomericSmiles=False)
    # ... and the input's stereo, which RDKit's default drops
    assert Chem.CanonSmiles(Chem.MolToSmiles(kept)) == Chem.CanonSmiles(smiles)
    assert Chem.MolToSmiles(rdkit_default) == flat
    dropped = standardize(mol, StandardizeOptions(keep_stereo=False))
    assert Chem.MolToSmiles(dropped) == flat


def _molblock(smiles: str, title: str) -> str:
    return title + "\n" + Chem.MolToMolBlock(Chem.MolFromSmiles(smiles)).split("\n", 1)[1]


def test_an_sd_record_without_its_terminator_loses_no_molecule(tmp_path: Path) -> None:
    """A writer left out the '$$$$' after ethanol: RDKit's SDMolSupplier reads ethanol and takes
    phenol for data fields (phenol is gone, no error); every molecule is read here, and a bad
    record's reason is its own (not RDKit's complaint about an earlier record)."""
    broken = _molblock("CC", "broken").split("\n")
    broken[3] = "  X" + broken[3][3:]
    text = (_molblock("CCO", "ethanol") + _molblock("c1ccccc1O", "phenol") + "$$$$\n"
            + _molblock("CCN", "ethylamine") + "$$$$\n" + "\n".join(broken) + "$$$$\n")  # fmt: skip
    path = tmp_path / "library.sdf"
    path.write_text(text)
    supplier = [m.GetProp("_Name") if m else None for m in Chem.SDMolSupplier(str(path))]
    assert supplier == ["ethanol", "ethylamine", None]  # RDKit's own reading, for the record
    library = read_molecules(path)
    assert library.ids == ["ethanol", "phenol", "ethylamine"]
    assert list(library.data["smiles"]) == ["CCO", "Oc1ccccc1", "CCN"]
    (reason,) = library.errors["reason"]
    assert "'  X'" in reason and "data fields" not in reason


def test_sd_fields_are_numbers_only_where_every_value_is_one(tmp_path: Path) -> None:
    """RDKit converts each SD value on its own: "007" became 7 and a column of 5.2, ">10",
    "n/a" mixed floats and text (unsortable). A column is numeric only where all its values
    are numbers, and zero-padded identifiers stay text."""
    records = []
    for i, (smiles, cid, ic50, count) in enumerate(
        [("CCO", "007", "5.2", "3"), ("CCN", "010", ">10", "4"), ("CCC", "123", "n/a", "5")]
    ):
        records.append(_molblock(smiles, f"m{i}") + f"> <CID>\n{cid}\n\n> <IC50>\n{ic50}\n\n"
                       f"> <count>\n{count}\n\n$$$$\n")  # fmt: skip
    path = tmp_path / "fields.sdf"
    path.write_text("".join(records))
    data = read_molecules(path, id_column="CID").data
    assert list(data["id"]) == ["007", "010", "123"]
    assert list(data["CID"]) == ["007", "010", "123"]
    assert list(data["IC50"]) == ["5.2", ">10", "n/a"]
    assert data["count"].dtype == np.int64 and list(data["count"]) == [3, 4, 5]
    assert sorted(data["IC50"]) == ["5.2", ">10", "n/a"]  # sortable: one type


def test_a_single_smiles_string_is_one_molecule_and_empty_smiles_are_refused() -> None:
    from ai4s_lab.molecules import apply_filters, descriptors, morgan_fingerprints

    assert len(descriptors("CCO")) == 1  # was 3 rows: C, C, O
    assert descriptors("CCO")["MW"].iloc[0] == pytest.approx(46.069, abs=1e-3)
    assert len(apply_filters("CCO")) == 1 and len(morgan_fingerprints("CCO")) == 1
    for empty in ([""], [Chem.Mol()]):
        with pytest.raises(InputError, match=r"mols\[0\] is (an empty SMILES|a molecule with no)"):
            descriptors(empty)


def test_reading_leaves_the_users_rdkit_log_settings_alone(tmp_path: Path) -> None:
    from rdkit import RDLogger, rdBase

    RDLogger.DisableLog("rdApp.*")
    try:
        read_molecules(["CCO", "C1CC"])
        assert "rdApp.error:disabled" in rdBase.LogStatus()
    finally:
        RDLogger.EnableLog("rdApp.error")
        RDLogger.EnableLog("rdApp.warning")


def test_bad_arguments_of_the_helpers_are_typed_errors() -> None:
    from ai4s_lab.errors import ParameterError
    from ai4s_lab.molecules import PropertyModel, mol_to_svg, shared_substructure

    with pytest.raises(InputError, match="is int, not an RDKit molecule"):
        standardize(5)
    with pytest.raises(ParameterError, match="is not a StandardizeOptions"):
        standardize("CCO", True)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"highlight_atoms \[10\] are not atoms"):
        mol_to_svg("CCO", highlight_atoms=[10])
    with pytest.raises(ParameterError, match="timeout=-1 must be a positive"):
        shared_substructure("CCO", "CCN", timeout=-1)
    with pytest.raises(ParameterError, match="lr=-1"):
        PropertyModel(lr=-1)


def test_header_detection_on_files_that_fooled_it(tmp_path: Path) -> None:
    """A .smi header above names with spaces; names that contain "smiles" under no header; a
    headerless CSV whose first molecule is broken (reported, not taken for a header); a header
    naming its SMILES column otherwise ("structure")."""
    cases = {
        "spaces.smi": ("SMILES Name\nCCO ethyl alcohol\nCCN ethyl amine\n",
                       ["ethyl alcohol", "ethyl amine"], 0),
        "names.smi": ("CCO smiles-test-1\nCCN smiles-test-2\nCCC smiles-test-3\n",
                      ["smiles-test-1", "smiles-test-2", "smiles-test-3"], 0),
        "badfirst.csv": ("C1CC,mol1\nCCO,mol2\nCCN,mol3\n", ["mol2", "mol3"], 1),
        "structure.csv": ("structure,name\nCCO,eth\nCCN,amine\n", ["eth", "amine"], 0),
    }  # fmt: skip
    for name, (text, ids, bad) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        library = read_molecules(path)
        assert library.ids == ids, name
        assert len(library.errors) == bad, name
    errors = read_molecules(tmp_path / "badfirst.csv").errors
    assert errors["row"].tolist() == [1] and "unclosed ring" in errors["reason"].iloc[0]


def test_a_smiles_file_with_the_name_first_is_read_as_rdkit_reads_it(tmp_path: Path) -> None:
    """ZINC exports (and RDKit's own Contrib/Fastcluster/cdk2.smi) put the id first, a tab,
    then the SMILES: every row failed. It reads as RDKit's SmilesMolSupplier reads it when told
    the columns."""
    rows = [("ZINC03814457", "CC(C)C(=O)COc1nc(N)nc2[nH]cnc12"),
            ("ZINC03814459", "Nc1nc(OCC2CCCO2)c2nc[nH]c2n1"),
            ("ZINC03814460", "Nc1nc(OCC2CCC(=O)N2)c2nc[nH]c2n1")]  # fmt: skip
    path = tmp_path / "zinc.smi"
    path.write_text("".join(f"{name}\t{smiles}\n" for name, smiles in rows))
    supplier = Chem.SmilesMolSupplier(str(path), delimiter="\t", smilesColumn=1, nameColumn=0,
                                      titleLine=False)  # fmt: skip
    expected = [(m.GetProp("_Name"), Chem.MolToSmiles(m)) for m in supplier]
    library = read_molecules(path, standardize=False)
    assert list(zip(library.ids, library.data["smiles"], strict=True)) == expected
    assert len(library.errors) == 0


def test_smiles_file_rows_are_its_line_numbers_whatever_the_comments(tmp_path: Path) -> None:
    """Blank and ``#`` lines in the middle of a SMILES file (with or without a header) do not
    shift the row numbers: a reported row is the line an editor shows."""
    from rdkit import RDLogger

    body = (
        "# library v2\nCCO ethanol\n\n# --- batch 2 ---\nC1CC broken\nc1ccccc1O\n# end\n"
        "\nCCN amine\n"
    )
    for header in ("", "SMILES Name\n"):
        path = tmp_path / "library.smi"
        path.write_text(header + body)
        lines = path.read_text().splitlines()
        good, bad = [], []
        RDLogger.DisableLog("rdApp.*")
        try:  # the oracle: line numbers counted here, RDKit decides which lines are molecules
            for number, line in enumerate(lines, 1):
                if line.strip() and not line.startswith(("#", "SMILES")):
                    parsed = Chem.MolFromSmiles(line.split()[0])
                    (good if parsed is not None else bad).append(number)
        finally:
            RDLogger.EnableLog("rdApp.*")
        result = read_molecules(path, standardize=False)
        assert list(result.data["row"]) == good, header
        assert list(result.errors["row"]) == bad, header
        for row, given in zip(result.errors["row"], result.errors["input"], strict=True):
            assert lines[row - 1].split()[0] == given
        unnamed = result.data[result.data["smiles"] == "Oc1ccccc1"].iloc[0]
        assert unnamed["id"] == str(unnamed["row"])  # a line without a name: its number


def test_a_systematic_name_column_gives_the_ids(shared_data: Path, tmp_path: Path) -> None:
    """FreeSolv's header (``iupac,smiles,expt,calc``): hits were named by row number."""
    source = shared_data / "molecules" / "freesolv.csv"
    path = tmp_path / "freesolv_head.csv"
    path.write_text("\n".join(source.read_text().splitlines()[:4]) + "\n")
    expected = pd.read_csv(path)["iupac"].tolist()
    molecules = read_molecules(path, progress=False)
    assert molecules.data["id"].tolist() == expected
