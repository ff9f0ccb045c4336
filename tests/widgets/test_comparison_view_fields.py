"""ComparisonView reads its inputs as FieldView does: DataArray dims by name, descending
coordinates flipped, float32 kept, bfloat16 tensors accepted, coordinates kept, frames read one
at a time; an array takes the grid of a DataArray, and other grids or times are refused."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ai4s_lab.errors import InputError

pytest.importorskip("anywidget")
pytest.importorskip("ipywidgets")
from ai4s_lab.widgets import ComparisonView, FieldView


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


def _dated(values: np.ndarray, *, lat0: float = 60.0, year: str = "2020") -> xr.DataArray:
    """A (time, lat, lon) DataArray stored north to south, as ERA5 is."""
    return xr.DataArray(
        values,
        dims=("time", "lat", "lon"),
        coords={
            "time": pd.date_range(year, periods=values.shape[0]),
            "lat": np.linspace(lat0, -lat0, values.shape[1]),
            "lon": np.arange(values.shape[2], dtype=float),
        },
        name="tas",
    )


def test_an_array_prediction_is_oriented_like_the_dataarray_truth() -> None:
    values = np.random.default_rng(0).random((3, 4, 5))
    view = ComparisonView(_dated(values), values.copy())  # a perfect model, in storage order
    np.testing.assert_array_equal(view.error, np.zeros_like(values))  # oracle: same numbers
    np.testing.assert_array_equal(view.prediction, values[:, ::-1])
    assert view.views[1].extent == view.views[0].extent


def test_the_views_keep_the_coordinates_of_dataarrays() -> None:
    truth = _dated(np.random.default_rng(1).random((2, 4, 5)))
    view = ComparisonView(truth, truth + 1.0)
    alone = FieldView(truth)  # oracle: the same DataArray shown on its own
    for field_view in view.views:
        assert field_view.extent == alone.extent == [-0.5, 4.5, -80.0, 80.0]
        assert field_view.axis_names == ["lat", "lon"]
        assert field_view.time_labels == ["time = 2020-01-01", "time = 2020-01-02"]


@pytest.mark.parametrize(
    ("prediction", "problem"),
    [
        (lambda t: t.assign_coords(lon=t.lon + 180.0), r"'lon' runs from 0 to 4, .* 180 to 184"),
        (lambda t: t.assign_coords(lat=t.lat / 2), r"'lat' runs from -60 to 60, .* -30 to 30"),
        (lambda t: _dated(t.values, year="2021"), r"times \[time = 2020-01-01 .*2021-01-01"),
    ],
)
def test_dataarrays_on_other_grids_or_times_are_refused(prediction: Any, problem: str) -> None:
    truth = _dated(np.random.default_rng(2).random((3, 4, 5)))
    with pytest.raises(InputError, match=problem):
        ComparisonView(truth, prediction(truth))


def test_a_steady_truth_is_compared_with_every_frame() -> None:
    rng = np.random.default_rng(4)
    truth, prediction = rng.random((4, 5)), rng.random((3, 4, 5))
    view = ComparisonView(truth, prediction)
    np.testing.assert_array_equal(view.error, prediction - truth[None])
    view.index = 2
    assert view.index == 2 and view.views[2].index == 2 and view.views[0].index == 0
    with pytest.raises(InputError, match=r"truth \(2, 4, 5\) and prediction \(3, 4, 5\) differ"):
        ComparisonView(prediction[:2], prediction)


def test_dask_inputs_are_read_frame_by_frame() -> None:
    dask = pytest.importorskip("dask")
    values = np.random.default_rng(5).random((16, 256, 256))  # 8 MB a field
    truth = _dated(values).chunk({"time": 1})
    small = truth.isel(time=slice(0, 2))
    ComparisonView(small, small * 1.5)  # imports and caches of the first dask run, not measured
    tracemalloc.start()
    try:  # one chunk at a time, so that the peak does not depend on the number of threads
        with dask.config.set(scheduler="synchronous"):
            view = ComparisonView(truth, truth * 1.5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < values.nbytes  # one field loaded whole takes 8 MB (all three, 24 MB)
    np.testing.assert_allclose(view.views[2].current(), 0.5 * values[0, ::-1])
