"""Shared fixtures: paths to real data, a torch ``device`` fixture, notebooks made on the fly,
and a headless Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
CHROMIUM = os.environ.get("AI4S_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing_module_skip(report: pytest.TestReport) -> bool:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return "could not import" in reason


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker per CPU this run may use. pytest-xdist counts the host's CPUs
    (psutil), which in a container with a CPU quota starts many times too many workers.
    Optional: without pytest-xdist (``-p no:xdist``, a bare GPU machine) the hook is unknown."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist reads it
    from ai4s_lab._cpus import usable_cpus

    return usable_cpus()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for ``pytest -n N --dist loadgroup`` (what ``make test`` runs): the tests of the
    showcase run on one worker (it runs once there), the browser tests on one worker (one
    JupyterLab and one Chromium); every other test goes wherever a worker is free."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "showcase_run" in fixtures:
            item.add_marker(pytest.mark.xdist_group("showcase"))
        elif "jupyter_lab" in fixtures or "chromium" in fixtures:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a test skipped for a missing library fails: `make test` installs every oracle and
    optional format, so such a skip would hide a broken install rather than a real absence."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if os.environ.get("CI") and report.skipped and _missing_module_skip(report):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI for a missing library: {report.longrepr}"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout."""
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real files written by others (see its MANIFEST.md)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder {SHARED_DATA} is missing beside the repository")
    return SHARED_DATA


def _devices() -> list[Any]:
    params: list[Any] = ["cpu"]
    params.append(pytest.param("cuda", marks=pytest.mark.gpu))
    return params


@pytest.fixture(params=_devices())
def device(request: pytest.FixtureRequest) -> str:
    """A torch device name; the CUDA case skips itself where no GPU is present."""
    import torch

    name: str = request.param
    if name == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    return name


def make_notebook(path: Path, cells: list[str], parameters: str | None = None) -> Path:
    """Write a notebook whose code cells are ``cells``; ``parameters`` becomes the tagged cell."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb_cells = []
    if parameters is not None:
        nb_cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb_cells += [new_code_cell(source) for source in cells]
    nb = new_notebook(cells=nb_cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's) under Playwright, with a fresh profile.

    Skips where Chromium is absent, except when ``AI4S_REQUIRE_BROWSER=1`` (CI), where that is
    a failure.
    """
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}; apt-get install chromium"
        if os.environ.get("AI4S_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="ai4s-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser tests save screenshots (kept after the run)."""
    folder = REPO / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[Any]:
    """One JupyterLab for the test session, on 127.0.0.1 with a token (see tests/lab_helpers.py).

    Depends on ``chromium`` so that it skips (or fails in CI) together with the browser.
    """
    from tests.lab_helpers import start_lab, stop_lab

    server = start_lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture()
def lab_page(chromium: Any, jupyter_lab: Any) -> Iterator[Any]:
    """A fresh browser tab for a JupyterLab test; console errors are collected on ``.errors``."""
    chromium.set_offline(False)  # an earlier test may have emulated an offline browser
    page = chromium.new_page()
    page.set_default_timeout(60_000)
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    try:
        yield page
    finally:
        page.close()
        jupyter_lab.shutdown_kernels()


@contextlib.contextmanager
def _showcase_lock(factory: pytest.TempPathFactory, exclusive: bool) -> Iterator[None]:
    """A lock shared by the test processes of this session (the pytest-xdist workers): the
    showcase holds it exclusively while it runs, every other test holds it shared."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    base = factory.getbasetemp()
    folder = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with open(folder / "ai4s-showcase.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _quiet_while_the_showcase_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Tests wait while the showcase runs on another worker, which then has the machine to
    itself: it times each notebook against its 2-minute budget on 2 cores."""
    if "showcase_run" in request.fixturenames:
        yield
        return
    with _showcase_lock(tmp_path_factory, exclusive=False):
        yield


@pytest.fixture(scope="session")
def showcase_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The showcase (what ``make demo`` runs), executed once per test session, alone on the
    machine (other tests wait, see ``_quiet_while_the_showcase_runs``).

    Returns the output folder: one subfolder per notebook (``<stem>/run.json``, the executed
    notebook and its report), shared ``assets/`` and ``index.html``. Tests of each lab's notebook
    read their run from here instead of running the notebook again.
    """
    from ai4s_lab.pipelines import run_showcase

    out = tmp_path_factory.mktemp("showcase")
    with _showcase_lock(tmp_path_factory, exclusive=True):
        run_showcase(REPO / "notebooks", out)
    return out
