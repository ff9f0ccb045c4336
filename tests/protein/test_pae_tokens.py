"""AlphaFold 3 PAE over tokens: ligand atoms and per-atom tokens of modified residues drop out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError, InputError
from ai4s_lab.protein import load_pae, load_structure
from tests.protein._complexes import af3_full_data


def test_residue_rows_are_the_first_token_of_each_residue(
    tmp_path: Path, shared_data: Path
) -> None:
    structure = load_structure(shared_data / "protein" / "pdb1ubi.pdb")
    path = tmp_path / "fold_ubq_full_data_0.json"
    rows = af3_full_data(path, structure.residue_ids)
    pae = load_pae(path)
    assert pae.n_residues == 76 + 5 + 2 and len(pae.tokens or ()) == pae.n_residues
    np.testing.assert_array_equal(
        pae.residue_matrix(structure.residue_ids), pae.matrix[np.ix_(rows, rows)]
    )
    # a residue the prediction does not have
    with pytest.raises(InputError, match=r"no token for residues A:76 \(1 of 76\)"):
        af3_full_data(path, structure.residue_ids[:-1])
        load_pae(path).residue_matrix(structure.residue_ids)


def test_tokens_are_followed_even_where_the_sizes_agree(tmp_path: Path, shared_data: Path) -> None:
    # a ligand token in place of residue 1: 76 rows for 76 residues, but not the same residues
    structure = load_structure(shared_data / "protein" / "pdb1ubi.pdb")
    chains = ["B", *["A"] * 75]
    numbers = [1, *range(2, 77)]
    path = tmp_path / "shifted_full_data.json"
    path.write_text(json.dumps({"pae": np.eye(76).tolist(), "token_chain_ids": chains,
                                "token_res_ids": numbers}))  # fmt: skip
    with pytest.raises(InputError, match=r"no token for residues A:1 \(1 of 76\)"):
        load_pae(path).residue_matrix(structure.residue_ids)


def test_token_lists_that_do_not_fit_the_matrix_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad_full_data.json"
    path.write_text(json.dumps({"pae": [[0.0, 1.0], [1.0, 0.0]], "token_chain_ids": ["A"],
                                "token_res_ids": [1]}))  # fmt: skip
    with pytest.raises(DataFileError, match="names 1 tokens for a 2 × 2 PAE matrix"):
        load_pae(path)
    path.write_text(json.dumps({"pae": [[0.0]], "token_chain_ids": ["A"],
                                "token_res_ids": ["ten"]}))  # fmt: skip
    with pytest.raises(DataFileError, match="token_res_ids are not readable"):
        load_pae(path)
