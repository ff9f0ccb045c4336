"""JupyterLab itself, in headless Chromium: the server needs its token, and notebooks run and
render their outputs (plotly figures, ipywidgets) in the real front end."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_notebook
from tests.lab_helpers import LabServer, open_notebook, run_all_cells, with_parameters

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_server_refuses_requests_without_the_token(jupyter_lab: LabServer) -> None:
    assert jupyter_lab.api("api/contents", token=False)[0] == 403
    assert jupyter_lab.api("api/contents")[0] == 200


def test_widgets_render_in_lab(jupyter_lab: LabServer, lab_page: Any, tmp_path: Path) -> None:
    notebook = make_notebook(
        tmp_path / "slider.ipynb",
        ["import ipywidgets as w\nslider = w.IntSlider(value=7, max=10, description='n')\nslider"],
    )
    open_notebook(lab_page, jupyter_lab, jupyter_lab.add(notebook))
    assert run_all_cells(lab_page) == []
    lab_page.wait_for_selector(".jupyter-widgets.widget-slider", timeout=30_000)
    assert lab_page.inner_text(".widget-readout") == "7"


def test_tour_runs_in_lab(
    jupyter_lab: LabServer, lab_page: Any, repo_root: Path, artifacts_dir: Path
) -> None:
    relpath = jupyter_lab.add(repo_root / "notebooks" / "00_tour.ipynb")
    open_notebook(lab_page, jupyter_lab, relpath)
    assert run_all_cells(lab_page) == []
    lab_page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=90_000
    )
    traces = lab_page.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => gd.data.length)"
    )
    lab_page.screenshot(path=str(artifacts_dir / "lab_tour.png"))
    assert traces == [3, 2]  # three heatmaps, then the measured and the reference line
    assert lab_page.errors == []


def _showcase(repo_root: Path) -> list[str]:
    from ai4s_lab.pipelines.showcase import showcase_notebooks

    return [path.name for path in showcase_notebooks(repo_root / "notebooks")]


# The tour and the protein explorer have tests of their own, with closer checks of their views.
OTHER_LAB_NOTEBOOKS = [
    name
    for name in _showcase(Path(__file__).resolve().parents[2])
    if name not in ("00_tour.ipynb", "protein_explorer.ipynb")
]

# Each output node of the notebook: its kind and whether JupyterLab drew it. Widget views and
# plotly figures carry no data-mime-type attribute (plain renderers do). A view counts as drawn
# when it has a size and shows neither the "Loading widget..." placeholder nor an "Error
# displaying widget" message; a figure when plotly drew its SVG.
_OUTPUTS_DRAWN = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
    .map(node => {
        const text = node.innerText || '';
        const box = node.getBoundingClientRect();
        const sized = box.width > 0 && box.height > 0;
        if (node.classList.contains('jp-RenderedPlotly')) {
            return {kind: 'plotly', drawn: sized && !!node.querySelector('.main-svg')};
        }
        if (node.hasAttribute('data-mime-type')) {
            return {kind: node.getAttribute('data-mime-type'), drawn: sized};
        }
        return {kind: 'widget', drawn: sized && !text.includes('Loading widget')
            && !text.includes('Error displaying widget')};
    })"""


# Smaller problems for the runs in the browser, injected as papermill would: what is tested
# here is that JupyterLab draws every view; the defaults run (and are timed) in the showcase.
LIGHT_PARAMETERS: dict[str, dict[str, Any]] = {
    "neural_operator.ipynb": {
        "resolution": 16, "n_train": 16, "n_test": 4, "epochs": 2, "modes": 4, "width": 8,
    },
    "convergence_sweep.ipynb": {"grid_sizes": [16, 32], "diffusivities": [0.05]},
    "virtual_screening.ipynb": {"ensemble_size": 1, "epochs": 3},
    "pde_playground.ipynb": {"n_grid": 64, "frames": 20},
    "phase_diagram.ipynb": {"map_step": 0.05},
}  # fmt: skip


@pytest.mark.parametrize("name", OTHER_LAB_NOTEBOOKS)
def test_lab_notebook_runs_and_its_views_render(
    jupyter_lab: LabServer,
    lab_page: Any,
    repo_root: Path,
    artifacts_dir: Path,
    name: str,
    tmp_path: Path,
) -> None:
    """Each lab notebook runs top to bottom in JupyterLab (with a smaller problem where it has
    one), and every widget and plotly figure it outputs is drawn by the front end."""
    folder = jupyter_lab.add(repo_root / "notebooks", "notebooks")  # some read their neighbours
    if name in LIGHT_PARAMETERS:
        light = with_parameters(repo_root / "notebooks" / name, tmp_path / name,
                                LIGHT_PARAMETERS[name])  # fmt: skip
        jupyter_lab.add(light, f"{folder}/{name}")
    open_notebook(lab_page, jupyter_lab, f"{folder}/{name}")
    assert run_all_cells(lab_page, timeout=300) == []
    expected = lab_page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(c => c.model.type === 'code')
            .flatMap(c => c.model.outputs.toJSON())
            .filter(o => o.data)
            .map(o => Object.keys(o.data))"""
    )
    widgets = sum("application/vnd.jupyter.widget-view+json" in keys for keys in expected)
    figures = sum("application/vnd.plotly.v1+json" in keys for keys in expected)
    assert widgets + figures > 0, f"{name} shows no widget or figure"
    deadline = time.monotonic() + 60
    while True:
        outputs = lab_page.evaluate(_OUTPUTS_DRAWN)
        drawn = {kind: sum(o["drawn"] for o in outputs if o["kind"] == kind)
                 for kind in ("widget", "plotly")}  # fmt: skip
        not_drawn = [o["kind"] for o in outputs if not o["drawn"]]
        done = drawn["widget"] >= widgets and drawn["plotly"] >= figures and not not_drawn
        if done or time.monotonic() > deadline:
            break
        lab_page.wait_for_timeout(500)
    views = lab_page.query_selector_all(
        ".jp-OutputArea-output.jp-RenderedPlotly, .jp-OutputArea-output:not([data-mime-type])"
    )
    if views:  # the notebook's first view, not the end of the notebook
        views[0].scroll_into_view_if_needed()
    lab_page.screenshot(path=str(artifacts_dir / f"lab_{Path(name).stem}.png"))
    assert not_drawn == [], f"{name}: outputs not drawn: {not_drawn}"
    assert drawn == {"widget": widgets, "plotly": figures}, f"{name}: drawn {drawn}"
    assert lab_page.errors == []
