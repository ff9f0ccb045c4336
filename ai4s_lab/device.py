"""The one place that chooses the torch device and dtype.

Every compute function in AI4S Lab takes ``device=`` and passes it through
:func:`resolve_device`; tensors are created with :func:`resolve_dtype`. The environment variable
``AI4S_DEVICE`` overrides ``"auto"``, so a whole notebook or pipeline moves to another device
without a code change.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai4s_lab.errors import DeviceError, DeviceUnavailableError

if TYPE_CHECKING:
    import torch

__all__ = [
    "available_devices",
    "device_info",
    "resolve_device",
    "resolve_dtype",
]

logger = logging.getLogger(__name__)

ENV_VAR = "AI4S_DEVICE"
#: Inside a pipeline run (the runner sets ``AI4S_RUN_DIR`` for the kernel), the devices the
#: notebook resolved are listed in this file of the run folder, for the run's manifest.
RUN_DEVICES_FILE = "devices.json"
_reported: list[dict[str, Any]] = []
_SPEC = re.compile(r"^(auto|cpu|mps|cuda)(?::(\d+))?$")


def available_devices() -> list[str]:
    """Names of the devices torch can use on this machine, CPU first.

    Returns
    -------
    list of str
        For example ``["cpu", "cuda:0", "cuda:1"]``.
    """
    import torch

    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Turn a device request into a ``torch.device`` that exists on this machine.

    Parameters
    ----------
    device
        ``"auto"`` (or ``None``) picks CUDA, then MPS, then the CPU; the environment variable
        ``AI4S_DEVICE`` overrides ``"auto"``. Otherwise ``"cpu"``, ``"cuda"``, ``"cuda:N"``,
        ``"mps"`` or a ``torch.device``.

    Returns
    -------
    torch.device

    Raises
    ------
    DeviceError
        If the string is not a device name.
    DeviceUnavailableError
        If the device is well-formed but not present; the message lists those that are.
    """
    chosen = _resolve(device)
    _report_to_run(chosen)
    return chosen


def _resolve(device: str | torch.device | None) -> torch.device:
    import torch

    if isinstance(device, torch.device):
        spec = str(device)
    elif device is None:
        spec = "auto"
    elif isinstance(device, str):
        spec = device.strip().lower()
    else:
        raise DeviceError(
            f"device={device!r} is neither a string nor a torch.device; "
            "use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"
        )

    source = "device"
    if spec == "auto" and os.environ.get(ENV_VAR, "").strip():
        spec = os.environ[ENV_VAR].strip().lower()
        source = f"the environment variable {ENV_VAR}"

    match = _SPEC.match(spec)
    if match is None:
        raise DeviceError(
            f"{source}={spec!r} is not a device name; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"
        )
    kind, index = match.group(1), match.group(2)

    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cpu":
        if index not in (None, "0"):
            raise DeviceError(f"{source}={spec!r}: the CPU has no index; use 'cpu'")
        return torch.device("cpu")
    if kind == "mps":
        if not _mps_available():
            raise DeviceUnavailableError(_unavailable(source, spec))
        return torch.device("mps")
    # cuda
    if not torch.cuda.is_available():
        raise DeviceUnavailableError(_unavailable(source, spec))
    count = torch.cuda.device_count()
    number = int(index) if index is not None else torch.cuda.current_device()
    if number >= count:
        raise DeviceUnavailableError(_unavailable(source, spec))
    return torch.device("cuda", number)


def resolve_dtype(
    dtype: str | torch.dtype | None = None, device: str | torch.device | None = "auto"
) -> torch.dtype:
    """Choose the floating-point dtype for a computation on ``device``.

    Policy: float64 by default on the CPU (exact-solution checks need it), float32 by default on
    GPUs (where float64 is slow or, on MPS, absent). float64 may be asked for on any device
    except MPS.

    Parameters
    ----------
    dtype
        ``None`` for the default, or ``"float32"``/``"float64"``, a torch dtype or a NumPy
        dtype (``np.float32``).
    device
        The device the tensors will live on (resolved with :func:`resolve_device`).

    Returns
    -------
    torch.dtype
    """
    import torch

    dev = resolve_device(device)
    if dtype is None:
        return torch.float64 if dev.type == "cpu" else torch.float32
    allowed = {"float32": torch.float32, "float64": torch.float64}
    if isinstance(dtype, str):
        key = dtype.strip().lower().replace("torch.", "")
        key = {"single": "float32", "double": "float64", "f4": "float32", "f8": "float64"}.get(
            key, key
        )
        if key not in allowed:
            raise DeviceError(f"dtype={dtype!r} is not supported; use 'float32' or 'float64'")
        chosen = allowed[key]
    elif dtype in (torch.float32, torch.float64):
        chosen = dtype
    elif _numpy_float(dtype) in allowed:  # np.float32, np.dtype("float64"), "<f8" dtypes
        chosen = allowed[_numpy_float(dtype)]
    else:
        raise DeviceError(
            f"dtype={dtype!r} is not supported; use 'float32' or 'float64' (or the torch or "
            "NumPy dtype)"
        )
    if chosen == torch.float64 and dev.type == "mps":
        raise DeviceError(
            "dtype=float64 is not supported on the 'mps' device; use float32 or device='cpu'"
        )
    return chosen


def _numpy_float(dtype: object) -> str:
    """The name of ``dtype`` as a NumPy dtype (``np.float32`` → ``"float32"``), ``""`` where it
    is none."""
    import numpy as np

    try:
        return str(np.dtype(dtype))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


def device_info(device: str | torch.device | None = "auto") -> dict[str, Any]:
    """A small, JSON-ready description of a device, for manifests and dataset attributes."""
    import torch

    dev = _resolve(device)
    info: dict[str, Any] = {"device": str(dev), "torch": torch.__version__}
    if dev.type == "cuda":
        info["name"] = torch.cuda.get_device_name(dev)
        info["cuda"] = torch.version.cuda
    elif dev.type == "cpu":
        info["name"] = _cpu_name()
        info["threads"] = torch.get_num_threads()
    return info


def _report_to_run(dev: torch.device) -> None:
    run_dir = os.environ.get("AI4S_RUN_DIR")
    if not run_dir or any(info["device"] == str(dev) for info in _reported):
        return
    _reported.append(device_info(dev))
    try:
        (Path(run_dir) / RUN_DEVICES_FILE).write_text(json.dumps(_reported))
    except OSError as err:  # never fail a computation over the run's bookkeeping; say so
        logger.warning(
            "could not note device %s for the run's manifest in %s: %s", dev, run_dir, err
        )


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def _unavailable(source: str, spec: str) -> str:
    present = ", ".join(repr(name) for name in available_devices())
    return (
        f"{source}={spec!r} is not available on this machine; the devices here are {present}. "
        "Use one of them, or 'auto' to pick the best."
    )


def _cpu_name() -> str:
    import platform

    cpuinfo = "/proc/cpuinfo"
    if os.path.exists(cpuinfo):
        with open(cpuinfo, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()
