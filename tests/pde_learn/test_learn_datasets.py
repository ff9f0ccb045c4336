"""Dataset generation from the PDE lab: seeds, physics of the samples, NetCDF round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ai4s_lab import pde
from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.pde import learn


def test_darcy_dataset_is_reproducible_from_its_seed() -> None:
    a = learn.darcy_dataset(3, 16, seed=5, device="cpu", progress=False)
    b = learn.darcy_dataset(3, 16, seed=5, device="cpu", progress=False)
    c = learn.darcy_dataset(3, 16, seed=6, device="cpu", progress=False)
    np.testing.assert_array_equal(a["pressure"].values, b["pressure"].values)
    assert not np.array_equal(a["permeability"].values, c["permeability"].values)
    assert set(np.unique(a["permeability"].values)) <= {3.0, 12.0}
    p = a["pressure"].values
    # Dirichlet zero boundary; a positive source gives a positive interior (maximum principle)
    assert np.all(p[:, 0, :] == 0) and np.all(p[:, :, -1] == 0)
    assert np.all(p[:, 1:-1, 1:-1] > 0)
    assert a.attrs["seed"] == 5 and a.attrs["problem"] == "darcy"


def test_darcy_pressure_with_constant_permeability_matches_the_series_solution() -> None:
    """Independent check of the generator's solver call: for a ≡ 12 the pressure is the
    Poisson solution ``p = (1/a) Σ 16/(π⁴ m n (m² + n²)) sin(mπx) sin(nπy)`` (odd m, n)."""
    from ai4s_lab.pde import solve_darcy

    n = 33
    p = solve_darcy(np.full((n, n), 12.0), device="cpu")["pressure"].values
    s = np.linspace(0, 1, n)
    y, x = np.meshgrid(s, s, indexing="ij")
    series = np.zeros_like(x)
    for m in range(1, 80, 2):
        for k in range(1, 80, 2):
            series += (
                16
                / (np.pi**4 * m * k * (m * m + k * k))
                * np.sin(m * np.pi * x)
                * np.sin(k * np.pi * y)
            )
    np.testing.assert_allclose(p, series / 12.0, atol=2e-5)


def test_navier_stokes_pairs_are_consecutive_frames() -> None:
    ds = learn.navier_stokes_dataset(2, 16, dt=0.5, n_steps=2, device="cpu", progress=False)
    assert ds["vorticity"].shape == (2, 3, 16, 16)
    x, y = learn.to_tensors(ds)
    assert x.shape == (4, 1, 16, 16)
    np.testing.assert_array_equal(x[1].numpy(), y[0].numpy())  # ω(t1) is output then input
    assert ds.attrs["viscosity"] == 1e-3 and ds.attrs["dt"] == 0.5


def test_navier_stokes_setups_follow_their_papers() -> None:
    fno = learn.navier_stokes_dataset(3, 16, dt=0.5, n_steps=1, device="cpu", progress=False)
    setup = (fno.attrs["setup"], fno.attrs["forcing"], fno.attrs["length"])
    assert setup == ("fno", "diagonal", 1.0)
    np.testing.assert_allclose(fno["x"].values, np.arange(16) / 16)  # the unit torus
    grid = pde.NavierStokes2D(forcing="diagonal").grid(16, length=1.0)
    # batch 0 of seed 0 draws from the first stream spawned from SeedSequence(0) (documented)
    stream = int(np.random.SeedSequence(0).spawn(1)[0].generate_state(1, dtype=np.uint64)[0])
    first = pde.initial.gaussian_random_field(grid, seed=stream, batch=3).numpy()[:, 0]
    np.testing.assert_allclose(fno["vorticity"].values[:, 0], first, rtol=1e-6, atol=1e-7)
    kolmogorov = learn.navier_stokes_dataset(
        2, 16, dt=0.5, n_steps=1, setup="kolmogorov", device="cpu", progress=False
    )
    assert kolmogorov.attrs["forcing"] == "kolmogorov"
    assert kolmogorov["x"].values[-1] == pytest.approx(2 * np.pi * 15 / 16)
    spread = kolmogorov["vorticity"].values[:, 0].std(axis=(1, 2))
    np.testing.assert_allclose(spread, 1.0, rtol=1e-5)  # unit standard deviation over the grid
    with pytest.raises(ParameterError, match=r"setup='turbulent'.*\['fno', 'kolmogorov'\]"):
        learn.navier_stokes_dataset(2, 16, setup="turbulent", progress=False)
    with pytest.raises(ParameterError, match=r"setup=\['fno'\] is not known"):
        learn.navier_stokes_dataset(2, 16, setup=["fno"], progress=False)  # type: ignore[arg-type]


def test_burgers_dataset_and_netcdf_round_trip(tmp_path: Path) -> None:
    ds = learn.generate("burgers", 3, 32, seed=1, device="cpu", progress=False)
    path = learn.save_dataset(ds, tmp_path / "burgers.nc")
    back = learn.load_dataset(path)
    np.testing.assert_array_equal(back["u"].values, ds["u"].values)
    for key in ("problem", "seed", "viscosity", "t_end", "resolution"):
        assert back.attrs[key] == ds.attrs[key]
    x, y = learn.to_tensors(back)
    assert x.shape == y.shape == (3, 1, 32)


def test_bad_dataset_requests_raise_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="problem='heat'"):
        learn.generate("heat", 2, 16)
    with pytest.raises(ParameterError, match="n_samples=0"):
        learn.darcy_dataset(0, 16, progress=False)
    ds = learn.generate("burgers", 2, 16, device="cpu", progress=False)
    ds["u"].values[1, 3] = np.nan
    with pytest.raises(InputError, match="'u' contains NaN"):
        learn.to_tensors(ds)
    with pytest.raises(InputError, match="empty"):
        learn.to_tensors(ds.isel(sample=slice(0, 0)))
    with pytest.raises(DataFileError, match="no such file"):
        learn.load_dataset(tmp_path / "missing.nc")


def _rows(values: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in values.reshape(len(values), -1)}


def test_different_seeds_share_no_sample_and_a_seed_reproduces() -> None:
    # batches of 4: with per-batch seeds seed + b, seed=1 repeated batch 1 of seed=0
    options = {"batch_size": 4, "device": "cpu", "progress": False}
    zero = learn.generate("burgers", 8, 16, seed=0, t_end=0.01, **options)
    one = learn.generate("burgers", 8, 16, seed=1, t_end=0.01, **options)
    again = learn.generate("burgers", 8, 16, seed=0, t_end=0.01, **options)
    np.testing.assert_array_equal(again["u"].values, zero["u"].values)
    assert not _rows(zero["u0"].values) & _rows(one["u0"].values)
    ns = {"dt": 0.01, "n_steps": 1, **options}
    ns_zero = learn.navier_stokes_dataset(8, 8, seed=0, **ns)["vorticity"].values[:, 0]
    ns_one = learn.navier_stokes_dataset(8, 8, seed=1, **ns)["vorticity"].values[:, 0]
    assert not _rows(ns_zero) & _rows(ns_one)


def test_generate_checks_its_options_and_accepts_numpy_integers() -> None:
    with pytest.raises(ParameterError, match=r"unknown keyword\(s\) foo .*viscosity, t_end, seed"):
        learn.generate("burgers", 2, 16, foo=1, device="cpu", progress=False)
    with pytest.raises(ParameterError, match="warmup=None"):
        learn.generate("navier-stokes", 1, 8, warmup=None, progress=False)
    with pytest.raises(ParameterError, match="seed=-1"):
        learn.generate("burgers", 2, 16, seed=-1, progress=False)
    ds = learn.generate("darcy", np.int64(2), np.int64(16), seed=np.int64(3), device="cpu",
                        progress=False)  # fmt: skip
    assert ds["pressure"].shape == (2, 16, 16) and ds.attrs["seed"] == 3
    # seed=None draws a seed and records it, so the dataset can be made again
    drawn = learn.generate("burgers", 2, 16, seed=None, t_end=0.01, device="cpu", progress=False)
    seed = drawn.attrs["seed"]
    remade = learn.generate("burgers", 2, 16, seed=seed, t_end=0.01, device="cpu", progress=False)
    np.testing.assert_array_equal(remade["u"].values, drawn["u"].values)


def test_to_tensors_takes_mappings_and_names_missing_variables() -> None:
    ds = learn.generate("burgers", 3, 16, t_end=0.01, device="cpu", progress=False)
    x, y = learn.to_tensors(ds, samples=slice(1, 3))
    u0, u = ds["u0"].values, ds["u"].values
    for mapping in ({"u0": u0, "u": u}, {"u0": u0, "u": u, "problem": "burgers"}):
        mx, my = learn.to_tensors(mapping, samples=slice(1, 3))
        assert torch.equal(mx, x) and torch.equal(my, y)
    with pytest.raises(InputError, match=r"has no variable 'u' .*needs 'u0' and 'u'"):
        learn.to_tensors(ds.drop_vars("u"))
    with pytest.raises(InputError, match="problem=None"):
        learn.to_tensors({"a": u0})
    with pytest.raises(ParameterError, match="samples=1"):
        learn.to_tensors(ds, samples=1)  # type: ignore[arg-type]


def test_to_tensors_orders_named_dimensions_by_name() -> None:
    """A user's dataset stored ``(x, sample)``, or with the target's grid axes swapped
    against the input's, pairs the same points as the canonical ``(sample, y, x)`` layout;
    the oracle is numpy's own transpose of the arrays."""
    import xarray as xr

    gen = np.random.default_rng(0)
    a, p = gen.random((3, 8, 10)), gen.random((3, 8, 10))  # (sample, y, x)
    canonical = xr.Dataset(
        {"permeability": (("sample", "y", "x"), a), "pressure": (("sample", "y", "x"), p)},
        attrs={"problem": "darcy"},
    )
    stored = xr.Dataset(
        {"permeability": (("y", "x", "sample"), a.transpose(1, 2, 0)),
         "pressure": (("sample", "x", "y"), p.transpose(0, 2, 1))},
        attrs={"problem": "darcy"},
    )  # fmt: skip
    x, y = learn.to_tensors(stored, samples=[2, 0])
    np.testing.assert_array_equal(x[:, 0].numpy(), a[[2, 0]].astype(np.float32))
    np.testing.assert_array_equal(y[:, 0].numpy(), p[[2, 0]].astype(np.float32))
    cx, cy = learn.to_tensors(canonical, samples=[2, 0])
    assert torch.equal(cx, x) and torch.equal(cy, y)
    # 1D Burgers stored (x, sample): 16 points of 3 samples, not 3 points of 16 samples
    u0, u = gen.random((3, 16)), gen.random((3, 16))
    burgers = xr.Dataset({"u0": (("x", "sample"), u0.T), "u": (("x", "sample"), u.T)})
    bx, by = learn.to_tensors(burgers)  # no 'problem' attribute: read from the variables
    np.testing.assert_array_equal(bx[:, 0].numpy(), u0.astype(np.float32))
    np.testing.assert_array_equal(by[:, 0].numpy(), u.astype(np.float32))


def test_navier_stokes_data_must_be_trajectories() -> None:
    snapshots = np.random.default_rng(0).random((3, 16, 16))  # (sample, y, x): no t axis
    with pytest.raises(InputError, match=r"shape \(3, 16, 16\).*\(sample, t, y, x\)"):
        learn.to_tensors({"vorticity": snapshots, "problem": "navier-stokes"})
    with pytest.raises(InputError, match="at least 2 frames"):
        learn.to_tensors({"vorticity": snapshots[:, None], "problem": "navier-stokes"})


def test_values_beyond_float32_are_refused_not_made_infinite() -> None:
    u0 = np.ones((2, 16))
    u0[1, 4] = 1e39  # finite in float64, inf in float32
    data = {"u0": u0, "u": np.ones((2, 16))}
    with pytest.raises(InputError, match=r"'u0' holds values up to 1e\+39.*float64"):
        learn.to_tensors(data)
    x, _ = learn.to_tensors(data, dtype=torch.float64)
    assert float(x[1, 0, 4]) == 1e39
