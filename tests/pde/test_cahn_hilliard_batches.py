"""A Cahn–Hilliard batch takes the step its most demanding sample needs: an early spinodal
decomposition (small noise, changing fast relative to its own spread) batched with a developed
pattern is as accurate as alone, measured against an ETDRK4 run with a small fixed step."""

from __future__ import annotations

import math

import numpy as np
import torch

from ai4s_lab import pde

RUN = {"device": "cpu", "dtype": "float64", "progress": False}


def test_an_early_sample_is_resolved_inside_a_batch() -> None:
    eq = pde.CahnHilliard()
    grid = eq.grid(32, length=32.0)
    noise = pde.initial.random_field(grid, seed=1, amplitude=0.01).data
    x = grid.coords()["x"][None, :]
    stripes = np.broadcast_to(np.tanh(4 * np.sin(2 * math.pi * 2 * x / 32.0)), grid.shape)
    stacked = torch.cat([noise, torch.as_tensor(stripes.copy())[None, None]])
    batch = pde.Field(stacked, grid, batched=True)
    together = pde.solve(eq, batch, 15.0, **RUN)
    reference = pde.solve(eq, pde.Field(noise, grid), 15.0, method="etdrk4", dt=0.01, **RUN)
    exact = reference["c"].isel(t=-1).values
    error = np.abs(together["c"].isel(batch=0, t=-1).values - exact).max()
    # before: the batch's step followed the stripes' slow relative change, 153 steps instead
    # of about 1400, and the noisy sample ended 0.22 off a pattern of amplitude 0.5
    assert error < 0.05 * np.abs(exact).max()
