"""Parameters cells with IPython syntax; hints for values typed the wrong way (no kernel)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from ai4s_lab.errors import ParameterError
from ai4s_lab.pipelines import check_parameters, notebook_parameters, parse_value
from tests.conftest import make_notebook


def test_magics_and_shell_lines_keep_every_parameter(tmp_path: Path) -> None:
    """papermill's line reader, the fallback for a cell Python cannot parse, drops a line with
    two "=" (a SMILES with a double bond): IPython syntax is turned into Python first."""
    cell = ("%matplotlib inline\n!pip install --quiet rdkit\nsmiles = 'C=C=O'  # ketene\n"
            "files = !ls\nn: int = 3")  # fmt: skip
    nb = make_notebook(tmp_path / "m.ipynb", ["print(n)"], parameters=cell)
    declared = notebook_parameters(nb)
    assert list(declared) == ["smiles", "files", "n"]
    assert declared["smiles"]["default"] == "'C=C=O'" and declared["smiles"]["help"] == "ketene"
    assert declared["n"]["inferred_type_name"] == "int"
    assert check_parameters(nb, {"smiles": "O=C=O", "n": 4}) == {"smiles": "O=C=O", "n": 4}


def test_a_cell_that_is_not_even_ipython_is_read_without_a_kernelspec(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()  # no kernelspec: papermill's own reader would refuse it
    cell = nbformat.v4.new_code_cell("n = 3\nif (:\nlabel = 'x'")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = tmp_path / "bare.ipynb"
    nbformat.write(nb, path)
    assert set(notebook_parameters(path)) == {"n", "label"}


def test_an_int_for_a_float_arrives_as_a_float(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "f.ipynb", ["x"], parameters="x = 0.5\nn = 2")
    checked = check_parameters(nb, {"x": 3, "n": 4})
    assert checked == {"x": 3.0, "n": 4} and isinstance(checked["x"], float)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("nan", "YAML writes this number .nan, e.g. -p x .nan"),
        ("-inf", "YAML writes this number -.inf, e.g. -p x -.inf"),
        ("a: b", """quote text holding ': ', e.g. -p label "'a: b'\""""),
    ],
)
def test_values_typed_the_wrong_way_get_a_hint(tmp_path: Path, text: str, hint: str) -> None:
    nb = make_notebook(tmp_path / "h.ipynb", ["x"], parameters="x = 0.5\nlabel = 'a'")
    name = "label" if ":" in text else "x"
    with pytest.raises(ParameterError) as caught:
        check_parameters(nb, {name: parse_value(text, name=name)})
    assert str(caught.value).endswith(hint)
