"""``threads=`` takes a numpy integer (e.g. from a parameter grid) like an int, runs the same
numbers and restores torch's setting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError


def test_numpy_integer_threads() -> None:
    eq = pde.AllenCahn(0.2)
    u0 = pde.initial.random_field(eq.grid(16), seed=3, amplitude=0.5)
    before = torch.get_num_threads()
    a = pde.solve(eq, u0, 0.5, dt=0.05, threads=np.int64(1), device="cpu", progress=False)
    assert torch.get_num_threads() == before
    b = pde.solve(eq, u0, 0.5, dt=0.05, threads=1, device="cpu", progress=False)
    np.testing.assert_array_equal(a["u"].values, b["u"].values)
    for bad in (np.int64(0), 1.5, True):
        with pytest.raises(ParameterError, match="threads="):
            pde.solve(eq, u0, 0.5, threads=bad, device="cpu", progress=False)
