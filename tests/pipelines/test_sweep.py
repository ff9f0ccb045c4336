"""Sweeps end to end: local pool and a real Dask cluster, faults, resume, bad input, index."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines import (
    RunCatalog,
    Sweep,
    expand_grid,
    read_grid,
    read_list,
    read_manifest,
)
from tests.conftest import make_notebook
from tests.lab_helpers import free_port

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

PARAMS = "x = 1\nlabel = 'a'\nmode = 'ok'\npause = 0.0\nflaky_marker = ''"
CELLS = [
    "import os, time\nimport ai4s_lab",
    "time.sleep(pause)\n"
    "if mode == 'error':\n    raise ValueError(f'bad x={x}')\n"
    "if mode == 'exit':\n    os._exit(3)\n"
    "if mode == 'sleep':\n    time.sleep(60)\n"
    "if flaky_marker and not os.path.exists(flaky_marker):\n"
    "    open(flaky_marker, 'w').close()\n    raise RuntimeError('first attempt fails')",
    "ai4s_lab.record('square', x * x)\nai4s_lab.record('label', label)",
]


@pytest.fixture()
def notebook(tmp_path: Path) -> Path:
    return make_notebook(tmp_path / "nb" / "sweepme.ipynb", CELLS, parameters=PARAMS)


def twelve() -> list[dict[str, object]]:
    return expand_grid({"x": [1, 2, 3, 4, 5, 6], "label": ["a", "b"]})


def check_twelve(result_runs: list[dict], out: Path) -> None:
    assert len(result_runs) == 12
    failures = {r["run_id"]: r.get("error") for r in result_runs if r["status"] != "succeeded"}
    assert failures == {}
    for run in result_runs:
        x = run["parameters"]["x"]
        assert run["recorded"] == {"square": x * x, "label": run["parameters"]["label"]}
        assert (Path(run["output_dir"]) / "sweepme.html").exists()
    catalog = RunCatalog(out, create=False)
    assert len(catalog.runs()) == 12
    index = (out / "index.html").read_text()
    assert index.count("sweepme.html") == 12
    assert "square vs x" in index  # a chart of the recorded value against the parameter


def test_local_sweep_of_twelve_runs(notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "local"
    result = Sweep(notebook, twelve(), output_dir=out, workers=2, progress=False).run()
    assert result.executed == 12 and result.cached == 0
    check_twelve(result.runs, out)
    # the same sweep again: nothing to do
    again = Sweep(notebook, twelve(), output_dir=out, workers=2, progress=False).run()
    assert again.executed == 0 and again.cached == 12


def test_runs_at_once_each_see_their_own_run_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kernels started at the same time from the local executor's threads each get their own
    AI4S_RUN_DIR and start in the notebook's folder; this process's environment and working
    directory are left alone (papermill's ``cwd=`` changed the process's directory while a
    notebook ran, so runs at once could leave it in a notebook folder)."""
    source = make_notebook(
        tmp_path / "nb" / "where.ipynb",
        ["import os, time\nimport ai4s_lab\ntime.sleep(0.5)",
         "ai4s_lab.record('run_dir', os.environ['AI4S_RUN_DIR'])\n"
         "ai4s_lab.record('cwd', os.getcwd())\n"
         "ai4s_lab.record('renderer', os.environ['PLOTLY_RENDERER'])"],
        parameters="k = 0",
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    before = dict(os.environ)
    result = Sweep(Path("..") / "nb" / "where.ipynb", [{"k": k} for k in range(4)],
                   output_dir=Path("..") / "out", workers=4, progress=False).run()  # fmt: skip
    assert result.ok
    for run in result.runs:
        assert Path(run["recorded"]["run_dir"]) == Path(run["output_dir"]).resolve()
        assert Path(run["recorded"]["cwd"]) == source.parent.resolve()
        assert "plotly_mimetype" in run["recorded"]["renderer"]
    assert dict(os.environ) == before
    assert Path.cwd() == elsewhere


@pytest.fixture()
def dask_cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A real Dask cluster: `dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    log = open(tmp_path / "dask.log", "wb")  # noqa: SIM115 - closed below
    common = {"stdout": log, "stderr": subprocess.STDOUT, "start_new_session": True}
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        **common,  # type: ignore[call-overload]
    )
    workers = [
        subprocess.Popen(
            [dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
             "--no-dashboard", "--name", f"w{i}"],
            **common,  # type: ignore[call-overload]
        )
        for i in range(2)
    ]  # fmt: skip
    from distributed import Client

    with Client(address, timeout="60s") as client:
        client.wait_for_workers(2, timeout=60)
    try:
        yield address, workers
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_dask_sweep_on_a_real_cluster(notebook: Path, tmp_path: Path, dask_cluster: tuple) -> None:
    address, _ = dask_cluster
    out = tmp_path / "dask"
    result = Sweep(
        notebook, twelve(), output_dir=out, executor="dask", scheduler=address, progress=False
    ).run()
    check_twelve(result.runs, out)


def test_killing_a_dask_worker_loses_no_run(
    notebook: Path, tmp_path: Path, dask_cluster: tuple
) -> None:
    address, workers = dask_cluster
    out = tmp_path / "killed"
    sets = [{"x": x, "pause": 1.5} for x in range(8)]
    sweep = Sweep(notebook, sets, output_dir=out, executor="dask", scheduler=address,
                  progress=False)  # fmt: skip
    outcome: dict[str, object] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("result", sweep.run()))
    thread.start()
    catalog_file = out / "catalog.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if catalog_file.exists() and any(
            r["status"] == "succeeded" for r in RunCatalog(out).runs()
        ):
            break
        time.sleep(0.2)
    os.killpg(workers[0].pid, signal.SIGKILL)  # a worker dies mid-sweep
    thread.join(timeout=300)
    assert not thread.is_alive()
    runs = RunCatalog(out).runs()
    assert len(runs) == 8
    assert all(r["status"] in ("succeeded", "failed") for r in runs)  # none lost or hanging
    failed = [r for r in runs if r["status"] == "failed"]
    assert all(r["error"]["ename"] for r in failed)  # a failure says why
    assert sum(r["status"] == "succeeded" for r in runs) >= 7  # rescheduled on the survivor


def test_faults_cost_only_their_run(notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "faults"
    sets = [
        {"x": 1},
        {"x": 2, "mode": "error"},
        {"x": 3, "mode": "exit"},
        {"x": 4, "mode": "sleep"},
        {"x": 5},
    ]
    result = Sweep(notebook, sets, output_dir=out, workers=2, timeout=5, progress=False).run()
    by_x = {r["parameters"]["x"]: r for r in result.runs}
    assert by_x[1]["status"] == by_x[5]["status"] == "succeeded"
    assert by_x[2]["error"]["ename"] == "ValueError" and "bad x=2" in by_x[2]["error"]["evalue"]
    assert by_x[3]["status"] == "failed" and "Dead" in by_x[3]["error"]["ename"]
    # the cell that killed its kernel got no execution count: none is made up from its index
    died = nbformat.read(Path(by_x[3]["output_dir"]) / "sweepme.ipynb", as_version=4).cells
    error = by_x[3]["error"]
    assert died[error["cell_index"]].source.startswith("time.sleep(pause)")
    assert error["execution_count"] == died[error["cell_index"]].execution_count
    assert by_x[4]["status"] == "failed"
    assert "timeout" in json.dumps(by_x[4]["error"]).lower()
    for x in (2, 3, 4):  # the partial notebook and the manifest are kept
        folder = Path(by_x[x]["output_dir"])
        assert (folder / "sweepme.ipynb").exists() and (folder / "run.json").exists()
    assert not result.ok and len(result.failed) == 3


def test_retries_run_a_failed_run_again(notebook: Path, tmp_path: Path) -> None:
    marker = tmp_path / "flaky.marker"
    sets = [{"x": 7, "flaky_marker": str(marker)}]
    result = Sweep(notebook, sets, output_dir=tmp_path / "r", retries=1, progress=False).run()
    assert result.ok and result.runs[0]["attempts"] == 2 and result.executed == 2


def _sweep_in_its_own_session(
    notebook: Path, grid: Path, out: Path, workers: int
) -> subprocess.Popen[bytes]:
    """``ai4s-lab sweep`` as a terminal starts it: a process group of its own to signal."""
    return subprocess.Popen(
        [sys.executable, "-m", "ai4s_lab.cli", "sweep", str(notebook), "--grid", str(grid),
         "--out", str(out), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def test_killed_driver_resumes_without_repeating(notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "resume"
    grid = tmp_path / "grid.yaml"
    grid.write_text("x: [1, 2, 3, 4, 5, 6]\npause: [1.0]\n")
    driver = _sweep_in_its_own_session(notebook, grid, out, workers=1)
    deadline = time.monotonic() + 180
    finished: list[dict] = []
    while time.monotonic() < deadline and len(finished) < 2:
        time.sleep(0.3)
        if (out / "catalog.sqlite").exists():
            finished = [r for r in RunCatalog(out).runs() if r["status"] == "succeeded"]
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and its kernels die at once
    driver.wait(timeout=30)
    assert 2 <= len(finished) < 6
    before = {r["run_id"]: r["finished"] for r in RunCatalog(out).runs()
              if r["status"] == "succeeded"}  # fmt: skip
    result = Sweep(notebook, read_grid(grid), output_dir=out, workers=2, progress=False).run()
    assert result.ok, [(r["parameters"], r["status"], r.get("error")) for r in result.failed]
    assert len(result.runs) == 6
    assert result.cached == len(before) and result.executed == 6 - len(before)
    for run in result.runs:  # finished runs were not repeated
        if run["run_id"] in before:
            assert run["finished"] == before[run["run_id"]] and run["attempts"] == 1


def test_ctrl_c_stops_a_parallel_sweep_and_leaves_an_honest_catalog(tmp_path: Path) -> None:
    """Ctrl-C in the terminal (SIGINT to the driver's process group) during a 2-worker sweep of
    cells that sleep 300 s: the kernels, in sessions of their own, do not get the signal, so
    the sweep interrupts them itself: it stops (it waited for every running cell), no kernel is
    left, the two interrupted runs are failed with KeyboardInterrupt, the two never started are
    pending with no attempt, and the index lists all four."""
    pids = tmp_path / "pids"
    pids.mkdir()
    notebook = make_notebook(
        tmp_path / "sleepy.ipynb",
        ["import os, pathlib, time\n"
         "pathlib.Path(pid_dir, f'{tag}.pid').write_text(str(os.getpid()))\n"
         "time.sleep(300)"],
        parameters=f"tag = 0\npid_dir = {str(pids)!r}",
    )  # fmt: skip
    grid = tmp_path / "grid.yaml"
    grid.write_text("tag: [0, 1, 2, 3]\n")
    out = tmp_path / "sweep"
    driver = _sweep_in_its_own_session(notebook, grid, out, workers=2)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(pids.glob("*.pid"))) < 2:
        time.sleep(0.2)
    kernels = [int(p.read_text()) for p in pids.glob("*.pid")]
    assert len(kernels) == 2
    os.killpg(driver.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    try:
        code = driver.wait(timeout=120)  # far less than the 300 s the cells would sleep
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
    assert code == 130
    for pid in kernels:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    runs = RunCatalog(out).runs()
    statuses = sorted((r["status"], r["attempts"]) for r in runs)
    assert statuses == [("failed", 1), ("failed", 1), ("pending", 0), ("pending", 0)]
    assert all("KeyboardInterrupt" in str(r["error"]) for r in runs if r["status"] == "failed")
    assert (out / "index.html").read_text().count("pending") >= 2


def test_a_run_that_finished_unrecorded_is_adopted_not_repeated(
    notebook: Path, tmp_path: Path
) -> None:
    """A run that finished after its driver died (or was interrupted) but before the driver
    recorded it: its folder holds a succeeded run.json for the same inputs, so the next sweep
    records it instead of running it again; a half-written manifest is not trusted."""
    from ai4s_lab.pipelines import run_notebook

    out = tmp_path / "adopt"
    sets = [{"x": 1}, {"x": 2}, {"x": 3}]
    sweep = Sweep(notebook, sets, output_dir=out, progress=False)
    first, second, _ = sweep.tasks()
    finished = run_notebook(notebook, {"x": 1}, output_dir=first["output_dir"])
    Path(second["output_dir"]).mkdir(parents=True)
    (Path(second["output_dir"]) / "run.json").write_text('{"status": "succ')  # cut short
    result = sweep.run()
    assert result.ok and result.cached == 1 and result.executed == 2
    adopted = next(r for r in result.runs if r["parameters"] == {"x": 1})
    assert adopted["recorded"] == {"square": 1, "label": "a"}
    assert adopted["finished"] == read_manifest(finished.manifest)["finished"]


def test_changed_data_file_reruns_only_its_run(tmp_path: Path) -> None:
    source = make_notebook(
        tmp_path / "nb" / "data.ipynb",
        ["import ai4s_lab\nai4s_lab.record('size', len(open(path).read()))"],
        parameters="path = 'a.txt'",
    )
    (source.parent / "a.txt").write_text("aaa")
    (source.parent / "b.txt").write_text("bb")
    sets = [{"path": "a.txt"}, {"path": "b.txt"}]
    first = Sweep(source, sets, output_dir=tmp_path / "d", progress=False).run()
    assert [r["recorded"]["size"] for r in first.runs] == [3, 2]
    (source.parent / "a.txt").write_text("aaaaa")
    second = Sweep(source, sets, output_dir=tmp_path / "d", progress=False).run()
    assert second.executed == 1 and second.cached == 1
    assert [r["recorded"]["size"] for r in second.runs] == [5, 2]
    forced = Sweep(source, sets, output_dir=tmp_path / "d", force=True, progress=False).run()
    assert forced.executed == 2


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ([{"x": 1}, {"y": 2}], "parameter set 2: sweepme.ipynb has no parameter 'y'"),
        ([{"x": "many"}], "parameter 'x' expects int"),
        ([], "no parameter sets"),
        ([{"x": 1}, {"x": 1}], "parameter sets 1 and 2 are the same"),
        (  # every bad set at once, so that one fix of the file is enough
            [{"x": "a"}, {"x": 1}, {"y": 2}, {"x": "b"}],
            r"(?s)set 1: .*'x' expects int.*\nparameter set 3: .*no parameter 'y'.*\n"
            r"parameter set 4: .*nothing was run",
        ),
        ([{"x": str(k)} for k in range(12)], r"(?s)set 10: .*\.\.\. and 2 more bad"),
    ],
)
def test_bad_sweeps_start_nothing(
    notebook: Path, tmp_path: Path, sets: list[dict], message: str
) -> None:
    out = tmp_path / "never"
    with pytest.raises(ParameterError, match=message):
        Sweep(notebook, sets, output_dir=out, progress=False).run()
    assert not out.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"executor": "slurm"}, "executor='slurm' is unknown"),
        ({"workers": 0}, "workers=0"),
        ({"retries": -1}, "retries=-1"),
        ({"timeout": 0}, "timeout=0"),
        ({"scheduler": "tcp://127.0.0.1:1"}, "needs executor='dask'"),
    ],
)
def test_bad_options(notebook: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        Sweep(notebook, [{"x": 1}], **kwargs)


def test_grid_and_list_files(tmp_path: Path) -> None:
    grid = tmp_path / "g.yaml"
    grid.write_text("n: [16, 32]\nnu: 0.1\nname: [a, b]\n")
    assert read_grid(grid) == [
        {"n": 16, "nu": 0.1, "name": "a"}, {"n": 16, "nu": 0.1, "name": "b"},
        {"n": 32, "nu": 0.1, "name": "a"}, {"n": 32, "nu": 0.1, "name": "b"},
    ]  # fmt: skip
    table = tmp_path / "l.csv"
    table.write_text("n,nu,name\n16,1e-3,a\n32,,'b'\n")
    assert read_list(table) == [{"n": 16, "nu": 1e-3, "name": "a"}, {"n": 32, "name": "b"}]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.yaml", "", "the grid is empty"),
        ("bad.yaml", "n: [1, 2\n", "not valid YAML"),
        ("list.yaml", "- 1\n", "expected a mapping"),
        ("hole.yaml", "n: []\n", "empty list of values"),
        ("empty.csv", "", "no header line"),
        ("header.csv", "n,nu\n", "no parameter sets"),
        ("ragged.csv", "n\n1,2\n", "line 2: more cells than header names"),
    ],
)
def test_bad_grid_and_list_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    reader = read_grid if name.endswith(".yaml") else read_list
    with pytest.raises(DataFileError, match=message):
        reader(path)


def test_cli_sweep_report_and_runs(notebook: Path, tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("x: [2, 3]\n")
    out = tmp_path / "cli"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ai4s_lab.cli", *args], capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip

    done = cli("sweep", str(notebook), "--grid", str(grid), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "2 runs: 2 succeeded, 0 failed (2 executed, 0 cached)" in done.stdout
    (out / "index.html").unlink()
    assert cli("report", str(out)).returncode == 0 and (out / "index.html").exists()
    listing = cli("runs", str(tmp_path))
    assert listing.returncode == 0 and "cli/catalog.sqlite: 2 runs" in listing.stdout
    listing = cli("runs", str(out / "catalog.sqlite"))  # the catalog file itself
    assert listing.returncode == 0 and "catalog.sqlite: 2 runs" in listing.stdout
    more = tmp_path / "more.yaml"
    more.write_text("x: [4]\n")
    done = cli("sweep", str(notebook), "--grid", str(more), "--out", str(out), "--name", "more")
    assert done.returncode == 0, done.stderr
    index = (out / "index.html").read_text()
    # this sweep's run is compared; the folder's other runs are listed apart
    assert "<p>1 runs: 1 succeeded" in index and "2 other runs of this folder" in index
    bad = tmp_path / "bad.yaml"
    bad.write_text("y: [1]\n")
    refused = cli("sweep", str(notebook), "--grid", str(bad), "--out", str(tmp_path / "no"))
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0 and "no parameter 'y'" in refused.stderr
    assert not (tmp_path / "no").exists()
