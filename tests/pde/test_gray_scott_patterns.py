"""Gray–Scott shows the patterns its docstring promises (Pearson 1993): self-replicating spots
for F = 0.0367, k = 0.0649 and a space-filling labyrinth for the defaults F = 0.04, k = 0.06."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ai4s_lab import pde


def _periodic_components(mask: np.ndarray) -> int:
    """Connected regions of a 2D mask on a torus (a spot cut by the boundary counts once)."""
    labels, count = ndimage.label(mask)
    parent = list(range(count + 1))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in ((labels[0], labels[-1]), (labels[:, 0], labels[:, -1])):
        for i, j in zip(a, b, strict=True):
            if i and j and root(i) != root(j):
                parent[root(i)] = root(j)
    return len({root(i) for i in range(1, count + 1)})


def _v_pattern(feed: float, kill: float) -> list[np.ndarray]:
    eq = pde.GrayScott(feed, kill)
    # Pearson's 2.5-wide domain at 128² has the spacing of this 1.25-wide one at 64²
    grid = eq.grid(64, length=1.25)
    ds = pde.solve(eq, pde.initial.gray_scott_seed(grid, seed=0), t_end=5000, save_every=1000,
                   dt=2.0, device="cpu", dtype="float32", progress=False)  # fmt: skip
    return [ds["v"].isel(t=i).values.squeeze() > 0.2 for i in range(ds.sizes["t"])]


@pytest.mark.slow
def test_spots_divide() -> None:
    masks = _v_pattern(0.0367, 0.0649)
    counts = [_periodic_components(mask) for mask in masks[1:]]  # t = 1000 ... 5000
    assert counts == sorted(counts), counts  # spots divide and none merge
    assert counts[-1] >= 3 * counts[0], counts
    assert max(mask.mean() for mask in masks[1:]) < 0.15  # isolated spots, not a filled domain


@pytest.mark.slow
def test_default_parameters_grow_a_labyrinth() -> None:
    masks = _v_pattern(0.04, 0.06)
    assert masks[-1].mean() > 0.4  # it fills the domain ...
    assert _periodic_components(masks[-1]) <= 2  # ... as one connected labyrinth of stripes
