"""Pipelines at scale: 20 short runs sequentially, on the local executor with 2 workers, and on
Dask with 2 workers; and the per-run overhead of ``run_notebook`` over bare
``papermill.execute_notebook`` (same notebook, alternating, medians).

Targets (issue "Pipelines at scale"): >= 1.7x speed-up with 2 workers; overhead <= 15 %.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill
from nbformat.v4 import new_code_cell, new_notebook

from ai4s_lab.pipelines import Sweep, run_notebook

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
REPEATS = 5


def _notebook(folder: Path) -> Path:
    nb = new_notebook(
        cells=[
            new_code_cell("n = 100", metadata={"tags": ["parameters"]}),
            new_code_cell("import math\ntotal = sum(math.sqrt(i) for i in range(n * 1000))"),
            new_code_cell("import ai4s_lab\nai4s_lab.record('total', total)"),
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


def overhead(source: Path, folder: Path) -> tuple[float, float]:
    ours, bare = [], []
    for i in range(REPEATS):
        start = time.perf_counter()
        papermill.execute_notebook(str(source), str(folder / f"bare-{i}.ipynb"),
                                   parameters={"n": 50}, progress_bar=False)  # fmt: skip
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_notebook(source, {"n": 50}, output_dir=folder / f"ours-{i}")
        ours.append(time.perf_counter() - start)
    return statistics.median(bare), statistics.median(ours)


def sweep_time(source: Path, folder: Path, executor: str, workers: int) -> float:
    sets = [{"n": 50 + i} for i in range(RUNS)]
    start = time.perf_counter()
    result = Sweep(source, sets, output_dir=folder / f"{executor}-{workers}", executor=executor,
                   workers=workers, progress=False).run()  # fmt: skip
    elapsed = time.perf_counter() - start
    assert result.ok and result.executed == RUNS, result.failed
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = _notebook(folder)
        m_bare, m_ours = overhead(source, folder)
        serial = sweep_time(source, folder, "local", 1)
        local2 = sweep_time(source, folder, "local", 2)
        dask2 = sweep_time(source, folder, "dask", 2)
    print(f"per-run, median of {REPEATS}:")
    print(f"  bare papermill.execute_notebook     {m_bare:8.3f} s")
    print(
        f"  ai4s_lab run_notebook (+report)     {m_ours:8.3f} s   "
        f"overhead {100 * (m_ours / m_bare - 1):+.1f} % (target <= 15 %)"
    )
    print(f"{RUNS} runs:")
    print(f"  sequential (local, 1 worker)        {serial:8.2f} s   {serial / RUNS:.3f} s/run")
    print(
        f"  local executor, 2 workers           {local2:8.2f} s   "
        f"speed-up {serial / local2:.2f}x (target >= 1.7x)"
    )
    print(
        f"  Dask LocalCluster, 2 workers        {dask2:8.2f} s   "
        f"speed-up {serial / dask2:.2f}x (target >= 1.7x)"
    )


if __name__ == "__main__":
    main()
