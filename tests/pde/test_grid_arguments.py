"""``eq.grid`` takes a shape and lengths as numpy arrays (``np.array(u.shape)``,
``np.array([Ly, Lx])``) like tuples: the heat equation on that grid decays each Fourier mode
at its exact rate."""

from __future__ import annotations

import math

import numpy as np

from ai4s_lab import pde


def test_numpy_shape_and_lengths() -> None:
    eq = pde.Diffusion(0.05)
    grid = eq.grid(np.array([16, 32]), length=np.array([2.0, 1.0]))
    assert grid.shape == (16, 32) and grid.lengths == (2.0, 1.0)
    y, x = np.meshgrid(*grid.coords().values(), indexing="ij")
    u0 = np.sin(2 * math.pi * y / 2.0) * np.cos(2 * math.pi * 3 * x / 1.0)
    ds = pde.solve(eq, pde.initial.from_array(u0, grid), 0.5, device="cpu", progress=False)
    k2 = (2 * math.pi / 2.0) ** 2 + (2 * math.pi * 3) ** 2
    exact = u0 * math.exp(-0.05 * k2 * 0.5)
    np.testing.assert_allclose(ds["u"].isel(t=-1).values, exact, rtol=0, atol=1e-12)
