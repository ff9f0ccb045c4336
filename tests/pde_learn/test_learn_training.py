"""Training, checkpoints, rollout and bad input for the neural-operator surrogates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.pde import learn


@pytest.fixture(scope="module")
def darcy16(shared_data: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The 50 real neuraloperator Darcy samples at 16² (mask → normalised pressure)."""
    data = np.load(shared_data / "pde" / "darcy_test_16.npz")
    x = torch.tensor(data["x"], dtype=torch.float32)[:, None]
    y = torch.tensor(data["y"], dtype=torch.float32)[:, None]
    return x, y


def _model(seed: int = 0) -> learn.FNO:
    torch.manual_seed(seed)
    return learn.FNO(modes=4, width=12, layers=3, padding=2)


def test_relative_l2_matches_its_definition() -> None:
    a = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    b = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    # ‖(1, 0) − (2, 0)‖ / ‖(2, 0)‖ = 1/2
    errors = learn.relative_l2(a[1:], b[1:], reduce=False)
    assert float(errors[0]) == pytest.approx(0.5)


def test_training_beats_the_mean_field_baseline(
    darcy16: tuple[torch.Tensor, torch.Tensor],
) -> None:
    x, y = darcy16
    train_x, train_y, test_x, test_y = x[:40], y[:40], x[40:], y[40:]
    baseline = float(learn.relative_l2(train_y.mean(0, keepdim=True).expand_as(test_y), test_y))
    result = learn.train(
        _model(),
        train_x,
        train_y,
        epochs=40,
        batch_size=8,
        lr=5e-3,
        schedule="cosine",
        device="cpu",
        progress=False,
        validation=(test_x, test_y),
    )
    history = result.history
    assert len(history) == 40
    assert history[-1]["train_loss"] < 0.5 * history[0]["train_loss"]
    error = learn.evaluate(result.model, test_x, test_y)
    assert error == pytest.approx(history[-1]["val_loss"], rel=1e-5)
    assert error < 0.5 * baseline  # baseline ≈ 0.50, trained ≈ 0.18


def test_resumed_training_equals_uninterrupted(
    darcy16: tuple[torch.Tensor, torch.Tensor], tmp_path: Path
) -> None:
    x, y = darcy16[0][:16], darcy16[1][:16]
    options = {
        "batch_size": 4,
        "lr": 3e-3,
        "step_size": 2,
        "gamma": 0.5,
        "seed": 7,
        "device": "cpu",
        "progress": False,
    }
    full = learn.train(_model(), x, y, epochs=4, **options)
    path = tmp_path / "run.pt"
    learn.train(_model(), x, y, epochs=2, checkpoint=path, **options)
    # a fresh process would build a fresh (differently initialised) model: resume must override
    resumed = learn.train(_model(seed=99), x, y, epochs=4, checkpoint=path, resume=True, **options)
    for (name, a), (_, b) in zip(
        full.model.state_dict().items(), resumed.model.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    losses = [(h["train_loss"], h["lr"]) for h in full.history]
    assert [(h["train_loss"], h["lr"]) for h in resumed.history] == losses


def test_checkpoint_reloads_bit_identical_predictions(
    darcy16: tuple[torch.Tensor, torch.Tensor], tmp_path: Path
) -> None:
    x, y = darcy16[0][:8], darcy16[1][:8]
    result = learn.train(
        _model(),
        x,
        y,
        epochs=1,
        batch_size=4,
        checkpoint=tmp_path / "m.pt",
        device="cpu",
        progress=False,
    )
    model, info = learn.load_checkpoint(tmp_path / "m.pt", device="cpu")
    assert info["epoch"] == 1
    assert torch.equal(learn.predict(model, x), learn.predict(result.model, x))
    learn.save_checkpoint(result.model, tmp_path / "weights.pt")
    again, _ = learn.load_checkpoint(tmp_path / "weights.pt", device="cpu")
    assert torch.equal(learn.predict(again, x), learn.predict(result.model, x))


def test_callback_streams_records_and_can_stop(
    darcy16: tuple[torch.Tensor, torch.Tensor],
) -> None:
    seen: list[dict[str, float]] = []

    def callback(record: dict[str, float]) -> bool:
        seen.append(record)
        return len(seen) < 2

    x, y = darcy16[0][:8], darcy16[1][:8]
    result = learn.train(
        _model(), x, y, epochs=5, batch_size=4, callback=callback, device="cpu", progress=False
    )
    assert [r["epoch"] for r in seen] == [1, 2]
    assert result.stopped_early and result.epochs == 2


def test_rollout_composes_the_model() -> None:
    model = _model()
    u0 = torch.randn(2, 1, 16, 16)
    frames = learn.rollout(model, u0, 3)
    assert frames.shape == (2, 4, 1, 16, 16)
    with torch.no_grad():
        manual = model(model(model(u0)))
    torch.testing.assert_close(frames[:, 3], manual)
    with pytest.raises(ParameterError, match="steps=0"):
        learn.rollout(model, u0, 0)


def test_cpu_and_device_predictions_agree(device: str) -> None:
    model = _model()
    x = torch.randn(3, 1, 16, 16)
    on_cpu = learn.predict(model, x, device="cpu")
    on_device = learn.predict(model, x, device=device)
    torch.testing.assert_close(on_device, on_cpu, rtol=1e-4, atol=1e-5)


def test_bad_training_input_raises_typed_errors(
    darcy16: tuple[torch.Tensor, torch.Tensor], tmp_path: Path
) -> None:
    x, y = darcy16[0][:4], darcy16[1][:4]
    model = _model()
    with pytest.raises(ParameterError, match="epochs=-1"):
        learn.train(model, x, y, epochs=-1, progress=False)
    with pytest.raises(InputError, match=r"grid but targets on \(32, 32\)"):
        learn.train(model, x, torch.zeros(4, 1, 32, 32), epochs=1, progress=False)
    with pytest.raises(InputError, match="expects"):
        learn.train(model, torch.zeros(4, 2, 16, 16), y, epochs=1, progress=False)
    with pytest.raises(InputError, match="4 samples but targets 3"):
        learn.train(model, x, y[:3], epochs=1, progress=False)
    bad = y.clone()
    bad[2, 0, 3, 3] = float("nan")
    with pytest.raises(InputError, match=r"NaN or inf values in 1 sample"):
        learn.train(model, x, bad, epochs=1, progress=False)
    with pytest.raises(InputError, match="empty"):
        learn.train(model, x[:0], y[:0], epochs=1, progress=False)
    with pytest.raises(ParameterError, match="schedule='linear'"):
        learn.train(model, x, y, epochs=1, schedule="linear", progress=False)
    with pytest.raises(ParameterError, match="needs checkpoint="):
        learn.train(model, x, y, epochs=1, resume=True, progress=False)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(DataFileError, match=r"junk\.pt"):
        learn.load_checkpoint(tmp_path / "junk.pt", device="cpu")
