"""Turn what a user hands to :class:`~ai4s_lab.widgets.FieldView` into (t, z, y, x) frames.

Accepted: NumPy and torch arrays ``(y, x)`` / ``(t, y, x)``, and xarray DataArrays (or a Dataset
holding one variable) of 2 to 4 dims. A DataArray's dims are read by name first: a time-like dim
(``time``, ``t``, ``date``, ``step``, ``valid_time``... or any datetime/timedelta coordinate) is
played on the slider, a vertical one (``z``, ``depth``, ``level``...) is sliced, ``y``/``lat*``
and ``x``/``lon*`` are the image axes, in whatever order they are stored. Size-1 dims with none
of these names (``member``, a channel) are dropped. Dims without a name left are read by
position: the last two are the image axes, a leading one is time (a second one, vertical). Where
the names and the positions disagree (an unnamed dim after the image axes), the field is refused
with the ``.transpose(...)`` that fixes it. Image axes with descending
coordinates (latitude from north to south) are flipped so that y grows upwards. Image axes
must be evenly spaced (the view draws equal cells); an uneven axis is refused with the
interpolation that fixes it.

A DataArray is not loaded here: its frames are read one at a time when shown (:class:`Frames`),
so a dask-backed or lazily opened NetCDF file of many GB costs one frame of memory. NumPy and
torch input is in memory already and is held as it is (float32 and float64 without a copy).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ai4s_lab.errors import InputError
from ai4s_lab.widgets._arrays import to_numpy

#: Leading dims with these names (case-insensitive) are shown as slices, not as frames.
VERTICAL_DIMS = frozenset({"z", "depth", "level", "lev", "height", "altitude", "plev", "pressure"})
#: Dims with these names (case-insensitive), or with datetime/timedelta coordinates, are time.
TIME_DIMS = frozenset({"t", "time", "date", "datetime", "step", "valid_time"})
#: An image axis is evenly spaced when every step is within this fraction of the mean step (a
#: ten-thousandth of a cell cannot be seen, and covers float32 grids converted to float64) ...
UNIFORM_RTOL = 1e-4
#: ... plus this many roundings (in the coordinate's own dtype) of the largest coordinate, so
#: that ``np.linspace`` grids in float32 (or float16) are evenly spaced.
UNIFORM_ULPS = 4


def finite_range(frames: Iterable[np.ndarray]) -> tuple[float, float] | None:
    """The smallest and largest finite value over ``frames`` (NaN and ±inf left out), or
    ``None`` where no value is finite."""
    low, high = math.inf, -math.inf
    for frame in frames:
        finite = np.isfinite(frame)
        if finite.any():
            low = min(low, float(np.min(frame, where=finite, initial=math.inf)))
            high = max(high, float(np.max(frame, where=finite, initial=-math.inf)))
    return (low, high) if low <= high else None


class Frames:
    """The ``(z, y, x)`` frames of a field, read on demand: ``len``, ``frames[i]`` (negative
    ``i`` counts from the end), iteration and :meth:`append`.

    Frames of an in-memory array are views of it. Frames of a DataArray (arranged to
    ``(t, z, y, x)`` order, not loaded) are loaded one at a time when asked for, flipped where
    the coordinates descend; the last one loaded is kept, so that showing, hovering and
    profiling one frame reads it once. Frames computed from others (``computed=(count, (z, y,
    x), load)``, e.g. the error of a prediction) are made by ``load(i)`` when asked for, and
    kept like loaded ones. Appended frames are held in memory.
    """

    def __init__(
        self,
        stored: np.ndarray | None = None,
        *,
        lazy: Any = None,
        time_dim: str | None = None,
        z_dim: str | None = None,
        flip: tuple[bool, bool] = (False, False),
        what: str = "",
        computed: tuple[int, tuple[int, int, int], Callable[[int], np.ndarray]] | None = None,
    ) -> None:
        if sum(source is not None for source in (stored, lazy, computed)) != 1:
            raise TypeError(
                "Frames needs one of a stored (t, z, y, x) array, a DataArray or a computation"
            )
        self._stored = stored
        self._lazy = lazy
        self._compute = computed[2] if computed is not None else None
        self._time_dim, self._z_dim, self._flip, self._what = time_dim, z_dim, flip, what
        if stored is not None:
            self._base, self.frame_shape = int(stored.shape[0]), tuple(stored.shape[1:])
        elif computed is not None:
            self._base, self.frame_shape = int(computed[0]), tuple(computed[1])
        else:
            sizes = lazy.sizes
            self._base = int(sizes[time_dim]) if time_dim is not None else 1
            depth = int(sizes[z_dim]) if z_dim is not None else 1
            self.frame_shape = (depth, int(lazy.shape[-2]), int(lazy.shape[-1]))
        self._appended: list[np.ndarray] = []
        self._last: tuple[int, np.ndarray] | None = None  # the lazy frame loaded last

    @property
    def shape(self) -> tuple[int, ...]:
        """``(t, z, y, x)``: the number of frames and the shape of each."""
        return (len(self), *self.frame_shape)

    @property
    def lazy(self) -> bool:
        """Whether the frames are read from a DataArray (or computed) when asked for, not held
        in memory."""
        return self._stored is None

    def __len__(self) -> int:
        return self._base + len(self._appended)

    def __getitem__(self, index: int) -> np.ndarray:
        count = len(self)
        if not -count <= index < count:
            raise IndexError(f"frame {index} of a field of {count} frames")
        index %= count
        if index >= self._base:
            return self._appended[index - self._base]
        if self._stored is not None:
            return self._stored[index]
        if self._last is None or self._last[0] != index:
            self._last = (index, self._load(index))
        return self._last[1]

    def __iter__(self) -> Iterator[np.ndarray]:
        for index in range(self._base):  # loaded one by one, past the one-frame cache
            yield self._stored[index] if self._stored is not None else self._load(index)
        yield from self._appended

    def append(self, frame: np.ndarray) -> None:
        """Add a ``(z, y, x)`` frame (held as it is: pass a copy where the caller may reuse it)."""
        if frame.shape != self.frame_shape:
            raise InputError(f"a frame of shape {frame.shape} in a field of {self.frame_shape}")
        self._appended.append(frame)

    def _load(self, index: int) -> np.ndarray:
        if self._compute is not None:
            return self._compute(index)
        part = self._lazy if self._time_dim is None else self._lazy.isel({self._time_dim: index})
        values = float_values(np.asarray(part.values), self._what)
        if self._z_dim is None:
            values = values[None]
        if self._flip[0]:
            values = values[:, ::-1]
        if self._flip[1]:
            values = values[:, :, ::-1]
        return values

    def to_array(self) -> np.ndarray:
        """All frames as one ``(t, z, y, x)`` array: the stored array itself where nothing was
        appended, else loaded (a DataArray whole) and copied; for in-memory use."""
        if self._stored is not None and not self._appended:
            return self._stored
        if self._lazy is not None and not self._appended:
            values = float_values(np.asarray(self._lazy.values), self._what)
            if self._time_dim is None:
                values = values[None]
            if self._z_dim is None:
                values = values[:, None]
            for axis, flipped in zip((-2, -1), self._flip, strict=True):
                if flipped:
                    values = np.flip(values, axis=axis)
            return np.ascontiguousarray(values)
        return np.stack(list(self))

    def finite_range(self) -> tuple[float, float] | None:
        """:func:`finite_range` of all frames without holding them: one dask reduction (min and
        max computed together, ±inf left out) for dask-backed data, else frame by frame."""
        if self._lazy is None or self._lazy.chunks is None or self._appended:
            return finite_range(self)
        import xarray as xr  # the data is a DataArray: xarray is there

        # one task a chunk, so that min and max read each chunk once between them
        finite = xr.apply_ufunc(
            _finite_or_nan,
            self._lazy,
            dask="parallelized",
            output_dtypes=[self._lazy.dtype if self._lazy.dtype.kind == "f" else np.float64],
        )
        with warnings.catch_warnings():  # all-NaN chunks: NaN is the answer, not a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            both = xr.Dataset(
                {"low": finite.min(skipna=True), "high": finite.max(skipna=True)}
            ).compute()
        low, high = float(both["low"]), float(both["high"])
        return (low, high) if low <= high else None


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    """``values`` with ±inf replaced by NaN (integers and booleans as float64)."""
    return np.where(np.isfinite(values), values, np.nan)


@dataclass
class FieldData:
    """Frames ``(t, z, y, x)`` (float32 data stays float32, other numbers become float64) and
    what describes them."""

    frames: Frames
    times: list[float]
    time_labels: list[str]
    time_name: str
    coords: dict[str, np.ndarray]
    axis_names: tuple[str, str]
    name: str
    units: str
    #: The first time of a datetime series (times are seconds since it), else ``None``.
    time_origin: np.datetime64 | None = None

    @property
    def values(self) -> np.ndarray:
        """All frames as one ``(t, z, y, x)`` array, for in-memory use: a DataArray is loaded
        whole (index :attr:`frames` to read one frame at a time)."""
        return self.frames.to_array()


def read_field(data: Any) -> FieldData:
    """Frames of ``data`` (see the module docstring); :class:`InputError` if it cannot be shown.
    A :class:`FieldData` (read already, or computed) is returned as it is."""
    if isinstance(data, FieldData):
        return data
    if hasattr(data, "data_vars"):
        data = _only_variable(data)
    if hasattr(data, "dims") and hasattr(data, "coords"):  # not hasattr "values": it loads
        field = _read_data_array(data)
    else:
        field = _read_array(data)
    if 0 in field.frames.shape:
        raise InputError(f"FieldView got an empty field (shape {field.frames.shape})")
    return field


def on_grid_of(component: Any, data: Any) -> Any:
    """A vector component placed on the grid of the field ``data``: an array (NumPy, torch) of
    the shape of ``data`` gets its dims and coordinates, a DataArray gets those coordinates it
    lacks, so that :func:`read_field` transposes and flips it exactly like the field. A field
    that is not a DataArray has no coordinates: the component is returned as it is."""
    if hasattr(data, "data_vars"):
        data = _only_variable(data)
    if not (hasattr(data, "dims") and hasattr(data, "coords")):
        return component
    if hasattr(component, "data_vars"):
        component = _only_variable(component)
    if hasattr(component, "dims") and hasattr(component, "coords"):
        missing = {
            dim: data[dim]
            for dim in data.dims
            if dim in data.coords and dim in component.dims and dim not in component.coords
        }
        if not missing:
            return component
        try:
            return component.assign_coords(missing)
        except ValueError as err:
            raise InputError(
                f"vectors with dims {dict(component.sizes)} do not fit the field's "
                f"{dict(data.sizes)}; give u and v on the field's grid"
            ) from err
    array = np.asarray(to_numpy(component))
    if array.shape != tuple(data.shape):
        raise InputError(
            f"vectors of shape {array.shape} do not match the field's {tuple(data.shape)} "
            f"(dims {tuple(data.dims)}); give u and v shaped like the field"
        )
    return data.copy(data=array)


def cell_bounds(axis: np.ndarray) -> tuple[float, float]:
    """Outer edges of the cells centred on the samples of a uniform axis: the first sample
    minus half a spacing and the last plus half (a single sample gets a unit cell)."""
    if len(axis) < 2:
        return float(axis[0]) - 0.5, float(axis[0]) + 0.5
    half = 0.5 * float(axis[-1] - axis[-2])
    return float(axis[0]) - half, float(axis[-1]) + half


def _only_variable(dataset: Any) -> Any:
    names = list(dataset.data_vars)
    if len(names) != 1:
        raise InputError(
            f"FieldView got a Dataset with variables {names}; pass one of them, "
            f"e.g. FieldView(ds[{names[0]!r}])"
            if names
            else "FieldView got a Dataset with no data variables"
        )
    return dataset[names[0]]


def float_values(raw: Any, what: str) -> np.ndarray:
    """``raw`` (NumPy or torch, on any device) as a float array, without a copy where it is
    float32 or float64 already: a 1024² × 1000-frame float32 series would take 8 GB as float64.
    Other numbers (integers, float16, booleans) become float64."""
    array = np.asarray(to_numpy(raw))
    if array.dtype in (np.float32, np.float64):
        return array
    if np.iscomplexobj(array):
        raise InputError(
            f"FieldView got complex values ({what}); show a real part: field.real, field.imag "
            "or abs(field)"
        )
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"FieldView got {what}, not an array of numbers") from err


def _read_array(data: Any) -> FieldData:
    values = float_values(data, type(data).__name__)
    if values.ndim not in (2, 3):
        raise InputError(
            f"FieldView got an array of shape {values.shape}; use (y, x) or (t, y, x), or an "
            "xarray.DataArray for 3D fields"
        )
    values = (values[None] if values.ndim == 2 else values)[:, None]
    ny, nx = values.shape[-2:]
    return FieldData(
        frames=Frames(values),
        times=[float(i) for i in range(values.shape[0])],
        time_labels=[],
        time_name="t",
        coords={"y": np.arange(ny, dtype=np.float64), "x": np.arange(nx, dtype=np.float64)},
        axis_names=("y", "x"),
        name="field",
        units="",
    )


def _role(data: Any, dim: str) -> str | None:
    """``"t"``, ``"z"``, ``"y"`` or ``"x"`` where the name (or the coordinate) of ``dim`` says
    which axis it is, ``None`` where only its position can tell."""
    lower = dim.lower()
    if lower in TIME_DIMS:
        return "t"
    if dim in data.coords:
        kind = np.asarray(data[dim].values).dtype
        if np.issubdtype(kind, np.datetime64) or np.issubdtype(kind, np.timedelta64):
            return "t"
    if lower in VERTICAL_DIMS:
        return "z"
    if lower == "y" or lower.startswith("lat"):
        return "y"
    if lower == "x" or lower.startswith("lon"):
        return "x"
    return None


def _arrange(data: Any, name: str) -> tuple[Any, str | None, str | None, str, str]:
    """``data`` squeezed and transposed to (time, vertical, y, x) order (the absent ones left
    out), with those dims (``None`` where absent); :class:`InputError` where the roles of the
    dims cannot be told."""
    dims = tuple(str(d) for d in data.dims)
    # a (sample, y, x) stack plays its samples on the slider; with time too, one must be chosen
    for sample_dim in ("batch", "sample"):
        if sample_dim in dims and (sample_dim == "batch" or len(dims) == 4):
            raise InputError(
                f"FieldView got dims {dims}; select one sample first, e.g. "
                f"ds[{name!r}].isel({sample_dim}=0)"
            )
    roles = {dim: _role(data, dim) for dim in dims}
    # size-1 dims without a role (an ensemble member, a channel) carry nothing to show
    spare = [d for d in dims if roles[d] is None and data.sizes[d] == 1]
    spare = spare[: max(0, len(dims) - 2)]
    if spare:
        data = data.squeeze(spare, drop=True)
        dims = tuple(d for d in dims if d not in spare)
    if len(dims) not in (2, 3, 4):
        raise InputError(
            f"FieldView got dims {dims}; use 2 to 4 dims: (y, x), (t, y, x), (z, y, x) or "
            "(t, z, y, x) (other names are read by position)"
        )
    chosen: dict[str, str] = {}
    for dim in dims:
        role = roles[dim]
        if role is None:
            continue
        if role in chosen:
            raise InputError(
                f"FieldView got dims {dims}: both {chosen[role]!r} and {dim!r} are read as the "
                f"{_ROLE_NAMES[role]} axis; select one of them first, e.g. "
                f"ds[{name!r}].isel({dim}=0)"
            )
        chosen[role] = dim
    # the roles left, in (t, z, y, x) order: two image axes, time before vertical
    if len(dims) == 4:
        wanted = ["t", "z", "y", "x"]
    elif len(dims) == 3:
        wanted = ["z" if "z" in chosen and "t" not in chosen else "t", "y", "x"]
    else:
        wanted = ["y", "x"]
    free = [role for role in wanted if role not in chosen]
    unnamed = [d for d in dims if roles[d] is None]
    if len(free) != len(unnamed):  # a named role that a field of this many dims cannot hold
        raise InputError(
            f"FieldView got dims {dims}, read as {_described(roles)}; a field of {len(dims)} "
            f"dims is (y, x), (t, y, x), (z, y, x) or (t, z, y, x): rename or select dims first"
        )
    chosen.update(zip(free, unnamed, strict=True))
    order = tuple(chosen[role] for role in wanted)
    # an unnamed dim is time or vertical only where it comes before the image axes
    image = [dims.index(chosen["y"]), dims.index(chosen["x"])]
    for role in ("t", "z"):
        if role not in chosen:
            continue
        dim = chosen[role]
        if roles[dim] is None and dims.index(dim) > min(image):
            hint = ", ".join(repr(d) for d in order)
            raise InputError(
                f"FieldView cannot tell the roles of dims {dims}: {dim!r} comes after the image "
                f"axis {dims[min(image)]!r} and has no time or vertical name; put the dims in "
                f"(t, z, y, x) order, e.g. da.transpose({hint}), or select {dim!r} first"
            )
    if order != dims:
        data = data.transpose(*order)
    return data, chosen.get("t"), chosen.get("z"), chosen["y"], chosen["x"]


_ROLE_NAMES = {"t": "time", "z": "vertical", "y": "y (latitude)", "x": "x (longitude)"}


def _described(roles: dict[str, str | None]) -> str:
    return ", ".join(f"{dim}: {_ROLE_NAMES[r] if r else 'by position'}" for dim, r in roles.items())


def _read_data_array(data: Any) -> FieldData:
    data, time_dim, z_dim, y_dim, x_dim = _arrange(data, str(data.name or "vorticity"))
    dims = tuple(str(d) for d in data.dims)
    what = f"dims {dims}"
    kind = np.dtype(data.dtype)
    if kind.kind == "c":
        raise InputError(
            f"FieldView got complex values ({what}); show a real part: field.real, field.imag "
            "or abs(field)"
        )
    if kind.kind not in "fiub" and data.size:  # objects, strings: does the first frame convert?
        first = data.isel({time_dim: 0}) if time_dim is not None else data
        float_values(np.asarray(first.values), what)
    coords, flip = {}, []
    for key, dim in (("y", y_dim), ("x", x_dim)):
        axis_values = _axis(data, dim, int(data.sizes[dim]))
        descending = len(axis_values) > 1 and axis_values[-1] < axis_values[0]
        coords[key] = axis_values[::-1] if descending else axis_values
        flip.append(descending)
    count = int(data.sizes[time_dim]) if time_dim is not None else 1
    times, labels = _times(data, time_dim, count)
    origin = None
    if time_dim is not None and time_dim in data.coords:
        raw = np.asarray(data[time_dim].values)
        if np.issubdtype(raw.dtype, np.datetime64):
            origin = raw[0]
    frames = Frames(lazy=data, time_dim=time_dim, z_dim=z_dim, flip=(flip[0], flip[1]), what=what)
    return FieldData(
        frames=frames,
        times=times,
        time_labels=labels,
        time_name=time_dim or "t",
        coords=coords,
        axis_names=(y_dim, x_dim),
        name=str(data.name) if data.name is not None else "field",
        units=str(data.attrs.get("units", "")),
        time_origin=origin,
    )


def _axis(data: Any, dim: str, size: int) -> np.ndarray:
    """Numeric coordinates of ``dim``, or 0, 1, 2... where it has none (or none numeric);
    :class:`InputError` where they are not evenly spaced."""
    if dim in data.coords:
        raw = np.asarray(data[dim].values)
        if raw.ndim == 1 and np.issubdtype(raw.dtype, np.number) and np.isfinite(raw).all():
            _check_uniform(raw, dim)
            return raw.astype(np.float64)
    return np.arange(size, dtype=np.float64)


def _check_uniform(raw: np.ndarray, dim: str) -> None:
    """Refuse an image axis whose steps differ (beyond rounding): the view draws every sample
    as a cell of the same size, so ``x = [0, 1, 10, 100]`` would be shown at the wrong places."""
    if len(raw) < 2:
        return
    axis = raw.astype(np.float64)
    step = (axis[-1] - axis[0]) / (len(axis) - 1)
    eps = float(np.finfo(raw.dtype).eps) if np.issubdtype(raw.dtype, np.floating) else 0.0
    tolerance = UNIFORM_RTOL * abs(step) + UNIFORM_ULPS * eps * float(np.abs(axis).max())
    steps = np.diff(axis)
    if step != 0 and float(np.abs(steps - step).max()) <= tolerance:
        return
    first, last, n = f"{axis[0]:.6g}", f"{axis[-1]:.6g}", len(axis)
    shown = ", ".join(f"{v:.6g}" for v in axis[:5]) + (", ..." if n > 5 else "")
    if step == 0 and not steps.any():
        raise InputError(
            f"FieldView: the {dim!r} coordinate [{shown}] has the same value everywhere; give "
            f"each sample its own coordinate, e.g. da.assign_coords({dim}=np.arange({n}))"
        )
    raise InputError(
        f"FieldView: the {dim!r} coordinate [{shown}] is not evenly spaced (steps from "
        f"{steps.min():.6g} to {steps.max():.6g}); the view draws every sample as a cell of the "
        f"same size, so interpolate to a uniform grid first, e.g. "
        f"da.interp({dim}=np.linspace({first}, {last}, {n}))"
    )


def _times(data: Any, dim: str | None, count: int) -> tuple[list[float], list[str]]:
    """Frame times as numbers (for the slider) and, where they are not numbers, as labels."""
    if dim is None:
        return [0.0], []
    if dim not in data.coords:
        return [float(i) for i in range(count)], []
    raw = np.asarray(data[dim].values)
    if np.issubdtype(raw.dtype, np.datetime64):
        seconds = (raw - raw[0]) / np.timedelta64(1, "s")
        labels = [f"{dim} = {text}" for text in np.datetime_as_string(raw, unit="auto")]
        return [float(s) for s in seconds], labels
    if np.issubdtype(raw.dtype, np.timedelta64):
        return [float(s) for s in raw / np.timedelta64(1, "s")], []
    if np.issubdtype(raw.dtype, np.number):
        return [float(t) for t in raw], []
    return [float(i) for i in range(count)], [f"{dim} = {value}" for value in raw]
