"""Advance a spectrum by many steps of one stepper: eagerly, or on CUDA by replaying a CUDA graph.

A Navier–Stokes ETDRK4 step is about a hundred small kernels. On a GPU each one costs the host
a few microseconds to launch, more than the device needs to run it at 1024², so an eager loop
keeps the GPU mostly idle. A CUDA graph records the kernels of one step once and replays them
with one launch. Graphs are captured per time step (the ETDRK4 coefficients depend on it); a
capture that fails falls back to the eager loop with a warning, so results never depend on it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.grids import SpectralOps
    from ai4s_lab.pde.steppers import Stepper

__all__ = ["USE_CUDA_GRAPHS", "StepRunner"]

#: Replay CUDA graphs of a step on CUDA devices (set to False to run every step eagerly).
USE_CUDA_GRAPHS = True
#: Graphs kept at once (each holds its own memory pool for the step's intermediates).
_MAX_GRAPHS = 2
#: Eager steps run on a side stream before a capture (cuFFT plans and cached factors are made
#: there, as the capture may not allocate them).
_WARMUP_STEPS = 2


class StepRunner:
    """``run(v, n)``: the spectrum ``v`` after ``n`` steps of ``stepper`` at its current ``dt``,
    each followed by :meth:`SpectralOps.project_real`.

    On CUDA (and with :data:`USE_CUDA_GRAPHS`) the returned tensor is a buffer the runner reuses:
    the next ``run`` overwrites it, so keep a copy (``ops.irfft`` makes one) of any state that
    must outlive it.
    """

    def __init__(self, stepper: Stepper, ops: SpectralOps) -> None:
        self.stepper = stepper
        self.ops = ops
        self._graphs: dict[tuple[float, tuple[int, ...]], tuple[Any, torch.Tensor, list[Any]]] = {}
        self._graphs_failed = False

    def run(self, v: torch.Tensor, n: int) -> torch.Tensor:
        """``v`` advanced by ``n`` steps."""
        if n <= 0:
            return v
        entry = self._graph_for(v) if self._graphable(v) else None
        if entry is None:
            for _ in range(n):
                v = self.ops.project_real(self.stepper.step(v))
            return v
        graph, static, _ = entry
        if static is not v:
            static.copy_(v)
        for _ in range(n):
            graph.replay()
        return static

    def _graphable(self, v: torch.Tensor) -> bool:
        import torch

        return (
            USE_CUDA_GRAPHS
            and not self._graphs_failed
            and v.device.type == "cuda"
            and not (v.requires_grad and torch.is_grad_enabled())
        )

    def _graph_for(self, v: torch.Tensor) -> tuple[Any, torch.Tensor, list[Any]] | None:
        key = (self.stepper.dt, tuple(v.shape))
        entry = self._graphs.get(key)
        if entry is None:
            try:
                entry = self._capture(v)
            except RuntimeError as err:  # an op the capture refuses, out of memory, ...
                self._graphs_failed = True
                self._graphs.clear()
                warnings.warn(
                    f"CUDA graph capture of a {type(self.stepper).__name__} step failed "
                    f"({err}); stepping eagerly",
                    RuntimeWarning,
                    stacklevel=3,
                )
                return None
            while len(self._graphs) >= _MAX_GRAPHS:
                self._graphs.pop(next(iter(self._graphs)))
            self._graphs[key] = entry
        return entry

    def _capture(self, v: torch.Tensor) -> tuple[Any, torch.Tensor, list[Any]]:
        import torch

        stepper, ops = self.stepper, self.ops
        side = torch.cuda.Stream(device=v.device)
        side.wait_stream(torch.cuda.current_stream(v.device))
        with torch.cuda.stream(side):
            scratch = v.clone()
            for _ in range(_WARMUP_STEPS):
                scratch = ops.project_real(stepper.step(scratch))
        torch.cuda.current_stream(v.device).wait_stream(side)
        del scratch
        static = v.clone()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static.copy_(ops.project_real(stepper.step(static)))
        # the graph reads the step's coefficients where they were at capture: keep them alive
        # even if the stepper's own cache drops them
        kept = [value for value in vars(stepper).values() if isinstance(value, torch.Tensor)]
        return graph, static, kept
