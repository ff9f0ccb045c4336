"""The protein lab in JupyterLab, in headless Chromium: the nglview 3D canvas is drawn (WebGL under
SwiftShader), the linked contact map is drawn, and a real mouse click on a contact of the map
highlights both residues, checked in the kernel's widget state and against contacts computed
here with gemmi and scipy. The shipped protein explorer notebook renders its widgets too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import make_notebook
from tests.lab_helpers import LabServer, open_notebook, run_all_cells, run_in_new_cell

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STRUCTURE = "pdb1ubi.pdb"  # ubiquitin, 76 residues, chain A numbered 1..76

SETUP = f"""\
import json
import ipywidgets
from ai4s_lab import protein
from ai4s_lab.widgets import ContactMapView, ProteinView

structure = protein.load_structure(protein.example_file({STRUCTURE!r}))
contacts = protein.contact_map(structure, cutoff=8.0, atoms="CB", device="cpu")[0]
view = ProteinView(structure, color_by="bfactor")
contact_view = ContactMapView(contacts, structure, view)
ipywidgets.HBox([view, contact_view])"""

REPORT = """\
print(json.dumps({
    "highlighted": view.highlighted,
    "clicked": contact_view.clicked,
    "representations": [
        [r.get("type"), (r.get("params") or {}).get("sele")]
        for c in view._ngl._ngl_repr_dict.values() for r in c.values()
    ],
}))"""

# The contact map is the first plotly figure: its heatmap, axes and pixel geometry.
MAP_READY = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    return !!gd && !!gd._fullLayout && !!gd._fullLayout.xaxis && !!gd.data
        && gd.data.length === 1 && gd.data[0].type === 'heatmap'
        && !!gd.querySelector('.heatmaplayer image');
}"""

# Screen position of the centre of the cell (x value, y value) of the heatmap.
CELL_CENTRE = """([xv, yv]) => {
    const gd = document.querySelector('.js-plotly-plot');
    const box = gd.getBoundingClientRect();
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    return [box.left + xa._offset + xa.d2p(xv), box.top + ya._offset + ya.d2p(yv)];
}"""

# nglview draws into a WebGL canvas inside its widget.
NGL_CANVAS = ".jupyter-widgets canvas"


def _oracle_contacts(path: Path) -> tuple[list[int], np.ndarray]:
    """Residue numbers and the Cβ (Cα for glycine) contact map < 8 Å, read with gemmi."""
    gemmi = pytest.importorskip("gemmi")
    from scipy.spatial.distance import cdist

    chain = gemmi.read_structure(str(path))[0]["A"]
    numbers, points = [], []
    for residue in chain:
        if not gemmi.find_tabulated_residue(residue.name).is_amino_acid():
            continue
        atom = residue.find_atom("CA" if residue.name == "GLY" else "CB", "*")
        numbers.append(residue.seqid.num)
        points.append([atom.pos.x, atom.pos.y, atom.pos.z])
    xyz = np.array(points)
    return numbers, cdist(xyz, xyz) < 8.0


def _isolated_contact(contacts: np.ndarray) -> tuple[int, int]:
    """A long-range contact (|i − j| ≥ 10) whose 8 neighbouring cells are not contacts, so a
    click a pixel or two off still lands on a contact cell only if it lands on this one."""
    n = len(contacts)
    best: tuple[int, int] | None = None
    for i in range(1, n - 1):
        for j in range(i + 10, n - 1):
            if not contacts[i, j]:
                continue
            block = contacts[i - 1 : i + 2, j - 1 : j + 2]
            if int(block.sum()) == 1:
                return i, j
            if best is None:
                best = (i, j)
    assert best is not None, "ubiquitin has long-range contacts"
    return best


# The visible box of nglview's canvas: the canvas clipped to its widget (in an HBox the canvas
# can be wider than its share, and an element screenshot would then read the neighbour's pixels).
NGL_BOX = """() => {
    const canvas = document.querySelector('.jupyter-widgets canvas');
    const c = canvas.getBoundingClientRect();
    let w = canvas.parentElement;
    while (w && !(w.classList && w.classList.contains('jupyter-widgets'))) w = w.parentElement;
    const p = (w || canvas).getBoundingClientRect();
    const x0 = Math.max(c.left, p.left), y0 = Math.max(c.top, p.top);
    const x1 = Math.min(c.right, p.right, window.innerWidth);
    const y1 = Math.min(c.bottom, p.bottom, window.innerHeight);
    return {x: x0, y: y0, width: x1 - x0, height: y1 - y0};
}"""


def _ngl_colours(page: Any) -> int:
    """Distinct colours in the visible part of the nglview canvas (a page screenshot crop)."""
    from io import BytesIO

    from PIL import Image

    page.evaluate("document.querySelector('.jupyter-widgets canvas').scrollIntoView()")
    box = page.evaluate(NGL_BOX)
    if box["width"] < 10 or box["height"] < 10:
        return 0
    png = page.screenshot(clip=box)
    colours = Image.open(BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 22)
    return len(colours or [])


def _wait_ngl_drawn(page: Any, timeout: float = 60.0) -> int:
    """Wait until the nglview canvas shows more than 20 distinct colours; return the count."""
    page.wait_for_selector(NGL_CANVAS, timeout=timeout * 1000)
    colours = 0
    for _ in range(int(timeout)):
        colours = _ngl_colours(page)
        if colours > 20:
            break
        page.wait_for_timeout(1000)
    return colours


def test_contact_click_highlights_both_residues(
    jupyter_lab: LabServer, lab_page: Any, tmp_path: Path, repo_root: Path, artifacts_dir: Path
) -> None:
    numbers, oracle = _oracle_contacts(repo_root / "ai4s_lab" / "protein" / "data" / STRUCTURE)
    i, j = _isolated_contact(oracle)

    notebook = make_notebook(tmp_path / "protein_lab.ipynb", [SETUP])
    open_notebook(lab_page, jupyter_lab, jupyter_lab.add(notebook))
    assert run_all_cells(lab_page) == []

    # The 3D view's canvas is there (that it draws is checked on the explorer notebook below).
    lab_page.wait_for_selector(NGL_CANVAS, timeout=60_000)
    lab_page.screenshot(path=str(artifacts_dir / "protein_lab_before_click.png"))

    # The contact map: a heatmap over the 76 residues that holds our map, equal to gemmi+scipy.
    lab_page.wait_for_function(MAP_READY, timeout=60_000)
    z = np.array(lab_page.evaluate("document.querySelector('.js-plotly-plot').data[0].z"))
    x = lab_page.evaluate("document.querySelector('.js-plotly-plot').data[0].x")
    assert x == numbers
    np.testing.assert_array_equal(z.astype(bool), oracle)

    # A real mouse click at the centre of cell (row i, column j): x is residue j, y residue i.
    px, py = lab_page.evaluate(CELL_CENTRE, [numbers[j], numbers[i]])
    lab_page.mouse.move(px, py)
    lab_page.wait_for_timeout(300)
    lab_page.mouse.click(px, py)
    lab_page.wait_for_timeout(1500)  # the click goes to the kernel, the highlight comes back
    lab_page.screenshot(path=str(artifacts_dir / "protein_lab.png"))

    # Ask the kernel; nglview's front end sends its representations back asynchronously, so ask
    # again (a new cell each time) until the highlight representation has arrived.
    wanted = f"({numbers[i]}:A) or ({numbers[j]}:A)"
    for _ in range(10):
        state = json.loads(run_in_new_cell(lab_page, REPORT))
        if any(sele == wanted for _, sele in state["representations"]):
            break
        lab_page.wait_for_timeout(1000)
    expected = [["A", numbers[i], ""], ["A", numbers[j], ""]]
    assert state["clicked"] == expected, "the click did not reach the kernel on cell (i, j)"
    assert sorted(state["highlighted"]) == sorted(expected)
    assert oracle[i, j], "the clicked cell is a contact by the independent check"
    # nglview's front end reports its representations back (the widget's repr dict): one of
    # them selects exactly the two clicked residues.
    assert wanted in [sele for _, sele in state["representations"]], state
    assert lab_page.errors == []


def test_protein_explorer_notebook_renders(
    jupyter_lab: LabServer, lab_page: Any, repo_root: Path, artifacts_dir: Path
) -> None:
    relpath = jupyter_lab.add(repo_root / "notebooks" / "protein_explorer.ipynb")
    open_notebook(lab_page, jupyter_lab, relpath)
    assert run_all_cells(lab_page, timeout=120) == []
    colours = _wait_ngl_drawn(lab_page)
    lab_page.wait_for_function(MAP_READY, timeout=60_000)
    lab_page.screenshot(path=str(artifacts_dir / "protein_explorer_lab.png"), full_page=True)
    assert colours > 20, f"the nglview canvas shows {colours} colours: blank"
    # The py3Dmol view (3Dmol.js from the package) draws its own canvas too.
    assert lab_page.evaluate("document.querySelectorAll('canvas').length") >= 2
    assert lab_page.errors == []
