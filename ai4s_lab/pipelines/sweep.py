"""Sweeps: one notebook, many parameter sets, every run recorded in the catalog.

A sweep folder holds ``catalog.sqlite``, ``runs/<run id>/`` (executed notebook, report,
``run.json``), a shared ``assets/`` folder and ``index.html``. The run id is a hash of the inputs
(notebook bytes, parameters, and the bytes of data files named by parameters or by their
defaults), so re-running a sweep skips finished runs, finishes interrupted ones, and re-runs a
run whose inputs changed. One sweep at a time runs in a folder (a lock file, where the platform
has ``fcntl``).
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines.catalog import RUNS_DIRNAME, RunCatalog
from ai4s_lab.pipelines.executors import EXECUTORS, DaskExecutor, Executor, LocalExecutor
from ai4s_lab.pipelines.index import write_index
from ai4s_lab.pipelines.manifest import file_sha256, read_manifest, utc_now
from ai4s_lab.pipelines.parameters import (
    check_notebook_file,
    check_parameters,
    normalize_parameters,
    read_declared_parameters,
)
from ai4s_lab.pipelines.report import ASSETS_DIRNAME

__all__ = ["Sweep", "SweepResult", "input_hash"]

#: Bad parameter sets named in one error (the rest are counted).
_PROBLEMS_SHOWN = 10
#: The file a running sweep holds locked in its folder.
LOCK_NAME = ".sweep.lock"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did.

    Attributes
    ----------
    runs
        Catalog rows of the sweep's runs, in sweep order.
    executed
        Number of runs executed by this call (retries included once).
    cached
        Number of runs skipped because a finished run had the same inputs.
    index
        The sweep's ``index.html``.
    """

    runs: list[dict[str, Any]]
    executed: int
    cached: int
    index: Path

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The runs that failed."""
        return [run for run in self.runs if run["status"] != "succeeded"]

    @property
    def ok(self) -> bool:
        """Whether every run succeeded."""
        return not self.failed


def input_hash(
    notebook: Path,
    parameters: Mapping[str, Any],
    declared: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[str, dict[str, str]]:
    """Hash of a run's inputs, and the SHA-256 of each data file named by a parameter.

    A string parameter that names an existing file (absolute, or relative to the notebook's
    folder, where the run executes) counts with its bytes: editing the data re-runs the run.
    So does a parameter left at its default, where ``declared`` (the notebook's parameters,
    :func:`~ai4s_lab.pipelines.parameters.notebook_parameters`) gives a string default that
    names a file.
    """
    named = {
        name: default
        for name, entry in (declared or {}).items()
        if name not in parameters and isinstance(default := _literal(entry.get("default")), str)
    }
    named.update(parameters)
    data_files: dict[str, str] = {}
    for name, value in sorted(named.items()):
        if isinstance(value, str) and value and len(value) < 4096:
            candidate = Path(value)
            if not candidate.is_absolute():
                candidate = notebook.parent / candidate
            if candidate.is_file():
                data_files[name] = file_sha256(candidate)
    payload = json.dumps(
        {"notebook": file_sha256(notebook), "parameters": parameters, "data": data_files},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest(), data_files


def _literal(source: object) -> Any:
    """The value of a default written as a Python literal (None for anything else)."""
    if not isinstance(source, str):
        return None
    try:
        return ast.literal_eval(source)  # literals only: never runs code
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


class Sweep:
    """Run a notebook once per parameter set and record every run.

    Parameters
    ----------
    notebook
        The parameterized ``.ipynb``.
    parameter_sets
        One dict per run (see :func:`~ai4s_lab.pipelines.grids.expand_grid`,
        :func:`~ai4s_lab.pipelines.grids.read_grid`, :func:`~ai4s_lab.pipelines.grids.read_list`).
    output_dir
        The sweep folder (default ``sweeps/<notebook stem>``).
    executor
        ``"local"`` (``workers`` kernels at once on this machine) or ``"dask"``.
    workers
        Notebooks running at once (local), or workers of the Dask ``LocalCluster`` started when no
        ``scheduler`` is given.
    scheduler
        Address of an existing Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    retries
        How many times a failed run is tried again.
    timeout
        Seconds one cell may run before its run fails.
    force
        Re-run runs that already finished with the same inputs.
    name
        Sweep label in the catalog (default: the notebook stem).
    progress
        Show a tqdm progress bar.
    """

    def __init__(
        self,
        notebook: str | Path,
        parameter_sets: Sequence[Mapping[str, Any]],
        *,
        output_dir: str | Path | None = None,
        executor: str = "local",
        workers: int = 1,
        scheduler: str | None = None,
        retries: int = 0,
        timeout: float | None = None,
        force: bool = False,
        name: str | None = None,
        progress: bool = True,
    ) -> None:
        self.notebook = check_notebook_file(notebook).resolve()
        if executor not in EXECUTORS:
            raise ParameterError(
                f"executor={executor!r} is unknown; use one of {', '.join(EXECUTORS)}"
            )
        if scheduler and executor != "dask":
            raise ParameterError("scheduler= needs executor='dask'")
        if workers < 1:
            raise ParameterError(f"workers={workers} must be at least 1")
        if retries < 0:
            raise ParameterError(f"retries={retries} must be 0 or more")
        if timeout is not None and timeout <= 0:
            raise ParameterError(f"timeout={timeout} must be a positive number of seconds")
        self.parameter_sets: list[dict[str, Any]] = []
        self.declared = read_declared_parameters(self.notebook)
        # every bad set, so that one fix of the file is enough; a problem shared by several
        # sets (a typo in a grid's name) is said once, with the sets it is in
        problems: dict[str, list[int]] = {}
        for position, given in enumerate(parameter_sets):
            try:
                values = check_parameters(self.notebook, normalize_parameters(given), self.declared)
            except ParameterError as err:
                problems.setdefault(str(err), []).append(position + 1)
                continue
            self.parameter_sets.append(values)
        if problems:
            lines = [_sets_label(sets) + ": " + problem for problem, sets in problems.items()]
            shown = lines[:_PROBLEMS_SHOWN]
            more = sum(len(sets) for sets in list(problems.values())[_PROBLEMS_SHOWN:])
            raise ParameterError(
                "\n".join(shown)
                + (f"\n... and {more} more bad parameter sets" if more else "")
                + ("\nnothing was run; fix these sets" if len(lines) > 1 else "")
            )
        if not self.parameter_sets:
            raise ParameterError("the sweep has no parameter sets; give a grid or a list")
        # Absolute from here on: papermill changes the process's working directory for a moment
        # around each notebook file it reads or writes, from whichever thread runs it.
        self.output_dir = Path(output_dir or Path("sweeps") / self.notebook.stem).resolve()
        if self.output_dir.exists() and not self.output_dir.is_dir():
            raise DataFileError(
                self.output_dir, "the output folder is a file", hint="give a folder path"
            )
        self.executor_name = executor
        self.workers = workers
        self.scheduler = scheduler
        self.retries = retries
        self.timeout = timeout
        self.force = force
        self.name = name or self.notebook.stem
        self.progress = progress

    def tasks(self) -> list[dict[str, Any]]:
        """One task a distinct parameter set, with its run id and folders."""
        notebook_sha = file_sha256(self.notebook)
        tasks: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        runs_dir = (self.output_dir / RUNS_DIRNAME).resolve()
        for position, values in enumerate(self.parameter_sets):
            digest, data_files = input_hash(self.notebook, values, self.declared)
            run_id = digest[:16]
            if run_id in seen:
                raise ParameterError(
                    f"parameter sets {seen[run_id] + 1} and {position + 1} are the same "
                    f"({values}); remove the duplicate"
                )
            seen[run_id] = position
            tasks.append(
                {
                    "run_id": run_id,
                    "sweep": self.name,
                    "position": position,
                    "notebook": str(self.notebook),
                    "notebook_sha256": notebook_sha,
                    "parameters": values,
                    "data_files": data_files,
                    "output_dir": str(runs_dir / run_id),
                    "assets_dir": str((self.output_dir / ASSETS_DIRNAME).resolve()),
                    "timeout": self.timeout,
                }
            )
        return tasks

    def run(self) -> SweepResult:
        """Execute the runs that are missing or unfinished, update the catalog and the index.

        Raises
        ------
        DataFileError
            When another sweep is running in the same output folder.
        """
        tasks = self.tasks()  # validates before anything is written
        self.output_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.output_dir):
            return self._run(tasks)

    def _run(self, tasks: list[dict[str, Any]]) -> SweepResult:
        from tqdm.auto import tqdm

        catalog = RunCatalog(self.output_dir)
        catalog.add_pending(tasks)
        todo, cached = [], 0
        for task in tasks:
            row = catalog.get(task["run_id"])
            done = row is not None and row["status"] == "succeeded"
            if not done and not self.force:
                # finished after its driver was killed or interrupted, before it was recorded
                manifest = _finished_manifest(task)
                if manifest is not None:
                    catalog.finish(task["run_id"], manifest, task["output_dir"])
                    done = True
            if done and not self.force and Path(task["output_dir"], "run.json").exists():
                cached += 1
            else:
                todo.append(task)
        logger.info("%s: %d runs to execute, %d cached", self.name, len(todo), cached)

        executed = 0
        attempts = dict.fromkeys((t["run_id"] for t in todo), 0)
        bar = tqdm(
            total=len(tasks), initial=cached, desc=self.name, unit="run", disable=not self.progress
        )
        executor: Executor | None = None
        handed: dict[str, str] = {}  # run id -> when it was handed to the executor
        finished: set[str] = set()
        try:
            # Started within the try: an executor that cannot start (no Dask scheduler at the
            # address) leaves the runs pending, recorded so in the index, and the bar closed.
            executor = self._executor() if todo else None
            while todo:
                for task in todo:
                    handed[task["run_id"]] = utc_now()
                    catalog.mark_running(task["run_id"], handed[task["run_id"]])
                    attempts[task["run_id"]] += 1
                    finished.discard(task["run_id"])
                retry: list[dict[str, Any]] = []
                assert executor is not None
                for done_task, manifest in executor.run(todo):
                    task = dict(done_task)
                    executed += 1
                    catalog.finish(task["run_id"], manifest, task["output_dir"])
                    finished.add(task["run_id"])
                    failed = manifest.get("status") != "succeeded"
                    if failed and attempts[task["run_id"]] <= self.retries:
                        retry.append(task)
                    else:
                        bar.update(1)
                todo = retry
        finally:
            bar.close()
            if executor is not None:
                executor.close()
            # Interrupted (Ctrl-C, an error, an executor that did not start): runs that
            # finished meanwhile are recorded, runs never started are pending (again), and the
            # index lists what the folder holds.
            for task in tasks:
                if task["run_id"] in handed and task["run_id"] not in finished:
                    _settle(catalog, task, handed[task["run_id"]])
            # The index compares this sweep's runs; the folder's other runs (earlier versions
            # of the notebook or its data, earlier parameter sets, other sweeps) are apart.
            mine = [run for task in tasks if (run := catalog.get(task["run_id"])) is not None]
            ids = {task["run_id"] for task in tasks}
            try:
                sha = file_sha256(self.notebook)
            except OSError:  # removed meanwhile: every earlier run is of another version
                sha = ""
            others = [
                {**run, "why": self._why_not_current(run, sha)}
                for run in catalog.runs()
                if run["run_id"] not in ids
            ]
            index = write_index(
                self.output_dir, mine, title=f"Sweep of {self.notebook.name}", others=others
            )
        return SweepResult(runs=mine, executed=executed, cached=cached, index=index)

    def _why_not_current(self, run: Mapping[str, Any], notebook_sha256: str) -> str:
        """Why a run of the sweep folder is not one of this sweep's runs (the notebook's
        current hash given)."""
        if Path(str(run.get("notebook"))) != self.notebook:
            return f"notebook {Path(str(run.get('notebook'))).name}"
        if run.get("notebook_sha256") != notebook_sha256:
            return "an earlier version of the notebook"
        if run.get("parameters") in self.parameter_sets:
            return "earlier versions of its data files"
        return "a parameter set not in this sweep"

    def _executor(self) -> Executor:
        if self.executor_name == "dask":
            return DaskExecutor(workers=self.workers, scheduler=self.scheduler)
        return LocalExecutor(workers=self.workers)


def _sets_label(positions: Sequence[int]) -> str:
    """``parameter set 3`` or ``parameter sets 1, 2, 3`` (the first few, then a count)."""
    if len(positions) == 1:
        return f"parameter set {positions[0]}"
    shown = ", ".join(str(p) for p in positions[:5])
    more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
    return f"parameter sets {shown}{more}"


@contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """Hold ``folder/.sweep.lock`` locked while the block runs, so that a second sweep of the
    same folder fails at once instead of running every run a second time. Where the platform
    has no ``fcntl`` (Windows), or the file system refuses locks, nothing is locked."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(folder / LOCK_NAME, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            handle.seek(0)
            holder = handle.read().strip()
            raise DataFileError(
                folder,
                "another sweep is running in this folder" + (f" ({holder})" if holder else ""),
                hint="wait for it to finish, or give another output folder (--out)",
            ) from err
        except OSError as err:  # a file system without locks
            logger.debug("%s: not locked (%s)", folder, err)
            yield
            return
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()  # the lock goes with the file's closing


def _settle(catalog: RunCatalog, task: Mapping[str, Any], handed: str) -> None:
    """Record a run an interrupted sweep handed out but did not see finish: from the manifest it
    wrote in this attempt (finished, or failed by the interrupt), else as never started."""
    path = Path(task["output_dir"]) / "run.json"
    try:
        manifest = read_manifest(path) if path.exists() else None
    except (OSError, ValueError):
        manifest = None
    ran_now = manifest is not None and str(manifest.get("started") or "") >= handed
    if manifest is not None and ran_now and manifest.get("status") in ("succeeded", "failed"):
        catalog.finish(task["run_id"], manifest, task["output_dir"])
    else:
        catalog.mark_pending(task["run_id"])


def _finished_manifest(task: Mapping[str, Any]) -> dict[str, Any] | None:
    """The manifest of ``task``'s run if it finished successfully with the task's notebook
    (its folder is named by the hash of all its inputs), else None."""
    path = Path(task["output_dir"]) / "run.json"
    if not path.exists():
        return None
    try:
        manifest = read_manifest(path)
    except (OSError, ValueError):  # cut short by the crash: not finished
        return None
    succeeded = manifest.get("status") == "succeeded"
    if succeeded and manifest.get("notebook_sha256") == task["notebook_sha256"]:
        return manifest
    return None
