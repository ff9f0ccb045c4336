"""Checks for plain real numbers and integers, numpy scalars included, for parameter validation."""

from __future__ import annotations

from numbers import Integral, Real
from typing import TypeGuard

__all__ = ["is_integer", "is_real"]


def is_real(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a real number: int, float or a numpy integer/floating scalar
    (``np.float32(2.0)`` is one), but not a bool (``True`` is an int to Python)."""
    return isinstance(value, Real) and not isinstance(value, bool)


def is_integer(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an int or a numpy integer scalar, but not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)
