"""Where the runs of a sweep execute: on this machine (N kernels at once), or on Dask.

Every executor runs :func:`execute_task` (one notebook run, returning its manifest) and yields
``(task, manifest)`` pairs as runs finish. A run that dies with its worker comes back as a failed
manifest naming the reason, never as a missing run.
"""

from __future__ import annotations

import logging
import signal
import traceback
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Protocol

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.pipelines.kernels import signal_running_kernels
from ai4s_lab.pipelines.manifest import utc_now

__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "LocalExecutor", "execute_task"]

Task = Mapping[str, Any]

logger = logging.getLogger(__name__)

#: Seconds an interrupted sweep waits for its running cells to stop before their kernels are
#: killed.
INTERRUPT_GRACE_S = 5.0
#: Seconds a sweep tries to reach an existing Dask scheduler (``scheduler=``) before it gives up.
SCHEDULER_CONNECT_TIMEOUT_S = 5.0


def execute_task(task: Task) -> dict[str, Any]:
    """Run one notebook as described by ``task`` and return its manifest (never raises for a
    failing notebook)."""
    from ai4s_lab.pipelines.manifest import read_manifest
    from ai4s_lab.pipelines.runner import run_notebook

    run_notebook(
        task["notebook"],
        task["parameters"],
        output_dir=task["output_dir"],
        assets_dir=task.get("assets_dir"),
        cell_timeout=task.get("timeout"),
        kernel_name=task.get("kernel_name", "python3"),
        raise_on_error=False,
        overwrite=True,  # the sweep owns its run folders: a retry or --force replaces the run
    )
    return read_manifest(task["output_dir"])


def _prepare_worker() -> None:
    """Start-up of a worker process of ours (the Dask LocalCluster a sweep starts): import what
    every run needs once.

    ``jsonschema`` imports ``rfc3987_syntax`` where it is installed (Jupyter pulls it in), which
    builds an Earley parser at import time: over a second of every worker's start for "iri"
    format checks that notebook validation never uses. The worker skips that module.
    """
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def lost_run(task: Task, err: BaseException) -> dict[str, Any]:
    """The manifest of a run whose worker failed before the run could report, also written to
    the run's ``run.json`` (which would otherwise say ``running``, or be missing)."""
    from ai4s_lab.pipelines.manifest import read_manifest, write_manifest

    folder = Path(task["output_dir"])
    partial: dict[str, Any] = {}
    try:
        partial = read_manifest(folder / "run.json")
    except (OSError, ValueError):  # not written yet, or cut short by the worker's death
        partial = {}
    detail = "".join(traceback.format_exception_only(type(err), err)).strip()
    manifest = {
        "notebook": task.get("notebook"),
        "notebook_sha256": task.get("notebook_sha256"),
        "parameters": task.get("parameters"),
        **partial,
        "status": "failed",
        "finished": utc_now(),
        "error": {
            "cell_index": None,
            "execution_count": None,
            "ename": type(err).__name__,
            "evalue": detail.splitlines()[-1] if detail else "",
            "source": "",
            "where": "executor",
        },
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_manifest(folder, manifest)
    except OSError as write_err:  # the catalog still records the run as failed
        logger.warning("%s: cannot write run.json of the lost run (%s)", folder, write_err)
    return manifest


class Executor(Protocol):
    """What a sweep needs from an executor."""

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        """Execute ``tasks``; yield each with its manifest as it finishes."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class LocalExecutor:
    """Runs on this machine, ``workers`` notebooks at once.

    Every run has its own kernel, a process of its own, which is where the notebook's work
    happens; this process only drives the kernels (sends cells, writes the executed notebook
    and the report), so the runs are driven from threads here. A kernel that crashes or is
    killed fails its run only. Driving from threads rather than a pool of worker processes
    saves each worker's start-up (a fresh interpreter importing papermill and nbconvert,
    about a second), which for short runs was a large part of the sweep.

    Parameters
    ----------
    workers
        Number of notebooks running at once (each in its own kernel).
    """

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ParameterError(f"workers={workers} must be at least 1")
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[dict[str, Any]]] = []

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        if self.workers == 1:
            for task in tasks:
                try:
                    yield task, execute_task(task)
                except Exception as err:  # the run could not even start: record why
                    yield task, lost_run(task, err)
            return
        if self._pool is None:
            # Import before the threads start, so they do not queue on the import lock.
            import nbconvert  # noqa: F401
            import papermill  # noqa: F401

            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ai4s-run")
        pending: dict[Future[dict[str, Any]], Task] = {
            self._pool.submit(execute_task, task): task for task in tasks
        }
        self._futures = list(pending)
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        yield task, future.result()
                    except Exception as err:  # the run could not even start: record why
                        yield task, lost_run(task, err)
        finally:
            for future in pending:  # interrupted: runs not started yet are not started
                future.cancel()

    def close(self) -> None:
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        for future in self._futures:
            future.cancel()  # not started yet: never started
        if any(not future.done() for future in self._futures):
            # Interrupted (Ctrl-C) with runs in progress: their kernels, in sessions of their
            # own, did not get the signal. Interrupt their cells (each run is then recorded as
            # failed with KeyboardInterrupt, its partial notebook kept), and stop the kernels
            # that do not react within INTERRUPT_GRACE_S seconds, or at a second Ctrl-C.
            try:
                signal_running_kernels(signal.SIGINT)
                wait(self._futures, timeout=INTERRUPT_GRACE_S)
            except KeyboardInterrupt:
                logger.warning("second interrupt: stopping the run kernels now")
            finally:
                signal_running_kernels(getattr(signal, "SIGKILL", signal.SIGTERM))
        pool.shutdown(wait=True, cancel_futures=True)
        self._futures = []


class DaskExecutor:
    """Runs on a Dask cluster: an existing one (``scheduler="tcp://HOST:PORT"``) or a
    ``LocalCluster`` of ``workers`` single-threaded worker processes started here.

    A worker that dies mid-run has its runs rescheduled by Dask on another worker; a run that
    keeps killing workers is recorded as failed (``KilledWorker``). A finished run's result is
    released as soon as it is read, so a worker's death never re-runs it.
    """

    def __init__(self, workers: int = 2, scheduler: str | None = None) -> None:
        if workers < 1:
            raise ParameterError(f"workers={workers} must be at least 1")
        distributed = import_optional("distributed", purpose="running sweeps on Dask")
        if not logging.getLogger().isEnabledFor(logging.INFO):
            # distributed logs every cluster start and stop at INFO with handlers of its own;
            # quiet unless the caller asked for INFO (ai4s-lab -v)
            logging.getLogger("distributed").setLevel(logging.WARNING)
        self._cluster = None
        if scheduler:
            self.client = _connect(distributed, scheduler)
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self.client = distributed.Client(self._cluster)
            # These workers are ours (not a shared cluster's): prepare them as the local pool's.
            self.client.run(_prepare_worker)
        self._distributed = distributed

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        futures = {
            self.client.submit(execute_task, task, pure=False, key=f"run-{task['run_id']}"): task
            for task in tasks
        }
        for future in self._distributed.as_completed(list(futures)):
            # Once read, a result is released: the scheduler would otherwise keep it on its
            # worker, and re-run the finished run when that worker dies.
            task = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as err:  # KilledWorker, lost connection, ...
                outcome = lost_run(task, err)
            finally:
                future.release()
                del future
            yield task, outcome

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _connect(distributed: Any, scheduler: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``scheduler``; an address that is malformed
    or where no scheduler answers within :data:`SCHEDULER_CONNECT_TIMEOUT_S` is an
    :class:`~ai4s_lab.errors.InputError` that says what to do."""
    try:
        return distributed.Client(scheduler, timeout=f"{SCHEDULER_CONNECT_TIMEOUT_S:g}s")
    except (OSError, ValueError) as err:  # refused, timed out, unknown host; a bad address
        detail = str(err).strip() or type(err).__name__
        message = (
            f"cannot connect to the Dask scheduler at {scheduler} ({detail}); start the "
            "scheduler there (`dask scheduler`), check the address, or run on this machine "
            "(executor='local', ai4s-lab sweep --executor local)"
        )
        raise InputError(message) from err


EXECUTORS = ("local", "dask")
