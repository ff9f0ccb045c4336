"""Pipeline runner overhead: ``ai4s_lab.pipelines.run_notebook`` (papermill + manifest + offline
HTML report) against bare ``papermill.execute_notebook`` on the same small notebook.

Alternates the two, repeats, and prints medians and the ratio: what a user pays for the
provenance and the report on each run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill
from nbformat.v4 import new_code_cell, new_notebook

from ai4s_lab.pipelines import run_notebook

REPEATS = 5


def _notebook(folder: Path) -> Path:
    nb = new_notebook(
        cells=[
            new_code_cell("n = 100", metadata={"tags": ["parameters"]}),
            new_code_cell("import math\ntotal = sum(math.sqrt(i) for i in range(n))"),
            new_code_cell("total"),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "bench.ipynb"
    nbformat.write(nb, path)
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = _notebook(folder)
        ours, bare = [], []
        for i in range(REPEATS):
            start = time.perf_counter()
            papermill.execute_notebook(
                str(source),
                str(folder / f"bare-{i}.ipynb"),
                parameters={"n": 1000},
                progress_bar=False,
            )
            bare.append(time.perf_counter() - start)
            start = time.perf_counter()
            run_notebook(source, {"n": 1000}, output_dir=folder / f"ours-{i}")
            ours.append(time.perf_counter() - start)
    m_ours, m_bare = statistics.median(ours), statistics.median(bare)
    print(f"{'runner':<34}{'median s':>10}{'min s':>10}")
    print(f"{'papermill.execute_notebook':<34}{m_bare:>10.3f}{min(bare):>10.3f}")
    print(f"{'ai4s_lab run_notebook (+report)':<34}{m_ours:>10.3f}{min(ours):>10.3f}")
    print(
        f"ratio ours/papermill: {m_ours / m_bare:.2f}x "
        f"(overhead {m_ours - m_bare:+.3f} s a run for manifest + offline HTML report)"
    )


if __name__ == "__main__":
    main()
