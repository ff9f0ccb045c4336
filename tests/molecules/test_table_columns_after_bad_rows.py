"""Columns of a table file whose only text values were in bad rows are numbers, as pandas reads
the good rows alone (the oracle), so that sorting and arithmetic work."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ai4s_lab.molecules import read_molecules

HEADER = "smiles,name,pIC50,cas\n"
GOOD = ["CCO,ethanol,5.1,64-17-5\n", "c1ccccc1O,phenol,10.2,108-95-2\n", "CC(=O)O,acid,,64-19-7\n"]
BAD = ["C1CC,unclosed,7 nM,\n", "CCN,amine,6.0,75-04-7,extra field\n"]


def test_numbers_of_good_rows_are_numbers(tmp_path: Path) -> None:
    path = tmp_path / "lib.csv"
    path.write_text(HEADER + GOOD[0] + BAD[0] + GOOD[1] + BAD[1] + GOOD[2])
    result = read_molecules(path, standardize=False)
    assert list(result.data["name"]) == ["ethanol", "phenol", "acid"]
    assert sorted(result.errors["row"]) == [2, 4]
    oracle = pd.read_csv(io.StringIO(HEADER + "".join(GOOD)))
    assert result.data["pIC50"].dtype == oracle["pIC50"].dtype == "float64"
    pd.testing.assert_series_equal(
        result.data["pIC50"], oracle["pIC50"], check_names=False, check_index=False
    )
    # sorted as numbers: 10.2 above 5.1 (as text "10.2" < "5.1")
    assert list(result.data.sort_values("pIC50", ascending=False)["name"])[:2] == [
        "phenol",
        "ethanol",
    ]
    assert list(result.data["cas"]) == list(oracle["cas"])  # text stays text
