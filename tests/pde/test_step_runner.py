"""The step runner pde.solve uses: CUDA-graph replays give the eager steps' answer, and a capture
that fails falls back to eager steps (with a warning) instead of failing the run."""

from __future__ import annotations

import pytest
import torch

from ai4s_lab import pde
from ai4s_lab.pde import _step_runner
from ai4s_lab.pde._step_runner import StepRunner
from ai4s_lab.pde.steppers import make_stepper


def _navier_stokes(device: str, n: int = 32) -> tuple[StepRunner, torch.Tensor]:
    eq = pde.NavierStokes2D(1e-3, forcing="kolmogorov")
    grid = eq.grid(n)
    ops = grid.spectral(torch.device(device), torch.float64)
    stepper = make_stepper("etdrk4", eq, ops)
    stepper.prepare(1e-3)
    u0 = pde.initial.random_field(grid, 0, amplitude=2.0).data.to(device)
    return StepRunner(stepper, ops), ops.rfft(u0)


def _eager(runner: StepRunner, v: torch.Tensor, n: int) -> torch.Tensor:
    for _ in range(n):
        v = runner.ops.project_real(runner.stepper.step(v))
    return v


def test_a_failed_capture_falls_back_to_eager_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    runner, v = _navier_stokes("cpu")
    expected = _eager(runner, v, 5)

    def refuse(self: StepRunner, v: torch.Tensor) -> None:
        raise RuntimeError("operation not permitted when stream is capturing")

    monkeypatch.setattr(StepRunner, "_graphable", lambda self, v: not self._graphs_failed)
    monkeypatch.setattr(StepRunner, "_capture", refuse)
    with pytest.warns(RuntimeWarning, match="CUDA graph capture .* failed .* stepping eagerly"):
        first = runner.run(v, 3)
    second = runner.run(first, 2)  # no second try, no second warning
    torch.testing.assert_close(second, expected, rtol=0, atol=0)


@pytest.mark.gpu
def test_graph_replays_equal_eager_steps_on_cuda() -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    runner, v = _navier_stokes("cuda", n=64)
    expected = _eager(runner, v.clone(), 30)
    graphed = runner.run(v, 10)
    graphed = runner.run(graphed, 20)  # the same graph, replayed from its own buffer
    assert runner._graphs and not runner._graphs_failed
    torch.testing.assert_close(graphed, expected, rtol=1e-12, atol=1e-9)
    runner.stepper.prepare(5e-4)  # a new time step: a new graph with the new coefficients
    again = runner.run(graphed.clone(), 4)
    torch.testing.assert_close(again, _eager(runner, graphed.clone(), 4), rtol=1e-12, atol=1e-9)


@pytest.mark.gpu
def test_solve_with_and_without_graphs_agree_on_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    eq = pde.NavierStokes2D(1e-3, forcing="kolmogorov")
    u0 = pde.initial.random_field(eq.grid(64), seed=1, amplitude=2.0)
    kwargs = {"t_end": 0.5, "save_every": 0.1, "device": "cuda", "dtype": "float64",
              "progress": False}  # fmt: skip
    graphed = pde.solve(eq, u0, **kwargs)
    monkeypatch.setattr(_step_runner, "USE_CUDA_GRAPHS", False)
    eager = pde.solve(eq, u0, **kwargs)
    assert graphed.attrs["steps"] == eager.attrs["steps"]
    torch.testing.assert_close(
        torch.as_tensor(graphed["vorticity"].values),
        torch.as_tensor(eager["vorticity"].values),
        rtol=1e-10,
        atol=1e-10,
    )
