"""Training, evaluation and autoregressive rollout of neural-operator surrogates.

:func:`train` minimises the mean relative L2 error (the FNO paper's loss) with Adam and a step
or cosine learning-rate schedule, shows a tqdm bar, streams one record per epoch to a
``callback`` (a live view), and writes checkpoints holding the model configuration and weights,
the optimizer and scheduler state, the epoch, the loss history and the random-number state, so a
run resumed from a checkpoint continues exactly as an uninterrupted one would.

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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ai4s_lab._numbers import is_real
from ai4s_lab.device import resolve_device
from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.pde.learn._threads import single_thread
from ai4s_lab.pde.learn.fno import FNO, build_model

__all__ = [
    "TrainResult",
    "evaluate",
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
    """

    model: FNO
    history: list[dict[str, Any]] = field(default_factory=list)
    checkpoint: Path | None = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.history)


def relative_l2(
    prediction: torch.Tensor, target: torch.Tensor, *, reduce: bool = True
) -> torch.Tensor:
    """Relative L2 error ``‖prediction − target‖₂ / ‖target‖₂`` per sample (dimensionless).

    Parameters
    ----------
    prediction, target
        Tensors of the same shape ``(N, ...)``.
    reduce
        Return the mean over samples (a scalar) instead of the ``(N,)`` vector.
    """
    if prediction.shape != target.shape:
        raise InputError(
            f"prediction shape {tuple(prediction.shape)} differs from target shape "
            f"{tuple(target.shape)}; compare fields on the same grid"
        )
    diff = (prediction - target).flatten(1).norm(dim=1)
    norm = target.flatten(1).norm(dim=1).clamp_min(torch.finfo(target.dtype).tiny)
    errors = diff / norm
    return errors.mean() if reduce else errors


def _as_tensor(value: Any, name: str) -> torch.Tensor:
    if hasattr(value, "values") and hasattr(value, "dims"):
        value = value.values
    try:
        tensor = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as err:
        raise InputError(f"{name} of type {type(value).__name__} is not an array") from err
    return tensor


def _check_pair(
    model: FNO, inputs: Any, targets: Any, what: str
) -> tuple[torch.Tensor, torch.Tensor]:
    x = _as_tensor(inputs, f"{what} inputs")
    y = _as_tensor(targets, f"{what} targets")
    if x.numel() == 0 or y.numel() == 0 or x.shape[0] == 0:
        raise InputError(
            f"{what} data is empty (inputs {tuple(x.shape)}, targets {tuple(y.shape)}); "
            "generate samples first (ai4s_lab.pde.learn.generate)"
        )
    model.check_input(x, f"{what} inputs")
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
    for name, tensor in (("inputs", x), ("targets", y)):
        if tensor.is_complex() or not tensor.is_floating_point():
            tensor = tensor.to(torch.float32)
        if not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor)).flatten(1).any(dim=1).sum())
            raise InputError(
                f"{what} {name} contain NaN or inf values in {bad} sample(s); drop or regenerate "
                "those samples"
            )
    return x.to(torch.float32), y.to(torch.float32)


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"train: {name}={value!r} must be an integer >= {minimum}")
    return value


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not is_real(value) or not (value > 0 and math.isfinite(value)):
        raise ParameterError(f"train: {name}={value!r} must be a positive finite number")
    return float(value)


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
    seed: int = 0,
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
    epochs
        Total number of epochs (>= 0). With ``resume=True`` the run continues from the
        checkpoint's epoch up to this number.
    batch_size
        Samples per optimizer step.
    lr, weight_decay
        Adam learning rate and L2 weight decay.
    schedule
        ``"step"`` (multiply the rate by ``gamma`` every ``step_size`` epochs, as in the paper),
        ``"cosine"`` (cosine decay to zero over ``epochs``) or ``"constant"``.
    step_size, gamma
        Parameters of the step schedule.
    validation
        Optional ``(inputs, targets)`` evaluated after every epoch (``val_loss``).
    seed
        Seeds the batch shuffling (a private generator) and torch's global generator.
    normalize
        Fit the model's per-channel normalisation to the training data first (not on resume).
    device
        Where to train (``"auto"``, ``"cpu"``, ``"cuda"``, ...).
    checkpoint
        File to write a checkpoint to every ``checkpoint_every`` epochs and at the end.
    checkpoint_every
        Epochs between checkpoints.
    resume
        Continue from ``checkpoint`` if that file exists (model, optimizer, scheduler, epoch,
        history and random state are restored).
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
        For a bad number of epochs, batch size, learning rate, schedule or checkpoint setting.
    InputError
        For empty data, mismatched shapes/resolutions/channels or NaN/inf values.
    """
    epochs = _count("epochs", epochs, 0)
    batch_size = _count("batch_size", batch_size, 1)
    lr = _positive("lr", lr)
    gamma = _positive("gamma", gamma)
    step_size = _count("step_size", step_size, 1)
    checkpoint_every = _count("checkpoint_every", checkpoint_every, 1)
    if isinstance(weight_decay, bool) or not (is_real(weight_decay) and weight_decay >= 0):
        raise ParameterError(f"train: weight_decay={weight_decay!r} must be a number >= 0")
    if schedule not in SCHEDULES:
        raise ParameterError(
            f"train: schedule={schedule!r} is not known; use one of {', '.join(SCHEDULES)}"
        )
    if resume and checkpoint is None:
        raise ParameterError("train: resume=True needs checkpoint= (the file to resume from)")
    if callback is not None and not callable(callback):
        raise ParameterError(f"train: callback={callback!r} is not callable")
    if not isinstance(model, FNO):
        raise ParameterError(f"train: model of type {type(model).__name__} is not an FNO")
    x, y = _check_pair(model, inputs, targets, "training")
    val = _check_pair(model, *validation, "validation") if validation is not None else None

    dev = resolve_device(device)
    model.to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = _scheduler(optimizer, schedule, epochs, step_size, gamma)
    generator = torch.Generator().manual_seed(int(seed))
    history: list[dict[str, Any]] = []
    start_epoch = 0
    path = Path(checkpoint) if checkpoint is not None else None
    if resume and path is not None and path.is_file():
        state = _read_checkpoint(path, dev)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history = list(state["history"])
        start_epoch = int(state["epoch"])
        log.info("resumed from %s at epoch %d", path, start_epoch)
    else:
        torch.manual_seed(int(seed))
        if normalize:
            model.fit_normalization(x, y)
    model.to(dev)

    n = x.shape[0]
    result = TrainResult(model=model, history=history, checkpoint=None)
    work = min(batch_size, n) * int(model.config["width"]) * x[0, 0].numel()
    with single_thread(dev, work <= SINGLE_THREAD_WORK):
        _epochs(
            model,
            x,
            y,
            val,
            dev,
            optimizer,
            scheduler,
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
    scheduler: torch.optim.lr_scheduler.LRScheduler,
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
            model.train()
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for first in range(0, n, batch_size):
                index = order[first : first + batch_size]
                xb, yb = x[index].to(dev), y[index].to(dev)
                optimizer.zero_grad(set_to_none=True)
                loss = relative_l2(model(xb), yb, reduce=False).sum()
                loss.backward()
                optimizer.step()
                total += float(loss.detach())
            current_lr = float(optimizer.param_groups[0]["lr"])
            scheduler.step()
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
                _write_checkpoint(path, model, optimizer, scheduler, generator, history)
                result.checkpoint = path
            if stop:
                result.stopped_early = True
                break
    finally:
        bar.close()


def _scheduler(
    optimizer: torch.optim.Optimizer, schedule: str, epochs: int, step_size: int, gamma: float
) -> torch.optim.lr_scheduler.LRScheduler:
    if schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    return torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)


def _write_checkpoint(
    path: Path,
    model: FNO,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    generator: torch.Generator,
    history: list[dict[str, Any]],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": CHECKPOINT_FORMAT,
        "config": dict(model.config),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
        "epoch": len(history),
        "history": history,
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    partial.replace(path)  # atomic: an interrupted write never leaves a broken checkpoint


def save_checkpoint(model: FNO, path: str | Path) -> Path:
    """Write ``model`` (configuration and weights only) to ``path``; reload with
    :func:`load_checkpoint`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "format": CHECKPOINT_FORMAT,
            "config": dict(model.config),
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
    if "generator" in state:
        state["generator"] = state["generator"].cpu()
        state["torch_rng"] = state["torch_rng"].cpu()
    return state


def load_checkpoint(
    path: str | Path, *, device: str | torch.device | None = "auto"
) -> tuple[FNO, dict[str, Any]]:
    """Rebuild the model stored in a checkpoint.

    Returns
    -------
    (FNO, dict)
        The model in eval mode on ``device`` and the checkpoint's ``epoch`` and ``history``.
    """
    dev = resolve_device(device)
    state = _read_checkpoint(Path(path), dev)
    model = build_model(state["config"])
    model.load_state_dict(state["model"])
    model.to(dev).eval()
    return model, {"epoch": state["epoch"], "history": state["history"]}


@torch.no_grad()
def predict(
    model: FNO, inputs: Any, *, batch_size: int = 64, device: str | torch.device | None = None
) -> torch.Tensor:
    """Model outputs for ``inputs (N, channels, *grid)`` in batches, returned on the CPU.

    ``device=None`` uses the model's device.
    """
    x = _as_tensor(inputs, "inputs").to(torch.float32)
    model.check_input(x, "inputs")
    dev = next(model.parameters()).device if device is None else resolve_device(device)
    model.to(dev).eval()
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
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ParameterError(f"rollout: steps={steps!r} must be an integer >= 1")
    if model.in_channels != model.out_channels:
        raise ParameterError(
            f"rollout: the model maps {model.in_channels} to {model.out_channels} channels; an "
            "autoregressive rollout needs as many outputs as inputs"
        )
    u = _as_tensor(initial, "initial").to(torch.float32)
    model.check_input(u, "initial")
    dev = next(model.parameters()).device if device is None else resolve_device(device)
    model.to(dev).eval()
    u = u.to(dev)
    frames = [u.cpu()]
    for _ in range(steps):
        u = model(u)
        frames.append(u.cpu())
    return torch.stack(frames, dim=1)
