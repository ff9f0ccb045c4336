"""TrainingView: live loss curves of a training run, without blocking the kernel.

The view is a plotly ``FigureWidget`` with one trace per loss. Pass :meth:`TrainingView.update`
as the ``callback`` of :func:`ai4s_lab.pde.learn.train` (it appends one epoch), or call
:meth:`TrainingView.start` to run the training in a background thread: the cell returns at once,
the curves grow as epochs finish, and :meth:`TrainingView.stop` asks the run to stop after the
current epoch (the callback returns ``False``). The view computes nothing.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ai4s_lab._optional import import_optional
from ai4s_lab.errors import ParameterError

__all__ = ["TrainingView"]

#: Loss keys drawn by default (records of ``learn.train``).
LOSS_KEYS = ("train_loss", "val_loss")


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

    def update(self, record: Mapping[str, Any]) -> bool:
        """Append one record (a callback for ``learn.train``); returns ``False`` after
        :meth:`stop` so the run stops."""
        with self._lock:
            self.records.append(dict(record))
            with self.figure.batch_update():
                for trace, key in zip(self.figure.data, self.keys, strict=True):
                    xs = [r.get(self.x_key) for r in self.records if _finite(r.get(key))]
                    ys = [r[key] for r in self.records if _finite(r.get(key))]
                    trace.x, trace.y = xs, ys
        return not self._stop.is_set()

    def start(self, train: Callable[..., Any], *args: Any, **kwargs: Any) -> TrainingView:
        """Run ``train(*args, callback=self.update, **kwargs)`` in a background thread."""
        if self.running:
            raise ParameterError("TrainingView: a run is already in progress; call stop() first")
        if "callback" in kwargs:
            raise ParameterError("TrainingView.start sets callback= itself; do not pass one")
        self._stop.clear()

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


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
