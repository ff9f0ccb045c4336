"""Entries and the CSV/JSON loaders, including files with bad rows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ai4s_lab.errors import Ai4sWarning, DataFileError
from ai4s_lab.materials import (
    Entry,
    EntryError,
    PhaseDiagram,
    example_entries,
    load_entries,
)

CSV_WITH_BAD_ROWS = """entry_id,composition,energy,space_group
li,Li,-1.9,229
o2,O2,-9.8,12
li2o,Li2O,-14.3,225
bad-formula,Li2Xx,-3.0,1
no-energy,LiO2,,1
nan-energy,Li2O2,nan,1
not-a-number,LiO3,abc,1
phase-label,Li2O(s),-14.0,1
li2o2,Li2O2,-19.5,194
"""


def test_csv_with_bad_rows_loads_the_good_ones_and_reports_the_bad(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text(CSV_WITH_BAD_ROWS)
    with pytest.warns(Ai4sWarning, match="5 of 9 rows were not loaded") as caught:
        loaded = load_entries(path)
    assert [e.entry_id for e in loaded] == ["li", "o2", "li2o", "li2o2"]
    assert loaded[2].attributes == {"space_group": "225"}
    rejected = {row.entry_id: row for row in loaded.rejected}
    assert set(rejected) == {
        "bad-formula",
        "no-energy",
        "nan-energy",
        "not-a-number",
        "phase-label",
    }
    assert rejected["bad-formula"].line == 5  # header is line 1
    assert "'Xx' is not an element" in rejected["bad-formula"].reason
    assert "no energy" in rejected["no-energy"].reason
    assert "nan" in rejected["nan-energy"].reason
    assert "'abc' is not a number" in rejected["not-a-number"].reason
    # the reason is the message as written, its closing quote included
    assert rejected["phase-label"].reason.endswith("e.g. 'Ca3(PO4)2'")
    assert "bad-formula" in str(caught[0].message)
    # the good rows make a usable diagram
    pd = PhaseDiagram(loaded)
    assert {e.entry_id for e in pd.stable_entries} == {"li", "o2", "li2o", "li2o2"}


def test_files_with_no_good_row_or_no_columns_raise(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("composition,energy\nXx,1\nLi,nan\n")
    with pytest.raises(DataFileError, match="no usable entry in 2 rows"):
        load_entries(path)
    path.write_text("formula,enthalpy\nLi,1\n")
    with pytest.raises(DataFileError, match="no energy column"):
        load_entries(path)
    path = tmp_path / "entries.txt"
    path.write_text("x")
    with pytest.raises(DataFileError, match="unknown file type"):
        load_entries(path)
    with pytest.raises(FileNotFoundError):
        load_entries(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"composition": "Li", ')
    with pytest.raises(DataFileError, match="not valid JSON"):
        load_entries(broken)


def test_real_json_gz_files_load(shared_data: Path) -> None:
    loaded = load_entries(shared_data / "materials" / "Li-P-S.json.gz")
    assert len(loaded) == 178 and not loaded.rejected
    first = loaded[0]
    assert first.entry_id == "agm003219912"
    assert first.composition == {"Li": 8, "P": 8}
    assert "e_form_per_atom" in first.attributes
    pymatgen_set = load_entries(shared_data / "materials" / "li-fe-o-entries.json.gz")
    assert len(pymatgen_set) == 492


def test_shipped_examples_equal_the_shared_data(shared_data: Path) -> None:
    for name, file in [("Li-Co-O", "Li-Co-O.json.gz"), ("Li-Fe-O", "li-fe-o-entries.json.gz")]:
        assert example_entries(name).read_bytes() == (shared_data / "materials" / file).read_bytes()


def test_pymatgen_dicts_load_with_corrected_energy(tmp_path: Path) -> None:
    from pymatgen.entries.computed_entries import ComputedEntry

    computed = ComputedEntry("Li2O", -14.0, correction=-0.7, entry_id="mp-1960")
    path = tmp_path / "entries.json.gz"
    path.write_bytes(gzip.compress(json.dumps([computed.as_dict()]).encode()))
    (entry,) = load_entries(path)
    assert entry.entry_id == "mp-1960"
    assert entry.energy == pytest.approx(computed.energy)  # corrected: -14.7
    assert Entry.from_pymatgen(computed).energy == pytest.approx(-14.7)


@pytest.mark.parametrize("energy", [float("nan"), float("inf"), "high"])
def test_entry_rejects_non_finite_energy_naming_the_entry(energy: object) -> None:
    with pytest.raises(EntryError, match="mp-42"):
        Entry("Li2O", energy, entry_id="mp-42")  # type: ignore[arg-type]


def test_entry_rejects_unknown_element_naming_the_entry() -> None:
    with pytest.raises(EntryError, match=r"entry 'calc-7'.*'Zz' is not an element"):
        Entry("LiZz", -1.0, entry_id="calc-7")


def test_a_bad_correction_or_boolean_energy_rejects_its_row_only(tmp_path: Path) -> None:
    """One malformed record must not abort the batch: it is reported, the others load."""
    from pymatgen.entries.computed_entries import ComputedEntry

    good = ComputedEntry("Li2O", -14.0, correction=-0.7, entry_id="good").as_dict()
    bad_correction = {**good, "entry_id": "bad-corr", "correction": "n/a"}
    bad_energy = {**good, "entry_id": "bad-energy", "energy": "abc"}
    boolean = {"composition": "Li", "energy": True, "entry_id": "bool"}
    path = tmp_path / "entries.json"
    path.write_text(json.dumps([bad_correction, good, bad_energy, boolean]))
    with pytest.warns(Ai4sWarning, match="3 of 4 rows"):
        loaded = load_entries(path)
    assert [e.entry_id for e in loaded] == ["good"]
    assert loaded[0].energy == pytest.approx(ComputedEntry("Li2O", -14.0, correction=-0.7).energy)
    reasons = {row.entry_id: row.reason for row in loaded.rejected}
    assert "correction 'n/a' is not a number" in reasons["bad-corr"]
    assert "energy 'abc' is not a number" in reasons["bad-energy"]
    assert "boolean" in reasons["bool"]


def test_materials_project_documents_with_energy_per_atom_load(tmp_path: Path) -> None:
    """Summary documents (mp-api) and legacy documents give energy_per_atom and a cell or a
    reduced formula; the per-atom energy must be kept exactly, whatever the formula unit."""
    docs = [
        {"material_id": "mp-1960", "formula_pretty": "Li2O", "energy_per_atom": -4.8,
         "composition": {"Li": 8.0, "O": 4.0}, "formation_energy_per_atom": -2.0},
        {"material_id": "mp-135", "formula_pretty": "Li", "energy_per_atom": -1.91},
        {"material_id": "mp-12957", "pretty_formula": "O2", "energy_per_atom": -4.95,
         "unit_cell_formula": {"O": 8.0}, "energy": -39.6},
    ]  # fmt: skip
    path = tmp_path / "mp.json"
    path.write_text(json.dumps(docs))
    loaded = load_entries(path)
    assert [e.entry_id for e in loaded] == ["mp-1960", "mp-135", "mp-12957"]
    assert [e.energy_per_atom for e in loaded] == pytest.approx([-4.8, -1.91, -4.95])
    assert loaded[0].attributes["formation_energy_per_atom"] == -2.0
    pd = PhaseDiagram(loaded)
    # -4.8 - (2/3 * -1.91 + 1/3 * -4.95), by hand
    assert pd.formation_energy_per_atom(loaded[0]) == pytest.approx(-4.8 + 2 / 3 * 1.91 + 1.65)


@pytest.mark.parametrize(
    ("header", "separator"),
    [
        ("entry_id,composition,energy", ","),
        ("entry_id;formula;energy", ";"),
        ("entry_id\tFormula\tEnergy (eV)", "\t"),
        ("Entry ID,Composition,Total energy [eV]", ","),
    ],
)
def test_csv_dialects_and_unit_headers_give_the_same_entries(
    tmp_path: Path, header: str, separator: str
) -> None:
    rows = [("li", "Li", "-1.9"), ("o2", "O2", "-9.8"), ("li2o", "Li2O", "-14.3")]
    text = "\n".join([header, *(separator.join(row) for row in rows)]) + "\n"
    path = tmp_path / "entries.csv"
    path.write_text(text)
    loaded = load_entries(path, warn=False)
    assert loaded.rejected == ()
    assert [(e.composition.formula, e.energy) for e in loaded] == [
        ("Li", -1.9),
        ("O2", -9.8),
        ("Li2O", -14.3),
    ]


def test_csv_energy_per_atom_column_and_units(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text("formula,Energy (eV/atom)\nLi2O,-4.5\nLi4O2,-4.5\nLi,-1.9\n")
    loaded = load_entries(path)
    assert [e.energy for e in loaded] == pytest.approx([-13.5, -27.0, -1.9])
    path.write_text("formula,energy (kJ/mol)\nLi2O,-598\n")
    with pytest.raises(DataFileError, match="no energy column"):
        load_entries(path)  # not eV: never read as if it were


def test_csv_with_a_repeated_column_raises_instead_of_dropping_one(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text("formula,energy,Energy\nLi2O,-14.3,-99\n")
    with pytest.raises(DataFileError, match=r"\['energy'\] more than once"):
        load_entries(path)


def test_a_plain_correction_is_not_applied_silently(tmp_path: Path) -> None:
    """A 'correction' column without pymatgen's @class: the loader cannot know whether the
    energy includes it. By default it warns and keeps the energy; the user chooses."""
    path = tmp_path / "entries.csv"
    path.write_text("formula,energy,correction\nLi2O,-14.0,-0.7\nLi,-1.9,0\nO2,-9.8,\n")
    with pytest.warns(Ai4sWarning, match="1 of 3 entries have a 'correction' that was not"):
        loaded = load_entries(path)
    assert [e.energy for e in loaded] == [-14.0, -1.9, -9.8]
    assert loaded[0].attributes["correction"] == "-0.7"
    applied = load_entries(path, apply_corrections=True)
    assert [e.energy for e in applied] == pytest.approx([-14.7, -1.9, -9.8])
    assert [e.energy for e in load_entries(path, apply_corrections=False)] == [-14.0, -1.9, -9.8]


def test_apply_corrections_false_reads_pymatgen_records_uncorrected(tmp_path: Path) -> None:
    from pymatgen.entries.computed_entries import ComputedEntry

    computed = ComputedEntry("Li2O", -14.0, correction=-0.7, entry_id="mp-1960")
    record = computed.as_dict()
    del record["correction"]  # the adjustments alone give the correction, as in pymatgen
    path = tmp_path / "entries.json"
    path.write_text(json.dumps([record]))
    (corrected,) = load_entries(path)
    assert corrected.energy == pytest.approx(computed.energy)  # -14.7
    (raw,) = load_entries(path, apply_corrections=False)
    assert raw.energy == pytest.approx(computed.uncorrected_energy)


def test_total_and_per_atom_energies_that_disagree_reject_the_row(tmp_path: Path) -> None:
    records = [
        # a cell energy (Li8O4) with the reduced formula: -56 / 3 atoms is not -4.6667 eV/atom
        {"entry_id": "cell", "formula": "Li2O", "energy": -56.0, "energy_per_atom": -4.6667},
        {"entry_id": "rounded", "formula": "Li2O", "energy": -14.0, "energy_per_atom": -4.67},
        {"entry_id": "exact", "formula": "Li8O4", "energy": -56.0, "energy_per_atom": -56 / 12},
    ]
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(records))
    with pytest.warns(Ai4sWarning, match="1 of 3 rows"):
        loaded = load_entries(path)
    assert [e.entry_id for e in loaded] == ["rounded", "exact"]
    (row,) = loaded.rejected
    assert row.entry_id == "cell"
    assert "-56.0" in row.reason and "-4.6667" in row.reason and "energy_per_atom" in row.reason


def test_tsv_latin1_utf16_comments_and_decimal_commas(tmp_path: Path) -> None:
    expected = [("Li2O", -14.3), ("Li", -1.9)]
    tsv = tmp_path / "entries.tsv"
    tsv.write_text("formula\tenergy\tnote\nLi2O\t-14.3\tantifluorite, Fm-3m\nLi\t-1.9\tbcc\n")
    cp1252 = tmp_path / "excel.csv"
    cp1252.write_bytes("formula;Energy (eV);note\nLi2O;-14,3;a = 4.61 Å – 300 °C\nLi;-1,9;\n"
                       .encode("cp1252"))  # fmt: skip
    utf16 = tmp_path / "unicode.csv"
    utf16.write_text("# exported\n\nformula\tenergy\nLi2O\t-14.3\nLi\t-1.9\n", encoding="utf-16")
    for path in (tsv, cp1252, utf16):
        loaded = load_entries(path)
        assert [(e.composition.formula, e.energy) for e in loaded] == expected, path
    assert load_entries(cp1252)[0].attributes["note"] == "a = 4.61 Å – 300 °C"
    assert load_entries(tsv)[0].attributes["note"] == "antifluorite, Fm-3m"


def test_csv_row_with_more_values_than_columns_is_rejected(tmp_path: Path) -> None:
    """An unquoted thousands separator shifts the columns: -1,234.5 must not load as -1."""
    path = tmp_path / "entries.csv"
    path.write_text("formula,energy\nLi2O,-14.3\nLi8O4,-1,234.5\n")
    with pytest.warns(Ai4sWarning, match="1 of 2 rows"):
        loaded = load_entries(path)
    assert [e.name for e in loaded] == ["Li2O"]
    assert loaded.rejected[0].line == 3
    assert "3 values for the 2 columns" in loaded.rejected[0].reason


def test_json_keyed_by_id_single_record_and_pymatgen_phase_diagram(tmp_path: Path) -> None:
    from pymatgen.analysis.phase_diagram import PDEntry
    from pymatgen.analysis.phase_diagram import PhaseDiagram as PmgPhaseDiagram
    from pymatgen.entries.computed_entries import ComputedEntry

    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({"mp-135": {"formula": "Li", "energy": -1.9},
                                 "mp-1960": {"formula": "Li2O", "energy": -14.3}}))  # fmt: skip
    assert [(e.entry_id, e.energy) for e in load_entries(keyed)] == [
        ("mp-135", -1.9),
        ("mp-1960", -14.3),
    ]
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"formula": "Li2O", "energy": -14.3}))
    assert [e.name for e in load_entries(single)] == ["Li2O"]

    pmg_entries = [PDEntry("Li", -1.9, name="li"), PDEntry("O2", -9.8, name="o2"),
                   ComputedEntry("Li2O", -14.0, correction=-0.7, entry_id="mp-1960")]  # fmt: skip
    diagram = PmgPhaseDiagram(pmg_entries)
    path = tmp_path / "pd.json"
    path.write_text(diagram.to_json())
    loaded = load_entries(path)
    assert len(loaded) == len(diagram.all_entries)
    assert sorted(e.energy for e in loaded) == pytest.approx(
        sorted(e.energy for e in diagram.all_entries)
    )
    ours = PhaseDiagram(loaded)
    li2o = next(e for e in ours.entries if e.name == "Li2O")
    theirs = next(e for e in diagram.all_entries if e.reduced_formula == "Li2O")
    assert ours.formation_energy_per_atom(li2o) == pytest.approx(
        diagram.get_form_energy_per_atom(theirs)
    )


def test_non_finite_per_atom_values_and_null_records_reject_one_row_each(tmp_path: Path) -> None:
    """A per-atom energy past float range (1e400) or infinite rejects its row with the reason;
    a NaN one counts as not given (the total energy is enough); a null value in an object keyed
    by entry id is one bad row, not a refused file."""
    csv = tmp_path / "entries.csv"
    csv.write_text(
        "entry_id,composition,energy,energy_per_atom\n"
        "li,Li,-1.9,-1.9\no2,O2,-9.8,-4.9\nhuge,Li2O,-14.3,1e400\n"
        "inf,Li2O2,-19.5,-inf\nnan,LiO2,-15.0,NaN\nover,LiO3,1e309,-4.0\n"
    )
    with pytest.warns(Ai4sWarning, match="3 of 6 rows"):
        loaded = load_entries(csv)
    assert [e.entry_id for e in loaded] == ["li", "o2", "nan"]
    assert loaded.entries[2].energy == -15.0
    reasons = {row.entry_id: row.reason for row in loaded.rejected}
    assert "energy_per_atom is '1e400'; give a finite" in reasons["huge"]
    assert "energy_per_atom is '-inf'" in reasons["inf"]
    assert "energy is inf" in reasons["over"]

    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({"mp-135": {"composition": "Li", "energy": -1.9},
                                 "mp-12957": {"composition": "O2", "energy": -9.8},
                                 "mp-999": None}))  # fmt: skip
    with pytest.warns(Ai4sWarning, match="1 of 3 rows"):
        loaded = load_entries(keyed)
    assert [e.entry_id for e in loaded] == ["mp-135", "mp-12957"]
    (row,) = loaded.rejected
    assert row.entry_id == "mp-999" and "None is not an object" in row.reason


def test_a_reduced_formula_with_a_total_energy_says_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    path.write_text("formula_pretty,energy\nLi,-1.9\nO2,-9.8\n")
    with pytest.raises(DataFileError, match="does not say how many atoms the cell held"):
        load_entries(path)


def test_a_rejected_row_without_an_id_is_named_by_its_formula(tmp_path: Path) -> None:
    """Not by the repr of the parsed composition ("entry Composition('Li2O') (Li2O)")."""
    path = tmp_path / "entries.csv"
    path.write_text("formula,energy\nLi,-1.9\nLi2O,nan\n")
    with pytest.warns(Ai4sWarning, match="1 of 2 rows"):
        (row,) = load_entries(path).rejected
    assert row.reason.startswith("entry 'Li2O' (Li2O): energy is nan")
    assert "Composition(" not in row.reason
