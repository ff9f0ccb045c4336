"""Training data for neural operators, generated with the PDE lab's solvers.

Three problems, as in the FNO paper (Li et al. 2021):

``"darcy"``
    Steady Darcy flow ``−∇·(a ∇p) = 1`` on the unit square, ``p = 0`` on the boundary. The
    permeability is a thresholded Gaussian random field: ``μ ~ N(0, (−Δ + τ²)^(−α))`` with zero
    Neumann conditions (a cosine series), ``a = 12`` where ``μ >= 0`` and ``a = 3`` elsewhere
    (τ = 3, α = 2). Input ``permeability``, output ``pressure`` (:func:`ai4s_lab.pde.solve_darcy`).
``"navier-stokes"``
    2D incompressible Navier–Stokes in vorticity form (:class:`NavierStokes2D`). Set-up
    ``"fno"`` (default), the FNO paper's: the unit torus, the vorticity source
    ``0.1 (sin 2π(x + y) + cos 2π(x + y))``, initial vorticity ``N(0, 7^3 (−Δ + 49)^(−2.5))``;
    or ``"kolmogorov"``: ``[0, 2π)²`` with Kolmogorov forcing and drag (Kochkov et al.) from
    random smooth vorticity. The dataset holds whole trajectories ``vorticity (sample, t, y,
    x)`` saved every ``dt``; pairs ``ω(t) → ω(t + dt)`` come from :func:`to_tensors`.
``"burgers"``
    1D viscous Burgers on ``[0, 2π)`` from random smooth ``u0``; input ``u0``, output ``u(t_end)``.

Every dataset is an ``xarray.Dataset`` whose attributes record the problem, the generating
parameters, the seed and versions; :func:`save_dataset` / :func:`load_dataset` round-trip it
through NetCDF.

References
----------
.. [1] Z. Li et al., "Fourier neural operator for parametric partial differential equations",
   ICLR 2021, arXiv:2010.08895 (the three benchmark problems and their data distributions).
"""

from __future__ import annotations

import inspect
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.device import resolve_device
from ai4s_lab.errors import DataFileError, InputError, ParameterError
from ai4s_lab.pde._mode_noise import mode_noise
from ai4s_lab.pde.learn._threads import single_thread

if TYPE_CHECKING:
    import numpy as np
    import torch
    import xarray as xr

__all__ = [
    "NS_SETUPS",
    "PROBLEMS",
    "batch_seeds",
    "burgers_dataset",
    "darcy_dataset",
    "darcy_permeability",
    "generate",
    "load_dataset",
    "navier_stokes_dataset",
    "save_dataset",
    "to_tensors",
]

#: Problem names accepted by :func:`generate` and their (input, output) variables.
PROBLEMS: dict[str, tuple[str, str]] = {
    "darcy": ("permeability", "pressure"),
    "navier-stokes": ("vorticity", "vorticity"),
    "burgers": ("u0", "u"),
}
#: Navier–Stokes set-ups of :func:`navier_stokes_dataset`: domain side, forcing, initial field.
NS_SETUPS: dict[str, dict[str, Any]] = {
    "fno": {"length": 1.0, "forcing": "diagonal", "initial": "gaussian_random_field"},
    "kolmogorov": {"length": 2 * math.pi, "forcing": "kolmogorov", "initial": "random_field"},
}
#: Permeability values of the thresholded field (FNO paper).
DARCY_HIGH, DARCY_LOW = 12.0, 3.0


def _count(name: str, value: object, owner: str, minimum: int = 1) -> int:
    if not is_integer(value) or value < minimum:
        raise ParameterError(f"{owner}: {name}={value!r} must be an integer >= {minimum}")
    return int(value)


def _seed(value: object, owner: str) -> int:
    """A seed >= 0; ``None`` draws one from the operating system (recorded in the dataset)."""
    if value is None:
        return secrets.randbits(63)
    if not is_integer(value) or value < 0:
        raise ParameterError(
            f"{owner}: seed={value!r} must be an integer >= 0 (or None for a fresh random seed, "
            "recorded in the dataset's 'seed' attribute)"
        )
    return int(value)


def batch_seeds(seed: int, n_batches: int) -> list[int]:
    """Seeds of the ``n_batches`` generator batches of a dataset with ``seed``.

    Each batch draws from its own stream spawned from ``numpy.random.SeedSequence(seed)``, so
    the streams of different seeds are independent (with ``seed + b`` per batch, ``seed=1``
    used to repeat batch 1 of ``seed=0``) and a given seed always gives the same data.
    """
    import numpy as np

    children = np.random.SeedSequence(seed).spawn(n_batches)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) for child in children]


def _positive(name: str, value: object, owner: str) -> float:
    if isinstance(value, bool) or not is_real(value):
        raise ParameterError(f"{owner}: {name}={value!r} must be a positive number")
    if not (value > 0 and math.isfinite(value)):
        raise ParameterError(f"{owner}: {name}={value!r} must be positive and finite")
    return float(value)


def _versions() -> dict[str, str]:
    import torch

    from ai4s_lab import __version__

    return {"ai4s_lab_version": __version__, "torch_version": str(torch.__version__)}


def darcy_permeability(
    n_samples: int, resolution: int, *, seed: int = 0, tau: float = 3.0, alpha: float = 2.0
) -> np.ndarray:
    """Thresholded Gaussian random permeability fields on ``resolution²`` nodes.

    ``μ = Σ_k ξ_k λ_k^(−α/2) φ_k`` with Neumann eigenfunctions ``φ_k = cos(π k_1 x) cos(π k_2 y)``
    of ``−Δ`` on the unit square, eigenvalues ``λ_k = π²|k|² + τ²``, ``ξ_k ~ N(0, 1)``; then
    ``a = 12`` where ``μ >= 0``, ``3`` elsewhere. The same seed gives the same fields, and the
    same ``μ`` at every resolution up to the modes a grid holds (``ξ_k`` is a function of the
    seed, the sample and ``k``): sample ``i`` at 33² and at 65² is one medium, the finer grid
    adding only its higher modes (the FNO benchmark's data drew new fields per resolution).

    Parameters
    ----------
    n_samples
        Number of fields.
    resolution
        Nodes per side (boundary included, spacing ``1 / (resolution − 1)``).
    seed
        Seed (>= 0) of the fields; ``None`` draws a fresh one.
    tau, alpha
        Inverse length scale and smoothness of the covariance ``(−Δ + τ²)^(−α)``.

    Returns
    -------
    numpy.ndarray
        ``(n_samples, resolution, resolution)`` float32 with values 3 and 12.
    """
    import numpy as np

    owner = "darcy_permeability"
    n_samples = _count("n_samples", n_samples, owner)
    resolution = _count("resolution", resolution, owner, minimum=8)
    tau = _positive("tau", tau, owner)
    alpha = _positive("alpha", alpha, owner)
    seed = _seed(seed, owner)
    k = np.arange(resolution)
    lam = math.pi**2 * (k[:, None] ** 2 + k[None, :] ** 2) + tau**2
    coeff = lam ** (-alpha / 2)
    coeff[0, 0] = 0.0  # zero mean, as in the reference data generator
    nodes = np.linspace(0.0, 1.0, resolution)
    basis = np.cos(math.pi * k[:, None] * nodes[None, :])  # (k, node)
    # ξ_k from (seed, sample, k): the same field at every resolution, up to the modes it holds
    modes = [k[:, None], k[None, :]]
    xi = np.stack([mode_noise(seed, s, 0, modes).real for s in range(n_samples)])
    mu = np.einsum("ky,skl,lx->syx", basis, xi * coeff, basis, optimize=True)
    return np.where(mu >= 0, DARCY_HIGH, DARCY_LOW).astype(np.float32)


def darcy_dataset(
    n_samples: int,
    resolution: int = 64,
    *,
    seed: int = 0,
    batch_size: int = 100,
    device: str | torch.device | None = "auto",
    progress: bool = True,
) -> xr.Dataset:
    """Darcy-flow pairs ``permeability → pressure`` (FNO benchmark distribution).

    Parameters
    ----------
    n_samples
        Number of samples.
    resolution
        Nodes per side of the unit square (boundary included).
    seed
        Seed (>= 0) of the permeability fields; ``None`` draws one from the operating system
        and records it in the ``seed`` attribute.
    batch_size
        Samples solved at once by the batched conjugate-gradient solver.
    device
        Where the solver runs.
    progress
        Show a tqdm bar over batches.

    Returns
    -------
    xarray.Dataset
        ``permeability`` and ``pressure`` with dims ``(sample, y, x)`` (float32), attributes
        ``problem``, ``seed``, ``resolution``, ``forcing``, ``generator`` and versions.
    """
    import numpy as np
    import xarray as xr
    from tqdm import tqdm

    from ai4s_lab.pde.darcy import solve_darcy

    owner = "darcy_dataset"
    n_samples = _count("n_samples", n_samples, owner)
    batch_size = _count("batch_size", batch_size, owner)
    seed = _seed(seed, owner)
    perm = darcy_permeability(n_samples, resolution, seed=seed)
    resolution = int(resolution)
    dev = resolve_device(device)
    pressure = np.empty_like(perm)
    starts = range(0, n_samples, batch_size)
    with single_thread(dev):
        for start in tqdm(starts, desc="Darcy", unit="batch", disable=not progress, leave=False):
            chunk = perm[start : start + batch_size]
            solved = solve_darcy(chunk, forcing=1.0, boundary=0.0, device=dev, dtype="float64")
            pressure[start : start + len(chunk)] = solved["pressure"].values.reshape(chunk.shape)
    coords = np.linspace(0.0, 1.0, resolution)
    attrs = {
        "problem": "darcy",
        "input": "permeability",
        "output": "pressure",
        "seed": int(seed),
        "resolution": int(resolution),
        "forcing": 1.0,
        "permeability_values": json.dumps([DARCY_LOW, DARCY_HIGH]),
        "generator": "thresholded GRF (-Lap + 9)^-2, Neumann; solve_darcy CG float64",
        **_versions(),
    }
    return xr.Dataset(
        {
            "permeability": (("sample", "y", "x"), perm),
            "pressure": (("sample", "y", "x"), pressure.astype(np.float32)),
        },
        coords={"sample": np.arange(n_samples), "y": coords, "x": coords},
        attrs=attrs,
    )


def navier_stokes_dataset(
    n_samples: int,
    resolution: int = 64,
    *,
    viscosity: float = 1e-3,
    dt: float = 1.0,
    n_steps: int = 10,
    warmup: float = 0.0,
    setup: str = "fno",
    seed: int = 0,
    batch_size: int = 16,
    device: str | torch.device | None = "auto",
    progress: bool = True,
) -> xr.Dataset:
    """Vorticity trajectories of 2D Navier–Stokes, for one-step ``ω(t) → ω(t + dt)`` training.

    Parameters
    ----------
    n_samples
        Number of trajectories (independent random initial vorticity, see ``setup``).
    resolution
        Grid points per side.
    viscosity
        ``ν`` (length² per time); the FNO paper uses 1e-3, 1e-4 and 1e-5.
    dt
        Time between saved frames (time units): the surrogate's step.
    n_steps
        Saved steps after the warm-up; the trajectory has ``n_steps + 1`` frames.
    warmup
        Time integrated before the first saved frame (lets the flow develop).
    setup
        ``"fno"``: the FNO paper's benchmark (unit torus, diagonal vorticity source, initial
        vorticity from :func:`ai4s_lab.pde.initial.gaussian_random_field`); ``"kolmogorov"``:
        ``[0, 2π)²``, Kolmogorov forcing with drag 0.1, initial vorticity from
        :func:`ai4s_lab.pde.initial.random_field` (unit standard deviation). See
        :data:`NS_SETUPS`.
    seed
        Seed (>= 0) of the initial fields; batch ``b`` draws from stream ``b`` of
        :func:`batch_seeds` (independent for different seeds; the data also depend on
        ``batch_size``). ``None`` draws a seed from the operating system and records it in the
        ``seed`` attribute.
    batch_size
        Trajectories integrated at once.
    device, progress
        Solver device; tqdm bar over batches.

    Returns
    -------
    xarray.Dataset
        ``vorticity (sample, t, y, x)`` float32, attributes with the equation parameters.
    """
    import numpy as np
    import xarray as xr
    from tqdm import tqdm

    from ai4s_lab import pde

    owner = "navier_stokes_dataset"
    n_samples = _count("n_samples", n_samples, owner)
    resolution = _count("resolution", resolution, owner, minimum=8)
    n_steps = _count("n_steps", n_steps, owner)
    batch_size = _count("batch_size", batch_size, owner)
    dt = _positive("dt", dt, owner)
    seed = _seed(seed, owner)
    if not is_real(warmup) or not (warmup >= 0 and math.isfinite(warmup)):
        raise ParameterError(f"{owner}: warmup={warmup!r} must be a finite number >= 0")
    warmup = float(warmup)
    if not isinstance(setup, str) or setup not in NS_SETUPS:
        raise ParameterError(
            f"{owner}: setup={setup!r} is not known; use one of {sorted(NS_SETUPS)}"
        )
    chosen = NS_SETUPS[setup]
    eq = pde.NavierStokes2D(viscosity=viscosity, forcing=chosen["forcing"])
    grid = eq.grid(resolution, length=chosen["length"])
    draw = getattr(pde.initial, chosen["initial"])
    dev = resolve_device(device)
    chunks = []
    starts = list(range(0, n_samples, batch_size))
    seeds = batch_seeds(seed, len(starts))
    for index, start in enumerate(
        tqdm(starts, desc="Navier-Stokes", unit="batch", disable=not progress, leave=False)
    ):
        count = min(batch_size, n_samples - start)
        field = draw(grid, seed=seeds[index], batch=count)
        if warmup > 0:
            spun = pde.solve(eq, field, t_end=warmup, device=dev, progress=False)
            field = pde.initial.from_array(spun["vorticity"].isel(t=-1).values, grid)
        ds = pde.solve(eq, field, t_end=dt * n_steps, save_every=dt, device=dev, progress=False)
        chunks.append(
            ds["vorticity"]
            .values.astype(np.float32)
            .reshape(count, n_steps + 1, resolution, resolution)
        )
    values = np.concatenate(chunks, axis=0)
    coords = grid.coords()
    attrs = {
        "problem": "navier-stokes",
        "input": "vorticity",
        "output": "vorticity",
        "seed": int(seed),
        "resolution": int(resolution),
        "viscosity": float(viscosity),
        "dt": float(dt),
        "n_steps": int(n_steps),
        "warmup": float(warmup),
        "setup": setup,
        "length": float(chosen["length"]),
        "forcing": str(chosen["forcing"]),
        "initial": str(chosen["initial"]),
        "parameters": json.dumps(eq.parameters(), sort_keys=True),
        **_versions(),
    }
    return xr.Dataset(
        {"vorticity": (("sample", "t", "y", "x"), values)},
        coords={
            "sample": np.arange(n_samples),
            "t": warmup + dt * np.arange(n_steps + 1),
            "y": coords["y"],
            "x": coords["x"],
        },
        attrs=attrs,
    )


def burgers_dataset(
    n_samples: int,
    resolution: int = 256,
    *,
    viscosity: float = 0.1,
    t_end: float = 1.0,
    seed: int = 0,
    batch_size: int = 64,
    device: str | torch.device | None = "auto",
    progress: bool = True,
) -> xr.Dataset:
    """1D viscous Burgers pairs ``u0 → u(t_end)`` on ``[0, 2π)``.

    Parameters
    ----------
    n_samples, resolution
        Number of samples; grid points.
    viscosity
        ``ν`` (length² per time).
    t_end
        Time of the output field.
    seed, batch_size, device, progress
        As in :func:`navier_stokes_dataset`.

    Returns
    -------
    xarray.Dataset
        ``u0`` and ``u`` with dims ``(sample, x)``, float32.
    """
    import numpy as np
    import xarray as xr
    from tqdm import tqdm

    from ai4s_lab import pde

    owner = "burgers_dataset"
    n_samples = _count("n_samples", n_samples, owner)
    resolution = _count("resolution", resolution, owner, minimum=8)
    batch_size = _count("batch_size", batch_size, owner)
    t_end = _positive("t_end", t_end, owner)
    seed = _seed(seed, owner)
    eq = pde.Burgers(viscosity=viscosity, ndim=1)
    grid = eq.grid(resolution)
    dev = resolve_device(device)
    u0s, us = [], []
    starts = list(range(0, n_samples, batch_size))
    seeds = batch_seeds(seed, len(starts))
    for index, start in enumerate(
        tqdm(starts, desc="Burgers", unit="batch", disable=not progress, leave=False)
    ):
        count = min(batch_size, n_samples - start)
        field = pde.initial.random_field(grid, seed=seeds[index], batch=count, wavenumber=3.0)
        ds = pde.solve(eq, field, t_end=t_end, device=dev, progress=False)
        u = ds["u"].values.reshape(count, 2, resolution)
        u0s.append(u[:, 0])
        us.append(u[:, -1])
    attrs = {
        "problem": "burgers",
        "input": "u0",
        "output": "u",
        "seed": int(seed),
        "resolution": int(resolution),
        "viscosity": float(viscosity),
        "t_end": float(t_end),
        **_versions(),
    }
    return xr.Dataset(
        {
            "u0": (("sample", "x"), np.concatenate(u0s).astype(np.float32)),
            "u": (("sample", "x"), np.concatenate(us).astype(np.float32)),
        },
        coords={"sample": np.arange(n_samples), "x": grid.coords()["x"]},
        attrs=attrs,
    )


_GENERATORS = {
    "darcy": darcy_dataset,
    "navier-stokes": navier_stokes_dataset,
    "burgers": burgers_dataset,
}


def generate(problem: str, n_samples: int, resolution: int, **options: Any) -> xr.Dataset:
    """Generate a dataset for ``problem`` (one of :data:`PROBLEMS`).

    Parameters
    ----------
    problem
        ``"darcy"``, ``"navier-stokes"`` or ``"burgers"``.
    n_samples, resolution
        Number of samples; grid points per side.
    **options
        Passed to :func:`darcy_dataset`, :func:`navier_stokes_dataset` or
        :func:`burgers_dataset` (``seed``, ``device``, ...).
    """
    key = str(problem).strip().lower().replace("_", "-")
    if key not in _GENERATORS:
        raise ParameterError(
            f"problem={problem!r} is not known; use one of {', '.join(map(repr, PROBLEMS))}"
        )
    generator = _GENERATORS[key]
    accepted = [
        name
        for name, parameter in inspect.signature(generator).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ParameterError(
            f"generate: unknown keyword(s) {', '.join(unknown)} for problem {key!r}; "
            f"{generator.__name__} accepts {', '.join(accepted)}"
        )
    return generator(n_samples, resolution, **options)


def save_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to NetCDF (h5netcdf engine) and return the path."""
    from ai4s_lab._optional import import_optional

    import_optional("h5netcdf", purpose="saving datasets as NetCDF")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(path, engine="h5netcdf")
    return path


def load_dataset(path: str | Path) -> xr.Dataset:
    """Read a dataset written by :func:`save_dataset` (loaded into memory).

    Raises
    ------
    DataFileError
        If the file is missing, unreadable, or not a dataset of :data:`PROBLEMS`.
    """
    import xarray as xr

    from ai4s_lab._optional import import_optional

    import_optional("h5netcdf", purpose="reading NetCDF datasets")
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "no such file", hint="generate it with learn.generate(...)")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as opened:
            ds = opened.load()
    except (OSError, ValueError) as err:
        raise DataFileError(path, f"not a readable NetCDF file ({err})") from err
    if ds.attrs.get("problem") not in PROBLEMS:
        raise DataFileError(
            path,
            f"attribute 'problem'={ds.attrs.get('problem')!r} is not one of {list(PROBLEMS)}",
            hint="this file was not written by ai4s_lab.pde.learn.save_dataset",
        )
    return ds


def _problem_of(ds: Any) -> tuple[str, Mapping[str, Any]]:
    """The problem of a dataset or mapping, and its variables by name.

    The problem is the ``problem`` attribute (or entry); without one, the problem of
    :data:`PROBLEMS` whose input and output variables are present, so a user's own
    ``xarray.Dataset`` of ``u0`` and ``u`` reads as ``"burgers"`` just as a mapping does.
    """
    if hasattr(ds, "data_vars"):  # an xarray.Dataset
        problem = ds.attrs.get("problem")
        variables: Mapping[str, Any] = ds
        names = {str(name) for name in ds.data_vars}
        where = "dataset attribute 'problem'"
    elif isinstance(ds, Mapping):
        variables = {str(k): v for k, v in ds.items() if k not in ("problem", "attrs")}
        names = set(variables)
        attrs = ds.get("attrs")
        problem = ds.get("problem") or (
            attrs.get("problem") if isinstance(attrs, Mapping) else None
        )
        where = "mapping entry 'problem'"
    else:
        raise InputError(
            f"to_tensors: ds of type {type(ds).__name__} is neither an xarray.Dataset nor a "
            "mapping of variables; pass the dataset returned by learn.generate"
        )
    if problem is None:
        found = [key for key, pair in PROBLEMS.items() if set(pair) <= names]
        problem = found[0] if len(found) == 1 else None
        where = f"{where} is missing and the variables {sorted(names)}"
    if problem not in PROBLEMS:
        raise InputError(
            f"to_tensors: {where} give problem={problem!r}; expected one of {list(PROBLEMS)} "
            "(make the dataset with ai4s_lab.pde.learn.generate, set its 'problem' attribute, "
            "or give the variables of one problem, e.g. {'u0': ..., 'u': ...} for 'burgers')"
        )
    return str(problem), variables


def _leading_dims(problem: str) -> tuple[str, ...]:
    """Named dimensions that come first, in this order, in the tensors of ``problem``."""
    return ("sample", "t") if problem == "navier-stokes" else ("sample",)


def _ordered(value: Any, problem: str, like: tuple[str, ...] | None) -> Any:
    """``value`` with its named dimensions in tensor order (an unnamed array unchanged).

    ``sample`` (and ``t`` for Navier–Stokes) first, then the grid dimensions in the order of
    ``like`` (the input's dimensions) when ``value`` has the same names, else its own order: a
    user's ``(x, sample)`` array or a target stored as ``(sample, x, y)`` beside an input stored
    as ``(sample, y, x)`` would otherwise be paired point by point in the wrong places.
    """
    dims = tuple(getattr(value, "dims", ()))
    if not dims or not hasattr(value, "transpose"):
        return value
    if like is not None and set(like) == set(dims):
        return value.transpose(*like)
    first = [dim for dim in _leading_dims(problem) if dim in dims]
    return value.transpose(*first, *(dim for dim in dims if dim not in first))


def _check_trajectories(array: np.ndarray, name: str) -> None:
    """Navier–Stokes data must be ``(sample, t, y, x)`` with at least two frames."""
    if array.ndim != 4 or array.shape[1] < 2:
        raise InputError(
            f"to_tensors: the 'navier-stokes' variable {name!r} has shape {array.shape}; it "
            "needs trajectories (sample, t, y, x) with at least 2 frames, whose consecutive "
            "frames become the pairs ω(t) → ω(t + dt); stack snapshot pairs along a t axis, "
            "e.g. np.stack([before, after], axis=1)"
        )


def to_tensors(
    ds: xr.Dataset | Mapping[str, Any],
    *,
    dtype: torch.dtype | None = None,
    samples: slice | Sequence[int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Input and output tensors ``(N, 1, *grid)`` of a learn dataset.

    For ``"navier-stokes"`` every consecutive frame pair of every trajectory is one sample
    (``N = samples × n_steps``).

    Parameters
    ----------
    ds
        A dataset from :func:`generate` (or :func:`load_dataset`), an ``xarray.Dataset`` of
        one's own, or a mapping of variable names to arrays with the sample axis first, e.g.
        ``{"u0": u0, "u": u}``; the problem is its ``"problem"`` attribute (entry) or, without
        one, the problem of :data:`PROBLEMS` whose input and output variables it holds.
        Named dimensions are put in order by name: ``sample`` (then ``t`` for Navier–Stokes)
        first, and the output's grid dimensions in the order of the input's.
    dtype
        Tensor dtype (default float32); values beyond its range are refused, not made inf.
    samples
        Optional slice (or list of indices) of the ``sample`` axis (e.g. ``slice(0, 1000)`` for
        a training split).

    Raises
    ------
    InputError
        For an empty dataset, a dataset of an unknown problem, a missing variable, NaN/inf
        values or values that overflow ``dtype``, or Navier–Stokes data that are not
        trajectories ``(sample, t, y, x)``.
    """
    import numpy as np
    import torch

    problem, variables = _problem_of(ds)
    name_in, name_out = PROBLEMS[problem]
    if isinstance(samples, (Integral, str)):
        raise ParameterError(
            f"to_tensors: samples={samples!r} must be a slice (or a list of indices) of the "
            "sample axis, e.g. slice(3, 4) or [3] for sample 3 alone"
        )
    arrays = []
    like: tuple[str, ...] | None = None
    for name in (name_in, name_out):
        if name not in variables:
            raise InputError(
                f"to_tensors: the {problem!r} dataset has no variable {name!r} (it has "
                f"{sorted(map(str, variables))}); {problem!r} needs {name_in!r} and "
                f"{name_out!r} — regenerate it with learn.generate({problem!r}, ...)"
            )
        value = _ordered(variables[name], problem, like)
        like = tuple(getattr(value, "dims", ())) or None
        if samples is not None and "sample" in getattr(value, "dims", ()):
            value = value.isel(sample=samples)
        elif samples is not None:
            value = np.asarray(value)[samples]
        array = np.asarray(getattr(value, "values", value))
        if array.ndim == 0:
            raise InputError(f"to_tensors: variable {name!r} is a scalar, not (sample, *grid)")
        if problem == "navier-stokes" and array.size:
            _check_trajectories(array, name)
        arrays.append(array)
    x, y = torch.as_tensor(arrays[0]), torch.as_tensor(arrays[1])
    if x.numel() == 0:
        raise InputError(
            f"dataset for {problem!r} is empty (shape {tuple(x.shape)}); generate samples first"
        )
    if problem == "navier-stokes":
        x, y = x[:, :-1].reshape(-1, *x.shape[2:]), y[:, 1:].reshape(-1, *y.shape[2:])
    real = dtype or torch.float32
    pairs = []
    for name, tensor in ((name_in, x), (name_out, y)):
        if not bool(torch.isfinite(tensor).all()):
            raise InputError(
                f"dataset variable {name!r} contains NaN or inf values; regenerate it or drop "
                "the bad samples"
            )
        cast = tensor.unsqueeze(1).to(real)
        if not bool(torch.isfinite(cast).all()):
            largest = float(tensor.abs().max())
            raise InputError(
                f"dataset variable {name!r} holds values up to {largest:.3g}, beyond the range "
                f"of {real} (they would become inf); rescale the data (e.g. to other units) or "
                "pass dtype=torch.float64"
            )
        pairs.append(cast)
    return pairs[0], pairs[1]
