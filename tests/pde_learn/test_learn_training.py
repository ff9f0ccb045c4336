"""Training, checkpoints, rollout and bad input for the neural-operator surrogates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ai4s_lab.errors import DataFileError, InputError, ParameterError, SolverDivergedError
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


def _tiny_1d(seed: int = 0) -> learn.FNO:
    torch.manual_seed(seed)
    return learn.FNO(modes=4, width=8, layers=1, ndim=1)


def _tiny_data(n: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 1, 16, generator=gen)
    return x, torch.sin(x) + 0.1


def test_extended_cosine_run_follows_the_uninterrupted_schedule(tmp_path: Path) -> None:
    x, y = _tiny_data()
    options = {"batch_size": 4, "lr": 2e-3, "schedule": "cosine", "device": "cpu",
               "progress": False}  # fmt: skip
    path = tmp_path / "cos.pt"
    learn.train(_tiny_1d(), x, y, epochs=3, checkpoint=path, **options)
    extended = learn.train(_tiny_1d(), x, y, epochs=6, checkpoint=path, resume=True, **options)
    uninterrupted = learn.train(_tiny_1d(), x, y, epochs=6, **options)
    # hand formula: lr (1 + cos(π e / 6)) / 2 for the 0-based epochs 3, 4, 5
    hand = [2e-3 * (1 + np.cos(np.pi * e / 6)) / 2 for e in (3, 4, 5)]
    resumed_lrs = [h["lr"] for h in extended.history[3:]]
    assert resumed_lrs == [h["lr"] for h in uninterrupted.history[3:]]
    np.testing.assert_allclose(resumed_lrs, hand, rtol=1e-12)
    # a resumed run takes this call's learning rate (and schedule) from the resumed epoch on
    step = tmp_path / "step.pt"
    learn.train(_tiny_1d(), x, y, epochs=2, checkpoint=step, **{**options, "schedule": "step"})
    changed = learn.train(
        _tiny_1d(), x, y, epochs=5, checkpoint=step, resume=True,
        **{**options, "schedule": "step", "lr": 1e-3, "step_size": 2, "gamma": 0.1},
    )  # fmt: skip
    np.testing.assert_allclose([h["lr"] for h in changed.history[2:]], [1e-4, 1e-4, 1e-5])


def test_all_zero_target_samples_are_refused_by_index() -> None:
    x, y = _tiny_data()
    y[3] = 0.0
    y[5] = 0.0
    with pytest.raises(
        InputError, match=r"2 sample\(s\) are zero everywhere \(sample indices 3, 5\).*drop"
    ):
        learn.train(_tiny_1d(), x, y, epochs=1, progress=False, device="cpu")
    with pytest.raises(InputError, match="sample indices 3, 5"):
        learn.evaluate(_tiny_1d(), x, y)


def test_a_diverging_run_stops_with_a_typed_error_and_finite_weights() -> None:
    x, y = _tiny_data()
    model = learn.FNO(modes=4, width=8, layers=2, ndim=1)
    with pytest.raises(SolverDivergedError, match=r"epoch 1 .*smaller learning rate"):
        learn.train(model, x, y, epochs=5, batch_size=4, lr=1e6, progress=False, device="cpu")
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())


def test_resume_refuses_checkpoints_it_cannot_continue(tmp_path: Path) -> None:
    x, y = _tiny_data()
    weights = learn.save_checkpoint(_tiny_1d(), tmp_path / "weights.pt")
    with pytest.raises(DataFileError, match=r"weights only .*load_checkpoint"):
        learn.train(_tiny_1d(), x, y, epochs=2, checkpoint=weights, resume=True,
                    progress=False, device="cpu")  # fmt: skip
    other = tmp_path / "other.pt"
    narrow = learn.FNO(modes=4, width=4, layers=1, ndim=1)
    learn.train(narrow, x, y, epochs=1, checkpoint=other, progress=False, device="cpu")
    with pytest.raises(DataFileError, match="width=4 in the file but 8 in the model"):
        learn.train(_tiny_1d(), x, y, epochs=2, checkpoint=other, resume=True,
                    progress=False, device="cpu")  # fmt: skip


def test_float64_models_keep_their_dtype_through_checkpoints(tmp_path: Path) -> None:
    x = _tiny_data()[0].double()
    model = _tiny_1d().double()
    back, _ = learn.load_checkpoint(learn.save_checkpoint(model, tmp_path / "f64.pt"), device="cpu")
    assert back.in_mean.dtype == torch.float64 and back.lift.weight.dtype == torch.float64
    assert back.spectral[0].weight.dtype == model.spectral[0].weight.dtype  # complex untouched
    assert torch.equal(learn.predict(back, x), learn.predict(model, x))


def test_checkpoint_folder_is_refused_before_training(tmp_path: Path) -> None:
    x, y = _tiny_data()
    folder = tmp_path / "runs"
    folder.mkdir()
    with pytest.raises(ParameterError, match=r"is a directory.*run\.pt"):
        learn.train(_tiny_1d(), x, y, epochs=1, checkpoint=folder, progress=False, device="cpu")
    assert list(tmp_path.iterdir()) == [folder] and not list(folder.iterdir())


def test_odd_arguments_raise_typed_errors_or_do_the_documented_thing() -> None:
    x, y = _tiny_data()
    model = _tiny_1d()
    with pytest.raises(ParameterError, match=r"validation must be a pair.*tuple of length 1"):
        learn.train(model, x, y, epochs=1, validation=(x,), progress=False, device="cpu")
    with pytest.raises(InputError, match="empty or scalar"):
        learn.evaluate(model, 1.0, y)
    empty = learn.predict(model, torch.zeros(0, 1, 16))
    assert empty.shape == (0, 1, 16) and empty.dtype == torch.float32
    with pytest.raises(ParameterError, match="batch_size=0"):
        learn.predict(model, x, batch_size=0)
    with pytest.raises(ParameterError, match=r"seed=1\.5"):
        learn.train(model, x, y, epochs=1, seed=1.5, progress=False, device="cpu")
    with pytest.raises(InputError, match="complex"):
        learn.predict(model, x.to(torch.complex64))
    # seed=None draws a seed and reports it: passing it back repeats the run
    first = learn.train(_tiny_1d(), x, y, epochs=2, seed=None, progress=False, device="cpu")
    assert isinstance(first.seed, int)
    again = learn.train(_tiny_1d(), x, y, epochs=2, seed=first.seed, progress=False, device="cpu")
    assert [h["train_loss"] for h in again.history] == [h["train_loss"] for h in first.history]
    # numpy integers are integers
    assert (
        learn.train(_tiny_1d(), x, y, epochs=np.int64(1), progress=False, device="cpu").epochs == 1
    )


def test_relative_l2_takes_arrays_and_matches_numpy() -> None:
    gen = np.random.default_rng(0)
    prediction, target = gen.random((4, 3, 5)), gen.random((4, 3, 5))
    hand = np.linalg.norm((prediction - target).reshape(4, -1), axis=1) / np.linalg.norm(
        target.reshape(4, -1), axis=1
    )
    per_sample = learn.relative_l2(prediction, target, reduce=False)
    np.testing.assert_allclose(per_sample.numpy(), hand, rtol=1e-12)
    assert float(learn.relative_l2(prediction, target)) == pytest.approx(hand.mean(), rel=1e-12)
    # integers: ‖(1, 2) − (1, 3)‖ / ‖(1, 3)‖ = 1/√10
    ints = learn.relative_l2(np.array([[1, 2]]), torch.tensor([[1, 3]]))
    assert float(ints) == pytest.approx(1 / np.sqrt(10), rel=1e-12)
    with pytest.raises(InputError, match=r"shape \(5,\).*field\[None\]"):
        learn.relative_l2(np.ones(5), np.ones(5))


def test_save_checkpoint_refuses_a_folder_and_creates_missing_ones(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"save_checkpoint: path=.* is a directory"):
        learn.save_checkpoint(_tiny_1d(), tmp_path)
    path = learn.save_checkpoint(_tiny_1d(), tmp_path / "new folder" / "my model.pt")
    model, _ = learn.load_checkpoint(path, device="cpu")
    x = _tiny_data()[0]
    assert torch.equal(learn.predict(model, x), learn.predict(_tiny_1d(), x))


def test_training_a_trained_model_keeps_its_normalisation() -> None:
    """Fine-tuning starts from the function the model computes: zero epochs on new data (in
    other units) leave its predictions as they were; a new model is still fitted."""
    x, y = _tiny_data()
    model = learn.train(_tiny_1d(), x, y, epochs=1, progress=False, device="cpu").model
    before = learn.predict(model, x)
    learn.train(model, 100 * x, 100 * y, epochs=0, progress=False, device="cpu")
    assert torch.equal(learn.predict(model, x), before)
    fresh = learn.train(_tiny_1d(), x, y, epochs=0, progress=False, device="cpu").model
    torch.testing.assert_close(fresh.out_std, y.double().std().reshape(1).float())
