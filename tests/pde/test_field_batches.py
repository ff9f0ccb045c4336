"""A Field of several samples is a batch whatever its ``batched`` flag says: ``solve`` returns
every sample, each as it evolves alone (heat equation, exact Fourier-mode decay)."""

from __future__ import annotations

import math

import numpy as np
import torch

from ai4s_lab import pde


def test_every_sample_of_a_field_is_solved_and_returned() -> None:
    diffusivity, t_end = 0.1, 0.5
    grid = pde.PeriodicGrid((16, 8), (2.0, 1.0))
    y, x = np.meshgrid(*grid.coords().values(), indexing="ij")
    modes = [(1, 0), (0, 1), (2, 3)]  # (m_y, m_x)
    samples = [np.cos(2 * math.pi * (my * y / 2.0 + mx * x / 1.0)) for my, mx in modes]
    field = pde.Field(torch.as_tensor(np.stack(samples)[:, None]), grid)  # batched not given
    assert field.batched
    ds = pde.solve(pde.Diffusion(diffusivity), field, t_end, device="cpu", progress=False)
    assert ds["u"].dims == ("batch", "t", "y", "x") and ds.sizes["batch"] == 3
    for i, ((my, mx), u0) in enumerate(zip(modes, samples, strict=True)):
        k2 = (2 * math.pi * my / 2.0) ** 2 + (2 * math.pi * mx / 1.0) ** 2
        exact = u0 * math.exp(-diffusivity * k2 * t_end)
        np.testing.assert_allclose(ds["u"].isel(batch=i, t=-1).values, exact, atol=1e-12)


def test_arithmetic_on_a_batch_keeps_it_a_batch() -> None:
    grid = pde.Diffusion().grid(8)
    plain = pde.Field(torch.zeros(2, 1, 8, 8), grid)
    assert (plain + 1.0).batched and (-plain).batched
    assert not pde.Field(torch.zeros(1, 1, 8, 8), grid).batched
