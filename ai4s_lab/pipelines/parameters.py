"""Notebook parameters: parse them from the command line or a YAML file, and check them against
the notebook's ``parameters`` cell before a kernel starts.

Values are parsed as YAML, never evaluated as Python: ``-p n 64`` gives the integer 64,
``-p device cuda`` the string ``"cuda"``, ``-p sizes "[32, 64]"`` a list. Plain scalars follow
the YAML 1.2 core schema, not PyYAML's YAML 1.1: ``010`` is 10 (not octal 8), ``no``/``on`` are
strings (only ``true``/``false`` are booleans), ``1:30`` and ``2024-01-01`` stay strings (not
sexagesimal 90 or a date).
"""

from __future__ import annotations

import ast
import datetime
import logging
import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ai4s_lab.errors import DataFileError, ParameterError

__all__ = [
    "NotebookParameter",
    "check_notebook_file",
    "check_parameters",
    "injected_parameters",
    "load_yaml_mapping",
    "normalize_parameters",
    "notebook_parameters",
    "parse_cli_parameters",
    "parse_value",
    "read_declared_parameters",
    "read_parameter_file",
]

logger = logging.getLogger(__name__)

#: The tag of the cell papermill writes a run's values into, and of the cell it reads defaults
#: from.
INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"

_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class _CoreSchemaLoader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema for plain scalars.

    PyYAML implements YAML 1.1, where ``010`` is octal 8, ``1:30`` is 90 (base 60), ``no``/``on``
    are booleans and ``2024-01-01`` is a date: parameter values a user types would silently
    change. The core schema (YAML 1.2.2, section 10.3.2) keeps them as written.
    """


_CoreSchemaLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag.rsplit(":", 1)[-1] not in ("bool", "int", "float", "timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CORE_SCALARS = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9](?:_?[0-9])*|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$",
        "-+.0123456789",
    ),
)
for _tag, _pattern, _first in _CORE_SCALARS:
    _CoreSchemaLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first)
    )


def _construct_core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)  # "010" is ten: YAML 1.2 has no implicit octal; "1_000" as in Python


def _construct_core_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text == ".nan":
        return math.nan
    return float(text)


_CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)
_CoreSchemaLoader.add_constructor("tag:yaml.org,2002:float", _construct_core_float)


def yaml_load(text: str) -> Any:
    """Parse YAML text with the core schema (see the module docstring); raises yaml.YAMLError."""
    return yaml.load(text, Loader=_CoreSchemaLoader)  # a SafeLoader subclass: safe


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
        value = yaml_load(text)
    except yaml.YAMLError as err:
        raise ParameterError(
            f"parameter {name!r}: the value {text!r} is not valid YAML ({_first_line(err)}); "
            "quote strings that contain ':' or '#'"
        ) from err
    # YAML 1.1 reads an unquoted "1e-3" as a string; read plain float syntax as a number.
    if isinstance(value, str) and _FLOAT.match(text.strip()):
        return float(value)
    # YAML reads an empty value and a comment ("#x") as null: -p label '' is the empty string,
    # -p tag '#3' the text; null itself is written null or ~.
    if value is None and text.strip() not in _NULLS:
        return text
    # YAML folds the lines of plain text into one ("a\nb" -> "a b"): text of several lines
    # ("$(cat notes.txt)", a multi-line CSV cell) arrives as written.
    if isinstance(value, str) and "\n" in text.strip() and _is_plain_scalar(text):
        return text
    return value


_NULLS = ("null", "Null", "NULL", "~")


def _is_plain_scalar(text: str) -> bool:
    """Whether YAML reads ``text`` as one unquoted scalar (not quoted, a block or a list)."""
    node = yaml.compose(text, Loader=_CoreSchemaLoader)  # a SafeLoader subclass: safe
    return isinstance(node, yaml.ScalarNode) and node.style is None


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


def normalize_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values a notebook can receive as what they are: plain Python literals.

    papermill writes parameters into the notebook as Python source and turns any type it does
    not know into a *string*: a tuple ``(64, 64)`` would arrive as ``"(64, 64)"``, a
    ``numpy.int64(3)`` as ``"3"``. Here tuples become lists, numpy and torch scalars become
    Python numbers, arrays become (nested) lists, paths become strings and dates ISO 8601
    strings; anything else is refused.

    Parameters
    ----------
    values
        Parameter name -> value.

    Returns
    -------
    dict
        A new dict of ``None``, bool, int, float, str, list and dict (with str keys) values.

    Raises
    ------
    ParameterError
        For a value with no faithful literal (a set, an arbitrary object, a dict with non-str
        keys), naming the parameter.
    """
    return {name: _plain(value, str(name)) for name, value in values.items()}


def _plain(value: Any, name: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    module = type(value).__module__.split(".")[0]
    if module in ("numpy", "torch") and hasattr(value, "tolist"):
        return _plain(value.tolist(), name)  # scalar -> number, array -> nested lists
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item, name) for item in value]
    if isinstance(value, Mapping):
        bad = [key for key in value if not isinstance(key, str)]
        if bad:
            raise ParameterError(
                f"parameter {name!r}: dict keys must be strings (the notebook would receive "
                f"them as strings), got {bad[0]!r}; convert the keys with str()"
            )
        return {key: _plain(item, name) for key, item in value.items()}
    raise ParameterError(
        f"parameter {name!r}: a {type(value).__name__} cannot be passed to a notebook; "
        "give None, a bool, int, float, str, or a list or dict of those"
    )


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
        content = yaml_load(file.read_text(encoding="utf-8-sig"))
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

    Returns an empty dict for a notebook without such a cell, and for one whose first cell
    tagged ``parameters`` is not a code cell (a markdown heading): papermill writes the values
    after that first tagged cell, so the code that sets the parameters would undo them. The cell
    is read with Python's own parser, after IPython syntax (``%matplotlib inline``,
    ``!pip install ...``) is turned into the Python it stands for; papermill's line-based reader
    skips any line holding two ``=`` (a SMILES default with a double bond, ``"CC(=O)O"``), and
    is used only for a cell that is not valid IPython.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    found = _first_tagged(nb, PARAMETERS_TAG)
    if found is None or found[1].cell_type != "code":
        return {}
    cell = found[1]
    declared = {}
    with warnings.catch_warnings():
        # the kernel warns about the cell's code ("\d" in a string) when it runs it
        warnings.simplefilter("ignore", SyntaxWarning)
        parsed = _assignments(cell.source)
        if parsed is None:
            parsed = _papermill_assignments(nb, cell)
        for entry in parsed:
            if entry.get("inferred_type_name", "None") == "None":
                # annotations give a type; literal defaults give one too
                entry["inferred_type_name"] = _literal_type(entry.get("default"))
            declared[entry["name"]] = entry
    return declared


def _first_tagged(nb: Any, tag: str) -> tuple[int, Any] | None:
    """The index and cell of the first cell of ``nb`` tagged ``tag``, of any type, as papermill
    finds it; None where no cell has the tag."""
    for index, cell in enumerate(nb.cells):
        if tag in cell.get("metadata", {}).get("tags", []):
            return index, cell
    return None


def injected_parameters(notebook: str | Path) -> dict[str, Any]:
    """The values in a notebook's cell tagged ``injected-parameters``.

    An executed notebook (the ``.ipynb`` of an earlier run) holds the values that run was given,
    in a cell papermill wrote after the parameters cell. papermill runs that cell again when it
    is given no values, and replaces it when it is given some: run again with no values, the
    notebook gets these.

    Returns
    -------
    dict
        Name -> value; empty where there is no such cell, or where it assigns something that
        is not a literal (the run is then left as papermill runs it, and a warning says so).
    """
    import nbformat

    found = _first_tagged(nbformat.read(str(notebook), as_version=4), INJECTED_TAG)
    if found is None or found[1].cell_type != "code":
        return {}
    index, cell = found
    values: dict[str, Any] = {}
    try:
        for node in ast.parse(cell.source).body:
            names = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            if not isinstance(node, ast.Assign) or len(names) != len(node.targets):
                raise ValueError(f"line {node.lineno} is not 'name = value'")
            values.update(dict.fromkeys(names, _injected_value(node.value)))
    except (SyntaxError, ValueError) as err:
        logger.warning(
            "%s: cell %d (tagged %r, from an earlier run) runs as it is, but its values are "
            "not recorded (%s); pass the parameters with -p instead",
            Path(notebook).name, index, INJECTED_TAG, _first_line(err),
        )  # fmt: skip
        return {}
    return values


def _injected_value(node: ast.expr) -> Any:
    """A value as papermill writes it: a Python literal, or ``float('nan')`` and the infinities."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "float"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and str(node.args[0].value).lstrip("+-") in ("nan", "inf")
    ):
        return float(str(node.args[0].value))
    return ast.literal_eval(node)


def _papermill_assignments(nb: Any, cell: Any) -> list[NotebookParameter]:
    """The parameters papermill's line-based reader finds in ``cell`` of ``nb``."""
    from papermill.translators import papermill_translators

    # A notebook made without a kernelspec (nbformat.v4.new_notebook()) names no kernel,
    # which papermill's own inspect_notebook refuses: the runner's default kernel is read.
    spec = nb.metadata.get("kernelspec") or {}
    language = spec.get("language") or (nb.metadata.get("language_info") or {}).get("name")
    translator = papermill_translators.find_translator(
        spec.get("name") or "python3", language or "python"
    )
    return [NotebookParameter(info._asdict()) for info in translator.inspect(cell)]


def check_notebook_file(notebook: str | Path) -> Path:
    """``notebook`` as a path, refused unless it is an existing ``.ipynb`` file.

    Raises
    ------
    DataFileError
        For a folder, a missing file or a file that is not a ``.ipynb``.
    """
    source = Path(notebook)
    if source.is_dir():
        raise DataFileError(source, "is a folder, not a notebook", hint="give a .ipynb file")
    if not source.is_file():
        raise DataFileError(source, "notebook not found", hint="check the path")
    if source.suffix != ".ipynb":
        raise DataFileError(source, "not a notebook", hint="give a .ipynb file")
    return source


def read_declared_parameters(notebook: str | Path) -> dict[str, NotebookParameter]:
    """:func:`notebook_parameters`, with a file that cannot be read as a notebook (empty, not
    JSON, not a notebook's JSON) refused as a :class:`~ai4s_lab.errors.DataFileError`."""
    try:
        return notebook_parameters(notebook)
    except ParameterError:
        raise
    except Exception as err:  # nbformat raises several types for a corrupt notebook
        raise DataFileError(
            notebook, f"cannot be read as a notebook: {_first_line(err)}", hint="give a .ipynb file"
        ) from err


def _assignments(source: str) -> list[NotebookParameter] | None:
    """The names a cell assigns (None if it is neither Python nor IPython): ``name = value``,
    ``name: type = value``, ``a = b = value`` and ``a, b = 1, 2``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # IPython syntax (magics, shell escapes) as the Python the kernel runs, same lines
        from IPython.core.inputtransformer2 import TransformerManager

        try:
            source = TransformerManager().transform_cell(source)
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return None
    lines = source.splitlines()
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            pairs = [pair for target in node.targets for pair in _targets(target, node.value)]
            annotation = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            pairs = [(node.target.id, node.value)]
            annotation = ast.get_source_segment(source, node.annotation)
        else:
            continue
        assert node.end_lineno is not None and node.end_col_offset is not None
        tail = lines[node.end_lineno - 1][node.end_col_offset :]
        for name, value in pairs:
            default = ast.get_source_segment(source, value) if value is not None else None
            found.append(
                NotebookParameter(
                    name=name,
                    inferred_type_name=annotation or "None",
                    default=default or "",
                    help=tail.split("#", 1)[1].strip() if "#" in tail else "",
                )
            )
    return found


def _targets(target: ast.expr, value: ast.expr) -> list[tuple[str, ast.expr | None]]:
    """(name, value node) of each name an assignment target binds; the value is None where
    it is not written element by element (``a, b = f()``)."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, (ast.Tuple, ast.List)):
        parts = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
        if parts is None or len(parts) != len(target.elts):
            return [(e.id, None) for e in target.elts if isinstance(e, ast.Name)]
        return [
            pair
            for sub, part in zip(target.elts, parts, strict=True)
            for pair in _targets(sub, part)
        ]
    return []  # attribute or subscript targets bind no new name


def check_parameters(
    notebook: str | Path,
    values: Mapping[str, Any],
    declared: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Check names and types of ``values`` against the notebook's parameters cell.

    Parameters
    ----------
    notebook
        The notebook (named in messages; read when ``declared`` is not given).
    values
        Parameter name -> value, as :func:`normalize_parameters` returns them.
    declared
        The notebook's parameters (:func:`notebook_parameters`), if already read.

    Returns
    -------
    dict
        The values the notebook receives: ``values`` with an int given for a parameter whose
        default is a float turned into that float (``-p x 3`` against ``x = 0.5`` gives
        ``3.0``, so that ``x: [1, 1.0]`` in a grid is one run, not two).

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
        raise ParameterError(_takes_no_parameters(notebook, sorted(values)))
    checked = dict(values)
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
                f"got {value!r} of type {type(value).__name__}{_type_hint(name, base, value)}"
            )
        if base == "float" and isinstance(value, int):
            checked[name] = float(value)
    return checked


def _takes_no_parameters(notebook: str | Path, given: list[str]) -> str:
    """Why ``notebook`` takes none of the ``given`` parameters, and what to change."""
    import nbformat

    label = Path(notebook).name
    try:
        found = _first_tagged(nbformat.read(str(notebook), as_version=4), PARAMETERS_TAG)
    except (OSError, ValueError):  # only named here (declared given): say it plainly
        found = None
    if found is not None and found[1].cell_type != "code":
        index, cell = found
        return (
            f"{label}: its first cell tagged 'parameters' is cell {index}, a {cell.cell_type} "
            f"cell, so papermill would put the values (got {', '.join(given)}) after it, before "
            "the code that sets the parameters, which would undo them; remove the tag from "
            f"cell {index} and keep it on the code cell of parameters"
        )
    return (
        f"{label} has no cell tagged 'parameters', so it takes no parameters "
        f"(got {', '.join(given)}); tag its first code cell 'parameters'"
    )


def _type_hint(name: str, base: str, value: Any) -> str:
    """How to write the value a parameter of type ``base`` was likely meant to get."""
    if base == "str" and isinstance(value, (bool, int, float)):
        return f"; quote it to pass text, e.g. -p {name} \"'{value}'\""
    if base == "str" and isinstance(value, dict) and len(value) == 1:
        key, item = next(iter(value.items()))  # YAML read "a: b" as a mapping
        return f"; quote text holding ': ', e.g. -p {name} \"'{key}: {item}'\""
    if base == "float" and isinstance(value, str) and value.strip().lower().lstrip("+-") in (
        "nan", "inf", "infinity"
    ):  # fmt: skip
        sign = "-" if value.strip().startswith("-") else ""
        special = ".nan" if "nan" in value.lower() else f"{sign}.inf"
        return f"; YAML writes this number {special}, e.g. -p {name} {special}"
    return ""


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
