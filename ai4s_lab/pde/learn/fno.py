"""The Fourier neural operator (FNO) in 1D and 2D, resolution-agnostic.

A Fourier layer is ``v ↦ σ(W v + K v)`` where ``W`` is a pointwise linear map and ``K`` a
convolution parametrised in Fourier space: the ``modes`` lowest Fourier coefficients of ``v`` are
multiplied by learned complex matrices (channels × channels) and every higher mode is dropped.
Because the weights live on wave numbers, not on grid points, one trained model evaluates on any
grid fine enough to carry its modes (zero-shot super-resolution). The network lifts the input
(plus the grid coordinates) to ``width`` channels, applies ``layers`` Fourier layers with GELU,
and projects back to the output channels.

Inputs have shape ``(batch, in_channels, x)`` (1D) or ``(batch, in_channels, y, x)`` (2D). Each
model may carry per-channel normalisation constants (:meth:`FNO.fit_normalization`), stored in
its ``state_dict`` so that a checkpoint predicts in physical units.

References
----------
.. [1] Z. Li, N. Kovachki, K. Azizzadenesheli, B. Liu, K. Bhattacharya, A. Stuart and
   A. Anandkumar, "Fourier neural operator for parametric partial differential equations",
   ICLR 2021, arXiv:2010.08895, doi:10.48550/arXiv.2010.08895.
.. [2] D. Hendrycks and K. Gimpel, "Gaussian error linear units (GELUs)", arXiv:1606.08415.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral
from typing import Any, cast

import torch
from torch import nn

from ai4s_lab._numbers import is_integer
from ai4s_lab.errors import InputError, ParameterError

__all__ = ["COORDINATE_MODES", "FNO", "SpectralConv", "build_model", "coordinate_mode"]

#: Values of the ``coordinates`` setting of :class:`FNO`.
COORDINATE_MODES = ("cells", "nodes", "none")


def _positive_int(name: str, value: object, owner: str, minimum: int = 1) -> int:
    """``value`` as an int (numpy integers accepted) if it is an integer >= ``minimum``."""
    if not is_integer(value) or value < minimum:
        raise ParameterError(f"{owner}: {name}={value!r} must be an integer >= {minimum}")
    return int(value)


def _grid_shape(value: object, ndim: int, owner: str) -> tuple[int, ...] | None:
    """A ``padding_grid`` as one int per axis (an int applies to every axis), or None."""
    if value is None:
        return None
    items: object = [value] * ndim if isinstance(value, Integral) else value
    sizes = list(items) if isinstance(items, Sequence) and not isinstance(items, str) else []
    bad = [v for v in sizes if not is_integer(v) or v < 1]
    if len(sizes) != ndim or bad:
        raise ParameterError(
            f"{owner}: padding_grid={value!r} must be None or {ndim} grid size(s) >= 1 (points "
            "per axis of the grid at which `padding` cells hold)"
        )
    return tuple(int(v) for v in sizes)


class SpectralConv(nn.Module):
    """Fourier-space convolution with the lowest ``modes`` wave numbers kept (1D or 2D).

    For 1D input ``v (B, C_in, n)``: ``(K v)_o = irfft( Σ_i R[i, o, k] · rfft(v_i)[k] )`` for
    ``0 <= k < modes`` and zero above. In 2D the kept block is ``|k_y| < modes``, ``0 <= k_x <
    modes`` (two weight blocks for non-negative and negative ``k_y``). The FFTs use
    ``norm="forward"`` so the Fourier coefficients (hence the weights) do not depend on the
    number of grid points: the same layer acts identically on a band-limited function at any
    resolution that resolves its modes.

    Parameters
    ----------
    in_channels, out_channels
        Channel counts.
    modes
        Fourier modes kept per axis (``modes <= n // 2`` for the grids it will see).
    ndim
        1 or 2.
    """

    def __init__(self, in_channels: int, out_channels: int, modes: int, ndim: int = 2) -> None:
        super().__init__()
        owner = "SpectralConv"
        self.in_channels = _positive_int("in_channels", in_channels, owner)
        self.out_channels = _positive_int("out_channels", out_channels, owner)
        self.modes = _positive_int("modes", modes, owner)
        if ndim not in (1, 2):
            raise ParameterError(f"{owner}: ndim={ndim!r} must be 1 or 2")
        self.ndim = ndim
        scale = 1.0 / (in_channels * out_channels)
        blocks = 1 if ndim == 1 else 2
        shape = (blocks, in_channels, out_channels) + (modes,) * ndim
        self.weight = nn.Parameter(scale * torch.randn(shape, dtype=torch.cfloat))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        """Apply the convolution to ``v`` of shape ``(B, in_channels, *grid)``.

        float16 and bfloat16 input is transformed in float32 (torch has no half-precision FFT
        on the CPU, and on a GPU only for powers of two) and the result cast back.
        """
        if v.dtype in (torch.float16, torch.bfloat16):
            return self._transform(v.float()).to(v.dtype)
        return self._transform(v)

    def _transform(self, v: torch.Tensor) -> torch.Tensor:
        m = self.modes
        weight = self.weight.to(torch.complex128 if v.dtype == torch.float64 else torch.cfloat)
        if self.ndim == 1:
            n = v.shape[-1]
            _check_modes(m, (n,))
            spec = torch.fft.rfft(v, norm="forward")
            out = torch.zeros(
                v.shape[0], self.out_channels, n // 2 + 1, dtype=spec.dtype, device=v.device
            )
            out[..., :m] = torch.einsum("bix,iox->box", spec[..., :m], weight[0])
            return torch.fft.irfft(out, n=n, norm="forward")
        ny, nx = v.shape[-2:]
        _check_modes(m, (ny, nx))
        spec = torch.fft.rfft2(v, norm="forward")
        out = torch.zeros(
            v.shape[0], self.out_channels, ny, nx // 2 + 1, dtype=spec.dtype, device=v.device
        )
        out[..., :m, :m] = torch.einsum("biyx,ioyx->boyx", spec[..., :m, :m], weight[0])
        out[..., -m:, :m] = torch.einsum("biyx,ioyx->boyx", spec[..., -m:, :m], weight[1])
        return torch.fft.irfft2(out, s=(ny, nx), norm="forward")


def _check_modes(modes: int, shape: tuple[int, ...]) -> None:
    smallest = min(shape)
    if 2 * modes > smallest:
        raise InputError(
            f"the input grid {shape} is too coarse for modes={modes}: an FNO layer keeping "
            f"{modes} Fourier modes needs at least {2 * modes} points per axis; use a finer "
            "grid or a model with fewer modes"
        )


#: A channel whose standard deviation is at most this fraction of its root-mean-square value is
#: constant up to rounding (float32 rounds at 6e-8 relative).
CONSTANT_CHANNEL = 1e-6


def _channel_scale(data: torch.Tensor, dims: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation of each channel (in float64); a channel that is constant
    up to rounding (a parameter channel, a constant boundary value) gets a scale of 1, so its
    rounding noise is not blown up into large inputs.

    The test is relative to the channel's own magnitude, so data in small units (a pressure of
    1e-8, a displacement in metres) are scaled like the same data in large ones.
    """
    values = data.to(torch.float64)
    mean, std = values.mean(dim=dims), values.std(dim=dims)
    rms = values.square().mean(dim=dims).sqrt()
    constant = std <= CONSTANT_CHANNEL * rms
    return mean, torch.where(constant, torch.ones_like(std), std)


class FNO(nn.Module):
    """Fourier neural operator (Li et al. 2021) for fields on 1D or 2D grids.

    Parameters
    ----------
    in_channels, out_channels
        Channels of the input and output fields (e.g. 1 → 1 for Darcy ``a ↦ p``).
    modes
        Fourier modes kept per axis in each layer (12 in the paper's 2D experiments, 16 in 1D).
    width
        Channels of the hidden representation (32 in the paper, 64 in 1D).
    layers
        Number of Fourier layers (4 in the paper).
    ndim
        1 or 2 space dimensions.
    padding
        Zero cells appended at the end of each axis before the Fourier layers (and cropped
        after), for non-periodic problems such as Darcy flow (the paper's code pads by 9 cells at
        85²); 0 for periodic ones. The count holds on the grid ``padding_grid``; on any other
        grid it scales with the number of points, ``round(padding · n / n_ref)`` per axis, so
        the padded region keeps the same width in physical units and a model trained at 33²
        with ``padding=4`` pads 8 cells at 65² (zero-shot super-resolution).
    padding_grid
        Points per axis of the grid at which ``padding`` cells hold (an int for every axis).
        ``None`` (default): the first grid the model is trained on (:func:`~ai4s_lab.pde.
        learn.train`) or evaluated on, recorded then in :attr:`config` and so in checkpoints.
        Checkpoints written before this setting existed take the first grid they see.
    coordinates
        Grid coordinates in ``[0, 1]`` appended as extra input channels (as in the paper):
        ``"cells"`` (or ``True``, default) gives point ``i`` of ``n`` the coordinate ``i / n``,
        the positions of a periodic grid (its last point is not the first one again);
        ``"nodes"`` gives ``j / (n - 1)``, the positions of a grid holding both boundaries,
        such as Darcy data (:func:`~ai4s_lab.pde.learn.darcy_dataset`). The right one keeps a
        physical point at the same coordinate on every grid, which zero-shot super-resolution
        needs: with ``"cells"`` on a 17- and a 33-node grid, the same point differs by up to
        3 % of the domain. ``"none"`` (or ``False``): no coordinate channels.

    Notes
    -----
    Normalisation: :meth:`fit_normalization` stores per-channel means and standard deviations of
    the training inputs and outputs in buffers; ``forward`` standardises the input and maps the
    output back to physical units.

    References
    ----------
    .. [1] Z. Li et al., "Fourier neural operator for parametric partial differential equations",
       ICLR 2021, arXiv:2010.08895.
    """

    in_mean: torch.Tensor
    in_std: torch.Tensor
    out_mean: torch.Tensor
    out_std: torch.Tensor

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        *,
        modes: int = 12,
        width: int = 32,
        layers: int = 4,
        ndim: int = 2,
        padding: int = 0,
        padding_grid: int | Sequence[int] | None = None,
        coordinates: bool | str = True,
    ) -> None:
        super().__init__()
        owner = "FNO"
        if isinstance(ndim, bool) or ndim not in (1, 2):
            raise ParameterError(f"{owner}: ndim={ndim!r} must be 1 or 2")
        ndim = int(ndim)
        grid = _grid_shape(padding_grid, ndim, owner)
        self.config: dict[str, Any] = {
            "in_channels": _positive_int("in_channels", in_channels, owner),
            "out_channels": _positive_int("out_channels", out_channels, owner),
            "modes": _positive_int("modes", modes, owner),
            "width": _positive_int("width", width, owner),
            "layers": _positive_int("layers", layers, owner),
            "ndim": ndim,
            "padding": _positive_int("padding", padding, owner, minimum=0),
            "padding_grid": None if grid is None else list(grid),
            "coordinates": coordinate_mode(coordinates, owner),
        }
        self.ndim = ndim
        self.padding = int(padding)
        #: ``"cells"``, ``"nodes"`` or ``"none"`` (see ``coordinates`` above).
        self.coordinates: str = self.config["coordinates"]
        width, layers = self.config["width"], self.config["layers"]
        modes = self.config["modes"]
        in_channels, out_channels = self.config["in_channels"], self.config["out_channels"]
        lifted_in = in_channels + (0 if self.coordinates == "none" else ndim)
        pointwise = nn.Conv1d if ndim == 1 else nn.Conv2d
        self.lift = pointwise(lifted_in, width, 1)
        self.spectral = nn.ModuleList(
            SpectralConv(width, width, modes, ndim) for _ in range(layers)
        )
        self.local = nn.ModuleList(pointwise(width, width, 1) for _ in range(layers))
        self.project1 = pointwise(width, 4 * width, 1)
        self.project2 = pointwise(4 * width, out_channels, 1)
        self.register_buffer("in_mean", torch.zeros(in_channels))
        self.register_buffer("in_std", torch.ones(in_channels))
        self.register_buffer("out_mean", torch.zeros(out_channels))
        self.register_buffer("out_std", torch.ones(out_channels))

    @property
    def padding_grid(self) -> tuple[int, ...] | None:
        """Points per axis of the grid at which :attr:`padding` cells hold (None: not yet set)."""
        grid = self.config.get("padding_grid")
        return None if grid is None else tuple(int(n) for n in grid)

    @padding_grid.setter
    def padding_grid(self, value: int | Sequence[int] | None) -> None:
        grid = _grid_shape(value, self.ndim, "FNO")
        self.config["padding_grid"] = None if grid is None else list(grid)

    def padding_cells(self, grid: Sequence[int]) -> tuple[int, ...]:
        """Zero cells appended on each axis for an input on ``grid`` (points per axis).

        ``round(padding · n / n_ref)`` per axis with ``n_ref`` from :attr:`padding_grid` (half
        rounds up), so the padding covers the same fraction of the domain on every grid;
        ``padding`` itself while no reference grid is set.
        """
        grid = tuple(int(n) for n in grid)
        reference = self.padding_grid
        if not self.padding:
            return (0,) * len(grid)
        if reference is None or len(reference) != len(grid):
            return (self.padding,) * len(grid)
        return tuple(
            math.floor(self.padding * n / ref + 0.5) for n, ref in zip(grid, reference, strict=True)
        )

    @property
    def in_channels(self) -> int:
        return int(self.config["in_channels"])

    @property
    def out_channels(self) -> int:
        return int(self.config["out_channels"])

    @torch.no_grad()
    def fit_normalization(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        """Store per-channel mean and standard deviation of ``inputs`` and ``targets``.

        Parameters
        ----------
        inputs, targets
            Training tensors of shape ``(N, channels, *grid)``.
        """
        self.check_input(inputs, "inputs")
        wanted = (inputs.shape[0], self.out_channels, *inputs.shape[2:])
        if tuple(targets.shape) != wanted:
            raise InputError(
                f"targets have shape {tuple(targets.shape)}; with inputs of shape "
                f"{tuple(inputs.shape)} this FNO (out_channels={self.out_channels}) expects "
                f"{wanted} — give one target per input, on the same grid, with "
                f"{self.out_channels} channel(s)"
            )
        dims = [0, *range(2, inputs.ndim)]
        for data, mean, std in ((inputs, self.in_mean, self.in_std),
                                (targets, self.out_mean, self.out_std)):  # fmt: skip
            m, s = _channel_scale(data, dims)
            mean.copy_(m.to(mean))
            std.copy_(s.to(std))

    def check_input(self, x: torch.Tensor, name: str = "input") -> None:
        """Raise :class:`InputError` unless ``x`` is ``(batch, in_channels, *grid)``."""
        expected = 2 + self.ndim
        if x.ndim != expected or x.shape[1] != self.in_channels:
            grid = "x" if self.ndim == 1 else "y, x"
            if x.ndim == expected - 1 and self.ndim == 2 and x.shape[1] == self.in_channels:
                fix = (
                    f"it looks like 1D data (batch, {self.in_channels}, x) with the channel axis "
                    "already there: build the model with FNO(..., ndim=1)"
                )
            elif x.ndim == expected + 1 and self.ndim == 1 and x.shape[1] == self.in_channels:
                fix = (
                    f"it looks like 2D data (batch, {self.in_channels}, y, x): build the model "
                    "with FNO(..., ndim=2)"
                )
            elif x.ndim == expected - 1 and self.in_channels == 1:
                fix = "add the channel axis, e.g. x[:, None]"
            elif x.ndim == expected and x.shape[-1] == self.in_channels:
                fix = (
                    "the channels look last (batch, *grid, channels): move them to axis 1, "
                    "e.g. x.movedim(-1, 1) for a tensor or np.moveaxis(x, -1, 1) for an array"
                )
            else:
                fix = "check the channel axis and the number of space dimensions"
            raise InputError(
                f"{name} has shape {tuple(x.shape)}; this {self.ndim}D FNO expects "
                f"(batch, {self.in_channels}, {grid}) — {fix}"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x (B, in_channels, *grid)`` to ``(B, out_channels, *grid)``."""
        self.check_input(x)
        view = (1, -1) + (1,) * self.ndim
        h = (x - self.in_mean.view(view)) / self.in_std.view(view)
        if self.coordinates != "none":
            h = torch.cat([h, _grid_channels(h, nodes=self.coordinates == "nodes")], dim=1)
        h = _pointwise(self.lift, h)
        grid = tuple(h.shape[2:])
        if self.padding and self.padding_grid is None:
            self.padding_grid = grid  # the first grid seen fixes the physical padding width
        pads = self.padding_cells(grid)
        if any(pads):
            padded = tuple(n + pad for n, pad in zip(grid, pads, strict=True))
            modes = int(self.config["modes"])
            if 2 * modes > min(padded):
                need = 2 * modes - max(pads)
                raise InputError(
                    f"the input grid {grid} (padded by {list(pads)} cells to {padded}) is too "
                    f"coarse for modes={modes}: the Fourier layers need {2 * modes} "
                    f"points per axis after padding, so an input of about {need} points or "
                    "more; use a finer grid or a model with fewer modes"
                )
            # F.pad lists the last axis first
            h = nn.functional.pad(h, [side for pad in reversed(pads) for side in (0, pad)])
        last = len(self.spectral) - 1
        for i, (spectral, local) in enumerate(zip(self.spectral, self.local, strict=True)):
            h = spectral(h) + _pointwise(cast("nn.Conv1d | nn.Conv2d", local), h)
            if i < last:
                h = nn.functional.gelu(h)
        if any(pads):
            h = h[..., : grid[0]] if self.ndim == 1 else h[..., : grid[0], : grid[1]]
        h = _pointwise(self.project2, nn.functional.gelu(_pointwise(self.project1, h)))
        return h * self.out_std.view(view) + self.out_mean.view(view)

    def parameter_count(self) -> int:
        """Number of real trainable parameters (a complex weight counts twice)."""
        return sum(p.numel() * (2 if p.is_complex() else 1) for p in self.parameters())


def _pointwise(conv: nn.Conv1d | nn.Conv2d, h: torch.Tensor) -> torch.Tensor:
    """Apply the 1×1 convolution ``conv`` to ``h (B, C, *grid)`` as one batched matrix product.

    Same result as ``conv(h)``; on a CPU a whole FNO forward or training step is 1.2–1.35×
    faster this way than through oneDNN's 1×1 convolution (width 32, 64², batch 20–40).
    """
    batch = h.shape[0]
    weight = conv.weight.view(conv.out_channels, conv.in_channels).expand(batch, -1, -1)
    if conv.bias is None:
        out = torch.bmm(weight, h.flatten(2))
    else:
        out = torch.baddbmm(conv.bias.view(1, -1, 1), weight, h.flatten(2))
    return out.view(batch, conv.out_channels, *h.shape[2:])


def coordinate_mode(value: Any, owner: str = "FNO") -> str:
    """The ``coordinates`` setting of an :class:`FNO` as ``"cells"``, ``"nodes"`` or ``"none"``
    (``True`` and ``False``, as in checkpoints written before the names, are ``"cells"`` and
    ``"none"``)."""
    if value is True or value is False:
        return "cells" if value else "none"
    if isinstance(value, str) and value in COORDINATE_MODES:
        return value
    raise ParameterError(
        f"{owner}: coordinates={value!r} is not known; use 'cells' (periodic grids, i/n), "
        "'nodes' (grids holding both boundaries, such as Darcy data, j/(n-1)) or 'none'"
    )


def _grid_channels(h: torch.Tensor, *, nodes: bool = False) -> torch.Tensor:
    """Coordinates in ``[0, 1]`` as channels shaped like ``h``: cell starts ``i / n``, or with
    ``nodes`` the nodes ``j / (n - 1)`` of a grid from 0 to 1 (a single node at 0)."""
    grids = [
        torch.arange(n, dtype=h.dtype, device=h.device) / (max(n - 1, 1) if nodes else n)
        for n in h.shape[2:]
    ]
    mesh = torch.meshgrid(*grids, indexing="ij")
    stacked = torch.stack(mesh, dim=0).unsqueeze(0)
    return stacked.expand(h.shape[0], *stacked.shape[1:])


def build_model(config: dict[str, Any]) -> FNO:
    """Rebuild an :class:`FNO` from its ``config`` (as stored in a checkpoint)."""
    try:
        return FNO(**config)
    except TypeError as err:
        raise ParameterError(
            f"model config {config!r} is not an FNO configuration ({err}); use the 'config' "
            "stored by ai4s_lab.pde.learn.train"
        ) from err


def spectral_parameters(modes: int, width: int, ndim: int) -> int:
    """Real parameters of one :class:`SpectralConv` of ``width`` channels (for documentation)."""
    blocks = 1 if ndim == 1 else 2
    return 2 * blocks * width * width * int(math.pow(modes, ndim))
