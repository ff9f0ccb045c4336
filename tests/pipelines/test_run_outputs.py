"""What a run leaves behind: files written beside the notebook, an interrupted run, a run that
replaces another. Most tests stand papermill in with a function (no kernel); one runs a kernel."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest

from ai4s_lab.pipelines import read_manifest, run_notebook, runner
from ai4s_lab.pipelines._stray_files import folder_snapshot
from tests.conftest import make_notebook


def _fake_execute(write: dict[str, str] | None = None, raises: BaseException | None = None) -> Any:
    """A stand-in for ``runner._execute``: writes ``write`` (path relative to the notebook's
    folder -> text), a partial executed notebook whose first cell started, then raises."""

    def execute(source: Path, executed: Path, *args: Any) -> dict[str, Any] | None:
        nb = nbformat.read(source, as_version=4)
        for name, text in (write or {}).items():
            (source.parent / name).parent.mkdir(parents=True, exist_ok=True)
            (source.parent / name).write_text(text)
        nb.cells[0].metadata["papermill"] = {"start_time": "2024-01-01T00:00:00"}
        nbformat.write(nb, executed)
        if raises is not None:
            raise raises
        return None

    return execute


@pytest.fixture()
def notebook(tmp_path: Path) -> Path:
    return make_notebook(tmp_path / "src" / "nb.ipynb", ["y = x * 2"], parameters="x = 0.5")


def test_files_written_beside_the_notebook_are_copied_into_the_run(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    home = notebook.parent
    (home / "old.csv").write_text("before\n")
    (home / "data.txt").write_text("read only\n")
    (home / "other_run").mkdir()
    (home / "other_run" / "run.json").write_text("{}")  # another run's folder: not ours
    writes = {"old.csv": "changed, longer\n", "sub/fig.png": "png", ".cache/x": "hidden",
              "other_run/nb.html": "theirs", "__pycache__/m.pyc": "bytecode",
              "nb.ipynb": notebook.read_text() + " "}  # saved meanwhile: not an output  # fmt: skip
    monkeypatch.setattr(runner, "_execute", _fake_execute(writes))
    out = home / "runs" / "r1"  # the run folder inside the notebook's folder: skipped
    with caplog.at_level(logging.WARNING, logger="ai4s_lab.pipelines._stray_files"):
        result = run_notebook(notebook, {"x": 1}, output_dir=out, report=False)
    manifest = read_manifest(out)
    assert [entry["path"] for entry in manifest["stray_files"]] == ["old.csv", "sub/fig.png"]
    assert manifest["stray_files"][1] == {"path": "sub/fig.png", "bytes": 3,
                                          "copy": "files/sub/fig.png"}  # fmt: skip
    assert (result.output_dir / "files" / "old.csv").read_text() == "changed, longer\n"
    assert (out / "files" / "sub" / "fig.png").read_text() == "png"
    message = caplog.text
    assert "wrote 2 file(s) into the notebook's folder" in message
    assert "os.environ['AI4S_RUN_DIR']" in message and "runs at once" in message


def test_snapshot_skips_hidden_and_run_folders_and_gives_up_on_a_huge_folder(
    tmp_path: Path,
) -> None:
    for name in ("a.txt", "d/b.txt", ".git/c", "__pycache__/m.pyc", "sweep/catalog.sqlite",
                 "sweep/runs/x/y.txt", "skipme/z.txt"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("1")
    snapshot = folder_snapshot(tmp_path, skip=[tmp_path / "skipme"])
    assert snapshot is not None and sorted(snapshot) == ["a.txt", "d/b.txt"]
    assert folder_snapshot(tmp_path, limit=3) is None  # too many entries: not checked


def test_an_interrupted_run_is_recorded_as_failed_with_its_partial_outputs(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "_execute", _fake_execute(raises=KeyboardInterrupt()))
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_notebook(notebook, output_dir=out)
    manifest = read_manifest(out)
    assert manifest["status"] == "failed" and manifest["finished"]
    assert manifest["error"]["ename"] == "KeyboardInterrupt"
    # the cell it stopped in, which the kernel gave no execution count (not its index)
    assert manifest["error"]["cell_index"] == 0 and manifest["error"]["execution_count"] is None
    assert manifest["report"] == "nb.html" and (out / "nb.html").exists()
    executed = nbformat.read(out / "nb.ipynb", as_version=4)
    assert executed.cells[0].outputs[-1]["ename"] == "KeyboardInterrupt"


def test_overwrite_removes_the_replaced_runs_report_and_files(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    (out / "files").mkdir(parents=True)
    (out / "files" / "old.csv").write_text("old")
    for name in ("nb.html", "renamed.ipynb", "notes.txt"):
        (out / name).write_text("old")
    (out / "run.json").write_text(
        '{"report": "nb.html", "output_notebook": "renamed.ipynb", "parameters": {"x": 11},'
        ' "stray_files": [{"path": "old.csv", "bytes": 3, "copy": "files/old.csv"}]}'
    )
    monkeypatch.setattr(runner, "_execute", lambda *args: None)  # writes no notebook
    run_notebook(notebook, {"x": 22}, output_dir=out, report=False, overwrite=True)
    manifest = read_manifest(out)
    assert manifest["parameters"] == {"x": 22.0} and manifest["report"] is None
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "run.json"]  # the user's file


def test_the_notebooks_own_folder_is_refused_as_output(notebook: Path) -> None:
    from ai4s_lab.errors import DataFileError

    with pytest.raises(DataFileError, match="executed notebook would replace the notebook"):
        run_notebook(notebook, output_dir=notebook.parent)
    assert nbformat.read(notebook, as_version=4).cells[1].source == "y = x * 2"


@pytest.mark.notebook
def test_a_real_run_with_magics_in_its_parameters_cell(tmp_path: Path) -> None:
    """One kernel for several fixes: IPython syntax in the parameters cell, a SMILES with two
    "=", an int given for a float, a file written beside the notebook and one written to
    ``AI4S_RUN_DIR``."""
    source = make_notebook(
        tmp_path / "src" / "magic.ipynb",
        ["import os, pathlib\nimport ai4s_lab\n"
         "pathlib.Path('beside.txt').write_text(smiles)\n"
         "pathlib.Path(os.environ['AI4S_RUN_DIR'], 'mine.txt').write_text(repr(x))\n"
         "ai4s_lab.record('x', x)"],
        parameters="%env AI4S_PROBE=1\n!echo hi\nx = 0.5  # a float\nsmiles = 'C=C=O'",
    )  # fmt: skip
    out = tmp_path / "run"
    result = run_notebook(source, {"x": 3, "smiles": "O=C=O"}, output_dir=out, report=False)
    manifest = read_manifest(out)
    assert result.ok, manifest["error"]
    assert manifest["recorded"] == {"x": 3.0} and isinstance(manifest["recorded"]["x"], float)
    assert (out / "mine.txt").read_text() == "3.0"
    assert [entry["path"] for entry in manifest["stray_files"]] == ["beside.txt"]
    assert (out / "files" / "beside.txt").read_text() == "O=C=O"
    assert os.environ.get("AI4S_PROBE") is None  # the magic ran in the kernel, not here


def test_the_catalog_of_a_sweep_in_the_notebooks_folder_is_not_a_stray_file(
    tmp_path: Path,
) -> None:
    """``ai4s-lab sweep nb.ipynb --out .``: the driver writes the catalog beside the notebook
    while a run executes; it was copied into the run as a file the notebook wrote."""
    from ai4s_lab.pipelines import RunCatalog
    from ai4s_lab.pipelines._stray_files import copy_stray_files

    catalog = RunCatalog(tmp_path)
    before = folder_snapshot(tmp_path)
    row = {"run_id": "r1", "sweep": "s", "position": 0, "notebook": "nb.ipynb",
           "notebook_sha256": "0", "parameters": {"x": 1}}  # fmt: skip
    catalog.add_pending([row])  # another run of the sweep is recorded meanwhile
    (tmp_path / "out.csv").write_text("1\n")  # what the notebook itself wrote
    changed = {p.name for p in tmp_path.iterdir() if p.name.startswith("catalog.sqlite")}
    assert changed, "SQLite wrote nothing beside the notebook"
    stray = copy_stray_files(tmp_path, before, tmp_path / "runs" / "r0")
    assert [entry["path"] for entry in stray] == ["out.csv"]
    assert sorted(p.name for p in (tmp_path / "runs" / "r0" / "files").iterdir()) == ["out.csv"]


def test_an_executed_notebook_run_again_records_the_values_it_runs_with(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given no values, papermill runs the cell of values an earlier run injected: run.json
    said ``parameters: {}`` (the defaults) for a notebook that ran with x = 7."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    executed = parameterize_notebook(load_notebook_node(str(notebook)), {"x": 7.0})
    nbformat.write(executed, notebook)  # what a run leaves in its folder, used as a notebook
    monkeypatch.setattr(runner, "_execute", lambda *args: None)
    run_notebook(notebook, output_dir=tmp_path / "again", report=False)
    assert read_manifest(tmp_path / "again")["parameters"] == {"x": 7.0}
