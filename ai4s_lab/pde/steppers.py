"""Time steppers for ``dv/dt = L v + N(v)`` in Fourier space.

* :class:`ETDRK4` — exponential time differencing, fourth order (Cox & Matthews), with the
  coefficients by the contour integral of Kassam & Trefethen: the stiff linear part is exact.
* :class:`RK4` — the classical Runge–Kutta method on the whole right-hand side (non-stiff use).
* :class:`SemiImplicitCH` — the stabilized linear semi-implicit spectral scheme for
  Cahn–Hilliard (first order, mass-conserving, energy-stable).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from ai4s_lab.errors import ParameterError

if TYPE_CHECKING:
    import torch

    from ai4s_lab.pde.equations import Equation
    from ai4s_lab.pde.grids import SpectralOps

__all__ = ["ETDRK4", "RK4", "STEPPERS", "SemiImplicitCH", "Stepper", "make_stepper"]

#: Points on the contour of the ETDRK4 coefficient integrals (Kassam & Trefethen use 32 or 64).
CONTOUR_POINTS = 32


class Stepper(ABC):
    """One fixed time step ``v(t) -> v(t + dt)``; :meth:`prepare` sets ``dt``."""

    name: ClassVar[str] = ""
    #: Formal order of accuracy in time.
    order: ClassVar[int] = 1

    def __init__(self, equation: Equation, ops: SpectralOps) -> None:
        self.equation = equation
        self.ops = ops
        self.L = equation.linear(ops)
        self.dt = math.nan

    def nonlinear(self, v: torch.Tensor) -> torch.Tensor | None:
        return self.equation.nonlinear(v, self.ops)

    def rate(self, u: torch.Tensor) -> float:
        """Fastest rate (1/time) this stepper must resolve at state ``u`` (grid values); the
        CFL step is ``cfl / rate``."""
        return self.equation.rate(u, self.ops)

    def prepare(self, dt: float) -> None:
        """Set the time step (recomputes coefficients only when ``dt`` changes)."""
        self.dt = float(dt)

    @abstractmethod
    def step(self, v: torch.Tensor) -> torch.Tensor:
        """Advance the spectrum ``v`` (shape ``(batch, C, *spectrum)``) by one step."""


class ETDRK4(Stepper):
    """Fourth-order exponential time differencing Runge–Kutta (ETDRK4).

    The φ-function coefficients are evaluated as means over a circle of radius 1 around each
    ``L dt`` in the complex plane, which avoids the cancellation of the direct formulas for small
    ``|L dt|``; they are computed in float64 and cast to the working dtype.

    References
    ----------
    .. [1] S. M. Cox and P. C. Matthews, "Exponential time differencing for stiff systems",
       J. Comput. Phys. 176 (2002) 430–455, doi:10.1006/jcph.2002.6995.
    .. [2] A.-K. Kassam and L. N. Trefethen, "Fourth-order time-stepping for stiff PDEs",
       SIAM J. Sci. Comput. 26 (2005) 1214–1233, doi:10.1137/S1064827502410633.
    """

    name: ClassVar[str] = "etdrk4"
    order: ClassVar[int] = 4

    def __init__(self, equation: Equation, ops: SpectralOps) -> None:
        super().__init__(equation, ops)
        self._cache: dict[float, tuple[torch.Tensor, ...]] = {}
        self._linear_only = False

    def prepare(self, dt: float) -> None:
        super().prepare(dt)
        coeffs = self._cache.get(self.dt)
        if coeffs is None:
            coeffs = self._coefficients(self.dt)
            if len(self._cache) >= 4:
                self._cache.pop(next(iter(self._cache)))
            self._cache[self.dt] = coeffs
        self.E, self.E2, self.Q, self.Q2, self.f1, self.f2x2, self.f3 = coeffs

    def _coefficients(self, h: float) -> tuple[torch.Tensor, ...]:
        import torch

        # in float64/complex128 on the CPU (MPS has no float64), then moved to the device
        Lh = self.L.detach().to("cpu", torch.float64) * h
        E = torch.exp(Lh)
        E2 = torch.exp(Lh / 2)
        Q = torch.zeros_like(Lh)
        f1 = torch.zeros_like(Lh)
        f2 = torch.zeros_like(Lh)
        f3 = torch.zeros_like(Lh)
        m = CONTOUR_POINTS
        for j in range(1, m + 1):
            r = complex(math.cos(math.pi * (j - 0.5) / m), math.sin(math.pi * (j - 0.5) / m))
            z = Lh.to(torch.complex128) + r
            ez = torch.exp(z)
            z2 = z * z
            z3 = z2 * z
            Q += ((torch.exp(z / 2) - 1) / z).real
            f1 += ((-4 - z + ez * (4 - 3 * z + z2)) / z3).real
            f2 += ((2 + z + ez * (z - 2)) / z3).real
            f3 += ((-4 - 3 * z - z2 + ez * (4 - z)) / z3).real
        # the contour is symmetric about the real axis: the mean over the upper half-circle
        # (real part) equals the mean over the full circle
        # in the spectrum's complex dtype (a real factor is converted at every product), with
        # 2 Q and 2 f2 as the step uses them
        coefficients = (E, E2, h * Q / m, 2 * h * Q / m, h * f1 / m, 2 * h * f2 / m, h * f3 / m)
        return tuple(self.ops.spectral_factor(c) for c in coefficients)

    def step(self, v: torch.Tensor) -> torch.Tensor:
        import torch

        # Cox & Matthews' stages, each combination fused into few passes over the spectrum:
        # a = E2 v + Q N(v), b = E2 v + Q N(a), c = E2 a + Q (2 N(b) − N(v)),
        # v' = E v + f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c)
        E, E2, Q, Q2, f1, f2x2, f3 = self.E, self.E2, self.Q, self.Q2, self.f1, self.f2x2, self.f3
        Nv = self.nonlinear(v)
        if Nv is None:
            return E * v
        E2v = E2 * v
        a = torch.addcmul(E2v, Q, Nv)
        Na = self.nonlinear(a)
        assert Na is not None
        b = torch.addcmul(E2v, Q, Na)
        del E2v
        Nb = self.nonlinear(b)
        assert Nb is not None
        c = (E2 * a).addcmul_(Q2, Nb).addcmul_(Q, Nv, value=-1)
        del a, b
        Nc = self.nonlinear(c)
        assert Nc is not None
        out = (E * v).addcmul_(f1, Nv).addcmul_(f2x2, Na).addcmul_(f2x2, Nb)
        return out.addcmul_(f3, Nc)


class RK4(Stepper):
    """The classical fourth-order Runge–Kutta method on ``L v + N(v)`` (explicit: the step is
    limited by the stiffest linear mode, ``dt · max|L| <≈ 2.8``).

    References
    ----------
    .. [1] J. C. Butcher, Numerical Methods for Ordinary Differential Equations, 3rd ed.,
       Wiley (2016), doi:10.1002/9781119121534.
    """

    name: ClassVar[str] = "rk4"
    order: ClassVar[int] = 4

    def _rhs(self, v: torch.Tensor) -> torch.Tensor:
        Nv = self.nonlinear(v)
        out = self.L * v
        return out if Nv is None else out + Nv

    def rate(self, u: torch.Tensor) -> float:
        # explicit: the stiffest linear mode limits the step too (stability bound ≈ 2.8 / max|L|)
        return max(super().rate(u), float(self.L.abs().max()) / 2.8)

    def step(self, v: torch.Tensor) -> torch.Tensor:
        h = self.dt
        k1 = self._rhs(v)
        k2 = self._rhs(v + (0.5 * h) * k1)
        k3 = self._rhs(v + (0.5 * h) * k2)
        k4 = self._rhs(v + h * k3)
        return v + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)


class SemiImplicitCH(Stepper):
    """Stabilized linear semi-implicit spectral scheme for Cahn–Hilliard:

    ``(1 + dt M k²(γk² + S)) ĉⁿ⁺¹ = (1 + dt M k² S) ĉⁿ − dt M k² FFT(cⁿ³ − cⁿ)``.

    The ``k = 0`` mode never changes (mass is conserved to round-off) and the discrete free
    energy never increases when ``S >= max|f''(c)|/2``.

    References
    ----------
    .. [1] J. Shen and X. Yang, Discrete Contin. Dyn. Syst. 28 (2010) 1669–1691,
       doi:10.3934/dcds.2010.28.1669.
    .. [2] J. Zhu, L.-Q. Chen, J. Shen and V. Tikare, "Coarsening kinetics from a variable-
       mobility Cahn–Hilliard equation", Phys. Rev. E 60 (1999) 3564,
       doi:10.1103/PhysRevE.60.3564.
    """

    name: ClassVar[str] = "semi-implicit"
    order: ClassVar[int] = 1

    def __init__(self, equation: Equation, ops: SpectralOps) -> None:
        from ai4s_lab.pde.equations import CahnHilliard

        if not isinstance(equation, CahnHilliard):
            raise ParameterError(
                f"method='semi-implicit' is the Cahn–Hilliard scheme; {type(equation).__name__} "
                "needs method='etdrk4' or 'rk4'"
            )
        super().__init__(equation, ops)
        self.ch = equation

    def prepare(self, dt: float) -> None:
        super().prepare(dt)
        ch, k2 = self.ch, self.ops.k2
        mk2 = self.dt * ch.mobility * k2
        inverse = 1 / (1 + mk2 * (ch.gamma * k2 + ch.stabilization))
        # ĉⁿ⁺¹ = A ĉⁿ + B FFT(cⁿ³ − cⁿ): A = 1 and B = 0 exactly at k = 0 (mass conserved)
        self._keep = self.ops.spectral_factor((1 + mk2 * ch.stabilization) * inverse)
        self._force = self.ops.spectral_factor(-mk2 * inverse)

    #: At ``cfl=1`` one step changes ``c`` by at most this fraction of its largest deviation
    #: from the mean. The scheme is first order: 1/80 keeps a 64² spinodal decomposition within
    #: 4–7 % of an ETDRK4 reference at dt = 0.002 up to t = 30 with the default cfl = 0.5
    #: (1.0 at dt = 1: 34–52 %), and costs 2.7x the steps of the old curvature-only rule over a
    #: run to t = 2000, where the coarsening is slow and the steps grow again.
    max_relative_change: ClassVar[float] = 1 / 80

    def rate(self, u: torch.Tensor) -> float:
        # Unconditionally stable: the step is set by accuracy. Two limits: the growth rate of the
        # spinodal band |k|² ≈ 1/(2γ) at the largest curvature of the double well,
        # M max|f''| / (2γ); and the rate at which c changes now, relative to its spread.
        import torch

        ch, ops = self.ch, self.ops
        curvature = max(1.0, 3.0 * float(u.abs().max()) ** 2 - 1.0)
        growth = ch.mobility * curvature / (2 * ch.gamma)
        spectrum = ops.rfft(u)
        dc_dt = ops.irfft(
            -ch.mobility * ops.k2 * (ops.rfft(u**3 - u) + ch.gamma * ops.k2 * spectrum)
        )
        # per sample and field: in a batch, a sample that changes fast relative to its own
        # small spread (an early spinodal decomposition) needs the step, whatever the others do
        space = tuple(range(2, u.ndim))
        spread = (u - u.mean(dim=space, keepdim=True)).abs().amax(dim=space)
        change = dc_dt.abs().amax(dim=space)
        relative = torch.where(
            spread > 0, change / spread.clamp_min(torch.finfo(u.dtype).tiny), 0.0
        )
        return max(growth, float(relative.max()) / self.max_relative_change)

    def step(self, v: torch.Tensor) -> torch.Tensor:
        c = self.ops.irfft(v)
        fprime = self.ops.rfft(c.pow(3).sub_(c))  # c³ − c in two passes
        return (self._keep * v).addcmul_(self._force, fprime)


STEPPERS: dict[str, type[Stepper]] = {
    ETDRK4.name: ETDRK4,
    RK4.name: RK4,
    SemiImplicitCH.name: SemiImplicitCH,
}


def make_stepper(method: str, equation: Equation, ops: SpectralOps) -> Stepper:
    """The stepper registered as ``method`` for ``equation`` on ``ops``.

    Raises
    ------
    ParameterError
        For an unknown method or one that does not apply to the equation.
    """
    cls = STEPPERS.get(str(method).strip().lower())
    if cls is None:
        raise ParameterError(
            f"method={method!r} is not a time stepper; use one of {', '.join(map(repr, STEPPERS))}"
        )
    return cls(equation, ops)
