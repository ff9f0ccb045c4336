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
