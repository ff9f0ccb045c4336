"""The executors' bookkeeping, with stand-ins for Dask's client (no cluster, no kernel)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ai4s_lab.pipelines import read_manifest
from ai4s_lab.pipelines.executors import DaskExecutor, lost_run

KilledWorker = pytest.importorskip("distributed").KilledWorker


class FakeFuture:
    def __init__(self, task: dict[str, Any], log: list[str]) -> None:
        self.task, self.log = task, log

    def result(self) -> dict[str, Any]:
        self.log.append(f"result {self.task['run_id']}")
        if self.task["run_id"] == "lost":
            raise KilledWorker("run-lost", "tcp://127.0.0.1:1", 3)
        return {"status": "succeeded"}

    def release(self) -> None:
        self.log.append(f"release {self.task['run_id']}")


class FakeClient:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def submit(self, function: Any, task: dict[str, Any], **kwargs: Any) -> FakeFuture:
        return FakeFuture(task, self.log)


class FakeDistributed:
    @staticmethod
    def as_completed(futures: list[FakeFuture]) -> Iterator[FakeFuture]:
        yield from futures


def test_dask_results_are_released_once_read_and_a_lost_run_is_written(tmp_path: Path) -> None:
    """Futures kept after their result is read make Dask re-run finished runs when a worker
    dies; a run lost with its worker must leave a failed run.json, not a running one."""
    log: list[str] = []
    executor = DaskExecutor.__new__(DaskExecutor)  # no cluster: a client that only records
    executor.client = FakeClient(log)  # type: ignore[assignment]
    executor._distributed = FakeDistributed()
    tasks = [{"run_id": name, "output_dir": str(tmp_path / name), "notebook": "nb.ipynb",
              "notebook_sha256": "0" * 64, "parameters": {"x": 1}}
             for name in ("a", "lost", "b")]  # fmt: skip
    results = []
    for task, manifest in executor.run(tasks):
        results.append((task["run_id"], manifest["status"]))
        log.append(f"yield {task['run_id']}")
    assert results == [("a", "succeeded"), ("lost", "failed"), ("b", "succeeded")]
    assert log == [f"{step} {name}" for name in ("a", "lost", "b")
                   for step in ("result", "release", "yield")]  # fmt: skip
    written = read_manifest(tmp_path / "lost")
    assert written["status"] == "failed" and written["error"]["ename"] == "KilledWorker"
    assert written["parameters"] == {"x": 1} and written["finished"]


def test_a_lost_run_keeps_what_its_run_json_said(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    (run / "run.json").write_text('{"status": "running", "started": "t0", "parameters": {"n": 2}}')
    manifest = lost_run({"output_dir": str(run), "parameters": {"n": 9}}, OSError("gone"))
    assert read_manifest(run) == manifest
    assert manifest["started"] == "t0" and manifest["parameters"] == {"n": 2}
    assert manifest["status"] == "failed" and manifest["error"]["evalue"] == "OSError: gone"


def test_a_scheduler_nobody_listens_on_is_an_input_error_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No scheduler at the address: a typed error naming the address and what to do, within the
    connect timeout (not distributed's bare OSError after 30 s)."""
    import socket
    import time

    from ai4s_lab.errors import InputError
    from ai4s_lab.pipelines import executors

    monkeypatch.setattr(executors, "SCHEDULER_CONNECT_TIMEOUT_S", 0.5)
    with socket.socket() as bound:  # bound, never listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{bound.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(InputError, match="cannot connect to the Dask scheduler") as caught:
            DaskExecutor(scheduler=address)
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert address in message and "start the scheduler" in message
    assert "check the address" in message and "--executor local" in message
    with pytest.raises(InputError, match=r"at nonsense .*missing port"):
        DaskExecutor(scheduler="nonsense")
