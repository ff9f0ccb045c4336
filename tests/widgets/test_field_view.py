"""FieldView against a mock comm (no browser): binary frames, message size, ranges, live
streaming, line profiles and the static PNG fallback."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import numpy as np
import pytest
import xarray as xr

from ai4s_lab.errors import InputError, ParameterError

pytest.importorskip("anywidget")
from ai4s_lab.widgets import FieldView
from ai4s_lab.widgets.field_view import colormap_lut, render_png


class MockComm:
    """Records what the widget would send to the front end."""

    kernel = object()
    comm_id = "mock"

    def __init__(self) -> None:
        self.messages: list[tuple[dict[str, Any], list[Any]]] = []

    def send(self, data: dict[str, Any], buffers: list[Any] | None = None, **_: Any) -> None:
        self.messages.append((data, list(buffers or [])))

    def on_msg(self, *_: Any) -> None: ...

    def close(self, *_: Any, **__: Any) -> None: ...


def _attach(view: FieldView) -> MockComm:
    comm = MockComm()
    view.comm = comm
    return comm


def _size(message: tuple[dict[str, Any], list[Any]]) -> int:
    data, buffers = message
    return len(json.dumps(data).encode()) + sum(memoryview(b).nbytes for b in buffers)


def _series(n: int = 3, size: int = 16) -> xr.DataArray:
    t = np.arange(n) * 0.5
    y = np.arange(size) * 0.25
    x = np.arange(size) * 0.5
    values = np.sin(x)[None, None, :] * np.cos(y)[None, :, None] * (1 + t[:, None, None])
    return xr.DataArray(
        values,
        dims=("t", "y", "x"),
        coords={"t": t, "y": y, "x": x},
        name="vorticity",
        attrs={"units": "1/s"},
    )


@pytest.mark.parametrize(("dtype", "itemsize"), [("float32", 4), ("float16", 2)])
def test_one_512_frame_is_one_binary_message_under_1_1_mb(dtype: str, itemsize: int) -> None:
    rng = np.random.default_rng(0)
    view = FieldView(rng.standard_normal((2, 512, 512)), dtype=dtype)
    comm = _attach(view)
    view.index = 1
    updates = [
        m
        for m in comm.messages
        if "frame" in m[0].get("state", {}) or "frame" in str(m[0].get("buffer_paths"))
    ]
    assert len(updates) == 1
    data, buffers = updates[0]
    assert sum(memoryview(b).nbytes for b in buffers) == 512 * 512 * itemsize
    assert len(json.dumps(data)) < 2000  # the numbers travel in the buffer, not as JSON
    assert _size(updates[0]) < 1.1e6
    sent = np.frombuffer(bytes(buffers[0]), dtype="<f4" if itemsize == 4 else "<f2")
    np.testing.assert_allclose(
        sent.reshape(512, 512), view._values[1][0], rtol=1e-3 if itemsize == 2 else 1e-7, atol=1e-3
    )


def test_browser_index_change_sends_that_frame() -> None:
    series = _series()
    view = FieldView(series)
    comm = _attach(view)
    view.set_state({"index": 2})  # what a comm message from the slider does
    assert view.frame_index == 2
    frame = np.frombuffer(view.frame, dtype="<f4").reshape(16, 16)
    np.testing.assert_allclose(frame, series.isel(t=2).values, rtol=1e-6)
    assert comm.messages
    assert view.times == [0.0, 0.5, 1.0] and view.name == "vorticity" and view.units == "1/s"
    # each sample is the centre of its pixel: x = 0, 0.5, ..., 7.5 -> cells from -0.25 to 7.75
    assert view.extent == [-0.25, 7.75, -0.125, 3.875]


def test_range_modes() -> None:
    series = _series()
    auto = FieldView(series)
    assert auto.vmin == pytest.approx(float(series.min()))
    assert auto.vmax == pytest.approx(float(series.max()))
    sym = FieldView(series + 1.0, range_mode="symmetric")
    assert sym.vmin == -sym.vmax == pytest.approx(-float(abs(series + 1.0).max()))
    fixed = FieldView(series, range_mode="fixed", vmin=-1, vmax=2)
    assert (fixed.vmin, fixed.vmax) == (-1.0, 2.0)
    fixed.range_mode = "auto"
    assert fixed.vmax == pytest.approx(float(series.max()))


def test_colormap_change_resends_the_table() -> None:
    view = FieldView(_series())
    view.colormap = "RdBu_r"
    assert view.lut == colormap_lut("RdBu_r").tobytes()
    with pytest.raises(ParameterError, match="colormap='jet' is not known"):
        view.colormap = "jet"


def test_png_fallback_pixels_follow_the_colormap() -> None:
    from PIL import Image

    values = np.zeros((4, 6))
    values[0, 0] = 1.0  # bottom-left in the picture (y grows upwards)
    values[3, 5] = np.nan
    png = render_png(values, 0.0, 1.0, "viridis")
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert image.shape == (4, 6, 3)
    lut = colormap_lut("viridis")
    assert tuple(image[3, 0]) == tuple(lut[255])
    assert tuple(image[3, 1]) == tuple(lut[0])
    assert tuple(image[0, 5]) == (128, 128, 128)
    # viridis runs from dark purple to yellow
    assert lut[0].tolist() == [68, 1, 84] and lut[255].tolist() == [253, 231, 37]


def test_display_bundle_has_widget_and_png() -> None:
    view = FieldView(_series())
    bundle = view._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    import base64

    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")


def test_live_append_follows_the_solver() -> None:
    from ai4s_lab import pde

    eq = pde.Diffusion(0.5)
    grid = eq.grid(16)
    first = pde.initial.fourier_mode(grid, 1).numpy()[0, 0]
    view = FieldView(first, live=True)
    comm = _attach(view)
    ds = pde.solve(
        eq,
        pde.initial.fourier_mode(grid, 1),
        t_end=1.0,
        save_every=0.25,
        device="cpu",
        progress=False,
        callback=view.append,
    )
    assert view.n_frames == 1 + len(ds.t)  # the first frame, then every saved one
    assert view.index == view.n_frames - 1 == view.frame_index
    last = np.frombuffer(view.frame, dtype="<f4").reshape(16, 16)
    np.testing.assert_allclose(last, ds["u"].isel(t=-1).values, rtol=1e-6, atol=1e-7)
    assert len(comm.messages) >= len(ds.t)


def test_profile_of_a_linear_field_is_linear() -> None:
    x = np.linspace(0, 3, 31)
    y = np.linspace(0, 2, 21)
    field = xr.DataArray(
        np.broadcast_to(2 * x, (21, 31)).copy(), dims=("y", "x"), coords={"y": y, "x": x}
    )
    view = FieldView(field)
    view.profile = [0.5, 0.5, 2.5, 1.5]
    distance, values = view.profile_values(50)
    np.testing.assert_allclose(values, 2 * np.linspace(0.5, 2.5, 50), atol=1e-12)
    assert distance[-1] == pytest.approx(np.hypot(2.0, 1.0))


def test_3d_fields_are_shown_as_z_slices() -> None:
    values = np.arange(4 * 8 * 8, dtype=float).reshape(4, 8, 8)
    cube = xr.DataArray(values, dims=("z", "y", "x"))
    view = FieldView(cube)
    assert view.n_slices == 4 and view.slice_index == 2
    view.slice_index = 3
    np.testing.assert_array_equal(np.frombuffer(view.frame, "<f4").reshape(8, 8), values[3])


def test_geographic_dims_are_read_by_position_with_north_up() -> None:
    # A (time, lat, lon) field stored north to south, as many climate files are: the view
    # must flip it so y grows upwards, and a profile along a meridian of f = lat is f = lat.
    times = np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[ns]")
    lat = np.linspace(80.0, -80.0, 17)
    lon = np.linspace(0.0, 350.0, 36)
    values = np.broadcast_to(lat[None, :, None] * (1 + np.arange(3))[:, None, None], (3, 17, 36))
    field = xr.DataArray(
        values.copy(), dims=("time", "lat", "lon"), coords={"time": times, "lat": lat, "lon": lon}
    )
    view = FieldView(field)
    assert view.n_frames == 3 and view.n_slices == 1
    assert view.axis_names == ["lat", "lon"] and view.time_name == "time"
    assert view.time_labels == [f"time = 2020-01-0{day}" for day in (1, 2, 3)]
    assert view.times == [0.0, 86400.0, 172800.0]
    assert view.extent[:2] == [-5.0, 355.0] and view.extent[2:] == [-85.0, 85.0]
    first = np.frombuffer(view.frame, "<f4").reshape(17, 36)
    np.testing.assert_array_equal(first[:, 0], np.sort(lat))
    view.index = 2
    view.profile = [100.0, -60.0, 100.0, 60.0]
    _, along = view.profile_values(25)
    np.testing.assert_allclose(along, 3 * np.linspace(-60.0, 60.0, 25), atol=1e-9)


def test_named_dims_in_another_order_and_vertical_dims() -> None:
    series = _series()
    view = FieldView(series.transpose("x", "t", "y"))
    reference = FieldView(series)
    assert view.frame == reference.frame and view.times == reference.times
    ocean = xr.DataArray(np.arange(3 * 4 * 5.0).reshape(3, 4, 5), dims=("depth", "lat", "lon"))
    sliced = FieldView(ocean)
    assert sliced.n_slices == 3 and sliced.n_frames == 1


def test_a_dataset_with_one_variable_is_shown() -> None:
    dataset = _series().to_dataset()
    assert FieldView(dataset).frame == FieldView(dataset["vorticity"]).frame


def test_vector_overlay_is_subsampled_binary() -> None:
    series = _series(size=64)
    view = FieldView(series, vectors=(series, -series))
    assert view.vector_shape[0] == 2 and 16 <= view.vector_shape[1] <= 32
    assert len(view.vector_frame) == 4 * int(np.prod(view.vector_shape))


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        (np.zeros((0, 4)), {}, InputError, "empty"),
        (np.zeros(5), {}, InputError, "shape"),
        ("field", {}, InputError, "not an array"),
        (xr.DataArray(np.zeros((2, 4, 4)), dims=("batch", "y", "x")), {}, InputError, "isel"),
        (xr.DataArray(np.zeros((2,) * 5), dims=tuple("abcde")), {}, InputError, "2 to 4 dims"),
        (np.ones((4, 4)) + 1j, {}, InputError, "complex"),
        (
            xr.Dataset({"u": (("y", "x"), np.ones((4, 4))), "v": (("y", "x"), np.ones((4, 4)))}),
            {},
            InputError,
            r"\['u', 'v'\]",
        ),
        (np.zeros((4, 4)), {"colormap": "jet"}, ParameterError, "jet"),
        (np.zeros((4, 4)), {"range_mode": "fixed"}, ParameterError, "vmin < vmax"),
        (np.zeros((4, 4)), {"range_mode": "log"}, ParameterError, "range_mode='log'"),
        (np.zeros((4, 4)), {"dtype": "float64"}, ParameterError, "float16"),
        (np.zeros((4, 4)), {"fps": 0}, ParameterError, "fps=0"),
        (np.zeros((2, 4, 4)), {"vectors": (np.zeros((2, 4, 5)),) * 2}, InputError, "match"),
    ],
)
def test_bad_input(data: Any, kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        FieldView(data, **kwargs)


def test_huge_series_is_not_sent_at_once() -> None:
    view = FieldView(np.zeros((400, 64, 64), dtype=np.float32))
    comm = _attach(view)
    view.index = 399
    assert max(_size(m) for m in comm.messages) < 64 * 64 * 4 + 4096


BROWSER_CELLS = [
    "import numpy as np\n"
    "import xarray as xr\n"
    "from ai4s_lab.widgets import FieldView\n"
    "t = np.arange(200) * 0.05\n"
    "x = y = np.linspace(0, 2 * np.pi, 256, endpoint=False)\n"
    "data = np.sin(x[None, None, :] - 4 * t[:, None, None]) * np.cos(y[None, :, None])\n"
    "wave = xr.DataArray(data.astype(np.float32), dims=('t', 'y', 'x'),\n"
    "                    coords={'t': t, 'y': y, 'x': x}, name='wave')\n"
    "view = FieldView(wave, fps=20)\n"
    "view",
]


@pytest.mark.browser
@pytest.mark.slow
def test_series_plays_in_jupyterlab(
    jupyter_lab: Any, lab_page: Any, tmp_path: Any, artifacts_dir: Any
) -> None:
    """A 256² x 200-frame series displays and plays in JupyterLab (headless Chromium): the
    canvas is not blank and changes between frames."""
    from PIL import Image

    from tests.conftest import make_notebook
    from tests.lab_helpers import canvas_colours, open_notebook, run_all_cells

    source = make_notebook(tmp_path / "field_view_play.ipynb", BROWSER_CELLS)
    relpath = jupyter_lab.add(source)
    page = lab_page
    open_notebook(page, jupyter_lab, relpath)
    assert run_all_cells(page) == []
    canvas = page.wait_for_selector("canvas.fv-canvas", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('.ai4s-field-view').dataset.frameIndex === '0'"
    )
    assert canvas_colours(page, "canvas.fv-canvas") > 50  # a field, not a blank box
    first = canvas.screenshot(path=str(artifacts_dir / "field_view_frame0.png"))
    page.click("button.fv-play")
    page.wait_for_function(
        "() => Number(document.querySelector('.ai4s-field-view').dataset.frameIndex) >= 10",
        timeout=60_000,
    )
    later = canvas.screenshot(path=str(artifacts_dir / "field_view_playing.png"))
    page.click("button.fv-play")  # pause
    assert page.inner_text(".fv-tlabel").startswith("t = ")
    a = np.asarray(Image.open(io.BytesIO(first)).convert("RGB"), dtype=int)
    b = np.asarray(Image.open(io.BytesIO(later)).convert("RGB"), dtype=int)
    assert a.shape == b.shape
    assert np.mean(np.abs(a - b).sum(axis=2) > 30) > 0.2  # the wave moved
    hover = page.query_selector(".ai4s-field-view canvas:nth-of-type(2)")
    assert hover is not None
    box = hover.bounding_box()
    # the readout names the sample under the cursor: its coordinates and its value
    shown = int(page.evaluate("document.querySelector('.ai4s-field-view').dataset.frameIndex"))
    spacing = 2 * np.pi / 256
    for i, j in ((0, 0), (37, 200), (255, 91)):
        column, row = (j + 0.5) / 256, 1 - (i + 0.5) / 256  # y grows upwards
        page.mouse.move(box["x"] + column * box["width"], box["y"] + row * box["height"])
        readout = page.inner_text(".fv-readout")
        found = re.fullmatch(r"x = (\S+), y = (\S+), wave = (\S+)", readout.strip())
        assert found, readout
        x, y, value = (float(v) for v in found.groups())
        assert x == pytest.approx(j * spacing, abs=1e-3), readout
        assert y == pytest.approx(i * spacing, abs=1e-3), readout
        exact = np.sin(j * spacing - 4 * 0.05 * shown) * np.cos(i * spacing)
        assert value == pytest.approx(exact, rel=1e-3, abs=1e-4), (i, j, readout)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # drag a line: the profile plot appears and has a curve in it
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.2, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('canvas.fv-profile')).display !== 'none'"
    )
    assert canvas_colours(page, "canvas.fv-profile") > 2
    assert page.errors == []


def test_float16_frames_switch_to_float32_where_values_do_not_fit(caplog) -> None:  # type: ignore[no-untyped-def]
    """Surface pressure in Pa (1e5) is past float16's 65504: the frames go as float32 (with a
    warning) instead of arriving as inf; values that fit stay float16."""
    pressure = 101325 + 100 * np.random.default_rng(0).random((8, 8))
    view = FieldView(pressure, dtype="float16")
    assert view.frame_dtype == "float32"
    np.testing.assert_allclose(np.frombuffer(view.frame, "<f4"), pressure.ravel(), rtol=1e-7)
    assert "do not fit float16" in caplog.text
    small = FieldView(np.ones((8, 8)), dtype="float16")
    assert small.frame_dtype == "float16" and len(small.frame) == 8 * 8 * 2


def test_a_constant_field_gets_a_colour_range_of_positive_width() -> None:
    for value in (3.0, 1e20, -1e20):
        view = FieldView(np.full((8, 8), value))
        assert view.vmin < value < view.vmax
    assert (FieldView(np.full((8, 8), 3.0)).vmin, FieldView(np.full((8, 8), 3.0)).vmax) == (
        2.5,
        3.5,
    )


# -- vectors follow the field when it is flipped ---------------------------------------------


def _descending_lat_field() -> xr.DataArray:
    lat = np.array([30.0, 20.0, 10.0])  # stored north to south, flipped by the view
    lon = np.array([0.0, 10.0, 20.0, 30.0])
    return xr.DataArray(
        np.arange(12.0).reshape(3, 4), dims=("lat", "lon"), coords={"lat": lat, "lon": lon}
    )


def _sent_vectors(view: FieldView) -> np.ndarray:
    return np.frombuffer(view.vector_frame, "<f4").reshape(view.vector_shape)


@pytest.mark.parametrize("kind", ["numpy", "torch", "dataarray without coords", "dataarray"])
def test_vectors_are_flipped_with_a_descending_field(kind: str) -> None:
    """u, v given in the field's storage order land on the same rows as the field values; the
    oracle is xarray's own sortby of the same arrays, and v keeps its sign (north is north)."""
    field = _descending_lat_field()
    u = 100 + np.arange(12.0).reshape(3, 4)  # a distinct value at every grid point
    v = -u
    if kind == "torch":
        import torch

        given: tuple[Any, Any] = (torch.tensor(u), torch.tensor(v))
    elif kind == "dataarray without coords":
        given = (xr.DataArray(u, dims=field.dims), xr.DataArray(v, dims=field.dims))
    elif kind == "dataarray":
        given = (field.copy(data=u), field.copy(data=v))
    else:
        given = (u, v)
    view = FieldView(field, vectors=given)
    expected_u = field.copy(data=u).sortby("lat").values
    expected_v = field.copy(data=v).sortby("lat").values
    sent = _sent_vectors(view)
    np.testing.assert_array_equal(sent[0], expected_u)
    np.testing.assert_array_equal(sent[1], expected_v)
    # the field itself is flipped the same way: row k of the frame and of the arrows agree
    frame = np.frombuffer(view.frame, "<f4").reshape(3, 4)
    np.testing.assert_array_equal(frame, field.sortby("lat").values)


def test_array_vectors_of_a_transposed_field_are_transposed_with_it() -> None:
    y = np.array([2.0, 1.0, 0.0])
    x = np.arange(4.0)
    field = xr.DataArray(
        np.arange(12.0).reshape(4, 3), dims=("x", "y"), coords={"x": x, "y": y}
    )  # stored (x, y), y descending
    u = np.arange(12.0).reshape(4, 3) * 10
    view = FieldView(field, vectors=(u, u + 1))
    expected = field.copy(data=u).transpose("y", "x").sortby("y").values
    np.testing.assert_array_equal(_sent_vectors(view)[0], expected)
    np.testing.assert_array_equal(_sent_vectors(view)[1], expected + 1)


def test_vectors_on_another_grid_are_refused() -> None:
    field = _descending_lat_field()
    shifted = field.assign_coords(lon=field.lon + 5.0)
    with pytest.raises(InputError, match=r"u has x coordinates from 5 to 35.*field's grid"):
        FieldView(field, vectors=(shifted, shifted))
    with pytest.raises(InputError, match=r"vectors of shape \(4, 3\) do not match"):
        FieldView(field, vectors=(np.zeros((4, 3)), np.zeros((4, 3))))


# -- uneven coordinates ----------------------------------------------------------------------


@pytest.mark.parametrize("dim", ["x", "y"])
def test_unevenly_spaced_coordinates_are_refused(dim: str) -> None:
    uneven = np.array([0.0, 1.0, 10.0, 100.0])
    even = np.arange(4.0)
    coords = {"y": uneven if dim == "y" else even, "x": uneven if dim == "x" else even}
    field = xr.DataArray(np.ones((4, 4)), dims=("y", "x"), coords=coords)
    with pytest.raises(InputError, match=rf"'{dim}' coordinate .* not evenly spaced.*interp"):
        FieldView(field)


def test_the_suggested_interpolation_is_accepted() -> None:
    """The fix the message proposes works: xarray interpolates onto an even grid and the
    view then places each sample where its coordinate says."""
    x = np.array([0.0, 1.0, 10.0, 100.0])
    field = xr.DataArray(np.broadcast_to(2 * x, (3, 4)).copy(), dims=("y", "x"), coords={"x": x})
    even = field.interp(x=np.linspace(0, 100, 101))
    view = FieldView(even)
    assert view.extent[:2] == [-0.5, 100.5]
    view.profile = [5.0, 1.0, 55.0, 1.0]
    _, values = view.profile_values(11)
    np.testing.assert_allclose(values, even.interp(x=np.linspace(5, 55, 11)).isel(y=1), atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("start", "stop", "n"), [(0, 1, 1001), (-89.875, 89.875, 720), (0, 360, 1441)]
)
def test_evenly_spaced_grids_with_rounding_are_accepted(
    dtype: type, start: float, stop: float, n: int
) -> None:
    x = np.linspace(start, stop, n, dtype=dtype)
    field = xr.DataArray(np.zeros((2, n)), dims=("y", "x"), coords={"x": x})
    view = FieldView(field)
    half = (stop - start) / (n - 1) / 2
    assert view.extent[:2] == pytest.approx([start - half, stop + half], rel=1e-5, abs=1e-5)


def test_float32_grid_converted_to_float64_is_accepted() -> None:
    lat = np.linspace(-89.875, 89.875, 720, dtype=np.float32).astype(np.float64)
    FieldView(xr.DataArray(np.zeros((720, 3)), dims=("lat", "lon"), coords={"lat": lat}))


# -- static PNG colours --------------------------------------------------------------------------


def _png_gray_levels(png: bytes) -> np.ndarray:
    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()
    return image[::-1, :, 0].astype(int)  # row 0 at the bottom, like the data


def _math_round(x: float) -> int:
    """JavaScript's Math.round: the nearest integer, halves towards +inf (exact decimal)."""
    from decimal import ROUND_HALF_UP, Decimal

    return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_gray_table_is_matplotlibs() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    reference = np.round(matplotlib.colormaps["gray"](np.arange(256))[:, :3] * 255)
    np.testing.assert_array_equal(colormap_lut("gray"), reference.astype(np.uint8))


def test_png_levels_round_like_the_browser() -> None:
    """The PNG takes the level Math.round((v - vmin) / span * 255) of widgets/field_view.js,
    not the truncated one: with the gray table (entry k is (k, k, k)) the pixel is the level."""
    vmin, vmax = 0.0, 255.0  # level position = value, exactly, for these values
    values = np.array([0.0, 0.49, 0.5, 1.5, 2.5, 99.7, 127.5, 200.2, 254.5, 255.0, 300.0, -3.0])
    levels = _png_gray_levels(render_png(values.reshape(1, -1), vmin, vmax, "gray"))
    expected = [
        min(255, max(0, _math_round((v - vmin) / (vmax - vmin) * 255))) for v in values.tolist()
    ]
    assert expected[2:5] == [1, 2, 3]  # halves go up: 0.5 -> 1, 1.5 -> 2, 2.5 -> 3
    assert levels[0].tolist() == expected
    # and away from exact values, against an oracle that knows nothing of the module
    rng = np.random.default_rng(1)
    field = rng.normal(size=(16, 16))
    field[0, :3] = np.nan, np.inf, -np.inf
    low, high = -1.3, 2.1
    levels = _png_gray_levels(render_png(field, low, high, "gray"))
    for (i, j), v in np.ndenumerate(field):
        want = (
            128
            if not np.isfinite(v)
            else min(255, max(0, _math_round((v - low) / (high - low) * 255)))
        )
        assert levels[i, j] == want, (i, j, v)


def test_png_shows_the_values_as_sent_to_the_browser() -> None:
    """A float16 view sends 0.30384 as float16 (0.303955078125: level 77.51, shown as 78 by the
    canvas); the PNG must show that colour, not the float64 value's (level 77.48 -> 77)."""
    value = 0.30384
    view = FieldView(
        np.full((2, 2), value),
        range_mode="fixed",
        vmin=0.0,
        vmax=1.0,
        dtype="float16",
        colormap="gray",
    )
    sent = float(np.frombuffer(view.frame, "<f2")[0])
    assert sent == float(np.float16(value))
    expected = _math_round(sent * 255)
    assert expected == 78 and _math_round(value * 255) == 77
    assert (_png_gray_levels(view.to_png()) == expected).all()


# -- refused trait values keep the old value ---------------------------------------------------


@pytest.mark.parametrize(("trait", "bad"), [("colormap", "jet"), ("range_mode", "log")])
def test_a_refused_colormap_or_range_mode_keeps_the_old_value(trait: str, bad: str) -> None:
    view = FieldView(_series(), colormap="magma", range_mode="symmetric")
    before = (view.colormap, view.range_mode, view.lut, view.vmin, view.vmax)
    with pytest.raises(ParameterError, match=rf"{trait}='{bad}' is not known"):
        setattr(view, trait, bad)
    assert (view.colormap, view.range_mode, view.lut, view.vmin, view.vmax) == before
    with pytest.raises(ParameterError, match=rf"{trait}='{bad}'"):
        view.set_state({trait: bad})  # as a message from the front end
    assert (view.colormap, view.range_mode, view.lut, view.vmin, view.vmax) == before
    assert view.to_png().startswith(b"\x89PNG")
    bundle = view._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/png" in data


def test_frames_appended_to_a_view_with_vectors_are_shown_without_arrows() -> None:
    series = _series(n=2, size=8)
    view = FieldView(series, vectors=(series, series), live=True)
    assert len(view.vector_shape) == 3
    view.append(2.0, series.isel(t=0).values)
    assert view.frame_index == 2 and view.vector_shape == [] and view.vector_frame == b""
    view.index = 0
    assert len(view.vector_shape) == 3


def test_the_fixed_range_the_user_gave_comes_back_after_another_mode() -> None:
    """Picking "fixed" again in the browser froze whatever range was current (±5.975 after
    "symmetric") instead of the vmin/vmax the view was made with."""
    field = np.linspace(-3.0, 6.0, 64).reshape(8, 8)
    view = FieldView(field, range_mode="fixed", vmin=-10.0, vmax=10.0)
    view.range_mode = "symmetric"
    assert (view.vmin, view.vmax) == (-6.0, 6.0)  # ±max|f|
    view.range_mode = "fixed"
    assert (view.vmin, view.vmax) == (-10.0, 10.0)
    view.vmin, view.vmax = -1.0, 2.0  # set while fixed: the new fixed range
    view.range_mode = "auto"
    view.range_mode = "fixed"
    assert (view.vmin, view.vmax) == (-1.0, 2.0)


def test_numpy_integer_fps_is_accepted() -> None:
    view = FieldView(np.zeros((4, 4)), fps=np.int64(5))
    assert view.fps == 5 and type(view.fps) is int


_ARROW_ROW = """(view) => {
    const overlay = view.querySelectorAll('canvas')[1];
    const {width, height} = overlay;
    const pixels = overlay.getContext('2d').getImageData(0, 0, width, height).data;
    const row = Math.round(height / 12);  // through the arrows of the top row of cells
    const painted = [];
    for (let x = 0; x < width; x++) if (pixels[4 * (row * width + x) + 3] > 0) painted.push(x);
    return painted;
}"""
_OVERLAY = "(view) => view.querySelectorAll('canvas')[1].toDataURL()"


@pytest.mark.browser
@pytest.mark.slow
def test_arrows_drags_and_fps_in_jupyterlab(jupyter_lab: Any, lab_page: Any, tmp_path: Any) -> None:
    """Three front-end faults: one NaN vector (land in an ocean field) made every arrow ten
    times too short (the peak became NaN); a drag released outside the view never ended (the
    profile then followed plain hovering); fps 2.5 was played while the kernel kept 10."""
    from tests.conftest import make_notebook
    from tests.lab_helpers import open_notebook, run_all_cells, run_in_new_cell

    cells = [
        "import numpy as np\n"
        "from ai4s_lab.widgets import FieldView\n"
        "u, w = np.full((6, 6), 0.1), np.zeros((6, 6))\n"
        "holed = u.copy()\n"
        "holed[0, 0] = np.nan\n"
        "full = FieldView(np.zeros((6, 6)), vectors=(u, w), height=198)\n"
        "gaps = FieldView(np.zeros((6, 6)), vectors=(holed, w), height=198)\n"
        "display(full, gaps)",
    ]
    page = lab_page
    open_notebook(page, jupyter_lab, jupyter_lab.add(make_notebook(tmp_path / "fv.ipynb", cells)))
    assert run_all_cells(page) == []
    page.wait_for_function("document.querySelectorAll('.ai4s-field-view').length === 2")
    page.wait_for_timeout(1000)
    full, gaps = page.query_selector_all(".ai4s-field-view")
    arrows = page.evaluate(_ARROW_ROW, full)
    assert len(arrows) > 6  # the top row's arrows are drawn
    assert page.evaluate(_ARROW_ROW, gaps) == arrows  # row 0 (the NaN) is the bottom row

    overlay = full.query_selector_all("canvas")[1]
    box = overlay.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] + 300, box["y"] + 100, steps=6)
    page.mouse.up()  # outside the view
    page.wait_for_timeout(300)
    released = page.evaluate(_OVERLAY, full)
    page.mouse.move(box["x"] + 150, box["y"] + 150, steps=6)
    page.wait_for_timeout(200)
    assert page.evaluate(_OVERLAY, full) == released  # hovering draws no line
    profile = run_in_new_cell(page, "print(list(full.profile))")
    end_x = float(profile.strip().strip("[]").split(",")[2])
    assert end_x == pytest.approx(6.0 - 0.5, abs=1e-6)  # ended at the right edge (x = 5.5)

    fps = full.query_selector("input[type=number]")
    fps.fill("2.5")
    fps.press("Tab")
    page.wait_for_timeout(300)
    assert fps.input_value() == "3"
    assert run_in_new_cell(page, "print(full.fps)").strip() == "3"
    assert page.errors == []


def test_a_float32_series_is_held_without_a_float64_copy() -> None:
    """A solver's float32 output (here 100 frames of 256², 26 MB) is shown as it is: a float64
    copy of every frame would take twice the memory of the data itself."""
    import tracemalloc

    rng = np.random.default_rng(0)
    series = xr.DataArray(
        rng.standard_normal((100, 256, 256), dtype=np.float32), dims=("t", "y", "x")
    )
    tracemalloc.start()
    try:
        view = FieldView(series)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * series.nbytes, f"{peak / 1e6:.0f} MB for {series.nbytes / 1e6:.0f} MB data"
    assert view.current()[7, 9] == float(series.values[0, 7, 9])  # hover reads the data exactly


def test_an_appended_frame_is_a_copy_of_the_callers_buffer() -> None:
    view = FieldView(np.zeros((1, 8, 8), dtype=np.float32), live=True)
    buffer = np.ones((8, 8), dtype=np.float32)
    view.append(1.0, buffer)
    buffer[:] = 5.0  # a solver reusing its output array must not change what was shown
    assert view.current().max() == 1.0
    assert view.vmax < 5.0


def test_append_refuses_frames_that_are_not_numbers_or_do_not_fit() -> None:
    view = FieldView(np.zeros((1, 8, 8), dtype=np.float32), live=True)
    with pytest.raises(InputError, match="not an array of numbers"):
        view.append(1.0, np.full((8, 8), "x"))
    with pytest.raises(InputError, match="complex"):
        view.append(1.0, np.zeros((8, 8), dtype=complex))
    with pytest.raises(InputError, match=r"frame shape \(1, 4, 4\) differs"):
        view.append(1.0, np.zeros((4, 4)))
    assert view.n_frames == 1  # nothing half-added


def test_a_batch_is_refused_with_the_fields_own_name() -> None:
    batch = xr.DataArray(np.ones((2, 3, 4, 4)), dims=("batch", "t", "y", "x"), name="c")
    with pytest.raises(InputError, match=r"ds\['c'\]\.isel\(batch=0\)"):
        FieldView(batch)


def test_samples_with_time_are_refused_but_a_stack_of_samples_plays() -> None:
    # learn.generate("navier-stokes") gives (sample, t, y, x): t must not become z slices
    series = xr.DataArray(np.ones((2, 3, 4, 4)), dims=("sample", "t", "y", "x"), name="vorticity")
    with pytest.raises(InputError, match=r"isel\(sample=0\)"):
        FieldView(series)
    stack = xr.DataArray(np.ones((5, 4, 4)), dims=("sample", "y", "x"), name="permeability")
    assert FieldView(stack).n_frames == 5
