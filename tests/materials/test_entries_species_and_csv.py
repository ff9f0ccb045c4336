"""Entries with oxidation states (pymatgen species) and CSV files as spreadsheets and shells
write them: a delimiter at the end of each row, comments below the header, gzip without .gz."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import Ai4sWarning
from ai4s_lab.materials import Entry, PhaseDiagram, entries_from_pymatgen, load_entries

pmg_core = pytest.importorskip("pymatgen.core", reason="pymatgen is the test oracle")
pmg_entries = pytest.importorskip("pymatgen.entries.computed_entries")
pmg_pd = pytest.importorskip("pymatgen.analysis.phase_diagram")


def _pymatgen_entries() -> list[object]:
    """Li-Fe-O entries with oxidation states (Fe3O4 mixes Fe2+ and Fe3+), with corrections."""
    species = pmg_core.Species
    compositions = [
        ({species("Li", 0): 1}, -1.9, 0.0),
        ({species("Fe", 0): 1}, -8.3, 0.0),
        ({species("O", 0): 2}, -9.8, 0.0),
        ({species("Li", 1): 2, species("O", -2): 1}, -14.3, -0.7),
        ({species("Fe", 2): 1, species("Fe", 3): 2, species("O", -2): 4}, -52.0, -2.8),
        ({species("Li", 1): 1, species("Fe", 3): 1, species("O", -2): 2}, -24.0, -1.4),
    ]
    return [
        pmg_entries.ComputedEntry(pmg_core.Composition(c), e, correction=k, entry_id=f"e{i}")
        for i, (c, e, k) in enumerate(compositions)
    ]


def test_entries_with_oxidation_states_convert_to_their_elements() -> None:
    theirs = _pymatgen_entries()
    ours = entries_from_pymatgen(theirs)
    for mine, their in zip(ours, theirs, strict=True):
        elements = their.composition.element_composition  # type: ignore[attr-defined]
        assert dict(mine.composition) == pytest.approx(
            {str(el): float(n) for el, n in elements.items()}
        )
        assert mine.energy == pytest.approx(their.energy)  # type: ignore[attr-defined]
    # the diagram of the entries is pymatgen's diagram of their element compositions (pymatgen
    # has no terminal entries for species)
    plain = [
        pmg_entries.ComputedEntry(e.composition.element_composition, e.energy)  # type: ignore[attr-defined]
        for e in theirs
    ]
    diagram, reference = PhaseDiagram(theirs), pmg_pd.PhaseDiagram(plain)
    expected = [reference.get_e_above_hull(e) for e in plain]
    np.testing.assert_allclose(diagram.e_above_hull(), expected, atol=1e-9)


def test_as_dict_json_with_oxidation_states_loads(tmp_path: Path) -> None:
    theirs = _pymatgen_entries()
    path = tmp_path / "entries.json"
    path.write_text(json.dumps([e.as_dict() for e in theirs]))  # type: ignore[attr-defined]
    assert '"Fe3+"' in path.read_text()
    loaded = load_entries(path)
    assert not loaded.rejected
    for mine, their in zip(loaded, theirs, strict=True):
        elements = their.composition.element_composition  # type: ignore[attr-defined]
        assert dict(mine.composition) == pytest.approx(
            {str(el): float(n) for el, n in elements.items()}
        )
        assert mine.energy == pytest.approx(their.energy)  # type: ignore[attr-defined]


ROWS = [("Li", "-1.9"), ("O2", "-9.8"), ("Li2O", "-14.3"), ("Li2O2", "-19.5")]


def _as_written(loaded: object) -> list[tuple[str, float]]:
    return [(e.composition.formula, e.energy) for e in loaded]  # type: ignore[attr-defined]


def _expected() -> list[tuple[str, float]]:
    """The rows as Python's csv module reads them (the oracle)."""
    text = "composition,energy\n" + "".join(f"{c},{e}\n" for c, e in ROWS)
    rows = list(csv.DictReader(io.StringIO(text)))
    return [(Entry(r["composition"], 0.0).composition.formula, float(r["energy"])) for r in rows]


def test_a_delimiter_at_the_end_of_each_row_is_no_extra_value(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text("composition,energy\n" + "".join(f"{c},{e},\n" for c, e in ROWS))
    loaded = load_entries(path)
    assert _as_written(loaded) == _expected() and not loaded.rejected
    path.write_text("composition;energy\n" + "".join(f"{c};{e};;\n" for c, e in ROWS))
    assert _as_written(load_entries(path)) == _expected()
    path.write_text("composition,energy\nLi,-1.9,\nO2,-9.8,\nLi2O,-14.3,oops\n")
    with pytest.warns(Ai4sWarning, match=r"row 4 \(Li2O\): the row has 3 values"):
        assert len(load_entries(path)) == 2  # a value past the header's columns still counts


def test_comment_lines_below_the_header_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "commented.csv"
    lines = ["composition,energy", "# computed with PBE", *(f"{c},{e}" for c, e in ROWS[:2])]
    lines += ["  # Li-O compounds", *(f"{c},{e}" for c, e in ROWS[2:]), "Li2Xx,-3.0"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.warns(Ai4sWarning, match="1 of 5 rows") as caught:
        loaded = load_entries(path)
    assert _as_written(loaded) == _expected()
    assert [row.line for row in loaded.rejected] == [8]  # line numbers count the comments
    assert "Li2Xx" in str(caught[0].message)


def test_a_gzipped_file_without_gz_in_its_name_is_read(tmp_path: Path) -> None:
    text = "composition,energy\n" + "".join(f"{c},{e}\n" for c, e in ROWS)
    path = tmp_path / "entries.csv"
    path.write_bytes(gzip.compress(text.encode()))
    assert _as_written(load_entries(path)) == _expected()
    json_path = tmp_path / "entries.json"
    records = [{"composition": c, "energy": float(e)} for c, e in ROWS]
    json_path.write_bytes(gzip.compress(json.dumps(records).encode()))
    assert _as_written(load_entries(json_path)) == _expected()
