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
li2o2,Li2O2,-19.5,194
"""


def test_csv_with_bad_rows_loads_the_good_ones_and_reports_the_bad(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text(CSV_WITH_BAD_ROWS)
    with pytest.warns(Ai4sWarning, match="4 of 8 rows were not loaded") as caught:
        loaded = load_entries(path)
    assert [e.entry_id for e in loaded] == ["li", "o2", "li2o", "li2o2"]
    assert loaded[2].attributes == {"space_group": "225"}
    rejected = {row.entry_id: row for row in loaded.rejected}
    assert set(rejected) == {"bad-formula", "no-energy", "nan-energy", "not-a-number"}
    assert rejected["bad-formula"].line == 5  # header is line 1
    assert "'Xx' is not an element" in rejected["bad-formula"].reason
    assert "no energy" in rejected["no-energy"].reason
    assert "nan" in rejected["nan-energy"].reason
    assert "'abc' is not a number" in rejected["not-a-number"].reason
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
