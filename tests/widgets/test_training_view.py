"""TrainingView and ComparisonView without a browser: traces, background training, linking."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ai4s_lab.errors import InputError

pytest.importorskip("anywidget")
from ai4s_lab.pde import learn
from ai4s_lab.widgets import ComparisonView, TrainingView


def test_update_appends_points_and_skips_missing_losses() -> None:
    view = TrainingView()
    view.update({"epoch": 1, "train_loss": 0.5, "val_loss": float("nan")})
    view.update({"epoch": 2, "train_loss": 0.25, "val_loss": 0.3})
    train, val = view.figure.data
    assert list(train.x) == [1, 2] and list(train.y) == [0.5, 0.25]
    assert list(val.x) == [2] and list(val.y) == [0.3]


def test_background_training_streams_epochs_and_stops() -> None:
    torch.manual_seed(0)
    x = torch.randn(8, 1, 16, 16)
    y = 2 * x
    view = TrainingView()
    view.start(
        learn.train,
        learn.FNO(modes=4, width=8, layers=1),
        x,
        y,
        epochs=3,
        batch_size=4,
        device="cpu",
        progress=False,
    )
    result = view.wait(timeout=120)
    assert not view.running
    assert [r["epoch"] for r in view.records] == [1, 2, 3]
    assert list(view.figure.data[0].x) == [1, 2, 3]
    assert result.epochs == 3
    view.stop()
    assert view.update({"epoch": 4, "train_loss": 0.1}) is False  # a stopped run is told to stop


def test_comparison_view_links_one_slider_to_three_field_views() -> None:
    truth = np.random.default_rng(0).normal(size=(4, 8, 8))
    view = ComparisonView(truth, truth + 0.1)
    view.index = 2
    assert [v.index for v in view.views] == [2, 2, 2]
    np.testing.assert_allclose(view.views[2].current(), np.full((8, 8), 0.1), atol=1e-6)
    with pytest.raises(InputError, match="differ"):
        ComparisonView(truth, truth[:, :4])
