"""FieldView: a 2D field, or a (t, y, x) series of them, in an anywidget canvas.

Frames travel to the browser one at a time as binary float32 (or float16) buffers, never as JSON
lists: the front end asks for a frame by setting ``index`` and the kernel answers with its bytes.
The colour table (256 RGB entries) is computed here and sent once, so the browser and the static
PNG fallback (:meth:`FieldView.to_png`, also put beside the widget in the display bundle so an
offline HTML report shows the field) use the same colours: both pick the colour table entry
``round((value - vmin) / (vmax - vmin) * 255)`` (halves up, as JavaScript's ``Math.round``) of
the value as sent (float32 or float16). 3D fields are shown as ``z`` slices.

Frames larger than ``max_display_side`` samples per side are sent as NaN-aware block means (an
integer block per axis), so that an 8192² field costs 4 MB a step instead of 256 MB; the extent
stays that of the whole grid, and what the kernel computes (:meth:`FieldView.current`,
:meth:`FieldView.profile_values`) uses the full frames. Frames of a DataArray are read when shown
(see :class:`~ai4s_lab.widgets._field_data.Frames`): a dask-backed or lazily opened NetCDF file is
not loaded whole.
"""

from __future__ import annotations

import base64
import datetime
import logging
import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ai4s_lab._numbers import is_integer
from ai4s_lab._optional import import_optional
from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.widgets._field_data import (
    FieldData,
    Frames,
    cell_bounds,
    finite_range,
    float_values,
    on_grid_of,
    read_field,
)
from ai4s_lab.widgets._frontend import frontend_file

if TYPE_CHECKING:
    import anywidget
    import traitlets
else:
    anywidget = import_optional("anywidget", purpose="the FieldView widget")
    traitlets = import_optional("traitlets", purpose="the FieldView widget")

__all__ = [
    "COLORMAPS",
    "FieldView",
    "block_means",
    "colormap_lut",
    "colour_range",
    "display_block",
    "finite_range",
    "render_png",
]

#: Colour maps: control points (position in [0, 1], RGB 0-255), linearly interpolated to 256.
#: viridis and magma follow the matplotlib maps of van der Walt & Smith (CC0).
COLORMAPS: dict[str, list[tuple[float, tuple[int, int, int]]]] = {
    "viridis": [
        (0.0, (68, 1, 84)), (0.125, (71, 44, 122)), (0.25, (59, 81, 139)),
        (0.375, (44, 113, 142)), (0.5, (33, 144, 141)), (0.625, (39, 173, 129)),
        (0.75, (92, 200, 99)), (0.875, (170, 220, 50)), (1.0, (253, 231, 37)),
    ],
    "magma": [
        (0.0, (0, 0, 4)), (0.125, (28, 16, 68)), (0.25, (79, 18, 123)),
        (0.375, (129, 37, 129)), (0.5, (181, 54, 122)), (0.625, (229, 80, 100)),
        (0.75, (251, 135, 97)), (0.875, (254, 194, 135)), (1.0, (252, 253, 191)),
    ],
    "RdBu_r": [
        (0.0, (5, 48, 97)), (0.125, (33, 102, 172)), (0.25, (67, 147, 195)),
        (0.375, (146, 197, 222)), (0.5, (247, 247, 247)), (0.625, (244, 165, 130)),
        (0.75, (214, 96, 77)), (0.875, (178, 24, 43)), (1.0, (103, 0, 31)),
    ],
    "gray": [(0.0, (0, 0, 0)), (1.0, (255, 255, 255))],
}  # fmt: skip
RANGE_MODES = ("auto", "fixed", "symmetric")
#: Largest number of arrows per side of the velocity overlay.
VECTOR_ARROWS = 24
#: Default largest number of samples per side of a frame sent to the browser (1024² float32 is
#: 4 MB a message); larger frames are sent as block means.
MAX_DISPLAY_SIDE = 1024
#: :func:`block_means` works through a frame in strips of about this many samples (32 MB of
#: float64), so that an 8192² frame needs no padded float64 copy of itself.
_STRIP_SAMPLES = 1 << 22

logger = logging.getLogger(__name__)

#: The largest finite float16 number.
_FLOAT16_MAX = 65504.0


class _RefusedTraitError(ParameterError, traitlets.TraitError):
    """A bad value for a trait: a :class:`ParameterError` that traitlets also knows, so that a
    value refused inside ``hold_trait_notifications`` (a front-end message) is rolled back."""


def colour_range(low: float, high: float, *, symmetric: bool = False) -> tuple[float, float]:
    """The colour range ``(vmin, vmax)`` for values from ``low`` to ``high``: those two, or
    ±max(|low|, |high|) with ``symmetric``; a constant gets ±0.5 around it (more where 0.5 is
    lost to rounding), so that the range always has a positive width."""
    if symmetric:
        bound = max(abs(low), abs(high)) or 1.0
        low, high = -bound, bound
    if high <= low:
        half = max(0.5, abs(low) * 1e-6)
        low, high = low - half, high + half
    return low, high


def colormap_lut(name: str) -> np.ndarray:
    """The 256 x 3 uint8 colour table of a colour map in :data:`COLORMAPS`."""
    if name not in COLORMAPS:
        raise ParameterError(
            f"colormap={name!r} is not known; use one of {', '.join(map(repr, COLORMAPS))}"
        )
    points = COLORMAPS[name]
    where = np.array([p for p, _ in points])
    rgb = np.array([c for _, c in points], dtype=np.float64)
    grid = np.linspace(0.0, 1.0, 256)
    table = np.stack([np.interp(grid, where, rgb[:, i]) for i in range(3)], axis=1)
    return np.round(table).astype(np.uint8)


def render_png(frame: np.ndarray, vmin: float, vmax: float, colormap: str = "viridis") -> bytes:
    """A 2D array as PNG bytes (one pixel per value, row 0 at the bottom like the widget;
    NaN and ±inf drawn mid-gray). A value takes the colour table entry
    ``round((value - vmin) / (vmax - vmin) * 255)``, clipped to 0-255 and rounded halves up,
    exactly as the browser does. Pure NumPy + zlib: no plotting library needed."""
    values = np.asarray(frame, dtype=np.float64)
    if values.ndim != 2 or values.size == 0:
        raise InputError(f"render_png needs a non-empty 2D array, got shape {values.shape}")
    span = vmax - vmin if vmax > vmin else 1.0
    scaled = np.clip((values - vmin) / span, 0.0, 1.0)
    # the nearest of the 256 levels, halves up: Math.round in widgets/field_view.js (level and
    # fraction are exact in float64, where floor(x + 0.5) would round 0.49999999999999994 up)
    position = np.nan_to_num(scaled, nan=0.0) * 255
    level = np.floor(position)
    index = (level + (position - level >= 0.5)).astype(np.uint8)
    rgb = colormap_lut(colormap)[index]
    rgb[~np.isfinite(values)] = (128, 128, 128)
    rgb = rgb[::-1]  # y grows upwards
    height, width = values.shape
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def display_block(shape: Sequence[int], max_side: int | None) -> tuple[int, int]:
    """The block ``(by, bx)`` (samples per shown pixel along y and x) that brings a frame of
    ``shape = (ny, nx)`` to at most ``max_side`` samples per side: ``ceil(n / max_side)`` per
    axis, ``(1, 1)`` where it fits or ``max_side`` is ``None``."""
    ny, nx = (int(n) for n in shape[-2:])
    if max_side is None:
        return 1, 1
    return max(1, -(-ny // max_side)), max(1, -(-nx // max_side))


def block_means(frame: np.ndarray, block: tuple[int, int]) -> np.ndarray:
    """Means of a 2D frame over blocks of ``block = (by, bx)`` samples, NaN left out.

    The frame is padded with NaN to whole blocks at its far edges (the last rows and columns),
    so an edge block averages only the samples it holds, and a block of NaN only stays NaN;
    ±inf carry over (+inf and -inf in one block give NaN), like ``np.nanmean``. Returns float64
    of shape ``(ceil(ny / by), ceil(nx / bx))``; the frame is read in strips of block rows, so
    the memory needed beyond the result is a few strips, whatever the frame's size.
    """
    values = np.asarray(frame)
    by, bx = (int(b) for b in block)
    if values.ndim != 2 or by < 1 or bx < 1:
        raise InputError(
            f"block_means needs a 2D frame and positive blocks, got shape {values.shape} and "
            f"block={block!r}"
        )
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    ny, nx = values.shape
    my, mx = -(-ny // by), -(-nx // bx)
    out = np.empty((my, mx))
    rows = max(1, _STRIP_SAMPLES // (by * mx * bx))  # block rows a strip
    for start in range(0, my, rows):
        stop = min(my, start + rows)
        part = values[start * by : stop * by]
        if part.shape == ((stop - start) * by, mx * bx):
            strip = part
        else:  # the far edges: pad with NaN to whole blocks
            strip = np.full(((stop - start) * by, mx * bx), np.nan, dtype=values.dtype)
            strip[: part.shape[0], :nx] = part
        counted = ~np.isnan(strip)
        with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf, and 0 / 0: NaN
            # the rows of a block (a reduction across whole rows, fast), then its columns
            # (one strided addition a column, as fast: numpy is slow to reduce a short axis)
            rowsums = np.where(counted, strip, 0).reshape(-1, by, mx * bx).sum(1, np.float64)
            rowcounts = counted.reshape(-1, by, mx * bx).sum(1, np.int64)
            total = sum(rowsums[:, k::bx] for k in range(1, bx)) + rowsums[:, 0::bx]
            count = sum(rowcounts[:, k::bx] for k in range(1, bx)) + rowcounts[:, 0::bx]
            out[start:stop] = total / count  # 0 / 0 where a block holds only NaN
    return out


class FieldView(anywidget.AnyWidget):
    """An interactive view of a 2D field or a time series of 2D fields.

    Parameters
    ----------
    data
        An ``xarray.DataArray`` (or a Dataset with one variable) with dims ``(y, x)``,
        ``(t, y, x)``, ``(z, y, x)`` or ``(t, z, y, x)``, where other names are read by position
        (``(time, lat, lon)`` works; a leading ``depth``/``level`` dim is sliced, any other
        leading dim is played as time); coordinates give the axes and the times (datetimes are
        shown as dates). Or a NumPy/torch array ``(y, x)`` or ``(t, y, x)``. A ``batch`` dim must
        be selected first (``.isel(batch=0)``). The ``y`` and ``x`` coordinates must be evenly
        spaced (each sample is drawn as a cell of the same size): interpolate an uneven grid
        first, e.g. ``da.interp(x=np.linspace(x0, x1, n))``. A DataArray is read one frame
        at a time when shown, so a dask-backed or lazily opened file (``xr.open_dataset``) is
        not loaded whole; the ``"auto"`` and ``"symmetric"`` ranges read every frame once, when
        first needed (one dask computation for dask-backed data); ``"fixed"`` reads none.
    colormap
        One of :data:`COLORMAPS`.
    range_mode
        ``"auto"`` (min to max over all frames), ``"symmetric"`` (±max|value|) or ``"fixed"``
        (``vmin``/``vmax``). Not given: ``"fixed"`` where ``vmin`` and ``vmax`` are given,
        else ``"auto"``.
    vmin, vmax
        The colour range for ``range_mode="fixed"`` (finite, ``vmin < vmax``).
    fps
        Frames per second of the play button.
    dtype
        ``"float32"`` or ``"float16"`` (half the bytes per frame) for the frames sent.
    vectors
        Optional ``(u, v)`` velocity over the field's grid, drawn as arrows: two DataArrays
        (transposed and flipped by their own dims and coordinates, like ``data``) or two
        arrays shaped like ``data`` (they take its dims and coordinates, so they are flipped
        with it). ``u`` and ``v`` are the components along increasing ``x`` and ``y``
        coordinates (east and north for ``lon``/``lat``), whatever order the rows are stored
        in: flipping rows moves the arrows, it does not change their sign.
    live
        Follow the last frame as :meth:`append` adds frames (e.g. ``solve(callback=view.append)``).
    height
        Height of the canvas in CSS pixels (positive).
    max_display_side
        Largest number of samples (pixels of the image sent) per side of a frame sent to the
        browser, a positive integer; a larger frame is sent as means over blocks of
        ``ceil(n / max_display_side)`` samples along each axis of ``n`` samples (NaN left out),
        e.g. an 8192² field as 1024² means over 8 x 8 blocks. ``None`` always sends whole
        frames (256 MB a step for 8192² float32). The hover readout and the front end's line
        profile then show block means; :meth:`current` and :meth:`profile_values` always use
        the full frames.

    Notes
    -----
    Traits the front end sets: ``index`` (frame shown), ``slice_index`` (3D), ``playing``,
    ``profile`` (``[x0, y0, x1, y1]`` of the drawn line, in data coordinates).

    ``shape`` is ``[ny, nx]`` of the frame sent, ``full_shape`` that of the data, ``block``
    the samples ``[by, bx]`` each sent value averages (``[1, 1]``: full resolution) and
    ``resolution_note`` says so in words (``"shown 1024×1024 of 8192×8192 (8×8 block
    means)"``, empty at full resolution); ``extent`` is the full grid's either way.
    """

    _esm = frontend_file("field_view.js")

    frame = traitlets.Bytes(b"").tag(sync=True)
    frame_index = traitlets.Int(-1).tag(sync=True)
    frame_dtype = traitlets.Unicode("float32").tag(sync=True)
    shape = traitlets.List(traitlets.Int(), [0, 0]).tag(sync=True)
    full_shape = traitlets.List(traitlets.Int(), [0, 0]).tag(sync=True)
    block = traitlets.List(traitlets.Int(), [1, 1]).tag(sync=True)
    resolution_note = traitlets.Unicode("").tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)
    n_frames = traitlets.Int(0).tag(sync=True)
    times = traitlets.List(traitlets.Float(), []).tag(sync=True)
    time_labels = traitlets.List(traitlets.Unicode(), []).tag(sync=True)
    time_name = traitlets.Unicode("t").tag(sync=True)
    axis_names = traitlets.List(traitlets.Unicode(), ["y", "x"]).tag(sync=True)
    extent = traitlets.List(traitlets.Float(), [0.0, 1.0, 0.0, 1.0]).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    units = traitlets.Unicode("").tag(sync=True)
    colormap = traitlets.Unicode("viridis").tag(sync=True)
    lut = traitlets.Bytes(b"").tag(sync=True)
    range_mode = traitlets.Unicode("auto").tag(sync=True)
    vmin = traitlets.Float(0.0).tag(sync=True)
    vmax = traitlets.Float(1.0).tag(sync=True)
    fps = traitlets.Int(10).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    profile = traitlets.List(traitlets.Float(), []).tag(sync=True)
    vector_frame = traitlets.Bytes(b"").tag(sync=True)
    vector_shape = traitlets.List(traitlets.Int(), []).tag(sync=True)
    n_slices = traitlets.Int(1).tag(sync=True)
    slice_index = traitlets.Int(0).tag(sync=True)
    height = traitlets.Int(360).tag(sync=True)

    def __init__(
        self,
        data: Any,
        *,
        colormap: str = "viridis",
        range_mode: str | None = None,
        vmin: float | None = None,
        vmax: float | None = None,
        fps: int = 10,
        dtype: str = "float32",
        vectors: tuple[Any, Any] | None = None,
        live: bool = False,
        height: int = 360,
        max_display_side: int | None = MAX_DISPLAY_SIDE,
    ) -> None:
        if max_display_side is not None and not (
            is_integer(max_display_side) and max_display_side >= 1
        ):
            raise ParameterError(
                f"max_display_side={max_display_side!r} must be a positive whole number of "
                f"samples per side (e.g. {MAX_DISPLAY_SIDE}), or None to always send whole "
                "frames"
            )
        field = read_field(data)
        if range_mode is None:
            range_mode = "fixed" if vmin is not None and vmax is not None else "auto"
        frames, coords = field.frames, field.coords
        if dtype not in ("float32", "float16"):
            raise ParameterError(f"dtype={dtype!r} must be 'float32' or 'float16'")
        if range_mode not in RANGE_MODES:
            raise ParameterError(
                f"range_mode={range_mode!r} is not known; use one of {', '.join(RANGE_MODES)}"
            )
        if not (is_integer(fps) and 1 <= fps <= 60):
            raise ParameterError(f"fps={fps!r} must be an integer from 1 to 60")
        if range_mode == "fixed" and (
            vmin is None or vmax is None or not math.isfinite(vmin) or not vmin < vmax < math.inf
        ):
            raise ParameterError(
                f"range_mode='fixed' needs finite vmin < vmax (got vmin={vmin!r}, vmax={vmax!r})"
            )
        if not (is_integer(height) and height > 0):
            raise ParameterError(f"height={height!r} must be a positive number of CSS pixels")
        self._values: Frames = frames  # each (z, y, x), read when shown
        self._times: list[float] = list(field.times)
        self._coords = coords
        self._time_origin = field.time_origin
        self._np_dtype = np.dtype(dtype)
        self._vectors = _read_vectors(vectors, data, field) if vectors is not None else None
        # the finite (low, high) of all frames: read when a range mode first needs it (a lazy
        # file is read through once), then kept up to date by append()
        self._data_range: tuple[float, float] | None = None
        self._range_known = False
        self.live = bool(live)
        self._fixed_range: tuple[float, float] | None = None  # what "fixed" goes back to
        y, x = coords["y"], coords["x"]
        depth, ny, nx = frames.frame_shape
        by, bx = display_block((ny, nx), max_display_side)
        self._block = (by, bx)
        self._shown: tuple[int, int, np.ndarray] | None = None  # (index, slice, block means)
        shown = [-(-ny // by), -(-nx // bx)]
        super().__init__(
            shape=shown,
            full_shape=[ny, nx],
            block=[by, bx],
            resolution_note=(
                f"shown {shown[0]}×{shown[1]} of {ny}×{nx} ({by}×{bx} block means)"
                if (by, bx) != (1, 1)
                else ""
            ),
            n_frames=len(self._values),
            times=[float(t) for t in self._times],
            time_labels=field.time_labels,
            time_name=field.time_name,
            axis_names=list(field.axis_names),
            extent=[*cell_bounds(x), *cell_bounds(y)],  # each sample a pixel centre
            name=field.name,
            units=field.units,
            colormap=colormap,
            lut=colormap_lut(colormap).tobytes(),
            range_mode=range_mode,
            fps=int(fps),
            frame_dtype=dtype,
            n_slices=depth,
            slice_index=depth // 2,
            height=int(height),
        )
        if range_mode == "fixed" and vmin is not None and vmax is not None:
            with self.hold_trait_notifications():  # checked together: vmin < vmax
                self.vmin, self.vmax = float(vmin), float(vmax)
            self._fixed_range = (self.vmin, self.vmax)
        else:
            self._update_range()
        self.index = len(self._values) - 1 if self.live else 0
        self._send_frame()

    # -- kernel -> browser ----------------------------------------------------------------------
    @traitlets.observe("index", "slice_index")
    def _on_index(self, change: Mapping[str, Any]) -> None:
        if not 0 <= self.index < len(self._values):
            self.index = min(max(self.index, 0), len(self._values) - 1)
            return
        if not 0 <= self.slice_index < self.n_slices:
            self.slice_index = min(max(self.slice_index, 0), self.n_slices - 1)
            return
        self._send_frame()

    @traitlets.validate("colormap", "range_mode")
    def _valid_choice(self, proposal: Mapping[str, Any]) -> str:
        name, value = proposal["trait"].name, proposal["value"]
        allowed = COLORMAPS if name == "colormap" else RANGE_MODES
        if value not in allowed:
            raise _RefusedTraitError(
                f"{name}={value!r} is not known; use one of {', '.join(map(repr, allowed))} "
                f"(the view keeps {getattr(self, name)!r})"
            )
        return str(value)

    @traitlets.validate("fps")
    def _valid_fps(self, proposal: Mapping[str, Any]) -> int:
        value = proposal["value"]
        if not 1 <= value <= 60:
            raise _RefusedTraitError(
                f"fps={value!r} must be an integer from 1 to 60 (the view keeps {self.fps!r})"
            )
        return int(value)

    @traitlets.validate("height")
    def _valid_height(self, proposal: Mapping[str, Any]) -> int:
        value = proposal["value"]
        if value <= 0:
            raise _RefusedTraitError(
                f"height={value!r} must be a positive number of CSS pixels "
                f"(the view keeps {self.height!r})"
            )
        return int(value)

    @traitlets.validate("vmin", "vmax")
    def _valid_bound(self, proposal: Mapping[str, Any]) -> float:
        name, value = proposal["trait"].name, float(proposal["value"])
        if not math.isfinite(value):
            raise _RefusedTraitError(
                f"{name}={value!r} must be a finite number (the view keeps {getattr(self, name)!r})"
            )
        if self.range_mode == "fixed":
            low, high = (value, self.vmax) if name == "vmin" else (self.vmin, value)
            if not low < high:
                raise _RefusedTraitError(
                    f"{name}={value!r} would give vmin={low!r} >= vmax={high!r} in "
                    f"range_mode='fixed'; set {'vmax' if name == 'vmin' else 'vmin'} first "
                    f"(the view keeps {getattr(self, name)!r})"
                )
        return value

    @traitlets.observe("colormap")
    def _on_colormap(self, change: Mapping[str, Any]) -> None:
        self.lut = colormap_lut(change["new"]).tobytes()

    @traitlets.observe("range_mode")
    def _on_range_mode(self, change: Mapping[str, Any]) -> None:
        if change["new"] != "fixed":
            self._update_range()
        elif self._fixed_range is not None:  # back to the range the user fixed
            with self.hold_trait_notifications():
                self.vmin, self.vmax = self._fixed_range

    @traitlets.observe("vmin", "vmax")
    def _on_fixed_range(self, change: Mapping[str, Any]) -> None:
        if self.range_mode == "fixed" and self.vmin < self.vmax:
            self._fixed_range = (self.vmin, self.vmax)

    def current(self) -> np.ndarray:
        """The 2D frame shown now (``slice_index`` of a 3D field), float64."""
        return np.asarray(self._values[self.index][self.slice_index], dtype=np.float64)

    def _shown_frame(self) -> np.ndarray:
        """The 2D frame shown now as it is sent, before the cast to float32/float16: the
        frame itself, or its block means where it has more than ``max_display_side`` samples
        on a side (kept for the frame shown, so that :meth:`to_png` does not redo them)."""
        frame = self._values[self.index][self.slice_index]
        if self._block == (1, 1):
            return np.asarray(frame)
        if self._shown is None or self._shown[:2] != (self.index, self.slice_index):
            self._shown = (self.index, self.slice_index, block_means(frame, self._block))
        return self._shown[2]

    def _send_frame(self) -> None:
        values = self._shown_frame()
        largest = float(np.max(np.abs(values), where=np.isfinite(values), initial=0.0))
        if self._np_dtype == np.float16 and largest > _FLOAT16_MAX:
            # float16 holds up to 65504: larger finite values (pressures in Pa, ...) would arrive
            # as inf (±inf and NaN themselves fit float16)
            logger.warning(
                "FieldView: values up to %.4g do not fit float16 (at most 65504); frames are "
                "sent as float32 from now on",
                largest,
            )
            self._np_dtype = np.dtype(np.float32)
            self.frame_dtype = "float32"
        frame = np.ascontiguousarray(values, dtype=self._np_dtype.newbyteorder("<"))
        with self.hold_sync():
            self.frame = frame.tobytes()
            self.frame_index = self.index
            if self._vectors is not None and self.index < len(self._vectors[0]):
                u, v = self._vectors
                pair = np.stack([u[self.index][self.slice_index], v[self.index][self.slice_index]])
                arrows = _subsample(pair)
                self.vector_shape = list(arrows.shape)
                self.vector_frame = arrows.astype("<f4").tobytes()
            elif self._vectors is not None:  # a frame added by append() has no arrows
                self.vector_shape, self.vector_frame = [], b""

    def _update_range(self) -> None:
        if not self._range_known:
            self._data_range, self._range_known = self._values.finite_range(), True
        low, high = self._data_range or (0.0, 1.0)
        low, high = colour_range(low, high, symmetric=self.range_mode == "symmetric")
        with self.hold_trait_notifications():  # checked together: vmin < vmax
            self.vmin, self.vmax = low, high

    # -- live streaming ---------------------------------------------------------------------------
    def append(self, t: Any, frame: Any) -> None:
        """Add a frame at time ``t`` (a 2D/3D array or DataArray, or the ``{name: array}``
        mapping that :func:`ai4s_lab.pde.solve` passes to its ``callback``); with ``live=True``
        the view jumps to it.

        ``t`` is a number, or a datetime (``np.datetime64``, ``pd.Timestamp``, ``datetime``)
        where the view's times are datetimes. A DataArray is read like the view's data (its
        dims by name, descending coordinates flipped). Everything is checked before the view
        changes: a refused frame leaves it as it was. The colour range grows with each frame.
        """
        if isinstance(frame, Mapping):
            if self.name not in frame:
                if len(frame) != 1:
                    raise InputError(
                        f"append got fields {sorted(frame)}; none is named {self.name!r}"
                    )
                frame = next(iter(frame.values()))
            else:
                frame = frame[self.name]
        seconds, label = self._read_time(t)
        if hasattr(frame, "dims") or hasattr(frame, "data_vars"):
            read = read_field(frame).values
            values = np.array(read[0] if read.shape[0] == 1 else read)
        else:  # a copy: the caller may reuse its buffer
            values = np.array(float_values(frame, f"append at t={t!r}"))
        if values.ndim == 2:
            values = values[None]
        if values.shape != self._values.frame_shape:
            raise InputError(
                f"append: frame shape {values.shape} differs from the view's "
                f"{self._values.frame_shape}"
            )
        new_range = finite_range([values])
        if new_range is not None and self._data_range is not None:
            low, high = self._data_range
            new_range = (min(low, new_range[0]), max(high, new_range[1]))
        if self._range_known:  # else the first range read covers this frame too
            self._data_range = new_range or self._data_range
        self._values.append(values)
        self._times.append(seconds)
        with self.hold_sync():
            self.n_frames = len(self._values)
            self.times = [*self.times, seconds]
            if self.time_labels:
                self.time_labels = [*self.time_labels, label]
            if self.range_mode != "fixed":
                self._update_range()
            if self.live:
                self.index = len(self._values) - 1

    def _read_time(self, t: Any) -> tuple[float, str]:
        """``t`` as seconds for the slider and as a label; :class:`InputError` where it is not a
        time this view can hold. On a datetime series a number is seconds since its first time."""
        is_date = isinstance(t, (np.datetime64, datetime.date)) or hasattr(t, "to_datetime64")
        if is_date and self._time_origin is None:
            raise InputError(
                f"append: t={t!r} is a datetime, but this view's {self.time_name!r} times are "
                "numbers; pass a number (e.g. seconds), or show a series with datetime "
                "coordinates"
            )
        if is_date:
            stamp = t.to_datetime64() if hasattr(t, "to_datetime64") else np.datetime64(t)
            seconds = (
                math.nan
                if np.isnat(stamp)
                else (stamp - self._time_origin) / np.timedelta64(1, "s")
            )
        else:
            try:
                seconds = float(t)
            except (TypeError, ValueError) as err:
                raise InputError(f"append: t={t!r} is not a number; pass the frame's time") from err
        if not math.isfinite(seconds):
            raise InputError(f"append: t={t!r} is not a finite time; pass the frame's time")
        if self._time_origin is None:
            return seconds, f"{self.time_name} = {seconds:g}"
        when = self._time_origin + np.timedelta64(round(seconds * 1e9), "ns")
        text = np.datetime_as_string(when.astype(self._time_origin.dtype), unit="auto")
        return float(seconds), f"{self.time_name} = {text}"

    # -- profile --------------------------------------------------------------------------------
    def profile_values(self, points: int = 200) -> tuple[np.ndarray, np.ndarray]:
        """Values of the current frame along the drawn line ``profile`` (bilinear, periodic
        wrap not assumed), as ``(distance along the line, value)``."""
        if len(self.profile) != 4:
            raise InputError("no line profile: draw a line on the view or set view.profile")
        x0, y0, x1, y1 = self.profile
        xs, ys = self._coords["x"], self._coords["y"]
        s = np.linspace(0.0, 1.0, points)
        px = (x0 + s * (x1 - x0) - xs[0]) / (xs[1] - xs[0]) if len(xs) > 1 else 0 * s
        py = (y0 + s * (y1 - y0) - ys[0]) / (ys[1] - ys[0]) if len(ys) > 1 else 0 * s
        frame = self.current()
        ny, nx = frame.shape
        px = np.clip(px, 0, nx - 1)
        py = np.clip(py, 0, ny - 1)
        i0, j0 = np.floor(py).astype(int), np.floor(px).astype(int)
        i1, j1 = np.minimum(i0 + 1, ny - 1), np.minimum(j0 + 1, nx - 1)
        fy, fx = py - i0, px - j0
        values = (
            frame[i0, j0] * (1 - fy) * (1 - fx)
            + frame[i0, j1] * (1 - fy) * fx
            + frame[i1, j0] * fy * (1 - fx)
            + frame[i1, j1] * fy * fx
        )
        distance = s * math.hypot(x1 - x0, y1 - y0)
        return distance, values

    # -- static fallback -------------------------------------------------------------------------
    def to_png(self) -> bytes:
        """The current frame as PNG bytes, in the view's colour map and range: the values as
        sent to the browser (float32 or float16), so that both show the same colours. Where
        the frame is sent as block means (``max_display_side``), so is the PNG: one pixel a
        block, ``shape`` pixels (not ``full_shape``), blocks padded at the far edges."""
        with np.errstate(over="ignore"):
            sent = self._shown_frame().astype(self._np_dtype).astype(np.float64)
        return render_png(sent, self.vmin, self.vmax, self.colormap)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data = bundle[0]
        data["image/png"] = base64.b64encode(self.to_png()).decode("ascii")
        return bundle


def _read_vectors(vectors: Sequence[Any], data: Any, field: FieldData) -> tuple[Frames, Frames]:
    """``(u, v)`` as ``(t, z, y, x)`` frames on the grid of ``field`` (read from ``data``):
    arrays take the field's dims and coordinates, so they are transposed and flipped with it.
    Like the field's, DataArray frames are read when shown."""
    if len(vectors) != 2:
        raise InputError("vectors must be a pair (u, v) of fields shaped like the data")
    shape = field.frames.shape
    pair = []
    for name, component in zip("uv", vectors, strict=True):
        read = read_field(on_grid_of(component, data))
        if read.frames.shape != shape:
            raise InputError(
                f"vectors of shape {read.frames.shape} do not match the field's {shape}"
            )
        for axis in ("y", "x") if hasattr(data, "dims") else ():  # arrays have no coordinates
            here, there = read.coords[axis], field.coords[axis]
            step = abs(float(there[1] - there[0])) if len(there) > 1 else 1.0
            if not np.allclose(here, there, rtol=0.0, atol=1e-3 * step):
                raise InputError(
                    f"vectors: {name} has {axis} coordinates from {here[0]:g} to {here[-1]:g}, "
                    f"the field from {there[0]:g} to {there[-1]:g}; give u and v on the "
                    "field's grid (e.g. interpolate them with u.interp_like(field))"
                )
        pair.append(read.frames)
    return pair[0], pair[1]


def _subsample(pair: np.ndarray) -> np.ndarray:
    ny, nx = pair.shape[-2:]
    sy, sx = max(1, ny // VECTOR_ARROWS), max(1, nx // VECTOR_ARROWS)
    return pair[:, sy // 2 :: sy, sx // 2 :: sx]
