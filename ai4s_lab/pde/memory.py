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
    fix: str = "use a coarser grid, a smaller batch or a larger save_every",
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
            f"{what} would need {nbytes / 2**30:.1f} GiB but {device} has "
            f"{available / 2**30:.1f} GiB free; {fix}"
        )


def available_memory(device: torch.device) -> int | None:
    """Free bytes on ``device`` (CUDA: free device memory; CPU: available RAM), or ``None``."""
    if device.type == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type == "cpu" and hasattr(os, "sysconf"):
        try:
            return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            return None
    return None
