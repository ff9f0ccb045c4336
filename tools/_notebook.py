"""What every tools/build_*.py does with its cells: stable cell ids, kernel metadata, validation.

Cell ids are ``cell-00``, ``cell-01``, ... (nbformat would draw random ones), so rebuilding a
notebook changes only what its builder changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def write_notebook(cells: list[Any], name: str) -> Path:
    """Write ``cells`` to ``notebooks/<name>`` with stable ids; returns the path written."""
    for index, cell in enumerate(cells):
        cell.id = f"cell-{index:02d}"
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    target = NOTEBOOKS / name
    nbformat.write(nb, target)
    print(f"wrote {target}")
    return target
