"""The FNO's coordinate channels: periodic cells (i/n) or grids holding both boundaries (nodes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError
from ai4s_lab.pde import learn
from ai4s_lab.pde.learn import fno


def _channels(n: int, *, nodes: bool) -> np.ndarray:
    """The x coordinate channel of a 1 × n × n input."""
    h = torch.zeros(1, 1, n, n, dtype=torch.float64)
    return fno._grid_channels(h, nodes=nodes)[0, 1, 0].numpy()


def test_node_channels_are_the_coordinates_of_darcy_data() -> None:
    ds = learn.darcy_dataset(1, 9, seed=0, progress=False, device="cpu")
    np.testing.assert_allclose(_channels(9, nodes=True), ds["x"].values, rtol=0, atol=1e-15)


def test_cell_channels_are_the_coordinates_of_a_periodic_grid() -> None:
    grid = pde.Diffusion(diffusivity=0.1).grid(12, ndim=2, length=1.0)
    np.testing.assert_allclose(_channels(12, nodes=False), grid.coords()["x"], atol=1e-15)


def test_node_channels_keep_a_physical_point_at_one_coordinate_on_every_grid() -> None:
    coarse, fine = _channels(17, nodes=True), _channels(33, nodes=True)
    # node j of 17 and node 2j of 33 are the same point of [0, 1]
    np.testing.assert_allclose(fine[::2], coarse, rtol=0, atol=1e-15)
    # with cell coordinates the same point is read up to 3 % of the domain apart
    cells = np.abs(_channels(33, nodes=False)[::2] - _channels(17, nodes=False))
    assert cells.max() > 0.02


def test_forward_uses_the_chosen_coordinates(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    original = fno._grid_channels

    def spy(h: torch.Tensor, *, nodes: bool = False) -> torch.Tensor:
        seen.append(nodes)
        return original(h, nodes=nodes)

    monkeypatch.setattr(fno, "_grid_channels", spy)
    x = torch.randn(2, 1, 12, 12)
    for mode, expected in (("nodes", [True]), ("cells", [False]), ("none", [])):
        seen.clear()
        model = learn.FNO(modes=3, width=4, layers=1, coordinates=mode)
        assert model(x).shape == (2, 1, 12, 12)
        assert seen == expected
    assert learn.FNO(modes=3, width=4, layers=1, coordinates="none").lift.in_channels == 1


def test_true_and_false_read_as_cells_and_none() -> None:
    assert learn.FNO(modes=3, coordinates=True).config["coordinates"] == "cells"
    assert learn.FNO(modes=3, coordinates=False).config["coordinates"] == "none"
    # a configuration stored before the names existed rebuilds the same model
    old = {"modes": 3, "width": 4, "layers": 1, "coordinates": True}
    assert learn.build_model(old).coordinates == "cells"


def test_unknown_coordinates_are_refused_with_the_choices() -> None:
    with pytest.raises(ParameterError, match=r"coordinates='node'.*'nodes'"):
        learn.FNO(modes=3, coordinates="node")


def test_resume_accepts_a_checkpoint_that_stored_coordinates_as_true(tmp_path: Path) -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 1, 16, generator=gen)
    y = torch.sin(x)
    options = {"batch_size": 4, "device": "cpu", "progress": False}
    path = tmp_path / "old.pt"
    learn.train(learn.FNO(modes=4, width=4, layers=1, ndim=1), x, y, epochs=1,
                checkpoint=path, **options)  # fmt: skip
    state = torch.load(path, weights_only=False)
    state["config"]["coordinates"] = True  # as written before the names
    torch.save(state, path)
    model = learn.FNO(modes=4, width=4, layers=1, ndim=1)
    resumed = learn.train(model, x, y, epochs=2, checkpoint=path, resume=True, **options)
    assert len(resumed.history) == 2
