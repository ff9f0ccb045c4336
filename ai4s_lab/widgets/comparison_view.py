"""ComparisonView: truth, prediction and error fields side by side with one time slider.

Built on :class:`~ai4s_lab.widgets.FieldView`: three views (the error with a symmetric colour
range) whose ``index`` traits are linked to one ``ipywidgets.IntSlider``, so scrubbing moves all
three. Truth and prediction share one colour range (their finite minimum to maximum: NaN and
±inf are drawn gray, not counted). The view computes only the difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError

__all__ = ["ComparisonView"]


def _frames(data: Any, name: str) -> np.ndarray:
    """``data`` as ``(t, y, x)`` frames, read as :class:`~ai4s_lab.widgets.FieldView` reads it
    (DataArray dims by name, descending coordinates flipped; float32 stays float32)."""
    from ai4s_lab.widgets._field_data import read_field

    try:
        values = read_field(data).values
    except InputError as err:
        raise InputError(
            f"ComparisonView: {name}: {err} (select one sample and channel first)"
        ) from err
    if values.shape[1] != 1:
        raise InputError(
            f"ComparisonView: {name} has {values.shape[1]} vertical slices "
            f"{values.shape}; give (y, x) or (t, y, x) (select one level first)"
        )
    return values[:, 0]


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


class ComparisonView:
    """Truth / prediction / error of a surrogate, with a shared time slider.

    Parameters
    ----------
    truth, prediction
        Arrays or tensors ``(y, x)`` or ``(t, y, x)`` of the same shape.
    times
        Optional times of the frames, one a frame (numbers or datetimes): the slider's
        description shows the time of the frame shown (``t = 0.5``).

    Raises
    ------
    InputError
        If the shapes differ or are not 2D/3D, if ``times`` does not have one entry a frame,
        or if truth and prediction hold no finite value at all.
    """

    def __init__(self, truth: Any, prediction: Any, *, times: Any = None) -> None:
        widgets = import_optional("ipywidgets", purpose="the ComparisonView")
        from ai4s_lab.widgets.field_view import FieldView, colour_range, finite_range

        a, b = _frames(truth, "truth"), _frames(prediction, "prediction")
        if a.shape != b.shape:
            raise InputError(
                f"ComparisonView: truth {a.shape} and prediction {b.shape} differ; compare "
                "fields on the same grid and times"
            )
        if times is None:
            self.times: list[Any] | None = None
            self.time_labels = [f"frame {i}" for i in range(a.shape[0])]
        else:
            self.times, self.time_labels = _time_labels(times, a.shape[0])
        limits = finite_range([a, b])
        if limits is None:
            raise InputError(
                f"ComparisonView: truth and prediction {a.shape} hold no finite value (all NaN "
                "or inf); check the data or the model's output"
            )
        low, high = colour_range(*limits)
        with np.errstate(invalid="ignore"):  # inf - inf is NaN, drawn gray
            self.truth, self.prediction, self.error = a, b, b - a
        fixed: dict[str, Any] = {"range_mode": "fixed", "vmin": low, "vmax": high, "height": 260}
        self.views = [
            FieldView(a, colormap="viridis", **fixed),
            FieldView(b, colormap="viridis", **fixed),
            FieldView(self.error, colormap="RdBu_r", range_mode="symmetric", height=260),
        ]
        self.slider = widgets.IntSlider(
            value=0,
            min=0,
            max=a.shape[0] - 1,
            description=self.time_labels[0] if self.times is not None else "frame",
            continuous_update=True,
            style={"description_width": "initial"},
        )
        if self.times is not None:
            self.slider.observe(self._show_time, "value")
        self.links = [widgets.link((self.slider, "value"), (v, "index")) for v in self.views]
        titles = ("truth", "prediction", "prediction − truth")
        columns = [
            widgets.VBox([widgets.HTML(f"<b>{t}</b>"), v])
            for t, v in zip(titles, self.views, strict=True)
        ]
        self.widget = widgets.VBox([self.slider, widgets.HBox(columns)])

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
