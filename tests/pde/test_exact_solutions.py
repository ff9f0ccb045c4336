"""Accuracy against exact solutions and conservation laws (issue 3, "What it must show" 1-2)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from ai4s_lab import pde


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


def test_heat_fourier_mode_float64(device: str) -> None:
    eq = pde.Diffusion(diffusivity=0.3, ndim=2)
    grid = eq.grid(32)
    u0 = pde.initial.fourier_mode(grid, (2, 3), amplitude=1.5)
    ds = pde.solve(
        eq, u0, t_end=1.0, save_every=0.25, device=device, dtype="float64", progress=False
    )
    y, x = np.meshgrid(ds.y, ds.x, indexing="ij")
    for t in ds.t.values:
        exact = 1.5 * np.cos(2 * y) * np.cos(3 * x) * math.exp(-0.3 * 13 * t)
        assert _rel(ds["u"].sel(t=t).values, exact) < 1e-10


def test_heat_3d_and_1d(device: str) -> None:
    for ndim, mode, k2 in ((1, (4,), 16), (3, (1, 2, 1), 6)):
        eq = pde.Diffusion(0.1, ndim=ndim)
        grid = eq.grid(16)
        ds = pde.solve(
            eq,
            pde.initial.fourier_mode(grid, mode),
            t_end=2.0,
            device=device,
            dtype="float64",
            progress=False,
        )
        mesh = np.meshgrid(*[ds[d].values for d in grid.dims], indexing="ij")
        exact = np.prod([np.cos(m * c) for m, c in zip(mode, mesh, strict=True)], axis=0)
        assert _rel(ds["u"].isel(t=-1).values, exact * math.exp(-0.1 * k2 * 2.0)) < 1e-10


def test_burgers_cole_hopf(device: str) -> None:
    # phi = a + exp(-nu t) cos x solves phi_t = nu phi_xx; u = -2 nu phi_x / phi solves Burgers
    nu, a = 0.1, 1.5
    eq = pde.Burgers(viscosity=nu)
    x = np.arange(128) * 2 * np.pi / 128

    def exact(t: float) -> np.ndarray:
        e = math.exp(-nu * t)
        return 2 * nu * e * np.sin(x) / (a + e * np.cos(x))

    ds = pde.solve(
        eq,
        exact(0.0),
        t_end=1.0,
        save_every=0.5,
        dt=1e-3,
        device=device,
        dtype="float64",
        progress=False,
    )
    assert ds["u"].dims == ("t", "x")
    assert _rel(ds["u"].isel(t=-1).values, exact(1.0)) < 1e-8


def test_taylor_green_vortex(device: str) -> None:
    nu = 0.05
    eq = pde.NavierStokes2D(viscosity=nu)
    grid = eq.grid(32)
    ds = pde.solve(
        eq,
        pde.initial.taylor_green(grid, k=2),
        t_end=1.0,
        save_every=0.5,
        device=device,
        dtype="float64",
        progress=False,
    )
    y, x = np.meshgrid(ds.y, ds.x, indexing="ij")
    exact = 4 * np.sin(2 * x) * np.sin(2 * y) * math.exp(-2 * nu * 4 * 1.0)
    assert _rel(ds["vorticity"].sel(t=1.0).values, exact) < 1e-8
    assert ds.attrs["steps"] >= 2  # the CFL-adaptive step, not one giant step


def test_diagonal_forcing_relaxes_to_its_steady_state(device: str) -> None:
    # a field of the single wave vector k (1, 1) is a shear flow whose advection u·∇ω vanishes,
    # so ω = F/λ + (ω0 − F/λ) e^(−λt) exactly, λ = ν |k|² = 2 ν k², F the forcing's pattern
    nu, amplitude, k = 0.01, 0.3, 2 * math.pi
    eq = pde.NavierStokes2D(viscosity=nu, forcing="diagonal", forcing_amplitude=amplitude)
    grid = eq.grid(16, length=1.0)
    y, x = np.meshgrid(*grid.coords().values(), indexing="ij")
    pattern = np.sin(k * (x + y)) + np.cos(k * (x + y))
    ds = pde.solve(
        eq,
        pde.initial.from_array(-2.0 * pattern, grid),
        t_end=5.0,
        save_every=1.0,
        device=device,
        dtype="float64",
        progress=False,
    )
    rate = 2 * nu * k**2
    for t in ds.t.values:
        steady = amplitude / rate
        exact = (steady + (-2.0 - steady) * math.exp(-rate * t)) * pattern
        assert _rel(ds["vorticity"].sel(t=t).values, exact) < 1e-10
    assert json.loads(ds.attrs["parameters"])["forcing_wavenumber"] == 1


def test_allen_cahn_stationary_tanh(device: str) -> None:
    # two far-apart kinks of u = tanh(x / (sqrt(2) eps)) on a periodic domain: stationary up
    # to their exponentially small interaction exp(-sqrt(2) d / eps) ~ 1e-12
    eps, length, n = 1.0, 80.0, 512
    eq = pde.AllenCahn(epsilon=eps, ndim=1)
    grid = eq.grid(n, length=length)
    x = np.arange(n) * length / n
    s = math.sqrt(2) * eps
    profile = np.tanh((x - length / 4) / s) * np.tanh((3 * length / 4 - x) / s)
    ds = pde.solve(
        eq,
        pde.initial.from_array(profile, grid),
        t_end=10.0,
        dt=0.05,
        device=device,
        dtype="float64",
        progress=False,
    )
    assert np.abs(ds["u"].isel(t=-1).values - profile).max() < 1e-9
    # and the interface is not stationary for a wrong width: the test can fail
    wrong = np.tanh((x - length / 4) / (2 * s)) * np.tanh((3 * length / 4 - x) / (2 * s))
    moved = pde.solve(
        eq, pde.initial.from_array(wrong, grid), t_end=1.0, dt=0.05, device=device, progress=False
    )
    assert np.abs(moved["u"].isel(t=-1).values - wrong).max() > 1e-2


def _ch_energy(c: np.ndarray, gamma: float, length: float) -> float:
    """Free energy ∫ ¼(c²−1)² + γ/2 |∇c|² with a spectral gradient (numpy, independent)."""
    n = c.shape[-1]
    k = 2 * np.pi / length * np.fft.fftfreq(n, 1.0 / n)
    spec = np.fft.fft2(c)
    grad2 = sum(np.abs(np.fft.ifft2(1j * kk * spec)) ** 2 for kk in (k[:, None], k[None, :]))
    h2 = (length / n) ** 2
    return float(np.sum(0.25 * (c**2 - 1) ** 2 + 0.5 * gamma * grad2) * h2)


def test_cahn_hilliard_mass_and_energy(device: str) -> None:
    eq = pde.CahnHilliard(gamma=1.0, mobility=1.0)
    grid = eq.grid(64, length=32.0)
    c0 = pde.initial.random_field(grid, seed=3, amplitude=0.05, wavenumber=8, mean=0.1)
    ds = pde.solve(
        eq, c0, t_end=200.0, save_every=5.0, dt=0.5, device=device, dtype="float64", progress=False
    )
    c = ds["c"].values
    mass = c.mean(axis=(1, 2))
    assert np.abs(mass - mass[0]).max() < 1e-10
    energy = np.array([_ch_energy(frame, 1.0, 32.0) for frame in c])
    assert np.all(np.diff(energy) <= 1e-12 * np.abs(energy[:-1]))
    # it really separated into phases: the bulk energy L²/4 ≈ 256 of the mixture gives way to
    # the interfaces' (2√2/3 a unit length, ≈ 130 units of interface at t = 200)
    assert energy[-1] < 0.6 * energy[0]
    assert c.max() > 0.8 and c.min() < -0.8


def test_etdrk4_fourth_order_kuramoto_sivashinsky() -> None:
    eq = pde.KuramotoSivashinsky()
    grid = eq.grid(64)
    u0 = pde.initial.kassam_trefethen(grid)

    def run(dt: float) -> np.ndarray:
        ds = pde.solve(eq, u0, t_end=4.0, dt=dt, device="cpu", dtype="float64", progress=False)
        return ds["u"].isel(t=-1).values

    reference = run(1 / 256)
    dts = [1 / 4, 1 / 8, 1 / 16]
    errors = [np.abs(run(dt) - reference).max() for dt in dts]
    orders = [math.log2(errors[i] / errors[i + 1]) for i in range(len(errors) - 1)]
    assert all(3.6 < p < 4.6 for p in orders), orders


def test_rk4_fourth_order_burgers() -> None:
    eq = pde.Burgers(viscosity=0.2)
    grid = eq.grid(32)
    u0 = pde.initial.random_field(grid, seed=1, wavenumber=2, amplitude=0.5)

    def run(dt: float) -> np.ndarray:
        ds = pde.solve(
            eq, u0, t_end=1.0, dt=dt, method="rk4", device="cpu", dtype="float64", progress=False
        )
        return ds["u"].isel(t=-1).values

    reference = run(1 / 640)
    errors = [np.abs(run(dt) - reference).max() for dt in (1 / 40, 1 / 80)]
    assert 3.6 < math.log2(errors[0] / errors[1]) < 4.6


@pytest.mark.parametrize("name", ["navier-stokes", "gray-scott", "burgers2d"])
def test_batched_equals_one_by_one(name: str, device: str) -> None:
    if name == "navier-stokes":
        eq: pde.Equation = pde.NavierStokes2D(1e-2, forcing="kolmogorov")
        grid = eq.grid(32)
        batch = pde.initial.random_field(grid, seed=5, batch=3)
    elif name == "gray-scott":
        eq = pde.GrayScott()
        grid = eq.grid(32)
        one = pde.initial.gray_scott_seed(grid, seed=0).data
        batch = pde.Field(torch.cat([one, one.flip(-1), one.roll(5, -2)]), grid, batched=True)
    else:
        eq = pde.Burgers(0.05, ndim=2)
        grid = eq.grid(32)
        batch = pde.initial.random_field(grid, seed=2, batch=3, channels=2, amplitude=0.3)
    kwargs = {
        "t_end": 0.5,
        "save_every": 0.25,
        "dt": 0.05,
        "device": device,
        "dtype": "float64",
        "progress": False,
    }
    together = pde.solve(eq, batch, **kwargs)
    assert together[eq.fields[0]].dims[0] == "batch"
    for i in range(3):
        alone = pde.solve(eq, pde.Field(batch.data[i : i + 1], grid), **kwargs)
        for name_ in eq.fields:
            np.testing.assert_allclose(
                together[name_].isel(batch=i).values, alone[name_].values, rtol=0, atol=1e-12
            )


def test_float32_close_to_float64(device: str) -> None:
    eq = pde.NavierStokes2D(viscosity=1e-2)
    grid = eq.grid(64)
    u0 = pde.initial.random_field(grid, seed=0)
    a = pde.solve(eq, u0, t_end=0.5, dt=0.02, device=device, dtype="float32", progress=False)
    b = pde.solve(eq, u0, t_end=0.5, dt=0.02, device=device, dtype="float64", progress=False)
    assert a["vorticity"].dtype == np.float32 and b["vorticity"].dtype == np.float64
    assert _rel(a["vorticity"].values[-1], b["vorticity"].values[-1]) < 1e-4
