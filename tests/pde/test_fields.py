"""Fields combine with numbers and with each other like arrays, and solve reads them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ai4s_lab import pde
from ai4s_lab.errors import InputError


def test_arithmetic_acts_on_the_values_and_keeps_the_grid() -> None:
    grid = pde.Diffusion().grid(16)
    a = pde.initial.random_field(grid, seed=0)
    b = pde.initial.random_field(grid, seed=1, batch=3)
    for result, expected in [
        (2 * a, 2 * a.data),
        (a * 2.5, 2.5 * a.data),
        (a / 4, a.data / 4),
        (1 + a, a.data + 1),
        (1 - a, 1 - a.data),
        (-a, -a.data),
        (a + b, a.data + b.data),
        (b - a, b.data - a.data),
        (a * np.float32(3), 3 * a.data),
        (a * np.int64(3), 3 * a.data),
    ]:
        assert result.grid == grid
        torch.testing.assert_close(result.data, expected, rtol=0, atol=0)
    assert (a + b).batched and not (2 * a).batched
    assert (a - a).data.abs().max() == 0


def test_solving_a_scaled_field_scales_the_solution_of_a_linear_equation() -> None:
    # Diffusion is linear: the solution from c * u0 is c times the solution from u0.
    eq = pde.Diffusion(diffusivity=0.3)
    u0 = pde.initial.random_field(eq.grid(32), seed=3) + 0.5 * pde.initial.fourier_mode(
        eq.grid(32), (1, 2)
    )
    kwargs = {"t_end": 0.5, "save_every": 0.25, "progress": False, "device": "cpu"}
    once = pde.solve(eq, u0, **kwargs)["u"].values
    thrice = pde.solve(eq, 3 * u0, **kwargs)["u"].values
    np.testing.assert_allclose(thrice, 3 * once, rtol=1e-12, atol=1e-14)


def test_bad_combinations_are_refused() -> None:
    grid = pde.Diffusion().grid(16)
    a = pde.initial.random_field(grid, seed=0)
    with pytest.raises(InputError, match="different grids"):
        _ = a + pde.initial.random_field(pde.Diffusion().grid(32), seed=0)
    with pytest.raises(InputError, match="shapes"):
        _ = pde.initial.random_field(grid, seed=0, batch=2) + pde.initial.random_field(
            grid, seed=0, batch=3
        )
    with pytest.raises(TypeError):
        _ = a + "1"
    with pytest.raises(TypeError):
        _ = a * True


def test_a_wrong_number_of_fields_names_the_fields_and_a_ready_initial() -> None:
    eq = pde.GrayScott()
    one = pde.initial.random_field(eq.grid(32), seed=0)
    with pytest.raises(InputError, match=r"u, v.*gray_scott_seed"):
        pde.solve(eq, one, t_end=1, progress=False)
    with pytest.raises(InputError, match=r"evolves u: give shape"):
        pde.solve(pde.Diffusion(), np.zeros((3, 2, 32, 32)), t_end=1, progress=False)
