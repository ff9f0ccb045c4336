"""The Gray–Scott reaction–diffusion system (self-replicating spots and stripes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ai4s_lab.pde.equations._base import Equation, check_ndim, check_nonnegative, check_positive

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.grids import SpectralOps

__all__ = ["GrayScott"]


class GrayScott(Equation):
    """Gray–Scott ``u_t = D_u ∇²u − uv² + F(1 − u)``, ``v_t = D_v ∇²v + uv² − (F + k)v``.

    Defaults are Pearson's set-up [1]_: a 2.5 × 2.5 domain, ``D_u = 2e-5``, ``D_v = 1e-5``,
    with ``F = 0.04``, ``k = 0.06``, where a labyrinth of stripes spreads from the seed of
    :func:`~ai4s_lab.pde.initial.gray_scott_seed` until it fills the domain. ``F = 0.0367``,
    ``k = 0.0649`` gives spots that grow and divide like cells (4 spots at t = 1000, about 50
    at t = 8000 on a 128² grid).

    Parameters
    ----------
    feed
        Feed rate ``F`` (1 per time), >= 0.
    kill
        Kill rate ``k`` (1 per time), >= 0.
    diffusivity_u, diffusivity_v
        ``D_u`` and ``D_v`` (length² per time), > 0.
    ndim
        Default space dimensions of :meth:`grid`.

    References
    ----------
    .. [1] J. E. Pearson, "Complex patterns in a simple system", Science 261 (1993) 189–192,
       doi:10.1126/science.261.5118.189.
    """

    name: ClassVar[str] = "gray-scott"
    default_length: ClassVar[float] = 2.5
    example_initial: ClassVar[str] = "pde.initial.gray_scott_seed(eq.grid(128))"

    def __init__(
        self,
        feed: float = 0.04,
        kill: float = 0.06,
        *,
        diffusivity_u: float = 2e-5,
        diffusivity_v: float = 1e-5,
        ndim: int = 2,
    ) -> None:
        self.feed = check_nonnegative("feed", feed, "GrayScott")
        self.kill = check_nonnegative("kill", kill, "GrayScott")
        self.diffusivity_u = check_positive("diffusivity_u", diffusivity_u, "GrayScott")
        self.diffusivity_v = check_positive("diffusivity_v", diffusivity_v, "GrayScott")
        self.default_ndim = check_ndim(ndim, self.dims_allowed, type(self).__name__)
        self.fields = ("u", "v")

    def parameters(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "kill": self.kill,
            "diffusivity_u": self.diffusivity_u,
            "diffusivity_v": self.diffusivity_v,
        }

    def linear(self, ops: SpectralOps) -> torch.Tensor:
        import torch

        return torch.stack(
            [
                -self.diffusivity_u * ops.k2 - self.feed,
                -self.diffusivity_v * ops.k2 - (self.feed + self.kill),
            ]
        )

    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor:
        import torch

        fields = ops.irfft(v)
        u, w = fields[:, 0:1], fields[:, 1:2]
        uvv = u * w * w
        # the constant feed F enters the u equation as F (its spectrum is F at k = 0 only)
        feed = torch.zeros_like(u)
        feed += self.feed
        return ops.rfft(torch.cat([feed - uvv, uvv], dim=1))

    def rate(self, u: torch.Tensor, ops: SpectralOps) -> float:
        # largest row sum of the reaction Jacobian: |∂(uv²)/∂u| + |∂(uv²)/∂v| = v² + 2|uv|
        a, w = u[:, 0], u[:, 1]
        return float((w * w + 2 * (a * w).abs()).max()) + self.feed + self.kill
