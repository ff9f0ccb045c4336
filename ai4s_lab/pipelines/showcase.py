"""The showcase: the notebooks ``make demo`` runs with their default parameters.

``notebooks/showcase.txt`` lists them, one file name a line, in order; each run gets its own
folder under the output folder, the reports share one ``assets/`` folder, and an ``index.html``
links them.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import quote

from ai4s_lab.errors import Ai4sError, DataFileError, ParameterError
from ai4s_lab.pipelines.report import ASSETS_DIRNAME
from ai4s_lab.pipelines.runner import RunResult, run_notebook

__all__ = ["SHOWCASE_LIST", "run_showcase", "showcase_notebooks"]

SHOWCASE_LIST = "showcase.txt"


def showcase_notebooks(folder: str | Path) -> list[Path]:
    """The notebooks listed in ``folder/showcase.txt`` (comments start with ``#``)."""
    root = Path(folder)
    listing = root / SHOWCASE_LIST
    if not listing.is_file():
        raise DataFileError(
            listing, "showcase list not found", hint="give the notebooks folder of the repository"
        )
    notebooks = []
    for number, raw in enumerate(listing.read_text(encoding="utf-8").splitlines(), start=1):
        name = raw.split("#", 1)[0].strip()
        if not name:
            continue
        path = root / name
        if not path.is_file():
            raise DataFileError(listing, f"lists {name!r}, which does not exist", line=number)
        notebooks.append(path)
    return notebooks


def run_showcase(
    folder: str | Path,
    output_dir: str | Path,
    *,
    workers: int = 1,
    on_result: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run every showcase notebook with its defaults; a failure does not stop the others.

    Parameters
    ----------
    folder
        The folder holding the notebooks and ``showcase.txt``.
    output_dir
        Where the run folders, the shared assets and ``index.html`` go; runs of an earlier
        showcase there are replaced.
    workers
        Notebooks running at once, each in its own kernel. More than one overlaps one
        notebook's kernel start and report writing with another's computing.
    on_result
        Called after each run, as runs finish (e.g. to print its report path).

    Returns
    -------
    list of RunResult
        One per notebook, in showcase order.
    """
    if workers < 1:
        raise ParameterError(f"workers={workers} must be at least 1")
    notebooks = showcase_notebooks(folder)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)

    def run(notebook: Path) -> RunResult:
        try:
            return run_notebook(
                notebook,
                output_dir=out / notebook.stem,
                assets_dir=out / ASSETS_DIRNAME,
                raise_on_error=False,
                overwrite=True,  # the showcase's reports are regenerated on every `make demo`
            )
        except Ai4sError as err:  # e.g. a notebook that is not valid JSON: that run fails only
            folder = out / notebook.stem
            error = {"cell_index": None, "execution_count": None, "source": "",
                     "ename": type(err).__name__, "evalue": str(err)}  # fmt: skip
            return RunResult("failed", folder, folder / notebook.name, None,
                             folder / "run.json", error)  # fmt: skip

    results: dict[Path, RunResult] = {}
    if workers == 1:
        for notebook in notebooks:
            results[notebook] = run(notebook)
            if on_result is not None:
                on_result(results[notebook])
    else:
        # Import before the threads start, so they do not queue on the import lock.
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ai4s-showcase") as pool:
            futures = {pool.submit(run, notebook): notebook for notebook in notebooks}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_result is not None:
                    on_result(results[futures[future]])
    ordered = [results[notebook] for notebook in notebooks]
    _write_index(out, ordered)
    return ordered


def _write_index(out: Path, results: list[RunResult]) -> Path:
    rows = []
    for result in results:
        name = html.escape(result.executed_notebook.stem)
        status = html.escape(result.status)
        link = (
            f'<a href="{html.escape(quote(result.report.relative_to(out).as_posix()))}">{name}</a>'
            if result.report
            else name
        )
        rows.append(f"<tr><td>{link}</td><td class='{status}'>{status}</td></tr>")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>AI4S Lab showcase</title><style>body{font-family:sans-serif;margin:2em}"
        "td{padding:4px 12px}.succeeded{color:#2e7d32}.failed{color:#c62828}</style></head>"
        "<body><h1>AI4S Lab showcase</h1><table><tr><th>notebook</th><th>status</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
