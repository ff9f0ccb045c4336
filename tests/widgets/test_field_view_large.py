"""FieldView on large and lazy fields: frames over ``max_display_side`` are sent as NaN-aware
block means (checked against xarray's ``coarsen``), the kernel keeps the full frames, and
DataArrays backed by dask or by a lazy file are read one frame at a time."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest
import xarray as xr

from ai4s_lab.errors import ParameterError

pytest.importorskip("anywidget")
from ai4s_lab.widgets import FieldView
from ai4s_lab.widgets.field_view import block_means, colormap_lut, display_block
from tests.widgets.test_field_view import MockComm


def _sent(view: FieldView) -> np.ndarray:
    dtype = "<f4" if view.frame_dtype == "float32" else "<f2"
    return np.frombuffer(view.frame, dtype).reshape(view.shape)


def _coarsened(values: np.ndarray, block: tuple[int, int]) -> np.ndarray:
    """Oracle: xarray's block means, padded with NaN at the far edges (NaN skipped, the
    default for floats)."""
    array = xr.DataArray(values, dims=("y", "x"))
    return array.coarsen(y=block[0], x=block[1], boundary="pad").mean().values


def _field(ny: int = 300, nx: int = 500, seed: int = 0) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    return xr.DataArray(
        rng.standard_normal((2, ny, nx)),
        dims=("t", "y", "x"),
        coords={"t": [0.0, 1.0], "y": 10.0 + 0.5 * np.arange(ny), "x": -3.0 + 0.25 * np.arange(nx)},
        name="noise",
    )


# -- block means ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(300, 500), (301, 503), (7, 5)])
def test_block_means_match_xarray_coarsen_with_nan_and_ragged_edges(
    shape: tuple[int, int],
) -> None:
    rng = np.random.default_rng(1)
    values = rng.standard_normal(shape)
    values[rng.random(shape) < 0.2] = np.nan  # scattered gaps
    values[:3, :4] = np.nan  # one whole block of NaN
    block = (3, 4)
    means = block_means(values, block)
    expected = _coarsened(values, block)
    assert means.shape == expected.shape == (-(-shape[0] // 3), -(-shape[1] // 4))
    np.testing.assert_allclose(means, expected, rtol=1e-12, equal_nan=True)
    assert np.isnan(means[0, 0])  # the all-NaN block stays NaN


def test_edge_blocks_average_only_real_samples_and_inf_carries_over() -> None:
    values = np.arange(35.0).reshape(5, 7)
    values[0, 0] = np.inf
    values[4, 6] = -np.inf
    values[0, 4], values[0, 5] = np.inf, -np.inf
    means = block_means(values, (2, 4))
    # oracle: a plain loop over the blocks, np.nanmean of the samples each block holds
    for i in range(3):
        for j in range(2):
            held = values[2 * i : 2 * i + 2, 4 * j : 4 * j + 4]
            with np.errstate(invalid="ignore"):
                expected = np.nanmean(held)
            np.testing.assert_equal(means[i, j], expected)
    assert means[0, 0] == np.inf and np.isnan(means[0, 1])  # +inf and -inf give NaN
    assert means[2, 0] == np.mean(values[4, 0:4])  # a 1 x 4 edge block


def test_the_strips_give_the_same_means_as_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from ai4s_lab.widgets import field_view

    values = np.random.default_rng(2).standard_normal((95, 61))
    monkeypatch.setattr(field_view, "_STRIP_SAMPLES", 50)  # a strip of one block row
    np.testing.assert_allclose(block_means(values, (4, 3)), _coarsened(values, (4, 3)))


def test_blocks_bring_each_side_under_the_limit() -> None:
    assert display_block((300, 500), 128) == (3, 4)  # ceil(300/128), ceil(500/128)
    assert display_block((8192, 8192), 1024) == (8, 8)
    assert display_block((512, 512), 1024) == (1, 1)
    assert display_block((9000, 10), None) == (1, 1)


# -- the widget ---------------------------------------------------------------------------------
def test_a_large_frame_is_sent_as_block_means_over_the_true_extent() -> None:
    field = _field()
    view = FieldView(field, max_display_side=128)
    assert view.shape == [100, 125] and view.full_shape == [300, 500] and view.block == [3, 4]
    assert view.resolution_note == "shown 100×125 of 300×500 (3×4 block means)"
    comm = MockComm()
    view.comm = comm
    view.index = 1
    frames = [m for m in comm.messages if "frame" in str(m[0].get("buffer_paths"))]
    assert len(frames) == 1
    assert sum(memoryview(b).nbytes for b in frames[0][1]) == 100 * 125 * 4
    expected = _coarsened(field.values[1], (3, 4)).astype(np.float32)
    np.testing.assert_allclose(_sent(view), expected, rtol=1e-6)
    # the extent is the full grid's cells: y from 10 - 0.25 to 10 + 149.5 + 0.25, x likewise
    assert view.extent == [-3.125, -3.0 + 124.75 + 0.125, 9.75, 159.75]
    # the kernel keeps full resolution
    np.testing.assert_array_equal(view.current(), field.values[1])


def test_profile_values_read_the_full_frame() -> None:
    field = _field()
    view = FieldView(field, max_display_side=128)
    y, x = field.y.values, field.x.values
    view.profile = [float(x[40]), float(y[17]), float(x[140]), float(y[17])]
    _, values = view.profile_values(points=101)  # one point a sample, along row 17
    np.testing.assert_allclose(values, field.values[0, 17, 40:141], rtol=1e-9, atol=1e-9)


def test_the_png_fallback_is_the_reduced_frame() -> None:
    from PIL import Image

    view = FieldView(_field(), max_display_side=128)
    image = Image.open(io.BytesIO(view.to_png()))
    assert image.size == (125, 100)  # (width, height): one pixel a block


def test_512_squared_is_not_reduced_by_default_but_1100_rows_are() -> None:
    small = FieldView(np.zeros((512, 512), dtype=np.float32))
    assert small.shape == small.full_shape == [512, 512] and small.block == [1, 1]
    assert small.resolution_note == ""
    tall = np.random.default_rng(3).standard_normal((1100, 20)).astype(np.float32)
    view = FieldView(tall)
    assert view.shape == [550, 20] and view.block == [2, 1]
    np.testing.assert_allclose(_sent(view), _coarsened(tall, (2, 1)), rtol=1e-6)
    whole = FieldView(tall, max_display_side=None)
    assert whole.shape == [1100, 20]
    np.testing.assert_array_equal(_sent(whole), tall)


def test_append_streams_with_downsampling() -> None:
    field = _field()
    view = FieldView(field.isel(t=0), max_display_side=128, live=True)
    new = 5.0 + field.values[1]
    new[:30, :40] = np.nan
    view.append(1.0, new)
    assert view.index == view.frame_index == 1
    np.testing.assert_allclose(_sent(view), _coarsened(new, (3, 4)).astype(np.float32), rtol=1e-6)
    np.testing.assert_array_equal(view.current(), new)
    assert view.vmax == pytest.approx(np.nanmax(new))


def test_float16_frames_are_reduced_too() -> None:
    field = _field()
    view = FieldView(field, max_display_side=128, dtype="float16")
    expected = _coarsened(field.values[0], (3, 4))
    np.testing.assert_allclose(_sent(view).astype(np.float64), expected, rtol=1e-3, atol=1e-3)


def test_velocity_arrows_come_from_the_full_grid() -> None:
    field = _field().isel(t=0)
    u = np.arange(300 * 500, dtype=np.float64).reshape(300, 500)  # a distinct value a sample
    view = FieldView(field, vectors=(u, -u), max_display_side=128)
    arrows = np.frombuffer(view.vector_frame, "<f4").reshape(view.vector_shape)
    assert view.vector_shape[0] == 2 and 16 <= min(view.vector_shape[1:]) <= 32
    assert np.isin(arrows[0], u.astype(np.float32)).all()  # samples of u, not block means
    np.testing.assert_array_equal(arrows[1], -arrows[0])


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "1024"])
def test_bad_max_display_side_is_refused_with_the_fix(bad: Any) -> None:
    message = rf"max_display_side={re.escape(repr(bad))} must be a positive whole number.*None"
    with pytest.raises(ParameterError, match=message):
        FieldView(np.zeros((4, 4)), max_display_side=bad)


# -- lazy data ------------------------------------------------------------------------------------
class _CountingArray:
    """An array that records the number of values each read returns (dask reads through it)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values, self.shape, self.dtype, self.ndim = values, values.shape, values.dtype, 3
        self.reads: list[int] = []

    def __getitem__(self, key: Any) -> np.ndarray:
        out = self.values[key]
        self.reads.append(int(np.size(out)))
        return out


def _lazy_series(values: np.ndarray, data: Any) -> xr.DataArray:
    n, ny, nx = values.shape
    return xr.DataArray(
        data,
        dims=("time", "lat", "lon"),
        coords={"time": np.arange(n) * 6.0, "lat": np.linspace(40, -40, ny), "lon": np.arange(nx)},
        name="t2m",
    )


def _source(n: int = 5, ny: int = 30, nx: int = 50) -> np.ndarray:
    values = np.random.default_rng(4).standard_normal((n, ny, nx)).astype(np.float32)
    values[2, 3, 4] = np.inf  # left out of the colour range
    values[0, 0, 0] = np.nan
    return values


def test_a_dask_backed_series_is_not_loaded_whole() -> None:
    dask_array = pytest.importorskip("dask.array")
    values = _source()
    source = _CountingArray(values)
    series = _lazy_series(values, dask_array.from_array(source, chunks=(1, 30, 50)))
    view = FieldView(series, max_display_side=16)
    frame = 30 * 50
    reads = [r for r in source.reads if r]  # dask also reads an empty slice for its metadata
    assert max(reads) == frame  # never more than one frame at a time
    assert len(reads) <= 5 + 1  # the colour range in one pass, and the frame shown
    finite = values[np.isfinite(values)]
    assert (view.vmin, view.vmax) == (float(finite.min()), float(finite.max()))
    source.reads.clear()
    view.index = 3
    assert [r for r in source.reads if r] == [frame]
    north_up = values[3, ::-1]  # oracle: latitude given north to south, shown south up
    np.testing.assert_array_equal(view.current(), north_up)
    expected = _coarsened(north_up.astype(np.float64), (2, 4)).astype(np.float32)
    np.testing.assert_allclose(_sent(view), expected, rtol=1e-6)


def test_a_lazily_indexed_array_is_read_frame_by_frame() -> None:
    from xarray.backends import BackendArray
    from xarray.core import indexing

    class Backend(BackendArray):
        """A file-like backend array (as in xarray's guide to backends) that counts reads."""

        def __init__(self, values: np.ndarray) -> None:
            self.values, self.shape, self.dtype = values, values.shape, values.dtype
            self.reads: list[int] = []

        def __getitem__(self, key: Any) -> np.ndarray:
            return indexing.explicit_indexing_adapter(
                key, self.shape, indexing.IndexingSupport.BASIC, self._read
            )

        def _read(self, key: Any) -> np.ndarray:
            out = self.values[key]
            self.reads.append(int(np.size(out)))
            return out

    values = _source()
    backend = Backend(values)
    lazy = indexing.LazilyIndexedArray(backend)
    view = FieldView(_lazy_series(values, xr.Variable(("time", "lat", "lon"), lazy)))
    assert max(backend.reads) == 30 * 50  # streamed for the range, never read whole
    finite = values[np.isfinite(values)]
    assert (view.vmin, view.vmax) == (float(finite.min()), float(finite.max()))
    backend.reads.clear()
    view.index = 4
    view.slice_index = 0
    view.current()
    assert backend.reads == [30 * 50]  # shown, hovered and profiled from one read
    np.testing.assert_array_equal(_sent(view), values[4, ::-1])


def test_a_fixed_range_reads_only_the_frames_shown() -> None:
    dask_array = pytest.importorskip("dask.array")
    values = _source()
    source = _CountingArray(values)
    series = _lazy_series(values, dask_array.from_array(source, chunks=(1, 30, 50)))
    view = FieldView(series, vmin=-1.0, vmax=1.0)
    assert [r for r in source.reads if r] == [30 * 50]  # frame 0, no pass for a range
    view.range_mode = "symmetric"  # now the range is needed: all frames, once
    bound = float(np.abs(values[np.isfinite(values)]).max())
    assert (view.vmin, view.vmax) == (-bound, bound)
    assert len([r for r in source.reads if r]) == 1 + 5


def test_a_netcdf_file_opened_lazily_stays_on_disk(tmp_path: Any) -> None:
    pytest.importorskip("netCDF4")
    values = _source()
    path = tmp_path / "t2m.nc"
    _lazy_series(values, values).to_netcdf(path)
    with xr.open_dataset(path) as dataset:
        view = FieldView(dataset)
        assert not dataset["t2m"].variable._in_memory
        view.index = 2
        np.testing.assert_array_equal(_sent(view), values[2, ::-1])
        assert not dataset["t2m"].variable._in_memory
        assert view.vmax == float(values[np.isfinite(values)].max())


def test_in_memory_values_are_still_there_for_the_comparison_view() -> None:
    from ai4s_lab.widgets._field_data import read_field

    values = _source()
    field = read_field(_lazy_series(values, values))
    np.testing.assert_array_equal(field.values, values[:, None, ::-1])
    assert field.values.dtype == np.float32 and field.values.flags.c_contiguous
    assert field.frames.shape == (5, 1, 30, 50)


# -- in the browser -------------------------------------------------------------------------------
_BROWSER_CELL = (
    "import numpy as np\n"
    "import xarray as xr\n"
    "from ai4s_lab.widgets import FieldView\n"
    "rng = np.random.default_rng(7)\n"
    "noise = xr.DataArray(rng.standard_normal((151, 253)), dims=('y', 'x'), name='noise',\n"
    "                     coords={'y': 0.5 * np.arange(151), 'x': 0.25 * np.arange(253)})\n"
    "view = FieldView(noise, max_display_side=64, height=302)\n"
    "view"
)


@pytest.mark.browser
@pytest.mark.slow
def test_block_means_are_drawn_and_read_out_where_their_samples_are(
    jupyter_lab: Any, lab_page: Any, tmp_path: Any
) -> None:
    """A 151 x 253 field shown as 51 x 64 means of 3 x 4 blocks (the last row of blocks holds
    one row of samples, the last column one column): two CSS pixels a sample, each sample has
    the colour of its block's mean, and the readout names the block's mean and the centre of
    its samples."""
    from PIL import Image

    from tests.conftest import make_notebook
    from tests.lab_helpers import open_notebook, run_all_cells

    rng = np.random.default_rng(7)  # the notebook's field
    values = rng.standard_normal((151, 253))
    y, x = 0.5 * np.arange(151), 0.25 * np.arange(253)
    means = _coarsened(values, (3, 4)).astype(np.float32)
    vmin, vmax = values.min(), values.max()
    lut = colormap_lut("viridis")

    page = lab_page
    notebook = make_notebook(tmp_path / "field_view_blocks.ipynb", [_BROWSER_CELL])
    open_notebook(page, jupyter_lab, jupyter_lab.add(notebook))
    assert run_all_cells(page) == []
    page.wait_for_function(
        "() => document.querySelector('.ai4s-field-view')?.dataset.frameIndex === '0'"
    )
    assert page.inner_text(".fv-note") == "shown 51×64 of 151×253 (3×4 block means)"
    overlay = page.query_selector(".ai4s-field-view canvas:nth-of-type(2)")
    assert overlay is not None
    box = overlay.bounding_box()
    assert (box["width"], box["height"]) == (506, 302)  # the data's proportions
    picture = np.asarray(Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB"))
    for i, j in ((0, 0), (75, 125), (149, 1), (150, 252), (148, 251)):
        bi, bj = i // 3, j // 4
        ia, ib, ja, jb = 3 * bi, min(151, 3 * bi + 3), 4 * bj, min(253, 4 * bj + 4)
        # the colour: the table entry of the block mean, halves up (as render_png)
        level = int(np.floor((float(means[bi, bj]) - vmin) / (vmax - vmin) * 255 + 0.5))
        row, column = 2 * (150 - i) + 1, 2 * j + 1  # inside the sample; y grows upwards
        colour = picture[row, column].astype(int)
        assert np.abs(colour - lut[level]).max() <= 3, (i, j, colour, lut[level])
        page.mouse.move(box["x"] + column, box["y"] + row)
        readout = page.inner_text(".fv-readout").strip()
        found = re.fullmatch(
            r"x = (\S+), y = (\S+), noise = (\S+) \(mean of (\d+)×(\d+) block\)", readout
        )
        assert found, readout
        shown_x, shown_y, value = (float(v) for v in found.groups()[:3])
        assert (int(found[4]), int(found[5])) == (ib - ia, jb - ja), readout
        assert shown_x == pytest.approx(x[ja:jb].mean(), rel=1e-3, abs=1e-3), readout
        assert shown_y == pytest.approx(y[ia:ib].mean(), rel=1e-3, abs=1e-3), readout
        assert value == pytest.approx(float(means[bi, bj]), rel=1e-3, abs=1e-4), readout
    assert page.errors == []
