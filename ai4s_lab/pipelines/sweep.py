"""Sweeps: one notebook, many parameter sets, every run recorded in the catalog.

A sweep folder holds ``catalog.sqlite``, ``runs/<run id>/`` (executed notebook, report,
``run.json``), a shared ``assets/`` folder and ``index.html``. The run id is a hash of the inputs
(notebook bytes, parameters, and the bytes of data files named by parameters), so re-running a
sweep skips finished runs, finishes interrupted ones, and re-runs a run whose inputs changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai4s_lab.errors import DataFileError, ParameterError
from ai4s_lab.pipelines.catalog import RUNS_DIRNAME, RunCatalog
from ai4s_lab.pipelines.executors import EXECUTORS, DaskExecutor, Executor, LocalExecutor
from ai4s_lab.pipelines.index import write_index
from ai4s_lab.pipelines.manifest import file_sha256, read_manifest, utc_now
from ai4s_lab.pipelines.parameters import (
    check_parameters,
    normalize_parameters,
    notebook_parameters,
)
from ai4s_lab.pipelines.report import ASSETS_DIRNAME

__all__ = ["Sweep", "SweepResult", "input_hash"]

#: Bad parameter sets named in one error (the rest are counted).
_PROBLEMS_SHOWN = 10

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


def input_hash(notebook: Path, parameters: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """Hash of a run's inputs, and the SHA-256 of each data file named by a parameter.

    A string parameter that names an existing file (absolute, or relative to the notebook's
    folder, where the run executes) counts with its bytes: editing the data re-runs the run.
    """
    data_files: dict[str, str] = {}
    for name, value in sorted(parameters.items()):
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
        self.notebook = Path(notebook).resolve()
        if self.notebook.is_dir():
            raise DataFileError(
                self.notebook, "is a folder, not a notebook", hint="give a .ipynb file"
            )
        if not self.notebook.is_file():
            raise DataFileError(self.notebook, "notebook not found", hint="check the path")
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
        declared = notebook_parameters(self.notebook)
        problems: list[str] = []  # every bad set, so that one fix of the file is enough
        for position, given in enumerate(parameter_sets):
            try:
                values = normalize_parameters(given)
                check_parameters(self.notebook, values, declared)
            except ParameterError as err:
                problems.append(f"parameter set {position + 1}: {err}")
                continue
            self.parameter_sets.append(values)
        if problems:
            shown = problems[:_PROBLEMS_SHOWN]
            more = len(problems) - len(shown)
            raise ParameterError(
                "\n".join(shown)
                + (f"\n... and {more} more bad parameter sets" if more else "")
                + ("\nnothing was run; fix these sets" if len(problems) > 1 else "")
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
            digest, data_files = input_hash(self.notebook, values)
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
        """Execute the runs that are missing or unfinished, update the catalog and the index."""
        from tqdm.auto import tqdm

        tasks = self.tasks()  # validates before anything is written
        self.output_dir.mkdir(parents=True, exist_ok=True)
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
        executor = self._executor() if todo else None
        handed: dict[str, str] = {}  # run id -> when it was handed to the executor
        finished: set[str] = set()
        try:
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
            # Interrupted (Ctrl-C, an error): runs that finished meanwhile are recorded, runs
            # never started are pending again, and the index lists what the folder holds.
            for task in tasks:
                if task["run_id"] in handed and task["run_id"] not in finished:
                    _settle(catalog, task, handed[task["run_id"]])
            rows = catalog.runs()
            index = write_index(self.output_dir, rows, title=f"Sweep of {self.notebook.name}")
        runs = [catalog.get(t["run_id"]) for t in tasks]
        mine = [r for r in runs if r is not None]
        return SweepResult(runs=mine, executed=executed, cached=cached, index=index)

    def _executor(self) -> Executor:
        if self.executor_name == "dask":
            return DaskExecutor(workers=self.workers, scheduler=self.scheduler)
        return LocalExecutor(workers=self.workers)


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
