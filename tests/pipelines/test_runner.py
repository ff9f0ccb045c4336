"""Runs of real notebooks through papermill: outputs, manifest, failures, and the CLI."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from ai4s_lab.errors import DataFileError, NotebookExecutionError, ParameterError
from ai4s_lab.pipelines import kernels, read_manifest, run_notebook, wait_for_kernels
from ai4s_lab.pipelines.manifest import file_sha256
from tests.conftest import make_notebook

pytestmark = pytest.mark.notebook

GOOD_CELLS = [
    "import ai4s_lab\nresult = n * scale",
    "ai4s_lab.record('result', result)\nai4s_lab.record('label', label)",
]
PARAMS = "n = 2\nscale = 1.5\nlabel = 'default'"


@pytest.fixture()
def good_notebook(tmp_path: Path) -> Path:
    return make_notebook(tmp_path / "src" / "good.ipynb", GOOD_CELLS, parameters=PARAMS)


@pytest.fixture()
def broken_notebook(tmp_path: Path) -> Path:
    return make_notebook(
        tmp_path / "src" / "broken.ipynb",
        ["import ai4s_lab\nai4s_lab.record('before', 1)", "x = 1 / 0", "after = 'never'"],
        parameters="n = 1",
    )


def test_successful_run_writes_notebook_report_and_manifest(
    good_notebook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_notebook(good_notebook, {"n": 4, "label": "sweep"}, output_dir=out)
    assert result.ok and result.output_dir == out
    executed = nbformat.read(result.executed_notebook, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    manifest = read_manifest(out)
    assert manifest["status"] == "succeeded"
    assert manifest["parameters"] == {"n": 4, "label": "sweep"}
    assert manifest["recorded"] == {"result": 6.0, "label": "sweep"}
    assert manifest["notebook_sha256"] == file_sha256(good_notebook)
    assert manifest["packages"]["papermill"]
    assert manifest["device"] == {"requested": "auto", "used": []}  # this notebook has no torch
    assert manifest["started"] <= manifest["finished"]
    assert manifest["duration_s"] > 0
    assert result.report is not None and result.report.exists()
    assert (out / "assets" / "require.js").exists()


def test_manifest_names_the_devices_the_notebook_used(tmp_path: Path) -> None:
    import torch

    source = make_notebook(
        tmp_path / "dev.ipynb",
        ["import ai4s_lab\nfor _ in range(3):\n    d = ai4s_lab.resolve_device(device)\n"
         "ai4s_lab.resolve_device('cpu')"],
        parameters="device = 'auto'",
    )  # fmt: skip
    manifest = read_manifest(
        run_notebook(source, {"device": "cpu"}, output_dir=tmp_path / "r").manifest
    )
    expected = "cuda:0" if torch.cuda.is_available() else "cpu"
    assert manifest["device"]["requested"] == "cpu"
    assert manifest["device"]["used"] == ["cpu"]
    assert manifest["device"]["torch"] == torch.__version__
    again = run_notebook(source, output_dir=tmp_path / "auto")  # the default: auto
    device = read_manifest(again.manifest)["device"]
    assert device["requested"] == "auto" and device["device"] == expected
    assert device["used"] == sorted({expected, "cpu"}, key=lambda d: d != expected)


def test_failing_cell_keeps_partial_outputs(broken_notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(NotebookExecutionError) as info:
        run_notebook(broken_notebook, output_dir=out)
    err = info.value
    assert err.ename == "ZeroDivisionError" and "division by zero" in err.evalue
    # the 0-based index of the failing cell (it was given the cell's execution count)
    assert nbformat.read(broken_notebook, as_version=4).cells[err.cell_index].source == "x = 1 / 0"
    assert str(out) in str(err)
    manifest = read_manifest(out)
    assert manifest["status"] == "failed"
    assert manifest["error"]["ename"] == "ZeroDivisionError"
    assert manifest["error"]["source"] == "x = 1 / 0"
    assert manifest["recorded"] == {"before": 1}  # what ran before the failure is kept
    executed = nbformat.read(out / "broken.ipynb", as_version=4)
    assert any(
        o.get("ename") == "ZeroDivisionError" for c in executed.cells for o in c.get("outputs", [])
    )
    html = (out / "broken.html").read_text()
    assert "ZeroDivisionError" in html and "failed" in html


def test_a_kernel_that_does_not_start_is_started_again(
    good_notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel that fails before running any cell (a port race on a busy machine) is retried;
    a failure inside a cell is not."""
    import papermill

    real = papermill.execute_notebook
    calls: list[int] = []
    fail_first = True

    def first_start_fails(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1 and fail_first:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", first_start_fails)
    result = run_notebook(good_notebook, {"n": 4}, output_dir=tmp_path / "run")
    assert result.ok and len(calls) == 2
    assert read_manifest(result.manifest)["recorded"]["result"] == 6.0

    calls.clear()
    fail_first = False
    broken = make_notebook(tmp_path / "b.ipynb", ["x = 1 / 0"])
    failed = run_notebook(broken, output_dir=tmp_path / "broken", raise_on_error=False)
    assert failed.error is not None and failed.error["ename"] == "ZeroDivisionError"
    assert len(calls) == 1


def test_the_run_does_not_wait_for_its_kernel_to_exit(tmp_path: Path) -> None:
    """The run ends when its last cell has run and its files are written; the kernel's graceful
    exit (here an atexit hook that takes 2 s, inside jupyter_client's 2.5 s grace) finishes in
    the background, and ``wait_for_kernels`` waits for it."""
    marker = tmp_path / "exited"
    source = make_notebook(
        tmp_path / "slow_exit.ipynb",
        ["import atexit, pathlib, time\n"
         f"atexit.register(lambda: (time.sleep(2.0), pathlib.Path({str(marker)!r}).touch()))",
         "x = 1"],
    )  # fmt: skip
    result = run_notebook(source, output_dir=tmp_path / "run")
    assert result.ok and result.report is not None and result.report.exists()
    assert not marker.exists()  # the kernel was still exiting when the run returned
    assert wait_for_kernels(timeout=30)


@pytest.mark.skipif(os.name != "posix", reason="Unix domain sockets are POSIX only")
def test_run_kernels_talk_over_unix_sockets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """On POSIX a run's kernel listens on ZeroMQ ipc sockets in the temporary folder, not on TCP
    ports; they are gone once the kernel has exited, and ipykernel's warning about plain-text
    TCP traffic is not printed."""
    sockets = Path(tempfile.mkdtemp(prefix="ai4s-t-", dir="/tmp"))
    monkeypatch.setattr(kernels, "_socket_folder", lambda: str(sockets))
    try:
        source = make_notebook(
            tmp_path / "transport.ipynb",
            ["import ai4s_lab, os\n"
             "from ipykernel.kernelapp import IPKernelApp\n"
             "app = IPKernelApp.instance()\n"
             "ai4s_lab.record('transport', app.transport)\n"
             "ai4s_lab.record('sockets', sorted(os.listdir(os.path.dirname(app.ip))))"],
        )  # fmt: skip
        result = run_notebook(source, output_dir=tmp_path / "run")
        assert result.ok
        recorded = read_manifest(result.manifest)["recorded"]
        assert recorded["transport"] == "ipc"
        ours = [name for name in recorded["sockets"] if name.startswith("ai4s-kernel-")]
        assert len(ours) == 5  # shell, iopub, stdin, control, heartbeat
        assert wait_for_kernels(timeout=30)
        assert not any(path.name.startswith("ai4s-kernel-") for path in sockets.iterdir())
        assert "without encryption" not in capfd.readouterr().err
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


def test_a_temporary_folder_too_long_for_sockets_keeps_tcp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai4s_lab.pipelines.kernels import kernel_manager_class

    monkeypatch.setattr(kernels, "_socket_folder", lambda: str(tmp_path / ("x" * 120)))
    manager = kernel_manager_class({})(kernel_name="python3")
    kernels._use_unix_sockets(manager)
    assert manager.transport == "tcp"


def test_papermill_file_io_never_changes_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """papermill's own local handler wraps each read and write in ``os.chdir`` and back, which
    runs in several threads interleave (a sweep once left its caller in another test's folder).
    The handler the runner installs resolves relative paths against the same folder and never
    changes directory; a notebook's JSON text still reads as itself, a missing file still
    raises."""
    from papermill.iorw import local_file_io_cwd, papermill_io

    from ai4s_lab.pipelines._papermill_files import _local_files_class, install_local_files

    handler = install_local_files()
    assert isinstance(handler, _local_files_class())  # this papermill's handler was replaced
    assert papermill_io.get_handler("x.ipynb") is handler
    changes: list[str] = []
    monkeypatch.setattr(os, "chdir", changes.append)
    (tmp_path / "a.ipynb").write_text("{}")
    with local_file_io_cwd(str(tmp_path)):
        assert papermill_io.read("a.ipynb") == "{}"
        papermill_io.write('{"b": 1}', "b.ipynb")
        assert sorted(papermill_io.listdir(".")) == ["./a.ipynb", "./b.ipynb"]
        with pytest.warns(UserWarning, match="extension"):  # papermill's warning, as before
            assert papermill_io.read('{"cells": []}') == '{"cells": []}'
        with pytest.raises(FileNotFoundError):
            papermill_io.read("missing.ipynb")
        with pytest.raises(FileNotFoundError, match="output folder"):
            papermill_io.write("{}", "no/such/folder/c.ipynb")
    assert (tmp_path / "b.ipynb").read_text() == '{"b": 1}'
    assert papermill_io.read(str(tmp_path / "a.ipynb")) == "{}"  # absolute paths as they are
    assert changes == []
    assert install_local_files() is handler  # installing twice changes nothing


def test_a_papermill_without_the_handler_registry_warns_and_runs_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A papermill whose handler registry is not the list this version has: the runner keeps
    papermill's own handler and says what that risks, instead of failing every run."""
    from papermill.iorw import papermill_io

    from ai4s_lab.pipelines._papermill_files import install_local_files

    current = papermill_io.get_handler("local")
    monkeypatch.setattr(papermill_io, "_handlers", tuple(papermill_io._handlers))
    with caplog.at_level(logging.WARNING, logger="ai4s_lab.pipelines._papermill_files"):
        assert install_local_files() is current
    assert "cannot replace its local file handler" in caplog.text


@pytest.mark.skipif(os.name != "posix", reason="Unix domain sockets are POSIX only")
def test_a_kernel_that_cannot_make_its_sockets_runs_over_tcp(
    good_notebook: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A temporary folder where the kernel cannot bind its Unix sockets (here: one that does
    not exist; a short path, so that the sockets are tried) costs one failed start; the run
    then starts its kernel on TCP and succeeds."""
    missing = f"/tmp/ai4s-missing-{os.getpid()}/{tmp_path.name[-8:]}"
    assert not Path(missing).exists()
    monkeypatch.setattr(kernels, "_socket_folder", lambda: missing)
    with caplog.at_level(logging.WARNING, logger="ai4s_lab.pipelines.runner"):
        result = run_notebook(good_notebook, {"n": 4}, output_dir=tmp_path / "run")
    assert result.ok
    assert read_manifest(result.manifest)["recorded"]["result"] == 6.0
    starts = [r for r in caplog.records if "the kernel did not start" in r.getMessage()]
    assert len(starts) == 1, [r.getMessage() for r in caplog.records]


def test_a_kernel_that_dies_at_start_is_started_again(
    good_notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real kernel process that exits before answering (as one that lost a port race does):
    papermill has already written the notebook and marks its cells "completed" when it gives
    up, yet no cell ran, so the run starts a kernel again."""
    import ai4s_lab.pipelines.runner as runner

    real = runner.kernel_manager_class
    made: list[int] = []

    def dies_first_time(env: dict[str, str], unix_sockets: bool = True) -> type:
        cls = real(env, unix_sockets)
        made.append(1)
        if len(made) > 1:
            return cls

        class DiesAtStart(cls):  # type: ignore[misc, valid-type]
            def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
                return [sys.executable, "-c", "raise SystemExit(1)"]

        return DiesAtStart

    monkeypatch.setattr(runner, "kernel_manager_class", dies_first_time)
    result = run_notebook(good_notebook, {"n": 4}, output_dir=tmp_path / "run")
    assert result.ok and len(made) == 2
    assert read_manifest(result.manifest)["recorded"]["result"] == 6.0


def test_bad_parameters_fail_before_any_output(good_notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    with pytest.raises(ParameterError, match="no parameter 'm'"):
        run_notebook(good_notebook, {"m": 1}, output_dir=out)
    assert not out.exists()


def test_missing_and_corrupt_notebooks(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="notebook not found"):
        run_notebook(tmp_path / "nope.ipynb")
    corrupt = tmp_path / "corrupt.ipynb"
    corrupt.write_text("{not json")
    with pytest.raises(DataFileError, match="cannot be read as a notebook"):
        run_notebook(corrupt)
    text = tmp_path / "script.py"
    text.write_text("x = 1")
    with pytest.raises(DataFileError, match="not a notebook"):
        run_notebook(text)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ai4s_lab.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_cli_run_with_parameters_and_file(good_notebook: Path, tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("n: 10\nlabel: from-file\n")
    out = tmp_path / "cli-run"
    proc = _cli(
        "run",
        str(good_notebook),
        "-f",
        str(params),
        "-p",
        "scale",
        "0.5",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"report: {out / 'good.html'}" in proc.stdout
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["parameters"] == {"n": 10, "label": "from-file", "scale": 0.5}
    assert manifest["recorded"]["result"] == 5.0


def test_cli_failing_cell_exits_nonzero_and_says_where(
    broken_notebook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cli-broken"
    proc = _cli("run", str(broken_notebook), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 1
    assert "cell In [3] (x = 1 / 0) failed with ZeroDivisionError: division by zero" in proc.stderr
    assert f"partial outputs kept in {out}" in proc.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "failed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-p", "nn", "3"],
            "good.ipynb has no parameter 'nn'; its parameters are: label, n, scale",
        ),
        (["-p", "n", "many"], "parameter 'n' expects int (default 2), got 'many'"),
    ],
)
def test_cli_bad_parameter_is_one_line(
    good_notebook: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    proc = _cli("run", str(good_notebook), *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "runs").exists()


def test_cli_doctor_and_version(tmp_path: Path) -> None:
    doctor = _cli("doctor", cwd=tmp_path)
    assert "torch" in doctor.stdout and "papermill" in doctor.stdout
    assert doctor.returncode in (0, 1)
    version = _cli("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("ai4s-lab ")


def test_cli_showcase_refuses_bad_workers_in_one_line(tmp_path: Path, repo_root: Path) -> None:
    """``--workers`` zero, negative or not a number: a one-line error, nothing run."""
    for value in ("0", "-3", "many", ""):
        result = _cli("showcase", "--notebooks", str(repo_root / "notebooks"),
                      "--out", str(tmp_path / "out"), "--workers", value, cwd=tmp_path)  # fmt: skip
        assert result.returncode == 2, (value, result.stderr)
        assert "Traceback" not in result.stderr
        assert "workers" in result.stderr.strip().splitlines()[-1], result.stderr
        assert not (tmp_path / "out" / "00_tour").exists()


def test_tuples_and_numpy_values_arrive_with_their_types(tmp_path: Path) -> None:
    """papermill writes a type it does not know as a string literal: a tuple arrived as
    "(8, 16)". A notebook in a folder with a space and non-ASCII letters, as users name them."""
    import numpy as np

    source = make_notebook(
        tmp_path / "my data" / "Mésure α.ipynb",
        ["import ai4s_lab\nai4s_lab.record('types', [type(v).__name__ for v in (shape, n, x)])\n"
         "ai4s_lab.record('cells', shape[0] * shape[1] * n)"],
        parameters="shape = (32, 32)  # grid\nn: int = 4\nx = None",
    )  # fmt: skip
    values = {"shape": (8, 16), "n": np.int64(3), "x": np.float32(0.25)}
    result = run_notebook(source, values, output_dir=tmp_path / "run α")
    recorded = read_manifest(result.manifest)["recorded"]
    assert recorded == {"types": ["list", "int", "float"], "cells": 8 * 16 * 3}
    assert read_manifest(result.manifest)["parameters"] == {"shape": [8, 16], "n": 3, "x": 0.25}


def test_a_folder_that_holds_a_run_is_not_overwritten(good_notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = run_notebook(good_notebook, {"n": 4}, output_dir=out)
    before = {p.name: file_sha256(p) for p in out.iterdir() if p.is_file()}
    with pytest.raises(DataFileError, match=r"already holds a run of good\.ipynb") as info:
        run_notebook(good_notebook, {"n": 5}, output_dir=out)
    assert "overwrite=True" in str(info.value)
    assert {p.name: file_sha256(p) for p in out.iterdir() if p.is_file()} == before
    proc = _cli("run", str(good_notebook), "-p", "n", "6", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2 and "already holds a run" in proc.stderr
    assert read_manifest(first.manifest)["parameters"] == {"n": 4}
    again = run_notebook(good_notebook, {"n": 5}, output_dir=out, overwrite=True)
    assert read_manifest(again.manifest)["recorded"]["result"] == 7.5


def test_default_run_folders_started_in_the_same_second_are_distinct(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from ai4s_lab.pipelines.runner import default_output_dir

    with ThreadPoolExecutor(8) as pool:
        folders = list(pool.map(lambda _: default_output_dir("a.ipynb", tmp_path), range(16)))
    assert len(set(folders)) == 16 and all(f.is_dir() for f in folders)


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_a_cell_timeout_must_be_positive(
    good_notebook: Path, tmp_path: Path, timeout: float
) -> None:
    with pytest.raises(ParameterError, match=f"cell_timeout={timeout}"):
        run_notebook(good_notebook, output_dir=tmp_path / "never", cell_timeout=timeout)
    assert not (tmp_path / "never").exists()


def test_an_unknown_kernel_is_refused_before_anything_runs(
    good_notebook: Path, tmp_path: Path
) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    assert "no-such-kernel" not in KernelSpecManager().find_kernel_specs()
    with pytest.raises(ParameterError, match=r"kernel_name='no-such-kernel'.*python3"):
        run_notebook(good_notebook, output_dir=tmp_path / "never", kernel_name="no-such-kernel")
    assert not (tmp_path / "never").exists()


def test_cli_values_that_argparse_or_yaml_would_lose(good_notebook: Path, tmp_path: Path) -> None:
    """-p scale -1e-3 (argparse took it for an option), -p label '' and -p label '#3' (YAML
    read both as null, the notebook got None); NaN in run.json as null (JSON.parse refused
    NaN)."""
    out = tmp_path / "negative"
    proc = _cli("run", str(good_notebook), "-p", "scale", "-1e-3", "-p", "label", "",
                "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["parameters"]["scale"] == -1e-3 and manifest["parameters"]["label"] == ""
    proc = _cli("run", str(good_notebook), "-p", "label", "#3", "-p", "scale", ".nan",
                "--out", str(tmp_path / "nan"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "nan" / "run.json").read_text()
    assert "NaN" not in text
    manifest = json.loads(text)
    assert manifest["parameters"]["label"] == "#3" and manifest["parameters"]["scale"] is None


def test_a_timed_out_cell_is_named_and_marked_in_the_report(tmp_path: Path) -> None:
    """A cell past cell_timeout: the run says which cell (it said only CellTimeoutError), and
    the executed notebook and report show the error in that cell."""
    import nbformat

    notebook = make_notebook(
        tmp_path / "slow.ipynb", ["x = 1", "import time\ntime.sleep(60)", "y = 2"]
    )
    result = run_notebook(notebook, output_dir=tmp_path / "out", cell_timeout=2,
                          raise_on_error=False)  # fmt: skip
    assert not result.ok and result.error is not None
    assert result.error["ename"] == "CellTimeoutError"
    assert result.error["cell_index"] == 1 and result.error["source"] == "import time"
    cell = nbformat.read(result.executed_notebook, as_version=4).cells[1]
    assert any(o.get("ename") == "CellTimeoutError" for o in cell.outputs)
    assert result.report is not None and "CellTimeoutError" in result.report.read_text()


def test_a_timed_out_cell_prints_no_kernel_or_asyncio_traceback(tmp_path: Path) -> None:
    """After a cell timed out, ipykernel printed a ZMQError traceback (the shutdown request
    closed its sockets while the interrupted cell was still replying) and, one run in five,
    asyncio printed nbclient's orphaned output poll. The run's error says what happened."""
    notebook = make_notebook(tmp_path / "slow.ipynb", ["import time\ntime.sleep(60)"])
    proc = _cli("run", str(notebook), "--timeout", "2", "--out", str(tmp_path / "out"),
                cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1
    assert "CellTimeoutError" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_nbclients_orphaned_output_poll_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    import asyncio
    import gc
    import threading

    from ai4s_lab.pipelines import runner

    class NotebookClient:  # the name asyncio shows for nbclient's task
        async def _async_poll_output_msg(self) -> None:
            raise AssertionError

    def leave_a_failed_task() -> None:
        # a thread of its own: this one may have an event loop running (jupyter_core's)
        loop = asyncio.new_event_loop()
        task = loop.create_task(NotebookClient()._async_poll_output_msg())
        loop.run_until_complete(asyncio.sleep(0.01))
        assert task.done()
        loop.close()

    for name, quiet in runner._QUIET:
        logging.getLogger(name).addFilter(quiet)
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        thread = threading.Thread(target=leave_a_failed_task)
        thread.start()
        thread.join()
        gc.collect()  # the task is collected: asyncio logs "Task exception was never retrieved"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_notebook_without_a_kernelspec_takes_parameters(tmp_path: Path) -> None:
    """papermill writes the injected parameters in the notebook's language; a notebook made
    without a kernelspec states none, and every run failed as "the kernel did not start"."""
    notebook = make_notebook(tmp_path / "bare.ipynb", GOOD_CELLS, parameters=PARAMS)
    nb = nbformat.read(notebook, as_version=4)
    del nb.metadata["kernelspec"]
    nbformat.write(nb, notebook)
    result = run_notebook(notebook, {"n": 3}, output_dir=tmp_path / "out")
    assert result.ok and read_manifest(result.manifest)["recorded"]["result"] == 4.5


def test_a_default_with_two_equals_signs_gets_no_false_unknown_parameter_warning(
    tmp_path: Path,
) -> None:
    """papermill's line reader skips `smiles = "CC(=O)O"` and then warned "Passed unknown
    parameter: smiles" although the value was used."""
    notebook = make_notebook(
        tmp_path / "smiles.ipynb",
        ["import ai4s_lab\nai4s_lab.record('smiles', smiles)"],
        parameters='smiles = "CC(=O)O"  # acetic acid',
    )
    proc = _cli("run", str(notebook), "-p", "smiles", "C=C", "--out", str(tmp_path / "out"),
                cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "out" / "run.json").read_text())["recorded"]["smiles"] == "C=C"
    assert "unknown parameter" not in proc.stderr and "Unable to parse" not in proc.stderr


def test_only_a_kernel_still_running_a_cell_is_interrupted_at_shutdown(
    good_notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT to an idle kernel that is handling a message makes ipykernel print "KeyboardInterrupt
    caught in kernel" (into the report of a notebook that runs a sweep): idle kernels are shut
    down without one; a cell that timed out is interrupted first."""
    from jupyter_client.manager import AsyncKernelManager

    interrupts: list[str] = []
    original = AsyncKernelManager.interrupt_kernel

    async def counted(self: AsyncKernelManager) -> None:
        interrupts.append(self.kernel_id or "")
        await original(self)

    monkeypatch.setattr(AsyncKernelManager, "interrupt_kernel", counted)
    assert run_notebook(good_notebook, output_dir=tmp_path / "idle").ok
    assert interrupts == []
    slow = make_notebook(tmp_path / "slow.ipynb", ["import time\ntime.sleep(60)"])
    result = run_notebook(slow, output_dir=tmp_path / "busy", cell_timeout=2, raise_on_error=False)
    assert result.error is not None and result.error["ename"] == "CellTimeoutError"
    assert len(interrupts) == 1
