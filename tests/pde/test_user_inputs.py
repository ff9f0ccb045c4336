"""What users hand to the PDE lab besides a fresh Field: a frame of an earlier result on its
own domain, arrays combined with fields, unseeded draws, a callback that stops the run, and a
small perturbation of an unstable state (Kuramoto–Sivashinsky from noise)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import xarray as xr

from ai4s_lab import _memory as memory
from ai4s_lab import pde
from ai4s_lab.errors import InputError, ParameterError

DIFFUSIVITY = 0.3


def _decay(mode: tuple[int, int], lengths: tuple[float, float], t: float) -> float:
    """Exact decay factor of a Fourier mode of the heat equation on a periodic box."""
    k2 = sum((2 * math.pi * m / length) ** 2 for m, length in zip(mode, lengths, strict=True))
    return math.exp(-DIFFUSIVITY * k2 * t)


@pytest.fixture(scope="module")
def first_leg() -> xr.Dataset:
    grid = pde.PeriodicGrid((16, 32), (1.0, 3.0))
    return pde.solve(
        pde.Diffusion(DIFFUSIVITY),
        pde.initial.fourier_mode(grid, (1, 2)),
        0.05,
        device="cpu",
        dtype="float64",
        progress=False,
    )


def test_a_saved_frame_restarts_on_its_own_domain(first_leg: xr.Dataset, tmp_path: Path) -> None:
    path = tmp_path / "first.nc"
    first_leg.to_netcdf(path)
    with xr.open_dataset(path) as saved:
        frame = saved["u"].isel(t=-1).load()
    second = pde.solve(
        pde.Diffusion(DIFFUSIVITY), frame, 0.05, device="cpu", dtype="float64", progress=False
    )
    assert (second.y.attrs["period"], second.x.attrs["period"]) == (1.0, 3.0)
    peak = float(np.abs(second["u"].isel(t=-1)).max())
    assert peak == pytest.approx(_decay((1, 2), (1.0, 3.0), 0.1), rel=1e-10)


def test_evenly_spaced_coordinates_without_a_period_give_the_domain() -> None:
    x = np.arange(32) * 0.25  # a domain of length 8
    u0 = xr.DataArray(np.cos(2 * np.pi * x / 8.0), dims=("x",), coords={"x": x})
    out = pde.solve(pde.Diffusion(DIFFUSIVITY), u0, 0.1, device="cpu", dtype="float64",
                    progress=False)  # fmt: skip
    assert out.x.attrs["period"] == 8.0
    k2 = (2 * np.pi / 8.0) ** 2
    assert float(out["u"].isel(t=-1).max()) == pytest.approx(math.exp(-DIFFUSIVITY * k2 * 0.1))


def test_coordinates_that_cannot_be_a_periodic_grid_are_refused(first_leg: xr.Dataset) -> None:
    frame = first_leg["u"].isel(t=-1)
    eq = pde.Diffusion(DIFFUSIVITY)
    with pytest.raises(InputError, match=r"period attribute says 3.*not periodic"):
        pde.solve(eq, frame.isel(x=slice(0, 16)), 0.05, progress=False)
    uneven = frame.assign_coords(x=np.geomspace(0.1, 3.0, 32))
    with pytest.raises(InputError, match=r"'x' is not evenly increasing.*drop_vars"):
        pde.solve(eq, uneven, 0.05, progress=False)


def test_equation_grids_take_one_length_per_axis() -> None:
    grid = pde.Diffusion().grid((16, 32), length=(1.0, 2.0))
    assert grid.lengths == (1.0, 2.0)
    with pytest.raises(ParameterError, match="lengths"):
        pde.Diffusion().grid(16, length="wide")


def test_arrays_combine_with_fields_on_their_grid() -> None:
    grid = pde.PeriodicGrid((16, 16), (1.0,))
    field = pde.initial.fourier_mode(grid, (1, 1))
    ones = np.ones((16, 16))
    for combined in (field + ones, ones + field, field + torch.ones(16, 16)):
        assert isinstance(combined, pde.Field)
        torch.testing.assert_close(combined.data, field.data + 1.0)
    torch.testing.assert_close((2 / (field + 3)).data, 2 / (field.data + 3))
    torch.testing.assert_close((field**2).data, field.data**2)
    with pytest.raises(InputError, match=r"last axes must be the grid \(16, 16\)"):
        _ = field + np.ones((8, 8))


def test_unseeded_draws_differ_and_bad_seeds_are_refused() -> None:
    grid = pde.PeriodicGrid((16, 16), (1.0,))
    first, second = (pde.initial.random_field(grid, None) for _ in range(2))
    assert not torch.equal(first.data, second.data)
    assert pde.initial.gaussian_random_field(grid, None).data.shape == (1, 1, 16, 16)
    top = pde.initial.random_field(grid, 2**64 - 1)  # batch_seeds' uint64 seeds reach this
    assert torch.isfinite(top.data).all()
    for bad in (1.5, -1, 2**64):
        with pytest.raises(ParameterError, match="seed"):
            pde.initial.random_field(grid, bad)
    with pytest.raises(ParameterError, match="amplitude"):
        pde.initial.random_field(grid, amplitude="1")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="channels"):
        pde.initial.random_field(grid, channels=0)
    with pytest.raises(ParameterError, match="non-zero integer"):
        pde.initial.taylor_green(grid, k=1.5)  # type: ignore[arg-type]


def test_a_callback_returning_false_stops_the_run() -> None:
    grid = pde.PeriodicGrid((16,), (1.0,))
    seen: list[float] = []

    def until_half(t: float, values: object) -> bool:
        seen.append(t)
        return t < 0.5

    out = pde.solve(pde.Diffusion(0.01), pde.initial.fourier_mode(grid, 1), 1.0,
                    save_every=0.25, callback=until_half, device="cpu", progress=False,
                    method="RK4")  # fmt: skip
    np.testing.assert_allclose(seen, [0, 0.25, 0.5])
    np.testing.assert_allclose(out.t, [0, 0.25, 0.5])
    assert out.attrs["method"] == "rk4"


def test_kuramoto_sivashinsky_from_small_noise_with_the_default_step() -> None:
    # The perturbation grows as exp(t / 4) until it saturates near t ≈ 30: a step fit for the
    # noise alone would jump past the saturation (one step of dt = 60 before this was fixed).
    eq = pde.KuramotoSivashinsky()
    u0 = pde.initial.random_field(eq.grid(128), 0, amplitude=1e-3)
    auto = pde.solve(eq, u0, 60.0, device="cpu", dtype="float64", progress=False)
    fine = pde.solve(eq, u0, 60.0, dt=0.02, device="cpu", dtype="float64", progress=False)
    scale = float(np.abs(fine["u"].isel(t=-1)).max())
    assert scale > 1.0  # saturated, far above the noise
    error = float(np.abs(auto["u"].isel(t=-1) - fine["u"].isel(t=-1)).max())
    assert error < 1e-2 * scale


def test_velocity_needs_the_domain_from_coordinates() -> None:
    eq = pde.NavierStokes2D(viscosity=1e-2)
    grid = pde.PeriodicGrid((32, 32), (2.0,))
    w = pde.solve(eq, pde.initial.taylor_green(grid), 0.1, device="cpu", dtype="float64",
                  progress=False)["vorticity"].isel(t=0)  # fmt: skip
    u, v = pde.velocity_from_vorticity(w)
    # taylor_green on [0, 2)²: ω = 2 sin(πx) sin(πy) ⇒ u = (2/π)·... a stream function
    # ψ = ω / (2π²), u = ∂ψ/∂y = sin(πx) cos(πy) / π
    y, x = np.meshgrid(w.y, w.x, indexing="ij")
    np.testing.assert_allclose(u, np.sin(np.pi * x) * np.cos(np.pi * y) / np.pi, atol=1e-12)
    np.testing.assert_allclose(v, -np.cos(np.pi * x) * np.sin(np.pi * y) / np.pi, atol=1e-12)
    with pytest.raises(InputError, match="no 'y'/'x' coordinates"):
        pde.velocity_from_vorticity(xr.DataArray(w.values, dims=("y", "x")))
    with pytest.raises(InputError, match=r"needs an xarray\.DataArray"):
        pde.velocity_from_vorticity(w.values)


def test_available_ram_counts_reclaimable_page_cache() -> None:
    path = Path("/proc/meminfo")
    meminfo = path.read_text(encoding="ascii") if path.exists() else ""
    if "MemAvailable" not in meminfo:
        pytest.skip("no /proc/meminfo MemAvailable on this system")
    line = next(row for row in meminfo.splitlines() if row.startswith("MemAvailable:"))
    expected = int(line.split()[1]) * 1024
    got = memory.available_memory(torch.device("cpu"))
    assert got is not None
    assert abs(got - expected) < 0.05 * expected  # read moments apart


def test_darcy_default_iterations_follow_the_contrast() -> None:
    rng = np.random.default_rng(0)
    layered = np.where(rng.random((33, 33)) > 0.5, 1.0, 1e4)
    out = pde.solve_darcy(layered, dtype="float64", device="cpu")
    assert out.attrs["relative_residual"] <= 1e-10
    assert out.attrs["iterations"] > 10 * 33  # more than the old fixed cap
    with pytest.raises(ParameterError, match="tol='1e-3' must be a number"):
        pde.solve_darcy(np.ones((17, 17)), tol="1e-3")  # type: ignore[arg-type]
