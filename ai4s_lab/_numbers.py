"""A check for plain real numbers, numpy scalars included, for parameter validation."""

from __future__ import annotations

from numbers import Real
from typing import TypeGuard

__all__ = ["is_real"]


def is_real(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a real number: int, float or a numpy integer/floating scalar
    (``np.float32(2.0)`` is one), but not a bool (``True`` is an int to Python)."""
    return isinstance(value, Real) and not isinstance(value, bool)
