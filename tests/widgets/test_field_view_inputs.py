"""FieldView: appends checked before they change the view, datetime appends, DataArray frames
oriented like the series, fixed ranges from vmin/vmax, validated traits, xarray dims read by
name, and tensors from models (graphs, bfloat16)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ai4s_lab.errors import InputError, ParameterError

pytest.importorskip("anywidget")
from ai4s_lab.widgets import FieldView
from ai4s_lab.widgets.field_view import finite_range


def _sent(view: FieldView) -> np.ndarray:
    return np.frombuffer(view.frame, "<f4").reshape(view.shape)


def _geo(n: int = 3) -> xr.DataArray:
    rng = np.random.default_rng(0)
    return xr.DataArray(
        rng.standard_normal((n, 5, 4)),
        dims=("time", "lat", "lon"),
        coords={
            "time": pd.date_range("2020-01-01", periods=n, freq="D"),
            "lat": np.linspace(40.0, -40.0, 5),  # north to south
            "lon": np.arange(4.0),
        },
        name="t2m",
    )


# -- defect 1: append --
def test_a_refused_time_leaves_the_view_unchanged() -> None:
    view = FieldView(np.zeros((2, 3, 3)))
    before = (view.n_frames, list(view.times), len(view._values))
    for bad in ("soon", float("nan"), np.datetime64("2020-01-01")):
        with pytest.raises(InputError, match="append: t="):
            view.append(bad, np.ones((3, 3)))
        assert (view.n_frames, list(view.times), len(view._values)) == before
    view.append(2.0, np.ones((3, 3)))
    assert view.n_frames == len(view.times) == len(view._values) == 3


def test_datetimes_append_to_a_datetime_series_with_date_labels() -> None:
    da = _geo()
    view = FieldView(da)
    view.append(pd.Timestamp("2020-01-04"), da.isel(time=0))
    view.append(np.datetime64("2020-01-05T12:00"), da.isel(time=1))
    view.append(86400.0 * 6, da.isel(time=2).values[::-1])  # seconds since the first time
    assert view.times[3:] == [3 * 86400.0, 4.5 * 86400.0, 6 * 86400.0]
    assert view.time_labels[3:] == [
        "time = 2020-01-04",
        "time = 2020-01-05T12:00",
        "time = 2020-01-07",
    ]


def test_a_dataarray_frame_is_flipped_like_the_series() -> None:
    da = _geo()
    view = FieldView(da)
    view.append(pd.Timestamp("2020-01-04"), da.isel(time=1))
    expected = da.isel(time=1).values[::-1]  # oracle: north-to-south rows flipped
    np.testing.assert_array_equal(view._values[-1][0], expected)
    np.testing.assert_array_equal(view._values[-1], view._values[1])


def test_append_updates_the_range_from_the_new_frame_only() -> None:
    rng = np.random.default_rng(1)
    view = FieldView(rng.random((2, 4, 4)))
    frames = [rng.normal(scale=5, size=(4, 4)) for _ in range(5)]
    frames[2][0, 0] = np.inf
    frames[3][:] = np.nan
    for i, frame in enumerate(frames):
        view.append(2.0 + i, frame)
    low, high = finite_range(view._values) or (0.0, 1.0)
    assert (view.vmin, view.vmax) == (low, high)


# -- defect 2: vmin/vmax and trait validation -----------------------------------------------------
def test_vmin_vmax_without_a_range_mode_fix_the_range() -> None:
    view = FieldView(np.arange(9.0).reshape(3, 3), vmin=0, vmax=1)
    assert view.range_mode == "fixed" and (view.vmin, view.vmax) == (0.0, 1.0)
    assert FieldView(np.arange(9.0).reshape(3, 3), vmin=0).range_mode == "auto"
    with pytest.raises(ParameterError, match="finite vmin < vmax"):
        FieldView(np.zeros((3, 3)), vmin=0, vmax=np.inf)


@pytest.mark.parametrize(
    ("trait", "bad", "match"),
    [
        ("fps", 0, "from 1 to 60"),
        ("fps", 1000, "from 1 to 60"),
        ("height", -5, "positive"),
        ("vmin", float("nan"), "finite"),
        ("vmax", float("inf"), "finite"),
    ],
)
def test_bad_trait_values_are_refused(trait: str, bad: float, match: str) -> None:
    view = FieldView(np.random.default_rng(2).random((3, 3)))
    old = getattr(view, trait)
    with pytest.raises(ParameterError, match=match):
        setattr(view, trait, bad)
    assert getattr(view, trait) == old


def test_fixed_mode_keeps_vmin_below_vmax() -> None:
    view = FieldView(np.zeros((3, 3)), vmin=0, vmax=1)
    with pytest.raises(ParameterError, match=r"vmin=5\.0 >= vmax=1\.0"):
        view.vmin = 5.0
    view.vmax = 10.0
    view.vmin = 5.0
    assert (view.vmin, view.vmax) == (5.0, 10.0)
    with pytest.raises(ParameterError):
        FieldView(np.zeros((3, 3)), height=0)


# -- defect 3: xarray dims by name --
@pytest.mark.parametrize(
    "order",
    [("lat", "lon", "time"), ("time", "lon", "lat"), ("lon", "time", "lat")],
)
def test_named_geographic_dims_in_any_order(order: tuple[str, ...]) -> None:
    da = _geo()
    reference = FieldView(da)
    view = FieldView(da.transpose(*order))
    assert view.n_frames == 3 and view.axis_names == ["lat", "lon"]
    assert view.times == reference.times and view.time_labels == reference.time_labels
    expected = da.transpose("time", "lat", "lon").values[0, ::-1]  # oracle
    np.testing.assert_array_equal(_sent(view), expected.astype(np.float32))


def test_size_one_dims_without_a_role_are_dropped() -> None:
    da = _geo()
    member = FieldView(da.expand_dims(member=1))
    assert member.n_frames == 3 and member.n_slices == 1
    np.testing.assert_array_equal(_sent(member), da.values[0, ::-1].astype(np.float32))
    channels = xr.DataArray(np.arange(60.0).reshape(3, 4, 5, 1), dims=("t", "y", "x", "c"))
    view = FieldView(channels)
    assert view.n_frames == 3 and view.shape == [4, 5]
    np.testing.assert_array_equal(_sent(view), channels.values[0, ..., 0])


def test_latitude_and_longitude_names_are_image_axes() -> None:
    da = _geo().rename(lat="latitude", lon="longitude").transpose("time", "longitude", "latitude")
    assert FieldView(da).axis_names == ["latitude", "longitude"]


def test_a_datetime_coordinate_marks_time_whatever_its_name() -> None:
    da = _geo().rename(time="when").transpose("lat", "lon", "when")
    view = FieldView(da)
    assert view.time_name == "when" and view.n_frames == 3


def test_an_unnamed_dim_after_the_image_axes_is_refused_with_a_transpose() -> None:
    da = xr.DataArray(np.zeros((5, 4, 3)), dims=("lat", "lon", "band"))
    with pytest.raises(InputError, match=r"transpose\('band', 'lat', 'lon'\)"):
        FieldView(da)
    with pytest.raises(InputError, match=r"isel\(step=0\)"):
        FieldView(xr.DataArray(np.zeros((2, 2, 4, 4)), dims=("time", "step", "y", "x")))


# -- defect 4: tensors --
def test_bfloat16_tensors_are_shown_and_appended() -> None:
    torch = pytest.importorskip("torch")
    series = torch.rand(3, 4, 5, dtype=torch.bfloat16)
    view = FieldView(series)
    np.testing.assert_array_equal(_sent(view), series[0].float().numpy())
    view.append(3.0, series[1] * torch.ones(1, requires_grad=True, dtype=torch.bfloat16))
    np.testing.assert_array_equal(view._values[-1][0], series[1].float().numpy())


# -- defect 9: float16 with inf --
def test_float16_keeps_fields_with_inf() -> None:
    view = FieldView(np.array([[np.inf, 1.0], [2.0, -np.inf]]), dtype="float16")
    assert view.frame_dtype == "float16"
