"""CSV files with one column of amounts per element, as pymatgen's ``EntrySet.to_csv`` writes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning
from ai4s_lab.materials import Composition, PhaseDiagram, load_entries

pmg_core = pytest.importorskip("pymatgen.core", reason="pymatgen is the test oracle")
pmg_pd = pytest.importorskip("pymatgen.analysis.phase_diagram")
pmg_tools = pytest.importorskip("pymatgen.entries.entry_tools")


def test_pymatgen_entry_set_csv_reads_the_cell_not_the_reduced_name(
    shared_data: Path, tmp_path: Path
) -> None:
    """``Name,Li,Fe,O,Energy``: the name is the reduced formula (Fe2O3) while the energy is
    that of the cell in the element columns (Fe4O6); reading the name as the composition put
    every such entry at twice its energy per atom."""
    records = json.loads(gzip.decompress((shared_data / "materials" / "li-fe-o-entries.json.gz")
                                         .read_bytes()))  # fmt: skip
    written = [
        pmg_pd.PDEntry(pmg_core.Composition(r["composition"]), r["energy"], name=r["name"])
        for r in records
    ]
    path = tmp_path / "entries.csv"
    pmg_tools.EntrySet(written).to_csv(str(path))
    theirs = list(pmg_tools.EntrySet.from_csv(str(path)))  # the oracle reads its own file
    loaded = load_entries(path)
    assert not loaded.rejected
    diagram, reference = PhaseDiagram(loaded), pmg_pd.PhaseDiagram(theirs)
    # an EntrySet is a set: match rows by (cell, energy), which duplicates share
    ours = {_key(dict(e.composition), e.energy): e for e in loaded}
    expected = {_key({str(el): n for el, n in e.composition.items()}, e.energy): e for e in theirs}
    assert sorted(ours) == sorted(expected)
    for row, entry in ours.items():
        their = expected[row]
        assert diagram.e_above_hull(entry) == pytest.approx(
            reference.get_e_above_hull(their), abs=1e-8
        )
    assert {e.name for e in diagram.stable_entries} == {
        Composition({str(el): n for el, n in e.composition.items()}).reduced_formula
        for e in reference.stable_entries
    }


def _key(amounts: dict[str, float], energy: float) -> tuple[tuple[tuple[str, float], ...], float]:
    return tuple(sorted(amounts.items())), round(energy, 8)


def test_element_columns_take_empty_cells_as_zero_and_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text("Name;Li;O;Energy\nLi;1;;-1,9\nO2;;2;-9,8\nLi2O2 cell;4;4;-39,0\n")
    loaded = load_entries(path)
    assert [(e.composition.formula, e.energy, e.entry_id) for e in loaded] == [
        ("Li", -1.9, "Li"), ("O2", -9.8, "O2"), ("Li4O4", -39.0, "Li2O2 cell"),
    ]  # fmt: skip
    assert all(e.attributes == {} for e in loaded)


def test_a_column_named_like_an_element_that_holds_something_else_is_refused(
    tmp_path: Path,
) -> None:
    """``V`` for a volume (Å^3) must not be read as vanadium: names that are formulas of other
    elements make it an attribute; a name of the columns' elements but other fractions than
    the amounts refuses the row, naming both."""
    path = tmp_path / "entries.csv"
    path.write_text("name,energy,V\nLi2O,-14.3,24.6\nLi,-1.9,20.1\n")
    loaded = load_entries(path)
    assert [(e.composition.formula, e.attributes) for e in loaded] == [
        ("Li2O", {"v": "24.6"}), ("Li", {"v": "20.1"}),
    ]  # fmt: skip
    path.write_text("Name,Li,O,Energy\nLi,1,0,-1.9\nLi2O,2,2,-20.0\nO2,0,2,-9.8\n")
    with pytest.warns(Ai4sWarning, match=r"1 of 3 rows.*row 3 \(Li2O\)") as caught:
        loaded = load_entries(path)
    assert [e.entry_id for e in loaded] == ["Li", "O2"]
    assert "give {'Li': '2', 'O': '2'}; rename a column" in str(caught[0].message)
    # with a formula column, element-named columns stay attributes
    path.write_text("formula,energy,V\nLi2O,-14.3,24.6\n")
    (entry,) = load_entries(path)
    assert entry.composition.formula == "Li2O" and entry.attributes == {"v": "24.6"}
    assert np.isclose(entry.energy, -14.3)
