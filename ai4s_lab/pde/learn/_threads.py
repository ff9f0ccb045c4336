"""CPU thread count for small workloads.

On a small, loaded machine (2 cores shared with other jobs) torch's second OpenMP thread makes
small kernels several times slower: measured 4x for the batched Darcy CG at 64² and 5x for a
PINN step with 2,000 points. The PDE lab's ``solve`` uses one thread below a size threshold for
the same reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

__all__ = ["single_thread"]


@contextmanager
def single_thread(device: torch.device, enabled: bool = True) -> Iterator[None]:
    """Use one torch thread inside the block when ``device`` is the CPU and ``enabled``."""
    import torch

    threads = torch.get_num_threads()
    if enabled and device.type == "cpu":
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
