"""Plain arrays a user types: a 1D array for an equation of any dimension is a 1D field (heat
equation, exact decay); too few axes for a 2D-only equation and NaNs are refused with the fix
and the place of the first bad value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai4s_lab import pde
from ai4s_lab.errors import InputError


def test_a_1d_array_for_the_heat_equation_is_a_1d_field() -> None:
    x = np.arange(64) * 2 * math.pi / 64  # the default domain [0, 2π)
    ds = pde.solve("heat", np.sin(3 * x), 0.1, device="cpu", dtype="float64", progress=False)
    assert ds["u"].dims == ("t", "x")
    np.testing.assert_allclose(
        ds["u"].isel(t=-1).values, np.sin(3 * x) * math.exp(-0.9), atol=1e-12
    )


def test_too_few_axes_for_a_2d_equation_names_the_shape_to_give() -> None:
    with pytest.raises(InputError, match=r"too few axes for a 2D NavierStokes2D; .*\(ny, nx\)"):
        pde.solve("navier-stokes", np.zeros(64), 0.1, device="cpu", progress=False)


def test_nan_in_the_initial_field_is_located() -> None:
    values = np.zeros((3, 2, 16, 32))
    values[1, 1, 5, 7] = np.nan
    values[2, 0, 0, 0] = np.inf
    with pytest.raises(
        InputError, match=r"2 NaN or inf value\(s\), the first in v at index y=5, x=7, batch=1"
    ):
        pde.solve(pde.GrayScott(), values, 1.0, device="cpu", progress=False)


def test_masked_and_text_arrays_are_refused_object_arrays_of_numbers_are_read() -> None:
    values = np.ma.masked_array(np.zeros((16, 16)), mask=np.zeros((16, 16), bool))
    values.mask[3, 3] = True
    values.data[3, 3] = 1e20  # a fill value, not data
    with pytest.raises(InputError, match=r"masked array with 1 masked value\(s\)"):
        pde.solve("heat", values, 0.1, device="cpu", progress=False)
    with pytest.raises(InputError, match="holds text"):
        pde.solve("heat", np.full((16, 16), "1"), 0.1, device="cpu", progress=False)
    x = np.arange(16) * 2 * math.pi / 16
    mode = np.cos(2 * x)[None, :] * np.ones((16, 1))
    ds = pde.solve("heat", mode.astype(object), 0.25, device="cpu", progress=False)
    np.testing.assert_allclose(ds["u"].isel(t=-1).values, mode * math.exp(-1.0), atol=1e-12)


def test_values_with_swapped_axes_are_told_to_transpose() -> None:
    grid = pde.Diffusion().grid((16, 32))
    with pytest.raises(InputError, match=r"axes are ordered y, x: transpose the values"):
        pde.initial.from_array(np.zeros((32, 16)), grid)
