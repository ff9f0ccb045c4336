"""ComparisonView reads its inputs as FieldView does: DataArray dims by name, descending
coordinates flipped, float32 kept, bfloat16 tensors accepted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

pytest.importorskip("anywidget")
pytest.importorskip("ipywidgets")
from ai4s_lab.widgets import ComparisonView


def test_dataarrays_are_oriented_like_fieldview() -> None:
    rng = np.random.default_rng(3)
    truth = xr.DataArray(
        rng.random((2, 4, 5), dtype=np.float32),
        dims=("time", "lat", "lon"),
        coords={
            "time": pd.date_range("2020", periods=2),
            "lat": np.linspace(30.0, -30.0, 4),
            "lon": np.arange(5.0),
        },
    )
    prediction = truth.transpose("lon", "lat", "time") * np.float32(2)
    view = ComparisonView(truth, prediction)
    expected = truth.values[:, ::-1]  # oracle: north-to-south rows flipped
    np.testing.assert_array_equal(view.truth, expected)
    np.testing.assert_array_equal(view.prediction, 2 * expected)
    assert view.truth.dtype == np.float32 and view.error.dtype == np.float32


def test_bfloat16_tensors_are_compared() -> None:
    torch = pytest.importorskip("torch")
    truth = torch.rand(2, 3, 4, dtype=torch.bfloat16)
    view = ComparisonView(truth, truth * 2)
    np.testing.assert_array_equal(view.truth, truth.float().numpy())
