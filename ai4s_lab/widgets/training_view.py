"""TrainingView: live loss curves of a training run, without blocking the kernel.

The view is a plotly ``FigureWidget`` with one trace per loss. Pass :meth:`TrainingView.update`
as the ``callback`` of :func:`ai4s_lab.pde.learn.train` (it appends one epoch), or call
:meth:`TrainingView.start` to run the training in a background thread: the cell returns at once,
the curves grow as epochs finish, and :meth:`TrainingView.stop` asks the run to stop after the
current epoch (the callback returns ``False``). The view computes nothing.

A loss may be a Python or NumPy number or a 0-d array or tensor. A missing key, ``None`` or NaN
(what ``learn.train`` records as ``val_loss`` without validation data) is not drawn, silently;
a value the log axis cannot show (±inf, zero or negative) or that is not a number is not drawn
either, and one :class:`~ai4s_lab.errors.Ai4sWarning` a key says so.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ai4s_lab._numbers import is_real
from ai4s_lab._optional import import_optional
from ai4s_lab.errors import Ai4sWarning, ParameterError

__all__ = ["TrainingView"]

#: Loss keys drawn by default (records of ``learn.train``).
LOSS_KEYS = ("train_loss", "val_loss")
#: Most points a curve draws. Every update sends the whole curve to the browser (plotly has no
#: append message), so a long run draws every k-th record: each update costs at most this many
#: points, not the whole history (which made a 500-epoch run send megabytes). ``records``
#: keeps every record.
MAX_DRAWN_POINTS = 400


class TrainingView:
    """Live loss curves (log scale) of a training run.

    Parameters
    ----------
    keys
        Record keys to draw, one trace each.
    x_key
        Record key of the horizontal axis (``"epoch"``; ``"step"`` for PINN records).
    title
        Figure title.
    """

    def __init__(
        self, keys: tuple[str, ...] = LOSS_KEYS, *, x_key: str = "epoch", title: str = "Training"
    ) -> None:
        go = import_optional("plotly.graph_objects", purpose="the TrainingView")
        if not keys:
            raise ParameterError("TrainingView: keys=() is empty; name at least one loss key")
        self.keys = tuple(keys)
        self.x_key = x_key
        self.records: list[dict[str, Any]] = []
        self.figure = go.FigureWidget(
            data=[go.Scatter(x=[], y=[], mode="lines+markers", name=k) for k in self.keys],
            layout={
                "title": title,
                "xaxis_title": x_key,
                "yaxis_type": "log",
                "yaxis_title": "relative L2",
                "height": 320,
            },
        )
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._points: dict[str, tuple[list[Any], list[float]]] = {k: ([], []) for k in self.keys}
        self._warned: set[str] = set()

    def update(self, record: Mapping[str, Any]) -> bool:
        """Append one record (a callback for ``learn.train``); returns ``False`` after
        :meth:`stop` so the run stops. Values that cannot be drawn are left out (see the
        module docstring), with one :class:`~ai4s_lab.errors.Ai4sWarning` a key."""
        with self._lock:
            self.records.append(dict(record))
            x = _plain(record.get(self.x_key))
            with self.figure.batch_update():
                for trace, key in zip(self.figure.data, self.keys, strict=True):
                    y = self._loss(record, key)
                    if y is None:
                        continue
                    xs, ys = self._points[key]
                    xs.append(x)
                    ys.append(y)
                    trace.x, trace.y = _drawn(xs), _drawn(ys)
        return not self._stop.is_set()

    def _loss(self, record: Mapping[str, Any], key: str) -> float | None:
        """The value of ``key`` as a float to draw, or ``None`` (missing or not drawable)."""
        raw = record.get(key)
        value = _plain(raw)
        if value is None or (is_real(value) and math.isnan(value)):
            return None  # missing: learn.train records val_loss = NaN without validation data
        if is_real(value) and math.isfinite(value) and value > 0:
            return float(value)
        if key not in self._warned:
            self._warned.add(key)
            problem = (
                f"{value!r}, which the log axis cannot show"
                if is_real(value)
                else f"{raw!r} of type {type(raw).__name__}, not a number"
            )
            warnings.warn(
                f"TrainingView: {key} at {self.x_key} {_plain(record.get(self.x_key))!r} is "
                f"{problem}; such values of {key} are not drawn (log a positive finite "
                "number, e.g. float(loss))",
                Ai4sWarning,
                stacklevel=3,
            )
        return None

    def start(self, train: Callable[..., Any], *args: Any, **kwargs: Any) -> TrainingView:
        """Run ``train(*args, callback=self.update, **kwargs)`` in a background thread."""
        if self.running:
            raise ParameterError("TrainingView: a run is already in progress; call stop() first")
        if "callback" in kwargs:
            raise ParameterError("TrainingView.start sets callback= itself; do not pass one")
        self._stop.clear()
        self.result, self.error = None, None  # not those of a previous run

        def run() -> None:
            try:
                self.result = train(*args, callback=self.update, **kwargs)
            except BaseException as err:  # kept for the user to inspect: a thread cannot raise
                self.error = err

        self._thread = threading.Thread(target=run, name="ai4s-training", daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Ask the background run to stop after the current epoch."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the background run ends; return its result (re-raise its error)."""
        if self._thread is not None:
            self._thread.join(timeout)
        if self.error is not None:
            raise self.error
        return self.result

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.figure)


def _drawn(values: list[Any]) -> np.ndarray:
    """The points of a trace that are drawn: all of them up to :data:`MAX_DRAWN_POINTS`, else
    every k-th (the newest always), as float32 (sent to the browser as a binary buffer)."""
    stride = -(-len(values) // MAX_DRAWN_POINTS)
    kept = values[::-1][::stride][::-1]  # counted from the newest point back
    try:
        return np.asarray(kept, dtype=np.float32)  # plenty for a curve; half the bytes
    except (TypeError, ValueError):  # x values that are not numbers (dates, labels)
        return np.asarray(kept, dtype=object)


def _plain(value: Any) -> Any:
    """A 0-d NumPy array or torch tensor (or a NumPy scalar) as a Python number; anything
    else as it is."""
    if hasattr(value, "detach"):  # a torch tensor: maybe on the GPU, maybe with a graph
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray | np.generic) and value.ndim == 0:
        return value.item()
    return value
