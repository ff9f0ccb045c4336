"""`make demo`'s pipeline end to end: the showcase runs, and its report works offline in a
real browser with every network request refused."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines import read_manifest, showcase_notebooks

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


@pytest.fixture(scope="module")
def showcase(showcase_run: Path) -> Path:
    return showcase_run


def test_showcase_notebooks_all_succeed(showcase: Path, repo_root: Path) -> None:
    failures = {}
    for notebook in showcase_notebooks(repo_root / "notebooks"):
        manifest = read_manifest(showcase / notebook.stem)
        if manifest["status"] != "succeeded":
            failures[notebook.name] = manifest["error"]
    assert failures == {}


def test_each_showcase_notebook_runs_in_under_two_minutes(showcase: Path, repo_root: Path) -> None:
    durations = {
        notebook.name: read_manifest(showcase / notebook.stem)["duration_s"]
        for notebook in showcase_notebooks(repo_root / "notebooks")
    }
    assert {name: s for name, s in durations.items() if s >= 120} == {}


def test_every_showcase_notebook_ran(showcase: Path, repo_root: Path) -> None:
    names = [p.stem for p in showcase_notebooks(repo_root / "notebooks")]
    assert names and names[0] == "00_tour"
    for name in names:
        manifest = read_manifest(showcase / name)
        assert manifest["status"] == "succeeded"
        assert (showcase / name / f"{name}.html").exists()
    index = (showcase / "index.html").read_text()
    assert all(f"{name}/{name}.html" in index for name in names)


def test_tour_checks_its_physics(showcase: Path) -> None:
    recorded = read_manifest(showcase / "00_tour")["recorded"]
    # The 5-point Laplacian is second order: the notebook measures it against the exact
    # Fourier solution of the heat equation.
    assert recorded["convergence_order"] == pytest.approx(2.0, abs=0.1)
    assert 0 < recorded["relative_l2_error"] < 1e-2


def test_reports_link_no_remote_script(showcase: Path) -> None:
    for report in showcase.glob("*/*.html"):
        html = report.read_text()
        remote = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["'](https?:)?//[^"']+""", html)
        assert remote == [], report
        assert "remote script left out of the offline report" in html  # plotly's MathJax


@pytest.mark.browser
def test_report_shows_real_figures_offline(
    showcase: Path, chromium: Any, artifacts_dir: Path
) -> None:
    from PIL import Image

    report = showcase / "00_tour" / "00_tour.html"
    page = chromium.new_page()
    refused: list[str] = []

    def refuse_network(route: Any) -> None:
        if not route.request.url.startswith(("file:", "data:", "blob:")):
            refused.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", refuse_network)
    page.context.set_offline(True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2", timeout=30_000
        )
        traces = page.evaluate(
            "Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".map(gd => gd.data.map(t => t.type || 'scatter'))"
        )
        heatmap_images = page.evaluate(
            "Array.from(document.querySelectorAll('.js-plotly-plot .hm image'))"
            ".map(img => (img.getAttribute('href') || img.getAttribute('xlink:href') || '').length)"
        )
        plot = page.query_selector_all(".js-plotly-plot")[0]
        png = plot.screenshot(path=str(artifacts_dir / "tour_report_heatmaps.png"))
        page.screenshot(path=str(artifacts_dir / "tour_report.png"), full_page=False)
    finally:
        # The browser context is shared by the whole session: later tests need the network.
        page.context.set_offline(False)
        page.close()
    assert traces[0] == ["heatmap", "heatmap", "heatmap"]
    assert ["scatter", "scatter"] in traces
    assert len(heatmap_images) == 3 and min(heatmap_images) > 1000  # rasterized data
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200  # a field, not a blank box
    assert errors == []
    assert refused == []  # the report asked the network for nothing


def test_missing_showcase_list(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="showcase list not found"):
        showcase_notebooks(tmp_path)
    (tmp_path / "showcase.txt").write_text("# the tour\nmissing.ipynb\n")
    with pytest.raises(DataFileError, match=r"line 2: lists 'missing\.ipynb'"):
        showcase_notebooks(tmp_path)


def test_showcase_runs_at_once_keep_their_order_and_failures(tmp_path: Path) -> None:
    """``workers=2``: results come back in showcase order, whichever finished first; a failing
    notebook fails alone; the index lists every run."""
    from ai4s_lab.pipelines import run_showcase
    from tests.conftest import make_notebook

    folder = tmp_path / "notebooks"
    make_notebook(folder / "slow.ipynb", ["import time\ntime.sleep(1)\nprint('slow')"])
    make_notebook(folder / "broken.ipynb", ["raise ValueError('on purpose')"])
    make_notebook(folder / "quick.ipynb", ["print('quick')"])
    (folder / "showcase.txt").write_text("slow.ipynb\nbroken.ipynb\nquick.ipynb\n")
    finished: list[str] = []
    results = run_showcase(
        folder, tmp_path / "out", workers=2,
        on_result=lambda r: finished.append(r.executed_notebook.stem),
    )  # fmt: skip
    assert [r.executed_notebook.stem for r in results] == ["slow", "broken", "quick"]
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error is not None and results[1].error["ename"] == "ValueError"
    assert sorted(finished) == ["broken", "quick", "slow"]  # each announced as it finished
    index = (tmp_path / "out" / "index.html").read_text()
    assert all(f"{name}/{name}.html" in index for name in ("slow", "quick"))
    with pytest.raises(ParameterError, match="workers=0"):
        run_showcase(folder, tmp_path / "out", workers=0)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_unreadable_showcase_notebook_fails_alone(tmp_path: Path, workers: int) -> None:
    """A notebook cut short (not JSON) is one failed run: the others run and the index is
    written (it stopped the whole showcase)."""
    from ai4s_lab.pipelines import run_showcase
    from tests.conftest import make_notebook

    folder = tmp_path / "notebooks"
    make_notebook(folder / "first.ipynb", ["print('first')"])
    (folder / "cut.ipynb").write_text('{"cells": [{"cell_type": "code", "sou')
    make_notebook(folder / "last.ipynb", ["print('last')"])
    (folder / "showcase.txt").write_text("first.ipynb\ncut.ipynb\nlast.ipynb\n")
    results = run_showcase(folder, tmp_path / "out", workers=workers)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error is not None and "cut.ipynb" in results[1].error["evalue"]
    assert (tmp_path / "out" / "index.html").exists()
