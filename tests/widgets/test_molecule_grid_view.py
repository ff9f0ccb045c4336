"""MoleculeGridView state without a browser: paging, sort, filter, selection, static HTML."""

from __future__ import annotations

import pytest

pytest.importorskip("rdkit")
pytest.importorskip("anywidget")

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import descriptors, mol_to_svg, read_molecules
from ai4s_lab.widgets import MoleculeGridView

SMILES = ["CCO", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "CCN", "c1ccc2ccccc2c1", "CCCCCCCC", "O=C=O"]


def _grid(**kwargs: object) -> MoleculeGridView:
    library = read_molecules(SMILES, standardize=False)
    table = library.data.join(descriptors(library.mols, ["MW", "logP"]))
    return MoleculeGridView(library.mols, table, page_size=3, columns=["id", "MW"], **kwargs)


def test_paging_sorting_filtering() -> None:
    grid = _grid()
    assert grid.n_pages == 3 and grid.n_rows == 7
    assert [c["row"] for c in grid.cells] == [0, 1, 2]
    assert all(c["svg"].lstrip().startswith("<svg") for c in grid.cells)
    grid.page = 2
    assert [c["row"] for c in grid.cells] == [6]
    grid.sort_by, grid.ascending = "MW", False
    heaviest = grid.data["MW"].idxmax()
    assert grid.page == 0 and grid.cells[0]["row"] == heaviest
    grid.filter = "MW < 50"
    assert grid.n_rows == 3 and {c["row"] for c in grid.cells} == {
        0,
        3,
        6,
    }  # ethanol, ethylamine, CO2
    grid.filter = "MW <"  # a bad filter shows every row, not the last good filter's
    assert "filter" in grid.error and grid.n_rows == 7


def test_selection_reaches_python_and_html_fallback() -> None:
    grid = _grid(query="c1ccccc1")
    grid.selected_rows = [1, 4]  # what a click in the browser sends back
    assert grid.selection == [1, 4]
    assert list(grid.selected["id"]) == ["2", "5"]
    assert grid.cells[1]["selected"]
    page = grid.to_html()
    assert page.count("<svg") == 3 and "#d62728" in page
    bundle = grid._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "<svg" in data["text/html"]
    with pytest.raises(InputError, match="outside"):
        grid.select([99])
    with pytest.raises(InputError, match="not in the data"):
        MoleculeGridView(read_molecules(SMILES).mols, columns=["nope"])


def test_failed_parses_and_bad_settings_are_typed_errors() -> None:
    from rdkit import Chem

    mols = [Chem.MolFromSmiles("CCO"), None, Chem.MolFromSmiles("c1ccccc1")]
    with pytest.raises(InputError, match=r"mols\[1\] is NoneType"):
        MoleculeGridView(mols)
    with pytest.raises(InputError, match=r"query: cannot parse SMILES 'C1CC'"):
        MoleculeGridView(mols[::2], query="C1CC")
    with pytest.raises(InputError, match="page_size=0"):
        MoleculeGridView(mols[::2], page_size=0)
    grid = MoleculeGridView(["CCO", "c1ccccc1O"], query="c1ccccc1")
    assert [Chem.MolToSmiles(m) for m in grid.mols] == ["CCO", "Oc1ccccc1"]
    phenol = Chem.MolFromSmiles("c1ccccc1O")
    assert grid.cells[1]["svg"] == mol_to_svg(
        phenol, highlight_atoms=list(phenol.GetSubstructMatch(Chem.MolFromSmiles("c1ccccc1")))
    )
    with pytest.raises(InputError, match="page_size=0"):
        grid.page_size = 0


def test_a_column_of_numbers_and_text_sorts_as_text() -> None:
    import pandas as pd

    library = read_molecules(SMILES[:4], standardize=False)
    table = library.data.assign(IC50=pd.Series([5.2, ">10", "n/a", 7], dtype=object))
    grid = MoleculeGridView(library.mols, table, page_size=4)
    grid.sort_by = "IC50"
    assert grid.error == ""
    assert [c["row"] for c in grid.cells] == [0, 3, 1, 2]  # "5.2" < "7" < ">10" < "n/a"


def test_a_page_of_large_molecules_stays_within_its_highlight_budget(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """FindMCS may take its timeout per molecule: once a page has spent MCS_PAGE_BUDGET, the
    rest is drawn without highlights (and tried again on the next visit)."""
    import time

    from ai4s_lab.widgets import molecule_grid_view

    calls: list[int] = []

    def slow_mcs(query, mol, timeout):  # type: ignore[no-untyped-def]
        calls.append(timeout)
        time.sleep(0.05)
        return [0]

    monkeypatch.setattr("ai4s_lab.molecules.shared_substructure", slow_mcs)
    monkeypatch.setattr(molecule_grid_view, "MCS_PAGE_BUDGET", 0.12)
    library = read_molecules(SMILES, standardize=False)
    grid = MoleculeGridView(library.mols, library.data, page_size=7, query="c1ccccc1")
    calls.clear()
    grid._highlight_cache.clear()
    grid._refresh()
    assert 2 <= len(calls) <= 4 and set(calls) == {1}  # 0.05 s each, 0.12 s budget
    first_visit = len(grid._highlight_cache)
    assert first_visit == len(calls) < len(grid.cells) == 7
    grid._refresh()  # the next visit goes on where the budget stopped
    assert len(grid._highlight_cache) > first_visit


def test_a_bad_filter_shows_every_row_and_hints_at_backticks() -> None:
    library = read_molecules(SMILES, standardize=False)
    table = library.data.join(
        descriptors(library.mols, ["MW"]).rename(columns={"MW": "Molecular Weight"})
    )
    grid = MoleculeGridView(library.mols, table, page_size=3)
    grid.filter = "`Molecular Weight` < 50"
    assert grid.error == "" and grid.n_rows == 3
    grid.filter = "Molecular Weight > 100"  # pandas needs the backticks
    assert "backticks" in grid.error and "`Molecular Weight`" in grid.error
    assert grid.n_rows == 7 and grid.n_pages == 3  # not the previous filter's 3 rows
    assert [c["row"] for c in grid.cells] == [0, 1, 2]
    grid.sort_by = "nope"
    grid.filter = "`Molecular Weight` > 100"  # a good filter applies despite a bad sort
    assert grid.n_rows == 3 and "no column 'nope'" in grid.error and "filter" not in grid.error
