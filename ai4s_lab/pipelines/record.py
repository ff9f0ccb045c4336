"""``record(name, value)``: mark a value in a notebook for the pipeline to collect.

The value travels as a notebook output with its own MIME type, so it reaches the run manifest
through the executed notebook itself (no side channel): it survives a kernel crash after the
cell ran, and anyone can read it back from the ``.ipynb``.

Files (large arrays, figures, checkpoints) belong in the run folder, whose path a run gives the
kernel as ``os.environ["AI4S_RUN_DIR"]``; record their names. The notebook's working directory is
its own folder, shared by every run of it.
"""

from __future__ import annotations

import datetime
import json
import sys
import warnings
from collections.abc import Mapping
from typing import Any

from ai4s_lab.errors import Ai4sWarning, InputError
from ai4s_lab.pipelines.manifest import finite

__all__ = ["RECORD_MIMETYPE", "read_records", "record"]

RECORD_MIMETYPE = "application/vnd.ai4s.record+json"
_MAX_BYTES = 1_000_000


def record(name: str, value: Any) -> None:
    """Record a named value (number, string, list, dict or small DataFrame) for the pipeline.

    Parameters
    ----------
    name
        An identifier-like name, e.g. ``"rmse"``; recording a name again replaces the value.
    value
        A JSON-ready value, a numpy scalar or array, a ``pandas.DataFrame`` (stored as a list
        of row records) or a plotly figure (stored as ``{"plotly_figure": <figure JSON>}``); at
        most about 1 MB once encoded. Save larger data to a file in the run folder
        (``os.environ["AI4S_RUN_DIR"]`` during a run) and record its name.

    Notes
    -----
    Outside an IPython kernel there is no notebook to carry the value: the call warns and does
    nothing.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"record name {name!r} must be an identifier such as 'rmse'")
    payload = _to_json(value, name)
    encoded = json.dumps(payload, allow_nan=False)
    if len(encoded) > _MAX_BYTES:
        raise InputError(
            f"record {name!r}: the value is {len(encoded)} bytes once encoded; the limit is "
            f"{_MAX_BYTES}. Save large data to a file in the run folder, "
            "os.environ['AI4S_RUN_DIR'], and record its name instead"
        )
    shell = _ipython_shell()
    if shell is None:
        warnings.warn(
            f"record({name!r}, ...) outside a notebook kernel does nothing; run the notebook "
            "with `ai4s-lab run` to collect it",
            Ai4sWarning,
            stacklevel=2,
        )
        return
    from IPython.display import display

    text = f"{name} = {encoded if len(encoded) < 200 else encoded[:197] + '...'}"
    display({RECORD_MIMETYPE: {"name": name, "value": payload}, "text/plain": text}, raw=True)


def read_records(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """The values recorded in an executed notebook (a ``nbformat`` node or its dict), in order."""
    found: dict[str, Any] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {})
            if RECORD_MIMETYPE in data:
                item = data[RECORD_MIMETYPE]
                found[item["name"]] = item["value"]
    return found


def _to_json(value: Any, name: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        # JSON has no NaN (null is what pandas and JavaScript read back); "inf" / "-inf" keep
        # a diverged value visible: the same rule as run.json's
        return finite(value)
    if isinstance(value, (datetime.date, datetime.time)):  # pandas Timestamps too
        text = value.isoformat()
        return None if text == "NaT" else text  # a missing time, like NaN
    module = type(value).__module__.split(".")[0]
    if module == "numpy":
        if getattr(value, "dtype", None) is not None and value.dtype.kind == "M":
            import numpy as np  # datetime64: .tolist() gives integers at ns precision

            return _no_nat(np.datetime_as_string(value).tolist())
        return _to_json(value.tolist(), name)
    if module == "torch":
        return _to_json(value.detach().cpu().tolist(), name)
    if module == "pandas" and hasattr(value, "to_dict"):
        if hasattr(value, "columns"):
            return _to_json(value.to_dict(orient="records"), name)
        return _to_json(value.to_dict(), name)
    if module == "plotly" and hasattr(value, "to_json"):
        return {"plotly_figure": json.loads(value.to_json())}
    if isinstance(value, Mapping):
        return {str(k): _to_json(v, name) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v, name) for v in value]
    raise InputError(
        f"record {name!r}: cannot record a {type(value).__name__}; record numbers, strings, "
        "dates and times, lists, dicts, numpy arrays, DataFrames or plotly figures"
    )


def _no_nat(text: Any) -> Any:
    """ISO times from numpy, a missing one (``"NaT"``) as None."""
    if isinstance(text, list):
        return [_no_nat(item) for item in text]
    return None if text == "NaT" else text


def _ipython_shell() -> Any:
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    return shell
