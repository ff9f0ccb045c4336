"""mmCIF files known by content or extension: a comment before the data block (``# written by
...``), and the ``.pdbx`` extension of PDBx/mmCIF. Checked against biotite's mmCIF reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.protein import load_structure

bpdb = pytest.importorskip("biotite.structure.io.pdb")
pdbx = pytest.importorskip("biotite.structure.io.pdbx")


@pytest.mark.parametrize("name", ["commented.pdbx", "commented.cif", "commented.txt"])
def test_mmcif_with_a_leading_comment(shared_data: Path, tmp_path: Path, name: str) -> None:
    atoms = bpdb.PDBFile.read(str(shared_data / "protein" / "trpcage.pdb")).get_structure(model=1)
    cif = pdbx.CIFFile()
    pdbx.set_structure(cif, atoms)
    plain = tmp_path / "plain.cif"
    cif.write(str(plain))
    path = tmp_path / name
    path.write_text("# extract written by a script\n#\n" + plain.read_text())
    theirs = pdbx.get_structure(pdbx.CIFFile.read(str(path)), model=1)
    ours = load_structure(path)
    assert ours.format == "mmcif"
    assert ours.n_atoms == theirs.array_length()
    np.testing.assert_allclose(ours.coords[0], theirs.coord, atol=1e-3)
    np.testing.assert_array_equal(ours.atom_name, theirs.atom_name)
    text = load_structure(path.read_text())  # the same as text
    np.testing.assert_array_equal(text.coords, ours.coords)
