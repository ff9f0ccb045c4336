"""Periodic grids in 1, 2 and 3 dimensions, and their spectral operators on a torch device.

A :class:`PeriodicGrid` is pure geometry (shape and side lengths); :meth:`PeriodicGrid.spectral`
gives the wave numbers, the Laplacian symbol and the 2/3 dealiasing mask as tensors on a chosen
device and dtype, cached. Fields on a grid have shape ``(batch, channels, *grid.shape)``; the axes
are ordered ``(z, y, x)`` as in NumPy images, so ``x`` is the last (fastest) axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab.errors import InputError, ParameterError

if TYPE_CHECKING:
    from collections.abc import Callable

    import torch

__all__ = ["DIMS", "PeriodicGrid", "SpectralOps"]

#: Dimension names of 1D, 2D and 3D grids, slowest axis first.
DIMS: dict[int, tuple[str, ...]] = {1: ("x",), 2: ("y", "x"), 3: ("z", "y", "x")}

#: Largest number of grid points accepted (2**27, i.e. 512³ or 11585²): beyond this a single
#: field alone takes gigabytes and the spectral workspace does not fit a workstation.
MAX_POINTS = 2**27


@dataclass(frozen=True)
class PeriodicGrid:
    """A uniform periodic grid on ``[0, L_1) x ... x [0, L_d)``.

    Parameters
    ----------
    shape
        Number of points along each axis, ordered ``(z, y, x)``; 1 to 3 axes, each even and
        at least 4.
    lengths
        Side length of the domain along each axis (physical units, e.g. m), same order.

    Raises
    ------
    ParameterError
        If the shape or the lengths are malformed, or the grid is larger than ``MAX_POINTS``.
    """

    shape: tuple[int, ...]
    lengths: tuple[float, ...]
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shape = _as_tuple(self.shape, "shape")
        lengths = _as_tuple(self.lengths, "lengths")
        if not 1 <= len(shape) <= 3:
            raise ParameterError(
                f"grid shape={shape!r} has {len(shape)} axes; a periodic grid has 1, 2 or 3"
            )
        if len(lengths) == 1 and len(shape) > 1:
            lengths = lengths * len(shape)
        if len(lengths) != len(shape):
            raise ParameterError(
                f"grid lengths={lengths!r} do not match shape={shape!r}; give one length per "
                "axis (or a single length for a square/cubic domain)"
            )
        ints = []
        for n in shape:
            if isinstance(n, bool) or not float(n).is_integer() or int(n) < 4 or int(n) % 2:
                raise ParameterError(
                    f"grid shape={shape!r}: every axis needs an even number of points >= 4 "
                    f"(got {n!r}); use e.g. 64, 128 or 256"
                )
            ints.append(int(n))
        floats = []
        for length in lengths:
            try:
                value = float(length)
            except (TypeError, ValueError):
                value = math.nan
            if isinstance(length, (bool, str)) or not math.isfinite(value) or value <= 0:
                raise ParameterError(
                    f"grid lengths={lengths!r}: side lengths must be finite and positive"
                )
            floats.append(value)
        points = math.prod(ints)
        if points > MAX_POINTS:
            raise ParameterError(
                f"grid shape={tuple(ints)} has {points:,} points, more than the {MAX_POINTS:,} "
                "this solver accepts; use a coarser grid"
            )
        object.__setattr__(self, "shape", tuple(ints))
        object.__setattr__(self, "lengths", tuple(floats))
        object.__setattr__(self, "_hash", hash((self.shape, self.lengths)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def ndim(self) -> int:
        """Number of space dimensions."""
        return len(self.shape)

    @property
    def dims(self) -> tuple[str, ...]:
        """Dimension names, e.g. ``("y", "x")``."""
        return DIMS[self.ndim]

    @property
    def spacing(self) -> tuple[float, ...]:
        """Grid spacing along each axis (physical units)."""
        return tuple(length / n for length, n in zip(self.lengths, self.shape, strict=True))

    @property
    def cell_volume(self) -> float:
        """Volume (area, length) of one grid cell."""
        return math.prod(self.spacing)

    @property
    def size(self) -> int:
        """Total number of grid points."""
        return math.prod(self.shape)

    def coords(self) -> dict[str, np.ndarray]:
        """Cell coordinates along each axis, ``{"x": array, ...}`` (float64, physical units)."""
        return {
            name: np.arange(n, dtype=np.float64) * (length / n)
            for name, n, length in zip(self.dims, self.shape, self.lengths, strict=True)
        }

    def mesh(
        self, device: str | torch.device = "cpu", dtype: torch.dtype | None = None
    ) -> tuple[torch.Tensor, ...]:
        """Coordinate arrays broadcast to the full grid, ordered like :attr:`dims`."""
        import torch

        axes = [
            torch.as_tensor(values, dtype=dtype or torch.float64, device=device)
            for values in self.coords().values()
        ]
        return tuple(torch.meshgrid(*axes, indexing="ij"))

    def spectral(self, device: torch.device, dtype: torch.dtype) -> SpectralOps:
        """Wave numbers and spectral operators on ``device`` in ``dtype`` (cached)."""
        return _spectral(self, str(device), dtype)


class SpectralOps:
    """Wave numbers of a :class:`PeriodicGrid` for real FFTs, as tensors on one device.

    Attributes
    ----------
    k
        Wave vectors, one tensor per axis, broadcastable to the ``rfftn`` spectrum shape
        (angular wave numbers, rad per unit length).
    k2
        ``|k|²`` on the spectrum (the Laplacian symbol is ``-k2``).
    dealias
        The 2/3-rule mask (Orszag 1971): 1 where every ``|k_i|`` is below 2/3 of the Nyquist
        wave number, else 0.
    """

    def __init__(self, grid: PeriodicGrid, device: torch.device, dtype: torch.dtype) -> None:
        import torch

        self.grid = grid
        self.device = device
        self.dtype = dtype
        self.axes = tuple(range(-grid.ndim, 0))
        ks = []
        masks = []
        for axis, (n, length) in enumerate(zip(grid.shape, grid.lengths, strict=True)):
            last = axis == grid.ndim - 1
            index = (
                torch.fft.rfftfreq(n, d=1.0 / n, dtype=torch.float64)
                if last
                else torch.fft.fftfreq(n, d=1.0 / n, dtype=torch.float64)
            )
            view = [1] * grid.ndim
            view[axis] = -1
            k = (2 * math.pi / length) * index
            ks.append(k.reshape(view).to(device=device, dtype=dtype))
            masks.append((index.abs() < n / 3).reshape(view))
        self.k: tuple[torch.Tensor, ...] = tuple(ks)
        self.spectrum_shape = (*grid.shape[:-1], grid.shape[-1] // 2 + 1)
        k2 = torch.zeros(self.spectrum_shape, dtype=dtype, device=device)
        for k in self.k:
            k2 = k2 + k**2
        self.k2 = k2
        mask = masks[0]
        for extra in masks[1:]:
            mask = mask & extra
        self.dealias = mask.expand(self.spectrum_shape).to(device=device, dtype=dtype)
        #: The complex dtype of the spectra (complex64 for float32 fields).
        self.complex_dtype = (torch.zeros((), dtype=dtype) * 1j).dtype
        self._factors: dict[str, torch.Tensor] = {}

    def cached_factor(self, name: str, make: Callable[[], torch.Tensor]) -> torch.Tensor:
        """The complex factor ``make()`` (see :meth:`spectral_factor`), made once per ``name``
        on these operators (which are themselves cached per grid, device and dtype)."""
        factor = self._factors.get(name)
        if factor is None:
            factor = self._factors[name] = self.spectral_factor(make())
        return factor

    def spectral_factor(self, factor: torch.Tensor) -> torch.Tensor:
        """A real factor on the spectrum in the spectrum's complex dtype, so that multiplying a
        spectrum by it is one pass: a real one is converted (copied) by every product."""
        return factor.to(device=self.device, dtype=self.complex_dtype).contiguous()

    def rfft(self, u: torch.Tensor) -> torch.Tensor:
        """Real-to-complex FFT over the space axes."""
        import torch

        return torch.fft.rfftn(u, dim=self.axes)

    def irfft(self, v: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`rfft`, back to the grid shape."""
        import torch

        return torch.fft.irfftn(v, s=self.grid.shape, dim=self.axes)

    def project_real(self, v: torch.Tensor) -> torch.Tensor:
        """The spectrum ``v`` made that of a real field again, in place, and returned.

        A real field's ``rfftn`` spectrum is Hermitian on its ``k_x = 0`` (and Nyquist) plane:
        ``v(-k) = conj(v(k))`` over the other axes. Round-off breaks that a little at every
        step, and ``irfftn`` ignores the broken part, so the nonlinear term never sees it: it
        evolves under ``exp(L t)`` alone and, where ``L > 0`` (Allen–Cahn, Cahn–Hilliard), grows
        until the run blows up, whatever the time step. Averaging each mode with the conjugate
        of its mirror image removes it (what ``rfftn(irfftn(v))`` does, for a thin slice).
        """
        import torch

        n_last = self.grid.shape[-1]
        planes = [0, n_last // 2] if n_last % 2 == 0 and n_last > 1 else [0]
        other = tuple(range(1 - self.grid.ndim, 0))  # the plane's own axes, k_x left out
        for index in planes:
            plane = v[..., index]
            mirror = (
                torch.roll(torch.flip(plane, other), (1,) * len(other), other) if other else plane
            )
            v[..., index] = 0.5 * (plane + mirror.conj())
        return v

    def gradient(self, v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Spectral derivatives ``i k_j v`` of a spectrum, one per axis (``(z,) y, x``)."""
        return tuple(1j * k * v for k in self.k)


@lru_cache(maxsize=32)
def _spectral(grid: PeriodicGrid, device: str, dtype: torch.dtype) -> SpectralOps:
    import torch

    return SpectralOps(grid, torch.device(device), dtype)


def _as_tuple(value: object, name: str) -> tuple[Any, ...]:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (value,)
    try:
        return tuple(value)  # type: ignore[arg-type]
    except TypeError as err:
        raise ParameterError(
            f"grid {name}={value!r} is not a number or a sequence of numbers"
        ) from err


def lengths_from_coords(
    data: Any, dims: int, name: str, *, fallback: str = "the equation's default domain"
) -> tuple[float | None, ...] | None:
    """The periodic domain lengths an ``xarray.DataArray`` carries on its last ``dims`` axes
    (``None`` for an axis without a coordinate; ``None`` for data that is not a DataArray): the
    ``period`` attribute that :func:`~ai4s_lab.pde.solve` writes, else the number of points
    times the spacing of evenly spaced coordinates. ``name`` names the data in errors,
    ``fallback`` what dropping a coordinate gives (empty: nothing, so the hint is left out).

    Raises
    ------
    InputError
        If a coordinate is not numeric and evenly increasing, or spans less than its period.
    """
    if not (hasattr(data, "dims") and hasattr(data, "coords")):
        return None
    lengths: list[float | None] = []
    for dim in data.dims[-dims:]:
        if dim not in data.coords:
            lengths.append(None)
            continue
        coord = data.coords[dim]
        values = np.asarray(coord.values)
        fix = f"or drop it ({name}.drop_vars({str(dim)!r})) to use {fallback}" if fallback else ""
        if values.dtype.kind not in "iuf" or values.size < 2:
            raise InputError(
                f"{name}'s coordinate {dim!r} ({values.dtype}, {values.size} value(s)) does not "
                f"give a grid spacing; give evenly spaced numbers {fix}".rstrip()
            )
        steps = np.diff(values.astype(np.float64))
        spacing = float(steps.mean())
        if not (spacing > 0 and np.allclose(steps, spacing, rtol=1e-6, atol=0)):
            raise InputError(
                f"{name}'s coordinate {dim!r} is not evenly increasing (steps from "
                f"{steps.min():g} to {steps.max():g}); a periodic grid needs evenly spaced "
                f"coordinates: interpolate the values onto one {fix}".rstrip()
            )
        span = spacing * values.size
        period = coord.attrs.get("period")
        if period is not None and not math.isclose(float(period), span, rel_tol=1e-6):
            raise InputError(
                f"{name}'s coordinate {dim!r} covers {span:g} ({values.size} points × {spacing:g})"
                f" but its period attribute says {float(period):g}: a part of a periodic domain "
                "is not periodic; solve on the whole domain"
            )
        lengths.append(span)
    return tuple(lengths)
