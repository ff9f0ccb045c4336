"""Arrays handed to the widgets by models: torch tensors become NumPy arrays in one place."""

from __future__ import annotations

from typing import Any

__all__ = ["to_numpy"]


def to_numpy(value: Any) -> Any:
    """``value`` as a NumPy array where it is a torch tensor (on any device, with or without a
    graph: ``.detach().cpu()``; bfloat16, which NumPy lacks, as float32); anything else is
    returned as it is."""
    if not (hasattr(value, "detach") and hasattr(value, "cpu")):
        return value
    tensor = value.detach().cpu()
    if str(getattr(tensor, "dtype", "")) == "torch.bfloat16":
        tensor = tensor.float()
    return tensor.numpy()
