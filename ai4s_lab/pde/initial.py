"""Initial conditions: random smooth fields, Fourier modes, classic vortices and seeds.

Every function returns a :class:`~ai4s_lab.pde.fields.Field` in float64 on the CPU; ``solve``
moves it to the device and dtype of the run. Random fields are drawn on the CPU, so a seed gives
the same field on every device. Smooth random fields draw one complex normal per Fourier mode, a
function of the seed and the mode alone (:mod:`ai4s_lab.pde._mode_noise`): a seed gives the
same field on every grid that holds its modes, so a convergence study starts every grid from
one initial condition (a coarser grid gets its lower modes).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ai4s_lab._memory import check_memory
from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.errors import ParameterError
from ai4s_lab.pde._mode_noise import held_modes, mode_noise, mode_numbers
from ai4s_lab.pde.fields import Field
from ai4s_lab.pde.grids import PeriodicGrid

if TYPE_CHECKING:
    import torch

__all__ = [
    "fourier_mode",
    "from_array",
    "gaussian_random_field",
    "gray_scott_seed",
    "kassam_trefethen",
    "random_field",
    "taylor_green",
]


def random_field(
    grid: PeriodicGrid,
    seed: int | None = 0,
    *,
    batch: int | None = None,
    channels: int = 1,
    amplitude: float = 1.0,
    wavenumber: float = 4.0,
    mean: float = 0.0,
) -> Field:
    """A smooth Gaussian random field with a Gaussian spectrum peaked at low wave numbers.

    The field is ``Re Σ_n ξ_n exp(-(|n|/wavenumber)²/2) exp(i n·x)`` over integer mode vectors
    ``n ≠ 0`` (Nyquist modes left out), ``ξ_n`` independent complex normals that depend on the
    seed, the sample, the channel and ``n`` only; it is scaled to standard deviation ``amplitude``
    over the grid, then ``mean`` is added. So a seed is one field on every grid fine enough for
    the spectrum (about ``10 · wavenumber`` points per side): ``random_field(eq.grid(128), 3)``
    is ``random_field(eq.grid(64), 3)`` sampled twice as finely, and sample ``i`` of a batch is
    the same whatever the batch size.

    Parameters
    ----------
    grid
        The grid, e.g. ``eq.grid(256)``.
    seed
        Seed of the random generator; ``None`` for a fresh one (a different field each call).
    batch
        ``None`` for one field, or the number of independent samples (a batched run).
    channels
        Number of fields (e.g. 2 for the velocity of 2D Burgers).
    amplitude
        Standard deviation of the field (units of the field).
    wavenumber
        Spectral width, in mode numbers (how many wavelengths fit the domain).
    mean
        Spatial mean added at the end.
    """
    import torch

    _check_grid(grid)
    if not (is_integer(channels) and channels >= 1):
        raise ParameterError(f"random_field: channels={channels!r} must be an integer >= 1")
    _check_batch(batch, grid, "random_field", channels)
    _check_real("random_field", "amplitude", amplitude, minimum=0.0)
    _check_real("random_field", "mean", mean)
    if not (is_real(wavenumber) and wavenumber > 0 and math.isfinite(wavenumber)):
        raise ParameterError(f"random_field: wavenumber={wavenumber!r} must be positive")
    seed = _seed_value(seed, "random_field")
    numbers = mode_numbers(grid.shape)
    index2 = sum(m.astype(np.float64) ** 2 for m in numbers)
    envelope = np.broadcast_to(np.exp(-index2 / (2 * wavenumber**2)), grid.shape)
    # modes below 1e-20 of the peak change no float64 digit of the field: not drawn
    support = held_modes(grid.shape) & (envelope > 1e-20)
    if not support.any():
        raise ParameterError(
            f"random_field: wavenumber={wavenumber!r} leaves no mode of the {grid.shape} grid "
            "with any weight; use a wavenumber of 1 or more (modes per domain length)"
        )
    values = _modes_to_values(seed, batch or 1, channels, grid, support, envelope[support])
    std = values.std(axis=tuple(range(-grid.ndim, 0)), keepdims=True)  # over the grid (ddof 0)
    values = values / np.maximum(std, 1e-300) * amplitude + mean
    return Field(torch.from_numpy(values), grid, batched=batch is not None)


def gaussian_random_field(
    grid: PeriodicGrid,
    seed: int | None = 0,
    *,
    batch: int | None = None,
    alpha: float = 2.5,
    tau: float = 7.0,
    sigma: float | None = None,
) -> Field:
    """A Gaussian random field with covariance ``σ² (−Δ + τ²)^(−α)`` (zero mean).

    The FNO benchmarks' initial conditions: ``α = 2.5, τ = 7, σ = 7^1.5`` on the unit torus
    is the Navier–Stokes vorticity of Li et al. The field is ``Re Σ_k c_k ξ_k e^(i k·x)`` with
    ``c_k = σ (|k|² + τ²)^(−α/2)`` (``k`` in radians per length, ``c_0 = 0``) and ``ξ_k``
    independent complex normals with unit-variance real and imaginary parts, so its covariance
    is ``Σ_k c_k² cos(k·(x − x'))`` and its pointwise variance ``Σ_k c_k²``; it does not depend
    on the grid beyond the modes the grid holds.

    Parameters
    ----------
    grid
        The grid (any dimension), e.g. ``NavierStokes2D().grid(64, length=1.0)``.
    seed
        Seed of the random generator; ``None`` for a fresh one (a different field each call).
    batch
        ``None`` for one field, or the number of independent samples.
    alpha
        Smoothness exponent (> d/2 for a continuous field in d dimensions).
    tau
        Inverse correlation length (1 per length).
    sigma
        Amplitude; ``None`` gives ``τ^(α − 1)``, the FNO data generator's choice.

    References
    ----------
    .. [1] Z. Li et al., "Fourier neural operator for parametric partial differential
       equations", ICLR 2021, arXiv:2010.08895 (Navier–Stokes initial vorticity).
    """
    import torch

    _check_grid(grid)
    owner = "gaussian_random_field"
    _check_batch(batch, grid, owner)
    for name, value in (("alpha", alpha), ("tau", tau)):
        if not (is_real(value) and value > 0 and math.isfinite(value)):
            raise ParameterError(f"{owner}: {name}={value!r} must be positive and finite")
    if sigma is None:
        sigma = tau ** (alpha - 1)
    if not (is_real(sigma) and sigma >= 0 and math.isfinite(sigma)):
        raise ParameterError(f"{owner}: sigma={sigma!r} must be finite and >= 0")
    seed = _seed_value(seed, owner)
    numbers = mode_numbers(grid.shape)
    k2 = sum(
        (m.astype(np.float64) * (2 * math.pi / length)) ** 2
        for m, length in zip(numbers, grid.lengths, strict=True)
    )
    coeff = np.broadcast_to(sigma * (k2 + tau**2) ** (-alpha / 2), grid.shape)
    support = held_modes(grid.shape)
    values = _modes_to_values(seed, batch or 1, 1, grid, support, coeff[support] * grid.size)
    return Field(torch.from_numpy(values), grid, batched=batch is not None)


def from_array(values: object, grid: PeriodicGrid, *, channels: int = 1) -> Field:
    """Values given as an array (NumPy, torch, xarray) on ``grid``: shape ``(*grid)``,
    ``(batch, *grid)`` (one field), ``(channels, *grid)`` or ``(batch, channels, *grid)``."""
    from ai4s_lab.pde.fields import as_field

    _check_grid(grid)
    return as_field(values, grid, channels, name="values")


def fourier_mode(
    grid: PeriodicGrid, mode: Sequence[int] | int = 1, *, amplitude: float = 1.0
) -> Field:
    """``amplitude · Π_i cos(2π m_i x_i / L_i)`` for integer mode numbers ``m`` (one per axis,
    ordered like the grid's dims)."""
    import torch

    _check_grid(grid)
    import numpy as np

    given: object = mode
    modes = (given,) * grid.ndim if is_integer(given) else tuple(np.ravel(np.asarray(given)))
    if len(modes) != grid.ndim or not all(is_integer(m) for m in modes):
        # a non-integer mode number is not periodic on the grid
        raise ParameterError(
            f"fourier_mode: mode={mode!r} needs one integer per axis ({grid.ndim}), e.g. "
            f"{(1,) * grid.ndim}"
        )
    _check_real("fourier_mode", "amplitude", amplitude)
    values = torch.full(grid.shape, float(amplitude), dtype=torch.float64)
    for coord, m, length in zip(grid.mesh(), modes, grid.lengths, strict=True):
        values = values * torch.cos(2 * math.pi * int(m) * coord / length)
    return Field(values.reshape(1, 1, *grid.shape), grid)


def taylor_green(grid: PeriodicGrid, k: int = 1, *, amplitude: float = 1.0) -> Field:
    """Vorticity ``ω = 2 A k sin(kx) sin(ky)`` of the Taylor–Green vortex on ``[0, 2π)²``
    (velocity ``u = A sin(kx) cos(ky)``, ``v = −A cos(kx) sin(ky)``), an exact solution of 2D
    Navier–Stokes that decays as ``exp(−2νk²t)``.

    References
    ----------
    .. [1] G. I. Taylor and A. E. Green, Proc. R. Soc. Lond. A 158 (1937) 499–521,
       doi:10.1098/rspa.1937.0013.
    """
    import torch

    _check_grid(grid)
    if grid.ndim != 2:
        raise ParameterError(f"taylor_green needs a 2D grid, got shape {grid.shape}")
    if not is_integer(k) or k == 0:
        raise ParameterError(
            f"taylor_green: k={k!r} must be a non-zero integer (the vortex must fit the periodic "
            "domain a whole number of times)"
        )
    _check_real("taylor_green", "amplitude", amplitude)
    y, x = grid.mesh()
    sy, sx = (2 * math.pi / length for length in grid.lengths)
    omega = 2 * amplitude * k * torch.sin(k * sx * x) * torch.sin(k * sy * y)
    return Field(omega.reshape(1, 1, *grid.shape), grid)


def kassam_trefethen(grid: PeriodicGrid) -> Field:
    """``u = cos(x/16)(1 + sin(x/16))`` on ``[0, 32π)``: the Kuramoto–Sivashinsky initial
    condition of Kassam & Trefethen (doi:10.1137/S1064827502410633)."""
    import torch

    _check_grid(grid)
    if grid.ndim != 1:
        raise ParameterError(f"kassam_trefethen needs a 1D grid, got shape {grid.shape}")
    (x,) = grid.mesh()
    scale = 32 * math.pi / grid.lengths[0]
    u = torch.cos(x * scale / 16) * (1 + torch.sin(x * scale / 16))
    return Field(u.reshape(1, 1, -1), grid)


def gray_scott_seed(grid: PeriodicGrid, seed: int | None = 0, *, noise: float = 0.01) -> Field:
    """Pearson's start for Gray–Scott: ``u = 1, v = 0`` everywhere except a central square
    (a tenth of the domain wide) with ``u = 1/2, v = 1/4``, plus ``noise`` relative noise."""
    import torch

    _check_grid(grid)
    _check_real("gray_scott_seed", "noise", noise, minimum=0.0)
    gen = _generator(seed, "gray_scott_seed")
    u = torch.ones(grid.shape, dtype=torch.float64)
    v = torch.zeros(grid.shape, dtype=torch.float64)
    inside = torch.ones(grid.shape, dtype=torch.bool)
    for coord, length in zip(grid.mesh(), grid.lengths, strict=True):
        inside &= (coord - length / 2).abs() < length / 10
    u[inside] = 0.5
    v[inside] = 0.25
    u = u * (1 + noise * torch.randn(grid.shape, generator=gen, dtype=torch.float64))
    v = v * (1 + noise * torch.randn(grid.shape, generator=gen, dtype=torch.float64))
    return Field(torch.stack([u, v]).unsqueeze(0), grid)


def _seed_value(seed: object, owner: str) -> int:
    """``seed`` checked (an integer in [0, 2**64)), or a fresh one from the OS for ``None``."""
    import secrets

    if seed is None:
        return secrets.randbits(63)
    if not (is_integer(seed) and 0 <= seed < 2**64):  # what torch's generators take
        raise ParameterError(
            f"{owner}: seed={seed!r} must be an integer in [0, 2**64) (or None for a fresh one)"
        )
    return int(seed)


def _generator(seed: object, owner: str) -> torch.Generator:
    """A CPU generator seeded with ``seed`` (``None``: a fresh seed from the OS, a different
    field every call)."""
    import torch

    return torch.Generator().manual_seed(_seed_value(seed, owner))


def _modes_to_values(
    seed: int,
    count: int,
    channels: int,
    grid: PeriodicGrid,
    support: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """``Re Σ w_m ξ_m exp(i m·x)`` on ``grid`` for the modes where ``support`` holds (weights
    ``w`` in that order, FFT normalisation: the inverse FFT divides by the grid size), as
    ``(count, channels, *grid)`` float64, ``ξ_m`` from :func:`mode_noise`."""
    where = [np.broadcast_to(m, grid.shape)[support] for m in mode_numbers(grid.shape)]
    values = np.empty((count, channels, *grid.shape))
    spectrum = np.zeros(grid.shape, dtype=np.complex128)
    for sample in range(count):
        for channel in range(channels):
            spectrum[support] = mode_noise(seed, sample, channel, where) * weights
            values[sample, channel] = np.fft.ifftn(spectrum).real
    return values


def _check_real(owner: str, name: str, value: object, minimum: float | None = None) -> None:
    if not (is_real(value) and math.isfinite(value)) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" and >= {minimum:g}"
        raise ParameterError(f"{owner}: {name}={value!r} must be a finite number{bound}")


def _check_batch(batch: object, grid: PeriodicGrid, owner: str, channels: int = 1) -> None:
    """Refuse a malformed batch size, or one whose random draw would not fit in memory."""
    import torch

    if batch is not None and (
        isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or batch < 1
    ):
        raise ParameterError(f"{owner}: batch={batch!r} must be None or an integer >= 1")
    count = 1 if batch is None else int(batch)
    # the fields, plus one complex spectrum and its inverse FFT at a time
    nbytes = 8 * count * channels * grid.size + 6 * 8 * grid.size
    check_memory(nbytes, torch.device("cpu"), f"{owner} with batch={batch}",
                 "use a smaller batch or a coarser grid")  # fmt: skip


def _check_grid(grid: object) -> None:
    if not isinstance(grid, PeriodicGrid):
        raise ParameterError(
            f"expected a PeriodicGrid (e.g. eq.grid(128)), got {type(grid).__name__}"
        )
