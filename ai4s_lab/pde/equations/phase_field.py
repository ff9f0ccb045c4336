"""Phase-field models: the Allen–Cahn and Cahn–Hilliard equations (double-well free energy).

Both descend the free energy ``F[c] = ∫ ¼(c² − 1)² + (γ/2)|∇c|² dx``: Allen–Cahn by a
non-conserved (L²) gradient flow, Cahn–Hilliard by a conserved (H⁻¹) one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ai4s_lab.pde.equations._base import Equation, check_ndim, check_positive

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.grids import SpectralOps

__all__ = ["AllenCahn", "CahnHilliard"]


class AllenCahn(Equation):
    """Allen–Cahn ``∂u/∂t = ε² ∇²u + u − u³``: phase separation with a non-conserved order.

    Its stationary 1D interface is ``u = tanh(x / (√2 ε))``.

    Parameters
    ----------
    epsilon
        Interface width ``ε`` (length), > 0.
    ndim
        Default space dimensions of :meth:`grid`.

    References
    ----------
    .. [1] S. M. Allen and J. W. Cahn, Acta Metall. 27 (1979) 1085–1095,
       doi:10.1016/0001-6160(79)90196-2.
    """

    name: ClassVar[str] = "allen-cahn"

    def __init__(self, epsilon: float = 0.1, *, ndim: int = 2) -> None:
        self.epsilon = check_positive("epsilon", epsilon, "AllenCahn")
        self.default_ndim = check_ndim(ndim, self.dims_allowed, type(self).__name__)
        self.fields = ("u",)

    def parameters(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon}

    def linear(self, ops: SpectralOps) -> torch.Tensor:
        return (1.0 - self.epsilon**2 * ops.k2).unsqueeze(0)

    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor:
        u = ops.irfft(v)
        return ops.rfft(u.pow(3)).neg_()

    def rate(self, u: torch.Tensor, ops: SpectralOps) -> float:
        return max(1.0, 3.0 * float(u.abs().max()) ** 2)


class CahnHilliard(Equation):
    """Cahn–Hilliard ``∂c/∂t = M ∇²(c³ − c − γ ∇²c)``: spinodal decomposition, mass conserved.

    The default stepper is the stabilized semi-implicit spectral scheme of Shen & Yang, which
    conserves the mean of ``c`` exactly and never increases the free energy when
    ``stabilization >= max|f''(c)| / 2`` (2 covers ``|c| <= 1.15``).

    Parameters
    ----------
    gamma
        Gradient-energy coefficient ``γ`` (length²), > 0; interfaces are ≈ ``√(2γ)`` wide.
    mobility
        ``M`` (length² per time per energy), > 0.
    stabilization
        ``S`` of the semi-implicit scheme, > 0.
    ndim
        Default space dimensions of :meth:`grid`.

    References
    ----------
    .. [1] J. W. Cahn and J. E. Hilliard, J. Chem. Phys. 28 (1958) 258–267,
       doi:10.1063/1.1744102.
    .. [2] J. Shen and X. Yang, "Numerical approximations of Allen–Cahn and Cahn–Hilliard
       equations", Discrete Contin. Dyn. Syst. 28 (2010) 1669–1691,
       doi:10.3934/dcds.2010.28.1669.
    """

    name: ClassVar[str] = "cahn-hilliard"
    default_length: ClassVar[float] = 64.0
    default_method: ClassVar[str] = "semi-implicit"

    def __init__(
        self,
        gamma: float = 1.0,
        mobility: float = 1.0,
        *,
        stabilization: float = 2.0,
        ndim: int = 2,
    ) -> None:
        self.gamma = check_positive("gamma", gamma, "CahnHilliard")
        self.mobility = check_positive("mobility", mobility, "CahnHilliard")
        self.stabilization = check_positive("stabilization", stabilization, "CahnHilliard")
        self.default_ndim = check_ndim(ndim, self.dims_allowed, type(self).__name__)
        self.fields = ("c",)

    def parameters(self) -> dict[str, Any]:
        return {
            "gamma": self.gamma,
            "mobility": self.mobility,
            "stabilization": self.stabilization,
        }

    def linear(self, ops: SpectralOps) -> torch.Tensor:
        k2 = ops.k2
        return (self.mobility * (k2 - self.gamma * k2 * k2)).unsqueeze(0)

    def nonlinear(self, v: torch.Tensor, ops: SpectralOps) -> torch.Tensor:
        c = ops.irfft(v)
        factor = ops.cached_factor(f"-{self.mobility!r} k2", lambda: -self.mobility * ops.k2)
        return ops.rfft(c.pow(3)).mul_(factor)

    def rate(self, u: torch.Tensor, ops: SpectralOps) -> float:
        kmax2 = float(ops.k2.max())
        return self.mobility * kmax2 * max(1.0, 3.0 * float(u.abs().max()) ** 2)
