"""The ``ai4s-lab`` command line.

``ai4s-lab run NOTEBOOK [-p NAME VALUE]... [-f params.yaml] [--out DIR [--overwrite]]``
    run a notebook with papermill; write the executed notebook, an offline HTML report and
    ``run.json``.
``ai4s-lab showcase [--notebooks DIR] [--out DIR] [--workers N]``
    run the showcase notebooks with their defaults (what ``make demo`` does).
``ai4s-lab sweep NOTEBOOK --grid params.yaml | --list params.csv [--executor local|dask] ...``
    run a notebook for many parameter sets, recorded in a SQLite catalog, with an index report.
``ai4s-lab report DIR [--sweep NAME]`` / ``ai4s-lab runs [DIR] [--sweep NAME]``
    rebuild a sweep's index.html / list the runs of a catalog (or of single runs' folders).
``ai4s-lab doctor``
    say what is installed, what is missing, and how to fix it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ai4s_lab._version import __version__
from ai4s_lab.errors import Ai4sError, ParameterError

if TYPE_CHECKING:
    from ai4s_lab.pipelines.catalog import RunCatalog

__all__ = ["main"]

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ai4s-lab`` command; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(_protect_parameter_values(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        status: int = args.handler(args)
    except Ai4sError as err:
        print(f"ai4s-lab: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `ai4s-lab runs | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return EXIT_OK
    except OSError as err:  # a folder that cannot be written, a full disk: say it in one line
        logging.getLogger("ai4s_lab.cli").debug("%s failed", args.command, exc_info=True)
        if err.filename and err.strerror:  # "/x/y: Not a directory", not "[Errno 20] ..."
            print(f"ai4s-lab: error: {err.filename}: {err.strerror}", file=sys.stderr)
        else:
            print(f"ai4s-lab: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ai4s-lab: interrupted", file=sys.stderr)
        return 130
    return status


#: Put before a ``-p NAME VALUE`` value that starts with "-" (``-1e-3``, ``-.inf``), which
#: argparse would take for an option; removed again before the value is parsed.
_VALUE_MARK = "\x00"
_PARAMETER_OPTIONS = ("-p", "--parameter")


def _protect_parameter_values(argv: Sequence[str]) -> list[str]:
    """``argv`` with ``-p NAME=VALUE`` split into ``-p NAME VALUE``, and each ``-p`` value that
    starts with "-" marked (see :data:`_VALUE_MARK`)."""
    out: list[str] = []
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        out.append(token)
        i += 1
        if token not in _PARAMETER_OPTIONS or i >= len(tokens):
            continue
        name, equals, value = tokens[i].partition("=")
        if equals and name.isidentifier():  # -p n=5
            pair = [name, value]
            i += 1
        elif i + 1 < len(tokens):
            pair = tokens[i : i + 2]
            i += 2
        else:  # -p NAME with no value: argparse says so
            continue
        if pair[1].startswith("-"):
            pair[1] = _VALUE_MARK + pair[1]
        out.extend(pair)
    return out


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ai4s-lab", description="AI4S Lab: notebooks as reproducible pipelines."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a notebook with parameters and write its report",
        description="Run NOTEBOOK with papermill. Values are parsed as YAML 1.2: "
        "-p n 64 (or -p n=64) is an int, -p device cuda a string, -p sizes '[1, 2]' a list; "
        "010 is 10 and no, on, 1:30, 2024-01-01 stay strings. Quote text that looks like a "
        "number: -p label \"'2024'\". The notebook runs in its own folder; it should write "
        "its output files to os.environ['AI4S_RUN_DIR'], the run folder.",
    )
    run.add_argument("notebook", type=Path, help="the .ipynb to run")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable; -p NAME=VALUE works too)",
    )
    run.add_argument(
        "-f",
        "--parameters-file",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="YAML file of parameters (-p values win)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="run folder (default: runs/<notebook>-<time>)",
    )
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run already in the --out folder (refused otherwise)",
    )
    run.add_argument("--no-report", action="store_true", help="skip the HTML report")
    run.add_argument("--kernel", default="python3", help="Jupyter kernel name")
    run.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="seconds a single cell may run"
    )
    run.set_defaults(handler=_cmd_run)

    showcase = commands.add_parser(
        "showcase", help="run the showcase notebooks with their default parameters"
    )
    showcase.add_argument(
        "--notebooks",
        type=Path,
        default=Path("notebooks"),
        metavar="DIR",
        help="folder with showcase.txt (default: notebooks)",
    )
    showcase.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="output folder (default: reports)",
    )
    showcase.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="notebooks running at once, each in its own kernel (default: 1)",
    )
    showcase.set_defaults(handler=_cmd_showcase)

    sweep = commands.add_parser(
        "sweep",
        help="run a notebook once per parameter set; record every run",
        description="Run NOTEBOOK for every combination of a YAML grid (name: [v1, v2]) or every "
        "row of a CSV list. Finished runs with the same inputs are skipped, so re-running an "
        "interrupted sweep completes only what is missing.",
    )
    sweep.add_argument("notebook", type=Path, help="the .ipynb to run")
    source = sweep.add_mutually_exclusive_group(required=True)
    source.add_argument("--grid", type=Path, metavar="FILE", help="YAML grid of parameters")
    source.add_argument("--list", type=Path, metavar="FILE", help="CSV list of parameter sets")
    sweep.add_argument("--executor", choices=["local", "dask"], default="local")
    sweep.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="an existing Dask scheduler (with --executor dask)",
    )
    sweep.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="runs at once (local) or Dask LocalCluster workers (default 2)",
    )
    sweep.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="sweep folder (default: sweeps/<notebook>)",
    )
    sweep.add_argument(
        "--retries", type=int, default=0, metavar="N", help="times a failed run is tried again"
    )
    sweep.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="seconds a single cell may run"
    )
    sweep.add_argument("--force", action="store_true", help="re-run finished runs too")
    sweep.add_argument("--name", default=None, help="sweep label in the catalog")
    sweep.set_defaults(handler=_cmd_sweep)

    report = commands.add_parser("report", help="rebuild a sweep folder's index.html")
    report.add_argument("folder", type=Path, metavar="DIR")
    report.add_argument(
        "--sweep", default=None, metavar="NAME", help="compare the runs of this sweep only"
    )
    report.set_defaults(handler=_cmd_report)

    runs = commands.add_parser(
        "runs",
        help="list the runs in a catalog",
        description="List the runs of sweep catalogs, or of single runs' run.json files (the "
        "folder `ai4s-lab run` writes into). A run of an earlier version of its notebook is "
        "marked superseded.",
    )
    runs.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=Path("sweeps"),
        metavar="DIR",
        help="a sweep folder, a folder of sweep folders, or a folder of runs (default: sweeps)",
    )
    runs.add_argument(
        "--sweep", default=None, metavar="NAME", help="list the runs of this sweep only"
    )
    runs.set_defaults(handler=_cmd_runs)

    doctor = commands.add_parser("doctor", help="show what is installed and what is missing")
    doctor.set_defaults(handler=_cmd_doctor)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from ai4s_lab.pipelines.parameters import parse_cli_parameters, read_parameter_file
    from ai4s_lab.pipelines.runner import failed_cell, run_notebook

    values: dict[str, object] = {}
    for file in args.parameters_file:
        values.update(read_parameter_file(file))
    pairs = [(name, text.removeprefix(_VALUE_MARK)) for name, text in args.parameter or ()]
    values.update(parse_cli_parameters(pairs))
    _check_timeout(args.timeout)
    result = run_notebook(
        args.notebook,
        values,
        output_dir=args.out,
        report=not args.no_report,
        kernel_name=args.kernel,
        cell_timeout=args.timeout,
        raise_on_error=False,
        overwrite=args.overwrite,
    )
    if result.ok:
        print(f"ran {args.notebook} -> {result.output_dir}")
        if result.report:
            print(f"report: {result.report}")
        return EXIT_OK
    error = result.error or {}
    print(
        f"ai4s-lab: {args.notebook}: {failed_cell(error)} failed with "
        f"{error.get('ename')}: {error.get('evalue')}",
        file=sys.stderr,
    )
    print(
        f"partial outputs kept in {result.output_dir}"
        + (f" (report: {result.report})" if result.report else ""),
        file=sys.stderr,
    )
    return EXIT_RUN_FAILED


def _check_timeout(seconds: float | None) -> None:
    if seconds is not None and not seconds > 0:  # NaN too
        raise ParameterError(f"--timeout {seconds:g}: give a positive number of seconds")


def _check_count(flag: str, value: int, minimum: int) -> None:
    """Refuse a count option below ``minimum`` here, naming the flag (the library's own check
    names its keyword: ``workers=0``)."""
    if value < minimum:
        raise ParameterError(f"{flag} {value}: give {minimum} or more")


def _cmd_showcase(args: argparse.Namespace) -> int:
    from ai4s_lab.pipelines.runner import RunResult
    from ai4s_lab.pipelines.showcase import run_showcase

    def announce(result: RunResult) -> None:
        mark = "ok    " if result.ok else "FAILED"
        print(
            f"{mark} {result.executed_notebook.name}: {result.report or result.output_dir}",
            flush=True,
        )
        if not result.ok and result.error:
            print(f"       {result.error.get('ename')}: {result.error.get('evalue')}", flush=True)

    _check_count("--workers", args.workers, 1)
    results = run_showcase(args.notebooks, args.out, workers=args.workers, on_result=announce)
    index = args.out / "index.html"
    print(f"\nShowcase reports: {index.resolve()}")
    for result in results:
        if result.report:
            print(f"  {result.report.resolve()}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_RUN_FAILED


def _cmd_sweep(args: argparse.Namespace) -> int:
    from ai4s_lab.pipelines.grids import read_grid, read_list
    from ai4s_lab.pipelines.runner import failed_cell
    from ai4s_lab.pipelines.sweep import Sweep

    _check_timeout(args.timeout)
    _check_count("--workers", args.workers, 1)
    _check_count("--retries", args.retries, 0)
    if args.scheduler and args.executor != "dask":
        raise ParameterError(f"--scheduler {args.scheduler} needs --executor dask")
    sets = read_grid(args.grid) if args.grid else read_list(args.list)
    sweep = Sweep(
        args.notebook,
        sets,
        output_dir=args.out,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        retries=args.retries,
        timeout=args.timeout,
        force=args.force,
        name=args.name,
    )
    result = sweep.run()
    print(
        f"{len(result.runs)} runs: {len(result.runs) - len(result.failed)} succeeded, "
        f"{len(result.failed)} failed ({result.executed} executed, {result.cached} cached)"
    )
    for run in result.failed:
        error = run.get("error") or {}
        print(
            f"  FAILED {run['run_id'][:8]} {run['parameters']}: {failed_cell(error)}: "
            f"{error.get('ename')}: {error.get('evalue')}",
            file=sys.stderr,
        )
    print(f"index: {result.index.resolve()}")
    return EXIT_OK if result.ok else EXIT_RUN_FAILED


def _cmd_report(args: argparse.Namespace) -> int:
    from ai4s_lab.pipelines.catalog import RunCatalog, superseded
    from ai4s_lab.pipelines.index import write_index

    catalog = RunCatalog(args.folder, create=False)
    rows = catalog.runs(args.sweep)
    if args.sweep is not None and not rows:
        raise ParameterError(f"--sweep {args.sweep}: {_no_sweep(catalog)}")
    # runs of an earlier version of their notebook are listed apart, not compared
    stale = superseded(rows)
    current = [run for run in rows if run["run_id"] not in stale]
    others = [{**run, "why": stale[run["run_id"]]} for run in rows if run["run_id"] in stale]
    if args.sweep is not None:
        mine = {run["run_id"] for run in rows}
        others += [
            {**run, "why": f"sweep {', '.join(run['sweeps'])}"}
            for run in catalog.runs()
            if run["run_id"] not in mine
        ]
    title = f"Sweep {args.sweep} in {args.folder}" if args.sweep else f"Runs in {args.folder}"
    index = write_index(args.folder, current, title=title, others=others)
    print(f"index: {index.resolve()}")
    return EXIT_OK


def _no_sweep(catalog: RunCatalog) -> str:
    names = sorted({name for run in catalog.runs() for name in run["sweeps"]})
    return f"no sweep of that name in {catalog.path}; its sweeps are: {', '.join(names) or 'none'}"


def _cmd_runs(args: argparse.Namespace) -> int:
    from ai4s_lab.errors import DataFileError
    from ai4s_lab.pipelines.catalog import CATALOG_NAME, RunCatalog, superseded
    from ai4s_lab.pipelines.manifest import MANIFEST_NAME

    folder: Path = args.folder
    if folder.is_file() or (folder / CATALOG_NAME).exists():  # the catalog, or its folder
        catalogs = [folder]
    else:
        catalogs = sorted(p.parent for p in folder.glob(f"*/{CATALOG_NAME}"))
    if not catalogs:
        manifests = sorted(folder.glob(f"*/{MANIFEST_NAME}")) or sorted(folder.glob(MANIFEST_NAME))
        if manifests and args.sweep is None:  # runs of `ai4s-lab run`, one folder each
            return _list_single_runs(folder, manifests)
        raise DataFileError(
            folder,
            "no run catalog here or in its subfolders",
            hint="give a sweep folder, or a folder of runs",
        )
    listed = 0
    for path in catalogs:
        catalog = RunCatalog(path, create=False)
        rows = catalog.runs(args.sweep)
        if args.sweep is not None and not rows:
            continue
        listed += 1
        frame = catalog.to_frame(args.sweep)
        stale = superseded(rows)
        label = path if path.is_file() else path / CATALOG_NAME
        which = f" of sweep {args.sweep}" if args.sweep is not None else ""
        note = f" ({len(stale)} of an earlier version of their notebook)" if stale else ""
        print(f"{label}: {len(frame)} runs{which}{note}")
        if len(frame):
            if stale:
                frame.insert(
                    3, "superseded", ["yes" if r in stale else "" for r in frame["run_id"]]
                )
            frame["run_id"] = frame["run_id"].str.slice(0, 8)
            # why a run failed (or its row is damaged): blank, not NaN, for the other runs
            for column in {"failed_cell", "error", "problems"} & set(frame.columns):
                frame[column] = frame[column].fillna("")
            print(frame.to_string(index=False))
    if not listed:
        raise ParameterError(
            f"--sweep {args.sweep}: no catalog under {folder} has a sweep of that name"
        )
    return EXIT_OK


def _list_single_runs(folder: Path, manifests: Sequence[Path]) -> int:
    """Print one line a run folder of ``folder`` (its ``run.json``)."""
    import pandas as pd

    from ai4s_lab.pipelines.manifest import read_manifest

    records: list[dict[str, object]] = []
    for path in manifests:
        try:
            manifest = read_manifest(path)
        except (OSError, ValueError) as err:
            records.append({"run": path.parent.name, "status": f"unreadable ({err})"})
            continue
        flat = {
            "run": path.parent.name,
            "notebook": Path(str(manifest.get("notebook", ""))).name,
            "status": manifest.get("status"),
            "started": manifest.get("started"),
            "duration_s": manifest.get("duration_s"),
        }
        flat.update({f"param.{k}": v for k, v in (manifest.get("parameters") or {}).items()})
        records.append(flat)
    print(f"{folder}: {len(records)} runs")
    print(pd.DataFrame.from_records(records).to_string(index=False))
    return EXIT_OK


def _cmd_doctor(args: argparse.Namespace) -> int:
    from ai4s_lab.doctor import diagnose, format_report

    checks = diagnose()
    print(format_report(checks))
    return EXIT_OK if all(c.ok or c.optional for c in checks) else EXIT_RUN_FAILED


if __name__ == "__main__":
    sys.exit(main())
