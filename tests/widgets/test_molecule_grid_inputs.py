"""MoleculeGridView: boolean masks, a meaningful index, pages below zero, NumPy page sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("anywidget")

from ai4s_lab.errors import InputError
from ai4s_lab.molecules import read_molecules
from ai4s_lab.widgets import MoleculeGridView

SMILES = ["CCO", "c1ccccc1O", "CCN", "CCCCCCCC", "O=C=O"]


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {"Compound ID": ["a", "b", "c", "d", "e"], "logS": [0.5, -1.0, 1.2, -3.0, 0.1]}
    )


def test_a_boolean_mask_selects_its_true_rows() -> None:
    table = _table()
    grid = MoleculeGridView(read_molecules(SMILES).mols, table, page_size=np.int64(5))
    assert grid.page_size == 5
    grid.select(table.logS > 0)
    assert grid.selection == list(np.flatnonzero(table.logS.to_numpy() > 0))  # oracle
    grid.select(np.array([True, False, False, False, False]))
    assert grid.selection == [0]
    with pytest.raises(InputError, match="mask of shape"):
        grid.select([True, False])
    with pytest.raises(InputError, match="not row numbers"):
        grid.select(["3"])  # type: ignore[list-item]


def test_a_meaningful_index_is_kept_as_a_column() -> None:
    table = _table().set_index("Compound ID")
    grid = MoleculeGridView(read_molecules(SMILES).mols, table)
    assert list(grid.data["Compound ID"]) == list(table.index)
    assert list(grid.data.index) == list(range(5))
    plain = MoleculeGridView(read_molecules(SMILES).mols, _table())
    assert list(plain.data.columns) == ["Compound ID", "logS"]
    kept = _table().iloc[[4, 2, 0]]  # a filtered frame keeps row numbers, not labels
    filtered = MoleculeGridView(read_molecules([SMILES[i] for i in (4, 2, 0)]).mols, kept)
    assert list(filtered.data.columns) == ["Compound ID", "logS"]


def test_a_page_below_zero_is_the_first_page() -> None:
    grid = MoleculeGridView(read_molecules(SMILES).mols, _table(), page_size=2)
    grid.page = 2
    grid.page = -1
    assert grid.page == 0 and [c["row"] for c in grid.cells] == [0, 1]


def test_a_table_with_number_column_labels_is_shown_and_sorted() -> None:
    values = np.array([[3.0, 10.0], [1.0, 20.0], [2.0, 30.0], [5.0, 40.0], [4.0, 50.0]])
    table = pd.DataFrame(values)  # columns 0 and 1, as a table of a NumPy array has
    grid = MoleculeGridView(SMILES, table)
    assert grid.columns == ["0", "1"]
    assert [cell["values"]["1"] for cell in grid.cells] == [f"{v:.3g}" for v in values[:, 1]]
    grid.sort_by = "0"
    assert grid.error == ""
    assert [cell["row"] for cell in grid.cells] == list(np.argsort(values[:, 0]))  # oracle
    chosen = MoleculeGridView(SMILES, table, columns=[1])
    assert list(chosen.cells[0]["values"]) == ["1"]
