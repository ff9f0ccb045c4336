"""solve(): the Dataset it returns, NetCDF/Zarr round-trips, callbacks, and typed errors for bad
input before anything runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import ai4s_lab
from ai4s_lab import pde
from ai4s_lab.errors import InputError, ParameterError, SolverDivergedError


@pytest.fixture(scope="module")
def ns_run() -> xr.Dataset:
    eq = pde.NavierStokes2D(viscosity=1e-2, forcing="kolmogorov")
    return pde.solve(
        eq,
        pde.initial.random_field(eq.grid(32), seed=0),
        t_end=0.4,
        save_every=0.1,
        device="cpu",
        progress=False,
    )


def test_issue_example_shape_and_attrs(ns_run: xr.Dataset) -> None:
    w = ns_run["vorticity"]
    assert w.dims == ("t", "y", "x")
    assert w.shape == (5, 32, 32)
    np.testing.assert_allclose(ns_run.t, [0, 0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(ns_run.x[1] - ns_run.x[0], 2 * np.pi / 32)
    attrs = ns_run.attrs
    assert attrs["equation"] == "NavierStokes2D"
    assert json.loads(attrs["parameters"])["viscosity"] == 1e-2
    assert attrs["device"] == "cpu" and attrs["dtype"] == "float64"
    assert attrs["ai4s_lab_version"] == ai4s_lab.__version__
    assert attrs["method"] == "etdrk4" and attrs["steps"] > 0


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4", "zarr"])
def test_round_trip(ns_run: xr.Dataset, tmp_path: Path, engine: str) -> None:
    if engine == "zarr":
        pytest.importorskip("zarr")
        path = tmp_path / "run.zarr"
        ns_run.to_zarr(path, consolidated=False)
        back = xr.open_zarr(path, consolidated=False).load()
    else:
        pytest.importorskip({"netcdf4": "netCDF4"}.get(engine, engine))
        path = tmp_path / "run.nc"
        ns_run.to_netcdf(path, engine=engine)
        back = xr.open_dataset(path, engine=engine).load()
    xr.testing.assert_identical(back, ns_run)


def test_callback_streams_every_frame() -> None:
    seen: list[tuple[float, tuple[int, ...]]] = []
    eq = pde.GrayScott()
    ds = pde.solve(
        eq,
        pde.initial.gray_scott_seed(eq.grid(16)),
        t_end=2.0,
        save_every=0.5,
        device="cpu",
        progress=False,
        callback=lambda t, f: seen.append((t, f["v"].shape)),
    )
    assert [t for t, _ in seen] == list(ds.t.values)
    assert all(shape == (16, 16) for _, shape in seen)


def test_progress_bar_is_tqdm(capsys: pytest.CaptureFixture[str]) -> None:
    eq = pde.Diffusion(1.0)
    pde.solve(eq, pde.initial.fourier_mode(eq.grid(8)), t_end=1.0, device="cpu", progress=True)
    assert "Diffusion" in capsys.readouterr().err


def test_blow_up_raises_solver_diverged_with_time_step_and_advice() -> None:
    eq = pde.Burgers(viscosity=1e-3)
    u0 = pde.initial.random_field(eq.grid(64), seed=0, amplitude=5.0)
    with pytest.raises(SolverDivergedError) as info:
        pde.solve(
            eq, u0, t_end=10.0, save_every=0.5, dt=2.0, method="rk4", device="cpu", progress=False
        )
    message = str(info.value)
    assert "t=" in message and "step" in message and "dt=" in message
    assert isinstance(info.value, FloatingPointError)
    # the advice is a smaller step than the one that failed, and that smaller step... is smaller
    suggested = float(message.rsplit("dt=", 1)[1].split(";")[0])
    assert suggested < 2.0


def test_the_suggested_time_step_of_a_blow_up_runs() -> None:
    """Explicit RK4 on the heat equation is stable for dt < 2.8 / max|L| (5.5e-3 here): the
    error's advice, taken as given, must run (not just be a quarter of the step that failed)."""
    eq = pde.Diffusion(1.0)
    u0 = pde.initial.random_field(eq.grid(32), seed=0)
    run = {"t_end": 1.0, "method": "rk4", "device": "cpu", "progress": False}
    with pytest.raises(SolverDivergedError) as info:
        pde.solve(eq, u0, dt=0.1, **run)
    suggested = float(str(info.value).rsplit("dt=", 1)[1].split(";")[0])
    assert suggested < 2.8 / (2 * 16**2)  # max|L| = D k_max² with k_max = 16 on 32 points
    assert np.isfinite(pde.solve(eq, u0, dt=suggested, **run)["u"].values).all()


def test_forced_flow_from_rest_is_resolved_without_saved_frames() -> None:
    """Kolmogorov forcing from a fluid almost at rest, one saved interval (save_every=None):
    the step follows the flow the forcing builds up inside the interval (it once took one
    step of 5 time units), and the result equals a run saved every 0.05."""
    eq = pde.NavierStokes2D(1e-2, forcing="kolmogorov")
    w0 = pde.initial.random_field(eq.grid(32), seed=0, amplitude=1e-3)
    run = {"device": "cpu", "dtype": "float64", "progress": False}
    fine = pde.solve(eq, w0, t_end=5.0, save_every=0.05, **run)["vorticity"].values[-1]
    coarse = pde.solve(eq, w0, t_end=5.0, **run)
    assert coarse.attrs["steps"] > 50
    error = np.abs(coarse["vorticity"].values[-1] - fine).max() / np.abs(fine).max()
    assert error < 1e-4


def test_a_stiff_start_relaxes_to_larger_steps() -> None:
    """Allen–Cahn from a uniform 1e4: the start needs steps of ~1e-10, the relaxed state steps
    of ~0.1. The run must grow its step inside the one saved interval (it once needed 6e8
    steps) and match the exact solution of u' = u − u³, u(t) = u0 eᵗ / √(1 + u0²(e²ᵗ − 1))."""
    eq = pde.AllenCahn(0.1)
    u0, t_end = 1e4, 0.1
    initial = np.full((16, 16), u0)
    run = pde.solve(eq, initial, t_end=t_end, device="cpu", dtype="float64", progress=False)
    exact = u0 * math.exp(t_end) / math.sqrt(1 + u0**2 * (math.exp(2 * t_end) - 1))
    assert run["u"].values[-1] == pytest.approx(exact, rel=1e-6)
    assert run.attrs["steps"] < 10_000


def test_default_cahn_hilliard_step_follows_the_spinodal_growth() -> None:
    """The first-order semi-implicit scheme at its default step, against ETDRK4 at dt = 0.002
    (fourth order: a reference), through spinodal decomposition: within 10 % of the pattern's
    amplitude (the old curvature-only step, dt = 1, was 34 % off at t = 5)."""
    eq = pde.CahnHilliard()
    c0 = pde.initial.random_field(eq.grid(64), seed=0, amplitude=0.1, mean=0.2)
    run = {"t_end": 10.0, "save_every": 5.0, "device": "cpu", "progress": False}
    reference = pde.solve(eq, c0, method="etdrk4", dt=0.002, **run)["c"].values
    default = pde.solve(eq, c0, **run)["c"].values
    for k in (1, 2):
        error = np.abs(default[k] - reference[k]).max() / np.abs(reference[k] - 0.2).max()
        assert error < 0.1, (k, error)


def test_growth_past_bound_is_divergence() -> None:
    eq = pde.AllenCahn(0.1)  # u' = u - u³ grows from 1e-3 to ~1: past a bound of 0.01
    u0 = pde.initial.random_field(eq.grid(16), seed=0, amplitude=1e-3)
    with pytest.raises(SolverDivergedError, match=r"past 0\.01 \(max_value=: raise it"):
        pde.solve(eq, u0, t_end=20.0, save_every=1.0, device="cpu", progress=False, max_value=0.01)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: pde.NavierStokes2D(viscosity=-1e-3), "viscosity=-0.001 must be positive"),
        (lambda: pde.NavierStokes2D(viscosity=float("nan")), "must be finite"),
        (lambda: pde.NavierStokes2D(forcing="kolmogorof"), "forcing='kolmogorof' is not known"),
        (lambda: pde.Diffusion(diffusivity="fast"), "is not a number"),  # type: ignore[arg-type]
        (lambda: pde.GrayScott(feed=-0.1), "feed=-0.1 is negative"),
        (lambda: pde.Burgers(ndim=3), "ndim=3 is not supported; use 1 or 2"),
        (lambda: pde.Burgers(ndim=True), "ndim=True is not supported"),
        (
            lambda: pde.NavierStokes2D(forcing="kolmogorov", forcing_wavenumber="4"),
            "forcing_wavenumber='4' must be a positive integer",
        ),
        (lambda: pde.equation("navier-stoke"), "did you mean 'navier-stokes'"),
        (lambda: pde.equation("schrodinger"), "unknown equation name 'schrodinger'"),
        (lambda: pde.equation("heat", viscosity=1), "unexpected keyword"),
        (lambda: pde.NavierStokes2D(forcing="kolmogorov").grid(12), "too small"),
        (
            lambda: pde.NavierStokes2D(forcing="diagonal", forcing_wavenumber=3).grid((32, 8)),
            "diagonal forcing at wave number 3: the 2/3 dealiasing keeps",
        ),
        (lambda: pde.NavierStokes2D().grid(6), "too small"),
        (lambda: pde.NavierStokes2D().grid(33), "even number of points"),
        (lambda: pde.KuramotoSivashinsky().grid((32, 32)), "defined in 1D"),
        (lambda: pde.PeriodicGrid((10**5, 10**5), (1.0,)), "more than"),
        (lambda: pde.PeriodicGrid((), ()), "has 0 axes"),
        (lambda: pde.PeriodicGrid((8, 8), (1.0, -1.0)), "finite and positive"),
    ],
)
def test_bad_parameters_are_refused(make: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        make()  # type: ignore[operator]


def _solve(**kwargs: object) -> xr.Dataset:
    eq = kwargs.pop("eq", pde.Diffusion(1.0))
    initial = kwargs.pop("initial", pde.initial.fourier_mode(pde.Diffusion().grid(8)))
    args = {"t_end": 1.0, "device": "cpu", "progress": False, **kwargs}
    return pde.solve(eq, initial, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"t_end": -1.0}, ParameterError, "t_end=-1.0 must be positive"),
        ({"t_end": math.inf}, ParameterError, "t_end=inf must be positive and finite"),
        ({"save_every": 2.0}, ParameterError, "longer than t_end"),
        ({"t_end": 1e9, "save_every": 1.0}, ParameterError, "frames, more than"),
        ({"dt": 0.0}, ParameterError, "dt=0.0 must be positive"),
        ({"cfl": 5}, ParameterError, "cfl=5 must be a number in"),
        ({"method": "euler"}, ParameterError, "method='euler' is not a time stepper"),
        ({"method": "semi-implicit"}, ParameterError, "is the Cahn–Hilliard scheme"),
        ({"eq": 42}, ParameterError, "is not an equation"),
        (
            {
                "eq": "navier-stokes",
                "initial": pde.initial.fourier_mode(pde.Diffusion(ndim=1).grid(8)),
            },
            ParameterError,
            "defined in 2D",
        ),
        ({"initial": np.zeros((0, 8))}, InputError, "empty"),
        ({"initial": np.full((8, 8), np.nan)}, InputError, "NaN or inf"),
        ({"initial": np.zeros((8, 8), dtype=complex)}, InputError, "give real numbers"),
        ({"initial": np.zeros((2, 3, 4, 8, 8))}, InputError, "too many axes"),
        ({"initial": "field"}, InputError, "no shape"),
        ({"initial": [[0.0] * 8, [0.0] * 7]}, InputError, "list that is not a rectangular"),
        ({"initial": [["a"] * 8] * 8}, InputError, "not a rectangular array of numbers"),
        ({"callback": 3}, ParameterError, "not callable"),
        ({"threads": 0}, ParameterError, "threads=0 must be None or an integer"),
        ({"device": "tpu"}, ai4s_lab.errors.DeviceError, "not a device name"),
    ],
)
def test_bad_solve_input_is_refused(kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _solve(**kwargs)


def test_huge_batch_refused_before_allocating() -> None:
    eq = pde.NavierStokes2D()
    grid = eq.grid(8192)  # 67 M points; a batch of 4096 would need terabytes
    import torch

    huge = pde.Field(torch.zeros(1, 1, 8, 8).expand(4096, 1, 8, 8), eq.grid(8), batched=True)
    assert huge.data.shape[0] == 4096
    fake = pde.Field(torch.empty(1, 1, 1, 1).expand(4096, 1, *grid.shape), grid, batched=True)
    with pytest.raises(ParameterError, match="GiB"):
        pde.solve(eq, fake, t_end=1.0, device="cpu", progress=False)


def test_nested_lists_are_read_as_arrays() -> None:
    values = np.random.default_rng(0).standard_normal((8, 8))
    from_lists = pde.solve("heat", values.tolist(), t_end=0.1, device="cpu", progress=False)
    from_array = pde.solve("heat", values, t_end=0.1, device="cpu", progress=False)
    assert from_lists.identical(from_array)


def test_plain_arrays_on_the_default_domain() -> None:
    eq = pde.GrayScott()
    seed = pde.initial.gray_scott_seed(eq.grid(16)).numpy()[0]  # (2, 16, 16)
    ds = pde.solve(eq, seed, t_end=1.0, device="cpu", progress=False)
    assert set(ds.data_vars) == {"u", "v"} and ds["u"].dims == ("t", "y", "x")
    np.testing.assert_allclose(ds.x[-1] + ds.x[1], 2.5)


def test_threads_are_restored() -> None:
    import torch

    before = torch.get_num_threads()
    ds = _solve(threads=1)
    assert torch.get_num_threads() == before
    assert ds.attrs["steps"] >= 1


def test_heat_alias_by_name() -> None:
    ds = _solve(eq="heat")
    assert ds.attrs["equation"] == "Diffusion"


def test_big_endian_arrays_numpy_scalars_and_float32_times_are_taken_as_numbers() -> None:
    """Data files give big-endian arrays and float32 scalars: a big-endian initial field solves
    like the native one; np.float32 domain lengths are lengths; t_end=np.float32(0.3) (that is
    0.30000001) with save_every=0.1 gives 4 frames, not a 5th one 1e-8 later."""
    u0 = np.random.default_rng(0).random((16, 16))
    run = {"t_end": 0.1, "device": "cpu", "progress": False}
    native = pde.solve(pde.Diffusion(), u0, **run)["u"].values
    swapped = pde.solve(pde.Diffusion(), u0.astype(">f8"), **run)["u"].values
    np.testing.assert_array_equal(native, swapped)
    times = pde.solve(pde.Diffusion(), u0, t_end=np.float32(0.3), save_every=0.1,
                      device="cpu", progress=False)["t"].values  # fmt: skip
    assert len(times) == 4 and times[-1] == pytest.approx(0.3)
    field = pde.initial.gaussian_random_field(pde.Diffusion().grid(16), alpha=np.float32(2.5))
    assert np.isfinite(field.data.numpy()).all()
    permeability = np.ones((16, 16))
    pressure = pde.solve_darcy(permeability, length=np.float32(2.0), device="cpu")
    assert np.isfinite(np.asarray(pressure["pressure"])).all()


def test_working_memory_and_saved_frames_must_fit_together_on_the_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both used to be checked against the same free RAM, each alone: a run needing both could
    pass and then run out of memory."""
    from ai4s_lab import _memory as memory
    from ai4s_lab.pde.solve import _COEFFICIENT_COPIES, _WORKSPACE_COPIES

    eq = pde.Diffusion()
    initial = pde.initial.fourier_mode(eq.grid(32))
    state = 32 * 32 * 8  # one float64 state
    frames = 11
    working = _WORKSPACE_COPIES + _COEFFICIENT_COPIES
    free = state * (max(working, frames) + 1)  # room for either part, not for both
    monkeypatch.setattr(memory, "available_memory", lambda device: free)
    with pytest.raises(ParameterError, match=r"working memory and the 11 saved frames would "
                       r"need 504\.0 KiB but cpu has 424\.0 KiB free"):  # fmt: skip
        pde.solve(eq, initial, t_end=1.0, save_every=0.1, device="cpu", progress=False)
    monkeypatch.setattr(memory, "available_memory", lambda device: state * (working + frames))
    pde.solve(eq, initial, t_end=1.0, save_every=0.1, device="cpu", progress=False)


def test_a_blow_up_between_two_looks_is_reported_as_a_time_span() -> None:
    """With a fixed step the state is looked at every _CHECK_EVERY steps: the error said
    "diverged at t=20" although explicit RK4 at 18× its stability limit blew up in the first
    steps; it now gives the span in which it happened."""
    from ai4s_lab.pde.solve import _CHECK_EVERY

    eq = pde.Diffusion(1.0)
    u0 = pde.initial.random_field(eq.grid(32), seed=0)
    with pytest.raises(SolverDivergedError) as info:
        pde.solve(eq, u0, t_end=100.0, dt=0.1, method="rk4", device="cpu", progress=False)
    assert f"between t=0 and t={_CHECK_EVERY * 0.1:g}" in str(info.value)
    assert f"found at step {_CHECK_EVERY}" in str(info.value)
