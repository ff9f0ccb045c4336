"""A sweep folder over time: its index and listings, its lock, its inputs, bad notebooks. The runs
are stood in for by an executor that writes manifests (no kernel)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest

from ai4s_lab.cli import main
from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines import Sweep, notebook_parameters
from ai4s_lab.pipelines.manifest import write_manifest
from ai4s_lab.pipelines.sweep import LOCK_NAME, input_hash
from tests.conftest import make_notebook


class RecordingExecutor:
    """Finishes every run at once, recording ``x`` (the parameter's name) as ``10 * x``."""

    def run(self, tasks: Sequence[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict]]:
        for task in tasks:
            x = task["parameters"].get("x", 0.5)
            manifest = {
                "status": "succeeded",
                "started": "2024-01-01T00:00:00",
                "notebook_sha256": task["notebook_sha256"],
                "recorded": {"x": 10 * x},
            }
            Path(task["output_dir"]).mkdir(parents=True, exist_ok=True)
            write_manifest(task["output_dir"], manifest)
            yield task, manifest

    def close(self) -> None:
        pass


@pytest.fixture()
def notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(Sweep, "_executor", lambda self: RecordingExecutor())
    return make_notebook(tmp_path / "nb" / "sw.ipynb", ["y = x"], parameters="x = 0.5")


def test_the_index_compares_the_current_sweep_and_lists_older_runs_apart(
    notebook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    Sweep(notebook, [{"x": 1}, {"x": 2}], output_dir=out, progress=False).run()
    make_notebook(notebook, ["y = 2 * x"], parameters="x = 0.5")  # a new version
    result = Sweep(notebook, [{"x": 1}, {"x": 2}, {"x": 3}], output_dir=out, progress=False).run()
    assert len(result.runs) == 3 and result.executed == 3
    page = result.index.read_text()
    assert "<p>3 runs: 3 succeeded, 0 failed, 0 unfinished." in page
    assert "2 other runs of this folder are listed apart" in page
    assert page.count(">an earlier version of the notebook<") == 2
    headers = re.findall(r"<th>([^<]*)</th>", page.split("Other runs")[0])
    assert headers.count("param.x") == 1 and headers.count("rec.x") == 1 and "x" not in headers
    assert "rec.x vs param.x" in page

    assert main(["runs", str(out), "--sweep", "sw"]) == 0
    listing = capsys.readouterr().out
    assert "5 runs of sweep sw (2 of an earlier version of their notebook)" in listing
    assert listing.count(" yes ") == 2  # the superseded column
    assert main(["runs", str(out), "--sweep", "nope"]) == 2
    assert "no catalog under" in capsys.readouterr().err
    assert main(["report", str(out), "--sweep", "sw"]) == 0
    assert "3 runs: 3 succeeded" in (out / "index.html").read_text()


def test_a_second_sweep_of_a_locked_folder_fails_at_once(notebook: Path, tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")  # elsewhere (Windows) sweeps take no lock
    out = tmp_path / "busy"
    out.mkdir()
    with open(out / LOCK_NAME, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running sweep holds it
        held.write("process 1 on elsewhere\n")
        held.flush()
        with pytest.raises(DataFileError, match=r"busy: another sweep is running in this fold"):
            Sweep(notebook, [{"x": 1}], output_dir=out, progress=False).run()
    assert not (out / "catalog.sqlite").exists()
    assert Sweep(notebook, [{"x": 1}], output_dir=out, progress=False).run().ok  # released


def test_a_data_file_named_by_a_default_counts_in_the_run_id(tmp_path: Path) -> None:
    source = make_notebook(tmp_path / "d.ipynb", ["open(path).read()"], parameters="path = 'a.txt'")
    (tmp_path / "a.txt").write_text("v1")
    declared = notebook_parameters(source)
    before = input_hash(source, {}, declared)
    assert before[1] == {"path": input_hash(source, {"path": "a.txt"})[1]["path"]}
    (tmp_path / "a.txt").write_text("v2")
    assert input_hash(source, {}, declared)[0] != before[0]
    assert input_hash(source, {"path": "a.txt"}, declared)[1] == input_hash(source, {}, declared)[1]
    sweep = Sweep(source, [{}], output_dir=tmp_path / "o", progress=False)
    assert sweep.tasks()[0]["run_id"] == input_hash(source, {}, declared)[0][:16]


def test_an_int_for_a_float_parameter_is_that_float(notebook: Path, tmp_path: Path) -> None:
    sweep = Sweep(notebook, [{"x": 3}], output_dir=tmp_path / "o", progress=False)
    assert sweep.parameter_sets == [{"x": 3.0}] and isinstance(sweep.parameter_sets[0]["x"], float)
    with pytest.raises(ParameterError, match="parameter sets 1 and 2 are the same"):
        Sweep(notebook, [{"x": 1}, {"x": 1.0}], output_dir=tmp_path / "o").tasks()


def test_a_grid_typo_is_reported_once_for_all_its_sets(notebook: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError) as caught:
        Sweep(notebook, [{"y": k} for k in range(8)], output_dir=tmp_path / "o")
    message = str(caught.value)
    assert message.count("no parameter 'y'") == 1
    assert message.startswith("parameter sets 1, 2, 3, 4, 5 and 3 more: sw.ipynb has no")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.ipynb", "", "cannot be read as a notebook: Notebook does not appear to be JSON"),
        ("script.py", "x = 1\n", "not a notebook (give a .ipynb file)"),
        ("folder.ipynb", None, "is a folder, not a notebook"),
    ],
)
def test_a_bad_notebook_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str | None,
    message: str,
) -> None:  # fmt: skip
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    grid = tmp_path / "g.yaml"
    grid.write_text("x: [1]\n")
    with pytest.raises(DataFileError, match=re.escape(message)):
        Sweep(path, [{"x": 1}])
    assert main(["sweep", str(path), "--grid", str(grid), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_a_notebook_without_kernelspec_and_with_magics(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("%matplotlib inline\nx = 1\nsmiles = 'C=C=O'")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = tmp_path / "bare.ipynb"
    nbformat.write(nb, path)
    sweep = Sweep(path, [{"x": 2, "smiles": "O=C=O"}], output_dir=tmp_path / "o")
    assert sweep.parameter_sets == [{"x": 2, "smiles": "O=C=O"}]


def test_a_dask_scheduler_that_is_not_there_leaves_an_honest_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The executor starts inside the sweep's bookkeeping: when it cannot (no scheduler at the
    address), the runs are pending with no attempt, the index lists them, the progress bar is
    closed, and the command line says what to do in one line."""
    import socket

    import tqdm.auto

    from ai4s_lab.pipelines import RunCatalog, executors

    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "SCHEDULER_CONNECT_TIMEOUT_S", 0.5)
    closed: list[bool] = []

    class Bar(tqdm.auto.tqdm):  # type: ignore[misc, type-arg]
        def close(self) -> None:
            closed.append(True)
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    source = make_notebook(tmp_path / "nb" / "sw.ipynb", ["y = x"], parameters="x = 0.5")
    grid = tmp_path / "g.yaml"
    grid.write_text("x: [1, 2]\n")
    out = tmp_path / "out"
    with socket.socket() as bound:  # bound, never listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{bound.getsockname()[1]}"
        argv = ["sweep", str(source), "--grid", str(grid), "--out", str(out),
                "--executor", "dask", "--scheduler", address]  # fmt: skip
        assert main(argv) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and address in errors[0] and "--executor local" in errors[0]
    assert closed
    runs = RunCatalog(out, create=False).runs()
    assert [(r["status"], r["attempts"]) for r in runs] == [("pending", 0), ("pending", 0)]
    assert "2 runs: 0 succeeded, 0 failed, 2 unfinished" in (out / "index.html").read_text()
