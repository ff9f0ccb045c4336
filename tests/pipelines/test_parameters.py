from __future__ import annotations

from pathlib import Path

import pytest

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines.parameters import (
    check_parameters,
    normalize_parameters,
    notebook_parameters,
    parse_cli_parameters,
    parse_value,
    read_parameter_file,
)
from tests.conftest import make_notebook

PARAMS = (
    'n = 64  # grid size\nrate = 0.5\nname = "x"\nflag = False\nsizes = [1, 2]\nanything = None'
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("64", 64),
        ("1e-3", 1e-3),
        ("-2.5", -2.5),
        ("true", True),
        ("cuda", "cuda"),
        ("'64'", "64"),
        ("[32, 64]", [32, 64]),
        ("{a: 1}", {"a": 1}),
        ("null", None),
        ("__import__('os').system('false')", "__import__('os').system('false')"),
    ],
)
def test_values_are_yaml_never_python(text: str, value: object) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize(
    "text", ["first line\nsecond line", "a\n\n  b\n", "title\n# not a comment"]
)
def test_text_of_several_lines_arrives_as_written(text: str) -> None:
    """YAML folds the lines of plain text into one: ``-p notes "$(cat notes.txt)"`` lost them."""
    assert parse_value(text) == text


def test_a_multiline_csv_cell_keeps_its_lines(tmp_path: Path) -> None:
    import csv

    from ai4s_lab.pipelines import read_list

    path = tmp_path / "sets.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["note", "n"], ["line one\nline two", "3"]])
    with open(path, newline="", encoding="utf-8") as handle:
        expected = next(csv.DictReader(handle))["note"]  # the cell as csv reads it
    assert read_list(path) == [{"note": expected, "n": 3}]


def test_yaml_lists_and_quoted_text_over_several_lines_stay_yaml() -> None:
    assert parse_value("[1,\n 2]") == [1, 2]
    assert parse_value("- a\n- b") == ["a", "b"]
    assert parse_value('"a\n  b"') == "a b"  # quoted: YAML's own folding, as asked for


def test_invalid_yaml_names_the_parameter() -> None:
    with pytest.raises(ParameterError, match="parameter 'sizes'"):
        parse_value("[1, 2", name="sizes")


def test_cli_pairs_later_wins_and_names_are_checked() -> None:
    assert parse_cli_parameters([("n", "1"), ("n", "2")]) == {"n": 2}
    with pytest.raises(ParameterError, match="'grid-size'"):
        parse_cli_parameters([("grid-size", "3")])


def test_parameter_file(tmp_path: Path) -> None:
    good = tmp_path / "p.yaml"
    good.write_text("n: 128\nrate: 0.25\n")
    assert read_parameter_file(good) == {"n": 128, "rate": 0.25}
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert read_parameter_file(empty) == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- 1\n- 2\n", "expected a mapping"),
        ("n: [1,\n", "not valid YAML"),
        ("1abc: 2\n", "not valid parameter names"),
    ],
)
def test_bad_parameter_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(DataFileError, match=message) as info:
        read_parameter_file(path)
    assert str(path) in str(info.value)


def test_missing_and_binary_parameter_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not found"):
        read_parameter_file(tmp_path / "nope.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(DataFileError):
        read_parameter_file(binary)


@pytest.fixture()
def notebook(tmp_path: Path) -> Path:
    return make_notebook(tmp_path / "nb.ipynb", ["print(n)"], parameters=PARAMS)


def test_declared_parameters_are_read(notebook: Path) -> None:
    declared = notebook_parameters(notebook)
    assert list(declared) == ["n", "rate", "name", "flag", "sizes", "anything"]
    assert declared["n"]["inferred_type_name"] == "int"
    assert declared["n"]["help"] == "grid size"


def test_values_with_equals_signs_and_several_lines_are_parameters(tmp_path: Path) -> None:
    """A SMILES default holds '=' (papermill's line reader skips such lines); a list may span
    lines; an annotation gives the type."""
    cell = (
        'query = "CC(=O)Nc1ccc(O)cc1"  # paracetamol\n'
        "cutoffs = [\n    0.5,\n    0.7,\n]  # Tanimoto\n"
        "steps: int = 10\n"
        "if False:\n    hidden = 1\n"
    )
    nb = make_notebook(tmp_path / "p.ipynb", ["print(query)"], parameters=cell)
    declared = notebook_parameters(nb)
    assert list(declared) == ["query", "cutoffs", "steps"]
    assert declared["query"]["default"] == '"CC(=O)Nc1ccc(O)cc1"'
    assert declared["query"]["help"] == "paracetamol"
    assert declared["cutoffs"]["help"] == "Tanimoto"
    assert declared["steps"]["inferred_type_name"] == "int"
    check_parameters(nb, {"query": "CCO", "cutoffs": [0.9], "steps": 3})
    with pytest.raises(ParameterError, match="parameter 'steps' expects int"):
        check_parameters(nb, {"steps": "many"})


def test_a_parameters_cell_with_a_magic_is_still_read(tmp_path: Path) -> None:
    """IPython syntax is not Python: the cell is read as the Python IPython turns it into."""
    nb = make_notebook(tmp_path / "m.ipynb", ["print(n)"], parameters="%matplotlib inline\nn = 4")
    assert list(notebook_parameters(nb)) == ["n"]
    check_parameters(nb, {"n": 8})


def test_empty_parameters_cell_takes_nothing(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "e.ipynb", ["x = 1"], parameters="")
    assert notebook_parameters(nb) == {}
    with pytest.raises(ParameterError, match="takes no parameters"):
        check_parameters(nb, {"x": 2})


def test_good_values_pass(notebook: Path) -> None:
    check_parameters(
        notebook,
        {"n": 3, "rate": 1, "name": "y", "flag": True, "sizes": [3], "anything": {"a": 1}},
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nn": 3}, "has no parameter 'nn'; its parameters are: anything, flag, n, name, rate"),
        ({"n": "abc"}, "parameter 'n' expects int \\(default 64\\), got 'abc'"),
        ({"n": 2.5}, "parameter 'n' expects int"),
        ({"n": True}, "parameter 'n' expects int"),
        ({"flag": 1}, "parameter 'flag' expects bool"),
        ({"rate": "fast"}, "parameter 'rate' expects float"),
    ],
)
def test_bad_names_and_values_are_named(notebook: Path, values: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        check_parameters(notebook, values)


def test_notebook_without_parameters_cell(tmp_path: Path) -> None:
    plain = make_notebook(tmp_path / "plain.ipynb", ["x = 1"])
    check_parameters(plain, {})
    with pytest.raises(ParameterError, match="no cell tagged 'parameters'"):
        check_parameters(plain, {"x": 2})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("010", 10),  # YAML 1.2 has no implicit octal (PyYAML's 1.1 gives 8)
        ("007", 7),
        ("1_000", 1000),
        ("0o17", 0o17),
        ("0x1F", 0x1F),
        (".inf", float("inf")),
        ("-.inf", float("-inf")),
        ("no", "no"),  # 1.1 reads no/yes/on/off as booleans
        ("on", "on"),
        ("NO", "NO"),
        ("1:30", "1:30"),  # 1.1 reads base 60: 90
        ("12:30:00", "12:30:00"),
        ("2024-01-01", "2024-01-01"),  # 1.1 reads a date
        ("TRUE", True),
        ("False", False),
        ("[010, no, 1e-3]", [10, "no", 1e-3]),
        ("{on: 1}", {"on": 1}),
    ],
)
def test_plain_scalars_follow_the_yaml_core_schema(text: str, value: object) -> None:
    """YAML 1.2.2 core schema (section 10.3.2): what a user typed is what the notebook gets."""
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)


def test_parameter_and_grid_files_use_the_core_schema_too(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes("\ufeffsample: 010\nanswer: no\nday: 2024-01-01\n".encode())  # with a BOM
    assert read_parameter_file(path) == {"sample": 10, "answer": "no", "day": "2024-01-01"}


def test_values_become_plain_literals() -> None:
    import datetime

    import numpy as np

    values = normalize_parameters(
        {
            "shape": (64, 32),
            "n": np.int64(3),
            "rate": np.float32(0.5),
            "flag": np.bool_(True),
            "grid": np.arange(4).reshape(2, 2),
            "data": Path("inputs") / "1abc.pdb",
            "day": datetime.date(2024, 1, 2),
            "nested": {"k": (np.int32(1), None)},
        }
    )
    assert values == {
        "shape": [64, 32],
        "n": 3,
        "rate": 0.5,
        "flag": True,
        "grid": [[0, 1], [2, 3]],
        "data": str(Path("inputs") / "1abc.pdb"),
        "day": "2024-01-02",
        "nested": {"k": [1, None]},
    }
    assert [type(values[k]) for k in ("n", "rate", "flag")] == [int, float, bool]


@pytest.mark.parametrize(
    ("value", "message"),
    [({1, 2}, "a set cannot be passed"), (object(), "an? object"), ({1: "a"}, "keys must be")],
)
def test_values_with_no_literal_are_refused(value: object, message: str) -> None:
    with pytest.raises(ParameterError, match=f"parameter 'p'.*{message}"):
        normalize_parameters({"p": value})


def test_a_number_for_a_text_parameter_says_how_to_quote_it(notebook: Path) -> None:
    with pytest.raises(ParameterError, match=r"expects str.*quote it"):
        check_parameters(notebook, {"name": 2024})


def test_unpacked_and_chained_assignments_are_parameters(tmp_path: Path) -> None:
    source = "nx, ny = 64, 32  # grid\nlo = hi = 0.5\na, b = divmod(7, 2)\nobj.attr = 3"
    nb = make_notebook(tmp_path / "nb.ipynb", ["pass"], parameters=source)
    declared = notebook_parameters(nb)
    assert list(declared) == ["nx", "ny", "lo", "hi", "a", "b"]  # Python's binding order
    assert [declared[k]["default"] for k in ("nx", "ny", "lo", "hi")] == ["64", "32", "0.5", "0.5"]
    assert declared["nx"]["help"] == "grid"
    check_parameters(nb, {"nx": 128, "hi": 1, "b": "anything"})
    with pytest.raises(ParameterError, match="'ny' expects int"):
        check_parameters(nb, {"ny": "x"})
