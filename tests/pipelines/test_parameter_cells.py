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


def test_a_tagged_markdown_cell_before_the_parameters_is_refused(tmp_path: Path) -> None:
    """papermill puts the values after the first cell tagged 'parameters', whatever its type:
    after a markdown heading, the code cell of defaults ran next and undid them."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    path = make_notebook(tmp_path / "md.ipynb", ["print(x)"], parameters="x = 1")
    nb = nbformat.read(path, as_version=4)
    heading = nbformat.v4.new_markdown_cell("## Parameters", metadata={"tags": ["parameters"]})
    nb.cells.insert(0, heading)
    nbformat.write(nb, path)
    injected = parameterize_notebook(load_notebook_node(str(path)), {"x": 5})
    tags = [cell.metadata.get("tags", []) for cell in injected.cells]
    assert tags.index(["injected-parameters"]) < tags.index(["parameters"], 1)  # undone
    with pytest.raises(ParameterError, match="cell 0, a markdown cell") as caught:
        check_parameters(path, {"x": 5})
    assert "remove the tag from cell 0" in str(caught.value)
    assert check_parameters(path, {}) == {}  # a run with the defaults is fine


def test_values_an_earlier_run_injected_are_read_back(tmp_path: Path) -> None:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from ai4s_lab.pipelines.parameters import injected_parameters

    path = make_notebook(tmp_path / "p.ipynb", ["print(x)"], parameters="x = 1.0\nname = 'a'")
    assert injected_parameters(path) == {}
    given = {"x": float("-inf"), "name": "é\nb", "sizes": [1, {"k": None}], "flag": True}
    nbformat.write(parameterize_notebook(load_notebook_node(str(path)), given), path)
    assert injected_parameters(path) == given  # as papermill wrote them
