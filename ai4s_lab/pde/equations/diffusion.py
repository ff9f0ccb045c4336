"""The diffusion (heat) equation ``∂u/∂t = D ∇²u``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ai4s_lab.pde.equations._base import Equation, check_ndim, check_positive

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.grids import SpectralOps

__all__ = ["Diffusion"]


class Diffusion(Equation):
    """Linear diffusion ``∂u/∂t = D ∇²u`` on a periodic domain in 1, 2 or 3 dimensions.

    Each Fourier mode decays as ``exp(-D |k|² t)``; the exponential integrators treat this
    exactly, so the only error is round-off.

    Parameters
    ----------
    diffusivity
        ``D`` (length² per time), > 0.
    ndim
        Default space dimensions of :meth:`grid` (1, 2 or 3).
    """

    name: ClassVar[str] = "diffusion"

    def __init__(self, diffusivity: float = 1.0, *, ndim: int = 2) -> None:
        self.diffusivity = check_positive("diffusivity", diffusivity, "Diffusion")
        self.default_ndim = check_ndim(ndim, self.dims_allowed, type(self).__name__)
        self.fields = ("u",)

    def parameters(self) -> dict[str, Any]:
        return {"diffusivity": self.diffusivity}

    def linear(self, ops: SpectralOps) -> torch.Tensor:
        return (-self.diffusivity * ops.k2).unsqueeze(0)

    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor | None:
        return None
