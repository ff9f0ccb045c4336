"""ComparisonView: truth, prediction and error fields side by side with one time slider.

Built on :class:`~ai4s_lab.widgets.FieldView`: three views (the error with a symmetric colour
range) whose ``index`` traits are linked to one ``ipywidgets.IntSlider``, so scrubbing moves all
three. Truth and prediction share one colour range (their finite minimum to maximum: NaN and
±inf are drawn gray, not counted). The view computes only the difference.

Inputs are read as :class:`~ai4s_lab.widgets.FieldView` reads them, so DataArrays keep their
coordinates (axes, dates) and are read one frame at a time when shown: a dask-backed or lazily
opened file is not loaded whole, and the error is computed frame by frame. Two DataArrays must
be on the same grid and times; an array compared with a DataArray takes the DataArray's dims and
coordinates (it must be stored in the same dim order), so that both are oriented alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError
from ai4s_lab.widgets._field_data import FieldData, Frames, on_grid_of, read_field

__all__ = ["ComparisonView"]

#: Coordinates of truth and prediction agree where they differ by less than this fraction of a
#: grid step (or of the mean time step).
GRID_RTOL = 1e-3


def _is_data_array(data: Any) -> bool:
    return (hasattr(data, "dims") and hasattr(data, "coords")) or hasattr(data, "data_vars")


def _as_data_array(data: Any) -> Any:
    """The DataArray of a DataArray or a one-variable Dataset."""
    if hasattr(data, "data_vars") and len(data.data_vars) == 1:
        return data[next(iter(data.data_vars))]
    return data


def _on_grid(array: Any, name: str, data: Any, other: str) -> Any:
    """``array`` (NumPy, torch) given the dims and coordinates of the DataArray ``data``, so
    that both are transposed and flipped alike (a north-to-south ``lat`` flips both)."""
    data = _as_data_array(data)
    shape = tuple(getattr(array, "shape", np.shape(array)))
    if shape != tuple(data.shape):
        raise InputError(
            f"ComparisonView: {name} is an array of shape {shape} and {other} a DataArray of "
            f"dims {dict(data.sizes)}; give {name} in the same dim order {tuple(data.dims)}, "
            f"or as a DataArray with those dims"
        )
    return on_grid_of(array, data)


def _read(data: Any, name: str) -> FieldData:
    """``data`` read as :class:`~ai4s_lab.widgets.FieldView` reads it (not loaded)."""
    try:
        field = read_field(data)
    except InputError as err:
        raise InputError(
            f"ComparisonView: {name}: {err} (select one sample and channel first)"
        ) from err
    if field.frames.frame_shape[0] != 1:
        raise InputError(
            f"ComparisonView: {name} has {field.frames.frame_shape[0]} vertical slices "
            f"{field.frames.shape}; give (y, x) or (t, y, x) (select one level first)"
        )
    return field


def _check_grids(truth: FieldData, prediction: FieldData, data: tuple[Any, Any]) -> None:
    """Refuse DataArrays whose image or time coordinates differ (both must have them)."""
    a, b = (_as_data_array(d) for d in data)
    pairs = zip(truth.axis_names, prediction.axis_names, strict=True)
    for key, dims in zip(("y", "x"), pairs, strict=True):
        if not all(dim in array.coords for dim, array in zip(dims, (a, b), strict=True)):
            continue
        here, there = truth.coords[key], prediction.coords[key]
        step = abs(float(here[1] - here[0])) if len(here) > 1 else 1.0
        if not np.allclose(here, there, rtol=0.0, atol=GRID_RTOL * step):
            raise InputError(
                f"ComparisonView: truth {dims[0]!r} runs from {here[0]:g} to {here[-1]:g}, "
                f"prediction {dims[1]!r} from {there[0]:g} to {there[-1]:g}; compare fields on "
                f"the same grid, e.g. prediction.interp_like(truth)"
            )
    if truth.time_name in a.coords and prediction.time_name in b.coords:
        _check_times(truth, prediction)


def _check_times(truth: FieldData, prediction: FieldData) -> None:
    t, p = np.asarray(truth.times), np.asarray(prediction.times)
    dated = (truth.time_origin is None, prediction.time_origin is None)
    if dated[0] != dated[1] or len(t) != len(p):
        same = False
    else:
        if truth.time_origin is not None and prediction.time_origin is not None:
            p = p + (prediction.time_origin - truth.time_origin) / np.timedelta64(1, "s")
        step = float(np.abs(np.diff(t)).mean()) if len(t) > 1 else 1.0
        same = bool(np.allclose(t, p, rtol=0.0, atol=GRID_RTOL * (step or 1.0)))
    if not same:
        first, second, name = _time_text(truth), _time_text(prediction), truth.time_name
        raise InputError(
            f"ComparisonView: truth times {first} and prediction times {second} differ; "
            f"compare the same times, e.g. prediction.sel({name}=truth.{name})"
        )


def _time_text(field: FieldData) -> str:
    if field.time_labels:
        return f"[{field.time_labels[0]} ... {field.time_labels[-1]}]"
    return f"[{field.times[0]:g} ... {field.times[-1]:g}]"


def _error_field(truth: FieldData, prediction: FieldData) -> FieldData:
    """``prediction - truth`` frame by frame, computed when shown; a truth of one frame is
    subtracted from every frame of the prediction."""
    a, b = truth.frames, prediction.frames
    steady = len(a) == 1

    def load(index: int) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # inf - inf is NaN, drawn gray
            return b[index] - a[0 if steady else index]

    return FieldData(
        frames=Frames(computed=(len(b), b.frame_shape, load)),
        times=prediction.times,
        time_labels=prediction.time_labels,
        time_name=prediction.time_name,
        coords=prediction.coords,
        axis_names=prediction.axis_names,
        name="prediction − truth",
        units=prediction.units or truth.units,
        time_origin=prediction.time_origin,
    )


def _time_labels(times: Any, count: int) -> tuple[list[Any], list[str]]:
    """The times of ``count`` frames (floats where they are numbers) and their labels."""
    raw = np.asarray(getattr(times, "values", times))
    if raw.ndim != 1 or len(raw) != count:
        raise InputError(
            f"ComparisonView: times has shape {raw.shape} for {count} frames; give one time "
            "a frame, e.g. times=ds.t, or leave it out to number the frames"
        )
    if np.issubdtype(raw.dtype, np.datetime64):
        return raw.tolist(), [f"t = {text}" for text in np.datetime_as_string(raw, unit="auto")]
    if np.issubdtype(raw.dtype, np.number) and not np.iscomplexobj(raw):
        values = [float(t) for t in raw]
        return values, [f"t = {t:g}" for t in values]
    return raw.tolist(), [f"t = {t}" for t in raw.tolist()]


def _read_pair(truth: Any, prediction: Any) -> tuple[FieldData, FieldData]:
    """Truth and prediction read on one grid: an array takes the other's DataArray grid."""
    if _is_data_array(truth) and not _is_data_array(prediction):
        prediction = _on_grid(prediction, "prediction", truth, "truth")
    elif _is_data_array(prediction) and not _is_data_array(truth):
        truth = _on_grid(truth, "truth", prediction, "prediction")
    a, b = _read(truth, "truth"), _read(prediction, "prediction")
    steady = len(a.frames) == 1
    if a.frames.frame_shape != b.frames.frame_shape or not (
        steady or len(a.frames) == len(b.frames)
    ):
        raise InputError(
            f"ComparisonView: truth {_shape(a)} and prediction {_shape(b)} differ; compare "
            "fields on the same grid and times (a truth of one frame is compared with every "
            "frame of the prediction)"
        )
    if _is_data_array(truth) and _is_data_array(prediction):
        _check_grids(a, b, (truth, prediction))
    return a, b


def _shape(field: FieldData) -> tuple[int, ...]:
    """``(t, y, x)`` of a field."""
    count, (_, ny, nx) = len(field.frames), field.frames.frame_shape
    return (count, ny, nx)


class ComparisonView:
    """Truth / prediction / error of a surrogate, with a shared time slider.

    Parameters
    ----------
    truth, prediction
        Fields ``(y, x)`` or ``(t, y, x)`` on the same grid and times: NumPy arrays, torch
        tensors or xarray DataArrays (read as :class:`~ai4s_lab.widgets.FieldView` reads them,
        one frame at a time). A truth of one frame (a steady state) is compared with every
        frame of the prediction. Two DataArrays must have the same image coordinates and, where
        both have one, the same time coordinate; an array compared with a DataArray takes its
        dims and coordinates (give it in the DataArray's dim order).
    times
        Optional times of the frames, one a frame (numbers or datetimes): the slider's
        description shows the time of the frame shown (``t = 0.5``).

    Attributes
    ----------
    truth, prediction, error
        The ``(t, y, x)`` frames as NumPy arrays, loaded whole when read (``error`` is
        ``prediction - truth``; a one-frame truth has one frame).

    Raises
    ------
    InputError
        If the shapes, grids or times differ or are not 2D/3D, if ``times`` does not have one
        entry a frame, or if truth and prediction hold no finite value at all.
    """

    def __init__(self, truth: Any, prediction: Any, *, times: Any = None) -> None:
        widgets = import_optional("ipywidgets", purpose="the ComparisonView")
        from ai4s_lab.widgets.field_view import FieldView, colour_range, finite_range

        a, b = _read_pair(truth, prediction)
        count = len(b.frames)
        if times is None:
            self.times: list[Any] | None = None
            self.time_labels = [f"frame {i}" for i in range(count)]
        else:
            self.times, self.time_labels = _time_labels(times, count)
        ranges = [r for r in (a.frames.finite_range(), b.frames.finite_range()) if r is not None]
        limits = finite_range([np.asarray(ranges, dtype=np.float64)]) if ranges else None
        if limits is None:
            raise InputError(
                f"ComparisonView: truth and prediction {_shape(b)} hold no finite value (all NaN "
                "or inf); check the data or the model's output"
            )
        low, high = colour_range(*limits)
        self._fields = (a, b, _error_field(a, b))
        fixed: dict[str, Any] = {"range_mode": "fixed", "vmin": low, "vmax": high, "height": 260}
        self.views = [
            FieldView(a, colormap="viridis", **fixed),
            FieldView(b, colormap="viridis", **fixed),
            FieldView(self._fields[2], colormap="RdBu_r", range_mode="symmetric", height=260),
        ]
        self.slider = widgets.IntSlider(
            value=0,
            min=0,
            max=count - 1,
            description=self.time_labels[0] if self.times is not None else "frame",
            continuous_update=True,
            style={"description_width": "initial"},
        )
        if self.times is not None:
            self.slider.observe(self._show_time, "value")
        # a one-frame truth stays on its frame: a two-way link would pull the slider back to 0
        self.links = [
            widgets.link((self.slider, "value"), (v, "index"))
            for v in self.views
            if v.n_frames == count
        ]
        titles = ("truth", "prediction", "prediction − truth")
        columns = [
            widgets.VBox([widgets.HTML(f"<b>{t}</b>"), v])
            for t, v in zip(titles, self.views, strict=True)
        ]
        self.widget = widgets.VBox([self.slider, widgets.HBox(columns)])

    @property
    def truth(self) -> np.ndarray:
        return self._fields[0].values[:, 0]

    @property
    def prediction(self) -> np.ndarray:
        return self._fields[1].values[:, 0]

    @property
    def error(self) -> np.ndarray:
        return self._fields[2].values[:, 0]

    def _show_time(self, change: Any) -> None:
        self.slider.description = self.time_labels[int(change["new"])]

    @property
    def index(self) -> int:
        return int(self.slider.value)

    @index.setter
    def index(self, value: int) -> None:
        self.slider.value = int(value)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
