"""Least-squares rotations of many frames onto one target on the CPU, one frame a thread step
(imported only where numba is; :func:`ai4s_lab.protein.superpose.kabsch` falls back to torch).

Per frame: the 3 × 3 covariance in float64, Horn's 4 × 4 matrix ``K``, its largest eigenvalue by
Newton's method on the characteristic polynomial from an upper bound (QCP, Theobald 2005,
doi:10.1107/S0108767305015266), and its eigenvector as the largest column of the adjugate of
``K − λI`` (Liu, Agrafiotis & Theobald 2010, doi:10.1002/jcc.21439). A frame whose Newton
iteration does not converge or whose adjugate vanishes (a repeated largest eigenvalue, e.g.
collinear points: the rotation is not unique) is flagged for the caller's eigensolver.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

__all__ = ["kabsch_frames", "transform_frames"]

_NEWTON_STEPS = 60


@njit
def _det3(a: Any, r0: int, r1: int, r2: int, c0: int, c1: int, c2: int) -> float:
    return (
        a[r0, c0] * (a[r1, c1] * a[r2, c2] - a[r1, c2] * a[r2, c1])
        - a[r0, c1] * (a[r1, c0] * a[r2, c2] - a[r1, c2] * a[r2, c0])
        + a[r0, c2] * (a[r1, c0] * a[r2, c1] - a[r1, c1] * a[r2, c0])
    )


@njit
def _cofactor(a: Any, i: int, j: int) -> float:
    # The rows (columns) of the 3 x 3 minor: 0..3 without i (without j). Plain arithmetic,
    # no lists: numba then compiles this in a fraction of the time.
    r0 = 1 if i == 0 else 0
    r1 = 2 if i <= 1 else 1
    r2 = 3 if i <= 2 else 2
    c0 = 1 if j == 0 else 0
    c1 = 2 if j <= 1 else 1
    c2 = 3 if j <= 2 else 2
    sign = 1.0 if (i + j) % 2 == 0 else -1.0
    return sign * _det3(a, r0, r1, r2, c0, c1, c2)


@njit
def _adjugate(a: Any, out: Any) -> None:
    """``out[i, j]``: the (i, j) cofactor of the 4 x 4 ``a`` (loop indices, so that numba
    compiles ``_cofactor`` once instead of once per literal index)."""
    for i in range(4):
        for j in range(4):
            out[i, j] = _cofactor(a, i, j)


@njit(parallel=True, cache=True)
def kabsch_frames(  # type: ignore[no-untyped-def]
    mobile, target_centred, target_centroid, weights, rotation, translation, degenerate
):
    """Fill ``rotation`` ``(F, 3, 3)``, ``translation`` ``(F, 3)`` and ``degenerate`` ``(F,)``
    for frames ``mobile`` ``(F, n, 3)`` onto a target given as ``target_centred`` ``(n, 3)`` and
    ``target_centroid`` ``(3,)`` (weighted by ``weights`` ``(n,)``, which sum to 1).
    ``x @ R.T + t`` is the superposed frame. ``rotation`` is also each frame's 4 × 4 work space
    until its rotation is written, so it is ``(F, 4, 4)``; callers take ``[:, :3, :3]``.
    """
    n_frames, n = mobile.shape[0], mobile.shape[1]
    cofactors = np.empty((n_frames, 4, 4))  # each frame's adjugate, of K then of K - λI
    for f in prange(n_frames):
        h00 = h01 = h02 = h10 = h11 = h12 = h20 = h21 = h22 = 0.0
        m0 = m1 = m2 = 0.0
        for i in range(n):
            w = weights[i]
            x0, x1, x2 = mobile[f, i, 0], mobile[f, i, 1], mobile[f, i, 2]
            m0 += w * x0
            m1 += w * x1
            m2 += w * x2
            y0 = w * target_centred[i, 0]
            y1 = w * target_centred[i, 1]
            y2 = w * target_centred[i, 2]
            h00 += x0 * y0
            h01 += x0 * y1
            h02 += x0 * y2
            h10 += x1 * y0
            h11 += x1 * y1
            h12 += x1 * y2
            h20 += x2 * y0
            h21 += x2 * y1
            h22 += x2 * y2
        k = rotation[f]  # Horn's symmetric, traceless 4 x 4 matrix
        k[0, 0], k[0, 1], k[0, 2], k[0, 3] = h00 + h11 + h22, h12 - h21, h20 - h02, h01 - h10
        k[1, 1], k[1, 2], k[1, 3] = h00 - h11 - h22, h01 + h10, h20 + h02
        k[2, 2], k[2, 3] = h11 - h00 - h22, h12 + h21
        k[3, 3] = h22 - h00 - h11
        for a in range(4):
            for b in range(a):
                k[a, b] = k[b, a]
        # P(λ) = λ⁴ − tr(K²)/2 λ² − tr(K³)/3 λ + det K for the traceless symmetric K; Newton from
        # the Frobenius norm (≥ every |eigenvalue|) falls monotonically onto the largest root.
        t2 = 0.0
        t3 = 0.0
        for a in range(4):
            for b in range(4):
                k2ab = k[a, 0] * k[0, b] + k[a, 1] * k[1, b] + k[a, 2] * k[2, b] + k[a, 3] * k[3, b]
                t3 += k2ab * k[b, a]
                t2 += k[a, b] * k[a, b]
        c2, c1 = -0.5 * t2, -t3 / 3.0
        adj = cofactors[f]
        _adjugate(k, adj)
        c0 = 0.0
        for j in range(4):
            c0 += k[0, j] * adj[0, j]
        lam = np.sqrt(t2)
        converged = False
        for _ in range(_NEWTON_STEPS):
            l2 = lam * lam
            p = (l2 + c2) * l2 + c1 * lam + c0
            dp = (4.0 * l2 + 2.0 * c2) * lam + c1
            if dp == 0.0:
                break
            step = p / dp
            lam -= step
            if abs(step) <= 1e-14 * abs(lam):
                converged = True
                break
        # P'(λ) is the product of the gaps to the other eigenvalues: near zero, the largest root
        # is (nearly) repeated, Newton is slow and inexact, and the rotation barely determined.
        dp = (4.0 * lam * lam + 2.0 * c2) * lam + c1
        if not converged or abs(dp) < 1e-3 * t2**1.5:
            degenerate[f] = True
            continue
        for a in range(4):
            k[a, a] -= lam
        _adjugate(k, adj)
        best, best_norm = 0, -1.0
        for col in range(4):
            norm = 0.0
            for row in range(4):
                norm += adj[row, col] * adj[row, col]
            if norm > best_norm:
                best, best_norm = col, norm
        scale = np.sqrt(best_norm)
        if not scale > 1e-12 * max(t2, 1e-300) ** 1.5:
            degenerate[f] = True
            continue
        qw = adj[0, best] / scale
        qx = adj[1, best] / scale
        qy = adj[2, best] / scale
        qz = adj[3, best] / scale
        r = rotation[f]
        r[0, 0] = qw * qw + qx * qx - qy * qy - qz * qz
        r[0, 1] = 2 * (qx * qy - qw * qz)
        r[0, 2] = 2 * (qx * qz + qw * qy)
        r[1, 0] = 2 * (qx * qy + qw * qz)
        r[1, 1] = qw * qw - qx * qx + qy * qy - qz * qz
        r[1, 2] = 2 * (qy * qz - qw * qx)
        r[2, 0] = 2 * (qx * qz - qw * qy)
        r[2, 1] = 2 * (qy * qz + qw * qx)
        r[2, 2] = qw * qw - qx * qx - qy * qy + qz * qz
        translation[f, 0] = target_centroid[0] - (r[0, 0] * m0 + r[0, 1] * m1 + r[0, 2] * m2)
        translation[f, 1] = target_centroid[1] - (r[1, 0] * m0 + r[1, 1] * m1 + r[1, 2] * m2)
        translation[f, 2] = target_centroid[2] - (r[2, 0] * m0 + r[2, 1] * m1 + r[2, 2] * m2)


@njit(parallel=True, cache=True)
def transform_frames(points, rotation, translation, out):  # type: ignore[no-untyped-def]
    """``out[f] = points[f] @ rotation[f].T + translation[f]`` for ``(F, n, 3)`` frames."""
    for f in prange(points.shape[0]):
        r = rotation[f]
        t = translation[f]
        for i in range(points.shape[1]):
            x0, x1, x2 = points[f, i, 0], points[f, i, 1], points[f, i, 2]
            out[f, i, 0] = r[0, 0] * x0 + r[0, 1] * x1 + r[0, 2] * x2 + t[0]
            out[f, i, 1] = r[1, 0] * x0 + r[1, 1] * x1 + r[1, 2] * x2 + t[1]
            out[f, i, 2] = r[2, 0] * x0 + r[2, 1] * x1 + r[2, 2] * x2 + t[2]
