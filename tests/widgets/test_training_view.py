"""TrainingView and ComparisonView without a browser: traces, background training, linking."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import torch

from ai4s_lab.errors import Ai4sWarning, InputError

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


def test_a_new_run_forgets_the_error_of_the_previous_one() -> None:
    def failing(*, callback):  # type: ignore[no-untyped-def]
        callback({"epoch": 1, "train_loss": 1.0})
        raise RuntimeError("diverged")

    def working(*, callback):  # type: ignore[no-untyped-def]
        callback({"epoch": 1, "train_loss": 0.5})
        return "trained"

    view = TrainingView()
    with pytest.warns(Ai4sWarning, match="diverged"):  # a failed run is shown at once
        view.start(failing)
        view._thread.join(30)  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="diverged"):
        view.wait(timeout=30)
    view.start(working)
    assert view.wait(timeout=30) == "trained"
    assert view.error is None


def test_numpy_scalars_and_0d_tensors_are_drawn() -> None:
    view = TrainingView()
    losses = [np.float32(0.5), torch.tensor(0.25), np.array(0.125), np.float64(0.0625)]
    for epoch, loss in enumerate(losses, start=1):
        view.update({"epoch": np.int64(epoch), "train_loss": loss})
    view.update({"epoch": 5, "train_loss": torch.tensor(0.03125, requires_grad=True) * 1})
    train, _ = view.figure.data
    assert list(train.x) == [1, 2, 3, 4, 5]
    assert list(train.y) == [0.5, 0.25, 0.125, 0.0625, 0.03125]  # exact in float32


@pytest.mark.parametrize(
    "bad", ["0.5", torch.tensor([0.1, 0.2]), np.array([0.1, 0.2]), float("inf"), 0.0, -1.0, 1j]
)
def test_a_loss_that_cannot_be_drawn_warns_once(bad: object) -> None:
    view = TrainingView()
    with pytest.warns(Ai4sWarning, match=r"train_loss at epoch 1 is .* not drawn"):
        view.update({"epoch": 1, "train_loss": bad, "val_loss": 0.5})
    view.update({"epoch": 2, "train_loss": bad, "val_loss": 0.25})  # once a key, not each epoch
    view.update({"epoch": 3, "train_loss": 0.125})
    train, val = view.figure.data
    assert list(train.x) == [3] and list(train.y) == [0.125]
    assert list(val.x) == [1, 2] and list(val.y) == [0.5, 0.25]


def test_a_long_run_sends_bounded_binary_updates() -> None:
    """Each epoch re-sent the whole history as JSON lists (a 500-epoch run: megabytes); the
    curve is now float32 buffers of at most MAX_DRAWN_POINTS points, ending at the newest."""
    import ipywidgets

    from ai4s_lab.widgets.training_view import MAX_DRAWN_POINTS

    view = TrainingView()
    sent: list[tuple[int, int]] = []  # (JSON bytes, buffer bytes) of each trace update

    def record(widget: Any, msg: dict[str, Any], buffers: Any = None) -> None:
        if msg.get("state", {}).get("_py2js_update"):  # then a reset to None, not counted
            nbytes = sum(memoryview(b).nbytes for b in buffers or [])
            sent.append((len(json.dumps(msg, default=str)), nbytes))

    n = 3 * MAX_DRAWN_POINTS + 7
    losses = 1.0 / np.arange(1, n + 1)
    original = ipywidgets.Widget._send
    ipywidgets.Widget._send = record  # type: ignore[method-assign]
    try:
        for epoch, loss in enumerate(losses, start=1):
            view.update({"epoch": epoch, "train_loss": loss, "val_loss": 2 * loss})
    finally:
        ipywidgets.Widget._send = original  # type: ignore[method-assign]
    assert len(view.records) == n
    last_json, last_buffers = sent[-1]
    assert last_json < 4_000  # no values in the JSON
    assert 0 < last_buffers <= 2 * MAX_DRAWN_POINTS * (8 + 4)  # 2 traces × (x float64, y float32)
    train = view.figure.data[0]
    assert len(train.x) <= MAX_DRAWN_POINTS and train.x[-1] == n
    drawn = np.asarray(train.x, dtype=int)
    np.testing.assert_allclose(train.y, losses[drawn - 1], rtol=1e-6)  # the records' values
