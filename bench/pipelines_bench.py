"""Pipelines at scale: 20 short runs sequentially, on the local executor with 2 workers, and on
Dask with 2 workers; and the per-run overhead of ``run_notebook`` over bare
``papermill.execute_notebook`` (same notebook, alternating, medians).

Targets (issue "Pipelines at scale"): >= 1.7x speed-up with 2 workers; overhead <= 15 %.

Run: python bench/pipelines_bench.py [RUNS=20] [SWEEP_REPEATS=3]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
REPEATS = 5


def _notebook(folder: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

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
    import papermill

    from ai4s_lab.pipelines import run_notebook

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


def sweep_time(
    source: Path, folder: Path, executor: str, workers: int, scheduler: str | None = None
) -> float:
    from ai4s_lab.pipelines import Sweep

    sets = [{"n": 50 + i} for i in range(RUNS)]
    start = time.perf_counter()
    out = folder / f"{executor}-{workers}-{scheduler is not None}"
    result = Sweep(source, sets, output_dir=out, executor=executor, workers=workers,
                   scheduler=scheduler, progress=False).run()  # fmt: skip
    elapsed = time.perf_counter() - start
    assert result.ok and result.executed == RUNS, result.failed
    return elapsed


def dask_on_running_cluster(source: Path, folder: Path) -> float:
    """The sweep on a Dask cluster of 2 single-threaded workers that is already up and in use
    (as with ``--scheduler tcp://...``): neither the cluster's start-up nor its workers' first
    imports (a 2-run sweep before) are timed."""
    from distributed import LocalCluster

    from ai4s_lab.pipelines import Sweep

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        address = cluster.scheduler_address
        Sweep(source, [{"n": 1}, {"n": 2}], output_dir=folder / "dask-warm-up", executor="dask",
              scheduler=address, progress=False).run()  # fmt: skip
        return sweep_time(source, folder, "dask", 2, scheduler=address)


def main() -> None:
    sweep_repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    times: dict[str, list[float]] = {"serial": [], "local2": [], "dask2": [], "dask_running": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = _notebook(folder)
        m_bare, m_ours = overhead(source, folder)
        # Alternate the set-ups so that a slow spell of this shared machine hits all of them.
        for repeat in range(sweep_repeats):
            here = folder / f"repeat-{repeat}"
            times["serial"].append(sweep_time(source, here, "local", 1))
            times["local2"].append(sweep_time(source, here, "local", 2))
            times["dask_running"].append(dask_on_running_cluster(source, here))
            times["dask2"].append(sweep_time(source, here, "dask", 2))
    serial, local2, dask2, dask_running = (
        statistics.median(times[k]) for k in ("serial", "local2", "dask2", "dask_running")
    )
    print(f"per-run, median of {REPEATS}:")
    print(f"  bare papermill.execute_notebook     {m_bare:8.3f} s")
    print(
        f"  ai4s_lab run_notebook (+report)     {m_ours:8.3f} s   "
        f"overhead {100 * (m_ours / m_bare - 1):+.1f} % (target <= 15 %)"
    )
    print(f"{RUNS} runs, median of {sweep_repeats} sweeps (all: {_all(times)}):")
    print(f"  sequential (local, 1 worker)        {serial:8.2f} s   {serial / RUNS:.3f} s/run")
    print(
        f"  local executor, 2 workers           {local2:8.2f} s   "
        f"speed-up {serial / local2:.2f}x (target >= 1.7x)"
    )
    print(
        f"  Dask, 2 workers, cluster in use     {dask_running:8.2f} s   "
        f"speed-up {serial / dask_running:.2f}x (target >= 1.7x)"
    )
    print(
        f"  Dask, 2 workers, + cluster start-up {dask2:8.2f} s   "
        f"speed-up {serial / dask2:.2f}x (LocalCluster started by the sweep)"
    )


def _all(times: dict[str, list[float]]) -> str:
    return "; ".join(f"{k} " + " ".join(f"{t:.1f}" for t in v) for k, v in times.items())


if __name__ == "__main__":
    main()
