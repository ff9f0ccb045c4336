"""Parameter sets of a sweep: a grid (every combination) from YAML, or a list from CSV."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines.parameters import load_yaml_mapping, parse_value

__all__ = ["expand_grid", "read_grid", "read_list"]

_SHORT_ROW: Any = object()  # the value csv gives the cells missing from a short row


def expand_grid(grid: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every combination of a grid, in order (the last name varies fastest).

    Parameters
    ----------
    grid
        Parameter name -> values: a list, tuple, ``range``, numpy array or other iterable
        (one run per item); a scalar (number, string, None, dict) is a fixed value for every
        run. To give one list-valued parameter, wrap it: ``{"sizes": [[32, 64]]}``.

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
        values = _axis(grid[name], name)
        if not values:
            raise ParameterError(
                f"grid parameter {name!r} has an empty list of values; give at least one value"
            )
        axes.append(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]


def _axis(values: Any, name: str) -> list[Any]:
    """The values of one grid axis."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        return [values]
    if isinstance(values, (set, frozenset)):
        raise ParameterError(
            f"grid parameter {name!r}: a set has no order, so the runs would come in a random "
            "order; give a list (e.g. sorted(values))"
        )
    if getattr(values, "ndim", 1) == 0:  # a numpy 0-d array is one value
        return [values]
    return list(values)


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
    the notebook's default for that row; a row with fewer cells than the header is an error
    (a cut line would otherwise run with defaults). A byte-order mark (as spreadsheet programs
    write) is ignored; header names must be distinct Python identifiers.
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileError(file, "parameter list not found", hint="check the path given to --list")
    try:
        with open(file, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle, restval=_SHORT_ROW)
            names = reader.fieldnames or []
            _check_header(file, names)
            sets = []
            for row in reader:
                line = reader.line_num  # the file's line, blank lines counted
                if None in row:
                    raise DataFileError(file, "more cells than header names", line=line)
                if any(text is _SHORT_ROW for text in row.values()):
                    raise DataFileError(
                        file,
                        "fewer cells than header names",
                        line=line,
                        hint="leave a cell empty (a,,c) to keep the notebook's default",
                    )
                try:
                    sets.append(
                        {
                            name.strip(): parse_value(text, name=name.strip())
                            for name, text in row.items()
                            if text is not None and text.strip() != ""
                        }
                    )
                except ParameterError as err:
                    raise DataFileError(file, str(err), line=line) from err
    except UnicodeDecodeError as err:
        raise DataFileError(file, "not a text file", hint="give a CSV file") from err
    if not sets:
        raise DataFileError(file, "no parameter sets", hint="add one row a run under the header")
    return sets


def _check_header(file: Path, names: Sequence[str]) -> None:
    """A header of distinct parameter names (each a Python identifier)."""
    if not names:
        raise DataFileError(file, "no header line", hint="the first line names the parameters")
    stripped = [name.strip() for name in names]
    bad = [name for name in stripped if not name.isidentifier()]
    if bad:
        raise DataFileError(
            file,
            f"header names {bad!r} are not valid parameter names",
            line=1,
            hint="name each column after a variable of the notebook's parameters cell",
        )
    repeated = sorted({name for name in stripped if stripped.count(name) > 1})
    if repeated:
        raise DataFileError(
            file,
            f"header names {repeated!r} appear more than once",
            line=1,
            hint="give each parameter one column",
        )
