"""Parameter sets of a sweep: a grid (every combination) from YAML, or a list from CSV."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines.parameters import load_yaml_mapping, parse_value

__all__ = ["expand_grid", "read_grid", "read_list"]


def expand_grid(grid: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every combination of a grid, in order (the last name varies fastest).

    Parameters
    ----------
    grid
        Parameter name -> list of values; a scalar is a fixed value for every run.

    Examples
    --------
    >>> expand_grid({"n": [32, 64], "nu": 0.1})
    [{'n': 32, 'nu': 0.1}, {'n': 64, 'nu': 0.1}]
    """
    if not grid:
        raise ParameterError("the sweep grid is empty; give at least one parameter with values")
    names = list(grid)
    axes = []
    for name in names:
        values = grid[name]
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if not values:
            raise ParameterError(
                f"grid parameter {name!r} has an empty list of values; give at least one value"
            )
        axes.append(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]


def read_grid(path: str | Path) -> list[dict[str, Any]]:
    """Read a YAML grid file (``name: [v1, v2]`` a line) and expand it."""
    file = Path(path)
    content = load_yaml_mapping(file, what="grid file", option="--grid", example="name: [v1, v2]")
    if not content:
        raise DataFileError(file, "the grid is empty", hint="write one 'name: [v1, v2]' a line")
    try:
        return expand_grid(content)
    except ParameterError as err:
        raise DataFileError(file, str(err)) from err


def read_list(path: str | Path) -> list[dict[str, Any]]:
    """Read a CSV file of parameter sets: a header of names, one run a row.

    Cells are parsed like ``-p`` values (YAML scalars); an empty cell leaves that parameter at
    the notebook's default for that row.
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileError(file, "parameter list not found", hint="check the path given to --list")
    try:
        with open(file, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            names = reader.fieldnames or []
            sets = []
            for line, row in enumerate(reader, start=2):
                if None in row:
                    raise DataFileError(file, "more cells than header names", line=line)
                sets.append(
                    {
                        name.strip(): parse_value(text, name=name)
                        for name, text in row.items()
                        if text is not None and text.strip() != ""
                    }
                )
    except UnicodeDecodeError as err:
        raise DataFileError(file, "not a text file", hint="give a CSV file") from err
    except ParameterError as err:
        raise DataFileError(file, str(err)) from err
    if not names:
        raise DataFileError(file, "no header line", hint="the first line names the parameters")
    if not sets:
        raise DataFileError(file, "no parameter sets", hint="add one row a run under the header")
    return sets
