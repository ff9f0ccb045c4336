"""ContactMapView of a structure it cannot draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import InputError

pytest.importorskip("plotly")
pytest.importorskip("gemmi")
from ai4s_lab.protein import load_structure
from ai4s_lab.widgets import ContactMapView

LIGAND_AND_WATER = """\
HETATM    1  C1  LIG A 101      10.000  10.000  10.000  1.00 20.00           C
HETATM    2  O1  LIG A 101      11.200  10.000  10.000  1.00 20.00           O
HETATM    3  O   HOH A 201      15.000  15.000  15.000  1.00 20.00           O
END
"""


def test_a_structure_without_amino_acids_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ligand.pdb"
    path.write_text(LIGAND_AND_WATER)
    structure = load_structure(path)
    with pytest.raises(InputError, match=r"no amino-acid residues .*HOH, LIG.*protein"):
        ContactMapView(np.zeros((0, 0)), structure)
