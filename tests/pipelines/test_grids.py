"""Parameter sets from grids and CSV lists, as a user writes them (no kernel starts here)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines import Sweep, expand_grid, read_list
from tests.conftest import make_notebook


def test_every_iterable_is_an_axis_of_the_grid() -> None:
    grid = {"n": range(3), "nu": np.logspace(-3, -1, 3), "shape": (8, 16), "opts": {"a": 1}}
    sets = expand_grid(grid)
    expected = list(itertools.product(range(3), np.logspace(-3, -1, 3), (8, 16)))
    assert len(sets) == 3 * 3 * 2
    assert [(s["n"], s["nu"], s["shape"]) for s in sets] == expected
    assert all(s["opts"] == {"a": 1} for s in sets)  # a dict is one value
    assert expand_grid({"sizes": [[32, 64]]}) == [{"sizes": [32, 64]}]


def test_a_set_is_refused_as_a_grid_axis() -> None:
    with pytest.raises(ParameterError, match="grid parameter 'n': a set has no order"):
        expand_grid({"n": {1, 2}})


def test_numpy_values_of_a_grid_reach_the_sweep_as_numbers(tmp_path: Path) -> None:
    notebook = make_notebook(tmp_path / "nb.ipynb", ["y = n * nu"], parameters="n = 1\nnu = 0.1")
    sweep = Sweep(notebook, expand_grid({"n": np.arange(1, 3), "nu": np.float32(0.5)}),
                  output_dir=tmp_path / "out", progress=False)  # fmt: skip
    assert [t["parameters"] for t in sweep.tasks()] == [{"n": 1, "nu": 0.5}, {"n": 2, "nu": 0.5}]
    assert all(type(t["parameters"]["n"]) is int for t in sweep.tasks())


def test_a_spreadsheet_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    table = tmp_path / "excel.csv"
    table.write_bytes("\ufeffn,label\r\n16,a\r\n\r\n32,b\r\n".encode())
    assert read_list(table) == [{"n": 16, "label": "a"}, {"n": 32, "label": "b"}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("n,n\n1,2\n", "line 1: header names \\['n'\\] appear more than once"),
        ("n,grid size\n1,2\n", "line 1: header names \\['grid size'\\] are not valid"),
        ("n,\n1,2\n", "line 1: header names \\[''\\] are not valid"),
        ("n\n1\n\n'unclosed\n", "line 4: parameter 'n'"),  # blank line 3 counted
        ("n,nu,label\n1,0.1,a\n2,0.2\n", "line 3: fewer cells than header names"),
    ],
)
def test_bad_csv_lists_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    table = tmp_path / "list.csv"
    table.write_text(content)
    with pytest.raises(DataFileError, match=message):
        read_list(table)
