"""Kolmogorov flow from rest against its exact laminar solution, on grids that resolve the
forcing along y only: the shear flow ``ω = −A k cos(k y) (1 − e^{−r t}) / r``, ``r = ν k² + α``
(its advection ``u·∇ω`` vanishes), on a non-square domain with few points along x."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError


@pytest.mark.parametrize("shape", [(32, 8), (16, 16)])
def test_laminar_kolmogorov_flow_from_rest(shape: tuple[int, int]) -> None:
    viscosity, drag, amplitude, wavenumber = 0.05, 0.2, 0.5, 3
    lengths = (3.0, 1.0)
    eq = pde.NavierStokes2D(
        viscosity,
        forcing="kolmogorov",
        forcing_wavenumber=wavenumber,
        forcing_amplitude=amplitude,
        drag=drag,
    )
    grid = eq.grid(shape, length=lengths)
    rest = pde.initial.from_array(np.zeros(shape), grid)
    ds = pde.solve(eq, rest, 2.0, save_every=1.0, device="cpu", dtype="float64", progress=False)
    k = 2 * math.pi * wavenumber / lengths[0]
    rate = viscosity * k**2 + drag
    y = grid.coords()["y"][:, None]
    for t in ds.t.values:
        exact = -amplitude * k * np.cos(k * y) * (1 - math.exp(-rate * t)) / rate
        np.testing.assert_allclose(
            ds["vorticity"].sel(t=t).values, np.broadcast_to(exact, shape), rtol=0, atol=1e-9
        )


def test_the_forcing_must_be_resolved_along_its_axes() -> None:
    with pytest.raises(ParameterError, match="keeps \\|k\\| <= 3; use at least 14 points along y"):
        pde.NavierStokes2D(forcing="kolmogorov").grid((12, 32))
    with pytest.raises(ParameterError, match="use at least 10 points per axis"):
        pde.NavierStokes2D(forcing="diagonal", forcing_wavenumber=3).grid((32, 8))
