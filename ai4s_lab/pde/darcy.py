"""Steady Darcy flow ``−∇·(a(x) ∇p) = f`` on the unit square with Dirichlet boundaries.

The classic neural-operator benchmark (Li et al., FNO): a variable (often binary) permeability
``a`` and a constant source. Discretized with the five-point finite-volume stencil, face
permeabilities the harmonic mean of the two neighbouring nodes (second order for smooth ``a``,
flux-conserving for jumps), and solved by the conjugate-gradient method with a Jacobi
preconditioner, batched over samples, in torch on any device.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ai4s_lab._numbers import is_integer, is_real
from ai4s_lab.device import resolve_device, resolve_dtype
from ai4s_lab.errors import InputError, ParameterError, SolverDivergedError
from ai4s_lab.pde._keywords import check_keywords

if TYPE_CHECKING:
    import torch
    import xarray as xr

__all__ = ["solve_darcy"]

#: Smallest grid (nodes per side, boundary included).
MIN_NODES = 3
#: Largest grid (nodes per side).
MAX_NODES = 8193


@check_keywords
def solve_darcy(
    permeability: Any,
    *,
    forcing: float | Any = 1.0,
    boundary: float | Any = 0.0,
    length: float = 1.0,
    tol: float | None = None,
    max_iter: int | None = None,
    device: str | torch.device | None = "auto",
    dtype: str | torch.dtype | None = None,
) -> xr.Dataset:
    """Solve ``−∇·(a ∇p) = f`` on ``[0, length]²`` with ``p = g`` on the boundary.

    Parameters
    ----------
    permeability
        ``a`` at the grid nodes, shape ``(n, n)`` or ``(batch, n, n)`` (boundary nodes included,
        spacing ``length / (n − 1)``); finite and > 0.
    forcing
        ``f``: a number or an array of the same shape (source per unit area).
    boundary
        ``g``: a number or an array of the same shape, of which only the boundary nodes are used.
    length
        Side of the square domain (length units).
    tol
        Relative residual ``‖r‖/‖b‖`` at which CG stops; default 1e-10 (float64), 1e-5 (float32).
    max_iter
        Iteration cap; default ``10 n`` times the fourth root of the permeability contrast
        ``max a / min a`` (at most ``1000 n``).
    device, dtype
        Where and in what precision to compute.

    Returns
    -------
    xarray.Dataset
        ``pressure`` and ``permeability`` with dims ``([batch,] y, x)``; attributes
        ``iterations`` and ``relative_residual``.

    Raises
    ------
    InputError
        For a malformed, empty, non-finite or non-positive permeability or a shape mismatch.
    SolverDivergedError
        If CG does not reach ``tol`` within ``max_iter`` iterations.

    References
    ----------
    .. [1] M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear
       systems", J. Res. Natl. Bur. Stand. 49 (1952) 409–436, doi:10.6028/jres.049.044.
    .. [2] Z. Li et al., "Fourier neural operator for parametric partial differential
       equations", ICLR 2021, doi:10.48550/arXiv.2010.08895.
    """
    import numpy as np
    import torch
    import xarray as xr

    dev = resolve_device(device)
    real = resolve_dtype(dtype, dev)
    shape = tuple(getattr(permeability, "shape", np.shape(permeability)))
    if len(shape) not in (2, 3) or shape[-1] != shape[-2]:
        raise InputError(
            f"permeability has shape {shape}; use a square (n, n) or (batch, n, n) array"
        )
    n = int(shape[-1])
    if n == 0 or (len(shape) == 3 and shape[0] == 0):
        raise InputError(f"permeability is empty (shape {shape}); give values on a grid")
    if not MIN_NODES <= n <= MAX_NODES:
        raise InputError(
            f"permeability has {n} nodes per side; use between {MIN_NODES} and {MAX_NODES}"
        )
    a = _as_tensor(permeability, "permeability")
    batched = a.ndim == 3
    if not bool(torch.isfinite(a).all()) or not bool((a > 0).all()):
        raise InputError("permeability must be finite and > 0 everywhere")
    if not (is_real(length) and length > 0 and math.isfinite(length)):
        raise ParameterError(f"length={length!r} must be positive and finite")
    a = a.reshape(-1, n, n).to(device=dev, dtype=real)
    f = _broadcast(forcing, "forcing", a).to(device=dev, dtype=real)
    g = _broadcast(boundary, "boundary", a).to(device=dev, dtype=real)
    if tol is None:
        tol = 1e-10 if real == torch.float64 else 1e-5
    if not (is_real(tol) and 0 < tol < 1):
        raise ParameterError(f"tol={tol!r} must be a number in (0, 1)")
    if max_iter is not None and not (is_integer(max_iter) and max_iter >= 1):
        raise ParameterError(f"max_iter={max_iter!r} must be an integer >= 1 (or None)")
    if max_iter is None:
        # Jacobi-preconditioned CG needs more iterations as the permeability contrast grows
        # (about n · contrast^(1/4) on layered media); 10 n of them for a smooth medium
        contrast = float(a.max() / a.min())
        max_iter = math.ceil(10 * n * min(100.0, contrast**0.25))
    max_iter = int(max_iter)

    h = length / (n - 1)
    # face permeabilities (harmonic means), east-west faces and north-south faces
    ax = 2 * a[:, :, 1:] * a[:, :, :-1] / (a[:, :, 1:] + a[:, :, :-1])
    ay = 2 * a[:, 1:, :] * a[:, :-1, :] / (a[:, 1:, :] + a[:, :-1, :])

    def apply(p: torch.Tensor) -> torch.Tensor:
        """``−∇·(a∇p)`` at the interior nodes of a full-grid ``p``; shape ``(B, n-2, n-2)``."""
        fx = ax * (p[:, :, 1:] - p[:, :, :-1])  # flux across x faces, (B, n, n-1)
        fy = ay * (p[:, 1:, :] - p[:, :-1, :])  # (B, n-1, n)
        div = (fx[:, 1:-1, 1:] - fx[:, 1:-1, :-1]) + (fy[:, 1:, 1:-1] - fy[:, :-1, 1:-1])
        return -div / (h * h)

    def embed(x: torch.Tensor) -> torch.Tensor:
        full = torch.zeros_like(a)
        full[:, 1:-1, 1:-1] = x
        return full

    lifted = torch.zeros_like(a)
    lifted[:, 0, :], lifted[:, -1, :] = g[:, 0, :], g[:, -1, :]
    lifted[:, :, 0], lifted[:, :, -1] = g[:, :, 0], g[:, :, -1]
    b = f[:, 1:-1, 1:-1] - apply(lifted)
    diag = (ax[:, 1:-1, 1:] + ax[:, 1:-1, :-1] + ay[:, 1:, 1:-1] + ay[:, :-1, 1:-1]) / (h * h)

    def dot(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (x * y).sum(dim=(1, 2))

    x = torch.zeros_like(b)
    r = b.clone()
    z = r / diag
    p = z.clone()
    rz = dot(r, z)
    bnorm = b.flatten(1).norm(dim=1).clamp_min(torch.finfo(real).tiny)
    iterations = 0
    residual = r.flatten(1).norm(dim=1) / bnorm
    while bool((residual > tol).any()) and n > 2:
        if iterations >= max_iter:
            raise SolverDivergedError(
                f"solve_darcy: conjugate gradients did not converge in {max_iter} iterations "
                f"(relative residual {float(residual.max()):.2e} > tol={tol:.1e}); raise max_iter="
                + (", loosen tol=, or use float64" if real != torch.float64 else " or loosen tol=")
            )
        active = (residual > tol).to(real)[:, None, None]
        Ap = apply(embed(p))
        alpha = rz / dot(p, Ap).clamp_min(torch.finfo(real).tiny)
        x = x + active * alpha[:, None, None] * p
        r = r - active * alpha[:, None, None] * Ap
        z = r / diag
        rz_new = dot(r, z)
        beta = rz_new / rz.clamp_min(torch.finfo(real).tiny)
        p = z + beta[:, None, None] * p
        rz = rz_new
        iterations += 1
        residual = r.flatten(1).norm(dim=1) / bnorm
    pressure = lifted.clone()
    pressure[:, 1:-1, 1:-1] = x
    coords = np.linspace(0.0, length, n)
    dims: tuple[str, ...] = ("y", "x")
    p_np = pressure.cpu().numpy()
    a_np = a.cpu().numpy()
    coord: dict[str, Any] = {"y": coords, "x": coords}
    if batched:
        dims = ("batch", *dims)
        coord["batch"] = np.arange(a.shape[0])
    else:
        p_np, a_np = p_np[0], a_np[0]
    return xr.Dataset(
        {"pressure": (dims, p_np), "permeability": (dims, a_np)},
        coords=coord,
        attrs={
            "equation": "Darcy",
            "iterations": iterations,
            "relative_residual": float(residual.max()),
            "tol": float(tol),
            "device": str(dev),
            "dtype": str(real).replace("torch.", ""),
        },
    )


def _as_tensor(value: Any, name: str) -> torch.Tensor:
    import numpy as np
    import torch

    if hasattr(value, "values") and hasattr(value, "dims"):
        value = np.asarray(value.values)
    if isinstance(value, np.ndarray) and not value.dtype.isnative:  # big-endian data files
        value = value.astype(value.dtype.newbyteorder("="))
    try:
        tensor = torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as err:
        raise InputError(f"{name} of type {type(value).__name__} is not an array") from err
    if tensor.numel() == 0:
        raise InputError(f"{name} is empty (shape {tuple(tensor.shape)}); give values on a grid")
    if tensor.is_complex():
        raise InputError(f"{name} is complex; give real values")
    return tensor.to(torch.float64)


def _broadcast(value: Any, name: str, like: torch.Tensor) -> torch.Tensor:
    import torch

    tensor = _as_tensor(value, name)
    if not bool(torch.isfinite(tensor).all()):
        raise InputError(f"{name} contains NaN or inf; give finite values")
    try:
        return torch.broadcast_to(tensor.to(like.device), like.shape).clone()
    except RuntimeError as err:
        raise InputError(
            f"{name} of shape {tuple(tensor.shape)} does not match the permeability "
            f"{tuple(like.shape[-2:])}"
        ) from err
