"""Real example structures shipped with the package (sources and licences in README.md)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLES", "example_file"]

_HERE = Path(__file__).resolve().parent
#: The shipped example files.
EXAMPLES = ("AF-Q5VSL9-F1-model_v4.pdb", "1l2y.pdb", "1l2y.xtc", "pdb1ubi.pdb")


def example_file(name: str) -> Path:
    """Path of a shipped example file, e.g. ``example_file("1l2y.pdb")``.

    Raises
    ------
    FileNotFoundError
        If ``name`` is not one of :data:`EXAMPLES`; the message lists them.
    """
    if name not in EXAMPLES:
        raise FileNotFoundError(f"{name!r} is not a shipped example; choose one of {EXAMPLES}")
    return _HERE / name
