"""xarray states handed to ``solve``: a Dataset frame of a multi-field result, a frame with its
axes transposed, a whole run, and a field of more space dims than the equation has."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import xarray as xr

from ai4s_lab import pde
from ai4s_lab.errors import InputError

RUN = {"device": "cpu", "dtype": "float64", "progress": False}


def test_a_dataset_frame_continues_a_multi_field_run() -> None:
    # two legs of 20 + 20 with a fixed step are the same steps as one run of 40
    eq = pde.GrayScott()
    grid = eq.grid((16, 32), length=(1.0, 2.0))
    seed = pde.initial.gray_scott_seed(grid)
    whole = pde.solve(eq, seed, 40.0, dt=1.0, **RUN)
    first = pde.solve(eq, seed, 20.0, dt=1.0, **RUN)
    second = pde.solve(eq, first.isel(t=-1), 20.0, dt=1.0, **RUN)
    assert second["x"].attrs["period"] == 2.0 and second["y"].attrs["period"] == 1.0
    for name in ("u", "v"):
        np.testing.assert_allclose(
            second[name].isel(t=-1).values, whole[name].isel(t=-1).values, rtol=0, atol=1e-12
        )


def test_a_transposed_frame_is_read_by_its_dim_names() -> None:
    # heat equation on a 1 x 3 box: the mode cos(2π y / 1) decays at D (2π)², the same
    # pattern read with y and x swapped would be another field altogether
    diffusivity, t_end = 0.01, 0.5
    grid = pde.PeriodicGrid((16, 32), (1.0, 3.0))
    y, x = np.meshgrid(*grid.coords().values(), indexing="ij")
    u0 = np.cos(2 * math.pi * y) + 0.5 * np.sin(2 * math.pi * x / 3.0)
    frame = xr.DataArray(
        u0,
        dims=("y", "x"),
        coords={name: (name, values) for name, values in grid.coords().items()},
    )
    ds = pde.solve(pde.Diffusion(diffusivity), frame.T, t_end, **RUN)
    exact = math.exp(-diffusivity * (2 * math.pi) ** 2 * t_end) * np.cos(
        2 * math.pi * y
    ) + 0.5 * math.exp(-diffusivity * (2 * math.pi / 3) ** 2 * t_end) * np.sin(
        2 * math.pi * x / 3.0
    )
    assert ds["u"].dims == ("t", "y", "x")
    np.testing.assert_allclose(ds["u"].isel(t=-1).values, exact, rtol=0, atol=1e-12)


def test_a_whole_run_is_not_an_initial_state() -> None:
    eq = pde.Diffusion()
    run = pde.solve(eq, pde.initial.random_field(eq.grid(16)), 0.2, save_every=0.1, **RUN)
    with pytest.raises(InputError, match=r"time dim 't' \(3 frames\).*isel\(t=-1\)"):
        pde.solve(eq, run["u"], 0.1, **RUN)


@pytest.mark.parametrize(
    ("eq", "dims", "match"),
    [
        (pde.Burgers(0.1), ("y", "x"), r"\('y', 'x'\) but Burgers is 1D.*isel\(y=0\)"),
        (pde.KuramotoSivashinsky(), ("y", "x"), "KuramotoSivashinsky is 1D"),
        (pde.NavierStokes2D(), ("z", "y", "x"), r"NavierStokes2D is 2D.*isel\(z=0\)"),
    ],
)
def test_a_field_with_more_space_dims_than_the_equation_is_refused(
    eq: pde.Equation, dims: tuple[str, ...], match: str
) -> None:
    # before: the extra space axis was read as a batch of lower-dimensional samples
    field = xr.DataArray(np.zeros((16,) * len(dims)), dims=dims)
    with pytest.raises(InputError, match=match):
        pde.solve(eq, field, 0.1, **RUN)


def test_a_dataset_without_the_fields_is_refused() -> None:
    frame = xr.Dataset({"u": (("y", "x"), np.zeros((16, 16)))})
    with pytest.raises(InputError, match=r"evolves vorticity.*missing: vorticity"):
        pde.solve(pde.NavierStokes2D(), frame, 0.1, **RUN)


def test_fields_stacked_by_to_array_are_read_by_their_labels() -> None:
    # Dataset.to_array() puts its "variable" dim first, before "batch": read by name, the
    # fields in any order continue the batched run as an uninterrupted one
    eq = pde.GrayScott()
    grid = eq.grid(16)
    seeds = [pde.initial.gray_scott_seed(grid, seed=s).data for s in range(2)]
    batch = pde.Field(torch.cat(seeds), grid, batched=True)
    whole = pde.solve(eq, batch, 20.0, dt=1.0, **RUN)
    frame = pde.solve(eq, batch, 10.0, dt=1.0, **RUN).isel(t=-1)
    for stacked in (frame.to_array(), frame[["v", "u"]].to_array("field")):
        second = pde.solve(eq, stacked, 10.0, dt=1.0, **RUN)
        assert second["v"].dims == ("batch", "t", "y", "x")
        for name in ("u", "v"):
            np.testing.assert_allclose(
                second[name].isel(t=-1).values, whole[name].isel(t=-1).values, atol=1e-12
            )
    with pytest.raises(InputError, match=r"'variable' dim holds \['a', 'v'\]"):
        pde.solve(eq, frame.rename(u="a").to_array(), 1.0, **RUN)
