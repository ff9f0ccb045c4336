"""Example entry files shipped with the package (see ``data/README.md`` for origins)."""

from __future__ import annotations

from pathlib import Path

from ai4s_lab.errors import InputError

__all__ = ["EXAMPLE_FILES", "example_entries"]

_DATA = Path(__file__).resolve().parent / "data"

#: Short name -> (file name, whether its energies are formation energies with elements at 0).
EXAMPLE_FILES: dict[str, tuple[str, bool]] = {
    "Li-Co-O": ("Li-Co-O.json.gz", True),
    "Li-P-S": ("Li-P-S.json.gz", True),
    "Li-Fe-O": ("li-fe-o-entries.json.gz", False),
}


def example_entries(name: str) -> Path:
    """Path of a shipped example entries file: ``"Li-Co-O"``, ``"Li-P-S"`` or ``"Li-Fe-O"``.

    The Li-Co-O and Li-P-S files hold formation energies (build their diagrams with
    ``zero_references=True``); Li-Fe-O holds total energies with elemental entries.
    """
    if name not in EXAMPLE_FILES:
        raise InputError(f"no example entries named {name!r}; choose one of {list(EXAMPLE_FILES)}")
    return _DATA / EXAMPLE_FILES[name][0]
