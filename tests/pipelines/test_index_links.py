"""Links of the sweep index and the showcase index to reports in folders with URL syntax in
their names (no kernel)."""

from __future__ import annotations

from pathlib import Path

from ai4s_lab.pipelines import RunResult, write_index
from ai4s_lab.pipelines.showcase import _write_index

ODD = "run #1 ?a=50%"


def test_sweep_index_links_are_url_quoted(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / ODD
    folder.mkdir(parents=True)
    (folder / "r #2.html").write_text("<p>report</p>")
    run = {"run_id": "a" * 16, "position": 0, "status": "succeeded", "parameters": {"n": 1},
           "recorded": {}, "output_dir": str(folder), "report": "r #2.html"}  # fmt: skip
    page = write_index(tmp_path, [run], title="t").read_text()
    assert "href='runs/run%20%231%20%3Fa%3D50%25/r%20%232.html'" in page


def test_showcase_index_links_are_url_quoted(tmp_path: Path) -> None:
    folder = tmp_path / ODD
    result = RunResult("succeeded", folder, folder / "nb.ipynb", folder / "nb.html",
                       folder / "run.json")  # fmt: skip
    page = _write_index(tmp_path, [result]).read_text()
    assert 'href="run%20%231%20%3Fa%3D50%25/nb.html"' in page
