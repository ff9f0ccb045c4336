"""The Kuramoto–Sivashinsky equation ``u_t = −u_xx − u_xxxx − u u_x`` (1D spatiotemporal chaos)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ai4s_lab.pde.equations._base import Equation

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.grids import SpectralOps

__all__ = ["KuramotoSivashinsky"]


class KuramotoSivashinsky(Equation):
    """Kuramoto–Sivashinsky in 1D on ``[0, 32π)`` by default, the stiff example of Kassam &
    Trefethen: long waves grow (``−u_xx``), short ones are damped (``−u_xxxx``), and the
    nonlinearity moves energy between them, giving chaos.

    References
    ----------
    .. [1] A.-K. Kassam and L. N. Trefethen, "Fourth-order time-stepping for stiff PDEs",
       SIAM J. Sci. Comput. 26 (2005) 1214–1233, doi:10.1137/S1064827502410633.
    """

    name: ClassVar[str] = "kuramoto-sivashinsky"
    dims_allowed: ClassVar[tuple[int, ...]] = (1,)
    default_length: ClassVar[float] = 32 * 3.141592653589793
    dealias: ClassVar[bool] = True
    min_points: ClassVar[int] = 8

    def __init__(self) -> None:
        self.ndim = 1
        self.fields = ("u",)

    def parameters(self) -> dict[str, Any]:
        return {}

    def linear(self, ops: SpectralOps) -> torch.Tensor:
        return (ops.k2 - ops.k2 * ops.k2).unsqueeze(0)

    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor:
        u = ops.irfft(v)  # −(u²/2)_x, dealiased
        flux = ops.cached_factor("-i k/2 mask", lambda: -0.5j * ops.k[0] * ops.dealias)
        return ops.rfft(u.square()).mul_(flux)

    def rate(self, u: torch.Tensor, ops: SpectralOps) -> float:
        # advection |u| / dx, and the linear instability: modes grow at k² − k⁴ (at most 1/4, at
        # k² = 1/2), so a small perturbation must not be stepped past its nonlinear saturation
        growth = float((ops.k2 - ops.k2 * ops.k2).max())
        return max(float(u.abs().max()) / ops.grid.spacing[0], growth)
