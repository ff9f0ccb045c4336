"""TrainingView: live loss curves of a training run, without blocking the kernel.

The view is a plotly ``FigureWidget`` with one trace per loss. Pass :meth:`TrainingView.update`
as the ``callback`` of :func:`ai4s_lab.pde.learn.train` (it appends one epoch), or call
:meth:`TrainingView.start` to run the training in a background thread: the cell returns at once,
the curves grow as epochs finish, and :meth:`TrainingView.stop` asks the run to stop after the
current epoch (the callback returns ``False``). The view computes nothing.

A loss may be a Python or NumPy number or an array or tensor of one element. A missing key,
``None`` or NaN
(what ``learn.train`` records as ``val_loss`` without validation data) is not drawn, silently;
a value the log axis cannot show (±inf, zero or negative) or that is not a number is not drawn
either, and one :class:`~ai4s_lab.errors.Ai4sWarning` a key says so. A record without the
``x_key`` is drawn at its position (0, 1, 2...), and where none of the ``keys`` is in the first
records one warning names the keys they hold.
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ai4s_lab._numbers import is_real
from ai4s_lab._optional import import_optional
from ai4s_lab.errors import Ai4sWarning, ParameterError
from ai4s_lab.widgets._arrays import to_numpy

__all__ = ["TrainingView"]

#: Loss keys drawn by default (records of ``learn.train``).
LOSS_KEYS = ("train_loss", "val_loss")
#: Most points a curve draws. Every update sends the whole curve to the browser (plotly has no
#: append message), so a long run draws every k-th record: each update costs at most this many
#: points, not the whole history (which made a 500-epoch run send megabytes). ``records``
#: keeps every record.
MAX_DRAWN_POINTS = 400
#: Records looked at before warning that none holds any of the ``keys``.
KEYS_CHECKED_AFTER = 3

logger = logging.getLogger(__name__)


class TrainingView:
    """Live loss curves (log scale) of a training run.

    Parameters
    ----------
    keys
        Record keys to draw, one trace each (a string is one key).
    x_key
        Record key of the horizontal axis (``"epoch"``; ``"step"`` for PINN records); a record
        without it is drawn at its position in :attr:`records`.
    title
        Figure title.
    """

    def __init__(
        self,
        keys: str | tuple[str, ...] = LOSS_KEYS,
        *,
        x_key: str = "epoch",
        title: str = "Training",
    ) -> None:
        go = import_optional("plotly.graph_objects", purpose="the TrainingView")
        if isinstance(keys, str):
            keys = (keys,)
        if not keys:
            raise ParameterError("TrainingView: keys=() is empty; name at least one loss key")
        self.keys = tuple(keys)
        self.title = title
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
            x = self._x(record)
            self._check_keys()
            with self.figure.batch_update():
                for trace, key in zip(self.figure.data, self.keys, strict=True):
                    y = self._loss(record, key)
                    if y is None:
                        continue
                    xs, ys = self._points[key]
                    xs.append(x)
                    ys.append(y)
                    trace.x, trace.y = _drawn(xs, np.float64), _drawn(ys, np.float32)
        return not self._stop.is_set()

    def _x(self, record: Mapping[str, Any]) -> Any:
        """The horizontal position of ``record``: its ``x_key``, else its position."""
        if self.x_key in record:
            return _plain(record[self.x_key])
        position = len(self.records) - 1
        if "\0x" not in self._warned:
            self._warned.add("\0x")
            warnings.warn(
                f"TrainingView: record {position} has no {self.x_key!r} (it has "
                f"{sorted(map(str, record))}); records without it are drawn at their position "
                f"0, 1, 2...; pass x_key= one of its keys",
                Ai4sWarning,
                stacklevel=4,
            )
        return position

    def _check_keys(self) -> None:
        """Warn once where none of the first records holds any of :attr:`keys`."""
        if len(self.records) != KEYS_CHECKED_AFTER or "\0keys" in self._warned:
            return
        seen = sorted({str(k) for record in self.records for k in record})
        if any(key in record for record in self.records for key in self.keys):
            return
        self._warned.add("\0keys")
        warnings.warn(
            f"TrainingView: none of keys={self.keys} is in the first {KEYS_CHECKED_AFTER} "
            f"records, which hold {seen}; nothing is drawn: pass keys= some of those",
            Ai4sWarning,
            stacklevel=4,
        )

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
        """Run ``train(*args, callback=self.update, **kwargs)`` in a background thread.

        The curves of a previous run are cleared first (so are :attr:`records`). Where ``train``
        raises, the error is kept for :meth:`wait`, logged, warned about
        (:class:`~ai4s_lab.errors.Ai4sWarning`) and shown in the figure title ("failed: ...").
        """
        if self.running:
            raise ParameterError("TrainingView: a run is already in progress; call stop() first")
        if "callback" in kwargs:
            raise ParameterError("TrainingView.start sets callback= itself; do not pass one")
        self._stop.clear()
        self.result, self.error = None, None  # not those of a previous run
        self._clear()

        def run() -> None:
            try:
                self.result = train(*args, callback=self.update, **kwargs)
            except BaseException as err:  # kept for the user to inspect: a thread cannot raise
                self.error = err
                self._report(err)

        self._thread = threading.Thread(target=run, name="ai4s-training", daemon=True)
        self._thread.start()
        return self

    def _clear(self) -> None:
        with self._lock:
            self.records.clear()
            self._points = {k: ([], []) for k in self.keys}
            self._warned.clear()
            with self.figure.batch_update():
                for trace in self.figure.data:
                    trace.x, trace.y = [], []
                self.figure.layout.title = self.title

    def _report(self, err: BaseException) -> None:
        """Make the error of a background run visible: log, warning and figure title."""
        text = f"{type(err).__name__}: {err}"
        logger.error("TrainingView: the training run failed", exc_info=err)
        self.figure.layout.title = f"{self.title}: failed: {text}"
        warnings.warn(
            f"TrainingView: the training run failed ({text}); view.wait() re-raises it",
            Ai4sWarning,
            stacklevel=2,
        )

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


def _drawn(values: list[Any], dtype: type[np.floating[Any]]) -> np.ndarray:
    """The points of a trace that are drawn: all of them up to :data:`MAX_DRAWN_POINTS`, else
    every k-th (the newest always), as ``dtype`` (sent to the browser as a binary buffer):
    float32 is plenty for losses, x keeps float64 (unix times need it)."""
    stride = -(-len(values) // MAX_DRAWN_POINTS)
    kept = values[::-1][::stride][::-1]  # counted from the newest point back
    try:
        return np.asarray(kept, dtype=dtype)
    except (TypeError, ValueError):  # x values that are not numbers (dates, labels)
        return np.asarray(kept, dtype=object)


def _plain(value: Any) -> Any:
    """A NumPy array or torch tensor of one element (or a NumPy scalar) as a Python number;
    anything else as it is."""
    value = to_numpy(value)  # a torch tensor: maybe on the GPU, maybe with a graph
    if isinstance(value, np.ndarray | np.generic) and value.size == 1:
        return value.reshape(()).item()
    return value
