"""Where the front-end files of the views (the repository's ``widgets/`` folder) are.

In a wheel they are packaged as ``ai4s_lab/_frontend/``; in a source checkout (editable install)
they are read from ``widgets/`` at the repository root.
"""

from __future__ import annotations

from pathlib import Path

from ai4s_lab.errors import MissingDependencyError

__all__ = ["frontend_file"]

_PACKAGED = Path(__file__).resolve().parent.parent / "_frontend"
_CHECKOUT = Path(__file__).resolve().parent.parent.parent / "widgets"


def frontend_file(name: str) -> Path:
    """Path of a front-end file, e.g. ``frontend_file("field_view.js")``.

    Raises
    ------
    MissingDependencyError
        If neither the packaged nor the checkout copy exists (a broken installation).
    """
    for folder in (_PACKAGED, _CHECKOUT):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise MissingDependencyError(
        f"the front-end file {name!r} of an AI4S Lab view is missing from {_PACKAGED} and "
        f"{_CHECKOUT}; reinstall with: pip install --force-reinstall ai4s-lab"
    )
