"""The viscous Burgers equation ``∂u/∂t + (u·∇)u = ν ∇²u`` in 1D and 2D."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ai4s_lab.pde.equations._base import Equation, check_ndim, check_positive

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.grids import SpectralOps

__all__ = ["Burgers"]


class Burgers(Equation):
    """Viscous Burgers' equation, the simplest model of nonlinear advection and shocks.

    In 1D the unknown is ``u``; in 2D it is the velocity ``(u, v)``. The advection term is
    computed pseudo-spectrally with 2/3 dealiasing; the time step adapts to the CFL number.

    Parameters
    ----------
    viscosity
        ``ν`` (length² per time), > 0.
    ndim
        1 or 2.

    References
    ----------
    .. [1] J. D. Cole, "On a quasi-linear parabolic equation occurring in aerodynamics",
       Quart. Appl. Math. 9 (1951) 225–236, doi:10.1090/qam/42889 (the Cole–Hopf solution).
    """

    name: ClassVar[str] = "burgers"
    dims_allowed: ClassVar[tuple[int, ...]] = (1, 2)
    dealias: ClassVar[bool] = True
    min_points: ClassVar[int] = 8

    def __init__(self, viscosity: float = 0.01, *, ndim: int = 1) -> None:
        self.viscosity = check_positive("viscosity", viscosity, "Burgers")
        self.ndim = check_ndim(ndim, (1, 2), "Burgers")
        self.fields = ("u",) if self.ndim == 1 else ("u", "v")

    def parameters(self) -> dict[str, Any]:
        return {"viscosity": self.viscosity, "ndim": self.ndim}

    def linear(self, ops: SpectralOps) -> torch.Tensor:
        symbol = -self.viscosity * ops.k2
        return symbol.unsqueeze(0).expand(len(self.fields), *symbol.shape)

    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor:
        if self.ndim == 1:  # −(u²/2)_x, dealiased
            u = ops.irfft(v)
            flux = ops.cached_factor("-i k/2 mask", lambda: -0.5j * ops.k[0] * ops.dealias)
            return ops.rfft(u.square()).mul_(flux)
        vel = ops.irfft(v)  # (B, 2, ny, nx)
        dy = ops.irfft(v * ops.cached_factor("i k_y", lambda: 1j * ops.k[0]))
        dx = ops.irfft(v * ops.cached_factor("i k_x", lambda: 1j * ops.k[1]))
        adv = (vel[:, 1:2] * dy).addcmul_(vel[:, 0:1], dx)
        return ops.rfft(adv).mul_(ops.cached_factor("-mask", lambda: -ops.dealias))

    def rate(self, u: torch.Tensor, ops: SpectralOps) -> float:
        speed = u.abs().sum(dim=1).max()
        return float(speed) / min(ops.grid.spacing)
