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
