"""PDE lab: batched spectral solvers in PyTorch (CPU or GPU), pure compute.

>>> from ai4s_lab import pde
>>> eq = pde.NavierStokes2D(viscosity=1e-3, forcing="kolmogorov")
>>> ds = pde.solve(eq, pde.initial.random_field(eq.grid(64), seed=0), t_end=1, save_every=0.5,
...                device="cpu", progress=False)
>>> ds["vorticity"].dims
('t', 'y', 'x')

Fields live on periodic grids (:class:`PeriodicGrid`) with a leading batch dimension; equations
are written as ``dv/dt = L v + N(v)`` in Fourier space and advanced by ETDRK4, RK4 or the
semi-implicit Cahn–Hilliard scheme; :func:`solve` returns an ``xarray.Dataset``. Steady Darcy
flow is solved by preconditioned conjugate gradients (:func:`solve_darcy`). This package imports
no Jupyter code.
"""

from __future__ import annotations

from ai4s_lab.pde import initial
from ai4s_lab.pde.darcy import solve_darcy
from ai4s_lab.pde.equations import (
    EQUATIONS,
    AllenCahn,
    Burgers,
    CahnHilliard,
    Diffusion,
    Equation,
    GrayScott,
    KuramotoSivashinsky,
    NavierStokes2D,
    equation,
    velocity_from_vorticity,
)
from ai4s_lab.pde.fields import Field
from ai4s_lab.pde.grids import PeriodicGrid
from ai4s_lab.pde.solve import solve
from ai4s_lab.pde.steppers import ETDRK4, RK4, SemiImplicitCH, Stepper

__all__ = [
    "EQUATIONS",
    "ETDRK4",
    "RK4",
    "AllenCahn",
    "Burgers",
    "CahnHilliard",
    "Diffusion",
    "Equation",
    "Field",
    "GrayScott",
    "KuramotoSivashinsky",
    "NavierStokes2D",
    "PeriodicGrid",
    "SemiImplicitCH",
    "Stepper",
    "equation",
    "initial",
    "solve",
    "solve_darcy",
    "velocity_from_vorticity",
]
