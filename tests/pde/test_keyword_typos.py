"""A mistyped keyword (``viscocity=``) is a ParameterError naming the keyword meant, from the
equations, ``solve`` and ``solve_darcy``; the right keyword still works."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from ai4s_lab import pde
from ai4s_lab.errors import ParameterError


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: pde.NavierStokes2D(viscocity=1e-3),
            r"viscocity=0.001 \(did you mean viscosity=\?\)",
        ),
        (lambda: pde.equation("navier-stokes", viscocity=1e-3), r"did you mean viscosity="),
        (lambda: pde.Diffusion(diffusion=1.0), r"did you mean diffusivity="),
        (lambda: pde.CahnHilliard(gama=1.0), r"did you mean gamma="),
        (lambda: pde.GrayScott(feed_rate=0.03), r"did you mean feed="),
        (lambda: pde.KuramotoSivashinsky(viscosity=1), r"KuramotoSivashinsky got .*viscosity=1;"),
        (
            lambda: pde.solve("heat", np.zeros((8, 8)), 1.0, save_evry=0.1, progress=False),
            r"solve got .*save_evry=0.1 \(did you mean save_every=\?\)",
        ),
        (lambda: pde.solve_darcy(np.ones((8, 8)), 1.0, toll=1e-6), r"did you mean tol="),
    ],
)
def test_a_mistyped_keyword_names_the_one_meant(call: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        call()  # type: ignore[operator]


def test_the_signatures_and_right_keywords_are_kept() -> None:
    assert "viscosity" in inspect.signature(pde.NavierStokes2D).parameters
    assert "save_every" in inspect.signature(pde.solve).parameters
    assert pde.NavierStokes2D(viscosity=2e-3).viscosity == 2e-3
    ds = pde.solve("heat", np.zeros((8, 8)), 0.1, save_every=0.05, device="cpu", progress=False)
    assert ds.sizes["t"] == 3
