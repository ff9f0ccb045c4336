"""Long runs of equations whose linear part grows at low wave numbers (Allen–Cahn, Cahn–Hilliard
with ETDRK4/RK4), and what a run must never change.

Round-off made the k_x = 0 plane of the real-FFT state a little non-Hermitian at every step;
irfftn ignores that part, so nothing damped it and it grew as exp(L t) (L = 1 for Allen–Cahn)
until a 2D run blew up near t = 80 whatever the time step. The oracle: Allen–Cahn is a gradient
flow, so its energy (computed here with numpy, independently of the solver) never increases and
|u| stays near 1.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError


def _allen_cahn_energy(u: np.ndarray, epsilon: float, length: float) -> float:
    """∫ ε²/2 |∇u|² + (u² − 1)²/4 dx on a periodic box of side ``length`` (spectral gradient)."""
    n = u.shape[-1]
    k = 2 * np.pi * np.fft.fftfreq(n, d=length / n)
    spectrum = np.fft.fftn(u)
    gradient2 = 0.0
    for axis in range(u.ndim):
        shape = [1] * u.ndim
        shape[axis] = n
        gradient2 = gradient2 + np.abs(np.fft.ifftn(1j * k.reshape(shape) * spectrum)) ** 2
    density = 0.5 * epsilon**2 * gradient2 + 0.25 * (u**2 - 1) ** 2
    return float(density.sum() * (length / n) ** u.ndim)


@pytest.mark.parametrize(("ndim", "n", "t_end"), [(2, 32, 150.0), (3, 16, 110.0)])
def test_allen_cahn_stays_bounded_and_its_energy_never_increases(
    ndim: int, n: int, t_end: float
) -> None:
    eq = pde.AllenCahn(ndim=ndim)
    u0 = pde.initial.random_field(eq.grid(n), seed=0)
    ds = pde.solve(eq, u0, t_end=t_end, save_every=10, dt=0.05, device="cpu", progress=False)
    u = ds["u"].values
    assert np.abs(u[1:]).max() < 1.1  # after the random start has relaxed (blow-up: ≫ 1)
    energies = [_allen_cahn_energy(frame, eq.epsilon, 2 * np.pi) for frame in u]
    assert np.all(np.diff(energies) <= 1e-9 * energies[0]), energies


def test_cahn_hilliard_with_etdrk4_stays_bounded() -> None:
    eq = pde.CahnHilliard()
    u0 = pde.initial.random_field(eq.grid(32), seed=0)
    ds = pde.solve(eq, u0, t_end=400, save_every=50, dt=0.05, method="etdrk4", device="cpu",
                   progress=False)  # fmt: skip
    assert np.abs(ds["c"].values[1:]).max() < 1.2
    mass = ds["c"].values.mean(axis=(-2, -1))
    np.testing.assert_allclose(mass, mass[0], atol=1e-10)


@pytest.mark.parametrize("shape", [(16,), (8, 6), (4, 6, 8)])
def test_projection_onto_real_fields_is_the_fft_round_trip(shape: tuple[int, ...]) -> None:
    """What project_real does to a perturbed spectrum equals torch's rfftn(irfftn(v))."""
    grid = pde.PeriodicGrid(shape, (2 * np.pi,) * len(shape))
    ops = grid.spectral(torch.device("cpu"), torch.float64)
    generator = torch.Generator().manual_seed(0)
    v = ops.rfft(torch.randn(2, 1, *shape, dtype=torch.float64, generator=generator))
    noise = torch.randn(v.shape, dtype=torch.complex128, generator=generator)
    perturbed = v + 1e-3 * noise
    expected = ops.rfft(ops.irfft(perturbed))
    torch.testing.assert_close(ops.project_real(perturbed.clone()), expected, rtol=0, atol=1e-13)
    torch.testing.assert_close(ops.project_real(v.clone()), v, rtol=0, atol=0)


def test_a_callback_editing_its_arrays_changes_neither_the_result_nor_the_input() -> None:
    eq = pde.GrayScott()
    initial = pde.initial.gray_scott_seed(eq.grid(32))
    before = initial.data.clone()
    reference = pde.solve(eq, initial, t_end=20, save_every=10, device="cpu", progress=False)

    def vandal(t: float, frames: dict[str, np.ndarray]) -> None:
        for values in frames.values():
            values *= 0

    edited = pde.solve(eq, initial, t_end=20, save_every=10, device="cpu", progress=False,
                       callback=vandal)  # fmt: skip
    assert torch.equal(initial.data, before)
    assert edited.identical(reference)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda g: pde.initial.fourier_mode(g, 2.5), "one integer per axis"),
        (lambda g: pde.initial.fourier_mode(g, (1.5, 1)), "one integer per axis"),
        (lambda g: pde.solve(pde.Diffusion(), pde.initial.fourier_mode(g), t_end=1, max_value=True),
         "max_value"),
        (lambda g: pde.solve(pde.Diffusion(), pde.initial.fourier_mode(g), t_end=1, adaptive="no"),
         "adaptive"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_before_anything_runs(call: object, match: str) -> None:
    grid = pde.Diffusion().grid(16)
    with pytest.raises(ParameterError, match=match):
        call(grid)  # type: ignore[operator]
