"""PINN for 1D Burgers: the Cole–Hopf oracle, the residual on closed forms, a tiny training run."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError
from ai4s_lab.pde import learn
from ai4s_lab.pde.learn.pinn import RAISSI_VISCOSITY


def test_cole_hopf_agrees_with_the_spectral_solver() -> None:
    """Two independent methods: quadrature of the Cole–Hopf integral and ETDRK4 at 2048 points
    on the periodic domain [0, 2) (x' = x + 1, so u0 = −sin(π(x' − 1)) = sin(π x'))."""
    eq = pde.Burgers(viscosity=RAISSI_VISCOSITY, ndim=1)
    grid = eq.grid(2048, length=2.0)
    x = grid.coords()["x"]
    ds = pde.solve(
        eq,
        pde.initial.from_array(np.sin(np.pi * x), grid),
        t_end=1.0,
        save_every=0.25,
        device="cpu",
        progress=False,
    )
    exact = learn.cole_hopf_burgers(x - 1.0, ds["t"].values)
    numeric = ds["u"].values
    assert np.abs(numeric - exact).max() < 1e-7
    # the shock at x = 0 steepens to |u_x| ≈ 152 at t = 0.5 (Basdevant et al. 1986: 152.005)
    fine = np.linspace(-1e-3, 1e-3, 2001)
    u = learn.cole_hopf_burgers(fine, [1.6037 / math.pi])[0]
    assert np.abs(np.gradient(u, fine)).max() == pytest.approx(152.005, rel=2e-3)


def test_cole_hopf_quadrature_converges_and_starts_from_the_initial_condition() -> None:
    x = np.linspace(-1, 1, 101)
    t = np.array([0.0, 0.05, 0.5, 1.0])
    a = learn.cole_hopf_burgers(x, t, quadrature=100)
    b = learn.cole_hopf_burgers(x, t, quadrature=300)
    np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(a[0], -np.sin(np.pi * x), atol=0)
    with pytest.raises(ParameterError, match="quadrature=500"):
        learn.cole_hopf_burgers(x, t, quadrature=500)


def test_residual_vanishes_on_the_viscous_shock_and_matches_a_hand_computation() -> None:
    nu = 0.05
    t = torch.linspace(0, 1, 50, dtype=torch.float64)
    x = torch.linspace(-1, 1, 50, dtype=torch.float64)
    shock = learn.burgers_residual(lambda t, x: -torch.tanh(x / (2 * nu)) + 0 * t, t, x, nu)
    assert float(shock.detach().abs().max()) < 1e-12  # steady solution u = −tanh(x / 2ν)
    wave = learn.burgers_residual(lambda t, x: torch.sin(x) * torch.exp(-t), t, x, nu)
    u = torch.sin(x) * torch.exp(-t)
    expected = -u + u * torch.cos(x) * torch.exp(-t) + nu * u  # u_t + u u_x − ν u_xx
    torch.testing.assert_close(wave.detach(), expected, atol=1e-12, rtol=0)


def test_tiny_pinn_reduces_its_loss_and_error() -> None:
    result = learn.train_burgers_pinn(
        collocation=1000,
        hidden=16,
        depth=3,
        adam_steps=150,
        lbfgs_steps=150,
        report_every=50,
        seed=0,
        device="cpu",
        progress=False,
    )
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < 0.2 * losses[0]
    assert {h["phase"] for h in result.history} == {"adam", "lbfgs"}
    assert result.relative_l2 < 0.3  # frozen initial condition: ≈ 0.5


def test_residual_is_zero_on_exact_solutions_with_vanishing_derivatives() -> None:
    """``x/(1+t)`` (u_xx = 0) and the steady ``−2ν/x`` on x > 0 (u_t = 0) solve Burgers exactly;
    autograd sees no dependence for those derivatives, which must count as zero."""
    nu = 0.1
    t = torch.linspace(0, 1, 20, dtype=torch.float64)
    x = torch.linspace(0.5, 2.0, 20, dtype=torch.float64)
    linear = learn.burgers_residual(lambda t, x: x / (1 + t), t, x, nu)
    steady = learn.burgers_residual(lambda t, x: -2 * nu / x, t, x, nu)
    constant = learn.burgers_residual(lambda t, x: torch.full_like(x, 0.3), t, x, nu)
    for residual in (linear, steady, constant):
        torch.testing.assert_close(residual.detach(), torch.zeros_like(x), atol=1e-14, rtol=0)
    # and a non-solution linear in x still gets the right value: u = x t → u_t + u u_x = x + x t²
    other = learn.burgers_residual(lambda t, x: x * t, t, x, nu)
    torch.testing.assert_close(other.detach(), x + x * t * t, atol=1e-14, rtol=0)


def test_callback_returning_false_stops_the_pinn() -> None:
    seen: list[dict[str, object]] = []

    def callback(record: dict[str, object]) -> bool:
        seen.append(record)
        return len(seen) < 2

    result = learn.train_burgers_pinn(
        collocation=100, hidden=5, depth=2, adam_steps=400, lbfgs_steps=100, report_every=10,
        device="cpu", progress=False, callback=callback,
    )  # fmt: skip
    assert [r["step"] for r in result.history] == [10, 20] == [r["step"] for r in seen]
    assert result.stopped_early and np.isfinite(result.relative_l2)


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ({"viscosity": -0.01}, "viscosity=-0.01"),
        ({"viscosity": float("nan")}, "viscosity=nan"),
        ({"lr": 0.0}, "lr=0.0"),
        ({"callback": 3}, "callback=3 is not callable"),
        ({"hidden": 0}, "hidden=0"),
        ({"seed": 1.5}, r"seed=1\.5"),
    ],
)
def test_pinn_settings_are_checked_before_training(option: dict[str, object], match: str) -> None:
    small = {"collocation": 50, "depth": 1, "adam_steps": 20, "lbfgs_steps": 0, "report_every": 10}
    with pytest.raises(ParameterError, match="^train_burgers_pinn: " + match):
        learn.train_burgers_pinn(**{"hidden": 4, **small, **option}, progress=False, device="cpu")  # type: ignore[arg-type]


def _bessel_series(x: np.ndarray, t: float, nu: float) -> np.ndarray:
    """The same solution from ``exp(−a cos θ) = I_0(a) + 2 Σ (−1)^k I_k(a) cos kθ``,
    ``a = 1/2πν``: ``φ = I_0 + 2 Σ (−1)^k I_k e^{−νπ²k²t} cos kπx`` and ``u = −2ν φ_x / φ``
    (scipy's scaled Bessel functions; no quadrature, no FFT)."""
    from scipy.special import ive

    a, k = 1 / (2 * np.pi * nu), np.arange(1, 80)[:, None]
    terms = (-1.0) ** k * ive(k, a) * np.exp(-nu * np.pi**2 * k**2 * t)
    phi = ive(0, a) + 2 * (terms * np.cos(k * np.pi * x)).sum(axis=0)
    phi_x = -2 * (terms * k * np.pi * np.sin(k * np.pi * x)).sum(axis=0)
    return np.asarray(-2 * nu * phi_x / phi)


@pytest.mark.parametrize(("nu", "t"), [(0.3, 1.0), (1.0, 0.1), (1.0, 1.0), (5.0, 0.25), (5.0, 1.0)])
def test_cole_hopf_at_large_viscosity_matches_the_bessel_series(nu: float, t: float) -> None:
    # Gauss–Hermite nodes could not follow the integrand here: 1e-4 relative error at ν = 1,
    # t = 1 and none left at ν = 5 (|u| ≈ 4e-22 came out as ≈ 4e-5)
    x = np.linspace(-1, 1, 41)
    exact = _bessel_series(x, t, nu)
    got = learn.cole_hopf_burgers(x, [t], viscosity=nu)[0]
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-12 * np.abs(exact).max())


def test_numpy_integers_are_integers() -> None:
    """``np.int64`` sizes (from a parameter grid, an array) mean what their Python ints mean."""
    x = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_array_equal(
        learn.cole_hopf_burgers(x, 0.5, quadrature=np.int64(64)),
        learn.cole_hopf_burgers(x, 0.5, quadrature=64),
    )
    sizes = [p.shape for p in learn.BurgersPINN(np.int64(4), np.int64(2)).parameters()]
    assert sizes == [p.shape for p in learn.BurgersPINN(4, 2).parameters()]
