"""Run one notebook with parameters through papermill, and keep everything it produced.

A run writes, into its output folder: the executed notebook, an offline HTML report and a
``run.json`` manifest (parameters, notebook hash, times, status, versions, device, git commit).
A failing cell, or an interrupted run (Ctrl-C), still leaves all three, with the error recorded.

The notebook runs with its own folder as working directory, so it reads the data beside it; its
run folder is ``os.environ["AI4S_RUN_DIR"]`` in the kernel, where it should write its outputs.
Files it writes into its own folder anyway are copied into ``<run folder>/files/`` and listed
in ``run.json`` (``stray_files``), with a warning: the next run of the notebook replaces them.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ai4s_lab.device import RUN_DEVICES_FILE
from ai4s_lab.errors import DataFileError, NotebookExecutionError, ParameterError
from ai4s_lab.pipelines._papermill_files import install_local_files
from ai4s_lab.pipelines._stray_files import (
    STRAY_DIRNAME,
    Snapshot,
    copy_stray_files,
    folder_snapshot,
)
from ai4s_lab.pipelines.kernels import kernel_manager_class
from ai4s_lab.pipelines.manifest import (
    MANIFEST_NAME,
    RunManifest,
    file_sha256,
    git_commit,
    jsonable,
    package_versions,
    read_manifest,
    utc_now,
)
from ai4s_lab.pipelines.parameters import (
    check_notebook_file,
    check_parameters,
    injected_parameters,
    normalize_parameters,
    read_declared_parameters,
)
from ai4s_lab.pipelines.record import read_records
from ai4s_lab.pipelines.report import export_html

__all__ = ["RunResult", "default_output_dir", "run_notebook"]

logger = logging.getLogger(__name__)

#: Environment of the kernel during a run: plotly inlines its library in the output (so reports
#: show figures offline), and the notebook can find its run folder.
KERNEL_ENV = {"PLOTLY_RENDERER": "plotly_mimetype+notebook"}
#: The variable that gives the kernel the absolute path of its run folder, where a notebook
#: writes its output files: ``Path(os.environ.get("AI4S_RUN_DIR", ".")) / "fig.png"``.
RUN_DIR_ENV = "AI4S_RUN_DIR"
#: Tries to start a kernel for one run before the run is recorded as failed.
KERNEL_START_ATTEMPTS = 3


@dataclass(frozen=True)
class RunResult:
    """What a notebook run produced.

    Attributes
    ----------
    status
        ``"succeeded"`` or ``"failed"``.
    output_dir
        The run folder.
    executed_notebook
        The executed ``.ipynb`` (partial when the run failed).
    report
        The HTML report, or None when it was not requested or could not be written.
    manifest
        Path of ``run.json``.
    error
        For a failed run: ``cell_index``, ``execution_count``, ``ename``, ``evalue``, ``source``.
    """

    status: str
    output_dir: Path
    executed_notebook: Path
    report: Path | None
    manifest: Path
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Whether every cell ran without error."""
        return self.status == "succeeded"


class _DropRecords(logging.Filter):
    """Drop log records whose message starts with ``prefix`` and holds ``part`` (logged at
    debug level to this module's logger instead, with ``reason``)."""

    def __init__(self, prefix: str, part: str, reason: str) -> None:
        super().__init__()
        self.prefix, self.part, self.reason = prefix, part, reason

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(self.prefix) and self.part in message:
            logger.debug("%s: %s", self.reason, message.splitlines()[0])
            return False
        return True


# (logger, filter) pairs installed once, when the first notebook runs.
_QUIET = (
    # nbclient cancels its output-polling task of a cell that timed out, but the event loop
    # stops before the cancellation is delivered; when the channels close the task fails on its
    # missing socket. The run's outcome (the timeout) is recorded; the traceback is noise.
    ("asyncio", _DropRecords("Task exception was never retrieved",
                             "NotebookClient._async_poll_output_msg", "nbclient's stale poll")),
    # papermill's line reader skips any parameter line holding two "=" (a SMILES default with a
    # double bond) and then calls the parameter unknown; run_notebook has already checked every
    # name against the cell as Python parses it.
    ("papermill", _DropRecords("Passed unknown parameter", "", "checked by ai4s_lab")),
    ("papermill.translators", _DropRecords("Unable to parse line", "", "papermill's reader")),
)  # fmt: skip


def _execute(
    source: Path,
    executed: Path,
    values: Mapping[str, Any],
    kernel: tuple[str, str],
    cell_timeout: float | None,
    kernel_manager: type,
) -> dict[str, Any] | None:
    """Execute ``source`` into ``executed`` with papermill, in a kernel started by
    ``kernel_manager`` (see :func:`kernel_manager_class`); the error of a failed run, or None."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    install_local_files()  # papermill's own handler changes this process's directory
    for name, quiet in _QUIET:
        logging.getLogger(name).addFilter(quiet)  # addFilter skips a filter already there
    try:
        # The kernel starts in the notebook's folder through nbclient's ``resources`` (not
        # papermill's ``cwd=``, which changes this whole process's working directory while the
        # notebook runs: runs driven from threads at once would then see each other's folder
        # and could leave the process in one of them).
        papermill.execute_notebook(
            str(source.resolve()),
            str(executed.resolve()),
            parameters=dict(values),
            kernel_name=kernel[0],
            language=kernel[1],
            progress_bar=False,
            execution_timeout=cell_timeout,
            kernel_manager_class=kernel_manager,
            resources={"metadata": {"path": str(source.resolve().parent)}},
        )
    except PapermillExecutionError as err:
        return {
            "cell_index": err.cell_index,
            "execution_count": err.exec_count,
            "ename": err.ename,
            "evalue": err.evalue,
            "source": _first_line(err.source),
        }
    except Exception as err:  # kernel death, timeout: the run failed, outputs are kept
        evalue = str(err).strip().splitlines()[0] if str(err).strip() else ""
        cell = _mark_stopped_cell(executed, type(err).__name__, evalue)
        return {
            "cell_index": cell[0] if cell else None,
            "execution_count": cell[1] if cell else None,
            "ename": type(err).__name__,
            "evalue": evalue,
            "source": cell[2] if cell else "",
        }
    return None


def _mark_stopped_cell(
    executed: Path, ename: str, evalue: str
) -> tuple[int, int | None, str] | None:
    """The cell a run stopped in (a timeout, a kernel that died): the last one papermill
    started. It gets the error as its output, so the report shows where the run stopped;
    returns its ``(index, execution count, first line)``, or None where no cell started. The
    count is None where the kernel gave none (it died as the cell began)."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return None
    started = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")
    ]
    if not started:
        return None
    index = started[-1]
    cell = nb.cells[index]
    cell.outputs.append(
        nbformat.v4.new_output(
            "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
        )
    )
    cell.metadata.setdefault("papermill", {})["status"] = "failed"
    nbformat.write(nb, executed)
    return index, cell.get("execution_count"), _first_line(cell.source)


def _any_cell_started(executed: Path) -> bool:
    """Whether papermill began executing any cell of ``executed`` (False if it is unreadable).

    A cell that started has a ``start_time``; the status alone does not tell, because papermill
    marks every pending cell "completed" when it gives up, even when the kernel never started.
    """
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):  # not written yet, or cut short: no cell ran
        return False
    return any(
        cell.get("metadata", {}).get("papermill", {}).get("start_time") is not None
        for cell in nb.cells
        if cell.cell_type == "code"
    )


def default_output_dir(notebook: str | Path, root: str | Path = "runs") -> Path:
    """``runs/<notebook stem>-<YYYYmmdd-HHMMSS>``, made unique if it exists, and created.

    The folder is created here, atomically: two runs started in the same second (from two
    shells, or a shell loop with ``&``) get two folders, never one they both write into.
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{Path(notebook).stem}-{stamp}"
    base.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir()
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
            continue
        return candidate


def _check_output_dir(folder: Path, overwrite: bool, source: Path) -> None:
    """Refuse a folder that is not a folder, the notebook's own folder (the executed notebook
    would replace the notebook), or one that holds an earlier run (unless ``overwrite``): its
    executed notebook, report and ``run.json`` would be replaced."""
    if folder.exists() and not folder.is_dir():
        raise DataFileError(folder, "the output folder is a file", hint="give a folder path")
    if (folder / source.name).resolve() == source.resolve():
        raise DataFileError(
            folder,
            "is the notebook's own folder: the executed notebook would replace the notebook",
            hint="give another output folder",
        )
    previous = folder / MANIFEST_NAME
    if overwrite or not previous.exists():
        return
    try:
        earlier = json.loads(previous.read_text(encoding="utf-8"))
        what = f" of {Path(str(earlier.get('notebook', '?'))).name}"
        what += f" started {earlier.get('started', '?')}"
    except (OSError, ValueError, AttributeError):
        what = ""
    raise DataFileError(
        folder,
        f"already holds a run{what}",
        hint="give a new output folder, or pass overwrite=True (ai4s-lab run --overwrite) "
        "to replace it",
    )


def _clear_previous_run(folder: Path) -> None:
    """Remove what the run recorded in ``folder/run.json`` wrote (its report, executed notebook
    and copied stray files): a run that overwrites it and writes no report (``report=False``)
    must not leave the earlier run's report beside its own ``run.json``."""
    try:
        earlier = read_manifest(folder / MANIFEST_NAME)
    except (OSError, ValueError):
        return
    if not isinstance(earlier, dict):
        return
    for key in ("report", "output_notebook"):
        name = earlier.get(key)
        if isinstance(name, str) and name and Path(name).name == name:  # a file of the folder
            try:
                (folder / name).unlink(missing_ok=True)
            except OSError as err:  # a folder of that name: not the run's file
                logger.debug("%s: not removed (%s)", folder / name, err)
    if earlier.get("stray_files"):
        shutil.rmtree(folder / STRAY_DIRNAME, ignore_errors=True)


def _kernel_language(name: str) -> str:
    """The language of the installed kernel ``name``; a kernel name that no installed kernel
    spec has is refused, before a run is recorded."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        return str(manager.get_kernel_spec(name).language or "python")
    except NoSuchKernel as err:
        installed = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise ParameterError(
            f"kernel_name={name!r} is not an installed Jupyter kernel (installed: {installed}); "
            "use one of those (`jupyter kernelspec list`) or install it"
        ) from err


def run_notebook(
    notebook: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    output_dir: str | Path | None = None,
    report: bool = True,
    assets_dir: str | Path | None = None,
    kernel_name: str = "python3",
    cell_timeout: float | None = None,
    raise_on_error: bool = True,
    overwrite: bool = False,
) -> RunResult:
    """Execute a notebook with papermill and write its executed copy, report and manifest.

    Parameters
    ----------
    notebook
        Path of the ``.ipynb`` to run; it runs with its own folder as working directory, so
        relative data paths in it keep working. Its run folder is
        ``os.environ["AI4S_RUN_DIR"]`` in the kernel: write output files there.
    parameters
        Values for the names in the notebook's ``parameters`` cell; checked before the kernel
        starts.
    output_dir
        Run folder; defaults to :func:`default_output_dir`. A folder that already holds a run
        (a ``run.json``) is refused unless ``overwrite`` is true.
    report
        Write the offline HTML report.
    assets_dir
        Shared folder for the report's scripts (see :func:`~ai4s_lab.pipelines.report.export_html`).
    kernel_name
        Jupyter kernel to run the notebook in.
    cell_timeout
        Seconds one cell may run before the run fails (None: no limit).
    raise_on_error
        Raise :class:`~ai4s_lab.errors.NotebookExecutionError` when a cell fails (after writing
        the partial outputs); otherwise return a result with ``status="failed"``.
    overwrite
        Replace the run already in ``output_dir`` (a sweep re-running its own run folder); the
        report, executed notebook and copied files named by its ``run.json`` are removed first.

    Returns
    -------
    RunResult

    Notes
    -----
    Files the notebook creates or changes in its own folder (relative paths) are copied into
    ``<output_dir>/files/``, listed in ``run.json`` as ``stray_files``, and a warning says to
    write them to ``os.environ["AI4S_RUN_DIR"]`` instead: every run of the notebook writes to the
    same files there, and runs at once (a sweep with several workers) can replace each
    other's files before they are copied. A run interrupted by Ctrl-C is recorded as failed
    (``KeyboardInterrupt``), with its partial notebook and report, and the interrupt re-raised.
    """
    source = check_notebook_file(notebook)
    if cell_timeout is not None and not cell_timeout > 0:
        raise ParameterError(
            f"cell_timeout={cell_timeout} must be a positive number of seconds (or None)"
        )
    # papermill writes the parameters in the notebook's language, which a notebook made
    # without a kernelspec (nbformat.v4.new_notebook()) does not state: the kernel's is used.
    language = _kernel_language(kernel_name)
    values = check_parameters(
        source, normalize_parameters(parameters or {}), read_declared_parameters(source)
    )
    if not values:
        # papermill runs the values an earlier run wrote into the notebook (an executed
        # notebook run again) when given none: they are this run's, and recorded as such
        values = injected_parameters(source)

    if output_dir is not None:
        folder = Path(output_dir)
        _check_output_dir(folder, overwrite, source)
        folder.mkdir(parents=True, exist_ok=True)
        if overwrite:
            _clear_previous_run(folder)
    else:
        folder = default_output_dir(source)
    executed = folder / source.name
    manifest = RunManifest(
        notebook=str(source.resolve()),
        notebook_sha256=file_sha256(source),
        parameters=jsonable(values),
        output_notebook=executed.name,
        device={"requested": values.get("device", "auto")},
        packages=package_versions(),
        git_commit=git_commit(source.resolve().parent),
    )
    manifest.write(folder)
    (folder / RUN_DEVICES_FILE).unlink(missing_ok=True)  # left by an earlier run into this folder

    # Files the notebook writes with relative paths land in its own folder: found afterwards
    # by comparing snapshots, and copied into the run folder.
    home = source.resolve().parent
    # the notebook itself changes when JupyterLab saves it meanwhile: not the run's output
    skip = [folder, source] + ([Path(assets_dir)] if assets_dir is not None else [])
    before = folder_snapshot(home, skip)
    started = time.perf_counter()
    logger.info("running %s -> %s", source, folder)
    kernel_env = {**KERNEL_ENV, RUN_DIR_ENV: str(folder.resolve())}
    finish = functools.partial(
        _finish_run, manifest=manifest, source=source, folder=folder, started=started,
        report=report, assets_dir=assets_dir, stray=(home, before, skip),
    )  # fmt: skip
    try:
        error = _execute_attempts(
            source, executed, values, (kernel_name, language), cell_timeout, kernel_env
        )
    except BaseException as err:  # Ctrl-C, SystemExit: record the run as failed, then go on
        evalue = _first_line(str(err))
        cell = _mark_stopped_cell(executed, type(err).__name__, evalue)
        error = {
            "cell_index": cell[0] if cell else None,
            "execution_count": cell[1] if cell else None,
            "ename": type(err).__name__,
            "evalue": evalue,
            "source": cell[2] if cell else "",
        }
        finish(error=error, interrupted=True)
        raise
    report_path = finish(error=error, interrupted=False)

    result = RunResult(
        status=manifest.status,
        output_dir=folder,
        executed_notebook=executed,
        report=report_path,
        manifest=folder / MANIFEST_NAME,
        error=error,
    )
    if error and raise_on_error:
        exc = NotebookExecutionError(
            source,
            cell_index=error["cell_index"],
            ename=error["ename"],
            evalue=error["evalue"],
            output_dir=folder,
        )
        exc.result = result  # type: ignore[attr-defined]
        raise exc
    return result


def _execute_attempts(
    source: Path,
    executed: Path,
    values: Mapping[str, Any],
    kernel: tuple[str, str],
    cell_timeout: float | None,
    kernel_env: Mapping[str, str],
) -> dict[str, Any] | None:
    """Execute the notebook, starting its kernel up to :data:`KERNEL_START_ATTEMPTS` times;
    the error of a failed run, or None."""
    error: dict[str, Any] | None = None
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        # Unix sockets first; a kernel that did not start on them (a temporary folder where
        # sockets cannot be made) gets TCP on localhost next time.
        manager = kernel_manager_class(dict(kernel_env), unix_sockets=attempt == 1)
        error = _execute(source, executed, values, kernel, cell_timeout, manager)
        if error is None or _any_cell_started(executed) or attempt == KERNEL_START_ATTEMPTS:
            break
        # The kernel never ran a cell (it did not start or answer, e.g. two kernels raced for a
        # port on a busy machine): that is not the notebook's failure, try again.
        logger.warning(
            "%s: the kernel did not start (%s: %s); attempt %d of %d",
            source.name, error["ename"], error["evalue"], attempt + 1, KERNEL_START_ATTEMPTS,
        )  # fmt: skip
    return error


def _finish_run(
    *,
    manifest: RunManifest,
    source: Path,
    folder: Path,
    started: float,
    report: bool,
    assets_dir: str | Path | None,
    stray: tuple[Path, Snapshot | None, list[Path]],
    error: dict[str, Any] | None,
    interrupted: bool,
) -> Path | None:
    """Complete the manifest of a run that ended (its outcome, records, device, stray files),
    write the report if asked, and write ``run.json``; the report's path, or None.

    An interrupted run has its manifest written before the report too: a second Ctrl-C during
    the report leaves the run recorded as failed, never as running.
    """
    import nbformat

    executed = folder / source.name
    manifest.device = _device_summary(manifest.parameters.get("device"), folder)
    if executed.exists():
        try:
            manifest.recorded = read_records(nbformat.read(executed, as_version=4))
        except (OSError, ValueError):  # cut short by the interrupt
            manifest.recorded = {}
    manifest.status = "failed" if error else "succeeded"
    manifest.error = error
    manifest.finished = utc_now()
    manifest.duration_s = round(time.perf_counter() - started, 3)
    home, before, skip = stray
    manifest.stray_files = copy_stray_files(home, before, folder, skip)
    if interrupted:
        manifest.write(folder)

    report_path: Path | None = None
    if report and executed.exists():
        banner = {
            "notebook": source.name,
            "status": manifest.status,
            "error": _describe(error) if error else "",
            "parameters": manifest.parameters,
        }
        try:
            report_path = export_html(
                executed, folder / f"{source.stem}.html", assets_dir=assets_dir, banner=banner
            )
        except Exception:
            if not interrupted:
                raise
            logger.warning("%s: no report for the interrupted run", source.name, exc_info=True)
        else:
            manifest.report = report_path.name
    manifest.write(folder)
    return report_path


def _describe(error: Mapping[str, Any]) -> str:
    return f"{failed_cell(error)} raised {error['ename']}: {error['evalue']}"


def failed_cell(error: Mapping[str, Any]) -> str:
    """The cell a run's ``error`` names, as a reader finds it: ``cell In [4] (first line)``,
    ``cell 2 (first line)`` (its 0-based index) where the kernel gave it no execution count,
    or ``the run`` where no cell had started."""
    count, index = error.get("execution_count"), error.get("cell_index")
    if count is not None:
        cell = f"cell In [{count}]"
    elif index is not None:
        cell = f"cell {index}"
    else:
        cell = "the run"
    return cell + (f" ({error['source']})" if error.get("source") else "")


def _first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def _device_summary(requested: object, folder: Path) -> dict[str, Any]:
    """The device a run asked for and, where the notebook resolved devices with
    :func:`~ai4s_lab.resolve_device`, the ones it used (the first accelerator, else the first)."""
    summary: dict[str, Any] = {"requested": requested if isinstance(requested, str) else "auto"}
    try:
        used = json.loads((folder / RUN_DEVICES_FILE).read_text())
    except (OSError, ValueError):
        used = []
    if used:
        main = next((info for info in used if info.get("device") != "cpu"), used[0])
        summary.update(main, used=[info.get("device") for info in used])
    else:
        summary["used"] = []
    return summary
