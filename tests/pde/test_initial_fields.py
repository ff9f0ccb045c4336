"""Random initial fields: the covariance they promise, seeds, and their errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError


def _coefficients(n: int, length: float, alpha: float, tau: float, sigma: float) -> np.ndarray:
    """``c_k = σ (|k|² + τ²)^(−α/2)`` on the FFT grid (the documented covariance)."""
    k = 2 * np.pi / length * np.fft.fftfreq(n, 1.0 / n)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    c = sigma * (k2 + tau**2) ** (-alpha / 2)
    c[0, 0] = 0.0
    return c


def test_gaussian_random_field_has_the_stated_covariance() -> None:
    n, length, alpha, tau = 32, 1.0, 2.5, 7.0
    grid = pde.NavierStokes2D().grid(n, length=length)
    samples = pde.initial.gaussian_random_field(grid, seed=1, batch=400).numpy()[:, 0]
    c = _coefficients(n, length, alpha, tau, tau ** (alpha - 1))
    # pointwise variance Σ c_k² (mean zero)
    variance = float((c**2).sum())
    assert abs(samples.mean()) < 0.05 * math.sqrt(variance)
    assert samples.var() == pytest.approx(variance, rel=0.06)
    # mode by mode: E |ŵ_k|² / N⁴ = c_k², averaged over the shells |n| = 1, 2, 3
    power = (np.abs(np.fft.fft2(samples)) ** 2).mean(axis=0) / n**4
    index = np.fft.fftfreq(n, 1.0 / n)
    shell = np.rint(np.hypot(index[:, None], index[None, :]))
    for radius in (1, 2, 3):
        ring = shell == radius
        assert power[ring].mean() == pytest.approx((c[ring] ** 2).mean(), rel=0.1)
    assert power[0, 0] < 1e-20  # no mean mode


def test_gaussian_random_field_is_reproducible_and_configurable() -> None:
    grid = pde.Diffusion(ndim=1).grid(64)
    a = pde.initial.gaussian_random_field(grid, seed=5, batch=2).numpy()
    b = pde.initial.gaussian_random_field(grid, seed=5, batch=2).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2, 1, 64) and np.isfinite(a).all()
    assert not np.allclose(a, pde.initial.gaussian_random_field(grid, seed=6, batch=2).numpy())
    doubled = pde.initial.gaussian_random_field(grid, seed=5, batch=2, sigma=2 * 7.0**1.5)
    np.testing.assert_allclose(doubled.numpy(), 2 * a, rtol=1e-12)
    one = pde.initial.gaussian_random_field(grid, seed=5)
    assert one.batched is False and one.data.shape == (1, 1, 64)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alpha": 0}, "alpha=0"),
        ({"tau": float("nan")}, "tau=nan"),
        ({"sigma": -1.0}, "sigma=-1.0"),
        ({"batch": 0}, "batch=0"),
        ({"batch": 2.5}, "batch=2.5"),
        ({"alpha": "2.5"}, "alpha='2.5'"),
    ],
)
def test_gaussian_random_field_bad_parameters(options: dict[str, float], message: str) -> None:
    grid = pde.Diffusion(ndim=2).grid(16)
    with pytest.raises(ParameterError, match=message):
        pde.initial.gaussian_random_field(grid, **options)  # type: ignore[arg-type]


def test_gaussian_random_field_refuses_a_draw_that_cannot_fit_and_a_wrong_grid() -> None:
    grid = pde.NavierStokes2D().grid(8192)  # 67 M points: 4,096 fields would need petabytes
    with pytest.raises(ParameterError, match=r"batch=4096 would need .* GiB.*smaller batch"):
        pde.initial.gaussian_random_field(grid, batch=4096)
    with pytest.raises(ParameterError, match="expected a PeriodicGrid"):
        pde.initial.gaussian_random_field((64, 64))  # type: ignore[arg-type]
    small = pde.Diffusion(ndim=1).grid(16)
    assert pde.initial.gaussian_random_field(small, batch=np.int64(3)).data.shape == (3, 1, 16)
