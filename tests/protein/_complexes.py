"""Structures built for the protein tests from the real files of ``../shared/data``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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


def af3_full_data(path: Path, residues: list[tuple[str, int, str]]) -> list[int]:
    """Write an AlphaFold 3 style ``full_data`` JSON over ``residues`` plus a 5-atom ligand
    (chain B, tokens first) and a modified residue A10 tokenized per atom (3 tokens); return
    the row of each residue's first token, counted here as the file is built."""
    chains: list[str] = ["B"] * 5
    numbers: list[int] = [1] * 5
    rows = []
    for chain, number, _ in residues:
        rows.append(len(chains))
        repeat = 3 if (chain, number) == ("A", 10) else 1
        chains += [chain] * repeat
        numbers += [number] * repeat
    n = len(chains)
    matrix = np.add.outer(np.arange(n) * 1000.0, np.arange(n)) / 100.0  # every cell differs
    path.write_text(
        json.dumps(
            {
                "pae": matrix.tolist(),
                "token_chain_ids": chains,
                "token_res_ids": numbers,
                "atom_plddts": [90.0] * n,
            }
        )
    )
    return rows
