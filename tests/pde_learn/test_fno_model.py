"""The FNO and its spectral convolution, checked against closed forms and a direct convolution."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ai4s_lab.errors import InputError, ParameterError
from ai4s_lab.pde.learn import FNO, SpectralConv


def _band_limited_1d(n: int, modes: int) -> torch.Tensor:
    """A real function with Fourier modes below ``modes``, sampled at n points: (1, 2, n)."""
    x = torch.arange(n, dtype=torch.float64) * 2 * math.pi / n
    rows = []
    for phase in (0.3, 1.1):
        f = 0.5 + sum(
            math.cos(k + phase) * torch.cos(k * x + phase) / (k + 1) for k in range(1, modes)
        )
        rows.append(f)
    return torch.stack(rows)[None]


def test_spectral_conv_1d_is_resolution_invariant_on_band_limited_input() -> None:
    torch.manual_seed(0)
    conv = SpectralConv(2, 3, modes=6, ndim=1)
    coarse, fine = _band_limited_1d(32, 6), _band_limited_1d(128, 6)
    out_coarse, out_fine = conv(coarse), conv(fine)
    # the fine grid contains the coarse points at every 4th sample
    np.testing.assert_allclose(out_fine[..., ::4].detach(), out_coarse.detach(), atol=1e-12)


def test_spectral_conv_2d_is_resolution_invariant_on_band_limited_input() -> None:
    torch.manual_seed(1)
    conv = SpectralConv(1, 2, modes=4, ndim=2)

    def field(n: int) -> torch.Tensor:
        g = torch.arange(n, dtype=torch.float64) * 2 * math.pi / n
        y, x = torch.meshgrid(g, g, indexing="ij")
        f = torch.sin(x + 2 * y) + 0.3 * torch.cos(3 * x - y) + 0.2 * torch.sin(-2 * y) + 0.1
        return f[None, None]

    coarse, fine = conv(field(16)), conv(field(64))
    np.testing.assert_allclose(fine[..., ::4, ::4].detach(), coarse.detach(), atol=1e-12)


def _kernel_1d(weight: np.ndarray, n: int) -> np.ndarray:
    """κ_io(d) = (1/n)[Re R_0 + 2 Σ_{k≥1} Re(R_k e^{2πikd/n})] from the weights (no FFT)."""
    d = np.arange(n)
    modes = weight.shape[-1]
    kappa = np.real(weight[..., 0])[..., None] * np.ones(n)
    for k in range(1, modes):
        kappa = kappa + 2 * np.real(weight[..., k, None] * np.exp(2j * np.pi * k * d / n))
    return kappa / n  # (in, out, n)


def test_spectral_conv_1d_equals_direct_circular_convolution() -> None:
    torch.manual_seed(2)
    n, modes = 12, 4
    conv = SpectralConv(2, 3, modes=modes, ndim=1)
    v = torch.randn(1, 2, n, dtype=torch.float64)
    got = conv(v).detach().numpy()[0]
    kappa = _kernel_1d(conv.weight.detach().numpy()[0].astype(np.complex128), n)
    vv = v.numpy()[0]
    expected = np.zeros((3, n))
    for o in range(3):
        for i in range(2):
            for j in range(n):
                for m in range(n):
                    expected[o, j] += kappa[i, o, (j - m) % n] * vv[i, m]
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_spectral_conv_2d_equals_direct_circular_convolution() -> None:
    torch.manual_seed(3)
    n, modes = 8, 3
    conv = SpectralConv(2, 2, modes=modes, ndim=2)
    v = torch.randn(1, 2, n, n, dtype=torch.float64)
    got = conv(v).detach().numpy()[0]
    w = conv.weight.detach().numpy().astype(np.complex128)  # (2 blocks, in, out, ky, kx)
    d = np.arange(n)
    dy, dx = np.meshgrid(d, d, indexing="ij")
    kappa = np.zeros((2, 2, n, n))
    for block, kys in ((0, range(modes)), (1, range(-modes, 0))):
        for row, ky in enumerate(kys):
            for kx in range(modes):
                factor = 1.0 if kx == 0 else 2.0
                phase = np.exp(2j * np.pi * (ky * dy + kx * dx) / n)
                coeff = w[block, :, :, row, kx][..., None, None]
                kappa += factor * np.real(coeff * phase)
    kappa /= n * n
    vv = v.numpy()[0]
    expected = np.zeros((2, n, n))
    for o in range(2):
        for i in range(2):
            for jy in range(n):
                for jx in range(n):
                    shifted = kappa[i, o][(jy - d) % n][:, (jx - d) % n]
                    expected[o, jy, jx] += float((shifted * vv[i]).sum())
    np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize(("ndim", "shape"), [(1, (3, 2, 32)), (2, (3, 2, 16, 24))])
def test_fno_output_shape_at_training_and_higher_resolution(
    ndim: int, shape: tuple[int, ...]
) -> None:
    torch.manual_seed(0)
    model = FNO(2, 1, modes=4, width=8, layers=2, ndim=ndim, padding=2)
    x = torch.randn(shape)
    assert model(x).shape == (3, 1, *shape[2:])
    finer = torch.randn(*shape[:2], *(2 * s for s in shape[2:]))
    assert model(finer).shape == (3, 1, *finer.shape[2:])  # zero-shot super-resolution


@pytest.mark.parametrize(("ndim", "shape"), [(1, (2, 1, 32)), (2, (2, 1, 16, 20))])
def test_fno_forward_equals_its_layers_applied_with_torch_convolutions(
    ndim: int, shape: tuple[int, ...]
) -> None:
    # the FNO applies its 1×1 convolutions as batched matrix products; torch's own Conv layers
    # and the paper's layer order give the reference
    torch.manual_seed(1)
    model = FNO(1, 1, modes=4, width=6, layers=3, ndim=ndim, padding=3).double().eval()
    x = torch.randn(shape, dtype=torch.float64)
    grids = torch.meshgrid(*(torch.arange(n, dtype=torch.float64) / n for n in shape[2:]),
                           indexing="ij")  # fmt: skip
    h = torch.cat([x, torch.stack(grids).unsqueeze(0).expand(shape[0], -1, *shape[2:])], dim=1)
    h = torch.nn.functional.pad(model.lift(h), (0, 3) * ndim)
    for i, (spectral, local) in enumerate(zip(model.spectral, model.local, strict=True)):
        h = spectral(h) + local(h)
        h = torch.nn.functional.gelu(h) if i < 2 else h
    h = h[..., :-3] if ndim == 1 else h[..., :-3, :-3]
    expected = model.project2(torch.nn.functional.gelu(model.project1(h)))
    with torch.no_grad():
        torch.testing.assert_close(model(x), expected, rtol=1e-12, atol=1e-12)


def test_fno_rejects_bad_shapes_and_parameters() -> None:
    model = FNO(1, 1, modes=4, width=8, layers=1)
    with pytest.raises(InputError, match=r"expects \(batch, 1, y, x\)"):
        model(torch.zeros(2, 3, 16, 16))  # wrong channel count
    with pytest.raises(InputError, match=r"x\[:, None\]"):
        model(torch.zeros(2, 16, 16))  # missing channel axis
    with pytest.raises(InputError, match="too coarse for modes=4"):
        model(torch.zeros(1, 1, 6, 6))
    with pytest.raises(ParameterError, match="modes=0"):
        FNO(modes=0)
    with pytest.raises(ParameterError, match="ndim=3"):
        FNO(ndim=3)


def _reference_forward(model: FNO, x: torch.Tensor, pad: int) -> torch.Tensor:
    """The FNO of Li et al. with torch's own Conv layers and ``pad`` zero cells per axis."""
    ndim = x.ndim - 2
    grids = torch.meshgrid(*(torch.arange(n, dtype=x.dtype) / n for n in x.shape[2:]),
                           indexing="ij")  # fmt: skip
    h = torch.cat([x, torch.stack(grids).unsqueeze(0).expand(x.shape[0], -1, *x.shape[2:])], 1)
    h = torch.nn.functional.pad(model.lift(h), (0, pad) * ndim)
    last = len(model.spectral) - 1
    for i, (spectral, local) in enumerate(zip(model.spectral, model.local, strict=True)):
        h = spectral(h) + local(h)
        h = torch.nn.functional.gelu(h) if i < last else h
    h = h[..., :-pad] if ndim == 1 else h[..., :-pad, :-pad]
    return model.project2(torch.nn.functional.gelu(model.project1(h)))


@pytest.mark.parametrize(("ndim", "coarse"), [(1, (2, 1, 24)), (2, (2, 1, 16, 16))])
def test_padding_keeps_its_physical_width_on_a_finer_grid(
    ndim: int, coarse: tuple[int, ...]
) -> None:
    # 3 cells on the first grid the model sees are 6 cells on a grid twice as fine
    torch.manual_seed(4)
    model = FNO(1, 1, modes=4, width=6, layers=2, ndim=ndim, padding=3).double().eval()
    x = torch.randn(coarse, dtype=torch.float64)
    fine = torch.randn(*coarse[:2], *(2 * n for n in coarse[2:]), dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(model(x), _reference_forward(model, x, 3), rtol=0, atol=1e-12)
        assert model.padding_grid == coarse[2:]
        assert model.padding_cells(fine.shape[2:]) == (6,) * ndim
        expected = _reference_forward(model, fine, 6)
        torch.testing.assert_close(model(fine), expected, rtol=0, atol=1e-12)
    # rounding per axis on a rectangular grid: 3·40/16 = 7.5 → 8, 3·8/16 = 1.5 → 2
    if ndim == 2:
        assert model.padding_cells((8, 40)) == (2, 8)


def test_zero_shot_super_resolution_with_scaled_padding() -> None:
    """A smooth periodic field sampled at 32² and 64²: on the shared points the model's two
    outputs should agree (the coarse output is the oracle). Scaled padding agrees 3–5x better
    than the old fixed 4 cells (measured 2e-5–1e-4 against 6e-5–5e-4 over 8 seeds)."""

    def field(n: int) -> torch.Tensor:
        g = torch.arange(n, dtype=torch.float64) / n
        y, x = torch.meshgrid(g, g, indexing="ij")
        f = torch.sin(2 * math.pi * x) * torch.cos(2 * math.pi * y) + 0.5 * torch.cos(
            4 * math.pi * x
        )
        return f[None, None]

    coarse, fine = field(32), field(64)
    torch.manual_seed(0)
    model = FNO(modes=6, width=16, layers=4, padding=4).double().eval()
    with torch.no_grad():
        at_coarse = model(coarse)
        scaled = model(fine)
        model.padding_grid = (64, 64)  # the old behaviour: 4 cells whatever the grid
        fixed = model(fine)
    from ai4s_lab.pde.learn import relative_l2

    scaled_gap = float(relative_l2(scaled[..., ::2, ::2], at_coarse))
    fixed_gap = float(relative_l2(fixed[..., ::2, ::2], at_coarse))
    assert scaled_gap < 2.5e-4
    assert scaled_gap < 0.5 * fixed_gap


def test_padding_grid_is_part_of_the_config_and_old_configs_still_build() -> None:
    from ai4s_lab.pde.learn import build_model

    model = FNO(modes=4, width=8, layers=1, padding=2)
    assert model.config["padding_grid"] is None
    model(torch.zeros(1, 1, 20, 20))
    assert model.config["padding_grid"] == [20, 20]
    again = build_model(dict(model.config))
    assert again.padding_cells((40, 40)) == (4, 4)
    old = {k: v for k, v in model.config.items() if k != "padding_grid"}  # a pre-change file
    assert build_model(old).padding_grid is None
    assert FNO(ndim=1, modes=4, padding=2, padding_grid=np.int64(33)).padding_grid == (33,)
    with pytest.raises(ParameterError, match="padding_grid"):
        FNO(modes=4, padding=2, padding_grid=(33,))  # one size for a 2D model


def test_shape_errors_suggest_the_right_fix() -> None:
    two_d = FNO(1, 1, modes=4, width=8, layers=1)
    with pytest.raises(InputError, match=r"1D data .* ndim=1"):
        two_d(torch.zeros(4, 1, 32))  # 1D fields that already have their channel axis
    one_d = FNO(1, 1, modes=4, width=8, layers=1, ndim=1)
    with pytest.raises(InputError, match=r"2D data .* ndim=2"):
        one_d(torch.zeros(4, 1, 16, 16))
    with pytest.raises(InputError, match=r"x\[:, None\]"):
        one_d(torch.zeros(4, 32))
    model = FNO(2, 3, modes=4, width=8, layers=1)
    with pytest.raises(InputError, match=r"targets have shape \(6, 2, 16, 16\).*3 channel"):
        model.fit_normalization(torch.randn(6, 2, 16, 16), torch.randn(6, 2, 16, 16))


def test_a_grid_too_coarse_after_padding_names_the_padding() -> None:
    model = FNO(1, 1, modes=12, width=8, layers=1, padding=4)
    with pytest.raises(InputError, match=r"\(16, 16\) \(padded by \[4, 4\] cells to \(20, 20\)"):
        model(torch.zeros(2, 1, 16, 16))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_models_run_and_match_float32(dtype: torch.dtype) -> None:
    # torch has no half-precision FFT on the CPU: the layer used to raise a bare RuntimeError
    from ai4s_lab.pde.learn import predict

    torch.manual_seed(0)
    model = FNO(1, 1, modes=4, width=8, layers=2, padding=2).eval()
    x = torch.randn(2, 1, 16, 12)
    reference = predict(model, x)
    half = FNO(1, 1, modes=4, width=8, layers=2, padding=2)
    half.load_state_dict(model.state_dict())
    out = predict(half.half() if dtype == torch.float16 else half.bfloat16(), x)
    assert out.dtype == dtype
    scale = float(reference.abs().max())
    torch.testing.assert_close(out.float(), reference, rtol=0, atol=0.05 * scale)


def test_channels_last_input_gets_a_moveaxis_hint() -> None:
    model = FNO(2, 1, modes=4, width=8, layers=1)
    with pytest.raises(InputError, match=r"channels look last.*movedim\(-1, 1\)"):
        model(torch.zeros(3, 16, 16, 2))
    one_d = FNO(3, 1, modes=4, width=8, layers=1, ndim=1)
    with pytest.raises(InputError, match=r"np\.moveaxis\(x, -1, 1\)"):
        one_d(torch.zeros(3, 16, 3))
