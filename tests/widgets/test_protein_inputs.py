"""ProteinView / ContactMapView: tensors from models (with a graph), one residue to highlight,
and clicks outside the map."""

from __future__ import annotations

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.protein import example_file, load_structure

pytest.importorskip("nglview")
from ai4s_lab.widgets import ContactMapView, ProteinView


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_structure(example_file("AF-Q5VSL9-F1-model_v4.pdb"))


def test_tensors_with_a_graph_colour_and_map(model) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    n = len(model.residue_ids)
    scores = torch.rand(n, requires_grad=True)
    view = ProteinView(model, color_by=scores * 1, backend="py3dmol")
    reference = ProteinView(model, color_by=scores.detach().numpy(), backend="py3dmol")
    assert view.colors == reference.colors
    matrix = torch.rand(n, n, requires_grad=True)
    cmap = ContactMapView(matrix * 1, model)
    np.testing.assert_array_equal(
        np.asarray(cmap.figure.data[0].z, dtype=np.float32), matrix.detach().numpy()
    )


def test_one_residue_is_highlighted_by_number_key_or_text(model) -> None:  # type: ignore[no-untyped-def]
    view = ProteinView(model, backend="py3dmol")
    view.highlight(7)
    assert view.highlighted == [["A", 7, ""]]
    view.highlight("A:5")
    assert view.highlighted == [["A", 5, ""]]
    view.highlight(("A", 6))
    assert view.highlighted == [["A", 6, ""]]
    view.highlight(["A:5", 9])
    assert view.highlighted == [["A", 5, ""], ["A", 9, ""]]
    with pytest.raises(InputError, match="chain:number"):
        view.highlight("five")


def test_a_click_outside_the_map_is_refused(model) -> None:  # type: ignore[no-untyped-def]
    n = len(model.residue_ids)
    cmap = ContactMapView(np.zeros((n, n)), model)
    for i, j in ((n, 0), (-1, 0), (0, n + 3)):
        with pytest.raises(InputError, match=f"0 to {n - 1}"):
            cmap.click(i, j)
    assert cmap.clicked == []
    cmap.click(n - 1, 0)
    assert cmap.clicked[0] == list(model.residue_ids[-1])
