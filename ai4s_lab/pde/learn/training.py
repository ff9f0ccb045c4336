"""Training, evaluation and autoregressive rollout of neural-operator surrogates.

:func:`train` minimises the mean relative L2 error (the FNO paper's loss) with Adam and a step
or cosine learning-rate schedule, shows a tqdm bar, streams one record per epoch to a
``callback`` (a live view), and writes checkpoints holding the model configuration and weights,
the optimizer state, the epoch, the loss history and the random-number state, so a run resumed
from a checkpoint continues exactly as an uninterrupted one would. The learning rate is a closed
form of the epoch (:func:`learning_rate`), so a resumed run, even one extended to more epochs,
follows the schedule of an uninterrupted run with the same settings.

References
----------
.. [1] Z. Li et al., "Fourier neural operator for parametric partial differential equations",
   ICLR 2021, arXiv:2010.08895 (relative L2 loss, Adam with step decay).
.. [2] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization", ICLR 2015,
   arXiv:1412.6980.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.device import resolve_device
from ai4s_lab.errors import DataFileError, InputError, ParameterError, SolverDivergedError
from ai4s_lab.pde.learn._threads import single_thread
from ai4s_lab.pde.learn.fno import FNO, _positive_int, build_model, coordinate_mode

__all__ = [
    "TrainResult",
    "evaluate",
    "learning_rate",
    "load_checkpoint",
    "predict",
    "relative_l2",
    "rollout",
    "save_checkpoint",
    "train",
]

log = logging.getLogger(__name__)

#: Learning-rate schedules accepted by :func:`train`.
SCHEDULES = ("step", "cosine", "constant")
#: CPU runs with at most this much work per batch use one thread (see :func:`train`).
SINGLE_THREAD_WORK = 2**22
#: Version of the checkpoint layout.
CHECKPOINT_FORMAT = 1

Callback = Callable[[dict[str, Any]], Any]


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    model
        The trained model (on the training device, in eval mode).
    history
        One record per epoch: ``epoch`` (1-based), ``train_loss`` and ``val_loss`` (mean relative
        L2; ``val_loss`` is NaN without validation data), ``lr``, ``seconds`` (wall time of the
        epoch).
    checkpoint
        Path of the last checkpoint written, if any.
    stopped_early
        Whether the callback stopped the run.
    seed
        The seed of the run (drawn from the operating system when ``train`` got ``seed=None``;
        pass it back to repeat the run).
    """

    model: FNO
    history: list[dict[str, Any]] = field(default_factory=list)
    checkpoint: Path | None = None
    stopped_early: bool = False
    seed: int | None = None

    @property
    def epochs(self) -> int:
        return len(self.history)


def relative_l2(prediction: Any, target: Any, *, reduce: bool = True) -> torch.Tensor:
    """Relative L2 error ``‖prediction − target‖₂ / ‖target‖₂`` per sample (dimensionless).

    Parameters
    ----------
    prediction, target
        Tensors or arrays (numpy, xarray) of the same shape ``(N, ...)``, one sample per row;
        integer data are compared in float64. A single field is one sample: ``field[None]``.
    reduce
        Return the mean over samples (a scalar) instead of the ``(N,)`` vector.

    Raises
    ------
    InputError
        For fields of different shapes, or fewer than two axes.
    """
    prediction = _metric_tensor(prediction, "prediction")
    target = _metric_tensor(target, "target")
    if prediction.shape != target.shape:
        raise InputError(
            f"prediction shape {tuple(prediction.shape)} differs from target shape "
            f"{tuple(target.shape)}; compare fields on the same grid"
        )
    diff = (prediction - target).flatten(1).norm(dim=1)
    norm = target.flatten(1).norm(dim=1).clamp_min(torch.finfo(target.dtype).tiny)
    errors = diff / norm
    return errors.mean() if reduce else errors


def _metric_tensor(value: Any, name: str) -> torch.Tensor:
    """``value`` as a floating tensor ``(N, ...)`` for :func:`relative_l2` (tensors untouched)."""
    tensor = _as_tensor(value, name)
    if not (tensor.is_floating_point() or tensor.is_complex()):
        tensor = tensor.to(torch.float64)
    if tensor.ndim < 2:
        raise InputError(
            f"relative_l2: {name} has shape {tuple(tensor.shape)}; it needs a sample axis and "
            "the field's axes, (N, ...): for one field pass field[None] (e.g. "
            "relative_l2(p[None], t[None]))"
        )
    return tensor


def _as_tensor(value: Any, name: str) -> torch.Tensor:
    if hasattr(value, "values") and hasattr(value, "dims"):
        value = value.values
    try:
        tensor = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as err:
        raise InputError(f"{name} of type {type(value).__name__} is not an array") from err
    return tensor


def _model_dtype(model: FNO) -> torch.dtype:
    """The floating dtype of ``model`` (that of its normalisation buffers)."""
    return model.in_mean.dtype


def _as_field(model: FNO, value: Any, name: str) -> torch.Tensor:
    """``value`` as a real tensor ``(batch, in_channels, *grid)`` in the model's dtype."""
    x = _as_tensor(value, name)
    if x.is_complex():
        raise InputError(
            f"{name} are complex ({x.dtype}); the FNO works on real fields — pass x.real, x.imag "
            "or both as separate channels"
        )
    model.check_input(x, name)
    return x.to(_model_dtype(model))


def _check_pair(
    model: FNO, inputs: Any, targets: Any, what: str
) -> tuple[torch.Tensor, torch.Tensor]:
    x = _as_tensor(inputs, f"{what} inputs")
    y = _as_tensor(targets, f"{what} targets")
    if x.numel() == 0 or y.numel() == 0 or x.ndim == 0 or y.ndim == 0 or x.shape[0] == 0:
        raise InputError(
            f"{what} data is empty or scalar (inputs {tuple(x.shape)}, targets "
            f"{tuple(y.shape)}); give arrays (samples, channels, *grid), e.g. from "
            "ai4s_lab.pde.learn.to_tensors(ai4s_lab.pde.learn.generate(...))"
        )
    x = _as_field(model, x, f"{what} inputs")
    if y.is_complex():
        raise InputError(f"{what} targets are complex ({y.dtype}); the FNO predicts real fields")
    if y.ndim != x.ndim or y.shape[1] != model.out_channels:
        raise InputError(
            f"{what} targets have shape {tuple(y.shape)}; the model outputs "
            f"(batch, {model.out_channels}, *grid) — check the channel axis"
        )
    if x.shape[0] != y.shape[0]:
        raise InputError(
            f"{what} inputs hold {x.shape[0]} samples but targets {y.shape[0]}; give one target "
            "per input"
        )
    if x.shape[2:] != y.shape[2:]:
        raise InputError(
            f"{what} inputs are on a {tuple(x.shape[2:])} grid but targets on "
            f"{tuple(y.shape[2:])}; resample one of them to the other's resolution"
        )
    y = y.to(x.dtype)
    for name, tensor in (("inputs", x), ("targets", y)):
        if not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor)).flatten(1).any(dim=1).sum())
            raise InputError(
                f"{what} {name} contain NaN or inf values in {bad} sample(s); drop or regenerate "
                "those samples"
            )
    zero = (y.flatten(1).norm(dim=1) == 0).nonzero().flatten().tolist()
    if zero:
        shown = ", ".join(map(str, zero[:10])) + (", ..." if len(zero) > 10 else "")
        raise InputError(
            f"{what} targets of {len(zero)} sample(s) are zero everywhere (sample indices "
            f"{shown}): the relative L2 error ‖prediction − target‖ / ‖target‖ is undefined for "
            "them; drop those samples, e.g. keep = y.flatten(1).norm(dim=1) > 0; x, y = x[keep], "
            "y[keep]"
        )
    return x, y


def _count(name: str, value: object, minimum: int, owner: str = "train") -> int:
    return _positive_int(name, value, owner, minimum)


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not is_real(value) or not (value > 0 and math.isfinite(value)):
        raise ParameterError(f"train: {name}={value!r} must be a positive finite number")
    return float(value)


def _seed(value: object, owner: str) -> int:
    """An integer seed; ``None`` draws one from the operating system (a non-repeatable run)."""
    if value is None:
        return secrets.randbits(63)
    if not is_integer(value):
        raise ParameterError(
            f"{owner}: seed={value!r} must be an integer (or None for a fresh random seed)"
        )
    return int(value)


def _describe(value: object) -> str:
    size = f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
    return f"a {type(value).__name__}{size}"


def learning_rate(
    schedule: str, lr: float, epoch: int, epochs: int, *, step_size: int = 100, gamma: float = 0.5
) -> float:
    """Learning rate of (0-based) ``epoch`` in a run of ``epochs`` epochs, as used by :func:`train`.

    ``"step"``: ``lr · gamma^⌊epoch / step_size⌋``; ``"cosine"``:
    ``lr · (1 + cos(π · epoch / epochs)) / 2`` (Loshchilov and Hutter 2017, without restarts,
    decaying to zero at ``epochs``); ``"constant"``: ``lr``.

    References
    ----------
    .. [1] I. Loshchilov and F. Hutter, "SGDR: stochastic gradient descent with warm restarts",
       ICLR 2017, arXiv:1608.03983.
    """
    if schedule == "step":
        return lr * gamma ** (epoch // step_size)
    if schedule == "cosine":
        return lr * (1 + math.cos(math.pi * epoch / max(epochs, 1))) / 2
    if schedule == "constant":
        return lr
    raise ParameterError(
        f"train: schedule={schedule!r} is not known; use one of {', '.join(SCHEDULES)}"
    )


def _normalization_fitted(model: FNO) -> bool:
    """Whether ``model`` holds fitted scales (a new FNO has means 0 and deviations 1)."""
    buffers = (model.in_mean, model.out_mean, model.in_std - 1, model.out_std - 1)
    return any(bool(buffer.any()) for buffer in buffers)


def _check_checkpoint_path(path: Path, owner: str = "train", name: str = "checkpoint") -> None:
    """Refuse a checkpoint path that cannot be written, before any epoch is spent."""
    if path.is_dir():
        raise ParameterError(
            f"{owner}: {name}={str(path)!r} is a directory; give a file path inside it, e.g. "
            f"{name}={str(path / 'run.pt')!r}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ParameterError(
            f"{owner}: the folder of {name}={str(path)!r} cannot be created ({err}); choose a "
            "writable location"
        ) from err


def _resumable_state(path: Path, model: FNO, dev: torch.device) -> dict[str, Any]:
    """Read a training checkpoint and check that ``model`` can continue from it."""
    state = _read_checkpoint(path, dev)
    missing = [key for key in ("optimizer", "generator", "torch_rng") if key not in state]
    if missing:
        raise DataFileError(
            path,
            "holds model weights only (written by save_checkpoint), not a training state, so "
            f"it cannot be resumed (no {', '.join(missing)})",
            hint="load it with learn.load_checkpoint(path) and train that model without "
            "resume=True, writing to a new checkpoint= file",
        )
    saved = dict(state.get("config", {}))
    if "coordinates" in saved:  # True/False in checkpoints written before the names
        saved["coordinates"] = coordinate_mode(saved["coordinates"])
    differ = [
        f"{key}={saved.get(key)!r} in the file but {model.config.get(key)!r} in the model"
        for key in sorted(set(saved) | set(model.config))
        if key != "padding_grid" and key in saved and saved.get(key) != model.config.get(key)
    ]
    if differ:
        raise DataFileError(
            path,
            "was written for another FNO architecture: " + "; ".join(differ),
            hint="build the model with the checkpoint's settings (learn.load_checkpoint shows "
            "them) or train with a new checkpoint= file",
        )
    return state


def train(
    model: FNO,
    inputs: Any,
    targets: Any,
    *,
    epochs: int,
    batch_size: int = 20,
    lr: float = 1e-3,
    weight_decay: float = 1e-4,
    schedule: str = "step",
    step_size: int = 100,
    gamma: float = 0.5,
    validation: tuple[Any, Any] | None = None,
    seed: int | None = 0,
    normalize: bool = True,
    device: str | torch.device | None = "auto",
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    callback: Callback | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train ``model`` on ``inputs → targets`` by minimising the mean relative L2 error.

    Parameters
    ----------
    model
        An :class:`~ai4s_lab.pde.learn.FNO`.
    inputs, targets
        Arrays or tensors ``(N, channels, *grid)`` (see :func:`~ai4s_lab.pde.learn.to_tensors`).
        No target may be zero everywhere (its relative error is undefined).
    epochs
        Total number of epochs (>= 0). With ``resume=True`` the run continues from the
        checkpoint's epoch up to this number.
    batch_size
        Samples per optimizer step.
    lr, weight_decay
        Adam learning rate and L2 weight decay.
    schedule
        ``"step"`` (multiply the rate by ``gamma`` every ``step_size`` epochs, as in the paper),
        ``"cosine"`` (cosine decay to zero over ``epochs``) or ``"constant"``; see
        :func:`learning_rate`.
    step_size, gamma
        Parameters of the step schedule.
    validation
        Optional ``(inputs, targets)`` evaluated after every epoch (``val_loss``).
    seed
        Seeds the batch shuffling (a private generator) and torch's global generator. ``None``
        draws a seed from the operating system (a run that is not repeatable unless you pass
        back :attr:`TrainResult.seed`).
    normalize
        Fit the model's per-channel normalisation to the training data first; not on resume,
        and not for a model whose normalisation is already fitted (trained before, loaded with
        :func:`load_checkpoint`, or fitted with :meth:`FNO.fit_normalization`), so fine-tuning
        starts from the function the model computes. Call ``model.fit_normalization`` to refit.
    device
        Where to train (``"auto"``, ``"cpu"``, ``"cuda"``, ...).
    checkpoint
        File to write a checkpoint to every ``checkpoint_every`` epochs and at the end (checked
        before training: a directory is refused).
    checkpoint_every
        Epochs between checkpoints.
    resume
        Continue from ``checkpoint`` if that file exists (model weights and dtype, optimizer
        state, epoch, history and random state are restored). The learning rate and weight
        decay come from this call: the schedule is recomputed for this call's ``epochs``,
        ``lr``, ``schedule``, ``step_size`` and ``gamma`` at the resumed epoch, so a run
        extended from 4 to 8 epochs gets the learning rates of an uninterrupted 8-epoch run.
        A file written by :func:`save_checkpoint` (weights only) cannot be resumed.
    callback
        Called after every epoch with that epoch's history record (a dict); return ``False`` to
        stop training early (the run still checkpoints).
    progress
        Show a tqdm bar over epochs with the current losses.

    Returns
    -------
    TrainResult

    Notes
    -----
    On the CPU, runs whose batch work (``batch_size × width × grid points``) is at most
    :data:`SINGLE_THREAD_WORK` use one torch thread: on a small shared machine the second thread
    made such runs 1.4–12x slower (measured on 2 vCPUs under load).

    Raises
    ------
    ParameterError
        For a bad number of epochs, batch size, learning rate, schedule, seed, validation pair
        or checkpoint setting.
    InputError
        For empty data, mismatched shapes/resolutions/channels, NaN/inf values or all-zero
        targets.
    DataFileError
        When ``resume=True`` meets a checkpoint that is unreadable, holds weights only, or was
        written for another architecture.
    SolverDivergedError
        When the training loss becomes NaN or infinite (the step is not taken; lower ``lr``).
    """
    epochs = _count("epochs", epochs, 0)
    batch_size = _count("batch_size", batch_size, 1)
    lr = _positive("lr", lr)
    gamma = _positive("gamma", gamma)
    step_size = _count("step_size", step_size, 1)
    checkpoint_every = _count("checkpoint_every", checkpoint_every, 1)
    if isinstance(weight_decay, bool) or not (is_real(weight_decay) and weight_decay >= 0):
        raise ParameterError(f"train: weight_decay={weight_decay!r} must be a number >= 0")
    weight_decay = float(weight_decay)
    if schedule not in SCHEDULES:
        raise ParameterError(
            f"train: schedule={schedule!r} is not known; use one of {', '.join(SCHEDULES)}"
        )
    seed = _seed(seed, "train")
    if resume and checkpoint is None:
        raise ParameterError("train: resume=True needs checkpoint= (the file to resume from)")
    if callback is not None and not callable(callback):
        raise ParameterError(f"train: callback={callback!r} is not callable")
    if not isinstance(model, FNO):
        raise ParameterError(f"train: model of type {type(model).__name__} is not an FNO")
    if validation is not None and (
        not isinstance(validation, (tuple, list)) or len(validation) != 2
    ):
        raise ParameterError(
            f"train: validation must be a pair (inputs, targets), got {_describe(validation)}; "
            "pass validation=(x_test, y_test)"
        )
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None:
        _check_checkpoint_path(path)

    dev = resolve_device(device)
    state: dict[str, Any] | None = None
    if resume and path is not None and path.is_file():
        state = _resumable_state(path, model, dev)
        _cast(model, _checkpoint_dtype(state, path))
    x, y = _check_pair(model, inputs, targets, "training")
    val = _check_pair(model, *validation, "validation") if validation is not None else None

    model.to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    generator = torch.Generator()
    history: list[dict[str, Any]] = []
    start_epoch = 0
    if state is not None and path is not None:
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as err:
            raise DataFileError(
                path, f"does not fit this model ({err})", hint="train with a new checkpoint= file"
            ) from err
        if state["config"].get("padding_grid") is not None:
            model.padding_grid = state["config"]["padding_grid"]
        for group in optimizer.param_groups:  # this call's settings, not the saved ones
            group["weight_decay"] = weight_decay
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history = list(state["history"])
        start_epoch = int(state["epoch"])
        seed = int(state.get("seed", seed))
        log.info("resumed from %s at epoch %d", path, start_epoch)
    else:
        generator.manual_seed(seed)
        torch.manual_seed(seed)
        if model.padding_grid is None and model.padding:
            model.padding_grid = tuple(x.shape[2:])
        if normalize and not _normalization_fitted(model):
            model.fit_normalization(x, y)
        elif normalize:
            log.info("train: the model's normalisation is already fitted; keeping it")
    model.to(dev)

    def lr_at(epoch: int) -> float:
        return learning_rate(schedule, lr, epoch, epochs, step_size=step_size, gamma=gamma)

    settings = {
        "schedule": schedule,
        "lr": lr,
        "step_size": step_size,
        "gamma": gamma,
        "epochs": epochs,
        "seed": seed,
    }
    n = x.shape[0]
    result = TrainResult(model=model, history=history, checkpoint=None, seed=seed)
    work = min(batch_size, n) * int(model.config["width"]) * x[0, 0].numel()
    with single_thread(dev, work <= SINGLE_THREAD_WORK):
        _epochs(
            model,
            x,
            y,
            val,
            dev,
            optimizer,
            lr_at,
            settings,
            generator,
            history,
            result,
            start_epoch,
            epochs,
            batch_size,
            path,
            checkpoint_every,
            callback,
            progress,
        )
    model.eval()
    return result


def _epochs(
    model: FNO,
    x: torch.Tensor,
    y: torch.Tensor,
    val: tuple[torch.Tensor, torch.Tensor] | None,
    dev: torch.device,
    optimizer: torch.optim.Optimizer,
    lr_at: Callable[[int], float],
    settings: dict[str, Any],
    generator: torch.Generator,
    history: list[dict[str, Any]],
    result: TrainResult,
    start_epoch: int,
    epochs: int,
    batch_size: int,
    path: Path | None,
    checkpoint_every: int,
    callback: Callback | None,
    progress: bool,
) -> None:
    from tqdm import tqdm

    n = x.shape[0]
    bar = tqdm(
        total=epochs,
        initial=min(start_epoch, epochs),
        disable=not progress,
        unit="epoch",
        desc="train",
        leave=False,
    )
    try:
        for epoch in range(start_epoch, epochs):
            began = time.perf_counter()
            current_lr = lr_at(epoch)
            for group in optimizer.param_groups:
                group["lr"] = current_lr
            model.train()
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for batch, first in enumerate(range(0, n, batch_size)):
                index = order[first : first + batch_size]
                xb, yb = x[index].to(dev), y[index].to(dev)
                optimizer.zero_grad(set_to_none=True)
                loss = relative_l2(model(xb), yb, reduce=False).sum()
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise SolverDivergedError(
                        f"train: the training loss became {value} in epoch {epoch + 1} (batch "
                        f"{batch + 1}) at lr={current_lr:.3g}; training stopped before that "
                        "step, and the checkpoint (if any) holds the last finished epoch. Use a "
                        f"smaller learning rate (e.g. lr={settings['lr'] / 10:.3g}) or check the "
                        "data for outliers"
                    )
                loss.backward()
                optimizer.step()
                total += value
            record: dict[str, Any] = {
                "epoch": epoch + 1,
                "train_loss": total / n,
                "val_loss": evaluate(model, *val, device=dev) if val is not None else math.nan,
                "lr": current_lr,
                "seconds": time.perf_counter() - began,
            }
            history.append(record)
            bar.update(1)
            losses = {"train": f"{record['train_loss']:.3e}"}
            if val is not None:
                losses["val"] = f"{record['val_loss']:.3e}"
            bar.set_postfix(losses)
            last = epoch + 1 == epochs
            stop = callback is not None and callback(dict(record)) is False
            if path is not None and ((epoch + 1) % checkpoint_every == 0 or last or stop):
                _write_checkpoint(path, model, optimizer, settings, generator, history)
                result.checkpoint = path
            if stop:
                result.stopped_early = True
                break
    finally:
        bar.close()


def _dtype_name(model: FNO) -> str:
    return str(_model_dtype(model)).removeprefix("torch.")


def _write_checkpoint(
    path: Path,
    model: FNO,
    optimizer: torch.optim.Optimizer,
    settings: dict[str, Any],
    generator: torch.Generator,
    history: list[dict[str, Any]],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": CHECKPOINT_FORMAT,
        "config": dict(model.config),
        "dtype": _dtype_name(model),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": dict(settings),  # the schedule's settings, for the record
        "seed": settings["seed"],
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
        "epoch": len(history),
        "history": history,
    }
    partial = path.with_name(path.name + ".partial")
    try:
        torch.save(state, partial)
        partial.replace(path)  # atomic: an interrupted write never leaves a broken checkpoint
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def save_checkpoint(model: FNO, path: str | Path) -> Path:
    """Write ``model`` (configuration, dtype and weights only) to ``path``; reload with
    :func:`load_checkpoint`. Such a file cannot be resumed by :func:`train` (it holds no
    optimizer state).

    Raises
    ------
    ParameterError
        If ``path`` is a directory or its folder cannot be created.
    """
    path = Path(path)
    _check_checkpoint_path(path, owner="save_checkpoint", name="path")
    torch.save(
        {
            "format": CHECKPOINT_FORMAT,
            "config": dict(model.config),
            "dtype": _dtype_name(model),
            "model": model.state_dict(),
            "epoch": 0,
            "history": [],
        },
        path,
    )
    return path


def _read_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    if not path.is_file():
        raise DataFileError(path, "no such checkpoint file", hint="train with checkpoint=PATH")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # torch raises several types for a corrupt file
        raise DataFileError(path, f"not a readable checkpoint ({err})") from err
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise DataFileError(
            path, "not an ai4s_lab.pde.learn checkpoint", hint="write it with learn.train"
        )
    for key in ("config", "model"):
        if not isinstance(state.get(key), dict):
            raise DataFileError(
                path, f"has no model {key}", hint="write it with learn.train or save_checkpoint"
            )
    if "generator" in state:
        state["generator"] = state["generator"].cpu()
        state["torch_rng"] = state["torch_rng"].cpu()
    return state


def _checkpoint_dtype(state: dict[str, Any], path: Path) -> torch.dtype:
    """The dtype the model was saved in: recorded, or (older files) that of its buffers."""
    name = state.get("dtype")
    if name is None:
        floating = [t for t in state["model"].values() if t.is_floating_point()]
        return floating[0].dtype if floating else torch.float32
    dtype = getattr(torch, str(name), None)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise DataFileError(path, f"records dtype {name!r}, not a real floating-point type")
    return dtype


def _cast(model: FNO, dtype: torch.dtype) -> FNO:
    """Cast the real parameters and buffers of ``model`` to ``dtype`` (as ``model.double()``
    does; ``model.to(dtype)`` would also turn the complex spectral weights real)."""
    casts = {
        torch.float64: model.double,
        torch.float32: model.float,
        torch.float16: model.half,
        torch.bfloat16: model.bfloat16,
    }
    if dtype not in casts:
        raise InputError(f"cannot cast an FNO to {dtype}; use float32 or float64")
    return casts[dtype]()


def load_checkpoint(
    path: str | Path, *, device: str | torch.device | None = "auto"
) -> tuple[FNO, dict[str, Any]]:
    """Rebuild the model stored in a checkpoint, in the dtype it was saved in.

    Returns
    -------
    (FNO, dict)
        The model in eval mode on ``device`` and the checkpoint's ``epoch`` and ``history``.

    Raises
    ------
    DataFileError
        If the file is missing, unreadable, or its weights do not fit its configuration.
    """
    dev = resolve_device(device)
    path = Path(path)
    state = _read_checkpoint(path, dev)
    model = _cast(build_model(state["config"]), _checkpoint_dtype(state, path))
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as err:
        raise DataFileError(path, f"weights do not fit the stored configuration ({err})") from err
    model.to(dev).eval()
    return model, {"epoch": state["epoch"], "history": state["history"]}


@torch.no_grad()
def predict(
    model: FNO, inputs: Any, *, batch_size: int = 64, device: str | torch.device | None = None
) -> torch.Tensor:
    """Model outputs for ``inputs (N, channels, *grid)`` in batches, returned on the CPU.

    The inputs are cast to the model's dtype; ``N = 0`` gives an empty ``(0, out_channels,
    *grid)`` tensor. ``device=None`` uses the model's device.
    """
    batch_size = _count("batch_size", batch_size, 1, owner="predict")
    x = _as_field(model, inputs, "inputs")
    dev = next(model.parameters()).device if device is None else resolve_device(device)
    model.to(dev).eval()
    if x.shape[0] == 0:
        return torch.zeros((0, model.out_channels, *x.shape[2:]), dtype=x.dtype)
    outs = [model(x[i : i + batch_size].to(dev)).cpu() for i in range(0, x.shape[0], batch_size)]
    return torch.cat(outs)


def evaluate(
    model: FNO,
    inputs: Any,
    targets: Any,
    *,
    batch_size: int = 64,
    device: str | torch.device | None = None,
) -> float:
    """Mean relative L2 error of ``model`` on ``inputs → targets`` (dimensionless)."""
    x, y = _check_pair(model, inputs, targets, "evaluation")
    was_training = model.training
    prediction = predict(model, x, batch_size=batch_size, device=device)
    if was_training:
        model.train()
    return float(relative_l2(prediction, y))


@torch.no_grad()
def rollout(
    model: FNO, initial: Any, steps: int, *, device: str | torch.device | None = None
) -> torch.Tensor:
    """Apply a one-step surrogate autoregressively: ``u_{k+1} = model(u_k)``.

    Parameters
    ----------
    model
        A model with as many input as output channels.
    initial
        ``(B, channels, *grid)``.
    steps
        Number of steps (>= 1).

    Returns
    -------
    torch.Tensor
        ``(B, steps + 1, channels, *grid)`` on the CPU, starting with ``initial``.
    """
    steps = _count("steps", steps, 1, owner="rollout")
    if model.in_channels != model.out_channels:
        raise ParameterError(
            f"rollout: the model maps {model.in_channels} to {model.out_channels} channels; an "
            "autoregressive rollout needs as many outputs as inputs"
        )
    u = _as_field(model, initial, "initial")
    dev = next(model.parameters()).device if device is None else resolve_device(device)
    model.to(dev).eval()
    u = u.to(dev)
    frames = [u.cpu()]
    for _ in range(steps):
        u = model(u)
        frames.append(u.cpu())
    return torch.stack(frames, dim=1)
