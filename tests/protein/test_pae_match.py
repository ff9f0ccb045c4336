"""A PAE without tokens (one row a residue) matched to its model gives the block of any part of
that model; unmatched, a part is refused with what to do instead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import InputError
from ai4s_lab.protein import load_pae, load_structure


@pytest.fixture(scope="module")
def model(shared_data: Path) -> object:
    return load_structure(shared_data / "protein" / "AF-Q5VSL9-F1-model_v4.pdb")


def _pae(path: Path, n: int) -> np.ndarray:
    matrix = np.add.outer(np.arange(n) * 1000.0, np.arange(n)) / 100.0  # every cell differs
    np.save(path, matrix)
    return matrix


def test_a_matched_pae_gives_the_block_of_a_part_of_its_model(
    model: object, tmp_path: Path
) -> None:
    matrix = _pae(tmp_path / "pae.npy", 837)
    pae = load_pae(tmp_path / "pae.npy")
    part = model.select(residues=range(1, 101))  # type: ignore[attr-defined]
    with pytest.raises(InputError, match=r"837 rows.*but 100 residues.*pae\.match\(model\)"):
        pae.residue_matrix(part.residue_ids)
    matched = pae.match(model)
    # AlphaFold numbers the residues 1..837 in row order: residue k is row k - 1
    np.testing.assert_array_equal(matched.residue_matrix(part.residue_ids), matrix[:100, :100])
    tail = model.select(residues=[5, 700, 837])  # type: ignore[attr-defined]
    rows = [4, 699, 836]
    np.testing.assert_array_equal(
        matched.residue_matrix(tail.residue_ids), matrix[np.ix_(rows, rows)]
    )
    np.testing.assert_array_equal(pae.residue_matrix(model.residue_ids), matrix)  # type: ignore[attr-defined]


def test_a_pae_matched_to_another_model_is_refused(model: object, tmp_path: Path) -> None:
    _pae(tmp_path / "pae.npy", 10)
    with pytest.raises(InputError, match="has 10 rows but the structure has 837"):
        load_pae(tmp_path / "pae.npy").match(model)
    _pae(tmp_path / "pae.npy", 837)
    matched = load_pae(tmp_path / "pae.npy").match(model)
    with pytest.raises(InputError, match=r"no row for residues B:1 \(1 of 1\)"):
        matched.residue_matrix([("B", 1, "")])
