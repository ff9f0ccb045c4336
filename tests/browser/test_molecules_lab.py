"""MoleculeGridView in JupyterLab, in headless Chromium: the grid shows RDKit depictions, a real
mouse click on a card reaches Python as the grid's selection, and a ConformerView following the
grid draws the clicked molecule in 3D with the inlined 3Dmol.js."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_notebook
from tests.lab_helpers import (
    LabServer,
    canvas_colours,
    open_notebook,
    run_all_cells,
    run_in_new_cell,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

pytest.importorskip("rdkit")

SETUP = (
    "from ai4s_lab import molecules as mol\n"
    "from ai4s_lab.widgets import MoleculeGridView\n"
    "lines = open(mol.example_path('first_5K.smi')).read().split(chr(10))[:50]\n"
    "pairs = [line.split() for line in lines]\n"
    "library = mol.read_molecules([p[0] for p in pairs], ids=[p[1] for p in pairs])\n"
    "table = library.data.reset_index(drop=True)\n"
    "grid = MoleculeGridView(library.mols, table, page_size=12, columns=['id', 'smiles'])\n"
    "grid"
)

CONFORMER = (
    "from ai4s_lab.widgets import ConformerView\n"
    "view = ConformerView().follow(grid)  # shows the molecule clicked last\n"
    "view"
)

REPORT = (
    "import json\n"
    "print(json.dumps({'rows': grid.selection,\n"
    "                  'ids': [str(i) for i in grid.selected['id']],\n"
    "                  'smiles': list(grid.selected['smiles'])}))"
)

_CARDS = ".ai4s-molecule-grid .ai4s-molecule-cell"


def test_grid_depicts_and_a_click_reaches_python(
    jupyter_lab: LabServer, lab_page: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    notebook = make_notebook(tmp_path / "molecule_grid.ipynb", [SETUP, CONFORMER])
    open_notebook(lab_page, jupyter_lab, jupyter_lab.add(notebook))
    assert run_all_cells(lab_page) == []
    lab_page.wait_for_function(
        f"document.querySelectorAll('{_CARDS} svg').length >= 12", timeout=60_000
    )
    # every card holds an RDKit SVG with drawn bonds (paths), visibly laid out
    depictions = lab_page.evaluate(
        f"""() => Array.from(document.querySelectorAll('{_CARDS}')).map(card => {{
            const svg = card.querySelector('svg');
            const box = svg.getBoundingClientRect();
            return {{paths: svg.querySelectorAll('path').length, w: box.width, h: box.height,
                     row: Number(card.dataset.row), text: card.innerText}};
        }})"""
    )
    assert len(depictions) == 12
    assert all(d["paths"] > 0 and d["w"] > 50 and d["h"] > 50 for d in depictions)
    assert [d["row"] for d in depictions] == list(range(12))

    # a real mouse click on the fourth card
    card = lab_page.locator(_CARDS).nth(3)
    card.scroll_into_view_if_needed()
    caption = card.locator("div").last.inner_text().split()  # ["id:", id, "smiles:", smiles]
    card.click()
    lab_page.wait_for_function(
        f"getComputedStyle(document.querySelectorAll('{_CARDS}')[3]).borderTopColor"
        " === 'rgb(214, 39, 40)'",
        timeout=15_000,
    )
    lab_page.screenshot(path=str(artifacts_dir / "molecule_grid.png"))
    # the conformer of the clicked molecule is drawn by the inlined 3Dmol.js (WebGL canvas)
    lab_page.wait_for_selector(".jp-OutputArea canvas", timeout=30_000)
    lab_page.wait_for_function(
        "Array.from(document.querySelectorAll('.jp-OutputArea'))"
        ".some(o => o.innerText.includes('MMFF94'))",
        timeout=30_000,
    )
    canvas = lab_page.locator(".jp-OutputArea canvas").last
    canvas.scroll_into_view_if_needed()
    lab_page.wait_for_timeout(500)
    assert canvas_colours(lab_page, ".jp-OutputArea canvas", -1) > 20
    lab_page.screenshot(path=str(artifacts_dir / "conformer_view.png"))

    selected = json.loads(run_in_new_cell(lab_page, REPORT, timeout=60))
    assert selected["rows"] == [3]
    # the card showed the id and SMILES of the molecule Python now holds as selected
    assert caption == ["id:", selected["ids"][0], "smiles:", selected["smiles"][0]]

    # Enter applies a filter (inside JupyterLab no change event came before the box lost
    # focus), and a filter set from Python shows in the box.
    info = lab_page.locator(".ai4s-molecule-grid span").first
    box = lab_page.locator(".ai4s-molecule-grid input")
    box.fill("index < 5")
    box.press("Enter")
    lab_page.wait_for_function(
        "document.querySelector('.ai4s-molecule-grid span').innerText.includes('(5 molecules)')",
        timeout=15_000,
    )
    assert info.inner_text() == "page 1 / 1 (5 molecules)"
    run_in_new_cell(lab_page, "grid.filter = 'index >= 40'\nprint(grid.n_rows)")
    lab_page.wait_for_function(
        "document.querySelector('.ai4s-molecule-grid span').innerText.includes('(10 molecules)')",
        timeout=15_000,
    )
    assert box.input_value() == "index >= 40"
    assert lab_page.errors == []
