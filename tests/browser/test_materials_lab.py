"""The ternary phase-diagram view in JupyterLab, in headless Chromium: it renders, and a real
mouse click on an unstable entry's marker sends the decomposition back to Python (the widget's
``selected``), which matches the decomposition computed here and pymatgen's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ai4s_lab.materials import Entry, PhaseDiagram, example_entries, load_entries
from tests.conftest import make_notebook
from tests.lab_helpers import LabServer, open_notebook, run_all_cells, run_in_new_cell

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SETUP = """\
import json
from ai4s_lab.materials import PhaseDiagram, example_entries, load_entries
from ai4s_lab.widgets import PhaseDiagramView

pd = PhaseDiagram(load_entries(example_entries("Li-P-S")), zero_references=True)
view = PhaseDiagramView(pd)
view.widget"""

REPORT = """\
print(json.dumps(None if view.selected is None else {
    "index": view.selected["index"],
    "decomposition": view.selected["decomposition"],
    "reaction": view.selected["reaction"],
}))"""

# Screen centre of marker ``point`` of the trace named ``name`` of the first plotly figure: the
# DOM points of a trace group are data-joined to its calcdata, in the trace's point order.
MARKER_CENTRE = """([name, point]) => {
    const gd = document.querySelector('.js-plotly-plot');
    const group = Array.from(gd.querySelectorAll('.scatterlayer .trace'))
        .find(g => g.__data__ && g.__data__[0] && g.__data__[0].trace.name === name);
    const marker = group.querySelectorAll('path.point')[point];
    const box = marker.getBoundingClientRect();
    return [box.x + box.width / 2, box.y + box.height / 2];
}"""


def _isolated_unstable_entry(pd: PhaseDiagram) -> Entry:
    """An unstable entry decomposing into 2+ phases whose marker is far from every other one,
    so that the click lands on it and nothing else."""
    x = pd.fractions()
    unstable = [i for i, e in enumerate(pd.entries) if not pd.is_stable(e)]
    distance = np.linalg.norm(x[unstable, None, :] - x[None, :, :], axis=2)
    distance[np.arange(len(unstable)), unstable] = np.inf
    nearest = distance.min(axis=1)
    for k in np.argsort(-nearest):
        entry = pd.entries[unstable[int(k)]]
        if len(pd.decomposition(entry)) >= 2:
            return entry
    raise AssertionError("no unstable entry of Li-P-S decomposes into two or more phases")


def _pymatgen_decomposition(pd: PhaseDiagram, entry: Entry) -> dict[str, float] | None:
    try:
        from pymatgen.analysis.phase_diagram import PDEntry
        from pymatgen.analysis.phase_diagram import PhaseDiagram as PmgPhaseDiagram
        from pymatgen.core import Composition
    except ImportError:
        return None
    pmg = [PDEntry(Composition(dict(e.composition)), e.energy) for e in pd.entries]
    label_of = {id(p): e.label for p, e in zip(pmg, pd.entries, strict=True)}
    position = next(i for i, e in enumerate(pd.entries) if e is entry)
    products = PmgPhaseDiagram(pmg).get_decomposition(pmg[position].composition)
    return {label_of[id(p)]: float(f) for p, f in products.items()}


def test_ternary_click_returns_decomposition(
    jupyter_lab: LabServer, lab_page: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    pd = PhaseDiagram(load_entries(example_entries("Li-P-S")), zero_references=True)
    entry = _isolated_unstable_entry(pd)
    index = next(i for i, e in enumerate(pd.entries) if e is entry)
    expected = {p.label: f for p, f in pd.decomposition(entry).items()}

    notebook = make_notebook(tmp_path / "materials_ternary.ipynb", [SETUP])
    open_notebook(lab_page, jupyter_lab, jupyter_lab.add(notebook))
    assert run_all_cells(lab_page) == []
    lab_page.wait_for_selector(".jupyter-widgets .js-plotly-plot .scatterlayer path.point")
    assert lab_page.evaluate("document.querySelector('.js-plotly-plot')._fullLayout.ternary.sum")

    # The marker of the chosen entry: its point index in the "unstable" trace, from customdata.
    customdata = lab_page.evaluate(
        "document.querySelector('.js-plotly-plot').data"
        ".find(t => t.name === 'unstable').customdata.map(row => row[0])"
    )
    point = customdata.index(index)
    x, y = lab_page.evaluate(MARKER_CENTRE, ["unstable", point])
    lab_page.mouse.move(x, y)
    lab_page.mouse.click(x, y)

    # The side panel shows the reaction that Python computed for the click ...
    panel = lab_page.wait_for_selector(".ai4s-pd-reaction", timeout=30_000)
    assert panel is not None
    assert panel.inner_text() == pd.reaction(entry)
    lab_page.screenshot(path=str(artifacts_dir / "materials_ternary.png"))

    # ... and the kernel holds the selection: ask it in a new cell.
    selected = json.loads(run_in_new_cell(lab_page, REPORT))
    assert selected is not None, "the click did not reach the kernel"
    assert selected["index"] == index
    assert selected["reaction"] == pd.reaction(entry)
    assert selected["decomposition"].keys() == expected.keys()
    for label, fraction in expected.items():
        assert selected["decomposition"][label] == pytest.approx(fraction, abs=1e-9)

    oracle = _pymatgen_decomposition(pd, entry)
    if oracle is not None:
        assert oracle.keys() == expected.keys()
        for label, fraction in oracle.items():
            assert selected["decomposition"][label] == pytest.approx(fraction, abs=1e-6)
    assert lab_page.errors == []
