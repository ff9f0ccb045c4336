"""A seed names one random field whatever the grid: convergence studies compare like with like."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError
from ai4s_lab.pde._mode_noise import held_modes, mode_noise, mode_numbers
from ai4s_lab.pde.learn import darcy_permeability


def test_mode_noise_is_standard_complex_normal() -> None:
    numbers = mode_numbers((256, 256))
    z = mode_noise(7, 0, 0, numbers).ravel()
    for part in (z.real, z.imag):
        assert stats.kstest(part, "norm").pvalue > 1e-3
        assert part.var() == pytest.approx(1.0, abs=0.02)  # 4 standard errors of 65,536 draws
    assert abs(np.corrcoef(z.real, z.imag)[0, 1]) < 0.02
    # neighbouring modes and other channels, samples and seeds are uncorrelated
    grid_z = z.reshape(256, 256).real
    assert abs(np.corrcoef(grid_z[:, 1:].ravel(), grid_z[:, :-1].ravel())[0, 1]) < 0.02
    for other in (mode_noise(8, 0, 0, numbers), mode_noise(7, 1, 0, numbers),
                  mode_noise(7, 0, 1, numbers)):  # fmt: skip
        assert abs(np.corrcoef(z.real, other.ravel().real)[0, 1]) < 0.02


def test_mode_noise_depends_on_the_mode_not_on_the_others_asked_for() -> None:
    numbers = mode_numbers((16, 12))
    full = mode_noise(3, 2, 1, numbers)
    rows, cols = np.broadcast_arrays(*numbers)
    picked = [(5, 4), (-3, 2), (0, -6), (1, 1)]
    rows_asked, cols_asked = (np.array(axis) for axis in zip(*picked, strict=True))
    alone = mode_noise(3, 2, 1, [rows_asked, cols_asked])
    for value, (r, c) in zip(alone, picked, strict=True):
        np.testing.assert_array_equal(value, full[(rows == r) & (cols == c)][0])
    huge = mode_noise(2**70 + 3, 0, 0, numbers)  # seeds past 2**64 are not cut to 64 bits
    assert not np.array_equal(huge, mode_noise(3, 0, 0, numbers))


def _direct_sum(field_modes: dict[tuple[int, int], complex], points: np.ndarray) -> np.ndarray:
    """``Re Σ a_m exp(i m·x)`` evaluated term by term at ``points (k, 2)`` (no FFT)."""
    total = np.zeros(len(points), dtype=np.complex128)
    for (m0, m1), a in field_modes.items():
        total += a * np.exp(1j * (m0 * points[:, 0] + m1 * points[:, 1]))
    return total.real


def test_random_field_is_one_function_sampled_on_any_grid() -> None:
    wavenumber = 2.0
    fields = {
        n: pde.initial.random_field(
            pde.Diffusion().grid(n), seed=11, wavenumber=wavenumber
        ).numpy()[0, 0]
        for n in (32, 64, 96)
    }
    coarse = fields[32]
    np.testing.assert_allclose(fields[64][::2, ::2], coarse, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fields[96][::3, ::3], coarse, rtol=0, atol=1e-12)
    # the same values from the defining sum, mode by mode, before scaling to unit std
    numbers = [m.ravel() for m in np.broadcast_arrays(*mode_numbers((32, 32)))]
    held = held_modes((32, 32)).ravel()
    envelope = np.exp(-(numbers[0] ** 2 + numbers[1] ** 2) / (2 * wavenumber**2))
    noise = mode_noise(11, 0, 0, [numbers[0][held], numbers[1][held]])
    weights = noise * envelope[held]
    modes = {
        (int(a), int(b)): complex(w)
        for a, b, w in zip(numbers[0][held], numbers[1][held], weights, strict=True)
    }
    x = 2 * np.pi * np.arange(32) / 32
    points = np.stack(np.meshgrid(x, x, indexing="ij"), axis=-1).reshape(-1, 2)
    direct = _direct_sum(modes, points).reshape(32, 32)
    np.testing.assert_allclose(coarse, direct / direct.std(), rtol=0, atol=1e-10)


def test_batched_samples_are_the_single_draws_of_their_index() -> None:
    grid = pde.Burgers(0.05, ndim=2).grid(24)
    batch = pde.initial.random_field(grid, seed=4, batch=3, channels=2).numpy()
    single = pde.initial.random_field(grid, seed=4, channels=2).numpy()
    np.testing.assert_array_equal(batch[:1], single)
    assert not np.allclose(batch[1], batch[0]) and not np.allclose(batch[1, 0], batch[1, 1])


def test_gaussian_random_field_on_a_coarse_grid_is_the_fine_one_low_passed() -> None:
    fine_n, coarse_n = 64, 32
    fine = pde.initial.gaussian_random_field(
        pde.NavierStokes2D().grid(fine_n, length=1.0), seed=2
    ).numpy()[0, 0]
    coarse = pde.initial.gaussian_random_field(
        pde.NavierStokes2D().grid(coarse_n, length=1.0), seed=2
    ).numpy()[0, 0]
    spectrum = np.fft.fft2(fine)
    index = np.fft.fftfreq(fine_n, 1.0 / fine_n)
    keep = (np.abs(index) < coarse_n / 2)[:, None] & (np.abs(index) < coarse_n / 2)[None, :]
    low_passed = np.fft.ifft2(np.where(keep, spectrum, 0)).real[::2, ::2]
    scale = float(np.abs(coarse).max())
    np.testing.assert_allclose(coarse, low_passed, rtol=0, atol=1e-12 * scale)


def test_darcy_media_agree_across_resolutions() -> None:
    coarse = darcy_permeability(6, 33, seed=3)
    fine = darcy_permeability(6, 65, seed=3)
    # one medium: only nodes next to the μ = 0 contour can flip when the finer grid adds its
    # higher modes; fields drawn anew per resolution agree at about half the nodes
    agree = float((fine[:, ::2, ::2] == coarse).mean())
    assert agree > 0.97
    assert math.isclose(float((coarse == 12).mean()), 0.5, abs_tol=0.15)


def test_a_spectrum_the_grid_cannot_hold_is_refused() -> None:
    grid = pde.Diffusion().grid(8)
    # exp(-(1/0.05)²/2) = exp(-200): no mode of any grid carries weight
    with pytest.raises(ParameterError, match=r"wavenumber=0.05 leaves no mode"):
        pde.initial.random_field(grid, seed=0, wavenumber=0.05)
    with pytest.raises(ParameterError, match=r"seed=-1"):
        pde.initial.gaussian_random_field(grid, seed=-1)
