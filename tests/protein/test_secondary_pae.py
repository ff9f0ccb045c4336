"""Secondary structure against biotite on its own parse; residue tables; PAE files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ai4s_lab.errors import DataFileError
from ai4s_lab.protein import (
    load_pae,
    load_structure,
    plddt_band,
    residue_table,
    secondary_structure,
)

bstruc = pytest.importorskip("biotite.structure")
pdbio = pytest.importorskip("biotite.structure.io.pdb")


@pytest.mark.parametrize("name", ["pdb1ubi.pdb", "5h73.pdb", "AF-Q5VSL9-F1-model_v4.pdb"])
def test_secondary_structure_matches_biotite(shared_data: Path, name: str) -> None:
    path = shared_data / "protein" / name
    atoms = pdbio.PDBFile.read(str(path)).get_structure(model=1, altloc="first")
    atoms = atoms[bstruc.filter_amino_acids(atoms)]
    expected = np.array([{"a": "H", "b": "E"}.get(c, "C") for c in bstruc.annotate_sse(atoms)])
    ours = secondary_structure(load_structure(path))
    np.testing.assert_array_equal(ours, expected)
    assert {"H", "E"} <= set(ours.tolist())


def test_residue_table_of_a_predicted_model(shared_data: Path) -> None:
    model = load_structure(shared_data / "protein" / "AF-Q5VSL9-F1-model_v4.pdb")
    table = residue_table(model)
    assert len(table) == 837
    assert table.res_seq.tolist() == list(range(1, 838))
    assert table.n_atoms.sum() == model.n_atoms == 6718
    assert (table.confidence == "very low").sum() == 127  # MANIFEST: 127 residues < 50
    np.testing.assert_allclose(table.plddt, table.b_factor, atol=1e-6)
    assert plddt_band([95, 90, 89.9, 70, 50, 49.9]).tolist() == [
        "very high",
        "very high",
        "confident",
        "confident",
        "low",
        "very low",
    ]


def test_pae_layouts(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    matrix = np.round(rng.uniform(0, 31.75, size=(6, 6)), 2)
    new = tmp_path / "v4.json"
    new.write_text(
        json.dumps(
            [{"predicted_aligned_error": matrix.tolist(), "max_predicted_aligned_error": 31.75}]
        )
    )
    i, j = np.meshgrid(np.arange(1, 7), np.arange(1, 7), indexing="ij")
    old = tmp_path / "v1.json"
    old.write_text(
        json.dumps(
            [
                {
                    "residue1": i.ravel().tolist(),
                    "residue2": j.ravel().tolist(),
                    "distance": matrix.ravel().tolist(),
                    "max_predicted_aligned_error": 31.75,
                }
            ]
        )
    )
    colab = tmp_path / "colabfold.json"
    colab.write_text(json.dumps({"pae": matrix.tolist(), "max_pae": 31.75, "ptm": 0.81}))
    for path in (new, old, colab):
        pae = load_pae(path)
        np.testing.assert_array_equal(pae.matrix, matrix)
        assert pae.max_error == 31.75 and pae.n_residues == 6
    assert load_pae(colab).ptm == pytest.approx(0.81)


def test_bad_pae_files(tmp_path: Path) -> None:
    cases = {
        "empty.json": (b"", "is empty"),
        "binary.json": (bytes(range(256)) * 4, "binary|not valid JSON"),
        "cut.json": (b'[{"predicted_aligned_error": [[1, 2], [3', "line 1: is not valid JSON"),
        "nopae.json": (b'{"plddt": [1, 2]}', "holds no PAE"),
        "ragged.json": (b'{"pae": [[1, 2], [3]]}', "not numeric|shape"),
        "negative.json": (b'{"pae": [[0, -1], [1, 0]]}', "negative"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(DataFileError, match=message) as err:
            load_pae(path)
        assert name in str(err.value)
