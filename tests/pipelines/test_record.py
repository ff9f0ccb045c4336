from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ai4s_lab.errors import Ai4sWarning, InputError
from ai4s_lab.pipelines.record import RECORD_MIMETYPE, _to_json, read_records, record


def test_outside_a_kernel_record_warns_and_does_nothing() -> None:
    with pytest.warns(Ai4sWarning, match="outside a notebook kernel"):
        record("rmse", 0.1)


@pytest.mark.parametrize("name", ["", "1x", "a b", 3])
def test_bad_names(name: object) -> None:
    with pytest.raises(InputError, match="must be an identifier"):
        record(name, 1)  # type: ignore[arg-type]


def test_values_become_json() -> None:
    frame = pd.DataFrame({"n": [1, 2], "err": [0.5, float("nan")]})
    assert _to_json(frame, "t") == [{"n": 1, "err": 0.5}, {"n": 2, "err": None}]
    assert _to_json(np.float32(0.5), "x") == 0.5
    assert _to_json(np.arange(3), "x") == [0, 1, 2]
    assert _to_json({"a": (1, math.inf)}, "x") == {"a": [1, "inf"]}
    import plotly.graph_objects as go

    figure = _to_json(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "fig")
    assert figure["plotly_figure"]["data"][0]["y"] == [3, 4]
    with pytest.raises(InputError, match="cannot record a object"):
        _to_json(object(), "x")


def test_too_large_values_are_refused() -> None:
    with pytest.raises(InputError, match="limit"):
        record("big", list(range(400_000)))


def test_read_records_takes_the_last_value_of_each_name() -> None:
    def output(name: str, value: object) -> dict:
        return {
            "output_type": "display_data",
            "data": {RECORD_MIMETYPE: {"name": name, "value": value}},
        }

    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "x"},
            {"cell_type": "code", "outputs": [output("a", 1), {"output_type": "stream"}]},
            {"cell_type": "code", "outputs": [output("a", 2), output("b", "s")]},
        ]
    }
    assert read_records(nb) == {"a": 2, "b": "s"}


def test_dates_and_times_are_recorded_as_iso_text() -> None:
    """A DataFrame with a datetime column (was refused: "cannot record a Timestamp"), dates,
    numpy datetime64; a missing time is null, as NaN is."""
    import datetime

    frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 12:30", None]), "x": [1.0, 2.0]})
    assert _to_json(frame, "f") == [{"t": "2024-01-01T12:30:00", "x": 1.0},
                                     {"t": None, "x": 2.0}]  # fmt: skip
    assert _to_json(datetime.date(2024, 1, 2), "d") == "2024-01-02"
    times = np.array(["2024-01-01T00:00", "NaT"], dtype="datetime64[m]")
    assert _to_json(times, "a") == ["2024-01-01T00:00", None]
