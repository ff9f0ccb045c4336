"""ProteinView / ContactMapView state without a browser: colours, picking, highlighting, links,
and the offline py3Dmol HTML."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.protein import contact_map, example_file, load_pae, load_structure
from ai4s_lab.widgets import ContactMapView, PAEView, ProteinView
from ai4s_lab.widgets.protein_view import PLDDT_COLORS

pytest.importorskip("nglview")


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_structure(example_file("AF-Q5VSL9-F1-model_v4.pdb"))


def test_plddt_colours_follow_the_bands(model) -> None:  # type: ignore[no-untyped-def]
    view = ProteinView(model, color_by="plddt", backend="py3dmol")
    plddt = model.plddt
    assert view.colors[int(np.argmax(plddt))] == PLDDT_COLORS["very high"]
    assert view.colors[int(np.argmin(plddt))] == PLDDT_COLORS["very low"]
    assert view.colors.count(PLDDT_COLORS["very low"]) == int((plddt < 50).sum())


def test_py3dmol_html_is_offline(model) -> None:  # type: ignore[no-untyped-def]
    html = ProteinView(model, backend="py3dmol").html()
    assert "data:text/javascript;base64," in html
    assert not re.search(r"https?://[^'\"]*3Dmol", html)
    assert "ATOM" in html  # the structure is inside the page


def test_nglview_picking_and_highlight(model) -> None:  # type: ignore[no-untyped-def]
    view = ProteinView(model, color_by="chain")
    events = []
    view.observe(lambda change: events.append(change["new"]), "selected")
    # nglview sets `picked` from the browser; the same message drives the view here.
    view._ngl.picked = {"atom1": {"resno": 42, "chainname": "A", "resname": "LEU"}}
    assert view.selected == [["A", 42, ""]] and events == [[["A", 42, ""]]]
    view.highlight([10, ("A", 20)])
    assert view.highlighted == [["A", 10, ""], ["A", 20, ""]]
    with pytest.raises(InputError, match="no residue numbered 9999"):
        view.highlight([9999])


def test_contact_map_click_highlights_both_residues(model) -> None:  # type: ignore[no-untyped-def]
    view = ProteinView(model, backend="py3dmol")
    cmap = ContactMapView(contact_map(model, device="cpu")[0], model, view)
    cmap.click(4, 99)
    assert cmap.clicked == [["A", 5, ""], ["A", 100, ""]]
    assert view.highlighted == cmap.clicked
    view.selected = [["A", 7, ""]]
    assert len(cmap.figure.layout.shapes) == 2  # crosshair on the map


def test_pae_view_and_bad_arguments(model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = len(model.residue_ids)
    path = tmp_path / "pae.json"
    path.write_text('{"pae": ' + str(np.zeros((n, n)).tolist()) + ', "max_pae": 31.75}')
    pae_view = PAEView(load_pae(path), model)
    assert pae_view.figure.data[0].zmax == 31.75
    experimental = load_structure(example_file("pdb1ubi.pdb"))
    with pytest.raises(InputError, match="needs a predicted model"):
        ProteinView(experimental, color_by="plddt")
    with pytest.raises(InputError, match="style='ribbon'"):
        ProteinView(experimental, color_by="chain", style="ribbon")
    with pytest.raises(InputError, match="does not fit"):
        ContactMapView(np.zeros((3, 3)), experimental)
