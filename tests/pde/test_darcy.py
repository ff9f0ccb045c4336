"""Steady Darcy flow: a manufactured solution converges at second order; bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from ai4s_lab import pde
from ai4s_lab.errors import InputError, ParameterError, SolverDivergedError

X, Y = sp.symbols("x y")
P_EXACT = sp.sin(sp.pi * X) * sp.sin(2 * sp.pi * Y) + X * Y**2
A_EXACT = 1 + 0.5 * sp.sin(2 * sp.pi * X) * sp.cos(sp.pi * Y)
F_EXACT = -(sp.diff(A_EXACT * sp.diff(P_EXACT, X), X) + sp.diff(A_EXACT * sp.diff(P_EXACT, Y), Y))


def _on_grid(expr: sp.Expr, n: int) -> np.ndarray:
    coords = np.linspace(0.0, 1.0, n)
    y, x = np.meshgrid(coords, coords, indexing="ij")
    return np.asarray(sp.lambdify((X, Y), expr, "numpy")(x, y), dtype=np.float64) + 0 * x


def _error(n: int, device: str) -> float:
    exact = _on_grid(P_EXACT, n)
    ds = pde.solve_darcy(
        _on_grid(A_EXACT, n),
        forcing=_on_grid(F_EXACT, n),
        boundary=exact,
        device=device,
        dtype="float64",
    )
    assert ds.attrs["relative_residual"] < 1e-10
    return float(np.abs(ds["pressure"].values - exact).max())


def test_manufactured_solution_second_order(device: str) -> None:
    errors = [_error(n, device) for n in (17, 33, 65)]
    orders = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    assert all(1.8 < p < 2.2 for p in orders), (errors, orders)
    assert errors[-1] < 1e-3


def test_batched_equals_one_by_one(device: str, shared_data: object) -> None:
    data = np.load(shared_data / "pde" / "darcy_test_16.npz")  # type: ignore[operator]
    masks = data["x"][:4]
    a = np.where(masks, 12.0, 3.0)  # the FNO benchmark's two permeabilities
    together = pde.solve_darcy(a, device=device, dtype="float64")
    assert together["pressure"].dims == ("batch", "y", "x")
    for i in range(4):
        alone = pde.solve_darcy(a[i], device=device, dtype="float64")
        np.testing.assert_allclose(together["pressure"][i], alone["pressure"], atol=1e-12)
    # zero on the boundary, positive inside for a positive source (maximum principle)
    p = together["pressure"].values
    assert np.all(p[:, 0, :] == 0) and np.all(p[:, 1:-1, 1:-1] > 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"permeability": np.ones((0, 0))}, InputError, "empty"),
        ({"permeability": np.ones((0, 8, 8))}, InputError, "empty"),
        ({"permeability": np.ones((8, 9))}, InputError, "square"),
        ({"permeability": np.ones(8)}, InputError, "square"),
        ({"permeability": -np.ones((8, 8))}, InputError, "> 0"),
        ({"permeability": np.full((8, 8), np.nan)}, InputError, "finite"),
        ({"permeability": np.ones((2, 2))}, InputError, "between"),
        ({"permeability": np.broadcast_to(np.float32(1), (9000, 9000))}, InputError, "between"),
        ({"forcing": np.ones((3, 3))}, InputError, "does not match"),
        ({"tol": 2.0}, ParameterError, "tol=2.0"),
        ({"length": -1.0}, ParameterError, "length=-1.0"),
        ({"max_iter": 2}, SolverDivergedError, "did not converge in 2 iterations"),
        ({"max_iter": 2.5}, ParameterError, "max_iter=2.5 must be an integer"),
        ({"max_iter": 0}, ParameterError, "max_iter=0 must be an integer >= 1"),
    ],
)
def test_bad_input(kwargs: dict[str, object], error: type, match: str) -> None:
    args: dict[str, object] = {"permeability": np.ones((16, 16)), "device": "cpu", **kwargs}
    with pytest.raises(error, match=match):
        pde.solve_darcy(**args)  # type: ignore[arg-type]
