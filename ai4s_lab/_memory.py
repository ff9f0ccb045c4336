"""Refuse work that would not fit in memory, before allocating it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ai4s_lab.errors import ParameterError

if TYPE_CHECKING:
    import torch

__all__ = ["available_memory", "check_memory"]


def check_memory(
    nbytes: int,
    device: torch.device,
    what: str,
    fix: str,
) -> None:
    """Raise :class:`ParameterError` if ``nbytes`` exceed the free memory of ``device``.

    Parameters
    ----------
    nbytes
        Bytes the work would allocate.
    device
        Where it would allocate them.
    what
        What needs the memory, for the message (e.g. "the saved frames").
    fix
        What the user can change, for the message.
    """
    available = available_memory(device)
    if available is not None and nbytes > available:
        raise ParameterError(
            f"{what} would need {_size(nbytes)} but {device} has {_size(available)} free; {fix}"
        )


def _size(nbytes: int) -> str:
    """``nbytes`` in GiB from 0.1 GiB, else in MiB or KiB (GiB would read 0.0)."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= (0.1 if unit == "GiB" else 1.0) * scale or unit == "KiB":
            return f"{nbytes / scale:.1f} {unit}"
    raise AssertionError("unreachable")


def available_memory(device: torch.device) -> int | None:
    """Free bytes on ``device`` (CUDA: free device memory; CPU: available RAM), or ``None``."""
    if device.type == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type != "cpu":
        return None
    try:  # Linux: MemAvailable counts the page cache the kernel gives back on demand
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if hasattr(os, "sysconf"):
        try:  # free pages only: an underestimate where files are cached
            return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            return None
    return None
