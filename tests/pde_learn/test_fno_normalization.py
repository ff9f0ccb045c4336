"""FNO input/output scaling: a channel that is constant over the training set (a parameter
channel, a fixed boundary value) keeps its values instead of having rounding noise amplified."""

from __future__ import annotations

import torch

from ai4s_lab.pde.learn import FNO


def test_a_constant_channel_is_centred_not_amplified() -> None:
    gen = torch.Generator().manual_seed(0)
    field = torch.randn(40, 1, 16, 16, generator=gen)
    inputs = torch.cat([field, torch.full((40, 1, 16, 16), 0.1)], dim=1)  # float32 0.1
    model = FNO(2, 1, modes=4, width=8, layers=1)
    model.fit_normalization(inputs, field)
    assert float(model.in_std[1]) == 1.0
    torch.testing.assert_close(model.in_std[0], field.std().to(model.in_std), rtol=1e-5, atol=0)
    scaled = (inputs[:, 1] - model.in_mean[1]) / model.in_std[1]
    assert float(scaled.abs().max()) < 1e-6  # was ~4e4: rounding noise / 1e-12
    moved = (0.11 - model.in_mean[1]) / model.in_std[1]  # a new parameter value stays O(0.01)
    assert abs(float(moved) - 0.01) < 1e-6
