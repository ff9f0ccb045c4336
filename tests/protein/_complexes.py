"""Structures built for the protein tests from the real files of ``../shared/data``."""

from __future__ import annotations

import pytest

from ai4s_lab.protein import Structure, example_file, load_structure


def two_chain_ubiquitin(chain_names: tuple[str, str] = ("A", "B")) -> Structure:
    """Two copies of ubiquitin (1UBI) side by side, numbered 1-76 in each chain."""
    gemmi = pytest.importorskip("gemmi")
    st = gemmi.read_structure(str(example_file("pdb1ubi.pdb")))
    st.remove_ligands_and_waters()
    model = st[0]
    copy = model[0].clone()
    for residue in copy:
        for atom in residue:
            atom.pos = gemmi.Position(atom.pos.x + 40.0, atom.pos.y, atom.pos.z)
    model.add_chain(copy)
    model[0].name, model[1].name = chain_names
    st.setup_entities()
    return load_structure(st.make_mmcif_document().as_string())
