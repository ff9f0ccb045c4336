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
