"""A field on a periodic grid: a tensor of shape ``(batch, channels, *grid.shape)`` and its grid."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ai4s_lab.errors import InputError
from ai4s_lab.pde.grids import PeriodicGrid

if TYPE_CHECKING:
    import torch

__all__ = ["Field", "as_field"]


@dataclass(frozen=True, eq=False)
class Field:
    """Values of one or more fields on a :class:`PeriodicGrid`, for one or many samples.

    Attributes
    ----------
    data
        Tensor of shape ``(batch, channels, *grid.shape)``.
    grid
        The grid the values live on.
    batched
        Whether the leading dimension is a real batch (``solve`` then keeps a ``batch`` dim in
        its output) or a single sample; always true for more than one sample.
    """

    data: torch.Tensor
    grid: PeriodicGrid
    batched: bool = False

    def __post_init__(self) -> None:
        expected = 2 + self.grid.ndim
        if self.data.ndim != expected or tuple(self.data.shape[2:]) != self.grid.shape:
            raise InputError(
                f"Field data of shape {tuple(self.data.shape)} does not fit the grid "
                f"{self.grid.shape}; expected (batch, channels, *{self.grid.shape})"
            )
        if self.data.shape[0] > 1 and not self.batched:  # several samples are a batch: all kept
            object.__setattr__(self, "batched", True)

    @property
    def channels(self) -> int:
        """Number of fields (e.g. 2 for Gray–Scott's ``u, v``)."""
        return int(self.data.shape[1])

    def numpy(self) -> Any:
        """The values as a NumPy array (copied to the CPU)."""
        return self.data.detach().cpu().numpy()

    # NumPy defers to the operators below (``array + field`` is a Field, not an object array)
    __array_ufunc__ = None

    # Arithmetic with numbers, with fields on the same grid and with arrays of values on the
    # grid, so that initial conditions can be scaled and combined
    # (``0.5 * random_field(g, 0) + taylor_green(g)``).
    def _combine(self, other: object, op: Callable[[Any, Any], Any], symbol: str) -> Field:
        if _is_array(other):
            other = _on_grid(other, self.grid, self.channels, symbol)
        if isinstance(other, Field):
            if other.grid != self.grid:
                raise InputError(
                    f"cannot compute field {symbol} field on different grids "
                    f"({self.grid.shape}, lengths {self.grid.lengths} and {other.grid.shape}, "
                    f"lengths {other.grid.lengths}); build both on the same grid"
                )
            operand: Any = other.data
            batched = self.batched or other.batched
        elif isinstance(other, numbers.Real) and not isinstance(other, bool):
            operand, batched = float(other), self.batched
        else:
            return NotImplemented
        try:
            data = op(self.data, operand)
        except RuntimeError as err:
            raise InputError(
                f"cannot compute field {symbol} field with data of shapes "
                f"{tuple(self.data.shape)} and {tuple(operand.shape)}: batch and channel sizes "
                "must match or be 1"
            ) from err
        return Field(data, self.grid, batched)

    def __add__(self, other: object) -> Field:
        return self._combine(other, operator.add, "+")

    def __radd__(self, other: object) -> Field:
        return self._combine(other, lambda a, b: b + a, "+")

    def __sub__(self, other: object) -> Field:
        return self._combine(other, operator.sub, "-")

    def __rsub__(self, other: object) -> Field:
        return self._combine(other, lambda a, b: b - a, "-")

    def __mul__(self, other: object) -> Field:
        return self._combine(other, operator.mul, "*")

    def __rmul__(self, other: object) -> Field:
        return self._combine(other, lambda a, b: b * a, "*")

    def __truediv__(self, other: object) -> Field:
        return self._combine(other, operator.truediv, "/")

    def __rtruediv__(self, other: object) -> Field:
        return self._combine(other, lambda a, b: b / a, "/")

    def __pow__(self, other: object) -> Field:
        return self._combine(other, operator.pow, "**")

    def __neg__(self) -> Field:
        return Field(-self.data, self.grid, self.batched)


def _is_array(value: object) -> bool:
    import numpy as np
    import torch

    is_data_array = hasattr(value, "values") and hasattr(value, "dims")
    return isinstance(value, (np.ndarray, torch.Tensor)) or is_data_array


def _on_grid(value: object, grid: PeriodicGrid, channels: int, symbol: str) -> Field:
    """An array operand of a field operator as a field: one value per grid point, for every
    channel or (shape ``(*grid)``) the same for all."""
    shape = tuple(getattr(value, "shape", ()))
    if shape[-grid.ndim :] != grid.shape:
        raise InputError(
            f"cannot compute field {symbol} array of shape {shape}: the array's last axes must "
            f"be the grid {grid.shape} (or use a number)"
        )
    one_field = len(shape) == grid.ndim or channels == 1
    return as_field(value, grid, 1 if one_field else channels, name=f"the array in field {symbol}")


def as_field(
    value: object, grid: PeriodicGrid, channels: int, *, name: str, hint: str = ""
) -> Field:
    """Coerce a tensor, array or :class:`Field` into a :class:`Field` with ``channels`` fields.

    Plain arrays are read as ``(*grid)`` (one field, one sample), ``(batch, *grid)`` for one field
    or ``(channels, *grid)`` for several, or ``(batch, channels, *grid)``; the trailing axes must
    match ``grid.shape``. ``hint`` ends the message of a wrong number of fields.
    """
    hint = f"; {hint}" if hint else ""
    import numpy as np
    import torch

    if isinstance(value, Field):
        if value.channels != channels:
            raise InputError(
                f"{name} has {value.channels} field(s) but the equation needs {channels}{hint}"
            )
        return value
    if hasattr(value, "values") and hasattr(value, "dims"):  # an xarray.DataArray
        value = np.asarray(value.values)
    if np.ma.isMaskedArray(value):  # e.g. a variable read with the netCDF4 package
        masked = int(np.ma.count_masked(value))
        if masked:
            raise InputError(
                f"{name} is a masked array with {masked:,} masked value(s) (missing data); "
                "fill them (e.g. values.filled(0.0) or an interpolation) before solving"
            )
        value = np.ma.getdata(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        if value.dtype.kind != "O":
            raise InputError(f"{name} holds text (dtype {value.dtype}); give numbers")
        try:  # an object array of numbers (e.g. from pandas)
            value = value.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise InputError(
                f"{name} is an object array whose items are not all numbers ({err}); give numbers"
            ) from err
    if isinstance(value, np.ndarray) and not value.dtype.isnative:  # big-endian data files
        value = value.astype(value.dtype.newbyteorder("="))
    try:
        tensor = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as err:
        raise InputError(
            f"{name} of type {type(value).__name__} is not an array; give a NumPy array, a "
            "torch tensor, an xarray.DataArray or a Field (a pandas DataFrame: "
            "df.to_numpy())"
        ) from err
    tensor = tensor.detach()  # an initial condition is data, not part of an autograd graph
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise InputError(f"{name} has dtype {tensor.dtype}; give real numbers")
    if not tensor.is_floating_point():
        tensor = tensor.to(torch.float64)
    if tensor.ndim == 0 or tensor.numel() == 0:
        raise InputError(
            f"{name} is empty or a scalar (shape {tuple(tensor.shape)}); give the values on a grid"
        )
    d = grid.ndim
    space = tuple(tensor.shape[-d:]) if tensor.ndim >= d else ()
    if space != grid.shape:
        swapped = sorted(space) == sorted(grid.shape)
        hint = (
            f" (the axes are ordered {', '.join(grid.dims)}: transpose the values)"
            if swapped
            else ""
        )
        raise InputError(
            f"{name} has shape {tuple(tensor.shape)}, whose last {d} axes do not match the grid "
            f"{grid.shape}{hint}"
        )
    extra = tensor.ndim - d
    batched = False
    if extra == 0:
        tensor = tensor.reshape(1, 1, *grid.shape)
    elif extra == 1:
        if channels == 1:
            tensor = tensor.unsqueeze(1)
            batched = True
        else:
            tensor = tensor.unsqueeze(0)
    elif extra == 2:
        batched = True
    else:
        raise InputError(
            f"{name} has shape {tuple(tensor.shape)}: too many axes for a {d}D grid; "
            f"use (batch, channels, *{grid.shape})"
        )
    if tensor.shape[1] != channels:
        raise InputError(
            f"{name} has {tensor.shape[1]} field(s) on axis 1 but the equation needs "
            f"{channels}{hint}"
        )
    return Field(tensor, grid, batched)
