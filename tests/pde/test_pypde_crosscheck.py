"""Cross-check against an independent library: py-pde's finite-difference diffusion solver."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ai4s_lab import pde

pypde = pytest.importorskip("pde", reason="py-pde is a test dependency of the PDE lab")


def _pypde_diffusion(n: int, t_end: float, diffusivity: float) -> tuple[np.ndarray, np.ndarray]:
    grid = pypde.CartesianGrid([[0, 2 * np.pi]], n, periodic=True)
    state = pypde.ScalarField.from_expression(grid, "cos(x) + 0.5 * sin(3 * x) + 0.2 * cos(5 * x)")
    eq = pypde.DiffusionPDE(diffusivity=diffusivity)
    solver = pypde.RungeKuttaSolver(eq, backend="numpy", adaptive=True, tolerance=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        controller = pypde.Controller(solver, t_range=t_end, tracker=None)
        result = controller.run(state, dt=1e-3)
    return grid.axes_coords[0], result.data


def test_diffusion_matches_pypde_on_the_same_setup() -> None:
    diffs = []
    for n in (64, 128):
        x, theirs = _pypde_diffusion(n, t_end=1.0, diffusivity=0.1)
        eq = pde.Diffusion(0.1, ndim=1)
        # py-pde puts its points at cell centres: the same periodic grid shifted by h/2
        u0 = np.cos(x) + 0.5 * np.sin(3 * x) + 0.2 * np.cos(5 * x)
        ours = pde.solve(eq, u0, t_end=1.0, device="cpu", dtype="float64", progress=False)
        diffs.append(np.abs(ours["u"].isel(t=-1).values - theirs).max())
    # py-pde's Laplacian is second order: the gap is its O(h²) error and shrinks 4x per halving
    assert diffs[0] < 5e-3
    assert 3.5 < diffs[0] / diffs[1] < 4.5
