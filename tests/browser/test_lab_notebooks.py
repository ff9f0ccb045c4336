"""JupyterLab itself, in headless Chromium: the server needs its token, and notebooks run and
render their outputs (plotly figures, ipywidgets) in the real front end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_notebook
from tests.lab_helpers import LabServer, open_notebook, run_all_cells

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

# For each output of the notebook: its MIME type and whether JupyterLab drew it. A widget output
# counts as drawn when its node has a size and shows neither the "Loading widget..." placeholder
# nor an "Error displaying widget" message.
_OUTPUTS_DRAWN = """() => {
    const nodes = Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type]'));
    return nodes.map(node => {
        const text = node.innerText || '';
        const box = node.getBoundingClientRect();
        return {
            mime: node.getAttribute('data-mime-type'),
            drawn: box.width > 0 && box.height > 0 && !text.includes('Loading widget')
                && !text.includes('Error displaying widget'),
        };
    });
}"""


@pytest.mark.parametrize("name", OTHER_LAB_NOTEBOOKS)
def test_lab_notebook_runs_and_its_views_render(
    jupyter_lab: LabServer, lab_page: Any, repo_root: Path, artifacts_dir: Path, name: str
) -> None:
    """Each lab notebook runs top to bottom in JupyterLab with its defaults, and every widget and
    plotly figure it outputs is drawn by the front end."""
    relpath = jupyter_lab.add(repo_root / "notebooks" / name)
    open_notebook(lab_page, jupyter_lab, relpath)
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
    lab_page.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot').length >= {figures}", timeout=60_000
    )
    lab_page.wait_for_function(
        f"""() => ({_OUTPUTS_DRAWN})().filter(o => o.drawn &&
            o.mime === 'application/vnd.jupyter.widget-view+json').length >= {widgets}""",
        timeout=60_000,
    )
    outputs = lab_page.evaluate(_OUTPUTS_DRAWN)
    lab_page.screenshot(path=str(artifacts_dir / f"lab_{Path(name).stem}.png"), full_page=True)
    not_drawn = [o["mime"] for o in outputs if not o["drawn"]]
    assert not_drawn == [], f"{name}: outputs not drawn: {not_drawn}"
    assert lab_page.errors == []
