"""FNO input/output scaling: a channel that is constant over the training set (a parameter
channel, a fixed boundary value) keeps its values instead of having rounding noise amplified."""

from __future__ import annotations

import numpy as np
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


def test_data_in_small_units_are_standardised_and_train_alike() -> None:
    """The relative L2 loss is scale-free, so the same data in units 1e8 times larger
    (1e-8 instead of 1) must be scaled by their own standard deviation and train alike; they
    were taken for constant channels (scale 1) and training diverged to losses of ~1e5."""
    from ai4s_lab.pde import learn

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(8, 1, 16, generator=gen, dtype=torch.float64).cumsum(-1) / 4
    y = torch.sin(x) + 0.5
    losses = []
    for scale in (1.0, 1e-8):
        torch.manual_seed(0)
        model = FNO(modes=4, width=8, layers=1, ndim=1).double()
        result = learn.train(model, x * scale, y * scale, epochs=3, batch_size=4, lr=3e-3,
                             device="cpu", progress=False)  # fmt: skip
        torch.testing.assert_close(model.in_std, x.std().reshape(1) * scale, rtol=1e-12, atol=0)
        torch.testing.assert_close(model.out_std, y.std().reshape(1) * scale, rtol=1e-12, atol=0)
        losses.append([h["train_loss"] for h in result.history])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-6)
