"""Two-dimensional incompressible Navier–Stokes in vorticity form.

``∂ω/∂t + u·∇ω = ν ∇²ω − α ω + f``, with the velocity ``u = (∂ψ/∂y, −∂ψ/∂x)`` from the stream
function ``∇²ψ = −ω`` on the periodic square ``[0, 2π)²``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar, cast

from ai4s_lab._numbers import is_real
from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.pde.equations._base import (
    Equation,
    check_choice,
    check_nonnegative,
    check_positive,
)

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.grids import PeriodicGrid, SpectralOps

__all__ = ["FORCINGS", "NavierStokes2D", "velocity_from_vorticity"]

#: Forcings accepted by :class:`NavierStokes2D`.
FORCINGS = (None, "kolmogorov", "diagonal")


class NavierStokes2D(Equation):
    """2D incompressible Navier–Stokes (vorticity–stream function), pseudo-spectral.

    The advection ``u·∇ω`` is evaluated on the grid and filtered with the 2/3 rule; viscosity
    and drag are the linear part (exact in ETDRK4); the time step follows the CFL number.

    Parameters
    ----------
    viscosity
        Kinematic viscosity ``ν`` (length² per time), > 0.
    forcing
        ``None`` (or ``"none"``, as the dataset attributes record it); ``"kolmogorov"``: the
        body force ``f_x = A sin(k_f y)``, i.e. the vorticity source ``−A k_f cos(k_f y)``
        (Kochkov et al.); or ``"diagonal"``: the vorticity source
        ``A (sin(k_f (x + y)) + cos(k_f (x + y)))`` of the FNO Navier–Stokes benchmark (Li et
        al.; on the unit torus, ``grid(n, length=1.0)``).
    forcing_wavenumber
        Integer wave number: ``k_f = 2π · forcing_wavenumber / length`` (1 per length).
        ``None``: 4 for Kolmogorov, 1 for diagonal.
    forcing_amplitude
        ``A`` (length per time² for Kolmogorov, 1 per time² for diagonal). ``None``: 1 for
        Kolmogorov, 0.1 for diagonal.
    drag
        Linear drag ``α`` (1 per time), >= 0; ``None`` gives 0.1 with Kolmogorov forcing (as in
        Kochkov et al.) and 0 without.

    References
    ----------
    .. [1] D. Kochkov et al., "Machine learning–accelerated computational fluid dynamics",
       PNAS 118 (2021) e2101784118, doi:10.1073/pnas.2101784118 (Kolmogorov flow setup).
    .. [2] S. A. Orszag, "On the elimination of aliasing in finite-difference schemes by
       filtering high-wavenumber components", J. Atmos. Sci. 28 (1971) 1074,
       doi:10.1175/1520-0469(1971)028<1074:OTEOAI>2.0.CO;2 (the 2/3 rule).
    .. [3] Z. Li et al., "Fourier neural operator for parametric partial differential
       equations", ICLR 2021, arXiv:2010.08895 (the diagonal forcing, ν = 1e-3 to 1e-5).
    """

    name: ClassVar[str] = "navier-stokes"
    dims_allowed: ClassVar[tuple[int, ...]] = (2,)
    dealias: ClassVar[bool] = True
    min_points: ClassVar[int] = 8

    def __init__(
        self,
        viscosity: float = 1e-3,
        *,
        forcing: str | None = None,
        forcing_wavenumber: int | None = None,
        forcing_amplitude: float | None = None,
        drag: float | None = None,
    ) -> None:
        owner = "NavierStokes2D"
        self.viscosity = check_positive("viscosity", viscosity, owner)
        if isinstance(forcing, str):  # "none" is how parameters() records no forcing
            forcing = forcing.strip().lower()
            forcing = None if forcing == "none" else forcing
        self.forcing = check_choice("forcing", forcing, FORCINGS, owner)
        diagonal = forcing == "diagonal"
        if forcing_wavenumber is None:
            forcing_wavenumber = 1 if diagonal else 4
        if forcing_amplitude is None:
            forcing_amplitude = 0.1 if diagonal else 1.0
        if (
            isinstance(forcing_wavenumber, bool)
            or not is_real(forcing_wavenumber)
            or not float(forcing_wavenumber).is_integer()
            or forcing_wavenumber < 1
        ):
            raise ParameterError(
                f"{owner}: forcing_wavenumber={forcing_wavenumber!r} must be a positive integer "
                "(periodic domain); use e.g. 4"
            )
        self.forcing_wavenumber = int(forcing_wavenumber)
        self.forcing_amplitude = check_nonnegative("forcing_amplitude", forcing_amplitude, owner)
        if drag is None:
            drag = 0.1 if forcing == "kolmogorov" else 0.0
        self.drag = check_nonnegative("drag", drag, owner)
        self.ndim = 2
        self.fields = ("vorticity",)
        self._forcing_cache: dict[tuple[PeriodicGrid, str, str], torch.Tensor] = {}
        self._acceleration_cache: dict[tuple[PeriodicGrid, str, str], float] = {}
        self._multiplier_cache: dict[tuple[PeriodicGrid, str, str], tuple[torch.Tensor, ...]] = {}

    def parameters(self) -> dict[str, Any]:
        params: dict[str, Any] = {"viscosity": self.viscosity, "drag": self.drag}
        params["forcing"] = self.forcing or "none"
        if self.forcing:
            params["forcing_wavenumber"] = self.forcing_wavenumber
            params["forcing_amplitude"] = self.forcing_amplitude
        return params

    def check_grid(self, grid: PeriodicGrid) -> None:
        super().check_grid(grid)
        # the Kolmogorov forcing varies along y only (k_x = 0 is always kept); the diagonal one
        # along both axes
        kolmogorov = self.forcing == "kolmogorov"
        kept = (grid.shape[0] if kolmogorov else min(grid.shape)) / 3
        if self.forcing and self.forcing_wavenumber >= kept:
            axes = "along y" if kolmogorov else "per axis"
            need = 3 * self.forcing_wavenumber + 1
            largest = math.ceil(kept) - 1
            raise ParameterError(
                f"grid {grid.shape} is too small for the {self.forcing} forcing at wave number "
                f"{self.forcing_wavenumber}: the 2/3 dealiasing keeps |k| <= {largest}; "
                f"use at least {need + need % 2} points {axes}"  # even, > 3 k_f
            )

    def linear(self, ops: SpectralOps) -> torch.Tensor:
        return (-self.viscosity * ops.k2 - self.drag).unsqueeze(0)

    def velocity(self, v: torch.Tensor, ops: SpectralOps) -> tuple[torch.Tensor, torch.Tensor]:
        """Velocity ``(u, v)`` on the grid from the vorticity spectrum ``v``."""
        m = self._multipliers(ops)
        return ops.irfft(v * m[0]), ops.irfft(v * m[1])

    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor:
        import torch

        m = self._multipliers(ops)
        # one inverse FFT a field: torch's batched c2r copies its input on the CPU
        ux, uy = ops.irfft(v * m[0]), ops.irfft(v * m[1])
        wx, wy = ops.irfft(v * m[2]), ops.irfft(v * m[3])
        advection = ops.rfft((ux * wx).addcmul_(uy, wy))
        if self.forcing:  # m[4] = −(2/3 mask): the sign folded in
            return torch.addcmul(self._forcing_spectrum(ops), advection, m[4])
        return advection.mul_(m[4])

    def rate(self, u: torch.Tensor, ops: SpectralOps) -> float:
        # advection: (|u| + |v|) / dx; forcing: a fluid at rest accelerated by a force per unit
        # mass a crosses a cell in sqrt(2 dx / a) (without it, a forced run from rest would get
        # no step limit at all and take one step to t_end)
        ux, uy = self.velocity(ops.rfft(u), ops)
        speed = float((ux.abs() + uy.abs()).max())
        dx = min(ops.grid.spacing)
        return max(speed / dx, math.sqrt(self._forcing_acceleration(ops) / (2 * dx)))

    def _forcing_acceleration(self, ops: SpectralOps) -> float:
        """Largest |f_x| + |f_y| of the force per unit mass whose curl is the forcing."""
        if not self.forcing or self.forcing_amplitude == 0:
            return 0.0
        key = (ops.grid, str(ops.device), str(ops.dtype))
        if key not in self._acceleration_cache:
            fx, fy = self.velocity(self._forcing_spectrum(ops)[None, None], ops)
            self._acceleration_cache[key] = float((fx.abs() + fy.abs()).max())
        return self._acceleration_cache[key]

    def _multipliers(self, ops: SpectralOps) -> tuple[torch.Tensor, ...]:
        """``(i k_y/k², −i k_x/k², i k_x, i k_y, −mask)`` on the spectrum, complex (cached per
        grid)."""
        key = (ops.grid, str(ops.device), str(ops.dtype))
        cached = self._multiplier_cache.get(key)
        if cached is None:
            ky, kx = ops.k
            inverse = (1.0 / ops.k2.clamp_min(1e-30)) * (ops.k2 > 0)
            shape = ops.spectrum_shape
            factors = [
                1j * ky * inverse,
                -1j * kx * inverse,
                (1j * kx).expand(shape),
                (1j * ky).expand(shape),
                -ops.dealias,
            ]
            cached = tuple(ops.spectral_factor(f.expand(shape)) for f in factors)
            self._multiplier_cache[key] = cached
        return cached

    def _forcing_spectrum(self, ops: SpectralOps) -> torch.Tensor:
        key = (ops.grid, str(ops.device), str(ops.dtype))
        cached = self._forcing_cache.get(key)
        if cached is None:
            import torch

            coords = ops.grid.coords()
            y = torch.as_tensor(coords["y"], dtype=ops.dtype, device=ops.device)[:, None]
            k = self.forcing_wavenumber * 2 * math.pi / ops.grid.lengths[0]
            amplitude = self.forcing_amplitude
            if self.forcing == "diagonal":
                x = torch.as_tensor(coords["x"], dtype=ops.dtype, device=ops.device)[None, :]
                phase = k * y + self.forcing_wavenumber * 2 * math.pi / ops.grid.lengths[-1] * x
                source = amplitude * (torch.sin(phase) + torch.cos(phase))
            else:
                source = (-amplitude * k * torch.cos(k * y)).expand(ops.grid.shape)
            cached = ops.rfft(source.contiguous())
            self._forcing_cache[key] = cached
        return cached


def velocity_from_vorticity(vorticity: Any) -> tuple[Any, Any]:
    """Velocity components ``(u, v)`` of a periodic 2D vorticity field given as an
    ``xarray.DataArray`` with dims ``(..., y, x)``; returns two DataArrays of the same shape.
    """
    import numpy as np

    from ai4s_lab.pde.grids import lengths_from_coords

    if not (hasattr(vorticity, "dims") and hasattr(vorticity, "coords")):
        raise InputError(
            f"velocity_from_vorticity needs an xarray.DataArray with x and y coordinates (got "
            f"{type(vorticity).__name__}), e.g. ds['vorticity'] from pde.solve"
        )
    if tuple(vorticity.dims[-2:]) != ("y", "x"):
        raise ParameterError(
            f"velocity_from_vorticity: dims {vorticity.dims} must end with ('y', 'x')"
        )
    lengths = lengths_from_coords(vorticity, 2, "vorticity", fallback="")
    if lengths is None or None in lengths:
        raise InputError(
            f"vorticity has dims {vorticity.dims} but no 'y'/'x' coordinates, so the domain "
            "size is unknown; add them, e.g. vorticity.assign_coords(x=..., y=...) with the "
            "cell positions"
        )
    values = np.asarray(vorticity.values)
    ny, nx = values.shape[-2:]
    ly, lx = cast("tuple[float, float]", lengths)
    ky = 2 * np.pi / ly * np.fft.fftfreq(ny, 1.0 / ny)[:, None]
    kx = 2 * np.pi / lx * np.fft.rfftfreq(nx, 1.0 / nx)[None, :]
    k2 = kx**2 + ky**2
    spec = np.fft.rfft2(values)
    psi = np.where(k2 > 0, spec / np.where(k2 > 0, k2, 1.0), 0.0)
    u = np.fft.irfft2(1j * ky * psi, s=(ny, nx)).astype(values.dtype)
    w = np.fft.irfft2(-1j * kx * psi, s=(ny, nx)).astype(values.dtype)
    return (
        vorticity.copy(data=u).rename("u"),
        vorticity.copy(data=w).rename("v"),
    )
