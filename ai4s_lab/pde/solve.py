"""``solve``: integrate an evolution equation in time and return an ``xarray.Dataset``."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ai4s_lab._memory import check_memory
from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.device import resolve_device, resolve_dtype
from ai4s_lab.errors import InputError, ParameterError, SolverDivergedError
from ai4s_lab.pde._keywords import check_keywords
from ai4s_lab.pde._step_runner import StepRunner
from ai4s_lab.pde.equations import Equation, equation
from ai4s_lab.pde.fields import Field, as_field
from ai4s_lab.pde.grids import DIMS, PeriodicGrid, lengths_from_coords
from ai4s_lab.pde.steppers import Stepper, make_stepper

if TYPE_CHECKING:
    import numpy as np
    import torch
    import xarray as xr

__all__ = ["MAX_FRAMES", "solve"]

log = logging.getLogger(__name__)

#: Most saved frames a run may produce.
MAX_FRAMES = 100_000
#: Working copies of the state an ETDRK4 step holds at once (for the memory check).
_WORKSPACE_COPIES = 24
#: ETDRK4 coefficients kept (seven complex spectra for each of up to four time steps), in copies of
#: one sample's state: they do not grow with the batch.
_COEFFICIENT_COPIES = 28
#: Check the state for NaN/inf at least every this many steps inside a saved interval.
_CHECK_EVERY = 200
#: Adaptive runs recompute the CFL step every this many steps inside a saved interval.
ADAPT_EVERY = 20
#: Inside a saved interval the step is made smaller once it is this much over the CFL step (a
#: little slack, so that a fluctuating flow does not recompute ETDRK4 coefficients every time).
_OVERSHOOT = 1.2
#: Up to this many values in the state, CPU runs use one thread unless ``threads`` says otherwise.
#: On an idle 2-vCPU machine two threads made a 128² step slower, a 256² one 0-20 % faster and a
#: 512² one 1.1-1.9x faster (Navier–Stokes, Cahn–Hilliard; 2026-12-03); on a busy one, two
#: threads made a 64² step up to 100x slower (2026-11-23). Larger states use torch's setting.
SINGLE_THREAD_UP_TO = 2**17

Callback = Callable[[float, Mapping[str, "np.ndarray"]], Any]


@check_keywords
def solve(
    eq: Equation | str,
    initial: Field | Any,
    t_end: float,
    *,
    save_every: float | None = None,
    dt: float | None = None,
    method: str | None = None,
    cfl: float = 0.5,
    adaptive: bool | None = None,
    device: str | torch.device | None = "auto",
    dtype: str | torch.dtype | None = None,
    progress: bool = True,
    callback: Callback | None = None,
    max_value: float | None = None,
    threads: int | None = None,
) -> xr.Dataset:
    """Integrate ``eq`` from ``initial`` to ``t_end`` and return the saved frames.

    Parameters
    ----------
    eq
        An :class:`~ai4s_lab.pde.equations.Equation`, or a registry name (``"heat"``,
        ``"navier-stokes"``, ...) for one with default parameters.
    initial
        A :class:`~ai4s_lab.pde.fields.Field` (e.g. ``pde.initial.random_field(eq.grid(256))``)
        or an array ``(*grid)``, ``(batch, *grid)``, ``(channels, *grid)`` or
        ``(batch, channels, *grid)``. An ``xarray.DataArray`` (e.g. a frame of an earlier
        result, ``ds["u"].isel(t=-1)``) or ``Dataset`` (all its fields, ``ds.isel(t=-1)``)
        keeps the domain its coordinates span, reads its dims named ``z, y, x`` by name (and,
        for an equation of any dimension, takes as many space axes as it has) and its fields
        on a ``field`` or ``variable`` dim by their labels; other arrays lie on the
        equation's default (square) domain, with its default space dimensions (``ndim=``), or
        as many as the array has axes when it has fewer.
    t_end
        Final time (time units of the equation), > 0.
    save_every
        Interval between saved frames; ``None`` saves only ``t = 0`` and ``t_end``.
    dt
        Time step. ``None`` picks one from the CFL number (``cfl / rate``, see
        :meth:`Equation.rate`); the step is shortened so that each saved interval holds a whole
        number of steps.
    method
        ``"etdrk4"``, ``"rk4"`` or ``"semi-implicit"`` (Cahn–Hilliard); ``None`` for the
        equation's default.
    cfl
        Target CFL number, in (0, 2].
    adaptive
        Recompute the step from the CFL number as the solution evolves (default: when ``dt``
        is not given): at every saved interval and inside one, after 1, 2, 4, … steps of a new
        size and then every ``ADAPT_EVERY`` steps; the step changes when it is more than 1.2
        times the CFL step of the current state, or less than a quarter of it. A batch shares
        one step, the smallest its samples need.
    device, dtype
        Where and in what precision to compute (see :func:`ai4s_lab.resolve_device`).
    progress
        Show a tqdm progress bar (on stderr).
    callback
        Called as ``callback(t, {field_name: ndarray})`` at every saved frame, e.g. to stream
        frames to a live view; arrays have shape ``(*grid)`` or ``(batch, *grid)``. Return
        ``False`` to stop the run there (e.g. at a steady state): the result ends at that frame.
    max_value
        Bound on ``max |field|`` past which the run counts as diverged; default
        ``1e6 · max(1, max |initial|)``.
    threads
        CPU threads for this run (restored afterwards). ``None``: one thread for states of up to
        ``SINGLE_THREAD_UP_TO`` values (two 256² fields), torch's setting above.

    Returns
    -------
    xarray.Dataset
        One variable per field with dims ``([batch,] t, [z,] [y,] x)``, coordinates in the
        units of the domain, and attributes: the equation and its parameters, the method, the
        last time step, the number of steps, the device, dtype and package versions.

    Raises
    ------
    ParameterError
        For a bad parameter, before anything runs.
    InputError
        For a malformed, empty or non-finite initial condition.
    SolverDivergedError
        If the solution becomes NaN/inf or grows past ``max_value``; the message names the time,
        the step and a smaller time step to try.
    """
    import numpy as np
    import torch
    from tqdm import tqdm

    # -- validate everything before computing --------------------------------------------------
    if isinstance(eq, str):
        eq = equation(eq)
    if not isinstance(eq, Equation):
        raise ParameterError(
            f"eq={eq!r} is not an equation; use e.g. pde.NavierStokes2D(...) or a name such as "
            "'navier-stokes'"
        )
    t_end = _positive_time("t_end", t_end)
    interval = t_end if save_every is None else _positive_time("save_every", save_every)
    if interval > t_end * (1 + 1e-12):
        raise ParameterError(
            f"save_every={save_every!r} is longer than t_end={t_end!r}; use save_every <= t_end"
        )
    # a tolerance above float32 rounding: t_end=np.float32(0.3) is 0.30000001, not a 4th interval
    n_frames = math.ceil(t_end / interval - 1e-6) + 1
    if n_frames > MAX_FRAMES:
        raise ParameterError(
            f"t_end / save_every = {n_frames - 1:,} frames, more than {MAX_FRAMES:,}; "
            "use a larger save_every"
        )
    if dt is not None:
        dt = _positive_time("dt", dt)
    if isinstance(cfl, bool) or not (is_real(cfl) and 0 < cfl <= 2):
        raise ParameterError(f"cfl={cfl!r} must be a number in (0, 2]; 0.5 is a safe choice")
    method = method or eq.default_method
    if max_value is not None and not (
        is_real(max_value) and max_value > 0 and math.isfinite(max_value)
    ):
        raise ParameterError(f"max_value={max_value!r} must be a positive, finite number")
    if adaptive is not None and not isinstance(adaptive, bool | np.bool_):
        raise ParameterError(f"adaptive={adaptive!r} must be True, False or None (the default)")
    if callback is not None and not callable(callback):
        raise ParameterError(f"callback={callback!r} is not callable")
    if threads is not None and not (is_integer(threads) and threads >= 1):
        raise ParameterError(f"threads={threads!r} must be None or an integer >= 1")

    if isinstance(initial, list | tuple):  # nested lists of numbers, as numpy reads them
        initial = _array_from_lists(initial)
    initial = _xarray_initial(eq, initial)
    grid = initial.grid if isinstance(initial, Field) else _grid_for(eq, initial)
    eq.check_grid(grid)
    field = as_field(initial, grid, len(eq.fields), name="initial", hint=_fields_hint(eq))
    batch = int(field.data.shape[0])

    dev = resolve_device(device)
    real = resolve_dtype(dtype, dev)
    itemsize = 4 if real == torch.float32 else 8
    state_bytes = batch * field.channels * grid.size * itemsize
    working = state_bytes * _WORKSPACE_COPIES + state_bytes // batch * _COEFFICIENT_COPIES
    fix = "use a coarser grid, a smaller batch or a larger save_every"
    if dev.type == "cpu":  # the working memory and the saved frames share the same RAM
        what = f"the solver's working memory and the {n_frames} saved frames"
        check_memory(working + state_bytes * n_frames, dev, what, fix)
    else:
        check_memory(working, dev, "the solver's working memory", fix)
        check_memory(state_bytes * n_frames, torch.device("cpu"), "the saved frames", fix)

    u0 = field.data.to(device=dev, dtype=real)
    bad = ~torch.isfinite(u0)
    if bool(bad.any()):
        first = [int(i) for i in bad.nonzero()[0]]
        where = ", ".join(f"{dim}={i}" for dim, i in zip(grid.dims, first[2:], strict=True))
        sample = f", batch={first[0]}" if field.batched else ""
        raise InputError(
            f"initial has {int(bad.sum()):,} NaN or inf value(s), the first in "
            f"{eq.fields[first[1]]} at index {where}{sample}; give finite values (fill gaps, "
            "e.g. with interpolation or np.nan_to_num)"
        )
    ops = grid.spectral(dev, real)
    stepper = make_stepper(method, eq, ops)
    runner = StepRunner(stepper, ops)  # replays a CUDA graph of the step on a GPU
    adaptive = (eq.adaptive and dt is None) if adaptive is None else bool(adaptive)
    peak0 = float(u0.abs().max())
    bound = max_value if max_value is not None else 1e6 * max(1.0, peak0)

    # -- integrate -------------------------------------------------------------------------------
    times = np.minimum(np.arange(n_frames, dtype=np.float64) * interval, t_end)
    times[-1] = t_end
    # the saved frames, written in place: a list of frames stacked at the end would hold them
    # twice at once (the memory check above counts them once)
    frames = np.empty((batch, n_frames, field.channels, *grid.shape),
                      dtype=np.float32 if real == torch.float32 else np.float64)  # fmt: skip
    frames[:, 0] = u0.detach().cpu().numpy()
    saved = 1
    stop = _emit(callback, eq, float(times[0]), frames[:, 0], field.batched)
    v = ops.rfft(u0)
    u = u0
    steps = 0
    h = math.nan
    ramp = 1  # steps before the next look at the state (adaptive runs)
    last_peak = float(u0.abs().max())  # max |u| at the last look
    target = dt if dt is not None else _cfl_dt(u0, cfl, stepper)
    safe = _cfl_dt(u0, cfl, stepper)  # the CFL step of the last finite state seen
    bar = tqdm(total=t_end, disable=not progress, unit="t", desc=type(eq).__name__, leave=False)
    saved_threads = torch.get_num_threads()
    if dev.type == "cpu":
        if threads is not None:
            torch.set_num_threads(int(threads))
        elif batch * field.channels * grid.size <= SINGLE_THREAD_UP_TO:
            torch.set_num_threads(1)
    try:
        for i in range(1, 1 if stop else n_frames):
            span = float(times[i] - times[i - 1])
            if adaptive and i > 1:
                target = safe
            substeps = max(1, math.ceil(span / target - 1e-9))
            kept = max(1, round(span / h)) if adaptive and i > 1 else 0
            if substeps < kept <= 2 * substeps:
                # keep the previous, smaller step (and its cached ETDRK4 coefficients) while it is
                # at most twice smaller than the CFL step: fewer coefficient recomputations
                substeps = kept
            if span / substeps != h:
                ramp = 1
            h = span / substeps
            stepper.prepare(h)
            done, elapsed = 0, 0.0
            while done < substeps:
                # Adaptive runs look at the state within a saved interval too, after 1, 2, 4 ...
                # steps of a new step size, then every ADAPT_EVERY steps: a flow that speeds up
                # (forcing from rest, an instability) gets a smaller step before it breaks, and
                # a stiff start that relaxes gets a larger one.
                block = min(substeps - done, ramp if adaptive else _CHECK_EVERY)
                ramp = min(2 * ramp, ADAPT_EVERY)
                v = runner.run(v, block)
                steps += block
                done += block
                elapsed += block * h
                if not bool(torch.isfinite(v).all()):
                    t_now = float(times[i - 1]) + elapsed
                    raise _diverged(eq, t_now, steps, h, "is not finite (NaN or inf)", dt, safe,
                                    since=t_now - block * h)  # fmt: skip
                if adaptive and done < substeps:
                    u = ops.irfft(v)
                    safe = _cfl_dt(u, cfl, stepper)
                    peak_now = float(u.abs().max())
                    ramp = min(ramp, _steps_to_doubling(last_peak, peak_now, block))
                    last_peak = peak_now
                    if h > _OVERSHOOT * safe or h < safe / 4:
                        left = span - elapsed
                        renewed = max(1, math.ceil(left / safe - 1e-9))
                        h = left / renewed
                        substeps = done + renewed
                        stepper.prepare(h)
                        ramp = 1
            u = ops.irfft(v)
            peak = float(u.abs().max())
            if not math.isfinite(peak):
                raise _diverged(
                    eq, float(times[i]), steps, h, "is not finite (NaN or inf)", dt, safe
                )
            if peak > bound:
                raise _diverged(
                    eq, float(times[i]), steps, h, f"reached {peak:.3g}, past {bound:.3g} "
                    + ("(max_value=: raise it if the solution may grow this large)"
                       if max_value is not None
                       else "(10⁶ × the initial maximum: pass max_value= if growth is expected)"),
                    dt, safe,
                )  # fmt: skip
            safe = _cfl_dt(u, cfl, stepper)
            ramp = min(ramp, _steps_to_doubling(last_peak, peak, block))
            last_peak = peak
            frame = frames[:, i]
            frame[...] = u.detach().cpu().numpy()
            saved += 1
            bar.update(span)
            if _emit(callback, eq, float(times[i]), frame, field.batched):
                break
    finally:
        bar.close()
        torch.set_num_threads(saved_threads)
    times = times[:saved]
    if saved < n_frames:
        log.info("%s: the callback stopped the run at t=%g", type(eq).__name__, times[-1])
    log.info("%s: %d steps to t=%g on %s", type(eq).__name__, steps, times[-1], dev)
    return _dataset(
        eq, grid, times, frames[:, :saved], field.batched, stepper.name, h, steps, dev, real
    )


def _positive_time(name: str, value: object) -> float:
    if isinstance(value, bool):
        raise ParameterError(f"{name}={value!r} must be a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise ParameterError(f"{name}={value!r} is not a number") from err
    if not (number > 0 and math.isfinite(number)):
        raise ParameterError(f"{name}={value!r} must be positive and finite")
    return number


def _fields_hint(eq: Equation) -> str:
    """How to give ``eq`` its initial fields, for the message of a wrong number of them."""
    count, names = len(eq.fields), ", ".join(eq.fields)
    shapes = (
        f"stack them on axis 1, shape ({count}, *grid) or (batch, {count}, *grid)"
        if count > 1
        else "give shape (*grid), (batch, *grid) or (batch, 1, *grid)"
    )
    return f"{type(eq).__name__} evolves {names}: {shapes}, or use {eq.example_initial}"


def _array_from_lists(initial: list[Any] | tuple[Any, ...]) -> np.ndarray:
    import numpy as np

    try:
        values = np.asarray(initial, dtype=float)
    except (TypeError, ValueError) as err:
        raise InputError(
            f"initial is a {type(initial).__name__} that is not a rectangular array of numbers "
            f"({err}); give a Field from pde.initial or an array on the grid"
        ) from err
    return values


def _grid_for(eq: Equation, initial: Any) -> PeriodicGrid:
    shape = tuple(getattr(initial, "shape", ()))
    if not shape:
        raise InputError(
            f"initial of type {type(initial).__name__} has no shape; give a Field from "
            "pde.initial or an array on the grid"
        )
    if 0 in shape:
        raise InputError(f"initial is empty (shape {shape}); give values on a grid")
    dims = eq.ndim or _named_space_dims(initial) or eq.default_ndim
    if eq.ndim is None and len(shape) < dims and len(shape) in eq.dims_allowed:
        dims = len(shape)  # e.g. a 1D array for the heat equation: a 1D field, nothing else
    space = shape[-dims:]
    if len(space) < dims:
        axes = ", ".join(f"n{dim}" for dim in DIMS[dims])
        raise InputError(
            f"initial has shape {shape}, too few axes for a {dims}D {type(eq).__name__}; give "
            f"an array of shape ({axes}) or (batch, {axes})"
        )
    lengths = lengths_from_coords(initial, dims, "initial")
    grid = eq.grid(tuple(int(n) for n in space))
    if lengths is None:
        return grid
    return PeriodicGrid(grid.shape, tuple(
        given if given is not None else default
        for given, default in zip(lengths, grid.lengths, strict=True)
    ))  # fmt: skip


#: Dim names of the fields of an xarray ``initial`` (what :func:`solve` stacks a Dataset on, and
#: what ``Dataset.to_array()`` calls it).
_FIELD_DIMS = ("field", "variable")


def _xarray_initial(eq: Equation, initial: Any) -> Any:
    """An xarray ``initial`` laid out as :func:`solve` reads arrays: a Dataset (a frame of an
    earlier result, ``ds.isel(t=-1)``) becomes its fields stacked on a ``field`` dim; a
    ``field`` or ``variable`` dim (``Dataset.to_array()``) moves right before the space dims,
    its labelled fields in the equation's order; the dims named ``z, y, x`` move last in that
    order (a transposed frame is not read with its axes swapped). Other data is returned as it
    is.

    Raises
    ------
    InputError
        For a Dataset without the equation's fields, a DataArray with a time dim ``t`` (a whole
        run, not a state), other fields than the equation's on its ``field``/``variable`` dim,
        or more space dims named ``z, y, x`` than the equation has.
    """
    kind = type(eq).__name__
    if hasattr(initial, "data_vars"):  # an xarray.Dataset
        names = [str(name) for name in initial.data_vars]
        missing = [name for name in eq.fields if name not in names]
        if missing:
            raise InputError(
                f"initial is a Dataset with the variables {names} but {kind} evolves "
                f"{', '.join(eq.fields)} (missing: {', '.join(missing)}); give a Dataset with "
                "those variables, e.g. a frame of a result of this equation, ds.isel(t=-1)"
            )
        fields = list(eq.fields)
        initial = initial[fields[0]] if len(fields) == 1 else initial[fields].to_array("field")
    if not (hasattr(initial, "dims") and hasattr(initial, "coords")):
        return initial
    dims = tuple(str(dim) for dim in initial.dims)
    if "t" in dims:
        raise InputError(
            f"initial has dims {dims}, with the time dim 't' ({initial.sizes['t']} frames): a "
            "whole run is not an initial state; pick one frame, e.g. "
            f"ds[{eq.fields[0]!r}].isel(t=-1) (or ds.isel(t=-1) for all fields)"
        )
    space = [dim for dim in ("z", "y", "x") if dim in dims]
    if eq.ndim is not None and len(space) > eq.ndim:
        raise InputError(
            f"initial has the space dims {tuple(space)} but {kind} is {eq.ndim}D (dims "
            f"{DIMS[eq.ndim]}); give a {eq.ndim}D field, e.g. initial.isel("
            f"{', '.join(f'{dim}=0' for dim in space[: len(space) - eq.ndim])}), or use an "
            "equation of the field's dimension"
        )
    # the fields' dim: "field" as a Dataset is stacked here, "variable" as xarray's to_array()
    # names it; it goes right before the space dims, its labels in the equation's order
    channel = [dim for dim in _FIELD_DIMS if dim in dims][:1]
    labels = (
        list(initial.coords[channel[0]].values) if channel and channel[0] in initial.coords else []
    )
    if labels and all(isinstance(label, str) for label in labels):  # named fields
        if sorted(labels) != sorted(eq.fields):
            raise InputError(
                f"initial's {channel[0]!r} dim holds {labels} but {kind} evolves "
                f"{', '.join(eq.fields)}; give those fields"
            )
        initial = initial.sel({channel[0]: list(eq.fields)})
    if channel and len(eq.fields) == 1 and initial.sizes[channel[0]] == 1:
        initial = initial.isel({channel[0]: 0}, drop=True)  # not a batch of one
        dims = tuple(str(dim) for dim in initial.dims)
        channel = []
    others = [dim for dim in dims if dim not in space and dim not in channel]
    order = [*others, *channel, *space]
    return initial.transpose(*order) if tuple(order) != dims else initial


def _named_space_dims(initial: Any) -> int:
    """How many trailing dims of an xarray ``initial`` are named like space axes (``z, y, x``
    in order, as :func:`solve` writes them); 0 for other data."""
    names = tuple(str(dim) for dim in getattr(initial, "dims", ()))
    for count in (3, 2, 1):
        if names[-count:] == ("z", "y", "x")[-count:]:
            return count
    return 0


def _steps_to_doubling(before: float, after: float, steps: int) -> int:
    """Steps until ``max |u|`` doubles if it keeps growing as it did from ``before`` to
    ``after`` over ``steps`` steps (at least 1; ``ADAPT_EVERY`` if it did not grow). An adaptive
    run looks at the state again within that many steps: the CFL step of a small, exponentially
    growing perturbation (an instability) says nothing about the state it saturates into."""
    if after <= before:
        return ADAPT_EVERY
    if before <= 0.0:
        return 1
    return max(1, min(ADAPT_EVERY, int(steps * math.log(2.0) / math.log(after / before))))


def _cfl_dt(u: torch.Tensor, cfl: float, stepper: Stepper) -> float:
    rate = stepper.rate(u)
    return cfl / rate if rate > 0 else math.inf


def _diverged(
    eq: Equation,
    t: float,
    step: int,
    h: float,
    what: str,
    dt: float | None,
    safe: float,
    since: float | None = None,
) -> SolverDivergedError:
    """The error for a blow-up found at ``t`` (the state was last seen finite at ``since``); it
    suggests the smaller of a quarter of the step that failed and the CFL step of the last
    finite state (``safe``), which includes the stability bound of an explicit stepper."""
    fields = "/".join(eq.fields)
    suggestion = min(h / 4, safe)
    how = "pass dt=" if dt is not None else "pass dt= (or a smaller cfl=), e.g. dt="
    # the state is looked at every few steps, so the blow-up happened in between
    when = (
        f"between t={since:.6g} and t={t:.6g}"
        if since is not None and since < t
        else f"at t={t:.6g}"
    )
    return SolverDivergedError(
        f"{type(eq).__name__} diverged {when} (found at step {step}, dt={h:.3g}): {fields} {what}. "
        f"Try a smaller time step: {how}{suggestion:.3g}; if that fails, use a finer grid or "
        "more viscosity/diffusion"
    )


def _emit(callback: Callback | None, eq: Equation, t: float, frame: Any, batched: bool) -> bool:
    """Call ``callback`` with a copy of the frame; whether it asked to stop (returned False)."""
    if callback is None:
        return False
    # copies: a callback that edits its arrays in place must not change the saved frames (or,
    # at t = 0, the caller's initial field, which the first frame may share memory with)
    values = {
        name: (frame[:, c] if batched else frame[0, c]).copy() for c, name in enumerate(eq.fields)
    }
    return callback(t, values) is False


def _dataset(
    eq: Equation,
    grid: PeriodicGrid,
    times: np.ndarray,
    frames: np.ndarray,
    batched: bool,
    method: str,
    h: float,
    steps: int,
    dev: torch.device,
    real: torch.dtype,
) -> xr.Dataset:
    import numpy as np
    import torch
    import xarray as xr

    from ai4s_lab import __version__

    dims = ("batch", "t", *grid.dims) if batched else ("t", *grid.dims)
    data_vars = {}
    for c, name in enumerate(eq.fields):
        values = frames[:, :, c] if batched else frames[0, :, c]  # frames: (batch, t, C, *grid)
        data_vars[name] = (dims, values, {"long_name": name})
    coords: dict[str, Any] = {"t": ("t", times, {"long_name": "time"})}
    for (name, values), length in zip(grid.coords().items(), grid.lengths, strict=True):
        # ``period``: the domain length along the axis (the grid is periodic)
        coords[name] = (name, values, {"long_name": name, "units": "1", "period": length})
    if batched:
        coords["batch"] = ("batch", np.arange(frames.shape[0]))
    params = eq.parameters()
    attrs: dict[str, Any] = {
        "equation": type(eq).__name__,
        "equation_name": eq.name,
        "parameters": json.dumps(params, sort_keys=True),
        "method": method,
        "dt": float(h),
        "steps": int(steps),
        "device": str(dev),
        "dtype": str(real).replace("torch.", ""),
        "ai4s_lab_version": __version__,
        "torch_version": str(torch.__version__),
    }
    for key, value in params.items():
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            attrs[f"param_{key}"] = value
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)
