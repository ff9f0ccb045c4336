"""Notebook parameters: parse them from the command line or a YAML file, and check them against
the notebook's ``parameters`` cell before a kernel starts.

Values are parsed as YAML (``yaml.safe_load``), never evaluated as Python: ``-p n 64`` gives the
integer 64, ``-p device cuda`` the string ``"cuda"``, ``-p sizes "[32, 64]"`` a list.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ai4s_lab.errors import DataFileError, ParameterError

__all__ = [
    "NotebookParameter",
    "check_parameters",
    "load_yaml_mapping",
    "notebook_parameters",
    "parse_cli_parameters",
    "parse_value",
    "read_parameter_file",
]

_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

# papermill's inferred type names -> Python types a value may have
_COMPATIBLE: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "str": (str,),
    "list": (list,),
    "dict": (dict,),
    "tuple": (list, tuple),
}


class NotebookParameter(dict[str, Any]):
    """One entry of a notebook's ``parameters`` cell: ``name``, ``inferred_type_name``,
    ``default`` (source text) and ``help`` (the trailing comment)."""


def parse_value(text: str, *, name: str = "value") -> Any:
    """Parse one parameter value as a YAML scalar or flow collection.

    Parameters
    ----------
    text
        The text after the parameter name, e.g. ``"64"``, ``"1e-3"``, ``"cuda"``, ``"[1, 2]"``.
    name
        The parameter name, for the error message.

    Returns
    -------
    The parsed value: int, float, bool, str, None, list or dict.
    """
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ParameterError(
            f"parameter {name!r}: the value {text!r} is not valid YAML ({_first_line(err)}); "
            "quote strings that contain ':' or '#'"
        ) from err
    # YAML 1.1 reads an unquoted "1e-3" as a string; read plain float syntax as a number.
    if isinstance(value, str) and _FLOAT.match(text.strip()):
        return float(value)
    return value


def parse_cli_parameters(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` pairs into a dict of parsed values (later pairs win)."""
    parsed: dict[str, Any] = {}
    for name, text in pairs:
        if not name.isidentifier():
            raise ParameterError(
                f"parameter name {name!r} is not a valid Python identifier; "
                "use the variable name from the notebook's parameters cell"
            )
        parsed[name] = parse_value(text, name=name)
    return parsed


def load_yaml_mapping(path: str | Path, *, what: str, option: str, example: str) -> dict[str, Any]:
    """Read a YAML (or JSON) file that must hold a mapping; an empty file gives ``{}``.

    Parameters
    ----------
    path
        The file.
    what, option, example
        For messages: what the file is ("parameter file"), the command-line option that names it
        ("-f") and an example line ("name: value").
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileError(file, f"{what} not found", hint=f"check the path given to {option}")
    try:
        content = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(
            file, f"not valid YAML: {_first_line(err)}", line=line, hint="fix the YAML syntax"
        ) from err
    except UnicodeDecodeError as err:
        raise DataFileError(file, "not a text file", hint=f"give a YAML {what}") from err
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise DataFileError(
            file,
            f"expected a mapping of parameter names to values, found a {type(content).__name__}",
            hint=f"write one '{example}' a line",
        )
    return content


def read_parameter_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML (or JSON) file that maps parameter names to values."""
    file = Path(path)
    content = load_yaml_mapping(file, what="parameter file", option="-f", example="name: value")
    bad = [key for key in content if not (isinstance(key, str) and key.isidentifier())]
    if bad:
        raise DataFileError(file, f"keys {bad!r} are not valid parameter names")
    return dict(content)


def notebook_parameters(notebook: str | Path) -> dict[str, NotebookParameter]:
    """The parameters declared in a notebook's cell tagged ``parameters``.

    Returns an empty dict for a notebook without such a cell. The cell is read with Python's own
    parser; papermill's line-based reader skips any line holding two ``=`` (a SMILES default with
    a double bond, ``"CC(=O)O"``), and is used only for a cell that is not valid Python.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    cell = next(
        (
            c
            for c in nb.cells
            if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
        ),
        None,
    )
    if cell is None:
        return {}
    parsed = _assignments(cell.source)
    if parsed is None:
        import papermill

        parsed = [
            NotebookParameter(info) for info in papermill.inspect_notebook(str(notebook)).values()
        ]
    declared = {}
    for entry in parsed:
        if entry.get("inferred_type_name", "None") == "None":
            # annotations give a type; literal defaults give one too
            entry["inferred_type_name"] = _literal_type(entry.get("default"))
        declared[entry["name"]] = entry
    return declared


def _assignments(source: str) -> list[NotebookParameter] | None:
    """``name = value`` / ``name: type = value`` statements of a cell (None if not Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = source.splitlines()
    found = []
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation = node.targets[0].id, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            name, annotation = node.target.id, ast.get_source_segment(source, node.annotation)
        else:
            continue
        assert node.value is not None and node.end_lineno is not None
        assert node.end_col_offset is not None
        tail = lines[node.end_lineno - 1][node.end_col_offset :]
        found.append(
            NotebookParameter(
                name=name,
                inferred_type_name=annotation or "None",
                default=ast.get_source_segment(source, node.value) or "",
                help=tail.split("#", 1)[1].strip() if "#" in tail else "",
            )
        )
    return found


def check_parameters(
    notebook: str | Path,
    values: Mapping[str, Any],
    declared: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Check names and types of ``values`` against the notebook's parameters cell.

    Raises
    ------
    ParameterError
        For a name the notebook does not declare (listing the declared ones), or a value whose
        type does not fit the declared default (an int for a float is fine; anything goes for a
        ``None`` default or an untyped parameter).
    """
    if declared is None:
        declared = notebook_parameters(notebook)
    label = Path(notebook).name
    if values and not declared:
        raise ParameterError(
            f"{label} has no cell tagged 'parameters', so it takes no parameters "
            f"(got {', '.join(sorted(values))}); tag its first code cell 'parameters'"
        )
    for name, value in values.items():
        if name not in declared:
            known = ", ".join(sorted(declared))
            raise ParameterError(f"{label} has no parameter {name!r}; its parameters are: {known}")
        type_name = str(declared[name].get("inferred_type_name", "None"))
        base = type_name.split("[")[0].strip().lower()
        allowed = _COMPATIBLE.get(base)
        if allowed is None or value is None:
            continue
        ok = isinstance(value, allowed) and not (
            base in ("int", "float") and isinstance(value, bool)
        )
        if not ok:
            default = declared[name].get("default")
            raise ParameterError(
                f"{label}: parameter {name!r} expects {base} (default {default}), "
                f"got {value!r} of type {type(value).__name__}"
            )


def _literal_type(default: object) -> str:
    """Type name of a literal default (``"64"`` -> ``"int"``); ``"None"`` for anything else."""
    if not isinstance(default, str):
        return "None"
    try:
        value = ast.literal_eval(default)  # literals only: never runs code
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return "None"
    if value is None:
        return "None"
    return type(value).__name__


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
