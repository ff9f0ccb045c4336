"""A run's attributes rebuild its equation: ``pde.equation(ds.attrs["equation_name"],
**json.loads(ds.attrs["parameters"]))`` after a NetCDF round trip continues the run exactly as
an uninterrupted one, for every equation (the unforced Navier–Stokes records ``forcing="none"``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from ai4s_lab import pde

RUN = {"device": "cpu", "dtype": "float64", "progress": False}

EQUATIONS = [
    pde.Diffusion(0.2, ndim=1),
    pde.Burgers(0.05, ndim=2),
    pde.AllenCahn(0.3),
    pde.CahnHilliard(0.5, 2.0),
    pde.GrayScott(0.03, 0.06),
    pde.KuramotoSivashinsky(),
    pde.NavierStokes2D(1e-2),
    pde.NavierStokes2D(1e-2, forcing="kolmogorov", forcing_amplitude=0.5, drag=0.2),
]


@pytest.mark.parametrize("eq", EQUATIONS, ids=repr)
def test_the_recorded_parameters_rebuild_the_equation(eq: pde.Equation, tmp_path: Path) -> None:
    pytest.importorskip("h5netcdf")
    grid = eq.grid(16)
    if isinstance(eq, pde.GrayScott):
        u0 = pde.initial.gray_scott_seed(grid)
    else:
        u0 = pde.initial.random_field(grid, seed=1, channels=len(eq.fields), amplitude=0.3)
    dt = 0.5 if isinstance(eq, pde.GrayScott) else 0.01
    whole = pde.solve(eq, u0, 20 * dt, dt=dt, **RUN)
    first = pde.solve(eq, u0, 10 * dt, dt=dt, **RUN)
    path = tmp_path / "first.nc"
    first.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as back:
        rebuilt = pde.equation(back.attrs["equation_name"], **json.loads(back.attrs["parameters"]))
        assert rebuilt.parameters() == eq.parameters()
        second = pde.solve(rebuilt, back.load().isel(t=-1), 10 * dt, dt=dt, **RUN)
    for name in eq.fields:
        np.testing.assert_allclose(
            second[name].isel(t=-1).values, whole[name].isel(t=-1).values, rtol=0, atol=1e-12
        )


def test_forcing_names_are_read_like_the_equation_names() -> None:
    assert pde.NavierStokes2D(forcing="none").forcing is None
    assert pde.NavierStokes2D(forcing=" Kolmogorov").forcing == "kolmogorov"
