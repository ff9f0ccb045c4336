"""ComparisonView: truth, prediction and error fields side by side with one time slider.

Built on :class:`~ai4s_lab.widgets.FieldView`: three views (the error with a symmetric colour
range) whose ``index`` traits are linked to one ``ipywidgets.IntSlider``, so scrubbing moves all
three. Truth and prediction share one colour range. The view computes only the difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError

__all__ = ["ComparisonView"]


def _frames(data: Any, name: str) -> np.ndarray:
    if hasattr(data, "detach"):
        data = data.detach().cpu().numpy()
    values = np.asarray(getattr(data, "values", data), dtype=np.float64)
    if values.ndim == 2:
        values = values[None]
    if values.ndim != 3 or values.size == 0:
        raise InputError(
            f"ComparisonView: {name} has shape {values.shape}; give (y, x) or (t, y, x) "
            "(select one sample and channel first)"
        )
    return values


class ComparisonView:
    """Truth / prediction / error of a surrogate, with a shared time slider.

    Parameters
    ----------
    truth, prediction
        Arrays or tensors ``(y, x)`` or ``(t, y, x)`` of the same shape.
    times
        Optional times of the frames (for the slider's description).
    """

    def __init__(self, truth: Any, prediction: Any, *, times: Any = None) -> None:
        widgets = import_optional("ipywidgets", purpose="the ComparisonView")
        from ai4s_lab.widgets.field_view import FieldView

        a, b = _frames(truth, "truth"), _frames(prediction, "prediction")
        if a.shape != b.shape:
            raise InputError(
                f"ComparisonView: truth {a.shape} and prediction {b.shape} differ; compare "
                "fields on the same grid and times"
            )
        self.truth, self.prediction, self.error = a, b, b - a
        low, high = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
        if not high > low:
            high = low + 1.0
        fixed: dict[str, Any] = {"range_mode": "fixed", "vmin": low, "vmax": high, "height": 260}
        self.views = [
            FieldView(a, colormap="viridis", **fixed),
            FieldView(b, colormap="viridis", **fixed),
            FieldView(self.error, colormap="RdBu_r", range_mode="symmetric", height=260),
        ]
        self.slider = widgets.IntSlider(
            value=0, min=0, max=a.shape[0] - 1, description="frame", continuous_update=True
        )
        self.links = [widgets.link((self.slider, "value"), (v, "index")) for v in self.views]
        titles = ("truth", "prediction", "prediction − truth")
        columns = [
            widgets.VBox([widgets.HTML(f"<b>{t}</b>"), v])
            for t, v in zip(titles, self.views, strict=True)
        ]
        self.widget = widgets.VBox([self.slider, widgets.HBox(columns)])
        self.times = None if times is None else [float(t) for t in np.asarray(times)]

    @property
    def index(self) -> int:
        return int(self.slider.value)

    @index.setter
    def index(self, value: int) -> None:
        self.slider.value = int(value)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
