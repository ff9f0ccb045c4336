"""The evolution equations of :mod:`ai4s_lab.pde`, and the registry that names them."""

from __future__ import annotations

import difflib
from typing import Any

from ai4s_lab.errors import ParameterError
from ai4s_lab.pde.equations._base import Equation
from ai4s_lab.pde.equations.burgers import Burgers
from ai4s_lab.pde.equations.diffusion import Diffusion
from ai4s_lab.pde.equations.kuramoto_sivashinsky import KuramotoSivashinsky
from ai4s_lab.pde.equations.navier_stokes import NavierStokes2D, velocity_from_vorticity
from ai4s_lab.pde.equations.phase_field import AllenCahn, CahnHilliard
from ai4s_lab.pde.equations.reaction_diffusion import GrayScott

__all__ = [
    "EQUATIONS",
    "AllenCahn",
    "Burgers",
    "CahnHilliard",
    "Diffusion",
    "Equation",
    "GrayScott",
    "KuramotoSivashinsky",
    "NavierStokes2D",
    "equation",
    "velocity_from_vorticity",
]

#: Registry: name -> equation class (``"heat"`` is an alias of ``"diffusion"``).
EQUATIONS: dict[str, type[Equation]] = {
    "diffusion": Diffusion,
    "heat": Diffusion,
    "burgers": Burgers,
    "allen-cahn": AllenCahn,
    "cahn-hilliard": CahnHilliard,
    "gray-scott": GrayScott,
    "kuramoto-sivashinsky": KuramotoSivashinsky,
    "navier-stokes": NavierStokes2D,
}


def equation(name: str, **parameters: Any) -> Equation:
    """Make an equation from its registry name, e.g. ``equation("navier-stokes", viscosity=1e-3)``.

    Names are case-insensitive; ``_`` and spaces count as ``-``.

    Raises
    ------
    ParameterError
        For an unknown name (the message lists the known ones) or a bad parameter.
    """
    if not isinstance(name, str):
        raise ParameterError(f"equation name {name!r} is not a string; use one of {_known()}")
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    cls = EQUATIONS.get(key)
    if cls is None:
        close = difflib.get_close_matches(key, EQUATIONS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ParameterError(f"unknown equation name {name!r}{hint}; use one of {_known()}")
    try:
        return cls(**parameters)
    except TypeError as err:
        raise ParameterError(f"equation {name!r}: {err}") from err


def _known() -> str:
    return ", ".join(repr(n) for n in EQUATIONS)
